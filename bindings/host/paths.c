/* SPDX-License-Identifier: MIT */
/* Where appmesh-lua finds its own Lua modules: the source tree from build/, else its prefix. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>

#include "host.h"

#ifndef APPMESH_SOURCE_DIR
#    define APPMESH_SOURCE_DIR ""
#endif
#ifndef APPMESH_BINARY_DIR
#    define APPMESH_BINARY_DIR ""
#endif

/* The directory holding this executable (symlinks resolved), or "" when it cannot be told. */
static void exe_dir(char *out, size_t size)
{
    ssize_t n = readlink("/proc/self/exe", out, size - 1);
    char *slash;
    if (n <= 0 || (size_t)n >= size - 1) {
        out[0] = '\0';
        return;
    }
    out[n] = '\0';
    slash = strrchr(out, '/');
    if (slash == NULL) {
        out[0] = '\0';
        return;
    }
    if (slash == out) {
        out[1] = '\0'; /* the executable is in "/" */
    } else {
        *slash = '\0';
    }
}

/* Whether `dir` (canonical) is the build tree this binary was compiled in. */
static int is_build_tree(const char *dir)
{
    char real[PATH_MAX];
    if (APPMESH_BINARY_DIR[0] == '\0' || realpath(APPMESH_BINARY_DIR, real) == NULL) {
        return 0;
    }
    return strcmp(real, dir) == 0;
}

/* package[field] = first .. ";" .. package[field] (the defaults and LUA_PATH stay reachable). */
static void prepend(lua_State *L, const char *field, const char *first)
{
    if (lua_getglobal(L, "package") != LUA_TTABLE) { /* package */
        lua_pop(L, 1);
        return;
    }
    lua_getfield(L, -1, field);                              /* package, old */
    lua_pushfstring(L, "%s;%s", first, lua_tostring(L, -1)); /* package, old, new */
    lua_setfield(L, -3, field);                              /* package, old */
    lua_pop(L, 2);                                           /* -- */
}

/* The installation prefix of an installed executable in `dir` (<prefix>/bin): "" for "/bin". */
static void prefix_of(const char *dir, char *prefix, size_t size)
{
    char *slash;
    size_t len = strlen(dir);
    if (len >= size) {
        prefix[0] = '\0';
        return;
    }
    memcpy(prefix, dir, len + 1);
    slash = strrchr(prefix, '/');
    if (slash != NULL && slash != prefix) {
        *slash = '\0';
    } else {
        prefix[0] = '\0'; /* /bin or /: the prefix is the root */
    }
}

int host_command_script(char *out, size_t size)
{
    char dir[PATH_MAX];
    char prefix[PATH_MAX];
    int n;
    exe_dir(dir, sizeof dir);
    if (dir[0] == '\0') {
        return 0;
    }
    if (is_build_tree(dir)) {
        n = snprintf(out, size, "%s", APPMESH_SOURCE_DIR "/scripts/appmesh.lua");
    } else {
        prefix_of(dir, prefix, sizeof prefix);
        n = snprintf(out, size, "%s/share/appmesh/scripts/appmesh.lua", prefix);
    }
    return n > 0 && (size_t)n < size;
}

void host_set_paths(lua_State *L)
{
    char dir[PATH_MAX];
    exe_dir(dir, sizeof dir);
    if (dir[0] == '\0') {
        return;
    }
    if (is_build_tree(dir)) {
        /* Only ?.lua, never ?/init.lua: an appmesh/init.lua would shadow the C module. */
        prepend(L, "path", APPMESH_SOURCE_DIR "/scripts/lib/?.lua");
    } else {
        /* Installed: <prefix>/bin/appmesh-lua beside <prefix>/share/lua/5.4 (also a rock tree). */
        char prefix[PATH_MAX];
        prefix_of(dir, prefix, sizeof prefix);
        lua_pushfstring(L, "%s/share/lua/" LUA_VERSION_MAJOR "." LUA_VERSION_MINOR "/?.lua",
                        prefix);
        prepend(L, "path", lua_tostring(L, -1));
        lua_pop(L, 1);
        lua_pushfstring(L, "%s/lib/lua/" LUA_VERSION_MAJOR "." LUA_VERSION_MINOR "/?.so", prefix);
        prepend(L, "cpath", lua_tostring(L, -1));
        lua_pop(L, 1);
    }
}
