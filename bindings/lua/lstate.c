/* SPDX-License-Identifier: MIT */
/* The per-state data (no C globals): a registry userdata found by address, and the host's flag. */
#include <string.h>

#include <lauxlib.h>

#include "appmesh/appmesh.h"
#include "appmesh_lua.h"
#include "lstate.h"

#define AM_LUA_STATE_MT "appmesh.state_mt"

/* The registry's key of the per-state struct: an address, looked up on every call without
 * interning a name. */
static const char state_key = 's';

static int state_gc(lua_State *L)
{
    struct am_lua_state *S = luaL_checkudata(L, 1, AM_LUA_STATE_MT);
    appmesh_sigv4_result_cleanup(&S->sign_result);
    appmesh_sigv4_signer_destroy(S->signer);
    S->signer = NULL;
    return 0;
}

struct am_lua_state *am_lua_state(lua_State *L)
{
    struct am_lua_state *S = NULL;

    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &state_key) == LUA_TUSERDATA) { /* S */
        S = lua_touserdata(L, -1);
        lua_pop(L, 1); /* -- (the registry keeps it) */
        return S;
    }
    lua_pop(L, 1);
    S = lua_newuserdatauv(L, sizeof(*S), 0); /* S */
    memset(S, 0, sizeof(*S));
    S->alloc.fn = lua_getallocf(L, &S->alloc.ud);
    if (luaL_newmetatable(L, AM_LUA_STATE_MT)) { /* S, mt */
        lua_pushcfunction(L, state_gc);          /* S, mt, f */
        lua_setfield(L, -2, "__gc");             /* S, mt */
    }
    lua_setmetatable(L, -2);                       /* S */
    lua_rawsetp(L, LUA_REGISTRYINDEX, &state_key); /* -- */
    return S;
}

bool am_lua_interrupted(void *ud)
{
    const struct am_lua_state *S = ud;
    return S != NULL && S->interrupt_flag != NULL && *S->interrupt_flag != 0;
}

void appmesh_lua_set_interrupt_flag(lua_State *L, volatile sig_atomic_t *flag)
{
    am_lua_state(L)->interrupt_flag = flag;
}
