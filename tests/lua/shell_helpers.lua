-- SPDX-License-Identifier: MIT
-- Shared by the specs of the `appmesh` shell command (integration_shell_spec.lua and
-- integration_shell_aws_spec.lua): running the command (or another program) in a clean
-- environment against the emulator, and reading what it printed.
local integration = dofile("tests/lua/integration.lua")

local shell = {}

local q = integration.shell_quote
local APPMESH = integration.build .. "/appmesh"
local MESH = integration.MESH
local SERVICE = "colorteller.demo.local"

local function read(path)
  return integration.read_file(path) or ""
end

--- The environment of one run: the emulator's keys and region, no file or variable of the
--- machine's AWS set-up, plus `extra` (name -> value, or false to unset).
local function env(extra)
  local vars = {
    AWS_ACCESS_KEY_ID = integration.ACCESS_KEY,
    AWS_SECRET_ACCESS_KEY = integration.SECRET_KEY,
    AWS_REGION = "us-east-1",
    AWS_CONFIG_FILE = "/nonexistent/appmesh-test-config",
    AWS_SHARED_CREDENTIALS_FILE = "/nonexistent/appmesh-test-credentials",
    AWS_PAGER = "",
    TZ = "UTC",
  }
  for k, v in pairs(extra or {}) do
    vars[k] = v
  end
  local parts = { "env", "-u", "AWS_DEFAULT_OUTPUT", "-u", "AWS_PROFILE", "-u", "APPMESH_LOG" }
  local names = {}
  for k in pairs(vars) do
    names[#names + 1] = k
  end
  table.sort(names)
  for _, k in ipairs(names) do -- env takes its -u options before the assignments
    if vars[k] == false then
      table.insert(parts, 2, "-u " .. k)
    end
  end
  for _, k in ipairs(names) do
    if vars[k] ~= false then
      parts[#parts + 1] = k .. "=" .. q(vars[k])
    end
  end
  return table.concat(parts, " ")
end

--- Run `program args...` (args a list, each quoted); returns stdout, stderr, exit status.
local function run(program, args, extra_env, stdin)
  local quoted = {}
  for i, a in ipairs(args) do
    quoted[i] = q(a)
  end
  local err_path = os.tmpname()
  local cmd = env(extra_env) .. " " .. program .. " " .. table.concat(quoted, " ") .. " 2>"
    .. q(err_path) .. (stdin and (" <" .. q(stdin)) or " </dev/null")
  local out, _, _, code = integration.run(cmd)
  local err = read(err_path)
  os.remove(err_path)
  return out, err, code
end

local function appmesh(args, extra_env)
  return run(q(APPMESH), args, extra_env)
end

local function write_temp(text)
  local path = os.tmpname()
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
  return path
end

-- The keys of a JSON object in the order the text has them (top level of `text`'s object at
-- `indent` spaces).
local function keys_at(text, indent)
  local keys = {}
  for k in text:gmatch("\n" .. string.rep(" ", indent) .. '"([^"]+)": ') do
    keys[#keys + 1] = k
  end
  return keys
end

local ISO = "^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%d[%.%d]*[%+%-]%d%d:%d%d$"

shell.q = q
shell.APPMESH = APPMESH
shell.MESH = MESH
shell.SERVICE = SERVICE
shell.ISO = ISO
shell.read = read
shell.env = env
shell.run = run
shell.appmesh = appmesh
shell.write_temp = write_temp
shell.keys_at = keys_at

--- For the emulator `emu` (an integration fixture): call(args, env) runs appmesh with
--- --endpoint-url set to it; requests() counts the App Mesh requests it has logged.
function shell.on(emu)
  local function call(args, extra_env)
    local a = { table.unpack(args) }
    a[#a + 1] = "--endpoint-url"
    a[#a + 1] = emu.url
    return appmesh(a, extra_env)
  end
  local function requests()
    local n = 0
    for _, r in ipairs(emu.log()) do
      if not tostring(r.path or ""):find("/_emulator/", 1, true) then
        n = n + 1
      end
    end
    return n
  end
  return call, requests
end

return shell
