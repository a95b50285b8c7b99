/* SPDX-License-Identifier: MIT */
/* Tests for model.c: input validation (every rule and boundary), data copy, cleanups. */
#include "appmesh/appmesh.h"
#include "harness.h"
#include "internal.h"

/* Long names, filled by fill_names() before the table is used. */
static char ascii_255[256], ascii_256[257];
static char e_acute_255[255 * 2 + 1], e_acute_256[256 * 2 + 1]; /* U+00E9, 2 bytes each */
static char emoji_255[255 * 4 + 1], emoji_256[256 * 4 + 1];     /* U+1F600, 4 bytes each */
static char long_service_name[4097];

static void repeat(char *dst, const char *unit, size_t times)
{
    size_t n = strlen(unit);
    size_t i = 0;
    for (i = 0; i < times; i++) {
        memcpy(dst + i * n, unit, n);
    }
    dst[times * n] = '\0';
}

static void fill_names(void)
{
    repeat(ascii_255, "a", 255);
    repeat(ascii_256, "a", 256);
    repeat(e_acute_255, "\xc3\xa9", 255);
    repeat(e_acute_256, "\xc3\xa9", 256);
    repeat(emoji_255, "\xf0\x9f\x98\x80", 255);
    repeat(emoji_256, "\xf0\x9f\x98\x80", 256);
    repeat(long_service_name, "s", 4096);
}

#define NODE(n)                                                                                    \
    {                                                                                              \
        APPMESH_PROVIDER_VIRTUAL_NODE,                                                             \
        {                                                                                          \
            .virtual_node = { n }                                                                  \
        }                                                                                          \
    }
#define ROUTER(n)                                                                                  \
    {                                                                                              \
        APPMESH_PROVIDER_VIRTUAL_ROUTER,                                                           \
        {                                                                                          \
            .virtual_router = { n }                                                                \
        }                                                                                          \
    }
#define NONE                                                                                       \
    {                                                                                              \
        APPMESH_PROVIDER_NONE,                                                                     \
        {                                                                                          \
            .virtual_node = { NULL }                                                               \
        }                                                                                          \
    }

#define NODE_PATH   "spec.provider.virtualNode.virtualNodeName"
#define ROUTER_PATH "spec.provider.virtualRouter.virtualRouterName"

struct validation_case {
    const char *name; /* the behaviour, as a sentence */
    const char *mesh, *service, *owner, *token;
    bool has_spec;
    struct appmesh_virtual_service_provider provider;
    const char *field;   /* expected err.field; NULL = valid */
    const char *message; /* expected err.message, exactly */
};

