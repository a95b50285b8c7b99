/* SPDX-License-Identifier: MIT */
/* appmesh.sign{...}: SigV4-sign any HTTP request and return the headers to add. */
#include <math.h>
#include <string.h>
#include <time.h>

#include "appmesh/appmesh.h"
#include "appmesh_lua_internal.h"
#include "internal.h"
#include "lstate.h"

static const char *const sign_keys[] = {
    "method",         "url",         "headers", "body",      "region",
    "service",        "credentials", "time",    "sign_body", "omit_session_token",
    "normalize_path", NULL,
};

/* The pieces of an absolute http(s) URL the signer needs. */
struct url_parts {
    const char *authority;
    size_t authority_len;
    const char *path; /* "" means "/" */
    size_t path_len;
    const char *query; /* without '?', may be empty */
    size_t query_len;
};

static bool authority_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~' || c == ':' || c == '[' || c == ']';
}

/* host, [v6] or host:port / [v6]:port with a port of 1 to 5 digits; brackets only around v6. */
static bool authority_ok(const char *a, size_t n)
{
    size_t host_end = n;
    size_t i = 0;

    if (a[0] == '[') {
        const char *close = memchr(a, ']', n);
        if (close == NULL || close == a + 1) {
            return false;
        }
        host_end = (size_t)(close - a) + 1;
        if (host_end < n && a[host_end] != ':') {
            return false;
        }
    } else {
        for (i = 0; i < n; i++) {
            if (a[i] == '[' || a[i] == ']') {
                return false;
            }
            if (a[i] == ':') {
                host_end = i;
                break;
            }
        }
        if (host_end == 0) {
            return false;
        }
    }
    if (host_end == n) {
        return true;
    }
    if (n - host_end - 1 < 1 || n - host_end - 1 > 5) {
        return false;
    }
    for (i = host_end + 1; i < n; i++) {
        if (a[i] < '0' || a[i] > '9') {
            return false;
        }
    }
    return true;
}

/* Path and query bytes: anything visible (UTF-8 included) except '#'. */
static bool target_char(unsigned char c)
{
    return c > 0x20 && c != 0x7f && c != '#';
}

/* Split url strictly: http(s)://authority[/path][?query]; no userinfo, no fragment. */
static enum appmesh_status
parse_url(const char *url, size_t len, struct url_parts *u, struct appmesh_error *err)
{
    size_t i = 0;
    size_t start = 0;

    memset(u, 0, sizeof(*u));
    if (len >= 7 && am_strcasecmp_n(url, 7, "http://", 7) == 0) {
        i = 7;
    } else if (len >= 8 && am_strcasecmp_n(url, 8, "https://", 8) == 0) {
        i = 8;
    } else {
        return am_fail_field(err, "url", "url must start with http:// or https://");
    }
    start = i;
    while (i < len && url[i] != '/' && url[i] != '?') {
        if (!authority_char((unsigned char)url[i])) {
            return am_fail_field(err, "url", "url has a character not allowed in a host: 0x%02X",
                                 (unsigned char)url[i]);
        }
        i++;
    }
    if (i == start) {
        return am_fail_field(err, "url", "url has no host");
    }
    if (!authority_ok(url + start, i - start)) {
        return am_fail_field(err, "url", "url has a malformed host or port");
    }
    u->authority = url + start;
    u->authority_len = i - start;
    start = i;
    while (i < len && url[i] != '?') {
        if (!target_char((unsigned char)url[i])) {
            return am_fail_field(err, "url", "url path has a character not allowed: 0x%02X",
                                 (unsigned char)url[i]);
        }
        i++;
    }
    u->path = url + start;
    u->path_len = i - start;
    if (i < len) {
        i++; /* '?' */
        u->query = url + i;
        u->query_len = len - i;
        for (; i < len; i++) {
            if (!target_char((unsigned char)url[i])) {
                return am_fail_field(err, "url", "url query has a character not allowed: 0x%02X",
                                     (unsigned char)url[i]);
            }
        }
    }
    return APPMESH_OK;
}

/* Push t[key] (raw): a string, or nil when optional; anything else raises. */
static const char *field_string(lua_State *L, int t, const char *key, bool required, size_t *len)
{
    int type = 0;

    lua_pushstring(L, key);
    type = lua_rawget(L, t);
    if (type == LUA_TNIL && !required) {
        return NULL;
    }
    if (type != LUA_TSTRING) {
        luaL_argerror(
            L, 1,
            lua_pushfstring(L, "field '%s' must be a string, got %s", key, lua_typename(L, type)));
    }
    return lua_tolstring(L, -1, len);
}

