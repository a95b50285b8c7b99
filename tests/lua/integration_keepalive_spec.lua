-- SPDX-License-Identifier: MIT
-- A 1,000-update run on one client: one keep-alive connection for all of them (from the
-- emulator's request log), every update landing once.
local integration = dofile("tests/lua/integration.lua")
if not integration.enabled then
  return -- run by the CTest integration.keepalive (see tests/lua/integration.lua)
end
local appmesh = require "appmesh"

local RUNS = 1000
local SERVICES = {
  { "colorteller-red.demo.local", "colorteller-red-vn" },
  { "colorteller-blue.demo.local", "colorteller-blue-vn" },
  { "colorteller-white.demo.local", "colorteller-white-vn" },
  { "tcpecho.demo.local", "tcpecho-vn" },
}

describe("a 1,000-update run", function()
  local emu = integration.emulator_fixture({ state = integration.SEED, keep_state = true })

  it("uses one keep-alive connection for all 1,000 updates, each once", function()
    local before = {}
    for _, s in ipairs(SERVICES) do
      before[s[1]] = math.tointeger(emu.service(integration.MESH, s[1]).metadata.version)
    end
    local connections_before = emu.control("GET", "info").connections
    local c = assert(appmesh.client(integration.client_options(emu)))
    local last = {}
    for i = 1, RUNS do
      local s = SERVICES[(i - 1) % #SERVICES + 1]
      -- every pass over the services flips them between their node and the router
      local to_router = ((i - 1) // #SERVICES) % 2 == 0
      local provider = to_router and { router = "colorteller-vr" } or { node = s[2] }
      local vs, info = c:update_virtual_service(integration.params(s[1], provider))
      if not vs then
        error("update " .. i .. " failed: " .. tostring(info))
      end
      if info.attempts ~= 1 then
        error("update " .. i .. " took " .. info.attempts .. " attempts")
      end
      last[s[1]] = vs.metadata.version
    end
    c:close()
    -- the emulator counts every connection it accepted: the client's one, and this request's own
    assert.equal(connections_before + 2, emu.control("GET", "info").connections)

    local log = emu.log()
    assert.equal(RUNS, #log)
    local tokens = {}
    local ntokens = 0
    for i, entry in ipairs(log) do
      if entry.connection ~= log[1].connection or entry.status ~= 200 then
        error(("log entry %d: connection %s, status %s (the first was on connection %s)"):format(
          i, tostring(entry.connection), tostring(entry.status), tostring(log[1].connection)))
      end
      if not tokens[entry.clientToken] then
        tokens[entry.clientToken] = true
        ntokens = ntokens + 1
      end
    end
    assert.equal(RUNS, ntokens) -- a fresh clientToken per update
    for _, s in ipairs(SERVICES) do
      local n = RUNS // #SERVICES
      assert.equal(before[s[1]] + n, last[s[1]])
      assert.equal(before[s[1]] + n,
        math.tointeger(emu.service(integration.MESH, s[1]).metadata.version))
    end
  end)
end)
