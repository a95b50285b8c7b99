/* SPDX-License-Identifier: MIT */
/* Calls of any operation (opcall.h and the public JSON entry points) over a canned transport. */
#include <cjson/cJSON.h>

#include "appmesh/appmesh.h"
#include "opcall.h"
#include "rig.h"

#define ROUTE_INPUT                                                                                \
    "{\"meshName\":\"m 1\",\"virtualRouterName\":\"r\",\"routeName\":\"x\",\"spec\":{"             \
    "\"httpRoute\":{\"action\":{\"weightedTargets\":[{\"virtualNode\":\"n\",\"weight\":1}]},"      \
    "\"match\":{\"prefix\":\"/\"}}},\"tags\":[{\"key\":\"k\",\"value\":\"v\"}]}"
#define ROUTE_OUTPUT                                                                               \
    "{\"meshName\":\"m 1\",\"virtualRouterName\":\"r\",\"routeName\":\"x\",\"spec\":{},"           \
    "\"metadata\":{\"version\":9007199254740993,\"createdAt\":1563810000.5},\"status\":{"          \
    "\"status\":\"ACTIVE\"},\"somethingNew\":true}"

static int calls_any_operation_by_name_with_json(void)
{
    static const struct canned script[] = {
        {500, APPMESH_OK, "x-amzn-RequestId: r1\r\n", "{\"message\":\"boom\"}"},
        {200, APPMESH_OK, "x-amzn-RequestId: r2\r\n", ROUTE_OUTPUT},
    };
    struct appmesh_error err = {0};
    struct rig r;
    struct appmesh_buf out = {0};
    struct appmesh_call_info info = {0};
    char token[128];

    CHECK_OK(rig_open(&r, script, 2, &err), &err);
    CHECK_OK(rig_client(&r, &err), &err);
    CHECK_OK(appmesh_client_call(r.client, "create_route", ROUTE_INPUT, strlen(ROUTE_INPUT), &out,
                                 &info, &err),
             &err);
    CHECK_INT_EQ(r.fake.sent_count, 2);
    CHECK_STR_EQ(r.fake.sent[0].method, "PUT");
    CHECK_STR_EQ(r.fake.sent[0].url,
                 "http://127.0.0.1:9000/v20190125/meshes/m%201/virtualRouter/r/routes");
    /* One token per call, the same on every attempt. */
    CHECK_INT_EQ(strlen(info.client_token), 36);
    snprintf(token, sizeof(token), "{\"clientToken\":\"%s\",\"routeName\"", info.client_token);
    CHECK(strncmp(r.fake.sent[0].body, token, strlen(token)) == 0, r.fake.sent[0].body);
    CHECK_STR_EQ(r.fake.sent[0].body, r.fake.sent[1].body);
    CHECK_STR_EQ(out.ptr, "{\"route\":{\"meshName\":\"m 1\",\"virtualRouterName\":\"r\","
                          "\"routeName\":\"x\",\"spec\":{},\"metadata\":{\"version\":"
                          "9007199254740993,\"createdAt\":1563810000.5},\"status\":{\"status\":"
                          "\"ACTIVE\"}}}");
    CHECK_INT_EQ(info.attempts, 2);
    CHECK_INT_EQ(info.http_status, 200);
    CHECK_STR_EQ(info.request_id, "r2");
    appmesh_buf_cleanup(&out);
    appmesh_client_destroy(r.client);
    return 0;
}

static int names_the_nearest_operations_for_an_unknown_name(void)
{
    struct appmesh_error err = {0};
    struct rig r;
    struct appmesh_buf out = {0};

    CHECK_OK(rig_open(&r, NULL, 0, &err), &err);
    CHECK_OK(rig_client(&r, &err), &err);
    CHECK_STATUS(appmesh_client_call(r.client, "CreatRoute", "{}", 2, &out, NULL, &err),
                 APPMESH_ERR_INVALID_ARGUMENT, &err);
    CHECK(strstr(err.message, "unknown operation \"CreatRoute\" (did you mean CreateRoute") != NULL,
          err.message);
    appmesh_error_clear(&err);
    CHECK_STATUS(appmesh_client_call(r.client, "list_virtual", "{}", 2, &out, NULL, &err),
                 APPMESH_ERR_INVALID_ARGUMENT, &err);
    CHECK(strstr(err.message, "list_virtual_") != NULL, err.message);
    CHECK_INT_EQ(r.fake.sent_count, 0);
    appmesh_client_destroy(r.client);
    return 0;
}

