-- SPDX-License-Identifier: MIT
-- appmesh.codec: JSON read through lua-cjson (errors in words, with line and column; null
-- members dropped), the deterministic writer, pretty JSON, text made safe for a terminal, and
-- the small helpers on plain data.
local cjson = require "cjson"
local codec = require "appmesh.codec"

describe("codec.encode", function()
  it("encodes with sorted keys, whatever the insertion order", function()
    local a, b = {}, {}
    for _, k in ipairs({ "z", "a", "m" }) do
      a[k] = 1
    end
    for _, k in ipairs({ "m", "z", "a" }) do
      b[k] = 1
    end
    assert.equal('{"a":1,"m":1,"z":1}', codec.encode(a))
    assert.equal(codec.encode(a), codec.encode(b))
  end)

  it("writes integral floats as integers and escapes strings", function()
    assert.equal('[3,0.5,"a\\"b\\n/\\u0001"]', codec.encode({ 3.0, 0.5, 'a"b\n/\1' }))
    assert.same({ 3, 0.5, 'a"b\n/\1' }, cjson.decode(codec.encode({ 3.0, 0.5, 'a"b\n/\1' })))
  end)

  it("puts the given keys first", function()
    assert.equal('{"b":1,"a":2,"c":3}', codec.encode({ a = 2, b = 1, c = 3 }, { "b" }))
  end)

  it("refuses what JSON cannot hold", function()
    assert.has_error(function()
      codec.encode({ 0 / 0 })
    end, "codec.encode: cannot encode " .. tostring(0 / 0))
    assert.has_error(function()
      codec.encode({ f = print })
    end, "codec.encode: cannot encode a function")
  end)

  it("writes null, empty tables as objects, and refuses keys that are not strings", function()
    assert.equal('[null,{},true]', codec.encode({ cjson.null, {}, true }))
    assert.has_error(function()
      codec.encode({ [1] = "a", [3] = "c" })
    end, "codec.encode: object key 1 is not a string")
  end)

  it("refuses values nested more than 100 deep", function()
    local v = {}
    local inner = v
    for _ = 1, 101 do
      inner[1] = {}
      inner = inner[1]
    end
    assert.has_error(function()
      codec.encode(v)
    end, "codec.encode: nested too deeply")
  end)
end)

describe("codec.decode and codec.parse", function()
  it("reports decode errors with line and column", function()
    local v, err = codec.decode('{\n  "a": [1,\n  2,, 3]}', "x.json")
    assert.is_nil(v)
    assert.equal("x.json:3:5: Expected value but found ','", err)
  end)

  it("drops null members of objects and keeps nulls in arrays", function()
    local v = assert(codec.decode('{"a": null, "b": {"c": null, "d": 1}, "e": [null, 2]}'))
    assert.same({ b = { d = 1 }, e = { codec.null, 2 } }, v)
  end)

  it("names tokens in words, with no byte offset", function()
    assert.same({ nil, "Expected value but found the end of the text", 1, 7 },
      { codec.parse('{"a": ') })
    local _, err = codec.decode("[1,")
    assert.equal("JSON:1:4: Expected value but found the end of the text", err)
  end)

  it("gives the line and column of a byte", function()
    assert.same({ 1, 1 }, { codec.position("ab\ncd", 1) })
    assert.same({ 2, 2 }, { codec.position("ab\ncd\nef", 5) })
    assert.same({ 3, 1 }, { codec.position("ab\ncd\nef", 7) })
  end)

  it("finds the lines of the update list's elements", function()
    assert.same({ 3, 4, 6 }, codec.element_lines(
      '{"defaults": {"x": [1, 2]},\n "updates": [\n  {"a": "[{\\""},\n  3,\n\n'
        .. '  {"b": {"updates": [1]}}\n]}'))
    assert.same({ 2, 4 }, codec.element_lines('[\n{},\n\n{}]'))
  end)
end)

describe("codec.pretty", function()
  it("indents by two with sorted keys, and writes empty tables as {}", function()
    assert.equal('{\n  "a": [\n    1,\n    {}\n  ],\n  "b": "x",\n  "c": {}\n}',
      codec.pretty({ c = {}, b = "x", a = { 1, {} } }))
    assert.equal('[\n    1\n  ]', codec.pretty({ 1 }, "  "))
    assert.equal('"x"', codec.pretty("x"))
  end)
end)

describe("codec.printable", function()
  it("escapes control characters, C1 controls included", function()
    assert.equal("a\\x1b[31m\\nb\\tc\\x07\\u009b\\x7f caf\195\169",
      codec.printable("a\27[31m\nb\tc\7\194\155\127 caf\195\169"))
    assert.equal("two\nlines\\x1b", codec.printable("two\nlines\27", true))
  end)

  it("escapes every piece written through a printable writer, newlines kept", function()
    local got = {}
    local file = {
      write = function(_, ...)
        for _, s in ipairs({ ... }) do
          got[#got + 1] = s
        end
        return true
      end,
      flush = function()
        got[#got + 1] = "<flush>"
        return true
      end,
    }
    local w = codec.printable_writer(file)
    w:write("a\27]0;x\7", "\n", 5)
    w:flush()
    assert.same({ "a\\x1b]0;x\\x07", "\n", "5", "<flush>" }, got)
  end)
end)

describe("codec helpers", function()
  it("counts with the noun's singular or plural", function()
    assert.equal("1 entry", codec.count(1, "entry", "entries"))
    assert.equal("0 entries", codec.count(0, "entry", "entries"))
    assert.equal("2 rules", codec.count(2, "rule"))
  end)

  it("writes integral numbers without .0", function()
    assert.equal("4", codec.number_text(4.0))
    assert.equal("4.5", codec.number_text(4.5))
    assert.equal("x", codec.number_text("x"))
  end)

  it("copies deeply and compares by content", function()
    local a = { x = { 1, 2 }, y = "s" }
    local b = codec.copy(a)
    assert.is_true(codec.equal(a, b))
    assert.are_not.equal(a.x, b.x)
    b.x[3] = 3
    assert.is_false(codec.equal(a, b))
    assert.is_false(codec.equal({ 1 }, { 1, 2 }))
    assert.is_false(codec.equal({ a = 1 }, 1))
  end)

  it("lists keys of any type in the order of their tostring", function()
    assert.same({ 1, 2, "a", "b" }, codec.keys({ b = 1, a = 1, [2] = 1, [1] = 1 }))
  end)

  it("tells arrays (non-empty sequences) from objects", function()
    assert.is_true(codec.is_array({ 1, 2 }))
    assert.is_false(codec.is_array({}))
    assert.is_false(codec.is_array({ 1, x = 2 }))
  end)
end)
