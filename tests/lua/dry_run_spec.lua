-- SPDX-License-Identifier: MIT
-- client:update_virtual_service(params, {dry_run = true}): the request, redacted, never sent.
local cjson = require "cjson"
local helpers = dofile("tests/lua/helpers.lua")
local appmesh = require "appmesh"

describe("client:update_virtual_service dry run", function()
  local responder, client
  helpers.responder_fixture(nil, function(r, c)
    responder, client = r, c
  end)

  it("returns method, url, headers and body and sends nothing", function()
    local req, err = client:update_virtual_service(helpers.params({ clientToken = "tok-1" }),
      { dry_run = true })
    assert.is_table(req, tostring(err))
    assert.equal("PUT", req.method)
    assert.equal(responder.url
      .. "/v20190125/meshes/ecs-mesh/virtualServices/colorgateway.default.svc.cluster.local",
      req.url)
    assert.same({
      clientToken = "tok-1",
      spec = { provider = { virtualNode = { virtualNodeName = "colorgateway-vn" } } },
    }, cjson.decode(req.body))
    assert.equal(responder.url:match("^http://(.*)$"), req.headers.Host)
    assert.matches("^%d%d%d%d%d%d%d%dT%d%d%d%d%d%dZ$", req.headers["X-Amz-Date"])
    assert.same({}, responder.log())
  end)

  it("returns one value: the request", function()
    assert.equal(1, select("#", client:update_virtual_service(helpers.params(),
      { dry_run = true })))
  end)

  it("redacts the signature but keeps the credential scope", function()
    local req = assert(client:update_virtual_service(helpers.params(), { dry_run = true }))
    local auth = req.headers.Authorization
    assert.matches("^AWS4%-HMAC%-SHA256 Credential=AKIDEXAMPLE/%d+/us%-east%-1/appmesh/aws4_request, "
      .. "SignedHeaders=[%w;%-]+, Signature=", auth)
    assert.is_nil(auth:match("Signature=%x%x%x%x%x%x%x%x%x%x%x%x%x%x%x%x%x%x%x%x%x%x%x%x%x%x%x%x%x%x%x%x"))
  end)

  it("redacts the session token", function()
    local c = assert(appmesh.client(helpers.client_options(responder.url, {
      credentials = { accessKeyId = helpers.ACCESS_KEY, secretAccessKey = helpers.SECRET_KEY,
        sessionToken = "SESSIONTOKENSECRET" } })))
    local req = assert(c:update_virtual_service(helpers.params(), { dry_run = true }))
    c:close()
    assert.is_string(req.headers["X-Amz-Security-Token"])
    for name, value in pairs(req.headers) do
      assert.is_nil(value:find("SESSIONTOKENSECRET", 1, true), name)
      assert.is_nil(value:find(helpers.SECRET_KEY, 1, true), name)
    end
    assert.same({}, responder.log())
  end)

  it("generates a UUIDv4 clientToken when none is given", function()
    local req = assert(client:update_virtual_service(helpers.params(), { dry_run = true }))
    assert.matches("^%x+%-%x+%-4%x+%-[89ab]%x+%-%x+$", cjson.decode(req.body).clientToken)
  end)

  it("puts meshOwner in the query", function()
    local req = assert(client:update_virtual_service(
      helpers.params({ meshOwner = "123456789012" }), { dry_run = true }))
    assert.matches("%?meshOwner=123456789012$", req.url)
  end)

  it("validates like a real call", function()
    local req, err = client:update_virtual_service(helpers.params({ meshName = "" }),
      { dry_run = true })
    assert.is_nil(req)
    assert.equal("meshName", err.field)
    assert.same({}, responder.log())
  end)

  it("behaves as a real call when dry_run is false", function()
    assert(client:update_virtual_service(helpers.params(), { dry_run = false }))
    assert.equal(1, #responder.log())
  end)
end)
