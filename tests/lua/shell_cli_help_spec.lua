-- SPDX-License-Identifier: MIT
-- appmesh.cli_help, the `appmesh` shell command's help, skeletons and completion words, all from
-- the model.
local cli_help = require "appmesh.cli_help"
local cli_model = require "appmesh.cli_model"

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

  it("lists every operation and every script in the usage", function()
    local text = cli_help.usage()
    assert.matches("^usage: appmesh <operation>", text)
    for _, name in ipairs(cli_model.operation_names()) do
      assert.truthy(text:find(" " .. name:gsub("%-", "%%-") .. "%f[%s]"), name)
    end
    for name in pairs(cli_help.SCRIPTS) do
      assert.truthy(text:find("\n  " .. name .. " ", 1, true), name)
    end
    assert.truthy(text:find("\nGlobal options:\n", 1, true))
  end)

  it("makes output skeletons too", function()
    local v = cli_help.skeleton(cli_model.operation("describe-mesh"), "output")
    assert.equal("", v.mesh.meshName)
    assert.is_table(v.mesh.metadata)
  end)
end)
