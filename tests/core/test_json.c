/* SPDX-License-Identifier: MIT */
/* Tests for json.c: the update body byte for byte, VirtualServiceData and list pages from fixtures.
 */
#include <dirent.h>

#include "appmesh/appmesh.h"
#include "harness.h"
#include "internal.h"
#include "json.h"

#define FIXTURES "fixtures/virtual_service"
#define ARN                                                                                        \
    "arn:aws:appmesh:us-east-1:123456789012:mesh/ecs-mesh/virtualService/"                         \
    "colorgateway.default.svc.cluster.local"

/* ---- writing the body ---- */

static struct appmesh_virtual_service_spec node_spec(const char *name)
{
    struct appmesh_virtual_service_spec s;
    memset(&s, 0, sizeof(s));
    s.provider.kind = APPMESH_PROVIDER_VIRTUAL_NODE;
    s.provider.u.virtual_node.virtual_node_name = name;
    return s;
}

static struct appmesh_virtual_service_spec router_spec(const char *name)
{
    struct appmesh_virtual_service_spec s;
    memset(&s, 0, sizeof(s));
    s.provider.kind = APPMESH_PROVIDER_VIRTUAL_ROUTER;
    s.provider.u.virtual_router.virtual_router_name = name;
    return s;
}

/* Write a body into a fresh counting-allocator buffer and compare it with want. */
static int
check_body(const char *token, const struct appmesh_virtual_service_spec *spec, const char *want)
{
    struct appmesh_error err = {0};
    struct appmesh_buf b;
    am_buf_init(&b, &test_allocator, 0);
    CHECK_OK(am_json_write_update_body(&b, token, spec, &err), &err);
    CHECK_MEM_EQ(b.ptr, b.len, want, strlen(want));
    CHECK(b.ptr[b.len] == '\0', "NUL-terminated");
    appmesh_buf_cleanup(&b);
    return 0;
}

static int writes_virtual_node_body_exactly(void)
{
    struct appmesh_virtual_service_spec s = node_spec("colorgateway-vn");
    return check_body(
        "0f8fad5b-d9cb-469f-a165-70867728950e", &s,
        "{\"clientToken\":\"0f8fad5b-d9cb-469f-a165-70867728950e\",\"spec\":"
        "{\"provider\":{\"virtualNode\":{\"virtualNodeName\":\"colorgateway-vn\"}}}}");
}

static int writes_virtual_router_body_exactly(void)
{
    struct appmesh_virtual_service_spec s = router_spec("colorgateway-vr");
    return check_body("tok", &s,
                      "{\"clientToken\":\"tok\",\"spec\":{\"provider\":{\"virtualRouter\":"
                      "{\"virtualRouterName\":\"colorgateway-vr\"}}}}");
}

static int writes_empty_spec_when_provider_is_none(void)
{
    struct appmesh_virtual_service_spec s;
    memset(&s, 0, sizeof(s));
    return check_body("tok", &s, "{\"clientToken\":\"tok\",\"spec\":{}}");
}

static int writes_empty_spec_when_spec_is_null(void)
{
    return check_body("tok", NULL, "{\"clientToken\":\"tok\",\"spec\":{}}");
}

static int omits_client_token_when_null(void)
{
    struct appmesh_virtual_service_spec s = node_spec("vn");
    return check_body(NULL, &s,
                      "{\"spec\":{\"provider\":{\"virtualNode\":{\"virtualNodeName\":\"vn\"}}}}");
}

static int escapes_quotes_backslashes_and_control_characters(void)
{
    struct appmesh_virtual_service_spec s = node_spec("a\"b\\c/d\n\t\x01\x1f\b\f\r");
    return check_body("t", &s,
                      "{\"clientToken\":\"t\",\"spec\":{\"provider\":{\"virtualNode\":"
                      "{\"virtualNodeName\":\"a\\\"b\\\\c/d\\n\\t\\u0001\\u001f\\b\\f\\r\"}}}}");
}

static int keeps_utf8_bytes_as_they_are(void)
{
    struct appmesh_virtual_service_spec s = router_spec("r\xc3\xa9seau-\xf0\x9f\x98\x80");
    return check_body("t", &s,
                      "{\"clientToken\":\"t\",\"spec\":{\"provider\":{\"virtualRouter\":"
                      "{\"virtualRouterName\":\"r\xc3\xa9seau-\xf0\x9f\x98\x80\"}}}}");
}

static int writes_names_of_255_four_byte_characters(void)
{
    static char name[255 * 4 + 1];
    static char want[2048];
    struct appmesh_virtual_service_spec s = node_spec(name);
    size_t i = 0;
    for (i = 0; i < 255; i++) {
        memcpy(name + 4 * i, "\xf0\x9f\x98\x80", 4);
    }
    name[255 * 4] = '\0';
    snprintf(want, sizeof(want),
             "{\"clientToken\":\"t\",\"spec\":{\"provider\":{\"virtualNode\":"
             "{\"virtualNodeName\":\"%s\"}}}}",
             name);
    return check_body("t", &s, want);
}

static int writes_worst_case_escaping_without_overflow(void)
{
    /* Every byte escapes to 6: the reservation must be exact enough for cJSON. */
    static char name[256];
    static char want[4096];
    struct appmesh_virtual_service_spec s = router_spec(name);
    size_t i = 0;
    int n = snprintf(want, sizeof(want),
                     "{\"clientToken\":\"t\",\"spec\":{\"provider\":{\"virtualRouter\":"
                     "{\"virtualRouterName\":\"");
    for (i = 0; i < 255; i++) {
        name[i] = '\x01';
        n += snprintf(want + n, sizeof(want) - (size_t)n, "\\u0001");
    }
    name[255] = '\0';
    snprintf(want + n, sizeof(want) - (size_t)n, "\"}}}}");
    return check_body("t", &s, want);
}

static int appends_after_existing_contents(void)
{
    struct appmesh_error err = {0};
    struct appmesh_buf b;
    struct appmesh_virtual_service_spec s;
    memset(&s, 0, sizeof(s));
    am_buf_init(&b, &test_allocator, 0);
    CHECK_OK(am_buf_append_str(&b, "prefix:", &err), &err);
    CHECK_OK(am_json_write_update_body(&b, "t", &s, &err), &err);
    CHECK_OK(am_json_write_update_body(&b, "u", &s, &err), &err);
    CHECK_STR_EQ(b.ptr, "prefix:{\"clientToken\":\"t\",\"spec\":{}}"
                        "{\"clientToken\":\"u\",\"spec\":{}}");
    CHECK_INT_EQ(b.len, strlen(b.ptr));
    appmesh_buf_cleanup(&b);
    return 0;
}

