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
enum appmesh_status
am_buf_append(struct appmesh_buf *b, const void *p, size_t n, struct appmesh_error *err);
enum appmesh_status
am_buf_append_str(struct appmesh_buf *b, const char *s, struct appmesh_error *err);
enum appmesh_status am_buf_append_char(struct appmesh_buf *b, char c, struct appmesh_error *err);
enum appmesh_status
am_buf_printf(struct appmesh_buf *b, struct appmesh_error *err, const char *fmt, ...)
    APPMESH_PRINTF(3, 4);
/** Keep the memory, drop the contents (len = 0, ptr[0] = '\0'). */
void am_buf_reset(struct appmesh_buf *b);
/** Empty string view of a buffer that may not be allocated yet. */
const char *am_buf_cstr(const struct appmesh_buf *b);

/* ---- error.c ---- */

/**
 * Record a failure: writes err only while err->status is APPMESH_OK (first error wins) and
 * always returns st, so `return am_fail(err, APPMESH_ERR_NOMEM, "out of memory");` reads well.
 */
enum appmesh_status am_fail(struct appmesh_error *err, enum appmesh_status st, const char *fmt, ...)
    APPMESH_PRINTF(3, 4);
/** Like am_fail, also setting err->field (the dotted wire path of the bad parameter). */
enum appmesh_status
am_fail_field(struct appmesh_error *err, const char *field, const char *fmt, ...)
    APPMESH_PRINTF(3, 4);
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

/* ---- sigv4.c (the public API is appmesh/sigv4.h; this is for tests) ---- */
/** How many signing keys the signer has derived (cache misses) since it was created. */
uint64_t am_sigv4_signer_key_derivations(const struct appmesh_sigv4_signer *signer);

/* ---- json.c (model <-> JSON with cJSON) ---- */
struct cJSON;
/**
 * cJSON_Delete(root) after wiping every string value in the tree (cJSON's copies of keys and
 * tokens: cJSON_Delete frees them as they are). NULL is a no-op.
 */
void am_json_delete_wiped(struct cJSON *root);
/** The UpdateVirtualService body {"clientToken":...,"spec":{...}}, compact, appended to out. */
enum appmesh_status am_json_write_update_body(struct appmesh_buf *out,
                                              const char *client_token,
                                              const struct appmesh_virtual_service_spec *spec,
                                              struct appmesh_error *err);
/** Parse a VirtualServiceData payload. Owned by caller: *out. Errors: RESPONSE, NOMEM. */
enum appmesh_status am_json_read_virtual_service_data(const char *body,
                                                      size_t len,
                                                      const struct appmesh_allocator *a,
                                                      struct appmesh_virtual_service_data *out,
                                                      struct appmesh_error *err);
/**
 * Parse a ListVirtualServices response {"virtualServices": [VirtualServiceRef...], "nextToken":
 * ...}. Owned by caller: *out. Errors: RESPONSE, NOMEM.
 */
enum appmesh_status am_json_read_virtual_service_list(const char *body,
                                                      size_t len,
                                                      const struct appmesh_allocator *a,
                                                      struct appmesh_virtual_service_list *out,
                                                      struct appmesh_error *err);

/**
 * Parse a response body that must be exactly one JSON object (whitespace around it is fine).
 * Owned by caller: *root (cJSON_Delete), also when this fails after parsing. Errors: RESPONSE
 * (empty, malformed, trailing data, not an object).
 */
enum appmesh_status am_json_parse_response(const char *body,
                                           size_t len,
                                           struct cJSON **root,
                                           struct appmesh_error *err);

enum am_json_long_result {
    AM_JSON_LONG_OK = 0,
    AM_JSON_LONG_NOT_INTEGER,
    AM_JSON_LONG_RANGE, /* an integer outside int64_t */
};
/**
 * The one exact reader of 64-bit integers (LONG members, metadata.version): the value of
 * `item`, a number node of the tree `root` that cJSON parsed from text[0..len), or a cJSON_Raw
 * node holding an integer's decimal text. Below 2^53 the double is exact and is used; beyond,
 * the number's own text is found (by item's position in the tree) and read. text and root may
 * be NULL for a tree built in memory, whose doubles are then taken as they are.
 */
