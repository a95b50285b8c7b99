-- SPDX-License-Identifier: MIT
-- The AWS CLI's shorthand for flat structures: `key=team,value=a` (values may be quoted with
-- ' or "; backslashes as the AWS CLI reads them). Nested shorthand (`a={b=c}`, `a=[x,y]`,
-- members that are structures or lists) is refused: such values are given as JSON.
local cli_model = require "appmesh.cli_model"

local shorthand = {}

--- Whether `text` looks like shorthand (key=value) rather than JSON or a bare word.
function shorthand.looks_like(text)
  return text:match("^%s*[%w_%-]+%s*=") ~= nil
end

-- The position of the quote `q` that closes a value quoted from `start`, as the AWS CLI's
-- pattern '(?:\\'|[^'])*' finds it: the first quote without a backslash before it, else the last
-- one with a backslash; nil when there is none.
local function closing_quote(text, start, q)
  local last = nil
  local j, n = start, #text
  while j <= n do
    local c = text:sub(j, j)
    if c == "\\" and text:sub(j + 1, j + 1) == q then
      last = j + 1
      j = j + 2
    elseif c == q then
      return j
    else
      j = j + 1
    end
  end
  return last
end

-- Split on commas outside quotes; returns the list of raw "key=value" parts (quotes and
-- escapes resolved in the values), or nil, message. Backslashes as the AWS CLI reads them:
-- unquoted, only "\," is an escape (a comma in the value); quoted, "\'" (or "\"") and "\\";
-- any other backslash is kept.
local function split(text)
  local parts, key, buf = {}, nil, {}
  local i, n = 1, #text
  local quoted_value = false
  local closed = false -- after a value's closing quote: only blanks, then ',' or the end
  while i <= n do
    local c = text:sub(i, i)
    if closed and c ~= "," then
      if not c:match("%s") then
        return nil, string.format("expected ',' after the quoted value of %q, got %q", key, c)
      end
    elseif c == "\\" and text:sub(i + 1, i + 1) == "," then
      i = i + 1
      buf[#buf + 1] = ","
    elseif (c == "'" or c == '"') and key and #table.concat(buf):gsub("%s", "") == 0 then
      local close = closing_quote(text, i + 1, c)
      if not close then
        return nil, "a quoted value has no closing " .. c
      end
      buf = { (text:sub(i + 1, close - 1):gsub("\\" .. c, c):gsub("\\\\", "\\")) }
      quoted_value, closed = true, true
      i = close
    elseif c == "=" and not key then
      key = table.concat(buf):match("^%s*(.-)%s*$")
      buf = {}
      quoted_value = false
    elseif c == "," then
      if not key then
        return nil, string.format("expected '=' after %q", table.concat(buf))
      end
      parts[#parts + 1] = { key, table.concat(buf), quoted_value }
      key, buf, quoted_value, closed = nil, {}, false, false
    else
      buf[#buf + 1] = c
    end
    i = i + 1
  end
  if not key then
    return nil, string.format("expected '=' after %q", table.concat(buf))
  end
  parts[#parts + 1] = { key, table.concat(buf), quoted_value }
  return parts
end

local NESTED = "nested shorthand is not supported: give this value as JSON (e.g. built with jq)"

-- A scalar member's value from its shorthand text.
local function scalar(text, s, key)
  if s.type == "string" then
    return text
  elseif s.type == "integer" or s.type == "long" then
    local v = text:match("^%s*[+-]?%d+%s*$") and math.tointeger(tonumber(text))
    if not v then
      return nil, string.format("%s: expected an integer, got %q", key, text)
    end
    return v
  elseif s.type == "boolean" then
    if text == "true" or text == "false" then
      return text == "true"
    end
    return nil, string.format("%s: expected true or false, got %q", key, text)
  elseif s.type == "timestamp" then
    local v = tonumber(text)
    if not v then
      return nil, string.format("%s: expected epoch seconds, got %q", key, text)
    end
    return v
  end
  return nil, key .. ": " .. NESTED
end

--- Parse shorthand `text` as a value of the structure shape `shape`.
-- @return table, or nil and a one-line message
function shorthand.parse(text, shape)
  local s = cli_model.shape(shape)
  if s.type ~= "structure" and s.type ~= "union" then
    return nil, NESTED
  end
  local parts, err = split(text)
  if not parts then
    return nil, err
  end
  local members = {}
  for _, m in ipairs(s.members) do
    members[m.name] = m
  end
  local v = {}
  for _, p in ipairs(parts) do
    local key, raw, quoted = p[1], p[2], p[3]
    if not quoted then
      raw = raw:match("^%s*(.-)%s*$") -- `key=team, value=a`: blanks around a value go
    end
    local m = members[key]
    if not m then
      local names = {}
      for _, x in ipairs(s.members) do
        names[#names + 1] = x.name
      end
      return nil, string.format("unknown key %q, must be one of: %s", key,
        table.concat(names, ", "))
    end
    if not quoted and raw:match("^%s*[%[{]") then
      return nil, key .. ": " .. NESTED
    end
    if v[key] ~= nil then
      return nil, string.format("key %q is given twice", key)
    end
    local x, e = scalar(raw, cli_model.shape(m.shape), key)
    if x == nil then
      return nil, e
    end
    v[key] = x
  end
  return v
end

return shorthand
