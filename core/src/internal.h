/* SPDX-License-Identifier: MIT */
/* Library-internal declarations shared across core/src files (am_*); never installed. */
#ifndef APPMESH_INTERNAL_H
#define APPMESH_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/select.h>

#include "appmesh/appmesh.h"

/* ---- alloc.c: every allocation goes through these (no malloc/free elsewhere) ---- */

/** The allocator to use: a itself, or the libc one when a is NULL. Never NULL. */
const struct appmesh_allocator *am_alloc_or_default(const struct appmesh_allocator *a);
void *am_malloc(const struct appmesh_allocator *a, size_t n);
void *am_calloc(const struct appmesh_allocator *a, size_t n);
void *am_realloc(const struct appmesh_allocator *a, void *p, size_t osize, size_t nsize);
void am_free(const struct appmesh_allocator *a, void *p, size_t size);
/** Copy n bytes plus a NUL; NULL when out of memory. Free with am_free_str(). */
char *am_strndup(const struct appmesh_allocator *a, const char *s, size_t n);
char *am_strdup(const struct appmesh_allocator *a, const char *s);
/** Free a NUL-terminated string made by am_strdup/am_strndup; NULL is a no-op. */
void am_free_str(const struct appmesh_allocator *a, char *s);
/** Wipe, then free a NUL-terminated secret string. */
void am_free_secret_str(const struct appmesh_allocator *a, char *s);
/** Wipe n bytes in a way the compiler cannot elide. */
void am_zeroize(void *p, size_t n);

/* ---- buf.c ---- */

void am_buf_init(struct appmesh_buf *b, const struct appmesh_allocator *a, size_t max);
/** Make room for `extra` more bytes (plus the NUL). Errors: NOMEM, or RESPONSE past max. */
enum appmesh_status am_buf_reserve(struct appmesh_buf *b, size_t extra, struct appmesh_error *err);
enum appmesh_status am_buf_append(struct appmesh_buf *b, const void *p, size_t n,
                                  struct appmesh_error *err);
enum appmesh_status am_buf_append_str(struct appmesh_buf *b, const char *s,
                                      struct appmesh_error *err);
enum appmesh_status am_buf_append_char(struct appmesh_buf *b, char c, struct appmesh_error *err);
enum appmesh_status am_buf_printf(struct appmesh_buf *b, struct appmesh_error *err,
                                  const char *fmt, ...) APPMESH_PRINTF(3, 4);
/** Keep the memory, drop the contents (len = 0, ptr[0] = '\0'). */
void am_buf_reset(struct appmesh_buf *b);
/** Empty string view of a buffer that may not be allocated yet. */
const char *am_buf_cstr(const struct appmesh_buf *b);

/* ---- error.c ---- */

/**
 * Record a failure: writes err only while err->status is APPMESH_OK (first error wins) and
 * always returns st, so `return am_fail(err, APPMESH_ERR_NOMEM, "out of memory");` reads well.
 */
enum appmesh_status am_fail(struct appmesh_error *err, enum appmesh_status st, const char *fmt,
                            ...) APPMESH_PRINTF(3, 4);
/** Like am_fail, also setting err->field (the dotted wire path of the bad parameter). */
enum appmesh_status am_fail_field(struct appmesh_error *err, const char *field, const char *fmt,
                                  ...) APPMESH_PRINTF(3, 4);
/** Copy src into a fixed char array, truncating at a UTF-8 boundary and stripping newlines. */
void am_copy_text(char *dst, size_t dstsize, const char *src, size_t srclen);

/* ---- utf8.c ---- */

/** Count UTF-8 characters in s[0..n); -1 when the bytes are not valid UTF-8 (overlongs,
 *  surrogates, and code points past U+10FFFF are invalid). */
long am_utf8_count(const char *s, size_t n);

/* ---- strings ---- */
int am_strcasecmp_n(const char *a, size_t alen, const char *b, size_t blen);

/* ==== Module interfaces. Each section is owned by one module; signatures are the contract
 * between modules. ==== */

/* ---- crypto_mbedtls.c (the only file including mbedTLS headers) ---- */
enum appmesh_status am_sha256(const void *data, size_t len, unsigned char out[32],
                              struct appmesh_error *err);
enum appmesh_status am_hmac_sha256(const void *key, size_t keylen, const void *data, size_t len,
                                   unsigned char out[32], struct appmesh_error *err);
/** Lower-case hex of n bytes into out (2n + 1 bytes, NUL-terminated). */
void am_hex_encode(const unsigned char *in, size_t n, char *out);
/** A CTR_DRBG seeded from the system entropy source. */
struct am_drbg;
enum appmesh_status am_drbg_new(const struct appmesh_allocator *a, struct am_drbg **out,
                                struct appmesh_error *err);
