-- SPDX-License-Identifier: MIT
-- Selection helpers for Lua manifests and the scheduler fallback: pick the virtual services of a
-- mesh (ListVirtualServices) and filter them by name or by provider (DescribeVirtualService),
-- keeping what was described so the run does not describe it again.
local plan = require "appmesh.plan"

local selection = {}

--- appmesh.map when the module has it, else the same contract run one item at a time.
-- @tparam table list
-- @tparam function fn called as fn(item, i); its first result is kept
-- @tparam[opt] table opts `concurrency`, `rate`, `on_result(i, ...)`
-- @treturn table the results in order
function selection.map(list, fn, opts)
  opts = opts or {}
  local ok, appmesh = pcall(require, "appmesh")
  if ok and type(appmesh) == "table" and type(appmesh.map) == "function" then
    return appmesh.map(list, fn, opts)
  end
  local results = {}
  for i, item in ipairs(list) do
    local r = table.pack(pcall(fn, item, i))
    if r[1] then
      results[i] = r[2]
      if opts.on_result then
        opts.on_result(i, table.unpack(r, 2, r.n))
      end
    else
      results[i] = nil
      if opts.on_result then
        opts.on_result(i, nil, r[2])
      end
    end
  end
  return results
end

local FILTER_KEYS = {
  meshName = true, meshOwner = true, name = true, virtualNode = true, virtualRouter = true,
  provider = true, where = true,
}

--- Every virtual service ref of a mesh, following nextToken as botocore's paginator does: an
--- empty token is the last page, and a token received twice is an error (not an endless loop).
-- @treturn table|nil refs
-- @treturn table|string err
function selection.list(client, mesh_name, mesh_owner)
  local refs, token = {}, nil
  repeat
    local page, err = client:list_virtual_services{
      meshName = mesh_name, meshOwner = mesh_owner, limit = 100, nextToken = token,
    }
    if not page then
      return nil, err
    end
    for _, ref in ipairs(page.virtualServices or {}) do
      refs[#refs + 1] = ref
    end
    if page.nextToken ~= nil and page.nextToken == token then
      return nil, "ListVirtualServices returned the same nextToken twice"
    end
    token = page.nextToken
  until token == nil or token == ""
  return refs
end

--- The helpers a Lua manifest sees as globals.
-- @tparam function get_client returns the client (made on first use)
-- @tparam table cache "mesh/service" -> VirtualServiceData, filled with what is described
-- @tparam[opt] table opts `concurrency`, `rate` for the describes
-- @treturn table `{ services = function(filter) ... end }`
function selection.helpers(get_client, cache, opts)
  opts = opts or {}
  local helpers = {}

  --- services{ meshName = "m", meshOwner = ?, name = "lua pattern", virtualNode = "vn" |
  --- virtualRouter = "vr" | provider = "none", where = function(vs) return bool end }
  --- returns { {meshName, virtualServiceName, meshOwner?}, ... } sorted by name.
  function helpers.services(filter)
    if type(filter) ~= "table" then
      error("services: expected a table such as { meshName = \"m\", virtualNode = \"vn\" }", 2)
    end
    for k in pairs(filter) do
      if not FILTER_KEYS[k] then
        error(string.format("services: unknown filter '%s' (known: meshName, meshOwner, name, "
          .. "provider, virtualNode, virtualRouter, where)", tostring(k)), 2)
      end
    end
    if type(filter.meshName) ~= "string" then
      error("services: meshName is required", 2)
    end
    if filter.provider ~= nil and filter.provider ~= "none" then
      error("services: provider must be \"none\" (use virtualNode or virtualRouter for a name)", 2)
    end
    local client = get_client()
    local refs, err = selection.list(client, filter.meshName, filter.meshOwner)
    if not refs then
      error(string.format("services: cannot list the virtual services of mesh '%s': %s",
        filter.meshName, tostring(err)), 2)
    end
    local picked = {}
    for _, ref in ipairs(refs) do
      if filter.name == nil or ref.virtualServiceName:match(filter.name) then
        picked[#picked + 1] = ref
      end
    end
    local need_describe = filter.virtualNode or filter.virtualRouter or filter.provider
      or filter.where
    if need_describe then
      local data, failure = {}, nil
      selection.map(picked, function(ref)
        local key = ref.meshName .. "/" .. ref.virtualServiceName
        local vs = cache[key]
        if not vs then
          local derr
          vs, derr = client:describe_virtual_service{
            meshName = ref.meshName, virtualServiceName = ref.virtualServiceName,
            meshOwner = filter.meshOwner,
          }
          if not vs then
            failure = failure or string.format("services: cannot describe %s: %s", key,
              tostring(derr))
            return nil
          end
          cache[key] = vs
        end
        data[key] = vs
        return true
      end, { concurrency = opts.concurrency, rate = opts.rate })
      if failure then
        error(failure, 2)
      end
      local kept = {}
      for _, ref in ipairs(picked) do
        local vs = data[ref.meshName .. "/" .. ref.virtualServiceName]
        local kind, name = plan.provider(vs.spec)
        local ok = true
        if filter.virtualNode and not (kind == "virtualNode" and name == filter.virtualNode) then
          ok = false
        elseif filter.virtualRouter
          and not (kind == "virtualRouter" and name == filter.virtualRouter) then
          ok = false
        elseif filter.provider == "none" and kind ~= nil then
          ok = false
        elseif filter.where and not filter.where(vs) then
          ok = false
        end
        if ok then
          kept[#kept + 1] = ref
        end
      end
      picked = kept
    end
    local out = {}
    for i, ref in ipairs(picked) do
      out[i] = {
        meshName = ref.meshName, virtualServiceName = ref.virtualServiceName,
        meshOwner = filter.meshOwner,
      }
    end
    table.sort(out, function(a, b)
      return a.virtualServiceName < b.virtualServiceName
    end)
    return out
  end

  return helpers
end

-- The lists an inventory holds: iterator, inventory key, the item's name member, for messages.
local INVENTORY_LISTS = {
  { "virtual_nodes", "virtualNodes", "virtualNodeName", "virtual nodes" },
  { "virtual_routers", "virtualRouters", "virtualRouterName", "virtual routers" },
}

--- Facts about the meshes a run touches, for rules that declare `needs = { "inventory" }`:
--- mesh -> { services = count, virtualNodes = set, virtualRouters = set }, the sets holding the
--- names the service lists (ListVirtualNodes, ListVirtualRouters): what exists in the mesh,
--- whether or not a virtual service uses it yet.
-- @treturn table|nil inventory
-- @treturn string the message on failure
function selection.inventory(client, meshes)
  local inventory = {}
  for mesh, owner in pairs(meshes) do
    local refs, err = selection.list(client, mesh, owner or nil)
    if not refs then
      return nil, string.format("cannot list the virtual services of mesh '%s': %s", mesh,
        tostring(err))
    end
    local inv = { services = #refs, virtualNodes = {}, virtualRouters = {} }
    for _, l in ipairs(INVENTORY_LISTS) do
      local iterator, key, name_member, what = l[1], l[2], l[3], l[4]
      for ref, lerr in client[iterator](client, { meshName = mesh, meshOwner = owner or nil }) do
        if not ref then
          return nil, string.format("cannot list the %s of mesh '%s': %s", what, mesh,
            tostring(lerr))
        end
        inv[key][ref[name_member]] = true
      end
    end
    inventory[mesh] = inv
  end
  return inventory
end

return selection
