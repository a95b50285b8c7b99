/* SPDX-License-Identifier: MIT */
/* Tests for endpoint.c: the botocore App Mesh endpoint cases, URL parsing, partitions. */
#include <cjson/cJSON.h>

#include "endpoint.h"
#include "harness.h"
#include "internal.h"

#define VECTORS APPMESH_TEST_DATA "/vectors/endpoints/appmesh/endpoint-tests-1.json"

/* ---- am_url_parse ---- */

struct url_ok {
    const char *url;
    const char *scheme, *host, *authority, *path;
    int port;
};

static const struct url_ok s_url_ok[] = {
    {"http://127.0.0.1:9000", "http", "127.0.0.1", "127.0.0.1:9000", "", 9000},
    {"https://example.com", "https", "example.com", "example.com", "", 443},
    {"http://example.com", "http", "example.com", "example.com", "", 80},
    {"https://example.com/", "https", "example.com", "example.com", "", 443},
    {"http://[::1]:8080/base/", "http", "::1", "[::1]:8080", "/base", 8080},
    {"http://[2001:db8::7]", "http", "2001:db8::7", "[2001:db8::7]", "", 80},
    {"HTTPS://Example.COM/a/b//", "https", "Example.COM", "Example.COM", "/a/b", 443},
    {"http://mesh_emulator:1/p%2Fq/~x", "http", "mesh_emulator", "mesh_emulator:1", "/p%2Fq/~x", 1},
    {"https://h:65535/", "https", "h", "h:65535", "", 65535},
};

static int parses_valid_urls(void)
{
    size_t i = 0;
    for (i = 0; i < sizeof(s_url_ok) / sizeof(s_url_ok[0]); i++) {
        const struct url_ok *c = &s_url_ok[i];
        struct appmesh_error err = {0};
        struct am_url u;
        CHECK_OK(am_url_parse(c->url, &u, &err), &err);
        CHECK_MEM_EQ(u.scheme.ptr, u.scheme.len, c->scheme, strlen(c->scheme));
        CHECK_MEM_EQ(u.host.ptr, u.host.len, c->host, strlen(c->host));
        CHECK_MEM_EQ(u.authority.ptr, u.authority.len, c->authority, strlen(c->authority));
        CHECK_MEM_EQ(u.path.ptr, u.path.len, c->path, strlen(c->path));
        CHECK_INT_EQ(u.port, c->port);
    }
    return 0;
}

struct url_bad {
    const char *url;
    const char *why; /* a substring of the message */
};

static const struct url_bad s_url_bad[] = {
    {"", "the URL is empty"},
    {"example.com", "expected http://host or https://host"},
    {"ftp://example.com", "the scheme must be http or https"},
    {"http://", "the host is missing"},
    {"http:///path", "the host is missing"},
    {"http://:80", "the host is missing"},
    {"http://h:", "the port after ':' is empty"},
    {"http://h:0", "the port must be a number from 1 to 65535"},
    {"http://h:65536", "the port must be a number from 1 to 65535"},
    {"http://h:8a", "the port must be a number from 1 to 65535"},
    {"http://h:80:81", "the port must be a number from 1 to 65535"},
    {"http://h/?q=1", "a query string ('?') is not allowed"},
    {"http://h?q", "a query string ('?') is not allowed"},
    {"http://h/#top", "a fragment ('#') is not allowed"},
    {"http://h /x", "a space or a control character"},
    {"http://h/a\tb", "a space or a control character"},
    {"http://h\xc3\xa9.example/", "non-ASCII"},
    {"http://[::1", "never closes"},
    {"http://[zz::1]", "IPv6 address between '[' and ']' is malformed"},
    {"http://[127.0.0.1]", "IPv6 address between '[' and ']' is malformed"},
    {"http://[::1]x", "unexpected text after the IPv6 address"},
    {"http://h!x/", "the host name may only hold"},
    {"http://h/%zz", "'%' in the path must start a %XX escape"},
    {"http://h/a%2", "'%' in the path must start a %XX escape"},
    {"http://h/a|b", "must be percent-encoded"},
    {"http://h/{x}", "must be percent-encoded"},
};