static const struct validation_case validation_cases[] = {
    /* valid inputs */
    {"accepts_minimal_input_with_empty_spec", "m", "s", NULL, NULL, true, NONE, NULL, NULL},
    {"accepts_virtual_node_provider", "ecs-mesh", "colorgateway.default.svc.cluster.local", NULL,
     NULL, true, NODE("colorgateway-vn"), NULL, NULL},
    {"accepts_virtual_router_provider", "ecs-mesh", "svc", NULL, NULL, true, ROUTER("vr"), NULL,
     NULL},
    {"accepts_mesh_owner_of_12_characters", "m", "s", "123456789012", NULL, true, NONE, NULL, NULL},
    {"counts_mesh_owner_in_characters_not_bytes", "m", "s",
     "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
     "\xc3\xa9",
     NULL, true, NONE, NULL, NULL},
    {"accepts_uuid_client_token_of_36_characters", "m", "s", NULL,
     "0f8fad5b-d9cb-469f-a165-70867728950e", true, NONE, NULL, NULL},
    {"accepts_client_token_of_1_character", "m", "s", NULL, "x", true, NONE, NULL, NULL},
    {"accepts_client_token_of_every_allowed_kind", "m", "s", NULL, "AZaz09_-", true, NONE, NULL,
     NULL},
    {"accepts_mesh_name_of_255_ascii_characters", ascii_255, "s", NULL, NULL, true, NONE, NULL,
     NULL},
    {"accepts_mesh_name_of_255_two_byte_characters", e_acute_255, "s", NULL, NULL, true, NONE, NULL,
     NULL},
    {"accepts_mesh_name_of_255_four_byte_characters", emoji_255, "s", NULL, NULL, true, NONE, NULL,
     NULL},
    {"accepts_virtual_node_name_of_255_two_byte_characters", "m", "s", NULL, NULL, true,
     NODE(e_acute_255), NULL, NULL},
    {"accepts_virtual_router_name_of_255_characters", "m", "s", NULL, NULL, true, ROUTER(ascii_255),
     NULL, NULL},
    {"accepts_one_character_names", "m", "s", NULL, NULL, true, NODE("n"), NULL, NULL},
    {"accepts_long_virtual_service_name", "m", long_service_name, NULL, NULL, true, NONE, NULL,
     NULL},
    {"accepts_non_ascii_virtual_service_name", "m", "\xe6\x9c\x8d\xe5\x8a\xa1", NULL, NULL, true,
     NONE, NULL, NULL},

    /* meshName */
    {"rejects_null_mesh_name", NULL, "s", NULL, NULL, true, NONE, "meshName",
     "meshName is required (1 to 255 characters)"},
    {"rejects_empty_mesh_name", "", "s", NULL, NULL, true, NONE, "meshName",
     "meshName must be 1 to 255 characters, got 0"},
    {"rejects_mesh_name_of_256_ascii_characters", ascii_256, "s", NULL, NULL, true, NONE,
     "meshName", "meshName must be 1 to 255 characters, got 256"},
    {"rejects_mesh_name_of_256_two_byte_characters", e_acute_256, "s", NULL, NULL, true, NONE,
     "meshName", "meshName must be 1 to 255 characters, got 256"},
    {"rejects_mesh_name_of_256_four_byte_characters", emoji_256, "s", NULL, NULL, true, NONE,
     "meshName", "meshName must be 1 to 255 characters, got 256"},
    {"rejects_overlong_utf8_in_mesh_name", "a\xc0\xaf", "s", NULL, NULL, true, NONE, "meshName",
     "meshName is not valid UTF-8"},
    {"rejects_surrogate_in_mesh_name", "\xed\xa0\x80", "s", NULL, NULL, true, NONE, "meshName",
     "meshName is not valid UTF-8"},
    {"rejects_truncated_utf8_in_mesh_name", "ab\xe1\x88", "s", NULL, NULL, true, NONE, "meshName",
     "meshName is not valid UTF-8"},
    {"rejects_stray_continuation_byte_in_mesh_name", "\x80", "s", NULL, NULL, true, NONE,
     "meshName", "meshName is not valid UTF-8"},

    /* virtualServiceName */
    {"rejects_null_virtual_service_name", "m", NULL, NULL, NULL, true, NONE, "virtualServiceName",
     "virtualServiceName is required (a non-empty name)"},
    {"rejects_empty_virtual_service_name", "m", "", NULL, NULL, true, NONE, "virtualServiceName",
     "virtualServiceName must not be empty (1 or more characters)"},
    {"rejects_invalid_utf8_virtual_service_name", "m", "svc\xff", NULL, NULL, true, NONE,
     "virtualServiceName", "virtualServiceName is not valid UTF-8"},

    /* meshOwner */
    {"rejects_mesh_owner_of_11_characters", "m", "s", "12345678901", NULL, true, NONE, "meshOwner",
     "meshOwner must be exactly 12 characters (an AWS account ID), got 11"},
    {"rejects_mesh_owner_of_13_characters", "m", "s", "1234567890123", NULL, true, NONE,
     "meshOwner", "meshOwner must be exactly 12 characters (an AWS account ID), got 13"},
    {"rejects_empty_mesh_owner", "m", "s", "", NULL, true, NONE, "meshOwner",
     "meshOwner must be exactly 12 characters (an AWS account ID), got 0"},
    {"rejects_invalid_utf8_mesh_owner", "m", "s", "12345678901\xc3", NULL, true, NONE, "meshOwner",
     "meshOwner is not valid UTF-8"},

    /* clientToken */
    {"rejects_client_token_of_37_characters", "m", "s", NULL,
     "0f8fad5b-d9cb-469f-a165-70867728950ef", true, NONE, "clientToken",
     "clientToken must be 1 to 36 characters, got 37"},
    {"rejects_empty_client_token", "m", "s", NULL, "", true, NONE, "clientToken",
     "clientToken must be 1 to 36 characters, got 0"},
    {"rejects_client_token_with_a_dot", "m", "s", NULL, "abc.def", true, NONE, "clientToken",
     "clientToken may contain only A-Z, a-z, 0-9, '_' and '-', found '.' at position 4"},
    {"rejects_client_token_with_a_space", "m", "s", NULL, "ab cd", true, NONE, "clientToken",
     "clientToken may contain only A-Z, a-z, 0-9, '_' and '-', found ' ' at position 3"},
    {"rejects_client_token_with_non_ascii", "m", "s", NULL, "ab\xc3\xa9", true, NONE, "clientToken",
     "clientToken may contain only A-Z, a-z, 0-9, '_' and '-', found byte 0xC3 at position 3"},
    {"rejects_client_token_with_a_newline", "m", "s", NULL, "ab\n", true, NONE, "clientToken",
     "clientToken may contain only A-Z, a-z, 0-9, '_' and '-', found byte 0x0A at position 3"},

    /* spec and provider */
    {"rejects_missing_spec", "m", "s", NULL, NULL, false, NONE, "spec",
     "spec is required (it may be empty: {})"},
    {"rejects_null_virtual_node_name", "m", "s", NULL, NULL, true, NODE(NULL), NODE_PATH,
     "virtualNodeName is required (1 to 255 characters)"},
    {"rejects_empty_virtual_node_name", "m", "s", NULL, NULL, true, NODE(""), NODE_PATH,
     "virtualNodeName must be 1 to 255 characters, got 0"},
    {"rejects_virtual_node_name_of_256_two_byte_characters", "m", "s", NULL, NULL, true,
     NODE(e_acute_256), NODE_PATH, "virtualNodeName must be 1 to 255 characters, got 256"},
    {"rejects_invalid_utf8_virtual_node_name", "m", "s", NULL, NULL, true, NODE("vn\xed\xbf\xbf"),
     NODE_PATH, "virtualNodeName is not valid UTF-8"},
    {"rejects_null_virtual_router_name", "m", "s", NULL, NULL, true, ROUTER(NULL), ROUTER_PATH,
     "virtualRouterName is required (1 to 255 characters)"},
    {"rejects_empty_virtual_router_name", "m", "s", NULL, NULL, true, ROUTER(""), ROUTER_PATH,
     "virtualRouterName must be 1 to 255 characters, got 0"},
    {"rejects_virtual_router_name_of_256_characters", "m", "s", NULL, NULL, true, ROUTER(ascii_256),
     ROUTER_PATH, "virtualRouterName must be 1 to 255 characters, got 256"},
    {"rejects_overlong_utf8_virtual_router_name", "m", "s", NULL, NULL, true,
     ROUTER("\xe0\x80\xaf"), ROUTER_PATH, "virtualRouterName is not valid UTF-8"},
    {"rejects_unknown_provider_kind",
     "m",
     "s",
     NULL,
     NULL,
     true,
     {(enum appmesh_provider_kind)7, {.virtual_node = {"vn"}}},
     "spec.provider",
     "spec.provider has an unknown kind 7 (allowed: none, virtualNode, virtualRouter)"},

    /* order: the first broken rule (in wire order) is the one reported */
    {"reports_the_first_broken_rule_only", "", "", "1", "a.b", false, NONE, "meshName",
     "meshName must be 1 to 255 characters, got 0"},
};

