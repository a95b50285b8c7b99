/* SPDX-License-Identifier: MIT */
/* Reading outputs of any operation: parse, then normalise the tree against the output shape. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "deserialize.h"

#include "fieldpath.h"
#include "internal.h"
#include "json.h"
#include "timefmt.h"

/* The largest integer below which every double is exact. A response nested deeper than
 * AM_PATH_MAX_DEPTH (deeper than any App Mesh shape) is refused. */
#define TWO_POW_53 9007199254740992.0

/* ---- exact longs (a pass that only replaces nodes, so positions in the text stay valid) ---- */

struct exact_ctx {
    const char *text;
    size_t len;
    const cJSON *root;
    struct appmesh_error *err;
};

static enum appmesh_status
exact(struct exact_ctx *x, const struct am_shape *s, cJSON *parent, cJSON *item, int depth)
{
    enum appmesh_status st = APPMESH_OK;
    cJSON *c = NULL;
    cJSON *next = NULL;
    int64_t v = 0;
    char digits[24];

    if (depth > AM_PATH_MAX_DEPTH) {
        return APPMESH_OK;
    }
    switch ((enum am_shape_type)s->type) {
        case AM_SHAPE_STRUCTURE:
        case AM_SHAPE_UNION:
            if (!cJSON_IsObject(item)) {
                return APPMESH_OK;
            }
            for (c = item->child; c != NULL && st == APPMESH_OK; c = next) {
                const struct am_member *m =
                    c->string != NULL ? am_shape_member(s, c->string, strlen(c->string)) : NULL;
                next = c->next;
                if (m != NULL) {
                    st = exact(x, am_member_shape(m), item, c, depth + 1);
                }
            }
            return st;
        case AM_SHAPE_LIST:
            if (!cJSON_IsArray(item)) {
                return APPMESH_OK;
            }
            for (c = item->child; c != NULL && st == APPMESH_OK; c = next) {
                next = c->next;
                st = exact(x, am_list_item(s), item, c, depth + 1);
            }
            return st;
        case AM_SHAPE_LONG:
            if (!cJSON_IsNumber(item) || !isfinite(item->valuedouble) ||
                fabs(item->valuedouble) < TWO_POW_53) {
                return APPMESH_OK; /* exact already, or not an integer: for the caller */
            }
            if (am_json_long(x->text, x->len, x->root, item, &v) != AM_JSON_LONG_OK) {
                return APPMESH_OK;
            }
            if (v >= -(int64_t)TWO_POW_53 && v <= (int64_t)TWO_POW_53) {
                item->valuedouble = (double)v;
                item->valueint = (int)v;
                return APPMESH_OK;
            }
            snprintf(digits, sizeof(digits), "%lld", (long long)v);
            c = cJSON_CreateRaw(digits);
            if (c == NULL) {
                return am_fail(x->err, APPMESH_ERR_NOMEM, "out of memory reading a long");
            }
            /* The member's key moves to the new node (ReplaceItemViaPointer keeps none). */
            c->string = item->string;
            c->type |= item->type & cJSON_StringIsConst;
            item->string = NULL;
            if (!cJSON_ReplaceItemViaPointer(parent, item, c)) {
                item->string = c->string;
                c->string = NULL;
                cJSON_Delete(c);
                return am_fail(x->err, APPMESH_ERR_INTERNAL, "could not replace a long");
            }
            return APPMESH_OK;
        default:
            return APPMESH_OK;
    }
}

enum appmesh_status am_deserialize_exact_longs(const struct am_shape *shape,
                                               const char *text,
                                               size_t len,
                                               cJSON *root,
                                               struct appmesh_error *err)
{
    struct exact_ctx x = {text, len, root, err};
    if (shape->type == AM_SHAPE_LONG) {
        return APPMESH_OK; /* a top-level value has no parent to replace it in */
    }
    return exact(&x, shape, NULL, root, 0);
}

/* ---- normalisation ---- */

struct nctx {
    struct am_path path;
    struct appmesh_error *err;
};

static const char *path_of(struct nctx *n)
{
    return am_path_text(&n->path, "(body)");
}

static size_t push(struct nctx *n, const char *name, size_t index)
{
    return am_path_push(&n->path, name, index);
}

static void pop(struct nctx *n, size_t old)
{
    am_path_pop(&n->path, old);
}

static enum appmesh_status bad(struct nctx *n, const char *what)
{
    return am_fail(n->err, APPMESH_ERR_RESPONSE, "response field %s %s", path_of(n), what);
}

static enum appmesh_status
normalise(struct nctx *n, const struct am_shape *s, cJSON *item, int depth);

static enum appmesh_status
normalise_object(struct nctx *n, const struct am_shape *s, cJSON *obj, int depth)
{
    enum appmesh_status st = APPMESH_OK;
    cJSON *c = NULL;
    cJSON *next = NULL;

    if (!cJSON_IsObject(obj)) {
        return bad(n, "is not an object");
    }
    for (c = obj->child; c != NULL && st == APPMESH_OK; c = next) {
        const struct am_member *m =
            c->string != NULL ? am_shape_member(s, c->string, strlen(c->string)) : NULL;
        bool drop = m == NULL || cJSON_IsNull(c);
        cJSON *d = NULL;
        next = c->next;
        for (d = obj->child; !drop && d != c; d = d->next) {
            drop = strcmp(d->string, c->string) == 0; /* the first of two equal keys wins */
        }
        if (drop) {
            cJSON_Delete(cJSON_DetachItemViaPointer(obj, c));
            continue;
        }
        {
            size_t old = push(n, m->name, 0);
            st = normalise(n, am_member_shape(m), c, depth + 1);
            pop(n, old);
        }
    }
    return st;
}