void am_drbg_destroy(struct am_drbg *drbg);
enum appmesh_status am_drbg_random(struct am_drbg *drbg, void *out, size_t n,
                                   struct appmesh_error *err);
/** A random (version 4, RFC 4122 variant) UUID, lower-case, 36 characters plus NUL. */
enum appmesh_status am_uuid4(struct am_drbg *drbg, char out[37], struct appmesh_error *err);

/* ---- json.c (model <-> JSON with cJSON) ---- */
/** The UpdateVirtualService body {"clientToken":...,"spec":{...}}, compact, appended to out. */
enum appmesh_status am_json_write_update_body(struct appmesh_buf *out, const char *client_token,
                                              const struct appmesh_virtual_service_spec *spec,
                                              struct appmesh_error *err);
/** Parse a VirtualServiceData payload. Owned by caller: *out. Errors: RESPONSE, NOMEM. */
enum appmesh_status am_json_read_virtual_service_data(const char *body, size_t len,
                                                      const struct appmesh_allocator *a,
                                                      struct appmesh_virtual_service_data *out,
                                                      struct appmesh_error *err);
/**
 * Parse a ListVirtualServices response {"virtualServices": [VirtualServiceRef...], "nextToken":
 * ...}. Owned by caller: *out. Errors: RESPONSE, NOMEM.
 */
enum appmesh_status am_json_read_virtual_service_list(const char *body, size_t len,
                                                      const struct appmesh_allocator *a,
                                                      struct appmesh_virtual_service_list *out,
                                                      struct appmesh_error *err);

/* ---- rest.c (rest-json protocol pieces) ---- */
/** Append label percent-encoded (only A-Z a-z 0-9 - . _ ~ kept); "." and ".." become %2E. */
enum appmesh_status am_rest_append_label(struct appmesh_buf *out, const char *s, size_t n,
                                         struct appmesh_error *err);
/**
 * Fill err from an error response (http_status >= 300): aws_code (x-amzn-ErrorType before ':',
 * else body "code", else "__type" after '#', else the status number), message (body
 * "message"/"Message"), request_id (x-amzn-RequestId), http_status, status =
 * APPMESH_ERR_SERVICE. Retry classification is retry.c's job.
 */
void am_rest_parse_error(const struct appmesh_http_response *resp, struct appmesh_error *err);
/**
 * Append "&name=value" (or "name=value" when out is empty) with value percent-encoded as a
 * label (only A-Z a-z 0-9 - . _ ~ kept, upper-case hex: already SigV4-canonical), except that
 * "." and ".." stay as they are (dot-segments matter only in paths). name is written as is (a
 * wire name). A NULL value appends nothing (an absent member); "" appends "name=". Nothing is
 * appended on failure. Errors: NOMEM, INVALID_ARGUMENT (name NULL).
 */
enum appmesh_status am_rest_append_query(struct appmesh_buf *out, const char *name,
                                         const char *value, struct appmesh_error *err);

/* ---- endpoint.c ---- */
struct am_url {
    struct appmesh_slice scheme; /* "http" | "https" */
    struct appmesh_slice host;   /* without brackets for IPv6 */
    struct appmesh_slice authority; /* host[:port] as written: the Host header value */
    struct appmesh_slice path;   /* base path without a trailing '/', may be empty */
    int port;                    /* explicit or the scheme's default */
};
/** Split an absolute http(s) URL. Borrowed: out's slices point into url. Errors: ENDPOINT. */
enum appmesh_status am_url_parse(const char *url, struct am_url *out, struct appmesh_error *err);
struct am_endpoint_params {
    const char *region;   /* required unless endpoint is set */
    const char *endpoint; /* custom endpoint URL, or NULL */
    bool use_fips;
    bool use_dualstack;
};
/** The App Mesh endpoint URL (no trailing '/'), into url. Errors: ENDPOINT with the reason. */
enum appmesh_status am_endpoint_resolve(const struct am_endpoint_params *p, struct appmesh_buf *url,
                                        struct appmesh_error *err);

/* ---- config.c (environment, shared config/credentials files, precedence) ---- */
struct am_env {
    appmesh_getenv_fn *getenv; /* NULL = getenv(3) */
    void *ud;
};
/** The variable's value, or NULL when unset or empty. */
const char *am_env_get(const struct am_env *env, const char *name);
/** Client settings after precedence (explicit > env > profile > default). Strings owned. */
struct am_settings {
    char *region;        /* NULL when none anywhere */
    char *endpoint_url;  /* configured custom endpoint, NULL = resolve from region */
    char *profile;       /* profile name in use */
    char *ca_bundle;
    char *retry_mode;    /* "standard" | "adaptive" (validated) */
    int max_attempts;    /* >= 1 */
    double retry_base_delay;
    bool use_fips;
    bool use_dualstack;
    const struct appmesh_allocator *alloc;
};
enum appmesh_status am_settings_resolve(const struct appmesh_client_options *opts,
                                        const struct am_env *env,
                                        const struct appmesh_allocator *a,
                                        struct am_settings *out, struct appmesh_error *err);
