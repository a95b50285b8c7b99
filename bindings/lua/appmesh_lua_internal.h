/* SPDX-License-Identifier: MIT */
/* Declarations shared by the binding's files (am_lua_*); not installed, not for hosts. */
#ifndef APPMESH_LUA_INTERNAL_H
#define APPMESH_LUA_INTERNAL_H

#include <signal.h>
#include <stdbool.h>

#include <lauxlib.h>
#include <lua.h>

#include "appmesh/appmesh.h"

#define AM_LUA_CLIENT_MT   "appmesh.Client"
#define AM_LUA_ERROR_MT    "appmesh.Error"
#define AM_LUA_BOX_MT      "appmesh.box"     /* C results the GC frees if a push raises */
#define AM_LUA_STATE_KEY   "appmesh.state"   /* registry: the per-state struct am_lua_state */
#define AM_LUA_DEFAULT_KEY "appmesh.default" /* registry: the default client, once built */

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

/* ---- lerror.c ---- */

/** Register the appmesh.Error metatable (idempotent). */
void am_lua_error_open(lua_State *L);
/** Push a new error table (metatable appmesh.Error) describing err. */
void am_lua_new_error(lua_State *L, const struct appmesh_error *err);
/** Push nil and an error table; returns 2, for `return am_lua_push_error(L, &err);`. */
int am_lua_push_error(lua_State *L, const struct appmesh_error *err);

/* ---- lmodel.c: the one converter between Lua tables and the C model ---- */

/**
 * Read UpdateVirtualService params from the table at idx into *in. Raw access only. Strings in
 * *in are borrowed from that table: valid while it stays on the stack and unmodified.
 * Raises only memory errors (holding no C memory). Errors: APPMESH_ERR_VALIDATION with err->field (unknown or non-string key,
 * wrong type, NUL byte, two providers). Value rules are appmesh_update_..._validate()'s job.
 */
enum appmesh_status am_lua_check_update_input(lua_State *L,
                                              int idx,
                                              struct appmesh_update_virtual_service_input *in,
                                              struct appmesh_error *err);

/** Push VirtualServiceData as a fresh plain table with wire names (may raise a memory error). */
void am_lua_push_virtual_service(lua_State *L, const struct appmesh_virtual_service_data *vs);

/* ---- lclient.c ---- */

/** Register the appmesh.Client and box metatables (idempotent). */
void am_lua_client_open(lua_State *L);
/** appmesh.client([opts]): a client, or nil, err. */
int am_lua_client_new(lua_State *L);
/** appmesh.default_client(): the state's default client (built from the environment). */
int am_lua_default_client(lua_State *L);
/** appmesh.update_virtual_service(params [, opts]) on the default client. */
int am_lua_default_update_virtual_service(lua_State *L);

/* ---- lsign.c ---- */

/** appmesh.sign{...}: the headers SigV4 adds, or nil, err. */
int am_lua_sign(lua_State *L);

#endif
