-- SPDX-License-Identifier: MIT
-- The appmesh tour `make demo` runs: a migration onto a new virtual router, step by step.
--
-- In mesh "demo-mesh" (tests/emulator/seed-demo.json) it creates a virtual router
-- "colorteller-canary-vr" with a weighted route (90% colorteller-red-vn, 10% colorteller-blue-vn),
-- then plans five switches: colorteller.demo.local onto the new router, the three colorteller
-- services from their own virtual nodes onto the existing router "colorteller-vr", and one that
-- the policy must refuse (to a router that does not exist). Then a policy check against the
-- routers the mesh lists, a dry run, the switch, and what the mesh says afterwards. Everything
-- comes from the environment, as for any AWS tool: AWS_ENDPOINT_URL_APP_MESH, AWS_REGION,
-- AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. examples/run_demo.sh sets them for the local
-- emulator; by hand:
--
--   AWS_ENDPOINT_URL_APP_MESH=http://127.0.0.1:PORT AWS_REGION=us-east-1 \
--   AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY \
--     build/appmesh-lua examples/demo.lua
--
-- Exit status: 0 when every allowed entry was updated as planned, 1 otherwise.
local appmesh = require "appmesh"

local MESH = "demo-mesh"
local NEW_ROUTER = "colorteller-canary-vr"
local ROUTE = "canary"
local WEIGHTS = { { "colorteller-red-vn", 90 }, { "colorteller-blue-vn", 10 } }

-- The planned bulk switch: each entry is UpdateVirtualService params; `from` is for display.
local function switch(service, from, router)
  return {
    from = from,
    params = {
      meshName = MESH,
      virtualServiceName = service,
      spec = { provider = { virtualRouter = { virtualRouterName = router } } },
    },
  }
end

local plan = {
  switch("colorteller.demo.local", "virtualRouter colorteller-vr", NEW_ROUTER),
  switch("colorteller-red.demo.local", "virtualNode colorteller-red-vn", "colorteller-vr"),
  switch("colorteller-blue.demo.local", "virtualNode colorteller-blue-vn", "colorteller-vr"),
  switch("colorteller-white.demo.local", "virtualNode colorteller-white-vn", "colorteller-vr"),
  switch("tcpecho.demo.local", "virtualNode tcpecho-vn", "tcpecho-vr"),
}

-- The routers the mesh lists (ListVirtualRouters), filled before the policy check.
local routers = {}

-- Policy rules in the scripts' format: check(update, current) returns nil, or why it fails.
local rules = {
  {
    name = "router-must-exist",
    severity = "deny",
    check = function(update)
      local router = update.spec.provider and update.spec.provider.virtualRouter
      if router and not routers[router.virtualRouterName] then
        return ("virtual router %s does not exist in mesh %s"):format(router.virtualRouterName,
          update.meshName)
      end
    end,
  },
  {
    name = "keep-a-provider",
    severity = "deny",
    check = function(update, current)
      if not update.spec.provider then
        return "the update leaves the service without a provider"
      end
      if current and current.status and current.status.status ~= "ACTIVE" then
        return "the service is " .. tostring(current.status.status)
      end
    end,
  },
}

local function provider_text(spec)
  local p = spec and spec.provider
  if p and p.virtualNode then
    return "virtualNode " .. p.virtualNode.virtualNodeName
  elseif p and p.virtualRouter then
    return "virtualRouter " .. p.virtualRouter.virtualRouterName
  end
  return "(no provider)"
end

local function printf(fmt, ...)
  io.write(fmt:format(...), "\n")
end

--- The live service (nil when it cannot be described: the rules then see no current state).
local function describe(client, params)
  return client:describe_virtual_service{ meshName = params.meshName,
    virtualServiceName = params.virtualServiceName }
end

