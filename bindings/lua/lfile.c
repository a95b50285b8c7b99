/* SPDX-License-Identifier: MIT */
/*
 * appmesh._os: the few operating-system calls the operator scripts (scripts/) need and Lua's
 * standard library lacks. Internal to the scripts: not part of the documented module API, and it
 * may change with them.
 *
 *   _os.create(path)        new file, created exclusively (O_EXCL): File | nil, msg, kind
 *   _os.open(path)          an existing file for appending: File | nil, msg, kind
 *   File:lock()             exclusive, non-blocking flock: true | nil, msg, "locked"
 *   File:write(s)           write all of s: true | nil, msg, kind
 *   File:sync()             fdatasync: true | nil, msg, kind
 *   File:close()            (also on collection and as a to-be-closed variable)
 *   _os.sync_dir(path)      fsync a directory (after creating a file in it)
 *   _os.remove(path)        unlink: true | nil, msg
 *   _os.same_file(a, b)     whether both paths name one existing file (device and inode)
 *   _os.trap_signals()      SIGINT and SIGTERM set a flag (and stop the module's calls) instead
 *                           of stopping the script; a second signal stops the process at once
 *   _os.signal()            the signal trapped (2 or 15), or nil
 *   _os.isatty(fd)          whether fd 0, 1 or 2 is a terminal
 *   _os.sha256(s)           SHA-256 of s as 64 lowercase hex digits
 *
 * `kind` names the failure for the scripts: "exists", "notfile" (exists, and is no regular file
 * nor directory), "locked", "nospace", "isdir", "notfound", or "error".
 */
#define _DEFAULT_SOURCE /* flock */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#ifdef __linux__
#    include <sys/prctl.h>
#endif
#include <sys/stat.h>
#include <unistd.h>

#include "appmesh_lua.h"
#include "appmesh_lua_internal.h"
#include "crypto.h"

#define AM_LUA_FILE_MT "appmesh._os.File"

struct lfile {
    int fd; /* -1 once closed */
};

/* The trapped signal: what a handler can write, and what the module's calls poll (it becomes
 * the state's interrupt flag). One per process, as signals are. */
static volatile sig_atomic_t s_signal = 0;

static const char *errno_kind(int e)
{
    switch (e) {
        case EEXIST:
            return "exists";
        case EWOULDBLOCK:
            return "locked";
        case ENOSPC:
        case EDQUOT:
            return "nospace";
        case EISDIR:
            return "isdir";
        case ENOENT:
            return "notfound";
        default:
            return "error";
    }
}

/* Push nil, "what path: strerror", kind; returns 3. */
static int push_errno(lua_State *L, const char *what, const char *path, int e)
{
    lua_pushnil(L);
    if (what != NULL) {
        lua_pushfstring(L, "%s %s: %s", what, path, strerror(e));
    } else {
        lua_pushfstring(L, "%s: %s", path, strerror(e));
    }
    lua_pushstring(L, errno_kind(e));
    return 3;
}

static struct lfile *check_file(lua_State *L)
{
    struct lfile *f = luaL_checkudata(L, 1, AM_LUA_FILE_MT);
    if (f->fd < 0) {
        luaL_error(L, "attempt to use a closed file");
    }
    return f;
}

static struct lfile *push_file(lua_State *L)
{
    struct lfile *f = lua_newuserdatauv(L, sizeof(*f), 1);
    f->fd = -1;
    luaL_setmetatable(L, AM_LUA_FILE_MT);
    return f;
}

/* Keep the path as the file's user value, for messages. */
static void set_path(lua_State *L, int fidx, int pidx)
{
    fidx = lua_absindex(L, fidx);
    lua_pushvalue(L, pidx);
    lua_setiuservalue(L, fidx, 1);
}

static const char *file_path(lua_State *L)
{
    lua_getiuservalue(L, 1, 1);
    return lua_tostring(L, -1) != NULL ? lua_tostring(L, -1) : "(file)";
}

