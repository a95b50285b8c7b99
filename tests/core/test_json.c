/* SPDX-License-Identifier: MIT */
/* Tests for json.c: the update body byte for byte, and VirtualServiceData from fixtures. */
#include <dirent.h>

#include "harness.h"
#include "internal.h"

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

/* Parse a whole fixture from an exactly sized heap copy (no NUL: ASan sees any overread). */
static enum appmesh_status parse_fixture(const char *dir,
                                         const char *file,
                                         const struct appmesh_allocator *a,
                                         struct appmesh_virtual_service_data *out,
                                         struct appmesh_error *err,
                                         int *io_error)
{
    char path[512];
    size_t len = 0;
    char *text = NULL;
    char *exact = NULL;
    enum appmesh_status st = APPMESH_ERR_INTERNAL;

    *io_error = 0;
    snprintf(path, sizeof(path), "%s/%s/%s", FIXTURES, dir, file);
    text = test_read_file(path, &len);
    if (text == NULL) {
        fprintf(stderr, "  cannot read %s\n", path);
        *io_error = 1;
        return APPMESH_ERR_INTERNAL;
    }
    exact = malloc(len == 0 ? 1 : len);
    if (exact == NULL) {
        free(text);
        *io_error = 1;
        return APPMESH_ERR_INTERNAL;
    }
    memcpy(exact, text, len);
    st = am_json_read_virtual_service_data(exact, len, a, out, err);
    free(exact);
    free(text);
    return st;
}

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

