/* SPDX-License-Identifier: MIT */
/* rest-json responses read against the operation tables and normalised to the output shape. */
#ifndef APPMESH_DESERIALIZE_H
#define APPMESH_DESERIALIZE_H

#include <cjson/cJSON.h>

#include "internal.h"
#include "shapes.h"

/**
 * The output structure of op from a 2xx body: the body itself, or, when the output has a
 * payload member, {"<payload>": body}. Normalised against the output shape: JSON nulls and
 * members the shape does not know are removed (the first of two equal keys is kept),
 * timestamps are numbers (epoch seconds; ISO 8601 text is converted), longs are numbers when
 * exactly representable, else cJSON_Raw with the exact decimal text. An empty body is {} for
 * an output without a payload. Owned by caller: *out (cJSON_Delete), NULL on failure.
 * Errors: RESPONSE (not JSON, not an object, a value of the wrong type, naming its path with
 * list positions from 0), NOMEM.
 */
enum appmesh_status am_deserialize_output(const struct am_operation *op,
                                          const char *body,
                                          size_t len,
                                          cJSON **out,
                                          struct appmesh_error *err);

/**
 * Make every LONG of value (a tree cJSON parsed from text[0..len), checked against shape as
 * far as it matches) exact: a number beyond 2^53 becomes a cJSON_Raw with the integer's own
 * text. Members the shape does not know and values of the wrong type are left for
 * validation to report. Errors: NOMEM.
 */
enum appmesh_status am_deserialize_exact_longs(const struct am_shape *shape,
                                               const char *text,
                                               size_t len,
                                               cJSON *root,
                                               struct appmesh_error *err);

#endif
