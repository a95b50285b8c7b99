/* SPDX-License-Identifier: MIT */
/* rest-json serialisation from the tables: labels, query members, bodies, tokens, longs. */
#include <cjson/cJSON.h>

#include "harness.h"
#include "internal.h"
#include "opjson.h"
#include "serialize.h"

struct parts {
    struct appmesh_buf path, query, body;
};

static void parts_init(struct parts *p)
{
    am_buf_init(&p->path, &test_allocator, 0);
    am_buf_init(&p->query, &test_allocator, 0);
    am_buf_init(&p->body, &test_allocator, 0);
}

static void parts_cleanup(struct parts *p)
{
    appmesh_buf_cleanup(&p->path);
    appmesh_buf_cleanup(&p->query);
    appmesh_buf_cleanup(&p->body);
}

/* Serialise the JSON text input of op with the given token into p. */
static enum appmesh_status serialize(const char *op_name,
                                     const char *json,
                                     const char *token,
                                     struct parts *p,
                                     struct appmesh_error *err)
{
    const struct am_operation *op = am_operation_find(op_name);
    cJSON *input = NULL;
    enum appmesh_status st = am_opjson_parse_input(op, json, strlen(json), &input, err);
    parts_init(p);
    if (st == APPMESH_OK) {
        st = am_serialize_request(op, input, token, &p->path, &p->query, &p->body, err);
    }
    cJSON_Delete(input);
    return st;
}

static int percent_encodes_every_label(void)
{
    struct appmesh_error err = {0};
    struct parts p;

    CHECK_OK(serialize("DeleteRoute",
                       "{\"meshName\":\"a b/\xC3\xA9\",\"virtualRouterName\":\"..\","
                       "\"routeName\":\"x~y-z._?&=#%+\"}",
                       NULL, &p, &err),
             &err);
    CHECK_STR_EQ(p.path.ptr, "/v20190125/meshes/a%20b%2F%C3%A9/virtualRouter/%2E%2E/routes/"
                             "x~y-z._%3F%26%3D%23%25%2B");
    CHECK_INT_EQ(p.query.len, 0);
    CHECK_INT_EQ(p.body.len, 0); /* DeleteRouteInput has no body members: no body at all */
    parts_cleanup(&p);
    return 0;
}

static int writes_query_members_encoded(void)
{
    struct appmesh_error err = {0};
    struct parts p;

    CHECK_OK(serialize("ListRoutes",
                       "{\"meshName\":\"m\",\"virtualRouterName\":\"r\",\"nextToken\":\"a+b= c\","
                       "\"limit\":25,\"meshOwner\":\"123456789012\"}",
                       NULL, &p, &err),
             &err);
    CHECK_STR_EQ(p.path.ptr, "/v20190125/meshes/m/virtualRouter/r/routes");
    CHECK_STR_EQ(p.query.ptr, "nextToken=a%2Bb%3D%20c&limit=25&meshOwner=123456789012");
    CHECK_INT_EQ(p.body.len, 0);
    parts_cleanup(&p);
    return 0;
}

static int writes_the_body_members_only(void)
{
    struct appmesh_error err = {0};
    struct parts p;

    CHECK_OK(serialize("UntagResource",
                       "{\"resourceArn\":\"arn:aws:appmesh:us-east-1:1:mesh/m\","
                       "\"tagKeys\":[\"a\",\"b\\\"c\\n\\u0001\"]}",
                       NULL, &p, &err),
             &err);
    CHECK_STR_EQ(p.path.ptr, "/v20190125/untag");
    CHECK_STR_EQ(p.query.ptr, "resourceArn=arn%3Aaws%3Aappmesh%3Aus-east-1%3A1%3Amesh%2Fm");
    CHECK_STR_EQ(p.body.ptr, "{\"tagKeys\":[\"a\",\"b\\\"c\\n\\u0001\"]}");
    parts_cleanup(&p);
    return 0;
}

/* The token is written when the operation has one and the input lacks it; never twice. */
static int fills_the_idempotency_token_once(void)
{
    struct appmesh_error err = {0};
    struct parts p;

    CHECK_OK(serialize("CreateMesh", "{\"meshName\":\"m\"}", "tok-1", &p, &err), &err);
    CHECK_STR_EQ(p.path.ptr, "/v20190125/meshes");
    CHECK_STR_EQ(p.body.ptr, "{\"clientToken\":\"tok-1\",\"meshName\":\"m\"}");
    parts_cleanup(&p);

    CHECK_OK(
        serialize("CreateMesh", "{\"meshName\":\"m\",\"clientToken\":\"mine\"}", "tok-1", &p, &err),
        &err);
    CHECK_STR_EQ(p.body.ptr, "{\"meshName\":\"m\",\"clientToken\":\"mine\"}");
    parts_cleanup(&p);

    /* DeleteMesh has no token: the one offered is not used. */
    CHECK_OK(serialize("DeleteMesh", "{\"meshName\":\"m\"}", "tok-1", &p, &err), &err);
    CHECK_INT_EQ(p.body.len, 0);
    parts_cleanup(&p);
    return 0;
}

