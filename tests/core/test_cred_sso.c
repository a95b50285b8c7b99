/* SPDX-License-Identifier: MIT */
/* Tests for cred_sso.c: SSO profiles, the token cache, GetRoleCredentials over a canned transport.
 */
#include <sys/stat.h>
#include <unistd.h>

#include "appmesh/appmesh.h"
#include "config.h"
#include "credentials.h"
#include "crypto.h"
#include "env.h"
#include "harness.h"
#include "internal.h"

#define BEARER "BearerTokenSecretValue-do-not-log"
#define SECRET "SsoRoleSecret/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define STOKEN "SsoRoleSessionTokenSecretValue"
#define NOW    1795609800.0 /* 2026-11-25T12:30:00Z */
#define START  "https://d-1234567890.awsapps.com/start"
#define ROLE_RSP                                                                                   \
    "{\"roleCredentials\":{\"accessKeyId\":\"ASIASSOEXAMPLE\",\"secretAccessKey\":\"" SECRET       \
    "\",\"sessionToken\":\"" STOKEN "\",\"expiration\":1795613400000}}"

/* ---- a canned transport ---- */
struct fake {
    int status;
    const char *headers;
    const char *body;
    enum appmesh_status fail; /* a transport failure instead of a response */
    int sent;
    char url[512];
    char bearer[128];
};

static enum appmesh_status fake_send(void *impl,
                                     const struct appmesh_http_request *req,
                                     struct appmesh_http_response *resp,
                                     struct appmesh_error *err)
{
    struct fake *f = impl;
    size_t i = 0;
    f->sent++;
    snprintf(f->url, sizeof(f->url), "%s %s", req->method, req->url);
    for (i = 0; i < req->header_count; i++) {
        if (strncmp(req->headers[i].name, "x-amz-sso_bearer_token", req->headers[i].name_len) ==
            0) {
            snprintf(f->bearer, sizeof(f->bearer), "%.*s", (int)req->headers[i].value_len,
                     req->headers[i].value);
        }
    }
    if (f->fail != APPMESH_OK) {
        return am_fail(err, f->fail, "connection refused");
    }
    resp->status = f->status;
    am_buf_reset(&resp->headers);
    am_buf_reset(&resp->body);
    if (f->headers != NULL && am_buf_append_str(&resp->headers, f->headers, err) != APPMESH_OK) {
        return APPMESH_ERR_NOMEM;
    }
    if (f->body != NULL && am_buf_append_str(&resp->body, f->body, err) != APPMESH_OK) {
        return APPMESH_ERR_NOMEM;
    }
    return APPMESH_OK;
}

static void fake_destroy(void *impl)
{
    (void)impl;
}

static const struct appmesh_transport_vtable fake_vtable = {fake_send, fake_destroy};

/* ---- a scratch HOME with .aws/config and .aws/sso/cache ---- */
struct home {
    char dir[64];
    char files[4][256];
    int nfiles;
};

static void home_path(const struct home *h, const char *rel, char *out, size_t size)
{
    snprintf(out, size, "%s/%s", h->dir, rel);
}

static int home_open(struct home *h)
{
    char p[256];
    memset(h, 0, sizeof(*h));
    snprintf(h->dir, sizeof(h->dir), "/tmp/appmesh-sso-XXXXXX");
    if (mkdtemp(h->dir) == NULL) {
        return 1;
    }
    home_path(h, ".aws", p, sizeof(p));
    mkdir(p, 0700);
    home_path(h, ".aws/sso", p, sizeof(p));
    mkdir(p, 0700);
    home_path(h, ".aws/sso/cache", p, sizeof(p));
    mkdir(p, 0700);
    return 0;
}

static int home_write(struct home *h, const char *rel, const char *text, unsigned mode)
{
    FILE *fp = NULL;
    char *p = h->files[h->nfiles];
    char full[256];
    home_path(h, rel, full, sizeof(full));
    memcpy(p, full, sizeof(full));
    fp = fopen(p, "w");
    if (fp == NULL) {
        return 1;
    }
    fputs(text, fp);
    fclose(fp);
    chmod(p, mode);
    h->nfiles++;
    return 0;
}

/* The token cache file for key (a session name or a start URL). */
static int home_token(struct home *h, const char *key, const char *expires_at)
{
    char hex[41];
    char rel[128];
    char json[512];
    if (am_sha1_hex(key, strlen(key), hex, NULL) != APPMESH_OK) {
        return 1;
    }
    snprintf(rel, sizeof(rel), ".aws/sso/cache/%s.json", hex);
    snprintf(json, sizeof(json),
             "{\"startUrl\": \"" START "\", \"region\": \"us-west-2\", \"accessToken\": \"" BEARER
             "\", \"expiresAt\": \"%s\"}",
             expires_at);
    return home_write(h, rel, json, 0600);
}

