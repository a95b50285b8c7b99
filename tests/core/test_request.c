/* SPDX-License-Identifier: MIT */
/* Tests for request.c: header entries and the signed-request recipe. */
#include <string.h>

#include "harness.h"
#include "request.h"

#define AKID   "AKIDEXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

static int points_a_header_at_its_name_and_value(void)
{
    struct appmesh_header h = {0};
    am_request_header(&h, "Content-Type", "application/jsonXYZ", 16);
    CHECK_MEM_EQ(h.name, h.name_len, "Content-Type", 12);
    CHECK_MEM_EQ(h.value, h.value_len, "application/json", 16);
    return 0;
}

/* GET / on example.amazonaws.com at 2015-08-30T12:36:00Z, signed for region (NULL: none). */
static void get_request(struct appmesh_header *h,
                        size_t *n,
                        struct appmesh_sigv4_params *params,
                        struct appmesh_sigv4_request *req,
                        const char *region)
{
    am_request_header(&h[(*n)++], "Host", "example.amazonaws.com", 21);
    params->region = region;
    params->service = "service";
    params->time = 1440938160;
    req->method = "GET";
    req->path = "/";
    req->query = "";
    req->headers = h;
    req->header_count = *n;
    req->body = "";
}

/* Sign GET / on example.amazonaws.com with and without a session token through the recipe, and
 * compare with what the signer itself reports for the same request. */
static int sign_case(const char *token, size_t want_count)
{
    struct appmesh_error err = {0};
    struct appmesh_sigv4_signer *signer = NULL;
    struct appmesh_sigv4_result sig = {0};
    struct appmesh_sigv4_result direct = {0};
    struct appmesh_header h[4];
    struct appmesh_credentials creds = {AKID, SECRET, token};
    struct appmesh_sigv4_params params = {0};
    struct appmesh_sigv4_request req = {0};
    size_t n = 0;
    int failed = 1;

    get_request(h, &n, &params, &req, "us-east-1");
    CHECK_OK(appmesh_sigv4_signer_new(&test_allocator, &signer, &err), &err);
    if (am_request_sign(signer, &req, &creds, &params, &sig, h, &n, &err) != APPMESH_OK ||
        appmesh_sigv4_sign_headers(signer, &req, &creds, &params, &direct, &err) != APPMESH_OK) {
        fprintf(stderr, "  signing failed: %s\n", err.message);
        goto cleanup;
    }
    if (n != want_count || strcmp(h[0].name, "Host") != 0 || strcmp(h[1].name, "X-Amz-Date") != 0 ||
        strcmp(h[n - 1].name, "Authorization") != 0) {
        fprintf(stderr,
                "  headers: %zu, want %zu in the order Host, X-Amz-Date, ..., "
                "Authorization\n",
                n, want_count);
        goto cleanup;
    }
    if (h[1].value_len != 16 || memcmp(h[1].value, "20150830T123600Z", 16) != 0 ||
        h[n - 1].value_len != direct.authorization.len ||
        memcmp(h[n - 1].value, direct.authorization.ptr, direct.authorization.len) != 0) {
        fprintf(stderr, "  X-Amz-Date or Authorization differs from the signer's own\n");
        goto cleanup;
    }
    if (token != NULL && (strcmp(h[2].name, "X-Amz-Security-Token") != 0 ||
                          h[2].value_len != strlen(token) || memcmp(h[2].value, token, 6) != 0)) {
        fprintf(stderr, "  no X-Amz-Security-Token after X-Amz-Date\n");
        goto cleanup;
    }
    failed = 0;

cleanup:
    appmesh_sigv4_result_cleanup(&sig);
    appmesh_sigv4_result_cleanup(&direct);
    appmesh_sigv4_signer_destroy(signer);
    return failed;
}

static int adds_date_and_authorization_after_the_signed_headers(void)
{
    return sign_case(NULL, 3);
}

static int adds_the_session_token_when_there_is_one(void)
{
    return sign_case("TOKENEXAMPLE", 4);
}

static int adds_nothing_when_signing_fails(void)
{
    struct appmesh_error err = {0};
    struct appmesh_sigv4_signer *signer = NULL;
    struct appmesh_sigv4_result sig = {0};
    struct appmesh_header h[4];
    struct appmesh_credentials creds = {AKID, SECRET, NULL};
    struct appmesh_sigv4_params params = {0};
    struct appmesh_sigv4_request req = {0};
    size_t n = 0;

    get_request(h, &n, &params, &req, NULL); /* no region: the signer refuses */
    CHECK_OK(appmesh_sigv4_signer_new(&test_allocator, &signer, &err), &err);
    CHECK(am_request_sign(signer, &req, &creds, &params, &sig, h, &n, &err) != APPMESH_OK,
          "signing without a region fails");
    CHECK_INT_EQ(n, 1);
    appmesh_sigv4_result_cleanup(&sig);
    appmesh_sigv4_signer_destroy(signer);
    return 0;
}

static const struct test_case cases[] = {
    {"points_a_header_at_its_name_and_value", points_a_header_at_its_name_and_value},
    {"adds_date_and_authorization_after_the_signed_headers",
     adds_date_and_authorization_after_the_signed_headers},
    {"adds_the_session_token_when_there_is_one", adds_the_session_token_when_there_is_one},
    {"adds_nothing_when_signing_fails", adds_nothing_when_signing_fails},
};

TEST_MAIN("request", cases)
