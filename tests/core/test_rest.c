/* SPDX-License-Identifier: MIT */
/* Tests for rest.c (and json.c's numbers) against the restJson1 protocol vectors, plus our own. */
#include <cjson/cJSON.h>

#include "appmesh/appmesh.h"
#include "endpoint.h"
#include "harness.h"
#include "internal.h"
#include "json.h"
#include "rest.h"

#define VECTORS_INPUT  "vectors/protocol/rest-json/input/rest-json.json"
#define VECTORS_OUTPUT "vectors/protocol/rest-json/output/rest-json.json"

/* ---- helpers ---- */

static cJSON *load_json(const char *path)
{
    size_t len = 0;
    char *text = test_read_file(path, &len);
    cJSON *root = NULL;
    if (text == NULL) {
        fprintf(stderr, "  cannot read %s\n", path);
        return NULL;
    }
    root = cJSON_ParseWithLength(text, len);
    free(text);
    if (root == NULL) {
        fprintf(stderr, "  %s is not JSON\n", path);
    }
    return root;
}

static const char *jstr(const cJSON *obj, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

/* A response in counting-allocator buffers; headers as "Name: value\r\n" lines. */
static int
make_response(struct appmesh_http_response *r, int status, const char *headers, const char *body)
{
    struct appmesh_error err = {0};
    memset(r, 0, sizeof(*r));
    r->status = status;
    am_buf_init(&r->headers, &test_allocator, 0);
    am_buf_init(&r->body, &test_allocator, 0);
    if (headers != NULL) {
        CHECK_OK(am_buf_append_str(&r->headers, headers, &err), &err);
    }
    if (body != NULL) {
        CHECK_OK(am_buf_append_str(&r->body, body, &err), &err);
    }
    return 0;
}

/* Print one line per vector case, as the harness does per test case. */
struct tally {
    int ok, skipped, failed;
};

static void
report(struct tally *t, const char *dir, const char *op, const char *id, int rc, const char *note)
{
    printf("%s rest.%s.%s/%s%s%s\n", rc == 0 ? "ok  " : "FAIL", dir, op, id,
           note != NULL ? " " : "", note != NULL ? note : "");
    if (rc == 0) {
        t->ok++;
    } else {
        t->failed++;
    }
}

static void
skip(struct tally *t, const char *dir, const char *op, const char *id, const char *reason)
{
    printf("skip rest.%s.%s/%s: %s\n", dir, op, id, reason);
    t->skipped++;
}

/* ---- which vectors App Mesh uses, and why the others are skipped ---- */

struct skip_reason {
    const char *op;
    const char *reason;
};

static const struct skip_reason skip_reasons[] = {
    {"AllQueryStringTypes",
     "query lists, maps, numbers, booleans and timestamps: App Mesh's query members are strings "
     "(limit is formatted by the operation)"},
    {"ConstantQueryString", "constant query strings: App Mesh has none"},
    {"DatetimeOffsets", "ISO 8601 timestamps with offsets: App Mesh sends epoch-second numbers"},
    {"DocumentType", "document types: not in App Mesh's model"},
    {"DocumentTypeAsMapValue", "document types: not in App Mesh's model"},
    {"DocumentTypeAsPayload", "document types: not in App Mesh's model"},
    {"EmptyInputAndEmptyOutput",
     "empty input/output: App Mesh's virtual-service operations always carry a body "
     "(an empty 200 body is a ResponseError, tested in test_json)"},
    {"EndpointOperation", "endpoint host prefixes: App Mesh has none"},
    {"EndpointWithHostLabelOperation", "host labels: App Mesh has none"},
    {"HostWithPathOperation", "endpoint base paths are endpoint.c's (am_url_parse)"},
    {"HttpChecksumRequired", "request checksums: App Mesh does not require them"},
    {"HttpEnumPayload", "enum payloads: not in App Mesh's model"},
    {"HttpPayloadTraits", "blob payloads: not in App Mesh's model"},
    {"HttpPayloadWithStructure",
     "a payload of another structure: App Mesh's payload (VirtualServiceData) is tested with "
     "fixtures in test_json"},
    {"HttpPayloadWithUnion", "union payloads: not in App Mesh's model"},
    {"HttpPrefixHeaders", "prefix headers: not in App Mesh's model"},
    {"HttpPrefixHeadersInResponse", "prefix headers: not in App Mesh's model"},
    {"HttpRequestWithFloatLabels", "float labels: App Mesh's labels are strings"},
    {"HttpRequestWithLabelsAndTimestampFormat", "timestamp labels: App Mesh's labels are strings"},
    {"HttpResponseCode", "members bound to the status code: not in App Mesh's model"},
    {"HttpStringPayload", "string payloads: not in App Mesh's model"},
    {"IgnoreQueryParamsInResponse", "output members bound to the URI: not in App Mesh's model"},
    {"InputAndOutputWithHeaders", "members bound to headers: not in App Mesh's model"},
    {"JsonBlobs", "blobs (base64): not in App Mesh's model"},
    {"JsonEnums", "enum lists/sets/maps: not in App Mesh's model"},
    {"JsonIntEnums", "int enums: not in App Mesh's model"},
    {"JsonLists", "lists: not in App Mesh's virtual-service model"},
    {"JsonMaps", "maps: not in App Mesh's virtual-service model"},
    {"JsonTimestamps",
     "ISO 8601 / HTTP-date timestamps: App Mesh's JSON timestamps are epoch-second numbers"},
    {"JsonUnions",
     "unions of other member types: App Mesh's one union (provider) is tested in test_json"},
    {"MediaTypeHeader", "media-type headers: not in App Mesh's model"},
    {"NoInputAndNoOutput", "operations without input or output: App Mesh's all have both"},
    {"NoInputAndOutput", "operations without input: App Mesh's all have input"},
    {"NullAndEmptyHeadersClient", "members bound to headers: not in App Mesh's model"},
    {"OmitsSerializingEmptyLists", "list query parameters: not in App Mesh's model"},
    {"PostUnionWithJsonName", "jsonName renames: App Mesh's wire names equal member names"},
    {"PutWithContentEncoding", "request compression: App Mesh does not use it"},
    {"QueryIdempotencyTokenAutoFill",
     "idempotency token in the query string: App Mesh sends clientToken in the body (the UUIDv4 "
     "fill is the client's)"},
    {"QueryParamsAsStringListMap", "query maps: not in App Mesh's model"},
    {"QueryPrecedence", "query maps: not in App Mesh's model"},
    {"RecursiveShapes", "recursive shapes: not in App Mesh's virtual-service model"},
    {"SimpleScalarProperties", "scalars of these types: not in App Mesh's virtual-service model"},
    {"TestBodyStructure", "a body of another structure: App Mesh's body is tested in test_json"},
    {"TestGetNoInputNoPayload", "GET without input: App Mesh's update is a PUT with a body"},
    {"TestGetNoPayload", "GET without a payload: App Mesh's update is a PUT with a body"},
    {"TestPayloadBlob", "blob payloads: not in App Mesh's model"},
    {"TestPayloadStructure", "a payload of another structure: not in App Mesh's model"},
    {"TestPostNoInputNoPayload", "POST without input: not in App Mesh's virtual-service API"},
    {"TestPostNoPayload", "POST without a payload: not in App Mesh's virtual-service API"},
    {"TimestampFormatHeaders", "timestamps in headers: not in App Mesh's model"},
    {"UnitInputAndOutput", "unit input/output: App Mesh's operations all have both"},
};

static const char *skip_reason_for(const char *op)
{
    size_t i = 0;
    for (i = 0; i < sizeof(skip_reasons) / sizeof(skip_reasons[0]); i++) {
        if (strcmp(skip_reasons[i].op, op) == 0) {
            return skip_reasons[i].reason;
        }
    }
    return NULL;
}

/* ---- output vectors: error responses through am_rest_parse_error ---- */

static int run_error_vector(const cJSON *c)
{
    const cJSON *resp = cJSON_GetObjectItemCaseSensitive(c, "response");
    const cJSON *headers = cJSON_GetObjectItemCaseSensitive(resp, "headers");
    const cJSON *h = NULL;
    const char *want_code = jstr(c, "errorCode");
    const char *want_message = jstr(c, "errorMessage");
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(resp, "status_code");
    struct appmesh_error err = {0};
    struct appmesh_error scratch = {0};
    struct appmesh_http_response r;
    char prefix[32];

    CHECK(cJSON_IsNumber(status) && want_code != NULL, "vector shape");
    CHECK(make_response(&r, status->valueint, NULL, jstr(resp, "body")) == 0, "response");
    cJSON_ArrayForEach(h, headers)
    {
        CHECK(cJSON_IsString(h), "header value");
        CHECK_OK(am_buf_printf(&r.headers, &scratch, "%s: %s\r\n", h->string, h->valuestring),
                 &scratch);
    }
    am_rest_parse_error(&r, &err);
    appmesh_http_response_cleanup(&r);

    CHECK_INT_EQ(err.status, APPMESH_ERR_SERVICE);
    CHECK_INT_EQ(err.http_status, status->valueint);
    CHECK_STR_EQ(err.aws_code, want_code);
    CHECK_STR_EQ(appmesh_error_code(&err), want_code);
    if (want_message != NULL) {
        CHECK_STR_EQ(err.message, want_message);
    } else {
        /* No message in the response: ours names the status, so the error stays readable. */
        snprintf(prefix, sizeof(prefix), "HTTP %d", status->valueint);
        CHECK(strncmp(err.message, prefix, strlen(prefix)) == 0, err.message);
    }
    return 0;
}

/* ---- output vectors: epoch-second timestamps through json.c's number handling ---- */

/* The raw text of a top-level number member in a JSON body, or 0 when not a plain number. */
static size_t number_text(const char *body, const char *member, char *out, size_t outsize)
{
    char key[128];
    const char *p = NULL;
    size_t n = 0;
    snprintf(key, sizeof(key), "\"%s\"", member);
    p = strstr(body, key);
    if (p == NULL) {
        return 0;
    }
    p += strlen(key);
    while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r' || *p == ':') {
        p++;
    }
    while (n + 1 < outsize && (strchr("-+.eE0123456789", p[n]) != NULL) && p[n] != '\0') {
        out[n] = p[n];
        n++;
    }
    out[n] = '\0';
    return n;
}

