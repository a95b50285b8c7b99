/* SPDX-License-Identifier: MIT */
/* Shared by the interrupt tests: the host's flag, the watcher thread that sets it while a call
 * runs, and the Lua functions that drive them (set_flag, arm_interrupt, join_interrupt). */
#ifndef APPMESH_TEST_INTERRUPT_UTIL_H
#define APPMESH_TEST_INTERRUPT_UTIL_H

#include "embed_util.h"

static volatile sig_atomic_t s_flag; /* the host's flag, as a SIGINT handler would set it */
/* Sets the flag once the responder holds s_watch.requests requests (the including test sets
 * how many) and the log path. */
static struct flag_watcher s_watch = {.requests = 1, .flag = &s_flag};

static int set_flag(lua_State *L)
{
    s_flag = (sig_atomic_t)luaL_checkinteger(L, 1);
    return 0;
}

static int arm_interrupt(lua_State *L)
{
    if (flag_watcher_start(&s_watch) != 0) {
        return luaL_error(L, "pthread_create failed");
    }
    return 0;
}

static int join_interrupt(lua_State *L)
{
    (void)L;
    flag_watcher_join(&s_watch);
    return 0;
}

/* Give L the responder's URL and control directory (URL, CONTROL) and the three functions. */
static void interrupt_setup_state(lua_State *L, const struct responder *r)
{
    lua_pushstring(L, r->url);
    lua_setglobal(L, "URL");
    lua_pushstring(L, r->control);
    lua_setglobal(L, "CONTROL");
    lua_register(L, "set_flag", set_flag);
    lua_register(L, "arm_interrupt", arm_interrupt);
    lua_register(L, "join_interrupt", join_interrupt);
}

/* Run one step's code in L with the flag at flag_before, print "ok - NAME" or "FAIL NAME", and
 * clear the flag. Returns 1 when the step failed (its code must leave "ok" as the result). */
static int interrupt_run_step(lua_State *L, const char *name, const char *code, int flag_before)
{
    char out[64] = "";
    int failed = 0;
    s_flag = (sig_atomic_t)flag_before;
    failed = run_lua(L, name, code, out, sizeof(out)) != 0 || strcmp(out, "ok") != 0;
    printf(failed ? "FAIL %s\n" : "ok - %s\n", name);
    s_flag = 0;
    return failed;
}

#endif