/* The message must be one line, without a trailing period, and name the member. */
static int message_is_useful(const struct appmesh_error *err)
{
    const char *last = strrchr(err->field, '.');
    const char *member = last != NULL ? last + 1 : err->field;
    size_t n = strlen(err->message);

    CHECK(n > 0, "message is empty");
    CHECK(err->message[n - 1] != '.', err->message);
    CHECK(strchr(err->message, '\n') == NULL, err->message);
    CHECK(strncmp(err->message, member, strlen(member)) == 0 ||
              strncmp(err->message, err->field, strlen(err->field)) == 0,
          "message starts with the member's name or path");
    return 0;
}

/* The outcome every validator shares: OK and no field, or VALIDATION with field and message. */
static int check_validation(enum appmesh_status st,
                            const struct appmesh_error *err,
                            const char *field,
                            const char *message)
{
    if (field == NULL) {
        CHECK_OK(st, err);
        CHECK_STR_EQ(err->field, "");
        return 0;
    }
    CHECK_STATUS(st, APPMESH_ERR_VALIDATION, err);
    CHECK_INT_EQ(err->status, APPMESH_ERR_VALIDATION);
    CHECK_STR_EQ(err->field, field);
    CHECK_STR_EQ(err->message, message);
    CHECK_STR_EQ(appmesh_error_code(err), "ValidationError");
    return message_is_useful(err);
}

static int run_validation_case(const struct validation_case *c)
{
    struct appmesh_error err = {0};
    struct appmesh_update_virtual_service_input in = {0};
    enum appmesh_status st;

    in.mesh_name = c->mesh;
    in.virtual_service_name = c->service;
    in.mesh_owner = c->owner;
    in.client_token = c->token;
    in.has_spec = c->has_spec;
    in.spec.provider = c->provider;
    st = appmesh_update_virtual_service_input_validate(&in, &err);
    return check_validation(st, &err, c->field, c->message);
}

static int validates_every_table_row(void)
{
    size_t i = 0;
    int failed = 0;

    fill_names();
    for (i = 0; i < sizeof(validation_cases) / sizeof(validation_cases[0]); i++) {
        int rc = run_validation_case(&validation_cases[i]);
        printf("%s model.validate/%s\n", rc == 0 ? "ok  " : "FAIL", validation_cases[i].name);
        failed += rc;
    }
    return failed == 0 ? 0 : 1;
}

