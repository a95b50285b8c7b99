/* SPDX-License-Identifier: MIT */
/* The retry strategy as pure logic: classification, backoff, retry quota, client rate limiter. */
#include "retry.h"

#include <math.h>
#include <string.h>

#include "internal.h"

/*
 * Standard mode follows the AWS SDKs' "standard" retry mode (botocore retries/standard.py and
 * retries/quota.py; the cross-SDK "new retries" behaviour). Nothing here reads a clock, sleeps
 * or draws random numbers: the caller passes the jitter and sleeps the delay it gets back.
 */

#define DEFAULT_MAX_ATTEMPTS 3
#define DEFAULT_BASE_DELAY   1.0  /* seconds */
#define DEFAULT_MAX_BACKOFF  20.0 /* seconds */
#define RETRY_COST           5    /* tokens a retry takes from the quota */
#define TIMEOUT_RETRY_COST   10   /* tokens a retry after a timeout takes */
#define NO_RETRY_INCREMENT   1    /* tokens a first-try success gives back */

/* The SDKs' union of error codes that mean "throttled" (botocore ThrottledRetryableChecker). */
static const char *const throttling_codes[] = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
};

/* Error codes that mean "try again" without throttling (botocore TransientRetryableChecker). */
static const char *const transient_codes[] = {
    "RequestTimeout", "RequestTimeoutException",
    "PriorRequestNotComplete", /* also throttling; throttling is checked first */
};

static bool code_in(const char *code, const char *const *list, size_t n)
{
    size_t i = 0;
    if (code == NULL || code[0] == '\0') {
        return false;
    }
    for (i = 0; i < n; i++) {
        if (strcmp(code, list[i]) == 0) { /* exact, case-sensitive, as the SDKs compare */
            return true;
        }
    }
    return false;
}

bool am_retry_is_throttling_code(const char *code)
{
    return code_in(code, throttling_codes, sizeof(throttling_codes) / sizeof(throttling_codes[0]));
}

static bool is_transient_code(const char *code)
{
    return code_in(code, transient_codes, sizeof(transient_codes) / sizeof(transient_codes[0]));
}

static bool is_transient_http_status(int http_status)
{
    return http_status == 500 || http_status == 502 || http_status == 503 || http_status == 504;
}

/* A response that came back: classify by its error code first, then by its HTTP status. */
static enum am_retry_kind classify_response(struct appmesh_error *err)
{
    if (err->status == APPMESH_ERR_THROTTLED || am_retry_is_throttling_code(err->aws_code) ||
        err->http_status == 429) {
        err->status = APPMESH_ERR_THROTTLED;
        return AM_RETRY_THROTTLING;
    }
    if (is_transient_code(err->aws_code) || is_transient_http_status(err->http_status)) {
        return AM_RETRY_TRANSIENT;
    }
    return AM_RETRY_NONE;
}

enum am_retry_kind am_retry_classify(struct appmesh_error *err)
{
    enum am_retry_kind kind = AM_RETRY_NONE;

    if (err == NULL) {
        return AM_RETRY_NONE;
    }
    switch (err->status) {
        case APPMESH_ERR_TRANSPORT: /* DNS, connect, TLS, reset: the request may not have landed */
            kind = AM_RETRY_TRANSIENT;
            break;
        case APPMESH_ERR_TIMEOUT:
            kind = AM_RETRY_TIMEOUT;
            break;
        case APPMESH_ERR_SERVICE:
        case APPMESH_ERR_THROTTLED:
        case APPMESH_ERR_RESPONSE: /* an unreadable body: its status still says 5xx or 429 */
            kind = classify_response(err);
            break;
        case APPMESH_OK:
        case APPMESH_ERR_INVALID_ARGUMENT:
        case APPMESH_ERR_NOMEM:
        case APPMESH_ERR_VALIDATION:
        case APPMESH_ERR_JSON:
        case APPMESH_ERR_INTERNAL:
        case APPMESH_ERR_CREDENTIALS:
        case APPMESH_ERR_ENDPOINT:
        case APPMESH_ERR_INTERRUPTED: /* the caller asked to stop: never try again */
        case APPMESH_ERR_CONFIG:
            kind = AM_RETRY_NONE;
            break;
    }
    err->retryable = kind != AM_RETRY_NONE;
    return kind;
}

