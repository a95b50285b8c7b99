/* SPDX-License-Identifier: MIT */
/* App Mesh's operations as the service model describes them, for tooling: names, members. */
#ifndef APPMESH_OPERATIONS_H
#define APPMESH_OPERATIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "appmesh/buf.h"
#include "appmesh/common.h"
#include "appmesh/error.h"

/** How many operations the client knows (App Mesh's 38). */
APPMESH_API size_t appmesh_operation_count(void);

/**
 * The i-th operation's API name ("CreateRoute"), in alphabetical order; NULL past the end.
 * Static storage.
 */
APPMESH_API const char *appmesh_operation_name(size_t i);

/** The i-th operation's boto3 name ("create_route"); NULL past the end. Static storage. */
APPMESH_API const char *appmesh_operation_snake_name(size_t i);

/**
 * The index of an operation named by API or boto3 name.
 * Errors: INVALID_ARGUMENT for an unknown name, the message naming the nearest known ones.
 */
APPMESH_API APPMESH_NODISCARD enum appmesh_status
appmesh_operation_find(const char *name, size_t *index, struct appmesh_error *err);

/** How many members the i-th operation's input has (0 past the end). */
APPMESH_API size_t appmesh_operation_input_count(size_t i);

/**
 * The j-th input member of the i-th operation: its name ("meshName"), whether it is required,
 * and where it goes ("uri", "query" or "body"). Static storage; false past the end.
 * required and location may be NULL.
 */
APPMESH_API bool appmesh_operation_input_member(
    size_t i, size_t j, const char **name, bool *required, const char **location);

/**
 * A skeleton of the i-th operation's input as JSON text, with every member (strings "",
 * numbers 0, booleans false, lists with one item, unions with every member), as the AWS CLI's
 * --generate-cli-skeleton writes it, indented.
 * Owned by caller: *out, initialised here, released with appmesh_buf_cleanup().
 * Errors: INVALID_ARGUMENT (i past the end), NOMEM.
 */
APPMESH_API APPMESH_NODISCARD enum appmesh_status
appmesh_operation_skeleton(size_t i, struct appmesh_buf *out, struct appmesh_error *err);

#endif
