/* SPDX-License-Identifier: MIT */
/* Call any App Mesh operation from C with its input as JSON; print its output as JSON.
 *
 *   call_operation OPERATION [INPUT_JSON] [--dry-run]
 *   call_operation OPERATION --skeleton
 *   call_operation --list
 *
 * OPERATION is an API name (CreateRoute) or boto3's (create_route). Region, endpoint and
 * credentials come from the environment and ~/.aws, as for the AWS CLI.
 */
#include <stdio.h>
#include <string.h>

#include <appmesh/appmesh.h>

static int usage(void)
{
    fprintf(stderr, "usage: call_operation OPERATION [INPUT_JSON] [--dry-run]\n"
                    "       call_operation OPERATION --skeleton\n"
                    "       call_operation --list\n");
    return 2;
}

static int fail(const struct appmesh_error *err)
{
    if (err->field[0] != '\0') {
        fprintf(stderr, "appmesh: %s: %s [field %s]\n", appmesh_error_code(err), err->message,
                err->field);
    } else {
        fprintf(stderr, "appmesh: %s: %s\n", appmesh_error_code(err), err->message);
    }
    return 1;
}

int main(int argc, char **argv)
{
    struct appmesh_client *client = NULL;
    struct appmesh_error err = {0};
    struct appmesh_call_info info = {0};
    struct appmesh_buf out = {0};
    const char *input = "{}";
    bool dry_run = false;
    size_t index = 0;
    size_t i = 0;
    int rc = 1;

    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (i = 0; i < appmesh_operation_count(); i++) {
            printf("%-24s %s\n", appmesh_operation_name(i), appmesh_operation_snake_name(i));
        }
        return 0;
    }
    if (argc < 2 || argc > 4) {
        return usage();
    }
    if (argc == 3 && strcmp(argv[2], "--skeleton") == 0) {
        if (appmesh_operation_find(argv[1], &index, &err) != APPMESH_OK ||
            appmesh_operation_skeleton(index, &out, &err) != APPMESH_OK) {
            return fail(&err);
        }
        printf("%s\n", out.ptr);
        appmesh_buf_cleanup(&out);
        return 0;
    }
    for (i = 2; i < (size_t)argc; i++) {
        if (strcmp(argv[i], "--dry-run") == 0) {
            dry_run = true;
        } else {
            input = argv[i];
        }
    }
    if (appmesh_client_new(NULL, NULL, &client, &err) != APPMESH_OK) {
        return fail(&err);
    }
    if (dry_run) {
        struct appmesh_request_preview p = {0};
        if (appmesh_client_call_preview(client, argv[1], input, strlen(input), &p, &err) ==
            APPMESH_OK) {
            printf("%s %s\n%s\n%s\n", p.method, p.url.ptr, p.headers.ptr,
                   p.body.ptr != NULL ? p.body.ptr : "");
            appmesh_request_preview_cleanup(&p);
            rc = 0;
        }
    } else if (appmesh_client_call(client, argv[1], input, strlen(input), &out, &info, &err) ==
               APPMESH_OK) {
        printf("%s\n", out.ptr);
        fprintf(stderr, "(HTTP %d, %d attempt(s), request %s)\n", info.http_status, info.attempts,
                info.request_id);
        appmesh_buf_cleanup(&out);
        rc = 0;
    }
    if (rc != 0) {
        fail(&err);
    }
    appmesh_client_destroy(client);
    return rc;
}
