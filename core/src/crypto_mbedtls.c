/* SPDX-License-Identifier: MIT */
/* SHA-256, HMAC-SHA-256, hex, random bytes and UUIDv4 on mbedTLS (the only file including it). */
#include "crypto.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/md.h>

#include "internal.h"

static const mbedtls_md_info_t *sha256_info(void)
{
    return mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
}

static enum appmesh_status md_fail(struct appmesh_error *err, const char *what, int rc)
{
    if (rc == MBEDTLS_ERR_MD_ALLOC_FAILED) { /* the same code in mbedTLS 2.28 and 3.x */
        return am_fail(err, APPMESH_ERR_NOMEM, "out of memory (%s)", what);
    }
    return am_fail(err, APPMESH_ERR_INTERNAL, "%s failed (mbedTLS error -0x%04x)", what,
                   (unsigned)(rc < 0 ? -rc : rc));
}

enum appmesh_status
am_sha256(const void *data, size_t len, unsigned char out[32], struct appmesh_error *err)
{
    const mbedtls_md_info_t *info = sha256_info();
    int rc = 0;

    if (info == NULL) {
        return am_fail(err, APPMESH_ERR_INTERNAL, "SHA-256 is not available in mbedTLS");
    }
    rc = mbedtls_md(info, data, len, out);
    if (rc != 0) {
        return md_fail(err, "SHA-256", rc);
    }
    return APPMESH_OK;
}

enum appmesh_status am_hmac_sha256(const void *key,
                                   size_t keylen,
                                   const void *data,
                                   size_t len,
                                   unsigned char out[32],
                                   struct appmesh_error *err)
{
    const mbedtls_md_info_t *info = sha256_info();
    int rc = 0;

    if (info == NULL) {
        return am_fail(err, APPMESH_ERR_INTERNAL, "SHA-256 is not available in mbedTLS");
    }
    rc = mbedtls_md_hmac(info, key, keylen, data, len, out);
    if (rc != 0) {
        return md_fail(err, "HMAC-SHA-256", rc);
    }
    return APPMESH_OK;
}

enum appmesh_status
am_sha1_hex(const void *data, size_t len, char out[41], struct appmesh_error *err)
{
    const mbedtls_md_info_t *info = mbedtls_md_info_from_type(MBEDTLS_MD_SHA1);
    unsigned char digest[20];
    int rc = 0;

    out[0] = '\0';
    if (info == NULL) {
        return am_fail(err, APPMESH_ERR_INTERNAL, "SHA-1 is not available in mbedTLS");
    }
    rc = mbedtls_md(info, data, len, digest);
    if (rc != 0) {
        return md_fail(err, "SHA-1", rc);
    }
    am_hex_encode(digest, sizeof(digest), out);
    return APPMESH_OK;
}

void am_hex_encode(const unsigned char *in, size_t n, char *out)
{
    /* Two characters per byte from one table: the signer hex-encodes three digests a call. */
    static const char pairs[513] =
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
        "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
        "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
        "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
        "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
        "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
        "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
        "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";
    size_t i = 0;

    for (i = 0; i < n; i++) {
        memcpy(out + 2 * i, pairs + 2 * in[i], 2);
    }
    out[2 * n] = '\0';
}

bool am_ct_equal(const void *a, size_t alen, const void *b, size_t blen)
{
    const volatile unsigned char *pa = a;
    const volatile unsigned char *pb = b;
    unsigned char diff = 0;
    size_t i = 0;

    if (alen != blen) {
        return false;
    }
    for (i = 0; i < alen; i++) {
        diff |= (unsigned char)(pa[i] ^ pb[i]);
    }
    return diff == 0;
}

/* ---- reusable context ---- */

struct am_sha256_ctx {
    mbedtls_md_context_t md;
    mbedtls_md_context_t inner; /* SHA-256 state after (key ^ ipad), for keyed MACs */
    mbedtls_md_context_t outer; /* SHA-256 state after (key ^ opad) */
    bool keyed;
    const struct appmesh_allocator *alloc;
};

