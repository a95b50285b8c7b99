/* SPDX-License-Identifier: MIT */
/* appmesh-lua: the Lua 5.4 stand-alone interpreter with appmesh preloaded, shaped like lua.c. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#    include <sys/prctl.h>
#endif

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "appmesh_lua.h"
#include "host.h"

/* Option flags found by collect_args (lua.c's bits, plus -h). */
#define HAS_ERROR  1  /* bad option */
#define HAS_I      2  /* -i */
#define HAS_V      4  /* -v */
#define HAS_E      8  /* -e */
#define HAS_NOENV  16 /* -E */
#define HAS_H      32 /* -h */
#define HAS_NODUMP 64 /* --no-dump */

/* lua.c's names for the initialisation variables and the -l suffix mark. */
#define LUA_INIT_VAR       "LUA_INIT"
#define LUA_INITVARVERSION LUA_INIT_VAR "_" LUA_VERSION_MAJOR "_" LUA_VERSION_MINOR
#define LUA_IGMARK         "-"

static const char usage_text[] =
    "usage: %s [options] [script [args]]\n"
    "Run a Lua script with the appmesh module preloaded, or start an interactive session.\n"
    "Available options are:\n"
    "  -e stat         execute string 'stat'\n"
    "  -i              enter interactive mode after executing 'script'\n"
    "  -l mod          require library 'mod' into global 'mod'\n"
    "  -l g=mod        require library 'mod' into global 'g'\n"
    "  -v, --version   show version information\n"
    "  -E              ignore environment variables\n"
    "  -W              turn warnings on\n"
    "  -h, --help      show this help\n"
    "  --no-dump       make the process non-dumpable: no core dump, no ptrace by other users\n"
    "  --              stop handling options\n"
    "  -               stop handling options and execute stdin\n"
    "The global 'appmesh' is the module (require \"appmesh\"), in scripts as in the REPL.\n"
    "With no arguments, starts the interactive session on a terminal and runs stdin otherwise.\n";

static void print_usage(FILE *out, const char *badoption)
{
    if (badoption != NULL) {
        if (badoption[1] == 'e' || badoption[1] == 'l') {
            fprintf(out, "%s: '%s' needs argument\n", host_progname(), badoption);
        } else {
            fprintf(out, "%s: unrecognized option '%s'\n", host_progname(), badoption);
        }
    }
    fprintf(out, usage_text, host_progname());
    fflush(out);
}

static void print_version(void)
{
    lua_writestring(HOST_VERSION, strlen(HOST_VERSION));
    lua_writeline();
}

/*
 * The global `arg`, as lua.c builds it: the script at index 0, its arguments at 1..n, the
 * interpreter and options at negative indices. With no script, all arguments go after argv[0].
 */
static void create_arg_table(lua_State *L, char **argv, int argc, int script)
{
    int i;
    int narg;
    if (script <= 0) {
        script = 0;
    }
    narg = argc - (script + 1);
    lua_createtable(L, narg > 0 ? narg : 0, script + 1);
    for (i = 0; i < argc; i++) {
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i - script);
    }
    lua_setglobal(L, "arg");
}

static int dochunk(lua_State *L, int status)
{
    if (status == LUA_OK) {
        status = host_docall(L, 0, 0);
    }
    return host_report(L, status);
}

static int dofile(lua_State *L, const char *name)
{
    return dochunk(L, luaL_loadfile(L, name));
}

static int dostring(lua_State *L, const char *s, const char *name)
{
    return dochunk(L, luaL_loadbuffer(L, s, strlen(s), name));
}

/* -l mod / -l g=mod: g = require(mod); "mod-v2" is stored as global "mod" (lua.c's LUA_IGMARK). */
static int dolibrary(lua_State *L, char *globname)
{
    int status;
    char *suffix = NULL;
    char *modname = strchr(globname, '=');
    if (modname == NULL) {
        modname = globname;
        suffix = strchr(modname, *LUA_IGMARK);
    } else {
        *modname = '\0';
        modname++;
    }
    lua_getglobal(L, "require");
    lua_pushstring(L, modname);
    status = host_docall(L, 1, 1);
    if (status == LUA_OK) {
        if (suffix != NULL) {
            *suffix = '\0';
        }
        lua_setglobal(L, globname);
    }
    return host_report(L, status);
}

