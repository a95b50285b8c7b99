/* SPDX-License-Identifier: MIT */
/* The concurrent driver: many call state machines on one multi handle, with backoff timers. */
#include <math.h>
#include <string.h>

#include "log.h"
#include "operation.h"

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

struct batch_entry {
    uint64_t id;
    void *user;
    enum appmesh_batch_op op;
    union { /* the input, its strings pointing into `strings` */
        struct appmesh_update_virtual_service_input update;
        struct appmesh_describe_virtual_service_input describe;
        struct appmesh_list_virtual_services_input list;
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
    struct appmesh_client *client; /* borrowed */
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

/* The entry's input string fields (NULL ones included), by operation. */
static size_t input_strings(struct batch_entry *e, const char **fields[5])
{
    size_t n = 0;
    switch (e->op) {
        case APPMESH_BATCH_UPDATE:
            fields[n++] = &e->in.update.mesh_name;
            fields[n++] = &e->in.update.virtual_service_name;
            fields[n++] = &e->in.update.mesh_owner;
            fields[n++] = &e->in.update.client_token;
            fields[n] = provider_name(&e->in.update.spec.provider);
            n += fields[n] != NULL ? 1 : 0;
            break;
        case APPMESH_BATCH_DESCRIBE:
            fields[n++] = &e->in.describe.mesh_name;
            fields[n++] = &e->in.describe.virtual_service_name;
            fields[n++] = &e->in.describe.mesh_owner;
            break;
        case APPMESH_BATCH_LIST:
            fields[n++] = &e->in.list.mesh_name;
            fields[n++] = &e->in.list.mesh_owner;
            fields[n++] = &e->in.list.next_token;
            break;
    }
    return n;
}

/* Copy the input's strings (already in e->in, still borrowed) into one block the entry owns. */
static enum appmesh_status
entry_own_strings(struct appmesh_batch *b, struct batch_entry *e, struct appmesh_error *err)
{
    const char **fields[5];
    size_t n = input_strings(e, fields);
    size_t i = 0;
    char *cursor = NULL;

    e->strings_size = 0;
    for (i = 0; i < n; i++) {
        e->strings_size += *fields[i] != NULL ? strlen(*fields[i]) + 1 : 0;
    }
    e->strings = am_malloc(b->alloc, e->strings_size);
    if (e->strings == NULL) {
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
    appmesh_virtual_service_data_cleanup(&e->result.data);
    appmesh_virtual_service_list_cleanup(&e->result.list);
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
        am_call_init(&r->call, b->client);
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
    b = am_calloc(client->alloc, sizeof(*b));
    if (b == NULL) {
        return am_fail(err, APPMESH_ERR_NOMEM, "out of memory creating a batch");
    }
    b->client = client;
    b->alloc = client->alloc;
    b->concurrency = concurrency > 0 ? (size_t)concurrency : DEFAULT_CONCURRENCY;
    b->rate = rate;
    b->next_id = 1;
    if (client->own_transport) {
        st = am_multi_new(client->alloc, &client->curl_options, b->concurrency, &b->multi, err);
    } else {
        b->concurrency = 1; /* an injected transport is driven one call at a time */
    }
    if (st != APPMESH_OK) {
        am_free(client->alloc, b, sizeof(*b));
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
        am_free(b->alloc, e, sizeof(*e));
        return st;
    }
    e->id = b->next_id++;
    e->user = user;
    e->result.id = e->id;
    e->result.user = user;
    e->result.op = e->op;
    push(&b->pending, e);
    if (id != NULL) {
        *id = e->id;
    }
    return APPMESH_OK;
}

static struct batch_entry *
new_entry(struct appmesh_batch *b, enum appmesh_batch_op op, struct appmesh_error *err)
{
    struct batch_entry *e = am_calloc(b->alloc, sizeof(*e));
    if (e == NULL) {
        am_fail(err, APPMESH_ERR_NOMEM, "out of memory queueing a call");
        return NULL;
    }
    e->op = op;
    return e;
}

/* Validate, copy and queue an input of the given operation. */
static enum appmesh_status add_call(struct appmesh_batch *b,
                                    enum appmesh_batch_op op,
                                    const void *in,
                                    void *user,
                                    uint64_t *id,
                                    struct appmesh_error *err)
{
    struct batch_entry *e = NULL;
    enum appmesh_status st = APPMESH_ERR_INTERNAL;

    if (b == NULL || in == NULL) {
        return am_fail(err, APPMESH_ERR_INVALID_ARGUMENT,
                       "appmesh_batch_add_*: batch and in are required");
    }
    switch (op) {
        case APPMESH_BATCH_UPDATE:
            st = appmesh_update_virtual_service_input_validate(in, err);
            break;
        case APPMESH_BATCH_DESCRIBE:
            st = appmesh_describe_virtual_service_input_validate(in, err);
            break;
        case APPMESH_BATCH_LIST:
            st = appmesh_list_virtual_services_input_validate(in, err);
            break;
    }
    if (st == APPMESH_OK) {
        e = new_entry(b, op, err);
        st = e != NULL ? APPMESH_OK : APPMESH_ERR_NOMEM;
    }
    if (st == APPMESH_OK) {
        switch (op) {
            case APPMESH_BATCH_UPDATE:
                e->in.update = *(const struct appmesh_update_virtual_service_input *)in;
                break;
            case APPMESH_BATCH_DESCRIBE:
                e->in.describe = *(const struct appmesh_describe_virtual_service_input *)in;
                break;
            case APPMESH_BATCH_LIST:
                e->in.list = *(const struct appmesh_list_virtual_services_input *)in;
                break;
        }
        st = add_entry(b, e, user, id, err);
    }
    return st;
}

enum appmesh_status appmesh_batch_add_update(struct appmesh_batch *b,
                                             const struct appmesh_update_virtual_service_input *in,
                                             void *user,
                                             uint64_t *id,
                                             struct appmesh_error *err)
{
    return add_call(b, APPMESH_BATCH_UPDATE, in, user, id, err);
}

enum appmesh_status
appmesh_batch_add_describe(struct appmesh_batch *b,
                           const struct appmesh_describe_virtual_service_input *in,
                           void *user,
                           uint64_t *id,
                           struct appmesh_error *err)
{
    return add_call(b, APPMESH_BATCH_DESCRIBE, in, user, id, err);
}

enum appmesh_status appmesh_batch_add_list(struct appmesh_batch *b,
                                           const struct appmesh_list_virtual_services_input *in,
                                           void *user,
                                           uint64_t *id,
                                           struct appmesh_error *err)
{
    return add_call(b, APPMESH_BATCH_LIST, in, user, id, err);
}

/* The call is over: keep its outcome, give its machinery back. */
static void finish(struct appmesh_batch *b, struct batch_entry *e)
{
    struct am_call *call = &e->runner->call;
    struct appmesh_call_info *info = &e->result.info;

    e->result.status = call->result;
    if (call->result != APPMESH_OK) {
        e->result.err = call->err;
        if (e->result.err.status == APPMESH_OK) {
            e->result.err.status = call->result;
        }
        appmesh_virtual_service_data_cleanup(&e->result.data);
        appmesh_virtual_service_list_cleanup(&e->result.list);
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
    struct appmesh_client *c = b->client;
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
        e->ready_at = am_client_now(c) + call->delay;
        push(&b->backoff, e);
        return;
    }
    finish(b, e);
}

/* Prepare and send the next attempt of e: on the multi handle, or inline on an injected
 * transport. */
static void send_attempt(struct appmesh_batch *b, struct batch_entry *e)
{
    struct appmesh_client *c = b->client;
    struct am_call *call = &e->runner->call;
    struct appmesh_error perr = {0};
    enum appmesh_status st = APPMESH_OK;
    double wait = am_call_send_wait(call);

    if (wait > 0) {
        /* Adaptive mode's rate limit: come back when a send token is due. */
        e->ready_at = am_client_now(c) + wait;
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
    switch (e->op) {
        case APPMESH_BATCH_UPDATE:
            st = am_call_start_update(&e->runner->call, &e->in.update, &e->result.data, &err);
            break;
        case APPMESH_BATCH_DESCRIBE:
            st = am_call_start_describe(&e->runner->call, &e->in.describe, &e->result.data, &err);
            break;
        case APPMESH_BATCH_LIST:
            st = am_call_start_list(&e->runner->call, &e->in.list, &e->result.list, &err);
            break;
    }
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
        now = am_client_now(b->client);
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
    struct appmesh_client *c = NULL;
    double now = 0;
    double next_due = INFINITY;
    double wait = 0;
    enum appmesh_status st = APPMESH_OK;

    if (b == NULL) {
        return am_fail(err, APPMESH_ERR_INVALID_ARGUMENT, "appmesh_batch_perform: batch is NULL");
    }
    c = b->client;
    if (c->interrupt != NULL && c->interrupt(c->interrupt_ud)) {
        return am_fail(err, APPMESH_ERR_INTERRUPTED, "interrupted");
    }
    now = am_client_now(c);
    start_ready(b, now, &next_due);
    if (b->done.len > 0) {
        max_wait = 0; /* a result is ready: return it without waiting */
    }
    wait = next_due - now;
    wait = wait < max_wait ? wait : max_wait;
    wait = wait > 0 ? wait : 0;
    if (b->running_q.len > 0) {
        st = am_multi_wait(b->multi, (int)ceil(wait * 1000.0), err);
        collect(b);
    } else if (wait > 0 && b->backoff.len + b->pending.len > 0) {
        c->clock.sleep(c->clock.ud, wait);
    }
    if (st == APPMESH_OK && b->done.len == 0) {
        next_due = INFINITY;
        start_ready(b, am_client_now(c), &next_due);
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
    memset(&e->result.data, 0, sizeof(e->result.data)); /* moved to the caller */
    memset(&e->result.list, 0, sizeof(e->result.list));
    entry_free(b, e);
    return true;
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
    double now = am_client_now(b->client);
    double due = INFINITY;
    long curl_ms = -1;
    struct batch_entry *e = NULL;
    enum appmesh_status st = APPMESH_OK;

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
