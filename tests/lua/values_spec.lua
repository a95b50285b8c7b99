-- SPDX-License-Identifier: MIT
-- The converter of every operation: Lua params -> the request's JSON for every kind of member
-- (string, integer, long, boolean, structure, union, list), the response -> plain Lua values,
-- and bad input of every kind in every kind of member: always nil, err with code
-- ValidationError and the member's path (list positions from 1), or a raised argument error;
-- never a crash, never a request other than the one asked for.
local cjson = require "cjson"
local helpers = dofile("tests/lua/helpers.lua")
local appmesh = require "appmesh"

local MAXINT = math.maxinteger

-- A valid CreateVirtualNode with one member of each kind.
local function node(extra)
  local p = {
    meshName = "m",
    virtualNodeName = "n",
    spec = {
      listeners = { {
        portMapping = { port = 8080, protocol = "http" },                 -- integer, enum
        outlierDetection = {                                              -- longs
          maxServerErrors = 5,
          interval = { unit = "s", value = 10 },
          baseEjectionDuration = { unit = "ms", value = 30000 },
          maxEjectionPercent = 50,
        },
      } },
      backendDefaults = { clientPolicy = { tls = {                      -- boolean, list
        enforce = true, ports = { 443, 8443 },
        validation = { trust = { file = { certificateChain = "/c.pem" } } }, -- union
      } } },
      serviceDiscovery = { dns = { hostname = "n.local" } },             -- union
    },
    tags = { { key = "team", value = "é" } },
  }
  for k, v in pairs(extra or {}) do
    p[k] = v
  end
  return p
end

