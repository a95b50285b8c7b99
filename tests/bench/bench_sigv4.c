/* SPDX-License-Identifier: MIT */
/* Benchmark: one SigV4 signature (key cached and not) against the bare mbedTLS hashing floor,
 * and a generic CreateRoute (validate, serialise, sign, parse; no I/O) against the same floor. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "appmesh/appmesh.h"
#include "bench_clock.h"
#include "deserialize.h"
#include "internal.h"
#include "serialize.h"
#include "sigv4_floor.h"
#include "validate.h"

#define BATCHES 101

/* A CreateRoute of about 1 KB: weighted targets, header matches, a retry policy, tags. */
static const char route_input[] =
    "{\"meshName\":\"ecs-mesh\",\"virtualRouterName\":\"colorgateway-vr\",\"routeName\":"
    "\"colorgateway-route\",\"clientToken\":\"3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b\",\"spec\":{"
    "\"priority\":10,\"httpRoute\":{\"action\":{\"weightedTargets\":[{\"virtualNode\":"
    "\"colorgateway-blue-vn\",\"weight\":80,\"port\":8080},{\"virtualNode\":"
    "\"colorgateway-green-vn\",\"weight\":15,\"port\":8080},{\"virtualNode\":"
    "\"colorgateway-canary-vn\",\"weight\":5,\"port\":8080}]},\"match\":{\"prefix\":"
    "\"/color\",\"method\":\"GET\",\"scheme\":\"https\",\"headers\":[{\"name\":\"x-canary\","
    "\"invert\":false,\"match\":{\"exact\":\"true\"}},{\"name\":\"user-agent\",\"match\":{"
    "\"prefix\":\"Mozilla/5.0\"}},{\"name\":\"x-request-id\",\"match\":{\"regex\":"
    "\"^[0-9a-f-]{36}$\"}}]},\"retryPolicy\":{\"maxRetries\":3,\"perRetryTimeout\":{\"unit\":"
    "\"ms\",\"value\":2000},\"httpRetryEvents\":[\"server-error\",\"gateway-error\"],"
    "\"tcpRetryEvents\":[\"connection-error\"]},\"timeout\":{\"perRequest\":{\"unit\":\"s\","
    "\"value\":15},\"idle\":{\"unit\":\"s\",\"value\":300}}}},\"tags\":[{\"key\":\"team\","
    "\"value\":\"color\"},{\"key\":\"env\",\"value\":\"production\"},{\"key\":\"owner\","
    "\"value\":\"platform@example.com\"},{\"key\":\"cost-center\",\"value\":\"cc-1234\"}]}";

struct bench {
    struct appmesh_sigv4_signer *signer;
    struct appmesh_sigv4_result out;
    struct appmesh_sigv4_params params;
    struct sigv4_floor floor; /* the same bytes the signer hashes, with mbedTLS directly */
    unsigned sink;
    /* (d) the generic call: its input as the Lua binding gives it, a canned response */
    const struct am_operation *op;
    cJSON *input;
    char *response;
    size_t response_len;
    struct appmesh_buf path, query, gbody;
};

static int fail(const char *what)
{
    fprintf(stderr, "bench_sigv4: %s failed\n", what);
    return 1;
}

/* (a) a signature with the key cached: the signer's steady state. */
static int run_cached(struct bench *b, long n)
{
    struct appmesh_error err = {0};
    long i = 0;
    for (i = 0; i < n; i++) {
        if (appmesh_sigv4_sign_headers(b->signer, &sigv4_floor_request, &sigv4_floor_creds,
                                       &b->params, &b->out, &err) != APPMESH_OK) {
            return fail(err.message);
        }
        b->sink += (unsigned char)b->out.signature[0];
    }
    return 0;
}

/* (b) the floor (sigv4_floor.h). */
static int run_floor(struct bench *b, long n)
{
    return sigv4_floor_run(&b->floor, n) == 0 ? 0 : 1;
}

