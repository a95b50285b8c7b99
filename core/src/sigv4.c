/* SPDX-License-Identifier: MIT */
/* AWS Signature Version 4: canonical request, string to sign and signature, with a key cache. */
#include <string.h>

#include "internal.h"

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

struct appmesh_sigv4_signer {
    const struct appmesh_allocator *alloc;
    struct am_sha256_ctx *hash;

    /* The signing-key cache: one entry, replaced (and wiped) when the scope or secret changes. */
    bool key_valid;
    char key_date[8];
    unsigned char key[32];
    struct appmesh_buf key_secret; /* "AWS4" + secret access key */
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
    return (unsigned char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
}

/* RFC 3986 unreserved characters: A-Z a-z 0-9 - . _ ~ are the only bytes left unencoded. */
static bool is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
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

static char *put_pct(char *p, unsigned char c)
{
    static const char digits[] = "0123456789ABCDEF";
    p[0] = '%';
    p[1] = digits[c >> 4];
    p[2] = digits[c & 0x0f];
    return p + 3;
}

/* Percent-encode every byte but the unreserved ones (and '/' when keep_slash). */
static char *put_encoded(char *p, const char *s, size_t n, bool keep_slash)
{
    size_t i = 0;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_unreserved(c) || (keep_slash && c == '/')) {
            *p++ = (char)c;
        } else {
            p = put_pct(p, c);
        }
    }
    return p;
}

/* Decode %XX escapes (a '%' not followed by two hex digits stays a literal '%'), then encode:
 * "%E1%88%B4" and the raw UTF-8 bytes both come out as "%E1%88%B4". */
