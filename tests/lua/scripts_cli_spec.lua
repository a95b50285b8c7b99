-- SPDX-License-Identifier: MIT
-- appmesh.cli: the operator scripts' flags (--name, --name VALUE, --name=VALUE, "--"), their
-- kinds and bounds, and --policy-arg KEY=VALUE pairs.
local cli = require "appmesh.cli"

describe("cli.parse", function()
  local FLAGS = {
    apply = { kind = "boolean" },
    policy = { kind = "string", multiple = true },
    concurrency = { kind = "integer", min = 1, max = 256 },
    rate = { kind = "number" },
    scale = { kind = "number", min = 0.01, max = 1000000 },
    ["dry-run"] = { kind = "boolean" },
  }

  it("reads flags in every form and keeps positional arguments", function()
    local o = assert(cli.parse({ "m.json", "--apply", "--policy", "a.lua", "--policy=b.lua",
      "--concurrency=4", "--rate", "2.5", "--dry-run", "--", "--x" }, FLAGS))
    assert.same({ "m.json", "--x" }, o.positional)
    assert.is_true(o.apply)
    assert.is_true(o.dry_run)
    assert.same({ "a.lua", "b.lua" }, o.policy)
    assert.equal(4, o.concurrency)
    assert.equal(2.5, o.rate)
  end)

  it("sees --help and -h", function()
    assert.is_true(assert(cli.parse({ "-h" }, FLAGS)).help)
    assert.is_true(assert(cli.parse({ "--help" }, FLAGS)).help)
  end)

  local errors = {
    { { "--bogus" }, "unknown option '--bogus' (see --help)" },
    { { "-x" }, "unknown option '-x' (see --help)" },
    { { "--concurrency" }, "--concurrency needs a value" },
    { { "--concurrency", "0" }, "--concurrency: expected an integer from 1 to 256, got '0'" },
    { { "--concurrency=2.5" }, "--concurrency: expected an integer from 1 to 256, got '2.5'" },
    { { "--rate", "-1" }, "--rate: expected a number greater than 0, got '-1'" },
    { { "--rate", "fast" }, "--rate: expected a number greater than 0, got 'fast'" },
    { { "--scale", "0.001" }, "--scale: expected a number from 0.01 to 1000000, got '0.001'" },
    { { "--scale", "1e7" }, "--scale: expected a number from 0.01 to 1000000, got '1e7'" },
    { { "--apply=yes" }, "--apply takes no value" },
    { { "--concurrency", "2", "--concurrency", "3" }, "--concurrency given twice" },
    { { "--policy=" }, "--policy: the value is empty" },
    { { "--policy", "--apply" }, "--policy needs a value, got the option '--apply' (write "
      .. "--policy=--apply for a value that starts with --)" },
    { { "--rate", "--", "1" }, "--rate needs a value, got the option '--' (write --rate=-- for "
      .. "a value that starts with --)" },
  }

  it("takes a value that starts with -- when it is written --name=--value", function()
    assert.same({ "--odd" }, assert(cli.parse({ "--policy=--odd" }, FLAGS)).policy)
    assert.same({ "-x.lua" }, assert(cli.parse({ "--policy", "-x.lua" }, FLAGS)).policy)
  end)
  for _, case in ipairs(errors) do
    it("refuses " .. table.concat(case[1], " "), function()
      local o, err = cli.parse(case[1], FLAGS)
      assert.is_nil(o)
      assert.equal(case[2], err)
    end)
  end

  it("keeps - (stdin) as a positional argument and stores a flag under its key", function()
    local flags = { report = { kind = "string", key = "report_path" } }
    local o = assert(cli.parse({ "-", "--report", "-" }, flags))
    assert.same({ "-" }, o.positional)
    assert.equal("-", o.report_path)
    assert.is_nil(o.report)
  end)

  it("says the bound of an integer flag with only a minimum", function()
    local o, err = cli.parse({ "--retries", "-2" }, { retries = { kind = "integer", min = 0 } })
    assert.is_nil(o)
    assert.equal("--retries: expected an integer of at least 0, got '-2'", err)
  end)
end)

describe("cli.key_values", function()
  it("reads KEY=VALUE pairs, as JSON when they are JSON", function()
    assert.same({ a = { "x", "y" }, b = 0.5, c = "plain", d = true, e = "null" },
      assert(cli.key_values({ 'a=["x","y"]', "b=0.5", "c=plain", "d=true", "e=null" }, "p")))
    local t, err = cli.key_values({ "novalue" }, "policy-arg")
    assert.is_nil(t)
    assert.equal("--policy-arg: expected KEY=VALUE, got 'novalue'", err)
  end)

  it("keeps text that is not JSON as it was written, = signs included", function()
    assert.same({ a = "x=y", b = "[1,", c = "" },
      assert(cli.key_values({ "a=x=y", "b=[1,", "c=" }, "policy-arg")))
    assert.same({}, assert(cli.key_values(nil, "policy-arg")))
    local t, err = cli.key_values({ "1a=x" }, "policy-arg")
    assert.is_nil(t)
    assert.equal("--policy-arg: expected KEY=VALUE, got '1a=x'", err)
  end)
end)
