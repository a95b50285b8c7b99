/* SPDX-License-Identifier: MIT */
/* Tests for retry.c: classification, backoff, quota, rate limiter, and the AWS SDKs' vectors. */
#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "harness.h"
#include "internal.h"
#include "retry.h"

#define VECTORS APPMESH_TEST_DATA "/vectors/retry"

/* ======== classification ======== */

struct classify_row {
    enum appmesh_status status;
    int http_status;
    const char *aws_code;
    enum am_retry_kind want_kind;
    enum appmesh_status want_status;
};

static const char *kind_name(enum am_retry_kind k)
{
    switch (k) {
        case AM_RETRY_NONE:
            return "NONE";
        case AM_RETRY_TRANSIENT:
            return "TRANSIENT";
        case AM_RETRY_THROTTLING:
            return "THROTTLING";
        case AM_RETRY_TIMEOUT:
            return "TIMEOUT";
    }
    return "?";
}

static int check_classify_rows(const struct classify_row *rows, size_t n)
{
    size_t i = 0;
    for (i = 0; i < n; i++) {
        const struct classify_row *r = &rows[i];
        struct appmesh_error err = {0};
        enum am_retry_kind got = AM_RETRY_NONE;

        err.status = r->status;
        err.http_status = r->http_status;
        err.retryable = r->want_kind == AM_RETRY_NONE; /* preset wrong: classify must set it */
        if (r->aws_code != NULL) {
            am_copy_text(err.aws_code, sizeof(err.aws_code), r->aws_code, strlen(r->aws_code));
        }
        got = am_retry_classify(&err);
        if (got != r->want_kind || err.status != r->want_status ||
            err.retryable != (r->want_kind != AM_RETRY_NONE)) {
            fprintf(stderr,
                    "  %s, HTTP %d, code \"%s\": got %s (status %s, retryable %d), want %s "
                    "(status %s)\n",
                    appmesh_status_name(r->status), r->http_status,
                    r->aws_code != NULL ? r->aws_code : "", kind_name(got),
                    appmesh_status_name(err.status), (int)err.retryable, kind_name(r->want_kind),
                    appmesh_status_name(r->want_status));
            return 1;
        }
    }
    return 0;
}

#define ROWS(a) (a), sizeof(a) / sizeof((a)[0])

static int classifies_every_sdk_throttling_code_as_throttling(void)
{
    static const char *const codes[] = {
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
    size_t i = 0;
    for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        /* The code decides, whatever the status: App Mesh sends most of these with a 4xx. */
        struct classify_row rows[] = {
            {APPMESH_ERR_SERVICE, 400, codes[i], AM_RETRY_THROTTLING, APPMESH_ERR_THROTTLED},
            {APPMESH_ERR_SERVICE, 503, codes[i], AM_RETRY_THROTTLING, APPMESH_ERR_THROTTLED},
        };
        CHECK(am_retry_is_throttling_code(codes[i]), codes[i]);
        if (check_classify_rows(ROWS(rows)) != 0) {
            return 1;
        }
    }
    return 0;
}

static int matches_throttling_codes_exactly(void)
{
    CHECK(!am_retry_is_throttling_code(NULL), "NULL");
    CHECK(!am_retry_is_throttling_code(""), "empty");
    CHECK(!am_retry_is_throttling_code("throttlingexception"), "case differs");
    CHECK(!am_retry_is_throttling_code("ThrottlingException2"), "longer");
    CHECK(!am_retry_is_throttling_code("Throttl"), "prefix");
    CHECK(!am_retry_is_throttling_code("RequestTimeout"), "transient, not throttling");
    return 0;
}

static int classifies_http_429_as_throttling(void)
{
    static const struct classify_row rows[] = {
        {APPMESH_ERR_SERVICE, 429, "", AM_RETRY_THROTTLING, APPMESH_ERR_THROTTLED},
        {APPMESH_ERR_SERVICE, 429, "429", AM_RETRY_THROTTLING, APPMESH_ERR_THROTTLED},
        {APPMESH_ERR_SERVICE, 429, "SomethingElse", AM_RETRY_THROTTLING, APPMESH_ERR_THROTTLED},
        {APPMESH_ERR_THROTTLED, 429, "", AM_RETRY_THROTTLING, APPMESH_ERR_THROTTLED},
    };
    return check_classify_rows(ROWS(rows));
}

static int classifies_500_502_503_504_as_transient(void)
{
    static const struct classify_row rows[] = {
        {APPMESH_ERR_SERVICE, 500, "InternalServerErrorException", AM_RETRY_TRANSIENT,
         APPMESH_ERR_SERVICE},
        {APPMESH_ERR_SERVICE, 502, "", AM_RETRY_TRANSIENT, APPMESH_ERR_SERVICE},
        {APPMESH_ERR_SERVICE, 503, "ServiceUnavailableException", AM_RETRY_TRANSIENT,
         APPMESH_ERR_SERVICE},
        {APPMESH_ERR_SERVICE, 504, "504", AM_RETRY_TRANSIENT, APPMESH_ERR_SERVICE},
    };
    return check_classify_rows(ROWS(rows));
}

static int classifies_transient_codes_as_transient(void)
{
    static const struct classify_row rows[] = {
        {APPMESH_ERR_SERVICE, 400, "RequestTimeout", AM_RETRY_TRANSIENT, APPMESH_ERR_SERVICE},
        {APPMESH_ERR_SERVICE, 408, "RequestTimeoutException", AM_RETRY_TRANSIENT,
         APPMESH_ERR_SERVICE},
        /* In both SDK lists; throttling wins, as for any code on the throttling list. */
        {APPMESH_ERR_SERVICE, 400, "PriorRequestNotComplete", AM_RETRY_THROTTLING,
         APPMESH_ERR_THROTTLED},
    };
    return check_classify_rows(ROWS(rows));
}

static int does_not_retry_other_client_and_server_errors(void)
{
    static const struct classify_row rows[] = {
        {APPMESH_ERR_SERVICE, 400, "BadRequestException", AM_RETRY_NONE, APPMESH_ERR_SERVICE},
        {APPMESH_ERR_SERVICE, 403, "ForbiddenException", AM_RETRY_NONE, APPMESH_ERR_SERVICE},
        {APPMESH_ERR_SERVICE, 403, "InvalidSignatureException", AM_RETRY_NONE, APPMESH_ERR_SERVICE},
        {APPMESH_ERR_SERVICE, 404, "NotFoundException", AM_RETRY_NONE, APPMESH_ERR_SERVICE},
        {APPMESH_ERR_SERVICE, 409, "ConflictException", AM_RETRY_NONE, APPMESH_ERR_SERVICE},
        {APPMESH_ERR_SERVICE, 400, "", AM_RETRY_NONE, APPMESH_ERR_SERVICE},
        {APPMESH_ERR_SERVICE, 501, "NotImplemented", AM_RETRY_NONE, APPMESH_ERR_SERVICE},
        {APPMESH_ERR_SERVICE, 0, "", AM_RETRY_NONE, APPMESH_ERR_SERVICE},
    };
    return check_classify_rows(ROWS(rows));
}

static int classifies_connection_failures_as_transient(void)
{
    static const struct classify_row rows[] = {
        {APPMESH_ERR_TRANSPORT, 0, "", AM_RETRY_TRANSIENT, APPMESH_ERR_TRANSPORT},
    };
    return check_classify_rows(ROWS(rows));
}

static int classifies_timeouts_as_timeout(void)
{
    static const struct classify_row rows[] = {
        {APPMESH_ERR_TIMEOUT, 0, "", AM_RETRY_TIMEOUT, APPMESH_ERR_TIMEOUT},
    };
    return check_classify_rows(ROWS(rows));
}

static int does_not_retry_errors_raised_before_sending(void)
{
    static const struct classify_row rows[] = {
        {APPMESH_ERR_VALIDATION, 0, "", AM_RETRY_NONE, APPMESH_ERR_VALIDATION},
        {APPMESH_ERR_CREDENTIALS, 0, "", AM_RETRY_NONE, APPMESH_ERR_CREDENTIALS},
        {APPMESH_ERR_INTERRUPTED, 0, "", AM_RETRY_NONE, APPMESH_ERR_INTERRUPTED},
        {APPMESH_ERR_ENDPOINT, 0, "", AM_RETRY_NONE, APPMESH_ERR_ENDPOINT},
        {APPMESH_ERR_CONFIG, 0, "", AM_RETRY_NONE, APPMESH_ERR_CONFIG},
        {APPMESH_ERR_NOMEM, 0, "", AM_RETRY_NONE, APPMESH_ERR_NOMEM},
        {APPMESH_ERR_INVALID_ARGUMENT, 0, "", AM_RETRY_NONE, APPMESH_ERR_INVALID_ARGUMENT},
        {APPMESH_ERR_JSON, 0, "", AM_RETRY_NONE, APPMESH_ERR_JSON},
        {APPMESH_ERR_INTERNAL, 0, "", AM_RETRY_NONE, APPMESH_ERR_INTERNAL},
        {APPMESH_OK, 0, "", AM_RETRY_NONE, APPMESH_OK},
        /* Statuses that never came from a response are not retried even with a 5xx beside. */
        {APPMESH_ERR_INTERRUPTED, 503, "", AM_RETRY_NONE, APPMESH_ERR_INTERRUPTED},
        {APPMESH_ERR_CREDENTIALS, 500, "", AM_RETRY_NONE, APPMESH_ERR_CREDENTIALS},
    };
    return check_classify_rows(ROWS(rows));
}

static int retries_an_unreadable_body_only_by_its_status(void)
{
    static const struct classify_row rows[] = {
        {APPMESH_ERR_RESPONSE, 500, "", AM_RETRY_TRANSIENT, APPMESH_ERR_RESPONSE},
        {APPMESH_ERR_RESPONSE, 503, "", AM_RETRY_TRANSIENT, APPMESH_ERR_RESPONSE},
        {APPMESH_ERR_RESPONSE, 429, "", AM_RETRY_THROTTLING, APPMESH_ERR_THROTTLED},
        {APPMESH_ERR_RESPONSE, 200, "", AM_RETRY_NONE, APPMESH_ERR_RESPONSE},
        {APPMESH_ERR_RESPONSE, 404, "", AM_RETRY_NONE, APPMESH_ERR_RESPONSE},
    };
    return check_classify_rows(ROWS(rows));
}

