/* SPDX-License-Identifier: MIT */
/* Percent-encoding as RFC 3986 and SigV4 want it, and hex digits (uri.c). */
#ifndef APPMESH_URI_H
#define APPMESH_URI_H

#include <stdbool.h>
#include <stddef.h>

/* What am_uri_class says of a byte. */
enum am_uri_class {
    AM_URI_ENCODE = 0,     /* percent-encoded */
    AM_URI_UNRESERVED = 1, /* A-Z a-z 0-9 - . _ ~: the only bytes left as they are */
    AM_URI_SLASH = 2,      /* '/', kept in paths */
};
/** The class of every byte (a table: the signer looks bytes up on its hot path). */
extern const unsigned char am_uri_class[256];

/** The value of a hex digit (0-9, a-f, A-F), or -1 for any other byte. */
int am_hex_digit(unsigned char c);

/** Write "%XX" (upper-case hex, as SigV4 wants) for c at p; returns the end. */
char *am_uri_put_pct(char *p, unsigned char c);

/**
 * Percent-encode s[0..n) at p, keeping only the unreserved bytes (and '/' when keep_slash);
 * returns the end. p must have room for 3 * n bytes: callers reserve first.
 */
char *am_uri_encode(char *p, const char *s, size_t n, bool keep_slash);

#endif
