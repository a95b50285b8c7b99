/* SPDX-License-Identifier: MIT */
/* The one converter between Lua tables (App Mesh wire names) and the C virtual-service model. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "appmesh/appmesh.h"
#include "appmesh_lua_internal.h"
#include "internal.h"

/* The keys each table of UpdateVirtualService params may hold. */
static const char *const top_keys[] = {
    "meshName", "virtualServiceName", "meshOwner", "clientToken", "spec", NULL,
};
static const char *const spec_keys[] = {"provider", NULL};
static const char *const provider_keys[] = {"virtualNode", "virtualRouter", NULL};
static const char *const node_keys[] = {"virtualNodeName", NULL};
static const char *const router_keys[] = {"virtualRouterName", NULL};

/*
 * Every key the typed calls read or write, as Lua strings made once per state: results are
 * built with lua_rawset from these (no C string to intern per field), and a params table's
 * keys are matched by address (Lua interns short strings, so a key equal to one of these is
 * that very string): am_lua_push_strings' table, {[K_x + 1] = string}.
 */
enum key {
    K_MESH_NAME,
    K_VIRTUAL_SERVICE_NAME,
    K_MESH_OWNER,
    K_CLIENT_TOKEN,
    K_SPEC,
    K_PROVIDER,
    K_VIRTUAL_NODE,
    K_VIRTUAL_ROUTER,
    K_VIRTUAL_NODE_NAME,
    K_VIRTUAL_ROUTER_NAME,
    K_STATUS,
    K_METADATA,
    K_ARN,
    K_CREATED_AT,
    K_LAST_UPDATED_AT,
    K_RESOURCE_OWNER,
    K_UID,
    K_VERSION,
    K_REQUEST_ID,
    K_HTTP_STATUS,
    K_ATTEMPTS,
    K_VIRTUAL_SERVICES,
    K_NEXT_TOKEN,
    K_COUNT,
};

static const char *const key_names[K_COUNT] = {
    "meshName",
    "virtualServiceName",
    "meshOwner",
    "clientToken",
    "spec",
    "provider",
    "virtualNode",
    "virtualRouter",
    "virtualNodeName",
    "virtualRouterName",
    "status",
    "metadata",
    "arn",
    "createdAt",
    "lastUpdatedAt",
    "resourceOwner",
    "uid",
    "version",
    "requestId",
    "httpStatus",
    "attempts",
    "virtualServices",
    "nextToken",
};

static const char keys_key = 'k';

struct keys {
    const char *const *ptr; /* [K_x]: the strings' addresses */
    int table;              /* stack index of the table of strings */
};

/* Push the keys userdata and its table (2 slots; may raise a memory error) and fill *k. */
static void push_keys(lua_State *L, struct keys *k)
{
    k->ptr = am_lua_push_strings(L, &keys_key, key_names, sizeof(key_names[0]), K_COUNT, &k->table);
}

/* The K_x in [first, last] the string key at idx is (by address), or -1. */
static int key_of(lua_State *L, const struct keys *k, int idx, int first, int last)
{
    const char *s = lua_type(L, idx) == LUA_TSTRING ? lua_tostring(L, idx) : NULL;

    for (int i = first; s != NULL && i <= last; i++) {
        if (k->ptr[i] == s) {
            return i;
        }
    }
    return -1;
}

static bool is_known_key(lua_State *L, int k, const char *const *known)
{
    size_t len = 0;
    const char *s = NULL;
    size_t i = 0;

    if (lua_type(L, k) != LUA_TSTRING) {
        return false;
    }
    s = lua_tolstring(L, k, &len);
    for (i = 0; known[i] != NULL; i++) {
        if (strlen(known[i]) == len && memcmp(known[i], s, len) == 0) {
            return true;
        }
    }
    return false;
}

/*
 * Whether the table at t has a metatable: then it is read as pairs reads it (__pairs, and
 * __index refused) by the generic path, which the call takes instead (*proxied).
 */
