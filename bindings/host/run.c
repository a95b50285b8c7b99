/* SPDX-License-Identifier: MIT */
/* Running a chunk as lua.c does (docall, msghandler), reporting errors, and SIGINT/SIGTERM. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "host.h"

/* What a signal handler needs cannot be passed to it: lua.c keeps the same two globals. */
static lua_State *s_L = NULL;
static volatile sig_atomic_t s_interrupted = 0;
static volatile sig_atomic_t s_signo = 0; /* the signal that stopped the last chunk, or 0 */
static const char *s_progname = HOST_NAME;

const char *host_set_progname(const char *name)
{
    const char *old = s_progname;
    s_progname = name;
    return old;
}

/* msg on stderr with its control characters (but line breaks and tabs: tracebacks have them)
 * as \xNN, so that no text from a server reaches the terminal as an escape sequence. */
void host_message(const char *msg)
{
    const unsigned char *p = (const unsigned char *)msg;
    if (s_progname != NULL) {
        fprintf(stderr, "%s: ", s_progname);
    }
    for (; *p != '\0'; p++) {
        if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f) {
            fprintf(stderr, "\\x%02x", *p);
        } else {
            fputc(*p, stderr);
        }
    }
    fputc('\n', stderr);
    fflush(stderr);
}

int host_report(lua_State *L, int status)
{
    if (status != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        host_message(msg != NULL ? msg : "(error object is not a string)");
        lua_pop(L, 1);
    }
    return status;
}

/* The hook that the SIGINT handler sets: stops the running Lua code at its next step. */
static void lstop(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    lua_sethook(L, NULL, 0, 0);
    s_interrupted = 0; /* handled: later appmesh calls (after a pcall) may run again */
    /* No position (not luaL_error): the hook may land on a C function's call or return, where
     * luaL_error would name the calling line, or on a step of Lua code, where it names none; the
     * message is the same wherever the signal lands. */
    lua_pushliteral(L, "interrupted!");
    lua_error(L);
}

/*
 * SIGINT or SIGTERM during a call: set a hook that stops the Lua code, and the flag that a
 * blocking appmesh call polls. As in lua.c, a second signal before the first one lands ends the
 * process. A script stopped this way exits with 128 + the signal's number (130, 143).
 */
static void laction(int sig)
{
    int mask = LUA_MASKCALL | LUA_MASKRET | LUA_MASKLINE | LUA_MASKCOUNT;
    signal(sig, SIG_DFL);
    s_interrupted = 1;
    s_signo = sig;
    lua_sethook(s_L, lstop, mask, 1);
}

/* SIGINT while reading a line: only note it, so the REPL can drop the line. */
static void note_interrupt(int sig)
{
    (void)sig;
    s_interrupted = 1;
}

static void set_sigint(void (*handler)(int), struct sigaction *old)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: a blocked read returns EINTR */
    sigaction(SIGINT, &sa, old);
}

void host_catch_sigint(void)
{
    set_sigint(note_interrupt, NULL);
}

int host_interrupt_pending(void)
{
    return s_interrupted != 0;
}

int host_take_interrupt(void)
{
    int was = s_interrupted != 0;
    s_interrupted = 0;
    return was;
}

/* Message handler: add a traceback to string errors, use __tostring for error objects. */
static int msghandler(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (msg == NULL) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) {
            return 1; /* an error object with its own message: no traceback */
        }
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

int host_docall(lua_State *L, int narg, int nres)
{
    int status;
    int base = lua_gettop(L) - narg; /* function index */
    struct sigaction old;
    struct sigaction old_term;
    struct sigaction sa;
    lua_pushcfunction(L, msghandler);
    lua_insert(L, base);
    s_L = L;
    s_interrupted = 0;
    s_signo = 0;
    set_sigint(laction, &old);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = laction;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, &old_term);
    status = lua_pcall(L, narg, nres, base);
    sigaction(SIGINT, &old, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (lua_gethook(L) == lstop) {
        lua_sethook(L, NULL, 0, 0); /* a Ctrl-C that came too late must not stop the next chunk */
    }
    lua_remove(L, base);
    return status;
}

const char *host_progname(void)
{
    return s_progname;
}

volatile sig_atomic_t *host_interrupt_flag(void)
{
    return &s_interrupted;
}

int host_last_signal(void)
{
    return s_signo;
}
