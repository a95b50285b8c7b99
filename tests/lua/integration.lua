-- SPDX-License-Identifier: MIT
-- Shared by the integration specs: the local App Mesh emulator as a child process, its control API.
--
-- The integration specs (tests/lua/integration_*_spec.lua) run only when APPMESH_INTEGRATION is
-- set (the CTests integration.* set it), so that the binding's own `lua.specs` run, which globs
-- every *_spec.lua, does not start emulators a second time. By hand, from the repository root:
--   APPMESH_INTEGRATION=1 busted --cpath='build/?.so' tests/lua/integration_emulator_spec.lua
local cjson = require "cjson"
local system = require "system"

local integration = {}

integration.enabled = os.getenv("APPMESH_INTEGRATION") ~= nil
-- the test keys, the Python, the build directory and the file helpers are the binding specs'
local helpers = dofile("tests/lua/helpers.lua")
integration.ACCESS_KEY = helpers.ACCESS_KEY
integration.SECRET_KEY = helpers.SECRET_KEY
integration.ACCOUNT = "123456789012"
integration.PYTHON = helpers.PYTHON
integration.EMULATOR = "tests/emulator/appmesh_emulator.py"
integration.SEED = "tests/emulator/seed-demo.json"
integration.MESH = "demo-mesh"
integration.build = helpers.build

local shell_quote = helpers.shell_quote
integration.shell_quote = shell_quote
local read_file = helpers.read_file
integration.read_file = read_file

--- Run a shell command; returns its stdout, and true when it exited 0 (plus the exit kind/code).
--- Under the sanitizers lua5.4 runs with the ASan runtime in LD_PRELOAD: children never inherit it.
function integration.run(cmd)
  local pipe = assert(io.popen("exec env -u LD_PRELOAD " .. cmd, "r"))
  local out = pipe:read("a")
  local ok, how, code = pipe:close()
  return out, ok == true, how, code
end

--- Whether something accepts TCP connections at url (curl connects and gives up at once).
function integration.listening(url)
  local _, _, _, code = integration.run("curl -s --noproxy '*' -o /dev/null --max-time 2 -k "
    .. shell_quote(url .. "/_emulator/info"))
  return code ~= 7 -- CURLE_COULDNT_CONNECT
end

--- A busted fixture for the enclosing describe block: starts the emulator before its first test
--- (opts as for start_emulator, or a function returning them, called then), stops it after the
--- last one asserting a clean exit, and resets its state before each test unless
--- opts.keep_state (or opts is a function). Returns the emulator object, usable once the block
--- runs.
function integration.emulator_fixture(opts)
  local busted = require "busted" -- the running busted's API (the spec's globals are not ours)
  local emu, started = {}, nil
  busted.lazy_setup(function()
    started = integration.start_emulator(type(opts) == "function" and opts() or opts)
    setmetatable(emu, { __index = started })
  end)
  busted.lazy_teardown(function()
    if started then
      started.stop()
      if started.exit_code ~= 0 then
        error("the emulator exited with status " .. tostring(started.exit_code), 0)
      end
    end
  end)
  if type(opts) == "table" and not opts.keep_state then
    busted.before_each(function()
      emu.reset()
    end)
  end
  return emu
end

