/* SPDX-License-Identifier: MIT */
/* Tests for sigv4.c: the AWS SigV4 suites (v4 header and query signing, legacy) and the signer. */
#include <cjson/cJSON.h>
#include <stdint.h>

#include "appmesh/appmesh.h"
#include "harness.h"
#include "internal.h"
#include "sigv4.h"

#define AKID   "AKIDEXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
/* The legacy suite's session token (legacy/post-sts-token/readme.txt). */
#define STS_TOKEN                                                                                  \
    "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpS"  \
    "PfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDY"  \
    "wT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqK"  \
    "mlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="
#define SUITE_TIME  1440938160 /* 2015-08-30T12:36:00Z */
#define MAX_HEADERS 32

/* ---- test data ---- */

/* Read tests/<rel>: relative to the working directory (CTest runs in tests/), else through
 * APPMESH_TEST_DATA. */
static char *read_data(const char *rel, size_t *len)
{
    char path[512];
    char *p = test_read_file(rel, len);
    if (p == NULL) {
        snprintf(path, sizeof(path), "%s/%s", APPMESH_TEST_DATA, rel);
        p = test_read_file(path, len);
    }
    if (p == NULL) {
        fprintf(stderr, "  cannot read test data %s\n", rel);
    }
    return p;
}

/* A request.txt / .req parsed in place: request line, headers (obs-fold continuation lines
 * stay part of the value, as they arrive), blank line, body. */
struct parsed_request {
    char *text;
    struct appmesh_sigv4_request req;
    struct appmesh_header headers[MAX_HEADERS];
};

static int parse_request(char *text, size_t len, struct parsed_request *pr)
{
    char *end = text + len;
    char *eol = memchr(text, '\n', len);
    char *line_end = eol != NULL ? eol : end;
    char *sp1 = memchr(text, ' ', (size_t)(line_end - text));
    char *sp2 = line_end;
    char *q = NULL;
    char *p = NULL;
    size_t n = 0;

    memset(pr, 0, sizeof(*pr));
    pr->text = text;
    while (sp2 > text && sp2[-1] != ' ') {
        sp2--;
    }
    if (sp1 == NULL || sp2 <= sp1 + 1) {
        fprintf(stderr, "  bad request line\n");
        return 1;
    }
    *sp1 = '\0';
    sp2[-1] = '\0'; /* the target may contain spaces: it ends at the last one */
    pr->req.method = text;
    pr->req.path = sp1 + 1;
    q = strchr(sp1 + 1, '?');
    if (q != NULL) {
        *q = '\0';
        pr->req.query = q + 1;
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
        if (content_end == p) {
            p = next; /* the blank line: the body follows */
            pr->req.body = p;
            pr->req.body_len = (size_t)(end - p);
            break;
        }
        if ((*p == ' ' || *p == '\t') && n > 0) {
            struct appmesh_header *h = &pr->headers[n - 1];
            h->value_len = (size_t)(content_end - h->value);
        } else {
            colon = memchr(p, ':', (size_t)(content_end - p));
            if (colon == NULL || n == MAX_HEADERS) {
                fprintf(stderr, "  bad header line\n");
                return 1;
            }
            pr->headers[n].name = p;
            pr->headers[n].name_len = (size_t)(colon - p);
            pr->headers[n].value = colon + 1;
            pr->headers[n].value_len = (size_t)(content_end - colon - 1);
            n++;
        }
        p = next;
    }
    pr->req.headers = pr->headers;
    pr->req.header_count = n;
    return 0;
}

static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    int64_t era = 0;
    int64_t yoe = 0;
    int64_t doy = 0;
    int64_t doe = 0;
    y -= m <= 2 ? 1 : 0;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Inputs for one vector: credentials and params (strings borrowed from the cJSON tree). */
struct vector_context {
    cJSON *json;
    struct appmesh_credentials creds;
    struct appmesh_sigv4_params params;
};

static const char *json_str(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool json_bool(const cJSON *obj, const char *key)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, key));
}

static int load_context(const char *rel, struct vector_context *ctx)
{
    size_t len = 0;
    char *text = read_data(rel, &len);
    const cJSON *creds = NULL;
    const cJSON *expires = NULL;
    const char *ts = NULL;
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;

    memset(ctx, 0, sizeof(*ctx));
    if (text == NULL) {
        return 1;
    }
    ctx->json = cJSON_ParseWithLength(text, len);
    free(text);
    if (ctx->json == NULL) {
        fprintf(stderr, "  %s: not JSON\n", rel);
        return 1;
    }
    creds = cJSON_GetObjectItemCaseSensitive(ctx->json, "credentials");
    ctx->creds.access_key_id = json_str(creds, "access_key_id");
    ctx->creds.secret_access_key = json_str(creds, "secret_access_key");
    ctx->creds.session_token = json_str(creds, "token");
    ctx->params.region = json_str(ctx->json, "region");
    ctx->params.service = json_str(ctx->json, "service");
    ctx->params.no_normalize_path = !json_bool(ctx->json, "normalize");
    ctx->params.sign_body = json_bool(ctx->json, "sign_body");
    ctx->params.omit_session_token = json_bool(ctx->json, "omit_session_token");
    expires = cJSON_GetObjectItemCaseSensitive(ctx->json, "expiration_in_seconds");
    ctx->params.expires = cJSON_IsNumber(expires) ? (int64_t)expires->valuedouble : 0;
    ts = json_str(ctx->json, "timestamp");
    if (ts == NULL || sscanf(ts, "%4d-%2d-%2dT%2d:%2d:%2dZ", &y, &mo, &d, &h, &mi, &s) != 6) {
        fprintf(stderr, "  %s: bad timestamp\n", rel);
        return 1;
    }
    ctx->params.time = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
    return 0;
}

/* Compare one stage; a failure names the vector and the stage. */
static int check_stage(const char *vector,
                       const char *stage,
                       const char *got,
                       size_t gotlen,
                       const char *want,
                       size_t wantlen)
{
    if (gotlen == wantlen && memcmp(got, want, gotlen) == 0) {
        return 0;
    }
    fprintf(stderr, "  %s: stage %s differs\n    got:  \"%.*s\"\n    want: \"%.*s\"\n", vector,
            stage, (int)gotlen, got, (int)wantlen, want);
    return 1;
}

static int check_stage_file(
    const char *vector, const char *stage, const char *got, size_t gotlen, const char *rel)
{
    size_t len = 0;
    char *want = read_data(rel, &len);
    int rc = 1;
    if (want != NULL) {
        rc = check_stage(vector, stage, got, gotlen, want, len);
    }
    free(want);
    return rc;
}

