-- SPDX-License-Identifier: MIT
-- Soak: APPMESH_SOAK calls (20,000 in `make soak`, fewer in `make test`) through the concurrent
-- driver (appmesh.map over appmesh_batch) against the emulator with 5% random faults of mixed
-- kinds (fixed --seed). No crash; every call accounted for, its outcome the one the emulator's
-- log says it must have (success, or the exact code of its last attempt's fault) with as many
-- attempts as the log shows; RSS of this process flat within 10% after warm-up.
--
-- Registered by tests/cmake/soak.cmake as the CTest `soak` (APPMESH_SOAK_DEFAULT calls, 5,000;
-- `make soak` sets APPMESH_SOAK=20000). By hand, from the repository root:
--   APPMESH_INTEGRATION=1 APPMESH_SOAK=20000 busted --cpath='build/?.so' tests/lua/soak_spec.lua
-- Under AddressSanitizer the CTest caps ASan's quarantine of freed memory (256 MiB by default,
-- which would read as growth) so that RSS measures what the process keeps.
local calls = tonumber(os.getenv("APPMESH_SOAK") or os.getenv("APPMESH_SOAK_DEFAULT") or "")
local integration = dofile("tests/lua/integration.lua")
if not calls or not integration.enabled then
  return -- only when APPMESH_SOAK names the number of calls
end
local cjson = require "cjson"
local appmesh = require "appmesh"

local MESH = "soak-mesh"
local SERVICES = 50
local BATCH = 1000
local WARMUP = 0.25 -- share of the batches before RSS must stay flat
local RSS_SLACK = 0.10

-- About 5% of requests get a fault (each rule fires with its probability, first match wins).
-- The code a call ends with when its last attempt got that fault:
local FAULTS = {
  { fault = { kind = "error", status = 500, probability = 0.008 },
    code = "InternalServerErrorException" },
  { fault = { kind = "error", status = 503, probability = 0.008 },
    code = "ServiceUnavailableException" },
  { fault = { kind = "error", status = 429, probability = 0.008 },
    code = "TooManyRequestsException" },
  { fault = { kind = "drop", reset = true, probability = 0.006 }, code = "TransportError" },
  { fault = { kind = "drop", phase = "after", probability = 0.005 }, code = "TransportError" },
  { fault = { kind = "truncate", probability = 0.005 }, code = "TransportError" },
  { fault = { kind = "error", status = 400, code = "BadRequestException", probability = 0.005 },
    code = "BadRequestException" },
  { fault = { kind = "garbage", probability = 0.005 }, code = "ResponseError" },
}

local function svc(i)
  return string.format("svc-%02d.soak.local", i)
end

local function write_seed()
  local spec = { listeners = { { portMapping = { port = 9080, protocol = "http" } } },
    serviceDiscovery = { dns = { hostname = "x.soak.local" } } }
  local services = {}
  for i = 1, SERVICES do
    services[i] = { virtualServiceName = svc(i),
      spec = { provider = { virtualNode = { virtualNodeName = "a-vn" } } } }
  end
  local path = os.tmpname()
  local f = assert(io.open(path, "wb"))
  f:write(cjson.encode({ meshes = { { meshName = MESH,
    virtualNodes = { { virtualNodeName = "a-vn", spec = spec },
      { virtualNodeName = "b-vn", spec = spec } },
    virtualServices = services } } }))
  f:close()
  return path
end

local PAGE = assert(tonumber((integration.run("getconf PAGESIZE"))))

--- This process's resident set, in bytes (/proc/self/statm: size resident shared ...).
local function rss()
  local f = assert(io.open("/proc/self/statm", "r"))
  local _, resident = f:read("n", "n")
  f:close()
  return resident * PAGE
end

