/* SPDX-License-Identifier: MIT */
/* The sans-I/O call state machine: request building, per-attempt signing, retry decisions. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "appmesh/credentials.h"
#include "appmesh/http.h"
#include "appmesh/model.h"
#include "appmesh/sigv4.h"
#include "credentials.h"
#include "crypto.h"
#include "deserialize.h"
#include "identity.h"
#include "internal.h"
#include "json.h"
#include "operation.h"
#include "request.h"
#include "rest.h"
#include "retry.h"
#include "serialize.h"
#include "timefmt.h"

#define SIGNING_NAME "appmesh"
#define API_VERSION  "v20190125"
/* Room for the request and response bodies: App Mesh answers are small. */
#define MAX_REQUEST_BODY (1024 * 1024)
/* A skew error is corrected only when the server's Date is off by more than this (seconds):
 * with a smaller difference the Date cannot explain the error (it has 1 s resolution). */
#define MIN_SKEW_CORRECTION 60.0

void am_call_init(struct am_call *call, struct am_service *svc)
{
    const struct appmesh_allocator *alloc = svc->alloc;
    memset(call, 0, sizeof(*call));
    call->svc = svc;
    am_buf_init(&call->path, alloc, 0);
    am_buf_init(&call->query, alloc, 0);
    am_buf_init(&call->url, alloc, 0);
    am_buf_init(&call->body, alloc, MAX_REQUEST_BODY);
    am_buf_init(&call->preview, alloc, 0);
    am_buf_init(&call->expect, alloc, 0);
    am_buf_init(&call->sig.authorization, alloc, 0);
    am_buf_init(&call->sig.query, alloc, 0);
    am_buf_init(&call->sig.signed_headers, alloc, 0);
    am_buf_init(&call->sig.canonical_request, alloc, 0);
    am_buf_init(&call->sig.string_to_sign, alloc, 0);
}

void am_call_cleanup(struct am_call *call)
{
    appmesh_buf_cleanup(&call->path);
    appmesh_buf_cleanup(&call->query);
    appmesh_buf_cleanup(&call->url);
    appmesh_buf_cleanup(&call->body);
    appmesh_buf_cleanup(&call->preview);
    appmesh_buf_cleanup(&call->expect);
    appmesh_sigv4_result_cleanup(&call->sig);
    am_zeroize(call->headers, sizeof(call->headers));
    call->header_count = 0;
    cJSON_Delete(call->value);
    call->value = NULL;
}

/* Reset per-call state, keeping the buffers' memory. */
static void call_reset(struct am_call *call)
{
    am_buf_reset(&call->path);
    am_buf_reset(&call->query);
    am_buf_reset(&call->url);
    am_buf_reset(&call->body);
    am_buf_reset(&call->expect);
    call->check = NULL;
    call->header_count = 0;
    call->attempt = 0;
    call->last_cost = 0;
    call->skew_retried = false;
    call->signed_skew = 0;
    call->signed_key[0] = '\0';
    call->delay = 0;
    call->http_status = 0;
    call->request_id[0] = '\0';
    call->client_token[0] = '\0';
    call->invocation_id[0] = '\0';
    call->result = APPMESH_ERR_INTERNAL;
    memset(&call->err, 0, sizeof(call->err));
    memset(&call->http, 0, sizeof(call->http));
    cJSON_Delete(call->value);
    call->value = NULL;
}

static enum appmesh_status build_url(struct am_call *call, struct appmesh_error *err)
{
    const struct am_service *c = call->svc;
    enum appmesh_status st = APPMESH_OK;

    /* scheme://authority, then the path, which already starts with the endpoint's base path. */
    st = am_buf_append(&call->url, c->url.scheme.ptr, c->url.scheme.len, err);
    if (st == APPMESH_OK) {
        st = am_buf_append_str(&call->url, "://", err);
    }
    if (st == APPMESH_OK) {
        st = am_buf_append(&call->url, c->url.authority.ptr, c->url.authority.len, err);
    }
    if (st == APPMESH_OK) {
        st = am_buf_append(&call->url, call->path.ptr, call->path.len, err);
    }
    if (st == APPMESH_OK && call->query.len > 0) {
        st = am_buf_append_char(&call->url, '?', err);
        if (st == APPMESH_OK) {
            st = am_buf_append(&call->url, call->query.ptr, call->query.len, err);
        }
    }
    return st;
}

