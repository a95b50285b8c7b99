/* SPDX-License-Identifier: MIT */
/* Lua-level overhead of the calls: the typed converter of client:update_virtual_service both
 * ways, and the generic one (Lua <-> cJSON, lvalue.c) for a ~1 KB CreateRoute against the SigV4
 * hashing floor measured in the same run (as bench_sigv4's sigv4.floor_ns). ns per call. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "appmesh/appmesh.h"
#include "appmesh_lua.h"
#include "appmesh_lua_internal.h"
#include "bench_clock.h"
#include "shapes.h"
#include "sigv4_floor.h"

#define BATCHES   101
#define PER_BATCH 2000

/* What a typical UpdateVirtualService returns, as the client hands it to the binding. */
static void fill_data(struct appmesh_virtual_service_data *d)
{
    static char mesh[] = "ecs-mesh";
    static char name[] = "colorgateway.default.svc.cluster.local";
    static char node[] = "colorgateway-vn";
    static char status[] = "ACTIVE";
    static char arn[] = "arn:aws:appmesh:us-east-1:123456789012:mesh/ecs-mesh/virtualService/"
                        "colorgateway.default.svc.cluster.local";
    static char owner[] = "123456789012";
    static char uid[] = "a1b2c3d4-0000-4000-8000-000000000001";

    memset(d, 0, sizeof(*d));
    d->mesh_name = mesh;
    d->virtual_service_name = name;
    d->has_spec = true;
    d->spec.provider.kind = APPMESH_PROVIDER_VIRTUAL_NODE;
    d->spec.provider.u.virtual_node.virtual_node_name = node;
    d->status.code = APPMESH_STATUS_ACTIVE;
    d->status.raw = status;
    d->metadata.arn = arn;
    d->metadata.mesh_owner = owner;
    d->metadata.resource_owner = owner;
    d->metadata.uid = uid;
    d->metadata.has_created_at = true;
    d->metadata.created_at = 1700000000.5;
    d->metadata.has_last_updated_at = true;
    d->metadata.last_updated_at = 1700000100.25;
    d->metadata.has_version = true;
    d->metadata.version = 2;
}

/* A CreateRoute of about 1 KB (bench_sigv4's): weighted targets, header matches, a retry
 * policy, tags; and the RouteData it answers with, about 1 KB too. */
static const char route_params[] =
    "return { meshName = 'ecs-mesh', virtualRouterName = 'colorgateway-vr', routeName = "
    "'colorgateway-route', clientToken = '3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b', spec = { "
    "priority = 10, httpRoute = { action = { weightedTargets = { { virtualNode = "
    "'colorgateway-blue-vn', weight = 80, port = 8080 }, { virtualNode = "
    "'colorgateway-green-vn', weight = 15, port = 8080 }, { virtualNode = "
    "'colorgateway-canary-vn', weight = 5, port = 8080 } } }, match = { prefix = '/color', "
    "method = 'GET', scheme = 'https', headers = { { name = 'x-canary', invert = false, match = "
    "{ exact = 'true' } }, { name = 'user-agent', match = { prefix = 'Mozilla/5.0' } }, { name "
    "= 'x-request-id', match = { regex = '^[0-9a-f-]{36}$' } } } }, retryPolicy = { maxRetries "
    "= 3, perRetryTimeout = { unit = 'ms', value = 2000 }, httpRetryEvents = { 'server-error', "
    "'gateway-error' }, tcpRetryEvents = { 'connection-error' } }, timeout = { perRequest = { "
    "unit = 's', value = 15 }, idle = { unit = 's', value = 300 } } } }, tags = { { key = "
    "'team', value = 'color' }, { key = 'env', value = 'production' }, { key = 'owner', value = "
    "'platform@example.com' }, { key = 'cost-center', value = 'cc-1234' } } }";

/* The generic converter both ways, n times: the params at index 1 to a cJSON tree (freed),
 * and the RouteData tree in the box at index 2 to fresh Lua tables (popped). */
static int generic_run(lua_State *L, const struct am_shape *in, const struct am_shape *out, int n)
{
    struct appmesh_error err = {0};
    cJSON **slot = lua_touserdata(L, 3);
    cJSON **data = lua_touserdata(L, 2);

    for (int i = 0; i < n; i++) {
        if (am_lua_to_json(L, 1, in, slot, &err) != APPMESH_OK) {
            fprintf(stderr, "generic convert: %s\n", err.message);
            return 1;
        }
        am_lua_json_box_clear(L, 3);
        am_lua_push_json(L, *data, out);
        lua_pop(L, 1);
    }
    return 0;
}