/* As botocore: "{}" when the shape has body members and none is given. */
static int sends_an_empty_object_when_no_body_member_is_given(void)
{
    struct appmesh_error err = {0};
    struct parts p;

    CHECK_OK(serialize("UpdateMesh", "{\"meshName\":\"m\"}", NULL, &p, &err), &err);
    CHECK_STR_EQ(p.body.ptr, "{}");
    parts_cleanup(&p);
    return 0;
}

static int writes_longs_exactly(void)
{
    struct appmesh_error err = {0};
    struct parts p;

    CHECK_OK(serialize("CreateRoute",
                       "{\"meshName\":\"m\",\"virtualRouterName\":\"r\",\"routeName\":\"x\","
                       "\"clientToken\":\"t\",\"spec\":{\"httpRoute\":{\"action\":{"
                       "\"weightedTargets\":[{\"virtualNode\":\"n\",\"weight\":0}]},\"match\":{"
                       "\"prefix\":\"/\"},\"retryPolicy\":{\"maxRetries\":9007199254740993,"
                       "\"perRetryTimeout\":{\"unit\":\"ms\",\"value\":9223372036854775807}}}}}",
                       NULL, &p, &err),
             &err);
    CHECK(strstr(p.body.ptr, "\"maxRetries\":9007199254740993,") != NULL, p.body.ptr);
    CHECK(strstr(p.body.ptr, "\"value\":9223372036854775807}") != NULL, p.body.ptr);
    parts_cleanup(&p);
    return 0;
}

static const char *no_label(void *ctx, const char *label, size_t n)
{
    (void)ctx;
    (void)label;
    (void)n;
    return NULL;
}

static int refuses_a_missing_label(void)
{
    struct appmesh_error err = {0};
    struct appmesh_buf path;

    am_buf_init(&path, &test_allocator, 0);
    CHECK_STATUS(am_serialize_path(am_operation_find("DescribeMesh"), no_label, NULL, &path, &err),
                 APPMESH_ERR_INVALID_ARGUMENT, &err);
    CHECK(strstr(err.message, "no value for the URI label meshName") != NULL, err.message);
    appmesh_buf_cleanup(&path);
    return 0;
}

static enum appmesh_status oom_body(void *ctx)
{
    struct appmesh_error err = {0};
    struct parts p;
    enum appmesh_status st = serialize("CreateVirtualNode", ctx, "tok", &p, &err);
    parts_cleanup(&p);
    return st;
}

static int runs_out_of_memory_cleanly(void)
{
    static const char input[] =
        "{\"meshName\":\"m e\",\"virtualNodeName\":\"n\",\"spec\":{\"listeners\":[{"
        "\"portMapping\":{\"port\":80,\"protocol\":\"http\"},\"healthCheck\":{"
        "\"healthyThreshold\":2,\"unhealthyThreshold\":2,\"intervalMillis\":5000,"
        "\"timeoutMillis\":2000,\"protocol\":\"http\",\"path\":\"/ping\"}}],\"backends\":[{"
        "\"virtualService\":{\"virtualServiceName\":\"s\"}}]},\"tags\":[{\"key\":\"k\","
        "\"value\":\"v\"}]}";
    return test_oom_loop(oom_body, (void *)input, 200);
}

static const struct test_case cases[] = {
    {"percent_encodes_every_label", percent_encodes_every_label},
    {"writes_query_members_encoded", writes_query_members_encoded},
    {"writes_the_body_members_only", writes_the_body_members_only},
    {"fills_the_idempotency_token_once", fills_the_idempotency_token_once},
    {"sends_an_empty_object_when_no_body_member_is_given",
     sends_an_empty_object_when_no_body_member_is_given},
    {"writes_longs_exactly", writes_longs_exactly},
    {"refuses_a_missing_label", refuses_a_missing_label},
    {"runs_out_of_memory_cleanly", runs_out_of_memory_cleanly},
};

TEST_MAIN("serialize", cases)
