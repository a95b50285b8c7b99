/* SPDX-License-Identifier: MIT */
/* The virtual-service model to and from JSON (cJSON): update body, VirtualServiceData, refs. */
#include "json.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "appmesh/model.h"
#include "internal.h"
#include "json_text.h"

/* ---- writing the UpdateVirtualService body ---- */

/* Bytes cJSON's print_string_ptr writes for s, without the quotes. */
static size_t escaped_len(const char *s)
{
    size_t n = 0;
    const unsigned char *p = (const unsigned char *)s;

    for (; *p != '\0'; p++) {
        switch (*p) {
            case '"':
            case '\\':
            case '\b':
            case '\f':
            case '\n':
            case '\r':
            case '\t':
                n += 2;
                break;
            default:
                n += *p < 32 ? 6 : 1;
                break;
        }
    }
    return n;
}

/*
 * The body tree is at most six nodes and lives on the stack: cJSON's printer only walks the
 * public child/next/string/valuestring fields, so building it by hand saves six malloc/free
 * pairs per call, and nothing here can fail for lack of memory except the output buffer.
 * Keys are constant and strings are references (cJSON_StringIsConst, cJSON_IsReference):
 * nothing is copied, and cJSON_Delete is never needed.
 */
static void link_member(cJSON *obj, cJSON *item, const char *key)
{
    item->string = (char *)key;
    item->type |= cJSON_StringIsConst;
    if (obj->child == NULL) {
        obj->child = item;
        item->prev = item; /* cJSON keeps the last child in the first child's prev */
    } else {
        cJSON *last = obj->child->prev;
        last->next = item;
        item->prev = last;
        obj->child->prev = item;
    }
}

static void init_string(cJSON *item, const char *value)
{
    item->type = cJSON_String | cJSON_IsReference;
    item->valuestring = (char *)value;
}

enum appmesh_status am_json_write_update_body(struct appmesh_buf *out,
                                              const char *client_token,
                                              const struct appmesh_virtual_service_spec *spec,
                                              struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_ERR_INTERNAL;
    cJSON root, token, jspec, provider, member, name_item;
    const char *member_key = NULL;
    const char *name_key = NULL;
    const char *name = NULL;
    /* The fixed text is at most 77 bytes (the virtualRouter form with a token). */
    size_t need = 96;
    size_t room = 0;

    if (spec != NULL) {
        switch (spec->provider.kind) {
            case APPMESH_PROVIDER_NONE:
                break;
            case APPMESH_PROVIDER_VIRTUAL_NODE:
                member_key = "virtualNode";
                name_key = "virtualNodeName";
                name = spec->provider.u.virtual_node.virtual_node_name;
                break;
            case APPMESH_PROVIDER_VIRTUAL_ROUTER:
                member_key = "virtualRouter";
                name_key = "virtualRouterName";
                name = spec->provider.u.virtual_router.virtual_router_name;
                break;
            default:
                st = am_fail(err, APPMESH_ERR_INVALID_ARGUMENT,
                             "spec.provider has an unknown kind %d", (int)spec->provider.kind);
                goto cleanup;
        }
        if (member_key != NULL && name == NULL) {
            st = am_fail(err, APPMESH_ERR_INVALID_ARGUMENT, "spec.provider.%s.%s is NULL",
                         member_key, name_key);
            goto cleanup;
        }
    }

    memset(&root, 0, sizeof(root));
    memset(&token, 0, sizeof(token));
    memset(&jspec, 0, sizeof(jspec));
    memset(&provider, 0, sizeof(provider));
    memset(&member, 0, sizeof(member));
    memset(&name_item, 0, sizeof(name_item));
    root.type = cJSON_Object;
    jspec.type = cJSON_Object;
    if (client_token != NULL) {
        init_string(&token, client_token);
        link_member(&root, &token, "clientToken");
    }
    link_member(&root, &jspec, "spec");
    if (member_key != NULL) {
        provider.type = cJSON_Object;
        member.type = cJSON_Object;
        init_string(&name_item, name);
        link_member(&jspec, &provider, "provider");
        link_member(&provider, &member, member_key);
        link_member(&member, &name_item, name_key);
    }

    /* Print straight into the caller's buffer: reserve the exact worst case once. */
    need += (client_token != NULL ? escaped_len(client_token) : 0) +
            (name != NULL ? escaped_len(name) : 0);
    st = am_buf_reserve(out, need, err);
    if (st != APPMESH_OK) {
        goto cleanup;
    }
    room = out->cap - out->len;
    if (room > INT_MAX) {
        room = INT_MAX;
    }
    if (!cJSON_PrintPreallocated(&root, out->ptr + out->len, (int)room, 0)) {
        out->ptr[out->len] = '\0';
        st = am_fail(err, APPMESH_ERR_JSON, "could not write the request body (%zu bytes)", need);
        goto cleanup;
    }
    out->len += strlen(out->ptr + out->len);
    st = APPMESH_OK;

cleanup:
    return st;
}

