/* SPDX-License-Identifier: MIT */
/* The fault matrix's credential rows: updates with assumed-role credentials on a clock shared
 * by the client and the emulator, through the blocking or the concurrent driver, one JSON line
 * per call (integration_fault_matrix_spec.lua runs it and checks the lines and the log). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "appmesh/appmesh.h"
#include "role_env.h"

struct run {
    const char *url;
    const char *config;
    double offset;   /* added to the real time on the client */
    double emulator; /* the emulator's clockOffset */
};

static const char *run_getenv(void *ud, const char *name)
{
    const struct run *r = ud;
    return role_env_get(r->url, r->config, name);
}

static double run_now(void *ud)
{
    const struct run *r = ud;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 + r->offset;
}

/* POST body to the emulator's control endpoint /_emulator/<path>. */
static int
control(struct appmesh_transport *t, const struct run *r, const char *path, const char *body)
{
    char url[512];
    struct appmesh_header h = {"Content-Type", 12, "application/json", 16};
    struct appmesh_http_request req = {"POST", url, &h, 1, body, strlen(body)};
    struct appmesh_http_response resp = {0};
    struct appmesh_error err = {0};
    int rc = 0;
    snprintf(url, sizeof(url), "%s/_emulator/%s", r->url, path);
    if (t->vtable->send(t->impl, &req, &resp, &err) != APPMESH_OK || resp.status != 200) {
        fprintf(stderr, "emulator control %s failed: %s (HTTP %d)\n", path, err.message,
                resp.status);
        rc = 1;
    }
    appmesh_http_response_cleanup(&resp);
    return rc;
}

static int set_emulator_clock(struct appmesh_transport *t, const struct run *r)
{
    char body[64];
    snprintf(body, sizeof(body), "{\"clockOffset\": %.0f}", r->emulator);
    return control(t, r, "config", body);
}

static void json_string(const char *s)
{
    putchar('"');
    for (; *s != '\0'; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') {
            printf("\\%c", ch);
        } else if (ch < 0x20) {
            printf("\\u%04x", ch);
        } else {
            putchar(ch);
        }
    }
    putchar('"');
}

/* One line: {"service", "ok", "attempts", "httpStatus", "clientToken", "requestId", and
 * "node" (ok) or "code", "message", "retryable" (failed)}. */
static void report(const char *service,
                   enum appmesh_status st,
                   const struct appmesh_virtual_service_data *out,
                   const struct appmesh_call_info *info,
                   const struct appmesh_error *err)
{
    printf("{\"service\": ");
    json_string(service);
    printf(", \"ok\": %s, \"attempts\": %d, \"httpStatus\": %d, \"clientToken\": ",
           st == APPMESH_OK ? "true" : "false", info->attempts, info->http_status);
    json_string(info->client_token);
    printf(", \"requestId\": ");
    json_string(info->request_id);
    if (st == APPMESH_OK) {
        printf(", \"node\": ");
        json_string(out->spec.provider.u.virtual_node.virtual_node_name != NULL
                        ? out->spec.provider.u.virtual_node.virtual_node_name
                        : "");
    } else {
        printf(", \"code\": ");
        json_string(appmesh_error_code(err));
        printf(", \"message\": ");
        json_string(err->message);
        printf(", \"retryable\": %s", err->retryable ? "true" : "false");
    }
    printf("}\n");
    fflush(stdout);
}

static void
input_for(struct appmesh_update_virtual_service_input *in, const char *mesh, const char *service)
{
    memset(in, 0, sizeof(*in));
    in->mesh_name = mesh;
    in->virtual_service_name = service;
    in->has_spec = true;
    in->spec.provider.kind = APPMESH_PROVIDER_VIRTUAL_NODE;
    in->spec.provider.u.virtual_node.virtual_node_name = "new-vn";
}

static void blocking_call(struct appmesh_client *client, const char *mesh, const char *service)
{
    struct appmesh_update_virtual_service_input in;
    struct appmesh_virtual_service_data out = {0};
    struct appmesh_call_info info = {0};
    struct appmesh_error err = {0};
    enum appmesh_status st = APPMESH_OK;
    input_for(&in, mesh, service);
    st = appmesh_client_update_virtual_service(client, &in, &out, &info, &err);
    report(service, st, &out, &info, &err);
    appmesh_virtual_service_data_cleanup(&out);
}