/* The value of header `name` in a signed-request file (case-insensitive name, value as written
 * after the colon up to the end of the line); NULL when absent. */
static const char *find_header_line(const char *text, const char *name, size_t *vlen)
{
    size_t nlen = strlen(name);
    const char *p = strchr(text, '\n');
    while (p != NULL) {
        const char *line = p + 1;
        const char *le = strchr(line, '\n');
        size_t llen = le != NULL ? (size_t)(le - line) : strlen(line);
        if (llen > nlen && line[nlen] == ':' && am_strcasecmp_n(line, nlen, name, nlen) == 0) {
            *vlen = llen - nlen - 1;
            return line + nlen + 1;
        }
        p = le;
    }
    return NULL;
}

/* ---- one vector ---- */

enum vector_kind {
    V4_HEADER,
    V4_QUERY,
    LEGACY,
};

struct vector {
    enum vector_kind kind;
    const char *name; /* v4: the case folder; legacy: its path under legacy/ */
};

static int run_vector(const struct vector *v, const char *label)
{
    char rel[256];
    char dir[200];
    const char *base = NULL;
    const char *prefix = v->kind == V4_QUERY ? "query" : "header";
    struct vector_context ctx;
    struct parsed_request pr;
    struct appmesh_sigv4_signer *signer = NULL;
    struct appmesh_sigv4_result out = {0};
    struct appmesh_error err = {0};
    enum appmesh_status st = APPMESH_OK;
    char *text = NULL;
    size_t len = 0;
    int rc = 1;

    memset(&ctx, 0, sizeof(ctx));
    out.keep_intermediate = true;
    if (v->kind == LEGACY) {
        base = strrchr(v->name, '/');
        base = base != NULL ? base + 1 : v->name;
        snprintf(dir, sizeof(dir), "vectors/sigv4/legacy/%s/%s", v->name, base);
        snprintf(rel, sizeof(rel), "%s.req", dir);
        /* Fixed inputs (README); the token cases take theirs from the suite's notes. */
        ctx.creds.access_key_id = AKID;
        ctx.creds.secret_access_key = SECRET;
        ctx.params.region = "us-east-1";
        ctx.params.service = "service";
        ctx.params.time = SUITE_TIME;
        if (strcmp(base, "get-vanilla-with-session-token") == 0) {
            ctx.creds.session_token =
                "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267";
        } else if (strcmp(base, "post-sts-header-after") == 0) {
            ctx.creds.session_token = STS_TOKEN;
            ctx.params.omit_session_token = true;
        } else if (strcmp(base, "post-sts-header-before") == 0) {
            ctx.creds.session_token = STS_TOKEN; /* also in the .req: used as it is */
        }
    } else {
        snprintf(dir, sizeof(dir), "vectors/sigv4/v4/%s", v->name);
        snprintf(rel, sizeof(rel), "%s/context.json", dir);
        if (load_context(rel, &ctx) != 0) {
            goto cleanup;
        }
        snprintf(rel, sizeof(rel), "%s/request.txt", dir);
    }
    text = read_data(rel, &len);
    if (text == NULL || parse_request(text, len, &pr) != 0) {
        goto cleanup;
    }

    if (appmesh_sigv4_signer_new(&test_allocator, &signer, &err) != APPMESH_OK) {
        fprintf(stderr, "  %s: signer_new: %s\n", label, err.message);
        goto cleanup;
    }
    if (v->kind == V4_QUERY) {
        st = appmesh_sigv4_sign_query(signer, &pr.req, &ctx.creds, &ctx.params, &out, &err);
    } else {
        st = appmesh_sigv4_sign_headers(signer, &pr.req, &ctx.creds, &ctx.params, &out, &err);
    }
    if (st != APPMESH_OK) {
        fprintf(stderr, "  %s: signing returned %s: %s\n", label, appmesh_status_name(st),
                err.message);
        goto cleanup;
    }

    if (v->kind == LEGACY) {
        const char *sig = NULL;
        snprintf(rel, sizeof(rel), "%s.creq", dir);
        if (check_stage_file(label, "canonical-request", out.canonical_request.ptr,
                             out.canonical_request.len, rel) != 0) {
            goto cleanup;
        }
        snprintf(rel, sizeof(rel), "%s.sts", dir);
        if (check_stage_file(label, "string-to-sign", out.string_to_sign.ptr,
                             out.string_to_sign.len, rel) != 0) {
            goto cleanup;
        }
        /* The suite has no signature file: the expected one ends the .authz value. */
        snprintf(rel, sizeof(rel), "%s.authz", dir);
        free(text);
        text = read_data(rel, &len);
        sig = text != NULL ? strstr(text, "Signature=") : NULL;
        if (sig == NULL) {
            fprintf(stderr, "  %s: no Signature= in %s\n", label, rel);
            goto cleanup;
        }
        if (check_stage(label, "signature", out.signature, 64, sig + 10,
                        len - (size_t)(sig + 10 - text)) != 0 ||
            check_stage(label, "authorization", out.authorization.ptr, out.authorization.len, text,
                        len) != 0) {
            goto cleanup;
        }
        rc = 0;
        goto cleanup;
    }

    snprintf(rel, sizeof(rel), "%s/%s-canonical-request.txt", dir, prefix);
    if (check_stage_file(label, "canonical-request", out.canonical_request.ptr,
                         out.canonical_request.len, rel) != 0) {
        goto cleanup;
    }
    snprintf(rel, sizeof(rel), "%s/%s-string-to-sign.txt", dir, prefix);
    if (check_stage_file(label, "string-to-sign", out.string_to_sign.ptr, out.string_to_sign.len,
                         rel) != 0) {
        goto cleanup;
    }
    snprintf(rel, sizeof(rel), "%s/%s-signature.txt", dir, prefix);
    if (check_stage_file(label, "signature", out.signature, strlen(out.signature), rel) != 0) {
        goto cleanup;
    }
    snprintf(rel, sizeof(rel), "%s/%s-signed-request.txt", dir, prefix);
    free(text);
    text = read_data(rel, &len);
    if (text == NULL) {
        goto cleanup;
    }
    if (v->kind == V4_HEADER) {
        /* Every header the signer reports must read exactly as in the signed request. */
        static const char *const added[] = {"Authorization", "X-Amz-Date", "x-amz-content-sha256",
                                            "X-Amz-Security-Token"};
        size_t i = 0;
        for (i = 0; i < sizeof(added) / sizeof(added[0]); i++) {
            size_t vlen = 0;
            const char *want = find_header_line(text, added[i], &vlen);
            const char *got = NULL;
            if (i == 0) {
                got = am_buf_cstr(&out.authorization);
            } else if (i == 1) {
                got = out.amz_date;
            } else if (i == 2) {
                got = ctx.params.sign_body ? out.content_sha256 : NULL;
            } else {
                got = ctx.creds.session_token;
            }
            if ((want == NULL) != (got == NULL)) {
                fprintf(stderr, "  %s: stage signed-request: %s is %s\n", label, added[i],
                        want == NULL ? "added but not expected" : "expected but not added");
                goto cleanup;
            }
            if (want != NULL &&
                check_stage(label, "authorization", got, strlen(got), want, vlen) != 0) {
                goto cleanup;
            }
        }
    } else {
        /* The signed URL: the request target's query after '?', up to " HTTP/1.1". */
        const char *qs = strchr(text, '?');
        const char *eol = strchr(text, '\n');
        const char *ver = eol;
        while (ver != NULL && ver > text && ver[-1] != ' ') {
            ver--;
        }
        if (qs == NULL || ver == NULL || qs > ver ||
            check_stage(label, "signed-query", out.query.ptr, out.query.len, qs + 1,
                        (size_t)(ver - 1 - qs - 1)) != 0) {
            goto cleanup;
        }
    }
    rc = 0;

cleanup:
    appmesh_sigv4_result_cleanup(&out);
    appmesh_sigv4_signer_destroy(signer);
    cJSON_Delete(ctx.json);
    free(text);
    return rc;
}

