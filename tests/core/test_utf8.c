/* SPDX-License-Identifier: MIT */
/* Tests for utf8.c: counting characters, refusing what RFC 3629 does not allow. */
#include "harness.h"
#include "internal.h"

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

static int counts_the_edges_of_each_length(void)
{
    CHECK_INT_EQ(am_utf8_count("", 0), 0);
    CHECK_INT_EQ(am_utf8_count("\x7f", 1), 1);
    CHECK_INT_EQ(am_utf8_count("\xc2\x80", 2), 1);         /* U+0080 */
    CHECK_INT_EQ(am_utf8_count("\xdf\xbf", 2), 1);         /* U+07FF */
    CHECK_INT_EQ(am_utf8_count("\xe0\xa0\x80", 3), 1);     /* U+0800 */
    CHECK_INT_EQ(am_utf8_count("\xef\xbf\xbf", 3), 1);     /* U+FFFF */
    CHECK_INT_EQ(am_utf8_count("\xf4\x8f\xbf\xbf", 4), 1); /* U+10FFFF */
    CHECK_INT_EQ(am_utf8_count("\xe0\x9f\xbf", 3), -1);    /* overlong U+07FF */
    CHECK_INT_EQ(am_utf8_count("\x80", 1), -1);            /* a lone continuation byte */
    CHECK_INT_EQ(am_utf8_count("a\0b", 3), 3);             /* NUL is a character */
    return 0;
}

static const struct test_case cases[] = {
    {"counts_utf8_characters", counts_utf8_characters},
    {"counts_the_edges_of_each_length", counts_the_edges_of_each_length},
};

TEST_MAIN("utf8", cases)
