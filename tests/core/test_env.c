/* SPDX-License-Identifier: MIT */
/* Tests for env.c: variables through the caller's getenv, an empty value as unset. */
#include <string.h>

#include "env.h"
#include "harness.h"

static const char *table_getenv(void *ud, const char *name)
{
    const char *const *t = ud;
    for (; t[0] != NULL; t += 2) {
        if (strcmp(t[0], name) == 0) {
            return t[1];
        }
    }
    return NULL;
}

static int reads_through_the_callers_getenv(void)
{
    static const char *const vars[] = {"AWS_REGION", "eu-west-1", "AWS_PROFILE", "", NULL};
    struct am_env env = {table_getenv, (void *)vars};
    CHECK_STR_EQ(am_env_get(&env, "AWS_REGION"), "eu-west-1");
    CHECK(am_env_get(&env, "AWS_PROFILE") == NULL, "an empty value counts as unset");
    CHECK(am_env_get(&env, "HOME") == NULL, "the process environment is not read");
    return 0;
}

static int falls_back_to_the_process_environment(void)
{
    /* PATH is set for every test CTest runs; the name below is not. */
    struct am_env env = {NULL, NULL};
    CHECK(am_env_get(&env, "PATH") != NULL, "PATH from getenv(3)");
    CHECK(am_env_get(NULL, "PATH") != NULL, "a NULL env is getenv(3) too");
    CHECK(am_env_get(&env, "APPMESH_TEST_SURELY_UNSET_VARIABLE") == NULL, "unset");
    return 0;
}

static const struct test_case cases[] = {
    {"reads_through_the_callers_getenv", reads_through_the_callers_getenv},
    {"falls_back_to_the_process_environment", falls_back_to_the_process_environment},
};

TEST_MAIN("env", cases)