/* ---- reading VirtualServiceData ---- */

/*
 * A scanner over JSON text that cJSON has already parsed, used only to find the text of a
 * 64-bit integer: cJSON keeps numbers as doubles, which cannot hold every 64-bit integer.
 */
static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) {
        p++;
    }
    return p;
}

/* p at the opening quote; returns just past the closing quote. */
static const char *skip_string(const char *p, const char *end)
{
    p++;
    while (p < end && *p != '"') {
        p += (*p == '\\' && end - p > 1) ? 2 : 1;
    }
    return p < end ? p + 1 : end;
}

static const char *skip_value(const char *p, const char *end)
{
    int depth = 0;

    while (p < end) {
        char c = *p;
        if (c == '"') {
            p = skip_string(p, end);
            if (depth == 0) {
                return p;
            }
            continue;
        }
        if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (depth == 0) {
                return p;
            }
            depth--;
            if (depth == 0) {
                return p + 1;
            }
        } else if (depth == 0 && (c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
            return p;
        }
        p++;
    }
    return p;
}

/* p at '{' or '[': the start of the value of its k-th member or element, or NULL. */
static const char *nth_child(const char *p, const char *end, size_t k)
{
    bool object = p < end && *p == '{';
    size_t i = 0;

    if (p >= end || (*p != '{' && *p != '[')) {
        return NULL;
    }
    p++;
    for (i = 0;; i++) {
        p = skip_ws(p, end);
        if (object) {
            if (p >= end || *p != '"') {
                return NULL;
            }
            p = skip_ws(skip_string(p, end), end);
            if (p >= end || *p != ':') {
                return NULL;
            }
            p = skip_ws(p + 1, end);
        }
        if (i == k) {
            return p < end ? p : NULL;
        }
        p = skip_ws(skip_value(p, end), end);
        if (p >= end || *p != ',') {
            return NULL;
        }
        p++;
    }
}

enum int_parse { INT_OK, INT_NOT_INTEGER, INT_RANGE };

#define TWO_POW_53 9007199254740992.0

/* An integer written as -?[0-9]+, exactly, into int64_t. */
static enum int_parse parse_int64_text(const char *p, const char *end, int64_t *out)
{
    bool neg = false;
    bool overflow = false;
    uint64_t v = 0;
    const uint64_t limit = (uint64_t)INT64_MAX;

    if (p < end && *p == '-') {
        neg = true;
        p++;
    }
    if (p >= end || *p < '0' || *p > '9') {
        return INT_NOT_INTEGER;
    }
    for (; p < end && *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10) {
            overflow = true;
        } else {
            v = v * 10 + d;
        }
    }
    if (p < end && (*p == '.' || *p == 'e' || *p == 'E')) {
        return INT_NOT_INTEGER;
    }
    if (overflow || v > limit + (neg ? 1u : 0u)) {
        return INT_RANGE;
    }
    if (neg) {
        *out = v == limit + 1u ? INT64_MIN : -(int64_t)v;
    } else {
        *out = (int64_t)v;
    }
    return INT_OK;
}

/* The child positions from root down to item (cJSON keeps members and elements in text
 * order); false when item is not in the tree or deeper than max. */
