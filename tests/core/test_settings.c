/* SPDX-License-Identifier: MIT */
/* Tests for settings.c: client settings by precedence, and every settings error. */
#include <math.h>

#include "config_rig.h"
#include "settings.h"

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

static const struct test_case cases[] = {
    {"resolves_every_setting_by_precedence", resolves_every_setting_by_precedence},
    {"settings_accept_null_options", settings_accept_null_options},
    {"reports_every_settings_error", reports_every_settings_error},
    {"resolves_settings_when_memory_runs_out", resolves_settings_when_memory_runs_out},
};

TEST_MAIN("settings", cases)
