/* SPDX-License-Identifier: MIT */
/* A lua_Alloc-shaped allocator, so a Lua host can pass lua_getallocf() and keep its accounting. */
#ifndef APPMESH_ALLOC_H
#define APPMESH_ALLOC_H

#include <stddef.h>

/**
 * fn(ud, ptr, osize, nsize): nsize == 0 frees ptr (returns NULL); otherwise (re)allocates
 * ptr from osize to nsize bytes and returns NULL on failure, leaving ptr untouched, exactly
 * as lua_Alloc. A NULL allocator pointer anywhere in the API means libc.
 */
struct appmesh_allocator {
    void *(*fn)(void *ud, void *ptr, size_t osize, size_t nsize);
    void *ud;
};

#endif
