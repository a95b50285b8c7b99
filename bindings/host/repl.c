/* SPDX-License-Identifier: MIT */
/* The appmesh-lua REPL (lua.c's doREPL), with libedit line editing, history and completion. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>

#include "host.h"

#ifdef APPMESH_WITH_LIBEDIT
#    include <fcntl.h>
#    include <histedit.h>
#    include <langinfo.h>
#    include <limits.h>
#    include <locale.h>
#    include <sys/stat.h>
#    include <wchar.h>
#endif

#define PROMPT         "> "
#define PROMPT2        ">> "
#define EOFMARK        "<eof>"
#define MAX_INPUT_LINE 512 /* read chunk; longer lines are read in several chunks */
#define HISTORY_FILE   ".appmesh_history"
#define HISTORY_SIZE   1000
#define LIST_WIDTH     80 /* columns when listing completions */

enum read_result { READ_OK, READ_EOF, READ_INTERRUPT };

struct repl {
    lua_State *L;
    const char *prompt; /* the prompt being shown (a string on the Lua stack) */
#ifdef APPMESH_WITH_LIBEDIT
    EditLine *el; /* NULL: plain reads (no terminal, or libedit failed) */
    History *hist;
    char history_path[PATH_MAX]; /* "" when there is no history file */
#endif
};

/*
 * Wait until stdin is readable or Ctrl-C is pressed. SIGINT stays blocked except inside
 * pselect(), so a Ctrl-C that comes before the wait (libedit prints the prompt before it sets
 * the terminal up) is not lost. Returns 1 when readable, 0 on Ctrl-C, -1 on error.
 */
static int wait_input(void)
{
    sigset_t block;
    sigset_t orig;
    int result = -1;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigprocmask(SIG_BLOCK, &block, &orig);
    for (;;) {
        fd_set fds;
        int n;
        if (host_interrupt_pending()) {
            result = 0;
            break;
        }
        FD_ZERO(&fds);
        FD_SET(STDIN_FILENO, &fds);
        n = pselect(STDIN_FILENO + 1, &fds, NULL, NULL, NULL, &orig);
        if (n > 0) {
            result = 1;
            break;
        }
        if (n < 0 && errno != EINTR) {
            break;
        }
    }
    sigprocmask(SIG_SETMASK, &orig, NULL);
    return result;
}

#ifdef APPMESH_WITH_LIBEDIT

static volatile sig_atomic_t s_resized = 0; /* SIGWINCH seen: libedit must re-read the size */

static void note_resize(int sig)
{
    (void)sig;
    s_resized = 1;
}

static char *el_prompt(EditLine *el)
{
    struct repl *r = NULL;
    el_get(el, EL_CLIENTDATA, &r);
    return (char *)(r != NULL && r->prompt != NULL ? r->prompt : PROMPT);
}

/*
 * libedit's character reader, replaced so that Ctrl-C ends the read at once (the built-in one
 * retries an interrupted read()). Decodes the locale's multibyte characters.
 */
static int el_read_char(EditLine *el, wchar_t *wc)
{
    mbstate_t state;
    memset(&state, 0, sizeof state);
    for (;;) {
        char c;
        size_t r;
        ssize_t got;
        int ready;
        if (s_resized) {
            s_resized = 0;
            el_resize(el);
        }
        ready = wait_input();
        if (ready <= 0) {
            errno = EINTR;
            return -1; /* Ctrl-C (or a broken stdin): el_gets returns NULL */
        }
        got = read(STDIN_FILENO, &c, 1);
        if (got == 0) {
            return 0; /* end of input */
        }
        if (got < 0) {
            if (errno == EINTR || errno == EAGAIN) {
                continue;
            }
            return -1;
        }
        r = mbrtowc(wc, &c, 1, &state);
        if (r == (size_t)-2) {
            continue; /* more bytes of this character to come */
        }
        if (r == (size_t)-1) {
            *wc = (wchar_t)(unsigned char)c; /* not valid here: pass the byte on */
        }
        return 1;
    }
}