static bool proxied_table(lua_State *L, int t, bool *proxied)
{
    if (!lua_getmetatable(L, t)) {
        return false;
    }
    lua_pop(L, 1);
    *proxied = true;
    return true;
}

/* Fail on any key of the table at t that is not in known (raw traversal). */
static enum appmesh_status check_keys(
    lua_State *L, int t, const char *prefix, const char *const *known, struct appmesh_error *err)
{
    int base = lua_gettop(L);
    char path[sizeof(err->field)];

    lua_pushnil(L); /* best */
    lua_pushnil(L); /* best, key */
    while (lua_next(L, t) != 0) {
        lua_pop(L, 1); /* best, key */
        if (!is_known_key(L, -1, known) && am_lua_key_precedes(L, -1, base + 1)) {
            lua_copy(L, -1, base + 1);
        }
    }
    if (lua_isnil(L, base + 1)) {
        lua_settop(L, base);
        return APPMESH_OK;
    }
    am_lua_key_path(L, base + 1, prefix, path, sizeof(path));
    if (lua_type(L, base + 1) == LUA_TSTRING) {
        am_fail_field(err, path, "unknown parameter %s", path);
    } else {
        am_fail_field(err, path, "%s: parameter names must be strings, got %s", path,
                      luaL_typename(L, base + 1));
    }
    lua_settop(L, base);
    return APPMESH_ERR_VALIDATION;
}

/* Push t[key] (raw) and return its type. */
static int raw_field(lua_State *L, int t, const char *key)
{
    lua_pushstring(L, key);
    return lua_rawget(L, t);
}

/* t[key] as a borrowed C string (NULL when absent); leaves the stack as it was. */
static enum appmesh_status get_string(lua_State *L,
                                      int t,
                                      const char *key,
                                      const char *path,
                                      const char **out,
                                      struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_OK;
    int type = raw_field(L, t, key);
    size_t len = 0;
    const char *s = NULL;

    *out = NULL;
    if (type == LUA_TNIL) {
        goto cleanup;
    }
    if (type != LUA_TSTRING) {
        st = am_fail_field(err, path, "%s must be a string, got %s", path, lua_typename(L, type));
        goto cleanup;
    }
    s = lua_tolstring(L, -1, &len);
    if (memchr(s, '\0', len) != NULL) {
        st = am_fail_field(err, path, "%s must not contain a NUL byte", path);
        goto cleanup;
    }
    *out = s; /* still referenced by the table after the pop */
cleanup:
    lua_pop(L, 1);
    return st;
}

/* Push t[key] (raw); absent is fine, anything but a table is a type error. */
static enum appmesh_status get_table(lua_State *L,
                                     int t,
                                     const char *key,
                                     const char *path,
                                     bool *present,
                                     struct appmesh_error *err)
{
    int type = raw_field(L, t, key);

    *present = type == LUA_TTABLE;
    if (type != LUA_TNIL && type != LUA_TTABLE) {
        return am_fail_field(err, path, "%s must be a table, got %s", path, lua_typename(L, type));
    }
    return APPMESH_OK;
}

