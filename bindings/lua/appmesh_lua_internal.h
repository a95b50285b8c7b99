/* SPDX-License-Identifier: MIT */
/* Declarations shared by the binding's files (am_lua_*); not installed, not for hosts. */
#ifndef APPMESH_LUA_INTERNAL_H
#define APPMESH_LUA_INTERNAL_H

#include <stdbool.h>

#include <lauxlib.h>
#include <lua.h>

#include "appmesh/appmesh.h"

#define AM_LUA_CLIENT_MT   "appmesh.Client"
#define AM_LUA_ERROR_MT    "appmesh.Error"
#define AM_LUA_DEFAULT_KEY "appmesh.default" /* registry: the default client, once built */

/**
 * The userdata at idx when its metatable is the one the registry holds under the light
 * userdata key (each metatable is kept under its name and under such a key); else NULL. As
 * luaL_testudata, without interning the name on every call: the calls' hot paths use it.
 */
static inline void *am_lua_toudata(lua_State *L, int idx, const void *key)
{
    void *p = lua_touserdata(L, idx);
    bool same = false;

    if (p == NULL || !lua_getmetatable(L, idx)) {
        return NULL;
    }
    lua_rawgetp(L, LUA_REGISTRYINDEX, key);
    same = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    return same ? p : NULL;
}

/** Register the metatable on top under the light userdata key too (see am_lua_toudata). */
static inline void am_lua_keep_metatable(lua_State *L, const void *key)
{
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, key);
}

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
 * Raises only memory errors (holding no C memory). Errors: APPMESH_ERR_VALIDATION with err->field
 * (unknown or non-string key, wrong type, NUL byte, a provider with none or both members).
 * Value rules are appmesh_update_..._validate()'s job. *proxied is set (and *in left
 * incomplete, APPMESH_OK) when one of the tables has a metatable: such params are read as
 * pairs reads them by the generic path (am_lua_to_json), which the call then takes.
 */
enum appmesh_status am_lua_check_update_input(lua_State *L,
                                              int idx,
                                              struct appmesh_update_virtual_service_input *in,
                                              bool *proxied,
                                              struct appmesh_error *err);

/** Push VirtualServiceData as a fresh plain table with wire names (may raise a memory error). */
void am_lua_push_virtual_service(lua_State *L, const struct appmesh_virtual_service_data *vs);

/** Push a call's info: {requestId =, httpStatus =, attempts =, clientToken =} (absent when
 * empty: requestId, clientToken). May raise a memory error. */
void am_lua_push_call_info(lua_State *L, const struct appmesh_call_info *info);

/**
 * Read DescribeVirtualService params (meshName, virtualServiceName, meshOwner) from the table
 * at idx, as am_lua_check_update_input() does (borrowed strings, raw access, same errors).
 */
enum appmesh_status am_lua_check_describe_input(lua_State *L,
                                                int idx,
                                                struct appmesh_describe_virtual_service_input *in,
                                                bool *proxied,
                                                struct appmesh_error *err);

/**
 * Read ListVirtualServices params (meshName, meshOwner, limit, nextToken) from the table at
 * idx, as am_lua_check_update_input() does. limit must be an integer 1..100 when present.
 */
enum appmesh_status am_lua_check_list_input(lua_State *L,
                                            int idx,
                                            struct appmesh_list_virtual_services_input *in,
                                            bool *proxied,
                                            struct appmesh_error *err);

/** Push a VirtualServiceRef as a fresh table with wire names; absent fields are absent keys. */
void am_lua_push_virtual_service_ref(lua_State *L, const struct appmesh_virtual_service_ref *ref);

/** Push a page: {virtualServices = {ref, ...}, nextToken = "..." (absent on the last page)}. */
void am_lua_push_virtual_service_list(lua_State *L,
                                      const struct appmesh_virtual_service_list *list);

/* ---- lvalue.c: Lua values <-> cJSON trees, guided by the model's shapes ---- */

