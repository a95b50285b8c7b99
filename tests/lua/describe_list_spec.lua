-- SPDX-License-Identifier: MIT
-- client:describe_virtual_service, client:list_virtual_services and the paging iterator
-- client:virtual_services over a real HTTP round trip; their params' validation; the same three
-- on the default client.
local cjson = require "cjson"
local helpers = dofile("tests/lua/helpers.lua")
local appmesh = require "appmesh"

local SERVICE_PATH = "/v20190125/meshes/ecs-mesh/virtualServices/svc.local"
local LIST_PATH = "/v20190125/meshes/ecs-mesh/virtualServices"

local function describe_params(extra)
  local p = { meshName = "ecs-mesh", virtualServiceName = "svc.local" }
  for k, v in pairs(extra or {}) do
    p[k] = v
  end
  return p
end

local function list_params(extra)
  local p = { meshName = "ecs-mesh" }
  for k, v in pairs(extra or {}) do
    p[k] = v
  end
  return p
end

-- A ref as App Mesh sends it in a ListVirtualServices page.
local function wire_ref(name, version)
  return {
    arn = "arn:aws:appmesh:us-east-1:123456789012:mesh/ecs-mesh/virtualService/" .. name,
    meshName = "ecs-mesh", meshOwner = "123456789012", resourceOwner = "123456789012",
    virtualServiceName = name, createdAt = 1700000000.5, lastUpdatedAt = 1700000100.25,
    version = version or 1,
  }
end

local function page(names, next_token)
  local refs = {}
  for i, name in ipairs(names) do
    refs[i] = wire_ref(name, i)
  end
  if #refs == 0 then -- cjson would encode the empty list as an object
    return { body = '{"virtualServices": []' ..
      (next_token and ', "nextToken": "' .. next_token .. '"' or "") .. "}" }
  end
  return { json = { virtualServices = refs, nextToken = next_token } }
end