/* _os.create(path): O_WRONLY | O_CREAT | O_EXCL, mode 0644 (less the umask). */
static int os_create(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    struct lfile *f = push_file(L);
    int fd = -1;

    set_path(L, -1, 1);
    do {
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        int e = errno;
        struct stat st;
        if (e == EEXIST && stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
            if (S_ISDIR(st.st_mode)) {
                return push_errno(L, NULL, path, EISDIR);
            }
            lua_pushnil(L);
            lua_pushfstring(L, "%s: not a regular file", path);
            lua_pushliteral(L, "notfile");
            return 3;
        }
        return push_errno(L, NULL, path, e);
    }
    f->fd = fd;
    return 1;
}

/* _os.open(path): an existing regular file, O_RDWR | O_APPEND. */
static int os_open(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    struct lfile *f = push_file(L);
    struct stat st;
    int fd = -1;

    set_path(L, -1, 1);
    do {
        fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        return push_errno(L, NULL, path, errno);
    }
    f->fd = fd;
    if (fstat(fd, &st) != 0) {
        return push_errno(L, NULL, path, errno); /* the GC closes fd */
    }
    if (!S_ISREG(st.st_mode)) {
        lua_pushnil(L);
        lua_pushfstring(L, "%s: not a regular file", path);
        lua_pushliteral(L, "error");
        return 3;
    }
    return 1;
}

