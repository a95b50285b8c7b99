/* SPDX-License-Identifier: MIT */
/* Warnings on stderr, once per process: secret files others can read, APPMESH_LOG (warn.c). */
#ifndef APPMESH_WARN_H
#define APPMESH_WARN_H

#include <stdbool.h>

#include "env.h"

/**
 * Warn once per path and process on stderr when mode (st_mode bits) lets group or others read
 * a file that holds secrets: "appmesh: warning: PATH is readable by group/others (mode 0644);
 * chmod 600 it". AWS tools read such files, and so do we. APPMESH_LOG=off silences it.
 */
void am_config_warn_if_readable(const struct am_env *env, const char *path, unsigned mode);
/** APPMESH_LOG=off (or none): no warnings on stderr. */
bool am_log_warnings_off(const struct am_env *env);
/** Warn once per process (stderr) when APPMESH_LOG has a value that means nothing. */
void am_log_check_setting(const struct am_env *env);

#endif
