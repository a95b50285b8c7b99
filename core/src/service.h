/* SPDX-License-Identifier: MIT */
/* The call's shared state: endpoint, settings, signer, credentials, clock, random source,
 * retry quota, rate limiter, clock skew and transport, under both drivers. */
#ifndef APPMESH_SERVICE_H
#define APPMESH_SERVICE_H

#include "appmesh/client.h"
#include "appmesh/credentials.h"
#include "appmesh/transport.h"
#include "credentials.h"
#include "crypto.h"
#include "endpoint.h"
#include "retry.h"
#include "settings.h"

/**
 * What every call of one client shares, whichever driver runs it (blocking or batch). The
 * call state machine (operation.c) reads and updates it; the drivers own none of it.
 * Not thread-safe, as the client it belongs to.
 */
struct am_service {
    const struct appmesh_allocator *alloc;
    struct am_settings settings;
    struct appmesh_buf endpoint;       /* resolved endpoint URL; empty when it could not be */
    struct appmesh_error endpoint_err; /* why endpoint is empty */
    struct am_url url;                 /* slices into endpoint */
    bool custom_endpoint;              /* configured rather than resolved from the region */
    struct am_credentials_chain *credentials;
    const char *credentials_source;
    struct appmesh_sigv4_signer *signer;
    struct am_drbg *drbg;
    struct am_retry_quota quota;
    struct am_retry_policy policy;
    struct am_rate_limiter limiter; /* adaptive mode: client-side rate limit (CUBIC) */
    double clock_skew; /* seconds added to the clock for signing, learnt from a skew error */
    struct appmesh_transport *transport;
    bool own_transport;
    struct appmesh_transport_curl_options curl_options; /* for batches; strings borrowed */
    struct appmesh_clock clock;
    appmesh_interrupt_fn *interrupt;
    void *interrupt_ud;
    bool log_debug;
};

/**
 * Resolve the settings (options > environment > profile > defaults), the endpoint, the
 * credentials chain, the signer, the random source, the transport and the retry state.
 * Borrowed: opts (strings are copied). On failure s is cleaned up.
 * Errors: VALIDATION (bad option), CONFIG, ENDPOINT (a custom endpoint that does not parse),
 * NOMEM, TRANSPORT.
 */
enum appmesh_status am_service_init(struct am_service *s,
                                    const struct appmesh_allocator *alloc,
                                    const struct appmesh_client_options *opts,
                                    struct appmesh_error *err);

/**
 * The current credentials (cached; refreshed near expiry) into *view, which borrows from the
 * chain until its next refresh; records which provider gave them (credentials_source).
 * Errors: CREDENTIALS (where it looked), CONFIG, NOMEM.
 */
enum appmesh_status am_service_credentials(struct am_service *s,
                                           struct appmesh_credentials *view,
                                           struct appmesh_error *err);

/** Release everything, wiping credentials; safe on a zeroed struct and twice. */
void am_service_cleanup(struct am_service *s);

/** Current time (epoch seconds) through the injected clock. */
double am_service_now(const struct am_service *s);

/** A number uniform in [0, 1) for jitter: the injected one, else from the DRBG. */
double am_service_random(struct am_service *s);

/** Whether the caller's interrupt hook asks to stop. */
bool am_service_interrupted(const struct am_service *s);

/** Sleep seconds in slices, so that an interrupt is noticed within 50 ms; false = interrupted. */
bool am_service_sleep(struct am_service *s, double seconds);

/** The service of a client (defined in client.c). Borrowed from client. */
struct am_service *am_client_service(struct appmesh_client *client);

#endif
