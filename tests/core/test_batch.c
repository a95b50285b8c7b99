/* SPDX-License-Identifier: MIT */
/* Batch tests: the concurrent driver's queueing, retries and timers over a canned transport. */
#include "appmesh/appmesh.h"
#include "rig.h"

static int runs_every_call_and_hands_back_ids_and_user_data(void)
{
    static const struct canned script[] = {
        {200, APPMESH_OK, "x-amzn-RequestId: a\r\n", OK_BODY},
        {404, APPMESH_OK, "x-amzn-ErrorType: NotFoundException\r\n", "{\"message\":\"nope\"}"},
        {200, APPMESH_OK, "x-amzn-RequestId: c\r\n", OK_BODY},
    };
    struct appmesh_error err = {0};
    struct rig r;
    struct appmesh_batch *b = NULL;
    struct appmesh_update_virtual_service_input in = node_input();
    struct appmesh_batch_result res;
    int users[3] = {10, 20, 30};
    uint64_t ids[3] = {0};
    int i = 0, taken = 0, guard = 0;

    CHECK_OK(rig_open(&r, script, 3, &err), &err);
    CHECK_OK(rig_client(&r, &err), &err);
    CHECK_OK(appmesh_batch_new(r.client, NULL, &b, &err), &err);
    for (i = 0; i < 3; i++) {
        CHECK_OK(appmesh_batch_add_update(b, &in, &users[i], &ids[i], &err), &err);
    }
    CHECK(ids[0] != ids[1] && ids[1] != ids[2], "distinct ids");
    CHECK_INT_EQ(appmesh_batch_pending(b), 3);
    while (appmesh_batch_pending(b) > 0 && guard++ < 100) {
        CHECK_OK(appmesh_batch_perform(b, 1.0, &err), &err);
        while (appmesh_batch_take(b, &res)) {
            CHECK(res.id == ids[taken], "results in order on one transport");
            CHECK(res.user == &users[taken], "user data comes back");
            if (taken == 1) {
                CHECK_INT_EQ(res.status, APPMESH_ERR_SERVICE);
                CHECK_STR_EQ(res.err.aws_code, "NotFoundException");
                CHECK(res.data.mesh_name == NULL, "no data on failure");
            } else {
                CHECK_OK(res.status, &res.err);
                CHECK_STR_EQ(res.data.mesh_name, "ecs-mesh");
                CHECK_INT_EQ(res.info.attempts, 1);
                CHECK_INT_EQ(strlen(res.info.client_token), 36);
            }
            appmesh_virtual_service_data_cleanup(&res.data);
            taken++;
        }
    }
    CHECK_INT_EQ(taken, 3);
    CHECK_INT_EQ(r.fake.sent_count, 3);
    appmesh_batch_destroy(b);
    appmesh_client_destroy(r.client);
    return 0;
}

static int refuses_invalid_input_when_added(void)
{
    struct appmesh_error err = {0};
    struct rig r;
    struct appmesh_batch *b = NULL;
    struct appmesh_update_virtual_service_input in = node_input();

    in.mesh_owner = "123";
    CHECK_OK(rig_open(&r, NULL, 0, &err), &err);
    CHECK_OK(rig_client(&r, &err), &err);
    CHECK_OK(appmesh_batch_new(r.client, NULL, &b, &err), &err);
    CHECK_STATUS(appmesh_batch_add_update(b, &in, NULL, NULL, &err), APPMESH_ERR_VALIDATION, &err);
    CHECK_STR_EQ(err.field, "meshOwner");
    CHECK_INT_EQ(appmesh_batch_pending(b), 0);
    appmesh_batch_destroy(b);
    appmesh_client_destroy(r.client);
    return 0;
}

