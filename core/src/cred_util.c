/* SPDX-License-Identifier: MIT */
/* What every credential provider uses: found sets, secret files, transports, the environment. */
#include "cred_util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "appmesh/http.h"
#include "appmesh/transport.h"
#include "env.h"
#include "internal.h"
#include "secmem.h"

#define MAX_BODY (64 * 1024) /* a provider's answer is a few hundred bytes */

enum appmesh_status am_cred_set_copy(struct am_cred_set *s,
                                     const char *access_key_id,
                                     const char *secret_access_key,
                                     const char *session_token,
                                     double expires,
                                     struct appmesh_error *err)
{
    am_cred_set_clear(s);
    s->access_key_id = am_secmem_strdup(access_key_id);
    s->secret_access_key = am_secmem_strdup(secret_access_key);
    s->session_token = am_secmem_strdup(session_token);
    s->expires = expires;
    if (s->access_key_id == NULL || s->secret_access_key == NULL ||
        (session_token != NULL && s->session_token == NULL)) {
        am_cred_set_clear(s);
        return am_fail(err, APPMESH_ERR_NOMEM, "out of memory");
    }
    return APPMESH_OK;
}

void am_cred_set_clear(struct am_cred_set *s)
{
    am_secmem_free(s->access_key_id);
    am_secmem_free(s->secret_access_key);
    am_secmem_free(s->session_token);
    memset(s, 0, sizeof(*s));
}

enum appmesh_status am_cred_read_file(const char *path,
                                      size_t max,
                                      struct appmesh_buf *buf,
                                      char *why,
                                      size_t whysize,
                                      struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_OK;
    char chunk[512];
    size_t n = 0;
    FILE *f = fopen(path, "rb");

    why[0] = '\0';
    if (f == NULL) {
        snprintf(why, whysize, "cannot be read (%s)", strerror(errno));
        return APPMESH_OK;
    }
    /* Unbuffered: stdio's own buffer would keep a copy of the token that nobody wipes. */
    setvbuf(f, NULL, _IONBF, 0);
    do {
        n = fread(chunk, 1, sizeof(chunk), f);
        if (buf->len + n > max) {
            snprintf(why, whysize, "is larger than %zu KiB", max / 1024);
            break;
        }
        st = am_buf_append(buf, chunk, n, err);
    } while (st == APPMESH_OK && n == sizeof(chunk));
    if (st == APPMESH_OK && why[0] == '\0' && ferror(f)) {
        snprintf(why, whysize, "cannot be read (%s)", strerror(errno));
    }
    fclose(f);
    am_zeroize(chunk, sizeof(chunk));
    return st;
}

enum appmesh_status am_cred_transport(const struct am_cred_ctx *ctx,
                                      enum am_cred_net which,
                                      struct appmesh_transport **out,
                                      struct appmesh_error *err)
{
    struct am_cred_transports *t = ctx->transports;
    struct appmesh_transport_curl_options metadata = {0};
    enum appmesh_status st = APPMESH_OK;

    *out = NULL;
    if (t->custom != NULL) {
        *out = t->custom;
        return APPMESH_OK;
    }
    if (t->made[which] == NULL) {
        /* The metadata endpoints are local: botocore waits 1 s for them. */
        metadata.connect_timeout = 1.0;
        metadata.timeout = 1.0;
        metadata.max_response = 64 * 1024;
        st = appmesh_transport_curl_new(t->alloc,
                                        which == AM_CRED_NET_METADATA ? &metadata : &t->service,
                                        &t->made[which], err);
    }
    *out = t->made[which];
    return st;
}

void am_cred_transports_cleanup(struct am_cred_transports *t)
{
    appmesh_transport_destroy(t->made[AM_CRED_NET_SERVICE]);
    appmesh_transport_destroy(t->made[AM_CRED_NET_METADATA]);
    t->made[AM_CRED_NET_SERVICE] = NULL;
    t->made[AM_CRED_NET_METADATA] = NULL;
}

enum appmesh_status am_cred_profile_providers(const struct am_cred_ctx *ctx,
                                              const char *profile,
                                              struct am_cred_set *out,
                                              bool *ok,
                                              struct appmesh_buf *tried,
                                              struct appmesh_error *err)
{
    return ctx->run_profile(ctx, profile, out, ok, tried, err);
}

enum appmesh_status am_cred_environment(const struct am_cred_ctx *ctx,
                                        struct am_cred_set *out,
                                        bool *ok,
                                        struct appmesh_error *err)
{
    const char *id = am_env_get(ctx->env, "AWS_ACCESS_KEY_ID");
    const char *secret = am_env_get(ctx->env, "AWS_SECRET_ACCESS_KEY");
    enum appmesh_status st = APPMESH_OK;

    *ok = false;
    if (id != NULL && secret == NULL) {
        return am_fail(err, APPMESH_ERR_CREDENTIALS,
                       "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not: set both, or "
                       "neither");
    }
    if (id == NULL && secret != NULL) {
        return am_fail(err, APPMESH_ERR_CREDENTIALS,
                       "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not: set both, or "
                       "neither");
    }
    if (id != NULL) {
        st = am_cred_set_copy(out, id, secret, am_env_get(ctx->env, "AWS_SESSION_TOKEN"), 0, err);
        *ok = st == APPMESH_OK;
    }
    return st;
}

enum appmesh_status am_cred_http(const struct am_cred_ctx *ctx,
                                 enum am_cred_net which,
                                 const struct appmesh_http_request *req,
                                 struct appmesh_http_response *resp,
                                 struct appmesh_error *err)
{
    struct appmesh_transport *t = NULL;
    enum appmesh_status st = APPMESH_OK;

    memset(resp, 0, sizeof(*resp));
    am_buf_init(&resp->headers, ctx->alloc, MAX_BODY);
    am_buf_init(&resp->body, ctx->alloc, MAX_BODY);
    st = am_cred_transport(ctx, which, &t, err);
    if (st != APPMESH_OK) {
        return st;
    }
    return t->vtable->send(t->impl, req, resp, err);
}
