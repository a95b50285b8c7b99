/* SPDX-License-Identifier: MIT */
/* appmesh: the host started under the shell command's name runs the command's Lua entry point. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "host.h"

/* The name under which the host is the `appmesh` shell command. */
#define COMMAND_NAME "appmesh"

int host_is_command(const char *argv0)
{
    const char *base = NULL;
    if (argv0 == NULL) {
        return 0;
    }
    base = strrchr(argv0, '/');
    base = base != NULL ? base + 1 : argv0;
    return strcmp(base, COMMAND_NAME) == 0;
}

/* The operator scripts the command runs by name (cli_help.SCRIPTS in scripts/lib/appmesh/): they
 * keep appmesh-lua's signals, so that `appmesh bulk-update` is `appmesh-lua bulk_update.lua`. */
static int is_script_name(const char *name)
{
    static const char *const scripts[] = {"bulk-update", "dry-run", "policy-check"};
    size_t i;
    for (i = 0; i < sizeof scripts / sizeof scripts[0]; i++) {
        if (strcmp(name, scripts[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

int host_run_command(lua_State *L, int argc, char **argv)
{
    char script[PATH_MAX];
    int status;
    int i;
    /* An operation's output into a reader that stops early (`| head`): as for the AWS CLI, the
     * write fails (EPIPE, which the command ignores, as aws does) and the exit status is the
     * call's, not death by SIGPIPE. */
    if (argc < 2 || !is_script_name(argv[1])) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = SIG_IGN;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGPIPE, &sa, NULL);
    }
    /* --debug is the APPMESH_LOG trace: set before any client reads the environment */
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            break;
        }
        if (strcmp(argv[i], "--debug") == 0) {
            setenv("APPMESH_LOG", "debug", 1);
            break;
        }
    }
    if (!host_command_script(script, sizeof script)) {
        host_message("cannot find the command's Lua entry point (share/appmesh/scripts)");
        return 0;
    }
    lua_createtable(L, argc > 1 ? argc - 1 : 0, 2); /* arg */
    lua_pushstring(L, argv[0]);
    lua_rawseti(L, -2, -1);
    lua_pushstring(L, script);
    lua_rawseti(L, -2, 0);
    for (i = 1; i < argc; i++) {
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i);
    }
    lua_setglobal(L, "arg"); /* -- */
    lua_gc(L, LUA_GCRESTART);
    lua_gc(L, LUA_GCGEN, 0, 0);
    status = luaL_loadfile(L, script); /* chunk */
    if (status == LUA_OK) {
        luaL_checkstack(L, argc, "too many arguments");
        for (i = 1; i < argc; i++) { /* chunk, args... (its `...`, as a script's) */
            lua_pushstring(L, argv[i]);
        }
        status = host_docall(L, argc > 1 ? argc - 1 : 0, 0);
    }
    return host_report(L, status) == LUA_OK;
}
