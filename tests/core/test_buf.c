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
};

TEST_MAIN("buf", cases)