static int refuses_invalid_input_before_sending(void)
{
    static const char bad_json[] = "{\"meshName\":";
    static const char invalid[] = "{\"meshName\":\"m\",\"spec\":{\"egressFilter\":{}}}";
    struct appmesh_error err = {0};
    struct rig r;
    struct appmesh_buf out = {0};
    struct appmesh_call_info info = {0};

    CHECK_OK(rig_open(&r, NULL, 0, &err), &err);
    CHECK_OK(rig_client(&r, &err), &err);
    CHECK_STATUS(appmesh_client_call(r.client, "CreateMesh", bad_json, sizeof(bad_json) - 1, &out,
                                     NULL, &err),
                 APPMESH_ERR_JSON, &err);
    /* The caller's own input, not the service's answer: CONTRACT.md's ResponseError is an
     * unreadable response, and a malformed input is a ValidationError. */
    CHECK_STR_EQ(appmesh_error_code(&err), "ValidationError");
    appmesh_error_clear(&err);
    info.attempts = 7;
    CHECK_STATUS(appmesh_client_call(r.client, "CreateMesh", invalid, sizeof(invalid) - 1, &out,
                                     &info, &err),
                 APPMESH_ERR_VALIDATION, &err);
    CHECK_STR_EQ(err.field, "spec.egressFilter.type");
    CHECK_STR_EQ(appmesh_error_code(&err), "ValidationError");
    CHECK_INT_EQ(info.attempts, 0);
    CHECK_INT_EQ(info.client_token[0], '\0');
    CHECK_INT_EQ(r.fake.sent_count, 0);
    appmesh_client_destroy(r.client);
    return 0;
}

static int previews_with_the_signature_redacted(void)
{
    struct appmesh_error err = {0};
    struct rig r;
    struct appmesh_request_preview p = {0};

    CHECK_OK(rig_open(&r, NULL, 0, &err), &err);
    r.opts.credentials = &token_creds;
    CHECK_OK(rig_client(&r, &err), &err);
    CHECK_OK(
        appmesh_client_call_preview(r.client, "DeleteMesh", "{\"meshName\":\"a/b\"}", 18, &p, &err),
        &err);
    CHECK_STR_EQ(p.method, "DELETE");
    CHECK_STR_EQ(p.url.ptr, "http://127.0.0.1:9000/v20190125/meshes/a%2Fb");
    CHECK_INT_EQ(p.body.len, 0);
    CHECK(strstr(p.headers.ptr, "Signature=<redacted>") != NULL, p.headers.ptr);
    CHECK(strstr(p.headers.ptr, "X-Amz-Security-Token: <redacted>") != NULL, p.headers.ptr);
    CHECK(strstr(p.headers.ptr, "SESSIONTOKENSECRETVALUE") == NULL, "no session token");
    CHECK_INT_EQ(r.fake.sent_count, 0);
    appmesh_request_preview_cleanup(&p);
    appmesh_client_destroy(r.client);
    return 0;
}

