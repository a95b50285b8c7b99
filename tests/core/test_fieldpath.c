/* SPDX-License-Identifier: MIT */
/* Tests for fieldpath.c: paths pushed and popped as a reader walks, formatted on demand. */
#include <string.h>

#include "fieldpath.h"
#include "harness.h"

static int formats_members_and_list_positions(void)
{
    struct am_path p = {0};
    size_t top = 0;
    size_t inner = 0;
    CHECK_STR_EQ(am_path_text(&p, "(top)"), "(top)");
    top = am_path_push(&p, "spec", 0);
    am_path_push(&p, "listeners", 0);
    inner = am_path_push(&p, NULL, 2);
    am_path_push(&p, "portMapping", 0);
    CHECK_STR_EQ(am_path_text(&p, "(top)"), "spec.listeners[2].portMapping");
    CHECK_STR_EQ(am_path_member(&p), "portMapping");
    am_path_pop(&p, inner + 1);
    CHECK(am_path_member(&p) == NULL, "inside a list position there is no member");
    am_path_pop(&p, top);
    CHECK_STR_EQ(am_path_text(&p, "(top)"), "(top)");
    CHECK(am_path_member(&p) == NULL, "no member at the top");
    return 0;
}

static int counts_list_positions_from_the_base(void)
{
    struct am_path p = {0};
    p.list_base = 1; /* Lua's lists start at 1 */
    am_path_push(&p, "items", 0);
    am_path_push(&p, NULL, 0);
    CHECK_STR_EQ(am_path_text(&p, ""), "items[1]");
    return 0;
}

static int cuts_long_paths_and_ignores_frames_past_the_depth(void)
{
    struct am_path p = {0};
    char name[40];
    size_t i = 0;
    memset(name, 'm', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    for (i = 0; i < 3 * AM_PATH_MAX_DEPTH; i++) {
        am_path_push(&p, name, 0);
    }
    CHECK_INT_EQ(p.n, 2 * AM_PATH_MAX_DEPTH + 2);
    CHECK_INT_EQ(strlen(am_path_text(&p, "")), sizeof(p.text) - 1);
    return 0;
}

static const struct test_case cases[] = {
    {"formats_members_and_list_positions", formats_members_and_list_positions},
    {"counts_list_positions_from_the_base", counts_list_positions_from_the_base},
    {"cuts_long_paths_and_ignores_frames_past_the_depth",
     cuts_long_paths_and_ignores_frames_past_the_depth},
};

TEST_MAIN("fieldpath", cases)
