-- SPDX-License-Identifier: MIT
-- The frame the three operator scripts share: parse the command line against the script's
-- flags, answer --help, refuse a bad command line with exit 2, run the script's body and exit
-- with the status it returns; and the one MANIFEST argument they all take.
local cli = require "appmesh.cli"
local codec = require "appmesh.codec"

local script = {}

--- Print "NAME: message" and the pointer to --help on stderr; return 2 (usage error).
function script.usage_error(name, message)
  io.stderr:write(name, ": ", codec.printable(message), "\n", "usage: see ", name, ".lua --help\n")
  return 2
end

--- The usage mistake when `opts.positional` is not exactly one MANIFEST, else nil.
function script.one_manifest(opts)
  if #opts.positional == 0 then
    return "missing MANIFEST"
  elseif #opts.positional > 1 then
    return string.format("unexpected argument '%s' (one MANIFEST)", opts.positional[2])
  end
  return nil
end

--- Print the policy-argument warnings runner.load returned, one "NAME: warning: ..." line each.
function script.warn(name, warnings)
  for _, w in ipairs(warnings) do
    io.stderr:write(name, ": warning: ", codec.printable(w), "\n")
  end
end

--- Run a script's main with its command line and return the exit status.
-- `def` = `{ name, usage, flags, check, main }`: `flags` as cli.parse takes them; `usage` is
-- printed for -h/--help; `check(opts)` returns a usage mistake or nil (default:
-- script.one_manifest); `main(opts, argv)` returns the exit status.
-- @treturn integer 0 ok, 1 findings, 2 usage error, or what `main` returns
function script.main(def, argv)
  local opts, perr = cli.parse(argv, def.flags)
  if not opts then
    return script.usage_error(def.name, perr)
  end
  if opts.help then
    io.stdout:write(def.usage)
    return 0
  end
  local ferr = (def.check or script.one_manifest)(opts)
  if ferr then
    return script.usage_error(def.name, ferr)
  end
  return def.main(opts, argv)
end

--- script.main, then end the process with its status (the last line of every script).
function script.run(def, argv)
  os.exit(script.main(def, argv))
end

return script
