/* SPDX-License-Identifier: MIT */
/* Owned, bounded byte buffers and borrowed views. */
#ifndef APPMESH_BUF_H
#define APPMESH_BUF_H

#include <stddef.h>

#include "appmesh/alloc.h"
#include "appmesh/common.h"

/** A borrowed view of bytes; never freed through the view. */
struct appmesh_slice {
    const char *ptr;
    size_t len;
};

/**
 * An owned, growable byte buffer, always NUL-terminated after `len` bytes once allocated.
 * `max` bounds `len` (0 = unbounded); growth past it fails instead of allocating. Zero-init
 * is a valid empty buffer using libc; `alloc` is borrowed and must outlive the buffer.
 */
struct appmesh_buf {
    char *ptr;
    size_t len;
    size_t cap;
    size_t max;
    const struct appmesh_allocator *alloc;
};

/** Free the buffer's memory (wiping it first) and reset it; safe twice. */
APPMESH_API void appmesh_buf_cleanup(struct appmesh_buf *buf);

#endif
