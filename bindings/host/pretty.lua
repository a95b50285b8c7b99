-- SPDX-License-Identifier: MIT
-- How the appmesh-lua REPL shows values: strings quoted, tables nested with sorted keys.
-- Compiled into the host (pretty.c); the chunk returns show(...) -> one line per call.

local type, next, rawget, tostring, getmetatable, select = type, next, rawget, tostring,
  getmetatable, select
local math_type = math.type
local format, gsub, match, find, byte, gmatch = string.format, string.gsub, string.match,
  string.find, string.byte, string.gmatch
local sort, concat = table.sort, table.concat

local MAX_ITEMS = 50 -- entries shown per table; the rest are counted in "... (N more)"
local MAX_DEPTH = 16 -- deeper tables show as {...}
local WIDTH = 78 -- a table that fits in this many columns stays on one line
local MAX_STRING = 1000 -- bytes of a string shown; the rest are counted, as a table's entries

local keywords = {}
for word in gmatch("and break do else elseif end false for function goto if in local nil not " ..
  "or repeat return then true until while", "%a+") do
  keywords[word] = true
end

local escapes = {
  ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t",
  ["\a"] = "\\a", ["\b"] = "\\b", ["\f"] = "\\f", ["\v"] = "\\v",
}

local function quote(s)
  local more = ""
  if #s > MAX_STRING then
    local cut = MAX_STRING
    while cut > 0 and (byte(s, cut + 1) or 0) >= 0x80 and (byte(s, cut + 1) or 0) < 0xc0 do
      cut = cut - 1 -- never in the middle of a UTF-8 character
    end
    more = format("... (%d more bytes)", #s - cut)
    s = s:sub(1, cut)
  end
  local body = gsub(s, '[%c"\\]', function(c)
    return escapes[c] or format("\\%03d", byte(c))
  end)
  -- C1 controls (U+0080..U+009F; U+009B is CSI) as \u{XX}: escape sequences, as C0 ones are
  body = gsub(body, "\xc2([\x80-\x9f])", function(c)
    return format("\\u{%X}", byte(c))
  end)
  return '"' .. body .. '"' .. more
end

-- Keys sort numbers first, then strings, then booleans, then anything else by tostring.
local rank = { number = 1, string = 2, boolean = 3 }
local function key_less(a, b)
  local ta, tb = type(a), type(b)
  if ta ~= tb then
    local ra, rb = rank[ta] or 4, rank[tb] or 4
    if ra ~= rb then
      return ra < rb
    end
    return ta < tb
  end
  if ta == "number" or ta == "string" then
    return a < b
  end
  if ta == "boolean" then
    return b and not a
  end
  return tostring(a) < tostring(b)
end

local function key_repr(k)
  if type(k) == "string" then
    if match(k, "^[%a_][%w_]*$") and not keywords[k] then
      return k
    end
    return "[" .. quote(k) .. "]"
  end
  return "[" .. tostring(k) .. "]"
end

local function render(v, indent, path, depth)
  local tv = type(v)
  if tv == "string" then
    return quote(v)
  end
  if tv ~= "table" then
    return tostring(v) -- honours __tostring and __name (e.g. appmesh.Client)
  end
  local mt = getmetatable(v)
  if type(mt) == "table" and rawget(mt, "__tostring") ~= nil then
    return tostring(v) -- an object with its own text, e.g. an appmesh.Error
  end
  if path[v] then
    return "<cycle>"
  end
  if depth >= MAX_DEPTH then
    return "{...}"
  end
  local n = 0
  while rawget(v, n + 1) ~= nil do
    n = n + 1
  end
  local keys = {}
  for k in next, v do
    if not (math_type(k) == "integer" and k >= 1 and k <= n) then
      keys[#keys + 1] = k
    end
  end
  local total = n + #keys
  if total == 0 then
    return "{}"
  end
  sort(keys, key_less)
  path[v] = true
  local inner = indent .. "  "
  local items = {}
  local shown = total < MAX_ITEMS and total or MAX_ITEMS
  for i = 1, shown do
    if i <= n then
      items[i] = render(rawget(v, i), inner, path, depth + 1)
    else
      local k = keys[i - n]
      items[i] = key_repr(k) .. " = " .. render(rawget(v, k), inner, path, depth + 1)
    end
  end
  path[v] = nil
  if total > shown then
    items[#items + 1] = format("... (%d more)", total - shown)
  end
  local line = "{ " .. concat(items, ", ") .. " }"
  local multiline = find(line, "\n", 1, true)
  if #indent + #line <= WIDTH and not multiline then
    return line
  end
  if #keys == 0 and not multiline then
    -- A long list of short values: fill the lines rather than one value per line.
    local lines, current = {}, inner
    for i = 1, #items do
      local piece = items[i] .. (i < #items and "," or "")
      if current ~= inner and #current + 1 + #piece > WIDTH then
        lines[#lines + 1] = current
        current = inner .. piece
      else
        current = current == inner and current .. piece or current .. " " .. piece
      end
    end
    lines[#lines + 1] = current
    return "{\n" .. concat(lines, "\n") .. "\n" .. indent .. "}"
  end
  return "{\n" .. inner .. concat(items, ",\n" .. inner) .. "\n" .. indent .. "}"
end

return function(...)
  local out = {}
  for i = 1, select("#", ...) do
    out[i] = render((select(i, ...)), "", {}, 0)
  end
  return concat(out, "\t")
end
