/* SPDX-License-Identifier: MIT */
/* Environment variables, the shared config/credentials files as the AWS CLI reads them, and
 * the precedence that turns them into client settings. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "appmesh/client.h"
#include "endpoint.h"
#include "env.h"
#include "internal.h"
#include "settings.h"
#include "sigv4.h"
#include "warn.h"

#define MAX_FILE_SIZE  (1024 * 1024)
#define SHOW_VALUE_MAX 32 /* how much of a bad (non-secret) setting a message repeats */

const char *am_env_get(const struct am_env *env, const char *name)
{
    const char *v = NULL;
    if (env != NULL && env->getenv != NULL) {
        v = env->getenv(env->ud, name);
    } else {
        v = getenv(name);
    }
    return (v == NULL || v[0] == '\0') ? NULL : v;
}

/* ==== the INI dialect ==== */

enum section_kind {
    SECTION_OTHER = 0, /* not something we read, e.g. [plugins] */
    SECTION_PROFILE,
    SECTION_SERVICES,
    SECTION_SSO_SESSION,
};

struct ini_section {
    const char *header; /* the text between '[' and ']', trimmed */
    const char *name;   /* the profile or services name: a view into header */
    size_t name_len;
    enum section_kind kind;
    int line;
    size_t first; /* its entries are entries[first .. first + count) */
    size_t count;
};

struct ini_entry {
    const char *key;   /* top-level keys folded to lower case, as configparser does */
    const char *value; /* "" for a sub-section's key */
    int line;
    size_t section;
    long parent;     /* -1: a key of the section; else the index of its sub-section key */
    bool subsection; /* a key whose value is the indented lines under it */
};

struct ini_file {
    char *path;       /* as shown in messages */
    bool readable;    /* false when the path could not be formed (HOME unset) */
    char *text;       /* the file, NUL-terminated and cut up in place; wiped on free */
    unsigned mode;    /* its permission bits (st_mode & 07777), when read from disk */
    size_t text_size; /* allocated bytes */
    struct ini_section *sections;
    size_t nsections, sections_cap;
    struct ini_entry *entries;
    size_t nentries, entries_cap;
};

struct am_config {
    const struct appmesh_allocator *alloc;
    struct ini_file files[2];
};

static const char *const s_default_names[2] = {"<config>", "<credentials>"};

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
line_fail(struct appmesh_error *err, const struct ini_file *f, int line, const char *fmt, ...)
    APPMESH_PRINTF(4, 5);

static enum appmesh_status
line_fail(struct appmesh_error *err, const struct ini_file *f, int line, const char *fmt, ...)
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

