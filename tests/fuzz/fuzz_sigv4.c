/* SPDX-License-Identifier: MIT */
/* Fuzz target: SigV4 canonicalisation and signing of arbitrary requests, headers and presigned. */
#include <stdbool.h>
#include <string.h>

#include "appmesh/appmesh.h"
#include "crypto.h"
#include "fuzz.h"
#include "fuzz_alloc.h"
#include "internal.h"

/*
 * The input: one flags byte, one byte choosing the time and expiry, then a request as the
 * vectors write it ("METHOD /path?query HTTP/1.1", header lines with obs-fold continuations,
 * a blank line, the body). Headers X-Fuzz-Region and X-Fuzz-Service (signed like any other)
 * replace the region and service.
 */
enum {
    F_NO_DOUBLE_ENCODE = 1 << 0,
    F_NO_NORMALIZE = 1 << 1,
    F_SIGN_BODY = 1 << 2,
    F_OMIT_TOKEN = 1 << 3,
    F_TOKEN = 1 << 4,
    F_NO_QUERY = 1 << 5, /* query NULL rather than "" when the target has no '?' */
};

#define MAX_HEADERS 64
#define SECRET      "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define TOKEN       "FuzzToken/with+odd=chars&and%2Fmore"
#define VECTOR_TIME INT64_C(1440938160) /* 2015-08-30T12:36:00Z, as the vectors */

static bool s_input_has_secret;

struct request {
    char *text; /* NUL-terminated copy, cut up in place */
    struct appmesh_sigv4_request req;
    struct appmesh_header headers[MAX_HEADERS];
    const char *region;
    const char *service;
    char region_buf[64];
    char service_buf[64];
};

static bool name_is(const struct appmesh_header *h, const char *name)
{
    size_t n = strlen(name);
    return h->name_len == n && am_strcasecmp_n(h->name, n, name, n) == 0;
}

static void copy_value(char *dst, size_t size, const struct appmesh_header *h)
{
    size_t n = h->value_len < size - 1 ? h->value_len : size - 1;
    memcpy(dst, h->value, n);
    dst[n] = '\0';
}

static void parse_request(char *text, size_t len, struct request *r)
{
    char *end = text + len;
    char *eol = memchr(text, '\n', len);
    char *line_end = eol != NULL ? eol : end;
    char *sp1 = memchr(text, ' ', (size_t)(line_end - text));
    char *sp2 = line_end;
    char *q = NULL;
    char *p = NULL;
    size_t n = 0;

    r->req.method = text;
    r->req.path = "";
    r->region = "us-east-1";
    r->service = "service";
    while (sp2 > text && sp2[-1] != ' ') {
        sp2--;
    }
    if (sp1 != NULL) {
        *sp1 = '\0';
        r->req.path = sp1 + 1;
        if (sp2 > sp1 + 1) {
            sp2[-1] = '\0'; /* the target may contain spaces: it ends at the last one */
        } else {
            *line_end = '\0';
        }
        q = strchr(sp1 + 1, '?');
        if (q != NULL) {
            *q = '\0';
            r->req.query = q + 1;
        }
    } else {
        *line_end = '\0';
    }
    p = eol != NULL ? eol + 1 : end;
    while (p < end) {
        char *le = memchr(p, '\n', (size_t)(end - p));
        char *next = le != NULL ? le + 1 : end;
        char *content_end = le != NULL ? le : end;
        char *colon = NULL;
        if (content_end > p && content_end[-1] == '\r') {
            content_end--;
        }
        if (content_end == p || n == MAX_HEADERS) {
            if (content_end == p) {
                p = next; /* the blank line: the body follows */
            }
            break;
        }
        if ((*p == ' ' || *p == '\t') && n > 0) {
            struct appmesh_header *h = &r->headers[n - 1];
            h->value_len = (size_t)(content_end - h->value);
        } else {
            struct appmesh_header *h = &r->headers[n++];
            colon = memchr(p, ':', (size_t)(content_end - p));
            h->name = p;
            h->name_len = (size_t)((colon != NULL ? colon : content_end) - p);
            h->value = colon != NULL ? colon + 1 : content_end;
            h->value_len = (size_t)(content_end - h->value);
        }
        p = next;
    }
    r->req.headers = r->headers;
    r->req.header_count = n;
    r->req.body = p < end ? p : NULL;
    r->req.body_len = (size_t)(end - p);
    for (n = 0; n < r->req.header_count; n++) {
        if (name_is(&r->headers[n], "X-Fuzz-Region")) {
            copy_value(r->region_buf, sizeof(r->region_buf), &r->headers[n]);
            r->region = r->region_buf;
        } else if (name_is(&r->headers[n], "X-Fuzz-Service")) {
            copy_value(r->service_buf, sizeof(r->service_buf), &r->headers[n]);
            r->service = r->service_buf;
        }
    }
}

