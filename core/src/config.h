/* SPDX-License-Identifier: MIT */
/* The shared config and credentials files as the AWS CLI reads them (config.c). */
#ifndef APPMESH_CONFIG_H
#define APPMESH_CONFIG_H

#include <stdbool.h>

#include "env.h"
#include "internal.h"

/**
 * The shared config and credentials files, parsed as the AWS CLI reads them: `[profile x]`
 * (and `[default]`) in config, `[x]` in credentials, `[services x]` sections, `#`/`;` comments
 * (full-line, or inline after whitespace), `key = value` / `key: value` with keys folded to
 * lower case, indented sub-section lines under a key with an empty value.
 */
struct am_config;
enum am_config_file {
    AM_CONFIG_FILE_CONFIG = 0,  /* AWS_CONFIG_FILE, default ~/.aws/config */
    AM_CONFIG_FILE_CREDENTIALS, /* AWS_SHARED_CREDENTIALS_FILE, default ~/.aws/credentials */
};
/**
 * Read both files (paths from env; "~/" and the defaults use HOME). A missing file is empty.
 * Owned by caller: *out (am_config_destroy). Errors: CONFIG naming the file (unreadable,
 * larger than 1 MiB) and the line (malformed, duplicate section or key), NOMEM.
 */
enum appmesh_status am_config_load(const struct am_env *env,
                                   const struct appmesh_allocator *a,
                                   struct am_config **out,
                                   struct appmesh_error *err);
/**
 * Parse texts instead of files (tests, fuzzing); NULL text = that file is absent. Messages
 * name the files "<config>" and "<credentials>". Owned by caller: *out. Errors: as above.
 */
enum appmesh_status am_config_parse(const struct appmesh_allocator *a,
                                    const char *config_text,
                                    size_t config_len,
                                    const char *credentials_text,
                                    size_t credentials_len,
                                    struct am_config **out,
                                    struct appmesh_error *err);
/** NULL is a no-op. */
void am_config_destroy(struct am_config *cfg);
/** The file's path as used in messages (e.g. "/home/u/.aws/config"). Borrowed from cfg. */
const char *am_config_path(const struct am_config *cfg, enum am_config_file which);
/** Whether the file has a section for the profile. */
bool am_config_has_profile(const struct am_config *cfg,
                           enum am_config_file which,
                           const char *profile);
/**
 * A profile's value for key (lower-case) in one file; NULL when the profile or key is absent,
 * the value is empty, or the key holds a sub-section. Borrowed from cfg.
 */
const char *am_config_file_get(const struct am_config *cfg,
                               enum am_config_file which,
                               const char *profile,
                               const char *key);
/**
 * A profile's value for key with the credentials file taking precedence over the config file
 * (as botocore merges them); *from (nullable) says which file had it. Borrowed from cfg.
 */
const char *am_config_get(const struct am_config *cfg,
                          const char *profile,
                          const char *key,
                          enum am_config_file *from);
/** Whether the config file has an `[sso-session NAME]` section for session. */
bool am_config_has_sso_session(const struct am_config *cfg, const char *session);
/**
 * A value (key lower-case) of the config file's `[sso-session NAME]` section; NULL when the
 * section or key is absent, or the value empty. Borrowed from cfg.
 */
const char *
am_config_sso_session_get(const struct am_config *cfg, const char *session, const char *key);
/**
 * The value of `key` in sub-section `service` of the `[services <name>]` section that the
 * profile's `services` key names; *value NULL when not configured. Borrowed from cfg.
 * Errors: CONFIG when the named services section does not exist or `service` is not a
 * sub-section.
 */
enum appmesh_status am_config_service_get(const struct am_config *cfg,
                                          const char *profile,
                                          const char *service,
                                          const char *key,
                                          const char **value,
                                          struct appmesh_error *err);

#endif
