-- SPDX-License-Identifier: MIT
-- appmesh.cli_args, the `appmesh` shell command's command line: members by kebab name typed by
-- the model, JSON and shorthand, file:// values, --cli-input-json, paging and global options,
-- and every mistake as one line.
local cli_args = require "appmesh.cli_args"
local helpers = dofile("tests/lua/helpers.lua")

describe("cli_args.parse", function()
  it("reads members by kebab name, typed by the model", function()
    local cmd = assert(cli_args.parse { "list-virtual-services", "--mesh-name", "m", "--limit",
      "5", "--region", "eu-west-1" })
    assert.are.equal("list_virtual_services", cmd.op.name)
    assert.are.same({ meshName = "m", limit = 5 }, cmd.params)
    assert.is_true(math.type(cmd.params.limit) == "integer")
    assert.are.equal("eu-west-1", cmd.global.region)
    assert.is_true(cmd.given.limit)
    -- integers as Python's int() reads them: blanks around, a sign
    for text, v in pairs { [" 7 "] = 7, ["+3"] = 3, ["-2"] = -2, ["010"] = 10 } do
      cmd = assert(cli_args.parse { "list-meshes", "--limit", text })
      assert.are.equal(v, cmd.params.limit)
      assert.is_true(math.type(cmd.params.limit) == "integer")
    end
  end)

  it("takes --opt=value, globals before the operation, and lists of strings", function()
    local cmd = assert(cli_args.parse { "--region=us-east-1", "untag-resource",
      "--resource-arn=arn:x", "--tag-keys", "a", "b", "--debug" })
    assert.are.same({ resourceArn = "arn:x", tagKeys = { "a", "b" } }, cmd.params)
    assert.is_true(cmd.global.debug)
    cmd = assert(cli_args.parse { "untag-resource", "--resource-arn", "x", "--tag-keys",
      '["a", "b"]' })
    assert.are.same({ "a", "b" }, cmd.params.tagKeys)
  end)

  it("takes structures as JSON (whole numbers as integers) and lists of shorthand", function()
    local cmd = assert(cli_args.parse { "create-virtual-node", "--mesh-name", "m",
      "--virtual-node-name", "n", "--spec",
      '{"listeners": [{"portMapping": {"port": 8080, "protocol": "http"}}]}' })
    assert.are.equal(8080, cmd.params.spec.listeners[1].portMapping.port)
    assert.is_true(math.type(cmd.params.spec.listeners[1].portMapping.port) == "integer")
    cmd = assert(cli_args.parse { "tag-resource", "--resource-arn", "x", "--tags",
      "key=a,value=1", "key=b,value=2" })
    assert.are.same({ { key = "a", value = "1" }, { key = "b", value = "2" } }, cmd.params.tags)
  end)

  it("merges --cli-input-json under the options given", function()
    local cmd = assert(cli_args.parse { "describe-mesh", "--cli-input-json",
      '{"meshName": "a", "meshOwner": "123456789012"}', "--mesh-name", "b" })
    assert.are.same({ meshName = "b", meshOwner = "123456789012" }, cmd.params)
    assert.is_true(cmd.input_json)
  end)

  it("reads paging, skeleton and help options", function()
    local cmd = assert(cli_args.parse { "list-meshes", "--page-size", "2", "--max-items", "3",
      "--starting-token", "t" })
    assert.are.same({ page_size = 2, max_items = 3, starting_token = "t" }, cmd.paging)
    cmd = assert(cli_args.parse { "create-mesh", "--generate-cli-skeleton" })
    assert.are.equal("input", cmd.global["generate-cli-skeleton"])
    cmd = assert(cli_args.parse { "create-mesh", "--generate-cli-skeleton", "output" })
    assert.are.equal("output", cmd.global["generate-cli-skeleton"])
    cmd = assert(cli_args.parse { "create-mesh", "--help" })
    assert.is_true(cmd.global.help)
  end)

  local bad = {
    { { "describe-mehs" }, 'unknown operation "describe%-mehs" %(did you mean describe%-mesh' },
    { { "describe-mesh", "--mesh-nam", "x" }, "unknown option %-%-mesh%-nam for describe%-mesh "
      .. "%(did you mean %-%-mesh%-name" },
    { { "--mesh-name", "x", "describe-mesh" }, "unknown option %-%-mesh%-name" },
    { { "describe-mesh", "--mesh-name" }, "argument %-%-mesh%-name: expected one argument" },
    { { "describe-mesh", "--mesh-name", "--debug" }, "expected one argument" },
    { { "describe-mesh" }, "required: %-%-mesh%-name" },
    { {}, "required: operation" },
    { { "describe-mesh", "--mesh-name", "m", "x" }, 'unexpected argument "x"' },
    { { "list-meshes", "--limit", "1.5" }, "expected an integer" },
    { { "list-meshes", "--limit", "1.0" }, "expected an integer" },
    { { "list-meshes", "--limit", "0x10" }, "expected an integer" },
    { { "list-meshes", "--limit", "1e1" }, "expected an integer" },
    { { "list-meshes", "--max-items", "0x2" }, "expected an integer" },
    { { "list-meshes", "--page-size", "2.0" }, "expected an integer" },
    { { "list-meshes", "--page-size", "0" }, "positive integer" },
    { { "list-meshes", "--no-paginate", "--max-items", "1" }, "%-%-no%-paginate" },
    -- --limit and --next-token turn paging off, so the paging options would be ignored
    { { "list-meshes", "--limit", "1", "--max-items", "2" },
      "cannot specify %-%-limit %(which turns paging off%) along with pagination arguments: "
        .. "%-%-max%-items$" },
    { { "list-meshes", "--page-size", "2", "--limit", "1" }, "%-%-limit .*: %-%-page%-size$" },
    { { "list-meshes", "--next-token", "x", "--starting-token", "y" },
      "cannot specify %-%-next%-token .*: %-%-starting%-token$" },
    { { "describe-mesh", "--mesh-name", "m", "--page-size", "1" }, "not paginated" },
    { { "create-mesh", "--mesh-name", "m", "--spec", '{"a": }' },
      "invalid JSON at line 1 column 7" },
    { { "create-mesh", "--mesh-name", "m", "--spec", "[1]" }, "expected JSON or shorthand" },
    { { "create-mesh", "--mesh-name", "m", "--spec", '{"egressFilter": [1]' }, "invalid JSON" },
    { { "create-mesh", "--mesh-name", "m", "--spec", "file:///nonexistent/x" }, "cannot read" },
    { { "create-mesh", "--mesh-name", "m", "--spec", "egressFilter={type=ALLOW_ALL}" },
      "nested shorthand" },
    { { "tag-resource", "--resource-arn", "x", "--tags" }, "expected at least one argument" },
    { { "tag-resource", "--resource-arn", "x", "--tags", "key" }, "expected JSON or shorthand" },
    { { "tag-resource", "--resource-arn", "x", "--tags", '{"key": "a"' }, "invalid JSON" },
    { { "list-meshes", "--query", "x" }, "jq" },
    { { "list-meshes", "--output", "table" }, "JSON only" },
    { { "list-meshes", "--output", "xml" }, "invalid choice" },
    { { "list-meshes", "--cli-input-yaml", "x" }, "%-%-cli%-input%-json" },
    { { "list-meshes", "--generate-cli-skeleton=yaml-input" }, "not supported" },
    { { "list-meshes", "--cli-connect-timeout", "-1" }, "seconds" },
    { { "list-meshes", "--debug=yes" }, "takes no value" },
    { { "describe-mesh", "--cli-input-json", "[1]" }, "expected a JSON object" },
    { { "list-meshes", "--endpoint-url", "localhost:9000" }, "%-%-endpoint%-url" },
  }
  for _, case in ipairs(bad) do
    it("refuses " .. table.concat(case[1], " "), function()
      local cmd, msg = cli_args.parse(case[1])
      assert.is_nil(cmd)
      assert.matches(case[2], msg)
      assert.is_nil(msg:find("\n"))
    end)
  end
end)

