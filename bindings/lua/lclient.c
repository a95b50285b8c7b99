/* SPDX-License-Identifier: MIT */
/* appmesh.Client: the userdata around struct appmesh_client, its options, methods and fields. */
#include <limits.h>
#include <math.h>
#include <string.h>

#include "appmesh_lua_internal.h"
#include "internal.h"

/* ---- C results kept in a userdata while they are pushed, so a raise cannot leak them ---- */

enum box_kind {
    BOX_EMPTY = 0,
    BOX_DATA,
    BOX_PREVIEW,
};

struct box {
    enum box_kind kind;
    union {
        struct appmesh_virtual_service_data data;
        struct appmesh_request_preview preview;
    } u;
};

static void box_release(struct box *b)
{
    if (b->kind == BOX_DATA) {
        appmesh_virtual_service_data_cleanup(&b->u.data);
    } else if (b->kind == BOX_PREVIEW) {
        appmesh_request_preview_cleanup(&b->u.preview);
    }
    b->kind = BOX_EMPTY;
}

static int box_gc(lua_State *L)
{
    box_release(luaL_checkudata(L, 1, AM_LUA_BOX_MT));
    return 0;
}

static struct box *push_box(lua_State *L, enum box_kind kind)
{
    struct box *b = lua_newuserdatauv(L, sizeof(*b), 0);
    memset(b, 0, sizeof(*b));
    luaL_setmetatable(L, AM_LUA_BOX_MT);
    b->kind = kind;
    return b;
}

/* ---- the client userdata ---- */

static struct appmesh_client **to_client(lua_State *L, int idx)
{
    return luaL_checkudata(L, idx, AM_LUA_CLIENT_MT);
}

static struct appmesh_client *check_open_client(lua_State *L, int idx)
{
    struct appmesh_client **p = to_client(L, idx);
    if (*p == NULL) {
        luaL_error(L, "attempt to use a closed client");
    }
    return *p;
}

static int client_close(lua_State *L)
{
    struct appmesh_client **p = to_client(L, 1);
    if (*p != NULL) {
        appmesh_client_destroy(*p);
        *p = NULL;
    }
    return 0;
}

static int client_tostring(lua_State *L)
{
    struct appmesh_client **p = to_client(L, 1);
    const char *region = NULL;
    const char *endpoint = NULL;

    if (*p == NULL) {
        lua_pushliteral(L, "appmesh.Client (closed)");
        return 1;
    }
    region = appmesh_client_region(*p);
    endpoint = appmesh_client_endpoint(*p);
    lua_pushfstring(L, "appmesh.Client (%s, %s)",
                    region != NULL && region[0] != '\0' ? region : "no region",
                    endpoint != NULL && endpoint[0] != '\0' ? endpoint : "no endpoint");
    return 1;
}

/* client.region, client.endpoint, client.credentials_source, then the methods. */
static int client_index(lua_State *L)
{
    const char *key = NULL;
    const char *value = NULL;
    struct appmesh_client *c = NULL;

    to_client(L, 1);
    lua_pushvalue(L, 2);
    if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL) { /* methods[key] */
        return 1;
    }
    if (lua_type(L, 2) != LUA_TSTRING) {
        return 1;
    }
    key = lua_tostring(L, 2);
    if (strcmp(key, "region") == 0) {
        c = check_open_client(L, 1);
        value = appmesh_client_region(c);
        if (value != NULL && value[0] == '\0') {
            value = NULL;
        }
    } else if (strcmp(key, "endpoint") == 0) {
        c = check_open_client(L, 1);
        value = appmesh_client_endpoint(c);
        if (value != NULL && value[0] == '\0') {
            value = NULL;
        }
    } else if (strcmp(key, "credentials_source") == 0) {
        c = check_open_client(L, 1);
        value = appmesh_client_credentials_source(c);
    } else {
        return 1; /* nil */
    }
    if (value == NULL) {
        lua_pushnil(L);
    } else {
        lua_pushstring(L, value);
    }
    return 1;
}

/* ---- options ---- */

/* Raise for a wrong option type (a caller bug), naming the option. */
static int option_type_error(lua_State *L, int arg, const char *name, const char *want, int t)
{
    return luaL_argerror(
        L, arg,
        lua_pushfstring(L, "option '%s' must be %s, got %s", name, want, luaL_typename(L, t)));
}

/* A string option (type checked: raises); NUL bytes are a bad value. */
static enum appmesh_status opt_string(
    lua_State *L, int arg, int v, const char *name, const char **out, struct appmesh_error *err)
{
    size_t len = 0;
    const char *s = NULL;

    if (lua_type(L, v) != LUA_TSTRING) {
        option_type_error(L, arg, name, "a string", v);
    }
    s = lua_tolstring(L, v, &len);
    if (memchr(s, '\0', len) != NULL) {
        return am_fail_field(err, name, "%s must not contain a NUL byte", name);
    }
    *out = s; /* borrowed from the options table, which stays on the stack */
    return APPMESH_OK;
}