void am_settings_cleanup(struct am_settings *s);

/* ---- credentials.c (provider chain and cache) ---- */
struct am_credentials_chain;
enum appmesh_status am_credentials_chain_new(const struct appmesh_allocator *a,
                                             const struct appmesh_credentials *explicit_creds,
                                             const struct am_env *env, const char *profile,
                                             struct am_credentials_chain **out,
                                             struct appmesh_error *err);
void am_credentials_chain_destroy(struct am_credentials_chain *chain);
/**
 * Current credentials (cached; refreshed when near expiry). *view borrows from the chain until
 * the next call; *source names the provider ("explicit", "environment",
 * "shared-credentials-file", ...). Errors: CREDENTIALS, saying every place it looked.
 */
enum appmesh_status am_credentials_chain_get(struct am_credentials_chain *chain, double now,
                                             struct appmesh_credentials *view,
                                             const char **source, struct appmesh_error *err);

/* ---- retry.c (pure logic: classification, backoff, quota) ---- */
enum am_retry_kind {
    AM_RETRY_NONE = 0, /* not retryable */
    AM_RETRY_TRANSIENT, /* 500/502/503/504, connection errors, transient codes */
    AM_RETRY_THROTTLING,
    AM_RETRY_TIMEOUT,
};
/** Classify a failed attempt; sets err->retryable, and err->status = THROTTLED for throttling. */
enum am_retry_kind am_retry_classify(struct appmesh_error *err);
bool am_retry_is_throttling_code(const char *code);
struct am_retry_quota {
    int available;
    int max;
};
void am_retry_quota_init(struct am_retry_quota *q, int initial);
enum am_retry_mode {
    AM_RETRY_MODE_STANDARD = 0,
    AM_RETRY_MODE_ADAPTIVE,
};
struct am_retry_policy {
    enum am_retry_mode mode;
    int max_attempts;   /* total attempts, >= 1 */
    double base_delay;  /* seconds, 1.0 by default */
    double max_backoff; /* seconds, 20 by default */
};
enum am_retry_decision {
    AM_RETRY_GO = 0,
    AM_RETRY_STOP_NOT_RETRYABLE,
    AM_RETRY_STOP_MAX_ATTEMPTS,
    AM_RETRY_STOP_QUOTA,
};
/**
 * After attempt number `attempt` (1-based) failed with `kind`: GO with *delay (seconds) and
 * *cost (tokens taken from q), or why not. random01 is uniform in [0, 1) for the jitter.
 */
enum am_retry_decision am_retry_decide(const struct am_retry_policy *p, struct am_retry_quota *q,
                                       int attempt, enum am_retry_kind kind, double random01,
                                       double *delay, int *cost);
/** After a successful attempt: give back last_cost when the call retried, else 1 (capped). */
void am_retry_on_success(struct am_retry_quota *q, int last_cost);

/* ---- transport_curl.c: the multi driver (many transfers, one connection pool) ---- */
struct am_multi;
/** A multi handle with up to max_transfers transfers at once (one easy handle each). */
enum appmesh_status am_multi_new(const struct appmesh_allocator *alloc,
                                 const struct appmesh_transport_curl_options *opts,
                                 size_t max_transfers, struct am_multi **out,
                                 struct appmesh_error *err);
void am_multi_destroy(struct am_multi *m);
size_t am_multi_free_slots(const struct am_multi *m);
/** Start req (borrowed until it finishes) with its response into resp; ud comes back when done. */
enum appmesh_status am_multi_start(struct am_multi *m, const struct appmesh_http_request *req,
                                   struct appmesh_http_response *resp, void *ud,
                                   struct appmesh_error *err);
/** Make progress, waiting up to timeout_ms for network activity (0 = don't wait). */
enum appmesh_status am_multi_wait(struct am_multi *m, int timeout_ms, struct appmesh_error *err);
/** Take one finished transfer: its ud and outcome (as a blocking send would report it). */
bool am_multi_next_done(struct am_multi *m, void **ud, enum appmesh_status *st,
                        struct appmesh_error *err);
/** For host event loops: the sockets to watch and how long to wait at most (-1 = no timer). */
enum appmesh_status am_multi_fdset(struct am_multi *m, fd_set *r, fd_set *w, fd_set *e,
                                   int *max_fd, long *timeout_ms, struct appmesh_error *err);
/** Wake a thread blocked in am_multi_wait (thread-safe). */
void am_multi_wakeup(struct am_multi *m);

#endif
