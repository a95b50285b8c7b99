/* SPDX-License-Identifier: MIT */
/* Retry logic: classification, backoff, quota, the adaptive rate limiter (retry.c). */
#ifndef APPMESH_RETRY_H
#define APPMESH_RETRY_H

#include <stdbool.h>

#include "internal.h"

enum am_retry_kind {
    AM_RETRY_NONE = 0,  /* not retryable */
    AM_RETRY_TRANSIENT, /* 500/502/503/504, connection errors, transient codes */
    AM_RETRY_THROTTLING,
    AM_RETRY_TIMEOUT,
};
/** Classify a failed attempt; sets err->retryable, and err->status = THROTTLED for throttling. */
enum am_retry_kind am_retry_classify(struct appmesh_error *err);
bool am_retry_is_throttling_code(const char *code);
/**
 * Whether an error response (4xx) says the request's time is off: RequestTimeTooSkewed,
 * RequestExpired, RequestInTheFuture, or InvalidSignatureException / SignatureDoesNotMatch /
 * AuthFailure whose message speaks of time ("Signature expired", "not yet current", skew).
 * The call corrects its clock from the response's Date and retries once (operation.c).
 */
bool am_retry_is_clock_skew(const struct appmesh_error *err);
struct am_retry_quota {
    int available;
    int max;
};
void am_retry_quota_init(struct am_retry_quota *q, int initial);
enum am_retry_mode {
    AM_RETRY_MODE_STANDARD = 0,
    AM_RETRY_MODE_ADAPTIVE,
};
struct am_retry_policy {
    enum am_retry_mode mode;
    int max_attempts;   /* total attempts, >= 1 */
    double base_delay;  /* seconds, 1.0 by default */
    double max_backoff; /* seconds, 20 by default */
};
enum am_retry_decision {
    AM_RETRY_GO = 0,
    AM_RETRY_STOP_NOT_RETRYABLE,
    AM_RETRY_STOP_MAX_ATTEMPTS,
    AM_RETRY_STOP_QUOTA,
};
/**
 * After attempt number `attempt` (1-based) failed with `kind`: GO with *delay (seconds) and
 * *cost (tokens taken from q), or why not. random01 is uniform in [0, 1) for the jitter.
 */
enum am_retry_decision am_retry_decide(const struct am_retry_policy *p,
                                       struct am_retry_quota *q,
                                       int attempt,
                                       enum am_retry_kind kind,
                                       double random01,
                                       double *delay,
                                       int *cost);
/** After a successful attempt: give back last_cost when the call retried, else 1 (capped). */
void am_retry_on_success(struct am_retry_quota *q, int last_cost);

/*
 * Adaptive mode = standard mode (am_retry_decide decides retries the same way) + a client-side
 * rate limiter, as botocore's retries/adaptive.py, bucket.py and throttling.py. Times are
 * seconds as double from the client's clock; nothing here reads a clock or sleeps.
 */
/** The CUBIC send-rate curve (botocore CubicCalculator: beta 0.7, scale constant 0.4). */
struct am_cubic {
    double w_max;     /* the rate (>= 0) when the last throttle came */
    double k;         /* seconds after last_fail at which the curve is back at w_max */
    double last_fail; /* when the last throttle came */
};
/** Start the curve as if a throttle at rate w_max had come at time now. */
void am_cubic_init(struct am_cubic *c, double w_max, double now);
/** The rate the curve allows at time now, after a response that was not a throttle. */
double am_cubic_success(const struct am_cubic *c, double now);
/** A throttle at time now while sending at rate: restart the curve there; returns 0.7 * rate. */
double am_cubic_throttle(struct am_cubic *c, double rate, double now);
/**
 * One per client, shared by every call of that client (blocking and batch), as botocore keeps
 * one per client. All state inline, no allocation; not thread-safe (serialize callers). Fields
 * are read-only outside retry.c (tests and logs may read fill_rate and measured_rate).
 */
struct am_rate_limiter {
    bool enabled; /* false until the first throttle: acquire lets everything through */
    struct am_cubic cubic;
    double fill_rate;     /* token bucket: tokens per second, >= 0.5 */
    double max_capacity;  /* tokens: the rate asked for, at least 1 */
    double capacity;      /* tokens available (may dip a hair below 0, see retry.c) */
    double last_refill;   /* when capacity was last brought up to date */
    double measured_rate; /* responses per second, smoothed (0.8) over 0.5 s buckets */
    double last_bucket;   /* start of the bucket the rate was last measured in */
    double count;         /* responses counted since last_bucket */
    double latest;        /* the latest time seen (clock steps back, non-finite times) */
};
/** A fresh limiter as botocore builds it at time now: disabled, fill rate 1, empty bucket. */
void am_rate_limiter_init(struct am_rate_limiter *rl, double now);
/**
 * Before sending each attempt (the first and every retry, after its backoff): 0 = send now (a
 * token was taken, or the limiter is not enabled yet); > 0 = wait that many seconds (never more
 * than about 2), then call again with the new time, until it says 0. A wait takes nothing.
 */
double am_rate_limiter_acquire(struct am_rate_limiter *rl, double now);
/**
 * After each attempt that was sent and ended, whatever the outcome (a 2xx, an error response,
 * a transport error, a timeout): throttled = am_retry_classify said AM_RETRY_THROTTLING.
 * Measures the response rate, moves the CUBIC curve, sets the bucket's fill rate; the first
 * throttle enables the limiter. Not for attempts never sent (preparation errors, interrupts).
 */
void am_rate_limiter_update(struct am_rate_limiter *rl, double now, bool throttled);

#endif