/* A positive, finite number of seconds. */
static enum appmesh_status
opt_seconds(lua_State *L, int arg, int v, const char *name, double *out, struct appmesh_error *err)
{
    double d = 0;

    if (lua_type(L, v) != LUA_TNUMBER) {
        option_type_error(L, arg, name, "a number", v);
    }
    d = (double)lua_tonumber(L, v);
    if (!(d > 0) || !isfinite(d) || d > 1e6) {
        return am_fail_field(err, name, "%s must be a positive number of seconds, got %g", name, d);
    }
    *out = d;
    return APPMESH_OK;
}

static enum appmesh_status opt_credentials(
    lua_State *L, int arg, int v, struct appmesh_credentials *creds, struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_OK;
    int top = lua_gettop(L);

    if (lua_type(L, v) != LUA_TTABLE) {
        option_type_error(L, arg, "credentials", "a table", v);
    }
    lua_pushnil(L);
    while (lua_next(L, v) != 0) { /* key, value */
        const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "";
        const char **slot = NULL;
        const char *name = NULL;
        if (strcmp(key, "accessKeyId") == 0) {
            slot = &creds->access_key_id;
            name = "credentials.accessKeyId";
        } else if (strcmp(key, "secretAccessKey") == 0) {
            slot = &creds->secret_access_key;
            name = "credentials.secretAccessKey";
        } else if (strcmp(key, "sessionToken") == 0) {
            slot = &creds->session_token;
            name = "credentials.sessionToken";
        } else if (lua_type(L, -2) == LUA_TSTRING) {
            luaL_argerror(L, arg, lua_pushfstring(L, "unknown option 'credentials.%s'", key));
        } else {
            luaL_argerror(L, arg, "credentials keys must be strings");
        }
        st = opt_string(L, arg, lua_gettop(L), name, slot, err);
        lua_pop(L, 1); /* key */
        if (st != APPMESH_OK) {
            break;
        }
    }
    lua_settop(L, top);
    if (st == APPMESH_OK && (creds->access_key_id == NULL || creds->secret_access_key == NULL)) {
        st = am_fail_field(err,
                           creds->access_key_id == NULL ? "credentials.accessKeyId"
                                                        : "credentials.secretAccessKey",
                           "credentials need both accessKeyId and secretAccessKey");
    }
    return st;
}

/*
 * Read the options table at arg into *o (raises on an unknown name or a wrong type; a bad value
 * is a validation error). Strings are borrowed from the table.
 */
static enum appmesh_status check_options(lua_State *L,
                                         int arg,
                                         struct appmesh_client_options *o,
                                         struct appmesh_credentials *creds,
                                         struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_OK;
    int top = lua_gettop(L);

    lua_pushnil(L);
    while (st == APPMESH_OK && lua_next(L, arg) != 0) { /* key, value */
        int v = lua_gettop(L);
        const char *key = NULL;
        if (lua_type(L, -2) != LUA_TSTRING) {
            luaL_argerror(
                L, arg,
                lua_pushfstring(L, "option names must be strings, got %s", luaL_typename(L, -2)));
        }
        key = lua_tostring(L, -2);
        if (strcmp(key, "region") == 0) {
            st = opt_string(L, arg, v, key, &o->region, err);
        } else if (strcmp(key, "endpoint") == 0) {
            st = opt_string(L, arg, v, key, &o->endpoint, err);
        } else if (strcmp(key, "profile") == 0) {
            st = opt_string(L, arg, v, key, &o->profile, err);
        } else if (strcmp(key, "retry_mode") == 0) {
            st = opt_string(L, arg, v, key, &o->retry_mode, err);
        } else if (strcmp(key, "ca_bundle") == 0) {
            st = opt_string(L, arg, v, key, &o->ca_bundle, err);
        } else if (strcmp(key, "credentials") == 0) {
            st = opt_credentials(L, arg, v, creds, err);
            o->credentials = creds;
        } else if (strcmp(key, "max_attempts") == 0) {
            lua_Integer n = 0;
            int isint = 0;
            if (lua_type(L, v) != LUA_TNUMBER) {
                option_type_error(L, arg, key, "a number", v);
            }
            n = lua_tointegerx(L, v, &isint);
            if (!isint || n < 1 || n > INT_MAX) {
                st = am_fail_field(err, key, "max_attempts must be a positive integer");
            } else {
                o->max_attempts = (int)n;
            }
        } else if (strcmp(key, "retry_base_delay") == 0) {
            st = opt_seconds(L, arg, v, key, &o->retry_base_delay, err);
        } else if (strcmp(key, "connect_timeout") == 0) {
            st = opt_seconds(L, arg, v, key, &o->connect_timeout, err);
        } else if (strcmp(key, "timeout") == 0) {
            st = opt_seconds(L, arg, v, key, &o->timeout, err);
        } else if (strcmp(key, "verify_tls") == 0) {
            if (lua_type(L, v) != LUA_TBOOLEAN) {
                option_type_error(L, arg, key, "a boolean", v);
            }
            o->no_verify_tls = !lua_toboolean(L, v);
        } else {
            luaL_argerror(L, arg, lua_pushfstring(L, "unknown option '%s'", key));
        }
        lua_pop(L, 1); /* key */
    }
    lua_settop(L, top);
    return st;
}

