/* SPDX-License-Identifier: MIT */
/* The concurrent driver: many call state machines on one multi handle, with backoff timers. */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "appmesh/batch.h"
#include "appmesh/client.h"
#include "appmesh/http.h"
#include "appmesh/model.h"
#include "internal.h"
#include "log.h"
#include "opcall.h"
#include "operation.h"
#include "opjson.h"
#include "transport_curl.h"
#include "validate.h"

#define DEFAULT_CONCURRENCY 16
#define MAX_CONCURRENCY     1024
#define MIN_RATE            0.01      /* requests per second */
#define MAX_RATE            1000000.0 /* requests per second */
/* Calls started and not finished (running or waiting out a backoff), per transfer slot. */
#define ACTIVE_PER_SLOT 4

/* The machinery of a started call; kept on a free list and reused by the next call. */
struct batch_runner {
    struct am_call call;
    struct appmesh_http_response resp;
    struct batch_runner *next_free;
};

struct batch_entry;

/**
 * What differs between the kinds of call a batch runs: how the call's input is kept and how
 * the call is started. Every other step is the same for all (validated once, when added).
 */
struct batch_kind {
    enum appmesh_batch_op op; /* for the result's op field (the typed calls) */
    /* Start e's call on its runner's machine. */
    enum appmesh_status (*start)(struct batch_entry *e, struct appmesh_error *err);
    /* The input's string fields (NULL ones included), to copy into the entry's own block. */
    size_t (*strings)(struct batch_entry *e, const char **fields[5]);
};

struct batch_entry {
    uint64_t id;
    void *user;
    const struct batch_kind *kind;
    union { /* the input, its strings pointing into `strings` */
        struct appmesh_update_virtual_service_input update;
        struct appmesh_describe_virtual_service_input describe;
        struct appmesh_list_virtual_services_input list;
        struct {
            const struct am_operation *op;
            cJSON *input;     /* a copy the entry owns */
            bool json_output; /* appmesh_batch_add_call: the output as JSON text */
        } value;
    } in;
    char *strings;
    size_t strings_size;
    struct batch_runner *runner; /* while started */
    double ready_at;             /* when waiting out a backoff */
    struct appmesh_batch_result result;
    struct batch_entry *next; /* in the queue it is on */
};

/* A FIFO of entries. */
struct queue {
    struct batch_entry *head;
    struct batch_entry *tail;
    size_t len;
};

struct appmesh_batch {
    struct am_service *svc; /* the client's shared state, borrowed */
    const struct appmesh_allocator *alloc;
    struct am_multi *multi; /* NULL when the client has an injected transport */
    size_t concurrency;
    double rate;
    double next_start_at;
    uint64_t next_id;
    struct queue pending;   /* added, not started */
    struct queue running_q; /* transfers in flight (at most `concurrency`) */
    struct queue backoff;   /* started, waiting for ready_at */
    struct queue done;      /* finished, not taken */
    size_t active;          /* started and not finished */
    struct batch_runner *free_runners;
};

static void push(struct queue *q, struct batch_entry *e)
{
    e->next = NULL;
    if (q->tail != NULL) {
        q->tail->next = e;
    } else {
        q->head = e;
    }
    q->tail = e;
    q->len++;
}

/* Unlink e from q (short queues only: the running queue holds at most `concurrency`). */
static void unlink_entry(struct queue *q, struct batch_entry *e)
{
    struct batch_entry *prev = NULL;
    struct batch_entry *cur = q->head;
    while (cur != NULL && cur != e) {
        prev = cur;
        cur = cur->next;
    }
    if (cur == NULL) {
        return;
    }
    if (prev != NULL) {
        prev->next = e->next;
    } else {
        q->head = e->next;
    }
    if (q->tail == e) {
        q->tail = prev;
    }
    q->len--;
    e->next = NULL;
}

static struct batch_entry *pop(struct queue *q)
{
    struct batch_entry *e = q->head;
    if (e != NULL) {
        q->head = e->next;
        if (q->head == NULL) {
            q->tail = NULL;
        }
        q->len--;
        e->next = NULL;
    }
    return e;
}

/* ---- entries ---- */