static int rejects_null_input_as_invalid_argument(void)
{
    struct appmesh_error err = {0};
    CHECK_STATUS(appmesh_update_virtual_service_input_validate(NULL, &err),
                 APPMESH_ERR_INVALID_ARGUMENT, &err);
    CHECK_STR_EQ(err.message, "UpdateVirtualService input is NULL");
    return 0;
}

static int validates_without_an_error_record(void)
{
    struct appmesh_update_virtual_service_input in = {0};
    in.mesh_name = "m";
    in.virtual_service_name = "s";
    CHECK_INT_EQ(appmesh_update_virtual_service_input_validate(&in, NULL), APPMESH_ERR_VALIDATION);
    in.has_spec = true;
    CHECK_INT_EQ(appmesh_update_virtual_service_input_validate(&in, NULL), APPMESH_OK);
    return 0;
}

static int keeps_an_earlier_error(void)
{
    struct appmesh_error err = {0};
    struct appmesh_update_virtual_service_input in = {0};
    am_fail(&err, APPMESH_ERR_TRANSPORT, "earlier");
    CHECK_STATUS(appmesh_update_virtual_service_input_validate(&in, &err), APPMESH_ERR_VALIDATION,
                 &err);
    CHECK_STR_EQ(err.message, "earlier");
    CHECK_STR_EQ(err.field, "");
    return 0;
}

/* ---- DescribeVirtualService and ListVirtualServices inputs ---- */

struct describe_case {
    const char *name; /* the behaviour, as a sentence */
    const char *mesh, *service, *owner;
    const char *field;   /* expected err.field; NULL = valid */
    const char *message; /* expected err.message, exactly */
};

static const struct describe_case describe_cases[] = {
    {"accepts_mesh_and_service", "ecs-mesh", "colorgateway.default.svc.cluster.local", NULL, NULL,
     NULL},
    {"accepts_mesh_owner_of_12_characters", "m", "s", "123456789012", NULL, NULL},
    {"accepts_mesh_name_of_255_four_byte_characters", emoji_255, "s", NULL, NULL, NULL},
    {"accepts_long_non_ascii_virtual_service_name", "m", long_service_name, NULL, NULL, NULL},
    {"rejects_null_mesh_name", NULL, "s", NULL, "meshName",
     "meshName is required (1 to 255 characters)"},
    {"rejects_empty_mesh_name", "", "s", NULL, "meshName",
     "meshName must be 1 to 255 characters, got 0"},
    {"rejects_mesh_name_of_256_two_byte_characters", e_acute_256, "s", NULL, "meshName",
     "meshName must be 1 to 255 characters, got 256"},
    {"rejects_invalid_utf8_mesh_name", "a\xc0\xaf", "s", NULL, "meshName",
     "meshName is not valid UTF-8"},
    {"rejects_null_virtual_service_name", "m", NULL, NULL, "virtualServiceName",
     "virtualServiceName is required (a non-empty name)"},
    {"rejects_empty_virtual_service_name", "m", "", NULL, "virtualServiceName",
     "virtualServiceName must not be empty (1 or more characters)"},
    {"rejects_invalid_utf8_virtual_service_name", "m", "svc\xff", NULL, "virtualServiceName",
     "virtualServiceName is not valid UTF-8"},
    {"rejects_mesh_owner_of_11_characters", "m", "s", "12345678901", "meshOwner",
     "meshOwner must be exactly 12 characters (an AWS account ID), got 11"},
    {"rejects_empty_mesh_owner", "m", "s", "", "meshOwner",
     "meshOwner must be exactly 12 characters (an AWS account ID), got 0"},
    {"rejects_invalid_utf8_mesh_owner", "m", "s", "12345678901\xc3", "meshOwner",
     "meshOwner is not valid UTF-8"},
    {"reports_the_first_broken_rule_only", "", "", "1", "meshName",
     "meshName must be 1 to 255 characters, got 0"},
    {"reports_the_service_before_the_owner", "m", "", "1", "virtualServiceName",
     "virtualServiceName must not be empty (1 or more characters)"},
};

struct list_case {
    const char *name; /* the behaviour, as a sentence */
    const char *mesh, *owner, *token;
    int limit;
    const char *field;   /* expected err.field; NULL = valid */
    const char *message; /* expected err.message, exactly */
};

#define LIMIT_MESSAGE(got) "limit must be 1 to 100 (or 0 for the service's default), got " got