static enum appmesh_status check_provider(lua_State *L,
                                          int p,
                                          struct appmesh_virtual_service_provider *out,
                                          bool *proxied,
                                          struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_OK;
    bool has_node = false;
    bool has_router = false;
    int node = p + 1;
    int router = p + 2;

    st = check_keys(L, p, "spec.provider", provider_keys, err);
    if (st != APPMESH_OK) {
        return st;
    }
    st = get_table(L, p, "virtualNode", "spec.provider.virtualNode", &has_node, err);
    if (st != APPMESH_OK) {
        return st;
    }
    st = get_table(L, p, "virtualRouter", "spec.provider.virtualRouter", &has_router, err);
    if (st != APPMESH_OK) {
        return st;
    }
    if (has_node && has_router) {
        return am_fail_field(err, "spec.provider",
                             "spec.provider must have exactly one of virtualNode and "
                             "virtualRouter, got both");
    }
    if (!has_node && !has_router) {
        /* an empty union: removing the provider is said by leaving provider out */
        return am_fail_field(err, "spec.provider",
                             "spec.provider must have exactly one of virtualNode and "
                             "virtualRouter, got none (leave provider out to remove it)");
    }
    if (proxied_table(L, has_node ? node : router, proxied)) {
        return APPMESH_OK;
    }
    if (has_node) {
        out->kind = APPMESH_PROVIDER_VIRTUAL_NODE;
        st = check_keys(L, node, "spec.provider.virtualNode", node_keys, err);
        if (st != APPMESH_OK) {
            return st;
        }
        return get_string(L, node, "virtualNodeName", "spec.provider.virtualNode.virtualNodeName",
                          &out->u.virtual_node.virtual_node_name, err);
    }
    out->kind = APPMESH_PROVIDER_VIRTUAL_ROUTER;
    st = check_keys(L, router, "spec.provider.virtualRouter", router_keys, err);
    if (st != APPMESH_OK) {
        return st;
    }
    return get_string(L, router, "virtualRouterName",
                      "spec.provider.virtualRouter.virtualRouterName",
                      &out->u.virtual_router.virtual_router_name, err);
}

/* The string value on top as a borrowed C string: false for any other type, or NUL bytes. */
static bool fast_string(lua_State *L, const char **out)
{
    size_t len = 0;
    const char *s = NULL;

    if (lua_type(L, -1) != LUA_TSTRING) {
        return false;
    }
    s = lua_tolstring(L, -1, &len);
    *out = s; /* still referenced by the table */
    return memchr(s, '\0', len) == NULL;
}

/*
 * The one-element table on top (no metatable) holding only key (a K_x), whose value is a
 * string: that string, borrowed, in *out. Pops the table. False for anything else.
 */
static bool fast_single(lua_State *L, const struct keys *k, int key, const char **out)
{
    int t = lua_gettop(L);
    bool ok = lua_type(L, t) == LUA_TTABLE && !lua_getmetatable(L, t);
    int n = 0;

    lua_pushnil(L);
    while (ok && lua_next(L, t) != 0) { /* t, key, value */
        ok = ++n == 1 && key_of(L, k, -2, key, key) == key && fast_string(L, out);
        lua_pop(L, 1);
    }
    lua_settop(L, t - 1);
    return ok;
}

/*
 * The usual params in one pass: plain tables, known keys, right types. False (and *in
 * incomplete) for anything else: the careful reading below then finds what to report, in its
 * deterministic order, or the proxy to hand on.
 */
