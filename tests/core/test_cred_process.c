/* SPDX-License-Identifier: MIT */
/* Tests for cred_process.c: splitting the command, running it, reading its JSON, the chain. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "appmesh/appmesh.h"
#include "cred_process.h"
#include "cred_util.h"
#include "credentials.h"
#include "env.h"
#include "harness.h"

#define SECRET "ProcessSecret/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define TOKEN  "ProcessSessionTokenValue"
#define GOOD_JSON                                                                                  \
    "{\"Version\": 1, \"AccessKeyId\": \"AKIDPROCESS\", \"SecretAccessKey\": \"" SECRET            \
    "\", \"SessionToken\": \"" TOKEN "\", \"Expiration\": \"2026-11-25T12:30:00Z\"}"

/* ---- a scratch directory for the files a command reads ---- */
struct scratch {
    char dir[64];
    char path[4][128];
    int n;
};

static int scratch_open(struct scratch *s)
{
    memset(s, 0, sizeof(*s));
    snprintf(s->dir, sizeof(s->dir), "/tmp/appmesh-cred-process-XXXXXX");
    return mkdtemp(s->dir) != NULL ? 0 : 1;
}

/* Write text to a new file in the scratch directory; its path, or NULL. */
static const char *scratch_file(struct scratch *s, const char *name, const char *text)
{
    FILE *fp = NULL;
    char *p = s->path[s->n];
    char full[sizeof(s->path[0])];
    snprintf(full, sizeof(full), "%s/%s", s->dir, name);
    memcpy(p, full, sizeof(full));
    fp = fopen(p, "w");
    if (fp == NULL) {
        return NULL;
    }
    fputs(text, fp);
    fclose(fp);
    chmod(p, 0600);
    s->n++;
    return p;
}

static void scratch_close(struct scratch *s)
{
    int i = 0;
    for (i = 0; i < s->n; i++) {
        unlink(s->path[i]);
    }
    rmdir(s->dir);
}

/* ---- splitting ---- */

static int splits_the_command_as_shlex_does(void)
{
    static const struct {
        const char *command;
        const char *words[6];
    } cases[] = {
        {"aws-vault exec dev --json", {"aws-vault", "exec", "dev", "--json"}},
        {"  padded\t command  ", {"padded", "command"}},
        {"'/opt/my tools/get creds' --profile x", {"/opt/my tools/get creds", "--profile", "x"}},
        {"cmd \"a \\\"quoted\\\" word\" 'single \\ kept'",
         {"cmd", "a \"quoted\" word", "single \\ kept"}},
        {"cmd \"back\\slash\" esc\\ aped", {"cmd", "back\\slash", "esc aped"}},
        {"cmd '' \"\" x", {"cmd", "", "", "x"}},
        {"a\"b c\"d", {"ab cd"}},
        {"cmd # not a comment", {"cmd", "#", "not", "a", "comment"}},
    };
    size_t i = 0;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct appmesh_error err = {0};
        char **argv = NULL;
        size_t argc = 0;
        size_t j = 0;
        CHECK_OK(am_cred_process_split(&test_allocator, cases[i].command, &argv, &argc, &err),
                 &err);
        for (j = 0; j < argc && cases[i].words[j] != NULL; j++) {
            CHECK_STR_EQ(argv[j], cases[i].words[j]);
        }
        CHECK(cases[i].words[argc] == NULL && j == argc, cases[i].command);
        CHECK(argv[argc] == NULL, "argv ends with NULL");
        am_cred_process_argv_free(&test_allocator, argv, argc);
    }
    return 0;
}

static int refuses_commands_it_cannot_split(void)
{
    static const struct {
        const char *command;
        const char *message;
    } cases[] = {
        {"get-creds 'unclosed " SECRET, "has no closing quotation (')"},
        {"get-creds \"unclosed", "has no closing quotation (\")"},
        {"get-creds trailing\\", "ends with a lone backslash"},
        {"   ", "is empty"},
    };
    size_t i = 0;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct appmesh_error err = {0};
        char **argv = NULL;
        size_t argc = 0;
        CHECK_STATUS(am_cred_process_split(&test_allocator, cases[i].command, &argv, &argc, &err),
                     APPMESH_ERR_CONFIG, &err);
        CHECK_STR_EQ(err.message, cases[i].message);
        CHECK(argv == NULL && argc == 0, "nothing returned");
    }
    return 0;
}

