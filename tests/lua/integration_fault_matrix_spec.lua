-- SPDX-License-Identifier: MIT
-- The fault matrix: every fault the network or the service can produce, one row each, through
-- both drivers (the blocking client:update_virtual_service and the concurrent appmesh.map,
-- i.e. appmesh_batch), and a subset through scripts/bulk_update.lua --apply. Each row asserts
-- the outcome (success after retry, or the exact error code), the attempts (err.attempts /
-- info.attempts and the emulator's request log), one clientToken on every attempt of a call,
-- and whether the change was applied (the service's version in the emulator's state).
--
-- Credentials and time: the emulator's clock skewed (the first attempt is refused and corrected
-- from its Date, the next call is signed right), and assumed-role credentials from the
-- emulator's STS expiring mid-run or refused as expired (run by tests/lua/programs/fault_creds.c, whose
-- client shares a fast clock with the emulator, through either driver).
--
-- Adding a fault is one row in ROWS. Faults are installed scoped to the row's own service, so
-- rows never see each other's faults (and the bulk run can install all of its rows at once).
local integration = dofile("tests/lua/integration.lua")
if not integration.enabled then
  return -- run by the CTest integration.fault_matrix (see tests/lua/integration.lua)
end
local cjson = require "cjson"
local appmesh = require "appmesh"

local MESH = "fault-mesh"
local BYSTANDER = "bystander.fault.local"
local SEED_VERSION = 3

