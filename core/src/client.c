/* SPDX-License-Identifier: MIT */
/* The client object and the blocking driver that runs one call's state machine to the end. */
#include <stdio.h>
#include <string.h>

#include "appmesh/appmesh.h"
#include "appmesh/client.h"
#include "appmesh/credentials.h"
#include "appmesh/http.h"
#include "appmesh/model.h"
#include "appmesh/version.h"
#include "internal.h"
#include "log.h"
#include "opcall.h"
#include "operation.h"
#include "opjson.h"
#include "validate.h"

#define MAX_RESPONSE_BODY (1024 * 1024)

/** The client: the calls' shared state and the blocking driver's reusable call. */
struct appmesh_client {
    struct am_service svc;
    struct appmesh_http_response response; /* reused by the blocking driver */
    struct am_call call;                   /* reused by the blocking driver and previews */
};

struct am_service *am_client_service(struct appmesh_client *client)
{
    return &client->svc;
}

/* ---- construction ---- */

enum appmesh_status appmesh_client_new(const struct appmesh_allocator *alloc,
                                       const struct appmesh_client_options *opts,
                                       struct appmesh_client **out,
                                       struct appmesh_error *err)
{
    static const struct appmesh_client_options no_options = {0};
    struct appmesh_client *c = NULL;
    enum appmesh_status st = APPMESH_ERR_INTERNAL;

    if (out == NULL) {
        return am_fail(err, APPMESH_ERR_INVALID_ARGUMENT, "appmesh_client_new: out is NULL");
    }
    *out = NULL;
    if (opts == NULL) {
        opts = &no_options;
    }
    c = am_calloc(alloc, sizeof(*c));
    if (c == NULL) {
        return am_fail(err, APPMESH_ERR_NOMEM, "out of memory creating the client");
    }
    st = am_service_init(&c->svc, alloc, opts, err);
    if (st != APPMESH_OK) {
        am_free(alloc, c, sizeof(*c));
        return st;
    }
    am_call_init(&c->call, &c->svc);
    am_buf_init(&c->response.headers, alloc, 64 * 1024);
    am_buf_init(&c->response.body, alloc, MAX_RESPONSE_BODY);
    *out = c;
    return APPMESH_OK;
}

void appmesh_client_destroy(struct appmesh_client *client)
{
    if (client == NULL) {
        return;
    }
    am_call_cleanup(&client->call);
    appmesh_http_response_cleanup(&client->response);
    am_service_cleanup(&client->svc);
    am_free(client->svc.alloc, client, sizeof(*client));
}

const char *appmesh_client_region(const struct appmesh_client *client)
{
    return client->svc.settings.region != NULL ? client->svc.settings.region : "";
}

const char *appmesh_client_endpoint(const struct appmesh_client *client)
{
    return am_buf_cstr(&client->svc.endpoint);
}

const char *appmesh_client_credentials_source(const struct appmesh_client *client)
{
    return client->svc.credentials_source;
}

enum appmesh_status appmesh_client_resolve_credentials(struct appmesh_client *client,
                                                       struct appmesh_error *err)
{
    struct appmesh_credentials view;
    enum appmesh_status st = APPMESH_ERR_INTERNAL;
    if (client == NULL) {
        return am_fail(err, APPMESH_ERR_INVALID_ARGUMENT,
                       "appmesh_client_resolve_credentials: client is NULL");
    }
    st = am_service_credentials(&client->svc, &view, err);
    am_zeroize(&view, sizeof(view)); /* only pointers, but they point at secrets */
    return st;
}

/* ---- the blocking driver ---- */

/* A transport failure against the AWS endpoint itself most likely means App Mesh is gone. */
static void hint_service_ended(const struct am_service *c, struct appmesh_error *err)
{
    static const char hint[] = "; AWS App Mesh ended on 2026-09-30: set endpoint or "
                               "AWS_ENDPOINT_URL_APP_MESH to an App Mesh-compatible endpoint";
    size_t n = strlen(err->message);
    if (!c->custom_endpoint && err->status == APPMESH_ERR_TRANSPORT &&
        n + sizeof(hint) <= sizeof(err->message)) {
        memcpy(err->message + n, hint, sizeof(hint));
    }
}

