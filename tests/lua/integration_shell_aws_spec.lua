-- SPDX-License-Identifier: MIT
-- The `appmesh` shell command beside `aws appmesh` (an AWS CLI v2, e.g. Debian's awscli) against
-- the local emulator: the same commands through both, and what they print compared. Skipped,
-- with the reason, when no AWS CLI v2 is installed.
local integration = dofile("tests/lua/integration.lua")
if not integration.enabled then
  return -- run by the CTest integration.shell_aws (see tests/lua/integration.lua)
end

local cjson = require "cjson"
local shell = dofile("tests/lua/shell_helpers.lua")

local MESH, SERVICE = shell.MESH, shell.SERVICE
local run, appmesh, keys_at = shell.run, shell.appmesh, shell.keys_at

describe("appmesh beside aws appmesh", function()
  local emu = integration.emulator_fixture({ state = integration.SEED })

  describe("compared with the AWS CLI", function()
    -- An AWS CLI v2 (Debian's awscli, or one on PATH): appmesh prints what v2 prints (v1
    -- prints timestamps and skeletons differently), so an AWS CLI v1 is not compared with.
    local aws, why = nil, "no AWS CLI installed (apt-get install awscli): comparison skipped"
    -- APPMESH_AWS_CLI names the one to use (e.g. a path that does not exist, to skip).
    local candidates = { "/usr/bin/aws", "aws" }
    if os.getenv("APPMESH_AWS_CLI") then
      candidates = { os.getenv("APPMESH_AWS_CLI") }
    end
    for _, candidate in ipairs(candidates) do
      local out, ok = integration.run(shell.q(candidate) .. " --version 2>&1")
      local v = ok and out:match("^aws%-cli/(%d+)")
      if v == "2" then
        aws = candidate
        break
      elseif v then
        why = "only an AWS CLI v" .. v .. " installed (" .. candidate .. "): appmesh prints "
          .. "what v2 prints; comparison skipped"
      end
    end

    local function instant(s)
      if type(s) ~= "string" then
        return s
      end
      local y, mo, d, h, mi, sec, frac, sign, oh, om =
        s:match("^(%d+)-(%d+)-(%d+)T(%d+):(%d+):(%d+)(%.?%d*)([%+%-])(%d+):(%d+)$")
      if not y then
        return s
      end
      local t = os.time { year = y, month = mo, day = d, hour = h, min = mi, sec = sec }
      local utc = os.time(os.date("!*t", t))
      local off = (tonumber(oh) * 3600 + tonumber(om) * 60) * (sign == "-" and -1 or 1)
      return (t - (utc - t)) - off + (tonumber("0" .. frac) or 0)
    end

    local function normalise(v, key)
      if type(v) == "table" then
        local t = {}
        for k, x in pairs(v) do
          t[k] = normalise(x, k)
        end
        return t
      end
      if key == "createdAt" or key == "lastUpdatedAt" then
        return math.floor((tonumber(instant(v)) or 0) * 1000 + 0.5)
      end
      return v
    end

    local function both(args)
      local a = { table.unpack(args) }
      a[#a + 1] = "--endpoint-url"
      a[#a + 1] = emu.url
      local out1, err1, code1 = appmesh(a)
      local out2, err2, code2 = run(aws .. " appmesh", a)
      return { out = out1, err = err1, code = code1 }, { out = out2, err = err2, code = code2 }
    end

    local commands = {
      { "describe-virtual-service", "--mesh-name", MESH, "--virtual-service-name", SERVICE },
      { "describe-mesh", "--mesh-name", MESH },
      { "list-meshes" },
      { "list-virtual-services", "--mesh-name", MESH },
      { "list-virtual-services", "--mesh-name", MESH, "--page-size", "2", "--max-items", "3" },
      { "list-virtual-services", "--mesh-name", MESH, "--limit", "2" },
      { "list-virtual-services", "--mesh-name", MESH, "--max-items", "2" },
      { "describe-virtual-router", "--mesh-name", MESH, "--virtual-router-name", "colorteller-vr" },
      { "describe-virtual-node", "--mesh-name", MESH, "--virtual-node-name",
        "colorteller-blue-vn" },
    }
    for _, c in ipairs(commands) do
      it("prints what aws appmesh prints: " .. table.concat(c, " "), function()
        if not aws then
          pending(why)
          return
        end
        local mine, theirs = both(c)
        assert.are.equal(theirs.code, mine.code, mine.err .. theirs.err)
        if mine.code ~= 0 then
          return
        end
        assert.are.equal(theirs.out, mine.out)
      end)
    end

    it("fails as aws appmesh fails: the same stderr and exit status", function()
      if not aws then
        pending(why)
        return
      end
      local mine, theirs = both { "describe-virtual-service", "--mesh-name", MESH,
        "--virtual-service-name", "nope" }
      assert.are.equal(theirs.code, mine.code)
      assert.are.equal(theirs.err, mine.err)
      mine, theirs = both { "describe-virtual-service", "--mesh-name", MESH }
      assert.are.equal(theirs.code, mine.code)
    end)

    it("writes what aws appmesh writes: create and update through both", function()
      if not aws then
        pending(why)
        return
      end
      local spec = '{"provider": {"virtualRouter": {"virtualRouterName": "colorteller-vr"}}}'
      local mine, theirs = both { "update-virtual-service", "--mesh-name", MESH,
        "--virtual-service-name", SERVICE, "--spec", spec }
      assert.are.equal(0, mine.code, mine.err)
      assert.are.equal(0, theirs.code, theirs.err)
      local a, b = cjson.decode(mine.out), cjson.decode(theirs.out)
      assert.are.equal(a.virtualService.metadata.version + 1, b.virtualService.metadata.version)
      a.virtualService.metadata.version, b.virtualService.metadata.version = nil, nil
      a.virtualService.metadata.lastUpdatedAt, b.virtualService.metadata.lastUpdatedAt = nil, nil
      assert.are.same(normalise(b), normalise(a))
      mine = { appmesh { "create-virtual-service", "--mesh-name", MESH, "--virtual-service-name",
        "a.demo.local", "--spec", spec, "--tags", "key=team,value=a", "--endpoint-url", emu.url } }
      theirs = { run(aws .. " appmesh", { "create-virtual-service", "--mesh-name", MESH,
        "--virtual-service-name", "b.demo.local", "--spec", spec, "--tags", "key=team,value=a",
        "--endpoint-url", emu.url }) }
      assert.are.equal(0, mine[3], mine[2])
      assert.are.equal(0, theirs[3], theirs[2])
      assert.are.same(keys_at(theirs[1], 8), keys_at(mine[1], 8))
    end)

    it("creates and deletes as aws appmesh does: the same text, names, ids and times aside",
    function()
      if not aws then
        pending(why)
        return
      end
      local function blank(text, name)
        return (text:gsub(name, "NAME")
          :gsub('"uid": "[^"]*"', '"uid": ""')
          :gsub('"(%w+At)": "[^"]*"', '"%1": ""'))
      end
      local creates = {
        { "create-mesh", "--mesh-name", "@", "--spec", '{"egressFilter": {"type": "ALLOW_ALL"}}' },
        { "create-virtual-node", "--mesh-name", MESH, "--virtual-node-name", "@", "--spec",
          '{"listeners": [{"portMapping": {"port": 8080, "protocol": "http"}}], '
            .. '"serviceDiscovery": {"dns": {"hostname": "h.local"}}, '
            .. '"backends": [{"virtualService": {"virtualServiceName": "tcpecho.demo.local"}}]}' },
        { "create-virtual-router", "--mesh-name", MESH, "--virtual-router-name", "@", "--spec",
          "{\"listeners\": [{\"portMapping\": {\"port\": 80, \"protocol\": \"http\"}}]}" },
        { "create-virtual-service", "--mesh-name", MESH, "--virtual-service-name", "@",
          "--spec", "{}", "--tags", "key=a,value=b" },
        { "delete-virtual-service", "--mesh-name", MESH, "--virtual-service-name", "@" },
      }
      for _, c in ipairs(creates) do
        local function with(name)
          local a = {}
          for i, x in ipairs(c) do
            a[i] = x == "@" and name or x
          end
          a[#a + 1] = "--endpoint-url"
          a[#a + 1] = emu.url
          return a
        end
        local out1, err1, code1 = appmesh(with("mine-x"))
        local out2, err2, code2 = run(aws .. " appmesh", with("theirs-x"))
        assert.are.equal(0, code1, err1)
        assert.are.equal(0, code2, err2)
        assert.are.equal(blank(out2, "theirs%-x"), blank(out1, "mine%-x"), c[1])
      end
    end)

    it("generates the same skeletons (enum values aside: the AWS CLI picks one at random)",
    function()
      if not aws then
        pending(why)
        return
      end
      local function blank(v)
        if type(v) == "table" then
          local t = {}
          for k, x in pairs(v) do
            t[k] = blank(x)
          end
          return t
        end
        return type(v) == "string" and "" or v
      end
      for _, op in ipairs { "create-virtual-node", "update-route", "create-gateway-route",
          "tag-resource", "list-meshes", "create-virtual-gateway" } do
        local mine = appmesh { op, "--generate-cli-skeleton" }
        local theirs = run(aws .. " appmesh", { op, "--generate-cli-skeleton" })
        assert.are.same(blank(cjson.decode(theirs)), blank(cjson.decode(mine)), op)
        assert.are.same(keys_at(theirs, 4), keys_at(mine, 4), op)
      end
    end)
  end)
end)
