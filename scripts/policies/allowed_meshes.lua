-- SPDX-License-Identifier: MIT
-- Only the meshes listed in policy_args.allowed_meshes may be changed.
return {
  {
    name = "allowed-meshes",
    severity = "deny",
    description = "meshName must be one of policy_args.allowed_meshes",
    args = {
      allowed_meshes = { required = true, doc = "the meshes this change may touch (a list)" },
    },
    check = function(update, _, ctx)
      local allowed = ctx.args.allowed_meshes
      if allowed == nil then
        return "policy_args.allowed_meshes is not set (list the meshes this change may touch)"
      end
      if type(allowed) == "string" then
        allowed = { allowed }
      end
      if type(allowed) ~= "table" then
        error("policy_args.allowed_meshes must be a list of mesh names", 0)
      end
      for _, mesh in ipairs(allowed) do
        if mesh == update.meshName then
          return nil
        end
      end
      return string.format("mesh '%s' is not in allowed_meshes (%s)", update.meshName,
        table.concat(allowed, ", "))
    end,
  },
}
