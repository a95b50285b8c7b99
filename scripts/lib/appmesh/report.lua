-- SPDX-License-Identifier: MIT
-- The JSON Lines report: one object per entry, written and flushed as each finishes:
-- meshName, virtualServiceName, outcome (updated | failed | denied | skipped | planned, and
-- after an interrupt unknown | pending),
-- error = {code, message} when failed or denied, version and requestId when updated, and
-- detail (a short text: "unchanged", what a planned entry would change, ...) for the others.
local codec = require "appmesh.codec"

local report = {}

report.OUTCOMES = { "updated", "failed", "denied", "skipped", "planned", "unknown", "pending" }

local ORDER = { "meshName", "virtualServiceName", "outcome", "detail", "error", "version",
  "requestId" }

--- The report line (no newline) for an entry.
-- @tparam table params the entry (meshName, virtualServiceName)
-- @tparam string outcome
-- @tparam[opt] table t `error` ({code, message}), `version`, `requestId`, `detail`
-- @treturn string
function report.line(params, outcome, t)
  t = t or {}
  local rec = {
    meshName = params.meshName,
    virtualServiceName = params.virtualServiceName,
    outcome = outcome,
  }
  if outcome == "failed" or outcome == "denied" then
    local e = t.error or {}
    rec.error = { code = tostring(e.code or "Error"), message = tostring(e.message or "") }
  elseif outcome == "updated" then
    rec.version = t.version
    rec.requestId = t.requestId
  elseif t.detail ~= nil then
    rec.detail = tostring(t.detail)
  end
  -- top-level keys in the documented order; nested keys sort, so error is {code, message}
  return codec.encode(rec, ORDER)
end

local Report = {}
Report.__index = Report

function Report:write(params, outcome, t)
  if not self.file then
    return
  end
  local ok, err = self.file:write(report.line(params, outcome, t), "\n")
  if ok then
    ok, err = self.file:flush()
  end
  if not ok then
    error(string.format("cannot write report %s: %s", self.path, tostring(err)), 0)
  end
end

function Report:close()
  if self.file and self.file ~= io.stdout then
    self.file:close()
  end
  self.file = nil
end

--- Open the report file ("-" is stdout; nil gives a report that writes nothing).
-- @tparam string|nil path
-- @treturn table|nil the report
-- @treturn string the message on failure
function report.open(path)
  if path == nil then
    return setmetatable({}, Report)
  end
  if path == "-" then
    return setmetatable({ file = io.stdout, path = "stdout" }, Report)
  end
  local f, err = io.open(path, "wb")
  if not f then
    return nil, "cannot create report: " .. tostring(err)
  end
  return setmetatable({ file = f, path = path }, Report)
end

return report
