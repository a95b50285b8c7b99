/* SPDX-License-Identifier: MIT */
/* Tests for buf.c, alloc.c, error.c, utf8.c and http.c: the shared foundations. */
#include "appmesh/appmesh.h"
#include "harness.h"
#include "internal.h"

static int appends_and_stays_nul_terminated(void)
{
    struct appmesh_error err = {0};
    struct appmesh_buf b;
    am_buf_init(&b, &test_allocator, 0);
    CHECK_STR_EQ(am_buf_cstr(&b), "");
    CHECK_OK(am_buf_append_str(&b, "abc", &err), &err);
    CHECK_OK(am_buf_printf(&b, &err, "-%d-%s", 42, "x"), &err);
    CHECK_OK(am_buf_append_char(&b, '!', &err), &err);
    CHECK_STR_EQ(b.ptr, "abc-42-x!");
    CHECK_INT_EQ(b.len, 9);
    am_buf_reset(&b);
    CHECK_STR_EQ(b.ptr, "");
    appmesh_buf_cleanup(&b);
    appmesh_buf_cleanup(&b);
    return 0;
}

static int refuses_growth_past_max(void)
{
    struct appmesh_error err = {0};
    struct appmesh_buf b;
    am_buf_init(&b, &test_allocator, 4);
    CHECK_OK(am_buf_append_str(&b, "abcd", &err), &err);
    CHECK_STATUS(am_buf_append_str(&b, "e", &err), APPMESH_ERR_RESPONSE, &err);
    CHECK(strstr(err.message, "4-byte limit") != NULL, err.message);
    appmesh_buf_cleanup(&b);
    return 0;
}

static int reports_nomem_on_failed_allocation(void)
{
    struct appmesh_error err = {0};
    struct appmesh_buf b;
    am_buf_init(&b, &test_allocator, 0);
    test_alloc_state.fail_at = 1;
    CHECK_STATUS(am_buf_append_str(&b, "x", &err), APPMESH_ERR_NOMEM, &err);
    appmesh_buf_cleanup(&b);
    return 0;
}

static int first_error_wins(void)
{
    struct appmesh_error err = {0};
    CHECK_INT_EQ(am_fail(&err, APPMESH_ERR_TRANSPORT, "first %d", 1), APPMESH_ERR_TRANSPORT);
    CHECK_INT_EQ(am_fail(&err, APPMESH_ERR_NOMEM, "second"), APPMESH_ERR_NOMEM);
    CHECK_STR_EQ(err.message, "first 1");
    CHECK_INT_EQ(err.status, APPMESH_ERR_TRANSPORT);
    CHECK_STR_EQ(appmesh_error_code(&err), "TransportError");
    return 0;
}

static int field_errors_name_the_path(void)
{
    struct appmesh_error err = {0};
    am_fail_field(&err, "spec.provider", "must be\nset");
    CHECK_STR_EQ(err.field, "spec.provider");
    CHECK_STR_EQ(err.message, "must be set");
    CHECK_STR_EQ(appmesh_error_code(&err), "ValidationError");
    return 0;
}

static int counts_utf8_characters(void)
{
    CHECK_INT_EQ(am_utf8_count("abc", 3), 3);
    CHECK_INT_EQ(am_utf8_count("\xe1\x88\xb4x", 4), 2);
    CHECK_INT_EQ(am_utf8_count("\xf0\x9f\x98\x80", 4), 1);
    CHECK_INT_EQ(am_utf8_count("\xc0\xaf", 2), -1);     /* overlong */
    CHECK_INT_EQ(am_utf8_count("\xed\xa0\x80", 3), -1); /* surrogate */
    CHECK_INT_EQ(am_utf8_count("\xe1\x88", 2), -1);     /* truncated */
    CHECK_INT_EQ(am_utf8_count("\xff", 1), -1);
    CHECK_INT_EQ(am_utf8_count("\xf4\x90\x80\x80", 4), -1); /* past U+10FFFF */
    return 0;
}

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

/* An allocator that records whether any block it frees still holds "SECRET". */
static bool s_unwiped_free;

static void *wipe_checking_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    (void)ud;
    if (ptr != NULL && osize > 0 && (nsize == 0 || nsize != osize)) {
        const char *p = ptr;
        size_t i = 0;
        for (i = 0; i + 6 <= osize; i++) {
            if (memcmp(p + i, "SECRET", 6) == 0) {
                s_unwiped_free = true;
            }
        }
    }
    return test_allocator.fn(test_allocator.ud, ptr, osize, nsize);
}

static int wipes_the_old_block_when_it_grows(void)
{
    const struct appmesh_allocator a = {wipe_checking_alloc, NULL};
    struct appmesh_error err = {0};
    struct appmesh_buf b;
    size_t i = 0;

    s_unwiped_free = false;
    am_buf_init(&b, &a, 0);
    CHECK_OK(am_buf_append_str(&b, "token=SECRET", &err), &err);
    for (i = 0; i < 100; i++) { /* several doublings */
        CHECK_OK(am_buf_append_str(&b, "-more-text-", &err), &err);
    }
    CHECK(strncmp(b.ptr, "token=SECRET-more-text-", 23) == 0, b.ptr);
    CHECK(!s_unwiped_free, "a block holding the secret was freed unwiped");
    appmesh_buf_cleanup(&b);
    CHECK(!s_unwiped_free, "the buffer was freed unwiped");
    return 0;
}

static const struct test_case cases[] = {
    {"appends_and_stays_nul_terminated", appends_and_stays_nul_terminated},
    {"refuses_growth_past_max", refuses_growth_past_max},
    {"wipes_the_old_block_when_it_grows", wipes_the_old_block_when_it_grows},
    {"reports_nomem_on_failed_allocation", reports_nomem_on_failed_allocation},
    {"first_error_wins", first_error_wins},
    {"field_errors_name_the_path", field_errors_name_the_path},
    {"counts_utf8_characters", counts_utf8_characters},
    {"finds_response_headers_case_insensitively", finds_response_headers_case_insensitively},
};

TEST_MAIN("buf", cases)
