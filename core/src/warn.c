/* SPDX-License-Identifier: MIT */
/* Warnings on stderr, once per process: secret files others can read, APPMESH_LOG values. */
#include "warn.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "env.h"

/* Paths already warned about in this process (FNV-1a hashes), so each is named once. */
#define WARNED_MAX 64
static pthread_mutex_t s_warned_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t s_warned[WARNED_MAX];
static size_t s_warned_count;

static uint64_t path_hash(const char *path)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *path != '\0'; path++) {
        h = (h ^ (unsigned char)*path) * 1099511628211ULL;
    }
    return h;
}

/* True the first time a path is seen (and while the table is full: better twice than never). */
static bool first_warning(const char *path)
{
    uint64_t h = path_hash(path);
    bool first = true;
    size_t i = 0;
    pthread_mutex_lock(&s_warned_lock);
    for (i = 0; i < s_warned_count && first; i++) {
        first = s_warned[i] != h;
    }
    if (first && s_warned_count < WARNED_MAX) {
        s_warned[s_warned_count++] = h;
    }
    pthread_mutex_unlock(&s_warned_lock);
    return first;
}

bool am_log_warnings_off(const struct am_env *env)
{
    const char *v = am_env_get(env, "APPMESH_LOG");
    return v != NULL && (strcmp(v, "off") == 0 || strcmp(v, "none") == 0);
}

void am_log_check_setting(const struct am_env *env)
{
    static const char *const known[] = {"debug", "trace", "off", "none"};
    const char *v = am_env_get(env, "APPMESH_LOG");
    char shown[65];
    char line[160];
    size_t i = 0;
    int n = 0;

    if (v == NULL || v[0] == '\0') {
        return;
    }
    for (i = 0; i < sizeof known / sizeof known[0]; i++) {
        if (strcmp(v, known[i]) == 0) {
            return;
        }
    }
    if (!first_warning("\001APPMESH_LOG")) { /* a key no file path can be */
        return;
    }
    for (i = 0; v[i] != '\0' && i < sizeof shown - 1; i++) { /* no control character raw */
        unsigned char c = (unsigned char)v[i];
        shown[i] = (char)(c < 0x20 || c == 0x7f ? '?' : c);
    }
    shown[i] = '\0';
    n = snprintf(line, sizeof(line),
                 "appmesh: warning: APPMESH_LOG=%s is not a known value (debug, off); ignored\n",
                 shown);
    if (n > 0) {
        fwrite(line, 1, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1, stderr);
        fflush(stderr);
    }
}

void am_config_warn_if_readable(const struct am_env *env, const char *path, unsigned mode)
{
    char line[512];
    int n = 0;
    if ((mode & 044) == 0 || am_log_warnings_off(env) || !first_warning(path)) {
        return;
    }
    n = snprintf(line, sizeof(line),
                 "appmesh: warning: %s is readable by group/others (mode %04o); chmod 600 it\n",
                 path, mode & 07777);
    if (n > 0) {
        /* One write, so that lines from two threads do not mix. */
        fwrite(line, 1, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1, stderr);
        fflush(stderr);
    }
}
