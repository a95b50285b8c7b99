/* SPDX-License-Identifier: MIT */
/* Shared by the assumed-role programs (creds_expiry.c, fault_creds.c): the environment their
 * client sees, with the profile "role" from their config file and both endpoints at the
 * emulator, and no other credential source. */
#ifndef APPMESH_TEST_ROLE_ENV_H
#define APPMESH_TEST_ROLE_ENV_H

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "appmesh/appmesh.h"

/* The value of the variable `name`, or NULL when unset; url is the emulator's, config the
 * AWS_CONFIG_FILE naming the profile. */
static inline const char *role_env_get(const char *url, const char *config, const char *name)
{
    static const char *const fixed[][2] = {
        {"AWS_REGION", "us-east-1"},
        {"AWS_PROFILE", "role"},
        {"AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/appmesh-test-credentials"},
        {"AWS_EC2_METADATA_DISABLED", "true"},
        {"HOME", "/nonexistent"},
    };
    size_t i = 0;
    if (strcmp(name, "AWS_ENDPOINT_URL_APP_MESH") == 0 ||
        strcmp(name, "AWS_ENDPOINT_URL_STS") == 0) {
        return url;
    }
    if (strcmp(name, "AWS_CONFIG_FILE") == 0) {
        return config;
    }
    for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
        if (strcmp(name, fixed[i][0]) == 0) {
            return fixed[i][1];
        }
    }
    return NULL;
}

/* The client on that environment (getenv with ud), on `clock`, with fast retries, and a plain
 * transport for the emulator's control API. Returns 0, or -1 with the reason printed. */
static inline int role_env_open(const struct appmesh_clock *clock,
                                appmesh_getenv_fn *getenv,
                                void *ud,
                                struct appmesh_transport **control,
                                struct appmesh_client **client)
{
    struct appmesh_error err = {0};
    struct appmesh_client_options o;
    struct appmesh_transport_curl_options co = {0};
    memset(&o, 0, sizeof(o));
    o.clock = clock;
    o.getenv = getenv;
    o.getenv_ud = ud;
    o.retry_base_delay = 0.001;
    if (appmesh_global_init(&err) != APPMESH_OK ||
        appmesh_transport_curl_new(NULL, &co, control, &err) != APPMESH_OK ||
        appmesh_client_new(NULL, &o, client, &err) != APPMESH_OK) {
        fprintf(stderr, "setup failed: %s\n", err.message);
        return -1;
    }
    return 0;
}

#endif
