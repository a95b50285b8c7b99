/* SPDX-License-Identifier: MIT */
/* The credential_process provider: run the profile's command (no shell) and read its JSON. */
#define _GNU_SOURCE /* pipe2, posix_spawn_file_actions_addclosefrom_np */
#include "cred_process.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "config.h"
#include "cred_util.h"
#include "env.h"
#include "internal.h"
#include "json.h"
#include "json_text.h"
#include "timefmt.h"

#define MAX_OUTPUT      (64 * 1024) /* what the process may print on stdout */
#define DEFAULT_TIMEOUT 60.0        /* seconds */

/* The members of the output an error may name (the ones read): see am_json_text_has_nul. */
static const char *const process_members[] = {"Version",      "AccessKeyId", "SecretAccessKey",
                                              "SessionToken", "Expiration",  NULL};

/* ==== splitting the command as botocore does (shlex.split, POSIX mode, no comments) ==== */

void am_cred_process_argv_free(const struct appmesh_allocator *a, char **argv, size_t argc)
{
    size_t i = 0;
    if (argv == NULL) {
        return;
    }
    for (i = 0; i < argc; i++) {
        am_free_str(a, argv[i]);
    }
    am_free(a, argv, (argc + 1) * sizeof(*argv));
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Append word (its bytes in w) to *argv. */
static enum appmesh_status push_word(const struct appmesh_allocator *a,
                                     char ***argv,
                                     size_t *argc,
                                     const struct appmesh_buf *w,
                                     struct appmesh_error *err)
{
    char **nv = NULL;
    char *copy = am_strndup(a, am_buf_cstr(w), w->len);
    if (copy == NULL) {
        return am_fail(err, APPMESH_ERR_NOMEM, "out of memory");
    }
    /* argv always has one more slot, NULL, after the words (for exec). */
    nv = am_realloc(a, *argv, (*argc + 1) * sizeof(*nv), (*argc + 2) * sizeof(*nv));
    if (nv == NULL) {
        am_free_str(a, copy);
        return am_fail(err, APPMESH_ERR_NOMEM, "out of memory");
    }
    nv[*argc] = copy;
    nv[*argc + 1] = NULL;
    *argv = nv;
    (*argc)++;
    return APPMESH_OK;
}

enum appmesh_status am_cred_process_split(const struct appmesh_allocator *a,
                                          const char *command,
                                          char ***argv_out,
                                          size_t *argc_out,
                                          struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_OK;
    struct appmesh_buf w;
    char **argv = NULL;
    size_t argc = 0;
    const char *p = command;
    bool in_word = false;
    char quote = 0; /* the open quote, or 0 */

    *argv_out = NULL;
    *argc_out = 0;
    am_buf_init(&w, a, 0);
    argv = am_calloc(a, sizeof(*argv));
    if (argv == NULL) {
        return am_fail(err, APPMESH_ERR_NOMEM, "out of memory");
    }
    for (; *p != '\0' && st == APPMESH_OK; p++) {
        char c = *p;
        if (quote == '\'') {
            if (c == '\'') {
                quote = 0;
            } else {
                st = am_buf_append_char(&w, c, err);
            }
        } else if (quote == '"') {
            if (c == '"') {
                quote = 0;
            } else if (c == '\\' && (p[1] == '"' || p[1] == '\\')) {
                st = am_buf_append_char(&w, *++p, err);
            } else {
                st = am_buf_append_char(&w, c, err);
            }
        } else if (is_space(c)) {
            if (in_word) {
                st = push_word(a, &argv, &argc, &w, err);
                am_buf_reset(&w);
                in_word = false;
            }
        } else if (c == '\'' || c == '"') {
            quote = c;
            in_word = true;
        } else if (c == '\\') {
            if (p[1] == '\0') {
                st = am_fail(err, APPMESH_ERR_CONFIG, "ends with a lone backslash");
            } else {
                st = am_buf_append_char(&w, *++p, err);
                in_word = true;
            }
        } else {
            st = am_buf_append_char(&w, c, err);
            in_word = true;
        }
    }
    if (st == APPMESH_OK && quote != 0) {
        st = am_fail(err, APPMESH_ERR_CONFIG, "has no closing quotation (%c)", quote);
    }
    if (st == APPMESH_OK && in_word) {
        st = push_word(a, &argv, &argc, &w, err);
    }
    if (st == APPMESH_OK && argc == 0) {
        st = am_fail(err, APPMESH_ERR_CONFIG, "is empty");
    }
    appmesh_buf_cleanup(&w);
    if (st != APPMESH_OK) {
        am_cred_process_argv_free(a, argv, argc);
        return st;
    }
    *argv_out = argv;
    *argc_out = argc;
    return APPMESH_OK;
}

/* ==== the JSON it prints ==== */

/* A string member of obj, or NULL; *bad set when present but not a non-empty string. */
static const char *string_member(const cJSON *obj, const char *name, bool *bad)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    *bad = false;
    if (v == NULL || cJSON_IsNull(v)) {
        return NULL;
    }
    if (!cJSON_IsString(v) || v->valuestring[0] == '\0') {
        *bad = true;
        return NULL;
    }
    return v->valuestring;
}