/* (c) a signature that derives its key: each one on a new day. */
static int run_uncached(struct bench *b, long n)
{
    struct appmesh_error err = {0};
    struct appmesh_sigv4_params p = b->params;
    long i = 0;
    for (i = 0; i < n; i++) {
        p.time += 86400;
        if (appmesh_sigv4_sign_headers(b->signer, &sigv4_floor_request, &sigv4_floor_creds, &p,
                                       &b->out, &err) != APPMESH_OK) {
            return fail(err.message);
        }
        b->sink += (unsigned char)b->out.signature[0];
    }
    return 0;
}

/* (d) a generic CreateRoute without I/O: validate, serialise, sign, parse and normalise. */
static int run_generic(struct bench *b, long n)
{
    struct appmesh_error err = {0};
    struct appmesh_sigv4_request req = {0};
    long i = 0;
    for (i = 0; i < n; i++) {
        cJSON *out = NULL;
        am_buf_reset(&b->path);
        am_buf_reset(&b->query);
        am_buf_reset(&b->gbody);
        if (am_validate_input(b->op, b->input, 1, &err) != APPMESH_OK ||
            am_serialize_request(b->op, b->input, NULL, &b->path, &b->query, &b->gbody, &err) !=
                APPMESH_OK) {
            return fail(err.message);
        }
        req.method = b->op->method;
        req.path = b->path.ptr;
        req.query = am_buf_cstr(&b->query);
        req.headers = sigv4_floor_headers;
        req.header_count = 2;
        req.body = b->gbody.ptr;
        req.body_len = b->gbody.len;
        if (appmesh_sigv4_sign_headers(b->signer, &req, &sigv4_floor_creds, &b->params, &b->out,
                                       &err) != APPMESH_OK ||
            am_deserialize_output(b->op, b->response, b->response_len, &out, &err) != APPMESH_OK) {
            return fail(err.message);
        }
        b->sink += (unsigned char)b->out.signature[0] + (out->child != NULL ? 1u : 0u);
        cJSON_Delete(out);
    }
    return 0;
}

/* The response CreateRoute answers with: the route echoed, with its metadata and status. */
static int setup_generic(struct bench *b)
{
    cJSON *spec = NULL;
    cJSON *resp = cJSON_CreateObject();
    char *text = NULL;

    b->op = am_operation_find("CreateRoute");
    b->input = cJSON_Parse(route_input);
    if (b->op == NULL || b->input == NULL || resp == NULL) {
        return fail("generic setup");
    }
    spec = cJSON_Duplicate(cJSON_GetObjectItem(b->input, "spec"), 1);
    cJSON_AddStringToObject(resp, "meshName", "ecs-mesh");
    cJSON_AddStringToObject(resp, "virtualRouterName", "colorgateway-vr");
    cJSON_AddStringToObject(resp, "routeName", "colorgateway-route");
    cJSON_AddItemToObject(resp, "spec", spec);
    cJSON_AddRawToObject(resp, "metadata",
                         "{\"arn\":\"arn:aws:appmesh:us-east-1:123456789012:mesh/ecs-mesh/"
                         "virtualRouter/colorgateway-vr/route/colorgateway-route\",\"createdAt\":"
                         "1563810000.123,\"lastUpdatedAt\":1563820000.5,\"meshOwner\":"
                         "\"123456789012\",\"resourceOwner\":\"123456789012\",\"uid\":"
                         "\"a1b2c3d4\",\"version\":1}");
    cJSON_AddRawToObject(resp, "status", "{\"status\":\"ACTIVE\"}");
    text = cJSON_PrintUnformatted(resp);
    cJSON_Delete(resp);
    if (text == NULL) {
        return fail("generic response");
    }
    b->response = text;
    b->response_len = strlen(text);
    am_buf_init(&b->path, NULL, 0);
    am_buf_init(&b->query, NULL, 0);
    am_buf_init(&b->gbody, NULL, 0);
    return 0;
}

