/* SPDX-License-Identifier: MIT */
/* The credential provider chain: each provider in turn until one has credentials, cached. */
#include <string.h>

#include "internal.h"

/* Refresh credentials that expire this many seconds before they do. */
#define REFRESH_MARGIN 300.0

/* What a provider found: views into the chain, the environment or the parsed files. */
struct found {
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token;
    double expires; /* epoch seconds; 0 = never */
};

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
    struct {                  /* the credentials in use */
        bool valid;
        char *access_key_id;
        char *secret_access_key;
        char *session_token;
        double expires;
        const char *source;
    } cache;
};

/*
 * A provider looks for credentials: on APPMESH_OK, *ok says whether it found any. It appends
 * where it looked to `tried` (for the "no credentials found" message); an error (e.g. half a
 * key pair) stops the chain.
 */
typedef enum appmesh_status(provider_load_fn)(struct am_credentials_chain *chain,
                                              struct found *out,
                                              bool *ok,
                                              struct appmesh_buf *tried,
                                              struct appmesh_error *err);
struct provider {
    const char *name; /* the source reported by am_credentials_chain_get */
    provider_load_fn *load;
};

static enum appmesh_status load_explicit(struct am_credentials_chain *chain,
                                         struct found *out,
                                         bool *ok,
                                         struct appmesh_buf *tried,
                                         struct appmesh_error *err)
{
    *ok = chain->explicit_creds.access_key_id != NULL;
    out->access_key_id = chain->explicit_creds.access_key_id;
    out->secret_access_key = chain->explicit_creds.secret_access_key;
    out->session_token = chain->explicit_creds.session_token;
    return am_buf_append_str(tried, "explicit credentials", err);
}

static enum appmesh_status load_environment(struct am_credentials_chain *chain,
                                            struct found *out,
                                            bool *ok,
                                            struct appmesh_buf *tried,
                                            struct appmesh_error *err)
{
    const char *id = NULL;
    const char *secret = NULL;

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
        out->access_key_id = id;
        out->secret_access_key = secret;
        out->session_token = am_env_get(&chain->env, "AWS_SESSION_TOKEN");
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
static enum appmesh_status load_profile_keys(struct am_credentials_chain *chain,
                                             enum am_config_file which,
                                             struct found *out,
                                             bool *ok,
                                             struct appmesh_buf *tried,
                                             struct appmesh_error *err)
{
    static const char *const what[2] = {"config file", "shared credentials file"};
    enum appmesh_status st = ensure_config(chain, err);
    const char *id = NULL;
    const char *secret = NULL;
    const char *path = NULL;
    const char *section = which == AM_CONFIG_FILE_CONFIG ? "profile " : "";

