/* SPDX-License-Identifier: MIT */
/* The one converter between Lua values and cJSON trees, guided by the model's shapes. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "appmesh_lua_internal.h"
#include "internal.h"
#include "shapes.h"

/*
 * Lua -> cJSON walks the input shape: structures and unions by member name (in model order, so
 * the body's member order does not depend on Lua's hash order), lists as sequences 1..n,
 * scalars by the shape's type. Only what the conversion itself needs is checked here (types,
 * keys, NUL bytes and invalid UTF-8, integers that a double cannot carry); value rules (lengths,
 * ranges, enums, patterns, required members, unions) are the core's validation, which runs
 * once per call on the tree this builds.
 *
 * Every node is attached to its parent (the root to the caller's box) before anything below it
 * is read, so a raise in the middle (a memory error, a __pairs or __index metamethod that
 * raises) leaves the whole tree reachable from the box, which the GC frees.
 */

/* Longest piece of a bad key quoted in a path; the rest becomes "...". */
#define KEY_SHOWN 40
/* A path being built: longer than err->field so that truncation happens once, at the end. */
#define PATH_MAX_LEN 512
/* Entries a __pairs iteration may produce before it is taken for an endless one. */
#define PAIRS_MAX 1000000
/* 2^53: the largest magnitude every integer up to which a double holds exactly. */
#define EXACT_DOUBLE_MAX 9007199254740992LL
/* Levels of nesting the Lua stack is grown for at once (lua_checkstack is not free). */
#define STACK_LEVELS 4
/* Nesting deeper than any App Mesh shape (the deepest input is 12 levels). */
#define DEPTH_MAX 64

#define AM_LUA_JSON_MT "appmesh.json"

/* ---- the box: a userdata owning a cJSON tree ---- */

/*
 * A tree am_lua_to_json builds is a call's input, which the core only borrows (a batch copies
 * it): its nodes and strings are carved from chunks the box owns, one allocation for the whole
 * tree instead of one per node, all freed at once. cJSON's global hooks are left alone: the
 * chunks come from cJSON_malloc, as the nodes did. Such a tree is never given to cJSON_Delete;
 * any other tree put in the slot (a parsed one, a skeleton) is.
 */
#define CHUNK_MIN 4096

struct chunk {
    struct chunk *next;
    size_t size; /* usable bytes in data */
    size_t used;
    max_align_t data[];
};

struct json_box {
    cJSON *root;          /* first member: the slot am_lua_push_json_box returns */
    bool arena_tree;      /* root lives in chunks (see above) */
    struct chunk *chunks; /* newest (largest) first */
};

/* Drop the tree in the box; the newest chunk is kept for the next tree. */
static void box_clear(struct json_box *b, bool keep_chunk)
{
    struct chunk *keep = keep_chunk ? b->chunks : NULL;
    struct chunk *ch = keep != NULL ? keep->next : b->chunks;

    if (!b->arena_tree) {
        cJSON_Delete(b->root);
    }
    b->root = NULL;
    b->arena_tree = false;
    while (ch != NULL) {
        struct chunk *next = ch->next;
        cJSON_free(ch);
        ch = next;
    }
    if (keep != NULL) {
        keep->next = NULL;
        keep->used = 0;
    }
    b->chunks = keep;
}

/* n bytes from the box's chunks, aligned for any type; NULL when out of memory. */
static void *box_alloc(struct json_box *b, size_t n)
{
    struct chunk *ch = b->chunks;
    void *p = NULL;

    n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
    if (ch == NULL || ch->size - ch->used < n) {
        size_t size = ch != NULL ? ch->size * 2 : CHUNK_MIN;
        if (size < n) {
            size = n;
        }
        ch = cJSON_malloc(sizeof(*ch) + size);
        if (ch == NULL) {
            return NULL;
        }
        ch->size = size;
        ch->used = 0;
        ch->next = b->chunks;
        b->chunks = ch;
    }
    p = (char *)ch->data + ch->used;
    ch->used += n;
    return p;
}

static int json_box_gc(lua_State *L)
{
    box_clear(luaL_checkudata(L, 1, AM_LUA_JSON_MT), false);
    return 0;
}