static char *put_reencoded(char *p, const char *s, size_t n)
{
    size_t i = 0;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%' && i + 2 < n) {
            int hi = hex_value((unsigned char)s[i + 1]);
            int lo = hex_value((unsigned char)s[i + 2]);
            if (hi >= 0 && lo >= 0) {
                c = (unsigned char)(hi << 4 | lo);
                i += 2;
            }
        }
        if (is_unreserved(c)) {
            *p++ = (char)c;
        } else {
            p = put_pct(p, c);
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
 * (including obs-fold continuation lines) folded into one space. */
static char *put_header_value(char *p, const char *s, size_t n)
{
    size_t i = 0;
    bool pending = false;
    bool started = false;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_header_space(c)) {
            pending = started;
            continue;
        }
        if (pending) {
            *p++ = ' ';
            pending = false;
        }
        *p++ = (char)c;
        started = true;
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
 * the caller asked for single encoding. */
static char *put_path(char *p, const char *path, size_t len, bool normalize, bool encode)
{
    char *start = p;
    size_t i = 0;
    size_t nseg = 0;

    if (len == 0) {
        *p++ = '/';
        return p;
    }
    if (!normalize) {
        return encode ? put_encoded(p, path, len, true) : put(p, path, len);
    }
    *p++ = '/';
    while (i < len) {
        size_t j = i;
        size_t seglen = 0;
        while (j < len && path[j] != '/') {
            j++;
        }
        seglen = j - i;
        if (seglen == 0 || (seglen == 1 && path[i] == '.')) {
            /* empty or "." segment: nothing to write */
        } else if (seglen == 2 && path[i] == '.' && path[i + 1] == '.') {
            if (nseg > 0) {
                /* Drop the last segment: back to the '/' before it (never past the first). */
                while (p > start + 1 && p[-1] != '/') {
                    p--;
                }
                if (p > start + 1) {
                    p--;
                }
                nseg--;
            }
        } else {
            if (nseg > 0) {
                *p++ = '/';
            }
            p = encode ? put_encoded(p, path + i, seglen, false) : put(p, path + i, seglen);
            nseg++;
        }
        i = j + 1;
    }
    if (nseg > 0 && path[len - 1] == '/') {
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
    am_buf_init(&s->key_secret, alloc, 0);
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
    am_zeroize(s->key, sizeof(s->key));
    appmesh_buf_cleanup(&s->key_secret); /* buffers are wiped before they are freed */
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
        bool same = memcmp(s->key_date, date8, 8) == 0;
        same &= am_ct_equal(s->key_region.ptr, s->key_region.len, region, region_len);
        same &= am_ct_equal(s->key_service.ptr, s->key_service.len, service, service_len);
        same &= am_ct_equal(s->key_secret.ptr + 4, s->key_secret.len - 4, secret, secret_len);
        if (same) {
            return APPMESH_OK;
        }
    }

    /* Replace the entry: wipe the old key and secret first, so a failure leaves none. */
    s->key_valid = false;
    am_zeroize(s->key, sizeof(s->key));
    wipe_buf(&s->key_secret);
    wipe_buf(&s->key_region);
    wipe_buf(&s->key_service);
    am_buf_reset(&s->scope);

    st = am_buf_append(&s->key_secret, "AWS4", 4, err);
    if (st == APPMESH_OK) {
        st = am_buf_append(&s->key_secret, secret, secret_len, err);
    }
    if (st == APPMESH_OK) {
        st = am_buf_append(&s->key_region, region, region_len, err);
    }
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

    st = am_sha256_ctx_hmac(s->hash, s->key_secret.ptr, s->key_secret.len, date8, 8, k1, err);
    if (st == APPMESH_OK) {
        st = am_sha256_ctx_hmac(s->hash, k1, sizeof(k1), region, region_len, k2, err);
    }
    if (st == APPMESH_OK) {
        st = am_sha256_ctx_hmac(s->hash, k2, sizeof(k2), service, service_len, k1, err);
    }
    if (st == APPMESH_OK) {
        st = am_sha256_ctx_hmac(s->hash, k1, sizeof(k1), TERMINATOR, LIT_LEN(TERMINATOR), s->key,
                                err);
    }
    if (st != APPMESH_OK) {
        goto cleanup;
    }
    memcpy(s->key_date, date8, 8);
    s->key_valid = true;
    s->derivations++;

cleanup:
    if (st != APPMESH_OK) {
        am_zeroize(s->key, sizeof(s->key));
        wipe_buf(&s->key_secret);
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
    if (empty(creds->secret_access_key)) {
        return fail_arg(err, "the credentials have no secret access key");
    }
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
    const char *query = req->query != NULL ? req->query : "";
    size_t query_len = strlen(query);
    size_t path_len = strlen(req->path);
    size_t method_len = strlen(req->method);
    size_t region_len = strlen(params->region);
    size_t service_len = strlen(params->service);
    size_t akid_len = strlen(creds->access_key_id);
    size_t secret_len = strlen(creds->secret_access_key);
    const char *token = creds->session_token;
    size_t token_len = token != NULL ? strlen(token) : 0;
    const char *payload = NULL; /* x-amz-content-sha256 given by the caller */
    size_t payload_len = 0;
    bool has_host = false;
    bool has_date = false;
    bool has_token = false;
    size_t nh = 0;
    size_t np = 0;
    size_t i = 0;
    size_t bound = 0;
    size_t sh_len = 0;
    uint64_t expires = 0;
    unsigned char digest[32];
    char creq_hash[65];
    char *p = NULL;

    out->signature[0] = '\0';
    adopt(&out->authorization, s->alloc);
    adopt(&out->query, s->alloc);
    adopt(&out->signed_headers, s->alloc);
    adopt(&out->canonical_request, s->alloc);
    adopt(&out->string_to_sign, s->alloc);
    am_buf_reset(&out->authorization);
    am_buf_reset(&out->query);

    /* 1. Headers to sign: the caller's (minus the never-signed ones), plus up to 3 we add. */
    if (req->header_count > SIZE_MAX - 3) {
        st = am_fail(err, APPMESH_ERR_NOMEM, "sigv4: request too large to sign");
        goto cleanup;
    }
    st = reserve_pairs(s->alloc, &s->hdrs, &s->hdrs_cap, req->header_count + 3, err);
    if (st != APPMESH_OK) {
        goto cleanup;
    }
    for (i = 0; i < req->header_count; i++) {
        const struct appmesh_header *h = &req->headers[i];
        enum header_kind kind = HDR_OTHER;
        if (h->name == NULL || h->name_len == 0 || (h->value == NULL && h->value_len > 0)) {
            st = am_fail(err, APPMESH_ERR_INVALID_ARGUMENT, "sigv4: header %zu has no name", i);
            goto cleanup;
        }
        kind = classify_header(h->name, h->name_len);
        if (kind == HDR_UNSIGNED) {
            continue;
        }
        if (kind == HDR_HOST) {
            has_host = true;
        } else if (kind == HDR_DATE && !presign && !has_date) {
            const char *v = h->value;
            size_t vlen = h->value_len;
            trim(&v, &vlen);
            if (!is_amz_date(v, vlen)) {
                st = am_fail(err, APPMESH_ERR_INVALID_ARGUMENT,
                             "sigv4: the X-Amz-Date header (%zu bytes) is not of the form "
                             "YYYYMMDDTHHMMSSZ",
                             vlen);
                goto cleanup;
            }
            memcpy(out->amz_date, v, 16);
            out->amz_date[16] = '\0';
            has_date = true;
        } else if (kind == HDR_TOKEN) {
            if (params->omit_session_token) {
                continue;
            }
            has_token = true;
        } else if (kind == HDR_CONTENT_SHA256 && payload == NULL) {
            payload = h->value;
            payload_len = h->value_len;
            trim(&payload, &payload_len);
        }
        s->hdrs[nh].name = h->name;
        s->hdrs[nh].name_len = h->name_len;
        s->hdrs[nh].value = h->value != NULL ? h->value : "";
        s->hdrs[nh].value_len = h->value_len;
        nh++;
    }
    if (!has_host) {
        st = fail_arg(err, "the request has no Host header");
        goto cleanup;
    }

    /* 2. Date, key, payload hash. */
    if (!has_date) {
        format_amz_date(params->time, out->amz_date);
    }
    st = signing_key(s, out->amz_date, params->region, region_len, params->service, service_len,
                     creds->secret_access_key, secret_len, err);
    if (st != APPMESH_OK) {
        goto cleanup;
    }
    st = am_sha256_ctx_digest(s->hash, req->body != NULL ? req->body : "", req->body_len, digest,
                              err);
    if (st != APPMESH_OK) {
        goto cleanup;
    }
    am_hex_encode(digest, 32, out->content_sha256);
    if (payload == NULL) {
        payload = out->content_sha256;
        payload_len = 64;
    }

    /* 3. Headers the signer adds, then the sorted list and SignedHeaders. */
    if (!presign) {
        if (!has_date) {
            s->hdrs[nh++] = (struct pair){"x-amz-date", 10, out->amz_date, 16};
        }
        if (token_len > 0 && !has_token && !params->omit_session_token) {
            s->hdrs[nh++] = (struct pair){"x-amz-security-token", 20, token, token_len};
        }
        if (params->sign_body && payload == out->content_sha256) {
            s->hdrs[nh++] = (struct pair){"x-amz-content-sha256", 20, out->content_sha256, 64};
        }
    }
    sort_pairs(s->hdrs, s->hdrs + s->hdrs_cap, nh, cmp_header_names);

    for (i = 0; i < nh; i++) {
        /* Values never grow when canonicalised; each header adds ':' or ',' and '\n'. */
        if (!add_size(&bound, s->hdrs[i].name_len) || !add_size(&bound, s->hdrs[i].value_len) ||
            !add_size(&bound, 2)) {
            st = am_fail(err, APPMESH_ERR_NOMEM, "sigv4: request too large to sign");
            goto cleanup;
        }
    }
    am_buf_reset(&out->signed_headers);
    st = am_buf_reserve(&out->signed_headers, bound, err);
    if (st != APPMESH_OK) {
        goto cleanup;
    }
    p = out->signed_headers.ptr;
    for (i = 0; i < nh; i++) {
        if (i > 0 && cmp_header_names(&s->hdrs[i - 1], &s->hdrs[i]) == 0) {
            continue;
        }
        if (i > 0) {
            *p++ = ';';
        }
        p = put_lower(p, s->hdrs[i].name, s->hdrs[i].name_len);
    }
    *p = '\0';
    sh_len = (size_t)(p - out->signed_headers.ptr);
    out->signed_headers.len = sh_len;

    /* 4. Query parameters, encoded into qbuf: the caller's, plus the presigning ones. */
    np = 0;
    {
        size_t pieces = 1;
        size_t qbound = 0;
        const char *q = query;
        const char *qend = query + query_len;
        while ((q = memchr(q, '&', (size_t)(qend - q))) != NULL) {
            pieces++;
            q++;
        }
        if (query_len == 0) {
            pieces = 0;
        }
        st = reserve_pairs(s->alloc, &s->params, &s->params_cap, pieces + 6, err);
        if (st != APPMESH_OK) {
            goto cleanup;
        }
        if (!mul_add_size(&qbound, query_len, 3)) {
            st = am_fail(err, APPMESH_ERR_NOMEM, "sigv4: request too large to sign");
            goto cleanup;
        }
        if (presign) {
            bool ok = add_size(&qbound, 128) && mul_add_size(&qbound, akid_len, 3) &&
                      mul_add_size(&qbound, s->scope.len, 3) && mul_add_size(&qbound, sh_len, 3) &&
                      mul_add_size(&qbound, token_len, 3);
            if (!ok) {
                st = am_fail(err, APPMESH_ERR_NOMEM, "sigv4: request too large to sign");
                goto cleanup;
            }
        }
        am_buf_reset(&s->qbuf);
        st = am_buf_reserve(&s->qbuf, qbound, err);
        if (st != APPMESH_OK) {
            goto cleanup;
        }
        p = s->qbuf.ptr;
        q = query;
        while (q < qend) {
            const char *amp = memchr(q, '&', (size_t)(qend - q));
            const char *pend = amp != NULL ? amp : qend;
            const char *eq = memchr(q, '=', (size_t)(pend - q));
            const char *kend = eq != NULL ? eq : pend;
            if (pend > q) {
                struct pair *pp = &s->params[np++];
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
        if (presign) {
            struct pair *pp = NULL;
            expires = params->expires == 0 ? DEFAULT_EXPIRES : (uint64_t)params->expires;
            s->params[np++] = (struct pair){"X-Amz-Algorithm", 15, ALGORITHM, LIT_LEN(ALGORITHM)};
            pp = &s->params[np++];
            pp->name = "X-Amz-Credential";
            pp->name_len = 16;
            pp->value = p;
            p = put_encoded(p, creds->access_key_id, akid_len, false);
            p = put(p, "%2F", 3);
            p = put_encoded(p, s->scope.ptr, s->scope.len, false);
            pp->value_len = (size_t)(p - pp->value);
            s->params[np++] = (struct pair){"X-Amz-Date", 10, out->amz_date, 16};
            pp = &s->params[np++];
            pp->name = "X-Amz-Expires";
            pp->name_len = 13;
            pp->value = p;
            p = put_u64(p, expires);
            pp->value_len = (size_t)(p - pp->value);
            if (token_len > 0 && !params->omit_session_token) {
                pp = &s->params[np++];
                pp->name = "X-Amz-Security-Token";
                pp->name_len = 20;
                pp->value = p;
                p = put_encoded(p, token, token_len, false);
                pp->value_len = (size_t)(p - pp->value);
            }
            pp = &s->params[np++];
            pp->name = "X-Amz-SignedHeaders";
            pp->name_len = 19;
            pp->value = p;
            p = put_encoded(p, out->signed_headers.ptr, sh_len, false);
            pp->value_len = (size_t)(p - pp->value);
        }
        s->qbuf.len = (size_t)(p - s->qbuf.ptr);
        s->qbuf.ptr[s->qbuf.len] = '\0';
        sort_pairs(s->params, s->params + s->params_cap, np, cmp_params);
    }

    /* 5. The canonical request, written straight into the kept buffer. */
    {
        bool ok = add_size(&bound, method_len) && mul_add_size(&bound, path_len, 3) &&
                  add_size(&bound, sh_len) && add_size(&bound, payload_len) && add_size(&bound, 16);
        for (i = 0; i < np && ok; i++) {
            ok = add_size(&bound, s->params[i].name_len) &&
                 add_size(&bound, s->params[i].value_len) && add_size(&bound, 2);
        }
        if (!ok) {
            st = am_fail(err, APPMESH_ERR_NOMEM, "sigv4: request too large to sign");
            goto cleanup;
        }
    }
    am_buf_reset(&s->creq);
    st = am_buf_reserve(&s->creq, bound, err);
    if (st != APPMESH_OK) {
        goto cleanup;
    }
    p = s->creq.ptr;
    p = put(p, req->method, method_len);
    *p++ = '\n';
    p = put_path(p, req->path, path_len, !params->no_normalize_path, !params->no_double_encode);
    *p++ = '\n';
    for (i = 0; i < np; i++) {
        if (i > 0) {
            *p++ = '&';
        }
        p = put(p, s->params[i].name, s->params[i].name_len);
        *p++ = '=';
        p = put(p, s->params[i].value, s->params[i].value_len);
    }
    *p++ = '\n';
    for (i = 0; i < nh; i++) {
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
    p = put(p, out->signed_headers.ptr, sh_len);
    *p++ = '\n';
    p = put(p, payload, payload_len);
    *p = '\0';
    s->creq.len = (size_t)(p - s->creq.ptr);

    /* 6. String to sign and signature. */
    st = am_sha256_ctx_digest(s->hash, s->creq.ptr, s->creq.len, digest, err);
    if (st != APPMESH_OK) {
        goto cleanup;
    }
    am_hex_encode(digest, 32, creq_hash);
    am_buf_reset(&s->sts);
    st = am_buf_reserve(&s->sts, LIT_LEN(ALGORITHM) + 16 + s->scope.len + 64 + 3, err);
    if (st != APPMESH_OK) {
        goto cleanup;
    }
    p = s->sts.ptr;
    p = put(p, ALGORITHM "\n", LIT_LEN(ALGORITHM) + 1);
    p = put(p, out->amz_date, 16);
    *p++ = '\n';
    p = put(p, s->scope.ptr, s->scope.len);
    *p++ = '\n';
    p = put(p, creq_hash, 64);
    *p = '\0';
    s->sts.len = (size_t)(p - s->sts.ptr);
    st = am_sha256_ctx_hmac(s->hash, s->key, sizeof(s->key), s->sts.ptr, s->sts.len, digest, err);
    if (st != APPMESH_OK) {
        goto cleanup;
    }
    am_hex_encode(digest, 32, out->signature);

    /* 7. What the caller puts on the request. */
    if (!presign) {
        size_t n = LIT_LEN(ALGORITHM " Credential=") + akid_len + 1 + s->scope.len +
                   LIT_LEN(", SignedHeaders=") + sh_len + LIT_LEN(", Signature=") + 64;
        st = am_buf_reserve(&out->authorization, n, err);
        if (st != APPMESH_OK) {
            goto cleanup;
        }
        p = out->authorization.ptr;
        p = put(p, ALGORITHM " Credential=", LIT_LEN(ALGORITHM " Credential="));
        p = put(p, creds->access_key_id, akid_len);
        *p++ = '/';
        p = put(p, s->scope.ptr, s->scope.len);
        p = put(p, ", SignedHeaders=", LIT_LEN(", SignedHeaders="));
        p = put(p, out->signed_headers.ptr, sh_len);
        p = put(p, ", Signature=", LIT_LEN(", Signature="));
        p = put(p, out->signature, 64);
        *p = '\0';
        out->authorization.len = (size_t)(p - out->authorization.ptr);
    } else {
        /* The caller's query as it was, then the authentication parameters in the order the
         * AWS SDKs write them; the token goes on the URL even when it is left out of the
         * signature. */
        size_t n = 0;
        bool ok = add_size(&n, query_len) && add_size(&n, 192) && mul_add_size(&n, akid_len, 3) &&
                  mul_add_size(&n, s->scope.len, 3) && mul_add_size(&n, sh_len, 3) &&
                  mul_add_size(&n, token_len, 3);
        if (!ok) {
            st = am_fail(err, APPMESH_ERR_NOMEM, "sigv4: request too large to sign");
            goto cleanup;
        }
        st = am_buf_reserve(&out->query, n, err);
        if (st != APPMESH_OK) {
            goto cleanup;
        }
        p = put(out->query.ptr, query, query_len);
        if (query_len > 0) {
            *p++ = '&';
        }
        p = put(p, "X-Amz-Algorithm=" ALGORITHM "&X-Amz-Credential=",
                LIT_LEN("X-Amz-Algorithm=" ALGORITHM "&X-Amz-Credential="));
        p = put_encoded(p, creds->access_key_id, akid_len, false);
        p = put(p, "%2F", 3);
        p = put_encoded(p, s->scope.ptr, s->scope.len, false);
        p = put(p, "&X-Amz-Date=", LIT_LEN("&X-Amz-Date="));
        p = put(p, out->amz_date, 16);
        p = put(p, "&X-Amz-SignedHeaders=", LIT_LEN("&X-Amz-SignedHeaders="));
        p = put_encoded(p, out->signed_headers.ptr, sh_len, false);
        p = put(p, "&X-Amz-Expires=", LIT_LEN("&X-Amz-Expires="));
        p = put_u64(p, expires);
        if (token_len > 0) {
            p = put(p, "&X-Amz-Security-Token=", LIT_LEN("&X-Amz-Security-Token="));
            p = put_encoded(p, token, token_len, false);
        }
        p = put(p, "&X-Amz-Signature=", LIT_LEN("&X-Amz-Signature="));
        p = put(p, out->signature, 64);
        *p = '\0';
        out->query.len = (size_t)(p - out->query.ptr);
    }

    if (out->keep_intermediate) {
        st = copy_into(&out->canonical_request, &s->creq, err);
        if (st == APPMESH_OK) {
            st = copy_into(&out->string_to_sign, &s->sts, err);
        }
        if (st != APPMESH_OK) {
            goto cleanup;
        }
    } else {
        am_buf_reset(&out->canonical_request);
        am_buf_reset(&out->string_to_sign);
    }
    st = APPMESH_OK;

cleanup:
    am_zeroize(digest, sizeof(digest));
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
