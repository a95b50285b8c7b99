-- SPDX-License-Identifier: MIT
-- appmesh.runner, the steps the three scripts share: the client from the flags, loading the
-- manifest with the selection helpers and the policy arguments, validating every entry before
-- anything is sent, describing the current services, and the one-line messages. A client made
-- of Lua functions stands in for App Mesh where a call would be sent.
local appmesh = require "appmesh"
local runner = require "appmesh.runner"
local sh = dofile("tests/lua/scripts_helpers.lua")

local NODE = { provider = { virtualNode = { virtualNodeName = "vn" } } }

local function entry(name, mesh)
  return { meshName = mesh or "m", virtualServiceName = name, spec = NODE }
end

--- A client whose describes answer from `live` (name -> spec) and fail for the others.
local function fake_client(live)
  local c = { describes = {} }
  function c:describe_virtual_service(p)
    self.describes[#self.describes + 1] = p
    if live[p.virtualServiceName] then
      return { meshName = p.meshName, virtualServiceName = p.virtualServiceName,
        spec = live[p.virtualServiceName] }
    end
    return nil, { code = "NotFoundException", message = "no " .. p.virtualServiceName }
  end
  return c
end

describe("runner.client and runner.sys", function()
  it("makes a client for --endpoint and --region", function()
    local c = assert(runner.client { endpoint = "http://127.0.0.1:1", region = "eu-west-1" })
    assert.equal("appmesh.Client (eu-west-1, http://127.0.0.1:1)", tostring(c))
    c:close()
  end)

  it("says why it cannot make a client", function()
    assert.same({ nil, "cannot make a client: EndpointError: invalid endpoint URL 'ftp://x': "
      .. "the scheme must be http or https (from the endpoint option)" },
      { runner.client { endpoint = "ftp://x", region = "us-east-1" } })
  end)

  it("hands over the binding's OS calls, or says the module is too old", function()
    assert.equal(appmesh._os, runner.sys())
    local saved = package.loaded.appmesh
    package.loaded.appmesh = {} -- a binding without appmesh._os
    local got = { runner.sys() }
    package.loaded.appmesh = saved
    assert.same({ nil, "the appmesh module is too old for this script (no appmesh._os)" }, got)
  end)
end)

describe("runner.validate", function()
  local client
  setup(function()
    client = assert(appmesh.client { region = "us-east-1", endpoint = "http://127.0.0.1:1",
      credentials = { accessKeyId = "AKIDEXAMPLE", secretAccessKey = "secret" } })
  end)
  teardown(function()
    client:close()
  end)

  it("accepts entries the binding would send, and leaves them as they were", function()
    local items = { { params = entry("a.local"), token = "t1" },
      { params = entry("b.local"), token = "t2" } }
    assert.is_true(runner.validate(client, items))
    assert.is_nil(items[1].params.clientToken)
  end)

  it("names the first entry the binding refuses, by its where or its place", function()
    local long = string.rep("x", 37)
    assert.same({ nil, "m.json:3: clientToken must be 1 to 36 characters, got 37" },
      { runner.validate(client, { { params = entry("a.local"), token = "t" },
        { params = entry("b.local"), token = long, where = "m.json:3" } },
        { "updates[1]", "updates[2]" }) })
    assert.same({ nil, "updates[1]: clientToken must be 1 to 36 characters, got 37" },
      { runner.validate(client, { { params = entry("a.local"), token = long } },
        { "updates[1]" }) })
  end)

  it("stops on any other failure to prepare a request", function()
    local broken = {
      update_virtual_service = function()
        return nil, setmetatable({ code = "CredentialsError", message = "none" }, {
          __tostring = function(e)
            return e.code .. ": " .. e.message
          end,
        })
      end,
    }
    assert.same({ nil, "cannot prepare the requests: CredentialsError: none" },
      { runner.validate(broken, { { params = entry("a.local"), token = "t" } }) })
  end)
end)

describe("runner.describe", function()
  local function items()
    return { { params = entry("a.local") }, { params = entry("b.local") },
      { params = entry("gone.local") } }
  end

  it("fills each item's current state, from the cache when it is there", function()
    local c = fake_client { ["a.local"] = NODE, ["b.local"] = {} }
    local list = items()
    local cached = { spec = { cached = true } }
    local steps = 0
    runner.describe(c, list, {}, { ["m/a.local"] = cached }, nil, function()
      steps = steps + 1
    end)
    assert.equal(cached, list[1].current)
    assert.same({}, list[2].current.spec)
    assert.is_nil(list[3].current)
    assert.same({ code = "NotFoundException", message = "no gone.local" },
      list[3].describe_error)
    assert.equal(2, #c.describes) -- not a.local
    assert.equal(3, steps)
  end)

  it("hands each state to `each` with the item's place instead of storing it", function()
    local c = fake_client { ["a.local"] = NODE, ["b.local"] = {} }
    local list = items()
    local seen = {}
    runner.describe(c, list, { concurrency = 2 }, nil, function(item, current, i)
      seen[i] = item.params.virtualServiceName .. "=" .. tostring(current.spec == NODE)
    end)
    assert.same({ "a.local=true", "b.local=false" }, seen)
    assert.is_nil(list[1].current)
    assert.is_table(list[3].describe_error)
  end)
end)

describe("runner's small helpers", function()
  it("lists the meshes of items or params with their owner, or false", function()
    assert.same({ m = "123", n = false }, runner.meshes { { params = entry("a", "n") },
      { meshName = "m", meshOwner = "123" } })
  end)

  it("writes an error table as CODE: message", function()
    assert.equal("NotFoundException: gone",
      runner.error_text { code = "NotFoundException", message = "gone" })
    assert.equal("plain", runner.error_text("plain"))
  end)

  it("prints NAME: message on stderr, escaped, and returns 2", function()
    local status, out, err = sh.captured(runner.fail, "bulk_update.lua", "bad\27[31m\nname")
    assert.equal(2, status)
    assert.equal("", out)
    assert.equal("bulk_update.lua: bad\\x1b[31m\\nname\n", err)
  end)
end)

describe("runner.load", function()
  teardown(sh.cleanup)

  local function no_client()
    error("no client is needed")
  end

  it("merges the manifest's policy_args under --policy-arg, warning when no rule reads them",
    function()
      local path = sh.file("m.json", [[{"policy_args": {"a": 1, "b": "m"},
        "updates": [{"meshName": "m", "virtualServiceName": "a.local", "spec": {}}]}]])
      local run = assert(runner.load(path, { policy_arg = { "a=2", "c=[1]" } }, no_client))
      assert.equal(1, #run.manifest.entries)
      assert.same({}, run.rules)
      assert.same({ a = 2, b = "m", c = { 1 } }, run.args)
      assert.same({ a = 1, b = "m" }, run.manifest.policy_args) -- the manifest's own is kept
      assert.same({ "policy argument 'a' is ignored: no --policy is loaded",
        "policy argument 'b' is ignored: no --policy is loaded",
        "policy argument 'c' is ignored: no --policy is loaded" }, run.warnings)
    end)

  it("gives a Lua manifest services{}, describing through the client it makes on demand",
    function()
      local c = fake_client { ["a.local"] = NODE, ["b.local"] = {} }
      function c.list_virtual_services()
        return { virtualServices = { entry("b.local"), entry("a.local") } }
      end
      local made = 0
      local path = sh.file("m.lua", [[
return { defaults = { spec = {} }, updates = services{ meshName = "m", virtualNode = "vn" } }]])
      local run = assert(runner.load(path, {}, function()
        made = made + 1
        return c
      end))
      assert.equal(1, made)
      assert.equal(1, #run.manifest.entries)
      assert.equal("a.local", run.manifest.entries[1].virtualServiceName)
      assert.equal(NODE, run.cache["m/a.local"].spec) -- runner.describe will not ask again
      assert.same({}, run.cache["m/b.local"].spec)
    end)

  it("stops at the first thing it cannot load", function()
    local good = sh.file("m.json",
      [=[[{"meshName": "m", "virtualServiceName": "a", "spec": {}}]]=])
    local _, err = runner.load("/nonexistent/m.json", {}, no_client)
    assert.equal("cannot read manifest: /nonexistent/m.json: No such file or directory", err)
    _, err = runner.load(good, { policy = { "/nonexistent/p.lua" } }, no_client)
    assert.truthy(err:find("/nonexistent/p.lua", 1, true), err)
    assert.same({ nil, "--policy-arg: expected KEY=VALUE, got 'x'" },
      { runner.load(good, { policy_arg = { "x" } }, no_client) })
    local rule = sh.file("p.lua", [[return { { name = "r", severity = "deny",
      args = { min = { required = true } },
      check = function() end } }]])
    _, err = runner.load(good, { policy = { rule } }, no_client)
    assert.truthy(err:find("rule 'r' needs the policy argument 'min'", 1, true), err)
  end)
end)
