-- SPDX-License-Identifier: MIT
-- appmesh.plan: what a run does to each entry: the deterministic clientToken, the provider of a
-- spec, and the diff between the current spec and the one sent.
local codec = require "appmesh.codec"
local plan = require "appmesh.plan"

local NODE = { provider = { virtualNode = { virtualNodeName = "vn" } } }
local ROUTER = { provider = { virtualRouter = { virtualRouterName = "vr" } } }

describe("plan.client_token", function()
  local base = { meshName = "m", virtualServiceName = "s", spec = NODE }

  it("is 36 characters a clientToken may hold", function()
    local t = plan.client_token("run", base)
    assert.equal(36, #t)
    assert.matches("^[A-Za-z0-9_-]+$", t)
  end)

  it("is the same for the same run and entry", function()
    local copy = { spec = { provider = { virtualNode = { virtualNodeName = "vn" } } },
      virtualServiceName = "s", meshName = "m" }
    assert.equal(plan.client_token("run", base), plan.client_token("run", copy))
  end)

  local variants = {
    { "another run", "run2", base },
    { "another mesh", "run", { meshName = "m2", virtualServiceName = "s", spec = NODE } },
    { "another service", "run", { meshName = "m", virtualServiceName = "s2", spec = NODE } },
    { "another spec", "run", { meshName = "m", virtualServiceName = "s", spec = ROUTER } },
    { "a meshOwner", "run", { meshName = "m", virtualServiceName = "s", spec = NODE,
      meshOwner = "123456789012" } },
  }
  for _, v in ipairs(variants) do
    it("differs for " .. v[1], function()
      assert.are_not.equal(plan.client_token("run", base), plan.client_token(v[2], v[3]))
    end)
  end

  it("keeps an entry's own clientToken", function()
    assert.equal("mine", plan.client_token("run", { meshName = "m", virtualServiceName = "s",
      spec = {}, clientToken = "mine" }))
  end)

  it("is a new run id each run", function()
    assert.matches("^%x+$", plan.new_run_id())
    assert.are_not.equal(plan.new_run_id(), plan.new_run_id())
  end)
end)

describe("plan.diff", function()
  local cases = {
    { "a provider switch from router to node", ROUTER, NODE, {
      '- spec.provider.virtualRouter.virtualRouterName: "vr"',
      '+ spec.provider.virtualNode.virtualNodeName: "vn"' } },
    { "a renamed node", { provider = { virtualNode = { virtualNodeName = "old" } } }, NODE, {
      '~ spec.provider.virtualNode.virtualNodeName: "old" -> "vn"' } },
    { "a provider added", {}, NODE, { '+ spec.provider.virtualNode.virtualNodeName: "vn"' } },
    { "a provider removed", NODE, {}, { '- spec.provider.virtualNode.virtualNodeName: "vn"' } },
    { "an unknown current spec", nil, NODE, {
      '+ spec.provider.virtualNode.virtualNodeName: "vn"' } },
    { "no change", NODE, { provider = { virtualNode = { virtualNodeName = "vn" } } }, {} },
  }
  for _, case in ipairs(cases) do
    it("shows " .. case[1], function()
      assert.same(case[4], plan.diff(case[2], case[3]))
    end)
  end

  it("shows a changed list element by its index, and an emptied spec once", function()
    local a = { listeners = { { port = 80 }, { port = 81 } } }
    local b = { listeners = { { port = 80 }, { port = 82 } } }
    assert.same({ "~ spec.listeners[1].port: 81 -> 82" }, plan.diff(a, b))
    assert.same({ "- spec.listeners[0].port: 80", "- spec.listeners[1].port: 81" },
      plan.diff(a, {}))
  end)

  it("names providers", function()
    assert.equal("virtualNode vn", plan.describe_provider(NODE))
    assert.equal("virtualRouter vr", plan.describe_provider(ROUTER))
    assert.equal("no provider", plan.describe_provider({}))
    assert.equal("no provider", plan.describe_provider(nil))
  end)
end)

describe("plan.provider and plan.flatten", function()
  it("gives the kind and name of a spec's provider, or nothing", function()
    assert.same({ "virtualNode", "vn" }, { plan.provider(NODE) })
    assert.same({ "virtualRouter", "vr" }, { plan.provider(ROUTER) })
    assert.is_nil(plan.provider({ provider = {} }))
    assert.is_nil(plan.provider({ provider = "virtualNode" }))
    assert.is_nil(plan.provider({ provider = { virtualNode = "vn" } }))
    assert.is_nil(plan.provider("spec"))
    assert.is_nil(plan.provider(nil))
  end)

  it("lists the leaves as sorted paths with their JSON", function()
    local f = plan.flatten({ b = { 1, { c = "x" } }, a = true, e = {}, n = codec.null }, "spec")
    assert.same({ "spec.a", "spec.b[0]", "spec.b[1].c", "spec.e", "spec.n" }, { table.unpack(f) })
    assert.equal('"x"', f["spec.b[1].c"])
    assert.equal("{}", f["spec.e"])
    assert.equal("null", f["spec.n"])
  end)
end)
