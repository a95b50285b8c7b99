-- SPDX-License-Identifier: MIT
-- Help, skeletons and completion words of the `appmesh` shell command, from the model.
local appmesh = require "appmesh"
local cli_args = require "appmesh.cli_args"
local cli_model = require "appmesh.cli_model"
local codec = require "appmesh.codec"

local cli_help = {}

--- The scripts run by name: command -> file in the scripts directory, and a line of help.
cli_help.SCRIPTS = {
  ["bulk-update"] = { "bulk_update.lua", "apply update-virtual-service to many services" },
  ["dry-run"] = { "dry_run.lua", "show what each manifest entry would change, send nothing" },
  ["policy-check"] = { "policy_check.lua", "check a manifest against policies, offline" },
}

local GLOBAL_HELP = [[
Global options:
  --endpoint-url URL         send to this endpoint (else AWS_ENDPOINT_URL_APP_MESH, ...)
  --region R                 the region (else AWS_REGION, AWS_DEFAULT_REGION, the profile)
  --profile P                the profile of the shared config and credentials files
  --debug                    trace every attempt on stderr (APPMESH_LOG=debug), secrets redacted
  --cli-connect-timeout N    seconds to wait for a connection (0: an hour, the longest)
  --cli-read-timeout N       seconds to wait for a response (0: an hour, the longest)
  --ca-bundle FILE           CA certificates to verify TLS with
  --no-verify-ssl            do not verify TLS certificates
  --output json              the only output format (text, table and yaml are refused)
  --no-paginate              one page only, with its nextToken
  --cli-input-json JSON      the input as JSON, or file://PATH (options given win)
  --generate-cli-skeleton [input|output]   print the input (or output) with every member
  --dry-run                  print the request it would send (signature redacted), send nothing
]]

