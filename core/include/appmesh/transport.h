/* SPDX-License-Identifier: MIT */
/* The HTTP transport seam: a vtable the client drives, and the libcurl implementation. */
#ifndef APPMESH_TRANSPORT_H
#define APPMESH_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "appmesh/alloc.h"
#include "appmesh/common.h"
#include "appmesh/error.h"
#include "appmesh/http.h"

/**
 * send(): perform one request and fill resp (status, raw header lines, body). A response of
 * any HTTP status is APPMESH_OK; a failure to get one is APPMESH_ERR_TRANSPORT (DNS, connect,
 * TLS, reset), APPMESH_ERR_TIMEOUT, APPMESH_ERR_RESPONSE (body over the cap, truncated) or
 * APPMESH_ERR_INTERRUPTED, with err->message saying what happened.
 * destroy(): release impl and, when it owns it, the transport record itself.
 * Tests supply their own vtable with canned responses.
 */
struct appmesh_transport_vtable {
    enum appmesh_status (*send)(void *impl,
                                const struct appmesh_http_request *req,
                                struct appmesh_http_response *resp,
                                struct appmesh_error *err);
    void (*destroy)(void *impl);
};

struct appmesh_transport {
    const struct appmesh_transport_vtable *vtable;
    void *impl;
};

/** Called during a transfer; returning true aborts it with APPMESH_ERR_INTERRUPTED. */
typedef bool(appmesh_interrupt_fn)(void *ud);

/** libcurl transport settings. Zero values take the defaults shown. */
struct appmesh_transport_curl_options {
    double connect_timeout; /* seconds; 0 = 5 */
    double timeout;         /* whole transfer, seconds; 0 = 30 */
    const char *ca_bundle;  /* PEM file; NULL = system store */
    bool no_verify_tls;     /* true turns peer and host verification off */
    size_t max_response;    /* body cap in bytes; 0 = 1 MiB */
    const char *user_agent; /* NULL = "appmesh/<version>" */
    appmesh_interrupt_fn *interrupt;
    void *interrupt_ud;
};

/**
 * Create the libcurl transport: one easy handle, reused (keep-alive), redirects never
 * followed, proxies from the environment, TLS verification on unless turned off.
 * Borrowed: opts (strings are copied). Owned by caller: *out, released with
 * appmesh_transport_destroy().
 * Errors: APPMESH_ERR_NOMEM, APPMESH_ERR_TRANSPORT (curl could not be initialised).
 */
APPMESH_API APPMESH_NODISCARD enum appmesh_status
appmesh_transport_curl_new(const struct appmesh_allocator *alloc,
                           const struct appmesh_transport_curl_options *opts,
                           struct appmesh_transport **out,
                           struct appmesh_error *err);

/** Destroy a transport through its vtable. NULL is a no-op. */
APPMESH_API void appmesh_transport_destroy(struct appmesh_transport *transport);

/** Initialise libcurl once per process; thread-safe, idempotent. Errors: TRANSPORT. */
APPMESH_API APPMESH_NODISCARD enum appmesh_status appmesh_global_init(struct appmesh_error *err);

#endif
