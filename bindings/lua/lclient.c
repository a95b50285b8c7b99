/* SPDX-License-Identifier: MIT */
/* appmesh.Client: the userdata, its options, methods, fields; appmesh.<op> on the default one. */
#include <limits.h>
#include <math.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "appmesh/appmesh.h"
#include "appmesh_lua_internal.h"
#include "internal.h"
#include "lresult.h"
#include "lstate.h"
#include "opcall.h"
#include "shapes.h"

/* ---- the client userdata ---- */

/* The client metatable's light userdata key in the registry (am_lua_toudata). */
static const char client_mt_key = 'c';

static struct appmesh_client **to_client(lua_State *L, int idx)
{
    struct appmesh_client **p = am_lua_toudata(L, idx, &client_mt_key);
    return p != NULL ? p : luaL_checkudata(L, idx, AM_LUA_CLIENT_MT); /* raises */
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
        /* Resolved on first read, as the next call would: nil when no provider has any. */
        struct appmesh_error err = {0};
        c = check_open_client(L, 1);
        value = appmesh_client_credentials_source(c);
        if (value == NULL && appmesh_client_resolve_credentials(c, &err) == APPMESH_OK) {
            value = appmesh_client_credentials_source(c);
        }
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

/* ---- the three calls, blocking or (inside a pool task) through the pool's batch ---- */

union call_input {
    struct appmesh_update_virtual_service_input update;
    struct appmesh_describe_virtual_service_input describe;
    struct appmesh_list_virtual_services_input list;
};

/*
 * Read the params table at pidx for op; strings borrowed from it. *proxied: a table in the
 * params has a metatable, so the call takes the generic path (which reads tables as pairs does)
 * and *in is not filled. The value rules are checked once, by the call itself (the blocking
 * function, the batch's add, or the preview).
 */
static enum appmesh_status check_input(lua_State *L,
                                       enum appmesh_batch_op op,
                                       int pidx,
                                       union call_input *in,
                                       bool *proxied,
                                       struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_ERR_INTERNAL;

    *proxied = false;
    switch (op) {
        case APPMESH_BATCH_UPDATE:
            st = am_lua_check_update_input(L, pidx, &in->update, proxied, err);
            break;
        case APPMESH_BATCH_DESCRIBE:
            st = am_lua_check_describe_input(L, pidx, &in->describe, proxied, err);
            break;
        case APPMESH_BATCH_LIST:
            st = am_lua_check_list_input(L, pidx, &in->list, proxied, err);
            break;
    }
    return st;
}

/* The generic descriptor of a typed operation. */
static const struct am_operation *typed_operation(enum appmesh_batch_op op)
{
    switch (op) {
        case APPMESH_BATCH_UPDATE:
            return am_operation_find("UpdateVirtualService");
        case APPMESH_BATCH_DESCRIBE:
            return am_operation_find("DescribeVirtualService");
        case APPMESH_BATCH_LIST:
            return am_operation_find("ListVirtualServices");
    }
    return NULL;
}

/* Pop the json box on top (freeing its tree) and push the error: nil, err. */
static int fail_boxed(lua_State *L, const struct appmesh_error *err)
{
    am_lua_json_box_clear(L, -1);
    lua_pop(L, 1);
    return am_lua_push_error(L, err);
}

/*
 * Every operation's one generic path: op with the params at pidx on the client at cidx, the
 * call options at oidx (0: none). As run_call(): the results are pushed above the stack as it
 * is now and k(L, LUA_OK, ctx) gives the return, or inside a pool task the call yields and k
 * runs on the results once the pool resumes the task. A dry run returns the request at once.
 */
static int op_run(lua_State *L,
                  int cidx,
                  int pidx,
                  int oidx,
                  const struct am_operation *op,
                  lua_KContext ctx,
                  lua_KFunction k)
{
    struct appmesh_client *c = check_open_client(L, cidx);
    struct appmesh_error err = {0};
    struct am_op_input in;
    struct appmesh_batch_result *r = NULL;
    struct appmesh_request_preview *pv = NULL;
    cJSON **slot = NULL;
    cJSON *out = NULL;
    bool dry_run = false;
    bool queued = false;

    luaL_checktype(L, pidx, LUA_TTABLE);
    if (oidx != 0) {
        dry_run = check_call_options(L, oidx);
    }
    slot = am_lua_push_json_box(L); /* box: owns the input while it is built and sent */
    if (am_lua_to_json(L, pidx, &am_shapes[op->input], slot, &err) != APPMESH_OK) {
        fail_boxed(L, &err);
        return dry_run ? 2 : k(L, LUA_OK, ctx);
    }
    memset(&in, 0, sizeof(in));
    in.op = op;
    in.input = *slot;
    in.list_base = 1;
    if (dry_run) { /* sends nothing, so it never waits: synchronous inside a pool task too */
        pv = am_lua_push_preview_box(L); /* json, preview */
        if (am_client_preview_value(c, &in, pv, &err) != APPMESH_OK) {
            am_lua_box_release(L, -1);
            lua_pop(L, 1);
            return fail_boxed(L, &err);
        }
        am_lua_json_box_clear(L, -2);
        am_lua_push_request(L, -1); /* json, preview, req */
        return 1;
    }
    if (am_lua_sched_add_value(L, cidx, &in, &queued, &err) != APPMESH_OK) {
        fail_boxed(L, &err);
        return k(L, LUA_OK, ctx);
    }
    if (queued) { /* the batch copied what the call needs */
        am_lua_json_box_clear(L, -1);
        lua_pop(L, 1);
        return lua_yieldk(L, 0, ctx, k);
    }
    r = am_lua_push_result_box(L); /* json, result */
    r->operation = op->name;
    r->status = am_client_call_value(c, &in, &out, &r->info, &r->err);
    r->output_value = out;
    am_lua_json_box_clear(L, -2);
    lua_remove(L, -2);         /* result */
    am_lua_push_result(L, -1); /* value, info | nil, err */
    return k(L, LUA_OK, ctx);
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
    bool proxied = false;

    memset(&in, 0, sizeof(in));
    if (check_input(L, op, pidx, &in, &proxied, &err) == APPMESH_OK && proxied) {
        return op_run(L, cidx, pidx, 0, typed_operation(op), ctx, k);
    }
    if (err.status != APPMESH_OK ||
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
    struct appmesh_request_preview *pv = NULL;
    bool proxied = false;

    luaL_checktype(L, pidx, LUA_TTABLE);
    if (!check_call_options(L, oidx)) {
        return run_call(L, cidx, pidx, APPMESH_BATCH_UPDATE, lua_gettop(L), call_done);
    }
    /* A dry run sends nothing, so it never waits: synchronous inside a pool task too. */
    if (am_lua_check_update_input(L, pidx, &in, &proxied, &err) == APPMESH_OK && proxied) {
        return op_run(L, cidx, pidx, oidx, typed_operation(APPMESH_BATCH_UPDATE), lua_gettop(L),
                      call_done);
    }
    if (err.status != APPMESH_OK) {
        return am_lua_push_error(L, &err);
    }
    pv = am_lua_push_preview_box(L); /* the preview validates */
    if (appmesh_client_update_virtual_service_preview(c, &in, pv, &err) != APPMESH_OK) {
        am_lua_box_release(L, -1);
        return am_lua_push_error(L, &err);
    }
    am_lua_push_request(L, -1);
    return 1;
}

static int client_update_virtual_service(lua_State *L)
{
    check_open_client(L, 1);
    return update_virtual_service(L, 1, 2, 3);
}

/* describe/list on the client at cidx, params at pidx; with call options (at oidx, not nil)
 * the generic path runs it, as for any operation (a dry run, say). */
static int typed_call(lua_State *L, int cidx, int pidx, int oidx, enum appmesh_batch_op op)
{
    if (!lua_isnil(L, oidx)) {
        return op_run(L, cidx, pidx, oidx, typed_operation(op), lua_gettop(L), call_done);
    }
    return run_call(L, cidx, pidx, op, lua_gettop(L), call_done);
}

static int client_describe_virtual_service(lua_State *L)
{
    check_open_client(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 3);
    return typed_call(L, 1, 2, 3, APPMESH_BATCH_DESCRIBE);
}

static int client_list_virtual_services(lua_State *L)
{
    check_open_client(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 3);
    return typed_call(L, 1, 2, 3, APPMESH_BATCH_LIST);
}

/* ---- the generic methods ---- */

/* client:<operation>(params [, opts]); upvalue 1: the operation (a light userdata). */
static int client_operation(lua_State *L)
{
    const struct am_operation *op = lua_touserdata(L, lua_upvalueindex(1));

    check_open_client(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    if (!lua_isnoneornil(L, 3)) {
        luaL_checktype(L, 3, LUA_TTABLE);
    }
    lua_settop(L, 3);
    return op_run(L, 1, 2, 3, op, 3, call_done);
}

/* ---- the paging iterators ---- */

/*
 * Upvalues of the iterator closure: 1 the client (false when the default client could not be
 * built), 2 a private copy of the params (its input token is the next page's), 3 the current
 * page's items (nil before the first page), 4 the index of the next item in it, 5 the state:
 * nil while running, true once finished, an error table to report on the next call; 6 the
 * operation (a light userdata); 7 an error to report after the current page's items.
 */
#define ITER_CLIENT lua_upvalueindex(1)
#define ITER_PARAMS lua_upvalueindex(2)
#define ITER_ITEMS  lua_upvalueindex(3)
#define ITER_INDEX  lua_upvalueindex(4)
#define ITER_STATE  lua_upvalueindex(5)
#define ITER_OP     lua_upvalueindex(6)
#define ITER_LATER  lua_upvalueindex(7) /* an error to report once the page's items are out */

static int iter_step(lua_State *L);

/* What iter_page returns to iter_step's loop when a page arrived without a yield. */
#define ITER_AGAIN (-1)

/*
 * The next page arrived (stack: client, params, page, info | nil, err). Called directly by
 * op_run from iter_step's loop (status LUA_OK: back to the loop, so that a run of empty pages
 * does not nest C calls), or as the continuation after a pool resumed the yielded call.
 */
static int iter_page(lua_State *L, int status, lua_KContext ctx)
{
    const struct am_operation *op = lua_touserdata(L, ITER_OP);

    if (lua_gettop(L) > (int)ctx && am_lua_sched_is_closed_marker(L, (int)ctx + 1)) {
        return luaL_error(L, "attempt to use a closed client");
    }
    if (lua_type(L, 3) != LUA_TTABLE) {
        lua_pushvalue(L, 4);
        lua_replace(L, ITER_STATE); /* reported next: false, err */
    } else {
        if (lua_getfield(L, 3, op->result_key) != LUA_TTABLE) { /* ..., items */
            lua_pop(L, 1);
            lua_newtable(L); /* a page without its list has no items */
        }
        lua_replace(L, ITER_ITEMS);
        lua_pushinteger(L, 1);
        lua_replace(L, ITER_INDEX);
        if (lua_getfield(L, 3, op->output_token) == LUA_TSTRING && /* ..., token | nil */
            lua_rawlen(L, -1) == 0) {
            /* as botocore's paginator: an empty token is no token (the last page) */
            lua_pop(L, 1);
            lua_pushnil(L);
        }
        lua_getfield(L, 2, op->input_token); /* ..., token, previous */
        if (!lua_isnil(L, -2) && lua_rawequal(L, -1, -2)) {
            /* as botocore's paginator: a service that repeats a token would loop forever */
            struct appmesh_error err = {0};
            am_fail(&err, APPMESH_ERR_RESPONSE, "%s returned the same %s twice", op->name,
                    op->output_token);
            am_lua_new_error(L, &err);
            lua_replace(L, ITER_LATER);
            lua_pushnil(L);
            lua_replace(L, -3); /* ..., nil, previous: no page after this one */
        }
        lua_pop(L, 1); /* ..., token */
        lua_setfield(L, 2, op->input_token);
    }
    lua_settop(L, 0);
    if (status == LUA_OK) {
        return ITER_AGAIN;
    }
    return iter_step(L);
}

static int iter_step(lua_State *L)
{
    const struct am_operation *op = lua_touserdata(L, ITER_OP);

    for (;;) {
        int state = lua_type(L, ITER_STATE);
        int n = 0;
        if (state == LUA_TBOOLEAN) {
            lua_pushnil(L); /* finished: nil ends the loop */
            return 1;
        }
        if (state == LUA_TTABLE) {
            lua_pushboolean(L, 0);
            lua_pushvalue(L, ITER_STATE);
            lua_pushboolean(L, 1);
            lua_replace(L, ITER_STATE);
            return 2; /* false, err: a falsy first value that does not end a generic for */
        }
        if (lua_type(L, ITER_ITEMS) == LUA_TTABLE) {
            lua_Integer i = lua_tointeger(L, ITER_INDEX);
            if (lua_rawgeti(L, ITER_ITEMS, i) != LUA_TNIL) { /* item */
                lua_pushinteger(L, i + 1);
                lua_replace(L, ITER_INDEX);
                return 1;
            }
            lua_pop(L, 1);
            if (lua_getfield(L, ITER_PARAMS, op->input_token) == LUA_TNIL) { /* token */
                if (!lua_isnil(L, ITER_LATER)) {
                    lua_pop(L, 1);
                    lua_pushvalue(L, ITER_LATER);
                    lua_replace(L, ITER_STATE);
                    continue; /* false, err */
                }
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
        n = op_run(L, 1, 2, 0, op, 2, iter_page);
        if (n != ITER_AGAIN) {
            return n;
        }
    }
}

static int iter_next(lua_State *L)
{
    lua_settop(L, 0); /* the generic for's state and control values are not used */
    return iter_step(L);
}

/*
 * Push the iterator of op over the params at pidx on the client at cidx (0: none, the error
 * to report is at eidx). The params are copied as pairs reads them; a table they cannot be
 * read from (an __index proxy) makes an iterator that reports that error.
 */
static int push_iterator(lua_State *L, const struct am_operation *op, int cidx, int pidx, int eidx)
{
    struct appmesh_error err = {0};
    int top = lua_gettop(L);
    int view = 0;

    if (cidx != 0) {
        lua_pushvalue(L, cidx); /* client */
    } else {
        lua_pushboolean(L, 0); /* false */
    }
    lua_newtable(L); /* client, copy */
    if (am_lua_table_view(L, pidx, "", &am_shapes[op->input], &view, &err) ==
        APPMESH_OK) { /* client, copy[, view] */
        lua_pushnil(L);
        while (lua_next(L, view) != 0) { /* ..., key, value */
            lua_pushvalue(L, -2);        /* ..., key, value, key */
            lua_insert(L, -2);           /* ..., key, key, value */
            lua_rawset(L, top + 2);      /* ..., key */
        }
    }
    lua_settop(L, top + 2); /* client, copy */
    lua_pushnil(L);         /* client, copy, items */
    lua_pushinteger(L, 1);  /* client, copy, items, index */
    if (err.status != APPMESH_OK) {
        am_lua_new_error(L, &err); /* ..., index, err */
    } else if (eidx != 0) {
        lua_pushvalue(L, eidx); /* ..., index, err */
    } else {
        lua_pushnil(L); /* ..., index, nil */
    }
    lua_pushlightuserdata(L, (void *)op);
    lua_pushnil(L);
    lua_pushcclosure(L, iter_next, 7);
    return 1;
}

/* client:<result key>(params); upvalue 1: the paginated operation. */
static int client_iterator(lua_State *L)
{
    check_open_client(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    return push_iterator(L, lua_touserdata(L, lua_upvalueindex(1)), 1, 2, 0);
}

/* The paginated operation named at arg; raises for an unknown or unpaginated one. */
static const struct am_operation *check_paginated(lua_State *L, int arg)
{
    const struct am_operation *op = am_lua_check_operation(L, arg);

    if (op->result_key == NULL) {
        luaL_argerror(L, arg,
                      lua_pushfstring(L, "operation '%s' is not paginated", lua_tostring(L, arg)));
    }
    return op;
}

/* client:paginate(name, params) */
static int client_paginate(lua_State *L)
{
    const struct am_operation *op = NULL;

    check_open_client(L, 1);
    op = check_paginated(L, 2);
    luaL_checktype(L, 3, LUA_TTABLE);
    lua_settop(L, 3);
    return push_iterator(L, op, 1, 3, 0);
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

/* describe/list on the default client: params at 1, call options at 2. */
static int default_call(lua_State *L, enum appmesh_batch_op op)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 2);
    if (push_default_client(L) == 2) {
        return 2;
    }
    return typed_call(L, 3, 1, 2, op);
}

int am_lua_default_describe_virtual_service(lua_State *L)
{
    return default_call(L, APPMESH_BATCH_DESCRIBE);
}

int am_lua_default_list_virtual_services(lua_State *L)
{
    return default_call(L, APPMESH_BATCH_LIST);
}

/* appmesh.<operation>(params [, opts]) on the default client; upvalue 1: the operation. */
static int default_operation(lua_State *L)
{
    const struct am_operation *op = lua_touserdata(L, lua_upvalueindex(1));

    luaL_checktype(L, 1, LUA_TTABLE);
    if (!lua_isnoneornil(L, 2)) {
        luaL_checktype(L, 2, LUA_TTABLE);
    }
    lua_settop(L, 2);
    if (push_default_client(L) == 2) {
        return 2;
    }
    return op_run(L, 3, 1, 2, op, 3, call_done);
}

/* The iterator of op over the params at pidx on the default client. */
static int default_iterator_of(lua_State *L, const struct am_operation *op, int pidx)
{
    if (push_default_client(L) == 2) { /* ..., nil, err */
        return push_iterator(L, op, 0, pidx, lua_gettop(L));
    }
    return push_iterator(L, op, lua_gettop(L), pidx, 0);
}

/* appmesh.<result key>(params); upvalue 1: the paginated operation. */
static int default_iterator(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    return default_iterator_of(L, lua_touserdata(L, lua_upvalueindex(1)), 1);
}

/* appmesh.paginate(name, params) */
static int default_paginate(lua_State *L)
{
    const struct am_operation *op = check_paginated(L, 1);

    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    return default_iterator_of(L, op, 2);
}

/* Set, in the table on top, f with the operation as upvalue under name, unless it has one. */
static void
set_op_function(lua_State *L, const char *name, lua_CFunction f, const struct am_operation *op)
{
    if (lua_getfield(L, -1, name) != LUA_TNIL) { /* t, existing */
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);
    lua_pushlightuserdata(L, (void *)op);
    lua_pushcclosure(L, f, 1);
    lua_setfield(L, -2, name);
}

/* Every operation and iterator in the table on top (methods, or the module's functions). */
static void set_operations(lua_State *L, lua_CFunction call, lua_CFunction iterate)
{
    char iter[64];

    for (size_t i = 0; i < am_operation_count; i++) {
        const struct am_operation *op = &am_operations[i];
        set_op_function(L, op->snake, call, op);
        if (am_lua_iterator_name(op, iter, sizeof(iter))) {
            set_op_function(L, iter, iterate, op);
        }
    }
}

void am_lua_module_operations(lua_State *L)
{
    static const luaL_Reg funcs[] = {
        {"paginate", default_paginate},
        {NULL, NULL},
    };

    luaL_setfuncs(L, funcs, 0);
    set_operations(L, default_operation, default_iterator);
}

void am_lua_client_open(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"update_virtual_service", client_update_virtual_service},
        {"describe_virtual_service", client_describe_virtual_service},
        {"list_virtual_services", client_list_virtual_services},
        {"paginate", client_paginate},
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
        am_lua_keep_metatable(L, &client_mt_key);
        luaL_setfuncs(L, meta, 0); /* mt */
        luaL_newlib(L, methods);   /* mt, methods */
        set_operations(L, client_operation, client_iterator);
        /* __methods: the method table as a table, for tools (the REPL's completion) that
         * cannot look into the __index function */
        lua_pushvalue(L, -1);                 /* mt, methods, methods */
        lua_setfield(L, -3, "__methods");     /* mt, methods */
        lua_pushcclosure(L, client_index, 1); /* mt, __index */
        lua_setfield(L, -2, "__index");       /* mt */
    }
    lua_pop(L, 1); /* -- */
}