/* ---- the JSON ---- */

static int reads_version_1_output(void)
{
    struct appmesh_error err = {0};
    struct am_cred_set set = {0};
    CHECK_OK(am_cred_process_parse("dev", GOOD_JSON, strlen(GOOD_JSON), &set, &err), &err);
    CHECK_STR_EQ(set.access_key_id, "AKIDPROCESS");
    CHECK_STR_EQ(set.secret_access_key, SECRET);
    CHECK_STR_EQ(set.session_token, TOKEN);
    CHECK(set.expires == 1795609800.0, "2026-11-25T12:30:00Z");
    am_cred_set_clear(&set);
    return 0;
}

static int reads_an_escaped_backslash_before_u0000_as_text(void)
{
    /* "\\u0000" is a backslash and the text u0000, not a NUL: nothing to refuse. */
    static const char json[] =
        "{\"Version\":1,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"x\\\\u0000y\"}";
    struct appmesh_error err = {0};
    struct am_cred_set set = {0};
    CHECK_OK(am_cred_process_parse("dev", json, strlen(json), &set, &err), &err);
    CHECK_STR_EQ(set.secret_access_key, "x\\u0000y");
    am_cred_set_clear(&set);
    return 0;
}

static int treats_a_missing_expiration_as_never(void)
{
    static const char json[] =
        "{\"Version\":1,\"AccessKeyId\":\"AKID\",\"SecretAccessKey\":\"" SECRET "\"}";
    struct appmesh_error err = {0};
    struct am_cred_set set = {0};
    CHECK_OK(am_cred_process_parse("dev", json, strlen(json), &set, &err), &err);
    CHECK(set.expires == 0 && set.session_token == NULL, "long-term keys");
    am_cred_set_clear(&set);
    return 0;
}

static int treats_an_empty_session_token_as_none(void)
{
    /* botocore takes "SessionToken": "" (tools that print every field of a struct) as no token,
     * as an empty aws_session_token or AWS_SESSION_TOKEN is. */
    static const char json[] =
        "{\"Version\":1,\"AccessKeyId\":\"AKID\",\"SecretAccessKey\":\"" SECRET
        "\",\"SessionToken\":\"\"}";
    struct appmesh_error err = {0};
    struct am_cred_set set = {0};
    CHECK_OK(am_cred_process_parse("dev", json, strlen(json), &set, &err), &err);
    CHECK_STR_EQ(set.secret_access_key, SECRET);
    CHECK(set.session_token == NULL, "an empty SessionToken is no token");
    am_cred_set_clear(&set);
    return 0;
}

