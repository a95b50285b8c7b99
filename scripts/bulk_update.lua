-- SPDX-License-Identifier: MIT
-- bulk_update.lua: apply update_virtual_service to many virtual services from a manifest, with
-- policies, concurrency, a rate limit, a journal for --resume and --rollback, and a report.
-- A dry run unless --apply.
-- find scripts/lib when run by a plain lua5.4 (appmesh-lua puts it on the path itself)
package.path = (tostring(arg and arg[0] or ""):match("^(.*)/[^/]*$") or ".") .. "/lib/?.lua;"
  .. package.path

local codec = require "appmesh.codec"
local journal = require "appmesh.journal"
local manifest = require "appmesh.manifest"
local plan = require "appmesh.plan"
local policy = require "appmesh.policy"
local progress = require "appmesh.progress"
local report = require "appmesh.report"
local runner = require "appmesh.runner"
local script = require "appmesh.script"
local selection = require "appmesh.selection"

local NAME = "bulk_update"

local USAGE = [[
usage: appmesh-lua scripts/bulk_update.lua MANIFEST [--apply | --dry-run] [--force]
         [--policy FILE]... [--policy-arg KEY=VALUE]... [--concurrency N] [--rate N]
         [--journal FILE] [--resume] [--report FILE] [--endpoint URL] [--region R]
         [--progress | --no-progress]
       appmesh-lua scripts/bulk_update.lua --rollback JOURNAL [--output FILE]

Apply UpdateVirtualService to every entry of MANIFEST (JSON or Lua). Policies are evaluated
first; denied entries are never sent. Without --apply nothing is changed: a dry run reports
each valid, allowed entry as planned.

  --apply              send the updates (the default is a dry run)
  --dry-run            send no update (the default)
  --force              send an entry whose spec already equals the live spec (by default it
                       is skipped as unchanged: re-running a manifest changes nothing)
  --policy FILE        a policy file (Lua returning rules); repeatable
  --policy-arg K=V     a policy argument (V read as JSON when it is JSON); repeatable
  --concurrency N      requests in flight at once (1-256, default 8)
  --rate N             at most N requests per second
  --journal FILE       record each entry as it finishes (default with --apply:
                       bulk_update-<run id>.journal.jsonl in the current directory)
  --resume             continue the run in --journal: skip entries it records as updated,
                       re-send the others with the same clientTokens
  --report FILE        JSON Lines, one object per entry ("-": stdout, and then the progress
                       and the summary go to stderr)
  --endpoint URL       App Mesh endpoint (else the environment, as any client)
  --region R           region (else the environment)
  --progress           a progress line even when stdout is not a terminal
  --no-progress        plain lines even on a terminal
  --rollback JOURNAL   write the manifest that restores the specs JOURNAL's run replaced
  --output FILE        where --rollback writes (default: stdout)
  -h, --help           this text

A journal is used by one run at a time; --resume refuses a manifest that asks for anything else
than the journal's run. Ctrl-C or SIGTERM stops the run: nothing new is sent, entries in flight
are recorded as unknown, the rest reported pending, and a summary says how to resume.

Exit status: 0 every entry updated (or planned, or skipped), 1 an entry failed or was denied,
2 a usage, manifest, policy or journal error (no update was sent; or a journal or report write
failed mid-run), 130 interrupted by SIGINT, 143 by SIGTERM.
]]

local FLAGS = {
  apply = { kind = "boolean" },
  ["dry-run"] = { kind = "boolean" },
  force = { kind = "boolean" },
  policy = { kind = "string", multiple = true },
  ["policy-arg"] = { kind = "string", multiple = true },
  concurrency = { kind = "integer", min = 1, max = 256 },
  rate = { kind = "number", min = 0.01, max = 1000000 }, -- what the scheduler takes
  journal = { kind = "string" },
  resume = { kind = "boolean" },
  report = { kind = "string" },
  endpoint = { kind = "string" },
  region = { kind = "string" },
  progress = { kind = "boolean" },
  ["no-progress"] = { kind = "boolean" },
  rollback = { kind = "string" },
  output = { kind = "string" },
}

