/* SPDX-License-Identifier: MIT */
/* Operations by name, their inputs as JSON text and skeletons: appmesh/operations.h and the
 * JSON-text helpers of the generic C entry points. */
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appmesh/operations.h"
#include "deserialize.h"
#include "internal.h"
#include "json_text.h"
#include "opcall.h"
#include "opjson.h"

enum appmesh_status
am_opjson_find(const char *name, const struct am_operation **op, struct appmesh_error *err)
{
    const char *near[3];
    size_t n = 0;

    *op = am_operation_find(name);
    if (*op != NULL) {
        return APPMESH_OK;
    }
    if (name == NULL) {
        return am_fail(err, APPMESH_ERR_INVALID_ARGUMENT, "no operation name given");
    }
    n = am_operation_nearest(name, near, 3);
    if (n == 0) {
        return am_fail(err, APPMESH_ERR_INVALID_ARGUMENT,
                       "unknown operation \"%.64s\" (App Mesh has %zu; see appmesh_operation_name)",
                       name, am_operation_count);
    }
    return am_fail(err, APPMESH_ERR_INVALID_ARGUMENT,
                   "unknown operation \"%.64s\" (did you mean %s%s%s%s%s?)", name, near[0],
                   n > 1 ? (n > 2 ? ", " : " or ") : "", n > 1 ? near[1] : "", n > 2 ? " or " : "",
                   n > 2 ? near[2] : "");
}

enum appmesh_status am_opjson_parse_input(const struct am_operation *op,
                                          const char *text,
                                          size_t len,
                                          cJSON **out,
                                          struct appmesh_error *err)
{
    const char *end = NULL;
    size_t i = 0;
    cJSON *root = NULL;
    enum appmesh_status st = APPMESH_OK;

    *out = NULL;
    while (text != NULL && i < len && strchr(" \t\r\n", text[i]) != NULL && text[i] != '\0') {
        i++;
    }
    if (text == NULL || i == len) {
        root = cJSON_CreateObject();
        if (root == NULL) {
            return am_fail(err, APPMESH_ERR_NOMEM, "out of memory reading the input");
        }
        *out = root;
        return APPMESH_OK;
    }
    /* cJSON would cut a string at a NUL (a C string): the request would differ from the input */
    if (memchr(text, '\0', len) != NULL || am_json_text_has_nul(text, len, NULL, NULL, 0)) {
        return am_fail(err, APPMESH_ERR_JSON,
                       "the %s input has a NUL character (\\u0000) in it, which no member "
                       "may hold",
                       op->name);
    }
    root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (root == NULL) {
        return am_fail(err, APPMESH_ERR_JSON,
                       "the %s input is not valid JSON (malformed or truncated near byte %zu)",
                       op->name, end != NULL && end >= text ? (size_t)(end - text) : (size_t)0);
    }
    while (end < text + len && strchr(" \t\r\n", *end) != NULL && *end != '\0') {
        end++;
    }
    if (end != text + len) {
        st = am_fail(err, APPMESH_ERR_JSON, "the %s input has data after the JSON value (byte %zu)",
                     op->name, (size_t)(end - text));
    } else if (!cJSON_IsObject(root)) {
        st = am_fail(err, APPMESH_ERR_JSON, "the %s input must be a JSON object", op->name);
    }
    if (st == APPMESH_OK) {
        st = am_deserialize_exact_longs(&am_shapes[op->input], text, len, root, err);
    }
    if (st != APPMESH_OK) {
        cJSON_Delete(root);
        return st;
    }
    *out = root;
    return APPMESH_OK;
}

/*
 * cJSON prints a number with 15 significant digits when that reads back within its epsilon,
 * which loses integers between 10^15 and 2^53 (longs, exact in the tree) and the fraction of
 * larger numbers (a timestamp of 3909525000952500.5 printed as 3.9095250009525e+15, read back
 * as an integer and then printed otherwise: printing was not idempotent). Give every number
 * from 10^15 up its exact text (as cJSON_Raw) before printing: an integer up to 2^53 in decimal
 * digits, anything else with the fewest significant digits that read back as the same double.
 */
static void exact_text(double d, char *out, size_t size)
{
    /* printf and strtod use the locale's decimal point (a host may have set one): JSON's is '.' */
    const char point = localeconv()->decimal_point[0];
    int digits = 15;
    char *p = NULL;

    if (d == trunc(d) && fabs(d) <= 9007199254740992.0) {
        snprintf(out, size, "%lld", (long long)d);
        return;
    }
    for (; digits < 17; digits++) {
        snprintf(out, size, "%.*g", digits, d);
        if (strtod(out, NULL) == d) {
            break;
        }
    }
    if (digits == 17) {
        snprintf(out, size, "%.17g", d);
    }
    p = point != '.' && point != '\0' ? strchr(out, point) : NULL;
    if (p != NULL) {
        *p = '.';
    }
}

static enum appmesh_status exact_numbers(cJSON *node, struct appmesh_error *err)
{
    cJSON *c = NULL;
    cJSON *next = NULL;

    for (c = node != NULL ? node->child : NULL; c != NULL; c = next) {
        double d = c->valuedouble;
        next = c->next;
        if (cJSON_IsNumber(c) && isfinite(d) && fabs(d) >= 1e15) {
            char text[32];
            cJSON *raw = NULL;
            exact_text(d, text, sizeof(text));
            raw = cJSON_CreateRaw(text);
            if (raw == NULL) {
                return am_fail(err, APPMESH_ERR_NOMEM, "out of memory writing the output JSON");
            }
            raw->string = c->string; /* the member's key moves to the new node */
            raw->type |= c->type & cJSON_StringIsConst;
            c->string = NULL;
            cJSON_ReplaceItemViaPointer(node, c, raw);
        } else if (exact_numbers(c, err) != APPMESH_OK) {
            return APPMESH_ERR_NOMEM;
        }
    }
    return APPMESH_OK;
}

