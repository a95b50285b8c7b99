/* SPDX-License-Identifier: MIT */
/* Tests for config.c: finding and reading the shared config and credentials files. */
#include "config_rig.h"

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

static const struct test_case cases[] = {
    {"loads_both_files_from_home", loads_both_files_from_home},
    {"takes_file_paths_from_the_environment", takes_file_paths_from_the_environment},
    {"treats_missing_files_as_empty", treats_missing_files_as_empty},
    {"reads_no_default_files_without_home", reads_no_default_files_without_home},
    {"refuses_an_unreadable_file_naming_it", refuses_an_unreadable_file_naming_it},
    {"reports_malformed_files_with_path_and_line", reports_malformed_files_with_path_and_line},
};

TEST_MAIN("config", cases)