static int retries_after_backoff_with_the_same_token(void)
{
    static const struct canned script[] = {
        {429, APPMESH_OK, "x-amzn-ErrorType: ThrottlingException\r\n", "{\"message\":\"slow\"}"},
        {200, APPMESH_OK, NULL, OK_BODY},
    };
    struct appmesh_error err = {0};
    struct rig r;
    struct appmesh_batch *b = NULL;
    struct appmesh_update_virtual_service_input in = node_input();
    struct appmesh_batch_result res;
    int guard = 0;
    bool got = false;

    in.client_token = "batch-token";
    CHECK_OK(rig_open(&r, script, 2, &err), &err);
    CHECK_OK(rig_client(&r, &err), &err);
    CHECK_OK(appmesh_batch_new(r.client, NULL, &b, &err), &err);
    CHECK_OK(appmesh_batch_add_update(b, &in, NULL, NULL, &err), &err);
    while (!got && guard++ < 100) {
        CHECK_OK(appmesh_batch_perform(b, 5.0, &err), &err);
        got = appmesh_batch_take(b, &res);
    }
    CHECK(got, "a result");
    CHECK_OK(res.status, &res.err);
    CHECK_INT_EQ(res.info.attempts, 2);
    CHECK_STR_EQ(res.info.client_token, "batch-token");
    CHECK(strstr(r.fake.sent[0].body, "batch-token") != NULL, "token sent");
    CHECK_STR_EQ(r.fake.sent[1].body, r.fake.sent[0].body);
    CHECK(r.clock_state.now >= 1440938160.0 + 0.5, "waited out the backoff");
    appmesh_virtual_service_data_cleanup(&res.data);
    appmesh_batch_destroy(b);
    appmesh_client_destroy(r.client);
    return 0;
}

static int corrects_clock_skew_and_retries_at_once(void)
{
    static const struct canned script[] = {
        {403, APPMESH_OK,
         "x-amzn-ErrorType: InvalidSignatureException\r\n"
         "Date: Sun, 30 Aug 2015 13:36:00 GMT\r\n",
         "{\"message\":\"Signature expired: 20150830T123600Z is now earlier than "
         "20150830T132100Z (20150830T133600Z - 15 min.)\"}"},
        {200, APPMESH_OK, NULL, OK_BODY},
    };
    struct appmesh_error err = {0};
    struct rig r;
    struct appmesh_batch *b = NULL;
    struct appmesh_update_virtual_service_input in = node_input();
    struct appmesh_batch_result res;
    int guard = 0;
    bool got = false;

    CHECK_OK(rig_open(&r, script, 2, &err), &err);
    CHECK_OK(rig_client(&r, &err), &err);
    CHECK_OK(appmesh_batch_new(r.client, NULL, &b, &err), &err);
    CHECK_OK(appmesh_batch_add_update(b, &in, NULL, NULL, &err), &err);
    while (!got && guard++ < 100) {
        CHECK_OK(appmesh_batch_perform(b, 5.0, &err), &err);
        got = appmesh_batch_take(b, &res);
    }
    CHECK(got, "a result");
    CHECK_OK(res.status, &res.err);
    CHECK_INT_EQ(res.info.attempts, 2);
    CHECK(strstr(r.fake.sent[1].headers, "X-Amz-Date: 20150830T133600Z\n") != NULL,
          "the retry is signed with the server's time");
    CHECK(r.clock_state.now == 1440938160.0, "no backoff");
    appmesh_virtual_service_data_cleanup(&res.data);
    appmesh_batch_destroy(b);
    appmesh_client_destroy(r.client);
    return 0;
}

static int spaces_starts_to_honour_the_rate(void)
{
    static const struct canned script[] = {
        {200, APPMESH_OK, NULL, OK_BODY},
        {200, APPMESH_OK, NULL, OK_BODY},
        {200, APPMESH_OK, NULL, OK_BODY},
        {200, APPMESH_OK, NULL, OK_BODY},
    };
    struct appmesh_error err = {0};
    struct rig r;
    struct appmesh_batch *b = NULL;
    struct appmesh_batch_options o = {0};
    struct appmesh_update_virtual_service_input in = node_input();
    struct appmesh_batch_result res;
    double start = 0;
    int i = 0, taken = 0, guard = 0;

    CHECK_OK(rig_open(&r, script, 4, &err), &err);
    CHECK_OK(rig_client(&r, &err), &err);
    o.rate = 2.0;
    CHECK_OK(appmesh_batch_new(r.client, &o, &b, &err), &err);
    for (i = 0; i < 4; i++) {
        CHECK_OK(appmesh_batch_add_update(b, &in, NULL, NULL, &err), &err);
    }
    start = r.clock_state.now;
    while (taken < 4 && guard++ < 100) {
        CHECK_OK(appmesh_batch_perform(b, 10.0, &err), &err);
        while (appmesh_batch_take(b, &res)) {
            appmesh_virtual_service_data_cleanup(&res.data);
            taken++;
        }
    }
    CHECK_INT_EQ(taken, 4);
    /* 4 starts at 2 per second: the last starts 1.5 s after the first. */
    CHECK(r.clock_state.now - start >= 1.5 - 1e-9, "rate limited");
    CHECK(r.clock_state.now - start < 2.0, "not slower than the rate");
    appmesh_batch_destroy(b);
    appmesh_client_destroy(r.client);
    return 0;
}

