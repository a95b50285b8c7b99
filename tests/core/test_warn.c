/* SPDX-License-Identifier: MIT */
/* Tests for warn.c: the once-per-process warning about secret files others can read. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_rig.h"

/* ---- the warning about files others can read ---- */

/* Load the files in dir (config and credentials, written with the modes given; NULL text = no
 * file; a creds starting with '/' is not written: it is the credentials file's path) with
 * APPMESH_LOG = log, and return what went to stderr in out. */
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
    bool creds_elsewhere = creds != NULL && creds[0] == '/';
    struct env_var vars[5] = {{"AWS_CONFIG_FILE", cfg_path},
                              {"AWS_SHARED_CREDENTIALS_FILE", creds_elsewhere ? creds : creds_path},
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
    if (creds != NULL && !creds_elsewhere) {
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

/* AWS_SHARED_CREDENTIALS_FILE=/dev/null is how a file is turned off: a device (or a pipe, as
 * from <(...)) has no mode to chmod, so only regular files are warned about. */
static int does_not_warn_about_a_device_as_a_file(void)
{
    char dir[] = "/tmp/appmesh-config-XXXXXX";
    char got[512];
    CHECK(mkdtemp(dir) != NULL, "scratch directory");
    CHECK(load_capturing_stderr(creds_text, 0600, "/dev/null", 0, NULL, 1, dir, got, sizeof(got)) ==
              0,
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
    {"does_not_warn_about_a_device_as_a_file", does_not_warn_about_a_device_as_a_file},
};

TEST_MAIN("warn", cases)