/* Push the script's arguments (arg[1..n]) for its main chunk's `...`. */
static int push_args(lua_State *L)
{
    int i;
    int n;
    if (lua_getglobal(L, "arg") != LUA_TTABLE) {
        luaL_error(L, "'arg' is not a table");
    }
    n = (int)luaL_len(L, -1);
    luaL_checkstack(L, n + 3, "too many arguments to script");
    for (i = 1; i <= n; i++) {
        lua_rawgeti(L, -i, i);
    }
    lua_remove(L, -i);
    return n;
}

static int handle_script(lua_State *L, char **argv)
{
    int status;
    const char *fname = argv[0];
    if (strcmp(fname, "-") == 0 && strcmp(argv[-1], "--") != 0) {
        fname = NULL; /* stdin */
    }
    status = luaL_loadfile(L, fname);
    if (status == LUA_OK) {
        int n = push_args(L);
        status = host_docall(L, n, LUA_MULTRET);
    }
    return host_report(L, status);
}

/*
 * Scan the options (lua.c's rules, plus -h). Returns the HAS_* bits; *first is the index of
 * the script (or of the bad option on HAS_ERROR), or 0 when there is no script.
 */
static int collect_args(char **argv, int *first)
{
    int args = 0;
    int i;
    if (argv[0] == NULL) {
        *first = 0; /* no program name, so no arguments either */
        return 0;
    }
    for (i = 1; argv[i] != NULL; i++) {
        *first = i;
        if (argv[i][0] != '-') {
            return args; /* the script */
        }
        switch (argv[i][1]) {
            case '-': /* --, or --help / --version (the long forms of -h / -v) */
                if (strcmp(argv[i], "--help") == 0) {
                    args |= HAS_H;
                    break;
                }
                if (strcmp(argv[i], "--version") == 0) {
                    args |= HAS_V;
                    break;
                }
                if (strcmp(argv[i], "--no-dump") == 0) {
                    args |= HAS_NODUMP;
                    break;
                }
                if (argv[i][2] != '\0') {
                    return HAS_ERROR;
                }
                *first = argv[i + 1] != NULL ? i + 1 : 0;
                return args;
            case '\0': /* - (stdin as the script) */
                return args;
            case 'E':
                if (argv[i][2] != '\0') {
                    return HAS_ERROR;
                }
                args |= HAS_NOENV;
                break;
            case 'W':
                if (argv[i][2] != '\0') {
                    return HAS_ERROR;
                }
                break;
            case 'h':
                if (argv[i][2] != '\0') {
                    return HAS_ERROR;
                }
                args |= HAS_H;
                break;
            case 'i':
                if (argv[i][2] != '\0') {
                    return HAS_ERROR;
                }
                args |= HAS_I;
                break;
            case 'v':
                if (argv[i][2] != '\0') {
                    return HAS_ERROR;
                }
                args |= HAS_V;
                break;
            case 'e':
                args |= HAS_E;
                /* fall through - both take an argument */
            case 'l':
                if (argv[i][2] == '\0') {
                    i++;
                    if (argv[i] == NULL || argv[i][0] == '-') {
                        return HAS_ERROR;
                    }
                }
                break;
            default:
                return HAS_ERROR;
        }
    }
    *first = 0;
    return args;
}

/* Run -e, -l and -W in order; returns 0 when one of them failed. */
static int run_args(lua_State *L, char **argv, int n)
{
    int i;
    for (i = 1; i < n; i++) {
        int option = argv[i][1];
        switch (option) {
            case 'e':
            case 'l': {
                int status;
                char *extra = argv[i] + 2;
                if (*extra == '\0') {
                    extra = argv[++i];
                }
                status =
                    option == 'e' ? dostring(L, extra, "=(command line)") : dolibrary(L, extra);
                if (status != LUA_OK) {
                    return 0;
                }
                break;
            }
            case 'W':
                lua_warning(L, "@on", 0);
                break;
            default:
                break;
        }
    }
    return 1;
}

/* LUA_INIT_5_4 or LUA_INIT: "@file" runs the file, anything else runs as code. */
static int handle_luainit(lua_State *L)
{
    const char *name = "=" LUA_INITVARVERSION;
    const char *init = getenv(name + 1);
    if (init == NULL) {
        name = "=" LUA_INIT_VAR;
        init = getenv(name + 1);
    }
    if (init == NULL) {
        return LUA_OK;
    }
    if (init[0] == '@') {
        return dofile(L, init + 1);
    }
    return dostring(L, init, name);
}