    *ok = false;
    if (st != APPMESH_OK) {
        return st;
    }
    path = am_config_path(chain->config, which);
    id = am_config_file_get(chain->config, which, chain->profile, "aws_access_key_id");
    secret = am_config_file_get(chain->config, which, chain->profile, "aws_secret_access_key");
    if ((id == NULL) != (secret == NULL)) {
        return am_fail(err, APPMESH_ERR_CREDENTIALS, "%s %s [%s%s] has %s but no %s", what[which],
                       path, section, chain->profile,
                       id != NULL ? "aws_access_key_id" : "aws_secret_access_key",
                       id != NULL ? "aws_secret_access_key" : "aws_access_key_id");
    }
    if (id != NULL) {
        *ok = true;
        out->access_key_id = id;
        out->secret_access_key = secret;
        out->session_token =
            am_config_file_get(chain->config, which, chain->profile, "aws_session_token");
    }
    return am_buf_printf(tried, err, "%s %s [%s%s]", what[which], path, section, chain->profile);
}

static enum appmesh_status load_shared_credentials_file(struct am_credentials_chain *chain,
                                                        struct found *out,
                                                        bool *ok,
                                                        struct appmesh_buf *tried,
                                                        struct appmesh_error *err)
{
    return load_profile_keys(chain, AM_CONFIG_FILE_CREDENTIALS, out, ok, tried, err);
}

static enum appmesh_status load_config_file(struct am_credentials_chain *chain,
                                            struct found *out,
                                            bool *ok,
                                            struct appmesh_buf *tried,
                                            struct appmesh_error *err)
{
    return load_profile_keys(chain, AM_CONFIG_FILE_CONFIG, out, ok, tried, err);
}

/* The order is botocore's; the names are the sources am_credentials_chain_get reports. */
static const struct provider s_providers[] = {
    {"explicit", load_explicit},
    {"environment", load_environment},
    /* TODO(#5): "assume-role" (profile role_arn with source_profile or credential_source) */
    /* TODO(#5): "assume-role-with-web-identity" (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN,
     * or profile web_identity_token_file) */
    /* TODO(#5): "sso" (profile sso_session / sso_start_url, token cache) */
    {"shared-credentials-file", load_shared_credentials_file},
    /* TODO(#5): "custom-process" (profile credential_process) */
    {"config-file", load_config_file},
    /* TODO(#5): "container-role" (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI) */
    /* TODO(#5): "iam-role" (IMDSv2, unless AWS_EC2_METADATA_DISABLED=true) */
};

static void cache_clear(struct am_credentials_chain *chain)
{
    am_free_secret_str(chain->alloc, chain->cache.access_key_id);
    am_free_secret_str(chain->alloc, chain->cache.secret_access_key);
    am_free_secret_str(chain->alloc, chain->cache.session_token);
    memset(&chain->cache, 0, sizeof(chain->cache));
}

static enum appmesh_status cache_store(struct am_credentials_chain *chain,
                                       const struct found *f,
                                       const char *source,
                                       struct appmesh_error *err)
{
    const struct appmesh_allocator *a = chain->alloc;
    cache_clear(chain);
    chain->cache.access_key_id = am_strdup(a, f->access_key_id);
    chain->cache.secret_access_key = am_strdup(a, f->secret_access_key);
    chain->cache.session_token = am_strdup(a, f->session_token);
    if (chain->cache.access_key_id == NULL || chain->cache.secret_access_key == NULL ||
        (f->session_token != NULL && chain->cache.session_token == NULL)) {
        cache_clear(chain);
        return am_fail(err, APPMESH_ERR_NOMEM, "out of memory");
    }
    chain->cache.expires = f->expires;
    chain->cache.source = source;
    chain->cache.valid = true;
    return APPMESH_OK;
}

static bool cache_fresh(const struct am_credentials_chain *chain, double now)
{
    return chain->cache.valid &&
           (chain->cache.expires == 0 || now < chain->cache.expires - REFRESH_MARGIN);
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

enum appmesh_status am_credentials_chain_new(const struct appmesh_allocator *a,
                                             const struct appmesh_credentials *explicit_creds,
                                             const struct am_env *env,
                                             const char *profile,
                                             struct am_credentials_chain **out,
                                             struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_ERR_INTERNAL;
    struct am_credentials_chain *chain = NULL;
    const char *from_env = am_env_get(env, "AWS_PROFILE");

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
    chain->profile = am_strdup(a, profile);
    if (chain->profile == NULL) {
        st = am_fail(err, APPMESH_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    st = APPMESH_OK;
    if (explicit_creds != NULL) {
        st = copy_explicit(chain, explicit_creds, err);
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
        for (i = 0; i < n && st == APPMESH_OK && !ok; i++) {
            struct found f = {0};
            if (tried.len > 0) {
                st = am_buf_append_str(&tried, ", ", err);
            }
            if (st == APPMESH_OK) {
                st = s_providers[i].load(chain, &f, &ok, &tried, err);
            }
            if (st == APPMESH_OK && ok) {
                st = cache_store(chain, &f, s_providers[i].name, err);
            }
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
    view->access_key_id = chain->cache.access_key_id;
    view->secret_access_key = chain->cache.secret_access_key;
    view->session_token = chain->cache.session_token;
    if (source != NULL) {
        *source = chain->cache.source;
    }

cleanup:
    appmesh_buf_cleanup(&tried);
    return st;
}