enum am_json_long_result am_json_long(
    const char *text, size_t len, const struct cJSON *root, const struct cJSON *item, int64_t *out);

/* ---- rest.c (rest-json protocol pieces) ---- */
/** Append label percent-encoded (only A-Z a-z 0-9 - . _ ~ kept); "." and ".." become %2E. */
enum appmesh_status
am_rest_append_label(struct appmesh_buf *out, const char *s, size_t n, struct appmesh_error *err);
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
enum appmesh_status am_rest_append_query(struct appmesh_buf *out,
                                         const char *name,
                                         const char *value,
                                         struct appmesh_error *err);

/* ---- endpoint.c ---- */
struct am_url {
    struct appmesh_slice scheme;    /* "http" | "https", lower-case (a static string) */
    struct appmesh_slice host;      /* without brackets for IPv6 */
    struct appmesh_slice authority; /* host[:port] as written: the Host header value */
    struct appmesh_slice path;      /* base path without a trailing '/', may be empty */
    int port;                       /* explicit or the scheme's default */
};
/**
 * Split an absolute http(s) URL: scheme (any case), host (a name, IPv4, or [IPv6]), optional
 * port 1..65535, base path; no user information, query or fragment, only ASCII without spaces.
 * Borrowed: out's slices (but scheme) point into url. Errors: ENDPOINT naming the URL and what
 * is wrong (user information is masked).
 */
enum appmesh_status am_url_parse(const char *url, struct am_url *out, struct appmesh_error *err);
struct am_endpoint_params {
    const char *region;   /* required unless endpoint is set */
    const char *endpoint; /* custom endpoint URL, or NULL */
    bool use_fips;
    bool use_dualstack;
    const char *service; /* the hostname's first label; NULL = "appmesh" */
};
/**
 * The App Mesh endpoint URL (no trailing '/'), replacing url's contents: a custom endpoint as
 * written (checked by am_url_parse; FIPS or dual-stack with it is an error), else
 * https://{service}[-fips].{region}.{dnsSuffix | dualStackDnsSuffix} of the region's partition.
 * Errors: ENDPOINT with the reason (missing or invalid region, unsupported variant, bad URL).
 */
enum appmesh_status am_endpoint_resolve(const struct am_endpoint_params *p,
                                        struct appmesh_buf *url,
                                        struct appmesh_error *err);

/* ---- config.c (environment, shared config/credentials files, precedence) ---- */
struct am_env {
    appmesh_getenv_fn *getenv; /* NULL = getenv(3) */
    void *ud;
};
/** The variable's value, or NULL when unset or empty. */
const char *am_env_get(const struct am_env *env, const char *name);

/**
 * The shared config and credentials files, parsed as the AWS CLI reads them: `[profile x]`
 * (and `[default]`) in config, `[x]` in credentials, `[services x]` sections, `#`/`;` comments
 * (full-line, or inline after whitespace), `key = value` / `key: value` with keys folded to
 * lower case, indented sub-section lines under a key with an empty value.
 */
struct am_config;
enum am_config_file {
    AM_CONFIG_FILE_CONFIG = 0,  /* AWS_CONFIG_FILE, default ~/.aws/config */
    AM_CONFIG_FILE_CREDENTIALS, /* AWS_SHARED_CREDENTIALS_FILE, default ~/.aws/credentials */
};
/**
 * Read both files (paths from env; "~/" and the defaults use HOME). A missing file is empty.
 * Owned by caller: *out (am_config_destroy). Errors: CONFIG naming the file (unreadable,
 * larger than 1 MiB) and the line (malformed, duplicate section or key), NOMEM.
 */
enum appmesh_status am_config_load(const struct am_env *env,
                                   const struct appmesh_allocator *a,
                                   struct am_config **out,
                                   struct appmesh_error *err);
/**
 * Parse texts instead of files (tests, fuzzing); NULL text = that file is absent. Messages
 * name the files "<config>" and "<credentials>". Owned by caller: *out. Errors: as above.
 */
enum appmesh_status am_config_parse(const struct appmesh_allocator *a,
                                    const char *config_text,
                                    size_t config_len,
                                    const char *credentials_text,
                                    size_t credentials_len,
                                    struct am_config **out,
                                    struct appmesh_error *err);