cJSON **am_lua_push_json_box(lua_State *L)
{
    struct json_box *b = lua_newuserdatauv(L, sizeof(*b), 0);
    memset(b, 0, sizeof(*b));
    if (luaL_newmetatable(L, AM_LUA_JSON_MT)) { /* box, mt */
        lua_pushcfunction(L, json_box_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2); /* box */
    return &b->root;
}

void am_lua_json_box_clear(lua_State *L, int idx)
{
    box_clear(luaL_checkudata(L, idx, AM_LUA_JSON_MT), true);
}

/* ---- keys in paths and messages ---- */

bool am_lua_key_precedes(lua_State *L, int a, int b)
{
    int ta = lua_type(L, a);
    int tb = lua_type(L, b);
    int ra = ta == LUA_TNUMBER ? 0 : (ta == LUA_TSTRING ? 2 : 1);
    int rb = tb == LUA_TNUMBER ? 0 : (tb == LUA_TSTRING ? 2 : 1);
    size_t la = 0;
    size_t lb = 0;
    const char *sa = NULL;
    const char *sb = NULL;
    int c = 0;

    if (tb == LUA_TNIL) {
        return true;
    }
    if (ra != rb) {
        return ra < rb;
    }
    if (ra == 0) {
        return lua_compare(L, a, b, LUA_OPLT) != 0;
    }
    if (ra == 1) {
        return false;
    }
    sa = lua_tolstring(L, a, &la);
    sb = lua_tolstring(L, b, &lb);
    c = memcmp(sa, sb, la < lb ? la : lb);
    return c < 0 || (c == 0 && la < lb);
}

void am_lua_key_path(lua_State *L, int k, const char *prefix, char *out, size_t outsize)
{
    size_t n = 0;

    n = (size_t)snprintf(out, outsize, "%s", prefix);
    if (n >= outsize) {
        return;
    }
    if (lua_type(L, k) == LUA_TSTRING && lua_rawlen(L, k) == 0) {
        snprintf(out + n, outsize - n, "[\"\"]"); /* the empty name: a path must show it */
    } else if (lua_type(L, k) == LUA_TSTRING) {
        size_t len = 0;
        const unsigned char *s = (const unsigned char *)lua_tolstring(L, k, &len);
        size_t shown = 0;
        size_t i = 0;
        if (prefix[0] != '\0' && n + 1 < outsize) {
            out[n++] = '.';
            out[n] = '\0';
        }
        for (i = 0; i < len && n + 5 < outsize; i++) {
            if (shown >= KEY_SHOWN) {
                snprintf(out + n, outsize - n, "...");
                return;
            }
            if (s[i] > 0x20 && s[i] < 0x7f) {
                out[n++] = (char)s[i];
                out[n] = '\0';
            } else {
                n += (size_t)snprintf(out + n, outsize - n, "\\x%02X", s[i]);
            }
            shown++;
        }
    } else if (lua_isinteger(L, k)) {
        snprintf(out + n, outsize - n, "[%lld]", (long long)lua_tointeger(L, k));
    } else if (lua_type(L, k) == LUA_TNUMBER) {
        snprintf(out + n, outsize - n, "[%.14g]", (double)lua_tonumber(L, k));
    } else if (lua_type(L, k) == LUA_TBOOLEAN) {
        snprintf(out + n, outsize - n, "[%s]", lua_toboolean(L, k) ? "true" : "false");
    } else {
        snprintf(out + n, outsize - n, "[%s]", luaL_typename(L, k));
    }
}

/* ---- tables read as pairs reads them ---- */

/* The metatable of the value at idx has field name (raw, not nil). */
static bool has_metafield(lua_State *L, int idx, const char *name)
{
    if (luaL_getmetafield(L, idx, name) == LUA_TNIL) {
        return false;
    }
    lua_pop(L, 1);
    return true;
}

/* Push a plain table with the pairs __pairs gives for the table at t. */
static enum appmesh_status
copy_pairs(lua_State *L, int t, const char *path, struct appmesh_error *err)
{
    int copy = 0;
    long n = 0;

    lua_newtable(L); /* copy */
    copy = lua_gettop(L);
    luaL_getmetafield(L, t, "__pairs"); /* copy, __pairs */
    lua_pushvalue(L, t);
    lua_call(L, 1, 3); /* copy, f, s, control */
    for (;;) {
        lua_pushvalue(L, -3);
        lua_pushvalue(L, -3);
        lua_pushvalue(L, -3);
        lua_call(L, 2, 2); /* copy, f, s, control, k, v */
        if (lua_isnil(L, -2)) {
            lua_pop(L, 2);
            break;
        }
        if (lua_type(L, -2) == LUA_TNUMBER && !lua_isinteger(L, -2) &&
            isnan((double)lua_tonumber(L, -2))) {
            lua_settop(L, copy);
            return am_fail_field(err, path, "%s: __pairs gave a NaN key",
                                 path[0] != '\0' ? path : "params");
        }
        if (++n > PAIRS_MAX) {
            lua_settop(L, copy);
            return am_fail_field(err, path, "%s: __pairs gave more than %d entries",
                                 path[0] != '\0' ? path : "params", PAIRS_MAX);
        }
        lua_pushvalue(L, -2); /* copy, f, s, control, k, v, k */
        lua_insert(L, -2);    /* copy, f, s, control, k, k, v */
        lua_rawset(L, copy);  /* copy, f, s, control, k */
        lua_replace(L, -2);   /* copy, f, s, k */
    }
    lua_settop(L, copy); /* copy */
    return APPMESH_OK;
}

/* "comes from __index" for the member or item at path (pairs would not see it). */
static enum appmesh_status from_index(const char *path, struct appmesh_error *err)
{
    return am_fail_field(err, path,
                         "%s comes from __index, which pairs does not see (give the table a "
                         "__pairs metamethod, or use a plain table)",
                         path);
}

/* Refuse a table without __pairs whose __index supplies name (which pairs would not see). */
static enum appmesh_status
probe_index(lua_State *L, int t, const char *path, const char *name, struct appmesh_error *err)
{
    char member[PATH_MAX_LEN];
    int raw = 0;
    int got = 0;

    lua_pushstring(L, name);
    raw = lua_rawget(L, t);
    lua_pop(L, 1);
    if (raw != LUA_TNIL) {
        return APPMESH_OK;
    }
    got = lua_getfield(L, t, name);
    lua_pop(L, 1);
    if (got == LUA_TNIL) {
        return APPMESH_OK;
    }
    snprintf(member, sizeof(member), "%s%s%s", path, path[0] != '\0' ? "." : "", name);
    return from_index(member, err);
}

/*
 * The table at idx as pairs reads it, to be read raw: *view is idx itself (no __pairs), or a
 * plain copy made through __pairs and pushed. A table with __index and no __pairs is refused
 * when __index supplies a member of shape s, or (s a list) the item after the last raw one.
 */
static enum appmesh_status table_view(lua_State *L,
                                      int idx,
                                      const char *path,
                                      const struct am_shape *s,
                                      int *view,
                                      struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_OK;

    *view = idx;
    if (!lua_getmetatable(L, idx)) {
        return APPMESH_OK;
    }
    lua_pop(L, 1);
    if (has_metafield(L, idx, "__pairs")) {
        st = copy_pairs(L, idx, path, err);
        if (st == APPMESH_OK) {
            *view = lua_gettop(L);
        }
        return st;
    }
    if (!has_metafield(L, idx, "__index")) {
        return APPMESH_OK;
    }
    if (s != NULL && s->type == AM_SHAPE_LIST) {
        lua_Integer next = (lua_Integer)lua_rawlen(L, idx) + 1;
        if (lua_geti(L, idx, next) != LUA_TNIL) {
            char item[PATH_MAX_LEN];
            snprintf(item, sizeof(item), "%s[%lld]", path, (long long)next);
            st = from_index(item, err);
        }
        lua_pop(L, 1);
    } else if (s != NULL) {
        for (uint16_t i = 0; st == APPMESH_OK && i < s->count; i++) {
            st = probe_index(L, idx, path, am_members[s->first + i].name, err);
        }
    }
    return st;
}

enum appmesh_status am_lua_table_view(lua_State *L,
                                      int idx,
                                      const char *path,
                                      const struct am_shape *s,
                                      int *view,
                                      struct appmesh_error *err)
{
    return table_view(L, lua_absindex(L, idx), path, s, view, err);
}

/* ---- member names as Lua strings ---- */

/*
 * Every member name of the model as a Lua string, made once per state: conversions push a name
 * with lua_rawgeti (no hashing of a C string) and find a key's member by comparing the key's
 * string with these (Lua interns short strings, so an equal key is the same string; a key that
 * is not, say a long one, is looked up by its bytes). A userdata in the registry holds the
 * strings' addresses; its user value is the table {[member index + 1] = name} that keeps them.
 */
static const char names_key = 'n';

struct names {
    const char *const *ptr; /* am_member_count entries */
    int table;              /* stack index of the table of names */
};

const char *const *am_lua_push_strings(
    lua_State *L, const void *key, const char *const *first, size_t stride, size_t n, int *table)
{
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, key) != LUA_TUSERDATA) { /* ud | nil */
        const char **ptr = NULL;
        lua_pop(L, 1);
        ptr = lua_newuserdatauv(L, sizeof(*ptr) * (n > 0 ? n : 1), 1); /* ud */
        lua_createtable(L, n < INT_MAX ? (int)n : 0, 0);               /* ud, strings */
        for (size_t i = 0; i < n; i++) {
            lua_pushstring(L,
                           *(const char *const *)(const void *)((const char *)first + i * stride));
            ptr[i] = lua_tostring(L, -1);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        lua_setiuservalue(L, -2, 1); /* ud */
        lua_pushvalue(L, -1);
        lua_rawsetp(L, LUA_REGISTRYINDEX, key);
    }
    lua_getiuservalue(L, -1, 1); /* ud, strings */
    *table = lua_gettop(L);
    return lua_touserdata(L, -2);
}

