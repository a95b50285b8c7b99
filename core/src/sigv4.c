/* SPDX-License-Identifier: MIT */
/* AWS Signature Version 4: canonical request, string to sign and signature, with a key cache. */
#include "sigv4.h"

#include <stdint.h>
#include <string.h>

#include "appmesh/credentials.h"
#include "appmesh/http.h"
#include "appmesh/sigv4.h"
#include "crypto.h"
#include "internal.h"
#include "secmem.h"
#include "uri.h"

#define ALGORITHM       "AWS4-HMAC-SHA256"
#define TERMINATOR      "aws4_request"
#define LIT_LEN(s)      (sizeof(s) - 1)
#define MAX_EXPIRES     604800
#define DEFAULT_EXPIRES 3600
/* 9999-12-31T23:59:59Z: the last time the 4-digit X-Amz-Date form can carry. */
#define MAX_SIGNING_TIME INT64_C(253402300799)
/* Sorting switches from insertion to merge sort above this many entries. */
#define SMALL_SORT 16

/* A name/value pair: a header to sign, or an encoded query parameter. Both are borrowed views. */
struct pair {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
};

/* The cache entry's secrets: the signing key and "AWS4" + the secret access key. */
struct key_secret {
    unsigned char key[32];
    size_t cap; /* room in aws4 */
    size_t len; /* bytes used in aws4 */
    char aws4[];
};

struct appmesh_sigv4_signer {
    const struct appmesh_allocator *alloc;
    struct am_sha256_ctx *hash;

    /* The signing-key cache: one entry, replaced (and wiped) when the scope or secret changes.
     * Its secret part lives in a block kept out of core dumps (secmem.h). */
    bool key_valid;
    char key_date[8];
    struct key_secret *ks; /* NULL until the first signature */
    struct appmesh_buf key_region;
    struct appmesh_buf key_service;
    struct appmesh_buf scope; /* "<date>/<region>/<service>/aws4_request" */
    uint64_t derivations;

    /* Scratch kept between calls so that a signature allocates nothing once warmed up. Each
     * pair array holds 2 * cap entries: the second half is the merge sort's spare room. */
    struct pair *hdrs;
    size_t hdrs_cap;
    struct pair *params;
    size_t params_cap;
    struct appmesh_buf qbuf; /* encoded query names and values the params point into */
    struct appmesh_buf creq; /* canonical request */
    struct appmesh_buf sts;  /* string to sign */
};

enum header_kind {
    HDR_OTHER = 0,
    HDR_HOST,
    HDR_DATE,
    HDR_TOKEN,
    HDR_CONTENT_SHA256,
    HDR_UNSIGNED, /* never signed: hop-by-hop, or changed by proxies and agents */
};

/* ---- characters ---- */

static unsigned char to_lower(unsigned char c)
{
    /* Branch-free: sets the 0x20 bit for 'A'..'Z' only. */
    return (unsigned char)(c | (unsigned)((unsigned)(c - 'A') < 26u) << 5);
}

static bool is_header_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* ---- writers into memory reserved beforehand (no bounds checks: callers size first) ---- */

static char *put(char *p, const void *s, size_t n)
{
    memcpy(p, s, n);
    return p + n;
}

/* Decode %XX escapes (a '%' not followed by two hex digits stays a literal '%'), then encode:
 * "%E1%88%B4" and the raw UTF-8 bytes both come out as "%E1%88%B4". */
static char *put_reencoded(char *p, const char *s, size_t n)
{
    size_t i = 0;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%' && i + 2 < n) {
            int hi = am_hex_digit((unsigned char)s[i + 1]);
            int lo = am_hex_digit((unsigned char)s[i + 2]);
            if (hi >= 0 && lo >= 0) {
                c = (unsigned char)(hi << 4 | lo);
                i += 2;
            }
        }
        if (am_uri_class[c] == AM_URI_UNRESERVED) {
            *p++ = (char)c;
        } else {
            p = am_uri_put_pct(p, c);
        }
    }
    return p;
}

static char *put_lower(char *p, const char *s, size_t n)
{
    size_t i = 0;
    for (i = 0; i < n; i++) {
        p[i] = (char)to_lower((unsigned char)s[i]);
    }
    return p + n;
}

/* A header value as SigV4 wants it: trimmed, and each run of spaces, tabs and line breaks
 * (including obs-fold continuation lines) folded into one space. Runs of other bytes are
 * copied whole. */
static char *put_header_value(char *p, const char *s, size_t n)
{
    const char *end = s + n;
    while (s < end && is_header_space((unsigned char)*s)) {
        s++;
    }
    while (s < end) {
        const char *run = s;
        while (s < end && !is_header_space((unsigned char)*s)) {
            s++;
        }
        p = put(p, run, (size_t)(s - run));
        while (s < end && is_header_space((unsigned char)*s)) {
            s++;
        }
        if (s < end) {
            *p++ = ' ';
        }
    }
    return p;
}

static char *put_u64(char *p, uint64_t v)
{
    char tmp[20];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    while (n > 0) {
        *p++ = tmp[--n];
    }
    return p;
}

/* The canonical URI: optionally with dot segments removed and repeated slashes merged (as
 * botocore does: a trailing slash is kept when the path had one), then encoded again unless
 * the caller asked for single encoding. One pass: each segment is written, then taken back if
 * it was "." or "..". */
