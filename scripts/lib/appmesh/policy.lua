-- SPDX-License-Identifier: MIT
-- Policies: Lua files returning a list of rules
--   { name = "...", severity = "deny" | "warn", check = function(update, current, ctx) ... end }
-- loaded in a restricted environment and run with an instruction and time limit, so a rule that
-- errors or never returns is reported (file, rule, entry) instead of hanging the run.
local codec = require "appmesh.codec"
local plan = require "appmesh.plan"
local sandbox = require "appmesh.sandbox"

local policy = {}

--- Limits for loading a policy file and for each call of a check: Lua VM instructions and CPU
--- seconds. (C functions such as string.find run to completion between checks of the limit.)
policy.DEFAULT_LIMITS = { instructions = 10000000, seconds = 2 }

local RULE_KEYS = {
  name = true, severity = true, check = true, description = true, needs = true, args = true,
}
local NEEDS = { inventory = true }
-- Globals a policy file sees (sandbox.env) plus a few of os and a print to stderr.
local function policy_env(source)
  return sandbox.env({
    os = { getenv = os.getenv, time = os.time, date = os.date, clock = os.clock },
    print = function(...)
      local parts = table.pack(...)
      for i = 1, parts.n do
        parts[i] = tostring(parts[i])
      end
      io.stderr:write(source, ": ", table.concat(parts, "\t"), "\n")
    end,
  })
end

local function limits_of(opts)
  local l = opts and opts.limits or {}
  return {
    instructions = l.instructions or policy.DEFAULT_LIMITS.instructions,
    seconds = l.seconds or policy.DEFAULT_LIMITS.seconds,
  }
end

local function check_rule(path, i, rule)
  local label = string.format("%s: rule %d", path, i)
  if type(rule) ~= "table" then
    return string.format("%s: expected a table, got %s", label, type(rule))
  end
  if type(rule.name) ~= "string" or rule.name == "" then
    return label .. ": 'name' must be a non-empty string"
  end
  label = string.format("%s ('%s')", label, rule.name)
  for k in pairs(rule) do
    if not RULE_KEYS[k] then
      return string.format("%s: unknown key '%s' (known: args, check, description, name, needs, "
        .. "severity)", label, tostring(k))
    end
  end
  if rule.severity ~= "deny" and rule.severity ~= "warn" then
    return string.format("%s: 'severity' must be \"deny\" or \"warn\", got %s", label,
      type(rule.severity) == "string" and '"' .. rule.severity .. '"' or tostring(rule.severity))
  end
  if type(rule.check) ~= "function" then
    return string.format("%s: 'check' must be a function, got %s", label, type(rule.check))
  end
  if rule.description ~= nil and type(rule.description) ~= "string" then
    return label .. ": 'description' must be a string"
  end
  if rule.args ~= nil then
    if type(rule.args) ~= "table" then
      return label .. ": 'args' must be a table { name = { required = bool, doc = \"...\" } }"
    end
    for name, spec in pairs(rule.args) do
      if type(name) ~= "string" or not name:match("^[%a_][%w_]*$") then
        return string.format("%s: 'args' keys must be argument names, got %s", label,
          tostring(name))
      end
      if type(spec) ~= "table" then
        return string.format("%s: args.%s must be a table { required = bool, doc = \"...\" }",
          label, name)
      end
      for k, v in pairs(spec) do
        if k == "required" and type(v) ~= "boolean" then
          return string.format("%s: args.%s.required must be a boolean", label, name)
        elseif k == "doc" and type(v) ~= "string" then
          return string.format("%s: args.%s.doc must be a string", label, name)
        elseif k ~= "required" and k ~= "doc" then
          return string.format("%s: args.%s: unknown key '%s' (known: doc, required)", label,
            name, tostring(k))
        end
      end
    end
  end
  if rule.needs ~= nil then
    if type(rule.needs) ~= "table" then
      return label .. ": 'needs' must be a list"
    end
    for _, need in ipairs(rule.needs) do
      if not NEEDS[need] then
        return string.format("%s: unknown need '%s' (known: inventory)", label, tostring(need))
      end
    end
  end
  return nil
end

--- Load one policy file.
-- @tparam string path
-- @tparam[opt] table opts `limits = {instructions, seconds}`
-- @treturn table|nil the rules (each with `source` = path added)
-- @treturn string the message on failure
function policy.load(path, opts)
  local limits = limits_of(opts)
  local chunk, err = loadfile(path, "t", policy_env(path))
  if not chunk then
    if not tostring(err):find(path, 1, true) then
      err = path .. ": " .. tostring(err)
    end
    return nil, err
  end
  local ok, rules = sandbox.call(limits, chunk)
  if not ok then
    if not rules:find(path, 1, true) then
      rules = path .. ": " .. rules
    end
    return nil, rules
  end
  if type(rules) ~= "table" then
    return nil, string.format("%s: a policy file must return a list of rules, got %s", path,
      type(rules))
  end
  if #rules == 0 then
    return nil, path .. ": the list of rules is empty"
  end
  local out = {}
  for i, rule in ipairs(rules) do
    local rerr = check_rule(path, i, rule)
    if rerr then
      return nil, rerr
    end
    out[i] = {
      name = rule.name, severity = rule.severity, check = rule.check,
      description = rule.description, needs = rule.needs or {}, args = rule.args, source = path,
    }
  end
  return out
