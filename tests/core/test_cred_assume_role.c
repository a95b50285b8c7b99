/* SPDX-License-Identifier: MIT */
/* Tests for cred_assume_role.c: role profiles, source profiles and credential sources. */
#include "cred_rig.h"

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
    struct am_env e = {test_getenv, NULL};
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

static const struct test_case cases[] = {
    {"assumes_a_role_with_static_source_keys", assumes_a_role_with_static_source_keys},
    {"chains_roles_signing_with_the_previous_role", chains_roles_signing_with_the_previous_role},
    {"uses_a_profiles_own_keys_when_it_names_itself",
     uses_a_profiles_own_keys_when_it_names_itself},
    {"refuses_bad_role_profiles", refuses_bad_role_profiles},
    {"assumes_a_role_from_each_credential_source", assumes_a_role_from_each_credential_source},
    {"signs_with_environment_keys_for_credential_source_environment",
     signs_with_environment_keys_for_credential_source_environment},
};

TEST_MAIN("cred_assume_role", cases)
