-- SPDX-License-Identifier: MIT
-- Every update names a provider (a virtual node or a virtual router): a virtual service with no
-- provider answers nothing.
return {
  {
    name = "provider-required",
    severity = "deny",
    description = "the spec must name a virtualNode or virtualRouter provider",
    args = {},
    check = function(update, _, ctx)
      if not ctx.provider(update.spec) then
        return "the spec has no provider (spec.provider.virtualNode or .virtualRouter)"
      end
    end,
  },
}
