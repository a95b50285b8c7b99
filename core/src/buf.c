/* SPDX-License-Identifier: MIT */
/* Owned, bounded, always NUL-terminated byte buffers. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

void am_buf_init(struct appmesh_buf *b, const struct appmesh_allocator *a, size_t max)
{
    b->ptr = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
    b->alloc = a;
}

enum appmesh_status am_buf_reserve(struct appmesh_buf *b, size_t extra, struct appmesh_error *err)
{
    size_t need = 0;
    size_t cap = 0;
    char *p = NULL;

    if (extra > SIZE_MAX - b->len - 1) {
        return am_fail(err, APPMESH_ERR_NOMEM, "buffer size overflow");
    }
    need = b->len + extra + 1;
    if (b->max != 0 && b->len + extra > b->max) {
        return am_fail(err, APPMESH_ERR_RESPONSE, "data exceeds the %zu-byte limit", b->max);
    }
    if (need <= b->cap) {
        return APPMESH_OK;
    }
    cap = b->cap < 64 ? 64 : b->cap;
    while (cap < need) {
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    }
    /* Not realloc: the old block may hold a secret (a token, a form body, a response with
     * keys), and realloc would free it unwiped. */
    p = am_malloc(b->alloc, cap);
    if (p == NULL) {
        return am_fail(err, APPMESH_ERR_NOMEM, "out of memory (buffer of %zu bytes)", cap);
    }
    if (b->ptr != NULL) {
        memcpy(p, b->ptr, b->len);
        am_zeroize(b->ptr, b->cap);
        am_free(b->alloc, b->ptr, b->cap);
    }
    b->ptr = p;
    b->cap = cap;
    b->ptr[b->len] = '\0';
    return APPMESH_OK;
}

enum appmesh_status
am_buf_append(struct appmesh_buf *b, const void *p, size_t n, struct appmesh_error *err)
{
    enum appmesh_status st = am_buf_reserve(b, n, err);
    if (st != APPMESH_OK) {
        return st;
    }
    if (n > 0) {
        memcpy(b->ptr + b->len, p, n);
    }
    b->len += n;
    b->ptr[b->len] = '\0';
    return APPMESH_OK;
}

enum appmesh_status
am_buf_append_str(struct appmesh_buf *b, const char *s, struct appmesh_error *err)
{
    return am_buf_append(b, s, strlen(s), err);
}

enum appmesh_status am_buf_append_char(struct appmesh_buf *b, char c, struct appmesh_error *err)
{
    return am_buf_append(b, &c, 1, err);
}

enum appmesh_status
am_buf_printf(struct appmesh_buf *b, struct appmesh_error *err, const char *fmt, ...)
{
    enum appmesh_status st = APPMESH_OK;
    va_list ap;
    int n = 0;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return am_fail(err, APPMESH_ERR_INTERNAL, "format error");
    }
    st = am_buf_reserve(b, (size_t)n, err);
    if (st != APPMESH_OK) {
        return st;
    }
    va_start(ap, fmt);
    vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return APPMESH_OK;
}

void am_buf_reset(struct appmesh_buf *b)
{
    b->len = 0;
    if (b->ptr != NULL) {
        b->ptr[0] = '\0';
    }
}

const char *am_buf_cstr(const struct appmesh_buf *b)
{
    return b->ptr != NULL ? b->ptr : "";
}

void appmesh_buf_cleanup(struct appmesh_buf *b)
{
    if (b == NULL) {
        return;
    }
    if (b->ptr != NULL) {
        am_zeroize(b->ptr, b->cap);
        am_free(b->alloc, b->ptr, b->cap);
    }
    b->ptr = NULL;
    b->len = 0;
    b->cap = 0;
}
