/* SPDX-License-Identifier: MIT */
/* The credential provider chain: each provider in turn until one has credentials, cached. */
#include <string.h>

#include "internal.h"

/* Refresh credentials that expire this many seconds before they do. */
#define REFRESH_MARGIN 300.0

struct am_credentials_chain {
    const struct appmesh_allocator *alloc;
    struct am_env env;
    char *profile;
    bool profile_explicit; /* chosen by the caller, not AWS_PROFILE / the default */
    struct {               /* owned copies of the explicit credentials, if given */
        char *access_key_id;
        char *secret_access_key;
        char *session_token;
    } explicit_creds;
    struct am_config *config; /* the shared files, read when a provider first needs them */
    char *region;             /* the client's region, for regional STS; NULL = none */
    struct appmesh_transport_curl_options net; /* for AM_CRED_NET_SERVICE transports */
    char *ca_bundle;                           /* net.ca_bundle's storage */
    struct appmesh_transport *custom;          /* the client's transport (tests); borrowed */
    struct appmesh_transport *transports[2];   /* made on first use, by enum am_cred_net */
    struct {                                   /* the credentials in use */
        bool valid;
        struct am_cred_set set;
        const char *source;
    } cache;
};

struct provider {
    const char *name; /* the source reported by am_credentials_chain_get */
    am_cred_provider_fn *load;
    bool files; /* reads the shared config files (loaded before it runs) */
};

enum appmesh_status am_cred_set_copy(const struct appmesh_allocator *a,
                                     struct am_cred_set *s,
                                     const char *access_key_id,
                                     const char *secret_access_key,
                                     const char *session_token,
                                     double expires,
                                     struct appmesh_error *err)
{
    am_cred_set_clear(a, s);
    s->access_key_id = am_strdup(a, access_key_id);
    s->secret_access_key = am_strdup(a, secret_access_key);
    s->session_token = am_strdup(a, session_token);
    s->expires = expires;
    if (s->access_key_id == NULL || s->secret_access_key == NULL ||
        (session_token != NULL && s->session_token == NULL)) {
        am_cred_set_clear(a, s);
        return am_fail(err, APPMESH_ERR_NOMEM, "out of memory");
    }
    return APPMESH_OK;
}

void am_cred_set_clear(const struct appmesh_allocator *a, struct am_cred_set *s)
{
    am_free_secret_str(a, s->access_key_id);
    am_free_secret_str(a, s->secret_access_key);
    am_free_secret_str(a, s->session_token);
    memset(s, 0, sizeof(*s));
}

enum appmesh_status am_cred_transport(const struct am_cred_ctx *ctx,
                                      enum am_cred_net which,
                                      struct appmesh_transport **out,
                                      struct appmesh_error *err)
{
    struct am_credentials_chain *chain = ctx->chain;
    struct appmesh_transport_curl_options metadata = {0};
    enum appmesh_status st = APPMESH_OK;

    *out = NULL;
    if (chain->custom != NULL) {
        *out = chain->custom;
        return APPMESH_OK;
    }
    if (chain->transports[which] == NULL) {
        /* The metadata endpoints are local: botocore waits 1 s for them. */
        metadata.connect_timeout = 1.0;
        metadata.timeout = 1.0;
        metadata.max_response = 64 * 1024;
        st = appmesh_transport_curl_new(chain->alloc,
                                        which == AM_CRED_NET_METADATA ? &metadata : &chain->net,
                                        &chain->transports[which], err);
    }
    *out = chain->transports[which];
    return st;
}

static enum appmesh_status load_explicit(const struct am_cred_ctx *ctx,
                                         struct am_cred_set *out,
                                         bool *ok,
                                         struct appmesh_buf *tried,
                                         struct appmesh_error *err)
{
    const struct am_credentials_chain *chain = ctx->chain;
    enum appmesh_status st = APPMESH_OK;

