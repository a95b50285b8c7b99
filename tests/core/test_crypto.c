/* SPDX-License-Identifier: MIT */
/* Tests for crypto_mbedtls.c: SHA-256 and HMAC known answers, hex, random bytes, UUIDv4. */
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crypto.h"
#include "harness.h"

struct digest_case {
    const char *key; /* NULL for plain SHA-256 */
    size_t keylen;
    const char *data;
    size_t datalen;
    const char *want;
};

/* FIPS 180-2 appendix B and RFC 4231 test cases 1, 2 and 6. */
static const unsigned char rfc4231_key6[131] = {
#define AA8 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa
    AA8, AA8, AA8, AA8, AA8, AA8, AA8,  AA8,  AA8,  AA8,
    AA8, AA8, AA8, AA8, AA8, AA8, 0xaa, 0xaa, 0xaa,
#undef AA8
};

static const struct digest_case digest_cases[] = {
    {NULL, 0, "abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {NULL, 0, "", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    {NULL, 0, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    {"\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b", 20,
     "Hi There", 8, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
    {"Jefe", 4, "what do ya want for nothing?", 28,
     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
    {(const char *)rfc4231_key6, sizeof(rfc4231_key6),
     "Test Using Larger Than Block-Size Key - Hash Key First", 54,
     "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
};

static int computes_known_digests(void)
{
    size_t i = 0;
    struct appmesh_error err = {0};
    for (i = 0; i < sizeof(digest_cases) / sizeof(digest_cases[0]); i++) {
        const struct digest_case *c = &digest_cases[i];
        unsigned char md[32];
        char hex[65];
        if (c->key == NULL) {
            CHECK_OK(am_sha256(c->data, c->datalen, md, &err), &err);
        } else {
            CHECK_OK(am_hmac_sha256(c->key, c->keylen, c->data, c->datalen, md, &err), &err);
        }
        am_hex_encode(md, 32, hex);
        CHECK_STR_EQ(hex, c->want);
    }
    return 0;
}

static int reusable_context_gives_the_same_digests(void)
{
    struct am_sha256_ctx *ctx = NULL;
    struct appmesh_error err = {0};
    size_t round = 0;
    size_t i = 0;

    CHECK_OK(am_sha256_ctx_new(&test_allocator, &ctx, &err), &err);
    for (round = 0; round < 2; round++) { /* interleaved hash and HMAC, twice over */
        for (i = 0; i < sizeof(digest_cases) / sizeof(digest_cases[0]); i++) {
            const struct digest_case *c = &digest_cases[i];
            unsigned char md[32];
            char hex[65];
            long calls = test_alloc_state.calls;
            if (c->key == NULL) {
                CHECK_OK(am_sha256_ctx_digest(ctx, c->data, c->datalen, md, &err), &err);
            } else {
                CHECK_OK(am_sha256_ctx_hmac(ctx, c->key, c->keylen, c->data, c->datalen, md, &err),
                         &err);
            }
            CHECK_INT_EQ(test_alloc_state.calls, calls);
            am_hex_encode(md, 32, hex);
            CHECK_STR_EQ(hex, c->want);
        }
    }
    am_sha256_ctx_destroy(ctx);
    am_sha256_ctx_destroy(NULL);
    return 0;
}

static int encodes_lower_case_hex(void)
{
    static const unsigned char in[] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
    char out[13];
    am_hex_encode(in, sizeof(in), out);
    CHECK_STR_EQ(out, "00017f80abff");
    am_hex_encode(in, 0, out);
    CHECK_STR_EQ(out, "");
    return 0;
}

static int compares_in_constant_time(void)
{
    CHECK(am_ct_equal("abc", 3, "abc", 3), "equal");
    CHECK(!am_ct_equal("abc", 3, "abd", 3), "last byte differs");
    CHECK(!am_ct_equal("abc", 3, "abcd", 4), "lengths differ");
    CHECK(am_ct_equal("", 0, "x", 0), "empty");
    return 0;
}

static int cmp_uuid(const void *a, const void *b)
{
    return memcmp(a, b, 37);
}

static int generates_unique_version4_uuids(void)
{
    enum { N = 1000 };
    static char ids[N][37];
    struct am_drbg *drbg = NULL;
    struct appmesh_error err = {0};
    size_t i = 0;
    size_t j = 0;

    CHECK_OK(am_drbg_new(&test_allocator, &drbg, &err), &err);
    for (i = 0; i < N; i++) {
        const char *u = ids[i];
        CHECK_OK(am_uuid4(drbg, ids[i], &err), &err);
        CHECK_INT_EQ(strlen(u), 36);
        for (j = 0; j < 36; j++) {
            if (j == 8 || j == 13 || j == 18 || j == 23) {
                CHECK(u[j] == '-', u);
            } else {
                CHECK((u[j] >= '0' && u[j] <= '9') || (u[j] >= 'a' && u[j] <= 'f'), u);
            }
        }
        CHECK(u[14] == '4', u);                  /* version 4 */
        CHECK(strchr("89ab", u[19]) != NULL, u); /* RFC 4122 variant */
    }
    am_drbg_destroy(drbg);
    qsort(ids, N, sizeof(ids[0]), cmp_uuid);
    for (i = 1; i < N; i++) {
        CHECK(strcmp(ids[i - 1], ids[i]) != 0, ids[i]);
    }
    return 0;
}

static int fills_random_buffers_of_any_size(void)
{
    static unsigned char buf[5000];
    struct am_drbg *drbg = NULL;
    struct appmesh_error err = {0};
    size_t i = 0;
    size_t zeros = 0;

    CHECK_OK(am_drbg_new(&test_allocator, &drbg, &err), &err);
    CHECK_OK(am_drbg_random(drbg, buf, 0, &err), &err);
    CHECK_OK(am_drbg_random(drbg, buf, sizeof(buf), &err), &err); /* past one request's cap */
    for (i = 0; i < sizeof(buf); i++) {
        zeros += buf[i] == 0;
    }
    CHECK(zeros < 100, "random bytes look random"); /* about 20 expected */
    am_drbg_destroy(drbg);
    am_drbg_destroy(NULL);
    return 0;
}

/* A forked child must not repeat the parent's random stream (same clientTokens otherwise).
 * With draw_first, the parent has drawn before the fork, so that bytes drawn ahead are waiting
 * in the generator: the child must not hand out those either. */
static int fork_draws_differ(bool draw_first)
{
    struct am_drbg *drbg = NULL;
    struct appmesh_error err = {0};
    char parent[37];
    char child[37] = {0};
    int fds[2];
    pid_t pid = 0;
    int status = 0;

    CHECK_OK(am_drbg_new(&test_allocator, &drbg, &err), &err);
    if (draw_first) {
        CHECK_OK(am_uuid4(drbg, parent, &err), &err);
    }
    CHECK(pipe(fds) == 0, "pipe");
    pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        char u[37] = {0};
        ssize_t n = 0;
        if (am_uuid4(drbg, u, NULL) == APPMESH_OK) {
            n = write(fds[1], u, sizeof(u));
        }
        _exit(n == (ssize_t)sizeof(u) ? 0 : 1);
    }
    close(fds[1]);
    CHECK_OK(am_uuid4(drbg, parent, &err), &err);
    CHECK(read(fds[0], child, sizeof(child)) == (ssize_t)sizeof(child), "child's uuid");
    close(fds[0]);
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "child exited cleanly");
    CHECK(strcmp(parent, child) != 0, child);
    am_drbg_destroy(drbg);
    return 0;
}

static int reseeds_after_fork(void)
{
    return fork_draws_differ(false);
}

static int forgets_the_bytes_drawn_ahead_after_fork(void)
{
    return fork_draws_differ(true);
}

/* Small draws come from bytes drawn ahead: in any mix of sizes none is handed out twice. */
static int hands_out_each_drawn_byte_once(void)
{
    enum { DRAWS = 200 };
    static unsigned char got[DRAWS][48];
    static const size_t sizes[] = {16, 4, 1, 48, 16, 33, 16, 7};
    struct am_drbg *drbg = NULL;
    struct appmesh_error err = {0};
    size_t i = 0;
    size_t j = 0;

    CHECK_OK(am_drbg_new(&test_allocator, &drbg, &err), &err);
    for (i = 0; i < DRAWS; i++) {
        CHECK_OK(am_drbg_random(drbg, got[i], sizes[i % 8], &err), &err);
    }
    am_drbg_destroy(drbg);
    /* Two draws of 16 bytes or more with the same first 16 bytes would be a repeat. */
    for (i = 0; i < DRAWS; i++) {
        for (j = i + 1; j < DRAWS; j++) {
            if (sizes[i % 8] >= 16 && sizes[j % 8] >= 16) {
                CHECK(memcmp(got[i], got[j], 16) != 0, "a draw repeats an earlier one");
            }
        }
    }
    return 0;
}

static enum appmesh_status make_crypto_objects(void *ctx)
{
    struct am_drbg *drbg = NULL;
    struct am_sha256_ctx *hash = NULL;
    struct appmesh_error err = {0};
    enum appmesh_status st = APPMESH_OK;
    char uuid[37];

    (void)ctx;
    st = am_drbg_new(&test_allocator, &drbg, &err);
    if (st == APPMESH_OK) {
        st = am_uuid4(drbg, uuid, &err);
    }
    if (st == APPMESH_OK) {
        st = am_sha256_ctx_new(&test_allocator, &hash, &err);
    }
    am_sha256_ctx_destroy(hash);
    am_drbg_destroy(drbg);
    return st;
}

static int survives_allocation_failures(void)
{
    return test_oom_loop(make_crypto_objects, NULL, 20);
}

static int keyed_hmac_matches_the_plain_one(void)
{
    static const char *const keys[] = {"Jefe", "", "0123456789abcdef0123456789abcdef"};
    static const char *const msgs[] = {"what do ya want for nothing?", "", "x"};
    struct appmesh_error err = {0};
    struct am_sha256_ctx *ctx = NULL;
    unsigned char want[32], got[32];
    size_t k = 0, m = 0;

    CHECK_OK(am_sha256_ctx_new(&test_allocator, &ctx, &err), &err);
    CHECK_STATUS(am_sha256_ctx_hmac_keyed(ctx, "x", 1, got, &err), APPMESH_ERR_INTERNAL, &err);
    memset(&err, 0, sizeof(err));
    for (k = 0; k < 3; k++) {
        CHECK_OK(am_sha256_ctx_set_hmac_key(ctx, keys[k], strlen(keys[k]), &err), &err);
        for (m = 0; m < 3; m++) {
            CHECK_OK(am_hmac_sha256(keys[k], strlen(keys[k]), msgs[m], strlen(msgs[m]), want, &err),
                     &err);
            CHECK_OK(am_sha256_ctx_hmac_keyed(ctx, msgs[m], strlen(msgs[m]), got, &err), &err);
            CHECK(memcmp(want, got, 32) == 0, "keyed HMAC equals HMAC");
            /* an unkeyed digest in between must not disturb the saved pad states */
            CHECK_OK(am_sha256_ctx_digest(ctx, "abc", 3, want, &err), &err);
        }
    }
    am_sha256_ctx_destroy(ctx);
    return 0;
}

static const struct test_case cases[] = {
    {"keyed_hmac_matches_the_plain_one", keyed_hmac_matches_the_plain_one},
    {"computes_known_digests", computes_known_digests},
    {"reusable_context_gives_the_same_digests", reusable_context_gives_the_same_digests},
    {"encodes_lower_case_hex", encodes_lower_case_hex},
    {"compares_in_constant_time", compares_in_constant_time},
    {"generates_unique_version4_uuids", generates_unique_version4_uuids},
    {"fills_random_buffers_of_any_size", fills_random_buffers_of_any_size},
    {"reseeds_after_fork", reseeds_after_fork},
    {"forgets_the_bytes_drawn_ahead_after_fork", forgets_the_bytes_drawn_ahead_after_fork},
    {"hands_out_each_drawn_byte_once", hands_out_each_drawn_byte_once},
    {"survives_allocation_failures", survives_allocation_failures},
};

TEST_MAIN("crypto", cases)
