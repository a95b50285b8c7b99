/* SPDX-License-Identifier: MIT */
/* The credential provider chain: each provider in turn until one has credentials, cached. */
#include "credentials.h"

#include <string.h>

#include "appmesh/credentials.h"
#include "appmesh/transport.h"
#include "config.h"
#include "cred_assume_role.h"
#include "cred_metadata.h"
#include "cred_process.h"
#include "cred_sso.h"
#include "cred_util.h"
#include "cred_web_identity.h"
#include "env.h"
#include "internal.h"
#include "secmem.h"
#include "sigv4.h"

/*
 * Temporary credentials are refreshed ahead of their expiry, as botocore does: from 15 minutes
 * before (advisory: if the refresh fails, the old ones are still used) and from 10 minutes
 * before (mandatory: a failed refresh is the call's error). After a refresh that failed, or
 * that brought credentials already inside the window, the next try waits REFRESH_BACKOFF
 * seconds of the client clock, so a batch of many calls does not refresh on every call.
 * Finding no credentials at all is remembered as long (botocore looks once per client): a
 * batch of 1,000 calls without credentials does not walk the chain, IMDS timeouts included,
 * 1,000 times.
 */
#define ADVISORY_REFRESH  (15 * 60.0)
#define MANDATORY_REFRESH (10 * 60.0)
#define REFRESH_BACKOFF   5.0

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
    struct am_config *config;      /* the shared files, read when a provider first needs them */
    char *region;                  /* the client's region, for regional STS; NULL = none */
    struct am_cred_transports net; /* the providers' transports; net.service.ca_bundle below */
    char *ca_bundle;
    struct { /* the credentials in use */
        bool valid;
        struct am_cred_set set;
        const char *source;
        size_t provider; /* index in s_providers: the one a refresh asks again */
        double next_try; /* no refresh before this time (after a failed or short refresh) */
        bool failed;     /* the last refresh failed (with failure) */
        struct appmesh_error failure;
    } cache;
};

struct provider {
    const char *name; /* the source reported by am_credentials_chain_get */
    am_cred_provider_fn *load;
    bool files; /* reads the shared config files (loaded before it runs) */
};

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
        st = am_cred_set_copy(out, chain->explicit_creds.access_key_id,
                              chain->explicit_creds.secret_access_key,
                              chain->explicit_creds.session_token, 0, err);
    }
    if (st != APPMESH_OK) {
        return st;
    }
    return am_buf_append_str(tried, "explicit", err);
}

static enum appmesh_status load_environment(const struct am_cred_ctx *ctx,
                                            struct am_cred_set *out,
                                            bool *ok,
                                            struct appmesh_buf *tried,
                                            struct appmesh_error *err)
{
    const struct am_credentials_chain *chain = ctx->chain;
    enum appmesh_status st = APPMESH_OK;

    *ok = false;
    if (chain->profile_explicit) {
        /* As the AWS CLI's --profile: a profile the caller chose outranks the environment. */
        return am_buf_append_str(tried, "environment (skipped)", err);
    }
    st = am_cred_environment(ctx, out, ok, err);
    if (st != APPMESH_OK) {
        return st;
    }
    return am_buf_append_str(tried, "environment", err);
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
            out, id, secret,
            am_config_file_get(ctx->config, which, ctx->profile, "aws_session_token"), 0, err);
    }
    if (st != APPMESH_OK) {
        return st;
    }
    /* tried is short: the "no credentials found" message has room for 255 bytes */
    return am_buf_printf(tried, err, "%s file %s",
                         which == AM_CONFIG_FILE_CONFIG ? "config" : "credentials", path);
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
    {"assume-role", am_cred_assume_role, true},
    {"assume-role-with-web-identity", am_cred_web_identity, true},
    {"sso", am_cred_sso_load, true},
    {"shared-credentials-file", load_shared_credentials_file, true},
    {"custom-process", am_cred_process_load, true},
    {"config-file", load_config_file, true},
    {"container-role", am_cred_container, false},
    {"iam-role", am_cred_imds, true},
};
#define N_PROVIDERS (sizeof(s_providers) / sizeof(s_providers[0]))

