/* SPDX-License-Identifier: MIT */
/* STS (query protocol, XML answers) and the providers that use it: assume role, web identity. */
#include "cred_sts.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appmesh/credentials.h"
#include "appmesh/http.h"
#include "appmesh/sigv4.h"
#include "config.h"
#include "cred_metadata.h"
#include "cred_util.h"
#include "endpoint.h"
#include "env.h"
#include "internal.h"
#include "request.h"
#include "rest.h"
#include "settings.h"
#include "timefmt.h"
#include "uri.h"

#define MAX_DEPTH      16 /* XML nesting, and the length of a role chain */
#define MAX_TOKEN_FILE (64 * 1024)
#define SHOW_MAX       96

/* ---- a minimal, strict XML reader: well-formed or refused; text of elements by path ---- */

struct xml_field {
    const char *path; /* "AssumeRoleResponse/AssumeRoleResult/Credentials/AccessKeyId" */
    struct appmesh_slice raw;
    bool found;
};

static bool xml_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.' || c == ':';
}

static bool xml_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* XML 1.0 allows no control character but tab, line feed and carriage return, as a byte or as a
 * character reference (a NUL would also cut a key short when it becomes a C string). */
static bool xml_control(unsigned long c)
{
    return c < 0x20 && c != '\t' && c != '\n' && c != '\r';
}

/* Skip "<!-- ... -->" or "<? ... ?>" at p; NULL when unterminated. */
static const char *xml_skip_special(const char *p, const char *end)
{
    const char *close = p[1] == '!' ? "-->" : "?>";
    size_t n = strlen(close);
    for (p += 2; p + n <= end; p++) {
        if (memcmp(p, close, n) == 0) {
            return p + n;
        }
    }
    return NULL;
}

/*
 * Scan doc: one root element, properly nested and closed, attributes quoted, nothing but
 * whitespace, comments and processing instructions around it (no DTD, no CDATA). Records the
 * raw text of each wanted leaf element. Returns NULL when well-formed, else the reason.
 */
