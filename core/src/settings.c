/* SPDX-License-Identifier: MIT */
/* The client's settings after precedence: options, environment, profile (both files), defaults. */
#include "settings.h"

#include <stdio.h>
#include <string.h>

#include "appmesh/client.h"
#include "config.h"
#include "endpoint.h"
#include "env.h"
#include "internal.h"
#include "sigv4.h"

#define SHOW_VALUE_MAX 32 /* how much of a bad (non-secret) setting a message repeats */

void am_settings_cleanup(struct am_settings *s)
{
    if (s == NULL) {
        return;
    }
    am_free_str(s->alloc, s->region);
    am_free_str(s->alloc, s->endpoint_url);
    am_free_str(s->alloc, s->profile);
    am_free_str(s->alloc, s->ca_bundle);
    am_free_str(s->alloc, s->retry_mode);
    s->region = s->endpoint_url = s->profile = s->ca_bundle = s->retry_mode = NULL;
}

static const char *nonempty(const char *s)
{
    return (s != NULL && s[0] != '\0') ? s : NULL;
}

/* botocore's ensure_boolean: "true" in any case is true, anything else false. */
static bool is_true(const char *v)
{
    return v != NULL && am_strcasecmp_n(v, strlen(v), "true", 4) == 0;
}

/* A boolean setting: the environment, when set, overrides the profile. */
static bool flag(const struct am_env *env,
                 const char *var,
                 const struct am_config *cfg,
                 const char *profile,
                 const char *key)
{
    const char *v = am_env_get(env, var);
    if (v != NULL) {
        return is_true(v);
    }
    return is_true(am_config_get(cfg, profile, key, NULL));
}

static enum appmesh_status
dup_setting(const struct appmesh_allocator *a, const char *v, char **out, struct appmesh_error *err)
{
    *out = NULL;
    if (v == NULL) {
        return APPMESH_OK;
    }
    *out = am_strdup(a, v);
    return *out != NULL ? APPMESH_OK : am_fail(err, APPMESH_ERR_NOMEM, "out of memory");
}

/* "where a value came from", for messages */
static void describe_profile_key(char *buf,
                                 size_t size,
                                 const struct am_config *cfg,
                                 const char *profile,
                                 const char *key,
                                 enum am_config_file from)
{
    snprintf(buf, size, "%s in profile '%s' of %s", key, profile, am_config_path(cfg, from));
}

enum appmesh_status am_config_endpoint_url(const struct am_env *env,
                                           const struct am_config *cfg,
                                           const char *profile,
                                           const char *env_id,
                                           const char *const *service_keys,
                                           const char **value,
                                           char *where,
                                           size_t where_size,
                                           struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_OK;
    const char *v = NULL;
    char var[64];
    size_t i = 0;

    *value = NULL;
    if (flag(env, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", cfg, profile,
             "ignore_configured_endpoint_urls")) {
        return APPMESH_OK;
    }
    snprintf(var, sizeof(var), "AWS_ENDPOINT_URL_%s", env_id);
    v = am_env_get(env, var);
    if (v == NULL) {
        snprintf(var, sizeof(var), "AWS_ENDPOINT_URL");
        v = am_env_get(env, var);
    }
    if (v != NULL) {
        snprintf(where, where_size, "%s", var);
    }
    for (i = 0; v == NULL && service_keys[i] != NULL; i++) {
        st = am_config_service_get(cfg, profile, service_keys[i], "endpoint_url", &v, err);
        if (st != APPMESH_OK) {
            return st;
        }
        snprintf(where, where_size, "endpoint_url of %s in the services section of profile '%s'",
                 service_keys[i], profile);
    }
    if (v == NULL) {
        enum am_config_file from = AM_CONFIG_FILE_CONFIG;
        v = am_config_get(cfg, profile, "endpoint_url", &from);
        describe_profile_key(where, where_size, cfg, profile, "endpoint_url", from);
    }
    *value = v;
    return APPMESH_OK;
}

static enum appmesh_status resolve_endpoint(const struct appmesh_client_options *opts,
                                            const struct am_env *env,
                                            const struct am_config *cfg,
                                            const char *profile,
                                            struct am_settings *out,
                                            struct appmesh_error *err)
{
    static const char *const service_keys[] = {"app_mesh", "appmesh", NULL};
    enum appmesh_status st = APPMESH_OK;
    const char *v = nonempty(opts->endpoint);
    char where[160];
    struct am_url u;
    struct appmesh_error perr = {0};

    snprintf(where, sizeof(where), "the endpoint option");
    if (v == NULL) {
        st = am_config_endpoint_url(env, cfg, profile, "APP_MESH", service_keys, &v, where,
                                    sizeof(where), err);
        if (st != APPMESH_OK) {
            return st;
        }
    }
    if (v == NULL) {
        return APPMESH_OK;
    }
    if (am_url_parse(v, &u, &perr) != APPMESH_OK) {
        return am_fail(err, APPMESH_ERR_ENDPOINT, "%s (from %s)", perr.message, where);
    }
    return dup_setting(out->alloc, v, &out->endpoint_url, err);
}

