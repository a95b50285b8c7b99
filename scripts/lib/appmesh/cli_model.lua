-- SPDX-License-Identifier: MIT
-- The service model as the `appmesh` shell command sees it: operations and options in the AWS
-- CLI's kebab case, shapes looked up once (appmesh.model_shape), nearest names for typos.
local appmesh = require "appmesh"

local cli_model = {}

local shapes = {}

--- The shape called `name` (appmesh.model_shape's table), cached; raises for an unknown name
--- (a shape name always comes from the model itself).
-- @tparam string|table name a shape name, or a shape table (returned as is)
function cli_model.shape(name)
  if type(name) == "table" then
    return name
  end
  local s = shapes[name]
  if s == nil then
    s = appmesh.model_shape(name)
    if s == nil then
      error("appmesh: the model has no shape " .. tostring(name), 2)
    end
    shapes[name] = s
  end
  return s
end

--- camelCase or snake_case to the AWS CLI's kebab case: "virtualServiceName" ->
--- "virtual-service-name", "describe_mesh" -> "describe-mesh".
function cli_model.kebab(name)
  local s = name:gsub("_", "-")
  s = s:gsub("(%l)(%u)", "%1-%2"):gsub("(%u)(%u%l)", "%1-%2")
  return s:lower()
end

local op_names -- kebab names of every operation, in the model's (alphabetical) order

--- Every operation's kebab name, sorted.
function cli_model.operation_names()
  if not op_names then
    op_names = {}
    for _, op in ipairs(appmesh.operations()) do
      op_names[#op_names + 1] = cli_model.kebab(op.name)
    end
  end
  return op_names
end

--- The operation for a kebab name ("describe-mesh"), or nil.
function cli_model.operation(kebab)
  if type(kebab) ~= "string" or kebab:find("[^%l%-]") then
    return nil
  end
  return appmesh.model_operation((kebab:gsub("%-", "_")))
end

--- The input members of an operation as options: a list in model order, each the member
--- table plus `option` ("--mesh-name") and `type` (the member shape's type); and a map from
--- option name to the same table.
function cli_model.options(op)
  if op.options then
    return op.options, op.option_map
  end
  local list, map = {}, {}
  for _, m in ipairs(cli_model.shape(op.input).members) do
    local o = setmetatable({ option = "--" .. cli_model.kebab(m.name) }, { __index = m })
    o.type = cli_model.shape(m.shape).type
    list[#list + 1] = o
    map[o.option] = o
  end
  op.options, op.option_map = list, map
  return list, map
end

-- Levenshtein distance (small strings only).
local function distance(a, b)
  local prev = {}
  for j = 0, #b do
    prev[j] = j
  end
  for i = 1, #a do
    local cur = { [0] = i }
    local ca = a:byte(i)
    for j = 1, #b do
      local cost = ca == b:byte(j) and 0 or 1
      cur[j] = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
    end
    prev = cur
  end
  return prev[#b]
end

--- The candidates nearest to `name`, best first (at most `max`, default 3), or {} when none is
--- close: within a third of the name's length in edits, or containing it.
function cli_model.nearest(name, candidates, max)
  local scored = {}
  local limit = math.max(2, #name // 3)
  for _, c in ipairs(candidates) do
    local d = distance(name, c)
    if d > limit and #name >= 4 and c:find(name, 1, true) then
      d = limit -- "virtual-service" is near "describe-virtual-service"
    end
    if d <= limit then
      scored[#scored + 1] = { c, d }
    end
  end
  table.sort(scored, function(x, y)
    if x[2] ~= y[2] then
      return x[2] < y[2]
    end
    return x[1] < y[1]
  end)
  local out = {}
  for i = 1, math.min(#scored, max or 3) do
    out[i] = scored[i][1]
  end
  return out
end

--- " (did you mean a, b or c?)" for a list of names, or "" for none.
function cli_model.did_you_mean(names)
  if #names == 0 then
    return ""
  end
  if #names == 1 then
    return " (did you mean " .. names[1] .. "?)"
  end
  return " (did you mean " .. table.concat(names, ", ", 1, #names - 1) .. " or "
    .. names[#names] .. "?)"
end

return cli_model
