/* SPDX-License-Identifier: MIT */
/* The SSO provider: the cached sign-in token of `aws sso login`, traded for role credentials. */
#include "cred_sso.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "appmesh/http.h"
#include "appmesh/transport.h"
#include "config.h"
#include "cred_util.h"
#include "crypto.h"
#include "endpoint.h"
#include "env.h"
#include "internal.h"
#include "json.h"
#include "json_text.h"
#include "request.h"
#include "rest.h"
#include "settings.h"
#include "timefmt.h"
#include "warn.h"

#define MAX_TOKEN_FILE   (64 * 1024)
#define MAX_RESPONSE     (64 * 1024)
#define BEARER_HEADER    "x-amz-sso_bearer_token"
#define CONFIG_SPLIT_MAX 128

/* The members of the token cache and of GetRoleCredentials' answer an error may name (the ones
 * read): see am_json_text_has_nul. */
static const char *const cache_members[] = {"accessToken", "expiresAt", NULL};
static const char *const role_members[] = {"roleCredentials", "accessKeyId", "secretAccessKey",
                                           "sessionToken",    "expiration",  NULL};

/* What the profile (and its sso-session) say. Borrowed from the config. */
struct sso_config {
    const char *session; /* sso_session, or NULL for a legacy profile */
    const char *start_url;
    const char *region;
    const char *account_id;
    const char *role_name;
};

/* "run aws sso login ..." for this profile */
static void login_hint(char *buf, size_t size, const char *profile, const struct sso_config *c)
{
    if (c->session != NULL) {
        snprintf(buf, size, "run aws sso login --sso-session %s (or --profile %s)", c->session,
                 profile);
    } else {
        snprintf(buf, size, "run aws sso login --profile %s", profile);
    }
}

static bool is_region_name(const char *s)
{
    size_t i = 0;
    for (i = 0; s[i] != '\0'; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') || i >= 64) {
            return false;
        }
    }
    return i > 0;
}

/* A profile key; when the profile names an sso-session, that section's value must agree. */
static enum appmesh_status session_value(const struct am_cred_ctx *ctx,
                                         const char *key,
                                         const char **out,
                                         struct appmesh_error *err)
{
    const char *in_profile = am_config_get(ctx->config, ctx->profile, key, NULL);
    const char *in_session = NULL;
    const char *session = am_config_get(ctx->config, ctx->profile, "sso_session", NULL);

    *out = in_profile;
    if (session == NULL) {
        return APPMESH_OK;
    }
    in_session = am_config_sso_session_get(ctx->config, session, key);
    if (in_profile != NULL && in_session != NULL && strcmp(in_profile, in_session) != 0) {
        return am_fail(err, APPMESH_ERR_CREDENTIALS,
                       "profile '%s' sets %s differently from its [sso-session %s] in %s",
                       ctx->profile, key, session,
                       am_config_path(ctx->config, AM_CONFIG_FILE_CONFIG));
    }
    if (in_session != NULL) {
        *out = in_session;
    }
    return APPMESH_OK;
}

/* Read the profile's SSO settings; *configured false when it has none. */
static enum appmesh_status load_sso_config(const struct am_cred_ctx *ctx,
                                           struct sso_config *c,
                                           bool *configured,
                                           struct appmesh_error *err)
{
    const char *path = am_config_path(ctx->config, AM_CONFIG_FILE_CONFIG);
    enum appmesh_status st = APPMESH_OK;
    char missing[CONFIG_SPLIT_MAX] = "";
    size_t n = 0;

