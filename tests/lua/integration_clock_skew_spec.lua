-- SPDX-License-Identifier: MIT
-- Clock skew against the emulator's --clock-offset: the first call is refused as expired (or not
-- yet current), corrected from the Date header and retried at once; later calls are signed right.
local integration = dofile("tests/lua/integration.lua")
if not integration.enabled then
  return -- run by the CTest integration.clock_skew (see tests/lua/integration.lua)
end
local appmesh = require "appmesh"

local SERVICE = "colorteller-red.demo.local"

for _, offset in ipairs({ 3600, -3600 }) do
  describe("a client whose clock is " .. (offset > 0 and "an hour behind" or "an hour ahead"), function()
    local emu = integration.emulator_fixture({
      state = integration.SEED,
      args = { "--clock-offset", tostring(offset) },
    })

    it("updates in 2 attempts, and the next call takes 1 (blocking driver)", function()
      local c = assert(appmesh.client(integration.client_options(emu)))
      local vs, info = c:update_virtual_service(integration.params(SERVICE, { router = "colorteller-vr" }))
      assert.is_truthy(vs, tostring(info))
      assert.equal(2, info.attempts)
      local vs2, info2 = c:describe_virtual_service({
        meshName = integration.MESH, virtualServiceName = SERVICE,
      })
      assert.is_truthy(vs2, tostring(info2))
      assert.equal(1, info2.attempts)
      c:close()
      local log = emu.log()
      assert.equal(3, #log)
      assert.equal(403, log[1].status)
      assert.equal("InvalidSignatureException", log[1].errorCode)
      assert.equal(200, log[2].status)
      assert.equal(log[1].clientToken, log[2].clientToken)
      assert.equal(200, log[3].status)
    end)

    it("updates in 2 attempts in a scheduler task (concurrent driver)", function()
      local c = assert(appmesh.client(integration.client_options(emu)))
      local vs, info = appmesh.run(function()
        return c:update_virtual_service(integration.params(SERVICE, { node = "colorteller-red-vn" }))
      end)
      assert.is_truthy(vs, tostring(info))
      assert.equal(2, info.attempts)
      local results = appmesh.map({ 1, 2, 3 }, function()
        local _, i = assert(c:describe_virtual_service({
          meshName = integration.MESH, virtualServiceName = SERVICE,
        }))
        return i.attempts
      end, { concurrency = 3 })
      assert.same({ 1, 1, 1 }, { results[1], results[2], results[3] })
      c:close()
    end)

    it("fails with the service's error when the retry is refused too", function()
      -- A fault that answers every App Mesh request with a skew error dated by the emulator.
      emu.fault({
        kind = "error", status = 403, code = "RequestTimeTooSkewed",
        message = "The difference between the request time and the current time is too large",
      })
      local c = assert(appmesh.client(integration.client_options(emu)))
      local vs, err = c:update_virtual_service(integration.params(SERVICE, { router = "colorteller-vr" }))
      assert.is_nil(vs)
      assert.equal("RequestTimeTooSkewed", err.code)
      assert.equal(2, err.attempts)
      c:close()
    end)
  end)
end
