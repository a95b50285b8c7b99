/* SPDX-License-Identifier: MIT */
/* AWS Signature Version 4: header and query (presigned) signing, with a signing-key cache. */
#ifndef APPMESH_SIGV4_H
#define APPMESH_SIGV4_H

#include <stdbool.h>
#include <stdint.h>

#include "appmesh/alloc.h"
#include "appmesh/buf.h"
#include "appmesh/common.h"
#include "appmesh/credentials.h"
#include "appmesh/error.h"
#include "appmesh/http.h"

/**
 * What to sign. `path` is the request target's path exactly as it goes on the wire (already
 * percent-encoded once by the caller); `query` is the raw query string without '?' (NULL or ""
 * for none). `headers` must include Host. A header named X-Amz-Date or X-Amz-Security-Token
 * already present is used as it is rather than added again.
 */
struct appmesh_sigv4_request {
    const char *method;
    const char *path;
    const char *query;
    const struct appmesh_header *headers;
    size_t header_count;
    const char *body;
    size_t body_len;
};

/** How to sign. Zero-initialised fields are the right choice for every non-S3 service. */
struct appmesh_sigv4_params {
    const char *region;
    const char *service;
    int64_t time;            /* signing time, epoch seconds (UTC) */
    bool no_double_encode;   /* S3 only: encode the path once instead of twice */
    bool no_normalize_path;  /* S3 only: keep dot segments and repeated slashes */
    bool sign_body;          /* add and sign x-amz-content-sha256 */
    bool omit_session_token; /* add X-Amz-Security-Token after signing, outside SignedHeaders */
    int64_t expires;         /* query signing only: X-Amz-Expires in seconds (1..604800) */
};

/**
 * The result of signing. The caller adds to the request the headers that the signer reports
 * (X-Amz-Date, X-Amz-Security-Token, x-amz-content-sha256, Authorization), or for query signing
 * uses `query` as the new query string. Initialise with {0} and reuse across calls: the
 * buffers are grown once and kept; release with appmesh_sigv4_result_cleanup(), which wipes them.
 */
struct appmesh_sigv4_result {
    char amz_date[17];                    /* "20150830T123600Z" */
    char signature[65];                   /* hex; secret-equivalent: never log it */
    char content_sha256[65];              /* hex SHA-256 of the body */
    struct appmesh_buf authorization;     /* header signing: the Authorization value */
    struct appmesh_buf query;             /* query signing: the full signed query string */
    struct appmesh_buf signed_headers;    /* "host;x-amz-date" */
    struct appmesh_buf canonical_request; /* filled only when keep_intermediate is set */
    struct appmesh_buf string_to_sign;    /* filled only when keep_intermediate is set */
    bool keep_intermediate;
};

/** A signer: holds the per-(date, region, service, secret) signing-key cache. Not thread-safe. */
struct appmesh_sigv4_signer;

/**
 * Create a signer. alloc NULL = libc.
 * Owned by caller: *out, released with appmesh_sigv4_signer_destroy().
 * Errors: APPMESH_ERR_NOMEM.
 */
APPMESH_API APPMESH_NODISCARD enum appmesh_status
appmesh_sigv4_signer_new(const struct appmesh_allocator *alloc,
                         struct appmesh_sigv4_signer **out,
                         struct appmesh_error *err);

/** Destroy a signer, wiping its cached keys. NULL is a no-op. */
APPMESH_API void appmesh_sigv4_signer_destroy(struct appmesh_sigv4_signer *signer);

/**
 * Sign a request with the Authorization header method.
 * Borrowed: req, creds, params. Results go to *out (buffers reused).
 * Errors: APPMESH_ERR_INVALID_ARGUMENT (missing Host, method, region...), APPMESH_ERR_NOMEM.
 */
APPMESH_API APPMESH_NODISCARD enum appmesh_status
appmesh_sigv4_sign_headers(struct appmesh_sigv4_signer *signer,
                           const struct appmesh_sigv4_request *req,
                           const struct appmesh_credentials *creds,
                           const struct appmesh_sigv4_params *params,
                           struct appmesh_sigv4_result *out,
                           struct appmesh_error *err);

/**
 * Presign a request: out->query gets the original query plus X-Amz-Algorithm, -Credential,
 * -Date, -Expires, -SignedHeaders, optional -Security-Token and -Signature.
 * Borrowed: req, creds, params.
 * Errors: as appmesh_sigv4_sign_headers().
 */
APPMESH_API APPMESH_NODISCARD enum appmesh_status
appmesh_sigv4_sign_query(struct appmesh_sigv4_signer *signer,
                         const struct appmesh_sigv4_request *req,
                         const struct appmesh_credentials *creds,
                         const struct appmesh_sigv4_params *params,
                         struct appmesh_sigv4_result *out,
                         struct appmesh_error *err);

/** Release and wipe the result's buffers; safe on {0} and safe twice. */
APPMESH_API void appmesh_sigv4_result_cleanup(struct appmesh_sigv4_result *out);

#endif
