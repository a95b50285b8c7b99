/* SPDX-License-Identifier: MIT */
/* The App Mesh client: configuration, credentials, retries, and UpdateVirtualService. */
#ifndef APPMESH_CLIENT_H
#define APPMESH_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "appmesh/alloc.h"
#include "appmesh/buf.h"
#include "appmesh/common.h"
#include "appmesh/credentials.h"
#include "appmesh/error.h"
#include "appmesh/model.h"
#include "appmesh/transport.h"

/**
 * Time and randomness, injectable for tests. now(): epoch seconds (UTC); sleep(): wait that
 * many seconds (may return early when interrupted); random(): uniform in [0, 1) for jitter.
 * Any NULL member takes the real one.
 */
struct appmesh_clock {
    double (*now)(void *ud);
    void (*sleep)(void *ud, double seconds);
    double (*random)(void *ud);
    void *ud;
};

/** Looks up an environment variable; NULL when unset. Injectable so tests need no setenv. */
typedef const char *(appmesh_getenv_fn)(void *ud, const char *name);

/**
 * Client settings. Zero-initialise, then set what you need; everything is optional and
 * resolved as the AWS CLI does (explicit > environment > profile > default). Strings are
 * copied by appmesh_client_new().
 */
struct appmesh_client_options {
    const char *region;   /* else AWS_REGION, AWS_DEFAULT_REGION, the profile's region */
    const char *endpoint; /* else AWS_ENDPOINT_URL_APP_MESH, AWS_ENDPOINT_URL, profile, resolved */
    const char *profile;  /* else AWS_PROFILE, else "default" */
    const struct appmesh_credentials *credentials; /* else the provider chain */
    int max_attempts;                              /* 0 = AWS_MAX_ATTEMPTS, profile, 3 */
    const char *retry_mode;                        /* NULL = AWS_RETRY_MODE, profile, "standard" */
    double retry_base_delay;                       /* seconds; 0 = 1.0 */
    double connect_timeout;                        /* seconds; 0 = 5 */
    double timeout;                                /* seconds for one attempt; 0 = 30 */
    const char *ca_bundle; /* else AWS_CA_BUNDLE, profile ca_bundle, system store */
    bool no_verify_tls;    /* true turns TLS verification off */
    bool use_fips;         /* also AWS_USE_FIPS_ENDPOINT / profile use_fips_endpoint */
    bool use_dualstack;    /* also AWS_USE_DUALSTACK_ENDPOINT / profile */
    struct appmesh_transport *transport; /* NULL = libcurl; borrowed, must outlive the client */
    const struct appmesh_clock *clock;   /* NULL = real time; borrowed, must outlive the client */
    appmesh_getenv_fn *getenv;           /* NULL = getenv(3); called again when credentials */
    void *getenv_ud;                     /* are looked up: both must outlive the client */
    appmesh_interrupt_fn *interrupt;     /* checked during transfers and backoff sleeps */
    void *interrupt_ud;
};

/** One client: settings, credentials cache, signer, retry quota, transport. Not thread-safe. */
struct appmesh_client;

/** What a finished call did (filled on success and on failure). */
struct appmesh_call_info {
    int http_status;       /* of the last response; 0 = none */
    int attempts;          /* requests sent */
    char request_id[64];   /* x-amzn-RequestId of the last response */
    char client_token[40]; /* the idempotency token sent on every attempt */
};

/** A request that would be sent, with the signature and session token redacted. */
struct appmesh_request_preview {
    char method[8];
    struct appmesh_buf url;
    struct appmesh_buf headers; /* "Name: value\n" lines, in send order */
    struct appmesh_buf body;
};

/**
 * Create a client. alloc NULL = libc.
 * Borrowed: opts. Owned by caller: *out, released with appmesh_client_destroy().
 * Errors: APPMESH_ERR_VALIDATION (bad option), APPMESH_ERR_CONFIG (unreadable config file),
 * APPMESH_ERR_ENDPOINT, APPMESH_ERR_NOMEM, APPMESH_ERR_TRANSPORT.
 * Missing credentials are reported by the first call, not here.
 */
APPMESH_API APPMESH_NODISCARD enum appmesh_status
appmesh_client_new(const struct appmesh_allocator *alloc,
                   const struct appmesh_client_options *opts,
                   struct appmesh_client **out,
                   struct appmesh_error *err);

/** Destroy a client, wiping its credentials. NULL is a no-op. */
APPMESH_API void appmesh_client_destroy(struct appmesh_client *client);

/** The resolved region ("" when none). Borrowed from client. */
APPMESH_API const char *appmesh_client_region(const struct appmesh_client *client);

/** The resolved endpoint URL, e.g. "https://appmesh.us-east-1.amazonaws.com". Borrowed. */
APPMESH_API const char *appmesh_client_endpoint(const struct appmesh_client *client);

/**
 * Which credential provider supplied the credentials of the last call, e.g. "explicit",
 * "environment", "shared-credentials-file"; NULL before any call found credentials.
 * Never the keys themselves. Borrowed.
 */
APPMESH_API const char *appmesh_client_credentials_source(const struct appmesh_client *client);

