-- SPDX-License-Identifier: MIT
-- Canary secrets: a distinctive secret access key and session token are planted in the
-- environment, then everything that produces output runs with APPMESH_LOG=debug: client calls
-- that succeed and that fail (auth failures, transport failures, timeouts; the blocking and the
-- concurrent driver), dry runs and the C preview, scripts/dry_run.lua, bulk_update.lua (dry run,
-- --apply with its journal and report, failed entries, --rollback), appmesh.sign, and the REPL
-- on a pseudo-terminal. Every byte of stdout, stderr and every file they wrote must hold neither
-- canary, nor the signature of any request that was sent (read from the loopback responder's
-- log), nor any unredacted `Signature=`.
local integration = dofile("tests/lua/integration.lua")
if not integration.enabled then
  return -- run by the CTest integration.canary (see tests/lua/integration.lua)
end
local cjson = require "cjson"
local helpers = dofile("tests/lua/helpers.lua")

local KEY = "AKIDCANARYEXAMPLE"
local SECRET = "CaNaRy-SeCrEt-4f1d9e0b7a2c-do-not-print"
local TOKEN = "CaNaRy-SeSsIoN-ToKeN-91c3e5a7b2d4-do-not-print"
-- fragments that would show a canary printed in part (cut, truncated or partly masked)
local FRAGMENTS = { "4f1d9e0b7a2c", "91c3e5a7b2d4", "SeCrEt", "SeSsIoN" }

local quote = integration.shell_quote

