/* SPDX-License-Identifier: MIT */
/* make bench: a plain libcurl multi loop re-sending one prepared request, the baseline for
 * appmesh.map's requests per second (bench_concurrent.sh). Not a test. */
/*
 * Usage: bench_curl_multi REQUEST_FILE N CONCURRENCY [ROUNDS]
 * REQUEST_FILE: "METHOD URL" on the first line, then "Name: value" header lines, an empty line,
 * and the body. Each round makes a fresh multi handle with CONCURRENCY easy handles (so new
 * connections, as each appmesh.map makes its own batch), sends the request N times keeping
 * CONCURRENCY in flight with keep-alive, and times it; prints the best round as
 * "concurrent.curl_multi_rps <n>". Exits 1 when a request fails or is not answered 2xx.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#define MAX_REQUEST 65536
#define MAX_SLOTS   1024

static size_t discard(char *ptr, size_t size, size_t nmemb, void *ud)
{
    (void)ptr;
    (void)ud;
    return size * nmemb;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct request {
    char text[MAX_REQUEST];
    char method[16];
    const char *url;
    const char *body;
    size_t body_len;
    struct curl_slist *headers;
};

/* Split the request file's text in place into method, URL, header list and body. */
static int parse_request(struct request *r)
{
    char *line = r->text;
    char *eol = strchr(line, '\n');
    char *space = NULL;

    if (eol == NULL) {
        return -1;
    }
    *eol = '\0';
    space = strchr(line, ' ');
    if (space == NULL || (size_t)(space - line) >= sizeof(r->method)) {
        return -1;
    }
    memcpy(r->method, line, (size_t)(space - line));
    r->method[space - line] = '\0';
    r->url = space + 1;
    line = eol + 1;
    while ((eol = strchr(line, '\n')) != NULL && eol != line) {
        struct curl_slist *next = NULL;
        *eol = '\0';
        next = curl_slist_append(r->headers, line);
        if (next == NULL) {
            return -1;
        }
        r->headers = next;
        line = eol + 1;
    }
    if (eol == NULL) {
        return -1;
    }
    r->body = eol + 1;
    r->body_len = strlen(r->body);
    return 0;
}

static CURL *new_easy(const struct request *r)
{
    CURL *e = curl_easy_init();
    if (e == NULL) {
        return NULL;
    }
    curl_easy_setopt(e, CURLOPT_URL, r->url);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "bench_curl_multi");
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
    return e;
}

/* One round: n requests, conc at once; returns the seconds it took, or -1 on a failure. */
static double run_round(const struct request *r, long n, int conc)
{
    CURLM *m = curl_multi_init();
    CURL *slots[MAX_SLOTS];
    long started = 0;
    long done = 0;
    int running = 0;
    int i = 0;
    double t0 = now();
    double elapsed = -1;

    for (i = 0; i < conc; i++) {
        slots[i] = new_easy(r);
    }
    curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, (long)conc);
    for (i = 0; i < conc && started < n; i++) {
        curl_multi_add_handle(m, slots[i]);
        started++;
    }
    while (done < n) {
        CURLMsg *msg = NULL;
        int left = 0;
        long wait_ms = -1;
        bool finished = false;
        if (curl_multi_perform(m, &running) != CURLM_OK) {
            fprintf(stderr, "bench_curl_multi: curl_multi_perform failed\n");
            goto cleanup;
        }
        while ((msg = curl_multi_info_read(m, &left)) != NULL) {
            long code = 0;
            if (msg->msg != CURLMSG_DONE) {
                continue;
            }
            curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &code);
            if (msg->data.result != CURLE_OK || code < 200 || code > 299) {
                fprintf(stderr, "bench_curl_multi: request failed: %s (HTTP %ld)\n",
                        curl_easy_strerror(msg->data.result), code);
                goto cleanup;
            }
            done++;
            finished = true;
            curl_multi_remove_handle(m, msg->easy_handle);
            if (started < n) {
                curl_multi_add_handle(m, msg->easy_handle);
                started++;
            }
        }
        /* as libappmesh's multi driver does: wait only with transfers running and nothing new
         * to start, at most until curl's own timer */
        if (!finished && running > 0) {
            curl_multi_timeout(m, &wait_ms);
            if (curl_multi_poll(m, NULL, 0, wait_ms >= 0 && wait_ms < 1000 ? (int)wait_ms : 1000,
                                NULL) != CURLM_OK) {
                fprintf(stderr, "bench_curl_multi: curl_multi_poll failed\n");
                goto cleanup;
            }
        }
    }
    elapsed = now() - t0;
cleanup:
    for (i = 0; i < conc; i++) {
        curl_multi_remove_handle(m, slots[i]);
        curl_easy_cleanup(slots[i]);
    }
    curl_multi_cleanup(m);
    return elapsed;
}

int main(int argc, char **argv)
{
    static struct request r;
    FILE *f = NULL;
    size_t len = 0;
    long n = 0;
    int conc = 0;
    int rounds = 5;
    int i = 0;
    double best = -1;
    int status = 1;

    if (argc < 4) {
        fprintf(stderr, "usage: bench_curl_multi REQUEST_FILE N CONCURRENCY [ROUNDS]\n");
        return 2;
    }
    n = strtol(argv[2], NULL, 10);
    conc = (int)strtol(argv[3], NULL, 10);
    if (argc > 4) {
        rounds = (int)strtol(argv[4], NULL, 10);
    }
    if (n < 1 || conc < 1 || conc > MAX_SLOTS || rounds < 1) {
        fprintf(stderr, "bench_curl_multi: bad N, CONCURRENCY or ROUNDS\n");
        return 2;
    }
    f = fopen(argv[1], "rb");
    if (f == NULL) {
        perror(argv[1]);
        return 2;
    }
    len = fread(r.text, 1, sizeof(r.text) - 1, f);
    fclose(f);
    r.text[len] = '\0';
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || parse_request(&r) != 0) {
        fprintf(stderr, "bench_curl_multi: cannot read the request in %s\n", argv[1]);
        goto cleanup;
    }
    if (run_round(&r, conc * 4L, conc) < 0) { /* warm-up */
        goto cleanup;
    }
    for (i = 0; i < rounds; i++) {
        double t = run_round(&r, n, conc);
        if (t <= 0) {
            goto cleanup;
        }
        best = best < 0 || t < best ? t : best;
    }
    printf("concurrent.curl_multi_rps %.0f\n", (double)n / best);
    status = 0;
cleanup:
    curl_slist_free_all(r.headers);
    curl_global_cleanup();
    return status;
}