static int refuses_bad_output_naming_the_profile_and_the_problem(void)
{
    static const struct {
        const char *json;
        const char *message;
    } cases[] = {
        {"", "credential_process of profile 'dev' printed nothing, not a JSON object"},
        {"AccessKeyId=" SECRET,
         "credential_process of profile 'dev' printed something else, not a JSON object"},
        {"[1]", "credential_process of profile 'dev' printed something else, not a JSON object"},
        {"{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"" SECRET "\"}",
         "credential_process of profile 'dev' printed JSON without \"Version\" (1 is supported)"},
        {"{\"Version\":2,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"" SECRET "\"}",
         "credential_process of profile 'dev' printed \"Version\" 2; only version 1 is "
         "supported"},
        {"{\"Version\":\"1\",\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"" SECRET "\"}",
         "credential_process of profile 'dev' printed \"Version\" (not a number); only version 1 "
         "is supported"},
        {"{\"Version\":1,\"SecretAccessKey\":\"" SECRET "\"}",
         "credential_process of profile 'dev' printed JSON without \"AccessKeyId\""},
        {"{\"Version\":1,\"AccessKeyId\":\"A\"}",
         "credential_process of profile 'dev' printed JSON without \"SecretAccessKey\""},
        {"{\"Version\":1,\"AccessKeyId\":\"A\",\"SecretAccessKey\":7}",
         "credential_process of profile 'dev' printed JSON with a non-string or empty "
         "\"SecretAccessKey\""},
        {"{\"Version\":1,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"" SECRET
         "\",\"SessionToken\":5}",
         "credential_process of profile 'dev' printed a \"SessionToken\" that is not a non-empty "
         "string"},
        {"{\"Version\":1,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"" SECRET
         "\",\"Expiration\":\"tomorrow\"}",
         "credential_process of profile 'dev' printed an \"Expiration\" that is not an ISO 8601 "
         "time (e.g. 2026-11-25T12:00:00Z)"},
        /* cJSON would cut these values at the NUL: refused, naming the field, not the value */
        {"{\"Version\":1,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"" SECRET "\\u0000garbage\"}",
         "credential_process of profile 'dev' printed a NUL character (\\u0000) in "
         "\"SecretAccessKey\""},
        {"{\"Version\":1,\"AccessKeyId\":\"A\\u0000B\",\"SecretAccessKey\":\"" SECRET "\"}",
         "credential_process of profile 'dev' printed a NUL character (\\u0000) in "
         "\"AccessKeyId\""},
        {"{\"Version\":1,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"" SECRET
         "\",\"SessionToken\": \"tok\\u0000en\"}",
         "credential_process of profile 'dev' printed a NUL character (\\u0000) in "
         "\"SessionToken\""},
    };
    size_t i = 0;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct appmesh_error err = {0};
        struct am_cred_set set = {0};
        CHECK_STATUS(am_cred_process_parse("dev", cases[i].json, strlen(cases[i].json), &set, &err),
                     APPMESH_ERR_CREDENTIALS, &err);
        CHECK_STR_EQ(err.message, cases[i].message);
        CHECK(set.access_key_id == NULL, "nothing returned");
    }
    return 0;
}

/* ---- running it ---- */

/* No child of ours is left, running or unreaped. */
static int no_children_left(void)
{
    int status = 0;
    errno = 0;
    CHECK(waitpid(-1, &status, WNOHANG) == -1 && errno == ECHILD, "a child is left");
    return 0;
}

static int runs_the_command_and_reads_its_json(void)
{
    struct scratch s;
    struct appmesh_error err = {0};
    struct am_cred_set set = {0};
    char command[256];
    const char *json = NULL;
    int rc = 1;

    CHECK(scratch_open(&s) == 0, "scratch directory");
    json = scratch_file(&s, "creds.json", GOOD_JSON);
    snprintf(command, sizeof(command), "cat '%s'", json != NULL ? json : "");
    if (json != NULL &&
        am_cred_process_run(&test_allocator, "dev", command, 10, &set, &err) == APPMESH_OK) {
        rc = strcmp(set.access_key_id, "AKIDPROCESS") != 0 ||
             strcmp(set.secret_access_key, SECRET) != 0;
    } else {
        fprintf(stderr, "  %s\n", err.message);
    }
    am_cred_set_clear(&set);
    scratch_close(&s);
    CHECK(rc == 0, "credentials read");
    return no_children_left();
}

/* The command fails with status and message; neither output nor command is repeated. */
static int check_run_fails(const char *command, double timeout, const char *message)
{
    struct appmesh_error err = {0};
    struct am_cred_set set = {0};
    CHECK_STATUS(am_cred_process_run(&test_allocator, "dev", command, timeout, &set, &err),
                 APPMESH_ERR_CREDENTIALS, &err);
    CHECK_STR_EQ(err.message, message);
    CHECK(strstr(err.message, "EXAMPLE") == NULL, "no secret in the message");
    CHECK(set.access_key_id == NULL, "nothing returned");
    return no_children_left();
}

