/* SPDX-License-Identifier: MIT */
/* That an answer is about what was asked: the names that identify the resource, echoed back. */
#ifndef APPMESH_IDENTITY_H
#define APPMESH_IDENTITY_H

#include <cjson/cJSON.h>
#include <stdbool.h>

#include "internal.h"
#include "shapes.h"

/*
 * A request names its resource (meshName, virtualRouterName, routeName, ...) and App Mesh's
 * answer repeats those names. An answer that names another resource (a hostile or broken
 * endpoint, a proxy mixing up answers) must not be taken as the result of this call: it is a
 * ResponseError, not retried (the change may have been made). The expected names are kept in
 * a buffer as "member\0value\0" pairs.
 */

/** Add one expected name (a copy). Errors: NOMEM. */
enum appmesh_status am_identity_expect(struct appmesh_buf *expect,
                                       const char *member,
                                       const char *value,
                                       struct appmesh_error *err);

/** Expect every top-level string member of input whose name ends in "Name". Errors: NOMEM. */
enum appmesh_status am_identity_expect_input(const struct am_operation *op,
                                             const cJSON *input,
                                             struct appmesh_buf *expect,
                                             struct appmesh_error *err);

/**
 * Check one name of the answer: got (NULL when absent) must equal the expected value of member,
 * when one is expected; an absent name is accepted only when the model does not require it.
 * where says what holds it ("the answer", "virtualNodes[2]"). Errors: RESPONSE.
 */
enum appmesh_status am_identity_check(const struct appmesh_buf *expect,
                                      const char *member,
                                      const char *got,
                                      bool required,
                                      const char *where,
                                      struct appmesh_error *err);

/**
 * Check a generic call's normalised output: its payload (or, for a list, each item of the
 * result list) must carry the expected names. Errors: RESPONSE.
 */
enum appmesh_status am_identity_check_output(const struct am_operation *op,
                                             const cJSON *output,
                                             const struct appmesh_buf *expect,
                                             struct appmesh_error *err);

#endif
