-- SPDX-License-Identifier: MIT
-- appmesh.sign: cases of the AWS SigV4 test suite (aws-c-auth, Apache-2.0; see
-- tests/lua/vectors/README.md), and how it reports bad arguments.
local helpers = dofile("tests/lua/helpers.lua")
local appmesh = require "appmesh"

local CREDS = { accessKeyId = helpers.ACCESS_KEY, secretAccessKey = helpers.SECRET_KEY }
local TIME = 1440938160 -- 2015-08-30T12:36:00Z
local SCOPE = "Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "

-- Inputs and expected headers from v4/<case>/context.json, request.txt and
-- header-signed-request.txt.
local cases = {
  {
    name = "get-vanilla",
    request = { method = "GET", url = "https://example.amazonaws.com/",
      headers = { Host = "example.amazonaws.com" } },
    want = {
      ["X-Amz-Date"] = "20150830T123600Z",
      Authorization = "AWS4-HMAC-SHA256 " .. SCOPE .. "SignedHeaders=host;x-amz-date, "
        .. "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    },
  },
  {
    name = "get-vanilla-query-order-encoded",
    request = { method = "GET",
      url = "https://example.amazonaws.com/?Param-3=Value3&Param=Value2&%E1%88%B4=Value1" },
    want = {
      ["X-Amz-Date"] = "20150830T123600Z",
      Authorization = "AWS4-HMAC-SHA256 " .. SCOPE .. "SignedHeaders=host;x-amz-date, "
        .. "Signature=371d3713e185cc334048618a97f809c9ffe339c62934c032af5a0e595648fcac",
    },
  },
  {
    name = "get-vanilla-with-session-token",
    request = { method = "GET", url = "https://example.amazonaws.com/",
      token = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267" },
    want = {
      ["X-Amz-Date"] = "20150830T123600Z",
      ["X-Amz-Security-Token"] = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267",
      Authorization = "AWS4-HMAC-SHA256 " .. SCOPE
        .. "SignedHeaders=host;x-amz-date;x-amz-security-token, "
        .. "Signature=07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8",
    },
  },
  {
    name = "post-x-www-form-urlencoded",
    request = { method = "POST", url = "https://example.amazonaws.com/", sign_body = true,
      headers = { ["Content-Type"] = "application/x-www-form-urlencoded",
        Host = "example.amazonaws.com", ["Content-Length"] = "13" },
      body = "Param1=value1" },
    want = {
      ["X-Amz-Date"] = "20150830T123600Z",
      ["x-amz-content-sha256"] = "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
      Authorization = "AWS4-HMAC-SHA256 " .. SCOPE
        .. "SignedHeaders=content-length;content-type;host;x-amz-content-sha256;x-amz-date, "
        .. "Signature=d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b",
    },
  },
}

local function sign_args(r)
  local creds = { accessKeyId = CREDS.accessKeyId, secretAccessKey = CREDS.secretAccessKey,
    sessionToken = r.token }
  return { method = r.method, url = r.url, headers = r.headers, body = r.body,
    region = "us-east-1", service = "service", credentials = creds, time = TIME,
    sign_body = r.sign_body }
end

describe("appmesh.sign", function()
  for _, case in ipairs(cases) do
    it("signs " .. case.name .. " as the SigV4 suite expects", function()
      local headers, err = appmesh.sign(sign_args(case.request))
      assert.same(case.want, headers, tostring(err))
    end)
  end

  it("signs the same way again with the cached key", function()
    local a = appmesh.sign(sign_args(cases[1].request))
    local b = appmesh.sign(sign_args(cases[1].request))
    assert.same(a, b)
  end)

  it("does not add an X-Amz-Date the request already has", function()
    local args = sign_args(cases[1].request)
    args.headers = { ["x-amz-date"] = "20150830T123600Z" }
    local headers = assert(appmesh.sign(args))
    assert.is_nil(headers["X-Amz-Date"])
    assert.equal(cases[1].want.Authorization, headers.Authorization)
  end)

  it("signs at the current time when no time is given", function()
    local args = sign_args(cases[1].request)
    args.time = nil
    local headers = assert(appmesh.sign(args))
    assert.equal(os.date("!%Y%m%dT", os.time()), headers["X-Amz-Date"]:sub(1, 9))
  end)

  local bad_urls = {
    "example.amazonaws.com/",
    "ftp://example.amazonaws.com/",
    "https:///path",
    "https://user:pass@example.amazonaws.com/",
    "https://example.amazonaws.com/a b",
    "https://example.amazonaws.com/#frag",
    "https://example.amazonaws.com/\n",
  }
  for _, url in ipairs(bad_urls) do
    it("returns nil, err for the url " .. url:gsub("\n", "\\n"), function()
      local args = sign_args(cases[1].request)
      args.url = url
      local headers, err = appmesh.sign(args)
      assert.is_nil(headers)
      assert.equal("ValidationError", err.code)
      assert.equal("url", err.field)
    end)
  end

  it("returns nil, err for a header value with a line break", function()
    local args = sign_args(cases[1].request)
    args.headers = { ["X-Test"] = "a\r\nInjected: yes" }
    local headers, err = appmesh.sign(args)
    assert.is_nil(headers)
    assert.equal("ValidationError", err.code)
  end)

  it("raises for arguments of the wrong type or name", function()
    local function with(k, v)
      local args = sign_args(cases[1].request)
      args[k] = v
      return args
    end
    assert.has_error(function() appmesh.sign("GET") end,
      "bad argument #1 to 'sign' (table expected, got string)")
    assert.has_error(function() appmesh.sign(with("url", nil)) end)
    assert.has_error(function() appmesh.sign(with("region", 1)) end)
    assert.has_error(function() appmesh.sign(with("credentials", nil)) end)
    assert.has_error(function() appmesh.sign(with("headers", "Host: x")) end)
    assert.has_error(function() appmesh.sign(with("headers", { Host = 1 })) end)
    assert.has_error(function() appmesh.sign(with("time", "now")) end)
    assert.has_error(function() appmesh.sign(with("sign_body", 1)) end)
    assert.has_error(function() appmesh.sign(with("verb", "GET")) end,
      "bad argument #1 to 'sign' (unknown field 'verb')")
    assert.has_error(function()
      appmesh.sign(with("credentials", { accessKeyId = "a" }))
    end)
  end)
end)