local function wrap(text, width, indent)
  local lines, line = {}, ""
  for word in text:gmatch("%S+") do
    if #line > 0 and #line + 1 + #word > width then
      lines[#lines + 1] = indent .. line
      line = word
    else
      line = #line > 0 and (line .. " " .. word) or word
    end
  end
  if #line > 0 then
    lines[#lines + 1] = indent .. line
  end
  return table.concat(lines, "\n")
end

--- The command's usage: what it does, the operations and the scripts.
function cli_help.usage()
  local out = {
    "usage: appmesh <operation> [--member VALUE]... [options]",
    "       appmesh bulk-update|dry-run|policy-check ARGS...",
    "       appmesh <operation> --help",
    "",
    "App Mesh from the shell: the AWS CLI's `aws appmesh` command line (change the command",
    "name), answering in milliseconds. Prints the output as JSON; exit 0, 252 bad command",
    "line or parameters, 253 credentials or configuration, 254 service error, 255 other,",
    "130 interrupted.",
    "",
    "Operations:",
  }
  local names = cli_model.operation_names()
  for i = 1, #names, 3 do
    out[#out + 1] = (string.format("  %-32s%-32s%s", names[i], names[i + 1] or "",
      names[i + 2] or ""):gsub("%s+$", ""))
  end
  out[#out + 1] = ""
  out[#out + 1] = "Scripts:"
  for _, k in ipairs(codec.keys(cli_help.SCRIPTS)) do
    out[#out + 1] = string.format("  %-14s %s (appmesh %s --help)", k, cli_help.SCRIPTS[k][2], k)
  end
  out[#out + 1] = ""
  out[#out + 1] = GLOBAL_HELP
  return table.concat(out, "\n")
end

local function type_word(o)
  local s = cli_model.shape(o.shape)
  if s.type == "list" then
    local item = cli_model.shape(s.item)
    if item.type == "structure" or item.type == "union" then
      return "JSON array or shorthand key=value,... (repeated)"
    end
    return item.type .. " ..."
  elseif s.type == "structure" or s.type == "union" then
    return "JSON or shorthand key=value,..."
  elseif s.type == "boolean" then
    return nil
  elseif s.enum then
    return table.concat(s.enum, "|")
  end
  return s.type
end

--- Help for one operation: its documentation, options (from the model's documentation, one
--- line each), paging and global options.
function cli_help.operation(op)
  local kebab = cli_model.kebab(op.name)
  local options = cli_model.options(op)
  local out = { kebab, "", wrap(op.doc or "", 94, "  "), "" }
  local synopsis = { "usage: appmesh " .. kebab }
  for _, o in ipairs(options) do
    local w = type_word(o)
    local text = o.option .. (w and (" <" .. (o.type == "list" and "value..." or "value")
      .. ">") or "")
    synopsis[#synopsis + 1] = o.required and text or ("[" .. text .. "]")
  end
  out[#out + 1] = wrap(table.concat(synopsis, " "), 94, "")
  out[#out + 1] = ""
  out[#out + 1] = "Options:"
  for _, o in ipairs(options) do
    local w = type_word(o)
    local head = "  " .. o.option .. (w and (" (" .. w .. ")") or " (flag; --no-"
      .. o.option:sub(3) .. " for false)")
    if o.required then
      head = head .. ", required"
    end
    if o.token then
      head = head .. ", generated when not given"
    end
    out[#out + 1] = head
    if o.doc and o.doc ~= "" then
      out[#out + 1] = "      " .. o.doc:gsub("%s+", " ") -- the model's first sentence, one line
    end
  end
  if op.paginator then
    out[#out + 1] = ""
    out[#out + 1] = "Paging: every page is fetched and the " .. op.paginator.result_key
      .. " merged, unless"
    out[#out + 1] = "  --no-paginate, or --" .. cli_model.kebab(op.paginator.limit_key)
      .. " / --" .. cli_model.kebab(op.paginator.input_token) .. " given."
    out[#out + 1] = "  --page-size N        items per request"
    out[#out + 1] = "  --max-items N        at most N items; a NextToken in the output when cut"
    out[#out + 1] = "  --starting-token T   go on from a NextToken"
  end
  out[#out + 1] = ""
  out[#out + 1] = GLOBAL_HELP
  return table.concat(out, "\n")
end

-- A skeleton value of a shape, as botocore's ArgumentGenerator makes it (the first enum value
-- where it picks one at random).
local function skeleton(shape, stack)
  local s = cli_model.shape(shape)
  if s.type == "structure" or s.type == "union" then
    local seen = 0
    for _, name in ipairs(stack) do
      if name == s.name then
        seen = seen + 1
      end
    end
    if seen > 0 then
      return {}
    end
    stack[#stack + 1] = s.name
    local v = {}
    for _, m in ipairs(s.members) do
      v[m.name] = skeleton(m.shape, stack)
    end
    stack[#stack] = nil
    return v
  elseif s.type == "list" then
    return { skeleton(s.item, stack) }
  elseif s.type == "string" then
    return s.enum and s.enum[1] or ""
  elseif s.type == "integer" or s.type == "long" then
    return 0
  elseif s.type == "boolean" then
    return true
  elseif s.type == "timestamp" then
    return 0
  end
  return nil
end

--- The skeleton of an operation's input ("input") or output ("output") as a Lua value and
--- the shape to print it with.
function cli_help.skeleton(op, which)
  local shape = which == "output" and op.output or op.input
  return skeleton(shape, {}), shape
end

--- Completion words for the word after `words` (the command line without the program name
--- and without the word being completed).
function cli_help.complete(words)
  local out = {}
  local op = nil
  for _, w in ipairs(words) do
    if w:sub(1, 2) ~= "--" then
      op = cli_model.operation(w)
      if op or cli_help.SCRIPTS[w] then
        break
      end
    end
  end
  local last = words[#words]
  if #words == 0 or (not op and (last == nil or last:sub(1, 2) ~= "--")) then
    if #words > 0 and cli_help.SCRIPTS[words[#words]] then
      return out -- a script's own arguments: files
    end
    for _, n in ipairs(cli_model.operation_names()) do
      out[#out + 1] = n
    end
    for _, k in ipairs(codec.keys(cli_help.SCRIPTS)) do
      out[#out + 1] = k
    end
    out[#out + 1] = "help"
    return out
  end
  if last == "--output" then
    return { "json" }
  elseif last == "--generate-cli-skeleton" then
    return { "input", "output" }
  end
  if op and last and last:sub(1, 2) == "--" then
    local _, map = cli_model.options(op)
    local o = map[last]
    if o then
      local s = cli_model.shape(o.shape)
      if s.enum then
        return s.enum
      elseif s.type ~= "boolean" then
        return out -- a value: let the shell complete files
      end
    elseif cli_args.global_kind(last) == "value" then
      return out
    end
  end
  local used = {}
  for _, w in ipairs(words) do
    used[w] = true
  end
  if op then
    for _, o in ipairs(cli_model.options(op)) do
      if not used[o.option] then
        out[#out + 1] = o.option
      end
    end
  end
  for _, g in ipairs(cli_args.global_names(op)) do
    if not used[g] then
      out[#out + 1] = g
    end
  end
  return out
end

cli_help.version = appmesh._VERSION

return cli_help