/* Read `text` as metadata.createdAt and lastUpdatedAt; both must equal want exactly. */
static int check_epoch_seconds(const char *text, double want)
{
    char body[256];
    struct appmesh_error err = {0};
    struct appmesh_virtual_service_data d;
    int n = snprintf(body, sizeof(body), "{\"metadata\":{\"createdAt\":%s,\"lastUpdatedAt\":%s}}",
                     text, text);
    CHECK_OK(am_json_read_virtual_service_data(body, (size_t)n, &test_allocator, &d, &err), &err);
    CHECK(d.metadata.has_created_at && d.metadata.created_at == want, text);
    CHECK(d.metadata.has_last_updated_at && d.metadata.last_updated_at == want, text);
    appmesh_virtual_service_data_cleanup(&d);
    return 0;
}

/*
 * Members of the output shape that are epoch-second timestamps in the body (rest-json's
 * default format) and that the case's body gives as a number. Returns how many were checked.
 */
static int run_epoch_vector(const cJSON *suite, const cJSON *c, int *failed)
{
    const cJSON *shapes = cJSON_GetObjectItemCaseSensitive(suite, "shapes");
    const cJSON *given = cJSON_GetObjectItemCaseSensitive(c, "given");
    const char *out_name = jstr(cJSON_GetObjectItemCaseSensitive(given, "output"), "shape");
    const cJSON *out_shape = cJSON_GetObjectItemCaseSensitive(shapes, out_name);
    const cJSON *members = cJSON_GetObjectItemCaseSensitive(out_shape, "members");
    const cJSON *result = cJSON_GetObjectItemCaseSensitive(c, "result");
    const char *body = jstr(cJSON_GetObjectItemCaseSensitive(c, "response"), "body");
    const cJSON *m = NULL;
    int checked = 0;

    if (body == NULL || out_name == NULL) {
        return 0;
    }
    cJSON_ArrayForEach(m, members)
    {
        const cJSON *shape = cJSON_GetObjectItemCaseSensitive(shapes, jstr(m, "shape"));
        const char *format = jstr(shape, "timestampFormat");
        const cJSON *want = cJSON_GetObjectItemCaseSensitive(result, m->string);
        char text[64];
        if (strcmp(jstr(shape, "type") != NULL ? jstr(shape, "type") : "", "timestamp") != 0 ||
            jstr(m, "location") != NULL || !cJSON_IsNumber(want) ||
            (format != NULL && strcmp(format, "unixTimestamp") != 0) ||
            number_text(body, m->string, text, sizeof(text)) == 0) {
            continue;
        }
        checked++;
        if (check_epoch_seconds(text, want->valuedouble) != 0) {
            (*failed)++;
        }
    }
    return checked;
}