static int refuses_a_provider_without_its_name(void)
{
    struct appmesh_error err = {0};
    struct appmesh_buf b;
    struct appmesh_virtual_service_spec s = router_spec(NULL);
    am_buf_init(&b, &test_allocator, 0);
    CHECK_STATUS(am_json_write_update_body(&b, "t", &s, &err), APPMESH_ERR_INVALID_ARGUMENT, &err);
    CHECK_STR_EQ(err.message, "spec.provider.virtualRouter.virtualRouterName is NULL");
    CHECK_INT_EQ(b.len, 0);
    appmesh_buf_cleanup(&b);
    return 0;
}

static int refuses_an_unknown_provider_kind(void)
{
    struct appmesh_error err = {0};
    struct appmesh_buf b;
    struct appmesh_virtual_service_spec s = node_spec("vn");
    s.provider.kind = (enum appmesh_provider_kind)9;
    am_buf_init(&b, &test_allocator, 0);
    CHECK_STATUS(am_json_write_update_body(&b, "t", &s, &err), APPMESH_ERR_INVALID_ARGUMENT, &err);
    CHECK_STR_EQ(err.message, "spec.provider has an unknown kind 9");
    appmesh_buf_cleanup(&b);
    return 0;
}

static enum appmesh_status write_body(void *ctx)
{
    struct appmesh_error err = {0};
    struct appmesh_buf b;
    enum appmesh_status st = APPMESH_ERR_INTERNAL;
    const struct appmesh_virtual_service_spec *s = ctx;
    am_buf_init(&b, &test_allocator, 0);
    st = am_buf_append_str(&b, "x", &err); /* one allocation before, one growth inside */
    if (st == APPMESH_OK) {
        st = am_json_write_update_body(&b, "0f8fad5b-d9cb-469f-a165-70867728950e", s, &err);
    }
    if (st == APPMESH_OK && strncmp(b.ptr, "x{\"clientToken\"", 15) != 0) {
        st = APPMESH_ERR_INTERNAL;
    }
    if (st != APPMESH_OK && err.status != st) {
        st = APPMESH_ERR_INTERNAL; /* a failure must be reported in err */
    }
    appmesh_buf_cleanup(&b);
    return st;
}

