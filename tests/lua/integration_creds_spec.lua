-- SPDX-License-Identifier: MIT
-- The credential providers against the emulator's fake STS, IMDSv2 and container endpoints,
-- through the appmesh-lua host (each run with its own environment), and credentials expiring
-- mid-run on a fast clock (tests/lua/programs/creds_expiry.c).
local integration = dofile("tests/lua/integration.lua")
if not integration.enabled then
  return -- run by the CTest integration.creds (see tests/lua/integration.lua)
end

local q = integration.shell_quote
local HOST = integration.build .. "/appmesh-lua"
local EXPIRY = integration.build .. "/tests/creds_expiry"
local ROLE = "arn:aws:iam::123456789012:role/app"

-- Update one service, then print the provider that supplied the credentials (or the error).
local SCRIPT = [[
local appmesh = require "appmesh"
local c = assert(appmesh.client{ retry_base_delay = 0.001 })
local ok, err = c:update_virtual_service{ meshName = "demo-mesh",
  virtualServiceName = "colorteller-red.demo.local",
  spec = { provider = { virtualNode = { virtualNodeName = "colorteller-red-vn" } } } }
if ok then
  io.write("ok ", tostring(c.credentials_source))
else
  io.write("error ", tostring(err.code), " ", tostring(err.message))
end
]]

