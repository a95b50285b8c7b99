-- SPDX-License-Identifier: MIT
-- Progress output. On a terminal: one line rewritten in place with "\r" (done/total, rate,
-- failures, ETA), with failures and denials printed above it. Otherwise: one plain line per
-- finished entry and a progress line at every tenth of the run (at least every 10 entries).
-- A terminal is detected with `test -t 1` (stdout, inherited by the child) unless TERM is "dumb";
-- the scripts' --progress / --no-progress flags override the detection.
local codec = require "appmesh.codec"

local progress = {}

--- Seconds from a monotonic source: /proc/uptime (1/100 s) where there is one, else os.time().
function progress.clock()
  local f = io.open("/proc/uptime", "r")
  if f then
    local up = f:read("n")
    f:close()
    if up then
      return up
    end
  end
  return os.time()
end

--- Whether stdout is a terminal that can redraw a line.
function progress.is_terminal()
  local term = os.getenv("TERM")
  if term == nil or term == "" or term == "dumb" then
    return false
  end
  return os.execute("test -t 1") == true
end

local function duration(s)
  s = math.floor(s + 0.5)
  if s >= 3600 then
    return string.format("%dh%02dm", s // 3600, s % 3600 // 60)
  elseif s >= 60 then
    return string.format("%dm%02ds", s // 60, s % 60)
  end
  return string.format("%ds", s)
end
progress.duration = duration

local Progress = {}
Progress.__index = Progress

--- The progress text: "120/500 (24%)  31.5/s  failed 2  denied 0  ETA 12s".
function Progress:text()
  local elapsed = self.clock() - self.started
  local rate = elapsed > 0 and self.done / elapsed or 0
  local left = self.total - self.done
  local eta = "--"
  if left == 0 then
    eta = "0s"
  elseif rate > 0 then
    eta = duration(left / rate)
  end
  return string.format("%d/%d (%d%%)  %.1f/s  failed %d  denied %d  ETA %s", self.done,
    self.total, self.total > 0 and self.done * 100 // self.total or 100, rate,
    self.counts.failed or 0, self.counts.denied or 0, eta)
end

function Progress:redraw(force)
  local now = self.clock()
  if not force and self.drawn and now - self.drawn < self.interval then
    return
  end
  self.drawn = now
  self.out:write("\r\27[K", self:text())
  self.out:flush()
  self.visible = true
end

--- Print a line without breaking the progress line.
function Progress:note(text)
  text = codec.printable(text)
  if self.tty and self.visible then
    self.out:write("\r\27[K")
    self.visible = false
  end
  self.out:write(text, "\n")
  if self.tty then
    self:redraw(true)
  end
  self.out:flush()
end

--- Count one finished entry and show it.
-- @tparam string label e.g. "demo-mesh/colorteller.demo.local"
-- @tparam string outcome updated | failed | denied | skipped | planned
-- @tparam[opt] string detail e.g. "version 3" or the error
function Progress:entry(label, outcome, detail)
  self.done = self.done + 1
  self.counts[outcome] = (self.counts[outcome] or 0) + 1
  local width = #tostring(self.total)
  local line = string.format("[%" .. width .. "d/%d] %s %s%s", self.done, self.total, outcome,
    codec.printable(label), detail and (": " .. codec.printable(detail)) or "")
  if self.tty then
    if outcome == "failed" or outcome == "denied" then
      self:note(line)
    else
      self:redraw(self.done == self.total)
    end
  else
    self.out:write(line, "\n")
    local step = math.max(10, self.total // 10)
    if self.done % step == 0 or self.done == self.total then
      self.out:write("progress: ", self:text(), "\n")
    end
    self.out:flush()
  end
end

--- End the progress line (on a terminal, leave the last state visible).
function Progress:finish()
  if self.tty and self.visible then
    self:redraw(true)
    self.out:write("\n")
    self.out:flush()
    self.visible = false
  end
end

--- A progress display.
-- @tparam table t `total`, `tty` (boolean), `out` (default io.stdout), `clock` (seconds),
--   `interval` (minimum seconds between redraws on a terminal, default 0.1)
function progress.new(t)
  local p = setmetatable({
    total = t.total, tty = t.tty, out = t.out or io.stdout, clock = t.clock or progress.clock,
    interval = t.interval or 0.1, done = 0, counts = {},
  }, Progress)
  p.started = p.clock()
  return p
end

return progress
