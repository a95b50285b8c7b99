/* SPDX-License-Identifier: MIT */
/* appmesh_lua_set_interrupt_flag and the scheduler: a host's flag stops a pool's wait. */
#include "interrupt_util.h"

static const char setup_code[] =
    "appmesh = require 'appmesh'\n"
    "client = assert(appmesh.client{ region = 'us-east-1', endpoint = URL, timeout = 60,\n"
    "  retry_base_delay = 0.001, credentials = { accessKeyId = 'AKIDEXAMPLE',\n"
    "  secretAccessKey = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' } })\n"
    "function params(i)\n"
    "  return { meshName = 'm', virtualServiceName = 's' .. i .. '.local',\n"
    "    spec = { provider = { virtualNode = { virtualNodeName = 'n' } } } }\n"
    "end\n"
    "function queue(json)\n"
    "  local f = assert(io.open(CONTROL .. '/queue.json', 'w')); f:write(json); f:close()\n"
    "end\n"
    "function spawn_updates(pool, n, out)\n"
    "  for i = 1, n do\n"
    "    pool:spawn(function() out[i] = { client:update_virtual_service(params(i)) } end)\n"
    "  end\n"
    "end\n"
    "function check_interrupted(out, n)\n"
    "  for i = 1, n do\n"
    "    local vs, err = out[i][1], out[i][2]\n"
    "    assert(vs == nil, 'call ' .. i .. ' succeeded')\n"
    "    assert(getmetatable(err) == appmesh.Error)\n"
    "    assert(err.code == 'Interrupted', 'call ' .. i .. ': ' .. tostring(err))\n"
    "  end\n"
    "end\n";

/* Two calls hang in the responder; the flag set meanwhile ends the wait: every call in flight
 * or made after fails with Interrupted, and no task raises. */
static const char wait_code[] =
    "queue('[{\"action\": \"hang\", \"seconds\": 40}, {\"action\": \"hang\", \"seconds\": 40}]')\n"
    "local pool = appmesh.pool{ concurrency = 2 }\n"
    "local out = {}\n"
    "spawn_updates(pool, 4, out)\n"
    "arm_interrupt()\n"
    "local failed = pool:wait()\n"
    "join_interrupt()\n"
    "assert(failed == 0, 'a task raised')\n"
    "check_interrupted(out, 4)\n"
    "return 'ok'\n";

/* A host's own loop over pool:step stops too (the map inside a task as well). */
static const char step_code[] =
    "queue('[{\"action\": \"hang\", \"seconds\": 40}, {\"action\": \"hang\", \"seconds\": 40}]')\n"
    "local pool = appmesh.pool{ concurrency = 3 }\n"
    "local out, mapped = {}, nil\n"
    "spawn_updates(pool, 2, out)\n"
    "pool:spawn(function()\n"
    "  mapped = appmesh.map({ 10, 11 }, function(i) return select(2,\n"
    "    client:update_virtual_service(params(i))) end)\n"
    "end)\n"
    "arm_interrupt()\n"
    "local steps = 0\n"
    "while pool:step(0.05) > 0 do steps = steps + 1 end\n"
    "join_interrupt()\n"
    "check_interrupted(out, 2)\n"
    "assert(mapped[1].code == 'Interrupted' and mapped[2].code == 'Interrupted')\n"
    "return 'ok'\n";

/* appmesh.map starts no further item once the flag is set: the two in flight fail with
 * Interrupted, the four never started keep a nil result (their function never ran). */
static const char map_code[] =
    "queue('[{\"action\": \"hang\", \"seconds\": 40}, {\"action\": \"hang\", \"seconds\": 40}]')\n"
    "local started = {}\n"
    "arm_interrupt()\n"
    "local results = appmesh.map({ 1, 2, 3, 4, 5, 6 }, function(i)\n"
    "  started[#started + 1] = i\n"
    "  return select(2, client:update_virtual_service(params(i)))\n"
    "end, { concurrency = 2 })\n"
    "join_interrupt()\n"
    "assert(#started == 2, 'started ' .. #started .. ' items')\n"
    "assert(results[1].code == 'Interrupted' and results[2].code == 'Interrupted')\n"
    "for i = 3, 6 do assert(results[i] == nil, 'item ' .. i .. ' ran') end\n"
    "return 'ok'\n";

/* Set before the wait: nothing is sent. */
static const char preset_code[] = "queue('[]')\n"
                                  "os.remove(CONTROL .. '/log.jsonl')\n"
                                  "local out = {}\n"
                                  "local pool = appmesh.pool()\n"
                                  "spawn_updates(pool, 3, out)\n"
                                  "assert(pool:wait() == 0)\n"
                                  "check_interrupted(out, 3)\n"
                                  "assert(io.open(CONTROL .. '/log.jsonl') == nil, 'sent')\n"
                                  "return 'ok'\n";

/* Once the host clears the flag, pools work again. */
static const char cleared_code[] = "queue('[]')\n"
                                   "local out = {}\n"
                                   "local pool = appmesh.pool()\n"
                                   "spawn_updates(pool, 3, out)\n"
                                   "assert(pool:wait() == 0)\n"
                                   "for i = 1, 3 do assert(out[i][1], tostring(out[i][2])) end\n"
                                   "return 'ok'\n";

struct step {
    const char *name;
    const char *code;
    int flag_before;
};

int main(void)
{
    struct responder r;
    lua_State *L = NULL;
    const struct step steps[] = {
        {"interrupts_a_pool_wait", wait_code, 0},
        {"interrupts_a_host_loop_of_steps", step_code, 0},
        {"map_starts_no_item_once_interrupted", map_code, 0},
        {"fails_the_calls_of_a_pool_when_the_flag_is_already_set", preset_code, 1},
        {"runs_pools_again_once_the_flag_is_cleared", cleared_code, 0},
    };
    int failed = 0;
    size_t i = 0;

    if (responder_start(&r) != 0) {
        return 1;
    }
    snprintf(s_watch.log_path, sizeof(s_watch.log_path), "%s/log.jsonl", r.control);
    s_watch.requests = 2; /* the flag is set while the pool waits on two requests */
    L = new_state();
    if (L == NULL) {
        fprintf(stderr, "cannot create a lua_State\n");
        return 1;
    }
    interrupt_setup_state(L, &r);
    if (run_lua(L, "setup", setup_code, NULL, 0) != 0) {
        return 1;
    }
    appmesh_lua_set_interrupt_flag(L, &s_flag);
    for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        failed += interrupt_run_step(L, steps[i].name, steps[i].code, steps[i].flag_before);
    }
    lua_close(L);
    responder_stop(&r);
    printf("%d passed, %d failed\n", (int)(sizeof(steps) / sizeof(steps[0])) - failed, failed);
    return failed == 0 ? 0 : 1;
}