/* Print completions in columns below the line; libedit redraws the line after. */
static void list_completions(lua_State *L, int list, size_t skip)
{
    int n = (int)lua_rawlen(L, list);
    size_t width = 0;
    size_t col = 0;
    int i;
    for (i = 1; i <= n; i++) {
        size_t len = 0;
        lua_rawgeti(L, list, i);
        lua_tolstring(L, -1, &len);
        lua_pop(L, 1);
        if (len - skip > width) {
            width = len - skip;
        }
    }
    width += 2;
    fputs("\r\n", stdout); /* the terminal is in libedit's raw mode */
    for (i = 1; i <= n; i++) {
        size_t len = 0;
        const char *s;
        lua_rawgeti(L, list, i);
        s = lua_tolstring(L, -1, &len);
        if (col > 0 && col + width > LIST_WIDTH) {
            fputs("\r\n", stdout);
            col = 0;
        }
        fprintf(stdout, "%-*s", (int)width, s + skip);
        col += width;
        lua_pop(L, 1);
    }
    fputs("\r\n", stdout);
    fflush(stdout);
}

/* Tab: complete the Lua name before the cursor as far as it is unambiguous, else list. */
static unsigned char el_complete(EditLine *el, int ch)
{
    struct repl *r = NULL;
    const LineInfo *li = el_line(el);
    const char *start = li->cursor;
    size_t len;
    size_t common;
    size_t skip;
    int n;
    int i;
    unsigned char result = CC_REFRESH_BEEP;
    lua_State *L;
    (void)ch;
    el_get(el, EL_CLIENTDATA, &r);
    if (r == NULL) {
        return CC_ERROR;
    }
    L = r->L;
    while (start > li->buffer) {
        char c = start[-1];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == ':')) {
            break;
        }
        start--;
    }
    len = (size_t)(li->cursor - start);
    if (len == 0) {
        el_insertstr(el, "  "); /* nothing to complete: indent, as Python's REPL does */
        return CC_REFRESH;
    }
    host_complete(L, start, len); /* list */
    n = (int)lua_rawlen(L, -1);
    if (n == 0) {
        lua_pop(L, 1);
        return CC_REFRESH_BEEP;
    }
    /* The longest prefix shared by every completion. */
    lua_rawgeti(L, -1, 1); /* list, first */
    common = lua_rawlen(L, -1);
    for (i = 2; i <= n; i++) {
        size_t j = 0;
        size_t olen = 0;
        const char *first = lua_tostring(L, -1);
        const char *other;
        lua_rawgeti(L, -2, i); /* list, first, other */
        other = lua_tolstring(L, -1, &olen);
        while (j < common && j < olen && first[j] == other[j]) {
            j++;
        }
        common = j;
        lua_pop(L, 1);
    }
    if (common > len) {
        lua_pushlstring(L, lua_tostring(L, -1) + len, common - len); /* list, first, add */
        el_insertstr(el, lua_tostring(L, -1));
        lua_pop(L, 1);
        result = CC_REFRESH;
    } else if (n > 1) {
        /* List the names after the last separator, as shells list file names. */
        const char *w = start;
        skip = 0;
        for (i = (int)len; i > 0; i--) {
            if (w[i - 1] == '.' || w[i - 1] == ':') {
                skip = (size_t)i;
                break;
            }
        }
        list_completions(L, lua_gettop(L) - 1, skip);
        result = CC_REDISPLAY;
    } else {
        result = CC_NORM; /* already complete */
    }
    lua_pop(L, 2);
    return result;
}

/* libedit handles UTF-8 only in a UTF-8 locale: take the user's, else C.UTF-8. */
static void set_ctype_locale(void)
{
    const char *codeset;
    if (setlocale(LC_CTYPE, "") == NULL) {
        setlocale(LC_CTYPE, "C");
    }
    codeset = nl_langinfo(CODESET);
    if (codeset == NULL || strcmp(codeset, "UTF-8") != 0) {
        setlocale(LC_CTYPE, "C.UTF-8");
    }
}

static void history_path(struct repl *r)
{
    const char *home = getenv("HOME");
    int n;
    r->history_path[0] = '\0';
    if (home == NULL || home[0] == '\0') {
        return;
    }
    n = snprintf(r->history_path, sizeof r->history_path, "%s/%s", home, HISTORY_FILE);
    if (n < 0 || (size_t)n >= sizeof r->history_path) {
        r->history_path[0] = '\0';
    }
}

