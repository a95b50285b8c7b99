/* SPDX-License-Identifier: MIT */
/* Fuzz target: the shared config/credentials parser (am_config_parse) and its lookups. */
#include <stdbool.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"
#include "fuzz_alloc.h"

/*
 * The input is the config text, then the line "----", then the credentials text. Without that
 * line the whole input is parsed once as the config file (no credentials file) and once as the
 * credentials file (no config file).
 */
#define SEPARATOR "\n----\n"

#define MAX_NAMES 12
#define NAME_MAX  64

struct names {
    char v[MAX_NAMES][NAME_MAX];
    size_t n;
};

static void add_name(struct names *ns, const char *p, size_t n)
{
    size_t i = 0;

    while (n > 0 && (*p == ' ' || *p == '\t')) {
        p++;
        n--;
    }
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r')) {
        n--;
    }
    if (n == 0 || n >= NAME_MAX || ns->n == MAX_NAMES || memchr(p, '\0', n) != NULL) {
        return;
    }
    for (i = 0; i < ns->n; i++) {
        if (strlen(ns->v[i]) == n && memcmp(ns->v[i], p, n) == 0) {
            return;
        }
    }
    memcpy(ns->v[ns->n], p, n);
    ns->v[ns->n][n] = '\0';
    ns->n++;
}

/* Candidate profile names (from "[...]" lines) and keys (before '=' or ':', lower-cased). */
static void collect(const char *p, size_t n, struct names *profiles, struct names *keys)
{
    const char *end = p + n;

    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *le = eol != NULL ? eol : end;
        const char *q = p;
        while (q < le && (*q == ' ' || *q == '\t')) {
            q++;
        }
        if (q < le && *q == '[') {
            const char *close = memchr(q, ']', (size_t)(le - q));
            const char *name = q + 1;
            size_t len = (size_t)((close != NULL ? close : le) - name);
            if (len > 8 && memcmp(name, "profile ", 8) == 0) {
                name += 8;
                len -= 8;
            } else if (len > 9 && memcmp(name, "services ", 9) == 0) {
                name += 9;
                len -= 9;
            }
            add_name(profiles, name, len);
        } else {
            const char *d = q;
            while (d < le && *d != '=' && *d != ':') {
                d++;
            }
            if (d < le && keys->n < MAX_NAMES) {
                size_t before = keys->n;
                size_t i = 0;
                add_name(keys, q, (size_t)(d - q));
                if (keys->n > before) {
                    char *k = keys->v[keys->n - 1];
                    for (i = 0; k[i] != '\0'; i++) {
                        if (k[i] >= 'A' && k[i] <= 'Z') {
                            k[i] = (char)(k[i] - 'A' + 'a');
                        }
                    }
                }
            }
        }
        p = eol != NULL ? eol + 1 : end;
    }
}

static const char *memmem_n(const char *h, size_t hn, const char *n, size_t nn)
{
    size_t i = 0;
    if (nn == 0 || nn > hn) {
        return NULL;
    }
    for (i = 0; i + nn <= hn; i++) {
        if (memcmp(h + i, n, nn) == 0) {
            return h + i;
        }
    }
    return NULL;
}

/*
 * Parse the input as its mode says: 0 = config text, separator, credentials text (or, without
 * the separator, the whole input as the config file); 1 = the whole input as the credentials
 * file (no config file).
 */
static enum appmesh_status parse_texts(const char *in,
                                       size_t n,
                                       int mode,
                                       const struct appmesh_allocator *a,
                                       struct am_config **cfg,
                                       struct appmesh_error *err)
{
    const char *sep = memmem_n(in, n, SEPARATOR, strlen(SEPARATOR));

    if (mode == 1) {
        return am_config_parse(a, NULL, 0, in, n, cfg, err);
    }
    if (sep != NULL) {
        const char *creds = sep + strlen(SEPARATOR);
        return am_config_parse(a, in, (size_t)(sep - in), creds, (size_t)(in + n - creds), cfg,
                               err);
    }
    return am_config_parse(a, in, n, NULL, 0, cfg, err);
}

