/* SPDX-License-Identifier: MIT */
/* Replays fuzz inputs through a target without libFuzzer: files and directories as arguments. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Run one file through the target, from an allocation of exactly its size (so that ASan sees
 * any read past the input). Returns 0, or 1 when the file cannot be read. */
static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    unsigned char *data = NULL;
    long size = 0;
    int rc = 1;

    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        goto cleanup;
    }
    data = malloc(size > 0 ? (size_t)size : 1);
    if (data == NULL || (size > 0 && fread(data, 1, (size_t)size, f) != (size_t)size)) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        goto cleanup;
    }
    LLVMFuzzerTestOneInput(data, (size_t)size);
    rc = 0;
cleanup:
    free(data);
    if (f != NULL) {
        fclose(f);
    }
    return rc;
}

/* Every regular file in dir whose name does not start with '.', in name order. */
static int replay_dir(const char *dir, long *count)
{
    DIR *d = opendir(dir);
    struct dirent *e = NULL;
    char **names = NULL;
    size_t n = 0;
    size_t cap = 0;
    size_t i = 0;
    int rc = 0;

    if (d == NULL) {
        fprintf(stderr, "replay: cannot open %s\n", dir);
        return 1;
    }
    while ((e = readdir(d)) != NULL) {
        char path[4096];
        struct stat sb;
        if (e->d_name[0] == '.') {
            continue;
        }
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
            continue;
        }
        if (n == cap) {
            char **grown = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof(*names));
            if (grown == NULL) {
                rc = 1;
                break;
            }
            names = grown;
        }
        names[n] = malloc(strlen(path) + 1);
        if (names[n] == NULL) {
            rc = 1;
            break;
        }
        memcpy(names[n], path, strlen(path) + 1);
        n++;
    }
    closedir(d);
    if (n > 0) {
        qsort(names, n, sizeof(*names), by_name);
    }
    for (i = 0; i < n; i++) {
        if (rc == 0) {
            rc = replay_file(names[i]);
            (*count)++;
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    long count = 0;
    int i = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
        return 2;
    }
    for (i = 1; i < argc; i++) {
        struct stat sb;
        int rc = 0;
        if (stat(argv[i], &sb) != 0) {
            fprintf(stderr, "replay: cannot find %s\n", argv[i]);
            return 1;
        }
        if (S_ISDIR(sb.st_mode)) {
            rc = replay_dir(argv[i], &count);
        } else {
            rc = replay_file(argv[i]);
            count++;
        }
        if (rc != 0) {
            return 1;
        }
    }
    if (count == 0) {
        fprintf(stderr, "replay: no inputs in the arguments\n");
        return 1;
    }
    printf("replayed %ld inputs\n", count);
    return 0;
}