/* The Lua binding's path: cJSON in, cJSON out, list positions from 1. */
static int calls_with_values_and_lua_list_positions(void)
{
    static const struct canned script[] = {
        {200, APPMESH_OK, NULL,
         "{\"virtualNodes\":[{\"meshName\":\"m\",\"virtualNodeName\":\"a\"}]}"},
    };
    struct appmesh_error err = {0};
    struct rig r;
    struct am_op_input in = {am_operation_find("list_virtual_nodes"), NULL, 1};
    cJSON *input = cJSON_Parse("{\"meshName\":\"m\",\"limit\":5}");
    cJSON *bad = cJSON_Parse("{\"meshName\":\"m\",\"virtualNodeName\":\"n\",\"spec\":{\"listeners\""
                             ":[{\"portMapping\":{\"port\":0,\"protocol\":\"http\"}}]}}");
    cJSON *out = NULL;
    cJSON *skeleton = NULL;

    CHECK_OK(rig_open(&r, script, 1, &err), &err);
    CHECK_OK(rig_client(&r, &err), &err);
    in.input = input;
    CHECK_OK(am_client_call_value(r.client, &in, &out, NULL, &err), &err);
    CHECK_STR_EQ(r.fake.sent[0].url,
                 "http://127.0.0.1:9000/v20190125/meshes/m/virtualNodes?limit=5");
    CHECK_STR_EQ(
        cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(out, "virtualNodes"), 0),
                            "virtualNodeName")
            ->valuestring,
        "a");
    cJSON_Delete(out);
    out = NULL;
    in.op = am_operation_find("CreateVirtualNode");
    in.input = bad;
    CHECK_STATUS(am_client_call_value(r.client, &in, &out, NULL, &err), APPMESH_ERR_VALIDATION,
                 &err);
    CHECK_STR_EQ(err.field, "spec.listeners[1].portMapping.port");
    skeleton = am_op_skeleton(in.op);
    CHECK(cJSON_IsString(cJSON_GetObjectItem(skeleton, "meshName")), "skeleton member");
    CHECK(cJSON_IsArray(cJSON_GetObjectItem(cJSON_GetObjectItem(skeleton, "spec"), "listeners")),
          "skeleton list");
    cJSON_Delete(skeleton);
    cJSON_Delete(out);
    cJSON_Delete(input);
    cJSON_Delete(bad);
    appmesh_client_destroy(r.client);
    return 0;
}

static int batches_any_operation(void)
{
    static const struct canned script[] = {
        {200, APPMESH_OK, NULL, ROUTE_OUTPUT},
        {429, APPMESH_OK, "x-amzn-ErrorType: TooManyRequestsException\r\n", "{}"},
        {200, APPMESH_OK, NULL, "{\"meshes\":[]}"},
        {200, APPMESH_OK, NULL, "{\"meshes\":[]}"}, /* TagResource's output drops the member */
    };
    struct appmesh_error err = {0};
    struct rig r;
    struct appmesh_batch *b = NULL;
    struct appmesh_batch_result res;
    struct am_op_input in = {am_operation_find("ListMeshes"), NULL, 0};
    cJSON *input = cJSON_CreateObject();
    uint64_t ids[3] = {0};
    int taken = 0, guard = 0;

    CHECK_OK(rig_open(&r, script, 4, &err), &err);
    CHECK_OK(rig_client(&r, &err), &err);
    CHECK_OK(appmesh_batch_new(r.client, NULL, &b, &err), &err);
    CHECK_OK(appmesh_batch_add_call(b, "CreateRoute", ROUTE_INPUT, strlen(ROUTE_INPUT), NULL,
                                    &ids[0], &err),
             &err);
    in.input = input;
    CHECK_OK(am_batch_add_value(b, &in, NULL, &ids[1], &err), &err);
    cJSON_Delete(input); /* the batch keeps its own copy */
    CHECK_OK(
        appmesh_batch_add_call(b, "TagResource",
                               "{\"resourceArn\":\"a\",\"tags\":[{\"key\":\"k\",\"value\":\"\"}]}",
                               51, NULL, &ids[2], &err),
        &err);
    CHECK_STATUS(appmesh_batch_add_call(b, "TagResource", "{}", 2, NULL, NULL, &err),
                 APPMESH_ERR_VALIDATION, &err);
    CHECK_INT_EQ(appmesh_batch_pending(b), 3);
    while (appmesh_batch_pending(b) > 0 && guard++ < 100) {
        CHECK_OK(appmesh_batch_perform(b, 5.0, &err), &err);
        while (appmesh_batch_take(b, &res)) {
            cJSON *v = am_batch_result_take_value(&res);
            CHECK_OK(res.status, &res.err);
            if (res.id == ids[0]) {
                CHECK_STR_EQ(res.operation, "CreateRoute");
                CHECK(strstr(res.output_json.ptr, "\"version\":9007199254740993") != NULL,
                      res.output_json.ptr);
                CHECK(v == NULL, "JSON text, not a value");
            } else if (res.id == ids[1]) {
                CHECK_STR_EQ(res.operation, "ListMeshes");
                CHECK(cJSON_IsArray(cJSON_GetObjectItem(v, "meshes")), "value output");
                CHECK_INT_EQ(res.info.attempts, 2);
                CHECK_INT_EQ(res.output_json.len, 0);
            } else {
                CHECK_STR_EQ(res.output_json.ptr, "{}");
            }
            cJSON_Delete(v);
            appmesh_batch_result_cleanup(&res);
            appmesh_batch_result_cleanup(&res); /* safe twice */
            taken++;
        }
    }
    CHECK_INT_EQ(taken, 3);
    appmesh_batch_destroy(b);
    appmesh_client_destroy(r.client);
    return 0;
}

