/* SPDX-License-Identifier: MIT */
/* The process environment as the library reads it: through an injectable getenv (env.c). */
#ifndef APPMESH_ENV_H
#define APPMESH_ENV_H

#include "appmesh/client.h"

struct am_env {
    appmesh_getenv_fn *getenv; /* NULL = getenv(3) */
    void *ud;
};
/** The variable's value, or NULL when unset or empty. */
const char *am_env_get(const struct am_env *env, const char *name);

#endif