    *ok = chain->explicit_creds.access_key_id != NULL;
    if (*ok) {
        st = am_cred_set_copy(ctx->alloc, out, chain->explicit_creds.access_key_id,
                              chain->explicit_creds.secret_access_key,
                              chain->explicit_creds.session_token, 0, err);
    }
    if (st != APPMESH_OK) {
        return st;
    }
    return am_buf_append_str(tried, "explicit credentials", err);
}

static enum appmesh_status load_environment(const struct am_cred_ctx *ctx,
                                            struct am_cred_set *out,
                                            bool *ok,
                                            struct appmesh_buf *tried,
                                            struct appmesh_error *err)
{
    const struct am_credentials_chain *chain = ctx->chain;
    const char *id = NULL;
    const char *secret = NULL;
    enum appmesh_status st = APPMESH_OK;

    *ok = false;
    if (chain->profile_explicit) {
        /* As the AWS CLI's --profile: a profile the caller chose outranks the environment. */
        return am_buf_append_str(tried, "environment (skipped: profile chosen explicitly)", err);
    }
    id = am_env_get(&chain->env, "AWS_ACCESS_KEY_ID");
    secret = am_env_get(&chain->env, "AWS_SECRET_ACCESS_KEY");
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
        *ok = true;
        st = am_cred_set_copy(ctx->alloc, out, id, secret,
                              am_env_get(&chain->env, "AWS_SESSION_TOKEN"), 0, err);
    }
    if (st != APPMESH_OK) {
        return st;
    }
    return am_buf_append_str(tried, "environment (AWS_ACCESS_KEY_ID)", err);
}

static enum appmesh_status ensure_config(struct am_credentials_chain *chain,
                                         struct appmesh_error *err)
{
    if (chain->config != NULL) {
        return APPMESH_OK;
    }
    return am_config_load(&chain->env, chain->alloc, &chain->config, err);
}

/* aws_access_key_id / aws_secret_access_key / aws_session_token of the profile in one file. */
static enum appmesh_status load_profile_keys(const struct am_cred_ctx *ctx,
                                             enum am_config_file which,
                                             struct am_cred_set *out,
                                             bool *ok,
                                             struct appmesh_buf *tried,
                                             struct appmesh_error *err)
{
    static const char *const what[2] = {"config file", "shared credentials file"};
    enum appmesh_status st = APPMESH_OK;
    const char *id = NULL;
    const char *secret = NULL;
    const char *path = NULL;
    const char *section = which == AM_CONFIG_FILE_CONFIG ? "profile " : "";

    *ok = false;
    path = am_config_path(ctx->config, which);
    id = am_config_file_get(ctx->config, which, ctx->profile, "aws_access_key_id");
    secret = am_config_file_get(ctx->config, which, ctx->profile, "aws_secret_access_key");
    if ((id == NULL) != (secret == NULL)) {
        return am_fail(err, APPMESH_ERR_CREDENTIALS, "%s %s [%s%s] has %s but no %s", what[which],
                       path, section, ctx->profile,
                       id != NULL ? "aws_access_key_id" : "aws_secret_access_key",
                       id != NULL ? "aws_secret_access_key" : "aws_access_key_id");
    }
    if (id != NULL) {
        *ok = true;
        st = am_cred_set_copy(
            ctx->alloc, out, id, secret,
            am_config_file_get(ctx->config, which, ctx->profile, "aws_session_token"), 0, err);
    }
    if (st != APPMESH_OK) {
        return st;
    }
    return am_buf_printf(tried, err, "%s %s [%s%s]", what[which], path, section, ctx->profile);
}

static enum appmesh_status load_shared_credentials_file(const struct am_cred_ctx *ctx,
                                                        struct am_cred_set *out,
                                                        bool *ok,
                                                        struct appmesh_buf *tried,
                                                        struct appmesh_error *err)
{
    return load_profile_keys(ctx, AM_CONFIG_FILE_CREDENTIALS, out, ok, tried, err);
}

static enum appmesh_status load_config_file(const struct am_cred_ctx *ctx,
                                            struct am_cred_set *out,
                                            bool *ok,
                                            struct appmesh_buf *tried,
                                            struct appmesh_error *err)
{
    return load_profile_keys(ctx, AM_CONFIG_FILE_CONFIG, out, ok, tried, err);
}

