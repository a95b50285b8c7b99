-- SPDX-License-Identifier: MIT
-- dry_run.lua: for each manifest entry, the current spec against the proposed one (a readable
-- diff) and the signed request that would be sent, redacted. Sends nothing that changes state
-- (it only describes the current services).
-- find scripts/lib when run by a plain lua5.4 (appmesh-lua puts it on the path itself)
package.path = (tostring(arg and arg[0] or ""):match("^(.*)/[^/]*$") or ".") .. "/lib/?.lua;"
  .. package.path

local codec = require "appmesh.codec"
local manifest = require "appmesh.manifest"
local plan = require "appmesh.plan"
local policy = require "appmesh.policy"
local runner = require "appmesh.runner"
local script = require "appmesh.script"
local selection = require "appmesh.selection"

local NAME = "dry_run"

local USAGE = [[
usage: appmesh-lua scripts/dry_run.lua MANIFEST [--policy FILE]... [--policy-arg KEY=VALUE]...
         [--offline] [--concurrency N] [--rate N] [--endpoint URL] [--region R]

For each entry of MANIFEST (JSON or Lua): the current spec (described from App Mesh) against the
proposed one, the policies' verdicts, and the signed request bulk_update.lua --apply would send,
with its signature and session token redacted. Nothing that changes state is sent.

  --policy FILE        a policy file (Lua returning rules); repeatable
  --policy-arg K=V     a policy argument (V read as JSON when it is JSON); repeatable
  --offline            do not describe the current services (no request at all)
  --concurrency N      describes in flight at once (1-256, default 8)
  --rate N             at most N requests per second
  --endpoint URL       App Mesh endpoint (else the environment, as any client)
  --region R           region (else the environment)
  -h, --help           this text

Exit status: 0 every entry can be applied, 1 an entry is denied or its service cannot be
described, 2 a usage, manifest or policy error.
]]

local FLAGS = {
  policy = { kind = "string", multiple = true },
  ["policy-arg"] = { kind = "string", multiple = true },
  offline = { kind = "boolean" },
  concurrency = { kind = "integer", min = 1, max = 256 },
  rate = { kind = "number", min = 0.01, max = 1000000 }, -- what the scheduler takes
  endpoint = { kind = "string" },
  region = { kind = "string" },
}

local function indent(text, prefix)
  return prefix .. text:gsub("\n", "\n" .. prefix)
end

--- The request as text: request line, headers sorted by name, pretty body.
local function request_text(req)
  local lines = { string.format("%s %s", req.method, req.url) }
  local names = {}
  for name in pairs(req.headers) do
    names[#names + 1] = name
  end
  table.sort(names, function(a, b)
    return a:lower() < b:lower()
  end)
  for _, name in ipairs(names) do
    lines[#lines + 1] = string.format("%s: %s", name, req.headers[name])
  end
  local body = codec.decode(req.body or "")
  lines[#lines + 1] = ""
  lines[#lines + 1] = body ~= nil and codec.pretty(body) or tostring(req.body)
  return table.concat(lines, "\n")
end

local function main(opts)
  opts.concurrency = opts.concurrency or 8

  local client, cerr = runner.client(opts)
  if not client then
    return runner.fail(NAME, cerr)
  end
  local loaded, lerr = runner.load(opts.positional[1], opts, function()
    if opts.offline then
      error("selection helpers need App Mesh; not available with --offline", 0)
    end
    return client
  end)
  if not loaded then
    return runner.fail(NAME, lerr)
  end
  script.warn(NAME, loaded.warnings)
  local m, rules = loaded.manifest, loaded.rules
  local items = {}
  for i, params in ipairs(m.entries) do
    items[i] = { index = i, params = params, key = manifest.key(params), where = m.where[i] }
  end
  local ok, verr = runner.validate(client, items)
  if not ok then
    return runner.fail(NAME, verr)
  end

  if not opts.offline then
    runner.describe(client, items, opts, loaded.cache)
  end
  local inventory
  if #rules > 0 and not opts.offline and policy.needs(rules, "inventory") then
    local ierr
    inventory, ierr = selection.inventory(client, runner.meshes(items))
    if not inventory then
      return runner.fail(NAME, "policy inventory: " .. ierr)
    end
  end
  local ctx = policy.context{
    args = loaded.args, mode = "dry-run", entries = m.entries, inventory = inventory,
  }

  local counts = { change = 0, same = 0, denied = 0, missing = 0 }
  local out = codec.printable_writer(io.stdout) -- server text must not reach the terminal raw
  for _, item in ipairs(items) do
    local p = item.params
    out:write(string.format("== %s (%s)\n", item.key, item.where))
    local current = item.current
    if opts.offline then
      out:write("current:  not described (--offline)\n")
    elseif current then
      out:write(string.format("current:  version %s, %s\n",
        tostring(current.metadata and current.metadata.version),
        plan.describe_provider(current.spec)))
    else
      counts.missing = counts.missing + 1
      out:write(string.format("current:  cannot describe: %s\n",
        runner.error_text(item.describe_error)))
    end
    out:write(string.format("proposed: %s\n", plan.describe_provider(p.spec)))
    local lines
    if current or opts.offline then
      lines = plan.diff(current and current.spec or nil, p.spec)
      if current and #lines == 0 then
        out:write("  (no change to the spec: bulk_update.lua skips it, unless --force)\n")
      else
        for _, l in ipairs(lines) do
          out:write("  ", l, "\n")
        end
      end
    end
    local denied = false
    if #rules > 0 and (current or opts.offline) then
      local verdict, eerr = policy.evaluate(rules, p, current, ctx)
      if not verdict then
        out:flush()
        return runner.fail(NAME, eerr)
      end
      for _, w in ipairs(verdict.warnings) do
        out:write(string.format("policy:   warn %s: %s\n", w.rule, w.message))
      end
      for _, d in ipairs(verdict.denials) do
        out:write(string.format("policy:   DENY %s: %s\n", d.rule, d.message))
      end
      denied = #verdict.denials > 0
    end
    -- each entry counts once: denied wins, then unchanged, then would change
    if denied then
      counts.denied = counts.denied + 1
    elseif lines and current and #lines == 0 then
      counts.same = counts.same + 1
    elseif lines then
      counts.change = counts.change + 1
    end
    local req, rerr = client:update_virtual_service(p, { dry_run = true })
    if req then
      out:write("request (not sent; its clientToken is an example: bulk_update.lua --apply "
        .. "derives each entry's token from a run id chosen when the run starts):\n",
        indent(request_text(req), "  "), "\n\n")
    else
      out:write("request: cannot be built: ", tostring(rerr), "\n\n")
    end
  end
  out:write(string.format("%s: %d would change, %d unchanged, %d denied, %d cannot be "
    .. "described; nothing was sent\n", codec.count(#items, "entry", "entries"), counts.change,
    counts.same, counts.denied, counts.missing))
  if counts.denied > 0 or counts.missing > 0 then
    return 1
  end
  return 0
end

script.run({ name = NAME, usage = USAGE, flags = FLAGS, main = main }, arg)
