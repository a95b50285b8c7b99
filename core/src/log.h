/* SPDX-License-Identifier: MIT */
/* The APPMESH_LOG=debug trace of every attempt, with secrets and signatures redacted. */
#ifndef APPMESH_LOG_H
#define APPMESH_LOG_H

#include "appmesh/buf.h"
#include "appmesh/error.h"
#include "appmesh/http.h"
#include "operation.h"

/** Append a header's value with the Authorization signature and session token redacted. */
enum appmesh_status am_log_redacted_value(struct appmesh_buf *b,
                                          const struct appmesh_header *h,
                                          struct appmesh_error *err);

/* Each writes to stderr only when the client was created with APPMESH_LOG=debug. */
void am_log_request(const struct am_service *c, struct am_call *call);
void am_log_response(const struct am_service *c,
                     struct am_call *call,
                     const struct appmesh_http_response *resp,
                     double seconds);
void am_log_failure(const struct am_service *c,
                    struct am_call *call,
                    const struct appmesh_error *terr,
                    double seconds);
void am_log_retry(const struct am_service *c, struct am_call *call);

#endif
