/* SPDX-License-Identifier: MIT */
/* The credential provider chain and its cache (credentials.c). */
#ifndef APPMESH_SRC_CREDENTIALS_H
#define APPMESH_SRC_CREDENTIALS_H

#include <stdbool.h>

#include "appmesh/credentials.h"
#include "appmesh/transport.h"
#include "env.h"
#include "internal.h"

struct am_credentials_chain;
/** What the chain needs from the client. Strings borrowed for the call to _new only. */
struct am_credentials_chain_options {
    const struct appmesh_credentials *explicit_creds; /* copied; NULL = use the providers */
    const struct am_env *env; /* copied; its getenv and ud must outlive the chain */
    const char *profile;      /* NULL = AWS_PROFILE, else "default" */
    const char *region;       /* the client's region (regional STS); NULL = none */
    const char *ca_bundle;    /* for STS and SSO; NULL = system store */
    bool no_verify_tls;
    double connect_timeout; /* seconds for STS and SSO; 0 = 5 */
    double timeout;         /* seconds for STS and SSO; 0 = 30 */
    /* The client's own transport when the caller supplied one (tests): every provider request
     * goes through it. NULL = the chain makes libcurl transports when a provider needs one. */
    struct appmesh_transport *transport;
};
/**
 * The chain, in botocore's order: explicit, environment, assume role (profile role_arn), web
 * identity, SSO, shared credentials file, credential_process, config file, container, IMDS.
 * No file or credential variable is read before the first am_credentials_chain_get. A profile
 * other than AWS_PROFILE / "default" (chosen explicitly) skips the environment provider, as
 * the AWS CLI's --profile does.
 * Owned by caller: *out (am_credentials_chain_destroy).
 * Errors: VALIDATION (explicit credentials without accessKeyId or secretAccessKey), NOMEM.
 */
enum appmesh_status am_credentials_chain_new(const struct appmesh_allocator *a,
                                             const struct am_credentials_chain_options *opts,
                                             struct am_credentials_chain **out,
                                             struct appmesh_error *err);
/** Wipes the cached secrets. NULL is a no-op. */
void am_credentials_chain_destroy(struct am_credentials_chain *chain);
/**
 * Current credentials (cached; refreshed when near expiry). *view borrows from the chain until
 * the next call; *source (nullable) names the provider ("explicit", "environment",
 * "shared-credentials-file", "config-file", ...). Errors: CREDENTIALS, saying every place it
 * looked (or which half of a key pair is missing), CONFIG (malformed file), NOMEM.
 */
enum appmesh_status am_credentials_chain_get(struct am_credentials_chain *chain,
                                             double now,
                                             struct appmesh_credentials *view,
                                             const char **source,
                                             struct appmesh_error *err);

/**
 * The service said the credentials signed with access_key_id have expired (ExpiredToken,
 * ExpiredTokenException): if they are still the cached ones, drop them, so that the next
 * am_credentials_chain_get looks for credentials again (from the top of the chain). Credentials
 * another call has refreshed meanwhile are kept. NULLs are no-ops.
 */
void am_credentials_chain_expire(struct am_credentials_chain *chain, const char *access_key_id);

#endif
