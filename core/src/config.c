/* SPDX-License-Identifier: MIT */
/* The shared config and credentials files: where they are, reading them, looking values up. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "env.h"
#include "ini.h"
#include "internal.h"
#include "warn.h"

#define MAX_FILE_SIZE (1024 * 1024)

struct am_config {
    const struct appmesh_allocator *alloc;
    struct am_ini_file files[2];
};

static const char *const s_default_names[2] = {"<config>", "<credentials>"};

static void describe_errno(int e, char *buf, size_t size)
{
    if (strerror_r(e, buf, size) != 0) {
        snprintf(buf, size, "error %d", e);
    }
}

/* Read f->path into f->text. A missing file leaves f->text NULL. Growth wipes the old block:
 * the credentials file holds secrets. */
static enum appmesh_status read_file(const struct appmesh_allocator *a,
                                     struct am_ini_file *f,
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
    /* Only a regular file's mode can leak it: /dev/null (how a file is turned off) or a pipe
     * from <(...) has none to chmod, so it is never warned about. */
    f->mode = S_ISREG(sb.st_mode) ? (unsigned)(sb.st_mode & 07777) : 0;
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

void am_config_destroy(struct am_config *cfg)
{
    if (cfg == NULL) {
        return;
    }
    am_ini_file_cleanup(cfg->alloc, &cfg->files[0]);
    am_ini_file_cleanup(cfg->alloc, &cfg->files[1]);
    am_free(cfg->alloc, cfg, sizeof(*cfg));
}

/* The file's path: the variable (with "~/" expanded) or HOME + default. */
static enum appmesh_status file_path(const struct am_env *env,
                                     const char *var,
                                     const char *dflt,
                                     const struct appmesh_allocator *a,
                                     struct am_ini_file *f,
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

/* Whether a parsed file has a secret in any profile (the config file may hold keys too). */
static bool holds_secrets(const struct am_ini_file *f)
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
            st = am_ini_parse(a, &cfg->files[i], (enum am_config_file)i, len, err);
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
        struct am_ini_file *f = &cfg->files[i];
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
        st = am_ini_parse(a, f, (enum am_config_file)i, lens[i], err);
    }
    if (st != APPMESH_OK) {
        am_config_destroy(cfg);
        return st;
    }
    *out = cfg;
    return APPMESH_OK;
}

const char *am_config_path(const struct am_config *cfg, enum am_config_file which)
{
    return cfg->files[which].path != NULL ? cfg->files[which].path : s_default_names[which];
}

bool am_config_has_profile(const struct am_config *cfg,
                           enum am_config_file which,
                           const char *profile)
{
    return am_ini_find_section(&cfg->files[which], AM_INI_SECTION_PROFILE, profile) != NULL;
}

const char *am_config_file_get(const struct am_config *cfg,
                               enum am_config_file which,
                               const char *profile,
                               const char *key)
{
    const struct am_ini_file *f = &cfg->files[which];
    const struct am_ini_section *s = am_ini_find_section(f, AM_INI_SECTION_PROFILE, profile);
    const struct am_ini_entry *e = s != NULL ? am_ini_find_key(f, s, key) : NULL;
    if (e == NULL || e->subsection || e->value[0] == '\0') {
        return NULL;
    }
    return e->value;
}

bool am_config_has_sso_session(const struct am_config *cfg, const char *session)
{
    return am_ini_find_section(&cfg->files[AM_CONFIG_FILE_CONFIG], AM_INI_SECTION_SSO_SESSION,
                               session) != NULL;
}

const char *
am_config_sso_session_get(const struct am_config *cfg, const char *session, const char *key)
{
    const struct am_ini_file *f = &cfg->files[AM_CONFIG_FILE_CONFIG];
    const struct am_ini_section *s = am_ini_find_section(f, AM_INI_SECTION_SSO_SESSION, session);
    const struct am_ini_entry *e = s != NULL ? am_ini_find_key(f, s, key) : NULL;
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
    const struct am_ini_file *f = &cfg->files[AM_CONFIG_FILE_CONFIG];
    const char *name = am_config_get(cfg, profile, "services", NULL);
    const struct am_ini_section *s = NULL;
    const struct am_ini_entry *e = NULL;
    size_t i = 0;

    *value = NULL;
    if (name == NULL) {
        return APPMESH_OK;
    }
    s = am_ini_find_section(f, AM_INI_SECTION_SERVICES, name);
    if (s == NULL) {
        return am_fail(err, APPMESH_ERR_CONFIG,
                       "profile '%s' uses services section '%s', but %s has no [services %s]",
                       profile, name, f->path, name);
    }
    e = am_ini_find_key(f, s, service);
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