/* ---- unit cases ---- */

static const char update_body[] =
    "{\"clientToken\":\"3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b\",\"spec\":{\"provider\":{"
    "\"virtualNode\":{\"virtualNodeName\":\"colorgateway-vn\"}}}}";

static const struct appmesh_header update_headers[] = {
    {"Host", 4, "appmesh.us-east-1.amazonaws.com", 31},
    {"Content-Type", 12, "application/json", 16},
};

static struct appmesh_sigv4_request update_request(void)
{
    struct appmesh_sigv4_request r = {
        "PUT",
        "/v20190125/meshes/ecs-mesh/virtualServices/colorgateway.default.svc.cluster.local",
        "meshOwner=123456789012",
        update_headers,
        2,
        update_body,
        sizeof(update_body) - 1,
    };
    return r;
}

static const struct appmesh_credentials example_creds = {AKID, SECRET, NULL};

static struct appmesh_sigv4_params appmesh_params(void)
{
    struct appmesh_sigv4_params p = {0};
    p.region = "us-east-1";
    p.service = "appmesh";
    p.time = 1700000000; /* 20231114T221320Z */
    return p;
}

/* Expected values computed with botocore's SigV4Auth (python3-botocore on Debian 12). */
static int signs_update_virtual_service_like_botocore(void)
{
    struct appmesh_sigv4_signer *signer = NULL;
    struct appmesh_sigv4_result out = {0};
    struct appmesh_error err = {0};
    struct appmesh_sigv4_request req = update_request();
    struct appmesh_sigv4_params params = appmesh_params();

    out.keep_intermediate = true;
    CHECK_OK(appmesh_sigv4_signer_new(&test_allocator, &signer, &err), &err);
    CHECK_OK(appmesh_sigv4_sign_headers(signer, &req, &example_creds, &params, &out, &err), &err);
    CHECK_STR_EQ(out.canonical_request.ptr,
                 "PUT\n/v20190125/meshes/ecs-mesh/virtualServices/"
                 "colorgateway.default.svc.cluster.local\nmeshOwner=123456789012\n"
                 "content-type:application/json\nhost:appmesh.us-east-1.amazonaws.com\n"
                 "x-amz-date:20231114T221320Z\n\ncontent-type;host;x-amz-date\n"
                 "acc78fe41772863a200236eb2def129cbbaae0946078a91b6dced1cd1e1c964c");
    CHECK_STR_EQ(out.string_to_sign.ptr,
                 "AWS4-HMAC-SHA256\n20231114T221320Z\n20231114/us-east-1/appmesh/aws4_request\n"
                 "621c15ccd3a792daa2a08f7d7319c6525169c8dd3eb5b6df83fbfbd15c993caf");
    CHECK_STR_EQ(out.signature, "b19f98215056f22e7865698c18fa847f9718365f812f6f3eb5404ce9b454c854");
    CHECK_STR_EQ(out.authorization.ptr,
                 "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/us-east-1/appmesh/aws4_request, "
                 "SignedHeaders=content-type;host;x-amz-date, "
                 "Signature=b19f98215056f22e7865698c18fa847f9718365f812f6f3eb5404ce9b454c854");
    CHECK_STR_EQ(out.signed_headers.ptr, "content-type;host;x-amz-date");
    CHECK_STR_EQ(out.amz_date, "20231114T221320Z");
    CHECK_STR_EQ(out.content_sha256,
                 "acc78fe41772863a200236eb2def129cbbaae0946078a91b6dced1cd1e1c964c");
    appmesh_sigv4_result_cleanup(&out);
    appmesh_sigv4_signer_destroy(signer);
    return 0;
}

static int signs_the_session_token_like_botocore(void)
{
    struct appmesh_sigv4_signer *signer = NULL;
    struct appmesh_sigv4_result out = {0};
    struct appmesh_error err = {0};
    struct appmesh_sigv4_request req = update_request();
    struct appmesh_sigv4_params params = appmesh_params();
    struct appmesh_credentials creds = {AKID, SECRET, "FQoGZXIvYXdzEXAMPLETOKEN/+="};

    CHECK_OK(appmesh_sigv4_signer_new(&test_allocator, &signer, &err), &err);
    CHECK_OK(appmesh_sigv4_sign_headers(signer, &req, &creds, &params, &out, &err), &err);
    CHECK_STR_EQ(out.signed_headers.ptr, "content-type;host;x-amz-date;x-amz-security-token");
    CHECK_STR_EQ(out.signature, "5dc08a97a56de66299f33af8b5ef8207256c098d3f3efa47f786dc2d33cdea13");
    CHECK(out.canonical_request.len == 0, "intermediates are kept only when asked for");
    appmesh_sigv4_result_cleanup(&out);
    appmesh_sigv4_signer_destroy(signer);
    return 0;
}