/**
 * UpdateVirtualService: validate, serialise, sign, send with retries, parse.
 * Borrowed: in. Owned by caller: *out on APPMESH_OK, released with
 * appmesh_virtual_service_data_cleanup(). info may be NULL.
 * Errors: VALIDATION (nothing sent), CREDENTIALS, ENDPOINT, TRANSPORT, TIMEOUT, THROTTLED,
 * SERVICE (err->aws_code), RESPONSE, INTERRUPTED, NOMEM.
 */
APPMESH_API APPMESH_NODISCARD enum appmesh_status
appmesh_client_update_virtual_service(struct appmesh_client *client,
                                      const struct appmesh_update_virtual_service_input *in,
                                      struct appmesh_virtual_service_data *out,
                                      struct appmesh_call_info *info,
                                      struct appmesh_error *err);

/**
 * DescribeVirtualService: the service's current spec, status and metadata (GET, retried like
 * any call). Borrowed: in. Owned by caller: *out on APPMESH_OK, released with
 * appmesh_virtual_service_data_cleanup(). info may be NULL.
 * Errors: as appmesh_client_update_virtual_service(); NotFoundException for an unknown
 * mesh or service.
 */
APPMESH_API APPMESH_NODISCARD enum appmesh_status
appmesh_client_describe_virtual_service(struct appmesh_client *client,
                                        const struct appmesh_describe_virtual_service_input *in,
                                        struct appmesh_virtual_service_data *out,
                                        struct appmesh_call_info *info,
                                        struct appmesh_error *err);

/**
 * ListVirtualServices: one page of the mesh's virtual services. Pass out->next_token (when not
 * NULL) as in->next_token for the next page. Borrowed: in. Owned by caller: *out on
 * APPMESH_OK, released with appmesh_virtual_service_list_cleanup(). info may be NULL.
 * Errors: as appmesh_client_update_virtual_service().
 */
APPMESH_API APPMESH_NODISCARD enum appmesh_status
appmesh_client_list_virtual_services(struct appmesh_client *client,
                                     const struct appmesh_list_virtual_services_input *in,
                                     struct appmesh_virtual_service_list *out,
                                     struct appmesh_call_info *info,
                                     struct appmesh_error *err);

/**
 * Build and sign the UpdateVirtualService request exactly as the first attempt would send it,
 * without sending it. The Authorization signature and X-Amz-Security-Token are redacted.
 * Borrowed: in. Owned by caller: *out, released with appmesh_request_preview_cleanup().
 * Errors: VALIDATION, CREDENTIALS, ENDPOINT, NOMEM.
 */
APPMESH_API APPMESH_NODISCARD enum appmesh_status
appmesh_client_update_virtual_service_preview(struct appmesh_client *client,
                                              const struct appmesh_update_virtual_service_input *in,
                                              struct appmesh_request_preview *out,
                                              struct appmesh_error *err);

/**
 * Any of App Mesh's operations, by API name ("CreateRoute") or boto3 name ("create_route"),
 * with its input as JSON text and its output as JSON text: validate against the service model
 * (err->field is the member's path, list positions from 0: "spec.listeners[0].portMapping"),
 * fill the idempotency token when the operation has one and the input lacks it, serialise,
 * sign, send with retries, parse. The output is the operation's whole output structure, e.g.
 * {"route":{...}} for CreateRoute, {"routes":[...],"nextToken":"..."} for ListRoutes, with
 * JSON nulls and members the model does not know removed, timestamps as epoch seconds and
 * longs exact. Integers in the input beyond 2^53 are read exactly from the text.
 * Borrowed: operation, input_json (input_len bytes, need not be NUL-terminated; an empty
 * input is {}). Owned by caller: *output_json on APPMESH_OK, initialised here (its previous
 * contents are not freed) and released with appmesh_buf_cleanup(). info may be NULL.
 * Errors: INVALID_ARGUMENT (an unknown operation, naming the nearest known ones), JSON (input
 * that is not a JSON object), VALIDATION (nothing sent), and those of
 * appmesh_client_update_virtual_service().
 */
APPMESH_API APPMESH_NODISCARD enum appmesh_status
appmesh_client_call(struct appmesh_client *client,
                    const char *operation,
                    const char *input_json,
                    size_t input_len,
                    struct appmesh_buf *output_json,
                    struct appmesh_call_info *info,
                    struct appmesh_error *err);

/**
 * The request appmesh_client_call() would send first, without sending it, signature and
 * session token redacted.
 * Borrowed: operation, input_json. Owned by caller: *out, released with
 * appmesh_request_preview_cleanup(). Errors: as appmesh_client_call() before sending,
 * CREDENTIALS, ENDPOINT.
 */
APPMESH_API APPMESH_NODISCARD enum appmesh_status
appmesh_client_call_preview(struct appmesh_client *client,
                            const char *operation,
                            const char *input_json,
                            size_t input_len,
                            struct appmesh_request_preview *out,
                            struct appmesh_error *err);

/** Release a preview's buffers; safe on {0} and safe twice. */
APPMESH_API void appmesh_request_preview_cleanup(struct appmesh_request_preview *preview);

#endif
