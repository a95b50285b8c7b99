-- SPDX-License-Identifier: MIT
-- Virtual service names match a pattern: policy_args.name_patterns (a Lua pattern or a list;
-- a name must match one), by default a DNS-style name such as "colorteller.demo.local".
local DEFAULT = { "^[%a%d][%a%d%-]*%.[%a%d%-%.]*[%a%d]$" }

return {
  {
    name = "service-name-pattern",
    severity = "deny",
    description = "virtualServiceName must match policy_args.name_patterns",
    args = {
      name_patterns = { doc = "Lua patterns; a name must match one (default: a DNS-style name)" },
    },
    check = function(update, _, ctx)
      local patterns = ctx.args.name_patterns or DEFAULT
      if type(patterns) == "string" then
        patterns = { patterns }
      end
      if type(patterns) ~= "table" or #patterns == 0 then
        error("policy_args.name_patterns must be a Lua pattern or a non-empty list of them", 0)
      end
      local name = update.virtualServiceName
      for _, p in ipairs(patterns) do
        if name:match(p) then
          return nil
        end
      end
      return string.format("'%s' matches none of %s", name, table.concat(patterns, " "))
    end,
  },
}