static int abandons_queued_calls_on_destroy_without_leaks(void)
{
    struct appmesh_error err = {0};
    struct rig r;
    struct appmesh_batch *b = NULL;
    struct appmesh_update_virtual_service_input in = node_input();
    int i = 0;

    CHECK_OK(rig_open(&r, NULL, 0, &err), &err);
    CHECK_OK(rig_client(&r, &err), &err);
    CHECK_OK(appmesh_batch_new(r.client, NULL, &b, &err), &err);
    for (i = 0; i < 50; i++) {
        CHECK_OK(appmesh_batch_add_update(b, &in, NULL, NULL, &err), &err);
    }
    appmesh_batch_destroy(b);
    appmesh_client_destroy(r.client);
    return 0;
}

static int refuses_a_rate_or_concurrency_out_of_range(void)
{
    /* rate = 1e-9 was taken and the batch never finished */
    static const struct {
        double rate;
        int concurrency;
        const char *field;
        const char *message;
    } cases[] = {
        {-1, 0, "rate", "rate must be from 0.01 to 1e+06 requests per second, got -1"},
        {1e-9, 0, "rate", "rate must be from 0.01 to 1e+06 requests per second, got 1e-09"},
        {2e6, 0, "rate", "rate must be from 0.01 to 1e+06 requests per second, got 2e+06"},
        {0, -1, "concurrency", "concurrency must be from 1 to 1024, got -1"},
        {0, 1025, "concurrency", "concurrency must be from 1 to 1024, got 1025"},
    };
    struct appmesh_error err = {0};
    struct rig r;

    CHECK_OK(rig_open(&r, NULL, 0, &err), &err);
    CHECK_OK(rig_client(&r, &err), &err);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct appmesh_batch *b = NULL;
        struct appmesh_batch_options o = {cases[i].concurrency, cases[i].rate};
        struct appmesh_error e = {0};
        CHECK_STATUS(appmesh_batch_new(r.client, &o, &b, &e), APPMESH_ERR_VALIDATION, &e);
        CHECK_STR_EQ(e.field, cases[i].field);
        CHECK_STR_EQ(e.message, cases[i].message);
        CHECK(b == NULL, "no batch");
    }
    appmesh_client_destroy(r.client);
    return 0;
}

static int runs_describe_and_list_calls_too(void)
{
    static const struct canned script[] = {
        {200, APPMESH_OK, NULL, OK_BODY},
        {200, APPMESH_OK, NULL, "{\"virtualServices\":[],\"nextToken\":null}"},
    };
    struct appmesh_error err = {0};
    struct rig r;
    struct appmesh_batch *b = NULL;
    struct appmesh_describe_virtual_service_input d = {
        "ecs-mesh", "colorgateway.default.svc.cluster.local", NULL};
    struct appmesh_list_virtual_services_input l = {0};
    struct appmesh_batch_result res;
    int taken = 0, guard = 0;

    l.mesh_name = "ecs-mesh";
    CHECK_OK(rig_open(&r, script, 2, &err), &err);
    CHECK_OK(rig_client(&r, &err), &err);
    CHECK_OK(appmesh_batch_new(r.client, NULL, &b, &err), &err);
    CHECK_OK(appmesh_batch_add_describe(b, &d, NULL, NULL, &err), &err);
    CHECK_OK(appmesh_batch_add_list(b, &l, NULL, NULL, &err), &err);
    while (taken < 2 && guard++ < 100) {
        CHECK_OK(appmesh_batch_perform(b, 1.0, &err), &err);
        while (appmesh_batch_take(b, &res)) {
            CHECK_OK(res.status, &res.err);
            if (taken == 0) {
                CHECK_INT_EQ(res.op, APPMESH_BATCH_DESCRIBE);
                CHECK_STR_EQ(res.data.mesh_name, "ecs-mesh");
            } else {
                CHECK_INT_EQ(res.op, APPMESH_BATCH_LIST);
                CHECK_INT_EQ(res.list.count, 0);
                CHECK(res.list.next_token == NULL, "last page");
            }
            appmesh_virtual_service_data_cleanup(&res.data);
            appmesh_virtual_service_list_cleanup(&res.list);
            taken++;
        }
    }
    CHECK_INT_EQ(taken, 2);
    CHECK_STR_EQ(r.fake.sent[0].method, "GET");
    appmesh_batch_destroy(b);
    appmesh_client_destroy(r.client);
    return 0;
}

