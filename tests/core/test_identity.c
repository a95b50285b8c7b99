/* SPDX-License-Identifier: MIT */
/* Tests for identity.c: the names a call expects its answer to echo, and the check that it does. */
#include <cjson/cJSON.h>
#include <string.h>

#include "harness.h"
#include "identity.h"
#include "opjson.h"

/* The expected names of a route: mesh "m", router "r", route "x". */
static enum appmesh_status expect_route(struct appmesh_buf *expect, struct appmesh_error *err)
{
    enum appmesh_status st = am_identity_expect(expect, "meshName", "m", err);
    if (st == APPMESH_OK) {
        st = am_identity_expect(expect, "virtualRouterName", "r", err);
    }
    if (st == APPMESH_OK) {
        st = am_identity_expect(expect, "routeName", "x", err);
    }
    return st;
}

static int accepts_the_names_asked_for_and_any_other(void)
{
    struct appmesh_error err = {0};
    struct appmesh_buf expect = {0};

    am_buf_init(&expect, &test_allocator, 0);
    CHECK_OK(expect_route(&expect, &err), &err);
    CHECK_OK(am_identity_check(&expect, "meshName", "m", true, "the answer", &err), &err);
    CHECK_OK(am_identity_check(&expect, "routeName", "x", true, "the answer", &err), &err);
    /* a name nobody asked about is not checked, present or not */
    CHECK_OK(am_identity_check(&expect, "virtualNodeName", "anything", true, "the answer", &err),
             &err);
    CHECK_OK(am_identity_check(&expect, "virtualNodeName", NULL, true, "the answer", &err), &err);
    /* an absent name the model does not require is accepted */
    CHECK_OK(am_identity_check(&expect, "meshName", NULL, false, "the answer", &err), &err);
    appmesh_buf_cleanup(&expect);

    /* nothing expected: nothing to refuse */
    CHECK_OK(am_identity_check(&expect, "meshName", "other", true, "the answer", &err), &err);
    return 0;
}

static int refuses_another_name_or_a_required_one_missing(void)
{
    static const struct {
        const char *member, *got;
        bool required;
        const char *where, *message;
    } cases[] = {
        {"meshName", "evil", true, "the answer",
         "the answer is about meshName 'evil', not 'm' as asked: the answer is not taken"},
        {"routeName", "x2", false, "routes[3] of the answer",
         "routes[3] of the answer is about routeName 'x2', not 'x' as asked: the answer is not "
         "taken"},
        {"virtualRouterName", NULL, true, "the answer",
         "the answer has no virtualRouterName, where 'r' was asked for: the answer is not taken"},
        /* names compare exactly: no case folding, no prefix match */
        {"meshName", "M", true, "the answer",
         "the answer is about meshName 'M', not 'm' as asked: the answer is not taken"},
        {"meshName", "m ", true, "the answer",
         "the answer is about meshName 'm ', not 'm' as asked: the answer is not taken"},
    };
    struct appmesh_buf expect = {0};
    struct appmesh_error err = {0};

    am_buf_init(&expect, &test_allocator, 0);
    CHECK_OK(expect_route(&expect, &err), &err);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        appmesh_error_clear(&err);
        CHECK_STATUS(am_identity_check(&expect, cases[i].member, cases[i].got, cases[i].required,
                                       cases[i].where, &err),
                     APPMESH_ERR_RESPONSE, &err);
        CHECK_STR_EQ(err.message, cases[i].message);
    }
    appmesh_buf_cleanup(&expect);
    return 0;
}

static int expects_the_string_names_of_the_input(void)
{
    static const char NAMES[] = "meshName\0m\0routeName\0x\0"; /* "member\0value\0" pairs */
    struct appmesh_error err = {0};
    struct appmesh_buf expect = {0};
    const struct am_operation *op = NULL;
    /* meshOwner is not a name; a name that is not a string is not expected (validation
     * refuses such input before any call); nested names (spec...) are not the resource's */
    cJSON *input = cJSON_Parse("{\"meshName\":\"m\",\"meshOwner\":\"123456789012\","
                               "\"virtualRouterName\":7,\"routeName\":\"x\",\"spec\":"
                               "{\"httpRoute\":{\"action\":{\"weightedTargets\":[{\"virtualNode\":"
                               "\"n\",\"weight\":1}]}}},\"virtualNodeName\":\"not a member\"}");

    CHECK(input != NULL, "input parses");
    am_buf_init(&expect, &test_allocator, 0);
    CHECK_OK(am_opjson_find("create_route", &op, &err), &err);
    CHECK_OK(am_identity_expect_input(op, input, &expect, &err), &err);
    cJSON_Delete(input);
    CHECK_MEM_EQ(expect.ptr, expect.len, NAMES, sizeof(NAMES) - 1);
    CHECK_OK(am_identity_check(&expect, "virtualRouterName", "any", true, "the answer", &err),
             &err);
    CHECK_OK(am_identity_check(&expect, "virtualNodeName", "any", true, "the answer", &err), &err);
    CHECK_STATUS(am_identity_check(&expect, "routeName", "y", true, "the answer", &err),
                 APPMESH_ERR_RESPONSE, &err);
    appmesh_buf_cleanup(&expect);
    return 0;
}

