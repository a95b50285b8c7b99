/* SPDX-License-Identifier: MIT */
/* make bench: appmesh_batch driven from C (no Lua), between the plain curl loop and appmesh.map
 * in bench_concurrent.sh, so that the binding's share of the cost can be told apart. Not a test. */
/*
 * Usage: bench_batch_loop URL N CONCURRENCY [ROUNDS]
 * Each round makes a batch (a fresh multi handle, as each appmesh.map does) and sends N
 * UpdateVirtualService calls at CONCURRENCY, keeping 4 * CONCURRENCY queued; prints the best
 * round as "concurrent.c_batch_rps <n>". Exits 1 when a call fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "appmesh/appmesh.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One round; returns the seconds it took, or -1 (message printed) on a failure. */
static double run_round(struct appmesh_client *c, long n, int conc)
{
    struct appmesh_error err = {0};
    struct appmesh_batch_options bo;
    struct appmesh_batch *b = NULL;
    struct appmesh_update_virtual_service_input in;
    struct appmesh_batch_result res;
    long added = 0;
    long done = 0;
    double t0 = now();
    double elapsed = -1;

    memset(&bo, 0, sizeof(bo));
    bo.concurrency = conc;
    memset(&in, 0, sizeof(in));
    in.mesh_name = "bench-mesh";
    in.virtual_service_name = "svc.local";
    in.has_spec = true;
    in.spec.provider.kind = APPMESH_PROVIDER_VIRTUAL_NODE;
    in.spec.provider.u.virtual_node.virtual_node_name = "vn";
    if (appmesh_batch_new(c, &bo, &b, &err) != APPMESH_OK) {
        fprintf(stderr, "bench_batch_loop: %s\n", err.message);
        return -1;
    }
    while (done < n) {
        while (added < n && appmesh_batch_pending(b) < (size_t)conc * 4) {
            if (appmesh_batch_add_update(b, &in, NULL, NULL, &err) != APPMESH_OK) {
                fprintf(stderr, "bench_batch_loop: %s\n", err.message);
                goto cleanup;
            }
            added++;
        }
        if (appmesh_batch_perform(b, 1.0, &err) != APPMESH_OK) {
            fprintf(stderr, "bench_batch_loop: %s\n", err.message);
            goto cleanup;
        }
        while (appmesh_batch_take(b, &res)) {
            appmesh_virtual_service_data_cleanup(&res.data);
            appmesh_virtual_service_list_cleanup(&res.list);
            if (res.status != APPMESH_OK) {
                fprintf(stderr, "bench_batch_loop: call failed: %s\n", res.err.message);
                goto cleanup;
            }
            done++;
        }
    }
    elapsed = now() - t0;
cleanup:
    appmesh_batch_destroy(b);
    return elapsed;
}

int main(int argc, char **argv)
{
    struct appmesh_error err = {0};
    struct appmesh_client_options o;
    struct appmesh_credentials creds = {0};
    struct appmesh_client *c = NULL;
    long n = 0;
    int conc = 0;
    int rounds = 5;
    int i = 0;
    double best = -1;
    int status = 1;

    if (argc < 4) {
        fprintf(stderr, "usage: bench_batch_loop URL N CONCURRENCY [ROUNDS]\n");
        return 2;
    }
    n = strtol(argv[2], NULL, 10);
    conc = (int)strtol(argv[3], NULL, 10);
    if (argc > 4) {
        rounds = (int)strtol(argv[4], NULL, 10);
    }
    if (n < 1 || conc < 1 || rounds < 1) {
        fprintf(stderr, "bench_batch_loop: bad N, CONCURRENCY or ROUNDS\n");
        return 2;
    }
    memset(&o, 0, sizeof(o));
    creds.access_key_id = "AKIDEXAMPLE";
    creds.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    o.region = "us-east-1";
    o.endpoint = argv[1];
    o.credentials = &creds;
    o.max_attempts = 1;
    if (appmesh_client_new(NULL, &o, &c, &err) != APPMESH_OK) {
        fprintf(stderr, "bench_batch_loop: %s\n", err.message);
        return 1;
    }
    if (run_round(c, conc * 4L, conc) < 0) { /* warm-up */
        goto cleanup;
    }
    for (i = 0; i < rounds; i++) {
        double t = run_round(c, n, conc);
        if (t <= 0) {
            goto cleanup;
        }
        best = best < 0 || t < best ? t : best;
    }
    printf("concurrent.c_batch_rps %.0f\n", (double)n / best);
    status = 0;
cleanup:
    appmesh_client_destroy(c);
    return status;
}
