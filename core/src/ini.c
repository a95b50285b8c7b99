/* SPDX-License-Identifier: MIT */
/* The INI dialect of the shared config and credentials files, as the AWS CLI reads them. */
#include "ini.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "internal.h"

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\f' || c == '\v';
}

static char *trim(char *s)
{
    size_t n = 0;
    while (is_blank(*s)) {
        s++;
    }
    n = strlen(s);
    while (n > 0 && is_blank(s[n - 1])) {
        s[--n] = '\0';
    }
    return s;
}

/* Keys are named in messages only when they look like keys (a mistyped line could hold a secret
 * where the key should be). */
static const char *printable_key(const char *key)
{
    size_t i = 0;
    for (i = 0; key[i] != '\0'; i++) {
        char c = key[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-' || c == '.';
        if (!ok || i >= 32) {
            return "(key not shown)";
        }
    }
    return key;
}

static enum appmesh_status grow(const struct appmesh_allocator *a,
                                void **p,
                                size_t *cap,
                                size_t elem,
                                size_t need,
                                struct appmesh_error *err)
{
    size_t ncap = *cap == 0 ? 8 : *cap;
    void *np = NULL;
    if (need <= *cap) {
        return APPMESH_OK;
    }
    while (ncap < need) {
        ncap *= 2;
    }
    np = am_realloc(a, *p, *cap * elem, ncap * elem);
    if (np == NULL) {
        return am_fail(err, APPMESH_ERR_NOMEM, "out of memory parsing config files");
    }
    memset((char *)np + *cap * elem, 0, (ncap - *cap) * elem);
    *p = np;
    *cap = ncap;
    return APPMESH_OK;
}

static enum appmesh_status
line_fail(struct appmesh_error *err, const struct am_ini_file *f, int line, const char *fmt, ...)
    APPMESH_PRINTF(4, 5);

static enum appmesh_status
line_fail(struct appmesh_error *err, const struct am_ini_file *f, int line, const char *fmt, ...)
{
    char why[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    return am_fail(err, APPMESH_ERR_CONFIG, "%s, line %d: %s", f->path, line, why);
}

/* "profile x" / "services x" (shlex-split into exactly two words, as botocore does) */
static bool split_named(const char *header, const char *word, const char **name, size_t *len)
{
    size_t wl = strlen(word);
    const char *p = header + wl;
    size_t n = 0;
    if (strncmp(header, word, wl) != 0 || !is_blank(*p)) {
        return false;
    }
    while (is_blank(*p)) {
        p++;
    }
    n = strlen(p);
    if (n >= 2 && (p[0] == '"' || p[0] == '\'') && p[n - 1] == p[0]) {
        *name = p + 1;
        *len = n - 2;
        return memchr(p + 1, p[0], n - 2) == NULL && n > 2;
    }
    if (n == 0 || strpbrk(p, " \t\f\v\"'") != NULL) {
        return false;
    }
    *name = p;
    *len = n;
    return true;
}

static void classify_section(struct am_ini_section *s, enum am_config_file which)
{
    s->kind = AM_INI_SECTION_OTHER;
    if (which == AM_CONFIG_FILE_CREDENTIALS) {
        s->kind = AM_INI_SECTION_PROFILE;
        s->name = s->header;
        s->name_len = strlen(s->header);
    } else if (strcmp(s->header, "default") == 0) {
        s->kind = AM_INI_SECTION_PROFILE;
        s->name = s->header;
        s->name_len = 7;
    } else if (split_named(s->header, "profile", &s->name, &s->name_len)) {
        s->kind = AM_INI_SECTION_PROFILE;
    } else if (split_named(s->header, "services", &s->name, &s->name_len)) {
        s->kind = AM_INI_SECTION_SERVICES;
    } else if (split_named(s->header, "sso-session", &s->name, &s->name_len)) {
        s->kind = AM_INI_SECTION_SSO_SESSION;
    }
}

/* Cut an inline comment: '#' or ';' after whitespace. */
static void cut_inline_comment(char *s)
{
    char *p = s;
    for (p = s; *p != '\0'; p++) {
        if ((*p == '#' || *p == ';') && p > s && is_blank(p[-1])) {
            *p = '\0';
            return;
        }
    }
}

static enum appmesh_status add_entry(const struct appmesh_allocator *a,
                                     struct am_ini_file *f,
                                     const char *key,
                                     const char *value,
                                     int line,
                                     long parent,
                                     struct appmesh_error *err)
{
    struct am_ini_entry *e = NULL;
    enum appmesh_status st =
        grow(a, (void **)&f->entries, &f->entries_cap, sizeof(*e), f->nentries + 1, err);
    if (st != APPMESH_OK) {
        return st;
    }
    e = &f->entries[f->nentries++];
    e->key = key;
    e->value = value;
    e->line = line;
    e->section = f->nsections - 1;
    e->parent = parent;
    e->subsection = false;
    f->sections[f->nsections - 1].count++;
    return APPMESH_OK;
}

/* An indented line under the key entries[cur]: part of its sub-section. */
static enum appmesh_status parse_sub_line(const struct appmesh_allocator *a,
                                          struct am_ini_file *f,
                                          long cur,
                                          char *content,
                                          int lineno,
                                          struct appmesh_error *err)
{
    struct am_ini_entry *parent = &f->entries[cur];
    char *eq = NULL;
    char *key = NULL;
    if (parent->value[0] != '\0') {
        return line_fail(err, f, lineno,
                         "indented line after '%s', which has a value (only a key with an empty "
                         "value starts a sub-section)",
                         printable_key(parent->key));
    }
    eq = strchr(content, '=');
    if (eq == NULL) {
        return line_fail(err, f, lineno, "expected 'key = value' in the sub-section '%s'",
                         printable_key(parent->key));
    }
    *eq = '\0';
    key = trim(content);
    if (key[0] == '\0') {
        return line_fail(err, f, lineno, "missing key before '='");
    }
    parent->subsection = true;
    return add_entry(a, f, key, trim(eq + 1), lineno, cur, err);
}

static enum appmesh_status parse_header(const struct appmesh_allocator *a,
                                        struct am_ini_file *f,
                                        enum am_config_file which,
                                        char *content,
                                        int lineno,
                                        struct appmesh_error *err)
{
    size_t n = strlen(content);
    struct am_ini_section *s = NULL;
    char *header = NULL;
    enum appmesh_status st = APPMESH_OK;

    if (content[n - 1] != ']') {
        return line_fail(err, f, lineno,
                         strchr(content, ']') != NULL ? "unexpected text after ']'"
                                                      : "section header without ']'");
    }
    content[n - 1] = '\0';
    header = trim(content + 1);
    if (header[0] == '\0') {
        return line_fail(err, f, lineno, "empty section name '[]'");
    }
    st = grow(a, (void **)&f->sections, &f->sections_cap, sizeof(*s), f->nsections + 1, err);
    if (st != APPMESH_OK) {
        return st;
    }
    s = &f->sections[f->nsections++];
    memset(s, 0, sizeof(*s));
    s->header = header;
    s->line = lineno;
    s->first = f->nentries;
    classify_section(s, which);
    return APPMESH_OK;
}

static enum appmesh_status parse_key_line(const struct appmesh_allocator *a,
                                          struct am_ini_file *f,
                                          char *content,
                                          int lineno,
                                          struct appmesh_error *err)
{
    char *delim = content + strcspn(content, "=:");
    char *key = NULL;
    char *p = NULL;
    if (f->nsections == 0) {
        return line_fail(err, f, lineno, "a key before any [section]");
    }
    if (*delim == '\0') {
        return line_fail(err, f, lineno,
                         "expected 'key = value', a [section] or a comment ('#' or ';')");
    }
    *delim = '\0';
    key = trim(content);
    if (key[0] == '\0') {
        return line_fail(err, f, lineno, "missing key before '%c'", '=');
    }
    for (p = key; *p != '\0'; p++) {
        if (*p >= 'A' && *p <= 'Z') {
            *p = (char)(*p - 'A' + 'a');
        }
    }
    return add_entry(a, f, key, trim(delim + 1), lineno, -1, err);
}

static int cmp_sections(const void *x, const void *y)
{
    const struct am_ini_section *a = *(const struct am_ini_section *const *)x;
    const struct am_ini_section *b = *(const struct am_ini_section *const *)y;
    int c = strcmp(a->header, b->header);
    return c != 0 ? c : (a->line > b->line) - (a->line < b->line);
}

static int cmp_entries(const void *x, const void *y)
{
    const struct am_ini_entry *a = *(const struct am_ini_entry *const *)x;
    const struct am_ini_entry *b = *(const struct am_ini_entry *const *)y;
    int c = (a->section > b->section) - (a->section < b->section);
    if (c == 0) {
        c = strcmp(a->key, b->key);
    }
    return c != 0 ? c : (a->line > b->line) - (a->line < b->line);
}

/* configparser (strict, as botocore uses it) refuses a repeated section, or a repeated key in
 * one section. Sorted, so that a big file costs n log n; the earliest repeat is reported. */
static enum appmesh_status check_duplicates(const struct appmesh_allocator *a,
                                            const struct am_ini_file *f,
                                            struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_OK;
    size_t n = f->nsections > f->nentries ? f->nsections : f->nentries;
    const void **v = NULL;
    size_t i = 0;
    size_t m = 0;
    const struct am_ini_section *dup_s = NULL, *first_s = NULL;
    const struct am_ini_entry *dup_e = NULL, *first_e = NULL;

    if (n < 2) {
        return APPMESH_OK;
    }
    v = am_calloc(a, n * sizeof(*v));
    if (v == NULL) {
        return am_fail(err, APPMESH_ERR_NOMEM, "out of memory parsing config files");
    }
    for (i = 0; i < f->nsections; i++) {
        v[i] = &f->sections[i];
    }
    qsort(v, f->nsections, sizeof(*v), cmp_sections);
    for (i = 1; i < f->nsections; i++) {
        const struct am_ini_section *p = v[i - 1], *s = v[i];
        if (strcmp(p->header, s->header) == 0 && (dup_s == NULL || s->line < dup_s->line)) {
            dup_s = s;
            first_s = p;
        }
    }
    for (i = 0; i < f->nentries; i++) {
        if (f->entries[i].parent < 0) {
            v[m++] = &f->entries[i];
        }
    }
    qsort(v, m, sizeof(*v), cmp_entries);
    for (i = 1; i < m; i++) {
        const struct am_ini_entry *p = v[i - 1], *e = v[i];
        if (p->section == e->section && strcmp(p->key, e->key) == 0 &&
            (dup_e == NULL || e->line < dup_e->line)) {
            dup_e = e;
            first_e = p;
        }
    }
    if (dup_s != NULL && (dup_e == NULL || dup_s->line < dup_e->line)) {
        st = line_fail(err, f, dup_s->line, "section [%s] already appears on line %d",
                       dup_s->header, first_s->line);
    } else if (dup_e != NULL) {
        st =
            line_fail(err, f, dup_e->line, "'%s' is already set in [%s] on line %d",
                      printable_key(dup_e->key), f->sections[dup_e->section].header, first_e->line);
    }
    am_free(a, v, n * sizeof(*v));
    return st;
}

enum appmesh_status am_ini_parse(const struct appmesh_allocator *a,
                                 struct am_ini_file *f,
                                 enum am_config_file which,
                                 size_t len,
                                 struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_OK;
    char *p = f->text;
    char *end = f->text + len;
    int lineno = 0;
    long cur = -1;     /* the key that indented lines continue, or -1 */
    size_t indent = 0; /* that key's indentation */

    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
        p += 3; /* a UTF-8 byte order mark */
    }
    while (p < end && st == APPMESH_OK) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *line = p;
        char *content = NULL;
        size_t n = 0;
        size_t ind = 0;

        lineno++;
        if (nl != NULL) {
            *nl = '\0';
            p = nl + 1;
        } else {
            p = end;
        }
        n = strlen(line);
        if (line + n != (nl != NULL ? nl : end)) {
            return line_fail(err, f, lineno, "contains a NUL byte (not a text file?)");
        }
        if (am_utf8_count(line, n) < 0) {
            return line_fail(err, f, lineno, "not valid UTF-8");
        }
        /* CRLF, and "\r\r\n" from converting CRLF again (botocore reads it) */
        while (n > 0 && line[n - 1] == '\r') {
            line[--n] = '\0';
        }
        while (is_blank(line[ind])) {
            ind++;
        }
        content = line + ind;
        if (content[0] == '\0' || content[0] == '#' || content[0] == ';') {
            continue; /* blank lines and comments do not end a sub-section */
        }
        cut_inline_comment(content);
        content = trim(content);
        if (cur >= 0 && ind > indent) {
            st = parse_sub_line(a, f, cur, content, lineno, err);
            continue;
        }
        cur = -1;
        if (content[0] == '[') {
            st = parse_header(a, f, which, content, lineno, err);
        } else {
            st = parse_key_line(a, f, content, lineno, err);
            cur = (long)f->nentries - 1;
            indent = ind;
        }
    }
    if (st == APPMESH_OK) {
        st = check_duplicates(a, f, err);
    }
    return st;
}

