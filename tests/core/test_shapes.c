/* SPDX-License-Identifier: MIT */
/* Tests for shapes.c and the generated tables: lookups, and the tables against the model. */
#include "harness.h"
#include "shapes.h"

static int has_every_operation_of_the_model(void)
{
    CHECK_INT_EQ(am_operation_count, 38);
    for (size_t i = 0; i < am_operation_count; i++) {
        const struct am_operation *op = &am_operations[i];
        CHECK(am_operation_find(op->name) == op, op->name);
        CHECK(am_operation_find(op->snake) == op, op->snake);
        CHECK(am_shapes[op->input].type == AM_SHAPE_STRUCTURE, op->name);
        CHECK(am_shapes[op->output].type == AM_SHAPE_STRUCTURE, op->name);
    }
    return 0;
}

static int describes_create_route(void)
{
    const struct am_operation *op = am_operation_find("create_route");
    CHECK(op != NULL, "create_route");
    CHECK_STR_EQ(op->name, "CreateRoute");
    CHECK_STR_EQ(op->method, "PUT");
    CHECK_STR_EQ(op->uri, "/v20190125/meshes/{meshName}/virtualRouter/{virtualRouterName}/routes");
    CHECK(op->token >= 0, "CreateRoute has an idempotency token");
    CHECK_STR_EQ(am_members[op->token].name, "clientToken");
    CHECK(op->payload >= 0, "CreateRouteOutput has a payload");
    CHECK_STR_EQ(am_members[op->payload].name, "route");
    CHECK(op->result_key == NULL, "CreateRoute is not paginated");

    const struct am_shape *in = &am_shapes[op->input];
    const struct am_member *mesh = am_shape_member(in, "meshName", 8);
    CHECK(mesh != NULL && mesh->location == AM_LOC_URI, "meshName is a URI label");
    CHECK(mesh->flags & AM_MEMBER_REQUIRED, "meshName is required");
    const struct am_shape *name = am_member_shape(mesh);
    CHECK(name->type == AM_SHAPE_STRING && name->min == 1 && name->max == 255, "ResourceName");
    const struct am_member *owner = am_shape_member(in, "meshOwner", 9);
    CHECK(owner != NULL && owner->location == AM_LOC_QUERY, "meshOwner is a query member");
    CHECK(am_shape_member(in, "nope", 4) == NULL, "no such member");
    /* a key with a NUL right after a member's name is not that member */
    CHECK(am_shape_member(in, "meshName\0x", 10) == NULL, "NUL inside the key");
    CHECK(am_shape_member(in, "meshName\0", 9) == NULL, "NUL at the end of the key");
    return 0;
}

static int knows_unions_lists_enums_and_patterns(void)
{
    const struct am_operation *op = am_operation_find("CreateRoute");
    const struct am_member *spec = am_shape_member(&am_shapes[op->input], "spec", 4);
    const struct am_member *http = am_shape_member(am_member_shape(spec), "httpRoute", 9);
    const struct am_member *action = am_shape_member(am_member_shape(http), "action", 6);
    const struct am_member *targets =
        am_shape_member(am_member_shape(action), "weightedTargets", 15);
    const struct am_shape *list = am_member_shape(targets);
    CHECK(list->type == AM_SHAPE_LIST && list->has_min && list->min == 1, "weightedTargets");
    const struct am_member *weight = am_shape_member(am_list_item(list), "weight", 6);
    CHECK(weight != NULL && am_member_shape(weight)->type == AM_SHAPE_INTEGER, "weight");
    CHECK(am_member_shape(weight)->max == 100, "weight max");

    const struct am_operation *vs = am_operation_find("UpdateVirtualService");
    const struct am_member *vspec = am_shape_member(&am_shapes[vs->input], "spec", 4);
    const struct am_member *prov = am_shape_member(am_member_shape(vspec), "provider", 8);
    CHECK(am_member_shape(prov)->type == AM_SHAPE_UNION, "provider is a union");

    bool key = false;
    bool value = false;
    bool methods = false;
    for (size_t i = 0; i < am_shape_count; i++) {
        key |= am_shapes[i].pattern == AM_PATTERN_CLOUD_MAP_KEY;
        value |= am_shapes[i].pattern == AM_PATTERN_CLOUD_MAP_VALUE;
        if (strcmp(am_shapes[i].name, "HttpMethod") == 0) {
            methods =
                am_shapes[i].count == 9 && strcmp(am_enum_values[am_shapes[i].first], "GET") == 0;
        }
    }
    CHECK(key && value, "both patterns");
    CHECK(methods, "HttpMethod's enum");
    return 0;
}

static int knows_paginators_and_errors(void)
{
    size_t paginated = 0;
    for (size_t i = 0; i < am_operation_count; i++) {
        paginated += am_operations[i].result_key != NULL;
    }
    CHECK_INT_EQ(paginated, 8);
    const struct am_operation *op = am_operation_find("ListTagsForResource");
    CHECK_STR_EQ(op->result_key, "tags");
    CHECK_STR_EQ(op->limit_key, "limit");
    bool found = false;
    for (size_t i = 0; i < am_error_shape_count; i++) {
        if (strcmp(am_error_shapes[i].name, "TooManyRequestsException") == 0) {
            found = am_error_shapes[i].http_status == 429 && am_error_shapes[i].throttling &&
                    (op->errors & (1u << i)) != 0;
        }
    }
    CHECK(found, "TooManyRequestsException is a throttling error of ListTagsForResource");
    return 0;
}

static int suggests_the_nearest_operations(void)
{
    const char *out[3];
    CHECK(am_operation_find("create_virtual_ruoter") == NULL, "not an operation");
    CHECK(am_operation_find_n("create_mesh\0x", 13) == NULL, "embedded NUL");
    CHECK(am_operation_find_n("create_meshes", 11) == am_operation_find("create_mesh"), "prefix");
    size_t n = am_operation_nearest("create_virtual_ruoter", out, 3);
    CHECK(n >= 1, "a suggestion");
    CHECK_STR_EQ(out[0], "create_virtual_router");
    n = am_operation_nearest("DescribeMeshes", out, 3);
    CHECK(n >= 1, "a suggestion");
    CHECK_STR_EQ(out[0], "DescribeMesh");
    CHECK_INT_EQ(am_operation_nearest("zzzzzzzzzzzzzzzzzzzz", out, 3), 0);
    return 0;
}

static const struct test_case cases[] = {
    {"has_every_operation_of_the_model", has_every_operation_of_the_model},
    {"describes_create_route", describes_create_route},
    {"knows_unions_lists_enums_and_patterns", knows_unions_lists_enums_and_patterns},
    {"knows_paginators_and_errors", knows_paginators_and_errors},
    {"suggests_the_nearest_operations", suggests_the_nearest_operations},
};

TEST_MAIN("shapes", cases)
