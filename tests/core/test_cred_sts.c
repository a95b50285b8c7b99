/* SPDX-License-Identifier: MIT */
/* Tests for cred_sts.c: the STS call, its endpoint, its errors and its XML answers. */
#include "cred_rig.h"

/* ---- STS answers ---- */

static int reports_sts_errors_with_the_role_and_the_code(void)
{
    static const struct canned denied[] = {
        {403, APPMESH_OK, NULL,
         STS_ERROR("AccessDenied", "User: arn:aws:iam::123456789012:user/x is not authorized "
                                   "to perform: sts:AssumeRole")}};
    static const struct canned bare_500[] = {{500, APPMESH_OK, NULL, "oops"}};
    static const struct canned down[] = {{0, APPMESH_ERR_TRANSPORT, NULL, NULL}};
    static const char *const env[] = {"AWS_PROFILE", "role", NULL};
    const struct outcome w1 = {
        NULL, "assume-role: STS AssumeRole for role arn:aws:iam::123456789012:role/app failed "
              "(HTTP 403): AccessDenied: User: arn:aws:iam::123456789012:user/x is not authorized"};
    const struct outcome w2 = {NULL, "assume-role: STS AssumeRole for role "
                                     "arn:aws:iam::123456789012:role/app failed (HTTP 500, no STS "
                                     "error in the response)"};
    const struct outcome w3 = {NULL,
                               "assume-role: STS AssumeRole for role "
                               "arn:aws:iam::123456789012:role/app at "
                               "https://sts.us-east-1.amazonaws.com/: fake transport failure"};
    RUN(denied, env, "us-east-1", &w1);
    RUN(bare_500, env, "us-east-1", &w2);
    RUN(down, env, "us-east-1", &w3);
    return 0;
}

static int refuses_malformed_sts_responses(void)
{
    static const struct {
        const char *body;
        const char *message;
    } cases[] = {
        {"", "not valid XML (no root element)"},
        {"\xff<html>garbage", "not valid XML (text outside the root element)"},
        {"<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIA",
         "not valid XML (the document ends inside an element (truncated))"},
        {"<a><b></a></b>", "not valid XML (mismatched closing tag)"},
        {"<a></a><b></b>", "not valid XML (a second root element)"},
        {"<a x=1></a>", "not valid XML (an unquoted attribute value)"},
        {"<!DOCTYPE a><a></a>", "not valid XML (a DTD or CDATA section (not expected from STS))"},
        {"<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId>"
         "<AccessKeyId>B</AccessKeyId></Credentials></AssumeRoleResult></AssumeRoleResponse>",
         "not valid XML (an element that appears twice)"},
        {"<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId>"
         "<SecretAccessKey>S</SecretAccessKey><Expiration>" EXP1 "</Expiration></Credentials>"
         "</AssumeRoleResult></AssumeRoleResponse>",
         "returned no usable Credentials/SessionToken"},
        {"<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A&bogus;</AccessKeyId>"
         "</Credentials></AssumeRoleResult></AssumeRoleResponse>",
         "returned no usable Credentials/AccessKeyId"},
        {ROLE_OK("ASIA", "next tuesday"),
         "returned Expiration 'next tuesday', not an ISO 8601 time"},
        {ROLE_OK("ASIA", "2015-08-30T12:00:00Z"), "assume-role: the credentials it returned have "
                                                  "expired (2160 seconds ago)"},
        {"<x/>", "returned no usable Credentials/AccessKeyId"},
        /* XML allows no control character but tab, CR and LF: not as a byte, not as a reference
         * (a NUL in a SessionToken left an empty token: found by fuzz.credentials). */
        {ROLE_OK("AS\x01IA", EXP1),
         "not valid XML (a control character, which XML does not allow)"},
        {ROLE_OK("ASIA", EXP1 "\x1b"),
         "not valid XML (a control character, which XML does not allow)"},
        {ROLE_OK("AS&#1;IA", EXP1), "returned no usable Credentials/AccessKeyId"},
        {ROLE_OK("AS&#x1F;IA", EXP1), "returned no usable Credentials/AccessKeyId"},
        {ROLE_OK("AS&#0;IA", EXP1), "returned no usable Credentials/AccessKeyId"},
    };
    static const char *const env[] = {"AWS_PROFILE", "role", NULL};
    size_t i = 0;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct canned script[] = {{200, APPMESH_OK, NULL, cases[i].body}};
        const struct outcome want = {NULL, cases[i].message};
        RUN(script, env, "us-east-1", &want);
    }
    return 0;
}

