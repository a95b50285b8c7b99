-- SPDX-License-Identifier: MIT
-- appmesh.shorthand, the AWS CLI's shorthand for flat structures (`key=team,value=a`), typed by
-- the model; nested shorthand refused.
local shorthand = require "appmesh.shorthand"

describe("shorthand", function()
  local tag = "TagRef"

  it("tells shorthand from JSON and bare words", function()
    assert.is_true(shorthand.looks_like("key=a"))
    assert.is_true(shorthand.looks_like(" virtual-node = x"))
    assert.is_false(shorthand.looks_like('{"key": "a=b"}'))
    assert.is_false(shorthand.looks_like("plain"))
    assert.is_false(shorthand.looks_like("=a"))
  end)

  it("parses flat structures, quotes and escapes", function()
    assert.are.same({ key = "team", value = "a" }, shorthand.parse("key=team,value=a", tag))
    assert.are.same({ key = "a,b", value = "x=y" }, shorthand.parse([[key='a,b',value="x=y"]], tag))
    assert.are.same({ key = "a,b", value = "" }, shorthand.parse([[key=a\,b,value=]], tag))
    assert.are.same({ key = "team", value = " a " }, shorthand.parse([[key= team , value=" a "]], tag))
  end)

  it("reads backslashes and blanks as the AWS CLI's shorthand parser does", function()
    local function value(text)
      local v, err = shorthand.parse("key=k,value=" .. text, tag)
      assert.is_table(v, err)
      return v.value
    end
    -- unquoted: only \, is an escape; any other backslash is kept
    assert.are.equal([[C:\temp]], value([[C:\temp]]))
    assert.are.equal([[a\\b]], value([[a\\b]]))
    assert.are.equal("a,b", value([[a\,b]]))
    assert.are.equal([[a\]], value([[a\]]))
    -- quoted: \' (\" in double quotes) and \\ are escapes; any other backslash is kept
    assert.are.equal([[C:\temp]], value([["C:\temp"]]))
    assert.are.equal([[a\,b]], value([['a\,b']]))
    assert.are.equal("a'b", value([['a\'b']]))
    assert.are.equal('a"b', value([["a\"b"]]))
    assert.are.equal([[a\b]], value([['a\\b']]))
    assert.are.equal([[C:\temp\]], value([['C:\temp\']])) -- the last \' closes, as for aws
    -- blanks after a quoted value go, as before it
    assert.are.equal("x", value([[ "x" ]]))
    assert.are.same({ key = "k", value = "x" }, shorthand.parse([[key='k' , value="x"]], tag))
    -- text after a closing quote is a mistake, as for the AWS CLI
    local v, err = shorthand.parse([[key=k,value='a'b]], tag)
    assert.is_nil(v)
    assert.matches("expected ',' after the quoted value", err, 1, true)
  end)

  it("types values by the model", function()
    assert.are.same({ port = 8080, protocol = "http" },
      shorthand.parse("port=8080,protocol=http", "PortMapping"))
    local v, err = shorthand.parse("port=eighty,protocol=http", "PortMapping")
    assert.is_nil(v)
    assert.matches("port: expected an integer", err, 1, true)
    for _, text in ipairs { "0x50", "80.0", "8e1" } do -- not integers to the AWS CLI's int()
      v, err = shorthand.parse("port=" .. text .. ",protocol=http", "PortMapping")
      assert.is_nil(v, text)
      assert.matches("port: expected an integer", err, 1, true)
    end
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