static char *put_path(char *p, const char *path, size_t len, bool normalize, bool encode)
{
    char *start = p;
    const char *s = path;
    const char *end = path + len;
    size_t nseg = 0;

    if (len == 0) {
        *p++ = '/';
        return p;
    }
    if (!normalize) {
        return encode ? am_uri_encode(p, path, len, true) : put(p, path, len);
    }
    *p++ = '/';
    while (s < end) {
        const char *seg = NULL;
        char *mark = NULL;
        size_t seglen = 0;
        if (*s == '/') {
            s++;
            continue;
        }
        seg = s;
        mark = p;
        if (nseg > 0) {
            *p++ = '/';
        }
        while (s < end) {
            /* Copy the run of bytes that stay as they are, then deal with the one after it. */
            const char *run = s;
            unsigned char cls = AM_URI_UNRESERVED;
            while (s < end) {
                cls = am_uri_class[(unsigned char)*s];
                if (cls == AM_URI_SLASH || (cls == AM_URI_ENCODE && encode)) {
                    break;
                }
                s++;
            }
            p = put(p, run, (size_t)(s - run));
            if (s == end || cls == AM_URI_SLASH) {
                break;
            }
            p = am_uri_put_pct(p, (unsigned char)*s++);
        }
        seglen = (size_t)(s - seg);
        if (seglen == 1 && seg[0] == '.') {
            p = mark;
        } else if (seglen == 2 && seg[0] == '.' && seg[1] == '.') {
            p = mark;
            if (nseg > 0) {
                /* Drop the previous segment: back to the '/' before it (never the first). */
                while (p > start + 1 && p[-1] != '/') {
                    p--;
                }
                if (p > start + 1) {
                    p--;
                }
                nseg--;
            }
        } else {
            nseg++;
        }
    }
    if (nseg > 0 && end[-1] == '/') {
        *p++ = '/';
    }
    return p;
}

/* ---- sizes ---- */

static bool add_size(size_t *acc, size_t n)
{
    if (n > SIZE_MAX - *acc) {
        return false;
    }
    *acc += n;
    return true;
}

static bool mul_add_size(size_t *acc, size_t n, size_t k)
{
    if (n != 0 && k > SIZE_MAX / n) {
        return false;
    }
    return add_size(acc, n * k);
}

/* ---- stable sorting of pairs ---- */

typedef int(pair_cmp_fn)(const struct pair *a, const struct pair *b);

static int cmp_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    int c = n == 0 ? 0 : memcmp(a, b, n);
    if (c != 0) {
        return c;
    }
    return alen < blen ? -1 : (alen > blen ? 1 : 0);
}

/* Header names compare lower-cased; the values keep their order (duplicates join in order). */
static int cmp_header_names(const struct pair *a, const struct pair *b)
{
    size_t n = a->name_len < b->name_len ? a->name_len : b->name_len;
    size_t i = 0;
    for (i = 0; i < n; i++) {
        int ca = to_lower((unsigned char)a->name[i]);
        int cb = to_lower((unsigned char)b->name[i]);
        if (ca != cb) {
            return ca - cb;
        }
    }
    return a->name_len < b->name_len ? -1 : (a->name_len > b->name_len ? 1 : 0);
}

/* Query parameters sort by encoded name, then by encoded value. */
static int cmp_params(const struct pair *a, const struct pair *b)
{
    int c = cmp_bytes(a->name, a->name_len, b->name, b->name_len);
    if (c != 0) {
        return c;
    }
    return cmp_bytes(a->value, a->value_len, b->value, b->value_len);
}