-- A 64-character label: glibc refuses the name before any DNS query is sent, so resolution
-- fails at once even offline (a plain name under .invalid goes to the configured nameserver,
-- which answers at once here but could take the resolver's timeout on a host without one).
local DNS_FAILS = string.rep("a", 64) .. ".invalid"

-- ---- expectations ----------------------------------------------------------------------------

--- Success after `attempts` attempts; `log` the statuses the emulator logged (false: dropped).
local function ok(attempts, log)
  return { ok = { n = 1, attempts = attempts, log = log } }
end

--- Failure with `code`; httpStatus `status` (nil: no response), `retryable`, `attempts`, `log`
--- the logged statuses (nil: nothing reached the emulator), `pattern` the message matches.
local function fail(code, status, retryable, attempts, log, pattern)
  return { [code] = { n = 1, code = code, status = status, retryable = retryable,
    attempts = attempts, log = log, pattern = pattern } }
end

local function rep(v, n)
  local t = {}
  for i = 1, n do
    t[i] = v
  end
  return t
end

local function err(status, count, extra)
  local f = { kind = "error", status = status, count = count }
  for k, v in pairs(extra or {}) do
    f[k] = v
  end
  return f
end

local EXPIRED = "The security token included in the request is expired"

--- Assumed-role credentials (fault_creds.c): `steps` of "call", "advance:S" (both clocks),
--- "emulator:S" (the emulator's alone), "expire" (the emulator expires every temporary
--- credential); `config` the emulator settings first; `sts` the AssumeRole calls expected.
local function creds(config, sts, steps)
  return { config = config, sts = sts, steps = steps }
end

-- ---- the matrix ------------------------------------------------------------------------------
-- name | faults (scoped to the row's service) | expect | opts: client options | endpoint: a
-- special endpoint (refused, blackhole, dns, tls_wrong_ca) | applied: versions added (default:
-- one per successful call) | calls: calls per driver (default 1) | bulk: also run it through
-- bulk_update.lua --apply (only rows with default client options) | clock: the emulator's
-- clockOffset (it skews every call: the concurrent driver's bystander expects what the row's call
-- does, and the bulk run is the row's own) | next: another call on the same client afterwards |
-- creds: run by fault_creds.c with assumed-role credentials (see creds()).
local ROWS = {
  -- throttling
  { name = "429 twice then success", faults = { err(429, 2) }, expect = ok(3, { 429, 429, 200 }),
    bulk = true },
  { name = "429 on every attempt", faults = { err(429) },
    expect = fail("TooManyRequestsException", 429, true, 3, rep(429, 3)), bulk = true },
  { name = "throttling storm: a token bucket of 2 against 5 calls",
    faults = { { kind = "throttle", rate = 0.001, burst = 2 } }, calls = 5,
    expect = { ok = { n = 2, attempts = 1, log = { 200 } },
      TooManyRequestsException = { n = 3, code = "TooManyRequestsException", status = 429,
        retryable = true, attempts = 3, log = rep(429, 3), pattern = "Rate exceeded" } } },
  { name = "ThrottlingException on a 400 is throttling too",
    faults = { err(400, 1, { code = "ThrottlingException" }) }, expect = ok(2, { 400, 200 }) },
  -- each 5xx, once (retried) and always (the exact code after max attempts)
  { name = "500 once", faults = { err(500, 1) }, expect = ok(2, { 500, 200 }), bulk = true },
  { name = "502 once", faults = { err(502, 1) }, expect = ok(2, { 502, 200 }) },
  { name = "503 once", faults = { err(503, 1) }, expect = ok(2, { 503, 200 }) },
  { name = "504 once", faults = { err(504, 1) }, expect = ok(2, { 504, 200 }) },
  { name = "500 always", faults = { err(500) },
    expect = fail("InternalServerErrorException", 500, true, 3, rep(500, 3)), bulk = true },
  { name = "502 always (a load balancer's HTML page)", faults = { err(502) },
    expect = fail("502", 502, true, 3, rep(502, 3), "502") },
  { name = "503 always", faults = { err(503) },
    expect = fail("ServiceUnavailableException", 503, true, 3, rep(503, 3)) },
  { name = "504 always (a load balancer's HTML page)", faults = { err(504) },
    expect = fail("504", 504, true, 3, rep(504, 3), "504") },
  { name = "501 is not retried", faults = { err(501) },
    expect = fail("InternalFailure", 501, false, 1, { 501 }, "501"), bulk = true },
  { name = "501 NotImplementedException is not retried",
    faults = { err(501, nil, { code = "NotImplementedException", message = "not here" }) },
    expect = fail("NotImplementedException", 501, false, 1, { 501 }, "not here") },
  -- dropped connections: before the request is processed, and after (the change is made and
  -- the answer lost: the retry replays the clientToken, so one version)
  { name = "connection closed (FIN) before the request is processed",
    faults = { { kind = "drop", count = 1 } }, expect = ok(2, { false, 200 }) },
  { name = "connection reset (RST) before the request is processed",
    faults = { { kind = "drop", reset = true, count = 1 } }, expect = ok(2, { false, 200 }),
    bulk = true },
  { name = "connection closed (FIN) after the update was applied",
    faults = { { kind = "drop", phase = "after", count = 1 } }, expect = ok(2, { 200, 200 }) },
  { name = "connection reset (RST) after the update was applied",
    faults = { { kind = "drop", phase = "after", reset = true, count = 1 } },
    expect = ok(2, { 200, 200 }), bulk = true },
  { name = "connection reset on every attempt", faults = { { kind = "drop", reset = true } },
    expect = fail("TransportError", nil, true, 3, rep(false, 3)) },
  { name = "connection reset after the update, on every attempt",
    faults = { { kind = "drop", phase = "after", reset = true } },
    expect = fail("TransportError", nil, true, 3, rep(200, 3)), applied = 1, bulk = true },
  -- nothing listening, no such host, a connect that never completes, TLS
  { name = "connection refused", endpoint = "refused",
    expect = fail("TransportError", nil, true, 3, nil, "connect") },
  { name = "DNS failure", endpoint = "dns",
    expect = fail("TransportError", nil, true, 3, nil, "resolve") },
  { name = "connect timeout (a full accept queue)", endpoint = "blackhole",
    opts = { connect_timeout = 0.2 }, expect = fail("TimeoutError", nil, true, 3, nil) },
  { name = "TLS with a wrong CA", endpoint = "tls_wrong_ca",
    expect = fail("TransportError", nil, true, 3, nil, "TLS certificate verification failed") },
  -- read timeouts (the delayed attempt is processed when its delay ends: one version)
  { name = "read timeout once", faults = { { kind = "delay", seconds = 1, count = 1 } },
    opts = { timeout = 0.25 }, expect = ok(2, { 200, 200 }) },
  { name = "read timeout on every attempt", faults = { { kind = "delay", seconds = 0.6 } },
    opts = { timeout = 0.2, max_attempts = 2 },
    expect = fail("TimeoutError", nil, true, 2, { 200, 200 }), applied = 1 },
  -- bodies
  { name = "truncated body once", faults = { { kind = "truncate", count = 1 } },
    expect = ok(2, { 200, 200 }), bulk = true },
  { name = "truncated body on every attempt", faults = { { kind = "truncate", bytes = 10 } },
    expect = fail("TransportError", nil, true, 3, rep(200, 3)), applied = 1 },
  { name = "garbage 200 body: unreadable, not retried (the change may be made)",
    faults = { { kind = "garbage" } },
    expect = fail("ResponseError", 200, false, 1, { 200 }, "JSON"), applied = 0, bulk = true },
  { name = "garbage 500 body once: retried by its status",
    faults = { { kind = "garbage", status = 500, count = 1 } }, expect = ok(2, { 500, 200 }) },
  { name = "garbage 503 body always: the status as the code",
    faults = { { kind = "garbage", status = 503 } },
    expect = fail("503", 503, true, 3, rep(503, 3)) },
  { name = "oversized 200 body (over the 1 MiB cap)",
    faults = { { kind = "garbage", size = 1536 * 1024 } },
    expect = fail("ResponseError", 200, false, 1, { 200 }, "larger than 1048576 bytes") },
  { name = "oversized 503 body once: retried by its status",
    faults = { { kind = "garbage", status = 503, size = 1536 * 1024, count = 1 } },
    expect = ok(2, { 503, 200 }) },
  { name = "slow body within the timeout",
    faults = { { kind = "slow_body", chunk = 64, interval = 0.01, count = 1 } },
    expect = ok(1, { 200 }) },
  { name = "slow body past the timeout once",
    faults = { { kind = "slow_body", chunk = 8, interval = 0.05, count = 1 } },
    opts = { timeout = 0.3 }, expect = ok(2, { 200, 200 }) },
  { name = "wrong content type on a 200 (text/html)", faults = { { kind = "content_type" } },
    expect = ok(1, { 200 }) },
  { name = "a 503 with a text/plain body once", faults = { err(503, 1, { body = "busy" }) },
    expect = ok(2, { 503, 200 }) },
  { name = "a 400 with a text/plain body is not retried",
    faults = { err(400, nil, { body = "Bad Request" }) },
    expect = fail("400", 400, false, 1, { 400 }, "Bad Request") },
  -- clock skew: refused as expired (or not yet current), corrected from the Date, retried at once
  { name = "clock skew: the service's clock an hour ahead", clock = 3600,
    expect = ok(2, { 403, 200 }), next = ok(1, { 200 }), bulk = true },
  { name = "clock skew: the service's clock an hour behind", clock = -3600,
    expect = ok(2, { 403, 200 }), next = ok(1, { 200 }), bulk = true },
  -- expired credentials: refreshed ahead of expiry (advisory 15 min, mandatory 10 min before);
  -- refused as expired by the service anyway: not retried (as botocore), and the cached
  -- credentials are dropped so that the next call gets fresh ones
  { name = "ExpiredTokenException from the service is not retried",
    faults = { err(403, nil, { code = "ExpiredTokenException", message = EXPIRED }) },
    expect = fail("ExpiredTokenException", 403, false, 1, { 403 }, EXPIRED), bulk = true },
  { name = "temporary credentials expire mid-run: refreshed ahead of expiry, no call fails",
    creds = creds({ credentialTtl = 1200 }, 4, { "call", "advance:360", "call", "advance:600",
      "call", "advance:1500", "call" }),
    expect = { ok = { n = 4, attempts = 1, log = { 200 } } } },
  { name = "temporary credentials revoked early: ExpiredTokenException, then fresh ones",
    creds = creds({}, 2, { "call", "expire", "call", "call" }),
    expect = { ok = { n = 2, attempts = 1, log = { 200 } },
      ExpiredTokenException = { n = 1, code = "ExpiredTokenException", status = 403,
        retryable = false, attempts = 1, log = { 403 }, pattern = EXPIRED } } },
  { name = "the service's clock passes the credentials' expiry: ExpiredTokenException, then fresh ones",
    creds = creds({ credentialTtl = 1200, maxSkew = 7200 }, 2,
      { "call", "emulator:1500", "call", "call" }),
    expect = { ok = { n = 2, attempts = 1, log = { 200 } },
      ExpiredTokenException = { n = 1, code = "ExpiredTokenException", status = 403,
        retryable = false, attempts = 1, log = { 403 }, pattern = EXPIRED } } },
}

-- ---- the seed: one service per row, plus a bystander ---------------------------------------

local function service_of(i)
  return string.format("row-%02d.fault.local", i)
end

local function path_of(name)
  return "/v20190125/meshes/" .. MESH .. "/virtualServices/" .. name
end

local function node_spec()
  return { listeners = { { portMapping = { port = 9080, protocol = "http" } } },
    serviceDiscovery = { dns = { hostname = "x.fault.local" } } }
end

local function write_seed()
  local services = {}
  for i = 1, #ROWS do
    services[i] = { virtualServiceName = service_of(i), metadata = { version = SEED_VERSION },
      spec = { provider = { virtualNode = { virtualNodeName = "old-vn" } } } }
  end
  services[#services + 1] = { virtualServiceName = BYSTANDER, metadata = { version = SEED_VERSION },
    spec = { provider = { virtualNode = { virtualNodeName = "old-vn" } } } }
  local state = { meshes = { { meshName = MESH,
    virtualNodes = { { virtualNodeName = "old-vn", spec = node_spec() },
      { virtualNodeName = "new-vn", spec = node_spec() } },
    virtualServices = services } } }
  local path = os.tmpname()
  local f = assert(io.open(path, "wb"))
  f:write(cjson.encode(state))
  f:close()
  return path
end

local function params(name)
  return { meshName = MESH, virtualServiceName = name,
    spec = { provider = { virtualNode = { virtualNodeName = "new-vn" } } } }
end

--- The row's faults, scoped to its service's UpdateVirtualService.
local function scoped_faults(i)
  local list = {}
  for j, f in ipairs(ROWS[i].faults or {}) do
    local g = {}
    for k, v in pairs(f) do
      g[k] = v
    end
    g.operation = "UpdateVirtualService"
    g.pathPrefix = path_of(service_of(i))
    list[j] = g
  end
  return list
end

-- ---- checks ----------------------------------------------------------------------------------

--- The emulator's PUT log entries (of service `name`, or all) grouped by clientToken: token ->
--- the status of each attempt (false for a dropped connection) in order, and token -> the last
--- entry. Attempts are told apart by the amz-sdk-request header the client sends
--- ("attempt=N; max=M"): libcurl re-sends an attempt by itself when a reused keep-alive
--- connection dies before any answer, so an attempt may show as more than one request; every
--- request of an attempt but its last must be such a re-send (a dropped request on a connection
--- that had served an earlier request). Returns the number of those re-sends as well.
local function by_token(log, name)
  local groups, last, resent, seen_conn = {}, {}, 0, {}
  local attempts = {} -- token -> attempt number -> its entries
  for _, e in ipairs(log) do
    local reused = seen_conn[e.connection]
    seen_conn[e.connection] = true
    if e.operation == "UpdateVirtualService" and (not name or e.path == path_of(name)) then
      local t = e.clientToken
      assert.is_string(t, "a logged attempt without a clientToken")
      local n = math.tointeger(tonumber(tostring(e.sdkRequest):match("^attempt=(%d+);")))
      assert.is_number(n, "no attempt number in " .. tostring(e.sdkRequest))
      attempts[t] = attempts[t] or {}
      attempts[t][n] = attempts[t][n] or {}
      local list = attempts[t][n]
      list[#list + 1] = { entry = e, reused = reused }
      last[t] = e
    end
  end
  for t, by_n in pairs(attempts) do
    groups[t] = {}
    for n, list in pairs(by_n) do
      for k = 1, #list - 1 do
        local r = list[k]
        assert.is_true(r.reused and r.entry.fault ~= cjson.null and r.entry.fault.kind == "drop",
          "attempt " .. n .. " of " .. t .. " was sent twice, not as a re-send on a dead reused"
          .. " connection")
        resent = resent + 1
      end
      local final = list[#list].entry
      groups[t][n] = final.status ~= cjson.null and math.tointeger(final.status) or false
    end
  end
  return groups, last, resent
end

--- Outcomes of a driver's calls ({vs, info_or_err}) against the row's expectation.
local function check_calls(row, results)
  local counts, want = {}, {}
  for key, e in pairs(row.expect) do
    want[key] = e.n
  end
  for _, r in ipairs(results) do
    local vs, x = r[1], r[2]
    local key = vs and "ok" or (type(x) == "table" and x.code or tostring(x))
    counts[key] = (counts[key] or 0) + 1
    local e = row.expect[key]
    assert.is_table(e, "unexpected outcome " .. key .. ": " .. tostring(x))
    if vs then
      assert.equal(e.attempts, x.attempts, "attempts")
      assert.equal(200, x.httpStatus)
      assert.is_string(x.clientToken)
      assert.equal("new-vn", vs.spec.provider.virtualNode.virtualNodeName)
    else
      assert.equal(appmesh.Error, getmetatable(x))
      assert.equal(e.status, x.httpStatus, "httpStatus")
      assert.equal(e.retryable, x.retryable, "retryable")
      assert.equal(e.attempts, x.attempts, "attempts")
      if e.pattern then
        assert.matches(e.pattern, x.message, 1, true)
      end
    end
  end
  assert.same(want, counts)
end

--- The log agrees: one token per call, its attempts' statuses as expected, the final request
--- id is the one the call reported; a success's token is the info's.
local function check_log(row, results, log, name)
  local groups, last = by_token(log, name)
  local seen = 0
  for _, r in ipairs(results) do
    local vs, x = r[1], r[2]
    local e = row.expect[vs and "ok" or x.code]
    if e.log == nil then
      assert.same({}, groups, "nothing should have reached the emulator")
    elseif vs then
      assert.same(e.log, groups[x.clientToken], "the attempts of " .. x.clientToken)
      assert.equal(last[x.clientToken].requestId, x.requestId)
      seen = seen + 1
    end
  end
  -- failed calls: each remaining token has the failure's statuses
  local failed = {}
  for key, e in pairs(row.expect) do
    if key ~= "ok" and e.log then
      for _ = 1, e.n do
        failed[#failed + 1] = e.log
      end
    end
  end
  local rest = {}
  for t, statuses in pairs(groups) do
    local mine = false
    for _, r in ipairs(results) do
      if r[1] and r[2].clientToken == t then
        mine = true
      end
    end
    if not mine then
      rest[#rest + 1] = statuses
    end
  end
  assert.same(failed, rest)
  return seen
end

--- How many log entries the row's calls make (nil when none reach the emulator).
local function expected_entries(row)
  local n = 0
  for _, e in pairs(row.expect) do
    if e.log then
      n = n + e.n * #e.log
    end
  end
  return n
end

describe("the fault matrix", function()
  local emu, tls_emu, seed_path, sockets, wrong_ca, tmpdir

  local function endpoint_options(row)
    if row.endpoint == "refused" then
      return { endpoint = "http://127.0.0.1:" .. sockets.refused }
    elseif row.endpoint == "blackhole" then
      return { endpoint = "http://127.0.0.1:" .. sockets.blackhole }
    elseif row.endpoint == "dns" then
      return { endpoint = "http://" .. DNS_FAILS .. ":9" }
    elseif row.endpoint == "tls_wrong_ca" then
      return { endpoint = tls_emu.url, ca_bundle = wrong_ca }
    end
    return {}
  end

  local function new_client(row)
    local o = integration.client_options(emu, endpoint_options(row))
    for k, v in pairs(row.opts or {}) do
      o[k] = v
    end
    return assert(appmesh.client(o))
  end

  lazy_setup(function()
    seed_path = write_seed()
    emu = integration.start_emulator({ state = seed_path, args = { "--seed", "7" } })
    tls_emu = integration.start_emulator({ state = seed_path, tls = true })
    local p = assert(io.popen("mktemp -d /tmp/appmesh-faults-XXXXXX", "r"))
    tmpdir = p:read("l")
    p:close()
    wrong_ca = tmpdir .. "/wrong-ca.pem"
    -- the credential rows' profile: a role assumed with the emulator's known key
    local f = assert(io.open(tmpdir .. "/config", "w"))
    f:write("[profile src]\naws_access_key_id = ", integration.ACCESS_KEY,
      "\naws_secret_access_key = ", integration.SECRET_KEY,
      "\n[profile role]\nrole_arn = arn:aws:iam::123456789012:role/app\nsource_profile = src\n")
    f:close()
    assert(os.execute("chmod 600 " .. integration.shell_quote(tmpdir .. "/config")))
    local _, made = integration.run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256"
      .. " -nodes -days 1 -subj /CN=not-the-emulators-ca -keyout " .. tmpdir .. "/wrong-ca.key"
      .. " -out " .. wrong_ca .. " 2>&1")
    assert(made, "openssl could not make the wrong CA")
    -- the refused and blackhole ports
    local pipe = assert(io.popen("exec env -u LD_PRELOAD setpriv --pdeathsig TERM "
      .. integration.PYTHON .. " tests/lua/programs/fault_sockets.py", "r"))
    sockets = { pipe = pipe }
    sockets.refused = assert(pipe:read("l"), "fault_sockets.py printed nothing"):match("^refused (%d+)$")
    sockets.blackhole = assert(pipe:read("l")):match("^blackhole (%d+)$")
    sockets.pid = assert(pipe:read("l")):match("^pid (%d+)$")
    assert(sockets.refused and sockets.blackhole and sockets.pid)
  end)

  lazy_teardown(function()
    if sockets then
      os.execute("kill -TERM " .. sockets.pid)
      sockets.pipe:close()
    end
    for _, e in ipairs({ emu, tls_emu }) do
      e.stop()
      assert.equal(0, e.exit_code)
    end
    os.remove(seed_path)
    if tmpdir then
      os.execute("rm -rf " .. integration.shell_quote(tmpdir))
    end
  end)

  before_each(function()
    emu.reset()
  end)

  local function version_of(name)
    return math.tointeger(emu.service(MESH, name).metadata.version)
  end

  --- Wait for the row's log entries (a delayed attempt is logged when its delay ends).
  local function attempts_logged(log, name)
    local n = 0
    for _, statuses in pairs((by_token(log, name))) do
      for _ in pairs(statuses) do
        n = n + 1
      end
    end
    return n
  end

  local function settled_log(row, name)
    local want = expected_entries(row)
    return integration.wait_for(function()
      local l = emu.log()
      return attempts_logged(l, name) >= want and l
    end, 5) or emu.log()
  end

  local DRIVERS = {
    { "blocking", function(client, calls)
      local out = {}
      for k = 1, #calls do
        out[k] = table.pack(client:update_virtual_service(calls[k]))
      end
      return out
    end },
    { "concurrent", function(client, calls, bystander)
      local list = {}
      for k = 1, #calls do
        list[k] = calls[k]
      end
      if bystander then -- the attempts the bystander's call should take
        list[#list + 1] = params(BYSTANDER)
      end
      local out = {}
      local results, errors = appmesh.map(list, function(p)
        return table.pack(client:update_virtual_service(p))
      end, { concurrency = 8 })
      assert.same({}, errors)
      for k = 1, #calls do
        out[k] = results[k]
      end
      if bystander then
        -- the other call in flight on the same client saw no fault (or the same clock)
        local b = results[#list]
        assert.is_table(b[1], tostring(b[2]))
        assert.equal(bystander, b[2].attempts)
      end
      return out
    end },
  }

  --- A fault_creds.c line as a driver's result: {vs, info} or {nil, appmesh.Error}.
  local function helper_result(line)
    if line.ok then
      return { { spec = { provider = { virtualNode = { virtualNodeName = line.node } } } },
        { attempts = line.attempts, httpStatus = line.httpStatus, clientToken = line.clientToken,
          requestId = line.requestId }, n = 2 }
    end
    return { nil, setmetatable({ code = line.code, message = line.message,
      httpStatus = line.httpStatus ~= 0 and line.httpStatus or nil, retryable = line.retryable,
      attempts = line.attempts, clientToken = line.clientToken }, appmesh.Error), n = 2 }
  end

  --- Run a credential row through fault_creds.c: the results of the row's service's calls (the
  --- concurrent driver's bystander, in flight with each, must have had the same outcome).
  local function run_creds(driver_name, row, name)
    emu.control("POST", "config", row.creds.config)
    local cmd = { integration.build .. "/tests/fault_creds", emu.url, tmpdir .. "/config",
      driver_name, MESH, name, BYSTANDER }
    for _, step in ipairs(row.creds.steps) do
      cmd[#cmd + 1] = step
    end
    for k, v in ipairs(cmd) do
      cmd[k] = integration.shell_quote(v)
    end
    local out, exited_0 = integration.run(table.concat(cmd, " ") .. " 2>&1")
    assert.is_true(exited_0, out)
    local results, source, pending = {}, nil, nil
    for text in out:gmatch("[^\n]+") do
      local line = cjson.decode(text)
      if line.source then
        source = line.source
      elseif line.service == name then
        results[#results + 1] = helper_result(line)
        pending = line
      else
        assert.equal(BYSTANDER, line.service)
        assert.equal(pending.ok, line.ok, text)
        assert.equal(pending.code, line.code, text)
        assert.equal(pending.attempts, line.attempts, text)
      end
    end
    assert.equal("assume-role", source, out)
    return results
  end

  --- The STS AssumeRole calls in the log, and the access keys the row's attempts were signed with.
  local function sts_calls(log)
    local n = 0
    for _, e in ipairs(log) do
      if e.target == "sts" then
        assert.equal("AssumeRole", e.operation)
        assert.equal(200, e.status)
        n = n + 1
      end
    end
    return n
  end

  for i, row in ipairs(ROWS) do
    for _, driver in ipairs(DRIVERS) do
      local driver_name, run = driver[1], driver[2]
      it(driver_name .. ": " .. row.name, function()
        local name = service_of(i)
        if row.faults then
          emu.fault(scoped_faults(i))
        end
        if row.clock then
          emu.control("POST", "config", { clockOffset = row.clock })
        end
        local calls = {}
        for k = 1, row.calls or 1 do
          calls[k] = params(name)
        end
        local client = new_client(row)
        local failures = row.endpoint == "tls_wrong_ca"
          and tls_emu.control("GET", "info").tlsHandshakeFailures
        local bystander = row.endpoint == nil and (row.clock and row.expect.ok.attempts or 1)
        local results
        if row.creds then
          results = run_creds(driver_name, row, name)
        else
          results = run(client, calls, bystander)
        end

        check_calls(row, results)
        local log = settled_log(row, name)
        check_log(row, results, log, name)
        local applied = row.applied or (row.expect.ok and row.expect.ok.n or 0)
        if row.endpoint == nil then
          assert.equal(expected_entries(row), attempts_logged(log, name), "attempts logged")
          assert.equal(SEED_VERSION + applied, version_of(name), "version")
        else
          assert.same({}, log)
        end
        if row.creds then
          -- every attempt signed with the role's temporary credentials, and fetched again only
          -- when expected (ahead of expiry, or after the service refused them as expired)
          assert.equal(row.creds.sts, sts_calls(log), "STS calls")
          for _, e in ipairs(log) do
            if e.target == "appmesh" then
              assert.matches("^ASIA", e.accessKeyId)
            end
          end
        end
        if row.next then
          -- the next call on the same client: signed right (or with fresh credentials) at once
          emu.reset_log()
          local nrow = { expect = row.next }
          local again = run(client, { params(name) }, bystander and 1)
          check_calls(nrow, again)
          check_log(nrow, again, settled_log(nrow, name), name)
          assert.equal(SEED_VERSION + applied + 1, version_of(name), "version after the next call")
        end
        client:close()
        if failures then
          local after = tls_emu.control("GET", "info").tlsHandshakeFailures
          assert.equal(failures + 3, after, "TLS handshakes refused")
          assert.same({}, tls_emu.log())
        end
      end)
    end
  end

  -- ---- the bulk subset: one bulk_update.lua --apply run, every bulk row's service an entry ----

  --- One bulk_update.lua --apply run of the rows `rows` (indexes) and the bystander, with the
  --- emulator's clock at `clock` (nil: right).
  local function bulk_run(rows, clock)
    local entries, faults, failing = {}, {}, false
    for _, i in ipairs(rows) do
      entries[#entries + 1] = params(service_of(i))
      for _, f in ipairs(scoped_faults(i)) do
        faults[#faults + 1] = f
      end
      failing = failing or next(ROWS[i].expect) ~= "ok"
    end
    entries[#entries + 1] = params(BYSTANDER)
    if #faults > 0 then
      emu.fault(faults)
    end
    if clock then
      emu.control("POST", "config", { clockOffset = clock })
    end
    local run_name = tmpdir .. "/bulk" .. (clock and string.format("%+d", clock) or "")
    local manifest = run_name .. ".json"
    local f = assert(io.open(manifest, "wb"))
    f:write(cjson.encode({ updates = entries }))
    f:close()
    local journal, report = run_name .. ".journal.jsonl", run_name .. ".report.jsonl"
    local host = integration.build .. "/appmesh-lua"
    local out, exited_0, _, code = integration.run("env AWS_ACCESS_KEY_ID=" .. integration.ACCESS_KEY
      .. " AWS_SECRET_ACCESS_KEY=" .. integration.shell_quote(integration.SECRET_KEY)
      .. " AWS_REGION=us-east-1 AWS_ENDPOINT_URL_APP_MESH=" .. emu.url .. " "
      .. integration.shell_quote(host) .. " scripts/bulk_update.lua " .. manifest
      .. " --apply --no-progress --concurrency " .. #entries .. " --journal " .. journal
      .. " --report " .. report .. " 2>&1")
    if failing then
      assert.is_false(exited_0)
      assert.equal(1, code, out) -- some entries failed
    else
      assert.is_true(exited_0, out)
    end

    local function jsonl(path)
      local list = {}
      for line in (integration.read_file(path) or ""):gmatch("[^\n]+") do
        list[#list + 1] = cjson.decode(line)
      end
      return list
    end
    local reported, begun, ended = {}, {}, {}
    for _, line in ipairs(jsonl(report)) do
      assert.is_nil(reported[line.virtualServiceName], "reported twice")
      reported[line.virtualServiceName] = line
    end
    local journal_lines = jsonl(journal)
    assert.equal("appmesh-bulk-update-journal", journal_lines[1].format)
    assert.equal("plan", journal_lines[2].type) -- what each entry asked for (for --resume)
    for k = 3, #journal_lines do
      local rec = journal_lines[k]
      local into = rec.type == "begin" and begun or ended
      assert.is_nil(into[rec.virtualServiceName], rec.type .. " recorded twice")
      into[rec.virtualServiceName] = rec
    end
    local log = emu.log()
    local state = {}
    for _, m in ipairs(emu.control("GET", "state").meshes) do
      for _, vs in ipairs(m.virtualServices) do
        state[vs.virtualServiceName] = math.tointeger(vs.metadata.version)
      end
    end

    local function check(name, row)
      local key, e = next(row.expect)
      local rep_line, b, en = reported[name], begun[name], ended[name]
      assert.is_table(rep_line, name .. " not in the report")
      assert.is_table(b, name .. " has no begin record")
      assert.is_table(en, name .. " has no end record")
      -- one token for the entry: the journal's, on every attempt the emulator saw
      local groups, last = by_token(log, name)
      assert.same({ [b.clientToken] = e.log }, groups, name)
      assert.equal(b.clientToken, en.clientToken)
      assert.equal(SEED_VERSION, math.tointeger(b.replacedVersion))
      local applied = row.applied or (key == "ok" and 1 or 0)
      assert.equal(SEED_VERSION + applied, state[name], name .. " version")
      if key == "ok" then
        assert.equal("updated", rep_line.outcome, cjson.encode(rep_line))
        assert.equal("updated", en.outcome)
        assert.equal(SEED_VERSION + 1, math.tointeger(rep_line.version))
        assert.equal(SEED_VERSION + 1, math.tointeger(en.version))
        assert.equal(last[b.clientToken].requestId, rep_line.requestId)
        assert.equal(rep_line.requestId, en.requestId)
        assert.is_nil(rep_line.error)
      else
        assert.equal("failed", rep_line.outcome, cjson.encode(rep_line))
        assert.equal("failed", en.outcome)
        assert.equal(e.code, rep_line.error.code)
        assert.equal(e.code, en.error.code)
        assert.equal(rep_line.error.message, en.error.message)
        assert.equal(e.retryable, en.error.retryable)
        if e.pattern then
          assert.matches(e.pattern, rep_line.error.message, 1, true)
        end
        assert.is_nil(rep_line.version)
      end
    end
    for _, i in ipairs(rows) do
      check(service_of(i), clock and { expect = ROWS[i].next } or ROWS[i])
    end
    check(BYSTANDER, { expect = ok(1, { 200 }) })
    if clock then
      -- bulk_update reads each entry first (the journal's replacedVersion): those reads, all in
      -- flight at once, met the skew and were corrected, so every update was signed right
      for _, name in ipairs({ service_of(rows[1]), BYSTANDER }) do
        local reads = {}
        for _, e in ipairs(log) do
          if e.operation == "DescribeVirtualService" and e.path == path_of(name) then
            reads[#reads + 1] = math.tointeger(e.status)
          end
        end
        assert.same({ 403, 200 }, reads, name .. " reads")
      end
    end
    local n = 0
    for _ in pairs(reported) do
      n = n + 1
    end
    assert.equal(#entries, n, "one report line per entry")
  end

  it("bulk_update --apply: the journal and the report say what happened to each entry", function()
    local rows = {}
    for i, row in ipairs(ROWS) do
      if row.bulk and not row.clock then
        rows[#rows + 1] = i
      end
    end
    bulk_run(rows)
  end)

  -- a skewed clock skews every entry: each clock row is a run of its own
  for i, row in ipairs(ROWS) do
    if row.bulk and row.clock then
      it("bulk_update --apply: " .. row.name .. ": every entry updated", function()
        bulk_run({ i }, row.clock)
      end)
    end
  end
end)