/** NULL is a no-op. */
void am_config_destroy(struct am_config *cfg);
/** The file's path as used in messages (e.g. "/home/u/.aws/config"). Borrowed from cfg. */
const char *am_config_path(const struct am_config *cfg, enum am_config_file which);
/** Whether the file has a section for the profile. */
bool am_config_has_profile(const struct am_config *cfg,
                           enum am_config_file which,
                           const char *profile);
/**
 * A profile's value for key (lower-case) in one file; NULL when the profile or key is absent,
 * the value is empty, or the key holds a sub-section. Borrowed from cfg.
 */
const char *am_config_file_get(const struct am_config *cfg,
                               enum am_config_file which,
                               const char *profile,
                               const char *key);
/**
 * A profile's value for key with the credentials file taking precedence over the config file
 * (as botocore merges them); *from (nullable) says which file had it. Borrowed from cfg.
 */
const char *am_config_get(const struct am_config *cfg,
                          const char *profile,
                          const char *key,
                          enum am_config_file *from);
/** Whether the config file has an `[sso-session NAME]` section for session. */
bool am_config_has_sso_session(const struct am_config *cfg, const char *session);
/**
 * A value (key lower-case) of the config file's `[sso-session NAME]` section; NULL when the
 * section or key is absent, or the value empty. Borrowed from cfg.
 */
const char *
am_config_sso_session_get(const struct am_config *cfg, const char *session, const char *key);
/**
 * Warn once per path and process on stderr when mode (st_mode bits) lets group or others read
 * a file that holds secrets: "appmesh: warning: PATH is readable by group/others (mode 0644);
 * chmod 600 it". AWS tools read such files, and so do we. APPMESH_LOG=off silences it.
 */
void am_config_warn_if_readable(const struct am_env *env, const char *path, unsigned mode);
/** APPMESH_LOG=off (or none): no warnings on stderr. */
bool am_log_warnings_off(const struct am_env *env);
/**
 * The value of `key` in sub-section `service` of the `[services <name>]` section that the
 * profile's `services` key names; *value NULL when not configured. Borrowed from cfg.
 * Errors: CONFIG when the named services section does not exist or `service` is not a
 * sub-section.
 */
enum appmesh_status am_config_service_get(const struct am_config *cfg,
                                          const char *profile,
                                          const char *service,
                                          const char *key,
                                          const char **value,
                                          struct appmesh_error *err);

/**
 * The endpoint URL configured for one service, in the SDKs' order (an explicit option aside):
 * AWS_ENDPOINT_URL_<env_id>, AWS_ENDPOINT_URL, the profile's `[services]` sub-section (the
 * first of the NULL-terminated service_keys that has one), the profile's endpoint_url; none
 * when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS / ignore_configured_endpoint_urls is true.
 * *value is NULL when none (borrowed from env or cfg; not checked); `where` receives where it
 * came from, for messages. Errors: CONFIG (the profile names a services section that is missing).
 */
enum appmesh_status am_config_endpoint_url(const struct am_env *env,
                                           const struct am_config *cfg,
                                           const char *profile,
                                           const char *env_id,
                                           const char *const *service_keys,
                                           const char **value,
                                           char *where,
                                           size_t where_size,
                                           struct appmesh_error *err);

/** Client settings after precedence (explicit > env > profile > default). Strings owned. */
struct am_settings {
    char *region;       /* NULL when none anywhere */
    char *endpoint_url; /* configured custom endpoint, NULL = resolve from region */
    char *profile;      /* profile name in use */
    char *ca_bundle;
    char *retry_mode; /* "standard" | "adaptive" (validated) */
    int max_attempts; /* >= 1 */
    double retry_base_delay;
    bool use_fips;
    bool use_dualstack;
    const struct appmesh_allocator *alloc;
};
/**
 * Resolve every setting: opts (nullable) > environment > profile (both files) > default.
 * A named profile found in neither file is a CONFIG error ("default" may be absent); a
 * configured endpoint URL is checked with am_url_parse (ENDPOINT naming where it came from).
 * Owned by caller: out (am_settings_cleanup); on failure it is left empty. Errors: VALIDATION
 * with err->field for a bad option, CONFIG naming the variable or profile key, ENDPOINT, NOMEM.
 */
