/* SPDX-License-Identifier: MIT */
/* Tab completion for the REPL: globals, keywords, and fields of tables reached by a dotted name. */
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "host.h"

#define MAX_INDEX_CHAIN 8 /* __index tables followed per value */

static const char *const keywords[] = {
    "and",      "break",  "do",   "else", "elseif", "end",   "false", "for",
    "function", "goto",   "if",   "in",   "local",  "nil",   "not",   "or",
    "repeat",   "return", "then", "true", "until",  "while", NULL,
};

static int is_name_start(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_name_char(int c)
{
    return is_name_start(c) || (c >= '0' && c <= '9');
}

static int is_name(const char *s, size_t len)
{
    size_t i;
    if (len == 0 || !is_name_start((unsigned char)s[0])) {
        return 0;
    }
    for (i = 1; i < len; i++) {
        if (!is_name_char((unsigned char)s[i])) {
            return 0;
        }
    }
    return 1;
}

/*
 * Replace the value on top with its metatable's __index when that is a table; 0 if none.
 * When __index is a function (an appmesh.Client's: it also answers client.region), the
 * metatable's __methods table, if any, stands for it: the names the function answers with
 * methods. Nothing is called: completing never runs code.
 */
static int step_to_index(lua_State *L)
{
    if (!lua_getmetatable(L, -1)) { /* v */
        return 0;
    }
    lua_pushliteral(L, "__index");            /* v, mt, "__index" */
    if (lua_rawget(L, -2) == LUA_TFUNCTION) { /* v, mt, index */
        lua_pop(L, 1);
        lua_pushliteral(L, "__methods"); /* v, mt, "__methods" */
        lua_rawget(L, -2);               /* v, mt, methods */
    }
    if (lua_type(L, -1) != LUA_TTABLE) {
        lua_pop(L, 2);
        return 0;
    }
    lua_replace(L, -3); /* index, mt */
    lua_pop(L, 1);      /* index */
    return 1;
}

/* Replace the value on top with v[name], reading raw and through __index tables only. */
static void get_field_raw(lua_State *L, const char *name, size_t len)
{
    int hops;
    for (hops = 0; hops < MAX_INDEX_CHAIN; hops++) {
        if (lua_type(L, -1) == LUA_TTABLE) {
            lua_pushlstring(L, name, len);       /* v, name */
            if (lua_rawget(L, -2) != LUA_TNIL) { /* v, field */
                lua_remove(L, -2);               /* field */
                return;
            }
            lua_pop(L, 1); /* v */
        }
        if (!step_to_index(L)) {
            break;
        }
    }
    lua_pop(L, 1);
    lua_pushnil(L);
}

/* Add to set (at `set`) every name field of the value on top starting with `part`; pops it. */
static void collect_fields(lua_State *L, int set, const char *part, size_t plen, int methods)
{
    int hops;
    for (hops = 0; hops < MAX_INDEX_CHAIN; hops++) {
        if (lua_type(L, -1) == LUA_TTABLE) {
            lua_pushnil(L);                /* t, key */
            while (lua_next(L, -2) != 0) { /* t, key, value */
                size_t klen = 0;
                const char *k;
                int wanted = !methods || lua_type(L, -1) == LUA_TFUNCTION;
                lua_pop(L, 1); /* t, key */
                if (!wanted || lua_type(L, -1) != LUA_TSTRING) {
                    continue;
                }
                k = lua_tolstring(L, -1, &klen);
                if (klen >= plen && memcmp(k, part, plen) == 0 && is_name(k, klen)) {
                    lua_pushvalue(L, -1);  /* t, key, key */
                    lua_pushboolean(L, 1); /* t, key, key, true */
                    lua_rawset(L, set);    /* t, key */
                }
            }
        }
        if (!step_to_index(L)) {
            break;
        }
    }
    lua_pop(L, 1);
}

/* complete(word) -> sorted array of full completions. Runs under lua_pcall. */
static int complete_impl(lua_State *L)
{
    size_t len = 0;
    const char *word = luaL_checklstring(L, 1, &len);
    const char *part = word;
    size_t plen;
    int methods = 0;
    int set;
    int n = 0;
    size_t i;
    /* The last '.' or ':' splits the path to walk from the name being completed. */
    for (i = len; i > 0; i--) {
        if (word[i - 1] == '.' || word[i - 1] == ':') {
            part = word + i;
            methods = word[i - 1] == ':';
            break;
        }
    }
    plen = len - (size_t)(part - word);
    lua_newtable(L); /* word, set */
    set = lua_gettop(L);
    lua_pushglobaltable(L); /* word, set, _G */
    if (part == word) {
        const char *const *kw;
        for (kw = keywords; *kw != NULL; kw++) {
            if (strncmp(*kw, part, plen) == 0) {
                lua_pushboolean(L, 1);
                lua_setfield(L, set, *kw);
            }
        }
    } else {
        /* Walk a.b.c (":" only before the last part): each step a raw field read. */
        const char *p = word;
        const char *end = part - 1;
        if (end == word) { /* ".x" or ":x": a field of something that is not a name */
            lua_pop(L, 1);
            lua_pushnil(L);
        }
        while (p < end) {
            const char *q = p;
            while (q < end && *q != '.' && *q != ':') {
                q++;
            }
            if (!is_name(p, (size_t)(q - p)) || (q < end && *q == ':')) {
                lua_pop(L, 1);
                lua_pushnil(L);
                break;
            }
            get_field_raw(L, p, (size_t)(q - p));
            p = q + 1;
        }
    }
    collect_fields(L, set, part, plen, methods); /* word, set */
    /* Build "<path><name>" for each name, then sort. */
    lua_newtable(L); /* word, set, list */
    lua_pushnil(L);
    while (lua_next(L, set) != 0) { /* word, set, list, name, true */
        lua_pop(L, 1);
        lua_pushlstring(L, word, (size_t)(part - word)); /* ..., name, path */
        lua_pushvalue(L, -2);                            /* ..., name, path, name */
        lua_concat(L, 2);                                /* ..., name, full */
        lua_rawseti(L, -3, ++n);                         /* word, set, list, name */
    }
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE); /* ..., list, loaded */
    if (lua_getfield(L, -1, LUA_TABLIBNAME) == LUA_TTABLE &&  /* ..., list, loaded, table */
        lua_getfield(L, -1, "sort") == LUA_TFUNCTION) {       /* ..., loaded, table, sort */
        lua_pushvalue(L, -4);
        lua_call(L, 1, 0);
    }
    lua_settop(L, 3); /* word, set, list */
    return 1;
}

void host_complete(lua_State *L, const char *word, size_t len)
{
    lua_pushcfunction(L, complete_impl);
    lua_pushlstring(L, word, len);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
        lua_pop(L, 1);
        lua_newtable(L);
    }
}