static bool
path_to(const cJSON *node, const cJSON *item, size_t *path, size_t depth, size_t max, size_t *len)
{
    const cJSON *c = NULL;
    size_t i = 0;

    if (node == item) {
        *len = depth;
        return true;
    }
    if (depth >= max || !(cJSON_IsObject(node) || cJSON_IsArray(node))) {
        return false;
    }
    for (c = node->child; c != NULL; c = c->next, i++) {
        path[depth] = i;
        if (path_to(c, item, path, depth + 1, max, len)) {
            return true;
        }
    }
    return false;
}

#define LONG_PATH_MAX 64

enum am_json_long_result
am_json_long(const char *text, size_t len, const cJSON *root, const cJSON *item, int64_t *out)
{
    size_t path[LONG_PATH_MAX];
    size_t n = 0;
    size_t i = 0;
    const char *p = NULL;
    const char *end = text != NULL ? text + len : NULL;
    double d = 0;

    if (cJSON_IsRaw(item)) {
        /* The exact decimal text of an integer (the Lua binding's integers beyond 2^53). */
        const char *t = item->valuestring != NULL ? item->valuestring : "";
        size_t tn = strlen(t);
        size_t sign = t[0] == '-' ? 1 : 0;
        if (tn == sign || strspn(t + sign, "0123456789") != tn - sign) {
            return AM_JSON_LONG_NOT_INTEGER;
        }
        return parse_int64_text(t, t + tn, out) == INT_OK ? AM_JSON_LONG_OK : AM_JSON_LONG_RANGE;
    }
    if (!cJSON_IsNumber(item)) {
        return AM_JSON_LONG_NOT_INTEGER;
    }
    /*
     * Below 2^53 the double is exact for any integer text (and rounding cannot bring a larger
     * integer under 2^53), so only larger magnitudes need the text: the common case skips it.
     */
    d = item->valuedouble;
    if (isfinite(d) && d == trunc(d) && fabs(d) < TWO_POW_53) {
        *out = (int64_t)d;
        return AM_JSON_LONG_OK;
    }
    if (text == NULL || root == NULL || !path_to(root, item, path, 0, LONG_PATH_MAX, &n)) {
        /* No text to read (a tree built in memory): the double is the value. */
        if (isfinite(d) && d == trunc(d) && d >= -9223372036854775808.0 &&
            d < 9223372036854775808.0) {
            *out = (int64_t)d;
            return AM_JSON_LONG_OK;
        }
        return isfinite(d) && d == trunc(d) ? AM_JSON_LONG_RANGE : AM_JSON_LONG_NOT_INTEGER;
    }
    p = text;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
        p += 3; /* cJSON skips a UTF-8 byte order mark too */
    }
    p = skip_ws(p, end);
    for (i = 0; i < n && p != NULL; i++) {
        p = nth_child(p, end, path[i]);
    }
    if (p == NULL) {
        return AM_JSON_LONG_NOT_INTEGER;
    }
    switch (parse_int64_text(p, end, out)) {
        case INT_OK:
            return AM_JSON_LONG_OK;
        case INT_RANGE:
            return AM_JSON_LONG_RANGE;
        default:
            return AM_JSON_LONG_NOT_INTEGER;
    }
}

struct reader {
    const char *body;
    size_t len;
    const cJSON *root; /* the parsed body, for am_json_long */
    const struct appmesh_allocator *alloc;
    struct appmesh_error *err;
    const char *prefix; /* put before every field path in messages: "" or "virtualServices[3]." */
};

static enum appmesh_status bad_field(struct reader *r, const char *path, const char *what)
{
    return am_fail(r->err, APPMESH_ERR_RESPONSE, "response field %s%s %s", r->prefix, path, what);
}

/* The member named key, treating JSON null as absent. */
static const cJSON *member(const cJSON *obj, const char *key)
{
    const cJSON *item = obj == NULL ? NULL : cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsNull(item) ? NULL : item;
}

static enum appmesh_status read_object(
    struct reader *r, const cJSON *obj, const char *key, const char *path, const cJSON **out)
{
    const cJSON *item = member(obj, key);
    *out = NULL;
    if (item != NULL && !cJSON_IsObject(item)) {
        return bad_field(r, path, "is not an object");
    }
    *out = item;
    return APPMESH_OK;
}

