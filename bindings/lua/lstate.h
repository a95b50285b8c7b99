/* SPDX-License-Identifier: MIT */
/* The binding's per-lua_State data and the interrupt flag read from it (lstate.c). */
#ifndef APPMESH_LUA_LSTATE_H
#define APPMESH_LUA_LSTATE_H

#include <signal.h>
#include <stdbool.h>

#include <lua.h>

#include "appmesh/appmesh.h"

/**
 * Everything the binding keeps per lua_State: a userdata in the registry that lives until
 * lua_close() (its finalizer runs after every client's, its memory is freed after all of them),
 * so clients may borrow `alloc` and the interrupt callback may read `interrupt_flag`.
 */
struct am_lua_state {
    struct appmesh_allocator alloc;          /* the state's own lua_Alloc */
    volatile sig_atomic_t *interrupt_flag;   /* the host's, or NULL */
    struct appmesh_sigv4_signer *signer;     /* appmesh.sign's, created on first use */
    struct appmesh_sigv4_result sign_result; /* reused by appmesh.sign, wiped on close */
};

/** The state's struct, created on first use (may raise a memory error). */
struct am_lua_state *am_lua_state(lua_State *L);

/** appmesh_interrupt_fn: true while the host's flag (if any) is set. ud: struct am_lua_state. */
bool am_lua_interrupted(void *ud);

#endif