static void insertion_sort(struct pair *v, size_t n, pair_cmp_fn *cmp)
{
    size_t i = 0;
    for (i = 1; i < n; i++) {
        struct pair x = v[i];
        size_t j = i;
        while (j > 0 && cmp(&v[j - 1], &x) > 0) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

/* Stable: insertion sort on short runs, then bottom-up merges through tmp (n entries). */
static void sort_pairs(struct pair *v, struct pair *tmp, size_t n, pair_cmp_fn *cmp)
{
    struct pair *src = v;
    struct pair *dst = tmp;
    size_t width = 0;
    size_t i = 0;

    for (i = 0; i < n; i += SMALL_SORT) {
        insertion_sort(v + i, n - i < SMALL_SORT ? n - i : SMALL_SORT, cmp);
    }
    for (width = SMALL_SORT; width < n; width *= 2) {
        struct pair *swap = NULL;
        for (i = 0; i < n; i += 2 * width) {
            size_t mid = i + width < n ? i + width : n;
            size_t end = i + 2 * width < n ? i + 2 * width : n;
            size_t a = i;
            size_t b = mid;
            size_t k = i;
            while (a < mid && b < end) {
                dst[k++] = cmp(&src[b], &src[a]) < 0 ? src[b++] : src[a++];
            }
            while (a < mid) {
                dst[k++] = src[a++];
            }
            while (b < end) {
                dst[k++] = src[b++];
            }
        }
        swap = src;
        src = dst;
        dst = swap;
    }
    if (src != v) {
        memcpy(v, src, n * sizeof(*v));
    }
}

/* Make room for `need` pairs (plus as many spare for sorting). */
static enum appmesh_status reserve_pairs(const struct appmesh_allocator *a,
                                         struct pair **arr,
                                         size_t *cap,
                                         size_t need,
                                         struct appmesh_error *err)
{
    size_t ncap = 0;
    struct pair *p = NULL;

    if (need <= *cap) {
        return APPMESH_OK;
    }
    ncap = *cap * 2 > need ? *cap * 2 : need;
    if (ncap < 8) {
        ncap = 8;
    }
    if (ncap > SIZE_MAX / (2 * sizeof(struct pair))) {
        return am_fail(err, APPMESH_ERR_NOMEM, "sigv4: request too large to sign");
    }
    p = am_realloc(a, *arr, *cap * 2 * sizeof(struct pair), ncap * 2 * sizeof(struct pair));
    if (p == NULL) {
        return am_fail(err, APPMESH_ERR_NOMEM, "out of memory (signer scratch for %zu entries)",
                       ncap);
    }
    *arr = p;
    *cap = ncap;
    return APPMESH_OK;
}

/* ---- header classification ---- */

static bool name_is(const char *name, const char *lit, size_t n)
{
    size_t i = 0;
    for (i = 0; i < n; i++) {
        if (to_lower((unsigned char)name[i]) != (unsigned char)lit[i]) {
            return false;
        }
    }
    return true;
}

static enum header_kind classify_header(const char *name, size_t len)
{
    switch (len) {
        case 2:
            return name_is(name, "te", 2) ? HDR_UNSIGNED : HDR_OTHER;
        case 4:
            return name_is(name, "host", 4) ? HDR_HOST : HDR_OTHER;
        case 6:
            return name_is(name, "expect", 6) ? HDR_UNSIGNED : HDR_OTHER;
        case 7:
            return name_is(name, "upgrade", 7) ? HDR_UNSIGNED : HDR_OTHER;
        case 10:
            if (name_is(name, "x-amz-date", 10)) {
                return HDR_DATE;
            }
            return name_is(name, "user-agent", 10) || name_is(name, "connection", 10) ||
                           name_is(name, "keep-alive", 10)
                       ? HDR_UNSIGNED
                       : HDR_OTHER;
        case 13:
            return name_is(name, "authorization", 13) ? HDR_UNSIGNED : HDR_OTHER;
        case 15:
            return name_is(name, "x-amzn-trace-id", 15) ? HDR_UNSIGNED : HDR_OTHER;
        case 17:
            return name_is(name, "transfer-encoding", 17) ? HDR_UNSIGNED : HDR_OTHER;
        case 19:
            return name_is(name, "proxy-authorization", 19) ? HDR_UNSIGNED : HDR_OTHER;
        case 20:
            if (name_is(name, "x-amz-security-token", 20)) {
                return HDR_TOKEN;
            }
            return name_is(name, "x-amz-content-sha256", 20) ? HDR_CONTENT_SHA256 : HDR_OTHER;
        default:
            return HDR_OTHER;
    }
}

static void trim(const char **s, size_t *n)
{
    const char *p = *s;
    size_t len = *n;
    while (len > 0 && is_header_space((unsigned char)p[0])) {
        p++;
        len--;
    }
    while (len > 0 && is_header_space((unsigned char)p[len - 1])) {
        len--;
    }
    *s = p;
    *n = len;
}

/* ---- time ---- */

/* Epoch seconds to "YYYYMMDDTHHMMSSZ" (days-to-civil after Howard Hinnant's algorithm). */
static void format_amz_date(int64_t t, char out[17])
{
    int64_t days = t / 86400;
    int64_t secs = t % 86400;
    int64_t z = days + 719468;
    int64_t era = z / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
    int64_t hh = secs / 3600;
    int64_t mm = secs / 60 % 60;
    int64_t ss = secs % 60;

    out[0] = (char)('0' + y / 1000);
    out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10);
    out[3] = (char)('0' + y % 10);
    out[4] = (char)('0' + m / 10);
    out[5] = (char)('0' + m % 10);
    out[6] = (char)('0' + d / 10);
    out[7] = (char)('0' + d % 10);
    out[8] = 'T';
    out[9] = (char)('0' + hh / 10);
    out[10] = (char)('0' + hh % 10);
    out[11] = (char)('0' + mm / 10);
    out[12] = (char)('0' + mm % 10);
    out[13] = (char)('0' + ss / 10);
    out[14] = (char)('0' + ss % 10);
    out[15] = 'Z';
    out[16] = '\0';
}

static bool is_amz_date(const char *s, size_t n)
{
    size_t i = 0;
    if (n != 16 || s[8] != 'T' || s[15] != 'Z') {
        return false;
    }
    for (i = 0; i < 15; i++) {
        if (i != 8 && (s[i] < '0' || s[i] > '9')) {
            return false;
        }
    }
    return true;
}

/* ---- signer ---- */

enum appmesh_status appmesh_sigv4_signer_new(const struct appmesh_allocator *alloc,
                                             struct appmesh_sigv4_signer **out,
                                             struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_ERR_INTERNAL;
    struct appmesh_sigv4_signer *s = NULL;

    if (out == NULL) {
        return am_fail(err, APPMESH_ERR_INVALID_ARGUMENT, "sigv4: out is NULL");
    }
    *out = NULL;
    s = am_calloc(alloc, sizeof(*s));
    if (s == NULL) {
        st = am_fail(err, APPMESH_ERR_NOMEM, "out of memory (signer)");
        goto cleanup;
    }
    s->alloc = alloc;
    am_buf_init(&s->key_region, alloc, 0);
    am_buf_init(&s->key_service, alloc, 0);
    am_buf_init(&s->scope, alloc, 0);
    am_buf_init(&s->qbuf, alloc, 0);
    am_buf_init(&s->creq, alloc, 0);
    am_buf_init(&s->sts, alloc, 0);
    st = am_sha256_ctx_new(alloc, &s->hash, err);
    if (st != APPMESH_OK) {
        goto cleanup;
    }
    *out = s;
    s = NULL;
    st = APPMESH_OK;

cleanup:
    appmesh_sigv4_signer_destroy(s);
    return st;
}

void appmesh_sigv4_signer_destroy(struct appmesh_sigv4_signer *s)
{
    if (s == NULL) {
        return;
    }
    am_sha256_ctx_destroy(s->hash);
    am_secmem_free(s->ks); /* wiped before it is unmapped */
    appmesh_buf_cleanup(&s->key_region);
    appmesh_buf_cleanup(&s->key_service);
    appmesh_buf_cleanup(&s->scope);
    appmesh_buf_cleanup(&s->qbuf);
    appmesh_buf_cleanup(&s->creq);
    appmesh_buf_cleanup(&s->sts);
    if (s->hdrs != NULL) {
        am_zeroize(s->hdrs, s->hdrs_cap * 2 * sizeof(struct pair));
        am_free(s->alloc, s->hdrs, s->hdrs_cap * 2 * sizeof(struct pair));
    }
    if (s->params != NULL) {
        am_zeroize(s->params, s->params_cap * 2 * sizeof(struct pair));
        am_free(s->alloc, s->params, s->params_cap * 2 * sizeof(struct pair));
    }
    am_free(s->alloc, s, sizeof(*s));
}

uint64_t am_sigv4_signer_key_derivations(const struct appmesh_sigv4_signer *signer)
{
    return signer->derivations;
}

static void wipe_buf(struct appmesh_buf *b)
{
    if (b->ptr != NULL) {
        am_zeroize(b->ptr, b->len);
    }
    am_buf_reset(b);
}

/* The signing key for (date, region, service, secret): the cached one when all four match
 * (compared in time independent of the secret's bytes), else derived and cached. */
static enum appmesh_status signing_key(struct appmesh_sigv4_signer *s,
                                       const char *date8,
                                       const char *region,
                                       size_t region_len,
                                       const char *service,
                                       size_t service_len,
                                       const char *secret,
                                       size_t secret_len,
                                       struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_ERR_INTERNAL;
    unsigned char k1[32];
    unsigned char k2[32];

    if (s->key_valid) {
        /* Only the secret needs the constant-time comparison; the rest is public. */
        bool same = am_ct_equal(s->ks->aws4 + 4, s->ks->len - 4, secret, secret_len);
        same &= memcmp(s->key_date, date8, 8) == 0;
        same &=
            s->key_region.len == region_len && memcmp(s->key_region.ptr, region, region_len) == 0;
        same &= s->key_service.len == service_len &&
                memcmp(s->key_service.ptr, service, service_len) == 0;
        if (same) {
            return APPMESH_OK;
        }
    }

    /* Replace the entry: wipe the old key and secret first, so a failure leaves none. */
    s->key_valid = false;
    if (s->ks != NULL) {
        am_zeroize(s->ks->key, sizeof(s->ks->key));
        am_zeroize(s->ks->aws4, s->ks->cap);
        s->ks->len = 0;
    }
    wipe_buf(&s->key_region);
    wipe_buf(&s->key_service);
    am_buf_reset(&s->scope);

    if (s->ks == NULL || s->ks->cap < 4 + secret_len) {
        size_t cap = 4 + secret_len < 128 ? 128 : 4 + secret_len;
        am_secmem_free(s->ks);
        s->ks = am_secmem_alloc(sizeof(*s->ks) + cap);
        if (s->ks == NULL) {
            st = am_fail(err, APPMESH_ERR_NOMEM, "out of memory (signing key)");
            goto cleanup;
        }
        s->ks->cap = cap;
    }
    memcpy(s->ks->aws4, "AWS4", 4);
    memcpy(s->ks->aws4 + 4, secret, secret_len);
    s->ks->len = 4 + secret_len;
    st = am_buf_append(&s->key_region, region, region_len, err);
    if (st == APPMESH_OK) {
        st = am_buf_append(&s->key_service, service, service_len, err);
    }
    if (st == APPMESH_OK) {
        st = am_buf_reserve(&s->scope, 8 + region_len + service_len + LIT_LEN(TERMINATOR) + 3, err);
    }
    if (st != APPMESH_OK) {
        goto cleanup;
    }
    {
        char *p = s->scope.ptr;
        p = put(p, date8, 8);
        *p++ = '/';
        p = put(p, region, region_len);
        *p++ = '/';
        p = put(p, service, service_len);
        *p++ = '/';
        p = put(p, TERMINATOR, LIT_LEN(TERMINATOR));
        *p = '\0';
        s->scope.len = (size_t)(p - s->scope.ptr);
    }

    st = am_sha256_ctx_hmac(s->hash, s->ks->aws4, s->ks->len, date8, 8, k1, err);
    if (st == APPMESH_OK) {
        st = am_sha256_ctx_hmac(s->hash, k1, sizeof(k1), region, region_len, k2, err);
    }
    if (st == APPMESH_OK) {
        st = am_sha256_ctx_hmac(s->hash, k2, sizeof(k2), service, service_len, k1, err);
    }
    if (st == APPMESH_OK) {
        st = am_sha256_ctx_hmac(s->hash, k1, sizeof(k1), TERMINATOR, LIT_LEN(TERMINATOR),
                                s->ks->key, err);
    }
    if (st == APPMESH_OK) {
        st = am_sha256_ctx_set_hmac_key(s->hash, s->ks->key, sizeof(s->ks->key), err);
    }
    if (st != APPMESH_OK) {
        goto cleanup;
    }
    memcpy(s->key_date, date8, 8);
    s->key_valid = true;
    s->derivations++;

cleanup:
    if (st != APPMESH_OK && s->ks != NULL) {
        am_zeroize(s->ks->key, sizeof(s->ks->key));
        am_zeroize(s->ks->aws4, s->ks->cap);
        s->ks->len = 0;
    }
    am_zeroize(k1, sizeof(k1));
    am_zeroize(k2, sizeof(k2));
    return st;
}

/* A result buffer the caller zero-initialised takes the signer's allocator. */
static void adopt(struct appmesh_buf *b, const struct appmesh_allocator *a)
{
    if (b->ptr == NULL && b->alloc == NULL) {
        b->alloc = a;
    }
}

static enum appmesh_status
copy_into(struct appmesh_buf *dst, const struct appmesh_buf *src, struct appmesh_error *err)
{
    am_buf_reset(dst);
    return am_buf_append(dst, src->ptr, src->len, err);
}

static enum appmesh_status fail_arg(struct appmesh_error *err, const char *what)
{
    return am_fail(err, APPMESH_ERR_INVALID_ARGUMENT, "sigv4: %s", what);
}

static bool empty(const char *s)
{
    return s == NULL || s[0] == '\0';
}

/* The first position (1-based) in s of a character outside ok(), 0 if none, -1 bad length. */
static long first_bad(const char *s, size_t max, bool (*ok)(unsigned char))
{
    size_t n = s == NULL ? 0 : strlen(s);
    if (n == 0 || n > max) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (!ok((unsigned char)s[i])) {
            return (long)i + 1;
        }
    }
    return 0;
}

