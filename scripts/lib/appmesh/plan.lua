-- SPDX-License-Identifier: MIT
-- What a run will do to each entry: the deterministic clientToken, the provider of a spec, and a
-- readable diff between the current and the proposed spec.
local codec = require "appmesh.codec"
local hash = require "appmesh.hash"

local plan = {}

--- A new run id: 32 random hex digits.
function plan.new_run_id()
  return hash.random_hex(16)
end

--- The clientToken of an entry in a run: the first 36 hex digits of SHA-256 over the run id,
--- meshOwner, meshName, virtualServiceName and the spec (canonical JSON). The same run and entry
--- always give the same token, so a resumed run re-sends it and App Mesh answers idempotently.
-- An entry's own clientToken wins.
-- @tparam string run_id
-- @tparam table params the entry
-- @treturn string 36 characters of [0-9a-f]
function plan.client_token(run_id, params)
  if params.clientToken then
    return params.clientToken
  end
  local material = table.concat({
    "appmesh-bulk-update/1", run_id, params.meshOwner or "", params.meshName,
    params.virtualServiceName, codec.encode(params.spec or {}),
  }, "\n")
  return hash.sha256(material):sub(1, 36)
end

--- The provider of a spec: kind ("virtualNode" | "virtualRouter") and name, or nil.
-- @tparam table|nil spec
-- @treturn string|nil kind
-- @treturn string|nil name
function plan.provider(spec)
  local p = type(spec) == "table" and spec.provider
  if type(p) ~= "table" then
    return nil
  end
  if type(p.virtualNode) == "table" then
    return "virtualNode", p.virtualNode.virtualNodeName
  elseif type(p.virtualRouter) == "table" then
    return "virtualRouter", p.virtualRouter.virtualRouterName
  end
  return nil
end

--- A one-word description of a spec's provider: "virtualNode colorteller-vn" or "no provider".
function plan.describe_provider(spec)
  local kind, name = plan.provider(spec)
  if not kind then
    return "no provider"
  end
  return kind .. " " .. tostring(name)
end

local function flatten(v, prefix, out)
  if type(v) == "table" and v ~= codec.null and next(v) ~= nil then
    local keys = codec.keys(v)
    for _, k in ipairs(keys) do
      local sub = type(k) == "number" and string.format("%s[%d]", prefix, k - 1)
        or (prefix == "" and k or prefix .. "." .. k)
      flatten(v[k], sub, out)
    end
  else
    out[#out + 1] = prefix
    out[prefix] = codec.encode(v)
  end
  return out
end

--- The leaves of a value as dotted paths with JSON values, in sorted order.
-- @treturn table list of paths, and path -> JSON text
function plan.flatten(v, prefix)
  return flatten(v, prefix or "", {})
end

--- A readable diff of two specs, one change per line: removals (`- path: old`), then changes
--- (`~ path: old -> new`), then additions (`+ path: new`).
-- @tparam table|nil current the spec now (nil: unknown)
-- @tparam table proposed the spec to send
-- @treturn {string,...} the lines (empty when equal)
function plan.diff(current, proposed)
  local a = plan.flatten(current or {}, "spec")
  local b = plan.flatten(proposed or {}, "spec")
  local paths, seen = {}, {}
  for _, p in ipairs(a) do
    paths[#paths + 1], seen[p] = p, true
  end
  for _, p in ipairs(b) do
    if not seen[p] then
      paths[#paths + 1] = p
    end
  end
  table.sort(paths)
  local removed, changed, added = {}, {}, {}
  for _, p in ipairs(paths) do
    local old, new = a[p], b[p]
    if old and new and old ~= new then
      changed[#changed + 1] = string.format("~ %s: %s -> %s", p, old, new)
    elseif old and not new then
      removed[#removed + 1] = string.format("- %s: %s", p, old)
    elseif new and not old then
      added[#added + 1] = string.format("+ %s: %s", p, new)
    end
  end
  local lines = removed
  table.move(changed, 1, #changed, #lines + 1, lines)
  table.move(added, 1, #added, #lines + 1, lines)
  -- an empty spec on one side shows as the leaf "spec: {}": keep it only when it adds meaning
  if #lines > 0 then
    local kept = {}
    for _, l in ipairs(lines) do
      if not l:match("^[%-%+] spec: {}$") then
        kept[#kept + 1] = l
      end
    end
    lines = kept
  end
  return lines
end

return plan
