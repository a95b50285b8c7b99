/* SPDX-License-Identifier: MIT */
/* Client tests: the whole call path over a canned transport and an injected clock (no I/O). */
#include "appmesh/appmesh.h"
#include "operation.h"
#include "retry.h"
#include "rig.h"

static const char *find_header(const struct sent *s, const char *name, char *out, size_t outsz)
{
    const char *p = s->headers;
    size_t n = strlen(name);
    while (*p != '\0') {
        const char *eol = strchr(p, '\n');
        if (strncmp(p, name, n) == 0 && p[n] == ':') {
            snprintf(out, outsz, "%.*s", (int)(eol - p - n - 2), p + n + 2);
            return out;
        }
        p = eol + 1;
    }
    return NULL;
}

static int updates_a_service_and_parses_the_result(void)
{
    static const struct canned script[] = {
        {200, APPMESH_OK, "x-amzn-RequestId: req-1\r\nContent-Type: application/json\r\n", OK_BODY},
    };
    struct appmesh_error err = {0};
    struct rig r;
    struct appmesh_update_virtual_service_input in = node_input();
    struct appmesh_virtual_service_data out = {0};
    struct appmesh_call_info info = {0};
    char v[256];

    in.mesh_owner = "123456789012";
    in.client_token = "token-1";
    CHECK_OK(rig_open(&r, script, 1, &err), &err);
    CHECK_OK(rig_client(&r, &err), &err);
    CHECK_OK(appmesh_client_update_virtual_service(r.client, &in, &out, &info, &err), &err);
    CHECK_INT_EQ(r.fake.sent_count, 1);
    CHECK_STR_EQ(r.fake.sent[0].method, "PUT");
    CHECK_STR_EQ(r.fake.sent[0].url, "http://127.0.0.1:9000/v20190125/meshes/ecs-mesh/"
                                     "virtualServices/colorgateway.default.svc.cluster.local"
                                     "?meshOwner=123456789012");
    CHECK_STR_EQ(r.fake.sent[0].body,
                 "{\"clientToken\":\"token-1\",\"spec\":{\"provider\":{\"virtualNode\":{"
                 "\"virtualNodeName\":\"colorgateway-vn\"}}}}");
    CHECK_STR_EQ(find_header(&r.fake.sent[0], "Host", v, sizeof(v)), "127.0.0.1:9000");
    CHECK_STR_EQ(find_header(&r.fake.sent[0], "Content-Type", v, sizeof(v)), "application/json");
    CHECK_STR_EQ(find_header(&r.fake.sent[0], "X-Amz-Date", v, sizeof(v)), "20150830T123600Z");
    CHECK_STR_EQ(find_header(&r.fake.sent[0], "amz-sdk-request", v, sizeof(v)), "attempt=1; max=3");
    CHECK(find_header(&r.fake.sent[0], "Authorization", v, sizeof(v)) != NULL, "signed");
    {
        static const char want[] = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/"
                                   "appmesh/aws4_request, SignedHeaders=content-type;host;"
                                   "x-amz-date, Signature=";
        CHECK(strncmp(v, want, sizeof(want) - 1) == 0, v);
        CHECK_INT_EQ(strlen(v), sizeof(want) - 1 + 64);
    }
    CHECK(find_header(&r.fake.sent[0], "amz-sdk-invocation-id", v, sizeof(v)) != NULL, "id");
    CHECK_INT_EQ(strlen(v), 36);
    CHECK(find_header(&r.fake.sent[0], "X-Amz-Security-Token", v, sizeof(v)) == NULL, "no token");

    CHECK_STR_EQ(out.mesh_name, "ecs-mesh");
    CHECK_INT_EQ(out.spec.provider.kind, APPMESH_PROVIDER_VIRTUAL_NODE);
    CHECK_STR_EQ(out.spec.provider.u.virtual_node.virtual_node_name, "colorgateway-vn");
    CHECK_INT_EQ(out.status.code, APPMESH_STATUS_ACTIVE);
    CHECK_INT_EQ(out.metadata.version, 2);
    CHECK(out.metadata.last_updated_at == 1563820000.5, "fractional timestamp kept");
    CHECK_INT_EQ(info.http_status, 200);
    CHECK_INT_EQ(info.attempts, 1);
    CHECK_STR_EQ(info.request_id, "req-1");
    CHECK_STR_EQ(info.client_token, "token-1");
    CHECK_STR_EQ(appmesh_client_credentials_source(r.client), "explicit");
    appmesh_virtual_service_data_cleanup(&out);
    appmesh_client_destroy(r.client);
    return 0;
}

static int keeps_one_generated_token_across_retries(void)
{
    static const struct canned script[] = {
        {500, APPMESH_OK, "x-amzn-ErrorType: InternalServerErrorException\r\n",
         "{\"message\":\"boom\"}"},
        {503, APPMESH_OK, "x-amzn-ErrorType: ServiceUnavailableException\r\n",
         "{\"message\":\"busy\"}"},
        {200, APPMESH_OK, "x-amzn-RequestId: req-3\r\n", OK_BODY},
    };
    struct appmesh_error err = {0};
    struct rig r;
    struct appmesh_update_virtual_service_input in = node_input();
    struct appmesh_virtual_service_data out = {0};
    struct appmesh_call_info info = {0};
    char token0[64], v[256], inv0[64];
    int i = 0;

    CHECK_OK(rig_open(&r, script, 3, &err), &err);
    CHECK_OK(rig_client(&r, &err), &err);
    CHECK_OK(appmesh_client_update_virtual_service(r.client, &in, &out, &info, &err), &err);
    CHECK_INT_EQ(r.fake.sent_count, 3);
    CHECK_INT_EQ(info.attempts, 3);
    CHECK_INT_EQ(strlen(info.client_token), 36);
    CHECK(info.client_token[14] == '4', "UUID version 4");
    snprintf(token0, sizeof(token0), "%s", info.client_token);
    find_header(&r.fake.sent[0], "amz-sdk-invocation-id", inv0, sizeof(inv0));
    for (i = 0; i < 3; i++) {
        char want[64];
        CHECK(strstr(r.fake.sent[i].body, token0) != NULL, "same clientToken on every attempt");
        CHECK_STR_EQ(r.fake.sent[i].body, r.fake.sent[0].body);
        snprintf(want, sizeof(want), "attempt=%d; max=3", i + 1);
        CHECK_STR_EQ(find_header(&r.fake.sent[i], "amz-sdk-request", v, sizeof(v)), want);
        CHECK_STR_EQ(find_header(&r.fake.sent[i], "amz-sdk-invocation-id", v, sizeof(v)), inv0);
    }
    /* Each attempt is signed afresh: the clock moved by the backoff, so the date differs. */
    CHECK_INT_EQ(r.clock_state.sleeps, 2);
    CHECK(r.clock_state.slept[0] == 0.5 && r.clock_state.slept[1] == 1.0, "backoff r*b*2^(n-1)");
    appmesh_virtual_service_data_cleanup(&out);
    /* A second call makes a new token. */
    r.fake.next = 2;
    CHECK_OK(appmesh_client_update_virtual_service(r.client, &in, &out, &info, &err), &err);
    CHECK(strcmp(info.client_token, token0) != 0, "a new token per call");
    appmesh_virtual_service_data_cleanup(&out);
    appmesh_client_destroy(r.client);
    return 0;
}

