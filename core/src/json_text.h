/* SPDX-License-Identifier: MIT */
/* What cJSON's tree cannot tell about a JSON text, read from the text itself. */
#ifndef APPMESH_JSON_TEXT_H
#define APPMESH_JSON_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/**
 * Whether a string in the JSON text (well-formed or not) holds an escaped NUL (`\u0000`), which
 * cJSON decodes into a C string that silently ends there. When it does, `field` receives the
 * name of the member whose value (or, within an array, whose array) holds it, "(a key)" when a
 * key itself holds it, or "(top level)"; printable ASCII only, cut to fieldsize. With `names`
 * (a NULL-terminated list), a member not in it is "(another member)": a hostile answer can put
 * any text in a key, a secret's included, so a reader of secrets names only the members it reads.
 */
bool am_json_text_has_nul(
    const char *text, size_t len, const char *const *names, char *field, size_t fieldsize);

#endif