static enum appmesh_status
read_string(struct reader *r, const cJSON *obj, const char *key, const char *path, char **out)
{
    const cJSON *item = member(obj, key);
    if (item == NULL) {
        return APPMESH_OK;
    }
    if (!cJSON_IsString(item) || item->valuestring == NULL) {
        return bad_field(r, path, "is not a string");
    }
    *out = am_strdup(r->alloc, item->valuestring);
    if (*out == NULL) {
        return am_fail(r->err, APPMESH_ERR_NOMEM, "out of memory reading response field %s%s",
                       r->prefix, path);
    }
    return APPMESH_OK;
}

static enum appmesh_status read_timestamp(
    struct reader *r, const cJSON *obj, const char *key, const char *path, bool *has, double *out)
{
    const cJSON *item = member(obj, key);
    if (item == NULL) {
        return APPMESH_OK;
    }
    if (!cJSON_IsNumber(item)) {
        return bad_field(r, path, "is not a number (epoch seconds)");
    }
    if (!isfinite(item->valuedouble)) {
        return bad_field(r, path, "is not a finite number");
    }
    *out = item->valuedouble;
    *has = true;
    return APPMESH_OK;
}

/* A 64-bit integer member (Long), exactly (am_json_long reads its text when it must). */
static enum appmesh_status
read_int64(struct reader *r, const cJSON *obj, const char *key, bool *has, int64_t *out)
{
    const cJSON *item = member(obj, key);

    if (item == NULL) {
        return APPMESH_OK;
    }
    if (!cJSON_IsNumber(item)) {
        return bad_field(r, key, "is not an integer");
    }
    switch (am_json_long(r->body, r->len, r->root, item, out)) {
        case AM_JSON_LONG_OK:
            if (*out < 0 && strcmp(key, "version") == 0) {
                return bad_field(r, key, "is negative"); /* App Mesh's versions start at 1 */
            }
            *has = true;
            return APPMESH_OK;
        case AM_JSON_LONG_RANGE:
            return bad_field(r, key, "is out of the 64-bit integer range");
        default:
            return bad_field(r, key, "is not an integer");
    }
}

/*
 * The flat members of ResourceMetadata and VirtualServiceRef, read by one table-driven
 * reader: each entry says where in the struct the value (and its has_* flag) goes.
 */
enum field_kind { FIELD_STRING, FIELD_TIMESTAMP, FIELD_INT64 };

struct field {
    const char *key; /* wire name; also the path after r->prefix */
    enum field_kind kind;
    size_t value; /* offset of the char *, double or int64_t */
    size_t has;   /* offset of the bool (timestamps and integers) */
};

#define STRING_FIELD(type, key, member)                                                            \
    {                                                                                              \
        key, FIELD_STRING, offsetof(type, member), 0                                               \
    }