static int body_writing_survives_every_failed_allocation(void)
{
    static char name[300];
    struct appmesh_virtual_service_spec s = node_spec(name);
    memset(name, 'n', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    return test_oom_loop(write_body, &s, 16);
}

/* ---- reading VirtualServiceData ---- */

static int is_full_common(const struct appmesh_virtual_service_data *d)
{
    CHECK_STR_EQ(d->mesh_name, "ecs-mesh");
    CHECK_STR_EQ(d->virtual_service_name, "colorgateway.default.svc.cluster.local");
    CHECK(d->has_spec, "has spec");
    CHECK_STR_EQ(d->metadata.arn, ARN);
    CHECK_STR_EQ(d->metadata.mesh_owner, "123456789012");
    CHECK_STR_EQ(d->metadata.resource_owner, "210987654321");
    CHECK_STR_EQ(d->metadata.uid, "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111");
    CHECK(d->metadata.has_created_at && d->metadata.created_at == 1700000000.123, "createdAt");
    CHECK(d->metadata.has_last_updated_at && d->metadata.last_updated_at == 1700000500.456,
          "lastUpdatedAt");
    return 0;
}

static int is_node(const struct appmesh_virtual_service_data *d, const char *name)
{
    CHECK_INT_EQ(d->spec.provider.kind, APPMESH_PROVIDER_VIRTUAL_NODE);
    CHECK_STR_EQ(d->spec.provider.u.virtual_node.virtual_node_name, name);
    return 0;
}

static int is_router(const struct appmesh_virtual_service_data *d, const char *name)
{
    CHECK_INT_EQ(d->spec.provider.kind, APPMESH_PROVIDER_VIRTUAL_ROUTER);
    CHECK_STR_EQ(d->spec.provider.u.virtual_router.virtual_router_name, name);
    return 0;
}

static int is_status(const struct appmesh_virtual_service_data *d,
                     enum appmesh_status_code code,
                     const char *raw)
{
    CHECK_INT_EQ(d->status.code, code);
    CHECK_STR_EQ(d->status.raw, raw);
    return 0;
}

static int is_version(const struct appmesh_virtual_service_data *d, int64_t v)
{
    CHECK(d->metadata.has_version, "has version");
    if (d->metadata.version != v) {
        fprintf(stderr, "  version %lld, want %lld\n", (long long)d->metadata.version,
                (long long)v);
        return 1;
    }
    return 0;
}

/* The full fixture with only the named differences. */
static int is_full_node(const struct appmesh_virtual_service_data *d)
{
    return is_full_common(d) || is_node(d, "colorgateway-vn") ||
           is_status(d, APPMESH_STATUS_ACTIVE, "ACTIVE") || is_version(d, 2);
}

static int check_full_virtual_router(const struct appmesh_virtual_service_data *d)
{
    return is_full_common(d) || is_router(d, "colorgateway-vr") ||
           is_status(d, APPMESH_STATUS_INACTIVE, "INACTIVE") || is_version(d, 2);
}

static int check_spec_without_provider(const struct appmesh_virtual_service_data *d)
{
    CHECK_INT_EQ(d->spec.provider.kind, APPMESH_PROVIDER_NONE);
    CHECK(d->spec.provider.u.virtual_node.virtual_node_name == NULL, "no name");
    return is_full_common(d) || is_status(d, APPMESH_STATUS_DELETED, "DELETED");
}

static int check_empty_provider_object(const struct appmesh_virtual_service_data *d)
{
    CHECK_INT_EQ(d->spec.provider.kind, APPMESH_PROVIDER_NONE);
    return is_full_common(d);
}

static int is_all_absent(const struct appmesh_virtual_service_data *d)
{
    CHECK(d->mesh_name == NULL && d->virtual_service_name == NULL, "names absent");
    CHECK(!d->has_spec && d->spec.provider.kind == APPMESH_PROVIDER_NONE, "spec absent");
    CHECK(d->status.code == APPMESH_STATUS_ABSENT && d->status.raw == NULL, "status absent");
    CHECK(d->metadata.arn == NULL && d->metadata.mesh_owner == NULL &&
              d->metadata.resource_owner == NULL && d->metadata.uid == NULL,
          "metadata strings absent");
    CHECK(!d->metadata.has_created_at && !d->metadata.has_last_updated_at &&
              !d->metadata.has_version,
          "metadata numbers absent");
    return 0;
}

static int check_nested_nulls_are_absent(const struct appmesh_virtual_service_data *d)
{
    CHECK_STR_EQ(d->mesh_name, "m");
    CHECK_STR_EQ(d->virtual_service_name, "s");
    CHECK(d->has_spec, "spec {} is present");
    CHECK_INT_EQ(d->spec.provider.kind, APPMESH_PROVIDER_NONE);
    CHECK(d->status.code == APPMESH_STATUS_ABSENT && d->status.raw == NULL, "status absent");
    CHECK(d->metadata.arn == NULL && d->metadata.uid == NULL, "metadata strings absent");
    CHECK(!d->metadata.has_created_at && !d->metadata.has_version, "metadata numbers absent");
    return 0;
}

static int check_unknown_status_kept(const struct appmesh_virtual_service_data *d)
{
    return is_full_common(d) || is_status(d, APPMESH_STATUS_UNKNOWN, "PENDING_DELETION");
}

static int check_version_above_2_pow_53(const struct appmesh_virtual_service_data *d)
{
    return is_full_common(d) || is_version(d, INT64_C(9007199254740993));
}

static int check_version_int64_max(const struct appmesh_virtual_service_data *d)
{
    return is_version(d, INT64_MAX);
}

static int check_version_written_as_3_0(const struct appmesh_virtual_service_data *d)
{
    return is_version(d, 3);
}

static int check_fractional_timestamps(const struct appmesh_virtual_service_data *d)
{
    CHECK(d->metadata.has_created_at && d->metadata.created_at == 1700000000.000123,
          "createdAt keeps microseconds");
    CHECK(d->metadata.has_last_updated_at && d->metadata.last_updated_at == 0.5,
          "lastUpdatedAt keeps the half second");
    return 0;
}

static int check_provider_member_null_other_set(const struct appmesh_virtual_service_data *d)
{
    return is_router(d, "vr");
}

static int check_escaped_keys(const struct appmesh_virtual_service_data *d)
{
    CHECK_STR_EQ(d->mesh_name, "m\xc3\xa9sh");
    CHECK_STR_EQ(d->metadata.arn, "a/b");
    return is_version(d, INT64_C(9007199254740993));
}

/* An escaped backslash and then the text u0000: no NUL, the name kept whole. */
static int check_escaped_backslash_then_u0000(const struct appmesh_virtual_service_data *d)
{
    CHECK_STR_EQ(d->mesh_name, "a\\u0000b");
    return is_version(d, 3);
}

static int check_duplicate_keys_first_wins(const struct appmesh_virtual_service_data *d)
{
    CHECK_STR_EQ(d->mesh_name, "first");
    return is_version(d, INT64_C(9007199254740993));
}

struct valid_fixture {
    const char *file;
    int (*check)(const struct appmesh_virtual_service_data *d);
};

static const struct valid_fixture valid_fixtures[] = {
    {"compact_single_line.json", is_full_node},
    {"duplicate_keys_first_wins.json", check_duplicate_keys_first_wins},
    {"empty_object.json", is_all_absent},
    {"empty_provider_object.json", check_empty_provider_object},
    {"escaped_backslash_then_u0000.json", check_escaped_backslash_then_u0000},
    {"escaped_keys.json", check_escaped_keys},
    {"fractional_timestamps.json", check_fractional_timestamps},
    {"full_virtual_node.json", is_full_node},
    {"full_virtual_router.json", check_full_virtual_router},
    {"nested_nulls_are_absent.json", check_nested_nulls_are_absent},
    {"nulls_are_absent.json", is_all_absent},
    {"provider_member_null_other_set.json", check_provider_member_null_other_set},
    {"provider_with_type_marker.json", is_full_node},
    {"spec_without_provider.json", check_spec_without_provider},
    {"unknown_fields_everywhere.json", is_full_node},
    {"unknown_status_kept.json", check_unknown_status_kept},
    {"utf8_bom_and_whitespace.json", is_full_node},
    {"version_above_2_pow_53.json", check_version_above_2_pow_53},
    {"version_int64_max.json", check_version_int64_max},
    {"version_written_as_3_0.json", check_version_written_as_3_0},
};

struct invalid_fixture {
    const char *file;
    const char *message; /* exactly */
};

static const struct invalid_fixture invalid_fixtures[] = {
    {"created_at_is_iso8601_string.json",
     "response field metadata.createdAt is not a number (epoch seconds)"},
    {"created_at_overflows_to_infinity.json",
     "response field metadata.createdAt is not a finite number"},
    {"empty.json", "response body is empty (0 bytes)"},
    {"html_error_page.json",
     "response body is not valid JSON (malformed or truncated near byte 0 of 51)"},
    {"last_updated_at_is_boolean.json",
     "response field metadata.lastUpdatedAt is not a number (epoch seconds)"},
    {"mesh_name_is_number.json", "response field meshName is not a string"},
    {"mesh_owner_is_number.json", "response field metadata.meshOwner is not a string"},
    {"metadata_is_array.json", "response field metadata is not an object"},
    /* cJSON would end the name at the NUL: it would read as "colorgateway" */
    {"name_holds_escaped_nul.json",
     "response field virtualServiceName holds a NUL character (\\u0000), which no member may "
     "hold"},
    {"provider_is_string.json", "response field spec.provider is not an object"},
    {"single_quotes.json",
     "response body is not valid JSON (malformed or truncated near byte 2 of 18)"},
    {"spec_is_array.json", "response field spec is not an object"},
    {"status_code_is_number.json", "response field status.status is not a string"},
    {"status_is_string.json", "response field status is not an object"},
    {"top_level_array.json", "response body is an array, not a JSON object"},
    {"top_level_null.json", "response body is null, not a JSON object"},
    {"top_level_string.json", "response body is a string, not a JSON object"},
    {"trailing_garbage.json", "response body has data after the JSON value (at byte 516 of 524)"},
    {"truncated.json",
     "response body is not valid JSON (malformed or truncated near byte 199 of 200)"},
    {"truncated_inside_number.json",
     "response body is not valid JSON (malformed or truncated near byte 26 of 27)"},
    {"two_json_values.json", "response body has data after the JSON value (at byte 516 of 519)"},
    {"two_providers.json",
     "response field spec.provider has two members (virtualNode and virtualRouter); the union "
     "holds one"},
    {"uid_is_boolean.json", "response field metadata.uid is not a string"},
    {"version_above_int64_max.json",
     "response field metadata.version is out of the 64-bit integer range"},
    {"version_below_int64_min.json",
     "response field metadata.version is out of the 64-bit integer range"},
    {"version_has_fraction.json", "response field metadata.version is not an integer"},
    {"version_is_boolean.json", "response field metadata.version is not an integer"},
    /* App Mesh's versions start at 1 */
    {"version_negative.json", "response field metadata.version is negative"},
    {"version_is_string.json", "response field metadata.version is not an integer"},
    {"virtual_node_is_string.json", "response field spec.provider.virtualNode is not an object"},
    {"virtual_node_name_missing.json",
     "response field spec.provider.virtualNode.virtualNodeName is missing"},
    {"virtual_router_name_is_null.json",
     "response field spec.provider.virtualRouter.virtualRouterName is missing"},
    {"virtual_router_name_is_number.json",
     "response field spec.provider.virtualRouter.virtualRouterName is not a string"},
    {"virtual_service_name_is_object.json", "response field virtualServiceName is not a string"},
    {"whitespace_only.json", "response body is empty (5 bytes)"},
};

/* ---- reading ListVirtualServices pages ---- */

#define LIST_FIXTURES FIXTURES "/list"
#define NEXT_TOKEN    "eyJsYXN0IjoiY29sb3J0ZWxsZXIifQ=="

struct want_ref {
    const char *service;
    double created_at, last_updated_at;
    const char *resource_owner;
    int64_t version;
};

static const struct want_ref colorgateway = {"colorgateway.default.svc.cluster.local",
                                             1700000000.123, 1700000500.456, "210987654321", 2};
static const struct want_ref colorteller = {"colorteller.default.svc.cluster.local", 1700000100.5,
                                            1700000200.25, "123456789012", 7};

/* A full ref in mesh ecs-mesh owned by 123456789012, with w's own values. */
static int is_ref(const struct appmesh_virtual_service_ref *r, const struct want_ref *w)
{
    char arn[256];
    snprintf(arn, sizeof(arn),
             "arn:aws:appmesh:us-east-1:123456789012:mesh/ecs-mesh/virtualService/%s", w->service);
    CHECK_STR_EQ(r->arn, arn);
    CHECK_STR_EQ(r->mesh_name, "ecs-mesh");
    CHECK_STR_EQ(r->mesh_owner, "123456789012");
    CHECK_STR_EQ(r->resource_owner, w->resource_owner);
    CHECK_STR_EQ(r->virtual_service_name, w->service);
    CHECK(r->has_created_at && r->created_at == w->created_at, "createdAt");
    CHECK(r->has_last_updated_at && r->last_updated_at == w->last_updated_at, "lastUpdatedAt");
    CHECK(r->has_version, "has version");
    if (r->version != w->version) {
        fprintf(stderr, "  version %lld, want %lld\n", (long long)r->version,
                (long long)w->version);
        return 1;
    }
    return 0;
}

static int is_ref_absent(const struct appmesh_virtual_service_ref *r)
{
    CHECK(r->arn == NULL && r->mesh_name == NULL && r->mesh_owner == NULL &&
              r->resource_owner == NULL && r->virtual_service_name == NULL,
          "ref strings absent");
    CHECK(!r->has_created_at && !r->has_last_updated_at && !r->has_version, "ref numbers absent");
    return 0;
}

static int check_full_refs(const struct appmesh_virtual_service_list *l)
{
    CHECK_INT_EQ(l->count, 2);
    CHECK(l->next_token == NULL, "no nextToken: the last page");
    return is_ref(&l->items[0], &colorgateway) || is_ref(&l->items[1], &colorteller);
}

static int check_full_refs_and_token(const struct appmesh_virtual_service_list *l)
{
    CHECK_INT_EQ(l->count, 2);
    CHECK_STR_EQ(l->next_token, NEXT_TOKEN);
    return is_ref(&l->items[0], &colorgateway) || is_ref(&l->items[1], &colorteller);
}

static int check_empty_list(const struct appmesh_virtual_service_list *l)
{
    CHECK_INT_EQ(l->count, 0);
    CHECK(l->items == NULL, "no items array for an empty page");
    CHECK(l->next_token == NULL, "no nextToken");
    return 0;
}

static int check_empty_list_with_token(const struct appmesh_virtual_service_list *l)
{
    CHECK_INT_EQ(l->count, 0);
    CHECK(l->items == NULL, "no items array for an empty page");
    CHECK_STR_EQ(l->next_token, "tok");
    return 0;
}

static int check_one_absent_ref(const struct appmesh_virtual_service_list *l)
{
    CHECK_INT_EQ(l->count, 1);
    CHECK(l->next_token == NULL, "no nextToken");
    return is_ref_absent(&l->items[0]);
}

static int is_ref_version(const struct appmesh_virtual_service_ref *r, const char *mesh, int64_t v)
{
    CHECK_STR_EQ(r->mesh_name, mesh);
    CHECK(r->has_version, "has version");
    if (r->version != v) {
        fprintf(stderr, "  %s: version %lld, want %lld\n", mesh, (long long)r->version,
                (long long)v);
        return 1;
    }
    return 0;
}

static int check_versions_among_decoys(const struct appmesh_virtual_service_list *l)
{
    CHECK_INT_EQ(l->count, 5);
    CHECK(l->next_token == NULL, "nextToken null is absent");
    return is_ref_version(&l->items[0], "a", INT64_C(9007199254740993)) ||
           is_ref_version(&l->items[1], "b", INT64_MAX) ||
           is_ref_version(&l->items[2], "c", INT64_MAX - 1) ||
           is_ref_version(&l->items[3], "d", 4) ||
           is_ref_version(&l->items[4], "e", INT64_C(9007199254740995));
}

static int check_list_fractional_timestamps(const struct appmesh_virtual_service_list *l)
{
    CHECK_INT_EQ(l->count, 1);
    CHECK(l->items[0].has_created_at && l->items[0].created_at == 1700000000.000123,
          "createdAt keeps microseconds");
    CHECK(l->items[0].has_last_updated_at && l->items[0].last_updated_at == 0.5,
          "lastUpdatedAt keeps the half second");
    return 0;
}

static int check_list_escaped_keys(const struct appmesh_virtual_service_list *l)
{
    CHECK_INT_EQ(l->count, 1);
    CHECK_STR_EQ(l->items[0].arn, "a/b");
    CHECK(l->items[0].has_version && l->items[0].version == INT64_C(9007199254740993), "version");
    CHECK_STR_EQ(l->next_token, "t\xc3\xa9");
    return 0;
}

static int check_list_duplicate_keys(const struct appmesh_virtual_service_list *l)
{
    CHECK_INT_EQ(l->count, 1);
    CHECK_STR_EQ(l->next_token, "first");
    return is_ref_version(&l->items[0], "first", INT64_C(9007199254740993));
}

static int check_list_bom(const struct appmesh_virtual_service_list *l)
{
    struct want_ref big = colorgateway;
    big.version = INT64_C(9007199254740993);
    CHECK_INT_EQ(l->count, 1);
    CHECK_STR_EQ(l->next_token, NEXT_TOKEN);
    return is_ref(&l->items[0], &big);
}

static int check_versions_3_and_1000(const struct appmesh_virtual_service_list *l)
{
    CHECK_INT_EQ(l->count, 2);
    CHECK(l->items[0].has_version && l->items[0].version == 3, "3.0");
    CHECK(l->items[1].has_version && l->items[1].version == 1000, "1e3");
    return 0;
}

struct valid_list_fixture {
    const char *file;
    int (*check)(const struct appmesh_virtual_service_list *l);
};

static const struct valid_list_fixture valid_list_fixtures[] = {
    {"compact_single_line.json", check_full_refs_and_token},
    {"duplicate_keys_first_wins.json", check_list_duplicate_keys},
    {"empty_list.json", check_empty_list},
    {"empty_list_with_next_token.json", check_empty_list_with_token},
    {"empty_ref_object.json", check_one_absent_ref},
    {"escaped_keys.json", check_list_escaped_keys},
    {"fractional_timestamps.json", check_list_fractional_timestamps},
    {"full_refs.json", check_full_refs},
    {"next_token.json", check_full_refs_and_token},
    {"next_token_null_is_last_page.json", check_full_refs},
    {"nulls_are_absent.json", check_one_absent_ref},
    {"unknown_fields_everywhere.json", check_full_refs},
    {"utf8_bom_and_whitespace.json", check_list_bom},
    {"versions_above_2_pow_53_among_decoys.json", check_versions_among_decoys},
    {"versions_written_as_3_0_and_1e3.json", check_versions_3_and_1000},
};

#define REF0 "response field virtualServices[0]."

static const struct invalid_fixture invalid_list_fixtures[] = {
    {"arn_is_number.json", REF0 "arn is not a string"},
    {"created_at_is_iso8601_string.json", REF0 "createdAt is not a number (epoch seconds)"},
    {"created_at_overflows_to_infinity.json", REF0 "createdAt is not a finite number"},
    {"empty.json", "response body is empty (0 bytes)"},
    {"last_updated_at_is_boolean.json", REF0 "lastUpdatedAt is not a number (epoch seconds)"},
    {"mesh_name_is_object.json", "response field virtualServices[1].meshName is not a string"},
    {"mesh_owner_is_array.json", REF0 "meshOwner is not a string"},
    {"next_token_is_number.json", "response field nextToken is not a string"},
    {"next_token_is_object.json", "response field nextToken is not a string"},
    {"ref_is_array.json", "response field virtualServices[2] is not an object"},
    {"ref_is_null.json", "response field virtualServices[0] is not an object"},
    {"ref_is_string.json", "response field virtualServices[1] is not an object"},
    {"resource_owner_is_boolean.json", REF0 "resourceOwner is not a string"},
    {"top_level_array.json", "response body is an array, not a JSON object"},
    {"trailing_garbage.json", "response body has data after the JSON value (at byte 367 of 368)"},
    {"truncated.json",
     "response body is not valid JSON (malformed or truncated near byte 299 of 300)"},
    {"version_above_int64_max_in_second_ref.json",
     "response field virtualServices[1].version is out of the 64-bit integer range"},
    {"version_below_int64_min.json", REF0 "version is out of the 64-bit integer range"},
    {"version_has_fraction.json", REF0 "version is not an integer"},
    {"version_is_boolean.json", REF0 "version is not an integer"},
    {"version_is_string_in_fourth_ref.json",
     "response field virtualServices[3].version is not an integer"},
    {"virtual_service_name_is_number.json", REF0 "virtualServiceName is not a string"},
    {"virtual_services_is_null.json",
     "response field virtualServices is missing (the list is required)"},
    {"virtual_services_is_object.json", "response field virtualServices is not an array"},
    {"virtual_services_is_string.json", "response field virtualServices is not an array"},
    {"virtual_services_missing.json",
     "response field virtualServices is missing (the list is required)"},
};

/* ---- both readers behind one shape, so every fixture runner below serves both ---- */

union parsed {
    struct appmesh_virtual_service_data data;
    struct appmesh_virtual_service_list list;
};

struct reader_under_test {
    const char *suite;    /* prefix of the printed lines: "json" | "json.list" */
    const char *fixtures; /* the directory holding valid/ and invalid/ */
    enum appmesh_status (*parse)(const char *body,
                                 size_t len,
                                 const struct appmesh_allocator *a,
                                 union parsed *out,
                                 struct appmesh_error *err);
    void (*cleanup)(union parsed *out);
    size_t out_size;   /* the bytes of the member parse fills, all zero after a failure */
    const void *valid; /* a table whose entries start with `const char *file` */
    size_t valid_count, valid_stride;
    int (*check_at)(size_t i, const union parsed *p); /* checks valid entry i's result */
    const struct invalid_fixture *invalid;
    size_t invalid_count;
    const char *version_format; /* a body with one version: %s is its text */
    const char *version_path;   /* that version's field path in messages */
    bool (*version_of)(const union parsed *p, int64_t *v);
};

static enum appmesh_status parse_data(const char *body,
                                      size_t len,
                                      const struct appmesh_allocator *a,
                                      union parsed *out,
                                      struct appmesh_error *err)
{
    return am_json_read_virtual_service_data(body, len, a, &out->data, err);
}

static void cleanup_data(union parsed *out)
{
    appmesh_virtual_service_data_cleanup(&out->data);
}

static int check_data_at(size_t i, const union parsed *p)
{
    return p->data.alloc == &test_allocator ? valid_fixtures[i].check(&p->data) : 1;
}

static bool data_version(const union parsed *p, int64_t *v)
{
    *v = p->data.metadata.version;
    return p->data.metadata.has_version;
}

static enum appmesh_status parse_list(const char *body,
                                      size_t len,
                                      const struct appmesh_allocator *a,
                                      union parsed *out,
                                      struct appmesh_error *err)
{
    return am_json_read_virtual_service_list(body, len, a, &out->list, err);
}

static void cleanup_list(union parsed *out)
{
    appmesh_virtual_service_list_cleanup(&out->list);
}

static int check_list_at(size_t i, const union parsed *p)
{
    return p->list.alloc == &test_allocator ? valid_list_fixtures[i].check(&p->list) : 1;
}

static bool list_version(const union parsed *p, int64_t *v)
{
    if (p->list.count != 1) {
        return false;
    }
    *v = p->list.items[0].version;
    return p->list.items[0].has_version;
}

#define COUNT(t) (sizeof(t) / sizeof((t)[0]))

static const struct reader_under_test data_reader = {
    "json",
    FIXTURES,
    parse_data,
    cleanup_data,
    sizeof(struct appmesh_virtual_service_data),
    valid_fixtures,
    COUNT(valid_fixtures),
    sizeof(valid_fixtures[0]),
    check_data_at,
    invalid_fixtures,
    COUNT(invalid_fixtures),
    "{\"metadata\":{\"version\":%s}}",
    "metadata.version",
    data_version,
};

static const struct reader_under_test list_reader = {
    "json.list",
    LIST_FIXTURES,
    parse_list,
    cleanup_list,
    sizeof(struct appmesh_virtual_service_list),
    valid_list_fixtures,
    COUNT(valid_list_fixtures),
    sizeof(valid_list_fixtures[0]),
    check_list_at,
    invalid_list_fixtures,
    COUNT(invalid_list_fixtures),
    "{\"virtualServices\":[{\"version\":%s}]}",
    "virtualServices[0].version",
    list_version,
};

static const char *valid_file(const struct reader_under_test *rd, size_t i)
{
    return *(const char *const *)(const void *)((const char *)rd->valid + i * rd->valid_stride);
}

static int is_zeroed(const void *p, size_t n)
{
    static const unsigned char zero[sizeof(union parsed)];
    return n <= sizeof(zero) && memcmp(p, zero, n) == 0;
}

/* A whole file in an exactly sized heap copy (no NUL: ASan sees any overread); free() it. */
static char *load_exact(const char *dir, const char *sub, const char *file, size_t *len)
{
    char path[512];
    char *text = NULL;
    char *exact = NULL;

    snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, file);
    text = test_read_file(path, len);
    if (text == NULL) {
        fprintf(stderr, "  cannot read %s\n", path);
        return NULL;
    }
    exact = malloc(*len == 0 ? 1 : *len);
    if (exact != NULL) {
        memcpy(exact, text, *len);
    }
    free(text);
    return exact;
}