static int classify_tolerates_null(void)
{
    CHECK(am_retry_classify(NULL) == AM_RETRY_NONE, "NULL error");
    return 0;
}

/* ======== decisions: backoff, quota, attempts ======== */

static const struct am_retry_policy standard_policy = {AM_RETRY_MODE_STANDARD, 3, 1.0, 20.0};

#define CHECK_DELAY(got, want)                                                                     \
    do {                                                                                           \
        double gd_ = (got), wd_ = (want);                                                          \
        if (!(fabs(gd_ - wd_) <= 1e-9)) {                                                          \
            fprintf(stderr, "  %s:%d: %s = %.17g, want %.17g\n", __FILE__, __LINE__, #got, gd_,    \
                    wd_);                                                                          \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

static int backs_off_exponentially_with_jitter(void)
{
    struct am_retry_policy p = standard_policy;
    struct am_retry_quota q;
    double delay = -1.0;
    int cost = -1;
    int attempt = 0;
    static const double want[] = {0.5, 1.0, 2.0, 4.0, 8.0};

    p.max_attempts = 10;
    am_retry_quota_init(&q, 500);
    for (attempt = 1; attempt <= 5; attempt++) {
        CHECK_INT_EQ(am_retry_decide(&p, &q, attempt, AM_RETRY_TRANSIENT, 0.5, &delay, &cost),
                     AM_RETRY_GO);
        CHECK_DELAY(delay, want[attempt - 1]);
        CHECK_INT_EQ(cost, 5);
    }
    CHECK_INT_EQ(am_retry_decide(&p, &q, 1, AM_RETRY_TRANSIENT, 0.0, &delay, &cost), AM_RETRY_GO);
    CHECK_DELAY(delay, 0.0);
    return 0;
}

static int caps_backoff_at_twenty_seconds(void)
{
    struct am_retry_policy p = standard_policy;
    struct am_retry_quota q;
    double delay = -1.0;
    int cost = 0;

    p.max_attempts = INT32_MAX;
    am_retry_quota_init(&q, 500);
    CHECK_INT_EQ(am_retry_decide(&p, &q, 5, AM_RETRY_THROTTLING, 1.0, &delay, &cost), AM_RETRY_GO);
    CHECK_DELAY(delay, 16.0);
    CHECK_INT_EQ(am_retry_decide(&p, &q, 6, AM_RETRY_THROTTLING, 1.0, &delay, &cost), AM_RETRY_GO);
    CHECK_DELAY(delay, 20.0);
    /* The cap applies after the jitter (botocore): 0.75 * 32 = 24 -> 20, not 0.75 * 20. */
    CHECK_INT_EQ(am_retry_decide(&p, &q, 6, AM_RETRY_THROTTLING, 0.75, &delay, &cost), AM_RETRY_GO);
    CHECK_DELAY(delay, 20.0);
    CHECK_INT_EQ(am_retry_decide(&p, &q, 6, AM_RETRY_THROTTLING, 0.5, &delay, &cost), AM_RETRY_GO);
    CHECK_DELAY(delay, 16.0);
    /* Huge attempt numbers neither overflow nor turn into NaN. */
    CHECK_INT_EQ(am_retry_decide(&p, &q, INT32_MAX - 1, AM_RETRY_TRANSIENT, 1e-300, &delay, &cost),
                 AM_RETRY_GO);
    CHECK_DELAY(delay, 20.0);
    CHECK_INT_EQ(am_retry_decide(&p, &q, INT32_MAX - 1, AM_RETRY_TRANSIENT, 0.0, &delay, &cost),
                 AM_RETRY_GO);
    CHECK_DELAY(delay, 0.0);
    return 0;
}

static int scales_backoff_by_the_base_delay(void)
{
    struct am_retry_policy p = standard_policy;
    struct am_retry_quota q;
    double delay = -1.0;
    int cost = 0;

    am_retry_quota_init(&q, 500);
    p.base_delay = 0.1;
    CHECK_INT_EQ(am_retry_decide(&p, &q, 1, AM_RETRY_TRANSIENT, 1.0, &delay, &cost), AM_RETRY_GO);
    CHECK_DELAY(delay, 0.1);
    CHECK_INT_EQ(am_retry_decide(&p, &q, 2, AM_RETRY_TRANSIENT, 1.0, &delay, &cost), AM_RETRY_GO);
    CHECK_DELAY(delay, 0.2);
    p.base_delay = 0.0; /* retries without waiting (tests, emulators) */
    CHECK_INT_EQ(am_retry_decide(&p, &q, 2, AM_RETRY_TRANSIENT, 1.0, &delay, &cost), AM_RETRY_GO);
    CHECK_DELAY(delay, 0.0);
    p.base_delay = 3.0;
    p.max_backoff = 5.0;
    CHECK_INT_EQ(am_retry_decide(&p, &q, 2, AM_RETRY_TRANSIENT, 1.0, &delay, &cost), AM_RETRY_GO);
    CHECK_DELAY(delay, 5.0);
    return 0;
}

static int charges_ten_tokens_for_a_retry_after_a_timeout(void)
{
    struct am_retry_quota q;
    double delay = 0.0;
    int cost = 0;

    am_retry_quota_init(&q, 500);
    CHECK_INT_EQ(am_retry_decide(&standard_policy, &q, 1, AM_RETRY_TIMEOUT, 1.0, &delay, &cost),
                 AM_RETRY_GO);
    CHECK_INT_EQ(cost, 10);
    CHECK_INT_EQ(q.available, 490);
    CHECK_DELAY(delay, 1.0);
    CHECK_INT_EQ(am_retry_decide(&standard_policy, &q, 1, AM_RETRY_TRANSIENT, 1.0, &delay, &cost),
                 AM_RETRY_GO);
    CHECK_INT_EQ(cost, 5);
    CHECK_INT_EQ(q.available, 485);
    CHECK_INT_EQ(am_retry_decide(&standard_policy, &q, 1, AM_RETRY_THROTTLING, 1.0, &delay, &cost),
                 AM_RETRY_GO);
    CHECK_INT_EQ(cost, 5);
    CHECK_INT_EQ(q.available, 480);
    return 0;
}

static int stops_when_the_quota_cannot_pay(void)
{
    struct am_retry_quota q;
    double delay = -1.0;
    int cost = -1;

    am_retry_quota_init(&q, 500);
    q.available = 9;
    CHECK_INT_EQ(am_retry_decide(&standard_policy, &q, 1, AM_RETRY_TIMEOUT, 1.0, &delay, &cost),
                 AM_RETRY_STOP_QUOTA);
    CHECK_INT_EQ(q.available, 9);
    CHECK_INT_EQ(cost, 0);
    CHECK_DELAY(delay, 0.0);
    CHECK_INT_EQ(am_retry_decide(&standard_policy, &q, 1, AM_RETRY_TRANSIENT, 1.0, &delay, &cost),
                 AM_RETRY_GO);
    CHECK_INT_EQ(q.available, 4);
    CHECK_INT_EQ(am_retry_decide(&standard_policy, &q, 1, AM_RETRY_THROTTLING, 1.0, &delay, &cost),
                 AM_RETRY_STOP_QUOTA);
    CHECK_INT_EQ(q.available, 4);
    return 0;
}

static int exhausts_a_full_quota_after_one_hundred_retries(void)
{
    struct am_retry_quota q;
    double delay = 0.0;
    int cost = 0;
    int i = 0;

    am_retry_quota_init(&q, 500);
    for (i = 0; i < 100; i++) {
        CHECK_INT_EQ(
            am_retry_decide(&standard_policy, &q, 1, AM_RETRY_TRANSIENT, 0.5, &delay, &cost),
            AM_RETRY_GO);
    }
    CHECK_INT_EQ(q.available, 0);
    CHECK_INT_EQ(am_retry_decide(&standard_policy, &q, 1, AM_RETRY_TRANSIENT, 0.5, &delay, &cost),
                 AM_RETRY_STOP_QUOTA);
    /* A first-try success earns one token back; a timeout retry still needs ten. */
    am_retry_on_success(&q, 0);
    CHECK_INT_EQ(q.available, 1);
    return 0;
}

static int refunds_the_last_retry_cost_on_success(void)
{
    struct am_retry_quota q;
    double delay = 0.0;
    int cost = 0;

    am_retry_quota_init(&q, 500);
    CHECK_INT_EQ(am_retry_decide(&standard_policy, &q, 1, AM_RETRY_TRANSIENT, 1.0, &delay, &cost),
                 AM_RETRY_GO);
    CHECK_INT_EQ(am_retry_decide(&standard_policy, &q, 2, AM_RETRY_TIMEOUT, 1.0, &delay, &cost),
                 AM_RETRY_GO);
    CHECK_INT_EQ(q.available, 485);
    am_retry_on_success(&q, cost); /* only the last retry's cost comes back */
    CHECK_INT_EQ(q.available, 495);
    return 0;
}

static int gives_one_token_back_on_a_first_try_success(void)
{
    struct am_retry_quota q;

    am_retry_quota_init(&q, 500);
    q.available = 480;
    am_retry_on_success(&q, 0);
    CHECK_INT_EQ(q.available, 481);
    am_retry_on_success(&q, -3);
    CHECK_INT_EQ(q.available, 482);
    return 0;
}

static int never_refunds_above_the_maximum(void)
{
    struct am_retry_quota q;

    am_retry_quota_init(&q, 500);
    am_retry_on_success(&q, 0);
    CHECK_INT_EQ(q.available, 500);
    am_retry_on_success(&q, 10);
    CHECK_INT_EQ(q.available, 500);
    q.available = 498;
    am_retry_on_success(&q, 5);
    CHECK_INT_EQ(q.available, 500);
    q.available = 495;
    am_retry_on_success(&q, INT32_MAX);
    CHECK_INT_EQ(q.available, 500);
    am_retry_quota_init(&q, 0);
    am_retry_on_success(&q, 0);
    CHECK_INT_EQ(q.available, 0);
    CHECK_INT_EQ(q.max, 0);
    am_retry_on_success(NULL, 5);
    return 0;
}

static int makes_no_retry_when_max_attempts_is_one(void)
{
    struct am_retry_policy p = standard_policy;
    struct am_retry_quota q;
    double delay = -1.0;
    int cost = -1;

    p.max_attempts = 1;
    am_retry_quota_init(&q, 500);
    CHECK_INT_EQ(am_retry_decide(&p, &q, 1, AM_RETRY_THROTTLING, 1.0, &delay, &cost),
                 AM_RETRY_STOP_MAX_ATTEMPTS);
    CHECK_INT_EQ(q.available, 500);
    CHECK_INT_EQ(cost, 0);
    CHECK_DELAY(delay, 0.0);
    return 0;
}

static int stops_at_max_attempts_before_charging_the_quota(void)
{
    struct am_retry_quota q;
    double delay = 0.0;
    int cost = 0;

    am_retry_quota_init(&q, 500);
    CHECK_INT_EQ(am_retry_decide(&standard_policy, &q, 2, AM_RETRY_TRANSIENT, 1.0, &delay, &cost),
                 AM_RETRY_GO);
    CHECK_INT_EQ(am_retry_decide(&standard_policy, &q, 3, AM_RETRY_TRANSIENT, 1.0, &delay, &cost),
                 AM_RETRY_STOP_MAX_ATTEMPTS);
    CHECK_INT_EQ(q.available, 495);
    /* Max attempts is checked before the quota, as botocore does. */
    q.available = 0;
    CHECK_INT_EQ(am_retry_decide(&standard_policy, &q, 3, AM_RETRY_TRANSIENT, 1.0, &delay, &cost),
                 AM_RETRY_STOP_MAX_ATTEMPTS);
    return 0;
}

static int does_not_retry_a_non_retryable_failure(void)
{
    struct am_retry_quota q;
    double delay = -1.0;
    int cost = -1;

    am_retry_quota_init(&q, 500);
    CHECK_INT_EQ(am_retry_decide(&standard_policy, &q, 1, AM_RETRY_NONE, 1.0, &delay, &cost),
                 AM_RETRY_STOP_NOT_RETRYABLE);
    CHECK_INT_EQ(am_retry_decide(&standard_policy, &q, 3, AM_RETRY_NONE, 1.0, &delay, &cost),
                 AM_RETRY_STOP_NOT_RETRYABLE);
    CHECK_INT_EQ(q.available, 500);
    CHECK_INT_EQ(cost, 0);
    CHECK_DELAY(delay, 0.0);
    return 0;
}

static int uses_the_defaults_for_unset_policy_fields(void)
{
    struct am_retry_policy p = {AM_RETRY_MODE_STANDARD, 0, -1.0, 0.0};
    struct am_retry_quota q;
    double delay = 0.0;
    int cost = 0;

    am_retry_quota_init(&q, 500);
    /* max_attempts 0 -> 3, base_delay -1 -> 1 s, max_backoff 0 -> 20 s; NULL policy likewise. */
    CHECK_INT_EQ(am_retry_decide(&p, &q, 2, AM_RETRY_TRANSIENT, 1.0, &delay, &cost), AM_RETRY_GO);
    CHECK_DELAY(delay, 2.0);
    CHECK_INT_EQ(am_retry_decide(&p, &q, 3, AM_RETRY_TRANSIENT, 1.0, &delay, &cost),
                 AM_RETRY_STOP_MAX_ATTEMPTS);
    p.max_attempts = 10;
    CHECK_INT_EQ(am_retry_decide(&p, &q, 7, AM_RETRY_TRANSIENT, 1.0, &delay, &cost), AM_RETRY_GO);
    CHECK_DELAY(delay, 20.0);
    p.base_delay = NAN;
    p.max_backoff = INFINITY;
    CHECK_INT_EQ(am_retry_decide(&p, &q, 7, AM_RETRY_TRANSIENT, 1.0, &delay, &cost), AM_RETRY_GO);
    CHECK_DELAY(delay, 20.0);
    CHECK_INT_EQ(am_retry_decide(NULL, &q, 2, AM_RETRY_TRANSIENT, 1.0, &delay, &cost), AM_RETRY_GO);
    CHECK_DELAY(delay, 2.0);
    CHECK_INT_EQ(am_retry_decide(NULL, &q, 3, AM_RETRY_TRANSIENT, 1.0, &delay, &cost),
                 AM_RETRY_STOP_MAX_ATTEMPTS);
    return 0;
}

static int clamps_jitter_to_zero_to_one(void)
{
    struct am_retry_quota q;
    double delay = -1.0;
    int cost = 0;

    am_retry_quota_init(&q, 500);
    CHECK_INT_EQ(am_retry_decide(&standard_policy, &q, 2, AM_RETRY_TRANSIENT, 7.0, &delay, &cost),
                 AM_RETRY_GO);
    CHECK_DELAY(delay, 2.0);
    CHECK_INT_EQ(am_retry_decide(&standard_policy, &q, 2, AM_RETRY_TRANSIENT, -0.5, &delay, &cost),
                 AM_RETRY_GO);
    CHECK_DELAY(delay, 0.0);
    CHECK_INT_EQ(am_retry_decide(&standard_policy, &q, 2, AM_RETRY_TRANSIENT, NAN, &delay, &cost),
                 AM_RETRY_GO);
    CHECK_DELAY(delay, 0.0);
    return 0;
}

static int treats_attempt_numbers_below_one_as_the_first(void)
{
    struct am_retry_quota q;
    double delay = -1.0;
    int cost = 0;

    am_retry_quota_init(&q, 500);
    CHECK_INT_EQ(am_retry_decide(&standard_policy, &q, 0, AM_RETRY_TRANSIENT, 1.0, &delay, &cost),
                 AM_RETRY_GO);
    CHECK_DELAY(delay, 1.0);
    CHECK_INT_EQ(am_retry_decide(&standard_policy, &q, -5, AM_RETRY_TRANSIENT, 1.0, &delay, &cost),
                 AM_RETRY_GO);
    CHECK_DELAY(delay, 1.0);
    return 0;
}

static int runs_without_a_quota_or_out_pointers(void)
{
    double delay = -1.0;
    int cost = -1;

    CHECK_INT_EQ(am_retry_decide(&standard_policy, NULL, 1, AM_RETRY_TIMEOUT, 1.0, &delay, &cost),
                 AM_RETRY_GO);
    CHECK_INT_EQ(cost, 10);
    CHECK_DELAY(delay, 1.0);
    CHECK_INT_EQ(am_retry_decide(&standard_policy, NULL, 1, AM_RETRY_TIMEOUT, 1.0, NULL, NULL),
                 AM_RETRY_GO);
    return 0;
}

static int starts_the_quota_full_and_never_negative(void)
{
    struct am_retry_quota q;

    am_retry_quota_init(&q, 500);
    CHECK_INT_EQ(q.available, 500);
    CHECK_INT_EQ(q.max, 500);
    am_retry_quota_init(&q, -1);
    CHECK_INT_EQ(q.available, 0);
    CHECK_INT_EQ(q.max, 0);
    am_retry_quota_init(NULL, 500);
    return 0;
}

static int decides_adaptive_retries_as_standard(void)
{
    struct am_retry_policy p = standard_policy;
    struct am_retry_quota qa, qs;
    double da = 0.0, ds = 0.0;
    int ca = 0, cs = 0;
    int attempt = 0;

    p.mode = AM_RETRY_MODE_ADAPTIVE;
    am_retry_quota_init(&qa, 500);
    am_retry_quota_init(&qs, 500);
    for (attempt = 1; attempt <= 3; attempt++) {
        CHECK_INT_EQ(
            am_retry_decide(&p, &qa, attempt, AM_RETRY_THROTTLING, 0.3, &da, &ca),
            am_retry_decide(&standard_policy, &qs, attempt, AM_RETRY_THROTTLING, 0.3, &ds, &cs));
        CHECK_DELAY(da, ds);
        CHECK_INT_EQ(ca, cs);
        CHECK_INT_EQ(qa.available, qs.available);
    }
    return 0;
}

/* ======== adaptive mode: the client rate limiter ======== */

#define CHECK_NEAR(got, want, tol)                                                                 \
    do {                                                                                           \
        double gn_ = (got), wn_ = (want);                                                          \
        if (!(fabs(gn_ - wn_) <= (tol))) {                                                         \
            fprintf(stderr, "  %s:%d: %s = %.17g, want %.17g\n", __FILE__, __LINE__, #got, gn_,    \
                    wn_);                                                                          \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

/* A success every 0.1 s for the tenths first..last (t = n / 10 + offset). */
static void tenths_of_successes(struct am_rate_limiter *rl, int first, int last, double offset)
{
    int n = 0;
    for (n = first; n <= last; n++) {
        am_rate_limiter_update(rl, n / 10.0 + offset, false);
    }
}

/* Take every token the bucket holds at time now; the wait the next acquire reports. */
static double drain(struct am_rate_limiter *rl, double now, int *taken)
{
    double wait = 0.0;
    int n = 0;
    while (n < 1000) {
        wait = am_rate_limiter_acquire(rl, now);
        if (wait > 0.0) {
            break;
        }
        n++;
    }
    if (taken != NULL) {
        *taken = n;
    }
    return wait;
}

/* 10 responses a second from t = 0.1 to 10, then a throttle at 10.05: fill rate 7 (botocore). */
static void steady_then_throttled(struct am_rate_limiter *rl)
{
    am_rate_limiter_init(rl, 0.0);
    tenths_of_successes(rl, 1, 100, 0.0);
    am_rate_limiter_update(rl, 10.05, true);
}

static int lets_everything_through_until_the_first_throttle(void)
{
    struct am_rate_limiter rl;
    int i = 0;

    am_rate_limiter_init(&rl, 100.0);
    CHECK(!rl.enabled, "a fresh limiter is not enabled");
    CHECK_DELAY(rl.fill_rate, 1.0);
    CHECK_DELAY(rl.capacity, 0.0);
    /* Far more than any bucket would allow, all at once: botocore acquires only once enabled. */
    for (i = 0; i < 1000; i++) {
        CHECK_DELAY(am_rate_limiter_acquire(&rl, 100.0), 0.0);
    }
    for (i = 1; i <= 300; i++) {
        am_rate_limiter_update(&rl, 100.0 + i / 100.0, false);
        CHECK_DELAY(am_rate_limiter_acquire(&rl, 100.0 + i / 100.0), 0.0);
    }
    CHECK(!rl.enabled, "successes do not enable the limiter");
    am_rate_limiter_update(&rl, 103.5, true);
    CHECK(rl.enabled, "the first throttle enables the limiter");
    CHECK(drain(&rl, 103.5, NULL) > 0.0, "an enabled limiter makes the next sender wait");
    return 0;
}

static int waits_when_the_bucket_is_empty(void)
{
    struct am_rate_limiter rl;
    double wait = 0.0, half = 0.0;
    int taken = 0;

    steady_then_throttled(&rl);
    CHECK_NEAR(rl.fill_rate, 7.0, 1e-9);
    CHECK_NEAR(rl.capacity, 7.0, 1e-9); /* the 20 tokens it held were cut to the new rate */
    wait = drain(&rl, 10.05, &taken);
    CHECK_INT_EQ(taken, 7); /* the capacity was cut to the new rate: 7, less a rounding hair */
    CHECK(wait > 0.0 && wait <= 1.0 / 7.0 + 1e-9, "waits at most one token's time");
    CHECK_NEAR(wait, (1.0 - rl.capacity) / rl.fill_rate, 1e-12);
    /* Halfway there: still waiting, for the other half; a wait takes nothing. */
    half = am_rate_limiter_acquire(&rl, 10.05 + wait / 2.0);
    CHECK_NEAR(half, wait / 2.0, 1e-9);
    half = am_rate_limiter_acquire(&rl, 10.05 + wait / 2.0);
    CHECK_NEAR(half, wait / 2.0, 1e-9);
    /* Waiting exactly as told is enough; the next sender then waits a whole token's time. */
    CHECK_DELAY(am_rate_limiter_acquire(&rl, 10.05 + wait), 0.0);
    CHECK_NEAR(am_rate_limiter_acquire(&rl, 10.05 + wait), 1.0 / 7.0, 1e-6);
    return 0;
}

static int lowers_the_fill_rate_on_a_throttle_and_recovers(void)
{
    /* Expected fill rates from botocore 1.29 (ClientRateLimiter with a fake clock). */
    static const struct {
        int tenth;
        double fill_rate;
    } after[] = {
        {110, 9.648936009659902},  {120, 10.000030849917257}, {130, 10.453284520771994},
        {140, 13.408697022224112}, {150, 20.0000016384},      {160, 20.000000065536},
    };
    struct am_rate_limiter rl;
    double before = 0.0, prev = 0.0;
    size_t i = 0;
    int n = 0;

    am_rate_limiter_init(&rl, 0.0);
    tenths_of_successes(&rl, 1, 100, 0.0);
    before = rl.fill_rate;
    CHECK_NEAR(rl.measured_rate, 10.0, 1e-9);
    CHECK_NEAR(before, 20.0, 1e-9); /* capped at twice the measured rate */
    am_rate_limiter_update(&rl, 10.05, true);
    CHECK_NEAR(rl.fill_rate, 0.7 * rl.measured_rate, 1e-9); /* beta times the rate sent at */
    prev = rl.fill_rate;
    for (n = 101; n <= 160; n++) {
        am_rate_limiter_update(&rl, n / 10.0 + 0.05, false);
        /* It only grows, until it is held at twice the measured rate (which may dip). */
        CHECK(rl.fill_rate >= prev || rl.fill_rate == 2.0 * rl.measured_rate,
              "the fill rate only grows while nothing is throttled");
        prev = rl.fill_rate;
        for (i = 0; i < sizeof(after) / sizeof(after[0]); i++) {
            if (after[i].tenth == n) {
                CHECK_NEAR(rl.fill_rate, after[i].fill_rate, 1e-9);
            }
        }
    }
    CHECK_NEAR(rl.fill_rate, before, 1e-6);
    return 0;
}

static int never_fills_below_the_minimum_rate(void)
{
    struct am_rate_limiter rl;
    int i = 0;

    /* Throttled from the first response on: nothing measured yet, so the rate asked is 0. */
    am_rate_limiter_init(&rl, 0.0);
    am_rate_limiter_update(&rl, 0.1, true);
    CHECK(rl.enabled, "enabled");
    CHECK_DELAY(rl.fill_rate, 0.5);
    CHECK_DELAY(rl.max_capacity, 1.0);
    for (i = 1; i <= 200; i++) {
        double now = 0.1 + i * 0.25;
        double wait = 0.0;
        am_rate_limiter_update(&rl, now, i % 3 != 0);
        CHECK(rl.fill_rate >= 0.5, "the fill rate stays at 0.5 or more");
        CHECK(rl.max_capacity >= 1.0, "the bucket holds at least one token");
        wait = drain(&rl, now, NULL);
        CHECK(wait > 0.0 && wait <= 2.0 + 1e-6, "no wait is longer than 1 / 0.5 s");
    }
    for (i = 0; i < 20; i++) {
        am_rate_limiter_update(&rl, 60.0 + i * 2.0, true);
    }
    CHECK_DELAY(rl.fill_rate, 0.5);
    CHECK_NEAR(drain(&rl, 100.0, NULL), 2.0, 1e-6);
    return 0;
}

static int bursts_no_more_than_the_rate_after_idling(void)
{
    struct am_rate_limiter rl;
    int taken = 0;

    steady_then_throttled(&rl);
    /* An hour idle earns no more tokens than the bucket holds: the rate, at least 1. */
    CHECK(drain(&rl, 3610.0, &taken) > 0.0, "waits once the burst is spent");
    CHECK_NEAR(rl.max_capacity, 7.0, 1e-9);
    CHECK_INT_EQ(taken, 7);
    return 0;
}

static int takes_the_token_it_promised_at_epoch_times(void)
{
    struct am_rate_limiter rl;
    double now = 1764000000.123; /* epoch seconds: a double steps by 2.4e-7 s here */
    int i = 0;

    am_rate_limiter_init(&rl, now);
    for (i = 0; i < 40; i++) {
        now += 0.05;
        am_rate_limiter_update(&rl, now, false);
    }
    am_rate_limiter_update(&rl, now, true);
    for (i = 0; i < 500; i++) {
        double wait = drain(&rl, now, NULL);
        now += wait; /* a driver that sleeps exactly what it was told */
        if (am_rate_limiter_acquire(&rl, now) != 0.0) {
            fprintf(stderr, "  round %d: still told to wait after waiting %.17g s\n", i, wait);
            return 1;
        }
        am_rate_limiter_update(&rl, now, i % 7 == 0);
    }
    return 0;
}

static int treats_a_clock_step_back_as_no_time_passing(void)
{
    struct am_rate_limiter rl;
    double wait = 0.0, rate = 0.0, dt = 0.0;

    am_rate_limiter_init(&rl, 0.0);
    tenths_of_successes(&rl, 1, 100, 1000.0);
    am_rate_limiter_update(&rl, 1010.05, true);
    wait = drain(&rl, 1012.0, NULL);
    dt = 1012.0 - rl.cubic.last_fail;
    rate = am_cubic_success(&rl.cubic, 1012.0);
    /* The wall clock steps back 600 s: the bucket neither drains nor refills in the step. */
    CHECK_NEAR(am_rate_limiter_acquire(&rl, 412.0), wait, 1e-9);
    CHECK_NEAR(412.0 - rl.cubic.last_fail, dt, 1e-9);
    CHECK_NEAR(am_cubic_success(&rl.cubic, 412.0), rate, 1e-9);
    /* Time goes on from there as usual. */
    CHECK_DELAY(am_rate_limiter_acquire(&rl, 412.0 + wait), 0.0);
    am_rate_limiter_update(&rl, 412.5, false);
    CHECK(rl.fill_rate > 1.0, "CUBIC was not pushed down by the step");
    CHECK(rl.measured_rate > 1.0, "the measured rate was kept");
    return 0;
}

static int takes_a_non_finite_time_as_the_latest_seen(void)
{
    struct am_rate_limiter rl;
    double wait = 0.0, fill = 0.0;

    am_rate_limiter_init(&rl, NAN);
    CHECK_DELAY(rl.latest, 0.0);
    steady_then_throttled(&rl);
    wait = drain(&rl, 10.05, NULL);
    fill = rl.fill_rate;
    CHECK_NEAR(am_rate_limiter_acquire(&rl, NAN), wait, 1e-12);
    CHECK_NEAR(am_rate_limiter_acquire(&rl, INFINITY), wait, 1e-12);
    am_rate_limiter_update(&rl, -INFINITY, false);
    CHECK(isfinite(rl.fill_rate) && isfinite(rl.capacity) && isfinite(rl.measured_rate),
          "the state stays finite");
    CHECK(rl.fill_rate >= 0.5 && rl.fill_rate <= fill * 2.0, "the fill rate stays sane");
    CHECK_DELAY(rl.latest, 10.05);
    return 0;
}

static int measures_from_the_whole_second_it_started_in(void)
{
    struct am_rate_limiter rl;

    /* botocore starts the RateClocker at floor(now), not at the start of the 0.5 s bucket. */
    am_rate_limiter_init(&rl, 0.7);
    am_rate_limiter_update(&rl, 0.8, false);
    CHECK_NEAR(rl.measured_rate, 0.8 * 1 / 0.5, 1e-12); /* one response over [0, 0.5) */
    am_rate_limiter_update(&rl, 0.9, false);
    am_rate_limiter_update(&rl, 1.2, false);
    CHECK_NEAR(rl.measured_rate, 0.8 * 2 / 0.5 + 0.2 * 1.6, 1e-12);
    return 0;
}

static int rate_limiter_tolerates_null(void)
{
    am_rate_limiter_init(NULL, 0.0);
    am_rate_limiter_update(NULL, 1.0, true);
    CHECK_DELAY(am_rate_limiter_acquire(NULL, 1.0), 0.0);
    am_cubic_init(NULL, 1.0, 0.0);
    return 0;
}

static int computes_the_cubic_curve_as_botocore(void)
{
    struct am_cubic c;

    /* k = (w_max * (1 - 0.7) / 0.4)^(1/3); at last_fail the curve is at 0.7 * w_max. */
    am_cubic_init(&c, 10.0, 5.0);
    CHECK_NEAR(c.k, cbrt(7.5), 1e-12);
    CHECK_NEAR(am_cubic_success(&c, 5.0), 7.0, 1e-12);
    CHECK_NEAR(am_cubic_success(&c, 5.0 + c.k), 10.0, 1e-12);
    CHECK_NEAR(am_cubic_throttle(&c, 20.0, 8.0), 14.0, 1e-12);
    CHECK_DELAY(c.w_max, 20.0);
    CHECK_DELAY(c.last_fail, 8.0);
    CHECK_NEAR(c.k, cbrt(15.0), 1e-12);
    am_cubic_init(&c, 0.0, 3.0);
    CHECK_DELAY(c.k, 0.0);
    CHECK_NEAR(am_cubic_success(&c, 5.0), 0.4 * 8.0, 1e-12);
    return 0;
}

/* ======== a reader for the YAML subset of the vector files ======== */

/*
 * The case files use block mappings and block sequences of mappings, plain scalars (numbers,
 * bare words), and full-line comments; nothing else. The reader flattens a file into
 * (path, value) leaves such as ("responses[1].expected.delay", "2") and refuses anything
 * outside that subset (quotes, flow collections, anchors, tags, block scalars, tabs, documents,
 * trailing comments, duplicate keys), naming file:line, so that a case never passes by being
 * misread.
 */
#define YAML_MAX_LINES   256
#define YAML_MAX_ENTRIES 128

struct yaml_line {
    int indent;
    int lineno;
    char *text; /* into the file buffer: no indentation, no trailing blanks */
};

struct yaml_entry {
    char path[96];
    char value[64];
    int lineno;
};

struct yaml_doc {
    const char *file;
    bool quiet; /* refusals expected by a test: do not print them */
    struct yaml_line lines[YAML_MAX_LINES];
    size_t nlines;
    struct yaml_entry entries[YAML_MAX_ENTRIES];
    size_t nentries;
};

static int yaml_error(const struct yaml_doc *d, int lineno, const char *what)
{
    if (!d->quiet) {
        fprintf(stderr, "  %s:%d: %s\n", d->file, lineno, what);
    }
    return 1;
}

static int yaml_split_lines(struct yaml_doc *d, char *buf)
{
    char *p = buf;
    int lineno = 0;

    d->nlines = 0;
    while (*p != '\0') {
        char *line = p;
        char *end = strchr(p, '\n');
        int indent = 0;
        size_t len = 0;

        lineno++;
        if (end != NULL) {
            *end = '\0';
            p = end + 1;
        } else {
            p += strlen(p);
        }
        len = strlen(line);
        while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' ')) {
            line[--len] = '\0';
        }
        while (line[indent] == ' ') {
            indent++;
        }
        if (line[indent] == '\t' || strchr(line, '\t') != NULL) {
            return yaml_error(d, lineno, "tab characters are outside the supported YAML subset");
        }
        if (line[indent] == '\0' || line[indent] == '#') {
            continue; /* blank or comment line */
        }
        if (strcmp(line, "---") == 0 || strcmp(line, "...") == 0 || line[0] == '%') {
            return yaml_error(d, lineno, "document markers are outside the supported YAML subset");
        }
        if (d->nlines == YAML_MAX_LINES) {
            return yaml_error(d, lineno, "too many lines for the test reader");
        }
        d->lines[d->nlines].indent = indent;
        d->lines[d->nlines].lineno = lineno;
        d->lines[d->nlines].text = line + indent;
        d->nlines++;
    }
    return 0;
}

static bool yaml_plain_scalar(const char *s)
{
    if (s[0] == '\0') {
        return true;
    }
    if (s[0] == '-' ? s[1] == ' ' || s[1] == '\0' : strchr("\"'{}[]|>&*!%@`,?:#", s[0]) != NULL) {
        return false; /* quoted, flow, block scalar, anchor, alias, tag, indicator */
    }
    if (strstr(s, " #") != NULL || strstr(s, ": ") != NULL) {
        return false; /* trailing comment, or a mapping squeezed onto one line */
    }
    return true;
}

static int yaml_emit(struct yaml_doc *d, const char *path, const char *value, int lineno)
{
    size_t i = 0;
    struct yaml_entry *e = NULL;

    for (i = 0; i < d->nentries; i++) {
        if (strcmp(d->entries[i].path, path) == 0) {
            return yaml_error(d, lineno, "duplicate key");
        }
    }
    if (d->nentries == YAML_MAX_ENTRIES) {
        return yaml_error(d, lineno, "too many values for the test reader");
    }
    if (!yaml_plain_scalar(value)) {
        return yaml_error(d, lineno, "only plain scalars are supported");
    }
    e = &d->entries[d->nentries];
    if (strlen(path) >= sizeof(e->path) || strlen(value) >= sizeof(e->value)) {
        return yaml_error(d, lineno, "key path or value too long for the test reader");
    }
    memcpy(e->path, path, strlen(path) + 1);
    memcpy(e->value, value, strlen(value) + 1);
    e->lineno = lineno;
    d->nentries++;
    return 0;
}

static bool yaml_is_item(const char *text)
{
    return text[0] == '-' && (text[1] == ' ' || text[1] == '\0');
}

static int yaml_block(struct yaml_doc *d, size_t *pos, int indent, const char *prefix);

/* A mapping: "key: scalar" or "key:" followed by a more indented block (or a same-indent list). */
static int yaml_map(struct yaml_doc *d, size_t *pos, int indent, const char *prefix)
{
    while (*pos < d->nlines && d->lines[*pos].indent == indent &&
           !yaml_is_item(d->lines[*pos].text)) {
        struct yaml_line *l = &d->lines[*pos];
        char *colon = strchr(l->text, ':');
        char path[96];
        const char *value = "";
        int n = 0;

        if (colon == NULL || colon == l->text || (colon[1] != ' ' && colon[1] != '\0')) {
            return yaml_error(d, l->lineno, "expected \"key: value\" or \"key:\"");
        }
        *colon = '\0';
        if (strpbrk(l->text, " \"'{}[]&*!") != NULL) {
            return yaml_error(d, l->lineno, "only plain keys are supported");
        }
        if (colon[1] == ' ') {
            value = colon + 2;
            while (*value == ' ') {
                value++;
            }
        }
        n = snprintf(path, sizeof(path), "%s%s%s", prefix, prefix[0] != '\0' ? "." : "", l->text);
        if (n < 0 || (size_t)n >= sizeof(path)) {
            return yaml_error(d, l->lineno, "key path too long for the test reader");
        }
        (*pos)++;
        if (value[0] != '\0') {
            if (yaml_emit(d, path, value, l->lineno) != 0) {
                return 1;
            }
        } else if (*pos < d->nlines && d->lines[*pos].indent > indent) {
            if (yaml_block(d, pos, d->lines[*pos].indent, path) != 0) {
                return 1;
            }
        } else if (*pos < d->nlines && d->lines[*pos].indent == indent &&
                   yaml_is_item(d->lines[*pos].text)) {
            if (yaml_block(d, pos, indent, path) != 0) {
                return 1;
            }
        } else if (yaml_emit(d, path, "", l->lineno) != 0) { /* an empty value: null */
            return 1;
        }
    }
    return 0;
}

/* A sequence: "- scalar" items, or "- key: ..." items that open a mapping two columns in. */
static int yaml_list(struct yaml_doc *d, size_t *pos, int indent, const char *prefix)
{
    int k = 0;
    while (*pos < d->nlines && d->lines[*pos].indent == indent &&
           yaml_is_item(d->lines[*pos].text)) {
        struct yaml_line *l = &d->lines[*pos];
        char path[96];
        int n = snprintf(path, sizeof(path), "%s[%d]", prefix, k++);

        if (n < 0 || (size_t)n >= sizeof(path)) {
            return yaml_error(d, l->lineno, "key path too long for the test reader");
        }
        if (l->text[1] == '\0') {
            return yaml_error(d, l->lineno, "an empty \"-\" item is not supported");
        }
        l->text += 2;
        l->indent += 2;
        while (l->text[0] == ' ') {
            l->text++;
            l->indent++;
        }
        if (strchr(l->text, ':') != NULL && !yaml_is_item(l->text)) {
            if (yaml_map(d, pos, l->indent, path) != 0) {
                return 1;
            }
        } else if (yaml_is_item(l->text)) {
            return yaml_error(d, l->lineno, "nested \"- -\" sequences are not supported");
        } else {
            if (yaml_emit(d, path, l->text, l->lineno) != 0) {
                return 1;
            }
            (*pos)++;
        }
    }
    return 0;
}

static int yaml_block(struct yaml_doc *d, size_t *pos, int indent, const char *prefix)
{
    if (yaml_is_item(d->lines[*pos].text)) {
        return yaml_list(d, pos, indent, prefix);
    }
    return yaml_map(d, pos, indent, prefix);
}

/* Parse buf (modified in place) into d; quiet: say nothing about a refusal. */
static int yaml_parse(struct yaml_doc *d, const char *file, char *buf, bool quiet)
{
    size_t pos = 0;

    memset(d, 0, sizeof(*d));
    d->file = file;
    d->quiet = quiet;
    if (yaml_split_lines(d, buf) != 0) {
        return 1;
    }
    if (d->nlines == 0) {
        return yaml_error(d, 0, "empty document");
    }
    if (d->lines[0].indent != 0) {
        return yaml_error(d, d->lines[0].lineno, "the document must start in column 1");
    }
    if (yaml_block(d, &pos, 0, "") != 0) {
        return 1;
    }
    if (pos != d->nlines) {
        return yaml_error(d, d->lines[pos].lineno, "unexpected indentation");
    }
    return 0;
}

static const struct yaml_entry *yaml_find(const struct yaml_doc *d, const char *path)
{
    size_t i = 0;
    for (i = 0; i < d->nentries; i++) {
        if (strcmp(d->entries[i].path, path) == 0) {
            return &d->entries[i];
        }
    }
    return NULL;
}

/* The path with every "[N]" written "[]", for matching against a schema. */
static void yaml_shape(const char *path, char *out, size_t outsize)
{
    size_t o = 0;
    while (*path != '\0' && o + 1 < outsize) {
        if (*path == '[') {
            while (*path != '\0' && *path != ']') {
                path++;
            }
            if (o + 2 < outsize) {
                out[o++] = '[';
                out[o++] = ']';
            }
            if (*path == ']') {
                path++;
            }
            continue;
        }
        out[o++] = *path++;
    }
    out[o] = '\0';
}

/* ---- reader self-checks ---- */

static int reads_the_yaml_subset_of_the_vectors(void)
{
    char text[] = "# comment\n"
                  "given:\n"
                  "  max_attempts: 3\r\n"
                  "  nothing:\n"
                  "\n"
                  "list:\n"
                  "  - a: 1\n"
                  "    # an indented comment\n"
                  "    b:\n"
                  "      c: x-y\n"
                  "  - 2.5\n"
                  "same:\n"
                  "- k: v\n";
    struct yaml_doc *d = calloc(1, sizeof(*d));
    const struct yaml_entry *e = NULL;
    int rc = 1;

    if (d == NULL || yaml_parse(d, "inline", text, false) != 0) {
        goto cleanup;
    }
    e = yaml_find(d, "given.max_attempts");
    if (e == NULL || strcmp(e->value, "3") != 0 || e->lineno != 3) {
        fprintf(stderr, "  given.max_attempts misread\n");
        goto cleanup;
    }
    e = yaml_find(d, "given.nothing");
    if (e == NULL || strcmp(e->value, "") != 0) {
        fprintf(stderr, "  given.nothing misread\n");
        goto cleanup;
    }
    if (yaml_find(d, "list[0].a") == NULL || strcmp(yaml_find(d, "list[0].a")->value, "1") != 0 ||
        yaml_find(d, "list[0].b.c") == NULL ||
        strcmp(yaml_find(d, "list[0].b.c")->value, "x-y") != 0 || yaml_find(d, "list[1]") == NULL ||
        strcmp(yaml_find(d, "list[1]")->value, "2.5") != 0 || yaml_find(d, "same[0].k") == NULL) {
        fprintf(stderr, "  list items misread\n");
        goto cleanup;
    }
    if (d->nentries != 6) {
        fprintf(stderr, "  %zu values, want 6\n", d->nentries);
        goto cleanup;
    }
    rc = 0;
cleanup:
    free(d);
    return rc;
}

static int refuses_yaml_outside_the_subset(void)
{
    static const char *const bad[] = {
        "a: \"quoted\"\n",
        "a: [1, 2]\n",
        "a: {b: 1}\n",
        "a: 1 # trailing\n",
        "a: |\n  text\n",
        "a: &x 1\n",
        "---\na: 1\n",
        "a: 1\na: 2\n",
        "a:\n\tb: 1\n",
        "a:\n  b: 1\n c: 2\n",
        "  a: 1\n",
        "a\n",
        "a:\n  - - 1\n",
        "a:\n  -\n",
        "a: !tag 1\n",
        "\"a\": 1\n",
        "a:\n  - b: 1\n   c: 2\n",
    };
    size_t i = 0;
    struct yaml_doc *d = calloc(1, sizeof(*d));
    int rc = 1;

    if (d == NULL) {
        return 1;
    }
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char buf[64];
        memcpy(buf, bad[i], strlen(bad[i]) + 1);
        if (yaml_parse(d, "inline", buf, true) == 0) {
            fprintf(stderr, "  accepted: \"%s\"\n", bad[i]);
            goto cleanup;
        }
    }
    rc = 0;
cleanup:
    free(d);
    return rc;
}

/* ======== the AWS SDKs' standard-mode vectors ======== */

/* Keys a standard/ case may use; anything else means semantics this runner does not model. */
static const char *const standard_schema[] = {
    "given.max_attempts",
    "given.initial_retry_tokens",
    "given.exponential_base",
    "given.exponential_power",
    "given.max_backoff_time",
    "responses[].response.status_code",
    "responses[].response.error_code",
    "responses[].expected.outcome",
    "responses[].expected.retry_quota",
    "responses[].expected.delay",
};

static void vec_msg(const struct yaml_doc *d, const char *fmt, ...) APPMESH_PRINTF(2, 3);

/* Explain why a vector failed, unless a test expects it to. */
static void vec_msg(const struct yaml_doc *d, const char *fmt, ...)
{
    va_list ap;
    if (d->quiet) {
        return;
    }
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}

static int
number_at(const struct yaml_doc *d, const char *path, double dflt, bool required, double *out)
{
    const struct yaml_entry *e = yaml_find(d, path);
    char *end = NULL;
    double v = 0.0;

    if (e == NULL) {
        if (required) {
            vec_msg(d, "  %s: %s is missing\n", d->file, path);
            return 1;
        }
        *out = dflt;
        return 0;
    }
    v = strtod(e->value, &end);
    if (end == e->value || *end != '\0' || !isfinite(v)) {
        vec_msg(d, "  %s:%d: %s is not a number: \"%s\"\n", d->file, e->lineno, path, e->value);
        return 1;
    }
    *out = v;
    return 0;
}

static int integer_at(const struct yaml_doc *d, const char *path, int dflt, bool required, int *out)
{
    double v = 0.0;
    if (number_at(d, path, dflt, required, &v) != 0) {
        return 1;
    }
    if (v != floor(v) || v < -1e9 || v > 1e9) {
        vec_msg(d, "  %s: %s is not an integer: %g\n", d->file, path, v);
        return 1;
    }
    *out = (int)v;
    return 0;
}

static const char *outcome_name(enum am_retry_decision dec)
{
    switch (dec) {
        case AM_RETRY_GO:
            return "retry_request";
        case AM_RETRY_STOP_NOT_RETRYABLE:
            return "fail_request";
        case AM_RETRY_STOP_MAX_ATTEMPTS:
            return "max_attempts_exceeded";
        case AM_RETRY_STOP_QUOTA:
            return "retry_quota_exceeded";
    }
    return "?";
}

/* One case: feed the responses in order, checking outcome, quota and delay after each. */
static int run_standard_vector(struct yaml_doc *d)
{
    struct am_retry_policy policy = {AM_RETRY_MODE_STANDARD, 3, 1.0, 20.0};
    struct am_retry_quota q;
    double jitter = 1.0, power = 2.0, slept = 0.0, want_slept = 0.0;
    int initial = 500, attempt = 1, last_cost = 0;
    size_t i = 0;
    int k = 0;

    for (i = 0; i < d->nentries; i++) {
        char shape[96];
        size_t s = 0;
        yaml_shape(d->entries[i].path, shape, sizeof(shape));
        for (s = 0; s < sizeof(standard_schema) / sizeof(standard_schema[0]); s++) {
            if (strcmp(shape, standard_schema[s]) == 0) {
                break;
            }
        }
        if (s == sizeof(standard_schema) / sizeof(standard_schema[0])) {
            vec_msg(d, "  %s:%d: %s is not part of the standard-mode schema\n", d->file,
                    d->entries[i].lineno, d->entries[i].path);
            return 1;
        }
    }
    if (integer_at(d, "given.max_attempts", 3, false, &policy.max_attempts) != 0 ||
        integer_at(d, "given.initial_retry_tokens", 500, false, &initial) != 0 ||
        number_at(d, "given.exponential_base", 1.0, false, &jitter) != 0 ||
        number_at(d, "given.exponential_power", 2.0, false, &power) != 0 ||
        number_at(d, "given.max_backoff_time", 20.0, false, &policy.max_backoff) != 0) {
        return 1;
    }
    if (power != 2.0 || !(jitter >= 0.0 && jitter <= 1.0)) {
        vec_msg(d, "  %s: exponential_power must be 2 and exponential_base in [0, 1]\n", d->file);
        return 1;
    }
    am_retry_quota_init(&q, initial);

    for (k = 0;; k++) {
        char path[96];
        const struct yaml_entry *outcome = NULL;
        const struct yaml_entry *code = NULL;
        struct appmesh_error err = {0};
        enum am_retry_decision dec = AM_RETRY_STOP_NOT_RETRYABLE;
        const char *got = NULL;
        double delay = 0.0, want_delay = 0.0;
        int status_code = 0, want_quota = 0, cost = 0;
        bool has_delay = false;

        snprintf(path, sizeof(path), "responses[%d].response.status_code", k);
        if (yaml_find(d, path) == NULL) {
            break;
        }
        if (integer_at(d, path, 0, true, &status_code) != 0) {
            return 1;
        }
        snprintf(path, sizeof(path), "responses[%d].response.error_code", k);
        code = yaml_find(d, path);
        snprintf(path, sizeof(path), "responses[%d].expected.outcome", k);
        outcome = yaml_find(d, path);
        if (outcome == NULL) {
            vec_msg(d, "  %s: %s is missing\n", d->file, path);
            return 1;
        }
        snprintf(path, sizeof(path), "responses[%d].expected.retry_quota", k);
        if (integer_at(d, path, 0, true, &want_quota) != 0) {
            return 1;
        }
        snprintf(path, sizeof(path), "responses[%d].expected.delay", k);
        has_delay = yaml_find(d, path) != NULL;
        if (number_at(d, path, 0.0, false, &want_delay) != 0) {
            return 1;
        }

        if (status_code >= 200 && status_code < 300) {
            am_retry_on_success(&q, last_cost);
            got = "success";
            attempt = 1; /* the call is over; the next response starts a new one */
            last_cost = 0;
        } else {
            enum am_retry_kind kind = AM_RETRY_NONE;
            err.status = APPMESH_ERR_SERVICE;
            err.http_status = status_code;
            if (code != NULL) {
                am_copy_text(err.aws_code, sizeof(err.aws_code), code->value, strlen(code->value));
            }
            kind = am_retry_classify(&err);
            dec = am_retry_decide(&policy, &q, attempt, kind, jitter, &delay, &cost);
            got = outcome_name(dec);
            if (dec == AM_RETRY_GO) {
                attempt++;
                last_cost = cost;
                slept += delay;
            } else {
                attempt = 1;
                last_cost = 0;
            }
        }
        if (strcmp(got, outcome->value) != 0) {
            vec_msg(d, "  %s: response %d (HTTP %d): outcome %s, want %s\n", d->file, k + 1,
                    status_code, got, outcome->value);
            return 1;
        }
        if (q.available != want_quota) {
            vec_msg(d, "  %s: response %d (HTTP %d): retry_quota %d, want %d\n", d->file, k + 1,
                    status_code, q.available, want_quota);
            return 1;
        }
        if (has_delay || delay != 0.0) {
            if (!(fabs(delay - want_delay) <= 1e-9)) {
                vec_msg(d, "  %s: response %d (HTTP %d): delay %.17g, want %.17g\n", d->file, k + 1,
                        status_code, delay, want_delay);
                return 1;
            }
            want_slept += want_delay;
        }
    }
    if (k == 0) {
        vec_msg(d, "  %s: no responses\n", d->file);
        return 1;
    }
    if (!(fabs(slept - want_slept) <= 1e-9)) {
        vec_msg(d, "  %s: slept %.17g in all, want %.17g\n", d->file, slept, want_slept);
        return 1;
    }
    return 0;
}

/* ======== the AWS SDKs' adaptive-mode vectors ======== */

static const char *const cubic_schema[] = {
    "given.last_max_rate", "given.last_throttle_time", "cases[].response",
    "cases[].timestamp",   "cases[].calculated_rate",
};

static const char *const end_to_end_schema[] = {
    "cases[].response",
    "cases[].timestamp",
    "cases[].measured_tx_rate",
    "cases[].new_token_bucket_rate",
};

#define ADAPTIVE_TOLERANCE 5e-7 /* the README's; the end-to-end values are rounded to 1e-6 */

static int
check_schema(const struct yaml_doc *d, const char *const *schema, size_t n, const char *what)
{
    size_t i = 0;
    for (i = 0; i < d->nentries; i++) {
        char shape[96];
        size_t s = 0;
        yaml_shape(d->entries[i].path, shape, sizeof(shape));
        for (s = 0; s < n; s++) {
            if (strcmp(shape, schema[s]) == 0) {
                break;
            }
        }
        if (s == n) {
            vec_msg(d, "  %s:%d: %s is not part of the %s schema\n", d->file, d->entries[i].lineno,
                    d->entries[i].path, what);
            return 1;
        }
    }
    return 0;
}

/* cases[k].response: 1 = throttle, 0 = success, -1 = missing or anything else (said). */
static int throttle_at(const struct yaml_doc *d, int k)
{
    char path[64];
    const struct yaml_entry *e = NULL;

    snprintf(path, sizeof(path), "cases[%d].response", k);
    e = yaml_find(d, path);
    if (e != NULL && strcmp(e->value, "throttle") == 0) {
        return 1;
    }
    if (e != NULL && strcmp(e->value, "success") == 0) {
        return 0;
    }
    vec_msg(d, "  %s: %s must be success or throttle\n", d->file, path);
    return -1;
}

/* cases[k].<field>, required. */
static int case_number(const struct yaml_doc *d, int k, const char *field, double *out)
{
    char path[96];
    snprintf(path, sizeof(path), "cases[%d].%s", k, field);
    return number_at(d, path, 0.0, true, out);
}

static int check_close(const struct yaml_doc *d, int k, const char *field, double got, double want)
{
    if (!(fabs(got - want) <= ADAPTIVE_TOLERANCE)) {
        vec_msg(d, "  %s: case %d: %s %.17g, want %.17g\n", d->file, k + 1, field, got, want);
        return 1;
    }
    return 0;
}

/* The CUBIC calculator alone; a throttle comes at the rate it last calculated. */
static int run_cubic_vector(struct yaml_doc *d)
{
    struct am_cubic c;
    double max_rate = 0.0, throttle_time = 0.0, rate = 0.0;
    int k = 0;

    if (check_schema(d, ROWS(cubic_schema), "adaptive/cubic") != 0 ||
        number_at(d, "given.last_max_rate", 0.0, true, &max_rate) != 0 ||
        number_at(d, "given.last_throttle_time", 0.0, true, &throttle_time) != 0) {
        return 1;
    }
    am_cubic_init(&c, max_rate, throttle_time);
    rate = max_rate;
    for (k = 0;; k++) {
        char path[64];
        double t = 0.0, want = 0.0;
        int throttled = 0;

        snprintf(path, sizeof(path), "cases[%d].response", k);
        if (yaml_find(d, path) == NULL) {
            break;
        }
        throttled = throttle_at(d, k);
        if (throttled < 0 || case_number(d, k, "timestamp", &t) != 0 ||
            case_number(d, k, "calculated_rate", &want) != 0) {
            return 1;
        }
        rate = throttled != 0 ? am_cubic_throttle(&c, rate, t) : am_cubic_success(&c, t);
        if (check_close(d, k, "calculated_rate", rate, want) != 0) {
            return 1;
        }
    }
    if (k == 0) {
        vec_msg(d, "  %s: no cases\n", d->file);
        return 1;
    }
    return 0;
}

/* The whole limiter, built at time 0, fed one response per case. */
static int run_end_to_end_vector(struct yaml_doc *d)
{
    struct am_rate_limiter rl;
    int k = 0;

    if (check_schema(d, ROWS(end_to_end_schema), "adaptive/end-to-end") != 0) {
        return 1;
    }
    am_rate_limiter_init(&rl, 0.0);
    for (k = 0;; k++) {
        char path[64];
        double t = 0.0, want_measured = 0.0, want_fill = 0.0;
        int throttled = 0;

        snprintf(path, sizeof(path), "cases[%d].response", k);
        if (yaml_find(d, path) == NULL) {
            break;
        }
        throttled = throttle_at(d, k);
        if (throttled < 0 || case_number(d, k, "timestamp", &t) != 0 ||
            case_number(d, k, "measured_tx_rate", &want_measured) != 0 ||
            case_number(d, k, "new_token_bucket_rate", &want_fill) != 0) {
            return 1;
        }
        am_rate_limiter_update(&rl, t, throttled != 0);
        if (check_close(d, k, "measured_tx_rate", rl.measured_rate, want_measured) != 0 ||
            check_close(d, k, "new_token_bucket_rate", rl.fill_rate, want_fill) != 0) {
            return 1;
        }
    }
    if (k == 0) {
        vec_msg(d, "  %s: no cases\n", d->file);
        return 1;
    }
    return 0;
}

typedef int(vector_run_fn)(struct yaml_doc *d);

static int run_vector_file(const char *path, vector_run_fn *run)
{
    size_t len = 0;
    char *buf = test_read_file(path, &len);
    struct yaml_doc *d = calloc(1, sizeof(*d));
    int rc = 1;

    if (buf == NULL || d == NULL) {
        fprintf(stderr, "  %s: cannot read\n", path);
        goto cleanup;
    }
    if (yaml_parse(d, path, buf, false) != 0) {
        goto cleanup;
    }
    rc = run(d);
cleanup:
    free(d);
    free(buf);
    return rc;
}

/* Run an inline case quietly: 0 when it passes. */
static int run_inline_with(vector_run_fn *run, const char *text)
{
    size_t len = strlen(text);
    char *buf = malloc(len + 1);
    struct yaml_doc *d = calloc(1, sizeof(*d));
    int rc = 1;

    if (buf == NULL || d == NULL) {
        goto cleanup;
    }
    memcpy(buf, text, len + 1);
    if (yaml_parse(d, "inline", buf, true) != 0) {
        goto cleanup;
    }
    rc = run(d);
cleanup:
    free(d);
    free(buf);
    return rc;
}

static int run_inline_vector(const char *text)
{
    return run_inline_with(run_standard_vector, text);
}

#define VECTOR_HEAD "given:\n  max_attempts: 3\n  exponential_base: 1\nresponses:\n"
#define RETRY_500(quota, delay)                                                                    \
    "  - response:\n      status_code: 500\n    expected:\n      outcome: retry_request\n"         \
    "      retry_quota: " quota "\n      delay: " delay "\n"
#define SUCCESS(quota)                                                                             \
    "  - response:\n      status_code: 200\n    expected:\n      outcome: success\n"               \
    "      retry_quota: " quota "\n"

static int fails_a_vector_whose_expectations_differ(void)
{
    static const char *const bad[] = {
        VECTOR_HEAD RETRY_500("494", "1") SUCCESS("500"),   /* quota */
        VECTOR_HEAD RETRY_500("495", "0.5") SUCCESS("500"), /* delay */
        VECTOR_HEAD RETRY_500("495", "1") SUCCESS("499"),   /* refund */
        VECTOR_HEAD RETRY_500(
            "495",
            "1") "  - response:\n      status_code: 500\n    expected:\n      outcome: success\n"
                 "      retry_quota: 490\n", /* outcome */
        VECTOR_HEAD "  - response:\n      status_code: 500\n      headers:\n"
                    "        x-amz-retry-after: 1500\n    expected:\n"
                    "      outcome: retry_request\n      retry_quota: 495\n      delay: 1\n",
        "given:\n  exponential_power: 3\nresponses:\n" SUCCESS("500"),
        "given:\n  max_attempts: 3\n", /* no responses */
    };
    size_t i = 0;

    CHECK(run_inline_vector(VECTOR_HEAD RETRY_500("495", "1") SUCCESS("500")) == 0,
          "the unmodified case passes");
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (run_inline_vector(bad[i]) == 0) {
            fprintf(stderr, "  case %zu passed but should not have:\n%s", i, bad[i]);
            return 1;
        }
    }
    return 0;
}

