/* SPDX-License-Identifier: MIT */
/* Tests for config.c: the environment, the shared files' INI dialect, and settings precedence. */
#include <fcntl.h>
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

#include "appmesh/appmesh.h"
#include "config.h"
#include "env.h"
#include "harness.h"
#include "settings.h"

/* Paths are relative to tests/, where CTest runs the tests. */
#define FIX       "fixtures/config"
#define HOME      FIX "/home"
#define NO_HOME   FIX "/no-such-home"
#define CONFIG    HOME "/.aws/config"
#define CREDS     HOME "/.aws/credentials"
#define MALFORMED FIX "/malformed"

/* ---- the environment: a table behind the getenv hook (never setenv) ---- */
struct env_var {
    const char *name;
    const char *value;
};

static const char *table_getenv(void *ud, const char *name)
{
    const struct env_var *v = ud;
    for (; v != NULL && v->name != NULL; v++) {
        if (strcmp(v->name, name) == 0) {
            return v->value;
        }
    }
    return NULL;
}

#define ENV(table)                                                                                 \
    {                                                                                              \
        table_getenv, (void *)(table)                                                              \
    }

static int env_get_reads_the_hook_and_treats_empty_as_unset(void)
{
    static const struct env_var vars[] = {{"A", "1"}, {"EMPTY", ""}, {NULL, NULL}};
    const struct am_env env = ENV(vars);
    CHECK_STR_EQ(am_env_get(&env, "A"), "1");
    CHECK(am_env_get(&env, "EMPTY") == NULL, "empty is unset");
    CHECK(am_env_get(&env, "MISSING") == NULL, "missing is unset");
    return 0;
}

static int env_get_falls_back_to_getenv(void)
{
    const struct am_env none = {NULL, NULL};
    const char *path = getenv("PATH");
    CHECK(am_env_get(NULL, "APPMESH_TEST_CERTAINLY_UNSET_VARIABLE") == NULL, "unset");
    if (path != NULL && path[0] != '\0') {
        CHECK_STR_EQ(am_env_get(&none, "PATH"), path);
        CHECK_STR_EQ(am_env_get(NULL, "PATH"), path);
    }
    return 0;
}

/* ---- the INI dialect, from text ---- */

static enum appmesh_status
parse2(const char *config, const char *creds, struct am_config **cfg, struct appmesh_error *err)
{
    return am_config_parse(&test_allocator, config, config != NULL ? strlen(config) : 0, creds,
                           creds != NULL ? strlen(creds) : 0, cfg, err);
}

static int reads_profile_sections_in_config_and_plain_sections_in_credentials(void)
{
    struct appmesh_error err = {0};
    struct am_config *cfg = NULL;
    CHECK_OK(parse2("[profile dev]\nregion = a\n[dev]\nregion = b\n[default]\nregion = c\n",
                    "[dev]\nregion = d\n[profile dev]\nregion = e\n", &cfg, &err),
             &err);
    CHECK_STR_EQ(am_config_file_get(cfg, AM_CONFIG_FILE_CONFIG, "dev", "region"), "a");
    CHECK_STR_EQ(am_config_file_get(cfg, AM_CONFIG_FILE_CONFIG, "default", "region"), "c");
    CHECK_STR_EQ(am_config_file_get(cfg, AM_CONFIG_FILE_CREDENTIALS, "dev", "region"), "d");
    CHECK_STR_EQ(am_config_file_get(cfg, AM_CONFIG_FILE_CREDENTIALS, "profile dev", "region"), "e");
    CHECK(!am_config_has_profile(cfg, AM_CONFIG_FILE_CONFIG, "profile dev"), "[profile dev]");
    CHECK(am_config_has_profile(cfg, AM_CONFIG_FILE_CREDENTIALS, "dev"), "[dev]");
    CHECK_STR_EQ(am_config_path(cfg, AM_CONFIG_FILE_CONFIG), "<config>");
    CHECK_STR_EQ(am_config_path(cfg, AM_CONFIG_FILE_CREDENTIALS), "<credentials>");
    am_config_destroy(cfg);
    return 0;
}

static int accepts_profile_default_where_the_last_section_wins(void)
{
    struct appmesh_error err = {0};
    struct am_config *cfg = NULL;
    CHECK_OK(parse2("[profile default]\nregion = a\n", NULL, &cfg, &err), &err);
    CHECK_STR_EQ(am_config_file_get(cfg, AM_CONFIG_FILE_CONFIG, "default", "region"), "a");
    am_config_destroy(cfg);
    CHECK_OK(parse2("[default]\nregion = a\n[profile default]\nregion = b\n", NULL, &cfg, &err),
             &err);
    CHECK_STR_EQ(am_config_file_get(cfg, AM_CONFIG_FILE_CONFIG, "default", "region"), "b");
    am_config_destroy(cfg);
    return 0;
}

static int skips_full_line_and_inline_comments(void)
{
    struct appmesh_error err = {0};
    struct am_config *cfg = NULL;
    CHECK_OK(parse2("# comment\n; comment\n   # indented comment\n[default] # after a header\n"
                    "region = us-east-1 # trailing\noutput = json;kept#kept\nx = a ; b\n"
                    "y = \t# only a comment\n",
                    NULL, &cfg, &err),
             &err);
    CHECK_STR_EQ(am_config_file_get(cfg, AM_CONFIG_FILE_CONFIG, "default", "region"), "us-east-1");
    CHECK_STR_EQ(am_config_file_get(cfg, AM_CONFIG_FILE_CONFIG, "default", "output"),
                 "json;kept#kept");
    CHECK_STR_EQ(am_config_file_get(cfg, AM_CONFIG_FILE_CONFIG, "default", "x"), "a");
    CHECK(am_config_file_get(cfg, AM_CONFIG_FILE_CONFIG, "default", "y") == NULL, "empty");
    am_config_destroy(cfg);
    return 0;
}

static int trims_whitespace_and_takes_equals_or_colon(void)
{
    struct appmesh_error err = {0};
    struct am_config *cfg = NULL;
    CHECK_OK(parse2("[  default  ]\n  region\t=\t us-east-1  \nkey=value\nother: x = y\n"
                    "url = http://h:1/p\n",
                    NULL, &cfg, &err),
             &err);
    CHECK_STR_EQ(am_config_file_get(cfg, AM_CONFIG_FILE_CONFIG, "default", "region"), "us-east-1");
    CHECK_STR_EQ(am_config_file_get(cfg, AM_CONFIG_FILE_CONFIG, "default", "key"), "value");
    CHECK_STR_EQ(am_config_file_get(cfg, AM_CONFIG_FILE_CONFIG, "default", "other"), "x = y");
    CHECK_STR_EQ(am_config_file_get(cfg, AM_CONFIG_FILE_CONFIG, "default", "url"), "http://h:1/p");
    am_config_destroy(cfg);
    return 0;
}

