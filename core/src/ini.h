/* SPDX-License-Identifier: MIT */
/* The INI dialect of the shared config and credentials files: parsing and finding (ini.c). */
#ifndef APPMESH_INI_H
#define APPMESH_INI_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "internal.h"

enum am_ini_section_kind {
    AM_INI_SECTION_OTHER = 0, /* not something we read, e.g. [plugins] */
    AM_INI_SECTION_PROFILE,
    AM_INI_SECTION_SERVICES,
    AM_INI_SECTION_SSO_SESSION,
};

struct am_ini_section {
    const char *header; /* the text between '[' and ']', trimmed */
    const char *name;   /* the profile or services name: a view into header */
    size_t name_len;
    enum am_ini_section_kind kind;
    int line;
    size_t first; /* its entries are entries[first .. first + count) */
    size_t count;
};

struct am_ini_entry {
    const char *key;   /* top-level keys folded to lower case, as configparser does */
    const char *value; /* "" for a sub-section's key */
    int line;
    size_t section;
    long parent;     /* -1: a key of the section; else the index of its sub-section key */
    bool subsection; /* a key whose value is the indented lines under it */
};

struct am_ini_file {
    char *path;       /* as shown in messages */
    bool readable;    /* false when the path could not be formed (HOME unset) */
    char *text;       /* the file, NUL-terminated and cut up in place; wiped on free */
    unsigned mode;    /* its permission bits (st_mode & 07777), when read from disk */
    size_t text_size; /* allocated bytes */
    struct am_ini_section *sections;
    size_t nsections, sections_cap;
    struct am_ini_entry *entries;
    size_t nentries, entries_cap;
};

/**
 * Parse f->text (NUL-terminated, len bytes) in place into f's sections and entries, as the AWS
 * CLI reads the file `which`: `[profile x]` (and `[default]`) in config, `[x]` in credentials,
 * `[services x]` and `[sso-session x]` sections, `#`/`;` comments, keys folded to lower case,
 * indented sub-section lines. Errors: CONFIG naming f->path and the line, NOMEM.
 */
enum appmesh_status am_ini_parse(const struct appmesh_allocator *a,
                                 struct am_ini_file *f,
                                 enum am_config_file which,
                                 size_t len,
                                 struct appmesh_error *err);
/** The section of that kind and name (the last, when several); NULL when none. */
const struct am_ini_section *
am_ini_find_section(const struct am_ini_file *f, enum am_ini_section_kind kind, const char *name);
/** The top-level key of a section (not a sub-section line); NULL when none. */
const struct am_ini_entry *
am_ini_find_key(const struct am_ini_file *f, const struct am_ini_section *s, const char *key);
/** Free everything f owns, wiping the text (it may hold secrets); f is left zeroed. */
void am_ini_file_cleanup(const struct appmesh_allocator *a, struct am_ini_file *f);

#endif
