/* SPDX-License-Identifier: MIT */
/* make bench: the parse floor of bench_concurrent.sh, cJSON parsing and freeing an answer body. */
/*
 * Usage: bench_parse_floor BODY_FILE
 * Reads the answer body (the loopback nginx's VirtualServiceData JSON) and times
 * cJSON_ParseWithLength + cJSON_Delete of it: what reading an answer costs at the least with the
 * JSON library appmesh uses, before any of appmesh's own work. Batches of about 3 ms, the median
 * of 51; prints "parse.floor_ns <ns a parse>". Not a test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_clock.h"
#include <cjson/cJSON.h>

#define BATCHES  51
#define MAX_BODY 65536

/* n parses of body; returns how many gave an object (all of them, or the body is not JSON). */
static long run(const char *body, size_t len, long n)
{
    long ok = 0;
    long i = 0;
    for (i = 0; i < n; i++) {
        cJSON *v = cJSON_ParseWithLength(body, len);
        ok += cJSON_IsObject(v) ? 1 : 0;
        cJSON_Delete(v);
    }
    return ok;
}

int main(int argc, char **argv)
{
    static char body[MAX_BODY];
    double samples[BATCHES];
    FILE *f = NULL;
    size_t len = 0;
    long n = 64;
    int b = 0;

    if (argc != 2) {
        fprintf(stderr, "usage: bench_parse_floor BODY_FILE\n");
        return 2;
    }
    f = fopen(argv[1], "rb");
    if (f == NULL) {
        fprintf(stderr, "bench_parse_floor: cannot open %s\n", argv[1]);
        return 1;
    }
    len = fread(body, 1, sizeof(body), f);
    fclose(f);
    if (len == 0 || len == sizeof(body) || run(body, len, 1) != 1) {
        fprintf(stderr, "bench_parse_floor: %s is not one JSON object under 64 KiB\n", argv[1]);
        return 1;
    }
    /* Iterations for a batch of about 3 ms. */
    for (;;) {
        double t0 = now_ns();
        run(body, len, n);
        if (now_ns() - t0 > 2e6 || n > (1L << 24)) {
            double per = (now_ns() - t0) / (double)n;
            n = (long)(3e6 / (per > 1 ? per : 1));
            break;
        }
        n *= 4;
    }
    for (b = 0; b < BATCHES; b++) {
        double t0 = now_ns();
        if (run(body, len, n) != n) {
            fprintf(stderr, "bench_parse_floor: a parse failed\n");
            return 1;
        }
        samples[b] = (now_ns() - t0) / (double)n;
    }
    qsort(samples, BATCHES, sizeof(double), cmp_double);
    printf("parse.floor_ns %.0f\n", samples[BATCHES / 2]);
    fprintf(stderr, "# answer body %zu bytes, %ld parses a batch\n", len, n);
    return 0;
}
