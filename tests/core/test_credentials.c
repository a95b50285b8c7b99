/* SPDX-License-Identifier: MIT */
/* Tests for credentials.c: the provider chain's order, errors, cache, refresh and secret hygiene.
 */
#include "appmesh/appmesh.h"
#include "cred_rig.h"
#include "credentials.h"
#include "env.h"
#include "harness.h"
#include "settings.h"

/* Paths are relative to tests/, where CTest runs the tests. */
#define FIX     "fixtures/config"
#define HOME    FIX "/home"
#define NO_HOME FIX "/no-such-home"
#define CONFIG  HOME "/.aws/config"
#define CREDS   HOME "/.aws/credentials"

#define ENV_SECRET  "SecretFromTheEnvironment/K7MDENG+EXAMPLE"
#define DEV_SECRET  "SecretOfTheDevProfile/K7MDENG+bPxRfiEXAMPLE"
#define OPT_SECRET  "SecretFromTheOptions/K7MDENG+EXAMPLE"
#define HALF_SECRET "SecretWithoutAnId/K7MDENG+EXAMPLE"

/* ---- the environment: a table behind the getenv hook (never setenv), counting lookups ---- */
struct env_table {
    const char *vars[12][2];
    int lookups; /* of AWS_ACCESS_KEY_ID */
};

static const char *table_getenv(void *ud, const char *name)
{
    struct env_table *t = ud;
    size_t i = 0;
    if (strcmp(name, "AWS_ACCESS_KEY_ID") == 0) {
        t->lookups++;
    }
    for (i = 0; i < 12 && t->vars[i][0] != NULL; i++) {
        if (strcmp(t->vars[i][0], name) == 0) {
            return t->vars[i][1];
        }
    }
    return NULL;
}

static struct appmesh_error s_err;

/* A chain over the table; *out NULL on failure (s_err says why). */
static enum appmesh_status chain_new(struct env_table *t,
                                     const struct appmesh_credentials *c,
                                     const char *profile,
                                     struct am_credentials_chain **out)
{
    const struct am_env env = {table_getenv, t};
    const struct am_credentials_chain_options o = {
        .explicit_creds = c, .env = &env, .profile = profile};
    appmesh_error_clear(&s_err);
    return am_credentials_chain_new(&test_allocator, &o, out, &s_err);
}

struct want {
    const char *source;
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token;
};

static int check_found(struct env_table *t,
                       const struct appmesh_credentials *explicit_creds,
                       const char *profile,
                       const struct want *w)
{
    struct am_credentials_chain *chain = NULL;
    struct appmesh_credentials view;
    const char *source = NULL;
    struct appmesh_error err = {0};
    int rc = 1;
    CHECK_OK(chain_new(t, explicit_creds, profile, &chain), &s_err);
    do {
        if (am_credentials_chain_get(chain, 1000.0, &view, &source, &err) != APPMESH_OK) {
            fprintf(stderr, "  get failed: %s\n", err.message);
            break;
        }
        if (strcmp(source, w->source) != 0 || strcmp(view.access_key_id, w->access_key_id) != 0 ||
            strcmp(view.secret_access_key, w->secret_access_key) != 0 ||
            (w->session_token == NULL) != (view.session_token == NULL) ||
            (w->session_token != NULL && strcmp(view.session_token, w->session_token) != 0)) {
            fprintf(stderr, "  got source %s, key %s, token %s; want %s, %s, %s\n", source,
                    view.access_key_id, view.session_token ? view.session_token : "(none)",
                    w->source, w->access_key_id, w->session_token ? w->session_token : "(none)");
            break;
        }
        rc = 0;
    } while (0);
    am_credentials_chain_destroy(chain);
    return rc;
}

