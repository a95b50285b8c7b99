-- SPDX-License-Identifier: MIT
-- appmesh.sandbox: the globals user Lua (policy files, Lua manifests) sees, and calls under an
-- instruction and CPU-time limit that code which errors, yields or never returns cannot escape.
local sandbox = require "appmesh.sandbox"

-- Plenty of instructions and seconds for anything that returns.
local ROOMY = { instructions = 1e9, seconds = 60 }

--- A function compiled from `src` with the sandbox's globals (plus `extra`).
local function compile(src, extra)
  return assert(load(src, "=user", "t", sandbox.env(extra)))
end

describe("sandbox.env", function()
  it("leaves out what reaches the system, the loader or the debug library", function()
    local env = sandbox.env()
    for _, name in ipairs { "io", "os", "require", "load", "loadfile", "dofile", "debug",
      "package", "collectgarbage", "coroutine", "print" } do
      assert.is_nil(env[name], name)
    end
    for _, name in ipairs { "pairs", "ipairs", "type", "tostring", "error", "pcall", "xpcall",
      "setmetatable", "string", "table", "math", "utf8" } do
      assert.is_not_nil(env[name], name)
    end
  end)

  it("gives copies of the libraries: user code cannot change the scripts' own", function()
    local ok = sandbox.call(ROOMY, compile("string.rep = nil; table.concat = 1; return true"))
    assert.is_true(ok)
    assert.is_function(string.rep)
    assert.is_function(table.concat)
    assert.equal("aa", ("a"):rep(2)) -- the strings' metatable is the real library
  end)

  it("keeps the strings' metatable out of reach: user code cannot change the scripts' library",
    function()
      sandbox.call(ROOMY, compile("getmetatable('').__index.upper = function() return 'x' end"))
      assert.equal("A", ("a"):upper())
      assert.is_nil(sandbox.call(ROOMY, compile("return getmetatable('')")) and nil)
      assert.same({ true, true }, { sandbox.call(ROOMY,
        compile("return getmetatable(setmetatable({}, { x = 1 })).x == 1")) })
    end)

  it("refuses a __gc metamethod, which would run outside any limit", function()
    local ok, err = sandbox.call(ROOMY,
      compile("setmetatable({}, { __gc = function() while true do end end }); return 1"))
    assert.is_false(ok)
    assert.matches("__gc", err)
  end)

  it("adds or replaces globals with extra", function()
    local env = sandbox.env { services = "helper", pairs = "replaced" }
    assert.equal("helper", env.services)
    assert.equal("replaced", env.pairs)
  end)
end)

describe("sandbox.call", function()
  it("returns true and the first result, passing the arguments", function()
    assert.same({ true, 5 }, { sandbox.call(ROOMY, function(a, b)
      return a + b, "second"
    end, 2, 3) })
  end)

  it("returns false and the message of an error", function()
    assert.same({ false, "user:1: no" }, { sandbox.call(ROOMY, compile("error('no')")) })
    assert.same({ false, "plain" }, { sandbox.call(ROOMY, function()
      error("plain", 0)
    end) })
  end)

  it("stops code that never returns after the instruction limit", function()
    assert.same({ false, "stopped after 5000 instructions (the limit)" },
      { sandbox.call({ instructions = 5000, seconds = 60 }, compile("while true do end")) })
  end)

  it("stops code that never returns after the CPU-time limit", function()
    -- the CPU clock passes 0 s long before 1e7 instructions have run (tens of milliseconds)
    assert.same({ false, "stopped after 0 s (the limit)" },
      { sandbox.call({ instructions = 1e7, seconds = 0 }, compile("while true do end")) })
  end)

  it("keeps the limit when user code catches it with pcall or xpcall", function()
    local limits = { instructions = 20000, seconds = 60 }
    for _, src in ipairs {
      "pcall(function() while true do end end); reached()",
      "xpcall(function() while true do end end, function() return 'ok' end); reached()",
    } do
      local after = false
      local f = compile(src, { reached = function()
        after = true
      end })
      assert.same({ false, "stopped after 20000 instructions (the limit)" },
        { sandbox.call(limits, f) }, src)
      assert.is_false(after, "ran on after the limit: " .. src)
    end
  end)

  it("lets pcall catch user code's own errors", function()
    assert.same({ true, "caught: user:1: inner" }, { sandbox.call(ROOMY,
      compile("local ok, e = pcall(function() error('inner') end); return 'caught: ' .. e")) })
  end)

  it("turns a raised value into its message under the limit", function()
    assert.same({ false, "stopped after 5000 instructions (the limit)" }, { sandbox.call(
      { instructions = 5000, seconds = 60 },
      compile("error(setmetatable({}, { __tostring = function() while true do end end }))")) })
    assert.same({ false, "told" }, { sandbox.call(ROOMY,
      compile("error(setmetatable({}, { __tostring = function() return 'told' end }))")) })
  end)

  it("hands back plain data: no metamethod of the result runs outside the limit", function()
    local loop = "function() while true do end end"
    local ok, r = sandbox.call({ instructions = 1e6, seconds = 60 }, compile(
      "local shared = { 3 }\n"
      .. "return setmetatable({ 1, 2, k = setmetatable({ shared, shared }, { __index = " .. loop
      .. " }), f = print }, { __len = " .. loop .. ", __index = " .. loop .. ", __pairs = "
      .. loop .. " })", { print = print }))
    assert.is_true(ok)
    assert.is_nil(getmetatable(r))
    assert.is_nil(getmetatable(r.k))
    assert.equal(2, #r)
    assert.is_nil(r.missing)
    assert.equal(3, r.k[1][1])
    assert.equal(r.k[1], r.k[2]) -- a table met twice is copied once
    assert.equal(print, r.f)
    local keys = 0
    for _ in pairs(r) do
      keys = keys + 1
    end
    assert.equal(4, keys)
  end)

  it("refuses code that yields instead of returning", function()
    assert.same({ false, "yielded (it must return)" }, { sandbox.call(ROOMY, function()
      coroutine.yield(1)
    end) })
  end)

  it("starts each call with its own count: a stopped call does not stop the next", function()
    local limits = { instructions = 5000, seconds = 60 }
    assert.is_false((sandbox.call(limits, compile("while true do end"))))
    -- the stopped call's limit is over: pcall outside any call is the plain one
    assert.same({ false, "x" }, { sandbox.env().pcall(error, "x", 0) })
    assert.same({ true, 3 }, { sandbox.call(limits, compile("return 1 + 2")) })
  end)
end)