describe("the converter, Lua to the request", function()
  local client

  lazy_setup(function()
    client = assert(appmesh.client(helpers.client_options("http://127.0.0.1:9")))
  end)

  lazy_teardown(function()
    client:close()
  end)

  local function body(method, p)
    local req, err = client[method](client, p, { dry_run = true })
    assert.is_table(req, tostring(err))
    return cjson.decode(req.body), req.body
  end

  it("sends every kind of member as the model says", function()
    local b, text = body("create_virtual_node", node())
    local l = b.spec.listeners[1]
    assert.equal(8080, l.portMapping.port)
    assert.equal("http", l.portMapping.protocol)
    assert.equal(5, l.outlierDetection.maxServerErrors)
    assert.equal(30000, l.outlierDetection.baseEjectionDuration.value)
    local tls = b.spec.backendDefaults.clientPolicy.tls
    assert.is_true(tls.enforce)
    assert.same({ 443, 8443 }, tls.ports)
    assert.equal("/c.pem", tls.validation.trust.file.certificateChain)
    assert.equal("n.local", b.spec.serviceDiscovery.dns.hostname)
    assert.same({ { key = "team", value = "é" } }, b.tags)
    assert.is_nil(b.meshName) -- a URI label, not a body member
    assert.not_matches("8080%.0", text)
  end)

  it("sends a long beyond 2^53 exactly, and the largest one", function()
    local p = node()
    p.spec.listeners[1].outlierDetection.maxServerErrors = MAXINT
    local _, text = body("create_virtual_node", p)
    assert.matches('"maxServerErrors":9223372036854775807[,}]', text)
    p.spec.listeners[1].outlierDetection.maxServerErrors = 9007199254740993
    _, text = body("create_virtual_node", p)
    assert.matches('"maxServerErrors":9007199254740993[,}]', text)
  end)

  it("accepts a float with an integral value for an integer or a long", function()
    local p = node()
    p.spec.listeners[1].portMapping.port = 8080.0
    p.spec.listeners[1].outlierDetection.maxServerErrors = 2.0 ^ 40
    local b, text = body("create_virtual_node", p)
    assert.equal(8080, b.spec.listeners[1].portMapping.port)
    assert.matches('"maxServerErrors":1099511627776[,}]', text)
  end)

  it("sends members in the model's order whatever the table's order", function()
    local _, a = body("create_virtual_node", node())
    local p = node()
    p.spec = { serviceDiscovery = p.spec.serviceDiscovery, backendDefaults = p.spec.backendDefaults,
      listeners = p.spec.listeners }
    local _, b = body("create_virtual_node", p)
    a = a:gsub('"clientToken":"[^"]*"', "")
    b = b:gsub('"clientToken":"[^"]*"', "")
    assert.equal(a, b)
  end)

  it("sends an empty list as [] and an empty structure as {}", function()
    local b, text = body("create_virtual_node", node({ tags = {}, spec = {} }))
    assert.same({}, b.spec)
    assert.matches('"tags":%[%]', text)
  end)

  it("reads a table through __pairs, at the top, in a structure and in a list", function()
    local function proxy(t)
      return setmetatable({}, { __pairs = function() return next, t, nil end })
    end
    local p = node()
    p.spec.listeners = proxy({ proxy({ portMapping = proxy({ port = 1, protocol = "tcp" }) }) })
    local b = body("create_virtual_node", proxy(p))
    assert.same({ port = 1, protocol = "tcp" }, b.spec.listeners[1].portMapping)
  end)

  it("reads __pairs proxies on update_virtual_service (the typed call) too", function()
    local provider = setmetatable({}, { __pairs = function()
      return next, { virtualRouter = { virtualRouterName = "r" } }, nil
    end })
    local b = body("update_virtual_service", { meshName = "m", virtualServiceName = "s",
      spec = { provider = provider } })
    assert.same({ virtualRouter = { virtualRouterName = "r" } }, b.spec.provider)
  end)

  it("reads a table with an unrelated metatable by its own members", function()
    local p = setmetatable(node(), { __tostring = function() return "p" end })
    local b = body("create_virtual_node", p)
    assert.equal(8080, b.spec.listeners[1].portMapping.port)
  end)

  it("sends what was read even when a __pairs metamethod drops the strings read before", function()
    local p = node()
    local value = "/" .. string.rep("v", 200) .. tostring(os.time()) -- a fresh, unshared string
    local len = #value
    p.tags = { { key = "first", value = value } } -- list items are read in order
    value = nil -- the params hold the only reference
    p.tags[2] = setmetatable({}, { __pairs = function()
      p.tags[1] = nil -- read already, now garbage
      collectgarbage("collect")
      collectgarbage("collect")
      return next, { key = "second", value = "v2" }, nil
    end })
    local b = body("create_virtual_node", p)
    assert.equal("first", b.tags[1].key)
    assert.matches("^/v+%d+$", b.tags[1].value)
    assert.equal(len, #b.tags[1].value)
    assert.same({ key = "second", value = "v2" }, b.tags[2])
  end)

  it("raises what a __pairs metamethod raises, and leaks nothing", function()
    local p = setmetatable({}, { __pairs = function() error("boom") end })
    assert.has_error(function() client:create_mesh(p) end)
    local ok, msg = pcall(client.create_mesh, client,
      { meshName = "m", spec = setmetatable({}, { __pairs = function() error("inner") end }) })
    assert.is_false(ok)
    assert.matches("inner", msg)
  end)
end)

describe("the converter refuses bad input", function()
  local client

  lazy_setup(function()
    client = assert(appmesh.client(helpers.client_options("http://127.0.0.1:9")))
  end)

  lazy_teardown(function()
    client:close()
  end)

  local function set(p, path, value)
    local t = p
    for i = 1, #path - 1 do
      t = t[path[i]]
    end
    t[path[#path]] = value
    return p
  end

  local function cyclic()
    local p = node()
    p.spec.listeners[1].portMapping = p.spec
    return p
  end

  local function cyclic_list()
    local p = node()
    p.spec.listeners[2] = p.spec.listeners
    return p
  end

  local IDX = setmetatable({}, { __index = function(_, k) return k == 1 and { key = "a", value = "b" } or nil end })

  local L1 = { "spec", "listeners", 1 }
  local PORT = { "spec", "listeners", 1, "portMapping", "port" }
  local LONG = { "spec", "listeners", 1, "outlierDetection", "maxServerErrors" }
  local BOOL = { "spec", "backendDefaults", "clientPolicy", "tls", "enforce" }
  local PORTS = { "spec", "backendDefaults", "clientPolicy", "tls", "ports" }
  local UNION = { "spec", "serviceDiscovery" }
  local NAME = { "virtualNodeName" }
  local HOST = { "spec", "serviceDiscovery", "dns", "hostname" }
  local TAGV = { "tags", 1, "value" }

  -- { name, path, value, field, message pattern (optional) }
  local cases = {
    -- strings
    { "a number for a string", NAME, 42, "virtualNodeName", "must be a string, got number" },
    { "a table for a string", HOST, {}, "spec.serviceDiscovery.dns.hostname", "got table" },
    { "a boolean for a string in a list", TAGV, false, "tags[1].value", "got boolean" },
    { "a function for a string", NAME, print, "virtualNodeName", "got function" },
    { "a NUL byte in a string", NAME, "a\0b", "virtualNodeName", "NUL" },
    { "a NUL byte in a list's string", TAGV, "\0", "tags[1].value", "NUL" },
    { "invalid UTF-8 in a string", HOST, "h\xff", "spec.serviceDiscovery.dns.hostname", "UTF%-8" },
    { "a surrogate in a list's string", TAGV, "\xed\xa0\x80", "tags[1].value", "UTF%-8" },
    { "a huge string", NAME, string.rep("n", 4 * 1024 * 1024), "virtualNodeName" },
    -- integers
    { "a string for an integer", PORT, "80", "spec.listeners[1].portMapping.port", "got string" },
    { "1.5 for an integer", PORT, 1.5, "spec.listeners[1].portMapping.port", "must be an integer" },
    { "NaN for an integer", PORT, 0 / 0, "spec.listeners[1].portMapping.port", "integer" },
    { "infinity for an integer", PORT, math.huge, "spec.listeners[1].portMapping.port", "integer" },
    { "2^31 for a 32-bit integer", PORT, 2 ^ 31, "spec.listeners[1].portMapping.port", "32%-bit" },
    { "an integer out of its range", PORT, 70000, "spec.listeners[1].portMapping.port" },
    { "1.5 for an integer in a list", { "spec", "backendDefaults", "clientPolicy", "tls", "ports", 2 },
      1.5, "spec.backendDefaults.clientPolicy.tls.ports[2]", "integer" },
    -- longs
    { "a string for a long", LONG, "5", "spec.listeners[1].outlierDetection.maxServerErrors",
      "got string" },
    { "0.5 for a long", LONG, 0.5, "spec.listeners[1].outlierDetection.maxServerErrors", "integer" },
    { "2^63 for a long", LONG, 2 ^ 63, "spec.listeners[1].outlierDetection.maxServerErrors",
      "integer" },
    { "a long below its minimum", LONG, 0, "spec.listeners[1].outlierDetection.maxServerErrors" },
    -- booleans
    { "a string for a boolean", BOOL, "true", "spec.backendDefaults.clientPolicy.tls.enforce",
      "must be a boolean, got string" },
    { "1 for a boolean", BOOL, 1, "spec.backendDefaults.clientPolicy.tls.enforce", "got number" },
    -- structures
    { "a string for a structure", { "spec" }, "x", "spec", "must be a table, got string" },
    { "an unknown member", { "spec", "bogus" }, 1, "spec.bogus", "unknown parameter spec.bogus %(known: " },
    { "an integer key in a structure", { "spec", 1 }, "x", "spec[1]", "must be strings, got number" },
    { "a boolean key in a structure", { "spec", true }, "x", "spec[true]" },
    { "a table key in a structure", { "spec", {} }, "x", "spec[table]" },
    { "a key with a NUL byte", { "spec", "listeners\0" }, 1, "spec.listeners\\x00" },
    { "a cycle through a structure", nil, cyclic,
      "spec.listeners[1].portMapping.backendDefaults", "unknown parameter" },
    { "members behind __index", { "spec" }, setmetatable({}, { __index = { listeners = {} } }),
      "spec.listeners", "__index" },
    { "a missing required member", { "meshName" }, nil, "meshName" },
    -- unions
    { "an empty union", UNION, {}, "spec.serviceDiscovery" },
    { "a union with two members", UNION, { dns = { hostname = "h" },
      awsCloudMap = { namespaceName = "n", serviceName = "s" } }, "spec.serviceDiscovery" },
    { "a number for a union", UNION, 1, "spec.serviceDiscovery", "got number" },
    { "an unknown union member", { "spec", "serviceDiscovery", "consul" }, {},
      "spec.serviceDiscovery.consul", "unknown parameter" },
    { "a union behind __index", UNION,
      setmetatable({}, { __index = { dns = { hostname = "h" } } }), "spec.serviceDiscovery.dns",
      "__index" },
    -- lists
    { "a string for a list", PORTS, "443", "spec.backendDefaults.clientPolicy.tls.ports",
      "must be a table %(a list%), got string" },
    { "a list with a gap", PORTS, { 1, nil, 3 }, "spec.backendDefaults.clientPolicy.tls.ports[3]",
      "without gaps" },
    { "a list starting at 0", PORTS, { [0] = 1, 2 }, "spec.backendDefaults.clientPolicy.tls.ports[0]" },
    { "a list with a string key", PORTS, { 1, x = 2 }, "spec.backendDefaults.clientPolicy.tls.ports.x",
      "a list" },
    { "a list with a float key", PORTS, { 1, [1.5] = 2 },
      "spec.backendDefaults.clientPolicy.tls.ports[1.5]" },
    { "a structure in a list position", L1, "x", "spec.listeners[1]", "got string" },
    { "a cycle through a list", nil, cyclic_list, "spec.listeners[2][1]", "must be strings" },
    { "list items behind __index", { "tags" }, IDX, "tags[1]", "__index" },
    { "too many list items", { "tags" }, (function()
      local t = {}
      for i = 1, 51 do
        t[i] = { key = "k" .. i, value = "v" }
      end
      return t
    end)(), "tags" },
    -- the top level
    { "an integer key at the top", { 1 }, "x", "[1]" },
    { "an unknown key at the top", { "virtualnodename" }, "x", "virtualnodename", "unknown" },
  }

  for _, case in ipairs(cases) do
    local name, path, value, field, pattern = case[1], case[2], case[3], case[4], case[5]
    it("returns nil, err with field " .. field:sub(1, 60) .. " for " .. name, function()
      for _, dry_run in ipairs({ true, false }) do
        local p = path and set(node(), path, value) or value()
        local out, err = client:create_virtual_node(p, { dry_run = dry_run })
        assert.is_nil(out)
        assert.equal(appmesh.Error, getmetatable(err))
        assert.equal("ValidationError", err.code, tostring(err))
        assert.equal(field, err.field, tostring(err))
        assert.not_matches("[\r\n]", err.message)
        if pattern then
          assert.matches(pattern, err.message)
        end
        assert.is_nil(err.httpStatus)
      end
    end)
  end

  it("reports the same error whatever the table's order: bad keys first, then model order", function()
    for round = 1, 20 do
      local spec = {}
      local filler = {}
      for i = 1, round do -- tables of different histories hash their keys in different orders
        filler[i] = "k" .. i
        spec[filler[i]] = true
      end
      for _, f in ipairs(filler) do
        spec[f] = nil
      end
      if round % 2 == 0 then
        spec.listeners, spec.backends = "x", 1
      else
        spec.backends, spec.listeners = 1, "x"
      end
      local _, err = client:create_virtual_node({ meshName = "m", virtualNodeName = "n", spec = spec },
        { dry_run = true })
      assert.equal("spec.backends", err.field, tostring(err))
      spec.zzz = 1
      spec.aaa = 2
      _, err = client:create_virtual_node({ meshName = "m", virtualNodeName = "n", spec = spec },
        { dry_run = true })
      assert.equal("spec.aaa", err.field, tostring(err))
    end
  end)

  it("refuses the same inside appmesh.map, without sending", function()
    local results, errors = appmesh.map({ 1 }, function()
      local out, err = client:create_virtual_node(set(node(), PORT, 1.5))
      return err
    end)
    assert.same({}, errors)
    assert.equal("spec.listeners[1].portMapping.port", results[1].field)
  end)

  it("raises for params that are not a table", function()
    for _, v in ipairs({ "x", 1, true, print }) do
      assert.has_error(function() client:create_virtual_node(v) end)
    end
  end)

  it("survives random tables thrown at every operation", function()
    math.randomseed(11)
    local pool = { "", "x", "\0", "\xff", 0, -1, 1.5, 0 / 0, math.huge, MAXINT, math.mininteger,
      true, false, print, {}, { {} }, { 1, 2 }, setmetatable({}, { __index = function() return 1 end }) }
    local function rnd(depth)
      local r = math.random(#pool + 2)
      if r > #pool and depth < 4 then
        local t = {}
        for _ = 1, math.random(0, 3) do
          local keys = { "meshName", "spec", "listeners", "tags", "provider", 1, 2, "x" }
          t[keys[math.random(#keys)]] = rnd(depth + 1)
        end
        return t
      end
      return pool[math.min(r, #pool)]
    end
    for _, op in ipairs(appmesh.operations()) do
      for _ = 1, 20 do
        local p = rnd(0)
        if type(p) == "table" then
          local ok, out, err = pcall(client[op.name], client, p, { dry_run = true })
          assert.is_true(ok, tostring(out))
          if out == nil then
            assert.equal("ValidationError", err.code, tostring(err))
          end
        end
      end
    end
  end)
end)

describe("the converter, the response to Lua", function()
  local responder, client

  helpers.responder_fixture({ max_attempts = 1 }, function(r, c)
    responder, client = r, c
  end)

  it("gives every kind of member as a plain Lua value", function()
    responder.queue({ { body = [[{
      "meshName": "m", "virtualNodeName": "n",
      "spec": {
        "listeners": [{"portMapping": {"port": 8080, "protocol": "http"},
                       "outlierDetection": {"maxServerErrors": 9223372036854775807,
                         "interval": {"unit": "s", "value": 9007199254740993},
                         "baseEjectionDuration": {"unit": "ms", "value": -3},
                         "maxEjectionPercent": 50}}],
        "backendDefaults": {"clientPolicy": {"tls": {"enforce": false, "ports": [443, 8443],
          "validation": {"trust": {"file": {"certificateChain": "/c.pem"}}}}}},
        "serviceDiscovery": {"dns": {"hostname": "n.local", "responseType": null}},
        "extra": [1, 2, 3]
      },
      "status": {"status": "ACTIVE"},
      "metadata": {"arn": "a", "version": 12, "createdAt": 1700000000.125,
                   "lastUpdatedAt": 1700000000, "uid": null}
    }]] } })
    local vn, info = client:describe_virtual_node{ meshName = "m", virtualNodeName = "n" }
    assert.is_table(vn, tostring(info))
    local l = vn.spec.listeners[1]
    assert.equal("integer", math.type(l.portMapping.port))
    assert.equal(MAXINT, l.outlierDetection.maxServerErrors)
    assert.equal(9007199254740993, l.outlierDetection.interval.value)
    assert.equal(-3, l.outlierDetection.baseEjectionDuration.value)
    local tls = vn.spec.backendDefaults.clientPolicy.tls
    assert.is_false(tls.enforce)
    assert.same({ 443, 8443 }, tls.ports)
    assert.equal("/c.pem", tls.validation.trust.file.certificateChain)
    assert.same({ dns = { hostname = "n.local" } }, vn.spec.serviceDiscovery)
    assert.is_nil(vn.spec.extra)
    assert.equal(12, vn.metadata.version)
    assert.equal("integer", math.type(vn.metadata.version))
    assert.equal(1700000000.125, vn.metadata.createdAt)
    assert.equal(1700000000, vn.metadata.lastUpdatedAt)
    assert.is_nil(vn.metadata.uid)
    assert.is_nil(getmetatable(vn))
    assert.is_nil(getmetatable(vn.spec.listeners))
    assert.equal(1, #vn.spec.listeners)
  end)

  it("gives fresh tables: changing one result does not change the next", function()
    responder.queue({ { json = { meshName = "m", spec = {} } }, { json = { meshName = "m" } } })
    local a = assert(client:describe_mesh{ meshName = "m" })
    a.meshName = "changed"
    local b = assert(client:describe_mesh{ meshName = "m" })
    assert.equal("m", b.meshName)
    assert.is_nil(b.spec)
  end)

  it("returns nil, err with code ResponseError for a member of the wrong type", function()
    responder.queue({ { body = '{"meshName": "m", "metadata": {"version": "twelve"}}' } })
    local m, err = client:describe_mesh{ meshName = "m" }
    assert.is_nil(m)
    assert.equal("ResponseError", err.code)
  end)
end)