end

--- Load several policy files into one list; a rule name used twice is refused.
-- @treturn table|nil rules
-- @treturn string the message on failure
function policy.load_all(paths, opts)
  local all, names = {}, {}
  for _, path in ipairs(paths or {}) do
    local rules, err = policy.load(path, opts)
    if not rules then
      return nil, err
    end
    for _, rule in ipairs(rules) do
      if names[rule.name] then
        return nil, string.format("%s: rule '%s' is already defined in %s", path, rule.name,
          names[rule.name])
      end
      names[rule.name] = path
      all[#all + 1] = rule
    end
  end
  return all
end

--- Check the policy arguments against what the rules declare (`args = { name = { required =
--- bool, doc = "..." } }`): a required argument that is missing is an error, reported once
--- rather than as one denial per entry; an argument no loaded rule declares is an error when
--- every loaded rule declares its arguments (a typo would otherwise go unnoticed), and a warning
--- when some rule does not (it may read any argument).
-- @tparam table rules from policy.load_all
-- @tparam table args the merged policy_args and --policy-arg values
-- @treturn nil|string the error
-- @treturn {string,...} warnings
function policy.check_args(rules, args)
  local declared, all_declare = {}, true
  for _, rule in ipairs(rules) do
    if rule.args == nil then
      all_declare = false
    else
      for _, name in ipairs(codec.keys(rule.args)) do
        local spec = rule.args[name]
        declared[name] = true
        if spec.required and args[name] == nil then
          return string.format("%s: rule '%s' needs the policy argument '%s'%s: set it in the "
            .. "manifest's policy_args or with --policy-arg %s=VALUE", rule.source, rule.name,
            name, spec.doc and (" (" .. spec.doc .. ")") or "", name), {}
        end
      end
    end
  end
  local given = {}
  for name in pairs(args) do
    given[#given + 1] = name
  end
  table.sort(given)
  local warnings = {}
  for _, name in ipairs(given) do
    if not declared[name] then
      if #rules == 0 then
        warnings[#warnings + 1] = string.format("policy argument '%s' is ignored: no --policy "
          .. "is loaded", name)
      elseif all_declare then
        local known = codec.keys(declared)
        return string.format("unknown policy argument '%s' (the loaded rules take: %s)", name,
          #known > 0 and table.concat(known, ", ") or "none"), {}
      else
        warnings[#warnings + 1] = string.format("policy argument '%s' is not declared by any "
          .. "loaded rule (a rule without 'args' may still read it)", name)
      end
    end
  end
  return nil, warnings
end

--- Whether any rule declares `needs = { name }`.
function policy.needs(rules, name)
  for _, rule in ipairs(rules) do
    for _, need in ipairs(rule.needs) do
      if need == name then
        return true
      end
    end
  end
  return false
end

--- The context every check gets as its third argument (treat it as read-only).
-- @tparam table t `args` (policy_args), `mode` ("apply" | "dry-run" | "check"), `entries` (the
--   run's params), `inventory` (mesh -> {services = n, virtualNodes = set, virtualRouters = set})
-- @treturn table ctx with `args`, `mode`, `run = {total, meshes = {mesh -> entries}}`,
--   `inventory` (or nil) and the helper `provider(spec)` -> kind, name
function policy.context(t)
  local meshes = {}
  for _, e in ipairs(t.entries or {}) do
    meshes[e.meshName] = (meshes[e.meshName] or 0) + 1
  end
  return {
    args = t.args or {},
    mode = t.mode or "check",
    run = { total = #(t.entries or {}), meshes = meshes },
    inventory = t.inventory,
    provider = plan.provider,
  }
end

--- Evaluate every rule on one entry.
-- @tparam table rules from policy.load / load_all
-- @tparam table update the entry's params (each check gets its own copy)
-- @tparam table|nil current the live VirtualServiceData, when known
-- @tparam table ctx from policy.context
-- @tparam[opt] table opts `limits`
-- @treturn table|nil `{ denials = {{rule, message, source}...}, warnings = {...} }`
-- @treturn string the message when a rule raised, ran past the limit or returned a non-string
function policy.evaluate(rules, update, current, ctx, opts)
  local limits = limits_of(opts)
  local verdict = { denials = {}, warnings = {} }
  for _, rule in ipairs(rules) do
    local ok, why = sandbox.call(limits, rule.check, codec.copy(update), codec.copy(current), ctx)
    local entry = tostring(update.meshName) .. "/" .. tostring(update.virtualServiceName)
    if not ok then
      return nil, string.format("%s: rule '%s' on %s: %s", rule.source, rule.name, entry, why)
    end
    if why ~= nil and why ~= false then
      if type(why) ~= "string" then
        return nil, string.format("%s: rule '%s' on %s: check returned a %s (expected nil or a "
          .. "string saying why)", rule.source, rule.name, entry, type(why))
      end
      local finding = { rule = rule.name, message = why, source = rule.source }
      local list = rule.severity == "deny" and verdict.denials or verdict.warnings
      list[#list + 1] = finding
    end
  end
  return verdict
end

--- One line for a denial or warning list: "rule: why; rule: why".
function policy.summary(findings)
  local parts = {}
  for i, f in ipairs(findings) do
    parts[i] = f.rule .. ": " .. f.message
  end
  return table.concat(parts, "; ")
end

return policy
