/* SPDX-License-Identifier: MIT */
/* The process environment as the library reads it: through the caller's getenv, or getenv(3). */
#include "env.h"

#include <stdlib.h>

const char *am_env_get(const struct am_env *env, const char *name)
{
    const char *v = NULL;
    if (env != NULL && env->getenv != NULL) {
        v = env->getenv(env->ud, name);
    } else {
        v = getenv(name);
    }
    return (v == NULL || v[0] == '\0') ? NULL : v;
}
