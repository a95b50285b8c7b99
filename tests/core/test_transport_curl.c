/* SPDX-License-Identifier: MIT */
/* The libcurl transport against a tiny in-process HTTP server on 127.0.0.1: keep-alive, the
 * response cap, redirects, failures. The only core test that opens sockets (loopback only). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "appmesh/appmesh.h"
#include "harness.h"
#include "internal.h"

/* What the server answers: a fixed reply per request, or a behaviour. */
enum reply_kind {
    REPLY_OK,         /* 200 with a small JSON body, keep-alive */
    REPLY_BIG,        /* 200 with a body one byte over 1 MiB */
    REPLY_REDIRECT,   /* 302 to another path */
    REPLY_TRUNCATED,  /* Content-Length 100, 10 bytes, then close */
    REPLY_BIG_HEADER, /* 200 with one header line of 110 KiB */
    REPLY_SILENT,     /* read the request, never answer */
};

#define MAX_CONNECTIONS 16

struct server;

struct connection {
    struct server *server;
    int fd;
    pthread_t thread;
};

struct server {
    int listen_fd;
    int port;
    enum reply_kind kind;
    int accepts;  /* connections accepted */
    int requests; /* requests answered */
    pthread_mutex_t lock;
    pthread_t thread;
    struct connection conns[MAX_CONNECTIONS];
    volatile int stop;
};

/* Read one request (headers plus Content-Length body); false on EOF. */
static bool read_request(int fd)
{
    char buf[8192];
    size_t len = 0;
    while (len < sizeof(buf) - 1) {
        ssize_t n = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
        char *end = NULL;
        if (n <= 0) {
            return false;
        }
        len += (size_t)n;
        buf[len] = '\0';
        end = strstr(buf, "\r\n\r\n");
        if (end != NULL) {
            const char *cl = strstr(buf, "Content-Length: ");
            size_t body = cl != NULL ? (size_t)strtoul(cl + 16, NULL, 10) : 0;
            size_t have = len - (size_t)(end + 4 - buf);
            while (have < body) {
                n = recv(fd, buf, sizeof(buf), 0);
                if (n <= 0) {
                    return false;
                }
                have += (size_t)n;
            }
            return true;
        }
    }
    return false;
}

static void send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0) {
            return;
        }
        p += w;
        n -= (size_t)w;
    }
}

static void *serve_connection(void *arg)
{
    struct connection *c = arg;
    struct server *s = c->server;
    int fd = c->fd;
    /* the answer names what the batch test asks for (mesh m, service s) */
    static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             "x-amzn-RequestId: r-1\r\nContent-Length: 41\r\n\r\n"
                             "{\"meshName\":\"m\",\"virtualServiceName\":\"s\"}";
    while (!s->stop && read_request(fd)) {
        pthread_mutex_lock(&s->lock);
        s->requests++;
        pthread_mutex_unlock(&s->lock);
        if (s->kind == REPLY_OK) {
            send_all(fd, ok, sizeof(ok) - 1);
        } else if (s->kind == REPLY_BIG) {
            char head[128];
            size_t big = 1024 * 1024 + 1;
            char *body = calloc(1, big);
            int n =
                snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n", big);
            memset(body, 'x', big);
            send_all(fd, head, (size_t)n);
            send_all(fd, body, big);
            free(body);
        } else if (s->kind == REPLY_REDIRECT) {
            static const char r[] = "HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\n"
                                    "Content-Length: 0\r\n\r\n";
            send_all(fd, r, sizeof(r) - 1);
        } else if (s->kind == REPLY_BIG_HEADER) {
            static const char head[] = "HTTP/1.1 200 OK\r\nX-Big: ";
            static const char tail[] = "\r\nContent-Length: 2\r\n\r\n{}";
            size_t big = 110 * 1024;
            char *line = calloc(1, big);
            memset(line, 'a', big);
            send_all(fd, head, sizeof(head) - 1);
            send_all(fd, line, big);
            send_all(fd, tail, sizeof(tail) - 1);
            free(line);
        } else if (s->kind == REPLY_TRUNCATED) {
            static const char t[] = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789";
            send_all(fd, t, sizeof(t) - 1);
            break;
        } else {
            while (!s->stop) {
                struct timespec ts = {0, 10000000};
                nanosleep(&ts, NULL);
            }
        }
    }
    shutdown(fd, SHUT_RDWR);
    return NULL;
}

