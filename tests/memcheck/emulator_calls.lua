-- SPDX-License-Identifier: MIT
-- make memcheck: a few real calls against the local emulator (tests/emulator/seed-demo.json),
-- run by appmesh-lua under valgrind: describe, list (paged), updates (blocking and through
-- appmesh.map), a dry run, a service error, a validation error, appmesh.sign, then close.
local appmesh = require "appmesh"

local mesh = "demo-mesh"
local client = assert(appmesh.client{ retry_base_delay = 0.001 })

local vs, info = client:describe_virtual_service{ meshName = mesh,
  virtualServiceName = "colorteller-red.demo.local" }
assert(vs, tostring(info))
assert(vs.spec.provider.virtualNode.virtualNodeName == "colorteller-red-vn")

local names, token = {}, nil
repeat
  local page = assert(client:list_virtual_services{ meshName = mesh, limit = 2, nextToken = token })
  for _, ref in ipairs(page.virtualServices) do
    names[#names + 1] = ref.virtualServiceName
  end
  token = page.nextToken
until token == nil
assert(#names == 6, "six services in the demo mesh, got " .. #names)

local function update(name, router)
  return client:update_virtual_service{ meshName = mesh, virtualServiceName = name,
    spec = { provider = { virtualRouter = { virtualRouterName = router } } } }
end
for _, name in ipairs({ "colorteller-red.demo.local", "colorteller-blue.demo.local" }) do
  local out, err = update(name, "colorteller-vr")
  assert(out, tostring(err))
  assert(out.spec.provider.virtualRouter.virtualRouterName == "colorteller-vr")
end

local results, errors = appmesh.map({ "colorteller-white.demo.local", "tcpecho.demo.local",
  "colorgateway.demo.local" }, function(name)
  return assert(update(name, "colorteller-vr")).metadata.version
end, { concurrency = 3 })
for i = 1, 3 do
  assert(results[i] and errors[i] == nil, tostring(errors[i]))
end

local req = assert(client:update_virtual_service({ meshName = mesh,
  virtualServiceName = "colorteller.demo.local",
  spec = { provider = { virtualNode = { virtualNodeName = "colorteller-red-vn" } } } },
  { dry_run = true }))
assert(req.method == "PUT" and req.headers.Authorization:find("Signature=<redacted>", 1, true))

local missing, nerr = client:describe_virtual_service{ meshName = "no-such-mesh",
  virtualServiceName = "x.local" }
assert(missing == nil and nerr.code == "NotFoundException", tostring(nerr))

local bad, verr = update("colorteller-red.demo.local", 42)
assert(bad == nil and verr.code == "ValidationError", tostring(verr))

local signed = assert(appmesh.sign{ method = "GET", url = "https://example.amazonaws.com/",
  region = "us-east-1", service = "service", time = 1440938160,
  credentials = { accessKeyId = "AKIDEXAMPLE",
    secretAccessKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" } })
assert(signed.Authorization)

client:close()
print(("emulator_calls.lua: ok (%d services listed, 5 updated)"):format(#names))
