/* SPDX-License-Identifier: MIT */
/* The call's shared state: settings, endpoint, credentials, signer, clock, retry state. */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "appmesh/client.h"
#include "appmesh/credentials.h"
#include "appmesh/sigv4.h"
#include "appmesh/transport.h"
#include "credentials.h"
#include "crypto.h"
#include "endpoint.h"
#include "env.h"
#include "internal.h"
#include "retry.h"
#include "service.h"
#include "settings.h"
#include "warn.h"

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

double am_service_now(const struct am_service *s)
{
    return s->clock.now(s->clock.ud);
}

double am_service_random(struct am_service *s)
{
    uint32_t r = 0;
    if (s->clock.random != NULL) {
        return s->clock.random(s->clock.ud);
    }
    if (am_drbg_random(s->drbg, &r, sizeof(r), NULL) != APPMESH_OK) {
        return 0.5;
    }
    return (double)r / 4294967296.0;
}

bool am_service_interrupted(const struct am_service *s)
{
    return s->interrupt != NULL && s->interrupt(s->interrupt_ud);
}

bool am_service_sleep(struct am_service *s, double seconds)
{
    while (seconds > 0) {
        double slice = s->interrupt != NULL && seconds > 0.05 ? 0.05 : seconds;
        if (am_service_interrupted(s)) {
            return false;
        }
        s->clock.sleep(s->clock.ud, slice);
        seconds -= slice;
    }
    return !am_service_interrupted(s);
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
static enum appmesh_status resolve_endpoint(struct am_service *s, struct appmesh_error *err)
{
    struct am_endpoint_params ep = {0};
    enum appmesh_status st = APPMESH_OK;

    ep.region = s->settings.region;
    ep.endpoint = s->settings.endpoint_url;
    ep.use_fips = s->settings.use_fips;
    ep.use_dualstack = s->settings.use_dualstack;
    s->custom_endpoint = ep.endpoint != NULL;
    if (ep.endpoint == NULL && ep.region == NULL) {
        am_fail(&s->endpoint_err, APPMESH_ERR_ENDPOINT,
                "no region configured: set region, AWS_REGION or AWS_DEFAULT_REGION, or region "
                "in the profile (or an endpoint)");
        return APPMESH_OK;
    }
    st = am_endpoint_resolve(&ep, &s->endpoint, &s->endpoint_err);
    if (st == APPMESH_ERR_NOMEM) {
        return am_fail(err, st, "%s", s->endpoint_err.message);
    }
    if (st != APPMESH_OK) {
        /* A custom endpoint that does not parse is the caller's mistake: say so now. */
        if (s->custom_endpoint) {
            return am_fail(err, st, "%s", s->endpoint_err.message);
        }
        am_buf_reset(&s->endpoint);
        return APPMESH_OK;
    }
    st = am_url_parse(s->endpoint.ptr, &s->url, err);
    return st;
}

static enum appmesh_status make_transport(struct am_service *s,
                                          const struct appmesh_client_options *o,
                                          struct appmesh_error *err)
{
    struct appmesh_transport_curl_options t = {0};

    if (o->transport != NULL) {
        s->transport = o->transport;
        s->own_transport = false;
        return APPMESH_OK;
    }
    t.connect_timeout = o->connect_timeout;
    t.timeout = o->timeout;
    t.ca_bundle = s->settings.ca_bundle;
    t.no_verify_tls = o->no_verify_tls;
    t.max_response = MAX_RESPONSE_BODY;
    t.interrupt = o->interrupt;
    t.interrupt_ud = o->interrupt_ud;
    s->own_transport = true;
    s->curl_options = t;
    return appmesh_transport_curl_new(s->alloc, &t, &s->transport, err);
}

enum appmesh_status am_service_init(struct am_service *s,
                                    const struct appmesh_allocator *alloc,
                                    const struct appmesh_client_options *opts,
                                    struct appmesh_error *err)
{
    struct am_env env = {0};
    const char *log = NULL;
    enum appmesh_status st = APPMESH_ERR_INTERNAL;

    memset(s, 0, sizeof(*s));
    s->alloc = alloc;
    am_buf_init(&s->endpoint, alloc, 0);
    st = check_options(opts, err);
    if (st != APPMESH_OK) {
        return st;
    }
    s->clock.now = real_now;
    s->clock.sleep = real_sleep;
    if (opts->clock != NULL) {
        s->clock.ud = opts->clock->ud;
        s->clock.now = opts->clock->now != NULL ? opts->clock->now : real_now;
        s->clock.sleep = opts->clock->sleep != NULL ? opts->clock->sleep : real_sleep;
        s->clock.random = opts->clock->random;
    }
    s->interrupt = opts->interrupt;
    s->interrupt_ud = opts->interrupt_ud;
    env.getenv = opts->getenv;
    env.ud = opts->getenv_ud;
    log = am_env_get(&env, "APPMESH_LOG");
    am_log_check_setting(&env);
    s->log_debug = log != NULL && (strcmp(log, "debug") == 0 || strcmp(log, "trace") == 0);

    st = am_settings_resolve(opts, &env, alloc, &s->settings, err);
    if (st == APPMESH_OK) {
        st = resolve_endpoint(s, err);
    }
    if (st == APPMESH_OK) {
        struct am_credentials_chain_options co = {0};
        co.explicit_creds = opts->credentials;
        co.env = &env;
        co.profile = s->settings.profile;
        co.region = s->settings.region;
        co.ca_bundle = s->settings.ca_bundle;
        co.no_verify_tls = opts->no_verify_tls;
        co.connect_timeout = opts->connect_timeout;
        co.timeout = opts->timeout;
        co.transport = opts->transport;
        st = am_credentials_chain_new(alloc, &co, &s->credentials, err);
    }
    if (st == APPMESH_OK) {
        st = appmesh_sigv4_signer_new(alloc, &s->signer, err);
    }
    if (st == APPMESH_OK) {
        st = am_drbg_new(alloc, &s->drbg, err);
    }
    if (st == APPMESH_OK) {
        st = make_transport(s, opts, err);
    }
    if (st != APPMESH_OK) {
        am_service_cleanup(s);
        return st;
    }
    s->policy.mode = strcmp(s->settings.retry_mode, "adaptive") == 0 ? AM_RETRY_MODE_ADAPTIVE
                                                                     : AM_RETRY_MODE_STANDARD;
    s->policy.max_attempts = s->settings.max_attempts;
    s->policy.base_delay = s->settings.retry_base_delay;
    s->policy.max_backoff = 20.0;
    am_retry_quota_init(&s->quota, 500);
    am_rate_limiter_init(&s->limiter, am_service_now(s));
    return APPMESH_OK;
}

void am_service_cleanup(struct am_service *s)
{
    if (s->own_transport) {
        appmesh_transport_destroy(s->transport);
    }
    s->transport = NULL;
    s->own_transport = false;
    am_drbg_destroy(s->drbg);
    s->drbg = NULL;
    appmesh_sigv4_signer_destroy(s->signer);
    s->signer = NULL;
    am_credentials_chain_destroy(s->credentials);
    s->credentials = NULL;
    am_settings_cleanup(&s->settings);
    appmesh_buf_cleanup(&s->endpoint);
}

enum appmesh_status am_service_credentials(struct am_service *s,
                                           struct appmesh_credentials *view,
                                           struct appmesh_error *err)
{
    const char *source = NULL;
    /* Expiry times and STS signatures are the server's time too: the corrected clock. */
    enum appmesh_status st = am_credentials_chain_get(
        s->credentials, am_service_now(s) + s->clock_skew, view, &source, err);
    if (st == APPMESH_OK) {
        s->credentials_source = source;
    }
    return st;
}