/* Push the names userdata and its table (2 slots) and fill *n. */
static void push_names(lua_State *L, struct names *n)
{
    n->ptr = am_lua_push_strings(L, &names_key, &am_members[0].name, sizeof(am_members[0]),
                                 am_member_count, &n->table);
}

/* The index within s of the member called key (len bytes, the Lua string's own bytes); -1. */
static int
member_index(const struct names *n, const struct am_shape *s, const char *key, size_t len)
{
    const struct am_member *m = NULL;

    for (uint16_t i = 0; i < s->count; i++) {
        if (n->ptr[s->first + i] == key) {
            return i;
        }
    }
    /* not the same string: a name with a NUL byte is no member (and must not reach the lookup,
     * which reads the table's name past its end for such a key) */
    if (strlen(key) != len) {
        return -1;
    }
    m = am_shape_member(s, key, len);
    return m != NULL ? (int)(m - &am_members[s->first]) : -1;
}

/* ---- Lua -> cJSON ---- */

/* One step of the path to the value being converted: a member's name, or a list position. */
struct frame {
    const char *name; /* NULL for a list position */
    lua_Integer index;
};

/* Frames: one per nested table at most (nesting stops at DEPTH_MAX), and the top. */
#define FRAMES_MAX (DEPTH_MAX + 2)

struct conv {
    lua_State *L;
    struct appmesh_error *err;
    struct json_box *box; /* the root goes in its slot first; every node comes from it */
    struct names names;
    bool borrow;         /* strings point into the Lua strings (see stop_borrowing) */
    int metatables_seen; /* tables with a metatable read so far: Lua code may have run */
    int depth;
    /* The path is kept as frames and formatted only when an error names it. */
    int nframes;
    struct frame frames[FRAMES_MAX];
    size_t len; /* of path, once formatted */
    char path[PATH_MAX_LEN];
};