static int returns_throttling_after_max_attempts(void)
{
    static const struct canned script[] = {
        {429, APPMESH_OK, "x-amzn-ErrorType: TooManyRequestsException:http://x\r\n",
         "{\"message\":\"slow down\"}"},
        {429, APPMESH_OK, "x-amzn-ErrorType: TooManyRequestsException\r\n",
         "{\"message\":\"slow down\"}"},
        {429, APPMESH_OK, "x-amzn-ErrorType: TooManyRequestsException\r\nx-amzn-RequestId: r3\r\n",
         "{\"message\":\"slow down\"}"},
    };
    struct appmesh_error err = {0};
    struct rig r;
    struct appmesh_update_virtual_service_input in = node_input();
    struct appmesh_virtual_service_data out = {0};
    struct appmesh_call_info info = {0};

    CHECK_OK(rig_open(&r, script, 3, &err), &err);
    CHECK_OK(rig_client(&r, &err), &err);
    CHECK_STATUS(appmesh_client_update_virtual_service(r.client, &in, &out, &info, &err),
                 APPMESH_ERR_THROTTLED, &err);
    CHECK_STR_EQ(err.aws_code, "TooManyRequestsException");
    CHECK_STR_EQ(err.message, "slow down");
    CHECK_STR_EQ(err.request_id, "r3");
    CHECK_INT_EQ(err.http_status, 429);
    CHECK_INT_EQ(err.attempts, 3);
    CHECK(err.retryable, "throttling is retryable");
    CHECK_INT_EQ(info.attempts, 3);
    CHECK_INT_EQ(r.clock_state.sleeps, 2);
    CHECK(out.mesh_name == NULL, "no output on failure");
    appmesh_client_destroy(r.client);
    return 0;
}

static int does_not_retry_not_found(void)
{
    static const struct canned script[] = {
        {404, APPMESH_OK, "x-amzn-ErrorType: NotFoundException\r\nx-amzn-RequestId: 1234\r\n",
         "{\"message\":\"Mesh not found\"}"},
    };
    struct appmesh_error err = {0};
    struct rig r;
    struct appmesh_update_virtual_service_input in = node_input();
    struct appmesh_virtual_service_data out = {0};

    CHECK_OK(rig_open(&r, script, 1, &err), &err);
    CHECK_OK(rig_client(&r, &err), &err);
    CHECK_STATUS(appmesh_client_update_virtual_service(r.client, &in, &out, NULL, &err),
                 APPMESH_ERR_SERVICE, &err);
    CHECK_STR_EQ(appmesh_error_code(&err), "NotFoundException");
    CHECK_STR_EQ(err.message, "Mesh not found");
    CHECK_STR_EQ(err.request_id, "1234");
    CHECK_INT_EQ(err.http_status, 404);
    CHECK_INT_EQ(err.attempts, 1);
    CHECK(!err.retryable, "404 is not retryable");
    CHECK_INT_EQ(r.fake.sent_count, 1);
    CHECK_INT_EQ(r.clock_state.sleeps, 0);
    appmesh_client_destroy(r.client);
    return 0;
}

static int retries_connection_failures_and_timeouts(void)
{
    static const struct canned script[] = {
        {0, APPMESH_ERR_TRANSPORT, NULL, NULL},
        {0, APPMESH_ERR_TIMEOUT, NULL, NULL},
        {200, APPMESH_OK, NULL, OK_BODY},
    };
    struct appmesh_error err = {0};
    struct rig r;
    struct appmesh_update_virtual_service_input in = node_input();
    struct appmesh_virtual_service_data out = {0};
    struct appmesh_call_info info = {0};

    CHECK_OK(rig_open(&r, script, 3, &err), &err);
    CHECK_OK(rig_client(&r, &err), &err);
    CHECK_OK(appmesh_client_update_virtual_service(r.client, &in, &out, &info, &err), &err);
    CHECK_INT_EQ(info.attempts, 3);
    CHECK_INT_EQ(info.http_status, 200);
    appmesh_virtual_service_data_cleanup(&out);
    appmesh_client_destroy(r.client);
    return 0;
}

static int reports_the_last_transport_error_after_max_attempts(void)
{
    static const struct canned script[] = {
        {0, APPMESH_ERR_TRANSPORT, NULL, NULL},
        {0, APPMESH_ERR_TRANSPORT, NULL, NULL},
        {0, APPMESH_ERR_TIMEOUT, NULL, NULL},
    };
    struct appmesh_error err = {0};
    struct rig r;
    struct appmesh_update_virtual_service_input in = node_input();
    struct appmesh_virtual_service_data out = {0};

    CHECK_OK(rig_open(&r, script, 3, &err), &err);
    CHECK_OK(rig_client(&r, &err), &err);
    CHECK_STATUS(appmesh_client_update_virtual_service(r.client, &in, &out, NULL, &err),
                 APPMESH_ERR_TIMEOUT, &err);
    CHECK_STR_EQ(appmesh_error_code(&err), "TimeoutError");
    CHECK_INT_EQ(err.http_status, 0);
    CHECK_INT_EQ(err.attempts, 3);
    CHECK(err.retryable, "timeouts are retryable");
    appmesh_client_destroy(r.client);
    return 0;
}

