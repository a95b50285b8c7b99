/* SPDX-License-Identifier: MIT */
/* Lookups over the generated operation and shape tables (shapes_gen.c). */
#include "shapes.h"

#include <string.h>

/*
 * strcmp order between a table name and len bytes of key (the key need not end in a NUL, and
 * a NUL inside it never matches): the name is read only up to its own end.
 */
static int compare_n(const char *name, const char *key, size_t len)
{
    size_t nl = strnlen(name, len + 1);
    int c = memcmp(name, key, nl < len ? nl : len);
    if (c != 0) {
        return c;
    }
    if (nl == len) {
        return 0;
    }
    return nl < len ? -1 : 1;
}

static bool is_snake(const char *name, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (name[i] >= 'A' && name[i] <= 'Z') {
            return false;
        }
    }
    return true;
}

static const char *op_name(const struct am_operation *op, bool snake)
{
    return snake ? op->snake : op->name;
}

const struct am_operation *am_operation_find_n(const char *name, size_t len)
{
    if (name == NULL || len == 0 || memchr(name, '\0', len) != NULL) {
        return NULL;
    }
    /* The generator checks that both name columns sort alike, so one binary search serves. */
    bool snake = is_snake(name, len);
    size_t lo = 0;
    size_t hi = am_operation_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = compare_n(op_name(&am_operations[mid], snake), name, len);
        if (c == 0) {
            return &am_operations[mid];
        }
        if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return NULL;
}

const struct am_operation *am_operation_find(const char *name)
{
    return name == NULL ? NULL : am_operation_find_n(name, strlen(name));
}

/* Edit distance (insertions, deletions, substitutions; case-insensitive), capped at 255. */
static unsigned edit_distance(const char *a, const char *b)
{
    enum { MAXLEN = 64 };
    size_t la = strlen(a);
    size_t lb = strlen(b);
    if (la >= MAXLEN || lb >= MAXLEN) {
        return 255;
    }
    unsigned row[MAXLEN + 1];
    for (size_t j = 0; j <= lb; j++) {
        row[j] = (unsigned)j;
    }
    for (size_t i = 1; i <= la; i++) {
        unsigned diag = row[0];
        row[0] = (unsigned)i;
        for (size_t j = 1; j <= lb; j++) {
            char ca = a[i - 1] >= 'A' && a[i - 1] <= 'Z' ? (char)(a[i - 1] + 32) : a[i - 1];
            char cb = b[j - 1] >= 'A' && b[j - 1] <= 'Z' ? (char)(b[j - 1] + 32) : b[j - 1];
            unsigned best = diag + (ca == cb ? 0u : 1u);
            if (row[j] + 1 < best) {
                best = row[j] + 1;
            }
            if (row[j - 1] + 1 < best) {
                best = row[j - 1] + 1;
            }
            diag = row[j];
            row[j] = best;
        }
    }
    return row[lb] > 255 ? 255 : row[lb];
}

size_t am_operation_nearest(const char *name, const char **out, size_t max)
{
    if (name == NULL || out == NULL || max == 0) {
        return 0;
    }
    bool snake = is_snake(name, strlen(name));
    size_t n = 0;
    unsigned dist[8];
    if (max > 8) {
        max = 8;
    }
    for (size_t i = 0; i < am_operation_count; i++) {
        const char *cand = op_name(&am_operations[i], snake);
        unsigned d = edit_distance(name, cand);
        /* A prefix match ("list_virtual") counts as close whatever its length. */
        size_t nl = strlen(name);
        if (nl >= 4 && strncmp(cand, name, nl) == 0) {
            d = 1;
        }
        if (d > 1 + strlen(cand) / 3) {
            continue;
        }
        size_t pos = n < max ? n : max;
        while (pos > 0 && dist[pos - 1] > d) {
            pos--;
        }
        if (pos >= max) {
            continue;
        }
        size_t last = n < max ? n : max - 1;
        for (size_t k = last; k > pos; k--) {
            out[k] = out[k - 1];
            dist[k] = dist[k - 1];
        }
        out[pos] = cand;
        dist[pos] = d;
        if (n < max) {
            n++;
        }
    }
    return n;
}

const struct am_member *am_shape_member(const struct am_shape *s, const char *name, size_t n)
{
    if (s == NULL || (s->type != AM_SHAPE_STRUCTURE && s->type != AM_SHAPE_UNION)) {
        return NULL;
    }
    for (uint16_t i = 0; i < s->count; i++) {
        const struct am_member *m = &am_members[s->first + i];
        if (compare_n(m->name, name, n) == 0) {
            return m;
        }
    }
    return NULL;
}
