/* SPDX-License-Identifier: MIT */
/* rest-json protocol pieces: URI labels, query strings, error responses (code, message, id). */
#include "rest.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "appmesh/http.h"
#include "internal.h"
#include "uri.h"

/*
 * Percent-encode s[0..n) onto out, keeping only unreserved bytes. In a path, "." and ".." would
 * be dot-segments that a URL normaliser removes, so `dot_segments` encodes them too.
 */
static enum appmesh_status append_encoded(
    struct appmesh_buf *out, const char *s, size_t n, bool dot_segments, struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_ERR_INTERNAL;
    char *w = NULL;
    size_t i = 0;

    if (n > (SIZE_MAX - 1) / 3) {
        return am_fail(err, APPMESH_ERR_NOMEM, "URI label too long (%zu bytes)", n);
    }
    st = am_buf_reserve(out, 3 * n, err);
    if (st != APPMESH_OK) {
        return st;
    }
    w = out->ptr + out->len;
    if (dot_segments && ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))) {
        for (i = 0; i < n; i++) {
            *w++ = '%';
            *w++ = '2';
            *w++ = 'E';
        }
    } else {
        w = am_uri_encode(w, s, n, false);
    }
    out->len = (size_t)(w - out->ptr);
    out->ptr[out->len] = '\0';
    return APPMESH_OK;
}

enum appmesh_status
am_rest_append_label(struct appmesh_buf *out, const char *s, size_t n, struct appmesh_error *err)
{
    return append_encoded(out, s, n, true, err);
}