/* Parse a whole fixture; *io_error set when the file could not be read. */
static enum appmesh_status parse_fixture(const struct reader_under_test *rd,
                                         const char *sub,
                                         const char *file,
                                         union parsed *out,
                                         struct appmesh_error *err,
                                         int *io_error)
{
    size_t len = 0;
    char *exact = load_exact(rd->fixtures, sub, file, &len);
    enum appmesh_status st = APPMESH_ERR_INTERNAL;

    *io_error = exact == NULL;
    if (exact == NULL) {
        return APPMESH_ERR_INTERNAL;
    }
    st = rd->parse(exact, len, &test_allocator, out, err);
    free(exact);
    return st;
}

static int parse_valid_fixtures(const struct reader_under_test *rd)
{
    size_t i = 0;
    int failed = 0;
    for (i = 0; i < rd->valid_count; i++) {
        struct appmesh_error err = {0};
        union parsed p;
        int io = 0;
        int rc = 0;
        const char *file = valid_file(rd, i);
        enum appmesh_status st = parse_fixture(rd, "valid", file, &p, &err, &io);
        if (io != 0 || st != APPMESH_OK) {
            fprintf(stderr, "  %s: %s: %s\n", file, appmesh_status_name(st), err.message);
            rc = 1;
        } else {
            rc = rd->check_at(i, &p);
            rd->cleanup(&p);
        }
        printf("%s %s.valid/%s\n", rc == 0 ? "ok  " : "FAIL", rd->suite, file);
        failed += rc;
    }
    return failed == 0 ? 0 : 1;
}