local function check_flags(opts)
  if opts.rollback then
    if #opts.positional > 0 then
      return "--rollback takes a journal and no MANIFEST"
    end
    for _, other in ipairs({ "apply", "dry_run", "resume", "journal", "report", "policy" }) do
      if opts[other] then
        return string.format("--rollback cannot be combined with --%s", other:gsub("_", "-"))
      end
    end
    return nil
  end
  if opts.output then
    return "--output is for --rollback"
  end
  local merr = script.one_manifest(opts)
  if merr then
    return merr
  end
  if opts.apply and opts.dry_run then
    return "--apply and --dry-run exclude each other"
  end
  if opts.resume and not opts.journal then
    return "--resume needs --journal FILE"
  end
  if opts.progress and opts.no_progress then
    return "--progress and --no-progress exclude each other"
  end
  return nil
end

--- Whether an output (--report, --output) would overwrite one of the run's inputs (`inputs`:
--- {path, "what"} pairs): the message saying so, or nil. Compared by name and by device and
--- inode, so "./j" and "j" are one file.
local function overwrites(sys, flag, out, inputs)
  if not out or out == "-" then
    return nil
  end
  for _, input in ipairs(inputs) do
    local path, what = input[1], input[2]
    if path and (out == path or sys.same_file(out, path)) then
      return string.format("%s %s is the same file as the %s %s: writing it would destroy the "
        .. "%s", flag, out, what, path, what)
    end
  end
  return nil
end

