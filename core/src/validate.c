/* SPDX-License-Identifier: MIT */
/* Validation against the generated shape tables: every rule of the service model. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "validate.h"

#include "fieldpath.h"
#include "internal.h"
#include "json.h"

struct vctx {
    struct am_path path;
    int depth;
    struct appmesh_error *err;
};

/* The dotted path of the value being checked ("spec.listeners[1].portMapping"). */
static const char *path_of(struct vctx *v)
{
    return am_path_text(&v->path, "input");
}

static size_t push_member(struct vctx *v, const char *name)
{
    return am_path_push(&v->path, name, 0);
}

static size_t push_index(struct vctx *v, size_t i)
{
    return am_path_push(&v->path, NULL, i);
}

static void pop(struct vctx *v, size_t old)
{
    am_path_pop(&v->path, old);
}

static const char *json_kind(const cJSON *item)
{
    if (cJSON_IsObject(item)) {
        return "an object";
    }
    if (cJSON_IsArray(item)) {
        return "a list";
    }
    if (cJSON_IsString(item)) {
        return "a string";
    }
    if (cJSON_IsNumber(item) || cJSON_IsRaw(item)) {
        return "a number";
    }
    if (cJSON_IsBool(item)) {
        return "a boolean";
    }
    return "null";
}

static enum appmesh_status wrong_type(struct vctx *v, const char *want, const cJSON *item)
{
    const char *path = path_of(v);
    return am_fail_field(v->err, path, "%s must be %s, got %s", path, want, json_kind(item));
}

/* "a, b, c" of a structure's member names, into out (truncated with "..."). */
static void member_names(const struct am_shape *s, char *out, size_t size)
{
    size_t len = 0;
    uint16_t i = 0;
    out[0] = '\0';
    for (i = 0; i < s->count; i++) {
        int n = snprintf(out + len, size - len, "%s%s", i > 0 ? ", " : "",
                         am_members[s->first + i].name);
        if (n < 0 || len + (size_t)n >= size) {
            if (size > 4) {
                memcpy(out + size - 4, "...", 4);
            }
            return;
        }
        len += (size_t)n;
    }
}

static enum appmesh_status check(struct vctx *v, const struct am_shape *s, const cJSON *item);

static enum appmesh_status check_members(struct vctx *v, const struct am_shape *s, const cJSON *obj)
{
    enum appmesh_status st = APPMESH_OK;
    const cJSON *c = NULL;
    char names[384];

    for (c = obj->child; c != NULL && st == APPMESH_OK; c = c->next) {
        const char *key = c->string != NULL ? c->string : "";
        const struct am_member *m = am_shape_member(s, key, strlen(key));
        const cJSON *d = NULL;
        size_t old = push_member(v, key);
        if (m == NULL) {
            member_names(s, names, sizeof(names));
            st = am_fail_field(v->err, path_of(v), "%s is not a member of %s (known: %s)",
                               path_of(v), s->name, names);
        }
        for (d = obj->child; st == APPMESH_OK && d != c; d = d->next) {
            if (d->string != NULL && strcmp(d->string, key) == 0) {
                st = am_fail_field(v->err, path_of(v), "%s is given twice", path_of(v));
            }
        }
        if (st == APPMESH_OK) {
            st = check(v, am_member_shape(m), c);
        }
        pop(v, old);
    }
    return st;
}

static enum appmesh_status
check_structure(struct vctx *v, const struct am_shape *s, const cJSON *obj)
{
    enum appmesh_status st = APPMESH_OK;
    uint16_t i = 0;

    if (!cJSON_IsObject(obj)) {
        return wrong_type(v, "an object", obj);
    }
    st = check_members(v, s, obj);
    for (i = 0; i < s->count && st == APPMESH_OK; i++) {
        const struct am_member *m = &am_members[s->first + i];
        if ((m->flags & AM_MEMBER_REQUIRED) != 0 &&
            cJSON_GetObjectItemCaseSensitive(obj, m->name) == NULL) {
            size_t old = push_member(v, m->name);
            st = am_fail_field(v->err, path_of(v), "%s is required", path_of(v));
            pop(v, old);
        }
    }
    return st;
}

static enum appmesh_status check_union(struct vctx *v, const struct am_shape *s, const cJSON *obj)
{
    enum appmesh_status st = APPMESH_OK;
    const cJSON *first = NULL;
    const cJSON *c = NULL;
    int n = 0;
    char names[384];

