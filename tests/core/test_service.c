/* SPDX-License-Identifier: MIT */
/* The calls' shared state: settings, clock, random source, interrupts, retry state. */
#include "internal.h"
#include "retry.h"
#include "rig.h"
#include "service.h"

static bool interrupt_after_two(void *ud)
{
    int *n = ud;
    return ++*n > 2;
}

static int resolves_settings_and_injected_hooks(void)
{
    struct appmesh_error err = {0};
    struct am_service s;
    struct rig r;

    CHECK_OK(rig_open(&r, NULL, 0, &err), &err);
    r.opts.max_attempts = 5;
    r.opts.retry_mode = "adaptive";
    CHECK_OK(am_service_init(&s, &test_allocator, &r.opts, &err), &err);
    CHECK_STR_EQ(s.settings.region, "us-east-1");
    CHECK_STR_EQ(am_buf_cstr(&s.endpoint), "http://127.0.0.1:9000");
    CHECK(s.custom_endpoint, "configured endpoint");
    CHECK(s.transport == &r.transport && !s.own_transport, "injected transport, borrowed");
    CHECK_INT_EQ(s.policy.max_attempts, 5);
    CHECK_INT_EQ(s.policy.mode, AM_RETRY_MODE_ADAPTIVE);
    CHECK(am_service_now(&s) == 1440938160.0, "injected clock");
    CHECK(am_service_random(&s) == 0.5, "injected random");
    CHECK(am_service_sleep(&s, 1.5), "not interrupted");
    CHECK(am_service_now(&s) == 1440938161.5, "slept on the injected clock");
    CHECK(!am_service_interrupted(&s), "no interrupt hook");
    am_service_cleanup(&s);
    am_service_cleanup(&s); /* safe twice */
    return 0;
}

static int sleeps_in_slices_and_notices_an_interrupt(void)
{
    struct appmesh_error err = {0};
    struct am_service s;
    struct rig r;
    int polls = 0;

    CHECK_OK(rig_open(&r, NULL, 0, &err), &err);
    r.opts.interrupt = interrupt_after_two;
    r.opts.interrupt_ud = &polls;
    CHECK_OK(am_service_init(&s, &test_allocator, &r.opts, &err), &err);
    CHECK(!am_service_sleep(&s, 10.0), "interrupted");
    CHECK(r.clock_state.sleeps <= 2, "stopped within two 50 ms slices");
    am_service_cleanup(&s);
    return 0;
}

static int refuses_bad_options(void)
{
    struct appmesh_error err = {0};
    struct am_service s;
    struct rig r;

    CHECK_OK(rig_open(&r, NULL, 0, &err), &err);
    r.opts.timeout = -1;
    CHECK_STATUS(am_service_init(&s, &test_allocator, &r.opts, &err), APPMESH_ERR_VALIDATION, &err);
    CHECK_STR_EQ(err.field, "timeout");
    am_service_cleanup(&s); /* after a failed init too */
    return 0;
}

/* Without a region or endpoint the service still starts; the first call says why it cannot. */
static int keeps_the_endpoint_error_for_the_first_call(void)
{
    static const char *const no_region_env[] = {"HOME", "/nonexistent-appmesh-test-home",
                                                "AWS_EC2_METADATA_DISABLED", "true", NULL};
    struct appmesh_error err = {0};
    struct am_service s;
    struct rig r;

    CHECK_OK(rig_open(&r, NULL, 0, &err), &err);
    r.opts.endpoint = NULL;
    r.opts.getenv_ud = (void *)no_region_env;
    CHECK_OK(am_service_init(&s, &test_allocator, &r.opts, &err), &err);
    CHECK_INT_EQ(s.endpoint.len, 0);
    CHECK_INT_EQ(s.endpoint_err.status, APPMESH_ERR_ENDPOINT);
    CHECK(strstr(s.endpoint_err.message, "no region configured") != NULL, s.endpoint_err.message);
    am_service_cleanup(&s);
    return 0;
}

struct oom_ctx {
    struct rig r;
};

static enum appmesh_status oom_body(void *ctxp)
{
    struct oom_ctx *ctx = ctxp;
    struct appmesh_error err = {0};
    struct am_service s;
    enum appmesh_status st;

    rig_open(&ctx->r, NULL, 0, &err);
    st = am_service_init(&s, &test_allocator, &ctx->r.opts, &err);
    if (st == APPMESH_OK) {
        am_service_cleanup(&s);
    }
    return st;
}

static int survives_every_allocation_failure(void)
{
    struct oom_ctx ctx;
    (void)node_input;
    (void)rig_client;
    return test_oom_loop(oom_body, &ctx, 300);
}

static const struct test_case cases[] = {
    {"resolves_settings_and_injected_hooks", resolves_settings_and_injected_hooks},
    {"sleeps_in_slices_and_notices_an_interrupt", sleeps_in_slices_and_notices_an_interrupt},
    {"refuses_bad_options", refuses_bad_options},
    {"keeps_the_endpoint_error_for_the_first_call", keeps_the_endpoint_error_for_the_first_call},
    {"survives_every_allocation_failure", survives_every_allocation_failure},
};

TEST_MAIN("service", cases)
