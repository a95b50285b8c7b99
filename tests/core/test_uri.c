/* SPDX-License-Identifier: MIT */
/* Tests for uri.c: the one percent-encoder and hex-digit decoder. */
#include <string.h>

#include "harness.h"
#include "uri.h"

static int keeps_only_unreserved_bytes(void)
{
    static const struct {
        const char *in;
        bool keep_slash;
        const char *want;
    } cases[] = {
        {"AZaz09-._~", false, "AZaz09-._~"},
        {"a b", false, "a%20b"},
        {"a/b", false, "a%2Fb"},
        {"a/b", true, "a/b"},
        {"100%", false, "100%25"},
        {"\xe1\x88\xb4", false, "%E1%88%B4"},
        {"+=&?#", true, "%2B%3D%26%3F%23"},
        {"", false, ""},
    };
    size_t i = 0;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char out[64];
        char *end = am_uri_encode(out, cases[i].in, strlen(cases[i].in), cases[i].keep_slash);
        *end = '\0';
        CHECK_STR_EQ(out, cases[i].want);
    }
    return 0;
}

static int classes_every_byte(void)
{
    unsigned c = 0;
    size_t kept = 0;
    for (c = 0; c < 256; c++) {
        kept += am_uri_class[c] == AM_URI_UNRESERVED;
    }
    CHECK_INT_EQ(kept, 26 + 26 + 10 + 4);
    CHECK_INT_EQ(am_uri_class['/'], AM_URI_SLASH);
    CHECK_INT_EQ(am_uri_class['%'], AM_URI_ENCODE);
    CHECK_INT_EQ(am_uri_class[0x80], AM_URI_ENCODE);
    return 0;
}

static int reads_hex_digits(void)
{
    unsigned c = 0;
    size_t digits = 0;
    CHECK_INT_EQ(am_hex_digit('0'), 0);
    CHECK_INT_EQ(am_hex_digit('9'), 9);
    CHECK_INT_EQ(am_hex_digit('a'), 10);
    CHECK_INT_EQ(am_hex_digit('F'), 15);
    CHECK_INT_EQ(am_hex_digit('g'), -1);
    CHECK_INT_EQ(am_hex_digit('G'), -1);
    for (c = 0; c < 256; c++) {
        digits += am_hex_digit((unsigned char)c) >= 0;
    }
    CHECK_INT_EQ(digits, 22);
    return 0;
}

static const struct test_case cases[] = {
    {"keeps_only_unreserved_bytes", keeps_only_unreserved_bytes},
    {"classes_every_byte", classes_every_byte},
    {"reads_hex_digits", reads_hex_digits},
};

TEST_MAIN("uri", cases)
