/* SPDX-License-Identifier: MIT */
/* UTF-8 validation and character counting (RFC 3629: no overlongs, no surrogates). */
#include "internal.h"

long am_utf8_count(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    long count = 0;

    while (i < n) {
        unsigned char c = p[i];
        size_t need = 0;
        unsigned long cp = 0;
        size_t k = 0;

        if (c < 0x80) {
            i++;
            count++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            cp = c & 0x07;
        } else {
            return -1;
        }
        if (n - i <= need) {
            return -1;
        }
        for (k = 1; k <= need; k++) {
            unsigned char cc = p[i + k];
            if ((cc & 0xC0) != 0x80) {
                return -1;
            }
            cp = (cp << 6) | (cc & 0x3F);
        }
        if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF)) {
            return -1;
        }
        i += need + 1;
        count++;
    }
    return count;
}
