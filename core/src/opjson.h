/* SPDX-License-Identifier: MIT */
/* The JSON-text face of calls of any operation: operation names, input text, output text. */
#ifndef APPMESH_OPJSON_H
#define APPMESH_OPJSON_H

#include <cjson/cJSON.h>

#include "internal.h"
#include "shapes.h"

/**
 * The operation named name (API or boto3 name). Errors: INVALID_ARGUMENT for NULL or an
 * unknown name, the message naming the nearest known ones.
 */
enum appmesh_status
am_opjson_find(const char *name, const struct am_operation **op, struct appmesh_error *err);

/**
 * Parse an operation's input from JSON text (len bytes; blank text is {}), longs beyond 2^53
 * kept exact as cJSON_Raw (am_deserialize_exact_longs). Owned by caller: *out (cJSON_Delete).
 * Errors: JSON (malformed, trailing data, not an object, a NUL character raw or as \u0000,
 * which a cJSON string would silently end at), NOMEM.
 */
enum appmesh_status am_opjson_parse_input(const struct am_operation *op,
                                          const char *text,
                                          size_t len,
                                          cJSON **out,
                                          struct appmesh_error *err);

/**
 * value as compact JSON text into out, initialised here with alloc; integers that cJSON would
 * print with fewer digits than they have (10^15 to 2^53) are first made cJSON_Raw in value.
 * Owned by caller: *out (appmesh_buf_cleanup). Errors: NOMEM.
 */
enum appmesh_status am_opjson_print(cJSON *value,
                                    const struct appmesh_allocator *alloc,
                                    struct appmesh_buf *out,
                                    struct appmesh_error *err);

#endif