static const struct list_case list_cases[] = {
    {"accepts_mesh_alone", "ecs-mesh", NULL, NULL, 0, NULL, NULL},
    {"accepts_every_member", "m", "123456789012", "eyJvZmZzZXQiOjEwMH0=", 100, NULL, NULL},
    {"accepts_limit_of_1", "m", NULL, NULL, 1, NULL, NULL},
    {"accepts_limit_of_100", "m", NULL, NULL, 100, NULL, NULL},
    {"accepts_next_token_of_1_character", "m", NULL, "x", 0, NULL, NULL},
    {"accepts_non_ascii_next_token", "m", NULL, "t\xc3\xa9", 0, NULL, NULL},
    {"accepts_mesh_name_of_255_characters", ascii_255, NULL, NULL, 0, NULL, NULL},
    {"rejects_null_mesh_name", NULL, NULL, NULL, 0, "meshName",
     "meshName is required (1 to 255 characters)"},
    {"rejects_mesh_name_of_256_characters", ascii_256, NULL, NULL, 0, "meshName",
     "meshName must be 1 to 255 characters, got 256"},
    {"rejects_surrogate_in_mesh_name", "\xed\xa0\x80", NULL, NULL, 0, "meshName",
     "meshName is not valid UTF-8"},
    {"rejects_mesh_owner_of_13_characters", "m", "1234567890123", NULL, 0, "meshOwner",
     "meshOwner must be exactly 12 characters (an AWS account ID), got 13"},
    {"rejects_invalid_utf8_mesh_owner", "m", "\x80", NULL, 0, "meshOwner",
     "meshOwner is not valid UTF-8"},
    {"rejects_empty_next_token", "m", NULL, "", 0, "nextToken",
     "nextToken must not be empty (1 or more characters)"},
    {"rejects_invalid_utf8_next_token", "m", NULL, "tok\xe1\x88", 0, "nextToken",
     "nextToken is not valid UTF-8"},
    {"rejects_limit_of_101", "m", NULL, NULL, 101, "limit", LIMIT_MESSAGE("101")},
    {"rejects_negative_limit", "m", NULL, NULL, -1, "limit", LIMIT_MESSAGE("-1")},
    {"rejects_int_max_limit", "m", NULL, NULL, 2147483647, "limit", LIMIT_MESSAGE("2147483647")},
    {"rejects_int_min_limit", "m", NULL, NULL, -2147483647 - 1, "limit",
     LIMIT_MESSAGE("-2147483648")},
    {"reports_the_first_broken_rule_only", "", "1", "", 101, "meshName",
     "meshName must be 1 to 255 characters, got 0"},
    {"reports_the_owner_before_the_token", "m", "1", "", 101, "meshOwner",
     "meshOwner must be exactly 12 characters (an AWS account ID), got 1"},
    {"reports_the_token_before_the_limit", "m", NULL, "", 101, "nextToken",
     "nextToken must not be empty (1 or more characters)"},
};

static int run_describe_case(const struct describe_case *c)
{
    struct appmesh_error err = {0};
    struct appmesh_describe_virtual_service_input in = {c->mesh, c->service, c->owner};
    return check_validation(appmesh_describe_virtual_service_input_validate(&in, &err), &err,
                            c->field, c->message);
}

static int run_list_case(const struct list_case *c)
{
    struct appmesh_error err = {0};
    struct appmesh_list_virtual_services_input in = {c->mesh, c->owner, c->token, c->limit};
    return check_validation(appmesh_list_virtual_services_input_validate(&in, &err), &err, c->field,
                            c->message);
}

static int validates_every_describe_table_row(void)
{
    size_t i = 0;
    int failed = 0;

    fill_names();
    for (i = 0; i < sizeof(describe_cases) / sizeof(describe_cases[0]); i++) {
        int rc = run_describe_case(&describe_cases[i]);
        printf("%s model.describe/%s\n", rc == 0 ? "ok  " : "FAIL", describe_cases[i].name);
        failed += rc;
    }
    return failed == 0 ? 0 : 1;
}

static int validates_every_list_table_row(void)
{
    size_t i = 0;
    int failed = 0;

    fill_names();
    for (i = 0; i < sizeof(list_cases) / sizeof(list_cases[0]); i++) {
        int rc = run_list_case(&list_cases[i]);
        printf("%s model.list/%s\n", rc == 0 ? "ok  " : "FAIL", list_cases[i].name);
        failed += rc;
    }
    return failed == 0 ? 0 : 1;
}

static int rejects_null_describe_and_list_inputs(void)
{
    struct appmesh_error err = {0};
    CHECK_STATUS(appmesh_describe_virtual_service_input_validate(NULL, &err),
                 APPMESH_ERR_INVALID_ARGUMENT, &err);
    CHECK_STR_EQ(err.message, "DescribeVirtualService input is NULL");
    appmesh_error_clear(&err);
    CHECK_STATUS(appmesh_list_virtual_services_input_validate(NULL, &err),
                 APPMESH_ERR_INVALID_ARGUMENT, &err);
    CHECK_STR_EQ(err.message, "ListVirtualServices input is NULL");
    return 0;
}