/* Common start: reset, take the operation, make the invocation id, begin the path with the
 * endpoint's base path. */
static enum appmesh_status begin(struct am_call *call,
                                 const struct am_operation *op,
                                 am_parse_fn *parse,
                                 void *out,
                                 struct appmesh_error *err)
{
    struct am_service *c = call->svc;
    enum appmesh_status st = APPMESH_ERR_INTERNAL;

    call_reset(call);
    if (op == NULL) {
        return am_fail(err, APPMESH_ERR_INTERNAL, "no operation to start");
    }
    call->op = op;
    call->method = op->method;
    call->operation = op->name;
    call->parse = parse;
    call->out = out;
    st = am_uuid4(c->drbg, call->invocation_id, err);
    if (st == APPMESH_OK) {
        st = am_buf_append(&call->path, c->url.path.ptr, c->url.path.len, err);
    }
    return st;
}

/* ---- any operation ---- */

static enum appmesh_status parse_value(const char *body,
                                       size_t len,
                                       const struct appmesh_allocator *a,
                                       void *out,
                                       struct appmesh_error *err)
{
    struct am_call *call = out;
    (void)a;
    cJSON_Delete(call->value);
    call->value = NULL;
    return am_deserialize_output(call->op, body, len, &call->value, err);
}

/* The checks below release the parsed output when it is refused: nothing is handed over. */
static enum appmesh_status check_value(struct am_call *call, struct appmesh_error *err)
{
    enum appmesh_status st = am_identity_check_output(call->op, call->value, &call->expect, err);
    if (st != APPMESH_OK) {
        cJSON_Delete(call->value);
        call->value = NULL;
    }
    return st;
}

enum appmesh_status am_call_start_value(struct am_call *call,
                                        const struct am_operation *op,
                                        const cJSON *input,
                                        struct appmesh_error *err)
{
    enum appmesh_status st = begin(call, op, parse_value, call, err);
    const char *token = NULL;

    if (st == APPMESH_OK) {
        call->check = check_value;
        st = am_identity_expect_input(op, input, &call->expect, err);
    }
    if (st == APPMESH_OK && op->token >= 0) {
        const cJSON *given = cJSON_GetObjectItemCaseSensitive(input, am_members[op->token].name);
        if (cJSON_IsString(given)) {
            am_copy_text(call->client_token, sizeof(call->client_token), given->valuestring,
                         strlen(given->valuestring));
        } else {
            /* Once per call: every attempt sends the same body, hence the same token. */
            st = am_uuid4(call->svc->drbg, call->client_token, err);
            token = call->client_token;
        }
    }
    if (st == APPMESH_OK) {
        st = am_serialize_request(op, input, token, &call->path, &call->query, &call->body, err);
        if (st == APPMESH_ERR_RESPONSE) {
            /* the body's cap (am_buf_reserve): the params are too big, nothing was received */
            appmesh_error_clear(err);
            st = am_fail(err, APPMESH_ERR_VALIDATION,
                         "the request body would be larger than %d bytes", MAX_REQUEST_BODY);
        }
    }
    return st;
}

cJSON *am_call_take_value(struct am_call *call)
{
    cJSON *v = call->value;
    call->value = NULL;
    return v;
}

/* ---- the typed virtual-service operations ---- */

static enum appmesh_status parse_virtual_service_data(const char *body,
                                                      size_t len,
                                                      const struct appmesh_allocator *a,
                                                      void *out,
                                                      struct appmesh_error *err)
{
    return am_json_read_virtual_service_data(body, len, a, out, err);
}

static enum appmesh_status parse_virtual_service_list(const char *body,
                                                      size_t len,
                                                      const struct appmesh_allocator *a,
                                                      void *out,
                                                      struct appmesh_error *err)
{
    return am_json_read_virtual_service_list(body, len, a, out, err);
}

/* The names a VirtualServiceData must carry (both required by the model). */
static enum appmesh_status check_virtual_service_data(struct am_call *call,
                                                      struct appmesh_error *err)
{
    const struct appmesh_virtual_service_data *d = call->out;