/* Check output (JSON text) of operation name against the route's expected names. */
static enum appmesh_status
check_output(const char *name, const char *output, struct appmesh_error *err)
{
    const struct am_operation *op = NULL;
    struct appmesh_buf expect = {0};
    cJSON *out = cJSON_Parse(output);
    enum appmesh_status st = out == NULL ? APPMESH_ERR_INTERNAL : APPMESH_OK;

    am_buf_init(&expect, &test_allocator, 0);
    if (st == APPMESH_OK) {
        st = am_opjson_find(name, &op, err);
    }
    if (st == APPMESH_OK) {
        st = expect_route(&expect, err);
    }
    if (st == APPMESH_OK) {
        st = am_identity_check_output(op, out, &expect, err);
    }
    appmesh_buf_cleanup(&expect);
    cJSON_Delete(out);
    return st;
}

static int checks_the_payload_of_an_answer(void)
{
    static const struct {
        const char *output;
        enum appmesh_status want;
        const char *message;
    } cases[] = {
        {"{\"route\":{\"meshName\":\"m\",\"virtualRouterName\":\"r\",\"routeName\":\"x\"}}",
         APPMESH_OK, ""},
        {"{\"route\":{\"meshName\":\"m\",\"virtualRouterName\":\"r\",\"routeName\":\"y\"}}",
         APPMESH_ERR_RESPONSE,
         "the answer is about routeName 'y', not 'x' as asked: the answer is not taken"},
        {"{\"route\":{\"meshName\":\"m\",\"routeName\":\"x\"}}", APPMESH_ERR_RESPONSE,
         "the answer has no virtualRouterName, where 'r' was asked for: the answer is not taken"},
        /* a name that is not a string is no name */
        {"{\"route\":{\"meshName\":1,\"virtualRouterName\":\"r\",\"routeName\":\"x\"}}",
         APPMESH_ERR_RESPONSE,
         "the answer has no meshName, where 'm' was asked for: the answer is not taken"},
        /* no payload object: left to the parser, which says what is missing */
        {"{}", APPMESH_OK, ""},
        {"{\"route\":[]}", APPMESH_OK, ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct appmesh_error err = {0};
        CHECK_STATUS(check_output("describe_route", cases[i].output, &err), cases[i].want, &err);
        CHECK_STR_EQ(err.message, cases[i].message);
    }
    return 0;
}

static int checks_each_item_of_a_list_answer(void)
{
    static const char item[] =
        "{\"meshName\":\"m\",\"virtualRouterName\":\"r\",\"routeName\":\"x\"}";
    struct appmesh_error err = {0};
    char output[512];

    snprintf(output, sizeof(output), "{\"routes\":[%s,%s]}", item, item);
    CHECK_OK(check_output("list_routes", output, &err), &err);
    snprintf(output, sizeof(output),
             "{\"routes\":[%s,{\"meshName\":\"m\",\"virtualRouterName\":\"other\","
             "\"routeName\":\"x\"}]}",
             item);
    CHECK_STATUS(check_output("list_routes", output, &err), APPMESH_ERR_RESPONSE, &err);
    CHECK_STR_EQ(err.message, "routes[1] of the answer is about virtualRouterName 'other', not 'r' "
                              "as asked: the answer is not taken");
    appmesh_error_clear(&err);
    CHECK_OK(check_output("list_routes", "{\"routes\":[]}", &err), &err);
    CHECK_OK(check_output("list_routes", "{\"routes\":{}}", &err), &err);
    return 0;
}

static int checks_nothing_when_nothing_is_expected(void)
{
    struct appmesh_error err = {0};
    struct appmesh_buf expect = {0};
    const struct am_operation *op = NULL;
    cJSON *out = cJSON_Parse("{\"mesh\":{\"meshName\":\"other\"}}");

    CHECK(out != NULL, "output parses");
    CHECK_OK(am_opjson_find("describe_mesh", &op, &err), &err);
    CHECK_OK(am_identity_check_output(op, out, &expect, &err), &err);
    CHECK_OK(am_identity_expect(&expect, "meshName", "m", &err), &err);
    CHECK_STATUS(am_identity_check_output(op, out, &expect, &err), APPMESH_ERR_RESPONSE, &err);
    CHECK_STR_EQ(err.message,
                 "the answer is about meshName 'other', not 'm' as asked: the answer is not taken");
    appmesh_buf_cleanup(&expect);
    cJSON_Delete(out);
    return 0;
}

static int fails_cleanly_at_every_allocation(void)
{
    long n = 0;
    for (n = 1;; n++) {
        struct appmesh_error err = {0};
        struct appmesh_buf expect = {0};
        enum appmesh_status st = APPMESH_OK;
        am_buf_init(&expect, &test_allocator, 0);
        test_alloc_state.calls = 0;
        test_alloc_state.fail_at = n;
        st = expect_route(&expect, &err);
        test_alloc_state.fail_at = 0;
        appmesh_buf_cleanup(&expect);
        if (st == APPMESH_OK) {
            break;
        }
        CHECK_STATUS(st, APPMESH_ERR_NOMEM, &err);
        CHECK_INT_EQ(test_alloc_state.live_blocks, 0);
    }
    CHECK(n > 1, "expecting names allocates");
    return 0;
}

static const struct test_case cases[] = {
    {"accepts_the_names_asked_for_and_any_other", accepts_the_names_asked_for_and_any_other},
    {"refuses_another_name_or_a_required_one_missing",
     refuses_another_name_or_a_required_one_missing},
    {"expects_the_string_names_of_the_input", expects_the_string_names_of_the_input},
    {"checks_the_payload_of_an_answer", checks_the_payload_of_an_answer},
    {"checks_each_item_of_a_list_answer", checks_each_item_of_a_list_answer},
    {"checks_nothing_when_nothing_is_expected", checks_nothing_when_nothing_is_expected},
    {"fails_cleanly_at_every_allocation", fails_cleanly_at_every_allocation},
};

TEST_MAIN("identity", cases)