/* The chain fails with status; its message is `message` and holds no secret. */
static int check_fails(struct env_table *t,
                       const struct appmesh_credentials *explicit_creds,
                       const char *profile,
                       enum appmesh_status status,
                       const char *message)
{
    static const char *const secrets[] = {"Secret", "Token", "EXAMPLE"};
    struct am_credentials_chain *chain = NULL;
    struct appmesh_credentials view;
    const char *source = "x";
    struct appmesh_error err = {0};
    char want[sizeof(err.message)];
    enum appmesh_status st;
    size_t i = 0;
    CHECK_OK(chain_new(t, explicit_creds, profile, &chain), &s_err);
    st = am_credentials_chain_get(chain, 1000.0, &view, &source, &err);
    am_credentials_chain_destroy(chain);
    CHECK_STATUS(st, status, &err);
    CHECK(source == NULL && view.access_key_id == NULL, "nothing returned");
    /* The message is cut to fit err.message (the list of places grows with the chain). */
    snprintf(want, sizeof(want), "%s", message);
    CHECK_STR_EQ(err.message, want);
    for (i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
        CHECK(strstr(err.message, secrets[i]) == NULL, err.message);
    }
    return 0;
}

/* ---- explicit ---- */

static int uses_explicit_credentials_first(void)
{
    struct env_table t = {.vars = {{"HOME", HOME},
                                   {"AWS_ACCESS_KEY_ID", "AKIDENV"},
                                   {"AWS_SECRET_ACCESS_KEY", ENV_SECRET}}};
    const struct appmesh_credentials c = {"AKIDOPT", OPT_SECRET, "TokenFromTheOptions"};
    const struct want w = {"explicit", "AKIDOPT", OPT_SECRET, "TokenFromTheOptions"};
    return check_found(&t, &c, NULL, &w);
}

static int treats_an_empty_explicit_session_token_as_none(void)
{
    struct env_table t = {.vars = {{"HOME", NO_HOME}}};
    const struct appmesh_credentials c = {"AKIDOPT", OPT_SECRET, ""};
    const struct want w = {"explicit", "AKIDOPT", OPT_SECRET, NULL};
    return check_found(&t, &c, NULL, &w);
}

static int copies_explicit_credentials(void)
{
    struct env_table t = {.vars = {{"HOME", NO_HOME}}};
    char id[] = "AKIDOPT";
    char secret[] = OPT_SECRET;
    const struct appmesh_credentials c = {id, secret, NULL};
    struct am_credentials_chain *chain = NULL;
    struct appmesh_credentials view;
    struct appmesh_error err = {0};
    CHECK_OK(chain_new(&t, &c, NULL, &chain), &s_err);
    memset(id, 'x', sizeof(id) - 1);
    memset(secret, 'x', sizeof(secret) - 1);
    CHECK_OK(am_credentials_chain_get(chain, 0, &view, NULL, &err), &err);
    CHECK_STR_EQ(view.access_key_id, "AKIDOPT");
    CHECK_STR_EQ(view.secret_access_key, OPT_SECRET);
    am_credentials_chain_destroy(chain);
    return 0;
}

static int requires_both_explicit_keys(void)
{
    struct env_table t = {.vars = {{"HOME", NO_HOME}}};
    static const struct {
        struct appmesh_credentials c;
        const char *field;
    } cases[] = {
        {{"AKIDOPT", NULL, NULL}, "credentials.secretAccessKey"},
        {{"AKIDOPT", "", "TokenFromTheOptions"}, "credentials.secretAccessKey"},
        {{NULL, OPT_SECRET, NULL}, "credentials.accessKeyId"},
        {{"", OPT_SECRET, NULL}, "credentials.accessKeyId"},
    };
    size_t i = 0;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct am_credentials_chain *chain = (struct am_credentials_chain *)&t;
        CHECK_STATUS(chain_new(&t, &cases[i].c, NULL, &chain), APPMESH_ERR_VALIDATION, &s_err);
        CHECK(chain == NULL, "no chain");
        CHECK_STR_EQ(s_err.field, cases[i].field);
        CHECK(strstr(s_err.message, cases[i].field) != NULL, s_err.message);
        CHECK(strstr(s_err.message, "Secret") == NULL, s_err.message);
        CHECK(strstr(s_err.message, "Token") == NULL, s_err.message);
    }
    return 0;
}

/* ---- environment ---- */