static bool field_boolean(lua_State *L, int t, const char *key, bool dflt)
{
    int type = 0;

    lua_pushstring(L, key);
    type = lua_rawget(L, t);
    if (type != LUA_TNIL && type != LUA_TBOOLEAN) {
        luaL_argerror(
            L, 1,
            lua_pushfstring(L, "field '%s' must be a boolean, got %s", key, lua_typename(L, type)));
    }
    type = type == LUA_TNIL ? (int)dflt : lua_toboolean(L, -1);
    lua_pop(L, 1);
    return type != 0;
}

static void check_sign_keys(lua_State *L, int t)
{
    lua_pushnil(L);
    while (lua_next(L, t) != 0) { /* key, value */
        bool known = false;
        size_t i = 0;
        if (lua_type(L, -2) != LUA_TSTRING) {
            luaL_argerror(L, 1, "field names must be strings");
        }
        for (i = 0; sign_keys[i] != NULL && !known; i++) {
            known = strcmp(sign_keys[i], lua_tostring(L, -2)) == 0;
        }
        if (!known) {
            luaL_argerror(L, 1, lua_pushfstring(L, "unknown field '%s'", lua_tostring(L, -2)));
        }
        lua_pop(L, 1);
    }
}

static bool header_name_is(const struct appmesh_header *h, const char *name)
{
    return am_strcasecmp_n(h->name, h->name_len, name, strlen(name)) == 0;
}

static bool header_token_char(unsigned char c)
{
    return c > 0x20 && c < 0x7f && c != ':' && c != '(' && c != ')' && c != ',' && c != '/' &&
           c != ';' && c != '<' && c != '=' && c != '>' && c != '?' && c != '@' && c != '[' &&
           c != '\\' && c != ']' && c != '{' && c != '}' && c != '"';
}

/* Raise unless the value at v is a string or a non-empty list of strings. */
static size_t count_header_values(lua_State *L, int v)
{
    lua_Integer n = 0;
    lua_Integer i = 0;

    if (lua_type(L, -2) == LUA_TSTRING && lua_type(L, v) == LUA_TSTRING) {
        return 1;
    }
    if (lua_type(L, -2) == LUA_TSTRING && lua_type(L, v) == LUA_TTABLE) {
        n = (lua_Integer)lua_rawlen(L, v);
        for (i = 1; i <= n; i++) {
            if (lua_rawgeti(L, v, i) != LUA_TSTRING) {
                break;
            }
            lua_pop(L, 1);
        }
        if (n > 0 && i > n) {
            return (size_t)n;
        }
    }
    luaL_argerror(L, 1,
                  lua_pushfstring(L,
                                  "headers must map names to strings or lists of strings, "
                                  "got %s = %s",
                                  luaL_typename(L, -2), luaL_typename(L, v)));
    return 0;
}

static enum appmesh_status check_header(struct appmesh_header *h, struct appmesh_error *err)
{
    size_t k = 0;

    if (h->name_len == 0) {
        return am_fail_field(err, "headers", "header names must not be empty");
    }
    for (k = 0; k < h->name_len; k++) {
        if (!header_token_char((unsigned char)h->name[k])) {
            return am_fail_field(err, "headers", "header name '%s' is not a valid token", h->name);
        }
    }
    for (k = 0; k < h->value_len; k++) {
        unsigned char c = (unsigned char)h->value[k];
        if (c == '\r' || c == '\n' || c == '\0') {
            return am_fail_field(err, "headers", "header %s has a CR, LF or NUL in its value",
                                 h->name);
        }
    }
    return APPMESH_OK;
}

/*
 * Read the headers table at t (name -> value, or name -> {value, ...} for a repeated header)
 * into a GC-owned array (pushed on the stack) with one spare slot for Host. Wrong types
 * raise; bad names or values are a validation error.
 */
