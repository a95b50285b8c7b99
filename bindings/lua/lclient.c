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
    BOX_RESULT,
    BOX_PREVIEW,
};

struct box {
    enum box_kind kind;
    bool busy; /* the state's result box, between am_lua_push_result_box and _push_result */
    union {
        struct appmesh_batch_result result;
        struct appmesh_request_preview preview;
    } u;
};

static void box_release(struct box *b)
{
    if (b->kind == BOX_RESULT) {
        appmesh_virtual_service_data_cleanup(&b->u.result.data);
        appmesh_virtual_service_list_cleanup(&b->u.result.list);
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
        am_lua_sched_client_closed(L, 1); /* its batches first: they borrow the client */
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
    /* The userdata and its metatable exist before the C client, so the GC frees it. The user
     * value is for the scheduler's batches (see am_lua_client_open). */
    p = lua_newuserdatauv(L, sizeof(*p), 1);
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

/* ---- results ---- */

#define AM_LUA_RESULT_KEY "appmesh.result" /* registry: the state's reusable result box */

struct appmesh_batch_result *am_lua_push_result_box(lua_State *L)
{
    struct box *b = NULL;

    /* One box per state, reused by every call. A busy one is being pushed from by an outer
     * frame (a finalizer that makes a call can run in the middle of that push) or was left by a
     * memory error: it is replaced, and the GC frees it once nothing holds it. */
    if (lua_getfield(L, LUA_REGISTRYINDEX, AM_LUA_RESULT_KEY) == LUA_TUSERDATA &&
        !((struct box *)lua_touserdata(L, -1))->busy) { /* box */
        b = lua_touserdata(L, -1);
        box_release(b);
    } else {
        lua_pop(L, 1);
        b = push_box(L, BOX_RESULT); /* box */
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_REGISTRYINDEX, AM_LUA_RESULT_KEY);
    }
    memset(&b->u.result, 0, sizeof(b->u.result));
    b->kind = BOX_RESULT;
    b->busy = true;
    return &b->u.result;
}

void am_lua_pop_result_box(lua_State *L)
{
    struct box *b = luaL_checkudata(L, -1, AM_LUA_BOX_MT);
    box_release(b);
    b->busy = false;
    lua_pop(L, 1);
}

int am_lua_push_result(lua_State *L, int idx)
{
    struct box *b = luaL_checkudata(L, idx, AM_LUA_BOX_MT);
    struct appmesh_batch_result *r = &b->u.result;
    int n = 2;

    idx = lua_absindex(L, idx);
    if (b->kind != BOX_RESULT) {
        return luaL_error(L, "appmesh: internal error: not a result box");
    }
    if (r->status != APPMESH_OK) {
        struct appmesh_error err = r->err;
        if (err.status == APPMESH_OK) {
            err.status = r->status;
        }
        if (err.attempts == 0) {
            err.attempts = r->info.attempts;
        }
        box_release(b);
        n = am_lua_push_error(L, &err);
    } else {
        if (r->op == APPMESH_BATCH_LIST) {
            am_lua_push_virtual_service_list(L, &r->list);
        } else {
            am_lua_push_virtual_service(L, &r->data);
        }
        push_info(L, &r->info);
        box_release(b);
    }
    b->busy = false;
    lua_remove(L, idx);
    return n;
}

/* ---- the three calls, blocking or (inside a pool task) through the pool's batch ---- */

union call_input {
    struct appmesh_update_virtual_service_input update;
    struct appmesh_describe_virtual_service_input describe;
    struct appmesh_list_virtual_services_input list;
};

/* Read and validate the params table at pidx for op; strings borrowed from it. */
static enum appmesh_status check_input(lua_State *L,
                                       enum appmesh_batch_op op,
                                       int pidx,
                                       union call_input *in,
                                       struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_ERR_INTERNAL;

    switch (op) {
        case APPMESH_BATCH_UPDATE:
            st = am_lua_check_update_input(L, pidx, &in->update, err);
            if (st == APPMESH_OK) {
                st = appmesh_update_virtual_service_input_validate(&in->update, err);
            }
            break;
        case APPMESH_BATCH_DESCRIBE:
            st = am_lua_check_describe_input(L, pidx, &in->describe, err);
            if (st == APPMESH_OK) {
                st = appmesh_describe_virtual_service_input_validate(&in->describe, err);
            }
            break;
        case APPMESH_BATCH_LIST:
            st = am_lua_check_list_input(L, pidx, &in->list, err);
            if (st == APPMESH_OK) {
                st = appmesh_list_virtual_services_input_validate(&in->list, err);
            }
            break;
    }
    return st;
}

/* Run the call to completion on the client's own transport; push its two results. */
static int call_blocking(lua_State *L,
                         struct appmesh_client *c,
                         enum appmesh_batch_op op,
                         const union call_input *in)
{
    struct appmesh_batch_result *r = am_lua_push_result_box(L); /* box */

    r->op = op;
    switch (op) {
        case APPMESH_BATCH_UPDATE:
            r->status =
                appmesh_client_update_virtual_service(c, &in->update, &r->data, &r->info, &r->err);
            break;
        case APPMESH_BATCH_DESCRIBE:
            r->status = appmesh_client_describe_virtual_service(c, &in->describe, &r->data,
                                                                &r->info, &r->err);
            break;
        case APPMESH_BATCH_LIST:
            r->status =
                appmesh_client_list_virtual_services(c, &in->list, &r->list, &r->info, &r->err);
            break;
    }
    return am_lua_push_result(L, -1); /* vs, info | page, info | nil, err */
}

/*
 * The one path of every call: op with the params at pidx on the client at cidx. The two results
 * are pushed on top of the stack as it is now, and k(L, LUA_OK, ctx) gives the function's
 * return; inside a pool task the call yields instead and k runs once the pool resumes the task
 * with the results (so a caller's k sees the same stack either way). ctx must be lua_gettop(L).
 */
static int run_call(
    lua_State *L, int cidx, int pidx, enum appmesh_batch_op op, lua_KContext ctx, lua_KFunction k)
{
    union call_input in;
    struct appmesh_error err = {0};
    struct appmesh_client *c = check_open_client(L, cidx);
    bool queued = false;

    memset(&in, 0, sizeof(in));
    if (check_input(L, op, pidx, &in, &err) != APPMESH_OK ||
        am_lua_sched_add(L, cidx, op, &in, &queued, &err) != APPMESH_OK) {
        am_lua_push_error(L, &err);
        return k(L, LUA_OK, ctx);
    }
    if (queued) {
        return lua_yieldk(L, 0, ctx, k);
    }
    call_blocking(L, c, op, &in);
    return k(L, LUA_OK, ctx);
}

/* A method's continuation: return what the call left above ctx. */
static int call_done(lua_State *L, int status, lua_KContext ctx)
{
    (void)status;
    if (lua_gettop(L) > (int)ctx && am_lua_sched_is_closed_marker(L, (int)ctx + 1)) {
        return luaL_error(L, "attempt to use a closed client");
    }
    return lua_gettop(L) - (int)ctx;
}

/* update_virtual_service: params at pidx, call options at oidx, on the client at cidx. */
static int update_virtual_service(lua_State *L, int cidx, int pidx, int oidx)
{
    struct appmesh_update_virtual_service_input in;
    struct appmesh_error err = {0};
    struct appmesh_client *c = check_open_client(L, cidx);
    struct box *b = NULL;

    luaL_checktype(L, pidx, LUA_TTABLE);
    if (!check_call_options(L, oidx)) {
        return run_call(L, cidx, pidx, APPMESH_BATCH_UPDATE, lua_gettop(L), call_done);
    }
    /* A dry run sends nothing, so it never waits: synchronous inside a pool task too. */
    if (am_lua_check_update_input(L, pidx, &in, &err) != APPMESH_OK ||
        appmesh_update_virtual_service_input_validate(&in, &err) != APPMESH_OK) {
        return am_lua_push_error(L, &err);
    }
    b = push_box(L, BOX_PREVIEW);
    if (appmesh_client_update_virtual_service_preview(c, &in, &b->u.preview, &err) != APPMESH_OK) {
        box_release(b);
        return am_lua_push_error(L, &err);
    }
    push_preview(L, &b->u.preview);
    box_release(b);
    return 1;
}

static int client_update_virtual_service(lua_State *L)
{
    check_open_client(L, 1);
    return update_virtual_service(L, 1, 2, 3);
}

static int client_describe_virtual_service(lua_State *L)
{
    check_open_client(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    return run_call(L, 1, 2, APPMESH_BATCH_DESCRIBE, lua_gettop(L), call_done);
}

static int client_list_virtual_services(lua_State *L)
{
    check_open_client(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    return run_call(L, 1, 2, APPMESH_BATCH_LIST, lua_gettop(L), call_done);
}

/* ---- the paging iterator ---- */

/*
 * Upvalues of the iterator closure: 1 the client (false when the default client could not be
 * built), 2 a private copy of the params (its nextToken is the next page's), 3 the current
 * page's refs (nil before the first page), 4 the index of the next ref in it, 5 the state:
 * nil while running, true once finished, an error table to report on the next call.
 */
#define ITER_CLIENT lua_upvalueindex(1)
#define ITER_PARAMS lua_upvalueindex(2)
#define ITER_REFS   lua_upvalueindex(3)
#define ITER_INDEX  lua_upvalueindex(4)
#define ITER_STATE  lua_upvalueindex(5)

static int iter_step(lua_State *L);

/* The next page arrived (stack: client, params, page, info | nil, err). */
static int iter_page(lua_State *L, int status, lua_KContext ctx)
{
    (void)status;
    if (lua_gettop(L) > (int)ctx && am_lua_sched_is_closed_marker(L, (int)ctx + 1)) {
        return luaL_error(L, "attempt to use a closed client");
    }
    if (lua_type(L, 3) != LUA_TTABLE) {
        lua_pushboolean(L, 1);
        lua_replace(L, ITER_STATE);
        lua_pushboolean(L, 0);
        lua_pushvalue(L, 4);
        return 2; /* false, err: a falsy first value that does not end a generic for */
    }
    lua_getfield(L, 3, "virtualServices"); /* ..., refs */
    lua_replace(L, ITER_REFS);
    lua_pushinteger(L, 1);
    lua_replace(L, ITER_INDEX);
    lua_getfield(L, 3, "nextToken"); /* ..., token | nil */
    lua_setfield(L, 2, "nextToken");
    lua_settop(L, 0);
    return iter_step(L);
}

static int iter_step(lua_State *L)
{
    int state = lua_type(L, ITER_STATE);

    if (state == LUA_TBOOLEAN) {
        lua_pushnil(L); /* finished: nil ends the loop */
        return 1;
    }
    if (state == LUA_TTABLE) {
        lua_pushboolean(L, 0);
        lua_pushvalue(L, ITER_STATE);
        lua_pushboolean(L, 1);
        lua_replace(L, ITER_STATE);
        return 2;
    }
    if (lua_type(L, ITER_REFS) == LUA_TTABLE) {
        lua_Integer i = lua_tointeger(L, ITER_INDEX);
        if (lua_rawgeti(L, ITER_REFS, i) != LUA_TNIL) { /* ref */
            lua_pushinteger(L, i + 1);
            lua_replace(L, ITER_INDEX);
            return 1;
        }
        lua_pop(L, 1);
        if (lua_getfield(L, ITER_PARAMS, "nextToken") == LUA_TNIL) { /* token */
            lua_pushboolean(L, 1);
            lua_replace(L, ITER_STATE);
            lua_pushnil(L);
            return 1;
        }
        lua_pop(L, 1);
    }
    lua_settop(L, 0);
    lua_pushvalue(L, ITER_CLIENT); /* client */
    lua_pushvalue(L, ITER_PARAMS); /* client, params */
    return run_call(L, 1, 2, APPMESH_BATCH_LIST, 2, iter_page);
}

static int iter_next(lua_State *L)
{
    lua_settop(L, 0); /* the generic for's state and control values are not used */
    return iter_step(L);
}

/* Push the iterator over the params at pidx on the client at cidx (0: none, err at eidx). */
static int push_iterator(lua_State *L, int cidx, int pidx, int eidx)
{
    int top = lua_gettop(L);

    if (cidx != 0) {
        lua_pushvalue(L, cidx); /* client */
    } else {
        lua_pushboolean(L, 0); /* false */
    }
    lua_newtable(L); /* client, copy */
    lua_pushnil(L);
    while (lua_next(L, pidx) != 0) { /* client, copy, key, value */
        lua_pushvalue(L, -2);        /* client, copy, key, value, key */
        lua_insert(L, -2);           /* client, copy, key, key, value */
        lua_rawset(L, top + 2);      /* client, copy, key */
    }
    lua_pushnil(L);        /* client, copy, refs */
    lua_pushinteger(L, 1); /* client, copy, refs, index */
    if (eidx != 0) {
        lua_pushvalue(L, eidx); /* ..., index, err */
    } else {
        lua_pushnil(L); /* ..., index, nil */
    }
    lua_pushcclosure(L, iter_next, 5);
    return 1;
}

static int client_virtual_services(lua_State *L)
{
    check_open_client(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    return push_iterator(L, 1, 2, 0);
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
    return update_virtual_service(L, base + 1, 1, 2);
}

/* describe/list on the default client: params at 1. */
static int default_call(lua_State *L, enum appmesh_batch_op op)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    if (push_default_client(L) == 2) {
        return 2;
    }
    return run_call(L, 2, 1, op, lua_gettop(L), call_done);
}

int am_lua_default_describe_virtual_service(lua_State *L)
{
    return default_call(L, APPMESH_BATCH_DESCRIBE);
}

int am_lua_default_list_virtual_services(lua_State *L)
{
    return default_call(L, APPMESH_BATCH_LIST);
}

int am_lua_default_virtual_services(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    if (push_default_client(L) == 2) { /* params, ..., nil, err */
        return push_iterator(L, 0, 1, lua_gettop(L));
    }
    return push_iterator(L, 2, 1, 0);
}

void am_lua_client_open(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"update_virtual_service", client_update_virtual_service},
        {"describe_virtual_service", client_describe_virtual_service},
        {"list_virtual_services", client_list_virtual_services},
        {"virtual_services", client_virtual_services},
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
