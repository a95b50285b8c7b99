/* SPDX-License-Identifier: MIT */
/* rest-json serialisation over the shape tables, as botocore's RestJSONSerializer does it. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "json.h"
#include "rest.h"
#include "serialize.h"

enum appmesh_status am_serialize_path(const struct am_operation *op,
                                      am_label_fn *label,
                                      void *ctx,
                                      struct appmesh_buf *path,
                                      struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_OK;
    const char *p = op->uri;

    while (st == APPMESH_OK && *p != '\0') {
        const char *open = strchr(p, '{');
        const char *close = NULL;
        const char *value = NULL;
        if (open == NULL) {
            return am_buf_append_str(path, p, err);
        }
        close = strchr(open, '}');
        if (close == NULL) {
            return am_fail(err, APPMESH_ERR_INVALID_ARGUMENT, "%s: malformed URI template %s",
                           op->name, op->uri);
        }
        st = am_buf_append(path, p, (size_t)(open - p), err);
        value = st == APPMESH_OK ? label(ctx, open + 1, (size_t)(close - open - 1)) : NULL;
        if (st == APPMESH_OK && value == NULL) {
            st = am_fail(err, APPMESH_ERR_INVALID_ARGUMENT, "%s: no value for the URI label %.*s",
                         op->name, (int)(close - open - 1), open + 1);
        }
        if (st == APPMESH_OK) {
            st = am_rest_append_label(path, value, strlen(value), err);
        }
        p = close + 1;
    }
    return st;
}

/* ---- the JSON body ---- */

static enum appmesh_status
write_string(struct appmesh_buf *b, const char *s, struct appmesh_error *err)
{
    static const char hex[] = "0123456789abcdef";
    enum appmesh_status st = am_buf_append_char(b, '"', err);
    const char *run = s;

    for (; st == APPMESH_OK && *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        char esc[7];
        size_t n = 0;
        if (c >= 0x20 && c != '"' && c != '\\') {
            continue;
        }
        st = am_buf_append(b, run, (size_t)(s - run), err);
        run = s + 1;
        esc[n++] = '\\';
        switch (c) {
            case '"':
            case '\\':
                esc[n++] = (char)c;
                break;
            case '\b':
                esc[n++] = 'b';
                break;
            case '\f':
                esc[n++] = 'f';
                break;
            case '\n':
                esc[n++] = 'n';
                break;
            case '\r':
                esc[n++] = 'r';
                break;
            case '\t':
                esc[n++] = 't';
                break;
            default:
                esc[n++] = 'u';
                esc[n++] = '0';
                esc[n++] = '0';
                esc[n++] = hex[c >> 4];
                esc[n++] = hex[c & 0x0F];
                break;
        }
        if (st == APPMESH_OK) {
            st = am_buf_append(b, esc, n, err);
        }
    }
    if (st == APPMESH_OK) {
        st = am_buf_append(b, run, (size_t)(s - run), err);
    }
    if (st == APPMESH_OK) {
        st = am_buf_append_char(b, '"', err);
    }
    return st;
}

/* v in decimal; returns the length written into out (at most 20 bytes, no NUL). */
static size_t format_int64(char out[24], int64_t v)
{
    char digits[24];
    size_t n = 0;
    size_t len = 0;
    uint64_t u = v < 0 ? 0u - (uint64_t)v : (uint64_t)v;

    do {
        digits[n++] = (char)('0' + u % 10u);
        u /= 10u;
    } while (u != 0);
    if (v < 0) {
        out[len++] = '-';
    }
    while (n > 0) {
        out[len++] = digits[--n];
    }
    return len;
}

static enum appmesh_status bad_input(const struct am_shape *s, struct appmesh_error *err)
{
    return am_fail(err, APPMESH_ERR_INVALID_ARGUMENT,
                   "a value of shape %s that validation would refuse reached the serialiser",
                   s->name);
}

static enum appmesh_status write_scalar_text(const struct am_shape *s,
                                             const cJSON *item,
                                             char text[32],
                                             size_t *len,
                                             struct appmesh_error *err)
{
    int64_t v = 0;
    switch ((enum am_shape_type)s->type) {
        case AM_SHAPE_INTEGER:
        case AM_SHAPE_LONG:
            if (am_json_long(NULL, 0, NULL, item, &v) != AM_JSON_LONG_OK) {
                return bad_input(s, err);
            }
            *len = format_int64(text, v);
            return APPMESH_OK;
        case AM_SHAPE_BOOLEAN:
            if (!cJSON_IsBool(item)) {
                return bad_input(s, err);
            }
            *len = (size_t)snprintf(text, 32, "%s", cJSON_IsTrue(item) ? "true" : "false");
            return APPMESH_OK;
        case AM_SHAPE_TIMESTAMP:
            if (!cJSON_IsNumber(item) || !isfinite(item->valuedouble)) {
                return bad_input(s, err);
            }
            if (item->valuedouble == trunc(item->valuedouble) && fabs(item->valuedouble) < 1e15) {
                *len = format_int64(text, (int64_t)item->valuedouble);
            } else {
                *len = (size_t)snprintf(text, 32, "%.17g", item->valuedouble);
            }
            return APPMESH_OK;
        default:
            return bad_input(s, err);
    }
}

static enum appmesh_status write_value(struct appmesh_buf *b,
                                       const struct am_shape *s,
                                       const cJSON *item,
                                       struct appmesh_error *err);

static enum appmesh_status write_member(struct appmesh_buf *b,
                                        bool *first,
                                        const char *key,
                                        const struct am_shape *s,
                                        const cJSON *item,
                                        struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_OK;
    if (!*first) {
        st = am_buf_append_char(b, ',', err);
    }
    *first = false;
    if (st == APPMESH_OK) {
        st = write_string(b, key, err);
    }
    if (st == APPMESH_OK) {
        st = am_buf_append_char(b, ':', err);
    }
    if (st == APPMESH_OK) {
        st = write_value(b, s, item, err);
    }
    return st;
}

