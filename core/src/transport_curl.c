/* SPDX-License-Identifier: MIT */
/* The two libcurl drivers: a blocking transport on one reused easy handle (keep-alive), and a
 * multi handle running many transfers over a shared connection pool. Strict TLS, no
 * redirects, bounded responses. The only file that includes curl.h. */
#include "transport_curl.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "appmesh/http.h"
#include "appmesh/transport.h"
#include "appmesh/version.h"
#include "internal.h"

#define DEFAULT_CONNECT_TIMEOUT 5.0
#define DEFAULT_TIMEOUT         30.0
#define DEFAULT_MAX_RESPONSE    (1024 * 1024)
#define MAX_RESPONSE_HEADERS    (64 * 1024)

/* Settings shared by every easy handle of a driver. */
struct curl_settings {
    char *ca_bundle;
    char *user_agent;
    long connect_timeout_ms;
    long timeout_ms;
    bool no_verify_tls;
    size_t max_response;
    appmesh_interrupt_fn *interrupt;
    void *interrupt_ud;
};

/* One easy handle and the state its callbacks use. Its buffers are reused across transfers,
 * so a steady stream of requests allocates nothing. */
struct xfer {
    const struct appmesh_allocator *alloc;
    const struct curl_settings *settings; /* borrowed from the driver */
    CURL *easy;
    /* Request headers: "Name: value\0" lines, and curl_slist nodes pointing into them. */
    struct appmesh_buf lines;
    struct curl_slist *nodes;
    size_t nodes_cap;
    /* The URL last given to the handle: setting it again makes curl parse it again. */
    struct appmesh_buf url;
    /* The method the handle is set up for ("" when none): CURLOPT_CUSTOMREQUEST copies it. */
    char method[16];
    /* The transfer in progress. */
    const struct appmesh_http_request *req;
    struct appmesh_http_response *resp;
    void *ud; /* the multi driver's caller data */
    bool busy;
    bool body_too_big;
    bool headers_too_big;
    char errbuf[CURL_ERROR_SIZE];
};

struct curl_transport {
    struct appmesh_transport base; /* what callers hold: base.impl points back here */
    const struct appmesh_allocator *alloc;
    struct curl_settings settings;
    struct xfer x;
};

struct am_multi {
    const struct appmesh_allocator *alloc;
    CURLM *multi;
    struct curl_settings settings;
    struct xfer *slots;
    size_t slot_count;
    size_t busy;
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
    struct xfer *x = ud;
    size_t n = size * nmemb;
    if (am_buf_append(&x->resp->body, data, n, NULL) != APPMESH_OK) {
        x->body_too_big = x->resp->body.len + n > x->settings->max_response;
        return 0; /* makes curl stop with CURLE_WRITE_ERROR */
    }
    return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    size_t n = size * nmemb;
    /* A new status line starts a new response (after 100 Continue): keep only the last. */
    if (n >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        am_buf_reset(&x->resp->headers);
        return n;
    }
    if (am_buf_append(&x->resp->headers, data, n, NULL) != APPMESH_OK) {
        x->headers_too_big = true;
        return 0;
    }
    return n;
}

static int
on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
    struct xfer *x = ud;
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    return x->settings->interrupt(x->settings->interrupt_ud) ? 1 : 0;
}

/* ---- settings and easy handles ---- */

static long to_ms(double seconds, double fallback)
{
    return (long)((seconds > 0 ? seconds : fallback) * 1000.0);
}

const char *am_curl_default_user_agent(void)
{
    return "appmesh/" APPMESH_VERSION " libcurl/" LIBCURL_VERSION;
}

static enum appmesh_status settings_init(struct curl_settings *s,
                                         const struct appmesh_allocator *alloc,
                                         const struct appmesh_transport_curl_options *o,
                                         struct appmesh_error *err)
{
    memset(s, 0, sizeof(*s));
    s->connect_timeout_ms = to_ms(o->connect_timeout, DEFAULT_CONNECT_TIMEOUT);
    s->timeout_ms = to_ms(o->timeout, DEFAULT_TIMEOUT);
    s->no_verify_tls = o->no_verify_tls;
    s->max_response = o->max_response > 0 ? o->max_response : DEFAULT_MAX_RESPONSE;
    s->interrupt = o->interrupt;
    s->interrupt_ud = o->interrupt_ud;
    s->user_agent =
        am_strdup(alloc, o->user_agent != NULL ? o->user_agent : am_curl_default_user_agent());
    s->ca_bundle = o->ca_bundle != NULL ? am_strdup(alloc, o->ca_bundle) : NULL;
    if (s->user_agent == NULL || (o->ca_bundle != NULL && s->ca_bundle == NULL)) {
        return am_fail(err, APPMESH_ERR_NOMEM, "out of memory creating the transport");
    }
    return APPMESH_OK;
}

