/* SPDX-License-Identifier: MIT */
/* The coroutine scheduler: appmesh.run, appmesh.pool and appmesh.map over appmesh_batch. */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <sys/select.h>
#include <sys/time.h>

#include "appmesh/appmesh.h"
#include "appmesh_lua_internal.h"
#include "internal.h"
#include "lresult.h"
#include "lstate.h"
#include "opcall.h"

/*
 * How it works. A pool runs tasks: functions, each in its own coroutine, at most `concurrency`
 * at once. When a task calls a client method (update, describe, list, the paging iterator),
 * the call is validated, queued on that client's appmesh_batch in the pool (one batch per client
 * per pool, made on first use with the pool's concurrency and rate), and the task yields. The
 * pool's rounds start queued tasks, drive the batches (appmesh_batch_perform with a real wait:
 * one batch waits in curl_multi_poll; several share one select() over appmesh_batch_fdset) and
 * resume each waiting task with exactly what the blocking call would have returned. Outside a
 * pool task (the main thread, a plain coroutine, a C boundary that cannot yield) calls block.
 *
 * Everything lives in the lua_State: the pool is a userdata whose user values hold its tables,
 * a batch is a userdata holding the C batch (its user values: the client userdata and the
 * waiting tasks by call id), and the registry maps each task's thread to its pool (weak keys).
 *
 * Driving a pool from a host's own loop: spawn tasks, then call pool:step(timeout) whenever
 * convenient; each step starts what can start, waits at most `timeout` seconds (0: never
 * blocks) for the network or a retry timer, resumes the tasks whose calls finished, and returns
 * how many tasks are still alive (0: done). A host with its own event loop (poll, libuv, a GUI)
 * calls pool:step(0) from a timer every few milliseconds, or whenever its loop is idle:
 *
 *     local pool = appmesh.pool{ concurrency = 4 }
 *     for _, p in ipairs(updates) do
 *       pool:spawn(function() report(client:update_virtual_service(p)) end)
 *     end
 *     while pool:step(0.05) > 0 do host_do_other_work() end
 *
 * A host that set appmesh_lua_set_interrupt_flag() gets a step (or a wait) that stops waiting
 * within about 0.1 s of the flag being set: the calls in flight fail with code "Interrupted",
 * and so does any call made while the flag stays set, so the tasks run to their end quickly;
 * appmesh.map starts no further item (the results of those not started stay nil).
 * See examples/scheduler_host.lua.
 */

#define AM_LUA_POOL_MT      "appmesh.Pool"
#define AM_LUA_BATCH_MT     "appmesh.batch"
#define AM_LUA_WEAKK_KEY    "appmesh.weakk" /* registry: the metatable {__mode = "k"} */
#define DEFAULT_CONCURRENCY 16
#define MAX_CONCURRENCY     1024 /* as appmesh_batch_new takes */
#define MIN_RATE            0.01 /* requests per second: 1e-9 would never finish */
#define MAX_RATE            1000000.0
#define WAIT_SLICE          1.0 /* seconds a wait blocks at most before looking again */
#define INTERRUPT_SLICE     0.1 /* the same when the host has an interrupt flag */

/* The pool's user values (its tables). */
enum {
    UV_QUEUE = 1, /* tasks not started: array of threads, [q_head, q_tail) */
    UV_TASKS,     /* tasks started and not finished: {[thread] = true} */
    UV_READY,     /* tasks that yielded on their own, to resume next round: [r_head, r_tail) */
    UV_BATCHES,   /* {[client userdata] = batch userdata}, weak keys */
    UV_ERRORS,    /* what the tasks that raised raised, since the last wait */
    UV_RESULTS,   /* {[thread] = {n =, ...}} of finished tasks, when keep_results */
    UV_SCRATCH,   /* the batches a round drives, reused by every round */
    UV_COUNT = UV_SCRATCH,
};

struct pool {
    int concurrency;
    double rate;
    lua_Integer q_head, q_tail;
    lua_Integer r_head, r_tail;
    int queued;        /* spawned, not started */
    int running;       /* started, not finished */
    int waiting;       /* tasks waiting on a call */
    int failed;        /* tasks that raised since the last wait */
    int scratch_len;   /* entries in UV_SCRATCH */
    bool in_round;     /* a round is running (or one was cut short by an error) */
    bool call_yield;   /* set by a call just before its task yields */
    bool keep_results; /* appmesh.run: keep each finished task's results */
};

/* A client's batch in one pool. User values: 1 the client userdata, 2 {[call id] = thread}. */
struct lbatch {
    struct appmesh_batch *b; /* NULL once destroyed (client closed, or the batch failed) */
    int waiting;             /* tasks waiting on it */
    /*
     * Each queued call has a small slot number, its key in the waiters table (user value 2),
     * given back when its waiter is taken: the free ones are a stack in user value 3. Keys
     * reused from 1 up keep that table a dense array; keying it by the ever-growing call id
     * made Lua rehash it every few calls (~4k instructions a call).
     */
    lua_Integer slots;      /* slot numbers handed out so far */
    lua_Integer free_slots; /* entries on the free stack */
    enum appmesh_status failed;
    struct appmesh_error fail_err; /* why the batch failed (perform's error) */
};

/* The marker a waiting call is resumed with when its client was closed: its address is a
 * unique light userdata (constant, never written). */
static const char closed_marker = 'c';

bool am_lua_sched_is_closed_marker(lua_State *L, int idx)
{
    return lua_type(L, idx) == LUA_TLIGHTUSERDATA &&
           lua_touserdata(L, idx) == (void *)&closed_marker;
}

