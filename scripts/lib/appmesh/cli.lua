-- SPDX-License-Identifier: MIT
-- Command-line flags for the scripts: --name, --name VALUE, --name=VALUE, "--" ends the flags;
-- every mistake is a one-line message naming the flag (the scripts exit 2 with it). A value
-- that starts with "--" is only taken as --name=--value: `--region --apply` is a mistake.
local cli = {}

local function describe_kind(f)
  if f.kind == "integer" then
    if f.min and f.max then
      return string.format("an integer from %d to %d", f.min, f.max)
    end
    return string.format("an integer of at least %d", f.min or 0)
  elseif f.kind == "number" then
    if f.min and f.max then
      return string.format("a number from %s to %s", f.min, f.max)
    end
    return "a number greater than 0"
  end
  return "a value"
end

local function convert(f, name, value)
  if f.kind == "integer" then
    local n = math.tointeger(tonumber(value))
    if not n or (f.min and n < f.min) or (f.max and n > f.max) then
      return nil, string.format("--%s: expected %s, got '%s'", name, describe_kind(f), value)
    end
    return n
  elseif f.kind == "number" then
    local n = tonumber(value)
    if not n or n ~= n or n <= 0 or n == math.huge or (f.min and n < f.min)
      or (f.max and n > f.max) then
      return nil, string.format("--%s: expected %s, got '%s'", name, describe_kind(f), value)
    end
    return n
  end
  if value == "" then
    return nil, string.format("--%s: the value is empty", name)
  end
  return value
end

--- Parse `argv` against a flag table.
-- `flags[name] = { kind = "boolean" | "string" | "integer" | "number", multiple = bool,
-- min = n, max = n, key = "field" }` (the result field defaults to the name with "-" as "_").
-- `-h` and `--help` set `help`.
-- @tparam {string,...} argv the arguments (the global `arg` is fine: only 1..n are read)
-- @tparam table flags
-- @treturn table|nil options (with `positional`, the other arguments in order)
-- @treturn string the message on failure
function cli.parse(argv, flags)
  local opts = { positional = {} }
  local i, n = 1, #argv
  local only_positional = false
  while i <= n do
    local a = argv[i]
    if only_positional or a == "-" or a:sub(1, 1) ~= "-" then
      opts.positional[#opts.positional + 1] = a
    elseif a == "--" then
      only_positional = true
    elseif a == "-h" or a == "--help" then
      opts.help = true
    else
      local name, value = a:match("^%-%-([%w][%w%-]*)=(.*)$")
      if not name then
        name = a:match("^%-%-([%w][%w%-]*)$")
      end
      local f = name and flags[name]
      if not f then
        return nil, string.format("unknown option '%s' (see --help)", a)
      end
      local key = f.key or name:gsub("%-", "_")
      if f.kind == "boolean" then
        if value then
          return nil, string.format("--%s takes no value", name)
        end
        opts[key] = true
      else
        if not value then
          if i == n then
            return nil, string.format("--%s needs a value", name)
          end
          i = i + 1
          value = argv[i]
          if value:sub(1, 2) == "--" then
            return nil, string.format("--%s needs a value, got the option '%s' (write --%s=%s "
              .. "for a value that starts with --)", name, value, name, value)
          end
        end
        local v, err = convert(f, name, value)
        if v == nil then
          return nil, err
        end
        if f.multiple then
          opts[key] = opts[key] or {}
          opts[key][#opts[key] + 1] = v
        elseif opts[key] ~= nil then
          return nil, string.format("--%s given twice", name)
        else
          opts[key] = v
        end
      end
    end
    i = i + 1
  end
  return opts
end

--- Parse `--policy-arg KEY=VALUE` strings into a table; VALUE is read as JSON when it is JSON
--- (numbers, booleans, lists, objects, quoted strings), else taken as a string.
-- @tparam {string,...} list
-- @treturn table|nil
-- @treturn string the message on failure
function cli.key_values(list, flag)
  local codec = require "appmesh.codec"
  local t = {}
  for _, item in ipairs(list or {}) do
    local k, v = item:match("^([%a_][%w_]*)=(.*)$")
    if not k then
      return nil, string.format("--%s: expected KEY=VALUE, got '%s'", flag, item)
    end
    local decoded = codec.decode(v)
    if decoded == nil or decoded == codec.null then
      decoded = v
    end
    t[k] = decoded
  end
  return t
end

return cli
