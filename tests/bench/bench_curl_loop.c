/* SPDX-License-Identifier: MIT */
/* make bench: plain libcurl loops re-sending one prepared request, the baselines of the HTTP
 * benchmarks (bench_sequential.sh, bench_concurrent.sh). Not a test. */
/*
 * Usage: bench_curl_loop seq|multi REQUEST_FILE N CONCURRENCY [ROUNDS [floor]]
 * REQUEST_FILE: "METHOD URL" on the first line, then "Name: value" header lines, an empty line,
 * and the body (written by bench_http.lua from appmesh's own dry run).
 *   seq:   one easy handle, curl_easy_perform N times (keep-alive), as a blocking client does.
 *   multi: each round a fresh multi handle with CONCURRENCY easy handles (so new connections,
 *          as each appmesh batch makes its own), N requests keeping CONCURRENCY in flight.
 *   floor: the same loop doing, in place, the floor's two terms of every call as well: one
 *          floor signature before each request is sent (sigv4_floor.h, what sigv4.floor_ns
 *          times) and cJSON's parse and free of each answer (what parse.floor_ns times). This
 *          is the floor of issue 17 measured where a client pays it, between transfers, on the
 *          caches and branch history libcurl and the kernel leave, not in a loop of its own.
 * After a warm-up, prints one line per round: "<requests per second> <CPU us per request>"
 * (user + system CPU of this process over the round). Exits 1 when a request fails or is not
 * answered 2xx.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench_clock.h"
#include "sigv4_floor.h"
#include <cjson/cJSON.h>
#include <curl/curl.h>

#define MAX_REQUEST 65536
#define MAX_SLOTS   1024

#define MAX_ANSWER 65536

static size_t discard(char *ptr, size_t size, size_t nmemb, void *ud)
{
    (void)ptr;
    (void)ud;
    return size * nmemb;
}

/* floor mode: one answer body, kept for parsing (a buffer per easy handle) */
struct answer {
    char text[MAX_ANSWER];
    size_t len;
};

static size_t keep(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct answer *a = ud;
    size_t n = size * nmemb;
    if (n > sizeof(a->text) - a->len) {
        return 0;
    }
    memcpy(a->text + a->len, ptr, n);
    a->len += n;
    return n;
}

/* The floor work around a transfer (floor mode only): NULL when the loop is the plain one. */
static struct sigv4_floor *floor_work;

static int floor_before_send(void)
{
    return floor_work != NULL ? sigv4_floor_run(floor_work, 1) : 0;
}

/* Parse and free the answer a transfer kept; -1 when it is not a JSON object. */
static int floor_after_answer(struct answer *a)
{
    cJSON *v = NULL;
    if (floor_work == NULL) {
        return 0;
    }
    v = cJSON_ParseWithLength(a->text, a->len);
    a->len = 0;
    if (!cJSON_IsObject(v)) {
        cJSON_Delete(v);
        fprintf(stderr, "bench_curl_loop: an answer is not a JSON object\n");
        return -1;
    }
    cJSON_Delete(v);
    return 0;
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

static CURL *new_easy(const struct request *r, struct answer *a)
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
    curl_easy_setopt(e, CURLOPT_USERAGENT, "bench_curl_loop");
    if (floor_work != NULL) {
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, keep);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, a);
        curl_easy_setopt(e, CURLOPT_PRIVATE, a);
    } else {
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
    }
    return e;
}

static bool answered_2xx(CURL *e, CURLcode rc)
{
    long code = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
    if (rc != CURLE_OK || code < 200 || code > 299) {
        fprintf(stderr, "bench_curl_loop: request failed: %s (HTTP %ld)\n", curl_easy_strerror(rc),
                code);
        return false;
    }
    return true;
}

/* One sequential round on the kept easy handle; returns the seconds it took, or -1. */
static double run_seq(CURL *e, struct answer *a, long n)
{
    double t0 = now();
    long i = 0;
    for (i = 0; i < n; i++) {
        if (floor_before_send() != 0 || !answered_2xx(e, curl_easy_perform(e)) ||
            floor_after_answer(a) != 0) {
            return -1;
        }
    }
    return now() - t0;
}