/* ---- small helpers ---- */

/* The batch metatable's light userdata key in the registry (am_lua_toudata). */
static const char batch_mt_key = 'b';

static struct pool *check_pool(lua_State *L, int idx)
{
    return luaL_checkudata(L, idx, AM_LUA_POOL_MT);
}

/* Push a new table with weak keys. */
static void new_weak_table(lua_State *L)
{
    lua_newtable(L);                                            /* t */
    if (luaL_getmetatable(L, AM_LUA_WEAKK_KEY) != LUA_TTABLE) { /* t, mt */
        lua_pop(L, 1);
        lua_createtable(L, 0, 1);
        lua_pushliteral(L, "k");
        lua_setfield(L, -2, "__mode");
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_REGISTRYINDEX, AM_LUA_WEAKK_KEY);
    }
    lua_setmetatable(L, -2); /* t */
}

/* The registry's key of {[thread] = pool} (weak keys), looked up on every call. */
static const char tasks_key = 't';

/* Push the registry's {[thread] = pool} table. */
static void push_task_map(lua_State *L)
{
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &tasks_key) != LUA_TTABLE) {
        lua_pop(L, 1);
        new_weak_table(L);
        lua_pushvalue(L, -1);
        lua_rawsetp(L, LUA_REGISTRYINDEX, &tasks_key);
    }
}

/* Push the pool userdata L's running thread is a task of, or nil; returns it or NULL. */
static struct pool *push_current_pool(lua_State *L)
{
    push_task_map(L);  /* map */
    lua_pushthread(L); /* map, thread */
    lua_rawget(L, -2); /* map, pool | nil */
    lua_remove(L, -2); /* pool | nil */
    return lua_type(L, -1) == LUA_TUSERDATA ? lua_touserdata(L, -1) : NULL;
}

/* Raise when the running thread is one of the pool's own tasks: it would wait for itself. */
static void check_not_own_task(lua_State *L, int pidx)
{
    push_current_pool(L);
    if (lua_rawequal(L, -1, pidx)) {
        luaL_error(L, "cannot step or wait a pool from one of its own tasks");
    }
    lua_pop(L, 1);
}

/* Append the value on top to the array at t (a fresh index after its length); pops it. */
static void append(lua_State *L, int t)
{
    lua_rawseti(L, t, (lua_Integer)lua_rawlen(L, t) + 1);
}

static void close_thread(lua_State *co, lua_State *L)
{
#if LUA_VERSION_RELEASE_NUM >= 50406
    lua_closethread(co, L);
#else
    (void)L;
    lua_resetthread(co);
#endif
}

/* ---- batches ---- */

static int batch_gc(lua_State *L)
{
    struct lbatch *lb = luaL_checkudata(L, 1, AM_LUA_BATCH_MT);
    appmesh_batch_destroy(lb->b);
    lb->b = NULL;
    return 0;
}

void am_lua_sched_client_closed(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    if (lua_getiuservalue(L, idx, 1) == LUA_TTABLE) { /* set */
        lua_pushnil(L);
        while (lua_next(L, -2) != 0) { /* set, batch, true */
            struct lbatch *lb = luaL_testudata(L, -2, AM_LUA_BATCH_MT);
            lua_pop(L, 1); /* set, batch */
            if (lb != NULL && lb->b != NULL) {
                appmesh_batch_destroy(lb->b);
                lb->b = NULL;
            }
        }
    }
    lua_pop(L, 1); /* -- */
}

/* Push a new batch userdata for the client at cidx in the pool at pidx and register it with
 * both; returns it, or NULL with err set (the userdata is pushed either way). */
static struct lbatch *new_batch(lua_State *L, int pidx, int cidx, struct appmesh_error *err)
{
    struct pool *P = lua_touserdata(L, pidx);
    struct appmesh_client **pc = lua_touserdata(L, cidx);
    struct appmesh_batch_options opts;
    struct lbatch *lb = lua_newuserdatauv(L, sizeof(*lb), 3); /* lb */

    memset(lb, 0, sizeof(*lb));
    luaL_setmetatable(L, AM_LUA_BATCH_MT); /* before the C batch exists, so the GC frees it */
    memset(&opts, 0, sizeof(opts));
    opts.concurrency = P->concurrency;
    opts.rate = P->rate;
    if (appmesh_batch_new(*pc, &opts, &lb->b, err) != APPMESH_OK) {
        lb->b = NULL;
        return NULL;
    }
    lua_pushvalue(L, cidx);
    lua_setiuservalue(L, -2, 1); /* keeps the client alive as long as its batch */
    lua_newtable(L);
    lua_setiuservalue(L, -2, 2); /* waiters by slot */
    lua_newtable(L);
    lua_setiuservalue(L, -2, 3); /* free slots */
    /* the client's set of batches, so that closing it destroys them first */
    if (lua_getiuservalue(L, cidx, 1) != LUA_TTABLE) { /* lb, set | nil */
        lua_pop(L, 1);
        new_weak_table(L);
        lua_pushvalue(L, -1);
        lua_setiuservalue(L, cidx, 1);
    }
    lua_pushvalue(L, -2);                   /* lb, set, lb */
    lua_pushboolean(L, 1);                  /* lb, set, lb, true */
    lua_rawset(L, -3);                      /* lb, set */
    lua_pop(L, 1);                          /* lb */
    lua_getiuservalue(L, pidx, UV_BATCHES); /* lb, batches */
    lua_pushvalue(L, cidx);                 /* lb, batches, client */
    lua_pushvalue(L, -3);                   /* lb, batches, client, lb */
    lua_rawset(L, -3);                      /* lb, batches */
    lua_pop(L, 1);                          /* lb */
    return lb;
}

