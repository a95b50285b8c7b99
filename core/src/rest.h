/* SPDX-License-Identifier: MIT */
/* The rest-json protocol pieces: labels, query strings, error responses (rest.c). */
#ifndef APPMESH_REST_H
#define APPMESH_REST_H

#include "appmesh/http.h"
#include "internal.h"

/** Append label percent-encoded (only A-Z a-z 0-9 - . _ ~ kept); "." and ".." become %2E. */
enum appmesh_status
am_rest_append_label(struct appmesh_buf *out, const char *s, size_t n, struct appmesh_error *err);
/**
 * Fill err from an error response (http_status >= 300): aws_code (x-amzn-ErrorType before ':',
 * else body "code", else "__type" after '#', else the status number), message (body
 * "message"/"Message"), request_id (x-amzn-RequestId), http_status, status =
 * APPMESH_ERR_SERVICE. Retry classification is retry.c's job.
 */
void am_rest_parse_error(const struct appmesh_http_response *resp, struct appmesh_error *err);
/**
 * Append "&name=value" (or "name=value" when out is empty) with value percent-encoded as a
 * label (only A-Z a-z 0-9 - . _ ~ kept, upper-case hex: already SigV4-canonical), except that
 * "." and ".." stay as they are (dot-segments matter only in paths). name is written as is (a
 * wire name). A NULL value appends nothing (an absent member); "" appends "name=". Nothing is
 * appended on failure. Errors: NOMEM, INVALID_ARGUMENT (name NULL).
 */
enum appmesh_status am_rest_append_query(struct appmesh_buf *out,
                                         const char *name,
                                         const char *value,
                                         struct appmesh_error *err);

#endif