static int uses_environment_credentials(void)
{
    struct env_table t = {.vars = {{"HOME", HOME},
                                   {"AWS_ACCESS_KEY_ID", "AKIDENV"},
                                   {"AWS_SECRET_ACCESS_KEY", ENV_SECRET},
                                   {"AWS_SESSION_TOKEN", "TokenFromTheEnvironment"}}};
    const struct want w = {"environment", "AKIDENV", ENV_SECRET, "TokenFromTheEnvironment"};
    return check_found(&t, NULL, NULL, &w);
}

static int uses_environment_credentials_without_a_token(void)
{
    struct env_table t = {.vars = {{"HOME", HOME},
                                   {"AWS_ACCESS_KEY_ID", "AKIDENV"},
                                   {"AWS_SECRET_ACCESS_KEY", ENV_SECRET},
                                   {"AWS_SESSION_TOKEN", ""}}};
    const struct want w = {"environment", "AKIDENV", ENV_SECRET, NULL};
    return check_found(&t, NULL, NULL, &w);
}

static int environment_beats_a_profile_named_by_aws_profile(void)
{
    struct env_table t = {.vars = {{"HOME", HOME},
                                   {"AWS_PROFILE", "dev"},
                                   {"AWS_ACCESS_KEY_ID", "AKIDENV"},
                                   {"AWS_SECRET_ACCESS_KEY", ENV_SECRET}}};
    const struct want w = {"environment", "AKIDENV", ENV_SECRET, NULL};
    /* the client passes the resolved name, which came from AWS_PROFILE: not a choice */
    return check_found(&t, NULL, "dev", &w) || check_found(&t, NULL, NULL, &w);
}

static int explicit_profile_skips_the_environment(void)
{
    struct env_table t = {.vars = {{"HOME", HOME},
                                   {"AWS_ACCESS_KEY_ID", "AKIDENV"},
                                   {"AWS_SECRET_ACCESS_KEY", ENV_SECRET}}};
    const struct want w = {"shared-credentials-file", "AKIDDEV", DEV_SECRET,
                           "TokenOfTheDevProfile"};
    return check_found(&t, NULL, "dev", &w);
}

static int refuses_an_access_key_without_a_secret(void)
{
    struct env_table t = {.vars = {{"HOME", HOME}, {"AWS_ACCESS_KEY_ID", "AKIDENV"}}};
    return check_fails(&t, NULL, NULL, APPMESH_ERR_CREDENTIALS,
                       "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not: set both, or "
                       "neither");
}

static int refuses_an_access_key_id_that_would_split_a_line(void)
{
    /* the key id goes into the Authorization header and the debug trace */
    static const char *const ids[] = {"AKID\nX: y", "AKID EXAMPLE", "AKID\x7f", "AKID\xc3\xa9"};
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        struct env_table t = {.vars = {{"HOME", HOME},
                                       {"AWS_ACCESS_KEY_ID", ids[i]},
                                       {"AWS_SECRET_ACCESS_KEY", ENV_SECRET}}};
        if (check_fails(&t, NULL, NULL, APPMESH_ERR_CREDENTIALS,
                        "environment: the access key id it returned is not 1 to 128 printable "
                        "ASCII characters without spaces") != 0) {
            return 1;
        }
    }
    return 0;
}

static int refuses_a_secret_without_an_access_key(void)
{
    struct env_table t = {.vars = {{"HOME", HOME},
                                   {"AWS_SECRET_ACCESS_KEY", ENV_SECRET},
                                   {"AWS_SESSION_TOKEN", "TokenFromTheEnvironment"}}};
    return check_fails(&t, NULL, NULL, APPMESH_ERR_CREDENTIALS,
                       "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not: set both, or "
                       "neither");
}

/* ---- the shared files ---- */

static int shared_credentials_file_beats_the_config_file(void)
{
    struct env_table t = {.vars = {{"HOME", HOME}}};
    const struct want w = {"shared-credentials-file", "AKIDDEFAULTFILE",
                           "SecretOfTheDefaultProfile/K7MDENG+EXAMPLE", NULL};
    return check_found(&t, NULL, NULL, &w);
}

