-- SPDX-License-Identifier: MIT
-- appmesh.report: the JSON Lines report, one line per entry with exactly the contract's fields,
-- written and flushed as each entry finishes.
local report = require "appmesh.report"
local sh = dofile("tests/lua/scripts_helpers.lua")

local NODE = { provider = { virtualNode = { virtualNodeName = "vn" } } }

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

  it("gives a failure without an error table the code Error and an empty message", function()
    assert.equal('{"meshName":"m","virtualServiceName":"s.local","outcome":"failed","error":'
      .. '{"code":"Error","message":""}}', report.line(e, "failed"))
  end)
end)

describe("report.open", function()
  teardown(sh.cleanup)

  it("writes each line to the file as it is written", function()
    local path = sh.path("report.jsonl")
    local r = assert(report.open(path))
    r:write({ meshName = "m", virtualServiceName = "a" }, "planned")
    assert.equal('{"meshName":"m","virtualServiceName":"a","outcome":"planned"}\n', sh.read(path))
    r:write({ meshName = "m", virtualServiceName = "b" }, "skipped", { detail = "unchanged" })
    r:close()
    local lines = {}
    for l in sh.read(path):gmatch("[^\n]+") do
      lines[#lines + 1] = l
    end
    assert.equal(2, #lines)
    assert.equal('{"meshName":"m","virtualServiceName":"b","outcome":"skipped","detail":'
      .. '"unchanged"}', lines[2])
    r:write({ meshName = "m", virtualServiceName = "c" }, "planned") -- closed: writes nothing
    assert.equal(2, select(2, sh.read(path):gsub("\n", "")))
  end)

  -- Run fn with io.stdout a sink; returns what was written to it.
  local function stdout_of(fn)
    return select(2, sh.captured(fn))
  end

  it("writes to stdout for -, leaving it open, and nowhere without a path", function()
    assert.equal('{"meshName":"m","virtualServiceName":"a","outcome":"planned"}\n',
      stdout_of(function()
        local r = assert(report.open("-"))
        r:write({ meshName = "m", virtualServiceName = "a" }, "planned")
        r:close()
      end))
    assert.equal("", stdout_of(function()
      local r = assert(report.open(nil))
      r:write({ meshName = "m", virtualServiceName = "a" }, "planned")
      r:close()
    end))
  end)

  it("says why it cannot create the file", function()
    local r, err = report.open("/nonexistent/dir/report.jsonl")
    assert.is_nil(r)
    assert.matches("^cannot create report: /nonexistent/dir/report.jsonl: No such file", err)
  end)

  it("raises a one-line error naming the report when a write fails", function()
    local r = assert(report.open("/dev/full"))
    assert.has_error(function()
      r:write({ meshName = "m", virtualServiceName = "a" }, "planned")
    end, "cannot write report /dev/full: No space left on device")
    r:close()
  end)
end)
