/* SPDX-License-Identifier: MIT */
/* HTTP request/response records shared by the signer, the client and transports. */
#ifndef APPMESH_HTTP_H
#define APPMESH_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "appmesh/buf.h"
#include "appmesh/common.h"

/** One header; name and value are borrowed and need not be NUL-terminated. */
struct appmesh_header {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
};

/** A request ready to send. Everything is borrowed. `url` is absolute and NUL-terminated. */
struct appmesh_http_request {
    const char *method;
    const char *url;
    const struct appmesh_header *headers;
    size_t header_count;
    const char *body;
    size_t body_len;
};

/**
 * A response as a transport fills it. `headers` holds the raw header lines
 * ("Name: value\r\n" ...) of the final response; `body` is capped by its `max`.
 * Owned by whoever initialised it; release with appmesh_http_response_cleanup().
 */
struct appmesh_http_response {
    int status;
    struct appmesh_buf headers;
    struct appmesh_buf body;
};

/**
 * Find a response header by name, case-insensitively; the value is trimmed.
 * @return true and *value set (borrowed from resp) when present.
 */
APPMESH_API bool appmesh_http_response_header(const struct appmesh_http_response *resp,
                                              const char *name,
                                              struct appmesh_slice *value);

/** Free the response's buffers; safe on a zeroed struct and safe twice. */
APPMESH_API void appmesh_http_response_cleanup(struct appmesh_http_response *resp);

#endif