static int refuse_invalid_fixtures(const struct reader_under_test *rd)
{
    size_t i = 0;
    int failed = 0;
    for (i = 0; i < rd->invalid_count; i++) {
        const struct invalid_fixture *f = &rd->invalid[i];
        struct appmesh_error err = {0};
        union parsed p;
        int io = 0;
        int rc = 0;
        enum appmesh_status st = parse_fixture(rd, "invalid", f->file, &p, &err, &io);
        if (io != 0) {
            rc = 1;
        } else if (st != APPMESH_ERR_RESPONSE || err.status != APPMESH_ERR_RESPONSE) {
            fprintf(stderr, "  %s: got %s, want APPMESH_ERR_RESPONSE\n", f->file,
                    appmesh_status_name(st));
            rc = 1;
            if (st == APPMESH_OK) {
                rd->cleanup(&p);
            }
        } else if (strcmp(err.message, f->message) != 0) {
            fprintf(stderr, "  %s:\n    got:  \"%s\"\n    want: \"%s\"\n", f->file, err.message,
                    f->message);
            rc = 1;
        } else if (!is_zeroed(&p, rd->out_size)) {
            fprintf(stderr, "  %s: out is not left zeroed\n", f->file);
            rc = 1;
        } else if (strcmp(appmesh_error_code(&err), "ResponseError") != 0) {
            rc = 1;
        }
        printf("%s %s.invalid/%s\n", rc == 0 ? "ok  " : "FAIL", rd->suite, f->file);
        failed += rc;
    }
    return failed == 0 ? 0 : 1;
}