/* am_lua_sched_add() and am_lua_sched_add_value(): a typed call (in) or a generic one (value). */
static enum appmesh_status sched_add(lua_State *L,
                                     int cidx,
                                     enum appmesh_batch_op op,
                                     const void *in,
                                     const struct am_op_input *value,
                                     bool *queued,
                                     struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_OK;
    int top = lua_gettop(L);
    int pidx = top + 1;
    struct pool *P = NULL;
    struct lbatch *lb = NULL;
    lua_Integer slot = 0;
    void *user = NULL;

    *queued = false;
    cidx = lua_absindex(L, cidx);
    if (!lua_isyieldable(L)) {
        return APPMESH_OK;
    }
    luaL_checkstack(L, 8, "appmesh: scheduler");
    P = push_current_pool(L); /* pool | nil */
    if (P == NULL) {
        goto cleanup;
    }
    if (am_lua_interrupted(am_lua_state(L))) {
        st = am_fail(err, APPMESH_ERR_INTERRUPTED, "interrupted");
        goto cleanup;
    }
    lua_getiuservalue(L, pidx, UV_BATCHES); /* pool, batches */
    lua_pushvalue(L, cidx);
    lua_rawget(L, -2); /* pool, batches, lb | nil */
    lb = am_lua_toudata(L, -1, &batch_mt_key);
    if (lb == NULL || lb->b == NULL) {
        lua_pop(L, 1);
        lb = new_batch(L, pidx, cidx, err); /* pool, batches, lb */
        if (lb == NULL) {
            st = err != NULL && err->status != APPMESH_OK ? err->status : APPMESH_ERR_NOMEM;
            goto cleanup;
        }
    }
    /* the call's slot: the top of the free stack, else a new one (taken once queued) */
    if (lb->free_slots > 0) {
        lua_getiuservalue(L, -1, 3);        /* pool, batches, lb, free */
        lua_rawgeti(L, -1, lb->free_slots); /* pool, batches, lb, free, slot */
        slot = lua_tointeger(L, -1);
        lua_pop(L, 2); /* pool, batches, lb */
    } else {
        slot = lb->slots + 1;
    }
    user = (void *)(uintptr_t)slot;
    if (value != NULL) {
        st = am_batch_add_value(lb->b, value, user, NULL, err);
    } else {
        switch (op) {
            case APPMESH_BATCH_UPDATE:
                st = appmesh_batch_add_update(lb->b, in, user, NULL, err);
                break;
            case APPMESH_BATCH_DESCRIBE:
                st = appmesh_batch_add_describe(lb->b, in, user, NULL, err);
                break;
            case APPMESH_BATCH_LIST:
                st = appmesh_batch_add_list(lb->b, in, user, NULL, err);
                break;
        }
    }
    if (st != APPMESH_OK) {
        goto cleanup;
    }
    if (slot == lb->slots + 1) {
        lb->slots = slot;
    } else {
        lua_getiuservalue(L, -1, 3); /* pool, batches, lb, free */
        lua_pushnil(L);
        lua_rawseti(L, -2, lb->free_slots--);
        lua_pop(L, 1); /* pool, batches, lb */
    }
    lua_getiuservalue(L, -1, 2); /* pool, batches, lb, waiters */
    lua_pushthread(L);           /* pool, batches, lb, waiters, thread */
    lua_rawseti(L, -2, slot);
    lb->waiting++;
    P->waiting++;
    P->call_yield = true;
    *queued = true;
cleanup:
    lua_settop(L, top);
    return st;
}

enum appmesh_status am_lua_sched_add(lua_State *L,
                                     int cidx,
                                     enum appmesh_batch_op op,
                                     const void *in,
                                     bool *queued,
                                     struct appmesh_error *err)
{
    return sched_add(L, cidx, op, in, NULL, queued, err);
}

enum appmesh_status am_lua_sched_add_value(
    lua_State *L, int cidx, const struct am_op_input *in, bool *queued, struct appmesh_error *err)
{
    return sched_add(L, cidx, APPMESH_BATCH_UPDATE, NULL, in, queued, err);
}

/* ---- tasks ---- */

/* The task at coidx (a thread on L's stack) has finished with status (nres values on top). */
static void finish_task(lua_State *L, int pidx, struct pool *P, int coidx, int status, int nres)
{
    lua_State *co = lua_tothread(L, coidx);

    if (status == LUA_OK) {
        if (P->keep_results) {
            int i = 0;
            luaL_checkstack(L, nres + 3, "appmesh: too many results");
            lua_getiuservalue(L, pidx, UV_RESULTS); /* results */
            lua_createtable(L, nres, 1);            /* results, packed */
            lua_xmove(co, L, nres);                 /* results, packed, v1..vn */
            for (i = nres; i >= 1; i--) {
                lua_rawseti(L, -1 - i, i);
            }
            lua_pushinteger(L, nres);
            lua_setfield(L, -2, "n");
            lua_pushvalue(L, coidx);
            lua_insert(L, -2); /* results, thread, packed */
            lua_rawset(L, -3); /* results */
            lua_pop(L, 1);
        }
    } else {
        P->failed++;
        lua_getiuservalue(L, pidx, UV_ERRORS); /* errors */
        lua_pushvalue(co, -1);                 /* the error, kept for to-be-closed variables */
        lua_xmove(co, L, 1);                   /* errors, err */
        append(L, lua_gettop(L) - 1);          /* errors */
        lua_pop(L, 1);
        close_thread(co, L);
    }
    lua_settop(co, 0);
    lua_getiuservalue(L, pidx, UV_TASKS); /* tasks */
    lua_pushvalue(L, coidx);
    lua_pushnil(L);
    lua_rawset(L, -3);
    lua_pop(L, 1);
    push_task_map(L); /* map */
    lua_pushvalue(L, coidx);
    lua_pushnil(L);
    lua_rawset(L, -3);
    lua_pop(L, 1);
    P->running--;
}