describe("soak", function()
  local seed_path
  local emu = integration.emulator_fixture(function()
    seed_path = write_seed()
    local args = { "--seed", "20261125" }
    for _, row in ipairs(FAULTS) do
      local f = {}
      for k, v in pairs(row.fault) do
        f[k] = v
      end
      f.operation = "UpdateVirtualService"
      args[#args + 1] = "--fault"
      args[#args + 1] = cjson.encode(f)
    end
    return { state = seed_path, args = args }
  end)

  lazy_teardown(function()
    os.remove(seed_path)
  end)

  it(string.format("%d calls with 5%% random faults: every call accounted for, RSS flat", calls),
    function()
      local code_of = {} -- "kind/status/phase" -> code
      for _, row in ipairs(FAULTS) do
        local f = row.fault
        code_of[f.kind .. "/" .. tostring(f.status or (f.kind == "garbage" and 200 or nil))
          .. "/" .. (f.phase or (f.kind == "truncate" and "after" or "before"))] = row.code
      end
      local function expected_code(fault)
        if fault == cjson.null or fault == nil then
          return "ok"
        end
        return code_of[fault.kind .. "/" .. tostring(math.tointeger(fault.status)) .. "/" .. fault.phase]
          or error("unexpected fault " .. cjson.encode(fault))
      end

      local client = assert(appmesh.client(integration.client_options(emu)))
      local totals, faulted, resent = {}, 0, 0
      local samples = {}
      local last_seq = 0
      local seen_conn = {}
      local batches = math.ceil(calls / BATCH)
      for b = 1, batches do
        local first, last = (b - 1) * BATCH + 1, math.min(b * BATCH, calls)
        local list = {}
        for i = first, last do
          list[#list + 1] = { meshName = MESH, virtualServiceName = svc(i % SERVICES + 1),
            clientToken = "soak-" .. i,
            spec = { provider = { virtualNode = {
              virtualNodeName = (i // SERVICES) % 2 == 0 and "b-vn" or "a-vn" } } } }
        end
        local outcome = {} -- token -> { code, attempts }
        local results, errors = appmesh.map(list, function(p)
          local vs, x = client:update_virtual_service(p)
          if vs then
            return { code = "ok", attempts = x.attempts, token = x.clientToken }
          end
          return { code = x.code, attempts = x.attempts }
        end, { concurrency = 16 })
        assert.same({}, errors)
        for k, p in ipairs(list) do
          local r = results[k]
          assert.is_table(r, "call " .. p.clientToken .. " has no result")
          if r.token then
            assert.equal(p.clientToken, r.token)
          end
          outcome[p.clientToken] = r
        end

        -- the log of this batch: each token's attempts (libcurl's own re-sends on a dead
        -- reused connection folded into their attempt), the last attempt's fault decides
        local log = emu.control("GET", "log?limit=10000&since=" .. last_seq)
        local entries = log.requests
        last_seq = math.tointeger(log.lastSeq)
        local attempts = {} -- token -> attempt number -> last entry
        for _, e in ipairs(entries) do
          local reused = seen_conn[e.connection]
          seen_conn[e.connection] = true
          local t = e.clientToken
          local n = math.tointeger(tonumber(tostring(e.sdkRequest):match("^attempt=(%d+);")))
          assert.is_table(outcome[t], "a request of an unknown call " .. tostring(t))
          attempts[t] = attempts[t] or {}
          if attempts[t][n] then
            -- only a dropped request on a reused connection may be sent again
            local prev = attempts[t][n]
            assert.is_true(prev.reused and prev.entry.fault ~= cjson.null
              and prev.entry.fault.kind == "drop", "attempt " .. n .. " of " .. t .. " sent twice")
            resent = resent + 1
          end
          attempts[t][n] = { entry = e, reused = reused }
          if e.fault ~= cjson.null then
            faulted = faulted + 1
          end
        end
        for token, r in pairs(outcome) do
          local by_n = assert(attempts[token], "call " .. token .. " never reached the emulator")
          local n = #by_n
          local count = 0
          for _ in pairs(by_n) do
            count = count + 1
          end
          assert.equal(n, count, token .. ": attempt numbers are not 1.." .. count)
          assert.equal(n, r.attempts, token .. ": attempts")
          assert.equal(expected_code(by_n[n].entry.fault), r.code, token)
          totals[r.code] = (totals[r.code] or 0) + 1
        end

        collectgarbage("collect")
        samples[b] = rss()
      end
      client:close()

      local accounted = 0
      for _, n in pairs(totals) do
        accounted = accounted + n
      end
      assert.equal(calls, accounted, "succeeded + failed")
      assert.is_true((totals.ok or 0) > calls * 0.98, "too few successes: " .. cjson.encode(totals))
      assert.is_true(faulted > calls * 0.03, "only " .. faulted .. " faults fired")

      -- RSS after warm-up stays within 10% of the first sample after it
      local base_i = math.max(1, math.ceil(batches * WARMUP))
      local base, top = samples[base_i], samples[base_i]
      for b = base_i, batches do
        top = math.max(top, samples[b])
      end
      local line = {}
      for b = 1, batches do
        line[b] = string.format("%.1f", samples[b] / 1048576)
      end
      io.stderr:write(string.format("soak: %d calls, outcomes %s, %d faulted requests, %d"
        .. " libcurl re-sends; RSS MiB per %d calls: %s\n", calls, cjson.encode(totals), faulted,
        resent, BATCH, table.concat(line, " ")))
      assert.is_true(top <= base * (1 + RSS_SLACK), string.format(
        "RSS grew from %.1f MiB to %.1f MiB after warm-up", base / 1048576, top / 1048576))
    end)
end)