static int folds_keys_but_not_section_names_to_lower_case(void)
{
    struct appmesh_error err = {0};
    struct am_config *cfg = NULL;
    CHECK_OK(parse2("[profile Dev]\nRegion = a\n", "[Dev]\nAWS_ACCESS_KEY_ID = AKID\n", &cfg, &err),
             &err);
    CHECK_STR_EQ(am_config_file_get(cfg, AM_CONFIG_FILE_CONFIG, "Dev", "region"), "a");
    CHECK(am_config_file_get(cfg, AM_CONFIG_FILE_CONFIG, "dev", "region") == NULL, "dev");
    CHECK(am_config_file_get(cfg, AM_CONFIG_FILE_CONFIG, "Dev", "Region") == NULL, "Region");
    CHECK_STR_EQ(am_config_file_get(cfg, AM_CONFIG_FILE_CREDENTIALS, "Dev", "aws_access_key_id"),
                 "AKID");
    am_config_destroy(cfg);
    return 0;
}

static int parses_indented_sub_sections(void)
{
    struct appmesh_error err = {0};
    struct am_config *cfg = NULL;
    const char *v = NULL;
    CHECK_OK(parse2("[profile p]\nservices = s\ns3 =\n  max = 10\n\n  # comment\n\tstyle = path\n"
                    "region = x\n[services s]\napp_mesh =\n  endpoint_url = http://a:1\n"
                    "  Endpoint_URL = http://b:2\n  endpoint_url = http://c:3 # last wins\n",
                    NULL, &cfg, &err),
             &err);
    CHECK_STR_EQ(am_config_file_get(cfg, AM_CONFIG_FILE_CONFIG, "p", "region"), "x");
    CHECK(am_config_file_get(cfg, AM_CONFIG_FILE_CONFIG, "p", "s3") == NULL, "a sub-section");
    CHECK(am_config_file_get(cfg, AM_CONFIG_FILE_CONFIG, "p", "max") == NULL, "not top level");
    CHECK_OK(am_config_service_get(cfg, "p", "app_mesh", "endpoint_url", &v, &err), &err);
    CHECK_STR_EQ(v, "http://c:3");
    CHECK_OK(am_config_service_get(cfg, "p", "dynamodb", "endpoint_url", &v, &err), &err);
    CHECK(v == NULL, "no dynamodb sub-section");
    am_config_destroy(cfg);
    return 0;
}

static int accepts_a_uniformly_indented_file(void)
{
    struct appmesh_error err = {0};
    struct am_config *cfg = NULL;
    CHECK_OK(parse2("  [default]\n  region = a\n  output = b\n", NULL, &cfg, &err), &err);
    CHECK_STR_EQ(am_config_file_get(cfg, AM_CONFIG_FILE_CONFIG, "default", "region"), "a");
    CHECK_STR_EQ(am_config_file_get(cfg, AM_CONFIG_FILE_CONFIG, "default", "output"), "b");
    am_config_destroy(cfg);
    return 0;
}

static int handles_crlf_a_byte_order_mark_and_no_final_newline(void)
{
    struct appmesh_error err = {0};
    struct am_config *cfg = NULL;
    CHECK_OK(parse2("\xEF\xBB\xBF[default]\r\nregion = a\r\n\r\noutput = b", NULL, &cfg, &err),
             &err);
    CHECK_STR_EQ(am_config_file_get(cfg, AM_CONFIG_FILE_CONFIG, "default", "region"), "a");
    CHECK_STR_EQ(am_config_file_get(cfg, AM_CONFIG_FILE_CONFIG, "default", "output"), "b");
    am_config_destroy(cfg);
    return 0;
}

static int names_profiles_as_the_cli_splits_them(void)
{
    struct appmesh_error err = {0};
    struct am_config *cfg = NULL;
    CHECK_OK(parse2("[profile \"my profile\"]\nregion = a\n[profile   spaced]\nregion = b\n"
                    "[profile a b]\nregion = c\n[profile]\nregion = d\n[profilex]\nregion = e\n"
                    "[sso-session corp]\nregion = f\n",
                    NULL, &cfg, &err),
             &err);
    CHECK_STR_EQ(am_config_file_get(cfg, AM_CONFIG_FILE_CONFIG, "my profile", "region"), "a");
    CHECK_STR_EQ(am_config_file_get(cfg, AM_CONFIG_FILE_CONFIG, "spaced", "region"), "b");
    CHECK(!am_config_has_profile(cfg, AM_CONFIG_FILE_CONFIG, "a b"), "three words");
    CHECK(!am_config_has_profile(cfg, AM_CONFIG_FILE_CONFIG, "profilex"), "no space");
    CHECK(!am_config_has_profile(cfg, AM_CONFIG_FILE_CONFIG, "sso-session corp"), "sso");
    am_config_destroy(cfg);
    return 0;
}

static int treats_absent_files_as_empty(void)
{
    struct appmesh_error err = {0};
    struct am_config *cfg = NULL;
    CHECK_OK(parse2(NULL, "", &cfg, &err), &err);
    CHECK(!am_config_has_profile(cfg, AM_CONFIG_FILE_CONFIG, "default"), "no config");
    CHECK(am_config_get(cfg, "default", "region", NULL) == NULL, "no region");
    am_config_destroy(cfg);
    return 0;
}

static int merges_the_files_with_credentials_first(void)
{
    struct appmesh_error err = {0};
    struct am_config *cfg = NULL;
    enum am_config_file from = AM_CONFIG_FILE_CONFIG;
    CHECK_OK(parse2("[default]\nregion = a\noutput = json\n", "[default]\nregion = b\noutput =\n",
                    &cfg, &err),
             &err);
    CHECK_STR_EQ(am_config_get(cfg, "default", "region", &from), "b");
    CHECK_INT_EQ(from, AM_CONFIG_FILE_CREDENTIALS);
    CHECK_STR_EQ(am_config_get(cfg, "default", "output", &from), "json");
    CHECK_INT_EQ(from, AM_CONFIG_FILE_CONFIG);
    am_config_destroy(cfg);
    return 0;
}

static int refuses_services_that_are_missing_or_not_sub_sections(void)
{
    struct appmesh_error err = {0};
    struct am_config *cfg = NULL;
    const char *v = "x";
    CHECK_OK(parse2("[default]\nservices = gone\n[profile p]\nservices = flat\n"
                    "[services flat]\napp_mesh = http://a:1\nempty =\n",
                    NULL, &cfg, &err),
             &err);
    CHECK_STATUS(am_config_service_get(cfg, "default", "app_mesh", "endpoint_url", &v, &err),
                 APPMESH_ERR_CONFIG, &err);
    CHECK(v == NULL, "no value");
    CHECK_STR_EQ(err.message, "profile 'default' uses services section 'gone', but <config> has no "
                              "[services gone]");
    appmesh_error_clear(&err);
    CHECK_STATUS(am_config_service_get(cfg, "p", "app_mesh", "endpoint_url", &v, &err),
                 APPMESH_ERR_CONFIG, &err);
    CHECK_STR_EQ(err.message, "<config>, line 6: 'app_mesh' in [services flat] must be a "
                              "sub-section (a key with an empty value, then indented 'key = "
                              "value' lines)");
    appmesh_error_clear(&err);
    CHECK_OK(am_config_service_get(cfg, "p", "empty", "endpoint_url", &v, &err), &err);
    CHECK(v == NULL, "an empty key is no sub-section");
    CHECK_OK(am_config_service_get(cfg, "nobody", "app_mesh", "endpoint_url", &v, &err), &err);
    CHECK(v == NULL, "no services key");
    am_config_destroy(cfg);
    return 0;
}