    memset(c, 0, sizeof(*c));
    c->session = am_config_get(ctx->config, ctx->profile, "sso_session", NULL);
    c->account_id = am_config_get(ctx->config, ctx->profile, "sso_account_id", NULL);
    c->role_name = am_config_get(ctx->config, ctx->profile, "sso_role_name", NULL);
    *configured = c->session != NULL || c->account_id != NULL || c->role_name != NULL ||
                  am_config_get(ctx->config, ctx->profile, "sso_start_url", NULL) != NULL;
    if (!*configured) {
        return APPMESH_OK;
    }
    if (c->session != NULL && !am_config_has_sso_session(ctx->config, c->session)) {
        return am_fail(err, APPMESH_ERR_CREDENTIALS,
                       "profile '%s' uses sso_session '%s', but %s has no [sso-session %s]",
                       ctx->profile, c->session, path, c->session);
    }
    st = session_value(ctx, "sso_start_url", &c->start_url, err);
    if (st == APPMESH_OK) {
        st = session_value(ctx, "sso_region", &c->region, err);
    }
    if (st != APPMESH_OK) {
        return st;
    }
    {
        const char *names[4] = {"sso_start_url", "sso_region", "sso_account_id", "sso_role_name"};
        const char *values[4] = {c->start_url, c->region, c->account_id, c->role_name};
        size_t i = 0;
        for (i = 0; i < 4; i++) {
            if (values[i] == NULL) {
                n += (size_t)snprintf(missing + n, sizeof(missing) - n, "%s%s", n > 0 ? ", " : "",
                                      names[i]);
            }
        }
    }
    if (n > 0) {
        return am_fail(err, APPMESH_ERR_CREDENTIALS,
                       "profile '%s' is configured for SSO but lacks %s (in the profile%s of %s)",
                       ctx->profile, missing, c->session != NULL ? " or its sso-session" : "",
                       path);
    }
    if (!is_region_name(c->region)) {
        return am_fail(err, APPMESH_ERR_CREDENTIALS,
                       "sso_region of profile '%s' is not a region name", ctx->profile);
    }
    return APPMESH_OK;
}

/* ==== the token cache ==== */

static void describe_errno(int e, char *buf, size_t size)
{
    if (strerror_r(e, buf, size) != 0) {
        snprintf(buf, size, "error %d", e);
    }
}

/* ~/.aws/sso/cache/<sha1 of the session name, or of the start URL>.json */
static enum appmesh_status cache_path(const struct am_cred_ctx *ctx,
                                      const struct sso_config *c,
                                      struct appmesh_buf *path,
                                      struct appmesh_error *err)
{
    const char *home = am_env_get(ctx->env, "HOME");
    const char *key = c->session != NULL ? c->session : c->start_url;
    char hex[41];
    enum appmesh_status st = APPMESH_OK;
    size_t hl = 0;

    if (home == NULL) {
        return am_fail(err, APPMESH_ERR_CREDENTIALS,
                       "profile '%s' uses SSO, but HOME is not set: cannot find ~/.aws/sso/cache",
                       ctx->profile);
    }
    hl = strlen(home);
    while (hl > 1 && home[hl - 1] == '/') {
        hl--;
    }
    st = am_sha1_hex(key, strlen(key), hex, err);
    if (st == APPMESH_OK) {
        st = am_buf_append(path, home, hl, err);
    }
    if (st == APPMESH_OK) {
        st = am_buf_printf(path, err, "/.aws/sso/cache/%s.json", hex);
    }
    return st;
}

/* Read a small file into buf (wiped by the caller); *missing when it does not exist. */
static enum appmesh_status read_small_file(const struct am_cred_ctx *ctx,
                                           const char *path,
                                           struct appmesh_buf *buf,
                                           bool *missing,
                                           struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_OK;
    struct stat sb;
    char why[128];
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    *missing = false;
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR) {
            *missing = true;
            return APPMESH_OK;
        }
        describe_errno(errno, why, sizeof(why));
        return am_fail(err, APPMESH_ERR_CREDENTIALS, "cannot read the SSO token cache %s: %s", path,
                       why);
    }
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        st = am_fail(err, APPMESH_ERR_CREDENTIALS,
                     "cannot read the SSO token cache %s: not a regular file", path);
        goto cleanup;
    }
    if (sb.st_size > MAX_TOKEN_FILE) {
        st = am_fail(err, APPMESH_ERR_CREDENTIALS,
                     "cannot read the SSO token cache %s: larger than 64 KiB", path);
        goto cleanup;
    }
    am_config_warn_if_readable(ctx->env, path, (unsigned)(sb.st_mode & 07777));
    st = am_buf_reserve(buf, (size_t)sb.st_size + 1, err);
    while (st == APPMESH_OK) {
        ssize_t got = read(fd, buf->ptr + buf->len, buf->cap - buf->len - 1);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got < 0) {
            describe_errno(errno, why, sizeof(why));
            st = am_fail(err, APPMESH_ERR_CREDENTIALS, "cannot read the SSO token cache %s: %s",
                         path, why);
            break;
        }
        if (got == 0) {
            break;
        }
        buf->len += (size_t)got;
        buf->ptr[buf->len] = '\0';
        if (buf->len + 1 >= buf->cap) {
            if (buf->len >= MAX_TOKEN_FILE) {
                st = am_fail(err, APPMESH_ERR_CREDENTIALS,
                             "cannot read the SSO token cache %s: larger than 64 KiB", path);
                break;
            }
            st = am_buf_reserve(buf, 4096, err);
        }
    }