enum appmesh_status am_settings_resolve(const struct appmesh_client_options *opts,
                                        const struct am_env *env,
                                        const struct appmesh_allocator *a,
                                        struct am_settings *out,
                                        struct appmesh_error *err);
/** Safe on a zeroed struct and safe twice. */
void am_settings_cleanup(struct am_settings *s);

/* ---- credentials.c (provider chain and cache) ---- */
struct am_credentials_chain;
/** What the chain needs from the client. Strings borrowed for the call to _new only. */
struct am_credentials_chain_options {
    const struct appmesh_credentials *explicit_creds; /* copied; NULL = use the providers */
    const struct am_env *env; /* copied; its getenv and ud must outlive the chain */
    const char *profile;      /* NULL = AWS_PROFILE, else "default" */
    const char *region;       /* the client's region (regional STS); NULL = none */
    const char *ca_bundle;    /* for STS and SSO; NULL = system store */
    bool no_verify_tls;
    double connect_timeout; /* seconds for STS and SSO; 0 = 5 */
    double timeout;         /* seconds for STS and SSO; 0 = 30 */
    /* The client's own transport when the caller supplied one (tests): every provider request
     * goes through it. NULL = the chain makes libcurl transports when a provider needs one. */
    struct appmesh_transport *transport;
};
/**
 * The chain, in botocore's order: explicit, environment, assume role (profile role_arn), web
 * identity, SSO, shared credentials file, credential_process, config file, container, IMDS.
 * No file or credential variable is read before the first am_credentials_chain_get. A profile
 * other than AWS_PROFILE / "default" (chosen explicitly) skips the environment provider, as
 * the AWS CLI's --profile does.
 * Owned by caller: *out (am_credentials_chain_destroy).
 * Errors: VALIDATION (explicit credentials without accessKeyId or secretAccessKey), NOMEM.
 */
enum appmesh_status am_credentials_chain_new(const struct appmesh_allocator *a,
                                             const struct am_credentials_chain_options *opts,
                                             struct am_credentials_chain **out,
                                             struct appmesh_error *err);
/** Wipes the cached secrets. NULL is a no-op. */
void am_credentials_chain_destroy(struct am_credentials_chain *chain);
/**
 * Current credentials (cached; refreshed when near expiry). *view borrows from the chain until
 * the next call; *source (nullable) names the provider ("explicit", "environment",
 * "shared-credentials-file", "config-file", ...). Errors: CREDENTIALS, saying every place it
 * looked (or which half of a key pair is missing), CONFIG (malformed file), NOMEM.
 */
enum appmesh_status am_credentials_chain_get(struct am_credentials_chain *chain,
                                             double now,
                                             struct appmesh_credentials *view,
                                             const char **source,
                                             struct appmesh_error *err);

/**
 * The service said the credentials signed with access_key_id have expired (ExpiredToken,
 * ExpiredTokenException): if they are still the cached ones, drop them, so that the next
 * am_credentials_chain_get looks for credentials again (from the top of the chain). Credentials
 * another call has refreshed meanwhile are kept. NULLs are no-ops.
 */
void am_credentials_chain_expire(struct am_credentials_chain *chain, const char *access_key_id);

/* ---- credential providers (credentials.c runs them; cred_*.c implement them) ---- */
/** Credentials a provider found. Every string is owned; am_cred_set_clear wipes them. */
struct am_cred_set {
    char *access_key_id;
    char *secret_access_key;
    char *session_token; /* NULL = none */
    double expires;      /* epoch seconds; 0 = never */
};
/** Copy views into owned strings (replacing s's contents). Errors: NOMEM. */
enum appmesh_status am_cred_set_copy(const struct appmesh_allocator *a,
                                     struct am_cred_set *s,
                                     const char *access_key_id,
                                     const char *secret_access_key,
                                     const char *session_token,
                                     double expires,
                                     struct appmesh_error *err);
/** Wipe and free; safe on a zeroed set and safe twice. */
void am_cred_set_clear(const struct appmesh_allocator *a, struct am_cred_set *s);