const struct am_ini_section *
am_ini_find_section(const struct am_ini_file *f, enum am_ini_section_kind kind, const char *name)
{
    size_t n = strlen(name);
    size_t i = f->nsections;
    /* The last of several sections naming one profile ([default], [profile default]) wins. */
    while (i-- > 0) {
        const struct am_ini_section *s = &f->sections[i];
        if (s->kind == kind && s->name_len == n && memcmp(s->name, name, n) == 0) {
            return s;
        }
    }
    return NULL;
}

const struct am_ini_entry *
am_ini_find_key(const struct am_ini_file *f, const struct am_ini_section *s, const char *key)
{
    size_t i = 0;
    for (i = s->first; i < s->first + s->count; i++) {
        const struct am_ini_entry *e = &f->entries[i];
        if (e->parent < 0 && strcmp(e->key, key) == 0) {
            return e;
        }
    }
    return NULL;
}

void am_ini_file_cleanup(const struct appmesh_allocator *a, struct am_ini_file *f)
{
    am_free_str(a, f->path);
    if (f->text != NULL) {
        am_zeroize(f->text, f->text_size);
        am_free(a, f->text, f->text_size);
    }
    am_free(a, f->sections, f->sections_cap * sizeof(*f->sections));
    am_free(a, f->entries, f->entries_cap * sizeof(*f->entries));
    memset(f, 0, sizeof(*f));
}
