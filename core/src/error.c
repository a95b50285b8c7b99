/* SPDX-License-Identifier: MIT */
/* Status names, CONTRACT.md error codes, and first-error-wins reporting. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

const char *appmesh_status_name(enum appmesh_status status)
{
    switch (status) {
        case APPMESH_OK:
            return "APPMESH_OK";
        case APPMESH_ERR_INVALID_ARGUMENT:
            return "APPMESH_ERR_INVALID_ARGUMENT";
        case APPMESH_ERR_NOMEM:
            return "APPMESH_ERR_NOMEM";
        case APPMESH_ERR_VALIDATION:
            return "APPMESH_ERR_VALIDATION";
        case APPMESH_ERR_JSON:
            return "APPMESH_ERR_JSON";
        case APPMESH_ERR_TRANSPORT:
            return "APPMESH_ERR_TRANSPORT";
        case APPMESH_ERR_THROTTLED:
            return "APPMESH_ERR_THROTTLED";
        case APPMESH_ERR_SERVICE:
            return "APPMESH_ERR_SERVICE";
        case APPMESH_ERR_INTERNAL:
            return "APPMESH_ERR_INTERNAL";
        case APPMESH_ERR_CREDENTIALS:
            return "APPMESH_ERR_CREDENTIALS";
        case APPMESH_ERR_ENDPOINT:
            return "APPMESH_ERR_ENDPOINT";
        case APPMESH_ERR_TIMEOUT:
            return "APPMESH_ERR_TIMEOUT";
        case APPMESH_ERR_RESPONSE:
            return "APPMESH_ERR_RESPONSE";
        case APPMESH_ERR_INTERRUPTED:
            return "APPMESH_ERR_INTERRUPTED";
        case APPMESH_ERR_CONFIG:
            return "APPMESH_ERR_CONFIG";
    }
    return "APPMESH_ERR_UNKNOWN";
}

const char *appmesh_error_code(const struct appmesh_error *err)
{
    if (err == NULL) {
        return "InternalError";
    }
    if (err->aws_code[0] != '\0') {
        return err->aws_code;
    }
    switch (err->status) {
        case APPMESH_OK:
            return "OK";
        case APPMESH_ERR_VALIDATION:
        case APPMESH_ERR_INVALID_ARGUMENT:
            return "ValidationError";
        case APPMESH_ERR_CREDENTIALS:
            return "CredentialsError";
        case APPMESH_ERR_ENDPOINT:
            return "EndpointError";
        case APPMESH_ERR_TRANSPORT:
            return "TransportError";
        case APPMESH_ERR_TIMEOUT:
            return "TimeoutError";
        case APPMESH_ERR_JSON: /* the caller's input (responses fail with RESPONSE) */
            return "ValidationError";
        case APPMESH_ERR_RESPONSE:
            return "ResponseError";
        case APPMESH_ERR_INTERRUPTED:
            return "Interrupted";
        case APPMESH_ERR_CONFIG:
            /* The shared config and credentials files, the variables and profile keys of the
             * chain: CONTRACT.md's codes have no configuration code, and these are what the
             * credential chain reads; the message names the file and line or the variable. */
            return "CredentialsError";
        case APPMESH_ERR_NOMEM:
            return "OutOfMemory";
        case APPMESH_ERR_THROTTLED:
            return "ThrottlingException";
        case APPMESH_ERR_SERVICE:
        case APPMESH_ERR_INTERNAL:
            break;
    }
    return "InternalError";
}

void appmesh_error_clear(struct appmesh_error *err)
{
    if (err != NULL) {
        memset(err, 0, sizeof(*err));
    }
}

void am_copy_text(char *dst, size_t dstsize, const char *src, size_t srclen)
{
    size_t n = 0;
    size_t i = 0;

    if (dstsize == 0) {
        return;
    }
    n = srclen < dstsize - 1 ? srclen : dstsize - 1;
    /* Do not cut a UTF-8 sequence in half: back up over its continuation bytes to its lead
     * byte (at most 3 back). More continuation bytes in a row are not UTF-8: cut there, or
     * text that is all continuation bytes would come out empty. */
    if (n < srclen) {
        size_t back = 0;
        while (back < 3 && back < n && ((unsigned char)src[n - back] & 0xC0) == 0x80) {
            back++;
        }
        if (((unsigned char)src[n - back] & 0xC0) != 0x80) {
            n -= back;
        }
    }
    for (i = 0; i < n; i++) {
        char c = src[i];
        dst[i] = (c == '\n' || c == '\r') ? ' ' : c;
    }
    dst[n] = '\0';
}

static void vfail(struct appmesh_error *err, enum appmesh_status st, const char *fmt, va_list ap)
{
    char tmp[sizeof(err->message)];
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    size_t len = n < 0 ? 0 : (size_t)n;

    if (len >= sizeof(tmp)) {
        len = sizeof(tmp) - 1;
    }
    err->status = st;
    am_copy_text(err->message, sizeof(err->message), tmp, len);
}

enum appmesh_status am_fail(struct appmesh_error *err, enum appmesh_status st, const char *fmt, ...)
{
    va_list ap;
    if (err == NULL || err->status != APPMESH_OK) {
        return st;
    }
    va_start(ap, fmt);
    vfail(err, st, fmt, ap);
    va_end(ap);
    return st;
}

enum appmesh_status
am_fail_field(struct appmesh_error *err, const char *field, const char *fmt, ...)
{
    va_list ap;
    if (err == NULL || err->status != APPMESH_OK) {
        return APPMESH_ERR_VALIDATION;
    }
    va_start(ap, fmt);
    vfail(err, APPMESH_ERR_VALIDATION, fmt, ap);
    va_end(ap);
    am_copy_text(err->field, sizeof(err->field), field, strlen(field));
    return APPMESH_ERR_VALIDATION;
}

int am_strcasecmp_n(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t i = 0;
    for (i = 0; i < alen && i < blen; i++) {
        int ca = (unsigned char)a[i];
        int cb = (unsigned char)b[i];
        ca = (ca >= 'A' && ca <= 'Z') ? ca + 32 : ca;
        cb = (cb >= 'A' && cb <= 'Z') ? cb + 32 : cb;
        if (ca != cb) {
            return ca - cb;
        }
    }
    return (alen > blen) - (alen < blen);
}
