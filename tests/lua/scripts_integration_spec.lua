-- SPDX-License-Identifier: MIT
-- bulk_update.lua, dry_run.lua and policy_check.lua against the local App Mesh emulator:
-- 500-entry runs with throttling, 5xx and dropped connections; SIGKILL then --resume; rollback;
-- dry runs and denied entries that send no PUT; bad input refused before anything is sent;
-- the progress line on a pseudo-terminal.
local cjson = require "cjson"
local sh = dofile("tests/lua/scripts_helpers.lua")

local MESH = "bulk-mesh"
local N = 500

local function svc(i)
  return string.format("svc-%03d.bulk.local", i)
end

local NODE_SPEC = {
  listeners = { { portMapping = { port = 9080, protocol = "http" } } },
  serviceDiscovery = { dns = { hostname = "x.bulk.local" } },
}

local function node(name)
  return { provider = { virtualNode = { virtualNodeName = name } } }
end

--- The emulator's seed: one mesh with nodes old-vn, new-vn, other-vn, router vr, and N services
--- on old-vn (version 1).
local function seed(n)
  local services = {}
  for i = 1, n do
    services[i] = { virtualServiceName = svc(i), spec = node("old-vn") }
  end
  local nodes = {}
  for _, name in ipairs({ "old-vn", "new-vn", "other-vn" }) do
    nodes[#nodes + 1] = { virtualNodeName = name, spec = NODE_SPEC }
  end
  return {
    region = "us-east-1",
    meshes = { {
      meshName = MESH,
      virtualNodes = nodes,
      virtualRouters = { { virtualRouterName = "vr", spec = {
        listeners = { { portMapping = { port = 9080, protocol = "http" } } } } } },
      virtualServices = services,
    } },
  }
end

-- The emulator, driven through its control endpoint with curl.
local emu = {}

local function curl(method, url, body)
  local cmd = "env -u LD_PRELOAD curl -sS -X " .. method
  if body then
    local path = sh.path("body.json")
    sh.write(path, cjson.encode(body))
    cmd = cmd .. " -H 'Content-Type: application/json' --data-binary @" .. sh.quote(path)
  end
  local p = assert(io.popen(cmd .. " " .. sh.quote(url), "r"))
  local text = p:read("a")
  p:close()
  return cjson.decode(text)
end

function emu.start(state)
  local state_path = sh.file("state.json", cjson.encode(state))
  local pipe = assert(io.popen("exec env -u LD_PRELOAD " .. sh.PYTHON
    .. " tests/emulator/appmesh_emulator.py --port 0 --seed 7 --state " .. sh.quote(state_path),
    "r"))
  local url = assert(pipe:read("l"), "the emulator printed no URL")
  assert(url:match("^http://127%.0%.0%.1:%d+$"), url)
  emu.url, emu.pipe = url, pipe
  emu.pid = string.format("%d", curl("GET", url .. "/_emulator/info").pid)
end

function emu.stop()
  os.execute("kill " .. emu.pid)
  emu.pipe:close()
end

function emu.control(method, path, body)
  return curl(method, emu.url .. "/_emulator/" .. path, body)
end

function emu.reset()
  emu.control("POST", "reset")
end

function emu.faults(list)
  local r = emu.control("POST", "faults", list)
  assert(r.added, cjson.encode(r))
end

--- Wait until every request a delay fault held has been answered and logged (a run stopped
--- while the emulator held its requests leaves them to finish later, into the next test's log).
function emu.settle()
  local held = 0
  for _, f in ipairs(emu.control("GET", "faults").faults) do
    if f.kind == "delay" then
      held = held + (f.hits or 0)
    end
  end
  return sh.wait_for(function()
    local logged = 0
    for _, r in ipairs(emu.control("GET", "log?limit=10000").requests) do
      if type(r.fault) == "table" and r.fault.kind == "delay" then
        logged = logged + 1
      end
    end
    return logged >= held
  end)
end

function emu.requests()
  return emu.control("GET", "log?limit=10000").requests
end

--- The App Mesh requests in the log by operation: { UpdateVirtualService = n, ... }.
function emu.count(requests)
  local counts = {}
  for _, r in ipairs(requests or emu.requests()) do
    if r.target == "appmesh" then
      counts[r.operation] = (counts[r.operation] or 0) + 1
    end
  end
  return counts
end

--- name -> {version, node} for every virtual service of the mesh.
function emu.services()
  local out = {}
  for _, m in ipairs(emu.control("GET", "state").meshes) do
    if m.meshName == MESH then
      for _, vs in ipairs(m.virtualServices) do
        local p = vs.spec.provider or {}
        out[vs.virtualServiceName] = {
          version = vs.metadata.version,
          node = p.virtualNode and p.virtualNode.virtualNodeName,
          router = p.virtualRouter and p.virtualRouter.virtualRouterName,
        }
      end
    end
  end
  return out
end

local function env(extra)
  local e = {
    AWS_ACCESS_KEY_ID = sh.ACCESS_KEY, AWS_SECRET_ACCESS_KEY = sh.SECRET_KEY,
    AWS_REGION = "us-east-1", AWS_ENDPOINT_URL_APP_MESH = emu.url, AWS_MAX_ATTEMPTS = "10",
  }
  for k, v in pairs(extra or {}) do
    e[k] = v
  end
  return e
end

--- A JSON manifest switching services first..last of the mesh to `to`.
local function manifest(first, last, to, extra)
  local updates = {}
  for i = first, last do
    updates[#updates + 1] = { virtualServiceName = svc(i) }
  end
  for _, u in ipairs(extra or {}) do
    updates[#updates + 1] = u
  end
  return sh.file("manifest.json", cjson.encode({
    defaults = { meshName = MESH, spec = node(to) },
    updates = updates,
  }))
end

local function outcomes(report_path)
  local by, count = {}, {}
  for _, line in ipairs(sh.jsonl(report_path)) do
    assert.is_nil(by[line.virtualServiceName], "reported twice: " .. line.virtualServiceName)
    by[line.virtualServiceName] = line
    count[line.outcome] = (count[line.outcome] or 0) + 1
  end
  return by, count
end

--- The spec the rollback manifest of `journal` restores, by service name.
local function rollback_specs(journal)
  local rollback = sh.path("rollback.json")
  local _, err, code = sh.run("bulk_update.lua", { "--rollback", journal, "--output", rollback },
    env())
  assert.equal(0, code, err)
  local specs = {}
  for _, u in ipairs(cjson.decode(sh.read(rollback)).updates) do
    specs[u.virtualServiceName] = u.spec
  end
  return specs
end

describe("scripts against the emulator", function()
  lazy_setup(function()
    emu.start(seed(N))
  end)

  lazy_teardown(function()
    emu.stop()
    sh.cleanup()
  end)

  before_each(function()
    emu.reset()
  end)

  describe("bulk_update.lua", function()
    it("dry run by default: reports every entry planned and sends no PUT", function()
      local report = sh.path("report.jsonl")
      local out, err, code = sh.run("bulk_update.lua", { manifest(1, N, "new-vn"),
        "--report", report, "--concurrency", "16" }, env())
      assert.equal(0, code, err)
      local _, count = outcomes(report)
      assert.same({ planned = N }, count)
      assert.truthy(out:find("dry run (nothing changed): 0 failed, " .. N .. " planned of " .. N
        .. " entries", 1, true), out)
      local ops = emu.count()
      assert.is_nil(ops.UpdateVirtualService)
      assert.equal(N, ops.DescribeVirtualService)
      assert.equal(1, emu.services()[svc(1)].version)
    end)

    it("updates 500 services through throttling, 5xx and dropped connections", function()
      emu.faults({
        { kind = "throttle", rate = 400, burst = 40 },
        { kind = "error", status = 503, probability = 0.05, operation = "UpdateVirtualService" },
        { kind = "error", status = 500, probability = 0.03 },
        { kind = "drop", probability = 0.03, operation = "UpdateVirtualService" },
        { kind = "drop", probability = 0.03, phase = "after", operation = "UpdateVirtualService" },
      })
      local report, journal = sh.path("report.jsonl"), sh.path("journal.jsonl")
      local ghosts = {}
      for i = 1, 5 do
        ghosts[i] = { virtualServiceName = "ghost-" .. i .. ".bulk.local" }
      end
      local _, err, code = sh.run("bulk_update.lua", { manifest(1, N, "new-vn", ghosts), "--apply",
        "--report", report, "--journal", journal, "--concurrency", "16", "--rate", "2000" }, env())
      assert.equal(1, code, err)
      local by, count = outcomes(report)
      assert.same({ updated = N, failed = 5 }, count)
      for i = 1, 5 do
        local line = by["ghost-" .. i .. ".bulk.local"]
        assert.equal("NotFoundException", line.error.code)
      end
      local services = emu.services()
      for i = 1, N do
        local line = by[svc(i)]
        assert.equal("updated", line.outcome, cjson.encode(line))
        assert.equal(2, line.version)
        assert.is_string(line.requestId)
        assert.same({ version = 2, node = "new-vn" }, services[svc(i)])
      end
      -- faults fired, and no update was applied without a matching PUT
      local faults = 0
      local puts = {}
      for _, r in ipairs(emu.requests()) do
        if r.fault then
          faults = faults + 1
        end
        if r.operation == "UpdateVirtualService" then
          local name = r.path:match("virtualServices/(.*)$")
          puts[name] = puts[name] or {}
          puts[name][r.clientToken] = true
        end
      end
      assert.is_true(faults > 20, "only " .. faults .. " faults")
      for i = 1, N do -- every attempt of an entry carries the one clientToken
        local tokens = 0
        for _ in pairs(puts[svc(i)]) do
          tokens = tokens + 1
        end
        assert.equal(1, tokens, svc(i))
      end
    end)

    it("updates 500 services at concurrency 256 with the default timeouts, one attempt each",
      function()
        -- One attempt per call: a connection the emulator refused, reset or let time out would
        -- fail its entry rather than be retried away.
        local report, journal = sh.path("report.jsonl"), sh.path("journal.jsonl")
        local _, err, code = sh.run("bulk_update.lua", { manifest(1, N, "new-vn"), "--apply",
          "--report", report, "--journal", journal, "--concurrency", "256" },
          env({ AWS_MAX_ATTEMPTS = "1" }))
        assert.equal(0, code, err)
        local by, count = outcomes(report)
        assert.same({ updated = N }, count)
        for i = 1, N do
          assert.equal(2, by[svc(i)].version)
        end
        local requests = emu.requests()
        assert.same({ DescribeVirtualService = N, UpdateVirtualService = N }, emu.count(requests))
        local connections, used = 0, {}
        for _, r in ipairs(requests) do
          assert.equal(200, r.status, cjson.encode(r))
          if not used[r.connection] then
            used[r.connection], connections = true, connections + 1
          end
        end
        -- keep-alive connections: only calls in flight together need connections of their own
        assert.is_true(connections >= 256, connections .. " connections")
      end)

    it("resumes a run killed with SIGKILL: no entry is applied twice", function()
      -- every update is applied at once and answered 40 ms later, so the kill catches some
      -- applied but not yet journaled
      emu.faults({ { kind = "delay", seconds = 0.04, phase = "after",
        operation = "UpdateVirtualService" } })
      local path, journal = manifest(1, N, "new-vn"), sh.path("journal.jsonl")
      local out = sh.path("out")
      local pid_pipe = assert(io.popen("env AWS_ACCESS_KEY_ID=" .. sh.ACCESS_KEY
        .. " AWS_SECRET_ACCESS_KEY=" .. sh.quote(sh.SECRET_KEY) .. " AWS_REGION=us-east-1"
        .. " AWS_ENDPOINT_URL_APP_MESH=" .. emu.url .. " " .. sh.lua_command()
        .. " scripts/bulk_update.lua " .. sh.quote(path) .. " --apply --concurrency 8 --journal "
        .. sh.quote(journal) .. " >" .. sh.quote(out) .. " 2>&1 & echo $!", "r"))
      local pid = assert(tonumber(pid_pipe:read("l")))
      pid_pipe:close()
      local ended = 0
      for _ = 1, 600 do
        ended = select(2, (sh.read(journal) or ""):gsub('"type":"end"', ""))
        if ended >= 150 then
          break
        end
        os.execute("sleep 0.05")
      end
      assert.is_true(ended >= 150, "the run did not get going: " .. (sh.read(out) or ""))
      assert(os.execute("kill -KILL " .. pid))
      os.execute("sleep 0.2")

      local lines = sh.jsonl(journal)
      local begun, finished = {}, {}
      for _, rec in ipairs(lines) do
        if rec.type == "begin" then
          begun[rec.virtualServiceName] = rec.clientToken
        elseif rec.type == "end" then
          finished[rec.virtualServiceName] = rec.clientToken
        end
      end
      local in_flight = 0
      for name in pairs(begun) do
        if not finished[name] then
          in_flight = in_flight + 1
        end
      end
      assert.is_true(in_flight > 0, "nothing was in flight at the kill")
      local before = emu.services()
      local applied_before = 0
      for i = 1, N do
        if before[svc(i)].version == 2 then
          applied_before = applied_before + 1
        end
      end
      assert.is_true(applied_before < N)

      emu.control("DELETE", "faults")
      emu.control("POST", "reset-log")
      local report = sh.path("report.jsonl")
      local _, err, code = sh.run("bulk_update.lua", { path, "--apply", "--resume", "--journal",
        journal, "--report", report, "--concurrency", "16" }, env())
      assert.equal(0, code, err)
      local by, count = outcomes(report)
      local skipped = 0
      for _ in pairs(finished) do
        skipped = skipped + 1
      end
      assert.equal(skipped, count.skipped)
      assert.equal(N - skipped, count.updated)
      -- one version bump per entry, and the in-flight entries re-sent with their first token
      local after = emu.services()
      for i = 1, N do
        assert.same({ version = 2, node = "new-vn" }, after[svc(i)], svc(i))
        assert.equal(2, by[svc(i)].version or after[svc(i)].version)
      end
      local resent = 0
      for _, r in ipairs(emu.requests()) do
        if r.operation == "UpdateVirtualService" then
          local name = r.path:match("virtualServices/(.*)$")
          assert.is_nil(finished[name], "re-sent an entry journaled as finished: " .. name)
          if begun[name] then
            assert.equal(begun[name], r.clientToken)
            resent = resent + 1
          end
        end
      end
      assert.equal(in_flight, resent)
    end)

    it("rolls back: the rollback manifest restores the replaced specs", function()
      local journal, rollback = sh.path("journal.jsonl"), sh.path("rollback.json")
      -- services 1-10 start on other-vn (version 2)
      local _, err, code = sh.run("bulk_update.lua", { manifest(1, 10, "other-vn"), "--apply",
        "--journal", sh.path("j0.jsonl") }, env())
      assert.equal(0, code, err)
      _, err, code = sh.run("bulk_update.lua", { manifest(1, 20, "new-vn"), "--apply",
        "--journal", journal }, env())
      assert.equal(0, code, err)
      _, err, code = sh.run("bulk_update.lua", { "--rollback", journal, "--output", rollback },
        env())
      assert.equal(0, code, err)
      assert.truthy(err:find("wrote " .. rollback .. ": 20 entries", 1, true), err)
      _, err, code = sh.run("bulk_update.lua", { rollback, "--apply", "--journal",
        sh.path("j2.jsonl") }, env())
      assert.equal(0, code, err)
      local services = emu.services()
      for i = 1, 20 do
        local expected = i <= 10 and { version = 4, node = "other-vn" }
          or { version = 3, node = "old-vn" }
        assert.same(expected, services[svc(i)], svc(i))
      end
    end)

    it("rolls back to what the update replaced when an earlier attempt was refused", function()
      -- the first attempt is refused (400: nothing applied); meanwhile another run moves
      -- service 1 to other-vn; the resume replaces that, so the rollback must restore it
      local journal = sh.path("journal.jsonl")
      local path = manifest(1, 3, "new-vn")
      emu.faults({ kind = "error", status = 400, code = "BadRequestException",
        operation = "UpdateVirtualService", count = 3 })
      local _, err, code = sh.run("bulk_update.lua", { path, "--apply", "--journal", journal },
        env())
      assert.equal(1, code, err)
      local other = sh.file("other.json", cjson.encode({ meshName = MESH,
        virtualServiceName = svc(1), spec = node("other-vn") }))
      _, err, code = sh.run("bulk_update.lua", { other, "--apply", "--journal",
        sh.path("other.jsonl") }, env())
      assert.equal(0, code, err)
      _, err, code = sh.run("bulk_update.lua", { path, "--apply", "--resume", "--journal",
        journal }, env())
      assert.equal(0, code, err)
      assert.same({ [svc(1)] = node("other-vn"), [svc(2)] = node("old-vn"),
        [svc(3)] = node("old-vn") }, rollback_specs(journal))
    end)

    it("keeps in the journal what an earlier attempt may have applied when a resume sends "
      .. "nothing for it (cannot describe it, or a policy now denies it)", function()
      local journal = sh.path("journal.jsonl")
      local path = manifest(1, 3, "new-vn")
      -- services 1 and 2 are applied, and their answers lost
      emu.faults({ kind = "drop", phase = "after", operation = "UpdateVirtualService",
        count = 2 })
      local _, err, code = sh.run("bulk_update.lua", { path, "--apply", "--journal", journal,
        "--concurrency", "1" }, env({ AWS_MAX_ATTEMPTS = "1" }))
      assert.equal(1, code, err)
      assert.same({ version = 2, node = "new-vn" }, emu.services()[svc(1)])
      assert.same({ version = 2, node = "new-vn" }, emu.services()[svc(2)])
      emu.control("DELETE", "faults")
      emu.faults({ kind = "error", status = 403, code = "ForbiddenException",
        operation = "DescribeVirtualService",
        pathPrefix = "/v20190125/meshes/" .. MESH .. "/virtualServices/" .. svc(1) })
      local pol = sh.file("deny2.lua", [[return { { name = "not2", severity = "deny",
        check = function(u) if u.virtualServiceName:match("002") then return "no" end end } }]])
      _, err, code = sh.run("bulk_update.lua", { path, "--apply", "--resume", "--journal",
        journal, "--policy", pol }, env())
      assert.equal(1, code, err)
      assert.same({ [svc(1)] = node("old-vn"), [svc(2)] = node("old-vn"),
        [svc(3)] = node("old-vn") }, rollback_specs(journal))
    end)

    it("denies by policy before sending: no PUT for a denied entry", function()
      local pol = sh.file("deny.lua", [[return {
        { name = "no-tens", severity = "deny", check = function(u)
            if u.virtualServiceName:match("0%.bulk") then return "ends in 0" end end },
        { name = "note", severity = "warn", check = function() return "looked" end },
      }]])
      local report = sh.path("report.jsonl")
      local _, err, code = sh.run("bulk_update.lua", { manifest(1, 30, "new-vn"), "--apply",
        "--policy", pol, "--journal", sh.path("j.jsonl"), "--report", report }, env())
      assert.equal(1, code, err)
      assert.truthy(err:find("warning: " .. MESH .. "/" .. svc(1) .. ": note: looked", 1, true),
        err)
      local by, count = outcomes(report)
      assert.same({ updated = 27, denied = 3 }, count)
      assert.same({ code = "PolicyDenied", message = "no-tens: ends in 0" }, by[svc(10)].error)
      for _, r in ipairs(emu.requests()) do
        if r.operation == "UpdateVirtualService" then
          assert.is_nil(r.path:match("0%.bulk%.local$"), r.path)
        end
      end
      assert.equal(1, emu.services()[svc(20)].version)
    end)

    it("allows a switch to a virtual node the mesh lists but no service uses yet", function()
      -- new-vn exists in the mesh (ListVirtualNodes) and provides no service: the usual target
      local report = sh.path("report.jsonl")
      local _, err, code = sh.run("bulk_update.lua", { manifest(1, 3, "new-vn"), "--apply",
        "--policy", "scripts/policies/provider_exists.lua",
        "--journal", sh.path("j.jsonl"), "--report", report }, env())
      assert.equal(0, code, err)
      local _, count = outcomes(report)
      assert.same({ updated = 3 }, count)
      assert.equal(1, emu.count().ListVirtualNodes)
      assert.equal(1, emu.count().ListVirtualRouters)
    end)

    it("applies the built-in policies with the inventory of the mesh", function()
      local report = sh.path("report.jsonl")
      local _, err, code = sh.run("bulk_update.lua", { manifest(1, 3, "ghost-vn"), "--apply",
        "--policy", "scripts/policies/provider_exists.lua",
        "--policy", "scripts/policies/max_mesh_share.lua",
        "--journal", sh.path("j.jsonl"), "--report", report }, env())
      assert.equal(1, code, err)
      local by, count = outcomes(report)
      assert.same({ denied = 3 }, count)
      assert.truthy(by[svc(1)].error.message:find("virtualNode 'ghost-vn' is not known in mesh",
        1, true))
      assert.is_nil(emu.count().UpdateVirtualService)
    end)

    local stops = {
      { "a policy that errors", "return { { name = 'boom', severity = 'deny', "
        .. "check = function(u) return u.nope.x end } }", "rule 'boom' on " .. MESH .. "/" },
      { "a policy that never returns", "return { { name = 'spin', severity = 'deny', "
        .. "check = function() while true do end end } }", "stopped after" },
      { "a policy file with a syntax error", "return {{ name = }", ":1:" },
    }
    for _, case in ipairs(stops) do
      it("exits 2 before sending anything for " .. case[1], function()
        local pol = sh.file("p.lua", case[2])
        local journal = sh.path("j.jsonl")
        local _, err, code = sh.run("bulk_update.lua", { manifest(1, 5, "new-vn"), "--apply",
          "--policy", pol, "--journal", journal }, env())
        assert.equal(2, code, err)
        assert.truthy(err:find(case[3], 1, true), err)
        assert.is_nil(emu.count().UpdateVirtualService)
        assert.is_nil(sh.read(journal)) -- no journal left to hold up the next run
      end)
    end

    local bad = {
      { "a JSON syntax error", "m.json", '{"updates": [\n  {"meshName": "m",}\n]}', ":2:" },
      { "a Lua syntax error", "m.lua", "return {\n updates = {{ meshName = }}}", ":2:" },
      { "an unknown key", "m.json", '[{"meshName": "m", "virtualServiceName": "a", "spec": {},'
        .. ' "provider": {}}]', "unknown key 'provider'" },
      { "a duplicate entry", "m.json", '{"defaults": {"meshName": "m", "spec": {}}, "updates": '
        .. '[{"virtualServiceName": "a"}, {"virtualServiceName": "a"}]}', "duplicate entry m/a" },
      { "an empty list", "m.json", '{"updates": []}', "no updates (the list is empty)" },
      { "a name too long for App Mesh", "m.json", '[{"meshName": "' .. string.rep("m", 256)
        .. '", "virtualServiceName": "a", "spec": {}}]', "updates[1]:" },
    }
    for _, case in ipairs(bad) do
      it("exits 2 and sends nothing for " .. case[1], function()
        local path = sh.file(case[2], case[3])
        local out, err, code = sh.run("bulk_update.lua", { path, "--apply", "--journal",
          sh.path("j.jsonl") }, env())
        assert.equal(2, code, out .. err)
        assert.equal(path, err:match("^bulk_update: (.-):") and err:sub(14, 13 + #path), err)
        assert.truthy(err:find(case[4], 1, true), err)
        assert.same({}, emu.requests())
      end)
    end

    it("exits 2 on bad flags", function()
      local _, err, code = sh.run("bulk_update.lua", { "m.json", "--resume" }, env())
      assert.equal(2, code)
      assert.equal("bulk_update: --resume needs --journal FILE\n"
        .. "usage: see bulk_update.lua --help\n", err)
      -- a rate the scheduler cannot keep is refused before anything starts, not mid-run
      local path = manifest(1, 3, "new-vn")
      for _, script in ipairs({ "bulk_update.lua", "dry_run.lua" }) do
        for _, rate in ipairs({ "0.001", "2000000" }) do
          local journal = sh.path("j.jsonl")
          local args = { path, "--rate", rate }
          if script == "bulk_update.lua" then
            table.move({ "--apply", "--journal", journal }, 1, 3, 4, args)
          end
          local out
          out, err, code = sh.run(script, args, env())
          assert.equal(2, code, err)
          assert.equal("", out)
          assert.equal(script:gsub("%.lua$", "") .. ": --rate: expected a number from 0.01 to "
            .. "1000000, got '" .. rate .. "'\nusage: see " .. script .. " --help\n", err)
          assert.is_nil(sh.read(journal))
        end
      end
      assert.same({}, emu.requests())
    end)

    it("selects services in a Lua manifest by their provider", function()
      local path = sh.file("select.lua", string.format([[
return {
  defaults = { spec = { provider = { virtualNode = { virtualNodeName = "new-vn" } } } },
  updates = services{ meshName = %q, virtualNode = "other-vn", name = "^svc%%-0" },
}]], MESH))
      emu.control("POST", "state", (function()
        local s = seed(12)
        for i = 1, 3 do
          s.meshes[1].virtualServices[i].spec = node("other-vn")
        end
        return s
      end)())
      local report = sh.path("report.jsonl")
      local _, err, code = sh.run("bulk_update.lua", { path, "--apply", "--journal",
        sh.path("j.jsonl"), "--report", report }, env())
      emu.control("POST", "reset")
      assert.equal(0, code, err)
      local by, count = outcomes(report)
      assert.same({ updated = 3 }, count)
      assert.is_table(by[svc(3)])
    end)

    it("draws a progress line on a terminal", function()
      local dir = sh.tmpdir()
      local cmd = "env -u LD_PRELOAD " .. sh.PYTHON .. " tests/host/pty_run.py env TERM=xterm "
        .. (os.getenv("LD_PRELOAD") and ("LD_PRELOAD=" .. sh.quote(os.getenv("LD_PRELOAD")) .. " ")
        or "")
      for k, v in pairs(env()) do
        cmd = cmd .. k .. "=" .. sh.quote(v) .. " "
      end
      cmd = cmd .. sh.lua_command() .. " scripts/bulk_update.lua " .. sh.quote(manifest(1, 40,
        "new-vn")) .. " --apply --journal " .. sh.quote(dir .. "/j.jsonl")
        .. " </dev/null >" .. sh.quote(dir .. "/tty")
      local ok = os.execute(cmd)
      local text = sh.read(dir .. "/tty")
      assert.is_true(ok, text)
      assert.truthy(text:find("\r\27[K", 1, true), text)
      assert.truthy(text:find("describing 40/40 (100%)  in ", 1, true), text)
      assert.truthy(text:find("updating 40/40 (100%)  in ", 1, true), text)
      assert.is_nil(text:find("K0/40", 1, true), text) -- no line without a phase
      -- the last thing drawn is the finished phase, then the summary
      assert.truthy(text:find("updating 40/40 %(100%%%)  in %d+s  failed 0  denied 0\r?\n40 updated, 0 "
        .. "failed of 40 entries"), text)
      assert.is_nil(text:find("updated " .. MESH, 1, true), text)
      -- and without a terminal, plain lines
      local out, err, code = sh.run("bulk_update.lua", { manifest(41, 45, "new-vn"), "--apply",
        "--journal", dir .. "/j2.jsonl" }, env())
      assert.equal(0, code, err)
      assert.is_nil(out:find("\r", 1, true))
      assert.truthy(out:find("[1/5] updated " .. MESH .. "/", 1, true), out)
    end)
  end)

  describe("bulk_update.lua run safety", function()
    local function journal_records(path)
      local by = {}
      for _, rec in ipairs(sh.jsonl(path)) do
        if rec.virtualServiceName then
          by[rec.virtualServiceName] = by[rec.virtualServiceName] or {}
          table.insert(by[rec.virtualServiceName], rec)
        end
      end
      return by
    end

    local function count_ends(path)
      return select(2, (sh.read(path) or ""):gsub('"type":"end"', ""))
    end

    it("refuses --resume with an edited manifest, naming the first entry that differs", function()
      local journal = sh.path("journal.jsonl")
      local original = manifest(1, 6, "new-vn")
      local _, err, code = sh.run("bulk_update.lua", { original, "--apply", "--journal",
        journal }, env())
      assert.equal(0, code, err)
      emu.control("POST", "reset-log")
      -- the same entries written differently: accepted (every entry already updated)
      local doc = cjson.decode(sh.read(original))
      local same = sh.file("same.json", cjson.encode(doc) .. "\n\n")
      local report = sh.path("report.jsonl")
      local out
      out, err, code = sh.run("bulk_update.lua", { same, "--apply", "--resume", "--journal",
        journal, "--report", report }, env())
      assert.equal(0, code, err)
      local _, count = outcomes(report)
      assert.same({ skipped = 6 }, count)
      assert.truthy(out:find(": updated in this run before (version 2)\n", 1, true), out)
      assert.truthy(out:find("6 skipped of 6 entries in ", 1, true), out)
      -- entry 3 asks for another provider: refused, naming it
      doc.updates[3].spec = node("other-vn")
      local edited = sh.file("edited.json", cjson.encode(doc))
      _, err, code = sh.run("bulk_update.lua", { edited, "--apply", "--resume", "--journal",
        journal }, env())
      assert.equal(2, code, err)
      assert.truthy(err:find("updates[3]", 1, true), err)
      assert.truthy(err:find(MESH .. "/" .. svc(3) .. " asks for something else", 1, true), err)
      assert.equal(1, select(2, err:gsub("\n", "")), err)
      -- an entry the run did not have, and an entry of the run left out
      local other = manifest(1, 7, "new-vn")
      _, err, code = sh.run("bulk_update.lua", { other, "--apply", "--resume", "--journal",
        journal }, env())
      assert.equal(2, code, err)
      assert.truthy(err:find(MESH .. "/" .. svc(7) .. " is not in that run", 1, true), err)
      -- a dry run with --resume checks the same
      _, err, code = sh.run("bulk_update.lua", { edited, "--resume", "--journal", journal }, env())
      assert.equal(2, code, err)
      assert.is_nil(emu.count().UpdateVirtualService)
      for i = 1, 6 do
        assert.same({ version = 2, node = "new-vn" }, emu.services()[svc(i)])
      end
    end)

    it("refuses --resume of a run killed before its journal named an entry that changed", function()
      -- the run stops before entry 5 begins (a denial keeps it from being sent), the operator
      -- edits entry 5: nothing in the journal is about entry 5, the plan still tells
      local journal = sh.path("journal.jsonl")
      local pol = sh.file("deny5.lua", [[return { { name = "not5", severity = "deny",
        check = function(u) if u.virtualServiceName:match("005") then return "no" end end } }]])
      local path = manifest(1, 6, "new-vn")
      local _, err, code = sh.run("bulk_update.lua", { path, "--apply", "--journal", journal,
        "--policy", pol }, env())
      assert.equal(1, code, err)
      local doc = cjson.decode(sh.read(path))
      doc.updates[5].spec = node("other-vn")
      _, err, code = sh.run("bulk_update.lua", { sh.file("edited.json", cjson.encode(doc)),
        "--apply", "--resume", "--journal", journal }, env())
      assert.equal(2, code, err)
      assert.truthy(err:find(MESH .. "/" .. svc(5) .. " asks for something else", 1, true), err)
    end)

    it("lets one run at a time use a journal; SIGTERM stops it with exit 143", function()
      -- every update is held 5 s before it is processed: the run is busy until it is stopped
      emu.faults({ { kind = "delay", seconds = 5, operation = "UpdateVirtualService" } })
      local journal, report = sh.path("journal.jsonl"), sh.path("report.jsonl")
      local path = manifest(1, 20, "new-vn")
      local h = sh.spawn("bulk_update.lua", { path, "--apply", "--journal", journal,
        "--concurrency", "2", "--report", report, "--no-progress" }, env())
      assert.is_true(sh.wait_for(function()
        return select(2, (sh.read(journal) or ""):gsub('"type":"begin"', "")) >= 2
      end), sh.read(h.dir .. "/err"))
      local _, err, code = sh.run("bulk_update.lua", { path, "--apply", "--journal", journal },
        env())
      assert.equal(2, code, err)
      assert.truthy(err:find("journal " .. journal .. " already exists", 1, true), err)
      _, err, code = sh.run("bulk_update.lua", { path, "--apply", "--resume", "--journal",
        journal }, env())
      assert.equal(2, code, err)
      assert.equal("bulk_update: journal " .. journal .. " is in use by another run\n", err)
      sh.signal(h, "TERM")
      local out
      out, err, code = sh.wait(h)
      assert.equal(143, code, err)
      assert.is_nil(err:find("traceback", 1, true), err)
      assert.is_nil(out:find("entries in", 1, true), out)
      local _, count = outcomes(report)
      assert.equal(20, (count.updated or 0) + (count.unknown or 0) + count.pending)
      local parts = {}
      for _, o in ipairs({ "updated", "unknown" }) do
        if count[o] then
          parts[#parts + 1] = count[o] .. " " .. o .. ", "
        end
      end
      assert.truthy(err:find(string.format("bulk_update: interrupted: %s%d not sent; resume with: ",
        table.concat(parts), count.pending), 1, true), err)
      assert.is_true(emu.settle())
      emu.control("DELETE", "faults")
    end)

    it("stops at SIGINT: in flight is unknown, the rest pending; the resume finishes", function()
      -- each update is applied, then answered 0.3 s later: at any time some are in flight
      emu.faults({ { kind = "delay", seconds = 0.3, phase = "after",
        operation = "UpdateVirtualService" } })
      local n = 60
      local journal, report = sh.path("journal.jsonl"), sh.path("report.jsonl")
      local path = manifest(1, n, "new-vn")
      local h = sh.spawn("bulk_update.lua", { path, "--apply", "--journal", journal,
        "--concurrency", "4", "--report", report, "--no-progress" }, env())
      assert.is_true(sh.wait_for(function()
        return count_ends(journal) >= 8
      end), sh.read(h.dir .. "/err"))
      sh.signal(h, "INT")
      local _, err, code = sh.wait(h)
      assert.equal(130, code, err)
      local summary = err:match("bulk_update: interrupted: ([^\n]*)")
      assert.truthy(summary, err)
      assert.is_nil(err:find("traceback", 1, true), err)
      local by, count = outcomes(report)
      assert.equal(n, (count.updated or 0) + (count.unknown or 0) + (count.pending or 0),
        sh.read(report))
      assert.is_true((count.unknown or 0) > 0, err)
      assert.is_true((count.pending or 0) > 0, err)
      assert.truthy(summary:find(string.format("%d updated, %d unknown, %d not sent; resume with: ",
        count.updated, count.unknown, count.pending), 1, true), summary)
      local recs = journal_records(journal)
      local services = emu.services()
      for i = 1, n do
        local name, line = svc(i), by[svc(i)]
        local last = recs[name] and recs[name][#recs[name]]
        if line.outcome == "pending" then
          -- never sent: no record, or begun and recorded as not sent
          assert.is_true(last == nil or last.outcome == "pending", name)
          assert.equal(1, services[name].version, name)
        else
          assert.equal(line.outcome, last.outcome, name)
        end
      end
      assert.is_true(emu.settle())
      -- the rollback manifest covers what may have been applied
      local rb = sh.path("rollback.json")
      local _, rerr, rcode = sh.run("bulk_update.lua", { "--rollback", journal, "--output", rb },
        env())
      assert.equal(0, rcode, rerr)
      assert.equal(count.updated + count.unknown, #cjson.decode(sh.read(rb)).updates)
      -- the printed resume command finishes the run: one version bump per entry
      emu.control("DELETE", "faults")
      local resume = summary:match("resume with: (.*)$")
      assert.truthy(resume:find("--resume", 1, true), resume)
      local envs = {}
      for k, v in pairs(env()) do
        envs[#envs + 1] = k .. "=" .. sh.quote(v)
      end
      local ok = os.execute("env " .. table.concat(envs, " ") .. " " .. resume
        .. " >/dev/null 2>&1")
      assert.is_true(ok, resume)
      services = emu.services()
      for i = 1, n do
        assert.same({ version = 2, node = "new-vn" }, services[svc(i)], svc(i))
      end
    end)

    it("refuses journals and reports it cannot write with one line, leaving no journal", function()
      local dir = sh.tmpdir()
      local path = manifest(1, 3, "new-vn")
      local cases = {
        { { "--journal", dir }, "bulk_update: journal " .. dir .. " is a directory\n" },
        { { "--journal", "/dev/full" }, "bulk_update: journal /dev/full is not a regular file\n" },
        { { "--journal", dir .. "/none/j.jsonl" }, "bulk_update: cannot create journal " .. dir
          .. "/none/j.jsonl: No such file or directory\n" },
        { { "--journal", dir .. "/j1.jsonl", "--report", dir }, "bulk_update: cannot create "
          .. "report: " .. dir .. ": Is a directory\n" },
        { { "--journal", dir, "--resume" }, "bulk_update: cannot open journal " .. dir
          .. ": Is a directory\n" },
        { { "--journal", "/dev/full", "--resume" }, "bulk_update: cannot open journal /dev/full: "
          .. "not a regular file\n" },
      }
      for _, case in ipairs(cases) do
        local args = { path, "--apply" }
        table.move(case[1], 1, #case[1], 3, args)
        local out, err, code = sh.run("bulk_update.lua", args, env())
        assert.equal(2, code, err)
        assert.equal(case[2], err)
        assert.equal("", out)
      end
      assert.is_nil(sh.read(dir .. "/j1.jsonl"))
      -- a dry run's --resume and --rollback read the journal: the same one line
      local _, err, code = sh.run("bulk_update.lua", { path, "--resume", "--journal", dir }, env())
      assert.equal(2, code, err)
      assert.equal("bulk_update: cannot read journal " .. dir .. ": Is a directory\n", err)
      _, err, code = sh.run("bulk_update.lua", { "--rollback", dir }, env())
      assert.equal(2, code, err)
      assert.equal("bulk_update: cannot read journal " .. dir .. ": Is a directory\n", err)
      assert.same({}, emu.requests())
    end)

    it("refuses a report or rollback manifest written over the journal (or the manifest)",
      function()
        local journal = sh.path("journal.jsonl")
        local path = manifest(1, 3, "new-vn")
        emu.faults({ kind = "error", status = 400, code = "BadRequestException",
          operation = "UpdateVirtualService", skip = 1 })
        local _, err, code = sh.run("bulk_update.lua", { path, "--apply", "--journal", journal },
          env())
        assert.equal(1, code, err)
        emu.control("DELETE", "faults")
        emu.control("POST", "reset-log")
        local kept, manifest_text = sh.read(journal), sh.read(path)
        local aliases = { journal, (journal:gsub("/([^/]*)$", "/./%1")) }
        assert.equal(kept, sh.read(aliases[2]))
        for _, alias in ipairs(aliases) do
          for _, args in ipairs({
            { path, "--apply", "--resume", "--journal", journal, "--report", alias },
            { path, "--resume", "--journal", journal, "--report", alias },
            { path, "--apply", "--resume", "--journal", journal, "--report", path },
            { "--rollback", journal, "--output", alias },
          }) do
            local out
            out, err, code = sh.run("bulk_update.lua", args, env())
            assert.equal(2, code, err)
            assert.equal("", out)
            assert.equal(1, select(2, err:gsub("\n", "")), err)
            assert.truthy(err:find("is the same file as the ", 1, true), err)
            assert.equal(kept, sh.read(journal))
            assert.equal(manifest_text, sh.read(path))
          end
        end
        local fresh = sh.path("new.jsonl")
        _, err, code = sh.run("bulk_update.lua", { path, "--apply", "--journal", fresh,
          "--report", fresh }, env())
        assert.equal(2, code, err)
        assert.truthy(err:find("is the same file as the journal", 1, true), err)
        assert.is_nil(sh.read(fresh))
        assert.is_nil(emu.count().UpdateVirtualService)
      end)

    it("says so when the rollback manifest cannot be written (exit 2)", function()
      local journal = sh.path("journal.jsonl")
      local _, err, code = sh.run("bulk_update.lua", { manifest(1, 3, "new-vn"), "--apply",
        "--journal", journal }, env())
      assert.equal(0, code, err)
      local out
      out, err, code = sh.run("bulk_update.lua", { "--rollback", journal, "--output",
        "/dev/full" }, env())
      assert.equal(2, code, err)
      assert.equal("", out)
      assert.equal("bulk_update: cannot write the rollback manifest /dev/full: "
        .. "No space left on device\n", err)
      -- on stdout
      local errfile = sh.path("err")
      local ok, _, status = os.execute("env " .. sh.lua_command() .. " scripts/bulk_update.lua "
        .. "--rollback " .. sh.quote(journal) .. " >/dev/full 2>" .. sh.quote(errfile))
      assert.is_nil(ok)
      assert.equal(2, status)
      assert.equal("bulk_update: cannot write the rollback manifest to stdout: "
        .. "No space left on device\n", sh.read(errfile))
    end)

    it("stops sending when the report cannot be written (exit 2, no traceback)", function()
      local journal = sh.path("journal.jsonl")
      local _, err, code = sh.run("bulk_update.lua", { manifest(1, 40, "new-vn"), "--apply",
        "--journal", journal, "--report", "/dev/full", "--concurrency", "2" }, env())
      assert.equal(2, code, err)
      assert.truthy(err:find("bulk_update: stopped: cannot write report /dev/full: ", 1, true), err)
      assert.truthy(err:find(" not sent; resume with: ", 1, true), err)
      assert.is_nil(err:find("traceback", 1, true), err)
      assert.is_true((emu.count().UpdateVirtualService or 0) <= 2)
    end)

    it("keeps stdout for the report alone with --report -", function()
      for _, mode in ipairs({ "--dry-run", "--apply" }) do
        local args = { manifest(1, 25, "new-vn"), mode, "--report", "-", "--progress" }
        if mode == "--apply" then
          table.insert(args, "--journal")
          table.insert(args, sh.path("j.jsonl"))
        end
        local out, err, code = sh.run("bulk_update.lua", args, env())
        assert.equal(0, code, err)
        local n = 0
        for line in out:gmatch("[^\n]*\n") do
          n = n + 1
          local rec = cjson.decode(line)
          assert.equal(mode == "--apply" and "updated" or "planned", rec.outcome, line)
        end
        assert.equal(25, n, out)
        assert.truthy(err:find("of 25 entries in ", 1, true), err)
        assert.truthy(err:find("25/25 (100%)", 1, true), err)
      end
    end)

    it("skips an entry whose spec is already the live one (no PUT) unless --force", function()
      local path = manifest(1, 5, "new-vn")
      local _, err, code = sh.run("bulk_update.lua", { path, "--apply", "--journal",
        sh.path("j.jsonl") }, env())
      assert.equal(0, code, err)
      emu.control("POST", "reset-log")
      local pol = sh.file("deny2.lua", [[return { { name = "not2", severity = "deny",
        check = function(u) if u.virtualServiceName:match("002") then return "no" end end } }]])
      for _, mode in ipairs({ "--apply", "--dry-run" }) do
        local report = sh.path("report.jsonl")
        local out
        out, err, code = sh.run("bulk_update.lua", { path, mode, "--journal", sh.path("j.jsonl"),
          "--report", report, "--policy", pol }, env())
        assert.equal(1, code, err)
        local by, count = outcomes(report)
        assert.same({ skipped = 4, denied = 1 }, count) -- a denial wins over unchanged
        assert.equal("denied", by[svc(2)].outcome)
        assert.equal("unchanged", by[svc(1)].detail)
        assert.truthy(out:find("skipped " .. MESH .. "/" .. svc(1) .. ": unchanged", 1, true), out)
      end
      assert.is_nil(emu.count().UpdateVirtualService)
      local report = sh.path("report.jsonl")
      _, err, code = sh.run("bulk_update.lua", { path, "--apply", "--force", "--journal",
        sh.path("j.jsonl"), "--report", report }, env())
      assert.equal(0, code, err)
      local _, count = outcomes(report)
      assert.same({ updated = 5 }, count)
      assert.equal(5, emu.count().UpdateVirtualService)
      assert.equal(3, emu.services()[svc(1)].version)
    end)

    it("escapes control characters from the server in everything it prints", function()
      emu.faults({ { kind = "error", status = 400, code = "Bad\27[31mRequest",
        message = "evil\27]0;owned\7 text\r\nnext \194\155line", operation = "UpdateVirtualService" },
        { kind = "error", status = 400, code = "Bad\27[31mRequest", message = "desc\27[2J",
          operation = "DescribeVirtualService", pathPrefix = "/v20190125/meshes/" .. MESH
          .. "/virtualServices/" .. svc(2) } })
      local report = sh.path("report.jsonl")
      local out, err, code = sh.run("bulk_update.lua", { manifest(1, 2, "new-vn"), "--apply",
        "--journal", sh.path("j.jsonl"), "--report", report }, env())
      assert.equal(1, code, err)
      for _, text in ipairs({ out, err }) do
        assert.is_nil(text:find("[\27\7\r]"), text)
        assert.is_nil(text:find("\194\155", 1, true), text)
      end
      assert.truthy(out:find("Bad\\x1b[31mRequest: evil\\x1b]0;owned\\x07 text", 1, true), out)
      assert.truthy(out:find("next \\u009bline", 1, true), out)
      -- the report keeps the server's text, as valid JSON
      local by = outcomes(report)
      assert.truthy(by[svc(1)].error.message:find("evil\27]0;owned\7 text", 1, true))
      assert.equal("Bad\27[31mRequest", by[svc(1)].error.code)
      out, err, code = sh.run("dry_run.lua", { manifest(1, 2, "new-vn") }, env())
      assert.equal(1, code, err)
      assert.is_nil(out:find("\27", 1, true), out)
      assert.truthy(out:find("desc\\x1b[2J", 1, true), out)
    end)

    it("times each attempt in the debug trace of concurrent calls, and shows the User-Agent",
      function()
      -- every update is answered 50 ms late: the multi driver's trace must say so (not 0.0 ms)
      emu.faults({ { kind = "delay", seconds = 0.05, operation = "UpdateVirtualService" } })
      local _, err, code = sh.run("bulk_update.lua", { manifest(1, 4, "new-vn"), "--apply",
        "--journal", sh.path("j.jsonl"), "--concurrency", "4" }, env({ APPMESH_LOG = "debug" }))
      assert.is_true(emu.settle())
      emu.control("DELETE", "faults")
      assert.equal(0, code, err)
      local n = 0
      for ms in err:gmatch("UpdateVirtualService attempt 1/%d+: HTTP 200 in ([%d.]+) ms") do
        n = n + 1
        assert.is_true(tonumber(ms) >= 50, ms .. " ms")
      end
      assert.equal(4, n, err)
      -- and the User-Agent libcurl sends is in the trace of every attempt
      assert.equal(8, select(2, err:gsub("appmesh:   > User%-Agent: appmesh/%d+%.%d+%.%d+ libcurl/",
        "")), err) -- 4 describes, 4 updates
    end)

    it("ends at once on a second SIGINT", function()
      local script = sh.file("spin.lua", [[
local sys = require("appmesh")._os
sys.trap_signals()
io.stdout:write("trapped\n")
io.stdout:flush()
while not sys.signal() do end
io.stdout:write("caught ", sys.signal(), "\n")
io.stdout:flush()
while true do end
]])
      local h = sh.spawn(script, {}, {})
      local function printed(text)
        return function()
          return (sh.read(h.dir .. "/out") or ""):find(text, 1, true) ~= nil
        end
      end
      assert.is_true(sh.wait_for(printed("trapped")))
      sh.signal(h, "INT")
      assert.is_true(sh.wait_for(printed("caught 2")))
      assert.is_false(sh.ended(h))
      sh.signal(h, "INT")
      local _, _, code = sh.wait(h)
      assert.equal(130, code)
    end)

    local function tmpfs(size)
      local dir = sh.tmpdir()
      -- (system tools without the sanitizer runtime the specs may preload)
      if not os.execute("env -u LD_PRELOAD mount -t tmpfs -o size=" .. size .. " tmpfs "
        .. sh.quote(dir)
        .. " 2>/dev/null") then
        return nil
      end
      return dir
    end

    it("stops sending when the journal's disk fills up mid-run (exit 2)", function()
      local dir = tmpfs("8k")
      if not dir then
        pending("needs root to mount a small tmpfs")
        return
      end
      local journal, report = dir .. "/journal.jsonl", sh.path("report.jsonl")
      local n = 60
      local _, err, code = sh.run("bulk_update.lua", { manifest(1, n, "new-vn"), "--apply",
        "--journal", journal, "--report", report, "--concurrency", "2" }, env())
      os.execute("env -u LD_PRELOAD umount " .. sh.quote(dir))
      assert.equal(2, code, err)
      assert.truthy(err:find("bulk_update: stopped: cannot write journal " .. journal
        .. ": No space left on device: ", 1, true), err)
      assert.truthy(err:find(" not sent; resume with: ", 1, true), err)
      assert.is_nil(err:find("traceback", 1, true), err)
      local by, count = outcomes(report)
      assert.is_true((count.pending or 0) > 0, err)
      local sent = emu.count().UpdateVirtualService or 0
      assert.is_true(sent < n, "sent " .. sent)
      for i = 1, n do
        if by[svc(i)].outcome == "pending" then
          assert.equal(1, emu.services()[svc(i)].version, svc(i))
        end
      end
    end)

    it("refuses a journal on a full disk before sending, leaving no journal behind", function()
      local dir = tmpfs("4k")
      if not dir then
        pending("needs root to mount a small tmpfs")
        return
      end
      os.execute("env -u LD_PRELOAD dd if=/dev/zero of=" .. sh.quote(dir .. "/fill")
        .. " bs=1k count=64 2>/dev/null")
      local journal = dir .. "/journal.jsonl"
      local _, err, code = sh.run("bulk_update.lua", { manifest(1, 5, "new-vn"), "--apply",
        "--journal", journal }, env())
      local left = sh.read(journal)
      os.execute("env -u LD_PRELOAD umount " .. sh.quote(dir))
      assert.equal(2, code, err)
      assert.equal(1, select(2, err:gsub("\n", "")), err)
      assert.truthy(err:find("No space left on device", 1, true), err)
      assert.is_nil(left)
      assert.same({}, emu.requests())
    end)
  end)

  describe("dry_run.lua", function()
    it("shows the diff and the redacted request, and sends no PUT", function()
      local out, err, code = sh.run("dry_run.lua", { manifest(1, 2, "new-vn") }, env())
      assert.equal(0, code, err)
      assert.truthy(out:find("== " .. MESH .. "/" .. svc(1), 1, true), out)
      assert.truthy(out:find("current:  version 1, virtualNode old-vn", 1, true), out)
      assert.truthy(out:find('~ spec.provider.virtualNode.virtualNodeName: "old-vn" -> "new-vn"',
        1, true), out)
      assert.truthy(out:find("PUT " .. emu.url .. "/v20190125/meshes/" .. MESH
        .. "/virtualServices/" .. svc(1), 1, true), out)
      assert.truthy(out:find("Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/", 1, true))
      assert.is_nil(out:find("Signature=%x%x%x%x%x%x%x%x%x%x%x%x%x%x%x%x"), out)
      assert.is_nil(out:find(sh.SECRET_KEY, 1, true))
      assert.truthy(out:find("2 entries: 2 would change, 0 unchanged, 0 denied", 1, true), out)
      assert.truthy(out:find("request (not sent; its clientToken is an example: bulk_update.lua "
        .. "--apply derives each entry's token from a run id chosen when the run starts):", 1,
        true), out)
      local ops = emu.count()
      assert.is_nil(ops.UpdateVirtualService)
      assert.equal(2, ops.DescribeVirtualService)
    end)

    it("counts each entry once: denied, unchanged or would change", function()
      local pol = sh.file("deny1.lua", [[return { { name = "not1", severity = "deny",
        check = function(u) if u.virtualServiceName:match("001") then return "no" end end } }]])
      -- svc 1 denied, svc 2 unchanged (already on old-vn), svc 3 would change
      local path = sh.file("m.json", cjson.encode({ defaults = { meshName = MESH },
        updates = { { virtualServiceName = svc(1), spec = node("new-vn") },
          { virtualServiceName = svc(2), spec = node("old-vn") },
          { virtualServiceName = svc(3), spec = node("new-vn") } } }))
      local out, err, code = sh.run("dry_run.lua", { path, "--policy", pol }, env())
      assert.equal(1, code, err)
      assert.truthy(out:find("3 entries: 1 would change, 1 unchanged, 1 denied, 0 cannot be "
        .. "described", 1, true), out)
    end)

    it("shows policy verdicts and exits 1 for a missing service", function()
      local out, err, code = sh.run("dry_run.lua", { manifest(1, 1, "vr", {
        { virtualServiceName = "ghost.bulk.local" } }),
        "--policy", "scripts/policies/provider_required.lua" }, env())
      assert.equal(1, code, err)
      assert.truthy(out:find("current:  cannot describe: NotFoundException", 1, true), out)
      assert.is_nil(emu.count().UpdateVirtualService)
    end)
  end)

  describe("policy_check.lua", function()
    it("exits 1 on a denial and 0 when every entry passes", function()
      local path = manifest(1, 3, "new-vn", { { virtualServiceName = "Bad_Name" } })
      local out, err, code = sh.run("policy_check.lua", { path, "--policy",
        "scripts/policies/service_name_pattern.lua" }, {})
      assert.equal(1, code, err)
      assert.truthy(out:find("deny  " .. MESH .. "/Bad_Name (", 1, true), out)
      assert.truthy(out:find("4 entries, 1 rule: 1 denied, 0 with warnings", 1, true), out)
      out, err, code = sh.run("policy_check.lua", { manifest(1, 3, "new-vn"), "--policy",
        "scripts/policies/service_name_pattern.lua" }, {})
      assert.equal(0, code, err)
      assert.same({}, emu.requests())
    end)
  end)
end)