/* Sign the update request with params and creds on signer; the signature goes to sig. */
static int sign_update(struct appmesh_sigv4_signer *signer,
                       const struct appmesh_sigv4_params *params,
                       const struct appmesh_credentials *creds,
                       char sig[65])
{
    struct appmesh_sigv4_result out = {0};
    struct appmesh_error err = {0};
    struct appmesh_sigv4_request req = update_request();
    CHECK_OK(appmesh_sigv4_sign_headers(signer, &req, creds, params, &out, &err), &err);
    memcpy(sig, out.signature, 65);
    appmesh_sigv4_result_cleanup(&out);
    return 0;
}

/* The same signature as a signer that has never seen anything else. */
static int check_fresh_signature(const struct appmesh_sigv4_params *params,
                                 const struct appmesh_credentials *creds,
                                 const char *sig)
{
    struct appmesh_sigv4_signer *fresh = NULL;
    struct appmesh_error err = {0};
    char want[65];
    CHECK_OK(appmesh_sigv4_signer_new(&test_allocator, &fresh, &err), &err);
    if (sign_update(fresh, params, creds, want) != 0) {
        appmesh_sigv4_signer_destroy(fresh);
        return 1;
    }
    appmesh_sigv4_signer_destroy(fresh);
    CHECK_STR_EQ(sig, want);
    return 0;
}

static int reuses_the_cached_key_for_the_same_scope(void)
{
    struct appmesh_sigv4_signer *signer = NULL;
    struct appmesh_error err = {0};
    struct appmesh_sigv4_params params = appmesh_params();
    char a[65], b[65];

    CHECK_OK(appmesh_sigv4_signer_new(&test_allocator, &signer, &err), &err);
    CHECK_INT_EQ(am_sigv4_signer_key_derivations(signer), 0);
    CHECK(sign_update(signer, &params, &example_creds, a) == 0, "first signature");
    CHECK_INT_EQ(am_sigv4_signer_key_derivations(signer), 1);
    params.time += 3600; /* same day: same key, new signature */
    CHECK(sign_update(signer, &params, &example_creds, b) == 0, "second signature");
    CHECK_INT_EQ(am_sigv4_signer_key_derivations(signer), 1);
    CHECK(strcmp(a, b) != 0, "a different time signs differently");
    CHECK(check_fresh_signature(&params, &example_creds, b) == 0, "cached key is right");
    appmesh_sigv4_signer_destroy(signer);
    return 0;
}

static int derives_a_new_key_when_date_region_service_or_secret_change(void)
{
    struct appmesh_sigv4_signer *signer = NULL;
    struct appmesh_error err = {0};
    struct appmesh_sigv4_params params = appmesh_params();
    struct appmesh_credentials creds = example_creds;
    /* Same length as SECRET, one byte different: the comparison must see it. */
    static const char other_secret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEZ";
    char sig[65];
    uint64_t n = 1;
    int step = 0;

    CHECK_OK(appmesh_sigv4_signer_new(&test_allocator, &signer, &err), &err);
    CHECK(sign_update(signer, &params, &creds, sig) == 0, "first signature");
    for (step = 0; step < 5; step++) {
        if (step == 0) {
            params.time += 86400; /* next day */
        } else if (step == 1) {
            params.region = "eu-west-1";
        } else if (step == 2) {
            params.service = "appmesh-preview";
        } else if (step == 3) {
            creds.secret_access_key = other_secret;
        } else {
            creds.secret_access_key = SECRET; /* back again: a miss, not a stale hit */
        }
        CHECK(sign_update(signer, &params, &creds, sig) == 0, "signature after a change");
        n++;
        CHECK_INT_EQ(am_sigv4_signer_key_derivations(signer), n);
        CHECK(check_fresh_signature(&params, &creds, sig) == 0, "key matches a fresh signer's");
    }
    appmesh_sigv4_signer_destroy(signer);
    return 0;
}

static int allocates_nothing_when_reused(void)
{
    struct appmesh_sigv4_signer *signer = NULL;
    struct appmesh_sigv4_result out = {0};
    struct appmesh_error err = {0};
    struct appmesh_sigv4_request req = update_request();
    struct appmesh_sigv4_params params = appmesh_params();
    struct appmesh_credentials creds = {AKID, SECRET, "FQoGZXIvYXdzEXAMPLETOKEN/+="};
    long calls = 0;
    int presign = 0;

    params.sign_body = true;
    params.expires = 900;
    out.keep_intermediate = true;
    CHECK_OK(appmesh_sigv4_signer_new(&test_allocator, &signer, &err), &err);
    for (presign = 0; presign < 2; presign++) {
        if (presign) {
            CHECK_OK(appmesh_sigv4_sign_query(signer, &req, &creds, &params, &out, &err), &err);
        } else {
            CHECK_OK(appmesh_sigv4_sign_headers(signer, &req, &creds, &params, &out, &err), &err);
        }
        calls = test_alloc_state.calls;
        params.time += 1;
        if (presign) {
            CHECK_OK(appmesh_sigv4_sign_query(signer, &req, &creds, &params, &out, &err), &err);
        } else {
            CHECK_OK(appmesh_sigv4_sign_headers(signer, &req, &creds, &params, &out, &err), &err);
        }
        CHECK_INT_EQ(test_alloc_state.calls, calls);
    }
    CHECK(test_alloc_state.live_blocks > 0, "the result buffers use the signer's allocator");
    appmesh_sigv4_result_cleanup(&out);
    appmesh_sigv4_signer_destroy(signer);
    return 0;
}

static enum appmesh_status sign_under_oom(void *ctx)
{
    struct appmesh_sigv4_signer *signer = NULL;
    struct appmesh_sigv4_result out = {0};
    struct appmesh_error err = {0};
    struct appmesh_sigv4_request req = update_request();
    struct appmesh_sigv4_params params = appmesh_params();
    struct appmesh_credentials creds = {AKID, SECRET, "FQoGZXIvYXdzEXAMPLETOKEN/+="};
    enum appmesh_status st = APPMESH_OK;

    (void)ctx;
    params.sign_body = true;
    out.keep_intermediate = true;
    st = appmesh_sigv4_signer_new(&test_allocator, &signer, &err);
    if (st == APPMESH_OK) {
        st = appmesh_sigv4_sign_headers(signer, &req, &creds, &params, &out, &err);
    }
    if (st == APPMESH_OK) {
        params.region = "eu-west-1"; /* a key derivation on a warm signer */
        st = appmesh_sigv4_sign_query(signer, &req, &creds, &params, &out, &err);
    }
    if (st != APPMESH_OK && err.status != st) {
        st = APPMESH_ERR_INTERNAL; /* a failure must be reported in err too */
    }
    appmesh_sigv4_result_cleanup(&out);
    appmesh_sigv4_signer_destroy(signer);
    return st;
}