static enum appmesh_status check_headers(
    lua_State *L, int t, struct appmesh_header **out, size_t *count, struct appmesh_error *err)
{
    size_t n = 0;
    size_t i = 0;
    struct appmesh_header *h = NULL;

    if (t != 0) {
        lua_pushnil(L);
        while (lua_next(L, t) != 0) {
            n += count_header_values(L, lua_gettop(L));
            lua_pop(L, 1);
        }
    }
    h = lua_newuserdatauv(L, (n + 1) * sizeof(*h), 0);
    *out = h;
    *count = 0;
    if (t == 0) {
        return APPMESH_OK;
    }
    lua_pushnil(L);
    while (lua_next(L, t) != 0) { /* key, value; strings anchored by the table */
        size_t nv = lua_type(L, -1) == LUA_TTABLE ? lua_rawlen(L, -1) : 1;
        size_t j = 0;
        for (j = 0; j < nv && i < n; j++) {
            h[i].name = lua_tolstring(L, -2, &h[i].name_len);
            if (lua_type(L, -1) == LUA_TTABLE) {
                lua_rawgeti(L, -1, (lua_Integer)j + 1);
                h[i].value = lua_tolstring(L, -1, &h[i].value_len);
                lua_pop(L, 1);
            } else {
                h[i].value = lua_tolstring(L, -1, &h[i].value_len);
            }
            if (check_header(&h[i], err) != APPMESH_OK) {
                lua_pop(L, 2);
                return APPMESH_ERR_VALIDATION;
            }
            i++;
        }
        lua_pop(L, 1);
    }
    *count = i;
    /* One header under two keys that differ in case: its values would be joined in the
     * table's traversal order, which changes from run to run. Each lower-cased name maps to
     * its key's string (the values of one key share it, so they are told apart by address). */
    luaL_checkstack(L, 4, "appmesh.sign: headers");
    lua_createtable(L, 0, (int)(*count < 64 ? *count : 64)); /* ..., h, seen */
    for (i = 0; i < *count; i++) {
        luaL_Buffer b;
        char *lower = luaL_buffinitsize(L, &b, h[i].name_len);
        size_t k = 0;
        for (k = 0; k < h[i].name_len; k++) {
            unsigned char c = (unsigned char)h[i].name[k];
            lower[k] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
        }
        luaL_pushresultsize(&b, h[i].name_len); /* ..., seen, lower */
        lua_pushvalue(L, -1);
        if (lua_rawget(L, -3) == LUA_TLIGHTUSERDATA && /* ..., seen, lower, first | nil */
            lua_touserdata(L, -1) != (void *)h[i].name) {
            const char *first = lua_touserdata(L, -1);
            lua_pop(L, 3);
            return am_fail_field(err, "headers",
                                 "headers %s and %s are one header: give it one name with a "
                                 "list of values, in the order they are sent",
                                 first, h[i].name);
        }
        lua_pop(L, 1);
        lua_pushlightuserdata(L, (void *)h[i].name);
        lua_rawset(L, -3); /* ..., seen */
    }
    lua_pop(L, 1);
    return APPMESH_OK;
}

static bool has_header(const struct appmesh_header *h, size_t n, const char *name)
{
    size_t i = 0;
    for (i = 0; i < n; i++) {
        if (header_name_is(&h[i], name)) {
            return true;
        }
    }
    return false;
}

static void check_credentials(lua_State *L, int t, struct appmesh_credentials *c)
{
    int base = lua_gettop(L);

    if (lua_type(L, t) != LUA_TTABLE) {
        luaL_argerror(
            L, 1,
            lua_pushfstring(L, "field 'credentials' must be a table, got %s", luaL_typename(L, t)));
    }
    lua_pushnil(L);
    while (lua_next(L, t) != 0) {
        const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "";
        if (strcmp(k, "accessKeyId") != 0 && strcmp(k, "secretAccessKey") != 0 &&
            strcmp(k, "sessionToken") != 0) {
            luaL_argerror(
                L, 1, lua_pushfstring(L, "unknown field 'credentials.%s'", lua_tostring(L, -2)));
        }
        lua_pop(L, 1);
    }
    c->access_key_id = field_string(L, t, "accessKeyId", true, NULL);
    c->secret_access_key = field_string(L, t, "secretAccessKey", true, NULL);
    c->session_token = field_string(L, t, "sessionToken", false, NULL);
    lua_settop(L, base); /* the strings stay referenced by the credentials table */
}

