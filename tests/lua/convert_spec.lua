-- SPDX-License-Identifier: MIT
-- The converter: Lua params -> the request sent, the response -> Lua tables, and every way
-- params can be wrong (always nil, err with code ValidationError and the field's path).
local cjson = require "cjson"
local helpers = dofile("tests/lua/helpers.lua")
local appmesh = require "appmesh"

local NODE = "spec.provider.virtualNode.virtualNodeName"
local ROUTER = "spec.provider.virtualRouter.virtualRouterName"

-- Params with one change: path is a list of keys, value the new value (nil removes it).
local function with(path, value)
  local p = helpers.params()
  local t = p
  for i = 1, #path - 1 do
    t[path[i]] = t[path[i]] or {}
    t = t[path[i]]
  end
  t[path[#path]] = value
  return p
end

local function cyclic_spec()
  local p = helpers.params()
  p.spec.provider.virtualNode = nil
  p.spec.provider.provider = p.spec.provider
  return p
end

local function cyclic_params()
  local p = helpers.params()
  p.spec = p
  return p
end

local function with_metatable_fields()
  -- tables are read as pairs reads them: a meshName behind __index alone is refused
  local p = helpers.params()
  p.meshName = nil
  return setmetatable(p, { __index = { meshName = "ecs-mesh" } })
end

local function with_pairs_showing_keys()
  -- __pairs is honoured: what it gives is what is read, whatever the raw table holds
  return setmetatable(helpers.params(), {
    __pairs = function() return next, helpers.params({ bogus = 1 }), nil end,
  })
end

local function with_provider_behind_index()
  local p = helpers.params()
  p.spec.provider = setmetatable({}, { __index = { virtualNode = { virtualNodeName = "n" } } })
  return p
end

-- { name, params, field, message pattern (optional) }
local invalid = {
  { "meshName a number", with({ "meshName" }, 42), "meshName", "^meshName must be a string, got number$" },
  { "virtualServiceName a boolean", with({ "virtualServiceName" }, true), "virtualServiceName",
    "^virtualServiceName must be a string, got boolean$" },
  { "meshOwner a table", with({ "meshOwner" }, {}), "meshOwner", "got table" },
  { "clientToken a number", with({ "clientToken" }, 1), "clientToken", "got number" },
  { "spec a string", with({ "spec" }, "x"), "spec", "^spec must be a table, got string$" },
  { "spec missing", with({ "spec" }, nil), "spec" },
  { "provider a number", with({ "spec", "provider" }, 1), "spec.provider",
    "^spec.provider must be a table, got number$" },
  { "virtualNode a string", with({ "spec", "provider", "virtualNode" }, "n"),
    "spec.provider.virtualNode", "got string" },
  { "virtualRouter a boolean", with({ "spec", "provider", "virtualRouter" }, false),
    "spec.provider.virtualRouter", "got boolean" },
  { "virtualNodeName a number", with({ "spec", "provider", "virtualNode", "virtualNodeName" }, 7),
    NODE, "^spec.provider.virtualNode.virtualNodeName must be a string, got number$" },
  { "virtualRouterName a table",
    { meshName = "m", virtualServiceName = "s",
      spec = { provider = { virtualRouter = { virtualRouterName = {} } } } },
    ROUTER, "^spec.provider.virtualRouter.virtualRouterName must be a string, got table$" },
  { "virtualRouterName a function",
    { meshName = "m", virtualServiceName = "s",
      spec = { provider = { virtualRouter = { virtualRouterName = print } } } },
    ROUTER, "got function" },
  { "both providers", with({ "spec", "provider", "virtualRouter" }, { virtualRouterName = "r" }),
    "spec.provider", "exactly one" },
  { "an unknown top-level key", with({ "meshname" }, "x"), "meshname", "unknown parameter" },
  { "an unknown spec key", with({ "spec", "listeners" }, {}), "spec.listeners" },
  { "an unknown provider key", with({ "spec", "provider", "virtualGateway" }, {}),
    "spec.provider.virtualGateway" },
  { "an unknown virtualNode key", with({ "spec", "provider", "virtualNode", "name" }, "n"),
    "spec.provider.virtualNode.name" },
  { "the smallest of several unknown keys", helpers.params({ zeta = 1, alpha = 2, mu = 3 }),
    "alpha" },
  { "a number key before string keys", helpers.params({ zeta = 1, [3] = 1, [2] = 1 }), "[2]" },
  { "an integer key at the top", with({ 1 }, "x"), "[1]", "must be strings, got number" },
  { "an integer key in provider", with({ "spec", "provider", 1 }, "x"), "spec.provider[1]" },
  { "a float key", with({ "spec", 1.5 }, "x"), "spec[1.5]" },
  { "a boolean key", with({ "spec", true }, "x"), "spec[true]", "got boolean" },
  { "a table key", with({ "spec", "provider", {} }, "x"), "spec.provider[table]" },
  { "a key with bytes that are not UTF-8", with({ "spec", "\xff\x00k" }, 1), "spec.\\xFF\\x00k" },
  { "a very long key", with({ string.rep("k", 10000) }, 1), string.rep("k", 40) .. "..." },
  { "a NUL byte in meshName", with({ "meshName" }, "ecs\0mesh"), "meshName", "NUL" },
  { "a NUL byte in virtualNodeName",
    with({ "spec", "provider", "virtualNode", "virtualNodeName" }, "n\0"), NODE, "NUL" },
  { "a cycle through spec", cyclic_params(), "spec.meshName" },
  { "a cycle through provider", cyclic_spec(), "spec.provider.provider" },
  { "fields only behind a metatable", with_metatable_fields(), "meshName", "__index" },
  { "keys shown by __pairs", with_pairs_showing_keys(), "bogus", "unknown parameter" },
  { "a provider behind __index", with_provider_behind_index(), "spec.provider.virtualNode",
    "comes from __index" },
  { "an empty provider", with({ "spec", "provider" }, {}), "spec.provider" },
  -- value rules (the core's validation)
  { "an empty meshName", with({ "meshName" }, ""), "meshName" },
  { "a 256-character meshName", with({ "meshName" }, string.rep("m", 256)), "meshName" },
  { "a huge meshName", with({ "meshName" }, string.rep("m", 1000000)), "meshName" },
  { "a meshName that is not UTF-8", with({ "meshName" }, "mesh\xff\xfe"), "meshName" },
  { "an overlong UTF-8 meshName", with({ "meshName" }, "\xc0\xaf"), "meshName" },
  { "an empty virtualServiceName", with({ "virtualServiceName" }, ""), "virtualServiceName" },
  { "a missing virtualServiceName", with({ "virtualServiceName" }, nil), "virtualServiceName" },
  { "a missing meshName", with({ "meshName" }, nil), "meshName" },
  { "an 11-character meshOwner", with({ "meshOwner" }, "12345678901"), "meshOwner" },
  { "a clientToken with a space", with({ "clientToken" }, "bad token"), "clientToken" },
  { "a 37-character clientToken", with({ "clientToken" }, string.rep("a", 37)), "clientToken" },
  { "an empty clientToken", with({ "clientToken" }, ""), "clientToken" },
  { "an empty virtualNodeName", with({ "spec", "provider", "virtualNode", "virtualNodeName" }, ""),
    NODE },
  { "a 256-character virtualRouterName",
    { meshName = "m", virtualServiceName = "s",
      spec = { provider = { virtualRouter = { virtualRouterName = string.rep("r", 256) } } } },
    ROUTER },
  { "a virtualNode without its name", with({ "spec", "provider", "virtualNode" }, {}), NODE },
  { "a virtualNodeName that is not UTF-8",
    with({ "spec", "provider", "virtualNode", "virtualNodeName" }, "\xed\xa0\x80"), NODE },
}

describe("client:update_virtual_service params", function()
  local responder, client
  helpers.responder_fixture(nil, function(r, c)
    responder, client = r, c
  end)

  for _, case in ipairs(invalid) do
    local name, params, field, pattern = case[1], case[2], case[3], case[4]
    it("returns nil, err with field " .. field:sub(1, 50) .. " for " .. name, function()
      for _, dry_run in ipairs({ false, true }) do
        local vs, err = client:update_virtual_service(params, { dry_run = dry_run })
        assert.is_nil(vs)
        assert.equal(appmesh.Error, getmetatable(err))
        assert.equal("ValidationError", err.code)
        assert.equal(field, err.field)
        assert.is_string(err.message)
        assert.not_matches("[\r\n]", err.message)
        if pattern then
          assert.matches(pattern, err.message)
        end
      end
      assert.same({}, responder.log())
    end)
  end

  it("accepts 255 two-byte UTF-8 characters as a meshName", function()
    local vs, info = client:update_virtual_service(with({ "meshName" }, string.rep("é", 255)))
    assert.is_table(vs, tostring(info))
    assert.equal(string.rep("é", 255), vs.meshName)
  end)

  it("raises for params that are not a table", function()
    for _, bad in ipairs({ "x", 1, true, print }) do
      assert.has_error(function() client:update_virtual_service(bad) end,
        "bad argument #1 to 'update_virtual_service' (table expected, got " .. type(bad) .. ")")
    end
    assert.has_error(function() client:update_virtual_service() end)
    assert.has_error(function() appmesh.update_virtual_service("x") end,
      "bad argument #1 to 'update_virtual_service' (table expected, got string)")
  end)

  it("raises for call options of the wrong type or name", function()
    assert.has_error(function() client:update_virtual_service(helpers.params(), "x") end)
    assert.has_error(function()
      client:update_virtual_service(helpers.params(), { dry_run = "yes" })
    end)
    assert.has_error(function()
      client:update_virtual_service(helpers.params(), { dryrun = true })
    end)
  end)
end)

describe("client:update_virtual_service conversion", function()
  local responder, client
  helpers.responder_fixture(nil, function(r, c)
    responder, client = r, c
  end)

  it("sends the params as App Mesh's PUT with a JSON body", function()
    local vs, info = client:update_virtual_service(helpers.params({
      meshOwner = "123456789012", clientToken = "token-1",
    }))
    assert.is_table(vs, tostring(info))
    local log = responder.log()
    assert.equal(1, #log)
    assert.equal("PUT", log[1].method)
    assert.equal("/v20190125/meshes/ecs-mesh/virtualServices/colorgateway.default.svc.cluster.local",
      log[1].path)
    assert.equal("meshOwner=123456789012", log[1].query)
    assert.same({
      clientToken = "token-1",
      spec = { provider = { virtualNode = { virtualNodeName = "colorgateway-vn" } } },
    }, cjson.decode(log[1].body))
    assert.equal("token-1", info.clientToken)
  end)

  it("sends a virtualRouter provider and an empty spec as they are", function()
    client:update_virtual_service({ meshName = "m", virtualServiceName = "s",
      spec = { provider = { virtualRouter = { virtualRouterName = "r" } } } })
    client:update_virtual_service({ meshName = "m", virtualServiceName = "s", spec = {} })
    local log = responder.log()
    assert.same({ provider = { virtualRouter = { virtualRouterName = "r" } } },
      cjson.decode(log[1].body).spec)
    assert.same({}, cjson.decode(log[2].body).spec)
  end)

  it("percent-encodes the names in the path", function()
    client:update_virtual_service({ meshName = "m/x", virtualServiceName = "a b", spec = {} })
    assert.equal("/v20190125/meshes/m%2Fx/virtualServices/a%20b", responder.log()[1].path)
  end)

  it("returns VirtualServiceData as a plain table with wire names", function()
    local vs, info = client:update_virtual_service(helpers.params())
    assert.same({
      meshName = "ecs-mesh",
      virtualServiceName = "colorgateway.default.svc.cluster.local",
      spec = { provider = { virtualNode = { virtualNodeName = "colorgateway-vn" } } },
      status = { status = "ACTIVE" },
      metadata = {
        arn = "arn:aws:appmesh:us-east-1:123456789012:mesh/ecs-mesh/virtualService/"
          .. "colorgateway.default.svc.cluster.local",
        createdAt = 1700000000.5,
        lastUpdatedAt = 1700000100.25,
        meshOwner = "123456789012",
        resourceOwner = "123456789012",
        uid = "a1b2c3d4-0000-4000-8000-000000000001",
        version = 2,
      },
    }, vs)
    assert.equal("integer", math.type(vs.metadata.version))
    assert.is_nil(getmetatable(vs))
    assert.matches("^req%-%d+$", info.requestId)
    assert.equal(200, info.httpStatus)
    assert.equal(1, info.attempts)
    assert.matches("^%x+%-%x+%-4%x+%-[89ab]%x+%-%x+$", info.clientToken)
  end)

  it("leaves JSON nulls and missing fields out", function()
    local p = helpers.params()
    responder.queue({ { json = {
      meshName = p.meshName, virtualServiceName = p.virtualServiceName,
      spec = { provider = cjson.null },
      status = cjson.null,
      metadata = { arn = cjson.null, version = 3, uid = "u" },
    } } })
    local vs, info = client:update_virtual_service(p)
    assert.same({ meshName = p.meshName, virtualServiceName = p.virtualServiceName, spec = {},
      metadata = { version = 3, uid = "u" } }, vs, tostring(info))
  end)

  it("keeps a status it does not know as the string received", function()
    responder.queue({ { echo = { status = { status = "DRAINING" } } } })
    local vs = client:update_virtual_service(helpers.params())
    assert.same({ status = "DRAINING" }, vs.status)
  end)

  it("ignores response fields it does not know", function()
    local p = helpers.params()
    responder.queue({ { json = { meshName = p.meshName, virtualServiceName = p.virtualServiceName,
      extra = { 1, 2 },
      spec = { provider = { virtualRouter = { virtualRouterName = "r", weight = 1 } } } } } })
    local vs = client:update_virtual_service(p)
    assert.same({ meshName = p.meshName, virtualServiceName = p.virtualServiceName,
      spec = { provider = { virtualRouter = { virtualRouterName = "r" } } } }, vs)
  end)

  it("returns nil, err with ResponseError for a 200 about another resource", function()
    local p = helpers.params()
    responder.queue({ { json = { meshName = "evil-mesh", virtualServiceName = "evil-svc",
      spec = {}, metadata = { version = 2 } } } })
    local vs, err = client:update_virtual_service(p)
    assert.is_nil(vs)
    assert.equal("ResponseError", err.code)
    assert.matches("about meshName 'evil%-mesh', not 'ecs%-mesh' as asked", err.message)
    responder.queue({ { json = { meshName = p.meshName, virtualServiceName = p.virtualServiceName,
      spec = {}, metadata = { version = -4 } } } })
    vs, err = client:update_virtual_service(p)
    assert.is_nil(vs)
    assert.equal("ResponseError", err.code)
    assert.equal("response field metadata.version is negative", err.message)
  end)

  it("returns a fresh table on every call", function()
    local a = client:update_virtual_service(helpers.params())
    local b = client:update_virtual_service(helpers.params())
    assert.are_not.equal(a, b)
    assert.are_not.equal(a.spec, b.spec)
    assert.same(a, b)
  end)
end)
