/* SPDX-License-Identifier: MIT */
/* appmesh_lua_set_interrupt_flag: a host's flag stops a running call in its own state only. */
#include "interrupt_util.h"

static const char setup_code[] =
    "appmesh = require 'appmesh'\n"
    "client = assert(appmesh.client{ region = 'us-east-1', endpoint = URL, timeout = 60,\n"
    "  retry_base_delay = 0.001, credentials = { accessKeyId = 'AKIDEXAMPLE',\n"
    "  secretAccessKey = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' } })\n"
    "params = { meshName = 'm', virtualServiceName = 's.local',\n"
    "  spec = { provider = { virtualNode = { virtualNodeName = 'n' } } } }\n"
    "function queue(json)\n"
    "  local f = assert(io.open(CONTROL .. '/queue.json', 'w')); f:write(json); f:close()\n"
    "end\n";

/* The flag set while the responder holds the request: the call gives up with Interrupted. */
static const char interrupted_code[] = "queue('[{\"action\": \"hang\", \"seconds\": 40}]')\n"
                                       "arm_interrupt()\n"
                                       "local vs, err = client:update_virtual_service(params)\n"
                                       "join_interrupt()\n"
                                       "set_flag(0)\n"
                                       "assert(vs == nil, 'the call succeeded')\n"
                                       "assert(err.code == 'Interrupted', tostring(err))\n"
                                       "assert(getmetatable(err) == appmesh.Error)\n"
                                       "return 'ok'\n";

/* Set before the call: it stops before sending anything. */
static const char preset_code[] =
    "queue('[]')\n"
    "os.remove(CONTROL .. '/log.jsonl')\n"
    "local vs, err = client:update_virtual_service(params)\n"
    "assert(vs == nil and err.code == 'Interrupted', tostring(err))\n"
    "assert(io.open(CONTROL .. '/log.jsonl') == nil, 'a request was sent')\n"
    "return 'ok'\n";

/* Once the host clears the flag, calls work again. */
static const char cleared_code[] = "queue('[]')\n"
                                   "local vs, info = client:update_virtual_service(params)\n"
                                   "assert(vs, tostring(info))\n"
                                   "assert(vs.spec.provider.virtualNode.virtualNodeName == 'n')\n"
                                   "return 'ok'\n";

struct step {
    const char *name;
    lua_State **state;
    const char *code;
    int flag_before;
};

int main(void)
{
    struct responder r;
    lua_State *a = NULL; /* has the flag */
    lua_State *b = NULL; /* has no flag: unaffected */
    lua_State *c = NULL; /* had the flag, then removed it (NULL) */
    const struct step steps[] = {
        {"interrupts_a_running_call", &a, interrupted_code, 0},
        {"stops_a_call_before_it_sends_when_the_flag_is_already_set", &a, preset_code, 1},
        {"works_again_once_the_flag_is_cleared", &a, cleared_code, 0},
        {"leaves_states_without_the_flag_alone", &b, cleared_code, 1},
        {"ignores_the_flag_once_removed", &c, cleared_code, 1},
    };
    lua_State **states[] = {&a, &b, &c};
    int failed = 0;
    size_t i = 0;

    if (responder_start(&r) != 0) {
        return 1;
    }
    snprintf(s_watch.log_path, sizeof(s_watch.log_path), "%s/log.jsonl", r.control);
    for (i = 0; i < 3; i++) {
        *states[i] = new_state();
        if (*states[i] == NULL) {
            fprintf(stderr, "cannot create a lua_State\n");
            return 1;
        }
        interrupt_setup_state(*states[i], &r);
        if (run_lua(*states[i], "setup", setup_code, NULL, 0) != 0) {
            return 1;
        }
    }
    appmesh_lua_set_interrupt_flag(a, &s_flag);
    appmesh_lua_set_interrupt_flag(c, &s_flag);
    appmesh_lua_set_interrupt_flag(c, NULL);
    for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        failed +=
            interrupt_run_step(*steps[i].state, steps[i].name, steps[i].code, steps[i].flag_before);
    }
    for (i = 0; i < 3; i++) {
        lua_close(*states[i]);
    }
    responder_stop(&r);
    printf("%d passed, %d failed\n", (int)(sizeof(steps) / sizeof(steps[0])) - failed, failed);
    return failed == 0 ? 0 : 1;
}
