/* SPDX-License-Identifier: MIT */
/* Tests for cred_util.c: found sets, secret files and the environment's key pair. */
#include <stdlib.h>
#include <string.h>

#include "cred_util.h"
#include "harness.h"

/* Paths are relative to tests/, where CTest runs the tests. */
#define TOKEN "fixtures/creds/token.jwt"

static int copies_and_wipes_a_found_set(void)
{
    struct appmesh_error err = {0};
    struct am_cred_set s = {0};
    CHECK_OK(am_cred_set_copy(&s, "AKID", "SECRET", NULL, 0, &err), &err);
    CHECK_STR_EQ(s.access_key_id, "AKID");
    CHECK_STR_EQ(s.secret_access_key, "SECRET");
    CHECK(s.session_token == NULL, "no token stays no token");
    CHECK_OK(am_cred_set_copy(&s, "ASIA", "SECRET2", "TOKEN", 42, &err), &err);
    CHECK_STR_EQ(s.access_key_id, "ASIA");
    CHECK_STR_EQ(s.session_token, "TOKEN");
    CHECK(s.expires == 42, "expiry copied");
    am_cred_set_clear(&s);
    CHECK(s.access_key_id == NULL && s.secret_access_key == NULL && s.session_token == NULL,
          "cleared");
    am_cred_set_clear(&s); /* twice is safe */
    return 0;
}

static int reads_a_whole_secret_file(void)
{
    struct appmesh_error err = {0};
    struct appmesh_buf buf;
    char why[96];
    size_t len = 0;
    char *want = test_read_file(TOKEN, &len);
    CHECK(want != NULL && len > 0, TOKEN);
    am_buf_init(&buf, &test_allocator, 0);
    CHECK_OK(am_cred_read_file(TOKEN, 64 * 1024, &buf, why, sizeof(why), &err), &err);
    CHECK_STR_EQ(why, "");
    CHECK_MEM_EQ(buf.ptr, buf.len, want, len);
    free(want);
    appmesh_buf_cleanup(&buf);
    return 0;
}

static int says_why_a_file_cannot_be_used(void)
{
    struct appmesh_error err = {0};
    struct appmesh_buf buf;
    char why[96];
    am_buf_init(&buf, &test_allocator, 0);
    CHECK_OK(am_cred_read_file("fixtures/creds/no-such-token", 1024, &buf, why, sizeof(why), &err),
             &err);
    CHECK_STR_EQ(why, "cannot be read (No such file or directory)");
    am_buf_reset(&buf);
    CHECK_OK(am_cred_read_file(TOKEN, 8, &buf, why, sizeof(why), &err), &err);
    CHECK_STR_EQ(why, "is larger than 0 KiB");
    CHECK_INT_EQ(err.status, APPMESH_OK);
    appmesh_buf_cleanup(&buf);
    return 0;
}

/* am_cred_environment over vars: *ok and the key id found, or the error message. */
static int check_environment(const char *const *vars, bool want_ok, const char *want)
{
    struct am_env env = {test_getenv, (void *)vars};
    struct am_cred_ctx ctx = {0};
    struct am_cred_set s = {0};
    struct appmesh_error err = {0};
    bool ok = true;
    enum appmesh_status st = APPMESH_OK;
    ctx.alloc = &test_allocator;
    ctx.env = &env;
    st = am_cred_environment(&ctx, &s, &ok, &err);
    CHECK(ok == want_ok, want != NULL ? want : "(none)");
    if (st == APPMESH_OK) {
        CHECK_STR_EQ(ok ? s.access_key_id : NULL, want);
    } else {
        CHECK_INT_EQ(st, APPMESH_ERR_CREDENTIALS);
        CHECK_STR_EQ(err.message, want);
    }
    am_cred_set_clear(&s);
    return 0;
}

static int reads_the_environments_key_pair_whole_or_not_at_all(void)
{
    static const char *const both[] = {"AWS_ACCESS_KEY_ID", "AKIDENV", "AWS_SECRET_ACCESS_KEY", "S",
                                       NULL};
    static const char *const none[] = {NULL};
    static const char *const id_only[] = {"AWS_ACCESS_KEY_ID", "AKIDENV", NULL};
    static const char *const secret_only[] = {"AWS_SECRET_ACCESS_KEY", "S", NULL};
    CHECK(check_environment(both, true, "AKIDENV") == 0, "both");
    CHECK(check_environment(none, false, NULL) == 0, "none");
    CHECK(check_environment(id_only, false,
                            "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not: set "
                            "both, or neither") == 0,
          "id only");
    CHECK(check_environment(secret_only, false,
                            "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not: set "
                            "both, or neither") == 0,
          "secret only");
    return 0;
}

static const struct test_case cases[] = {
    {"copies_and_wipes_a_found_set", copies_and_wipes_a_found_set},
    {"reads_a_whole_secret_file", reads_a_whole_secret_file},
    {"says_why_a_file_cannot_be_used", says_why_a_file_cannot_be_used},
    {"reads_the_environments_key_pair_whole_or_not_at_all",
     reads_the_environments_key_pair_whole_or_not_at_all},
};

TEST_MAIN("cred_util", cases)