#define NUMBER_FIELD(type, key, kind, member)                                                      \
    {                                                                                              \
        key, kind, offsetof(type, member), offsetof(type, has_##member)                            \
    }

static const struct field metadata_fields[] = {
    STRING_FIELD(struct appmesh_resource_metadata, "arn", arn),
    NUMBER_FIELD(struct appmesh_resource_metadata, "createdAt", FIELD_TIMESTAMP, created_at),
    NUMBER_FIELD(
        struct appmesh_resource_metadata, "lastUpdatedAt", FIELD_TIMESTAMP, last_updated_at),
    STRING_FIELD(struct appmesh_resource_metadata, "meshOwner", mesh_owner),
    STRING_FIELD(struct appmesh_resource_metadata, "resourceOwner", resource_owner),
    STRING_FIELD(struct appmesh_resource_metadata, "uid", uid),
    NUMBER_FIELD(struct appmesh_resource_metadata, "version", FIELD_INT64, version),
};

static const struct field ref_fields[] = {
    STRING_FIELD(struct appmesh_virtual_service_ref, "arn", arn),
    NUMBER_FIELD(struct appmesh_virtual_service_ref, "createdAt", FIELD_TIMESTAMP, created_at),
    NUMBER_FIELD(
        struct appmesh_virtual_service_ref, "lastUpdatedAt", FIELD_TIMESTAMP, last_updated_at),
    STRING_FIELD(struct appmesh_virtual_service_ref, "meshName", mesh_name),
    STRING_FIELD(struct appmesh_virtual_service_ref, "meshOwner", mesh_owner),
    STRING_FIELD(struct appmesh_virtual_service_ref, "resourceOwner", resource_owner),
    NUMBER_FIELD(struct appmesh_virtual_service_ref, "version", FIELD_INT64, version),
    STRING_FIELD(struct appmesh_virtual_service_ref, "virtualServiceName", virtual_service_name),
};

/* Read every field of the table from obj into the struct at base; first error wins. */
static enum appmesh_status
read_fields(struct reader *r, const cJSON *obj, const struct field *fields, size_t n, void *base)
{
    enum appmesh_status st = APPMESH_OK;
    char *b = base;
    size_t i = 0;

    for (i = 0; i < n && st == APPMESH_OK; i++) {
        const struct field *f = &fields[i];
        switch (f->kind) {
            case FIELD_STRING:
                st = read_string(r, obj, f->key, f->key, (char **)(void *)(b + f->value));
                break;
            case FIELD_TIMESTAMP:
                st = read_timestamp(r, obj, f->key, f->key, (bool *)(void *)(b + f->has),
                                    (double *)(void *)(b + f->value));
                break;
            case FIELD_INT64:
                st = read_int64(r, obj, f->key, (bool *)(void *)(b + f->has),
                                (int64_t *)(void *)(b + f->value));
                break;
        }
    }
    return st;
}

static enum appmesh_status
read_provider(struct reader *r, const cJSON *spec, struct appmesh_virtual_service_provider *out)
{
    enum appmesh_status st = APPMESH_OK;
    const cJSON *prov = NULL;
    const cJSON *node = NULL;
    const cJSON *router = NULL;
    char *name = NULL;

    st = read_object(r, spec, "provider", "spec.provider", &prov);
    if (st != APPMESH_OK || prov == NULL) {
        return st;
    }
    node = member(prov, "virtualNode");
    router = member(prov, "virtualRouter");
    if (node != NULL && router != NULL) {
        return bad_field(r, "spec.provider",
                         "has two members (virtualNode and virtualRouter); the union holds one");
    }
    if (node != NULL) {
        if (!cJSON_IsObject(node)) {
            return bad_field(r, "spec.provider.virtualNode", "is not an object");
        }
        st = read_string(r, node, "virtualNodeName", "spec.provider.virtualNode.virtualNodeName",
                         &name);
        if (st == APPMESH_OK && name == NULL) {
            st = bad_field(r, "spec.provider.virtualNode.virtualNodeName", "is missing");
        }
        if (st == APPMESH_OK) {
            out->kind = APPMESH_PROVIDER_VIRTUAL_NODE;
            out->u.virtual_node.virtual_node_name = name;
        }
    } else if (router != NULL) {
        if (!cJSON_IsObject(router)) {
            return bad_field(r, "spec.provider.virtualRouter", "is not an object");
        }
        st = read_string(r, router, "virtualRouterName",
                         "spec.provider.virtualRouter.virtualRouterName", &name);
        if (st == APPMESH_OK && name == NULL) {
            st = bad_field(r, "spec.provider.virtualRouter.virtualRouterName", "is missing");
        }
        if (st == APPMESH_OK) {
            out->kind = APPMESH_PROVIDER_VIRTUAL_ROUTER;
            out->u.virtual_router.virtual_router_name = name;
        }
    }
    return st;
}

static enum appmesh_status
read_status(struct reader *r, const cJSON *root, struct appmesh_virtual_service_status *out)
{
    static const struct {
        const char *name;
        enum appmesh_status_code code;
    } codes[] = {
        {"ACTIVE", APPMESH_STATUS_ACTIVE},
        {"INACTIVE", APPMESH_STATUS_INACTIVE},
        {"DELETED", APPMESH_STATUS_DELETED},
    };
    enum appmesh_status st = APPMESH_OK;
    const cJSON *status = NULL;
    size_t i = 0;

    st = read_object(r, root, "status", "status", &status);
    if (st == APPMESH_OK && status != NULL) {
        st = read_string(r, status, "status", "status.status", &out->raw);
    }
    if (st != APPMESH_OK || out->raw == NULL) {
        return st;
    }
    out->code = APPMESH_STATUS_UNKNOWN;
    for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        if (strcmp(out->raw, codes[i].name) == 0) {
            out->code = codes[i].code;
            break;
        }
    }
    return APPMESH_OK;
}