/*
 * The vectors hold no fractional epoch number; FractionalSeconds gives its instant
 * (946845296.123) as an ISO 8601 string. Its expected result, written as the epoch-seconds
 * number App Mesh would send, must come back exactly.
 */
static int run_fractional_vector(const cJSON *c)
{
    const cJSON *want =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(c, "result"), "datetime");
    char *text = NULL;
    int rc = 0;
    CHECK(cJSON_IsNumber(want), "result.datetime");
    CHECK(want->valuedouble != (double)(int64_t)want->valuedouble, "has a fraction");
    text = cJSON_PrintUnformatted(want);
    CHECK(text != NULL, "print");
    rc = check_epoch_seconds(text, want->valuedouble);
    cJSON_free(text);
    return rc;
}

/* ---- input vectors: string URI labels through am_rest_append_label ---- */

static size_t split_path(char *path, char **segs, size_t max)
{
    size_t n = 0;
    char *p = path;
    char *q = strchr(p, '?');
    if (q != NULL) {
        *q = '\0';
    }
    while (p != NULL && n < max) {
        segs[n++] = p;
        p = strchr(p, '/');
        if (p != NULL) {
            *p++ = '\0';
        }
    }
    return n;
}

/* Check every non-greedy string label of the case; returns how many were checked. */
static int run_label_vector(const cJSON *suite, const cJSON *c, int *failed)
{
    const cJSON *shapes = cJSON_GetObjectItemCaseSensitive(suite, "shapes");
    const cJSON *given = cJSON_GetObjectItemCaseSensitive(c, "given");
    const char *in_name = jstr(cJSON_GetObjectItemCaseSensitive(given, "input"), "shape");
    const cJSON *members = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(shapes, in_name), "members");
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(c, "params");
    const char *tmpl_src = jstr(cJSON_GetObjectItemCaseSensitive(given, "http"), "requestUri");
    const char *want_src = jstr(cJSON_GetObjectItemCaseSensitive(c, "serialized"), "uri");
    char tmpl[512], want[512];
    char *tsegs[32], *wsegs[32];
    size_t nt = 0, nw = 0, i = 0;
    int checked = 0;

    if (in_name == NULL || tmpl_src == NULL || want_src == NULL) {
        return 0;
    }
    snprintf(tmpl, sizeof(tmpl), "%s", tmpl_src);
    snprintf(want, sizeof(want), "%s", want_src);
    nt = split_path(tmpl, tsegs, 32);
    nw = split_path(want, wsegs, 32);
    for (i = 0; i < nt && i < nw; i++) {
        size_t len = strlen(tsegs[i]);
        const cJSON *m = NULL;
        const char *label = NULL;
        if (len < 3 || tsegs[i][0] != '{' || tsegs[i][len - 1] != '}') {
            continue;
        }
        if (tsegs[i][len - 2] == '+') {
            break; /* a greedy label takes the rest of the path: App Mesh has none */
        }
        tsegs[i][len - 1] = '\0';
        cJSON_ArrayForEach(m, members)
        {
            const cJSON *shape = cJSON_GetObjectItemCaseSensitive(shapes, jstr(m, "shape"));
            const char *loc = jstr(m, "location");
            const char *loc_name = jstr(m, "locationName");
            const char *type = jstr(shape, "type");
            if (loc != NULL && strcmp(loc, "uri") == 0 && loc_name != NULL &&
                strcmp(loc_name, tsegs[i] + 1) == 0 && type != NULL &&
                strcmp(type, "string") == 0) {
                label = jstr(params, m->string);
            }
        }
        if (label != NULL) {
            struct appmesh_error err = {0};
            struct appmesh_buf b;
            am_buf_init(&b, &test_allocator, 0);
            checked++;
            if (am_rest_append_label(&b, label, strlen(label), &err) != APPMESH_OK ||
                strcmp(am_buf_cstr(&b), wsegs[i]) != 0) {
                fprintf(stderr, "  label {%s}: got \"%s\", want \"%s\"\n", tsegs[i] + 1,
                        am_buf_cstr(&b), wsegs[i]);
                (*failed)++;
            }
            appmesh_buf_cleanup(&b);
        }
    }
    return checked;
}

