/* SPDX-License-Identifier: MIT */
/* rest-json requests from the operation tables: URI labels, query members, the JSON body. */
#ifndef APPMESH_SERIALIZE_H
#define APPMESH_SERIALIZE_H

#include <cjson/cJSON.h>

#include "internal.h"
#include "shapes.h"

/** The value of the URI label `label` (n bytes) of a request; NULL when it has none. */
typedef const char *(am_label_fn)(void *ctx, const char *label, size_t n);

/**
 * Append op's request URI with every {label} replaced by label()'s value percent-encoded
 * (am_rest_append_label). Errors: INVALID_ARGUMENT (a label without a value, or a malformed
 * template), NOMEM.
 */
enum appmesh_status am_serialize_path(const struct am_operation *op,
                                      am_label_fn *label,
                                      void *ctx,
                                      struct appmesh_buf *path,
                                      struct appmesh_error *err);

/**
 * The request of a validated input (am_validate_input): the path (appended), the query members
 * (appended to query, "name=value" joined by '&', values percent-encoded), and the JSON body of
 * the body members (appended; "{}" when the input shape has body members and none is given,
 * nothing when it has none). token, when not NULL, is written as the op's idempotency token
 * member if the input does not give it. Longs are written exactly (cJSON_Raw text included).
 * Borrowed: input. Errors: INVALID_ARGUMENT (an input am_validate_input would refuse), NOMEM,
 * and the buffers' caps.
 */
enum appmesh_status am_serialize_request(const struct am_operation *op,
                                         const cJSON *input,
                                         const char *token,
                                         struct appmesh_buf *path,
                                         struct appmesh_buf *query,
                                         struct appmesh_buf *body,
                                         struct appmesh_error *err);

#endif