static const char **provider_name(struct appmesh_virtual_service_provider *p)
{
    if (p->kind == APPMESH_PROVIDER_VIRTUAL_NODE) {
        return &p->u.virtual_node.virtual_node_name;
    }
    if (p->kind == APPMESH_PROVIDER_VIRTUAL_ROUTER) {
        return &p->u.virtual_router.virtual_router_name;
    }
    return NULL;
}

static size_t update_strings(struct batch_entry *e, const char **fields[5])
{
    size_t n = 0;
    fields[n++] = &e->in.update.mesh_name;
    fields[n++] = &e->in.update.virtual_service_name;
    fields[n++] = &e->in.update.mesh_owner;
    fields[n++] = &e->in.update.client_token;
    fields[n] = provider_name(&e->in.update.spec.provider);
    return n + (fields[n] != NULL ? 1 : 0);
}

static size_t describe_strings(struct batch_entry *e, const char **fields[5])
{
    fields[0] = &e->in.describe.mesh_name;
    fields[1] = &e->in.describe.virtual_service_name;
    fields[2] = &e->in.describe.mesh_owner;
    return 3;
}

static size_t list_strings(struct batch_entry *e, const char **fields[5])
{
    fields[0] = &e->in.list.mesh_name;
    fields[1] = &e->in.list.mesh_owner;
    fields[2] = &e->in.list.next_token;
    return 3;
}

static size_t value_strings(struct batch_entry *e, const char **fields[5])
{
    (void)e;
    (void)fields;
    return 0; /* the input is a cJSON copy of its own */
}

static enum appmesh_status start_update(struct batch_entry *e, struct appmesh_error *err)
{
    return am_call_start_update(&e->runner->call, &e->in.update, &e->result.data, err);
}

static enum appmesh_status start_describe(struct batch_entry *e, struct appmesh_error *err)
{
    return am_call_start_describe(&e->runner->call, &e->in.describe, &e->result.data, err);
}

static enum appmesh_status start_list(struct batch_entry *e, struct appmesh_error *err)
{
    return am_call_start_list(&e->runner->call, &e->in.list, &e->result.list, err);
}

static enum appmesh_status start_value(struct batch_entry *e, struct appmesh_error *err)
{
    return am_call_start_value(&e->runner->call, e->in.value.op, e->in.value.input, err);
}

static const struct batch_kind kind_update = {APPMESH_BATCH_UPDATE, start_update, update_strings};
static const struct batch_kind kind_describe = {APPMESH_BATCH_DESCRIBE, start_describe,
                                                describe_strings};
static const struct batch_kind kind_list = {APPMESH_BATCH_LIST, start_list, list_strings};
/* A generic call's result op is UPDATE (0): meaningless, result.operation names the op. */
static const struct batch_kind kind_value = {APPMESH_BATCH_UPDATE, start_value, value_strings};

/* Copy the input's strings (already in e->in, still borrowed) into one block the entry owns. */
static enum appmesh_status
entry_own_strings(struct appmesh_batch *b, struct batch_entry *e, struct appmesh_error *err)
{
    const char **fields[5];
    size_t n = e->kind->strings(e, fields);
    size_t i = 0;
    char *cursor = NULL;

    e->strings_size = 0;
    for (i = 0; i < n; i++) {
        e->strings_size += *fields[i] != NULL ? strlen(*fields[i]) + 1 : 0;
    }
    e->strings = e->strings_size > 0 ? am_malloc(b->alloc, e->strings_size) : NULL;
    if (e->strings == NULL && e->strings_size > 0) {
        return am_fail(err, APPMESH_ERR_NOMEM, "out of memory queueing a call");
    }
    cursor = e->strings;
    for (i = 0; i < n; i++) {
        if (*fields[i] != NULL) {
            size_t len = strlen(*fields[i]) + 1;
            memcpy(cursor, *fields[i], len);
            *fields[i] = cursor;
            cursor += len;
        }
    }
    return APPMESH_OK;
}

static void entry_free(struct appmesh_batch *b, struct batch_entry *e)
{
    am_free(b->alloc, e->strings, e->strings_size);
    if (e->kind == &kind_value) {
        cJSON_Delete(e->in.value.input);
    }
    appmesh_batch_result_cleanup(&e->result);
    am_free(b->alloc, e, sizeof(*e));
}

/* ---- runners ---- */

