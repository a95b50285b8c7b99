/* SPDX-License-Identifier: MIT */
/* Fuzz target: the credential readers (STS XML, metadata JSON, credential_process, SSO) and dates.
 */
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "appmesh/appmesh.h"
#include "cred_metadata.h"
#include "cred_process.h"
#include "cred_sso.h"
#include "cred_sts.h"
#include "cred_util.h"
#include "fuzz.h"
#include "fuzz_alloc.h"
#include "internal.h"
#include "secmem.h"
#include "timefmt.h"

/*
 * Two passes over every input:
 *
 * 1. Raw: the bytes are a response body for every reader (STS answers as 200 and as 403, the
 *    container/IMDS JSON, credential_process output, the SSO token cache, GetRoleCredentials)
 *    and a date for both time parsers. No crash, no leak, a failure says why, a success has
 *    both keys; then again with one allocation failing: NOMEM or the same outcome, no leak.
 * 2. Planted: the bytes, split at 0x1F into fields, fill each reader's document template; every
 *    secret field (secret keys, session tokens, the SSO bearer token) starts with PLANT. Other
 *    fields lose the bytes that could forge PLANT or break out of their field (~ < > & " \), so
 *    PLANT in an error message can only have come from a secret.
 */

#define PLANT    "~PLANTED-SECRET~"
#define SEP      '\x1f'
#define MAX_PART 8

static const double s_now = 1700000000.0; /* 2023-11-14T22:13:20Z */
static bool s_planted;                    /* pass 2: PLANT marks secrets only */

static void check_error(const struct appmesh_error *err, enum appmesh_status st)
{
    FUZZ_CHECK(memchr(err->message, '\0', sizeof(err->message)) != NULL, "message terminated");
    FUZZ_CHECK(err->message[0] != '\0', "a failure says why");
    FUZZ_CHECK(err->status == st, "the error carries the status returned");
    FUZZ_CHECK(!s_planted || strstr(err->message, PLANT) == NULL, err->message);
}

static void check_set(const struct am_cred_set *s)
{
    FUZZ_CHECK(s->access_key_id != NULL && s->access_key_id[0] != '\0', "an access key id");
    FUZZ_CHECK(s->secret_access_key != NULL && s->secret_access_key[0] != '\0', "a secret key");
    FUZZ_CHECK(s->session_token == NULL || s->session_token[0] != '\0', "no empty token");
    FUZZ_CHECK(isfinite(s->expires), "a finite expiry");
}

enum reader {
    R_STS_ROLE,
    R_STS_WEB,
    R_STS_ERROR,
    R_METADATA,
    R_PROCESS,
    R_SSO_TOKEN,
    R_SSO_ROLE,
    R_COUNT,
};

/* Run one reader over text with allocator a; *found says whether it produced credentials. */
static enum appmesh_status run_reader(enum reader r,
                                      const struct appmesh_allocator *a,
                                      const char *text,
                                      size_t len,
                                      bool *found,
                                      struct appmesh_error *err)
{
    struct am_cred_ctx ctx;
    struct am_cred_set out = {0};
    struct appmesh_http_response resp;
    enum appmesh_status st = APPMESH_OK;
    char why[200] = "";
    char *token = NULL;

