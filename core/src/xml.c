/* SPDX-License-Identifier: MIT */
/* A minimal, strict XML reader for STS answers: well-formed or refused; text of elements by path.
 */
#include "xml.h"

#include <string.h>

#include "internal.h"
#include "uri.h"

#define MAX_DEPTH 16 /* element nesting */

static bool xml_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.' || c == ':';
}

static bool xml_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* XML 1.0 allows no control character but tab, line feed and carriage return, as a byte or as a
 * character reference (a NUL would also cut a key short when it becomes a C string). */
static bool xml_control(unsigned long c)
{
    return c < 0x20 && c != '\t' && c != '\n' && c != '\r';
}

/* Skip "<!-- ... -->" or "<? ... ?>" at p; NULL when unterminated. */
static const char *xml_skip_special(const char *p, const char *end)
{
    const char *close = p[1] == '!' ? "-->" : "?>";
    size_t n = strlen(close);
    for (p += 2; p + n <= end; p++) {
        if (memcmp(p, close, n) == 0) {
            return p + n;
        }
    }
    return NULL;
}

const char *am_xml_scan(const char *doc, size_t len, struct am_xml_field *f, size_t nf)
{
    const char *p = doc;
    const char *end = doc + len;
    char path[512];
    size_t plen[MAX_DEPTH + 1];
    const char *text[MAX_DEPTH + 1];
    bool child[MAX_DEPTH + 1];
    size_t depth = 0;
    bool seen_root = false;
    size_t i = 0;

    path[0] = '\0';
    plen[0] = 0;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
        p += 3;
    }
    for (i = 0; i < len; i++) {
        if (xml_control((unsigned char)doc[i])) {
            return "a control character, which XML does not allow";
        }
    }
    while (p < end) {
        if (*p != '<') {
            if (depth == 0 && !xml_space(*p)) {
                return "text outside the root element";
            }
            p++;
            continue;
        }
        if (end - p >= 4 && memcmp(p, "<!--", 4) == 0) {
            p = xml_skip_special(p, end);
        } else if (end - p >= 2 && p[1] == '?') {
            p = xml_skip_special(p, end);
        } else if (end - p >= 2 && p[1] == '!') {
            return "a DTD or CDATA section (not expected from STS)";
        } else if (end - p >= 2 && p[1] == '/') {
            const char *name = p + 2;
            size_t n = 0;
            const char *top = NULL;
            size_t toplen = 0;
            while (name + n < end && xml_name_char(name[n])) {
                n++;
            }
            if (depth == 0) {
                return "a closing tag without an opening one";
            }
            top = path + (depth > 1 ? plen[depth - 1] + 1 : 0);
            toplen = plen[depth] - (size_t)(top - path);
            if (n != toplen || memcmp(name, top, n) != 0) {
                return "mismatched closing tag";
            }
            p = name + n;
            while (p < end && xml_space(*p)) {
                p++;
            }
            if (p >= end || *p != '>') {
                return "a closing tag that does not end with '>'";
            }
            if (!child[depth]) {
                for (i = 0; i < nf; i++) {
                    if (strlen(f[i].path) == plen[depth] &&
                        memcmp(f[i].path, path, plen[depth]) == 0) {
                        if (f[i].found) {
                            return "an element that appears twice";
                        }
                        f[i].found = true;
                        f[i].raw.ptr = text[depth];
                        f[i].raw.len = (size_t)(name - 2 - text[depth]);
                    }
                }
            }
            depth--;
            path[plen[depth]] = '\0';
            p++;
        } else {
            const char *name = p + 1;
            size_t n = 0;
            bool empty = false;
            while (name + n < end && xml_name_char(name[n])) {
                n++;
            }
            if (n == 0) {
                return "a '<' that starts no tag";
            }
            if (depth == 0 && seen_root) {
                return "a second root element";
            }
            if (depth >= MAX_DEPTH) {
                return "elements nested too deeply";
            }
            if (plen[depth] + 1 + n >= sizeof(path)) {
                return "element names too long";
            }
            p = name + n;
            for (;;) { /* attributes: name="value" or name='value' */
                char q = 0;
                while (p < end && xml_space(*p)) {
                    p++;
                }
                if (p >= end) {
                    return "an unterminated tag";
                }
                if (*p == '>' || (*p == '/' && p + 1 < end && p[1] == '>')) {
                    empty = *p == '/';
                    p += empty ? 2 : 1;
                    break;
                }
                if (!xml_name_char(*p)) {
                    return "a malformed attribute";
                }
                while (p < end && xml_name_char(*p)) {
                    p++;
                }
                while (p < end && xml_space(*p)) {
                    p++;
                }
                if (p >= end || *p != '=') {
                    return "a malformed attribute";
                }
                p++;
                while (p < end && xml_space(*p)) {
                    p++;
                }
                if (p >= end || (*p != '"' && *p != '\'')) {
                    return "an unquoted attribute value";
                }
                q = *p++;
                while (p < end && *p != q) {
                    p++;
                }
                if (p >= end) {
                    return "an unterminated attribute value";
                }
                p++;
            }
            seen_root = true;
            if (depth > 0) {
                child[depth] = true;
            }
            if (!empty) {
                size_t at = plen[depth];
                if (depth > 0) {
                    path[at++] = '/';
                }
                memcpy(path + at, name, n);
                depth++;
                plen[depth] = at + n;
                path[plen[depth]] = '\0';
                text[depth] = p;
                child[depth] = false;
            }
        }
        if (p == NULL) {
            return "an unterminated comment or processing instruction";
        }
    }
    if (depth != 0) {
        return "the document ends inside an element (truncated)";
    }
    if (!seen_root) {
        return "no root element";
    }
    return NULL;
}

