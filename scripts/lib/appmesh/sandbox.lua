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

--- Call fn(...) in its own coroutine under limits = {instructions, seconds} (Lua VM
--- instructions of that coroutine, and process CPU seconds; C functions such as string.find
--- run to completion between checks).
-- @treturn boolean ok
-- @return the first result, or the error message
function sandbox.call(limits, fn, ...)
  local co = coroutine.create(fn)
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
  local ok, result = coroutine.resume(co, ...)
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