/* Resume the task at coidx with the nargs values on top of its own stack. */
static void resume_task(lua_State *L, int pidx, struct pool *P, int coidx, int nargs)
{
    lua_State *co = lua_tothread(L, coidx);
    int nres = 0;
    int status = 0;

    P->call_yield = false;
    status = lua_resume(co, L, nargs, &nres);
    if (status == LUA_YIELD) {
        lua_pop(co, nres);
        if (!P->call_yield) {
            /* it yielded on its own (coroutine.yield): run it again next round */
            lua_getiuservalue(L, pidx, UV_READY);
            lua_pushvalue(L, coidx);
            lua_rawseti(L, -2, P->r_tail++);
            lua_pop(L, 1);
        }
        P->call_yield = false;
        return;
    }
    finish_task(L, pidx, P, coidx, status, nres);
}

/* Start queued tasks while there is room. */
static void start_tasks(lua_State *L, int pidx, struct pool *P)
{
    while (P->queued > 0 && P->running < P->concurrency) {
        lua_State *co = NULL;
        int coidx = 0;
        lua_getiuservalue(L, pidx, UV_QUEUE); /* queue */
        lua_rawgeti(L, -1, P->q_head);        /* queue, thread */
        lua_pushnil(L);
        lua_rawseti(L, -3, P->q_head);
        lua_remove(L, -2); /* thread */
        P->q_head++;
        P->queued--;
        coidx = lua_gettop(L);
        co = lua_tothread(L, coidx);
        lua_getiuservalue(L, pidx, UV_TASKS); /* thread, tasks */
        lua_pushvalue(L, coidx);
        lua_pushboolean(L, 1);
        lua_rawset(L, -3);
        lua_pop(L, 1); /* thread */
        P->running++;
        resume_task(L, pidx, P, coidx, lua_gettop(co) - 1);
        lua_settop(L, coidx - 1);
    }
}

/* Resume the tasks that yielded on their own before this round. */
static void resume_ready(lua_State *L, int pidx, struct pool *P)
{
    lua_Integer end = P->r_tail;

    while (P->r_head < end) {
        int coidx = 0;
        lua_getiuservalue(L, pidx, UV_READY); /* ready */
        lua_rawgeti(L, -1, P->r_head);        /* ready, thread */
        lua_pushnil(L);
        lua_rawseti(L, -3, P->r_head);
        lua_remove(L, -2); /* thread */
        P->r_head++;
        coidx = lua_gettop(L);
        resume_task(L, pidx, P, coidx, 0);
        lua_settop(L, coidx - 1);
    }
}

/* Queue fn (at first) with the n - 1 values after it as a new task; pushes its thread. */
static void spawn(lua_State *L, int pidx, int first, int n)
{
    struct pool *P = lua_touserdata(L, pidx);
    lua_State *co = NULL;
    int i = 0;

    luaL_checkstack(L, n + 4, "appmesh: too many arguments");
    co = lua_newthread(L); /* thread */
    for (i = 0; i < n; i++) {
        lua_pushvalue(L, first + i);
    }
    lua_xmove(L, co, n); /* thread */
    push_task_map(L);    /* thread, map */
    lua_pushvalue(L, -2);
    lua_pushvalue(L, pidx);
    lua_rawset(L, -3);
    lua_pop(L, 1);                        /* thread */
    lua_getiuservalue(L, pidx, UV_QUEUE); /* thread, queue */
    lua_pushvalue(L, -2);
    lua_rawseti(L, -2, P->q_tail++);
    lua_pop(L, 1); /* thread */
    P->queued++;
}

/* ---- driving the batches ---- */

/* Push an array of the pool's batch userdatas that have work or waiters; returns how many.
 * Batches with neither are forgotten once destroyed. The array is the pool's scratch table,
 * or a new one when another round is running (a finalizer stepping the pool in the middle of a
 * round) or was cut short by an error. */
static int list_batches(lua_State *L, int pidx, struct pool *P, bool fresh)
{
    int n = 0;
    int arr = 0;
    int i = 0;

    if (fresh) {
        lua_newtable(L); /* arr */
    } else {
        lua_getiuservalue(L, pidx, UV_SCRATCH); /* arr */
    }
    arr = lua_gettop(L);
    lua_getiuservalue(L, pidx, UV_BATCHES); /* arr, batches */
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) { /* arr, batches, client, lb */
        struct lbatch *lb = lua_touserdata(L, -1);
        if (lb->b == NULL && lb->waiting == 0) {
            lua_pop(L, 1);
            lua_pushvalue(L, -1);
            lua_pushnil(L);
            lua_rawset(L, -4); /* clearing a field during traversal is allowed */
            continue;
        }
        if (lb->waiting > 0 || (lb->b != NULL && appmesh_batch_pending(lb->b) > 0)) {
            lua_rawseti(L, arr, ++n); /* arr, batches, client */
        } else {
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1); /* arr */
    if (!fresh) {
        for (i = n + 1; i <= P->scratch_len; i++) {
            lua_pushnil(L);
            lua_rawseti(L, arr, i);
        }
        P->scratch_len = n;
    }
    return n;
}