static int reports_the_exit_status_but_not_the_output(void)
{
    return check_run_fails("/bin/sh -c 'echo " SECRET "; exit 3'", 10,
                           "credential_process of profile 'dev' failed with exit status 3");
}

static int reports_a_command_killed_by_a_signal(void)
{
    return check_run_fails("/bin/sh -c 'kill -9 $$'", 10,
                           "credential_process of profile 'dev' was killed by signal 9");
}

static int reports_a_command_that_does_not_exist(void)
{
    return check_run_fails("/nonexistent/appmesh-get-creds --secret " SECRET, 10,
                           "credential_process of profile 'dev' could not be started "
                           "(/nonexistent/appmesh-get-creds): No such file or directory");
}

static int kills_a_command_that_hangs(void)
{
    return check_run_fails("sleep 30", 0.2,
                           "credential_process of profile 'dev' did not finish within 0.2 s; it "
                           "was killed");
}

static int kills_a_command_that_closes_stdout_and_hangs(void)
{
    return check_run_fails("/bin/sh -c 'exec >&-; exec sleep 30'", 0.2,
                           "credential_process of profile 'dev' did not finish within 0.2 s; it "
                           "was killed");
}

static int stops_a_command_that_prints_too_much(void)
{
    return check_run_fails("head -c 100000 /dev/zero", 10,
                           "credential_process of profile 'dev' printed more than 64 KiB; it was "
                           "stopped");
}

static int refuses_garbage_from_a_command(void)
{
    return check_run_fails("echo AccessKeyId=AKID SecretAccessKey=" SECRET, 10,
                           "credential_process of profile 'dev' printed something else, not a "
                           "JSON object");
}

static int passes_stderr_through_and_closes_other_descriptors(void)
{
    struct scratch s;
    struct appmesh_error err = {0};
    struct am_cred_set set = {0};
    char command[512];
    char seen[256] = "";
    const char *json = NULL;
    const char *log = NULL;
    int saved = -1;
    int logfd = -1;
    int leaked = -1;
    enum appmesh_status st = APPMESH_ERR_INTERNAL;
    FILE *fp = NULL;

    CHECK(scratch_open(&s) == 0, "scratch directory");
    json = scratch_file(&s, "creds.json", GOOD_JSON);
    log = scratch_file(&s, "stderr.txt", "");
    CHECK(json != NULL && log != NULL, "scratch files");
    /* A descriptor the host left without close-on-exec must not reach the command. */
    leaked = open("/dev/null", O_RDONLY);
    snprintf(command, sizeof(command),
             "/bin/sh -c 'echo note from the helper >&2; test -e /proc/self/fd/%d && exit 9; "
             "cat %s'",
             leaked, json);
    fflush(stderr);
    saved = dup(STDERR_FILENO);
    logfd = open(log, O_WRONLY | O_TRUNC);
    dup2(logfd, STDERR_FILENO);
    st = am_cred_process_run(&test_allocator, "dev", command, 10, &set, &err);
    dup2(saved, STDERR_FILENO);
    close(saved);
    close(logfd);
    close(leaked);
    fp = fopen(log, "r");
    if (fp != NULL) {
        size_t n = fread(seen, 1, sizeof(seen) - 1, fp);
        seen[n] = '\0';
        fclose(fp);
    }
    am_cred_set_clear(&set);
    scratch_close(&s);
    CHECK_OK(st, &err);
    CHECK_STR_EQ(seen, "note from the helper\n");
    return no_children_left();
}

/* ---- in the chain ---- */

static int chain_get(const char *const *vars,
                     const char **source,
                     char *key,
                     size_t keysize,
                     struct appmesh_error *err)
{
    const struct am_env env = {test_getenv, (void *)vars};
    const struct am_credentials_chain_options o = {.env = &env};
    struct am_credentials_chain *chain = NULL;
    struct appmesh_credentials view = {0};
    enum appmesh_status st = am_credentials_chain_new(&test_allocator, &o, &chain, err);
    if (st == APPMESH_OK) {
        st = am_credentials_chain_get(chain, 1000.0, &view, source, err);
    }
    if (st == APPMESH_OK) {
        snprintf(key, keysize, "%s", view.access_key_id);
    }
    am_credentials_chain_destroy(chain);
    return st;
}

