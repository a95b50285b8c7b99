/* SPDX-License-Identifier: MIT */
/* The network credential providers' test rig: a chain over tests/fixtures/creds, the canned
 * transport and an environment table, and the canned STS and metadata answers. */
#ifndef APPMESH_TEST_CRED_RIG_H
#define APPMESH_TEST_CRED_RIG_H

#include "appmesh/appmesh.h"
#include "credentials.h"
#include "env.h"
#include "rig.h"

#define NOW  1440938160.0 /* 2015-08-30T12:36:00Z */
#define EXP1 "2015-08-30T13:36:00Z"
#define EXP2 "2015-08-30T14:36:00Z"

#define XMLNS " xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\""
#define STS_OK(action, id, exp)                                                                    \
    "<?xml version=\"1.0\"?>\n<" action "Response" XMLNS "><" action                               \
    "Result>\n<Credentials><AccessKeyId>" id "</AccessKeyId><SecretAccessKey>SecretOf" id          \
    "/EXAMPLE</SecretAccessKey><SessionToken>TokenOf" id "</SessionToken><Expiration>" exp         \
    "</Expiration></Credentials></" action "Result><ResponseMetadata><RequestId>r-1</RequestId>"   \
    "</ResponseMetadata></" action "Response>\n"
#define ROLE_OK(id, exp) STS_OK("AssumeRole", id, exp)
#define WEB_OK(id, exp)  STS_OK("AssumeRoleWithWebIdentity", id, exp)
#define STS_ERROR(code, msg)                                                                       \
    "<ErrorResponse" XMLNS "><Error><Type>Sender</Type><Code>" code "</Code><Message>" msg         \
    "</Message></Error><RequestId>r-2</RequestId></ErrorResponse>"
#define META_JSON(id, exp)                                                                         \
    "{\"Code\":\"Success\",\"Type\":\"AWS-HMAC\",\"AccessKeyId\":\"" id                            \
    "\",\"SecretAccessKey\":\"SecretOf" id "/EXAMPLE\",\"Token\":\"TokenOf" id                     \
    "\",\"Expiration\":\"" exp "\"}"

/* ---- a chain over the fixtures, the canned transport and an environment table ---- */

struct net {
    struct fake fake;
    struct appmesh_transport transport;
    const char *env[48];
    struct am_credentials_chain *chain;
    struct appmesh_credentials view;
    const char *source;
    struct appmesh_error err;
};

/* extra: name/value pairs, NULL-terminated; they win over the defaults. */
static inline enum appmesh_status net_open(struct net *n,
                                           const struct canned *script,
                                           size_t count,
                                           const char *const *extra,
                                           const char *region)
{
    static const char *const defaults[] = {
        "HOME",
        "/nonexistent-appmesh-test-home",
        "AWS_CONFIG_FILE",
        "fixtures/creds/config",
        "AWS_SHARED_CREDENTIALS_FILE",
        "fixtures/creds/credentials",
        "AWS_EC2_METADATA_DISABLED",
        "true",
        NULL,
    };
    struct am_env env = {test_getenv, NULL};
    struct am_credentials_chain_options o = {0};
    size_t i = 0;
    size_t k = 0;

    memset(n, 0, sizeof(*n));
    n->fake.script = script;
    n->fake.script_len = count;
    n->transport.vtable = &fake_vtable;
    n->transport.impl = &n->fake;
    for (i = 0; extra != NULL && extra[i] != NULL; i += 2) {
        n->env[k++] = extra[i];
        n->env[k++] = extra[i + 1];
    }
    for (i = 0; defaults[i] != NULL; i++) {
        n->env[k++] = defaults[i];
    }
    n->env[k] = NULL;
    env.ud = (void *)n->env;
    o.env = &env;
    o.region = region;
    o.transport = &n->transport;
    return am_credentials_chain_new(&test_allocator, &o, &n->chain, &n->err);
}

static inline enum appmesh_status net_get(struct net *n, double now)
{
    appmesh_error_clear(&n->err);
    return am_credentials_chain_get(n->chain, now, &n->view, &n->source, &n->err);
}

static inline void net_close(struct net *n)
{
    am_credentials_chain_destroy(n->chain);
    n->chain = NULL;
}

/* No secret of the fixtures or the canned answers in a message. */
static inline int check_no_secret(const char *message)
{
    static const char *const secrets[] = {"Secret", "TokenOf", "EXAMPLE", "eyJ",
                                          "container-token-from-file"};
    size_t i = 0;
    for (i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
        CHECK(strstr(message, secrets[i]) == NULL, message);
    }
    return 0;
}

/* The chain (profile from AWS_PROFILE) finds source with key id, or fails with message. */
struct outcome {
    const char *source;        /* NULL = fails */
    const char *access_key_id; /* or the message (a substring) when it fails */
};

static inline int run_case(const struct canned *script,
                           size_t count,
                           const char *const *env,
                           const char *region,
                           const struct outcome *want,
                           struct net *n)
{
    CHECK_OK(net_open(n, script, count, env, region), &n->err);
    if (want->source != NULL) {
        CHECK_OK(net_get(n, NOW), &n->err);
        CHECK_STR_EQ(n->source, want->source);
        CHECK_STR_EQ(n->view.access_key_id, want->access_key_id);
    } else {
        CHECK_STATUS(net_get(n, NOW), APPMESH_ERR_CREDENTIALS, &n->err);
        CHECK(strstr(n->err.message, want->access_key_id) != NULL, n->err.message);
        if (check_no_secret(n->err.message) != 0) {
            return 1;
        }
    }
    return 0;
}

#define RUN(script, env, region, want)                                                             \
    do {                                                                                           \
        struct net n_;                                                                             \
        int rc_ = run_case(script, sizeof(script) / sizeof(script[0]), env, region, want, &n_);    \
        net_close(&n_);                                                                            \
        if (rc_ != 0) {                                                                            \
            fprintf(stderr, "  in the case at line %d\n", __LINE__);                               \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

/* IMDS on (the rig's default environment turns it off). */
static const char *const imds_on[] = {"AWS_EC2_METADATA_DISABLED", "false", NULL};

#endif