/* Error codes that can mean "your clock is off" (the SDKs' clock-skew list: JS v3
 * isClockSkewError, Java ClockSkewAdjuster). Some are also used for real signature mismatches
 * or authentication failures; those count only with a message about time. */
static const char *const skew_codes[] = {"RequestTimeTooSkewed", "RequestExpired",
                                         "RequestInTheFuture"};
static const char *const skew_if_time_codes[] = {"InvalidSignatureException",
                                                 "SignatureDoesNotMatch", "AuthFailure"};

/* Whether a message speaks of time: "Signature expired: ... is now earlier than ...",
 * "Signature not yet current: ...", "Request has expired", "... too skewed ...". */
static bool mentions_time(const char *m)
{
    static const char *const words[] = {"expired", "not yet current", "skew", "in the future"};
    size_t i = 0;
    for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        size_t n = strlen(words[i]);
        const char *p = m;
        for (p = m; *p != '\0'; p++) {
            if (am_strcasecmp_n(p, strnlen(p, n), words[i], n) == 0) {
                return true;
            }
        }
    }
    return false;
}

bool am_retry_is_clock_skew(const struct appmesh_error *err)
{
    if (err == NULL || err->http_status < 400 || err->http_status >= 500) {
        return false;
    }
    if (code_in(err->aws_code, skew_codes, sizeof(skew_codes) / sizeof(skew_codes[0]))) {
        return true;
    }
    if (code_in(err->aws_code, skew_if_time_codes,
                sizeof(skew_if_time_codes) / sizeof(skew_if_time_codes[0]))) {
        /* ExpiredToken(Exception) is an expired session token, not a clock: not listed. */
        return mentions_time(err->message);
    }
    return false;
}

void am_retry_quota_init(struct am_retry_quota *q, int initial)
{
    if (q == NULL) {
        return;
    }
    if (initial < 0) {
        initial = 0;
    }
    q->available = initial; /* the bucket starts full: its start is also its maximum */
    q->max = initial;
}

/*
 * min(random01 * base * 2^(attempt-1), max_backoff), as botocore's ExponentialBackoff, computed
 * by doubling until the cap is reached so that a large attempt number neither overflows nor
 * loops long (a positive double reaches the cap or infinity within about 2100 doublings).
 */
static double backoff(double base, double max_backoff, int attempt, double random01)
{
    double d = random01 * base;
    int i = 0;

    if (d <= 0.0) {
        return 0.0;
    }
    for (i = 1; i < attempt && d < max_backoff; i++) {
        d *= 2.0;
    }
    return d < max_backoff ? d : max_backoff;
}

/*
 * Checks in botocore's order: retryable at all, then attempts left, then the quota; only a GO
 * takes tokens. A NULL policy (or a field below its range: max_attempts < 1, a negative or
 * non-finite base_delay, a max_backoff <= 0 or non-finite) means the defaults; base_delay 0 is
 * kept and retries without waiting. A NULL quota is not enforced. *delay and *cost are 0 unless
 * the answer is GO; either may be NULL.
 *
 * Adaptive mode decides retries exactly as standard mode (botocore registers the standard retry
 * handler for it too), so p->mode is not read here: what adaptive adds is the client rate
 * limiter below, which every attempt passes before it is sent.
 */