static void settings_cleanup(struct curl_settings *s, const struct appmesh_allocator *alloc)
{
    am_free_str(alloc, s->ca_bundle);
    am_free_str(alloc, s->user_agent);
    s->ca_bundle = NULL;
    s->user_agent = NULL;
}

static enum appmesh_status xfer_init(struct xfer *x,
                                     const struct appmesh_allocator *alloc,
                                     const struct curl_settings *s,
                                     struct appmesh_error *err)
{
    CURL *e = NULL;
    CURLcode rc = CURLE_OK;

    memset(x, 0, sizeof(*x));
    x->alloc = alloc;
    x->settings = s;
    am_buf_init(&x->lines, alloc, 0);
    am_buf_init(&x->url, alloc, 0);
    e = curl_easy_init();
    if (e == NULL) {
        return am_fail(err, APPMESH_ERR_TRANSPORT, "curl_easy_init failed");
    }
    x->easy = e;
    curl_easy_setopt(e, CURLOPT_PRIVATE, x);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, s->connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, s->timeout_ms);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, s->user_agent);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, s->no_verify_tls ? 0L : 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, s->no_verify_tls ? 0L : 2L);
    if (s->ca_bundle != NULL) {
        curl_easy_setopt(e, CURLOPT_CAINFO, s->ca_bundle);
    }
    if (s->interrupt != NULL) {
        curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(e, CURLOPT_XFERINFODATA, x);
        curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
    }
    rc = curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    if (rc != CURLE_OK) {
        return am_fail(err, APPMESH_ERR_TRANSPORT, "libcurl: cannot restrict protocols: %s",
                       curl_easy_strerror(rc));
    }
    return APPMESH_OK;
}

static void xfer_cleanup(struct xfer *x)
{
    if (x->easy != NULL) {
        curl_easy_cleanup(x->easy);
        x->easy = NULL;
    }
    appmesh_buf_cleanup(&x->lines);
    appmesh_buf_cleanup(&x->url);
    am_free(x->alloc, x->nodes, x->nodes_cap * sizeof(*x->nodes));
    x->nodes = NULL;
    x->nodes_cap = 0;
}

/* ---- one transfer: set-up and outcome ---- */

/* "Name: value\0" for every header, then "Expect:\0", written in one pass into x->lines (one
 * size check, one reserve), with the curl_slist nodes pointing at each line as it is written. */
static enum appmesh_status
set_headers(struct xfer *x, const struct appmesh_http_request *req, struct appmesh_error *err)
{
    static const char expect[] = "Expect:"; /* no "Expect: 100-continue" round trip */
    enum appmesh_status st = APPMESH_OK;
    size_t count = req->header_count + 1;
    size_t total = sizeof(expect);
    size_t room = 0;
    size_t i = 0;
    char *p = NULL;

    for (i = 0; i < req->header_count; i++) {
        const struct appmesh_header *h = &req->headers[i];
        if (memchr(h->value, '\n', h->value_len) != NULL ||
            memchr(h->value, '\r', h->value_len) != NULL ||
            memchr(h->value, '\0', h->value_len) != NULL) {
            return am_fail(err, APPMESH_ERR_INVALID_ARGUMENT,
                           "header %.*s contains a line break or NUL byte", (int)h->name_len,
                           h->name);
        }
        room = SIZE_MAX - total;
        if (h->name_len > room || h->value_len > room - h->name_len ||
            room - h->name_len - h->value_len < 3) {
            return am_fail(err, APPMESH_ERR_INVALID_ARGUMENT, "request headers too large");
        }
        total += h->name_len + 2 + h->value_len + 1;
    }
    am_buf_reset(&x->lines);
    st = am_buf_reserve(&x->lines, total, err);
    if (st != APPMESH_OK) {
        return st;
    }
    if (count > x->nodes_cap) {
        struct curl_slist *n =
            am_realloc(x->alloc, x->nodes, x->nodes_cap * sizeof(*n), count * sizeof(*n));
        if (n == NULL) {
            return am_fail(err, APPMESH_ERR_NOMEM, "out of memory for request headers");
        }
        x->nodes = n;
        x->nodes_cap = count;
    }
    /* curl only reads a header list during the transfer; it never frees one it did not make. */
    p = x->lines.ptr;
    for (i = 0; i < req->header_count; i++) {
        const struct appmesh_header *h = &req->headers[i];
        x->nodes[i].data = p;
        x->nodes[i].next = &x->nodes[i + 1];
        memcpy(p, h->name, h->name_len);
        p += h->name_len;
        *p++ = ':';
        *p++ = ' ';
        memcpy(p, h->value, h->value_len);
        p += h->value_len;
        *p++ = '\0';
    }
    x->nodes[i].data = p;
    x->nodes[i].next = NULL;
    memcpy(p, expect, sizeof(expect));
    x->lines.len = total - 1; /* the last NUL is the buffer's own terminator */
    curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->nodes);
    return APPMESH_OK;
}

