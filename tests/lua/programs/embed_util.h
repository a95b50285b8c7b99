/* SPDX-License-Identifier: MIT */
/* Shared by the embedding tests: start/stop the loopback responder, open a state, run Lua. */
#ifndef APPMESH_TEST_EMBED_UTIL_H
#define APPMESH_TEST_EMBED_UTIL_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "appmesh_lua.h"

struct responder {
    FILE *pipe;
    char url[128];
    char control[320];
    long pid;
};

/* Read one line without its newline; 0 on success. */
static inline int read_line(FILE *f, char *buf, size_t size)
{
    size_t n = 0;
    if (fgets(buf, (int)size, f) == NULL) {
        return -1;
    }
    n = strlen(buf);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) {
        buf[--n] = '\0';
    }
    return 0;
}

/* Start tests/lua/responder.py (it prints its URL, control directory and pid). */
static inline int responder_start(struct responder *r)
{
    char line[320];
    memset(r, 0, sizeof(*r));
    r->pipe = popen("exec env -u LD_PRELOAD " APPMESH_PYTHON " " APPMESH_RESPONDER, "r");
    if (r->pipe == NULL) {
        fprintf(stderr, "cannot start the responder\n");
        return -1;
    }
    if (read_line(r->pipe, r->url, sizeof(r->url)) != 0 || strncmp(r->url, "http://", 7) != 0 ||
        read_line(r->pipe, line, sizeof(line)) != 0 || strncmp(line, "control ", 8) != 0) {
        fprintf(stderr, "the responder printed no URL\n");
        pclose(r->pipe);
        return -1;
    }
    snprintf(r->control, sizeof(r->control), "%s", line + 8);
    if (read_line(r->pipe, line, sizeof(line)) != 0 || strncmp(line, "pid ", 4) != 0) {
        fprintf(stderr, "the responder printed no pid\n");
        pclose(r->pipe);
        return -1;
    }
    r->pid = strtol(line + 4, NULL, 10);
    return 0;
}

static inline void responder_stop(struct responder *r)
{
    char path[400];
    if (r->pid > 0) {
        kill((pid_t)r->pid, SIGTERM);
    }
    if (r->pipe != NULL) {
        pclose(r->pipe);
    }
    snprintf(path, sizeof(path), "%s/log.jsonl", r->control);
    remove(path);
    snprintf(path, sizeof(path), "%s/queue.json", r->control);
    remove(path);
    rmdir(r->control);
}

static inline int traceback(lua_State *L)
{
    luaL_traceback(L, L, luaL_tolstring(L, 1, NULL), 1);
    return 1;
}

/* A lua_Alloc that fails every allocation once its budget is spent (left < 0: no limit). */
struct budget {
    long left;
    long failed;
};

static inline void *budget_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    struct budget *b = ud;
    if (nsize == 0) {
        free(ptr);
        return NULL;
    }
    if (ptr == NULL || nsize > osize) {
        if (b->left == 0) {
            b->failed++;
            return NULL;
        }
        if (b->left > 0) {
            b->left--;
        }
    }
    return realloc(ptr, nsize);
}

/* A fresh state with the standard libraries and appmesh loaded as a host would. */
static inline lua_State *new_state(void)
{
    lua_State *L = luaL_newstate();
    if (L == NULL) {
        return NULL;
    }
    luaL_openlibs(L);
    luaL_requiref(L, "appmesh", luaopen_appmesh, 0);
    lua_pop(L, 1);
    return L;
}

/* Run code; on error print it (prefixed with name) and return -1. The chunk's first result,
 * when a string, is copied into out. */
static inline int
run_lua(lua_State *L, const char *name, const char *code, char *out, size_t outsize)
{
    int base = lua_gettop(L);
    int rc = 0;
    lua_pushcfunction(L, traceback);
    if (luaL_loadbuffer(L, code, strlen(code), name) != LUA_OK ||
        lua_pcall(L, 0, 1, base + 1) != LUA_OK) {
        fprintf(stderr, "%s: %s\n", name, lua_tostring(L, -1));
        rc = -1;
    } else if (out != NULL && lua_type(L, -1) == LUA_TSTRING) {
        snprintf(out, outsize, "%s", lua_tostring(L, -1));
    }
    lua_settop(L, base);
    return rc;
}