static enum appmesh_status
read_metadata(struct reader *r, const cJSON *root, struct appmesh_resource_metadata *md)
{
    enum appmesh_status st = APPMESH_OK;
    const cJSON *meta = NULL;

    st = read_object(r, root, "metadata", "metadata", &meta);
    if (st != APPMESH_OK || meta == NULL) {
        return st;
    }
    r->prefix = "metadata.";
    st = read_fields(r, meta, metadata_fields, sizeof(metadata_fields) / sizeof(metadata_fields[0]),
                     md);
    r->prefix = "";
    return st;
}

static const char *json_type_name(const cJSON *item)
{
    if (cJSON_IsArray(item)) {
        return "an array";
    }
    if (cJSON_IsString(item)) {
        return "a string";
    }
    if (cJSON_IsNumber(item)) {
        return "a number";
    }
    if (cJSON_IsBool(item)) {
        return "a boolean";
    }
    return "null";
}

enum appmesh_status
am_json_parse_response(const char *body, size_t len, cJSON **root, struct appmesh_error *err)
{
    struct reader rd = {body, len, NULL, NULL, err, ""};
    struct reader *r = &rd;
    const char *end = body != NULL ? body + len : NULL;
    const char *parse_end = NULL;
    char field[64] = "";

    *root = NULL;
    if (body == NULL || skip_ws(body, end) == end) {
        return am_fail(r->err, APPMESH_ERR_RESPONSE, "response body is empty (%zu bytes)",
                       body != NULL ? len : (size_t)0);
    }
    *root = cJSON_ParseWithLengthOpts(body, len, &parse_end, 0);
    if (*root == NULL) {
        return am_fail(
            r->err, APPMESH_ERR_RESPONSE,
            "response body is not valid JSON (malformed or truncated near byte %zu of %zu)",
            parse_end != NULL ? (size_t)(parse_end - body) : (size_t)0, len);
    }
    if (parse_end == NULL || skip_ws(parse_end, end) != end) {
        return am_fail(r->err, APPMESH_ERR_RESPONSE,
                       "response body has data after the JSON value (at byte %zu of %zu)",
                       parse_end != NULL ? (size_t)(skip_ws(parse_end, end) - body) : (size_t)0,
                       len);
    }
    if (!cJSON_IsObject(*root)) {
        return am_fail(r->err, APPMESH_ERR_RESPONSE, "response body is %s, not a JSON object",
                       json_type_name(*root));
    }
    /* cJSON ends a string at an escaped NUL, so "s\u0000x" would read as "s": refuse it (only
     * a body with an escape at all needs the scan). */
    if (memchr(body, '\\', len) != NULL &&
        am_json_text_has_nul(body, len, NULL, field, sizeof(field))) {
        return am_fail(r->err, APPMESH_ERR_RESPONSE,
                       "response field %s holds a NUL character (\\u0000), which no member may "
                       "hold",
                       field);
    }
    return APPMESH_OK;
}

/* Parse the whole body, which must be exactly one JSON object (whitespace around it is fine). */
static enum appmesh_status parse_body(struct reader *r, cJSON **root)
{
    return am_json_parse_response(r->body, r->len, root, r->err);
}

