/* SPDX-License-Identifier: MIT */
/* The dotted path of the value being read ("spec.listeners[0].portMapping"), kept as frames. */
#ifndef APPMESH_FIELDPATH_H
#define APPMESH_FIELDPATH_H

#include <stddef.h>

/* Nesting deeper than any App Mesh shape (about 12 levels) is refused, not recursed into. */
#define AM_PATH_MAX_DEPTH 32

struct am_path_frame {
    const char *name; /* a member, or NULL for a list position */
    size_t index;
};

/*
 * Frames are pushed and popped as a reader walks a value, and formatted only when an error
 * names them: formatting a path for every member cost a quarter of the generic call path.
 */
struct am_path {
    struct am_path_frame frames[2 * AM_PATH_MAX_DEPTH + 2];
    size_t n;
    size_t list_base; /* added to list positions: 1 for Lua's paths, 0 for JSON's */
    char text[256];   /* scratch for am_path_text() */
};

/** Enter a member (name) or a list position (name NULL); returns the depth to restore. */
size_t am_path_push(struct am_path *p, const char *name, size_t index);

/** Leave what was entered since am_path_push returned old. */
void am_path_pop(struct am_path *p, size_t old);

/** The path as text (in p->text, cut at 255 bytes), or `empty` at the top level. */
const char *am_path_text(struct am_path *p, const char *empty);

/** The innermost member's name, or NULL at the top or in a list position. */
const char *am_path_member(const struct am_path *p);

#endif
