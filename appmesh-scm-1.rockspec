-- SPDX-License-Identifier: MIT
-- LuaRocks build of appmesh: the C module, the appmesh-lua host and the pure-Lua modules.
-- `luarocks --lua-version 5.4 make --tree DIR` from the source directory; needs the Debian
-- packages that `make deps` installs (CMake, libcurl, mbedTLS, cJSON, Lua 5.4 headers).
rockspec_format = "3.0"
package = "appmesh"
version = "scm-1"
source = {
  url = "git+file:///appmesh", -- `luarocks make` builds the directory it runs in
}
description = {
  summary = "AWS App Mesh client: C core, Lua 5.4 binding, scripts and the appmesh command",
  detailed = [[
A C11 library for every App Mesh operation (validation, SigV4 signing, retries with
idempotency tokens, typed errors), its Lua 5.4 binding (require "appmesh"), the appmesh-lua
host (script runner and REPL) and bulk-update, dry-run and policy-check scripts. The manual is
README.md and docs/ in the source tree.]],
  license = "MIT",
  labels = { "aws", "appmesh", "sigv4" },
}
dependencies = {
  "lua >= 5.4, < 5.5",
}
-- Libraries, not headers: Debian keeps curl/curl.h under the multiarch include directory,
-- where LuaRocks does not look. CMake finds the headers through pkg-config.
external_dependencies = {
  CURL = { library = "curl" },
  CJSON = { library = "cjson" },
  MBEDCRYPTO = { library = "mbedcrypto" },
}
build = {
  type = "cmake",
  variables = {
    CMAKE_BUILD_TYPE = "Release",
    CMAKE_C_FLAGS = "$(CFLAGS)",
    CMAKE_INSTALL_PREFIX = "$(PREFIX)",
    LUA_INCDIR = "$(LUA_INCDIR)",
    LUA_LIBDIR = "$(LUA_LIBDIR)",
    LUA_BINDIR = "$(LUA_BINDIR)",
    APPMESH_BUILD_TESTS = "OFF",
  },
  -- CMake builds; LuaRocks places the results in its own tree layout, where appmesh-lua finds
  -- the modules as it does in an install prefix (bin/ beside share/lua/5.4 and lib/lua/5.4).
  install_pass = false,
  -- the operator scripts (with their policies) and the man pages, into the rock's directory:
  -- `luarocks --lua-version 5.4 show --rock-dir appmesh` names it
  copy_directories = { "scripts", "man" },
  install = {
    lib = {
      appmesh = "build.luarocks/appmesh.so",
    },
    bin = {
      ["appmesh-lua"] = "build.luarocks/appmesh-lua",
    },
    -- Every scripts/lib/appmesh/*.lua (host.luarocks checks this list is complete).
    lua = {
      ["appmesh.cli"] = "scripts/lib/appmesh/cli.lua",
      ["appmesh.cli_args"] = "scripts/lib/appmesh/cli_args.lua",
      ["appmesh.cli_help"] = "scripts/lib/appmesh/cli_help.lua",
      ["appmesh.cli_model"] = "scripts/lib/appmesh/cli_model.lua",
      ["appmesh.cli_output"] = "scripts/lib/appmesh/cli_output.lua",
      ["appmesh.codec"] = "scripts/lib/appmesh/codec.lua",
      ["appmesh.hash"] = "scripts/lib/appmesh/hash.lua",
      ["appmesh.journal"] = "scripts/lib/appmesh/journal.lua",
      ["appmesh.manifest"] = "scripts/lib/appmesh/manifest.lua",
      ["appmesh.plan"] = "scripts/lib/appmesh/plan.lua",
      ["appmesh.policy"] = "scripts/lib/appmesh/policy.lua",
      ["appmesh.progress"] = "scripts/lib/appmesh/progress.lua",
      ["appmesh.report"] = "scripts/lib/appmesh/report.lua",
      ["appmesh.runner"] = "scripts/lib/appmesh/runner.lua",
      ["appmesh.sandbox"] = "scripts/lib/appmesh/sandbox.lua",
      ["appmesh.script"] = "scripts/lib/appmesh/script.lua",
      ["appmesh.selection"] = "scripts/lib/appmesh/selection.lua",
      ["appmesh.shorthand"] = "scripts/lib/appmesh/shorthand.lua",
    },
  },
}