/* ---- input vectors: string query members through am_rest_append_query ---- */

/* Whether the pair "name=value" (or "name") has one of the names. */
static bool pair_named(const char *pair, size_t len, char names[][64], size_t n)
{
    const char *eq = memchr(pair, '=', len);
    size_t name_len = eq != NULL ? (size_t)(eq - pair) : len;
    size_t i = 0;
    for (i = 0; i < n; i++) {
        if (strlen(names[i]) == name_len && memcmp(names[i], pair, name_len) == 0) {
            return true;
        }
    }
    return false;
}

/*
 * Build the query from the case's string query members (in the shape's order; a JSON null is
 * an absent member) and compare it with the serialized query's pairs of those names. Other
 * members (lists, maps, numbers, constants) are the operation's. Returns how many were checked.
 */
static int run_query_vector(const cJSON *suite, const cJSON *c, int *failed)
{
    const cJSON *shapes = cJSON_GetObjectItemCaseSensitive(suite, "shapes");
    const cJSON *given = cJSON_GetObjectItemCaseSensitive(c, "given");
    const char *in_name = jstr(cJSON_GetObjectItemCaseSensitive(given, "input"), "shape");
    const cJSON *members = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(shapes, in_name), "members");
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(c, "params");
    const char *uri = jstr(cJSON_GetObjectItemCaseSensitive(c, "serialized"), "uri");
    const char *query = uri != NULL && strchr(uri, '?') != NULL ? strchr(uri, '?') + 1 : "";
    const cJSON *m = NULL;
    char names[16][64];
    char want[1024];
    size_t n = 0, w = 0;
    struct appmesh_error err = {0};
    struct appmesh_buf got;
    int checked = 0;

    if (in_name == NULL || uri == NULL) {
        return 0;
    }
    am_buf_init(&got, &test_allocator, 0);
    cJSON_ArrayForEach(m, members)
    {
        const cJSON *shape = cJSON_GetObjectItemCaseSensitive(shapes, jstr(m, "shape"));
        const char *loc = jstr(m, "location");
        const char *loc_name = jstr(m, "locationName");
        const char *type = jstr(shape, "type");
        const cJSON *value = cJSON_GetObjectItemCaseSensitive(params, m->string);
        if (loc == NULL || strcmp(loc, "querystring") != 0 || loc_name == NULL || type == NULL ||
            strcmp(type, "string") != 0 || value == NULL || n == 16) {
            continue;
        }
        snprintf(names[n++], sizeof(names[0]), "%s", loc_name);
        checked++;
        if (am_rest_append_query(&got, loc_name, cJSON_IsString(value) ? value->valuestring : NULL,
                                 &err) != APPMESH_OK) {
            fprintf(stderr, "  query %s: %s\n", loc_name, err.message);
            (*failed)++;
        }
    }
    while (checked > 0 && *query != '\0') {
        const char *amp = strchr(query, '&');
        size_t len = amp != NULL ? (size_t)(amp - query) : strlen(query);
        if (pair_named(query, len, names, n) && w + len + 2 < sizeof(want)) {
            if (w > 0) {
                want[w++] = '&';
            }
            memcpy(want + w, query, len);
            w += len;
        }
        query += len + (amp != NULL ? 1 : 0);
    }
    want[w] = '\0';
    if (checked > 0 && strcmp(am_buf_cstr(&got), want) != 0) {
        fprintf(stderr, "  query: got \"%s\", want \"%s\"\n", am_buf_cstr(&got), want);
        (*failed)++;
    }
    appmesh_buf_cleanup(&got);
    return checked;
}

/* ---- the vector driver ---- */

enum vector_kind { RUN_ERRORS = 1, RUN_EPOCH = 2, RUN_LABELS = 4, RUN_SKIPS = 8, RUN_QUERY = 16 };