enum am_retry_decision am_retry_decide(const struct am_retry_policy *p,
                                       struct am_retry_quota *q,
                                       int attempt,
                                       enum am_retry_kind kind,
                                       double random01,
                                       double *delay,
                                       int *cost)
{
    int max_attempts = DEFAULT_MAX_ATTEMPTS;
    double base = DEFAULT_BASE_DELAY;
    double max_backoff = DEFAULT_MAX_BACKOFF;
    int take = 0;

    if (delay != NULL) {
        *delay = 0.0;
    }
    if (cost != NULL) {
        *cost = 0;
    }
    /* Unset or nonsensical policy fields fall back to the defaults (3 attempts, 1 s, 20 s). */
    if (p != NULL) {
        if (p->max_attempts >= 1) {
            max_attempts = p->max_attempts;
        }
        if (isfinite(p->base_delay) && p->base_delay >= 0.0) {
            base = p->base_delay;
        }
        if (isfinite(p->max_backoff) && p->max_backoff > 0.0) {
            max_backoff = p->max_backoff;
        }
    }
    if (attempt < 1) {
        attempt = 1;
    }
    /* The jitter is [0, 1); 1 is accepted too so that tests can ask for the full backoff. */
    if (!(random01 >= 0.0)) { /* also catches NaN */
        random01 = 0.0;
    } else if (random01 > 1.0) {
        random01 = 1.0;
    }

    if (kind == AM_RETRY_NONE) {
        return AM_RETRY_STOP_NOT_RETRYABLE;
    }
    if (attempt >= max_attempts) {
        return AM_RETRY_STOP_MAX_ATTEMPTS;
    }
    take = kind == AM_RETRY_TIMEOUT ? TIMEOUT_RETRY_COST : RETRY_COST;
    if (q != NULL) {
        if (take > q->available) {
            return AM_RETRY_STOP_QUOTA;
        }
        q->available -= take;
    }
    if (delay != NULL) {
        *delay = backoff(base, max_backoff, attempt, random01);
    }
    if (cost != NULL) {
        *cost = take;
    }
    return AM_RETRY_GO;
}

void am_retry_on_success(struct am_retry_quota *q, int last_cost)
{
    int give = last_cost > 0 ? last_cost : NO_RETRY_INCREMENT;

    if (q == NULL) {
        return;
    }
    if (q->available < q->max) {
        q->available = give < q->max - q->available ? q->available + give : q->max;
    }
}

/* ======== adaptive mode: the client rate limiter ======== */

/*
 * botocore retries/throttling.py (CubicCalculator), bucket.py (TokenBucket) and adaptive.py
 * (RateClocker, ClientRateLimiter) step for step, with the clock passed in. py_min and py_max
 * keep the argument order of Python's min() and max(), and pow() is what Python's ** calls, so
 * that the numbers come out as botocore's. Two deliberate differences, both where botocore
 * would misbehave:
 *  - A `now` earlier than the latest time seen (the wall clock stepped back) counts as no time
 *    passing: the stored times move back by the step, so the bucket neither drains nor refills,
 *    the CUBIC curve goes on from where it was, and the rate measurement counts on in the bucket
 *    of the earlier time (botocore would drain the bucket below zero, push the curve down by
 *    0.4 * step^3, and stop measuring, until the clock caught up). A non-finite `now` counts as
 *    the latest time seen.
 *  - acquire grants a token that the bucket would hold within ACQUIRE_SLACK, so that a driver
 *    that waits exactly the time it was told gets its token on the next call despite rounding
 *    (epoch seconds as a double step by 2.4e-7 s); the bucket keeps that sliver as a debt, so
 *    the long-run rate is not raised by it.
 */
#define CUBIC_BETA        0.7
#define CUBIC_SCALE       0.4
#define MIN_FILL_RATE     0.5  /* tokens per second */
#define MAX_RATE_ADJUST   2.0  /* the fill rate is capped at twice the measured rate */
#define RATE_SMOOTHING    0.8  /* weight of the newest bucket in the measured rate */
#define RATE_BUCKET_SCALE 2.0  /* buckets per second: the rate is measured over 0.5 s buckets */
#define ACQUIRE_SLACK     1e-6 /* seconds */

static double py_min(double a, double b)
{
    return b < a ? b : a;
}

static double py_max(double a, double b)
{
    return b > a ? b : a;
}

/* k: how long after a throttle the curve is back at w_max ((w_max * (1 - beta) / C) ^ 1/3). */
static double cubic_zero_point(double w_max)
{
    return pow(w_max * (1 - CUBIC_BETA) / CUBIC_SCALE, 1.0 / 3.0);
}

void am_cubic_init(struct am_cubic *c, double w_max, double now)
{
    if (c == NULL) {
        return;
    }
    c->w_max = w_max;
    c->k = cubic_zero_point(w_max);
    c->last_fail = now;
}

double am_cubic_success(const struct am_cubic *c, double now)
{
    double dt = now - c->last_fail;
    return CUBIC_SCALE * pow(dt - c->k, 3.0) + c->w_max;
}

double am_cubic_throttle(struct am_cubic *c, double rate, double now)
{
    c->w_max = rate;
    c->k = cubic_zero_point(rate);
    c->last_fail = now;
    return rate * CUBIC_BETA;
}