    enum appmesh_status st =
        am_identity_check(&call->expect, "meshName", d->mesh_name, true, "the answer", err);
    if (st == APPMESH_OK) {
        st = am_identity_check(&call->expect, "virtualServiceName", d->virtual_service_name, true,
                               "the answer", err);
    }
    if (st != APPMESH_OK) {
        appmesh_virtual_service_data_cleanup(call->out);
    }
    return st;
}

/* Every ref of a ListVirtualServices page is in the mesh asked for. */
static enum appmesh_status check_virtual_service_list(struct am_call *call,
                                                      struct appmesh_error *err)
{
    const struct appmesh_virtual_service_list *l = call->out;
    enum appmesh_status st = APPMESH_OK;
    for (size_t i = 0; i < l->count && st == APPMESH_OK; i++) {
        char where[64];
        snprintf(where, sizeof(where), "virtualServices[%zu] of the answer", i);
        st = am_identity_check(&call->expect, "meshName", l->items[i].mesh_name, true, where, err);
    }
    if (st != APPMESH_OK) {
        appmesh_virtual_service_list_cleanup(call->out);
    }
    return st;
}

/* The URI labels of the typed inputs: {meshName} and {virtualServiceName}. */
struct typed_labels {
    const char *mesh_name;
    const char *virtual_service_name;
};

static const char *typed_label(void *ctx, const char *label, size_t n)
{
    const struct typed_labels *t = ctx;
    if (n == 8 && memcmp(label, "meshName", 8) == 0) {
        return t->mesh_name;
    }
    if (n == 18 && memcmp(label, "virtualServiceName", 18) == 0) {
        return t->virtual_service_name;
    }
    return NULL;
}

/* begin() then the path of op for the typed labels. */
static enum appmesh_status begin_typed(struct am_call *call,
                                       const char *name,
                                       am_parse_fn *parse,
                                       void *out,
                                       const char *mesh_name,
                                       const char *virtual_service_name,
                                       struct appmesh_error *err)
{
    struct typed_labels labels = {mesh_name, virtual_service_name};
    /* A reused call (the client's, a batch runner's) mostly runs the same operation again:
     * comparing its name is cheaper than searching the table. */
    const struct am_operation *op =
        call->op != NULL && strcmp(call->op->name, name) == 0 ? call->op : am_operation_find(name);
    enum appmesh_status st = begin(call, op, parse, out, err);
    if (st == APPMESH_OK) {
        st = am_serialize_path(op, typed_label, &labels, &call->path, err);
    }
    if (st == APPMESH_OK && mesh_name != NULL) {
        st = am_identity_expect(&call->expect, "meshName", mesh_name, err);
    }
    if (st == APPMESH_OK && virtual_service_name != NULL) {
        st = am_identity_expect(&call->expect, "virtualServiceName", virtual_service_name, err);
    }
    call->check = parse == parse_virtual_service_list ? check_virtual_service_list
                                                      : check_virtual_service_data;
    return st;
}

enum appmesh_status am_call_start_update(struct am_call *call,
                                         const struct appmesh_update_virtual_service_input *in,
                                         struct appmesh_virtual_service_data *out,
                                         struct appmesh_error *err)
{
    /* PUT /v20190125/meshes/{meshName}/virtualServices/{virtualServiceName}?meshOwner= */
    enum appmesh_status st = begin_typed(call, "UpdateVirtualService", parse_virtual_service_data,
                                         out, in->mesh_name, in->virtual_service_name, err);

    if (st == APPMESH_OK && in->client_token != NULL) {
        am_copy_text(call->client_token, sizeof(call->client_token), in->client_token,
                     strlen(in->client_token));
    } else if (st == APPMESH_OK) {
        st = am_uuid4(call->svc->drbg, call->client_token, err);
    }
    if (st == APPMESH_OK && in->mesh_owner != NULL) {
        st = am_rest_append_query(&call->query, "meshOwner", in->mesh_owner, err);
    }
    if (st == APPMESH_OK) {
        st = am_json_write_update_body(&call->body, call->client_token, &in->spec, err);
    }
    return st;
}