static int run_vectors(const char *path, const char *dir, unsigned kinds, struct tally *t)
{
    cJSON *root = load_json(path);
    const cJSON *suite = NULL;
    CHECK(root != NULL, path);
    cJSON_ArrayForEach(suite, root)
    {
        const cJSON *c = NULL;
        cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(suite, "cases"))
        {
            const char *id = jstr(c, "id");
            const char *op = jstr(cJSON_GetObjectItemCaseSensitive(c, "given"), "name");
            const char *reason = NULL;
            int failed = 0;
            int checked = 0;

            if (id == NULL || op == NULL) {
                report(t, dir, "?", "?", 1, "(vector without id or operation name)");
                continue;
            }
            if (strcmp(dir, "output") == 0 && jstr(c, "errorCode") != NULL) {
                if (kinds & RUN_ERRORS) {
                    report(t, dir, op, id, run_error_vector(c), NULL);
                }
                continue;
            }
            if (strcmp(dir, "output") == 0 && strcmp(op, "FractionalSeconds") == 0) {
                if (kinds & RUN_EPOCH) {
                    report(t, dir, op, id, run_fractional_vector(c),
                           "(expected instant sent as an epoch-seconds number)");
                }
                continue;
            }
            if (strcmp(dir, "output") == 0) {
                checked = run_epoch_vector(suite, c, &failed);
                if (checked > 0) {
                    if (kinds & RUN_EPOCH) {
                        report(t, dir, op, id, failed, "(epoch-seconds number)");
                    }
                    continue;
                }
            } else {
                checked = run_label_vector(suite, c, &failed);
                if (checked > 0) {
                    if (kinds & RUN_LABELS) {
                        report(t, dir, op, id, failed,
                               "(string labels; other label types are not App Mesh's)");
                    }
                    continue;
                }
                checked = run_query_vector(suite, c, &failed);
                if (checked > 0) {
                    if (kinds & RUN_QUERY) {
                        report(t, dir, op, id, failed,
                               "(string query members; other members are the operation's)");
                    }
                    continue;
                }
            }
            if (!(kinds & RUN_SKIPS)) {
                continue;
            }
            if (strcmp(op, "GreetingWithErrors") == 0) {
                reason = "a success response whose only member is a header (X-Greeting): App "
                         "Mesh's outputs are body-only";
            } else if (strcmp(dir, "input") == 0 && strcmp(op, "JsonTimestamps") == 0) {
                reason = "timestamp serialization: App Mesh's inputs carry no timestamps";
            } else {
                reason = skip_reason_for(op);
            }
            if (reason == NULL) {
                report(t, dir, op, id, 1, "(no skip reason: map this vector or give a reason)");
            } else {
                skip(t, dir, op, id, reason);
            }
        }
    }
    cJSON_Delete(root);
    return 0;
}

static int run_kind(unsigned kinds, int min_ok)
{
    struct tally t = {0, 0, 0};
    CHECK(run_vectors(VECTORS_OUTPUT, "output", kinds, &t) == 0, "output vectors");
    CHECK(run_vectors(VECTORS_INPUT, "input", kinds, &t) == 0, "input vectors");
    if (kinds & RUN_SKIPS) {
        printf("     rest vectors skipped: %d\n", t.skipped);
    }
    CHECK_INT_EQ(t.failed, 0);
    CHECK(t.ok >= min_ok, "expected number of vectors ran");
    return 0;
}

static int parses_every_error_vector(void)
{
    return run_kind(RUN_ERRORS, 12);
}

static int reads_every_epoch_seconds_vector(void)
{
    return run_kind(RUN_EPOCH, 4);
}

static int escapes_every_string_label_vector(void)
{
    return run_kind(RUN_LABELS, 4);
}

static int builds_every_string_query_vector(void)
{
    return run_kind(RUN_QUERY, 9);
}

static int gives_every_other_vector_a_skip_reason(void)
{
    return run_kind(RUN_SKIPS, 0);
}

/* ---- our own label cases ---- */

static int check_label(const char *prefix, const char *in, size_t n, const char *want)
{
    struct appmesh_error err = {0};
    struct appmesh_buf b;
    am_buf_init(&b, &test_allocator, 0);
    if (prefix != NULL) {
        CHECK_OK(am_buf_append_str(&b, prefix, &err), &err);
    }
    CHECK_OK(am_rest_append_label(&b, in, n, &err), &err);
    CHECK_MEM_EQ(b.ptr, b.len, want, strlen(want));
    CHECK(b.ptr[b.len] == '\0', "NUL-terminated");
    appmesh_buf_cleanup(&b);
    return 0;
}

static int encodes_dot_segments(void)
{
    CHECK(check_label(NULL, ".", 1, "%2E") == 0, "\".\"");
    CHECK(check_label(NULL, "..", 2, "%2E%2E") == 0, "\"..\"");
    CHECK(check_label(NULL, "...", 3, "...") == 0, "three dots are a name");
    CHECK(check_label(NULL, ".a", 2, ".a") == 0, "leading dot");
    CHECK(check_label(NULL, "a..", 3, "a..") == 0, "trailing dots");
    return 0;
}

/* Bytes first..255 into in, and their expected encoding (unreserved kept, else %XX) into want. */
static void every_byte(unsigned first, char *in, char *want, size_t want_size)
{
    size_t w = strlen(want);
    unsigned i = 0;
    for (i = first; i < 256; i++) {
        unsigned char c = (unsigned char)i;
        in[i - first] = (char)c;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            want[w++] = (char)c;
        } else {
            w += (size_t)snprintf(want + w, want_size - w, "%%%02X", c);
        }
    }
    want[w] = '\0';
}

static int keeps_only_unreserved_bytes(void)
{
    char in[256];
    char want[256 * 3 + 1] = "";
    every_byte(0, in, want, sizeof(want));
    return check_label(NULL, in, 256, want);
}

static int encodes_app_mesh_names(void)
{
    CHECK(check_label("/v20190125/meshes/", "ecs-mesh", 8, "/v20190125/meshes/ecs-mesh") == 0,
          "plain mesh name");
    CHECK(check_label(NULL, "colorgateway.default.svc.cluster.local", 38,
                      "colorgateway.default.svc.cluster.local") == 0,
          "dotted service name");
    CHECK(check_label(NULL, "my mesh/\xc3\xa9?#%", 13, "my%20mesh%2F%C3%A9%3F%23%25") == 0,
          "reserved and UTF-8 bytes");
    CHECK(check_label(NULL, "", 0, "") == 0, "empty label");
    return 0;
}