static enum appmesh_status write_object(struct appmesh_buf *b,
                                        const struct am_shape *s,
                                        const cJSON *obj,
                                        struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_OK;
    const cJSON *c = NULL;
    bool first = true;

    if (!cJSON_IsObject(obj)) {
        return bad_input(s, err);
    }
    st = am_buf_append_char(b, '{', err);
    for (c = obj->child; c != NULL && st == APPMESH_OK; c = c->next) {
        const struct am_member *m =
            c->string != NULL ? am_shape_member(s, c->string, strlen(c->string)) : NULL;
        if (m == NULL) {
            return bad_input(s, err);
        }
        st = write_member(b, &first, m->wire, am_member_shape(m), c, err);
    }
    if (st == APPMESH_OK) {
        st = am_buf_append_char(b, '}', err);
    }
    return st;
}

static enum appmesh_status write_value(struct appmesh_buf *b,
                                       const struct am_shape *s,
                                       const cJSON *item,
                                       struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_OK;
    const cJSON *c = NULL;
    char text[32];
    size_t len = 0;

    switch ((enum am_shape_type)s->type) {
        case AM_SHAPE_STRUCTURE:
        case AM_SHAPE_UNION:
            return write_object(b, s, item, err);
        case AM_SHAPE_LIST:
            if (!cJSON_IsArray(item)) {
                return bad_input(s, err);
            }
            st = am_buf_append_char(b, '[', err);
            for (c = item->child; c != NULL && st == APPMESH_OK; c = c->next) {
                if (c != item->child) {
                    st = am_buf_append_char(b, ',', err);
                }
                if (st == APPMESH_OK) {
                    st = write_value(b, am_list_item(s), c, err);
                }
            }
            return st == APPMESH_OK ? am_buf_append_char(b, ']', err) : st;
        case AM_SHAPE_STRING:
            if (!cJSON_IsString(item) || item->valuestring == NULL) {
                return bad_input(s, err);
            }
            return write_string(b, item->valuestring, err);
        default:
            st = write_scalar_text(s, item, text, &len, err);
            return st == APPMESH_OK ? am_buf_append(b, text, len, err) : st;
    }
}

/* ---- the request ---- */

struct label_ctx {
    const struct am_shape *input_shape;
    const cJSON *input;
};

static const char *input_label(void *ctx, const char *label, size_t n)
{
    const struct label_ctx *lc = ctx;
    const struct am_shape *s = lc->input_shape;
    uint16_t i = 0;

    for (i = 0; i < s->count; i++) {
        const struct am_member *m = &am_members[s->first + i];
        if (m->location == AM_LOC_URI && strncmp(m->wire, label, n) == 0 && m->wire[n] == '\0') {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(lc->input, m->name);
            return cJSON_IsString(v) ? v->valuestring : NULL;
        }
    }
    return NULL;
}

enum appmesh_status am_serialize_request(const struct am_operation *op,
                                         const cJSON *input,
                                         const char *token,
                                         struct appmesh_buf *path,
                                         struct appmesh_buf *query,
                                         struct appmesh_buf *body,
                                         struct appmesh_error *err)
{
    const struct am_shape *s = &am_shapes[op->input];
    struct label_ctx lc = {s, input};
    enum appmesh_status st = APPMESH_OK;
    const cJSON *c = NULL;
    bool has_body_members = false;
    bool first = true;
    uint16_t i = 0;

    if (!cJSON_IsObject(input)) {
        return bad_input(s, err);
    }
    st = am_serialize_path(op, input_label, &lc, path, err);
    for (i = 0; i < s->count; i++) {
        has_body_members = has_body_members || am_members[s->first + i].location == AM_LOC_BODY;
    }
    if (token != NULL && op->token >= 0 &&
        cJSON_GetObjectItemCaseSensitive(input, am_members[op->token].name) == NULL) {
        const struct am_member *m = &am_members[op->token];
        st = st == APPMESH_OK ? am_buf_append_char(body, '{', err) : st;
        if (st == APPMESH_OK) {
            st = write_string(body, m->wire, err);
        }
        st = st == APPMESH_OK ? am_buf_append_char(body, ':', err) : st;
        st = st == APPMESH_OK ? write_string(body, token, err) : st;
        first = false;
    }
    for (c = input->child; c != NULL && st == APPMESH_OK; c = c->next) {
        const struct am_member *m =
            c->string != NULL ? am_shape_member(s, c->string, strlen(c->string)) : NULL;
        char text[32];
        size_t len = 0;
        if (m == NULL) {
            return bad_input(s, err);
        }
        if (m->location == AM_LOC_URI) {
            continue; /* in the path */
        }
        if (m->location == AM_LOC_QUERY) {
            if (cJSON_IsString(c)) {
                st = am_rest_append_query(query, m->wire, c->valuestring, err);
            } else {
                st = write_scalar_text(am_member_shape(m), c, text, &len, err);
                text[len] = '\0';
                if (st == APPMESH_OK) {
                    st = am_rest_append_query(query, m->wire, text, err);
                }
            }
            continue;
        }
        if (first) {
            st = am_buf_append_char(body, '{', err);
        }
        if (st == APPMESH_OK) {
            st = write_member(body, &first, m->wire, am_member_shape(m), c, err);
        }
    }
    if (st == APPMESH_OK && !first) {
        st = am_buf_append_char(body, '}', err);
    } else if (st == APPMESH_OK && has_body_members) {
        st = am_buf_append_str(body, "{}", err);
    }
    return st;
}
