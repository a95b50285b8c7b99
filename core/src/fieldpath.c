/* SPDX-License-Identifier: MIT */
/* Field paths as frames, formatted on demand for error messages. */
#include "fieldpath.h"

#include <stdio.h>

size_t am_path_push(struct am_path *p, const char *name, size_t index)
{
    size_t old = p->n;
    if (p->n < sizeof(p->frames) / sizeof(p->frames[0])) {
        p->frames[p->n].name = name;
        p->frames[p->n].index = index;
        p->n++;
    }
    return old;
}

void am_path_pop(struct am_path *p, size_t old)
{
    p->n = old;
}

const char *am_path_text(struct am_path *p, const char *empty)
{
    size_t len = 0;

    p->text[0] = '\0';
    for (size_t i = 0; i < p->n && len < sizeof(p->text) - 1; i++) {
        const struct am_path_frame *f = &p->frames[i];
        int w = f->name != NULL ? snprintf(p->text + len, sizeof(p->text) - len, "%s%s",
                                           len > 0 ? "." : "", f->name)
                                : snprintf(p->text + len, sizeof(p->text) - len, "[%zu]",
                                           f->index + p->list_base);
        len = w < 0 ? len
                    : (len + (size_t)w < sizeof(p->text) ? len + (size_t)w : sizeof(p->text) - 1);
    }
    return len > 0 ? p->text : empty;
}

const char *am_path_member(const struct am_path *p)
{
    return p->n > 0 ? p->frames[p->n - 1].name : NULL;
}