static void home_close(struct home *h)
{
    char p[256];
    int i = 0;
    for (i = 0; i < h->nfiles; i++) {
        unlink(h->files[i]);
    }
    home_path(h, ".aws/sso/cache", p, sizeof(p));
    rmdir(p);
    home_path(h, ".aws/sso", p, sizeof(p));
    rmdir(p);
    home_path(h, ".aws", p, sizeof(p));
    rmdir(p);
    rmdir(h->dir);
}

struct got {
    enum appmesh_status st;
    struct appmesh_error err;
    const char *source;
    char key[64];
    char secret[64];
    char token[64];
};

/* Run the chain for the profile with HOME = h and extra variables (pairs, NULL-ended). */
static void run_chain(struct home *h, struct fake *f, const char *const *extra, struct got *g)
{
    const char *vars[16] = {"HOME", h->dir, "AWS_PROFILE", "dev"};
    struct am_env env = {test_getenv, vars};
    struct appmesh_transport t = {&fake_vtable, f};
    struct am_credentials_chain_options o = {0};
    struct am_credentials_chain *chain = NULL;
    struct appmesh_credentials view = {0};
    size_t n = 4;

    for (; extra != NULL && *extra != NULL && n < 14; extra++) {
        vars[n++] = *extra;
    }
    vars[n] = NULL;
    memset(g, 0, sizeof(*g));
    o.env = &env;
    o.transport = &t;
    g->st = am_credentials_chain_new(&test_allocator, &o, &chain, &g->err);
    if (g->st == APPMESH_OK) {
        g->st = am_credentials_chain_get(chain, NOW, &view, &g->source, &g->err);
    }
    if (g->st == APPMESH_OK) {
        snprintf(g->key, sizeof(g->key), "%s", view.access_key_id);
        snprintf(g->secret, sizeof(g->secret), "%s", view.secret_access_key);
        snprintf(g->token, sizeof(g->token), "%s",
                 view.session_token != NULL ? view.session_token : "");
    }
    am_credentials_chain_destroy(chain);
}

static const char session_config[] = "[profile dev]\n"
                                     "sso_session = my-sso\n"
                                     "sso_account_id = 111122223333\n"
                                     "sso_role_name = AppMeshAdmin\n"
                                     "region = us-east-1\n"
                                     "\n"
                                     "[sso-session my-sso]\n"
                                     "sso_start_url = " START "\n"
                                     "sso_region = us-west-2\n"
                                     "sso_registration_scopes = sso:account:access\n";

static const char legacy_config[] = "[profile dev]\n"
                                    "sso_start_url = " START "\n"
                                    "sso_region = eu-west-1\n"
                                    "sso_account_id = 111122223333\n"
                                    "sso_role_name = AppMeshAdmin\n";

/* ---- cases ---- */

