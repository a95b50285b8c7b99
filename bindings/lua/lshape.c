/* SPDX-License-Identifier: MIT */
/* The service model read from Lua: appmesh.operations, skeleton, model_operation, model_shape. */
#include <string.h>

#include <cjson/cJSON.h>

#include "appmesh_lua_internal.h"
#include "opcall.h"
#include "shapes.h"

/*
 * Tools that speak the API's own language (the `appmesh` shell command: its options, help,
 * skeletons and output order) need the model itself, not only calls: which members an input
 * has, where each goes, which are required, the order the model lists them in, and which
 * values are timestamps. model_operation and model_shape give the generated tables
 * (core/src/shapes.h) as fresh plain tables; shapes refer to each other by name, so a tool walks
 * them lazily.
 */

static const char *const type_names[] = {
    "structure", "union", "list", "string", "integer", "long", "boolean", "timestamp",
};

static const char *const location_names[] = {"body", "uri", "query"};

static const char *type_name(const struct am_shape *s)
{
    return s->type < sizeof(type_names) / sizeof(type_names[0]) ? type_names[s->type] : "unknown";
}

/* t[key] = s (or nothing when s is NULL) in the table on top. */
static void set_string(lua_State *L, const char *key, const char *s)
{
    if (s != NULL) {
        lua_pushstring(L, s);
        lua_setfield(L, -2, key);
    }
}

/* The shape called name (n bytes), or NULL. */
static const struct am_shape *find_shape(const char *name, size_t n)
{
    for (size_t i = 0; i < am_shape_count; i++) {
        const char *s = am_shapes[i].name;
        if (strncmp(s, name, n) == 0 && s[n] == '\0') {
            return &am_shapes[i];
        }
    }
    return NULL;
}

/* Push one member's description: {name, shape, location, wire, required, token, doc}. */
static void push_member(lua_State *L, const struct am_member *m)
{
    lua_createtable(L, 0, 7); /* m */
    set_string(L, "name", m->name);
    set_string(L, "shape", am_member_shape(m)->name);
    set_string(L, "location", m->location < 3 ? location_names[m->location] : "body");
    set_string(L, "wire", m->wire);
    lua_pushboolean(L, (m->flags & AM_MEMBER_REQUIRED) != 0);
    lua_setfield(L, -2, "required");
    lua_pushboolean(L, (m->flags & AM_MEMBER_IDEMPOTENCY_TOKEN) != 0);
    lua_setfield(L, -2, "token");
    set_string(L, "doc", m->doc);
}

/*
 * appmesh.model_shape(name): {name, type, min, max, members | item | enum}, or nil when the model
 * has no shape of that name. members (structures and unions) in model order; item (lists) the
 * item shape's name; enum (strings) the allowed values in model order.
 */
static int mod_model_shape(lua_State *L)
{
    size_t n = 0;
    const char *name = luaL_checklstring(L, 1, &n);
    const struct am_shape *s = find_shape(name, n);

    if (s == NULL) {
        lua_pushnil(L);
        return 1;
    }
    lua_createtable(L, 0, 6); /* info */
    set_string(L, "name", s->name);
    set_string(L, "type", type_name(s));
    if (s->has_min) {
        lua_pushinteger(L, (lua_Integer)s->min);
        lua_setfield(L, -2, "min");
    }
    if (s->has_max) {
        lua_pushinteger(L, (lua_Integer)s->max);
        lua_setfield(L, -2, "max");
    }
    switch (s->type) {
        case AM_SHAPE_STRUCTURE:
        case AM_SHAPE_UNION:
            lua_createtable(L, s->count, 0); /* info, members */
            for (uint16_t i = 0; i < s->count; i++) {
                push_member(L, &am_members[s->first + i]); /* info, members, m */
                lua_rawseti(L, -2, (lua_Integer)i + 1);    /* info, members */
            }
            lua_setfield(L, -2, "members"); /* info */
            break;
        case AM_SHAPE_LIST:
            set_string(L, "item", am_list_item(s)->name);
            break;
        case AM_SHAPE_STRING:
            if (s->count > 0) {
                lua_createtable(L, s->count, 0); /* info, enum */
                for (uint16_t i = 0; i < s->count; i++) {
                    lua_pushstring(L, am_enum_values[s->first + i]);
                    lua_rawseti(L, -2, (lua_Integer)i + 1);
                }
                lua_setfield(L, -2, "enum"); /* info */
            }
            break;
        default:
            break;
    }
    return 1;
}

/*
 * appmesh.model_operation(name): the operation by API name ("DescribeMesh") or boto3 name
 * ("describe_mesh") as {name, api, method, uri, doc, input, output, payload, errors, paginator},
 * or nil when the model has none. input and output are shape names; payload the output member
 * that is the whole payload (nil when none); errors the modelled error codes; paginator
 * {result_key, input_token, output_token, limit_key} for the paginated lists (nil otherwise).
 */