static int uses_the_shared_credentials_file_profile(void)
{
    struct env_table t = {.vars = {{"HOME", HOME}, {"AWS_PROFILE", "dev"}}};
    const struct want w = {"shared-credentials-file", "AKIDDEV", DEV_SECRET,
                           "TokenOfTheDevProfile"};
    return check_found(&t, NULL, NULL, &w);
}

static int uses_the_config_file_profile(void)
{
    struct env_table t = {.vars = {{"HOME", HOME}, {"AWS_PROFILE", "config-creds"}}};
    const struct want w = {"config-file", "AKIDCONFIGFILE", "SecretOfTheConfigCredsProfile/EXAMPLE",
                           "TokenOfTheConfigCredsProfile"};
    return check_found(&t, NULL, NULL, &w);
}

static int uses_a_credentials_file_without_a_config_file(void)
{
    struct env_table t = {.vars = {{"HOME", FIX "/creds-only-home"}}};
    const struct want w = {"shared-credentials-file", "AKIDONLYFILE", "SecretOfTheOnlyFile/EXAMPLE",
                           NULL};
    return check_found(&t, NULL, NULL, &w);
}

static int refuses_half_a_key_pair_in_the_credentials_file(void)
{
    struct env_table t = {.vars = {{"HOME", HOME}}};
    return check_fails(&t, NULL, "half-creds", APPMESH_ERR_CREDENTIALS,
                       "shared credentials file " CREDS
                       " [half-creds] has aws_secret_access_key but no aws_access_key_id");
}

static int refuses_half_a_key_pair_in_the_config_file(void)
{
    struct env_table t = {.vars = {{"HOME", HOME}}};
    return check_fails(&t, NULL, "half-config", APPMESH_ERR_CREDENTIALS,
                       "config file " CONFIG
                       " [profile half-config] has aws_access_key_id but no aws_secret_access_key");
}

static int reports_a_malformed_file(void)
{
    struct env_table t = {
        .vars = {{"HOME", HOME},
                 {"AWS_SHARED_CREDENTIALS_FILE", FIX "/malformed/wrapped-secret.ini"}}};
    return check_fails(&t, NULL, NULL, APPMESH_ERR_CONFIG,
                       FIX "/malformed/wrapped-secret.ini, line 4: expected 'key = value', a "
                           "[section] or a comment ('#' or ';')");
}

/* ---- nothing found ---- */

static int lists_every_place_it_looked(void)
{
    struct env_table t = {.vars = {{"HOME", NO_HOME}, {"AWS_EC2_METADATA_DISABLED", "true"}}};
    return check_fails(&t, NULL, NULL, APPMESH_ERR_CREDENTIALS,
                       "no credentials found for profile 'default': tried explicit, "
                       "environment, assume role, web identity, SSO, credentials file " NO_HOME
                       "/.aws/credentials, credential_process, config file " NO_HOME
                       "/.aws/config, container, IMDS (disabled)");
}

static int lists_the_profile_it_looked_in(void)
{
    struct env_table t = {.vars = {{"HOME", HOME},
                                   {"AWS_ACCESS_KEY_ID", "AKIDENV"},
                                   {"AWS_SECRET_ACCESS_KEY", ENV_SECRET},
                                   {"AWS_EC2_METADATA_DISABLED", "true"}}};
    return check_fails(
        &t, NULL, "global-endpoint", APPMESH_ERR_CREDENTIALS,
        "no credentials found for profile 'global-endpoint': tried explicit, "
        "environment (skipped), assume role, web identity, SSO, credentials file " CREDS
        ", credential_process, config file " CONFIG ", container, IMDS (disabled)");
}

/* ---- the cache ---- */

static int loads_static_credentials_once(void)
{
    struct env_table t = {.vars = {{"HOME", HOME},
                                   {"AWS_ACCESS_KEY_ID", "AKIDENV"},
                                   {"AWS_SECRET_ACCESS_KEY", ENV_SECRET}}};
    struct am_credentials_chain *chain = NULL;
    struct appmesh_credentials view;
    const char *source = NULL;
    struct appmesh_error err = {0};
    CHECK_OK(chain_new(&t, NULL, NULL, &chain), &s_err);
    CHECK_INT_EQ(t.lookups, 0); /* nothing is read before the first call */
    CHECK_OK(am_credentials_chain_get(chain, 1000.0, &view, &source, &err), &err);
    CHECK_INT_EQ(t.lookups, 1);
    t.vars[1][1] = "AKIDCHANGED";
    CHECK_OK(am_credentials_chain_get(chain, 1e12, &view, &source, &err), &err);
    CHECK_INT_EQ(t.lookups, 1);
    CHECK_STR_EQ(view.access_key_id, "AKIDENV");
    CHECK_STR_EQ(source, "environment");
    am_credentials_chain_destroy(chain);
    return 0;
}