static void fill_info(const struct am_call *call, struct appmesh_call_info *info)
{
    if (info == NULL) {
        return;
    }
    info->http_status = call->http_status;
    info->attempts = call->attempt;
    am_copy_text(info->request_id, sizeof(info->request_id), call->request_id,
                 strlen(call->request_id));
    am_copy_text(info->client_token, sizeof(info->client_token), call->client_token,
                 strlen(call->client_token));
}

/* Run a started call to completion on the client's transport. */
static enum appmesh_status
drive(struct appmesh_client *client, struct am_call *call, struct appmesh_error *err)
{
    struct am_service *c = &client->svc;
    enum am_call_next next = AM_CALL_RETRY;

    while (next == AM_CALL_RETRY) {
        struct appmesh_error perr = {0};
        struct appmesh_error terr = {0};
        enum appmesh_status st = APPMESH_OK;
        double t0 = 0;
        double wait = am_call_send_wait(call);

        while (wait > 0 && st == APPMESH_OK) {
            if (!am_service_sleep(c, wait)) {
                st = am_fail(&perr, APPMESH_ERR_INTERRUPTED, "interrupted while rate limited");
            }
            wait = am_call_send_wait(call);
        }
        if (st == APPMESH_OK) {
            st = am_call_prepare_attempt(call, &perr);
        }
        if (st != APPMESH_OK) {
            next = am_call_fail(call, &perr);
            break;
        }
        t0 = c->log_debug ? am_service_now(c) : 0;
        am_log_request(c, call);
        st = c->transport->vtable->send(c->transport->impl, &call->http, &client->response, &terr);
        if (st == APPMESH_OK) {
            am_log_response(c, call, &client->response, c->log_debug ? am_service_now(c) - t0 : 0);
            next = am_call_on_response(call, &client->response);
        } else {
            if (terr.status == APPMESH_OK) {
                am_fail(&terr, st, "transport failed");
            }
            hint_service_ended(c, &terr);
            am_log_failure(c, call, &terr, c->log_debug ? am_service_now(c) - t0 : 0);
            next = am_call_on_transport_error(call, &terr);
        }
        if (next == AM_CALL_RETRY) {
            am_log_retry(c, call);
            if (!am_service_sleep(c, call->delay)) {
                struct appmesh_error ierr = {0};
                am_fail(&ierr, APPMESH_ERR_INTERRUPTED, "interrupted while waiting to retry");
                next = am_call_fail(call, &ierr);
            }
        }
    }
    if (call->result != APPMESH_OK && err != NULL && err->status == APPMESH_OK) {
        *err = call->err;
        if (err->status == APPMESH_OK) {
            err->status = call->result;
        }
    }
    return call->result;
}

/* Finish a call started on the client's own call: drive it, report what it did. */
static enum appmesh_status run_started(struct appmesh_client *client,
                                       enum appmesh_status st,
                                       struct appmesh_call_info *info,
                                       struct appmesh_error *err)
{
    if (st == APPMESH_OK) {
        st = drive(client, &client->call, err);
    }
    fill_info(&client->call, info);
    return st;
}

enum appmesh_status
appmesh_client_update_virtual_service(struct appmesh_client *client,
                                      const struct appmesh_update_virtual_service_input *in,
                                      struct appmesh_virtual_service_data *out,
                                      struct appmesh_call_info *info,
                                      struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_ERR_INTERNAL;

    if (client == NULL || in == NULL || out == NULL) {
        return am_fail(err, APPMESH_ERR_INVALID_ARGUMENT,
                       "appmesh_client_update_virtual_service: client, in and out are required");
    }
    memset(out, 0, sizeof(*out));
    st = appmesh_update_virtual_service_input_validate(in, err);
    if (st == APPMESH_OK) {
        st = am_call_start_update(&client->call, in, out, err);
    }
    return run_started(client, st, info, err);
}

enum appmesh_status
appmesh_client_describe_virtual_service(struct appmesh_client *client,
                                        const struct appmesh_describe_virtual_service_input *in,
                                        struct appmesh_virtual_service_data *out,
                                        struct appmesh_call_info *info,
                                        struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_ERR_INTERNAL;

    if (client == NULL || in == NULL || out == NULL) {
        return am_fail(err, APPMESH_ERR_INVALID_ARGUMENT,
                       "appmesh_client_describe_virtual_service: client, in and out are required");
    }
    memset(out, 0, sizeof(*out));
    st = appmesh_describe_virtual_service_input_validate(in, err);
    if (st == APPMESH_OK) {
        st = am_call_start_describe(&client->call, in, out, err);
    }
    return run_started(client, st, info, err);
}

