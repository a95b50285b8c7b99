-- SPDX-License-Identifier: MIT
-- appmesh: the shell command. `appmesh <operation> [options]` is `aws appmesh <operation>
-- [options]` (the AWS CLI v2's command line, output and exit statuses) on this library's client;
-- `appmesh bulk-update|dry-run|policy-check ...` run the scripts of the same names. The host
-- (appmesh-lua started as `appmesh`) runs this file with the command's arguments.
-- find scripts/lib when run by a plain lua5.4 (appmesh-lua puts it on the path itself)
package.path = (tostring(arg and arg[0] or ""):match("^(.*)/[^/]*$") or ".") .. "/lib/?.lua;"
  .. package.path

local appmesh = require "appmesh"
local cjson = require "cjson"
local cli_args = require "appmesh.cli_args"
local cli_help = require "appmesh.cli_help"
local cli_model = require "appmesh.cli_model"
local cli_output = require "appmesh.cli_output"

-- The AWS CLI v2's exit statuses.
local EXIT_OK, EXIT_USAGE, EXIT_CONFIG, EXIT_SERVICE, EXIT_OTHER, EXIT_INTERRUPTED =
  0, 252, 253, 254, 255, 130

local function say(stream, text)
  stream:write(text, "\n")
end

local function usage_error(msg)
  say(io.stderr, "appmesh: error: " .. msg)
  return EXIT_USAGE
end

-- The client's own error codes and their exit statuses; any other code is the service's.
local CLIENT_CODES = {
  ValidationError = EXIT_USAGE,
  CredentialsError = EXIT_CONFIG,
  EndpointError = EXIT_CONFIG,
  TransportError = EXIT_OTHER,
  TimeoutError = EXIT_OTHER,
  ResponseError = EXIT_OTHER,
  OutOfMemory = EXIT_OTHER,
  InternalError = EXIT_OTHER,
  Interrupted = EXIT_INTERRUPTED,
  PaginationError = EXIT_OTHER,
}

-- Lua list positions (1-based) in a field path or message as the JSON the user wrote them
-- (0-based): "tags[2].value" -> "tags[1].value".
local function zero_based(text)
  return (tostring(text or ""):gsub("%[(%d+)%]", function(d)
    return "[" .. (tonumber(d) - 1) .. "]"
  end))
end

--- Report a failed call as the AWS CLI does; returns the exit status. `cmd` (the parsed command
--- line, when there is one) says which option a bad member came from.
local function call_failed(op, err, cmd)
  if type(err) ~= "table" then
    say(io.stderr, "\n" .. tostring(err))
    return EXIT_OTHER
  end
  local status = CLIENT_CODES[err.code]
  if status == EXIT_INTERRUPTED then
    return status
  elseif status == EXIT_USAGE then
    local field = zero_based(err.field)
    local top = field:match("^([%w]+)")
    local msg = cli_args.one_line(zero_based(err.message))
    local option = nil
    if cmd and top and cmd.given[top] then
      option = "--" .. cli_model.kebab(top)
    elseif cmd and cmd.input_json then
      option = "--cli-input-json"
    end
    if option then
      return usage_error(string.format("argument %s: parameter validation failed: %s", option,
        msg))
    end
    return usage_error("parameter validation failed: " .. msg)
  elseif status then
    say(io.stderr, "\n" .. cli_args.one_line(tostring(err.message or err.code)))
    return status
  end
  local retries = ""
  if (err.attempts or 1) > 1 then
    retries = string.format(" (reached max retries: %d)", err.attempts - 1)
  end
  local message = err.message
  if message == nil or message == "" then
    message = "Unknown"
  end
  -- the service's text on one line, with no escape sequence reaching the terminal
  say(io.stderr, string.format("\nAn error occurred (%s) when calling the %s operation%s: %s",
    cli_args.one_line(tostring(err.code)), op.api, retries, cli_args.one_line(message)))
  return EXIT_SERVICE
end

-- The settings of the profile in the shared config file that change what the AWS CLI prints
-- (`output`, `cli_timestamp_format`), by name; empty when there is no file.
local function profile_print_settings(cmd)
  local settings = {}
  local profile = cmd.global.profile or os.getenv("AWS_PROFILE")
  if profile == nil or profile == "" then
    profile = os.getenv("AWS_DEFAULT_PROFILE") or "default"
  end
  local path = os.getenv("AWS_CONFIG_FILE")
  if path == nil or path == "" then
    path = (os.getenv("HOME") or "") .. "/.aws/config"
  end
  local f = io.open(path, "r")
  if not f then
    return settings, profile
  end
  local section = nil
  for line in f:lines() do
    local name = line:match("^%s*%[%s*(.-)%s*%]")
    if name then
      section = name:gsub("^profile%s+", "")
      if name == "default" then
        section = "default"
      end
    elseif section == profile then
      local k, v = line:match("^%s*([%w_]+)%s*=%s*(.-)%s*$")
      if k == "output" or k == "cli_timestamp_format" then
        settings[k] = v
      end
    end
  end
  f:close()
  return settings, profile
end

-- The output format (the AWS CLI's precedence: --output, then AWS_DEFAULT_OUTPUT, then the
-- profile) when it is not json, and the profile's cli_timestamp_format when it is not the AWS
-- CLI v2's iso8601: warned about once each, then ignored.
local function warn_output_setting(cmd)
  local settings, profile = profile_print_settings(cmd)
  local value, where = os.getenv("AWS_DEFAULT_OUTPUT"), "AWS_DEFAULT_OUTPUT"
  if value == nil or value == "" then
    value, where = settings.output, "profile " .. profile
  end
  if not cmd.global.output and value and value ~= "" and value ~= "json" then
    say(io.stderr, string.format("appmesh: warning: output = %s (%s) ignored: appmesh prints "
      .. "JSON only", value, where))
  end
  value = settings.cli_timestamp_format
  if value and value ~= "" and value ~= "iso8601" then
    say(io.stderr, string.format("appmesh: warning: cli_timestamp_format = %s (profile %s) "
      .. "ignored: appmesh prints timestamps in ISO 8601", value, profile))
  end
end

-- The client for the command's global options.
local function make_client(cmd)
  local g = cmd.global
  local opts = {
    region = g.region,
    endpoint = g["endpoint-url"],
    profile = g.profile,
    ca_bundle = g["ca-bundle"],
  }
  if g["no-verify-ssl"] then
    opts.verify_tls = false
  end
  -- 0 is "no limit" for the AWS CLI; the client's longest timeout is an hour
  local LONGEST = 3600
  if g["cli-connect-timeout"] then
    opts.connect_timeout = g["cli-connect-timeout"] > 0 and g["cli-connect-timeout"] or LONGEST
  end
  if g["cli-read-timeout"] then
    opts.timeout = g["cli-read-timeout"] > 0 and g["cli-read-timeout"] or LONGEST
  end
  return appmesh.client(opts)
end

local function print_json(text)
  io.stdout:write(text, "\n")
end

-- The output of one call (the payload member's value, or the output structure) as the
-- whole output structure.
local function whole_output(op, result)
  if op.payload then
    return { [op.payload] = result }
  end
  return result
end

local function copy(t)
  local c = {}
  for k, v in pairs(t) do
    c[k] = v
  end
  return c
end

-- botocore's resume tokens: base64 of json.dumps({input_token: value[, "boto_truncate_amount":
-- n]}), so that a NextToken from either command works with the other's --starting-token.
local function encode_token(name, value, truncate)
  local json = "{" .. cli_output.quote(name) .. ": "
    .. (value == nil and "null" or cli_output.quote(value))
  if truncate then
    json = json .. ', "boto_truncate_amount": ' .. truncate
  end
  return cli_output.base64(json .. "}")
