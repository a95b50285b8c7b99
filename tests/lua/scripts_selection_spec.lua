-- SPDX-License-Identifier: MIT
-- appmesh.selection: listing a mesh's virtual services page by page, the services{} helper of
-- Lua manifests (filters by name and provider, describes cached), the inventory of a mesh for
-- the policies, and the one-at-a-time map used when the binding has no scheduler. A client
-- made of Lua functions stands in for App Mesh: nothing is sent.
local selection = require "appmesh.selection"

local function ref(name)
  return { meshName = "m", virtualServiceName = name, arn = "arn:" .. name }
end

local SPECS = {
  ["a.local"] = { provider = { virtualNode = { virtualNodeName = "vn1" } } },
  ["b.local"] = { provider = { virtualRouter = { virtualRouterName = "vr" } } },
  ["c.local"] = {},
  ["d.local"] = { provider = { virtualNode = { virtualNodeName = "vn1" } } },
}

--- A client of mesh "m" whose services list in two pages (d, b, then c, a), recording calls.
local function fake_client()
  local c = { lists = {}, describes = {} }
  function c:list_virtual_services(p)
    self.lists[#self.lists + 1] = p
    if #self.lists > 10 then -- a caller that does not follow nextToken would list forever
      return nil, "listed the same mesh more than 10 times"
    end
    if self.list_error then
      return nil, self.list_error
    end
    if p.nextToken == nil then
      return { virtualServices = { ref("d.local"), ref("b.local") }, nextToken = "page2" }
    end
    return { virtualServices = { ref("c.local"), ref("a.local") } }
  end
  function c:describe_virtual_service(p)
    self.describes[#self.describes + 1] = p.virtualServiceName
    if p.virtualServiceName == self.broken then
      return nil, "NotFoundException: gone"
    end
    return { meshName = p.meshName, virtualServiceName = p.virtualServiceName,
      spec = SPECS[p.virtualServiceName] }
  end
  return c
end

local function names(list)
  local out = {}
  for i, r in ipairs(list) do
    out[i] = r.virtualServiceName
  end
  return out
end

describe("selection.list", function()
  it("follows nextToken and keeps every ref in order", function()
    local c = fake_client()
    local refs = assert(selection.list(c, "m", "123456789012"))
    assert.same({ "d.local", "b.local", "c.local", "a.local" }, names(refs))
    assert.equal(2, #c.lists)
    assert.same({ meshName = "m", meshOwner = "123456789012", limit = 100 }, c.lists[1])
    assert.equal("page2", c.lists[2].nextToken)
  end)

  it("returns the client's error", function()
    local c = fake_client()
    c.list_error = "AccessDenied"
    assert.same({ nil, "AccessDenied" }, { selection.list(c, "m") })
  end)

  it("ends at an empty nextToken, as botocore's paginator", function()
    local c = fake_client()
    local list = c.list_virtual_services
    function c:list_virtual_services(p)
      local page = list(self, p)
      if page and p.nextToken ~= nil then
        page.nextToken = "" -- the last page, as some services say it
      end
      return page
    end
    local refs = assert(selection.list(c, "m"))
    assert.same({ "d.local", "b.local", "c.local", "a.local" }, names(refs))
    assert.equal(2, #c.lists)
  end)

  it("stops with an error when the service repeats a nextToken", function()
    local c = fake_client()
    function c:list_virtual_services(p)
      self.lists[#self.lists + 1] = p
      if #self.lists > 10 then -- a caller that does not notice would list forever
        return nil, "listed the same mesh more than 10 times"
      end
      return { virtualServices = { ref("a.local") }, nextToken = "again" }
    end
    assert.same({ nil, "ListVirtualServices returned the same nextToken twice" },
      { selection.list(c, "m") })
    assert.equal(2, #c.lists)
  end)
end)

describe("selection.helpers services{}", function()
  local function services(c, cache, filter)
    local h = selection.helpers(function()
      return c
    end, cache or {})
    local got = h.services(filter) -- not a tail call: the caller's line is this one
    return got
  end

  it("picks by name pattern, sorted by name, with the meshOwner asked for", function()
    local c = fake_client()
    local got = services(c, nil, { meshName = "m", name = "^[abc]", meshOwner = "1" })
    assert.same({
      { meshName = "m", virtualServiceName = "a.local", meshOwner = "1" },
      { meshName = "m", virtualServiceName = "b.local", meshOwner = "1" },
      { meshName = "m", virtualServiceName = "c.local", meshOwner = "1" },
    }, got)
    assert.same({}, c.describes) -- a filter by name alone describes nothing
  end)

  it("filters by provider, describing each service once across calls", function()
    local c = fake_client()
    local cache = {}
    assert.same({ "a.local", "d.local" },
      names(services(c, cache, { meshName = "m", virtualNode = "vn1" })))
    assert.equal(4, #c.describes)
    assert.equal(SPECS["a.local"], cache["m/a.local"].spec)
    assert.same({ "b.local" }, names(services(c, cache, { meshName = "m", virtualRouter = "vr" })))
    assert.same({ "c.local" }, names(services(c, cache, { meshName = "m", provider = "none" })))
    assert.same({ "b.local", "c.local" }, names(services(c, cache, { meshName = "m",
      where = function(vs)
        return vs.spec.provider == nil or vs.spec.provider.virtualRouter ~= nil
      end })))
    assert.equal(4, #c.describes) -- the later calls found every service in the cache
  end)

  local refusals = {
    { "a filter that is not a table", "m", "services: expected a table such as" },
    { "an unknown filter", { meshName = "m", node = "x" }, "services: unknown filter 'node' "
      .. "(known: meshName, meshOwner, name, provider, virtualNode, virtualRouter, where)" },
    { "a filter without meshName", { name = "x" }, "services: meshName is required" },
    { "a provider other than none", { meshName = "m", provider = "vn" },
      'services: provider must be "none" (use virtualNode or virtualRouter for a name)' },
  }
  for _, case in ipairs(refusals) do
    it("refuses " .. case[1] .. ", pointing at the manifest's line", function()
      local ok, err = pcall(services, fake_client(), nil, case[2])
      assert.is_false(ok)
      -- level 2: the message names the caller's line, as a manifest's author needs
      assert.matches("^tests/lua/scripts_selection_spec%.lua:%d+: ", err)
      assert.truthy(err:find(case[3], 1, true), err)
    end)
  end

  it("raises when the mesh cannot be listed or a service described", function()
    local c = fake_client()
    c.list_error = "AccessDenied"
    local ok, err = pcall(services, c, nil, { meshName = "m" })
    assert.is_false(ok)
    assert.truthy(err:find("services: cannot list the virtual services of mesh 'm': "
      .. "AccessDenied", 1, true), err)
    c = fake_client()
    c.broken = "b.local"
    ok, err = pcall(services, c, nil, { meshName = "m", virtualNode = "vn1" })
    assert.is_false(ok)
    assert.truthy(err:find("services: cannot describe m/b.local: NotFoundException: gone", 1,
      true), err)
  end)
end)

describe("selection.inventory", function()
  local function iterator(items, fail)
    return function(_, p)
      assert.equal("m", p.meshName)
      local i = 0
      return function()
        i = i + 1
        if fail and i == 2 then
          return false, fail -- as the binding's iterators end on a failure
        end
        return items[i]
      end
    end
  end

  it("counts the services and names the nodes and routers of each mesh", function()
    local c = fake_client()
    c.virtual_nodes = iterator { { virtualNodeName = "vn1" }, { virtualNodeName = "unused" } }
    c.virtual_routers = iterator { { virtualRouterName = "vr" } }
    local inv = assert(selection.inventory(c, { m = false }))
    assert.same({ m = { services = 4, virtualNodes = { vn1 = true, unused = true },
      virtualRouters = { vr = true } } }, inv)
    assert.is_nil(c.lists[1].meshOwner) -- false: no owner asked for
  end)

  it("says which list of which mesh failed", function()
    local c = fake_client()
    c.virtual_nodes = iterator({ { virtualNodeName = "vn1" } }, "ThrottlingException: slow")
    c.virtual_routers = iterator {}
    assert.same({ nil, "cannot list the virtual nodes of mesh 'm': ThrottlingException: slow" },
      { selection.inventory(c, { m = false }) })
    c.list_error = "AccessDenied"
    assert.same({ nil, "cannot list the virtual services of mesh 'm': AccessDenied" },
      { selection.inventory(c, { m = "123" }) })
  end)
end)

describe("selection.map", function()
  local function run(opts)
    local seen = {}
    opts.on_result = function(i, v, err)
      seen[#seen + 1] = { i, v, err and tostring(err):match("boom %d") }
    end
    local results = selection.map({ 10, 20, 30 }, function(x, i)
      if i == 2 then
        error("boom " .. i)
      end
      return x + i
    end, opts)
    table.sort(seen, function(a, b)
      return a[1] < b[1]
    end)
    return results, seen
  end

  it("keeps each first result in order and reports failures to on_result", function()
    local results, seen = run { concurrency = 2 }
    assert.same({ 11, nil, 33 }, { results[1], results[2], results[3] })
    assert.same({ { 1, 11 }, { 2, nil, "boom 2" }, { 3, 33 } }, seen)
  end)

  it("hands the work to the binding's appmesh.map when there is one", function()
    local saved = package.loaded.appmesh
    local got
    package.loaded.appmesh = { map = function(list, fn, opts)
      got = { list = list, fn = fn, opts = opts }
      return "the binding's results"
    end }
    local fn, opts = function() end, { concurrency = 3 }
    local ok, results = pcall(selection.map, { 1 }, fn, opts)
    package.loaded.appmesh = saved
    assert.is_true(ok, results)
    assert.equal("the binding's results", results)
    assert.same({ 1 }, got.list)
    assert.equal(fn, got.fn)
    assert.equal(opts, got.opts)
  end)

  it("runs the same contract one item at a time without the binding's scheduler", function()
    local saved = package.loaded.appmesh
    package.loaded.appmesh = {} -- a binding without appmesh.map
    local ok, results, seen = pcall(run, {})
    package.loaded.appmesh = saved
    assert.is_true(ok, results)
    assert.same({ 11, nil, 33 }, { results[1], results[2], results[3] })
    assert.same({ { 1, 11 }, { 2, nil, "boom 2" }, { 3, 33 } }, seen)
  end)
end)
