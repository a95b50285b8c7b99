/* SPDX-License-Identifier: MIT */
/* A minimal, strict XML reader: well-formed or refused; the text of elements by path (xml.c). */
#ifndef APPMESH_XML_H
#define APPMESH_XML_H

#include <stdbool.h>
#include <stddef.h>

#include "internal.h"

/** An element to find, by its path from the root. */
struct am_xml_field {
    const char *path; /* "AssumeRoleResponse/AssumeRoleResult/Credentials/AccessKeyId" */
    struct appmesh_slice raw;
    bool found;
};

/**
 * Scan doc: one root element, properly nested and closed, attributes quoted, nothing but
 * whitespace, comments and processing instructions around it (no DTD, no CDATA). Records the
 * raw text of each wanted leaf element. Returns NULL when well-formed, else the reason. Borrowed:
 * each found field's raw text points into doc.
 */
const char *am_xml_scan(const char *doc, size_t len, struct am_xml_field *f, size_t nf);
/**
 * Decode a field's text (trimmed; the five entities and character references) into out. *bad is set
 * when the text has an entity or character reference that is not allowed. Errors: NOMEM. */
enum appmesh_status am_xml_text(const struct appmesh_slice *raw,
                                struct appmesh_buf *out,
                                bool *bad,
                                struct appmesh_error *err);

#endif
