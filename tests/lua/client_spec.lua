-- SPDX-License-Identifier: MIT
-- appmesh.client{...}: options, fields, __tostring, close / __gc / <close>.
local helpers = dofile("tests/lua/helpers.lua")
local appmesh = require "appmesh"

local SECRET = helpers.SECRET_KEY

describe("appmesh.client", function()
  local responder
  helpers.responder_fixture(false, function(r)
    responder = r
  end)

  it("builds a client from explicit options", function()
    local c, err = appmesh.client(helpers.client_options(responder.url))
    assert.is_userdata(c, tostring(err))
    assert.equal("appmesh.Client", getmetatable(c).__name)
    assert.equal("us-east-1", c.region)
    assert.equal(responder.url, c.endpoint)
    assert.equal("appmesh.Client (us-east-1, " .. responder.url .. ")", tostring(c))
    c:close()
  end)

  it("resolves the endpoint from the region", function()
    local c = assert(appmesh.client{ region = "us-east-1",
      credentials = { accessKeyId = helpers.ACCESS_KEY, secretAccessKey = SECRET } })
    assert.equal("appmesh.Client (us-east-1, https://appmesh.us-east-1.amazonaws.com)",
      tostring(c))
    assert.equal("https://appmesh.us-east-1.amazonaws.com", c.endpoint)
    c:close()
  end)

  it("accepts every option of the contract", function()
    local c, err = appmesh.client{
      region = "eu-west-1", endpoint = responder.url, profile = "default",
      credentials = { accessKeyId = helpers.ACCESS_KEY, secretAccessKey = SECRET,
        sessionToken = "token" },
      max_attempts = 5, retry_mode = "adaptive", retry_base_delay = 0.5,
      connect_timeout = 1, timeout = 2.5, ca_bundle = "/etc/ssl/certs/ca-certificates.crt",
      verify_tls = true,
    }
    assert.is_userdata(c, tostring(err))
    assert.equal("eu-west-1", c.region)
    c:close()
  end)

  it("resolves credentials_source on first read, before any call", function()
    local c = assert(appmesh.client(helpers.client_options(responder.url)))
    assert.equal("explicit", c.credentials_source)
    assert.same({}, responder.log(), "nothing sent")
    assert(c:update_virtual_service(helpers.params()))
    assert.equal("explicit", c.credentials_source)
    assert.not_matches(helpers.ACCESS_KEY, c.credentials_source, 1, true)
    c:close()
  end)

  it("reads credentials_source as nil when no provider has credentials", function()
    local out, ok = helpers.run_child([[
      local c = assert(require("appmesh").client{ region = "us-east-1",
        endpoint = "http://127.0.0.1:9" })
      io.write(tostring(c.credentials_source))
    ]], { HOME = "/nonexistent", AWS_EC2_METADATA_DISABLED = "true",
      AWS_CONFIG_FILE = "/nonexistent/config", AWS_SHARED_CREDENTIALS_FILE = "/nonexistent/c",
      AWS_ACCESS_KEY_ID = false, AWS_SECRET_ACCESS_KEY = false, AWS_SESSION_TOKEN = false,
      AWS_PROFILE = false, AWS_WEB_IDENTITY_TOKEN_FILE = false,
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI = false,
      AWS_CONTAINER_CREDENTIALS_FULL_URI = false })
    assert.is_true(ok, out)
    assert.equal("nil", out)
  end)

  it("never shows a secret in __tostring or its fields", function()
    local c = assert(appmesh.client(helpers.client_options(responder.url, {
      credentials = { accessKeyId = helpers.ACCESS_KEY, secretAccessKey = SECRET,
        sessionToken = "SESSIONTOKENSECRET" } })))
    assert(c:update_virtual_service(helpers.params()))
    for _, s in ipairs({ tostring(c), c.region, c.endpoint, c.credentials_source }) do
      assert.is_nil(s:find(SECRET, 1, true))
      assert.is_nil(s:find("SESSIONTOKENSECRET", 1, true))
    end
    c:close()
  end)

  it("has no other fields", function()
    local c = assert(appmesh.client(helpers.client_options(responder.url)))
    assert.is_nil(c.credentials)
    assert.is_nil(c.secretAccessKey)
    assert.is_nil(c[1])
    c:close()
  end)

  it("raises for options that are not a table", function()
    assert.has_error(function() appmesh.client("us-east-1") end,
      "bad argument #1 to 'client' (table expected, got string)")
  end)

  it("raises for an unknown option name", function()
    assert.has_error(function() appmesh.client{ regoin = "us-east-1" } end,
      "bad argument #1 to 'client' (unknown option 'regoin')")
    assert.has_error(function() appmesh.client{ [1] = "x" } end)
    assert.has_error(function()
      appmesh.client{ credentials = { accessKeyId = "a", secretAccessKey = "b", token = "c" } }
    end, "bad argument #1 to 'client' (unknown option 'credentials.token')")
  end)

  local wrong_types = {
    { "region", 1, "a string" },
    { "endpoint", true, "a string" },
    { "profile", {}, "a string" },
    { "credentials", "AKID", "a table" },
    { "max_attempts", "3", "a number" },
    { "retry_mode", 1, "a string" },
    { "retry_base_delay", "1", "a number" },
    { "connect_timeout", false, "a number" },
    { "timeout", {}, "a number" },
    { "ca_bundle", 1, "a string" },
    { "verify_tls", "yes", "a boolean" },
  }
  for _, case in ipairs(wrong_types) do
    local name, value, want = case[1], case[2], case[3]
    it("raises when option " .. name .. " is a " .. type(value), function()
      assert.has_error(function() appmesh.client{ [name] = value } end,
        ("bad argument #1 to 'client' (option '%s' must be %s, got %s)"):format(
          name, want, type(value)))
    end)
  end

  it("raises when a credentials field is not a string", function()
    assert.has_error(function()
      appmesh.client{ credentials = { accessKeyId = 1, secretAccessKey = "s" } }
    end, "bad argument #1 to 'client' (option 'credentials.accessKeyId' must be a string, got number)")
  end)

  local bad_values = {
    { "max_attempts", 0 },
    { "max_attempts", -1 },
    { "max_attempts", 1.5 },
    { "retry_base_delay", -1 },
    { "retry_base_delay", 1 / 0 },
    { "connect_timeout", 0 },
    { "timeout", 0 / 0 },
    { "region", "us\0east" },
    -- the region goes into the credential scope: a CRLF would forge a header line
    { "region", "us-east-1\r\nX: y" },
    { "region", "US-East-1" },
    { "retry_mode", "sometimes" },
  }
  for _, case in ipairs(bad_values) do
    local name, value = case[1], case[2]
    it("returns nil, err for option " .. name .. " = " .. tostring(value):gsub("%z", "\\0"),
      function()
        local c, err = appmesh.client(helpers.client_options(responder.url, { [name] = value }))
        assert.is_nil(c)
        assert.equal(appmesh.Error, getmetatable(err))
        assert.equal("ValidationError", err.code)
        assert.equal(name, err.field)
      end)
  end

  it("returns nil, err for an access key id that would split a header line", function()
    local c, err = appmesh.client{ credentials = { accessKeyId = "AKID\nX: y", secretAccessKey = "s" } }
    assert.is_nil(c)
    assert.equal("ValidationError", err.code)
    assert.equal("credentials.accessKeyId", err.field)
    assert.is_nil(tostring(err):find("\n"))
  end)

  it("returns nil, err for credentials without a secret key", function()
    local c, err = appmesh.client{ credentials = { accessKeyId = helpers.ACCESS_KEY } }
    assert.is_nil(c)
    assert.equal("ValidationError", err.code)
    assert.equal("credentials.secretAccessKey", err.field)
  end)

  it("returns nil, err with EndpointError for an endpoint that is not a URL", function()
    for _, endpoint in ipairs({ "not a url", "ftp://example.com", "http://" }) do
      local c, err = appmesh.client(helpers.client_options(endpoint))
      assert.is_nil(c, endpoint)
      assert.equal("EndpointError", err.code, endpoint)
    end
  end)
end)

