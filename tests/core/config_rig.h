/* SPDX-License-Identifier: MIT */
/* What the config, settings and warning tests share: the fixture paths and an environment
 * table behind the getenv hook. */
#ifndef APPMESH_TEST_CONFIG_RIG_H
#define APPMESH_TEST_CONFIG_RIG_H

#include <string.h>

#include "appmesh/appmesh.h"
#include "config.h"
#include "env.h"
#include "harness.h"

/* Paths are relative to tests/, where CTest runs the tests. */
#define FIX       "fixtures/config"
#define HOME      FIX "/home"
#define NO_HOME   FIX "/no-such-home"
#define CONFIG    HOME "/.aws/config"
#define CREDS     HOME "/.aws/credentials"
#define MALFORMED FIX "/malformed"

/* ---- the environment: a table behind the getenv hook (never setenv) ---- */
struct env_var {
    const char *name;
    const char *value;
};

static inline const char *table_getenv(void *ud, const char *name)
{
    const struct env_var *v = ud;
    for (; v != NULL && v->name != NULL; v++) {
        if (strcmp(v->name, name) == 0) {
            return v->value;
        }
    }
    return NULL;
}

#define ENV(table)                                                                                 \
    {                                                                                              \
        table_getenv, (void *)(table)                                                              \
    }

#endif