local function write_rollback(opts)
  local sys, serr = runner.sys()
  if not sys then
    return runner.fail(NAME, serr)
  end
  local oerr = overwrites(sys, "--output", opts.output, { { opts.rollback, "journal" } })
  if oerr then
    return runner.fail(NAME, oerr)
  end
  local state, err = journal.read(opts.rollback)
  if not state then
    return runner.fail(NAME, err)
  end
  local doc = journal.rollback(state)
  if #doc.updates == 0 then
    return runner.fail(NAME, string.format("%s: no entry was updated, nothing to roll back",
      opts.rollback))
  end
  local text = manifest.to_json(doc)
  if opts.output then
    local f, ferr = io.open(opts.output, "wb")
    if not f then
      return runner.fail(NAME, "cannot write " .. tostring(ferr))
    end
    -- a full disk shows at the write or only when the buffer is flushed at close
    local ok, werr = f:write(text)
    if ok then
      ok, werr = f:close()
    else
      f:close()
    end
    if not ok then
      return runner.fail(NAME, string.format("cannot write the rollback manifest %s: %s",
        opts.output, tostring(werr):gsub("^" .. opts.output:gsub("%p", "%%%0") .. ": ", "")))
    end
    io.stderr:write(string.format("%s: wrote %s: %s the specs replaced by run %s\n",
      NAME, opts.output, codec.count(#doc.updates, "entry restores", "entries restore"),
      state.run_id))
  else
    local ok, werr = io.stdout:write(text)
    if ok then
      ok, werr = io.stdout:flush()
    end
    if not ok then
      return runner.fail(NAME, "cannot write the rollback manifest to stdout: " .. tostring(werr))
    end
  end
  return 0
end

-- Quote an argument for a POSIX shell (only when it needs it).
local function shell_quote(a)
  if a:match("^[%w%./_=:,@+%-]+$") then
    return a
  end
  return "'" .. a:gsub("'", [['\'']]) .. "'"
end

--- The command that resumes this run: the same interpreter, script and arguments, with the
--- journal named and --resume added.
local function resume_command(argv, opts, journal_path)
  local parts = { shell_quote(tostring(argv[-1] or "appmesh-lua")), shell_quote(tostring(argv[0])) }
  for _, a in ipairs(argv) do
    parts[#parts + 1] = shell_quote(a)
  end
  if not opts.journal then
    parts[#parts + 1] = "--journal " .. shell_quote(journal_path)
  end
  if not opts.resume then
    parts[#parts + 1] = "--resume"
  end
  return table.concat(parts, " ")
end

local function main(opts, argv)
  if opts.rollback then
    return write_rollback(opts)
  end
  local apply = opts.apply == true
  local mode = apply and "apply" or "dry-run"
  opts.concurrency = opts.concurrency or 8

  -- SIGINT and SIGTERM stop the run between steps: nothing new is sent, what was in flight is
  -- recorded as unknown, and the run ends with a summary (a second signal ends it at once).
  local sys, serr = runner.sys()
  if not sys then
    return runner.fail(NAME, serr)
  end
  local oerr = overwrites(sys, "--report", opts.report,
    { { opts.journal, "journal" }, { opts.positional[1], "manifest" } })
  if oerr then
    return runner.fail(NAME, oerr)
  end
  sys.trap_signals()
  local signalled = sys.signal

  -- 1. Everything that can be wrong with the input, before anything is sent.
  local client, cerr = runner.client(opts)
  if not client then
    return runner.fail(NAME, cerr)
  end
  local loaded, lerr = runner.load(opts.positional[1], opts, function()
    return client
  end, { shared = true })
  if signalled() then
    io.stderr:write(string.format("%s: interrupted before any update was sent\n", NAME))
    return 128 + signalled()
  end
  if not loaded then
    return runner.fail(NAME, lerr)
  end
  script.warn(NAME, loaded.warnings)
  local m, rules = loaded.manifest, loaded.rules

  local state, j
  local run_id
  if opts.resume then
    if apply then
      j, state = journal.resume(opts.journal)
      if not j then
        return runner.fail(NAME, state)
      end
    else
      local rerr
      state, rerr = journal.read(opts.journal)
      if not state then
        return runner.fail(NAME, rerr)
      end
    end
    run_id = state.run_id
  else
    run_id = plan.new_run_id()
  end

  -- What each entry asks for, recorded in the journal: a resumed run must ask for the same.
  local run_plan = journal.plan(m.entries)
  if state then
    local perr2 = journal.check_plan(state, run_plan, m.entries, m.where)
    if perr2 then
      if j then
        j:close()
      end
      return runner.fail(NAME, perr2)
    end
  end

  -- Each item holds only what the later steps need: the params (shared with the manifest), the
  -- clientToken, the hash of the params, and once described the spec it replaces (as JSON) and
  -- its version.
  local items = {}
  for i, params in ipairs(m.entries) do
    items[i] = { params = params, token = plan.client_token(run_id, params),
      hash = run_plan.entries[i][4] }
  end
  local ok, verr = runner.validate(client, items, m.where)
  local source = m.source
  local ctx_run = policy.context{ entries = m.entries }.run
  m, loaded.manifest = nil, nil -- the items have what is needed of it
  if not ok then
    if j then
      j:close()
    end
    return runner.fail(NAME, verr)
  end

  -- the report first: a report that cannot be created must not leave a new journal behind
  local rep, rerr = report.open(opts.report)
  if not rep then
    if j then
      j:close()
    end
    return runner.fail(NAME, rerr)
  end
  local journal_path = opts.journal
    or string.format("bulk_update-%s.journal.jsonl", run_id:sub(1, 12))
  if apply and not j then
    local jerr
    j, jerr = journal.create(journal_path, run_id, { manifest = source }, run_plan)
    if not j then
      rep:close()
      return runner.fail(NAME, jerr)
    end
  end
  run_plan = nil

  -- With the report on stdout (--report -), stdout carries only its JSON Lines: everything
  -- for people (progress, summary) goes to stderr.
  local human = opts.report == "-" and io.stderr or io.stdout
  local tty
  if human == io.stderr then
    local term = os.getenv("TERM")
    tty = term ~= nil and term ~= "" and term ~= "dumb" and sys.isatty(2)
  else
    tty = progress.is_terminal()
  end
  if opts.progress then
    tty = true
  elseif opts.no_progress then
    tty = false
  end
  local prog = progress.new{ total = #items, tty = tty, out = human }
  local counts = { updated = 0, failed = 0, denied = 0, skipped = 0, planned = 0, unknown = 0,
    pending = 0 }
  local started = progress.clock()

  local function warn(text)
    text = codec.printable(text)
    if tty then
      prog:note(text)
    else
      io.stderr:write(text, "\n")
    end
  end

  if j then
    warn(string.format("%s: run %s, journal %s%s", NAME, run_id, j.path,
      opts.resume and " (resumed)" or ""))
  elseif opts.journal and not opts.resume then
    warn(string.format("%s: dry run: --journal %s is written only with --apply", NAME,
      opts.journal))
  end

  -- The first write that failed (journal or report): the run sends nothing more.
  local stopped, journal_failed, report_failed

  -- The spec an item's update replaces (kept as JSON to keep the run's memory small).
  local function replaced_spec(item)
    return item.replaced and codec.decode(item.replaced)
  end

  -- Record an entry's outcome everywhere: journal, report, progress. A failed write stops the
  -- run (no new request) and is reported at its end. An outcome reached without sending
  -- (`unsent`: it could not be described, or it is denied) is not journaled for an entry an
  -- earlier attempt recorded: what that attempt may have applied stays for --rollback.
  local function finish(item, outcome, t, replaced, unsent)
    t = t or {}
    item.done = true
    counts[outcome] = counts[outcome] + 1
    if j and not journal_failed and outcome ~= "skipped" and outcome ~= "planned"
      and not (unsent and item.earlier) then
      local wok, werr = pcall(j.finish, j, item.params, {
        outcome = outcome, paramsHash = item.hash, clientToken = item.token,
        version = t.version, requestId = t.requestId, error = t.error,
        replaced = replaced or replaced_spec(item), replacedVersion = item.replaced_version,
      })
      if not wok then
        journal_failed, stopped = true, stopped or werr
      end
    end
    if not report_failed then
      local wok, werr = pcall(rep.write, rep, item.params, outcome, t)
      if not wok then
        report_failed, stopped = true, stopped or werr
      end
    end
    local detail = t.detail
    if t.error then
      detail = string.format("%s: %s", t.error.code, t.error.message)
    end
    prog:entry(manifest.key(item.params), outcome, detail)
  end

  -- The run ends early (a signal, or a journal or report write failed): the entries without an
  -- outcome are reported as pending (never sent; not in the journal), and a summary says what
  -- is unknown and how to resume.
  local function stop_run()
    prog:finish()
    for _, item in ipairs(items) do
      if not item.done then
        counts.pending = counts.pending + 1
        if not report_failed then
          local wok, werr = pcall(rep.write, rep, item.params, "pending")
          if not wok then
            report_failed, stopped = true, stopped or werr
          end
        end
      end
    end
    local cok, cerr2 = true, nil
    if j then
      cok, cerr2 = j:close()
    end
    rep:close()
    local parts = {}
    for _, outcome in ipairs(report.OUTCOMES) do
      if counts[outcome] > 0 and outcome ~= "pending" then
        parts[#parts + 1] = string.format("%d %s", counts[outcome], outcome)
      end
    end
    parts[#parts + 1] = string.format("%d not sent", counts.pending)
    local sig = signalled()
    local why = sig and "interrupted" or ("stopped: " .. codec.printable(stopped))
    if not cok and not stopped then
      why = why .. " (" .. tostring(cerr2) .. ")"
    end
    local resume = ""
    if j then
      resume = "; resume with: " .. resume_command(argv, opts, j.path)
    end
    io.stderr:write(string.format("%s: %s: %s%s\n", NAME, why, table.concat(parts, ", "),
      resume))
    if sig then
      return 128 + sig
    end
    return 2
  end

  local function must_stop()
    return stopped ~= nil or signalled() ~= nil
  end

  -- 2. Skip what the journal already records as updated.
  local pending = {}
  for _, item in ipairs(items) do
    local je = state and state.entries[manifest.key(item.params)]
    if je and je.outcome == "updated" then
      finish(item, "skipped", { detail = "updated in this run before (version "
        .. codec.number_text(je.version) .. ")" })
    else
      item.journaled, item.earlier = je, je ~= nil
      pending[#pending + 1] = item
    end
  end
  state = nil
  if must_stop() then
    return stop_run()
  end

  -- 3. Describe the rest, and evaluate the policies of each entry as soon as it is described
  -- (so no described service is kept): every verdict is in before any update is sent.
  local ctx
  if #rules > 0 then
    local inventory
    if policy.needs(rules, "inventory") then
      local ierr
      inventory, ierr = selection.inventory(client, runner.meshes(items))
      if must_stop() then
        return stop_run()
      end
      if not inventory then
        prog:finish()
        if j then
          j:discard()
        end
        return runner.fail(NAME, "policy inventory: " .. ierr)
      end
    end
    ctx = policy.context{ args = loaded.args, mode = mode, inventory = inventory }
    ctx.run = ctx_run
  end
  -- the first entry (in manifest order) whose policies raised, and the message
  local first_error, policy_error = math.huge, nil
  prog:phase("describing", #pending)
  runner.describe(client, pending, opts, loaded.cache, function(item, current, i)
    local je = item.journaled
    item.journaled = nil
    local replaced
    if je and je.begun and je.replaced ~= nil and journal.maybe_applied(je) then
      -- an earlier attempt of this run may have applied it: what it replaced is in the journal
      -- (one refused or never sent replaced nothing: the live spec is what this one replaces)
      replaced, item.replaced_version = je.replaced, je.replacedVersion
    else
      replaced = current.spec or {}
      item.replaced_version = current.metadata and current.metadata.version
    end
    item.replaced = codec.encode(replaced)
    -- nothing to do when the live spec already is the target (an entry begun in an earlier
    -- attempt is re-sent with its token instead, for its version and request id)
    item.unchanged = not opts.force and not (je and je.begun)
      and codec.equal(current.spec or {}, item.params.spec or {})
    if ctx and i < first_error then
      local shown = {} -- the service as described, with the spec the update replaces
      for k, v in pairs(current) do
        shown[k] = v
      end
      shown.spec = replaced -- policy.evaluate gives each check its own copy
      local verdict, eerr = policy.evaluate(rules, item.params, shown, ctx)
      if not verdict then
        first_error, policy_error = i, eerr
      elseif #verdict.warnings > 0 or #verdict.denials > 0 then
        item.verdict = verdict
      end
    end
  end, function()
    prog:step()
  end)
  loaded.cache = nil
  if must_stop() then
    return stop_run()
  end

  local allowed = {}
  for _, item in ipairs(pending) do
    local e = item.describe_error
    if not e then
      allowed[#allowed + 1] = item
    else
      item.describe_error = nil
      item.journaled = nil
      finish(item, "failed", { error = {
        code = tostring(e.code), message = "cannot describe the current service: "
          .. tostring(e.message), retryable = e.retryable == true,
      } }, nil, true)
    end
  end
  pending = nil
  if policy_error then
    prog:finish()
    if j then
      j:discard()
    end
    return runner.fail(NAME, policy_error .. " (no update was sent)")
  end
  -- a denial wins over unchanged: the operator learns the entry is refused either way
  local described = allowed
  allowed = {}
  for _, item in ipairs(described) do
    local verdict = item.verdict
    item.verdict = nil
    if verdict then
      for _, w in ipairs(verdict.warnings) do
        warn(string.format("warning: %s: %s: %s", manifest.key(item.params), w.rule, w.message))
      end
    end
    if verdict and #verdict.denials > 0 then
      finish(item, "denied", { error = {
        code = "PolicyDenied", message = policy.summary(verdict.denials),
      } }, nil, true)
    elseif item.unchanged then
      finish(item, "skipped", { detail = "unchanged" })
    else
      allowed[#allowed + 1] = item
    end
  end
  described = nil
  if must_stop() then
    return stop_run()
  end

  -- 4. The updates (or, in a dry run, the plan).
  prog:phase(apply and "updating" or "planning", #allowed, true)
  if not apply then
    for _, item in ipairs(allowed) do
      finish(item, "planned", { detail = plan.describe_provider(replaced_spec(item)) .. " -> "
        .. plan.describe_provider(item.params.spec) })
    end
  else
    selection.map(allowed, function(item)
      if must_stop() then
        return nil -- not sent: pending
      end
      local params = codec.copy(item.params)
      params.clientToken = item.token
      local replaced = replaced_spec(item)
      local wok, seq = pcall(j.begin, j, params, {
        paramsHash = item.hash, clientToken = item.token, replaced = replaced,
        replacedVersion = item.replaced_version,
      })
      if not wok then
        journal_failed, stopped = true, stopped or seq
        return nil
      end
      -- The begin record is on disk before the request goes out: the tasks that wrote theirs
      -- in this round of the scheduler share one fdatasync.
      if coroutine.isyieldable() then
        coroutine.yield()
      end
      local sok, serr2 = pcall(j.sync_to, j, seq)
      if not sok then
        journal_failed, stopped = true, stopped or serr2
        return nil
      end
      if must_stop() then
        -- begun but not sent: recorded so that a resume sends it and a rollback leaves it
        item.done = true
        counts.pending = counts.pending + 1
        local pok, perr3 = pcall(j.finish, j, item.params, { outcome = "pending",
          paramsHash = item.hash, clientToken = item.token })
        if not pok then
          journal_failed, stopped = true, stopped or perr3
        end
        if not report_failed then
          pok, perr3 = pcall(rep.write, rep, item.params, "pending")
          if not pok then
            report_failed, stopped = true, stopped or perr3
          end
        end
        return nil
      end
      local vs, info = client:update_virtual_service(params)
      if vs then
        finish(item, "updated", {
          version = vs.metadata and vs.metadata.version, requestId = info and info.requestId,
          detail = "version " .. codec.number_text(vs.metadata and vs.metadata.version),
        }, replaced)
      elseif info and info.code == "Interrupted" then
        -- it may have reached the server: resumed with the same token, rolled back if asked
        finish(item, "unknown", { detail = "interrupted while in flight" }, replaced)
      else
        local e = info
        finish(item, "failed", { error = {
          code = tostring(e.code), message = tostring(e.message), retryable = e.retryable == true,
        } }, replaced)
      end
      return true
    end, { concurrency = opts.concurrency, rate = opts.rate })
    if must_stop() then
      return stop_run()
    end
  end

  prog:finish()
  if j then
    local cok, cerr2 = j:close()
    if not cok then
      io.stderr:write(NAME, ": ", codec.printable(cerr2), "\n")
      return 2
    end
  end
  rep:close()
  local parts = {}
  for _, outcome in ipairs(report.OUTCOMES) do
    if counts[outcome] > 0 or outcome == "failed" then
      parts[#parts + 1] = string.format("%d %s", counts[outcome], outcome)
    end
  end
  human:write(string.format("%s%s of %s in %s%s\n",
    apply and "" or "dry run (nothing changed): ", table.concat(parts, ", "),
    codec.count(#items, "entry", "entries"),
    progress.duration(progress.clock() - started),
    j and ("; journal " .. j.path) or ""))
  if not apply and counts.planned > 0 then
    human:write("run again with --apply to make these changes\n")
  end
  if counts.failed > 0 or counts.denied > 0 then
    return 1
  end
  return 0
end

script.run({ name = NAME, usage = USAGE, flags = FLAGS, check = check_flags, main = main }, arg)
