/* SPDX-License-Identifier: MIT */
/* Fuzz target: the manifest loader (scripts/lib/appmesh/manifest.lua) on JSON and Lua manifests. */
#include <dlfcn.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"

/*
 * The input bytes are loaded by manifest.load twice, as "fuzz.json" (lua-cjson) and as
 * "fuzz.lua" (a Lua chunk in the manifest environment), through io.open and loadfile replaced
 * by versions that serve the bytes from memory. A failure must come back as nil and a message,
 * never raise; a manifest that loads must hold well-formed entries and survive a round trip
 * through manifest.to_json. Each load runs under an instruction limit (a hostile Lua manifest
 * cannot hang the run) and the state under a memory limit (nor exhaust memory).
 */
#define INSTRUCTION_LIMIT 2000000L
#define HOOK_EVERY        1000
#define MEMORY_LIMIT      ((size_t)64 << 20)

/* In a libFuzzer build the lines the loader's own Lua code runs feed libFuzzer's coverage
 * (as extra counters), so that inputs reaching new loader code are kept. */
#ifdef APPMESH_FUZZING
#    define LUA_COVERAGE 1
__attribute__((used, section("__libfuzzer_extra_counters"))) static uint8_t s_lua_cov[1 << 14];
#else
#    define LUA_COVERAGE 0
#endif

struct budget {
    size_t used;
    long instructions;
    bool limit_hit;
    int prev_line;
};

static lua_CFunction s_cjson_open;

static void *limited_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    struct budget *b = ud;
    size_t old = ptr != NULL ? osize : 0;
    void *p = NULL;

    if (nsize == 0) {
        b->used -= old;
        free(ptr);
        return NULL;
    }
    if (nsize > old && nsize - old > MEMORY_LIMIT - b->used) {
        return NULL; /* Lua raises "not enough memory" */
    }
    p = realloc(ptr, nsize);
    if (p != NULL) {
        b->used = b->used - old + nsize;
    }
    return p;
}

static struct budget *budget_of(lua_State *L)
{
    void *ud = NULL;
    lua_getallocf(L, &ud);
    return ud;
}

static void hook(lua_State *L, lua_Debug *ar)
{
    struct budget *b = budget_of(L);

    if (ar->event == LUA_HOOKCOUNT) {
        b->instructions += HOOK_EVERY;
        if (b->instructions > INSTRUCTION_LIMIT) {
            b->limit_hit = true;
            luaL_error(L, "stopped after %d instructions (the fuzz limit)", INSTRUCTION_LIMIT);
        }
        return;
    }
#if LUA_COVERAGE
    if (ar->event == LUA_HOOKLINE && lua_getinfo(L, "S", ar) != 0 &&
        strncmp(ar->source, "@" APPMESH_SOURCE_DIR, sizeof(APPMESH_SOURCE_DIR)) == 0) {
        unsigned long h = 5381;
        const char *s = ar->source;
        while (*s != '\0') {
            h = h * 33 + (unsigned char)*s++;
        }
        h ^= (unsigned long)ar->currentline * 2654435761u ^ (unsigned long)b->prev_line * 40503u;
        b->prev_line = ar->currentline;
        s_lua_cov[h % sizeof(s_lua_cov)]++;
    }
#endif
}

/* fuzz_reset(): a fresh instruction budget for the next load. */
static int fuzz_reset(lua_State *L)
{
    struct budget *b = budget_of(L);
    b->instructions = 0;
    b->limit_hit = false;
    return 0;
}

/* Find lua-cjson once, the way require would, and keep it loaded for good: each input's state
 * gets it through package.preload instead of a dlopen/dlclose per input. */
static void load_cjson(void)
{
    lua_State *L = luaL_newstate();
    const char *path = NULL;
    void *handle = NULL;

    FUZZ_CHECK(L != NULL, "a Lua state");
    luaL_openlibs(L);
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "searchpath");
    lua_pushliteral(L, "cjson");
    lua_getfield(L, -3, "cpath");
    lua_call(L, 2, 1);
    path = lua_tostring(L, -1);
    FUZZ_CHECK(path != NULL, "lua-cjson is installed (package.searchpath finds cjson)");
    handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    FUZZ_CHECK(handle != NULL, dlerror());
    *(void **)(&s_cjson_open) = dlsym(handle, "luaopen_cjson");
    FUZZ_CHECK(s_cjson_open != NULL, "cjson.so has luaopen_cjson");
    lua_close(L);
}

