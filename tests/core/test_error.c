/* SPDX-License-Identifier: MIT */
/* Tests for error.c: first error wins, field errors, one-line messages, case-blind compares. */
#include <string.h>

#include "appmesh/appmesh.h"
#include "harness.h"
#include "internal.h"

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

static int keeps_messages_on_one_line_and_whole_characters(void)
{
    char out[6];
    char four[5];
    am_copy_text(out, sizeof(out), "a\nb\rc", 5);
    CHECK_STR_EQ(out, "a b c");
    /* "ab" + U+1234 (3 bytes) + "x" into 4 bytes of text: the character does not fit whole. */
    am_copy_text(four, sizeof(four), "ab\xe1\x88\xb4x", 6);
    CHECK_STR_EQ(four, "ab");
    am_copy_text(out, sizeof(out), "ab\xe1\x88\xb4x", 6);
    CHECK_STR_EQ(out, "ab\xe1\x88\xb4");
    am_copy_text(out, sizeof(out), "abcdefgh", 8);
    CHECK_STR_EQ(out, "abcde");
    am_copy_text(out, 1, "abc", 3);
    CHECK_STR_EQ(out, "");
    return 0;
}

static int a_message_longer_than_the_buffer_is_cut(void)
{
    struct appmesh_error err = {0};
    char long_text[600];
    memset(long_text, 'x', sizeof(long_text) - 1);
    long_text[sizeof(long_text) - 1] = '\0';
    am_fail(&err, APPMESH_ERR_INTERNAL, "%s", long_text);
    CHECK_INT_EQ(strlen(err.message), sizeof(err.message) - 1);
    CHECK_INT_EQ(err.status, APPMESH_ERR_INTERNAL);
    return 0;
}

static int compares_ascii_without_case(void)
{
    CHECK_INT_EQ(am_strcasecmp_n("Content-Type", 12, "content-type", 12), 0);
    CHECK(am_strcasecmp_n("abc", 3, "abd", 3) < 0, "abc < abd");
    CHECK(am_strcasecmp_n("abc", 3, "ab", 2) > 0, "a longer string sorts after its prefix");
    CHECK(am_strcasecmp_n("ab", 2, "ABC", 3) < 0, "a prefix sorts first");
    CHECK(am_strcasecmp_n("\xc3\x84", 2, "\xc3\xa4", 2) != 0, "only ASCII letters fold");
    return 0;
}

static int a_null_error_is_ignored(void)
{
    CHECK_INT_EQ(am_fail(NULL, APPMESH_ERR_NOMEM, "nowhere"), APPMESH_ERR_NOMEM);
    CHECK_INT_EQ(am_fail_field(NULL, "f", "nowhere"), APPMESH_ERR_VALIDATION);
    return 0;
}

static const struct test_case cases[] = {
    {"first_error_wins", first_error_wins},
    {"field_errors_name_the_path", field_errors_name_the_path},
    {"keeps_messages_on_one_line_and_whole_characters",
     keeps_messages_on_one_line_and_whole_characters},
    {"a_message_longer_than_the_buffer_is_cut", a_message_longer_than_the_buffer_is_cut},
    {"compares_ascii_without_case", compares_ascii_without_case},
    {"a_null_error_is_ignored", a_null_error_is_ignored},
};

TEST_MAIN("error", cases)