static const char *xml_scan(const char *doc, size_t len, struct xml_field *f, size_t nf)
{
    const char *p = doc;
    const char *end = doc + len;
    char path[512];
    size_t plen[MAX_DEPTH + 1];
    const char *text[MAX_DEPTH + 1];
    bool child[MAX_DEPTH + 1];
    size_t depth = 0;
    bool seen_root = false;
    size_t i = 0;

    path[0] = '\0';
    plen[0] = 0;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
        p += 3;
    }
    for (i = 0; i < len; i++) {
        if (xml_control((unsigned char)doc[i])) {
            return "a control character, which XML does not allow";
        }
    }
    while (p < end) {
        if (*p != '<') {
            if (depth == 0 && !xml_space(*p)) {
                return "text outside the root element";
            }
            p++;
            continue;
        }
        if (end - p >= 4 && memcmp(p, "<!--", 4) == 0) {
            p = xml_skip_special(p, end);
        } else if (end - p >= 2 && p[1] == '?') {
            p = xml_skip_special(p, end);
        } else if (end - p >= 2 && p[1] == '!') {
            return "a DTD or CDATA section (not expected from STS)";
        } else if (end - p >= 2 && p[1] == '/') {
            const char *name = p + 2;
            size_t n = 0;
            const char *top = NULL;
            size_t toplen = 0;
            while (name + n < end && xml_name_char(name[n])) {
                n++;
            }
            if (depth == 0) {
                return "a closing tag without an opening one";
            }
            top = path + (depth > 1 ? plen[depth - 1] + 1 : 0);
            toplen = plen[depth] - (size_t)(top - path);
            if (n != toplen || memcmp(name, top, n) != 0) {
                return "mismatched closing tag";
            }
            p = name + n;
            while (p < end && xml_space(*p)) {
                p++;
            }
            if (p >= end || *p != '>') {
                return "a closing tag that does not end with '>'";
            }
            if (!child[depth]) {
                for (i = 0; i < nf; i++) {
                    if (strlen(f[i].path) == plen[depth] &&
                        memcmp(f[i].path, path, plen[depth]) == 0) {
                        if (f[i].found) {
                            return "an element that appears twice";
                        }
                        f[i].found = true;
                        f[i].raw.ptr = text[depth];
                        f[i].raw.len = (size_t)(name - 2 - text[depth]);
                    }
                }
            }
            depth--;
            path[plen[depth]] = '\0';
            p++;
        } else {
            const char *name = p + 1;
            size_t n = 0;
            bool empty = false;
            while (name + n < end && xml_name_char(name[n])) {
                n++;
            }
            if (n == 0) {
                return "a '<' that starts no tag";
            }
            if (depth == 0 && seen_root) {
                return "a second root element";
            }
            if (depth >= MAX_DEPTH) {
                return "elements nested too deeply";
            }
            if (plen[depth] + 1 + n >= sizeof(path)) {
                return "element names too long";
            }
            p = name + n;
            for (;;) { /* attributes: name="value" or name='value' */
                char q = 0;
                while (p < end && xml_space(*p)) {
                    p++;
                }
                if (p >= end) {
                    return "an unterminated tag";
                }
                if (*p == '>' || (*p == '/' && p + 1 < end && p[1] == '>')) {
                    empty = *p == '/';
                    p += empty ? 2 : 1;
                    break;
                }
                if (!xml_name_char(*p)) {
                    return "a malformed attribute";
                }
                while (p < end && xml_name_char(*p)) {
                    p++;
                }
                while (p < end && xml_space(*p)) {
                    p++;
                }
                if (p >= end || *p != '=') {
                    return "a malformed attribute";
                }
                p++;
                while (p < end && xml_space(*p)) {
                    p++;
                }
                if (p >= end || (*p != '"' && *p != '\'')) {
                    return "an unquoted attribute value";
                }
                q = *p++;
                while (p < end && *p != q) {
                    p++;
                }
                if (p >= end) {
                    return "an unterminated attribute value";
                }
                p++;
            }
            seen_root = true;
            if (depth > 0) {
                child[depth] = true;
            }
            if (!empty) {
                size_t at = plen[depth];
                if (depth > 0) {
                    path[at++] = '/';
                }
                memcpy(path + at, name, n);
                depth++;
                plen[depth] = at + n;
                path[plen[depth]] = '\0';
                text[depth] = p;
                child[depth] = false;
            }
        }
        if (p == NULL) {
            return "an unterminated comment or processing instruction";
        }
    }
    if (depth != 0) {
        return "the document ends inside an element (truncated)";
    }
    if (!seen_root) {
        return "no root element";
    }
    return NULL;
}

/* Decode a field's text (trimmed; the five entities and character references) into out. */
static enum appmesh_status xml_text(const struct appmesh_slice *raw,
                                    struct appmesh_buf *out,
                                    bool *bad,
                                    struct appmesh_error *err)
{
    const char *p = raw->ptr;
    const char *end = raw->ptr + raw->len;
    enum appmesh_status st = APPMESH_OK;