/* Make `require "appmesh"` open the linked-in module. */
static void preload_appmesh(lua_State *L)
{
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE); /* preload */
    lua_pushcfunction(L, luaopen_appmesh);                     /* preload, open */
    lua_setfield(L, -2, "appmesh");                            /* preload */
    lua_pop(L, 1);                                             /* -- */
    appmesh_lua_set_interrupt_flag(L, host_interrupt_flag());
}

/*
 * --no-dump: no core dump of this process (and no ptrace or /proc/PID/mem by other users), so
 * nothing in its memory (credentials, tokens, libcurl's buffers) can end up in a dump file.
 */
static bool make_nondumpable(void)
{
#ifdef __linux__
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0) {
        return true;
    }
    fprintf(stderr, "%s: --no-dump: prctl(PR_SET_DUMPABLE) failed: %s\n", host_progname(),
            strerror(errno));
#else
    fprintf(stderr, "%s: --no-dump is only available on Linux\n", host_progname());
#endif
    return false;
}

/* The global `appmesh` (= require "appmesh") for scripts, -e and the REPL alike. Opening the
 * module is cheap: libcurl is set up only when the first client is made. */
static int global_appmesh(lua_State *L)
{
    int status;
    lua_getglobal(L, "require");
    lua_pushliteral(L, "appmesh");
    status = host_docall(L, 1, 1);
    if (status == LUA_OK) {
        lua_setglobal(L, "appmesh");
    }
    return host_report(L, status);
}

static int pmain(lua_State *L)
{
    int argc = (int)lua_tointeger(L, 1);
    char **argv = (char **)lua_touserdata(L, 2);
    int script = 0;
    int args = collect_args(argv, &script);
    int optlim = script > 0 ? script : argc; /* first argv that is not an option */
    luaL_checkversion(L);
    if (host_is_command(argv[0])) { /* started as `appmesh`: the shell command (command.c) */
        luaL_openlibs(L);
        preload_appmesh(L);
        host_set_paths(L);
        lua_pushboolean(L, host_run_command(L, argc, argv));
        return 1;
    }
    if (args == HAS_ERROR) {
        print_usage(stderr, argv[script]);
        return 0;
    }
    if ((args & HAS_NODUMP) && !make_nondumpable()) {
        return 0;
    }
    if (args & HAS_H) {
        print_usage(stdout, NULL);
        lua_pushboolean(L, 1);
        return 1;
    }
    if (args & HAS_V) {
        print_version();
    }
    if (args & HAS_NOENV) {
        lua_pushboolean(L, 1); /* tell the libraries to ignore LUA_PATH and LUA_CPATH */
        lua_setfield(L, LUA_REGISTRYINDEX, "LUA_NOENV");
    }
    luaL_openlibs(L);
    preload_appmesh(L);
    host_set_paths(L);
    if (global_appmesh(L) != LUA_OK) {
        return 0;
    }
    create_arg_table(L, argv, argc, script);
    lua_gc(L, LUA_GCRESTART);
    lua_gc(L, LUA_GCGEN, 0, 0);
    if (!(args & HAS_NOENV) && handle_luainit(L) != LUA_OK) {
        return 0;
    }
    if (!run_args(L, argv, optlim)) {
        return 0;
    }
    if (script > 0 && handle_script(L, argv + script) != LUA_OK) {
        return 0;
    }
    if (args & HAS_I) {
        host_repl(L);
    } else if (script == 0 && !(args & (HAS_E | HAS_V))) {
        if (isatty(STDIN_FILENO)) {
            host_repl(L);
        } else if (dofile(L, NULL) != LUA_OK) {
            return 0;
        }
    }
    lua_pushboolean(L, 1);
    return 1;
}

int main(int argc, char **argv)
{
    int status;
    int result;
    lua_State *L;
    if (argv[0] != NULL && argv[0][0] != '\0') {
        host_set_progname(argv[0]);
    }
    L = luaL_newstate();
    if (L == NULL) {
        host_message("cannot create state: not enough memory");
        return EXIT_FAILURE;
    }
    lua_gc(L, LUA_GCSTOP); /* no collection while building the state */
    lua_pushcfunction(L, pmain);
    lua_pushinteger(L, argc);
    lua_pushlightuserdata(L, argv);
    status = lua_pcall(L, 2, 1, 0);
    result = lua_toboolean(L, -1);
    host_report(L, status);
    lua_close(L);
    if (result && status == LUA_OK) {
        return EXIT_SUCCESS;
    }
    return host_last_signal() != 0 ? 128 + host_last_signal()
                                   : EXIT_FAILURE; /* as a shell reports a signal */
}