static struct batch_runner *runner_get(struct appmesh_batch *b)
{
    struct batch_runner *r = b->free_runners;
    if (r != NULL) {
        b->free_runners = r->next_free;
        return r;
    }
    r = am_calloc(b->alloc, sizeof(*r));
    if (r != NULL) {
        am_call_init(&r->call, b->svc);
        am_buf_init(&r->resp.headers, b->alloc, 0);
        am_buf_init(&r->resp.body, b->alloc, 0);
    }
    return r;
}

static void runner_put(struct appmesh_batch *b, struct batch_runner *r)
{
    r->next_free = b->free_runners;
    b->free_runners = r;
}

static void runner_free(struct appmesh_batch *b, struct batch_runner *r)
{
    am_call_cleanup(&r->call);
    appmesh_http_response_cleanup(&r->resp);
    am_free(b->alloc, r, sizeof(*r));
}

/* ---- the batch ---- */

enum appmesh_status appmesh_batch_new(struct appmesh_client *client,
                                      const struct appmesh_batch_options *opts,
                                      struct appmesh_batch **out,
                                      struct appmesh_error *err)
{
    struct appmesh_batch *b = NULL;
    enum appmesh_status st = APPMESH_OK;
    int concurrency = opts != NULL ? opts->concurrency : 0;
    double rate = opts != NULL ? opts->rate : 0;

    if (client == NULL || out == NULL) {
        return am_fail(err, APPMESH_ERR_INVALID_ARGUMENT,
                       "appmesh_batch_new: client and out are required");
    }
    *out = NULL;
    /* 0 means the default (16; no rate limit). A rate of 1e-9 would never finish a batch. */
    if (concurrency < 0 || concurrency > MAX_CONCURRENCY) {
        return am_fail_field(err, "concurrency", "concurrency must be from 1 to %d, got %d",
                             MAX_CONCURRENCY, concurrency);
    }
    if (!(rate == 0 || (rate >= MIN_RATE && rate <= MAX_RATE))) {
        return am_fail_field(err, "rate", "rate must be from %g to %g requests per second, got %g",
                             MIN_RATE, MAX_RATE, rate);
    }
    b = am_calloc(am_client_service(client)->alloc, sizeof(*b));
    if (b == NULL) {
        return am_fail(err, APPMESH_ERR_NOMEM, "out of memory creating a batch");
    }
    b->svc = am_client_service(client);
    b->alloc = b->svc->alloc;
    b->concurrency = concurrency > 0 ? (size_t)concurrency : DEFAULT_CONCURRENCY;
    b->rate = rate;
    b->next_id = 1;
    if (b->svc->own_transport) {
        st = am_multi_new(b->alloc, &b->svc->curl_options, b->concurrency, &b->multi, err);
    } else {
        b->concurrency = 1; /* an injected transport is driven one call at a time */
    }
    if (st != APPMESH_OK) {
        am_free(b->alloc, b, sizeof(*b));
        return st;
    }
    *out = b;
    return APPMESH_OK;
}

void appmesh_batch_destroy(struct appmesh_batch *b)
{
    struct queue *queues[4];
    struct batch_entry *e = NULL;
    size_t i = 0;

    if (b == NULL) {
        return;
    }
    /* Abandon transfers first: the multi handle points into the runners. */
    am_multi_destroy(b->multi);
    queues[0] = &b->pending;
    queues[1] = &b->backoff;
    queues[2] = &b->done;
    queues[3] = &b->running_q;
    for (i = 0; i < 4; i++) {
        while ((e = pop(queues[i])) != NULL) {
            if (e->runner != NULL) {
                runner_free(b, e->runner);
            }
            entry_free(b, e);
        }
    }
    while (b->free_runners != NULL) {
        struct batch_runner *r = b->free_runners;
        b->free_runners = r->next_free;
        runner_free(b, r);
    }
    am_free(b->alloc, b, sizeof(*b));
}

/* Queue a validated input already copied into e->in. */
static enum appmesh_status add_entry(struct appmesh_batch *b,
                                     struct batch_entry *e,
                                     void *user,
                                     uint64_t *id,
                                     struct appmesh_error *err)
{
    enum appmesh_status st = entry_own_strings(b, e, err);
    if (st != APPMESH_OK) {
        entry_free(b, e);
        return st;
    }
    e->id = b->next_id++;
    e->user = user;
    e->result.id = e->id;
    e->result.user = user;
    e->result.op = e->kind->op;
    push(&b->pending, e);
    if (id != NULL) {
        *id = e->id;
    }
    return APPMESH_OK;
}

