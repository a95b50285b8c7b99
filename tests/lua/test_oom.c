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
        if (st == LUA_ERRMEM) {
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
