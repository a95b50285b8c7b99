/* SPDX-License-Identifier: MIT */
/* Two lua_States in two threads, each with its own appmesh module and client, do not interfere. */
#include <pthread.h>

#include "embed_util.h"

#define CALLS 25

struct worker {
    const char *id;
    const char *region;
    const char *url;
    char result[512];
    int rc;
};

/* Each thread: its own client (own region), real calls, dry runs and validation errors, every
 * result checked against this thread's own inputs. */
static const char worker_code[] =
    "local appmesh = require 'appmesh'\n"
    "assert(appmesh._VERSION:match('^appmesh %d+%.%d+%.%d+$'), appmesh._VERSION)\n"
    "local c = assert(appmesh.client{ region = REGION, endpoint = URL, retry_base_delay = 0.001,\n"
    "  credentials = { accessKeyId = 'AKIDEXAMPLE',\n"
    "                  secretAccessKey = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' } })\n"
    "assert(tostring(c) == 'appmesh.Client (' .. REGION .. ', ' .. URL .. ')', tostring(c))\n"
    "assert(c.region == REGION)\n"
    "for i = 1, CALLS do\n"
    "  local name = ('svc-%s-%d.local'):format(ID, i)\n"
    "  local p = { meshName = 'mesh-' .. ID, virtualServiceName = name,\n"
    "    spec = { provider = { virtualRouter = { virtualRouterName = 'router-' .. ID } } } }\n"
    "  local vs, info = c:update_virtual_service(p)\n"
    "  assert(vs, tostring(info))\n"
    "  assert(vs.meshName == 'mesh-' .. ID, vs.meshName)\n"
    "  assert(vs.virtualServiceName == name, vs.virtualServiceName)\n"
    "  assert(vs.spec.provider.virtualRouter.virtualRouterName == 'router-' .. ID)\n"
    "  assert(info.httpStatus == 200 and info.attempts == 1)\n"
    "  local req = assert(c:update_virtual_service(p, { dry_run = true }))\n"
    "  assert(req.headers.Authorization:find('/' .. REGION .. '/appmesh/aws4_request', 1, true),\n"
    "         req.headers.Authorization)\n"
    "  assert(req.url:find('/meshes/mesh-' .. ID .. '/virtualServices/' .. name, 1, true), "
    "req.url)\n"
    "  p.spec.provider.virtualRouter.virtualRouterName = i\n"
    "  local bad, err = c:update_virtual_service(p)\n"
    "  assert(bad == nil and err.code == 'ValidationError')\n"
    "  assert(err.field == 'spec.provider.virtualRouter.virtualRouterName', err.field)\n"
    "  collectgarbage('step')\n"
    "end\n"
    "c:close()\n"
    "return 'ok ' .. ID\n";

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    lua_State *L = new_state();

    w->rc = -1;
    if (L == NULL) {
        snprintf(w->result, sizeof(w->result), "cannot create a lua_State");
        return NULL;
    }
    lua_pushstring(L, w->id);
    lua_setglobal(L, "ID");
    lua_pushstring(L, w->region);
    lua_setglobal(L, "REGION");
    lua_pushstring(L, w->url);
    lua_setglobal(L, "URL");
    lua_pushinteger(L, CALLS);
    lua_setglobal(L, "CALLS");
    w->rc = run_lua(L, w->id, worker_code, w->result, sizeof(w->result));
    lua_close(L);
    return NULL;
}

int main(void)
{
    struct responder r;
    struct worker w[2] = {
        {"a", "us-east-1", NULL, "", 0},
        {"b", "eu-west-1", NULL, "", 0},
    };
    pthread_t t[2];
    int failed = 0;
    int i = 0;

    if (responder_start(&r) != 0) {
        return 1;
    }
    for (i = 0; i < 2; i++) {
        w[i].url = r.url;
        if (pthread_create(&t[i], NULL, worker_main, &w[i]) != 0) {
            fprintf(stderr, "pthread_create failed\n");
            responder_stop(&r);
            return 1;
        }
    }
    for (i = 0; i < 2; i++) {
        char want[16];
        pthread_join(t[i], NULL);
        snprintf(want, sizeof(want), "ok %s", w[i].id);
        if (w[i].rc != 0 || strcmp(w[i].result, want) != 0) {
            fprintf(stderr, "FAIL thread %s: %s\n", w[i].id, w[i].result);
            failed++;
        } else {
            printf("ok - thread %s (%s): %d calls, dry runs and validation errors\n", w[i].id,
                   w[i].region, 25);
        }
    }
    responder_stop(&r);
    printf("%d passed, %d failed\n", 2 - failed, failed);
    return failed == 0 ? 0 : 1;
}