struct cJSON;
struct am_shape;
struct am_op_input;

/**
 * Push a userdata that owns a cJSON tree (the GC frees it) and return its slot (NULL until a
 * tree is stored there): a tree being built or read stays freed if a push raises.
 */
struct cJSON **am_lua_push_json_box(lua_State *L);
/** Free the tree in the json box at idx now; the box stays, empty. */
void am_lua_json_box_clear(lua_State *L, int idx);

/**
 * Convert the Lua value at idx into a cJSON tree of shape s (an operation's input structure),
 * stored in *slot (the slot of a json box, which must be one: the tree's nodes and strings are
 * the box's memory, freed with it, so the tree is only borrowed, never stolen or given to
 * cJSON_Delete; cJSON_Duplicate makes a copy that is not); *slot is NULL on failure. Tables
 * are read as pairs reads them (__pairs honoured; a table without __pairs whose __index
 * supplies members is refused); structures by member name, lists as sequences 1..n. Errors:
 * VALIDATION with err->field (list positions from 1) for non-string, integer or unknown keys,
 * wrong types, NUL bytes, invalid UTF-8, non-integral or out-of-range integers; NOMEM. Value
 * rules (lengths, ranges, enums, required, unions) are the core's validation. May raise a
 * memory error, or what a __pairs or __index metamethod raises (holding no C memory).
 */
enum appmesh_status am_lua_to_json(lua_State *L,
                                   int idx,
                                   const struct am_shape *s,
                                   struct cJSON **slot,
                                   struct appmesh_error *err);

/**
 * Push the cJSON value v of shape s as fresh plain Lua values: structures as tables keyed by
 * member name (members the shape does not know skipped), lists as sequences, integers and
 * longs as integers (a cJSON_Raw's text exactly), timestamps as numbers. An absent or
 * mistyped structure is an empty table. v must be owned by something the GC frees (a box):
 * this may raise a memory error.
 */
void am_lua_push_json(lua_State *L, const struct cJSON *v, const struct am_shape *s);

/**
 * The table at idx as pairs reads it, for raw access: *view is idx itself, or (when it has a
 * __pairs metamethod) a plain copy made through __pairs, pushed. A table with __index and no
 * __pairs whose __index supplies a member of shape s (a structure; may be NULL) is refused
 * (VALIDATION at path). May raise what the metamethods raise.
 */
enum appmesh_status am_lua_table_view(lua_State *L,
                                      int idx,
                                      const char *path,
                                      const struct am_shape *s,
                                      int *view,
                                      struct appmesh_error *err);

/**
 * Push the per-state userdata kept in the registry under key (made on first use: may raise a
 * memory error) and its user value, the table {[i + 1] = string} of the n strings whose C
 * names are at first, first + stride bytes, ...; *table is that table's stack index. Returns
 * the strings' addresses (index i): Lua interns short strings, so a key equal to one of them is
 * that very string, found by address.
 */
const char *const *am_lua_push_strings(
    lua_State *L, const void *key, const char *const *first, size_t stride, size_t n, int *table);

/** Which of two bad keys (at a and b; b may be nil) to report: true when a goes first. */
bool am_lua_key_precedes(lua_State *L, int a, int b);
/** prefix + the key at k as a path component (".name", "[1]", "[\"\"]", ...) into out. */
void am_lua_key_path(lua_State *L, int k, const char *prefix, char *out, size_t outsize);

/* ---- lclient.c ---- */

/**
 * Register the appmesh.Client metatable (idempotent). A client userdata has one user
 * value: nil, or the weak-keyed set of the scheduler's batch userdatas made on it (lsched.c).
 */
