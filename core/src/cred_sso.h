/* SPDX-License-Identifier: MIT */
/* The SSO credential provider: the cached token and the portal (cred_sso.c). */
#ifndef APPMESH_CRED_SSO_H
#define APPMESH_CRED_SSO_H

#include <stddef.h>

#include "appmesh/http.h"
#include "cred_util.h"

/**
 * Reads the token `aws sso login` cached in ~/.aws/sso/cache/<sha1(sso_session or
 * sso_start_url)>.json (an expired or missing one says "run aws sso login"), then GETs
 * /federation/credentials from the SSO portal (https://portal.sso.{sso_region}.amazonaws.com,
 * or AWS_ENDPOINT_URL_SSO / AWS_ENDPOINT_URL / [services] sso / endpoint_url) with the token in
 * x-amz-sso_bearer_token, through am_cred_transport(AM_CRED_NET_SERVICE). Not configured: *ok
 * false. Errors: CREDENTIALS (incomplete profile, token, portal refusal), NOMEM.
 */
am_cred_provider_fn am_cred_sso_load;
/**
 * The token cache file's text (read from path, named in messages): {"accessToken", "expiresAt"}
 * not expired at ctx->now. session (nullable) is the profile's sso_session, for the login hint.
 * Owned by caller: *token (am_free_secret_str). Errors: CREDENTIALS (never the token), NOMEM.
 */
enum appmesh_status am_cred_sso_token_parse(const struct am_cred_ctx *ctx,
                                            const char *session,
                                            const char *path,
                                            const char *text,
                                            size_t len,
                                            char **token,
                                            struct appmesh_error *err);
/** GetRoleCredentials' 2xx answer (resp->body) into *out. Errors: CREDENTIALS, NOMEM. */
enum appmesh_status am_cred_sso_role_parse(const struct am_cred_ctx *ctx,
                                           const struct appmesh_http_response *resp,
                                           struct am_cred_set *out,
                                           struct appmesh_error *err);

#endif