static int rejects_malformed_urls_saying_why(void)
{
    size_t i = 0;
    for (i = 0; i < sizeof(s_url_bad) / sizeof(s_url_bad[0]); i++) {
        struct appmesh_error err = {0};
        struct am_url u;
        CHECK_STATUS(am_url_parse(s_url_bad[i].url, &u, &err), APPMESH_ERR_ENDPOINT, &err);
        if (strstr(err.message, s_url_bad[i].why) == NULL) {
            fprintf(stderr, "  url \"%s\": message \"%s\" lacks \"%s\"\n", s_url_bad[i].url,
                    err.message, s_url_bad[i].why);
            return 1;
        }
        CHECK(strstr(err.message, "invalid endpoint URL '") == err.message, err.message);
    }
    return 0;
}

static int names_the_url_in_errors(void)
{
    struct appmesh_error err = {0};
    struct am_url u;
    CHECK_STATUS(am_url_parse("ftp://mesh.example", &u, &err), APPMESH_ERR_ENDPOINT, &err);
    CHECK_STR_EQ(err.message,
                 "invalid endpoint URL 'ftp://mesh.example': the scheme must be http or https");
    return 0;
}

static int masks_user_information(void)
{
    struct appmesh_error err = {0};
    struct am_url u;
    CHECK_STATUS(am_url_parse("https://admin:hunter2@mesh.example/x", &u, &err),
                 APPMESH_ERR_ENDPOINT, &err);
    CHECK(strstr(err.message, "hunter2") == NULL, err.message);
    CHECK(strstr(err.message, "admin") == NULL, err.message);
    CHECK_STR_EQ(err.message, "invalid endpoint URL 'https://***@mesh.example/x': user "
                              "information (user:password@) is not allowed");
    return 0;
}

static int shortens_long_urls_in_errors(void)
{
    char url[400];
    struct appmesh_error err = {0};
    struct am_url u;
    memset(url, 'a', sizeof(url));
    memcpy(url, "ftp://", 6);
    url[sizeof(url) - 1] = '\0';
    CHECK_STATUS(am_url_parse(url, &u, &err), APPMESH_ERR_ENDPOINT, &err);
    CHECK(strstr(err.message, "...': the scheme must be http or https") != NULL, err.message);
    return 0;
}

/* ---- am_endpoint_resolve beyond the botocore cases ---- */

struct resolve_case {
    const char *region;
    const char *endpoint;
    bool fips, dualstack;
    const char *url;  /* expected URL, or NULL for an error */
    const char *want; /* error message prefix */
};

static const struct resolve_case s_resolve[] = {
    {"il-central-1", NULL, false, false, "https://appmesh.il-central-1.amazonaws.com", NULL},
    {"mx-central-1", NULL, false, true, "https://appmesh.mx-central-1.api.aws", NULL},
    {"aws-global", NULL, false, false, "https://appmesh.aws-global.amazonaws.com", NULL},
    {"xx-nowhere-1", NULL, false, false, "https://appmesh.xx-nowhere-1.amazonaws.com", NULL},
    {"local", NULL, false, false, "https://appmesh.local.amazonaws.com", NULL},
    {"us-gov-west-1", NULL, true, false, "https://appmesh-fips.us-gov-west-1.amazonaws.com", NULL},
    {"cn-northwest-1", NULL, true, true,
     "https://appmesh-fips.cn-northwest-1.api.amazonwebservices.com.cn", NULL},
    {"us-isof-south-1", NULL, false, false, "https://appmesh.us-isof-south-1.csp.hci.ic.gov", NULL},
    {"eu-isoe-west-1", NULL, true, false, "https://appmesh-fips.eu-isoe-west-1.cloud.adc-e.uk",
     NULL},
    {"eusc-de-east-1", NULL, false, false, "https://appmesh.eusc-de-east-1.amazonaws.eu", NULL},
    {"us-iso-east-1", NULL, false, true, NULL,
     "DualStack is enabled but this partition does not support DualStack (region us-iso-east-1, "
     "partition aws-iso)"},
    {"us-isob-east-1", NULL, true, true, NULL,
     "FIPS and DualStack are enabled, but this partition does not support one or both (region "
     "us-isob-east-1, partition aws-iso-b)"},
    {"us east 1", NULL, false, false, NULL, "invalid region 'us east 1': a region is letters"},
    {"-us-east-1", NULL, false, false, NULL, "invalid region '-us-east-1'"},
    {"us-east-1-", NULL, false, false, NULL, "invalid region 'us-east-1-'"},
    {"us_east_1", NULL, false, false, NULL, "invalid region 'us_east_1'"},
    {"", NULL, false, false, NULL, "Invalid Configuration: Missing Region"},
    {NULL, "", false, false, NULL, "Invalid Configuration: Missing Region"},
    {"us-east-1", "http://127.0.0.1:9000/mesh/", false, false, "http://127.0.0.1:9000/mesh", NULL},
    {"us east 1", "http://[::1]:9000", false, false, "http://[::1]:9000", NULL},
    {"us-east-1", "localhost:9000", false, false, NULL,
     "invalid endpoint URL 'localhost:9000': expected http://host or https://host"},
    {NULL, "https://example.com", true, true, NULL,
     "Invalid Configuration: FIPS and custom endpoint are not supported (endpoint "
     "https://example.com: turn FIPS off or drop the endpoint)"},
};

