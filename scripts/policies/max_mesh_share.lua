-- SPDX-License-Identifier: MIT
-- A run changes at most a share of a mesh's virtual services: policy_args.max_mesh_share (a
-- fraction, default 0.5). The mesh's size comes from the inventory (bulk_update.lua,
-- dry_run.lua) or policy_args.mesh_sizes (an object mesh -> count); unknown sizes pass.
return {
  {
    name = "max-mesh-share",
    severity = "deny",
    needs = { "inventory" },
    description = "at most max_mesh_share of a mesh's services in one run",
    args = {
      max_mesh_share = { doc = "the largest share of a mesh's services a run changes (0.5)" },
      mesh_sizes = { doc = "mesh -> number of services, where the inventory has none" },
    },
    check = function(update, _, ctx)
      local share = ctx.args.max_mesh_share or 0.5
      if type(share) ~= "number" or share <= 0 or share > 1 then
        error("policy_args.max_mesh_share must be a number in (0, 1]", 0)
      end
      local mesh = update.meshName
      local size = ctx.inventory and ctx.inventory[mesh] and ctx.inventory[mesh].services
      if size == nil and type(ctx.args.mesh_sizes) == "table" then
        size = ctx.args.mesh_sizes[mesh]
      end
      if type(size) ~= "number" or size <= 0 then
        return nil
      end
      local changed = ctx.run.meshes[mesh] or 0
      if changed > share * size then
        return string.format("this run changes %d of the %d services in mesh '%s' (%.0f%%), "
          .. "more than max_mesh_share %g", changed, size, mesh, 100 * changed / size, share)
      end
    end,
  },
}