    *bad = false;
    am_buf_reset(out);
    while (p < end && xml_space(*p)) {
        p++;
    }
    while (end > p && xml_space(end[-1])) {
        end--;
    }
    while (p < end && st == APPMESH_OK) {
        static const struct {
            const char *name;
            char c;
        } ents[] = {{"amp;", '&'}, {"lt;", '<'}, {"gt;", '>'}, {"quot;", '"'}, {"apos;", '\''}};
        size_t i = 0;
        bool matched = false;
        if (*p == '<') {
            *bad = true;
            return APPMESH_OK;
        }
        if (*p != '&') {
            st = am_buf_append_char(out, *p++, err);
            continue;
        }
        p++;
        for (i = 0; i < 5 && !matched; i++) {
            size_t n = strlen(ents[i].name);
            if ((size_t)(end - p) >= n && memcmp(p, ents[i].name, n) == 0) {
                st = am_buf_append_char(out, ents[i].c, err);
                p += n;
                matched = true;
            }
        }
        if (!matched && p < end && *p == '#') {
            unsigned long cp = 0;
            bool hex = p + 1 < end && p[1] == 'x';
            const char *q = p + (hex ? 2 : 1);
            const char *start = q;
            while (q < end && *q != ';' && cp <= 0x10FFFF) {
                int v = am_hex_digit((unsigned char)*q);
                if (!hex && v > 9) {
                    v = -1;
                }
                if (v < 0) {
                    break;
                }
                cp = cp * (hex ? 16 : 10) + (unsigned long)v;
                q++;
            }
            if (q == start || q >= end || *q != ';' || xml_control(cp) || cp > 0x10FFFF ||
                (cp >= 0xD800 && cp <= 0xDFFF)) {
                *bad = true;
                return APPMESH_OK;
            }
            if (cp < 0x80) {
                st = am_buf_append_char(out, (char)cp, err);
            } else {
                char u[4];
                size_t n = 0;
                if (cp < 0x800) {
                    u[0] = (char)(0xC0 | (cp >> 6));
                    n = 1;
                } else if (cp < 0x10000) {
                    u[0] = (char)(0xE0 | (cp >> 12));
                    u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
                    n = 2;
                } else {
                    u[0] = (char)(0xF0 | (cp >> 18));
                    u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
                    u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
                    n = 3;
                }
                u[n++] = (char)(0x80 | (cp & 0x3F));
                st = am_buf_append(out, u, n, err);
            }
            p = q + 1;
            matched = true;
        }
        if (!matched) {
            *bad = true;
            return APPMESH_OK;
        }
    }
    return st;
}

/* ---- the STS call ---- */

struct sts_call {
    const char *provider; /* "assume-role" / "assume-role-with-web-identity" for messages */
    const char *action;   /* "AssumeRole" / "AssumeRoleWithWebIdentity" */
    const char *role_arn;
    const struct am_cred_set *source; /* NULL = unsigned (web identity) */
    struct appmesh_buf form;          /* the form body (holds a web identity token: wiped) */
};

/*
 * The STS endpoint (no trailing '/'): as configured (am_config_endpoint_url, service STS),
 * else regional https://sts.{region}.{dnsSuffix} (the global endpoint without a region).
 * *signing_region is the region to sign for.
 */
