/* SPDX-License-Identifier: MIT */
/* Fuzz target: the 2xx body parsers (VirtualServiceData, a list page) and the error parser. */
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <string.h>

#include "appmesh/appmesh.h"
#include "fuzz.h"
#include "fuzz_alloc.h"
#include "internal.h"
#include "json.h"
#include "rest.h"
#include "retry.h"

/*
 * The input is a response: "HTTP/1.1 404 ...\r\nName: value\r\n...\r\n\r\nbody" (status line,
 * header lines, a blank line, the body), or, when it does not start with "HTTP/", a bare body
 * (status 400, no headers). Every parser sees the body; the error parser sees all of it.
 */
struct response {
    int status;
    const char *headers;
    size_t headers_len;
    const char *body;
    size_t body_len;
};

static void split_response(const char *p, size_t n, struct response *r)
{
    const char *end = p + n;
    const char *eol = NULL;
    const char *q = NULL;
    int status = 0;
    int digits = 0;

    memset(r, 0, sizeof(*r));
    r->status = 400;
    r->body = p;
    r->body_len = n;
    if (n < 5 || memcmp(p, "HTTP/", 5) != 0) {
        return;
    }
    eol = memchr(p, '\n', n);
    q = memchr(p, ' ', (size_t)((eol != NULL ? eol : end) - p));
    for (q = q != NULL ? q + 1 : end; q < end && *q >= '0' && *q <= '9' && digits < 3; q++) {
        status = status * 10 + (*q - '0');
        digits++;
    }
    r->status = status;
    r->headers = eol != NULL ? eol + 1 : end;
    r->body = end;
    r->body_len = 0;
    /* The headers end at the first empty line ("\n\n" or "\n\r\n"). */
    for (q = r->headers; q < end; q++) {
        if (*q == '\n' && (q == r->headers || q[-1] == '\n' ||
                           (q[-1] == '\r' && q - 1 > r->headers && q[-2] == '\n'))) {
            break;
        }
    }
    r->headers_len = (size_t)(q - r->headers);
    if (q < end) {
        r->body = q + 1;
        r->body_len = (size_t)(end - r->body);
    }
}

/* A NUL-terminated string no longer than size - 1 bytes, as the fixed error fields must be. */
static bool terminated(const char *s, size_t size)
{
    return memchr(s, '\0', size) != NULL;
}

static void check_error_fields(const struct appmesh_error *err)
{
    FUZZ_CHECK(terminated(err->message, sizeof(err->message)), "message is terminated");
    FUZZ_CHECK(terminated(err->aws_code, sizeof(err->aws_code)), "aws_code is terminated");
    FUZZ_CHECK(terminated(err->request_id, sizeof(err->request_id)), "request_id is terminated");
    FUZZ_CHECK(terminated(err->field, sizeof(err->field)), "field is terminated");
    FUZZ_CHECK(strpbrk(err->message, "\r\n") == NULL, "the message is one line");
    FUZZ_CHECK(strpbrk(err->aws_code, "\r\n") == NULL, "the code is one line");
    FUZZ_CHECK(strpbrk(err->request_id, "\r\n") == NULL, "the request id is one line");
}

/* The name the spec carries, or NULL. */
static const char *provider_name(const struct appmesh_virtual_service_spec *spec)
{
    switch (spec->provider.kind) {
        case APPMESH_PROVIDER_VIRTUAL_NODE:
            return spec->provider.u.virtual_node.virtual_node_name;
        case APPMESH_PROVIDER_VIRTUAL_ROUTER:
            return spec->provider.u.virtual_router.virtual_router_name;
        default:
            return NULL;
    }
}

