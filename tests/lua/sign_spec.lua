-- SPDX-License-Identifier: MIT
-- appmesh.sign: the AWS SigV4 test suite's v4 cases (aws-c-auth, Apache-2.0: see
-- tests/vectors/sigv4/README.md and v4/LICENSE, v4/NOTICE), and how it reports bad arguments.
local cjson = require "cjson"
local helpers = dofile("tests/lua/helpers.lua")
local appmesh = require "appmesh"

local VECTORS = "tests/vectors/sigv4/v4"
local TIME = 1440938160 -- 2015-08-30T12:36:00Z, the suite's signing time

-- "Name:value" lines up to a blank line, as a map (a repeated name maps to a list of its
-- values, in order); nil, why for what a map cannot hold.
local function parse_headers(lines, first)
  local headers = {}
  local i = first
  while i <= #lines and lines[i] ~= "" do
    local line = lines[i]
    if line:match("^[ \t]") then
      return nil, "a header value folded onto the next line (obs-fold) is not a header value"
    end
    local name, value = line:match("^([^:]+):(.*)$")
    local old = headers[name]
    if old == nil then
      headers[name] = value
    elseif type(old) == "table" then
      old[#old + 1] = value
    else
      headers[name] = { old, value }
    end
    i = i + 1
  end
  return headers, i
end

local function split_lines(s)
  local lines = {}
  for line in (s .. "\n"):gmatch("(.-)\n") do
    lines[#lines + 1] = line
  end
  return lines
end

-- One case of the suite as appmesh.sign arguments and the headers it must add; or nil, why.
local function load_case(name)
  local dir = VECTORS .. "/" .. name
  local ctx = cjson.decode((assert(helpers.read_file(dir .. "/context.json"))))
  local lines = split_lines(assert(helpers.read_file(dir .. "/request.txt")))
  local method, target = lines[1]:match("^(%S+) (.-) HTTP/1%.1$")
  if target:find(" ", 1, true) then
    return nil, "a space in the path is not a URL"
  end
  local headers, next_line = parse_headers(lines, 2)
  if not headers then
    return nil, next_line
  end
  local body = table.concat(lines, "\n", next_line + 1)
  local signed = assert(parse_headers(split_lines(assert(helpers.read_file(dir
    .. "/header-signed-request.txt"))), 2))
  local want = {}
  for k, v in pairs(signed) do
    if headers[k] == nil then
      want[k] = v
    end
  end
  local c = ctx.credentials
  return {
    args = {
      method = method, url = "https://" .. headers.Host .. target, headers = headers,
      body = body ~= "" and body or nil, region = ctx.region, service = ctx.service,
      credentials = { accessKeyId = c.access_key_id, secretAccessKey = c.secret_access_key,
        sessionToken = c.token },
      time = TIME, sign_body = ctx.sign_body or nil,
      omit_session_token = ctx.omit_session_token or nil,
      normalize_path = ctx.normalize,
    },
    want = want,
  }
end

local function case_names()
  local names = {}
  local pipe = io.popen("ls " .. VECTORS .. " 2>/dev/null")
  for name in pipe:lines() do
    if name ~= "LICENSE" and name ~= "NOTICE" then
      names[#names + 1] = name
    end
  end
  pipe:close()
  return names
end

describe("appmesh.sign on the SigV4 suite", function()
  local names = case_names()

  it("finds the suite's cases", function()
    assert.is_true(#names >= 38, "no vectors under " .. VECTORS)
  end)

  for _, name in ipairs(names) do
    local case, why = load_case(name)
    if case then
      it("signs " .. name .. " as the suite expects", function()
        local headers, err = appmesh.sign(case.args)
        assert.same(case.want, headers, tostring(err))
      end)
    else
      pending(name .. ": " .. why)
    end
  end
end)

local CREDS = { accessKeyId = helpers.ACCESS_KEY, secretAccessKey = helpers.SECRET_KEY }
local GET_VANILLA = {
  request = { method = "GET", url = "https://example.amazonaws.com/" },
  authorization = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"
    .. "aws4_request, SignedHeaders=host;x-amz-date, "
    .. "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
}

local function sign_args(r)
  local creds = { accessKeyId = CREDS.accessKeyId, secretAccessKey = CREDS.secretAccessKey,
    sessionToken = r.token }
  return { method = r.method, url = r.url, headers = r.headers, body = r.body,
    region = "us-east-1", service = "service", credentials = creds, time = TIME,
    sign_body = r.sign_body }
end

describe("appmesh.sign", function()
  it("signs the same way again with the cached key", function()
    local a = appmesh.sign(sign_args(GET_VANILLA.request))
    local b = appmesh.sign(sign_args(GET_VANILLA.request))
    assert.same(a, b)
  end)

  it("does not add an X-Amz-Date the request already has", function()
    local args = sign_args(GET_VANILLA.request)
    args.headers = { ["x-amz-date"] = "20150830T123600Z" }
    local headers = assert(appmesh.sign(args))
    assert.is_nil(headers["X-Amz-Date"])
    assert.equal(GET_VANILLA.authorization, headers.Authorization)
  end)

  it("signs at the current time when no time is given", function()
    local args = sign_args(GET_VANILLA.request)
    args.time = nil
    local headers = assert(appmesh.sign(args))
    assert.matches("^%d%d%d%d%d%d%d%dT%d%d%d%d%d%dZ$", headers["X-Amz-Date"])
    assert.are_not.equal("20150830T123600Z", headers["X-Amz-Date"])
  end)

  local bad_urls = {
    "example.amazonaws.com/",
    "ftp://example.amazonaws.com/",
    "https:///path",
    "https://user:pass@example.amazonaws.com/",
    "https://example.amazonaws.com/a b",
    "https://example.amazonaws.com/#frag",
    "https://example.amazonaws.com/\n",
    "https://example.amazonaws.com:port/",
    "https://example.amazonaws.com:123456/",
    "https://exa[mple.amazonaws.com/",
    "https://[::1/",
    "https://:443/",
  }
  for _, url in ipairs(bad_urls) do
    it("returns nil, err for the url " .. url:gsub("\n", "\\n"), function()
      local args = sign_args(GET_VANILLA.request)
      args.url = url
      local headers, err = appmesh.sign(args)
      assert.is_nil(headers)
      assert.equal("ValidationError", err.code)
      assert.equal("url", err.field)
    end)
  end

  it("takes IPv6 hosts and ports", function()
    for _, url in ipairs({ "http://[::1]:8080/x?a=b", "http://127.0.0.1:9000", "https://[::1]/" }) do
      local args = sign_args(GET_VANILLA.request)
      args.url = url
      local headers, err = appmesh.sign(args)
      assert.is_table(headers, url .. " " .. tostring(err))
    end
  end)

  it("returns nil, err for a region or access key id that would split a header", function()
    local args = sign_args(GET_VANILLA.request)
    args.region = "us-east-1\r\nX: y"
    local headers, err = appmesh.sign(args)
    assert.is_nil(headers)
    assert.equal("ValidationError", err.code)
    assert.equal("region", err.field)
    args = sign_args(GET_VANILLA.request)
    args.credentials = { accessKeyId = "AKID\nX: y", secretAccessKey = "s" }
    headers, err = appmesh.sign(args)
    assert.is_nil(headers)
    assert.equal("ValidationError", err.code)
    assert.equal("credentials.accessKeyId", err.field)
  end)

  it("returns nil, err for a header value with a line break", function()
    local args = sign_args(GET_VANILLA.request)
    args.headers = { ["X-Test"] = "a\r\nInjected: yes" }
    local headers, err = appmesh.sign(args)
    assert.is_nil(headers)
    assert.equal("ValidationError", err.code)
  end)

  it("returns nil, err for one header under two names that differ in case", function()
    -- their values would be joined in the table's traversal order, which differs from run to
    -- run: one header with a list of values says the order
    local args = sign_args(GET_VANILLA.request)
    args.headers = { ["X-Test"] = "a", ["x-test"] = "b" }
    local headers, err = appmesh.sign(args)
    assert.is_nil(headers)
    assert.equal("ValidationError", err.code)
    assert.equal("headers", err.field)
    assert.matches("x%-test", err.message:lower())
    args.headers = { ["X-Test"] = { "a", "b" }, Host = "example.amazonaws.com" }
    assert.is_table(appmesh.sign(args))
  end)

  it("raises for arguments of the wrong type or name", function()
    local function with(k, v)
      local args = sign_args(GET_VANILLA.request)
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