enum appmesh_status am_sha256_ctx_new(const struct appmesh_allocator *a,
                                      struct am_sha256_ctx **out,
                                      struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_ERR_INTERNAL;
    const mbedtls_md_info_t *info = sha256_info();
    struct am_sha256_ctx *ctx = NULL;
    int rc = 0;

    *out = NULL;
    if (info == NULL) {
        st = am_fail(err, APPMESH_ERR_INTERNAL, "SHA-256 is not available in mbedTLS");
        goto cleanup;
    }
    ctx = am_calloc(a, sizeof(*ctx));
    if (ctx == NULL) {
        st = am_fail(err, APPMESH_ERR_NOMEM, "out of memory (hash context)");
        goto cleanup;
    }
    ctx->alloc = a;
    mbedtls_md_init(&ctx->md);
    mbedtls_md_init(&ctx->inner);
    mbedtls_md_init(&ctx->outer);
    rc = mbedtls_md_setup(&ctx->md, info, 1);
    if (rc == 0) {
        rc = mbedtls_md_setup(&ctx->inner, info, 0);
    }
    if (rc == 0) {
        rc = mbedtls_md_setup(&ctx->outer, info, 0);
    }
    if (rc != 0) {
        st = md_fail(err, "hash context setup", rc);
        goto cleanup;
    }
    *out = ctx;
    ctx = NULL;
    st = APPMESH_OK;

cleanup:
    am_sha256_ctx_destroy(ctx);
    return st;
}

void am_sha256_ctx_destroy(struct am_sha256_ctx *ctx)
{
    if (ctx == NULL) {
        return;
    }
    /* mbedtls_md_free wipes the digest state and the HMAC pads before freeing them. */
    mbedtls_md_free(&ctx->md);
    mbedtls_md_free(&ctx->inner);
    mbedtls_md_free(&ctx->outer);
    am_free(ctx->alloc, ctx, sizeof(*ctx));
}

enum appmesh_status am_sha256_ctx_digest(struct am_sha256_ctx *ctx,
                                         const void *data,
                                         size_t len,
                                         unsigned char out[32],
                                         struct appmesh_error *err)
{
    int rc = mbedtls_md_starts(&ctx->md);
    if (rc == 0) {
        rc = mbedtls_md_update(&ctx->md, data, len);
    }
    if (rc == 0) {
        rc = mbedtls_md_finish(&ctx->md, out);
    }
    if (rc != 0) {
        return md_fail(err, "SHA-256", rc);
    }
    return APPMESH_OK;
}

enum appmesh_status am_sha256_ctx_hmac(struct am_sha256_ctx *ctx,
                                       const void *key,
                                       size_t keylen,
                                       const void *data,
                                       size_t len,
                                       unsigned char out[32],
                                       struct appmesh_error *err)
{
    int rc = mbedtls_md_hmac_starts(&ctx->md, key, keylen);
    if (rc == 0) {
        rc = mbedtls_md_hmac_update(&ctx->md, data, len);
    }
    if (rc == 0) {
        rc = mbedtls_md_hmac_finish(&ctx->md, out);
    }
    if (rc != 0) {
        return md_fail(err, "HMAC-SHA-256", rc);
    }
    return APPMESH_OK;
}

enum appmesh_status am_sha256_ctx_set_hmac_key(struct am_sha256_ctx *ctx,
                                               const void *key,
                                               size_t keylen,
                                               struct appmesh_error *err)
{
    unsigned char ipad[64];
    unsigned char opad[64];
    const unsigned char *k = key;
    size_t i = 0;
    int rc = 0;

    ctx->keyed = false;
    if (keylen > sizeof(ipad)) {
        return am_fail(err, APPMESH_ERR_INTERNAL, "HMAC key longer than one block");
    }
    memset(ipad, 0x36, sizeof(ipad));
    memset(opad, 0x5c, sizeof(opad));
    for (i = 0; i < keylen; i++) {
        ipad[i] ^= k[i];
        opad[i] ^= k[i];
    }
    rc = mbedtls_md_starts(&ctx->inner);
    if (rc == 0) {
        rc = mbedtls_md_update(&ctx->inner, ipad, sizeof(ipad));
    }
    if (rc == 0) {
        rc = mbedtls_md_starts(&ctx->outer);
    }
    if (rc == 0) {
        rc = mbedtls_md_update(&ctx->outer, opad, sizeof(opad));
    }
    mbedtls_platform_zeroize(ipad, sizeof(ipad));
    mbedtls_platform_zeroize(opad, sizeof(opad));
    if (rc != 0) {
        return md_fail(err, "HMAC-SHA-256 key", rc);
    }
    ctx->keyed = true;
    return APPMESH_OK;
}