#define CUBIC_HEAD "given:\n  last_max_rate: 10\n  last_throttle_time: 5\ncases:\n"
#define CUBIC_CASE(response, t, rate)                                                              \
    "  - response: " response "\n    timestamp: " t "\n    calculated_rate: " rate "\n"
#define E2E_CASE(response, t, measured, fill)                                                      \
    "  - response: " response "\n    timestamp: " t "\n    measured_tx_rate: " measured            \
    "\n    new_token_bucket_rate: " fill "\n"

static int fails_an_adaptive_vector_whose_expectations_differ(void)
{
    static const char *const bad_cubic[] = {
        CUBIC_HEAD CUBIC_CASE("success", "5", "7.000001"), /* rate off by 1e-6 */
        CUBIC_HEAD CUBIC_CASE("success", "6", "7"),        /* wrong time */
        CUBIC_HEAD CUBIC_CASE("throttled", "5", "7"),      /* unknown response */
        CUBIC_HEAD CUBIC_CASE("success", "5", "7") CUBIC_CASE("throttle", "6", "7"), /* 0.7 * 7 */
        CUBIC_HEAD "  - response: success\n    calculated_rate: 7\n", /* no timestamp */
        CUBIC_HEAD "  - response: success\n    timestamp: 5\n",       /* no rate */
        "given:\n  last_max_rate: 10\ncases:\n" CUBIC_CASE("success", "5", "7"),
        CUBIC_HEAD CUBIC_CASE("success", "5", "7") "    delay: 1\n", /* unknown key */
        CUBIC_HEAD,                                                  /* no cases */
    };
    static const char *const bad_e2e[] = {
        "cases:\n" E2E_CASE("success", "0.6", "1.6", "0.6"),   /* fill rate */
        "cases:\n" E2E_CASE("success", "0.6", "1.599", "0.5"), /* measured rate */
        "cases:\n" E2E_CASE("throttle", "0.6", "1.6", "0.5"),  /* 0.7 * 1.6 */
        "given:\n  last_max_rate: 1\ncases:\n" E2E_CASE("success", "0.6", "1.6", "0.5"),
        "cases:\n  - response: success\n    timestamp: 0.6\n    measured_tx_rate: 1.6\n",
    };
    size_t i = 0;

    CHECK(run_inline_with(run_cubic_vector, CUBIC_HEAD CUBIC_CASE("success", "5", "7")
                                                CUBIC_CASE("throttle", "6", "4.9")) == 0,
          "the unmodified cubic case passes");
    CHECK(run_inline_with(run_end_to_end_vector,
                          "cases:\n" E2E_CASE("success", "0.6", "1.6", "0.5")
                              E2E_CASE("throttle", "0.8", "1.6", "1.12")) == 0,
          "the unmodified end-to-end case passes");
    for (i = 0; i < sizeof(bad_cubic) / sizeof(bad_cubic[0]); i++) {
        if (run_inline_with(run_cubic_vector, bad_cubic[i]) == 0) {
            fprintf(stderr, "  cubic case %zu passed but should not have:\n%s", i, bad_cubic[i]);
            return 1;
        }
    }
    for (i = 0; i < sizeof(bad_e2e) / sizeof(bad_e2e[0]); i++) {
        if (run_inline_with(run_end_to_end_vector, bad_e2e[i]) == 0) {
            fprintf(stderr, "  end-to-end case %zu passed but should not have:\n%s", i, bad_e2e[i]);
            return 1;
        }
    }
    return 0;
}

