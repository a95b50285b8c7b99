-- SPDX-License-Identifier: MIT
-- `make demo`: examples/run_demo.sh runs examples/demo.lua against a fresh emulator, and leaves
-- nothing running afterwards: not when the script fails, not when the run is terminated.
local integration = dofile("tests/lua/integration.lua")
if not integration.enabled then
  return -- run by the CTest integration.demo (see tests/lua/integration.lua)
end

local q = integration.shell_quote

--- Run examples/run_demo.sh (with a Lua script of ours when `script` is given); returns the
--- output (stdout and stderr), the exit code, and the emulator's URL and pid it announced.
local function run_demo(script)
  local args = q(integration.build)
  local path
  if script then
    path = os.tmpname()
    local f = assert(io.open(path, "wb"))
    f:write(script)
    f:close()
    args = args .. " " .. q(path)
  end
  local out, _, _, code = integration.run("sh examples/run_demo.sh " .. args .. " 2>&1")
  if path then
    os.remove(path)
  end
  local url, pid = out:match("^Local App Mesh emulator at (%S+) %(pid (%d+)%)")
  return out, code, url, pid
end

--- Whether process `pid` is gone (a zombie counts as gone: it no longer runs).
local function gone(pid)
  local stat = integration.read_file("/proc/" .. pid .. "/stat")
  return stat == nil or stat:match("^%d+ %b() (%a)") == "Z"
end

local function assert_stopped(url, pid)
  assert.is_string(url, "no emulator URL in the output")
  assert.is_false(integration.listening(url), "the emulator still answers at " .. url)
  assert.is_true(gone(pid), "the emulator (pid " .. pid .. ") still runs")
end

describe("examples/run_demo.sh", function()
  it("runs the demo: new router and route, policy check, dry run, switch, describe, summary; "
    .. "then stops the emulator",
    function()
      local out, code, url, pid = run_demo()
      assert.equal(0, code, out)
      local expected = {
        "Running examples/demo.lua with ",
        "  created  virtualRouter colorteller-canary-vr  version 1, ACTIVE\n",
        "  created  route canary                         colorteller-red-vn 90%, "
          .. "colorteller-blue-vn 10%\n",
        "  allow  colorteller.demo.local\n",
        "  allow  colorteller-red.demo.local\n",
        "  deny   tcpecho.demo.local             router-must-exist: virtual router tcpecho-vr "
          .. "does not exist in mesh demo-mesh\n",
        "  => 4 allowed, 1 denied\n",
        "  PUT " .. url
          .. "/v20190125/meshes/demo-mesh/virtualServices/colorteller-blue.demo.local\n",
        "Signature=<redacted>\n",
        '"spec":{"provider":{"virtualRouter":{"virtualRouterName":"colorteller-vr"}}}}\n',
        "  updated  colorteller-white.demo.local   -> virtualRouter colorteller-vr, version 2, "
          .. "ACTIVE (1 attempt, request ",
        "  updated  colorteller.demo.local         -> virtualRouter colorteller-canary-vr, "
          .. "version 2, ACTIVE (1 attempt, request ",
        "  route canary of colorteller-canary-vr: colorteller-red-vn 90%, colorteller-blue-vn 10%\n",
        "Summary: 4 updated, 1 denied, 0 failed (mesh demo-mesh, 5 planned)\n",
        "  colorteller-red.demo.local     virtualRouter colorteller-vr        version 2\n",
        "  colorteller.demo.local         virtualRouter colorteller-canary-vr version 2\n",
        "  tcpecho.demo.local             virtualNode tcpecho-vn              version 1\n",
      }
      for _, text in ipairs(expected) do
        assert.is_truthy(out:find(text, 1, true), "not in the output: " .. text .. "\n" .. out)
      end
      assert.is_nil(out:find(integration.SECRET_KEY, 1, true))
      assert.equal(4, select(2, out:gsub("\n  updated  ", "")))
      -- the dry run sent nothing: only the four applied PUTs changed versions (checked above)
      assert_stopped(url, pid)
    end)

  it("stops the emulator when the script fails, and exits with the script's status", function()
    local out, code, url, pid = run_demo([[
      assert(os.getenv("AWS_ENDPOINT_URL_APP_MESH"):match("^http://127%.0%.0%.1:%d+$"))
      io.stderr:write("failing on purpose\n")
      os.exit(3)
    ]])
    assert.equal(3, code, out)
    assert.matches("failing on purpose", out)
    assert_stopped(url, pid)
  end)

  it("stops the emulator and the script when it is terminated mid-run", function()
    local out, code, url, pid = run_demo([[
      -- SIGTERM to run_demo.sh (this host's parent), then keep running until it stops us
      local stat = assert(io.open("/proc/self/stat")):read("a")
      local ppid = stat:match("^%d+ %b() %a (%d+)")
      os.execute("kill -TERM " .. ppid)
      local t0 = os.time()
      while os.time() - t0 < 20 do end
      print("still running")
    ]])
    assert.equal(143, code, out)
    assert.is_nil(out:find("still running", 1, true))
    assert_stopped(url, pid)
  end)
end)
