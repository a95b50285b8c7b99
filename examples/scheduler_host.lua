-- SPDX-License-Identifier: MIT
-- Driving an appmesh.pool from a host's own loop: ten updates at concurrency 4, printed as they
-- finish, while the loop goes on with its own work between steps.
--
--   AWS_ENDPOINT_URL_APP_MESH=http://127.0.0.1:PORT AWS_REGION=us-east-1 \
--   AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY \
--   appmesh-lua examples/scheduler_host.lua [MESH [VIRTUAL_NODE]]
--
-- (or lua5.4 with LUA_CPATH="build/?.so;;"). The endpoint, region and credentials come from the
-- environment like any default client. Exit status: 0 when every update succeeded, else 1.
--
-- How a host drives a pool:
--   * pool:spawn(fn, ...) queues a task; nothing runs until the pool is stepped.
--   * pool:step(timeout) starts what can start, waits at most `timeout` seconds for the network
--     or a retry timer (0 never blocks), resumes the tasks whose calls finished, and returns how
--     many tasks are still alive. Call it from the host's loop: with a small timeout when the
--     loop has nothing else to wait on, with 0 from a timer or an idle callback otherwise.
--   * Inside a task, client calls look blocking (they return vs, info or nil, err) but yield to
--     the pool; a task that raises is counted and never stops the others.
--   * pool:wait() is the same loop run to the end, when the host has nothing else to do.
--   * A host that set appmesh_lua_set_interrupt_flag() sees a step return within about 0.1 s
--     of the flag being set, the calls in flight failing with err.code == "Interrupted".
local appmesh = require "appmesh"

local mesh = arg[1] or "demo-mesh"
local node = arg[2] or "colorgateway-vn"

local client, err = appmesh.default_client()
if not client then
  io.stderr:write("scheduler_host: ", tostring(err), "\n")
  os.exit(2)
end

local pool = appmesh.pool{ concurrency = 4 }
local failed = 0
for i = 1, 10 do
  local name = ("svc-%02d.example.local"):format(i)
  pool:spawn(function()
    local vs, info = client:update_virtual_service{
      meshName = mesh, virtualServiceName = name,
      spec = { provider = { virtualNode = { virtualNodeName = node } } },
    }
    if vs then
      print(("%s  updated  version %s  request %s"):format(name,
        tostring(vs.metadata and vs.metadata.version), tostring(info.requestId)))
    else
      failed = failed + 1
      print(("%s  failed   %s"):format(name, tostring(info)))
    end
  end)
end

-- The host's loop. Here its "other work" is only counting its turns; a real host would poll its
-- own sockets, redraw a screen, or run its own timers between steps.
local turns = 0
local alive = pool:pending()
while alive > 0 do
  turns = turns + 1
  alive = pool:step(0.01)
end
print(("10 updates, %d failed, %d turns of the host's loop"):format(failed, turns))
os.exit(failed == 0 and 0 or 1)
