/* SPDX-License-Identifier: MIT */
/* Tests for log.c: what the APPMESH_LOG=debug trace shows of a header, secrets redacted. */
#include <string.h>

#include "harness.h"
#include "log.h"
#include "request.h"

/* The trace's text for one header value, in out (cleared first). */
static const char *shown(struct appmesh_buf *out, const char *name, const char *value)
{
    struct appmesh_header h = {0};
    am_request_header(&h, name, value, strlen(value));
    am_buf_reset(out);
    if (am_log_redacted_value(out, &h, NULL) != APPMESH_OK) {
        return "(failed)";
    }
    return am_buf_cstr(out);
}

static int redacts_the_signature_and_the_session_token(void)
{
    static const char auth[] =
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/appmesh/aws4_request, "
        "SignedHeaders=host;x-amz-date, "
        "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
    struct appmesh_buf out;
    am_buf_init(&out, &test_allocator, 0);
    CHECK_STR_EQ(shown(&out, "Authorization", auth),
                 "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/appmesh/aws4_request, "
                 "SignedHeaders=host;x-amz-date, Signature=<redacted>");
    CHECK_STR_EQ(shown(&out, "x-amz-security-token", "FwoGZXIvYXdzEXAMPLETOKEN"), "<redacted>");
    CHECK_STR_EQ(shown(&out, "authorization", "Bearer not-sigv4"), "<redacted>");
    appmesh_buf_cleanup(&out);
    return 0;
}

static int shows_other_headers_as_they_are(void)
{
    struct appmesh_buf out;
    am_buf_init(&out, &test_allocator, 0);
    CHECK_STR_EQ(shown(&out, "X-Amz-Date", "20150830T123600Z"), "20150830T123600Z");
    CHECK_STR_EQ(shown(&out, "Content-Type", "application/json"), "application/json");
    appmesh_buf_cleanup(&out);
    return 0;
}

static const struct test_case cases[] = {
    {"redacts_the_signature_and_the_session_token", redacts_the_signature_and_the_session_token},
    {"shows_other_headers_as_they_are", shows_other_headers_as_they_are},
};

TEST_MAIN("log", cases)