static void batch_failed(struct lbatch *lb, enum appmesh_status st, const struct appmesh_error *e)
{
    lb->failed = st;
    lb->fail_err = *e;
    if (lb->fail_err.status == APPMESH_OK) {
        lb->fail_err.status = st;
    }
}

/* Wait up to `wait` seconds for any of the n batches in the array at arr, then let each make
 * progress. One batch waits inside appmesh_batch_perform; several share one select(). */
static void drive(lua_State *L, int arr, int n, double wait)
{
    fd_set r;
    fd_set w;
    fd_set x;
    int max_fd = -1;
    int i = 0;
    int live = 0;
    struct lbatch *only = NULL;

    for (i = 1; i <= n; i++) {
        struct lbatch *lb = NULL;
        lua_rawgeti(L, arr, i);
        lb = lua_touserdata(L, -1);
        lua_pop(L, 1);
        if (lb->b != NULL && lb->failed == APPMESH_OK && appmesh_batch_pending(lb->b) > 0) {
            only = lb;
            live++;
        }
    }
    if (live == 0) {
        return;
    }
    if (live == 1) {
        struct appmesh_error err = {0};
        enum appmesh_status st = appmesh_batch_perform(only->b, wait, &err);
        if (st != APPMESH_OK) {
            batch_failed(only, st, &err);
        }
        return;
    }
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_ZERO(&x);
    for (i = 1; i <= n && wait > 0; i++) {
        struct lbatch *lb = NULL;
        struct appmesh_error err = {0};
        double t = -1;
        int fd = -1;
        lua_rawgeti(L, arr, i);
        lb = lua_touserdata(L, -1);
        lua_pop(L, 1);
        if (lb->b == NULL || lb->failed != APPMESH_OK || appmesh_batch_pending(lb->b) == 0) {
            continue;
        }
        if (appmesh_batch_fdset(lb->b, &r, &w, &x, &fd, &t, &err) != APPMESH_OK) {
            wait = 0; /* perform reports the problem below */
        }
        max_fd = fd > max_fd ? fd : max_fd;
        if (t >= 0 && t < wait) {
            wait = t;
        }
    }
    if (wait > 0) {
        struct timeval tv;
        tv.tv_sec = (time_t)wait;
        tv.tv_usec = (suseconds_t)((wait - (double)tv.tv_sec) * 1e6);
        /* An error (EINTR) needs nothing done: each perform below looks at its sockets. */
        (void)select(max_fd + 1, &r, &w, &x, &tv);
    }
    for (i = 1; i <= n; i++) {
        struct lbatch *lb = NULL;
        struct appmesh_error err = {0};
        enum appmesh_status st = APPMESH_OK;
        lua_rawgeti(L, arr, i);
        lb = lua_touserdata(L, -1);
        lua_pop(L, 1);
        if (lb->b == NULL || lb->failed != APPMESH_OK) {
            continue;
        }
        st = appmesh_batch_perform(lb->b, 0, &err);
        if (st != APPMESH_OK) {
            batch_failed(lb, st, &err);
        }
    }
}

/* Take the waiter of the call in slot off the batch at bidx, freeing the slot: pushes its
 * thread (nil if none). */
static void take_waiter(lua_State *L, int pidx, int bidx, lua_Integer slot)
{
    struct pool *P = lua_touserdata(L, pidx);
    struct lbatch *lb = lua_touserdata(L, bidx);

    lua_getiuservalue(L, bidx, 2); /* waiters */
    lua_rawgeti(L, -1, slot);      /* waiters, thread | nil */
    lua_pushnil(L);
    lua_rawseti(L, -3, slot);
    lua_remove(L, -2); /* thread | nil */
    if (lua_type(L, -1) == LUA_TTHREAD) {
        lb->waiting--;
        P->waiting--;
        lua_getiuservalue(L, bidx, 3); /* thread, free */
        lua_pushinteger(L, slot);
        lua_rawseti(L, -2, ++lb->free_slots);
        lua_pop(L, 1); /* thread */
    }
}

/* Resume the thread on top (popped) with the nvals values below it (popped too). */
static void wake(lua_State *L, int pidx, int nvals)
{
    struct pool *P = lua_touserdata(L, pidx);
    int coidx = lua_gettop(L);
    lua_State *co = lua_tothread(L, coidx);

    if (co == NULL || lua_status(co) != LUA_YIELD) {
        lua_settop(L, coidx - nvals - 1); /* not waiting here any more (resumed elsewhere) */
        return;
    }
    lua_insert(L, coidx - nvals); /* thread, v1..vn */
    coidx -= nvals;
    luaL_checkstack(co, nvals + 1, "appmesh: scheduler");
    lua_xmove(L, co, nvals); /* thread */
    resume_task(L, pidx, P, coidx, nvals);
    lua_settop(L, coidx - 1);
}

/* Wake every task still waiting on the batch at bidx with the values make() pushes. */
static void
wake_all(lua_State *L, int pidx, int bidx, int (*make)(lua_State *L, void *ud), void *ud)
{
    int list = 0;
    lua_Integer i = 0;
    lua_Integer n = 0;

    lua_newtable(L); /* list: the waiters' slots, collected first (waking runs Lua code) */
    list = lua_gettop(L);
    lua_getiuservalue(L, bidx, 2); /* list, waiters */
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) { /* list, waiters, slot, thread */
        lua_pop(L, 1);
        lua_pushvalue(L, -1);
        lua_rawseti(L, list, ++n); /* list, waiters, slot */
    }
    lua_pop(L, 1); /* list */
    for (i = 1; i <= n; i++) {
        int nvals = 0;
        lua_Integer slot = 0;
        lua_rawgeti(L, list, i); /* list, slot */
        slot = lua_tointeger(L, -1);
        lua_pop(L, 1);
        nvals = make(L, ud);              /* list, v1..vn */
        take_waiter(L, pidx, bidx, slot); /* list, v1..vn, thread */
        wake(L, pidx, nvals);             /* list */
    }
    lua_pop(L, 1);
}