static int survives_every_allocation_failure(void)
{
    return test_oom_loop(sign_under_oom, NULL, 100);
}

/* appmesh.sign and every client call come here: nothing with a CR, LF or space gets in. */
static int refuses_a_region_or_key_id_that_would_split_a_header(void)
{
    static const struct {
        const char *region;
        const char *akid;
        const char *field;
    } cases[] = {
        {"us-east-1\r\nX: y", AKID, "region"},
        {"US-EAST-1", AKID, "region"},
        {"a123456789012345678901234567890123456789012345678901234567890123", AKID, "region"},
        {"us-east-1", "AKID\nX: y", "credentials.accessKeyId"},
        {"us-east-1", "AKID EXAMPLE", "credentials.accessKeyId"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct appmesh_sigv4_signer *signer = NULL;
        struct appmesh_sigv4_result out = {0};
        struct appmesh_error err = {0};
        struct appmesh_sigv4_request req = update_request();
        struct appmesh_sigv4_params params = appmesh_params();
        struct appmesh_credentials creds = {cases[i].akid, SECRET, NULL};
        params.region = cases[i].region;
        CHECK_OK(appmesh_sigv4_signer_new(&test_allocator, &signer, &err), &err);
        CHECK_STATUS(appmesh_sigv4_sign_headers(signer, &req, &creds, &params, &out, &err),
                     APPMESH_ERR_VALIDATION, &err);
        CHECK_STR_EQ(err.field, cases[i].field);
        CHECK(strchr(err.message, '\n') == NULL, err.message);
        appmesh_sigv4_result_cleanup(&out);
        appmesh_sigv4_signer_destroy(signer);
    }
    return 0;
}

/* Run sign_headers with one thing wrong; expect INVALID_ARGUMENT, a message naming what, and
 * never the secret, the token or a signature in it. */
struct bad_case {
    const char *what; /* expected in the message */
    int breakage;
};

static int rejects_bad_input_without_revealing_secrets(void)
{
    static const struct bad_case cases[] = {
        {"no Host header", 0}, {"no method", 1},        {"no region", 2},
        {"no service", 3},     {"no access key id", 4}, {"no secret access key", 5},
        {"X-Amz-Date", 6},     {"expires", 7},          {"no path", 8},
        {"signing time", 9},
    };
    size_t i = 0;
    static const char token[] = "FQoGZXIvYXdzEXAMPLETOKEN/+=";

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct appmesh_sigv4_signer *signer = NULL;
        struct appmesh_sigv4_result out = {0};
        struct appmesh_error err = {0};
        struct appmesh_sigv4_request req = update_request();
        struct appmesh_sigv4_params params = appmesh_params();
        struct appmesh_credentials creds = {AKID, SECRET, token};
        struct appmesh_header bad_date[3] = {
            update_headers[0], update_headers[1], {"X-Amz-Date", 10, SECRET, sizeof(SECRET) - 1}};
        enum appmesh_status st = APPMESH_OK;

        CHECK_OK(appmesh_sigv4_signer_new(&test_allocator, &signer, &err), &err);
        /* Sign once so that a signature exists that an error could leak. */
        CHECK_OK(appmesh_sigv4_sign_headers(signer, &req, &creds, &params, &out, &err), &err);
        switch (cases[i].breakage) {
            case 0:
                req.headers = update_headers + 1;
                req.header_count = 1;
                break;
            case 1:
                req.method = "";
                break;
            case 2:
                params.region = NULL;
                break;
            case 3:
                params.service = "";
                break;
            case 4:
                creds.access_key_id = NULL;
                break;
            case 5:
                creds.secret_access_key = "";
                break;
            case 6:
                req.headers = bad_date;
                req.header_count = 3;
                break;
            case 7:
                params.expires = 604801;
                break;
            case 8:
                req.path = NULL;
                break;
            default:
                params.time = -1;
                break;
        }
        {
            char old_sig[65];
            memcpy(old_sig, out.signature, sizeof(old_sig));
            if (cases[i].breakage == 7) {
                st = appmesh_sigv4_sign_query(signer, &req, &creds, &params, &out, &err);
            } else {
                st = appmesh_sigv4_sign_headers(signer, &req, &creds, &params, &out, &err);
            }
            CHECK_STATUS(st, APPMESH_ERR_INVALID_ARGUMENT, &err);
            CHECK(strstr(err.message, cases[i].what) != NULL, err.message);
            CHECK(strstr(err.message, "wJalrXUtnFEMI") == NULL, "secret in an error message");
            CHECK(strstr(err.message, "EXAMPLEKEY") == NULL, "secret in an error message");
            CHECK(strstr(err.message, "EXAMPLETOKEN") == NULL, "token in an error message");
            CHECK(strstr(err.message, old_sig) == NULL, "signature in an error message");
            CHECK(strstr(err.message, old_sig + 32) == NULL, "signature in an error message");
        }
        appmesh_sigv4_result_cleanup(&out);
        appmesh_sigv4_signer_destroy(signer);
    }
    return 0;
}

/* The canonical request's line `line` (0-based) into buf. */
static int creq_line(const struct appmesh_sigv4_result *out, int line, char *buf, size_t size)
{
    const char *p = am_buf_cstr(&out->canonical_request);
    const char *e = NULL;
    while (line-- > 0 && p != NULL) {
        p = strchr(p, '\n');
        p = p != NULL ? p + 1 : NULL;
    }
    if (p == NULL) {
        return 1;
    }
    e = strchr(p, '\n');
    snprintf(buf, size, "%.*s", (int)(e != NULL ? (size_t)(e - p) : strlen(p)), p);
    return 0;
}

struct canon_case {
    const char *path;
    const char *query;
    bool no_double_encode;
    bool no_normalize;
    const char *want_path;
    const char *want_query;
};

