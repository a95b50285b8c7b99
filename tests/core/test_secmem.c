/* SPDX-License-Identifier: MIT */
/* Tests for secmem.c, and that no secret is left where a core dump would keep it. */
#define _DEFAULT_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

#include "appmesh/appmesh.h"
#include "internal.h"
#include "rig.h"
#include "secmem.h"

/* ---- what a core dump would hold: readable mappings not marked dd (MADV_DONTDUMP) ---- */

struct region {
    uintptr_t start, end;
    bool dontdump;
};

/* The mappings of this process (from /proc/self/smaps); returns how many, at most max. */
static size_t read_regions(struct region *out, size_t max)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    char line[512];
    size_t n = 0;
    bool open_region = false;
    if (f == NULL) {
        return 0;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        unsigned long start = 0, end = 0;
        char perms[8] = "";
        if (sscanf(line, "%lx-%lx %7s", &start, &end, perms) == 3 && strchr(line, '-') != NULL &&
            line[0] != 'V') {
            open_region = false;
            /* readable, not too large (sanitizers reserve terabytes), not the vdso's data */
            if (perms[0] == 'r' && end - start <= (1ul << 30) && strstr(line, "[vvar]") == NULL &&
                strstr(line, "[vsyscall]") == NULL && n < max) {
                out[n].start = start;
                out[n].end = end;
                out[n].dontdump = false;
                n++;
                open_region = true;
            }
        } else if (open_region && strncmp(line, "VmFlags:", 8) == 0) {
            out[n - 1].dontdump = strstr(line, " dd") != NULL;
        }
    }
    fclose(f);
    return n;
}

/*
 * Count the places outside dd mappings that hold `needle`. The needle is given shifted by one
 * (each byte + 1), so the copy the test itself keeps is not counted; the scan buffer is a
 * secmem block, which the scan skips.
 */
