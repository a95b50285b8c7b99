/* SPDX-License-Identifier: MIT */
/* Fuzz target: the Lua table converters (bindings/lua/lmodel.c, the typed one, and
 * bindings/lua/lvalue.c, the generic one) on table trees built from bytes. */
#include <lauxlib.h>
#include <lua.h>
#include <stdbool.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "appmesh/appmesh.h"
#include "appmesh_lua_internal.h"
#include "fuzz.h"
#include "internal.h"
#include "json.h"
#include "shapes.h"
#include "validate.h"

/*
 * The input is a program for a small stack machine that builds the parameter table: each byte
 * is an operation (low 3 bits) and may take operands from the following bytes.
 *   0 new table   1 key from the dictionary   2 short string (length byte, bytes)
 *   3 integer     4 float                     5 boolean
 *   6 set: t[k] = v for the top three slots t, k, v (pops k and v)
 *   7 an odd value: a function, a light userdata or a full userdata
 * The first table made is the parameter table; the machine stops at the end of the input.
 */
static const char *const dictionary[] = {
    "meshName",
    "virtualServiceName",
    "meshOwner",
    "clientToken",
    "spec",
    "provider",
    "virtualNode",
    "virtualRouter",
    "virtualNodeName",
    "virtualRouterName",
    "limit",
    "nextToken",
    "",
    "meshname",
    "spec.provider",
    "\xff\xfe",
    "__index",
    "a-very-long-parameter-name-that-goes-on-and-on-past-forty-bytes",
    "mesh\nName",
    "my-mesh",
    "colorteller-vn",
    "colorteller.demo.local",
};

#define MAX_SLOTS 64

struct reader {
    const uint8_t *p;
    const uint8_t *end;
};

static unsigned next_byte(struct reader *r)
{
    return r->p < r->end ? *r->p++ : 0;
}

static int noop(lua_State *L)
{
    (void)L;
    return 0;
}

/* Run the program: leaves the parameter table at the top of the stack. */
static int build(lua_State *L)
{
    struct reader *r = lua_touserdata(L, 1);
    int base = lua_gettop(L);
    bool root = false;

    luaL_checkstack(L, MAX_SLOTS + 8, "fuzz program");
    lua_pushnil(L); /* base + 1: the parameter table, once made */
    while (r->p < r->end) {
        unsigned op = next_byte(r);
        if (lua_gettop(L) - base >= MAX_SLOTS && (op & 7) != 6) {
            lua_pop(L, 1);
        }
        switch (op & 7) {
            case 0:
                lua_newtable(L);
                if (!root) {
                    root = true;
                    lua_pushvalue(L, -1);
                    lua_replace(L, base + 1);
                }
                break;
            case 1:
                lua_pushstring(
                    L, dictionary[next_byte(r) % (sizeof(dictionary) / sizeof(dictionary[0]))]);
                break;
            case 2: {
                size_t n = next_byte(r) % 48;
                size_t avail = (size_t)(r->end - r->p);
                n = n < avail ? n : avail;
                lua_pushlstring(L, (const char *)r->p, n);
                r->p += n;
                break;
            }
            case 3: {
                unsigned b = next_byte(r);
                lua_Integer v = (lua_Integer)(signed char)b;
                if (b == 0x7f) {
                    v = LUA_MAXINTEGER;
                } else if (b == 0x80) {
                    v = LUA_MININTEGER;
                }
                lua_pushinteger(L, v);
                break;
            }
            case 4: {
                static const double specials[] = {0.5, -0.0, 1e300, -1e300, 100.0, 1.0, 3.25};
                unsigned b = next_byte(r);
                lua_pushnumber(L, b < 7 * 32 ? specials[b % 7] : (double)b / 7.0);
                break;
            }
            case 5:
                lua_pushboolean(L, (int)(next_byte(r) & 1));
                break;
            case 6:
                /* t, k, v at the top: set when t is a table and k can be a key. */
                if (lua_gettop(L) - base >= 3 && lua_istable(L, -3) && !lua_isnil(L, -2) &&
                    !(lua_type(L, -2) == LUA_TNUMBER &&
                      lua_tonumber(L, -2) != lua_tonumber(L, -2))) {
                    lua_rawset(L, -3);
                } else if (lua_gettop(L) > base + 1) {
                    lua_pop(L, 1);
                }
                break;
            default: {
                unsigned b = next_byte(r) % 3;
                if (b == 0) {
                    lua_pushcfunction(L, noop);
                } else if (b == 1) {
                    lua_pushlightuserdata(L, r);
                } else {
                    lua_newuserdatauv(L, 8, 0);
                }
                break;
            }
        }
    }
    if (!root) {
        lua_newtable(L);
        return 1;
    }
    lua_pushvalue(L, base + 1);
    return 1;
}

static void check_failure(enum appmesh_status st, const struct appmesh_error *err)
{
    const char *last = NULL;

    FUZZ_CHECK(st == APPMESH_ERR_VALIDATION, "a bad table is a VALIDATION error");
    FUZZ_CHECK(err->field[0] != '\0', "the error names the field");
    FUZZ_CHECK(err->message[0] != '\0', "the error says why");
    /* The model's messages name the member ("virtualNodeName is required"), the converter's
     * the whole path: either way the last component of the field is in the message. */
    last = strrchr(err->field, '.');
    FUZZ_CHECK(strstr(err->message, last != NULL ? last + 1 : err->field) != NULL,
               "the message names the field");
}

