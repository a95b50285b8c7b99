/* SPDX-License-Identifier: MIT */
/* Tests for ini.c: the INI dialect of the shared files, as the AWS CLI reads it. */
#include "config_rig.h"

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

static int trims_a_carriage_return_left_by_a_doubled_line_ending_conversion(void)
{
    /* "\r\r\n" (CRLF converted to CRLF again): botocore reads the value without the CR; kept,
     * it would be part of the secret key and every signature would be wrong. */
    struct appmesh_error err = {0};
    struct am_config *cfg = NULL;
    CHECK_OK(parse2("[default]\r\r\nregion = a\r\r\n",
                    "[default]\r\r\naws_secret_access_key = s\r\r\n", &cfg, &err),
             &err);
    CHECK_STR_EQ(am_config_file_get(cfg, AM_CONFIG_FILE_CONFIG, "default", "region"), "a");
    CHECK_STR_EQ(
        am_config_file_get(cfg, AM_CONFIG_FILE_CREDENTIALS, "default", "aws_secret_access_key"),
        "s");
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

static const struct test_case cases[] = {
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
    {"trims_a_carriage_return_left_by_a_doubled_line_ending_conversion",
     trims_a_carriage_return_left_by_a_doubled_line_ending_conversion},
    {"names_profiles_as_the_cli_splits_them", names_profiles_as_the_cli_splits_them},
    {"treats_absent_files_as_empty", treats_absent_files_as_empty},
    {"merges_the_files_with_credentials_first", merges_the_files_with_credentials_first},
    {"refuses_services_that_are_missing_or_not_sub_sections",
     refuses_services_that_are_missing_or_not_sub_sections},
    {"reports_malformed_lines_with_file_and_line", reports_malformed_lines_with_file_and_line},
    {"never_repeats_a_secret_from_a_malformed_file", never_repeats_a_secret_from_a_malformed_file},
    {"refuses_text_larger_than_one_mebibyte", refuses_text_larger_than_one_mebibyte},
};

TEST_MAIN("ini", cases)