static int canonicalises_paths_and_queries(void)
{
    static const struct canon_case cases[] = {
        /* paths: dot segments, repeated slashes, the second encoding */
        {"", "", false, false, "/", ""},
        {"/a/b/../c/./d", "", false, false, "/a/c/d", ""},
        {"/a/b/..", "", false, false, "/a", ""},
        {"/../..//a", "", false, false, "/a", ""},
        {"/a//b///", "", false, false, "/a/b/", ""},
        {"/a%2Fb%20c", "", false, false, "/a%252Fb%2520c", ""},
        {"/a%2Fb%20c", "", true, false, "/a%2Fb%20c", ""},
        {"/a//./b/", "", true, true, "/a//./b/", ""},
        {"/a//./b/", "", false, true, "/a//./b/", ""},
        {"/~user/x:y@z", "", false, false, "/~user/x%3Ay%40z", ""},
        /* queries: sorted by encoded name then value, empty values, repeated names */
        {"/", "b=2&a=1&a=0", false, false, "/", "a=0&a=1&b=2"},
        {"/", "flag&x=", false, false, "/", "flag=&x="},
        {"/", "a=1&&b=2&", false, false, "/", "a=1&b=2"},
        {"/", "k=a+b&k=a%20b&k=%zz", false, false, "/", "k=%25zz&k=a%20b&k=a%2Bb"},
        {"/", "Z=1&a=1&_=1&-=1", false, false, "/", "-=1&Z=1&_=1&a=1"},
        {"/", "a-b=1&a=2", false, false, "/", "a=2&a-b=1"},
        {"/", "%7e=%41&sp ace=%2f", false, false, "/", "sp%20ace=%2F&~=A"},
        {"/", "x=%E1%88%B4&x=\xe1\x88\xb4", false, false, "/", "x=%E1%88%B4&x=%E1%88%B4"},
    };
    size_t i = 0;
    struct appmesh_sigv4_signer *signer = NULL;
    struct appmesh_sigv4_result out = {0};
    struct appmesh_error err = {0};

    out.keep_intermediate = true;
    CHECK_OK(appmesh_sigv4_signer_new(&test_allocator, &signer, &err), &err);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct appmesh_sigv4_request req = update_request();
        struct appmesh_sigv4_params params = appmesh_params();
        char line[256];
        req.path = cases[i].path;
        req.query = cases[i].query;
        params.no_double_encode = cases[i].no_double_encode;
        params.no_normalize_path = cases[i].no_normalize;
        CHECK_OK(appmesh_sigv4_sign_headers(signer, &req, &example_creds, &params, &out, &err),
                 &err);
        CHECK(creq_line(&out, 1, line, sizeof(line)) == 0, "path line");
        CHECK_STR_EQ(line, cases[i].want_path);
        CHECK(creq_line(&out, 2, line, sizeof(line)) == 0, "query line");
        CHECK_STR_EQ(line, cases[i].want_query);
    }
    appmesh_sigv4_result_cleanup(&out);
    appmesh_sigv4_signer_destroy(signer);
    return 0;
}

static int canonicalises_headers_and_skips_unsigned_ones(void)
{
    static const struct appmesh_header headers[] = {
        {"Host", 4, "example.com", 11},
        {"User-Agent", 10, "appmesh/0.1", 11},
        {"X-Amzn-Trace-Id", 15, "Root=1", 6},
        {"Authorization", 13, "stale", 5},
        {"X-Multi", 7, " \ta \t b\r\n\t c ", 13},
        {"x-multi", 7, "d", 1},
        {"X-Empty", 7, "   ", 3},
        {"Content-Type", 12, "application/json", 16},
    };
    struct appmesh_sigv4_signer *signer = NULL;
    struct appmesh_sigv4_result out = {0};
    struct appmesh_error err = {0};
    struct appmesh_sigv4_request req = update_request();
    struct appmesh_sigv4_params params = appmesh_params();
    char line[256];

    req.headers = headers;
    req.header_count = sizeof(headers) / sizeof(headers[0]);
    req.query = NULL;
    out.keep_intermediate = true;
    CHECK_OK(appmesh_sigv4_signer_new(&test_allocator, &signer, &err), &err);
    CHECK_OK(appmesh_sigv4_sign_headers(signer, &req, &example_creds, &params, &out, &err), &err);
    CHECK_STR_EQ(out.signed_headers.ptr, "content-type;host;x-amz-date;x-empty;x-multi");
    CHECK(creq_line(&out, 6, line, sizeof(line)) == 0, "x-empty line");
    CHECK_STR_EQ(line, "x-empty:");
    CHECK(creq_line(&out, 7, line, sizeof(line)) == 0, "x-multi line");
    CHECK_STR_EQ(line, "x-multi:a b c,d");
    appmesh_sigv4_result_cleanup(&out);
    appmesh_sigv4_signer_destroy(signer);
    return 0;
}

static int uses_a_given_x_amz_date_and_content_sha256(void)
{
    static const struct appmesh_header headers[] = {
        {"host", 4, "example.com", 11},
        {"X-Amz-Date", 10, " 20200101T000000Z ", 18},
        {"X-Amz-Content-Sha256", 20, "UNSIGNED-PAYLOAD", 16},
    };
    struct appmesh_sigv4_signer *signer = NULL;
    struct appmesh_sigv4_result out = {0};
    struct appmesh_error err = {0};
    struct appmesh_sigv4_request req = update_request();
    struct appmesh_sigv4_params params = appmesh_params();
    char line[256];

    req.headers = headers;
    req.header_count = 3;
    params.sign_body = true;
    out.keep_intermediate = true;
    CHECK_OK(appmesh_sigv4_signer_new(&test_allocator, &signer, &err), &err);
    CHECK_OK(appmesh_sigv4_sign_headers(signer, &req, &example_creds, &params, &out, &err), &err);
    CHECK_STR_EQ(out.amz_date, "20200101T000000Z");
    CHECK_STR_EQ(out.signed_headers.ptr, "host;x-amz-content-sha256;x-amz-date");
    CHECK(creq_line(&out, 8, line, sizeof(line)) == 0, "payload line");
    CHECK_STR_EQ(line, "UNSIGNED-PAYLOAD");
    CHECK(strstr(out.authorization.ptr, "/20200101/us-east-1/appmesh/") != NULL,
          out.authorization.ptr);
    appmesh_sigv4_result_cleanup(&out);
    appmesh_sigv4_signer_destroy(signer);
    return 0;
}

