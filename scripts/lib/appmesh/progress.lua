-- SPDX-License-Identifier: MIT
-- Progress output, by phase (describing, updating, planning): on a terminal one line rewritten
-- in place with "\r" (the phase, done/total, the phase's own rate and ETA, failures), with
-- failures and denials printed above it; otherwise one plain line per finished entry and a
-- progress line at every tenth of a phase (at least every 10 steps). A finished phase shows how
-- long it took, never an ETA.
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

--- The progress text of the current phase: "updating 120/500 (24%)  31.5/s  ETA 12s  failed 2
--- denied 0". Rate and ETA are the phase's own (the entries a resume skips or the describes do
--- not count towards the updates' rate); a finished phase says how long it took instead.
function Progress:text()
  local ph = self.ph
  local tail = string.format("failed %d  denied %d", self.counts.failed or 0,
    self.counts.denied or 0)
  local label = ph.name and (ph.name .. " ") or ""
  local pct = ph.total > 0 and ph.done * 100 // ph.total or 100
  local elapsed = self.clock() - ph.started
  if ph.done >= ph.total then
    return string.format("%s%d/%d (%d%%)  in %s  %s", label, ph.done, ph.total, pct,
      duration(elapsed), tail)
  end
  local rate = elapsed > 0 and ph.done / elapsed or 0
  local eta = rate > 0 and duration((ph.total - ph.done) / rate) or "--"
  return string.format("%s%d/%d (%d%%)  %.1f/s  ETA %s  %s", label, ph.done, ph.total, pct, rate,
    eta, tail)
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
  if self.tty and not self.finished and self.ph.name then
    self:redraw(true)
  end
  self.out:flush()
end

--- Start a phase: `name` ("describing", "updating", ...) and how many steps it has. With
--- `entries`, each Progress:entry is a step of it; otherwise Progress:step counts.
function Progress:phase(name, total, entries)
  self.ph = { name = name, total = total, done = 0, started = self.clock(), entries = entries }
  if self.tty and total > 0 then
    self:redraw(true)
  end
end

local function step_phase(self)
  local ph = self.ph
  ph.done = ph.done + 1
  if self.tty then
    self:redraw(ph.done == ph.total)
  elseif ph.total > 0 then
    local step = math.max(10, ph.total // 10)
    if ph.done % step == 0 or ph.done == ph.total then
      self.out:write("progress: ", self:text(), "\n")
      self.out:flush()
    end
  end
end

--- One step of the current phase (a describe done).
function Progress:step()
  step_phase(self)
end

--- Count one finished entry and show it.
-- @tparam string label e.g. "demo-mesh/colorteller.demo.local"
-- @tparam string outcome updated | failed | denied | skipped | planned | unknown
-- @tparam[opt] string detail e.g. "version 3" or the error
function Progress:entry(label, outcome, detail)
  self.done = self.done + 1
  self.counts[outcome] = (self.counts[outcome] or 0) + 1
  local width = #tostring(self.total)
  local line = string.format("[%" .. width .. "d/%d] %s %s%s", self.done, self.total, outcome,
    codec.printable(label), detail and (": " .. codec.printable(detail)) or "")
  if self.tty then
    if outcome == "failed" or outcome == "denied" or outcome == "unknown" then
      self:note(line)
    end
  else
    self.out:write(line, "\n")
    self.out:flush()
  end
  if self.ph.entries then
    step_phase(self)
  end
end

--- End the progress line (on a terminal, leave the last state visible, with no ETA).
function Progress:finish()
  if self.tty and self.visible and not self.finished then
    self:redraw(true)
    self.out:write("\n")
    self.out:flush()
    self.visible = false
  end
  self.finished = true
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
  p.ph = { total = t.total, done = 0, started = p.started, entries = true }
  return p
end

return progress