static long count_in_dump(const char *shifted, size_t len)
{
    enum { CHUNK = 1 << 20, MAX_REGIONS = 4096 };
    static struct region regions[MAX_REGIONS];
    size_t n = read_regions(regions, MAX_REGIONS);
    unsigned char *buf = am_secmem_alloc(CHUNK + 64);
    int fd = open("/proc/self/mem", O_RDONLY);
    long found = 0;
    if (buf == NULL || fd < 0 || len == 0 || len > 64) {
        am_secmem_free(buf);
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    for (size_t r = 0; r < n; r++) {
        if (regions[r].dontdump) {
            continue;
        }
        for (uintptr_t at = regions[r].start; at < regions[r].end; at += CHUNK) {
            size_t want =
                regions[r].end - at < CHUNK + len - 1 ? regions[r].end - at : CHUNK + len - 1;
            ssize_t got = pread(fd, buf, want, (off_t)at);
            if (got <= 0) {
                break;
            }
            for (ssize_t i = 0; i + (ssize_t)len <= got; i++) {
                size_t k = 0;
                while (k < len &&
                       (unsigned char)(buf[i + (ssize_t)k] + 1) == (unsigned char)shifted[k]) {
                    k++;
                }
                if (k == len && (i < CHUNK)) {
                    found++;
                }
            }
        }
    }
    close(fd);
    am_secmem_free(buf);
    return found;
}

/* A fresh secret-looking value in buf (len bytes + NUL) and its shifted twin. */
static void make_canary(const char *prefix, char *buf, size_t len, char *shifted)
{
    static unsigned seq = 0;
    snprintf(buf, len + 1, "%s%08x%08lx", prefix, ++seq * 2654435761u, (unsigned long)getpid());
    for (size_t i = 0; i < len; i++) {
        shifted[i] = (char)(buf[i] + 1);
    }
}

static void forget(char *buf, size_t len)
{
    am_zeroize(buf, len);
}

/* ---- secmem itself ---- */

static bool is_dontdump(const void *p)
{
    static struct region regions[4096];
    size_t n = read_regions(regions, 4096);
    for (size_t i = 0; i < n; i++) {
        if ((uintptr_t)p >= regions[i].start && (uintptr_t)p < regions[i].end) {
            return regions[i].dontdump;
        }
    }
    return false;
}

static int keeps_blocks_out_of_core_dumps_and_unmaps_them(void)
{
    long live = am_secmem_live();
    char *s = am_secmem_strdup("a secret");
    unsigned char *big = am_secmem_alloc(10000);
    CHECK(s != NULL && big != NULL, "allocated");
    CHECK_STR_EQ(s, "a secret");
    for (size_t i = 0; i < 10000; i++) {
        CHECK(big[i] == 0, "zeroed");
    }
    big[9999] = 1;
    CHECK(am_secmem_live() == live + 2, "two blocks live");
    if (am_secmem_dontdump()) {
        CHECK(is_dontdump(s) && is_dontdump(big + 9999), "the pages carry the dd flag");
    } else {
        fprintf(stderr, "  (MADV_DONTDUMP unknown here: the dd check is skipped)\n");
    }
    am_secmem_free(s);
    am_secmem_free(big);
    am_secmem_free(NULL);
    CHECK(am_secmem_live() == live, "both unmapped");
    CHECK(am_secmem_alloc(0) == NULL && am_secmem_strdup(NULL) == NULL, "nothing for nothing");
    return 0;
}

/* ---- no secret where a core dump keeps it, during and after calls ---- */

struct scanning {
    const char *secret_shifted, *token_shifted;
    size_t secret_len, token_len;
    long secret_seen, token_seen; /* outside dd pages while the request was being sent */
    int sends;
};

static enum appmesh_status scan_send(void *impl,
                                     const struct appmesh_http_request *req,
                                     struct appmesh_http_response *resp,
                                     struct appmesh_error *err)
{
    struct scanning *s = impl;
    (void)req;
    s->sends++;
    s->secret_seen += count_in_dump(s->secret_shifted, s->secret_len);
    s->token_seen += count_in_dump(s->token_shifted, s->token_len);
    resp->status = 200;
    am_buf_reset(&resp->headers);
    am_buf_reset(&resp->body);
    return am_buf_append_str(&resp->body,
                             "{\"meshName\":\"ecs-mesh\",\"virtualServiceName\":\"colorgateway."
                             "default.svc.cluster.local\","
                             "\"spec\":{},\"status\":{\"status\":\"ACTIVE\"},"
                             "\"metadata\":{\"version\":2}}",
                             err);
}

static void scan_destroy(void *impl)
{
    (void)impl;
}

static const struct appmesh_transport_vtable scan_vtable = {scan_send, scan_destroy};

static int keeps_no_secret_outside_dontdump_pages(void)
{
    enum { LEN = 28 };
    char secret[LEN + 1], token[LEN + 1], secret_shifted[LEN], token_shifted[LEN];
    struct scanning sc = {0};
    struct rig r;
    struct appmesh_error err = {0};
    struct appmesh_credentials creds = {"AKIDEXAMPLE", secret, token};
    struct appmesh_update_virtual_service_input in = node_input();
    struct appmesh_virtual_service_data out = {0};

    if (!am_secmem_dontdump()) {
        fprintf(stderr, "  (MADV_DONTDUMP unknown here: skipped)\n");
        return 0;
    }
    make_canary("CANARYSECRET", secret, LEN, secret_shifted);
    make_canary("CANARYTOKEN-", token, LEN, token_shifted);
    sc.secret_shifted = secret_shifted;
    sc.token_shifted = token_shifted;
    sc.secret_len = sc.token_len = LEN;

    CHECK_OK(rig_open(&r, NULL, 0, &err), &err);
    r.transport.vtable = &scan_vtable;
    r.transport.impl = &sc;
    r.opts.credentials = &creds;
    CHECK_OK(rig_client(&r, &err), &err);
    forget(secret, sizeof(secret)); /* the client has its own copies now */
    forget(token, sizeof(token));
    CHECK(count_in_dump(secret_shifted, LEN) == 0, "the secret outside dd pages after new");

    for (int i = 0; i < 3; i++) {
        CHECK_OK(appmesh_client_update_virtual_service(r.client, &in, &out, NULL, &err), &err);
        appmesh_virtual_service_data_cleanup(&out);
        CHECK(count_in_dump(secret_shifted, LEN) == 0, "the secret outside dd pages between calls");
        CHECK(count_in_dump(token_shifted, LEN) == 0, "the token outside dd pages between calls");
    }
    CHECK(sc.sends == 3, "three requests");
    CHECK(sc.secret_seen == 0, "the secret outside dd pages while a request was sent");
    /* The request being sent references the token; it is never copied outside dd pages. */
    CHECK(sc.token_seen == 0, "the token outside dd pages while a request was sent");
    appmesh_client_destroy(r.client);
    CHECK(count_in_dump(secret_shifted, LEN) == 0, "the secret after destroy");
    CHECK(count_in_dump(token_shifted, LEN) == 0, "the token after destroy");
    return 0;
}

static const struct test_case cases[] = {
    {"keeps_blocks_out_of_core_dumps_and_unmaps_them",
     keeps_blocks_out_of_core_dumps_and_unmaps_them},
    {"keeps_no_secret_outside_dontdump_pages", keeps_no_secret_outside_dontdump_pages},
};

TEST_MAIN("secmem", cases)