static int presigns_with_default_expiry_and_keeps_the_query(void)
{
    static const char want[] =
        "meshOwner=123456789012&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="
        "AKIDEXAMPLE%2F20231114%2Fus-east-1%2Fappmesh%2Faws4_request&X-Amz-Date="
        "20231114T221320Z&X-Amz-SignedHeaders=content-type%3Bhost&X-Amz-Expires=3600&"
        "X-Amz-Signature=";
    struct appmesh_sigv4_signer *signer = NULL;
    struct appmesh_sigv4_result out = {0};
    struct appmesh_error err = {0};
    struct appmesh_sigv4_request req = update_request();
    struct appmesh_sigv4_params params = appmesh_params();

    CHECK_OK(appmesh_sigv4_signer_new(&test_allocator, &signer, &err), &err);
    CHECK_OK(appmesh_sigv4_sign_query(signer, &req, &example_creds, &params, &out, &err), &err);
    CHECK(strncmp(out.query.ptr, want, sizeof(want) - 1) == 0, out.query.ptr);
    CHECK_STR_EQ(out.query.ptr + sizeof(want) - 1, out.signature);
    CHECK_INT_EQ(out.authorization.len, 0);
    appmesh_sigv4_result_cleanup(&out);
    appmesh_sigv4_result_cleanup(&out);
    appmesh_sigv4_signer_destroy(signer);
    appmesh_sigv4_signer_destroy(NULL);
    appmesh_sigv4_result_cleanup(NULL);
    return 0;
}

/* More than the insertion-sort threshold of headers and parameters, in reverse order, with
 * repeated names: exercises the merge sort and its stability. */
static int sorts_many_headers_and_parameters_stably(void)
{
    enum { N = 40 };
    struct appmesh_header headers[N + 1];
    char names[N][8];
    char query[N * 12];
    char want_sh[N * 8 + 64];
    char want_q[N * 12];
    struct appmesh_sigv4_signer *signer = NULL;
    struct appmesh_sigv4_result out = {0};
    struct appmesh_error err = {0};
    struct appmesh_sigv4_request req = update_request();
    struct appmesh_sigv4_params params = appmesh_params();
    char line[N * 12];
    size_t qlen = 0;
    size_t slen = 0;
    int i = 0;

    headers[0] = update_headers[0];
    for (i = 0; i < N; i++) {
        /* x-h39 .. x-h00, and every name twice with values "b" then "a" */
        snprintf(names[i], sizeof(names[i]), "X-H%02d", (N - 1 - i) / 2);
        headers[i + 1].name = names[i];
        headers[i + 1].name_len = 5;
        headers[i + 1].value = i % 2 == 0 ? "b" : "a";
        headers[i + 1].value_len = 1;
        qlen += (size_t)snprintf(query + qlen, sizeof(query) - qlen, "%sp%02d=%c", i ? "&" : "",
                                 (N - 1 - i) / 2, i % 2 == 0 ? 'b' : 'a');
    }
    slen = (size_t)snprintf(want_sh, sizeof(want_sh), "host;x-amz-date");
    for (i = 0; i < N / 2; i++) {
        slen += (size_t)snprintf(want_sh + slen, sizeof(want_sh) - slen, ";x-h%02d", i);
    }
    qlen = 0;
    for (i = 0; i < N / 2; i++) {
        qlen += (size_t)snprintf(want_q + qlen, sizeof(want_q) - qlen, "%sp%02d=a&p%02d=b",
                                 i ? "&" : "", i, i);
    }
    req.headers = headers;
    req.header_count = N + 1;
    req.query = query;
    out.keep_intermediate = true;
    CHECK_OK(appmesh_sigv4_signer_new(&test_allocator, &signer, &err), &err);
    CHECK_OK(appmesh_sigv4_sign_headers(signer, &req, &example_creds, &params, &out, &err), &err);
    CHECK_STR_EQ(out.signed_headers.ptr, want_sh);
    CHECK(creq_line(&out, 2, line, sizeof(line)) == 0, "query line");
    CHECK_STR_EQ(line, want_q);
    CHECK(creq_line(&out, 5, line, sizeof(line)) == 0, "first x-h line");
    CHECK_STR_EQ(line, "x-h00:b,a"); /* duplicates keep their order */
    appmesh_sigv4_result_cleanup(&out);
    appmesh_sigv4_signer_destroy(signer);
    return 0;
}

static int leaves_an_omitted_session_token_unsigned(void)
{
    static const struct appmesh_header headers[] = {
        {"Host", 4, "example.com", 11},
        {"X-Amz-Security-Token", 20, "FQoGZXIvYXdzEXAMPLETOKEN", 24},
    };
    struct appmesh_sigv4_signer *signer = NULL;
    struct appmesh_sigv4_result out = {0};
    struct appmesh_error err = {0};
    struct appmesh_sigv4_request req = update_request();
    struct appmesh_sigv4_params params = appmesh_params();
    struct appmesh_credentials creds = {AKID, SECRET, "FQoGZXIvYXdzEXAMPLETOKEN"};

    req.headers = headers;
    req.header_count = 2;
    CHECK_OK(appmesh_sigv4_signer_new(&test_allocator, &signer, &err), &err);
    CHECK_OK(appmesh_sigv4_sign_headers(signer, &req, &creds, &params, &out, &err), &err);
    CHECK_STR_EQ(out.signed_headers.ptr, "host;x-amz-date;x-amz-security-token");
    params.omit_session_token = true;
    CHECK_OK(appmesh_sigv4_sign_headers(signer, &req, &creds, &params, &out, &err), &err);
    CHECK_STR_EQ(out.signed_headers.ptr, "host;x-amz-date");
    creds.session_token = ""; /* an empty token is no token */
    req.header_count = 1;
    params.omit_session_token = false;
    CHECK_OK(appmesh_sigv4_sign_headers(signer, &req, &creds, &params, &out, &err), &err);
    CHECK_STR_EQ(out.signed_headers.ptr, "host;x-amz-date");
    appmesh_sigv4_result_cleanup(&out);
    appmesh_sigv4_signer_destroy(signer);
    return 0;
}

