/* SPDX-License-Identifier: MIT */
/* STS: the AssumeRole and AssumeRoleWithWebIdentity calls (query protocol, XML answers). */
#include "cred_sts.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "appmesh/credentials.h"
#include "appmesh/http.h"
#include "appmesh/sigv4.h"
#include "cred_util.h"
#include "endpoint.h"
#include "internal.h"
#include "request.h"
#include "rest.h"
#include "settings.h"
#include "timefmt.h"
#include "xml.h"

#define SHOW_MAX 96

/*
 * The STS endpoint (no trailing '/'): as configured (am_config_endpoint_url, service STS),
 * else regional https://sts.{region}.{dnsSuffix} (the global endpoint without a region).
 * *signing_region is the region to sign for.
 */
static enum appmesh_status sts_endpoint(const struct am_cred_ctx *ctx,
                                        const struct am_sts_call *c,
                                        struct appmesh_buf *url,
                                        const char **signing_region,
                                        struct appmesh_error *err)
{
    static const char *const service_keys[] = {"sts", NULL};
    const char *profile = ctx->client_profile != NULL ? ctx->client_profile : ctx->profile;
    enum appmesh_status st = APPMESH_OK;
    const char *v = NULL;
    char where[160];
    struct am_url u;
    struct appmesh_error perr = {0};
    struct am_endpoint_params ep = {0};

    *signing_region = ctx->region != NULL ? ctx->region : "us-east-1";
    st = am_config_endpoint_url(ctx->env, ctx->config, profile, "STS", service_keys, &v, where,
                                sizeof(where), err);
    if (st != APPMESH_OK) {
        return st;
    }
    if (v != NULL) {
        if (am_url_parse(v, &u, &perr) != APPMESH_OK) {
            return am_fail(err, APPMESH_ERR_ENDPOINT, "%s: STS endpoint: %s (from %s)", c->provider,
                           perr.message, where);
        }
        return am_buf_append(url, v, (size_t)(u.path.ptr + u.path.len - v), err);
    }
    if (ctx->region == NULL) {
        return am_buf_append_str(url, "https://sts.amazonaws.com", err);
    }
    ep.service = "sts";
    ep.region = ctx->region;
    st = am_endpoint_resolve(&ep, url, &perr);
    if (st != APPMESH_OK) {
        return am_fail(err, st, "%s: STS endpoint: %s", c->provider, perr.message);
    }
    return APPMESH_OK;
}

/* The request line's path (the endpoint's base path + "/"), borrowed from url. */
static const char *path_of(const char *url)
{
    const char *p = strstr(url, "://");
    p = p != NULL ? strchr(p + 3, '/') : NULL;
    return p;
}

/* Read STS's answer into out, or fail with a message naming the call (never a secret). */
static enum appmesh_status sts_read(const struct am_cred_ctx *ctx,
                                    const struct am_sts_call *c,
                                    const struct appmesh_http_response *resp,
                                    struct am_cred_set *out,
                                    struct appmesh_error *err)
{
    char paths[4][160];
    static const char *const names[4] = {"AccessKeyId", "SecretAccessKey", "SessionToken",
                                         "Expiration"};
    struct am_xml_field f[4];
    struct appmesh_buf v[4];
    enum appmesh_status st = APPMESH_OK;
    const char *why = NULL;
    double expires = 0;
    size_t i = 0;
    bool bad = false;

    memset(f, 0, sizeof(f));
    for (i = 0; i < 4; i++) {
        am_buf_init(&v[i], ctx->alloc, 0);
    }
    if (resp->status != 200) {
        struct am_xml_field e[2] = {{"ErrorResponse/Error/Code", {NULL, 0}, false},
                                    {"ErrorResponse/Error/Message", {NULL, 0}, false}};
        why = am_xml_scan(resp->body.ptr, resp->body.len, e, 2);
        if (why == NULL && e[0].found) {
            for (i = 0; i < 2 && st == APPMESH_OK; i++) {
                if (e[i].found) {
                    st = am_xml_text(&e[i].raw, &v[i], &bad, err);
                }
            }
            if (st == APPMESH_OK) {
                st = am_fail(err, APPMESH_ERR_CREDENTIALS,
                             "%s: STS %s for role %.*s failed (HTTP %d): %.60s: %s", c->provider,
                             c->action, SHOW_MAX, c->role_arn, resp->status, am_buf_cstr(&v[0]),
                             am_buf_cstr(&v[1]));
            }
        } else {
            st = am_fail(err, APPMESH_ERR_CREDENTIALS,
                         "%s: STS %s for role %.*s failed (HTTP %d, no STS error in the response)",
                         c->provider, c->action, SHOW_MAX, c->role_arn, resp->status);
        }
        goto cleanup;
    }
    for (i = 0; i < 4; i++) {
        snprintf(paths[i], sizeof(paths[i]), "%sResponse/%sResult/Credentials/%s", c->action,
                 c->action, names[i]);
        f[i].path = paths[i];
    }
    why = am_xml_scan(resp->body.ptr, resp->body.len, f, 4);
    if (why != NULL) {
        st = am_fail(err, APPMESH_ERR_CREDENTIALS,
                     "%s: STS %s for role %.*s returned a response that is not valid XML (%s)",
                     c->provider, c->action, SHOW_MAX, c->role_arn, why);
        goto cleanup;
    }
    for (i = 0; i < 4; i++) {
        if (f[i].found) {
            st = am_xml_text(&f[i].raw, &v[i], &bad, err);
            if (st != APPMESH_OK) {
                goto cleanup;
            }
        }
        if (!f[i].found || bad || v[i].len == 0) {
            st = am_fail(err, APPMESH_ERR_CREDENTIALS,
                         "%s: STS %s for role %.*s returned no usable Credentials/%s", c->provider,
                         c->action, SHOW_MAX, c->role_arn, names[i]);
            goto cleanup;
        }
    }
    if (!am_time_parse_iso8601(v[3].ptr, v[3].len, &expires)) {
        st = am_fail(err, APPMESH_ERR_CREDENTIALS,
                     "%s: STS %s for role %.*s returned Expiration '%.40s', not an ISO 8601 time",
                     c->provider, c->action, SHOW_MAX, c->role_arn, v[3].ptr);
        goto cleanup;
    }
    st = am_cred_set_copy(out, v[0].ptr, v[1].ptr, v[2].ptr, expires, err);

cleanup:
    for (i = 0; i < 4; i++) {
        appmesh_buf_cleanup(&v[i]);
    }
    return st;
}