/* Append n bytes to the formatted path (cut at its end: a path that long is shown cut). */
static void path_append(struct conv *c, const char *p, size_t n)
{
    if (n > sizeof(c->path) - 1 - c->len) {
        n = sizeof(c->path) - 1 - c->len;
    }
    memcpy(c->path + c->len, p, n);
    c->len += n;
    c->path[c->len] = '\0';
}

/* The dotted path of the value being converted ("spec.listeners[1].port"; "" at the top). */
static const char *path_of(struct conv *c)
{
    c->len = 0;
    c->path[0] = '\0';
    for (int f = 0; f < c->nframes; f++) {
        if (c->frames[f].name != NULL) {
            if (c->len > 0) {
                path_append(c, ".", 1);
            }
            path_append(c, c->frames[f].name, strlen(c->frames[f].name));
        } else {
            char digits[24];
            int n = snprintf(digits, sizeof(digits), "[%lld]", (long long)c->frames[f].index);
            path_append(c, digits, n > 0 ? (size_t)n : 0);
        }
    }
    return c->path;
}

/* The path for a message: "params" at the top. */
static const char *where(struct conv *c)
{
    const char *p = path_of(c);
    return p[0] != '\0' ? p : "params";
}

static enum appmesh_status conv_fail(struct conv *c, const char *fmt, ...) APPMESH_PRINTF(2, 3);

static enum appmesh_status conv_fail(struct conv *c, const char *fmt, ...)
{
    char msg[sizeof(c->err->message)];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return am_fail_field(c->err, path_of(c), "%s", msg);
}

static enum appmesh_status nomem(struct conv *c)
{
    return am_fail(c->err, APPMESH_ERR_NOMEM, "out of memory");
}

/* Extend the path by a member; returns the old depth of the path, for path_restore. */
static int path_member(struct conv *c, const char *name)
{
    int old = c->nframes;
    if (c->nframes < FRAMES_MAX) {
        c->frames[c->nframes].name = name;
        c->frames[c->nframes].index = 0;
        c->nframes++;
    }
    return old;
}

/* Extend the path by a list position (from 1). */
static int path_index(struct conv *c, lua_Integer i)
{
    int old = c->nframes;
    if (c->nframes < FRAMES_MAX) {
        c->frames[c->nframes].name = NULL;
        c->frames[c->nframes].index = i;
        c->nframes++;
    }
    return old;
}

static void path_restore(struct conv *c, int old)
{
    c->nframes = old;
}

/* Attach item under parent (the box's slot when parent is NULL); false when item is NULL. */
static bool attach(struct conv *c, cJSON *parent, const char *key, cJSON *item)
{
    if (item == NULL) {
        return false;
    }
    if (parent == NULL) {
        c->box->root = item;
        c->box->arena_tree = true;
        return true;
    }
    /* linking only (the key is the model's constant name): neither allocates */
    return key != NULL ? cJSON_AddItemToObjectCS(parent, key, item)
                       : cJSON_AddItemToArray(parent, item);
}

/* A new node of type from the box (strings: valuestring is set by the caller). */
static cJSON *new_node(struct conv *c, int type)
{
    cJSON *n = box_alloc(c->box, sizeof(*n));
    if (n != NULL) {
        memset(n, 0, sizeof(*n)); /* a constant size: inlined */
        n->type = type;
    }
    return n;
}

/* A copy of the n bytes at p, NUL-terminated, from the box. */
static char *box_strdup(struct conv *c, const char *p, size_t n)
{
    char *copy = box_alloc(c->box, n + 1);
    if (copy != NULL) {
        memcpy(copy, p, n);
        copy[n] = '\0';
    }
    return copy;
}

/* A string node: borrowing str (a Lua string the params hold) or a copy of it. Strings are
 * marked as references: the box, not the node, owns their memory. */
static cJSON *new_string(struct conv *c, const char *str, size_t len)
{
    cJSON *n = new_node(c, cJSON_String | cJSON_IsReference);
    if (n == NULL) {
        return NULL;
    }
    n->valuestring = c->borrow ? (char *)str : box_strdup(c, str, len);
    return n->valuestring != NULL ? n : NULL;
}

/* A number node, as cJSON_CreateNumber makes it (valueint saturated). */
static cJSON *new_number(struct conv *c, double d)
{
    cJSON *n = new_node(c, cJSON_Number);
    if (n != NULL) {
        n->valuedouble = d;
        n->valueint = d >= INT_MAX ? INT_MAX : d <= (double)INT_MIN ? INT_MIN : (int)d;
    }
    return n;
}

static const char *kind_name(const struct am_shape *s)
{
    switch (s->type) {
        case AM_SHAPE_STRUCTURE:
        case AM_SHAPE_UNION:
            return "a table";
        case AM_SHAPE_LIST:
            return "a table (a list)";
        case AM_SHAPE_STRING:
            return "a string";
        case AM_SHAPE_INTEGER:
        case AM_SHAPE_LONG:
            return "an integer";
        case AM_SHAPE_BOOLEAN:
            return "a boolean";
        case AM_SHAPE_TIMESTAMP:
            return "a number (epoch seconds)";
        default:
            return "a value";
    }
}

static enum appmesh_status
conv_value(struct conv *c, int v, const struct am_shape *s, cJSON *parent, const char *key);