enum appmesh_status am_sha256_ctx_hmac_keyed(struct am_sha256_ctx *ctx,
                                             const void *data,
                                             size_t len,
                                             unsigned char out[32],
                                             struct appmesh_error *err)
{
    unsigned char inner[32];
    int rc = 0;

    if (!ctx->keyed) {
        return am_fail(err, APPMESH_ERR_INTERNAL, "HMAC-SHA-256: no key set");
    }
    /* H(K^opad || H(K^ipad || data)), starting from the two saved pad states. */
    rc = mbedtls_md_clone(&ctx->md, &ctx->inner);
    if (rc == 0) {
        rc = mbedtls_md_update(&ctx->md, data, len);
    }
    if (rc == 0) {
        rc = mbedtls_md_finish(&ctx->md, inner);
    }
    if (rc == 0) {
        rc = mbedtls_md_clone(&ctx->md, &ctx->outer);
    }
    if (rc == 0) {
        rc = mbedtls_md_update(&ctx->md, inner, sizeof(inner));
    }
    if (rc == 0) {
        rc = mbedtls_md_finish(&ctx->md, out);
    }
    mbedtls_platform_zeroize(inner, sizeof(inner));
    if (rc != 0) {
        return md_fail(err, "HMAC-SHA-256", rc);
    }
    return APPMESH_OK;
}

/* ---- random bytes ---- */

/* Bytes drawn ahead: a CTR_DRBG draw costs a fixed key update (three AES blocks and a key
 * schedule) whatever its size, which made up most of a UUID's cost; drawing 256 bytes at a time
 * spreads it over sixteen UUIDs (each call takes two: its invocation id and its token). */
#define DRBG_POOL 256

struct am_drbg {
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context ctr;
    const struct appmesh_allocator *alloc;
    /* The unused tail of the last draw: pool[DRBG_POOL - pool_left ..]; each byte handed out is
     * wiped from here, and a fork empties it (the child must not reuse the parent's bytes). */
    unsigned char pool[DRBG_POOL];
    size_t pool_left;
    /* Reseed after fork so parent and child never share a stream: the fork generation when
     * seeded, or (when no fork handler could be registered) the process id. */
    unsigned fork_generation;
    pid_t pid;
};

/*
 * Fork detection without a system call on every draw (a getpid() each was a measurable share
 * of a call): a fork handler bumps the generation in the child, so a generator seeded before
 * the fork sees a different number. glibc drops the handler when the library is unloaded.
 * Should registering it fail, every draw compares getpid() as before.
 */
static atomic_uint s_fork_generation;
static bool s_fork_watched;
static pthread_once_t s_fork_once = PTHREAD_ONCE_INIT;

static void on_fork_child(void)
{
    atomic_fetch_add_explicit(&s_fork_generation, 1u, memory_order_relaxed);
}

static void fork_watch_init(void)
{
    s_fork_watched = pthread_atfork(NULL, NULL, on_fork_child) == 0;
}

static unsigned fork_generation(void)
{
    return atomic_load_explicit(&s_fork_generation, memory_order_relaxed);
}

/* Whether the process forked since the generator last recorded where it runs. */
static bool forked_since(const struct am_drbg *drbg)
{
    if (s_fork_watched) {
        return drbg->fork_generation != fork_generation();
    }
    return drbg->pid != getpid();
}

static const unsigned char drbg_personalization[] = "appmesh ctr_drbg";

