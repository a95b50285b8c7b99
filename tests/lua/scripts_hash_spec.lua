-- SPDX-License-Identifier: MIT
-- appmesh.hash: SHA-256 (the binding's when it is loaded, and the pure-Lua one it falls back
-- to), and random hex for run ids.
local hash = require "appmesh.hash"

local VECTORS = { -- FIPS 180-2 examples and the padding boundaries
  { "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
  { "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
  { "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
  { string.rep("a", 55), "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318" },
  { string.rep("a", 64), "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb" },
}

describe("hash.sha256", function()
  for _, v in ipairs(VECTORS) do
    it("hashes a " .. #v[1] .. "-byte message", function()
      assert.equal(v[2], hash.sha256(v[1]))
    end)
  end

  it("makes random hex of the asked length", function()
    assert.matches("^%x+$", hash.random_hex(16))
    assert.equal(32, #hash.random_hex(16))
    assert.are_not.equal(hash.random_hex(), hash.random_hex())
  end)
end)

describe("hash.sha256_lua", function()
  -- the specs load the binding, so hash.sha256 is its digest: the pure-Lua one is checked here
  for _, v in ipairs(VECTORS) do
    it("hashes a " .. #v[1] .. "-byte message as the binding does", function()
      assert.equal(v[2], hash.sha256_lua(v[1]))
    end)
  end

  it("hashes messages across two and more blocks, and binary bytes", function()
    for _, s in ipairs { string.rep("a", 56), string.rep("\0\255", 100), string.rep("x", 1000) } do
      assert.equal(hash.sha256(s), hash.sha256_lua(s))
    end
  end)

  it("refuses what is not a string, naming what it got", function()
    assert.has_error(function()
      hash.sha256_lua(42)
    end, "hash.sha256: expected a string, got number")
  end)
end)
