-- SPDX-License-Identifier: MIT
-- Shared by the scripts' specs: temporary files, running a script, the emulator.
local cjson = require "cjson"

local sh = {}

-- the test keys, the Python, the build directory and the file helpers are the binding specs'
local helpers = dofile("tests/lua/helpers.lua")
sh.ACCESS_KEY = helpers.ACCESS_KEY
sh.SECRET_KEY = helpers.SECRET_KEY
sh.PYTHON = helpers.PYTHON
sh.build = helpers.build

local quote = helpers.shell_quote
sh.quote = quote
sh.read = helpers.read_file
sh.write = helpers.write_file

--- Call fn(...) with io.stdout and io.stderr replaced by sinks; returns fn's first result, what
--- was written to stdout and what to stderr. A sink's close writes "<closed>" into it (a
--- caller must not close the process's stdout). Raises what fn raised.
function sh.captured(fn, ...)
  local out, err = {}, {}
  local function sink(into)
    return {
      write = function(self, ...)
        for _, piece in ipairs { ... } do
          into[#into + 1] = piece
        end
        return self
      end,
      flush = function(self)
        return self
      end,
      close = function()
        into[#into + 1] = "<closed>"
      end,
    }
  end
  local real_out, real_err = io.stdout, io.stderr
  io.stdout, io.stderr = sink(out), sink(err)
  local ok, result = pcall(fn, ...)
  io.stdout, io.stderr = real_out, real_err
  assert(ok, result)
  return result, table.concat(out), table.concat(err)
end

-- One temporary directory per spec file (forks are slow under the sanitizers' preloaded
-- runtime, so the specs make few of them); sh.tmpdir() hands out fresh subdirectories of it.
local root, counter = nil, 0
local function mkdir(path)
  assert(os.execute("mkdir " .. quote(path)), "cannot create " .. path)
end

function sh.tmpdir()
  if not root then
    local p = assert(io.popen("mktemp -d /tmp/appmesh-scripts-XXXXXX", "r"))
    root = p:read("l")
    p:close()
  end
  counter = counter + 1
  local dir = string.format("%s/%d", root, counter)
  mkdir(dir)
  return dir
end

function sh.cleanup()
  if root then
    os.execute("rm -rf " .. quote(root))
    root, counter = nil, 0
  end
end

--- A fresh path ending in `name`, not yet created.
function sh.path(name)
  if not root then
    sh.tmpdir()
  end
  counter = counter + 1
  return string.format("%s/%d-%s", root, counter, name)
end

--- Write `text` to a new file named `name` (in a directory of its own); returns its path.
function sh.file(name, text)
  local path = sh.path(name)
  sh.write(path, text)
  return path
end

--- Lines of a JSON Lines file, decoded.
function sh.jsonl(path)
  local out = {}
  for line in (sh.read(path) or ""):gmatch("[^\n]+") do
    out[#out + 1] = cjson.decode(line)
  end
  return out
end

--- The command that runs a script: build/appmesh-lua when it exists, else lua5.4 with the
--- module on LUA_CPATH (the scripts find scripts/lib themselves).
function sh.lua_command()
  local host = sh.build .. "/appmesh-lua"
  local f = io.open(host, "rb")
  if f then
    f:close()
    return quote(host)
  end
  return "env LUA_CPATH=" .. quote(sh.build .. "/?.so;;") .. " lua5.4"
end

--- Run `scripts/<script>` with arguments (a list) and environment (name -> value, false to
--- unset). Returns stdout, stderr, exit status.
function sh.run(script, args, env)
  local dir = sh.tmpdir()
  local parts = { "env" }
  for name, value in pairs(env or {}) do
    if value == false then
      parts[#parts + 1] = "-u " .. name
    end
  end
  for name, value in pairs(env or {}) do
    if value ~= false then
      parts[#parts + 1] = name .. "=" .. quote(value)
    end
  end
  parts[#parts + 1] = sh.lua_command()
  parts[#parts + 1] = quote("scripts/" .. script)
  for _, a in ipairs(args or {}) do
    parts[#parts + 1] = quote(a)
  end
  local cmd = table.concat(parts, " ") .. " >" .. quote(dir .. "/out")
    .. " 2>" .. quote(dir .. "/err")
  local _, _, code = os.execute(cmd)
  return sh.read(dir .. "/out") or "", sh.read(dir .. "/err") or "", code
end

--- Start `scripts/<script>` in the background (arguments and environment as sh.run). Returns a
--- handle for sh.signal and sh.wait; `handle.pid` is the script's process.
function sh.spawn(script, args, env)
  local dir = sh.tmpdir()
  local parts = { "env" }
  for name, value in pairs(env or {}) do
    parts[#parts + 1] = name .. "=" .. quote(value)
  end
  parts[#parts + 1] = sh.lua_command()
  parts[#parts + 1] = quote(script:find("/", 1, true) and script or ("scripts/" .. script))
  for _, a in ipairs(args or {}) do
    parts[#parts + 1] = quote(a)
  end
  local cmd = table.concat(parts, " ") .. " </dev/null >" .. quote(dir .. "/out") .. " 2>"
    .. quote(dir .. "/err")
  assert(os.execute("(" .. cmd .. " & echo $! >" .. quote(dir .. "/pid.tmp") .. "; mv "
    .. quote(dir .. "/pid.tmp") .. " " .. quote(dir .. "/pid") .. "; wait $!; echo $? >"
    .. quote(dir .. "/status.tmp") .. "; mv " .. quote(dir .. "/status.tmp") .. " "
    .. quote(dir .. "/status") .. ") >/dev/null 2>&1 &"))
  local h = { dir = dir }
  for _ = 1, 2000 do
    local pid = sh.read(dir .. "/pid")
    if pid then
      h.pid = assert(tonumber(pid:match("%d+")))
      return h
    end
    os.execute("sleep 0.01")
  end
  error("the script did not start: " .. cmd)
end

--- Wait until `cond()` is true, polling (at most about `limit` seconds, default 60); returns
--- whether it became true.
function sh.wait_for(cond, limit)
  for _ = 1, (limit or 60) * 20 do
    if cond() then
      return true
    end
    os.execute("sleep 0.05")
  end
  return cond() and true or false
end

--- Send a signal ("INT", "TERM", "KILL") to a spawned script.
function sh.signal(h, sig)
  assert(os.execute("kill -" .. sig .. " " .. h.pid))
end

--- Wait for a spawned script to end: stdout, stderr, exit status (128 + n when a signal ended it).
function sh.wait(h)
  assert(sh.wait_for(function()
    return sh.read(h.dir .. "/status") ~= nil
  end, 120), "the script did not end: " .. (sh.read(h.dir .. "/err") or ""))
  return sh.read(h.dir .. "/out") or "", sh.read(h.dir .. "/err") or "",
    tonumber(sh.read(h.dir .. "/status"):match("%d+"))
end

--- Whether a spawned script has ended.
function sh.ended(h)
  return sh.read(h.dir .. "/status") ~= nil
end

return sh
