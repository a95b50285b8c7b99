-- SPDX-License-Identifier: MIT
-- The SSO and credential_process providers against the emulator, and the warning about
-- credential files others can read: each run in a child lua5.4 with its own HOME and profile.
local integration = dofile("tests/lua/integration.lua")
if not integration.enabled then
  return -- run by the CTest integration.local_credentials (see tests/lua/integration.lua)
end
local cjson = require "cjson"

local SERVICE = "colorteller-red.demo.local"

local function shell_quote(s)
  return "'" .. tostring(s):gsub("'", [['\'']]) .. "'"
end

local function write_file(path, text, mode)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
  assert(os.execute("chmod " .. (mode or "600") .. " " .. shell_quote(path)))
end

local function read_file(path)
  local f = io.open(path, "rb")
  if not f then
    return ""
  end
  local s = f:read("a")
  f:close()
  return s
end

local function sha1_hex(s)
  local out = integration.run("printf %s " .. shell_quote(s) .. " | sha1sum")
  return out:match("^(%x+)")
end

--- A scratch HOME with .aws/sso/cache; remove() deletes it.
local function make_home()
  local dir = integration.run("mktemp -d /tmp/appmesh-creds-XXXXXX"):gsub("%s+$", "")
  assert(os.execute("mkdir -p " .. shell_quote(dir .. "/.aws/sso/cache")))
  return {
    dir = dir,
    remove = function()
      os.execute("rm -rf " .. shell_quote(dir))
    end,
  }
end

local function iso8601(t)
  return os.date("!%Y-%m-%dT%H:%M:%SZ", t)
end