static enum appmesh_status
normalise(struct nctx *n, const struct am_shape *s, cJSON *item, int depth)
{
    enum appmesh_status st = APPMESH_OK;
    cJSON *c = NULL;
    size_t i = 0;
    double t = 0;

    if (depth > AM_PATH_MAX_DEPTH) {
        return bad(n, "is nested too deeply");
    }
    switch ((enum am_shape_type)s->type) {
        case AM_SHAPE_STRUCTURE:
        case AM_SHAPE_UNION:
            return normalise_object(n, s, item, depth);
        case AM_SHAPE_LIST:
            if (!cJSON_IsArray(item)) {
                return bad(n, "is not an array");
            }
            for (c = item->child; c != NULL && st == APPMESH_OK; c = c->next, i++) {
                size_t old = push(n, NULL, i);
                if (cJSON_IsNull(c)) {
                    st = bad(n, "is null in a list");
                } else {
                    st = normalise(n, am_list_item(s), c, depth + 1);
                }
                pop(n, old);
            }
            return st;
        case AM_SHAPE_STRING:
            return cJSON_IsString(item) && item->valuestring != NULL ? APPMESH_OK
                                                                     : bad(n, "is not a string");
        case AM_SHAPE_BOOLEAN:
            return cJSON_IsBool(item) ? APPMESH_OK : bad(n, "is not a boolean");
        case AM_SHAPE_INTEGER:
            if (!cJSON_IsNumber(item) || item->valuedouble != trunc(item->valuedouble) ||
                item->valuedouble < INT32_MIN || item->valuedouble > INT32_MAX) {
                return bad(n, "is not a 32-bit integer");
            }
            return APPMESH_OK;
        case AM_SHAPE_LONG:
            /* App Mesh's versions start at 1: a negative one is not an App Mesh answer. */
            if (am_path_member(&n->path) != NULL &&
                strcmp(am_path_member(&n->path), "version") == 0 &&
                ((cJSON_IsNumber(item) && item->valuedouble < 0) ||
                 (cJSON_IsRaw(item) && item->valuestring != NULL && item->valuestring[0] == '-'))) {
                return bad(n, "is negative");
            }
            /* The exact pass made every long a number below 2^53 or a cJSON_Raw. */
            if (cJSON_IsRaw(item)) {
                return APPMESH_OK;
            }
            if (!cJSON_IsNumber(item) || !isfinite(item->valuedouble) ||
                item->valuedouble != trunc(item->valuedouble)) {
                return bad(n, "is not an integer");
            }
            if (fabs(item->valuedouble) > TWO_POW_53) {
                return bad(n, "is out of the 64-bit integer range");
            }
            return APPMESH_OK;
        case AM_SHAPE_TIMESTAMP:
            if (cJSON_IsNumber(item)) {
                return isfinite(item->valuedouble) ? APPMESH_OK : bad(n, "is not a finite number");
            }
            if (cJSON_IsString(item) && item->valuestring != NULL &&
                am_time_parse_iso8601(item->valuestring, strlen(item->valuestring), &t)) {
                /* Some servers write ISO 8601 (botocore reads both): keep one form. */
                cJSON_free(item->valuestring);
                item->valuestring = NULL;
                item->type = cJSON_Number;
                cJSON_SetNumberValue(item, t);
                return APPMESH_OK;
            }
            return bad(n, "is not a timestamp (epoch seconds)");
        default:
            return am_fail(n->err, APPMESH_ERR_INTERNAL, "unknown shape type %d", (int)s->type);
    }
}

static bool blank(const char *body, size_t len)
{
    size_t i = 0;
    for (i = 0; i < len; i++) {
        if (body[i] != ' ' && body[i] != '\t' && body[i] != '\r' && body[i] != '\n') {
            return false;
        }
    }
    return true;
}

enum appmesh_status am_deserialize_output(const struct am_operation *op,
                                          const char *body,
                                          size_t len,
                                          cJSON **out,
                                          struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_ERR_INTERNAL;
    const struct am_shape *shape = &am_shapes[op->output];
    struct nctx n;
    cJSON *root = NULL;
    cJSON *wrap = NULL;

    *out = NULL;
    memset(&n, 0, sizeof(n));
    n.err = err;
    if (op->payload >= 0) {
        shape = am_member_shape(&am_members[op->payload]);
    }
    if (op->payload < 0 && (body == NULL || blank(body, len))) {
        root = cJSON_CreateObject();
        st = root != NULL ? APPMESH_OK
                          : am_fail(err, APPMESH_ERR_NOMEM, "out of memory reading a response");
    } else {
        st = am_json_parse_response(body, len, &root, err);
    }
    if (st == APPMESH_OK) {
        st = am_deserialize_exact_longs(shape, body, len, root, err);
    }
    if (st == APPMESH_OK) {
        st = normalise(&n, shape, root, 0);
    }
    if (st == APPMESH_OK && op->payload >= 0) {
        wrap = cJSON_CreateObject();
        if (wrap == NULL || !cJSON_AddItemToObject(wrap, am_members[op->payload].name, root)) {
            cJSON_Delete(wrap);
            st = am_fail(err, APPMESH_ERR_NOMEM, "out of memory reading a response");
        } else {
            root = wrap;
        }
    }
    if (st != APPMESH_OK) {
        cJSON_Delete(root);
        return st;
    }
    *out = root;
    return APPMESH_OK;
}