static void check_string(const char *s)
{
    if (s != NULL) {
        FUZZ_CHECK(strlen(s) < (size_t)1 << 20, "a converted string is terminated");
    }
}

/* Convert the parameter table at index 1 every way; raises only memory errors. */
static int convert(lua_State *L)
{
    struct appmesh_update_virtual_service_input in;
    struct appmesh_describe_virtual_service_input din;
    struct appmesh_list_virtual_services_input lin;
    struct appmesh_error err = {0};
    enum appmesh_status st = APPMESH_OK;
    int top = lua_gettop(L);
    bool proxied = false;

    st = am_lua_check_update_input(L, 1, &in, &proxied, &err);
    FUZZ_CHECK(lua_gettop(L) == top, "the converter leaves the stack as it was");
    if (st != APPMESH_OK) {
        check_failure(st, &err);
    } else {
        struct appmesh_error verr = {0};
        check_string(in.mesh_name);
        check_string(in.virtual_service_name);
        check_string(in.mesh_owner);
        check_string(in.client_token);
        FUZZ_CHECK(in.spec.provider.kind != APPMESH_PROVIDER_VIRTUAL_NODE ||
                       in.spec.provider.u.virtual_node.virtual_node_name == NULL ||
                       strlen(in.spec.provider.u.virtual_node.virtual_node_name) < (1u << 20),
                   "a node name is terminated");
        st = appmesh_update_virtual_service_input_validate(&in, &verr);
        if (st != APPMESH_OK) {
            check_failure(st, &verr);
        } else {
            struct appmesh_buf body;
            struct appmesh_error werr = {0};
            am_buf_init(&body, NULL, 0);
            FUZZ_CHECK(am_json_write_update_body(&body, in.client_token, &in.spec, &werr) ==
                           APPMESH_OK,
                       werr.message);
            appmesh_buf_cleanup(&body);
        }
    }

    memset(&err, 0, sizeof(err));
    st = am_lua_check_describe_input(L, 1, &din, &proxied, &err);
    FUZZ_CHECK(lua_gettop(L) == top, "the converter leaves the stack as it was");
    if (st != APPMESH_OK) {
        check_failure(st, &err);
    } else {
        struct appmesh_error verr = {0};
        st = appmesh_describe_virtual_service_input_validate(&din, &verr);
        if (st != APPMESH_OK) {
            check_failure(st, &verr);
        }
    }

    memset(&err, 0, sizeof(err));
    st = am_lua_check_list_input(L, 1, &lin, &proxied, &err);
    FUZZ_CHECK(lua_gettop(L) == top, "the converter leaves the stack as it was");
    if (st != APPMESH_OK) {
        check_failure(st, &err);
    } else {
        struct appmesh_error verr = {0};
        FUZZ_CHECK(lin.limit >= 0 && lin.limit <= 100, "limit is 0 (absent) or 1..100");
        st = appmesh_list_virtual_services_input_validate(&lin, &verr);
        if (st != APPMESH_OK) {
            check_failure(st, &verr);
        }
    }
    /* the generic converter, then the core's validation of what it built, for three inputs */
    {
        static const char *const ops[] = {"UpdateVirtualService", "CreateRoute",
                                          "ListVirtualServices"};
        for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
            const struct am_operation *op = am_operation_find(ops[i]);
            cJSON **slot = am_lua_push_json_box(L); /* table, box */
            memset(&err, 0, sizeof(err));
            st = am_lua_to_json(L, 1, &am_shapes[op->input], slot, &err);
            FUZZ_CHECK(lua_gettop(L) == top + 1, "the generic converter leaves the stack");
            if (st != APPMESH_OK) {
                FUZZ_CHECK(*slot == NULL, "a failed conversion leaves no tree");
                check_failure(st, &err);
            } else {
                struct appmesh_error verr = {0};
                FUZZ_CHECK(cJSON_IsObject(*slot), "params convert to an object");
                st = am_validate_input(op, *slot, 1, &verr);
                FUZZ_CHECK(st == APPMESH_OK || st == APPMESH_ERR_VALIDATION, verr.message);
            }
            am_lua_json_box_clear(L, -1);
            lua_pop(L, 1); /* table */
        }
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lua_State *L = luaL_newstate();
    struct reader r = {data, data + size};
    int rc = LUA_OK;

    if (L == NULL) {
        return 0;
    }
    lua_pushcfunction(L, build);
    lua_pushlightuserdata(L, &r);
    rc = lua_pcall(L, 1, 1, 0);
    FUZZ_CHECK(rc == LUA_OK || rc == LUA_ERRMEM, lua_tostring(L, -1));
    if (rc == LUA_OK) {
        lua_pushcfunction(L, convert); /* table, convert */
        lua_insert(L, -2);             /* convert, table */
        rc = lua_pcall(L, 1, 0, 0);
        FUZZ_CHECK(rc == LUA_OK || rc == LUA_ERRMEM, lua_tostring(L, -1));
    }
    lua_close(L);
    return 0;
}
