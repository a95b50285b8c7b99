/* SPDX-License-Identifier: MIT */
/* Shared by the embedding tests: start/stop the loopback responder, open a state, run Lua. */
#ifndef APPMESH_TEST_EMBED_UTIL_H
#define APPMESH_TEST_EMBED_UTIL_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
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

#endif
