/* SPDX-License-Identifier: MIT */
/* For tests/botocore/compare.py: serialise requests and parse responses of any operation the
 * way the client does, one per input line:
 *   request <Operation> <input JSON>   ->  {"method": ..., "url": ..., "body": ...}
 *   response <Operation> <body JSON>   ->  the normalised output, or {"error": ...}
 * Requests go through the public preview (appmesh_client_call_preview); nothing is sent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "appmesh/appmesh.h"
#include "deserialize.h"
#include "opjson.h"

static void print_json(cJSON *v)
{
    char *text = v != NULL ? cJSON_PrintUnformatted(v) : NULL;
    printf("%s\n", text != NULL ? text : "{\"error\":\"out of memory\"}");
    cJSON_free(text);
    cJSON_Delete(v);
}

static void print_error(const struct appmesh_error *err)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "error", err->message);
    cJSON_AddStringToObject(o, "field", err->field);
    print_json(o);
}

static void request(struct appmesh_client *client, const char *op, const char *json)
{
    struct appmesh_request_preview p = {0};
    struct appmesh_error err = {0};
    cJSON *o = NULL;

    if (appmesh_client_call_preview(client, op, json, strlen(json), &p, &err) != APPMESH_OK) {
        print_error(&err);
        return;
    }
    o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "method", p.method);
    cJSON_AddStringToObject(o, "url", p.url.ptr != NULL ? p.url.ptr : "");
    cJSON_AddStringToObject(o, "body", p.body.ptr != NULL ? p.body.ptr : "");
    appmesh_request_preview_cleanup(&p);
    print_json(o);
}

static void response(const char *name, const char *json)
{
    const struct am_operation *op = NULL;
    struct appmesh_error err = {0};
    cJSON *out = NULL;

    if (am_opjson_find(name, &op, &err) != APPMESH_OK ||
        am_deserialize_output(op, json, strlen(json), &out, &err) != APPMESH_OK) {
        print_error(&err);
        return;
    }
    {
        struct appmesh_buf text = {0};
        if (am_opjson_print(out, NULL, &text, &err) != APPMESH_OK) {
            print_error(&err);
        } else {
            printf("%s\n", text.ptr);
        }
        appmesh_buf_cleanup(&text);
        cJSON_Delete(out);
    }
}

int main(void)
{
    static const struct appmesh_credentials creds = {"AKIDEXAMPLE", "SECRETEXAMPLE", NULL};
    struct appmesh_client_options opts = {0};
    struct appmesh_client *client = NULL;
    struct appmesh_error err = {0};
    static char line[1 << 20];

    opts.region = "us-east-1";
    opts.endpoint = "http://127.0.0.1:9000";
    opts.credentials = &creds;
    if (appmesh_client_new(NULL, &opts, &client, &err) != APPMESH_OK) {
        fprintf(stderr, "opcall_tool: %s\n", err.message);
        return 1;
    }
    while (fgets(line, sizeof(line), stdin) != NULL) {
        char *kind = line;
        char *op = strchr(kind, ' ');
        char *json = op != NULL ? strchr(op + 1, ' ') : NULL;
        size_t n = strlen(line);
        if (n > 0 && line[n - 1] == '\n') {
            line[n - 1] = '\0';
        }
        if (json == NULL) {
            fprintf(stderr, "opcall_tool: bad line\n");
            appmesh_client_destroy(client);
            return 1;
        }
        *op++ = '\0';
        *json++ = '\0';
        if (strcmp(kind, "request") == 0) {
            request(client, op, json);
        } else {
            response(op, json);
        }
        fflush(stdout);
    }
    appmesh_client_destroy(client);
    return 0;
}
