-- SPDX-License-Identifier: MIT
-- appmesh.manifest: JSON and Lua manifests, defaults, and the errors (file and line) for bad ones.
local manifest = require "appmesh.manifest"
local sh = dofile("tests/lua/scripts_helpers.lua")

local NODE = { provider = { virtualNode = { virtualNodeName = "vn" } } }

describe("manifest.load", function()
  teardown(sh.cleanup)

  it("reads a JSON manifest and fills missing keys from defaults", function()
    local path = sh.file("m.json", [[
{"defaults": {"meshName": "m", "spec": {"provider": {"virtualNode": {"virtualNodeName": "vn"}}}},
 "updates": [{"virtualServiceName": "a.local"},
             {"virtualServiceName": "b.local", "meshName": "other", "spec": {}}]}]])
    local m = assert(manifest.load(path))
    assert.same({
      { meshName = "m", virtualServiceName = "a.local", spec = NODE },
      { meshName = "other", virtualServiceName = "b.local", spec = {} },
    }, m.entries)
    assert.equal(path .. ":2: updates[1]", m.where[1])
    assert.equal(path .. ":3: updates[2]", m.where[2])
  end)

  it("gives each entry its own copy of a default", function()
    local path = sh.file("m.json", [[{"defaults": {"meshName": "m", "spec": {}},
      "updates": [{"virtualServiceName": "a"}, {"virtualServiceName": "b"}]}]])
    local m = assert(manifest.load(path))
    assert.are_not.equal(m.entries[1].spec, m.entries[2].spec)
  end)

  it("shares a default between entries when asked to (shared = true)", function()
    local path = sh.file("m.json", [[{"defaults": {"meshName": "m", "spec": {}}, "updates": [
      {"virtualServiceName": "a"}, {"virtualServiceName": "b", "spec": {}},
      {"virtualServiceName": "c"}]}]])
    local m = assert(manifest.load(path, { shared = true }))
    assert.same(assert(manifest.load(path)).entries, m.entries)
    assert.equal(m.entries[1].spec, m.entries[3].spec)
    assert.are_not.equal(m.entries[1].spec, m.entries[2].spec)
  end)

  it("reads a bare JSON list", function()
    local path = sh.file("m.json",
      [=[[{"meshName": "m", "virtualServiceName": "a", "spec": {}}]]=])
    local m = assert(manifest.load(path))
    assert.equal(1, #m.entries)
    assert.same({}, m.policy_args)
  end)

  it("reads one entry in the form aws appmesh update-virtual-service --cli-input-json takes",
    function()
      local path = sh.file("m.json", [[{"meshName": "m", "virtualServiceName": "a.local",
        "spec": {"provider": {"virtualNode": {"virtualNodeName": "vn"}}}, "meshOwner": "123"}]])
      local m = assert(manifest.load(path))
      assert.same({ { meshName = "m", virtualServiceName = "a.local", spec = NODE,
        meshOwner = "123" } }, m.entries)
      local bad = sh.file("m.json", [[{"meshName": "m", "virtualServiceName": "a", "spec": {},
        "tags": []}]])
      local _, err = manifest.load(bad)
      assert.truthy(err:find("updates[1]: unknown key 'tags'", 1, true), err)
    end)

  it("treats a JSON null member as absent", function()
    local path = sh.file("m.json", [=[[{"meshName": "m", "virtualServiceName": "a",
      "meshOwner": null, "spec": {}}]]=])
    local m = assert(manifest.load(path))
    assert.is_nil(m.entries[1].meshOwner)
  end)

  it("keeps policy_args", function()
    local path = sh.file("m.json", [[{"policy_args": {"allowed_meshes": ["m"]},
      "updates": [{"meshName": "m", "virtualServiceName": "a", "spec": {}}]}]])
    assert.same({ allowed_meshes = { "m" } }, assert(manifest.load(path)).policy_args)
  end)

  it("reads a Lua manifest that builds its entries", function()
    local path = sh.file("m.lua", [[
local updates = {}
for i = 1, 3 do
  updates[#updates + 1] = { virtualServiceName = string.format("svc-%d.local", i) }
end
return { defaults = { meshName = "m", spec = {} }, updates = updates }
]])
    local m = assert(manifest.load(path))
    assert.equal(3, #m.entries)
    assert.equal("svc-3.local", m.entries[3].virtualServiceName)
    assert.equal(path .. ": updates[3]", m.where[3])
  end)

  it("gives a Lua manifest the helpers it is passed", function()
    local path = sh.file("m.lua", [[
return { defaults = { spec = {} }, updates = services{ meshName = "m" } }]])
    local m = assert(manifest.load(path, { helpers = {
      services = function(f)
        return { { meshName = f.meshName, virtualServiceName = "picked" } }
      end,
    } }))
    assert.equal("picked", m.entries[1].virtualServiceName)
  end)

  it("stops a Lua manifest that never returns, even through pcall", function()
    local limits = { instructions = 100000, seconds = 5 }
    for _, body in ipairs({ "while true do end", "pcall(function() while true do end end)" }) do
      local path = sh.file("loop.lua", body .. "\nreturn {}\n")
      local m, err = manifest.load(path, { limits = limits })
      assert.is_nil(m)
      assert.equal(path .. ": stopped after 100000 instructions (the limit)", err)
    end
  end)

  it("loads a 10,000-entry Lua manifest within the default limits", function()
    local path = sh.file("many.lua", [[
local updates = {}
for i = 1, 10000 do
  updates[i] = { meshName = "m", virtualServiceName = "svc-" .. i, spec = {} }
end
return { updates = updates }]])
    local m = assert(manifest.load(path))
    assert.equal(10000, #m.entries)
  end)

  local failures = {
    { "a JSON syntax error with its line and column", "m.json",
      '{"updates": [\n  {"meshName": "m",,}\n]}',
      ":2:20: Expected object key string but found ','" },
    { "a JSON document cut short", "m.json", '{"updates": [', ":1:14: Expected value" },
    { "a Lua syntax error with its line", "m.lua", "return {\n  updates = {\n}}}\n",
      ":3: <eof> expected" },
    { "a Lua runtime error with its line", "m.lua", "local x = nil\nreturn x.y\n",
      ":2: attempt to index" },
    { "a Lua manifest that returns no table", "m.lua", "return 42",
      ": the manifest must return a table, got number" },
    { "a Lua manifest that reaches for io", "m.lua", "io.write('x')\nreturn {}",
      ":1: attempt to index a nil value (global 'io')" },
    { "an unknown top-level key", "m.json", '{"update": []}', ": unknown key 'update'" },
    { "a missing updates list", "m.json", '{"defaults": {}}', ": 'updates' is missing" },
    { "an empty bare list", "m.json", "[]", ": no updates (the list is empty)" },
    { "an empty updates list", "m.json", '{"updates": []}', ": no updates (the list is empty)" },
    { "an empty object", "m.json", "{}", ": no updates (the list is empty)" },
    { "an empty Lua list", "m.lua", "return { updates = {} }", ": no updates (the list is empty)" },
    { "updates that are not a list", "m.json", '{"updates": {"a": 1}}',
      ": 'updates' must be a list" },
    { "an unknown entry key with the entry's line", "m.json",
      '{"updates": [\n {"meshName": "m", "virtualServiceName": "a", "spec": {}},\n'
        .. ' {"meshName": "m", "virtualServiceName": "b", "spec": {}, "specc": {}}]}',
      ":3: updates[2]: unknown key 'specc'" },
    { "an unknown key deep in the spec", "m.json",
      '[{"meshName": "m", "virtualServiceName": "a",\n "spec": {"provider": '
        .. '{"virtualNode": {"name": "x"}}}}]',
      ":1: updates[1]: spec.provider.virtualNode: unknown key 'name' (known: virtualNodeName)" },
    { "a value of the wrong type", "m.json", '[{"meshName": 5, "virtualServiceName": "a", '
      .. '"spec": {}}]', "updates[1]: meshName: expected a string, got number" },
    { "an entry that is not an object", "m.json", '[["m"]]',
      "updates[1]: expected an object, got a list" },
    { "a missing meshName", "m.json", '[{"virtualServiceName": "a", "spec": {}}]',
      "updates[1]: 'meshName' is missing (and not in defaults)" },
    { "a missing spec", "m.json", '[{"meshName": "m", "virtualServiceName": "a"}]',
      "updates[1]: 'spec' is missing (and not in defaults)" },
    { "an unknown key in defaults", "m.json",
      '{"defaults": {"mesh": "m"}, "updates": [{"meshName": "m", "virtualServiceName": "a", '
        .. '"spec": {}}]}', ": defaults: unknown key 'mesh'" },
    { "policy_args that are not an object", "m.json", '{"policy_args": [1], "updates": '
      .. '[{"meshName": "m", "virtualServiceName": "a", "spec": {}}]}',
      ": 'policy_args' must be an object" },
    { "duplicate entries, naming both", "m.json",
      '{"defaults": {"meshName": "m", "spec": {}}, "updates": [\n'
        .. ' {"virtualServiceName": "a"},\n {"virtualServiceName": "b"},\n'
        .. ' {"virtualServiceName": "a"}]}',
      ":4: updates[3]: duplicate entry m/a (first at " },
  }
  for _, case in ipairs(failures) do
    it("refuses " .. case[1], function()
      local path = sh.file(case[2], case[3])
      local m, err = manifest.load(path)
      assert.is_nil(m)
      assert.is_string(err)
      assert.equal(path, err:sub(1, #path), err)
      assert.truthy(err:find(case[4], 1, true), err)
    end)
  end

  it("names the first entry of a duplicate pair by its line", function()
    local path = sh.file("m.json", '[\n{"meshName": "m", "virtualServiceName": "a", "spec": {}},'
      .. '\n{"meshName": "m", "virtualServiceName": "a", "spec": {}}]')
    local _, err = manifest.load(path)
    assert.truthy(err:find("(first at " .. path .. ":2: updates[1])", 1, true), err)
  end)

  it("refuses a file it cannot read", function()
    local _, err = manifest.load("/nonexistent/m.json")
    assert.matches("cannot read manifest: /nonexistent/m.json", err, 1, true)
  end)
end)

describe("manifest.to_json", function()
  teardown(sh.cleanup)

  it("writes a manifest that loads back the same", function()
    local doc = { updates = {
      { meshName = "m", virtualServiceName = "a", spec = NODE },
      { meshName = "m", virtualServiceName = "b", meshOwner = "123456789012", spec = {} },
    } }
    local path = sh.file("r.json", manifest.to_json(doc))
    assert.same(doc.updates, assert(manifest.load(path)).entries)
  end)
end)