/* The providers botocore runs for a source_profile (ProfileProviderBuilder), in its order. */
static const char *const s_profile_providers[] = {"assume-role-with-web-identity", "sso",
                                                  "shared-credentials-file", "custom-process",
                                                  "config-file"};

/* am_cred_profile_fn, for ctx->run_profile. */
static enum appmesh_status run_profile(const struct am_cred_ctx *ctx,
                                       const char *profile,
                                       struct am_cred_set *out,
                                       bool *ok,
                                       struct appmesh_buf *tried,
                                       struct appmesh_error *err)
{
    struct am_cred_ctx sub = *ctx;
    enum appmesh_status st = APPMESH_OK;
    size_t i = 0;
    size_t j = 0;

    *ok = false;
    sub.profile = profile;
    sub.profile_only = true;
    for (i = 0; i < sizeof(s_profile_providers) / sizeof(s_profile_providers[0]); i++) {
        for (j = 0; j < N_PROVIDERS && st == APPMESH_OK && !*ok; j++) {
            if (strcmp(s_providers[j].name, s_profile_providers[i]) != 0) {
                continue;
            }
            if (tried->len > 0) {
                st = am_buf_append_str(tried, ", ", err);
            }
            if (st == APPMESH_OK) {
                st = s_providers[j].load(&sub, out, ok, tried, err);
            }
        }
    }
    return st;
}

static void cache_clear(struct am_credentials_chain *chain)
{
    am_cred_set_clear(&chain->cache.set);
    memset(&chain->cache, 0, sizeof(chain->cache));
}

/* Take over what provider i found (found is left empty). */
static void
cache_store(struct am_credentials_chain *chain, struct am_cred_set *found, size_t i, double now)
{
    cache_clear(chain);
    chain->cache.set = *found;
    memset(found, 0, sizeof(*found));
    chain->cache.source = s_providers[i].name;
    chain->cache.provider = i;
    chain->cache.valid = true;
    if (chain->cache.set.expires != 0 && now >= chain->cache.set.expires - ADVISORY_REFRESH) {
        /* Already inside the window (short-lived credentials): use them, ask again later. */
        chain->cache.next_try = now + REFRESH_BACKOFF;
    }
}

void am_credentials_chain_destroy(struct am_credentials_chain *chain)
{
    if (chain == NULL) {
        return;
    }
    cache_clear(chain);
    am_secmem_free(chain->explicit_creds.access_key_id);
    am_secmem_free(chain->explicit_creds.secret_access_key);
    am_secmem_free(chain->explicit_creds.session_token);
    am_free_str(chain->alloc, chain->profile);
    am_free_str(chain->alloc, chain->region);
    am_free_str(chain->alloc, chain->ca_bundle);
    am_cred_transports_cleanup(&chain->net);
    am_config_destroy(chain->config);
    am_free(chain->alloc, chain, sizeof(*chain));
}

