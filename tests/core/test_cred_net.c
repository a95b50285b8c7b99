/* SPDX-License-Identifier: MIT */
/* Tests for the network credential providers (STS, container, IMDS) and the refresh logic. */
#include "appmesh/appmesh.h"
#include "credentials.h"
#include "env.h"
#include "rig.h"

#define NOW  1440938160.0 /* 2015-08-30T12:36:00Z */
#define EXP1 "2015-08-30T13:36:00Z"
#define EXP2 "2015-08-30T14:36:00Z"

#define XMLNS " xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\""
#define STS_OK(action, id, exp)                                                                    \
    "<?xml version=\"1.0\"?>\n<" action "Response" XMLNS "><" action                               \
    "Result>\n<Credentials><AccessKeyId>" id "</AccessKeyId><SecretAccessKey>SecretOf" id          \
    "/EXAMPLE</SecretAccessKey><SessionToken>TokenOf" id "</SessionToken><Expiration>" exp         \
    "</Expiration></Credentials></" action "Result><ResponseMetadata><RequestId>r-1</RequestId>"   \
    "</ResponseMetadata></" action "Response>\n"
#define ROLE_OK(id, exp) STS_OK("AssumeRole", id, exp)
#define WEB_OK(id, exp)  STS_OK("AssumeRoleWithWebIdentity", id, exp)
#define STS_ERROR(code, msg)                                                                       \
    "<ErrorResponse" XMLNS "><Error><Type>Sender</Type><Code>" code "</Code><Message>" msg         \
    "</Message></Error><RequestId>r-2</RequestId></ErrorResponse>"
#define META_JSON(id, exp)                                                                         \
    "{\"Code\":\"Success\",\"Type\":\"AWS-HMAC\",\"AccessKeyId\":\"" id                            \
    "\",\"SecretAccessKey\":\"SecretOf" id "/EXAMPLE\",\"Token\":\"TokenOf" id                     \
    "\",\"Expiration\":\"" exp "\"}"

/* ---- a chain over the fixtures, the canned transport and an environment table ---- */

struct net {
    struct fake fake;
    struct appmesh_transport transport;
    const char *env[48];
    struct am_credentials_chain *chain;
    struct appmesh_credentials view;
    const char *source;
    struct appmesh_error err;
};

/* extra: name/value pairs, NULL-terminated; they win over the defaults. */
static enum appmesh_status net_open(struct net *n,
                                    const struct canned *script,
                                    size_t count,
                                    const char *const *extra,
                                    const char *region)
{
    static const char *const defaults[] = {
        "HOME",
        "/nonexistent-appmesh-test-home",
        "AWS_CONFIG_FILE",
        "fixtures/creds/config",
        "AWS_SHARED_CREDENTIALS_FILE",
        "fixtures/creds/credentials",
        "AWS_EC2_METADATA_DISABLED",
        "true",
        NULL,
    };
    struct am_env env = {fake_getenv, NULL};
    struct am_credentials_chain_options o = {0};
    size_t i = 0;
    size_t k = 0;

    memset(n, 0, sizeof(*n));
    n->fake.script = script;
    n->fake.script_len = count;
    n->transport.vtable = &fake_vtable;
    n->transport.impl = &n->fake;
    for (i = 0; extra != NULL && extra[i] != NULL; i += 2) {
        n->env[k++] = extra[i];
        n->env[k++] = extra[i + 1];
    }
    for (i = 0; defaults[i] != NULL; i++) {
        n->env[k++] = defaults[i];
    }
    n->env[k] = NULL;
    env.ud = (void *)n->env;
    o.env = &env;
    o.region = region;
    o.transport = &n->transport;
    return am_credentials_chain_new(&test_allocator, &o, &n->chain, &n->err);
}

static enum appmesh_status net_get(struct net *n, double now)
{
    appmesh_error_clear(&n->err);
    return am_credentials_chain_get(n->chain, now, &n->view, &n->source, &n->err);
}

static void net_close(struct net *n)
{
    am_credentials_chain_destroy(n->chain);
    n->chain = NULL;
}

/* No secret of the fixtures or the canned answers in a message. */
static int check_no_secret(const char *message)
{
    static const char *const secrets[] = {"Secret", "TokenOf", "EXAMPLE", "eyJ",
                                          "container-token-from-file"};
    size_t i = 0;
    for (i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
        CHECK(strstr(message, secrets[i]) == NULL, message);
    }
    return 0;
}

/* The chain (profile from AWS_PROFILE) finds source with key id, or fails with message. */
struct outcome {
    const char *source;        /* NULL = fails */
    const char *access_key_id; /* or the message (a substring) when it fails */
};

static int run_case(const struct canned *script,
                    size_t count,
                    const char *const *env,
                    const char *region,
                    const struct outcome *want,
                    struct net *n)
{
    CHECK_OK(net_open(n, script, count, env, region), &n->err);
    if (want->source != NULL) {
        CHECK_OK(net_get(n, NOW), &n->err);
        CHECK_STR_EQ(n->source, want->source);
        CHECK_STR_EQ(n->view.access_key_id, want->access_key_id);
    } else {
        CHECK_STATUS(net_get(n, NOW), APPMESH_ERR_CREDENTIALS, &n->err);
        CHECK(strstr(n->err.message, want->access_key_id) != NULL, n->err.message);
        if (check_no_secret(n->err.message) != 0) {
            return 1;
        }
    }
    return 0;
}

