/* SPDX-License-Identifier: MIT */
/* The virtual-service model to and from JSON, and the exact 64-bit integer reader (json.c). */
#ifndef APPMESH_JSON_H
#define APPMESH_JSON_H

#include <stdint.h>

#include "appmesh/model.h"
#include "internal.h"

struct cJSON;
/**
 * cJSON_Delete(root) after wiping every string value in the tree (cJSON's copies of keys and
 * tokens: cJSON_Delete frees them as they are). NULL is a no-op.
 */
void am_json_delete_wiped(struct cJSON *root);
/** The UpdateVirtualService body {"clientToken":...,"spec":{...}}, compact, appended to out. */
enum appmesh_status am_json_write_update_body(struct appmesh_buf *out,
                                              const char *client_token,
                                              const struct appmesh_virtual_service_spec *spec,
                                              struct appmesh_error *err);
/** Parse a VirtualServiceData payload. Owned by caller: *out. Errors: RESPONSE, NOMEM. */
enum appmesh_status am_json_read_virtual_service_data(const char *body,
                                                      size_t len,
                                                      const struct appmesh_allocator *a,
                                                      struct appmesh_virtual_service_data *out,
                                                      struct appmesh_error *err);
/**
 * Parse a ListVirtualServices response {"virtualServices": [VirtualServiceRef...], "nextToken":
 * ...}. Owned by caller: *out. Errors: RESPONSE, NOMEM.
 */
enum appmesh_status am_json_read_virtual_service_list(const char *body,
                                                      size_t len,
                                                      const struct appmesh_allocator *a,
                                                      struct appmesh_virtual_service_list *out,
                                                      struct appmesh_error *err);

/**
 * Parse a response body that must be exactly one JSON object (whitespace around it is fine).
 * Owned by caller: *root (cJSON_Delete), also when this fails after parsing. Errors: RESPONSE
 * (empty, malformed, trailing data, not an object).
 */
enum appmesh_status am_json_parse_response(const char *body,
                                           size_t len,
                                           struct cJSON **root,
                                           struct appmesh_error *err);

enum am_json_long_result {
    AM_JSON_LONG_OK = 0,
    AM_JSON_LONG_NOT_INTEGER,
    AM_JSON_LONG_RANGE, /* an integer outside int64_t */
};
/**
 * The one exact reader of 64-bit integers (LONG members, metadata.version): the value of
 * `item`, a number node of the tree `root` that cJSON parsed from text[0..len), or a cJSON_Raw
 * node holding an integer's decimal text. Below 2^53 the double is exact and is used; beyond,
 * the number's own text is found (by item's position in the tree) and read. text and root may
 * be NULL for a tree built in memory, whose doubles are then taken as they are.
 */
enum am_json_long_result am_json_long(
    const char *text, size_t len, const struct cJSON *root, const struct cJSON *item, int64_t *out);

#endif