/* ---- the out-of-memory walk shared by lua.oom and lua.sched_oom ---- */

/* What one OOM program runs: setup (no budget), work (allocation n fails, for n = 0, 1, ...),
 * then check (no budget: the state must still work). */
struct oom_walk {
    const char *setup;
    const char *work;
    const char *check;
    int max_steps;
    /* Whether work's failure (status st, message on the stack) is the memory error. */
    bool (*is_memory_error)(lua_State *L, int st);
};

/* Fail each allocation of work in turn until it runs through; prints a TAP-like summary.
 * Returns the process exit status. */
static inline int oom_walk_run(const struct oom_walk *w)
{
    struct responder r;
    long n = 0;
    int failed = 0;
    int memerrs = 0;
    bool done = false;

    if (responder_start(&r) != 0) {
        return 1;
    }
    for (n = 0; n < w->max_steps && !done && failed == 0; n++) {
        struct budget b = {-1, 0};
        lua_State *L = lua_newstate(budget_alloc, &b);
        char out[64] = "";
        int st = 0;
        if (L == NULL) {
            fprintf(stderr, "cannot create a lua_State\n");
            return 1;
        }
        luaL_openlibs(L);
        luaL_requiref(L, "appmesh", luaopen_appmesh, 0);
        lua_pop(L, 1);
        lua_pushstring(L, r.url);
        lua_setglobal(L, "URL");
        if (run_lua(L, "setup", w->setup, NULL, 0) != 0 || luaL_loadstring(L, w->work) != LUA_OK) {
            return 1;
        }
        b.left = n;
        st = lua_pcall(L, 0, 0, 0);
        b.left = -1;
        if (st != LUA_OK && w->is_memory_error(L, st)) {
            memerrs++;
        } else if (st != LUA_OK) {
            fprintf(stderr, "step %ld: unexpected error: %s\n", n, lua_tostring(L, -1));
            failed++;
        } else if (b.failed == 0) {
            done = true; /* the budget was never reached: every failure point was tried */
        }
        lua_settop(L, 0);
        if (run_lua(L, "check", w->check, out, sizeof(out)) != 0 || strcmp(out, "ok") != 0) {
            fprintf(stderr, "step %ld: the state no longer works\n", n);
            failed++;
        }
        lua_close(L);
    }
    responder_stop(&r);
    if (!done) {
        fprintf(stderr, "did not get through the work in %d steps\n", w->max_steps);
        failed++;
    }
    printf("%s - fails each of %ld allocations in turn (%d raised a memory error)\n",
           failed == 0 ? "ok" : "not ok", n - 1, memerrs);
    printf("%d passed, %d failed\n", failed == 0 ? 1 : 0, failed == 0 ? 0 : 1);
    return failed == 0 ? 0 : 1;
}

/* ---- a thread that sets a host's interrupt flag while a call is running ---- */

/* Sets *flag once the responder's request log (log_path) has `requests` lines, i.e. once it
 * holds that many requests (or after 30 s). */
struct flag_watcher {
    pthread_t thread;
    char log_path[400];
    int requests;
    volatile sig_atomic_t *flag;
};

static inline int count_lines(const char *path)
{
    FILE *f = fopen(path, "r");
    int lines = 0;
    int c = 0;
    if (f == NULL) {
        return 0;
    }
    while ((c = fgetc(f)) != EOF) {
        lines += c == '\n';
    }
    fclose(f);
    return lines;
}

static inline void *flag_watcher_main(void *arg)
{
    struct flag_watcher *w = arg;
    struct timespec tick = {0, 10 * 1000 * 1000};
    int i = 0;
    for (i = 0; i < 3000 && count_lines(w->log_path) < w->requests; i++) {
        nanosleep(&tick, NULL);
    }
    *w->flag = 1;
    return NULL;
}

/* Clear the log and start watching. Returns 0, or -1 when the thread cannot start. */
static inline int flag_watcher_start(struct flag_watcher *w)
{
    remove(w->log_path);
    return pthread_create(&w->thread, NULL, flag_watcher_main, w) == 0 ? 0 : -1;
}

static inline void flag_watcher_join(struct flag_watcher *w)
{
    pthread_join(w->thread, NULL);
}

#endif