/* The known member names of s, "a, b, c", cut to fit out. */
static void member_list(const struct am_shape *s, char *out, size_t outsize)
{
    size_t n = 0;

    out[0] = '\0';
    for (uint16_t i = 0; i < s->count && n + 1 < outsize; i++) {
        int w = snprintf(out + n, outsize - n, "%s%s", i > 0 ? ", " : "",
                         am_members[s->first + i].name);
        if (w < 0 || (size_t)w >= outsize - n) {
            if (outsize > 4) {
                memcpy(out + outsize - 4, "...", 4);
            }
            return;
        }
        n += (size_t)w;
    }
}

/* Give every string of the tree that borrows a Lua string its own copy (in the box). */
static bool own_strings(struct conv *c, cJSON *node)
{
    for (; node != NULL; node = node->next) {
        if (cJSON_IsString(node) && node->valuestring != NULL) {
            node->valuestring = box_strdup(c, node->valuestring, strlen(node->valuestring));
            if (node->valuestring == NULL) {
                return false;
            }
        }
        if (!own_strings(c, node->child)) {
            return false;
        }
    }
    return true;
}

/*
 * Strings are borrowed from the Lua values (no copy) while no Lua code can run: the params
 * table holds them until the call is over. Before a table with a metatable is read (its
 * __pairs or __index may change the params, and a copy made through __pairs is dropped), the
 * strings borrowed so far get their own copies, and every later one is copied.
 */
static enum appmesh_status stop_borrowing(struct conv *c)
{
    if (!c->borrow) {
        return APPMESH_OK;
    }
    c->borrow = false;
    return own_strings(c, c->box->root) ? APPMESH_OK : nomem(c);
}

/*
 * The usual case in one pass: each member converted as lua_next gives it, then the members
 * put back in model order. On an error (a value's, in *c->err, or a bad key:
 * APPMESH_ERR_INVALID_ARGUMENT, *c->err untouched) what was built stays under node; the
 * caller then finds the error to report in the deterministic order, whatever the hash order.
 */
static enum appmesh_status
conv_members_fast(struct conv *c, int view, const struct am_shape *s, cJSON *node)
{
    lua_State *L = c->L;
    enum appmesh_status st = APPMESH_OK;
    cJSON *order[32];
    cJSON *prev = NULL;
    uint32_t present = 0;

    lua_pushnil(L);                  /* key */
    while (lua_next(L, view) != 0) { /* key, value */
        size_t n = 0;
        const char *name = NULL;
        int i = -1;
        int old = 0;
        if (lua_type(L, -2) == LUA_TSTRING) {
            name = lua_tolstring(L, -2, &n);
            i = member_index(&c->names, s, name, n);
        }
        if (i < 0) {
            lua_pop(L, 2);
            return APPMESH_ERR_INVALID_ARGUMENT; /* a bad key: the caller's pass reports it */
        }
        old = path_member(c, am_members[s->first + i].name);
        st = conv_value(c, lua_gettop(L), am_member_shape(&am_members[s->first + i]), node,
                        am_members[s->first + i].name);
        path_restore(c, old);
        lua_pop(L, 1); /* key */
        if (st != APPMESH_OK) {
            lua_pop(L, 1);
            return st;
        }
        present |= (uint32_t)1 << i;
    }
    /* model order: the children were appended in hash order, each under its member's name */
    if (node->child == NULL) {
        return APPMESH_OK;
    }
    for (cJSON *ch = node->child; ch != NULL; ch = ch->next) {
        for (uint16_t i = 0; i < s->count; i++) {
            if (ch->string == am_members[s->first + i].name) {
                order[i] = ch;
                break;
            }
        }
    }
    node->child = NULL;
    for (uint16_t i = 0; i < s->count; i++) {
        if ((present & ((uint32_t)1 << i)) == 0) {
            continue;
        }
        order[i]->prev = prev;
        order[i]->next = NULL;
        if (prev == NULL) {
            node->child = order[i];
        } else {
            prev->next = order[i];
        }
        prev = order[i];
    }
    node->child->prev = prev; /* cJSON: the first child's prev is the last child */
    return APPMESH_OK;
}

/* The table to read t's members from: t itself, or, when t has a metatable (it may run code
 * when read), the view table_view makes of it (pushed on the stack). */
static enum appmesh_status view_of(struct conv *c, int t, const struct am_shape *s, int *view)
{
    enum appmesh_status st = APPMESH_OK;
    *view = t;
    if (lua_getmetatable(c->L, t)) {
        lua_pop(c->L, 1);
        c->metatables_seen++;
        st = stop_borrowing(c);
        if (st == APPMESH_OK) {
            st = table_view(c->L, t, path_of(c), s, view, c->err);
        }
    }
    return st;
}

static enum appmesh_status conv_struct(struct conv *c, int t, const struct am_shape *s, cJSON *node)
{
    lua_State *L = c->L;
    enum appmesh_status st = APPMESH_OK;
    int base = lua_gettop(L);
    int view = 0;
    int bad = 0;
    lua_Integer keys = 0;
    lua_Integer found = 0;
    uint32_t present = 0; /* bit i: member i of s is a key */
    struct appmesh_error saved;
    bool keep = false;

