/* SPDX-License-Identifier: MIT */
/* What every credential provider uses: the found set, the context, files, transports
 * (cred_util.c), under the providers as aws-c-auth's credentials_utils.h. */
#ifndef APPMESH_CRED_UTIL_H
#define APPMESH_CRED_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "appmesh/http.h"
#include "appmesh/transport.h"
#include "config.h"
#include "env.h"
#include "internal.h"

/**
 * Credentials a provider found. Every string is owned, in a block of its own kept out of core
 * dumps (secmem.h); am_cred_set_clear wipes and unmaps them.
 */
struct am_cred_set {
    char *access_key_id;
    char *secret_access_key;
    char *session_token; /* NULL = none */
    double expires;      /* epoch seconds; 0 = never */
};
/** Copy views into owned strings (replacing s's contents). Errors: NOMEM. */
enum appmesh_status am_cred_set_copy(struct am_cred_set *s,
                                     const char *access_key_id,
                                     const char *secret_access_key,
                                     const char *session_token,
                                     double expires,
                                     struct appmesh_error *err);
/** Wipe and free; safe on a zeroed set and safe twice. */
void am_cred_set_clear(struct am_cred_set *s);

/**
 * Append a whole small file that holds a secret (a token) to buf, read unbuffered so that no
 * stdio buffer keeps a copy (buf wipes on growth; the caller wipes it). On a problem it returns
 * APPMESH_OK with why set ("cannot be read (reason)", "is larger than N KiB"); why is "" on
 * success. Errors: NOMEM.
 */
enum appmesh_status am_cred_read_file(const char *path,
                                      size_t max,
                                      struct appmesh_buf *buf,
                                      char *why,
                                      size_t whysize,
                                      struct appmesh_error *err);

/** Which transport a provider's request goes through. */
enum am_cred_net {
    AM_CRED_NET_SERVICE = 0, /* STS, SSO: the client's timeouts and CA bundle */
    AM_CRED_NET_METADATA,    /* IMDS, container endpoint: 1 s timeouts, plain http */
};
/**
 * The transports of providers' requests, made on first use (am_cred_transport) and kept for
 * the chain's life. The chain fills alloc, service and custom; the rest starts zeroed.
 */
struct am_cred_transports {
    const struct appmesh_allocator *alloc;
    struct appmesh_transport_curl_options service; /* for AM_CRED_NET_SERVICE; strings borrowed */
    struct appmesh_transport *custom;              /* the client's transport (tests); borrowed */
    struct appmesh_transport *made[2];             /* by enum am_cred_net */
};
/** Destroy the transports made; safe on a zeroed struct and safe twice. */
void am_cred_transports_cleanup(struct am_cred_transports *t);

struct am_credentials_chain;
struct am_cred_ctx;
struct am_cred_set;
/**
 * Run the providers botocore runs for a source_profile on `profile` (the chain's; see
 * am_cred_profile_providers).
 */
typedef enum appmesh_status(am_cred_profile_fn)(const struct am_cred_ctx *ctx,
                                                const char *profile,
                                                struct am_cred_set *out,
                                                bool *ok,
                                                struct appmesh_buf *tried,
                                                struct appmesh_error *err);

/**
 * What a provider may use while the chain runs it. The chain's own pieces come in as
 * pointers (the transports, the source-profile runner), so that providers never call back
 * into credentials.c.
 */
struct am_cred_ctx {
    struct am_credentials_chain *chain;    /* opaque here: for the chain's own providers */
    struct am_cred_transports *transports; /* for am_cred_transport */
    am_cred_profile_fn *run_profile;       /* for am_cred_profile_providers */
    const struct appmesh_allocator *alloc;
    const struct am_env *env;
    const struct am_config *config; /* the shared files, loaded */
    const char *profile;            /* the profile the chain resolves */
    const char *region;             /* the client's region; NULL = none */
    double now;                     /* epoch seconds (the client's clock) */
    /* The client's profile (its settings: the STS endpoint, IMDS endpoint), which stays the
     * same while `profile` names a source profile of an assume-role chain. */
    const char *client_profile;
    /* Resolving a source profile: providers read that profile only, never the environment
     * (botocore's disable_env_vars). */
    bool profile_only;
};
/**
 * The transport for a provider's requests: the custom one when set, else made on first use
 * and kept in ctx->transports (borrowed by the caller). Errors: NOMEM, TRANSPORT.
 */
enum appmesh_status am_cred_transport(const struct am_cred_ctx *ctx,
                                      enum am_cred_net which,
                                      struct appmesh_transport **out,
                                      struct appmesh_error *err);
/**
 * A provider looks for credentials: on APPMESH_OK, *ok says whether it found any (then *out
 * holds them). It appends where it looked to `tried` (for the "no credentials found"
 * message). An error (half a key pair, a failing process, an STS error) stops the chain when
 * the provider was configured to be used; a provider that is not configured says so in tried
 * and returns APPMESH_OK with *ok false.
 */
typedef enum appmesh_status(am_cred_provider_fn)(const struct am_cred_ctx *ctx,
                                                 struct am_cred_set *out,
                                                 bool *ok,
                                                 struct appmesh_buf *tried,
                                                 struct appmesh_error *err);

/**
 * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, for credential_source =
 * Environment (read even when a profile was chosen explicitly). *ok false when unset.
 * Errors: CREDENTIALS (half a key pair), NOMEM.
 */
enum appmesh_status am_cred_environment(const struct am_cred_ctx *ctx,
                                        struct am_cred_set *out,
                                        bool *ok,
                                        struct appmesh_error *err);
/**
 * Run the providers botocore runs for a source_profile (web identity, SSO, shared credentials
 * file, credential_process, config file) on `profile`, without the environment, through
 * ctx->run_profile. *ok false when none has credentials; tried as for a provider.
 */
enum appmesh_status am_cred_profile_providers(const struct am_cred_ctx *ctx,
                                              const char *profile,
                                              struct am_cred_set *out,
                                              bool *ok,
                                              struct appmesh_buf *tried,
                                              struct appmesh_error *err);
/**
 * Send req through the provider transport `which` into resp (initialised here with 64 KiB
 * caps; the caller cleans it up, also on failure). A response of any status is APPMESH_OK.
 * Errors: as the transport's send, NOMEM.
 */
enum appmesh_status am_cred_http(const struct am_cred_ctx *ctx,
                                 enum am_cred_net which,
                                 const struct appmesh_http_request *req,
                                 struct appmesh_http_response *resp,
                                 struct appmesh_error *err);

#endif