static int refuses_option_values_out_of_range(void)
{
    static const struct {
        struct appmesh_client_options opts;
        const char *field;
        const char *message;
    } cases[] = {
        {{.connect_timeout = 3601},
         "connect_timeout",
         "connect_timeout must be more than 0 and at most 3600 seconds, got 3601"},
        {{.timeout = -1},
         "timeout",
         "timeout must be more than 0 and at most 3600 seconds, got -1"},
        {{.max_attempts = 101},
         "max_attempts",
         "max_attempts must be an integer from 1 to 100, got 101"},
        {{.retry_base_delay = 61},
         "retry_base_delay",
         "retry_base_delay must be from 0 to 60 seconds, got 61"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct appmesh_error err = {0};
        struct rig r;
        CHECK_OK(rig_open(&r, NULL, 0, &err), &err);
        struct appmesh_client_options o = cases[i].opts;
        o.transport = r.opts.transport;
        o.clock = r.opts.clock;
        o.credentials = r.opts.credentials;
        o.getenv = r.opts.getenv;
        o.getenv_ud = r.opts.getenv_ud;
        o.endpoint = r.opts.endpoint;
        CHECK_STATUS(appmesh_client_new(&test_allocator, &o, &r.client, &err),
                     APPMESH_ERR_VALIDATION, &err);
        CHECK_STR_EQ(err.field, cases[i].field);
        CHECK_STR_EQ(err.message, cases[i].message);
        CHECK(r.client == NULL, "no client");
    }
    return 0;
}

static int sends_nothing_for_invalid_input(void)
{
    struct appmesh_error err = {0};
    struct rig r;
    struct appmesh_update_virtual_service_input in = node_input();
    struct appmesh_virtual_service_data out = {0};

    in.spec.provider.u.virtual_node.virtual_node_name = "";
    CHECK_OK(rig_open(&r, NULL, 0, &err), &err);
    CHECK_OK(rig_client(&r, &err), &err);
    CHECK_STATUS(appmesh_client_update_virtual_service(r.client, &in, &out, NULL, &err),
                 APPMESH_ERR_VALIDATION, &err);
    CHECK_STR_EQ(err.field, "spec.provider.virtualNode.virtualNodeName");
    CHECK_STR_EQ(appmesh_error_code(&err), "ValidationError");
    CHECK_INT_EQ(r.fake.sent_count, 0);
    appmesh_client_destroy(r.client);
    return 0;
}

static int reports_missing_credentials_without_sending(void)
{
    struct appmesh_error err = {0};
    struct rig r;
    struct appmesh_update_virtual_service_input in = node_input();
    struct appmesh_virtual_service_data out = {0};

    CHECK_OK(rig_open(&r, NULL, 0, &err), &err);
    r.opts.credentials = NULL;
    CHECK_OK(rig_client(&r, &err), &err);
    CHECK_STATUS(appmesh_client_update_virtual_service(r.client, &in, &out, NULL, &err),
                 APPMESH_ERR_CREDENTIALS, &err);
    CHECK_STR_EQ(appmesh_error_code(&err), "CredentialsError");
    CHECK(strstr(err.message, "environment") != NULL, err.message);
    CHECK_INT_EQ(r.fake.sent_count, 0);
    CHECK_INT_EQ(err.attempts, 0);
    appmesh_client_destroy(r.client);
    return 0;
}

static int reports_a_missing_region_at_call_time(void)
{
    static const char *const env[] = {"HOME", "/nonexistent-appmesh-test-home", NULL};
    struct appmesh_error err = {0};
    struct rig r;
    struct appmesh_update_virtual_service_input in = node_input();
    struct appmesh_virtual_service_data out = {0};

    CHECK_OK(rig_open(&r, NULL, 0, &err), &err);
    r.opts.getenv_ud = (void *)env;
    r.opts.endpoint = NULL;
    CHECK_OK(rig_client(&r, &err), &err);
    CHECK_STR_EQ(appmesh_client_region(r.client), "");
    CHECK_STR_EQ(appmesh_client_endpoint(r.client), "");
    CHECK_STATUS(appmesh_client_update_virtual_service(r.client, &in, &out, NULL, &err),
                 APPMESH_ERR_ENDPOINT, &err);
    CHECK(strstr(err.message, "no region") != NULL, err.message);
    CHECK_INT_EQ(r.fake.sent_count, 0);
    appmesh_client_destroy(r.client);
    return 0;
}

static int resolves_the_aws_endpoint_from_the_region(void)
{
    struct appmesh_error err = {0};
    struct rig r;

    CHECK_OK(rig_open(&r, NULL, 0, &err), &err);
    r.opts.endpoint = NULL;
    r.opts.region = "eu-west-1";
    CHECK_OK(rig_client(&r, &err), &err);
    CHECK_STR_EQ(appmesh_client_region(r.client), "eu-west-1");
    CHECK_STR_EQ(appmesh_client_endpoint(r.client), "https://appmesh.eu-west-1.amazonaws.com");
    appmesh_client_destroy(r.client);
    return 0;
}

static int refuses_a_malformed_custom_endpoint_at_creation(void)
{
    struct appmesh_error err = {0};
    struct rig r;

    CHECK_OK(rig_open(&r, NULL, 0, &err), &err);
    r.opts.endpoint = "ftp://example.com";
    CHECK_STATUS(rig_client(&r, &err), APPMESH_ERR_ENDPOINT, &err);
    CHECK(r.client == NULL, "no client");
    CHECK(strstr(err.message, "ftp://example.com") != NULL, err.message);
    return 0;
}

static int gives_a_readable_error_for_a_garbage_success_body(void)
{
    static const struct canned script[] = {
        {200, APPMESH_OK, "x-amzn-RequestId: r9\r\n", "<html>oops"},
    };
    struct appmesh_error err = {0};
    struct rig r;
    struct appmesh_update_virtual_service_input in = node_input();
    struct appmesh_virtual_service_data out = {0};

    CHECK_OK(rig_open(&r, script, 1, &err), &err);
    CHECK_OK(rig_client(&r, &err), &err);
    CHECK_STATUS(appmesh_client_update_virtual_service(r.client, &in, &out, NULL, &err),
                 APPMESH_ERR_RESPONSE, &err);
    CHECK_STR_EQ(appmesh_error_code(&err), "ResponseError");
    CHECK_INT_EQ(err.http_status, 200);
    CHECK_STR_EQ(err.request_id, "r9");
    CHECK_INT_EQ(r.fake.sent_count, 1);
    CHECK(out.mesh_name == NULL, "no partial output");
    appmesh_client_destroy(r.client);
    return 0;
}

static int retries_a_garbage_server_error_body(void)
{
    static const struct canned script[] = {
        {502, APPMESH_OK, NULL, "<html>Bad Gateway</html>"},
        {200, APPMESH_OK, NULL, OK_BODY},
    };
    struct appmesh_error err = {0};
    struct rig r;
    struct appmesh_update_virtual_service_input in = node_input();
    struct appmesh_virtual_service_data out = {0};
    struct appmesh_call_info info = {0};

    CHECK_OK(rig_open(&r, script, 2, &err), &err);
    CHECK_OK(rig_client(&r, &err), &err);
    CHECK_OK(appmesh_client_update_virtual_service(r.client, &in, &out, &info, &err), &err);
    CHECK_INT_EQ(info.attempts, 2);
    appmesh_virtual_service_data_cleanup(&out);
    appmesh_client_destroy(r.client);
    return 0;
}

/* The signature a signer that has never signed anything gives the request s records, signed
 * at time t with creds: what the client's cached signing key must reproduce. */
static int
check_signed_afresh(const struct sent *s, const struct appmesh_credentials *creds, double t)
{
    struct appmesh_sigv4_signer *fresh = NULL;
    struct appmesh_sigv4_result out = {0};
    struct appmesh_error err = {0};
    struct appmesh_sigv4_params params = {0};
    struct appmesh_sigv4_request req = {0};
    struct appmesh_header hdrs[2] = {{"Host", 4, NULL, 0}, {"Content-Type", 12, NULL, 0}};
    const char *path = strstr(s->url, "/v20190125/");
    const char *q = strchr(s->url, '?');
    char path_buf[512], host[128], type[64], auth[512];
    const char *sig = NULL;

    CHECK(path != NULL && find_header(s, "Host", host, sizeof(host)) != NULL &&
              find_header(s, "Content-Type", type, sizeof(type)) != NULL &&
              find_header(s, "Authorization", auth, sizeof(auth)) != NULL,
          "a signed PUT was sent");
    snprintf(path_buf, sizeof(path_buf), "%.*s",
             (int)(q != NULL ? (size_t)(q - path) : strlen(path)), path);
    hdrs[0].value = host;
    hdrs[0].value_len = strlen(host);
    hdrs[1].value = type;
    hdrs[1].value_len = strlen(type);
    req.method = s->method;
    req.path = path_buf;
    req.query = q != NULL ? q + 1 : "";
    req.headers = hdrs;
    req.header_count = 2;
    req.body = s->body;
    req.body_len = strlen(s->body);
    params.region = "us-east-1";
    params.service = "appmesh";
    params.time = (int64_t)t;
    CHECK_OK(appmesh_sigv4_signer_new(&test_allocator, &fresh, &err), &err);
    CHECK_OK(appmesh_sigv4_sign_headers(fresh, &req, creds, &params, &out, &err), &err);
    sig = strstr(auth, "Signature=");
    CHECK(sig != NULL, auth);
    CHECK_STR_EQ(sig + 10, out.signature);
    appmesh_sigv4_result_cleanup(&out);
    appmesh_sigv4_signer_destroy(fresh);
    return 0;
}

/* The client's signer keeps the derived key between calls: it must still sign as a fresh one
 * would on the next day, and with the new secret after the credentials were replaced (same key
 * id: only the secret tells the old key from the new). */
static int signs_afresh_after_a_date_change_and_a_credential_rotation(void)
{
    static const struct canned script[] = {
        {200, APPMESH_OK, "x-amzn-RequestId: req-1\r\n", OK_BODY},
        {200, APPMESH_OK, "x-amzn-RequestId: req-2\r\n", OK_BODY},
        {403, APPMESH_OK, "x-amzn-ErrorType: ExpiredTokenException\r\n",
         "{\"message\":\"The security token included in the request is expired\"}"},
        {200, APPMESH_OK, "x-amzn-RequestId: req-4\r\n", OK_BODY},
    };
    static const char *env[] = {"HOME",
                                "/nonexistent-appmesh-test-home",
                                "AWS_REGION",
                                "us-east-1",
                                "AWS_EC2_METADATA_DISABLED",
                                "true",
                                "AWS_ACCESS_KEY_ID",
                                "AKIDEXAMPLE",
                                "AWS_SECRET_ACCESS_KEY",
                                "first-secret-wJalrXUtnFEMI/K7MDENG",
                                "AWS_SESSION_TOKEN",
                                "first-token",
                                NULL};
    struct appmesh_credentials first = {"AKIDEXAMPLE", "first-secret-wJalrXUtnFEMI/K7MDENG",
                                        "first-token"};
    struct appmesh_credentials second = {"AKIDEXAMPLE", "other-secret-wJalrXUtnFEMI/K7MDENG",
                                         "second-token"};
    struct appmesh_error err = {0};
    struct rig r;
    struct appmesh_update_virtual_service_input in = node_input();
    struct appmesh_virtual_service_data out = {0};
    double t = 0;

    CHECK_OK(rig_open(&r, script, 4, &err), &err);
    r.opts.credentials = NULL; /* the chain: the environment, read again after expiry */
    r.opts.getenv_ud = (void *)env;
    CHECK_OK(rig_client(&r, &err), &err);
    t = r.clock_state.now;
    CHECK_OK(appmesh_client_update_virtual_service(r.client, &in, &out, NULL, &err), &err);
    appmesh_virtual_service_data_cleanup(&out);
    CHECK(check_signed_afresh(&r.fake.sent[0], &first, t) == 0, "first call");

    r.clock_state.now += 86400; /* the next day: a new scope, hence a new key */
    t = r.clock_state.now;
    CHECK_OK(appmesh_client_update_virtual_service(r.client, &in, &out, NULL, &err), &err);
    appmesh_virtual_service_data_cleanup(&out);
    CHECK(check_signed_afresh(&r.fake.sent[1], &first, t) == 0, "the next day");

    /* The service refuses the token; the credentials are replaced before the next call. */
    CHECK_STATUS(appmesh_client_update_virtual_service(r.client, &in, &out, NULL, &err),
                 APPMESH_ERR_SERVICE, &err);
    memset(&err, 0, sizeof(err));
    env[9] = second.secret_access_key;
    env[11] = second.session_token;
    CHECK_OK(appmesh_client_update_virtual_service(r.client, &in, &out, NULL, &err), &err);
    appmesh_virtual_service_data_cleanup(&out);
    CHECK_INT_EQ(r.fake.sent_count, 4);
    CHECK(check_signed_afresh(&r.fake.sent[3], &second, t) == 0, "after the rotation");
    appmesh_client_destroy(r.client);
    return 0;
}

static int previews_the_request_with_secrets_redacted(void)
{
    struct appmesh_error err = {0};
    struct rig r;
    struct appmesh_update_virtual_service_input in = node_input();
    struct appmesh_request_preview p = {0};

    CHECK_OK(rig_open(&r, NULL, 0, &err), &err);
    r.opts.credentials = &token_creds;
    CHECK_OK(rig_client(&r, &err), &err);
    in.client_token = "tok";
    CHECK_OK(appmesh_client_update_virtual_service_preview(r.client, &in, &p, &err), &err);
    CHECK_INT_EQ(r.fake.sent_count, 0);
    CHECK_STR_EQ(p.method, "PUT");
    CHECK_STR_EQ(p.url.ptr, "http://127.0.0.1:9000/v20190125/meshes/ecs-mesh/virtualServices/"
                            "colorgateway.default.svc.cluster.local");
    CHECK(strstr(p.headers.ptr, "Signature=<redacted>\n") != NULL, p.headers.ptr);
    CHECK(strstr(p.headers.ptr, "X-Amz-Security-Token: <redacted>\n") != NULL, p.headers.ptr);
    CHECK(strstr(p.headers.ptr, "SESSIONTOKEN") == NULL, "token never shown");
    CHECK(strstr(p.headers.ptr, "EXAMPLEKEY") == NULL, "secret never shown");
    CHECK(strstr(p.headers.ptr, "x-amz-security-token") != NULL, "token is signed");
    CHECK_STR_EQ(p.body.ptr, "{\"clientToken\":\"tok\",\"spec\":{\"provider\":{\"virtualNode\":"
                             "{\"virtualNodeName\":\"colorgateway-vn\"}}}}");
    appmesh_request_preview_cleanup(&p);
    appmesh_request_preview_cleanup(&p);
    appmesh_client_destroy(r.client);
    return 0;
}

static int escapes_labels_and_keeps_the_endpoint_base_path(void)
{
    static const struct canned script[] = {
        {200, APPMESH_OK, NULL,
         "{\"meshName\":\"my mesh/1\",\"virtualServiceName\":\"..\",\"spec\":{},"
         "\"status\":{\"status\":\"ACTIVE\"},\"metadata\":{\"version\":2}}"}};
    struct appmesh_error err = {0};
    struct rig r;
    struct appmesh_update_virtual_service_input in = node_input();
    struct appmesh_virtual_service_data out = {0};

    CHECK_OK(rig_open(&r, script, 1, &err), &err);
    r.opts.endpoint = "https://mesh.example.com:8443/base";
    CHECK_OK(rig_client(&r, &err), &err);
    in.mesh_name = "my mesh/1";
    in.virtual_service_name = "..";
    CHECK_OK(appmesh_client_update_virtual_service(r.client, &in, &out, NULL, &err), &err);
    CHECK_STR_EQ(r.fake.sent[0].url, "https://mesh.example.com:8443/base/v20190125/meshes/"
                                     "my%20mesh%2F1/virtualServices/%2E%2E");
    appmesh_virtual_service_data_cleanup(&out);
    appmesh_client_destroy(r.client);
    return 0;
}

static int takes_max_attempts_from_the_environment(void)
{
    static const char *const env[] = {"HOME",
                                      "/nonexistent-appmesh-test-home",
                                      "AWS_REGION",
                                      "us-east-1",
                                      "AWS_MAX_ATTEMPTS",
                                      "1",
                                      NULL};
    static const struct canned script[] = {
        {503, APPMESH_OK, "x-amzn-ErrorType: ServiceUnavailableException\r\n", "{}"},
    };
    struct appmesh_error err = {0};
    struct rig r;
    struct appmesh_update_virtual_service_input in = node_input();
    struct appmesh_virtual_service_data out = {0};

    CHECK_OK(rig_open(&r, script, 1, &err), &err);
    r.opts.getenv_ud = (void *)env;
    CHECK_OK(rig_client(&r, &err), &err);
    CHECK_STATUS(appmesh_client_update_virtual_service(r.client, &in, &out, NULL, &err),
                 APPMESH_ERR_SERVICE, &err);
    CHECK_INT_EQ(err.attempts, 1);
    CHECK(err.retryable, "a 503 is retryable even when no attempts are left");
    appmesh_client_destroy(r.client);
    return 0;
}

static bool interrupt_now(void *ud)
{
    struct fake *f = ud;
    return f->interrupt_after != 0 && (int)f->sent_count >= f->interrupt_after;
}

static int stops_when_interrupted_during_backoff(void)
{
    static const struct canned script[] = {
        {500, APPMESH_OK, NULL, "{}"},
        {200, APPMESH_OK, NULL, OK_BODY},
    };
    struct appmesh_error err = {0};
    struct rig r;
    struct appmesh_update_virtual_service_input in = node_input();
    struct appmesh_virtual_service_data out = {0};

    CHECK_OK(rig_open(&r, script, 2, &err), &err);
    r.fake.interrupt_after = 1;
    r.opts.interrupt = interrupt_now;
    r.opts.interrupt_ud = &r.fake;
    CHECK_OK(rig_client(&r, &err), &err);
    CHECK_STATUS(appmesh_client_update_virtual_service(r.client, &in, &out, NULL, &err),
                 APPMESH_ERR_INTERRUPTED, &err);
    CHECK_INT_EQ(r.fake.sent_count, 1);
    appmesh_client_destroy(r.client);
    return 0;
}

static int allocates_nothing_per_call_once_warm(void)
{
    static const struct canned script[] = {{200, APPMESH_OK, "x-amzn-RequestId: a\r\n", OK_BODY}};
    struct appmesh_error err = {0};
    struct rig r;
    struct appmesh_update_virtual_service_input in = node_input();
    struct appmesh_virtual_service_data out = {0};
    long blocks_after_first = 0;
    int i = 0;

    in.client_token = "fixed-token";
    CHECK_OK(rig_open(&r, script, 1, &err), &err);
    CHECK_OK(rig_client(&r, &err), &err);
    for (i = 0; i < 200; i++) {
        r.fake.next = 0;
        r.fake.sent_count = 0;
        CHECK_OK(appmesh_client_update_virtual_service(r.client, &in, &out, NULL, &err), &err);
        appmesh_virtual_service_data_cleanup(&out);
        if (i == 0) {
            blocks_after_first = test_alloc_state.live_blocks;
        }
    }
    CHECK_INT_EQ(test_alloc_state.live_blocks, blocks_after_first);
    appmesh_client_destroy(r.client);
    return 0;
}

struct oom_ctx {
    struct rig r;
};

static enum appmesh_status oom_body(void *ctxp)
{
    static const struct canned script[] = {{200, APPMESH_OK, NULL, OK_BODY}};
    struct oom_ctx *ctx = ctxp;
    struct appmesh_error err = {0};
    struct appmesh_update_virtual_service_input in = node_input();
    struct appmesh_virtual_service_data out = {0};
    enum appmesh_status st;

    rig_open(&ctx->r, script, 1, &err);
    st = rig_client(&ctx->r, &err);
    if (st != APPMESH_OK) {
        return st;
    }
    st = appmesh_client_update_virtual_service(ctx->r.client, &in, &out, NULL, &err);
    appmesh_virtual_service_data_cleanup(&out);
    appmesh_client_destroy(ctx->r.client);
    return st;
}

static int survives_every_allocation_failure(void)
{
    struct oom_ctx ctx;
    return test_oom_loop(oom_body, &ctx, 500);
}

static int adaptive_mode_rate_limits_after_a_throttle(void)
{
    static const struct canned script[] = {
        {429, APPMESH_OK, "x-amzn-ErrorType: ThrottlingException\r\n", "{}"},
        {200, APPMESH_OK, NULL, OK_BODY},
        {200, APPMESH_OK, NULL, OK_BODY},
    };
    struct appmesh_error err = {0};
    struct rig r;
    struct appmesh_update_virtual_service_input in = node_input();
    struct appmesh_virtual_service_data out = {0};
    struct appmesh_call_info info = {0};

    CHECK_OK(rig_open(&r, script, 3, &err), &err);
    r.opts.retry_mode = "adaptive";
    CHECK_OK(rig_client(&r, &err), &err);
    CHECK(!am_client_service(r.client)->limiter.enabled, "off until the first throttle");
    CHECK_OK(appmesh_client_update_virtual_service(r.client, &in, &out, &info, &err), &err);
    appmesh_virtual_service_data_cleanup(&out);
    CHECK_INT_EQ(info.attempts, 2);
    CHECK(am_client_service(r.client)->limiter.enabled,
          "a throttle turns the client-side limiter on");
    CHECK(am_client_service(r.client)->limiter.fill_rate > 0, "a send rate is set");
    CHECK_OK(appmesh_client_update_virtual_service(r.client, &in, &out, &info, &err), &err);
    appmesh_virtual_service_data_cleanup(&out);
    appmesh_client_destroy(r.client);
    return 0;
}

static int resolves_credentials_before_any_call(void)
{
    struct appmesh_error err = {0};
    struct rig r;
    CHECK_OK(rig_open(&r, NULL, 0, &err), &err);
    CHECK_OK(rig_client(&r, &err), &err);
    CHECK(appmesh_client_credentials_source(r.client) == NULL, "none before");
    CHECK_OK(appmesh_client_resolve_credentials(r.client, &err), &err);
    CHECK_STR_EQ(appmesh_client_credentials_source(r.client), "explicit");
    CHECK_INT_EQ(r.fake.sent_count, 0);
    appmesh_client_destroy(r.client);
    CHECK_STATUS(appmesh_client_resolve_credentials(NULL, &err), APPMESH_ERR_INVALID_ARGUMENT,
                 &err);
    return 0;
}

static int refuses_an_answer_about_another_resource(void)
{
    /* a 200 naming another mesh or service, or none, or a negative version: not this call's */
    static const char *const bodies[] = {
        "{\"meshName\":\"evil-mesh\",\"virtualServiceName\":\"colorgateway.default.svc."
        "cluster.local\",\"spec\":{},\"status\":{\"status\":\"ACTIVE\"}}",
        "{\"meshName\":\"ecs-mesh\",\"virtualServiceName\":\"evil-svc\",\"spec\":{},"
        "\"status\":{\"status\":\"ACTIVE\"}}",
        "{\"virtualServiceName\":\"colorgateway.default.svc.cluster.local\",\"spec\":{}}",
        "{\"meshName\":\"ecs-mesh\",\"virtualServiceName\":\"colorgateway.default.svc."
        "cluster.local\",\"spec\":{},\"metadata\":{\"version\":-1}}",
    };
    static const char *const messages[] = {
        "the answer is about meshName 'evil-mesh', not 'ecs-mesh' as asked",
        "the answer is about virtualServiceName 'evil-svc', not "
        "'colorgateway.default.svc.cluster.local' as asked",
        "the answer has no meshName, where 'ecs-mesh' was asked for",
        "response field metadata.version is negative",
    };
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        const struct canned script[] = {{200, APPMESH_OK, NULL, bodies[i]}};
        struct appmesh_error err = {0};
        struct rig r;
        struct appmesh_update_virtual_service_input in = node_input();
        struct appmesh_virtual_service_data out = {0};
        struct appmesh_call_info info = {0};
        CHECK_OK(rig_open(&r, script, 1, &err), &err);
        CHECK_OK(rig_client(&r, &err), &err);
        CHECK_STATUS(appmesh_client_update_virtual_service(r.client, &in, &out, &info, &err),
                     APPMESH_ERR_RESPONSE, &err);
        CHECK(strstr(err.message, messages[i]) != NULL, err.message);
        CHECK(out.mesh_name == NULL && out.virtual_service_name == NULL, "nothing handed over");
        CHECK_INT_EQ(r.fake.sent_count, 1); /* not retried: the change may have been made */
        appmesh_client_destroy(r.client);
    }
    return 0;
}

