/* SPDX-License-Identifier: MIT */
/* Outputs of any operation: parsed and normalised against the output shape. */
#include <cjson/cJSON.h>

#include "deserialize.h"
#include "harness.h"
#include "internal.h"
#include "opjson.h"

/* Parse body as op's output and print the normalised tree compactly into out. */
static enum appmesh_status
parse(const char *op, const char *body, char *out, size_t size, struct appmesh_error *err)
{
    cJSON *v = NULL;
    struct appmesh_buf text = {0};
    enum appmesh_status st =
        am_deserialize_output(am_operation_find(op), body, strlen(body), &v, err);
    if (st == APPMESH_OK) {
        st = am_opjson_print(v, &test_allocator, &text, err);
        snprintf(out, size, "%s", am_buf_cstr(&text));
        appmesh_buf_cleanup(&text);
        cJSON_Delete(v);
    } else {
        CHECK(v == NULL, "nothing on failure");
    }
    return st;
}

static int wraps_the_payload_member(void)
{
    struct appmesh_error err = {0};
    char out[512];

    CHECK_OK(parse("DescribeMesh", "{\"meshName\":\"m\",\"status\":{\"status\":\"ACTIVE\"}}", out,
                   sizeof(out), &err),
             &err);
    CHECK_STR_EQ(out, "{\"mesh\":{\"meshName\":\"m\",\"status\":{\"status\":\"ACTIVE\"}}}");
    CHECK_OK(parse("ListMeshes", "{\"meshes\":[],\"nextToken\":\"t\"}", out, sizeof(out), &err),
             &err);
    CHECK_STR_EQ(out, "{\"meshes\":[],\"nextToken\":\"t\"}");
    return 0;
}

static int drops_nulls_unknown_members_and_repeated_keys(void)
{
    struct appmesh_error err = {0};
    char out[512];

    CHECK_OK(parse("ListMeshes",
                   "{\"meshes\":[{\"meshName\":\"a\",\"extra\":{\"x\":[1]},\"arn\":null,"
                   "\"meshName\":\"b\"}],\"nextToken\":null,\"newField\":1}",
                   out, sizeof(out), &err),
             &err);
    CHECK_STR_EQ(out, "{\"meshes\":[{\"meshName\":\"a\"}]}");
    return 0;
}

static int reads_longs_exactly(void)
{
    struct appmesh_error err = {0};
    char out[512];

    CHECK_OK(parse("DescribeMesh",
                   "{\"metadata\":{\"version\":9007199254740993,\"createdAt\":1.5}, "
                   "\"meshName\":\"m\"}",
                   out, sizeof(out), &err),
             &err);
    CHECK_STR_EQ(out, "{\"mesh\":{\"metadata\":{\"version\":9007199254740993,\"createdAt\":1.5},"
                      "\"meshName\":\"m\"}}");
    CHECK_OK(parse("DescribeMesh", "{\"metadata\":{\"version\":9223372036854775807}}", out,
                   sizeof(out), &err),
             &err);
    CHECK_STR_EQ(out, "{\"mesh\":{\"metadata\":{\"version\":9223372036854775807}}}");
    CHECK_OK(parse("DescribeMesh", "{\"metadata\":{\"version\":9007199254740992}}", out,
                   sizeof(out), &err),
             &err);
    CHECK_STR_EQ(out, "{\"mesh\":{\"metadata\":{\"version\":9007199254740992}}}");
    return 0;
}

static int refuses_a_negative_version(void)
{
    /* App Mesh's versions start at 1: a negative one is no App Mesh answer */
    static const char *const bodies[] = {
        "{\"metadata\":{\"version\":-1}}",
        "{\"metadata\":{\"version\":-9223372036854775808}}",
    };
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        struct appmesh_error err = {0};
        char out[512];
        CHECK_STATUS(parse("DescribeMesh", bodies[i], out, sizeof(out), &err), APPMESH_ERR_RESPONSE,
                     &err);
        CHECK_STR_EQ(err.message, "response field metadata.version is negative");
    }
    {
        struct appmesh_error err = {0};
        char out[512];
        CHECK_STATUS(parse("ListVirtualNodes",
                           "{\"virtualNodes\":[{\"meshName\":\"m\",\"version\":-2}]}", out,
                           sizeof(out), &err),
                     APPMESH_ERR_RESPONSE, &err);
        CHECK(strstr(err.message, "is negative") != NULL, err.message);
    }
    return 0;
}

static int converts_iso8601_timestamps_to_epoch_seconds(void)
{
    struct appmesh_error err = {0};
    char out[512];

    CHECK_OK(parse("DescribeMesh", "{\"metadata\":{\"createdAt\":\"2019-07-22T15:00:00Z\"}}", out,
                   sizeof(out), &err),
             &err);
    CHECK_STR_EQ(out, "{\"mesh\":{\"metadata\":{\"createdAt\":1563807600}}}");
    return 0;
}