/**
 * Append a whole small file that holds a secret (a token) to buf, read unbuffered so that no
 * stdio buffer keeps a copy (buf wipes on growth; the caller wipes it). On a problem it returns
 * APPMESH_OK with why set ("cannot be read (reason)", "is larger than N KiB"); why is "" on
 * success. Errors: NOMEM.
 */
enum appmesh_status am_cred_read_file(const char *path,
                                      size_t max,
                                      struct appmesh_buf *buf,
                                      char *why,
                                      size_t whysize,
                                      struct appmesh_error *err);

/** Which transport a provider's request goes through. */
enum am_cred_net {
    AM_CRED_NET_SERVICE = 0, /* STS, SSO: the client's timeouts and CA bundle */
    AM_CRED_NET_METADATA,    /* IMDS, container endpoint: 1 s timeouts, plain http */
};
/** What a provider may use while the chain runs it. */
struct am_cred_ctx {
    struct am_credentials_chain *chain; /* for am_cred_transport */
    const struct appmesh_allocator *alloc;
    const struct am_env *env;
    const struct am_config *config; /* the shared files, loaded */
    const char *profile;            /* the profile the chain resolves */
    const char *region;             /* the client's region; NULL = none */
    double now;                     /* epoch seconds (the client's clock) */
    /* The client's profile (its settings: the STS endpoint, IMDS endpoint), which stays the
     * same while `profile` names a source profile of an assume-role chain. */
    const char *client_profile;
    /* Resolving a source profile: providers read that profile only, never the environment
     * (botocore's disable_env_vars). */
    bool profile_only;
};
/**
 * The transport for a provider's requests, made on first use and kept by the chain (borrowed
 * by the caller). Errors: NOMEM, TRANSPORT.
 */
enum appmesh_status am_cred_transport(const struct am_cred_ctx *ctx,
                                      enum am_cred_net which,
                                      struct appmesh_transport **out,
                                      struct appmesh_error *err);
/**
 * A provider looks for credentials: on APPMESH_OK, *ok says whether it found any (then *out
 * holds them). It appends where it looked to `tried` (for the "no credentials found"
 * message). An error (half a key pair, a failing process, an STS error) stops the chain when
 * the provider was configured to be used; a provider that is not configured says so in tried
 * and returns APPMESH_OK with *ok false.
 */
typedef enum appmesh_status(am_cred_provider_fn)(const struct am_cred_ctx *ctx,
                                                 struct am_cred_set *out,
                                                 bool *ok,
                                                 struct appmesh_buf *tried,
                                                 struct appmesh_error *err);

/* ---- credentials.c: pieces the network providers reuse ---- */
/**
 * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, for credential_source =
 * Environment (read even when a profile was chosen explicitly). *ok false when unset.
 * Errors: CREDENTIALS (half a key pair), NOMEM.
 */
enum appmesh_status am_cred_environment(const struct am_cred_ctx *ctx,
                                        struct am_cred_set *out,
                                        bool *ok,
                                        struct appmesh_error *err);
/**
 * Run the providers botocore runs for a source_profile (web identity, SSO, shared credentials
 * file, credential_process, config file) on `profile`, without the environment. *ok false
 * when none has credentials; tried as for a provider.
 */
enum appmesh_status am_cred_profile_providers(const struct am_cred_ctx *ctx,
                                              const char *profile,
                                              struct am_cred_set *out,
                                              bool *ok,
                                              struct appmesh_buf *tried,
                                              struct appmesh_error *err);

/* ---- cred_sts.c: STS (query protocol, XML) and the providers that call it ---- */
/** "assume-role": profile role_arn with source_profile (chains) or credential_source. */
enum appmesh_status am_cred_assume_role(const struct am_cred_ctx *ctx,
                                        struct am_cred_set *out,
                                        bool *ok,
                                        struct appmesh_buf *tried,
                                        struct appmesh_error *err);
/** "assume-role-with-web-identity": AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN, or profile. */
enum appmesh_status am_cred_web_identity(const struct am_cred_ctx *ctx,
                                         struct am_cred_set *out,
                                         bool *ok,
                                         struct appmesh_buf *tried,
                                         struct appmesh_error *err);

/**
 * Read an STS AssumeRole (or, web_identity, AssumeRoleWithWebIdentity) answer: the credentials
 * of a 200, else STS's error code and message. role_arn is named in messages. Errors:
 * CREDENTIALS (never a secret of the body), NOMEM.
 */