static int describe_and_list_validate_without_an_error_record(void)
{
    struct appmesh_describe_virtual_service_input d = {"m", NULL, NULL};
    struct appmesh_list_virtual_services_input l = {"m", NULL, NULL, 0};
    CHECK_INT_EQ(appmesh_describe_virtual_service_input_validate(&d, NULL), APPMESH_ERR_VALIDATION);
    d.virtual_service_name = "s";
    CHECK_INT_EQ(appmesh_describe_virtual_service_input_validate(&d, NULL), APPMESH_OK);
    l.limit = 101;
    CHECK_INT_EQ(appmesh_list_virtual_services_input_validate(&l, NULL), APPMESH_ERR_VALIDATION);
    l.limit = 0;
    CHECK_INT_EQ(appmesh_list_virtual_services_input_validate(&l, NULL), APPMESH_OK);
    return 0;
}

static int describe_and_list_keep_an_earlier_error(void)
{
    struct appmesh_error err = {0};
    struct appmesh_describe_virtual_service_input d = {NULL, NULL, NULL};
    struct appmesh_list_virtual_services_input l = {NULL, NULL, NULL, 0};
    am_fail(&err, APPMESH_ERR_TRANSPORT, "earlier");
    CHECK_STATUS(appmesh_describe_virtual_service_input_validate(&d, &err), APPMESH_ERR_VALIDATION,
                 &err);
    CHECK_STATUS(appmesh_list_virtual_services_input_validate(&l, &err), APPMESH_ERR_VALIDATION,
                 &err);
    CHECK_STR_EQ(err.message, "earlier");
    CHECK_STR_EQ(err.field, "");
    return 0;
}

/* ---- data: copy, cleanup, status names ---- */

static char *dup_test(const char *s)
{
    return am_strdup(&test_allocator, s);
}

/* A fully populated record owned by the counting allocator. */
static int make_full_data(struct appmesh_virtual_service_data *d, enum appmesh_provider_kind kind)
{
    memset(d, 0, sizeof(*d));
    d->alloc = &test_allocator;
    d->mesh_name = dup_test("ecs-mesh");
    d->virtual_service_name = dup_test("svc.local");
    d->has_spec = true;
    d->spec.provider.kind = kind;
    if (kind == APPMESH_PROVIDER_VIRTUAL_NODE) {
        d->spec.provider.u.virtual_node.virtual_node_name = dup_test("vn");
    } else if (kind == APPMESH_PROVIDER_VIRTUAL_ROUTER) {
        d->spec.provider.u.virtual_router.virtual_router_name = dup_test("vr");
    }
    d->status.code = APPMESH_STATUS_UNKNOWN;
    d->status.raw = dup_test("PENDING");
    d->metadata.arn = dup_test("arn:aws:appmesh:us-east-1:123456789012:mesh/ecs-mesh");
    d->metadata.mesh_owner = dup_test("123456789012");
    d->metadata.resource_owner = dup_test("210987654321");
    d->metadata.uid = dup_test("uid-1");
    d->metadata.has_created_at = true;
    d->metadata.created_at = 1700000000.125;
    d->metadata.has_last_updated_at = true;
    d->metadata.last_updated_at = 1700000001.5;
    d->metadata.has_version = true;
    d->metadata.version = INT64_C(9007199254740993);
    CHECK(d->metadata.uid != NULL, "fixture allocation");
    return 0;
}

static int same_data(const struct appmesh_virtual_service_data *a,
                     const struct appmesh_virtual_service_data *b)
{
    CHECK_STR_EQ(a->mesh_name, b->mesh_name);
    CHECK_STR_EQ(a->virtual_service_name, b->virtual_service_name);
    CHECK_INT_EQ(a->has_spec, b->has_spec);
    CHECK_INT_EQ(a->spec.provider.kind, b->spec.provider.kind);
    if (a->spec.provider.kind == APPMESH_PROVIDER_VIRTUAL_NODE) {
        CHECK_STR_EQ(a->spec.provider.u.virtual_node.virtual_node_name,
                     b->spec.provider.u.virtual_node.virtual_node_name);
    } else if (a->spec.provider.kind == APPMESH_PROVIDER_VIRTUAL_ROUTER) {
        CHECK_STR_EQ(a->spec.provider.u.virtual_router.virtual_router_name,
                     b->spec.provider.u.virtual_router.virtual_router_name);
    }
    CHECK_INT_EQ(a->status.code, b->status.code);
    CHECK_STR_EQ(a->status.raw, b->status.raw);
    CHECK_STR_EQ(a->metadata.arn, b->metadata.arn);
    CHECK_STR_EQ(a->metadata.mesh_owner, b->metadata.mesh_owner);
    CHECK_STR_EQ(a->metadata.resource_owner, b->metadata.resource_owner);
    CHECK_STR_EQ(a->metadata.uid, b->metadata.uid);
    CHECK_INT_EQ(a->metadata.has_created_at, b->metadata.has_created_at);
    CHECK(a->metadata.created_at == b->metadata.created_at, "createdAt");
    CHECK_INT_EQ(a->metadata.has_last_updated_at, b->metadata.has_last_updated_at);
    CHECK(a->metadata.last_updated_at == b->metadata.last_updated_at, "lastUpdatedAt");
    CHECK_INT_EQ(a->metadata.has_version, b->metadata.has_version);
    CHECK(a->metadata.version == b->metadata.version, "version");
    return 0;
}