enum appmesh_status am_cred_sts_read(const struct am_cred_ctx *ctx,
                                     bool web_identity,
                                     const char *role_arn,
                                     const struct appmesh_http_response *resp,
                                     struct am_cred_set *out,
                                     struct appmesh_error *err)
{
    struct am_sts_call c = {"assume-role", "AssumeRole", NULL, NULL, {0}};
    if (web_identity) {
        c.provider = "assume-role-with-web-identity";
        c.action = "AssumeRoleWithWebIdentity";
    }
    c.role_arn = role_arn;
    return sts_read(ctx, &c, resp, out, err);
}

enum appmesh_status am_sts_assume(const struct am_cred_ctx *ctx,
                                  struct am_sts_call *c,
                                  struct am_cred_set *out,
                                  struct appmesh_error *err)
{
    static const char form_type[] = "application/x-www-form-urlencoded; charset=utf-8";
    enum appmesh_status st = APPMESH_ERR_INTERNAL;
    struct appmesh_buf url;
    struct appmesh_sigv4_signer *signer = NULL;
    struct appmesh_sigv4_result sig = {0};
    struct appmesh_http_response resp = {0};
    struct appmesh_header h[5];
    struct appmesh_http_request req = {0};
    struct appmesh_error terr = {0};
    const char *region = NULL;
    struct am_url u;
    size_t n = 0;

    am_buf_init(&url, ctx->alloc, 0);
    st = sts_endpoint(ctx, c, &url, &region, err);
    if (st == APPMESH_OK) {
        st = am_buf_append_char(&url, '/', err);
    }
    if (st == APPMESH_OK) {
        st = am_url_parse(url.ptr, &u, err);
    }
    if (st != APPMESH_OK) {
        goto cleanup;
    }
    am_request_header(&h[n++], "Host", u.authority.ptr, u.authority.len);
    am_request_header(&h[n++], "Content-Type", form_type, sizeof(form_type) - 1);
    if (c->source != NULL) {
        struct appmesh_credentials creds = {c->source->access_key_id, c->source->secret_access_key,
                                            c->source->session_token};
        struct appmesh_sigv4_params params = {0};
        struct appmesh_sigv4_request sreq = {0};
        params.region = region;
        params.service = "sts";
        params.time = (int64_t)ctx->now;
        sreq.method = "POST";
        sreq.path = path_of(url.ptr);
        sreq.headers = h;
        sreq.header_count = n;
        sreq.body = c->form.ptr;
        sreq.body_len = c->form.len;
        st = appmesh_sigv4_signer_new(ctx->alloc, &signer, err);
        if (st == APPMESH_OK) {
            st = am_request_sign(signer, &sreq, &creds, &params, &sig, h, &n, err);
        }
        if (st != APPMESH_OK) {
            goto cleanup;
        }
    }
    req.method = "POST";
    req.url = url.ptr;
    req.headers = h;
    req.header_count = n;
    req.body = c->form.ptr;
    req.body_len = c->form.len;
    st = am_cred_http(ctx, AM_CRED_NET_SERVICE, &req, &resp, &terr);
    if (st == APPMESH_ERR_NOMEM) {
        st = am_fail(err, st, "out of memory");
        goto cleanup;
    }
    if (st != APPMESH_OK) {
        st =
            am_fail(err, APPMESH_ERR_CREDENTIALS, "%s: STS %s for role %.*s at %.*s: %s",
                    c->provider, c->action, SHOW_MAX, c->role_arn, SHOW_MAX, url.ptr, terr.message);
        goto cleanup;
    }
    st = sts_read(ctx, c, &resp, out, err);

cleanup:
    appmesh_http_response_cleanup(&resp);
    appmesh_sigv4_result_cleanup(&sig);
    appmesh_sigv4_signer_destroy(signer);
    appmesh_buf_cleanup(&url);
    return st;
}

enum appmesh_status am_sts_form(const struct am_cred_ctx *ctx,
                                struct am_sts_call *c,
                                const char *session_name,
                                struct appmesh_error *err)
{
    char session[64];
    enum appmesh_status st = APPMESH_OK;
    if (session_name == NULL) {
        /* botocore's botocore-session-<epoch>, with our name */
        snprintf(session, sizeof(session), "appmesh-session-%lld", (long long)ctx->now);
        session_name = session;
    }
    st = am_rest_append_query(&c->form, "Action", c->action, err);
    if (st == APPMESH_OK) {
        st = am_rest_append_query(&c->form, "Version", "2011-06-15", err);
    }
    if (st == APPMESH_OK) {
        st = am_rest_append_query(&c->form, "RoleArn", c->role_arn, err);
    }
    if (st == APPMESH_OK) {
        st = am_rest_append_query(&c->form, "RoleSessionName", session_name, err);
    }
    return st;
}
