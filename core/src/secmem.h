/* SPDX-License-Identifier: MIT */
/* Memory for long-lived secrets: pages of their own, left out of core dumps, wiped when freed. */
#ifndef APPMESH_SECMEM_H
#define APPMESH_SECMEM_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The credential cache and the signing-key cache live as long as a client. A host's allocator
 * cannot keep them out of a core dump (it cannot mark pages), so they get private anonymous
 * mappings of their own, marked MADV_DONTDUMP where the system has it, and wiped before they
 * are unmapped. One mapping per block: a client holds a handful, refreshed rarely, so the cost
 * is a few pages and a few system calls per credential refresh, never per call.
 */

/** A zeroed block of n bytes (n > 0), or NULL when the system has no memory for it. */
void *am_secmem_alloc(size_t n);

/** Wipe and unmap a block from am_secmem_alloc; NULL is a no-op. */
void am_secmem_free(void *p);

/** A copy of s (NUL-terminated) in a block of its own; NULL for NULL or when out of memory. */
char *am_secmem_strdup(const char *s);

/** Whether blocks are kept out of core dumps on this system (MADV_DONTDUMP is known). */
bool am_secmem_dontdump(void);

/** Blocks allocated and not yet freed, in the whole process (for the tests' leak checks). */
long am_secmem_live(void);

#endif