static int setup(struct bench *b)
{
    struct appmesh_error err = {0};

    memset(b, 0, sizeof(*b));
    b->params.region = "us-east-1";
    b->params.service = "appmesh";
    b->params.time = 1700000000;
    if (appmesh_sigv4_signer_new(NULL, &b->signer, &err) != APPMESH_OK) {
        return fail(err.message);
    }
    if (sigv4_floor_setup(&b->floor) != 0) {
        return 1;
    }
    return setup_generic(b);
}

static void teardown(struct bench *b)
{
    sigv4_floor_cleanup(&b->floor);
    appmesh_sigv4_result_cleanup(&b->out);
    appmesh_sigv4_signer_destroy(b->signer);
    cJSON_Delete(b->input);
    cJSON_free(b->response);
    appmesh_buf_cleanup(&b->path);
    appmesh_buf_cleanup(&b->query);
    appmesh_buf_cleanup(&b->gbody);
}

/* Iterations for a batch of about 3 ms. */
static long calibrate(struct bench *b, int (*run)(struct bench *, long))
{
    long n = 64;
    for (;;) {
        double t0 = now_ns();
        if (run(b, n) != 0) {
            return -1;
        }
        if (now_ns() - t0 > 2e6 || n > (1L << 24)) {
            double per = (now_ns() - t0) / (double)n;
            long want = (long)(3e6 / (per > 1 ? per : 1));
            return want < 64 ? 64 : want;
        }
        n *= 4;
    }
}

int main(void)
{
    static struct bench b;
    int (*const runs[4])(struct bench *, long) = {run_cached, run_floor, run_uncached, run_generic};
    double samples[4][BATCHES];
    double ratios[BATCHES];
    double generic_ratios[BATCHES];
    long iters[4];
    double median[4];
    int k = 0;
    int batch = 0;
    int rc = 1;

    if (setup(&b) != 0) {
        goto done;
    }
    for (k = 0; k < 4; k++) {
        iters[k] = calibrate(&b, runs[k]);
        if (iters[k] < 0) {
            goto done;
        }
    }
    /* Interleave the four so that frequency changes and noise hit them alike. */
    for (batch = 0; batch < BATCHES; batch++) {
        for (k = 0; k < 4; k++) {
            double t0 = now_ns();
            if (runs[k](&b, iters[k]) != 0) {
                goto done;
            }
            samples[k][batch] = (now_ns() - t0) / (double)iters[k];
        }
        ratios[batch] = samples[0][batch] / samples[1][batch];
        generic_ratios[batch] = samples[3][batch] / samples[1][batch];
    }
    for (k = 0; k < 4; k++) {
        qsort(samples[k], BATCHES, sizeof(double), cmp_double);
        median[k] = samples[k][BATCHES / 2];
    }
    /* The ratio is the median of per-batch ratios: each pairs a signing batch with the floor
     * batch run right before it, so load from other processes cancels out. */
    qsort(ratios, BATCHES, sizeof(double), cmp_double);
    qsort(generic_ratios, BATCHES, sizeof(double), cmp_double);
    printf("sigv4.sign_cached_ns %.0f\n", median[0]);
    printf("sigv4.floor_ns %.0f\n", median[1]);
    printf("sigv4.sign_uncached_ns %.0f\n", median[2]);
    printf("sigv4.ratio_vs_floor %.2f (target <= 1.30)\n", ratios[BATCHES / 2]);
    printf("generic.create_route_ns %.0f\n", median[3]);
    printf("generic.ratio_vs_floor %.2f (target <= 8; min %.2f, max %.2f)\n",
           generic_ratios[BATCHES / 2], generic_ratios[0], generic_ratios[BATCHES - 1]);
    fprintf(stderr, "# canonical request %zu bytes, string to sign %zu, body %zu (sink %u)\n",
            b.floor.creq_len, b.floor.sts_len, sizeof(sigv4_floor_body) - 1, b.sink + b.floor.sink);
    fprintf(stderr, "# generic CreateRoute: input %zu bytes of JSON, body sent %zu, response %zu\n",
            sizeof(route_input) - 1, b.gbody.len, b.response_len);
    rc = 0;

done:
    teardown(&b);
    return rc;
}