static int make_closed(lua_State *L, void *ud)
{
    (void)ud;
    lua_pushlightuserdata(L, (void *)&closed_marker);
    return 1;
}

static int make_failed(lua_State *L, void *ud)
{
    return am_lua_push_error(L, ud);
}

/* Hand each finished call's results to its task; wake the waiters of dead batches. */
static void deliver(lua_State *L, int pidx, int arr, int n)
{
    int i = 0;

    for (i = 1; i <= n; i++) {
        int bidx = 0;
        struct lbatch *lb = NULL;
        lua_rawgeti(L, arr, i); /* lb */
        bidx = lua_gettop(L);
        lb = lua_touserdata(L, bidx);
        for (;;) {
            struct appmesh_batch_result *r = NULL;
            lua_Integer slot = 0;
            if (lb->b == NULL) {
                break;
            }
            r = am_lua_push_result_box(L); /* lb, box */
            if (!appmesh_batch_take(lb->b, r)) {
                am_lua_pop_result_box(L); /* lb */
                break;
            }
            slot = (lua_Integer)(uintptr_t)r->user;
            am_lua_push_result(L, -1);        /* lb, v1, v2 */
            take_waiter(L, pidx, bidx, slot); /* lb, v1, v2, thread */
            wake(L, pidx, 2);                 /* lb */
        }
        if (lb->failed != APPMESH_OK) {
            /* The batch cannot go on (interrupted, or its multi handle failed): its calls fail
             * with that error, and a new batch is made for the next call on the client. */
            struct appmesh_error err = lb->fail_err;
            appmesh_batch_destroy(lb->b);
            lb->b = NULL;
            lb->failed = APPMESH_OK;
            wake_all(L, pidx, bidx, make_failed, &err);
        } else if (lb->b == NULL && lb->waiting > 0) {
            wake_all(L, pidx, bidx, make_closed, NULL); /* the client was closed */
        }
        lua_pop(L, 1); /* -- */
    }
}

/* One round: start what can start, resume what yielded on its own, wait up to max_wait for
 * calls (not at all when a task is ready to run), and resume the tasks whose calls finished. */
static void pool_round(lua_State *L, int pidx, struct pool *P, double max_wait)
{
    int top = lua_gettop(L);
    int arr = 0;
    int n = 0;
    bool was_in_round = false;

    luaL_checkstack(L, 20, "appmesh: scheduler");
    start_tasks(L, pidx, P);
    resume_ready(L, pidx, P);
    start_tasks(L, pidx, P);
    if (P->r_head < P->r_tail || (P->queued > 0 && P->running < P->concurrency)) {
        max_wait = 0;
    }
    if (am_lua_state(L)->interrupt_flag != NULL && max_wait > INTERRUPT_SLICE) {
        max_wait = INTERRUPT_SLICE;
    }
    was_in_round = P->in_round;
    n = list_batches(L, pidx, P, was_in_round); /* arr */
    arr = lua_gettop(L);
    P->in_round = true;
    drive(L, arr, n, max_wait);
    deliver(L, pidx, arr, n);
    P->in_round = was_in_round;
    lua_settop(L, top);
}

/* Run rounds until every task has finished. */
static void pool_drain(lua_State *L, int pidx, struct pool *P)
{
    while (P->queued + P->running > 0) {
        pool_round(L, pidx, P, WAIT_SLICE);
        if (P->running > 0 && P->waiting == 0 && P->r_head == P->r_tail &&
            (P->queued == 0 || P->running >= P->concurrency)) {
            luaL_error(L,
                       "appmesh.Pool: %d task(s) suspended outside the pool's control "
                       "(resumed by other code)",
                       P->running);
        }
    }
}

/* ---- the pool object ---- */

/* Read {concurrency =, rate =} (and on_result when allow_on_result) from the table at idx. */
static void check_pool_options(lua_State *L, int idx, struct pool *P, bool allow_on_result)
{
    P->concurrency = DEFAULT_CONCURRENCY;
    P->rate = 0;
    if (lua_isnoneornil(L, idx)) {
        return;
    }
    luaL_checktype(L, idx, LUA_TTABLE);
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) { /* key, value */
        const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
        if (key == NULL) {
            luaL_argerror(L, idx, "option names must be strings");
        }
        if (strcmp(key, "concurrency") == 0) {
            int isint = 0;
            lua_Integer c = lua_tointegerx(L, -1, &isint);
            if (lua_type(L, -1) != LUA_TNUMBER || !isint || c < 1 || c > MAX_CONCURRENCY) {
                luaL_argerror(L, idx,
                              lua_pushfstring(L, "option 'concurrency' must be an integer 1 to %d",
                                              MAX_CONCURRENCY));
            }
            P->concurrency = (int)c;
        } else if (strcmp(key, "rate") == 0) {
            double r = (double)lua_tonumber(L, -1);
            if (lua_type(L, -1) != LUA_TNUMBER || !(r >= MIN_RATE && r <= MAX_RATE)) {
                luaL_argerror(L, idx,
                              "option 'rate' must be a number of requests per second from 0.01 "
                              "to 1000000");
            }
            P->rate = r;
        } else if (allow_on_result && strcmp(key, "on_result") == 0) {
            if (lua_type(L, -1) != LUA_TFUNCTION) {
                luaL_argerror(L, idx, "option 'on_result' must be a function");
            }
        } else {
            luaL_argerror(L, idx, lua_pushfstring(L, "unknown option '%s'", key));
        }
        lua_pop(L, 1);
    }
}

