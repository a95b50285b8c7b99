/* SPDX-License-Identifier: MIT */
/* A test rig for client-level tests: canned transport, injected clock and environment. */
#ifndef APPMESH_TEST_RIG_H
#define APPMESH_TEST_RIG_H

#include "appmesh/appmesh.h"
#include "harness.h"
#include "internal.h"

/* ---- a canned transport that records what it was asked to send ---- */

struct canned {
    int status;               /* HTTP status; 0 = fail with `fail` */
    enum appmesh_status fail; /* transport failure to report when status is 0 */
    const char *headers;      /* raw header lines */
    const char *body;
};

struct sent {
    char method[8];
    char url[512];
    char headers[2048]; /* "name: value\n" lines */
    char body[1024];
};

struct fake {
    const struct canned *script;
    size_t script_len;
    size_t next;
    struct sent sent[8];
    size_t sent_count;
    int interrupt_after; /* interrupt once this many requests were sent; 0 = never */
};

static enum appmesh_status fake_send(void *impl,
                                     const struct appmesh_http_request *req,
                                     struct appmesh_http_response *resp,
                                     struct appmesh_error *err)
{
    struct fake *f = impl;
    const struct canned *c = NULL;
    struct sent *s = NULL;
    size_t i = 0;

    if (f->sent_count < 8) {
        s = &f->sent[f->sent_count];
        snprintf(s->method, sizeof(s->method), "%s", req->method);
        snprintf(s->url, sizeof(s->url), "%s", req->url);
        s->headers[0] = '\0';
        for (i = 0; i < req->header_count; i++) {
            size_t n = strlen(s->headers);
            snprintf(s->headers + n, sizeof(s->headers) - n, "%.*s: %.*s\n",
                     (int)req->headers[i].name_len, req->headers[i].name,
                     (int)req->headers[i].value_len, req->headers[i].value);
        }
        snprintf(s->body, sizeof(s->body), "%.*s", (int)req->body_len, req->body);
    }
    f->sent_count++;
    if (f->next >= f->script_len) {
        return am_fail(err, APPMESH_ERR_TRANSPORT, "fake transport: script exhausted");
    }
    c = &f->script[f->next++];
    if (c->status == 0) {
        return am_fail(err, c->fail, "fake transport failure");
    }
    resp->status = c->status;
    am_buf_reset(&resp->headers);
    am_buf_reset(&resp->body);
    if (c->headers != NULL && am_buf_append_str(&resp->headers, c->headers, err) != APPMESH_OK) {
        return APPMESH_ERR_NOMEM;
    }
    if (c->body != NULL && am_buf_append_str(&resp->body, c->body, err) != APPMESH_OK) {
        return APPMESH_ERR_NOMEM;
    }
    return APPMESH_OK;
}

static void fake_destroy(void *impl)
{
    (void)impl;
}

static const struct appmesh_transport_vtable fake_vtable = {fake_send, fake_destroy};

/* ---- an injected clock that records sleeps ---- */

struct fake_clock {
    double now;
    double slept[8];
    int sleeps;
    double random;
};

static double clock_now(void *ud)
{
    return ((struct fake_clock *)ud)->now;
}

static void clock_sleep(void *ud, double s)
{
    struct fake_clock *c = ud;
    if (c->sleeps < 8) {
        c->slept[c->sleeps] = s;
    }
    c->sleeps++;
    c->now += s;
}

static double clock_random(void *ud)
{
    return ((struct fake_clock *)ud)->random;
}

/* ---- an injected environment ---- */

static const char *const base_env[] = {
    "HOME",
    "/nonexistent-appmesh-test-home",
    "AWS_REGION",
    "us-east-1",
    /* no IMDS requests through the canned transport */
    "AWS_EC2_METADATA_DISABLED",
    "true",
    NULL,
};

static const struct appmesh_credentials example_creds = {
    "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", NULL};
static const struct appmesh_credentials token_creds = {
    "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "SESSIONTOKENSECRETVALUE"};

struct rig {
    struct fake fake;
    struct appmesh_transport transport;
    struct fake_clock clock_state;
    struct appmesh_clock clock;
    struct appmesh_client_options opts;
    struct appmesh_client *client;
};

static inline enum appmesh_status
rig_open(struct rig *r, const struct canned *script, size_t n, struct appmesh_error *err)
{
    (void)err;
    memset(r, 0, sizeof(*r));
    r->fake.script = script;
    r->fake.script_len = n;
    r->transport.vtable = &fake_vtable;
    r->transport.impl = &r->fake;
    r->clock_state.now = 1440938160.0; /* 2015-08-30T12:36:00Z */
    r->clock_state.random = 0.5;
    r->clock.now = clock_now;
    r->clock.sleep = clock_sleep;
    r->clock.random = clock_random;
    r->clock.ud = &r->clock_state;
    r->opts.transport = &r->transport;
    r->opts.clock = &r->clock;
    r->opts.credentials = &example_creds;
    r->opts.getenv = test_getenv;
    r->opts.getenv_ud = (void *)base_env;
    r->opts.endpoint = "http://127.0.0.1:9000";
    return APPMESH_OK;
}

static inline enum appmesh_status rig_client(struct rig *r, struct appmesh_error *err)
{
    return appmesh_client_new(&test_allocator, &r->opts, &r->client, err);
}

static inline struct appmesh_update_virtual_service_input node_input(void)
{
    struct appmesh_update_virtual_service_input in = {0};
    in.mesh_name = "ecs-mesh";
    in.virtual_service_name = "colorgateway.default.svc.cluster.local";
    in.has_spec = true;
    in.spec.provider.kind = APPMESH_PROVIDER_VIRTUAL_NODE;
    in.spec.provider.u.virtual_node.virtual_node_name = "colorgateway-vn";
    return in;
}

#define OK_BODY                                                                                    \
    "{\"meshName\":\"ecs-mesh\",\"virtualServiceName\":\"colorgateway.default.svc.cluster."        \
    "local\",\"spec\":{\"provider\":{\"virtualNode\":{\"virtualNodeName\":\"colorgateway-vn\"}"    \
    "}},\"status\":{\"status\":\"ACTIVE\"},\"metadata\":{\"arn\":\"arn:aws:appmesh:us-east-1:"     \
    "123456789012:mesh/ecs-mesh/virtualService/colorgateway.default.svc.cluster.local\","          \
    "\"createdAt\":1563810000.123,\"lastUpdatedAt\":1563820000.5,\"meshOwner\":"                   \
    "\"123456789012\",\"resourceOwner\":\"123456789012\",\"uid\":\"a1b2\",\"version\":2}}"

#endif
