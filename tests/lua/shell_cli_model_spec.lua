-- SPDX-License-Identifier: MIT
-- appmesh.cli_model, the service model as the `appmesh` shell command sees it: kebab names,
-- operations and their options, shapes looked up once, nearest names for typos.
local cli_model = require "appmesh.cli_model"

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

describe("cli_model.options and cli_model.shape", function()
  it("gives an operation's members as options in model order, and by option name", function()
    local op = cli_model.operation("describe-virtual-service")
    local list, map = cli_model.options(op)
    local options = {}
    for i, o in ipairs(list) do
      options[i] = o.option
    end
    assert.same({ "--mesh-name", "--mesh-owner", "--virtual-service-name" }, options)
    assert.equal(list[3], map["--virtual-service-name"])
    assert.equal("virtualServiceName", list[3].name) -- the member's own fields show through
    assert.is_true(list[3].required)
    assert.equal("string", list[3].type)
    assert.equal(list, (cli_model.options(op))) -- worked out once per operation
  end)

  it("types options by their member's shape", function()
    local _, map = cli_model.options(cli_model.operation("list-meshes"))
    assert.equal("integer", map["--limit"].type)
    _, map = cli_model.options(cli_model.operation("create-virtual-node"))
    assert.equal("structure", map["--spec"].type)
    assert.equal("list", map["--tags"].type)
  end)

  it("looks each shape up once, and raises for a shape the model does not have", function()
    local s = cli_model.shape("ResourceName")
    assert.equal(s, cli_model.shape("ResourceName"))
    assert.equal(s, cli_model.shape(s))
    assert.has_error(function()
      cli_model.shape("NoSuchShape")
    end, "appmesh: the model has no shape NoSuchShape")
  end)

  it("suggests at most the asked number of names, and names containing the one given", function()
    assert.same({ "abcd" }, cli_model.nearest("abcx", { "abcf", "abce", "abcd" }, 1))
    assert.same({ "abcd", "abce", "abcf" }, cli_model.nearest("abcx", { "abcf", "abce", "abcd" }))
    local names = { "describe-mesh", "describe-route", "describe-virtual-node" }
    assert.same({ "describe-virtual-node" }, cli_model.nearest("virtual-node", names))
    assert.equal("", cli_model.did_you_mean {})
    assert.equal(" (did you mean a, b or c?)", cli_model.did_you_mean { "a", "b", "c" })
  end)
end)