/* Push a new pool with the options at idx. */
static struct pool *push_pool(lua_State *L, int idx, bool allow_on_result)
{
    struct pool *P = lua_newuserdatauv(L, sizeof(*P), UV_COUNT); /* pool */
    int i = 0;

    memset(P, 0, sizeof(*P));
    P->q_head = P->q_tail = 1;
    P->r_head = P->r_tail = 1;
    for (i = 1; i <= UV_COUNT; i++) {
        if (i == UV_BATCHES) {
            new_weak_table(L);
        } else {
            lua_newtable(L);
        }
        lua_setiuservalue(L, -2, i);
    }
    luaL_setmetatable(L, AM_LUA_POOL_MT);
    if (idx != 0) {
        check_pool_options(L, idx, P, allow_on_result);
    } else {
        P->concurrency = DEFAULT_CONCURRENCY;
    }
    return P;
}

int am_lua_pool_new(lua_State *L)
{
    if (!lua_isnoneornil(L, 1)) {
        luaL_checktype(L, 1, LUA_TTABLE);
    }
    lua_settop(L, 1);
    push_pool(L, 1, false);
    return 1;
}

/* pool:spawn(fn, ...) */
static int pool_spawn(lua_State *L)
{
    check_pool(L, 1);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    spawn(L, 1, 2, lua_gettop(L) - 1);
    return 0;
}

/* pool:wait(): run every task to its end; returns how many raised, and what they raised. */
static int pool_wait(lua_State *L)
{
    struct pool *P = check_pool(L, 1);

    lua_settop(L, 1);
    check_not_own_task(L, 1);
    pool_drain(L, 1, P);
    lua_pushinteger(L, P->failed);
    lua_getiuservalue(L, 1, UV_ERRORS);
    lua_newtable(L);
    lua_setiuservalue(L, 1, UV_ERRORS);
    P->failed = 0;
    return 2;
}

/* pool:step([timeout]): one round; returns the tasks still alive. */
static int pool_step(lua_State *L)
{
    struct pool *P = check_pool(L, 1);
    double timeout = (double)luaL_optnumber(L, 2, 0);

    luaL_argcheck(L, timeout >= 0 && !isnan(timeout), 2, "timeout must be >= 0 seconds");
    lua_settop(L, 1);
    check_not_own_task(L, 1);
    pool_round(L, 1, P, timeout);
    lua_pushinteger(L, P->queued + P->running);
    return 1;
}

/* pool:pending(): tasks not finished (queued or running). */
static int pool_pending(lua_State *L)
{
    struct pool *P = check_pool(L, 1);
    lua_pushinteger(L, P->queued + P->running);
    return 1;
}

static int pool_tostring(lua_State *L)
{
    struct pool *P = check_pool(L, 1);
    lua_pushfstring(L, "appmesh.Pool (concurrency %d, %d pending)", P->concurrency,
                    P->queued + P->running);
    return 1;
}

/* ---- appmesh.run ---- */

int am_lua_run(lua_State *L)
{
    struct pool *P = NULL;
    int n = lua_gettop(L);
    int pidx = 0;
    int coidx = 0;
    int i = 0;
    lua_Integer nres = 0;

    luaL_checktype(L, 1, LUA_TFUNCTION);
    P = push_pool(L, 0, false); /* args, pool */
    pidx = lua_gettop(L);
    P->keep_results = true;
    spawn(L, pidx, 1, n); /* args, pool, thread */
    coidx = lua_gettop(L);
    pool_drain(L, pidx, P);
    if (P->failed > 0) {
        lua_getiuservalue(L, pidx, UV_ERRORS);
        lua_rawgeti(L, -1, 1);
        return lua_error(L); /* fn's own error, as a plain call would raise it */
    }
    lua_getiuservalue(L, pidx, UV_RESULTS); /* ..., results */
    lua_pushvalue(L, coidx);
    lua_rawget(L, -2); /* ..., results, packed */
    lua_getfield(L, -1, "n");
    nres = lua_tointeger(L, -1);
    lua_pop(L, 1);
    luaL_checkstack(L, (int)nres, "appmesh.run: too many results");
    for (i = 1; i <= (int)nres; i++) {
        lua_rawgeti(L, -i, i);
    }
    return (int)nres;
}

/* ---- appmesh.map ---- */

/*
 * map runs min(concurrency, #list) worker tasks that take the next item until none is left:
 * no coroutine per item. Upvalues of the worker (one closure, shared): 1 fn, 2 results,
 * 3 errors, 4 on_result (or nil), 5 the list, 6 its length, 7 the next index.
 */
#define MAP_FN      lua_upvalueindex(1)
#define MAP_RESULTS lua_upvalueindex(2)
#define MAP_ERRORS  lua_upvalueindex(3)
#define MAP_ON      lua_upvalueindex(4)
#define MAP_LIST    lua_upvalueindex(5)
#define MAP_LEN     lua_upvalueindex(6)
#define MAP_NEXT    lua_upvalueindex(7)

static int map_worker(lua_State *L);