/* The blanks the INI reader skips (ini.c's is_blank): a line whose first other character is
 * '[' is a section header, whose name may appear in a message. */
static bool ini_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\f' || c == '\v';
}

/*
 * Secrets never appear in a message: for each line "<key with secret or token> = value" whose
 * value (8 bytes or more) the message contains, the same input with that value replaced by as
 * many 'Q's must fail with the same message (so the text came from the message's own words).
 */
static void check_no_secret(const char *in, size_t n, int mode, const char *message)
{
    const char *p = in;
    const char *end = in + n;
    const char *sep = mode == 1 ? NULL : memmem_n(in, n, SEPARATOR, strlen(SEPARATOR));
    const char *second = sep != NULL ? sep + strlen(SEPARATOR) : NULL; /* the second file */

    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *le = eol != NULL ? eol : end;
        const char *eq = memchr(p, '=', (size_t)(le - p));
        const char *first = p;
        if ((p == in || p == second) && le - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
            first += 3; /* the reader skips a UTF-8 byte order mark at a file's start */
        }
        while (first < le && ini_blank(*first)) {
            first++;
        }
        if (first < le && *first == '[') {
            eq = NULL; /* a section header, not a key */
        }
        if (eq != NULL && (memmem_n(p, (size_t)(eq - p), "secret", 6) != NULL ||
                           memmem_n(p, (size_t)(eq - p), "token", 5) != NULL)) {
            const char *v = eq + 1;
            const char *ve = le;
            while (v < ve && ini_blank(*v)) {
                v++;
            }
            while (ve > v && (ini_blank(ve[-1]) || ve[-1] == '\r')) {
                ve--;
            }
            if (ve - v >= 8 && memmem_n(message, strlen(message), v, (size_t)(ve - v)) != NULL) {
                char *copy = malloc(n);
                struct am_config *cfg = NULL;
                struct appmesh_error err = {0};
                if (copy == NULL) {
                    return;
                }
                memcpy(copy, in, n);
                memset(copy + (v - in), 'Q', (size_t)(ve - v));
                (void)parse_texts(copy, n, mode, NULL, &cfg, &err);
                am_config_destroy(cfg);
                free(copy);
                FUZZ_CHECK(strcmp(err.message, message) == 0,
                           "a secret value appears in an error message");
            }
        }
        p = eol != NULL ? eol + 1 : end;
    }
}