struct malformed_case {
    const char *text;
    size_t len; /* 0 = strlen */
    bool credentials;
    const char *message;
};

static const struct malformed_case s_malformed[] = {
    {"region = x\n", 0, false, "<config>, line 1: a key before any [section]"},
    {"[default]\nregion\n", 0, false,
     "<config>, line 2: expected 'key = value', a [section] or a comment ('#' or ';')"},
    {"[default\n", 0, false, "<config>, line 1: section header without ']'"},
    {"[default] x\n", 0, true, "<credentials>, line 1: unexpected text after ']'"},
    {"[default]x\n", 0, false, "<config>, line 1: unexpected text after ']'"},
    {"\n[ ]\n", 0, false, "<config>, line 2: empty section name '[]'"},
    {"[default]\n = x\n", 0, false, "<config>, line 2: missing key before '='"},
    {"[a]\n[b]\n[a]\n[b]\n", 0, true,
     "<credentials>, line 3: section [a] already appears on line 1"},
    {"[default]\nregion=a\nREGION : b\n", 0, false,
     "<config>, line 3: 'region' is already set in [default] on line 2"},
    {"[a]\nx=1\n[b]\nx=1\n[a]\n", 0, false,
     "<config>, line 5: section [a] already appears on line 1"},
    {"[default]\nregion = a\n  more\n", 0, false,
     "<config>, line 3: indented line after 'region', which has a value (only a key with an "
     "empty value starts a sub-section)"},
    {"[default]\ns3 =\n  nokey\n", 0, false,
     "<config>, line 3: expected 'key = value' in the sub-section 's3'"},
    {"[default]\ns3 =\n  = v\n", 0, false, "<config>, line 3: missing key before '='"},
    {"[default]\ns3 =\n  [profile x]\n", 0, false,
     "<config>, line 3: expected 'key = value' in the sub-section 's3'"},
    {"[default]\nregion = a\0b\n", 21, false,
     "<config>, line 2: contains a NUL byte (not a text file?)"},
    {"[default]\nregion = \xff\xfe\n", 0, false, "<config>, line 2: not valid UTF-8"},
};

static int reports_malformed_lines_with_file_and_line(void)
{
    size_t i = 0;
    for (i = 0; i < sizeof(s_malformed) / sizeof(s_malformed[0]); i++) {
        const struct malformed_case *c = &s_malformed[i];
        size_t len = c->len != 0 ? c->len : strlen(c->text);
        struct appmesh_error err = {0};
        struct am_config *cfg = (struct am_config *)&err; /* must come back NULL */
        enum appmesh_status st =
            c->credentials ? am_config_parse(&test_allocator, NULL, 0, c->text, len, &cfg, &err)
                           : am_config_parse(&test_allocator, c->text, len, NULL, 0, &cfg, &err);
        if (st != APPMESH_ERR_CONFIG) {
            fprintf(stderr, "  case %zu\n", i);
        }
        CHECK_STATUS(st, APPMESH_ERR_CONFIG, &err);
        CHECK(cfg == NULL, "no config on failure");
        CHECK_STR_EQ(err.message, c->message);
        CHECK_STR_EQ(appmesh_error_code(&err), "CredentialsError");
    }
    return 0;
}

static int never_repeats_a_secret_from_a_malformed_file(void)
{
    static const char *const texts[] = {
        "[default]\naws_secret_access_key =\nwJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n",
        "[default]\nwJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY = 1\n"
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY = 2\n",
        "[default]\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n"
        "  wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n",
        "[default]\ns =\n  wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n",
        "[wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    };
    size_t i = 0;
    for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        struct appmesh_error err = {0};
        struct am_config *cfg = NULL;
        CHECK_STATUS(parse2(NULL, texts[i], &cfg, &err), APPMESH_ERR_CONFIG, &err);
        CHECK(strstr(err.message, "wJalr") == NULL, err.message);
        CHECK(strstr(err.message, "EXAMPLEKEY") == NULL, err.message);
    }
    return 0;
}

static int refuses_text_larger_than_one_mebibyte(void)
{
    size_t n = 1024 * 1024 + 1;
    char *big = malloc(n);
    struct appmesh_error err = {0};
    struct am_config *cfg = NULL;
    enum appmesh_status st;
    CHECK(big != NULL, "malloc");
    memset(big, '#', n);
    st = am_config_parse(&test_allocator, big, n, NULL, 0, &cfg, &err);
    free(big);
    CHECK_STATUS(st, APPMESH_ERR_CONFIG, &err);
    CHECK_STR_EQ(err.message, "cannot read <config>: it is larger than 1 MiB");
    return 0;
}

/* ---- the files ---- */

static int loads_both_files_from_home(void)
{
    static const struct env_var vars[] = {{"HOME", HOME}, {NULL, NULL}};
    const struct am_env env = ENV(vars);
    struct appmesh_error err = {0};
    struct am_config *cfg = NULL;
    const char *v = NULL;
    CHECK_OK(am_config_load(&env, &test_allocator, &cfg, &err), &err);
    CHECK_STR_EQ(am_config_path(cfg, AM_CONFIG_FILE_CONFIG), CONFIG);
    CHECK_STR_EQ(am_config_path(cfg, AM_CONFIG_FILE_CREDENTIALS), CREDS);
    CHECK_STR_EQ(am_config_file_get(cfg, AM_CONFIG_FILE_CONFIG, "dev", "region"), "eu-west-1");
    CHECK_STR_EQ(am_config_file_get(cfg, AM_CONFIG_FILE_CONFIG, "dev", "max_attempts"), "5");
    CHECK_STR_EQ(am_config_file_get(cfg, AM_CONFIG_FILE_CONFIG, "dev", "output"), "text");
    CHECK_STR_EQ(am_config_file_get(cfg, AM_CONFIG_FILE_CONFIG, "quoted name", "region"),
                 "ap-south-1");
    CHECK_STR_EQ(am_config_file_get(cfg, AM_CONFIG_FILE_CREDENTIALS, "dev", "aws_access_key_id"),
                 "AKIDDEV");
    CHECK_STR_EQ(am_config_file_get(cfg, AM_CONFIG_FILE_CREDENTIALS, "profile dev", "region"),
                 "ap-northeast-1");
    CHECK_STR_EQ(am_config_get(cfg, "dev", "region", NULL), "ca-central-1");
    CHECK_OK(am_config_service_get(cfg, "dev", "app_mesh", "endpoint_url", &v, &err), &err);
    CHECK_STR_EQ(v, "http://127.0.0.1:9000/");
    am_config_destroy(cfg);
    return 0;
}

