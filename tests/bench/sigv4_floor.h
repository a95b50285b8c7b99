/* SPDX-License-Identifier: MIT */
/* The SigV4 signing floor that bench_sigv4 (sigv4.floor_ns) and bench_lua (lua.sigv4_floor_ns)
 * measure, written once: the bare mbedTLS hashing of one signature of a typical
 * UpdateVirtualService request (SHA-256 of the body, SHA-256 of the canonical request, one
 * HMAC-SHA-256 of the string to sign under a 32-byte key), on a context set up once. */
#ifndef APPMESH_BENCH_SIGV4_FLOOR_H
#define APPMESH_BENCH_SIGV4_FLOOR_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/md.h>

#include "appmesh/appmesh.h"

/* A typical UpdateVirtualService request (~100-byte JSON body). */
static const char sigv4_floor_body[] =
    "{\"clientToken\":\"3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b\",\"spec\":{"
    "\"provider\":{\"virtualNode\":{\"virtualNodeName\":\"cg-vn\"}}}}";
static const struct appmesh_header sigv4_floor_headers[] = {
    {"Host", 4, "appmesh.us-east-1.amazonaws.com", 31},
    {"Content-Type", 12, "application/json", 16},
};
static const struct appmesh_sigv4_request sigv4_floor_request = {
    "PUT",
    "/v20190125/meshes/ecs-mesh/virtualServices/colorgateway.default.svc.cluster.local",
    "meshOwner=123456789012",
    sigv4_floor_headers,
    2,
    sigv4_floor_body,
    sizeof(sigv4_floor_body) - 1,
};
static const struct appmesh_credentials sigv4_floor_creds = {
    "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", NULL};

struct sigv4_floor {
    mbedtls_md_context_t md;
    char *creq; /* the canonical request and string to sign the signer made for the request */
    size_t creq_len;
    char *sts;
    size_t sts_len;
    unsigned char key[32];
    unsigned sink; /* keeps the hashing from being optimised away */
};

/* The same bytes the signer hashes (one signature with its intermediates kept), and the context.
 * Returns 0, or -1 with the reason printed. */
static inline int sigv4_floor_setup(struct sigv4_floor *f)
{
    struct appmesh_sigv4_params params = {0};
    struct appmesh_sigv4_signer *signer = NULL;
    struct appmesh_sigv4_result first = {0};
    struct appmesh_error err = {0};
    int rc = -1;

    memset(f, 0, sizeof(*f));
    mbedtls_md_init(&f->md);
    params.region = "us-east-1";
    params.service = "appmesh";
    params.time = 1700000000;
    first.keep_intermediate = true;
    if (appmesh_sigv4_signer_new(NULL, &signer, &err) != APPMESH_OK ||
        appmesh_sigv4_sign_headers(signer, &sigv4_floor_request, &sigv4_floor_creds, &params,
                                   &first, &err) != APPMESH_OK) {
        fprintf(stderr, "sigv4 floor: %s\n", err.message);
        goto cleanup;
    }
    f->creq_len = first.canonical_request.len;
    f->sts_len = first.string_to_sign.len;
    f->creq = malloc(f->creq_len + 1);
    f->sts = malloc(f->sts_len + 1);
    if (f->creq == NULL || f->sts == NULL) {
        fprintf(stderr, "sigv4 floor: out of memory\n");
        goto cleanup;
    }
    memcpy(f->creq, first.canonical_request.ptr, f->creq_len + 1);
    memcpy(f->sts, first.string_to_sign.ptr, f->sts_len + 1);
    for (size_t i = 0; i < sizeof(f->key); i++) {
        f->key[i] = (unsigned char)(i * 37 + 11);
    }
    if (mbedtls_md_setup(&f->md, mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), 1) != 0) {
        fprintf(stderr, "sigv4 floor: mbedtls_md_setup failed\n");
        goto cleanup;
    }
    rc = 0;
cleanup:
    appmesh_sigv4_result_cleanup(&first);
    appmesh_sigv4_signer_destroy(signer);
    return rc;
}

/* n floor signatures. Returns 0, or -1 with the reason printed. */
static inline int sigv4_floor_run(struct sigv4_floor *f, long n)
{
    unsigned char d[32];
    for (long i = 0; i < n; i++) {
        int rc = mbedtls_md_starts(&f->md);
        rc |= mbedtls_md_update(&f->md, (const unsigned char *)sigv4_floor_body,
                                sizeof(sigv4_floor_body) - 1);
        rc |= mbedtls_md_finish(&f->md, d);
        rc |= mbedtls_md_starts(&f->md);
        rc |= mbedtls_md_update(&f->md, (const unsigned char *)f->creq, f->creq_len);
        rc |= mbedtls_md_finish(&f->md, d);
        rc |= mbedtls_md_hmac_starts(&f->md, f->key, sizeof(f->key));
        rc |= mbedtls_md_hmac_update(&f->md, (const unsigned char *)f->sts, f->sts_len);
        rc |= mbedtls_md_hmac_finish(&f->md, d);
        if (rc != 0) {
            fprintf(stderr, "sigv4 floor: hashing failed\n");
            return -1;
        }
        f->sink += d[0];
    }
    return 0;
}

static inline void sigv4_floor_cleanup(struct sigv4_floor *f)
{
    mbedtls_md_free(&f->md);
    free(f->creq);
    free(f->sts);
    f->creq = NULL;
    f->sts = NULL;
}

#endif
