/* SPDX-License-Identifier: MIT */
/* Out of memory at every allocation of a call (typed and generic): a memory error or nil, err,
 * never a leak (a generic call's cJSON trees stay in boxes the GC frees). */
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
    "node = { meshName = 'm', virtualNodeName = 'n', spec = { listeners = { { portMapping = {\n"
    "  port = 8080, protocol = 'http' } } }, backendDefaults = { clientPolicy = { tls = {\n"
    "  enforce = true, ports = { 443 }, validation = { trust = { file = {\n"
    "  certificateChain = '/c.pem' } } } } } } }, tags = { { key = 'k', value = 'v' } } }\n"
    "proxy = setmetatable({}, { __pairs = function() return next, { limit = 5 }, nil end })\n"
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
    "local gen = client:create_virtual_node(node, { dry_run = true })\n"
    "local list = client:list_meshes(proxy)\n"
    "local _, gerr = client:create_virtual_node({ meshName = 'm', spec = { bogus = 1 } })\n"
    "for m in client:meshes{} do end\n"
    "local sk = appmesh.skeleton('create_route')\n"
    "local ops = appmesh.operations()\n"
    "return vs, req, h, c2, s, gen, list, gerr, sk, ops\n";

/* After the budget is lifted, the same state still works. */
static const char check_code[] =
    "local vs, info = client:update_virtual_service(params)\n"
    "assert(vs, tostring(info))\n"
    "assert(vs.spec.provider.virtualNode.virtualNodeName == 'vn')\n"
    "assert(client:update_virtual_service(params, { dry_run = true }))\n"
    "local _, err = client:update_virtual_service(bad)\n"
    "assert(err.field == 'spec.provider.bogus', tostring(err))\n"
    "assert(appmesh.sign(sign_args).Authorization)\n"
    "local req = assert(client:create_virtual_node(node, { dry_run = true }))\n"
    "assert(req.body:find('\"certificateChain\":\"/c.pem\"', 1, true), req.body)\n"
    "assert(client:list_meshes(proxy))\n"
    "local _, gerr = client:create_virtual_node({ meshName = 'm', spec = { bogus = 1 } })\n"
    "assert(gerr.field == 'spec.bogus', tostring(gerr))\n"
    "assert(#appmesh.operations() == 38)\n"
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
