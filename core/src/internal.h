/* SPDX-License-Identifier: MIT */
/* The base of every core file: allocation, buffers, first-error failures, UTF-8 (what a
 * binding may include too); each module has its own header (<module>.h). Never installed. */
#ifndef APPMESH_INTERNAL_H
#define APPMESH_INTERNAL_H

#include <stddef.h>

#include "appmesh/alloc.h"
#include "appmesh/buf.h"
#include "appmesh/common.h"
#include "appmesh/error.h"

/* ---- alloc.c: every allocation goes through these (no malloc/free elsewhere) ---- */

/** The allocator to use: a itself, or the libc one when a is NULL. Never NULL. */
const struct appmesh_allocator *am_alloc_or_default(const struct appmesh_allocator *a);
void *am_malloc(const struct appmesh_allocator *a, size_t n);
void *am_calloc(const struct appmesh_allocator *a, size_t n);
void *am_realloc(const struct appmesh_allocator *a, void *p, size_t osize, size_t nsize);
void am_free(const struct appmesh_allocator *a, void *p, size_t size);
/** Copy n bytes plus a NUL; NULL when out of memory. Free with am_free_str(). */
char *am_strndup(const struct appmesh_allocator *a, const char *s, size_t n);
char *am_strdup(const struct appmesh_allocator *a, const char *s);
/** Free a NUL-terminated string made by am_strdup/am_strndup; NULL is a no-op. */
void am_free_str(const struct appmesh_allocator *a, char *s);
/** Wipe, then free a NUL-terminated secret string. */
void am_free_secret_str(const struct appmesh_allocator *a, char *s);
/** Wipe n bytes in a way the compiler cannot elide. */
void am_zeroize(void *p, size_t n);

/* ---- buf.c ---- */

void am_buf_init(struct appmesh_buf *b, const struct appmesh_allocator *a, size_t max);
/** Make room for `extra` more bytes (plus the NUL). Errors: NOMEM, or RESPONSE past max. */
enum appmesh_status am_buf_reserve(struct appmesh_buf *b, size_t extra, struct appmesh_error *err);
enum appmesh_status
am_buf_append(struct appmesh_buf *b, const void *p, size_t n, struct appmesh_error *err);
enum appmesh_status
am_buf_append_str(struct appmesh_buf *b, const char *s, struct appmesh_error *err);
enum appmesh_status am_buf_append_char(struct appmesh_buf *b, char c, struct appmesh_error *err);
enum appmesh_status
am_buf_printf(struct appmesh_buf *b, struct appmesh_error *err, const char *fmt, ...)
    APPMESH_PRINTF(3, 4);
/** Keep the memory, drop the contents (len = 0, ptr[0] = '\0'). */
void am_buf_reset(struct appmesh_buf *b);
/** Empty string view of a buffer that may not be allocated yet. */
const char *am_buf_cstr(const struct appmesh_buf *b);

/* ---- error.c ---- */

/**
 * Record a failure: writes err only while err->status is APPMESH_OK (first error wins) and
 * always returns st, so `return am_fail(err, APPMESH_ERR_NOMEM, "out of memory");` reads well.
 */
enum appmesh_status am_fail(struct appmesh_error *err, enum appmesh_status st, const char *fmt, ...)
    APPMESH_PRINTF(3, 4);
/** Like am_fail, also setting err->field (the dotted wire path of the bad parameter). */
enum appmesh_status
am_fail_field(struct appmesh_error *err, const char *field, const char *fmt, ...)
    APPMESH_PRINTF(3, 4);
/** Copy src into a fixed char array, truncating at a UTF-8 boundary and stripping newlines. */
void am_copy_text(char *dst, size_t dstsize, const char *src, size_t srclen);

/* ---- utf8.c ---- */

/** Count UTF-8 characters in s[0..n); -1 when the bytes are not valid UTF-8 (overlongs,
 *  surrogates, and code points past U+10FFFF are invalid). */
long am_utf8_count(const char *s, size_t n);

/* ---- strings (error.c) ---- */
int am_strcasecmp_n(const char *a, size_t alen, const char *b, size_t blen);

#endif
