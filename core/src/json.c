/* SPDX-License-Identifier: MIT */
/* The virtual-service model to and from JSON with cJSON: the update body and VirtualServiceData. */
#include <cjson/cJSON.h>
#include <limits.h>
#include <math.h>
#include <string.h>

#include "internal.h"

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
 * A scanner over already-validated JSON text, used only to find the text of
 * metadata.version: cJSON keeps numbers as doubles, which cannot hold every 64-bit integer.
 * It finds the first member with a key, as cJSON_GetObjectItemCaseSensitive does.
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

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* Whether the raw key text [p, end) decodes to want (ASCII), up to a decoded NUL as cJSON. */
static bool key_equals(const char *p, const char *end, const char *want)
{
    size_t i = 0;

    while (p < end) {
        unsigned long cp = (unsigned char)*p++;
        if (cp == '\\') {
            if (p >= end) {
                return false;
            }
            switch (*p++) {
                case 'b':
                    cp = '\b';
                    break;
                case 'f':
                    cp = '\f';
                    break;
                case 'n':
                    cp = '\n';
                    break;
                case 'r':
                    cp = '\r';
                    break;
                case 't':
                    cp = '\t';
                    break;
                case 'u': {
                    int k = 0;
                    cp = 0;
                    for (k = 0; k < 4; k++) {
                        int h = p < end ? hex_digit(*p++) : -1;
                        if (h < 0) {
                            return false;
                        }
                        cp = (cp << 4) | (unsigned long)h;
                    }
                    break;
                }
                default: /* '"', '\\', '/' stand for themselves */
                    cp = (unsigned char)p[-1];
                    break;
            }
        }
        if (cp == 0) {
            break;
        }
        if (want[i] == '\0' || cp != (unsigned char)want[i]) {
            return false;
        }
        i++;
    }
    return want[i] == '\0';
}

/* p at '{': the start of the value of the first member named key, or NULL. */
static const char *find_member(const char *p, const char *end, const char *key)
{
    if (p >= end || *p != '{') {
        return NULL;
    }
    p++;
    for (;;) {
        const char *ks = NULL;
        const char *ke = NULL;
        p = skip_ws(p, end);
        if (p >= end || *p != '"') {
            return NULL;
        }
        ks = p + 1;
        p = skip_string(p, end);
        ke = p - 1;
        p = skip_ws(p, end);
        if (p >= end || *p != ':') {
            return NULL;
        }
        p = skip_ws(p + 1, end);
        if (key_equals(ks, ke, key)) {
            return p;
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

struct reader {
    const char *body;
    size_t len;
    const struct appmesh_allocator *alloc;
    struct appmesh_error *err;
};

static enum appmesh_status bad_field(struct reader *r, const char *path, const char *what)
{
    return am_fail(r->err, APPMESH_ERR_RESPONSE, "response field %s %s", path, what);
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
        return am_fail(r->err, APPMESH_ERR_NOMEM, "out of memory reading response field %s", path);
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

/* metadata.version from its own text, so every 64-bit value survives. */
static enum appmesh_status
read_version(struct reader *r, const cJSON *meta, struct appmesh_resource_metadata *md)
{
    const cJSON *item = member(meta, "version");
    const char *end = r->body + r->len;
    const char *p = r->body;
    enum int_parse res = INT_NOT_INTEGER;
    double d = 0;

    if (item == NULL) {
        return APPMESH_OK;
    }
    if (!cJSON_IsNumber(item)) {
        return bad_field(r, "metadata.version", "is not an integer");
    }
    /*
     * Below 2^53 the double is exact for any integer text (and rounding cannot bring a larger
     * integer under 2^53), so only larger magnitudes need the text: the common case skips it.
     */
    d = item->valuedouble;
    if (isfinite(d) && d == trunc(d) && fabs(d) < TWO_POW_53) {
        md->version = (int64_t)d;
        md->has_version = true;
        return APPMESH_OK;
    }
    if (r->len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
        p += 3; /* cJSON skips a UTF-8 byte order mark too */
    }
    p = find_member(skip_ws(p, end), end, "metadata");
    p = p == NULL ? NULL : find_member(p, end, "version");
    if (p != NULL) {
        res = parse_int64_text(p, end, &md->version);
    }
    if (res == INT_RANGE) {
        return bad_field(r, "metadata.version", "is out of the 64-bit integer range");
    }
    if (res != INT_OK) {
        return bad_field(r, "metadata.version", "is not an integer");
    }
    md->has_version = true;
    return APPMESH_OK;
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
    st = read_string(r, meta, "arn", "metadata.arn", &md->arn);
    if (st == APPMESH_OK) {
        st = read_timestamp(r, meta, "createdAt", "metadata.createdAt", &md->has_created_at,
                            &md->created_at);
    }
    if (st == APPMESH_OK) {
        st = read_timestamp(r, meta, "lastUpdatedAt", "metadata.lastUpdatedAt",
                            &md->has_last_updated_at, &md->last_updated_at);
    }
    if (st == APPMESH_OK) {
        st = read_string(r, meta, "meshOwner", "metadata.meshOwner", &md->mesh_owner);
    }
    if (st == APPMESH_OK) {
        st = read_string(r, meta, "resourceOwner", "metadata.resourceOwner", &md->resource_owner);
    }
    if (st == APPMESH_OK) {
        st = read_string(r, meta, "uid", "metadata.uid", &md->uid);
    }
    if (st == APPMESH_OK) {
        st = read_version(r, meta, md);
    }
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

enum appmesh_status am_json_read_virtual_service_data(const char *body,
                                                      size_t len,
                                                      const struct appmesh_allocator *a,
                                                      struct appmesh_virtual_service_data *out,
                                                      struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_ERR_INTERNAL;
    struct reader r = {body, len, a, err};
    cJSON *root = NULL;
    const cJSON *spec = NULL;
    const char *parse_end = NULL;
    const char *end = body != NULL ? body + len : NULL;

    memset(out, 0, sizeof(*out));
    out->alloc = a;
    if (body == NULL || skip_ws(body, end) == end) {
        st = am_fail(err, APPMESH_ERR_RESPONSE, "response body is empty (%zu bytes)",
                     body != NULL ? len : (size_t)0);
        goto cleanup;
    }
    root = cJSON_ParseWithLengthOpts(body, len, &parse_end, 0);
    if (root == NULL) {
        st =
            am_fail(err, APPMESH_ERR_RESPONSE,
                    "response body is not valid JSON (malformed or truncated near byte %zu of %zu)",
                    parse_end != NULL ? (size_t)(parse_end - body) : (size_t)0, len);
        goto cleanup;
    }
    if (parse_end == NULL || skip_ws(parse_end, end) != end) {
        st = am_fail(err, APPMESH_ERR_RESPONSE,
                     "response body has data after the JSON value (at byte %zu of %zu)",
                     parse_end != NULL ? (size_t)(skip_ws(parse_end, end) - body) : (size_t)0, len);
        goto cleanup;
    }
    if (!cJSON_IsObject(root)) {
        st = am_fail(err, APPMESH_ERR_RESPONSE, "response body is %s, not a JSON object",
                     json_type_name(root));
        goto cleanup;
    }
    st = read_string(&r, root, "meshName", "meshName", &out->mesh_name);
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

cleanup:
    cJSON_Delete(root);
    if (st != APPMESH_OK) {
        appmesh_virtual_service_data_cleanup(out);
    }
    return st;
}
