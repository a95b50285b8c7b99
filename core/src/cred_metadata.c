/* SPDX-License-Identifier: MIT */
/* Credentials from the local metadata endpoints: the ECS/EKS container endpoint and IMDSv2. */
#include "cred_metadata.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "appmesh/http.h"
#include "appmesh/transport.h"
#include "config.h"
#include "cred_util.h"
#include "endpoint.h"
#include "env.h"
#include "internal.h"
#include "json.h"
#include "json_text.h"
#include "request.h"
#include "timefmt.h"

#define MAX_BODY       (64 * 1024)
#define MAX_TOKEN_FILE (16 * 1024)
#define ATTEMPTS       2 /* one retry, as the brief of the metadata providers says */
#define SHOW_MAX       96
/* IMDS credentials that expire sooner are used this long (botocore: 12 to 20 minutes); more
 * than the chain's 15-minute refresh window, so IMDS is not asked on every call meanwhile. */
#define IMDS_EXTENSION (20 * 60.0)

#define CONTAINER_HOST "169.254.170.2"
#define IMDS_IPV4      "http://169.254.169.254"
#define IMDS_IPV6      "http://[fd00:ec2::254]"

static bool is_true(const char *v)
{
    return v != NULL && am_strcasecmp_n(v, strlen(v), "true", 4) == 0;
}

/* ---- reading the credentials JSON (container and IMDS answer the same shape) ---- */

static const char *json_string(const cJSON *root, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
    return cJSON_IsString(v) && v->valuestring != NULL && v->valuestring[0] != '\0' ? v->valuestring
                                                                                    : NULL;
}

/*
 * The credentials in a metadata JSON body: AccessKeyId, SecretAccessKey, Token, Expiration.
 * On failure *why says what is wrong (never a secret) and nothing is in out.
 */
