-- SPDX-License-Identifier: MIT
-- What the `appmesh` shell command prints, as the AWS CLI v2 prints it: JSON indented by 4
-- (Python's json.dump with ensure_ascii=False), keys in the model's member order (botocore
-- builds its dicts in that order), timestamps in ISO 8601 with the local UTC offset.
local cli_model = require "appmesh.cli_model"

local cli_output = {}

local escapes = {
  ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f", ["\n"] = "\\n",
  ["\r"] = "\\r", ["\t"] = "\\t",
}

--- A JSON string literal as Python writes it with ensure_ascii=False: UTF-8 kept, control
--- characters escaped.
local function quote(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    return escapes[c] or (c == "\127" and c) or string.format("\\u%04x", c:byte())
  end) .. '"'
end
cli_output.quote = quote

-- Round half to even, as Python's round().
local function round_even(x)
  local f = math.floor(x)
  local d = x - f
  if d > 0.5 or (d == 0.5 and f % 2 == 1) then
    f = f + 1
  end
  return math.tointeger(f) or f
end

-- Seconds east of UTC of the local time zone at epoch second `sec`.
local function utc_offset(sec)
  local l, u = os.date("*t", sec), os.date("!*t", sec)
  local days = 0
  if l.year ~= u.year then
    days = l.year > u.year and 1 or -1
  else
    days = l.yday - u.yday
  end
  return ((days * 24 + l.hour - u.hour) * 60 + l.min - u.min) * 60 + (l.sec - u.sec)
end

--- Epoch seconds as the AWS CLI v2 prints a timestamp: datetime.fromtimestamp(t, tzlocal())
--- .isoformat(), e.g. "2026-12-07T21:25:31.030000+00:00" (no fraction when it is zero).
function cli_output.timestamp(t)
  local whole = math.floor(t) -- before 1970 too: the second before, plus a fraction
  local us = round_even((t - whole) * 1e6)
  if us >= 1000000 then
    whole, us = whole + 1, us - 1000000
  end
  whole = math.tointeger(whole) or math.floor(whole)
  local off = utc_offset(whole)
  local s = os.date("%Y-%m-%dT%H:%M:%S", whole)
  if us ~= 0 then
    s = s .. string.format(".%06d", us)
  end
  local sign = off < 0 and "-" or "+"
  off = math.abs(off)
  return string.format("%s%s%02d:%02d", s, sign, off // 3600, off % 3600 // 60)
end

local function scalar(v, shape_type)
  local t = type(v)
  if shape_type == "timestamp" and t == "number" then
    return quote(cli_output.timestamp(v))
  elseif t == "string" then
    return quote(v)
  elseif t == "boolean" then
    return v and "true" or "false"
  elseif math.type(v) == "integer" then
    return tostring(v)
  elseif t == "number" then
    if v == math.floor(v) and math.abs(v) < 2 ^ 53 then
      return string.format("%.1f", v) -- Python prints a float with its ".0"
    end
    return string.format("%.17g", v)
  end
  return "null"
end

local function write(out, v, shape, indent)
  local s = cli_model.shape(shape)
  local ty = s.type
  if type(v) ~= "table" or (ty ~= "structure" and ty ~= "union" and ty ~= "list") then
    out[#out + 1] = scalar(v, ty)
    return
  end
  local inner = indent .. "    "
  if ty == "list" then
    if #v == 0 then
      out[#out + 1] = "[]"
      return
    end
    out[#out + 1] = "[\n"
    for i = 1, #v do
      out[#out + 1] = inner
      write(out, v[i], s.item, inner)
      out[#out + 1] = i < #v and ",\n" or "\n"
    end
    out[#out + 1] = indent .. "]"
    return
  end
  local first = true
  for _, m in ipairs(s.members) do
    local x = v[m.name]
    if x ~= nil then
      out[#out + 1] = first and "{\n" or ",\n"
      first = false
      out[#out + 1] = inner .. quote(m.name) .. ": "
      write(out, x, m.shape, inner)
    end
  end
  out[#out + 1] = first and "{}" or ("\n" .. indent .. "}")
end

--- The JSON text of value `v` of shape `shape` (a name or a shape table), members in the
--- model's order, indented by 4, without a trailing newline.
function cli_output.encode(v, shape)
  local out = {}
  write(out, v, shape, "")
  return table.concat(out)
end

-- Shape-less JSON (for the request a dry run prints): keys sorted.
local function write_plain(out, v, indent)
  if type(v) ~= "table" then
    out[#out + 1] = scalar(v)
    return
  end
  local inner = indent .. "    "
  if #v > 0 or next(v) == nil then
    if #v == 0 then
      out[#out + 1] = "{}"
      return
    end
    out[#out + 1] = "[\n"
    for i = 1, #v do
      out[#out + 1] = inner
      write_plain(out, v[i], inner)
      out[#out + 1] = i < #v and ",\n" or "\n"
    end
    out[#out + 1] = indent .. "]"
    return
  end
  local keys = {}
  for k in pairs(v) do
    keys[#keys + 1] = tostring(k)
  end
  table.sort(keys)
  out[#out + 1] = "{\n"
  for i, k in ipairs(keys) do
    out[#out + 1] = inner .. quote(k) .. ": "
    write_plain(out, v[k], inner)
    out[#out + 1] = i < #keys and ",\n" or "\n"
  end
  out[#out + 1] = indent .. "}"
end

--- JSON of a plain Lua value (strings, numbers, booleans, arrays, string-keyed tables; keys
--- sorted), indented by 4.
function cli_output.encode_plain(v)
  local out = {}
  write_plain(out, v, "")
  return table.concat(out)
end

local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

--- Base64 (standard alphabet, padded).
function cli_output.base64(s)
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = s:byte(i, i + 2)
    local n = (a << 16) | ((b or 0) << 8) | (c or 0)
    local k = b == nil and 2 or (c == nil and 3 or 4)
    for j = 1, 4 do
      local idx = (n >> (18 - 6 * (j - 1))) & 63
      out[#out + 1] = j <= k and B64:sub(idx + 1, idx + 1) or "="
    end
  end
  return table.concat(out)
end

--- Decode base64; nil when `s` is not base64.
function cli_output.unbase64(s)
  if #s % 4 ~= 0 or s:find("[^%w%+/=]") or s:find("=[^=]") then
    return nil
  end
  local out = {}
  for i = 1, #s, 4 do
    local n, pad = 0, 0
    for j = i, i + 3 do
      local ch = s:sub(j, j)
      local idx = B64:find(ch, 1, true)
      if ch == "=" then
        pad, idx = pad + 1, 1
      end
      n = (n << 6) | (idx - 1)
    end
    local bytes = string.char((n >> 16) & 255, (n >> 8) & 255, n & 255)
    out[#out + 1] = bytes:sub(1, 3 - pad)
  end
  return table.concat(out)
end

return cli_output
