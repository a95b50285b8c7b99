/* SPDX-License-Identifier: MIT */
/* The names an answer must echo, and the check that it does. */
#include "identity.h"
#include "internal.h"

#include <stdio.h>
#include <string.h>

enum appmesh_status am_identity_expect(struct appmesh_buf *expect,
                                       const char *member,
                                       const char *value,
                                       struct appmesh_error *err)
{
    enum appmesh_status st = am_buf_append(expect, member, strlen(member) + 1, err);
    if (st == APPMESH_OK) {
        st = am_buf_append(expect, value, strlen(value) + 1, err);
    }
    return st;
}

static bool ends_with_name(const char *s)
{
    size_t n = strlen(s);
    return n > 4 && strcmp(s + n - 4, "Name") == 0;
}

enum appmesh_status am_identity_expect_input(const struct am_operation *op,
                                             const cJSON *input,
                                             struct appmesh_buf *expect,
                                             struct appmesh_error *err)
{
    const struct am_shape *in = &am_shapes[op->input];
    enum appmesh_status st = APPMESH_OK;
    for (uint16_t i = 0; i < in->count && st == APPMESH_OK; i++) {
        const struct am_member *m = &am_members[in->first + i];
        const cJSON *v = NULL;
        if (!ends_with_name(m->name) || am_member_shape(m)->type != AM_SHAPE_STRING) {
            continue;
        }
        v = cJSON_GetObjectItemCaseSensitive(input, m->name);
        if (cJSON_IsString(v) && v->valuestring != NULL) {
            st = am_identity_expect(expect, m->name, v->valuestring, err);
        }
    }
    return st;
}

/* The expected value of member, or NULL when none is expected. */
static const char *expected(const struct appmesh_buf *expect, const char *member)
{
    const char *p = expect->ptr;
    const char *end = p == NULL ? NULL : p + expect->len;
    while (p != NULL && p < end) {
        const char *value = p + strlen(p) + 1;
        if (strcmp(p, member) == 0) {
            return value;
        }
        p = value + strlen(value) + 1;
    }
    return NULL;
}

enum appmesh_status am_identity_check(const struct appmesh_buf *expect,
                                      const char *member,
                                      const char *got,
                                      bool required,
                                      const char *where,
                                      struct appmesh_error *err)
{
    const char *want = expected(expect, member);
    if (want == NULL || (got == NULL && !required)) {
        return APPMESH_OK;
    }
    if (got == NULL) {
        return am_fail(err, APPMESH_ERR_RESPONSE,
                       "%s has no %s, where '%.64s' was asked for: the answer is not taken", where,
                       member, want);
    }
    if (strcmp(got, want) != 0) {
        return am_fail(err, APPMESH_ERR_RESPONSE,
                       "%s is about %s '%.64s', not '%.64s' as asked: the answer is not taken",
                       where, member, got, want);
    }
    return APPMESH_OK;
}

/* Check the names obj (of shape) carries. */
static enum appmesh_status check_object(const struct appmesh_buf *expect,
                                        const struct am_shape *shape,
                                        const cJSON *obj,
                                        const char *where,
                                        struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_OK;
    for (uint16_t i = 0; i < shape->count && st == APPMESH_OK; i++) {
        const struct am_member *m = &am_members[shape->first + i];
        const cJSON *v = NULL;
        if (!ends_with_name(m->name)) {
            continue;
        }
        v = cJSON_GetObjectItemCaseSensitive(obj, m->name);
        st = am_identity_check(expect, m->name, cJSON_IsString(v) ? v->valuestring : NULL,
                               (m->flags & AM_MEMBER_REQUIRED) != 0, where, err);
    }
    return st;
}

enum appmesh_status am_identity_check_output(const struct am_operation *op,
                                             const cJSON *output,
                                             const struct appmesh_buf *expect,
                                             struct appmesh_error *err)
{
    const struct am_shape *out = &am_shapes[op->output];
    if (expect->len == 0) {
        return APPMESH_OK;
    }
    if (op->payload >= 0) {
        const struct am_member *p = &am_members[op->payload];
        const cJSON *data = cJSON_GetObjectItemCaseSensitive(output, p->name);
        if (cJSON_IsObject(data)) {
            return check_object(expect, am_member_shape(p), data, "the answer", err);
        }
        return APPMESH_OK;
    }
    if (op->result_key != NULL) {
        const struct am_member *list = am_shape_member(out, op->result_key, strlen(op->result_key));
        const cJSON *items = cJSON_GetObjectItemCaseSensitive(output, op->result_key);
        const cJSON *item = NULL;
        int i = 0;
        if (list == NULL || !cJSON_IsArray(items) || am_member_shape(list)->type != AM_SHAPE_LIST) {
            return APPMESH_OK;
        }
        cJSON_ArrayForEach(item, items)
        {
            char where[96];
            enum appmesh_status st = APPMESH_OK;
            snprintf(where, sizeof(where), "%s[%d] of the answer", op->result_key, i++);
            st = check_object(expect, am_list_item(am_member_shape(list)), item, where, err);
            if (st != APPMESH_OK) {
                return st;
            }
        }
    }
    return APPMESH_OK;
}
