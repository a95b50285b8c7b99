/* SPDX-License-Identifier: MIT */
/* Many calls at once on one client: the concurrent driver over a libcurl multi handle. */
#ifndef APPMESH_BATCH_H
#define APPMESH_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/select.h>

#include "appmesh/client.h"
#include "appmesh/common.h"
#include "appmesh/error.h"
#include "appmesh/model.h"

/**
 * A batch runs many calls of one client concurrently: up to `concurrency` transfers at once
 * over a shared keep-alive pool (HTTP/2 multiplexing where the server offers it), each call
 * through the same state machine as a blocking call (validation, one clientToken, retries
 * with backoff). A call waiting out a backoff holds no transfer, so a throttled call never
 * blocks the others. Single-threaded: drive it with appmesh_batch_perform() from one thread.
 */
struct appmesh_batch;

struct appmesh_batch_options {
    int concurrency; /* transfers at once; 0 = 16 */
    double rate;     /* most requests started per second (retries included); 0 = no limit */
};

/** Which operation a batch call runs. */
enum appmesh_batch_op {
    APPMESH_BATCH_UPDATE = 0, /* UpdateVirtualService: result in data */
    APPMESH_BATCH_DESCRIBE,   /* DescribeVirtualService: result in data */
    APPMESH_BATCH_LIST,       /* ListVirtualServices (one page): result in list */
};

/** A finished call, as appmesh_batch_take() hands it over. */
struct appmesh_batch_result {
    uint64_t id;
    void *user;
    enum appmesh_batch_op op;
    enum appmesh_status status;
    /* On APPMESH_OK, owned by the caller: release with appmesh_virtual_service_data_cleanup()
     * and appmesh_virtual_service_list_cleanup() (both safe on the unused one). */
    struct appmesh_virtual_service_data data;
    struct appmesh_virtual_service_list list;
    struct appmesh_call_info info;
    struct appmesh_error err; /* when status != APPMESH_OK */
    /* The operation's API name ("CreateRoute"); a static string. */
    const char *operation;
    /* appmesh_batch_add_call(): the output as JSON text on APPMESH_OK, owned by the caller. */
    struct appmesh_buf output_json;
    /* Internal: the parsed output of a call queued by the Lua binding; NULL otherwise. */
    void *output_value;
};

/**
 * Create a batch on a client. The client must outlive the batch and must not run blocking
 * calls while the batch has calls in flight. A client with an injected transport runs the
 * batch's calls one at a time through it (useful in tests).
 * Borrowed: client, opts. Owned by caller: *out, released with appmesh_batch_destroy().
 * Errors: NOMEM, TRANSPORT, VALIDATION (concurrency < 0, rate < 0).
 */
APPMESH_API APPMESH_NODISCARD enum appmesh_status
appmesh_batch_new(struct appmesh_client *client,
                  const struct appmesh_batch_options *opts,
                  struct appmesh_batch **out,
                  struct appmesh_error *err);

/** Destroy a batch; calls still in flight are abandoned and their results dropped. */
APPMESH_API void appmesh_batch_destroy(struct appmesh_batch *batch);

/**
 * Queue an UpdateVirtualService. The input is validated now (a ValidationError is returned
 * here and nothing is queued) and copied. *id (may be NULL) identifies the call's result.
 * Borrowed: in, for this call only. user comes back in the result.
 */
APPMESH_API APPMESH_NODISCARD enum appmesh_status
appmesh_batch_add_update(struct appmesh_batch *batch,
                         const struct appmesh_update_virtual_service_input *in,
                         void *user,
                         uint64_t *id,
                         struct appmesh_error *err);

/** Queue a DescribeVirtualService, as appmesh_batch_add_update() does. */
APPMESH_API APPMESH_NODISCARD enum appmesh_status
appmesh_batch_add_describe(struct appmesh_batch *batch,
                           const struct appmesh_describe_virtual_service_input *in,
                           void *user,
                           uint64_t *id,
                           struct appmesh_error *err);

/** Queue one page of ListVirtualServices, as appmesh_batch_add_update() does. */
APPMESH_API APPMESH_NODISCARD enum appmesh_status
appmesh_batch_add_list(struct appmesh_batch *batch,
                       const struct appmesh_list_virtual_services_input *in,
                       void *user,
                       uint64_t *id,
                       struct appmesh_error *err);

/**
 * Queue a call of any operation (see appmesh_client_call()): the input JSON is parsed and
 * validated now (an error is returned here and nothing is queued) and kept by the batch. The
 * output arrives as JSON text in the result's output_json; the result's op field is
 * meaningless for these calls (operation names the operation).
 * Borrowed: operation, input_json, for this call only. user comes back in the result.
 * Errors: INVALID_ARGUMENT (unknown operation), JSON, VALIDATION, NOMEM.
 */
APPMESH_API APPMESH_NODISCARD enum appmesh_status
appmesh_batch_add_call(struct appmesh_batch *batch,
                       const char *operation,
                       const char *input_json,
                       size_t input_len,
                       void *user,
                       uint64_t *id,
                       struct appmesh_error *err);

/**
 * Start what can start, wait up to max_wait seconds for the network or a retry timer, and
 * collect what finished. Returns early when a result is ready. 0 never blocks.
 * Errors: TRANSPORT (the multi handle itself failed), INTERRUPTED (the client's interrupt hook).
 */
APPMESH_API APPMESH_NODISCARD enum appmesh_status
appmesh_batch_perform(struct appmesh_batch *batch, double max_wait, struct appmesh_error *err);

/**
 * Take the oldest finished call into *out; false when none is ready. Owned by caller: what
 * *out holds, released with appmesh_batch_result_cleanup() (or, for the typed calls, the
 * data and list cleanups as before).
 */
APPMESH_API bool appmesh_batch_take(struct appmesh_batch *batch, struct appmesh_batch_result *out);

/** Release everything a taken result holds (data, list, output); safe on {0} and twice. */
APPMESH_API void appmesh_batch_result_cleanup(struct appmesh_batch_result *result);

/** Calls added and not yet taken. */
APPMESH_API size_t appmesh_batch_pending(const struct appmesh_batch *batch);

/**
 * For a host's own event loop: add the batch's sockets to the sets and say how long the host
 * may wait at most (seconds; negative = no deadline) before calling appmesh_batch_perform(b, 0).
 * Errors: INVALID_ARGUMENT (a NULL argument but err), TRANSPORT (the multi handle failed).
 */
APPMESH_API APPMESH_NODISCARD enum appmesh_status appmesh_batch_fdset(struct appmesh_batch *batch,
                                                                      fd_set *read_fds,
                                                                      fd_set *write_fds,
                                                                      fd_set *except_fds,
                                                                      int *max_fd,
                                                                      double *timeout,
                                                                      struct appmesh_error *err);

#endif
