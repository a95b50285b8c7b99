-- SPDX-License-Identifier: MIT
-- The scripts' small modules: hash (SHA-256), codec (JSON), plan (tokens, diffs), cli (flags),
-- report (JSON Lines) and progress (terminal and plain output).
local cjson = require "cjson"
local cli = require "appmesh.cli"
local codec = require "appmesh.codec"
local hash = require "appmesh.hash"
local plan = require "appmesh.plan"
local progress = require "appmesh.progress"
local report = require "appmesh.report"

local NODE = { provider = { virtualNode = { virtualNodeName = "vn" } } }
local ROUTER = { provider = { virtualRouter = { virtualRouterName = "vr" } } }

describe("hash.sha256", function()
  local vectors = { -- FIPS 180-2 examples and the padding boundaries
    { "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
    { "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
    { "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
    { string.rep("a", 55), "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318" },
    { string.rep("a", 64), "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb" },
  }
  for _, v in ipairs(vectors) do
    it("hashes a " .. #v[1] .. "-byte message", function()
      assert.equal(v[2], hash.sha256(v[1]))
    end)
  end

  it("makes random hex of the asked length", function()
    assert.matches("^%x+$", hash.random_hex(16))
    assert.equal(32, #hash.random_hex(16))
    assert.are_not.equal(hash.random_hex(), hash.random_hex())
  end)
end)

describe("plan.client_token", function()
  local base = { meshName = "m", virtualServiceName = "s", spec = NODE }

  it("is 36 characters a clientToken may hold", function()
    local t = plan.client_token("run", base)
    assert.equal(36, #t)
    assert.matches("^[A-Za-z0-9_-]+$", t)
  end)

  it("is the same for the same run and entry", function()
    local copy = { spec = { provider = { virtualNode = { virtualNodeName = "vn" } } },
      virtualServiceName = "s", meshName = "m" }
    assert.equal(plan.client_token("run", base), plan.client_token("run", copy))
  end)

  local variants = {
    { "another run", "run2", base },
    { "another mesh", "run", { meshName = "m2", virtualServiceName = "s", spec = NODE } },
    { "another service", "run", { meshName = "m", virtualServiceName = "s2", spec = NODE } },
    { "another spec", "run", { meshName = "m", virtualServiceName = "s", spec = ROUTER } },
    { "a meshOwner", "run", { meshName = "m", virtualServiceName = "s", spec = NODE,
      meshOwner = "123456789012" } },
  }
  for _, v in ipairs(variants) do
    it("differs for " .. v[1], function()
      assert.are_not.equal(plan.client_token("run", base), plan.client_token(v[2], v[3]))
    end)
  end

  it("keeps an entry's own clientToken", function()
    assert.equal("mine", plan.client_token("run", { meshName = "m", virtualServiceName = "s",
      spec = {}, clientToken = "mine" }))
  end)

  it("is a new run id each run", function()
    assert.matches("^%x+$", plan.new_run_id())
    assert.are_not.equal(plan.new_run_id(), plan.new_run_id())
  end)
end)

describe("plan.diff", function()
  local cases = {
    { "a provider switch from router to node", ROUTER, NODE, {
      '- spec.provider.virtualRouter.virtualRouterName: "vr"',
      '+ spec.provider.virtualNode.virtualNodeName: "vn"' } },
    { "a renamed node", { provider = { virtualNode = { virtualNodeName = "old" } } }, NODE, {
      '~ spec.provider.virtualNode.virtualNodeName: "old" -> "vn"' } },
    { "a provider added", {}, NODE, { '+ spec.provider.virtualNode.virtualNodeName: "vn"' } },
    { "a provider removed", NODE, {}, { '- spec.provider.virtualNode.virtualNodeName: "vn"' } },
    { "an unknown current spec", nil, NODE, {
      '+ spec.provider.virtualNode.virtualNodeName: "vn"' } },
    { "no change", NODE, { provider = { virtualNode = { virtualNodeName = "vn" } } }, {} },
  }
  for _, case in ipairs(cases) do
    it("shows " .. case[1], function()
      assert.same(case[4], plan.diff(case[2], case[3]))
    end)
  end

  it("names providers", function()
    assert.equal("virtualNode vn", plan.describe_provider(NODE))
    assert.equal("virtualRouter vr", plan.describe_provider(ROUTER))
    assert.equal("no provider", plan.describe_provider({}))
    assert.equal("no provider", plan.describe_provider(nil))
  end)
end)

describe("codec", function()
  it("encodes with sorted keys, whatever the insertion order", function()
    local a, b = {}, {}
    for _, k in ipairs({ "z", "a", "m" }) do
      a[k] = 1
    end
    for _, k in ipairs({ "m", "z", "a" }) do
      b[k] = 1
    end
    assert.equal('{"a":1,"m":1,"z":1}', codec.encode(a))
    assert.equal(codec.encode(a), codec.encode(b))
  end)

  it("writes integral floats as integers and escapes strings", function()
    assert.equal('[3,0.5,"a\\"b\\n/\\u0001"]', codec.encode({ 3.0, 0.5, 'a"b\n/\1' }))
    assert.same({ 3, 0.5, 'a"b\n/\1' }, cjson.decode(codec.encode({ 3.0, 0.5, 'a"b\n/\1' })))
  end)

  it("puts the given keys first", function()
    assert.equal('{"b":1,"a":2,"c":3}', codec.encode({ a = 2, b = 1, c = 3 }, { "b" }))
  end)

  it("refuses what JSON cannot hold", function()
    assert.has_error(function()
      codec.encode({ 0 / 0 })
    end, "codec.encode: cannot encode " .. tostring(0 / 0))
    assert.has_error(function()
      codec.encode({ f = print })
    end, "codec.encode: cannot encode a function")
  end)

  it("reports decode errors with line and column", function()
    local v, err = codec.decode('{\n  "a": [1,\n  2,, 3]}', "x.json")
    assert.is_nil(v)
    assert.equal("x.json:3:5: Expected value but found ','", err)
  end)

  it("finds the lines of the update list's elements", function()
    assert.same({ 3, 4, 6 }, codec.element_lines(
      '{"defaults": {"x": [1, 2]},\n "updates": [\n  {"a": "[{\\""},\n  3,\n\n'
        .. '  {"b": {"updates": [1]}}\n]}'))
    assert.same({ 2, 4 }, codec.element_lines('[\n{},\n\n{}]'))
  end)
end)

describe("cli.parse", function()
  local FLAGS = {
    apply = { kind = "boolean" },
    policy = { kind = "string", multiple = true },
    concurrency = { kind = "integer", min = 1, max = 256 },
    rate = { kind = "number" },
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

  it("codec.printable escapes control characters, C1 controls included", function()
    local codec = require "appmesh.codec"
    assert.equal("a\\x1b[31m\\nb\\tc\\x07\\u009b\\x7f caf\195\169",
      codec.printable("a\27[31m\nb\tc\7\194\155\127 caf\195\169"))
    assert.equal("two\nlines\\x1b", codec.printable("two\nlines\27", true))
  end)

  it("reads KEY=VALUE pairs, as JSON when they are JSON", function()
    assert.same({ a = { "x", "y" }, b = 0.5, c = "plain", d = true, e = "null" },
      assert(cli.key_values({ 'a=["x","y"]', "b=0.5", "c=plain", "d=true", "e=null" }, "p")))
    local t, err = cli.key_values({ "novalue" }, "policy-arg")
    assert.is_nil(t)
    assert.equal("--policy-arg: expected KEY=VALUE, got 'novalue'", err)
  end)
end)

describe("report.line", function()
  local e = { meshName = "m", virtualServiceName = "s.local", spec = NODE }
  local cases = {
    { "updated", { version = 4.0, requestId = "r-1" },
      '{"meshName":"m","virtualServiceName":"s.local","outcome":"updated","version":4,'
        .. '"requestId":"r-1"}' },
    { "failed", { error = { code = "NotFoundException", message = "gone", retryable = false } },
      '{"meshName":"m","virtualServiceName":"s.local","outcome":"failed","error":'
        .. '{"code":"NotFoundException","message":"gone"}}' },
    { "denied", { error = { code = "PolicyDenied", message = "r: why" } },
      '{"meshName":"m","virtualServiceName":"s.local","outcome":"denied","error":'
        .. '{"code":"PolicyDenied","message":"r: why"}}' },
    { "skipped", { version = 3 }, '{"meshName":"m","virtualServiceName":"s.local","outcome":'
      .. '"skipped"}' },
    { "skipped", { detail = "unchanged" }, '{"meshName":"m","virtualServiceName":"s.local",'
      .. '"outcome":"skipped","detail":"unchanged"}' },
    { "planned", {}, '{"meshName":"m","virtualServiceName":"s.local","outcome":"planned"}' },
  }
  for _, case in ipairs(cases) do
    it("writes an " .. case[1] .. " entry with exactly the contract's fields", function()
      assert.equal(case[3], report.line(e, case[1], case[2]))
    end)
  end
end)

describe("progress", function()
  local function sink()
    local s = { text = "" }
    function s:write(...)
      self.text = self.text .. table.concat({ ... })
      return self
    end
    function s.flush() end
    return s
  end

  local function fake_clock()
    local t = { now = 100 }
    return t, function()
      return t.now
    end
  end

  it("writes one plain line per entry and a progress line at the end", function()
    local out = sink()
    local t, clock = fake_clock()
    local p = progress.new{ total = 10, tty = false, out = out, clock = clock }
    for i = 1, 10 do
      t.now = 100 + i
      p:entry("m/s" .. i, i == 3 and "failed" or "updated", i == 3 and "X: y" or "version 2")
    end
    p:finish()
    local lines = {}
    for l in out.text:gmatch("[^\n]+") do
      lines[#lines + 1] = l
    end
    assert.equal("[ 1/10] updated m/s1: version 2", lines[1])
    assert.equal("[ 3/10] failed m/s3: X: y", lines[3])
    assert.equal(11, #lines)
    assert.equal("progress: 10/10 (100%)  in 10s  failed 1  denied 0", lines[#lines])
    assert.is_nil(out.text:find("\r", 1, true))
  end)

  it("rewrites one line with \\r on a terminal and prints failures above it", function()
    local out = sink()
    local t, clock = fake_clock()
    local p = progress.new{ total = 4, tty = true, out = out, clock = clock }
    t.now = 101
    p:entry("m/a", "updated")
    t.now = 102
    p:entry("m/b", "denied", "PolicyDenied: r: no")
    t.now = 103
    p:entry("m/c", "updated")
    t.now = 104
    p:entry("m/d", "updated")
    p:finish()
    assert.truthy(out.text:find("\r\27[K1/4 (25%)  1.0/s  ETA 3s  failed 0  denied 0", 1, true),
      out.text)
    assert.truthy(out.text:find("\r\27[K[2/4] denied m/b: PolicyDenied: r: no\n", 1, true))
    local last = "\r\27[K4/4 (100%)  in 4s  failed 0  denied 1\n"
    assert.equal(last, out.text:sub(-#last))
    assert.is_nil(out.text:find("updated m/a", 1, true))
  end)

  it("labels each phase, with its own rate and ETA, and no ETA once it is done", function()
    local out = sink()
    local t, clock = fake_clock()
    local p = progress.new{ total = 6, tty = true, out = out, clock = clock }
    for i = 1, 2 do -- entries a resume skips: instant, in no phase's rate
      p:entry("m/s" .. i, "skipped")
    end
    p:phase("describing", 4)
    assert.truthy(out.text:find("\r\27[Kdescribing 0/4 (0%)  0.0/s  ETA --", 1, true), out.text)
    for i = 1, 4 do
      t.now = 100 + i
      p:step()
    end
    assert.truthy(out.text:find("\r\27[Kdescribing 4/4 (100%)  in 4s", 1, true), out.text)
    p:phase("updating", 4, true)
    t.now = 106
    p:entry("m/s3", "updated")
    assert.truthy(out.text:find("\r\27[Kupdating 1/4 (25%)  0.5/s  ETA 6s", 1, true), out.text)
    for i = 4, 6 do
      t.now = t.now + 2
      p:entry("m/s" .. i, "updated")
    end
    p:finish()
    local last = "\r\27[Kupdating 4/4 (100%)  in 8s  failed 0  denied 0\n"
    assert.equal(last, out.text:sub(-#last))
    p:note("after") -- nothing is drawn again after the end
    assert.equal(last .. "after\n", out.text:sub(-#last - 6))
  end)

  it("formats durations", function()
    assert.equal("5s", progress.duration(5))
    assert.equal("2m05s", progress.duration(125))
    assert.equal("1h01m", progress.duration(3660))
  end)
end)