static struct batch_entry *
new_entry(struct appmesh_batch *b, const struct batch_kind *kind, struct appmesh_error *err)
{
    struct batch_entry *e = am_calloc(b->alloc, sizeof(*e));
    if (e == NULL) {
        am_fail(err, APPMESH_ERR_NOMEM, "out of memory queueing a call");
        return NULL;
    }
    e->kind = kind;
    return e;
}

/* Copy and queue a typed input the caller has validated. */
static enum appmesh_status add_typed(struct appmesh_batch *b,
                                     const struct batch_kind *kind,
                                     const char *operation,
                                     const void *in,
                                     size_t size,
                                     void *user,
                                     uint64_t *id,
                                     struct appmesh_error *err)
{
    struct batch_entry *e = new_entry(b, kind, err);
    if (e == NULL) {
        return APPMESH_ERR_NOMEM;
    }
    memcpy(&e->in, in, size);
    e->result.operation = operation;
    return add_entry(b, e, user, id, err);
}

static enum appmesh_status
check_add(struct appmesh_batch *b, const void *in, struct appmesh_error *err)
{
    if (b == NULL || in == NULL) {
        return am_fail(err, APPMESH_ERR_INVALID_ARGUMENT,
                       "appmesh_batch_add_*: batch and in are required");
    }
    return APPMESH_OK;
}

enum appmesh_status appmesh_batch_add_update(struct appmesh_batch *b,
                                             const struct appmesh_update_virtual_service_input *in,
                                             void *user,
                                             uint64_t *id,
                                             struct appmesh_error *err)
{
    enum appmesh_status st = check_add(b, in, err);
    if (st == APPMESH_OK) {
        st = appmesh_update_virtual_service_input_validate(in, err);
    }
    if (st == APPMESH_OK) {
        st = add_typed(b, &kind_update, "UpdateVirtualService", in, sizeof(*in), user, id, err);
    }
    return st;
}

enum appmesh_status
appmesh_batch_add_describe(struct appmesh_batch *b,
                           const struct appmesh_describe_virtual_service_input *in,
                           void *user,
                           uint64_t *id,
                           struct appmesh_error *err)
{
    enum appmesh_status st = check_add(b, in, err);
    if (st == APPMESH_OK) {
        st = appmesh_describe_virtual_service_input_validate(in, err);
    }
    if (st == APPMESH_OK) {
        st = add_typed(b, &kind_describe, "DescribeVirtualService", in, sizeof(*in), user, id, err);
    }
    return st;
}

enum appmesh_status appmesh_batch_add_list(struct appmesh_batch *b,
                                           const struct appmesh_list_virtual_services_input *in,
                                           void *user,
                                           uint64_t *id,
                                           struct appmesh_error *err)
{
    enum appmesh_status st = check_add(b, in, err);
    if (st == APPMESH_OK) {
        st = appmesh_list_virtual_services_input_validate(in, err);
    }
    if (st == APPMESH_OK) {
        st = add_typed(b, &kind_list, "ListVirtualServices", in, sizeof(*in), user, id, err);
    }
    return st;
}

/* Validate (the call's only validation), copy and queue a call of any operation. */
static enum appmesh_status add_value(struct appmesh_batch *b,
                                     const struct am_op_input *in,
                                     bool json_output,
                                     void *user,
                                     uint64_t *id,
                                     struct appmesh_error *err)
{
    struct batch_entry *e = NULL;
    enum appmesh_status st = check_add(b, in, err);

    if (st == APPMESH_OK && (in->op == NULL || in->input == NULL)) {
        st = am_fail(err, APPMESH_ERR_INVALID_ARGUMENT, "am_batch_add_value: no op or input");
    }
    if (st == APPMESH_OK) {
        st = am_validate_input(in->op, in->input, in->list_base, err);
    }
    if (st == APPMESH_OK) {
        e = new_entry(b, &kind_value, err);
        st = e != NULL ? APPMESH_OK : APPMESH_ERR_NOMEM;
    }
    if (st == APPMESH_OK) {
        e->in.value.op = in->op;
        e->in.value.json_output = json_output;
        e->in.value.input = cJSON_Duplicate(in->input, true);
        e->result.operation = in->op->name;
        if (e->in.value.input == NULL) {
            entry_free(b, e);
            st = am_fail(err, APPMESH_ERR_NOMEM, "out of memory queueing a call");
        }
    }
    if (st == APPMESH_OK) {
        st = add_entry(b, e, user, id, err);
    }
    return st;
}

