/* SPDX-License-Identifier: MIT */
/* Scans of raw JSON text for what cJSON's tree hides: an escaped NUL inside a string. */
#include "json_text.h"

#include <string.h>

/* Containers deeper than this are scanned, but a member name is only kept this deep. */
#define KEY_DEPTH 32

struct slice {
    const char *p;
    size_t n;
};

/* Copy a key's raw text as printable ASCII (anything else becomes '?'). */
static void copy_key(char *out, size_t outsize, struct slice key)
{
    size_t i = 0;
    if (outsize == 0) {
        return;
    }
    for (; i < key.n && i + 1 < outsize; i++) {
        unsigned char c = (unsigned char)key.p[i];
        out[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    out[i] = '\0';
}

static void copy_text(char *out, size_t outsize, const char *s)
{
    struct slice sl = {s, strlen(s)};
    copy_key(out, outsize, sl);
}

/*
 * Scan the string whose opening quote is at text[*i]; leave *i after its closing quote (or at
 * the end). Returns whether it holds \u0000; *body is the text between the quotes.
 */
static bool scan_string(const char *text, size_t len, size_t *i, struct slice *body)
{
    bool nul = false;
    size_t j = *i + 1;
    body->p = text + j;
    while (j < len && text[j] != '"') {
        if (text[j] == '\\' && j + 1 < len) {
            if (text[j + 1] == 'u' && j + 5 < len && memcmp(text + j + 2, "0000", 4) == 0) {
                nul = true;
            }
            j += 2;
        } else {
            j++;
        }
    }
    body->n = (size_t)(text + j - body->p);
    *i = j < len ? j + 1 : len;
    return nul;
}

/* Whether key is one of names (NULL: any key may be named). */
static bool key_named(struct slice key, const char *const *names)
{
    if (names == NULL) {
        return true;
    }
    for (; *names != NULL; names++) {
        if (strlen(*names) == key.n && memcmp(*names, key.p, key.n) == 0) {
            return true;
        }
    }
    return false;
}

bool am_json_text_has_nul(
    const char *text, size_t len, const char *const *names, char *field, size_t fieldsize)
{
    struct slice keys[KEY_DEPTH + 1];
    int depth = 0; /* containers open; keys[depth] is the member being read at that depth */
    size_t i = 0;

    memset(keys, 0, sizeof(keys));
    if (text == NULL) {
        return false;
    }
    while (i < len) {
        char c = text[i];
        if (c == '{' || c == '[') {
            depth++;
            if (depth <= KEY_DEPTH) {
                /* Inside an array, items belong to the array's member: inherit its name. */
                keys[depth] = c == '[' ? keys[depth - 1] : (struct slice){NULL, 0};
            }
            i++;
        } else if (c == '}' || c == ']') {
            depth = depth > 0 ? depth - 1 : 0;
            i++;
        } else if (c == '"') {
            struct slice body;
            bool nul = scan_string(text, len, &i, &body);
            size_t k = i;
            while (k < len &&
                   (text[k] == ' ' || text[k] == '\t' || text[k] == '\r' || text[k] == '\n')) {
                k++;
            }
            bool is_key = k < len && text[k] == ':';
            if (nul) {
                if (is_key) {
                    copy_text(field, fieldsize, "(a key)");
                } else if (depth == 0) {
                    copy_text(field, fieldsize, "(top level)");
                } else {
                    int d = depth <= KEY_DEPTH ? depth : KEY_DEPTH;
                    if (keys[d].p != NULL && key_named(keys[d], names)) {
                        copy_key(field, fieldsize, keys[d]);
                    } else if (keys[d].p != NULL) {
                        copy_text(field, fieldsize, "(another member)");
                    } else {
                        copy_text(field, fieldsize, "(top level)");
                    }
                }
                return true;
            }
            if (is_key && depth > 0 && depth <= KEY_DEPTH) {
                keys[depth] = body;
            }
        } else {
            i++;
        }
    }
    return false;
}
