/* SPDX-License-Identifier: MIT */
/* Lua-level overhead of client:update_virtual_service: the converter both ways, ns per call. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "appmesh_lua.h"
#include "appmesh_lua_internal.h"

#define BATCHES   101
#define PER_BATCH 2000

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;
    return (x > y) - (x < y);
}

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
    lua_close(L);
    return 0;
}
