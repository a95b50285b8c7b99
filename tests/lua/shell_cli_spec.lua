-- SPDX-License-Identifier: MIT
-- What the binding gives the `appmesh` shell command, offline: the model's tables from Lua
-- (appmesh.model_operation / model_shape) and dry runs of the describe and list calls. The
-- command's own libraries have a spec each: shell_cli_args, shell_cli_help, shell_cli_model,
-- shell_cli_output and shell_shorthand.
local appmesh = require "appmesh"

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