    if (!cJSON_IsObject(obj)) {
        return wrong_type(v, "an object", obj);
    }
    st = check_members(v, s, obj);
    if (st != APPMESH_OK) {
        return st;
    }
    for (c = obj->child; c != NULL; c = c->next) {
        if (n++ == 0) {
            first = c;
        }
    }
    if (n == 1) {
        return APPMESH_OK;
    }
    member_names(s, names, sizeof(names));
    if (n == 0) {
        /* An empty table is not "no provider": leave the member out to say that. */
        return am_fail_field(v->err, path_of(v),
                             "%s must have exactly one member set (one of: %s), got none; to "
                             "set none, leave %s out",
                             path_of(v), names, path_of(v));
    }
    return am_fail_field(
        v->err, path_of(v), "%s must have exactly one member set (one of: %s), got %d (%s, %s%s)",
        path_of(v), names, n, first->string, first->next->string, n > 2 ? ", ..." : "");
}

static enum appmesh_status check_list(struct vctx *v, const struct am_shape *s, const cJSON *arr)
{
    enum appmesh_status st = APPMESH_OK;
    const cJSON *c = NULL;
    size_t n = 0;

    if (!cJSON_IsArray(arr)) {
        return wrong_type(v, "a list", arr);
    }
    for (c = arr->child; c != NULL; c = c->next) {
        n++;
    }
    if ((s->has_min && (int64_t)n < s->min) || (s->has_max && (int64_t)n > s->max)) {
        if (s->has_max) {
            return am_fail_field(v->err, path_of(v), "%s must have %lld to %lld items, got %zu",
                                 path_of(v), (long long)s->min, (long long)s->max, n);
        }
        return am_fail_field(v->err, path_of(v), "%s must have at least %lld items, got %zu",
                             path_of(v), (long long)s->min, n);
    }
    n = 0;
    for (c = arr->child; c != NULL && st == APPMESH_OK; c = c->next) {
        size_t old = push_index(v, n++);
        st = check(v, am_list_item(s), c);
        pop(v, old);
    }
    return st;
}

static bool printable(unsigned char c)
{
    return c >= 0x21 && c <= 0x7E;
}

/* The model's two patterns, matched by hand (see enum am_pattern). */
static bool matches(enum am_pattern p, const char *s)
{
    size_t i = 0;
    switch (p) {
        case AM_PATTERN_CLOUD_MAP_KEY:
            for (i = 0; s[i] != '\0'; i++) {
                if (!printable((unsigned char)s[i])) {
                    return false;
                }
            }
            return i > 0;
        case AM_PATTERN_CLOUD_MAP_VALUE:
            /* Printable ASCII and spaces, not starting with a space (or empty). */
            for (i = 0; s[i] != '\0'; i++) {
                if (!printable((unsigned char)s[i]) && !(i > 0 && s[i] == ' ')) {
                    return false;
                }
            }
            return true;
        default:
            return true;
    }
}

static const char *pattern_text(enum am_pattern p)
{
    return p == AM_PATTERN_CLOUD_MAP_KEY
               ? "^[a-zA-Z0-9!-~]+$"
               : "^([a-zA-Z0-9!-~][  a-zA-Z0-9!-~]*){0,1}[a-zA-Z0-9!-~]{0,1}$";
}

static enum appmesh_status check_string(struct vctx *v, const struct am_shape *s, const cJSON *str)
{
    const char *text = NULL;
    long chars = 0;
    uint16_t i = 0;

    if (!cJSON_IsString(str) || str->valuestring == NULL) {
        return wrong_type(v, "a string", str);
    }
    text = str->valuestring;
    chars = am_utf8_count(text, strlen(text));
    if (chars < 0) {
        return am_fail_field(v->err, path_of(v), "%s is not valid UTF-8", path_of(v));
    }
    if ((s->has_min && chars < s->min) || (s->has_max && chars > s->max)) {
        if (s->has_min && s->has_max) {
            return am_fail_field(v->err, path_of(v), "%s must be %lld to %lld characters, got %ld",
                                 path_of(v), (long long)s->min, (long long)s->max, chars);
        }
        if (s->has_min) {
            return am_fail_field(v->err, path_of(v), "%s must be at least %lld characters, got %ld",
                                 path_of(v), (long long)s->min, chars);
        }
        return am_fail_field(v->err, path_of(v), "%s must be at most %lld characters, got %ld",
                             path_of(v), (long long)s->max, chars);
    }
    if (s->count > 0) {
        char allowed[384];
        size_t len = 0;
        for (i = 0; i < s->count; i++) {
            if (strcmp(am_enum_values[s->first + i], text) == 0) {
                return APPMESH_OK;
            }
        }
        allowed[0] = '\0';
        for (i = 0; i < s->count && len < sizeof(allowed); i++) {
            int n = snprintf(allowed + len, sizeof(allowed) - len, "%s%s", i > 0 ? ", " : "",
                             am_enum_values[s->first + i]);
            len += n > 0 ? (size_t)n : 0;
        }
        return am_fail_field(v->err, path_of(v), "%s must be one of %s, got \"%.64s\"", path_of(v),
                             allowed, text);
    }
    if (s->pattern != AM_PATTERN_NONE && !matches((enum am_pattern)s->pattern, text)) {
        return am_fail_field(v->err, path_of(v), "%s does not match the pattern %s", path_of(v),
                             pattern_text((enum am_pattern)s->pattern));
    }
    return APPMESH_OK;
}

