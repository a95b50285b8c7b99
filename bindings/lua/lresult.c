/* SPDX-License-Identifier: MIT */
/* A call's C results kept in a userdata while they are pushed (a raise cannot leak them). */
#include <string.h>

#include <cjson/cJSON.h>

#include "appmesh/appmesh.h"
#include "appmesh_lua_internal.h"
#include "internal.h"
#include "lresult.h"
#include "shapes.h"

#define AM_LUA_BOX_MT "appmesh.box"

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

/* The box metatable's light userdata key in the registry (am_lua_toudata). */
static const char box_mt_key = 'b';

static void box_release(struct box *b)
{
    if (b->kind == BOX_RESULT) {
        appmesh_batch_result_cleanup(&b->u.result); /* data, list, and a generic call's output */
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

/* What a generic call returns on success: the output's payload member when the operation has
 * one (create_route: the RouteData), else the whole output table. Never nil. */
static void push_output(lua_State *L, const struct am_operation *op, const cJSON *out)
{
    if (op == NULL) {
        lua_newtable(L);
    } else if (op->payload >= 0) {
        const struct am_member *m = &am_members[op->payload];
        am_lua_push_json(L, cJSON_GetObjectItemCaseSensitive(out, m->name), am_member_shape(m));
    } else {
        am_lua_push_json(L, out, &am_shapes[op->output]);
    }
}

static const char result_key = 'r'; /* registry: the state's reusable result box */

struct appmesh_batch_result *am_lua_push_result_box(lua_State *L)
{
    struct box *b = NULL;

    /* One box per state, reused by every call. A busy one is being pushed from by an outer
     * frame (a finalizer that makes a call can run in the middle of that push) or was left by a
     * memory error: it is replaced, and the GC frees it once nothing holds it. */
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &result_key) == LUA_TUSERDATA &&
        !((struct box *)lua_touserdata(L, -1))->busy) { /* box */
        b = lua_touserdata(L, -1);
        box_release(b);
    } else {
        lua_pop(L, 1);
        b = push_box(L, BOX_RESULT); /* box */
        lua_pushvalue(L, -1);
        lua_rawsetp(L, LUA_REGISTRYINDEX, &result_key);
    }
    memset(&b->u.result, 0, sizeof(b->u.result));
    b->kind = BOX_RESULT;
    b->busy = true;
    return &b->u.result;
}

void am_lua_pop_result_box(lua_State *L)
{
    struct box *b = am_lua_toudata(L, -1, &box_mt_key);
    if (b != NULL) {
        box_release(b);
        b->busy = false;
    }
    lua_pop(L, 1);
}

int am_lua_push_result(lua_State *L, int idx)
{
    struct box *b = am_lua_toudata(L, idx, &box_mt_key);
    struct appmesh_batch_result *r = NULL;
    int n = 2;

    idx = lua_absindex(L, idx);
    if (b == NULL || b->kind != BOX_RESULT) {
        return luaL_error(L, "appmesh: internal error: not a result box");
    }
    r = &b->u.result;
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
        if (r->output_value != NULL) {
            /* a generic call: its output stays in the box (freed by the GC if a push raises) */
            push_output(L, am_operation_find(r->operation), r->output_value);
        } else if (r->op == APPMESH_BATCH_LIST) {
            am_lua_push_virtual_service_list(L, &r->list);
        } else {
            am_lua_push_virtual_service(L, &r->data);
        }
        am_lua_push_call_info(L, &r->info);
        box_release(b);
    }
    b->busy = false;
    lua_remove(L, idx);
    return n;
}

struct appmesh_request_preview *am_lua_push_preview_box(lua_State *L)
{
    return &push_box(L, BOX_PREVIEW)->u.preview;
}

void am_lua_box_release(lua_State *L, int idx)
{
    struct box *b = am_lua_toudata(L, idx, &box_mt_key);
    if (b != NULL) {
        box_release(b);
    }
}

void am_lua_push_request(lua_State *L, int idx)
{
    struct box *b = am_lua_toudata(L, idx, &box_mt_key);

    if (b == NULL || b->kind != BOX_PREVIEW) {
        luaL_error(L, "appmesh: internal error: not a preview box");
        return;
    }
    push_preview(L, &b->u.preview);
    box_release(b);
}

void am_lua_result_open(lua_State *L)
{
    if (luaL_newmetatable(L, AM_LUA_BOX_MT)) { /* mt */
        am_lua_keep_metatable(L, &box_mt_key);
        lua_pushcfunction(L, box_gc); /* mt, f */
        lua_setfield(L, -2, "__gc");  /* mt */
    }
    lua_pop(L, 1); /* -- */
}
