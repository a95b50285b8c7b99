/* SPDX-License-Identifier: MIT */
/* Hashes, HMAC, random numbers and hex (crypto_mbedtls.c, the only file including mbedTLS). */
#ifndef APPMESH_CRYPTO_H
#define APPMESH_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>

#include "internal.h"

enum appmesh_status
am_sha256(const void *data, size_t len, unsigned char out[32], struct appmesh_error *err);
enum appmesh_status am_hmac_sha256(const void *key,
                                   size_t keylen,
                                   const void *data,
                                   size_t len,
                                   unsigned char out[32],
                                   struct appmesh_error *err);
/**
 * Lower-case hex SHA-1 of data (40 characters plus NUL): the SSO token cache's file names, as
 * botocore names them. Not for anything security-related. Errors: INTERNAL.
 */
enum appmesh_status
am_sha1_hex(const void *data, size_t len, char out[41], struct appmesh_error *err);
/** Lower-case hex of n bytes into out (2n + 1 bytes, NUL-terminated). */
void am_hex_encode(const unsigned char *in, size_t n, char *out);
/** A CTR_DRBG seeded from the system entropy source. */
struct am_drbg;
enum appmesh_status
am_drbg_new(const struct appmesh_allocator *a, struct am_drbg **out, struct appmesh_error *err);
void am_drbg_destroy(struct am_drbg *drbg);
enum appmesh_status
am_drbg_random(struct am_drbg *drbg, void *out, size_t n, struct appmesh_error *err);
/** A random (version 4, RFC 4122 variant) UUID, lower-case, 36 characters plus NUL. */
enum appmesh_status am_uuid4(struct am_drbg *drbg, char out[37], struct appmesh_error *err);
/**
 * A reusable SHA-256 / HMAC-SHA-256 context for hot paths (the signer keeps one). Creating it is
 * the only allocation (mbedTLS's md setup); digests on it allocate nothing. Opaque: the mbedTLS
 * types stay inside crypto_mbedtls.c. Errors: NOMEM from new, INTERNAL from a failing digest.
 */
struct am_sha256_ctx;
enum appmesh_status am_sha256_ctx_new(const struct appmesh_allocator *a,
                                      struct am_sha256_ctx **out,
                                      struct appmesh_error *err);
/** Free the context, wiping its state; NULL is a no-op. */
void am_sha256_ctx_destroy(struct am_sha256_ctx *ctx);
/** SHA-256 of data on a reusable context. */
enum appmesh_status am_sha256_ctx_digest(struct am_sha256_ctx *ctx,
                                         const void *data,
                                         size_t len,
                                         unsigned char out[32],
                                         struct appmesh_error *err);
/** HMAC-SHA-256 of data under key on a reusable context. */
enum appmesh_status am_sha256_ctx_hmac(struct am_sha256_ctx *ctx,
                                       const void *key,
                                       size_t keylen,
                                       const void *data,
                                       size_t len,
                                       unsigned char out[32],
                                       struct appmesh_error *err);
/**
 * Remember key (at most 64 bytes) for am_sha256_ctx_hmac_keyed(): the inner and outer pad
 * blocks are hashed once here instead of on every MAC. The states are wiped on destroy.
 */
enum appmesh_status am_sha256_ctx_set_hmac_key(struct am_sha256_ctx *ctx,
                                               const void *key,
                                               size_t keylen,
                                               struct appmesh_error *err);
/** HMAC-SHA-256 of data under the key set with am_sha256_ctx_set_hmac_key(). */
enum appmesh_status am_sha256_ctx_hmac_keyed(struct am_sha256_ctx *ctx,
                                             const void *data,
                                             size_t len,
                                             unsigned char out[32],
                                             struct appmesh_error *err);
/** Compare two byte strings in time that depends only on the lengths (true when equal). */
bool am_ct_equal(const void *a, size_t alen, const void *b, size_t blen);

#endif