/* Point the easy handle at req, with its response going to resp. */
static enum appmesh_status xfer_prepare(struct xfer *x,
                                        const struct appmesh_http_request *req,
                                        struct appmesh_http_response *resp,
                                        struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_ERR_INTERNAL;
    bool same_method = false;

    if (resp->body.alloc == NULL && resp->body.ptr == NULL) {
        resp->body.alloc = x->alloc;
        resp->headers.alloc = x->alloc;
    }
    resp->status = 0;
    am_buf_reset(&resp->headers);
    am_buf_reset(&resp->body);
    resp->body.max = x->settings->max_response;
    resp->headers.max = MAX_RESPONSE_HEADERS;
    x->req = req;
    x->resp = resp;
    x->body_too_big = false;
    x->headers_too_big = false;
    x->errbuf[0] = '\0';

    st = set_headers(x, req, err);
    if (st != APPMESH_OK) {
        return st;
    }
    same_method = x->method[0] != '\0' && strcmp(x->method, req->method) == 0;
    if (strcmp(req->method, "GET") == 0) {
        if (!same_method) {
            curl_easy_setopt(x->easy, CURLOPT_CUSTOMREQUEST, NULL);
            curl_easy_setopt(x->easy, CURLOPT_HTTPGET, 1L);
        }
    } else {
        if (!same_method) {
            curl_easy_setopt(x->easy, CURLOPT_CUSTOMREQUEST, req->method);
        }
        curl_easy_setopt(x->easy, CURLOPT_POSTFIELDS, req->body != NULL ? req->body : "");
        curl_easy_setopt(x->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    }
    if (!same_method) {
        size_t n = strlen(req->method);
        x->method[0] = '\0'; /* a method too long to remember is set again next time */
        if (n < sizeof(x->method)) {
            memcpy(x->method, req->method, n + 1);
        }
    }
    if (x->url.len == 0 || strcmp(x->url.ptr, req->url) != 0) {
        am_buf_reset(&x->url);
        st = am_buf_append_str(&x->url, req->url, err);
        if (st != APPMESH_OK) {
            return st;
        }
        curl_easy_setopt(x->easy, CURLOPT_URL, req->url);
    }
    return APPMESH_OK;
}

/* Turn a finished transfer into our status, with a message that says what happened. */
static enum appmesh_status xfer_finish(struct xfer *x, CURLcode rc, struct appmesh_error *err)
{
    const struct appmesh_http_request *req = x->req;
    const char *detail = NULL;
    long status = 0;

    x->req = NULL;
    /* The header lines hold the signature and any session token: wipe them now the transfer
     * is over (curl's own copy in its request buffer is out of our reach). */
    if (x->lines.ptr != NULL) {
        am_zeroize(x->lines.ptr, x->lines.len);
    }
    if (rc == CURLE_OK) {
        curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
        x->resp->status = (int)status;
        x->resp = NULL;
        return APPMESH_OK;
    }
    x->resp = NULL;
    detail = x->errbuf[0] != '\0' ? x->errbuf : curl_easy_strerror(rc);
    switch (rc) {
        case CURLE_OPERATION_TIMEDOUT:
            return am_fail(err, APPMESH_ERR_TIMEOUT, "%s %s: %s", req->method, req->url, detail);
        case CURLE_ABORTED_BY_CALLBACK:
            return am_fail(err, APPMESH_ERR_INTERRUPTED, "interrupted");
        case CURLE_WRITE_ERROR:
        case CURLE_RECV_ERROR:
            if (x->body_too_big) {
                /* The status line did arrive: keep it, so that a 5xx or 429 with an oversized
                 * body is still retried by its status (and a 2xx is not). */
                bool fresh = err != NULL && err->status == APPMESH_OK;
                curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
                am_fail(err, APPMESH_ERR_RESPONSE, "%s %s: response body larger than %zu bytes",
                        req->method, req->url, x->settings->max_response);
                if (fresh) {
                    err->http_status = (int)status;
                }
                return APPMESH_ERR_RESPONSE;
            }
            if (x->headers_too_big) {
                return am_fail(err, APPMESH_ERR_RESPONSE, "%s %s: response headers too large",
                               req->method, req->url);
            }
            break;
        case CURLE_OUT_OF_MEMORY:
            /* libcurl says "out of memory" for a response header line over its 100 KiB limit
             * (CURL_MAX_HTTP_HEADER) too: once a status line arrived, that is what happened. */
            curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
            if (status > 0) {
                return am_fail(err, APPMESH_ERR_RESPONSE,
                               "%s %s: a response header line is over libcurl's 100 KiB limit",
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
    return am_fail(err, APPMESH_ERR_TRANSPORT, "%s %s: %s", req->method, req->url, detail);
}

/* ---- the blocking transport ---- */

static enum appmesh_status curl_send(void *impl,
                                     const struct appmesh_http_request *req,
                                     struct appmesh_http_response *resp,
                                     struct appmesh_error *err)
{
    struct curl_transport *t = impl;
    enum appmesh_status st = xfer_prepare(&t->x, req, resp, err);
    if (st != APPMESH_OK) {
        return st;
    }
    return xfer_finish(&t->x, curl_easy_perform(t->x.easy), err);
}

static void curl_destroy(void *impl)
{
    struct curl_transport *t = impl;
    if (t == NULL) {
        return;
    }
    xfer_cleanup(&t->x);
    settings_cleanup(&t->settings, t->alloc);
    am_free(t->alloc, t, sizeof(*t));
}

static const struct appmesh_transport_vtable s_curl_vtable = {curl_send, curl_destroy};

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
    st = settings_init(&t->settings, alloc, opts, err);
    if (st == APPMESH_OK) {
        st = xfer_init(&t->x, alloc, &t->settings, err);
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

/* ---- the multi driver ---- */

enum appmesh_status am_multi_new(const struct appmesh_allocator *alloc,
                                 const struct appmesh_transport_curl_options *opts,
                                 size_t max_transfers,
                                 struct am_multi **out,
                                 struct appmesh_error *err)
{
    struct am_multi *m = NULL;
    enum appmesh_status st = APPMESH_ERR_INTERNAL;
    size_t i = 0;

    *out = NULL;
    st = appmesh_global_init(err);
    if (st != APPMESH_OK) {
        return st;
    }
    m = am_calloc(alloc, sizeof(*m));
    if (m == NULL) {
        return am_fail(err, APPMESH_ERR_NOMEM, "out of memory creating the multi driver");
    }
    m->alloc = alloc;
    m->slots = am_calloc(alloc, max_transfers * sizeof(*m->slots));
    m->multi = curl_multi_init();
    if (m->slots == NULL) {
        st = am_fail(err, APPMESH_ERR_NOMEM, "out of memory creating the multi driver");
    } else if (m->multi == NULL) {
        st = am_fail(err, APPMESH_ERR_TRANSPORT, "curl_multi_init failed");
    } else {
        m->slot_count = max_transfers;
        st = settings_init(&m->settings, alloc, opts, err);
    }
    for (i = 0; st == APPMESH_OK && i < max_transfers; i++) {
        st = xfer_init(&m->slots[i], alloc, &m->settings, err);
    }
    if (st == APPMESH_OK) {
        /* HTTP/2 multiplexing where the server offers it; keep-alive pool shared by all. */
        curl_multi_setopt(m->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
        curl_multi_setopt(m->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)max_transfers);
    }
    if (st != APPMESH_OK) {
        am_multi_destroy(m);
        return st;
    }
    *out = m;
    return APPMESH_OK;
}

void am_multi_destroy(struct am_multi *m)
{
    size_t i = 0;
    if (m == NULL) {
        return;
    }
    for (i = 0; i < m->slot_count; i++) {
        if (m->slots[i].busy) {
            curl_multi_remove_handle(m->multi, m->slots[i].easy);
        }
        xfer_cleanup(&m->slots[i]);
    }
    if (m->multi != NULL) {
        curl_multi_cleanup(m->multi);
    }
    settings_cleanup(&m->settings, m->alloc);
    am_free(m->alloc, m->slots, m->slot_count * sizeof(*m->slots));
    am_free(m->alloc, m, sizeof(*m));
}

size_t am_multi_free_slots(const struct am_multi *m)
{
    return m->slot_count - m->busy;
}

enum appmesh_status am_multi_start(struct am_multi *m,
                                   const struct appmesh_http_request *req,
                                   struct appmesh_http_response *resp,
                                   void *ud,
                                   struct appmesh_error *err)
{
    struct xfer *x = NULL;
    enum appmesh_status st = APPMESH_ERR_INTERNAL;
    CURLMcode mc = CURLM_OK;
    size_t i = 0;

    for (i = 0; i < m->slot_count && x == NULL; i++) {
        if (!m->slots[i].busy) {
            x = &m->slots[i];
        }
    }
    if (x == NULL) {
        return am_fail(err, APPMESH_ERR_INTERNAL, "no free transfer slot");
    }
    st = xfer_prepare(x, req, resp, err);
    if (st != APPMESH_OK) {
        return st;
    }
    mc = curl_multi_add_handle(m->multi, x->easy);
    if (mc != CURLM_OK) {
        return am_fail(err, APPMESH_ERR_TRANSPORT, "curl_multi_add_handle: %s",
                       curl_multi_strerror(mc));
    }
    x->ud = ud;
    x->busy = true;
    m->busy++;
    return APPMESH_OK;
}

enum appmesh_status am_multi_wait(struct am_multi *m, int timeout_ms, struct appmesh_error *err)
{
    int running = 0;
    CURLMcode mc = curl_multi_perform(m->multi, &running);

    /* Wait only when nothing finished: a transfer that just ended (fewer running than added)
     * is for the caller to collect now, not after the others' next answer or the timeout. */
    if (mc == CURLM_OK && timeout_ms > 0 && running > 0 && (size_t)running >= m->busy) {
        long curl_ms = -1;
        curl_multi_timeout(m->multi, &curl_ms);
        if (curl_ms >= 0 && curl_ms < timeout_ms) {
            timeout_ms = (int)curl_ms;
        }
        mc = curl_multi_poll(m->multi, NULL, 0, timeout_ms, NULL);
        if (mc == CURLM_OK) {
            mc = curl_multi_perform(m->multi, &running);
        }
    }
    if (mc != CURLM_OK) {
        return am_fail(err, APPMESH_ERR_TRANSPORT, "curl multi: %s", curl_multi_strerror(mc));
    }
    return APPMESH_OK;
}

bool am_multi_next_done(struct am_multi *m,
                        void **ud,
                        enum appmesh_status *st,
                        struct appmesh_error *err)
{
    int left = 0;
    CURLMsg *msg = NULL;

    while ((msg = curl_multi_info_read(m->multi, &left)) != NULL) {
        struct xfer *x = NULL;
        if (msg->msg != CURLMSG_DONE) {
            continue;
        }
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        *st = xfer_finish(x, msg->data.result, err);
        curl_multi_remove_handle(m->multi, x->easy);
        *ud = x->ud;
        x->ud = NULL;
        x->busy = false;
        m->busy--;
        return true;
    }
    return false;
}

enum appmesh_status am_multi_fdset(struct am_multi *m,
                                   fd_set *r,
                                   fd_set *w,
                                   fd_set *e,
                                   int *max_fd,
                                   long *timeout_ms,
                                   struct appmesh_error *err)
{
    CURLMcode mc = curl_multi_fdset(m->multi, r, w, e, max_fd);
    if (mc == CURLM_OK) {
        mc = curl_multi_timeout(m->multi, timeout_ms);
    }
    if (mc != CURLM_OK) {
        return am_fail(err, APPMESH_ERR_TRANSPORT, "curl multi: %s", curl_multi_strerror(mc));
    }
    return APPMESH_OK;
}

void am_multi_wakeup(struct am_multi *m)
{
    curl_multi_wakeup(m->multi);
}