enum appmesh_status am_cred_process_parse(const char *profile,
                                          const char *text,
                                          size_t len,
                                          struct am_cred_set *out,
                                          struct appmesh_error *err)
{
    static const char *const required[] = {"AccessKeyId", "SecretAccessKey"};
    enum appmesh_status st = APPMESH_ERR_CREDENTIALS;
    cJSON *root = cJSON_ParseWithLength(text, len);
    const cJSON *version = NULL;
    const char *values[2] = {NULL, NULL};
    const char *token = NULL;
    const char *expiration = NULL;
    double expires = 0;
    bool bad = false;
    size_t i = 0;
    char field[64];

    if (root == NULL || !cJSON_IsObject(root)) {
        st = am_fail(err, APPMESH_ERR_CREDENTIALS,
                     "credential_process of profile '%s' printed %s, not a JSON object", profile,
                     len == 0 ? "nothing" : "something else");
        goto cleanup;
    }
    if (am_json_text_has_nul(text, len, process_members, field, sizeof(field))) {
        st = am_fail(err, APPMESH_ERR_CREDENTIALS,
                     "credential_process of profile '%s' printed a NUL character (\\u0000) in "
                     "\"%s\"",
                     profile, field);
        goto cleanup;
    }
    version = cJSON_GetObjectItemCaseSensitive(root, "Version");
    if (version == NULL) {
        st = am_fail(err, APPMESH_ERR_CREDENTIALS,
                     "credential_process of profile '%s' printed JSON without \"Version\" (1 is "
                     "supported)",
                     profile);
        goto cleanup;
    }
    if (!cJSON_IsNumber(version) || version->valuedouble != 1.0) {
        char shown[32] = "(not a number)";
        if (cJSON_IsNumber(version)) {
            snprintf(shown, sizeof(shown), "%g", version->valuedouble);
        }
        st = am_fail(err, APPMESH_ERR_CREDENTIALS,
                     "credential_process of profile '%s' printed \"Version\" %s; only version 1 "
                     "is supported",
                     profile, shown);
        goto cleanup;
    }
    for (i = 0; i < 2; i++) {
        values[i] = string_member(root, required[i], &bad);
        if (values[i] == NULL) {
            st = am_fail(err, APPMESH_ERR_CREDENTIALS,
                         "credential_process of profile '%s' printed JSON %s \"%s\"", profile,
                         bad ? "with a non-string or empty" : "without", required[i]);
            goto cleanup;
        }
    }
    token = string_member(root, "SessionToken", &bad);
    if (bad && cJSON_IsString(cJSON_GetObjectItemCaseSensitive(root, "SessionToken"))) {
        bad = false; /* "" is no token, as botocore and an empty aws_session_token read it */
    }
    if (bad) {
        st = am_fail(err, APPMESH_ERR_CREDENTIALS,
                     "credential_process of profile '%s' printed a \"SessionToken\" that is not "
                     "a non-empty string",
                     profile);
        goto cleanup;
    }
    expiration = string_member(root, "Expiration", &bad);
    if (bad ||
        (expiration != NULL && !am_time_parse_iso8601(expiration, strlen(expiration), &expires))) {
        st = am_fail(err, APPMESH_ERR_CREDENTIALS,
                     "credential_process of profile '%s' printed an \"Expiration\" that is not an "
                     "ISO 8601 time (e.g. 2026-11-25T12:00:00Z)",
                     profile);
        goto cleanup;
    }
    st = am_cred_set_copy(out, values[0], values[1], token, expires, err);

cleanup:
    am_json_delete_wiped(root);
    return st;
}

/* ==== running it ==== */

