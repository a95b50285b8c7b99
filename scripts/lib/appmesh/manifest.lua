-- SPDX-License-Identifier: MIT
-- Manifests: a JSON file (read with lua-cjson) or a Lua file returning
-- { defaults = {...}, updates = { params, ... }, policy_args = {...} } (or a bare list of params,
-- or one entry's params alone, as `aws appmesh update-virtual-service --cli-input-json` takes).
-- Defaults fill the keys an entry leaves out; unknown keys, duplicate (meshName,
-- virtualServiceName) entries and an empty list are refused, naming the file and line.
local codec = require "appmesh.codec"
local sandbox = require "appmesh.sandbox"

local manifest = {}

local TOP_KEYS = { defaults = true, updates = true, policy_args = true }

-- The shape of update_virtual_service params: "string", or a nested table of allowed keys.
local ENTRY_SHAPE = {
  meshName = "string",
  virtualServiceName = "string",
  meshOwner = "string",
  clientToken = "string",
  spec = {
    provider = {
      virtualNode = { virtualNodeName = "string" },
      virtualRouter = { virtualRouterName = "string" },
    },
  },
}

local function list_keys(shape)
  return table.concat(codec.keys(shape), ", ")
end

-- Check `v` against `shape`; returns nil or "path: problem".
local function check_shape(v, shape, path)
  if type(shape) == "string" then
    if type(v) ~= shape then
      return string.format("%s: expected a %s, got %s", path, shape,
        v == codec.null and "null" or type(v))
    end
    return nil
  end
  if type(v) ~= "table" or v == codec.null or codec.is_array(v) then
    return string.format("%s: expected an object, got %s", path,
      type(v) == "table" and "a list" or (v == codec.null and "null" or type(v)))
  end
  local keys = codec.keys(v)
  for _, k in ipairs(keys) do
    local sub = type(k) == "string" and shape[k]
    if not sub then
      return string.format("%s: unknown key '%s' (known: %s)", path, tostring(k), list_keys(shape))
    end
    local err = check_shape(v[k], sub, path .. "." .. k)
    if err then
      return err
    end
  end
  return nil
end

--- The identity of an entry: "meshName/virtualServiceName".
function manifest.key(params)
  return tostring(params.meshName) .. "/" .. tostring(params.virtualServiceName)
end

--- Limits for running a Lua manifest (its own code and the selection helpers' Lua; the calls
--- they make run elsewhere): Lua VM instructions and CPU seconds.
manifest.DEFAULT_LIMITS = { instructions = 200000000, seconds = 30 }

local function read_all(path)
  local f, err = io.open(path, "rb")
  if not f then
    return nil, err
  end
  local text = f:read("a")
  f:close()
  return text
end

--- Read the raw manifest document (JSON, or Lua when the name ends in .lua).
-- @tparam string path
-- @tparam[opt] table helpers extra globals for Lua manifests (e.g. the selection helpers)
-- @return table|nil document, string|nil text (JSON only), or nil and the message
local function read_document(path, helpers, limits)
  if path:match("%.lua$") then
    local globals = { getenv = os.getenv }
    for k, v in pairs(helpers or {}) do
      globals[k] = v
    end
    local chunk, err = loadfile(path, "t", sandbox.env(globals))
    if not chunk then
      return nil, err
    end
    local ok, doc = sandbox.call(limits or manifest.DEFAULT_LIMITS, chunk)
    if not ok then
      local msg = tostring(doc)
      if not msg:find(path, 1, true) then
        msg = path .. ": " .. msg
      end
      return nil, msg
    end
    if type(doc) ~= "table" then
      return nil, string.format("%s: the manifest must return a table, got %s", path, type(doc))
    end
    return doc
  end
  local text, err = read_all(path)
  if not text then
    return nil, "cannot read manifest: " .. err
  end
  local doc, derr = codec.decode(text, path)
  if doc == nil then
    return nil, derr
  end
  return doc, text
end

--- Load a manifest and expand it into entries.
-- @tparam string path a `.json` file or a `.lua` file
-- @tparam[opt] table opts `helpers`: extra globals for Lua manifests; `limits`: for running a
--   Lua manifest (default manifest.DEFAULT_LIMITS); `shared`: entries share
--   the values they take from the document and from defaults instead of each holding its own
--   deep copy (much less memory for a long manifest; for a caller that only reads them)
-- @treturn table|nil `{ source, entries = {params...}, where = {"file:line (updates[i])"...},
--   policy_args = {...}, defaults = {...} }`
-- @treturn string the message ("file:line: ...") on failure
function manifest.load(path, opts)
  opts = opts or {}
  local doc, text = read_document(path, opts.helpers, opts.limits)
  if doc == nil then
    return nil, text
  end
  local lines = {}
  local function where(i)
    if text and not lines.done then
      lines = codec.element_lines(text)
      lines.done = true
    end
    if lines[i] then
      return string.format("%s:%d: updates[%d]", path, lines[i], i)
    end
    return string.format("%s: updates[%d]", path, i)
  end

  local updates, defaults, policy_args
  if type(doc) ~= "table" or doc == codec.null then
    return nil, string.format("%s: expected an object or a list, got %s", path, type(doc))
  elseif codec.is_array(doc) then
    updates = doc
  elseif next(doc) == nil then
    return nil, string.format("%s: no updates (the list is empty)", path)
  elseif doc.updates == nil and doc.defaults == nil and doc.policy_args == nil
    and (doc.virtualServiceName ~= nil or doc.meshName ~= nil or doc.spec ~= nil) then
    -- one entry, as `aws appmesh update-virtual-service --cli-input-json` takes it
    updates = { doc }
  else
    for k in pairs(doc) do
      if not TOP_KEYS[k] then
        return nil, string.format("%s: unknown key '%s' (known: defaults, policy_args, updates)",
          path, tostring(k))
      end
    end
    updates, defaults, policy_args = doc.updates, doc.defaults, doc.policy_args
    if updates == nil then
      return nil, string.format("%s: 'updates' is missing", path)
    end
    if type(updates) ~= "table" or (next(updates) ~= nil and not codec.is_array(updates)) then
      return nil, string.format("%s: 'updates' must be a list", path)
    end
  end
  if #updates == 0 then
    return nil, string.format("%s: no updates (the list is empty)", path)
  end
  defaults = defaults or {}
  local derr = check_shape(defaults, ENTRY_SHAPE, "defaults")
  if derr then
    return nil, path .. ": " .. derr
  end
  policy_args = policy_args or {}
  if type(policy_args) ~= "table" or codec.is_array(policy_args) then
    return nil, string.format("%s: 'policy_args' must be an object", path)
  end

  local entries, places, seen = {}, {}, {}
  for i, raw in ipairs(updates) do
    local err = check_shape(raw, ENTRY_SHAPE, "entry")
    if err then
      return nil, where(i) .. ": " .. err:gsub("^entry: ", ""):gsub("^entry%.", "")
    end
    local params = {}
    for k, v in pairs(raw) do
      params[k] = opts.shared and v or codec.copy(v)
    end
    for k, v in pairs(defaults) do
      if params[k] == nil then
        params[k] = opts.shared and v or codec.copy(v)
      end
    end
    for _, required in ipairs({ "meshName", "virtualServiceName", "spec" }) do
      if params[required] == nil then
        return nil, string.format("%s: '%s' is missing (and not in defaults)", where(i), required)
      end
    end
    local key = manifest.key(params)
    if seen[key] then
      return nil, string.format("%s: duplicate entry %s (first at %s)", where(i), key,
        where(seen[key]))
    end
    seen[key] = i
    entries[i] = params
    places[i] = where(i)
  end
  return {
    source = path,
    entries = entries,
    where = places,
    defaults = defaults,
    policy_args = policy_args,
  }
end

--- Write a manifest as JSON (the rollback manifest, for example).
-- @tparam table doc `{ updates = {...} }`
-- @treturn string the JSON text, one entry per line
function manifest.to_json(doc)
  local lines = {}
  for i, u in ipairs(doc.updates) do
    lines[i] = "    " .. codec.encode(u, { "meshName", "virtualServiceName", "meshOwner" })
  end
  return '{\n  "updates": [\n' .. table.concat(lines, ",\n") .. "\n  ]\n}\n"
end

return manifest