    st = view_of(c, t, s, &view);
    if (st != APPMESH_OK) {
        goto cleanup;
    }
    if (s->count <= 32) {
        int seen = c->metatables_seen;
        st = conv_members_fast(c, view, s, node);
        if (st == APPMESH_OK || st == APPMESH_ERR_NOMEM) {
            goto cleanup;
        }
        /* An error: the one reported is found in the deterministic order below (bad keys
         * first, then the members in model order), without the fast pass's tree. A value's
         * error found after Lua code ran (a proxy's metamethod) is kept as it is, unless a bad
         * key comes first: converting again would run that code again. */
        node->child = NULL; /* the box's memory: freed with the tree */
        if (st == APPMESH_ERR_VALIDATION && c->metatables_seen != seen) {
            saved = *c->err;
            keep = true;
        }
        memset(c->err, 0, sizeof(*c->err));
        st = APPMESH_OK;
    }
    /* First every key: names must be strings and members of s; the one reported when several
     * are bad does not depend on the hash order. */
    lua_pushnil(L); /* bad */
    bad = lua_gettop(L);
    lua_pushnil(L); /* bad, key */
    while (lua_next(L, view) != 0) {
        lua_pop(L, 1); /* bad, key */
        keys++;
        if (lua_type(L, -1) == LUA_TSTRING) {
            size_t n = 0;
            const char *name = lua_tolstring(L, -1, &n);
            int i = member_index(&c->names, s, name, n);
            if (i >= 0) {
                present |= i < 32 ? (uint32_t)1 << i : 0;
                continue;
            }
        }
        if (am_lua_key_precedes(L, -1, bad)) {
            lua_copy(L, -1, bad);
        }
    }
    if (!lua_isnil(L, bad)) {
        char path[PATH_MAX_LEN];
        char known[256];
        am_lua_key_path(L, bad, path_of(c), path, sizeof(path));
        if (lua_type(L, bad) == LUA_TSTRING) {
            member_list(s, known, sizeof(known));
            st = am_fail_field(c->err, path, "unknown parameter %s (known: %s)", path, known);
        } else {
            st = am_fail_field(c->err, path, "%s: parameter names must be strings, got %s", path,
                               luaL_typename(L, bad));
        }
        goto cleanup;
    }
    if (keep) {
        *c->err = saved;
        st = APPMESH_ERR_VALIDATION;
        goto cleanup;
    }
    lua_settop(L, view > base ? view : base);
    /* Then the members in model order (those seen above; every one past the 32nd). */
    for (uint16_t i = 0; st == APPMESH_OK && i < s->count && found < keys; i++) {
        const struct am_member *m = &am_members[s->first + i];
        if (i < 32 && (present & ((uint32_t)1 << i)) == 0) {
            continue;
        }
        lua_rawgeti(L, c->names.table, (lua_Integer)s->first + i + 1); /* name */
        if (lua_rawget(L, view) != LUA_TNIL) {                         /* value */
            int old = path_member(c, m->name);
            found++;
            st = conv_value(c, lua_gettop(L), am_member_shape(m), node, m->name);
            path_restore(c, old);
        }
        lua_pop(L, 1);
    }
cleanup:
    lua_settop(L, base);
    return st;
}

static enum appmesh_status conv_list(struct conv *c, int t, const struct am_shape *s, cJSON *node)
{
    lua_State *L = c->L;
    enum appmesh_status st = APPMESH_OK;
    int base = lua_gettop(L);
    int view = 0;
    int bad = 0;
    lua_Integer n = 0;
    lua_Integer len = 0;
    bool sequence = true;

    st = view_of(c, t, s, &view);
    if (st != APPMESH_OK) {
        goto cleanup;
    }
    lua_pushnil(L); /* bad */
    bad = lua_gettop(L);
    len = (lua_Integer)lua_rawlen(L, view);
    lua_pushnil(L); /* bad, key */
    while (lua_next(L, view) != 0) {
        lua_pop(L, 1);
        n++;
        if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 || lua_tointeger(L, -1) > len) {
            sequence = false;
        }
    }
    /* n entries, each a position 1..len: the list is exactly 1..n. Else find the bad key. */
    lua_pushnil(L);
    while ((!sequence || n != len) && lua_next(L, view) != 0) {
        lua_pop(L, 1);
        if (lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 1 && lua_tointeger(L, -1) <= n) {
            continue;
        }
        if (am_lua_key_precedes(L, -1, bad)) {
            lua_copy(L, -1, bad);
        }
    }
    if (!lua_isnil(L, bad)) {
        char path[PATH_MAX_LEN];
        if (lua_isinteger(L, bad)) {
            am_lua_key_path(L, bad, path_of(c), path, sizeof(path));
            st = am_fail_field(c->err, path,
                               "%s: a list's positions must be 1 to n without gaps (n = %lld)",
                               path, (long long)n);
        } else {
            am_lua_key_path(L, bad, path_of(c), path, sizeof(path));
            st = am_fail_field(c->err, path,
                               "%s: %s is a list, its keys must be the positions 1 to n, got %s",
                               path, where(c), luaL_typename(L, bad));
        }
        goto cleanup;
    }
    for (lua_Integer i = 1; st == APPMESH_OK && i <= n; i++) {
        int old = path_index(c, i);
        lua_rawgeti(L, view, i);
        st = conv_value(c, lua_gettop(L), am_list_item(s), node, NULL);
        lua_pop(L, 1);
        path_restore(c, old);
    }
cleanup:
    lua_settop(L, base);
    return st;
}

static enum appmesh_status conv_string(struct conv *c, int v, cJSON *parent, const char *key)
{
    size_t len = 0;
    const char *str = lua_tolstring(c->L, v, &len);

    /* A cJSON string ends at its first NUL: a NUL byte would cut what is sent. (Invalid UTF-8
     * is the core's validation's, for every string.) */
    if (memchr(str, '\0', len) != NULL) {
        return conv_fail(c, "%s must not contain a NUL byte", where(c));
    }
    return attach(c, parent, key, new_string(c, str, len)) ? APPMESH_OK : nomem(c);
}

