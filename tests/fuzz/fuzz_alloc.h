/* SPDX-License-Identifier: MIT */
/* A counting allocator for fuzz targets: fails the Nth allocation to reach out-of-memory paths. */
#ifndef APPMESH_FUZZ_ALLOC_H
#define APPMESH_FUZZ_ALLOC_H

#include <stdlib.h>

#include "appmesh/alloc.h"

struct fuzz_alloc {
    long count;   /* allocations so far (realloc to a larger size counts) */
    long fail_at; /* fail allocation number fail_at (1-based); 0 = never */
    long live;    /* blocks not yet freed */
};

static void *fuzz_alloc_fn(void *ud, void *ptr, size_t osize, size_t nsize)
{
    struct fuzz_alloc *fa = ud;
    void *p = NULL;

    (void)osize;
    if (nsize == 0) {
        if (ptr != NULL) {
            fa->live--;
        }
        free(ptr);
        return NULL;
    }
    fa->count++;
    if (fa->fail_at != 0 && fa->count == fa->fail_at) {
        return NULL;
    }
    p = realloc(ptr, nsize);
    if (p != NULL && ptr == NULL) {
        fa->live++;
    }
    return p;
}

/* An allocator over fa (which must outlive it), counting from zero. */
static inline struct appmesh_allocator fuzz_alloc_init(struct fuzz_alloc *fa, long fail_at)
{
    struct appmesh_allocator a = {fuzz_alloc_fn, fa};
    fa->count = 0;
    fa->fail_at = fail_at;
    fa->live = 0;
    return a;
}

/* FNV-1a of the input: picks which allocation fails, the same way on every run. */
static inline unsigned long fuzz_hash(const unsigned char *p, size_t n)
{
    unsigned long h = 2166136261u;
    size_t i = 0;
    for (i = 0; i < n; i++) {
        h = (h ^ p[i]) * 16777619u;
    }
    return h;
}

#endif