enum appmesh_status am_opjson_print(cJSON *value,
                                    const struct appmesh_allocator *alloc,
                                    struct appmesh_buf *out,
                                    struct appmesh_error *err)
{
    char *text = NULL;
    enum appmesh_status st = APPMESH_OK;

    am_buf_init(out, alloc, 0);
    if (exact_numbers(value, err) != APPMESH_OK) {
        return APPMESH_ERR_NOMEM;
    }
    text = cJSON_PrintUnformatted(value);
    if (text == NULL) {
        return am_fail(err, APPMESH_ERR_NOMEM, "out of memory writing the output JSON");
    }
    st = am_buf_append_str(out, text, err);
    cJSON_free(text);
    if (st != APPMESH_OK) {
        appmesh_buf_cleanup(out);
    }
    return st;
}

/* ---- skeletons ---- */

#define SKELETON_DEPTH 24

static cJSON *skeleton(const struct am_shape *s, int depth)
{
    cJSON *v = NULL;
    uint16_t i = 0;

    if (depth > SKELETON_DEPTH) {
        return cJSON_CreateObject(); /* no App Mesh shape nests this deep */
    }
    switch ((enum am_shape_type)s->type) {
        case AM_SHAPE_STRUCTURE:
        case AM_SHAPE_UNION:
            v = cJSON_CreateObject();
            for (i = 0; v != NULL && i < s->count; i++) {
                const struct am_member *m = &am_members[s->first + i];
                cJSON *c = skeleton(am_member_shape(m), depth + 1);
                if (c == NULL || !cJSON_AddItemToObject(v, m->name, c)) {
                    cJSON_Delete(c);
                    cJSON_Delete(v);
                    v = NULL;
                }
            }
            return v;
        case AM_SHAPE_LIST: {
            cJSON *c = skeleton(am_list_item(s), depth + 1);
            v = cJSON_CreateArray();
            if (v == NULL || c == NULL || !cJSON_AddItemToArray(v, c)) {
                cJSON_Delete(c);
                cJSON_Delete(v);
                v = NULL;
            }
            return v;
        }
        case AM_SHAPE_STRING:
            return cJSON_CreateString("");
        case AM_SHAPE_BOOLEAN:
            return cJSON_CreateFalse();
        default:
            return cJSON_CreateNumber(0);
    }
}

cJSON *am_op_skeleton(const struct am_operation *op)
{
    return op != NULL ? skeleton(&am_shapes[op->input], 0) : NULL;
}

/* ---- appmesh/operations.h ---- */

size_t appmesh_operation_count(void)
{
    return am_operation_count;
}

const char *appmesh_operation_name(size_t i)
{
    return i < am_operation_count ? am_operations[i].name : NULL;
}

const char *appmesh_operation_snake_name(size_t i)
{
    return i < am_operation_count ? am_operations[i].snake : NULL;
}

enum appmesh_status
appmesh_operation_find(const char *name, size_t *index, struct appmesh_error *err)
{
    const struct am_operation *op = NULL;
    enum appmesh_status st = am_opjson_find(name, &op, err);
    if (st == APPMESH_OK && index != NULL) {
        *index = (size_t)(op - am_operations);
    }
    return st;
}

size_t appmesh_operation_input_count(size_t i)
{
    return i < am_operation_count ? am_shapes[am_operations[i].input].count : 0;
}

bool appmesh_operation_input_member(
    size_t i, size_t j, const char **name, bool *required, const char **location)
{
    static const char *const locations[] = {"body", "uri", "query"};
    const struct am_shape *s = NULL;
    const struct am_member *m = NULL;

    if (i >= am_operation_count) {
        return false;
    }
    s = &am_shapes[am_operations[i].input];
    if (j >= s->count) {
        return false;
    }
    m = &am_members[s->first + j];
    if (name != NULL) {
        *name = m->name;
    }
    if (required != NULL) {
        *required = (m->flags & AM_MEMBER_REQUIRED) != 0;
    }
    if (location != NULL) {
        *location = m->location < 3 ? locations[m->location] : "body";
    }
    return true;
}

enum appmesh_status
appmesh_operation_skeleton(size_t i, struct appmesh_buf *out, struct appmesh_error *err)
{
    cJSON *sk = NULL;
    char *text = NULL;
    enum appmesh_status st = APPMESH_OK;

    if (out == NULL) {
        return am_fail(err, APPMESH_ERR_INVALID_ARGUMENT,
                       "appmesh_operation_skeleton: out is NULL");
    }
    if (i >= am_operation_count) {
        return am_fail(err, APPMESH_ERR_INVALID_ARGUMENT,
                       "appmesh_operation_skeleton: no operation %zu (there are %zu)", i,
                       am_operation_count);
    }
    am_buf_init(out, NULL, 0);
    sk = am_op_skeleton(&am_operations[i]);
    text = sk != NULL ? cJSON_Print(sk) : NULL;
    cJSON_Delete(sk);
    if (text == NULL) {
        return am_fail(err, APPMESH_ERR_NOMEM, "out of memory writing a skeleton");
    }
    st = am_buf_append_str(out, text, err);
    cJSON_free(text);
    if (st != APPMESH_OK) {
        appmesh_buf_cleanup(out);
    }
    return st;
}
