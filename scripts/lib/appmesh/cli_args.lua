-- SPDX-License-Identifier: MIT
-- The `appmesh` shell command's command line, as the AWS CLI reads `aws appmesh ...`:
-- `<operation> [--member VALUE]... [global options]`, values typed by the model, structures and
-- lists as JSON or flat shorthand, file:// values, --cli-input-json. Every mistake is one line
-- for the caller to print with exit status 252; nothing here sends anything.
local cli_model = require "appmesh.cli_model"
local codec = require "appmesh.codec"
local shorthand = require "appmesh.shorthand"

local cli_args = {}

-- Global options: kind "value" takes one argument, "flag" none, "optional" an optional word.
local GLOBALS = {
  ["--endpoint-url"] = "value",
  ["--region"] = "value",
  ["--profile"] = "value",
  ["--debug"] = "flag",
  ["--cli-connect-timeout"] = "value",
  ["--cli-read-timeout"] = "value",
  ["--ca-bundle"] = "value",
  ["--no-verify-ssl"] = "flag",
  ["--output"] = "value",
  ["--query"] = "value",
  ["--dry-run"] = "flag",
  ["--cli-input-json"] = "value",
  ["--generate-cli-skeleton"] = "optional",
  ["--help"] = "flag",
  ["--no-paginate"] = "flag",
  -- accepted for scripts written for the AWS CLI v2; they change nothing appmesh prints
  ["--no-cli-pager"] = "flag",
  ["--no-cli-auto-prompt"] = "flag",
  ["--color"] = "value",
  ["--cli-binary-format"] = "value",
}

-- Paging options, for the paginated operations only.
local PAGING = {
  ["--page-size"] = "value",
  ["--max-items"] = "value",
  ["--starting-token"] = "value",
}

-- Options of the AWS CLI that appmesh refuses, with the reason.
local REFUSED = {
  ["--query"] = "--query is not supported: pipe the JSON through jq instead "
    .. "(e.g. appmesh describe-mesh --mesh-name m | jq -r '.mesh.status.status')",
  ["--cli-input-yaml"] = "--cli-input-yaml is not supported: give the input as "
    .. "--cli-input-json (JSON or file://PATH)",
  ["--cli-auto-prompt"] = "--cli-auto-prompt is not supported",
  ["--no-sign-request"] = "--no-sign-request is not supported: App Mesh requests are signed",
}

