-- SPDX-License-Identifier: MIT
-- The Lua client against the local App Mesh emulator: updates that round-trip, every App Mesh
-- error as the client reports it, retries (throttling, 5xx, dropped connections, timeouts).
local integration = dofile("tests/lua/integration.lua")
if not integration.enabled then
  return -- run by the CTest integration.emulator (see tests/lua/integration.lua)
end
local cjson = require "cjson"
local appmesh = require "appmesh"

local MESH = integration.MESH
local ACCOUNT = integration.ACCOUNT
-- a key of another account (given to the emulator with --key)
local OTHER_KEY, OTHER_SECRET = "AKIDOTHEREXAMPLE", "otherSecretEXAMPLE"
local OTHER_ACCOUNT = "111122223333"

-- The demo seed, plus a mesh and services whose names need percent-encoding in the path.
local ODD_MESH = "mesh ü+1"
local ODD_SERVICES = { "café.demo.local", "a b+c=d&e~f.demo.local", "x:y@z!$'()*,;.demo.local" }

local function write_state()
  local seed = assert(integration.read_file(integration.SEED))
  local state = cjson.decode(seed)
  local odd = {
    meshName = ODD_MESH,
    virtualNodes = { { virtualNodeName = "nöde-vn", spec = cjson.decode("{}") } },
    virtualServices = {},
  }
  for _, name in ipairs(ODD_SERVICES) do
    odd.virtualServices[#odd.virtualServices + 1] = { virtualServiceName = name, spec = {
      provider = { virtualNode = { virtualNodeName = "nöde-vn" } } } }
  end
  state.meshes[#state.meshes + 1] = odd
  local path = os.tmpname()
  local f = assert(io.open(path, "wb"))
  f:write(cjson.encode(state))
  f:close()
  return path
end

describe("the client against the emulator", function()
  local emu, state_path
  local clients = {}

  --- A fresh client (so each test starts on a new connection); closed in after_each.
  local function new_client(extra)
    local c = assert(appmesh.client(integration.client_options(emu, extra)))
    clients[#clients + 1] = c
    return c
  end

  lazy_setup(function()
    state_path = write_state()
    emu = integration.start_emulator({
      state = state_path,
      args = { "--key", OTHER_KEY .. ":" .. OTHER_SECRET .. ":" .. OTHER_ACCOUNT },
    })
  end)

  lazy_teardown(function()
    if emu then
      emu.stop()
      assert.equal(0, emu.exit_code)
      assert.is_false(integration.listening(emu.url))
    end
    if state_path then
      os.remove(state_path)
    end
  end)

  before_each(function()
    emu.reset()
  end)

  after_each(function()
    for i, c in ipairs(clients) do
      c:close()
      clients[i] = nil
    end
  end)

  local function version_of(mesh, name)
    return math.tointeger(emu.service(mesh, name).metadata.version)
  end

  --- Every log entry carries `token`; returns the entries' statuses (nil for a dropped one).
  local function statuses_with_token(log, token)
    local statuses = {}
    for i, entry in ipairs(log) do
      assert.equal("UpdateVirtualService", entry.operation)
      assert.equal(token, entry.clientToken, "entry " .. i .. " has another clientToken")
      statuses[i] = entry.status ~= cjson.null and math.tointeger(entry.status) or false
    end
    return statuses
  end

  describe("updates", function()
    it("switch a service from a node to a router, and the emulator's state agrees", function()
      local c = new_client()
      local name = "colorteller-red.demo.local"
      local before = version_of(MESH, name)
      local vs, info = c:update_virtual_service(integration.params(name,
        { router = "colorteller-vr" }))
      assert.is_table(vs, tostring(info))

      assert.same({ virtualRouter = { virtualRouterName = "colorteller-vr" } }, vs.spec.provider)
      assert.equal(MESH, vs.meshName)
      assert.equal(name, vs.virtualServiceName)
      assert.same({ status = "ACTIVE" }, vs.status)
      assert.equal(before + 1, vs.metadata.version)
      assert.equal(math.type(vs.metadata.version), "integer")
      assert.equal("arn:aws:appmesh:us-east-1:" .. ACCOUNT .. ":mesh/" .. MESH .. "/virtualService/"
        .. name, vs.metadata.arn)
      assert.equal(ACCOUNT, vs.metadata.meshOwner)
      assert.equal(ACCOUNT, vs.metadata.resourceOwner)
      assert.is_string(vs.metadata.uid)
      assert.is_number(vs.metadata.createdAt)
      assert.is_true(vs.metadata.lastUpdatedAt >= vs.metadata.createdAt)

      assert.equal(200, info.httpStatus)
      assert.equal(1, info.attempts)
      local log = emu.log()
      assert.equal(1, #log)
      assert.equal(log[1].requestId, info.requestId)
      assert.equal(info.clientToken, log[1].clientToken)

      local live = emu.service(MESH, name)
      assert.same({ virtualRouter = { virtualRouterName = "colorteller-vr" } }, live.spec.provider)
      assert.equal(before + 1, math.tointeger(live.metadata.version))
      assert.equal(vs.metadata.uid, live.metadata.uid)
    end)

    it("switch it back to its node, one version each time", function()
      local c = new_client()
      local name = "colorteller-blue.demo.local"
      local before = version_of(MESH, name)
      assert(c:update_virtual_service(integration.params(name, { router = "colorteller-vr" })))
      local vs, info = c:update_virtual_service(integration.params(name,
        { node = "colorteller-blue-vn" }))
      assert.is_table(vs, tostring(info))
      assert.equal(before + 2, vs.metadata.version)
      assert.same({ virtualNode = { virtualNodeName = "colorteller-blue-vn" } },
        emu.service(MESH, name).spec.provider)
      assert.equal(before + 2, version_of(MESH, name))
    end)

    it("remove the provider with an empty spec", function()
      local vs, info = new_client():update_virtual_service(integration.params("tcpecho.demo.local"))
      assert.is_table(vs, tostring(info))
      assert.is_nil(vs.spec.provider)
      assert.is_nil(emu.service(MESH, "tcpecho.demo.local").spec.provider)
    end)

    it("answer a repeated clientToken with the same spec with the same result, no new version",
      function()
        local c = new_client()
        local name = "colorteller-white.demo.local"
        local p = integration.params(name, { router = "colorteller-vr" },
          { clientToken = "integration-token-1" })
        local first = assert(c:update_virtual_service(p))
        local again, info = c:update_virtual_service(p)
        assert.is_table(again, tostring(info))
        assert.same(first, again)
        assert.equal(first.metadata.version, version_of(MESH, name))
        assert.same({ 200, 200 }, statuses_with_token(emu.log(), "integration-token-1"))
      end)

    it("send meshOwner as the query parameter", function()
      local vs, info = new_client():update_virtual_service(integration.params(
        "colorgateway.demo.local", { node = "colorgateway-vn" }, { meshOwner = ACCOUNT }))
      assert.is_table(vs, tostring(info))
      assert.equal("meshOwner=" .. ACCOUNT, emu.log()[1].query)
    end)

    for _, name in ipairs(ODD_SERVICES) do
      it("percent-encode and sign names that need it: " .. name, function()
        local before = version_of(ODD_MESH, name)
        local vs, info = new_client():update_virtual_service({ meshName = ODD_MESH,
          virtualServiceName = name, spec = {} })
        assert.is_table(vs, tostring(info))
        assert.equal(ODD_MESH, vs.meshName)
        assert.equal(name, vs.virtualServiceName)
        assert.equal(before + 1, version_of(ODD_MESH, name))
      end)
    end
  end)

  describe("errors", function()
    local function update(c, service, provider, extra)
      return c:update_virtual_service(integration.params(service, provider, extra))
    end

    -- name, the call, code, httpStatus, retryable, attempts, a pattern the message matches.
    local cases = {
      { "an unknown mesh is NotFoundException", function(c)
        return c:update_virtual_service({ meshName = "no-such-mesh",
          virtualServiceName = "colorteller.demo.local", spec = {} })
      end, "NotFoundException", 404, false, 1, "no%-such%-mesh" },
      { "an unknown virtual service is NotFoundException", function(c)
        return update(c, "nothing.demo.local", { node = "colorgateway-vn" })
      end, "NotFoundException", 404, false, 1, "nothing%.demo%.local" },
      { "an unknown virtual node is NotFoundException", function(c)
        return update(c, "colorteller.demo.local", { node = "no-such-vn" })
      end, "NotFoundException", 404, false, 1, "no%-such%-vn" },
      { "an unknown virtual router is NotFoundException", function(c)
        return update(c, "colorteller.demo.local", { router = "no-such-vr" })
      end, "NotFoundException", 404, false, 1, "no%-such%-vr" },
      { "a meshOwner that does not own the mesh is NotFoundException", function(c)
        return update(c, "colorteller.demo.local", nil, { meshOwner = "999999999999" })
      end, "NotFoundException", 404, false, 1, "" },
      { "a reused clientToken with a different spec is ConflictException", function(c)
        assert(update(c, "colorteller.demo.local", { router = "colorteller-vr" },
          { clientToken = "reused-token" }))
        emu.reset_log()
        return update(c, "colorteller.demo.local", { node = "colorteller-red-vn" },
          { clientToken = "reused-token" })
      end, "ConflictException", 409, false, 1, "" },
      { "BadRequestException (injected) is not retried", function(c)
        emu.fault({ kind = "error", status = 400, code = "BadRequestException",
          message = "1 validation error detected", count = 1 })
        return update(c, "colorteller.demo.local", { router = "colorteller-vr" })
      end, "BadRequestException", 400, false, 1, "validation error" },
      { "another account's key with meshOwner is ForbiddenException", function()
        local other = new_client({ credentials = { accessKeyId = OTHER_KEY,
          secretAccessKey = OTHER_SECRET } })
        return update(other, "colorteller.demo.local", nil, { meshOwner = ACCOUNT })
      end, "ForbiddenException", 403, false, 1, "not shared" },
      { "a bad signature is InvalidSignatureException", function()
        local bad = new_client({ credentials = { accessKeyId = integration.ACCESS_KEY,
          secretAccessKey = "not-the-secret" } })
        return update(bad, "colorteller.demo.local", { router = "colorteller-vr" })
      end, "InvalidSignatureException", 403, false, 1, "signature" },
      { "an unknown access key is UnrecognizedClientException", function()
        local bad = new_client({ credentials = { accessKeyId = "AKIDUNKNOWNEXAMPLE",
          secretAccessKey = "whatever" } })
        return update(bad, "colorteller.demo.local", { router = "colorteller-vr" })
      end, "UnrecognizedClientException", 403, false, 1, "" },
      { "throttling on every attempt is TooManyRequestsException after max attempts", function(c)
        emu.fault({ kind = "error", status = 429 })
        return update(c, "colorteller.demo.local", { router = "colorteller-vr" })
      end, "TooManyRequestsException", 429, true, 3, "" },
      { "a 500 on every attempt is InternalServerErrorException after max attempts", function(c)
        emu.fault({ kind = "error", status = 500 })
        return update(c, "colorteller.demo.local", { router = "colorteller-vr" })
      end, "InternalServerErrorException", 500, true, 3, "" },
      { "a 503 on every attempt is ServiceUnavailableException after max attempts", function(c)
        emu.fault({ kind = "error", status = 503 })
        return update(c, "colorteller.demo.local", { router = "colorteller-vr" })
      end, "ServiceUnavailableException", 503, true, 3, "" },
      { "a load balancer's HTML 502 has its status as the code (as botocore)", function(c)
        emu.fault({ kind = "error", status = 502 })
        return update(c, "colorteller.demo.local", { router = "colorteller-vr" })
      end, "502", 502, true, 3, "502" },
      { "a 200 whose body is not JSON is ResponseError, not retried", function(c)
        emu.fault({ kind = "garbage", count = 1 })
        return update(c, "colorteller.demo.local", { router = "colorteller-vr" })
      end, "ResponseError", 200, false, 1, "JSON" },
    }

    for _, case in ipairs(cases) do
      local name, call, code, status, retryable, attempts, pattern = table.unpack(case)
      it(name, function()
        local vs, err = call(new_client())
        assert.is_nil(vs, "the call succeeded")
        assert.equal(appmesh.Error, getmetatable(err))
        assert.equal(code, err.code)
        assert.equal(status, err.httpStatus)
        assert.equal(retryable, err.retryable)
        assert.equal(attempts, err.attempts)
        assert.is_string(err.message)
        assert.matches(pattern, err.message)
        assert.matches("^" .. code:gsub("%p", "%%%0") .. " %(" .. status .. "%)", tostring(err))
        -- One log entry per attempt, all with one clientToken; the last one's request id is err's.
        local log = emu.log()
        assert.equal(attempts, #log)
        statuses_with_token(log, log[1].clientToken)
        assert.equal(log[#log].requestId, err.requestId)
      end)
    end

    it("never shows the secret key in an error", function()
      local bad = new_client({ credentials = { accessKeyId = integration.ACCESS_KEY,
        secretAccessKey = "not-the-secret" } })
      local _, err = update(bad, "colorteller.demo.local", { router = "colorteller-vr" })
      for _, v in pairs(err) do
        assert.is_nil(tostring(v):find("not-the-secret", 1, true))
      end
      assert.is_nil(tostring(err):find("not-the-secret", 1, true))
    end)
  end)

  describe("retries", function()
    local SERVICE = "colorteller.demo.local"
    local function switch(c)
      return c:update_virtual_service(integration.params(SERVICE, { node = "colorteller-red-vn" }))
    end

    it("retry injected 429 TooManyRequestsException with the same clientToken", function()
      emu.fault({ kind = "error", status = 429, count = 2 })
      local vs, info = switch(new_client())
      assert.is_table(vs, tostring(info))
      assert.equal(3, info.attempts)
      assert.same({ 429, 429, 200 }, statuses_with_token(emu.log(), info.clientToken))
    end)

    it("retry a token-bucket throttle until max attempts, then report it", function()
      local c = new_client({ max_attempts = 4 })
      emu.fault({ kind = "throttle", rate = 0.01, burst = 1 })
      assert(switch(c)) -- the bucket's one token
      emu.reset_log()
      local vs, err = switch(c)
      assert.is_nil(vs)
      assert.equal("TooManyRequestsException", err.code)
      assert.matches("Rate exceeded", err.message)
      assert.equal(4, err.attempts)
      local log = emu.log()
      assert.same({ 429, 429, 429, 429 }, statuses_with_token(log, log[1].clientToken))
    end)

    it("retry 500, 502, 503 and 504 with one clientToken and succeed on the fifth attempt",
      function()
        local before = version_of(MESH, SERVICE)
        emu.fault({
          { kind = "error", status = 500, count = 1 },
          { kind = "error", status = 502, count = 1 },
          { kind = "error", status = 503, count = 1 },
          { kind = "error", status = 504, count = 1 },
        })
        local vs, info = switch(new_client({ max_attempts = 5 }))
        assert.is_table(vs, tostring(info))
        assert.equal(5, info.attempts)
        assert.same({ 500, 502, 503, 504, 200 }, statuses_with_token(emu.log(), info.clientToken))
        assert.equal(before + 1, vs.metadata.version)
      end)

    it("retry a connection dropped before the answer (FIN)", function()
      emu.fault({ kind = "drop", count = 1 })
      local vs, info = switch(new_client())
      assert.is_table(vs, tostring(info))
      assert.equal(2, info.attempts)
      assert.same({ false, 200 }, statuses_with_token(emu.log(), info.clientToken))
    end)

    it("retry a reset connection (RST)", function()
      emu.fault({ kind = "drop", reset = true, count = 1 })
      local vs, info = switch(new_client())
      assert.is_table(vs, tostring(info))
      assert.equal(2, info.attempts)
      assert.same({ false, 200 }, statuses_with_token(emu.log(), info.clientToken))
    end)

    it("re-send, with the same clientToken, an update whose answer was lost: one new version",
      function()
        local before = version_of(MESH, SERVICE)
        emu.fault({ kind = "drop", phase = "after", count = 1 })
        local vs, info = switch(new_client())
        assert.is_table(vs, tostring(info))
        assert.equal(2, info.attempts)
        local log = emu.log()
        -- the first attempt was processed (200 in the log), then its answer was lost
        assert.same({ 200, 200 }, statuses_with_token(log, info.clientToken))
        assert.equal("drop", log[1].fault.kind)
        assert.equal(cjson.null, log[2].fault)
        assert.equal(before + 1, vs.metadata.version)
        assert.equal(before + 1, version_of(MESH, SERVICE))
      end)

    it("re-send on a new connection when a reused keep-alive connection was closed", function()
      local c = new_client()
      assert(switch(c))
      emu.reset_log()
      emu.fault({ kind = "drop", count = 1 })
      local vs, info = switch(c)
      assert.is_table(vs, tostring(info))
      local log = emu.log()
      -- libcurl re-sends once by itself on a reused connection, else the client retries
      assert.same({ false, 200 }, statuses_with_token(log, info.clientToken))
      assert.are_not.equal(log[1].connection, log[2].connection)
    end)

    it("retry a truncated response", function()
      emu.fault({ kind = "truncate", count = 1 })
      local vs, info = switch(new_client())
      assert.is_table(vs, tostring(info))
      assert.equal(2, info.attempts)
      assert.same({ 200, 200 }, statuses_with_token(emu.log(), info.clientToken))
    end)

    it("retry a timeout (a small timeout, a delayed answer) with the same clientToken", function()
      local before = version_of(MESH, SERVICE)
      emu.fault({ kind = "delay", seconds = 1, count = 1 })
      local vs, info = switch(new_client({ timeout = 0.25 }))
      assert.is_table(vs, tostring(info))
      assert.equal(2, info.attempts)
      -- the delayed first attempt is logged when the emulator answers it, after the delay
      local log = integration.wait_for(function()
        local l = emu.log()
        return #l == 2 and l
      end, 5)
      assert.is_table(log, "the delayed attempt never reached the log")
      assert.same({ 200, 200 }, statuses_with_token(log, info.clientToken))
      -- the late first attempt replays the token: still one new version
      assert.equal(before + 1, version_of(MESH, SERVICE))
    end)

    it("report TimeoutError after max attempts when every answer is too late", function()
      emu.fault({ kind = "delay", seconds = 1 })
      local vs, err = switch(new_client({ timeout = 0.2, max_attempts = 2 }))
      assert.is_nil(vs)
      assert.equal("TimeoutError", err.code)
      assert.is_nil(err.httpStatus)
      assert.is_true(err.retryable)
      assert.equal(2, err.attempts)
      emu.clear_faults()
      local log = integration.wait_for(function()
        local l = emu.log()
        return #l == 2 and l
      end, 5)
      assert.is_table(log, "the delayed attempts never reached the log")
      statuses_with_token(log, log[1].clientToken)
    end)

    it("do not retry a bad signature: 403 after one attempt, one log entry", function()
      local bad = new_client({ max_attempts = 5, credentials = {
        accessKeyId = integration.ACCESS_KEY, secretAccessKey = "not-the-secret" } })
      local vs, err = switch(bad)
      assert.is_nil(vs)
      assert.equal("InvalidSignatureException", err.code)
      assert.equal(403, err.httpStatus)
      assert.is_false(err.retryable)
      assert.equal(1, err.attempts)
      local log = emu.log()
      assert.equal(1, #log)
      assert.equal(403, log[1].status)
      assert.equal(err.requestId, log[1].requestId)
    end)
  end)
end)
