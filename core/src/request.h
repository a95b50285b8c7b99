/* SPDX-License-Identifier: MIT */
/* Building outgoing requests: header entries and the signed-request recipe (request.c). */
#ifndef APPMESH_REQUEST_H
#define APPMESH_REQUEST_H

#include <stddef.h>

#include "appmesh/credentials.h"
#include "appmesh/http.h"
#include "appmesh/sigv4.h"
#include "internal.h"

/** Point h at name (NUL-terminated) and value[0..len). Borrowed: both, for the request's life. */
void am_request_header(struct appmesh_header *h, const char *name, const char *value, size_t len);

/**
 * The signed-request recipe that the App Mesh calls and STS both follow: sign sreq (its headers
 * are the ones to sign, which are headers[0..*count)) with creds and params into *sig, then
 * append X-Amz-Date, X-Amz-Security-Token (when creds has a session token) and Authorization
 * at headers[*count], advancing *count; headers must have room for three more. Borrowed: the
 * appended values point into sig and creds. Errors: as appmesh_sigv4_sign_headers.
 */
enum appmesh_status am_request_sign(struct appmesh_sigv4_signer *signer,
                                    const struct appmesh_sigv4_request *sreq,
                                    const struct appmesh_credentials *creds,
                                    const struct appmesh_sigv4_params *params,
                                    struct appmesh_sigv4_result *sig,
                                    struct appmesh_header *headers,
                                    size_t *count,
                                    struct appmesh_error *err);

#endif