static int describes_a_service_with_a_signed_get(void)
{
    static const struct canned script[] = {{200, APPMESH_OK, "x-amzn-RequestId: d1\r\n", OK_BODY}};
    struct appmesh_error err = {0};
    struct rig r;
    struct appmesh_describe_virtual_service_input in = {
        "ecs-mesh", "colorgateway.default.svc.cluster.local", "123456789012"};
    struct appmesh_virtual_service_data out = {0};
    struct appmesh_call_info info = {0};
    char v[256];

    CHECK_OK(rig_open(&r, script, 1, &err), &err);
    CHECK_OK(rig_client(&r, &err), &err);
    CHECK_OK(appmesh_client_describe_virtual_service(r.client, &in, &out, &info, &err), &err);
    CHECK_STR_EQ(r.fake.sent[0].method, "GET");
    CHECK_STR_EQ(r.fake.sent[0].url, "http://127.0.0.1:9000/v20190125/meshes/ecs-mesh/"
                                     "virtualServices/colorgateway.default.svc.cluster.local"
                                     "?meshOwner=123456789012");
    CHECK_STR_EQ(r.fake.sent[0].body, "");
    CHECK(find_header(&r.fake.sent[0], "Content-Type", v, sizeof(v)) == NULL, "no body type");
    CHECK(strstr(find_header(&r.fake.sent[0], "Authorization", v, sizeof(v)),
                 "SignedHeaders=host;x-amz-date,") != NULL,
          v);
    CHECK_STR_EQ(out.spec.provider.u.virtual_node.virtual_node_name, "colorgateway-vn");
    CHECK_STR_EQ(info.request_id, "d1");
    CHECK_STR_EQ(info.client_token, "");
    appmesh_virtual_service_data_cleanup(&out);
    in.mesh_owner = "1";
    CHECK_STATUS(appmesh_client_describe_virtual_service(r.client, &in, &out, &info, &err),
                 APPMESH_ERR_VALIDATION, &err);
    CHECK_STR_EQ(err.field, "meshOwner");
    CHECK_INT_EQ(r.fake.sent_count, 1);
    appmesh_client_destroy(r.client);
    return 0;
}