static int check_version_int64_min(const struct appmesh_virtual_service_data *d)
{
    return is_version(d, INT64_MIN);
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
    {"version_int64_min.json", check_version_int64_min},
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

static int parses_every_valid_fixture(void)
{
    size_t i = 0;
    int failed = 0;
    for (i = 0; i < sizeof(valid_fixtures) / sizeof(valid_fixtures[0]); i++) {
        struct appmesh_error err = {0};
        struct appmesh_virtual_service_data d;
        int io = 0;
        int rc = 0;
        enum appmesh_status st =
            parse_fixture("valid", valid_fixtures[i].file, &test_allocator, &d, &err, &io);
        if (io != 0 || st != APPMESH_OK) {
            fprintf(stderr, "  %s: %s: %s\n", valid_fixtures[i].file, appmesh_status_name(st),
                    err.message);
            rc = 1;
        } else {
            rc = d.alloc == &test_allocator ? valid_fixtures[i].check(&d) : 1;
            appmesh_virtual_service_data_cleanup(&d);
        }
        printf("%s json.valid/%s\n", rc == 0 ? "ok  " : "FAIL", valid_fixtures[i].file);
        failed += rc;
    }
    return failed == 0 ? 0 : 1;
}

static int is_zeroed(const struct appmesh_virtual_service_data *d)
{
    struct appmesh_virtual_service_data zero;
    memset(&zero, 0, sizeof(zero));
    return memcmp(d, &zero, sizeof(zero)) == 0;
}

static int refuses_every_invalid_fixture(void)
{
    size_t i = 0;
    int failed = 0;
    for (i = 0; i < sizeof(invalid_fixtures) / sizeof(invalid_fixtures[0]); i++) {
        struct appmesh_error err = {0};
        struct appmesh_virtual_service_data d;
        int io = 0;
        int rc = 0;
        enum appmesh_status st =
            parse_fixture("invalid", invalid_fixtures[i].file, &test_allocator, &d, &err, &io);
        if (io != 0) {
            rc = 1;
        } else if (st != APPMESH_ERR_RESPONSE || err.status != APPMESH_ERR_RESPONSE) {
            fprintf(stderr, "  %s: got %s, want APPMESH_ERR_RESPONSE\n", invalid_fixtures[i].file,
                    appmesh_status_name(st));
            rc = 1;
            if (st == APPMESH_OK) {
                appmesh_virtual_service_data_cleanup(&d);
            }
        } else if (strcmp(err.message, invalid_fixtures[i].message) != 0) {
            fprintf(stderr, "  %s:\n    got:  \"%s\"\n    want: \"%s\"\n", invalid_fixtures[i].file,
                    err.message, invalid_fixtures[i].message);
            rc = 1;
        } else if (!is_zeroed(&d)) {
            fprintf(stderr, "  %s: out is not left zeroed\n", invalid_fixtures[i].file);
            rc = 1;
        } else if (strcmp(appmesh_error_code(&err), "ResponseError") != 0) {
            rc = 1;
        }
        printf("%s json.invalid/%s\n", rc == 0 ? "ok  " : "FAIL", invalid_fixtures[i].file);
        failed += rc;
    }
    return failed == 0 ? 0 : 1;
}

static bool listed(const char *dir, const char *name)
{
    size_t i = 0;
    if (strcmp(dir, "valid") == 0) {
        for (i = 0; i < sizeof(valid_fixtures) / sizeof(valid_fixtures[0]); i++) {
            if (strcmp(valid_fixtures[i].file, name) == 0) {
                return true;
            }
        }
        return false;
    }
    for (i = 0; i < sizeof(invalid_fixtures) / sizeof(invalid_fixtures[0]); i++) {
        if (strcmp(invalid_fixtures[i].file, name) == 0) {
            return true;
        }
    }
    return false;
}

static int every_fixture_file_is_listed(void)
{
    static const char *const dirs[] = {"valid", "invalid"};
    size_t i = 0;
    int missing = 0;
    for (i = 0; i < 2; i++) {
        char path[256];
        DIR *d = NULL;
        struct dirent *e = NULL;
        long seen = 0;
        snprintf(path, sizeof(path), "%s/%s", FIXTURES, dirs[i]);
        d = opendir(path);
        CHECK(d != NULL, path);
        while ((e = readdir(d)) != NULL) {
            size_t n = strlen(e->d_name);
            if (n < 5 || strcmp(e->d_name + n - 5, ".json") != 0) {
                continue;
            }
            seen++;
            if (!listed(dirs[i], e->d_name)) {
                fprintf(stderr, "  %s/%s is not listed in test_json.c\n", dirs[i], e->d_name);
                missing++;
            }
        }
        closedir(d);
        CHECK(seen > 0, "fixtures found");
    }
    return missing == 0 ? 0 : 1;
}

static int refuses_a_null_body(void)
{
    struct appmesh_error err = {0};
    struct appmesh_virtual_service_data d;
    CHECK_STATUS(am_json_read_virtual_service_data(NULL, 0, &test_allocator, &d, &err),
                 APPMESH_ERR_RESPONSE, &err);
    CHECK_STR_EQ(err.message, "response body is empty (0 bytes)");
    CHECK(is_zeroed(&d), "zeroed");
    return 0;
}

static int reads_only_the_given_length(void)
{
    static const char text[] = "{\"meshName\":\"m\"}{garbage";
    struct appmesh_error err = {0};
    struct appmesh_virtual_service_data d;
    CHECK_OK(am_json_read_virtual_service_data(text, 16, &test_allocator, &d, &err), &err);
    CHECK_STR_EQ(d.mesh_name, "m");
    appmesh_virtual_service_data_cleanup(&d);
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
        {"-9007199254740993", -INT64_C(9007199254740993)},
        {"1234567890123456789", INT64_C(1234567890123456789)},
        {"9223372036854775807", INT64_MAX},
        {"-9223372036854775808", INT64_MIN},
        {"1e3", 1000},
        {"2.0E1", 20},
    };
    size_t i = 0;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char body[128];
        struct appmesh_error err = {0};
        struct appmesh_virtual_service_data d;
        int n = snprintf(body, sizeof(body), "{\"metadata\":{\"version\":%s}}", cases[i].text);
        CHECK_OK(am_json_read_virtual_service_data(body, (size_t)n, &test_allocator, &d, &err),
                 &err);
        if (is_version(&d, cases[i].want) != 0) {
            fprintf(stderr, "  for %s\n", cases[i].text);
            appmesh_virtual_service_data_cleanup(&d);
            return 1;
        }
        appmesh_virtual_service_data_cleanup(&d);
    }
    return 0;
}

static int refuses_versions_a_64_bit_integer_cannot_hold(void)
{
    static const char *const texts[] = {"1.5",
                                        "1e300",
                                        "9007199254740993.0",
                                        "-1e19",
                                        "18446744073709551616",
                                        "99999999999999999999999"};
    size_t i = 0;
    for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        char body[128];
        struct appmesh_error err = {0};
        struct appmesh_virtual_service_data d;
        int n = snprintf(body, sizeof(body), "{\"metadata\":{\"version\":%s}}", texts[i]);
        CHECK_STATUS(am_json_read_virtual_service_data(body, (size_t)n, &test_allocator, &d, &err),
                     APPMESH_ERR_RESPONSE, &err);
        CHECK(strstr(err.message, "metadata.version") != NULL, err.message);
    }
    return 0;
}

