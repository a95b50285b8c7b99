-- SPDX-License-Identifier: MIT
-- Shared by the scripts' specs: temporary files, running a script, the emulator.
local cjson = require "cjson"

local sh = {}

sh.ACCESS_KEY = "AKIDEXAMPLE"
sh.SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
sh.PYTHON = "/usr/bin/python3"
sh.build = os.getenv("APPMESH_BUILD") or "build"

local function quote(s)
  return "'" .. tostring(s):gsub("'", [['\'']]) .. "'"
end
sh.quote = quote

function sh.read(path)
  local f = io.open(path, "rb")
  if not f then
    return nil
  end
  local s = f:read("a")
  f:close()
  return s
end

function sh.write(path, s)
  local f = assert(io.open(path, "wb"))
  f:write(s)
  f:close()
end

--- A fresh temporary directory, removed by sh.cleanup().
local dirs = {}
function sh.tmpdir()
  local p = assert(io.popen("mktemp -d /tmp/appmesh-scripts-XXXXXX", "r"))
  local dir = p:read("l")
  p:close()
  dirs[#dirs + 1] = dir
  return dir
end

function sh.cleanup()
  for _, dir in ipairs(dirs) do
    os.execute("rm -rf " .. quote(dir))
  end
  dirs = {}
end

--- Write `text` to a new file named `name` in a new temporary directory; returns its path.
function sh.file(name, text)
  local path = sh.tmpdir() .. "/" .. name
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
  local cmd = table.concat(parts, " ") .. " >" .. quote(dir .. "/out") .. " 2>" .. quote(dir .. "/err")
  local _, _, code = os.execute(cmd)
  return sh.read(dir .. "/out") or "", sh.read(dir .. "/err") or "", code
end

return sh
