/* SPDX-License-Identifier: MIT */
/* The "assume-role" credential provider (cred_assume_role.c). */
#ifndef APPMESH_CRED_ASSUME_ROLE_H
#define APPMESH_CRED_ASSUME_ROLE_H

#include <stdbool.h>

#include "cred_util.h"

/** "assume-role": profile role_arn with source_profile (chains) or credential_source. */
enum appmesh_status am_cred_assume_role(const struct am_cred_ctx *ctx,
                                        struct am_cred_set *out,
                                        bool *ok,
                                        struct appmesh_buf *tried,
                                        struct appmesh_error *err);

#endif
