/* SPDX-License-Identifier: MIT */
/* Tests for cred_metadata.c: the container endpoint and IMDS. */
#include "cred_rig.h"

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

static int keeps_the_query_of_a_container_uri(void)
{
    /* botocore fetches either URI as given, query and all ("/foo/bar?id=123" in its docs). */
    static const struct canned script[] = {{200, APPMESH_OK, NULL, META_JSON("ASIACONT", EXP1)}};
    static const struct canned err500[] = {{500, APPMESH_OK, NULL, "no"},
                                           {500, APPMESH_OK, NULL, "no"}};
    static const char *const rel[] = {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                                      "/v2/credentials?id=123", NULL};
    static const char *const full[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI",
                                       "http://127.0.0.1:8080/creds?role=a&key=k-123", NULL};
    static const char *const space[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI",
                                        "http://127.0.0.1/creds?a=b c", NULL};
    const struct outcome w500 = {NULL,
                                 "container-role: http://127.0.0.1:8080/creds?role=a&key=k-123: "
                                 "HTTP 500"};
    const struct outcome wspace = {NULL, "container-role: AWS_CONTAINER_CREDENTIALS_FULL_URI: "
                                         "the query string holds a space, a control character"};
    struct net n;
    CHECK_OK(net_open(&n, script, 1, rel, NULL), &n.err);
    CHECK_OK(net_get(&n, NOW), &n.err);
    CHECK_STR_EQ(n.fake.sent[0].url, "http://169.254.170.2/v2/credentials?id=123");
    net_close(&n);
    CHECK_OK(net_open(&n, script, 1, full, NULL), &n.err);
    CHECK_OK(net_get(&n, NOW), &n.err);
    CHECK_STR_EQ(n.fake.sent[0].url, "http://127.0.0.1:8080/creds?role=a&key=k-123");
    net_close(&n);
    RUN(err500, full, NULL, &w500);
    RUN(err500, space, NULL, &wspace);
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

static int uses_imds_credentials_that_expire_soon_for_20_minutes_more(void)
{
    /* botocore's static stability: during an outage IMDS serves the credentials it has, even
     * expired; they are used (for 20 more minutes here) and IMDS is asked again after that. */
    static const struct canned script[] = {
        {200, APPMESH_OK, NULL, "the-imds-token"},
        {200, APPMESH_OK, NULL, "the-role"},
        {200, APPMESH_OK, NULL, META_JSON("ASIAOLD", "2015-08-30T12:30:00Z")},
        {200, APPMESH_OK, NULL, "the-imds-token"},
        {200, APPMESH_OK, NULL, "the-role"},
        {200, APPMESH_OK, NULL, META_JSON("ASIANEW", EXP2)}};
    struct net n;
    CHECK_OK(net_open(&n, script, 6, imds_on, NULL), &n.err);
    CHECK_OK(net_get(&n, NOW), &n.err);
    CHECK_STR_EQ(n.source, "iam-role");
    CHECK_STR_EQ(n.view.access_key_id, "ASIAOLD");
    CHECK_OK(net_get(&n, NOW + 4 * 60), &n.err); /* 16 minutes left: not asked again */
    CHECK_INT_EQ(n.fake.sent_count, 3);
    CHECK_STR_EQ(n.view.access_key_id, "ASIAOLD");
    CHECK_OK(net_get(&n, NOW + 6 * 60), &n.err); /* 14 minutes left: asked again */
    CHECK_INT_EQ(n.fake.sent_count, 6);
    CHECK_STR_EQ(n.view.access_key_id, "ASIANEW");
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

static const struct test_case cases[] = {
    {"gets_container_credentials", gets_container_credentials},
    {"keeps_the_query_of_a_container_uri", keeps_the_query_of_a_container_uri},
    {"allows_only_the_sdks_container_hosts", allows_only_the_sdks_container_hosts},
    {"refuses_bad_container_answers_and_tokens", refuses_bad_container_answers_and_tokens},
    {"gets_imds_credentials_with_a_session_token", gets_imds_credentials_with_a_session_token},
    {"uses_imds_credentials_that_expire_soon_for_20_minutes_more",
     uses_imds_credentials_that_expire_soon_for_20_minutes_more},
    {"finds_the_imds_endpoint_as_botocore_does", finds_the_imds_endpoint_as_botocore_does},
    {"falls_back_to_imdsv1_only_where_botocore_does",
     falls_back_to_imdsv1_only_where_botocore_does},
    {"names_what_went_wrong_with_imds_in_the_tried_list",
     names_what_went_wrong_with_imds_in_the_tried_list},
};

TEST_MAIN("cred_metadata", cases)
