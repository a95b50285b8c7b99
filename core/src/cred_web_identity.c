/* SPDX-License-Identifier: MIT */
/* The "assume-role-with-web-identity" credential provider: a token file traded with STS. */
#include "cred_web_identity.h"

#include <stdio.h>

#include "config.h"
#include "cred_sts.h"
#include "cred_util.h"
#include "env.h"
#include "internal.h"
#include "rest.h"

#define MAX_TOKEN_FILE (64 * 1024)

/* The variable (unless reading a profile only), else the profile's key. */
static const char *
web_setting(const struct am_cred_ctx *ctx, const char *var, const char *key, const char **where)
{
    const char *v = ctx->profile_only ? NULL : am_env_get(ctx->env, var);
    *where = var;
    if (v == NULL) {
        v = am_config_get(ctx->config, ctx->profile, key, NULL);
        *where = key;
    }
    return v;
}

/* The token file, re-read on every refresh, into the form as WebIdentityToken. */
static enum appmesh_status add_token(const struct am_cred_ctx *ctx,
                                     const char *path,
                                     struct am_sts_call *c,
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
    struct am_sts_call c = {
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
    st = am_sts_form(ctx, &c, session, err);
    if (st == APPMESH_OK) {
        st = add_token(ctx, file, &c, err);
    }
    if (st == APPMESH_OK) {
        st = am_sts_assume(ctx, &c, out, err);
    }
    *ok = st == APPMESH_OK;

cleanup:
    appmesh_buf_cleanup(&c.form);
    return st;
}