enum appmesh_status
appmesh_client_list_virtual_services(struct appmesh_client *client,
                                     const struct appmesh_list_virtual_services_input *in,
                                     struct appmesh_virtual_service_list *out,
                                     struct appmesh_call_info *info,
                                     struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_ERR_INTERNAL;

    if (client == NULL || in == NULL || out == NULL) {
        return am_fail(err, APPMESH_ERR_INVALID_ARGUMENT,
                       "appmesh_client_list_virtual_services: client, in and out are required");
    }
    memset(out, 0, sizeof(*out));
    st = appmesh_list_virtual_services_input_validate(in, err);
    if (st == APPMESH_OK) {
        st = am_call_start_list(&client->call, in, out, err);
    }
    return run_started(client, st, info, err);
}

/* ---- previews (dry runs) ---- */

static enum appmesh_status
preview_header(struct appmesh_buf *b, const struct appmesh_header *h, struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_OK;
    st = am_buf_append(b, h->name, h->name_len, err);
    if (st == APPMESH_OK) {
        st = am_buf_append_str(b, ": ", err);
    }
    if (st == APPMESH_OK) {
        st = am_log_redacted_value(b, h, err);
    }
    if (st == APPMESH_OK) {
        st = am_buf_append_char(b, '\n', err);
    }
    return st;
}

/* Fill out with the first attempt of the call just started (st its start's status). */
static enum appmesh_status preview_started(struct appmesh_client *client,
                                           enum appmesh_status st,
                                           struct appmesh_request_preview *out,
                                           struct appmesh_error *err)
{
    struct am_call *call = &client->call;
    size_t i = 0;

    if (st == APPMESH_OK) {
        st = am_call_prepare_attempt(call, err);
    }
    if (st == APPMESH_OK) {
        am_copy_text(out->method, sizeof(out->method), call->method, strlen(call->method));
        st = am_buf_append(&out->url, call->url.ptr, call->url.len, err);
    }
    for (i = 0; st == APPMESH_OK && i < call->header_count; i++) {
        st = preview_header(&out->headers, &call->headers[i], err);
    }
    if (st == APPMESH_OK) {
        st = am_buf_append(&out->body, am_buf_cstr(&call->body), call->body.len, err);
    }
    if (st != APPMESH_OK) {
        appmesh_request_preview_cleanup(out);
    }
    return st;
}

static void preview_init(struct appmesh_client *client, struct appmesh_request_preview *out)
{
    memset(out, 0, sizeof(*out));
    am_buf_init(&out->url, client->svc.alloc, 0);
    am_buf_init(&out->headers, client->svc.alloc, 0);
    am_buf_init(&out->body, client->svc.alloc, 0);
}

enum appmesh_status
appmesh_client_update_virtual_service_preview(struct appmesh_client *client,
                                              const struct appmesh_update_virtual_service_input *in,
                                              struct appmesh_request_preview *out,
                                              struct appmesh_error *err)
{
    struct appmesh_virtual_service_data unused = {0};
    enum appmesh_status st = APPMESH_ERR_INTERNAL;

    if (client == NULL || in == NULL || out == NULL) {
        return am_fail(err, APPMESH_ERR_INVALID_ARGUMENT,
                       "appmesh_client_update_virtual_service_preview: client, in and out are "
                       "required");
    }
    preview_init(client, out);
    st = appmesh_update_virtual_service_input_validate(in, err);
    if (st == APPMESH_OK) {
        st = am_call_start_update(&client->call, in, &unused, err);
    }
    return preview_started(client, st, out, err);
}

/* ---- any operation ---- */

static enum appmesh_status check_value_args(const char *fn,
                                            struct appmesh_client *client,
                                            const struct am_op_input *in,
                                            const void *out,
                                            struct appmesh_error *err)
{
    if (client == NULL || in == NULL || in->op == NULL || in->input == NULL || out == NULL) {
        return am_fail(err, APPMESH_ERR_INVALID_ARGUMENT,
                       "%s: client, in (op and input) and out are required", fn);
    }
    return APPMESH_OK;
}