static int reports_nomem_for_label(void)
{
    struct appmesh_error err = {0};
    struct appmesh_buf b;
    am_buf_init(&b, &test_allocator, 0);
    test_alloc_state.fail_at = 1;
    CHECK_STATUS(am_rest_append_label(&b, "x", 1, &err), APPMESH_ERR_NOMEM, &err);
    appmesh_buf_cleanup(&b);
    return 0;
}

/* ---- our own query-string cases ---- */

struct query_step {
    const char *name;
    const char *value;
};

/* Append each step in turn to a fresh buffer and compare the result with want. */
static int check_query(const struct query_step *steps, size_t n, const char *want)
{
    struct appmesh_error err = {0};
    struct appmesh_buf b;
    size_t i = 0;
    am_buf_init(&b, &test_allocator, 0);
    for (i = 0; i < n; i++) {
        CHECK_OK(am_rest_append_query(&b, steps[i].name, steps[i].value, &err), &err);
    }
    CHECK_STR_EQ(am_buf_cstr(&b), want);
    CHECK_INT_EQ(b.len, strlen(want));
    appmesh_buf_cleanup(&b);
    return 0;
}

static int writes_the_first_pair_without_an_ampersand(void)
{
    static const struct query_step steps[] = {{"meshOwner", "123456789012"}};
    return check_query(steps, 1, "meshOwner=123456789012");
}

static int joins_pairs_with_ampersands_in_call_order(void)
{
    static const struct query_step steps[] = {
        {"limit", "25"}, {"meshOwner", "123456789012"}, {"nextToken", "abc"}};
    return check_query(steps, 3, "limit=25&meshOwner=123456789012&nextToken=abc");
}

static int omits_a_null_value(void)
{
    static const struct query_step steps[] = {
        {"meshOwner", NULL}, {"limit", "5"}, {"nextToken", NULL}};
    return check_query(steps, 3, "limit=5");
}

static int writes_an_empty_value_as_name_equals(void)
{
    static const struct query_step steps[] = {{"Empty", ""}, {"x", "1"}};
    return check_query(steps, 2, "Empty=&x=1");
}

static int encodes_reserved_bytes_of_a_token(void)
{
    static const struct query_step steps[] = {{"nextToken", "eyJ+/==&a=b c%\xc3\xa9"}};
    return check_query(steps, 1, "nextToken=eyJ%2B%2F%3D%3D%26a%3Db%20c%25%C3%A9");
}

static int keeps_dots_in_query_values(void)
{
    static const struct query_step steps[] = {{"a", "."}, {"b", ".."}, {"c", "a.b"}};
    return check_query(steps, 3, "a=.&b=..&c=a.b");
}

static int encodes_every_byte_but_unreserved_in_a_value(void)
{
    char in[256];
    char want[2 + 255 * 3 + 1] = "v=";
    struct query_step step = {"v", in};
    every_byte(1, in, want, sizeof(want)); /* every byte but NUL, which ends the value */
    in[255] = '\0';
    return check_query(&step, 1, want);
}

static int refuses_a_null_name_and_appends_nothing(void)
{
    struct appmesh_error err = {0};
    struct appmesh_buf b;
    am_buf_init(&b, &test_allocator, 0);
    CHECK_OK(am_rest_append_query(&b, "a", "1", &err), &err);
    CHECK_STATUS(am_rest_append_query(&b, NULL, "x", &err), APPMESH_ERR_INVALID_ARGUMENT, &err);
    CHECK_STR_EQ(err.message, "query parameter name is NULL");
    CHECK_STR_EQ(am_buf_cstr(&b), "a=1");
    appmesh_buf_cleanup(&b);
    return 0;
}

static int leaves_the_query_as_it_was_when_out_of_memory(void)
{
    static char token[200];
    struct appmesh_error err = {0};
    struct appmesh_buf b;
    memset(token, 't', sizeof(token) - 1);
    am_buf_init(&b, &test_allocator, 0);
    CHECK_OK(am_rest_append_query(&b, "meshOwner", "123456789012", &err), &err);
    test_alloc_state.fail_at = test_alloc_state.calls + 1; /* the growth for the token */
    CHECK_STATUS(am_rest_append_query(&b, "nextToken", token, &err), APPMESH_ERR_NOMEM, &err);
    CHECK_STR_EQ(am_buf_cstr(&b), "meshOwner=123456789012");
    CHECK_INT_EQ(b.len, strlen("meshOwner=123456789012"));
    appmesh_buf_cleanup(&b);
    return 0;
}

static int leaves_the_query_as_it_was_past_the_buffer_limit(void)
{
    struct appmesh_error err = {0};
    struct appmesh_buf b;
    am_buf_init(&b, &test_allocator, 16);
    CHECK_OK(am_rest_append_query(&b, "limit", "5", &err), &err);
    CHECK(am_rest_append_query(&b, "nextToken", "abcdef", &err) != APPMESH_OK, "over the limit");
    CHECK_STR_EQ(am_buf_cstr(&b), "limit=5");
    appmesh_buf_cleanup(&b);
    return 0;
}

/* ---- our own error-response cases ---- */

struct error_case {
    const char *name;
    int status;
    const char *headers;
    const char *body;
    const char *code;
    const char *message;
    const char *request_id;
};