static int mod_model_operation(lua_State *L)
{
    size_t n = 0;
    const char *name = luaL_checklstring(L, 1, &n);
    const struct am_operation *op = am_operation_find_n(name, n);
    int nerr = 0;

    if (op == NULL || strlen(name) != n) {
        lua_pushnil(L);
        return 1;
    }
    lua_createtable(L, 0, 10); /* info */
    set_string(L, "name", op->snake);
    set_string(L, "api", op->name);
    set_string(L, "method", op->method);
    set_string(L, "uri", op->uri);
    set_string(L, "doc", op->doc);
    set_string(L, "input", am_shapes[op->input].name);
    set_string(L, "output", am_shapes[op->output].name);
    if (op->payload >= 0) {
        set_string(L, "payload", am_members[op->payload].name);
    }
    lua_createtable(L, 8, 0); /* info, errors */
    for (size_t i = 0; i < am_error_shape_count && i < 16; i++) {
        if (op->errors & (1u << i)) {
            lua_pushstring(L, am_error_shapes[i].name);
            lua_rawseti(L, -2, ++nerr);
        }
    }
    lua_setfield(L, -2, "errors"); /* info */
    if (op->result_key != NULL) {
        lua_createtable(L, 0, 4); /* info, paginator */
        set_string(L, "result_key", op->result_key);
        set_string(L, "input_token", op->input_token);
        set_string(L, "output_token", op->output_token);
        set_string(L, "limit_key", op->limit_key);
        lua_setfield(L, -2, "paginator"); /* info */
    }
    return 1;
}

/* Raise naming the operations nearest to an unknown name. */
static int unknown_operation(lua_State *L, int arg, const char *name)
{
    const char *near[3];
    size_t n = am_operation_nearest(name, near, 3);
    luaL_Buffer b;

    luaL_buffinit(L, &b);
    lua_pushfstring(L, "unknown operation '%s'", name);
    luaL_addvalue(&b);
    for (size_t i = 0; i < n; i++) {
        luaL_addstring(&b, i == 0 ? " (did you mean " : (i + 1 == n ? " or " : ", "));
        luaL_addstring(&b, near[i]);
    }
    if (n > 0) {
        luaL_addstring(&b, "?)");
    }
    luaL_pushresult(&b);
    return luaL_argerror(L, arg, lua_tostring(L, -1));
}

const struct am_operation *am_lua_check_operation(lua_State *L, int arg)
{
    size_t len = 0;
    const char *name = luaL_checklstring(L, arg, &len);
    const struct am_operation *op = strlen(name) == len ? am_operation_find_n(name, len) : NULL;

    if (op == NULL) {
        unknown_operation(L, arg, name);
    }
    return op;
}

/* appmesh.operations(): one table per operation, in alphabetical order. */
static int mod_operations(lua_State *L)
{
    char iter[64];

    lua_createtable(L, (int)am_operation_count, 0); /* list */
    for (size_t i = 0; i < am_operation_count; i++) {
        const struct am_operation *op = &am_operations[i];
        const struct am_shape *in = &am_shapes[op->input];
        lua_createtable(L, 0, 8); /* list, t */
        set_string(L, "name", op->snake);
        set_string(L, "api", op->name);
        set_string(L, "method", op->method);
        set_string(L, "uri", op->uri);
        set_string(L, "doc", op->doc);
        if (op->payload >= 0) {
            set_string(L, "payload", am_members[op->payload].name);
        }
        if (op->result_key != NULL && am_lua_iterator_name(op, iter, sizeof(iter))) {
            set_string(L, "iterator", iter);
        }
        lua_createtable(L, in->count, 0); /* list, t, members */
        for (uint16_t j = 0; j < in->count; j++) {
            const struct am_member *m = &am_members[in->first + j];
            lua_createtable(L, 0, 4); /* list, t, members, m */
            set_string(L, "name", m->name);
            lua_pushboolean(L, (m->flags & AM_MEMBER_REQUIRED) != 0);
            lua_setfield(L, -2, "required");
            set_string(L, "location", m->location < 3 ? location_names[m->location] : "body");
            set_string(L, "doc", m->doc);
            lua_rawseti(L, -2, (lua_Integer)j + 1); /* list, t, members */
        }
        lua_setfield(L, -2, "members");         /* list, t */
        lua_rawseti(L, -2, (lua_Integer)i + 1); /* list */
    }
    return 1;
}

/* appmesh.skeleton(name): the operation's input with every member, as a fresh table. */
static int mod_skeleton(lua_State *L)
{
    const struct am_operation *op = am_lua_check_operation(L, 1);
    cJSON **slot = NULL;

    lua_settop(L, 1);
    slot = am_lua_push_json_box(L); /* name, box */
    *slot = am_op_skeleton(op);
    if (*slot == NULL) {
        return luaL_error(L, "not enough memory");
    }
    am_lua_push_json(L, *slot, &am_shapes[op->input]); /* name, box, skeleton */
    am_lua_json_box_clear(L, 2);
    return 1;
}

bool am_lua_iterator_name(const struct am_operation *op, char *out, size_t outsize)
{
    size_t n = 0;

    if (op->result_key == NULL || outsize == 0) {
        return false;
    }
    for (const char *p = op->result_key; *p != '\0'; p++) {
        bool upper = *p >= 'A' && *p <= 'Z';
        if (n + (upper ? 2 : 1) >= outsize) {
            return false;
        }
        if (upper) {
            out[n++] = '_';
            out[n++] = (char)(*p - 'A' + 'a');
        } else {
            out[n++] = *p;
        }
    }
    out[n] = '\0';
    return true;
}

void am_lua_module_shapes(lua_State *L)
{
    static const luaL_Reg funcs[] = {
        {"model_operation", mod_model_operation},
        {"model_shape", mod_model_shape},
        {"operations", mod_operations},
        {"skeleton", mod_skeleton},
        {NULL, NULL},
    };

    luaL_setfuncs(L, funcs, 0);
}