/* One multi round: n requests, conc at once; returns the seconds it took, or -1. */
static double run_multi(const struct request *r, struct answer *answers, long n, int conc)
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
        slots[i] = new_easy(r, answers != NULL ? &answers[i] : NULL);
    }
    curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, (long)conc);
    for (i = 0; i < conc && started < n; i++) {
        if (floor_before_send() != 0) {
            goto cleanup;
        }
        curl_multi_add_handle(m, slots[i]);
        started++;
    }
    while (done < n) {
        CURLMsg *msg = NULL;
        int left = 0;
        long wait_ms = -1;
        bool finished = false;
        if (curl_multi_perform(m, &running) != CURLM_OK) {
            fprintf(stderr, "bench_curl_loop: curl_multi_perform failed\n");
            goto cleanup;
        }
        while ((msg = curl_multi_info_read(m, &left)) != NULL) {
            if (msg->msg != CURLMSG_DONE) {
                continue;
            }
            if (!answered_2xx(msg->easy_handle, msg->data.result)) {
                goto cleanup;
            }
            if (floor_work != NULL) {
                struct answer *a = NULL;
                curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&a);
                if (floor_after_answer(a) != 0) {
                    goto cleanup;
                }
            }
            done++;
            finished = true;
            curl_multi_remove_handle(m, msg->easy_handle);
            if (started < n) {
                if (floor_before_send() != 0) {
                    goto cleanup;
                }
                curl_multi_add_handle(m, msg->easy_handle);
                started++;
            }
        }
        /* wait only with transfers running and nothing new to start, at most until curl's
         * own timer */
        if (!finished && running > 0) {
            curl_multi_timeout(m, &wait_ms);
            if (curl_multi_poll(m, NULL, 0, wait_ms >= 0 && wait_ms < 1000 ? (int)wait_ms : 1000,
                                NULL) != CURLM_OK) {
                fprintf(stderr, "bench_curl_loop: curl_multi_poll failed\n");
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
    static struct sigv4_floor sig;
    struct answer *answers = NULL;
    FILE *f = NULL;
    CURL *easy = NULL;
    bool seq = false;
    size_t len = 0;
    long n = 0;
    int conc = 0;
    int rounds = 1;
    int i = 0;
    int status = 1;

    if (argc < 5 || argc > 7 || (strcmp(argv[1], "seq") != 0 && strcmp(argv[1], "multi") != 0) ||
        (argc == 7 && strcmp(argv[6], "floor") != 0)) {
        fprintf(stderr,
                "usage: bench_curl_loop seq|multi REQUEST_FILE N CONCURRENCY [ROUNDS [floor]]\n");
        return 2;
    }
    seq = strcmp(argv[1], "seq") == 0;
    n = strtol(argv[3], NULL, 10);
    conc = (int)strtol(argv[4], NULL, 10);
    if (argc > 5) {
        rounds = (int)strtol(argv[5], NULL, 10);
    }
    if (n < 1 || conc < 1 || conc > MAX_SLOTS || rounds < 1) {
        fprintf(stderr, "bench_curl_loop: bad N, CONCURRENCY or ROUNDS\n");
        return 2;
    }
    f = fopen(argv[2], "rb");
    if (f == NULL) {
        perror(argv[2]);
        return 2;
    }
    len = fread(r.text, 1, sizeof(r.text) - 1, f);
    fclose(f);
    r.text[len] = '\0';
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || parse_request(&r) != 0) {
        fprintf(stderr, "bench_curl_loop: cannot read the request in %s\n", argv[2]);
        goto cleanup;
    }
    if (argc == 7) { /* floor mode: an answer buffer a handle, and the signing floor */
        answers = calloc((size_t)(seq ? 1 : conc), sizeof(*answers));
        if (answers == NULL) {
            fprintf(stderr, "bench_curl_loop: out of memory\n");
            goto cleanup;
        }
        if (sigv4_floor_setup(&sig) != 0) {
            goto cleanup;
        }
        floor_work = &sig;
    }
    if (seq) {
        easy = new_easy(&r, answers);
        if (easy == NULL || run_seq(easy, answers, 64) < 0) { /* warm-up */
            goto cleanup;
        }
    } else if (run_multi(&r, answers, conc * 4L, conc) < 0) { /* warm-up */
        goto cleanup;
    }
    for (i = 0; i < rounds; i++) {
        double c0 = cpu_now();
        double t = seq ? run_seq(easy, answers, n) : run_multi(&r, answers, n, conc);
        double cpu = cpu_now() - c0;
        if (t <= 0) {
            goto cleanup;
        }
        printf("%.0f %.2f\n", (double)n / t, cpu * 1e6 / (double)n);
    }
    status = 0;
cleanup:
    if (easy != NULL) {
        curl_easy_cleanup(easy);
    }
    if (floor_work != NULL) {
        sigv4_floor_cleanup(floor_work);
    }
    free(answers);
    curl_slist_free_all(r.headers);
    curl_global_cleanup();
    return status;
}
