/* SPDX-License-Identifier: MIT */
/* The credential_process provider ("custom-process") and its pieces (cred_process.c). */
#ifndef APPMESH_CRED_PROCESS_H
#define APPMESH_CRED_PROCESS_H

#include <stddef.h>

#include "cred_util.h"

/**
 * Runs the profile's credential_process (split as botocore's shlex.split does, no shell) with
 * stdout captured (at most 64 KiB), stderr and stdin inherited, killed after
 * APPMESH_CREDENTIAL_PROCESS_TIMEOUT seconds (default 60). Not configured: *ok false.
 */
am_cred_provider_fn am_cred_process_load;
/**
 * Split a command line into argv (NULL-terminated, argc words) as Python's shlex.split does in
 * POSIX mode. Owned by caller: *argv (am_cred_process_argv_free). Errors: CONFIG (unclosed
 * quote, trailing backslash, empty) with a message that does not repeat the command, NOMEM.
 */
enum appmesh_status am_cred_process_split(const struct appmesh_allocator *a,
                                          const char *command,
                                          char ***argv,
                                          size_t *argc,
                                          struct appmesh_error *err);
void am_cred_process_argv_free(const struct appmesh_allocator *a, char **argv, size_t argc);
/**
 * Run command for profile (named in messages) with a timeout in seconds (<= 0: 60) and read
 * its JSON into *out. Errors: CREDENTIALS (cannot start, exit status, signal, timeout, output
 * too big, bad JSON; never the command's output), NOMEM.
 */
enum appmesh_status am_cred_process_run(const struct appmesh_allocator *a,
                                        const char *profile,
                                        const char *command,
                                        double timeout,
                                        struct am_cred_set *out,
                                        struct appmesh_error *err);
/**
 * Read credential_process output: {"Version": 1, "AccessKeyId", "SecretAccessKey",
 * "SessionToken"?, "Expiration"? (ISO 8601; absent = never)}. Errors: CREDENTIALS naming the
 * profile and what is wrong (never a value), NOMEM.
 */
enum appmesh_status am_cred_process_parse(const char *profile,
                                          const char *text,
                                          size_t len,
                                          struct am_cred_set *out,
                                          struct appmesh_error *err);

#endif