/* The order is botocore's; the names are the sources am_credentials_chain_get reports. */
static const struct provider s_providers[] = {
    {"explicit", load_explicit, false},
    {"environment", load_environment, false},
    /* TODO(#5): "assume-role" (profile role_arn with source_profile or credential_source) */
    /* TODO(#5): "assume-role-with-web-identity" (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN,
     * or profile web_identity_token_file) */
    {"sso", am_cred_sso_load, true},
    {"shared-credentials-file", load_shared_credentials_file, true},
    {"custom-process", am_cred_process_load, true},
    {"config-file", load_config_file, true},
    /* TODO(#5): "container-role" (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI) */
    /* TODO(#5): "iam-role" (IMDSv2, unless AWS_EC2_METADATA_DISABLED=true) */
};

static void cache_clear(struct am_credentials_chain *chain)
{
    am_cred_set_clear(chain->alloc, &chain->cache.set);
    memset(&chain->cache, 0, sizeof(chain->cache));
}

/* Take over what a provider found (found is left empty). */
static void
cache_store(struct am_credentials_chain *chain, struct am_cred_set *found, const char *source)
{
    cache_clear(chain);
    chain->cache.set = *found;
    memset(found, 0, sizeof(*found));
    chain->cache.source = source;
    chain->cache.valid = true;
}

static bool cache_fresh(const struct am_credentials_chain *chain, double now)
{
    return chain->cache.valid &&
           (chain->cache.set.expires == 0 || now < chain->cache.set.expires - REFRESH_MARGIN);
}

void am_credentials_chain_destroy(struct am_credentials_chain *chain)
{
    if (chain == NULL) {
        return;
    }
    cache_clear(chain);
    am_free_secret_str(chain->alloc, chain->explicit_creds.access_key_id);
    am_free_secret_str(chain->alloc, chain->explicit_creds.secret_access_key);
    am_free_secret_str(chain->alloc, chain->explicit_creds.session_token);
    am_free_str(chain->alloc, chain->profile);
    am_free_str(chain->alloc, chain->region);
    am_free_str(chain->alloc, chain->ca_bundle);
    appmesh_transport_destroy(chain->transports[AM_CRED_NET_SERVICE]);
    appmesh_transport_destroy(chain->transports[AM_CRED_NET_METADATA]);
    am_config_destroy(chain->config);
    am_free(chain->alloc, chain, sizeof(*chain));
}

static enum appmesh_status copy_explicit(struct am_credentials_chain *chain,
                                         const struct appmesh_credentials *c,
                                         struct appmesh_error *err)
{
    const struct appmesh_allocator *a = chain->alloc;
    if (c->access_key_id == NULL || c->access_key_id[0] == '\0') {
        return am_fail_field(err, "credentials.accessKeyId",
                             "credentials.accessKeyId is required when credentials are given");
    }
    if (c->secret_access_key == NULL || c->secret_access_key[0] == '\0') {
        return am_fail_field(err, "credentials.secretAccessKey",
                             "credentials.secretAccessKey is required when credentials are "
                             "given");
    }
    chain->explicit_creds.access_key_id = am_strdup(a, c->access_key_id);
    chain->explicit_creds.secret_access_key = am_strdup(a, c->secret_access_key);
    if (c->session_token != NULL && c->session_token[0] != '\0') {
        chain->explicit_creds.session_token = am_strdup(a, c->session_token);
        if (chain->explicit_creds.session_token == NULL) {
            return am_fail(err, APPMESH_ERR_NOMEM, "out of memory");
        }
    }
    if (chain->explicit_creds.access_key_id == NULL ||
        chain->explicit_creds.secret_access_key == NULL) {
        return am_fail(err, APPMESH_ERR_NOMEM, "out of memory");
    }
    return APPMESH_OK;
}

/* A copy of s, or NULL for NULL; *failed set when out of memory. */
static char *copy_optional(const struct appmesh_allocator *a, const char *s, bool *failed)
{
    char *copy = NULL;
    if (s != NULL) {
        copy = am_strdup(a, s);
        *failed = *failed || copy == NULL;
    }
    return copy;
}

