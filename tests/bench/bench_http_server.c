/* SPDX-License-Identifier: MIT */
/* make bench: a fast loopback HTTP/1.1 server answering every request with one fixed JSON body. */
/*
 * Not a test, not part of the library: bench_concurrent.sh uses it when nginx is not installed.
 * One thread, epoll, keep-alive, pipelining; reads each request's headers and Content-Length body
 * and answers 200 with an App Mesh-shaped VirtualServiceData. Prints its URL, then serves until
 * killed. Usage: bench_http_server [PORT]   (0 or none: any free port)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_EVENTS 64
#define MAX_FD     1024 /* connections are kept in a table indexed by descriptor */
#define BUF_SIZE   16384

static const char body[] =
    "{\"meshName\":\"bench-mesh\",\"virtualServiceName\":\"svc.local\",\"spec\":{\"provider\":"
    "{\"virtualNode\":{\"virtualNodeName\":\"vn\"}}},\"status\":{\"status\":\"ACTIVE\"},"
    "\"metadata\":{\"arn\":\"arn:aws:appmesh:us-east-1:123456789012:mesh/bench-mesh/"
    "virtualService/svc.local\",\"createdAt\":1700000000.5,\"lastUpdatedAt\":1700000100.25,"
    "\"meshOwner\":\"123456789012\",\"resourceOwner\":\"123456789012\","
    "\"uid\":\"a1b2c3d4-0000-4000-8000-000000000001\",\"version\":2}}";

struct conn {
    int fd; /* -1: free */
    size_t in_len;
    size_t out_len;
    size_t out_off;
    char in[BUF_SIZE];
    char out[BUF_SIZE];
};

static struct conn s_conns[MAX_FD];
static char s_response[1024];
static size_t s_response_len;

/* The end of the headers ("\r\n\r\n") in p[0..n), or NULL. */
static char *headers_end(char *p, size_t n)
{
    size_t i = 0;
    for (i = 0; i + 4 <= n; i++) {
        if (p[i] == '\r' && memcmp(p + i, "\r\n\r\n", 4) == 0) {
            return p + i;
        }
    }
    return NULL;
}

/* Content-Length of the request whose headers end at end (0 when absent). */
static size_t content_length(const char *head, const char *end)
{
    const char *p = head;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (eol == NULL) {
            break;
        }
        if ((size_t)(eol - p) > 15 && strncasecmp(p, "content-length:", 15) == 0) {
            return (size_t)strtoul(p + 15, NULL, 10);
        }
        p = eol + 1;
    }
    return 0;
}

/* Answer every complete request in the input buffer; 0 on success, -1 to close. */
static int serve(struct conn *c)
{
    size_t off = 0;
    for (;;) {
        char *start = c->in + off;
        size_t avail = c->in_len - off;
        char *hend = NULL;
        size_t need = 0;
        if (avail < 4) {
            break;
        }
        hend = headers_end(start, avail);
        if (hend == NULL) {
            break;
        }
        need = (size_t)(hend + 4 - start) + content_length(start, hend);
        if (need > avail) {
            break;
        }
        if (c->out_len + s_response_len > sizeof(c->out)) {
            return -1;
        }
        memcpy(c->out + c->out_len, s_response, s_response_len);
        c->out_len += s_response_len;
        off += need;
    }
    memmove(c->in, c->in + off, c->in_len - off);
    c->in_len -= off;
    if (c->in_len == sizeof(c->in)) {
        return -1; /* a request bigger than the buffer */
    }
    while (c->out_off < c->out_len) {
        ssize_t n = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
        if (n < 0) {
            return errno == EAGAIN ? 0 : -1;
        }
        c->out_off += (size_t)n;
    }
    c->out_off = c->out_len = 0;
    return 0;
}

static void drop(int ep, struct conn *c)
{
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->fd = -1;
}

int main(int argc, char **argv)
{
    struct sockaddr_in addr;
    socklen_t alen = sizeof(addr);
    struct epoll_event ev;
    struct epoll_event events[MAX_EVENTS];
    int one = 1;
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    int ep = epoll_create1(0);

    s_response_len = (size_t)snprintf(s_response, sizeof(s_response),
                                      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                      "x-amzn-RequestId: bench\r\nContent-Length: %zu\r\n\r\n%s",
                                      sizeof(body) - 1, body);
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons((unsigned short)(argc > 1 ? strtoul(argv[1], NULL, 10) : 0));
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    fcntl(lfd, F_SETFL, fcntl(lfd, F_GETFL) | O_NONBLOCK);
    if (lfd < 0 || ep < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
        listen(lfd, 1024) != 0 || getsockname(lfd, (struct sockaddr *)&addr, &alen) != 0) {
        perror("bench_http_server");
        return 1;
    }
    printf("http://127.0.0.1:%u\n", ntohs(addr.sin_port));
    fflush(stdout);
    ev.events = EPOLLIN;
    ev.data.ptr = NULL;
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    for (;;) {
        int n = epoll_wait(ep, events, MAX_EVENTS, -1);
        int i = 0;
        for (i = 0; i < n; i++) {
            struct conn *c = events[i].data.ptr;
            if (c == NULL) {
                int fd = 0;
                while ((fd = accept(lfd, NULL, NULL)) >= 0) {
                    if (fd >= MAX_FD) {
                        close(fd);
                        continue;
                    }
                    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
                    c = &s_conns[fd];
                    c->fd = fd;
                    c->in_len = c->out_len = c->out_off = 0;
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
                    ev.events = EPOLLIN;
                    ev.data.ptr = c;
                    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
                }
                continue;
            }
            if (events[i].events & EPOLLIN) {
                ssize_t r = read(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len);
                if (r <= 0 && !(r < 0 && errno == EAGAIN)) {
                    drop(ep, c);
                    continue;
                }
                if (r > 0) {
                    c->in_len += (size_t)r;
                }
            }
            if (serve(c) != 0) {
                drop(ep, c);
                continue;
            }
            ev.events = EPOLLIN | (c->out_len > c->out_off ? EPOLLOUT : 0);
            ev.data.ptr = c;
            epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
        }
    }
}
