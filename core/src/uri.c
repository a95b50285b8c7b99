/* SPDX-License-Identifier: MIT */
/* Percent-encoding as RFC 3986 and SigV4 want it, and hex digits: one encoder for every caller. */
#include "uri.h"

/* Byte classes for URI encoding: 1 = RFC 3986 unreserved (A-Z a-z 0-9 - . _ ~), the only bytes
 * left as they are; 2 = '/', kept in paths; 0 = percent-encoded. */
const unsigned char am_uri_class[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1,
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

int am_hex_digit(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

char *am_uri_put_pct(char *p, unsigned char c)
{
    static const char digits[] = "0123456789ABCDEF";
    p[0] = '%';
    p[1] = digits[c >> 4];
    p[2] = digits[c & 0x0f];
    return p + 3;
}

char *am_uri_encode(char *p, const char *s, size_t n, bool keep_slash)
{
    size_t i = 0;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        unsigned char cls = am_uri_class[c];
        if (cls == AM_URI_UNRESERVED || (cls == AM_URI_SLASH && keep_slash)) {
            *p++ = (char)c;
        } else {
            p = am_uri_put_pct(p, c);
        }
    }
    return p;
}