/* An integer >= 1 written in decimal digits; false otherwise. */
#define AM_MAX_ATTEMPTS         100 /* attempts of one call, from any source */
#define AM_MAX_RETRY_BASE_DELAY 60  /* seconds */

static bool parse_attempts(const char *v, int *out)
{
    long n = 0;
    const char *p = v;
    if (*p == '\0') {
        return false;
    }
    for (; *p != '\0'; p++) {
        if (*p < '0' || *p > '9') {
            return false;
        }
        n = n * 10 + (*p - '0');
        if (n > AM_MAX_ATTEMPTS) {
            return false;
        }
    }
    if (n < 1) {
        return false;
    }
    *out = (int)n;
    return true;
}

static int show_len(const char *v)
{
    size_t n = strlen(v);
    return (int)(n > SHOW_VALUE_MAX ? SHOW_VALUE_MAX : n);
}

static enum appmesh_status resolve_max_attempts(const struct appmesh_client_options *opts,
                                                const struct am_env *env,
                                                const struct am_config *cfg,
                                                const char *profile,
                                                struct am_settings *out,
                                                struct appmesh_error *err)
{
    const char *v = NULL;
    enum am_config_file from = AM_CONFIG_FILE_CONFIG;
    char where[160];

    out->max_attempts = 3;
    if (opts->max_attempts < 0 || opts->max_attempts > AM_MAX_ATTEMPTS) {
        return am_fail_field(err, "max_attempts",
                             "max_attempts must be an integer from 1 to %d, got %d",
                             AM_MAX_ATTEMPTS, opts->max_attempts);
    }
    if (opts->max_attempts > 0) {
        out->max_attempts = opts->max_attempts;
        return APPMESH_OK;
    }
    v = am_env_get(env, "AWS_MAX_ATTEMPTS");
    if (v != NULL) {
        snprintf(where, sizeof(where), "AWS_MAX_ATTEMPTS");
    } else {
        v = am_config_get(cfg, profile, "max_attempts", &from);
        describe_profile_key(where, sizeof(where), cfg, profile, "max_attempts", from);
    }
    if (v != NULL && !parse_attempts(v, &out->max_attempts)) {
        return am_fail(err, APPMESH_ERR_CONFIG, "%s must be an integer from 1 to %d, got '%.*s'",
                       where, AM_MAX_ATTEMPTS, show_len(v), v);
    }
    return APPMESH_OK;
}

/*
 * The region: explicit > AWS_REGION > AWS_DEFAULT_REGION > profile; *out NULL when none. It
 * goes into hostnames and the signature's credential scope, so anything but a-z, 0-9 and '-'
 * is refused wherever it came from (and the value, which may hold control characters, is not
 * echoed).
 */
static enum appmesh_status resolve_region(const struct appmesh_client_options *opts,
                                          const struct am_env *env,
                                          const struct am_config *cfg,
                                          const char *profile,
                                          const char **out,
                                          struct appmesh_error *err)
{
    static const char rule[] = "must be 1 to 63 characters of a-z, 0-9 and '-'";
    enum am_config_file from = AM_CONFIG_FILE_CONFIG;
    const char *v = nonempty(opts->region);
    const char *env_name = NULL;
    char where[160];
    long bad = 0;

    *out = NULL;
    if (v != NULL) {
        bad = am_sigv4_region_check(v);
        if (bad > 0) {
            return am_fail_field(err, "region", "region %s; character %ld is not", rule, bad);
        }
        if (bad < 0) {
            return am_fail_field(err, "region", "region %s", rule);
        }
        *out = v;
        return APPMESH_OK;
    }
    env_name = "AWS_REGION";
    v = am_env_get(env, env_name);
    if (v == NULL) {
        env_name = "AWS_DEFAULT_REGION";
        v = am_env_get(env, env_name);
    }
    if (v != NULL) {
        snprintf(where, sizeof(where), "%s", env_name);
    } else {
        v = am_config_get(cfg, profile, "region", &from);
        describe_profile_key(where, sizeof(where), cfg, profile, "region", from);
    }
    if (v != NULL && v[0] != '\0' && am_sigv4_region_check(v) != 0) {
        return am_fail(err, APPMESH_ERR_CONFIG, "%s %s", where, rule);
    }
    *out = v;
    return APPMESH_OK;
}

static const char *canonical_retry_mode(const char *v)
{
    if (strcmp(v, "standard") == 0 || strcmp(v, "legacy") == 0) {
        return "standard";
    }
    if (strcmp(v, "adaptive") == 0) {
        return "adaptive";
    }
    return NULL;
}

static enum appmesh_status resolve_retry_mode(const struct appmesh_client_options *opts,
                                              const struct am_env *env,
                                              const struct am_config *cfg,
                                              const char *profile,
                                              struct am_settings *out,
                                              struct appmesh_error *err)
{
    const char *v = nonempty(opts->retry_mode);
    const char *mode = "standard";
    enum am_config_file from = AM_CONFIG_FILE_CONFIG;
    char where[160];