/* ======== runner ======== */

static const struct test_case cases[] = {
    {"classifies_every_sdk_throttling_code_as_throttling",
     classifies_every_sdk_throttling_code_as_throttling},
    {"matches_throttling_codes_exactly", matches_throttling_codes_exactly},
    {"classifies_http_429_as_throttling", classifies_http_429_as_throttling},
    {"classifies_500_502_503_504_as_transient", classifies_500_502_503_504_as_transient},
    {"classifies_transient_codes_as_transient", classifies_transient_codes_as_transient},
    {"does_not_retry_other_client_and_server_errors",
     does_not_retry_other_client_and_server_errors},
    {"classifies_connection_failures_as_transient", classifies_connection_failures_as_transient},
    {"classifies_timeouts_as_timeout", classifies_timeouts_as_timeout},
    {"does_not_retry_errors_raised_before_sending", does_not_retry_errors_raised_before_sending},
    {"retries_an_unreadable_body_only_by_its_status",
     retries_an_unreadable_body_only_by_its_status},
    {"classify_tolerates_null", classify_tolerates_null},
    {"backs_off_exponentially_with_jitter", backs_off_exponentially_with_jitter},
    {"caps_backoff_at_twenty_seconds", caps_backoff_at_twenty_seconds},
    {"scales_backoff_by_the_base_delay", scales_backoff_by_the_base_delay},
    {"charges_ten_tokens_for_a_retry_after_a_timeout",
     charges_ten_tokens_for_a_retry_after_a_timeout},
    {"stops_when_the_quota_cannot_pay", stops_when_the_quota_cannot_pay},
    {"exhausts_a_full_quota_after_one_hundred_retries",
     exhausts_a_full_quota_after_one_hundred_retries},
    {"refunds_the_last_retry_cost_on_success", refunds_the_last_retry_cost_on_success},
    {"gives_one_token_back_on_a_first_try_success", gives_one_token_back_on_a_first_try_success},
    {"never_refunds_above_the_maximum", never_refunds_above_the_maximum},
    {"makes_no_retry_when_max_attempts_is_one", makes_no_retry_when_max_attempts_is_one},
    {"stops_at_max_attempts_before_charging_the_quota",
     stops_at_max_attempts_before_charging_the_quota},
    {"does_not_retry_a_non_retryable_failure", does_not_retry_a_non_retryable_failure},
    {"uses_the_defaults_for_unset_policy_fields", uses_the_defaults_for_unset_policy_fields},
    {"clamps_jitter_to_zero_to_one", clamps_jitter_to_zero_to_one},
    {"treats_attempt_numbers_below_one_as_the_first",
     treats_attempt_numbers_below_one_as_the_first},
    {"runs_without_a_quota_or_out_pointers", runs_without_a_quota_or_out_pointers},
    {"starts_the_quota_full_and_never_negative", starts_the_quota_full_and_never_negative},
    {"decides_adaptive_retries_as_standard", decides_adaptive_retries_as_standard},
    {"lets_everything_through_until_the_first_throttle",
     lets_everything_through_until_the_first_throttle},
    {"waits_when_the_bucket_is_empty", waits_when_the_bucket_is_empty},
    {"lowers_the_fill_rate_on_a_throttle_and_recovers",
     lowers_the_fill_rate_on_a_throttle_and_recovers},
    {"never_fills_below_the_minimum_rate", never_fills_below_the_minimum_rate},
    {"bursts_no_more_than_the_rate_after_idling", bursts_no_more_than_the_rate_after_idling},
    {"takes_the_token_it_promised_at_epoch_times", takes_the_token_it_promised_at_epoch_times},
    {"treats_a_clock_step_back_as_no_time_passing", treats_a_clock_step_back_as_no_time_passing},
    {"takes_a_non_finite_time_as_the_latest_seen", takes_a_non_finite_time_as_the_latest_seen},
    {"measures_from_the_whole_second_it_started_in", measures_from_the_whole_second_it_started_in},
    {"rate_limiter_tolerates_null", rate_limiter_tolerates_null},
    {"computes_the_cubic_curve_as_botocore", computes_the_cubic_curve_as_botocore},
    {"reads_the_yaml_subset_of_the_vectors", reads_the_yaml_subset_of_the_vectors},
    {"refuses_yaml_outside_the_subset", refuses_yaml_outside_the_subset},
    {"fails_a_vector_whose_expectations_differ", fails_a_vector_whose_expectations_differ},
    {"fails_an_adaptive_vector_whose_expectations_differ",
     fails_an_adaptive_vector_whose_expectations_differ},
};