enum appmesh_status am_credentials_chain_new(const struct appmesh_allocator *a,
                                             const struct am_credentials_chain_options *opts,
                                             struct am_credentials_chain **out,
                                             struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_ERR_INTERNAL;
    struct am_credentials_chain *chain = NULL;
    const struct am_env *env = opts->env;
    const char *from_env = am_env_get(env, "AWS_PROFILE");
    const char *profile = opts->profile;
    bool failed = false;

    *out = NULL;
    chain = am_calloc(a, sizeof(*chain));
    if (chain == NULL) {
        return am_fail(err, APPMESH_ERR_NOMEM, "out of memory");
    }
    chain->alloc = a;
    if (env != NULL) {
        chain->env = *env;
    }
    if (profile == NULL || profile[0] == '\0') {
        profile = from_env != NULL ? from_env : "default";
    }
    chain->profile_explicit = strcmp(profile, from_env != NULL ? from_env : "default") != 0;
    chain->profile = copy_optional(a, profile, &failed);
    chain->region = copy_optional(a, opts->region, &failed);
    chain->ca_bundle = copy_optional(a, opts->ca_bundle, &failed);
    if (failed) {
        st = am_fail(err, APPMESH_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    chain->net.ca_bundle = chain->ca_bundle;
    chain->net.no_verify_tls = opts->no_verify_tls;
    chain->net.connect_timeout = opts->connect_timeout;
    chain->net.timeout = opts->timeout;
    chain->net.max_response = 64 * 1024;
    chain->custom = opts->transport;
    st = APPMESH_OK;
    if (opts->explicit_creds != NULL) {
        st = copy_explicit(chain, opts->explicit_creds, err);
    }

cleanup:
    if (st != APPMESH_OK) {
        am_credentials_chain_destroy(chain);
        return st;
    }
    *out = chain;
    return APPMESH_OK;
}

enum appmesh_status am_credentials_chain_get(struct am_credentials_chain *chain,
                                             double now,
                                             struct appmesh_credentials *view,
                                             const char **source,
                                             struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_OK;
    struct appmesh_buf tried;
    size_t i = 0;
    bool ok = false;

    memset(view, 0, sizeof(*view));
    if (source != NULL) {
        *source = NULL;
    }
    am_buf_init(&tried, chain->alloc, 0);
    if (!cache_fresh(chain, now)) {
        const size_t n = sizeof(s_providers) / sizeof(s_providers[0]);
        struct am_cred_ctx ctx = {0};
        ctx.chain = chain;
        ctx.alloc = chain->alloc;
        ctx.env = &chain->env;
        ctx.profile = chain->profile;
        ctx.region = chain->region;
        ctx.now = now;
        for (i = 0; i < n && st == APPMESH_OK && !ok; i++) {
            struct am_cred_set found = {0};
            if (tried.len > 0) {
                st = am_buf_append_str(&tried, ", ", err);
            }
            if (st == APPMESH_OK && s_providers[i].files && ctx.config == NULL) {
                st = ensure_config(chain, err);
                ctx.config = chain->config;
            }
            if (st == APPMESH_OK) {
                st = s_providers[i].load(&ctx, &found, &ok, &tried, err);
            }
            if (st == APPMESH_OK && ok) {
                cache_store(chain, &found, s_providers[i].name);
            }
            am_cred_set_clear(chain->alloc, &found);
        }
        if (st != APPMESH_OK) {
            goto cleanup;
        }
        if (!ok) {
            st = am_fail(err, APPMESH_ERR_CREDENTIALS, "no credentials found: tried %s",
                         am_buf_cstr(&tried));
            goto cleanup;
        }
    }
    view->access_key_id = chain->cache.set.access_key_id;
    view->secret_access_key = chain->cache.set.secret_access_key;
    view->session_token = chain->cache.set.session_token;
    if (source != NULL) {
        *source = chain->cache.source;
    }

cleanup:
    appmesh_buf_cleanup(&tried);
    return st;
}