static bool region_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

static bool key_id_char(unsigned char c)
{
    return c > 0x20 && c < 0x7f;
}

long am_sigv4_region_check(const char *region)
{
    return first_bad(region, 63, region_char);
}

long am_sigv4_key_id_check(const char *access_key_id)
{
    return first_bad(access_key_id, 128, key_id_char);
}

/* Check the arguments; nothing here may echo a secret. */
static enum appmesh_status check_args(const struct appmesh_sigv4_signer *signer,
                                      const struct appmesh_sigv4_request *req,
                                      const struct appmesh_credentials *creds,
                                      const struct appmesh_sigv4_params *params,
                                      const struct appmesh_sigv4_result *out,
                                      bool presign,
                                      struct appmesh_error *err)
{
    if (signer == NULL || req == NULL || creds == NULL || params == NULL || out == NULL) {
        return fail_arg(err, "signer, request, credentials, params and result are required");
    }
    if (empty(req->method)) {
        return fail_arg(err, "the request has no method");
    }
    if (req->path == NULL) {
        return fail_arg(err, "the request has no path");
    }
    if (req->header_count > 0 && req->headers == NULL) {
        return fail_arg(err, "header_count is set but headers is NULL");
    }
    if (req->body_len > 0 && req->body == NULL) {
        return fail_arg(err, "body_len is set but body is NULL");
    }
    if (empty(params->region)) {
        return fail_arg(err, "no region to sign for");
    }
    if (am_sigv4_region_check(params->region) != 0) {
        return am_fail_field(err, "region",
                             "region must be 1 to 63 characters of a-z, 0-9 and '-' (it goes "
                             "into the signature's credential scope)");
    }
    if (empty(params->service)) {
        return fail_arg(err, "no service (signing name) to sign for");
    }
    if (params->time < 0 || params->time > MAX_SIGNING_TIME) {
        return am_fail(err, APPMESH_ERR_INVALID_ARGUMENT,
                       "sigv4: signing time %lld is outside 1970..9999", (long long)params->time);
    }
    if (presign && (params->expires < 0 || params->expires > MAX_EXPIRES)) {
        return am_fail(err, APPMESH_ERR_INVALID_ARGUMENT,
                       "sigv4: expires %lld is outside 1..%d seconds", (long long)params->expires,
                       MAX_EXPIRES);
    }
    if (empty(creds->access_key_id)) {
        return fail_arg(err, "the credentials have no access key id");
    }
    if (am_sigv4_key_id_check(creds->access_key_id) != 0) {
        return am_fail_field(err, "credentials.accessKeyId",
                             "the access key id must be 1 to 128 printable ASCII characters "
                             "without spaces");
    }
    if (empty(creds->secret_access_key)) {
        return fail_arg(err, "the credentials have no secret access key");
    }
    return APPMESH_OK;
}