/* The service's update and the bystander's, in flight at once; reported in that order. */
static int
concurrent_call(struct appmesh_client *client, const char *mesh, const char *const names[2])
{
    struct appmesh_batch_options bo = {2, 0};
    struct appmesh_batch *b = NULL;
    struct appmesh_batch_result res[2];
    struct appmesh_error err = {0};
    int i = 0;
    int rc = 1;
    memset(res, 0, sizeof(res));
    if (appmesh_batch_new(client, &bo, &b, &err) != APPMESH_OK) {
        goto cleanup;
    }
    for (i = 0; i < 2; i++) {
        struct appmesh_update_virtual_service_input in;
        input_for(&in, mesh, names[i]);
        if (appmesh_batch_add_update(b, &in, &res[i], NULL, &err) != APPMESH_OK) {
            goto cleanup;
        }
    }
    while (appmesh_batch_pending(b) > 0) {
        struct appmesh_batch_result r;
        if (appmesh_batch_perform(b, 1.0, &err) != APPMESH_OK) {
            goto cleanup;
        }
        while (appmesh_batch_take(b, &r)) {
            *(struct appmesh_batch_result *)r.user = r;
        }
    }
    for (i = 0; i < 2; i++) {
        report(names[i], res[i].status, &res[i].data, &res[i].info, &res[i].err);
    }
    rc = 0;

cleanup:
    if (rc != 0) {
        fprintf(stderr, "batch: %s\n", err.message);
    }
    for (i = 0; i < 2; i++) {
        appmesh_virtual_service_data_cleanup(&res[i].data);
        appmesh_virtual_service_list_cleanup(&res[i].list);
    }
    appmesh_batch_destroy(b);
    return rc;
}

int main(int argc, char **argv)
{
    struct run r = {NULL, NULL, 0, 0};
    struct appmesh_clock clock = {run_now, NULL, NULL, &r};
    struct appmesh_client *client = NULL;
    struct appmesh_transport *ctl = NULL;
    const char *names[2] = {NULL, NULL};
    const char *mesh = NULL;
    bool concurrent = false;
    int i = 0;
    int rc = 1;

    if (argc < 7 || (strcmp(argv[3], "blocking") != 0 && strcmp(argv[3], "concurrent") != 0)) {
        fprintf(stderr, "usage: fault_creds EMULATOR_URL CONFIG_FILE blocking|concurrent MESH "
                        "SERVICE BYSTANDER STEP...\n"
                        "steps: call, advance:SECONDS (both clocks), emulator:SECONDS (the "
                        "emulator's clock alone), expire (every temporary credential)\n");
        return 2;
    }
    r.url = argv[1];
    r.config = argv[2];
    concurrent = strcmp(argv[3], "concurrent") == 0;
    mesh = argv[4];
    names[0] = argv[5];
    names[1] = argv[6];
    if (role_env_open(&clock, run_getenv, &r, &ctl, &client) != 0) {
        goto cleanup;
    }
    for (i = 7; i < argc; i++) {
        const char *step = argv[i];
        if (strcmp(step, "call") == 0 && !concurrent) {
            blocking_call(client, mesh, names[0]);
        } else if (strcmp(step, "call") == 0) {
            if (concurrent_call(client, mesh, names) != 0) {
                goto cleanup;
            }
        } else if (strncmp(step, "advance:", 8) == 0) {
            double s = strtod(step + 8, NULL);
            r.offset += s;
            r.emulator += s;
            if (set_emulator_clock(ctl, &r) != 0) {
                goto cleanup;
            }
        } else if (strncmp(step, "emulator:", 9) == 0) {
            r.emulator += strtod(step + 9, NULL);
            if (set_emulator_clock(ctl, &r) != 0) {
                goto cleanup;
            }
        } else if (strcmp(step, "expire") == 0) {
            if (control(ctl, &r, "expire-credentials", "{}") != 0) {
                goto cleanup;
            }
        } else {
            fprintf(stderr, "unknown step '%s'\n", step);
            goto cleanup;
        }
    }
    printf("{\"source\": ");
    json_string(appmesh_client_credentials_source(client) != NULL
                    ? appmesh_client_credentials_source(client)
                    : "");
    printf("}\n");
    rc = 0;

cleanup:
    appmesh_client_destroy(client);
    appmesh_transport_destroy(ctl);
    return rc;
}
