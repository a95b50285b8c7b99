-- SPDX-License-Identifier: MIT
-- appmesh.journal: the run journal written as entries finish, read back for --resume, and the
-- rollback manifest built from it.
local cjson = require "cjson"
local journal = require "appmesh.journal"
local manifest = require "appmesh.manifest"
local sh = dofile("tests/lua/scripts_helpers.lua")

local NODE_A = { provider = { virtualNode = { virtualNodeName = "a-vn" } } }
local NODE_B = { provider = { virtualNode = { virtualNodeName = "b-vn" } } }

local function entry(name)
  return { meshName = "m", virtualServiceName = name }
end

describe("journal", function()
  local J

  before_each(function()
    J = sh.path("journal.jsonl")
  end)

  teardown(sh.cleanup)

  it("starts with a header that holds the run id", function()
    local j = assert(journal.create(J, "run-1", { manifest = "m.json" }))
    j:close()
    local lines = sh.jsonl(J)
    assert.equal(1, #lines)
    assert.equal("appmesh-bulk-update-journal", lines[1].format)
    assert.equal("run-1", lines[1].runId)
    assert.equal("m.json", lines[1].manifest)
  end)

  it("flushes each record as it is written", function()
    local j = assert(journal.create(J, "run-1"))
    j:begin(entry("s1"), { clientToken = "tok1", replaced = NODE_A, replacedVersion = 1 })
    local lines = sh.jsonl(J)
    assert.equal(2, #lines)
    assert.same({ type = "begin", meshName = "m", virtualServiceName = "s1", clientToken = "tok1",
      replaced = NODE_A, replacedVersion = 1 }, lines[2])
    j:finish(entry("s1"), { outcome = "updated", clientToken = "tok1", version = 2,
      requestId = "req-1", replaced = NODE_A, replacedVersion = 1 })
    lines = sh.jsonl(J)
    assert.equal(3, #lines)
    assert.same({ type = "end", meshName = "m", virtualServiceName = "s1", outcome = "updated",
      clientToken = "tok1", version = 2, requestId = "req-1", replaced = NODE_A,
      replacedVersion = 1 }, lines[3])
    j:close()
  end)

  it("refuses to start over an existing journal", function()
    sh.write(J, "x\n")
    local j, err = journal.create(J, "run-2")
    assert.is_nil(j)
    assert.equal("journal " .. J .. " already exists: use --resume to continue that run, "
      .. "or another --journal", err)
  end)

  it("reads back each entry's last state", function()
    local j = assert(journal.create(J, "run-1"))
    j:begin(entry("s1"), { clientToken = "t1", replaced = NODE_A, replacedVersion = 1 })
    j:finish(entry("s1"), { outcome = "updated", clientToken = "t1", version = 2,
      replaced = NODE_A })
    j:begin(entry("s2"), { clientToken = "t2", replaced = NODE_B, replacedVersion = 4 })
    j:finish(entry("s3"), { outcome = "denied", clientToken = "t3",
      error = { code = "PolicyDenied", message = "no" } })
    j:close()
    local state = assert(journal.read(J))
    assert.equal("run-1", state.run_id)
    assert.same({ "m/s1", "m/s2", "m/s3" }, state.order)
    assert.equal("updated", state.entries["m/s1"].outcome)
    assert.equal(2, state.entries["m/s1"].version)
    assert.is_true(state.entries["m/s2"].begun)
    assert.is_nil(state.entries["m/s2"].outcome)
    assert.same(NODE_B, state.entries["m/s2"].replaced)
    assert.equal("denied", state.entries["m/s3"].outcome)
  end)

  it("resumes: same run id, appends after the old records", function()
    local j = assert(journal.create(J, "run-1"))
    j:finish(entry("s1"), { outcome = "failed", clientToken = "t1",
      error = { code = "X", message = "y", retryable = true } })
    j:close()
    local j2, state = journal.resume(J)
    assert.equal("run-1", j2.run_id)
    assert.equal("failed", state.entries["m/s1"].outcome)
    j2:finish(entry("s1"), { outcome = "updated", clientToken = "t1", version = 5 })
    j2:close()
    local lines = sh.jsonl(J)
    assert.equal(4, #lines)
    assert.equal("resume", lines[3].type)
    assert.equal("updated", assert(journal.read(J)).entries["m/s1"].outcome)
  end)

  it("ignores a last line cut short by a killed run, and resumes after it", function()
    local j = assert(journal.create(J, "run-1"))
    j:finish(entry("s1"), { outcome = "updated", clientToken = "t1", version = 2 })
    j:close()
    local f = assert(io.open(J, "ab"))
    f:write('{"type":"end","meshName":"m","virtualServiceName":"s2","outc')
    f:close()
    local state = assert(journal.read(J))
    assert.is_true(state.torn)
    assert.is_nil(state.entries["m/s2"])
    local j2 = assert(journal.resume(J))
    j2:finish(entry("s2"), { outcome = "updated", clientToken = "t2", version = 2 })
    j2:close()
    assert.equal("updated", assert(journal.read(J)).entries["m/s2"].outcome)
  end)

  local bad = {
    { "a damaged line in the middle", '{"format":"appmesh-bulk-update-journal","runId":"r"}\n'
      .. "garbage\n" .. '{"type":"end","meshName":"m","virtualServiceName":"s"}\n',
      ":2: not a journal record" },
    { "a file that is not a journal", '{"hello":1}\n', ":1: not an appmesh bulk update journal" },
    { "an empty file", "", ": the journal is empty" },
    { "an unknown record type", '{"format":"appmesh-bulk-update-journal","runId":"r"}\n'
      .. '{"type":"other"}\n', ":2: unknown record type 'other'" },
  }
  for _, case in ipairs(bad) do
    it("refuses " .. case[1], function()
      sh.write(J, case[2])
      local state, err = journal.read(J)
      assert.is_nil(state)
      assert.equal(J .. case[3], err:sub(1, #J + #case[3]), err)
    end)
  end

  it("holds a lock while open: a second resume is refused until it is closed", function()
    local j = assert(journal.create(J, "run-1"))
    local j2, err = journal.resume(J)
    assert.is_nil(j2)
    assert.equal("journal " .. J .. " is in use by another run", err)
    j:close()
    j2 = assert(journal.resume(J))
    local _, err2 = journal.resume(J)
    assert.equal("journal " .. J .. " is in use by another run", err2)
    j2:close()
  end)

  it("writes nothing more after a failed write (a short one would be glued to the next)",
    function()
      local j = assert(journal.create(J, "run-1"))
      local real, writes = j.file, {}
      j.file = {
        write = function(_, s)
          writes[#writes + 1] = s
          if #writes == 1 then
            return nil, "cannot write " .. J .. ": No space left on device", "nospace"
          end
          return true
        end,
        sync = function()
          return true
        end,
        close = function()
          real:close()
        end,
      }
      assert.has_error(function()
        j:begin(entry("a"), { clientToken = "t" })
      end)
      local ok, err = pcall(j.finish, j, entry("a"), { outcome = "pending" })
      assert.is_false(ok)
      assert.matches("cannot write journal", err)
      assert.equal(1, #writes)
      j:close()
    end)

  it("refuses an empty existing file too (created exclusively)", function()
    sh.write(J, "")
    local j, err = journal.create(J, "run-2")
    assert.is_nil(j)
    assert.truthy(err:find("already exists", 1, true), err)
  end)

  it("refuses a directory and /dev/full with one line", function()
    local dir = sh.tmpdir()
    local _, err = journal.create(dir, "run-1")
    assert.equal("journal " .. dir .. " is a directory", err)
    _, err = journal.create("/dev/full", "run-1")
    assert.equal("journal /dev/full is not a regular file", err)
    _, err = journal.resume("/dev/full")
    assert.equal("cannot open journal /dev/full: not a regular file", err)
    _, err = journal.create(sh.tmpdir() .. "/no/such/dir/j.jsonl", "run-1")
    assert.truthy(err:find("^cannot create journal .*No such file or directory$"), err)
  end)

  it("syncs begin records in batches: one fdatasync covers every record before it", function()
    local j = assert(journal.create(J, "run-1"))
    local syncs = j.syncs
    local s1 = j:begin(entry("s1"), { clientToken = "t1" })
    local s2 = j:begin(entry("s2"), { clientToken = "t2" })
    j:sync_to(s1)
    j:sync_to(s2)
    assert.equal(syncs + 1, j.syncs)
    j:close()
  end)

  it("records the plan: the manifest's hash and each entry's params hash", function()
    local entries = { { meshName = "m", virtualServiceName = "s1", spec = NODE_A },
      { meshName = "m", virtualServiceName = "s2", spec = NODE_B } }
    local p = journal.plan(entries)
    local j = assert(journal.create(J, "run-1", nil, p))
    j:close()
    local lines = sh.jsonl(J)
    assert.equal(p.hash, lines[1].manifestHash)
    assert.equal("plan", lines[2].type)
    assert.same({ "", "m", "s1", journal.params_hash(entries[1]) }, lines[2].entries[1])
    local state = assert(journal.read(J))
    local where = { "m.json:2: updates[1]", "m.json:3: updates[2]" }
    assert.is_nil(journal.check_plan(state, p, entries, where))
    -- the same entries in another order: the same run
    local swapped = { entries[2], entries[1] }
    assert.is_nil(journal.check_plan(state, journal.plan(swapped), swapped, where))
    local changed = { entries[1], { meshName = "m", virtualServiceName = "s2", spec = NODE_A } }
    assert.equal(J .. ": the manifest differs from the journal's run: m.json:3: updates[2]: m/s2 "
      .. "asks for something else than in that run (to resume, give the manifest the run started "
      .. "with; to change course, start a new --journal)",
      journal.check_plan(state, journal.plan(changed), changed, where))
    local fewer = { entries[1] }
    assert.truthy(journal.check_plan(state, journal.plan(fewer), fewer, where)
      :find("m/s2 of that run is not in the manifest", 1, true))
  end)

  it("says a journal cut after its header (a run killed while creating it) sent nothing",
    function()
      local entries = { { meshName = "m", virtualServiceName = "s1", spec = NODE_A } }
      local p = journal.plan(entries)
      local j = assert(journal.create(J, "run-1", nil, p))
      j:close()
      local header = sh.read(J):match("^[^\n]*\n")
      sh.write(J, header)
      local state = assert(journal.read(J))
      assert.equal(J .. ": the journal ends before its run's plan: that run stopped while "
        .. "creating it, before sending anything; start a new --journal",
        journal.check_plan(state, p, entries, { "m.json:2: updates[1]" }))
    end)

  it("refuses a journal it cannot read", function()
    local _, err = journal.read(sh.path("none"))
    assert.truthy(err:find("cannot read journal", 1, true), err)
  end)
end)

describe("journal.rollback", function()
  teardown(sh.cleanup)

  it("restores what may have been applied, and nothing else", function()
    local J = sh.path("journal.jsonl")
    local j = assert(journal.create(J, "run-1"))
    local function run(name, begun, t)
      if begun then
        j:begin(entry(name), { clientToken = "t", replaced = NODE_A, replacedVersion = 1 })
      end
      if t then
        t.clientToken = "t"
        t.replaced = begun and NODE_A or nil
        j:finish(entry(name), t)
      end
    end
    run("updated", true, { outcome = "updated", version = 2 })
    run("in-flight", true, nil)
    run("dropped", true, { outcome = "failed", error = { code = "TransportError", message = "x",
      retryable = true } })
    run("rejected", true, { outcome = "failed", error = { code = "NotFoundException",
      message = "x", retryable = false } })
    run("denied", false, { outcome = "denied", error = { code = "PolicyDenied", message = "x" } })
    run("undescribed", false, { outcome = "failed", error = { code = "NotFoundException",
      message = "x" } })
    j:close()
    local doc = journal.rollback(assert(journal.read(J)))
    assert.same({
      { meshName = "m", virtualServiceName = "updated", spec = NODE_A },
      { meshName = "m", virtualServiceName = "in-flight", spec = NODE_A },
      { meshName = "m", virtualServiceName = "dropped", spec = NODE_A },
    }, doc.updates)
    local path = sh.path("rollback.json")
    sh.write(path, manifest.to_json(doc))
    assert.same(doc.updates, assert(manifest.load(path)).entries)
    assert.is_table(cjson.decode(sh.read(path)))
  end)

  it("keeps what an earlier attempt may have applied whatever a later attempt records",
    function()
      local J = sh.path("journal.jsonl")
      local j = assert(journal.create(J, "run-1"))
      local refused = { code = "ForbiddenException", message = "x", retryable = false }
      local function attempt(name, t)
        j:begin(entry(name), { clientToken = "t", replaced = NODE_A, replacedVersion = 1 })
        if t then
          t.clientToken = "t"
          j:finish(entry(name), t)
        end
      end
      attempt("unknown-then-refused", { outcome = "unknown" })
      attempt("dropped-then-refused", { outcome = "failed", error = { code = "TransportError",
        message = "x", retryable = true } })
      attempt("in-flight-then-pending", nil)
      attempt("pending-then-refused", { outcome = "pending" })
      j:close()
      local r = assert(journal.resume(J))
      attempt = function(name, t)
        r:begin(entry(name), { clientToken = "t", replaced = NODE_A, replacedVersion = 1 })
        t.clientToken = "t"
        r:finish(entry(name), t)
      end
      attempt("unknown-then-refused", { outcome = "failed", error = refused })
      attempt("dropped-then-refused", { outcome = "failed", error = refused })
      attempt("in-flight-then-pending", { outcome = "pending" })
      attempt("pending-then-refused", { outcome = "failed", error = refused })
      r:close()
      local names = {}
      for _, u in ipairs(journal.rollback(assert(journal.read(J))).updates) do
        names[#names + 1] = u.virtualServiceName
      end
      assert.same({ "unknown-then-refused", "dropped-then-refused", "in-flight-then-pending" },
        names)
    end)

  it("keeps meshOwner and an empty replaced spec", function()
    local J = sh.path("journal.jsonl")
    local j = assert(journal.create(J, "run-1"))
    local e = { meshName = "m", virtualServiceName = "s", meshOwner = "123456789012" }
    j:begin(e, { clientToken = "t", replaced = {} })
    j:finish(e, { outcome = "updated", clientToken = "t", version = 2, replaced = {} })
    j:close()
    assert.same({ { meshName = "m", virtualServiceName = "s", meshOwner = "123456789012",
      spec = {} } }, journal.rollback(assert(journal.read(J))).updates)
  end)
end)