    if (v != NULL) {
        mode = canonical_retry_mode(v);
        if (mode == NULL) {
            return am_fail_field(err, "retry_mode",
                                 "retry_mode must be \"standard\" or \"adaptive\", got '%.*s'",
                                 show_len(v), v);
        }
    } else {
        v = am_env_get(env, "AWS_RETRY_MODE");
        if (v != NULL) {
            snprintf(where, sizeof(where), "AWS_RETRY_MODE");
        } else {
            v = am_config_get(cfg, profile, "retry_mode", &from);
            describe_profile_key(where, sizeof(where), cfg, profile, "retry_mode", from);
        }
        if (v != NULL) {
            mode = canonical_retry_mode(v);
            if (mode == NULL) {
                return am_fail(err, APPMESH_ERR_CONFIG,
                               "%s must be \"standard\" or \"adaptive\", got '%.*s'", where,
                               show_len(v), v);
            }
        }
    }
    return dup_setting(out->alloc, mode, &out->retry_mode, err);
}

enum appmesh_status am_settings_resolve(const struct appmesh_client_options *opts,
                                        const struct am_env *env,
                                        const struct appmesh_allocator *a,
                                        struct am_settings *out,
                                        struct appmesh_error *err)
{
    static const struct appmesh_client_options no_options = {0};
    enum appmesh_status st = APPMESH_ERR_INTERNAL;
    struct am_config *cfg = NULL;
    const char *profile = NULL;
    const char *v = NULL;

    memset(out, 0, sizeof(*out));
    out->alloc = a;
    if (opts == NULL) {
        opts = &no_options;
    }
    if (!(opts->retry_base_delay >= 0 && opts->retry_base_delay <= AM_MAX_RETRY_BASE_DELAY)) {
        st = am_fail_field(err, "retry_base_delay",
                           "retry_base_delay must be from 0 to %d seconds, got %g",
                           AM_MAX_RETRY_BASE_DELAY, opts->retry_base_delay);
        goto cleanup;
    }
    out->retry_base_delay = opts->retry_base_delay > 0 ? opts->retry_base_delay : 1.0;

    st = am_config_load(env, a, &cfg, err);
    if (st != APPMESH_OK) {
        goto cleanup;
    }

    /* profile: explicit > AWS_PROFILE > "default" (which alone may be absent) */
    profile = nonempty(opts->profile);
    if (profile == NULL) {
        profile = am_env_get(env, "AWS_PROFILE");
    }
    if (profile == NULL) {
        profile = "default";
    }
    if (strcmp(profile, "default") != 0 &&
        !am_config_has_profile(cfg, AM_CONFIG_FILE_CONFIG, profile) &&
        !am_config_has_profile(cfg, AM_CONFIG_FILE_CREDENTIALS, profile)) {
        st = am_fail(err, APPMESH_ERR_CONFIG, "profile '%s' not found in %s or %s", profile,
                     am_config_path(cfg, AM_CONFIG_FILE_CONFIG),
                     am_config_path(cfg, AM_CONFIG_FILE_CREDENTIALS));
        goto cleanup;
    }
    st = dup_setting(a, profile, &out->profile, err);
    if (st != APPMESH_OK) {
        goto cleanup;
    }

    /* region: explicit > AWS_REGION > AWS_DEFAULT_REGION > profile */
    st = resolve_region(opts, env, cfg, profile, &v, err);
    if (st != APPMESH_OK) {
        goto cleanup;
    }
    st = dup_setting(a, v, &out->region, err);
    if (st != APPMESH_OK) {
        goto cleanup;
    }

    st = resolve_endpoint(opts, env, cfg, profile, out, err);
    if (st != APPMESH_OK) {
        goto cleanup;
    }

    /* ca_bundle: explicit > AWS_CA_BUNDLE > profile */
    v = nonempty(opts->ca_bundle);
    if (v == NULL) {
        v = am_env_get(env, "AWS_CA_BUNDLE");
    }
    if (v == NULL) {
        v = am_config_get(cfg, profile, "ca_bundle", NULL);
    }
    st = dup_setting(a, v, &out->ca_bundle, err);
    if (st != APPMESH_OK) {
        goto cleanup;
    }

    st = resolve_max_attempts(opts, env, cfg, profile, out, err);
    if (st != APPMESH_OK) {
        goto cleanup;
    }
    st = resolve_retry_mode(opts, env, cfg, profile, out, err);
    if (st != APPMESH_OK) {
        goto cleanup;
    }

    out->use_fips =
        opts->use_fips || flag(env, "AWS_USE_FIPS_ENDPOINT", cfg, profile, "use_fips_endpoint");
    out->use_dualstack = opts->use_dualstack || flag(env, "AWS_USE_DUALSTACK_ENDPOINT", cfg,
                                                     profile, "use_dualstack_endpoint");

cleanup:
    am_config_destroy(cfg);
    if (st != APPMESH_OK) {
        am_settings_cleanup(out);
    }
    return st;
}