static int parses_every_valid_fixture(void)
{
    return parse_valid_fixtures(&data_reader);
}

static int refuses_every_invalid_fixture(void)
{
    return refuse_invalid_fixtures(&data_reader);
}

static int parses_every_valid_list_fixture(void)
{
    return parse_valid_fixtures(&list_reader);
}

static int refuses_every_invalid_list_fixture(void)
{
    return refuse_invalid_fixtures(&list_reader);
}

static bool listed(const struct reader_under_test *rd, const char *sub, const char *name)
{
    size_t i = 0;
    if (strcmp(sub, "valid") == 0) {
        for (i = 0; i < rd->valid_count; i++) {
            if (strcmp(valid_file(rd, i), name) == 0) {
                return true;
            }
        }
        return false;
    }
    for (i = 0; i < rd->invalid_count; i++) {
        if (strcmp(rd->invalid[i].file, name) == 0) {
            return true;
        }
    }
    return false;
}

static int every_fixture_file_is_listed(void)
{
    static const char *const subs[] = {"valid", "invalid"};
    const struct reader_under_test *const readers[] = {&data_reader, &list_reader};
    size_t r = 0, i = 0;
    int missing = 0;
    for (r = 0; r < COUNT(readers); r++) {
        for (i = 0; i < COUNT(subs); i++) {
            char path[256];
            DIR *d = NULL;
            struct dirent *e = NULL;
            long seen = 0;
            snprintf(path, sizeof(path), "%s/%s", readers[r]->fixtures, subs[i]);
            d = opendir(path);
            CHECK(d != NULL, path);
            while ((e = readdir(d)) != NULL) {
                size_t n = strlen(e->d_name);
                if (n < 5 || strcmp(e->d_name + n - 5, ".json") != 0) {
                    continue;
                }
                seen++;
                if (!listed(readers[r], subs[i], e->d_name)) {
                    fprintf(stderr, "  %s/%s is not listed in test_json.c\n", path, e->d_name);
                    missing++;
                }
            }
            closedir(d);
            CHECK(seen > 0, "fixtures found");
        }
    }
    return missing == 0 ? 0 : 1;
}

static int refuses_a_null_body(void)
{
    const struct reader_under_test *const readers[] = {&data_reader, &list_reader};
    size_t r = 0;
    for (r = 0; r < COUNT(readers); r++) {
        struct appmesh_error err = {0};
        union parsed p;
        CHECK_STATUS(readers[r]->parse(NULL, 0, &test_allocator, &p, &err), APPMESH_ERR_RESPONSE,
                     &err);
        CHECK_STR_EQ(err.message, "response body is empty (0 bytes)");
        CHECK(is_zeroed(&p, readers[r]->out_size), "zeroed");
    }
    return 0;
}

static int reads_only_the_given_length(void)
{
    static const char text[] = "{\"meshName\":\"m\"}{garbage";
    static const char list_text[] = "{\"virtualServices\":[{\"version\":9007199254740993}]}, 1]}";
    struct appmesh_error err = {0};
    struct appmesh_virtual_service_data d;
    struct appmesh_virtual_service_list l;
    CHECK_OK(am_json_read_virtual_service_data(text, 16, &test_allocator, &d, &err), &err);
    CHECK_STR_EQ(d.mesh_name, "m");
    appmesh_virtual_service_data_cleanup(&d);
    CHECK_OK(am_json_read_virtual_service_list(list_text, 50, &test_allocator, &l, &err), &err);
    CHECK(l.count == 1 && l.items[0].version == INT64_C(9007199254740993), "one exact version");
    appmesh_virtual_service_list_cleanup(&l);
    return 0;
}