    memset(&ctx, 0, sizeof(ctx));
    ctx.alloc = a;
    ctx.profile = "fuzz";
    ctx.client_profile = "fuzz";
    ctx.now = s_now;
    memset(&resp, 0, sizeof(resp));
    am_buf_init(&resp.headers, a, 0);
    am_buf_init(&resp.body, a, 0);
    resp.status = r == R_STS_ERROR ? 403 : 200;
    *found = false;
    st = am_buf_append(&resp.body, text, len, err);
    if (st != APPMESH_OK) {
        appmesh_http_response_cleanup(&resp);
        return st;
    }
    switch (r) {
        case R_STS_ROLE:
        case R_STS_ERROR:
            st = am_cred_sts_read(&ctx, false, "arn:aws:iam::123456789012:role/fuzz", &resp, &out,
                                  err);
            break;
        case R_STS_WEB:
            st = am_cred_sts_read(&ctx, true, "arn:aws:iam::123456789012:role/fuzz", &resp, &out,
                                  err);
            break;
        case R_METADATA:
            st = am_cred_metadata_parse(&resp.body, &out, why, sizeof(why), err);
            FUZZ_CHECK(memchr(why, '\0', sizeof(why)) != NULL, "why terminated");
            FUZZ_CHECK(!s_planted || strstr(why, PLANT) == NULL, why);
            if (st == APPMESH_OK && why[0] != '\0') {
                FUZZ_CHECK(out.access_key_id == NULL, "nothing in out when why is set");
                /* As the providers do: the reason becomes the error. */
                st = am_fail(err, APPMESH_ERR_CREDENTIALS, "container-role: %s", why);
            }
            break;
        case R_PROCESS:
            st = am_cred_process_parse("fuzz", am_buf_cstr(&resp.body), resp.body.len, &out, err);
            break;
        case R_SSO_TOKEN:
            st = am_cred_sso_token_parse(&ctx, (len & 1) != 0 ? "sess" : NULL, "/cache/x.json",
                                         am_buf_cstr(&resp.body), resp.body.len, &token, err);
            if (st == APPMESH_OK) {
                FUZZ_CHECK(token != NULL && token[0] != '\0', "a token");
                *found = true;
            } else {
                FUZZ_CHECK(token == NULL, "no token on failure");
            }
            am_free_secret_str(a, token);
            break;
        case R_SSO_ROLE:
            st = am_cred_sso_role_parse(&ctx, &resp, &out, err);
            break;
        case R_COUNT:
            break;
    }
    if (r != R_SSO_TOKEN) {
        if (st == APPMESH_OK) {
            check_set(&out);
            *found = true;
        } else {
            FUZZ_CHECK(out.access_key_id == NULL && out.secret_access_key == NULL,
                       "nothing in out on failure");
        }
    }
    if (st != APPMESH_OK) {
        check_error(err, st);
    }
    am_cred_set_clear(&out);
    appmesh_http_response_cleanup(&resp);
    return st;
}

/* The reader as is, then with one of its allocations failing. */
static void exercise(enum reader r, const char *text, size_t len, unsigned long seed)
{
    struct fuzz_alloc fa;
    struct appmesh_allocator a = fuzz_alloc_init(&fa, 0);
    struct appmesh_error err = {0};
    enum appmesh_status st = APPMESH_OK;
    enum appmesh_status st2 = APPMESH_OK;
    long allocations = 0;
    bool found = false;
    bool found2 = false;

    st = run_reader(r, &a, text, len, &found, &err);
    allocations = fa.count;
    FUZZ_CHECK(st == APPMESH_OK || st == APPMESH_ERR_CREDENTIALS, err.message);
    FUZZ_CHECK(r != R_STS_ERROR || st == APPMESH_ERR_CREDENTIALS, "a 403 is never credentials");
    FUZZ_CHECK(fa.live == 0, "the reader frees what it allocates");
    FUZZ_CHECK(am_secmem_live() == 0, "the reader unmaps the secrets it kept");
    if (allocations > 0) {
        struct appmesh_error oom = {0};
        a = fuzz_alloc_init(&fa, 1 + (long)(seed % (unsigned long)allocations));
        st2 = run_reader(r, &a, text, len, &found2, &oom);
        FUZZ_CHECK(st2 == APPMESH_ERR_NOMEM || st2 == st, oom.message);
        FUZZ_CHECK(st2 == APPMESH_ERR_NOMEM || found2 == found, "the same outcome");
        FUZZ_CHECK(fa.live == 0, "out of memory leaks nothing");
        FUZZ_CHECK(am_secmem_live() == 0, "out of memory leaves no secret mapped");
    }
}

static void exercise_dates(const char *text, size_t len)
{
    double t = 0;
    if (am_time_parse_iso8601(text, len, &t)) {
        /* years 0000..9999, offsets within a day */
        FUZZ_CHECK(isfinite(t) && t > -62167219200.0 - 86400.0 && t < 253402300800.0 + 86400.0,
                   "an ISO 8601 time in range");
    }
    t = 0;
    if (am_time_parse_http_date(text, len, &t)) {
        FUZZ_CHECK(len == 29 && isfinite(t) && t > -62167219200.0 && t < 253402300800.0,
                   "an HTTP date in range");
    }
}

/* ---- planted secrets ---- */

struct parts {
    const char *p[MAX_PART];
    size_t n[MAX_PART];
};