enum appmesh_status am_json_read_virtual_service_data(const char *body,
                                                      size_t len,
                                                      const struct appmesh_allocator *a,
                                                      struct appmesh_virtual_service_data *out,
                                                      struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_ERR_INTERNAL;
    struct reader r = {body, len, NULL, a, err, ""};
    cJSON *root = NULL;
    const cJSON *spec = NULL;

    memset(out, 0, sizeof(*out));
    out->alloc = a;
    st = parse_body(&r, &root);
    r.root = root;
    if (st == APPMESH_OK) {
        st = read_string(&r, root, "meshName", "meshName", &out->mesh_name);
    }
    if (st == APPMESH_OK) {
        st = read_string(&r, root, "virtualServiceName", "virtualServiceName",
                         &out->virtual_service_name);
    }
    if (st == APPMESH_OK) {
        st = read_object(&r, root, "spec", "spec", &spec);
    }
    if (st == APPMESH_OK && spec != NULL) {
        out->has_spec = true;
        st = read_provider(&r, spec, &out->spec.provider);
    }
    if (st == APPMESH_OK) {
        st = read_status(&r, root, &out->status);
    }
    if (st == APPMESH_OK) {
        st = read_metadata(&r, root, &out->metadata);
    }

    cJSON_Delete(root);
    if (st != APPMESH_OK) {
        appmesh_virtual_service_data_cleanup(out);
    }
    return st;
}

/* ---- reading a ListVirtualServices page ---- */

static enum appmesh_status
read_refs(struct reader *r, const cJSON *list, struct appmesh_virtual_service_list *out)
{
    enum appmesh_status st = APPMESH_OK;
    const cJSON *item = NULL;
    char path[48];
    size_t n = (size_t)cJSON_GetArraySize(list);
    size_t i = 0;

    if (n == 0) {
        return APPMESH_OK;
    }
    if (n > SIZE_MAX / sizeof(out->items[0])) {
        return am_fail(r->err, APPMESH_ERR_NOMEM,
                       "response field virtualServices has too many "
                       "entries (%zu)",
                       n);
    }
    out->items = am_calloc(r->alloc, n * sizeof(out->items[0]));
    if (out->items == NULL) {
        return am_fail(r->err, APPMESH_ERR_NOMEM,
                       "out of memory reading response field virtualServices (%zu entries)", n);
    }
    out->count = n; /* zeroed refs: cleanup frees whatever has been read so far */
    for (item = list->child; item != NULL && i < n && st == APPMESH_OK; item = item->next, i++) {
        int len = snprintf(path, sizeof(path), "virtualServices[%zu].", i);
        if (!cJSON_IsObject(item)) {
            path[len - 1] = '\0';
            return bad_field(r, path, "is not an object");
        }
        r->prefix = path;
        st = read_fields(r, item, ref_fields, sizeof(ref_fields) / sizeof(ref_fields[0]),
                         &out->items[i]);
        r->prefix = "";
    }
    return st;
}

enum appmesh_status am_json_read_virtual_service_list(const char *body,
                                                      size_t len,
                                                      const struct appmesh_allocator *a,
                                                      struct appmesh_virtual_service_list *out,
                                                      struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_ERR_INTERNAL;
    struct reader r = {body, len, NULL, a, err, ""};
    cJSON *root = NULL;
    const cJSON *list = NULL;

    memset(out, 0, sizeof(*out));
    out->alloc = a;
    st = parse_body(&r, &root);
    r.root = root;
    if (st == APPMESH_OK) {
        list = member(root, "virtualServices");
        if (list == NULL) {
            st = bad_field(&r, "virtualServices", "is missing (the list is required)");
        } else if (!cJSON_IsArray(list)) {
            st = bad_field(&r, "virtualServices", "is not an array");
        }
    }
    if (st == APPMESH_OK) {
        st = read_refs(&r, list, out);
    }
    if (st == APPMESH_OK) {
        st = read_string(&r, root, "nextToken", "nextToken", &out->next_token);
    }

    cJSON_Delete(root);
    if (st != APPMESH_OK) {
        appmesh_virtual_service_list_cleanup(out);
    }
    return st;
}

static void wipe_strings(cJSON *node)
{
    for (; node != NULL; node = node->next) {
        if (node->valuestring != NULL) {
            am_zeroize(node->valuestring, strlen(node->valuestring));
        }
        wipe_strings(node->child);
    }
}

void am_json_delete_wiped(cJSON *root)
{
    wipe_strings(root);
    cJSON_Delete(root);
}