static void *serve(void *arg)
{
    struct server *s = arg;
    while (!s->stop && s->accepts < MAX_CONNECTIONS) {
        struct connection *c = &s->conns[s->accepts];
        int fd = accept(s->listen_fd, NULL, NULL);
        if (fd < 0) {
            break;
        }
        c->server = s;
        c->fd = fd;
        if (pthread_create(&c->thread, NULL, serve_connection, c) != 0) {
            close(fd);
            break;
        }
        s->accepts++;
    }
    return NULL;
}

static int server_start(struct server *s, enum reply_kind kind)
{
    struct sockaddr_in a;
    socklen_t alen = sizeof(a);
    memset(s, 0, sizeof(*s));
    memset(&a, 0, sizeof(a));
    s->kind = kind;
    pthread_mutex_init(&s->lock, NULL);
    s->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (s->listen_fd < 0 || bind(s->listen_fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        listen(s->listen_fd, 8) != 0 ||
        getsockname(s->listen_fd, (struct sockaddr *)&a, &alen) != 0) {
        return 1;
    }
    s->port = ntohs(a.sin_port);
    return pthread_create(&s->thread, NULL, serve, s) != 0;
}

static void server_stop(struct server *s)
{
    int i = 0;
    s->stop = 1;
    shutdown(s->listen_fd, SHUT_RDWR);
    close(s->listen_fd);
    pthread_join(s->thread, NULL);
    for (i = 0; i < s->accepts; i++) {
        shutdown(s->conns[i].fd, SHUT_RDWR);
        pthread_join(s->conns[i].thread, NULL);
        close(s->conns[i].fd);
    }
    pthread_mutex_destroy(&s->lock);
}

struct rig {
    struct server server;
    struct appmesh_transport *t;
    struct appmesh_http_response resp;
    struct appmesh_header headers[2];
    struct appmesh_http_request req;
    char url[128];
};

static int rig_open(struct rig *r, enum reply_kind kind, double timeout, struct appmesh_error *err)
{
    struct appmesh_transport_curl_options o = {0};
    memset(r, 0, sizeof(*r));
    if (server_start(&r->server, kind) != 0) {
        return 1;
    }
    o.timeout = timeout;
    o.connect_timeout = 2;
    if (appmesh_transport_curl_new(&test_allocator, &o, &r->t, err) != APPMESH_OK) {
        return 1;
    }
    am_buf_init(&r->resp.headers, &test_allocator, 0);
    am_buf_init(&r->resp.body, &test_allocator, 0);
    snprintf(r->url, sizeof(r->url), "http://127.0.0.1:%d/v20190125/meshes/m", r->server.port);
    r->headers[0] = (struct appmesh_header){"Content-Type", 12, "application/json", 16};
    r->headers[1] = (struct appmesh_header){"X-Test", 6, "1", 1};
    r->req = (struct appmesh_http_request){"PUT", r->url, r->headers, 2, "{\"a\":1}", 7};
    return 0;
}

static void rig_close(struct rig *r)
{
    appmesh_transport_destroy(r->t);
    appmesh_http_response_cleanup(&r->resp);
    server_stop(&r->server);
}

static enum appmesh_status send_req(struct rig *r, struct appmesh_error *err)
{
    return r->t->vtable->send(r->t->impl, &r->req, &r->resp, err);
}

static int reuses_one_connection_for_many_requests(void)
{
    struct appmesh_error err = {0};
    struct appmesh_slice v = {0};
    struct rig r;
    int i = 0;

    CHECK(rig_open(&r, REPLY_OK, 5, &err) == 0, err.message);
    for (i = 0; i < 20; i++) {
        CHECK_OK(send_req(&r, &err), &err);
        CHECK_INT_EQ(r.resp.status, 200);
        CHECK_MEM_EQ(r.resp.body.ptr, r.resp.body.len,
                     "{\"meshName\":\"m\",\"virtualServiceName\":\"s\"}", 41);
    }
    CHECK(appmesh_http_response_header(&r.resp, "x-amzn-requestid", &v), "request id header");
    CHECK_MEM_EQ(v.ptr, v.len, "r-1", 3);
    CHECK_INT_EQ(r.server.requests, 20);
    rig_close(&r);
    CHECK_INT_EQ(r.server.accepts, 1);
    return 0;
}

static int refuses_a_response_over_one_mebibyte(void)
{
    struct appmesh_error err = {0};
    struct rig r;

    CHECK(rig_open(&r, REPLY_BIG, 5, &err) == 0, err.message);
    CHECK_STATUS(send_req(&r, &err), APPMESH_ERR_RESPONSE, &err);
    CHECK(strstr(err.message, "larger than 1048576 bytes") != NULL, err.message);
    rig_close(&r);
    return 0;
}

static int says_a_header_line_is_over_the_limit(void)
{
    /* libcurl reports "Out of memory" for it: the message must say what happened */
    struct appmesh_error err = {0};
    struct rig r;

    CHECK(rig_open(&r, REPLY_BIG_HEADER, 5, &err) == 0, err.message);
    CHECK_STATUS(send_req(&r, &err), APPMESH_ERR_RESPONSE, &err);
    CHECK(strstr(err.message, "a response header line is over libcurl's 100 KiB limit") != NULL,
          err.message);
    rig_close(&r);
    return 0;
}

static int never_follows_a_redirect(void)
{
    struct appmesh_error err = {0};
    struct rig r;

    CHECK(rig_open(&r, REPLY_REDIRECT, 5, &err) == 0, err.message);
    CHECK_OK(send_req(&r, &err), &err);
    CHECK_INT_EQ(r.resp.status, 302);
    CHECK_INT_EQ(r.server.requests, 1);
    rig_close(&r);
    return 0;
}

static int reports_a_truncated_body_as_a_transport_error(void)
{
    struct appmesh_error err = {0};
    struct rig r;

    CHECK(rig_open(&r, REPLY_TRUNCATED, 5, &err) == 0, err.message);
    CHECK_STATUS(send_req(&r, &err), APPMESH_ERR_TRANSPORT, &err);
    CHECK(strstr(err.message, r.url) != NULL, err.message);
    rig_close(&r);
    return 0;
}

static int times_out_a_silent_server(void)
{
    struct appmesh_error err = {0};
    struct rig r;

    CHECK(rig_open(&r, REPLY_SILENT, 0.3, &err) == 0, err.message);
    CHECK_STATUS(send_req(&r, &err), APPMESH_ERR_TIMEOUT, &err);
    CHECK_STR_EQ(appmesh_error_code(&err), "TimeoutError");
    rig_close(&r);
    return 0;
}

static int reports_a_refused_connection(void)
{
    struct appmesh_error err = {0};
    struct rig r;
    int port = 0;

    CHECK(rig_open(&r, REPLY_OK, 5, &err) == 0, err.message);
    port = r.server.port;
    server_stop(&r.server);
    r.server.listen_fd = -1;
    snprintf(r.url, sizeof(r.url), "http://127.0.0.1:%d/x", port);
    CHECK_STATUS(send_req(&r, &err), APPMESH_ERR_TRANSPORT, &err);
    CHECK(strstr(err.message, "127.0.0.1") != NULL, err.message);
    appmesh_transport_destroy(r.t);
    appmesh_http_response_cleanup(&r.resp);
    return 0;
}

static int refuses_a_header_value_with_a_line_break(void)
{
    struct appmesh_error err = {0};
    struct rig r;

    CHECK(rig_open(&r, REPLY_OK, 5, &err) == 0, err.message);
    r.headers[1] = (struct appmesh_header){"X-Test", 6, "a\r\nInjected: 1", 15};
    CHECK_STATUS(send_req(&r, &err), APPMESH_ERR_INVALID_ARGUMENT, &err);
    CHECK_INT_EQ(r.server.requests, 0);
    rig_close(&r);
    return 0;
}

static int refuses_other_protocols(void)
{
    struct appmesh_error err = {0};
    struct rig r;

    CHECK(rig_open(&r, REPLY_OK, 5, &err) == 0, err.message);
    snprintf(r.url, sizeof(r.url), "file:///etc/passwd");
    CHECK_STATUS(send_req(&r, &err), APPMESH_ERR_ENDPOINT, &err);
    rig_close(&r);
    return 0;
}

static const char *no_env(void *ud, const char *name)
{
    (void)ud;
    (void)name;
    return NULL;
}

static int runs_a_batch_over_a_shared_connection_pool(void)
{
    static const struct appmesh_credentials creds = {"AKIDEXAMPLE", "secret", NULL};
    struct appmesh_error err = {0};
    struct appmesh_client_options o = {0};
    struct appmesh_client *client = NULL;
    struct appmesh_batch *b = NULL;
    struct appmesh_batch_options bo = {0};
    struct appmesh_update_virtual_service_input in = {0};
    struct appmesh_batch_result res;
    struct rig r;
    char endpoint[64];
    int i = 0, ok = 0, guard = 0;

    CHECK(rig_open(&r, REPLY_OK, 5, &err) == 0, err.message);
    snprintf(endpoint, sizeof(endpoint), "http://127.0.0.1:%d", r.server.port);
    o.endpoint = endpoint;
    o.region = "us-east-1";
    o.credentials = &creds;
    o.getenv = no_env;
    CHECK_OK(appmesh_client_new(&test_allocator, &o, &client, &err), &err);
    bo.concurrency = 4;
    CHECK_OK(appmesh_batch_new(client, &bo, &b, &err), &err);
    in.mesh_name = "m";
    in.virtual_service_name = "s";
    in.has_spec = true;
    for (i = 0; i < 40; i++) {
        CHECK_OK(appmesh_batch_add_update(b, &in, NULL, NULL, &err), &err);
    }
    while (appmesh_batch_pending(b) > 0 && guard++ < 10000) {
        CHECK_OK(appmesh_batch_perform(b, 1.0, &err), &err);
        while (appmesh_batch_take(b, &res)) {
            CHECK_OK(res.status, &res.err);
            CHECK_INT_EQ(res.info.http_status, 200);
            appmesh_virtual_service_data_cleanup(&res.data);
            ok++;
        }
    }
    CHECK_INT_EQ(ok, 40);
    appmesh_batch_destroy(b);
    appmesh_client_destroy(client);
    rig_close(&r);
    CHECK_INT_EQ(r.server.requests, 40);
    CHECK(r.server.accepts >= 1 && r.server.accepts <= 4, "at most `concurrency` connections");
    return 0;
}

static const struct test_case cases[] = {
    {"runs_a_batch_over_a_shared_connection_pool", runs_a_batch_over_a_shared_connection_pool},
    {"reuses_one_connection_for_many_requests", reuses_one_connection_for_many_requests},
    {"refuses_a_response_over_one_mebibyte", refuses_a_response_over_one_mebibyte},
    {"never_follows_a_redirect", never_follows_a_redirect},
    {"reports_a_truncated_body_as_a_transport_error",
     reports_a_truncated_body_as_a_transport_error},
    {"times_out_a_silent_server", times_out_a_silent_server},
    {"reports_a_refused_connection", reports_a_refused_connection},
    {"refuses_a_header_value_with_a_line_break", refuses_a_header_value_with_a_line_break},
    {"says_a_header_line_is_over_the_limit", says_a_header_line_is_over_the_limit},
    {"refuses_other_protocols", refuses_other_protocols},
};

TEST_MAIN("transport_curl", cases)
