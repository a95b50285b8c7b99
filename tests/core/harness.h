/* SPDX-License-Identifier: MIT */
/* Test harness: CHECK macros, a counting/failing allocator, and a case-table runner. */
#ifndef APPMESH_TEST_HARNESS_H
#define APPMESH_TEST_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appmesh/appmesh.h"
#include "secmem.h"

static inline const char *test_errmsg(const struct appmesh_error *e)
{
    return e != NULL ? e->message : "";
}

/* ---- checks: print file:line and fail the case (return 1) ---- */
#define CHECK(cond, msg)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "  %s:%d: check failed: %s (%s)\n", __FILE__, __LINE__, #cond, (msg)); \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

#define CHECK_STR_EQ(got, want)                                                                    \
    do {                                                                                           \
        const char *g_ = (got);                                                                    \
        const char *w_ = (want);                                                                   \
        if (g_ == NULL || w_ == NULL ? g_ != w_ : strcmp(g_, w_) != 0) {                           \
            fprintf(stderr, "  %s:%d: %s\n    got:  \"%s\"\n    want: \"%s\"\n", __FILE__,         \
                    __LINE__, #got, g_ ? g_ : "(null)", w_ ? w_ : "(null)");                       \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

#define CHECK_MEM_EQ(got, gotlen, want, wantlen)                                                   \
    do {                                                                                           \
        size_t gl_ = (gotlen), wl_ = (wantlen);                                                    \
        if (gl_ != wl_ || memcmp((got), (want), gl_) != 0) {                                       \
            fprintf(stderr, "  %s:%d: %s differs\n    got:  \"%.*s\"\n    want: \"%.*s\"\n",       \
                    __FILE__, __LINE__, #got, (int)gl_, (const char *)(got), (int)wl_,             \
                    (const char *)(want));                                                         \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

#define CHECK_INT_EQ(got, want)                                                                    \
    do {                                                                                           \
        long long g_ = (long long)(got), w_ = (long long)(want);                                   \
        if (g_ != w_) {                                                                            \
            fprintf(stderr, "  %s:%d: %s = %lld, want %lld\n", __FILE__, __LINE__, #got, g_, w_);  \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

#define CHECK_OK(st, errp)                                                                         \
    do {                                                                                           \
        enum appmesh_status s_ = (st);                                                             \
        if (s_ != APPMESH_OK) {                                                                    \
            fprintf(stderr, "  %s:%d: %s returned %s: %s\n", __FILE__, __LINE__, #st,              \
                    appmesh_status_name(s_), test_errmsg(errp));                                   \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

#define CHECK_STATUS(st, want, errp)                                                               \
    do {                                                                                           \
        enum appmesh_status s_ = (st);                                                             \
        if (s_ != (want)) {                                                                        \
            fprintf(stderr, "  %s:%d: %s returned %s, want %s (%s)\n", __FILE__, __LINE__, #st,    \
                    appmesh_status_name(s_), appmesh_status_name(want), test_errmsg(errp));        \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

/* ---- counting allocator: every case must free all it allocates; fail_at injects OOM ---- */
struct test_alloc_state {
    long live_blocks;
    long long live_bytes;
    long calls;   /* allocations (not frees) so far */
    long fail_at; /* fail the Nth allocation (1-based); 0 = never */
};

static struct test_alloc_state test_alloc_state;

static void *test_alloc_fn(void *ud, void *ptr, size_t osize, size_t nsize)
{
    struct test_alloc_state *s = ud;
    if (nsize == 0) {
        if (ptr != NULL) {
            s->live_blocks--;
            s->live_bytes -= (long long)osize;
            free(ptr);
        }
        return NULL;
    }
    s->calls++;
    if (s->fail_at != 0 && s->calls == s->fail_at) {
        return NULL;
    }
    void *p = realloc(ptr, nsize);
    if (p == NULL) {
        return NULL;
    }
    if (ptr == NULL) {
        s->live_blocks++;
        s->live_bytes += (long long)nsize;
    } else {
        s->live_bytes += (long long)nsize - (long long)osize;
    }
    return p;
}

static const struct appmesh_allocator test_allocator = {test_alloc_fn, &test_alloc_state};

static inline void test_alloc_reset(void)
{
    memset(&test_alloc_state, 0, sizeof(test_alloc_state));
}

/* ---- case tables ---- */
struct test_case {
    const char *name;
    int (*fn)(void);
};

/*
 * Run every case (or only the one named in argv[1]); each case starts with a fresh counting
 * allocator and fails when it leaves blocks allocated. Prints one line per case and a summary
 * "N passed, N failed".
 */
static inline int
test_run(const struct test_case *cases, size_t n, int argc, char **argv, const char *suite)
{
    size_t i = 0;
    int passed = 0, failed = 0;
    for (i = 0; i < n; i++) {
        int rc = 0;
        if (argc > 1 && strcmp(argv[1], cases[i].name) != 0) {
            continue;
        }
        long secrets = am_secmem_live();
        test_alloc_reset();
        rc = cases[i].fn();
        if (rc == 0 && test_alloc_state.live_blocks != 0) {
            fprintf(stderr, "  leak: %ld blocks (%lld bytes) still allocated\n",
                    test_alloc_state.live_blocks, test_alloc_state.live_bytes);
            rc = 1;
        }
        if (rc == 0 && am_secmem_live() != secrets) {
            fprintf(stderr, "  leak: %ld secret blocks still mapped\n", am_secmem_live() - secrets);
            rc = 1;
        }
        printf("%s %s.%s\n", rc == 0 ? "ok  " : "FAIL", suite, cases[i].name);
        if (rc == 0) {
            passed++;
        } else {
            failed++;
        }
    }
    printf("%s: %d passed, %d failed\n", suite, passed, failed);
    return failed == 0 && passed > 0 ? 0 : 1;
}

/*
 * OOM loop: run body() with the Nth allocation failing for N = 1, 2, ... until it succeeds.
 * Each failing run must return APPMESH_ERR_NOMEM (via *status) and leak nothing.
 * body returns 0 on success of the harness bookkeeping; it reports the operation's status.
 */
static inline int
test_oom_loop(enum appmesh_status (*body)(void *ctx), void *ctx, long max_iterations)
{
    long n = 0;
    for (n = 1; n <= max_iterations; n++) {
        enum appmesh_status st;
        test_alloc_reset();
        test_alloc_state.fail_at = n;
        st = body(ctx);
        if (test_alloc_state.live_blocks != 0) {
            fprintf(stderr, "  oom at allocation %ld: %ld blocks leaked\n", n,
                    test_alloc_state.live_blocks);
            return 1;
        }
        if (st == APPMESH_OK) {
            if (test_alloc_state.calls < n) {
                test_alloc_reset();
                return 0; /* the failure point is past the last allocation: done */
            }
            fprintf(stderr, "  oom at allocation %ld: succeeded despite a failed allocation\n", n);
            return 1;
        }
        if (st != APPMESH_ERR_NOMEM) {
            fprintf(stderr, "  oom at allocation %ld: got %s, want APPMESH_ERR_NOMEM\n", n,
                    appmesh_status_name(st));
            return 1;
        }
    }
    fprintf(stderr, "  oom loop did not finish in %ld iterations\n", max_iterations);
    return 1;
}

/* A getenv hook over {name, value, ..., NULL} pairs (ud; NULL = nothing set): tests inject an
 * environment this way and never call setenv. */
static inline const char *test_getenv(void *ud, const char *name)
{
    const char *const *e = ud;
    for (; e != NULL && *e != NULL; e += 2) {
        if (strcmp(e[0], name) == 0) {
            return e[1];
        }
    }
    return NULL;
}

/* Read a whole file into a malloc'd NUL-terminated buffer (test data only). */
static inline char *test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *p = NULL;
    long n = 0;
    if (f == NULL) {
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return NULL;
    }
    p = malloc((size_t)n + 1);
    if (p != NULL && fread(p, 1, (size_t)n, f) != (size_t)n) {
        free(p);
        p = NULL;
    }
    fclose(f);
    if (p != NULL) {
        p[n] = '\0';
        if (len != NULL) {
            *len = (size_t)n;
        }
    }
    return p;
}

#define TEST_MAIN(suite, cases)                                                                    \
    int main(int argc, char **argv)                                                                \
    {                                                                                              \
        return test_run(cases, sizeof(cases) / sizeof(cases[0]), argc, argv, suite);               \
    }

#endif
