-- SPDX-License-Identifier: MIT
-- The coroutine scheduler: appmesh.run, appmesh.pool (spawn, wait, step, pending) and
-- appmesh.map, against the loopback responder. Inside a pool task client calls go through the
-- client's batch and yield; outside they block. Timing is only checked loosely (lower bounds).
local helpers = dofile("tests/lua/helpers.lua")
local appmesh = require "appmesh"

local function params(name)
  return helpers.params({ virtualServiceName = name })
end

-- The names of the services in the log's paths, in the order the requests arrived.
local function names(log)
  local list = {}
  for i, entry in ipairs(log) do
    list[i] = entry.path:match("/virtualServices/([^/]+)$") or entry.path
  end
  return list
end

local function max_inflight(log)
  local m = 0
  for _, entry in ipairs(log) do
    m = math.max(m, entry.inflight)
  end
  return m
end

local function delayed(n, seconds, extra)
  local q = {}
  for i = 1, n do
    q[i] = { delay = seconds }
    for k, v in pairs(extra or {}) do
      q[i][k] = v
    end
  end
  return q
end

describe("appmesh.map", function()
  local responder, client
  helpers.responder_fixture({ max_attempts = 3 }, function(r, c)
    responder, client = r, c
  end)

  it("runs 40 updates at concurrency 8: 8 in flight at once, never more", function()
    responder.queue(delayed(40, 0.1))
    local items = {}
    for i = 1, 40 do
      items[i] = "svc-" .. i .. ".local"
    end
    local results, errs = appmesh.map(items, function(name)
      local vs, info = client:update_virtual_service(params(name))
      assert(vs, tostring(info))
      return vs.virtualServiceName
    end, { concurrency = 8 })
    assert.same({}, errs)
    assert.equal(40, results.n)
    for i = 1, 40 do
      assert.equal(items[i], results[i])
    end
    local log = responder.log()
    assert.equal(40, #log)
    assert.equal(8, max_inflight(log))
  end)

  it("returns what the blocking call returns, and calls on_result as each finishes", function()
    local seen = {}
    local results = appmesh.map({ "a", "b", "c" }, function(name, i)
      local vs, info = client:update_virtual_service(params(name))
      return { vs = vs, info = info, i = i }
    end, { concurrency = 2, on_result = function(i, r)
      seen[#seen + 1] = i
      assert.equal(i, r.i)
    end })
    table.sort(seen)
    assert.same({ 1, 2, 3 }, seen)
    local blocking_vs = client:update_virtual_service(params("c"))
    assert.same(blocking_vs, results[3].vs)
    assert.equal(200, results[1].info.httpStatus)
    assert.equal(1, results[1].info.attempts)
    assert.matches("^%x+%-", results[1].info.clientToken)
    assert.equal("b", results[2].vs.virtualServiceName)
  end)

  it("gives nil, err for a raising item and on_result(i, nil, err); the others finish", function()
    local calls = {}
    local results, errs = appmesh.map({ 1, 2, 3, 4 }, function(n)
      assert(client:update_virtual_service(params("s" .. n)))
      if n == 3 then
        error("boom " .. n)
      end
      return n * 10
    end, { concurrency = 4, on_result = function(i, v, err)
      calls[i] = { v, err }
    end })
    assert.equal(10, results[1])
    assert.equal(20, results[2])
    assert.is_nil(results[3])
    assert.equal(40, results[4])
    assert.matches("boom 3$", errs[3])
    assert.is_nil(errs[1])
    assert.is_nil(calls[3][1])
    assert.matches("boom 3$", calls[3][2])
    assert.same({ 40 }, { calls[4][1] })
    assert.equal(4, #responder.log())
  end)

  it("returns service errors as nil, err inside the task, like a blocking call", function()
    responder.queue({ { error = "NotFoundException", status = 404, message = "no", match = "bad" } })
    local results = appmesh.map({ "good", "bad" }, function(name)
      return { client:update_virtual_service(params(name)) }
    end)
    assert.is_table(results[1][1])
    assert.is_nil(results[2][1])
    assert.equal("NotFoundException", results[2][2].code)
    assert.equal(appmesh.Error, getmetatable(results[2][2]))
    assert.equal(1, results[2][2].attempts)
  end)

  it("returns ValidationError at once inside a task, sending nothing", function()
    local results = appmesh.map({ 1 }, function()
      return { client:update_virtual_service({ meshName = "m" }) }
    end)
    assert.is_nil(results[1][1])
    assert.equal("ValidationError", results[1][2].code)
    assert.same({}, responder.log())
  end)

  it("handles an empty list", function()
    local results, errs = appmesh.map({}, function() error("never") end)
    assert.equal(0, results.n)
    assert.same({}, errs)
  end)

  it("raises again what on_result raises", function()
    assert.has_error(function()
      appmesh.map({ 1, 2 }, function(n) return n end, { on_result = function()
        error("from on_result", 0)
      end })
    end, "from on_result")
  end)

  it("raises for bad arguments and options", function()
    local fn = function() end
    assert.has_error(function() appmesh.map("x", fn) end)
    assert.has_error(function() appmesh.map({}, "x") end)
    assert.has_error(function() appmesh.map({}, fn, { concurrency = 0 }) end)
    assert.has_error(function() appmesh.map({}, fn, { concurrency = 1.5 }) end)
    assert.has_error(function() appmesh.map({}, fn, { concurrency = "8" }) end)
    assert.has_error(function() appmesh.map({}, fn, { rate = 0 }) end)
    assert.has_error(function() appmesh.map({}, fn, { rate = -1 }) end)
    -- rate = 1e-9 was taken and the map never finished
    local ok, err = pcall(appmesh.map, {}, fn, { rate = 1e-9 })
    assert.is_false(ok)
    assert.matches("option 'rate' must be a number of requests per second from 0.01 to 1000000",
      err, 1, true)
    assert.has_error(function() appmesh.map({}, fn, { rate = 2e6 }) end)
    ok, err = pcall(appmesh.map, {}, fn, { concurrency = 1025 })
    assert.is_false(ok)
    assert.matches("option 'concurrency' must be an integer 1 to 1024", err, 1, true)
    assert.has_error(function() appmesh.map({}, fn, { on_result = 1 }) end)
    assert.has_error(function() appmesh.map({}, fn, { bogus = 1 }) end,
      "bad argument #3 to 'map' (unknown option 'bogus')")
  end)
end)

describe("appmesh.pool", function()
  local responder, client
  helpers.responder_fixture({ max_attempts = 3 }, function(r, c)
    responder, client = r, c
  end)

  it("lets other calls go on while a throttled call waits out its backoff", function()
    -- "slow-throttled" is throttled twice (backoff up to 1 s, then 2 s) before it succeeds;
    -- meanwhile seven tasks make three calls each.
    local c = assert(appmesh.client(helpers.client_options(responder.url,
      { max_attempts = 3, retry_base_delay = 1 })))
    local throttled = { error = "TooManyRequestsException", status = 429, match = "throttled" }
    responder.queue({ throttled, throttled })
    local pool = appmesh.pool{ concurrency = 8 }
    local outcome = {}
    pool:spawn(function()
      local vs, info = c:update_virtual_service(params("slow-throttled"))
      outcome.throttled = { vs, info }
    end)
    for t = 1, 7 do
      pool:spawn(function()
        for k = 1, 3 do
          assert(c:update_virtual_service(params("other-" .. t .. "-" .. k)))
        end
      end)
    end
    assert.equal(0, pool:wait())
    c:close()
    assert.is_table(outcome.throttled[1], tostring(outcome.throttled[2]))
    assert.equal(3, outcome.throttled[2].attempts)
    local order = names(responder.log())
    assert.equal(24, #order)
    local first, last
    for i, name in ipairs(order) do
      if name == "slow-throttled" then
        first = first or i
        last = i
      end
    end
    -- other requests were sent between its first attempt and its last
    assert.is_true(last - first > 2, table.concat(order, " "))
  end)

  it("blocks outside the pool: the same calls run one after another", function()
    local c = assert(appmesh.client(helpers.client_options(responder.url,
      { max_attempts = 3, retry_base_delay = 0.01 })))
    local throttled = { error = "TooManyRequestsException", status = 429, match = "throttled" }
    responder.queue({ throttled, throttled })
    local function work()
      local vs = c:update_virtual_service(params("slow-throttled"))
      for k = 1, 3 do
        assert(c:update_virtual_service(params("other-" .. k)))
      end
      return vs
    end
    assert.is_table(work())
    c:close()
    assert.same({ "slow-throttled", "slow-throttled", "slow-throttled", "other-1", "other-2",
      "other-3" }, names(responder.log()))
    assert.equal(1, max_inflight(responder.log()))
  end)

  it("counts a raising task in wait's result and keeps running the others", function()
    local pool = appmesh.pool{ concurrency = 3 }
    local done = {}
    for i = 1, 5 do
      pool:spawn(function(n)
        assert(client:update_virtual_service(params("s" .. n)))
        if n == 2 then
          error({ code = "mine" })
        end
        done[#done + 1] = n
      end, i)
    end
    assert.equal(5, pool:pending())
    local failed, errors = pool:wait()
    assert.equal(1, failed)
    assert.same({ { code = "mine" } }, errors)
    table.sort(done)
    assert.same({ 1, 3, 4, 5 }, done)
    assert.equal(0, pool:pending())
    assert.equal(5, #responder.log())
    assert.same({ 0, {} }, { pool:wait() })
  end)

  it("caps requests per second with rate", function()
    local results = appmesh.map({ 1, 2, 3, 4, 5, 6 }, function(n)
      return (client:update_virtual_service(params("r" .. n)))
    end, { concurrency = 6, rate = 20 })
    for i = 1, 6 do
      assert.is_table(results[i])
    end
    local log = responder.log()
    assert.equal(6, #log)
    -- 6 starts at 20 per second are at least 5 intervals of 50 ms apart (loosely)
    assert.is_true(log[6].time - log[1].time >= 0.2, tostring(log[6].time - log[1].time))
  end)

  it("can be driven by hand with step", function()
    responder.queue(delayed(4, 0.05))
    local pool = appmesh.pool{ concurrency = 2 }
    local got = {}
    for i = 1, 4 do
      pool:spawn(function()
        local vs = assert(client:update_virtual_service(params("h" .. i)))
        got[i] = vs.virtualServiceName
      end)
    end
    assert.equal(4, pool:step(0)) -- starts two tasks; none can finish without waiting
    local steps = 0
    local left = pool:pending()
    while left > 0 do
      steps = steps + 1
      assert.is_true(steps < 1000, "the pool does not finish")
      local now = pool:step(0.02)
      assert.is_true(now <= left)
      left = now
    end
    assert.same({ "h1", "h2", "h3", "h4" }, got)
    assert.equal(0, pool:step())
    assert.equal(2, max_inflight(responder.log()))
  end)

  it("waits in step with a timeout too large for milliseconds in an int (and math.huge)", function()
    -- such a timeout overflowed to a negative wait: each step returned at once, and a host
    -- loop stepping until done spun hundreds of thousands of times a second
    local other = helpers.start_responder()
    local b = assert(appmesh.client(helpers.client_options(other.url)))
    finally(function()
      b:close()
      other.stop()
    end)
    for _, clients in ipairs({ { client }, { client, b } }) do -- one batch; two
      for _, timeout in ipairs({ 1e10, math.huge }) do
        responder.queue(delayed(1, 0.3))
        other.queue(delayed(1, 0.3))
        local pool = appmesh.pool()
        for i, c in ipairs(clients) do
          pool:spawn(function() assert(c:update_virtual_service(params("big" .. i))) end)
        end
        local steps = 0
        while pool:step(timeout) > 0 do
          steps = steps + 1
          assert.is_true(steps < 1000, "pool:step(" .. timeout .. ") does not wait")
        end
      end
    end
  end)

  it("runs the calls of two clients in one pool at the same time", function()
    local other = helpers.start_responder()
    local a = assert(appmesh.client(helpers.client_options(responder.url)))
    local b = assert(appmesh.client(helpers.client_options(other.url)))
    responder.queue(delayed(4, 0.3))
    other.queue(delayed(4, 0.3))
    local started = {}
    local pool = appmesh.pool{ concurrency = 8 }
    for i = 1, 4 do
      pool:spawn(function()
        assert(a:update_virtual_service(params("a" .. i)))
        started[#started + 1] = "a"
      end)
      pool:spawn(function()
        assert(b:describe_virtual_service{ meshName = "m", virtualServiceName = "b" .. i })
        started[#started + 1] = "b"
      end)
    end
    assert.equal(0, pool:wait())
    local la, lb = responder.log(), other.log()
    a:close()
    b:close()
    other.stop()
    assert.equal(8, #started)
    assert.equal(4, #la)
    assert.equal(4, #lb)
    assert.equal(4, max_inflight(la))
    assert.equal(4, max_inflight(lb))
    -- both responders held their four requests at once: they overlapped
    assert.is_true(lb[1].time < la[4].time + 0.3 and la[1].time < lb[4].time + 0.3)
  end)

  it("keeps dry runs synchronous inside a task", function()
    local pool = appmesh.pool()
    local req
    pool:spawn(function()
      req = client:update_virtual_service(params("dry"), { dry_run = true })
    end)
    assert.equal(0, pool:step(0)) -- it never had to wait
    assert.equal("PUT", req.method)
    assert.same({}, responder.log())
  end)

  it("describes, lists and iterates pages inside tasks", function()
    responder.queue({
      { match = "/virtualServices", json = { virtualServices = {
        { meshName = "m", virtualServiceName = "x" } }, nextToken = "t2" } },
      { match = "/virtualServices", json = { virtualServices = {
        { meshName = "m", virtualServiceName = "y" } } } },
    })
    local out = appmesh.run(function()
      local seen = {}
      for ref, err in client:virtual_services{ meshName = "m" } do
        seen[#seen + 1] = ref and ref.virtualServiceName or err.code
      end
      local vs = assert(client:describe_virtual_service{ meshName = "m", virtualServiceName = "d" })
      local p = assert(client:list_virtual_services{ meshName = "m", limit = 5 })
      return table.concat(seen, ",") .. "|" .. vs.virtualServiceName .. "|" .. #p.virtualServices
    end)
    assert.equal("x,y|d|0", out)
    assert.same({ "/v20190125/meshes/m/virtualServices", "/v20190125/meshes/m/virtualServices",
      "d", "/v20190125/meshes/m/virtualServices" }, names(responder.log()))
  end)

  it("blocks for calls made in a plain coroutine inside a task", function()
    local out = appmesh.run(function()
      local co = coroutine.wrap(function()
        return client:update_virtual_service(params("inner")).virtualServiceName
      end)
      return co()
    end)
    assert.equal("inner", out)
  end)

  it("blocks for calls where a task cannot yield (a table.sort comparator)", function()
    local out = appmesh.run(function()
      local t = { "b", "a" }
      local seen
      table.sort(t, function(x, y)
        seen = seen or client:update_virtual_service(params("sorted")).virtualServiceName
        return x < y
      end)
      return seen .. ":" .. table.concat(t)
    end)
    assert.equal("sorted:ab", out)
  end)

  it("resumes tasks that yield on their own", function()
    local pool = appmesh.pool{ concurrency = 2 }
    local trace = {}
    for _, name in ipairs({ "a", "b" }) do
      pool:spawn(function()
        for k = 1, 3 do
          trace[#trace + 1] = name .. k
          coroutine.yield()
        end
      end)
    end
    assert.equal(0, pool:wait())
    assert.same({ "a1", "b1", "a2", "b2", "a3", "b3" }, trace)
  end)

  it("lets a task spawn more tasks into its own pool", function()
    local pool = appmesh.pool{ concurrency = 2 }
    local n = 0
    pool:spawn(function()
      for i = 1, 3 do
        pool:spawn(function()
          assert(client:update_virtual_service(params("child" .. i)))
          n = n + 1
        end)
      end
    end)
    assert.equal(0, pool:wait())
    assert.equal(3, n)
  end)

  it("raises in a task whose client is closed while it waits", function()
    local c = assert(appmesh.client(helpers.client_options(responder.url)))
    responder.queue(delayed(1, 0.3))
    local pool = appmesh.pool()
    pool:spawn(function()
      c:update_virtual_service(params("closing"))
    end)
    pool:spawn(function()
      c:close()
    end)
    local failed, errors = pool:wait()
    assert.equal(1, failed)
    assert.matches("attempt to use a closed client", errors[1])
  end)

  it("refuses to be waited or stepped from one of its own tasks", function()
    local pool = appmesh.pool()
    pool:spawn(function() pool:wait() end)
    pool:spawn(function() pool:step() end)
    local failed, errors = pool:wait()
    assert.equal(2, failed)
    assert.matches("cannot step or wait a pool from one of its own tasks", errors[1])
  end)

  it("describes itself and checks its arguments", function()
    local pool = appmesh.pool{ concurrency = 3, rate = 5 }
    assert.equal("appmesh.Pool (concurrency 3, 0 pending)", tostring(pool))
    assert.has_error(function() pool:spawn("x") end)
    assert.has_error(function() pool:step(-1) end)
    assert.has_error(function() appmesh.pool("x") end)
    assert.has_error(function() appmesh.pool{ concurrency = 0 } end)
    assert.has_error(function() appmesh.pool{ rate = "fast" } end)
    assert.has_error(function() appmesh.pool{ on_result = print } end,
      "bad argument #1 to 'pool' (unknown option 'on_result')")
  end)
end)

describe("appmesh.run", function()
  local responder, client
  helpers.responder_fixture(nil, function(r, c)
    responder, client = r, c
  end)

  it("returns the function's results, given its arguments", function()
    assert.same({ 3, nil, "x" }, { appmesh.run(function(a, b) return a + b, nil, "x" end, 1, 2) })
    assert.equal(0, select("#", appmesh.run(function() end)))
  end)

  it("returns what the calls return, as blocking calls would", function()
    local vs, info = appmesh.run(function()
      return client:update_virtual_service(params("run.local"))
    end)
    assert.equal("run.local", vs.virtualServiceName)
    assert.equal(200, info.httpStatus)
    assert.equal(1, #responder.log())
  end)

  it("raises the function's error again", function()
    assert.has_error(function() appmesh.run(function() error("bad", 0) end) end, "bad")
    assert.has_error(function() appmesh.run("x") end)
  end)

  it("runs inside a task of another pool (nested)", function()
    local out = appmesh.map({ "n1", "n2" }, function(name)
      return appmesh.run(function()
        return client:update_virtual_service(params(name)).virtualServiceName
      end)
    end)
    assert.same({ "n1", "n2" }, { out[1], out[2] })
  end)
end)

describe("examples/scheduler_host.lua", function()
  local responder
  helpers.responder_fixture(false, function(r)
    responder = r
  end)

  it("runs ten updates at concurrency 4 against the endpoint in the environment", function()
    responder.queue(delayed(10, 0.1))
    local out, ok = helpers.run_child(helpers.read_file("examples/scheduler_host.lua"), {
      AWS_ENDPOINT_URL_APP_MESH = responder.url, AWS_REGION = "us-east-1",
      AWS_ACCESS_KEY_ID = helpers.ACCESS_KEY, AWS_SECRET_ACCESS_KEY = helpers.SECRET_KEY,
    })
    assert.is_true(ok, out)
    local updated = 0
    for _ in out:gmatch("svc%-%d%d%.example%.local  updated  version 2") do
      updated = updated + 1
    end
    assert.equal(10, updated, out)
    assert.matches("10 updates, 0 failed, %d+ turns of the host's loop", out)
    local log = responder.log()
    assert.equal(10, #log)
    assert.equal(4, max_inflight(log))
    local paths = {}
    for _, entry in ipairs(log) do
      paths[#paths + 1] = entry.path
    end
    table.sort(paths)
    assert.equal("/v20190125/meshes/demo-mesh/virtualServices/svc-01.example.local", paths[1])
    assert.equal("/v20190125/meshes/demo-mesh/virtualServices/svc-10.example.local", paths[10])
  end)
end)