static int lists_a_page_with_limit_owner_and_token(void)
{
    static const struct canned script[] = {
        {200, APPMESH_OK, NULL,
         "{\"virtualServices\":[{\"meshName\":\"m\",\"virtualServiceName\":\"a\","
         "\"version\":3},{\"meshName\":\"m\",\"virtualServiceName\":\"b\",\"version\":1}],"
         "\"nextToken\":\"next/2\"}"},
    };
    struct appmesh_error err = {0};
    struct rig r;
    struct appmesh_list_virtual_services_input in = {0};
    struct appmesh_virtual_service_list out = {0};

    in.mesh_name = "m";
    in.mesh_owner = "123456789012";
    in.next_token = "tok/1";
    in.limit = 2;
    CHECK_OK(rig_open(&r, script, 1, &err), &err);
    CHECK_OK(rig_client(&r, &err), &err);
    CHECK_OK(appmesh_client_list_virtual_services(r.client, &in, &out, NULL, &err), &err);
    CHECK_STR_EQ(r.fake.sent[0].url, "http://127.0.0.1:9000/v20190125/meshes/m/virtualServices"
                                     "?limit=2&meshOwner=123456789012&nextToken=tok%2F1");
    CHECK_INT_EQ(out.count, 2);
    CHECK_STR_EQ(out.items[1].virtual_service_name, "b");
    CHECK_INT_EQ(out.items[0].version, 3);
    CHECK_STR_EQ(out.next_token, "next/2");
    appmesh_virtual_service_list_cleanup(&out);
    appmesh_client_destroy(r.client);
    return 0;
}