static int fdset_refuses_missing_arguments(void)
{
    /* It crashed on any NULL, where every other fallible call says INVALID_ARGUMENT. */
    struct appmesh_error err = {0};
    struct rig r;
    struct appmesh_batch *b = NULL;
    fd_set rd, wr, ex;
    int max_fd = 0;
    double timeout = 0;

    CHECK_OK(rig_open(&r, NULL, 0, &err), &err);
    CHECK_OK(rig_client(&r, &err), &err);
    CHECK_OK(appmesh_batch_new(r.client, NULL, &b, &err), &err);
    FD_ZERO(&rd);
    FD_ZERO(&wr);
    FD_ZERO(&ex);
    CHECK_STATUS(appmesh_batch_fdset(NULL, &rd, &wr, &ex, &max_fd, &timeout, &err),
                 APPMESH_ERR_INVALID_ARGUMENT, &err);
    CHECK_STR_EQ(err.message, "appmesh_batch_fdset: batch, the three sets, max_fd and timeout "
                              "are required");
    appmesh_error_clear(&err);
    CHECK_STATUS(appmesh_batch_fdset(b, NULL, &wr, &ex, &max_fd, &timeout, &err),
                 APPMESH_ERR_INVALID_ARGUMENT, &err);
    appmesh_error_clear(&err);
    CHECK_STATUS(appmesh_batch_fdset(b, &rd, &wr, &ex, NULL, &timeout, &err),
                 APPMESH_ERR_INVALID_ARGUMENT, &err);
    appmesh_error_clear(&err);
    CHECK_STATUS(appmesh_batch_fdset(b, &rd, &wr, &ex, &max_fd, NULL, &err),
                 APPMESH_ERR_INVALID_ARGUMENT, &err);
    appmesh_error_clear(&err);
    CHECK_OK(appmesh_batch_fdset(b, &rd, &wr, &ex, &max_fd, &timeout, &err), &err);
    CHECK_INT_EQ(max_fd, -1);
    CHECK(timeout < 0, "nothing queued: no deadline");
    appmesh_batch_destroy(b);
    appmesh_client_destroy(r.client);
    return 0;
}

static const struct test_case cases[] = {
    {"fdset_refuses_missing_arguments", fdset_refuses_missing_arguments},
    {"corrects_clock_skew_and_retries_at_once", corrects_clock_skew_and_retries_at_once},
    {"runs_describe_and_list_calls_too", runs_describe_and_list_calls_too},
    {"runs_every_call_and_hands_back_ids_and_user_data",
     runs_every_call_and_hands_back_ids_and_user_data},
    {"refuses_invalid_input_when_added", refuses_invalid_input_when_added},
    {"retries_after_backoff_with_the_same_token", retries_after_backoff_with_the_same_token},
    {"spaces_starts_to_honour_the_rate", spaces_starts_to_honour_the_rate},
    {"abandons_queued_calls_on_destroy_without_leaks",
     abandons_queued_calls_on_destroy_without_leaks},
    {"refuses_a_rate_or_concurrency_out_of_range", refuses_a_rate_or_concurrency_out_of_range},
};

TEST_MAIN("batch", cases)