static double monotonic_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void nap(double seconds)
{
    struct timespec ts;
    ts.tv_sec = (time_t)seconds;
    ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
    nanosleep(&ts, NULL);
}

/* waitpid on our child only, retrying on EINTR. 1 = reaped, 0 = still running, -1 = error. */
static int reap(pid_t pid, int *status, bool block)
{
    for (;;) {
        pid_t r = waitpid(pid, status, block ? 0 : WNOHANG);
        if (r == pid) {
            return 1;
        }
        if (r == 0) {
            return 0;
        }
        if (errno != EINTR) {
            return -1;
        }
    }
}

static void describe_errno(int e, char *buf, size_t size)
{
    /* _GNU_SOURCE (above) gives the GNU strerror_r, which may return a static string. */
    const char *m = strerror_r(e, buf, size);
    if (m != buf) {
        snprintf(buf, size, "%s", m != NULL ? m : "unknown error");
    }
}

static enum appmesh_status spawn(char **argv, int out_fd, pid_t *pid, int *spawn_errno)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t none;
    sigset_t defaults;
    int rc = 0;

    sigemptyset(&none);
    sigemptyset(&defaults);
    /* A host that ignores SIGPIPE (most servers do) must not hand that on to the command. */
    sigaddset(&defaults, SIGPIPE);
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_adddup2(&fa, out_fd, STDOUT_FILENO);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    /* The host's other descriptors (sockets, files) are none of the command's business. */
    posix_spawn_file_actions_addclosefrom_np(&fa, STDERR_FILENO + 1);
#endif
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    rc = posix_spawnp(pid, argv[0], &fa, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    *spawn_errno = rc;
    return rc == 0 ? APPMESH_OK : APPMESH_ERR_CREDENTIALS;
}

