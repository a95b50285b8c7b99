-- SPDX-License-Identifier: MIT
-- The run journal (JSON Lines): a header with the run id, then a "begin" record before each
-- update is sent (with the spec it replaces) and an "end" record when it finishes (outcome,
-- clientToken, version, replaced spec), each written and flushed at once. A resumed run reads
-- it back: entries recorded as updated are skipped, the others are re-sent with the same token.
local codec = require "appmesh.codec"
local manifest = require "appmesh.manifest"

local journal = {}

local FORMAT = "appmesh-bulk-update-journal"
local ORDER = {
  "type", "format", "runId", "meshName", "virtualServiceName", "meshOwner", "outcome",
  "clientToken", "version",
  "requestId", "error", "replacedVersion", "replaced",
}

local Journal = {}
Journal.__index = Journal

local function iso_now()
  return os.date("!%Y-%m-%dT%H:%M:%SZ")
end

function Journal:write(record)
  local ok, err = self.file:write(codec.encode(record, ORDER), "\n")
  if ok then
    ok, err = self.file:flush()
  end
  if not ok then
    error(string.format("cannot write journal %s: %s", self.path, tostring(err)), 0)
  end
end

local function entry_fields(record, params)
  record.meshName = params.meshName
  record.virtualServiceName = params.virtualServiceName
  record.meshOwner = params.meshOwner
  return record
end

--- Record that an update is about to be sent.
-- @tparam table params the entry
-- @tparam table t `clientToken`, `replaced` (the current spec), `replacedVersion`
function Journal:begin(params, t)
  self:write(entry_fields({
    type = "begin", clientToken = t.clientToken, replaced = t.replaced,
    replacedVersion = t.replacedVersion,
  }, params))
end

--- Record an entry's outcome.
-- @tparam table params the entry
-- @tparam table t `outcome`, `clientToken`, `version`, `requestId`, `error` ({code, message}),
--   `replaced`, `replacedVersion`
function Journal:finish(params, t)
  self:write(entry_fields({
    type = "end", outcome = t.outcome, clientToken = t.clientToken, version = t.version,
    requestId = t.requestId, error = t.error, replaced = t.replaced,
    replacedVersion = t.replacedVersion,
  }, params))
end

function Journal:close()
  if self.file then
    self.file:close()
    self.file = nil
  end
end

--- Read a journal.
-- @tparam string path
-- @treturn table|nil `{ run_id, header, entries = { ["mesh/service"] = {outcome?, begun,
--   clientToken, version, requestId, replaced, replacedVersion, meshName, ...} }, order = {keys} }`
-- @treturn string the message on failure
function journal.read(path)
  local f, err = io.open(path, "rb")
  if not f then
    return nil, "cannot read journal: " .. tostring(err)
  end
  local text = f:read("a")
  f:close()
  local state = { entries = {}, order = {}, path = path, ends_with_newline = text:sub(-1) == "\n" }
  local n = 0
  local torn = nil
  local last_line = select(2, text:gsub("\n", "\n")) + (state.ends_with_newline and 0 or 1)
  for line in text:gmatch("([^\n]*)\n?") do
    n = n + 1
    if n > last_line then
      break
    end
    if line ~= "" then
      local rec, derr = codec.decode(line, path)
      if torn and not (type(rec) == "table" and rec.type == "resume") then
        return nil, torn
      end
      torn = nil
      if rec == nil or type(rec) ~= "table" then
        -- A run killed while writing leaves a partial last line, which a resumed run follows
        -- with a "resume" record; anything else is damage.
        torn = string.format("%s:%d: not a journal record (%s)", path, n, derr or "not an object")
        if n == last_line and n > 1 then
          state.torn = true
          torn = nil
        end
      elseif n == 1 then
        if rec.format ~= FORMAT or type(rec.runId) ~= "string" then
          return nil, string.format("%s:1: not an appmesh bulk update journal", path)
        end
        state.run_id = rec.runId
        state.header = rec
      elseif rec.type == "begin" or rec.type == "end" then
        local key = manifest.key(rec)
        local e = state.entries[key]
        if not e then
          e = {}
          state.entries[key] = e
          state.order[#state.order + 1] = key
        end
        for k, v in pairs(rec) do
          if k ~= "type" then
            e[k] = v
          end
        end
        if rec.type == "begin" then
          e.begun, e.outcome = true, nil
          e.version, e.requestId, e.error = nil, nil, nil
        end
      elseif rec.type ~= "resume" then
        return nil, string.format("%s:%d: unknown record type '%s'", path, n, tostring(rec.type))
      end
    end
  end
  if torn then
    return nil, torn
  end
  if not state.run_id then
    return nil, path .. ": the journal is empty"
  end
  return state
end

--- Start a new journal; refuses a file that already has content.
-- @tparam string path
-- @tparam string run_id
-- @tparam[opt] table meta extra header fields (e.g. manifest)
-- @treturn table|nil the journal
-- @treturn string the message on failure
function journal.create(path, run_id, meta)
  local existing = io.open(path, "rb")
  if existing then
    local size = existing:seek("end")
    existing:close()
    if size and size > 0 then
      return nil, string.format("journal %s already exists: use --resume to continue that run, "
        .. "or another --journal", path)
    end
  end
  local f, err = io.open(path, "wb")
  if not f then
    return nil, "cannot create journal: " .. tostring(err)
  end
  local j = setmetatable({ path = path, file = f, run_id = run_id }, Journal)
  local header = { format = FORMAT, version = 1, runId = run_id, startedAt = iso_now() }
  for k, v in pairs(meta or {}) do
    header[k] = v
  end
  j:write(header)
  return j
end

--- Open an existing journal to continue its run.
-- @treturn table|nil the journal (run_id from its header)
-- @treturn table|string the state read (journal.read), or the message on failure
function journal.resume(path)
  local state, err = journal.read(path)
  if not state then
    return nil, err
  end
  local f, oerr = io.open(path, "ab")
  if not f then
    return nil, "cannot append to journal: " .. tostring(oerr)
  end
  if not state.ends_with_newline then
    f:write("\n")
  end
  local j = setmetatable({ path = path, file = f, run_id = state.run_id }, Journal)
  j:write({ type = "resume", runId = state.run_id, at = iso_now() })
  return j, state
end

--- Whether an entry's update may have been applied: recorded as updated, begun with no outcome
--- (the run stopped while it was in flight), or failed with a retryable error (a dropped
--- connection or a 5xx after the last attempt leaves it unknown).
function journal.maybe_applied(e)
  if e.outcome == "updated" then
    return true
  end
  if not e.begun then
    return false
  end
  return e.outcome == nil or (e.outcome == "failed" and type(e.error) == "table"
    and e.error.retryable == true)
end

--- The manifest that restores the specs a run replaced: every entry that may have been applied
--- (journal.maybe_applied), with the spec it replaced.
-- @tparam table state from journal.read
-- @treturn table `{ updates = {...} }` (empty when nothing was replaced)
function journal.rollback(state)
  local updates = {}
  for _, key in ipairs(state.order) do
    local e = state.entries[key]
    if journal.maybe_applied(e) and e.replaced ~= nil then
      updates[#updates + 1] = {
        meshName = e.meshName,
        virtualServiceName = e.virtualServiceName,
        meshOwner = e.meshOwner,
        spec = e.replaced,
      }
    end
  end
  return { updates = updates }
end

return journal
