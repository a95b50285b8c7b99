-- SPDX-License-Identifier: MIT
-- The `appmesh` shell command's pieces, offline: the model's tables from Lua
-- (appmesh.model_operation / model_shape), the command line (cli_args, shorthand), the output
-- (cli_output), help and completion (cli_help).
local appmesh = require "appmesh"
local cli_args = require "appmesh.cli_args"
local cli_help = require "appmesh.cli_help"
local cli_model = require "appmesh.cli_model"
local cli_output = require "appmesh.cli_output"
local shorthand = require "appmesh.shorthand"

describe("appmesh.model_operation", function()
  it("describes an operation by API or boto3 name", function()
    local a = appmesh.model_operation("ListVirtualNodes")
    local b = appmesh.model_operation("list_virtual_nodes")
    assert.are.same(a, b)
    assert.are.equal("ListVirtualNodes", a.api)
    assert.are.equal("list_virtual_nodes", a.name)
    assert.are.equal("GET", a.method)
    assert.are.equal("ListVirtualNodesInput", a.input)
    assert.are.equal("ListVirtualNodesOutput", a.output)
    assert.is_nil(a.payload)
    assert.are.same({ result_key = "virtualNodes", input_token = "nextToken",
      output_token = "nextToken", limit_key = "limit" }, a.paginator)
    assert.is_true(#a.errors > 0)
  end)

  it("names the payload member and has no paginator for the others", function()
    local op = appmesh.model_operation("DescribeMesh")
    assert.are.equal("mesh", op.payload)
    assert.is_nil(op.paginator)
    assert.matches("NotFoundException", table.concat(op.errors, " "), 1, true)
  end)

  it("returns nil for an unknown name", function()
    assert.is_nil(appmesh.model_operation("DescribeMehs"))
    assert.is_nil(appmesh.model_operation("describe_mesh\0x"))
    assert.has_error(function()
      appmesh.model_operation()
    end)
  end)
end)

describe("appmesh.model_shape", function()
  it("gives structures' members in model order with location, required and docs", function()
    local s = appmesh.model_shape("DescribeVirtualServiceInput")
    assert.are.equal("structure", s.type)
    local names = {}
    for _, m in ipairs(s.members) do
      names[#names + 1] = m.name
    end
    assert.are.same({ "meshName", "meshOwner", "virtualServiceName" }, names)
    assert.are.equal("uri", s.members[1].location)
    assert.is_true(s.members[1].required)
    assert.are.equal("query", s.members[2].location)
    assert.are.equal("meshOwner", s.members[2].wire)
    assert.is_false(s.members[2].required)
    assert.is_string(s.members[1].doc)
  end)

  it("gives lists' items, strings' enums and lengths, idempotency tokens", function()
    assert.are.equal("VirtualServiceRef", appmesh.model_shape("VirtualServiceList").item)
    local status = appmesh.model_shape("VirtualServiceStatusCode")
    assert.are.same({ "ACTIVE", "INACTIVE", "DELETED" }, status.enum)
    local name = appmesh.model_shape("ResourceName")
    assert.are.equal(1, name.min)
    assert.are.equal(255, name.max)
    local token
    for _, m in ipairs(appmesh.model_shape("CreateMeshInput").members) do
      if m.name == "clientToken" then
        token = m
      end
    end
    assert.is_true(token.token)
    assert.are.equal("timestamp", appmesh.model_shape("Timestamp").type)
    assert.is_nil(appmesh.model_shape("NoSuchShape"))
  end)
end)

describe("cli_model", function()
  it("names operations and members in kebab case", function()
    assert.are.equal("virtual-service-name", cli_model.kebab("virtualServiceName"))
    assert.are.equal("describe-mesh", cli_model.kebab("describe_mesh"))
    assert.are.equal(38, #cli_model.operation_names())
    assert.are.equal("DescribeMesh", cli_model.operation("describe-mesh").api)
    assert.is_nil(cli_model.operation("DescribeMesh"))
    assert.is_nil(cli_model.operation("describe_mesh"))
  end)

  it("suggests the nearest names", function()
    local near = cli_model.nearest("describe-virtual-servce", cli_model.operation_names())
    assert.are.equal("describe-virtual-service", near[1])
    assert.are.same({}, cli_model.nearest("zzzzzzzzzz", cli_model.operation_names()))
    assert.are.equal(" (did you mean a or b?)", cli_model.did_you_mean { "a", "b" })
  end)
end)

describe("shorthand", function()
  local tag = "TagRef"

  it("parses flat structures, quotes and escapes", function()
    assert.are.same({ key = "team", value = "a" }, shorthand.parse("key=team,value=a", tag))
    assert.are.same({ key = "a,b", value = "x=y" }, shorthand.parse([[key='a,b',value="x=y"]], tag))
    assert.are.same({ key = "a,b", value = "" }, shorthand.parse([[key=a\,b,value=]], tag))
    assert.are.same({ key = "team", value = " a " }, shorthand.parse([[key= team , value=" a "]], tag))
  end)

  it("types values by the model", function()
    assert.are.same({ port = 8080, protocol = "http" },
      shorthand.parse("port=8080,protocol=http", "PortMapping"))
    local v, err = shorthand.parse("port=eighty,protocol=http", "PortMapping")
    assert.is_nil(v)
    assert.matches("port: expected an integer", err, 1, true)
  end)

  it("refuses nested shorthand, unknown keys and keys given twice", function()
    local v, err = shorthand.parse("provider={virtualNode={virtualNodeName=a}}",
      "VirtualServiceSpec")
    assert.is_nil(v)
    assert.matches("nested shorthand is not supported", err, 1, true)
    v, err = shorthand.parse("kee=a", tag)
    assert.is_nil(v)
    assert.matches('unknown key "kee", must be one of: key, value', err, 1, true)
    v, err = shorthand.parse("key=a,key=b", tag)
    assert.is_nil(v)
    assert.matches("twice", err, 1, true)
    v, err = shorthand.parse("key", tag)
    assert.is_nil(v)
    assert.matches("expected '='", err, 1, true)
    v, err = shorthand.parse("key='a", tag)
    assert.is_nil(v)
    assert.matches("closing", err, 1, true)
  end)
end)

describe("cli_args.parse", function()
  it("reads members by kebab name, typed by the model", function()
    local cmd = assert(cli_args.parse { "list-virtual-services", "--mesh-name", "m", "--limit",
      "5", "--region", "eu-west-1" })
    assert.are.equal("list_virtual_services", cmd.op.name)
    assert.are.same({ meshName = "m", limit = 5 }, cmd.params)
    assert.is_true(math.type(cmd.params.limit) == "integer")
    assert.are.equal("eu-west-1", cmd.global.region)
    assert.is_true(cmd.given.limit)
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
    { { "list-meshes", "--page-size", "0" }, "positive integer" },
    { { "list-meshes", "--no-paginate", "--max-items", "1" }, "%-%-no%-paginate" },
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

describe("cli_output", function()
  it("prints timestamps as the AWS CLI v2 (isoformat, microseconds, UTC offset)", function()
    local s = cli_output.timestamp(1796678731.03)
    assert.matches("^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%d%.030000[%+%-]%d%d:%d%d$", s)
    assert.matches("T%d%d:%d%d:%d%d[%+%-]", cli_output.timestamp(1796678731))
  end)

  it("writes JSON as Python's json.dump(indent=4, ensure_ascii=False)", function()
    assert.are.equal('"a\\"b\\\\c\\n\\u0001\u{e9}"', cli_output.quote('a"b\\c\n\1\u{e9}'))
    local shape = { type = "structure", members = {
      { name = "z", shape = { type = "string" } },
      { name = "a", shape = { type = "list", item = { type = "integer" } } },
      { name = "e", shape = { type = "list", item = { type = "integer" } } },
      { name = "o", shape = { type = "structure", members = {} } },
      { name = "b", shape = { type = "boolean" } },
    } }
    assert.are.equal('{\n    "z": "x",\n    "a": [\n        1,\n        2\n    ],\n'
      .. '    "e": [],\n    "o": {},\n    "b": false\n}',
      cli_output.encode({ a = { 1, 2 }, z = "x", e = {}, o = {}, b = false }, shape))
    assert.are.equal("{}", cli_output.encode({}, shape))
  end)

  it("round-trips base64", function()
    for _, s in ipairs { "", "a", "ab", "abc", '{"nextToken": null, "boto_truncate_amount": 2}' } do
      assert.are.equal(s, cli_output.unbase64(cli_output.base64(s)))
    end
    assert.are.equal("eyJuZXh0VG9rZW4iOiAiYSJ9", cli_output.base64('{"nextToken": "a"}'))
    assert.is_nil(cli_output.unbase64("not base64!"))
  end)
end)

describe("cli_help", function()
  it("documents every operation with one line per member", function()
    for _, name in ipairs(cli_model.operation_names()) do
      local text = cli_help.operation(cli_model.operation(name))
      assert.matches("^" .. name:gsub("%-", "%%-") .. "\n", text)
      for _, o in ipairs(cli_model.options(cli_model.operation(name))) do
        local opt = o.option:gsub("%-", "%%-")
        assert.matches("\n  " .. opt .. " ", text)
        if o.doc ~= "" then -- the documentation on the one line after the option's
          local doc = text:match("\n  " .. opt .. " [^\n]*\n      ([^\n]*)\n")
          assert.are.equal(o.doc:gsub("%s+", " "), doc)
        end
      end
    end
  end)

  it("makes skeletons with every member", function()
    local v = cli_help.skeleton(cli_model.operation("create-virtual-node"), "input")
    assert.are.same({ clientToken = "", meshName = "", meshOwner = "", spec = v.spec,
      tags = { { key = "", value = "" } }, virtualNodeName = "" }, v)
    assert.is_table(v.spec.listeners[1].portMapping)
    assert.are.equal(0, v.spec.listeners[1].portMapping.port)
  end)

  it("completes operations, options not yet given, and enum values", function()
    local words = cli_help.complete {}
    assert.is_true(#words >= 41)
    local set = {}
    for _, w in ipairs(cli_help.complete { "describe-mesh", "--mesh-name", "m" }) do
      set[w] = true
    end
    assert.is_nil(set["--mesh-name"])
    assert.is_true(set["--mesh-owner"])
    assert.is_true(set["--region"])
    assert.are.same({ "json" }, cli_help.complete { "list-meshes", "--output" })
    assert.are.same({}, cli_help.complete { "describe-mesh", "--mesh-name" })
  end)
end)

describe("client:describe_virtual_service and list_virtual_services", function()
  it("honour {dry_run = true} as every operation does (appmesh --dry-run relies on it)", function()
    local c = assert(appmesh.client { region = "us-east-1", endpoint = "http://127.0.0.1:1",
      credentials = { accessKeyId = "AKIDEXAMPLE", secretAccessKey = "secret" } })
    local req = assert(c:describe_virtual_service({ meshName = "m", virtualServiceName = "s" },
      { dry_run = true }))
    assert.are.equal("GET", req.method)
    assert.are.equal("http://127.0.0.1:1/v20190125/meshes/m/virtualServices/s", req.url)
    req = assert(c:list_virtual_services({ meshName = "m", limit = 2 }, { dry_run = true }))
    assert.are.equal("http://127.0.0.1:1/v20190125/meshes/m/virtualServices?limit=2", req.url)
    c:close()
  end)
end)
