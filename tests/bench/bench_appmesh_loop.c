/* SPDX-License-Identifier: MIT */
/* make bench: appmesh_batch driven from C (no Lua), between the plain curl loop and appmesh.map
 * in bench_concurrent.sh, so that the binding's share of the cost can be told apart. Not a test. */
/*
 * Usage: bench_appmesh_loop URL N CONCURRENCY [ROUNDS]
 * Each round makes a batch (a fresh multi handle, as each appmesh.map does) and sends N
 * UpdateVirtualService calls at CONCURRENCY, keeping 4 * CONCURRENCY queued; prints the best
 * round as "concurrent.c_batch_rps <n>". Exits 1 when a call fails.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "appmesh/appmesh.h"
#include "bench_clock.h"

static void update_input(struct appmesh_update_virtual_service_input *in)
{
    memset(in, 0, sizeof(*in));
    in->mesh_name = "bench-mesh";
    in->virtual_service_name = "svc.local";
    in->has_spec = true;
    in->spec.provider.kind = APPMESH_PROVIDER_VIRTUAL_NODE;
    in->spec.provider.u.virtual_node.virtual_node_name = "vn";
}

/* One sequential round; returns the seconds it took, or -1 (message printed) on a failure. */
static double run_seq(struct appmesh_client *c, long n)
{
    struct appmesh_update_virtual_service_input in;
    double t0 = now();
    long i = 0;

    update_input(&in);
    for (i = 0; i < n; i++) {
        struct appmesh_error err = {0};
        struct appmesh_virtual_service_data out;
        memset(&out, 0, sizeof(out));
        if (appmesh_client_update_virtual_service(c, &in, &out, NULL, &err) != APPMESH_OK) {
            fprintf(stderr, "bench_appmesh_loop: call failed: %s\n", err.message);
            return -1;
        }
        appmesh_virtual_service_data_cleanup(&out);
    }
    return now() - t0;
}

/* One batch round; returns the seconds it took, or -1 (message printed) on a failure. */
static double run_batch(struct appmesh_client *c, long n, int conc)
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
    update_input(&in);
    if (appmesh_batch_new(c, &bo, &b, &err) != APPMESH_OK) {
        fprintf(stderr, "bench_appmesh_loop: %s\n", err.message);
        return -1;
    }
    while (done < n) {
        while (added < n && appmesh_batch_pending(b) < (size_t)conc * 4) {
            if (appmesh_batch_add_update(b, &in, NULL, NULL, &err) != APPMESH_OK) {
                fprintf(stderr, "bench_appmesh_loop: %s\n", err.message);
                goto cleanup;
            }
            added++;
        }
        if (appmesh_batch_perform(b, 1.0, &err) != APPMESH_OK) {
            fprintf(stderr, "bench_appmesh_loop: %s\n", err.message);
            goto cleanup;
        }
        while (appmesh_batch_take(b, &res)) {
            appmesh_virtual_service_data_cleanup(&res.data);
            appmesh_virtual_service_list_cleanup(&res.list);
            if (res.status != APPMESH_OK) {
                fprintf(stderr, "bench_appmesh_loop: call failed: %s\n", res.err.message);
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
    bool seq = false;
    long n = 0;
    int conc = 0;
    int rounds = 1;
    int i = 0;
    int status = 1;

    if (argc < 5 || (strcmp(argv[1], "seq") != 0 && strcmp(argv[1], "batch") != 0)) {
        fprintf(stderr, "usage: bench_appmesh_loop seq|batch URL N CONCURRENCY [ROUNDS]\n");
        return 2;
    }
    seq = strcmp(argv[1], "seq") == 0;
    n = strtol(argv[3], NULL, 10);
    conc = (int)strtol(argv[4], NULL, 10);
    if (argc > 5) {
        rounds = (int)strtol(argv[5], NULL, 10);
    }
    if (n < 1 || conc < 1 || rounds < 1) {
        fprintf(stderr, "bench_appmesh_loop: bad N, CONCURRENCY or ROUNDS\n");
        return 2;
    }
    memset(&o, 0, sizeof(o));
    creds.access_key_id = "AKIDEXAMPLE";
    creds.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    o.region = "us-east-1";
    o.endpoint = argv[2];
    o.credentials = &creds;
    o.max_attempts = 1;
    if (appmesh_client_new(NULL, &o, &c, &err) != APPMESH_OK) {
        fprintf(stderr, "bench_appmesh_loop: %s\n", err.message);
        return 1;
    }
    /* warm-up */
    if ((seq ? run_seq(c, 64) : run_batch(c, conc * 4L, conc)) < 0) {
        goto cleanup;
    }
    for (i = 0; i < rounds; i++) {
        double c0 = cpu_now();
        double t = seq ? run_seq(c, n) : run_batch(c, n, conc);
        double cpu = cpu_now() - c0;
        if (t <= 0) {
            goto cleanup;
        }
        printf("%.0f %.2f\n", (double)n / t, cpu * 1e6 / (double)n);
    }
    status = 0;
cleanup:
    appmesh_client_destroy(c);
    return status;
}