static bool fast_update_input(lua_State *L, int t, struct appmesh_update_virtual_service_input *in)
{
    struct keys k;
    int top = lua_gettop(L);
    bool ok = !lua_getmetatable(L, t);
    bool has_provider = false;

    if (!ok) {
        lua_pop(L, 1);
        return false;
    }
    push_keys(L, &k); /* ud, keys */
    lua_pushnil(L);
    while (ok && lua_next(L, t) != 0) { /* ud, keys, key, value */
        switch (key_of(L, &k, -2, K_MESH_NAME, K_SPEC)) {
            case K_MESH_NAME:
                ok = fast_string(L, &in->mesh_name);
                break;
            case K_VIRTUAL_SERVICE_NAME:
                ok = fast_string(L, &in->virtual_service_name);
                break;
            case K_MESH_OWNER:
                ok = fast_string(L, &in->mesh_owner);
                break;
            case K_CLIENT_TOKEN:
                ok = fast_string(L, &in->client_token);
                break;
            case K_SPEC: {
                int spec = lua_gettop(L);
                in->has_spec = true;
                ok = lua_type(L, spec) == LUA_TTABLE && !lua_getmetatable(L, spec);
                lua_pushnil(L);
                while (ok && lua_next(L, spec) != 0) { /* ..., spec, key, provider */
                    int p = lua_gettop(L);
                    ok = !has_provider && key_of(L, &k, -2, K_PROVIDER, K_PROVIDER) == K_PROVIDER &&
                         lua_type(L, p) == LUA_TTABLE && !lua_getmetatable(L, p);
                    has_provider = true;
                    if (ok) {
                        struct appmesh_virtual_service_provider *pr = &in->spec.provider;
                        int n = 0;
                        lua_pushnil(L);
                        while (ok && lua_next(L, p) != 0) { /* ..., provider, key, target */
                            int which = key_of(L, &k, -2, K_VIRTUAL_NODE, K_VIRTUAL_ROUTER);
                            ok = ++n == 1 && which >= 0;
                            if (ok && which == K_VIRTUAL_NODE) { /* pops the target */
                                pr->kind = APPMESH_PROVIDER_VIRTUAL_NODE;
                                ok = fast_single(L, &k, K_VIRTUAL_NODE_NAME,
                                                 &pr->u.virtual_node.virtual_node_name);
                            } else if (ok) {
                                pr->kind = APPMESH_PROVIDER_VIRTUAL_ROUTER;
                                ok = fast_single(L, &k, K_VIRTUAL_ROUTER_NAME,
                                                 &pr->u.virtual_router.virtual_router_name);
                            } else {
                                lua_pop(L, 1);
                            }
                        }
                        ok = ok && n == 1;
                    }
                    lua_settop(L, p);
                    lua_pop(L, 1); /* ..., spec, key */
                }
                lua_settop(L, spec);
                ok = ok && has_provider;
                break;
            }
            default:
                ok = false;
                break;
        }
        lua_pop(L, 1); /* ud, keys, key */
    }
    lua_settop(L, top);
    return ok;
}

enum appmesh_status am_lua_check_update_input(lua_State *L,
                                              int idx,
                                              struct appmesh_update_virtual_service_input *in,
                                              bool *proxied,
                                              struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_ERR_INTERNAL;
    int t = lua_absindex(L, idx);
    int top = lua_gettop(L);
    bool present = false;

    memset(in, 0, sizeof(*in));
    *proxied = false;
    if (!lua_checkstack(L, 16)) {
        return am_fail(err, APPMESH_ERR_NOMEM, "out of memory (Lua stack)");
    }
    if (fast_update_input(L, t, in)) {
        return APPMESH_OK;
    }
    memset(in, 0, sizeof(*in));
    if (proxied_table(L, t, proxied)) {
        return APPMESH_OK;
    }
    st = check_keys(L, t, "", top_keys, err);
    if (st != APPMESH_OK) {
        goto cleanup;
    }
    st = get_string(L, t, "meshName", "meshName", &in->mesh_name, err);
    if (st != APPMESH_OK) {
        goto cleanup;
    }
    st = get_string(L, t, "virtualServiceName", "virtualServiceName", &in->virtual_service_name,
                    err);
    if (st != APPMESH_OK) {
        goto cleanup;
    }
    st = get_string(L, t, "meshOwner", "meshOwner", &in->mesh_owner, err);
    if (st != APPMESH_OK) {
        goto cleanup;
    }
    st = get_string(L, t, "clientToken", "clientToken", &in->client_token, err);
    if (st != APPMESH_OK) {
        goto cleanup;
    }
    st = get_table(L, t, "spec", "spec", &present, err); /* spec at top + 1 */
    if (st != APPMESH_OK || !present) {
        goto cleanup;
    }
    in->has_spec = true;
    if (proxied_table(L, top + 1, proxied)) {
        goto cleanup;
    }
    st = check_keys(L, top + 1, "spec", spec_keys, err);
    if (st != APPMESH_OK) {
        goto cleanup;
    }
    st = get_table(L, top + 1, "provider", "spec.provider", &present, err); /* at top + 2 */
    if (st != APPMESH_OK || !present) {
        goto cleanup;
    }
    if (proxied_table(L, top + 2, proxied)) {
        goto cleanup;
    }
    st = check_provider(L, top + 2, &in->spec.provider, proxied, err);
cleanup:
    lua_settop(L, top);
    return st;
}

