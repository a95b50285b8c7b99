/* SPDX-License-Identifier: MIT */
/* Print REPL results with pretty.lua (compiled in), loaded on first use and kept per state. */
#include <stdio.h>

#include <lauxlib.h>
#include <lua.h>

#include "host.h"
#include "pretty_lua.h" /* generated from pretty.lua: static const unsigned char pretty_lua[] */

#define PRETTY_KEY "appmesh.host.pretty"

/* Push show(...) from the registry, loading pretty.lua the first time. */
static int push_show(lua_State *L)
{
    if (lua_getfield(L, LUA_REGISTRYINDEX, PRETTY_KEY) == LUA_TFUNCTION) {
        return LUA_OK;
    }
    lua_pop(L, 1);
    int status =
        luaL_loadbuffer(L, (const char *)pretty_lua, sizeof pretty_lua, "=appmesh-lua pretty");
    if (status == LUA_OK) {
        status = lua_pcall(L, 0, 1, 0);
    }
    if (status != LUA_OK) {
        return status;
    }
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, PRETTY_KEY);
    return LUA_OK;
}

void host_print_values(lua_State *L)
{
    int n = lua_gettop(L);
    int status;
    size_t len = 0;
    const char *text;
    if (n == 0) {
        return;
    }
    luaL_checkstack(L, LUA_MINSTACK, "too many results to print");
    status = push_show(L);
    if (status == LUA_OK) {
        lua_insert(L, 1);
        status = lua_pcall(L, n, 1, 0);
    }
    if (status != LUA_OK) {
        const char *msg = lua_tostring(L, -1); /* the error, on top */
        if (msg == NULL) {
            msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, -1));
        }
        host_message(lua_pushfstring(L, "error printing the result (%s)", msg));
        lua_settop(L, 0);
        return;
    }
    text = lua_tolstring(L, -1, &len);
    if (text != NULL) {
        fwrite(text, 1, len, stdout);
    }
    fputc('\n', stdout);
    fflush(stdout);
    lua_settop(L, 0);
}
