/* SPDX-License-Identifier: MIT */
/* Internal interface between the parts of appmesh-lua (never installed). */
#ifndef APPMESH_HOST_H
#define APPMESH_HOST_H

#include <signal.h>
#include <stddef.h>

#include <lua.h>

#include "appmesh/version.h"

#define HOST_NAME    "appmesh-lua"
#define HOST_VERSION "appmesh " APPMESH_VERSION " (Lua " LUA_VERSION_MAJOR "." LUA_VERSION_MINOR ")"

/* run.c: running chunks, reporting errors and catching signals the way lua.c does. */

/**
 * Call the function below `narg` arguments in protected mode with a traceback message
 * handler; Ctrl-C during the call interrupts it (a hook raising "interrupted!", and the
 * interrupt flag that appmesh calls watch). Returns the lua_pcall status.
 */
int host_docall(lua_State *L, int narg, int nres);

/** Print the error message on top of the stack (if status is not LUA_OK) and pop it. */
int host_report(lua_State *L, int status);

/** Print `msg` to stderr, prefixed by the program name unless it is NULL (as in the REPL). */
void host_message(const char *msg);

/** Set the name host_message() prefixes; returns the previous one. */
const char *host_set_progname(const char *name);

/** The name host_message() prefixes (HOST_NAME, argv[0], or NULL in the REPL). */
const char *host_progname(void);

/**
 * Catch SIGINT while reading input: the handler only sets the interrupt flag (no SA_RESTART,
 * so a blocked read returns EINTR). host_docall() swaps in its own handler for each call.
 */
void host_catch_sigint(void);

/** Whether Ctrl-C was pressed since the flag was last cleared. */
int host_interrupt_pending(void);

/** Clear the interrupt flag; returns whether it was set. */
int host_take_interrupt(void);

/** The interrupt flag itself, for appmesh_lua_set_interrupt_flag (blocking calls poll it). */
volatile sig_atomic_t *host_interrupt_flag(void);

/** The signal (SIGINT, SIGTERM) that stopped the last chunk, or 0. */
int host_last_signal(void);

/* paths.c */

/**
 * Prepend the host's own module directories to package.path/cpath: the source tree's
 * scripts/lib when running from the build tree, <prefix>/share/lua/5.4 when installed.
 */
void host_set_paths(lua_State *L);

/**
 * The path of the `appmesh` shell command's Lua entry point in out (size bytes):
 * scripts/appmesh.lua of the source tree from the build tree, <prefix>/share/appmesh/scripts/
 * appmesh.lua when installed. Returns 0 when it cannot be told.
 */
int host_command_script(char *out, size_t size);

/* command.c */

/** Whether argv[0] names the `appmesh` shell command (bin/appmesh, a link to appmesh-lua). */
int host_is_command(const char *argv0);

/**
 * Run the shell command: its entry point (scripts/appmesh.lua) with every argument in
 * arg[1..n] and as `...` (arg[0] the entry point, arg[-1] the program), none of lua.c's options
 * or LUA_INIT; --debug sets APPMESH_LOG=debug first. The standard libraries and the module's
 * preload must be in place. Returns 0 when the entry point failed (its error reported); the
 * entry point ends the process with the command's exit status itself.
 */
int host_run_command(lua_State *L, int argc, char **argv);

/* pretty.c */

/**
 * Print every value on the stack (1..top) on one line, tab-separated, tables pretty-printed;
 * clears the stack. An error while printing is reported and the REPL goes on.
 */
void host_print_values(lua_State *L);

/* complete.c */

/**
 * Push a sorted array of completions for the Lua name ending the input, e.g. "appmesh.cl"
 * gives {"appmesh.client"}: globals, keywords, table fields and methods after ':'. Reads
 * tables raw (and __index tables), so completing never runs Lua code. Never raises.
 */
void host_complete(lua_State *L, const char *word, size_t len);

/* repl.c */

/** The read-eval-print loop, with a banner naming the default client's region and endpoint. */
void host_repl(lua_State *L);

#endif