/* A parsed spec written as an update body reads back as the same provider name. */
static void check_spec_round_trip(const struct appmesh_virtual_service_spec *spec)
{
    struct appmesh_buf out;
    struct appmesh_error err = {0};
    const char *name = provider_name(spec);
    cJSON *root = NULL;
    const cJSON *item = NULL;

    am_buf_init(&out, NULL, 0);
    FUZZ_CHECK(am_json_write_update_body(&out, "token", spec, &err) == APPMESH_OK, err.message);
    root = cJSON_ParseWithLength(out.ptr, out.len);
    FUZZ_CHECK(root != NULL, "the update body is JSON");
    item = cJSON_GetObjectItemCaseSensitive(root, "spec");
    item = cJSON_GetObjectItemCaseSensitive(item, "provider");
    if (name == NULL) {
        FUZZ_CHECK(item == NULL, "no provider is written when there is none");
    } else {
        item = cJSON_GetObjectItemCaseSensitive(
            item,
            spec->provider.kind == APPMESH_PROVIDER_VIRTUAL_NODE ? "virtualNode" : "virtualRouter");
        item = cJSON_GetObjectItemCaseSensitive(
            item, spec->provider.kind == APPMESH_PROVIDER_VIRTUAL_NODE ? "virtualNodeName"
                                                                       : "virtualRouterName");
        FUZZ_CHECK(cJSON_IsString(item) && strcmp(item->valuestring, name) == 0,
                   "the provider name survives writing");
    }
    cJSON_Delete(root);
    appmesh_buf_cleanup(&out);
}

static void check_data(const struct appmesh_virtual_service_data *d)
{
    FUZZ_CHECK(d->spec.provider.kind == APPMESH_PROVIDER_NONE || provider_name(&d->spec) != NULL,
               "a provider kind comes with its name");
    FUZZ_CHECK(d->status.code != APPMESH_STATUS_UNKNOWN || d->status.raw != NULL,
               "an unknown status keeps its text");
    FUZZ_CHECK((d->status.code == APPMESH_STATUS_ABSENT) == (d->status.raw == NULL),
               "a status code comes with its text");
    check_spec_round_trip(&d->spec);
}

/* Parse body as VirtualServiceData with every allocator behaviour worth trying. */
static void parse_data(const char *body, size_t len, unsigned long seed)
{
    struct fuzz_alloc fa;
    struct appmesh_allocator a = fuzz_alloc_init(&fa, 0);
    struct appmesh_virtual_service_data d;
    struct appmesh_virtual_service_data copy;
    struct appmesh_error err = {0};
    enum appmesh_status st = am_json_read_virtual_service_data(body, len, &a, &d, &err);
    long allocations = fa.count;

    if (st == APPMESH_OK) {
        check_data(&d);
        FUZZ_CHECK(appmesh_virtual_service_data_copy(&copy, &d, &a, &err) == APPMESH_OK,
                   err.message);
        FUZZ_CHECK(copy.spec.provider.kind == d.spec.provider.kind, "a copy keeps the provider");
        FUZZ_CHECK(copy.metadata.has_version == d.metadata.has_version &&
                       copy.metadata.version == d.metadata.version,
                   "a copy keeps the version");
        appmesh_virtual_service_data_cleanup(&copy);
    } else {
        FUZZ_CHECK(st == APPMESH_ERR_RESPONSE, "a bad body is a RESPONSE error");
        FUZZ_CHECK(err.message[0] != '\0', "a failure says why");
    }
    check_error_fields(&err);
    appmesh_virtual_service_data_cleanup(&d);
    FUZZ_CHECK(fa.live == 0, "VirtualServiceData parsing frees what it allocates");

    /* Run out of memory at one of the allocations the parse made. */
    if (allocations > 0) {
        struct appmesh_error oom = {0};
        a = fuzz_alloc_init(&fa, 1 + (long)(seed % (unsigned long)allocations));
        st = am_json_read_virtual_service_data(body, len, &a, &d, &oom);
        FUZZ_CHECK(st == APPMESH_ERR_NOMEM, "out of memory is NOMEM");
        check_error_fields(&oom);
        appmesh_virtual_service_data_cleanup(&d);
        FUZZ_CHECK(fa.live == 0, "out of memory leaks nothing");
    }
}

