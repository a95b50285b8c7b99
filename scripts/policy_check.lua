-- SPDX-License-Identifier: MIT
-- policy_check.lua: evaluate policies on every entry of a manifest, offline (no current state);
-- warnings are printed, and any denial makes the exit status 1.
-- find scripts/lib when run by a plain lua5.4 (appmesh-lua puts it on the path itself)
package.path = (tostring(arg and arg[0] or ""):match("^(.*)/[^/]*$") or ".") .. "/lib/?.lua;"
  .. package.path

local codec = require "appmesh.codec"
local manifest = require "appmesh.manifest"
local policy = require "appmesh.policy"
local runner = require "appmesh.runner"
local script = require "appmesh.script"

local NAME = "policy_check"

local USAGE = [[
usage: appmesh-lua scripts/policy_check.lua MANIFEST --policy FILE... [--policy-arg KEY=VALUE]...
         [--quiet]

Evaluate the policies on every entry of MANIFEST (JSON or Lua), offline: rules get each entry
and no current state (current is nil). Warnings and denials are printed, one line each.

  --policy FILE        a policy file (Lua returning rules); repeatable, at least one
  --policy-arg K=V     a policy argument (V read as JSON when it is JSON); repeatable
  --quiet              print denials and warnings only, no summary
  -h, --help           this text

Exit status: 0 no entry denied, 1 an entry denied, 2 a usage, manifest or policy error.
]]

local FLAGS = {
  policy = { kind = "string", multiple = true },
  ["policy-arg"] = { kind = "string", multiple = true },
  quiet = { kind = "boolean" },
}

local function check_flags(opts)
  return script.one_manifest(opts)
    or (not opts.policy and "at least one --policy FILE is needed" or nil)
end

local function main(opts)
  local loaded, lerr = runner.load(opts.positional[1], opts, function()
    -- selection helpers in a Lua manifest may list and describe (reads only)
    local client, cerr = runner.client({})
    if not client then
      error(cerr, 0)
    end
    return client
  end)
  if not loaded then
    return runner.fail(NAME, lerr)
  end
  script.warn(NAME, loaded.warnings)
  local m, rules = loaded.manifest, loaded.rules
  local ctx = policy.context{ args = loaded.args, mode = "check", entries = m.entries }
  local denied, warned = 0, 0
  for i, params in ipairs(m.entries) do
    local verdict, eerr = policy.evaluate(rules, params, nil, ctx)
    if not verdict then
      return runner.fail(NAME, eerr)
    end
    local key = manifest.key(params)
    for _, w in ipairs(verdict.warnings) do
      io.stdout:write(codec.printable(string.format("warn  %s (%s): %s: %s", key, m.where[i],
        w.rule, w.message)), "\n")
    end
    for _, d in ipairs(verdict.denials) do
      io.stdout:write(codec.printable(string.format("deny  %s (%s): %s: %s", key, m.where[i],
        d.rule, d.message)), "\n")
    end
    if #verdict.warnings > 0 then
      warned = warned + 1
    end
    if #verdict.denials > 0 then
      denied = denied + 1
    end
  end
  if not opts.quiet then
    io.stdout:write(string.format("%s, %s: %d denied, %d with warnings\n",
      codec.count(#m.entries, "entry", "entries"), codec.count(#rules, "rule"), denied, warned))
  end
  return denied > 0 and 1 or 0
end

script.run({ name = NAME, usage = USAGE, flags = FLAGS, check = check_flags, main = main }, arg)
