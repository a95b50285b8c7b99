-- SPDX-License-Identifier: MIT
-- JSON for the scripts: reading through lua-cjson (errors with line and column, null dropped),
-- and a deterministic writer (sorted keys, or a given key order) for hashes, reports and journals.
local cjson = require "cjson"

local codec = {}

--- The value lua-cjson decodes a JSON null to (kept in arrays, dropped from objects).
codec.null = cjson.null

--- Line and column (1-based) of byte `pos` in `text`.
-- @treturn integer line
-- @treturn integer column
function codec.position(text, pos)
  local line, last = 1, 0
  for nl in text:sub(1, pos - 1):gmatch("()\n") do
    line = line + 1
    last = nl
  end
  return line, pos - last
end

local token_names = {
  T_OBJ_BEGIN = "'{'", T_OBJ_END = "'}'", T_ARR_BEGIN = "'['", T_ARR_END = "']'",
  T_STRING = "a string", T_NUMBER = "a number", T_BOOLEAN = "a boolean", T_NULL = "null",
  T_COLON = "':'", T_COMMA = "','", T_END = "the end of the text", T_WHITESPACE = "whitespace",
  T_ERROR = "an invalid token", T_UNKNOWN = "an unknown token",
}

local function drop_nulls(v)
  if type(v) ~= "table" then
    return v
  end
  for k, x in pairs(v) do
    if x == cjson.null and type(k) == "string" then
      v[k] = nil
    else
      drop_nulls(x)
    end
  end
  return v
end

--- Decode JSON text. Object members that are null are dropped (absent).
-- @tparam string text
-- @tparam[opt] string source the file name for messages
-- @return the value, or nil and "source:line:col: message"
function codec.decode(text, source)
  local v, msg, line, col = codec.parse(text)
  if v ~= nil then
    return v
  end
  local prefix = source or "JSON"
  if line then
    return nil, string.format("%s:%d:%d: %s", prefix, line, col, msg)
  end
  return nil, prefix .. ": " .. msg
end

--- Decode JSON text, object members that are null dropped; or say why lua-cjson refused it, in
--- words: its message without the byte offset, token names as people read them ("T_END" ->
--- "the end of the text"), and the line and column when it gives them.
-- @return the value, or nil, message, line|nil, column|nil
function codec.parse(text)
  local ok, v = pcall(cjson.decode, text)
  if ok then
    return drop_nulls(v)
  end
  local msg = tostring(v)
  local at = tonumber(msg:match("at character (%d+)"))
  msg = msg:gsub(" at character %d+", ""):gsub("T_[%u_]+", token_names)
  if at then
    return nil, msg, codec.position(text, at)
  end
  return nil, msg
end

local escapes = {
  ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f", ["\n"] = "\\n", ["\r"] = "\\r",
  ["\t"] = "\\t",
}

local function encode_string(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    return escapes[c] or string.format("\\u%04x", c:byte())
  end) .. '"'
end
codec.encode_string = encode_string

local visible = { ["\n"] = "\\n", ["\t"] = "\\t", ["\r"] = "\\r" }