static void split_parts(const char *data, size_t size, struct parts *out)
{
    size_t i = 0;
    const char *end = data + size;
    memset(out, 0, sizeof(*out));
    for (i = 0; i < MAX_PART; i++) {
        const char *sep = NULL;
        out->p[i] = data;
        sep = memchr(data, SEP, (size_t)(end - data));
        out->n[i] = (size_t)((sep != NULL ? sep : end) - data);
        data = sep != NULL ? sep + 1 : end;
    }
}

/* Append part i: raw after PLANT for a secret (0x1F and ~ dropped), else without the bytes that
 * could forge PLANT (an entity or escape too) or leave the field. */
static bool append_part(struct appmesh_buf *b, const struct parts *ps, size_t i, bool secret)
{
    size_t k = 0;
    if (secret && am_buf_append_str(b, PLANT, NULL) != APPMESH_OK) {
        return false;
    }
    for (k = 0; k < ps->n[i]; k++) {
        char c = ps->p[i][k];
        if (c == '~' || (!secret && strchr("<>&\"\\", c) != NULL) || c == '\0') {
            continue;
        }
        if (am_buf_append_char(b, c, NULL) != APPMESH_OK) {
            return false;
        }
    }
    return true;
}

/* A template: text with $0..$7 for parts, $S0..$S7 for secret parts. */
static bool fill(struct appmesh_buf *b, const char *tmpl, const struct parts *ps)
{
    const char *t = tmpl;
    for (; *t != '\0'; t++) {
        bool secret = false;
        if (*t != '$') {
            if (am_buf_append_char(b, *t, NULL) != APPMESH_OK) {
                return false;
            }
            continue;
        }
        t++;
        if (*t == 'S') {
            secret = true;
            t++;
        }
        if (!append_part(b, ps, (size_t)(*t - '0'), secret)) {
            return false;
        }
    }
    return true;
}

static const struct {
    enum reader r;
    const char *tmpl;
} s_templates[] = {
    {R_STS_ROLE, "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>$0</"
                 "AccessKeyId><SecretAccessKey>$S1</SecretAccessKey><SessionToken>$S2</"
                 "SessionToken><Expiration>$3</Expiration></Credentials>$4</AssumeRoleResult></"
                 "AssumeRoleResponse>"},
    {R_STS_WEB, "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><"
                "Credentials><SessionToken>$S2</SessionToken><AccessKeyId>$0</AccessKeyId><"
                "Expiration>$3</Expiration><SecretAccessKey>$S1</SecretAccessKey></Credentials><"
                "SubjectFromWebIdentityToken>$4</SubjectFromWebIdentityToken></"
                "AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>"},
    {R_METADATA, "{\"Code\":\"$4\",\"AccessKeyId\":\"$0\",\"SecretAccessKey\":\"$S1\","
                 "\"Token\":\"$S2\",\"Expiration\":\"$3\"}"},
    {R_PROCESS, "{\"Version\":1,\"AccessKeyId\":\"$0\",\"SecretAccessKey\":\"$S1\","
                "\"SessionToken\":\"$S2\",\"Expiration\":\"$3\"}"},
    {R_PROCESS, "{\"Version\":$4,\"AccessKeyId\":\"$0\",\"SecretAccessKey\":\"$S1\"}"},
    {R_SSO_TOKEN, "{\"startUrl\":\"$0\",\"region\":\"$4\",\"accessToken\":\"$S1\","
                  "\"expiresAt\":\"$3\"}"},
    {R_SSO_ROLE, "{\"roleCredentials\":{\"accessKeyId\":\"$0\",\"secretAccessKey\":\"$S1\","
                 "\"sessionToken\":\"$S2\",\"expiration\":$4}}"},
};

static void exercise_planted(const char *data, size_t size, unsigned long seed)
{
    struct parts ps;
    size_t i = 0;

    split_parts(data, size, &ps);
    s_planted = true;
    for (i = 0; i < sizeof(s_templates) / sizeof(s_templates[0]); i++) {
        struct appmesh_buf doc;
        am_buf_init(&doc, NULL, 0);
        FUZZ_CHECK(fill(&doc, s_templates[i].tmpl, &ps), "the template is filled");
        exercise(s_templates[i].r, am_buf_cstr(&doc), doc.len, seed);
        appmesh_buf_cleanup(&doc);
    }
    s_planted = false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    unsigned long seed = fuzz_hash(data, size);
    int r = 0;

    for (r = 0; r < R_COUNT; r++) {
        exercise((enum reader)r, text, size, seed);
    }
    exercise_dates(text, size);
    exercise_planted(text, size, seed);
    return 0;
}
