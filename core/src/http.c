/* SPDX-License-Identifier: MIT */
/* Response header lookup over the raw header block a transport collects. */
#include <string.h>

#include "appmesh/http.h"
#include "internal.h"

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

bool appmesh_http_response_header(const struct appmesh_http_response *resp,
                                  const char *name,
                                  struct appmesh_slice *value)
{
    const char *p = resp->headers.ptr;
    const char *end = p == NULL ? NULL : p + resp->headers.len;
    size_t nlen = strlen(name);

    if (memchr(name, ':', nlen) != NULL) {
        return false; /* no line's name (the text before its first colon) holds a colon */
    }
    while (p != NULL && p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = eol != NULL ? eol : end;

        /* name holds no colon: the line names it when it starts with it (any case) and a colon
         * follows, with no search for the line's first colon. */
        if ((size_t)(line_end - p) > nlen && p[nlen] == ':' &&
            am_strcasecmp_n(p, nlen, name, nlen) == 0) {
            const char *v = p + nlen + 1;
            const char *ve = line_end;
            while (v < ve && is_space(*v)) {
                v++;
            }
            while (ve > v && (is_space(ve[-1]) || ve[-1] == '\r')) {
                ve--;
            }
            value->ptr = v;
            value->len = (size_t)(ve - v);
            return true;
        }
        p = eol != NULL ? eol + 1 : end;
    }
    return false;
}

void appmesh_http_response_cleanup(struct appmesh_http_response *resp)
{
    if (resp == NULL) {
        return;
    }
    appmesh_buf_cleanup(&resp->headers);
    appmesh_buf_cleanup(&resp->body);
    resp->status = 0;
}
