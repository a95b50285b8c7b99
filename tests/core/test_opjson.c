/* SPDX-License-Identifier: MIT */
/* Operations by name, inputs as JSON text, outputs printed exactly, skeletons. */
#include <cjson/cJSON.h>

#include "appmesh/appmesh.h"
#include "harness.h"
#include "opcall.h"
#include "opjson.h"

static int finds_operations_by_either_name(void)
{
    struct appmesh_error err = {0};
    const struct am_operation *op = NULL;

    CHECK_OK(am_opjson_find("DescribeVirtualGateway", &op, &err), &err);
    CHECK_STR_EQ(op->snake, "describe_virtual_gateway");
    CHECK_OK(am_opjson_find("tag_resource", &op, &err), &err);
    CHECK_STR_EQ(op->name, "TagResource");
    CHECK_STATUS(am_opjson_find("delete_virtual_nod", &op, &err), APPMESH_ERR_INVALID_ARGUMENT,
                 &err);
    CHECK(op == NULL, "none");
    CHECK(strstr(err.message, "did you mean delete_virtual_node") != NULL, err.message);
    appmesh_error_clear(&err);
    CHECK_STATUS(am_opjson_find("zzzzzzzzzzzzzzzz", &op, &err), APPMESH_ERR_INVALID_ARGUMENT, &err);
    CHECK(strstr(err.message, "App Mesh has 38") != NULL, err.message);
    appmesh_error_clear(&err);
    CHECK_STATUS(am_opjson_find(NULL, &op, &err), APPMESH_ERR_INVALID_ARGUMENT, &err);
    return 0;
}

static int parses_inputs_strictly(void)
{
    static const struct {
        const char *text;
        enum appmesh_status want;
    } inputs[] = {
        {"", APPMESH_OK},
        {" \n ", APPMESH_OK},
        {"{}", APPMESH_OK},
        {"{} ", APPMESH_OK},
        {"{}x", APPMESH_ERR_JSON},
        {"[]", APPMESH_ERR_JSON},
        {"\"s\"", APPMESH_ERR_JSON},
        {"{", APPMESH_ERR_JSON},
        {"{\"nextToken\":\"a\\u0000b\"}", APPMESH_ERR_JSON},
        {"{\"nextToken\":\"a\\U0000b\"}", APPMESH_ERR_JSON}, /* not an escape: malformed */
        {"{\"nextToken\":\"a\\\\u0000b\"}", APPMESH_OK},     /* an escaped backslash, then text */
        {"{\"nextToken\":\"a\\\"\\u0000\"}", APPMESH_ERR_JSON}, /* after an escaped quote */
    };
    const struct am_operation *op = am_operation_find("ListMeshes");
    size_t i = 0;

    for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        struct appmesh_error err = {0};
        cJSON *v = NULL;
        CHECK_STATUS(am_opjson_parse_input(op, inputs[i].text, strlen(inputs[i].text), &v, &err),
                     inputs[i].want, &err);
        CHECK((v != NULL) == (inputs[i].want == APPMESH_OK), inputs[i].text);
        cJSON_Delete(v);
    }
    return 0;
}

/* Input text need not end in a NUL: only len bytes are read. */
/* A raw NUL byte inside the given length is refused too. */
static int refuses_a_raw_nul(void)
{
    static const char text[] = "{\"nextToken\":\"a\0b\"}";
    struct appmesh_error err = {0};
    cJSON *v = NULL;

    CHECK_STATUS(
        am_opjson_parse_input(am_operation_find("ListMeshes"), text, sizeof(text) - 1, &v, &err),
        APPMESH_ERR_JSON, &err);
    CHECK(strstr(err.message, "NUL character") != NULL, err.message);
    CHECK(v == NULL, "nothing");
    return 0;
}