static enum appmesh_status check_integer(struct vctx *v, const struct am_shape *s, const cJSON *num)
{
    int64_t value = 0;
    int64_t lo = s->type == AM_SHAPE_INTEGER ? INT32_MIN : INT64_MIN;
    int64_t hi = s->type == AM_SHAPE_INTEGER ? INT32_MAX : INT64_MAX;

    if (!cJSON_IsNumber(num) && !cJSON_IsRaw(num)) {
        return wrong_type(v, "an integer", num);
    }
    switch (am_json_long(NULL, 0, NULL, num, &value)) {
        case AM_JSON_LONG_OK:
            break;
        case AM_JSON_LONG_RANGE:
            return am_fail_field(v->err, path_of(v), "%s is out of range (%lld to %lld)",
                                 path_of(v), (long long)lo, (long long)hi);
        default:
            return am_fail_field(v->err, path_of(v), "%s must be an integer", path_of(v));
    }
    lo = s->has_min && s->min > lo ? s->min : lo;
    hi = s->has_max && s->max < hi ? s->max : hi;
    if (value < lo || value > hi) {
        if (s->has_max || s->type == AM_SHAPE_INTEGER) {
            return am_fail_field(v->err, path_of(v), "%s must be %lld to %lld, got %lld",
                                 path_of(v), (long long)lo, (long long)hi, (long long)value);
        }
        return am_fail_field(v->err, path_of(v), "%s must be at least %lld, got %lld", path_of(v),
                             (long long)lo, (long long)value);
    }
    return APPMESH_OK;
}

static enum appmesh_status check(struct vctx *v, const struct am_shape *s, const cJSON *item)
{
    enum appmesh_status st = APPMESH_OK;

    if (v->depth >= AM_PATH_MAX_DEPTH) {
        return am_fail_field(v->err, path_of(v), "%s is nested too deeply", path_of(v));
    }
    v->depth++;
    switch ((enum am_shape_type)s->type) {
        case AM_SHAPE_STRUCTURE:
            st = check_structure(v, s, item);
            break;
        case AM_SHAPE_UNION:
            st = check_union(v, s, item);
            break;
        case AM_SHAPE_LIST:
            st = check_list(v, s, item);
            break;
        case AM_SHAPE_STRING:
            st = check_string(v, s, item);
            break;
        case AM_SHAPE_INTEGER:
        case AM_SHAPE_LONG:
            st = check_integer(v, s, item);
            break;
        case AM_SHAPE_BOOLEAN:
            st = cJSON_IsBool(item) ? APPMESH_OK : wrong_type(v, "a boolean", item);
            break;
        case AM_SHAPE_TIMESTAMP:
            st = cJSON_IsNumber(item) && isfinite(item->valuedouble)
                     ? APPMESH_OK
                     : wrong_type(v, "a number (epoch seconds)", item);
            break;
        default:
            st = am_fail(v->err, APPMESH_ERR_INTERNAL, "%s has an unknown shape type %d",
                         path_of(v), (int)s->type);
            break;
    }
    v->depth--;
    return st;
}

enum appmesh_status am_validate(const struct am_shape *shape,
                                const cJSON *value,
                                int list_base,
                                struct appmesh_error *err)
{
    struct vctx v;

    memset(&v, 0, sizeof(v));
    v.path.list_base = (size_t)list_base;
    v.err = err;
    if (shape == NULL || value == NULL) {
        return am_fail(err, APPMESH_ERR_INVALID_ARGUMENT,
                       "am_validate: shape and value are required");
    }
    return check(&v, shape, value);
}

enum appmesh_status am_validate_input(const struct am_operation *op,
                                      const cJSON *input,
                                      int list_base,
                                      struct appmesh_error *err)
{
    if (op == NULL) {
        return am_fail(err, APPMESH_ERR_INVALID_ARGUMENT, "no operation given");
    }
    return am_validate(&am_shapes[op->input], input, list_base, err);
}