static int takes_file_paths_from_the_environment(void)
{
    static const struct env_var vars[] = {
        {"HOME", FIX},
        {"AWS_CONFIG_FILE", CONFIG},
        {"AWS_SHARED_CREDENTIALS_FILE", "~/home/.aws/credentials"},
        {NULL, NULL}};
    const struct am_env env = ENV(vars);
    struct appmesh_error err = {0};
    struct am_config *cfg = NULL;
    CHECK_OK(am_config_load(&env, &test_allocator, &cfg, &err), &err);
    CHECK_STR_EQ(am_config_path(cfg, AM_CONFIG_FILE_CONFIG), CONFIG);
    CHECK_STR_EQ(am_config_path(cfg, AM_CONFIG_FILE_CREDENTIALS), FIX "/home/.aws/credentials");
    CHECK(am_config_has_profile(cfg, AM_CONFIG_FILE_CONFIG, "dev"), "config read");
    CHECK(am_config_has_profile(cfg, AM_CONFIG_FILE_CREDENTIALS, "half-creds"), "creds read");
    am_config_destroy(cfg);
    return 0;
}

static int treats_missing_files_as_empty(void)
{
    static const struct env_var vars[] = {{"HOME", NO_HOME "/"}, {NULL, NULL}};
    const struct am_env env = ENV(vars);
    struct appmesh_error err = {0};
    struct am_config *cfg = NULL;
    CHECK_OK(am_config_load(&env, &test_allocator, &cfg, &err), &err);
    CHECK_STR_EQ(am_config_path(cfg, AM_CONFIG_FILE_CONFIG), NO_HOME "/.aws/config");
    CHECK(!am_config_has_profile(cfg, AM_CONFIG_FILE_CONFIG, "default"), "empty");
    CHECK(!am_config_has_profile(cfg, AM_CONFIG_FILE_CREDENTIALS, "default"), "empty");
    am_config_destroy(cfg);
    return 0;
}

static int reads_no_default_files_without_home(void)
{
    static const struct env_var vars[] = {{NULL, NULL}};
    const struct am_env env = ENV(vars);
    struct appmesh_error err = {0};
    struct am_config *cfg = NULL;
    CHECK_OK(am_config_load(&env, &test_allocator, &cfg, &err), &err);
    CHECK_STR_EQ(am_config_path(cfg, AM_CONFIG_FILE_CONFIG), "~/.aws/config");
    CHECK_STR_EQ(am_config_path(cfg, AM_CONFIG_FILE_CREDENTIALS), "~/.aws/credentials");
    CHECK(!am_config_has_profile(cfg, AM_CONFIG_FILE_CONFIG, "default"), "empty");
    am_config_destroy(cfg);
    return 0;
}

static int refuses_an_unreadable_file_naming_it(void)
{
    static const struct env_var vars[] = {
        {"HOME", NO_HOME}, {"AWS_SHARED_CREDENTIALS_FILE", HOME}, {NULL, NULL}};
    const struct am_env env = ENV(vars);
    struct appmesh_error err = {0};
    struct am_config *cfg = NULL;
    CHECK_STATUS(am_config_load(&env, &test_allocator, &cfg, &err), APPMESH_ERR_CONFIG, &err);
    CHECK(cfg == NULL, "no config");
    CHECK_STR_EQ(err.message, "cannot read " HOME ": it is a directory");
    return 0;
}

struct malformed_file {
    const char *var;
    const char *path;
    const char *message;
    const char *secret; /* must not appear, or NULL */
};

static const struct malformed_file s_malformed_files[] = {
    {"AWS_CONFIG_FILE", MALFORMED "/key-before-section.ini",
     MALFORMED "/key-before-section.ini, line 2: a key before any [section]", NULL},
    {"AWS_CONFIG_FILE", MALFORMED "/duplicate-section.ini",
     MALFORMED "/duplicate-section.ini, line 6: section [default] already appears on line 1", NULL},
    {"AWS_SHARED_CREDENTIALS_FILE", MALFORMED "/wrapped-secret.ini",
     MALFORMED "/wrapped-secret.ini, line 4: expected 'key = value', a [section] or a comment "
               "('#' or ';')",
     "WRAPPEDKEY"},
    {"AWS_SHARED_CREDENTIALS_FILE", MALFORMED "/continuation-after-value.ini",
     MALFORMED "/continuation-after-value.ini, line 3: indented line after "
               "'aws_secret_access_key', which has a value (only a key with an empty value "
               "starts a sub-section)",
     "Secret"},
    {"AWS_CONFIG_FILE", MALFORMED "/sub-section-line-without-equals.ini",
     MALFORMED "/sub-section-line-without-equals.ini, line 3: expected 'key = value' in the "
               "sub-section 'app_mesh'",
     NULL},
};

static int reports_malformed_files_with_path_and_line(void)
{
    size_t i = 0;
    for (i = 0; i < sizeof(s_malformed_files) / sizeof(s_malformed_files[0]); i++) {
        const struct malformed_file *c = &s_malformed_files[i];
        const struct env_var vars[] = {{"HOME", HOME}, {c->var, c->path}, {NULL, NULL}};
        const struct am_env env = ENV(vars);
        struct appmesh_error err = {0};
        struct am_config *cfg = NULL;
        CHECK_STATUS(am_config_load(&env, &test_allocator, &cfg, &err), APPMESH_ERR_CONFIG, &err);
        CHECK_STR_EQ(err.message, c->message);
        CHECK(c->secret == NULL || strstr(err.message, c->secret) == NULL, err.message);
    }
    return 0;
}

/* ---- settings precedence ---- */

struct settings_case {
    const char *name; /* the behaviour */
    struct appmesh_client_options opts;
    struct env_var env[8]; /* HOME is HOME unless given */
    const char *profile, *region, *endpoint_url, *ca_bundle, *retry_mode;
    int max_attempts;
    double retry_base_delay;
    bool use_fips, use_dualstack;
};

#define STD "standard"

