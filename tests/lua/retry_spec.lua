-- SPDX-License-Identifier: MIT
-- client:update_virtual_service over a real HTTP round trip: retries, errors, what was sent.
local cjson = require "cjson"
local helpers = dofile("tests/lua/helpers.lua")
local appmesh = require "appmesh"

describe("client:update_virtual_service round trip", function()
  local responder, client
  helpers.responder_fixture({ max_attempts = 3 }, function(r, c)
    responder, client = r, c
  end)

  local function bodies()
    local list = {}
    for i, entry in ipairs(responder.log()) do
      list[i] = entry.body
    end
    return list
  end

  it("retries a 503 and succeeds on the second attempt", function()
    responder.queue({ { status = 503 } })
    local vs, info = client:update_virtual_service(helpers.params())
    assert.is_table(vs, tostring(info))
    assert.equal(2, info.attempts)
    assert.equal(200, info.httpStatus)
    assert.equal(2, #responder.log())
  end)

  it("sends the same clientToken and body on every attempt, each signed", function()
    responder.queue({ { status = 500 }, { status = 502 } })
    local vs, info = client:update_virtual_service(helpers.params())
    assert.is_table(vs, tostring(info))
    local log = responder.log()
    assert.equal(3, #log)
    local token = cjson.decode(log[1].body).clientToken
    assert.equal(info.clientToken, token)
    for _, entry in ipairs(log) do
      assert.equal(log[1].body, entry.body)
      assert.equal(token, cjson.decode(entry.body).clientToken)
      assert.matches("^AWS4%-HMAC%-SHA256 Credential=AKIDEXAMPLE/%d+/us%-east%-1/appmesh/aws4_request, "
        .. "SignedHeaders=[%w;%-]+, Signature=%x+$", entry.headers.authorization)
      assert.is_string(entry.headers["x-amz-date"])
    end
  end)

  it("keeps a given clientToken across retries", function()
    responder.queue({ { status = 504 } })
    local vs, info = client:update_virtual_service(helpers.params({ clientToken = "my-token_1" }))
    assert.is_table(vs, tostring(info))
    assert.equal("my-token_1", info.clientToken)
    for _, body in ipairs(bodies()) do
      assert.equal("my-token_1", cjson.decode(body).clientToken)
    end
  end)

  it("returns nil, err with code TooManyRequestsException after max attempts", function()
    local throttled = { error = "TooManyRequestsException", status = 429, message = "Slow down" }
    responder.queue({ throttled, throttled, throttled, throttled })
    local vs, err = client:update_virtual_service(helpers.params())
    assert.is_nil(vs)
    assert.equal("TooManyRequestsException", err.code)
    assert.equal(429, err.httpStatus)
    assert.equal("Slow down", err.message)
    assert.is_true(err.retryable)
    assert.equal(3, err.attempts)
    assert.equal(3, #responder.log())
  end)

  it("does not retry NotFoundException", function()
    responder.queue({ { error = "NotFoundException", status = 404, message = "Mesh not found",
      requestId = "rid-404" } })
    local vs, err = client:update_virtual_service(helpers.params())
    assert.is_nil(vs)
    assert.equal("NotFoundException", err.code)
    assert.equal(404, err.httpStatus)
    assert.equal("rid-404", err.requestId)
    assert.is_false(err.retryable)
    assert.equal(1, err.attempts)
    assert.equal(1, #responder.log())
  end)

  local not_retried = {
    { "BadRequestException", 400 },
    { "ConflictException", 409 },
    { "ForbiddenException", 403 },
  }
  for _, case in ipairs(not_retried) do
    it("returns " .. case[1] .. " after one attempt", function()
      responder.queue({ { error = case[1], status = case[2], message = "no" } })
      local vs, err = client:update_virtual_service(helpers.params())
      assert.is_nil(vs)
      assert.equal(case[1], err.code)
      assert.equal(case[2], err.httpStatus)
      assert.equal(1, err.attempts)
      assert.equal(1, #responder.log())
    end)
  end

  it("returns the last 5xx error when every attempt fails", function()
    responder.queue({ { status = 500 }, { status = 503 },
      { error = "ServiceUnavailableException", status = 503, message = "down" } })
    local vs, err = client:update_virtual_service(helpers.params())
    assert.is_nil(vs)
    assert.equal("ServiceUnavailableException", err.code)
    assert.equal(503, err.httpStatus)
    assert.is_true(err.retryable)
    assert.equal(3, err.attempts)
  end)

  it("retries a dropped connection", function()
    -- a fresh client: libcurl itself re-sends once when a reused connection turns out closed
    local c = assert(appmesh.client(helpers.client_options(responder.url)))
    responder.queue({ { action = "close" } })
    local vs, info = c:update_virtual_service(helpers.params())
    c:close()
    assert.is_table(vs, tostring(info))
    assert.equal(2, info.attempts)
    assert.equal(2, #responder.log())
  end)

  it("retries LimitExceededException as throttling", function()
    responder.queue({ { error = "LimitExceededException", status = 400, message = "limit" } })
    local vs, info = client:update_virtual_service(helpers.params())
    assert.is_table(vs, tostring(info))
    assert.equal(2, info.attempts)
  end)

  it("returns ResponseError for a 200 whose body is not JSON", function()
    responder.queue({ { body = "<html>not json" } })
    local vs, err = client:update_virtual_service(helpers.params())
    assert.is_nil(vs)
    assert.equal("ResponseError", err.code)
    assert.equal(200, err.httpStatus)
  end)

  it("makes one attempt when max_attempts is 1", function()
    local c = assert(appmesh.client(helpers.client_options(responder.url, { max_attempts = 1 })))
    responder.queue({ { status = 503 } })
    local vs, err = c:update_virtual_service(helpers.params())
    c:close()
    assert.is_nil(vs)
    assert.equal(1, err.attempts)
    assert.equal(503, err.httpStatus)
    assert.equal(1, #responder.log())
  end)

  it("returns TransportError when nothing listens, after max attempts", function()
    local c = assert(appmesh.client(helpers.client_options("http://127.0.0.1:1")))
    local vs, err = c:update_virtual_service(helpers.params())
    c:close()
    assert.is_nil(vs)
    assert.equal("TransportError", err.code)
    assert.is_true(err.retryable)
    assert.equal(3, err.attempts)
  end)

  it("returns TimeoutError when the response does not come in time", function()
    local c = assert(appmesh.client(helpers.client_options(responder.url,
      { max_attempts = 1, timeout = 0.3 })))
    responder.queue({ { action = "hang", seconds = 5 } })
    local vs, err = c:update_virtual_service(helpers.params())
    c:close()
    assert.is_nil(vs)
    assert.equal("TimeoutError", err.code)
    assert.is_nil(err.httpStatus)
  end)

  it("sends the JSON content type, the host and a user agent", function()
    assert(client:update_virtual_service(helpers.params()))
    local h = responder.log()[1].headers
    assert.equal("application/json", h["content-type"])
    assert.equal(responder.url:match("^http://(.*)$"), h.host)
    assert.matches("appmesh", h["user-agent"])
  end)

  it("keeps calling on the same client after errors", function()
    responder.queue({ { error = "NotFoundException", status = 404 } })
    assert.is_nil((client:update_virtual_service(helpers.params())))
    local vs, info = client:update_virtual_service(helpers.params())
    assert.is_table(vs, tostring(info))
    assert.equal(1, info.attempts)
  end)
end)