describe("cli_args.one_line", function()
  it("keeps messages on one line with no control characters", function()
    assert.are.equal("a\\nb\\x1b[31m", cli_args.one_line("a\nb\27[31m"))
    local _, msg = cli_args.parse { "list-meshes", "--limit", "1\n2" }
    assert.is_nil(msg:find("%c"))
    _, msg = cli_args.parse { "describe\27[2J" }
    assert.is_nil(msg:find("%c"))
  end)
end)

describe("cli_args's helpers", function()
  it("knows which global options take a value", function()
    assert.equal("value", cli_args.global_kind("--region"))
    assert.equal("flag", cli_args.global_kind("--debug"))
    assert.equal("optional", cli_args.global_kind("--generate-cli-skeleton"))
    assert.equal("value", cli_args.global_kind("--page-size"))
    assert.is_nil(cli_args.global_kind("--mesh-name"))
  end)

  it("names the paging options for paginated operations only, and never --query", function()
    local set = {}
    for _, n in ipairs(cli_args.global_names {}) do -- an operation without a paginator
      set[n] = true
    end
    assert.is_true(set["--region"])
    assert.is_nil(set["--query"])
    assert.is_nil(set["--page-size"])
    set = {}
    for _, n in ipairs(cli_args.global_names { paginator = {} }) do
      set[n] = true
    end
    assert.is_true(set["--page-size"])
    assert.is_true(set["--starting-token"])
  end)

  it("reads JSON with whole numbers as integers and nulls dropped", function()
    local v = cli_args.decode_json('{"port": 8080, "w": 0.5, "gone": null, "l": [1, 2.0]}', "--x")
    assert.same({ port = 8080, w = 0.5, l = { 1, 2 } }, v)
    assert.equal("integer", math.type(v.port))
    assert.equal("integer", math.type(v.l[2]))
  end)

  it("raises a one-line usage error for bad JSON, with line and column", function()
    local ok, err = pcall(cli_args.decode_json, '{\n "a": }', "--spec")
    assert.is_false(ok)
    assert.same({ usage = "argument --spec: invalid JSON at line 2 column 7: Expected value but "
      .. "found '}'" }, err)
  end)

  it("reads file:// and fileb:// values, and leaves others as given", function()
    local path = os.tmpname()
    helpers.write_file(path, '{"a": 1}')
    assert.equal('{"a": 1}', cli_args.load_value("file://" .. path, "--spec"))
    assert.equal('{"a": 1}', cli_args.load_value("fileb://" .. path, "--spec"))
    os.remove(path)
    assert.equal("files://x", cli_args.load_value("files://x", "--spec"))
    local ok, err = pcall(cli_args.load_value, "file://" .. path, "--spec")
    assert.is_false(ok)
    assert.equal("argument --spec: cannot read file://" .. path .. ": No such file or directory",
      err.usage)
  end)

  it("names a file:// value in its errors and never prints what the file holds", function()
    -- e.g. the shared credentials file given by mistake: its secret key must not be printed
    local path = os.tmpname()
    helpers.write_file(path, "[default]\naws_secret_access_key = SECRETCANARY\n")
    local other = os.tmpname()
    helpers.write_file(other, "aws_secret_access_key=SECRETCANARY\n")
    local cases = {
      { "create-mesh", "--mesh-name", "m", "--spec", "file://" .. path },
      { "list-meshes", "--limit", "file://" .. path },
      { "create-mesh", "--mesh-name", "m", "--spec", "file://" .. other },
      { "tag-resource", "--resource-arn", "a", "--tags", "file://" .. other },
      { "tag-resource", "--resource-arn", "a", "--tags", "key=k,value=x", "file://" .. path },
    }
    for _, argv in ipairs(cases) do
      local cmd, msg = cli_args.parse(argv)
      assert.is_nil(cmd)
      assert.is_nil(msg:find("CANARY", 1, true), msg)
      assert.matches("file://" .. path:sub(1, 4), msg, 1, true)
    end
    os.remove(path)
    os.remove(other)
    -- a value given on the command line is still shown
    local _, msg = cli_args.parse { "list-meshes", "--limit", "ten" }
    assert.matches('got "ten"', msg, 1, true)
  end)

  it("expands ~ and $VAR in a file:// path, as the AWS CLI does (expanduser, expandvars)",
  function()
    local vars = { HOME = "/home/op", DIR = "specs", E = "" }
    local function getenv(name)
      return vars[name]
    end
    local expand = cli_args.expand_path
    assert.equal("/home/op/route.json", expand("~/route.json", getenv))
    assert.equal("/home/op", expand("~", getenv))
    assert.equal("/home/op/specs/r.json", expand("~/$DIR/r.json", getenv))
    assert.equal("/home/op/specs/r.json", expand("$HOME/${DIR}/r.json", getenv))
    assert.equal("/x/.json", expand("/x/$E.json", getenv))
    assert.equal("specs}/${DIR", expand("$DIR}/${DIR", getenv))
    -- unset variables, other users' homes and a ~ not at the start stay as written
    assert.equal("$NOPE/${NOPE}/${}/$/a~b/~", expand("$NOPE/${NOPE}/${}/$/a~b/~", getenv))
    assert.equal("~nosuchuser-appmesh/x", expand("~nosuchuser-appmesh/x", getenv))
    assert.equal("~/x", expand("~/x", function() return nil end))
    -- a value is expanded once: a variable's value is not expanded again
    vars.A = "$DIR"
    assert.equal("$DIR/x", expand("$A/x", getenv))
  end)
end)