/* Vector folders: run, or list as skipped with the reason our semantics differ. */
struct vector_dir {
    const char *dir;         /* under tests/vectors/retry */
    const char *label;       /* case names are retry.<label>/<file name without .yaml> */
    int expect;              /* number of case files the folder must hold */
    vector_run_fn *run;      /* how to run one case file */
    const char *skip_reason; /* NULL: run every case */
};

#define SKIP_2026                                                                                  \
    "2026 revision: retry cost 14 (transient) / 5 (throttling), transient base delay 50 ms, "      \
    "x-amz-retry-after; ours: cost 5 (10 after a timeout), base 1 s"

static const struct vector_dir vector_dirs[] = {
    {"standard/integration", "standard", 6, run_standard_vector, NULL},
    {"standard-2026/integration", "standard-2026", 12, run_standard_vector, SKIP_2026},
    {"standard-2026/long-polling", "standard-2026/long-polling", 5, run_standard_vector,
     SKIP_2026 "; App Mesh has no long-polling operations"},
    {"standard-2026/multi-invocation", "standard-2026/multi-invocation", 1, run_standard_vector,
     SKIP_2026},
    {"standard-2026/multi-threaded", "standard-2026/multi-threaded", 1, run_standard_vector,
     SKIP_2026},
    {"adaptive/cubic", "adaptive/cubic", 2, run_cubic_vector, NULL},
    {"adaptive/end-to-end", "adaptive/end-to-end", 1, run_end_to_end_vector, NULL},
};