static int copies_every_field_deeply(void)
{
    static const enum appmesh_provider_kind kinds[] = {
        APPMESH_PROVIDER_NONE, APPMESH_PROVIDER_VIRTUAL_NODE, APPMESH_PROVIDER_VIRTUAL_ROUTER};
    size_t i = 0;
    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        struct appmesh_error err = {0};
        struct appmesh_virtual_service_data src, dst;
        CHECK(make_full_data(&src, kinds[i]) == 0, "make data");
        CHECK_OK(appmesh_virtual_service_data_copy(&dst, &src, &test_allocator, &err), &err);
        CHECK(same_data(&dst, &src) == 0, "copy equals source");
        CHECK(dst.mesh_name != src.mesh_name, "strings are copied, not shared");
        CHECK(dst.alloc == &test_allocator, "copy keeps the allocator it was given");
        appmesh_virtual_service_data_cleanup(&src);
        CHECK(dst.metadata.uid != NULL && strcmp(dst.metadata.uid, "uid-1") == 0,
              "copy outlives the source");
        appmesh_virtual_service_data_cleanup(&dst);
    }
    return 0;
}

static int copies_an_empty_record(void)
{
    struct appmesh_error err = {0};
    struct appmesh_virtual_service_data src = {0}, dst;
    CHECK_OK(appmesh_virtual_service_data_copy(&dst, &src, NULL, &err), &err);
    CHECK(same_data(&dst, &src) == 0, "empty copy");
    appmesh_virtual_service_data_cleanup(&dst);
    return 0;
}

struct copy_ctx {
    struct appmesh_virtual_service_data src;
};

static enum appmesh_status copy_body(void *p)
{
    struct copy_ctx *c = p;
    struct appmesh_error err = {0};
    struct appmesh_virtual_service_data dst;
    struct appmesh_virtual_service_data zero;
    enum appmesh_status st = APPMESH_ERR_INTERNAL;

    memset(&zero, 0, sizeof(zero));
    st = appmesh_virtual_service_data_copy(&dst, &c->src, &test_allocator, &err);
    if (st != APPMESH_OK) {
        if (memcmp(&dst, &zero, sizeof(dst)) != 0 || err.status != APPMESH_ERR_NOMEM) {
            return APPMESH_ERR_INTERNAL; /* dst must be left zeroed, err filled */
        }
        return st;
    }
    appmesh_virtual_service_data_cleanup(&dst);
    return st;
}

static int copy_survives_every_failed_allocation(void)
{
    /* The source lives on the libc allocator so that only the copy's allocations count. */
    struct copy_ctx c;
    struct appmesh_virtual_service_data src;
    struct appmesh_error err = {0};
    int rc = 0;
    CHECK(make_full_data(&src, APPMESH_PROVIDER_VIRTUAL_ROUTER) == 0, "make data");
    CHECK_OK(appmesh_virtual_service_data_copy(&c.src, &src, NULL, &err), &err);
    appmesh_virtual_service_data_cleanup(&src);
    rc = test_oom_loop(copy_body, &c, 64);
    appmesh_virtual_service_data_cleanup(&c.src);
    return rc;
}

static int cleanup_is_safe_on_zeroed_data_and_twice(void)
{
    struct appmesh_virtual_service_data d = {0};
    appmesh_virtual_service_data_cleanup(&d);
    appmesh_virtual_service_data_cleanup(NULL);
    CHECK(make_full_data(&d, APPMESH_PROVIDER_VIRTUAL_NODE) == 0, "make data");
    appmesh_virtual_service_data_cleanup(&d);
    CHECK(d.mesh_name == NULL && d.spec.provider.kind == APPMESH_PROVIDER_NONE, "zeroed");
    CHECK(d.alloc == NULL, "zeroed allocator");
    appmesh_virtual_service_data_cleanup(&d);
    return 0;
}

static int copy_refuses_null_and_aliased_records(void)
{
    struct appmesh_error err = {0};
    struct appmesh_virtual_service_data d = {0};
    CHECK_STATUS(appmesh_virtual_service_data_copy(&d, NULL, NULL, &err),
                 APPMESH_ERR_INVALID_ARGUMENT, &err);
    appmesh_error_clear(&err);
    CHECK_STATUS(appmesh_virtual_service_data_copy(&d, &d, NULL, &err),
                 APPMESH_ERR_INVALID_ARGUMENT, &err);
    return 0;
}