/* A result not taken is freed with the batch; one taken but never looked at by its cleanup. */
static int frees_untaken_outputs(void)
{
    static const struct canned script[] = {
        {200, APPMESH_OK, NULL, "{\"meshes\":[]}"},
        {200, APPMESH_OK, NULL, "{\"meshes\":[]}"},
    };
    struct appmesh_error err = {0};
    struct rig r;
    struct appmesh_batch *b = NULL;
    struct appmesh_batch_result res;
    int guard = 0;

    CHECK_OK(rig_open(&r, script, 2, &err), &err);
    CHECK_OK(rig_client(&r, &err), &err);
    CHECK_OK(appmesh_batch_new(r.client, NULL, &b, &err), &err);
    CHECK_OK(appmesh_batch_add_call(b, "ListMeshes", NULL, 0, NULL, NULL, &err), &err);
    CHECK_OK(appmesh_batch_add_call(b, "list_meshes", " ", 1, NULL, NULL, &err), &err);
    while (!appmesh_batch_take(b, &res) && guard++ < 100) {
        CHECK_OK(appmesh_batch_perform(b, 5.0, &err), &err);
    }
    appmesh_batch_result_cleanup(&res);
    while (appmesh_batch_pending(b) > 1 && guard++ < 100) {
        CHECK_OK(appmesh_batch_perform(b, 5.0, &err), &err);
    }
    appmesh_batch_destroy(b);
    appmesh_client_destroy(r.client);
    return 0;
}

static int lists_operations_and_their_members(void)
{
    struct appmesh_error err = {0};
    struct appmesh_buf sk = {0};
    size_t i = 0, j = 0, n = appmesh_operation_count();
    const char *name = NULL;
    const char *where = NULL;
    bool required = false;
    cJSON *parsed = NULL;

    CHECK_INT_EQ(n, 38);
    CHECK_STR_EQ(appmesh_operation_name(0), "CreateGatewayRoute");
    CHECK_STR_EQ(appmesh_operation_snake_name(0), "create_gateway_route");
    CHECK(appmesh_operation_name(n) == NULL, "past the end");
    CHECK_OK(appmesh_operation_find("list_routes", &i, &err), &err);
    CHECK_STR_EQ(appmesh_operation_name(i), "ListRoutes");
    CHECK_INT_EQ(appmesh_operation_input_count(i), 5);
    for (j = 0; appmesh_operation_input_member(i, j, &name, &required, &where); j++) {
        if (strcmp(name, "limit") == 0) {
            CHECK(!required, "limit is optional");
            CHECK_STR_EQ(where, "query");
        }
        if (strcmp(name, "meshName") == 0) {
            CHECK(required, "meshName is required");
            CHECK_STR_EQ(where, "uri");
        }
    }
    CHECK_INT_EQ(j, 5);
    CHECK_STATUS(appmesh_operation_find("ListRoute", &i, &err), APPMESH_ERR_INVALID_ARGUMENT, &err);
    CHECK(strstr(err.message, "ListRoutes") != NULL, err.message);
    CHECK_OK(appmesh_operation_find("CreateRoute", &i, NULL), NULL);
    CHECK_OK(appmesh_operation_skeleton(i, &sk, NULL), NULL);
    parsed = cJSON_Parse(sk.ptr);
    CHECK(
        cJSON_IsObject(cJSON_GetObjectItem(
            cJSON_GetObjectItem(cJSON_GetObjectItem(parsed, "spec"), "httpRoute"), "retryPolicy")),
        "every member, nested");
    cJSON_Delete(parsed);
    appmesh_buf_cleanup(&sk);
    /* A missing output is not a missing operation: the message said "no operation 5". */
    appmesh_error_clear(&err);
    CHECK_STATUS(appmesh_operation_skeleton(i, NULL, &err), APPMESH_ERR_INVALID_ARGUMENT, &err);
    CHECK_STR_EQ(err.message, "appmesh_operation_skeleton: out is NULL");
    appmesh_error_clear(&err);
    CHECK_STATUS(appmesh_operation_skeleton(n, &sk, &err), APPMESH_ERR_INVALID_ARGUMENT, &err);
    CHECK(strstr(err.message, "no operation") != NULL, err.message);
    return 0;
}

