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
    if (!lua_checkstack(L, 10)) {
        return am_fail(err, APPMESH_ERR_NOMEM, "out of memory (Lua stack)");
    }
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

static void set_string(lua_State *L, const char *key, const char *value)
{
    if (value != NULL) {
        lua_pushstring(L, value);
        lua_setfield(L, -2, key);
    }
}

static void push_spec(lua_State *L, const struct appmesh_virtual_service_spec *spec)
{
    const struct appmesh_virtual_service_provider *p = &spec->provider;

    lua_createtable(L, 0, 1); /* spec */
    if (p->kind == APPMESH_PROVIDER_VIRTUAL_NODE) {
        lua_createtable(L, 0, 1); /* spec, provider */
        lua_createtable(L, 0, 1); /* spec, provider, node */
        set_string(L, "virtualNodeName", p->u.virtual_node.virtual_node_name);
        lua_setfield(L, -2, "virtualNode"); /* spec, provider */
        lua_setfield(L, -2, "provider");    /* spec */
    } else if (p->kind == APPMESH_PROVIDER_VIRTUAL_ROUTER) {
        lua_createtable(L, 0, 1); /* spec, provider */
        lua_createtable(L, 0, 1); /* spec, provider, router */
        set_string(L, "virtualRouterName", p->u.virtual_router.virtual_router_name);
        lua_setfield(L, -2, "virtualRouter"); /* spec, provider */
        lua_setfield(L, -2, "provider");      /* spec */
    }
}

static void push_metadata(lua_State *L, const struct appmesh_resource_metadata *m)
{
    lua_createtable(L, 0, 7); /* metadata */
    set_string(L, "arn", m->arn);
    if (m->has_created_at) {
        lua_pushnumber(L, (lua_Number)m->created_at);
        lua_setfield(L, -2, "createdAt");
    }
    if (m->has_last_updated_at) {
        lua_pushnumber(L, (lua_Number)m->last_updated_at);
        lua_setfield(L, -2, "lastUpdatedAt");
    }
    set_string(L, "meshOwner", m->mesh_owner);
    set_string(L, "resourceOwner", m->resource_owner);
    set_string(L, "uid", m->uid);
    if (m->has_version) {
        lua_pushinteger(L, (lua_Integer)m->version);
        lua_setfield(L, -2, "version");
    }
}

void am_lua_push_virtual_service(lua_State *L, const struct appmesh_virtual_service_data *vs)
{
    const struct appmesh_resource_metadata *m = &vs->metadata;
    const char *status = NULL;

    lua_createtable(L, 0, 5); /* vs */
    set_string(L, "meshName", vs->mesh_name);
    set_string(L, "virtualServiceName", vs->virtual_service_name);
    if (vs->has_spec) {
        push_spec(L, &vs->spec); /* vs, spec */
        lua_setfield(L, -2, "spec");
    }
    status = vs->status.raw != NULL ? vs->status.raw : appmesh_status_code_name(vs->status.code);
    if (status != NULL) {
        lua_createtable(L, 0, 1); /* vs, status */
        set_string(L, "status", status);
        lua_setfield(L, -2, "status");
    }
    if (m->arn != NULL || m->mesh_owner != NULL || m->resource_owner != NULL || m->uid != NULL ||
        m->has_created_at || m->has_last_updated_at || m->has_version) {
        push_metadata(L, m); /* vs, metadata */
        lua_setfield(L, -2, "metadata");
    }
}

/* ---- DescribeVirtualService and ListVirtualServices ---- */

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
    if (!lua_checkstack(L, 6)) {
        return am_fail(err, APPMESH_ERR_NOMEM, "out of memory (Lua stack)");
    }
    *proxied = false;
    if (proxied_table(L, t, proxied)) {
        return APPMESH_OK;
    }
    st = check_keys(L, t, "", describe_keys, err);
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
    if (!lua_checkstack(L, 6)) {
        return am_fail(err, APPMESH_ERR_NOMEM, "out of memory (Lua stack)");
    }
    *proxied = false;
    if (proxied_table(L, t, proxied)) {
        return APPMESH_OK;
    }
    st = check_keys(L, t, "", list_keys, err);
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

void am_lua_push_virtual_service_ref(lua_State *L, const struct appmesh_virtual_service_ref *ref)
{
    lua_createtable(L, 0, 8); /* ref */
    set_string(L, "arn", ref->arn);
    set_string(L, "meshName", ref->mesh_name);
    set_string(L, "meshOwner", ref->mesh_owner);
    set_string(L, "resourceOwner", ref->resource_owner);
    set_string(L, "virtualServiceName", ref->virtual_service_name);
    if (ref->has_created_at) {
        lua_pushnumber(L, (lua_Number)ref->created_at);
        lua_setfield(L, -2, "createdAt");
    }
    if (ref->has_last_updated_at) {
        lua_pushnumber(L, (lua_Number)ref->last_updated_at);
        lua_setfield(L, -2, "lastUpdatedAt");
    }
    if (ref->has_version) {
        lua_pushinteger(L, (lua_Integer)ref->version);
        lua_setfield(L, -2, "version");
    }
}

void am_lua_push_virtual_service_list(lua_State *L, const struct appmesh_virtual_service_list *list)
{
    size_t i = 0;

    lua_createtable(L, 0, 2);                                            /* page */
    lua_createtable(L, list->count < INT_MAX ? (int)list->count : 0, 0); /* page, refs */
    for (i = 0; i < list->count; i++) {
        am_lua_push_virtual_service_ref(L, &list->items[i]); /* page, refs, ref */
        lua_rawseti(L, -2, (lua_Integer)(i + 1));            /* page, refs */
    }
    lua_setfield(L, -2, "virtualServices"); /* page */
    set_string(L, "nextToken", list->next_token);
}