enum appmesh_status am_cred_process_run(const struct appmesh_allocator *a,
                                        const char *profile,
                                        const char *command,
                                        double timeout,
                                        struct am_cred_set *out,
                                        struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_ERR_INTERNAL;
    struct appmesh_error serr = {0};
    char **argv = NULL;
    size_t argc = 0;
    int fds[2] = {-1, -1};
    pid_t pid = -1;
    bool reaped = false;
    int status = 0;
    int e = 0;
    char why[128];
    char *output = NULL;
    size_t len = 0;
    double deadline = 0;
    bool eof = false;

    if (timeout <= 0) {
        timeout = DEFAULT_TIMEOUT;
    }
    st = am_cred_process_split(a, command, &argv, &argc, &serr);
    if (st == APPMESH_ERR_NOMEM) {
        return am_fail(err, st, "out of memory");
    }
    if (st != APPMESH_OK) {
        /* The command itself is not repeated: it may carry a secret in an argument. */
        return am_fail(err, APPMESH_ERR_CREDENTIALS, "credential_process of profile '%s' %s",
                       profile, serr.message);
    }
    output = am_malloc(a, MAX_OUTPUT + 1);
    if (output == NULL) {
        st = am_fail(err, APPMESH_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    /* Close-on-exec: another thread's fork/exec must not inherit our pipe. */
    if (pipe2(fds, O_CLOEXEC) != 0) {
        describe_errno(errno, why, sizeof(why));
        st = am_fail(err, APPMESH_ERR_CREDENTIALS,
                     "credential_process of profile '%s': cannot make a pipe: %s", profile, why);
        goto cleanup;
    }
    st = spawn(argv, fds[1], &pid, &e);
    close(fds[1]);
    fds[1] = -1;
    if (st != APPMESH_OK) {
        describe_errno(e, why, sizeof(why));
        st = am_fail(err, APPMESH_ERR_CREDENTIALS,
                     "credential_process of profile '%s' could not be started (%s): %s", profile,
                     argv[0], why);
        goto cleanup;
    }

    deadline = monotonic_now() + timeout;
    while (!eof) {
        struct pollfd pfd = {fds[0], POLLIN, 0};
        double left = deadline - monotonic_now();
        int rc = 0;
        ssize_t got = 0;
        if (left <= 0) {
            break;
        }
        rc = poll(&pfd, 1, (int)(left * 1000.0) + 1);
        if (rc < 0 && errno == EINTR) {
            continue;
        }
        if (rc <= 0) {
            continue; /* timed out: the loop checks the deadline */
        }
        got = read(fds[0], output + len, MAX_OUTPUT + 1 - len);
        if (got < 0 && (errno == EINTR || errno == EAGAIN)) {
            continue;
        }
        if (got <= 0) {
            eof = true;
            continue;
        }
        len += (size_t)got;
        if (len > MAX_OUTPUT) {
            kill(pid, SIGKILL);
            reaped = reap(pid, &status, true) != 0;
            st = am_fail(err, APPMESH_ERR_CREDENTIALS,
                         "credential_process of profile '%s' printed more than %d KiB; it was "
                         "stopped",
                         profile, MAX_OUTPUT / 1024);
            goto cleanup;
        }
    }
    /* Its stdout is closed: wait for it to exit, up to the same deadline. */
    while (eof) {
        int r = reap(pid, &status, false);
        if (r != 0) {
            reaped = true;
            if (r < 0) {
                describe_errno(errno, why, sizeof(why));
                st = am_fail(err, APPMESH_ERR_CREDENTIALS,
                             "credential_process of profile '%s': cannot get its exit status "
                             "(%s; does the host ignore SIGCHLD or reap every child?)",
                             profile, why);
                goto cleanup;
            }
            break;
        }
        if (monotonic_now() >= deadline) {
            break;
        }
        nap(0.005);
    }
    if (!reaped) {
        kill(pid, SIGKILL);
        reaped = reap(pid, &status, true) != 0;
        st = am_fail(err, APPMESH_ERR_CREDENTIALS,
                     "credential_process of profile '%s' did not finish within %g s; it was "
                     "killed",
                     profile, timeout);
        goto cleanup;
    }
    if (WIFSIGNALED(status)) {
        st = am_fail(err, APPMESH_ERR_CREDENTIALS,
                     "credential_process of profile '%s' was killed by signal %d", profile,
                     WTERMSIG(status));
        goto cleanup;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        /* Its output is not repeated: it may hold secrets. Its stderr went to ours. */
        st = am_fail(err, APPMESH_ERR_CREDENTIALS,
                     "credential_process of profile '%s' failed with exit status %d", profile,
                     WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        goto cleanup;
    }
    st = am_cred_process_parse(profile, output, len, out, err);

cleanup:
    if (pid > 0 && !reaped) {
        kill(pid, SIGKILL);
        reap(pid, &status, true);
    }
    if (fds[0] >= 0) {
        close(fds[0]);
    }
    if (output != NULL) {
        am_zeroize(output, MAX_OUTPUT + 1);
        am_free(a, output, MAX_OUTPUT + 1);
    }
    am_cred_process_argv_free(a, argv, argc);
    return st;
}

/* APPMESH_CREDENTIAL_PROCESS_TIMEOUT: seconds (a positive number), else the default; any other
 * value is an error naming the variable, as every bad setting in the environment is. */
static enum appmesh_status
process_timeout(const struct am_env *env, double *timeout, struct appmesh_error *err)
{
    const char *v = am_env_get(env, "APPMESH_CREDENTIAL_PROCESS_TIMEOUT");
    double t = 0;
    char *end = NULL;
    *timeout = DEFAULT_TIMEOUT;
    if (v == NULL) {
        return APPMESH_OK;
    }
    t = strtod(v, &end);
    if (end == v || *end != '\0' || !(t > 0 && t <= 86400)) {
        return am_fail(err, APPMESH_ERR_CONFIG,
                       "APPMESH_CREDENTIAL_PROCESS_TIMEOUT must be a number of seconds more than "
                       "0, at most 86400, got '%.32s'",
                       v);
    }
    *timeout = t;
    return APPMESH_OK;
}

enum appmesh_status am_cred_process_load(const struct am_cred_ctx *ctx,
                                         struct am_cred_set *out,
                                         bool *ok,
                                         struct appmesh_buf *tried,
                                         struct appmesh_error *err)
{
    const char *command = am_config_get(ctx->config, ctx->profile, "credential_process", NULL);
    enum appmesh_status st = APPMESH_OK;
    double timeout = 0;

    *ok = false;
    if (command == NULL) {
        return am_buf_append_str(tried, "credential_process", err);
    }
    st = process_timeout(ctx->env, &timeout, err);
    if (st == APPMESH_OK) {
        st = am_cred_process_run(ctx->alloc, ctx->profile, command, timeout, out, err);
    }
    if (st != APPMESH_OK) {
        return st;
    }
    *ok = true;
    return am_buf_printf(tried, err, "credential_process of profile '%s'", ctx->profile);
}