static int reads_only_the_given_bytes(void)
{
    static const char text[] = "{\"meshName\":\"m\"}GARBAGE";
    struct appmesh_error err = {0};
    cJSON *v = NULL;

    CHECK_OK(am_opjson_parse_input(am_operation_find("DescribeMesh"), text, 16, &v, &err), &err);
    CHECK_STR_EQ(cJSON_GetObjectItem(v, "meshName")->valuestring, "m");
    cJSON_Delete(v);
    return 0;
}

static int prints_integers_exactly(void)
{
    struct appmesh_error err = {0};
    struct appmesh_buf out = {0};
    cJSON *v = cJSON_Parse("{\"a\":1234567890123456,\"b\":[9007199254740992,1.5,-7]}");

    CHECK_OK(am_opjson_print(v, &test_allocator, &out, &err), &err);
    CHECK_STR_EQ(out.ptr, "{\"a\":1234567890123456,\"b\":[9007199254740992,1.5,-7]}");
    appmesh_buf_cleanup(&out);
    cJSON_Delete(v);
    return 0;
}

/* A large number with a fraction (found by fuzz_opcall: a createdAt of 3909525000952500.5 came
 * out as 3.9095250009525e+15, which reads back as an integer and then prints otherwise). */
static int prints_large_fractions_exactly_and_the_same_again(void)
{
    struct appmesh_error err = {0};
    struct appmesh_buf out = {0};
    struct appmesh_buf again = {0};
    cJSON *v = cJSON_Parse("{\"t\":3909525000952500.5,\"u\":1e300,\"w\":-1234567890123456.25}");
    cJSON *w = NULL;

    CHECK_OK(am_opjson_print(v, &test_allocator, &out, &err), &err);
    CHECK_STR_EQ(out.ptr, "{\"t\":3909525000952500.5,\"u\":1e+300,\"w\":-1234567890123456.2}");
    w = cJSON_Parse(out.ptr);
    CHECK(w != NULL, "the output reads back");
    CHECK_OK(am_opjson_print(w, &test_allocator, &again, &err), &err);
    CHECK_STR_EQ(again.ptr, out.ptr);
    appmesh_buf_cleanup(&out);
    appmesh_buf_cleanup(&again);
    cJSON_Delete(v);
    cJSON_Delete(w);
    return 0;
}

static int count_members(const cJSON *v)
{
    int n = 0;
    const cJSON *c = NULL;
    for (c = v->child; c != NULL; c = c->next) {
        n++;
    }
    return n;
}

/* Every operation's skeleton has every input member, and unions have every member. */
static int makes_a_skeleton_of_every_input(void)
{
    size_t i = 0;
    for (i = 0; i < am_operation_count; i++) {
        const struct am_operation *op = &am_operations[i];
        cJSON *sk = am_op_skeleton(op);
        CHECK(sk != NULL, op->name);
        CHECK_INT_EQ(count_members(sk), am_shapes[op->input].count);
        cJSON_Delete(sk);
    }
    {
        cJSON *sk = am_op_skeleton(am_operation_find("UpdateVirtualService"));
        const cJSON *provider = cJSON_GetObjectItem(cJSON_GetObjectItem(sk, "spec"), "provider");
        CHECK_INT_EQ(count_members(provider), 2);
        CHECK(cJSON_IsString(cJSON_GetObjectItem(cJSON_GetObjectItem(provider, "virtualNode"),
                                                 "virtualNodeName")),
              "strings are \"\"");
        cJSON_Delete(sk);
    }
    CHECK(am_op_skeleton(NULL) == NULL, "no op");
    return 0;
}

static const struct test_case cases[] = {
    {"finds_operations_by_either_name", finds_operations_by_either_name},
    {"parses_inputs_strictly", parses_inputs_strictly},
    {"refuses_a_raw_nul", refuses_a_raw_nul},
    {"reads_only_the_given_bytes", reads_only_the_given_bytes},
    {"prints_integers_exactly", prints_integers_exactly},
    {"prints_large_fractions_exactly_and_the_same_again",
     prints_large_fractions_exactly_and_the_same_again},
    {"makes_a_skeleton_of_every_input", makes_a_skeleton_of_every_input},
};

TEST_MAIN("opjson", cases)