--- Start the emulator: opts.state (a file, default none), opts.tls, opts.args (a list of extra
--- flags). Returns an object: url, ca (with tls), pid, and the control methods below. The child
--- gets SIGTERM when this process dies (setpriv --pdeathsig), so a crashed run leaves nothing
--- behind; stop() is the normal way out.
function integration.start_emulator(opts)
  opts = opts or {}
  local stderr_path = os.tmpname()
  local argv = { "--port", "0" }
  if opts.state then
    argv[#argv + 1] = "--state"
    argv[#argv + 1] = opts.state
  end
  if opts.tls then
    argv[#argv + 1] = "--tls"
  end
  for _, a in ipairs(opts.args or {}) do
    argv[#argv + 1] = a
  end
  for i, a in ipairs(argv) do
    argv[i] = shell_quote(a)
  end
  -- The shell prints its pid, then execs (env, setpriv, python: the pid stays the emulator's).
  local cmd = "echo $$; exec env -u LD_PRELOAD setpriv --pdeathsig TERM " .. integration.PYTHON
    .. " " .. integration.EMULATOR .. " " .. table.concat(argv, " ") .. " 2>"
    .. shell_quote(stderr_path)
  local pipe = assert(io.popen(cmd, "r"))
  local pid = math.tointeger(tonumber(pipe:read("l")))
  local url = pipe:read("l")
  local ca = opts.tls and pipe:read("l") or nil
  if not pid or not url or not url:match("^https?://") or (opts.tls and not ca) then
    pipe:close()
    local why = read_file(stderr_path) or ""
    os.remove(stderr_path)
    error("the emulator did not start: " .. why, 2)
  end

  local emu = { url = url, ca = ca, pid = pid, stderr_path = stderr_path }
  local curl_tls = ca and (" --cacert " .. shell_quote(ca)) or ""

  --- A control request (METHOD, path under /_emulator/, optional Lua table body): decoded JSON.
  function emu.control(method, path, body)
    local cmd = "curl -sS --noproxy '*' --fail-with-body --max-time 10 -X " .. method .. curl_tls
      .. " -H 'Content-Type: application/json'"
    if body ~= nil then
      cmd = cmd .. " --data-binary " .. shell_quote(cjson.encode(body))
    end
    local out, ok = integration.run(cmd .. " " .. shell_quote(url .. "/_emulator/" .. path))
    if not ok then
      error("emulator control " .. method .. " " .. path .. " failed: " .. out, 2)
    end
    return cjson.decode(out)
  end

  --- The request log entries (App Mesh requests only) since the last reset_log(), oldest first.
  function emu.log()
    return emu.control("GET", "log?limit=10000").requests
  end

  function emu.reset_log()
    emu.control("POST", "reset-log")
  end

  --- Install a fault (or a list of faults); clear_faults() removes them all.
  function emu.fault(f)
    return emu.control("POST", "faults", f)
  end

  function emu.clear_faults()
    emu.control("DELETE", "faults")
  end

  --- Back to the state of the start: seed, no faults, empty log, tokens forgotten.
  function emu.reset()
    emu.control("POST", "reset")
  end

  --- The virtual service `name` of mesh `mesh` in GET /_emulator/state (nil when absent).
  function emu.service(mesh, name)
    for _, m in ipairs(emu.control("GET", "state").meshes) do
      if m.meshName == mesh then
        for _, vs in ipairs(m.virtualServices or {}) do
          if vs.virtualServiceName == name then
            return vs
          end
        end
      end
    end
    return nil
  end

  --- SIGTERM, then wait for the exit (pclose). Safe to call twice.
  function emu.stop()
    if emu.stopped then
      return
    end
    emu.stopped = true
    os.execute("kill -TERM " .. pid .. " 2>/dev/null")
    local _, _, code = pipe:close()
    emu.exit_code = code
    os.remove(stderr_path)
  end

  local ok, info = pcall(emu.control, "GET", "info")
  if not ok or info.pid ~= pid then
    emu.stop()
    error(ok and ("the emulator's pid is " .. tostring(info.pid) .. ", not " .. pid) or info, 2)
  end
  return emu
end

--- Client options for the emulator: explicit region, endpoint and keys, fast retries.
function integration.client_options(emu, extra)
  local o = {
    region = "us-east-1",
    endpoint = emu.url,
    credentials = {
      accessKeyId = integration.ACCESS_KEY,
      secretAccessKey = integration.SECRET_KEY,
    },
    retry_base_delay = 0.001,
    connect_timeout = 2,
    timeout = 10,
  }
  if emu.ca then
    o.ca_bundle = emu.ca
  end
  for k, v in pairs(extra or {}) do
    if v == false and k ~= "verify_tls" then
      o[k] = nil
    else
      o[k] = v
    end
  end
  return o
end

--- UpdateVirtualService params for the seeded demo mesh; `provider` is {node = N} or {router = R}.
function integration.params(service, provider, extra)
  local p = { meshName = integration.MESH, virtualServiceName = service, spec = {} }
  if provider and provider.node then
    p.spec.provider = { virtualNode = { virtualNodeName = provider.node } }
  elseif provider and provider.router then
    p.spec.provider = { virtualRouter = { virtualRouterName = provider.router } }
  end
  for k, v in pairs(extra or {}) do
    p[k] = v
  end
  return p
end

--- Wait (up to `seconds`) until pred() is true; returns its last value.
function integration.wait_for(pred, seconds)
  local deadline = system.monotime() + (seconds or 5)
  local v = pred()
  while not v and system.monotime() < deadline do
    system.sleep(0.02)
    v = pred()
  end
  return v
end


return integration
