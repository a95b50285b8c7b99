/* SPDX-License-Identifier: MIT */
/* Tests for cred_web_identity.c: the token file, the role and profiles that name them. */
#include "cred_rig.h"

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

static const struct test_case cases[] = {
    {"assumes_a_role_with_a_web_identity_token", assumes_a_role_with_a_web_identity_token},
    {"uses_web_identity_profiles_and_role_chains_on_them",
     uses_web_identity_profiles_and_role_chains_on_them},
    {"refuses_unusable_web_identity_settings", refuses_unusable_web_identity_settings},
};

TEST_MAIN("cred_web_identity", cases)