static int resolves_partitions_variants_and_custom_endpoints(void)
{
    size_t i = 0;
    for (i = 0; i < sizeof(s_resolve) / sizeof(s_resolve[0]); i++) {
        const struct resolve_case *c = &s_resolve[i];
        struct am_endpoint_params p = {c->region, c->endpoint, c->fips, c->dualstack, NULL};
        struct appmesh_error err = {0};
        struct appmesh_buf url;
        enum appmesh_status st;
        am_buf_init(&url, &test_allocator, 0);
        st = am_endpoint_resolve(&p, &url, &err);
        if (c->url != NULL) {
            CHECK_OK(st, &err);
            CHECK_STR_EQ(am_buf_cstr(&url), c->url);
        } else {
            CHECK_STATUS(st, APPMESH_ERR_ENDPOINT, &err);
            CHECK_STR_EQ(am_buf_cstr(&url), "");
            if (strncmp(err.message, c->want, strlen(c->want)) != 0) {
                fprintf(stderr, "  case %zu: message \"%s\" does not start with \"%s\"\n", i,
                        err.message, c->want);
                appmesh_buf_cleanup(&url);
                return 1;
            }
        }
        appmesh_buf_cleanup(&url);
    }
    return 0;
}

static int replaces_what_the_buffer_held(void)
{
    struct am_endpoint_params p = {"eu-west-1", NULL, false, false, NULL};
    struct appmesh_error err = {0};
    struct appmesh_buf url;
    am_buf_init(&url, &test_allocator, 0);
    CHECK_OK(am_buf_append_str(&url, "stale", &err), &err);
    CHECK_OK(am_endpoint_resolve(&p, &url, &err), &err);
    CHECK_STR_EQ(url.ptr, "https://appmesh.eu-west-1.amazonaws.com");
    appmesh_buf_cleanup(&url);
    return 0;
}

static enum appmesh_status resolve_once(void *ctx)
{
    const struct am_endpoint_params *p = ctx;
    struct appmesh_error err = {0};
    struct appmesh_buf url;
    enum appmesh_status st;
    am_buf_init(&url, &test_allocator, 0);
    st = am_endpoint_resolve(p, &url, &err);
    appmesh_buf_cleanup(&url);
    return st;
}

static int reports_nomem_without_leaking(void)
{
    struct am_endpoint_params regional = {"ap-southeast-2", NULL, true, true, NULL};
    struct am_endpoint_params custom = {NULL, "http://127.0.0.1:9000/", false, false, NULL};
    CHECK(test_oom_loop(resolve_once, &regional, 10) == 0, "regional endpoint");
    CHECK(test_oom_loop(resolve_once, &custom, 10) == 0, "custom endpoint");
    return 0;
}

static const struct test_case cases[] = {
    {"parses_valid_urls", parses_valid_urls},
    {"rejects_malformed_urls_saying_why", rejects_malformed_urls_saying_why},
    {"names_the_url_in_errors", names_the_url_in_errors},
    {"masks_user_information", masks_user_information},
    {"shortens_long_urls_in_errors", shortens_long_urls_in_errors},
    {"resolves_partitions_variants_and_custom_endpoints",
     resolves_partitions_variants_and_custom_endpoints},
    {"replaces_what_the_buffer_held", replaces_what_the_buffer_held},
    {"reports_nomem_without_leaking", reports_nomem_without_leaking},
};

