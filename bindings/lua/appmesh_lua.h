/* SPDX-License-Identifier: MIT */
/* Embedding header for the appmesh Lua binding: open the module in a host's own lua_State. */
#ifndef APPMESH_LUA_H
#define APPMESH_LUA_H

#include <signal.h>

#include <lua.h>

#if defined(__GNUC__) || defined(__clang__)
#    define APPMESH_LUA_API __attribute__((visibility("default")))
#else
#    define APPMESH_LUA_API
#endif

/**
 * Open the `appmesh` module: pushes the module table. Hosts call
 * `luaL_requiref(L, "appmesh", luaopen_appmesh, 0); lua_pop(L, 1);`.
 * Keeps no C globals: every lua_State gets its own default client and settings.
 */
APPMESH_LUA_API int luaopen_appmesh(lua_State *L);

/**
 * Let a host interrupt running calls: while *flag is non-zero (set it from a SIGINT handler),
 * a call in progress in this state stops and returns nil, err with err.code "Interrupted";
 * the host clears the flag. Borrowed: flag must outlive L. NULL removes it.
 */
APPMESH_LUA_API void appmesh_lua_set_interrupt_flag(lua_State *L, volatile sig_atomic_t *flag);

#endif
