-- SPDX-License-Identifier: MIT
-- The client against the emulator over TLS (--tls): its generated CA as ca_bundle verifies,
-- the default trust store does not, verify_tls = false skips the check.
local integration = dofile("tests/lua/integration.lua")
if not integration.enabled then
  return -- run by the CTest integration.tls (see tests/lua/integration.lua)
end
local appmesh = require "appmesh"

describe("the client against the emulator over TLS", function()
  local emu = integration.emulator_fixture({ state = integration.SEED, tls = true })

  local function switch(c)
    return c:update_virtual_service(integration.params("colorteller-red.demo.local",
      { router = "colorteller-vr" }))
  end

  it("serves https with a CA of its own", function()
    assert.matches("^https://127%.0%.0%.1:%d+$", emu.url)
    assert.matches("^/.+%.pem$", emu.ca)
    assert.is_string(integration.read_file(emu.ca):match("BEGIN CERTIFICATE"))
  end)

  it("verifies the server with ca_bundle = the emulator's CA", function()
    local c = assert(appmesh.client(integration.client_options(emu)))
    local vs, info = switch(c)
    c:close()
    assert.is_table(vs, tostring(info))
    assert.equal(1, info.attempts)
    assert.same({ virtualRouter = { virtualRouterName = "colorteller-vr" } },
      emu.service(integration.MESH, "colorteller-red.demo.local").spec.provider)
  end)

  it("fails verification without the CA: TransportError naming TLS, nothing reaches the API",
    function()
      local failures = emu.control("GET", "info").tlsHandshakeFailures
      local c = assert(appmesh.client(integration.client_options(emu,
        { ca_bundle = false, max_attempts = 2 })))
      local vs, err = switch(c)
      c:close()
      assert.is_nil(vs)
      assert.equal("TransportError", err.code)
      assert.matches("TLS", err.message)
      assert.matches("certificate", err.message)
      assert.is_nil(err.httpStatus)
      assert.equal(2, err.attempts)
      assert.same({}, emu.log())
      assert.is_true(emu.control("GET", "info").tlsHandshakeFailures > failures)
    end)

  it("fails verification with a CA bundle that did not sign the server", function()
    local other = integration.start_emulator({ tls = true })
    local c = assert(appmesh.client(integration.client_options(emu,
      { ca_bundle = other.ca, max_attempts = 1 })))
    local vs, err = switch(c)
    c:close()
    other.stop()
    assert.is_nil(vs)
    assert.equal("TransportError", err.code)
    assert.matches("TLS", err.message)
  end)

  it("skips verification with verify_tls = false", function()
    local c = assert(appmesh.client(integration.client_options(emu,
      { ca_bundle = false, verify_tls = false })))
    local vs, info = switch(c)
    c:close()
    assert.is_table(vs, tostring(info))
    assert.equal(200, info.httpStatus)
  end)

  it("takes the CA from AWS_CA_BUNDLE (appmesh-lua, configured from the environment)", function()
    local q = integration.shell_quote
    local code = [[
      local vs, info = require("appmesh").update_virtual_service{ meshName = "demo-mesh",
        virtualServiceName = "colorteller-blue.demo.local",
        spec = { provider = { virtualRouter = { virtualRouterName = "colorteller-vr" } } } }
      print(vs and vs.metadata.version or tostring(info))
    ]]
    local function run(ca)
      return integration.run(table.concat({
        "AWS_ENDPOINT_URL_APP_MESH=" .. q(emu.url), "AWS_REGION=us-east-1", "AWS_MAX_ATTEMPTS=1",
        "AWS_ACCESS_KEY_ID=" .. q(integration.ACCESS_KEY),
        "AWS_SECRET_ACCESS_KEY=" .. q(integration.SECRET_KEY),
        ca and ("AWS_CA_BUNDLE=" .. q(ca)) or "",
        q(integration.build .. "/appmesh-lua"), "-e", q(code), "2>&1" }, " "))
    end
    local out, ok = run(emu.ca)
    assert.is_true(ok, out)
    assert.equal("2\n", out)
    out = run(nil)
    assert.matches("^TransportError: TLS certificate verification failed", out)
  end)

  it("keeps one TLS connection alive across calls", function()
    local c = assert(appmesh.client(integration.client_options(emu)))
    for i = 1, 50 do
      local provider = i % 2 == 0 and { router = "colorteller-vr" }
        or { node = "colorteller-red-vn" }
      local vs, info = c:update_virtual_service(integration.params("colorteller-red.demo.local",
        provider))
      assert.is_table(vs, tostring(info))
    end
    c:close()
    local log = emu.log()
    assert.equal(50, #log)
    for _, entry in ipairs(log) do
      assert.equal(log[1].connection, entry.connection)
    end
  end)
end)