enum appmesh_status am_batch_add_value(struct appmesh_batch *batch,
                                       const struct am_op_input *in,
                                       void *user,
                                       uint64_t *id,
                                       struct appmesh_error *err)
{
    return add_value(batch, in, false, user, id, err);
}

enum appmesh_status appmesh_batch_add_call(struct appmesh_batch *batch,
                                           const char *operation,
                                           const char *input_json,
                                           size_t input_len,
                                           void *user,
                                           uint64_t *id,
                                           struct appmesh_error *err)
{
    struct am_op_input in = {NULL, NULL, 0};
    cJSON *input = NULL;
    enum appmesh_status st = APPMESH_OK;

    if (batch == NULL) {
        return am_fail(err, APPMESH_ERR_INVALID_ARGUMENT, "appmesh_batch_add_call: no batch");
    }
    st = am_opjson_find(operation, &in.op, err);
    if (st == APPMESH_OK) {
        st = am_opjson_parse_input(in.op, input_json, input_json != NULL ? input_len : 0, &input,
                                   err);
    }
    in.input = input;
    if (st == APPMESH_OK) {
        st = add_value(batch, &in, true, user, id, err);
    }
    cJSON_Delete(input);
    return st;
}

/* The call is over: keep its outcome, give its machinery back. */
static void finish(struct appmesh_batch *b, struct batch_entry *e)
{
    struct am_call *call = &e->runner->call;
    struct appmesh_call_info *info = &e->result.info;

    e->result.status = call->result;
    if (call->result == APPMESH_OK && e->kind == &kind_value) {
        cJSON *value = am_call_take_value(call);
        if (e->in.value.json_output) {
            e->result.status =
                am_opjson_print(value, b->alloc, &e->result.output_json, &e->result.err);
        } else {
            e->result.output_value = value;
            value = NULL;
        }
        cJSON_Delete(value);
    }
    if (call->result != APPMESH_OK) {
        e->result.err = call->err;
        if (e->result.err.status == APPMESH_OK) {
            e->result.err.status = call->result;
        }
        appmesh_batch_result_cleanup(&e->result);
    }
    info->http_status = call->http_status;
    info->attempts = call->attempt;
    am_copy_text(info->request_id, sizeof(info->request_id), call->request_id,
                 strlen(call->request_id));
    am_copy_text(info->client_token, sizeof(info->client_token), call->client_token,
                 strlen(call->client_token));
    runner_put(b, e->runner);
    e->runner = NULL;
    b->active--;
    push(&b->done, e);
}

/* Feed an attempt's outcome to the machine; schedule the retry or finish. */
static void on_outcome(struct appmesh_batch *b,
                       struct batch_entry *e,
                       enum appmesh_status st,
                       const struct appmesh_error *terr)
{
    struct am_service *c = b->svc;
    struct am_call *call = &e->runner->call;
    enum am_call_next next = AM_CALL_DONE;

    if (st == APPMESH_OK) {
        am_log_response(c, call, &e->runner->resp, 0);
        next = am_call_on_response(call, &e->runner->resp);
    } else {
        am_log_failure(c, call, terr, 0);
        next = am_call_on_transport_error(call, terr);
    }
    if (next == AM_CALL_RETRY) {
        am_log_retry(c, call);
        e->ready_at = am_service_now(c) + call->delay;
        push(&b->backoff, e);
        return;
    }
    finish(b, e);
}

/* Prepare and send the next attempt of e: on the multi handle, or inline on an injected
 * transport. */