static int remembers_finding_nothing_for_a_few_seconds_then_looks_again(void)
{
    struct env_table t = {.vars = {{"HOME", NO_HOME},
                                   {"AWS_EC2_METADATA_DISABLED", "true"},
                                   {"AWS_ACCESS_KEY_ID", NULL},
                                   {"AWS_SECRET_ACCESS_KEY", NULL}}};
    struct am_credentials_chain *chain = NULL;
    struct appmesh_credentials view;
    struct appmesh_error err = {0};
    CHECK_OK(chain_new(&t, NULL, NULL, &chain), &s_err);
    CHECK_STATUS(am_credentials_chain_get(chain, 100, &view, NULL, &err), APPMESH_ERR_CREDENTIALS,
                 &err);
    t.vars[2][1] = "AKIDLATER";
    t.vars[3][1] = ENV_SECRET;
    /* within the back-off: the same error, without walking the chain again */
    appmesh_error_clear(&err);
    CHECK_STATUS(am_credentials_chain_get(chain, 104, &view, NULL, &err), APPMESH_ERR_CREDENTIALS,
                 &err);
    CHECK(strstr(err.message, "no credentials found") != NULL, err.message);
    appmesh_error_clear(&err);
    CHECK_OK(am_credentials_chain_get(chain, 106, &view, NULL, &err), &err);
    CHECK_STR_EQ(view.access_key_id, "AKIDLATER");
    am_credentials_chain_destroy(chain);
    return 0;
}

static int drops_only_the_credentials_the_service_said_expired(void)
{
    struct env_table t = {.vars = {{"HOME", NO_HOME},
                                   {"AWS_EC2_METADATA_DISABLED", "true"},
                                   {"AWS_ACCESS_KEY_ID", "AKIDFIRST"},
                                   {"AWS_SECRET_ACCESS_KEY", ENV_SECRET}}};
    struct am_credentials_chain *chain = NULL;
    struct appmesh_credentials view;
    struct appmesh_error err = {0};
    CHECK_OK(chain_new(&t, NULL, NULL, &chain), &s_err);
    CHECK_OK(am_credentials_chain_get(chain, 0, &view, NULL, &err), &err);
    CHECK_STR_EQ(view.access_key_id, "AKIDFIRST");
    t.vars[2][1] = "AKIDSECOND";
    /* other keys (a call signed before a refresh), and NULLs, leave the cache alone */
    am_credentials_chain_expire(chain, "AKIDOLDER");
    am_credentials_chain_expire(chain, NULL);
    am_credentials_chain_expire(NULL, "AKIDFIRST");
    CHECK_OK(am_credentials_chain_get(chain, 0, &view, NULL, &err), &err);
    CHECK_STR_EQ(view.access_key_id, "AKIDFIRST");
    /* the cached ones: the next get looks again */
    am_credentials_chain_expire(chain, "AKIDFIRST");
    CHECK_OK(am_credentials_chain_get(chain, 0, &view, NULL, &err), &err);
    CHECK_STR_EQ(view.access_key_id, "AKIDSECOND");
    am_credentials_chain_destroy(chain);
    return 0;
}

static int destroys_null(void)
{
    am_credentials_chain_destroy(NULL);
    return 0;
}

/* ---- secret hygiene: every freed block is checked for the secrets ---- */

static int s_unwiped;

