-- SPDX-License-Identifier: MIT
-- appmesh.progress: plain lines per entry or one line redrawn on a terminal, by phase, with each
-- phase's own rate and ETA (on an injected clock: nothing here waits or reads the time).
local progress = require "appmesh.progress"

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

  it("prints a plain progress line at every tenth of a phase, at least every 10 entries",
    function()
      local out = sink()
      local _, clock = fake_clock()
      local p = progress.new{ total = 25, tty = false, out = out, clock = clock }
      for i = 1, 25 do
        p:entry("m/s" .. i, "updated")
      end
      local shown = {}
      for done in out.text:gmatch("\nprogress: (%d+)/25") do
        shown[#shown + 1] = tonumber(done)
      end
      assert.same({ 10, 20, 25 }, shown)
    end)

  it("redraws a terminal line at most once an interval, and always at a phase's end", function()
    local out = sink()
    local _, clock = fake_clock() -- the clock stands still: only forced redraws happen
    local p = progress.new{ total = 3, tty = true, out = out, clock = clock, interval = 1 }
    p:phase("describing", 3)
    p:step()
    p:step()
    assert.equal(1, select(2, out.text:gsub("\r\27%[K", "")))
    p:step()
    assert.equal(2, select(2, out.text:gsub("\r\27%[K", "")))
    assert.equal("\r\27[Kdescribing 3/3 (100%)  in 0s  failed 0  denied 0",
      out.text:match("\r\27%[K[^\r]*$"))
  end)

  it("escapes control characters in labels, details and notes", function()
    local out = sink()
    local _, clock = fake_clock()
    local p = progress.new{ total = 1, tty = false, out = out, clock = clock }
    p:note("note\27]0;x\7")
    p:entry("m/\27[2J", "failed", "X: a\nb")
    assert.equal("note\\x1b]0;x\\x07\n[1/1] failed m/\\x1b[2J: X: a\\nb\n",
      out.text:match("^[^\n]*\n[^\n]*\n"))
  end)

  it("formats durations, rounded to the second", function()
    assert.equal("5s", progress.duration(5))
    assert.equal("2m05s", progress.duration(125))
    assert.equal("1h01m", progress.duration(3660))
    assert.equal("0s", progress.duration(0.4))
    assert.equal("1m00s", progress.duration(59.6))
    assert.equal("1h00m", progress.duration(3599.5))
  end)
end)