/* One signature in progress: the inputs measured once, and what the steps found. */
struct job {
    const struct appmesh_sigv4_request *req;
    const struct appmesh_credentials *creds;
    const struct appmesh_sigv4_params *params;
    struct appmesh_sigv4_result *out;
    bool presign;
    const char *query;
    size_t query_len;
    size_t path_len;
    size_t method_len;
    size_t akid_len;
    const char *token; /* NULL when the credentials have none (or an empty one) */
    size_t token_len;
    const char *payload; /* the payload hash line: the caller's x-amz-content-sha256, or ours */
    size_t payload_len;
    bool has_date;  /* the caller gave X-Amz-Date (header signing) */
    bool has_token; /* the caller gave X-Amz-Security-Token, and it is signed */
    size_t nh;      /* headers to sign, in s->hdrs */
    size_t np;      /* query parameters, in s->params */
    size_t sh_len;  /* SignedHeaders, in out->signed_headers */
};

static enum appmesh_status too_large(struct appmesh_error *err)
{
    return am_fail(err, APPMESH_ERR_NOMEM, "sigv4: request too large to sign");
}

/* The caller's headers that get signed (all but the never-signed ones), and what they say
 * about Host, X-Amz-Date, X-Amz-Security-Token and x-amz-content-sha256. */
static enum appmesh_status
collect_headers(struct appmesh_sigv4_signer *s, struct job *j, struct appmesh_error *err)
{
    const struct appmesh_sigv4_request *req = j->req;
    enum appmesh_status st = APPMESH_OK;
    bool has_host = false;
    size_t i = 0;

    if (req->header_count > SIZE_MAX - 3) {
        return too_large(err);
    }
    st = reserve_pairs(s->alloc, &s->hdrs, &s->hdrs_cap, req->header_count + 3, err);
    if (st != APPMESH_OK) {
        return st;
    }
    for (i = 0; i < req->header_count; i++) {
        const struct appmesh_header *h = &req->headers[i];
        const char *v = h->value != NULL ? h->value : "";
        size_t vlen = h->value_len;
        enum header_kind kind = HDR_OTHER;

        if (h->name == NULL || h->name_len == 0) {
            return am_fail(err, APPMESH_ERR_INVALID_ARGUMENT, "sigv4: header %zu has no name", i);
        }
        if (h->value == NULL && h->value_len > 0) {
            return am_fail(err, APPMESH_ERR_INVALID_ARGUMENT,
                           "sigv4: header %zu has a length but no value", i);
        }
        kind = classify_header(h->name, h->name_len);
        if (kind == HDR_UNSIGNED || (kind == HDR_TOKEN && j->params->omit_session_token)) {
            continue;
        }
        if (kind == HDR_HOST) {
            has_host = true;
        } else if (kind == HDR_DATE && !j->presign && !j->has_date) {
            trim(&v, &vlen);
            if (!is_amz_date(v, vlen)) {
                return am_fail(err, APPMESH_ERR_INVALID_ARGUMENT,
                               "sigv4: the X-Amz-Date header (%zu bytes) is not of the form "
                               "YYYYMMDDTHHMMSSZ",
                               vlen);
            }
            memcpy(j->out->amz_date, v, 16);
            j->out->amz_date[16] = '\0';
            j->has_date = true;
            v = h->value;
            vlen = h->value_len;
        } else if (kind == HDR_TOKEN) {
            j->has_token = true;
        } else if (kind == HDR_CONTENT_SHA256 && j->payload == NULL) {
            j->payload = v;
            j->payload_len = vlen;
            trim(&j->payload, &j->payload_len);
        }
        s->hdrs[j->nh++] = (struct pair){h->name, h->name_len, v, vlen};
    }
    if (!has_host) {
        return fail_arg(err, "the request has no Host header");
    }
    return APPMESH_OK;
}

/* Header signing adds X-Amz-Date, X-Amz-Security-Token and x-amz-content-sha256 (when asked and
 * not given), then the headers are sorted and SignedHeaders written. *bound gets the size of
 * the canonical headers block. */
static enum appmesh_status sign_headers_list(struct appmesh_sigv4_signer *s,
                                             struct job *j,
                                             size_t *bound,
                                             struct appmesh_error *err)
{
    struct appmesh_sigv4_result *out = j->out;
    enum appmesh_status st = APPMESH_OK;
    size_t i = 0;
    char *p = NULL;