static const struct error_case error_cases[] = {
    {"reads_app_mesh_not_found", 404,
     "Content-Type: application/json\r\nx-amzn-RequestId: 5f3e-11\r\n"
     "x-amzn-ErrorType: NotFoundException:http://internal.amazon.com/coral/com.amazonaws.appmesh/"
     "\r\n",
     "{\"message\":\"Mesh ecs-mesh not found\"}", "NotFoundException", "Mesh ecs-mesh not found",
     "5f3e-11"},
    {"prefers_the_header_code_over_the_body", 409, "X-Amzn-ErrorType: ConflictException\r\n",
     "{\"code\":\"Other\",\"__type\":\"Third\",\"message\":\"m\"}", "ConflictException", "m", ""},
    {"prefers_body_code_over_type", 400, NULL,
     "{\"__type\":\"ns#Second\",\"code\":\"BadRequestException\"}", "BadRequestException",
     "HTTP 400 Bad Request", ""},
    {"reads_capitalised_code_and_message", 400, NULL,
     "{\"Code\":\"BadRequestException\",\"Message\":\"Bad\"}", "BadRequestException", "Bad", ""},
    {"prefers_lower_case_message", 400, NULL,
     "{\"__type\":\"X\",\"Message\":\"upper\",\"message\":\"lower\"}", "X", "lower", ""},
    {"skips_a_non_string_code", 400, NULL, "{\"code\":5,\"__type\":\"ns#Typed\"}", "Typed",
     "HTTP 400 Bad Request", ""},
    {"skips_a_code_that_is_only_a_namespace", 400, "x-amzn-ErrorType: ns#:uri\r\n",
     "{\"__type\":\"Fallback\"}", "Fallback", "HTTP 400 Bad Request", ""},
    {"uses_the_status_for_an_html_body", 502, "Content-Type: text/html\r\n",
     "<html><body>502 Bad Gateway</body></html>", "502",
     "HTTP 502 Bad Gateway (the response body is not a JSON object)", ""},
    {"uses_the_status_for_an_empty_body", 503, "x-amzn-RequestId: r-1\r\n", "", "503",
     "HTTP 503 Service Unavailable", "r-1"},
    {"uses_the_status_for_a_json_array_body", 500, NULL, "[{\"code\":\"X\"}]", "500",
     "HTTP 500 Internal Server Error (the response body is not a JSON object)", ""},
    {"uses_the_status_for_truncated_json", 429, NULL, "{\"code\":\"Throttl", "429",
     "HTTP 429 Too Many Requests (the response body is not a JSON object)", ""},
    {"names_a_status_without_a_reason_phrase", 418, NULL, NULL, "418", "HTTP 418", ""},
    {"trims_spaces_around_the_code", 400, NULL, "{\"__type\":\"  Spaced  \"}", "Spaced",
     "HTTP 400 Bad Request", ""},
    {"flattens_a_multi_line_message", 400, "x-amzn-ErrorType: E\r\n",
     "{\"message\":\"line one\\nline two\"}", "E", "line one line two", ""},
};

static int run_error_case(const struct error_case *c)
{
    struct appmesh_error err = {0};
    struct appmesh_http_response r;
    CHECK(make_response(&r, c->status, c->headers, c->body) == 0, "response");
    am_rest_parse_error(&r, &err);
    appmesh_http_response_cleanup(&r);
    CHECK_INT_EQ(err.status, APPMESH_ERR_SERVICE);
    CHECK_INT_EQ(err.http_status, c->status);
    CHECK_STR_EQ(err.aws_code, c->code);
    CHECK_STR_EQ(err.message, c->message);
    CHECK_STR_EQ(err.request_id, c->request_id);
    CHECK_STR_EQ(err.field, "");
    return 0;
}

static int parses_every_error_table_row(void)
{
    size_t i = 0;
    int failed = 0;
    for (i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
        int rc = run_error_case(&error_cases[i]);
        printf("%s rest.error/%s\n", rc == 0 ? "ok  " : "FAIL", error_cases[i].name);
        failed += rc;
    }
    return failed == 0 ? 0 : 1;
}

static int truncates_long_fields_safely(void)
{
    static char body[4096];
    static char rid[200];
    static char headers[512];
    struct appmesh_error err = {0};
    struct appmesh_http_response r;
    size_t i = 0, n = 0;

    n = (size_t)snprintf(body, sizeof(body), "{\"__type\":\"");
    for (i = 0; i < 100; i++) {
        body[n++] = 'C';
    }
    n += (size_t)snprintf(body + n, sizeof(body) - n, "\",\"message\":\"");
    for (i = 0; i < 300; i++) { /* 600 bytes of two-byte characters */
        body[n++] = '\xc3';
        body[n++] = '\xa9';
    }
    snprintf(body + n, sizeof(body) - n, "\"}");
    memset(rid, 'r', sizeof(rid) - 1);
    snprintf(headers, sizeof(headers), "x-amzn-RequestId: %s\r\n", rid);
    CHECK(make_response(&r, 400, headers, body) == 0, "response");
    am_rest_parse_error(&r, &err);
    appmesh_http_response_cleanup(&r);
    CHECK_INT_EQ(strlen(err.aws_code), sizeof(err.aws_code) - 1);
    CHECK_INT_EQ(strlen(err.request_id), sizeof(err.request_id) - 1);
    CHECK(strlen(err.message) <= sizeof(err.message) - 1, "message fits");
    CHECK(strlen(err.message) % 2 == 0, "message is cut between characters");
    CHECK(am_utf8_count(err.message, strlen(err.message)) > 0, "message stays valid UTF-8");
    return 0;
}