enum appmesh_status am_cred_sts_read(const struct am_cred_ctx *ctx,
                                     bool web_identity,
                                     const char *role_arn,
                                     const struct appmesh_http_response *resp,
                                     struct am_cred_set *out,
                                     struct appmesh_error *err);

/* ---- cred_metadata.c: the container endpoint and IMDS ---- */
/** "container-role": AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI. */
enum appmesh_status am_cred_container(const struct am_cred_ctx *ctx,
                                      struct am_cred_set *out,
                                      bool *ok,
                                      struct appmesh_buf *tried,
                                      struct appmesh_error *err);
/** "iam-role": IMDSv2 (v1 fallback as botocore), unless AWS_EC2_METADATA_DISABLED=true. */
enum appmesh_status am_cred_imds(const struct am_cred_ctx *ctx,
                                 struct am_cred_set *out,
                                 bool *ok,
                                 struct appmesh_buf *tried,
                                 struct appmesh_error *err);
/**
 * The credentials JSON of the container endpoint and IMDS (AccessKeyId, SecretAccessKey, Token,
 * Expiration): APPMESH_OK with why "" and *out filled, or APPMESH_OK with why[0..whysize) saying
 * what is wrong (never a secret) and nothing in out. Errors: NOMEM.
 */
enum appmesh_status am_cred_metadata_parse(const struct am_cred_ctx *ctx,
                                           const struct appmesh_buf *body,
                                           struct am_cred_set *out,
                                           char *why,
                                           size_t whysize,
                                           struct appmesh_error *err);
/**
 * Send req through the provider transport `which` into resp (initialised here with 64 KiB
 * caps; the caller cleans it up, also on failure). A response of any status is APPMESH_OK.
 * Errors: as the transport's send, NOMEM.
 */
enum appmesh_status am_cred_http(const struct am_cred_ctx *ctx,
                                 enum am_cred_net which,
                                 const struct appmesh_http_request *req,
                                 struct appmesh_http_response *resp,
                                 struct appmesh_error *err);

/* -- cred_process.c: "custom-process", the profile's credential_process -- */
/**
 * Runs the profile's credential_process (split as botocore's shlex.split does, no shell) with
 * stdout captured (at most 64 KiB), stderr and stdin inherited, killed after
 * APPMESH_CREDENTIAL_PROCESS_TIMEOUT seconds (default 60). Not configured: *ok false.
 */
am_cred_provider_fn am_cred_process_load;
/**
 * Split a command line into argv (NULL-terminated, argc words) as Python's shlex.split does in
 * POSIX mode. Owned by caller: *argv (am_cred_process_argv_free). Errors: CONFIG (unclosed
 * quote, trailing backslash, empty) with a message that does not repeat the command, NOMEM.
 */
enum appmesh_status am_cred_process_split(const struct appmesh_allocator *a,
                                          const char *command,
                                          char ***argv,
                                          size_t *argc,
                                          struct appmesh_error *err);
void am_cred_process_argv_free(const struct appmesh_allocator *a, char **argv, size_t argc);
/**
 * Run command for profile (named in messages) with a timeout in seconds (<= 0: 60) and read
 * its JSON into *out. Errors: CREDENTIALS (cannot start, exit status, signal, timeout, output
 * too big, bad JSON; never the command's output), NOMEM.
 */
enum appmesh_status am_cred_process_run(const struct appmesh_allocator *a,
                                        const char *profile,
                                        const char *command,
                                        double timeout,
                                        struct am_cred_set *out,
                                        struct appmesh_error *err);
/**
 * Read credential_process output: {"Version": 1, "AccessKeyId", "SecretAccessKey",
 * "SessionToken"?, "Expiration"? (ISO 8601; absent = never)}. Errors: CREDENTIALS naming the
 * profile and what is wrong (never a value), NOMEM.
 */
enum appmesh_status am_cred_process_parse(const struct appmesh_allocator *a,
                                          const char *profile,
                                          const char *text,
                                          size_t len,
                                          struct am_cred_set *out,
                                          struct appmesh_error *err);

