/* SPDX-License-Identifier: MIT */
/* The client object and the blocking driver that runs one call's state machine to the end. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "operation.h"

#define MAX_RESPONSE_BODY (1024 * 1024)

/* ---- the real clock ---- */

static double real_now(void *ud)
{
    struct timespec ts;
    (void)ud;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void real_sleep(void *ud, double seconds)
{
    struct timespec ts;
    (void)ud;
    if (seconds <= 0) {
        return;
    }
    ts.tv_sec = (time_t)seconds;
    ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
    nanosleep(&ts, NULL);
}

double am_client_now(struct appmesh_client *client)
{
    return client->clock.now(client->clock.ud);
}

double am_client_random(struct appmesh_client *client)
{
    uint32_t r = 0;
    if (client->clock.random != NULL) {
        return client->clock.random(client->clock.ud);
    }
    if (am_drbg_random(client->drbg, &r, sizeof(r), NULL) != APPMESH_OK) {
        return 0.5;
    }
    return (double)r / 4294967296.0;
}

/* Sleep the backoff delay in slices, so an interrupt is noticed within 50 ms. */
static bool sleep_interruptibly(struct appmesh_client *c, double seconds)
{
    while (seconds > 0) {
        double slice = c->interrupt != NULL && seconds > 0.05 ? 0.05 : seconds;
        if (c->interrupt != NULL && c->interrupt(c->interrupt_ud)) {
            return false;
        }
        c->clock.sleep(c->clock.ud, slice);
        seconds -= slice;
    }
    return !(c->interrupt != NULL && c->interrupt(c->interrupt_ud));
}

/* ---- construction ---- */

#define MAX_TIMEOUT 3600 /* seconds: an hour is more than any App Mesh call needs */

static enum appmesh_status check_options(const struct appmesh_client_options *o,
                                         struct appmesh_error *err)
{
    /* 0 means the default; anything else must be a sensible number of seconds. retry_base_delay
     * and max_attempts are checked where settings are resolved (config.c). */
    if (!(o->connect_timeout >= 0 && o->connect_timeout <= MAX_TIMEOUT)) {
        return am_fail_field(err, "connect_timeout",
                             "connect_timeout must be more than 0 and at most %d seconds, got %g",
                             MAX_TIMEOUT, o->connect_timeout);
    }
    if (!(o->timeout >= 0 && o->timeout <= MAX_TIMEOUT)) {
        return am_fail_field(err, "timeout",
                             "timeout must be more than 0 and at most %d seconds, got %g",
                             MAX_TIMEOUT, o->timeout);
    }
    return APPMESH_OK;
}

/* Resolve the endpoint now; a failure is kept and reported by the first call. */
static enum appmesh_status resolve_endpoint(struct appmesh_client *c, struct appmesh_error *err)
{
    struct am_endpoint_params ep = {0};
    enum appmesh_status st = APPMESH_OK;

    ep.region = c->settings.region;
    ep.endpoint = c->settings.endpoint_url;
    ep.use_fips = c->settings.use_fips;
    ep.use_dualstack = c->settings.use_dualstack;
    c->custom_endpoint = ep.endpoint != NULL;
    if (ep.endpoint == NULL && ep.region == NULL) {
        am_fail(&c->endpoint_err, APPMESH_ERR_ENDPOINT,
                "no region configured: set region, AWS_REGION or AWS_DEFAULT_REGION, or region "
                "in the profile (or an endpoint)");
        return APPMESH_OK;
    }
    st = am_endpoint_resolve(&ep, &c->endpoint, &c->endpoint_err);
    if (st == APPMESH_ERR_NOMEM) {
        return am_fail(err, st, "%s", c->endpoint_err.message);
    }
    if (st != APPMESH_OK) {
        /* A custom endpoint that does not parse is the caller's mistake: say so now. */
        if (c->custom_endpoint) {
            return am_fail(err, st, "%s", c->endpoint_err.message);
        }
        am_buf_reset(&c->endpoint);
        return APPMESH_OK;
    }
    st = am_url_parse(c->endpoint.ptr, &c->url, err);
    return st;
}

static enum appmesh_status make_transport(struct appmesh_client *c,
                                          const struct appmesh_client_options *o,
                                          struct appmesh_error *err)
{
    struct appmesh_transport_curl_options t = {0};

    if (o->transport != NULL) {
        c->transport = o->transport;
        c->own_transport = false;
        return APPMESH_OK;
    }
    t.connect_timeout = o->connect_timeout;
    t.timeout = o->timeout;
    t.ca_bundle = c->settings.ca_bundle;
    t.no_verify_tls = o->no_verify_tls;
    t.max_response = MAX_RESPONSE_BODY;
    t.interrupt = o->interrupt;
    t.interrupt_ud = o->interrupt_ud;
    c->own_transport = true;
    c->curl_options = t;
    return appmesh_transport_curl_new(c->alloc, &t, &c->transport, err);
}

enum appmesh_status appmesh_client_new(const struct appmesh_allocator *alloc,
                                       const struct appmesh_client_options *opts,
                                       struct appmesh_client **out,
                                       struct appmesh_error *err)
{
    static const struct appmesh_client_options no_options = {0};
    struct appmesh_client *c = NULL;
    struct am_env env = {0};
    const char *log = NULL;
    enum appmesh_status st = APPMESH_ERR_INTERNAL;

    if (out == NULL) {
        return am_fail(err, APPMESH_ERR_INVALID_ARGUMENT, "appmesh_client_new: out is NULL");
    }
    *out = NULL;
    if (opts == NULL) {
        opts = &no_options;
    }
    st = check_options(opts, err);
    if (st != APPMESH_OK) {
        return st;
    }
    c = am_calloc(alloc, sizeof(*c));
    if (c == NULL) {
        return am_fail(err, APPMESH_ERR_NOMEM, "out of memory creating the client");
    }
    c->alloc = alloc;
    am_call_init(&c->call, c);
    am_buf_init(&c->endpoint, alloc, 0);
    am_buf_init(&c->response.headers, alloc, 64 * 1024);
    am_buf_init(&c->response.body, alloc, MAX_RESPONSE_BODY);
    c->clock.now = real_now;
    c->clock.sleep = real_sleep;
    if (opts->clock != NULL) {
        c->clock.ud = opts->clock->ud;
        c->clock.now = opts->clock->now != NULL ? opts->clock->now : real_now;
        c->clock.sleep = opts->clock->sleep != NULL ? opts->clock->sleep : real_sleep;
        c->clock.random = opts->clock->random;
    }
    c->interrupt = opts->interrupt;
    c->interrupt_ud = opts->interrupt_ud;
    env.getenv = opts->getenv;
    env.ud = opts->getenv_ud;
    log = am_env_get(&env, "APPMESH_LOG");
    am_log_check_setting(&env);
    c->log_debug = log != NULL && (strcmp(log, "debug") == 0 || strcmp(log, "trace") == 0);

    st = am_settings_resolve(opts, &env, alloc, &c->settings, err);
    if (st == APPMESH_OK) {
        st = resolve_endpoint(c, err);
    }
    if (st == APPMESH_OK) {
        struct am_credentials_chain_options co = {0};
        co.explicit_creds = opts->credentials;
        co.env = &env;
        co.profile = c->settings.profile;
        co.region = c->settings.region;
        co.ca_bundle = c->settings.ca_bundle;
        co.no_verify_tls = opts->no_verify_tls;
        co.connect_timeout = opts->connect_timeout;
        co.timeout = opts->timeout;
        co.transport = opts->transport;
        st = am_credentials_chain_new(alloc, &co, &c->credentials, err);
    }
    if (st == APPMESH_OK) {
        st = appmesh_sigv4_signer_new(alloc, &c->signer, err);
    }
    if (st == APPMESH_OK) {
        st = am_drbg_new(alloc, &c->drbg, err);
    }
    if (st == APPMESH_OK) {
        st = make_transport(c, opts, err);
    }
    if (st != APPMESH_OK) {
        appmesh_client_destroy(c);
        return st;
    }
    c->policy.mode = strcmp(c->settings.retry_mode, "adaptive") == 0 ? AM_RETRY_MODE_ADAPTIVE
                                                                     : AM_RETRY_MODE_STANDARD;
    c->policy.max_attempts = c->settings.max_attempts;
    c->policy.base_delay = c->settings.retry_base_delay;
    c->policy.max_backoff = 20.0;
    am_retry_quota_init(&c->quota, 500);
    am_rate_limiter_init(&c->limiter, am_client_now(c));
    *out = c;
    return APPMESH_OK;
}

void appmesh_client_destroy(struct appmesh_client *client)
{
    if (client == NULL) {
        return;
    }
    am_call_cleanup(&client->call);
    if (client->own_transport) {
        appmesh_transport_destroy(client->transport);
    }
    am_drbg_destroy(client->drbg);
    appmesh_sigv4_signer_destroy(client->signer);
    am_credentials_chain_destroy(client->credentials);
    am_settings_cleanup(&client->settings);
    appmesh_buf_cleanup(&client->endpoint);
    appmesh_http_response_cleanup(&client->response);
    am_free(client->alloc, client, sizeof(*client));
}

const char *appmesh_client_region(const struct appmesh_client *client)
{
    return client->settings.region != NULL ? client->settings.region : "";
}

const char *appmesh_client_endpoint(const struct appmesh_client *client)
{
    return am_buf_cstr(&client->endpoint);
}

const char *appmesh_client_credentials_source(const struct appmesh_client *client)
{
    return client->credentials_source;
}

/* ---- the blocking driver ---- */

/* A transport failure against the AWS endpoint itself most likely means App Mesh is gone. */
static void hint_service_ended(const struct appmesh_client *c, struct appmesh_error *err)
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
drive(struct appmesh_client *c, struct am_call *call, struct appmesh_error *err)
{
    enum am_call_next next = AM_CALL_RETRY;

    while (next == AM_CALL_RETRY) {
        struct appmesh_error perr = {0};
        struct appmesh_error terr = {0};
        enum appmesh_status st = APPMESH_OK;
        double t0 = 0;
        double wait = am_call_send_wait(call);

        while (wait > 0 && st == APPMESH_OK) {
            if (!sleep_interruptibly(c, wait)) {
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
        t0 = c->log_debug ? am_client_now(c) : 0;
        am_log_request(c, call);
        st = c->transport->vtable->send(c->transport->impl, &call->http, &c->response, &terr);
        if (st == APPMESH_OK) {
            am_log_response(c, call, &c->response, c->log_debug ? am_client_now(c) - t0 : 0);
            next = am_call_on_response(call, &c->response);
        } else {
            if (terr.status == APPMESH_OK) {
                am_fail(&terr, st, "transport failed");
            }
            hint_service_ended(c, &terr);
            am_log_failure(c, call, &terr, c->log_debug ? am_client_now(c) - t0 : 0);
            next = am_call_on_transport_error(call, &terr);
        }
        if (next == AM_CALL_RETRY) {
            am_log_retry(c, call);
            if (!sleep_interruptibly(c, call->delay)) {
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
    if (client == NULL || in == NULL || out == NULL) {
        return am_fail(err, APPMESH_ERR_INVALID_ARGUMENT,
                       "appmesh_client_update_virtual_service: client, in and out are required");
    }
    memset(out, 0, sizeof(*out));
    return run_started(client, am_call_start_update(&client->call, in, out, err), info, err);
}

enum appmesh_status
appmesh_client_describe_virtual_service(struct appmesh_client *client,
                                        const struct appmesh_describe_virtual_service_input *in,
                                        struct appmesh_virtual_service_data *out,
                                        struct appmesh_call_info *info,
                                        struct appmesh_error *err)
{
    if (client == NULL || in == NULL || out == NULL) {
        return am_fail(err, APPMESH_ERR_INVALID_ARGUMENT,
                       "appmesh_client_describe_virtual_service: client, in and out are required");
    }
    memset(out, 0, sizeof(*out));
    return run_started(client, am_call_start_describe(&client->call, in, out, err), info, err);
}

enum appmesh_status
appmesh_client_list_virtual_services(struct appmesh_client *client,
                                     const struct appmesh_list_virtual_services_input *in,
                                     struct appmesh_virtual_service_list *out,
                                     struct appmesh_call_info *info,
                                     struct appmesh_error *err)
{
    if (client == NULL || in == NULL || out == NULL) {
        return am_fail(err, APPMESH_ERR_INVALID_ARGUMENT,
                       "appmesh_client_list_virtual_services: client, in and out are required");
    }
    memset(out, 0, sizeof(*out));
    return run_started(client, am_call_start_list(&client->call, in, out, err), info, err);
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

enum appmesh_status
appmesh_client_update_virtual_service_preview(struct appmesh_client *client,
                                              const struct appmesh_update_virtual_service_input *in,
                                              struct appmesh_request_preview *out,
                                              struct appmesh_error *err)
{
    struct am_call *call = NULL;
    struct appmesh_virtual_service_data unused = {0};
    enum appmesh_status st = APPMESH_ERR_INTERNAL;
    size_t i = 0;

    if (client == NULL || in == NULL || out == NULL) {
        return am_fail(err, APPMESH_ERR_INVALID_ARGUMENT,
                       "appmesh_client_update_virtual_service_preview: client, in and out are "
                       "required");
    }
    memset(out, 0, sizeof(*out));
    am_buf_init(&out->url, client->alloc, 0);
    am_buf_init(&out->headers, client->alloc, 0);
    am_buf_init(&out->body, client->alloc, 0);
    call = &client->call;
    st = am_call_start_update(call, in, &unused, err);
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
