/* SPDX-License-Identifier: MIT */
/* Errors as data: appmesh.Error tables (code, message, httpStatus, ...) with a one-line __tostring.
 */
#include <stdio.h>

#include "appmesh/appmesh.h"
#include "appmesh_lua_internal.h"

/*
 * Add the string at idx with its control characters as visible escapes (\n, \t, \xNN; a C1
 * control, UTF-8 C2 80..C2 9F, as \u00NN): a code or message from a hostile or broken server
 * must not reach a terminal as an escape sequence.
 */
static void add_printable(luaL_Buffer *b, lua_State *L, int idx)
{
    size_t len = 0;
    size_t i = 0;
    const unsigned char *s = (const unsigned char *)lua_tolstring(L, idx, &len);

    for (i = 0; i < len; i++) {
        unsigned char c = s[i];
        char esc[8];
        if (c == '\n' || c == '\t') {
            luaL_addchar(b, '\\');
            luaL_addchar(b, c == '\n' ? 'n' : 't');
        } else if (c < 0x20 || c == 0x7f) {
            snprintf(esc, sizeof esc, "\\x%02x", c);
            luaL_addstring(b, esc);
        } else if (c == 0xc2 && i + 1 < len && s[i + 1] >= 0x80 && s[i + 1] <= 0x9f) {
            snprintf(esc, sizeof esc, "\\u%04x", s[i + 1]);
            luaL_addstring(b, esc);
            i++;
        } else {
            luaL_addchar(b, (char)c);
        }
    }
}

/* "NotFoundException (404): Mesh not found [request 1234]" / "ValidationError: ... [field x]",
 * control characters escaped (add_printable). */
static int error_tostring(lua_State *L)
{
    luaL_Buffer b;

    luaL_checktype(L, 1, LUA_TTABLE);
    lua_getfield(L, 1, "code");       /* e, code */
    lua_getfield(L, 1, "httpStatus"); /* e, code, status */
    lua_getfield(L, 1, "message");    /* e, code, status, message */
    lua_getfield(L, 1, "requestId");  /* e, code, status, message, id */
    lua_getfield(L, 1, "field");      /* e, code, status, message, id, field */
    luaL_buffinit(L, &b);
    if (lua_type(L, 2) == LUA_TSTRING) {
        add_printable(&b, L, 2);
    } else {
        luaL_addstring(&b, "Error");
    }
    if (lua_type(L, 3) == LUA_TNUMBER) {
        luaL_addstring(&b, " (");
        lua_pushvalue(L, 3);
        luaL_addvalue(&b);
        luaL_addchar(&b, ')');
    }
    if (lua_type(L, 4) == LUA_TSTRING && lua_rawlen(L, 4) > 0) {
        luaL_addstring(&b, ": ");
        add_printable(&b, L, 4);
    }
    if (lua_type(L, 5) == LUA_TSTRING && lua_rawlen(L, 5) > 0) {
        luaL_addstring(&b, " [request ");
        add_printable(&b, L, 5);
        luaL_addchar(&b, ']');
    }
    if (lua_type(L, 6) == LUA_TSTRING && lua_rawlen(L, 6) > 0) {
        luaL_addstring(&b, " [field ");
        add_printable(&b, L, 6);
        luaL_addchar(&b, ']');
    }
    luaL_pushresult(&b);
    return 1;
}

void am_lua_error_open(lua_State *L)
{
    if (luaL_newmetatable(L, AM_LUA_ERROR_MT)) { /* mt */
        lua_pushcfunction(L, error_tostring);    /* mt, f */
        lua_setfield(L, -2, "__tostring");       /* mt */
    }
    lua_pop(L, 1); /* -- */
}

void am_lua_new_error(lua_State *L, const struct appmesh_error *err)
{
    lua_createtable(L, 0, 7); /* e */
    lua_pushstring(L, appmesh_error_code(err));
    lua_setfield(L, -2, "code");
    lua_pushstring(L, err->message[0] != '\0' ? err->message : appmesh_error_code(err));
    lua_setfield(L, -2, "message");
    if (err->http_status > 0) {
        lua_pushinteger(L, err->http_status);
        lua_setfield(L, -2, "httpStatus");
    }
    if (err->request_id[0] != '\0') {
        lua_pushstring(L, err->request_id);
        lua_setfield(L, -2, "requestId");
    }
    lua_pushboolean(L, err->retryable);
    lua_setfield(L, -2, "retryable");
    lua_pushinteger(L, err->attempts);
    lua_setfield(L, -2, "attempts");
    if (err->field[0] != '\0') {
        lua_pushstring(L, err->field);
        lua_setfield(L, -2, "field");
    }
    luaL_setmetatable(L, AM_LUA_ERROR_MT); /* e */
}

int am_lua_push_error(lua_State *L, const struct appmesh_error *err)
{
    lua_pushnil(L);
    am_lua_new_error(L, err);
    return 2;
}