static int sha1_hex_matches_the_fips_180_vectors(void)
{
    char hex[41];
    CHECK_OK(am_sha1_hex("abc", 3, hex, NULL), NULL);
    CHECK_STR_EQ(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
    CHECK_OK(am_sha1_hex("", 0, hex, NULL), NULL);
    CHECK_STR_EQ(hex, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    return 0;
}

/* Run one scenario: a config file, a token cache entry (key, expiresAt) or none, a fake. */
static int scenario(const char *config,
                    const char *token_key,
                    const char *expires_at,
                    struct fake *f,
                    const char *const *extra,
                    struct got *g)
{
    struct home h;
    int rc = 0;
    CHECK(home_open(&h) == 0, "scratch home");
    rc = home_write(&h, ".aws/config", config, 0600);
    if (rc == 0 && token_key != NULL) {
        rc = home_token(&h, token_key, expires_at);
    }
    if (rc == 0) {
        run_chain(&h, f, extra, g);
    }
    home_close(&h);
    CHECK(rc == 0, "scratch files");
    CHECK(strstr(g->err.message, BEARER) == NULL, "the bearer token is never in a message");
    CHECK(strstr(g->err.message, SECRET) == NULL && strstr(g->err.message, STOKEN) == NULL,
          "no secret in a message");
    return 0;
}

static int gets_role_credentials_for_an_sso_session_profile(void)
{
    struct fake f = {200, "Content-Type: application/json\r\n", ROLE_RSP, APPMESH_OK, 0, "", ""};
    struct got g;
    CHECK(scenario(session_config, "my-sso", "2026-11-25T20:00:00Z", &f, NULL, &g) == 0, "ran");
    CHECK_OK(g.st, &g.err);
    CHECK_STR_EQ(g.source, "sso");
    CHECK_STR_EQ(g.key, "ASIASSOEXAMPLE");
    CHECK_STR_EQ(g.secret, SECRET);
    CHECK_STR_EQ(g.token, STOKEN);
    CHECK_INT_EQ(f.sent, 1);
    CHECK_STR_EQ(f.url, "GET https://portal.sso.us-west-2.amazonaws.com/federation/credentials"
                        "?role_name=AppMeshAdmin&account_id=111122223333");
    CHECK_STR_EQ(f.bearer, BEARER);
    return 0;
}

static int keys_the_legacy_token_cache_by_the_start_url(void)
{
    struct fake f = {200, NULL, ROLE_RSP, APPMESH_OK, 0, "", ""};
    struct got g;
    /* Older CLIs wrote expiresAt with "UTC" at the end. */
    CHECK(scenario(legacy_config, START, "2026-11-25T20:00:00UTC", &f, NULL, &g) == 0, "ran");
    CHECK_OK(g.st, &g.err);
    CHECK_STR_EQ(g.source, "sso");
    CHECK_STR_EQ(f.url, "GET https://portal.sso.eu-west-1.amazonaws.com/federation/credentials"
                        "?role_name=AppMeshAdmin&account_id=111122223333");
    return 0;
}

static int uses_the_configured_sso_endpoint(void)
{
    static const char *const extra[] = {"AWS_ENDPOINT_URL_SSO", "http://127.0.0.1:4566/", NULL};
    struct fake f = {200, NULL, ROLE_RSP, APPMESH_OK, 0, "", ""};
    struct got g;
    CHECK(scenario(session_config, "my-sso", "2026-11-25T20:00:00Z", &f, extra, &g) == 0, "ran");
    CHECK_OK(g.st, &g.err);
    CHECK_STR_EQ(f.url, "GET http://127.0.0.1:4566/federation/credentials"
                        "?role_name=AppMeshAdmin&account_id=111122223333");
    return 0;
}

static int uses_the_services_section_for_sso(void)
{
    static const char config[] = "[profile dev]\n"
                                 "sso_start_url = " START "\n"
                                 "sso_region = eu-west-1\n"
                                 "sso_account_id = 111122223333\n"
                                 "sso_role_name = AppMeshAdmin\n"
                                 "services = local\n"
                                 "[services local]\n"
                                 "sso =\n"
                                 "  endpoint_url = http://localhost:9999\n";
    struct fake f = {200, NULL, ROLE_RSP, APPMESH_OK, 0, "", ""};
    struct got g;
    CHECK(scenario(config, START, "2026-11-25T20:00:00Z", &f, NULL, &g) == 0, "ran");
    CHECK_OK(g.st, &g.err);
    CHECK_STR_EQ(f.url, "GET http://localhost:9999/federation/credentials"
                        "?role_name=AppMeshAdmin&account_id=111122223333");
    return 0;
}

/* The chain fails with CREDENTIALS and exactly this message, having sent `sent` requests. */
static int check_sso_fails(const char *config,
                           const char *token_key,
                           const char *expires_at,
                           struct fake *f,
                           int sent,
                           const char *message)
{
    struct got g;
    CHECK(scenario(config, token_key, expires_at, f, NULL, &g) == 0, "ran");
    CHECK_STATUS(g.st, APPMESH_ERR_CREDENTIALS, &g.err);
    CHECK_INT_EQ(f->sent, sent);
    if (strchr(message, '%') != NULL) {
        /* The message names the scratch home: compare the part after it. */
        const char *tail = strrchr(message, '%') + 1;
        size_t n = strlen(tail);
        size_t m = strlen(g.err.message);
        CHECK(m >= n && strcmp(g.err.message + m - n, tail) == 0, g.err.message);
        CHECK(strncmp(g.err.message, message, (size_t)(strchr(message, '%') - message)) == 0,
              g.err.message);
    } else {
        CHECK_STR_EQ(g.err.message, message);
    }
    return 0;
}

static int says_run_aws_sso_login_when_there_is_no_token(void)
{
    struct fake f = {200, NULL, ROLE_RSP, APPMESH_OK, 0, "", ""};
    return check_sso_fails(session_config, NULL, NULL, &f, 0,
                           "profile 'dev' uses SSO, but there is no SSO token (%"
                           ".json does not exist): run aws sso login --sso-session my-sso (or "
                           "--profile dev)");
}

static int says_run_aws_sso_login_when_the_token_expired(void)
{
    struct fake f = {200, NULL, ROLE_RSP, APPMESH_OK, 0, "", ""};
    return check_sso_fails(legacy_config, START, "2026-11-25T12:29:59Z", &f, 0,
                           "the SSO token of profile 'dev' expired at 2026-11-25T12:29:59Z: run "
                           "aws sso login --profile dev");
}

static int says_run_aws_sso_login_when_the_portal_refuses_the_token(void)
{
    struct fake f = {401,
                     "x-amzn-ErrorType: UnauthorizedException\r\n",
                     "{\"message\":\"Session token not found or invalid\"}",
                     APPMESH_OK,
                     0,
                     "",
                     ""};
    return check_sso_fails(session_config, "my-sso", "2026-11-25T20:00:00Z", &f, 1,
                           "SSO refused the token of profile 'dev' (HTTP 401 "
                           "UnauthorizedException): run aws sso login --sso-session my-sso (or "
                           "--profile dev)");
}

static int reports_other_portal_errors(void)
{
    struct fake f = {404,
                     "x-amzn-ErrorType: ResourceNotFoundException\r\n",
                     "{\"message\":\"No access\"}",
                     APPMESH_OK,
                     0,
                     "",
                     ""};
    return check_sso_fails(session_config, "my-sso", "2026-11-25T20:00:00Z", &f, 1,
                           "SSO GetRoleCredentials for role AppMeshAdmin in account 111122223333 "
                           "(profile 'dev') failed: HTTP 404 ResourceNotFoundException: No "
                           "access");
}

static int reports_a_transport_failure(void)
{
    struct fake f = {0, NULL, NULL, APPMESH_ERR_TRANSPORT, 0, "", ""};
    return check_sso_fails(session_config, "my-sso", "2026-11-25T20:00:00Z", &f, 1,
                           "SSO GetRoleCredentials for profile 'dev' at "
                           "https://portal.sso.us-west-2.amazonaws.com/federation/credentials?"
                           "role_name=AppMeshAdmin&account_id=111122223333 failed: connection "
                           "refused");
}

static int refuses_a_response_that_is_not_role_credentials(void)
{
    static const char *const bodies[] = {
        "<html>gateway</html>",
        "{\"roleCredentials\":{\"accessKeyId\":\"A\"}}",
        "{\"roleCredentials\":{\"accessKeyId\":\"A\",\"secretAccessKey\":\"" SECRET
        "\",\"expiration\":\"soon\"}}",
    };
    size_t i = 0;
    for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        struct fake f = {200, NULL, bodies[i], APPMESH_OK, 0, "", ""};
        if (check_sso_fails(session_config, "my-sso", "2026-11-25T20:00:00Z", &f, 1,
                            "SSO GetRoleCredentials for profile 'dev' answered HTTP 200 with a "
                            "body that is not roleCredentials JSON") != 0) {
            return 1;
        }
    }
    return 0;
}

static int refuses_a_nul_in_role_credentials(void)
{
    struct fake f = {200,
                     NULL,
                     "{\"roleCredentials\":{\"accessKeyId\":\"A\",\"secretAccessKey\":\"" SECRET
                     "\",\"sessionToken\":\"tok\\u0000garbage\",\"expiration\":1795609800000}}",
                     APPMESH_OK,
                     0,
                     "",
                     ""};
    return check_sso_fails(session_config, "my-sso", "2026-11-25T20:00:00Z", &f, 1,
                           "SSO GetRoleCredentials for profile 'dev' answered with a NUL "
                           "character (\\u0000) in \"sessionToken\"");
}

static int refuses_a_garbled_token_cache(void)
{
    struct fake f = {200, NULL, ROLE_RSP, APPMESH_OK, 0, "", ""};
    return check_sso_fails(legacy_config, START, "next tuesday", &f, 0,
                           "the SSO token cache %"
                           ".json has an expiresAt that is not an ISO 8601 time: run aws sso "
                           "login --profile dev");
}

static int refuses_an_incomplete_sso_profile(void)
{
    static const char config[] = "[profile dev]\nsso_start_url = " START "\nsso_region = x\n";
    struct fake f = {200, NULL, ROLE_RSP, APPMESH_OK, 0, "", ""};
    return check_sso_fails(config, START, "2026-11-25T20:00:00Z", &f, 0,
                           "profile 'dev' is configured for SSO but lacks sso_account_id, "
                           "sso_role_name (in the profile of %/.aws/config)");
}

static int refuses_a_missing_sso_session_section(void)
{
    static const char config[] = "[profile dev]\nsso_session = nowhere\nsso_account_id = 1\n"
                                 "sso_role_name = r\n";
    struct fake f = {200, NULL, ROLE_RSP, APPMESH_OK, 0, "", ""};
    return check_sso_fails(config, "nowhere", "2026-11-25T20:00:00Z", &f, 0,
                           "profile 'dev' uses sso_session 'nowhere', but %"
                           "/.aws/config has no [sso-session nowhere]");
}

static int refuses_a_profile_that_contradicts_its_sso_session(void)
{
    static const char config[] = "[profile dev]\nsso_session = s\nsso_account_id = 1\n"
                                 "sso_role_name = r\nsso_region = eu-west-1\n"
                                 "[sso-session s]\nsso_start_url = " START "\n"
                                 "sso_region = us-west-2\n";
    struct fake f = {200, NULL, ROLE_RSP, APPMESH_OK, 0, "", ""};
    return check_sso_fails(config, "s", "2026-11-25T20:00:00Z", &f, 0,
                           "profile 'dev' sets sso_region differently from its [sso-session s] "
                           "in %/.aws/config");
}

static int skips_a_profile_without_sso(void)
{
    static const char config[] = "[profile dev]\naws_access_key_id = AKIDCONFIG\n"
                                 "aws_secret_access_key = " SECRET "\n";
    struct fake f = {200, NULL, ROLE_RSP, APPMESH_OK, 0, "", ""};
    struct got g;
    CHECK(scenario(config, NULL, NULL, &f, NULL, &g) == 0, "ran");
    CHECK_OK(g.st, &g.err);
    CHECK_STR_EQ(g.source, "config-file");
    CHECK_INT_EQ(f.sent, 0);
    return 0;
}

static int config_lookups_read_sso_session_sections(void)
{
    struct am_config *cfg = NULL;
    struct appmesh_error err = {0};
    CHECK_OK(am_config_parse(&test_allocator, session_config, strlen(session_config), NULL, 0, &cfg,
                             &err),
             &err);
    CHECK(am_config_has_sso_session(cfg, "my-sso"), "section found");
    CHECK(!am_config_has_sso_session(cfg, "dev"), "a profile is not an sso-session");
    CHECK_STR_EQ(am_config_sso_session_get(cfg, "my-sso", "sso_region"), "us-west-2");
    CHECK_STR_EQ(am_config_sso_session_get(cfg, "my-sso", "sso_start_url"), START);
    CHECK(am_config_sso_session_get(cfg, "my-sso", "region") == NULL, "absent key");
    CHECK(am_config_sso_session_get(cfg, "other", "sso_region") == NULL, "absent section");
    CHECK(!am_config_has_profile(cfg, AM_CONFIG_FILE_CONFIG, "my-sso"), "not a profile");
    am_config_destroy(cfg);
    return 0;
}

static const struct test_case cases[] = {
    {"sha1_hex_matches_the_fips_180_vectors", sha1_hex_matches_the_fips_180_vectors},
    {"gets_role_credentials_for_an_sso_session_profile",
     gets_role_credentials_for_an_sso_session_profile},
    {"keys_the_legacy_token_cache_by_the_start_url", keys_the_legacy_token_cache_by_the_start_url},
    {"uses_the_configured_sso_endpoint", uses_the_configured_sso_endpoint},
    {"uses_the_services_section_for_sso", uses_the_services_section_for_sso},
    {"says_run_aws_sso_login_when_there_is_no_token",
     says_run_aws_sso_login_when_there_is_no_token},
    {"says_run_aws_sso_login_when_the_token_expired",
     says_run_aws_sso_login_when_the_token_expired},
    {"says_run_aws_sso_login_when_the_portal_refuses_the_token",
     says_run_aws_sso_login_when_the_portal_refuses_the_token},
    {"reports_other_portal_errors", reports_other_portal_errors},
    {"reports_a_transport_failure", reports_a_transport_failure},
    {"refuses_a_response_that_is_not_role_credentials",
     refuses_a_response_that_is_not_role_credentials},
    {"refuses_a_nul_in_role_credentials", refuses_a_nul_in_role_credentials},
    {"refuses_a_garbled_token_cache", refuses_a_garbled_token_cache},
    {"refuses_an_incomplete_sso_profile", refuses_an_incomplete_sso_profile},
    {"refuses_a_missing_sso_session_section", refuses_a_missing_sso_session_section},
    {"refuses_a_profile_that_contradicts_its_sso_session",
     refuses_a_profile_that_contradicts_its_sso_session},
    {"skips_a_profile_without_sso", skips_a_profile_without_sso},
    {"config_lookups_read_sso_session_sections", config_lookups_read_sso_session_sections},
};

TEST_MAIN("cred_sso", cases)