enum appmesh_status am_call_start_describe(struct am_call *call,
                                           const struct appmesh_describe_virtual_service_input *in,
                                           struct appmesh_virtual_service_data *out,
                                           struct appmesh_error *err)
{
    /* GET /v20190125/meshes/{meshName}/virtualServices/{virtualServiceName}?meshOwner= */
    enum appmesh_status st = begin_typed(call, "DescribeVirtualService", parse_virtual_service_data,
                                         out, in->mesh_name, in->virtual_service_name, err);

    if (st == APPMESH_OK && in->mesh_owner != NULL) {
        st = am_rest_append_query(&call->query, "meshOwner", in->mesh_owner, err);
    }
    return st;
}

enum appmesh_status am_call_start_list(struct am_call *call,
                                       const struct appmesh_list_virtual_services_input *in,
                                       struct appmesh_virtual_service_list *out,
                                       struct appmesh_error *err)
{
    /* GET /v20190125/meshes/{meshName}/virtualServices?limit=&meshOwner=&nextToken= */
    enum appmesh_status st = begin_typed(call, "ListVirtualServices", parse_virtual_service_list,
                                         out, in->mesh_name, NULL, err);
    char limit[16];

    if (st == APPMESH_OK && in->limit != 0) {
        snprintf(limit, sizeof(limit), "%d", in->limit);
        st = am_rest_append_query(&call->query, "limit", limit, err);
    }
    if (st == APPMESH_OK && in->mesh_owner != NULL) {
        st = am_rest_append_query(&call->query, "meshOwner", in->mesh_owner, err);
    }
    if (st == APPMESH_OK && in->next_token != NULL) {
        st = am_rest_append_query(&call->query, "nextToken", in->next_token, err);
    }
    return st;
}

static void add_header(struct am_call *call, const char *name, const char *value, size_t len)
{
    am_request_header(&call->headers[call->header_count++], name, value, len);
}

/* v in decimal at p, as "%d" writes it (at most 11 bytes); returns the end. */
static char *put_int(char *p, int v)
{
    char digits[12];
    size_t n = 0;
    unsigned u = v < 0 ? 0u - (unsigned)v : (unsigned)v;

    if (v < 0) {
        *p++ = '-';
    }
    do {
        digits[n++] = (char)('0' + u % 10u);
        u /= 10u;
    } while (u != 0);
    while (n > 0) {
        *p++ = digits[--n];
    }
    return p;
}

/* "attempt=N; max=M" (what snprintf would write, at a fraction of its cost): at most 37 bytes
 * with the NUL, in a 48-byte buffer. */
static void format_sdk_request(char out[48], int attempt, int max_attempts)
{
    char *p = out;
    memcpy(p, "attempt=", 8);
    p = put_int(p + 8, attempt);
    memcpy(p, "; max=", 6);
    p = put_int(p + 6, max_attempts);
    *p = '\0';
}

enum appmesh_status am_call_prepare_attempt(struct am_call *call, struct appmesh_error *err)
{
    struct am_service *c = call->svc;
    struct appmesh_credentials creds = {0};
    struct appmesh_sigv4_params params = {0};
    struct appmesh_sigv4_request sreq = {0};
    enum appmesh_status st = APPMESH_ERR_INTERNAL;
    size_t signed_count = 0;

    if (c->endpoint.len == 0) {
        return am_fail(err, APPMESH_ERR_ENDPOINT, "%s", c->endpoint_err.message);
    }
    if (c->settings.region == NULL) {
        return am_fail(err, APPMESH_ERR_ENDPOINT,
                       "no region configured: set region, AWS_REGION or AWS_DEFAULT_REGION, or "
                       "region in the profile");
    }
    if (call->url.len == 0) {
        st = build_url(call, err);
        if (st != APPMESH_OK) {
            return st;
        }
    }
    st = am_service_credentials(c, &creds, err);
    if (st != APPMESH_OK) {
        return st;
    }
    call->attempt++;
    format_sdk_request(call->sdk_request, call->attempt, c->policy.max_attempts);

    /* The signed headers first (host, content-type), then those sent unsigned. */
    call->header_count = 0;
    add_header(call, "Host", c->url.authority.ptr, c->url.authority.len);
    if (strcmp(call->method, "GET") != 0) {
        add_header(call, "Content-Type", "application/json", 16);
    }
    signed_count = call->header_count;