/* Push a new client built from the options table at arg (0 = none), or nil, err. */
static int new_client(lua_State *L, int arg)
{
    struct am_lua_state *S = am_lua_state(L);
    struct appmesh_client_options o;
    struct appmesh_credentials creds = {0};
    struct appmesh_error err = {0};
    struct appmesh_client **p = NULL;

    memset(&o, 0, sizeof(o));
    if (arg != 0 && check_options(L, arg, &o, &creds, &err) != APPMESH_OK) {
        return am_lua_push_error(L, &err);
    }
    o.interrupt = am_lua_interrupted;
    o.interrupt_ud = S;
    /* The userdata and its metatable exist before the C client, so the GC frees it. */
    p = lua_newuserdatauv(L, sizeof(*p), 0);
    *p = NULL;
    luaL_setmetatable(L, AM_LUA_CLIENT_MT);
    if (appmesh_client_new(&S->alloc, &o, p, &err) != APPMESH_OK) {
        *p = NULL;
        return am_lua_push_error(L, &err);
    }
    return 1;
}

int am_lua_client_new(lua_State *L)
{
    if (lua_isnoneornil(L, 1)) {
        return new_client(L, 0);
    }
    luaL_checktype(L, 1, LUA_TTABLE);
    return new_client(L, 1);
}

/* ---- calls ---- */

/* The per-call options table at arg ({dry_run = true}); returns dry_run. */
static bool check_call_options(lua_State *L, int arg)
{
    bool dry_run = false;

    if (lua_isnoneornil(L, arg)) {
        return false;
    }
    luaL_checktype(L, arg, LUA_TTABLE);
    lua_pushnil(L);
    while (lua_next(L, arg) != 0) { /* key, value */
        if (lua_type(L, -2) == LUA_TSTRING && strcmp(lua_tostring(L, -2), "dry_run") == 0) {
            if (lua_type(L, -1) != LUA_TBOOLEAN) {
                option_type_error(L, arg, "dry_run", "a boolean", lua_gettop(L));
            }
            dry_run = lua_toboolean(L, -1);
        } else if (lua_type(L, -2) == LUA_TSTRING) {
            luaL_argerror(L, arg, lua_pushfstring(L, "unknown option '%s'", lua_tostring(L, -2)));
        } else {
            luaL_argerror(L, arg, "option names must be strings");
        }
        lua_pop(L, 1);
    }
    return dry_run;
}

static void push_info(lua_State *L, const struct appmesh_call_info *info)
{
    lua_createtable(L, 0, 4);
    if (info->request_id[0] != '\0') {
        lua_pushstring(L, info->request_id);
        lua_setfield(L, -2, "requestId");
    }
    lua_pushinteger(L, info->http_status);
    lua_setfield(L, -2, "httpStatus");
    lua_pushinteger(L, info->attempts);
    lua_setfield(L, -2, "attempts");
    if (info->client_token[0] != '\0') {
        lua_pushstring(L, info->client_token);
        lua_setfield(L, -2, "clientToken");
    }
}

/* {method, url, headers = {Name = value}, body} from a preview's "Name: value\n" lines. */
static void push_preview(lua_State *L, const struct appmesh_request_preview *pv)
{
    const char *h = am_buf_cstr(&pv->headers);
    const char *end = h + pv->headers.len;

    lua_createtable(L, 0, 4); /* req */
    lua_pushstring(L, pv->method);
    lua_setfield(L, -2, "method");
    lua_pushlstring(L, am_buf_cstr(&pv->url), pv->url.len);
    lua_setfield(L, -2, "url");
    lua_newtable(L); /* req, headers */
    while (h < end) {
        const char *eol = memchr(h, '\n', (size_t)(end - h));
        const char *colon = NULL;
        const char *v = NULL;
        const char *ve = NULL;
        if (eol == NULL) {
            eol = end;
        }
        colon = memchr(h, ':', (size_t)(eol - h));
        if (colon != NULL) {
            v = colon + 1;
            ve = eol;
            while (v < ve && (*v == ' ' || *v == '\t')) {
                v++;
            }
            while (ve > v && (ve[-1] == ' ' || ve[-1] == '\r')) {
                ve--;
            }
            lua_pushlstring(L, h, (size_t)(colon - h)); /* req, headers, name */
            lua_pushlstring(L, v, (size_t)(ve - v));    /* req, headers, name, value */
            lua_rawset(L, -3);                          /* req, headers */
        }
        h = eol + 1;
    }
    lua_setfield(L, -2, "headers"); /* req */
    lua_pushlstring(L, am_buf_cstr(&pv->body), pv->body.len);
    lua_setfield(L, -2, "body");
}

