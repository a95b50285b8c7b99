/* SPDX-License-Identifier: MIT */
/* The libcurl transport: one reused easy handle (keep-alive), strict TLS, bounded responses. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "internal.h"

#define DEFAULT_CONNECT_TIMEOUT 5.0
#define DEFAULT_TIMEOUT         30.0
#define DEFAULT_MAX_RESPONSE    (1024 * 1024)

struct curl_transport {
    struct appmesh_transport base; /* what callers hold: base.impl points back here */
    const struct appmesh_allocator *alloc;
    CURL *easy;
    char *ca_bundle;
    char *user_agent;
    size_t max_response;
    appmesh_interrupt_fn *interrupt;
    void *interrupt_ud;
    /* Request headers: "Name: value\0" lines in `lines`, and curl_slist nodes in `nodes`
     * pointing into it. Both are reused, so a steady stream of requests allocates nothing. */
    struct appmesh_buf lines;
    struct curl_slist *nodes;
    size_t nodes_cap;
    /* The response being received. */
    struct appmesh_http_response *resp;
    bool body_too_big;
    bool headers_too_big;
    char errbuf[CURL_ERROR_SIZE];
};

/* ---- process-wide initialisation ---- */

static pthread_once_t s_global_once = PTHREAD_ONCE_INIT;
static CURLcode s_global_rc = CURLE_OK;

static void global_init_once(void)
{
    s_global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

enum appmesh_status appmesh_global_init(struct appmesh_error *err)
{
    pthread_once(&s_global_once, global_init_once);
    if (s_global_rc != CURLE_OK) {
        return am_fail(err, APPMESH_ERR_TRANSPORT, "curl_global_init failed: %s",
                       curl_easy_strerror(s_global_rc));
    }
    return APPMESH_OK;
}

/* ---- callbacks ---- */

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    struct curl_transport *t = ud;
    size_t n = size * nmemb;
    if (am_buf_append(&t->resp->body, data, n, NULL) != APPMESH_OK) {
        t->body_too_big = t->resp->body.len + n > t->max_response;
        return 0; /* makes curl stop with CURLE_WRITE_ERROR */
    }
    return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *ud)
{
    struct curl_transport *t = ud;
    size_t n = size * nmemb;
    /* A new status line starts a new response (after 100 Continue): keep only the last. */
    if (n >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        am_buf_reset(&t->resp->headers);
        return n;
    }
    if (am_buf_append(&t->resp->headers, data, n, NULL) != APPMESH_OK) {
        t->headers_too_big = true;
        return 0;
    }
    return n;
}

static int
on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
    struct curl_transport *t = ud;
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    return t->interrupt(t->interrupt_ud) ? 1 : 0;
}

/* ---- request set-up ---- */

static enum appmesh_status set_headers(struct curl_transport *t,
                                       const struct appmesh_http_request *req,
                                       struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_OK;
    size_t count = req->header_count + 1; /* + "Expect:" */
    size_t i = 0;
    size_t off = 0;

    am_buf_reset(&t->lines);
    for (i = 0; i < req->header_count && st == APPMESH_OK; i++) {
        const struct appmesh_header *h = &req->headers[i];
        if (memchr(h->value, '\n', h->value_len) != NULL ||
            memchr(h->value, '\r', h->value_len) != NULL ||
            memchr(h->value, '\0', h->value_len) != NULL) {
            return am_fail(err, APPMESH_ERR_INVALID_ARGUMENT,
                           "header %.*s contains a line break or NUL byte", (int)h->name_len,
                           h->name);
        }
        st = am_buf_append(&t->lines, h->name, h->name_len, err);
        if (st == APPMESH_OK) {
            st = am_buf_append(&t->lines, ": ", 2, err);
        }
        if (st == APPMESH_OK) {
            st = am_buf_append(&t->lines, h->value, h->value_len, err);
        }
        if (st == APPMESH_OK) {
            st = am_buf_append(&t->lines, "", 1, err); /* keeps the NUL inside the buffer */
        }
    }
    /* No "Expect: 100-continue" round trip before the body. */
    if (st == APPMESH_OK) {
        st = am_buf_append(&t->lines, "Expect:", 8, err);
    }
    if (st != APPMESH_OK) {
        return st;
    }
    if (count > t->nodes_cap) {
        struct curl_slist *n =
            am_realloc(t->alloc, t->nodes, t->nodes_cap * sizeof(*n), count * sizeof(*n));
        if (n == NULL) {
            return am_fail(err, APPMESH_ERR_NOMEM, "out of memory for request headers");
        }
        t->nodes = n;
        t->nodes_cap = count;
    }
    /* curl only reads a header list during the transfer; it never frees one it did not make. */
    for (i = 0; i < count; i++) {
        t->nodes[i].data = t->lines.ptr + off;
        t->nodes[i].next = i + 1 < count ? &t->nodes[i + 1] : NULL;
        off += strlen(t->lines.ptr + off) + 1;
    }
    curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, t->nodes);
    return APPMESH_OK;
}

