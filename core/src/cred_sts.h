/* SPDX-License-Identifier: MIT */
/* STS: the AssumeRole and AssumeRoleWithWebIdentity calls (query protocol, XML answers). */
#ifndef APPMESH_CRED_STS_H
#define APPMESH_CRED_STS_H

#include <stdbool.h>

#include "appmesh/http.h"
#include "cred_util.h"
#include "internal.h"

/** One STS call: what to ask for, and the form body being built. */
struct am_sts_call {
    const char *provider; /* "assume-role" / "assume-role-with-web-identity" for messages */
    const char *action;   /* "AssumeRole" / "AssumeRoleWithWebIdentity" */
    const char *role_arn;
    const struct am_cred_set *source; /* NULL = unsigned (web identity) */
    struct appmesh_buf form;          /* the form body (holds a web identity token: wiped) */
};

/**
 * Start c->form with the common part: Action, Version, RoleArn, RoleSessionName (session_name,
 * NULL = "appmesh-session-<epoch>", as botocore's botocore-session-<epoch>). Errors: NOMEM.
 */
enum appmesh_status am_sts_form(const struct am_cred_ctx *ctx,
                                struct am_sts_call *c,
                                const char *session_name,
                                struct appmesh_error *err);
/**
 * POST c->form to STS (the configured STS endpoint, else the regional one), signed with
 * c->source when set, and read the credentials into *out. Errors: CREDENTIALS (transport, STS
 * refusal, bad answer; never a secret), ENDPOINT, NOMEM.
 */
enum appmesh_status am_sts_assume(const struct am_cred_ctx *ctx,
                                  struct am_sts_call *c,
                                  struct am_cred_set *out,
                                  struct appmesh_error *err);
/**
 * Read an STS AssumeRole (or, web_identity, AssumeRoleWithWebIdentity) answer: the credentials
 * of a 200, else STS's error code and message. role_arn is named in messages. Errors:
 * CREDENTIALS (never a secret of the body), NOMEM.
 */
enum appmesh_status am_cred_sts_read(const struct am_cred_ctx *ctx,
                                     bool web_identity,
                                     const char *role_arn,
                                     const struct appmesh_http_response *resp,
                                     struct am_cred_set *out,
                                     struct appmesh_error *err);

#endif
