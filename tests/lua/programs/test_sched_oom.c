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
    "pool:spawn(function() return client:describe_mesh{ meshName = 'm' } end)\n"
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
    "local mesh = appmesh.run(function() return client:describe_mesh{ meshName = 'm' } end)\n"
    "assert(mesh.meshName == 'm')\n"
    "return 'ok'\n";

/* appmesh.run raises a task's error again as a plain error: a memory error becomes its message. */
static bool is_memory_error(lua_State *L, int st)
{
    return st == LUA_ERRMEM ||
           (lua_type(L, -1) == LUA_TSTRING && strstr(lua_tostring(L, -1), "not enough memory"));
}

int main(void)
{
    const struct oom_walk w = {setup_code, work_code, check_code, MAX_STEPS, is_memory_error};
    return oom_walk_run(&w);
}
