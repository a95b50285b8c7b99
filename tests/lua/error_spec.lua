-- SPDX-License-Identifier: MIT
-- appmesh.Error: the fields of error tables and their one-line __tostring.
local helpers = dofile("tests/lua/helpers.lua")
local appmesh = require "appmesh"

describe("appmesh.Error", function()
  local responder, client
  helpers.responder_fixture(nil, function(r, c)
    responder, client = r, c
  end)

  it("formats a service error as 'Code (status): message [request id]'", function()
    responder.queue({
      { error = "NotFoundException", status = 404, message = "Mesh not found", requestId = "1234" },
    })
    local vs, err = client:update_virtual_service(helpers.params())
    assert.is_nil(vs)
    assert.equal(appmesh.Error, getmetatable(err))
    assert.equal("NotFoundException (404): Mesh not found [request 1234]", tostring(err))
  end)

  it("gives a service error every field with its type", function()
    responder.queue({
      { error = "NotFoundException", status = 404, message = "Mesh not found", requestId = "1234" },
    })
    local _, err = client:update_virtual_service(helpers.params())
    assert.equal("NotFoundException", err.code)
    assert.equal("Mesh not found", err.message)
    assert.equal(404, err.httpStatus)
    assert.equal("1234", err.requestId)
    assert.is_false(err.retryable)
    assert.equal(1, err.attempts)
    assert.equal("integer", math.type(err.attempts))
    assert.is_nil(err.field)
  end)

  it("formats a validation error as 'ValidationError: message [field path]'", function()
    local _, err = client:update_virtual_service(helpers.params({ meshName = 42 }))
    assert.equal("ValidationError: meshName must be a string, got number [field meshName]",
      tostring(err))
    assert.is_nil(err.httpStatus)
    assert.is_nil(err.requestId)
    assert.is_false(err.retryable)
    assert.equal(0, err.attempts)
  end)

  it("leaves httpStatus nil when there was no response", function()
    local c = assert(appmesh.client(helpers.client_options("http://127.0.0.1:1",
      { max_attempts = 2 })))
    local vs, err = c:update_virtual_service(helpers.params())
    c:close()
    assert.is_nil(vs)
    assert.equal("TransportError", err.code)
    assert.is_nil(err.httpStatus)
    assert.is_true(err.retryable)
    assert.equal(2, err.attempts)
    assert.not_matches("\n", tostring(err))
  end)

  it("makes assert() fail with the one-line message", function()
    local ok, e = pcall(function()
      assert(client:update_virtual_service(helpers.params({ meshOwner = true })))
    end)
    assert.is_false(ok)
    assert.equal("ValidationError: meshOwner must be a string, got boolean [field meshOwner]",
      tostring(e))
  end)

  it("shows control characters from a server as visible escapes", function()
    local e = setmetatable({ code = "Bad\27[31mCode", httpStatus = 400,
      message = "line\nnext\tcol \27]0;t\7 \194\155x \127", requestId = "r\27[2J" },
      appmesh.Error)
    assert.equal("Bad\\x1b[31mCode (400): line\\nnext\\tcol \\x1b]0;t\\x07 \\u009bx \\x7f "
      .. "[request r\\x1b[2J]", tostring(e))
    -- printable UTF-8 stays as it is
    e = setmetatable({ code = "X", message = "caf\195\169 \226\156\147" }, appmesh.Error)
    assert.equal("X: caf\195\169 \226\156\147", tostring(e))
  end)

  it("formats tables made in Lua with the same metatable", function()
    local cases = {
      { { code = "X", message = "m" }, "X: m" },
      { { code = "X" }, "X" },
      { { code = "X", httpStatus = 503, message = "busy" }, "X (503): busy" },
      { { message = "m", field = "spec" }, "Error: m [field spec]" },
      { { code = "C", message = "m", requestId = "r", field = "f" }, "C: m [request r] [field f]" },
    }
    for _, case in ipairs(cases) do
      assert.equal(case[2], tostring(setmetatable(case[1], appmesh.Error)))
    end
  end)
end)