static enum appmesh_status copy_explicit(struct am_credentials_chain *chain,
                                         const struct appmesh_credentials *c,
                                         struct appmesh_error *err)
{
    if (c->access_key_id == NULL || c->access_key_id[0] == '\0') {
        return am_fail_field(err, "credentials.accessKeyId",
                             "credentials.accessKeyId is required when credentials are given");
    }
    if (c->secret_access_key == NULL || c->secret_access_key[0] == '\0') {
        return am_fail_field(err, "credentials.secretAccessKey",
                             "credentials.secretAccessKey is required when credentials are "
                             "given");
    }
    if (am_sigv4_key_id_check(c->access_key_id) != 0) {
        return am_fail_field(err, "credentials.accessKeyId",
                             "credentials.accessKeyId must be 1 to 128 printable ASCII characters "
                             "without spaces");
    }
    chain->explicit_creds.access_key_id = am_secmem_strdup(c->access_key_id);
    chain->explicit_creds.secret_access_key = am_secmem_strdup(c->secret_access_key);
    if (c->session_token != NULL && c->session_token[0] != '\0') {
        chain->explicit_creds.session_token = am_secmem_strdup(c->session_token);
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
    chain->net.alloc = a;
    chain->net.service.ca_bundle = chain->ca_bundle;
    chain->net.service.no_verify_tls = opts->no_verify_tls;
    chain->net.service.connect_timeout = opts->connect_timeout;
    chain->net.service.timeout = opts->timeout;
    chain->net.service.max_response = 64 * 1024;
    chain->net.custom = opts->transport;
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

static void ctx_init(struct am_credentials_chain *chain, double now, struct am_cred_ctx *ctx)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->chain = chain;
    ctx->transports = &chain->net;
    ctx->run_profile = run_profile;
    ctx->alloc = chain->alloc;
    ctx->env = &chain->env;
    ctx->profile = chain->profile;
    ctx->client_profile = chain->profile;
    ctx->region = chain->region;
    ctx->now = now;
}

/* Run provider i; *ok says whether it found credentials (then in found). */
static enum appmesh_status run_provider(struct am_credentials_chain *chain,
                                        struct am_cred_ctx *ctx,
                                        size_t i,
                                        struct am_cred_set *found,
                                        bool *ok,
                                        struct appmesh_buf *tried,
                                        struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_OK;
    *ok = false;
    if (s_providers[i].files && ctx->config == NULL) {
        st = ensure_config(chain, err);
        ctx->config = chain->config;
    }
    if (st == APPMESH_OK) {
        st = s_providers[i].load(ctx, found, ok, tried, err);
    }
    if (st == APPMESH_OK && *ok && am_sigv4_key_id_check(found->access_key_id) != 0) {
        *ok = false;
        st = am_fail(err, APPMESH_ERR_CREDENTIALS,
                     "%s: the access key id it returned is not 1 to 128 printable ASCII "
                     "characters without spaces",
                     s_providers[i].name);
    }
    if (st == APPMESH_OK && *ok && found->expires != 0 && found->expires <= ctx->now) {
        *ok = false;
        st = am_fail(err, APPMESH_ERR_CREDENTIALS,
                     "%s: the credentials it returned have expired (%.0f seconds ago)",
                     s_providers[i].name, ctx->now - found->expires);
    }
    return st;
}

/* Every provider in turn until one has credentials (stored in the cache). */
static enum appmesh_status
resolve(struct am_credentials_chain *chain, double now, struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_OK;
    struct appmesh_buf tried;
    struct am_cred_ctx ctx;
    size_t i = 0;
    bool ok = false;

    am_buf_init(&tried, chain->alloc, 0);
    ctx_init(chain, now, &ctx);
    for (i = 0; i < N_PROVIDERS && st == APPMESH_OK && !ok; i++) {
        struct am_cred_set found = {0};
        if (tried.len > 0) {
            st = am_buf_append_str(&tried, ", ", err);
        }
        if (st == APPMESH_OK) {
            st = run_provider(chain, &ctx, i, &found, &ok, &tried, err);
        }
        if (st == APPMESH_OK && ok) {
            cache_store(chain, &found, i, now);
        }
        am_cred_set_clear(&found);
    }
    if (st == APPMESH_OK && !ok) {
        st =
            am_fail(err, APPMESH_ERR_CREDENTIALS, "no credentials found for profile '%s': tried %s",
                    chain->profile, am_buf_cstr(&tried));
    }
    appmesh_buf_cleanup(&tried);
    return st;
}

/* Ask the provider of the cached credentials again. */
static enum appmesh_status
refresh(struct am_credentials_chain *chain, double now, struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_OK;
    struct appmesh_buf tried;
    struct am_cred_ctx ctx;
    struct am_cred_set found = {0};
    size_t i = chain->cache.provider;
    bool ok = false;

    am_buf_init(&tried, chain->alloc, 0);
    ctx_init(chain, now, &ctx);
    st = run_provider(chain, &ctx, i, &found, &ok, &tried, err);
    if (st == APPMESH_OK && !ok) {
        st = am_fail(err, APPMESH_ERR_CREDENTIALS,
                     "%s: refreshing credentials that expire in %.0f seconds: no credentials "
                     "found any more (tried %s)",
                     s_providers[i].name, chain->cache.set.expires - now, am_buf_cstr(&tried));
    }
    if (st == APPMESH_OK) {
        cache_store(chain, &found, i, now);
    }
    am_cred_set_clear(&found);
    appmesh_buf_cleanup(&tried);
    return st;
}

/*
 * Make the cache usable at time now: nothing to do while the credentials are fresh; in the
 * advisory window a refresh that fails keeps the old credentials; in the mandatory window (or
 * with nothing cached) a failure is the caller's error. Failures back off REFRESH_BACKOFF.
 */
static enum appmesh_status
ensure_fresh(struct am_credentials_chain *chain, double now, struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_OK;
    struct appmesh_error rerr = {0};
    const double expires = chain->cache.set.expires;
    bool mandatory = false;

    if (!chain->cache.valid) {
        if (chain->cache.failed && now < chain->cache.next_try) {
            if (err != NULL && err->status == APPMESH_OK) {
                *err = chain->cache.failure;
            }
            return chain->cache.failure.status;
        }
        st = resolve(chain, now, &rerr);
        if (st != APPMESH_OK && st != APPMESH_ERR_NOMEM) {
            chain->cache.failed = true;
            chain->cache.failure = rerr;
            chain->cache.next_try = now + REFRESH_BACKOFF;
        }
        if (st != APPMESH_OK && err != NULL && err->status == APPMESH_OK) {
            *err = rerr;
        }
        return st;
    }
    if (expires == 0 || now < expires - ADVISORY_REFRESH) {
        return APPMESH_OK;
    }
    mandatory = now >= expires - MANDATORY_REFRESH;
    if (now < chain->cache.next_try) {
        if (chain->cache.failed && mandatory) {
            /* the same error, without asking again so soon */
            if (err != NULL && err->status == APPMESH_OK) {
                *err = chain->cache.failure;
            }
            return chain->cache.failure.status;
        }
        if (now < expires) {
            return APPMESH_OK;
        }
    }
    st = refresh(chain, now, &rerr);
    if (st == APPMESH_OK) {
        chain->cache.failed = false;
        return APPMESH_OK;
    }
    if (st == APPMESH_ERR_NOMEM) {
        return am_fail(err, st, "out of memory");
    }
    chain->cache.failed = true;
    chain->cache.failure = rerr;
    chain->cache.next_try = now + REFRESH_BACKOFF;
    if (!mandatory) {
        return APPMESH_OK; /* advisory: keep using the old credentials */
    }
    if (err != NULL && err->status == APPMESH_OK) {
        *err = rerr;
    }
    return st;
}

void am_credentials_chain_expire(struct am_credentials_chain *chain, const char *access_key_id)
{
    if (chain != NULL && chain->cache.valid && access_key_id != NULL &&
        chain->cache.set.access_key_id != NULL &&
        strcmp(chain->cache.set.access_key_id, access_key_id) == 0) {
        cache_clear(chain);
    }
}

enum appmesh_status am_credentials_chain_get(struct am_credentials_chain *chain,
                                             double now,
                                             struct appmesh_credentials *view,
                                             const char **source,
                                             struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_OK;

    memset(view, 0, sizeof(*view));
    if (source != NULL) {
        *source = NULL;
    }
    st = ensure_fresh(chain, now, err);
    if (st != APPMESH_OK) {
        return st;
    }
    view->access_key_id = chain->cache.set.access_key_id;
    view->secret_access_key = chain->cache.set.secret_access_key;
    view->session_token = chain->cache.set.session_token;
    if (source != NULL) {
        *source = chain->cache.source;
    }
    return APPMESH_OK;
}
