/* SPDX-License-Identifier: MIT */
/* Tests for env.c: variables through the caller's getenv, an empty value as unset. */
#include <stdlib.h>

#include "config_rig.h"

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

static const struct test_case cases[] = {
    {"env_get_reads_the_hook_and_treats_empty_as_unset",
     env_get_reads_the_hook_and_treats_empty_as_unset},
    {"env_get_falls_back_to_getenv", env_get_falls_back_to_getenv},
};

TEST_MAIN("env", cases)