static enum appmesh_status
conv_integer(struct conv *c, int v, const struct am_shape *s, cJSON *parent, const char *key)
{
    int isint = 0;
    lua_Integer i = lua_tointegerx(c->L, v, &isint);
    cJSON *item = NULL;

    if (!isint) {
        return conv_fail(c, "%s must be an integer, got %.14g", where(c),
                         (double)lua_tonumber(c->L, v));
    }
    if (s->type == AM_SHAPE_INTEGER && (i < INT32_MIN || i > INT32_MAX)) {
        return conv_fail(c, "%s must be a 32-bit integer, got %lld", where(c), (long long)i);
    }
    if (i >= -EXACT_DOUBLE_MAX && i <= EXACT_DOUBLE_MAX) {
        item = new_number(c, (double)i);
    } else {
        char text[32];
        int n = snprintf(text, sizeof(text), "%lld", (long long)i);
        item = new_node(c, cJSON_Raw | cJSON_IsReference);
        if (item != NULL) {
            item->valuestring = box_strdup(c, text, (size_t)n);
            item = item->valuestring != NULL ? item : NULL;
        }
    }
    return attach(c, parent, key, item) ? APPMESH_OK : nomem(c);
}

static enum appmesh_status
conv_value(struct conv *c, int v, const struct am_shape *s, cJSON *parent, const char *key)
{
    lua_State *L = c->L;
    int type = lua_type(L, v);
    enum appmesh_status st = APPMESH_OK;
    cJSON *node = NULL;
    bool want_table =
        s->type == AM_SHAPE_STRUCTURE || s->type == AM_SHAPE_UNION || s->type == AM_SHAPE_LIST;
    int want = want_table                    ? LUA_TTABLE
               : s->type == AM_SHAPE_STRING  ? LUA_TSTRING
               : s->type == AM_SHAPE_BOOLEAN ? LUA_TBOOLEAN
                                             : LUA_TNUMBER;

    if (type != want) {
        return conv_fail(c, "%s must be %s, got %s", where(c), kind_name(s), lua_typename(L, type));
    }
    switch (s->type) {
        case AM_SHAPE_STRUCTURE:
        case AM_SHAPE_UNION:
        case AM_SHAPE_LIST:
            if (c->depth >= DEPTH_MAX) {
                return conv_fail(c, "%s is nested too deeply", where(c));
            }
            /* a level takes at most 12 slots: room for the next STACK_LEVELS, made once */
            if (c->depth % STACK_LEVELS == 0 && !lua_checkstack(L, 12 * STACK_LEVELS)) {
                return am_fail(c->err, APPMESH_ERR_NOMEM, "out of memory (Lua stack)");
            }
            node = new_node(c, s->type == AM_SHAPE_LIST ? cJSON_Array : cJSON_Object);
            if (!attach(c, parent, key, node)) {
                return nomem(c);
            }
            c->depth++;
            st = s->type == AM_SHAPE_LIST ? conv_list(c, v, s, node) : conv_struct(c, v, s, node);
            c->depth--;
            return st;
        case AM_SHAPE_STRING:
            return conv_string(c, v, parent, key);
        case AM_SHAPE_INTEGER:
        case AM_SHAPE_LONG:
            return conv_integer(c, v, s, parent, key);
        case AM_SHAPE_BOOLEAN:
            return attach(c, parent, key,
                          new_node(c, lua_toboolean(L, v) ? cJSON_True : cJSON_False))
                       ? APPMESH_OK
                       : nomem(c);
        case AM_SHAPE_TIMESTAMP: {
            double d = (double)lua_tonumber(L, v);
            if (!isfinite(d)) {
                return conv_fail(c, "%s must be a finite number of epoch seconds", where(c));
            }
            return attach(c, parent, key, new_number(c, d)) ? APPMESH_OK : nomem(c);
        }
        default:
            return am_fail_field(c->err, path_of(c), "%s has a shape of unknown type %d", where(c),
                                 s->type);
    }
}

enum appmesh_status am_lua_to_json(
    lua_State *L, int idx, const struct am_shape *s, cJSON **slot, struct appmesh_error *err)
{
    struct conv c;
    int top = lua_gettop(L);
    enum appmesh_status st = APPMESH_OK;

    c.L = L;
    c.err = err;
    c.box = (struct json_box *)(void *)slot; /* a box's slot is its first member */
    c.len = 0;
    c.depth = 0;
    c.borrow = true;
    c.metatables_seen = 0;
    c.nframes = 0;
    c.path[0] = '\0';
    idx = lua_absindex(L, idx);
    box_clear(c.box, true);
    luaL_checkstack(L, 4, "appmesh: converter");
    push_names(L, &c.names);
    st = conv_value(&c, idx, s, NULL, NULL);
    lua_settop(L, top);
    if (st != APPMESH_OK) {
        box_clear(c.box, true);
    }
    return st;
}

/* ---- cJSON -> Lua ---- */

/* cJSON's type tests, inline (each cJSON_Is* is a call into the shared library). */
#define IS_TYPE(v, t) (((v)->type & 0xFF) == (t))