/* Parse bytes from an exactly sized heap copy; only OK or RESPONSE may come back. */
static int parse_mutant(const char *bytes, size_t len)
{
    struct appmesh_error err = {0};
    struct appmesh_virtual_service_data d;
    char *exact = malloc(len == 0 ? 1 : len);
    enum appmesh_status st = APPMESH_ERR_INTERNAL;
    CHECK(exact != NULL, "malloc");
    memcpy(exact, bytes, len);
    st = am_json_read_virtual_service_data(exact, len, &test_allocator, &d, &err);
    free(exact);
    if (st == APPMESH_OK) {
        appmesh_virtual_service_data_cleanup(&d);
        return 0;
    }
    if (st != APPMESH_ERR_RESPONSE || !is_zeroed(&d)) {
        fprintf(stderr, "  %s for %zu bytes: %s\n", appmesh_status_name(st), len, err.message);
        return 1;
    }
    return 0;
}

static int survives_every_truncation_and_byte_flip(void)
{
    static const char *const files[] = {"compact_single_line.json", "escaped_keys.json",
                                        "duplicate_keys_first_wins.json",
                                        "version_above_2_pow_53.json"};
    static const char flips[] = {'"', '\\', '{', '}', '[', ':', ',', '9', '.', ' ', '\0', '\xff'};
    size_t f = 0;
    for (f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
        char path[256];
        size_t len = 0, i = 0, k = 0;
        char *text = NULL;
        snprintf(path, sizeof(path), "%s/valid/%s", FIXTURES, files[f]);
        text = test_read_file(path, &len);
        CHECK(text != NULL, path);
        for (i = 0; i <= len; i++) {
            if (parse_mutant(text, i) != 0) {
                free(text);
                return 1;
            }
        }
        for (i = 0; i < len; i++) {
            char saved = text[i];
            for (k = 0; k < sizeof(flips); k++) {
                text[i] = flips[k];
                if (parse_mutant(text, len) != 0) {
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

/* ---- out of memory: parse, then copy ---- */

struct parse_copy_ctx {
    const char *text;
    size_t len;
};

static enum appmesh_status parse_and_copy(void *p)
{
    const struct parse_copy_ctx *c = p;
    struct appmesh_error err = {0};
    struct appmesh_virtual_service_data d, copy;
    enum appmesh_status st =
        am_json_read_virtual_service_data(c->text, c->len, &test_allocator, &d, &err);
    if (st != APPMESH_OK) {
        return is_zeroed(&d) && err.status == st ? st : APPMESH_ERR_INTERNAL;
    }
    st = appmesh_virtual_service_data_copy(&copy, &d, &test_allocator, &err);
    appmesh_virtual_service_data_cleanup(&d);
    if (st != APPMESH_OK) {
        return is_zeroed(&copy) && err.status == st ? st : APPMESH_ERR_INTERNAL;
    }
    appmesh_virtual_service_data_cleanup(&copy);
    return st;
}

static int parse_and_copy_survive_every_failed_allocation(void)
{
    size_t i = 0;
    for (i = 0; i < sizeof(valid_fixtures) / sizeof(valid_fixtures[0]); i++) {
        char path[256];
        struct parse_copy_ctx c;
        char *text = NULL;
        int rc = 0;
        snprintf(path, sizeof(path), "%s/valid/%s", FIXTURES, valid_fixtures[i].file);
        text = test_read_file(path, &c.len);
        CHECK(text != NULL, path);
        c.text = text;
        rc = test_oom_loop(parse_and_copy, &c, 64);
        free(text);
        if (rc != 0) {
            fprintf(stderr, "  in %s\n", valid_fixtures[i].file);
            return 1;
        }
    }
    return 0;
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
    {"every_fixture_file_is_listed", every_fixture_file_is_listed},
    {"refuses_a_null_body", refuses_a_null_body},
    {"reads_only_the_given_length", reads_only_the_given_length},
    {"keeps_every_64_bit_version_exactly", keeps_every_64_bit_version_exactly},
    {"refuses_versions_a_64_bit_integer_cannot_hold",
     refuses_versions_a_64_bit_integer_cannot_hold},
    {"survives_every_truncation_and_byte_flip", survives_every_truncation_and_byte_flip},
    {"parse_and_copy_survive_every_failed_allocation",
     parse_and_copy_survive_every_failed_allocation},
};

TEST_MAIN("json", cases)