/* t[K_x] = value (raw) in the table on top; keys: the stack index of the key strings. */
static void set_string(lua_State *L, int keys, int key, const char *value)
{
    if (value != NULL) {
        lua_rawgeti(L, keys, key + 1);
        lua_pushstring(L, value);
        lua_rawset(L, -3);
    }
}

static void set_number(lua_State *L, int keys, int key, lua_Number value)
{
    lua_rawgeti(L, keys, key + 1);
    lua_pushnumber(L, value);
    lua_rawset(L, -3);
}

static void set_integer(lua_State *L, int keys, int key, lua_Integer value)
{
    lua_rawgeti(L, keys, key + 1);
    lua_pushinteger(L, value);
    lua_rawset(L, -3);
}

/* Set t[K_x] = the value on top (popped) in the table below it. */
static void set_top(lua_State *L, int keys, int key)
{
    lua_rawgeti(L, keys, key + 1); /* t, v, key */
    lua_insert(L, -2);             /* t, key, v */
    lua_rawset(L, -3);             /* t */
}

static void push_spec(lua_State *L, int keys, const struct appmesh_virtual_service_spec *spec)
{
    const struct appmesh_virtual_service_provider *p = &spec->provider;

    lua_createtable(L, 0, 1); /* spec */
    if (p->kind == APPMESH_PROVIDER_VIRTUAL_NODE) {
        lua_createtable(L, 0, 1); /* spec, provider */
        lua_createtable(L, 0, 1); /* spec, provider, node */
        set_string(L, keys, K_VIRTUAL_NODE_NAME, p->u.virtual_node.virtual_node_name);
        set_top(L, keys, K_VIRTUAL_NODE); /* spec, provider */
        set_top(L, keys, K_PROVIDER);     /* spec */
    } else if (p->kind == APPMESH_PROVIDER_VIRTUAL_ROUTER) {
        lua_createtable(L, 0, 1); /* spec, provider */
        lua_createtable(L, 0, 1); /* spec, provider, router */
        set_string(L, keys, K_VIRTUAL_ROUTER_NAME, p->u.virtual_router.virtual_router_name);
        set_top(L, keys, K_VIRTUAL_ROUTER); /* spec, provider */
        set_top(L, keys, K_PROVIDER);       /* spec */
    }
}

static void push_metadata(lua_State *L, int keys, const struct appmesh_resource_metadata *m)
{
    lua_createtable(L, 0, 7); /* metadata */
    set_string(L, keys, K_ARN, m->arn);
    if (m->has_created_at) {
        set_number(L, keys, K_CREATED_AT, (lua_Number)m->created_at);
    }
    if (m->has_last_updated_at) {
        set_number(L, keys, K_LAST_UPDATED_AT, (lua_Number)m->last_updated_at);
    }
    set_string(L, keys, K_MESH_OWNER, m->mesh_owner);
    set_string(L, keys, K_RESOURCE_OWNER, m->resource_owner);
    set_string(L, keys, K_UID, m->uid);
    if (m->has_version) {
        set_integer(L, keys, K_VERSION, (lua_Integer)m->version);
    }
}

/* The key strings' table pushed for a push_* below: returns its stack index. */
static int push_key_table(lua_State *L)
{
    struct keys k;

    luaL_checkstack(L, 8, "appmesh: results");
    push_keys(L, &k);   /* ud, keys */
    lua_remove(L, -2);  /* keys */
    return k.table - 1; /* where keys is now */
}