/* ---- 64-bit versions, in both readers ---- */

static int read_version_text(const struct reader_under_test *rd,
                             const char *text,
                             enum appmesh_status *st,
                             struct appmesh_error *err,
                             bool *has,
                             int64_t *v)
{
    char body[160];
    union parsed p;
    int n = snprintf(body, sizeof(body), rd->version_format, text);
    CHECK(n > 0 && (size_t)n < sizeof(body), "body fits");
    *st = rd->parse(body, (size_t)n, &test_allocator, &p, err);
    *has = false;
    if (*st == APPMESH_OK) {
        *has = rd->version_of(&p, v);
        rd->cleanup(&p);
    }
    return 0;
}

static int keeps_every_64_bit_version_exactly(void)
{
    static const struct {
        const char *text;
        int64_t want;
    } cases[] = {
        {"0", 0},
        {"-0", 0},
        {"1", 1},
        {"9007199254740992", INT64_C(9007199254740992)},
        {"9007199254740993", INT64_C(9007199254740993)},
        {"1234567890123456789", INT64_C(1234567890123456789)},
        {"9223372036854775807", INT64_MAX},
        {"1e3", 1000},
        {"2.0E1", 20},
    };
    const struct reader_under_test *const readers[] = {&data_reader, &list_reader};
    size_t r = 0, i = 0;
    for (r = 0; r < COUNT(readers); r++) {
        for (i = 0; i < COUNT(cases); i++) {
            struct appmesh_error err = {0};
            enum appmesh_status st = APPMESH_ERR_INTERNAL;
            bool has = false;
            int64_t v = 0;
            CHECK(read_version_text(readers[r], cases[i].text, &st, &err, &has, &v) == 0, "read");
            CHECK_OK(st, &err);
            if (!has || v != cases[i].want) {
                fprintf(stderr, "  %s: version %lld for %s, want %lld\n", readers[r]->suite,
                        (long long)v, cases[i].text, (long long)cases[i].want);
                return 1;
            }
        }
    }
    return 0;
}

static int refuses_versions_a_64_bit_integer_cannot_hold(void)
{
    static const char *const texts[] = {"1.5", "1e300", "9007199254740993.0", "-1e19",
                                        "18446744073709551616", "99999999999999999999999",
                                        /* App Mesh's versions start at 1 */
                                        "-1", "-9223372036854775808"};
    const struct reader_under_test *const readers[] = {&data_reader, &list_reader};
    size_t r = 0, i = 0;
    for (r = 0; r < COUNT(readers); r++) {
        for (i = 0; i < COUNT(texts); i++) {
            struct appmesh_error err = {0};
            enum appmesh_status st = APPMESH_OK;
            bool has = false;
            int64_t v = 0;
            CHECK(read_version_text(readers[r], texts[i], &st, &err, &has, &v) == 0, "read");
            CHECK_STATUS(st, APPMESH_ERR_RESPONSE, &err);
            CHECK(strstr(err.message, readers[r]->version_path) != NULL, err.message);
        }
    }
    return 0;
}

/* ---- a large page ---- */

#define MANY_REFS 1000

/* Ref i of the large page: even ones carry versions past 2^53, so their text is read. */
static void many_ref(size_t i, char *service, size_t size, struct want_ref *w)
{
    snprintf(service, size, "svc-%04zu.default.svc.cluster.local", i);
    w->service = service;
    w->created_at = 1700000000.0 + (double)i + 0.25;
    w->last_updated_at = 1700000000.0 + (double)i * 2 + 0.5;
    w->resource_owner = i % 3 == 0 ? "123456789012" : "210987654321";
    w->version = i % 2 == 0 ? INT64_C(9007199254740993) + (int64_t)i : (int64_t)i + 1;
}

static int reads_a_page_of_1000_refs(void)
{
    struct appmesh_error err = {0};
    struct appmesh_buf body;
    struct appmesh_virtual_service_list l;
    char service[64];
    struct want_ref w;
    size_t i = 0;
    int rc = 0;

    am_buf_init(&body, NULL, 0);
    CHECK_OK(am_buf_append_str(&body, "{\"virtualServices\": [", &err), &err);
    for (i = 0; i < MANY_REFS; i++) {
        many_ref(i, service, sizeof(service), &w);
        CHECK_OK(am_buf_printf(&body, &err,
                               "%s{\"arn\": \"arn:aws:appmesh:us-east-1:123456789012:mesh/ecs-mesh/"
                               "virtualService/%s\", \"createdAt\": %.2f, \"lastUpdatedAt\": "
                               "%.1f, \"meshName\": \"ecs-mesh\", \"meshOwner\": \"123456789012\", "
                               "\"resourceOwner\": \"%s\", \"tags\": [\"]\", {\"version\": 1}], "
                               "\"version\": %lld, \"virtualServiceName\": \"%s\"}",
                               i == 0 ? "" : ", ", w.service, w.created_at, w.last_updated_at,
                               w.resource_owner, (long long)w.version, w.service),
                 &err);
    }
    CHECK_OK(am_buf_append_str(&body, "], \"nextToken\": \"" NEXT_TOKEN "\"}", &err), &err);
    rc = am_json_read_virtual_service_list(body.ptr, body.len, &test_allocator, &l, &err);
    appmesh_buf_cleanup(&body);
    CHECK_OK(rc, &err);
    rc = 0;
    if (l.count != MANY_REFS) {
        fprintf(stderr, "  %zu refs, want %d\n", l.count, MANY_REFS);
        rc = 1;
    }
    for (i = 0; i < l.count && rc == 0; i++) {
        many_ref(i, service, sizeof(service), &w);
        rc = is_ref(&l.items[i], &w);
        if (rc != 0) {
            fprintf(stderr, "  at ref %zu\n", i);
        }
    }
    if (rc == 0 && (l.next_token == NULL || strcmp(l.next_token, NEXT_TOKEN) != 0)) {
        rc = 1;
    }
    appmesh_virtual_service_list_cleanup(&l);
    return rc;
}

/* ---- robustness: every truncation and byte flip of some fixtures ---- */

/* Parse bytes from an exactly sized heap copy; only OK or RESPONSE may come back. */
static int parse_mutant(const struct reader_under_test *rd, const char *bytes, size_t len)
{
    struct appmesh_error err = {0};
    union parsed p;
    char *exact = malloc(len == 0 ? 1 : len);
    enum appmesh_status st = APPMESH_ERR_INTERNAL;
    CHECK(exact != NULL, "malloc");
    memcpy(exact, bytes, len);
    st = rd->parse(exact, len, &test_allocator, &p, &err);
    free(exact);
    if (st == APPMESH_OK) {
        rd->cleanup(&p);
        return 0;
    }
    if (st != APPMESH_ERR_RESPONSE || !is_zeroed(&p, rd->out_size)) {
        fprintf(stderr, "  %s for %zu bytes: %s\n", appmesh_status_name(st), len, err.message);
        return 1;
    }
    return 0;
}