static void
lookups(const struct am_config *cfg, const struct names *profiles, const struct names *keys)
{
    static const char *const fixed_profiles[] = {"default", "dev"};
    static const char *const fixed_keys[] = {
        "region",   "aws_access_key_id", "aws_secret_access_key", "aws_session_token",
        "services", "endpoint_url",      "max_attempts",          "retry_mode",
        "app_mesh", "ca_bundle",
    };
    const char *plist[MAX_NAMES + 2];
    const char *klist[MAX_NAMES + 10];
    size_t np = 0;
    size_t nk = 0;
    size_t i = 0;
    size_t j = 0;

    for (i = 0; i < 2; i++) {
        plist[np++] = fixed_profiles[i];
    }
    for (i = 0; i < profiles->n; i++) {
        plist[np++] = profiles->v[i];
    }
    for (i = 0; i < sizeof(fixed_keys) / sizeof(fixed_keys[0]); i++) {
        klist[nk++] = fixed_keys[i];
    }
    for (i = 0; i < keys->n; i++) {
        klist[nk++] = keys->v[i];
    }
    for (i = 0; i < 2; i++) {
        FUZZ_CHECK(am_config_path(cfg, (enum am_config_file)i) != NULL, "each file has a path");
    }
    for (i = 0; i < np; i++) {
        bool in_config = am_config_has_profile(cfg, AM_CONFIG_FILE_CONFIG, plist[i]);
        bool in_credentials = am_config_has_profile(cfg, AM_CONFIG_FILE_CREDENTIALS, plist[i]);
        for (j = 0; j < nk; j++) {
            enum am_config_file from = AM_CONFIG_FILE_CONFIG;
            const char *v = am_config_get(cfg, plist[i], klist[j], &from);
            const char *vc = am_config_file_get(cfg, AM_CONFIG_FILE_CONFIG, plist[i], klist[j]);
            const char *vk =
                am_config_file_get(cfg, AM_CONFIG_FILE_CREDENTIALS, plist[i], klist[j]);
            struct appmesh_error err = {0};
            const char *sv = NULL;
            enum appmesh_status st = APPMESH_OK;

            FUZZ_CHECK(vc == NULL || in_config, "a value comes from a profile the file has");
            FUZZ_CHECK(vk == NULL || in_credentials, "a value comes from a profile the file has");
            FUZZ_CHECK(v == (vk != NULL ? vk : vc), "the credentials file takes precedence");
            FUZZ_CHECK(v == NULL || v[0] != '\0', "an empty value is absent");
            FUZZ_CHECK(v == NULL || from == (vk != NULL ? AM_CONFIG_FILE_CREDENTIALS
                                                        : AM_CONFIG_FILE_CONFIG),
                       "from names the file the value came from");
            st = am_config_service_get(cfg, plist[i], klist[j], "endpoint_url", &sv, &err);
            FUZZ_CHECK(st == APPMESH_OK || st == APPMESH_ERR_CONFIG, "a services lookup fails");
            FUZZ_CHECK(st == APPMESH_OK || (err.message[0] != '\0' && sv == NULL),
                       "a failed services lookup says why");
        }
    }
}

static void parse(const char *in, size_t n, int mode)
{
    struct fuzz_alloc fa;
    struct appmesh_allocator a = fuzz_alloc_init(&fa, 0);
    struct am_config *cfg = NULL;
    struct appmesh_error err = {0};
    enum appmesh_status st = APPMESH_OK;
    long allocations = 0;

    st = parse_texts(in, n, mode, &a, &cfg, &err);
    allocations = fa.count;
    if (st == APPMESH_OK) {
        struct names profiles = {0};
        struct names keys = {0};
        FUZZ_CHECK(cfg != NULL, "success returns a config");
        collect(in, n, &profiles, &keys);
        lookups(cfg, &profiles, &keys);
    } else {
        FUZZ_CHECK(st == APPMESH_ERR_CONFIG, "a bad file is a CONFIG error");
        FUZZ_CHECK(cfg == NULL, "failure returns no config");
        FUZZ_CHECK(strncmp(err.message, "<config>", 8) == 0 ||
                       strncmp(err.message, "<credentials>", 13) == 0 ||
                       strncmp(err.message, "cannot read <", 13) == 0,
                   "a CONFIG error names the file");
        check_no_secret(in, n, mode, err.message);
    }
    am_config_destroy(cfg);
    FUZZ_CHECK(fa.live == 0, "the config frees what it allocates");

    /* Run out of memory at one of the allocations the parse made. */
    if (allocations > 0) {
        struct appmesh_error oom = {0};
        a = fuzz_alloc_init(
            &fa, 1 + (long)(fuzz_hash((const unsigned char *)in, n) % (unsigned long)allocations));
        cfg = NULL;
        st = parse_texts(in, n, mode, &a, &cfg, &oom);
        FUZZ_CHECK(st == APPMESH_ERR_NOMEM, "out of memory is NOMEM");
        FUZZ_CHECK(cfg == NULL, "out of memory returns no config");
        FUZZ_CHECK(fa.live == 0, "out of memory leaks nothing");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;

    parse(in, size, 0);
    if (memmem_n(in, size, SEPARATOR, strlen(SEPARATOR)) == NULL) {
        parse(in, size, 1);
    }
    return 0;
}
