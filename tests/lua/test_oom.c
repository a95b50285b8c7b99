/* SPDX-License-Identifier: MIT */
/* Out of memory at every allocation of a call: a memory error or nil, err, never a leak. */
#include <stdbool.h>

#include "embed_util.h"

#define MAX_STEPS 4000

static const char setup_code[] =
    "appmesh = require 'appmesh'\n"
    "client = assert(appmesh.client{ region = 'us-east-1', endpoint = URL, max_attempts = 1,\n"
    "  credentials = { accessKeyId = 'AKIDEXAMPLE',\n"
    "                  secretAccessKey = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' } })\n"
    "params = { meshName = 'ecs-mesh', virtualServiceName = 'svc.local', meshOwner = "
    "'123456789012',\n"
    "  spec = { provider = { virtualNode = { virtualNodeName = 'vn' } } } }\n"
    "bad = { meshName = 'm', virtualServiceName = 's', spec = { provider = { bogus = {} } } }\n"
    "sign_args = { method = 'GET', url = 'https://example.amazonaws.com/?a=b', region = "
    "'us-east-1',\n"
    "  service = 'service', time = 1440938160, credentials = { accessKeyId = 'AKIDEXAMPLE',\n"
    "  secretAccessKey = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken = 't' } }\n";

/* Everything a script does with the module; run with the budget on. */
static const char work_code[] =
    "local vs, info = client:update_virtual_service(params)\n"
    "local req = client:update_virtual_service(params, { dry_run = true })\n"
    "local v2, err = client:update_virtual_service(bad)\n"
    "local h = appmesh.sign(sign_args)\n"
    "local c2 = appmesh.client{ region = 'eu-west-1', endpoint = URL }\n"
    "local s = tostring(err) .. tostring(client)\n"
    "return vs, req, h, c2, s\n";

/* After the budget is lifted, the same state still works. */
static const char check_code[] =
    "local vs, info = client:update_virtual_service(params)\n"
    "assert(vs, tostring(info))\n"
    "assert(vs.spec.provider.virtualNode.virtualNodeName == 'vn')\n"
    "assert(client:update_virtual_service(params, { dry_run = true }))\n"
    "local _, err = client:update_virtual_service(bad)\n"
    "assert(err.field == 'spec.provider.bogus', tostring(err))\n"
    "assert(appmesh.sign(sign_args).Authorization)\n"
    "return 'ok'\n";

static bool is_memory_error(lua_State *L, int st)
{
    (void)L;
    return st == LUA_ERRMEM;
}

int main(void)
{
    const struct oom_walk w = {setup_code, work_code, check_code, MAX_STEPS, is_memory_error};
    return oom_walk_run(&w);
}