static const struct test_case unit_cases[] = {
    {"refuses_a_region_or_key_id_that_would_split_a_header",
     refuses_a_region_or_key_id_that_would_split_a_header},
    {"signs_update_virtual_service_like_botocore", signs_update_virtual_service_like_botocore},
    {"signs_the_session_token_like_botocore", signs_the_session_token_like_botocore},
    {"reuses_the_cached_key_for_the_same_scope", reuses_the_cached_key_for_the_same_scope},
    {"derives_a_new_key_when_date_region_service_or_secret_change",
     derives_a_new_key_when_date_region_service_or_secret_change},
    {"allocates_nothing_when_reused", allocates_nothing_when_reused},
    {"survives_every_allocation_failure", survives_every_allocation_failure},
    {"rejects_bad_input_without_revealing_secrets", rejects_bad_input_without_revealing_secrets},
    {"canonicalises_paths_and_queries", canonicalises_paths_and_queries},
    {"canonicalises_headers_and_skips_unsigned_ones",
     canonicalises_headers_and_skips_unsigned_ones},
    {"uses_a_given_x_amz_date_and_content_sha256", uses_a_given_x_amz_date_and_content_sha256},
    {"presigns_with_default_expiry_and_keeps_the_query",
     presigns_with_default_expiry_and_keeps_the_query},
    {"sorts_many_headers_and_parameters_stably", sorts_many_headers_and_parameters_stably},
    {"leaves_an_omitted_session_token_unsigned", leaves_an_omitted_session_token_unsigned},
};

/* ---- the suites ---- */

static const char *const v4_cases[] = {
    "get-header-key-duplicate",
    "get-header-value-multiline",
    "get-header-value-order",
    "get-header-value-trim",
    "get-relative-normalized",
    "get-relative-relative-normalized",
    "get-relative-relative-unnormalized",
    "get-relative-unnormalized",
    "get-slash-dot-slash-normalized",
    "get-slash-dot-slash-unnormalized",
    "get-slash-normalized",
    "get-slash-pointless-dot-normalized",
    "get-slash-pointless-dot-unnormalized",
    "get-slash-unnormalized",
    "get-slashes-normalized",
    "get-slashes-unnormalized",
    "get-space-normalized",
    "get-space-unnormalized",
    "get-unreserved",
    "get-utf8",
    "get-vanilla",
    "get-vanilla-empty-query-key",
    "get-vanilla-query",
    "get-vanilla-query-order-encoded",
    "get-vanilla-query-order-key-case",
    "get-vanilla-query-unreserved",
    "get-vanilla-utf8-query",
    "get-vanilla-with-session-token",
    "post-header-key-case",
    "post-header-key-sort",
    "post-header-value-case",
    "post-sts-header-after",
    "post-sts-header-before",
    "post-vanilla",
    "post-vanilla-empty-query-value",
    "post-vanilla-query",
    "post-x-www-form-urlencoded",
    "post-x-www-form-urlencoded-parameters",
};

static const char *const legacy_cases[] = {
    "get-header-key-duplicate",
    "get-header-value-multiline",
    "get-header-value-order",
    "get-header-value-trim",
    "get-unreserved",
    "get-utf8",
    "get-vanilla",
    "get-vanilla-empty-query-key",
    "get-vanilla-query",
    "get-vanilla-query-order-encoded",
    "get-vanilla-query-order-key",
    "get-vanilla-query-order-key-case",
    "get-vanilla-query-order-value",
    "get-vanilla-query-unreserved",
    "get-vanilla-utf8-query",
    "get-vanilla-with-session-token",
    "normalize-path/get-relative",
    "normalize-path/get-relative-relative",
    "normalize-path/get-slash",
    "normalize-path/get-slash-dot-slash",
    "normalize-path/get-slash-pointless-dot",
    "normalize-path/get-slashes",
    "normalize-path/get-space",
    "normalize-path/get-special-character",
    "post-header-key-case",
    "post-header-key-sort",
    "post-header-value-case",
    "post-sts-token/post-sts-header-after",
    "post-sts-token/post-sts-header-before",
    "post-vanilla",
    "post-vanilla-empty-query-value",
    "post-vanilla-query",
    "post-x-www-form-urlencoded",
    "post-x-www-form-urlencoded-parameters",
};

struct tally {
    int passed;
    int failed;
};

/* One case with a fresh counting allocator; a case that leaks fails. */
static void report(struct tally *t, const char *label, int rc)
{
    if (rc == 0 && test_alloc_state.live_blocks != 0) {
        fprintf(stderr, "  leak: %ld blocks (%lld bytes) still allocated\n",
                test_alloc_state.live_blocks, test_alloc_state.live_bytes);
        rc = 1;
    }
    printf("%s sigv4.%s\n", rc == 0 ? "ok  " : "FAIL", label);
    fflush(stdout);
    if (rc == 0) {
        t->passed++;
    } else {
        t->failed++;
    }
}

/* `only` selects a unit case, a vector ("v4/get-vanilla", "v4-query/...", "legacy/..."), every
 * variant of a vector ("get-vanilla"), or a whole suite ("v4", "v4-query", "legacy"). */
static bool selected(const char *only, const char *suite, const char *name, const char *label)
{
    const char *base = strrchr(name, '/');
    if (only == NULL) {
        return true;
    }
    return strcmp(only, label) == 0 || strcmp(only, name) == 0 || strcmp(only, suite) == 0 ||
           (base != NULL && strcmp(only, base + 1) == 0);
}

int main(int argc, char **argv)
{
    static const struct {
        enum vector_kind kind;
        const char *suite;
        const char *const *names;
        size_t count;
    } suites[] = {
        {V4_HEADER, "v4", v4_cases, sizeof(v4_cases) / sizeof(v4_cases[0])},
        {V4_QUERY, "v4-query", v4_cases, sizeof(v4_cases) / sizeof(v4_cases[0])},
        {LEGACY, "legacy", legacy_cases, sizeof(legacy_cases) / sizeof(legacy_cases[0])},
    };
    const char *only = argc > 1 ? argv[1] : NULL;
    struct tally t = {0, 0};
    size_t i = 0;
    size_t k = 0;

    for (i = 0; i < sizeof(unit_cases) / sizeof(unit_cases[0]); i++) {
        if (only != NULL && strcmp(only, unit_cases[i].name) != 0) {
            continue;
        }
        test_alloc_reset();
        report(&t, unit_cases[i].name, unit_cases[i].fn());
    }
    for (k = 0; k < sizeof(suites) / sizeof(suites[0]); k++) {
        for (i = 0; i < suites[k].count; i++) {
            char label[128];
            struct vector v;
            v.kind = suites[k].kind;
            v.name = suites[k].names[i];
            snprintf(label, sizeof(label), "%s/%s", suites[k].suite, v.name);
            if (!selected(only, suites[k].suite, v.name, label)) {
                continue;
            }
            test_alloc_reset();
            report(&t, label, run_vector(&v, label));
        }
    }
    printf("sigv4: %d passed, %d failed\n", t.passed, t.failed);
    return t.failed == 0 && t.passed > 0 ? 0 : 1;
}
