/* SPDX-License-Identifier: MIT */
/* Validation of a value (cJSON) against a shape of the service model, before anything is sent. */
#ifndef APPMESH_VALIDATE_H
#define APPMESH_VALIDATE_H

#include <cjson/cJSON.h>

#include "internal.h"
#include "shapes.h"

/**
 * Check value against shape as App Mesh would: types (objects for structures and unions,
 * arrays for lists, strings, integral numbers for integers and longs, booleans, numbers for
 * timestamps), required members, unknown members (refused, naming the known ones), members
 * given twice, unions with exactly one member set, string lengths in UTF-8 characters
 * (invalid UTF-8 refused), enum values (naming the allowed ones), the two patterns, integer
 * and long ranges (a long may be a cJSON_Raw holding its decimal text), list sizes.
 * err->field is the dotted path of the first bad member, list positions counted from
 * list_base ("spec.listeners[1].portMapping.port" for 1). Borrowed: value.
 * Errors: VALIDATION.
 */
enum appmesh_status am_validate(const struct am_shape *shape,
                                const cJSON *value,
                                int list_base,
                                struct appmesh_error *err);

/** am_validate for an operation's input structure. */
enum appmesh_status am_validate_input(const struct am_operation *op,
                                      const cJSON *input,
                                      int list_base,
                                      struct appmesh_error *err);

#endif