/* -- cred_sso.c: "sso", profiles with sso_session or the legacy sso_start_url keys -- */
/**
 * Reads the token `aws sso login` cached in ~/.aws/sso/cache/<sha1(sso_session or
 * sso_start_url)>.json (an expired or missing one says "run aws sso login"), then GETs
 * /federation/credentials from the SSO portal (https://portal.sso.{sso_region}.amazonaws.com,
 * or AWS_ENDPOINT_URL_SSO / AWS_ENDPOINT_URL / [services] sso / endpoint_url) with the token in
 * x-amz-sso_bearer_token, through am_cred_transport(AM_CRED_NET_SERVICE). Not configured: *ok
 * false. Errors: CREDENTIALS (incomplete profile, token, portal refusal), NOMEM.
 */
am_cred_provider_fn am_cred_sso_load;
/**
 * The token cache file's text (read from path, named in messages): {"accessToken", "expiresAt"}
 * not expired at ctx->now. session (nullable) is the profile's sso_session, for the login hint.
 * Owned by caller: *token (am_free_secret_str). Errors: CREDENTIALS (never the token), NOMEM.
 */
enum appmesh_status am_cred_sso_token_parse(const struct am_cred_ctx *ctx,
                                            const char *session,
                                            const char *path,
                                            const char *text,
                                            size_t len,
                                            char **token,
                                            struct appmesh_error *err);
/** GetRoleCredentials' 2xx answer (resp->body) into *out. Errors: CREDENTIALS, NOMEM. */
enum appmesh_status am_cred_sso_role_parse(const struct am_cred_ctx *ctx,
                                           const struct appmesh_http_response *resp,
                                           struct am_cred_set *out,
                                           struct appmesh_error *err);

/* ---- timefmt.c (the time formats AWS answers with) ---- */
/**
 * An ISO 8601 UTC time as AWS and credential tools write it ("2024-05-01T12:34:56Z"; 'T', 't'
 * or ' ' between date and time; an optional fraction; "Z", "+hh:mm" or "+hhmm") as epoch
 * seconds; false when s[0..n) is anything else.
 */
bool am_time_parse_iso8601(const char *s, size_t n, double *out);
/** An HTTP date ("Sun, 06 Nov 1994 08:49:37 GMT", RFC 9110's IMF-fixdate) as epoch seconds. */
bool am_time_parse_http_date(const char *s, size_t n, double *out);

/* ---- retry.c (pure logic: classification, backoff, quota, adaptive rate limiter) ---- */
enum am_retry_kind {
    AM_RETRY_NONE = 0,  /* not retryable */
    AM_RETRY_TRANSIENT, /* 500/502/503/504, connection errors, transient codes */
    AM_RETRY_THROTTLING,
    AM_RETRY_TIMEOUT,
};
/** Classify a failed attempt; sets err->retryable, and err->status = THROTTLED for throttling. */
enum am_retry_kind am_retry_classify(struct appmesh_error *err);
bool am_retry_is_throttling_code(const char *code);
/**
 * Whether an error response (4xx) says the request's time is off: RequestTimeTooSkewed,
 * RequestExpired, RequestInTheFuture, or InvalidSignatureException / SignatureDoesNotMatch /
 * AuthFailure whose message speaks of time ("Signature expired", "not yet current", skew).
 * The call corrects its clock from the response's Date and retries once (operation.c).
 */
bool am_retry_is_clock_skew(const struct appmesh_error *err);
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
enum am_retry_decision am_retry_decide(const struct am_retry_policy *p,
                                       struct am_retry_quota *q,
                                       int attempt,
                                       enum am_retry_kind kind,
                                       double random01,
                                       double *delay,
                                       int *cost);
/** After a successful attempt: give back last_cost when the call retried, else 1 (capped). */
void am_retry_on_success(struct am_retry_quota *q, int last_cost);

/*
 * Adaptive mode = standard mode (am_retry_decide decides retries the same way) + a client-side
 * rate limiter, as botocore's retries/adaptive.py, bucket.py and throttling.py. Times are
 * seconds as double from the client's clock; nothing here reads a clock or sleeps.
 */