static int generic_bench(lua_State *L)
{
    static struct sigv4_floor f;
    const struct am_operation *op = am_operation_find("CreateRoute");
    const struct am_member *payload = &am_members[op->payload];
    double conv[BATCHES];
    double flo[BATCHES];
    double ratio[BATCHES];
    cJSON **data = NULL;
    cJSON *input = NULL;
    char *text = NULL;
    unsigned sink = 0;
    int n = 200;

    lua_settop(L, 0);
    if (luaL_dostring(L, route_params) != LUA_OK || sigv4_floor_setup(&f) != 0) {
        fprintf(stderr, "generic setup failed\n");
        return 1;
    }
    /* The RouteData: the input's route, with the metadata and status App Mesh adds. */
    data = am_lua_push_json_box(L); /* params, data */
    am_lua_push_json_box(L);        /* params, data, scratch */
    {
        struct appmesh_error err = {0};
        if (am_lua_to_json(L, 1, &am_shapes[op->input], lua_touserdata(L, 3), &err) != APPMESH_OK) {
            fprintf(stderr, "generic setup: %s\n", err.message);
            return 1;
        }
        input = cJSON_Duplicate(*(cJSON **)lua_touserdata(L, 3), true); /* the box's own */
        am_lua_json_box_clear(L, 3);
        if (input == NULL) {
            return 1;
        }
    }
    cJSON_DeleteItemFromObject(input, "clientToken");
    cJSON_DeleteItemFromObject(input, "tags");
    cJSON_AddRawToObject(input, "metadata",
                         "{\"arn\":\"arn:aws:appmesh:us-east-1:123456789012:mesh/ecs-mesh/"
                         "virtualRouter/colorgateway-vr/route/colorgateway-route\",\"createdAt\":"
                         "1563810000.123,\"lastUpdatedAt\":1563820000.5,\"meshOwner\":"
                         "\"123456789012\",\"resourceOwner\":\"123456789012\",\"uid\":"
                         "\"a1b2c3d4\",\"version\":1}");
    cJSON_AddRawToObject(input, "status", "{\"status\":\"ACTIVE\"}");
    text = cJSON_PrintUnformatted(input); /* Raw members become parsed ones */
    cJSON_Delete(input);
    *data = text != NULL ? cJSON_Parse(text) : NULL;
    cJSON_free(text);
    if (*data == NULL) {
        return 1;
    }
    for (int b = 0; b < BATCHES; b++) {
        double t0 = now_ns();
        if (generic_run(L, &am_shapes[op->input], am_member_shape(payload), n) != 0) {
            return 1;
        }
        conv[b] = (now_ns() - t0) / n;
        t0 = now_ns();
        if (sigv4_floor_run(&f, n * 4) != 0) {
            return 1;
        }
        flo[b] = (now_ns() - t0) / (n * 4);
        ratio[b] = conv[b] / flo[b];
    }
    qsort(conv, BATCHES, sizeof(conv[0]), cmp_double);
    qsort(flo, BATCHES, sizeof(flo[0]), cmp_double);
    qsort(ratio, BATCHES, sizeof(ratio[0]), cmp_double);
    printf("lua.generic_convert_ns %.0f (CreateRoute ~1 KB, Lua -> cJSON -> Lua)\n",
           conv[BATCHES / 2]);
    printf("lua.sigv4_floor_ns %.0f (as sigv4.floor_ns, this run)\n", flo[BATCHES / 2]);
    printf("lua.generic_convert_ratio_vs_floor %.2f (min %.2f, max %.2f; target <= 3.00)\n",
           ratio[BATCHES / 2], ratio[0], ratio[BATCHES - 1]);
    sink = f.sink;
    sigv4_floor_cleanup(&f);
    return sink == 12345u ? 2 : 0; /* keeps the floor's hashing from being optimised away */
}

int main(void)
{
    lua_State *L = luaL_newstate();
    struct appmesh_virtual_service_data data;
    struct appmesh_update_virtual_service_input in;
    struct appmesh_error err = {0};
    bool proxied = false;
    double samples[BATCHES];
    int b = 0;
    int i = 0;

    if (L == NULL) {
        return 1;
    }
    luaL_openlibs(L);
    luaL_requiref(L, "appmesh", luaopen_appmesh, 0);
    lua_pop(L, 1);
    if (luaL_dostring(L, "return { meshName = 'ecs-mesh', "
                         "virtualServiceName = 'colorgateway.default.svc.cluster.local', "
                         "meshOwner = '123456789012', "
                         "spec = { provider = { virtualNode = { virtualNodeName = "
                         "'colorgateway-vn' } } } }") != LUA_OK) {
        fprintf(stderr, "%s\n", lua_tostring(L, -1));
        return 1;
    }
    fill_data(&data);
    for (b = 0; b < BATCHES; b++) {
        double t0 = now_ns();
        for (i = 0; i < PER_BATCH; i++) {
            if (am_lua_check_update_input(L, 1, &in, &proxied, &err) != APPMESH_OK || proxied) {
                fprintf(stderr, "convert: %s\n", err.message);
                return 1;
            }
            am_lua_push_virtual_service(L, &data);
            lua_pop(L, 1);
        }
        samples[b] = (now_ns() - t0) / PER_BATCH;
    }
    qsort(samples, BATCHES, sizeof(samples[0]), cmp_double);
    printf("lua.convert_ns %.0f (target < 5000)\n", samples[BATCHES / 2]);
    if (generic_bench(L) != 0) {
        lua_close(L);
        return 1;
    }
    lua_close(L);
    return 0;
}
