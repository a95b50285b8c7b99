/* SPDX-License-Identifier: MIT */
/* The result box: a call's C results, owned by a userdata until pushed as Lua values (lresult.c).
 */
#ifndef APPMESH_LUA_LRESULT_H
#define APPMESH_LUA_LRESULT_H

#include <lua.h>

#include "appmesh/appmesh.h"

/** Register the box metatable (idempotent). */
void am_lua_result_open(lua_State *L);

/**
 * Push the state's result box (a userdata the GC cleans, reused by every call) holding a zeroed
 * struct appmesh_batch_result, and return the result for a call or appmesh_batch_take() to
 * fill: whatever it then owns is freed even if a later push raises a memory error. Use it up
 * with am_lua_push_result() before running any Lua code.
 */
struct appmesh_batch_result *am_lua_push_result_box(lua_State *L);

/** Pop the result box on top unused (nothing was put in it): it is free for the next call. */
void am_lua_pop_result_box(lua_State *L);

/**
 * Replace the result box at idx by what a blocking call returns for it: vs, info (page, info
 * for a list) on success, nil, err otherwise. Frees the result's C memory. Returns 2.
 */
int am_lua_push_result(lua_State *L, int idx);

/** Push a fresh box for a dry run's request preview and return the preview to fill. */
struct appmesh_request_preview *am_lua_push_preview_box(lua_State *L);

/** Free what the box at idx holds now (a result or a preview); the box stays, empty. */
void am_lua_box_release(lua_State *L, int idx);

/**
 * Push the preview in the box at idx as {method, url, headers = {Name = value}, body}, then
 * free it (the box stays, empty). May raise a memory error (the box still owns the preview).
 */
void am_lua_push_request(lua_State *L, int idx);

#endif