/* The history may hold anything typed, credentials included: only its owner reads it. */
static void save_history(struct repl *r)
{
    HistEvent ev;
    int fd;
    if (r->hist == NULL || r->history_path[0] == '\0') {
        return;
    }
    fd = open(r->history_path, O_WRONLY | O_CREAT, 0600);
    if (fd >= 0) {
        close(fd);
    }
    history(r->hist, &ev, H_SAVE, r->history_path);
}

static void editing_start(struct repl *r)
{
    HistEvent ev;
    struct sigaction sa;
    r->el = NULL;
    r->hist = NULL;
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        return;
    }
    set_ctype_locale();
    r->el = el_init(HOST_NAME, stdin, stdout, stderr);
    if (r->el == NULL) {
        return;
    }
    r->hist = history_init();
    if (r->hist != NULL) {
        history(r->hist, &ev, H_SETSIZE, HISTORY_SIZE);
        history(r->hist, &ev, H_SETUNIQUE, 1);
        history_path(r);
        if (r->history_path[0] != '\0') {
            history(r->hist, &ev, H_LOAD, r->history_path);
        }
        el_set(r->el, EL_HIST, history, r->hist);
    }
    el_set(r->el, EL_CLIENTDATA, r);
    el_set(r->el, EL_EDITOR, "emacs");
    el_set(r->el, EL_SIGNAL, 0); /* our own handlers: Ctrl-C must not re-raise */
    el_set(r->el, EL_PROMPT, el_prompt);
    el_set(r->el, EL_GETCFN, el_read_char);
    /* el_wset: the narrow el_set copies the name and help and never frees them */
    el_wset(r->el, EL_ADDFN, L"appmesh-complete", L"Complete a Lua name", el_complete);
    el_set(r->el, EL_BIND, "^I", "appmesh-complete", NULL);
    el_source(r->el, NULL); /* the user's ~/.editrc may rebind keys */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = note_resize;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGWINCH, &sa, NULL);
}

static void editing_end(struct repl *r)
{
    if (r->el != NULL) {
        signal(SIGWINCH, SIG_DFL);
        el_end(r->el);
        r->el = NULL;
    }
    if (r->hist != NULL) {
        history_end(r->hist);
        r->hist = NULL;
    }
}

static enum read_result read_edited(struct repl *r, const char *prompt)
{
    int count = 0;
    const char *line;
    r->prompt = prompt;
    line = el_gets(r->el, &count);
    r->prompt = NULL;
    if (host_take_interrupt()) {
        return READ_INTERRUPT;
    }
    if (line == NULL || count <= 0) {
        return READ_EOF;
    }
    lua_pushlstring(r->L, line, (size_t)count);
    return READ_OK;
}

static void save_line(struct repl *r, const char *line)
{
    HistEvent ev;
    if (r->hist != NULL && line[0] != '\0') {
        history(r->hist, &ev, H_ENTER, line);
        save_history(r);
    }
}

#else /* no libedit: plain reads, no history */

static void editing_start(struct repl *r)
{
    (void)r;
}

static void editing_end(struct repl *r)
{
    (void)r;
}

static void save_line(struct repl *r, const char *line)
{
    (void)r;
    (void)line;
}

#endif

/*
 * Read a line without libedit and push it. Byte by byte from the descriptor, so nothing is
 * read ahead of what io.read() in the session may want, and Ctrl-C is seen even when it comes
 * before the read starts.
 */
static enum read_result read_plain(struct repl *r, const char *prompt)
{
    char buffer[MAX_INPUT_LINE];
    size_t len = 0;
    int parts = 0;
    int newline = 0;
    fputs(prompt, stdout);
    fflush(stdout);
    while (!newline) {
        ssize_t got;
        int ready = wait_input();
        if (ready == 0) {
            host_take_interrupt();
            lua_pop(r->L, parts);
            return READ_INTERRUPT;
        }
        got = ready < 0 ? -1 : read(STDIN_FILENO, buffer + len, 1);
        if (got < 0 && (errno == EINTR || errno == EAGAIN)) {
            continue;
        }
        if (got <= 0) {
            if (parts == 0 && len == 0) {
                return READ_EOF;
            }
            break; /* a last line without a newline */
        }
        newline = buffer[len] == '\n';
        len++;
        if (len == sizeof buffer || newline) {
            lua_pushlstring(r->L, buffer, len);
            len = 0;
            parts++;
            if (parts >= LUA_MINSTACK - 2) {
                lua_concat(r->L, parts);
                parts = 1;
            }
        }
    }
    if (len > 0) {
        lua_pushlstring(r->L, buffer, len);
        parts++;
    }
    lua_concat(r->L, parts);
    return READ_OK;
}

