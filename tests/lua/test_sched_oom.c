/* SPDX-License-Identifier: MIT */
/* Out of memory at every allocation of the scheduler's work: an error or nil, err, never a leak
 * or a crash, and the state still works. */
#include <stdbool.h>

#include "embed_util.h"

#define MAX_STEPS 6000

static const char setup_code[] =
    "appmesh = require 'appmesh'\n"
    "client = assert(appmesh.client{ region = 'us-east-1', endpoint = URL, max_attempts = 1,\n"
    "  credentials = { accessKeyId = 'AKIDEXAMPLE',\n"
    "                  secretAccessKey = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' } })\n"
    "params = { meshName = 'ecs-mesh', virtualServiceName = 'svc.local',\n"
    "  spec = { provider = { virtualNode = { virtualNodeName = 'vn' } } } }\n";

/* Pools, tasks, batches, results, the iterator; run with the budget on. */
static const char work_code[] =
    "local results, errs = appmesh.map({ 1, 2 }, function()\n"
    "  return client:update_virtual_service(params)\n"
    "end, { concurrency = 2 })\n"
    "local n, vs = appmesh.run(function()\n"
    "  local n = 0\n"
    "  for ref in client:virtual_services{ meshName = 'ecs-mesh', limit = 5 } do n = n + 1 end\n"
    "  return n, client:describe_virtual_service{ meshName = 'm', virtualServiceName = 's' }\n"
    "end)\n"
    "local pool = appmesh.pool{ concurrency = 2 }\n"
    "pool:spawn(function() return client:list_virtual_services{ meshName = 'm' } end)\n"
    "while pool:step(0.05) > 0 do end\n"
    "return results, errs, n, vs\n";

/* After the budget is lifted, the same state still works. */
static const char check_code[] =
    "local results, errs = appmesh.map({ 1, 2 }, function()\n"
    "  return client:update_virtual_service(params)\n"
    "end)\n"
    "assert(next(errs) == nil and results[2].spec.provider.virtualNode.virtualNodeName == 'vn')\n"
    "local vs = appmesh.run(function()\n"
    "  return client:describe_virtual_service{ meshName = 'm', virtualServiceName = 's' }\n"
    "end)\n"
    "assert(vs.virtualServiceName == 's')\n"
    "return 'ok'\n";

/* appmesh.run raises a task's error again as a plain error: a memory error becomes its message. */
static bool is_memory_error(lua_State *L, int st)
{
    return st == LUA_ERRMEM ||
           (lua_type(L, -1) == LUA_TSTRING && strstr(lua_tostring(L, -1), "not enough memory"));
}

int main(void)
{
    struct responder r;
    long n = 0;
    int failed = 0;
    int memerrs = 0;
    bool done = false;

    if (responder_start(&r) != 0) {
        return 1;
    }
    for (n = 0; n < MAX_STEPS && !done && failed == 0; n++) {
        struct budget b = {-1, 0};
        lua_State *L = lua_newstate(budget_alloc, &b);
        char out[64] = "";
        int st = 0;
        if (L == NULL) {
            fprintf(stderr, "cannot create a lua_State\n");
            return 1;
        }
        luaL_openlibs(L);
        luaL_requiref(L, "appmesh", luaopen_appmesh, 0);
        lua_pop(L, 1);
        lua_pushstring(L, r.url);
        lua_setglobal(L, "URL");
        if (run_lua(L, "setup", setup_code, NULL, 0) != 0 ||
            luaL_loadstring(L, work_code) != LUA_OK) {
            return 1;
        }
        b.left = n;
        st = lua_pcall(L, 0, 0, 0);
        b.left = -1;
        if (st != LUA_OK && is_memory_error(L, st)) {
            memerrs++;
        } else if (st != LUA_OK) {
            fprintf(stderr, "step %ld: unexpected error: %s\n", n, lua_tostring(L, -1));
            failed++;
        } else if (b.failed == 0) {
            done = true; /* the budget was never reached: every failure point was tried */
        }
        lua_settop(L, 0);
        if (run_lua(L, "check", check_code, out, sizeof(out)) != 0 || strcmp(out, "ok") != 0) {
            fprintf(stderr, "step %ld: the state no longer works\n", n);
            failed++;
        }
        lua_close(L);
    }
    responder_stop(&r);
    if (!done) {
        fprintf(stderr, "did not get through the work in %d steps\n", MAX_STEPS);
        failed++;
    }
    printf("%s - fails each of %ld allocations in turn (%d raised a memory error)\n",
           failed == 0 ? "ok" : "not ok", n - 1, memerrs);
    printf("%d passed, %d failed\n", failed == 0 ? 1 : 0, failed == 0 ? 0 : 1);
    return failed == 0 ? 0 : 1;
}