enum appmesh_status am_xml_text(const struct appmesh_slice *raw,
                                struct appmesh_buf *out,
                                bool *bad,
                                struct appmesh_error *err)
{
    const char *p = raw->ptr;
    const char *end = raw->ptr + raw->len;
    enum appmesh_status st = APPMESH_OK;

    *bad = false;
    am_buf_reset(out);
    while (p < end && xml_space(*p)) {
        p++;
    }
    while (end > p && xml_space(end[-1])) {
        end--;
    }
    while (p < end && st == APPMESH_OK) {
        static const struct {
            const char *name;
            char c;
        } ents[] = {{"amp;", '&'}, {"lt;", '<'}, {"gt;", '>'}, {"quot;", '"'}, {"apos;", '\''}};
        size_t i = 0;
        bool matched = false;
        if (*p == '<') {
            *bad = true;
            return APPMESH_OK;
        }
        if (*p != '&') {
            st = am_buf_append_char(out, *p++, err);
            continue;
        }
        p++;
        for (i = 0; i < 5 && !matched; i++) {
            size_t n = strlen(ents[i].name);
            if ((size_t)(end - p) >= n && memcmp(p, ents[i].name, n) == 0) {
                st = am_buf_append_char(out, ents[i].c, err);
                p += n;
                matched = true;
            }
        }
        if (!matched && p < end && *p == '#') {
            unsigned long cp = 0;
            bool hex = p + 1 < end && p[1] == 'x';
            const char *q = p + (hex ? 2 : 1);
            const char *start = q;
            while (q < end && *q != ';' && cp <= 0x10FFFF) {
                int v = am_hex_digit((unsigned char)*q);
                if (!hex && v > 9) {
                    v = -1;
                }
                if (v < 0) {
                    break;
                }
                cp = cp * (hex ? 16 : 10) + (unsigned long)v;
                q++;
            }
            if (q == start || q >= end || *q != ';' || xml_control(cp) || cp > 0x10FFFF ||
                (cp >= 0xD800 && cp <= 0xDFFF)) {
                *bad = true;
                return APPMESH_OK;
            }
            if (cp < 0x80) {
                st = am_buf_append_char(out, (char)cp, err);
            } else {
                char u[4];
                size_t n = 0;
                if (cp < 0x800) {
                    u[0] = (char)(0xC0 | (cp >> 6));
                    n = 1;
                } else if (cp < 0x10000) {
                    u[0] = (char)(0xE0 | (cp >> 12));
                    u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
                    n = 2;
                } else {
                    u[0] = (char)(0xF0 | (cp >> 18));
                    u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
                    u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
                    n = 3;
                }
                u[n++] = (char)(0x80 | (cp & 0x3F));
                st = am_buf_append(out, u, n, err);
            }
            p = q + 1;
            matched = true;
        }
        if (!matched) {
            *bad = true;
            return APPMESH_OK;
        }
    }
    return st;
}
