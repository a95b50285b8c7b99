/* SPDX-License-Identifier: MIT */
/* Update one virtual service's provider from C: the smallest complete use of libappmesh.
 *
 *   update_virtual_service MESH SERVICE (--node NAME | --router NAME | --none) [--owner ID]
 *
 * Region, endpoint and credentials come from the environment and ~/.aws, as for the AWS CLI
 * (e.g. AWS_REGION, AWS_ENDPOINT_URL_APP_MESH, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <appmesh/appmesh.h>

static int usage(void)
{
    fprintf(stderr, "usage: update_virtual_service MESH SERVICE (--node NAME | --router NAME | "
                    "--none) [--owner ACCOUNT] [--dry-run]\n");
    return 2;
}

int main(int argc, char **argv)
{
    struct appmesh_update_virtual_service_input in = {0};
    struct appmesh_virtual_service_data out = {0};
    struct appmesh_call_info info = {0};
    struct appmesh_error err = {0};
    struct appmesh_client *client = NULL;
    bool dry_run = false;
    int i = 0;
    int rc = 1;

    if (argc < 4) {
        return usage();
    }
    in.mesh_name = argv[1];
    in.virtual_service_name = argv[2];
    in.has_spec = true;
    for (i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--node") == 0 && i + 1 < argc) {
            in.spec.provider.kind = APPMESH_PROVIDER_VIRTUAL_NODE;
            in.spec.provider.u.virtual_node.virtual_node_name = argv[++i];
        } else if (strcmp(argv[i], "--router") == 0 && i + 1 < argc) {
            in.spec.provider.kind = APPMESH_PROVIDER_VIRTUAL_ROUTER;
            in.spec.provider.u.virtual_router.virtual_router_name = argv[++i];
        } else if (strcmp(argv[i], "--none") == 0) {
            in.spec.provider.kind = APPMESH_PROVIDER_NONE;
        } else if (strcmp(argv[i], "--owner") == 0 && i + 1 < argc) {
            in.mesh_owner = argv[++i];
        } else if (strcmp(argv[i], "--dry-run") == 0) {
            dry_run = true;
        } else {
            return usage();
        }
    }

    if (appmesh_client_new(NULL, NULL, &client, &err) != APPMESH_OK) {
        fprintf(stderr, "appmesh: %s: %s\n", appmesh_error_code(&err), err.message);
        return 1;
    }
    if (dry_run) {
        struct appmesh_request_preview p = {0};
        if (appmesh_client_update_virtual_service_preview(client, &in, &p, &err) == APPMESH_OK) {
            printf("%s %s\n%s\n%s\n", p.method, p.url.ptr, p.headers.ptr, p.body.ptr);
            rc = 0;
        }
        appmesh_request_preview_cleanup(&p);
    } else if (appmesh_client_update_virtual_service(client, &in, &out, &info, &err) ==
               APPMESH_OK) {
        const char *provider = "(none)";
        if (out.spec.provider.kind == APPMESH_PROVIDER_VIRTUAL_NODE) {
            provider = out.spec.provider.u.virtual_node.virtual_node_name;
        } else if (out.spec.provider.kind == APPMESH_PROVIDER_VIRTUAL_ROUTER) {
            provider = out.spec.provider.u.virtual_router.virtual_router_name;
        }
        printf("%s/%s -> %s (version %" PRId64 ", status %s, %d attempt(s), request %s)\n",
               out.mesh_name, out.virtual_service_name, provider, out.metadata.version,
               out.status.raw != NULL ? out.status.raw : "?", info.attempts, info.request_id);
        rc = 0;
    }
    if (rc != 0) {
        fprintf(stderr, "appmesh: %s: %s", appmesh_error_code(&err), err.message);
        if (err.field[0] != '\0') {
            fprintf(stderr, " [field %s]", err.field);
        }
        if (err.request_id[0] != '\0') {
            fprintf(stderr, " [request %s]", err.request_id);
        }
        fprintf(stderr, "\n");
    }
    appmesh_virtual_service_data_cleanup(&out);
    appmesh_client_destroy(client);
    return rc;
}