cleanup:
    close(fd);
    return st;
}

/* expiresAt as the CLI writes it: ISO 8601, "Z" or (older CLIs) "UTC" at the end. */
static bool parse_expires_at(const char *s, double *out)
{
    char copy[64];
    size_t n = strlen(s);
    if (n >= sizeof(copy) - 1) {
        return false;
    }
    memcpy(copy, s, n + 1);
    if (n > 3 && strcmp(copy + n - 3, "UTC") == 0) {
        copy[n - 3] = 'Z';
        copy[n - 2] = '\0';
    }
    return am_time_parse_iso8601(copy, strlen(copy), out);
}

enum appmesh_status am_cred_sso_token_parse(const struct am_cred_ctx *ctx,
                                            const char *session,
                                            const char *path,
                                            const char *text,
                                            size_t len,
                                            char **token,
                                            struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_OK;
    struct sso_config c;
    cJSON *root = NULL;
    const cJSON *access = NULL;
    const cJSON *expires_at = NULL;
    double expires = 0;
    char hint[256];
    char field[64];

    *token = NULL;
    memset(&c, 0, sizeof(c));
    c.session = session;
    login_hint(hint, sizeof(hint), ctx->profile, &c);
    root = cJSON_ParseWithLength(text, len);
    access = cJSON_GetObjectItemCaseSensitive(root, "accessToken");
    expires_at = cJSON_GetObjectItemCaseSensitive(root, "expiresAt");
    if (root == NULL || !cJSON_IsObject(root) || !cJSON_IsString(access) ||
        access->valuestring[0] == '\0' || !cJSON_IsString(expires_at)) {
        st = am_fail(err, APPMESH_ERR_CREDENTIALS,
                     "the SSO token cache %s is not JSON with accessToken and expiresAt: %s", path,
                     hint);
        goto cleanup;
    }
    if (am_json_text_has_nul(text, len, cache_members, field, sizeof(field))) {
        st = am_fail(err, APPMESH_ERR_CREDENTIALS,
                     "the SSO token cache %s has a NUL character (\\u0000) in \"%s\": %s", path,
                     field, hint);
        goto cleanup;
    }
    if (!parse_expires_at(expires_at->valuestring, &expires)) {
        st = am_fail(err, APPMESH_ERR_CREDENTIALS,
                     "the SSO token cache %s has an expiresAt that is not an ISO 8601 time: %s",
                     path, hint);
        goto cleanup;
    }
    if (ctx->now >= expires) {
        st =
            am_fail(err, APPMESH_ERR_CREDENTIALS, "the SSO token of profile '%s' expired at %s: %s",
                    ctx->profile, expires_at->valuestring, hint);
        goto cleanup;
    }
    *token = am_strdup(ctx->alloc, access->valuestring);
    if (*token == NULL) {
        st = am_fail(err, APPMESH_ERR_NOMEM, "out of memory");
    }

cleanup:
    am_json_delete_wiped(root);
    return st;
}

/* The cached access token (an owned secret string in *token). */
static enum appmesh_status load_token(const struct am_cred_ctx *ctx,
                                      const struct sso_config *c,
                                      char **token,
                                      struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_OK;
    struct appmesh_buf path;
    struct appmesh_buf text;
    bool missing = false;
    char hint[256];

    *token = NULL;
    login_hint(hint, sizeof(hint), ctx->profile, c);
    am_buf_init(&path, ctx->alloc, 0);
    am_buf_init(&text, ctx->alloc, 0);
    st = cache_path(ctx, c, &path, err);
    if (st == APPMESH_OK) {
        st = read_small_file(ctx, path.ptr, &text, &missing, err);
    }
    if (st != APPMESH_OK) {
        goto cleanup;
    }
    if (missing) {
        st = am_fail(err, APPMESH_ERR_CREDENTIALS,
                     "profile '%s' uses SSO, but there is no SSO token (%s does not exist): %s",
                     ctx->profile, path.ptr, hint);
        goto cleanup;
    }
    st = am_cred_sso_token_parse(ctx, c->session, path.ptr, am_buf_cstr(&text), text.len, token,
                                 err);

cleanup:
    appmesh_buf_cleanup(&text);
    appmesh_buf_cleanup(&path);
    return st;
}