/* The prompt from _PROMPT / _PROMPT2 (any value, through tostring), else "> " / ">> ". */
static const char *get_prompt(lua_State *L, int firstline)
{
    if (lua_getglobal(L, firstline ? "_PROMPT" : "_PROMPT2") == LUA_TNIL) {
        lua_pop(L, 1);
        lua_pushstring(L, firstline ? PROMPT : PROMPT2);
        return lua_tostring(L, -1);
    }
    {
        const char *p = luaL_tolstring(L, -1, NULL);
        lua_remove(L, -2);
        return p;
    }
}

/* Read one line and push it without its newline; "=expr" on a first line means "return expr". */
static enum read_result push_line(struct repl *r, int firstline)
{
    lua_State *L = r->L;
    enum read_result res;
    const char *prompt = get_prompt(L, firstline); /* prompt */
    size_t len = 0;
    const char *line;
#ifdef APPMESH_WITH_LIBEDIT
    if (r->el != NULL) {
        res = read_edited(r, prompt);
    } else {
        res = read_plain(r, prompt);
    }
#else
    res = read_plain(r, prompt);
#endif
    if (res != READ_OK) {
        lua_pop(L, 1); /* prompt */
        return res;
    }
    lua_remove(L, -2); /* line */
    line = lua_tolstring(L, -1, &len);
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) {
        len--;
    }
    if (firstline && len > 0 && line[0] == '=') {
        lua_pushliteral(L, "return ");
        lua_pushlstring(L, line + 1, len - 1);
        lua_concat(L, 2);
    } else {
        lua_pushlstring(L, line, len);
    }
    lua_remove(L, -2);
    return READ_OK;
}

/* Whether a syntax error only says the input ended early (then read another line). */
static int incomplete(lua_State *L, int status)
{
    if (status == LUA_ERRSYNTAX) {
        size_t lmsg;
        const char *msg = lua_tolstring(L, -1, &lmsg);
        size_t marklen = sizeof(EOFMARK) - 1;
        if (lmsg >= marklen && strcmp(msg + lmsg - marklen, EOFMARK) == 0) {
            lua_pop(L, 1);
            return 1;
        }
    }
    return 0;
}

/* Try the line as "return <line>;" first, so that expressions show their values. */
static int add_return(struct repl *r)
{
    lua_State *L = r->L;
    const char *line = lua_tostring(L, -1);
    const char *retline = lua_pushfstring(L, "return %s;", line);
    int status = luaL_loadbuffer(L, retline, strlen(retline), "=stdin");
    if (status == LUA_OK) {
        save_line(r, line);
        lua_remove(L, -2); /* line, chunk */
    } else {
        lua_pop(L, 2); /* line */
    }
    return status;
}

/*
 * Load the line as a statement, reading more lines while the error is only a missing end.
 * Returns the load status, or -2 when Ctrl-C dropped the statement.
 */
static int multiline(struct repl *r)
{
    lua_State *L = r->L;
    for (;;) {
        size_t len;
        const char *line = lua_tolstring(L, 1, &len);
        int status = luaL_loadbuffer(L, line, len, "=stdin");
        enum read_result res;
        if (!incomplete(L, status)) {
            save_line(r, line);
            return status;
        }
        res = push_line(r, 0);
        if (res == READ_INTERRUPT) {
            return -2;
        }
        if (res == READ_EOF) {
            save_line(r, line);
            return luaL_loadbuffer(L, line, len, "=stdin"); /* its error again, for the report */
        }
        lua_pushliteral(L, "\n"); /* line, more, "\n" */
        lua_insert(L, -2);        /* line, "\n", more */
        lua_concat(L, 3);         /* line */
    }
}

