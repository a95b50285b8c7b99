-- SPDX-License-Identifier: MIT
-- Every App Mesh operation from Lua: the 38 client methods (method, path, body, output),
-- module functions on the default client, appmesh.operations() and appmesh.skeleton(), the
-- paging iterators and client:paginate, calls inside appmesh.map / pools, and unknown names.
local cjson = require "cjson"
local helpers = dofile("tests/lua/helpers.lua")
local appmesh = require "appmesh"

local BIG = 9007199254740993 -- 2^53 + 1: a double cannot hold it
local ARN = "arn:aws:appmesh:us-east-1:123456789012:mesh/m"

-- A valid spec for each kind of resource (the smallest the model accepts).
local SPECS = {
  Mesh = {},
  VirtualNode = {},
  VirtualRouter = {},
  Route = { httpRoute = { match = { prefix = "/" },
    action = { weightedTargets = { { virtualNode = "n", weight = 1 } } } } },
  VirtualService = { provider = { virtualNode = { virtualNodeName = "n" } } },
  VirtualGateway = { listeners = { { portMapping = { port = 8080, protocol = "http" } } } },
  GatewayRoute = { httpRoute = { match = { prefix = "/" },
    action = { target = { virtualService = { virtualServiceName = "s" } } } } },
}

-- Values of the identifying members, all different so that a swapped label shows.
local NAMES = {
  meshName = "m", virtualNodeName = "n", virtualRouterName = "r", routeName = "rt",
  virtualServiceName = "s", virtualGatewayName = "g", gatewayRouteName = "gr",
}

-- Valid params for an operation: its required members.
local function params_for(op)
  local kind = op.api:gsub("^%u%l+", "") -- CreateVirtualNode -> VirtualNode
  local p = {}
  for _, m in ipairs(op.members) do
    if m.required then
      if NAMES[m.name] then
        p[m.name] = NAMES[m.name]
      elseif m.name == "spec" then
        p.spec = assert(SPECS[kind], kind)
      elseif m.name == "resourceArn" then
        p.resourceArn = ARN
      elseif m.name == "tags" then
        p.tags = { { key = "k", value = "v" } }
      elseif m.name == "tagKeys" then
        p.tagKeys = { "k" }
      else
        error("no value for required member " .. m.name .. " of " .. op.name)
      end
    end
  end
  return p
end

-- The request path an operation's params give (every label is a plain name here).
local function expected_path(op, p)
  return (op.uri:gsub("%?.*$", ""):gsub("{(%w+)}", function(label)
    return assert(p[label], label)
  end))
end

-- The JSON body the responder answers an operation with: the payload (or page) echoing the
-- identifying names, a long beyond 2^53, a timestamp, a null and a field the model lacks.
local function canned_output(op, p)
  local item = '"metadata": {"version": 9007199254740993, "createdAt": 1700000000.5, ' ..
    '"arn": "' .. ARN .. '"}, "status": null, "unknownField": {"x": 1}'
  for name, value in pairs(NAMES) do
    if p[name] then
      item = item .. ', "' .. name .. '": "' .. value .. '"'
    end
  end
  if op.payload then
    return "{" .. item .. "}" -- rest-json: the payload member is the whole body
  elseif op.iterator == "tags" then
    return '{"tags": [{"key": "k", "value": "v"}], "nextToken": null}'
  elseif op.iterator then
    local ref = '"meshName": "m", "version": 9007199254740993, "createdAt": 1700000000.5, ' ..
      '"lastUpdatedAt": 1700000100.25, "unknownField": 1, "meshOwner": null'
    -- a list's items echo the parent asked for (the client checks it)
    for _, parent in ipairs({ "virtualRouterName", "virtualGatewayName" }) do
      if p[parent] then
        ref = ref .. ', "' .. parent .. '": "' .. p[parent] .. '"'
      end
    end
    local key = op.api:gsub("^List", "")
    key = key:sub(1, 1):lower() .. key:sub(2)
    return '{"' .. key .. '": [{' .. ref .. '}], "nextToken": "next"}'
  end
  return "{}"
end

local function by_name()
  local t = {}
  for _, op in ipairs(appmesh.operations()) do
    t[op.name] = op
  end
  return t
end