describe("canary secrets", function()
  local emu, responder, dir
  local runs = {} -- the name of every run
  local signatures = {} -- of every request the responder received

  local function collect_signatures()
    for _, e in ipairs(responder.log()) do
      local sig = (e.headers.authorization or ""):match("Signature=(%x+)")
      if sig then
        signatures[#signatures + 1] = sig
      end
    end
  end

  local function path(name)
    return dir .. "/" .. name
  end

  local function write(name, text)
    local f = assert(io.open(path(name), "wb"))
    f:write(text)
    f:close()
    return path(name)
  end

  --- Run a shell command line with env (name -> value; false unsets), stdout and stderr to
  --- files named after the run; returns stdout, stderr, exit code.
  local function run(name, env, cmdline, stdin)
    local parts = { "env -u LD_PRELOAD" }
    for k, v in pairs(env) do
      if v == false then
        parts[#parts + 1] = "-u " .. k
      end
    end
    for k, v in pairs(env) do
      if v then
        parts[#parts + 1] = k .. "=" .. quote(v)
      end
    end
    local out, err = path(name .. ".stdout"), path(name .. ".stderr")
    local _, _, code = os.execute(table.concat(parts, " ") .. " " .. cmdline .. " >" .. quote(out)
      .. " 2>" .. quote(err) .. " <" .. quote(stdin or "/dev/null"))
    runs[#runs + 1] = name
    return integration.read_file(out) or "", integration.read_file(err) or "", code
  end

  local function creds(endpoint, with_token)
    return { AWS_ACCESS_KEY_ID = KEY, AWS_SECRET_ACCESS_KEY = SECRET,
      AWS_SESSION_TOKEN = with_token and TOKEN or false, AWS_REGION = "us-east-1",
      AWS_ENDPOINT_URL_APP_MESH = endpoint, APPMESH_LOG = "debug", HOME = dir, TERM = "dumb" }
  end

  local host = quote(integration.build .. "/appmesh-lua")

  lazy_setup(function()
    local p = assert(io.popen("mktemp -d /tmp/appmesh-canary-XXXXXX", "r"))
    dir = p:read("l")
    p:close()
    -- the emulator knows the canary key as a long-term key (it refuses a session token with it)
    emu = integration.start_emulator({ state = integration.SEED,
      args = { "--key", KEY .. ":" .. SECRET } })
    responder = helpers.start_responder()
  end)

  lazy_teardown(function()
    if responder then
      responder.stop()
    end
    if emu then
      emu.stop()
    end
    if dir then
      os.execute("rm -rf " .. quote(dir))
    end
  end)

  it("client calls through both drivers: success, auth and transport failures, sign, dry run",
    function()
      responder.queue({
        { echo = {} },                                                  -- a: success
        { error = "InvalidSignatureException", status = 403,
          message = "The request signature we calculated does not match" }, -- b: auth failure
        { error = "ExpiredTokenException", status = 403, message = "token expired" }, -- c
        { action = "close" }, { action = "close" },                     -- d: transport failure
        { action = "hang", seconds = 1 }, { action = "hang", seconds = 1 }, -- e: timeouts
        { echo = {} }, { echo = {} },                                   -- f: two in a map
        { error = "UnrecognizedClientException", status = 403, message = "bad token" }, -- g
      })
      local script = write("client.lua", [[
local appmesh = require "appmesh"
local function dump(label, v, seen)
  seen = seen or {}
  if type(v) == "table" and not seen[v] then
    seen[v] = true
    local keys = {}
    for k in pairs(v) do keys[#keys + 1] = tostring(k) end
    table.sort(keys)
    for _, k in ipairs(keys) do
      dump(label .. "." .. k, v[k] ~= nil and v[k] or v[tonumber(k)], seen)
    end
    print(label, tostring(v))
  else
    print(label, tostring(v))
  end
end
local c = assert(appmesh.client{ retry_base_delay = 0.001, timeout = 0.3, max_attempts = 2 })
print(tostring(c), c.region, c.endpoint, c.credentials_source)
local P = { meshName = "m", virtualServiceName = "s",
  spec = { provider = { virtualNode = { virtualNodeName = "n" } } } }
for _, label in ipairs({ "a", "b", "c", "d", "e" }) do
  -- a fresh client (connection) each: libcurl would re-send on a reused one by itself
  local fresh <close> = assert(appmesh.client{ retry_base_delay = 0.001, timeout = 0.3,
    max_attempts = 2 })
  local vs, x = fresh:update_virtual_service(P)
  dump(label .. ".result", vs)
  dump(label .. ".info", x)
end
local results, errors = appmesh.map({ 1, 2, 3 }, function()
  return table.pack(c:update_virtual_service(P))
end, { concurrency = 3 })
dump("f.results", results)
dump("f.errors", errors)
dump("dry_run", c:update_virtual_service(P, { dry_run = true }))
local h = appmesh.sign{ method = "PUT", url = "https://appmesh.us-east-1.amazonaws.com/x",
  body = "{}", region = "us-east-1", service = "appmesh", credentials = {
    accessKeyId = os.getenv("AWS_ACCESS_KEY_ID"), secretAccessKey = os.getenv("AWS_SECRET_ACCESS_KEY"),
    sessionToken = os.getenv("AWS_SESSION_TOKEN") } }
-- sign returns what the caller sends: the token (and the signature) belong in it, the secret
-- never; it is checked here and only its shape is printed
local secret, token = os.getenv("AWS_SECRET_ACCESS_KEY"), os.getenv("AWS_SESSION_TOKEN")
for k, v in pairs(h) do
  assert(not v:find(secret, 1, true), "sign returned the secret key in " .. k)
  if k ~= "X-Amz-Security-Token" then
    assert(not v:find(token, 1, true), "sign returned the token in " .. k)
  end
end
assert(h["X-Amz-Security-Token"] == token)
print("sign", (h.Authorization:gsub("Signature=%x+", "Signature=...")), h["X-Amz-Date"])
-- credentials errors: a secret without a key, a wrong type
dump("cred1", { pcall(appmesh.client, { credentials = { secretAccessKey = secret } }) })
dump("cred2", { pcall(appmesh.client, { credentials = { accessKeyId = "AKID",
  secretAccessKey = secret, sessionToken = 42 } }) })
c:close()
print(pcall(c.update_virtual_service, c, P))
]])
      local out, err, code = run("client", creds(responder.url, true), host .. " " .. quote(script))
      assert.equal(0, code, out .. err)
      -- the runs did what they should (so the scan below is not vacuous)
      assert.matches("a.result.metadata.version", out, 1, true)
      assert.matches("InvalidSignatureException", out, 1, true)
      assert.matches("TransportError", out, 1, true)
      assert.matches("TimeoutError", out, 1, true)
      assert.matches("sign\tAWS4%-HMAC%-SHA256", out)
      assert.matches("X-Amz-Security-Token: <redacted>", err, 1, true)
      assert.matches("Signature=<redacted>", err, 1, true)
      -- the canary really went on the wire
      local sent_token = false
      for _, e in ipairs(responder.log()) do
        sent_token = sent_token or e.headers["x-amz-security-token"] == TOKEN
      end
      assert.is_true(sent_token, "the canary token never reached the responder")
      collect_signatures()
    end)

  it("the same against the emulator: its auth failures, and the blocking and batch drivers",
    function()
      local script = write("emulator.lua", [[
local appmesh = require "appmesh"
local c = assert(appmesh.client{ retry_base_delay = 0.001 })
local P = { meshName = "demo-mesh", virtualServiceName = "colorteller-red.demo.local",
  spec = { provider = { virtualRouter = { virtualRouterName = "colorteller-vr" } } } }
local vs, err = c:update_virtual_service(P)
print(vs, err, err and err.code, err and err.message, err and err.requestId)
local r = appmesh.map({ 1, 2 }, function() return tostring(select(2, c:update_virtual_service(P))) end)
print(r[1], r[2])
print(c:describe_virtual_service{ meshName = "demo-mesh", virtualServiceName = "x" })
]])
      local out, err, code = run("emulator", creds(emu.url, true), host .. " " .. quote(script))
      assert.equal(0, code, out .. err)
      assert.matches("UnrecognizedClientException", out, 1, true)
    end)

  it("the C example's preview and its failed call", function()
    local exe = quote(integration.build .. "/examples/update_virtual_service")
    local args = " demo-mesh colorteller-red.demo.local --router colorteller-vr"
    local out = run("c-preview", creds(emu.url, true), exe .. args .. " --dry-run")
    assert.matches("Signature=<redacted>", out, 1, true)
    run("c-call", creds(emu.url, true), exe .. args)
  end)

  it("the scripts: dry runs, bulk dry run, --apply with journal and report, failures, rollback",
    function()
      local manifest = write("moves.json", cjson.encode({ defaults = { meshName = "demo-mesh",
        spec = { provider = { virtualRouter = { virtualRouterName = "colorteller-vr" } } } },
        updates = { { virtualServiceName = "colorteller-red.demo.local" },
          { virtualServiceName = "colorteller-blue.demo.local" } } }))
      local long_term = creds(emu.url, false)
      local with_token = creds(emu.url, true)
      local s = " scripts/"
      local out = run("dry_run", long_term, host .. s .. "dry_run.lua " .. quote(manifest))
      assert.matches("Signature=<redacted>", out, 1, true)
      out = run("dry_run_offline", with_token, host .. s .. "dry_run.lua " .. quote(manifest)
        .. " --offline")
      assert.matches("<redacted>", out, 1, true)
      local _, _, code = run("bulk_dry", long_term, host .. s .. "bulk_update.lua "
        .. quote(manifest))
      assert.equal(0, code)
      local journal, report = path("moves.journal.jsonl"), path("moves.report.jsonl")
      _, _, code = run("bulk_apply", long_term, host .. s .. "bulk_update.lua " .. quote(manifest)
        .. " --apply --no-progress --journal " .. quote(journal) .. " --report " .. quote(report))
      assert.equal(0, code)
      assert.matches('"outcome":"updated"', integration.read_file(report), 1, true)
      -- a token with a long-term key: every entry fails to authenticate (describe and PUT)
      local failed_j, failed_r = path("failed.journal.jsonl"), path("failed.report.jsonl")
      _, _, code = run("bulk_fail", with_token, host .. s .. "bulk_update.lua " .. quote(manifest)
        .. " --apply --no-progress --journal " .. quote(failed_j) .. " --report "
        .. quote(failed_r))
      assert.equal(1, code)
      assert.matches("UnrecognizedClientException", integration.read_file(failed_r), 1, true)
      _, _, code = run("rollback", long_term, host .. s .. "bulk_update.lua --rollback "
        .. quote(journal) .. " --output " .. quote(path("undo.json")))
      assert.equal(0, code)
    end)

  it("the REPL on a pseudo-terminal", function()
    -- the responder answers the REPL's calls: a success, then an auth failure
    collect_signatures()
    responder.reset()
    responder.queue({ { echo = {} },
      { error = "InvalidSignatureException", status = 403, message = "signature mismatch" } })
    local input = write("repl.in", table.concat({
      "appmesh.default_client()",
      "c = appmesh.default_client()",
      "c:update_virtual_service{meshName='m', virtualServiceName='s', spec={}}",
      "c:update_virtual_service({meshName='m', virtualServiceName='s', spec={}}, {dry_run=true})",
      "c:update_virtual_service{meshName='m', virtualServiceName='s', spec={}}",
      "c",
      "os.exit(0)",
      "",
    }, "\n"))
    -- (timeout: a REPL that never reads its input fails the test instead of hanging it)
    local out, err = run("repl", creds(responder.url, true), "timeout 60 " .. integration.PYTHON
      .. " tests/host/pty_run.py " .. host, input)
    assert.matches("virtualServiceName", out, 1, true, err)
    assert.matches("InvalidSignatureException", out, 1, true)
    assert.matches("<redacted>", out, 1, true)
  end)

  it("no output holds a canary or a request's signature", function()
    collect_signatures()
    assert.is_true(#signatures >= 12, "only " .. #signatures .. " signatures")
    local needles = { SECRET, TOKEN }
    for _, f in ipairs(FRAGMENTS) do
      needles[#needles + 1] = f
    end
    for _, s in ipairs(signatures) do
      needles[#needles + 1] = s
    end
    -- every file the runs produced: their stdout, stderr, journals, reports, rollback manifests
    local p = assert(io.popen("find " .. quote(dir) .. " -type f", "r"))
    local files = {}
    for line in p:lines() do
      files[#files + 1] = line
    end
    p:close()
    assert.is_true(#files >= 2 * #runs, "fewer files than runs")
    local scanned = 0
    for _, file in ipairs(files) do
      local text = assert(integration.read_file(file))
      scanned = scanned + #text
      for _, needle in ipairs(needles) do
        assert.is_nil(text:find(needle, 1, true), file .. " holds " .. needle:sub(1, 12) .. "...")
      end
      -- any Signature= printed anywhere is redacted
      for value in text:gmatch("Signature=([^%s,\"']*)") do
        assert.is_nil(value:match("^%x%x%x%x%x%x%x%x"), file .. " shows a signature")
      end
    end
    assert.is_true(scanned > 10000, "only " .. scanned .. " bytes of output")
  end)
end)