    if (!j->presign) {
        if (!j->has_date) {
            s->hdrs[j->nh++] = (struct pair){"x-amz-date", 10, out->amz_date, 16};
        }
        if (j->token != NULL && !j->has_token && !j->params->omit_session_token) {
            s->hdrs[j->nh++] = (struct pair){"x-amz-security-token", 20, j->token, j->token_len};
        }
        if (j->params->sign_body && j->payload == out->content_sha256) {
            s->hdrs[j->nh++] = (struct pair){"x-amz-content-sha256", 20, out->content_sha256, 64};
        }
    }
    sort_pairs(s->hdrs, s->hdrs + s->hdrs_cap, j->nh, cmp_header_names);

    /* Values never grow when canonicalised; each header adds ':' or ',' and '\n'. */
    for (i = 0; i < j->nh; i++) {
        if (!add_size(bound, s->hdrs[i].name_len) || !add_size(bound, s->hdrs[i].value_len) ||
            !add_size(bound, 2)) {
            return too_large(err);
        }
    }
    am_buf_reset(&out->signed_headers);
    st = am_buf_reserve(&out->signed_headers, *bound, err);
    if (st != APPMESH_OK) {
        return st;
    }
    p = out->signed_headers.ptr;
    for (i = 0; i < j->nh; i++) {
        if (i > 0 && cmp_header_names(&s->hdrs[i - 1], &s->hdrs[i]) == 0) {
            continue;
        }
        if (i > 0) {
            *p++ = ';';
        }
        p = put_lower(p, s->hdrs[i].name, s->hdrs[i].name_len);
    }
    *p = '\0';
    j->sh_len = (size_t)(p - out->signed_headers.ptr);
    out->signed_headers.len = j->sh_len;
    return APPMESH_OK;
}

/* The query parameters, encoded into s->qbuf and sorted: the caller's (decoded, then encoded
 * the SigV4 way; empty pieces dropped), plus the X-Amz-* ones when presigning. */
static enum appmesh_status
collect_query(struct appmesh_sigv4_signer *s, struct job *j, struct appmesh_error *err)
{
    const char *q = j->query;
    const char *qend = j->query + j->query_len;
    struct appmesh_sigv4_result *out = j->out;
    enum appmesh_status st = APPMESH_OK;
    size_t pieces = 0;
    size_t qbound = 0;
    char *p = NULL;

    if (j->query_len > 0) {
        pieces = 1;
        while ((q = memchr(q, '&', (size_t)(qend - q))) != NULL) {
            pieces++;
            q++;
        }
    }
    st = reserve_pairs(s->alloc, &s->params, &s->params_cap, pieces + 6, err);
    if (st != APPMESH_OK) {
        return st;
    }
    if (!mul_add_size(&qbound, j->query_len, 3) ||
        (j->presign &&
         !(add_size(&qbound, 128) && mul_add_size(&qbound, j->akid_len, 3) &&
           mul_add_size(&qbound, s->scope.len, 3) && mul_add_size(&qbound, j->sh_len, 3) &&
           mul_add_size(&qbound, j->token_len, 3)))) {
        return too_large(err);
    }
    am_buf_reset(&s->qbuf);
    st = am_buf_reserve(&s->qbuf, qbound, err);
    if (st != APPMESH_OK) {
        return st;
    }

    /* The params point into qbuf, which was sized above and so does not move. */
    p = s->qbuf.ptr;
    for (q = j->query; q < qend;) {
        const char *amp = memchr(q, '&', (size_t)(qend - q));
        const char *pend = amp != NULL ? amp : qend;
        const char *eq = memchr(q, '=', (size_t)(pend - q));
        const char *kend = eq != NULL ? eq : pend;
        if (pend > q) {
            struct pair *pp = &s->params[j->np++];
            pp->name = p;
            p = put_reencoded(p, q, (size_t)(kend - q));
            pp->name_len = (size_t)(p - pp->name);
            pp->value = p;
            if (eq != NULL) {
                p = put_reencoded(p, eq + 1, (size_t)(pend - eq - 1));
            }
            pp->value_len = (size_t)(p - pp->value);
        }
        q = pend + 1;
    }
    if (j->presign) {
        struct pair *pp = NULL;
        uint64_t expires = j->params->expires == 0 ? DEFAULT_EXPIRES : (uint64_t)j->params->expires;
        s->params[j->np++] = (struct pair){"X-Amz-Algorithm", 15, ALGORITHM, LIT_LEN(ALGORITHM)};
        pp = &s->params[j->np++];
        *pp = (struct pair){"X-Amz-Credential", 16, p, 0};
        p = am_uri_encode(p, j->creds->access_key_id, j->akid_len, false);
        p = put(p, "%2F", 3);
        p = am_uri_encode(p, s->scope.ptr, s->scope.len, false);
        pp->value_len = (size_t)(p - pp->value);
        s->params[j->np++] = (struct pair){"X-Amz-Date", 10, out->amz_date, 16};
        pp = &s->params[j->np++];
        *pp = (struct pair){"X-Amz-Expires", 13, p, 0};
        p = put_u64(p, expires);
        pp->value_len = (size_t)(p - pp->value);
        if (j->token != NULL && !j->params->omit_session_token) {
            pp = &s->params[j->np++];
            *pp = (struct pair){"X-Amz-Security-Token", 20, p, 0};
            p = am_uri_encode(p, j->token, j->token_len, false);
            pp->value_len = (size_t)(p - pp->value);
        }
        pp = &s->params[j->np++];
        *pp = (struct pair){"X-Amz-SignedHeaders", 19, p, 0};
        p = am_uri_encode(p, out->signed_headers.ptr, j->sh_len, false);
        pp->value_len = (size_t)(p - pp->value);
    }
    s->qbuf.len = (size_t)(p - s->qbuf.ptr);
    s->qbuf.ptr[s->qbuf.len] = '\0';
    sort_pairs(s->params, s->params + s->params_cap, j->np, cmp_params);
    return APPMESH_OK;
}