/* An integer member: a number, or the exact decimal text of a cJSON_Raw. */
static bool push_integer(lua_State *L, const cJSON *v)
{
    if (IS_TYPE(v, cJSON_Raw) && v->valuestring != NULL) {
        char *end = NULL;
        long long n = 0;
        errno = 0;
        n = strtoll(v->valuestring, &end, 10);
        if (errno == 0 && end != v->valuestring && *end == '\0') {
            lua_pushinteger(L, (lua_Integer)n);
            return true;
        }
        return false;
    }
    if (IS_TYPE(v, cJSON_Number)) {
        double d = v->valuedouble;
        if (d >= -9223372036854775808.0 && d < 9223372036854775808.0 && d == floor(d)) {
            lua_pushinteger(L, (lua_Integer)d);
        } else {
            lua_pushnumber(L, (lua_Number)d);
        }
        return true;
    }
    return false;
}

static int count_children(const cJSON *v)
{
    int n = 0;
    for (const cJSON *ch = v->child; ch != NULL && n < INT_MAX; ch = ch->next) {
        n++;
    }
    return n;
}

/*
 * The member of s called name (a cJSON key); NULL. The search starts at *next, the member after
 * the previous one found, and goes round: members in model order (as the service and cJSON
 * write them) are each found at the first comparison.
 */
static const struct am_member *
find_member(const struct am_shape *s, const char *name, uint16_t *next)
{
    for (uint16_t k = 0; k < s->count; k++) {
        uint16_t i = (uint16_t)((*next + k) % s->count);
        const struct am_member *m = &am_members[s->first + i];
        if (m->name[0] == name[0] && strcmp(m->name, name) == 0) {
            *next = (uint16_t)(i + 1);
            return m;
        }
    }
    return NULL;
}

/* Push v as shape s says; false (nothing pushed) when v is not of that shape's JSON type.
 * n: the member names (push_names). */
static bool
push_value(lua_State *L, const cJSON *v, const struct am_shape *s, const struct names *n, int depth)
{
    uint16_t next = 0;

    switch (s->type) {
        case AM_SHAPE_STRUCTURE:
        case AM_SHAPE_UNION:
            if (!IS_TYPE(v, cJSON_Object) || depth >= DEPTH_MAX) {
                return false;
            }
            if (depth % STACK_LEVELS == 0) { /* a level takes at most 4 slots */
                luaL_checkstack(L, 4 * STACK_LEVELS, "appmesh: output nesting");
            }
            lua_createtable(L, 0, count_children(v)); /* t */
            next = 0;
            for (const cJSON *ch = v->child; ch != NULL; ch = ch->next) {
                const struct am_member *m = NULL;
                if (ch->string == NULL) {
                    continue;
                }
                m = find_member(s, ch->string, &next);
                if (m == NULL) {
                    continue;
                }
                lua_rawgeti(L, n->table, (lua_Integer)(m - am_members) + 1); /* t, name */
                if (push_value(L, ch, am_member_shape(m), n, depth + 1)) {
                    lua_rawset(L, -3); /* t */
                } else {
                    lua_pop(L, 1); /* t */
                }
            }
            return true;
        case AM_SHAPE_LIST: {
            lua_Integer i = 0;
            if (!IS_TYPE(v, cJSON_Array) || depth >= DEPTH_MAX) {
                return false;
            }
            if (depth % STACK_LEVELS == 0) { /* a level takes at most 4 slots */
                luaL_checkstack(L, 4 * STACK_LEVELS, "appmesh: output nesting");
            }
            lua_createtable(L, count_children(v), 0); /* t */
            for (const cJSON *ch = v->child; ch != NULL; ch = ch->next) {
                if (push_value(L, ch, am_list_item(s), n, depth + 1)) {
                    lua_rawseti(L, -2, ++i); /* t */
                }
            }
            return true;
        }
        case AM_SHAPE_STRING:
            if (!IS_TYPE(v, cJSON_String) || v->valuestring == NULL) {
                return false;
            }
            lua_pushstring(L, v->valuestring);
            return true;
        case AM_SHAPE_INTEGER:
        case AM_SHAPE_LONG:
            return push_integer(L, v);
        case AM_SHAPE_BOOLEAN:
            if (!(IS_TYPE(v, cJSON_True) || IS_TYPE(v, cJSON_False))) {
                return false;
            }
            lua_pushboolean(L, IS_TYPE(v, cJSON_True));
            return true;
        case AM_SHAPE_TIMESTAMP:
            if (IS_TYPE(v, cJSON_Number)) {
                lua_pushnumber(L, (lua_Number)v->valuedouble);
                return true;
            }
            if (IS_TYPE(v, cJSON_Raw) && v->valuestring != NULL) {
                lua_pushnumber(L, (lua_Number)strtod(v->valuestring, NULL));
                return true;
            }
            return false;
        default:
            return false;
    }
}

void am_lua_push_json(lua_State *L, const cJSON *v, const struct am_shape *s)
{
    struct names n;
    bool pushed = false;

    luaL_checkstack(L, 4, "appmesh: converter");
    push_names(L, &n); /* ud, names */
    pushed = v != NULL && push_value(L, v, s, &n, 0);
    if (pushed) {
        lua_replace(L, -3); /* value, names */
        lua_pop(L, 1);      /* value */
        return;
    }
    lua_pop(L, 2);
    if (s->type == AM_SHAPE_STRUCTURE || s->type == AM_SHAPE_UNION || s->type == AM_SHAPE_LIST) {
        lua_newtable(L);
    } else {
        lua_pushnil(L);
    }
}