/* ---- the botocore cases: one line per case, `ok  endpoint.<n>: <documentation>` ---- */

static const char *json_str(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool json_bool(const cJSON *obj, const char *key)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, key));
}

static int run_vector(const cJSON *tc)
{
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(tc, "params");
    const cJSON *expect = cJSON_GetObjectItemCaseSensitive(tc, "expect");
    const cJSON *endpoint = cJSON_GetObjectItemCaseSensitive(expect, "endpoint");
    const char *want_url = json_str(endpoint, "url");
    const char *want_error = json_str(expect, "error");
    struct am_endpoint_params p = {json_str(params, "Region"), json_str(params, "Endpoint"),
                                   json_bool(params, "UseFIPS"), json_bool(params, "UseDualStack"),
                                   NULL};
    struct appmesh_error err = {0};
    struct appmesh_buf url;
    enum appmesh_status st;
    int rc = 0;

    CHECK(want_url != NULL || want_error != NULL, "case expects a url or an error");
    am_buf_init(&url, &test_allocator, 0);
    st = am_endpoint_resolve(&p, &url, &err);
    if (want_url != NULL) {
        if (st != APPMESH_OK || strcmp(am_buf_cstr(&url), want_url) != 0) {
            fprintf(stderr, "  got %s \"%s\" (%s), want \"%s\"\n", appmesh_status_name(st),
                    am_buf_cstr(&url), err.message, want_url);
            rc = 1;
        }
    } else if (st != APPMESH_ERR_ENDPOINT ||
               strncmp(err.message, want_error, strlen(want_error)) != 0) {
        /* Our message starts with the rules' text, then says what to change. */
        fprintf(stderr, "  got %s \"%s\", want APPMESH_ERR_ENDPOINT \"%s...\"\n",
                appmesh_status_name(st), err.message, want_error);
        rc = 1;
    }
    appmesh_buf_cleanup(&url);
    return rc;
}

int main(int argc, char **argv)
{
    char *text = test_read_file(VECTORS, NULL);
    cJSON *doc = NULL;
    const cJSON *tc = NULL;
    int passed = 0, failed = 0, n = 0;
    size_t i = 0;

    if (text == NULL) {
        fprintf(stderr, "cannot read %s\n", VECTORS);
        return 1;
    }
    doc = cJSON_Parse(text);
    free(text);
    if (doc == NULL) {
        fprintf(stderr, "cannot parse %s\n", VECTORS);
        return 1;
    }
    cJSON_ArrayForEach(tc, cJSON_GetObjectItemCaseSensitive(doc, "testCases"))
    {
        char name[16];
        int rc = 0;
        n++;
        snprintf(name, sizeof(name), "%d", n);
        if (argc > 1 && strcmp(argv[1], name) != 0) {
            continue;
        }
        test_alloc_reset();
        rc = run_vector(tc);
        if (rc == 0 && test_alloc_state.live_blocks != 0) {
            fprintf(stderr, "  leak: %ld blocks still allocated\n", test_alloc_state.live_blocks);
            rc = 1;
        }
        printf("%s endpoint.%d: %s\n", rc == 0 ? "ok  " : "FAIL", n,
               json_str(tc, "documentation") != NULL ? json_str(tc, "documentation") : "");
        if (rc == 0) {
            passed++;
        } else {
            failed++;
        }
    }
    cJSON_Delete(doc);
    if (argc <= 1 && n != 61) {
        fprintf(stderr, "expected 61 endpoint cases, found %d\n", n);
        failed++;
    }
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc = 0;
        if (argc > 1 && strcmp(argv[1], cases[i].name) != 0) {
            continue;
        }
        test_alloc_reset();
        rc = cases[i].fn();
        if (rc == 0 && test_alloc_state.live_blocks != 0) {
            fprintf(stderr, "  leak: %ld blocks still allocated\n", test_alloc_state.live_blocks);
            rc = 1;
        }
        printf("%s endpoint.%s\n", rc == 0 ? "ok  " : "FAIL", cases[i].name);
        if (rc == 0) {
            passed++;
        } else {
            failed++;
        }
    }
    printf("endpoint: %d passed, %d failed\n", passed, failed);
    return failed == 0 && passed > 0 ? 0 : 1;
}