--- Text for a terminal: control characters (and C1 controls, UTF-8 C2 80..C2 9F) as visible
--- escapes (\n, \t, \x1b, \u009b), so that text from a server (an error code, a message, a
--- request id) cannot send escape sequences to the operator's terminal.
-- @param s anything (tostring'd)
-- @tparam[opt] boolean keep_newlines leave "\n" as is (for multi-line text the script builds)
-- @treturn string
function codec.printable(s, keep_newlines)
  s = tostring(s):gsub("[%z\1-\31\127]", function(c)
    if keep_newlines and c == "\n" then
      return c
    end
    return visible[c] or string.format("\\x%02x", c:byte())
  end)
  s = s:gsub("\194([\128-\159])", function(c)
    return string.format("\\u%04x", c:byte())
  end)
  return s
end

--- "1 entry", "2 entries": a count with its noun.
-- @tparam integer n
-- @tparam string one the singular
-- @tparam[opt] string many the plural (default: one .. "s")
function codec.count(n, one, many)
  return string.format("%d %s", n, n == 1 and one or (many or one .. "s"))
end

--- A number as people read it: an integral float (a version read from JSON) without ".0".
function codec.number_text(v)
  return tostring(type(v) == "number" and math.tointeger(v) or v)
end

--- A writer over `file` whose write() passes every piece through codec.printable (newlines kept).
function codec.printable_writer(file)
  return {
    write = function(_, ...)
      local parts = table.pack(...)
      for i = 1, parts.n do
        parts[i] = codec.printable(parts[i], true)
      end
      return file:write(table.unpack(parts, 1, parts.n))
    end,
    flush = function()
      return file:flush()
    end,
  }
end

--- Whether a table is a non-empty sequence 1..n with no other keys.
local function is_array(t)
  local n = #t
  if n == 0 then
    return false
  end
  local count = 0
  for _ in pairs(t) do
    count = count + 1
  end
  return count == n
end
codec.is_array = is_array

--- The keys of a table, of any type, in the order of their tostring: walks and messages that
--- must not depend on the order of pairs.
function codec.keys(t)
  local keys = {}
  for k in pairs(t) do
    keys[#keys + 1] = k
  end
  table.sort(keys, function(a, b)
    return tostring(a) < tostring(b)
  end)
  return keys
end

local encode_value

local function sorted_keys(t, order)
  local keys, seen = {}, {}
  for _, k in ipairs(order or {}) do
    if t[k] ~= nil then
      keys[#keys + 1] = k
      seen[k] = true
    end
  end
  local rest = {}
  for k in pairs(t) do
    if not seen[k] then
      if type(k) ~= "string" then
        error("codec.encode: object key " .. tostring(k) .. " is not a string", 0)
      end
      rest[#rest + 1] = k
    end
  end
  table.sort(rest)
  for _, k in ipairs(rest) do
    keys[#keys + 1] = k
  end
  return keys
end

function encode_value(v, order, depth)
  local t = type(v)
  if t == "string" then
    return encode_string(v)
  elseif t == "number" then
    if math.type(v) == "integer" then
      return string.format("%d", v)
    elseif v ~= v or v == math.huge or v == -math.huge then
      error("codec.encode: cannot encode " .. tostring(v), 0)
    elseif v == math.floor(v) and math.abs(v) < 2 ^ 53 then
      return string.format("%d", math.tointeger(v))
    end
    return string.format("%.17g", v)
  elseif t == "boolean" then
    return tostring(v)
  elseif v == cjson.null then
    return "null"
  elseif t == "table" then
    if depth > 100 then
      error("codec.encode: nested too deeply", 0)
    end
    local parts = {}
    if is_array(v) then
      for i = 1, #v do
        parts[i] = encode_value(v[i], nil, depth + 1)
      end
      return "[" .. table.concat(parts, ",") .. "]"
    end
    for i, k in ipairs(sorted_keys(v, depth == 0 and order or nil)) do
      parts[i] = encode_string(k) .. ":" .. encode_value(v[k], nil, depth + 1)
    end
    return "{" .. table.concat(parts, ",") .. "}"
  end
  error("codec.encode: cannot encode a " .. t, 0)
end

--- Encode a value as compact JSON with object keys sorted (deterministic, so it can be hashed).
-- @param v the value (tables with 1..n keys are arrays; an empty table is `{}`)
-- @tparam[opt] {string,...} order top-level keys to write first, in this order
-- @treturn string
function codec.encode(v, order)
  return encode_value(v, order, 0)
end

--- Pretty JSON (two-space indent, sorted keys), for people.
-- @param v the value
-- @tparam[opt=""] string indent prefix of every line after the first
-- @treturn string
function codec.pretty(v, indent)
  indent = indent or ""
  if type(v) ~= "table" or v == cjson.null then
    return encode_value(v, nil, 0)
  end
  local inner = indent .. "  "
  local parts = {}
  if is_array(v) then
    for i = 1, #v do
      parts[i] = inner .. codec.pretty(v[i], inner)
    end
    return "[\n" .. table.concat(parts, ",\n") .. "\n" .. indent .. "]"
  end
  local keys = sorted_keys(v)
  if #keys == 0 then
    return "{}"
  end
  for i, k in ipairs(keys) do
    parts[i] = inner .. encode_string(k) .. ": " .. codec.pretty(v[k], inner)
  end
  return "{\n" .. table.concat(parts, ",\n") .. "\n" .. indent .. "}"
end

--- A deep copy of plain data (tables copied, other values shared).
function codec.copy(v)
  if type(v) ~= "table" then
    return v
  end
  local t = {}
  for k, x in pairs(v) do
    t[k] = codec.copy(x)
  end
  return t
end

--- Whether two plain values are equal, comparing tables by content.
function codec.equal(a, b)
  if type(a) ~= "table" or type(b) ~= "table" then
    return a == b
  end
  for k, x in pairs(a) do
    if not codec.equal(x, b[k]) then
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

--- Line numbers where the elements of a manifest's update list start: the top-level array, or
--- the array under the top-level key "updates". A light scan, used only to point at entries.
-- @tparam string text the JSON text (already known to be valid)
-- @treturn {integer,...} line of element i
function codec.element_lines(text)
  local lines = {}
  local stack = {}
  local line = 1
  local i, n = 1, #text
  local function value_start()
    local top = stack[#stack]
    if top and top.kind == "array" then
      top.count = top.count + 1
      if top.target then
        lines[top.count] = line
      end
    end
  end
  while i <= n do
    local c = text:sub(i, i)
    if c == "\n" then
      line = line + 1
      i = i + 1
    elseif c == '"' then
      local j = i + 1
      while j <= n do
        local d = text:sub(j, j)
        if d == "\\" then
          j = j + 2
        elseif d == '"' then
          break
        else
          if d == "\n" then
            line = line + 1
          end
          j = j + 1
        end
      end
      local top = stack[#stack]
      if top and top.kind == "object" and top.want_key then
        top.key = text:sub(i + 1, j - 1)
        top.want_key = false
      else
        value_start()
      end
      i = j + 1
    elseif c == "{" or c == "[" then
      value_start()
      if c == "{" then
        stack[#stack + 1] = { kind = "object", want_key = true }
      else
        local parent = stack[#stack]
        local target = (#stack == 0)
          or (#stack == 1 and parent.kind == "object" and parent.key == "updates")
        stack[#stack + 1] = { kind = "array", count = 0, target = target }
      end
      i = i + 1
    elseif c == "}" or c == "]" then
      stack[#stack] = nil
      i = i + 1
    elseif c == "," then
      local top = stack[#stack]
      if top and top.kind == "object" then
        top.want_key = true
      end
      i = i + 1
    elseif c:match("[%w%-]") then
      value_start()
      local _, e = text:find("^[%w%.%+%-]+", i)
      i = e + 1
    else
      i = i + 1
    end
  end
  return lines
end

return codec