/* ---- clock skew ---- */

/* The rig's clock is 2015-08-30T12:36:00Z; these servers are an hour ahead or behind. */
#define SKEW_AHEAD  "Date: Sun, 30 Aug 2015 13:36:00 GMT\r\n"
#define SKEW_BEHIND "Date: Sun, 30 Aug 2015 11:36:00 GMT\r\n"
#define EXPIRED_SIG                                                                                \
    "{\"message\":\"Signature expired: 20150830T123600Z is now earlier than 20150830T132100Z "     \
    "(20150830T133600Z - 15 min.)\"}"

static int classifies_clock_skew_errors(void)
{
    static const struct {
        const char *code;
        const char *message;
        int status;
        bool skew;
    } cases[] = {
        {"RequestTimeTooSkewed", "The difference is too large", 403, true},
        {"RequestExpired", "Request has expired", 400, true},
        {"RequestInTheFuture", "Request is in the future", 403, true},
        {"InvalidSignatureException", "Signature expired: 20150830T123600Z is now earlier", 403,
         true},
        {"InvalidSignatureException", "Signature not yet current: 20150830T143600Z is still later",
         403, true},
        {"SignatureDoesNotMatch", "Signature expired: 20150830T123600Z is now earlier", 403, true},
        {"AuthFailure", "Request time is too skewed", 401, true},
        {"InvalidSignatureException", "The request signature we calculated does not match", 403,
         false},
        {"AuthFailure", "AWS was not able to validate the provided access credentials", 401, false},
        {"ExpiredTokenException", "The security token included in the request is expired", 403,
         false},
        {"RequestTimeTooSkewed", "server side", 500, false},
    };
    size_t i = 0;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct appmesh_error e = {0};
        snprintf(e.aws_code, sizeof(e.aws_code), "%s", cases[i].code);
        snprintf(e.message, sizeof(e.message), "%s", cases[i].message);
        e.http_status = cases[i].status;
        e.status = APPMESH_ERR_SERVICE;
        CHECK(am_retry_is_clock_skew(&e) == cases[i].skew, cases[i].message);
    }
    return 0;
}