describe("appmesh.operations()", function()
  it("lists the 38 operations with boto3 names, API names, method, URI and members", function()
    local ops = appmesh.operations()
    assert.equal(38, #ops)
    local seen = {}
    for i, op in ipairs(ops) do
      assert.matches("^[a-z_]+$", op.name)
      assert.matches("^%u%a+$", op.api)
      assert.matches("^/v20190125/", op.uri)
      assert.is_true(op.method == "GET" or op.method == "PUT" or op.method == "DELETE")
      assert.is_table(op.members)
      if i > 1 then
        assert.is_true(ops[i - 1].name < op.name, "sorted")
      end
      seen[op.name] = op
    end
    assert.equal("CreateRoute", seen.create_route.api)
    assert.equal("route", seen.create_route.payload)
    assert.is_nil(seen.list_routes.payload)
    assert.equal("routes", seen.list_routes.iterator)
    assert.equal("tags", seen.list_tags_for_resource.iterator)
    assert.equal("virtual_nodes", seen.list_virtual_nodes.iterator)
    local required = {}
    for _, m in ipairs(seen.create_route.members) do
      if m.required then
        required[#required + 1] = m.name
      end
      if m.name == "meshName" then
        assert.equal("uri", m.location)
      elseif m.name == "meshOwner" then
        assert.equal("query", m.location)
      elseif m.name == "spec" then
        assert.equal("body", m.location)
      end
    end
    table.sort(required)
    assert.same({ "meshName", "routeName", "spec", "virtualRouterName" }, required)
  end)

  it("returns a fresh table each time", function()
    local a = appmesh.operations()
    a[1].name = "changed"
    assert.are_not.equal("changed", appmesh.operations()[1].name)
  end)
end)

describe("appmesh.skeleton", function()
  it("gives an operation's input with every member, by boto3 or API name", function()
    local s = appmesh.skeleton("create_route")
    assert.same(s, appmesh.skeleton("CreateRoute"))
    assert.equal("", s.meshName)
    assert.equal("", s.routeName)
    assert.is_table(s.spec.httpRoute.match)
    assert.equal(1, #s.spec.httpRoute.action.weightedTargets)
    assert.equal(0, s.spec.httpRoute.action.weightedTargets[1].weight)
    assert.equal("integer", math.type(s.spec.httpRoute.action.weightedTargets[1].weight))
    assert.equal(1, #s.tags)
    assert.equal("", s.tags[1].key)
  end)

  it("has every member of a union and booleans as false", function()
    local s = appmesh.skeleton("update_virtual_service")
    assert.is_table(s.spec.provider.virtualNode)
    assert.is_table(s.spec.provider.virtualRouter)
    local n = appmesh.skeleton("create_virtual_node")
    assert.is_false(n.spec.backendDefaults.clientPolicy.tls.enforce)
  end)

  it("raises for an unknown operation, naming the nearest", function()
    local ok, msg = pcall(appmesh.skeleton, "create_rout")
    assert.is_false(ok)
    assert.matches("unknown operation 'create_rout' %(did you mean create_route", msg)
    assert.has_error(function() appmesh.skeleton(42) end)
  end)
end)

describe("client methods for every operation", function()
  local responder, client
  local OPS = by_name()

  helpers.responder_fixture({ max_attempts = 1 }, function(r, c)
    responder, client = r, c
  end)

  it("has a method named as boto3 names it for each of the 38", function()
    local n = 0
    for name in pairs(OPS) do
      assert.is_function(client[name], name)
      assert.is_function(appmesh[name], "appmesh." .. name)
      n = n + 1
    end
    assert.equal(38, n)
  end)

  it("returns nil for an unknown method, so that `if client.x then` works", function()
    assert.is_nil(client.create_routes)
    assert.is_nil(client.no_such_method)
    assert.is_nil(client[1])
    assert.is_nil(client[client])
    assert.is_nil(appmesh.no_such_function)
  end)

  for _, op in ipairs(appmesh.operations()) do
    it(op.name .. " dry run: " .. op.method .. " " .. op.uri, function()
      local p = params_for(op)
      local req, err = client[op.name](client, p, { dry_run = true })
      assert.is_table(req, tostring(err))
      assert.equal(op.method, req.method)
      local path = req.url:match("^https?://[^/]+(/[^?]*)")
      assert.equal(expected_path(op, p), path)
      if op.name == "tag_resource" or op.name == "untag_resource" or
          op.name == "list_tags_for_resource" then
        assert.matches("resourceArn=arn%%3Aaws%%3Aappmesh", req.url)
      end
      assert.matches("Signature=<redacted>", req.headers.Authorization)
      assert.same({}, responder.log(), "a dry run sends nothing")
    end)

    it(op.name .. " sends its request and returns " ..
      (op.payload and "the " .. op.payload or "the output table") .. ", info", function()
      local p = params_for(op)
      responder.queue({ { body = canned_output(op, p) } })
      local out, info = client[op.name](client, p)
      assert.is_table(out, tostring(info))
      assert.equal(200, info.httpStatus)
      assert.equal(1, info.attempts)
      local log = responder.log()
      assert.equal(1, #log)
      assert.equal(op.method, log[1].method)
      assert.equal(expected_path(op, p), log[1].path)
      if op.payload then
        assert.equal("m", out.meshName)
        assert.equal(BIG, out.metadata.version)
        assert.equal("integer", math.type(out.metadata.version))
        assert.equal(1700000000.5, out.metadata.createdAt)
        assert.is_nil(out.status) -- a JSON null is absent
        assert.is_nil(out.unknownField) -- a field the model does not know is ignored
      elseif op.iterator == "tags" then
        assert.same({ tags = { { key = "k", value = "v" } } }, out)
      elseif op.iterator then
        local key = next(out, nil) == "nextToken" and next(out, "nextToken") or next(out, nil)
        assert.equal("next", out.nextToken)
        assert.equal(1, #out[key])
        assert.equal("m", out[key][1].meshName)
        assert.equal(BIG, out[key][1].version)
        assert.equal(1700000100.25, out[key][1].lastUpdatedAt)
        assert.is_nil(out[key][1].unknownField)
        assert.is_nil(out[key][1].meshOwner)
      else
        assert.same({}, out)
      end
      if op.method == "PUT" and op.name ~= "untag_resource" and op.name ~= "tag_resource" and
          op.name:match("^create_") then
        local body = cjson.decode(log[1].body)
        assert.matches("^%x+%-%x+%-4%x+%-[89ab]%x+%-%x+$", body.clientToken)
        assert.equal(body.clientToken, info.clientToken)
      end
    end)

    it(op.name .. " returns nil, err on a service error, and on the default client", function()
      responder.queue({ { error = "NotFoundException", status = 404, message = "nope",
        requestId = "rid-7" } })
      local out, err = client[op.name](client, params_for(op))
      assert.is_nil(out)
      assert.equal(appmesh.Error, getmetatable(err))
      assert.equal("NotFoundException", err.code)
      assert.equal(404, err.httpStatus)
      assert.equal("rid-7", err.requestId)
      assert.is_false(err.retryable)
    end)
  end

  it("refuses a call with a required member missing before sending anything", function()
    local out, err = client:create_route{ meshName = "m", virtualRouterName = "r",
      spec = SPECS.Route }
    assert.is_nil(out)
    assert.equal("ValidationError", err.code)
    assert.equal("routeName", err.field)
    assert.same({}, responder.log())
  end)

  it("refuses params whose request body would pass the 1 MiB cap as a ValidationError", function()
    -- the model sets no maximum on backends: only the body's size is too much
    local backends = {}
    for i = 1, 30000 do
      backends[i] = { virtualService = { virtualServiceName = string.format("svc-%05d", i) } }
    end
    local params = { meshName = "m", virtualNodeName = "n", spec = { backends = backends } }
    for _, opts in ipairs({ {}, { dry_run = true } }) do
      local out, err = client:create_virtual_node(params, opts)
      assert.is_nil(out)
      assert.equal("ValidationError", err.code, tostring(err))
      assert.matches("1048576", err.message)
      assert.equal(0, err.attempts)
    end
    assert.same({}, responder.log())
  end)

  it("raises for params that are not a table or options of the wrong type", function()
    assert.has_error(function() client:create_mesh("m") end)
    assert.has_error(function() client:create_mesh() end)
    assert.has_error(function() client:create_mesh({ meshName = "m" }, { dry_run = "yes" }) end)
    assert.has_error(function() client:create_mesh({ meshName = "m" }, { bogus = true }) end)
    assert.has_error(function() client.create_mesh({}, { meshName = "m" }) end)
  end)

  it("raises after close", function()
    local c = assert(appmesh.client(helpers.client_options(responder.url)))
    c:close()
    assert.has_error(function() c:create_mesh{ meshName = "m" } end,
      "attempt to use a closed client")
  end)

  it("sends the same clientToken on every attempt of a retried create", function()
    local c = assert(appmesh.client(helpers.client_options(responder.url, { max_attempts = 3 })))
    responder.queue({ { status = 503 }, { body = canned_output(OPS.create_mesh, { meshName = "m" }) } })
    local mesh, info = c:create_mesh{ meshName = "m" }
    c:close()
    assert.is_table(mesh, tostring(info))
    assert.equal(2, info.attempts)
    local log = responder.log()
    assert.equal(cjson.decode(log[1].body).clientToken, cjson.decode(log[2].body).clientToken)
  end)

  it("keeps a clientToken the caller gives", function()
    responder.queue({ { body = canned_output(OPS.create_mesh, { meshName = "m" }) } })
    assert(client:create_mesh{ meshName = "m", clientToken = "my-token-1" })
    assert.equal("my-token-1", cjson.decode(responder.log()[1].body).clientToken)
  end)
end)

describe("paging iterators", function()
  local responder, client

  helpers.responder_fixture({ max_attempts = 1 }, function(r, c)
    responder, client = r, c
  end)

  local function page(key, names, token)
    local items = {}
    for i, n in ipairs(names) do
      items[i] = key == "meshes" and string.format('{"meshName": "%s", "version": %d}', n, i)
        or string.format('{"meshName": "m", "virtualRouterName": "r", "virtualGatewayName": "g", '
          .. '"name": "%s", "version": %d}', n, i)
    end
    return { body = string.format('{"%s": [%s]%s}', key, table.concat(items, ","),
      token and (', "nextToken": "' .. token .. '"') or "") }
  end

  local function collect(iter)
    local items, errs = {}, {}
    for item, err in iter do
      if item then
        items[#items + 1] = item
      else
        errs[#errs + 1] = err
      end
    end
    return items, errs
  end

  it("client:meshes{} follows nextToken across pages", function()
    responder.queue({ page("meshes", { "a", "b" }, "t2"), page("meshes", {}, "t3"),
      page("meshes", { "c" }) })
    local items, errs = collect(client:meshes{})
    assert.same({}, errs)
    assert.equal(3, #items)
    assert.equal("c", items[3].meshName)
    local log = responder.log()
    assert.equal(3, #log)
    assert.equal("/v20190125/meshes", log[1].path)
    assert.equal("", log[1].query)
    assert.equal("nextToken=t2", log[2].query)
    assert.equal("nextToken=t3", log[3].query)
  end)

  for _, case in ipairs({
    { "virtual_nodes", "list_virtual_nodes", "virtualNodes", { meshName = "m" },
      "/v20190125/meshes/m/virtualNodes" },
    { "virtual_routers", "list_virtual_routers", "virtualRouters", { meshName = "m" },
      "/v20190125/meshes/m/virtualRouters" },
    { "virtual_services", "list_virtual_services", "virtualServices", { meshName = "m" },
      "/v20190125/meshes/m/virtualServices" },
    { "virtual_gateways", "list_virtual_gateways", "virtualGateways", { meshName = "m" },
      "/v20190125/meshes/m/virtualGateways" },
    { "routes", "list_routes", "routes", { meshName = "m", virtualRouterName = "r" },
      "/v20190125/meshes/m/virtualRouter/r/routes" },
    { "gateway_routes", "list_gateway_routes", "gatewayRoutes",
      { meshName = "m", virtualGatewayName = "g" },
      "/v20190125/meshes/m/virtualGateway/g/gatewayRoutes" },
  }) do
    local iter, op, key, params, path = case[1], case[2], case[3], case[4], case[5]
    it("client:" .. iter .. " and client:paginate('" .. op .. "') iterate the pages", function()
      responder.queue({ page(key, { "x" }, "t"), page(key, { "y" }) })
      local items, errs = collect(client[iter](client, params))
      assert.same({}, errs)
      assert.equal(2, #items)
      assert.equal("integer", math.type(items[2].version))
      responder.queue({ page(key, { "x" }, "t"), page(key, { "y" }) })
      local items2 = collect(client:paginate(op, params))
      assert.same(items, items2)
      local log = responder.log()
      assert.equal(4, #log)
      assert.equal(path, log[1].path)
      assert.equal("nextToken=t", log[2].query)
    end)
  end

  it("client:tags{resourceArn=} iterates a resource's tags", function()
    responder.queue({ { json = { tags = { { key = "a", value = "1" } }, nextToken = "t" } },
      { json = { tags = { { key = "b", value = "2" } } } } })
    local items = collect(client:tags{ resourceArn = ARN, limit = 1 })
    assert.same({ { key = "a", value = "1" }, { key = "b", value = "2" } }, items)
    local log = responder.log()
    assert.equal("/v20190125/tags", log[1].path)
    assert.matches("limit=1", log[2].query)
    assert.matches("nextToken=t", log[2].query)
  end)

  it("ends with false, err on a failed page (inside a generic for), then stops", function()
    responder.queue({ page("meshes", { "a" }, "t"),
      { error = "ForbiddenException", status = 403, message = "no" } })
    local items, errs = collect(client:meshes{})
    assert.equal(1, #items)
    assert.equal(1, #errs)
    assert.equal("ForbiddenException", errs[1].code)
  end)

  it("ends with a ValidationError for bad params, sending nothing", function()
    local items, errs = collect(client:virtual_nodes{ meshName = 42 })
    assert.same({}, items)
    assert.equal("ValidationError", errs[1].code)
    assert.equal("meshName", errs[1].field)
    local _, errs2 = collect(client:virtual_nodes{ meshName = "m", limit = 1.5 })
    assert.equal("limit", errs2[1].field)
    assert.same({}, responder.log())
  end)

  it("ends with a ResponseError when the service repeats a nextToken", function()
    responder.queue({ page("meshes", { "a" }, "same"), page("meshes", { "b" }, "same") })
    local items, errs = collect(client:meshes{})
    assert.equal(2, #items)
    assert.equal("ResponseError", errs[1].code)
    assert.equal(2, #responder.log())
  end)

  it("ends after a page whose nextToken is empty, as botocore's paginator", function()
    for _, case in ipairs({ { "meshes", {}, "meshes" },
      { "virtual_services", { meshName = "m" }, "virtualServices" } }) do
      responder.queue({ page(case[3], { "a" }, "t2"), page(case[3], { "b" }, "") })
      local items, errs = collect(client[case[1]](client, case[2]))
      assert.same({}, errs, case[1])
      assert.equal(2, #items, case[1])
      assert.equal(2, #responder.log(), case[1])
      responder.reset()
    end
  end)

  it("copies the params as pairs reads them and refuses an __index proxy", function()
    responder.queue({ page("virtualNodes", { "a" }) })
    local proxy = setmetatable({}, { __pairs = function() return next, { meshName = "m" }, nil end })
    local items, errs = collect(client:virtual_nodes(proxy))
    assert.same({}, errs)
    assert.equal(1, #items)
    local _, errs2 = collect(client:virtual_nodes(setmetatable({}, { __index = { meshName = "m" } })))
    assert.equal("ValidationError", errs2[1].code)
    assert.equal("meshName", errs2[1].field)
  end)

  it("client:paginate raises for an unknown or unpaginated operation", function()
    local ok, msg = pcall(client.paginate, client, "list_virtual_node", {})
    assert.is_false(ok)
    assert.matches("unknown operation 'list_virtual_node' %(did you mean list_virtual_nodes", msg)
    ok, msg = pcall(client.paginate, client, "ListVirtualNode", {})
    assert.matches("did you mean ListVirtualNodes", msg)
    ok, msg = pcall(client.paginate, client, "create_route", {})
    assert.is_false(ok)
    assert.matches("not paginated", msg)
    assert.has_error(function() client:paginate("list_meshes") end)
    assert.has_error(function() client:paginate(nil, {}) end)
  end)
end)

describe("every operation inside appmesh.map, appmesh.run and pools", function()
  local responder, client

  helpers.responder_fixture({ max_attempts = 1 }, function(r, c)
    responder, client = r, c
  end)

  local function max_inflight(log)
    local m = 0
    for _, entry in ipairs(log) do
      m = math.max(m, entry.inflight)
    end
    return m
  end

  it("appmesh.map runs describe_virtual_node calls at once and returns their results", function()
    local names = { "n1", "n2", "n3", "n4" }
    local queue = {}
    for _, n in ipairs(names) do
      queue[#queue + 1] = { json = { meshName = "m", virtualNodeName = n,
        metadata = { version = 1 } }, match = "/" .. n, delay = 0.3 }
    end
    responder.queue(queue)
    local results, errors = appmesh.map(names, function(n)
      return assert(client:describe_virtual_node{ meshName = "m", virtualNodeName = n })
    end, { concurrency = 4 })
    assert.same({}, errors)
    for i, n in ipairs(names) do
      assert.equal(n, results[i].virtualNodeName)
    end
    assert.equal(4, max_inflight(responder.log()))
  end)

  it("a pool task pages through an iterator and calls tag_resource, yielding meanwhile", function()
    responder.queue({
      { json = { meshes = { { meshName = "a", arn = ARN .. "a" } }, nextToken = "t" },
        match = "/meshes", delay = 0.2 },
      { json = { meshes = { { meshName = "b", arn = ARN .. "b" } } }, match = "/meshes" },
      { body = "{}", match = "/tag", delay = 0.2 },
    })
    local pool = appmesh.pool{ concurrency = 2 }
    local seen, tagged, other = {}, nil, 0
    pool:spawn(function()
      for mesh, err in client:meshes{} do
        assert(mesh, tostring(err))
        seen[#seen + 1] = mesh.meshName
      end
    end)
    pool:spawn(function()
      tagged = { client:tag_resource{ resourceArn = ARN, tags = { { key = "k", value = "v" } } } }
      other = other + 1
    end)
    local failed, errs = pool:wait()
    assert.equal(0, failed, tostring(errs and errs[1]))
    assert.same({ "a", "b" }, seen)
    assert.same({}, tagged[1])
    assert.equal(200, tagged[2].httpStatus)
    assert.equal(2, max_inflight(responder.log()))
  end)

  it("appmesh.run returns a generic call's results and its validation errors", function()
    responder.queue({ { json = { meshName = "m" } } })
    local mesh, info = appmesh.run(function()
      return client:describe_mesh{ meshName = "m" }
    end)
    assert.equal("m", mesh.meshName)
    assert.equal(200, info.httpStatus)
    local none, err = appmesh.run(function()
      return client:describe_mesh{ meshName = "" }
    end)
    assert.is_nil(none)
    assert.equal("ValidationError", err.code)
    assert.equal("meshName", err.field)
  end)

  it("a dry run inside a pool task returns at once", function()
    local req = appmesh.run(function()
      return client:delete_route({ meshName = "m", virtualRouterName = "r", routeName = "x" },
        { dry_run = true })
    end)
    assert.equal("DELETE", req.method)
    assert.same({}, responder.log())
  end)
end)

describe("module functions on the default client", function()
  local responder
  helpers.responder_fixture(false, function(r)
    responder = r
  end)

  it("call any operation, iterate and paginate on a client built from the environment", function()
    responder.queue({
      { json = { meshName = "m", virtualRouterName = "r" } },
      { json = { virtualRouters = { { meshName = "m", virtualRouterName = "r" } } } },
      { json = { virtualRouters = { { meshName = "m", virtualRouterName = "r2" } } } },
    })
    local out, ok = helpers.run_child([[
      local appmesh = require "appmesh"
      local r = assert(appmesh.create_virtual_router{ meshName = "m", virtualRouterName = "r",
        spec = {} })
      local names = {}
      for ref in appmesh.virtual_routers{ meshName = "m" } do names[#names + 1] = ref.virtualRouterName end
      for ref in appmesh.paginate("list_virtual_routers", { meshName = "m" }) do
        names[#names + 1] = ref.virtualRouterName
      end
      local req = appmesh.delete_mesh({ meshName = "m" }, { dry_run = true })
      io.write(r.virtualRouterName, "|", table.concat(names, ","), "|", req.method)
    ]], {
      AWS_REGION = "eu-west-1", AWS_ENDPOINT_URL_APP_MESH = responder.url,
      AWS_ACCESS_KEY_ID = helpers.ACCESS_KEY, AWS_SECRET_ACCESS_KEY = helpers.SECRET_KEY,
    })
    assert.is_true(ok, out)
    assert.equal("r|r,r2|DELETE", out)
    assert.equal(3, #responder.log())
  end)

  it("return nil, err (iterators false, err) when no default client can be built", function()
    local out, ok = helpers.run_child([[
      local appmesh = require "appmesh"
      local m, err = appmesh.describe_mesh{ meshName = "m" }
      local iter = appmesh.meshes{}
      local x, err2 = iter()
      io.write(tostring(m), "|", err.code, "|", tostring(x), "|", err2.code, "|", tostring(iter()))
    ]], { AWS_ENDPOINT_URL_APP_MESH = "not a url", AWS_REGION = "us-east-1" })
    assert.is_true(ok, out)
    assert.equal("nil|EndpointError|false|EndpointError|nil", out)
  end)
end)