static int overwrites_an_earlier_error_but_keeps_attempts(void)
{
    struct appmesh_error err = {0};
    struct appmesh_http_response r;
    am_fail_field(&err, "meshName", "old");
    snprintf(err.aws_code, sizeof(err.aws_code), "Old");
    snprintf(err.request_id, sizeof(err.request_id), "old-id");
    err.retryable = true;
    err.attempts = 3;
    CHECK(make_response(&r, 404, "x-amzn-ErrorType: NotFoundException\r\n", "{}") == 0, "resp");
    am_rest_parse_error(&r, &err);
    appmesh_http_response_cleanup(&r);
    CHECK_INT_EQ(err.status, APPMESH_ERR_SERVICE);
    CHECK_STR_EQ(err.aws_code, "NotFoundException");
    CHECK_STR_EQ(err.message, "HTTP 404 Not Found");
    CHECK_STR_EQ(err.request_id, "");
    CHECK_STR_EQ(err.field, "");
    CHECK(!err.retryable, "classification is retry.c's");
    CHECK_INT_EQ(err.attempts, 3);
    return 0;
}

static int survives_a_zeroed_response_and_null_arguments(void)
{
    struct appmesh_error err = {0};
    struct appmesh_http_response r;
    memset(&r, 0, sizeof(r));
    am_rest_parse_error(&r, NULL);
    am_rest_parse_error(&r, &err);
    CHECK_STR_EQ(err.aws_code, "0");
    CHECK_INT_EQ(err.status, APPMESH_ERR_SERVICE);
    appmesh_error_clear(&err);
    am_rest_parse_error(NULL, &err);
    CHECK_INT_EQ(err.status, APPMESH_ERR_SERVICE);
    CHECK(err.message[0] != '\0', "message");
    return 0;
}

static int gives_a_usable_error_for_every_truncated_body(void)
{
    static const char body[] =
        "{\"__type\":\"ns#ConflictException\",\"message\":\"Version conflict \\u00e9\"}";
    size_t i = 0;
    for (i = 0; i <= sizeof(body) - 1; i++) {
        struct appmesh_error err = {0};
        struct appmesh_http_response r;
        char *exact = malloc(i == 0 ? 1 : i);
        CHECK(exact != NULL, "malloc");
        memcpy(exact, body, i);
        memset(&r, 0, sizeof(r));
        r.status = 409;
        r.body.ptr = exact; /* borrowed for the call; exactly sized so overreads show */
        r.body.len = i;
        am_rest_parse_error(&r, &err);
        free(exact);
        CHECK_INT_EQ(err.status, APPMESH_ERR_SERVICE);
        CHECK_INT_EQ(err.http_status, 409);
        if (i == sizeof(body) - 1) {
            CHECK_STR_EQ(err.aws_code, "ConflictException");
            CHECK_STR_EQ(err.message, "Version conflict \xc3\xa9");
        } else {
            CHECK_STR_EQ(err.aws_code, "409");
            CHECK(strncmp(err.message, "HTTP 409 Conflict", 17) == 0, err.message);
        }
    }
    return 0;
}

static const struct test_case cases[] = {
    {"parses_every_error_vector", parses_every_error_vector},
    {"reads_every_epoch_seconds_vector", reads_every_epoch_seconds_vector},
    {"escapes_every_string_label_vector", escapes_every_string_label_vector},
    {"gives_every_other_vector_a_skip_reason", gives_every_other_vector_a_skip_reason},
    {"encodes_dot_segments", encodes_dot_segments},
    {"keeps_only_unreserved_bytes", keeps_only_unreserved_bytes},
    {"encodes_app_mesh_names", encodes_app_mesh_names},
    {"reports_nomem_for_label", reports_nomem_for_label},
    {"builds_every_string_query_vector", builds_every_string_query_vector},
    {"writes_the_first_pair_without_an_ampersand", writes_the_first_pair_without_an_ampersand},
    {"joins_pairs_with_ampersands_in_call_order", joins_pairs_with_ampersands_in_call_order},
    {"omits_a_null_value", omits_a_null_value},
    {"writes_an_empty_value_as_name_equals", writes_an_empty_value_as_name_equals},
    {"encodes_reserved_bytes_of_a_token", encodes_reserved_bytes_of_a_token},
    {"keeps_dots_in_query_values", keeps_dots_in_query_values},
    {"encodes_every_byte_but_unreserved_in_a_value", encodes_every_byte_but_unreserved_in_a_value},
    {"refuses_a_null_name_and_appends_nothing", refuses_a_null_name_and_appends_nothing},
    {"leaves_the_query_as_it_was_when_out_of_memory",
     leaves_the_query_as_it_was_when_out_of_memory},
    {"leaves_the_query_as_it_was_past_the_buffer_limit",
     leaves_the_query_as_it_was_past_the_buffer_limit},
    {"parses_every_error_table_row", parses_every_error_table_row},
    {"truncates_long_fields_safely", truncates_long_fields_safely},
    {"gives_a_usable_error_for_every_truncated_body",
     gives_a_usable_error_for_every_truncated_body},
    {"overwrites_an_earlier_error_but_keeps_attempts",
     overwrites_an_earlier_error_but_keeps_attempts},
    {"survives_a_zeroed_response_and_null_arguments",
     survives_a_zeroed_response_and_null_arguments},
};

TEST_MAIN("rest", cases)
