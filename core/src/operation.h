/* SPDX-License-Identifier: MIT */
/* The call state machine: builds, signs and judges attempts; it never does I/O itself. */
#ifndef APPMESH_OPERATION_H
#define APPMESH_OPERATION_H

#include "internal.h"

/** What the driver does after feeding the machine an attempt's outcome. */
enum am_call_next {
    AM_CALL_DONE = 0, /* finished: call->result (and call->err when it failed) */
    AM_CALL_RETRY,    /* sleep call->delay seconds, then prepare and send the next attempt */
};

/** Parses a 2xx body into the caller's output. */
typedef enum appmesh_status(am_parse_fn)(const char *body,
                                         size_t len,
                                         const struct appmesh_allocator *a,
                                         void *out,
                                         struct appmesh_error *err);

#define AM_CALL_MAX_HEADERS 10

/**
 * One operation call, across all its attempts. Its buffers are kept between calls (the
 * blocking client reuses one), so a steady stream of calls allocates nothing for them.
 * Everything secret in it is wiped by am_call_cleanup().
 */
struct am_call {
    struct appmesh_client *client; /* borrowed */
    const char *method;
    const char *operation;    /* "UpdateVirtualService", for logs and errors */
    struct appmesh_buf path;  /* request path, labels percent-encoded */
    struct appmesh_buf query; /* raw query string without '?', may be empty */
    struct appmesh_buf url;   /* endpoint + path + ?query */
    struct appmesh_buf body;
    struct appmesh_buf preview; /* scratch for previews and logs */
    char client_token[40];
    char invocation_id[40];
    char sdk_request[48]; /* "attempt=1; max=3" */
    struct appmesh_header headers[AM_CALL_MAX_HEADERS];
    size_t header_count;
    struct appmesh_sigv4_result sig;
    struct appmesh_http_request http; /* the attempt to send, after am_call_prepare_attempt */
    am_parse_fn *parse;
    void *out;
    int attempt;          /* attempts prepared so far */
    int last_cost;        /* retry-quota tokens taken for the latest retry */
    bool skew_retried;    /* the one immediate retry after a clock-skew error was used */
    double signed_skew;   /* the client's clock_skew when the latest attempt was signed */
    char signed_key[129]; /* the access key id that signed the latest attempt (not a secret) */
    double delay;         /* seconds to wait before the next attempt when AM_CALL_RETRY */
    double log_sent_at;   /* client clock when the attempt was traced as sent (APPMESH_LOG) */
    int http_status;      /* of the last response */
    char request_id[64];
    enum appmesh_status result;
    struct appmesh_error err; /* why the call failed, when result != APPMESH_OK */
};

/** The client: resolved settings and everything calls share. Defined here for the machine. */
struct appmesh_client {
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
    struct appmesh_http_response response; /* reused by the blocking driver */
    struct am_call call;                   /* reused by the blocking driver and previews */
};

/** Current time, a random number for jitter: through the client's clock. */
double am_client_now(struct appmesh_client *client);
double am_client_random(struct appmesh_client *client);

void am_call_init(struct am_call *call, struct appmesh_client *client);
void am_call_cleanup(struct am_call *call);

/**
 * Start UpdateVirtualService: validate (nothing is built when invalid), take or make the
 * clientToken, build path, query and body. out receives the parsed VirtualServiceData.
 */
enum appmesh_status am_call_start_update(struct am_call *call,
                                         const struct appmesh_update_virtual_service_input *in,
                                         struct appmesh_virtual_service_data *out,
                                         struct appmesh_error *err);

/**
 * Adaptive mode's client-side rate limit: seconds to wait before the next attempt may be sent
 * (0 = send now; a send token was taken). Call it again after waiting. Standard mode: 0.
 */
double am_call_send_wait(struct am_call *call);

/** Start DescribeVirtualService (GET); out receives the VirtualServiceData. */
enum appmesh_status am_call_start_describe(struct am_call *call,
                                           const struct appmesh_describe_virtual_service_input *in,
                                           struct appmesh_virtual_service_data *out,
                                           struct appmesh_error *err);

/** Start ListVirtualServices (GET, one page); out receives the refs and nextToken. */
enum appmesh_status am_call_start_list(struct am_call *call,
                                       const struct appmesh_list_virtual_services_input *in,
                                       struct appmesh_virtual_service_list *out,
                                       struct appmesh_error *err);

/** Build and freshly sign the next attempt into call->http. Errors: CREDENTIALS, ENDPOINT... */
enum appmesh_status am_call_prepare_attempt(struct am_call *call, struct appmesh_error *err);

/**
 * Feed the response to the attempt just sent. A clock-skew error (am_retry_is_clock_skew) with
 * a Date header off by more than a minute sets client->clock_skew = Date - now (every later
 * signature uses now + skew; backoff timing does not) and is retried at once, once per call.
 */
enum am_call_next am_call_on_response(struct am_call *call,
                                      const struct appmesh_http_response *resp);

/** Feed a failure to get any response (transport error, timeout, interrupt). */
enum am_call_next am_call_on_transport_error(struct am_call *call,
                                             const struct appmesh_error *terr);

/** Feed a failure before sending (preparation error): always DONE. */
enum am_call_next am_call_fail(struct am_call *call, const struct appmesh_error *perr);

#endif