/* The harness, run with the input bytes as its argument. */
static const char harness[] =
    "local bytes = ...\n"
    "local manifest = require 'appmesh.manifest'\n"
    "local text = bytes\n"
    "io.open = function(path)\n"
    "  if path ~= 'fuzz.json' then return nil, path .. ': No such file or directory' end\n"
    "  return { read = function() return text end, close = function() return true end }\n"
    "end\n"
    "loadfile = function(path, mode, env)\n"
    "  if path ~= 'fuzz.lua' then return nil, 'cannot open ' .. path end\n"
    "  return load(text, '@fuzz.lua', mode, env)\n"
    "end\n"
    "local function check(cond, what)\n"
    "  if not cond then error('invariant broken: ' .. what, 0) end\n"
    "end\n"
    "local function check_doc(doc, path)\n"
    "  check(type(doc) == 'table' and doc.source == path, 'a manifest names its source')\n"
    "  check(type(doc.entries) == 'table' and #doc.entries >= 1, 'a manifest has entries')\n"
    "  check(type(doc.policy_args) == 'table', 'policy_args is a table')\n"
    "  local seen = {}\n"
    "  for i, e in ipairs(doc.entries) do\n"
    "    check(type(e.meshName) == 'string', 'an entry has a meshName')\n"
    "    check(type(e.virtualServiceName) == 'string', 'an entry has a virtualServiceName')\n"
    "    check(type(e.spec) == 'table', 'an entry has a spec')\n"
    "    check(type(doc.where[i]) == 'string', 'an entry has a place')\n"
    "    local key = manifest.key(e)\n"
    "    check(not seen[key], 'entries are unique')\n"
    "    seen[key] = true\n"
    "  end\n"
    "end\n"
    "for _, path in ipairs({ 'fuzz.json', 'fuzz.lua' }) do\n"
    "  for _, shared in ipairs({ false, true }) do\n"
    "    text = bytes\n"
    "    fuzz_reset()\n"
    "    local doc, err = manifest.load(path, { shared = shared })\n"
    "    if doc == nil then\n"
    "      check(type(err) == 'string' and #err > 0, 'a failure comes with a message')\n"
    "      break\n"
    "    end\n"
    "    check_doc(doc, path)\n"
    "    if not shared then\n"
    "      -- A loaded manifest written back as JSON (as --rollback writes one) loads again.\n"
    "      text = manifest.to_json({ updates = doc.entries })\n"
    "      fuzz_reset()\n"
    "      local again, aerr = manifest.load('fuzz.json')\n"
    "      check(again ~= nil, 'a manifest written by to_json loads again: ' .. tostring(aerr))\n"
    "      check_doc(again, 'fuzz.json')\n"
    "      check(#again.entries == #doc.entries, 'to_json keeps every entry')\n"
    "      for i, e in ipairs(doc.entries) do\n"
    "        check(manifest.key(again.entries[i]) == manifest.key(e), 'to_json keeps the order')\n"
    "      end\n"
    "    end\n"
    "  end\n"
    "end\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct budget b = {0, 0, false, 0};
    lua_State *L = NULL;
    int rc = LUA_OK;

    if (s_cjson_open == NULL) {
        load_cjson();
    }
    L = lua_newstate(limited_alloc, &b);
    FUZZ_CHECK(L != NULL, "a Lua state");
    luaL_openlibs(L);
    lua_getglobal(L, "package");                                 /* package */
    lua_pushliteral(L, APPMESH_SOURCE_DIR "/scripts/lib/?.lua"); /* package, path */
    lua_setfield(L, -2, "path");                                 /* package */
    lua_pushliteral(L, "");                                      /* package, cpath */
    lua_setfield(L, -2, "cpath");                                /* package */
    lua_getfield(L, -1, "preload");                              /* package, preload */
    lua_pushcfunction(L, s_cjson_open);                          /* package, preload, f */
    lua_setfield(L, -2, "cjson");                                /* package, preload */
    lua_pop(L, 2);                                               /* -- */
    lua_register(L, "fuzz_reset", fuzz_reset);
    lua_sethook(L, hook, LUA_MASKCOUNT | (LUA_COVERAGE ? LUA_MASKLINE : 0), HOOK_EVERY);

    rc = luaL_loadbuffer(L, harness, sizeof(harness) - 1, "=fuzz_manifest");
    FUZZ_CHECK(rc == LUA_OK, lua_tostring(L, -1));
    lua_pushlstring(L, (const char *)data, size);
    rc = lua_pcall(L, 1, 0, 0);
    if (rc != LUA_OK && rc != LUA_ERRMEM && !b.limit_hit) {
        /* manifest.load raised instead of returning nil, err, or an invariant broke. */
        const char *msg = lua_tostring(L, -1);
        FUZZ_CHECK(false, msg != NULL ? msg : "(an error that is not a string)");
    }
    lua_close(L);
    FUZZ_CHECK(b.used == 0, "the Lua state frees everything");
    return 0;
}
