-- SPDX-License-Identifier: MIT
-- appmesh.cli_output, what the `appmesh` shell command prints, as the AWS CLI v2 prints it: JSON
-- indented by 4 in the model's member order, timestamps, base64 paging tokens.
local cli_output = require "appmesh.cli_output"

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

  it("prints a timestamp without a fraction when it is whole", function()
    assert.is_nil(cli_output.timestamp(1796678731):find(".", 1, true))
    assert.matches("%.500000[%+%-]", cli_output.timestamp(1796678731.5))
  end)

  it("prints a time before 1970 with a fraction as Python does (the second before, plus)",
  function()
    assert.matches("T%d%d:%d%d:58%.500000[%+%-]%d%d:%d%d$", cli_output.timestamp(-1.5))
    assert.matches("T%d%d:%d%d:59%.750000[%+%-]%d%d:%d%d$", cli_output.timestamp(-0.25))
    assert.matches("T%d%d:%d%d:59[%+%-]%d%d:%d%d$", cli_output.timestamp(-1))
  end)

  it("writes plain values with sorted keys, lists, and empty tables as {}", function()
    assert.equal('{\n    "a": [\n        1,\n        "x"\n    ],\n    "b": true,\n    "c": {}\n}',
      cli_output.encode_plain({ c = {}, b = true, a = { 1, "x" } }))
    assert.equal('"s"', cli_output.encode_plain("s"))
  end)

  it("encodes a value by the model's shape name", function()
    assert.equal('{\n    "key": "k",\n    "value": "v"\n}',
      cli_output.encode({ value = "v", key = "k" }, "TagRef"))
  end)

  it("refuses base64 with bad length, characters or padding", function()
    assert.is_nil(cli_output.unbase64("YWJ"))
    assert.is_nil(cli_output.unbase64("YW=j"))
    assert.is_nil(cli_output.unbase64("YWJj!A=="))
    assert.equal("ab", cli_output.unbase64("YWI="))
  end)
end)