enum appmesh_status am_rest_append_query(struct appmesh_buf *out,
                                         const char *name,
                                         const char *value,
                                         struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_ERR_INTERNAL;
    size_t name_len = 0;
    size_t value_len = 0;

    if (name == NULL) {
        return am_fail(err, APPMESH_ERR_INVALID_ARGUMENT, "query parameter name is NULL");
    }
    if (value == NULL) {
        return APPMESH_OK; /* an absent member is not sent */
    }
    name_len = strlen(name);
    value_len = strlen(value);
    if (value_len > (SIZE_MAX - 1) / 3 || name_len > SIZE_MAX - 2 - 3 * value_len) {
        return am_fail(err, APPMESH_ERR_NOMEM, "query parameter %s too long (%zu bytes)", name,
                       value_len);
    }
    /* Reserve everything first: once that succeeds nothing below can fail, so a failure
     * leaves out as it was (no dangling "&name="). */
    st = am_buf_reserve(out, 2 + name_len + 3 * value_len, err);
    if (st != APPMESH_OK) {
        return st;
    }
    if (out->len > 0) {
        out->ptr[out->len++] = '&';
    }
    memcpy(out->ptr + out->len, name, name_len);
    out->len += name_len;
    out->ptr[out->len++] = '=';
    out->ptr[out->len] = '\0';
    return append_encoded(out, value, value_len, false, err);
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Write the error code found in [p, p + n) into err->aws_code: the text before any ':'
 * (a URI may follow), after the last '#' (a namespace may precede), trimmed, up to any NUL.
 * @return false when nothing is left, so the caller tries the next source.
 */
static bool take_code(struct appmesh_error *err, const char *p, size_t n)
{
    const char *nul = memchr(p, '\0', n); /* a header may hold one: the code ends there */
    const char *colon = memchr(p, ':', nul != NULL ? (size_t)(nul - p) : n);
    const char *start = p;
    const char *end = colon != NULL ? colon : (nul != NULL ? nul : p + n);
    const char *q = NULL;

    for (q = start; q < end; q++) {
        if (*q == '#') {
            start = q + 1;
        }
    }
    while (start < end && is_space(*start)) {
        start++;
    }
    while (end > start && is_space(end[-1])) {
        end--;
    }
    if (start == end) {
        return false;
    }
    am_copy_text(err->aws_code, sizeof(err->aws_code), start, (size_t)(end - start));
    return true;
}

/* A non-empty string member of a JSON object, or NULL. */
static const char *body_string(const cJSON *body, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(body, key);
    if (!cJSON_IsString(item) || item->valuestring == NULL || item->valuestring[0] == '\0') {
        return NULL;
    }
    return item->valuestring;
}

static const char *reason_phrase(int status)
{
    static const struct {
        int status;
        const char *text;
    } phrases[] = {
        {400, "Bad Request"},
        {401, "Unauthorized"},
        {403, "Forbidden"},
        {404, "Not Found"},
        {405, "Method Not Allowed"},
        {408, "Request Timeout"},
        {409, "Conflict"},
        {413, "Payload Too Large"},
        {429, "Too Many Requests"},
        {500, "Internal Server Error"},
        {501, "Not Implemented"},
        {502, "Bad Gateway"},
        {503, "Service Unavailable"},
        {504, "Gateway Timeout"},
    };
    size_t i = 0;
    for (i = 0; i < sizeof(phrases) / sizeof(phrases[0]); i++) {
        if (phrases[i].status == status) {
            return phrases[i].text;
        }
    }
    return NULL;
}

void am_rest_parse_error(const struct appmesh_http_response *resp, struct appmesh_error *err)
{
    struct appmesh_slice v = {NULL, 0};
    cJSON *body = NULL;
    const char *s = NULL;
    const char *msg = NULL;
    const char *text = resp != NULL ? resp->body.ptr : NULL;
    size_t len = text != NULL ? resp->body.len : 0;
    bool has_body = false;
    char tmp[sizeof(err->message)];
    size_t i = 0;

    if (err == NULL) {
        return;
    }
    /* This is the producer of service errors: it fills every field (attempts is the client's). */
    err->status = APPMESH_ERR_SERVICE;
    err->http_status = resp != NULL ? resp->status : 0;
    err->retryable = false;
    err->aws_code[0] = '\0';
    err->request_id[0] = '\0';
    err->field[0] = '\0';
    err->message[0] = '\0';
    if (resp == NULL) {
        snprintf(err->aws_code, sizeof(err->aws_code), "0");
        snprintf(err->message, sizeof(err->message), "no response to read an error from");
        return;
    }

    for (i = 0; i < len; i++) {
        if (!is_space(text[i])) {
            has_body = true;
            break;
        }
    }
    if (has_body) {
        /* Unreadable, non-object or out-of-memory all mean: no fields from the body. */
        body = cJSON_ParseWithLength(text, len);
        if (body != NULL && !cJSON_IsObject(body)) {
            cJSON_Delete(body);
            body = NULL;
        }
    }

    if (!(appmesh_http_response_header(resp, "x-amzn-ErrorType", &v) && v.len > 0 &&
          take_code(err, v.ptr, v.len))) {
        s = body_string(body, "code");
        if (s == NULL) {
            s = body_string(body, "Code");
        }
        if (s == NULL || !take_code(err, s, strlen(s))) {
            s = body_string(body, "__type");
            if (s == NULL || !take_code(err, s, strlen(s))) {
                snprintf(err->aws_code, sizeof(err->aws_code), "%d", resp->status);
            }
        }
    }

    msg = body_string(body, "message");
    if (msg == NULL) {
        msg = body_string(body, "Message");
    }
    if (msg != NULL) {
        am_copy_text(err->message, sizeof(err->message), msg, strlen(msg));
    } else {
        const char *phrase = reason_phrase(resp->status);
        int n =
            snprintf(tmp, sizeof(tmp), "HTTP %d%s%s%s", resp->status, phrase != NULL ? " " : "",
                     phrase != NULL ? phrase : "",
                     has_body && body == NULL ? " (the response body is not a JSON object)" : "");
        am_copy_text(err->message, sizeof(err->message), tmp,
                     n < 0 ? 0 : ((size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1));
    }

    if (appmesh_http_response_header(resp, "x-amzn-RequestId", &v)) {
        am_copy_text(err->request_id, sizeof(err->request_id), v.ptr, v.len);
    }
    cJSON_Delete(body);
}
