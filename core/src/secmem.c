/* SPDX-License-Identifier: MIT */
/* Secret blocks in anonymous mappings of their own: MADV_DONTDUMP, wiped before munmap. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, madvise */
#include "secmem.h"

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

/* Each block starts with its mapping's size, so that am_secmem_free needs no length. */
struct head {
    size_t map_len;
    size_t pad; /* keeps the data 16-byte aligned */
};

static atomic_long s_live; /* a count for leak checks only: no block is reachable through it */

static size_t page_size(void)
{
    long n = sysconf(_SC_PAGESIZE);
    return n > 0 ? (size_t)n : 4096;
}

bool am_secmem_dontdump(void)
{
#ifdef MADV_DONTDUMP
    return true;
#else
    return false;
#endif
}

void *am_secmem_alloc(size_t n)
{
    size_t page = page_size();
    size_t want = 0;
    void *map = NULL;
    struct head *h = NULL;

    if (n == 0 || n > SIZE_MAX - sizeof(struct head) - page) {
        return NULL;
    }
    want = (n + sizeof(struct head) + page - 1) / page * page;
    map = mmap(NULL, want, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED) {
        return NULL;
    }
#ifdef MADV_DONTDUMP
    /* Best effort: a kernel without it still gives a working (dumpable) block. */
    (void)madvise(map, want, MADV_DONTDUMP);
#endif
    h = map;
    h->map_len = want;
    atomic_fetch_add(&s_live, 1);
    return h + 1; /* anonymous mappings start zeroed */
}

void am_secmem_free(void *p)
{
    struct head *h = NULL;
    size_t len = 0;
    if (p == NULL) {
        return;
    }
    h = (struct head *)p - 1;
    len = h->map_len;
    am_zeroize(h, len);
    munmap(h, len);
    atomic_fetch_sub(&s_live, 1);
}

char *am_secmem_strdup(const char *s)
{
    size_t n = 0;
    char *copy = NULL;
    if (s == NULL) {
        return NULL;
    }
    n = strlen(s);
    copy = am_secmem_alloc(n + 1);
    if (copy != NULL) {
        memcpy(copy, s, n + 1);
    }
    return copy;
}

long am_secmem_live(void)
{
    return atomic_load(&s_live);
}
