-- SPDX-License-Identifier: MIT
-- appmesh.update_virtual_service / appmesh.default_client: a client built from the environment,
-- tried in child lua5.4 processes with their own environment.
local helpers = dofile("tests/lua/helpers.lua")

local function env(url, extra)
  local e = {
    AWS_REGION = "eu-west-1",
    AWS_ENDPOINT_URL_APP_MESH = url,
    AWS_ACCESS_KEY_ID = helpers.ACCESS_KEY,
    AWS_SECRET_ACCESS_KEY = helpers.SECRET_KEY,
    AWS_RETRY_MODE = "standard",
  }
  for k, v in pairs(extra or {}) do
    e[k] = v
  end
  return e
end

local PARAMS = [[
local params = { meshName = "ecs-mesh", virtualServiceName = "svc.local",
  spec = { provider = { virtualNode = { virtualNodeName = "vn" } } } }
]]

describe("appmesh.update_virtual_service", function()
  local responder
  helpers.responder_fixture(false, function(r)
    responder = r
  end)

  it("uses a default client built from AWS_REGION, the endpoint and key variables", function()
    local out, ok = helpers.run_child(PARAMS .. [[
      local appmesh = require "appmesh"
      local vs, info = appmesh.update_virtual_service(params)
      assert(vs, tostring(info))
      local c = assert(appmesh.default_client())
      io.write(vs.meshName, "|", info.httpStatus, "|", c.region, "|", c.endpoint, "|",
        tostring(c.credentials_source), "|", tostring(rawequal(c, appmesh.default_client())))
    ]], env(responder.url))
    assert.is_true(ok, out)
    assert.equal("ecs-mesh|200|eu-west-1|" .. responder.url .. "|environment|true", out)
    assert.equal(1, #responder.log())
    assert.matches("/eu%-west%-1/appmesh/aws4_request",
      responder.log()[1].headers.authorization)
  end)

  it("falls back to AWS_DEFAULT_REGION and AWS_ENDPOINT_URL", function()
    local out, ok = helpers.run_child([[
      local c = assert(require("appmesh").default_client())
      io.write(c.region, "|", c.endpoint)
    ]], env(responder.url, { AWS_REGION = false, AWS_DEFAULT_REGION = "ap-south-1",
      AWS_ENDPOINT_URL_APP_MESH = false, AWS_ENDPOINT_URL = responder.url }))
    assert.is_true(ok, out)
    assert.equal("ap-south-1|" .. responder.url, out)
  end)

  it("takes max_attempts from AWS_MAX_ATTEMPTS", function()
    responder.queue({ { status = 503 }, { status = 503 }, { status = 503 } })
    local out, ok = helpers.run_child(PARAMS .. [[
      local vs, err = require("appmesh").update_virtual_service(params)
      io.write(tostring(vs), "|", err.attempts, "|", err.httpStatus)
    ]], env(responder.url, { AWS_MAX_ATTEMPTS = "2", AWS_RETRY_MODE = false }))
    assert.is_true(ok, out)
    assert.equal("nil|2|503", out)
  end)

  it("returns nil, err with EndpointError when no region or endpoint is configured", function()
    local out, ok = helpers.run_child(PARAMS .. [[
      local appmesh = require "appmesh"
      local c = assert(appmesh.default_client())
      local vs, err = appmesh.update_virtual_service(params)
      io.write(tostring(c), "|", tostring(c.region), "|", tostring(c.endpoint), "|",
        tostring(vs), "|", err.code, "|", err.attempts)
    ]], env(responder.url, { AWS_REGION = false, AWS_ENDPOINT_URL_APP_MESH = false }))
    assert.is_true(ok, out)
    assert.equal("appmesh.Client (no region, no endpoint)|nil|nil|nil|EndpointError|0", out)
    assert.same({}, responder.log())
  end)

  it("returns nil, err with CredentialsError when no credentials are found", function()
    local out, ok = helpers.run_child(PARAMS .. [[
      local vs, err = require("appmesh").update_virtual_service(params)
      io.write(tostring(vs), "|", err.code, "|", err.attempts)
    ]], env(responder.url, { AWS_ACCESS_KEY_ID = false, AWS_SECRET_ACCESS_KEY = false,
      HOME = "/nonexistent" }))
    assert.is_true(ok, out)
    assert.equal("nil|CredentialsError|0", out)
    assert.same({}, responder.log())
  end)

  it("builds a new default client after the old one was closed", function()
    local out, ok = helpers.run_child(PARAMS .. [[
      local appmesh = require "appmesh"
      local a = assert(appmesh.default_client())
      a:close()
      local vs, info = appmesh.update_virtual_service(params)
      assert(vs, tostring(info))
      local b = assert(appmesh.default_client())
      io.write(tostring(a), "|", tostring(rawequal(a, b)))
    ]], env(responder.url))
    assert.is_true(ok, out)
    assert.equal("appmesh.Client (closed)|false", out)
  end)

  it("returns validation errors as nil, err too", function()
    local out, ok = helpers.run_child([[
      local vs, err = require("appmesh").update_virtual_service({ meshName = 1 })
      io.write(tostring(vs), "|", err.code, "|", err.field)
    ]], env(responder.url))
    assert.is_true(ok, out)
    assert.equal("nil|ValidationError|meshName", out)
  end)
end)