static int yaml_file_filter(const struct dirent *e)
{
    size_t n = strlen(e->d_name);
    return n > 5 && strcmp(e->d_name + n - 5, ".yaml") == 0;
}

struct tally {
    int passed, failed, skipped;
};

static void record(struct tally *t, int rc, const char *name)
{
    printf("%s retry.%s\n", rc == 0 ? "ok  " : "FAIL", name);
    if (rc == 0) {
        t->passed++;
    } else {
        t->failed++;
    }
}

static void run_vector_dir(const struct vector_dir *vd, const char *only, struct tally *t)
{
    char dir[512];
    struct dirent **names = NULL;
    int n = 0, i = 0;

    snprintf(dir, sizeof(dir), "%s/%s", VECTORS, vd->dir);
    n = scandir(dir, &names, yaml_file_filter, alphasort);
    if (n < 0 || n != vd->expect) {
        char name[600];
        fprintf(stderr, "  %s: %d case files, want %d\n", dir, n, vd->expect);
        snprintf(name, sizeof(name), "%s (case files)", vd->dir);
        record(t, 1, name);
    }
    for (i = 0; i < n; i++) {
        char name[600], path[1024];
        size_t len = strlen(names[i]->d_name) - 5;
        snprintf(name, sizeof(name), "%s/%.*s", vd->label, (int)len, names[i]->d_name);
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
        free(names[i]);
        if (only != NULL && strcmp(only, name) != 0) {
            continue;
        }
        if (vd->skip_reason != NULL) {
            printf("skip retry.%s (%s)\n", name, vd->skip_reason);
            t->skipped++;
            continue;
        }
        test_alloc_reset();
        record(t, run_vector_file(path, vd->run), name);
    }
    free(names);
}

int main(int argc, char **argv)
{
    const char *only = argc > 1 ? argv[1] : NULL;
    struct tally t = {0, 0, 0};
    size_t i = 0;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc = 0;
        if (only != NULL && strcmp(only, cases[i].name) != 0) {
            continue;
        }
        test_alloc_reset();
        rc = cases[i].fn();
        if (rc == 0 && test_alloc_state.live_blocks != 0) {
            fprintf(stderr, "  leak: %ld blocks still allocated\n", test_alloc_state.live_blocks);
            rc = 1;
        }
        record(&t, rc, cases[i].name);
    }
    for (i = 0; i < sizeof(vector_dirs) / sizeof(vector_dirs[0]); i++) {
        run_vector_dir(&vector_dirs[i], only, &t);
    }
    printf("retry: %d passed, %d failed, %d skipped\n", t.passed, t.failed, t.skipped);
    return t.failed == 0 && t.passed > 0 ? 0 : 1;
}