static void send_attempt(struct appmesh_batch *b, struct batch_entry *e)
{
    struct am_service *c = b->svc;
    struct am_call *call = &e->runner->call;
    struct appmesh_error perr = {0};
    enum appmesh_status st = APPMESH_OK;
    double wait = am_call_send_wait(call);

    if (wait > 0) {
        /* Adaptive mode's rate limit: come back when a send token is due. */
        e->ready_at = am_service_now(c) + wait;
        push(&b->backoff, e);
        return;
    }
    st = am_call_prepare_attempt(call, &perr);
    if (st != APPMESH_OK) {
        am_call_fail(call, &perr);
        finish(b, e);
        return;
    }
    am_log_request(c, call);
    if (b->multi == NULL) {
        struct appmesh_error terr = {0};
        st = c->transport->vtable->send(c->transport->impl, &call->http, &e->runner->resp, &terr);
        if (st != APPMESH_OK && terr.status == APPMESH_OK) {
            am_fail(&terr, st, "transport failed");
        }
        on_outcome(b, e, st, &terr);
        return;
    }
    st = am_multi_start(b->multi, &call->http, &e->runner->resp, e, &perr);
    if (st != APPMESH_OK) {
        on_outcome(b, e, st, &perr);
        return;
    }
    push(&b->running_q, e);
}

/* Start a new call: take a runner and build the request. */
static void start_call(struct appmesh_batch *b, struct batch_entry *e)
{
    struct appmesh_error err = {0};
    enum appmesh_status st = APPMESH_ERR_NOMEM;

    e->runner = runner_get(b);
    if (e->runner == NULL) {
        /* No machinery to report through: record the failure directly. */
        e->result.status = APPMESH_ERR_NOMEM;
        am_fail(&e->result.err, APPMESH_ERR_NOMEM, "out of memory starting a call");
        push(&b->done, e);
        return;
    }
    b->active++;
    st = e->kind->start(e, &err);
    if (st != APPMESH_OK) {
        am_call_fail(&e->runner->call, &err);
        finish(b, e);
        return;
    }
    send_attempt(b, e);
}

/* The earliest backoff that is due, or NULL; *next_due gets the earliest time otherwise. */
static struct batch_entry *take_due_backoff(struct appmesh_batch *b, double now, double *next_due)
{
    struct batch_entry *e = b->backoff.head;
    for (; e != NULL; e = e->next) {
        if (e->ready_at <= now) {
            unlink_entry(&b->backoff, e);
            return e;
        }
        if (e->ready_at < *next_due) {
            *next_due = e->ready_at;
        }
    }
    return NULL;
}

static bool rate_allows(struct appmesh_batch *b, double now, double *next_due)
{
    if (b->rate <= 0) {
        return true;
    }
    if (now >= b->next_start_at) {
        b->next_start_at =
            (b->next_start_at > now - 1.0 / b->rate ? b->next_start_at : now) + 1.0 / b->rate;
        return true;
    }
    if (b->next_start_at < *next_due) {
        *next_due = b->next_start_at;
    }
    return false;
}

/* Start every attempt that may start now; *next_due gets the earliest timer otherwise. */
static void start_ready(struct appmesh_batch *b, double now, double *next_due)
{
    size_t limit = b->concurrency;
    /* On an injected transport each start runs a whole attempt: return its result first. */
    while (b->running_q.len < limit && (b->multi != NULL || b->done.len == 0)) {
        double due = *next_due;
        struct batch_entry *e = take_due_backoff(b, now, &due);
        bool can_start_new = b->pending.len > 0 && b->active < limit * ACTIVE_PER_SLOT;

        if (e == NULL && !can_start_new) {
            *next_due = due;
            return;
        }
        if (!rate_allows(b, now, next_due)) {
            if (e != NULL) {
                push(&b->backoff, e); /* not yet: the rate limit says when */
            }
            if (due < *next_due) {
                *next_due = due;
            }
            return;
        }
        if (e != NULL) {
            send_attempt(b, e);
        } else {
            start_call(b, pop(&b->pending));
        }
        now = am_service_now(b->svc);
    }
}

static void collect(struct appmesh_batch *b)
{
    void *ud = NULL;
    enum appmesh_status st = APPMESH_OK;
    struct appmesh_error terr = {0};

    while (b->multi != NULL && am_multi_next_done(b->multi, &ud, &st, &terr)) {
        struct batch_entry *e = ud;
        unlink_entry(&b->running_q, e);
        on_outcome(b, e, st, &terr);
        memset(&terr, 0, sizeof(terr));
    }
}