/* ==== GetRoleCredentials ==== */

/* The portal's base URL: configured (as the SDKs configure endpoints for service SSO) or
 * https://portal.sso.{region}.amazonaws.com[.cn]. */
static enum appmesh_status portal_url(const struct am_cred_ctx *ctx,
                                      const struct sso_config *c,
                                      struct appmesh_buf *url,
                                      struct appmesh_error *err)
{
    static const char *const service_keys[] = {"sso", NULL};
    const char *v = NULL;
    char where[160];
    enum appmesh_status st = APPMESH_OK;
    struct am_url parsed;
    struct appmesh_error perr = {0};
    size_t n = 0;

    st = am_config_endpoint_url(ctx->env, ctx->config, ctx->profile, "SSO", service_keys, &v, where,
                                sizeof(where), err);
    if (st != APPMESH_OK) {
        return st;
    }
    if (v == NULL) {
        const char *suffix =
            strncmp(c->region, "cn-", 3) == 0 ? ".amazonaws.com.cn" : ".amazonaws.com";
        return am_buf_printf(url, err, "https://portal.sso.%s%s", c->region, suffix);
    }
    if (am_url_parse(v, &parsed, &perr) != APPMESH_OK) {
        return am_fail(err, APPMESH_ERR_CREDENTIALS, "the SSO endpoint: %s (from %s)", perr.message,
                       where);
    }
    n = strlen(v);
    while (n > 0 && v[n - 1] == '/') {
        n--;
    }
    return am_buf_append(url, v, n, err);
}

/* Read {"roleCredentials": {accessKeyId, secretAccessKey, sessionToken, expiration (ms)}}. */
enum appmesh_status am_cred_sso_role_parse(const struct am_cred_ctx *ctx,
                                           const struct appmesh_http_response *resp,
                                           struct am_cred_set *out,
                                           struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_ERR_CREDENTIALS;
    cJSON *root = cJSON_ParseWithLength(am_buf_cstr(&resp->body), resp->body.len);
    const cJSON *rc = cJSON_GetObjectItemCaseSensitive(root, "roleCredentials");
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(rc, "accessKeyId");
    const cJSON *secret = cJSON_GetObjectItemCaseSensitive(rc, "secretAccessKey");
    const cJSON *token = cJSON_GetObjectItemCaseSensitive(rc, "sessionToken");
    const cJSON *expiration = cJSON_GetObjectItemCaseSensitive(rc, "expiration");
    char field[64];

    if (!cJSON_IsObject(rc) || !cJSON_IsString(id) || !cJSON_IsString(secret) ||
        id->valuestring[0] == '\0' || secret->valuestring[0] == '\0' ||
        (token != NULL && !cJSON_IsNull(token) && !cJSON_IsString(token)) ||
        (expiration != NULL && !cJSON_IsNull(expiration) &&
         (!cJSON_IsNumber(expiration) || !isfinite(expiration->valuedouble) ||
          expiration->valuedouble < 0))) {
        st = am_fail(err, APPMESH_ERR_CREDENTIALS,
                     "SSO GetRoleCredentials for profile '%s' answered HTTP %d with a body that "
                     "is not roleCredentials JSON",
                     ctx->profile, resp->status);
        goto cleanup;
    }
    if (am_json_text_has_nul(am_buf_cstr(&resp->body), resp->body.len, role_members, field,
                             sizeof(field))) {
        st = am_fail(err, APPMESH_ERR_CREDENTIALS,
                     "SSO GetRoleCredentials for profile '%s' answered with a NUL character "
                     "(\\u0000) in \"%s\"",
                     ctx->profile, field);
        goto cleanup;
    }
    st = am_cred_set_copy(
        out, id->valuestring, secret->valuestring,
        cJSON_IsString(token) && token->valuestring[0] != '\0' ? token->valuestring : NULL,
        cJSON_IsNumber(expiration) ? expiration->valuedouble / 1000.0 : 0, err);

cleanup:
    am_json_delete_wiped(root);
    return st;
}

/* An error answer: its code and message (the portal's are rest-json, like App Mesh's). */
static enum appmesh_status role_credentials_error(const struct am_cred_ctx *ctx,
                                                  const struct sso_config *c,
                                                  const struct appmesh_http_response *resp,
                                                  struct appmesh_error *err)
{
    struct appmesh_error perr = {0};
    char hint[256];