/* A two-ref page with every string set, owned by the counting allocator. */
static int make_full_list(struct appmesh_virtual_service_list *l)
{
    size_t i = 0;
    memset(l, 0, sizeof(*l));
    l->alloc = &test_allocator;
    l->items = am_calloc(&test_allocator, 2 * sizeof(l->items[0]));
    CHECK(l->items != NULL, "items");
    l->count = 2;
    for (i = 0; i < l->count; i++) {
        struct appmesh_virtual_service_ref *r = &l->items[i];
        r->arn = dup_test("arn:aws:appmesh:us-east-1:123456789012:mesh/m/virtualService/s");
        r->mesh_name = dup_test("m");
        r->mesh_owner = dup_test("123456789012");
        r->resource_owner = dup_test("210987654321");
        r->virtual_service_name = dup_test("s");
        r->has_version = true;
        r->version = (int64_t)i + 1;
        CHECK(r->virtual_service_name != NULL, "fixture allocation");
    }
    l->next_token = dup_test("next");
    CHECK(l->next_token != NULL, "fixture allocation");
    return 0;
}

static int list_cleanup_frees_everything_and_is_safe_twice(void)
{
    struct appmesh_virtual_service_list l = {0};
    appmesh_virtual_service_list_cleanup(&l);
    appmesh_virtual_service_list_cleanup(NULL);
    CHECK(make_full_list(&l) == 0, "make list");
    appmesh_virtual_service_list_cleanup(&l);
    CHECK(l.items == NULL && l.count == 0 && l.next_token == NULL && l.alloc == NULL, "zeroed");
    appmesh_virtual_service_list_cleanup(&l);
    CHECK_INT_EQ(test_alloc_state.live_blocks, 0);
    return 0;
}

static int list_cleanup_frees_a_page_with_absent_strings(void)
{
    struct appmesh_virtual_service_list l = {0};
    CHECK(make_full_list(&l) == 0, "make list");
    am_free_str(&test_allocator, l.items[1].arn);
    am_free_str(&test_allocator, l.next_token);
    l.items[1].arn = NULL;
    l.next_token = NULL;
    appmesh_virtual_service_list_cleanup(&l);
    CHECK_INT_EQ(test_alloc_state.live_blocks, 0);
    return 0;
}

static int names_status_codes(void)
{
    CHECK_STR_EQ(appmesh_status_code_name(APPMESH_STATUS_ACTIVE), "ACTIVE");
    CHECK_STR_EQ(appmesh_status_code_name(APPMESH_STATUS_INACTIVE), "INACTIVE");
    CHECK_STR_EQ(appmesh_status_code_name(APPMESH_STATUS_DELETED), "DELETED");
    CHECK(appmesh_status_code_name(APPMESH_STATUS_ABSENT) == NULL, "ABSENT has no wire name");
    CHECK(appmesh_status_code_name(APPMESH_STATUS_UNKNOWN) == NULL, "UNKNOWN has no wire name");
    CHECK(appmesh_status_code_name((enum appmesh_status_code)99) == NULL, "out of range");
    return 0;
}

static const struct test_case cases[] = {
    {"validates_every_table_row", validates_every_table_row},
    {"rejects_null_input_as_invalid_argument", rejects_null_input_as_invalid_argument},
    {"validates_without_an_error_record", validates_without_an_error_record},
    {"keeps_an_earlier_error", keeps_an_earlier_error},
    {"validates_every_describe_table_row", validates_every_describe_table_row},
    {"validates_every_list_table_row", validates_every_list_table_row},
    {"rejects_null_describe_and_list_inputs", rejects_null_describe_and_list_inputs},
    {"describe_and_list_validate_without_an_error_record",
     describe_and_list_validate_without_an_error_record},
    {"describe_and_list_keep_an_earlier_error", describe_and_list_keep_an_earlier_error},
    {"copies_every_field_deeply", copies_every_field_deeply},
    {"copies_an_empty_record", copies_an_empty_record},
    {"copy_survives_every_failed_allocation", copy_survives_every_failed_allocation},
    {"cleanup_is_safe_on_zeroed_data_and_twice", cleanup_is_safe_on_zeroed_data_and_twice},
    {"copy_refuses_null_and_aliased_records", copy_refuses_null_and_aliased_records},
    {"list_cleanup_frees_everything_and_is_safe_twice",
     list_cleanup_frees_everything_and_is_safe_twice},
    {"list_cleanup_frees_a_page_with_absent_strings",
     list_cleanup_frees_a_page_with_absent_strings},
    {"names_status_codes", names_status_codes},
};

TEST_MAIN("model", cases)