/* on_result returned (possibly after yielding): on to the next item. */
static int map_on_result_done(lua_State *L, int status, lua_KContext ctx)
{
    (void)status;
    (void)ctx;
    lua_settop(L, 0);
    return map_worker(L);
}

/* fn(item, i) returned (stack: i, values...) or raised (stack: i, err): record it, then call
 * on_result(i, values... | nil, err) in this task (it may call clients too). Returns whether
 * on_result is to be called (the call is then set up on the stack with n arguments). */
static bool map_record(lua_State *L, int status, int *nargs)
{
    lua_Integer i = lua_tointeger(L, 1);

    if (status != LUA_OK && status != LUA_YIELD) {
        lua_settop(L, 2);
        lua_pushvalue(L, 2);
        lua_rawseti(L, MAP_ERRORS, i); /* errors[i] = err */
        lua_pushnil(L);
        lua_insert(L, 2); /* i, nil, err */
    } else if (lua_gettop(L) >= 2) {
        lua_pushvalue(L, 2);
        lua_rawseti(L, MAP_RESULTS, i); /* results[i] = the first value */
    }
    if (lua_isnil(L, MAP_ON)) {
        return false;
    }
    *nargs = lua_gettop(L);
    lua_pushvalue(L, MAP_ON);
    lua_insert(L, 1); /* on_result, i, values... */
    return true;
}

/* fn yielded and has now returned or raised. */
static int map_fn_done(lua_State *L, int status, lua_KContext ctx)
{
    int nargs = 0;
    (void)ctx;
    if (map_record(L, status, &nargs)) {
        lua_callk(L, nargs, 0, 0, map_on_result_done);
    }
    lua_settop(L, 0);
    return map_worker(L);
}

static int map_worker(lua_State *L)
{
    for (;;) {
        lua_Integer i = lua_tointeger(L, MAP_NEXT);
        int nargs = 0;
        int status = LUA_OK;
        /* interrupted: what has not started is cancelled (its result stays nil) */
        if (i > lua_tointeger(L, MAP_LEN) || am_lua_interrupted(am_lua_state(L))) {
            return 0;
        }
        lua_pushinteger(L, i + 1);
        lua_replace(L, MAP_NEXT);
        lua_settop(L, 0);
        lua_pushinteger(L, i);    /* i */
        lua_pushvalue(L, MAP_FN); /* i, fn */
        lua_geti(L, MAP_LIST, i); /* i, fn, item */
        lua_pushinteger(L, i);    /* i, fn, item, i */
        status = lua_pcallk(L, 2, LUA_MULTRET, 0, 0, map_fn_done);
        if (map_record(L, status, &nargs)) {
            lua_callk(L, nargs, 0, 0, map_on_result_done);
        }
    }
}

int am_lua_map(lua_State *L)
{
    struct pool *P = NULL;
    lua_Integer len = 0;
    lua_Integer i = 0;
    lua_Integer workers = 0;
    int pidx = 0;
    int worker = 0;

    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    if (!lua_isnoneornil(L, 3)) {
        luaL_checktype(L, 3, LUA_TTABLE);
    }
    lua_settop(L, 3);
    len = luaL_len(L, 1);
    P = push_pool(L, 3, true); /* list, fn, opts, pool */
    pidx = lua_gettop(L);
    lua_createtable(L, len > 0 && len < INT32_MAX ? (int)len : 0, 1); /* ..., results */
    lua_pushinteger(L, len);
    lua_setfield(L, -2, "n");
    lua_newtable(L);      /* ..., results, errors */
    lua_pushvalue(L, 2);  /* ..., results, errors, fn */
    lua_pushvalue(L, -3); /* ..., results, errors, fn, results */
    lua_pushvalue(L, -3); /* ..., results, errors, fn, results, errors */
    if (lua_istable(L, 3)) {
        lua_getfield(L, 3, "on_result");
    } else {
        lua_pushnil(L);
    }
    lua_pushvalue(L, 1);
    lua_pushinteger(L, len);
    lua_pushinteger(L, 1);
    lua_pushcclosure(L, map_worker, 7); /* pool, results, errors, worker */
    worker = lua_gettop(L);
    workers = len < P->concurrency ? len : P->concurrency;
    for (i = 1; i <= workers; i++) {
        spawn(L, pidx, worker, 1);
        lua_settop(L, worker);
    }
    pool_drain(L, pidx, P);
    if (P->failed > 0) {
        lua_getiuservalue(L, pidx, UV_ERRORS);
        lua_rawgeti(L, -1, 1);
        return lua_error(L); /* on_result raised: a caller bug, raised again here */
    }
    lua_settop(L, worker - 1); /* ..., results, errors */
    return 2;
}

/* ---- registration ---- */

void am_lua_sched_open(lua_State *L)
{
    static const luaL_Reg pool_methods[] = {
        {"spawn", pool_spawn},     {"wait", pool_wait}, {"step", pool_step},
        {"pending", pool_pending}, {NULL, NULL},
    };

    if (luaL_newmetatable(L, AM_LUA_POOL_MT)) { /* mt */
        luaL_newlib(L, pool_methods);           /* mt, methods */
        lua_setfield(L, -2, "__index");         /* mt */
        lua_pushcfunction(L, pool_tostring);
        lua_setfield(L, -2, "__tostring");
    }
    lua_pop(L, 1);                               /* -- */
    if (luaL_newmetatable(L, AM_LUA_BATCH_MT)) { /* mt */
        am_lua_keep_metatable(L, &batch_mt_key);
        lua_pushcfunction(L, batch_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1); /* -- */
    push_task_map(L);
    lua_pop(L, 1);
}