struct oom_ctx {
    struct rig r;
};

static enum appmesh_status oom_body(void *ctxp)
{
    static const struct canned script[] = {{200, APPMESH_OK, NULL, ROUTE_OUTPUT}};
    struct oom_ctx *ctx = ctxp;
    struct appmesh_error err = {0};
    struct appmesh_buf out = {0};
    enum appmesh_status st;

    rig_open(&ctx->r, script, 1, &err);
    st = rig_client(&ctx->r, &err);
    if (st != APPMESH_OK) {
        return st;
    }
    st = appmesh_client_call(ctx->r.client, "CreateRoute", ROUTE_INPUT, strlen(ROUTE_INPUT), &out,
                             NULL, &err);
    appmesh_buf_cleanup(&out);
    appmesh_client_destroy(ctx->r.client);
    return st;
}

static int survives_every_allocation_failure(void)
{
    struct oom_ctx ctx;
    return test_oom_loop(oom_body, &ctx, 500);
}

/* The typed UpdateVirtualService and the generic one send the same request. */
static int sends_what_the_typed_call_sends(void)
{
    static const struct canned script[] = {
        {200, APPMESH_OK, NULL, OK_BODY},
        {200, APPMESH_OK, NULL, OK_BODY},
    };
    static const char input[] =
        "{\"meshName\":\"ecs-mesh\",\"virtualServiceName\":\"colorgateway.default.svc.cluster."
        "local\",\"meshOwner\":\"123456789012\",\"clientToken\":\"token-1\",\"spec\":{"
        "\"provider\":{\"virtualNode\":{\"virtualNodeName\":\"colorgateway-vn\"}}}}";
    struct appmesh_error err = {0};
    struct rig r;
    struct appmesh_update_virtual_service_input in = node_input();
    struct appmesh_virtual_service_data data = {0};
    struct appmesh_buf out = {0};

    in.mesh_owner = "123456789012";
    in.client_token = "token-1";
    CHECK_OK(rig_open(&r, script, 2, &err), &err);
    CHECK_OK(rig_client(&r, &err), &err);
    CHECK_OK(appmesh_client_update_virtual_service(r.client, &in, &data, NULL, &err), &err);
    CHECK_OK(appmesh_client_call(r.client, "UpdateVirtualService", input, strlen(input), &out, NULL,
                                 &err),
             &err);
    CHECK_STR_EQ(r.fake.sent[1].method, r.fake.sent[0].method);
    CHECK_STR_EQ(r.fake.sent[1].url, r.fake.sent[0].url);
    CHECK_STR_EQ(r.fake.sent[1].body, r.fake.sent[0].body);
    CHECK(strstr(out.ptr, "{\"virtualService\":{\"meshName\":\"ecs-mesh\"") == out.ptr, out.ptr);
    appmesh_virtual_service_data_cleanup(&data);
    appmesh_buf_cleanup(&out);
    appmesh_client_destroy(r.client);
    return 0;
}

static const struct test_case cases[] = {
    {"sends_what_the_typed_call_sends", sends_what_the_typed_call_sends},
    {"calls_any_operation_by_name_with_json", calls_any_operation_by_name_with_json},
    {"names_the_nearest_operations_for_an_unknown_name",
     names_the_nearest_operations_for_an_unknown_name},
    {"refuses_invalid_input_before_sending", refuses_invalid_input_before_sending},
    {"previews_with_the_signature_redacted", previews_with_the_signature_redacted},
    {"calls_with_values_and_lua_list_positions", calls_with_values_and_lua_list_positions},
    {"batches_any_operation", batches_any_operation},
    {"frees_untaken_outputs", frees_untaken_outputs},
    {"lists_operations_and_their_members", lists_operations_and_their_members},
    {"survives_every_allocation_failure", survives_every_allocation_failure},
};

TEST_MAIN("opcall", cases)
