/* SPDX-License-Identifier: MIT */
/* The client's settings after precedence: options, environment, profile, defaults (settings.c). */
#ifndef APPMESH_SETTINGS_H
#define APPMESH_SETTINGS_H

#include <stdbool.h>

#include "appmesh/client.h"
#include "config.h"
#include "env.h"
#include "internal.h"

/**
 * The endpoint URL configured for one service, in the SDKs' order (an explicit option aside):
 * AWS_ENDPOINT_URL_<env_id>, AWS_ENDPOINT_URL, the profile's `[services]` sub-section (the
 * first of the NULL-terminated service_keys that has one), the profile's endpoint_url; none
 * when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS / ignore_configured_endpoint_urls is true.
 * *value is NULL when none (borrowed from env or cfg; not checked); `where` receives where it
 * came from, for messages. Errors: CONFIG (the profile names a services section that is missing).
 */
enum appmesh_status am_config_endpoint_url(const struct am_env *env,
                                           const struct am_config *cfg,
                                           const char *profile,
                                           const char *env_id,
                                           const char *const *service_keys,
                                           const char **value,
                                           char *where,
                                           size_t where_size,
                                           struct appmesh_error *err);

/** Client settings after precedence (explicit > env > profile > default). Strings owned. */
struct am_settings {
    char *region;       /* NULL when none anywhere */
    char *endpoint_url; /* configured custom endpoint, NULL = resolve from region */
    char *profile;      /* profile name in use */
    char *ca_bundle;
    char *retry_mode; /* "standard" | "adaptive" (validated) */
    int max_attempts; /* >= 1 */
    double retry_base_delay;
    bool use_fips;
    bool use_dualstack;
    const struct appmesh_allocator *alloc;
};
/**
 * Resolve every setting: opts (nullable) > environment > profile (both files) > default.
 * A named profile found in neither file is a CONFIG error ("default" may be absent); a
 * configured endpoint URL is checked with am_url_parse (ENDPOINT naming where it came from).
 * Owned by caller: out (am_settings_cleanup); on failure it is left empty. Errors: VALIDATION
 * with err->field for a bad option, CONFIG naming the variable or profile key, ENDPOINT, NOMEM.
 */
enum appmesh_status am_settings_resolve(const struct appmesh_client_options *opts,
                                        const struct am_env *env,
                                        const struct appmesh_allocator *a,
                                        struct am_settings *out,
                                        struct appmesh_error *err);
/** Safe on a zeroed struct and safe twice. */
void am_settings_cleanup(struct am_settings *s);

#endif
