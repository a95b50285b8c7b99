/* SPDX-License-Identifier: MIT */
/* Tests for http.c: response header lookup over the raw header block. */
#include "appmesh/appmesh.h"
#include "harness.h"
#include "internal.h"

static int finds_response_headers_case_insensitively(void)
{
    struct appmesh_error err = {0};
    struct appmesh_http_response r = {0};
    struct appmesh_slice v = {0};
    am_buf_init(&r.headers, &test_allocator, 0);
    CHECK_OK(am_buf_append_str(&r.headers,
                               "Content-Type: application/json\r\nx-amzn-RequestId:  abc  \r\n",
                               &err),
             &err);
    CHECK(appmesh_http_response_header(&r, "X-Amzn-RequestId", &v), "header found");
    CHECK_MEM_EQ(v.ptr, v.len, "abc", 3);
    CHECK(!appmesh_http_response_header(&r, "x-amzn-ErrorType", &v), "absent header");
    appmesh_http_response_cleanup(&r);
    return 0;
}

static int finds_the_first_of_repeated_headers_and_empty_values(void)
{
    struct appmesh_error err = {0};
    struct appmesh_http_response r = {0};
    struct appmesh_slice v = {0};
    am_buf_init(&r.headers, &test_allocator, 0);
    CHECK_OK(am_buf_append_str(&r.headers,
                               "HTTP/1.1 200 OK\r\nDate: one\r\nDate: two\r\nX-Empty:\r\n", &err),
             &err);
    CHECK(appmesh_http_response_header(&r, "date", &v), "header found");
    CHECK_MEM_EQ(v.ptr, v.len, "one", 3);
    CHECK(appmesh_http_response_header(&r, "X-Empty", &v), "empty header found");
    CHECK_INT_EQ(v.len, 0);
    CHECK(!appmesh_http_response_header(&r, "Dat", &v), "a prefix of a name is not the name");
    appmesh_http_response_cleanup(&r);
    return 0;
}

/* A header is the whole text before a line's first colon: not a prefix, not a longer name. */
static int matches_whole_response_header_names(void)
{
    struct appmesh_error err = {0};
    struct appmesh_http_response r = {0};
    struct appmesh_slice v = {0};
    am_buf_init(&r.headers, &test_allocator, 0);
    CHECK_OK(am_buf_append_str(&r.headers,
                               "Dat\r\nDate-Extra: 1\r\nDa: 2\r\nno colon here\r\n"
                               "Retry: a:b\r\nDATE:3",
                               &err),
             &err);
    CHECK(appmesh_http_response_header(&r, "date", &v), "the last line, without CRLF");
    CHECK_MEM_EQ(v.ptr, v.len, "3", 1);
    CHECK(appmesh_http_response_header(&r, "da", &v), "a name that is a prefix of another");
    CHECK_MEM_EQ(v.ptr, v.len, "2", 1);
    CHECK(appmesh_http_response_header(&r, "Retry", &v), "a colon in the value");
    CHECK_MEM_EQ(v.ptr, v.len, "a:b", 3);
    CHECK(!appmesh_http_response_header(&r, "Retry: a", &v), "a name with a colon");
    CHECK(!appmesh_http_response_header(&r, "no colon here", &v), "a line without a colon");
    CHECK(!appmesh_http_response_header(&r, "Date-Extra: 1", &v), "a whole line");
    CHECK(!appmesh_http_response_header(&r, "Dat", &v), "a line that is only the name");
    appmesh_http_response_cleanup(&r);
    return 0;
}

static const struct test_case cases[] = {
    {"finds_response_headers_case_insensitively", finds_response_headers_case_insensitively},
    {"matches_whole_response_header_names", matches_whole_response_header_names},
    {"finds_the_first_of_repeated_headers_and_empty_values",
     finds_the_first_of_repeated_headers_and_empty_values},
};

TEST_MAIN("http", cases)