/* A skewed server: the first attempt is refused, the second (corrected) succeeds at once. */
static int check_skew_corrected(const char *date, const char *want_date)
{
    struct canned script[3] = {
        {403, APPMESH_OK, NULL, EXPIRED_SIG},
        {200, APPMESH_OK, "x-amzn-RequestId: req-2\r\n", OK_BODY},
        {200, APPMESH_OK, "x-amzn-RequestId: req-3\r\n", OK_BODY},
    };
    char headers[256];
    struct appmesh_error err = {0};
    struct rig r;
    struct appmesh_update_virtual_service_input in = node_input();
    struct appmesh_virtual_service_data out = {0};
    struct appmesh_call_info info = {0};
    char v[256];

    snprintf(headers, sizeof(headers), "x-amzn-ErrorType: InvalidSignatureException\r\n%s", date);
    script[0].headers = headers;
    CHECK_OK(rig_open(&r, script, 3, &err), &err);
    CHECK_OK(rig_client(&r, &err), &err);
    CHECK_OK(appmesh_client_update_virtual_service(r.client, &in, &out, &info, &err), &err);
    CHECK_INT_EQ(info.attempts, 2);
    CHECK_INT_EQ(r.clock_state.sleeps, 0); /* at once, no backoff */
    CHECK_STR_EQ(find_header(&r.fake.sent[0], "X-Amz-Date", v, sizeof(v)), "20150830T123600Z");
    CHECK_STR_EQ(find_header(&r.fake.sent[1], "X-Amz-Date", v, sizeof(v)), want_date);
    CHECK_STR_EQ(find_header(&r.fake.sent[1], "amz-sdk-request", v, sizeof(v)), "attempt=2; max=3");
    appmesh_virtual_service_data_cleanup(&out);
    /* The client keeps the correction: the next call is signed right the first time. */
    CHECK_OK(appmesh_client_update_virtual_service(r.client, &in, &out, &info, &err), &err);
    CHECK_INT_EQ(info.attempts, 1);
    CHECK_STR_EQ(find_header(&r.fake.sent[2], "X-Amz-Date", v, sizeof(v)), want_date);
    appmesh_virtual_service_data_cleanup(&out);
    appmesh_client_destroy(r.client);
    return 0;
}

static int corrects_a_clock_that_is_behind_and_retries_at_once(void)
{
    return check_skew_corrected(SKEW_AHEAD, "20150830T133600Z");
}

static int corrects_a_clock_that_is_ahead_and_retries_at_once(void)
{
    return check_skew_corrected(SKEW_BEHIND, "20150830T113600Z");
}

