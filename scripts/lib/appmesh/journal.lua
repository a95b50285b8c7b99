-- SPDX-License-Identifier: MIT
-- The run journal (JSON Lines): a header with the run id and the manifest's hash, a "plan"
-- record (each entry's identity and the hash of its params), then a "begin" record before each
-- update is sent (with the spec it replaces) and an "end" record when it finishes (outcome,
-- clientToken, version, replaced spec). The file is created exclusively and locked for the
-- run's life, so one run at a time uses it; the header and plan are synced (with the directory)
-- when it is created, and begin records are synced before their requests go out (the callers
-- batch that: Journal:sync_to). A resumed run reads it back: entries recorded as updated are
-- skipped, the others re-sent with the same token, and a manifest that asks for anything else
-- than the run's is refused (journal.check_plan).
local codec = require "appmesh.codec"
local hash = require "appmesh.hash"
local manifest = require "appmesh.manifest"

local journal = {}

local FORMAT = "appmesh-bulk-update-journal"
local ORDER = {
  "type", "format", "runId", "manifestHash", "meshName", "virtualServiceName", "meshOwner",
  "paramsHash", "outcome", "clientToken", "version", "requestId", "error",
  "replacedVersion", "replaced", "entries",
}

local Journal = {}
Journal.__index = Journal

local function iso_now()
  return os.date("!%Y-%m-%dT%H:%M:%SZ")
end

local function os_calls()
  local ok, appmesh = pcall(require, "appmesh")
  if not ok or type(appmesh) ~= "table" or type(appmesh._os) ~= "table" then
    return nil, "cannot load the appmesh module: " .. tostring(appmesh)
  end
  return appmesh._os
end

--- Write one record (not synced: see Journal:sync_to). Raises "cannot write journal ...".
-- @treturn integer the record's sequence number
function Journal:write(record)
  if not self.file then
    error(string.format("cannot write journal %s: it is closed", self.path), 0)
  end
  if self.failed then
    -- a failed write may have left part of its line: a record after it would be unreadable
    error(string.format("cannot write journal %s: an earlier write failed", self.path), 0)
  end
  local ok, err = self.file:write(codec.encode(record, ORDER) .. "\n")
  if not ok then
    self.failed = err
    error("cannot write journal " .. tostring(err):gsub("^cannot write ", ""), 0)
  end
  self.seq = self.seq + 1
  return self.seq
end

--- Make every record up to `seq` durable (one fdatasync covers all written before it, so the
--- tasks that wrote their begin records in one round share one sync). Raises on failure.
function Journal:sync_to(seq)
  if self.synced >= (seq or self.seq) then
    return
  end
  local upto = self.seq
  local ok, err = self.file:sync()
  if not ok then
    self.failed = err
    error("cannot sync journal " .. tostring(err):gsub("^cannot sync ", ""), 0)
  end
  self.syncs = self.syncs + 1
  self.synced = upto
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
-- @treturn integer its sequence number (for Journal:sync_to)
function Journal:begin(params, t)
  self.begins = (self.begins or 0) + 1
  return self:write(entry_fields({
    type = "begin", paramsHash = t.paramsHash, clientToken = t.clientToken, replaced = t.replaced,
    replacedVersion = t.replacedVersion,
  }, params))
end

--- Record an entry's outcome.
-- @tparam table params the entry
-- @tparam table t `outcome`, `clientToken`, `version`, `requestId`, `error` ({code, message}),
--   `replaced`, `replacedVersion`
function Journal:finish(params, t)
  return self:write(entry_fields({
    type = "end", paramsHash = t.paramsHash, outcome = t.outcome, clientToken = t.clientToken,
    version = t.version, requestId = t.requestId, error = t.error, replaced = t.replaced,
    replacedVersion = t.replacedVersion,
  }, params))
end

--- Sync what is not yet synced and close (releasing the lock).
-- @treturn boolean|nil true
-- @treturn string the message when the last sync failed
function Journal:close()
  local ok, err = true, nil
  if self.file then
    if not self.failed and self.synced < self.seq then
      ok, err = pcall(self.sync_to, self)
    end
    self.file:close()
    self.file = nil
  end
  if not ok then
    return nil, err
  end
  return true
end

--- Close a journal the run gives up on before sending anything (a policy error, say): one this
--- run created and in which no update began is removed, so that it does not hold up the next
--- run with "already exists".
function Journal:discard()
  self:close()
  if self.created and (self.begins or 0) == 0 then
    local sys = os_calls()
    if sys then
      sys.remove(self.path)
    end
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
  local text, rerr = f:read("a")
  f:close()
  if not text then -- a directory opens, and then cannot be read
    return nil, string.format("cannot read journal %s: %s", path, tostring(rerr))
  end
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
      elseif rec.type == "plan" then
        if type(rec.entries) ~= "table" then
          return nil, string.format("%s:%d: the plan record has no entries", path, n)
        end
        state.plan = rec.entries
      elseif rec.type == "begin" or rec.type == "end" then
        local key = manifest.key(rec)
        local e = state.entries[key]
        if not e then
          e = {}
          state.entries[key] = e
          state.order[#state.order + 1] = key
        end
        -- what an attempt may have applied stays so whatever a later attempt records (a
        -- resend refused, say): --rollback must still restore it
        if rec.type == "begin" and journal.maybe_applied(e) then
          e.applied_before = true
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

--- The hash of an entry's params: what it asks for (16 hex digits of SHA-256 over its canonical
--- JSON, every key included).
function journal.params_hash(params)
  return hash.sha256(codec.encode(params)):sub(1, 16)
end

--- The plan of a run: each entry's identity and params hash, and the manifest's hash over them.
-- @tparam {table,...} entries the params
-- @treturn table `{ hash = "64 hex", entries = { {meshOwner, meshName, virtualServiceName,
--   paramsHash}, ... }, by_key = { ["mesh/service"] = paramsHash } }`
function journal.plan(entries)
  local rows, lines, by_key = {}, {}, {}
  for i, params in ipairs(entries) do
    local h = journal.params_hash(params)
    rows[i] = { params.meshOwner or "", params.meshName, params.virtualServiceName, h }
    lines[i] = table.concat(rows[i], "\t")
    by_key[manifest.key(params)] = h
  end
  return { hash = hash.sha256(table.concat(lines, "\n")), entries = rows, by_key = by_key }
end

--- Whether a manifest asks for exactly what the journal's run asked for. An entry of the run
--- that the manifest no longer has is accepted only when the journal records it as updated (a
--- Lua manifest's selection no longer picks a service the run has changed).
-- @tparam table state from journal.read
-- @tparam table plan journal.plan(entries) of the manifest now
-- @tparam {table,...} entries the manifest's params, in order
-- @tparam {string,...} where each entry's place ("file:line: updates[i]")
-- @treturn nil|string the message naming the first entry that differs
function journal.check_plan(state, plan, entries, where)
  local advice = "to resume, give the manifest the run started with; to change course, start a "
    .. "new --journal"
  if state.header.manifestHash and not state.plan then
    -- journal.create writes the header and the plan, then syncs: a run stopped in between
    -- (kill -9) had sent nothing
    return string.format("%s: the journal ends before its run's plan: that run stopped while "
      .. "creating it, before sending anything; start a new --journal", state.path)
  end
  if not state.plan or not state.header.manifestHash then
    return string.format("%s: the journal does not record its run's manifest (written by an "
      .. "older bulk_update): start a new --journal", state.path)
  end
  if state.header.manifestHash == plan.hash then
    return nil
  end
  local was = {}
  for _, row in ipairs(state.plan) do
    if type(row) == "table" then
      was[tostring(row[2]) .. "/" .. tostring(row[3])] = row
    end
  end
  for i, params in ipairs(entries) do
    local key = manifest.key(params)
    local row = was[key]
    if not row then
      return string.format("%s: the manifest differs from the journal's run: %s: %s is not in "
        .. "that run (%s)", state.path, where[i], key, advice)
    end
    if row[4] ~= plan.by_key[key] or row[1] ~= (params.meshOwner or "") then
      return string.format("%s: the manifest differs from the journal's run: %s: %s asks for "
        .. "something else than in that run (%s)", state.path, where[i], key, advice)
    end
  end
  for _, row in ipairs(state.plan) do
    local key = tostring(row[2]) .. "/" .. tostring(row[3])
    local e = state.entries[key]
    if plan.by_key[key] == nil and not (e and e.outcome == "updated") then
      return string.format("%s: the manifest differs from the journal's run: %s of that run is "
        .. "not in the manifest (%s)", state.path, key, advice)
    end
  end
  return nil -- the same entries in another order
end

local function dirname(path)
  return path:match("^(.*)/[^/]*$") or "."
end

--- Start a new journal: created exclusively (an existing file, even empty, is refused) and
--- locked until closed; its header (and plan) are synced, and so is its directory. On failure
--- nothing is left behind.
-- @tparam string path
-- @tparam string run_id
-- @tparam[opt] table meta extra header fields (e.g. manifest)
-- @tparam[opt] table plan journal.plan(entries): recorded for --resume
-- @treturn table|nil the journal
-- @treturn string the message on failure
function journal.create(path, run_id, meta, plan)
  local sys, serr = os_calls()
  if not sys then
    return nil, serr
  end
  local f, err, kind = sys.create(path)
  if not f then
    if kind == "exists" then
      return nil, string.format("journal %s already exists: use --resume to continue that run, "
        .. "or another --journal", path)
    elseif kind == "isdir" then
      return nil, string.format("journal %s is a directory", path)
    elseif kind == "notfile" then
      return nil, string.format("journal %s is not a regular file", path)
    end
    return nil, "cannot create journal " .. tostring(err)
  end
  local lok, lerr = f:lock()
  if not lok then
    f:close()
    return nil, "cannot lock journal " .. tostring(lerr)
  end
  local j = setmetatable({ path = path, file = f, run_id = run_id, seq = 0, synced = 0,
    syncs = 0, created = true }, Journal)
  local header = { format = FORMAT, version = 1, runId = run_id, startedAt = iso_now(),
    manifestHash = plan and plan.hash }
  for k, v in pairs(meta or {}) do
    header[k] = v
  end
  local ok, werr = pcall(function()
    j:write(header)
    if plan then
      j:write({ type = "plan", entries = plan.entries })
    end
    j:sync_to()
    local dok, derr = sys.sync_dir(dirname(path))
    if not dok then
      error("cannot create journal: " .. tostring(derr), 0)
    end
  end)
  if not ok then
    f:close()
    j.file = nil
    sys.remove(path) -- a header-only journal would block the next run
    return nil, werr
  end
  return j
end

--- Open an existing journal to continue its run: locked (a journal another run holds is
--- refused), read back, and a "resume" record appended.
-- @treturn table|nil the journal (run_id from its header)
-- @treturn table|string the state read (journal.read), or the message on failure
function journal.resume(path)
  local sys, serr = os_calls()
  if not sys then
    return nil, serr
  end
  local f, err, kind = sys.open(path)
  if not f then
    if kind == "notfound" then
      return nil, string.format("journal %s does not exist (--resume continues a run's journal)",
        path)
    end
    return nil, "cannot open journal " .. tostring(err)
  end
  local lok, lerr, lkind = f:lock()
  if not lok then
    f:close()
    if lkind == "locked" then
      return nil, string.format("journal %s is in use by another run", path)
    end
    return nil, "cannot lock journal " .. tostring(lerr)
  end
  local state, rerr = journal.read(path)
  if not state then
    f:close()
    return nil, rerr
  end
  local j = setmetatable({ path = path, file = f, run_id = state.run_id, seq = 0, synced = 0,
    syncs = 0 }, Journal)
  local ok, werr = pcall(function()
    if not state.ends_with_newline then
      j.file:write("\n")
    end
    j:write({ type = "resume", runId = state.run_id, at = iso_now() })
    j:sync_to()
  end)
  if not ok then
    j:close()
    return nil, werr
  end
  return j, state
end

--- Whether an entry's update may have been applied: recorded as updated or unknown (in flight
--- when the run was interrupted), begun with no outcome (the run stopped while it was in
--- flight), or failed with a retryable error (a dropped connection or a 5xx after the last
--- attempt leaves it unknown), in its last attempt or an earlier one. Not one recorded as
--- pending (begun, then never sent).
function journal.maybe_applied(e)
  if e.applied_before or e.outcome == "updated" or e.outcome == "unknown" then
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