static int the_chain_runs_the_profiles_credential_process(void)
{
    struct scratch s;
    struct appmesh_error err = {0};
    char config[512];
    char key[64] = "";
    const char *json = NULL;
    const char *cfg = NULL;
    const char *source = NULL;
    enum appmesh_status st = APPMESH_ERR_INTERNAL;

    CHECK(scratch_open(&s) == 0, "scratch directory");
    json = scratch_file(&s, "creds.json", GOOD_JSON);
    snprintf(config, sizeof(config), "[profile dev]\ncredential_process = cat \"%s\"\n",
             json != NULL ? json : "");
    cfg = scratch_file(&s, "config", config);
    {
        const char *vars[] = {"HOME", s.dir, "AWS_CONFIG_FILE", cfg, "AWS_PROFILE", "dev", NULL};
        st = chain_get(vars, &source, key, sizeof(key), &err);
    }
    scratch_close(&s);
    CHECK_OK(st, &err);
    CHECK_STR_EQ(source, "custom-process");
    CHECK_STR_EQ(key, "AKIDPROCESS");
    return 0;
}

static int a_failing_credential_process_stops_the_chain(void)
{
    struct scratch s;
    struct appmesh_error err = {0};
    char key[64] = "";
    const char *cfg = NULL;
    const char *source = NULL;
    enum appmesh_status st = APPMESH_ERR_INTERNAL;

    CHECK(scratch_open(&s) == 0, "scratch directory");
    /* The config file's keys come later in the chain: a configured process that fails wins. */
    cfg = scratch_file(&s, "config",
                       "[default]\ncredential_process = /bin/sh -c 'exit 4'\n"
                       "aws_access_key_id = AKIDCONFIG\naws_secret_access_key = " SECRET "\n");
    {
        const char *vars[] = {"HOME", s.dir, "AWS_CONFIG_FILE", cfg, NULL};
        st = chain_get(vars, &source, key, sizeof(key), &err);
    }
    scratch_close(&s);
    CHECK_STATUS(st, APPMESH_ERR_CREDENTIALS, &err);
    CHECK_STR_EQ(err.message, "credential_process of profile 'default' failed with exit status 4");
    return 0;
}

static int uses_the_timeout_from_the_environment(void)
{
    struct scratch s;
    struct appmesh_error err = {0};
    char key[64] = "";
    const char *cfg = NULL;
    const char *source = NULL;
    enum appmesh_status st = APPMESH_ERR_INTERNAL;

    CHECK(scratch_open(&s) == 0, "scratch directory");
    cfg = scratch_file(&s, "config", "[default]\ncredential_process = sleep 30\n");
    {
        const char *vars[] = {
            "HOME", s.dir, "AWS_CONFIG_FILE", cfg, "APPMESH_CREDENTIAL_PROCESS_TIMEOUT",
            "0.1",  NULL};
        st = chain_get(vars, &source, key, sizeof(key), &err);
    }
    scratch_close(&s);
    CHECK_STATUS(st, APPMESH_ERR_CREDENTIALS, &err);
    CHECK_STR_EQ(err.message, "credential_process of profile 'default' did not finish within "
                              "0.1 s; it was killed");
    return no_children_left();
}

