/* SPDX-License-Identifier: MIT */
/* The allocator seam: libc by default, a lua_Alloc-shaped function when the caller gives one. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static void *libc_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    (void)ud;
    (void)osize;
    if (nsize == 0) {
        free(ptr);
        return NULL;
    }
    return realloc(ptr, nsize);
}

static const struct appmesh_allocator s_libc = {libc_alloc, NULL};

const struct appmesh_allocator *am_alloc_or_default(const struct appmesh_allocator *a)
{
    return (a != NULL && a->fn != NULL) ? a : &s_libc;
}

void *am_malloc(const struct appmesh_allocator *a, size_t n)
{
    a = am_alloc_or_default(a);
    if (n == 0) {
        n = 1;
    }
    return a->fn(a->ud, NULL, 0, n);
}

void *am_calloc(const struct appmesh_allocator *a, size_t n)
{
    void *p = am_malloc(a, n);
    if (p != NULL) {
        memset(p, 0, n == 0 ? 1 : n);
    }
    return p;
}

void *am_realloc(const struct appmesh_allocator *a, void *p, size_t osize, size_t nsize)
{
    a = am_alloc_or_default(a);
    if (nsize == 0) {
        nsize = 1;
    }
    return a->fn(a->ud, p, p == NULL ? 0 : osize, nsize);
}

void am_free(const struct appmesh_allocator *a, void *p, size_t size)
{
    if (p == NULL) {
        return;
    }
    a = am_alloc_or_default(a);
    a->fn(a->ud, p, size == 0 ? 1 : size, 0);
}

char *am_strndup(const struct appmesh_allocator *a, const char *s, size_t n)
{
    char *p = am_malloc(a, n + 1);
    if (p != NULL) {
        if (n > 0) {
            memcpy(p, s, n);
        }
        p[n] = '\0';
    }
    return p;
}

char *am_strdup(const struct appmesh_allocator *a, const char *s)
{
    return s == NULL ? NULL : am_strndup(a, s, strlen(s));
}

void am_free_str(const struct appmesh_allocator *a, char *s)
{
    if (s != NULL) {
        am_free(a, s, strlen(s) + 1);
    }
}

void am_free_secret_str(const struct appmesh_allocator *a, char *s)
{
    if (s != NULL) {
        size_t n = strlen(s) + 1;
        am_zeroize(s, n);
        am_free(a, s, n);
    }
}

void am_zeroize(void *p, size_t n)
{
    /* A volatile function pointer keeps the compiler from proving the stores dead
     * (the same trick as mbedtls_platform_zeroize). */
    static void *(*const volatile memset_v)(void *, int, size_t) = memset;
    if (p != NULL && n > 0) {
        memset_v(p, 0, n);
    }
}
