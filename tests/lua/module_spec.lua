-- SPDX-License-Identifier: MIT
-- The module table: _VERSION, functions, appmesh.Error; loading from plain lua5.4.
local helpers = dofile("tests/lua/helpers.lua")
local appmesh = require "appmesh"

describe("require 'appmesh'", function()
  it("has _VERSION 'appmesh x.y.z'", function()
    assert.matches("^appmesh %d+%.%d+%.%d+$", appmesh._VERSION)
  end)

  it("exposes client, default_client, update_virtual_service, sign and Error", function()
    assert.is_function(appmesh.client)
    assert.is_function(appmesh.default_client)
    assert.is_function(appmesh.update_virtual_service)
    assert.is_function(appmesh.sign)
    assert.is_table(appmesh.Error)
    assert.is_function(appmesh.Error.__tostring)
  end)

  it("returns the same module table when required again", function()
    assert.equal(appmesh, require "appmesh")
  end)

  it("loads in plain lua5.4 with LUA_CPATH set to the build directory", function()
    local out, ok = helpers.run_child([[
      local appmesh = require "appmesh"
      io.write(appmesh._VERSION, "|", package.searchpath("appmesh", package.cpath))
    ]])
    assert.is_true(ok, out)
    assert.equal(appmesh._VERSION .. "|" .. helpers.build .. "/appmesh.so", out)
  end)
end)
