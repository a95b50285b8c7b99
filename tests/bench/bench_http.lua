-- SPDX-License-Identifier: MIT
-- make bench: UpdateVirtualService calls from Lua against the loopback server, for
-- bench_sequential.sh and bench_concurrent.sh. Not a test.
-- Usage: appmesh-lua bench_http.lua seq|map URL N CONCURRENCY ROUNDS [REQUEST_FILE]
--   seq: N blocking client:update_virtual_service calls (keep-alive on the client's handle)
--   map: appmesh.map over N updates at CONCURRENCY (each map a fresh batch, as in a bulk run)
-- After a warm-up prints one line per round: "<calls per second> <CPU us per call>" (os.clock:
-- user + system CPU of the process). With REQUEST_FILE, first writes there the request exactly
-- as appmesh builds it (its dry run, the signature put back as 64 placeholder hex digits), for
-- the plain curl loops to re-send.
local appmesh = require "appmesh"
local mode, url = arg[1], arg[2]
local n, concurrency, rounds = tonumber(arg[3]), tonumber(arg[4]), tonumber(arg[5])
local request_file = arg[6]

local function now()
  local p = assert(io.popen("date +%s.%N"))
  local t = tonumber(p:read("l"))
  p:close()
  return t
end

local client = assert(appmesh.client{
  region = "us-east-1", endpoint = url, max_attempts = 1,
  credentials = { accessKeyId = "AKIDEXAMPLE",
    secretAccessKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
})
local params = {
  meshName = "bench-mesh", virtualServiceName = "svc.local",
  spec = { provider = { virtualNode = { virtualNodeName = "vn" } } },
}

if request_file then
  local req = assert(client:update_virtual_service(params, { dry_run = true }))
  local f = assert(io.open(request_file, "wb"))
  f:write(req.method, " ", req.url, "\n")
  for name, value in pairs(req.headers) do
    -- the dry run redacts secrets: put back values as long as the real ones, so that the plain
    -- loop sends as many bytes as appmesh does (the server ignores them)
    value = value:gsub("Signature=<redacted>", "Signature=" .. ("0"):rep(64))
    f:write(name, ": ", value, "\n")
  end
  f:write("\n", req.body)
  f:close()
end

local function update(p)
  local vs, err = client:update_virtual_service(p)
  if not vs then
    io.stderr:write("bench_http.lua: update failed: ", tostring(err), "\n")
    os.exit(1)
  end
  return true
end

local items = {}
for i = 1, n do
  items[i] = params
end

local function run(count)
  if mode == "seq" then
    for _ = 1, count do
      update(params)
    end
  else
    local list = count == n and items or { table.unpack(items, 1, count) }
    appmesh.map(list, update, { concurrency = concurrency })
  end
end

run(mode == "seq" and 64 or concurrency * 4) -- warm-up
for _ = 1, rounds do
  local t0, c0 = now(), os.clock()
  run(n)
  local t, c = now() - t0, os.clock() - c0
  print(("%.0f %.2f"):format(n / t, c * 1e6 / n))
end
