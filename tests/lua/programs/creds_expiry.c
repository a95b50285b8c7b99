/* SPDX-License-Identifier: MIT */
/* An hour and a half of updates against the emulator on a fast clock: assumed-role credentials
 * expire several times mid-run and the run never fails (integration_creds_spec.lua drives it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "appmesh/appmesh.h"
#include "role_env.h"

#define STEP  60.0 /* seconds of client (and emulator) clock per update */
#define STEPS 90

struct run {
    const char *url;
    const char *config;
    double offset; /* added to the real time, on the client and (control) the emulator */
};

static const char *run_getenv(void *ud, const char *name)
{
    const struct run *r = ud;
    return role_env_get(r->url, r->config, name);
}

static double real_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double run_now(void *ud)
{
    const struct run *r = ud;
    return real_now() + r->offset;
}

/* POST {"clockOffset": offset} to the emulator's control endpoint. */
static int set_emulator_clock(struct appmesh_transport *t, const struct run *r)
{
    char url[512];
    char body[64];
    struct appmesh_header h = {"Content-Type", 12, "application/json", 16};
    struct appmesh_http_request req = {"POST", url, &h, 1, body, 0};
    struct appmesh_http_response resp = {0};
    struct appmesh_error err = {0};
    int rc = 0;
    snprintf(url, sizeof(url), "%s/_emulator/config", r->url);
    snprintf(body, sizeof(body), "{\"clockOffset\": %.0f}", r->offset);
    req.body_len = strlen(body);
    if (t->vtable->send(t->impl, &req, &resp, &err) != APPMESH_OK || resp.status != 200) {
        fprintf(stderr, "setting the emulator clock failed: %s (HTTP %d)\n", err.message,
                resp.status);
        rc = 1;
    }
    appmesh_http_response_cleanup(&resp);
    return rc;
}

int main(int argc, char **argv)
{
    struct run r = {NULL, NULL, 0};
    struct appmesh_clock clock = {run_now, NULL, NULL, &r};
    struct appmesh_client *client = NULL;
    struct appmesh_transport *control = NULL;
    struct appmesh_error err = {0};
    int step = 0;
    int rc = 1;

    if (argc != 3) {
        fprintf(stderr, "usage: creds_expiry EMULATOR_URL CONFIG_FILE\n");
        return 2;
    }
    r.url = argv[1];
    r.config = argv[2];
    if (role_env_open(&clock, run_getenv, &r, &control, &client) != 0) {
        goto cleanup;
    }
    for (step = 0; step < STEPS; step++) {
        struct appmesh_update_virtual_service_input in;
        struct appmesh_virtual_service_data out = {0};
        memset(&in, 0, sizeof(in));
        in.mesh_name = "demo-mesh";
        in.virtual_service_name = "colorteller-red.demo.local";
        in.has_spec = true;
        in.spec.provider.kind = APPMESH_PROVIDER_VIRTUAL_NODE;
        in.spec.provider.u.virtual_node.virtual_node_name =
            step % 2 == 0 ? "colorteller-red-vn" : "colorteller-blue-vn";
        r.offset = step * STEP;
        if (set_emulator_clock(control, &r) != 0) {
            goto cleanup;
        }
        appmesh_error_clear(&err);
        if (appmesh_client_update_virtual_service(client, &in, &out, NULL, &err) != APPMESH_OK) {
            fprintf(stderr, "step %d (clock +%.0f s): %s: %s\n", step, r.offset,
                    appmesh_error_code(&err), err.message);
            goto cleanup;
        }
        appmesh_virtual_service_data_cleanup(&out);
    }
    printf("%d updates over %.0f minutes, credentials from %s\n", STEPS, STEPS * STEP / 60,
           appmesh_client_credentials_source(client));
    rc = 0;

cleanup:
    r.offset = 0;
    if (control != NULL) {
        (void)set_emulator_clock(control, &r);
    }
    appmesh_client_destroy(client);
    appmesh_transport_destroy(control);
    return rc;
}
