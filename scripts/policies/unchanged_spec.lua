-- SPDX-License-Identifier: MIT
-- A warning when an update would not change the spec (App Mesh still adds a version).
local function same(a, b)
  if type(a) ~= "table" or type(b) ~= "table" then
    return a == b
  end
  for k, v in pairs(a) do
    if not same(v, b[k]) then
      return false
    end
  end
  for k in pairs(b) do
    if a[k] == nil then
      return false
    end
  end
  return true
end

return {
  {
    name = "unchanged-spec",
    severity = "warn",
    description = "the update leaves the spec as it is",
    check = function(update, current)
      if current and same(update.spec or {}, current.spec or {}) then
        return "the spec is unchanged; the update would only add a version"
      end
    end,
  },
}