static void *wipe_checking_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    static const char *const secrets[] = {ENV_SECRET, DEV_SECRET, OPT_SECRET, "TokenOfThe",
                                          "TokenFromThe"};
    if (nsize == 0 && ptr != NULL) {
        size_t i = 0;
        for (i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
            size_t n = strlen(secrets[i]);
            const char *p = ptr;
            size_t j = 0;
            for (j = 0; j + n <= osize; j++) {
                if (memcmp(p + j, secrets[i], n) == 0) {
                    s_unwiped++;
                }
            }
        }
    }
    return test_alloc_fn(ud, ptr, osize, nsize);
}

static int wipes_secrets_before_freeing_them(void)
{
    static const struct appmesh_allocator wiping = {wipe_checking_alloc, &test_alloc_state};
    struct env_table t = {.vars = {{"HOME", HOME},
                                   {"AWS_ACCESS_KEY_ID", "AKIDENV"},
                                   {"AWS_SECRET_ACCESS_KEY", ENV_SECRET},
                                   {"AWS_SESSION_TOKEN", "TokenFromTheEnvironment"}}};
    const struct am_env env = {table_getenv, &t};
    const struct appmesh_credentials c = {"AKIDOPT", OPT_SECRET, "TokenFromTheOptions"};
    const char *profiles[] = {NULL, "dev"};
    struct am_settings s;
    struct appmesh_error err = {0};
    size_t i = 0;

    s_unwiped = 0;
    for (i = 0; i < 2; i++) {
        struct am_credentials_chain *chain = NULL;
        struct appmesh_credentials view;
        const struct am_credentials_chain_options o = {.env = &env, .profile = profiles[i]};
        CHECK_OK(am_credentials_chain_new(&wiping, &o, &chain, &err), &err);
        CHECK_OK(am_credentials_chain_get(chain, 0, &view, NULL, &err), &err);
        am_credentials_chain_destroy(chain);
    }
    {
        struct am_credentials_chain *chain = NULL;
        struct appmesh_credentials view;
        const struct am_credentials_chain_options o = {.explicit_creds = &c, .env = &env};
        CHECK_OK(am_credentials_chain_new(&wiping, &o, &chain, &err), &err);
        CHECK_OK(am_credentials_chain_get(chain, 0, &view, NULL, &err), &err);
        am_credentials_chain_destroy(chain);
    }
    CHECK_OK(am_settings_resolve(NULL, &env, &wiping, &s, &err), &err);
    am_settings_cleanup(&s);
    CHECK_INT_EQ(s_unwiped, 0);
    return 0;
}

/* ---- out of memory ---- */

struct oom_ctx {
    struct env_table *t;
    const struct appmesh_credentials *c;
    const char *profile;
};

static enum appmesh_status settings_and_credentials(void *p)
{
    struct oom_ctx *ctx = p;
    const struct am_env env = {table_getenv, ctx->t};
    const struct appmesh_client_options opts = {.profile = ctx->profile, .credentials = ctx->c};
    struct am_settings s;
    struct am_credentials_chain *chain = NULL;
    struct appmesh_credentials view;
    struct appmesh_error err = {0};
    enum appmesh_status st = am_settings_resolve(&opts, &env, &test_allocator, &s, &err);
    if (st == APPMESH_OK) {
        const struct am_credentials_chain_options o = {
            .explicit_creds = opts.credentials, .env = &env, .profile = s.profile};
        st = am_credentials_chain_new(&test_allocator, &o, &chain, &err);
    }
    if (st == APPMESH_OK) {
        st = am_credentials_chain_get(chain, 0, &view, NULL, &err);
    }
    if (st == APPMESH_OK) { /* the cached path */
        st = am_credentials_chain_get(chain, 0, &view, NULL, &err);
    }
    am_credentials_chain_destroy(chain);
    am_settings_cleanup(&s);
    return st;
}