    params.region = c->settings.region;
    params.service = SIGNING_NAME;
    /* The server's clock, as far as a skew error taught us (0 until then). */
    call->signed_skew = c->clock_skew;
    params.time = (int64_t)(am_service_now(c) + call->signed_skew);
    sreq.method = call->method;
    sreq.path = am_buf_cstr(&call->path);
    sreq.query = am_buf_cstr(&call->query);
    sreq.headers = call->headers;
    sreq.header_count = signed_count;
    sreq.body = am_buf_cstr(&call->body);
    sreq.body_len = call->body.len;
    st = am_request_sign(c->signer, &sreq, &creds, &params, &call->sig, call->headers,
                         &call->header_count, err);
    if (st != APPMESH_OK) {
        return st;
    }
    am_copy_text(call->signed_key, sizeof(call->signed_key), creds.access_key_id,
                 strlen(creds.access_key_id));
    add_header(call, "amz-sdk-invocation-id", call->invocation_id, strlen(call->invocation_id));
    add_header(call, "amz-sdk-request", call->sdk_request, strlen(call->sdk_request));

    call->http.method = call->method;
    call->http.url = call->url.ptr;
    call->http.headers = call->headers;
    call->http.header_count = call->header_count;
    call->http.body = am_buf_cstr(&call->body);
    call->http.body_len = call->body.len;
    return APPMESH_OK;
}

double am_call_send_wait(struct am_call *call)
{
    struct am_service *c = call->svc;
    if (c->policy.mode != AM_RETRY_MODE_ADAPTIVE) {
        return 0;
    }
    return am_rate_limiter_acquire(&c->limiter, am_service_now(c));
}

/* Adaptive mode learns the sustainable rate from every attempt that got an answer. */
static void feed_rate_limiter(struct am_call *call, bool throttled)
{
    struct am_service *c = call->svc;
    if (c->policy.mode == AM_RETRY_MODE_ADAPTIVE) {
        am_rate_limiter_update(&c->limiter, am_service_now(c), throttled);
    }
}

/* Decide between another attempt and giving up, for a failed attempt described by call->err. */
static enum am_call_next decide(struct am_call *call)
{
    struct am_service *c = call->svc;
    enum am_retry_kind kind = am_retry_classify(&call->err);
    enum am_retry_decision d = AM_RETRY_STOP_NOT_RETRYABLE;
    double delay = 0;
    int cost = 0;

    feed_rate_limiter(call, kind == AM_RETRY_THROTTLING);
    d = am_retry_decide(&c->policy, &c->quota, call->attempt, kind, am_service_random(c), &delay,
                        &cost);
    call->err.attempts = call->attempt;
    if (d == AM_RETRY_GO) {
        call->delay = delay;
        call->last_cost = cost;
        return AM_CALL_RETRY;
    }
    call->result = call->err.status;
    if (d == AM_RETRY_STOP_QUOTA) {
        size_t n = strlen(call->err.message);
        snprintf(call->err.message + n, sizeof(call->err.message) - n,
                 " (not retried: retry quota exhausted)");
    }
    return AM_CALL_DONE;
}

/* ---- expired credentials ---- */

/*
 * The service refused the session token as expired although the chain still believed the
 * credentials valid (revoked, or the service's clock is ahead): drop them, so that the next
 * call looks for credentials again. The call itself is not retried, as botocore (whose retry
 * tables these are) does not: its error is the service's ExpiredTokenException. RequestExpired
 * is not one of these: it is about the request's time (a clock-skew code, see retry.c).
 */
static void expire_credentials(struct am_call *call)
{
    static const char *const codes[] = {"ExpiredToken", "ExpiredTokenException"};
    size_t i = 0;
    for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        if (strcmp(call->err.aws_code, codes[i]) == 0) {
            am_credentials_chain_expire(call->svc->credentials, call->signed_key);
        }
    }
}

/* ---- clock skew ---- */

