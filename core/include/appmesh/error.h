/* SPDX-License-Identifier: MIT */
/* Status codes and the caller-owned error record every fallible function fills. */
#ifndef APPMESH_ERROR_H
#define APPMESH_ERROR_H

#include <stdbool.h>

#include "appmesh/common.h"

/** Result of every fallible call. Never renumbered; new values are appended. */
enum appmesh_status {
    APPMESH_OK = 0,
    APPMESH_ERR_INVALID_ARGUMENT, /* caller bug: NULL where an object is needed, bad enum */
    APPMESH_ERR_NOMEM,
    APPMESH_ERR_VALIDATION, /* input breaks an App Mesh constraint; err->field is set */
    APPMESH_ERR_JSON,       /* JSON that could not be built or read */
    APPMESH_ERR_TRANSPORT,  /* DNS, connect, TLS, reset (curl) */
    APPMESH_ERR_THROTTLED,  /* 429 / ThrottlingException / TooManyRequestsException */
    APPMESH_ERR_SERVICE,    /* any other error response; err->aws_code is set */
    APPMESH_ERR_INTERNAL,
    APPMESH_ERR_CREDENTIALS, /* no usable credentials, or a provider failed */
    APPMESH_ERR_ENDPOINT,    /* no endpoint could be resolved, or a bad endpoint URL */
    APPMESH_ERR_TIMEOUT,     /* connect or total timeout */
    APPMESH_ERR_RESPONSE,    /* a response that could not be read (garbage, truncated, too big) */
    APPMESH_ERR_INTERRUPTED, /* the caller's interrupt hook asked to stop */
    APPMESH_ERR_CONFIG,      /* an unreadable or malformed config/credentials file or option */
};

/**
 * What went wrong, in a fixed-size record the caller owns (works when out of memory).
 * Start from `struct appmesh_error err = {0};`. The innermost failure writes it; the first
 * error wins. Strings are NUL-terminated and never contain a secret.
 */
struct appmesh_error {
    enum appmesh_status status;
    int http_status;     /* 0 = no response */
    bool retryable;      /* the kind of error that the retry policy retries */
    int attempts;        /* attempts made by the call that failed (0 = none sent) */
    char aws_code[64];   /* service error code, e.g. "NotFoundException"; "" if none */
    char request_id[64]; /* x-amzn-RequestId of the failing response; "" if none */
    char field[128];     /* dotted path of the bad parameter for APPMESH_ERR_VALIDATION */
    char message[512];   /* one line, no trailing newline or period */
};

/** The stable C identifier of a status, e.g. "APPMESH_ERR_VALIDATION". Never NULL. */
APPMESH_API const char *appmesh_status_name(enum appmesh_status status);

/**
 * The CONTRACT.md error code for a failed call: err->aws_code when the service sent one,
 * otherwise the client's own ("ValidationError", "TransportError", ...). Never NULL.
 * Borrowed: points into err or to a static string.
 */
APPMESH_API const char *appmesh_error_code(const struct appmesh_error *err);

/** Reset err to the zero state (safe on NULL). */
APPMESH_API void appmesh_error_clear(struct appmesh_error *err);

#endif