static enum appmesh_status sts_endpoint(const struct am_cred_ctx *ctx,
                                        const struct sts_call *c,
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
                                    const struct sts_call *c,
                                    const struct appmesh_http_response *resp,
                                    struct am_cred_set *out,
                                    struct appmesh_error *err)
{
    char paths[4][160];
    static const char *const names[4] = {"AccessKeyId", "SecretAccessKey", "SessionToken",
                                         "Expiration"};
    struct xml_field f[4];
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
        struct xml_field e[2] = {{"ErrorResponse/Error/Code", {NULL, 0}, false},
                                 {"ErrorResponse/Error/Message", {NULL, 0}, false}};
        why = xml_scan(resp->body.ptr, resp->body.len, e, 2);
        if (why == NULL && e[0].found) {
            for (i = 0; i < 2 && st == APPMESH_OK; i++) {
                if (e[i].found) {
                    st = xml_text(&e[i].raw, &v[i], &bad, err);
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
    why = xml_scan(resp->body.ptr, resp->body.len, f, 4);
    if (why != NULL) {
        st = am_fail(err, APPMESH_ERR_CREDENTIALS,
                     "%s: STS %s for role %.*s returned a response that is not valid XML (%s)",
                     c->provider, c->action, SHOW_MAX, c->role_arn, why);
        goto cleanup;
    }
    for (i = 0; i < 4; i++) {
        if (f[i].found) {
            st = xml_text(&f[i].raw, &v[i], &bad, err);
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
    struct sts_call c = {"assume-role", "AssumeRole", NULL, NULL, {0}};
    if (web_identity) {
        c.provider = "assume-role-with-web-identity";
        c.action = "AssumeRoleWithWebIdentity";
    }
    c.role_arn = role_arn;
    return sts_read(ctx, &c, resp, out, err);
}

/* POST the form to STS (signed with c->source when set) and read the credentials. */
static enum appmesh_status sts_call(const struct am_cred_ctx *ctx,
                                    struct sts_call *c,
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

/* The form's common part: Action, Version, RoleArn, RoleSessionName. */
static enum appmesh_status sts_form(const struct am_cred_ctx *ctx,
                                    struct sts_call *c,
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

/* ---- assume role ---- */

struct chain_walk {
    const char *visited[MAX_DEPTH];
    size_t n;
};

static const char *get(const struct am_cred_ctx *ctx, const char *profile, const char *key)
{
    return am_config_get(ctx->config, profile, key, NULL);
}

static bool has_static(const struct am_cred_ctx *ctx, const char *profile)
{
    return get(ctx, profile, "aws_access_key_id") != NULL ||
           get(ctx, profile, "aws_secret_access_key") != NULL;
}

/* botocore's _has_assume_role_config_vars: role_arn, and not a web identity profile. */
static bool has_role(const struct am_cred_ctx *ctx, const char *profile)
{
    return get(ctx, profile, "role_arn") != NULL &&
           get(ctx, profile, "web_identity_token_file") == NULL;
}

static enum appmesh_status assume_from_profile(const struct am_cred_ctx *ctx,
                                               const char *profile,
                                               struct chain_walk *walk,
                                               struct am_cred_set *out,
                                               struct appmesh_error *err);

/* credential_source = Environment | Ec2InstanceMetadata | EcsContainer (any case). */
static enum appmesh_status from_credential_source(const struct am_cred_ctx *ctx,
                                                  const char *profile,
                                                  const char *source,
                                                  struct am_cred_set *out,
                                                  struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_OK;
    struct appmesh_buf tried;
    struct am_cred_ctx sub = *ctx;
    bool ok = false;
    size_t n = strlen(source);

    am_buf_init(&tried, ctx->alloc, 0);
    sub.profile_only = false;
    if (am_strcasecmp_n(source, n, "Environment", 11) == 0) {
        st = am_cred_environment(&sub, out, &ok, err);
    } else if (am_strcasecmp_n(source, n, "Ec2InstanceMetadata", 19) == 0) {
        st = am_cred_imds(&sub, out, &ok, &tried, err);
    } else if (am_strcasecmp_n(source, n, "EcsContainer", 12) == 0) {
        st = am_cred_container(&sub, out, &ok, &tried, err);
    } else {
        st = am_fail(err, APPMESH_ERR_CREDENTIALS,
                     "assume-role: credential_source '%.40s' in profile '%s' is not one of "
                     "Environment, Ec2InstanceMetadata, EcsContainer",
                     source, profile);
    }
    if (st == APPMESH_OK && !ok) {
        st = am_fail(err, APPMESH_ERR_CREDENTIALS,
                     "assume-role: credential_source %s of profile '%s' found no credentials%s%s%s",
                     source, profile, tried.len > 0 ? " (" : "", am_buf_cstr(&tried),
                     tried.len > 0 ? ")" : "");
    }
    appmesh_buf_cleanup(&tried);
    return st;
}

/* The credentials of source profile `source` of `profile` (botocore's
 * _resolve_credentials_from_profile): its own providers, or another role. */
static enum appmesh_status from_source_profile(const struct am_cred_ctx *ctx,
                                               const char *profile,
                                               const char *source,
                                               struct chain_walk *walk,
                                               struct am_cred_set *out,
                                               struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_OK;
    struct appmesh_buf tried;
    bool ok = false;
    size_t i = 0;

    if (!am_config_has_profile(ctx->config, AM_CONFIG_FILE_CONFIG, source) &&
        !am_config_has_profile(ctx->config, AM_CONFIG_FILE_CREDENTIALS, source)) {
        return am_fail(err, APPMESH_ERR_CREDENTIALS,
                       "assume-role: the source_profile '%s' of profile '%s' does not exist",
                       source, profile);
    }
    for (i = 0; i < walk->n; i++) {
        /* A profile may name itself to use its own static keys (botocore allows that). */
        if (strcmp(walk->visited[i], source) == 0 &&
            !(strcmp(source, profile) == 0 && has_static(ctx, source))) {
            return am_fail(err, APPMESH_ERR_CREDENTIALS,
                           "assume-role: the source_profile chain loops: profile '%s' names "
                           "'%s', which is already in the chain",
                           profile, source);
        }
    }
    if (walk->n >= MAX_DEPTH) {
        return am_fail(err, APPMESH_ERR_CREDENTIALS,
                       "assume-role: the source_profile chain from '%s' is longer than %d",
                       walk->visited[0], MAX_DEPTH);
    }
    walk->visited[walk->n++] = source;
    if (!has_static(ctx, source) && has_role(ctx, source)) {
        return assume_from_profile(ctx, source, walk, out, err);
    }
    am_buf_init(&tried, ctx->alloc, 0);
    st = am_cred_profile_providers(ctx, source, out, &ok, &tried, err);
    if (st == APPMESH_OK && !ok) {
        st = am_fail(err, APPMESH_ERR_CREDENTIALS,
                     "assume-role: the source_profile '%s' of profile '%s' has no credentials "
                     "(tried %s)",
                     source, profile, am_buf_cstr(&tried));
    }
    appmesh_buf_cleanup(&tried);
    return st;
}

static enum appmesh_status assume_from_profile(const struct am_cred_ctx *ctx,
                                               const char *profile,
                                               struct chain_walk *walk,
                                               struct am_cred_set *out,
                                               struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_ERR_INTERNAL;
    const char *source_profile = get(ctx, profile, "source_profile");
    const char *credential_source = get(ctx, profile, "credential_source");
    const char *external_id = get(ctx, profile, "external_id");
    const char *duration = get(ctx, profile, "duration_seconds");
    struct am_cred_set source = {0};
    struct sts_call c = {"assume-role", "AssumeRole", NULL, NULL, {0}};
    int seconds = 0;

    c.role_arn = get(ctx, profile, "role_arn");
    am_buf_init(&c.form, ctx->alloc, 0);
    if (source_profile != NULL && credential_source != NULL) {
        st = am_fail(err, APPMESH_ERR_CREDENTIALS,
                     "assume-role: profile '%s' has both source_profile and credential_source: "
                     "keep one",
                     profile);
        goto cleanup;
    }
    if (source_profile == NULL && credential_source == NULL) {
        st = am_fail(err, APPMESH_ERR_CREDENTIALS,
                     "assume-role: profile '%s' has role_arn but neither source_profile nor "
                     "credential_source",
                     profile);
        goto cleanup;
    }
    if (get(ctx, profile, "mfa_serial") != NULL) {
        st = am_fail(err, APPMESH_ERR_CREDENTIALS,
                     "assume-role: profile '%s' has mfa_serial, but appmesh cannot ask for an MFA "
                     "token: use credentials from 'aws sts get-session-token' or 'aws "
                     "configure export-credentials' instead",
                     profile);
        goto cleanup;
    }
    if (duration != NULL) {
        size_t len = strspn(duration, "0123456789");
        seconds =
            len > 0 && len <= 5 && duration[len] == '\0' ? (int)strtol(duration, NULL, 10) : 0;
        if (seconds < 1) {
            st = am_fail(err, APPMESH_ERR_CREDENTIALS,
                         "assume-role: duration_seconds in profile '%s' is '%.16s', not a number "
                         "of seconds",
                         profile, duration);
            goto cleanup;
        }
    }
    if (credential_source != NULL) {
        st = from_credential_source(ctx, profile, credential_source, &source, err);
    } else {
        st = from_source_profile(ctx, profile, source_profile, walk, &source, err);
    }
    if (st != APPMESH_OK) {
        goto cleanup;
    }
    c.source = &source;
    st = sts_form(ctx, &c, get(ctx, profile, "role_session_name"), err);
    if (st == APPMESH_OK && external_id != NULL) {
        st = am_rest_append_query(&c.form, "ExternalId", external_id, err);
    }
    if (st == APPMESH_OK && duration != NULL) {
        st = am_rest_append_query(&c.form, "DurationSeconds", duration, err);
    }
    if (st == APPMESH_OK) {
        st = sts_call(ctx, &c, out, err);
    }

cleanup:
    am_cred_set_clear(&source);
    appmesh_buf_cleanup(&c.form);
    return st;
}

enum appmesh_status am_cred_assume_role(const struct am_cred_ctx *ctx,
                                        struct am_cred_set *out,
                                        bool *ok,
                                        struct appmesh_buf *tried,
                                        struct appmesh_error *err)
{
    struct chain_walk walk = {{NULL}, 0};
    enum appmesh_status st = APPMESH_OK;

    *ok = false;
    if (!has_role(ctx, ctx->profile)) {
        return am_buf_append_str(tried, "assume role", err);
    }
    st = am_buf_append_str(tried, "assume role", err);
    walk.visited[walk.n++] = ctx->profile;
    if (st == APPMESH_OK) {
        st = assume_from_profile(ctx, ctx->profile, &walk, out, err);
    }
    *ok = st == APPMESH_OK;
    return st;
}

/* ---- web identity ---- */

/* The variable (unless reading a profile only), else the profile's key. */
static const char *
web_setting(const struct am_cred_ctx *ctx, const char *var, const char *key, const char **where)
{
    const char *v = ctx->profile_only ? NULL : am_env_get(ctx->env, var);
    *where = var;
    if (v == NULL) {
        v = get(ctx, ctx->profile, key);
        *where = key;
    }
    return v;
}

/* The token file, re-read on every refresh, into the form as WebIdentityToken. */
static enum appmesh_status add_token(const struct am_cred_ctx *ctx,
                                     const char *path,
                                     struct sts_call *c,
                                     struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_OK;
    struct appmesh_buf token;
    char why[96];

    am_buf_init(&token, ctx->alloc, 0);
    st = am_cred_read_file(path, MAX_TOKEN_FILE, &token, why, sizeof(why), err);
    while (token.len > 0 && (token.ptr[token.len - 1] == '\n' || token.ptr[token.len - 1] == '\r' ||
                             token.ptr[token.len - 1] == ' ' || token.ptr[token.len - 1] == '\t')) {
        token.ptr[--token.len] = '\0';
    }
    if (st == APPMESH_OK && why[0] == '\0' && token.len == 0) {
        snprintf(why, sizeof(why), "is empty");
    }
    if (st == APPMESH_OK && why[0] != '\0') {
        st = am_fail(err, APPMESH_ERR_CREDENTIALS,
                     "assume-role-with-web-identity: the token file %s %s", path, why);
    }
    if (st == APPMESH_OK) {
        st = am_rest_append_query(&c->form, "WebIdentityToken", token.ptr, err);
    }
    appmesh_buf_cleanup(&token);
    return st;
}

enum appmesh_status am_cred_web_identity(const struct am_cred_ctx *ctx,
                                         struct am_cred_set *out,
                                         bool *ok,
                                         struct appmesh_buf *tried,
                                         struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_ERR_INTERNAL;
    struct sts_call c = {
        "assume-role-with-web-identity", "AssumeRoleWithWebIdentity", NULL, NULL, {0}};
    const char *file_where = NULL;
    const char *arn_where = NULL;
    const char *name_where = NULL;
    const char *file =
        web_setting(ctx, "AWS_WEB_IDENTITY_TOKEN_FILE", "web_identity_token_file", &file_where);
    const char *session = NULL;

    *ok = false;
    am_buf_init(&c.form, ctx->alloc, 0);
    if (file == NULL) {
        return am_buf_append_str(tried, "web identity", err);
    }
    st = am_buf_printf(tried, err, "web identity (%s)", file_where);
    if (st != APPMESH_OK) {
        goto cleanup;
    }
    c.role_arn = web_setting(ctx, "AWS_ROLE_ARN", "role_arn", &arn_where);
    if (c.role_arn == NULL) {
        st = am_fail(err, APPMESH_ERR_CREDENTIALS,
                     "assume-role-with-web-identity: %s is set but no role ARN is: set "
                     "AWS_ROLE_ARN or role_arn in profile '%s'",
                     file_where, ctx->profile);
        goto cleanup;
    }
    session = web_setting(ctx, "AWS_ROLE_SESSION_NAME", "role_session_name", &name_where);
    st = sts_form(ctx, &c, session, err);
    if (st == APPMESH_OK) {
        st = add_token(ctx, file, &c, err);
    }
    if (st == APPMESH_OK) {
        st = sts_call(ctx, &c, out, err);
    }
    *ok = st == APPMESH_OK;

cleanup:
    appmesh_buf_cleanup(&c.form);
    return st;
}