void am_lua_push_virtual_service(lua_State *L, const struct appmesh_virtual_service_data *vs)
{
    const struct appmesh_resource_metadata *m = &vs->metadata;
    const char *status = NULL;
    int keys = push_key_table(L); /* keys */

    lua_createtable(L, 0, 5); /* keys, vs */
    set_string(L, keys, K_MESH_NAME, vs->mesh_name);
    set_string(L, keys, K_VIRTUAL_SERVICE_NAME, vs->virtual_service_name);
    if (vs->has_spec) {
        push_spec(L, keys, &vs->spec); /* keys, vs, spec */
        set_top(L, keys, K_SPEC);
    }
    status = vs->status.raw != NULL ? vs->status.raw : appmesh_status_code_name(vs->status.code);
    if (status != NULL) {
        lua_createtable(L, 0, 1); /* keys, vs, status */
        set_string(L, keys, K_STATUS, status);
        set_top(L, keys, K_STATUS);
    }
    if (m->arn != NULL || m->mesh_owner != NULL || m->resource_owner != NULL || m->uid != NULL ||
        m->has_created_at || m->has_last_updated_at || m->has_version) {
        push_metadata(L, keys, m); /* keys, vs, metadata */
        set_top(L, keys, K_METADATA);
    }
    lua_remove(L, keys); /* vs */
}

void am_lua_push_call_info(lua_State *L, const struct appmesh_call_info *info)
{
    int keys = push_key_table(L); /* keys */

    lua_createtable(L, 0, 4); /* keys, info */
    if (info->request_id[0] != '\0') {
        set_string(L, keys, K_REQUEST_ID, info->request_id);
    }
    set_integer(L, keys, K_HTTP_STATUS, info->http_status);
    set_integer(L, keys, K_ATTEMPTS, info->attempts);
    if (info->client_token[0] != '\0') {
        set_string(L, keys, K_CLIENT_TOKEN, info->client_token);
    }
    lua_remove(L, keys); /* info */
}

/* ---- DescribeVirtualService and ListVirtualServices ---- */

/* What reading a describe or list input starts with: stack room; a proxy table, which the
 * caller hands to the generic reader (*proxied); no unknown keys. False when the caller is done
 * already, with *st its status. */
static bool begin_input(lua_State *L,
                        int t,
                        const char *const *keys,
                        bool *proxied,
                        enum appmesh_status *st,
                        struct appmesh_error *err)
{
    *proxied = false;
    if (!lua_checkstack(L, 6)) {
        *st = am_fail(err, APPMESH_ERR_NOMEM, "out of memory (Lua stack)");
        return false;
    }
    if (proxied_table(L, t, proxied)) {
        *st = APPMESH_OK;
        return false;
    }
    *st = check_keys(L, t, "", keys, err);
    return true;
}

static const char *const describe_keys[] = {"meshName", "virtualServiceName", "meshOwner", NULL};
static const char *const list_keys[] = {"meshName", "meshOwner", "limit", "nextToken", NULL};

/* Largest page ListVirtualServices accepts. */
#define LIST_LIMIT_MAX 100

enum appmesh_status am_lua_check_describe_input(lua_State *L,
                                                int idx,
                                                struct appmesh_describe_virtual_service_input *in,
                                                bool *proxied,
                                                struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_ERR_INTERNAL;
    int t = lua_absindex(L, idx);
    int top = lua_gettop(L);

    memset(in, 0, sizeof(*in));
    if (!begin_input(L, t, describe_keys, proxied, &st, err)) {
        return st;
    }
    if (st == APPMESH_OK) {
        st = get_string(L, t, "meshName", "meshName", &in->mesh_name, err);
    }
    if (st == APPMESH_OK) {
        st = get_string(L, t, "virtualServiceName", "virtualServiceName", &in->virtual_service_name,
                        err);
    }
    if (st == APPMESH_OK) {
        st = get_string(L, t, "meshOwner", "meshOwner", &in->mesh_owner, err);
    }
    lua_settop(L, top);
    return st;
}