/* A skew error whose Date shows our clock off: learn the offset; true = retry at once. */
static bool correct_clock_skew(struct am_call *call, const struct appmesh_http_response *resp)
{
    struct am_service *c = call->svc;
    struct appmesh_slice date = {0};
    double server = 0;
    double now = 0;
    size_t n = 0;

    if (!am_retry_is_clock_skew(&call->err) || !appmesh_http_response_header(resp, "Date", &date) ||
        !am_time_parse_http_date(date.ptr, date.len, &server)) {
        return false;
    }
    now = am_service_now(c);
    /* Against the skew this attempt was signed with: in a batch, another call may have
     * corrected the client's skew while this attempt (signed before) was in flight. */
    if (fabs(server - (now + call->signed_skew)) <= MIN_SKEW_CORRECTION) {
        return false; /* the Date agrees with the time we signed with: not our clock */
    }
    c->clock_skew = server - now;
    if (call->skew_retried) {
        n = strlen(call->err.message);
        snprintf(call->err.message + n, sizeof(call->err.message) - n,
                 " (after correcting the clock by %+.0f s)", c->clock_skew);
        return false;
    }
    call->skew_retried = true;
    return true;
}

/* The attempt is over: wipe the signature (and any canonical request kept with it), which the
 * next attempt signs afresh; the session token is only referenced, never copied, here. */
static void wipe_attempt(struct am_call *call)
{
    struct appmesh_buf *bufs[] = {&call->sig.authorization, &call->sig.canonical_request,
                                  &call->sig.string_to_sign};
    for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++) {
        if (bufs[i]->ptr != NULL) {
            am_zeroize(bufs[i]->ptr, bufs[i]->len);
        }
    }
    am_zeroize(call->sig.signature, sizeof(call->sig.signature));
}

enum am_call_next am_call_on_response(struct am_call *call,
                                      const struct appmesh_http_response *resp)
{
    struct am_service *c = call->svc;
    struct appmesh_slice rid = {0};
    enum appmesh_status st = APPMESH_ERR_INTERNAL;

    wipe_attempt(call);
    call->http_status = resp->status;
    call->request_id[0] = '\0';
    if (appmesh_http_response_header(resp, "x-amzn-RequestId", &rid)) {
        am_copy_text(call->request_id, sizeof(call->request_id), rid.ptr, rid.len);
    }
    memset(&call->err, 0, sizeof(call->err));
    if (resp->status >= 200 && resp->status < 300) {
        feed_rate_limiter(call, false);
        st = call->parse(am_buf_cstr(&resp->body), resp->body.len, c->alloc, call->out, &call->err);
        if (st == APPMESH_OK && call->check != NULL) {
            st = call->check(call, &call->err);
        }
        if (st == APPMESH_OK) {
            am_retry_on_success(&c->quota, call->last_cost);
            call->result = APPMESH_OK;
            return AM_CALL_DONE;
        }
        /* A 2xx we cannot read: not retried (the change may have been made). */
        call->err.http_status = resp->status;
        am_copy_text(call->err.request_id, sizeof(call->err.request_id), call->request_id,
                     strlen(call->request_id));
        call->err.attempts = call->attempt;
        call->result = st;
        return AM_CALL_DONE;
    }
    am_rest_parse_error(resp, &call->err);
    expire_credentials(call);
    if (correct_clock_skew(call, resp)) {
        /* Like the SDKs: one immediate retry, signed with the corrected time, taking nothing
         * from the retry quota. */
        feed_rate_limiter(call, false);
        call->err.attempts = call->attempt;
        call->delay = 0;
        return AM_CALL_RETRY;
    }
    return decide(call);
}

enum am_call_next am_call_on_transport_error(struct am_call *call, const struct appmesh_error *terr)
{
    /* A transport error has no status, except a response cut off by the body cap (see
     * transport_curl.c), whose status line arrived and decides the retry. */
    wipe_attempt(call);
    call->http_status = terr->http_status;
    call->request_id[0] = '\0';
    call->err = *terr;
    if (call->err.status == APPMESH_ERR_INTERRUPTED) {
        call->err.attempts = call->attempt;
        call->result = APPMESH_ERR_INTERRUPTED;
        return AM_CALL_DONE;
    }
    return decide(call);
}

enum am_call_next am_call_fail(struct am_call *call, const struct appmesh_error *perr)
{
    call->err = *perr;
    call->err.attempts = call->attempt;
    call->result = perr->status;
    return AM_CALL_DONE;
}
