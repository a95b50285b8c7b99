/* SPDX-License-Identifier: MIT */
/* A host program embedding appmesh: its own lua_State, the module opened, a script run. */
#include <stdio.h>
#include <stdlib.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include <appmesh/appmesh_lua.h>

/* Run when no script file is given. */
static const char builtin_script[] = "local appmesh = require \"appmesh\"\n"
                                     "print(appmesh._VERSION .. \" embedded in \" .. _VERSION)\n";

/* Message handler: the error with a traceback, so the host can print where it happened. */
static int traceback(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (msg == NULL) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) {
            return 1;
        }
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

int main(int argc, char **argv)
{
    int status;
    int base;
    lua_State *L = luaL_newstate();
    if (L == NULL) {
        fprintf(stderr, "embed_host: cannot create a Lua state\n");
        return EXIT_FAILURE;
    }
    luaL_openlibs(L);
    /* Open appmesh as package.loaded.appmesh, as linit.c does for the standard libraries. */
    luaL_requiref(L, "appmesh", luaopen_appmesh, 0);
    lua_pop(L, 1);

    lua_pushcfunction(L, traceback);
    base = lua_gettop(L);
    if (argc > 1) {
        status = luaL_loadfile(L, argv[1]);
    } else {
        status = luaL_loadbuffer(L, builtin_script, sizeof builtin_script - 1, "=builtin");
    }
    if (status == LUA_OK) {
        status = lua_pcall(L, 0, 0, base);
    }
    if (status != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        fprintf(stderr, "embed_host: %s\n", msg != NULL ? msg : "(error is not a string)");
    }
    lua_close(L);
    return status == LUA_OK ? EXIT_SUCCESS : EXIT_FAILURE;
}