--- "colorteller-red-vn 90%, colorteller-blue-vn 10%" from a RouteData.
local function weights_text(route)
  local parts, total = {}, 0
  local targets = route.spec.httpRoute.action.weightedTargets
  for _, t in ipairs(targets) do
    total = total + t.weight
  end
  for _, t in ipairs(targets) do
    parts[#parts + 1] = ("%s %d%%"):format(t.virtualNode, t.weight * 100 // total)
  end
  return table.concat(parts, ", ")
end

--- Create the new router and its route (or find them, when the demo runs a second time against
--- the same emulator). True on success.
local function build_router(client)
  local vr, err = client:create_virtual_router{
    meshName = MESH, virtualRouterName = NEW_ROUTER,
    spec = { listeners = { { portMapping = { port = 9080, protocol = "http" } } } },
    tags = { { key = "demo", value = "canary" } },
  }
  if not vr and err.code == "ConflictException" then
    vr, err = client:describe_virtual_router{ meshName = MESH, virtualRouterName = NEW_ROUTER }
  end
  if not vr then
    printf("  cannot create virtual router %s: %s", NEW_ROUTER, tostring(err))
    return false
  end
  printf("  created  virtualRouter %-22s version %d, %s", NEW_ROUTER, vr.metadata.version,
    vr.status.status)
  local targets = {}
  for i, w in ipairs(WEIGHTS) do
    targets[i] = { virtualNode = w[1], weight = w[2] }
  end
  local route
  route, err = client:create_route{
    meshName = MESH, virtualRouterName = NEW_ROUTER, routeName = ROUTE,
    spec = { httpRoute = {
      match = { prefix = "/" },
      action = { weightedTargets = targets },
      retryPolicy = { maxRetries = 2, perRetryTimeout = { unit = "ms", value = 500 },
        httpRetryEvents = { "server-error", "gateway-error" } },
    } },
  }
  if not route and err.code == "ConflictException" then
    route, err = client:describe_route{ meshName = MESH, virtualRouterName = NEW_ROUTER,
      routeName = ROUTE }
  end
  if not route then
    printf("  cannot create route %s: %s", ROUTE, tostring(err))
    return false
  end
  printf("  created  route %-30s %s", ROUTE, weights_text(route))
  return true
end

--- Evaluate every rule on every entry: entry.denied / entry.warnings. A rule that raises denies
--- (a broken rule must not let a change through).
local function check_policy(client)
  local allowed, denied = {}, {}
  for _, entry in ipairs(plan) do
    entry.current = describe(client, entry.params)
    entry.warnings = {}
    for _, rule in ipairs(rules) do
      local ok, why = pcall(rule.check, entry.params, entry.current)
      if not ok then
        why, ok = "the rule failed: " .. tostring(why), false
      end
      if why ~= nil and (rule.severity == "deny" or not ok) then
        entry.denied = entry.denied or (rule.name .. ": " .. why)
      elseif why ~= nil then
        entry.warnings[#entry.warnings + 1] = rule.name .. ": " .. why
      end
    end
    local name = entry.params.virtualServiceName
    if entry.denied then
      denied[#denied + 1] = entry
      printf("  deny   %-30s %s", name, entry.denied)
    else
      allowed[#allowed + 1] = entry
      printf("  allow  %s", name)
    end
    for _, w in ipairs(entry.warnings) do
      printf("  warn   %-30s %s", name, w)
    end
  end
  return allowed, denied
end

local function main()
  local client, err = appmesh.client()
  if not client then
    io.stderr:write("demo: cannot make a client: ", tostring(err), "\n")
    return 1
  end
  printf("%s demo", appmesh._VERSION)
  printf("endpoint %s, region %s", tostring(client.endpoint), tostring(client.region))
  printf("")
  printf("1. Build: virtual router %s and its weighted route %s", NEW_ROUTER, ROUTE)
  if not build_router(client) then
    return 1
  end

  printf("")
  printf("Plan: switch %d virtual services of mesh %s onto virtual routers", #plan, MESH)
  for _, entry in ipairs(plan) do
    printf("  %-30s %-33s -> %s", entry.params.virtualServiceName, entry.from,
      provider_text(entry.params.spec))
  end

  printf("")
  printf("2. Policy check (%d rules: %s, %s)", #rules, rules[1].name, rules[2].name)
  for router, err in client:virtual_routers{ meshName = MESH } do
    if not router then
      printf("  cannot list the virtual routers of %s: %s", MESH, tostring(err))
      return 1
    end
    routers[router.virtualRouterName] = true
  end
  local allowed, denied = check_policy(client)
  printf("  => %d allowed, %d denied", #allowed, #denied)

  printf("")
  printf("3. Dry run: the request each allowed entry would send (nothing is sent)")
  for _, entry in ipairs(allowed) do
    local req, derr = client:update_virtual_service(entry.params, { dry_run = true })
    if not req then
      printf("  %s: %s", entry.params.virtualServiceName, tostring(derr))
      return 1
    end
    printf("  %s %s", req.method, req.url)
    printf("    Authorization: %s", req.headers.Authorization)
    printf("    X-Amz-Date: %s", req.headers["X-Amz-Date"])
    printf("    %s", req.body)
  end

  printf("")
  printf("4. Apply: %d updates", #allowed)
  local updated, failed = 0, {}
  for _, entry in ipairs(allowed) do
    local name = entry.params.virtualServiceName
    local vs, info = client:update_virtual_service(entry.params)
    if vs and provider_text(vs.spec) == provider_text(entry.params.spec) then
      updated = updated + 1
      printf("  updated  %-30s -> %s, version %d, %s (%d attempt%s, request %s)", name,
        provider_text(vs.spec), vs.metadata.version, vs.status.status, info.attempts,
        info.attempts == 1 and "" or "s", info.requestId)
    else
      failed[#failed + 1] = name
      printf("  FAILED   %-30s %s", name, vs and "unexpected provider " .. provider_text(vs.spec)
        or tostring(info))
    end
  end

  printf("")
  printf("5. Describe: what the mesh says now")
  for _, entry in ipairs(plan) do
    local vs = describe(client, entry.params)
    if vs then
      printf("  %-30s %-35s version %d", vs.virtualServiceName, provider_text(vs.spec),
        vs.metadata.version)
    end
  end
  local route = client:describe_route{ meshName = MESH, virtualRouterName = NEW_ROUTER,
    routeName = ROUTE }
  if route then
    printf("  route %s of %s: %s", ROUTE, NEW_ROUTER, weights_text(route))
  end

  printf("")
  printf("Summary: %d updated, %d denied, %d failed (mesh %s, %d planned)", updated, #denied,
    #failed, MESH, #plan)
  for _, entry in ipairs(denied) do
    printf("  denied  %s: %s", entry.params.virtualServiceName, entry.denied)
  end
  client:close()
  return (#failed == 0 and updated == #allowed) and 0 or 1
end

os.exit(main())
