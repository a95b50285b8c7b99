-- SPDX-License-Identifier: MIT
-- No switch to a virtual node or router that is not known to exist in the mesh.
-- Known: the names in policy_args.virtual_nodes / policy_args.virtual_routers (a list for every
-- mesh, or an object mesh -> list), and the virtual nodes and routers the service lists in the
-- mesh (the inventory bulk_update.lua and dry_run.lua gather with ListVirtualNodes and
-- ListVirtualRouters), whether or not a service uses them yet: a new node is the usual target
-- of a migration. When neither says anything about the mesh (policy_check.lua without the
-- arguments), the rule has no verdict.
local function known_in_args(arg, mesh, name)
  if arg == nil then
    return nil
  end
  if type(arg) ~= "table" then
    error("policy_args.virtual_nodes / virtual_routers must be a list or an object mesh -> list", 0)
  end
  local list = arg
  if arg[1] == nil and next(arg) ~= nil then
    list = arg[mesh]
    if list == nil then
      return nil
    end
  end
  for _, n in ipairs(list) do
    if n == name then
      return true
    end
  end
  return false
end

return {
  {
    name = "provider-exists",
    severity = "deny",
    needs = { "inventory" },
    description = "the new provider must be a virtual node or router known in the mesh",
    args = {
      virtual_nodes = { doc = "virtual nodes known to exist (a list, or mesh -> list)" },
      virtual_routers = { doc = "virtual routers known to exist (a list, or mesh -> list)" },
    },
    check = function(update, current, ctx)
      local kind, name = ctx.provider(update.spec)
      if not kind then
        return nil
      end
      if current then
        local ckind, cname = ctx.provider(current.spec)
        if ckind == kind and cname == name then
          return nil -- not a switch
        end
      end
      local mesh = update.meshName
      local arg = kind == "virtualNode" and ctx.args.virtual_nodes or ctx.args.virtual_routers
      local in_args = known_in_args(arg, mesh, name)
      local inv = ctx.inventory and ctx.inventory[mesh]
      local in_inventory = nil
      if inv then
        local set = kind == "virtualNode" and inv.virtualNodes or inv.virtualRouters
        in_inventory = set[name] == true
      end
      if in_args or in_inventory then
        return nil
      end
      if in_args == nil and in_inventory == nil then
        return nil -- nothing known about this mesh
      end
      return string.format("%s '%s' is not known in mesh '%s' (the mesh does not list it, nor "
        .. "does policy_args)", kind, name, mesh)
    end,
  },
}