static int names_the_path_of_a_value_of_the_wrong_type(void)
{
    static const struct {
        const char *op;
        const char *body;
        const char *message;
    } bad[] = {
        {"ListMeshes", "{\"meshes\":[{\"meshName\":\"a\"},{\"meshName\":5}]}",
         "response field meshes[1].meshName is not a string"},
        {"ListMeshes", "{\"meshes\":{}}", "response field meshes is not an array"},
        {"ListMeshes", "{\"meshes\":[null]}", "response field meshes[0] is null in a list"},
        {"DescribeMesh", "{\"metadata\":{\"version\":1.5}}",
         "response field metadata.version is not an integer"},
        {"DescribeMesh", "{\"metadata\":{\"version\":9223372036854775808}}",
         "response field metadata.version is out of the 64-bit integer range"},
        {"DescribeMesh", "{\"metadata\":{\"createdAt\":\"yesterday\"}}",
         "response field metadata.createdAt is not a timestamp"},
        {"DescribeMesh", "{\"spec\":{\"egressFilter\":[]}}",
         "response field spec.egressFilter is not an object"},
        {"DescribeMesh", "[]", "response body is an array, not a JSON object"},
        {"DescribeMesh", "", "response body is empty"},
        {"ListMeshes", "{\"meshes\":[", "not valid JSON"},
        {"ListRoutes", "{\"routes\":[{\"version\":true}]}",
         "response field routes[0].version is not an integer"},
    };
    size_t i = 0;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct appmesh_error err = {0};
        char out[64];
        CHECK_STATUS(parse(bad[i].op, bad[i].body, out, sizeof(out), &err), APPMESH_ERR_RESPONSE,
                     &err);
        if (strstr(err.message, bad[i].message) == NULL) {
            fprintf(stderr, "  case %zu: \"%s\" lacks \"%s\"\n", i, err.message, bad[i].message);
            return 1;
        }
    }
    return 0;
}

/* An output without a payload may come with an empty body. */
static int reads_an_empty_body_as_an_empty_output(void)
{
    struct appmesh_error err = {0};
    char out[64];

    CHECK_OK(parse("TagResource", "", out, sizeof(out), &err), &err);
    CHECK_STR_EQ(out, "{}");
    CHECK_OK(parse("UntagResource", " {} ", out, sizeof(out), &err), &err);
    CHECK_STR_EQ(out, "{}");
    return 0;
}

static int makes_input_longs_exact_from_the_text(void)
{
    static const char text[] = "{\"spec\":{\"httpRoute\":{\"retryPolicy\":{\"maxRetries\":"
                               "12345678901234567890,\"x\":1}, \"timeout\":{\"idle\":{\"value\":"
                               "9007199254740995}}}}}";
    struct appmesh_error err = {0};
    cJSON *root = cJSON_Parse(text);
    cJSON *idle = NULL;
    char *printed = NULL;

    CHECK_OK(am_deserialize_exact_longs(&am_shapes[am_operation_find("CreateRoute")->input], text,
                                        sizeof(text) - 1, root, &err),
             &err);
    idle = cJSON_GetObjectItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "spec"), "httpRoute"),
                            "timeout"),
        "idle");
    CHECK(cJSON_IsRaw(cJSON_GetObjectItem(idle, "value")), "raw");
    printed = cJSON_PrintUnformatted(root);
    /* Beyond int64: left as the number for validation to refuse. */
    CHECK(strstr(printed, "\"value\":9007199254740995}") != NULL, printed);
    CHECK(strstr(printed, "\"maxRetries\":1.2345678901234567e+19") != NULL, printed);
    cJSON_free(printed);
    cJSON_Delete(root);
    return 0;
}

static const struct test_case cases[] = {
    {"wraps_the_payload_member", wraps_the_payload_member},
    {"drops_nulls_unknown_members_and_repeated_keys",
     drops_nulls_unknown_members_and_repeated_keys},
    {"refuses_a_negative_version", refuses_a_negative_version},
    {"reads_longs_exactly", reads_longs_exactly},
    {"converts_iso8601_timestamps_to_epoch_seconds", converts_iso8601_timestamps_to_epoch_seconds},
    {"names_the_path_of_a_value_of_the_wrong_type", names_the_path_of_a_value_of_the_wrong_type},
    {"reads_an_empty_body_as_an_empty_output", reads_an_empty_body_as_an_empty_output},
    {"makes_input_longs_exact_from_the_text", makes_input_longs_exact_from_the_text},
};

TEST_MAIN("deserialize", cases)