/* The canonical request, written straight into s->creq; bound holds the headers' share. */
static enum appmesh_status write_canonical_request(struct appmesh_sigv4_signer *s,
                                                   const struct job *j,
                                                   size_t bound,
                                                   struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_OK;
    bool ok = add_size(&bound, j->method_len) && mul_add_size(&bound, j->path_len, 3) &&
              add_size(&bound, j->sh_len) && add_size(&bound, j->payload_len) &&
              add_size(&bound, 16);
    size_t i = 0;
    char *p = NULL;

    for (i = 0; i < j->np && ok; i++) {
        ok = add_size(&bound, s->params[i].name_len) && add_size(&bound, s->params[i].value_len) &&
             add_size(&bound, 2);
    }
    if (!ok) {
        return too_large(err);
    }
    am_buf_reset(&s->creq);
    st = am_buf_reserve(&s->creq, bound, err);
    if (st != APPMESH_OK) {
        return st;
    }
    p = s->creq.ptr;
    p = put(p, j->req->method, j->method_len);
    *p++ = '\n';
    p = put_path(p, j->req->path, j->path_len, !j->params->no_normalize_path,
                 !j->params->no_double_encode);
    *p++ = '\n';
    for (i = 0; i < j->np; i++) {
        if (i > 0) {
            *p++ = '&';
        }
        p = put(p, s->params[i].name, s->params[i].name_len);
        *p++ = '=';
        p = put(p, s->params[i].value, s->params[i].value_len);
    }
    *p++ = '\n';
    for (i = 0; i < j->nh; i++) {
        /* Headers of one name (sorted next to each other) join their values with ','. */
        if (i > 0 && cmp_header_names(&s->hdrs[i - 1], &s->hdrs[i]) == 0) {
            *p++ = ',';
        } else {
            if (i > 0) {
                *p++ = '\n';
            }
            p = put_lower(p, s->hdrs[i].name, s->hdrs[i].name_len);
            *p++ = ':';
        }
        p = put_header_value(p, s->hdrs[i].value, s->hdrs[i].value_len);
    }
    *p++ = '\n';
    *p++ = '\n';
    p = put(p, j->out->signed_headers.ptr, j->sh_len);
    *p++ = '\n';
    p = put(p, j->payload, j->payload_len);
    *p = '\0';
    s->creq.len = (size_t)(p - s->creq.ptr);
    return APPMESH_OK;
}

/* String to sign from the canonical request's hash, then its HMAC under the signing key. */
static enum appmesh_status
write_signature(struct appmesh_sigv4_signer *s, const struct job *j, struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_OK;
    unsigned char digest[32];
    char *p = NULL;

    am_buf_reset(&s->sts);
    st = am_buf_reserve(&s->sts, LIT_LEN(ALGORITHM) + 16 + s->scope.len + 64 + 3, err);
    if (st != APPMESH_OK) {
        return st;
    }
    st = am_sha256_ctx_digest(s->hash, s->creq.ptr, s->creq.len, digest, err);
    if (st != APPMESH_OK) {
        return st;
    }
    p = s->sts.ptr;
    p = put(p, ALGORITHM "\n", LIT_LEN(ALGORITHM) + 1);
    p = put(p, j->out->amz_date, 16);
    *p++ = '\n';
    p = put(p, s->scope.ptr, s->scope.len);
    *p++ = '\n';
    am_hex_encode(digest, 32, p);
    p += 64;
    s->sts.len = (size_t)(p - s->sts.ptr);
    st = am_sha256_ctx_hmac_keyed(s->hash, s->sts.ptr, s->sts.len, digest, err);
    if (st != APPMESH_OK) {
        return st;
    }
    am_hex_encode(digest, 32, j->out->signature);
    return APPMESH_OK;
}

/* "AWS4-HMAC-SHA256 Credential=<akid>/<scope>, SignedHeaders=<...>, Signature=<hex>" */
static enum appmesh_status write_authorization(const struct appmesh_sigv4_signer *s,
                                               const struct job *j,
                                               struct appmesh_error *err)
{
    struct appmesh_sigv4_result *out = j->out;
    size_t n = LIT_LEN(ALGORITHM " Credential=") + j->akid_len + 1 + s->scope.len +
               LIT_LEN(", SignedHeaders=") + j->sh_len + LIT_LEN(", Signature=") + 64;
    enum appmesh_status st = am_buf_reserve(&out->authorization, n, err);
    char *p = NULL;

    if (st != APPMESH_OK) {
        return st;
    }
    p = out->authorization.ptr;
    p = put(p, ALGORITHM " Credential=", LIT_LEN(ALGORITHM " Credential="));
    p = put(p, j->creds->access_key_id, j->akid_len);
    *p++ = '/';
    p = put(p, s->scope.ptr, s->scope.len);
    p = put(p, ", SignedHeaders=", LIT_LEN(", SignedHeaders="));
    p = put(p, out->signed_headers.ptr, j->sh_len);
    p = put(p, ", Signature=", LIT_LEN(", Signature="));
    p = put(p, out->signature, 64);
    *p = '\0';
    out->authorization.len = (size_t)(p - out->authorization.ptr);
    return APPMESH_OK;
}

/* The caller's query as it was, then the authentication parameters in the order the AWS SDKs
 * write them; the token goes on the URL even when it is left out of the signature. */
static enum appmesh_status write_presigned_query(const struct appmesh_sigv4_signer *s,
                                                 const struct job *j,
                                                 struct appmesh_error *err)
{
    struct appmesh_sigv4_result *out = j->out;
    uint64_t expires = j->params->expires == 0 ? DEFAULT_EXPIRES : (uint64_t)j->params->expires;
    enum appmesh_status st = APPMESH_OK;
    size_t n = 0;
    char *p = NULL;