describe("credential providers against the emulator", function()
  local emu = integration.emulator_fixture({ state = integration.SEED })
  local dir

  lazy_setup(function()
    dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p " .. q(dir)))
    local f = assert(io.open(dir .. "/config", "w"))
    f:write("[profile src]\naws_access_key_id = ", integration.ACCESS_KEY,
      "\naws_secret_access_key = ", integration.SECRET_KEY,
      "\n[profile role]\nrole_arn = ", ROLE, "\nsource_profile = src\n",
      "[profile chained]\nrole_arn = arn:aws:iam::123456789012:role/second\n",
      "source_profile = role\n",
      "[profile imds-role]\nrole_arn = ", ROLE, "\ncredential_source = Ec2InstanceMetadata\n")
    f:close()
    -- It holds keys: private, as the client expects (it warns otherwise).
    assert(os.execute("chmod 600 " .. q(dir .. "/config")))
    f = assert(io.open(dir .. "/token", "w"))
    f:write("header.eyJzdWIiOiJwb2QifQ.signature")
    f:close()
    f = assert(io.open(dir .. "/script.lua", "w"))
    f:write(SCRIPT)
    f:close()
  end)

  lazy_teardown(function()
    if dir then
      os.execute("rm -rf " .. q(dir))
    end
  end)

  --- Run the script under the host with `env` (added to the integration environment).
  local function run(env)
    local vars = {
      AWS_REGION = "us-east-1",
      AWS_ENDPOINT_URL_APP_MESH = emu.url,
      AWS_CONFIG_FILE = dir .. "/config",
    }
    for k, v in pairs(env) do
      vars[k] = v
    end
    local cmd = {}
    for k, v in pairs(vars) do
      cmd[#cmd + 1] = k .. "=" .. q(v)
    end
    cmd[#cmd + 1] = q(HOST)
    cmd[#cmd + 1] = q(dir .. "/script.lua")
    local out = integration.run(table.concat(cmd, " ") .. " 2>&1")
    return out
  end

  --- Request log entries for a target ("sts", "imds", "container", "appmesh").
  local function entries(target)
    local found = {}
    for _, e in ipairs(emu.control("GET", "log?limit=10000").requests) do
      if e.target == target then
        found[#found + 1] = e
      end
    end
    return found
  end

  local function appmesh_signed_with_temporary_credentials()
    local calls = entries("appmesh")
    assert.equal(1, #calls)
    assert.equal(200, calls[1].status)
    assert.matches("^ASIA", calls[1].accessKeyId)
    assert.is_true(calls[1].sessionToken)
  end

  it("assumes a role from a source profile and signs the App Mesh update with it", function()
    assert.equal("ok assume-role", run({ AWS_PROFILE = "role", AWS_ENDPOINT_URL_STS = emu.url }))
    local sts = entries("sts")
    assert.equal(1, #sts)
    assert.equal("AssumeRole", sts[1].operation)
    assert.equal(integration.ACCESS_KEY, sts[1].accessKeyId)
    appmesh_signed_with_temporary_credentials()
  end)

  it("chains roles: the second AssumeRole is signed with the first role's credentials", function()
    assert.equal("ok assume-role", run({ AWS_PROFILE = "chained", AWS_ENDPOINT_URL_STS = emu.url }))
    local sts = entries("sts")
    assert.equal(2, #sts)
    assert.matches("^ASIA", sts[2].accessKeyId)
    assert.is_true(sts[2].sessionToken)
    appmesh_signed_with_temporary_credentials()
  end)

  it("reports STS's error with the role, and no secret", function()
    emu.fault({ kind = "error", target = "sts", status = 403, code = "AccessDenied",
      message = "not allowed" })
    local out = run({ AWS_PROFILE = "role", AWS_ENDPOINT_URL_STS = emu.url })
    assert.equal("error CredentialsError assume-role: STS AssumeRole for role " .. ROLE
      .. " failed (HTTP 403): AccessDenied: not allowed", out)
    assert.equal(0, #entries("appmesh"))
  end)

  it("assumes a role with a web identity token", function()
    local out = run({ AWS_WEB_IDENTITY_TOKEN_FILE = dir .. "/token", AWS_ROLE_ARN = ROLE,
      AWS_ROLE_SESSION_NAME = "pod", AWS_ENDPOINT_URL_STS = emu.url })
    assert.equal("ok assume-role-with-web-identity", out)
    assert.equal("AssumeRoleWithWebIdentity", entries("sts")[1].operation)
    appmesh_signed_with_temporary_credentials()
  end)

  it("gets container credentials from a loopback full URI with the token", function()
    local out = run({ AWS_CONTAINER_CREDENTIALS_FULL_URI = emu.url .. "/v1/credentials",
      AWS_CONTAINER_AUTHORIZATION_TOKEN = "emulator-container-token" })
    assert.equal("ok container-role", out)
    appmesh_signed_with_temporary_credentials()
  end)

  it("stops at a configured container provider that fails (wrong token)", function()
    local out = run({ AWS_CONTAINER_CREDENTIALS_FULL_URI = emu.url .. "/v1/credentials",
      AWS_CONTAINER_AUTHORIZATION_TOKEN = "wrong", AWS_EC2_METADATA_DISABLED = "false",
      AWS_EC2_METADATA_SERVICE_ENDPOINT = emu.url })
    assert.equal("error CredentialsError container-role: " .. emu.url .. "/v1/credentials: HTTP 403",
      out)
    assert.equal(0, #entries("imds"))
  end)

  it("gets IMDSv2 credentials from AWS_EC2_METADATA_SERVICE_ENDPOINT", function()
    local out = run({ AWS_EC2_METADATA_DISABLED = "false",
      AWS_EC2_METADATA_SERVICE_ENDPOINT = emu.url })
    assert.equal("ok iam-role", out)
    local imds = entries("imds")
    assert.equal(3, #imds)
    assert.equal("PUT", imds[1].method)
    appmesh_signed_with_temporary_credentials()
  end)

  it("assumes a role with IMDS credentials as the credential_source", function()
    local out = run({ AWS_PROFILE = "imds-role", AWS_ENDPOINT_URL_STS = emu.url,
      AWS_EC2_METADATA_DISABLED = "false", AWS_EC2_METADATA_SERVICE_ENDPOINT = emu.url })
    assert.equal("ok assume-role", out)
    assert.matches("^ASIA", entries("sts")[1].accessKeyId)
  end)

  it("lists what it tried, with why IMDS had nothing", function()
    emu.fault({ kind = "error", target = "imds", status = 500, pathPrefix = "/latest/meta-data" })
    local out = run({ AWS_EC2_METADATA_DISABLED = "false",
      AWS_EC2_METADATA_SERVICE_ENDPOINT = emu.url })
    assert.equal("error CredentialsError no credentials found for profile 'default': tried "
      .. "explicit, environment, assume role, web identity, SSO, credentials file "
      .. "/nonexistent/appmesh-test-credentials, credential_process, config file " .. dir
      .. "/config, container, "
      .. "IMDS (role: HTTP 500)", out)
  end)

  it("never fails on expiry while assumed-role credentials expire mid-run", function()
    -- 20-minute credentials, 90 updates one minute apart on the client's (and emulator's) clock;
    -- one advisory refresh fails (kept the old credentials) and is retried a minute later.
    emu.control("POST", "config", { credentialTtl = 1200 })
    emu.fault({ kind = "error", target = "sts", status = 500, skip = 1, count = 1 })
    local out, ok = integration.run(q(EXPIRY) .. " " .. q(emu.url) .. " " .. q(dir .. "/config")
      .. " 2>&1")
    assert.is_true(ok, out)
    assert.equal("90 updates over 90 minutes, credentials from assume-role\n", out)
    local sts = entries("sts")
    local keys, failed = {}, 0
    for _, e in ipairs(sts) do
      if e.status ~= 200 then
        failed = failed + 1
      end
    end
    for _, e in ipairs(entries("appmesh")) do
      assert.equal(200, e.status)
      keys[e.accessKeyId] = true
    end
    local distinct = 0
    for _ in pairs(keys) do
      distinct = distinct + 1
    end
    assert.equal(1, failed)
    assert.is_true(#sts >= 16 and #sts <= 20, "STS calls: " .. #sts)
    assert.is_true(distinct >= 15, "distinct keys: " .. distinct)
  end)
end)