static int refuses_a_timeout_that_is_not_a_number_of_seconds(void)
{
    /* A bad setting in the environment is an error naming it (as AWS_MAX_ATTEMPTS=abc is), not
     * a silent 60 s: APPMESH_CREDENTIAL_PROCESS_TIMEOUT=5s meant 5 seconds. */
    static const char *const bad[] = {"5s", "abc", "0", "-1", "nan", "1e9"};
    struct scratch s;
    char config[512];
    const char *json = NULL;
    const char *cfg = NULL;
    size_t i = 0;

    CHECK(scratch_open(&s) == 0, "scratch directory");
    json = scratch_file(&s, "creds.json", GOOD_JSON);
    snprintf(config, sizeof(config), "[default]\ncredential_process = cat \"%s\"\n",
             json != NULL ? json : "");
    cfg = scratch_file(&s, "config", config);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct appmesh_error err = {0};
        char key[64] = "";
        char want[160];
        const char *source = NULL;
        const char *vars[] = {
            "HOME", s.dir, "AWS_CONFIG_FILE", cfg, "APPMESH_CREDENTIAL_PROCESS_TIMEOUT",
            bad[i], NULL};
        enum appmesh_status st = chain_get(vars, &source, key, sizeof(key), &err);
        snprintf(want, sizeof(want),
                 "APPMESH_CREDENTIAL_PROCESS_TIMEOUT must be a number of seconds more than 0, at "
                 "most 86400, got '%s'",
                 bad[i]);
        if (st != APPMESH_ERR_CONFIG || strcmp(err.message, want) != 0) {
            scratch_close(&s);
        }
        CHECK_STATUS(st, APPMESH_ERR_CONFIG, &err);
        CHECK_STR_EQ(err.message, want);
    }
    scratch_close(&s);
    return no_children_left();
}

static int parses_output_when_memory_runs_out(void)
{
    long n = 0;
    for (n = 1; n < 100; n++) {
        struct appmesh_error err = {0};
        struct am_cred_set set = {0};
        enum appmesh_status st = APPMESH_OK;
        test_alloc_reset();
        test_alloc_state.fail_at = n;
        st = am_cred_process_parse("dev", GOOD_JSON, strlen(GOOD_JSON), &set, &err);
        am_cred_set_clear(&set);
        CHECK(test_alloc_state.live_blocks == 0, "no leak after a failure");
        if (st == APPMESH_OK) {
            return 0;
        }
        CHECK_STATUS(st, APPMESH_ERR_NOMEM, &err);
    }
    CHECK(false, "never succeeded");
    return 1;
}

static const struct test_case cases[] = {
    {"reads_an_escaped_backslash_before_u0000_as_text",
     reads_an_escaped_backslash_before_u0000_as_text},
    {"splits_the_command_as_shlex_does", splits_the_command_as_shlex_does},
    {"refuses_commands_it_cannot_split", refuses_commands_it_cannot_split},
    {"reads_version_1_output", reads_version_1_output},
    {"treats_a_missing_expiration_as_never", treats_a_missing_expiration_as_never},
    {"treats_an_empty_session_token_as_none", treats_an_empty_session_token_as_none},
    {"refuses_bad_output_naming_the_profile_and_the_problem",
     refuses_bad_output_naming_the_profile_and_the_problem},
    {"runs_the_command_and_reads_its_json", runs_the_command_and_reads_its_json},
    {"reports_the_exit_status_but_not_the_output", reports_the_exit_status_but_not_the_output},
    {"reports_a_command_killed_by_a_signal", reports_a_command_killed_by_a_signal},
    {"reports_a_command_that_does_not_exist", reports_a_command_that_does_not_exist},
    {"kills_a_command_that_hangs", kills_a_command_that_hangs},
    {"kills_a_command_that_closes_stdout_and_hangs", kills_a_command_that_closes_stdout_and_hangs},
    {"stops_a_command_that_prints_too_much", stops_a_command_that_prints_too_much},
    {"refuses_garbage_from_a_command", refuses_garbage_from_a_command},
    {"passes_stderr_through_and_closes_other_descriptors",
     passes_stderr_through_and_closes_other_descriptors},
    {"the_chain_runs_the_profiles_credential_process",
     the_chain_runs_the_profiles_credential_process},
    {"a_failing_credential_process_stops_the_chain", a_failing_credential_process_stops_the_chain},
    {"uses_the_timeout_from_the_environment", uses_the_timeout_from_the_environment},
    {"refuses_a_timeout_that_is_not_a_number_of_seconds",
     refuses_a_timeout_that_is_not_a_number_of_seconds},
    {"parses_output_when_memory_runs_out", parses_output_when_memory_runs_out},
};

TEST_MAIN("cred_process", cases)