/* The 0.5 s bucket that t falls in, by its start. */
static double rate_bucket(double t)
{
    return floor(t * RATE_BUCKET_SCALE) / RATE_BUCKET_SCALE;
}

/* The time to go by (see above): now itself, unless it is not finite or the clock stepped back. */
static double observe(struct am_rate_limiter *rl, double now)
{
    double step = 0.0;

    if (!isfinite(now)) {
        return rl->latest;
    }
    if (now < rl->latest) {
        step = now - rl->latest;
        rl->cubic.last_fail += step;
        rl->last_refill += step;
        rl->last_bucket = py_min(rl->last_bucket, rate_bucket(now));
    }
    rl->latest = now;
    return now;
}

/* RateClocker.record: count one response; when a new bucket starts, fold the count in. */
static double clocker_record(struct am_rate_limiter *rl, double now)
{
    double bucket = rate_bucket(now);

    rl->count += 1.0;
    if (bucket > rl->last_bucket) {
        double current = rl->count / (bucket - rl->last_bucket);
        rl->measured_rate = current * RATE_SMOOTHING + rl->measured_rate * (1 - RATE_SMOOTHING);
        rl->count = 0.0;
        rl->last_bucket = bucket;
    }
    return rl->measured_rate;
}

/* TokenBucket._refill: the tokens earned since the last refill, up to the capacity. */
static void bucket_refill(struct am_rate_limiter *rl, double now)
{
    double fill = (now - rl->last_refill) * rl->fill_rate;
    rl->capacity = py_min(rl->max_capacity, rl->capacity + fill);
    rl->last_refill = now;
}

/* The TokenBucket.max_rate setter: settle the tokens earned at the old rate, then change it. */
static void bucket_set_rate(struct am_rate_limiter *rl, double rate, double now)
{
    bucket_refill(rl, now);
    rl->fill_rate = py_max(rate, MIN_FILL_RATE);
    rl->max_capacity = rate >= 1.0 ? rate : 1.0;
    rl->capacity = py_min(rl->capacity, rl->max_capacity);
}

void am_rate_limiter_init(struct am_rate_limiter *rl, double now)
{
    if (rl == NULL) {
        return;
    }
    if (!isfinite(now)) {
        now = 0.0;
    }
    memset(rl, 0, sizeof(*rl));
    rl->enabled = false;
    rl->latest = now;
    /* CubicCalculator(starting_max_rate=0, start_time=now) */
    am_cubic_init(&rl->cubic, 0.0, now);
    /* TokenBucket(max_rate=1): fill rate 1, capacity 1, empty, timed from now */
    rl->fill_rate = 1.0;
    rl->max_capacity = 1.0;
    rl->capacity = 0.0;
    rl->last_refill = now;
    /* RateClocker: nothing measured yet; botocore starts at whole seconds here */
    rl->measured_rate = 0.0;
    rl->last_bucket = floor(now);
    rl->count = 0.0;
}

double am_rate_limiter_acquire(struct am_rate_limiter *rl, double now)
{
    double wait = 0.0;

    if (rl == NULL) {
        return 0.0;
    }
    now = observe(rl, now);
    if (!rl->enabled) {
        return 0.0; /* ClientRateLimiter.on_sending_request acquires only once enabled */
    }
    bucket_refill(rl, now);
    if (rl->capacity >= 1.0) {
        rl->capacity -= 1.0;
        return 0.0;
    }
    wait = (1.0 - rl->capacity) / rl->fill_rate;
    if (wait <= ACQUIRE_SLACK) {
        rl->capacity -= 1.0;
        return 0.0;
    }
    return wait;
}

void am_rate_limiter_update(struct am_rate_limiter *rl, double now, bool throttled)
{
    double measured = 0.0;
    double new_rate = 0.0;

    if (rl == NULL) {
        return;
    }
    now = observe(rl, now);
    measured = clocker_record(rl, now);
    if (!throttled) {
        new_rate = am_cubic_success(&rl->cubic, now);
    } else {
        /* The rate we were sending at: measured, but no more than the bucket allowed. */
        double rate = rl->enabled ? py_min(measured, rl->fill_rate) : measured;
        new_rate = am_cubic_throttle(&rl->cubic, rate, now);
        rl->enabled = true;
    }
    bucket_set_rate(rl, py_min(new_rate, MAX_RATE_ADJUST * measured), now);
}