end

local function decode_token(name, token)
  local json = cli_output.unbase64(token)
  local ok, t = pcall(cjson.decode, json or "")
  if ok and type(t) == "table" and (t[name] ~= nil or t.boto_truncate_amount ~= nil) then
    local value = t[name]
    if value == cjson.null then
      value = nil
    end
    return value, math.tointeger(t.boto_truncate_amount) or 0
  end
  return token, 0 -- a service token as it is
end

-- Every page of a paginated operation merged, as botocore's PageIterator.build_full_result.
local function paginate(client, op, params, paging)
  local pg = op.paginator
  local key, in_token, out_token = pg.result_key, pg.input_token, pg.output_token
  local max_items = paging.max_items
  local items, seen = {}, false
  local token, skip = nil, 0
  if paging.starting_token then
    token, skip = decode_token(in_token, paging.starting_token)
  end
  if paging.page_size then
    params[pg.limit_key] = paging.page_size
  end
  local total, first, previous, resume = 0, true, nil, nil
  while true do
    local p = copy(params)
    p[in_token] = token
    local page, err = client[op.name](client, p)
    if not page then
      return nil, err
    end
    local list = page[key]
    local starting = 0
    if list ~= nil then
      seen = true
    else
      list = {}
    end
    if first and skip > 0 then
      local rest = {}
      for i = skip + 1, #list do
        rest[#rest + 1] = list[i]
      end
      list, starting = rest, skip
    end
    first = false
    local n = #list
    if max_items and total + n > max_items then
      local keep = max_items - total
      for i = 1, keep do
        items[#items + 1] = list[i]
      end
      resume = encode_token(in_token, token, keep + starting)
      break
    end
    table.move(list, 1, n, #items + 1, items)
    total = total + n
    local next_token = page[out_token]
    if next_token == nil or next_token == "" then -- botocore: an empty token is no token
      break
    end
    if max_items and total == max_items then
      resume = encode_token(in_token, next_token)
      break
    end
    if previous ~= nil and previous == next_token then
      return nil, { code = "PaginationError",
        message = "Error during pagination: The same next token was received twice: "
          .. tostring(next_token) }
    end
    previous, token = next_token, next_token
  end
  local out_shape = cli_model.shape(op.output)
  local item_shape = nil
  for _, m in ipairs(out_shape.members) do
    if m.name == key then
      item_shape = m.shape
    end
  end
  local result = {}
  if seen then
    result[key] = items
  end
  result.NextToken = resume
  local shape = {
    name = op.output,
    type = "structure",
    members = {
      { name = key, shape = item_shape },
      { name = "NextToken", shape = { type = "string" } },
    },
  }
  return result, shape
end

-- Run a script of scripts/ by name with the remaining arguments, as appmesh-lua runs it: the
-- script's os.exit ends the process with its own status, and an error it raises goes to the
-- host as a script's would.
local function run_script(name, argv)
  local dir = tostring(arg[0]):match("^(.*)/[^/]*$") or "."
  local path = dir .. "/" .. cli_help.SCRIPTS[name][1]
  local chunk, err = loadfile(path)
  if not chunk then
    say(io.stderr, "appmesh: " .. tostring(err))
    return EXIT_OTHER
  end
  local script_arg = { [0] = path, [-1] = arg[-1] }
  for i = 2, #argv do
    script_arg[i - 1] = argv[i]
  end
  arg = script_arg -- luacheck: ignore (the script reads the global `arg`, as under lua)
  local code = chunk(table.unpack(script_arg, 1, #script_arg))
  return math.tointeger(code) or 0
end

local function run_operation(argv)
  local cmd, msg = cli_args.parse(argv)
  if not cmd then
    return usage_error(msg)
  end
  local op = cmd.op
  if cmd.global.help then
    print_json(op and cli_help.operation(op) or cli_help.usage())
    return EXIT_OK
  end
  local skel = cmd.global["generate-cli-skeleton"]
  if skel then
    local v, shape = cli_help.skeleton(op, skel)
    print_json(cli_output.encode(v, shape))
    return EXIT_OK
  end
  warn_output_setting(cmd)
  local client, cerr = make_client(cmd)
  if not client then
    return call_failed(op, cerr)
  end
  local params = cmd.params
  if cmd.global["dry-run"] then
    local req, err = client[op.name](client, params, { dry_run = true })
    if not req then
      return call_failed(op, err, cmd)
    end
    if type(req) ~= "table" or req.method == nil then
      error("the dry run of " .. op.name .. " did not return a request")
    end
    print_json(cli_output.encode_plain(req))
    return EXIT_OK
  end
  local pg = op.paginator
  local auto = pg and not cmd.paging.no_paginate and not cmd.given[pg.input_token]
    and not cmd.given[pg.limit_key]
  if auto and cmd.input_json and (params[pg.input_token] ~= nil or params[pg.limit_key] ~= nil) then
    auto = false
  end
  local result, shape
  if auto then
    result, shape = paginate(client, op, params, cmd.paging)
    if not result then
      return call_failed(op, shape, cmd)
    end
  else
    local value, err = client[op.name](client, params)
    if value == nil then
      return call_failed(op, err, cmd)
    end
    result, shape = whole_output(op, value), op.output
  end
  if next(result) ~= nil then -- the AWS CLI prints nothing for an empty output
    print_json(cli_output.encode(result, shape))
  end
  return EXIT_OK
end

local function main(argv)
  local first = argv[1]
  if first == nil then
    say(io.stderr, cli_help.usage())
    return usage_error("the following arguments are required: operation")
  elseif first == "help" or first == "--help" or first == "-h" then
    print_json(cli_help.usage())
    return EXIT_OK
  elseif first == "--version" then
    print_json(cli_help.version)
    return EXIT_OK
  elseif first == "__complete" then
    local words = table.move(argv, 2, #argv, 1, {})
    print_json(table.concat(cli_help.complete(words), "\n"))
    return EXIT_OK
  end
  if argv[2] == "help" and #argv == 2 then
    argv[2] = "--help"
  end
  return run_operation(argv)
end

if cli_help.SCRIPTS[arg[1]] then
  os.exit(run_script(arg[1], arg))
end
local ok, code = xpcall(main, function(e)
  if tostring(e):find("interrupted!", 1, true) then
    return "interrupted"
  end
  return debug.traceback(tostring(e), 2)
end, arg)
if not ok then
  if code == "interrupted" then
    os.exit(EXIT_INTERRUPTED)
  end
  say(io.stderr, "appmesh: " .. tostring(code))
  os.exit(EXIT_OTHER)
end
io.stdout:flush()
os.exit(code)