enum appmesh_status am_client_call_value(struct appmesh_client *client,
                                         const struct am_op_input *in,
                                         cJSON **out,
                                         struct appmesh_call_info *info,
                                         struct appmesh_error *err)
{
    enum appmesh_status st = check_value_args("am_client_call_value", client, in, out, err);

    if (st != APPMESH_OK) {
        return st;
    }
    *out = NULL;
    st = am_validate_input(in->op, in->input, in->list_base, err);
    if (st != APPMESH_OK) {
        if (info != NULL) {
            memset(info, 0, sizeof(*info)); /* nothing was sent */
        }
        return st;
    }
    st = am_call_start_value(&client->call, in->op, in->input, err);
    st = run_started(client, st, info, err);
    if (st == APPMESH_OK) {
        *out = am_call_take_value(&client->call);
    }
    return st;
}

enum appmesh_status am_client_preview_value(struct appmesh_client *client,
                                            const struct am_op_input *in,
                                            struct appmesh_request_preview *out,
                                            struct appmesh_error *err)
{
    enum appmesh_status st = check_value_args("am_client_preview_value", client, in, out, err);

    if (st != APPMESH_OK) {
        return st;
    }
    preview_init(client, out);
    st = am_validate_input(in->op, in->input, in->list_base, err);
    if (st == APPMESH_OK) {
        st = am_call_start_value(&client->call, in->op, in->input, err);
    }
    return preview_started(client, st, out, err);
}

/* The operation and the parsed input of a JSON call. */
static enum appmesh_status json_input(const char *fn,
                                      struct appmesh_client *client,
                                      const char *operation,
                                      const char *input_json,
                                      size_t input_len,
                                      const void *out,
                                      struct am_op_input *in,
                                      cJSON **owned,
                                      struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_OK;

    *owned = NULL;
    if (client == NULL || operation == NULL || out == NULL) {
        return am_fail(err, APPMESH_ERR_INVALID_ARGUMENT,
                       "%s: client, operation and the output are required", fn);
    }
    st = am_opjson_find(operation, &in->op, err);
    if (st == APPMESH_OK) {
        st = am_opjson_parse_input(in->op, input_json, input_json != NULL ? input_len : 0, owned,
                                   err);
    }
    in->input = *owned;
    in->list_base = 0;
    return st;
}

enum appmesh_status appmesh_client_call(struct appmesh_client *client,
                                        const char *operation,
                                        const char *input_json,
                                        size_t input_len,
                                        struct appmesh_buf *output_json,
                                        struct appmesh_call_info *info,
                                        struct appmesh_error *err)
{
    struct am_op_input in = {NULL, NULL, 0};
    cJSON *input = NULL;
    cJSON *output = NULL;
    enum appmesh_status st = APPMESH_ERR_INTERNAL;

    if (info != NULL) {
        memset(info, 0, sizeof(*info));
    }
    st = json_input("appmesh_client_call", client, operation, input_json, input_len, output_json,
                    &in, &input, err);
    if (st == APPMESH_OK) {
        st = am_client_call_value(client, &in, &output, info, err);
    }
    if (st == APPMESH_OK) {
        st = am_opjson_print(output, client->svc.alloc, output_json, err);
    }
    cJSON_Delete(output);
    cJSON_Delete(input);
    return st;
}

enum appmesh_status appmesh_client_call_preview(struct appmesh_client *client,
                                                const char *operation,
                                                const char *input_json,
                                                size_t input_len,
                                                struct appmesh_request_preview *out,
                                                struct appmesh_error *err)
{
    struct am_op_input in = {NULL, NULL, 0};
    cJSON *input = NULL;
    enum appmesh_status st = APPMESH_ERR_INTERNAL;

    st = json_input("appmesh_client_call_preview", client, operation, input_json, input_len, out,
                    &in, &input, err);
    if (st == APPMESH_OK) {
        st = am_client_preview_value(client, &in, out, err);
    }
    cJSON_Delete(input);
    return st;
}

void appmesh_request_preview_cleanup(struct appmesh_request_preview *preview)
{
    if (preview == NULL) {
        return;
    }
    appmesh_buf_cleanup(&preview->url);
    appmesh_buf_cleanup(&preview->headers);
    appmesh_buf_cleanup(&preview->body);
    preview->method[0] = '\0';
}

const char *appmesh_version(void)
{
    return APPMESH_VERSION;
}
