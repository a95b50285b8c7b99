/* SPDX-License-Identifier: MIT */
/* The container endpoint and IMDS credential providers (cred_metadata.c). */
#ifndef APPMESH_CRED_METADATA_H
#define APPMESH_CRED_METADATA_H

#include <stddef.h>

#include "cred_util.h"

/** "container-role": AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI. */
enum appmesh_status am_cred_container(const struct am_cred_ctx *ctx,
                                      struct am_cred_set *out,
                                      bool *ok,
                                      struct appmesh_buf *tried,
                                      struct appmesh_error *err);
/** "iam-role": IMDSv2 (v1 fallback as botocore), unless AWS_EC2_METADATA_DISABLED=true. */
enum appmesh_status am_cred_imds(const struct am_cred_ctx *ctx,
                                 struct am_cred_set *out,
                                 bool *ok,
                                 struct appmesh_buf *tried,
                                 struct appmesh_error *err);
/**
 * The credentials JSON of the container endpoint and IMDS (AccessKeyId, SecretAccessKey, Token,
 * Expiration): APPMESH_OK with why "" and *out filled, or APPMESH_OK with why[0..whysize) saying
 * what is wrong (never a secret) and nothing in out. Errors: NOMEM.
 */
enum appmesh_status am_cred_metadata_parse(const struct appmesh_buf *body,
                                           struct am_cred_set *out,
                                           char *why,
                                           size_t whysize,
                                           struct appmesh_error *err);

#endif