enum appmesh_status
appmesh_batch_perform(struct appmesh_batch *b, double max_wait, struct appmesh_error *err)
{
    struct am_service *c = NULL;
    double now = 0;
    double next_due = INFINITY;
    double wait = 0;
    enum appmesh_status st = APPMESH_OK;

    if (b == NULL) {
        return am_fail(err, APPMESH_ERR_INVALID_ARGUMENT, "appmesh_batch_perform: batch is NULL");
    }
    c = b->svc;
    if (am_service_interrupted(c)) {
        return am_fail(err, APPMESH_ERR_INTERRUPTED, "interrupted");
    }
    now = am_service_now(c);
    start_ready(b, now, &next_due);
    if (b->done.len > 0) {
        max_wait = 0; /* a result is ready: return it without waiting */
    }
    wait = next_due - now;
    wait = wait < max_wait ? wait : max_wait;
    wait = wait > 0 ? wait : 0;
    if (b->running_q.len > 0) {
        /* whole milliseconds, at most INT_MAX (max_wait may be INFINITY): more would overflow
         * to a negative wait, which never waits */
        double ms = ceil(wait * 1000.0);
        st = am_multi_wait(b->multi, ms < (double)INT_MAX ? (int)ms : INT_MAX, err);
        collect(b);
    } else if (wait > 0 && b->backoff.len + b->pending.len > 0) {
        c->clock.sleep(c->clock.ud, wait);
    }
    if (st == APPMESH_OK && b->done.len == 0) {
        next_due = INFINITY;
        start_ready(b, am_service_now(c), &next_due);
    }
    return st;
}

bool appmesh_batch_take(struct appmesh_batch *b, struct appmesh_batch_result *out)
{
    struct batch_entry *e = b != NULL ? pop(&b->done) : NULL;
    if (e == NULL) {
        return false;
    }
    *out = e->result;
    memset(&e->result, 0, sizeof(e->result)); /* moved to the caller */
    entry_free(b, e);
    return true;
}

void appmesh_batch_result_cleanup(struct appmesh_batch_result *r)
{
    if (r == NULL) {
        return;
    }
    appmesh_virtual_service_data_cleanup(&r->data);
    appmesh_virtual_service_list_cleanup(&r->list);
    appmesh_buf_cleanup(&r->output_json);
    cJSON_Delete(r->output_value);
    r->output_value = NULL;
}

cJSON *am_batch_result_take_value(struct appmesh_batch_result *r)
{
    cJSON *v = r != NULL ? r->output_value : NULL;
    if (r != NULL) {
        r->output_value = NULL;
    }
    return v;
}

size_t appmesh_batch_pending(const struct appmesh_batch *b)
{
    return b->pending.len + b->backoff.len + b->running_q.len + b->done.len;
}

enum appmesh_status appmesh_batch_fdset(struct appmesh_batch *b,
                                        fd_set *r,
                                        fd_set *w,
                                        fd_set *x,
                                        int *max_fd,
                                        double *timeout,
                                        struct appmesh_error *err)
{
    double now = 0;
    double due = INFINITY;
    long curl_ms = -1;
    struct batch_entry *e = NULL;
    enum appmesh_status st = APPMESH_OK;

    if (b == NULL || r == NULL || w == NULL || x == NULL || max_fd == NULL || timeout == NULL) {
        return am_fail(err, APPMESH_ERR_INVALID_ARGUMENT,
                       "appmesh_batch_fdset: batch, the three sets, max_fd and timeout are "
                       "required");
    }
    now = am_service_now(b->svc);
    *max_fd = -1;
    if (b->multi != NULL) {
        st = am_multi_fdset(b->multi, r, w, x, max_fd, &curl_ms, err);
    }
    for (e = b->backoff.head; e != NULL; e = e->next) {
        due = e->ready_at < due ? e->ready_at : due;
    }
    if (b->done.len > 0 || (b->pending.len > 0 && b->running_q.len < b->concurrency)) {
        due = now;
    }
    *timeout = isinf(due) ? -1.0 : (due > now ? due - now : 0.0);
    if (curl_ms >= 0 && (*timeout < 0 || (double)curl_ms / 1000.0 < *timeout)) {
        *timeout = (double)curl_ms / 1000.0;
    }
    return st;
}
