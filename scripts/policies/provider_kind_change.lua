-- SPDX-License-Identifier: MIT
-- No switch between a virtual node and a virtual router provider unless
-- policy_args.allow_provider_kind_change is true. Needs the current state (bulk_update.lua,
-- dry_run.lua); policy_check.lua has none, so the rule passes there.
return {
  {
    name = "provider-kind-change",
    severity = "deny",
    description = "the provider stays a node or stays a router unless allow_provider_kind_change",
    args = {
      allow_provider_kind_change = { doc = "true lets a node become a router and back" },
    },
    check = function(update, current, ctx)
      if not current or ctx.args.allow_provider_kind_change == true then
        return nil
      end
      local old = ctx.provider(current.spec)
      local new = ctx.provider(update.spec)
      if old and new and old ~= new then
        return string.format("the provider would change from a %s to a %s (set policy_args."
          .. "allow_provider_kind_change = true to allow it)", old, new)
      end
    end,
  },
}