static bool contains(const char *h, size_t hn, const char *needle)
{
    size_t nn = strlen(needle);
    size_t i = 0;
    for (i = 0; nn <= hn && i <= hn - nn; i++) {
        if (memcmp(h + i, needle, nn) == 0) {
            return true;
        }
    }
    return false;
}

static void check_no_secret(const struct appmesh_sigv4_result *out, const struct appmesh_error *e)
{
    if (s_input_has_secret) {
        return; /* the request itself carries it: it may rightly be in the canonical request */
    }
    FUZZ_CHECK(!contains(e->message, strlen(e->message), SECRET), "the secret is in a message");
    FUZZ_CHECK(!contains(out->authorization.ptr != NULL ? out->authorization.ptr : "",
                         out->authorization.len, SECRET),
               "the secret is in the Authorization header");
    FUZZ_CHECK(!contains(out->canonical_request.ptr != NULL ? out->canonical_request.ptr : "",
                         out->canonical_request.len, SECRET),
               "the secret is in the canonical request");
    FUZZ_CHECK(!contains(out->query.ptr != NULL ? out->query.ptr : "", out->query.len, SECRET),
               "the secret is in the presigned query");
}

/* The signature recomputed from the string to sign, deriving the key step by step. */
static void
check_signature(const struct appmesh_sigv4_result *out, const char *region, const char *service)
{
    unsigned char k[32];
    unsigned char digest[32];
    char hex[65];
    struct appmesh_error err = {0};
    const char *sts = out->string_to_sign.ptr;
    size_t sts_len = out->string_to_sign.len;
    const char *last_nl = NULL;
    size_t i = 0;

    FUZZ_CHECK(sts != NULL && sts_len > 64, "the string to sign is kept");
    FUZZ_CHECK(am_hmac_sha256("AWS4" SECRET, strlen("AWS4" SECRET), out->amz_date, 8, k, &err) ==
                   APPMESH_OK,
               err.message);
    FUZZ_CHECK(am_hmac_sha256(k, 32, region, strlen(region), k, &err) == APPMESH_OK, err.message);
    FUZZ_CHECK(am_hmac_sha256(k, 32, service, strlen(service), k, &err) == APPMESH_OK, err.message);
    FUZZ_CHECK(am_hmac_sha256(k, 32, "aws4_request", 12, k, &err) == APPMESH_OK, err.message);
    FUZZ_CHECK(am_hmac_sha256(k, 32, sts, sts_len, digest, &err) == APPMESH_OK, err.message);
    am_hex_encode(digest, 32, hex);
    FUZZ_CHECK(strcmp(hex, out->signature) == 0, "the signature is HMAC(key, string to sign)");

    /* The string to sign ends with the hash of the canonical request. */
    FUZZ_CHECK(am_sha256(out->canonical_request.ptr, out->canonical_request.len, digest, &err) ==
                   APPMESH_OK,
               err.message);
    am_hex_encode(digest, 32, hex);
    for (i = 0; i < sts_len; i++) {
        if (sts[i] == '\n') {
            last_nl = sts + i;
        }
    }
    FUZZ_CHECK(last_nl != NULL && strcmp(last_nl + 1, hex) == 0,
               "the string to sign ends with the canonical request's hash");
    FUZZ_CHECK(strncmp(sts, "AWS4-HMAC-SHA256\n", 17) == 0 &&
                   memcmp(sts + 17, out->amz_date, 16) == 0,
               "the string to sign starts with the algorithm and the date");
}

/* SignedHeaders: lower case, sorted, no duplicates, host among them (when names are tokens). */
static void check_signed_headers(const struct appmesh_sigv4_result *out, bool token_names)
{
    const char *s = out->signed_headers.ptr;
    size_t n = out->signed_headers.len;
    size_t i = 0;
    size_t prev = 0;
    size_t prev_len = 0;
    size_t start = 0;
    bool has_host = false;
    bool first = true;

    FUZZ_CHECK(s != NULL && n > 0, "SignedHeaders is not empty");
    for (i = 0; i < n; i++) {
        FUZZ_CHECK(!(s[i] >= 'A' && s[i] <= 'Z'), "SignedHeaders is lower case");
    }
    if (!token_names) {
        return;
    }
    for (i = 0; i <= n; i++) {
        if (i == n || s[i] == ';') {
            size_t len = i - start;
            int c = 0;
            FUZZ_CHECK(len > 0, "no empty name in SignedHeaders");
            if (!first) {
                c = memcmp(s + prev, s + start, prev_len < len ? prev_len : len);
                FUZZ_CHECK(c < 0 || (c == 0 && prev_len < len),
                           "SignedHeaders is sorted without duplicates");
            }
            has_host |= len == 4 && memcmp(s + start, "host", 4) == 0;
            prev = start;
            prev_len = len;
            start = i + 1;
            first = false;
        }
    }
    FUZZ_CHECK(has_host, "host is signed");
}