    am_rest_parse_error(resp, &perr);
    login_hint(hint, sizeof(hint), ctx->profile, c);
    if (resp->status == 401 || resp->status == 403) {
        return am_fail(err, APPMESH_ERR_CREDENTIALS,
                       "SSO refused the token of profile '%s' (HTTP %d %s): %s", ctx->profile,
                       resp->status, perr.aws_code, hint);
    }
    return am_fail(err, APPMESH_ERR_CREDENTIALS,
                   "SSO GetRoleCredentials for role %s in account %s (profile '%s') failed: HTTP "
                   "%d %s: %s",
                   c->role_name, c->account_id, ctx->profile, resp->status, perr.aws_code,
                   perr.message);
}

static enum appmesh_status get_role_credentials(const struct am_cred_ctx *ctx,
                                                const struct sso_config *c,
                                                const char *token,
                                                struct am_cred_set *out,
                                                struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_OK;
    struct appmesh_transport *t = NULL;
    struct appmesh_buf url;
    struct appmesh_buf query;
    struct appmesh_http_request req = {0};
    struct appmesh_http_response resp = {0};
    struct appmesh_header headers[2];
    struct appmesh_error terr = {0};

    am_buf_init(&url, ctx->alloc, 0);
    am_buf_init(&query, ctx->alloc, 0);
    am_buf_init(&resp.headers, ctx->alloc, MAX_RESPONSE);
    am_buf_init(&resp.body, ctx->alloc, MAX_RESPONSE);
    st = portal_url(ctx, c, &url, err);
    if (st == APPMESH_OK) {
        st = am_rest_append_query(&query, "role_name", c->role_name, err);
    }
    if (st == APPMESH_OK) {
        st = am_rest_append_query(&query, "account_id", c->account_id, err);
    }
    if (st == APPMESH_OK) {
        st = am_buf_printf(&url, err, "/federation/credentials?%s", am_buf_cstr(&query));
    }
    if (st == APPMESH_OK) {
        st = am_cred_transport(ctx, AM_CRED_NET_SERVICE, &t, err);
    }
    if (st != APPMESH_OK) {
        goto cleanup;
    }
    am_request_header(&headers[0], BEARER_HEADER, token, strlen(token));
    am_request_header(&headers[1], "Accept", "application/json", 16);
    req.method = "GET";
    req.url = url.ptr;
    req.headers = headers;
    req.header_count = 2;
    req.body = "";
    st = t->vtable->send(t->impl, &req, &resp, &terr);
    if (st == APPMESH_ERR_NOMEM) {
        st = am_fail(err, st, "out of memory");
        goto cleanup;
    }
    if (st != APPMESH_OK) {
        st = am_fail(err, APPMESH_ERR_CREDENTIALS,
                     "SSO GetRoleCredentials for profile '%s' at %s failed: %s", ctx->profile,
                     url.ptr, terr.message);
        goto cleanup;
    }
    if (resp.status < 200 || resp.status >= 300) {
        st = role_credentials_error(ctx, c, &resp, err);
        goto cleanup;
    }
    st = am_cred_sso_role_parse(ctx, &resp, out, err);

cleanup:
    am_zeroize(headers, sizeof(headers));
    appmesh_http_response_cleanup(&resp);
    appmesh_buf_cleanup(&query);
    appmesh_buf_cleanup(&url);
    return st;
}

enum appmesh_status am_cred_sso_load(const struct am_cred_ctx *ctx,
                                     struct am_cred_set *out,
                                     bool *ok,
                                     struct appmesh_buf *tried,
                                     struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_OK;
    struct sso_config c;
    bool configured = false;
    char *token = NULL;

    *ok = false;
    st = load_sso_config(ctx, &c, &configured, err);
    if (st != APPMESH_OK) {
        return st;
    }
    if (!configured) {
        return am_buf_append_str(tried, "SSO", err);
    }
    st = load_token(ctx, &c, &token, err);
    if (st == APPMESH_OK) {
        st = get_role_credentials(ctx, &c, token, out, err);
    }
    am_free_secret_str(ctx->alloc, token);
    if (st != APPMESH_OK) {
        return st;
    }
    *ok = true;
    return am_buf_printf(tried, err, "SSO of profile '%s'", ctx->profile);
}