--- The names of the global options (for help and completion), sorted.
function cli_args.global_names(op)
  local names = {}
  for k in pairs(GLOBALS) do
    if k ~= "--query" then
      names[#names + 1] = k
    end
  end
  if op and op.paginator then
    for k in pairs(PAGING) do
      names[#names + 1] = k
    end
  end
  table.sort(names)
  return names
end

--- Whether global option `name` takes a value ("value"), an optional word ("optional") or none.
function cli_args.global_kind(name)
  return GLOBALS[name] or PAGING[name]
end

--- `text` on one line: control characters as \n or \xNN (%q writes a newline as "\" and a
--- newline; a value from the command line must not break the one-line message or reach the
--- terminal as an escape sequence).
function cli_args.one_line(text)
  return (text:gsub("\\\n", "\\n"):gsub("%c", function(c)
    return c == "\n" and "\\n" or string.format("\\x%02x", c:byte())
  end))
end

local function fail(fmt, ...)
  error({ usage = cli_args.one_line(string.format(fmt, ...)) }, 0)
end

-- JSON numbers that are whole become Lua integers (lua-cjson gives floats).
local function integers(v)
  if type(v) == "number" then
    return math.tointeger(v) or v
  elseif type(v) == "table" then
    for k, x in pairs(v) do
      v[k] = integers(x)
    end
  end
  return v
end

--- Decode JSON text for `what` (an option name); nulls in objects are dropped (absent), as for
--- any JSON null the API returns. Fails with where it stops parsing.
function cli_args.decode_json(text, what)
  local v, msg, line, col = codec.parse(text)
  if v ~= nil then
    return integers(v)
  end
  if line then
    fail("argument %s: invalid JSON at line %d column %d: %s", what, line, col, msg)
  end
  fail("argument %s: invalid JSON: %s", what, msg)
end

--- A file:// path as the AWS CLI reads it (os.path.expandvars(os.path.expanduser(path))): a
--- leading `~` or `~/` is $HOME, then `$NAME` and `${NAME}` are the variable's value when it is
--- set; anything else stays as written.
function cli_args.expand_path(path, getenv)
  getenv = getenv or os.getenv
  local home = getenv("HOME")
  if home and home ~= "" and (path == "~" or path:sub(1, 2) == "~/") then
    path = home:gsub("/+$", "") .. path:sub(2)
    if path == "" then
      path = "/"
    end
  end
  return (path:gsub("%$({?)([%w_]*)(}?)", function(open, name, close)
    if name == "" or (open == "{" and close == "") then
      return nil
    end
    local v = getenv(name)
    if v == nil then
      return nil
    end
    return v .. (open == "" and close or "")
  end))
end

--- A value as given, or the contents of the file a file:// or fileb:// value names (and then,
--- second, how messages name it: the file, never what it holds, which may be anything, a secret
--- key among them).
function cli_args.load_value(value, what)
  local path = value:match("^file://(.*)$") or value:match("^fileb://(.*)$")
  if not path then
    return value
  end
  path = cli_args.expand_path(path)
  local f, err = io.open(path, "rb")
  if not f then
    fail("argument %s: cannot read %s: %s", what, value, (err or "?"):gsub("^[^:]*: ", ""))
  end
  local text, rerr = f:read("a")
  f:close()
  if not text then
    fail("argument %s: cannot read %s: %s", what, value, tostring(rerr))
  end
  return text, "the contents of " .. value
end

-- A value as a message shows it: `shown` (a file:// value's name), or the text as given.
local function show(text, shown)
  return shown or string.format("%q", text)
end

-- An integer as the AWS CLI's int() reads one: decimal digits, a sign, blanks around (Lua's
-- tonumber would also take 0x10, 1.0 and 1e2).
local function integer(text, what, shown)
  local v = text:match("^%s*[+-]?%d+%s*$") and math.tointeger(tonumber(text))
  if v == nil then
    fail("argument %s: expected an integer, got %s", what, show(text, shown))
  end
  return v
end
cli_args.integer = integer

-- A scalar item (of a list) or top-level value from its text.
local function scalar(text, s, what, shown)
  if s.type == "integer" or s.type == "long" then
    return integer(text, what, shown)
  elseif s.type == "boolean" then
    if text == "true" or text == "false" then
      return text == "true"
    end
    fail("argument %s: expected true or false, got %s", what, show(text, shown))
  elseif s.type == "timestamp" then
    local v = tonumber(text)
    if v == nil then
      fail("argument %s: expected a timestamp in epoch seconds, got %s", what, show(text, shown))
    end
    return v
  end
  return text
end

-- A structure (or union) value: JSON when it starts with '{', else flat shorthand.
local function structure(text, s, what, shown)
  if text:match("^%s*{") then
    local v = cli_args.decode_json(text, what)
    if type(v) ~= "table" or (next(v) ~= nil and #v > 0) then
      fail("argument %s: expected a JSON object", what)
    end
    return v
  end
  if not shorthand.looks_like(text) then
    fail("argument %s: expected JSON or shorthand (key=value,...), got %s", what,
      show(text, shown))
  end
  local v, err = shorthand.parse(text, s)
  if v == nil and shown then -- shorthand's messages quote the text
    fail("argument %s: expected JSON or shorthand (key=value,...) in %s", what, shown)
  elseif v == nil then
    fail("argument %s: %s", what, err)
  end
  return v
end

-- A member's value from the values given after its option.
local function member_value(o, values)
  local s = cli_model.shape(o.shape)
  local what = o.option
  local shown = {}
  for i, v in ipairs(values) do
    values[i], shown[i] = cli_args.load_value(v, what)
  end
  if s.type == "list" then
    if #values == 1 and values[1]:match("^%s*%[") then
      local v = cli_args.decode_json(values[1], what)
      if type(v) ~= "table" or (next(v) ~= nil and #v == 0) then
        fail("argument %s: expected a JSON array", what)
      end
      return v
    end
    local item = cli_model.shape(s.item)
    local list = {}
    for i, v in ipairs(values) do
      if item.type == "structure" or item.type == "union" then
        list[i] = structure(v, item, what, shown[i])
      elseif item.type == "list" then
        fail("argument %s: give the value as one JSON array", what)
      else
        list[i] = scalar(v, item, what, shown[i])
      end
    end
    return list
  elseif s.type == "structure" or s.type == "union" then
    return structure(values[1], s, what, shown[1])
  end
  return scalar(values[1], s, what, shown[1])
end

--- Parse the command line of an operation call (argv without the program name).
-- @return the command: {op, params, given (members set by options), global = {...}, paging =
--   {...}, dry_run, skeleton, help, input_json}; or nil and a one-line usage message
function cli_args.parse(argv)
  local ok, cmd = pcall(cli_args.parse_or_raise, argv)
  if ok then
    return cmd
  end
  if type(cmd) == "table" and cmd.usage then
    return nil, cmd.usage
  end
  error(cmd, 0)
end

function cli_args.parse_or_raise(argv)
  local cmd = { params = {}, given = {}, global = {}, paging = {} }
  local op, options, map = nil, nil, nil
  local i, n = 1, #argv

  -- The value after option argv[i] (or inline after '='); fails when there is none.
  local function take(name, inline)
    if inline then
      return inline
    end
    local v = argv[i + 1]
    if v == nil or v:sub(1, 2) == "--" then
      fail("argument %s: expected one argument", name)
    end
    i = i + 1
    return v
  end

  while i <= n do
    local a = argv[i]
    local name, inline = a:match("^(%-%-[^=]+)=(.*)$")
    name = name or a
    if a:sub(1, 2) ~= "--" or a == "--" then
      if op then
        fail("unexpected argument %q", a)
      end
      op = cli_model.operation(a)
      if not op then
        fail("unknown operation %q%s", a,
          cli_model.did_you_mean(cli_model.nearest(a, cli_model.operation_names())))
      end
      cmd.op = op
      options, map = cli_model.options(op)
    elseif REFUSED[name] then
      fail("%s", REFUSED[name])
    elseif GLOBALS[name] or (op and op.paginator and PAGING[name]) then
      local kind = GLOBALS[name] or PAGING[name]
      local key = name:sub(3)
      if kind == "flag" then
        if inline then
          fail("argument %s: takes no value", name)
        end
        cmd.global[key] = true
      elseif kind == "optional" then
        local v = inline or argv[i + 1]
        if v == "input" or v == "output" or v == "yaml-input" then
          if not inline then
            i = i + 1
          end
        elseif inline then
          fail("argument %s: invalid choice %q (choose from input, output)", name, inline)
        else
          v = "input"
        end
        if v == "yaml-input" then
          fail("argument %s: yaml-input is not supported: appmesh reads and writes JSON", name)
        end
        cmd.global[key] = v
      else
        cmd.global[key] = take(name, inline)
      end
    elseif op and map[name] then
      local o = map[name]
      if o.type == "boolean" then
        if inline then
          fail("argument %s: takes no value (use %s or --no-%s)", name, name, name:sub(3))
        end
        cmd.params[o.name] = true
      else
        local values = {}
        if inline then
          values[1] = inline
        elseif o.type == "list" then
          while argv[i + 1] ~= nil and argv[i + 1]:sub(1, 2) ~= "--" do
            values[#values + 1] = argv[i + 1]
            i = i + 1
          end
          if #values == 0 then
            fail("argument %s: expected at least one argument", name)
          end
        else
          values[1] = take(name)
        end
        cmd.params[o.name] = member_value(o, values)
      end
      cmd.given[o.name] = true
    elseif op and name:sub(1, 5) == "--no-" and map["--" .. name:sub(6)]
        and map["--" .. name:sub(6)].type == "boolean" then
      local o = map["--" .. name:sub(6)]
      cmd.params[o.name] = false
      cmd.given[o.name] = true
    else
      local candidates = cli_args.global_names(op)
      for _, o in ipairs(options or {}) do
        candidates[#candidates + 1] = o.option
      end
      local hint = cli_model.did_you_mean(cli_model.nearest(name, candidates))
      if not op then
        fail("unknown option %s%s", name, hint)
      elseif PAGING[name] then
        fail("unknown option %s: %s is not paginated", name, cli_model.kebab(op.name))
      end
      fail("unknown option %s for %s%s", name, cli_model.kebab(op.name), hint)
    end
    i = i + 1
  end
  if not op then
    if cmd.global.help then
      return cmd
    end
    fail("the following arguments are required: operation")
  end
  cli_args.check_globals(cmd)
  if cmd.global.help or cmd.global["generate-cli-skeleton"] then
    return cmd
  end
  local input = cmd.global["cli-input-json"]
  if input then
    local v = cli_args.decode_json(cli_args.load_value(input, "--cli-input-json"),
      "--cli-input-json")
    if type(v) ~= "table" or (next(v) ~= nil and #v > 0) then
      fail("argument --cli-input-json: expected a JSON object")
    end
    for k, x in pairs(cmd.params) do -- options given on the command line win
      v[k] = x
    end
    cmd.params = v
    cmd.input_json = true
  else
    local missing = {}
    for _, o in ipairs(options) do
      if o.required and cmd.params[o.name] == nil and not o.token then
        missing[#missing + 1] = o.option
      end
    end
    if #missing > 0 then
      fail("the following arguments are required: %s", table.concat(missing, ", "))
    end
  end
  return cmd
end

-- A positive number of seconds (0: as long as the client allows, an hour; the AWS CLI has no limit).
local function seconds(text, what)
  local v = tonumber(text)
  if v == nil or v < 0 or v ~= v then
    fail("argument %s: expected a number of seconds, got %q", what, text)
  end
  return v
end

--- Check and convert the global options' values (in cmd.global, by name without "--").
function cli_args.check_globals(cmd)
  local g = cmd.global
  if g.output and g.output ~= "json" then
    if g.output == "text" or g.output == "table" or g.output == "yaml"
        or g.output == "yaml-stream" then
      fail("--output %s is not supported: appmesh prints JSON only (use jq to reshape it)",
        g.output)
    end
    fail("argument --output: invalid choice %q (appmesh prints json)", g.output)
  end
  local url = g["endpoint-url"]
  if url and not (url:match("^[Hh][Tt][Tt][Pp][Ss]?://[^/]")) then
    fail("bad value for --endpoint-url %q: must be of the form http://<hostname>/ or "
      .. "https://<hostname>/", url)
  end
  for _, k in ipairs { "cli-connect-timeout", "cli-read-timeout" } do
    if g[k] then
      g[k] = seconds(g[k], "--" .. k)
    end
  end
  for _, k in ipairs { "page-size", "max-items" } do
    if g[k] then
      local v = integer(g[k], "--" .. k)
      if v < 1 then
        fail("argument --%s: must be a positive integer, got %d", k, v)
      end
      g[k] = v
    end
  end
  if g.color and g.color ~= "on" and g.color ~= "off" and g.color ~= "auto" then
    fail("argument --color: invalid choice %q (choose from on, off, auto)", g.color)
  end
  -- --no-paginate, or the operation's own --limit or --next-token (which turn paging off, as
  -- for the AWS CLI), with paging options that would then be ignored
  local off = g["no-paginate"] and "--no-paginate"
  local pg = cmd.op and cmd.op.paginator
  if not off and pg then
    for _, member in ipairs { pg.limit_key, pg.input_token } do
      if cmd.given[member] then
        off = "--" .. cli_model.kebab(member) .. " (which turns paging off)"
        break
      end
    end
  end
  if off then
    local given = {}
    for _, k in ipairs { "starting-token", "page-size", "max-items" } do
      if g[k] then
        given[#given + 1] = "--" .. k
      end
    end
    if #given > 0 then
      fail("cannot specify %s along with pagination arguments: %s", off,
        table.concat(given, ", "))
    end
  end
  local p = cmd.paging
  p.no_paginate = g["no-paginate"]
  p.page_size = g["page-size"]
  p.max_items = g["max-items"]
  p.starting_token = g["starting-token"]
end

return cli_args
