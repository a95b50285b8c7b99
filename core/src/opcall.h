/* SPDX-License-Identifier: MIT */
/* Calls of any operation with cJSON values: the interface the Lua binding and the C JSON entry
 * points share (issue 11). */
#ifndef APPMESH_OPCALL_H
#define APPMESH_OPCALL_H

#include <cjson/cJSON.h>

#include "appmesh/batch.h"
#include "appmesh/client.h"
#include "appmesh/error.h"
#include "shapes.h"

/** One call of any operation. */
struct am_op_input {
    const struct am_operation *op;
    const cJSON *input; /* borrowed for the call only */
    int list_base;      /* 1 (Lua) or 0 (JSON, C, shell): list positions in err->field */
};

/** Blocking: validate (once), fill the idempotency token (UUIDv4, once per call, same on
 *  every attempt) when the op has one and input lacks it, serialise, sign, send with retries,
 *  parse and normalise. *out: owned by caller (cJSON_Delete). Errors: as the typed calls. */
enum appmesh_status am_client_call_value(struct appmesh_client *client,
                                         const struct am_op_input *in,
                                         cJSON **out,
                                         struct appmesh_call_info *info,
                                         struct appmesh_error *err);

/** Dry run: the request the first attempt would send, signature and token redacted. */
enum appmesh_status am_client_preview_value(struct appmesh_client *client,
                                            const struct am_op_input *in,
                                            struct appmesh_request_preview *out,
                                            struct appmesh_error *err);

/** Batch: validate now (the call's only validation), copy what the call needs, queue. */
enum appmesh_status am_batch_add_value(struct appmesh_batch *batch,
                                       const struct am_op_input *in,
                                       void *user,
                                       uint64_t *id,
                                       struct appmesh_error *err);

/** The cJSON output of a finished generic batch call, handed over to the caller
 *  (cJSON_Delete); NULL for the typed calls. appmesh_batch_result's cleanup frees it if not taken.
 */
cJSON *am_batch_result_take_value(struct appmesh_batch_result *r);

/** The operation's input with every member (strings "", numbers 0, booleans false, lists with
 *  one item, unions with every member), as the AWS CLI's --generate-cli-skeleton; caller owns it.
 */
cJSON *am_op_skeleton(const struct am_operation *op);

#endif