static void classify_section(struct ini_section *s, enum am_config_file which)
{
    s->kind = SECTION_OTHER;
    if (which == AM_CONFIG_FILE_CREDENTIALS) {
        s->kind = SECTION_PROFILE;
        s->name = s->header;
        s->name_len = strlen(s->header);
    } else if (strcmp(s->header, "default") == 0) {
        s->kind = SECTION_PROFILE;
        s->name = s->header;
        s->name_len = 7;
    } else if (split_named(s->header, "profile", &s->name, &s->name_len)) {
        s->kind = SECTION_PROFILE;
    } else if (split_named(s->header, "services", &s->name, &s->name_len)) {
        s->kind = SECTION_SERVICES;
    } else if (split_named(s->header, "sso-session", &s->name, &s->name_len)) {
        s->kind = SECTION_SSO_SESSION;
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
                                     struct ini_file *f,
                                     const char *key,
                                     const char *value,
                                     int line,
                                     long parent,
                                     struct appmesh_error *err)
{
    struct ini_entry *e = NULL;
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
                                          struct ini_file *f,
                                          long cur,
                                          char *content,
                                          int lineno,
                                          struct appmesh_error *err)
{
    struct ini_entry *parent = &f->entries[cur];
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
                                        struct ini_file *f,
                                        enum am_config_file which,
                                        char *content,
                                        int lineno,
                                        struct appmesh_error *err)
{
    size_t n = strlen(content);
    struct ini_section *s = NULL;
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
                                          struct ini_file *f,
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
    const struct ini_section *a = *(const struct ini_section *const *)x;
    const struct ini_section *b = *(const struct ini_section *const *)y;
    int c = strcmp(a->header, b->header);
    return c != 0 ? c : (a->line > b->line) - (a->line < b->line);
}

static int cmp_entries(const void *x, const void *y)
{
    const struct ini_entry *a = *(const struct ini_entry *const *)x;
    const struct ini_entry *b = *(const struct ini_entry *const *)y;
    int c = (a->section > b->section) - (a->section < b->section);
    if (c == 0) {
        c = strcmp(a->key, b->key);
    }
    return c != 0 ? c : (a->line > b->line) - (a->line < b->line);
}

/* configparser (strict, as botocore uses it) refuses a repeated section, or a repeated key in
 * one section. Sorted, so that a big file costs n log n; the earliest repeat is reported. */
static enum appmesh_status check_duplicates(const struct appmesh_allocator *a,
                                            const struct ini_file *f,
                                            struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_OK;
    size_t n = f->nsections > f->nentries ? f->nsections : f->nentries;
    const void **v = NULL;
    size_t i = 0;
    size_t m = 0;
    const struct ini_section *dup_s = NULL, *first_s = NULL;
    const struct ini_entry *dup_e = NULL, *first_e = NULL;

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
        const struct ini_section *p = v[i - 1], *s = v[i];
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
        const struct ini_entry *p = v[i - 1], *e = v[i];
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

/* Parse f->text (NUL-terminated, len bytes) in place. */
static enum appmesh_status parse_text(const struct appmesh_allocator *a,
                                      struct ini_file *f,
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
        if (n > 0 && line[n - 1] == '\r') {
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

/* ==== reading the files ==== */

static void describe_errno(int e, char *buf, size_t size)
{
    if (strerror_r(e, buf, size) != 0) {
        snprintf(buf, size, "error %d", e);
    }
}

/* Read f->path into f->text. A missing file leaves f->text NULL. Growth wipes the old block:
 * the credentials file holds secrets. */
static enum appmesh_status read_file(const struct appmesh_allocator *a,
                                     struct ini_file *f,
                                     size_t *len,
                                     struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_OK;
    FILE *fp = NULL;
    struct stat sb;
    size_t cap = 0;
    size_t n = 0;
    char why[128];

    *len = 0;
    if (!f->readable) {
        return APPMESH_OK;
    }
    fp = fopen(f->path, "rb");
    if (fp == NULL) {
        if (errno == ENOENT || errno == ENOTDIR) {
            return APPMESH_OK;
        }
        describe_errno(errno, why, sizeof(why));
        return am_fail(err, APPMESH_ERR_CONFIG, "cannot read %s: %s", f->path, why);
    }
    /* Unbuffered: stdio's own buffer would keep a copy of the secrets that nobody wipes. */
    setvbuf(fp, NULL, _IONBF, 0);
    if (fstat(fileno(fp), &sb) != 0) {
        describe_errno(errno, why, sizeof(why));
        st = am_fail(err, APPMESH_ERR_CONFIG, "cannot read %s: %s", f->path, why);
        goto cleanup;
    }
    if (S_ISDIR(sb.st_mode)) {
        st = am_fail(err, APPMESH_ERR_CONFIG, "cannot read %s: it is a directory", f->path);
        goto cleanup;
    }
    f->mode = (unsigned)(sb.st_mode & 07777);
    /* One byte more than the file, so that the first read already sees the end. */
    cap = S_ISREG(sb.st_mode) && sb.st_size >= 0 && sb.st_size < MAX_FILE_SIZE
              ? (size_t)sb.st_size + 2
              : 4096;
    for (;;) {
        size_t got = 0;
        size_t want = 0;
        if (f->text == NULL || n + 1 >= cap) {
            size_t ncap = f->text == NULL ? cap : cap * 2;
            char *np = am_calloc(a, ncap);
            if (np == NULL) {
                st = am_fail(err, APPMESH_ERR_NOMEM, "out of memory reading %s", f->path);
                goto cleanup;
            }
            if (f->text != NULL) {
                memcpy(np, f->text, n);
                am_zeroize(f->text, f->text_size);
                am_free(a, f->text, f->text_size);
            }
            f->text = np;
            f->text_size = ncap;
            cap = ncap;
        }
        want = cap - 1 - n;
        got = fread(f->text + n, 1, want, fp);
        n += got;
        if (n > MAX_FILE_SIZE) {
            st = am_fail(err, APPMESH_ERR_CONFIG, "cannot read %s: it is larger than 1 MiB",
                         f->path);
            goto cleanup;
        }
        if (got < want) {
            break; /* end of file or an error */
        }
    }
    if (ferror(fp)) {
        describe_errno(errno, why, sizeof(why));
        st = am_fail(err, APPMESH_ERR_CONFIG, "cannot read %s: %s", f->path, why);
        goto cleanup;
    }
    f->text[n] = '\0';
    *len = n;

cleanup:
    fclose(fp);
    return st;
}

static void file_cleanup(const struct appmesh_allocator *a, struct ini_file *f)
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

void am_config_destroy(struct am_config *cfg)
{
    if (cfg == NULL) {
        return;
    }
    file_cleanup(cfg->alloc, &cfg->files[0]);
    file_cleanup(cfg->alloc, &cfg->files[1]);
    am_free(cfg->alloc, cfg, sizeof(*cfg));
}

/* The file's path: the variable (with "~/" expanded) or HOME + default. */
static enum appmesh_status file_path(const struct am_env *env,
                                     const char *var,
                                     const char *dflt,
                                     const struct appmesh_allocator *a,
                                     struct ini_file *f,
                                     struct appmesh_error *err)
{
    const char *v = am_env_get(env, var);
    const char *home = am_env_get(env, "HOME");
    const char *rest = NULL;
    struct appmesh_buf b;
    size_t hl = 0;

    am_buf_init(&b, a, 0);
    if (v == NULL) {
        v = dflt;
    }
    f->readable = true;
    if (v[0] == '~' && (v[1] == '/' || v[1] == '\0')) {
        rest = v + 1;
        if (home == NULL) {
            f->readable = false; /* reported as "~/..." and treated as missing */
            home = "~";
            rest = v + 1;
        }
        hl = strlen(home);
        while (hl > 1 && home[hl - 1] == '/') {
            hl--;
        }
        if (am_buf_append(&b, home, hl, err) != APPMESH_OK ||
            am_buf_append_str(&b, rest, err) != APPMESH_OK) {
            appmesh_buf_cleanup(&b);
            return APPMESH_ERR_NOMEM;
        }
        f->path = am_strndup(a, b.ptr, b.len);
        appmesh_buf_cleanup(&b);
    } else {
        f->path = am_strdup(a, v);
    }
    if (f->path == NULL) {
        return am_fail(err, APPMESH_ERR_NOMEM, "out of memory");
    }
    return APPMESH_OK;
}

static enum appmesh_status
config_new(const struct appmesh_allocator *a, struct am_config **out, struct appmesh_error *err)
{
    *out = am_calloc(a, sizeof(**out));
    if (*out == NULL) {
        return am_fail(err, APPMESH_ERR_NOMEM, "out of memory");
    }
    (*out)->alloc = a;
    return APPMESH_OK;
}

/* ==== the permission warning ==== */

/* Paths already warned about in this process (FNV-1a hashes), so each is named once. */
#define WARNED_MAX 64
static pthread_mutex_t s_warned_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t s_warned[WARNED_MAX];
static size_t s_warned_count;

static uint64_t path_hash(const char *path)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *path != '\0'; path++) {
        h = (h ^ (unsigned char)*path) * 1099511628211ULL;
    }
    return h;
}

/* True the first time a path is seen (and while the table is full: better twice than never). */
static bool first_warning(const char *path)
{
    uint64_t h = path_hash(path);
    bool first = true;
    size_t i = 0;
    pthread_mutex_lock(&s_warned_lock);
    for (i = 0; i < s_warned_count && first; i++) {
        first = s_warned[i] != h;
    }
    if (first && s_warned_count < WARNED_MAX) {
        s_warned[s_warned_count++] = h;
    }
    pthread_mutex_unlock(&s_warned_lock);
    return first;
}

bool am_log_warnings_off(const struct am_env *env)
{
    const char *v = am_env_get(env, "APPMESH_LOG");
    return v != NULL && (strcmp(v, "off") == 0 || strcmp(v, "none") == 0);
}

void am_log_check_setting(const struct am_env *env)
{
    static const char *const known[] = {"debug", "trace", "off", "none"};
    const char *v = am_env_get(env, "APPMESH_LOG");
    char shown[65];
    char line[160];
    size_t i = 0;
    int n = 0;

    if (v == NULL || v[0] == '\0') {
        return;
    }
    for (i = 0; i < sizeof known / sizeof known[0]; i++) {
        if (strcmp(v, known[i]) == 0) {
            return;
        }
    }
    if (!first_warning("\001APPMESH_LOG")) { /* a key no file path can be */
        return;
    }
    for (i = 0; v[i] != '\0' && i < sizeof shown - 1; i++) { /* no control character raw */
        unsigned char c = (unsigned char)v[i];
        shown[i] = (char)(c < 0x20 || c == 0x7f ? '?' : c);
    }
    shown[i] = '\0';
    n = snprintf(line, sizeof(line),
                 "appmesh: warning: APPMESH_LOG=%s is not a known value (debug, off); ignored\n",
                 shown);
    if (n > 0) {
        fwrite(line, 1, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1, stderr);
        fflush(stderr);
    }
}

void am_config_warn_if_readable(const struct am_env *env, const char *path, unsigned mode)
{
    char line[512];
    int n = 0;
    if ((mode & 044) == 0 || am_log_warnings_off(env) || !first_warning(path)) {
        return;
    }
    n = snprintf(line, sizeof(line),
                 "appmesh: warning: %s is readable by group/others (mode %04o); chmod 600 it\n",
                 path, mode & 07777);
    if (n > 0) {
        /* One write, so that lines from two threads do not mix. */
        fwrite(line, 1, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1, stderr);
        fflush(stderr);
    }
}

/* Whether a parsed file has a secret in any profile (the config file may hold keys too). */
static bool holds_secrets(const struct ini_file *f)
{
    size_t i = 0;
    for (i = 0; i < f->nentries; i++) {
        if (strcmp(f->entries[i].key, "aws_secret_access_key") == 0 ||
            strcmp(f->entries[i].key, "aws_session_token") == 0) {
            return true;
        }
    }
    return false;
}

enum appmesh_status am_config_load(const struct am_env *env,
                                   const struct appmesh_allocator *a,
                                   struct am_config **out,
                                   struct appmesh_error *err)
{
    static const char *const vars[2] = {"AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"};
    static const char *const dflts[2] = {"~/.aws/config", "~/.aws/credentials"};
    enum appmesh_status st = APPMESH_ERR_INTERNAL;
    struct am_config *cfg = NULL;
    int i = 0;

    *out = NULL;
    st = config_new(a, &cfg, err);
    for (i = 0; i < 2 && st == APPMESH_OK; i++) {
        size_t len = 0;
        st = file_path(env, vars[i], dflts[i], a, &cfg->files[i], err);
        if (st == APPMESH_OK) {
            st = read_file(a, &cfg->files[i], &len, err);
        }
        if (st == APPMESH_OK && cfg->files[i].text != NULL) {
            st = parse_text(a, &cfg->files[i], (enum am_config_file)i, len, err);
        }
        /* The credentials file, and a config file with keys in it, are secrets. */
        if (st == APPMESH_OK && cfg->files[i].text != NULL &&
            (i == AM_CONFIG_FILE_CREDENTIALS || holds_secrets(&cfg->files[i]))) {
            am_config_warn_if_readable(env, cfg->files[i].path, cfg->files[i].mode);
        }
    }
    if (st != APPMESH_OK) {
        am_config_destroy(cfg);
        return st;
    }
    *out = cfg;
    return APPMESH_OK;
}

enum appmesh_status am_config_parse(const struct appmesh_allocator *a,
                                    const char *config_text,
                                    size_t config_len,
                                    const char *credentials_text,
                                    size_t credentials_len,
                                    struct am_config **out,
                                    struct appmesh_error *err)
{
    const char *texts[2] = {config_text, credentials_text};
    size_t lens[2] = {config_len, credentials_len};
    enum appmesh_status st = APPMESH_ERR_INTERNAL;
    struct am_config *cfg = NULL;
    int i = 0;

    *out = NULL;
    st = config_new(a, &cfg, err);
    for (i = 0; i < 2 && st == APPMESH_OK; i++) {
        struct ini_file *f = &cfg->files[i];
        f->path = am_strdup(a, s_default_names[i]);
        if (f->path == NULL) {
            st = am_fail(err, APPMESH_ERR_NOMEM, "out of memory");
            break;
        }
        if (texts[i] == NULL) {
            continue;
        }
        if (lens[i] > MAX_FILE_SIZE) {
            st = am_fail(err, APPMESH_ERR_CONFIG, "cannot read %s: it is larger than 1 MiB",
                         f->path);
            break;
        }
        f->text = am_strndup(a, texts[i], lens[i]);
        if (f->text == NULL) {
            st = am_fail(err, APPMESH_ERR_NOMEM, "out of memory");
            break;
        }
        f->text_size = lens[i] + 1;
        f->readable = true;
        st = parse_text(a, f, (enum am_config_file)i, lens[i], err);
    }
    if (st != APPMESH_OK) {
        am_config_destroy(cfg);
        return st;
    }
    *out = cfg;
    return APPMESH_OK;
}

/* ==== lookups ==== */

static const struct ini_section *
find_section(const struct ini_file *f, enum section_kind kind, const char *name)
{
    size_t n = strlen(name);
    size_t i = f->nsections;
    /* The last of several sections naming one profile ([default], [profile default]) wins. */
    while (i-- > 0) {
        const struct ini_section *s = &f->sections[i];
        if (s->kind == kind && s->name_len == n && memcmp(s->name, name, n) == 0) {
            return s;
        }
    }
    return NULL;
}

static const struct ini_entry *
find_key(const struct ini_file *f, const struct ini_section *s, const char *key)
{
    size_t i = 0;
    for (i = s->first; i < s->first + s->count; i++) {
        const struct ini_entry *e = &f->entries[i];
        if (e->parent < 0 && strcmp(e->key, key) == 0) {
            return e;
        }
    }
    return NULL;
}

const char *am_config_path(const struct am_config *cfg, enum am_config_file which)
{
    return cfg->files[which].path != NULL ? cfg->files[which].path : s_default_names[which];
}

bool am_config_has_profile(const struct am_config *cfg,
                           enum am_config_file which,
                           const char *profile)
{
    return find_section(&cfg->files[which], SECTION_PROFILE, profile) != NULL;
}

const char *am_config_file_get(const struct am_config *cfg,
                               enum am_config_file which,
                               const char *profile,
                               const char *key)
{
    const struct ini_file *f = &cfg->files[which];
    const struct ini_section *s = find_section(f, SECTION_PROFILE, profile);
    const struct ini_entry *e = s != NULL ? find_key(f, s, key) : NULL;
    if (e == NULL || e->subsection || e->value[0] == '\0') {
        return NULL;
    }
    return e->value;
}

bool am_config_has_sso_session(const struct am_config *cfg, const char *session)
{
    return find_section(&cfg->files[AM_CONFIG_FILE_CONFIG], SECTION_SSO_SESSION, session) != NULL;
}

const char *
am_config_sso_session_get(const struct am_config *cfg, const char *session, const char *key)
{
    const struct ini_file *f = &cfg->files[AM_CONFIG_FILE_CONFIG];
    const struct ini_section *s = find_section(f, SECTION_SSO_SESSION, session);
    const struct ini_entry *e = s != NULL ? find_key(f, s, key) : NULL;
    if (e == NULL || e->subsection || e->value[0] == '\0') {
        return NULL;
    }
    return e->value;
}

const char *am_config_get(const struct am_config *cfg,
                          const char *profile,
                          const char *key,
                          enum am_config_file *from)
{
    const char *v = am_config_file_get(cfg, AM_CONFIG_FILE_CREDENTIALS, profile, key);
    enum am_config_file which = AM_CONFIG_FILE_CREDENTIALS;
    if (v == NULL) {
        v = am_config_file_get(cfg, AM_CONFIG_FILE_CONFIG, profile, key);
        which = AM_CONFIG_FILE_CONFIG;
    }
    if (from != NULL) {
        *from = which;
    }
    return v;
}

enum appmesh_status am_config_service_get(const struct am_config *cfg,
                                          const char *profile,
                                          const char *service,
                                          const char *key,
                                          const char **value,
                                          struct appmesh_error *err)
{
    const struct ini_file *f = &cfg->files[AM_CONFIG_FILE_CONFIG];
    const char *name = am_config_get(cfg, profile, "services", NULL);
    const struct ini_section *s = NULL;
    const struct ini_entry *e = NULL;
    size_t i = 0;

    *value = NULL;
    if (name == NULL) {
        return APPMESH_OK;
    }
    s = find_section(f, SECTION_SERVICES, name);
    if (s == NULL) {
        return am_fail(err, APPMESH_ERR_CONFIG,
                       "profile '%s' uses services section '%s', but %s has no [services %s]",
                       profile, name, f->path, name);
    }
    e = find_key(f, s, service);
    if (e == NULL) {
        return APPMESH_OK;
    }
    if (!e->subsection) {
        if (e->value[0] == '\0') {
            return APPMESH_OK;
        }
        return am_fail(err, APPMESH_ERR_CONFIG,
                       "%s, line %d: '%s' in [services %s] must be a sub-section (a key with an "
                       "empty value, then indented 'key = value' lines)",
                       f->path, e->line, service, name);
    }
    /* Sub-section lines follow their key; the last of a repeated key wins. */
    for (i = (size_t)(e - f->entries) + 1;
         i < f->nentries && f->entries[i].parent == (long)(e - f->entries); i++) {
        if (strcmp(f->entries[i].key, key) == 0) {
            *value = f->entries[i].value[0] != '\0' ? f->entries[i].value : NULL;
        }
    }
    return APPMESH_OK;
}

/* ==== settings ==== */

void am_settings_cleanup(struct am_settings *s)
{
    if (s == NULL) {
        return;
    }
    am_free_str(s->alloc, s->region);
    am_free_str(s->alloc, s->endpoint_url);
    am_free_str(s->alloc, s->profile);
    am_free_str(s->alloc, s->ca_bundle);
    am_free_str(s->alloc, s->retry_mode);
    s->region = s->endpoint_url = s->profile = s->ca_bundle = s->retry_mode = NULL;
}

static const char *nonempty(const char *s)
{
    return (s != NULL && s[0] != '\0') ? s : NULL;
}

/* botocore's ensure_boolean: "true" in any case is true, anything else false. */
static bool is_true(const char *v)
{
    return v != NULL && am_strcasecmp_n(v, strlen(v), "true", 4) == 0;
}

/* A boolean setting: the environment, when set, overrides the profile. */
static bool flag(const struct am_env *env,
                 const char *var,
                 const struct am_config *cfg,
                 const char *profile,
                 const char *key)
{
    const char *v = am_env_get(env, var);
    if (v != NULL) {
        return is_true(v);
    }
    return is_true(am_config_get(cfg, profile, key, NULL));
}

static enum appmesh_status
dup_setting(const struct appmesh_allocator *a, const char *v, char **out, struct appmesh_error *err)
{
    *out = NULL;
    if (v == NULL) {
        return APPMESH_OK;
    }
    *out = am_strdup(a, v);
    return *out != NULL ? APPMESH_OK : am_fail(err, APPMESH_ERR_NOMEM, "out of memory");
}

/* "where a value came from", for messages */
static void describe_profile_key(char *buf,
                                 size_t size,
                                 const struct am_config *cfg,
                                 const char *profile,
                                 const char *key,
                                 enum am_config_file from)
{
    snprintf(buf, size, "%s in profile '%s' of %s", key, profile, am_config_path(cfg, from));
}

enum appmesh_status am_config_endpoint_url(const struct am_env *env,
                                           const struct am_config *cfg,
                                           const char *profile,
                                           const char *env_id,
                                           const char *const *service_keys,
                                           const char **value,
                                           char *where,
                                           size_t where_size,
                                           struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_OK;
    const char *v = NULL;
    char var[64];
    size_t i = 0;

    *value = NULL;
    if (flag(env, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", cfg, profile,
             "ignore_configured_endpoint_urls")) {
        return APPMESH_OK;
    }
    snprintf(var, sizeof(var), "AWS_ENDPOINT_URL_%s", env_id);
    v = am_env_get(env, var);
    if (v == NULL) {
        snprintf(var, sizeof(var), "AWS_ENDPOINT_URL");
        v = am_env_get(env, var);
    }
    if (v != NULL) {
        snprintf(where, where_size, "%s", var);
    }
    for (i = 0; v == NULL && service_keys[i] != NULL; i++) {
        st = am_config_service_get(cfg, profile, service_keys[i], "endpoint_url", &v, err);
        if (st != APPMESH_OK) {
            return st;
        }
        snprintf(where, where_size, "endpoint_url of %s in the services section of profile '%s'",
                 service_keys[i], profile);
    }
    if (v == NULL) {
        enum am_config_file from = AM_CONFIG_FILE_CONFIG;
        v = am_config_get(cfg, profile, "endpoint_url", &from);
        describe_profile_key(where, where_size, cfg, profile, "endpoint_url", from);
    }
    *value = v;
    return APPMESH_OK;
}

static enum appmesh_status resolve_endpoint(const struct appmesh_client_options *opts,
                                            const struct am_env *env,
                                            const struct am_config *cfg,
                                            const char *profile,
                                            struct am_settings *out,
                                            struct appmesh_error *err)
{
    static const char *const service_keys[] = {"app_mesh", "appmesh", NULL};
    enum appmesh_status st = APPMESH_OK;
    const char *v = nonempty(opts->endpoint);
    char where[160];
    struct am_url u;
    struct appmesh_error perr = {0};

    snprintf(where, sizeof(where), "the endpoint option");
    if (v == NULL) {
        st = am_config_endpoint_url(env, cfg, profile, "APP_MESH", service_keys, &v, where,
                                    sizeof(where), err);
        if (st != APPMESH_OK) {
            return st;
        }
    }
    if (v == NULL) {
        return APPMESH_OK;
    }
    if (am_url_parse(v, &u, &perr) != APPMESH_OK) {
        return am_fail(err, APPMESH_ERR_ENDPOINT, "%s (from %s)", perr.message, where);
    }
    return dup_setting(out->alloc, v, &out->endpoint_url, err);
}

/* An integer >= 1 written in decimal digits; false otherwise. */
#define AM_MAX_ATTEMPTS         100 /* attempts of one call, from any source */
#define AM_MAX_RETRY_BASE_DELAY 60  /* seconds */

static bool parse_attempts(const char *v, int *out)
{
    long n = 0;
    const char *p = v;
    if (*p == '\0') {
        return false;
    }
    for (; *p != '\0'; p++) {
        if (*p < '0' || *p > '9') {
            return false;
        }
        n = n * 10 + (*p - '0');
        if (n > AM_MAX_ATTEMPTS) {
            return false;
        }
    }
    if (n < 1) {
        return false;
    }
    *out = (int)n;
    return true;
}

static int show_len(const char *v)
{
    size_t n = strlen(v);
    return (int)(n > SHOW_VALUE_MAX ? SHOW_VALUE_MAX : n);
}

static enum appmesh_status resolve_max_attempts(const struct appmesh_client_options *opts,
                                                const struct am_env *env,
                                                const struct am_config *cfg,
                                                const char *profile,
                                                struct am_settings *out,
                                                struct appmesh_error *err)
{
    const char *v = NULL;
    enum am_config_file from = AM_CONFIG_FILE_CONFIG;
    char where[160];

    out->max_attempts = 3;
    if (opts->max_attempts < 0 || opts->max_attempts > AM_MAX_ATTEMPTS) {
        return am_fail_field(err, "max_attempts",
                             "max_attempts must be an integer from 1 to %d, got %d",
                             AM_MAX_ATTEMPTS, opts->max_attempts);
    }
    if (opts->max_attempts > 0) {
        out->max_attempts = opts->max_attempts;
        return APPMESH_OK;
    }
    v = am_env_get(env, "AWS_MAX_ATTEMPTS");
    if (v != NULL) {
        snprintf(where, sizeof(where), "AWS_MAX_ATTEMPTS");
    } else {
        v = am_config_get(cfg, profile, "max_attempts", &from);
        describe_profile_key(where, sizeof(where), cfg, profile, "max_attempts", from);
    }
    if (v != NULL && !parse_attempts(v, &out->max_attempts)) {
        return am_fail(err, APPMESH_ERR_CONFIG, "%s must be an integer from 1 to %d, got '%.*s'",
                       where, AM_MAX_ATTEMPTS, show_len(v), v);
    }
    return APPMESH_OK;
}

/*
 * The region: explicit > AWS_REGION > AWS_DEFAULT_REGION > profile; *out NULL when none. It
 * goes into hostnames and the signature's credential scope, so anything but a-z, 0-9 and '-'
 * is refused wherever it came from (and the value, which may hold control characters, is not
 * echoed).
 */
static enum appmesh_status resolve_region(const struct appmesh_client_options *opts,
                                          const struct am_env *env,
                                          const struct am_config *cfg,
                                          const char *profile,
                                          const char **out,
                                          struct appmesh_error *err)
{
    static const char rule[] = "must be 1 to 63 characters of a-z, 0-9 and '-'";
    enum am_config_file from = AM_CONFIG_FILE_CONFIG;
    const char *v = nonempty(opts->region);
    const char *env_name = NULL;
    char where[160];
    long bad = 0;

    *out = NULL;
    if (v != NULL) {
        bad = am_sigv4_region_check(v);
        if (bad > 0) {
            return am_fail_field(err, "region", "region %s; character %ld is not", rule, bad);
        }
        if (bad < 0) {
            return am_fail_field(err, "region", "region %s", rule);
        }
        *out = v;
        return APPMESH_OK;
    }
    env_name = "AWS_REGION";
    v = am_env_get(env, env_name);
    if (v == NULL) {
        env_name = "AWS_DEFAULT_REGION";
        v = am_env_get(env, env_name);
    }
    if (v != NULL) {
        snprintf(where, sizeof(where), "%s", env_name);
    } else {
        v = am_config_get(cfg, profile, "region", &from);
        describe_profile_key(where, sizeof(where), cfg, profile, "region", from);
    }
    if (v != NULL && v[0] != '\0' && am_sigv4_region_check(v) != 0) {
        return am_fail(err, APPMESH_ERR_CONFIG, "%s %s", where, rule);
    }
    *out = v;
    return APPMESH_OK;
}

static const char *canonical_retry_mode(const char *v)
{
    if (strcmp(v, "standard") == 0 || strcmp(v, "legacy") == 0) {
        return "standard";
    }
    if (strcmp(v, "adaptive") == 0) {
        return "adaptive";
    }
    return NULL;
}

static enum appmesh_status resolve_retry_mode(const struct appmesh_client_options *opts,
                                              const struct am_env *env,
                                              const struct am_config *cfg,
                                              const char *profile,
                                              struct am_settings *out,
                                              struct appmesh_error *err)
{
    const char *v = nonempty(opts->retry_mode);
    const char *mode = "standard";
    enum am_config_file from = AM_CONFIG_FILE_CONFIG;
    char where[160];

    if (v != NULL) {
        mode = canonical_retry_mode(v);
        if (mode == NULL) {
            return am_fail_field(err, "retry_mode",
                                 "retry_mode must be \"standard\" or \"adaptive\", got '%.*s'",
                                 show_len(v), v);
        }
    } else {
        v = am_env_get(env, "AWS_RETRY_MODE");
        if (v != NULL) {
            snprintf(where, sizeof(where), "AWS_RETRY_MODE");
        } else {
            v = am_config_get(cfg, profile, "retry_mode", &from);
            describe_profile_key(where, sizeof(where), cfg, profile, "retry_mode", from);
        }
        if (v != NULL) {
            mode = canonical_retry_mode(v);
            if (mode == NULL) {
                return am_fail(err, APPMESH_ERR_CONFIG,
                               "%s must be \"standard\" or \"adaptive\", got '%.*s'", where,
                               show_len(v), v);
            }
        }
    }
    return dup_setting(out->alloc, mode, &out->retry_mode, err);
}

enum appmesh_status am_settings_resolve(const struct appmesh_client_options *opts,
                                        const struct am_env *env,
                                        const struct appmesh_allocator *a,
                                        struct am_settings *out,
                                        struct appmesh_error *err)
{
    static const struct appmesh_client_options no_options = {0};
    enum appmesh_status st = APPMESH_ERR_INTERNAL;
    struct am_config *cfg = NULL;
    const char *profile = NULL;
    const char *v = NULL;

    memset(out, 0, sizeof(*out));
    out->alloc = a;
    if (opts == NULL) {
        opts = &no_options;
    }
    if (!(opts->retry_base_delay >= 0 && opts->retry_base_delay <= AM_MAX_RETRY_BASE_DELAY)) {
        st = am_fail_field(err, "retry_base_delay",
                           "retry_base_delay must be from 0 to %d seconds, got %g",
                           AM_MAX_RETRY_BASE_DELAY, opts->retry_base_delay);
        goto cleanup;
    }
    out->retry_base_delay = opts->retry_base_delay > 0 ? opts->retry_base_delay : 1.0;

    st = am_config_load(env, a, &cfg, err);
    if (st != APPMESH_OK) {
        goto cleanup;
    }

    /* profile: explicit > AWS_PROFILE > "default" (which alone may be absent) */
    profile = nonempty(opts->profile);
    if (profile == NULL) {
        profile = am_env_get(env, "AWS_PROFILE");
    }
    if (profile == NULL) {
        profile = "default";
    }
    if (strcmp(profile, "default") != 0 &&
        !am_config_has_profile(cfg, AM_CONFIG_FILE_CONFIG, profile) &&
        !am_config_has_profile(cfg, AM_CONFIG_FILE_CREDENTIALS, profile)) {
        st = am_fail(err, APPMESH_ERR_CONFIG, "profile '%s' not found in %s or %s", profile,
                     am_config_path(cfg, AM_CONFIG_FILE_CONFIG),
                     am_config_path(cfg, AM_CONFIG_FILE_CREDENTIALS));
        goto cleanup;
    }
    st = dup_setting(a, profile, &out->profile, err);
    if (st != APPMESH_OK) {
        goto cleanup;
    }

    /* region: explicit > AWS_REGION > AWS_DEFAULT_REGION > profile */
    st = resolve_region(opts, env, cfg, profile, &v, err);
    if (st != APPMESH_OK) {
        goto cleanup;
    }
    st = dup_setting(a, v, &out->region, err);
    if (st != APPMESH_OK) {
        goto cleanup;
    }

    st = resolve_endpoint(opts, env, cfg, profile, out, err);
    if (st != APPMESH_OK) {
        goto cleanup;
    }

    /* ca_bundle: explicit > AWS_CA_BUNDLE > profile */
    v = nonempty(opts->ca_bundle);
    if (v == NULL) {
        v = am_env_get(env, "AWS_CA_BUNDLE");
    }
    if (v == NULL) {
        v = am_config_get(cfg, profile, "ca_bundle", NULL);
    }
    st = dup_setting(a, v, &out->ca_bundle, err);
    if (st != APPMESH_OK) {
        goto cleanup;
    }

    st = resolve_max_attempts(opts, env, cfg, profile, out, err);
    if (st != APPMESH_OK) {
        goto cleanup;
    }
    st = resolve_retry_mode(opts, env, cfg, profile, out, err);
    if (st != APPMESH_OK) {
        goto cleanup;
    }

    out->use_fips =
        opts->use_fips || flag(env, "AWS_USE_FIPS_ENDPOINT", cfg, profile, "use_fips_endpoint");
    out->use_dualstack = opts->use_dualstack || flag(env, "AWS_USE_DUALSTACK_ENDPOINT", cfg,
                                                     profile, "use_dualstack_endpoint");

cleanup:
    am_config_destroy(cfg);
    if (st != APPMESH_OK) {
        am_settings_cleanup(out);
    }
    return st;
}