    if (!(add_size(&n, j->query_len) && add_size(&n, 192) && mul_add_size(&n, j->akid_len, 3) &&
          mul_add_size(&n, s->scope.len, 3) && mul_add_size(&n, j->sh_len, 3) &&
          mul_add_size(&n, j->token_len, 3))) {
        return too_large(err);
    }
    st = am_buf_reserve(&out->query, n, err);
    if (st != APPMESH_OK) {
        return st;
    }
    p = put(out->query.ptr, j->query, j->query_len);
    if (j->query_len > 0) {
        *p++ = '&';
    }
    p = put(p, "X-Amz-Algorithm=" ALGORITHM "&X-Amz-Credential=",
            LIT_LEN("X-Amz-Algorithm=" ALGORITHM "&X-Amz-Credential="));
    p = am_uri_encode(p, j->creds->access_key_id, j->akid_len, false);
    p = put(p, "%2F", 3);
    p = am_uri_encode(p, s->scope.ptr, s->scope.len, false);
    p = put(p, "&X-Amz-Date=", LIT_LEN("&X-Amz-Date="));
    p = put(p, out->amz_date, 16);
    p = put(p, "&X-Amz-SignedHeaders=", LIT_LEN("&X-Amz-SignedHeaders="));
    p = am_uri_encode(p, out->signed_headers.ptr, j->sh_len, false);
    p = put(p, "&X-Amz-Expires=", LIT_LEN("&X-Amz-Expires="));
    p = put_u64(p, expires);
    if (j->token != NULL) {
        p = put(p, "&X-Amz-Security-Token=", LIT_LEN("&X-Amz-Security-Token="));
        p = am_uri_encode(p, j->token, j->token_len, false);
    }
    p = put(p, "&X-Amz-Signature=", LIT_LEN("&X-Amz-Signature="));
    p = put(p, out->signature, 64);
    *p = '\0';
    out->query.len = (size_t)(p - out->query.ptr);
    return APPMESH_OK;
}

/* Everything about one signature; both public entry points run through here. */
static enum appmesh_status sign(struct appmesh_sigv4_signer *s,
                                const struct appmesh_sigv4_request *req,
                                const struct appmesh_credentials *creds,
                                const struct appmesh_sigv4_params *params,
                                struct appmesh_sigv4_result *out,
                                bool presign,
                                struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_ERR_INTERNAL;
    struct job j;
    unsigned char digest[32];
    size_t bound = 0;

    memset(&j, 0, sizeof(j));
    j.req = req;
    j.creds = creds;
    j.params = params;
    j.out = out;
    j.presign = presign;
    j.query = req->query != NULL ? req->query : "";
    j.query_len = strlen(j.query);
    j.path_len = strlen(req->path);
    j.method_len = strlen(req->method);
    j.akid_len = strlen(creds->access_key_id);
    if (!empty(creds->session_token)) {
        j.token = creds->session_token;
        j.token_len = strlen(j.token);
    }

    out->signature[0] = '\0';
    adopt(&out->authorization, s->alloc);
    adopt(&out->query, s->alloc);
    adopt(&out->signed_headers, s->alloc);
    adopt(&out->canonical_request, s->alloc);
    adopt(&out->string_to_sign, s->alloc);
    am_buf_reset(&out->authorization);
    am_buf_reset(&out->query);

    st = collect_headers(s, &j, err);
    if (st != APPMESH_OK) {
        goto cleanup;
    }
    if (!j.has_date) {
        format_amz_date(params->time, out->amz_date);
    }
    st = signing_key(s, out->amz_date, params->region, strlen(params->region), params->service,
                     strlen(params->service), creds->secret_access_key,
                     strlen(creds->secret_access_key), err);
    if (st != APPMESH_OK) {
        goto cleanup;
    }
    st = am_sha256_ctx_digest(s->hash, req->body != NULL ? req->body : "", req->body_len, digest,
                              err);
    if (st != APPMESH_OK) {
        goto cleanup;
    }
    am_hex_encode(digest, 32, out->content_sha256);
    if (j.payload == NULL) {
        j.payload = out->content_sha256;
        j.payload_len = 64;
    }
    st = sign_headers_list(s, &j, &bound, err);
    if (st == APPMESH_OK) {
        st = collect_query(s, &j, err);
    }
    if (st == APPMESH_OK) {
        st = write_canonical_request(s, &j, bound, err);
    }
    if (st == APPMESH_OK) {
        st = write_signature(s, &j, err);
    }
    if (st == APPMESH_OK) {
        st = presign ? write_presigned_query(s, &j, err) : write_authorization(s, &j, err);
    }
    if (st != APPMESH_OK) {
        goto cleanup;
    }
    if (out->keep_intermediate) {
        st = copy_into(&out->canonical_request, &s->creq, err);
        if (st == APPMESH_OK) {
            st = copy_into(&out->string_to_sign, &s->sts, err);
        }
    } else {
        am_buf_reset(&out->canonical_request);
        am_buf_reset(&out->string_to_sign);
    }

cleanup:
    if (j.token != NULL) {
        wipe_buf(&s->creq); /* it holds the session token's header line */
    }
    if (st != APPMESH_OK) {
        out->signature[0] = '\0';
        am_buf_reset(&out->authorization);
        am_buf_reset(&out->query);
    }
    return st;
}

enum appmesh_status appmesh_sigv4_sign_headers(struct appmesh_sigv4_signer *signer,
                                               const struct appmesh_sigv4_request *req,
                                               const struct appmesh_credentials *creds,
                                               const struct appmesh_sigv4_params *params,
                                               struct appmesh_sigv4_result *out,
                                               struct appmesh_error *err)
{
    enum appmesh_status st = check_args(signer, req, creds, params, out, false, err);
    if (st != APPMESH_OK) {
        return st;
    }
    return sign(signer, req, creds, params, out, false, err);
}

enum appmesh_status appmesh_sigv4_sign_query(struct appmesh_sigv4_signer *signer,
                                             const struct appmesh_sigv4_request *req,
                                             const struct appmesh_credentials *creds,
                                             const struct appmesh_sigv4_params *params,
                                             struct appmesh_sigv4_result *out,
                                             struct appmesh_error *err)
{
    enum appmesh_status st = check_args(signer, req, creds, params, out, true, err);
    if (st != APPMESH_OK) {
        return st;
    }
    return sign(signer, req, creds, params, out, true, err);
}

void appmesh_sigv4_result_cleanup(struct appmesh_sigv4_result *out)
{
    if (out == NULL) {
        return;
    }
    am_zeroize(out->signature, sizeof(out->signature));
    appmesh_buf_cleanup(&out->authorization);
    appmesh_buf_cleanup(&out->query);
    appmesh_buf_cleanup(&out->signed_headers);
    appmesh_buf_cleanup(&out->canonical_request);
    appmesh_buf_cleanup(&out->string_to_sign);
}