static int resolves_settings_and_credentials_when_memory_runs_out(void)
{
    struct env_table env_creds = {.vars = {{"HOME", HOME},
                                           {"AWS_ACCESS_KEY_ID", "AKIDENV"},
                                           {"AWS_SECRET_ACCESS_KEY", ENV_SECRET},
                                           {"AWS_SESSION_TOKEN", "TokenFromTheEnvironment"}}};
    struct env_table files = {.vars = {{"HOME", HOME}}};
    const struct appmesh_credentials c = {"AKIDOPT", OPT_SECRET, "TokenFromTheOptions"};
    struct oom_ctx cases[] = {
        {&files, &c, NULL},             /* explicit */
        {&env_creds, NULL, NULL},       /* environment */
        {&files, NULL, "dev"},          /* shared credentials file */
        {&files, NULL, "config-creds"}, /* config file */
    };
    size_t i = 0;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (test_oom_loop(settings_and_credentials, &cases[i], 300) != 0) {
            fprintf(stderr, "  in OOM case %zu\n", i);
            return 1;
        }
    }
    return 0;
}

/* ==== the chain over the network providers (cred_rig.h) ==== */

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
    /* The container endpoint hands out the same credentials until they expire, 12 minutes from
     * now (IMDS's would be used 20 minutes more: test_cred_metadata.c). */
    static const struct canned script[] = {
        {200, APPMESH_OK, NULL, META_JSON("ASIASHORT", "2015-08-30T12:48:00Z")},
        {200, APPMESH_OK, NULL, META_JSON("ASIASHORT", "2015-08-30T12:48:00Z")},
    };
    static const char *const env[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1/c",
                                      NULL};
    struct net n;
    int i = 0;
    CHECK_OK(net_open(&n, script, 2, env, NULL), &n.err);
    for (i = 0; i < 100; i++) {
        CHECK_OK(net_get(&n, NOW + i * 0.01), &n.err);
    }
    CHECK_INT_EQ(n.fake.sent_count, 1);
    CHECK_OK(net_get(&n, NOW + 10), &n.err);
    CHECK_INT_EQ(n.fake.sent_count, 2);
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
    {"refuses_an_access_key_id_that_would_split_a_line",
     refuses_an_access_key_id_that_would_split_a_line},
    {"uses_explicit_credentials_first", uses_explicit_credentials_first},
    {"treats_an_empty_explicit_session_token_as_none",
     treats_an_empty_explicit_session_token_as_none},
    {"copies_explicit_credentials", copies_explicit_credentials},
    {"requires_both_explicit_keys", requires_both_explicit_keys},
    {"uses_environment_credentials", uses_environment_credentials},
    {"uses_environment_credentials_without_a_token", uses_environment_credentials_without_a_token},
    {"environment_beats_a_profile_named_by_aws_profile",
     environment_beats_a_profile_named_by_aws_profile},
    {"explicit_profile_skips_the_environment", explicit_profile_skips_the_environment},
    {"refuses_an_access_key_without_a_secret", refuses_an_access_key_without_a_secret},
    {"refuses_a_secret_without_an_access_key", refuses_a_secret_without_an_access_key},
    {"shared_credentials_file_beats_the_config_file",
     shared_credentials_file_beats_the_config_file},
    {"uses_the_shared_credentials_file_profile", uses_the_shared_credentials_file_profile},
    {"uses_the_config_file_profile", uses_the_config_file_profile},
    {"uses_a_credentials_file_without_a_config_file",
     uses_a_credentials_file_without_a_config_file},
    {"refuses_half_a_key_pair_in_the_credentials_file",
     refuses_half_a_key_pair_in_the_credentials_file},
    {"refuses_half_a_key_pair_in_the_config_file", refuses_half_a_key_pair_in_the_config_file},
    {"reports_a_malformed_file", reports_a_malformed_file},
    {"lists_every_place_it_looked", lists_every_place_it_looked},
    {"lists_the_profile_it_looked_in", lists_the_profile_it_looked_in},
    {"loads_static_credentials_once", loads_static_credentials_once},
    {"drops_only_the_credentials_the_service_said_expired",
     drops_only_the_credentials_the_service_said_expired},
    {"remembers_finding_nothing_for_a_few_seconds_then_looks_again",
     remembers_finding_nothing_for_a_few_seconds_then_looks_again},
    {"destroys_null", destroys_null},
    {"wipes_secrets_before_freeing_them", wipes_secrets_before_freeing_them},
    {"resolves_settings_and_credentials_when_memory_runs_out",
     resolves_settings_and_credentials_when_memory_runs_out},
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

TEST_MAIN("credentials", cases)
