/* SPDX-License-Identifier: MIT */
/* STS (query protocol, XML) and the providers that call it: assume role, web identity. */
#ifndef APPMESH_CRED_STS_H
#define APPMESH_CRED_STS_H

#include <stdbool.h>

#include "appmesh/http.h"
#include "cred_util.h"

/** "assume-role": profile role_arn with source_profile (chains) or credential_source. */
enum appmesh_status am_cred_assume_role(const struct am_cred_ctx *ctx,
                                        struct am_cred_set *out,
                                        bool *ok,
                                        struct appmesh_buf *tried,
                                        struct appmesh_error *err);
/** "assume-role-with-web-identity": AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN, or profile. */
enum appmesh_status am_cred_web_identity(const struct am_cred_ctx *ctx,
                                         struct am_cred_set *out,
                                         bool *ok,
                                         struct appmesh_buf *tried,
                                         struct appmesh_error *err);

/**
 * Read an STS AssumeRole (or, web_identity, AssumeRoleWithWebIdentity) answer: the credentials
 * of a 200, else STS's error code and message. role_arn is named in messages. Errors:
 * CREDENTIALS (never a secret of the body), NOMEM.
 */
enum appmesh_status am_cred_sts_read(const struct am_cred_ctx *ctx,
                                     bool web_identity,
                                     const char *role_arn,
                                     const struct appmesh_http_response *resp,
                                     struct am_cred_set *out,
                                     struct appmesh_error *err);

#endif
