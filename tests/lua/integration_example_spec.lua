-- SPDX-License-Identifier: MIT
-- End to end from the environment alone (AWS_ENDPOINT_URL_APP_MESH, AWS_REGION, the example
-- keys): the C path (build/examples/update_virtual_service) and the appmesh-lua host.
local integration = dofile("tests/lua/integration.lua")
if not integration.enabled then
  return -- run by the CTest integration.example (see tests/lua/integration.lua)
end

local q = integration.shell_quote
local EXAMPLE = integration.build .. "/examples/update_virtual_service"
local MESH = integration.MESH

describe("examples/update_virtual_service.c against the emulator", function()
  local emu = integration.emulator_fixture({ state = integration.SEED })

  --- Run the example (or `program`) with `args`; returns stdout, stderr, exit code.
  local function example(args, env, program)
    local err_path = os.tmpname()
    local vars = {
      AWS_ENDPOINT_URL_APP_MESH = emu.url,
      AWS_REGION = "us-east-1",
      AWS_ACCESS_KEY_ID = integration.ACCESS_KEY,
      AWS_SECRET_ACCESS_KEY = integration.SECRET_KEY,
      AWS_MAX_ATTEMPTS = "3",
    }
    for k, v in pairs(env or {}) do
      vars[k] = v
    end
    local cmd = {}
    for k, v in pairs(vars) do
      cmd[#cmd + 1] = k .. "=" .. q(v)
    end
    cmd[#cmd + 1] = q(program or EXAMPLE)
    for _, a in ipairs(args) do
      cmd[#cmd + 1] = q(a)
    end
    local out, _, _, code = integration.run(table.concat(cmd, " ") .. " 2>" .. q(err_path))
    local err = integration.read_file(err_path) or ""
    os.remove(err_path)
    return out, err, code
  end

  local function provider_of(name)
    return emu.service(MESH, name).spec.provider
  end

  it("switches a service to a router and back to its node", function()
    local name = "colorteller-red.demo.local"
    local before = math.tointeger(emu.service(MESH, name).metadata.version)
    local out, err, code = example({ MESH, name, "--router", "colorteller-vr" })
    assert.equal(0, code, err)
    assert.equal("", err)
    local log = emu.log()
    assert.equal(1, #log)
    assert.equal(("%s/%s -> colorteller-vr (version %d, status ACTIVE, 1 attempt(s), request %s)\n")
      :format(MESH, name, before + 1, log[1].requestId), out)
    assert.same({ virtualRouter = { virtualRouterName = "colorteller-vr" } }, provider_of(name))

    out, err, code = example({ MESH, name, "--node", "colorteller-red-vn" })
    assert.equal(0, code, err)
    assert.matches("%-> colorteller%-red%-vn %(version " .. (before + 2) .. ",", out)
    assert.same({ virtualNode = { virtualNodeName = "colorteller-red-vn" } }, provider_of(name))
  end)

  it("removes the provider with --none and passes --owner as meshOwner", function()
    local out, err, code = example({ MESH, "tcpecho.demo.local", "--none", "--owner",
      integration.ACCOUNT })
    assert.equal(0, code, err)
    assert.matches("%-> %(none%)", out)
    assert.is_nil(provider_of("tcpecho.demo.local"))
    assert.equal("meshOwner=" .. integration.ACCOUNT, emu.log()[1].query)
  end)

  it("retries a 503 and says how many attempts it took", function()
    emu.fault({ kind = "error", status = 503, count = 1 })
    local out, err, code = example({ MESH, "colorteller-blue.demo.local", "--router",
      "colorteller-vr" })
    assert.equal(0, code, err)
    assert.matches("2 attempt%(s%)", out)
    local log = emu.log()
    assert.equal(2, #log)
    assert.equal(log[1].clientToken, log[2].clientToken)
  end)

  it("exits 1 naming NotFoundException and the request for an unknown router", function()
    local out, err, code = example({ MESH, "colorteller.demo.local", "--router", "nope-vr" })
    assert.equal(1, code)
    assert.equal("", out)
    local log = emu.log()
    assert.equal(1, #log)
    assert.matches("^appmesh: NotFoundException: ", err)
    assert.matches("nope%-vr", err)
    assert.matches("%[request " .. log[1].requestId:gsub("%p", "%%%0") .. "%]\n$", err)
  end)

  it("exits 1 with InvalidSignatureException for a wrong secret, after one attempt", function()
    local _, err, code = example({ MESH, "colorteller.demo.local", "--router", "colorteller-vr" },
      { AWS_SECRET_ACCESS_KEY = "not-the-secret" })
    assert.equal(1, code)
    assert.matches("^appmesh: InvalidSignatureException: ", err)
    assert.is_nil(err:find("not-the-secret", 1, true))
    assert.equal(1, #emu.log())
  end)

  it("prints the request with --dry-run and sends nothing", function()
    local out, err, code = example({ MESH, "colorteller.demo.local", "--router", "colorteller-vr",
      "--dry-run" })
    assert.equal(0, code, err)
    assert.matches("^PUT " .. emu.url:gsub("%p", "%%%0")
      .. "/v20190125/meshes/demo%-mesh/virtualServices/colorteller%.demo%.local\n", out)
    assert.matches('"virtualRouterName":"colorteller%-vr"', out)
    assert.is_nil(out:find(integration.SECRET_KEY, 1, true))
    assert.same({}, emu.log())
  end)
end)

describe("appmesh-lua against the emulator", function()
  local emu

  lazy_setup(function()
    emu = integration.start_emulator({ state = integration.SEED })
  end)

  lazy_teardown(function()
    if emu then
      emu.stop()
    end
  end)

  it("finds the endpoint, region and keys in the environment (docs/emulator.md's recipe)", function()
    local err_path = os.tmpname()
    local code = [[
      local appmesh = require "appmesh"
      local vs, info = appmesh.update_virtual_service{ meshName = "demo-mesh",
        virtualServiceName = "colorteller-red.demo.local",
        spec = { provider = { virtualRouter = { virtualRouterName = "colorteller-vr" } } } }
      assert(vs, tostring(info))
      print(vs.spec.provider.virtualRouter.virtualRouterName, vs.metadata.version, info.attempts)
    ]]
    local out, _, _, status = integration.run(table.concat({
      "AWS_ENDPOINT_URL_APP_MESH=" .. q(emu.url), "AWS_REGION=us-east-1",
      "AWS_ACCESS_KEY_ID=" .. q(integration.ACCESS_KEY),
      "AWS_SECRET_ACCESS_KEY=" .. q(integration.SECRET_KEY),
      q(integration.build .. "/appmesh-lua"), "-e", q(code), "2>" .. q(err_path) }, " "))
    local err = integration.read_file(err_path)
    os.remove(err_path)
    assert.equal(0, status, err)
    assert.equal("colorteller-vr\t2\t1\n", out)
    assert.equal(1, #emu.log())
  end)
end)
