/* SPDX-License-Identifier: MIT */
/* Tests for xml.c: the strict reader of STS answers (elements by path, entities, refusals). */
#include <string.h>

#include "harness.h"
#include "xml.h"

static int finds_leaf_elements_by_path(void)
{
    static const char doc[] = "<?xml version=\"1.0\"?>\n<!-- an answer -->\n"
                              "<R xmlns=\"urn:x\"><A><B> one </B><C>two</C></A><D/></R>\n";
    struct am_xml_field f[3] = {{"R/A/B", {NULL, 0}, false},
                                {"R/A/C", {NULL, 0}, false},
                                {"R/A/Missing", {NULL, 0}, false}};
    CHECK(am_xml_scan(doc, strlen(doc), f, 3) == NULL, "well-formed");
    CHECK(f[0].found && f[1].found && !f[2].found, "found B and C, not Missing");
    CHECK_MEM_EQ(f[0].raw.ptr, f[0].raw.len, " one ", 5);
    CHECK_MEM_EQ(f[1].raw.ptr, f[1].raw.len, "two", 3);
    return 0;
}

static int refuses_what_is_not_well_formed(void)
{
    static const struct {
        const char *doc;
        const char *why;
    } cases[] = {
        {"", "no root element"},
        {"<a><b></a></b>", "mismatched closing tag"},
        {"<a></a><b></b>", "a second root element"},
        {"<a x=1></a>", "an unquoted attribute value"},
        {"<!DOCTYPE a><a></a>", "a DTD or CDATA section (not expected from STS)"},
        {"junk<a></a>", "text outside the root element"},
    };
    size_t i = 0;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct am_xml_field f = {"a", {NULL, 0}, false};
        CHECK_STR_EQ(am_xml_scan(cases[i].doc, strlen(cases[i].doc), &f, 1), cases[i].why);
    }
    return 0;
}

static int decodes_entities_and_character_references(void)
{
    static const struct {
        const char *raw;
        const char *want; /* NULL: refused (*bad) */
    } cases[] = {
        {"  a&amp;b  ", "a&b"},
        {"&lt;&gt;&quot;&apos;", "<>\"'"},
        {"&#65;&#x42;&#x1234;", "AB\xe1\x88\xb4"},
        {"&bogus;", NULL},
        {"&#x0;", NULL},      /* a control character */
        {"&#xD800;", NULL},   /* a surrogate */
        {"&#x110000;", NULL}, /* past U+10FFFF */
        {"&#xG;", NULL},
    };
    struct appmesh_error err = {0};
    struct appmesh_buf out;
    size_t i = 0;
    am_buf_init(&out, &test_allocator, 0);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct appmesh_slice raw = {cases[i].raw, strlen(cases[i].raw)};
        bool bad = false;
        CHECK_OK(am_xml_text(&raw, &out, &bad, &err), &err);
        CHECK(bad == (cases[i].want == NULL), cases[i].raw);
        if (cases[i].want != NULL) {
            CHECK_STR_EQ(am_buf_cstr(&out), cases[i].want);
        }
    }
    appmesh_buf_cleanup(&out);
    return 0;
}

static const struct test_case cases[] = {
    {"finds_leaf_elements_by_path", finds_leaf_elements_by_path},
    {"refuses_what_is_not_well_formed", refuses_what_is_not_well_formed},
    {"decodes_entities_and_character_references", decodes_entities_and_character_references},
};

TEST_MAIN("xml", cases)