enum appmesh_status am_cred_metadata_parse(const struct appmesh_buf *body,
                                           struct am_cred_set *out,
                                           char *why,
                                           size_t whysize,
                                           struct appmesh_error *err)
{
    static const char *const fields[] = {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"};
    enum appmesh_status st = APPMESH_OK;
    cJSON *root = NULL;
    const char *v[4] = {NULL, NULL, NULL, NULL};
    double expires = 0;
    size_t i = 0;
    char field[64];

    why[0] = '\0';
    if (body->len > 0) {
        root = cJSON_ParseWithLength(body->ptr, body->len);
    }
    if (!cJSON_IsObject(root)) {
        snprintf(why, whysize, "the response is not a JSON object (%zu bytes)", body->len);
        goto cleanup;
    }
    /* the members read, and those a metadata service's error answer holds */
    static const char *const named[] = {"AccessKeyId", "SecretAccessKey", "Token", "Expiration",
                                        "Code",        "Message",         NULL};
    if (am_json_text_has_nul(body->ptr, body->len, named, field, sizeof(field))) {
        snprintf(why, whysize, "the response has a NUL character (\\u0000) in \"%s\"", field);
        goto cleanup;
    }
    for (i = 0; i < 4; i++) {
        v[i] = json_string(root, fields[i]);
        if (v[i] == NULL) {
            const char *code = json_string(root, "Code");
            snprintf(why, whysize, "no %s%s%.*s%s", fields[i], code != NULL ? " (Code " : "",
                     code != NULL ? 40 : 0, code != NULL ? code : "", code != NULL ? ")" : "");
            goto cleanup;
        }
    }
    if (!am_time_parse_iso8601(v[3], strlen(v[3]), &expires)) {
        snprintf(why, whysize, "Expiration '%.40s' is not an ISO 8601 time", v[3]);
        goto cleanup;
    }
    st = am_cred_set_copy(out, v[0], v[1], v[2], expires, err);

cleanup:
    am_json_delete_wiped(root);
    return st;
}

/* ---- container credentials (ECS, EKS Pod Identity) ---- */

/* The hosts an http:// full URI may name (botocore, the SDKs): loopback and the task/pod
 * endpoints. https:// may name any host. */
static bool container_host_allowed(const struct appmesh_slice *host)
{
    char name[64];
    unsigned char a4[4];
    unsigned char a6[16];
    unsigned char want6[16];
    if (host->len == 0 || host->len >= sizeof(name)) {
        return false;
    }
    memcpy(name, host->ptr, host->len);
    name[host->len] = '\0';
    if (am_strcasecmp_n(name, host->len, "localhost", 9) == 0) {
        return true;
    }
    if (inet_pton(AF_INET, name, a4) == 1) {
        return a4[0] == 127 ||
               (a4[0] == 169 && a4[1] == 254 && a4[2] == 170 && (a4[3] == 2 || a4[3] == 23));
    }
    if (inet_pton(AF_INET6, name, a6) == 1) {
        if (inet_pton(AF_INET6, "::1", want6) == 1 && memcmp(a6, want6, 16) == 0) {
            return true;
        }
        return inet_pton(AF_INET6, "fd00:ec2::23", want6) == 1 && memcmp(a6, want6, 16) == 0;
    }
    return false;
}

/* The Authorization value: the token file (re-read on every refresh) wins over the variable. */
static enum appmesh_status container_token(const struct am_cred_ctx *ctx,
                                           struct appmesh_buf *token,
                                           bool *have,
                                           struct appmesh_error *err)
{
    const char *file = am_env_get(ctx->env, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    const char *value = am_env_get(ctx->env, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
    const char *where = "AWS_CONTAINER_AUTHORIZATION_TOKEN";
    enum appmesh_status st = APPMESH_OK;
    char why[96];

    *have = false;
    if (file != NULL) {
        st = am_cred_read_file(file, MAX_TOKEN_FILE, token, why, sizeof(why), err);
        if (st != APPMESH_OK) {
            return st;
        }
        if (why[0] != '\0') {
            return am_fail(err, APPMESH_ERR_CREDENTIALS,
                           "container-role: the token file %s (AWS_CONTAINER_AUTHORIZATION_"
                           "TOKEN_FILE) %s",
                           file, why);
        }
        where = file;
    } else if (value != NULL) {
        st = am_buf_append_str(token, value, err);
        if (st != APPMESH_OK) {
            return st;
        }
    } else {
        return APPMESH_OK;
    }
    if (token->len == 0) {
        return am_fail(err, APPMESH_ERR_CREDENTIALS, "container-role: the token in %s is empty",
                       where);
    }
    if (memchr(token->ptr, '\r', token->len) != NULL ||
        memchr(token->ptr, '\n', token->len) != NULL) {
        return am_fail(err, APPMESH_ERR_CREDENTIALS,
                       "container-role: the token in %s has a line break (CR or LF), which "
                       "cannot go in an Authorization header",
                       where);
    }
    *have = true;
    return APPMESH_OK;
}

/* The endpoint URL into url, checked: the relative URI goes to 169.254.170.2. */
static enum appmesh_status container_url(const struct am_cred_ctx *ctx,
                                         const char *relative,
                                         const char *full,
                                         struct appmesh_buf *url,
                                         struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_OK;
    enum appmesh_status parsed = APPMESH_OK;
    struct am_url u;
    struct appmesh_error perr = {0};
    char *query = NULL;
    const char *var = relative != NULL ? "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"
                                       : "AWS_CONTAINER_CREDENTIALS_FULL_URI";

    (void)ctx;
    if (relative != NULL) {
        st = am_buf_printf(url, err, "http://" CONTAINER_HOST "%s%s", relative[0] == '/' ? "" : "/",
                           relative);
    } else {
        st = am_buf_append_str(url, full, err);
    }
    if (st != APPMESH_OK) {
        return st;
    }
    /* botocore fetches the URI as given, query and all; the endpoint parser refuses a query, so
     * it checks what comes before it and the query is checked here. */
    query = url->ptr + strcspn(url->ptr, "?");
    if (*query == '?') {
        const char *q = NULL;
        for (q = query + 1; *q != '\0'; q++) {
            unsigned char c = (unsigned char)*q;
            if (c <= 0x20 || c >= 0x7f || c == '#') {
                return am_fail(err, APPMESH_ERR_CREDENTIALS,
                               "container-role: %s: the query string holds a space, a control "
                               "character, a non-ASCII character or '#'",
                               var);
            }
        }
        *query = '\0';
    }
    parsed = am_url_parse(url->ptr, &u, &perr);
    if (*query == '\0' && query < url->ptr + url->len) {
        *query = '?';
    }
    if (parsed != APPMESH_OK) {
        return am_fail(err, APPMESH_ERR_CREDENTIALS, "container-role: %s: %s", var, perr.message);
    }
    if (strcmp(u.scheme.ptr, "http") == 0 && !container_host_allowed(&u.host)) {
        return am_fail(err, APPMESH_ERR_CREDENTIALS,
                       "container-role: %s host '%.*s' is not allowed: use https, or a loopback "
                       "address, " CONTAINER_HOST ", 169.254.170.23 or fd00:ec2::23",
                       var, (int)(u.host.len > SHOW_MAX ? SHOW_MAX : u.host.len), u.host.ptr);
    }
    return APPMESH_OK;
}

enum appmesh_status am_cred_container(const struct am_cred_ctx *ctx,
                                      struct am_cred_set *out,
                                      bool *ok,
                                      struct appmesh_buf *tried,
                                      struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_ERR_INTERNAL;
    const char *relative = NULL;
    const char *full = NULL;
    struct appmesh_buf url;
    struct appmesh_buf token;
    struct appmesh_http_response resp = {0};
    struct appmesh_header h[2];
    struct appmesh_http_request req = {0};
    struct appmesh_error terr = {0};
    char why[160];
    bool have_token = false;
    int attempt = 0;

    *ok = false;
    am_buf_init(&url, ctx->alloc, 0);
    am_buf_init(&token, ctx->alloc, 0);
    if (!ctx->profile_only) {
        relative = am_env_get(ctx->env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
        full = am_env_get(ctx->env, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
    }
    if (relative == NULL && full == NULL) {
        st = am_buf_append_str(tried, "container", err);
        goto cleanup;
    }
    st = am_buf_append_str(tried, "container", err);
    if (st == APPMESH_OK) {
        st = container_url(ctx, relative, full, &url, err);
    }
    if (st == APPMESH_OK) {
        st = container_token(ctx, &token, &have_token, err);
    }
    if (st != APPMESH_OK) {
        goto cleanup;
    }
    am_request_header(&h[0], "Accept", "application/json", 16);
    if (have_token) {
        am_request_header(&h[1], "Authorization", token.ptr, token.len);
    }
    req.method = "GET";
    req.url = url.ptr;
    req.headers = h;
    req.header_count = have_token ? 2 : 1;
    for (attempt = 0; attempt < ATTEMPTS; attempt++) {
        appmesh_http_response_cleanup(&resp);
        appmesh_error_clear(&terr);
        why[0] = '\0';
        st = am_cred_http(ctx, AM_CRED_NET_METADATA, &req, &resp, &terr);
        if (st == APPMESH_ERR_NOMEM) {
            st = am_fail(err, st, "out of memory");
            goto cleanup;
        }
        if (st != APPMESH_OK) {
            snprintf(why, sizeof(why), "%.150s", terr.message);
            continue;
        }
        if (resp.status != 200) {
            snprintf(why, sizeof(why), "HTTP %d", resp.status);
            continue;
        }
        st = am_cred_metadata_parse(&resp.body, out, why, sizeof(why), err);
        if (st != APPMESH_OK) {
            goto cleanup;
        }
        if (why[0] == '\0') {
            *ok = true;
            goto cleanup;
        }
    }
    st = am_fail(err, APPMESH_ERR_CREDENTIALS, "container-role: %.*s: %s", SHOW_MAX, url.ptr, why);

cleanup:
    appmesh_http_response_cleanup(&resp);
    appmesh_buf_cleanup(&url);
    appmesh_buf_cleanup(&token);
    return st;
}

/* ---- IMDS (EC2 instance metadata), as botocore's InstanceMetadataFetcher ---- */

struct imds {
    const struct am_cred_ctx *ctx;
    struct appmesh_buf url;   /* scratch: base + path */
    struct appmesh_buf token; /* the session token; empty = IMDSv1 */
    const char *base;         /* the endpoint without a trailing '/' */
    size_t base_len;
    struct appmesh_http_response resp;
    char why[200]; /* why nothing was found (goes into tried) */
};

/* One request to base + path; *sent false (and why set) when the transport failed. */
static enum appmesh_status imds_send(struct imds *m,
                                     const char *method,
                                     const char *path,
                                     bool *sent,
                                     enum appmesh_status *tstatus,
                                     struct appmesh_error *err)
{
    struct appmesh_header h[1];
    struct appmesh_http_request req = {0};
    struct appmesh_error terr = {0};
    enum appmesh_status st = APPMESH_OK;

    *sent = false;
    am_buf_reset(&m->url);
    st = am_buf_append(&m->url, m->base, m->base_len, err);
    if (st == APPMESH_OK) {
        st = am_buf_printf(&m->url, err, "/%s", path);
    }
    if (st != APPMESH_OK) {
        return st;
    }
    req.method = method;
    req.url = m->url.ptr;
    req.headers = h;
    if (strcmp(method, "PUT") == 0) {
        am_request_header(&h[0], "X-aws-ec2-metadata-token-ttl-seconds", "21600", 5);
        req.header_count = 1;
    } else if (m->token.len > 0) {
        am_request_header(&h[0], "X-aws-ec2-metadata-token", m->token.ptr, m->token.len);
        req.header_count = 1;
    }
    appmesh_http_response_cleanup(&m->resp);
    *tstatus = am_cred_http(m->ctx, AM_CRED_NET_METADATA, &req, &m->resp, &terr);
    if (*tstatus == APPMESH_ERR_NOMEM) {
        return am_fail(err, APPMESH_ERR_NOMEM, "out of memory");
    }
    if (*tstatus != APPMESH_OK) {
        snprintf(m->why, sizeof(m->why), "%s: %s", strcmp(method, "PUT") == 0 ? "token" : "GET",
                 *tstatus == APPMESH_ERR_TIMEOUT ? "timed out" : "no answer");
        return APPMESH_OK;
    }
    *sent = true;
    return APPMESH_OK;
}

/* PUT /latest/api/token. No token (IMDSv1) after 403/404/405, a timeout or failed attempts,
 * as botocore; *bad for a 400. */
static enum appmesh_status imds_token(struct imds *m, bool *bad, struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_OK;
    enum appmesh_status tstatus = APPMESH_OK;
    bool sent = false;
    int attempt = 0;

    *bad = false;
    for (attempt = 0; attempt < ATTEMPTS; attempt++) {
        st = imds_send(m, "PUT", "latest/api/token", &sent, &tstatus, err);
        if (st != APPMESH_OK) {
            return st;
        }
        if (!sent) {
            if (tstatus == APPMESH_ERR_TIMEOUT) {
                return APPMESH_OK;
            }
            continue;
        }
        if (m->resp.status == 200) {
            return am_buf_append(&m->token, m->resp.body.ptr, m->resp.body.len, err);
        }
        if (m->resp.status == 403 || m->resp.status == 404 || m->resp.status == 405) {
            return APPMESH_OK;
        }
        if (m->resp.status == 400) {
            snprintf(m->why, sizeof(m->why), "the token request was refused (HTTP 400)");
            *bad = true;
            return APPMESH_OK;
        }
    }
    return APPMESH_OK;
}

/* GET path until a 200 with a body (and JSON when json), ATTEMPTS times; *got says whether. */
static enum appmesh_status
imds_get(struct imds *m, const char *path, bool json, bool *got, struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_OK;
    enum appmesh_status tstatus = APPMESH_OK;
    bool sent = false;
    int attempt = 0;

    *got = false;
    for (attempt = 0; attempt < ATTEMPTS; attempt++) {
        st = imds_send(m, "GET", path, &sent, &tstatus, err);
        if (st != APPMESH_OK) {
            return st;
        }
        if (!sent) {
            continue;
        }
        if (m->resp.status != 200) {
            snprintf(m->why, sizeof(m->why), "%s: HTTP %d", json ? "credentials" : "role",
                     m->resp.status);
            continue;
        }
        if (m->resp.body.len == 0) {
            snprintf(m->why, sizeof(m->why), "%s: empty response", json ? "credentials" : "role");
            continue;
        }
        if (json) {
            cJSON *doc = cJSON_ParseWithLength(m->resp.body.ptr, m->resp.body.len);
            bool valid = doc != NULL;
            am_json_delete_wiped(doc);
            if (!valid) {
                snprintf(m->why, sizeof(m->why), "credentials: not JSON");
                continue;
            }
        }
        *got = true;
        return APPMESH_OK;
    }
    return APPMESH_OK;
}

/* The endpoint: AWS_EC2_METADATA_SERVICE_ENDPOINT, the profile's, else by endpoint mode. */
static enum appmesh_status
imds_base(const struct am_cred_ctx *ctx, const char **base, struct appmesh_error *err)
{
    const char *profile = ctx->client_profile != NULL ? ctx->client_profile : ctx->profile;
    const char *where = "AWS_EC2_METADATA_SERVICE_ENDPOINT";
    const char *v = am_env_get(ctx->env, where);
    const char *mode = NULL;
    struct am_url u;
    struct appmesh_error perr = {0};

    if (v == NULL && ctx->config != NULL) {
        v = am_config_get(ctx->config, profile, "ec2_metadata_service_endpoint", NULL);
        where = "ec2_metadata_service_endpoint";
    }
    if (v != NULL) {
        if (am_url_parse(v, &u, &perr) != APPMESH_OK) {
            return am_fail(err, APPMESH_ERR_CONFIG, "iam-role: %s (from %s)", perr.message, where);
        }
        *base = v;
        return APPMESH_OK;
    }
    where = "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE";
    mode = am_env_get(ctx->env, where);
    if (mode == NULL && ctx->config != NULL) {
        mode = am_config_get(ctx->config, profile, "ec2_metadata_service_endpoint_mode", NULL);
        where = "ec2_metadata_service_endpoint_mode";
    }
    if (mode == NULL || am_strcasecmp_n(mode, strlen(mode), "ipv4", 4) == 0) {
        *base = IMDS_IPV4;
    } else if (am_strcasecmp_n(mode, strlen(mode), "ipv6", 4) == 0) {
        *base = IMDS_IPV6;
    } else {
        return am_fail(err, APPMESH_ERR_CONFIG, "iam-role: %s is '%.32s': use IPv4 or IPv6", where,
                       mode);
    }
    return APPMESH_OK;
}

enum appmesh_status am_cred_imds(const struct am_cred_ctx *ctx,
                                 struct am_cred_set *out,
                                 bool *ok,
                                 struct appmesh_buf *tried,
                                 struct appmesh_error *err)
{
    const char *profile = ctx->client_profile != NULL ? ctx->client_profile : ctx->profile;
    enum appmesh_status st = APPMESH_ERR_INTERNAL;
    struct imds m;
    struct appmesh_buf path;
    const char *v1_var = "AWS_EC2_METADATA_V1_DISABLED";
    const char *v1 = NULL;
    const char *role = NULL;
    size_t role_len = 0;
    bool bad = false;
    bool got = false;

    *ok = false;
    memset(&m, 0, sizeof(m));
    m.ctx = ctx;
    am_buf_init(&m.url, ctx->alloc, 0);
    am_buf_init(&m.token, ctx->alloc, 0);
    am_buf_init(&path, ctx->alloc, 0);
    if (is_true(am_env_get(ctx->env, "AWS_EC2_METADATA_DISABLED"))) {
        st = am_buf_append_str(tried, "IMDS (disabled)", err);
        goto cleanup;
    }
    st = imds_base(ctx, &m.base, err);
    if (st != APPMESH_OK) {
        goto cleanup;
    }
    m.base_len = strlen(m.base);
    while (m.base_len > 0 && m.base[m.base_len - 1] == '/') {
        m.base_len--;
    }
    v1 = am_env_get(ctx->env, v1_var);
    if (v1 == NULL && ctx->config != NULL) {
        v1_var = "ec2_metadata_v1_disabled";
        v1 = am_config_get(ctx->config, profile, v1_var, NULL);
    }

    st = imds_token(&m, &bad, err);
    if (st != APPMESH_OK || bad) {
        goto report;
    }
    if (m.token.len == 0 && is_true(v1)) {
        snprintf(m.why, sizeof(m.why), "v1 disabled, no token");
        goto report;
    }
    st = imds_get(&m, "latest/meta-data/iam/security-credentials/", false, &got, err);
    if (st != APPMESH_OK || !got) {
        goto report;
    }
    /* The role name: the first line of the listing. */
    role = m.resp.body.ptr;
    while (role_len < m.resp.body.len && role[role_len] != '\n' && role[role_len] != '\r') {
        role_len++;
    }
    st = am_buf_printf(&path, err, "latest/meta-data/iam/security-credentials/%.*s", (int)role_len,
                       role);
    if (st != APPMESH_OK) {
        goto cleanup;
    }
    st = imds_get(&m, path.ptr, true, &got, err);
    if (st != APPMESH_OK || !got) {
        goto report;
    }
    st = am_cred_metadata_parse(&m.resp.body, out, m.why, sizeof(m.why), err);
    *ok = st == APPMESH_OK && m.why[0] == '\0';
    if (*ok && out->expires != 0 && ctx->now >= out->expires - IMDS_EXTENSION) {
        /* botocore's static stability: in an outage IMDS keeps serving the credentials it has,
         * even expired; use them a while longer and ask again then, rather than fail. */
        out->expires = ctx->now + IMDS_EXTENSION;
    }

report:
    if (st == APPMESH_OK) {
        /* botocore: whatever goes wrong, IMDS just has no credentials; say why in tried. */
        st = am_buf_printf(tried, err, "IMDS%s%s%s", *ok ? "" : " (", *ok ? "" : m.why,
                           *ok ? "" : ")");
    }

cleanup:
    appmesh_http_response_cleanup(&m.resp);
    appmesh_buf_cleanup(&m.url);
    appmesh_buf_cleanup(&m.token);
    appmesh_buf_cleanup(&path);
    if (st != APPMESH_OK || !*ok) {
        *ok = false;
    }
    return st;
}
