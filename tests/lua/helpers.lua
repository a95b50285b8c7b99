-- SPDX-License-Identifier: MIT
-- Shared by the binding's specs: the loopback responder, test credentials, child processes.
local cjson = require "cjson"

local helpers = {}

helpers.ACCESS_KEY = "AKIDEXAMPLE"
helpers.SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
helpers.PYTHON = "/usr/bin/python3"

--- The build directory (APPMESH_BUILD, set by the CTest; "build" otherwise).
helpers.build = os.getenv("APPMESH_BUILD") or "build"

local function shell_quote(s)
  return "'" .. tostring(s):gsub("'", [['\'']]) .. "'"
end
helpers.shell_quote = shell_quote

local function read_file(path)
  local f = io.open(path, "rb")
  if not f then
    return nil
  end
  local s = f:read("a")
  f:close()
  return s
end
helpers.read_file = read_file

local function write_file(path, s)
  local f = assert(io.open(path, "wb"))
  f:write(s)
  f:close()
end
helpers.write_file = write_file

--- Start tests/lua/programs/responder.py; returns an object with url, queue(list), log(), reset(), stop().
function helpers.start_responder()
  -- env -u LD_PRELOAD: under the sanitizers lua5.4 has the ASan runtime preloaded; python3
  -- must not inherit it.
  local pipe = assert(io.popen("exec env -u LD_PRELOAD " .. helpers.PYTHON .. " tests/lua/programs/responder.py", "r"))
  local url = assert(pipe:read("l"), "responder printed no URL")
  local control = assert(pipe:read("l"), "responder printed no control path"):match("^control (.+)$")
  local pid = assert(pipe:read("l"), "responder printed no pid"):match("^pid (%d+)$")
  assert(url:match("^http://127%.0%.0%.1:%d+$"), "unexpected responder URL " .. url)
  local r = { url = url, control = control, pid = pid }

  --- Queue canned responses (see responder.py) for the next requests.
  function r.queue(list)
    local tmp = control .. "/queue.json.spec"
    write_file(tmp, cjson.encode(list))
    assert(os.rename(tmp, control .. "/queue.json"))
  end

  --- Every request received since the last reset, decoded.
  function r.log()
    local entries = {}
    local s = read_file(control .. "/log.jsonl") or ""
    for line in s:gmatch("[^\n]+") do
      entries[#entries + 1] = cjson.decode(line)
    end
    return entries
  end

  function r.reset()
    os.remove(control .. "/log.jsonl")
    r.queue({})
  end

  function r.stop()
    os.execute("kill " .. pid .. " 2>/dev/null")
    pipe:close()
    os.remove(control .. "/log.jsonl")
    os.remove(control .. "/queue.json")
    os.remove(control)
  end

  r.reset()
  return r
end

--- The responder (and a client on it) for a describe block: started once before its tests,
--- stopped after them, its log and queue reset before each test. `set(responder, client)`
--- receives them once they exist, for the block's own locals.
-- @tparam table|false|nil client_extra options added to helpers.client_options for the client;
--   false: no client, the responder alone (`set` receives it alone)
-- @tparam function set
function helpers.responder_fixture(client_extra, set)
  local busted = require "busted" -- the running busted's API (the spec's globals are not ours)
  local responder, client
  busted.lazy_setup(function()
    responder = helpers.start_responder()
    if client_extra ~= false then
      client = assert(require("appmesh").client(helpers.client_options(responder.url,
        client_extra)))
    end
    set(responder, client)
  end)
  busted.lazy_teardown(function()
    if client then
      client:close()
    end
    responder.stop()
  end)
  busted.before_each(function()
    responder.reset()
  end)
end

--- Client options for the responder: explicit region, endpoint, credentials, fast retries.
function helpers.client_options(url, extra)
  local o = {
    region = "us-east-1",
    endpoint = url,
    credentials = { accessKeyId = helpers.ACCESS_KEY, secretAccessKey = helpers.SECRET_KEY },
    retry_base_delay = 0.001,
    connect_timeout = 2,
    timeout = 5,
  }
  for k, v in pairs(extra or {}) do
    o[k] = v
  end
  return o
end

--- Valid UpdateVirtualService params; `extra` fields are merged in.
function helpers.params(extra)
  local p = {
    meshName = "ecs-mesh",
    virtualServiceName = "colorgateway.default.svc.cluster.local",
    spec = { provider = { virtualNode = { virtualNodeName = "colorgateway-vn" } } },
  }
  for k, v in pairs(extra or {}) do
    p[k] = v
  end
  return p
end

--- Run a Lua script in a child lua5.4 with `env` (a table name -> value, false to unset) and
--- the module on LUA_CPATH. Returns its stdout and whether it exited 0.
function helpers.run_child(script, env)
  local path = os.tmpname()
  write_file(path, script)
  local prefix = { "env" }
  for name, value in pairs(env or {}) do
    if value == false then
      prefix[#prefix + 1] = "-u " .. name
    end
  end
  for name, value in pairs(env or {}) do
    if value ~= false then
      prefix[#prefix + 1] = name .. "=" .. shell_quote(value)
    end
  end
  prefix[#prefix + 1] = "LUA_CPATH=" .. shell_quote(helpers.build .. "/?.so;;")
  local cmd = table.concat(prefix, " ") .. " lua5.4 " .. shell_quote(path) .. " 2>&1"
  local pipe = assert(io.popen(cmd, "r"))
  local out = pipe:read("a")
  local ok = pipe:close()
  os.remove(path)
  return out, ok
end

return helpers