static const struct settings_case s_settings[] = {
    {"defaults_without_any_configuration",
     {0},
     {{"HOME", NO_HOME}},
     "default",
     NULL,
     NULL,
     NULL,
     STD,
     3,
     1.0,
     false,
     false},
    {"reads_the_default_profile",
     {0},
     {{NULL, NULL}},
     "default",
     "us-west-2",
     NULL,
     NULL,
     STD,
     3,
     1.0,
     false,
     false},
    {"profile_comes_from_aws_profile",
     {0},
     {{"AWS_PROFILE", "global-endpoint"}},
     "global-endpoint",
     "us-east-2",
     "http://global.example:8080",
     NULL,
     STD,
     3,
     1.0,
     false,
     false},
    {"profile_option_beats_aws_profile",
     {.profile = "global-endpoint"},
     {{"AWS_PROFILE", "no-such-profile"}},
     "global-endpoint",
     "us-east-2",
     "http://global.example:8080",
     NULL,
     STD,
     3,
     1.0,
     false,
     false},
    {"profile_may_live_in_the_credentials_file_only",
     {.profile = "creds-only"},
     {{NULL, NULL}},
     "creds-only",
     "sa-east-1",
     NULL,
     NULL,
     STD,
     3,
     1.0,
     false,
     false},
    {"default_profile_may_be_absent",
     {.profile = "default"},
     {{"HOME", NO_HOME}},
     "default",
     NULL,
     NULL,
     NULL,
     STD,
     3,
     1.0,
     false,
     false},
    /* region */
    {"region_option_beats_the_environment",
     {.region = "eu-north-1"},
     {{"AWS_REGION", "us-east-1"}, {"AWS_DEFAULT_REGION", "us-east-2"}},
     "default",
     "eu-north-1",
     NULL,
     NULL,
     STD,
     3,
     1.0,
     false,
     false},
    {"aws_region_beats_aws_default_region",
     {0},
     {{"AWS_REGION", "us-east-1"}, {"AWS_DEFAULT_REGION", "us-east-2"}},
     "default",
     "us-east-1",
     NULL,
     NULL,
     STD,
     3,
     1.0,
     false,
     false},
    {"aws_default_region_beats_the_profile",
     {0},
     {{"AWS_DEFAULT_REGION", "us-east-2"}},
     "default",
     "us-east-2",
     NULL,
     NULL,
     STD,
     3,
     1.0,
     false,
     false},
    {"empty_region_option_and_variable_count_as_unset",
     {.region = ""},
     {{"AWS_REGION", ""}},
     "default",
     "us-west-2",
     NULL,
     NULL,
     STD,
     3,
     1.0,
     false,
     false},
    {"credentials_file_values_beat_config_file_values",
     {.profile = "dev"},
     {{NULL, NULL}},
     "dev",
     "ca-central-1",
     "http://127.0.0.1:9000/",
     "/etc/ssl/dev.pem",
     "adaptive",
     5,
     1.0,
     true,
     false},
    /* endpoint_url */
    {"endpoint_option_beats_every_configured_endpoint",
     {.endpoint = "http://option:1", .profile = "svc-endpoint"},
     {{"AWS_ENDPOINT_URL_APP_MESH", "http://svc-env:2"},
      {"AWS_ENDPOINT_URL", "http://env:3"},
      {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"}},
     "svc-endpoint",
     NULL,
     "http://option:1",
     NULL,
     STD,
     3,
     1.0,
     false,
     false},
    {"service_variable_beats_the_global_variable",
     {.profile = "svc-endpoint"},
     {{"AWS_ENDPOINT_URL_APP_MESH", "http://svc-env:2"}, {"AWS_ENDPOINT_URL", "http://env:3"}},
     "svc-endpoint",
     NULL,
     "http://svc-env:2",
     NULL,
     STD,
     3,
     1.0,
     false,
     false},
    {"global_variable_beats_the_services_section",
     {.profile = "svc-endpoint"},
     {{"AWS_ENDPOINT_URL", "http://env:3"}},
     "svc-endpoint",
     NULL,
     "http://env:3",
     NULL,
     STD,
     3,
     1.0,
     false,
     false},
    {"services_section_beats_the_profile_endpoint_url",
     {.profile = "svc-endpoint"},
     {{NULL, NULL}},
     "svc-endpoint",
     NULL,
     "http://127.0.0.1:9000/",
     NULL,
     STD,
     3,
     1.0,
     false,
     false},
    {"profile_endpoint_url_when_the_services_section_has_no_app_mesh",
     {.profile = "svc-without-app-mesh"},
     {{NULL, NULL}},
     "svc-without-app-mesh",
     NULL,
     "http://global.example:8080",
     NULL,
     STD,
     3,
     1.0,
     false,
     false},
    {"ignore_variable_drops_configured_endpoints",
     {.profile = "svc-endpoint"},
     {{"AWS_ENDPOINT_URL", "http://env:3"}, {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE"}},
     "svc-endpoint",
     NULL,
     NULL,
     NULL,
     STD,
     3,
     1.0,
     false,
     false},
    {"ignore_profile_key_drops_configured_endpoints",
     {.profile = "ignore-endpoints"},
     {{"AWS_ENDPOINT_URL_APP_MESH", "http://svc-env:2"}},
     "ignore-endpoints",
     NULL,
     NULL,
     NULL,
     STD,
     3,
     1.0,
     false,
     false},
    {"ignore_variable_false_overrides_the_profile_key",
     {.profile = "ignore-endpoints"},
     {{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false"}},
     "ignore-endpoints",
     NULL,
     "http://127.0.0.1:9000/",
     NULL,
     STD,
     3,
     1.0,
     false,
     false},
    /* ca_bundle */
    {"ca_bundle_option_beats_the_environment",
     {.ca_bundle = "/opt.pem", .profile = "dev"},
     {{"AWS_CA_BUNDLE", "/env.pem"}},
     "dev",
     "ca-central-1",
     "http://127.0.0.1:9000/",
     "/opt.pem",
     "adaptive",
     5,
     1.0,
     true,
     false},
    {"ca_bundle_variable_beats_the_profile",
     {.profile = "dev"},
     {{"AWS_CA_BUNDLE", "/env.pem"}},
     "dev",
     "ca-central-1",
     "http://127.0.0.1:9000/",
     "/env.pem",
     "adaptive",
     5,
     1.0,
     true,
     false},
    /* max_attempts, retry_mode, retry_base_delay */
    {"max_attempts_option_beats_the_environment",
     {.max_attempts = 7, .retry_mode = "standard", .retry_base_delay = 0.25, .profile = "dev"},
     {{"AWS_MAX_ATTEMPTS", "6"}, {"AWS_RETRY_MODE", "adaptive"}},
     "dev",
     "ca-central-1",
     "http://127.0.0.1:9000/",
     "/etc/ssl/dev.pem",
     STD,
     7,
     0.25,
     true,
     false},
    {"max_attempts_and_retry_mode_variables_beat_the_profile",
     {.profile = "dev"},
     {{"AWS_MAX_ATTEMPTS", "6"}, {"AWS_RETRY_MODE", "legacy"}},
     "dev",
     "ca-central-1",
     "http://127.0.0.1:9000/",
     "/etc/ssl/dev.pem",
     STD,
     6,
     1.0,
     true,
     false},
    {"legacy_retry_mode_means_standard",
     {.profile = "legacy"},
     {{NULL, NULL}},
     "legacy",
     NULL,
     NULL,
     NULL,
     STD,
     3,
     1.0,
     false,
     true},
    {"adaptive_retry_mode_option",
     {.retry_mode = "adaptive"},
     {{NULL, NULL}},
     "default",
     "us-west-2",
     NULL,
     NULL,
     "adaptive",
     3,
     1.0,
     false,
     false},
    /* use_fips / use_dualstack */
    {"fips_and_dualstack_options_turn_them_on",
     {.use_fips = true, .use_dualstack = true},
     {{"AWS_USE_FIPS_ENDPOINT", "false"}, {"AWS_USE_DUALSTACK_ENDPOINT", "false"}},
     "default",
     "us-west-2",
     NULL,
     NULL,
     STD,
     3,
     1.0,
     true,
     true},
    {"fips_and_dualstack_variables_turn_them_on",
     {0},
     {{"AWS_USE_FIPS_ENDPOINT", "True"}, {"AWS_USE_DUALSTACK_ENDPOINT", "true"}},
     "default",
     "us-west-2",
     NULL,
     NULL,
     STD,
     3,
     1.0,
     true,
     true},
    {"fips_variable_false_overrides_the_profile",
     {.profile = "dev"},
     {{"AWS_USE_FIPS_ENDPOINT", "false"}},
     "dev",
     "ca-central-1",
     "http://127.0.0.1:9000/",
     "/etc/ssl/dev.pem",
     "adaptive",
     5,
     1.0,
     false,
     false},
    {"fips_variable_other_than_true_is_false",
     {0},
     {{"AWS_USE_FIPS_ENDPOINT", "1"}},
     "default",
     "us-west-2",
     NULL,
     NULL,
     STD,
     3,
     1.0,
     false,
     false},
};

/* The case's variables, with HOME set to the fixture home unless the case sets it. */
static void case_env(const struct env_var *in, size_t max, struct env_var *out)
{
    size_t n = 0;
    bool has_home = false;
    for (n = 0; n < max && in[n].name != NULL; n++) {
        out[n] = in[n];
        has_home = has_home || strcmp(in[n].name, "HOME") == 0;
    }
    if (!has_home) {
        out[n].name = "HOME";
        out[n++].value = HOME;
    }
    out[n].name = NULL;
    out[n].value = NULL;
}

static int check_settings(const struct settings_case *c, struct am_settings *s)
{
    struct env_var vars[10];
    struct am_env env = {table_getenv, vars};
    struct appmesh_error err = {0};
    case_env(c->env, 8, vars);
    CHECK_OK(am_settings_resolve(&c->opts, &env, &test_allocator, s, &err), &err);
    CHECK_STR_EQ(s->profile, c->profile);
    CHECK_STR_EQ(s->region, c->region);
    CHECK_STR_EQ(s->endpoint_url, c->endpoint_url);
    CHECK_STR_EQ(s->ca_bundle, c->ca_bundle);
    CHECK_STR_EQ(s->retry_mode, c->retry_mode);
    CHECK_INT_EQ(s->max_attempts, c->max_attempts);
    CHECK(s->retry_base_delay == c->retry_base_delay, "retry_base_delay");
    CHECK_INT_EQ(s->use_fips, c->use_fips);
    CHECK_INT_EQ(s->use_dualstack, c->use_dualstack);
    return 0;
}

static int resolves_every_setting_by_precedence(void)
{
    size_t i = 0;
    int failures = 0;
    for (i = 0; i < sizeof(s_settings) / sizeof(s_settings[0]); i++) {
        struct am_settings s = {0};
        if (check_settings(&s_settings[i], &s) != 0) {
            fprintf(stderr, "  in case %s\n", s_settings[i].name);
            failures++;
        }
        am_settings_cleanup(&s);
    }
    return failures != 0;
}

static int settings_accept_null_options(void)
{
    static const struct env_var vars[] = {{"HOME", HOME}, {NULL, NULL}};
    const struct am_env env = ENV(vars);
    struct am_settings s;
    struct appmesh_error err = {0};
    CHECK_OK(am_settings_resolve(NULL, &env, &test_allocator, &s, &err), &err);
    CHECK_STR_EQ(s.region, "us-west-2");
    am_settings_cleanup(&s);
    am_settings_cleanup(&s);
    return 0;
}

struct settings_error {
    const char *name;
    struct appmesh_client_options opts;
    struct env_var env[4];
    enum appmesh_status status;
    const char *field; /* for VALIDATION */
    const char *message;
};

static const struct settings_error s_setting_errors[] = {
    {"named_profile_found_nowhere",
     {0},
     {{"AWS_PROFILE", "nope"}},
     APPMESH_ERR_CONFIG,
     NULL,
     "profile 'nope' not found in " CONFIG " or " CREDS},
    {"profile_option_found_nowhere",
     {.profile = "dev2"},
     {{"HOME", NO_HOME}},
     APPMESH_ERR_CONFIG,
     NULL,
     "profile 'dev2' not found in " NO_HOME "/.aws/config or " NO_HOME "/.aws/credentials"},
    {"services_section_missing",
     {.profile = "missing-services"},
     {{NULL, NULL}},
     APPMESH_ERR_CONFIG,
     NULL,
     "profile 'missing-services' uses services section 'nowhere', but " CONFIG
     " has no [services nowhere]"},
    {"negative_max_attempts_option",
     {.max_attempts = -1},
     {{NULL, NULL}},
     APPMESH_ERR_VALIDATION,
     "max_attempts",
     "max_attempts must be an integer from 1 to 100, got -1"},
    {"zero_aws_max_attempts",
     {0},
     {{"AWS_MAX_ATTEMPTS", "0"}},
     APPMESH_ERR_CONFIG,
     NULL,
     "AWS_MAX_ATTEMPTS must be an integer from 1 to 100, got '0'"},
    {"non_numeric_aws_max_attempts",
     {0},
     {{"AWS_MAX_ATTEMPTS", "3x"}},
     APPMESH_ERR_CONFIG,
     NULL,
     "AWS_MAX_ATTEMPTS must be an integer from 1 to 100, got '3x'"},
    {"huge_aws_max_attempts",
     {0},
     {{"AWS_MAX_ATTEMPTS", "99999999999999999999"}},
     APPMESH_ERR_CONFIG,
     NULL,
     "AWS_MAX_ATTEMPTS must be an integer from 1 to 100, got '99999999999999999999'"},
    {"non_numeric_profile_max_attempts",
     {.profile = "bad-attempts"},
     {{NULL, NULL}},
     APPMESH_ERR_CONFIG,
     NULL,
     "max_attempts in profile 'bad-attempts' of " CONFIG
     " must be an integer from 1 to 100, got 'zero'"},
    {"unknown_retry_mode_option",
     {.retry_mode = "fast"},
     {{NULL, NULL}},
     APPMESH_ERR_VALIDATION,
     "retry_mode",
     "retry_mode must be \"standard\" or \"adaptive\", got 'fast'"},
    {"unknown_aws_retry_mode",
     {0},
     {{"AWS_RETRY_MODE", "Standard"}},
     APPMESH_ERR_CONFIG,
     NULL,
     "AWS_RETRY_MODE must be \"standard\" or \"adaptive\", got 'Standard'"},
    {"unknown_profile_retry_mode",
     {.profile = "bad-mode"},
     {{NULL, NULL}},
     APPMESH_ERR_CONFIG,
     NULL,
     "retry_mode in profile 'bad-mode' of " CONFIG
     " must be \"standard\" or \"adaptive\", got 'legacy-ish'"},
    {"negative_retry_base_delay",
     {.retry_base_delay = -0.5},
     {{NULL, NULL}},
     APPMESH_ERR_VALIDATION,
     "retry_base_delay",
     "retry_base_delay must be from 0 to 60 seconds, got -0.5"},
    {"infinite_retry_base_delay",
     {.retry_base_delay = HUGE_VAL},
     {{NULL, NULL}},
     APPMESH_ERR_VALIDATION,
     "retry_base_delay",
     "retry_base_delay must be from 0 to 60 seconds, got inf"},
    {"bad_endpoint_option",
     {.endpoint = "ftp://x"},
     {{NULL, NULL}},
     APPMESH_ERR_ENDPOINT,
     NULL,
     "invalid endpoint URL 'ftp://x': the scheme must be http or https (from the endpoint "
     "option)"},
    {"bad_service_endpoint_variable",
     {0},
     {{"AWS_ENDPOINT_URL_APP_MESH", "localhost:9000"}},
     APPMESH_ERR_ENDPOINT,
     NULL,
     "invalid endpoint URL 'localhost:9000': expected http://host or https://host (from "
     "AWS_ENDPOINT_URL_APP_MESH)"},
    {"bad_global_endpoint_variable",
     {0},
     {{"AWS_ENDPOINT_URL", "http://h/?x"}},
     APPMESH_ERR_ENDPOINT,
     NULL,
     "invalid endpoint URL 'http://h/?x': a query string ('?') is not allowed (from "
     "AWS_ENDPOINT_URL)"},
    {"bad_profile_endpoint_url",
     {.profile = "bad-endpoint"},
     {{NULL, NULL}},
     APPMESH_ERR_ENDPOINT,
     NULL,
     "invalid endpoint URL 'ftp://bad.example': the scheme must be http or https (from "
     "endpoint_url in profile 'bad-endpoint' of " CONFIG ")"},
    /* the region goes into the credential scope: a CRLF there would forge a header line */
    {"explicit_region_with_crlf",
     {.region = "us-east-1\r\nX: y", .endpoint = "http://127.0.0.1:9"},
     {{NULL, NULL}},
     APPMESH_ERR_VALIDATION,
     "region",
     "region must be 1 to 63 characters of a-z, 0-9 and '-'; character 10 is not"},
    {"explicit_region_too_long",
     {.region = "a123456789012345678901234567890123456789012345678901234567890123"},
     {{NULL, NULL}},
     APPMESH_ERR_VALIDATION,
     "region",
     "region must be 1 to 63 characters of a-z, 0-9 and '-'"},
    {"environment_region_with_a_space",
     {0},
     {{"AWS_REGION", "us east 1"}},
     APPMESH_ERR_CONFIG,
     NULL,
     "AWS_REGION must be 1 to 63 characters of a-z, 0-9 and '-'"},
    {"environment_default_region_upper_case",
     {0},
     {{"AWS_DEFAULT_REGION", "US-EAST-1"}},
     APPMESH_ERR_CONFIG,
     NULL,
     "AWS_DEFAULT_REGION must be 1 to 63 characters of a-z, 0-9 and '-'"},
    {"malformed_config_file",
     {0},
     {{"AWS_CONFIG_FILE", MALFORMED "/duplicate-section.ini"}},
     APPMESH_ERR_CONFIG,
     NULL,
     MALFORMED "/duplicate-section.ini, line 6: section [default] already appears on line 1"},
};

static int check_settings_error(const struct settings_error *c, struct am_settings *s)
{
    struct env_var vars[6];
    struct am_env env = {table_getenv, vars};
    struct appmesh_error err = {0};
    case_env(c->env, 4, vars);
    CHECK_STATUS(am_settings_resolve(&c->opts, &env, &test_allocator, s, &err), c->status, &err);
    CHECK_STR_EQ(err.message, c->message);
    CHECK_STR_EQ(err.field, c->field != NULL ? c->field : "");
    CHECK(s->profile == NULL && s->region == NULL && s->retry_mode == NULL,
          "nothing is left in the settings");
    return 0;
}

static int reports_every_settings_error(void)
{
    size_t i = 0;
    int failures = 0;
    for (i = 0; i < sizeof(s_setting_errors) / sizeof(s_setting_errors[0]); i++) {
        struct am_settings s = {0};
        if (check_settings_error(&s_setting_errors[i], &s) != 0) {
            fprintf(stderr, "  in case %s\n", s_setting_errors[i].name);
            failures++;
        }
        am_settings_cleanup(&s);
    }
    return failures != 0;
}

static enum appmesh_status resolve_dev(void *ctx)
{
    static const struct env_var vars[] = {{"HOME", HOME},
                                          {"AWS_PROFILE", "dev"},
                                          {"AWS_ENDPOINT_URL", NULL},
                                          {"AWS_CONFIG_FILE", "~/.aws/config"},
                                          {NULL, NULL}};
    const struct am_env env = ENV(vars);
    const struct appmesh_client_options *opts = ctx;
    struct am_settings s;
    struct appmesh_error err = {0};
    enum appmesh_status st = am_settings_resolve(opts, &env, &test_allocator, &s, &err);
    am_settings_cleanup(&s);
    return st;
}

static int resolves_settings_when_memory_runs_out(void)
{
    struct appmesh_client_options opts = {0};
    CHECK(test_oom_loop(resolve_dev, &opts, 200) == 0, "settings from the dev profile");
    opts.endpoint = "http://127.0.0.1:9000";
    opts.retry_mode = "adaptive";
    opts.ca_bundle = "/ca.pem";
    CHECK(test_oom_loop(resolve_dev, &opts, 200) == 0, "settings with options");
    return 0;
}

/* ---- the warning about files others can read ---- */

/* Load the files in dir (config and credentials, written with the modes given; NULL text = no
 * file) with APPMESH_LOG = log, and return what went to stderr in out. */
static int load_capturing_stderr(const char *config,
                                 unsigned config_mode,
                                 const char *creds,
                                 unsigned creds_mode,
                                 const char *log,
                                 int loads,
                                 char *dir,
                                 char *out,
                                 size_t outsize)
{
    char cfg_path[128], creds_path[128], err_path[128];
    struct env_var vars[5] = {{"AWS_CONFIG_FILE", cfg_path},
                              {"AWS_SHARED_CREDENTIALS_FILE", creds_path},
                              {"APPMESH_LOG", log},
                              {NULL, NULL}};
    const struct am_env env = ENV(vars);
    struct appmesh_error err = {0};
    FILE *fp = NULL;
    int saved = -1, fd = -1, i = 0;
    enum appmesh_status st = APPMESH_OK;

    snprintf(cfg_path, sizeof(cfg_path), "%s/config", dir);
    snprintf(creds_path, sizeof(creds_path), "%s/credentials", dir);
    snprintf(err_path, sizeof(err_path), "%s/stderr", dir);
    if (config != NULL) {
        fp = fopen(cfg_path, "w");
        CHECK(fp != NULL, "config written");
        fputs(config, fp);
        fclose(fp);
        chmod(cfg_path, config_mode);
    }
    if (creds != NULL) {
        fp = fopen(creds_path, "w");
        CHECK(fp != NULL, "credentials written");
        fputs(creds, fp);
        fclose(fp);
        chmod(creds_path, creds_mode);
    }
    fflush(stderr);
    saved = dup(STDERR_FILENO);
    fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, STDERR_FILENO);
    for (i = 0; i < loads && st == APPMESH_OK; i++) {
        struct am_config *cfg = NULL;
        st = am_config_load(&env, &test_allocator, &cfg, &err);
        am_config_destroy(cfg);
    }
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    close(fd);
    out[0] = '\0';
    fp = fopen(err_path, "r");
    if (fp != NULL) {
        size_t n = fread(out, 1, outsize - 1, fp);
        out[n] = '\0';
        fclose(fp);
    }
    unlink(cfg_path);
    unlink(creds_path);
    unlink(err_path);
    rmdir(dir);
    CHECK_OK(st, &err);
    return 0;
}

static const char creds_text[] =
    "[default]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = SecretEXAMPLE\n";

static int warns_once_about_a_credentials_file_others_can_read(void)
{
    char dir[] = "/tmp/appmesh-config-XXXXXX";
    char got[512], want[256];
    CHECK(mkdtemp(dir) != NULL, "scratch directory");
    snprintf(want, sizeof(want),
             "appmesh: warning: %s/credentials is readable by group/others (mode 0644); chmod "
             "600 it\n",
             dir);
    CHECK(load_capturing_stderr("[default]\nregion = us-east-1\n", 0644, creds_text, 0644, NULL, 3,
                                dir, got, sizeof(got)) == 0,
          "loaded");
    CHECK_STR_EQ(got, want);
    return 0;
}

static int warns_about_a_config_file_with_keys_others_can_read(void)
{
    char dir[] = "/tmp/appmesh-config-XXXXXX";
    char got[512], want[256];
    CHECK(mkdtemp(dir) != NULL, "scratch directory");
    snprintf(want, sizeof(want),
             "appmesh: warning: %s/config is readable by group/others (mode 0640); chmod 600 "
             "it\n",
             dir);
    CHECK(load_capturing_stderr(creds_text, 0640, NULL, 0, NULL, 1, dir, got, sizeof(got)) == 0,
          "loaded");
    CHECK_STR_EQ(got, want);
    return 0;
}

static int does_not_warn_about_private_files_or_a_config_without_keys(void)
{
    char dir[] = "/tmp/appmesh-config-XXXXXX";
    char got[512];
    CHECK(mkdtemp(dir) != NULL, "scratch directory");
    CHECK(load_capturing_stderr("[default]\nregion = us-east-1\n", 0644, creds_text, 0600, NULL, 1,
                                dir, got, sizeof(got)) == 0,
          "loaded");
    CHECK_STR_EQ(got, "");
    return 0;
}

static int appmesh_log_off_silences_the_warning(void)
{
    char dir[] = "/tmp/appmesh-config-XXXXXX";
    char got[512];
    CHECK(mkdtemp(dir) != NULL, "scratch directory");
    CHECK(load_capturing_stderr(NULL, 0, creds_text, 0604, "off", 1, dir, got, sizeof(got)) == 0,
          "loaded");
    CHECK_STR_EQ(got, "");
    return 0;
}

static const struct test_case cases[] = {
    {"warns_once_about_a_credentials_file_others_can_read",
     warns_once_about_a_credentials_file_others_can_read},
    {"warns_about_a_config_file_with_keys_others_can_read",
     warns_about_a_config_file_with_keys_others_can_read},
    {"does_not_warn_about_private_files_or_a_config_without_keys",
     does_not_warn_about_private_files_or_a_config_without_keys},
    {"appmesh_log_off_silences_the_warning", appmesh_log_off_silences_the_warning},
    {"env_get_reads_the_hook_and_treats_empty_as_unset",
     env_get_reads_the_hook_and_treats_empty_as_unset},
    {"env_get_falls_back_to_getenv", env_get_falls_back_to_getenv},
    {"reads_profile_sections_in_config_and_plain_sections_in_credentials",
     reads_profile_sections_in_config_and_plain_sections_in_credentials},
    {"accepts_profile_default_where_the_last_section_wins",
     accepts_profile_default_where_the_last_section_wins},
    {"skips_full_line_and_inline_comments", skips_full_line_and_inline_comments},
    {"trims_whitespace_and_takes_equals_or_colon", trims_whitespace_and_takes_equals_or_colon},
    {"folds_keys_but_not_section_names_to_lower_case",
     folds_keys_but_not_section_names_to_lower_case},
    {"parses_indented_sub_sections", parses_indented_sub_sections},
    {"accepts_a_uniformly_indented_file", accepts_a_uniformly_indented_file},
    {"handles_crlf_a_byte_order_mark_and_no_final_newline",
     handles_crlf_a_byte_order_mark_and_no_final_newline},
    {"names_profiles_as_the_cli_splits_them", names_profiles_as_the_cli_splits_them},
    {"treats_absent_files_as_empty", treats_absent_files_as_empty},
    {"merges_the_files_with_credentials_first", merges_the_files_with_credentials_first},
    {"refuses_services_that_are_missing_or_not_sub_sections",
     refuses_services_that_are_missing_or_not_sub_sections},
    {"reports_malformed_lines_with_file_and_line", reports_malformed_lines_with_file_and_line},
    {"never_repeats_a_secret_from_a_malformed_file", never_repeats_a_secret_from_a_malformed_file},
    {"refuses_text_larger_than_one_mebibyte", refuses_text_larger_than_one_mebibyte},
    {"loads_both_files_from_home", loads_both_files_from_home},
    {"takes_file_paths_from_the_environment", takes_file_paths_from_the_environment},
    {"treats_missing_files_as_empty", treats_missing_files_as_empty},
    {"reads_no_default_files_without_home", reads_no_default_files_without_home},
    {"refuses_an_unreadable_file_naming_it", refuses_an_unreadable_file_naming_it},
    {"reports_malformed_files_with_path_and_line", reports_malformed_files_with_path_and_line},
    {"resolves_every_setting_by_precedence", resolves_every_setting_by_precedence},
    {"settings_accept_null_options", settings_accept_null_options},
    {"reports_every_settings_error", reports_every_settings_error},
    {"resolves_settings_when_memory_runs_out", resolves_settings_when_memory_runs_out},
};

TEST_MAIN("config", cases)