/* The call itself: params at pidx, call options at oidx, on an open client. */
static int update_virtual_service(lua_State *L, struct appmesh_client *c, int pidx, int oidx)
{
    struct appmesh_update_virtual_service_input in;
    struct appmesh_call_info info;
    struct appmesh_error err = {0};
    struct box *b = NULL;
    bool dry_run = false;

    luaL_checktype(L, pidx, LUA_TTABLE);
    dry_run = check_call_options(L, oidx);
    memset(&info, 0, sizeof(info));
    if (am_lua_check_update_input(L, pidx, &in, &err) != APPMESH_OK ||
        appmesh_update_virtual_service_input_validate(&in, &err) != APPMESH_OK) {
        return am_lua_push_error(L, &err);
    }
    if (dry_run) {
        b = push_box(L, BOX_PREVIEW);
        if (appmesh_client_update_virtual_service_preview(c, &in, &b->u.preview, &err) !=
            APPMESH_OK) {
            box_release(b);
            return am_lua_push_error(L, &err);
        }
        push_preview(L, &b->u.preview);
        box_release(b);
        return 1;
    }
    b = push_box(L, BOX_DATA);
    if (appmesh_client_update_virtual_service(c, &in, &b->u.data, &info, &err) != APPMESH_OK) {
        box_release(b);
        if (err.attempts == 0) {
            err.attempts = info.attempts;
        }
        return am_lua_push_error(L, &err);
    }
    am_lua_push_virtual_service(L, &b->u.data);
    push_info(L, &info);
    box_release(b);
    return 2;
}

static int client_update_virtual_service(lua_State *L)
{
    struct appmesh_client *c = check_open_client(L, 1);
    return update_virtual_service(L, c, 2, 3);
}

/* ---- the per-state default client ---- */

/* Push the default client, building it from the environment when there is none (or it was
 * closed); on failure push nil, err and return 2. */
static int push_default_client(lua_State *L)
{
    if (lua_getfield(L, LUA_REGISTRYINDEX, AM_LUA_DEFAULT_KEY) == LUA_TUSERDATA &&
        *to_client(L, -1) != NULL) {
        return 1;
    }
    lua_pop(L, 1);
    if (new_client(L, 0) == 2) {
        return 2;
    }
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, AM_LUA_DEFAULT_KEY);
    return 1;
}

int am_lua_default_client(lua_State *L)
{
    return push_default_client(L);
}

int am_lua_default_update_virtual_service(lua_State *L)
{
    int base = 0;

    luaL_checktype(L, 1, LUA_TTABLE);
    if (!lua_isnoneornil(L, 2)) {
        luaL_checktype(L, 2, LUA_TTABLE);
    }
    lua_settop(L, 2);
    base = lua_gettop(L);
    if (push_default_client(L) == 2) {
        return 2;
    }
    return update_virtual_service(L, *to_client(L, base + 1), 1, 2);
}

void am_lua_client_open(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"update_virtual_service", client_update_virtual_service},
        {"close", client_close},
        {NULL, NULL},
    };
    static const luaL_Reg meta[] = {
        {"__gc", client_close},
        {"__close", client_close},
        {"__tostring", client_tostring},
        {NULL, NULL},
    };

    if (luaL_newmetatable(L, AM_LUA_CLIENT_MT)) { /* mt */
        luaL_setfuncs(L, meta, 0);                /* mt */
        luaL_newlib(L, methods);                  /* mt, methods */
        lua_pushcclosure(L, client_index, 1);     /* mt, __index */
        lua_setfield(L, -2, "__index");           /* mt */
    }
    lua_pop(L, 1);                             /* -- */
    if (luaL_newmetatable(L, AM_LUA_BOX_MT)) { /* mt */
        lua_pushcfunction(L, box_gc);          /* mt, f */
        lua_setfield(L, -2, "__gc");           /* mt */
    }
    lua_pop(L, 1); /* -- */
}