/* Read a chunk: LUA_OK with the function on the stack, an error, -1 at EOF, -2 on Ctrl-C. */
static int load_line(struct repl *r)
{
    lua_State *L = r->L;
    int status;
    enum read_result res;
    lua_settop(L, 0);
    res = push_line(r, 1);
    if (res == READ_EOF) {
        return -1;
    }
    if (res == READ_INTERRUPT) {
        return -2;
    }
    status = add_return(r);
    if (status != LUA_OK) {
        status = multiline(r);
    }
    if (status == -2) {
        lua_settop(L, 0);
        return -2;
    }
    lua_remove(L, 1); /* the line: leaves the function or the error */
    return status;
}

/* "appmesh 0.1.0 (Lua 5.4) — region R, endpoint E" from the default client, never a secret. */
static int banner_impl(lua_State *L)
{
    lua_getglobal(L, "require");
    lua_pushliteral(L, "appmesh");
    lua_call(L, 1, 1); /* appmesh */
    lua_pushvalue(L, -1);
    lua_setglobal(L, "appmesh"); /* the REPL has it at hand, as `appmesh` */
    if (lua_getfield(L, -1, "default_client") == LUA_TFUNCTION) {
        lua_call(L, 0, 2); /* appmesh, client|nil, nil|err */
    } else {
        lua_pop(L, 1);
        lua_pushnil(L);
        lua_pushnil(L);
    }
    if (lua_isnil(L, -2) && !lua_isnil(L, -1)) {
        /* the settings are wrong (AWS_MAX_ATTEMPTS=abc, a broken config file): say so, not
         * that no region is configured; an error never holds a secret */
        lua_pushfstring(L, "no default client: %s", luaL_tolstring(L, -1, NULL));
        return 1;
    }
    lua_pop(L, 1); /* appmesh, client|nil */
    if (!lua_isnil(L, -1)) {
        lua_getfield(L, -1, "region");   /* ..., client, region */
        lua_getfield(L, -2, "endpoint"); /* ..., client, region, endpoint */
        if (lua_type(L, -2) == LUA_TSTRING) {
            if (lua_type(L, -1) == LUA_TSTRING) {
                lua_pushfstring(L, "region %s, endpoint %s", lua_tostring(L, -2),
                                lua_tostring(L, -1));
            } else {
                lua_pushfstring(L, "region %s", lua_tostring(L, -2));
            }
            return 1;
        }
    }
    lua_pushliteral(L, "region: not configured");
    return 1;
}

static void print_banner(lua_State *L)
{
    lua_pushcfunction(L, banner_impl);
    if (host_docall(L, 0, 1) == LUA_OK) {
        lua_pushliteral(L, HOST_VERSION " \xe2\x80\x94 ");
        lua_insert(L, -2);
        lua_concat(L, 2);
        fprintf(stdout, "%s\n", lua_tostring(L, -1));
        lua_pop(L, 1);
    } else {
        fprintf(stdout, "%s\n", HOST_VERSION);
        host_report(L, LUA_ERRRUN);
    }
    fflush(stdout);
}

void host_repl(lua_State *L)
{
    struct repl r;
    int status;
    const char *oldprogname = host_set_progname(NULL); /* no program name on REPL errors */
    memset(&r, 0, sizeof r);
    r.L = L;
    print_banner(L);
    editing_start(&r);
    host_catch_sigint();
    host_take_interrupt();
    for (;;) {
        status = load_line(&r);
        if (status == -1) {
            break;
        }
        if (status == -2) {
            fputc('\n', stdout); /* Ctrl-C: drop the input, show a fresh prompt */
            fflush(stdout);
            host_take_interrupt();
            continue;
        }
        if (status == LUA_OK) {
            status = host_docall(L, 0, LUA_MULTRET);
        }
        if (status == LUA_OK) {
            host_print_values(L);
        } else {
            host_report(L, status);
        }
        host_take_interrupt();
    }
    lua_settop(L, 0);
    lua_writeline();
    editing_end(&r);
    signal(SIGINT, SIG_DFL);
    host_set_progname(oldprogname);
}
