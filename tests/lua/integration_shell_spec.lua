-- SPDX-License-Identifier: MIT
-- The `appmesh` shell command (build/appmesh) against the local emulator: the AWS CLI's command
-- line, output as v2 prints it, paging, errors and exit statuses, bad input, the scripts by
-- name, completion, the installed command. (integration_shell_aws_spec.lua compares it with
-- `aws appmesh` itself.)
local integration = dofile("tests/lua/integration.lua")
if not integration.enabled then
  return -- run by the CTest integration.shell (see tests/lua/integration.lua)
end

local cjson = require "cjson"
local shell = dofile("tests/lua/shell_helpers.lua")

local q, APPMESH, MESH, SERVICE = shell.q, shell.APPMESH, shell.MESH, shell.SERVICE
local env, run, appmesh, write_temp, keys_at = shell.env, shell.run, shell.appmesh,
  shell.write_temp, shell.keys_at
local ISO = shell.ISO

describe("appmesh (the shell command)", function()
  local emu = integration.emulator_fixture({ state = integration.SEED })
  local call, requests = shell.on(emu)

  describe("output", function()
    it("prints the whole output shape as JSON indented by 4, keys in the model's order", function()
      local out, err, code = call { "describe-virtual-service", "--mesh-name", MESH,
        "--virtual-service-name", SERVICE }
      assert.are.equal(0, code, err)
      assert.are.equal("", err)
      assert.matches('^{\n    "virtualService": {\n        "meshName": "demo%-mesh",\n', out)
      assert.are.same({ "meshName", "metadata", "spec", "status", "virtualServiceName" },
        keys_at(out, 8))
      assert.are.same({ "arn", "createdAt", "lastUpdatedAt", "meshOwner", "resourceOwner", "uid",
        "version" }, keys_at(out:match('"metadata": (%b{})'), 12))
      assert.matches('\n            "version": 1\n', out, 1, true)
      assert.matches("}\n$", out)
      local v = cjson.decode(out)
      assert.are.equal("colorteller-vr",
        v.virtualService.spec.provider.virtualRouter.virtualRouterName)
    end)

    it("prints timestamps in ISO 8601 with the local UTC offset, as the AWS CLI v2", function()
      local state = emu.service(MESH, SERVICE)
      local created = state and (state.createdAt or (state.metadata or {}).createdAt)
      local out, err, code = call({ "describe-virtual-service", "--mesh-name", MESH,
        "--virtual-service-name", SERVICE }, { TZ = "Asia/Kolkata" })
      assert.are.equal(0, code, err)
      local v = cjson.decode(out).virtualService.metadata
      assert.matches(ISO, v.createdAt)
      assert.matches("%+05:30$", v.createdAt)
      assert.is_number(created, "the emulator's state has no createdAt")
      local whole = math.floor(created)
      local ms = math.floor((created - whole) * 1000 + 0.5) -- the emulator keeps milliseconds
      local expect = os.date("!%Y-%m-%dT%H:%M:%S", whole + 19800)
        .. (ms > 0 and string.format(".%06d", ms * 1000) or "") .. "+05:30"
      assert.are.equal(expect, v.createdAt)
      out = call({ "describe-virtual-service", "--mesh-name", MESH, "--virtual-service-name",
        SERVICE }, { TZ = "UTC" })
      assert.matches("%+00:00$", cjson.decode(out).virtualService.metadata.lastUpdatedAt)
    end)

    it("prints UTF-8 as it is", function()
      local out, err, code = call { "create-virtual-service", "--mesh-name", MESH,
        "--virtual-service-name", "caf\u{e9}.demo.local", "--spec", "{}" }
      assert.are.equal(0, code, err)
      assert.matches('"virtualServiceName": "caf\u{e9}.demo.local"', out, 1, true)
    end)
  end)

  describe("paging", function()
    local function names(out)
      local t = {}
      for _, s in ipairs(cjson.decode(out).virtualServices) do
        t[#t + 1] = s.virtualServiceName
      end
      return t
    end

    it("follows nextToken and prints every page merged", function()
      emu.reset_log()
      local out, err, code = call { "list-virtual-services", "--mesh-name", MESH,
        "--page-size", "2" }
      assert.are.equal(0, code, err)
      assert.are.equal(6, #names(out))
      assert.are.equal(3, requests())
      assert.is_nil(out:find("nextToken", 1, true))
      assert.is_nil(out:find("NextToken", 1, true))
    end)

    it("cuts at --max-items with a NextToken that --starting-token goes on from", function()
      local all = names((call { "list-virtual-services", "--mesh-name", MESH }))
      local out, err, code = call { "list-virtual-services", "--mesh-name", MESH,
        "--page-size", "2", "--max-items", "3" }
      assert.are.equal(0, code, err)
      local first = cjson.decode(out)
      assert.are.equal(3, #first.virtualServices)
      assert.is_string(first.NextToken)
      assert.are.same({ "virtualServices", "NextToken" }, keys_at(out, 4))
      local out2, err2, code2 = call { "list-virtual-services", "--mesh-name", MESH,
        "--page-size", "2", "--starting-token", first.NextToken }
      assert.are.equal(0, code2, err2)
      local rest = names(out2)
      local joined = names(out)
      table.move(rest, 1, #rest, #joined + 1, joined)
      assert.are.same(all, joined)
      assert.is_nil(cjson.decode(out2).NextToken)
    end)

    it("makes one call with --no-paginate, --limit or --next-token (nextToken printed)", function()
      emu.reset_log()
      local out, err, code = call { "list-virtual-services", "--mesh-name", MESH, "--limit", "2" }
      assert.are.equal(0, code, err)
      local page = cjson.decode(out)
      assert.are.equal(2, #page.virtualServices)
      assert.is_string(page.nextToken)
      assert.are.same({ "nextToken", "virtualServices" }, keys_at(out, 4))
      local out2 = call { "list-virtual-services", "--mesh-name", MESH, "--next-token",
        page.nextToken, "--limit", "2" }
      assert.are.equal(2, #cjson.decode(out2).virtualServices)
      assert.are.equal(2, requests())
      local out3, _, code3 = call { "list-virtual-services", "--mesh-name", MESH,
        "--no-paginate" }
      assert.are.equal(0, code3)
      assert.are.equal(6, #cjson.decode(out3).virtualServices)
    end)

    it("refuses --no-paginate with paging options, and paging options on other operations",
    function()
      local _, err, code = call { "list-virtual-services", "--mesh-name", MESH, "--no-paginate",
        "--page-size", "2" }
      assert.are.equal(252, code)
      assert.matches("--page-size", err, 1, true)
      _, err, code = call { "describe-mesh", "--mesh-name", MESH, "--max-items", "2" }
      assert.are.equal(252, code)
      assert.matches("not paginated", err, 1, true)
    end)
  end)

  describe("input", function()
    it("takes structures as JSON and lists of structures as shorthand", function()
      local out, err, code = call { "create-virtual-service", "--mesh-name", MESH,
        "--virtual-service-name", "new.demo.local",
        "--spec", '{"provider": {"virtualRouter": {"virtualRouterName": "colorteller-vr"}}}',
        "--tags", "key=team,value=a", "key=env,value=prod", "--dry-run" }
      assert.are.equal(0, code, err)
      local body = cjson.decode(cjson.decode(out).body)
      assert.are.same({ { key = "team", value = "a" }, { key = "env", value = "prod" } }, body.tags)
      assert.are.equal("colorteller-vr", body.spec.provider.virtualRouter.virtualRouterName)
      out, err, code = call { "create-virtual-service", "--mesh-name", MESH,
        "--virtual-service-name", "new.demo.local", "--spec", "{}",
        "--tags", '[{"key": "team", "value": "a"}]', "--dry-run" }
      assert.are.equal(0, code, err)
      assert.are.same({ { key = "team", value = "a" } }, cjson.decode(cjson.decode(out).body).tags)
      out, err, code = call { "create-virtual-service", "--mesh-name", MESH,
        "--virtual-service-name", "new.demo.local", "--spec", "{}",
        "--tags", "key='a,b',value=\"x=y\"", "--dry-run" }
      assert.are.equal(0, code, err)
      assert.are.same({ { key = "a,b", value = "x=y" } }, cjson.decode(cjson.decode(out).body).tags)
    end)

    it("takes lists of strings as separate values and integers as numbers", function()
      local out, err, code = call { "untag-resource", "--resource-arn",
        "arn:aws:appmesh:us-east-1:123456789012:mesh/demo-mesh", "--tag-keys", "a", "b",
        "--dry-run" }
      assert.are.equal(0, code, err)
      assert.are.same({ "a", "b" }, cjson.decode(cjson.decode(out).body).tagKeys)
      emu.reset_log()
      out, err, code = call { "list-virtual-services", "--mesh-name", MESH, "--limit", "3",
        "--dry-run" }
      assert.are.equal(0, code, err)
      assert.matches("limit=3", cjson.decode(out).url, 1, true)
      out, err, code = call { "describe-virtual-service", "--mesh-name", MESH,
        "--virtual-service-name", SERVICE, "--dry-run" }
      assert.are.equal(0, code, err)
      assert.are.equal("GET", cjson.decode(out).method)
      assert.are.equal(0, requests())
    end)

    it("reads --cli-input-json from text or file://, options given winning", function()
      local path = write_temp(cjson.encode { meshName = MESH, virtualServiceName = "from-file",
        spec = { provider = { virtualRouter = { virtualRouterName = "colorteller-vr" } } } })
      local out, err, code = call { "create-virtual-service", "--cli-input-json",
        "file://" .. path, "--virtual-service-name", "from-option.demo.local" }
      os.remove(path)
      assert.are.equal(0, code, err)
      assert.are.equal("from-option.demo.local",
        cjson.decode(out).virtualService.virtualServiceName)
      assert.is_table(emu.service(MESH, "from-option.demo.local"))
      out, err, code = call { "describe-virtual-service", "--cli-input-json",
        cjson.encode { meshName = MESH, virtualServiceName = SERVICE } }
      assert.are.equal(0, code, err)
      assert.are.equal(SERVICE, cjson.decode(out).virtualService.virtualServiceName)
    end)

    it("reads member values from file://", function()
      local path = write_temp(
        '{"provider": {"virtualRouter": {"virtualRouterName": "colorteller-vr"}}}')
      local out, err, code = call { "update-virtual-service", "--mesh-name", MESH,
        "--virtual-service-name", SERVICE, "--spec", "file://" .. path }
      os.remove(path)
      assert.are.equal(0, code, err)
      assert.are.equal(2, cjson.decode(out).virtualService.metadata.version)
    end)

    it("expands ~ and $VAR in file:// paths, as the AWS CLI does", function()
      local home = os.tmpname()
      os.remove(home)
      assert(os.execute("mkdir " .. q(home)))
      local f = assert(io.open(home .. "/spec.json", "wb"))
      f:write('{"provider": {"virtualRouter": {"virtualRouterName": "colorteller-vr"}}}')
      f:close()
      f = assert(io.open(home .. "/in.json", "wb"))
      f:write(cjson.encode { meshName = MESH, virtualServiceName = SERVICE })
      f:close()
      local out, err, code = call({ "update-virtual-service", "--mesh-name", MESH,
        "--virtual-service-name", SERVICE, "--spec", "file://~/spec.json" }, { HOME = home })
      assert.are.equal(0, code, err)
      assert.are.equal("colorteller-vr",
        cjson.decode(out).virtualService.spec.provider.virtualRouter.virtualRouterName)
      out, err, code = call({ "describe-virtual-service", "--cli-input-json",
        "file://$SPECS/in.json" }, { SPECS = home })
      assert.are.equal(0, code, err)
      assert.are.equal(SERVICE, cjson.decode(out).virtualService.virtualServiceName)
      os.remove(home .. "/spec.json")
      os.remove(home .. "/in.json")
      os.remove(home)
    end)

    it("prints the input with every member for --generate-cli-skeleton, sending nothing", function()
      emu.reset_log()
      local out, err, code = appmesh { "create-virtual-service", "--generate-cli-skeleton" }
      assert.are.equal(0, code, err)
      assert.are.same({ "clientToken", "meshName", "meshOwner", "spec", "tags",
        "virtualServiceName" }, keys_at(out, 4))
      local v = cjson.decode(out)
      assert.are.same({ { key = "", value = "" } }, v.tags)
      assert.is_table(v.spec.provider.virtualNode)
      out, err, code = appmesh { "describe-mesh", "--generate-cli-skeleton", "output" }
      assert.are.equal(0, code, err)
      assert.is_table(cjson.decode(out).mesh.metadata)
      assert.are.equal(0, requests())
    end)
  end)

  describe("errors and exit statuses", function()
    it("prints a service error as the AWS CLI does and exits 254", function()
      local out, err, code = call { "describe-virtual-service", "--mesh-name", MESH,
        "--virtual-service-name", "nope" }
      assert.are.equal(254, code)
      assert.are.equal("", out)
      assert.are.equal("\nAn error occurred (NotFoundException) when calling the "
        .. "DescribeVirtualService operation: Virtual service nope not found in mesh demo-mesh\n",
        err)
    end)

    it("exits 252 on a ValidationError naming the option and member path, sending nothing",
    function()
      emu.reset_log()
      local out, err, code = call { "create-virtual-service", "--mesh-name", MESH,
        "--virtual-service-name", "x", "--spec", "{}", "--tags",
        '[{"key": "a", "value": "b"}, {"key": "c", "value": 5}]' }
      assert.are.equal(252, code)
      assert.are.equal("", out)
      assert.matches("^appmesh: error: argument %-%-tags: [^\n]*tags%[1%]%.value[^\n]*\n$", err)
      assert.are.equal(0, requests())
    end)

    it("says how many retries a retried service error had", function()
      emu.fault({ kind = "error", status = 503, count = 3 })
      local _, err, code = call({ "describe-mesh", "--mesh-name", MESH },
        { AWS_RETRY_MODE = "standard", AWS_MAX_ATTEMPTS = "3" })
      emu.clear_faults()
      assert.are.equal(254, code)
      assert.matches("^\nAn error occurred %(ServiceUnavailableException%) when calling the "
        .. "DescribeMesh operation %(reached max retries: 2%): [^\n]+\n$", err)
    end)

    it("exits 253 without credentials and 255 when it cannot connect", function()
      local _, err, code = call({ "describe-mesh", "--mesh-name", MESH },
        { AWS_ACCESS_KEY_ID = false, AWS_SECRET_ACCESS_KEY = false,
          AWS_EC2_METADATA_DISABLED = "true" })
      assert.are.equal(253, code, err)
      local _, err2, code2 = appmesh { "describe-mesh", "--mesh-name", MESH, "--endpoint-url",
        "http://127.0.0.1:1", "--cli-connect-timeout", "2" }
      assert.are.equal(255, code2, err2)
      local _, err3, code3 = appmesh({ "describe-mesh", "--mesh-name", MESH },
        { AWS_REGION = false })
      assert.are.equal(253, code3, err3)
    end)

    it("exits 0, saying nothing, when the reader of its output has gone (| head), as aws does",
    function()
      -- the pipe's read end is closed before the command starts, so its first write fails
      -- (EPIPE, and SIGPIPE unless ignored) whatever the timing
      local py = "import os, subprocess, sys\n"
        .. "r, w = os.pipe()\n"
        .. "os.close(r)\n"
        .. "p = subprocess.run(sys.argv[1:], stdout=w, stderr=subprocess.PIPE)\n"
        .. "sys.stdout.write('%d [%s]' % (p.returncode, p.stderr.decode()))\n"
      local out = integration.run(env() .. " " .. q(integration.PYTHON) .. " -c " .. q(py) .. " "
        .. q(APPMESH) .. " list-virtual-services --mesh-name " .. q(MESH) .. " --endpoint-url "
        .. q(emu.url))
      assert.are.equal("0 []", out)
    end)

    it("exits 130 when interrupted during a call", function()
      -- The response is held back 5 s; SIGINT goes once the --debug trace shows the request
      -- sent, so exit 130 (not 0) says the call in flight was stopped.
      emu.fault({ kind = "delay", seconds = 5, count = 1 })
      emu.reset_log()
      local trace = os.tmpname()
      local cmd = env() .. " " .. q(APPMESH) .. " describe-mesh --mesh-name " .. MESH
        .. " --endpoint-url " .. q(emu.url) .. " --debug >/dev/null 2>" .. q(trace)
        .. " & pid=$!; i=0; until grep -q 'body 0 bytes' " .. q(trace)
        .. " || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done; "
        .. "kill -INT $pid; wait $pid; echo $?"
      local out = integration.run("sh -c " .. q(cmd))
      local text = shell.read(trace)
      os.remove(trace)
      -- the emulator logs the held request once its delay is over: wait for it, so that it
      -- does not land in a later test's log
      integration.wait_for(function()
        return requests() > 0
      end, 10)
      emu.clear_faults()
      assert.matches("body 0 bytes", text, 1, true)
      assert.is_nil(text:find("HTTP 200", 1, true), text)
      assert.are.equal("130", out:match("(%d+)%s*$"))
    end)

    local bad = {
      { "unknown operation, with the nearest", { "describe-virtual-servic" },
        "describe%-virtual%-service" },
      { "unknown option, with the nearest", { "describe-mesh", "--mesh-nam", "m" },
        "%-%-mesh%-name%?" },
      { "a value missing", { "describe-mesh", "--mesh-name" }, "expected one argument" },
      { "a value missing before the next option", { "describe-mesh", "--mesh-name",
        "--mesh-owner", "x" }, "expected one argument" },
      { "a required member missing", { "describe-virtual-service", "--mesh-name", "m" },
        "required: %-%-virtual%-service%-name" },
      { "JSON that does not parse", { "create-virtual-service", "--mesh-name", "m",
        "--virtual-service-name", "s", "--spec", '{"provider":\n {x}' }, "line 2 column 3" },
      { "a member of the wrong type", { "list-virtual-services", "--mesh-name", "m",
        "--limit", "ten" }, "%-%-limit: expected an integer" },
      { "a JSON member of the wrong type", { "create-virtual-service", "--mesh-name", "m",
        "--virtual-service-name", "s", "--spec",
        '{"provider": {"virtualNode": {"virtualNodeName": 5}}}' },
        "spec%.provider%.virtualNode%.virtualNodeName must be a string" },
      { "an unknown member in JSON", { "create-virtual-service", "--mesh-name", "m",
        "--virtual-service-name", "s", "--spec", '{"providr": {}}' }, "spec%.providr" },
      { "a member the model refuses", { "describe-mesh", "--mesh-name", "" },
        "argument %-%-mesh%-name: parameter validation failed: meshName" },
      { "an unknown member in --cli-input-json", { "describe-mesh", "--cli-input-json",
        '{"meshName": "m", "bogus": 1}' }, "argument %-%-cli%-input%-json: .*bogus" },
      { "an endpoint URL without a scheme", { "list-meshes", "--endpoint-url", "localhost:1" },
        "%-%-endpoint%-url", true },
      { "an unreadable file://", { "create-virtual-service", "--mesh-name", "m",
        "--virtual-service-name", "s", "--spec", "file:///nonexistent/spec.json" },
        "cannot read file:///nonexistent/spec.json" },
      { "an unreadable --cli-input-json file://", { "describe-mesh", "--cli-input-json",
        "file:///nonexistent/in.json" }, "cannot read" },
      { "nested shorthand", { "create-virtual-service", "--mesh-name", "m",
        "--virtual-service-name", "s", "--spec", "provider={virtualNode={virtualNodeName=n}}" },
        "nested shorthand is not supported.*jq" },
      { "--query", { "list-meshes", "--query", "meshes[0]" }, "jq" },
      { "--output text", { "list-meshes", "--output", "text" }, "JSON only" },
      { "--output yaml", { "list-meshes", "--output", "yaml" }, "JSON only" },
      { "an unexpected argument", { "describe-mesh", "--mesh-name", "m", "extra" },
        "unexpected argument" },
      { "a bad timeout", { "list-meshes", "--cli-read-timeout", "soon" }, "seconds" },
    }
    for _, case in ipairs(bad) do
      it("exits 252 with one line and sends nothing: " .. case[1], function()
        emu.reset_log()
        local out, err, code = (case[4] and appmesh or call)(case[2])
        assert.are.equal(252, code, err)
        assert.are.equal("", out)
        assert.matches("^appmesh: error: [^\n]+\n$", err)
        assert.matches(case[3], err)
        assert.are.equal(0, requests())
      end)
    end

    it("ignores a profile's output other than json with one warning", function()
      local config = write_temp("[default]\noutput = text\nregion = us-east-1\n")
      local out, err, code = call({ "describe-mesh", "--mesh-name", MESH },
        { AWS_CONFIG_FILE = config })
      assert.are.equal(0, code, err)
      assert.matches("^appmesh: warning: [^\n]*text[^\n]*\n$", err)
      assert.is_table(cjson.decode(out).mesh)
      out, err, code = call({ "describe-mesh", "--mesh-name", MESH, "--output", "json" },
        { AWS_CONFIG_FILE = config })
      os.remove(config)
      assert.are.equal(0, code, err)
      assert.are.equal("", err)
    end)

    it("ignores a profile's cli_timestamp_format other than iso8601 with one warning", function()
      -- the AWS CLI v2 prints timestamps as they came (epoch seconds) with `wire`
      local config = write_temp("[profile ops]\ncli_timestamp_format = wire\n"
        .. "aws_access_key_id = " .. integration.ACCESS_KEY .. "\naws_secret_access_key = "
        .. integration.SECRET_KEY .. "\n[default]\ncli_timestamp_format = iso8601\n")
      local out, err, code = call({ "describe-mesh", "--mesh-name", MESH, "--profile", "ops" },
        { AWS_CONFIG_FILE = config })
      assert.are.equal(0, code, err)
      assert.are.equal("appmesh: warning: cli_timestamp_format = wire (profile ops) ignored: "
        .. "appmesh prints timestamps in ISO 8601\n", err)
      assert.matches(ISO, cjson.decode(out).mesh.metadata.createdAt)
      out, err, code = call({ "describe-mesh", "--mesh-name", MESH }, { AWS_CONFIG_FILE = config })
      os.remove(config)
      assert.are.equal(0, code, err)
      assert.are.equal("", err)
    end)
  end)

  describe("help, dry run, debug", function()
    it("prints help for the command and for each operation", function()
      local out, err, code = appmesh { "--help" }
      assert.are.equal(0, code, err)
      assert.matches("update-virtual-service", out, 1, true)
      assert.matches("bulk-update", out, 1, true)
      out, err, code = appmesh { "update-virtual-service", "--help" }
      assert.are.equal(0, code, err)
      assert.matches("--mesh-name (string), required", out, 1, true)
      assert.matches("The name of the service mesh", out, 1, true)
      assert.matches("--spec (JSON", out, 1, true)
      out = appmesh { "list-virtual-nodes", "help" }
      assert.matches("--max-items", out, 1, true)
      out, err, code = appmesh {}
      assert.are.equal(252, code)
    end)

    it("--dry-run prints the request with the signature redacted and sends nothing", function()
      emu.reset_log()
      local out, err, code = call({ "update-virtual-service", "--mesh-name", MESH,
        "--virtual-service-name", SERVICE, "--spec", "{}", "--dry-run" },
        { AWS_SESSION_TOKEN = "SECRET-SESSION-TOKEN" })
      assert.are.equal(0, code, err)
      local req = cjson.decode(out)
      assert.are.equal("PUT", req.method)
      assert.matches("/meshes/demo%-mesh/virtualServices/colorteller%.demo%.local$", req.url)
      assert.matches("Signature=<redacted>", req.headers.Authorization, 1, true)
      assert.is_nil(out:find(integration.SECRET_KEY, 1, true))
      assert.is_nil(out:find("SECRET-SESSION-TOKEN", 1, true))
      assert.are.equal(0, requests())
    end)

    it("--debug traces the attempts on stderr without secrets", function()
      local out, err, code = call { "describe-mesh", "--mesh-name", MESH, "--debug" }
      assert.are.equal(0, code, err)
      assert.matches("DescribeMesh attempt 1", err, 1, true)
      assert.is_nil(err:find(integration.SECRET_KEY, 1, true))
      assert.is_table(cjson.decode(out).mesh)
    end)

    it("accepts the AWS CLI v2 options that change nothing here", function()
      local out, err, code = call { "describe-mesh", "--mesh-name", MESH, "--no-cli-pager",
        "--color", "off", "--region", "us-east-1", "--cli-read-timeout", "0",
        "--cli-connect-timeout", "5", "--output", "json" }
      assert.are.equal(0, code, err)
      assert.is_table(cjson.decode(out).mesh)
    end)
  end)

  describe("timeouts", function()
    it("gives up after --cli-read-timeout with exit 255", function()
      emu.fault({ kind = "delay", seconds = 4, count = 1 })
      emu.reset_log()
      -- without the 1 s timeout the call would succeed (the 4 s delay is under the default 30 s)
      local _, err, code = call({ "describe-mesh", "--mesh-name", MESH, "--cli-read-timeout",
        "1" }, { AWS_MAX_ATTEMPTS = "1" })
      integration.wait_for(function() -- the held request is logged when its delay is over
        return requests() > 0
      end, 10)
      emu.clear_faults()
      assert.are.equal(255, code, err)
      assert.matches("[Tt]ime", err)
      assert.matches("^\n[^\n]+\n$", err)
    end)
  end)

  it("prints its version", function()
    local out, _, code = appmesh { "--version" }
    assert.are.equal(0, code)
    assert.matches("^appmesh %d+%.%d+%.%d+", out)
  end)

  describe("scripts by name", function()
    local manifest
    setup(function()
      manifest = write_temp(cjson.encode { updates = { { meshName = MESH,
        virtualServiceName = SERVICE,
        spec = { provider = { virtualRouter = { virtualRouterName = "colorteller-vr" } } } } } })
    end)
    teardown(function()
      os.remove(manifest)
    end)

    it("runs dry-run, policy-check and bulk-update with their own exit statuses", function()
      local extra = { AWS_ENDPOINT_URL = emu.url }
      local lua_host = q(integration.build .. "/appmesh-lua")
      local cases = {
        { "dry-run", "scripts/dry_run.lua", { manifest } },
        { "bulk-update", "scripts/bulk_update.lua", { manifest } },
        { "bulk-update", "scripts/bulk_update.lua", { manifest, "--bogus" } },
        { "policy-check", "scripts/policy_check.lua",
          { manifest, "--policy", "scripts/policies/provider_kind_change.lua" } },
        { "policy-check", "scripts/policy_check.lua", { "--help" } },
      }
      for _, c in ipairs(cases) do
        local args = { c[1], table.unpack(c[3]) }
        local out, _, code = appmesh(args, extra)
        local out2, _, code2 = run(lua_host, { c[2], table.unpack(c[3]) }, extra)
        assert.are.equal(code2, code, c[1] .. " " .. table.concat(c[3], " "))
        if c[3][1] == "--help" then
          assert.are.equal(out2, out)
        end
      end
      local _, _, code = appmesh({ "bulk-update", manifest, "--bogus" }, extra)
      assert.are.equal(2, code)
    end)
  end)

  describe("completion", function()
    local function complete(words)
      local script = "source scripts/appmesh.bash-completion; COMP_WORDS=(" .. words
        .. "); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _appmesh; printf '%s\\n' \"${COMPREPLY[@]}\""
      local out = integration.run("env PATH=" .. q(integration.build) .. ":\"$PATH\" bash -c "
        .. q(script))
      local t = {}
      for w in out:gmatch("[^\n]+") do
        t[w] = true
      end
      return t
    end

    it("completes operations, scripts, options and enum values", function()
      assert.is_true(complete("appmesh describe-virtual-s")["describe-virtual-service"])
      assert.is_true(complete("appmesh bulk")["bulk-update"])
      local opts = complete("appmesh describe-virtual-service --me")
      assert.is_true(opts["--mesh-name"])
      assert.is_true(opts["--mesh-owner"])
      assert.is_nil(opts["--virtual-service-name"])
      assert.is_true(complete("appmesh list-virtual-nodes --max")["--max-items"])
      assert.is_true(complete("appmesh list-meshes --output ''")["json"])
    end)
  end)

  describe("installed", function()
    it("runs operations and scripts from bin/appmesh, with its completion installed", function()
      local prefix = os.tmpname()
      os.remove(prefix)
      local _, ok = integration.run("cmake --install " .. q(integration.build) .. " --prefix "
        .. q(prefix) .. " >/dev/null 2>&1")
      assert.is_true(ok, "cmake --install failed")
      local bin = prefix .. "/bin/appmesh"
      local out, err, code = run(q(bin), { "describe-virtual-service", "--mesh-name", MESH,
        "--virtual-service-name", SERVICE, "--endpoint-url", emu.url })
      assert.are.equal(0, code, err)
      assert.are.equal(SERVICE, cjson.decode(out).virtualService.virtualServiceName)
      local _, _, pcode = run(q(bin), { "policy-check", "--help" })
      assert.are.equal(0, pcode)
      local manifest = write_temp(cjson.encode { updates = { { meshName = MESH,
        virtualServiceName = SERVICE,
        spec = { provider = { virtualRouter = { virtualRouterName = "colorteller-vr" } } } } } })
      local dout, derr, dcode = run(q(bin), { "dry-run", manifest }, { AWS_ENDPOINT_URL = emu.url })
      local _, _, bcode = run(q(bin), { "bulk-update", manifest, "--bogus" })
      os.remove(manifest)
      assert.are.equal(0, dcode, derr)
      assert.matches("colorteller.demo.local", dout, 1, true)
      assert.are.equal(2, bcode)
      assert.is_truthy(integration.read_file(prefix
        .. "/share/bash-completion/completions/appmesh"))
      -- Debian's bash-completion loads it on demand from <prefix>/share (XDG_DATA_DIRS)
      local loader = "/usr/share/bash-completion/bash_completion"
      local spec = nil
      if integration.read_file(loader) then
        spec = integration.run("env XDG_DATA_DIRS=" .. q(prefix .. "/share") .. " bash -c "
          .. q("source " .. loader .. "; __load_completion appmesh; complete -p appmesh"))
      end
      integration.run("rm -rf " .. q(prefix))
      if spec == nil then
        pending("bash-completion is not installed: its on-demand loading not checked")
      else
        assert.matches("-F _appmesh appmesh", spec, 1, true)
      end
    end)
  end)

  describe("against canned answers", function()
    local helpers = dofile("tests/lua/helpers.lua")
    local responder
    setup(function()
      responder = helpers.start_responder()
    end)
    teardown(function()
      responder.stop()
    end)

    it("prints nothing for an empty output, as the AWS CLI", function()
      responder.queue { { json = {} } }
      local out, err, code = appmesh { "tag-resource", "--resource-arn",
        "arn:aws:appmesh:us-east-1:123456789012:mesh/m", "--tags", "key=a,value=b",
        "--endpoint-url", responder.url }
      assert.are.equal(0, code, err)
      assert.are.equal("", out)
      assert.are.equal("", err)
    end)

    it("stops paging on a repeated nextToken with exit 255", function()
      local page = { json = { meshes = { { meshName = "m", arn = "a", meshOwner = "1",
        resourceOwner = "1", version = 1, createdAt = 0, lastUpdatedAt = 0 } },
        nextToken = "same" } }
      responder.queue { page, page }
      local out, err, code = appmesh { "list-meshes", "--endpoint-url", responder.url }
      assert.are.equal(255, code, err)
      assert.are.equal("", out)
      assert.matches("^\nError during pagination: The same next token was received twice", err)
    end)

    it("ends paging at an empty nextToken, as botocore does", function()
      local page = { json = { meshes = { { meshName = "m", arn = "a", meshOwner = "1",
        resourceOwner = "1", version = 1, createdAt = 0, lastUpdatedAt = 0 } },
        nextToken = "" } }
      responder.queue { page }
      local out, err, code = appmesh { "list-meshes", "--endpoint-url", responder.url }
      assert.are.equal(0, code, err)
      assert.are.equal("", err)
      local v = cjson.decode(out)
      assert.are.equal(1, #v.meshes)
      assert.is_nil(v.NextToken)
      -- with --max-items at the page's end there is nothing to resume either
      responder.queue { page }
      out, err, code = appmesh { "list-meshes", "--max-items", "1", "--endpoint-url",
        responder.url }
      assert.are.equal(0, code, err)
      assert.is_nil(cjson.decode(out).NextToken)
    end)
  end)

  describe("over TLS", function()
    local tls = integration.emulator_fixture({ state = integration.SEED, tls = true })

    it("verifies with --ca-bundle, refuses an unknown certificate, and --no-verify-ssl", function()
      local args = { "describe-mesh", "--mesh-name", MESH, "--endpoint-url", tls.url }
      local out, err, code = appmesh({ "--ca-bundle", tls.ca, table.unpack(args) })
      assert.are.equal(0, code, err)
      assert.is_table(cjson.decode(out).mesh)
      out, err, code = appmesh(args, { AWS_MAX_ATTEMPTS = "1" })
      assert.are.equal(255, code, err)
      assert.are.equal("", out)
      out, err, code = appmesh({ "--no-verify-ssl", table.unpack(args) })
      assert.are.equal(0, code, err)
      assert.is_table(cjson.decode(out).mesh)
    end)
  end)
end)
