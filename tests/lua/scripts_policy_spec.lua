-- SPDX-License-Identifier: MIT
-- appmesh.policy: loading rule files, evaluating them under limits, and the built-in policies.
local policy = require "appmesh.policy"
local sh = dofile("tests/lua/scripts_helpers.lua")

local FAST = { limits = { instructions = 200000, seconds = 5 } }

local function node(name)
  return { provider = { virtualNode = { virtualNodeName = name } } }
end

local function router(name)
  return { provider = { virtualRouter = { virtualRouterName = name } } }
end

local function update(mesh, service, spec)
  return { meshName = mesh, virtualServiceName = service, spec = spec }
end

local function current(spec)
  return { meshName = "m", virtualServiceName = "s", spec = spec, metadata = { version = 3 } }
end

local function rules_from(text)
  local path = sh.file("p.lua", text)
  return assert(policy.load(path, FAST)), path
end

describe("policy.load", function()
  teardown(sh.cleanup)

  it("returns the rules with their source", function()
    local rules, path = rules_from([[return {
      { name = "a", severity = "deny", check = function() end },
      { name = "b", severity = "warn", check = function() end, description = "d",
        needs = { "inventory" } },
    }]])
    assert.equal(2, #rules)
    assert.equal("a", rules[1].name)
    assert.equal(path, rules[2].source)
    assert.is_true(policy.needs(rules, "inventory"))
    assert.is_false(policy.needs({ rules[1] }, "inventory"))
  end)

  local failures = {
    { "a syntax error with its line", "return {\n  { name = 'a' \n}}}", ":3:" },
    { "an error while loading, with its line", "local t = nil\nreturn t.x",
      ":2: attempt to index" },
    { "a file that never returns", "while true do end", "stopped after 200000 instructions" },
    { "a file that catches the limit with pcall and loops on",
      "while true do pcall(function() while true do end end) end",
      "stopped after 200000 instructions" },
    { "a file that returns no table", "return 'rules'", "must return a list of rules, got string" },
    { "an empty list of rules", "return {}", "the list of rules is empty" },
    { "a rule that is not a table", "return { 5 }", "rule 1: expected a table, got number" },
    { "a rule without a name", "return { { severity = 'deny', check = print } }",
      "rule 1: 'name' must be a non-empty string" },
    { "a bad severity", "return { { name = 'a', severity = 'error', check = print } }",
      "rule 1 ('a'): 'severity' must be \"deny\" or \"warn\", got \"error\"" },
    { "a check that is not a function", "return { { name = 'a', severity = 'deny' } }",
      "'check' must be a function, got nil" },
    { "an unknown key", "return { { name = 'a', severity = 'deny', check = print, level = 1 } }",
      "unknown key 'level'" },
    { "an unknown need", "return { { name = 'a', severity = 'deny', check = print, "
      .. "needs = { 'network' } } }", "unknown need 'network'" },
    { "a file that reaches for io", "io.open('/etc/passwd')\nreturn {}",
      ":1: attempt to index a nil value (global 'io')" },
  }
  for _, case in ipairs(failures) do
    it("refuses " .. case[1], function()
      local path = sh.file("p.lua", case[2])
      local rules, err = policy.load(path, FAST)
      assert.is_nil(rules)
      assert.equal(path, err:sub(1, #path), err)
      assert.truthy(err:find(case[3], 1, true), err)
    end)
  end

  it("refuses a file it cannot read", function()
    local _, err = policy.load("/nonexistent/p.lua")
    assert.truthy(err:find("/nonexistent/p.lua", 1, true), err)
  end)

  it("refuses the same rule name in two files", function()
    local a = sh.file("a.lua", "return { { name = 'x', severity = 'deny', check = print } }")
    local b = sh.file("b.lua", "return { { name = 'x', severity = 'warn', check = print } }")
    local rules, err = policy.load_all({ a, b })
    assert.is_nil(rules)
    assert.equal(b .. ": rule 'x' is already defined in " .. a, err)
  end)
end)

describe("policy.evaluate", function()
  teardown(sh.cleanup)

  local ctx = policy.context{ args = { limit = 2 }, entries = { update("m", "a", {}) } }

  it("collects denials and warnings with their rule names", function()
    local rules = rules_from([[return {
      { name = "no-a", severity = "deny", check = function(u)
          if u.virtualServiceName == "a" then return "a is not allowed" end end },
      { name = "hint", severity = "warn", check = function() return "look twice" end },
      { name = "quiet", severity = "deny", check = function() return nil end },
    }]])
    local v = assert(policy.evaluate(rules, update("m", "a", {}), nil, ctx))
    assert.same({ "no-a" }, { v.denials[1].rule })
    assert.equal("a is not allowed", v.denials[1].message)
    assert.equal(1, #v.denials)
    assert.equal("look twice", v.warnings[1].message)
    assert.equal("no-a: a is not allowed", policy.summary(v.denials))
    v = assert(policy.evaluate(rules, update("m", "b", {}), nil, ctx))
    assert.equal(0, #v.denials)
  end)

  it("passes update, current and the context", function()
    local rules = rules_from([[return {
      { name = "r", severity = "deny", check = function(u, cur, c)
          return string.format("%s %s %s %d %d %s", u.meshName, cur.metadata.version, c.mode,
            c.args.limit, c.run.meshes.m, (c.provider(u.spec))) end },
    }]])
    local v = assert(policy.evaluate(rules, update("m", "a", node("vn")), current({}), ctx))
    assert.equal("m 3 check 2 1 virtualNode", v.denials[1].message)
  end)

  it("gives each check its own copy of the entry", function()
    local rules = rules_from([[return {
      { name = "mutate", severity = "warn", check = function(u) u.meshName = "changed" end },
      { name = "see", severity = "warn", check = function(u) return u.meshName end },
    }]])
    local u = update("m", "a", {})
    local v = assert(policy.evaluate(rules, u, nil, ctx))
    assert.equal("m", v.warnings[1].message)
    assert.equal("m", u.meshName)
  end)

  it("reports a rule that raises, naming file, rule and entry", function()
    local rules, path = rules_from([[return {
      { name = "boom", severity = "deny", check = function(u) return u.spec.provider.x end },
    }]])
    local v, err = policy.evaluate(rules, update("m", "a", {}), nil, ctx, FAST)
    assert.is_nil(v)
    assert.equal(path .. ": rule 'boom' on m/a: " .. path
      .. ":2: attempt to index a nil value (field 'provider')", err)
  end)

  it("stops a rule that never returns after the instruction limit", function()
    local rules, path = rules_from([[return {
      { name = "spin", severity = "deny", check = function() while true do end end },
    }]])
    local v, err = policy.evaluate(rules, update("m", "a", {}), nil, ctx, FAST)
    assert.is_nil(v)
    assert.equal(path .. ": rule 'spin' on m/a: stopped after 200000 instructions (the limit)", err)
  end)

  it("stops a rule that swallows the limit with pcall", function()
    local rules = rules_from([[return {
      { name = "spin", severity = "deny", check = function()
          while true do pcall(function() while true do end end) end end },
    }]])
    local v, err = policy.evaluate(rules, update("m", "a", {}), nil, ctx, FAST)
    assert.is_nil(v)
    assert.truthy(err:find("stopped after 200000 instructions", 1, true), err)
  end)

  it("stops a rule that runs past the time limit", function()
    local rules = rules_from([[return {
      { name = "slow", severity = "deny", check = function() while true do end end },
    }]])
    local v, err = policy.evaluate(rules, update("m", "a", {}), nil, ctx,
      { limits = { instructions = math.maxinteger, seconds = 0.01 } })
    assert.is_nil(v)
    assert.truthy(err:find("stopped after 0.01 s (the limit)", 1, true), err)
  end)

  it("refuses a check that returns something other than nil or a string", function()
    local rules = rules_from([[return {
      { name = "num", severity = "deny", check = function() return 42 end },
    }]])
    local v, err = policy.evaluate(rules, update("m", "a", {}), nil, ctx)
    assert.is_nil(v)
    assert.truthy(err:find("rule 'num' on m/a: check returned a number", 1, true), err)
  end)

  it("treats false as no finding", function()
    local rules = rules_from([[return {
      { name = "f", severity = "deny", check = function() return false end },
    }]])
    assert.equal(0, #assert(policy.evaluate(rules, update("m", "a", {}), nil, ctx)).denials)
  end)
end)

describe("built-in policies", function()
  local function load_builtin(name)
    return assert(policy.load("scripts/policies/" .. name .. ".lua"))
  end

  local function verdict(name, u, cur, args, inventory, entries)
    local ctx = policy.context{
      args = args or {}, entries = entries or { u }, inventory = inventory,
    }
    return assert(policy.evaluate(load_builtin(name), u, cur, ctx))
  end

  local function denied(v)
    return v.denials[1] and v.denials[1].message or nil
  end

  local INV = { m = { services = 4, virtualNodes = { vn = true }, virtualRouters = { vr = true } } }

  local cases = {
    -- name, policy, update, current, args, inventory, expected denial (a substring) or nil
    { "provider_required denies a spec with no provider", "provider_required",
      update("m", "a.local", {}), nil, nil, nil, "the spec has no provider" },
    { "provider_required allows a router", "provider_required",
      update("m", "a.local", router("vr")), nil, nil, nil, nil },
    { "provider_exists denies a node the mesh does not know", "provider_exists",
      update("m", "a.local", node("ghost")), current(node("vn")), nil, INV,
      "virtualNode 'ghost' is not known in mesh 'm'" },
    { "provider_exists allows a node another service uses", "provider_exists",
      update("m", "a.local", node("vn")), current(router("vr")), nil, INV, nil },
    { "provider_exists allows a node listed in policy_args", "provider_exists",
      update("m", "a.local", node("new-vn")), current(node("vn")),
      { virtual_nodes = { "new-vn" } }, INV, nil },
    { "provider_exists reads per-mesh lists in policy_args", "provider_exists",
      update("m", "a.local", router("r2")), nil, { virtual_routers = { m = { "r1" } } }, nil,
      "virtualRouter 'r2' is not known in mesh 'm'" },
    { "provider_exists has no verdict without inventory or arguments", "provider_exists",
      update("m", "a.local", node("ghost")), nil, nil, nil, nil },
    { "provider_exists allows keeping the current provider", "provider_exists",
      update("m", "a.local", node("old")), current(node("old")), nil, INV, nil },
    { "service_name_pattern denies a name that is not DNS-like", "service_name_pattern",
      update("m", "Bad_Name", {}), nil, nil, nil, "'Bad_Name' matches none of" },
    { "service_name_pattern allows a DNS-like name", "service_name_pattern",
      update("m", "colorteller.demo.local", {}), nil, nil, nil, nil },
    { "service_name_pattern uses name_patterns", "service_name_pattern",
      update("m", "a.demo.local", {}), nil, { name_patterns = { "%.prod%.local$" } }, nil,
      "matches none of %.prod%.local$" },
    { "allowed_meshes denies a mesh not listed", "allowed_meshes",
      update("other", "a.local", {}), nil, { allowed_meshes = { "m" } }, nil,
      "mesh 'other' is not in allowed_meshes (m)" },
    { "allowed_meshes allows a listed mesh", "allowed_meshes",
      update("m", "a.local", {}), nil, { allowed_meshes = { "x", "m" } }, nil, nil },
    { "allowed_meshes denies everything until configured", "allowed_meshes",
      update("m", "a.local", {}), nil, nil, nil, "policy_args.allowed_meshes is not set" },
    { "provider_kind_change denies a node to router switch", "provider_kind_change",
      update("m", "a.local", router("vr")), current(node("vn")), nil, nil,
      "from a virtualNode to a virtualRouter" },
    { "provider_kind_change allows it with the flag", "provider_kind_change",
      update("m", "a.local", router("vr")), current(node("vn")),
      { allow_provider_kind_change = true }, nil, nil },
    { "provider_kind_change allows a node to node switch", "provider_kind_change",
      update("m", "a.local", node("b")), current(node("a")), nil, nil, nil },
    { "provider_kind_change passes without current state", "provider_kind_change",
      update("m", "a.local", router("vr")), nil, nil, nil, nil },
  }
  for _, case in ipairs(cases) do
    it(case[1], function()
      local v = verdict(case[2], case[3], case[4], case[5], case[6])
      if case[7] then
        assert.truthy((denied(v) or ""):find(case[7], 1, true), denied(v))
      else
        assert.is_nil(denied(v))
      end
    end)
  end

  it("max_mesh_share denies a run that changes more than the share of a mesh", function()
    local entries = { update("m", "a", {}), update("m", "b", {}), update("m", "c", {}) }
    local v = verdict("max_mesh_share", entries[1], nil, nil, INV, entries)
    assert.equal("this run changes 3 of the 4 services in mesh 'm' (75%), more than "
      .. "max_mesh_share 0.5", denied(v))
    v = verdict("max_mesh_share", entries[1], nil, { max_mesh_share = 0.75 }, INV, entries)
    assert.is_nil(denied(v))
  end)

  it("max_mesh_share reads mesh_sizes when there is no inventory", function()
    local entries = { update("m", "a", {}), update("m", "b", {}) }
    assert.truthy(denied(verdict("max_mesh_share", entries[1], nil, { mesh_sizes = { m = 3 } },
      nil, entries)))
    assert.is_nil(denied(verdict("max_mesh_share", entries[1], nil, nil, nil, entries)))
  end)

  it("max_mesh_share reports a bad max_mesh_share as an error", function()
    local ctx = policy.context{ args = { max_mesh_share = 2 }, entries = {} }
    local v, err = policy.evaluate(load_builtin("max_mesh_share"), update("m", "a", {}), nil, ctx)
    assert.is_nil(v)
    assert.truthy(err:find("max_mesh_share must be a number in (0, 1]", 1, true), err)
  end)
end)

describe("policy arguments", function()
  teardown(sh.cleanup)

  local function builtin(name)
    return assert(policy.load("scripts/policies/" .. name .. ".lua"))
  end

  it("every built-in rule declares the arguments it takes", function()
    for _, name in ipairs({ "allowed_meshes", "max_mesh_share", "provider_exists",
      "provider_kind_change", "provider_required", "service_name_pattern" }) do
      for _, rule in ipairs(builtin(name)) do
        assert.is_table(rule.args, name)
      end
    end
  end)

  it("a missing required argument is one error, not a denial per entry", function()
    local err = policy.check_args(builtin("allowed_meshes"), {})
    assert.equal("scripts/policies/allowed_meshes.lua: rule 'allowed-meshes' needs the policy "
      .. "argument 'allowed_meshes' (the meshes this change may touch (a list)): set it in the "
      .. "manifest's policy_args or with --policy-arg allowed_meshes=VALUE", err)
    assert.is_nil((policy.check_args(builtin("allowed_meshes"), { allowed_meshes = { "m" } })))
  end)

  it("refuses an argument no rule declares when every rule declares its arguments", function()
    local rules = builtin("allowed_meshes")
    table.move(builtin("max_mesh_share"), 1, 1, #rules + 1, rules)
    local err = policy.check_args(rules, { allowed_meshes = { "m" }, allowed_mesh = { "m" } })
    assert.equal("unknown policy argument 'allowed_mesh' (the loaded rules take: "
      .. "allowed_meshes, max_mesh_share, mesh_sizes)", err)
  end)

  it("only warns when a loaded rule does not declare its arguments", function()
    local rules = builtin("allowed_meshes")
    table.move(rules_from("return { { name = 'old', severity = 'warn', check = function() end } }"),
      1, 1, #rules + 1, rules)
    local err, warnings = policy.check_args(rules, { allowed_meshes = { "m" }, other = 1 })
    assert.is_nil(err)
    assert.same({ "policy argument 'other' is not declared by any loaded rule (a rule without "
      .. "'args' may still read it)" }, warnings)
  end)

  it("checks the shape of args", function()
    local _, err = policy.load(sh.file("p.lua", "return { { name = 'r', severity = 'warn', "
      .. "check = function() end, args = { x = { requird = true } } } }"), FAST)
    assert.truthy(err:find("args.x: unknown key 'requird' (known: doc, required)", 1, true), err)
  end)

  it("policy_check.lua exits 2 once for a missing argument", function()
    local path = sh.file("m.json", '{"defaults": {"meshName": "m", "spec": {}}, "updates": ['
      .. '{"virtualServiceName": "a"}, {"virtualServiceName": "b"}, {"virtualServiceName": "c"}]}')
    local out, err, code = sh.run("policy_check.lua", { path, "--policy",
      "scripts/policies/allowed_meshes.lua" }, {})
    assert.equal(2, code)
    assert.equal("", out)
    assert.equal(1, select(2, err:gsub("\n", "")), err)
    assert.truthy(err:find("needs the policy argument 'allowed_meshes'", 1, true), err)
    out, err, code = sh.run("policy_check.lua", { path, "--policy",
      "scripts/policies/allowed_meshes.lua", "--policy-arg", 'allowed_meshes=["m"]',
      "--policy-arg", "alowed=1" }, {})
    assert.equal(2, code, out)
    assert.equal("policy_check: unknown policy argument 'alowed' (the loaded rules take: "
      .. "allowed_meshes)\n", err)
  end)
end)
