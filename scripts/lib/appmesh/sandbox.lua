-- SPDX-License-Identifier: MIT
-- Running user Lua (policy files, their checks, Lua manifests) in a restricted environment
-- under an instruction and CPU-time limit, so code that errors or never returns is reported
-- instead of hanging a run.
local codec = require "appmesh.codec"

local sandbox = {}

local LIMIT = setmetatable({}, {
  __tostring = function()
    return "limit reached"
  end,
})
local HOOK_STEP = 1000

-- The guard of the call that is running now (calls never nest).
local active = nil

local function rethrow_if_tripped(...)
  if active and active.tripped then
    error(LIMIT, 0)
  end
  return ...
end

--- Globals user code sees: plain functions and copies of the pure libraries, with pcall and
--- xpcall that cannot swallow the limit. `extra` (optional) adds or replaces globals.
-- @treturn table the environment
function sandbox.env(extra)
  local env = {
    assert = assert, error = error, ipairs = ipairs, next = next, pairs = pairs,
    select = select, tonumber = tonumber, tostring = tostring, type = type,
    rawequal = rawequal, rawget = rawget, rawlen = rawlen, rawset = rawset,
    setmetatable = setmetatable, getmetatable = getmetatable,
    string = codec.copy(string), table = codec.copy(table), math = codec.copy(math),
    utf8 = codec.copy(utf8),
    _VERSION = _VERSION,
  }
  -- The strings' metatable is the scripts' own string library: user code must not reach it.
  env.getmetatable = function(v)
    if type(v) == "string" then
      return nil
    end
    return getmetatable(v)
  end
  -- A finalizer runs whenever the collector gets to it, outside any limit.
  env.setmetatable = function(t, mt)
    if type(mt) == "table" and rawget(mt, "__gc") ~= nil then
      error("setmetatable: __gc is not allowed here", 2)
    end
    return setmetatable(t, mt)
  end
  env.pcall = function(f, ...)
    return rethrow_if_tripped(pcall(f, ...))
  end
  env.xpcall = function(f, h, ...)
    return rethrow_if_tripped(xpcall(f, h, ...))
  end
  for k, v in pairs(extra or {}) do
    env[k] = v
  end
  return env
end

-- A deep copy of v made of plain tables (raw reads, no metatables; a table met twice is
-- copied once), so that nothing the caller does with it runs user code.
local function plain(v, seen)
  if type(v) ~= "table" then
    return v
  end
  if seen[v] then
    return seen[v]
  end
  local out = {}
  seen[v] = out
  local k, x = next(v)
  while k ~= nil do
    rawset(out, plain(k, seen), plain(x, seen))
    k, x = next(v, k)
  end
  return out
end

-- An error value as a message (a table's __tostring runs here, under the limit).
local function message(e)
  if e == LIMIT or type(e) == "string" then
    return e
  end
  return tostring(e)
end

-- Run fn(...) and hand back its first result as plain data, or raise its error as a message:
-- in the limited coroutine, so no metamethod of what user code returns or raises runs outside.
local function contained(fn, ...)
  local r = table.pack(xpcall(fn, message, ...))
  if not r[1] then
    error(r[2], 0)
  end
  return plain(r[2], {})
end

--- Call fn(...) in its own coroutine under limits = {instructions, seconds} (Lua VM
--- instructions of that coroutine, and process CPU seconds; C functions such as string.find
--- run to completion between checks). The result comes back as plain data (tables copied
--- without their metatables), and an error as its message.
-- @treturn boolean ok
-- @return the first result, or the error message
function sandbox.call(limits, fn, ...)
  local co = coroutine.create(contained)
  local guard = { tripped = false, count = 0, deadline = os.clock() + limits.seconds }
  debug.sethook(co, function()
    guard.count = guard.count + HOOK_STEP
    if guard.tripped then
      error(LIMIT, 0)
    elseif guard.count > limits.instructions then
      guard.tripped = string.format("stopped after %d instructions (the limit)",
        limits.instructions)
      error(LIMIT, 0)
    elseif os.clock() > guard.deadline then
      guard.tripped = string.format("stopped after %g s (the limit)", limits.seconds)
      error(LIMIT, 0)
    end
  end, "", HOOK_STEP)
  local saved = active
  active = guard
  local ok, result = coroutine.resume(co, fn, ...)
  active = saved
  if guard.tripped then
    return false, guard.tripped
  elseif not ok then
    return false, tostring(result)
  elseif coroutine.status(co) ~= "dead" then
    return false, "yielded (it must return)"
  end
  return true, result
end

return sandbox
