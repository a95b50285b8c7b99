/* SPDX-License-Identifier: MIT */
/* The "assume-role" credential provider: a profile's role_arn, from a source profile or source. */
#include "cred_assume_role.h"

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "cred_metadata.h"
#include "cred_sts.h"
#include "cred_util.h"
#include "internal.h"
#include "rest.h"

#define MAX_CHAIN 16 /* profiles in a source_profile chain */

struct chain_walk {
    const char *visited[MAX_CHAIN];
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
    if (walk->n >= MAX_CHAIN) {
        return am_fail(err, APPMESH_ERR_CREDENTIALS,
                       "assume-role: the source_profile chain from '%s' is longer than %d",
                       walk->visited[0], MAX_CHAIN);
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
    struct am_sts_call c = {"assume-role", "AssumeRole", NULL, NULL, {0}};
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
    st = am_sts_form(ctx, &c, get(ctx, profile, "role_session_name"), err);
    if (st == APPMESH_OK && external_id != NULL) {
        st = am_rest_append_query(&c.form, "ExternalId", external_id, err);
    }
    if (st == APPMESH_OK && duration != NULL) {
        st = am_rest_append_query(&c.form, "DurationSeconds", duration, err);
    }
    if (st == APPMESH_OK) {
        st = am_sts_assume(ctx, &c, out, err);
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