#define RUN(script, env, region, want)                                                             \
    do {                                                                                           \
        struct net n_;                                                                             \
        int rc_ = run_case(script, sizeof(script) / sizeof(script[0]), env, region, want, &n_);    \
        net_close(&n_);                                                                            \
        if (rc_ != 0) {                                                                            \
            fprintf(stderr, "  in the case at line %d\n", __LINE__);                               \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

/* ---- assume role ---- */

static int assumes_a_role_with_static_source_keys(void)
{
    static const struct canned script[] = {{200, APPMESH_OK, NULL, ROLE_OK("ASIAROLE", EXP1)}};
    static const char *const env[] = {"AWS_PROFILE", "role", NULL};
    struct net n;
    const struct sent *s = &n.fake.sent[0];
    CHECK_OK(net_open(&n, script, 1, env, "eu-west-1"), &n.err);
    CHECK_OK(net_get(&n, NOW), &n.err);
    CHECK_STR_EQ(n.source, "assume-role");
    CHECK_STR_EQ(n.view.access_key_id, "ASIAROLE");
    CHECK_STR_EQ(n.view.secret_access_key, "SecretOfASIAROLE/EXAMPLE");
    CHECK_STR_EQ(n.view.session_token, "TokenOfASIAROLE");
    CHECK_INT_EQ(n.fake.sent_count, 1);
    CHECK_STR_EQ(s->method, "POST");
    CHECK_STR_EQ(s->url, "https://sts.eu-west-1.amazonaws.com/");
    CHECK_STR_EQ(s->body, "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A"
                          "123456789012%3Arole%2Fapp&RoleSessionName=my-session&ExternalId=ext-42&"
                          "DurationSeconds=1800");
    CHECK(strstr(s->headers, "Host: sts.eu-west-1.amazonaws.com\n") != NULL, s->headers);
    CHECK(strstr(s->headers, "Content-Type: application/x-www-form-urlencoded") != NULL,
          s->headers);
    CHECK(strstr(s->headers, "Credential=AKIDSOURCE/20150830/eu-west-1/sts/aws4_request") != NULL,
          s->headers);
    CHECK(strstr(s->headers, "X-Amz-Date: 20150830T123600Z\n") != NULL, s->headers);
    CHECK(strstr(s->headers, "X-Amz-Security-Token") == NULL, s->headers);
    net_close(&n);
    return 0;
}

static int chains_roles_signing_with_the_previous_role(void)
{
    static const struct canned script[] = {{200, APPMESH_OK, NULL, ROLE_OK("ASIAFIRST", EXP1)},
                                           {200, APPMESH_OK, NULL, ROLE_OK("ASIASECOND", EXP1)}};
    static const char *const env[] = {"AWS_PROFILE", "chain", NULL};
    struct net n;
    CHECK_OK(net_open(&n, script, 2, env, "us-east-1"), &n.err);
    CHECK_OK(net_get(&n, NOW), &n.err);
    CHECK_STR_EQ(n.view.access_key_id, "ASIASECOND");
    CHECK_INT_EQ(n.fake.sent_count, 2);
    CHECK(strstr(n.fake.sent[0].body, "role%2Fapp&") != NULL, n.fake.sent[0].body);
    CHECK(strstr(n.fake.sent[1].body, "role%2Fsecond&RoleSessionName=appmesh-session-1440938160") !=
              NULL,
          n.fake.sent[1].body);
    CHECK(strstr(n.fake.sent[1].headers, "Credential=ASIAFIRST/") != NULL, n.fake.sent[1].headers);
    CHECK(strstr(n.fake.sent[1].headers, "X-Amz-Security-Token: TokenOfASIAFIRST\n") != NULL,
          n.fake.sent[1].headers);
    net_close(&n);
    return 0;
}

static int uses_a_profiles_own_keys_when_it_names_itself(void)
{
    static const struct canned script[] = {{200, APPMESH_OK, NULL, ROLE_OK("ASIASELF", EXP1)}};
    static const char *const env[] = {"AWS_PROFILE", "self", NULL};
    struct net n;
    CHECK_OK(net_open(&n, script, 1, env, "us-east-1"), &n.err);
    CHECK_OK(net_get(&n, NOW), &n.err);
    CHECK_STR_EQ(n.view.access_key_id, "ASIASELF");
    CHECK(strstr(n.fake.sent[0].headers, "Credential=AKIDSELF/") != NULL, n.fake.sent[0].headers);
    net_close(&n);
    return 0;
}

static int refuses_bad_role_profiles(void)
{
    static const struct canned none[] = {{0, APPMESH_ERR_TRANSPORT, NULL, NULL}};
    static const struct {
        const char *profile;
        const char *message;
    } cases[] = {
        {"loop-a", "assume-role: the source_profile chain loops: profile 'loop-b' names 'loop-a', "
                   "which is already in the chain"},
        {"both", "assume-role: profile 'both' has both source_profile and credential_source: keep "
                 "one"},
        {"neither", "assume-role: profile 'neither' has role_arn but neither source_profile nor "
                    "credential_source"},
        {"mfa", "assume-role: profile 'mfa' has mfa_serial, but appmesh cannot ask for an MFA "
                "token"},
        {"bad-duration", "assume-role: duration_seconds in profile 'bad-duration' is 'an hour', "
                         "not a number of seconds"},
        {"bad-source", "assume-role: credential_source 'Nowhere' in profile 'bad-source' is not "
                       "one of Environment, Ec2InstanceMetadata, EcsContainer"},
        {"missing-source", "assume-role: the source_profile 'nope' of profile 'missing-source' "
                           "does not exist"},
        {"empty-source", "assume-role: the source_profile 'default' of profile 'empty-source' has "
                         "no credentials (tried web identity, SSO, credentials file "
                         "fixtures/creds/credentials, credential_process, config file "
                         "fixtures/creds/config)"},
        {"from-env", "assume-role: credential_source Environment of profile 'from-env' found no "
                     "credentials"},
        {"from-imds", "assume-role: credential_source Ec2InstanceMetadata of profile 'from-imds' "
                      "found no credentials (IMDS (disabled))"},
        {"from-container", "assume-role: credential_source EcsContainer of profile "
                           "'from-container' found no credentials (container)"},
    };
    size_t i = 0;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *env[] = {"AWS_PROFILE", cases[i].profile, NULL};
        const struct outcome want = {NULL, cases[i].message};
        RUN(none, env, "us-east-1", &want);
    }
    return 0;
}

static int assumes_a_role_from_each_credential_source(void)
{
    static const struct canned from_env[] = {{200, APPMESH_OK, NULL, ROLE_OK("ASIAENV", EXP1)}};
    static const struct canned from_imds[] = {
        {200, APPMESH_OK, NULL, "imds-token"},
        {200, APPMESH_OK, NULL, "the-role\n"},
        {200, APPMESH_OK, NULL, META_JSON("ASIAIMDS", EXP1)},
        {200, APPMESH_OK, NULL, ROLE_OK("ASIAVIAIMDS", EXP1)}};
    static const struct canned from_container[] = {
        {200, APPMESH_OK, NULL, META_JSON("ASIACONTAINER", EXP1)},
        {200, APPMESH_OK, NULL, ROLE_OK("ASIAVIACONTAINER", EXP1)}};
    static const char *const env1[] = {"AWS_PROFILE",
                                       "from-env",
                                       "AWS_ACCESS_KEY_ID",
                                       "AKIDENV",
                                       "AWS_SECRET_ACCESS_KEY",
                                       "SecretOfTheEnvironment",
                                       NULL};
    static const char *const env2[] = {"AWS_PROFILE", "from-imds", "AWS_EC2_METADATA_DISABLED",
                                       "false", NULL};
    static const char *const env3[] = {"AWS_PROFILE", "from-container",
                                       "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                                       "http://127.0.0.1:8080/creds", NULL};
    const struct outcome w1 = {"environment", "AKIDENV"};
    const struct outcome w2 = {"assume-role", "ASIAVIAIMDS"};
    const struct outcome w3 = {"assume-role", "ASIAVIACONTAINER"};
    /* The environment provider comes first in the chain: with keys there, it wins. */
    RUN(from_env, env1, "us-east-1", &w1);
    RUN(from_imds, env2, "us-east-1", &w2);
    RUN(from_container, env3, "us-east-1", &w3);
    return 0;
}

static int signs_with_environment_keys_for_credential_source_environment(void)
{
    static const struct canned script[] = {{200, APPMESH_OK, NULL, ROLE_OK("ASIAENV", EXP1)}};
    static const char *const env[] = {"AWS_ACCESS_KEY_ID", "AKIDENV", "AWS_SECRET_ACCESS_KEY",
                                      "SecretOfTheEnvironment", NULL};
    struct net n;
    struct am_env e = {fake_getenv, NULL};
    struct am_credentials_chain_options o = {0};
    memset(&n, 0, sizeof(n));
    n.fake.script = script;
    n.fake.script_len = 1;
    n.transport.vtable = &fake_vtable;
    n.transport.impl = &n.fake;
    {
        static const char *const all[] = {"AWS_ACCESS_KEY_ID",
                                          "AKIDENV",
                                          "AWS_SECRET_ACCESS_KEY",
                                          "SecretOfTheEnvironment",
                                          "AWS_CONFIG_FILE",
                                          "fixtures/creds/config",
                                          "AWS_SHARED_CREDENTIALS_FILE",
                                          "fixtures/creds/credentials",
                                          NULL};
        (void)env;
        e.ud = (void *)all;
        o.env = &e;
        o.profile = "from-env"; /* chosen explicitly: the environment provider is skipped */
        o.region = "us-east-1";
        o.transport = &n.transport;
        CHECK_OK(am_credentials_chain_new(&test_allocator, &o, &n.chain, &n.err), &n.err);
        CHECK_OK(net_get(&n, NOW), &n.err);
    }
    CHECK_STR_EQ(n.source, "assume-role");
    CHECK_STR_EQ(n.view.access_key_id, "ASIAENV");
    CHECK(strstr(n.fake.sent[0].headers, "Credential=AKIDENV/") != NULL, n.fake.sent[0].headers);
    net_close(&n);
    return 0;
}

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

/* ---- web identity ---- */

static int assumes_a_role_with_a_web_identity_token(void)
{
    static const struct canned script[] = {{200, APPMESH_OK, NULL, WEB_OK("ASIAWEB", EXP1)}};
    static const char *const env[] = {"AWS_WEB_IDENTITY_TOKEN_FILE",
                                      "fixtures/creds/token.jwt",
                                      "AWS_ROLE_ARN",
                                      "arn:aws:iam::123456789012:role/web",
                                      "AWS_ROLE_SESSION_NAME",
                                      "pod-1",
                                      NULL};
    struct net n;
    CHECK_OK(net_open(&n, script, 1, env, "us-east-1"), &n.err);
    CHECK_OK(net_get(&n, NOW), &n.err);
    CHECK_STR_EQ(n.source, "assume-role-with-web-identity");
    CHECK_STR_EQ(n.view.access_key_id, "ASIAWEB");
    CHECK_STR_EQ(n.fake.sent[0].body,
                 "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%"
                 "3A123456789012%3Arole%2Fweb&RoleSessionName=pod-1&WebIdentityToken=header."
                 "eyJzdWIiOiJ0ZXN0In0.signature");
    CHECK(strstr(n.fake.sent[0].headers, "Authorization") == NULL, "unsigned");
    net_close(&n);
    return 0;
}

static int uses_web_identity_profiles_and_role_chains_on_them(void)
{
    static const struct canned script1[] = {{200, APPMESH_OK, NULL, WEB_OK("ASIAWEB", EXP1)}};
    static const struct canned script2[] = {{200, APPMESH_OK, NULL, WEB_OK("ASIAWEB", EXP1)},
                                            {200, APPMESH_OK, NULL, ROLE_OK("ASIACHAINED", EXP1)}};
    static const char *const env1[] = {"AWS_PROFILE", "web", NULL};
    static const char *const env2[] = {"AWS_PROFILE", "web-src", NULL};
    const struct outcome w1 = {"assume-role-with-web-identity", "ASIAWEB"};
    const struct outcome w2 = {"assume-role", "ASIACHAINED"};
    RUN(script1, env1, "us-east-1", &w1);
    RUN(script2, env2, "us-east-1", &w2);
    return 0;
}

static int refuses_unusable_web_identity_settings(void)
{
    static const struct canned none[] = {{0, APPMESH_ERR_TRANSPORT, NULL, NULL}};
    static const struct {
        const char *file;
        const char *arn;
        const char *message;
    } cases[] = {
        {"fixtures/creds/no-such-token", "arn:aws:iam::123456789012:role/web",
         "assume-role-with-web-identity: the token file fixtures/creds/no-such-token cannot be "
         "read (No such file or directory)"},
        {"fixtures/creds/empty-token", "arn:aws:iam::123456789012:role/web",
         "assume-role-with-web-identity: the token file fixtures/creds/empty-token is empty"},
        {"fixtures/creds", "arn:aws:iam::123456789012:role/web",
         "assume-role-with-web-identity: the token file fixtures/creds cannot be read"},
        {"fixtures/creds/token.jwt", NULL,
         "assume-role-with-web-identity: AWS_WEB_IDENTITY_TOKEN_FILE is set but no role ARN is: "
         "set AWS_ROLE_ARN or role_arn in profile 'default'"},
    };
    size_t i = 0;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *env[] = {"AWS_WEB_IDENTITY_TOKEN_FILE", cases[i].file, "AWS_ROLE_ARN",
                             cases[i].arn, NULL};
        const struct outcome want = {NULL, cases[i].message};
        RUN(none, env, "us-east-1", &want);
    }
    return 0;
}

/* ---- container ---- */

static int gets_container_credentials(void)
{
    static const struct canned script[] = {{200, APPMESH_OK, NULL, META_JSON("ASIACONT", EXP1)}};
    static const char *const rel[] = {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/x",
                                      NULL};
    static const char *const full[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI",
                                       "http://[fd00:ec2::23]/v1/credentials",
                                       "AWS_CONTAINER_AUTHORIZATION_TOKEN",
                                       "from-the-variable",
                                       "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                                       "fixtures/creds/container-token",
                                       NULL};
    struct net n;
    CHECK_OK(net_open(&n, script, 1, rel, NULL), &n.err);
    CHECK_OK(net_get(&n, NOW), &n.err);
    CHECK_STR_EQ(n.source, "container-role");
    CHECK_STR_EQ(n.view.access_key_id, "ASIACONT");
    CHECK_STR_EQ(n.view.session_token, "TokenOfASIACONT");
    CHECK_STR_EQ(n.fake.sent[0].method, "GET");
    CHECK_STR_EQ(n.fake.sent[0].url, "http://169.254.170.2/v2/credentials/x");
    CHECK(strstr(n.fake.sent[0].headers, "Authorization") == NULL, n.fake.sent[0].headers);
    net_close(&n);

    CHECK_OK(net_open(&n, script, 1, full, NULL), &n.err);
    CHECK_OK(net_get(&n, NOW), &n.err);
    CHECK_STR_EQ(n.fake.sent[0].url, "http://[fd00:ec2::23]/v1/credentials");
    CHECK(strstr(n.fake.sent[0].headers, "Authorization: container-token-from-file\n") != NULL,
          n.fake.sent[0].headers);
    net_close(&n);
    return 0;
}

static int allows_only_the_sdks_container_hosts(void)
{
    static const struct canned ok[] = {{200, APPMESH_OK, NULL, META_JSON("ASIACONT", EXP1)}};
    static const struct {
        const char *url;
        bool allowed;
    } cases[] = {
        {"http://127.0.0.1:8080/creds", true},
        {"http://127.1.2.3/creds", true},
        {"http://localhost/creds", true},
        {"http://[::1]:9/creds", true},
        {"http://169.254.170.2/creds", true},
        {"http://169.254.170.23/v1/credentials", true},
        {"https://creds.example.com/x", true},
        {"http://creds.example.com/x", false},
        {"http://169.254.169.254/x", false},
        {"http://10.0.0.1/x", false},
        {"http://[fd00:ec2::24]/x", false},
        /* look-alikes: a name that starts with an allowed address, other spellings of one */
        {"http://127.0.0.1.evil.example/x", false},
        {"http://169.254.170.2.nip.io/x", false},
        {"HTTP://evil.example/x", false},
        {"http://LOCALHOST:8080/x", true},
        {"http://[FD00:EC2::23]/x", true},
        {"http://[::ffff:169.254.169.254]/x", false},
        {"http://[::ffff:127.0.0.1]/x", false},
        {"http://0x7f.0.0.1/x", false},
        {"http://2130706433/x", false},
        {"http://0.0.0.0/x", false},
        {"http://127.0.0.1./x", false},
        {"http://localhost.evil.example/x", false},
    };
    size_t i = 0;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *env[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI", cases[i].url, NULL};
        const struct outcome yes = {"container-role", "ASIACONT"};
        const struct outcome no = {NULL, "is not allowed: use https, or a loopback address, "
                                         "169.254.170.2, 169.254.170.23 or fd00:ec2::23"};
        RUN(ok, env, NULL, cases[i].allowed ? &yes : &no);
    }
    return 0;
}

static int refuses_bad_container_answers_and_tokens(void)
{
    static const struct canned err500[] = {{500, APPMESH_OK, NULL, "no"},
                                           {500, APPMESH_OK, NULL, "no"}};
    static const struct canned retried[] = {{0, APPMESH_ERR_TRANSPORT, NULL, NULL},
                                            {200, APPMESH_OK, NULL, META_JSON("ASIACONT", EXP1)}};
    static const struct canned garbage[] = {{200, APPMESH_OK, NULL, "\x00\xff<html>"},
                                            {200, APPMESH_OK, NULL, "{\"AccessKeyId\":"}};
    static const struct canned missing[] = {
        {200, APPMESH_OK, NULL,
         "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\",\"Token\":\"T\"}"},
        {200, APPMESH_OK, NULL,
         "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\",\"Token\":\"T\"}"}};
    static const struct canned bad_time[] = {{200, APPMESH_OK, NULL,
                                              "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\","
                                              "\"Token\":\"T\",\"Expiration\":\"soon\"}"},
                                             {200, APPMESH_OK, NULL,
                                              "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\","
                                              "\"Token\":\"T\",\"Expiration\":\"soon\"}"}};
    /* cJSON would cut the token at the NUL and sign with what is left */
    static const struct canned nul[] = {
        {200, APPMESH_OK, NULL,
         "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\",\"Token\":\"T\\u0000garbage\","
         "\"Expiration\":\"" EXP1 "\"}"},
        {200, APPMESH_OK, NULL,
         "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\",\"Token\":\"T\\u0000garbage\","
         "\"Expiration\":\"" EXP1 "\"}"}};
    static const struct canned none[] = {{0, APPMESH_ERR_TRANSPORT, NULL, NULL}};
    static const char *const env[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1/c",
                                      NULL};
    static const char *const crlf[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1/c",
                                       "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                                       "fixtures/creds/container-token-crlf", NULL};
    static const char *const gone[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1/c",
                                       "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                                       "fixtures/creds/no-such-file", NULL};
    static const char *const bad_url[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "not a url", NULL};
    /* user information would hide the real host (http://169.254.170.2@evil/): refused */
    static const char *const userinfo[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI",
                                           "http://169.254.170.2@evil.example/x", NULL};
    static const char *const userinfo2[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI",
                                            "http://127.0.0.1:80@evil.example/x", NULL};
    const struct outcome w500 = {NULL, "container-role: http://127.0.0.1/c: HTTP 500"};
    const struct outcome wok = {"container-role", "ASIACONT"};
    const struct outcome wgarbage = {NULL, "container-role: http://127.0.0.1/c: the response is "
                                           "not a JSON object (15 bytes)"};
    const struct outcome wmissing = {NULL, "container-role: http://127.0.0.1/c: no Expiration"};
    const struct outcome wtime = {
        NULL, "container-role: http://127.0.0.1/c: Expiration 'soon' is not an ISO 8601 time"};
    const struct outcome wnul = {NULL, "container-role: http://127.0.0.1/c: the response has a "
                                       "NUL character (\\u0000) in \"Token\""};
    const struct outcome wcrlf = {NULL, "container-role: the token in "
                                        "fixtures/creds/container-token-crlf has a line break"};
    const struct outcome wgone = {NULL, "container-role: the token file "
                                        "fixtures/creds/no-such-file "
                                        "(AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE) cannot be read"};
    const struct outcome wurl = {NULL, "container-role: AWS_CONTAINER_CREDENTIALS_FULL_URI: "
                                       "invalid endpoint URL"};
    RUN(err500, env, NULL, &w500);
    RUN(retried, env, NULL, &wok);
    RUN(garbage, env, NULL, &wgarbage);
    RUN(missing, env, NULL, &wmissing);
    RUN(bad_time, env, NULL, &wtime);
    RUN(nul, env, NULL, &wnul);
    RUN(none, crlf, NULL, &wcrlf);
    RUN(none, gone, NULL, &wgone);
    RUN(none, bad_url, NULL, &wurl);
    RUN(none, userinfo, NULL, &wurl);
    RUN(none, userinfo2, NULL, &wurl);
    return 0;
}

/* ---- IMDS ---- */

static const char *const imds_on[] = {"AWS_EC2_METADATA_DISABLED", "false", NULL};

static int gets_imds_credentials_with_a_session_token(void)
{
    static const struct canned script[] = {{200, APPMESH_OK, NULL, "the-imds-token"},
                                           {200, APPMESH_OK, NULL, "the-role"},
                                           {200, APPMESH_OK, NULL, META_JSON("ASIAIMDS", EXP1)}};
    struct net n;
    CHECK_OK(net_open(&n, script, 3, imds_on, NULL), &n.err);
    CHECK_OK(net_get(&n, NOW), &n.err);
    CHECK_STR_EQ(n.source, "iam-role");
    CHECK_STR_EQ(n.view.access_key_id, "ASIAIMDS");
    CHECK_INT_EQ(n.fake.sent_count, 3);
    CHECK_STR_EQ(n.fake.sent[0].method, "PUT");
    CHECK_STR_EQ(n.fake.sent[0].url, "http://169.254.169.254/latest/api/token");
    CHECK_STR_EQ(n.fake.sent[0].headers, "X-aws-ec2-metadata-token-ttl-seconds: 21600\n");
    CHECK_STR_EQ(n.fake.sent[1].url,
                 "http://169.254.169.254/latest/meta-data/iam/security-credentials/");
    CHECK_STR_EQ(n.fake.sent[1].headers, "X-aws-ec2-metadata-token: the-imds-token\n");
    CHECK_STR_EQ(n.fake.sent[2].url,
                 "http://169.254.169.254/latest/meta-data/iam/security-credentials/the-role");
    CHECK_STR_EQ(n.fake.sent[2].headers, "X-aws-ec2-metadata-token: the-imds-token\n");
    net_close(&n);
    return 0;
}

static int finds_the_imds_endpoint_as_botocore_does(void)
{
    static const struct canned script[] = {{200, APPMESH_OK, NULL, "t"},
                                           {200, APPMESH_OK, NULL, "r"},
                                           {200, APPMESH_OK, NULL, META_JSON("ASIAIMDS", EXP1)}};
    static const struct {
        const char *profile;
        const char *var;
        const char *value;
        const char *url;
    } cases[] = {
        {"default", "AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1234/",
         "http://127.0.0.1:1234/latest/api/token"},
        {"imds-custom", NULL, NULL, "http://127.0.0.1:1338/latest/api/token"},
        {"imds-v6", NULL, NULL, "http://[fd00:ec2::254]/latest/api/token"},
        {"default", "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "ipv6",
         "http://[fd00:ec2::254]/latest/api/token"},
        {"imds-v6", "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv4",
         "http://169.254.169.254/latest/api/token"},
    };
    size_t i = 0;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *env[] = {"AWS_EC2_METADATA_DISABLED",
                             "false",
                             "AWS_PROFILE",
                             cases[i].profile,
                             cases[i].var,
                             cases[i].value,
                             NULL};
        struct net n;
        CHECK_OK(net_open(&n, script, 3, env, NULL), &n.err);
        CHECK_OK(net_get(&n, NOW), &n.err);
        CHECK_STR_EQ(n.fake.sent[0].url, cases[i].url);
        net_close(&n);
    }
    return 0;
}

static int falls_back_to_imdsv1_only_where_botocore_does(void)
{
    static const struct canned v1[] = {{403, APPMESH_OK, NULL, ""},
                                       {200, APPMESH_OK, NULL, "r"},
                                       {200, APPMESH_OK, NULL, META_JSON("ASIAV1", EXP1)}};
    static const struct canned bad[] = {{400, APPMESH_OK, NULL, ""}};
    static const char *const v1_off[] = {"AWS_EC2_METADATA_DISABLED", "false", "AWS_PROFILE",
                                         "imds-v1-off", NULL};
    struct net n;
    CHECK_OK(net_open(&n, v1, 3, imds_on, NULL), &n.err);
    CHECK_OK(net_get(&n, NOW), &n.err);
    CHECK_STR_EQ(n.view.access_key_id, "ASIAV1");
    CHECK_STR_EQ(n.fake.sent[1].headers, ""); /* no token header */
    net_close(&n);

    CHECK_OK(net_open(&n, v1, 3, v1_off, NULL), &n.err);
    CHECK_STATUS(net_get(&n, NOW), APPMESH_ERR_CREDENTIALS, &n.err);
    CHECK(strstr(n.err.message, "IMDS (v1 disabled, no token)") != NULL, n.err.message);
    CHECK_INT_EQ(n.fake.sent_count, 1);
    net_close(&n);

    CHECK_OK(net_open(&n, bad, 1, imds_on, NULL), &n.err);
    CHECK_STATUS(net_get(&n, NOW), APPMESH_ERR_CREDENTIALS, &n.err);
    CHECK(strstr(n.err.message, "IMDS (the token request was refused (HTTP 400))") != NULL,
          n.err.message);
    net_close(&n);
    return 0;
}

static int names_what_went_wrong_with_imds_in_the_tried_list(void)
{
    static const struct canned role500[] = {
        {200, APPMESH_OK, NULL, "t"}, {500, APPMESH_OK, NULL, "x"}, {500, APPMESH_OK, NULL, "x"}};
    static const struct canned retried[] = {{200, APPMESH_OK, NULL, "t"},
                                            {500, APPMESH_OK, NULL, "x"},
                                            {200, APPMESH_OK, NULL, "r"},
                                            {200, APPMESH_OK, NULL, "not json"},
                                            {200, APPMESH_OK, NULL, META_JSON("ASIAIMDS", EXP1)}};
    static const struct canned not_json[] = {{200, APPMESH_OK, NULL, "t"},
                                             {200, APPMESH_OK, NULL, "r"},
                                             {200, APPMESH_OK, NULL, "{"},
                                             {200, APPMESH_OK, NULL, "{"}};
    static const struct canned no_key[] = {
        {200, APPMESH_OK, NULL, "t"},
        {200, APPMESH_OK, NULL, "r"},
        {200, APPMESH_OK, NULL, "{\"Code\":\"AssumeRoleUnauthorizedAccess\",\"Message\":\"no\"}"}};
    static const struct canned down[] = {{0, APPMESH_ERR_TRANSPORT, NULL, NULL},
                                         {0, APPMESH_ERR_TRANSPORT, NULL, NULL},
                                         {0, APPMESH_ERR_TRANSPORT, NULL, NULL},
                                         {0, APPMESH_ERR_TRANSPORT, NULL, NULL}};
    const struct outcome w500 = {NULL, ", container, IMDS (role: HTTP 500)"};
    const struct outcome wok = {"iam-role", "ASIAIMDS"};
    const struct outcome wjson = {NULL, "IMDS (credentials: not JSON)"};
    const struct outcome wkey = {NULL, "IMDS (no AccessKeyId (Code AssumeRoleUnauthorizedAccess))"};
    const struct outcome wdown = {NULL, "IMDS (GET: no answer)"};
    RUN(role500, imds_on, NULL, &w500);
    RUN(retried, imds_on, NULL, &wok);
    RUN(not_json, imds_on, NULL, &wjson);
    RUN(no_key, imds_on, NULL, &wkey);
    RUN(down, imds_on, NULL, &wdown);
    return 0;
}

/* ---- the chain ---- */

static int a_configured_failing_provider_stops_the_chain(void)
{
    /* The container provider is configured and fails: IMDS (which would answer) is not asked. */
    static const struct canned script[] = {{500, APPMESH_OK, NULL, ""},
                                           {500, APPMESH_OK, NULL, ""},
                                           {200, APPMESH_OK, NULL, "t"},
                                           {200, APPMESH_OK, NULL, "r"},
                                           {200, APPMESH_OK, NULL, META_JSON("ASIAIMDS", EXP1)}};
    static const char *const env[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1/c",
                                      "AWS_EC2_METADATA_DISABLED", "false", NULL};
    const struct outcome want = {NULL, "container-role: http://127.0.0.1/c: HTTP 500"};
    RUN(script, env, NULL, &want);
    return 0;
}

static int an_unconfigured_provider_does_not_hide_a_later_one(void)
{
    static const struct canned script[] = {{200, APPMESH_OK, NULL, "t"},
                                           {200, APPMESH_OK, NULL, "r"},
                                           {200, APPMESH_OK, NULL, META_JSON("ASIAIMDS", EXP1)}};
    const struct outcome want = {"iam-role", "ASIAIMDS"};
    RUN(script, imds_on, NULL, &want);
    return 0;
}

/* ---- refresh ---- */

static int refreshes_in_the_advisory_window_and_keeps_old_credentials_on_failure(void)
{
    static const struct canned script[] = {
        {200, APPMESH_OK, NULL, ROLE_OK("ASIAFIRST", EXP1)},           /* at NOW */
        {500, APPMESH_OK, NULL, STS_ERROR("InternalFailure", "down")}, /* advisory: fails */
        {200, APPMESH_OK, NULL, ROLE_OK("ASIASECOND", EXP2)},          /* 6 s later: works */
    };
    static const char *const env[] = {"AWS_PROFILE", "role", NULL};
    const double advisory = NOW + 3600 - 900 + 1;
    struct net n;
    int i = 0;
    CHECK_OK(net_open(&n, script, 3, env, "us-east-1"), &n.err);
    CHECK_OK(net_get(&n, NOW), &n.err);
    CHECK_OK(net_get(&n, advisory - 2), &n.err); /* fresh: nothing sent */
    CHECK_INT_EQ(n.fake.sent_count, 1);
    CHECK_OK(net_get(&n, advisory), &n.err); /* refresh fails: the old ones */
    CHECK_STR_EQ(n.view.access_key_id, "ASIAFIRST");
    CHECK_INT_EQ(n.fake.sent_count, 2);
    for (i = 0; i < 1000; i++) { /* a batch: no refresh on every call */
        CHECK_OK(net_get(&n, advisory + i * 0.004), &n.err);
    }
    CHECK_INT_EQ(n.fake.sent_count, 2);
    CHECK_OK(net_get(&n, advisory + 6), &n.err);
    CHECK_STR_EQ(n.view.access_key_id, "ASIASECOND");
    CHECK_STR_EQ(n.source, "assume-role");
    CHECK_INT_EQ(n.fake.sent_count, 3);
    CHECK_OK(net_get(&n, advisory + 60), &n.err);
    CHECK_INT_EQ(n.fake.sent_count, 3);
    net_close(&n);
    return 0;
}

static int fails_when_a_mandatory_refresh_fails(void)
{
    static const struct canned script[] = {
        {200, APPMESH_OK, NULL, ROLE_OK("ASIAFIRST", EXP1)},
        {403, APPMESH_OK, NULL, STS_ERROR("ExpiredToken", "The security token has expired")},
        {200, APPMESH_OK, NULL, ROLE_OK("ASIASECOND", EXP2)},
    };
    static const char *const env[] = {"AWS_PROFILE", "role", NULL};
    const double mandatory = NOW + 3600 - 600 + 1;
    struct net n;
    CHECK_OK(net_open(&n, script, 3, env, "us-east-1"), &n.err);
    CHECK_OK(net_get(&n, NOW), &n.err);
    CHECK_STATUS(net_get(&n, mandatory), APPMESH_ERR_CREDENTIALS, &n.err);
    CHECK(strstr(n.err.message, "(HTTP 403): ExpiredToken: The security token has expired") != NULL,
          n.err.message);
    CHECK(n.view.access_key_id == NULL && n.source == NULL, "nothing returned");
    /* Within the back-off the same error comes back without a request. */
    CHECK_STATUS(net_get(&n, mandatory + 1), APPMESH_ERR_CREDENTIALS, &n.err);
    CHECK(strstr(n.err.message, "ExpiredToken") != NULL, n.err.message);
    CHECK_INT_EQ(n.fake.sent_count, 2);
    CHECK_OK(net_get(&n, mandatory + 6), &n.err);
    CHECK_STR_EQ(n.view.access_key_id, "ASIASECOND");
    net_close(&n);
    return 0;
}

static int uses_short_lived_credentials_without_asking_on_every_call(void)
{
    /* IMDS hands out the same credentials until they expire, 12 minutes from now. */
    static const struct canned script[] = {
        {200, APPMESH_OK, NULL, "t"},
        {200, APPMESH_OK, NULL, "r"},
        {200, APPMESH_OK, NULL, META_JSON("ASIASHORT", "2015-08-30T12:48:00Z")},
        {200, APPMESH_OK, NULL, "t"},
        {200, APPMESH_OK, NULL, "r"},
        {200, APPMESH_OK, NULL, META_JSON("ASIASHORT", "2015-08-30T12:48:00Z")},
    };
    struct net n;
    int i = 0;
    CHECK_OK(net_open(&n, script, 6, imds_on, NULL), &n.err);
    for (i = 0; i < 100; i++) {
        CHECK_OK(net_get(&n, NOW + i * 0.01), &n.err);
    }
    CHECK_INT_EQ(n.fake.sent_count, 3);
    CHECK_OK(net_get(&n, NOW + 10), &n.err);
    CHECK_INT_EQ(n.fake.sent_count, 6);
    CHECK_STR_EQ(n.view.access_key_id, "ASIASHORT");
    net_close(&n);
    return 0;
}

static int refreshes_expired_container_credentials_across_expiry(void)
{
    static const struct canned script[] = {
        {200, APPMESH_OK, NULL, META_JSON("ASIAONE", EXP1)},
        {200, APPMESH_OK, NULL, META_JSON("ASIATWO", EXP2)},
    };
    static const char *const env[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1/c",
                                      NULL};
    struct net n;
    CHECK_OK(net_open(&n, script, 2, env, NULL), &n.err);
    CHECK_OK(net_get(&n, NOW), &n.err);
    CHECK_STR_EQ(n.view.access_key_id, "ASIAONE");
    CHECK_OK(net_get(&n, NOW + 3700), &n.err); /* past expiry: a refresh, no error */
    CHECK_STR_EQ(n.view.access_key_id, "ASIATWO");
    CHECK_INT_EQ(n.fake.sent_count, 2);
    net_close(&n);
    return 0;
}

/* ---- out of memory ---- */

struct oom_case {
    const struct canned *script;
    size_t count;
    const char *const *env;
};

static enum appmesh_status get_once(void *p)
{
    const struct oom_case *c = p;
    struct net n;
    enum appmesh_status st = net_open(&n, c->script, c->count, c->env, "us-east-1");
    if (st == APPMESH_OK) {
        st = net_get(&n, NOW);
    }
    net_close(&n);
    return st;
}

static int survives_running_out_of_memory(void)
{
    static const struct canned chain[] = {{200, APPMESH_OK, NULL, ROLE_OK("ASIAFIRST", EXP1)},
                                          {200, APPMESH_OK, NULL, ROLE_OK("ASIASECOND", EXP1)}};
    static const struct canned imds[] = {{200, APPMESH_OK, NULL, "t"},
                                         {200, APPMESH_OK, NULL, "r"},
                                         {200, APPMESH_OK, NULL, META_JSON("ASIAIMDS", EXP1)}};
    static const struct canned web[] = {{200, APPMESH_OK, NULL, WEB_OK("ASIAWEB", EXP1)}};
    static const char *const chain_env[] = {"AWS_PROFILE", "chain", NULL};
    static const char *const web_env[] = {"AWS_PROFILE", "web", NULL};
    struct oom_case cases[] = {{chain, 2, chain_env}, {imds, 3, imds_on}, {web, 1, web_env}};
    size_t i = 0;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (test_oom_loop(get_once, &cases[i], 2000) != 0) {
            fprintf(stderr, "  in OOM case %zu\n", i);
            return 1;
        }
    }
    return 0;
}

/* ---- through the client ---- */

static int the_client_signs_app_mesh_calls_with_container_credentials(void)
{
    static const struct canned script[] = {
        {200, APPMESH_OK, NULL, META_JSON("ASIACONT", EXP1)},
        {200, APPMESH_OK, "x-amzn-RequestId: r-1\r\n", OK_BODY},
    };
    static const char *const env[] = {"HOME",
                                      "/nonexistent-appmesh-test-home",
                                      "AWS_REGION",
                                      "us-east-1",
                                      "AWS_EC2_METADATA_DISABLED",
                                      "true",
                                      "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                                      "http://127.0.0.1/c",
                                      NULL};
    struct appmesh_error err = {0};
    struct rig r;
    struct appmesh_update_virtual_service_input in = node_input();
    struct appmesh_virtual_service_data out = {0};

    CHECK_OK(rig_open(&r, script, 2, &err), &err);
    r.opts.credentials = NULL;
    r.opts.getenv_ud = (void *)env;
    CHECK_OK(rig_client(&r, &err), &err);
    CHECK_OK(appmesh_client_update_virtual_service(r.client, &in, &out, NULL, &err), &err);
    CHECK_STR_EQ(appmesh_client_credentials_source(r.client), "container-role");
    CHECK_INT_EQ(r.fake.sent_count, 2);
    CHECK(strstr(r.fake.sent[1].headers, "Credential=ASIACONT/") != NULL, r.fake.sent[1].headers);
    CHECK(strstr(r.fake.sent[1].headers, "X-Amz-Security-Token: TokenOfASIACONT\n") != NULL,
          r.fake.sent[1].headers);
    appmesh_virtual_service_data_cleanup(&out);
    appmesh_client_destroy(r.client);
    return 0;
}

static const struct test_case cases[] = {
    {"assumes_a_role_with_static_source_keys", assumes_a_role_with_static_source_keys},
    {"chains_roles_signing_with_the_previous_role", chains_roles_signing_with_the_previous_role},
    {"uses_a_profiles_own_keys_when_it_names_itself",
     uses_a_profiles_own_keys_when_it_names_itself},
    {"refuses_bad_role_profiles", refuses_bad_role_profiles},
    {"assumes_a_role_from_each_credential_source", assumes_a_role_from_each_credential_source},
    {"signs_with_environment_keys_for_credential_source_environment",
     signs_with_environment_keys_for_credential_source_environment},
    {"reports_sts_errors_with_the_role_and_the_code",
     reports_sts_errors_with_the_role_and_the_code},
    {"refuses_malformed_sts_responses", refuses_malformed_sts_responses},
    {"decodes_xml_entities_in_values", decodes_xml_entities_in_values},
    {"resolves_the_sts_endpoint_as_the_sdks_do", resolves_the_sts_endpoint_as_the_sdks_do},
    {"assumes_a_role_with_a_web_identity_token", assumes_a_role_with_a_web_identity_token},
    {"uses_web_identity_profiles_and_role_chains_on_them",
     uses_web_identity_profiles_and_role_chains_on_them},
    {"refuses_unusable_web_identity_settings", refuses_unusable_web_identity_settings},
    {"gets_container_credentials", gets_container_credentials},
    {"allows_only_the_sdks_container_hosts", allows_only_the_sdks_container_hosts},
    {"refuses_bad_container_answers_and_tokens", refuses_bad_container_answers_and_tokens},
    {"gets_imds_credentials_with_a_session_token", gets_imds_credentials_with_a_session_token},
    {"finds_the_imds_endpoint_as_botocore_does", finds_the_imds_endpoint_as_botocore_does},
    {"falls_back_to_imdsv1_only_where_botocore_does",
     falls_back_to_imdsv1_only_where_botocore_does},
    {"names_what_went_wrong_with_imds_in_the_tried_list",
     names_what_went_wrong_with_imds_in_the_tried_list},
    {"a_configured_failing_provider_stops_the_chain",
     a_configured_failing_provider_stops_the_chain},
    {"an_unconfigured_provider_does_not_hide_a_later_one",
     an_unconfigured_provider_does_not_hide_a_later_one},
    {"refreshes_in_the_advisory_window_and_keeps_old_credentials_on_failure",
     refreshes_in_the_advisory_window_and_keeps_old_credentials_on_failure},
    {"fails_when_a_mandatory_refresh_fails", fails_when_a_mandatory_refresh_fails},
    {"uses_short_lived_credentials_without_asking_on_every_call",
     uses_short_lived_credentials_without_asking_on_every_call},
    {"refreshes_expired_container_credentials_across_expiry",
     refreshes_expired_container_credentials_across_expiry},
    {"survives_running_out_of_memory", survives_running_out_of_memory},
    {"the_client_signs_app_mesh_calls_with_container_credentials",
     the_client_signs_app_mesh_calls_with_container_credentials},
};

TEST_MAIN("cred_net", cases)