enum appmesh_status
am_drbg_new(const struct appmesh_allocator *a, struct am_drbg **out, struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_ERR_INTERNAL;
    struct am_drbg *drbg = NULL;
    int rc = 0;

    *out = NULL;
    drbg = am_calloc(a, sizeof(*drbg));
    if (drbg == NULL) {
        st = am_fail(err, APPMESH_ERR_NOMEM, "out of memory (random generator)");
        goto cleanup;
    }
    drbg->alloc = a;
    pthread_once(&s_fork_once, fork_watch_init);
    mbedtls_entropy_init(&drbg->entropy);
    mbedtls_ctr_drbg_init(&drbg->ctr);
    rc = mbedtls_ctr_drbg_seed(&drbg->ctr, mbedtls_entropy_func, &drbg->entropy,
                               drbg_personalization, sizeof(drbg_personalization) - 1);
    if (rc != 0) {
        st = am_fail(err, APPMESH_ERR_INTERNAL,
                     "seeding the random generator from the system entropy source failed "
                     "(mbedTLS error -0x%04x)",
                     (unsigned)(rc < 0 ? -rc : rc));
        goto cleanup;
    }
    drbg->fork_generation = fork_generation();
    drbg->pid = getpid();
    *out = drbg;
    drbg = NULL;
    st = APPMESH_OK;

cleanup:
    am_drbg_destroy(drbg);
    return st;
}

void am_drbg_destroy(struct am_drbg *drbg)
{
    const struct appmesh_allocator *a = NULL;

    if (drbg == NULL) {
        return;
    }
    a = drbg->alloc;
    mbedtls_ctr_drbg_free(&drbg->ctr);
    mbedtls_entropy_free(&drbg->entropy);
    am_zeroize(drbg, sizeof(*drbg));
    am_free(a, drbg, sizeof(*drbg));
}

static enum appmesh_status
drbg_draw(struct am_drbg *drbg, unsigned char *p, size_t n, struct appmesh_error *err)
{
    while (n > 0) {
        size_t chunk = n < MBEDTLS_CTR_DRBG_MAX_REQUEST ? n : MBEDTLS_CTR_DRBG_MAX_REQUEST;
        int rc = mbedtls_ctr_drbg_random(&drbg->ctr, p, chunk);
        if (rc != 0) {
            return am_fail(err, APPMESH_ERR_INTERNAL,
                           "the random generator failed (mbedTLS error -0x%04x)",
                           (unsigned)(rc < 0 ? -rc : rc));
        }
        p += chunk;
        n -= chunk;
    }
    return APPMESH_OK;
}

enum appmesh_status
am_drbg_random(struct am_drbg *drbg, void *out, size_t n, struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_OK;
    unsigned char *from = NULL;

    if (forked_since(drbg)) {
        int rc = 0;
        am_zeroize(drbg->pool, sizeof(drbg->pool));
        drbg->pool_left = 0;
        rc = mbedtls_ctr_drbg_reseed(&drbg->ctr, NULL, 0);
        if (rc != 0) {
            return am_fail(err, APPMESH_ERR_INTERNAL,
                           "reseeding the random generator failed (mbedTLS error -0x%04x)",
                           (unsigned)(rc < 0 ? -rc : rc));
        }
        drbg->fork_generation = fork_generation();
        drbg->pid = getpid();
    }
    if (n > DRBG_POOL / 4) {
        return drbg_draw(drbg, out, n, err); /* large requests gain nothing from the pool */
    }
    if (n > drbg->pool_left) {
        am_zeroize(drbg->pool, sizeof(drbg->pool));
        drbg->pool_left = 0;
        st = drbg_draw(drbg, drbg->pool, sizeof(drbg->pool), err);
        if (st != APPMESH_OK) {
            am_zeroize(drbg->pool, sizeof(drbg->pool));
            return st;
        }
        drbg->pool_left = sizeof(drbg->pool);
    }
    from = drbg->pool + (sizeof(drbg->pool) - drbg->pool_left);
    memcpy(out, from, n);
    am_zeroize(from, n);
    drbg->pool_left -= n;
    return APPMESH_OK;
}

enum appmesh_status am_uuid4(struct am_drbg *drbg, char out[37], struct appmesh_error *err)
{
    static const char digits[] = "0123456789abcdef";
    unsigned char b[16];
    enum appmesh_status st = am_drbg_random(drbg, b, sizeof(b), err);
    size_t i = 0;
    size_t o = 0;

    if (st != APPMESH_OK) {
        out[0] = '\0';
        return st;
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant (10xx) */
    for (i = 0; i < sizeof(b); i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            out[o++] = '-';
        }
        out[o++] = digits[b[i] >> 4];
        out[o++] = digits[b[i] & 0x0f];
    }
    out[o] = '\0';
    am_zeroize(b, sizeof(b));
    return APPMESH_OK;
}