/* t.limit: absent, or an integer 1..100 (0 would mean "absent" to the C model). */
static enum appmesh_status get_limit(lua_State *L, int t, int *limit, struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_OK;
    int type = raw_field(L, t, "limit");
    lua_Integer n = 0;
    int isint = 0;

    *limit = 0;
    if (type == LUA_TNIL) {
        goto cleanup;
    }
    if (type != LUA_TNUMBER) {
        st = am_fail_field(err, "limit", "limit must be an integer, got %s", lua_typename(L, type));
        goto cleanup;
    }
    n = lua_tointegerx(L, -1, &isint);
    if (!isint) {
        st = am_fail_field(err, "limit", "limit must be an integer, got %.14g",
                           (double)lua_tonumber(L, -1));
        goto cleanup;
    }
    if (n < 1 || n > LIST_LIMIT_MAX) {
        st = am_fail_field(err, "limit", "limit must be 1 to %d, got %lld", LIST_LIMIT_MAX,
                           (long long)n);
        goto cleanup;
    }
    *limit = (int)n;
cleanup:
    lua_pop(L, 1);
    return st;
}

enum appmesh_status am_lua_check_list_input(lua_State *L,
                                            int idx,
                                            struct appmesh_list_virtual_services_input *in,
                                            bool *proxied,
                                            struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_ERR_INTERNAL;
    int t = lua_absindex(L, idx);
    int top = lua_gettop(L);

    memset(in, 0, sizeof(*in));
    if (!begin_input(L, t, list_keys, proxied, &st, err)) {
        return st;
    }
    if (st == APPMESH_OK) {
        st = get_string(L, t, "meshName", "meshName", &in->mesh_name, err);
    }
    if (st == APPMESH_OK) {
        st = get_string(L, t, "meshOwner", "meshOwner", &in->mesh_owner, err);
    }
    if (st == APPMESH_OK) {
        st = get_limit(L, t, &in->limit, err);
    }
    if (st == APPMESH_OK) {
        st = get_string(L, t, "nextToken", "nextToken", &in->next_token, err);
    }
    lua_settop(L, top);
    return st;
}

static void push_ref(lua_State *L, int keys, const struct appmesh_virtual_service_ref *ref)
{
    lua_createtable(L, 0, 8); /* ref */
    set_string(L, keys, K_ARN, ref->arn);
    set_string(L, keys, K_MESH_NAME, ref->mesh_name);
    set_string(L, keys, K_MESH_OWNER, ref->mesh_owner);
    set_string(L, keys, K_RESOURCE_OWNER, ref->resource_owner);
    set_string(L, keys, K_VIRTUAL_SERVICE_NAME, ref->virtual_service_name);
    if (ref->has_created_at) {
        set_number(L, keys, K_CREATED_AT, (lua_Number)ref->created_at);
    }
    if (ref->has_last_updated_at) {
        set_number(L, keys, K_LAST_UPDATED_AT, (lua_Number)ref->last_updated_at);
    }
    if (ref->has_version) {
        set_integer(L, keys, K_VERSION, (lua_Integer)ref->version);
    }
}

void am_lua_push_virtual_service_ref(lua_State *L, const struct appmesh_virtual_service_ref *ref)
{
    int keys = push_key_table(L); /* keys */

    push_ref(L, keys, ref); /* keys, ref */
    lua_remove(L, keys);    /* ref */
}

void am_lua_push_virtual_service_list(lua_State *L, const struct appmesh_virtual_service_list *list)
{
    int keys = push_key_table(L); /* keys */
    size_t i = 0;

    lua_createtable(L, 0, 2);                                            /* keys, page */
    lua_createtable(L, list->count < INT_MAX ? (int)list->count : 0, 0); /* keys, page, refs */
    for (i = 0; i < list->count; i++) {
        push_ref(L, keys, &list->items[i]);       /* keys, page, refs, ref */
        lua_rawseti(L, -2, (lua_Integer)(i + 1)); /* keys, page, refs */
    }
    set_top(L, keys, K_VIRTUAL_SERVICES); /* keys, page */
    set_string(L, keys, K_NEXT_TOKEN, list->next_token);
    lua_remove(L, keys); /* page */
}