void am_lua_client_open(lua_State *L);
/** appmesh.client([opts]): a client, or nil, err. */
int am_lua_client_new(lua_State *L);
/** appmesh.default_client(): the state's default client (built from the environment). */
int am_lua_default_client(lua_State *L);
/** appmesh.update_virtual_service(params [, opts]) on the default client. */
int am_lua_default_update_virtual_service(lua_State *L);
/** appmesh.describe_virtual_service(params) on the default client. */
int am_lua_default_describe_virtual_service(lua_State *L);
/** appmesh.list_virtual_services(params) on the default client. */
int am_lua_default_list_virtual_services(lua_State *L);
/**
 * Set in the module table on top: appmesh.<operation> for every operation (those not set
 * yet), appmesh.<iterator> for every paginated one, and paginate, on the default client.
 */
void am_lua_module_operations(lua_State *L);

/* ---- lshape.c: the service model read from Lua ---- */

/**
 * Set appmesh.operations, appmesh.skeleton, appmesh.model_operation and appmesh.model_shape
 * (the model's tables) in the table on top.
 */
void am_lua_module_shapes(lua_State *L);

struct am_operation;
/** The operation named by the string at arg (API or boto3 name); raises naming the nearest
 * ones when none is. */
const struct am_operation *am_lua_check_operation(lua_State *L, int arg);
/** The iterator's name of a paginated operation: its result key in snake case ("virtual_nodes"). */
bool am_lua_iterator_name(const struct am_operation *op, char *out, size_t outsize);

/* ---- lsched.c: the coroutine scheduler (appmesh.run, appmesh.pool, appmesh.map) ---- */

/** Register the appmesh.Pool and batch metatables and the task table (idempotent). */
void am_lua_sched_open(lua_State *L);
/** appmesh.run(fn, ...): fn's results, or fn's error raised again. */
int am_lua_run(lua_State *L);
/** appmesh.pool{concurrency =, rate =}: a new pool. */
int am_lua_pool_new(lua_State *L);
/** appmesh.map(list, fn [, opts]): results, errors. */
int am_lua_map(lua_State *L);

/**
 * When L is a pool task that may yield here: queue the call on the batch of the client
 * userdata at cidx in the task's pool (made on first use), note L as its waiter and set
 * *queued; the caller must then `return lua_yieldk(L, 0, ctx, k)` with the stack as it was.
 * Otherwise (not a task the pool runs, or not yieldable) *queued is false and the caller runs
 * the call blocking. in is the op's input struct, borrowed for this call. Leaves the stack as
 * it found it. Errors: what appmesh_batch_add_*() and appmesh_batch_new() return (VALIDATION,
 * NOMEM, TRANSPORT), INTERRUPTED when the host's flag is set (nothing is queued).
 */
enum appmesh_status am_lua_sched_add(lua_State *L,
                                     int cidx,
                                     enum appmesh_batch_op op,
                                     const void *in,
                                     bool *queued,
                                     struct appmesh_error *err);

/**
 * As am_lua_sched_add(), for a call of any operation (in: the generic input, borrowed for this
 * call; the batch copies what it needs). Errors: those of am_batch_add_value().
 */
enum appmesh_status am_lua_sched_add_value(
    lua_State *L, int cidx, const struct am_op_input *in, bool *queued, struct appmesh_error *err);

/**
 * The client userdata at idx is closing: destroy the C batches made on it (a batch must not
 * outlive its client). Tasks waiting on them are woken by their pool's next step and raise
 * "attempt to use a closed client".
 */
void am_lua_sched_client_closed(lua_State *L, int idx);

/**
 * The values a pool resumes a waiting call with start with this marker when the call's client
 * was closed while it waited; the call's continuation raises "attempt to use a closed client".
 */
bool am_lua_sched_is_closed_marker(lua_State *L, int idx);

/* ---- lfile.c ---- */

/** Push appmesh._os: the OS calls internal to the operator scripts (exclusive create, locks,
 * fdatasync, directory fsync, a SIGINT/SIGTERM trap, SHA-256). */
void am_lua_os_open(lua_State *L);

/* ---- lsign.c ---- */

/** appmesh.sign{...}: the headers SigV4 adds, or nil, err. */
int am_lua_sign(lua_State *L);

#endif
