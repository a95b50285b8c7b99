/* SPDX-License-Identifier: MIT */
/* Tests for json_text.c: finding the escaped NULs that cJSON's strings would cut short. */
#include <string.h>

#include "harness.h"
#include "json_text.h"

static int names_the_member_that_holds_an_escaped_nul(void)
{
    static const struct {
        const char *text;
        bool has;
        const char *field;
    } cases[] = {
        {"{\"a\":\"plain\"}", false, ""},
        {"{\"a\":\"x\\u0000y\"}", true, "a"},
        {"{\"list\":[\"ok\",\"\\u0000\"]}", true, "list"},
        {"{\"o\":{\"b\":\"\\u0000\"}}", true, "b"},
        {"{\"k\\u0000\":1}", true, "(a key)"},
        {"\"\\u0000\"", true, "(top level)"},
        {"{\"a\":\"\\\\u0000\"}", false, ""}, /* an escaped backslash, then text */
        {"{\"a\":\"\\u00001\"}", true, "a"},
        {"{\"a\":\"\\u0001\"}", false, ""},
    };
    size_t i = 0;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char field[32] = "";
        bool has =
            am_json_text_has_nul(cases[i].text, strlen(cases[i].text), NULL, field, sizeof(field));
        CHECK(has == cases[i].has, cases[i].text);
        if (has) {
            CHECK_STR_EQ(field, cases[i].field);
        }
    }
    return 0;
}

static int repeats_only_printable_ascii_of_a_key_cut_to_size(void)
{
    static const char accented[] = "{\"n\xc3\xa9\":\"\\u0000\"}";
    static const char long_key[] = "{\"abcdefghij\":\"\\u0000\"}";
    char field[8] = "";
    char small[4] = "";
    CHECK(am_json_text_has_nul(accented, strlen(accented), NULL, field, sizeof(field)), "found");
    CHECK_STR_EQ(field, "n??");
    CHECK(am_json_text_has_nul(long_key, strlen(long_key), NULL, small, sizeof(small)), "found");
    CHECK_STR_EQ(small, "abc");
    return 0;
}

/* A reader of secrets names only the members it reads: a hostile answer can put a secret in a
 * key (found by fuzz_credentials: a key holding the planted secret key was quoted). */
static int names_only_the_members_listed(void)
{
    static const char *const names[] = {"AccessKeyId", "Token", NULL};
    static const char secret_key[] = "{\"wJalrXUtnFEMI/K7MDENG\":[\"\\u0000\"]}";
    static const char listed[] = "{\"Token\":\"t\",\"AccessKeyId\":\"\\u0000\"}";
    static const char prefix[] = "{\"Tok\":\"\\u0000\"}";
    char field[64] = "";
    CHECK(am_json_text_has_nul(secret_key, strlen(secret_key), names, field, sizeof(field)),
          "found");
    CHECK_STR_EQ(field, "(another member)");
    CHECK(am_json_text_has_nul(listed, strlen(listed), names, field, sizeof(field)), "found");
    CHECK_STR_EQ(field, "AccessKeyId");
    CHECK(am_json_text_has_nul(prefix, strlen(prefix), names, field, sizeof(field)), "found");
    CHECK_STR_EQ(field, "(another member)");
    return 0;
}

static const struct test_case cases[] = {
    {"names_the_member_that_holds_an_escaped_nul", names_the_member_that_holds_an_escaped_nul},
    {"repeats_only_printable_ascii_of_a_key_cut_to_size",
     repeats_only_printable_ascii_of_a_key_cut_to_size},
    {"names_only_the_members_listed", names_only_the_members_listed},
};

TEST_MAIN("json_text", cases)
