/* SPDX-License-Identifier: MIT */
/* luaopen_appmesh: the module table and _VERSION, from every part of the binding. */
#include "appmesh/appmesh.h"
#include "appmesh_lua.h"
#include "appmesh_lua_internal.h"
#include "lresult.h"
#include "lstate.h"

int luaopen_appmesh(lua_State *L)
{
    static const luaL_Reg funcs[] = {
        {"client", am_lua_client_new},
        {"default_client", am_lua_default_client},
        {"update_virtual_service", am_lua_default_update_virtual_service},
        {"describe_virtual_service", am_lua_default_describe_virtual_service},
        {"list_virtual_services", am_lua_default_list_virtual_services},
        {"run", am_lua_run},
        {"pool", am_lua_pool_new},
        {"map", am_lua_map},
        {"sign", am_lua_sign},
        {NULL, NULL},
    };
    /* libcurl is initialised (once, thread-safely) when the first client is made, not here:
     * `require "appmesh"` stays cheap for scripts that never send. */
    luaL_checkversion(L);
    am_lua_state(L);
    am_lua_error_open(L);
    am_lua_client_open(L);
    am_lua_result_open(L);
    am_lua_sched_open(L);
    luaL_newlib(L, funcs);       /* M */
    am_lua_module_operations(L); /* M: every operation, iterator, paginate */
    am_lua_module_shapes(L);     /* M: operations, skeleton, model_operation, model_shape */
    lua_pushliteral(L, "appmesh " APPMESH_VERSION);
    lua_setfield(L, -2, "_VERSION");
    luaL_getmetatable(L, AM_LUA_ERROR_MT); /* M, Error */
    lua_setfield(L, -2, "Error");          /* M */
    am_lua_os_open(L);                     /* M, _os */
    lua_setfield(L, -2, "_os");            /* M */
    return 1;
}