static void set_method(struct curl_transport *t, const struct appmesh_http_request *req)
{
    if (strcmp(req->method, "GET") == 0) {
        curl_easy_setopt(t->easy, CURLOPT_CUSTOMREQUEST, NULL);
        curl_easy_setopt(t->easy, CURLOPT_HTTPGET, 1L);
        return;
    }
    curl_easy_setopt(t->easy, CURLOPT_CUSTOMREQUEST, req->method);
    curl_easy_setopt(t->easy, CURLOPT_POSTFIELDS, req->body != NULL ? req->body : "");
    curl_easy_setopt(t->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
}

/* Turn a curl failure into our status with a message that says what happened. */
static enum appmesh_status map_error(struct curl_transport *t,
                                     CURLcode rc,
                                     const struct appmesh_http_request *req,
                                     struct appmesh_error *err)
{
    const char *detail = t->errbuf[0] != '\0' ? t->errbuf : curl_easy_strerror(rc);

    switch (rc) {
        case CURLE_OPERATION_TIMEDOUT:
            return am_fail(err, APPMESH_ERR_TIMEOUT, "%s %s: %s", req->method, req->url, detail);
        case CURLE_ABORTED_BY_CALLBACK:
            return am_fail(err, APPMESH_ERR_INTERRUPTED, "interrupted");
        case CURLE_WRITE_ERROR:
            if (t->body_too_big) {
                return am_fail(err, APPMESH_ERR_RESPONSE,
                               "%s %s: response body larger than %zu bytes", req->method, req->url,
                               t->max_response);
            }
            break;
        case CURLE_RECV_ERROR:
            if (t->headers_too_big) {
                return am_fail(err, APPMESH_ERR_RESPONSE, "%s %s: response headers too large",
                               req->method, req->url);
            }
            break;
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CACERT_BADFILE:
            return am_fail(err, APPMESH_ERR_TRANSPORT,
                           "TLS certificate verification failed for %s: %s", req->url, detail);
        case CURLE_UNSUPPORTED_PROTOCOL:
        case CURLE_URL_MALFORMAT:
            return am_fail(err, APPMESH_ERR_ENDPOINT, "%s: %s", req->url, detail);
        default:
            break;
    }
    if (t->headers_too_big) {
        return am_fail(err, APPMESH_ERR_RESPONSE, "%s %s: response headers too large", req->method,
                       req->url);
    }
    return am_fail(err, APPMESH_ERR_TRANSPORT, "%s %s: %s", req->method, req->url, detail);
}

static enum appmesh_status curl_send(void *impl,
                                     const struct appmesh_http_request *req,
                                     struct appmesh_http_response *resp,
                                     struct appmesh_error *err)
{
    struct curl_transport *t = impl;
    enum appmesh_status st = APPMESH_ERR_INTERNAL;
    CURLcode rc = CURLE_OK;
    long status = 0;

    if (resp->body.alloc == NULL && resp->body.ptr == NULL) {
        resp->body.alloc = t->alloc;
        resp->headers.alloc = t->alloc;
    }
    resp->status = 0;
    am_buf_reset(&resp->headers);
    am_buf_reset(&resp->body);
    resp->body.max = t->max_response;
    if (resp->headers.max == 0) {
        resp->headers.max = 64 * 1024;
    }
    t->resp = resp;
    t->body_too_big = false;
    t->headers_too_big = false;
    t->errbuf[0] = '\0';

    st = set_headers(t, req, err);
    if (st != APPMESH_OK) {
        return st;
    }
    set_method(t, req);
    curl_easy_setopt(t->easy, CURLOPT_URL, req->url);
    rc = curl_easy_perform(t->easy);
    t->resp = NULL;
    if (rc != CURLE_OK) {
        return map_error(t, rc, req, err);
    }
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
    resp->status = (int)status;
    return APPMESH_OK;
}

static void curl_destroy(void *impl)
{
    struct curl_transport *t = impl;
    if (t == NULL) {
        return;
    }
    if (t->easy != NULL) {
        curl_easy_cleanup(t->easy);
    }
    am_free_str(t->alloc, t->ca_bundle);
    am_free_str(t->alloc, t->user_agent);
    appmesh_buf_cleanup(&t->lines);
    am_free(t->alloc, t->nodes, t->nodes_cap * sizeof(*t->nodes));
    am_free(t->alloc, t, sizeof(*t));
}

static const struct appmesh_transport_vtable s_curl_vtable = {curl_send, curl_destroy};

static long to_ms(double seconds, double fallback)
{
    return (long)((seconds > 0 ? seconds : fallback) * 1000.0);
}

static enum appmesh_status configure(struct curl_transport *t,
                                     const struct appmesh_transport_curl_options *o,
                                     struct appmesh_error *err)
{
    CURL *e = t->easy;
    CURLcode rc = CURLE_OK;

    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     to_ms(o->connect_timeout, DEFAULT_CONNECT_TIMEOUT));
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, to_ms(o->timeout, DEFAULT_TIMEOUT));
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, t->user_agent);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, o->no_verify_tls ? 0L : 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, o->no_verify_tls ? 0L : 2L);
    if (t->ca_bundle != NULL) {
        curl_easy_setopt(e, CURLOPT_CAINFO, t->ca_bundle);
    }
    if (t->interrupt != NULL) {
        curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(e, CURLOPT_XFERINFODATA, t);
        curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
    }
    rc = curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    if (rc != CURLE_OK) {
        return am_fail(err, APPMESH_ERR_TRANSPORT, "libcurl: cannot restrict protocols: %s",
                       curl_easy_strerror(rc));
    }
    return APPMESH_OK;
}

