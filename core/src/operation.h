/* SPDX-License-Identifier: MIT */
/* The call state machine: builds, signs and judges attempts; it never does I/O itself. */
#ifndef APPMESH_OPERATION_H
#define APPMESH_OPERATION_H

#include <cjson/cJSON.h>

#include "appmesh/http.h"
#include "appmesh/model.h"
#include "appmesh/sigv4.h"
#include "internal.h"
#include "service.h"
#include "shapes.h"

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
 * One operation call, across all its attempts, of any operation: the descriptor (op) says
 * what to build; the typed virtual-service calls and the generic ones differ only in how the
 * request parts are filled and how a 2xx body is parsed. Its buffers are kept between calls (the
 * blocking client reuses one), so a steady stream of calls allocates nothing for them.
 * Everything secret in it is wiped by am_call_cleanup().
 */
struct am_call {
    struct am_service *svc; /* borrowed: the client's shared state */
    const struct am_operation *op;
    const char *method;       /* op->method */
    const char *operation;    /* op->name, "UpdateVirtualService", for logs and errors */
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
    /* The names the answer must echo ("member\0value\0" pairs, identity.h), and the check of
     * the parsed output against them. */
    struct appmesh_buf expect;
    enum appmesh_status (*check)(struct am_call *call, struct appmesh_error *err);
    cJSON *value;         /* a generic call's parsed output, until taken (am_call_take_value) */
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

void am_call_init(struct am_call *call, struct am_service *svc);
void am_call_cleanup(struct am_call *call);

/*
 * The starters build a call's request from an input that the caller has validated (once per
 * call: the blocking client before starting, the batch when the call is added).
 */

/**
 * Start any operation from its validated input (am_validate_input): make the idempotency
 * token when op has one and input lacks it, build path, query and body. The output, parsed
 * and normalised, is taken with am_call_take_value. Borrowed: op, input (for this call only).
 */
enum appmesh_status am_call_start_value(struct am_call *call,
                                        const struct am_operation *op,
                                        const cJSON *input,
                                        struct appmesh_error *err);

/** A finished generic call's output; owned by caller (cJSON_Delete); NULL when none. */
cJSON *am_call_take_value(struct am_call *call);

/**
 * Start UpdateVirtualService (validated input): take or make the clientToken, build path,
 * query and body. out receives the parsed VirtualServiceData.
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

/** Start DescribeVirtualService (GET, validated input); out receives the VirtualServiceData. */
enum appmesh_status am_call_start_describe(struct am_call *call,
                                           const struct appmesh_describe_virtual_service_input *in,
                                           struct appmesh_virtual_service_data *out,
                                           struct appmesh_error *err);

/** Start ListVirtualServices (GET, one page, validated input); out receives the refs and nextToken.
 */
enum appmesh_status am_call_start_list(struct am_call *call,
                                       const struct appmesh_list_virtual_services_input *in,
                                       struct appmesh_virtual_service_list *out,
                                       struct appmesh_error *err);

/** Build and freshly sign the next attempt into call->http. Errors: CREDENTIALS, ENDPOINT... */
enum appmesh_status am_call_prepare_attempt(struct am_call *call, struct appmesh_error *err);

/**
 * Feed the response to the attempt just sent. A clock-skew error (am_retry_is_clock_skew) with
 * a Date header off by more than a minute sets svc->clock_skew = Date - now (every later
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