static bool names_are_tokens(const struct request *r)
{
    size_t i = 0;
    size_t k = 0;
    for (i = 0; i < r->req.header_count; i++) {
        const struct appmesh_header *h = &r->headers[i];
        for (k = 0; k < h->name_len; k++) {
            unsigned char c = (unsigned char)h->name[k];
            if (c <= ' ' || c >= 0x7f || strchr("();,:=\"/[]?{}\\@<>", c) != NULL) {
                return false;
            }
        }
    }
    return true;
}

static bool same_result(const struct appmesh_sigv4_result *a, const struct appmesh_sigv4_result *b)
{
    return strcmp(a->signature, b->signature) == 0 && strcmp(a->amz_date, b->amz_date) == 0 &&
           a->authorization.len == b->authorization.len &&
           (a->authorization.len == 0 ||
            memcmp(a->authorization.ptr, b->authorization.ptr, a->authorization.len) == 0) &&
           a->query.len == b->query.len &&
           (a->query.len == 0 || memcmp(a->query.ptr, b->query.ptr, a->query.len) == 0);
}

static void sign_all_ways(const struct request *r,
                          const struct appmesh_credentials *creds,
                          const struct appmesh_sigv4_params *params,
                          bool presign,
                          unsigned long seed)
{
    struct appmesh_sigv4_signer *signer = NULL;
    struct appmesh_sigv4_signer *fresh = NULL;
    struct appmesh_sigv4_result first = {0};
    struct appmesh_sigv4_result again = {0};
    struct appmesh_sigv4_result other = {0};
    struct appmesh_error err = {0};
    struct appmesh_error err2 = {0};
    struct appmesh_error err3 = {0};
    enum appmesh_status st = APPMESH_OK;
    enum appmesh_status st2 = APPMESH_OK;
    enum appmesh_status st3 = APPMESH_OK;
    struct fuzz_alloc fa;
    struct appmesh_allocator a = fuzz_alloc_init(&fa, 0);
    long allocations = 0;
    long base = 0;

    FUZZ_CHECK(appmesh_sigv4_signer_new(&a, &signer, &err) == APPMESH_OK, err.message);
    FUZZ_CHECK(appmesh_sigv4_signer_new(NULL, &fresh, &err) == APPMESH_OK, err.message);
    base = fa.count;
    first.keep_intermediate = true;
    st = presign ? appmesh_sigv4_sign_query(signer, &r->req, creds, params, &first, &err)
                 : appmesh_sigv4_sign_headers(signer, &r->req, creds, params, &first, &err);
    allocations = fa.count - base;
    /* The same signer again (its key cached), then a new one (the key derived afresh). */
    st2 = presign ? appmesh_sigv4_sign_query(signer, &r->req, creds, params, &again, &err2)
                  : appmesh_sigv4_sign_headers(signer, &r->req, creds, params, &again, &err2);
    st3 = presign ? appmesh_sigv4_sign_query(fresh, &r->req, creds, params, &other, &err3)
                  : appmesh_sigv4_sign_headers(fresh, &r->req, creds, params, &other, &err3);
    FUZZ_CHECK(st == st2 && st == st3, "signing twice gives the same outcome");
    check_no_secret(&first, &err);
    if (st == APPMESH_OK) {
        FUZZ_CHECK(strlen(first.signature) == 64, "a signature is 64 hex digits");
        FUZZ_CHECK(same_result(&first, &again), "signing twice gives the same signature");
        FUZZ_CHECK(same_result(&first, &other), "a fresh signer gives the same signature");
        check_signature(&first, r->region, r->service);
        check_signed_headers(&first, names_are_tokens(r));
        if (presign) {
            FUZZ_CHECK(
                first.query.len > 81 &&
                    memcmp(first.query.ptr + first.query.len - 81, "&X-Amz-Signature=", 17) == 0 &&
                    memcmp(first.query.ptr + first.query.len - 64, first.signature, 64) == 0,
                "the presigned query ends with the signature");
        } else {
            FUZZ_CHECK(first.authorization.len > 64 &&
                           strcmp(first.authorization.ptr + first.authorization.len - 64,
                                  first.signature) == 0 &&
                           strncmp(first.authorization.ptr, "AWS4-HMAC-SHA256 Credential=", 28) ==
                               0,
                       "Authorization carries the signature");
        }
    } else {
        /* A region or key id that would split a header line is a VALIDATION error naming it. */
        FUZZ_CHECK(st == APPMESH_ERR_INVALID_ARGUMENT ||
                       (st == APPMESH_ERR_VALIDATION &&
                        (strcmp(err.field, "region") == 0 ||
                         strcmp(err.field, "credentials.accessKeyId") == 0)),
                   "a bad request is INVALID_ARGUMENT, a bad region or key id VALIDATION");
        FUZZ_CHECK(err.message[0] != '\0', "a failure says why");
        FUZZ_CHECK(strcmp(err.message, err2.message) == 0 && strcmp(err.message, err3.message) == 0,
                   "a failure says the same each time");
        FUZZ_CHECK(first.signature[0] == '\0' && first.authorization.len == 0 &&
                       first.query.len == 0,
                   "a failure leaves no signature");
    }
    appmesh_sigv4_result_cleanup(&first);
    appmesh_sigv4_result_cleanup(&again);
    appmesh_sigv4_result_cleanup(&other);
    appmesh_sigv4_signer_destroy(signer);
    appmesh_sigv4_signer_destroy(fresh);
    FUZZ_CHECK(fa.live == 0, "the signer frees what it allocates");

    /* Run out of memory at one of the allocations the first signature made. */
    if (allocations > 0) {
        struct appmesh_error oom = {0};
        a = fuzz_alloc_init(&fa, base + 1 + (long)(seed % (unsigned long)allocations));
        FUZZ_CHECK(appmesh_sigv4_signer_new(&a, &signer, &oom) == APPMESH_OK, oom.message);
        st = presign ? appmesh_sigv4_sign_query(signer, &r->req, creds, params, &first, &oom)
                     : appmesh_sigv4_sign_headers(signer, &r->req, creds, params, &first, &oom);
        FUZZ_CHECK(st == APPMESH_ERR_NOMEM, "out of memory is NOMEM");
        appmesh_sigv4_result_cleanup(&first);
        appmesh_sigv4_signer_destroy(signer);
        FUZZ_CHECK(fa.live == 0, "out of memory leaks nothing");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int64_t times[] = {
        VECTOR_TIME, 0, INT64_C(253402300799), INT64_C(253402300800), -1, INT64_C(951782400),
    };
    static const int64_t expiries[] = {0, 1, 604800, 604801, -1, 3600, 86400};
    struct request r;
    struct appmesh_sigv4_params params;
    struct appmesh_credentials creds = {"AKIDEXAMPLE", SECRET, NULL};
    unsigned flags = 0;
    unsigned which = 0;

    if (size < 2) {
        return 0;
    }
    flags = data[0];
    which = data[1];
    memset(&r, 0, sizeof(r));
    r.text = malloc(size - 2 + 1);
    if (r.text == NULL) {
        return 0;
    }
    memcpy(r.text, data + 2, size - 2);
    r.text[size - 2] = '\0';
    s_input_has_secret = contains((const char *)data, size, SECRET);
    parse_request(r.text, size - 2, &r);
    if (r.req.query == NULL && !(flags & F_NO_QUERY)) {
        r.req.query = "";
    }

    memset(&params, 0, sizeof(params));
    params.region = r.region;
    params.service = r.service;
    params.time = times[which % (sizeof(times) / sizeof(times[0]))];
    params.expires = expiries[(which / 8) % (sizeof(expiries) / sizeof(expiries[0]))];
    params.no_double_encode = (flags & F_NO_DOUBLE_ENCODE) != 0;
    params.no_normalize_path = (flags & F_NO_NORMALIZE) != 0;
    params.sign_body = (flags & F_SIGN_BODY) != 0;
    params.omit_session_token = (flags & F_OMIT_TOKEN) != 0;
    if (flags & F_TOKEN) {
        creds.session_token = TOKEN;
    }

    sign_all_ways(&r, &creds, &params, false, fuzz_hash(data, size));
    sign_all_ways(&r, &creds, &params, true, fuzz_hash(data, size));
    free(r.text);
    return 0;
}