/* File:lock(): flock(LOCK_EX | LOCK_NB), held until the file is closed. */
static int file_lock(lua_State *L)
{
    struct lfile *f = check_file(L);
    int rc = 0;

    do {
        rc = flock(f->fd, LOCK_EX | LOCK_NB);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
        int e = errno;
        return push_errno(L, NULL, file_path(L), e);
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* File:write(s): the whole string, or an error (a short write is an error: ENOSPC). */
static int file_write(lua_State *L)
{
    struct lfile *f = check_file(L);
    size_t len = 0;
    const char *s = luaL_checklstring(L, 2, &len);

    while (len > 0) {
        ssize_t n = write(f->fd, s, len);
        if (n < 0) {
            int e = errno;
            if (e == EINTR) {
                continue;
            }
            return push_errno(L, "cannot write", file_path(L), e);
        }
        if (n == 0) {
            return push_errno(L, "cannot write", file_path(L), ENOSPC);
        }
        s += n;
        len -= (size_t)n;
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* File:sync(): fdatasync (the data and what is needed to read it back). */
static int file_sync(lua_State *L)
{
    struct lfile *f = check_file(L);
    int rc = 0;

    do {
        rc = fdatasync(f->fd);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
        int e = errno;
        return push_errno(L, "cannot sync", file_path(L), e);
    }
    lua_pushboolean(L, 1);
    return 1;
}

static int file_close(lua_State *L)
{
    struct lfile *f = luaL_checkudata(L, 1, AM_LUA_FILE_MT);
    if (f->fd >= 0) {
        int rc = close(f->fd);
        f->fd = -1;
        if (rc != 0 && errno != EINTR) {
            int e = errno;
            return push_errno(L, "cannot close", file_path(L), e);
        }
    }
    lua_pushboolean(L, 1);
    return 1;
}

static int file_gc(lua_State *L)
{
    struct lfile *f = luaL_checkudata(L, 1, AM_LUA_FILE_MT);
    if (f->fd >= 0) {
        (void)close(f->fd);
        f->fd = -1;
    }
    return 0;
}

static int file_tostring(lua_State *L)
{
    struct lfile *f = luaL_checkudata(L, 1, AM_LUA_FILE_MT);
    lua_getiuservalue(L, 1, 1);
    lua_pushfstring(L, "appmesh._os.File (%s%s)", lua_tostring(L, -1) ? lua_tostring(L, -1) : "",
                    f->fd < 0 ? ", closed" : "");
    return 1;
}

/* _os.sync_dir(path): fsync a directory, so a file just created in it survives a crash. */
static int os_sync_dir(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    int fd = -1;
    int rc = 0;
    int e = 0;

    do {
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        return push_errno(L, "cannot open directory", path, errno);
    }
    rc = fsync(fd);
    e = errno;
    (void)close(fd);
    /* some file systems cannot fsync a directory (EINVAL): nothing more can be done there */
    if (rc != 0 && e != EINVAL) {
        return push_errno(L, "cannot sync directory", path, e);
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* _os.remove(path) */
static int os_remove(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    if (unlink(path) != 0) {
        return push_errno(L, "cannot remove", path, errno);
    }
    lua_pushboolean(L, 1);
    return 1;
}

static void on_signal(int sig)
{
    s_signal = sig; /* SA_RESETHAND: the next one has the default action (ends the process) */
}

/* _os.trap_signals(): SIGINT and SIGTERM only set the flag, which also stops the module's calls
 * (in flight: they fail with "Interrupted"; new ones fail at once; appmesh.map starts no new
 * item). The first signal of each kind is caught; a second one ends the process. */
static int os_trap_signals(lua_State *L)
{
    static const int sigs[] = {SIGINT, SIGTERM};
    size_t i = 0;

    for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESETHAND; /* no SA_RESTART: a blocked wait returns at once */
        if (sigaction(sigs[i], &sa, NULL) != 0) {
            return push_errno(L, "cannot trap", "signals", errno);
        }
    }
    appmesh_lua_set_interrupt_flag(L, &s_signal);
    lua_pushboolean(L, 1);
    return 1;
}

/* _os.signal(): the trapped signal's number, or nil. */
static int os_signal(lua_State *L)
{
    int sig = s_signal;
    if (sig == 0) {
        lua_pushnil(L);
    } else {
        lua_pushinteger(L, sig);
    }
    return 1;
}

/* _os.same_file(a, b): stat only (opening a FIFO or a terminal to compare would disturb it). */
static int os_same_file(lua_State *L)
{
    const char *a = luaL_checkstring(L, 1);
    const char *b = luaL_checkstring(L, 2);
    struct stat sa;
    struct stat sb;

    lua_pushboolean(L, stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
                           sa.st_ino == sb.st_ino);
    return 1;
}

static int os_isatty(lua_State *L)
{
    lua_Integer fd = luaL_checkinteger(L, 1);
    luaL_argcheck(L, fd >= 0 && fd <= 2, 1, "expected 0, 1 or 2");
    lua_pushboolean(L, isatty((int)fd) == 1);
    return 1;
}

/* Whether the process may be dumped (appmesh-lua --no-dump turns that off); true off Linux. */
static int os_dumpable(lua_State *L)
{
#ifdef __linux__
    lua_pushboolean(L, prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 1);
#else
    lua_pushboolean(L, 1);
#endif
    return 1;
}

static int os_sha256(lua_State *L)
{
    size_t len = 0;
    const char *s = luaL_checklstring(L, 1, &len);
    unsigned char digest[32];
    char hex[65];
    struct appmesh_error err;

    memset(&err, 0, sizeof err);
    if (am_sha256(s, len, digest, &err) != APPMESH_OK) {
        return luaL_error(L, "sha256: %s", err.message);
    }
    am_hex_encode(digest, sizeof digest, hex);
    hex[64] = '\0';
    lua_pushlstring(L, hex, 64);
    return 1;
}

void am_lua_os_open(lua_State *L)
{
    static const luaL_Reg file_methods[] = {
        {"lock", file_lock},   {"write", file_write}, {"sync", file_sync},
        {"close", file_close}, {NULL, NULL},
    };
    static const luaL_Reg funcs[] = {
        {"create", os_create},
        {"open", os_open},
        {"sync_dir", os_sync_dir},
        {"remove", os_remove},
        {"same_file", os_same_file},
        {"trap_signals", os_trap_signals},
        {"signal", os_signal},
        {"isatty", os_isatty},
        {"sha256", os_sha256},
        {"dumpable", os_dumpable},
        {NULL, NULL},
    };

    if (luaL_newmetatable(L, AM_LUA_FILE_MT)) { /* mt */
        luaL_newlib(L, file_methods);           /* mt, methods */
        lua_setfield(L, -2, "__index");         /* mt */
        lua_pushcfunction(L, file_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, file_gc);
        lua_setfield(L, -2, "__close");
        lua_pushcfunction(L, file_tostring);
        lua_setfield(L, -2, "__tostring");
    }
    lua_pop(L, 1);
    luaL_newlib(L, funcs); /* _os */
}