static int mutate_fixtures(const struct reader_under_test *rd, const char *const *files, size_t n)
{
    static const char flips[] = {'"', '\\', '{', '}', '[',  ']',   ':',
                                 ',', '9',  '.', ' ', '\0', '\xff'};
    size_t f = 0;
    for (f = 0; f < n; f++) {
        size_t len = 0, i = 0, k = 0;
        char *text = load_exact(rd->fixtures, "valid", files[f], &len);
        CHECK(text != NULL, files[f]);
        for (i = 0; i <= len; i++) {
            if (parse_mutant(rd, text, i) != 0) {
                free(text);
                return 1;
            }
        }
        for (i = 0; i < len; i++) {
            char saved = text[i];
            for (k = 0; k < sizeof(flips); k++) {
                text[i] = flips[k];
                if (parse_mutant(rd, text, len) != 0) {
                    fprintf(stderr, "  %s, byte %zu set to 0x%02X\n", files[f], i,
                            (unsigned char)flips[k]);
                    free(text);
                    return 1;
                }
            }
            text[i] = saved;
        }
        free(text);
    }
    return 0;
}

static int survives_every_truncation_and_byte_flip(void)
{
    static const char *const files[] = {"compact_single_line.json", "escaped_keys.json",
                                        "duplicate_keys_first_wins.json",
                                        "version_above_2_pow_53.json"};
    return mutate_fixtures(&data_reader, files, COUNT(files));
}

static int list_survives_every_truncation_and_byte_flip(void)
{
    static const char *const files[] = {"compact_single_line.json", "escaped_keys.json",
                                        "duplicate_keys_first_wins.json",
                                        "versions_above_2_pow_53_among_decoys.json"};
    return mutate_fixtures(&list_reader, files, COUNT(files));
}

/* ---- out of memory: every valid fixture, with every allocation failing in turn ---- */

struct oom_ctx {
    const struct reader_under_test *rd;
    const char *text;
    size_t len;
};

/* The OOM loop over every valid fixture of rd, running body on each. */
static int oom_every_valid_fixture(const struct reader_under_test *rd,
                                   enum appmesh_status (*body)(void *ctx))
{
    size_t i = 0;
    for (i = 0; i < rd->valid_count; i++) {
        struct oom_ctx c;
        char *text = load_exact(rd->fixtures, "valid", valid_file(rd, i), &c.len);
        int rc = 0;
        CHECK(text != NULL, valid_file(rd, i));
        c.rd = rd;
        c.text = text;
        rc = test_oom_loop(body, &c, 64);
        free(text);
        if (rc != 0) {
            fprintf(stderr, "  in %s/valid/%s\n", rd->fixtures, valid_file(rd, i));
            return 1;
        }
    }
    return 0;
}

static enum appmesh_status parse_and_copy(void *p)
{
    const struct oom_ctx *c = p;
    struct appmesh_error err = {0};
    struct appmesh_virtual_service_data d, copy;
    enum appmesh_status st =
        am_json_read_virtual_service_data(c->text, c->len, &test_allocator, &d, &err);
    if (st != APPMESH_OK) {
        return is_zeroed(&d, sizeof(d)) && err.status == st ? st : APPMESH_ERR_INTERNAL;
    }
    st = appmesh_virtual_service_data_copy(&copy, &d, &test_allocator, &err);
    appmesh_virtual_service_data_cleanup(&d);
    if (st != APPMESH_OK) {
        return is_zeroed(&copy, sizeof(copy)) && err.status == st ? st : APPMESH_ERR_INTERNAL;
    }
    appmesh_virtual_service_data_cleanup(&copy);
    return st;
}

static int parse_and_copy_survive_every_failed_allocation(void)
{
    return oom_every_valid_fixture(&data_reader, parse_and_copy);
}

static enum appmesh_status parse_only(void *p)
{
    const struct oom_ctx *c = p;
    struct appmesh_error err = {0};
    union parsed out;
    enum appmesh_status st = c->rd->parse(c->text, c->len, &test_allocator, &out, &err);
    if (st != APPMESH_OK) {
        return is_zeroed(&out, c->rd->out_size) && err.status == st ? st : APPMESH_ERR_INTERNAL;
    }
    c->rd->cleanup(&out);
    return st;
}

static int list_parsing_survives_every_failed_allocation(void)
{
    return oom_every_valid_fixture(&list_reader, parse_only);
}

static const struct test_case cases[] = {
    {"writes_virtual_node_body_exactly", writes_virtual_node_body_exactly},
    {"writes_virtual_router_body_exactly", writes_virtual_router_body_exactly},
    {"writes_empty_spec_when_provider_is_none", writes_empty_spec_when_provider_is_none},
    {"writes_empty_spec_when_spec_is_null", writes_empty_spec_when_spec_is_null},
    {"omits_client_token_when_null", omits_client_token_when_null},
    {"escapes_quotes_backslashes_and_control_characters",
     escapes_quotes_backslashes_and_control_characters},
    {"keeps_utf8_bytes_as_they_are", keeps_utf8_bytes_as_they_are},
    {"writes_names_of_255_four_byte_characters", writes_names_of_255_four_byte_characters},
    {"writes_worst_case_escaping_without_overflow", writes_worst_case_escaping_without_overflow},
    {"appends_after_existing_contents", appends_after_existing_contents},
    {"refuses_a_provider_without_its_name", refuses_a_provider_without_its_name},
    {"refuses_an_unknown_provider_kind", refuses_an_unknown_provider_kind},
    {"body_writing_survives_every_failed_allocation",
     body_writing_survives_every_failed_allocation},
    {"parses_every_valid_fixture", parses_every_valid_fixture},
    {"refuses_every_invalid_fixture", refuses_every_invalid_fixture},
    {"parses_every_valid_list_fixture", parses_every_valid_list_fixture},
    {"refuses_every_invalid_list_fixture", refuses_every_invalid_list_fixture},
    {"every_fixture_file_is_listed", every_fixture_file_is_listed},
    {"refuses_a_null_body", refuses_a_null_body},
    {"reads_only_the_given_length", reads_only_the_given_length},
    {"keeps_every_64_bit_version_exactly", keeps_every_64_bit_version_exactly},
    {"refuses_versions_a_64_bit_integer_cannot_hold",
     refuses_versions_a_64_bit_integer_cannot_hold},
    {"reads_a_page_of_1000_refs", reads_a_page_of_1000_refs},
    {"survives_every_truncation_and_byte_flip", survives_every_truncation_and_byte_flip},
    {"list_survives_every_truncation_and_byte_flip", list_survives_every_truncation_and_byte_flip},
    {"parse_and_copy_survive_every_failed_allocation",
     parse_and_copy_survive_every_failed_allocation},
    {"list_parsing_survives_every_failed_allocation",
     list_parsing_survives_every_failed_allocation},
};

TEST_MAIN("json", cases)
