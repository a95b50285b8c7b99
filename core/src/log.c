/* SPDX-License-Identifier: MIT */
/* The APPMESH_LOG=debug trace: one block per attempt on stderr, nothing secret in it. */
#include <stdio.h>
#include <string.h>

#include "appmesh/http.h"
#include "internal.h"
#include "log.h"
#include "transport_curl.h"

static bool name_is(const struct appmesh_header *h, const char *name)
{
    return am_strcasecmp_n(h->name, h->name_len, name, strlen(name)) == 0;
}

enum appmesh_status am_log_redacted_value(struct appmesh_buf *b,
                                          const struct appmesh_header *h,
                                          struct appmesh_error *err)
{
    static const char sig[] = "Signature=";
    if (name_is(h, "X-Amz-Security-Token")) {
        return am_buf_append_str(b, "<redacted>", err);
    }
    if (name_is(h, "Authorization")) {
        /* Keep the credential scope and signed headers; drop the signature itself. */
        size_t i = 0;
        for (i = 0; i + sizeof(sig) - 1 <= h->value_len; i++) {
            if (memcmp(h->value + i, sig, sizeof(sig) - 1) == 0) {
                enum appmesh_status st = am_buf_append(b, h->value, i + sizeof(sig) - 1, err);
                return st == APPMESH_OK ? am_buf_append_str(b, "<redacted>", err) : st;
            }
        }
        return am_buf_append_str(b, "<redacted>", err);
    }
    return am_buf_append(b, h->value, h->value_len, err);
}

/* Write the scratch buffer to stderr in one call, so lines of two threads do not mix. */
static void flush(struct am_call *call)
{
    fwrite(am_buf_cstr(&call->preview), 1, call->preview.len, stderr);
    fflush(stderr);
    am_buf_reset(&call->preview);
}

void am_log_request(const struct am_service *c, struct am_call *call)
{
    struct appmesh_buf *b = &call->preview;
    size_t i = 0;
    if (!c->log_debug) {
        return;
    }
    call->log_sent_at = am_service_now(c);
    am_buf_reset(b);
    am_buf_printf(b, NULL, "appmesh: %s attempt %d/%d: %s %s\n", call->operation, call->attempt,
                  c->policy.max_attempts, call->method, call->http.url);
    for (i = 0; i < call->header_count; i++) {
        am_buf_printf(b, NULL, "appmesh:   > %.*s: ", (int)call->headers[i].name_len,
                      call->headers[i].name);
        am_log_redacted_value(b, &call->headers[i], NULL);
        am_buf_append_char(b, '\n', NULL);
    }
    if (c->own_transport) { /* sent by libcurl, so not among the call's headers */
        am_buf_printf(b, NULL, "appmesh:   > User-Agent: %s\n",
                      c->curl_options.user_agent != NULL ? c->curl_options.user_agent
                                                         : am_curl_default_user_agent());
    }
    am_buf_printf(b, NULL, "appmesh:   > (body %zu bytes)\n", call->http.body_len);
    flush(call);
}

void am_log_response(const struct am_service *c,
                     struct am_call *call,
                     const struct appmesh_http_response *resp,
                     double seconds)
{
    struct appmesh_buf *b = &call->preview;
    const char *p = am_buf_cstr(&resp->headers);
    const char *end = p + resp->headers.len;
    if (!c->log_debug) {
        return;
    }
    if (seconds <= 0 && call->log_sent_at > 0) { /* the multi driver does not time attempts */
        seconds = am_service_now(c) - call->log_sent_at;
    }
    am_buf_reset(b);
    am_buf_printf(b, NULL, "appmesh: %s attempt %d/%d: HTTP %d in %.1f ms, body %zu bytes\n",
                  call->operation, call->attempt, c->policy.max_attempts, resp->status,
                  seconds * 1000.0, resp->body.len);
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)((eol != NULL ? eol : end) - p);
        if (n > 0 && p[n - 1] == '\r') {
            n--;
        }
        if (n > 0) {
            am_buf_printf(b, NULL, "appmesh:   < %.*s\n", (int)n, p);
        }
        p = eol != NULL ? eol + 1 : end;
    }
    flush(call);
}

void am_log_failure(const struct am_service *c,
                    struct am_call *call,
                    const struct appmesh_error *terr,
                    double seconds)
{
    if (!c->log_debug) {
        return;
    }
    if (seconds <= 0 && call->log_sent_at > 0) {
        seconds = am_service_now(c) - call->log_sent_at;
    }
    am_buf_reset(&call->preview);
    am_buf_printf(&call->preview, NULL, "appmesh: %s attempt %d/%d failed after %.1f ms: %s: %s\n",
                  call->operation, call->attempt, c->policy.max_attempts, seconds * 1000.0,
                  appmesh_error_code(terr), terr->message);
    flush(call);
}

void am_log_retry(const struct am_service *c, struct am_call *call)
{
    if (!c->log_debug) {
        return;
    }
    am_buf_reset(&call->preview);
    am_buf_printf(&call->preview, NULL, "appmesh: %s: %s, retrying in %.3f s\n", call->operation,
                  appmesh_error_code(&call->err), call->delay);
    flush(call);
}