enum appmesh_status appmesh_transport_curl_new(const struct appmesh_allocator *alloc,
                                               const struct appmesh_transport_curl_options *opts,
                                               struct appmesh_transport **out,
                                               struct appmesh_error *err)
{
    static const struct appmesh_transport_curl_options defaults = {0};
    struct curl_transport *t = NULL;
    enum appmesh_status st = APPMESH_ERR_INTERNAL;

    if (out == NULL) {
        return am_fail(err, APPMESH_ERR_INVALID_ARGUMENT,
                       "appmesh_transport_curl_new: out is NULL");
    }
    *out = NULL;
    if (opts == NULL) {
        opts = &defaults;
    }
    st = appmesh_global_init(err);
    if (st != APPMESH_OK) {
        return st;
    }
    t = am_calloc(alloc, sizeof(*t));
    if (t == NULL) {
        return am_fail(err, APPMESH_ERR_NOMEM, "out of memory creating the transport");
    }
    t->alloc = alloc;
    am_buf_init(&t->lines, alloc, 0);
    t->max_response = opts->max_response > 0 ? opts->max_response : DEFAULT_MAX_RESPONSE;
    t->interrupt = opts->interrupt;
    t->interrupt_ud = opts->interrupt_ud;
    t->user_agent = am_strdup(alloc, opts->user_agent != NULL ? opts->user_agent
                                                              : "appmesh/" APPMESH_VERSION
                                                                " libcurl/" LIBCURL_VERSION);
    t->ca_bundle = opts->ca_bundle != NULL ? am_strdup(alloc, opts->ca_bundle) : NULL;
    t->easy = curl_easy_init();
    if (t->user_agent == NULL || (opts->ca_bundle != NULL && t->ca_bundle == NULL)) {
        st = am_fail(err, APPMESH_ERR_NOMEM, "out of memory creating the transport");
    } else if (t->easy == NULL) {
        st = am_fail(err, APPMESH_ERR_TRANSPORT, "curl_easy_init failed");
    } else {
        st = configure(t, opts, err);
    }
    if (st != APPMESH_OK) {
        curl_destroy(t);
        return st;
    }
    t->base.vtable = &s_curl_vtable;
    t->base.impl = t;
    *out = &t->base;
    return APPMESH_OK;
}

void appmesh_transport_destroy(struct appmesh_transport *transport)
{
    if (transport == NULL) {
        return;
    }
    /* destroy() releases everything, the transport record included when it owns it. */
    if (transport->vtable != NULL && transport->vtable->destroy != NULL) {
        transport->vtable->destroy(transport->impl);
    }
}
