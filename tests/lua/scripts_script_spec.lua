-- SPDX-License-Identifier: MIT
-- appmesh.script, the frame of the operator scripts: the command line, --help, usage errors
-- (exit 2 with the pointer to --help), the one MANIFEST, and the body's exit status.
local script = require "appmesh.script"
local sh = dofile("tests/lua/scripts_helpers.lua")
local captured = sh.captured

local FLAGS = { quiet = { kind = "boolean" }, region = { kind = "string" } }

local function run(d, argv)
  return captured(script.main, d, argv)
end

-- A script definition; `main` returns 1 with --quiet, else 0, unless given.
local function def(given)
  given = given or {}
  return { name = "probe", usage = "usage: probe MANIFEST\n", flags = FLAGS, check = given.check,
    main = given.main or function(opts)
      return opts.quiet and 1 or 0
    end }
end

describe("script.main", function()
  it("prints the usage on --help and -h and returns 0 without running main", function()
    for _, flag in ipairs({ "--help", "-h" }) do
      local status, out, err = run(def{ main = error }, { flag })
      assert.equal(0, status)
      assert.equal("usage: probe MANIFEST\n", out)
      assert.equal("", err)
    end
  end)

  it("refuses an unknown flag with exit 2, the name and the pointer to --help", function()
    local status, out, err = run(def(), { "m.json", "--bogus" })
    assert.equal(2, status)
    assert.equal("", out)
    assert.matches("^probe: .*bogus.*\nusage: see probe%.lua %-%-help\n$", err)
  end)

  it("asks for exactly one MANIFEST by default", function()
    local status, _, err = run(def(), {})
    assert.equal(2, status)
    assert.equal("probe: missing MANIFEST\nusage: see probe.lua --help\n", err)
    status, _, err = run(def(), { "a.json", "b.json" })
    assert.equal(2, status)
    assert.equal("probe: unexpected argument 'b.json' (one MANIFEST)\n"
      .. "usage: see probe.lua --help\n", err)
  end)

  it("uses the script's own check instead, and refuses what it returns", function()
    local d = def{ check = function(opts)
      return opts.region == nil and "--region is needed" or nil
    end }
    local status, _, err = run(d, {})
    assert.equal(2, status)
    assert.equal("probe: --region is needed\nusage: see probe.lua --help\n", err)
    assert.equal(0, (run(d, { "--region", "r" })))
  end)

  it("returns what main returns, and hands it the parsed flags and the argv", function()
    local seen
    local d = def{ main = function(opts, argv)
      seen = { opts = opts, argv = argv }
      return opts.quiet and 1 or 0
    end }
    local argv = { "m.json", "--quiet", [0] = "probe.lua" }
    assert.equal(1, (run(d, argv)))
    assert.equal(true, seen.opts.quiet)
    assert.same({ "m.json" }, seen.opts.positional)
    assert.equal(argv, seen.argv)
  end)
end)

describe("script.warn", function()
  it("prints each warning on stderr under the script's name, control characters escaped", function()
    local _, out, err = captured(script.warn, "probe", { "one", "two\27" })
    assert.equal("", out)
    assert.equal("probe: warning: one\nprobe: warning: two\\x1b\n", err)
  end)
end)
