/* SPDX-License-Identifier: MIT */
/* The "assume-role-with-web-identity" credential provider (cred_web_identity.c). */
#ifndef APPMESH_CRED_WEB_IDENTITY_H
#define APPMESH_CRED_WEB_IDENTITY_H

#include <stdbool.h>

#include "cred_util.h"

/** "assume-role-with-web-identity": AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN, or profile. */
enum appmesh_status am_cred_web_identity(const struct am_cred_ctx *ctx,
                                         struct am_cred_set *out,
                                         bool *ok,
                                         struct appmesh_buf *tried,
                                         struct appmesh_error *err);

#endif