/** The CUBIC send-rate curve (botocore CubicCalculator: beta 0.7, scale constant 0.4). */
struct am_cubic {
    double w_max;     /* the rate (>= 0) when the last throttle came */
    double k;         /* seconds after last_fail at which the curve is back at w_max */
    double last_fail; /* when the last throttle came */
};
/** Start the curve as if a throttle at rate w_max had come at time now. */
void am_cubic_init(struct am_cubic *c, double w_max, double now);
/** The rate the curve allows at time now, after a response that was not a throttle. */
double am_cubic_success(const struct am_cubic *c, double now);
/** A throttle at time now while sending at rate: restart the curve there; returns 0.7 * rate. */
double am_cubic_throttle(struct am_cubic *c, double rate, double now);
/**
 * One per client, shared by every call of that client (blocking and batch), as botocore keeps
 * one per client. All state inline, no allocation; not thread-safe (serialize callers). Fields
 * are read-only outside retry.c (tests and logs may read fill_rate and measured_rate).
 */
struct am_rate_limiter {
    bool enabled; /* false until the first throttle: acquire lets everything through */
    struct am_cubic cubic;
    double fill_rate;     /* token bucket: tokens per second, >= 0.5 */
    double max_capacity;  /* tokens: the rate asked for, at least 1 */
    double capacity;      /* tokens available (may dip a hair below 0, see retry.c) */
    double last_refill;   /* when capacity was last brought up to date */
    double measured_rate; /* responses per second, smoothed (0.8) over 0.5 s buckets */
    double last_bucket;   /* start of the bucket the rate was last measured in */
    double count;         /* responses counted since last_bucket */
    double latest;        /* the latest time seen (clock steps back, non-finite times) */
};
/** A fresh limiter as botocore builds it at time now: disabled, fill rate 1, empty bucket. */
void am_rate_limiter_init(struct am_rate_limiter *rl, double now);
/**
 * Before sending each attempt (the first and every retry, after its backoff): 0 = send now (a
 * token was taken, or the limiter is not enabled yet); > 0 = wait that many seconds (never more
 * than about 2), then call again with the new time, until it says 0. A wait takes nothing.
 */
double am_rate_limiter_acquire(struct am_rate_limiter *rl, double now);
/**
 * After each attempt that was sent and ended, whatever the outcome (a 2xx, an error response,
 * a transport error, a timeout): throttled = am_retry_classify said AM_RETRY_THROTTLING.
 * Measures the response rate, moves the CUBIC curve, sets the bucket's fill rate; the first
 * throttle enables the limiter. Not for attempts never sent (preparation errors, interrupts).
 */
void am_rate_limiter_update(struct am_rate_limiter *rl, double now, bool throttled);

/* ---- transport_curl.c: the multi driver (many transfers, one connection pool) ---- */
struct am_multi;
/** A multi handle with up to max_transfers transfers at once (one easy handle each). */
enum appmesh_status am_multi_new(const struct appmesh_allocator *alloc,
                                 const struct appmesh_transport_curl_options *opts,
                                 size_t max_transfers,
                                 struct am_multi **out,
                                 struct appmesh_error *err);
void am_multi_destroy(struct am_multi *m);
size_t am_multi_free_slots(const struct am_multi *m);
/** Start req (borrowed until it finishes) with its response into resp; ud comes back when done. */
enum appmesh_status am_multi_start(struct am_multi *m,
                                   const struct appmesh_http_request *req,
                                   struct appmesh_http_response *resp,
                                   void *ud,
                                   struct appmesh_error *err);
/** Make progress, waiting up to timeout_ms for network activity (0 = don't wait). */
enum appmesh_status am_multi_wait(struct am_multi *m, int timeout_ms, struct appmesh_error *err);
/** Take one finished transfer: its ud and outcome (as a blocking send would report it). */
bool am_multi_next_done(struct am_multi *m,
                        void **ud,
                        enum appmesh_status *st,
                        struct appmesh_error *err);
/** For host event loops: the sockets to watch and how long to wait at most (-1 = no timer). */
enum appmesh_status am_multi_fdset(struct am_multi *m,
                                   fd_set *r,
                                   fd_set *w,
                                   fd_set *e,
                                   int *max_fd,
                                   long *timeout_ms,
                                   struct appmesh_error *err);
/** Wake a thread blocked in am_multi_wait (thread-safe). */
void am_multi_wakeup(struct am_multi *m);

#endif