static void check_list(const struct appmesh_virtual_service_list *l)
{
    size_t i = 0;

    FUZZ_CHECK((l->count == 0) == (l->items == NULL), "items is NULL exactly when empty");
    for (i = 0; i < l->count; i++) {
        const struct appmesh_virtual_service_ref *r = &l->items[i];
        FUZZ_CHECK(r->has_version || r->version == 0, "an absent version is 0");
    }
}

static void parse_list(const char *body, size_t len, unsigned long seed)
{
    struct fuzz_alloc fa;
    struct appmesh_allocator a = fuzz_alloc_init(&fa, 0);
    struct appmesh_virtual_service_list l;
    struct appmesh_error err = {0};
    enum appmesh_status st = am_json_read_virtual_service_list(body, len, &a, &l, &err);
    long allocations = fa.count;

    if (st == APPMESH_OK) {
        check_list(&l);
    } else {
        FUZZ_CHECK(st == APPMESH_ERR_RESPONSE || st == APPMESH_ERR_NOMEM,
                   "a bad list is a RESPONSE error");
        FUZZ_CHECK(err.message[0] != '\0', "a failure says why");
        FUZZ_CHECK(l.count == 0 && l.items == NULL && l.next_token == NULL,
                   "a failed parse leaves the list empty");
    }
    check_error_fields(&err);
    appmesh_virtual_service_list_cleanup(&l);
    FUZZ_CHECK(fa.live == 0, "list parsing frees what it allocates");

    if (allocations > 0) {
        struct appmesh_error oom = {0};
        a = fuzz_alloc_init(&fa, 1 + (long)(seed % (unsigned long)allocations));
        st = am_json_read_virtual_service_list(body, len, &a, &l, &oom);
        FUZZ_CHECK(st == APPMESH_ERR_NOMEM, "out of memory is NOMEM");
        check_error_fields(&oom);
        appmesh_virtual_service_list_cleanup(&l);
        FUZZ_CHECK(fa.live == 0, "out of memory leaks nothing");
    }
}

/* The error parser over the response as a transport would hold it (NUL-terminated buffers). */
static void parse_error(const struct response *r)
{
    struct appmesh_http_response resp;
    struct appmesh_error err = {0};
    struct appmesh_slice v = {NULL, 0};
    enum am_retry_kind kind = AM_RETRY_NONE;

    memset(&resp, 0, sizeof(resp));
    resp.status = r->status;
    am_buf_init(&resp.headers, NULL, 0);
    am_buf_init(&resp.body, NULL, 0);
    FUZZ_CHECK(am_buf_append(&resp.headers, r->headers, r->headers_len, &err) == APPMESH_OK,
               err.message);
    FUZZ_CHECK(am_buf_append(&resp.body, r->body, r->body_len, &err) == APPMESH_OK, err.message);

    am_rest_parse_error(&resp, &err);
    FUZZ_CHECK(err.status == APPMESH_ERR_SERVICE, "an error response is a SERVICE error");
    FUZZ_CHECK(err.http_status == r->status, "the HTTP status is kept");
    FUZZ_CHECK(err.aws_code[0] != '\0', "there is always a code");
    FUZZ_CHECK(err.message[0] != '\0', "there is always a message");
    check_error_fields(&err);
    if (appmesh_http_response_header(&resp, "x-amzn-RequestId", &v)) {
        FUZZ_CHECK(v.ptr >= resp.headers.ptr &&
                       v.ptr + v.len <= resp.headers.ptr + resp.headers.len,
                   "a header value lies inside the headers");
    }

    kind = am_retry_classify(&err);
    if (kind == AM_RETRY_THROTTLING) {
        FUZZ_CHECK(err.status == APPMESH_ERR_THROTTLED && err.retryable,
                   "throttling is THROTTLED and retryable");
    }
    if (kind == AM_RETRY_NONE) {
        FUZZ_CHECK(!err.retryable, "NONE is not retryable");
    }
    appmesh_http_response_cleanup(&resp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct response r;
    unsigned long seed = fuzz_hash(data, size);

    split_response((const char *)data, size, &r);
    parse_data(r.body, r.body_len, seed);
    parse_list(r.body, r.body_len, seed);
    parse_error(&r);
    return 0;
}