static int fails_on_a_second_skew_error(void)
{
    static const struct canned script[] = {
        {403, APPMESH_OK, "x-amzn-ErrorType: InvalidSignatureException\r\n" SKEW_AHEAD,
         EXPIRED_SIG},
        {403, APPMESH_OK, "x-amzn-ErrorType: RequestTimeTooSkewed\r\n" SKEW_BEHIND,
         "{\"message\":\"too skewed\"}"},
        {200, APPMESH_OK, NULL, OK_BODY},
    };
    struct appmesh_error err = {0};
    struct rig r;
    struct appmesh_update_virtual_service_input in = node_input();
    struct appmesh_virtual_service_data out = {0};
    struct appmesh_call_info info = {0};

    CHECK_OK(rig_open(&r, script, 3, &err), &err);
    CHECK_OK(rig_client(&r, &err), &err);
    CHECK_STATUS(appmesh_client_update_virtual_service(r.client, &in, &out, &info, &err),
                 APPMESH_ERR_SERVICE, &err);
    CHECK_INT_EQ(info.attempts, 2);
    CHECK_INT_EQ(r.fake.sent_count, 2);
    CHECK_STR_EQ(err.aws_code, "RequestTimeTooSkewed");
    CHECK_INT_EQ(err.attempts, 2);
    CHECK(!err.retryable, "not retryable");
    CHECK_STR_EQ(err.message, "too skewed (after correcting the clock by -3600 s)");
    appmesh_client_destroy(r.client);
    return 0;
}

static int does_not_retry_a_signature_mismatch(void)
{
    static const struct canned script[] = {
        {403, APPMESH_OK, "x-amzn-ErrorType: InvalidSignatureException\r\n" SKEW_AHEAD,
         "{\"message\":\"The request signature we calculated does not match\"}"},
        {200, APPMESH_OK, NULL, OK_BODY},
    };
    struct appmesh_error err = {0};
    struct rig r;
    struct appmesh_update_virtual_service_input in = node_input();
    struct appmesh_virtual_service_data out = {0};
    struct appmesh_call_info info = {0};

    CHECK_OK(rig_open(&r, script, 2, &err), &err);
    CHECK_OK(rig_client(&r, &err), &err);
    CHECK_STATUS(appmesh_client_update_virtual_service(r.client, &in, &out, &info, &err),
                 APPMESH_ERR_SERVICE, &err);
    CHECK_INT_EQ(info.attempts, 1);
    appmesh_client_destroy(r.client);
    return 0;
}

static int does_not_retry_a_skew_error_whose_date_agrees(void)
{
    static const struct canned script[] = {
        {403, APPMESH_OK,
         "x-amzn-ErrorType: InvalidSignatureException\r\n"
         "Date: Sun, 30 Aug 2015 12:36:30 GMT\r\n",
         EXPIRED_SIG},
        {200, APPMESH_OK, NULL, OK_BODY},
    };
    struct appmesh_error err = {0};
    struct rig r;
    struct appmesh_update_virtual_service_input in = node_input();
    struct appmesh_virtual_service_data out = {0};
    struct appmesh_call_info info = {0};

    CHECK_OK(rig_open(&r, script, 2, &err), &err);
    CHECK_OK(rig_client(&r, &err), &err);
    CHECK_STATUS(appmesh_client_update_virtual_service(r.client, &in, &out, &info, &err),
                 APPMESH_ERR_SERVICE, &err);
    CHECK_INT_EQ(info.attempts, 1);
    CHECK_STR_EQ(err.aws_code, "InvalidSignatureException");
    appmesh_client_destroy(r.client);
    return 0;
}

static const struct test_case cases[] = {
    {"resolves_credentials_before_any_call", resolves_credentials_before_any_call},
    {"refuses_an_answer_about_another_resource", refuses_an_answer_about_another_resource},
    {"refuses_option_values_out_of_range", refuses_option_values_out_of_range},
    {"describes_a_service_with_a_signed_get", describes_a_service_with_a_signed_get},
    {"lists_a_page_with_limit_owner_and_token", lists_a_page_with_limit_owner_and_token},
    {"adaptive_mode_rate_limits_after_a_throttle", adaptive_mode_rate_limits_after_a_throttle},
    {"updates_a_service_and_parses_the_result", updates_a_service_and_parses_the_result},
    {"keeps_one_generated_token_across_retries", keeps_one_generated_token_across_retries},
    {"returns_throttling_after_max_attempts", returns_throttling_after_max_attempts},
    {"does_not_retry_not_found", does_not_retry_not_found},
    {"retries_connection_failures_and_timeouts", retries_connection_failures_and_timeouts},
    {"reports_the_last_transport_error_after_max_attempts",
     reports_the_last_transport_error_after_max_attempts},
    {"sends_nothing_for_invalid_input", sends_nothing_for_invalid_input},
    {"reports_missing_credentials_without_sending", reports_missing_credentials_without_sending},
    {"reports_a_missing_region_at_call_time", reports_a_missing_region_at_call_time},
    {"resolves_the_aws_endpoint_from_the_region", resolves_the_aws_endpoint_from_the_region},
    {"refuses_a_malformed_custom_endpoint_at_creation",
     refuses_a_malformed_custom_endpoint_at_creation},
    {"gives_a_readable_error_for_a_garbage_success_body",
     gives_a_readable_error_for_a_garbage_success_body},
    {"retries_a_garbage_server_error_body", retries_a_garbage_server_error_body},
    {"signs_afresh_after_a_date_change_and_a_credential_rotation",
     signs_afresh_after_a_date_change_and_a_credential_rotation},
    {"previews_the_request_with_secrets_redacted", previews_the_request_with_secrets_redacted},
    {"escapes_labels_and_keeps_the_endpoint_base_path",
     escapes_labels_and_keeps_the_endpoint_base_path},
    {"takes_max_attempts_from_the_environment", takes_max_attempts_from_the_environment},
    {"stops_when_interrupted_during_backoff", stops_when_interrupted_during_backoff},
    {"allocates_nothing_per_call_once_warm", allocates_nothing_per_call_once_warm},
    {"survives_every_allocation_failure", survives_every_allocation_failure},
    {"classifies_clock_skew_errors", classifies_clock_skew_errors},
    {"corrects_a_clock_that_is_behind_and_retries_at_once",
     corrects_a_clock_that_is_behind_and_retries_at_once},
    {"corrects_a_clock_that_is_ahead_and_retries_at_once",
     corrects_a_clock_that_is_ahead_and_retries_at_once},
    {"fails_on_a_second_skew_error", fails_on_a_second_skew_error},
    {"does_not_retry_a_signature_mismatch", does_not_retry_a_signature_mismatch},
    {"does_not_retry_a_skew_error_whose_date_agrees",
     does_not_retry_a_skew_error_whose_date_agrees},
};

TEST_MAIN("client", cases)