--- Run one update in a child lua5.4 with env; returns the decoded result line and stderr.
local function run_update(env)
  local script = os.tmpname()
  local errfile = os.tmpname()
  write_file(script, [[
    local appmesh = require "appmesh"
    local cjson = require "cjson"
    local c, cerr = appmesh.client{ retry_base_delay = 0.001 }
    if not c then
      io.write(cjson.encode({ ok = false, code = cerr.code, message = cerr.message }), "\n")
      return
    end
    local vs, info = c:update_virtual_service{
      meshName = "demo-mesh", virtualServiceName = "]] .. SERVICE .. [[",
      spec = { provider = { virtualRouter = { virtualRouterName = "colorteller-vr" } } },
    }
    local out = { ok = vs ~= nil, source = c.credentials_source }
    if vs then out.attempts = info.attempts else out.code = info.code; out.message = info.message end
    -- A second client reads the same files: a warning must not come twice.
    assert(appmesh.client{}):close()
    c:close()
    io.write(cjson.encode(out), "\n")
  ]])
  local prefix = { "env" }
  for name, value in pairs(env) do
    prefix[#prefix + 1] = name .. "=" .. shell_quote(value)
  end
  prefix[#prefix + 1] = "LUA_CPATH=" .. shell_quote(integration.build .. "/?.so;;")
  local cmd = table.concat(prefix, " ") .. " lua5.4 " .. shell_quote(script) .. " 2>"
    .. shell_quote(errfile)
  -- io.popen, not integration.run: under the sanitizers the child needs the ASan preload.
  local pipe = assert(io.popen(cmd, "r"))
  local out = pipe:read("a")
  pipe:close()
  local stderr = read_file(errfile)
  os.remove(script)
  os.remove(errfile)
  local line = out:match("[^\n]*{[^\n]*}")
  assert(line, "no result from the child: " .. out .. stderr)
  return cjson.decode(line), stderr
end

describe("credentials from SSO and credential_process", function()
  local emu = integration.emulator_fixture({ state = integration.SEED })
  local home

  before_each(function()
    home = make_home()
  end)

  after_each(function()
    home.remove()
  end)

  local function base_env(profile)
    return {
      HOME = home.dir,
      AWS_CONFIG_FILE = home.dir .. "/.aws/config",
      AWS_SHARED_CREDENTIALS_FILE = home.dir .. "/.aws/credentials",
      AWS_PROFILE = profile,
      AWS_REGION = "us-east-1",
      AWS_ENDPOINT_URL_APP_MESH = emu.url,
      AWS_ENDPOINT_URL_SSO = emu.url,
    }
  end

  local function sso_profile(token, expires_at)
    write_file(home.dir .. "/.aws/config", table.concat({
      "[profile sso-dev]",
      "sso_session = corp",
      "sso_account_id = " .. integration.ACCOUNT,
      "sso_role_name = AppMeshAdmin",
      "[sso-session corp]",
      "sso_start_url = https://d-1234567890.awsapps.com/start",
      "sso_region = us-east-1",
      "",
    }, "\n"))
    write_file(home.dir .. "/.aws/sso/cache/" .. sha1_hex("corp") .. ".json", cjson.encode({
      startUrl = "https://d-1234567890.awsapps.com/start",
      region = "us-east-1",
      accessToken = token,
      expiresAt = expires_at,
    }))
  end

  it("signs with the role credentials the SSO portal issues for the cached token", function()
    sso_profile("emulator-sso-token", iso8601(os.time() + 3600))
    local got, stderr = run_update(base_env("sso-dev"))
    assert.is_true(got.ok, got.message)
    assert.equal("sso", got.source)
    assert.equal(1, got.attempts)
    assert.equal("", stderr)
    local log = emu.control("GET", "log").requests
    local sso, update = log[1], log[2]
    assert.equal("sso", sso.target)
    assert.equal("GetRoleCredentials", sso.operation)
    assert.equal("UpdateVirtualService", update.operation)
    assert.equal(200, update.status)
    assert.truthy(update.accessKeyId:match("^ASIA"))
    assert.is_true(update.sessionToken)
  end)

  it("says run aws sso login when the cached token has expired", function()
    sso_profile("emulator-sso-token", iso8601(os.time() - 60))
    local got = run_update(base_env("sso-dev"))
    assert.is_false(got.ok)
    assert.equal("CredentialsError", got.code)
    assert.truthy(got.message:find("run aws sso login --sso-session corp", 1, true), got.message)
    assert.equal(0, #emu.control("GET", "log").requests)
  end)

  it("says run aws sso login when the portal refuses the token", function()
    sso_profile("a-token-the-portal-forgot", iso8601(os.time() + 3600))
    local got = run_update(base_env("sso-dev"))
    assert.is_false(got.ok)
    assert.equal("CredentialsError", got.code)
    assert.truthy(got.message:find("HTTP 401 UnauthorizedException", 1, true), got.message)
    assert.truthy(got.message:find("run aws sso login", 1, true), got.message)
    assert.is_nil(got.message:find("a-token-the-portal-forgot", 1, true))
  end)

  it("runs the profile's credential_process", function()
    local json = home.dir .. "/creds.json"
    write_file(json, cjson.encode({
      Version = 1,
      AccessKeyId = integration.ACCESS_KEY,
      SecretAccessKey = integration.SECRET_KEY,
      Expiration = iso8601(os.time() + 3600),
    }))
    -- Without the sanitizer preload: cat is not ours to check for leaks.
    write_file(home.dir .. "/.aws/config", "[profile tool]\ncredential_process = env -u LD_PRELOAD cat "
      .. json .. "\n")
    local got, stderr = run_update(base_env("tool"))
    assert.is_true(got.ok, got.message)
    assert.equal("custom-process", got.source)
    assert.equal("", stderr)
  end)

  it("says which file and line are malformed, as a CredentialsError", function()
    write_file(home.dir .. "/.aws/credentials", "[default]\naws_access_key_id = AKIDEXAMPLE\n"
      .. "this line is not ini\n")
    local got = run_update(base_env(nil))
    assert.is_false(got.ok)
    assert.equal("CredentialsError", got.code)
    assert.equal(home.dir .. "/.aws/credentials, line 3: expected 'key = value', a [section] or "
      .. "a comment ('#' or ';')", got.message)
  end)

  it("warns once when the credentials file is readable by others, unless APPMESH_LOG=off", function()
    write_file(home.dir .. "/.aws/credentials", "[default]\naws_access_key_id = "
      .. integration.ACCESS_KEY .. "\naws_secret_access_key = " .. integration.SECRET_KEY .. "\n",
      "644")
    local env = base_env("default")
    local got, stderr = run_update(env)
    assert.is_true(got.ok, got.message)
    assert.equal("shared-credentials-file", got.source)
    assert.equal("appmesh: warning: " .. home.dir .. "/.aws/credentials is readable by "
      .. "group/others (mode 0644); chmod 600 it\n", stderr)
    env.APPMESH_LOG = "off"
    got, stderr = run_update(env)
    assert.is_true(got.ok, got.message)
    assert.equal("", stderr)
  end)
end)