static int decodes_xml_entities_in_values(void)
{
    static const struct canned script[] = {
        {200, APPMESH_OK, NULL,
         "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>\t\r\n "
         "ASIA&amp;&#65;&#x42; "
         "</AccessKeyId><SecretAccessKey>S&lt;&gt;&quot;&apos;</SecretAccessKey><SessionToken>"
         "T&#xe9;</SessionToken><Expiration>" EXP1 "</Expiration><!-- c --></Credentials>"
         "</AssumeRoleResult></AssumeRoleResponse>"}};
    static const char *const env[] = {"AWS_PROFILE", "role", NULL};
    struct net n;
    CHECK_OK(net_open(&n, script, 1, env, "us-east-1"), &n.err);
    CHECK_OK(net_get(&n, NOW), &n.err);
    CHECK_STR_EQ(n.view.access_key_id, "ASIA&AB");
    CHECK_STR_EQ(n.view.secret_access_key, "S<>\"'");
    CHECK_STR_EQ(n.view.session_token, "T\xc3\xa9");
    net_close(&n);
    return 0;
}

static int resolves_the_sts_endpoint_as_the_sdks_do(void)
{
    static const struct {
        const char *profile;
        const char *var;
        const char *value;
        const char *region;
        const char *url;
        const char *scope;
    } cases[] = {
        {"role", NULL, NULL, "cn-north-1", "https://sts.cn-north-1.amazonaws.com.cn/",
         "/cn-north-1/sts/"},
        {"role", NULL, NULL, NULL, "https://sts.amazonaws.com/", "/us-east-1/sts/"},
        {"role", "AWS_ENDPOINT_URL_STS", "http://127.0.0.1:4566/", "eu-west-1",
         "http://127.0.0.1:4566/", "/eu-west-1/sts/"},
        {"role", "AWS_ENDPOINT_URL", "http://all.local:1", "eu-west-1", "http://all.local:1/",
         "/eu-west-1/sts/"},
        {"sts-services", NULL, NULL, "eu-west-1", "http://sts.local:4566/", "/eu-west-1/sts/"},
        /* the environment outranks the file, even the file's services section (as the SDKs) */
        {"sts-services", "AWS_ENDPOINT_URL", "http://all.local:1", "eu-west-1",
         "http://all.local:1/", "/eu-west-1/sts/"},
        {"sts-endpoint", NULL, NULL, "eu-west-1", "http://profile.local:4566/", "/eu-west-1/sts/"},
        {"sts-endpoint", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", "eu-west-1",
         "https://sts.eu-west-1.amazonaws.com/", "/eu-west-1/sts/"},
    };
    static const struct canned script[] = {{200, APPMESH_OK, NULL, ROLE_OK("ASIAROLE", EXP1)}};
    size_t i = 0;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *env[] = {"AWS_PROFILE", cases[i].profile, cases[i].var, cases[i].value, NULL};
        struct net n;
        CHECK_OK(net_open(&n, script, 1, env, cases[i].region), &n.err);
        CHECK_OK(net_get(&n, NOW), &n.err);
        CHECK_STR_EQ(n.fake.sent[0].url, cases[i].url);
        CHECK(strstr(n.fake.sent[0].headers, cases[i].scope) != NULL, n.fake.sent[0].headers);
        net_close(&n);
    }
    return 0;
}

static const struct test_case cases[] = {
    {"reports_sts_errors_with_the_role_and_the_code",
     reports_sts_errors_with_the_role_and_the_code},
    {"refuses_malformed_sts_responses", refuses_malformed_sts_responses},
    {"decodes_xml_entities_in_values", decodes_xml_entities_in_values},
    {"resolves_the_sts_endpoint_as_the_sdks_do", resolves_the_sts_endpoint_as_the_sdks_do},
};

TEST_MAIN("cred_sts", cases)
