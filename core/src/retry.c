/* SPDX-License-Identifier: MIT */
/* The retry strategy as pure logic: error classification, backoff with jitter, retry quota. */
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
 */
enum am_retry_decision am_retry_decide(const struct am_retry_policy *p,
                                       struct am_retry_quota *q,
                                       int attempt,
                                       enum am_retry_kind kind,
                                       double random01,
                                       double *delay,
                                       int *cost)
{
    enum am_retry_mode mode = AM_RETRY_MODE_STANDARD;
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
        mode = p->mode;
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
    switch (mode) {
        case AM_RETRY_MODE_ADAPTIVE:
            /*
             * TODO(#6): client-side rate limiter (CUBIC). Adaptive mode is standard mode plus a
             * token bucket that every attempt must pass before it is sent, refilled at a rate
             * that CUBIC lowers on throttling and raises on success (botocore
             * retries/adaptive.py, bucket.py, throttling.py; vectors in
             * tests/vectors/retry/adaptive). Until then it decides exactly as standard mode.
             */
            break;
        case AM_RETRY_MODE_STANDARD:
            break;
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