int am_lua_sign(lua_State *L)
{
    struct am_lua_state *S = am_lua_state(L);
    struct appmesh_sigv4_request req;
    struct appmesh_sigv4_params params;
    struct appmesh_credentials creds = {0};
    struct appmesh_error err = {0};
    struct url_parts u;
    struct appmesh_header *headers = NULL;
    size_t nheaders = 0;
    size_t url_len = 0;
    const char *url = NULL;
    int headers_idx = 0;
    int type = 0;
    bool had_date = false;
    bool had_token = false;
    lua_Number t = 0;

    memset(&req, 0, sizeof(req));
    memset(&params, 0, sizeof(params));
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    check_sign_keys(L, 1);
    req.method = field_string(L, 1, "method", false, NULL);      /* 2 */
    url = field_string(L, 1, "url", true, &url_len);             /* 3 */
    params.region = field_string(L, 1, "region", true, NULL);    /* 4 */
    params.service = field_string(L, 1, "service", true, NULL);  /* 5 */
    req.body = field_string(L, 1, "body", false, &req.body_len); /* 6 */
    lua_pushliteral(L, "credentials");
    lua_rawget(L, 1); /* 7 */
    check_credentials(L, 7, &creds);
    lua_pushliteral(L, "headers");
    type = lua_rawget(L, 1); /* 8 */
    if (type == LUA_TTABLE) {
        headers_idx = 8;
    } else if (type != LUA_TNIL) {
        luaL_argerror(
            L, 1,
            lua_pushfstring(L, "field 'headers' must be a table, got %s", lua_typename(L, type)));
    }
    lua_pushliteral(L, "time");
    type = lua_rawget(L, 1); /* 9 */
    if (type == LUA_TNIL) {
        params.time = (int64_t)time(NULL);
    } else if (type != LUA_TNUMBER) {
        luaL_argerror(
            L, 1,
            lua_pushfstring(L, "field 'time' must be a number, got %s", lua_typename(L, type)));
    } else {
        t = lua_tonumber(L, 9);
        if (!(t >= 0) || t > 253402300799.0) { /* 9999-12-31T23:59:59Z; NaN fails too */
            err.status = APPMESH_OK;
            am_fail_field(&err, "time", "time must be epoch seconds from 0 to year 9999");
            return am_lua_push_error(L, &err);
        }
        params.time = (int64_t)floor(t);
    }
    params.sign_body = field_boolean(L, 1, "sign_body", false);
    params.omit_session_token = field_boolean(L, 1, "omit_session_token", false);
    params.no_normalize_path = !field_boolean(L, 1, "normalize_path", true);
    if (req.method == NULL) {
        req.method = "GET";
    }
    if (parse_url(url, url_len, &u, &err) != APPMESH_OK) {
        return am_lua_push_error(L, &err);
    }
    if (u.path_len == 0) {
        lua_pushliteral(L, "/"); /* 10 */
    } else {
        lua_pushlstring(L, u.path, u.path_len); /* 10 */
    }
    req.path = lua_tostring(L, 10);
    lua_pushlstring(L, u.query != NULL ? u.query : "", u.query_len); /* 11 */
    req.query = lua_tostring(L, 11);
    if (check_headers(L, headers_idx, &headers, &nheaders, &err) != APPMESH_OK) { /* 12 */
        return am_lua_push_error(L, &err);
    }
    if (!has_header(headers, nheaders, "host")) {
        headers[nheaders].name = "Host";
        headers[nheaders].name_len = 4;
        headers[nheaders].value = u.authority;
        headers[nheaders].value_len = u.authority_len;
        nheaders++;
    }
    had_date = has_header(headers, nheaders, "x-amz-date");
    had_token = has_header(headers, nheaders, "x-amz-security-token");
    req.headers = headers;
    req.header_count = nheaders;
    if (S->signer == NULL && appmesh_sigv4_signer_new(&S->alloc, &S->signer, &err) != APPMESH_OK) {
        return am_lua_push_error(L, &err);
    }
    if (appmesh_sigv4_sign_headers(S->signer, &req, &creds, &params, &S->sign_result, &err) !=
        APPMESH_OK) {
        return am_lua_push_error(L, &err);
    }
    lua_createtable(L, 0, 4); /* ..., added */
    if (!had_date) {
        lua_pushstring(L, S->sign_result.amz_date);
        lua_setfield(L, -2, "X-Amz-Date");
    }
    if (creds.session_token != NULL && !had_token) {
        lua_pushstring(L, creds.session_token);
        lua_setfield(L, -2, "X-Amz-Security-Token");
    }
    if (params.sign_body) {
        lua_pushstring(L, S->sign_result.content_sha256);
        lua_setfield(L, -2, "x-amz-content-sha256");
    }
    lua_pushlstring(L, am_buf_cstr(&S->sign_result.authorization),
                    S->sign_result.authorization.len);
    lua_setfield(L, -2, "Authorization");
    return 1;
}