-- Collect what the iterator yields: the names in order, and the error if any.
local function collect(iter)
  local names, errs = {}, {}
  for ref, err in iter do
    if ref then
      names[#names + 1] = ref.virtualServiceName
    else
      errs[#errs + 1] = err
    end
  end
  return names, errs
end

describe("client:describe_virtual_service", function()
  local responder, client
  helpers.responder_fixture({ max_attempts = 3 }, function(r, c)
    responder, client = r, c
  end)

  it("sends a signed GET without a body and returns VirtualServiceData, info", function()
    local vs, info = client:describe_virtual_service(describe_params())
    assert.is_table(vs, tostring(info))
    assert.equal("ecs-mesh", vs.meshName)
    assert.equal("svc.local", vs.virtualServiceName)
    assert.same({ status = "ACTIVE" }, vs.status)
    assert.equal(2, vs.metadata.version)
    assert.equal(200, info.httpStatus)
    assert.equal(1, info.attempts)
    assert.matches("^req%-%d+$", info.requestId)
    assert.is_nil(info.clientToken)
    local log = responder.log()
    assert.equal(1, #log)
    assert.equal("GET", log[1].method)
    assert.equal(SERVICE_PATH, log[1].path)
    assert.equal("", log[1].query)
    assert.equal("", log[1].body)
    assert.is_nil(log[1].headers["content-type"])
    assert.matches("^AWS4%-HMAC%-SHA256 Credential=AKIDEXAMPLE/", log[1].headers.authorization)
  end)

  it("sends meshOwner as a query parameter", function()
    assert(client:describe_virtual_service(describe_params({ meshOwner = "123456789012" })))
    assert.equal("meshOwner=123456789012", responder.log()[1].query)
  end)

  it("returns the service's spec and leaves JSON nulls out", function()
    responder.queue({ { json = {
      meshName = "ecs-mesh", virtualServiceName = "svc.local",
      spec = { provider = { virtualRouter = { virtualRouterName = "r" } } },
      status = { status = "ACTIVE" }, metadata = { version = 7, uid = cjson.null },
    } } })
    local vs, info = client:describe_virtual_service(describe_params())
    assert.same({
      meshName = "ecs-mesh", virtualServiceName = "svc.local",
      spec = { provider = { virtualRouter = { virtualRouterName = "r" } } },
      status = { status = "ACTIVE" }, metadata = { version = 7 },
    }, vs, tostring(info))
  end)

  it("returns nil, err with code NotFoundException for an unknown service", function()
    responder.queue({ { error = "NotFoundException", status = 404, message = "not found",
      requestId = "rid-1" } })
    local vs, err = client:describe_virtual_service(describe_params())
    assert.is_nil(vs)
    assert.equal(appmesh.Error, getmetatable(err))
    assert.equal("NotFoundException", err.code)
    assert.equal(404, err.httpStatus)
    assert.equal("rid-1", err.requestId)
    assert.equal(1, err.attempts)
  end)

  it("retries a 503 like any call", function()
    responder.queue({ { status = 503 } })
    local vs, info = client:describe_virtual_service(describe_params())
    assert.is_table(vs, tostring(info))
    assert.equal(2, info.attempts)
    assert.equal(2, #responder.log())
  end)

  -- { name, params, field }
  local invalid = {
    { "a missing meshName", { virtualServiceName = "s" }, "meshName" },
    { "a numeric meshName", describe_params({ meshName = 1 }), "meshName" },
    { "an empty virtualServiceName", describe_params({ virtualServiceName = "" }),
      "virtualServiceName" },
    { "a missing virtualServiceName", { meshName = "m" }, "virtualServiceName" },
    { "an 11-character meshOwner", describe_params({ meshOwner = "12345678901" }), "meshOwner" },
    { "a meshOwner table", describe_params({ meshOwner = {} }), "meshOwner" },
    { "a NUL byte in virtualServiceName", describe_params({ virtualServiceName = "s\0" }),
      "virtualServiceName" },
    { "a spec (not a describe parameter)", describe_params({ spec = {} }), "spec" },
    { "an unknown key", describe_params({ meshname = "m" }), "meshname" },
    { "an integer key", describe_params({ [1] = "x" }), "[1]" },
  }
  for _, case in ipairs(invalid) do
    it("returns nil, err with field " .. case[3] .. " for " .. case[1], function()
      local vs, err = client:describe_virtual_service(case[2])
      assert.is_nil(vs)
      assert.equal("ValidationError", err.code)
      assert.equal(case[3], err.field)
      assert.same({}, responder.log())
    end)
  end

  it("raises for params that are not a table", function()
    assert.has_error(function() client:describe_virtual_service("x") end,
      "bad argument #1 to 'describe_virtual_service' (table expected, got string)")
    assert.has_error(function() appmesh.describe_virtual_service(1) end,
      "bad argument #1 to 'describe_virtual_service' (table expected, got number)")
  end)
end)

describe("client:list_virtual_services", function()
  local responder, client
  helpers.responder_fixture(nil, function(r, c)
    responder, client = r, c
  end)

  it("sends a GET with limit, meshOwner and nextToken and returns the page", function()
    responder.queue({ page({ "a.local", "b.local" }, "tok/2") })
    local p, info = client:list_virtual_services(list_params({ limit = 2,
      meshOwner = "123456789012", nextToken = "tok/1" }))
    assert.is_table(p, tostring(info))
    assert.same({ virtualServices = { wire_ref("a.local", 1), wire_ref("b.local", 2) },
      nextToken = "tok/2" }, p)
    assert.equal("integer", math.type(p.virtualServices[2].version))
    assert.equal(200, info.httpStatus)
    local log = responder.log()
    assert.equal("GET", log[1].method)
    assert.equal(LIST_PATH, log[1].path)
    assert.equal("limit=2&meshOwner=123456789012&nextToken=tok%2F1", log[1].query)
  end)

  it("leaves nextToken out on the last page and JSON nulls out of refs", function()
    responder.queue({ { json = { virtualServices = {
      { meshName = "ecs-mesh", virtualServiceName = "a", arn = cjson.null, version = cjson.null },
    }, nextToken = cjson.null } } })
    local p = assert(client:list_virtual_services(list_params()))
    assert.same({ virtualServices = { { meshName = "ecs-mesh", virtualServiceName = "a" } } }, p)
    assert.is_nil(p.nextToken)
  end)

  it("returns an empty list for an empty page", function()
    local p = assert(client:list_virtual_services(list_params()))
    assert.same({ virtualServices = {} }, p)
    assert.equal("", responder.log()[1].query)
  end)

  it("returns nil, err for an error response", function()
    responder.queue({ { error = "NotFoundException", status = 404, message = "no mesh" } })
    local p, err = client:list_virtual_services(list_params())
    assert.is_nil(p)
    assert.equal("NotFoundException", err.code)
  end)

  local invalid = {
    { "a missing meshName", {}, "meshName" },
    { "a limit of 0", list_params({ limit = 0 }), "limit" },
    { "a limit of 101", list_params({ limit = 101 }), "limit" },
    { "a fractional limit", list_params({ limit = 1.5 }), "limit" },
    { "a string limit", list_params({ limit = "10" }), "limit" },
    { "a huge limit", list_params({ limit = 2 ^ 40 }), "limit" },
    { "an empty nextToken", list_params({ nextToken = "" }), "nextToken" },
    { "a numeric nextToken", list_params({ nextToken = 5 }), "nextToken" },
    { "a short meshOwner", list_params({ meshOwner = "1" }), "meshOwner" },
    { "a virtualServiceName (not a list parameter)", list_params({ virtualServiceName = "s" }),
      "virtualServiceName" },
    { "a boolean key", list_params({ [true] = 1 }), "[true]" },
  }
  for _, case in ipairs(invalid) do
    it("returns nil, err with field " .. case[3] .. " for " .. case[1], function()
      local p, err = client:list_virtual_services(case[2])
      assert.is_nil(p)
      assert.equal("ValidationError", err.code)
      assert.equal(case[3], err.field)
      assert.same({}, responder.log())
    end)
  end

  it("accepts limits 1 and 100 and an integral float", function()
    for _, limit in ipairs({ 1, 100, 50.0 }) do
      assert(client:list_virtual_services(list_params({ limit = limit })))
    end
    local log = responder.log()
    assert.equal("limit=1", log[1].query)
    assert.equal("limit=100", log[2].query)
    assert.equal("limit=50", log[3].query)
  end)

  it("raises for params that are not a table", function()
    assert.has_error(function() client:list_virtual_services() end,
      "bad argument #1 to 'list_virtual_services' (table expected, got no value)")
  end)
end)

describe("client:virtual_services", function()
  local responder, client

  helpers.responder_fixture({ max_attempts = 1 }, function(r, c)
    responder, client = r, c
  end)

  it("yields every ref of every page, following nextToken", function()
    responder.queue({ page({ "a", "b" }, "t2"), page({}, "t3"), page({ "c" }) })
    local names, errs = collect(client:virtual_services(list_params({ limit = 2 })))
    assert.same({ "a", "b", "c" }, names)
    assert.same({}, errs)
    local log = responder.log()
    assert.equal(3, #log)
    assert.equal("limit=2", log[1].query)
    assert.equal("limit=2&nextToken=t2", log[2].query)
    assert.equal("limit=2&nextToken=t3", log[3].query)
  end)

  it("yields refs as plain tables with wire names", function()
    responder.queue({ page({ "a" }) })
    local iter = client:virtual_services(list_params())
    assert.same(wire_ref("a", 1), iter())
    assert.is_nil(iter())
    assert.is_nil(iter())
    assert.equal(1, #responder.log())
  end)

  it("starts from the nextToken given and sends meshOwner on every page", function()
    responder.queue({ page({ "x" }, "t9"), page({ "y" }) })
    local names = collect(client:virtual_services(list_params({ nextToken = "t8",
      meshOwner = "123456789012" })))
    assert.same({ "x", "y" }, names)
    local log = responder.log()
    assert.equal("meshOwner=123456789012&nextToken=t8", log[1].query)
    assert.equal("meshOwner=123456789012&nextToken=t9", log[2].query)
  end)

  it("sends nothing until the first step", function()
    client:virtual_services(list_params())
    assert.same({}, responder.log())
  end)

  it("yields false, err once on a failed page and stops", function()
    responder.queue({ page({ "a" }, "t2"),
      { error = "NotFoundException", status = 404, message = "gone" } })
    local iter = client:virtual_services(list_params())
    assert.equal("a", iter().virtualServiceName)
    local ref, err = iter()
    assert.is_false(ref)
    assert.equal(appmesh.Error, getmetatable(err))
    assert.equal("NotFoundException", err.code)
    assert.is_nil(iter())
    assert.equal(2, #responder.log())
  end)

  it("reports the error inside a generic for (a falsy value that does not end it)", function()
    responder.queue({ { error = "BadRequestException", status = 400 } })
    local names, errs = collect(client:virtual_services(list_params()))
    assert.same({}, names)
    assert.equal(1, #errs)
    assert.equal("BadRequestException", errs[1].code)
  end)

  it("yields false, err with code ValidationError for bad params, sending nothing", function()
    local names, errs = collect(client:virtual_services(list_params({ limit = 0 })))
    assert.same({}, names)
    assert.equal("ValidationError", errs[1].code)
    assert.equal("limit", errs[1].field)
    names, errs = collect(client:virtual_services({ meshName = "m", bogus = 1 }))
    assert.equal("bogus", errs[1].field)
    assert.same({}, responder.log())
  end)

  it("does not see later changes to the params table", function()
    responder.queue({ page({ "a" }, "t2"), page({ "b" }) })
    local params = list_params()
    local iter = client:virtual_services(params)
    assert.equal("a", iter().virtualServiceName)
    params.meshName = "other"
    params.limit = "bad"
    assert.equal("b", iter().virtualServiceName)
    assert.equal(LIST_PATH, responder.log()[2].path)
  end)

  it("raises for params that are not a table and for a closed client", function()
    assert.has_error(function() client:virtual_services("m") end,
      "bad argument #1 to 'virtual_services' (table expected, got string)")
    local c = assert(appmesh.client(helpers.client_options(responder.url)))
    local iter = c:virtual_services(list_params())
    c:close()
    assert.has_error(function() iter() end, "attempt to use a closed client")
    assert.has_error(function() c:virtual_services(list_params()) end,
      "attempt to use a closed client")
  end)
end)

describe("the default client's describe_virtual_service, list_virtual_services, " ..
  "virtual_services", function()
  local responder
  helpers.responder_fixture(false, function(r)
    responder = r
  end)

  local function env(extra)
    local e = {
      AWS_REGION = "eu-west-1", AWS_ENDPOINT_URL_APP_MESH = responder.url,
      AWS_ACCESS_KEY_ID = helpers.ACCESS_KEY, AWS_SECRET_ACCESS_KEY = helpers.SECRET_KEY,
    }
    for k, v in pairs(extra or {}) do
      e[k] = v
    end
    return e
  end

  it("describes, lists and iterates on a client built from the environment", function()
    responder.queue({ page({ "p1" }, "t2"), page({ "p2" }) })
    local out, ok = helpers.run_child([[
      local appmesh = require "appmesh"
      local p = assert(appmesh.list_virtual_services{ meshName = "ecs-mesh" })
      local names = {}
      for ref, err in appmesh.virtual_services{ meshName = "ecs-mesh" } do
        names[#names + 1] = ref and ref.virtualServiceName or tostring(err)
      end
      local vs = assert(appmesh.describe_virtual_service{ meshName = "m",
        virtualServiceName = "s" })
      io.write(p.virtualServices[1].virtualServiceName, "|", tostring(p.nextToken), "|",
        table.concat(names, ","), "|", vs.virtualServiceName)
    ]], env())
    assert.is_true(ok, out)
    assert.equal("p1|t2|p2|s", out)
    local log = responder.log()
    assert.equal(3, #log)
    assert.matches("/eu%-west%-1/appmesh/aws4_request", log[3].headers.authorization)
    assert.equal("GET", log[3].method)
  end)

  it("returns nil, err (or an iterator yielding false, err) when no client can be built",
    function()
      local out, ok = helpers.run_child([[
        local appmesh = require "appmesh"
        local vs, err = appmesh.describe_virtual_service{ meshName = "m", virtualServiceName = "s" }
        local p, err2 = appmesh.list_virtual_services{ meshName = "m" }
        local iter = appmesh.virtual_services{ meshName = "m" }
        local ref, err3 = iter()
        io.write(tostring(vs), "|", err.code, "|", tostring(p), "|", err2.code, "|",
          tostring(ref), "|", err3.code, "|", tostring(iter()))
      ]], env({ AWS_ENDPOINT_URL_APP_MESH = "not a url" }))
      assert.is_true(ok, out)
      assert.equal("nil|EndpointError|nil|EndpointError|false|EndpointError|nil", out)
      assert.same({}, responder.log())
    end)
end)