describe("client:close", function()
  local function new()
    return assert(appmesh.client(helpers.client_options("http://127.0.0.1:1")))
  end

  it("can be called twice", function()
    local c = new()
    c:close()
    c:close()
    assert.equal("appmesh.Client (closed)", tostring(c))
  end)

  it("makes later use raise 'attempt to use a closed client'", function()
    local c = new()
    c:close()
    assert.has_error(function() c:update_virtual_service(helpers.params()) end,
      "attempt to use a closed client")
    assert.has_error(function() return c.region end, "attempt to use a closed client")
    assert.has_error(function() return c.endpoint end, "attempt to use a closed client")
  end)

  it("runs at the end of a <close> variable's scope", function()
    local outer
    do
      local c <close> = new()
      outer = c
      assert.matches("^appmesh%.Client %(us%-east%-1", tostring(c))
    end
    assert.equal("appmesh.Client (closed)", tostring(outer))
  end)

  it("runs on an error leaving a <close> scope", function()
    local outer
    local ok = pcall(function()
      local c <close> = new()
      outer = c
      error("boom")
    end)
    assert.is_false(ok)
    assert.equal("appmesh.Client (closed)", tostring(outer))
  end)

  it("is also __gc: clients left to the collector are released", function()
    for _ = 1, 50 do
      new()
    end
    local closed = new()
    closed:close()
    closed = nil -- luacheck: ignore
    collectgarbage()
    collectgarbage()
  end)

  it("raises for a self that is not a client", function()
    local c = new()
    assert.has_error(function() c.update_virtual_service({}, helpers.params()) end)
    assert.has_error(function() c.close("x") end)
    c:close()
  end)
end)
