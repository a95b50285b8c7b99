-- SPDX-License-Identifier: MIT
-- The steps the three scripts share: the client from the environment and flags, the manifest
-- (with the selection helpers), the policies and their arguments, validation of every entry by
-- the binding before anything is sent, describing the current services, and policy verdicts.
local cli = require "appmesh.cli"
local codec = require "appmesh.codec"
local manifest = require "appmesh.manifest"
local policy = require "appmesh.policy"
local selection = require "appmesh.selection"

local runner = {}

--- Make a client: credentials, region and endpoint from the environment; --endpoint and
--- --region override.
-- @treturn userdata|nil client
-- @treturn string the message on failure
function runner.client(opts)
  local ok, appmesh = pcall(require, "appmesh")
  if not ok then
    return nil, "cannot load the appmesh module: " .. tostring(appmesh)
  end
  local c, err = appmesh.client{ endpoint = opts.endpoint, region = opts.region }
  if not c then
    return nil, "cannot make a client: " .. tostring(err)
  end
  return c
end

--- The binding's OS calls internal to the scripts (appmesh._os: exclusive create, locks,
--- fdatasync, the signal trap).
-- @treturn table|nil
-- @treturn string the message on failure
function runner.sys()
  local ok, appmesh = pcall(require, "appmesh")
  if not ok then
    return nil, "cannot load the appmesh module: " .. tostring(appmesh)
  end
  if type(appmesh._os) ~= "table" then
    return nil, "the appmesh module is too old for this script (no appmesh._os)"
  end
  return appmesh._os
end

--- Load the manifest (Lua manifests get the selection helpers, which use `get_client`), the
--- policies, and the policy arguments (the manifest's policy_args, then --policy-arg).
-- @tparam[opt] table load_opts `shared`: passed to manifest.load
-- @treturn table|nil `{ manifest, rules, args, cache, warnings }` (warnings: about the policy
--   arguments, for the script to print)
-- @treturn string the message on failure
function runner.load(path, opts, get_client, load_opts)
  local cache = {}
  local helpers = selection.helpers(get_client, cache, {
    concurrency = opts.concurrency, rate = opts.rate,
  })
  local m, err = manifest.load(path, {
    helpers = helpers, shared = load_opts and load_opts.shared,
  })
  if not m then
    return nil, err
  end
  local rules, perr = policy.load_all(opts.policy or {})
  if not rules then
    return nil, perr
  end
  local flag_args, aerr = cli.key_values(opts.policy_arg, "policy-arg")
  if not flag_args then
    return nil, aerr
  end
  local args = codec.copy(m.policy_args)
  for k, v in pairs(flag_args) do
    args[k] = v
  end
  local args_err, warnings = policy.check_args(rules, args)
  if args_err then
    return nil, args_err
  end
  return { manifest = m, rules = rules, args = args, cache = cache, warnings = warnings }
end

--- Check every entry with the binding's own validation (lengths, UTF-8, token format): the
--- request each would send is built and signed locally, and nothing is sent. Any failure
--- stops the run before it starts.
-- @tparam userdata client
-- @tparam table items `{ params, where, token }`
-- @tparam[opt] table places the `where` of items[i] when the item has none
-- @treturn boolean|nil true
-- @treturn string the message on failure
function runner.validate(client, items, places)
  for i, item in ipairs(items) do
    local params = codec.copy(item.params)
    params.clientToken = item.token
    local req, err = client:update_virtual_service(params, { dry_run = true })
    if not req then
      if err.code == "ValidationError" then
        return nil, string.format("%s: %s", item.where or places[i], err.message)
      end
      return nil, "cannot prepare the requests: " .. tostring(err)
    end
  end
  return true
end

--- Describe the current state of each item (concurrently, through the scheduler), filling
--- `item.current`, or `item.describe_error` when it cannot be described. With `each`, the
--- current state is handed to `each(item, current, i)` (i: the item's place in `items`) in the
--- describing task instead of being stored: a caller that keeps only what it needs of each
--- service holds no more than that at once. Either way an item left without `describe_error`
--- was described.
-- @tparam[opt] function each called as each(item, current, i) (current: a table the caller
--   must not change)
-- @tparam[opt] function step called once per item when it is described or failed (progress)
function runner.describe(client, items, opts, cache, each, step)
  local done = {}
  local function got(i, vs)
    if each then
      each(items[i], vs, i)
    else
      items[i].current = vs
    end
    done[i] = true
    if step then
      step()
    end
  end
  local todo = {}
  for i, item in ipairs(items) do
    local cached = cache and cache[item.key or manifest.key(item.params)]
    if cached then
      got(i, cached)
    else
      todo[#todo + 1] = i
    end
  end
  selection.map(todo, function(i)
    local item = items[i]
    local vs, err = client:describe_virtual_service{
      meshName = item.params.meshName,
      virtualServiceName = item.params.virtualServiceName,
      meshOwner = item.params.meshOwner,
    }
    if vs then
      got(i, vs)
    else
      item.describe_error = err
      if step then
        step()
      end
    end
    return true
  end, { concurrency = opts.concurrency, rate = opts.rate })
  for _, i in ipairs(todo) do
    local item = items[i]
    if not done[i] and not item.describe_error then
      item.describe_error = { code = "InternalError", message = "the describe task did not finish" }
    end
  end
end

--- The meshes (name -> meshOwner or false) of a list of items (or of their params).
function runner.meshes(items)
  local meshes = {}
  for _, item in ipairs(items) do
    local params = item.params or item
    meshes[params.meshName] = params.meshOwner or false
  end
  return meshes
end

--- A one-line description of an error table ({code, message}).
function runner.error_text(err)
  if type(err) ~= "table" then
    return tostring(err)
  end
  return string.format("%s: %s", tostring(err.code), tostring(err.message))
end

--- Print "NAME: message" on stderr and return 2 (the usage / input error exit status).
function runner.fail(name, message)
  io.stderr:write(name, ": ", codec.printable(message), "\n")
  return 2
end

return runner
