/* SPDX-License-Identifier: MIT */
/* Benchmark: the whole client path without I/O (validate, serialise, sign, parse) per call. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "appmesh/appmesh.h"
#include "bench_clock.h"
#include "internal.h"

#define BODY                                                                                       \
    "{\"meshName\":\"ecs-mesh\",\"virtualServiceName\":\"colorgateway.default.svc.cluster."        \
    "local\",\"spec\":{\"provider\":{\"virtualNode\":{\"virtualNodeName\":\"colorgateway-vn\"}"    \
    "}},\"status\":{\"status\":\"ACTIVE\"},\"metadata\":{\"arn\":\"arn:aws:appmesh:us-east-1:"     \
    "123456789012:mesh/ecs-mesh/virtualService/colorgateway.default.svc.cluster.local\","          \
    "\"createdAt\":1563810000.123,\"lastUpdatedAt\":1563820000.5,\"meshOwner\":"                   \
    "\"123456789012\",\"resourceOwner\":\"123456789012\",\"uid\":\"a1b2\",\"version\":2}}"
#define HEADERS "x-amzn-RequestId: 0d8f2c3a\r\nContent-Type: application/json\r\n"

/* A transport that answers every request at once with the same 200 response. */
static enum appmesh_status canned_send(void *impl,
                                       const struct appmesh_http_request *req,
                                       struct appmesh_http_response *resp,
                                       struct appmesh_error *err)
{
    const struct appmesh_http_response *canned = impl;
    enum appmesh_status st = APPMESH_OK;
    (void)req;
    /* Copy the bytes into the client's buffers, as a real transport receives them. */
    resp->status = canned->status;
    am_buf_reset(&resp->headers);
    am_buf_reset(&resp->body);
    st = am_buf_append(&resp->headers, canned->headers.ptr, canned->headers.len, err);
    if (st == APPMESH_OK) {
        st = am_buf_append(&resp->body, canned->body.ptr, canned->body.len, err);
    }
    return st;
}

static void canned_destroy(void *impl)
{
    (void)impl;
}

static const struct appmesh_transport_vtable canned_vtable = {canned_send, canned_destroy};

struct counting {
    long long live_bytes;
    long long peak_bytes;
    long calls;
};

static void *count_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    struct counting *c = ud;
    if (nsize == 0) {
        if (ptr != NULL) {
            c->live_bytes -= (long long)osize;
        }
        free(ptr);
        return NULL;
    }
    c->calls++;
    c->live_bytes += (long long)nsize - (ptr != NULL ? (long long)osize : 0);
    if (c->live_bytes > c->peak_bytes) {
        c->peak_bytes = c->live_bytes;
    }
    return realloc(ptr, nsize);
}

static const char *no_env(void *ud, const char *name)
{
    (void)ud;
    (void)name;
    return NULL;
}

int main(void)
{
    static const struct appmesh_credentials creds = {
        "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", NULL};
    struct counting counts = {0};
    struct appmesh_allocator alloc = {count_alloc, &counts};
    struct appmesh_http_response canned = {0};
    struct appmesh_transport transport = {&canned_vtable, &canned};
    struct appmesh_client_options opts = {0};
    struct appmesh_update_virtual_service_input in = {0};
    struct appmesh_client *client = NULL;
    struct appmesh_error err = {0};
    enum { BATCHES = 21, PER_BATCH = 5000 };
    double batch_ns[BATCHES];
    long long live_after_warmup = 0;
    int b = 0, i = 0;

    canned.status = 200;
    canned.headers.ptr = (char *)HEADERS;
    canned.headers.len = strlen(HEADERS);
    canned.body.ptr = (char *)BODY;
    canned.body.len = strlen(BODY);
    opts.transport = &transport;
    opts.credentials = &creds;
    opts.region = "us-east-1";
    opts.endpoint = "http://127.0.0.1:9000";
    opts.getenv = no_env;
    if (appmesh_client_new(&alloc, &opts, &client, &err) != APPMESH_OK) {
        fprintf(stderr, "bench_client: %s\n", err.message);
        return 1;
    }
    in.mesh_name = "ecs-mesh";
    in.virtual_service_name = "colorgateway.default.svc.cluster.local";
    in.mesh_owner = "123456789012";
    in.has_spec = true;
    in.spec.provider.kind = APPMESH_PROVIDER_VIRTUAL_NODE;
    in.spec.provider.u.virtual_node.virtual_node_name = "colorgateway-vn";

    for (b = 0; b < BATCHES; b++) {
        double t0 = now_ns();
        for (i = 0; i < PER_BATCH; i++) {
            struct appmesh_virtual_service_data out = {0};
            if (appmesh_client_update_virtual_service(client, &in, &out, NULL, &err) !=
                APPMESH_OK) {
                fprintf(stderr, "bench_client: %s\n", err.message);
                return 1;
            }
            appmesh_virtual_service_data_cleanup(&out);
        }
        batch_ns[b] = (now_ns() - t0) / PER_BATCH;
        if (b == 0) {
            live_after_warmup = counts.live_bytes;
        }
    }
    qsort(batch_ns, BATCHES, sizeof(batch_ns[0]), cmp_double);
    printf("client.call_ns %.0f (target < 10000)\n", batch_ns[BATCHES / 2]);
    printf("client.calls %d\n", BATCHES * PER_BATCH);
    printf("client.live_bytes_after_first_batch %lld\n", live_after_warmup);
    printf("client.live_bytes_after_all %lld (flat: %s)\n", counts.live_bytes,
           counts.live_bytes == live_after_warmup ? "yes" : "NO");
    appmesh_client_destroy(client);
    return counts.live_bytes == 0 ? 0 : 1;
}
