/* SPDX-License-Identifier: MIT */
/* Endpoint URLs: parsing a custom one, resolving the regional one (endpoint.c). */
#ifndef APPMESH_ENDPOINT_H
#define APPMESH_ENDPOINT_H

#include <stdbool.h>

#include "internal.h"

struct am_url {
    struct appmesh_slice scheme;    /* "http" | "https", lower-case (a static string) */
    struct appmesh_slice host;      /* without brackets for IPv6 */
    struct appmesh_slice authority; /* host[:port] as written: the Host header value */
    struct appmesh_slice path;      /* base path without a trailing '/', may be empty */
    int port;                       /* explicit or the scheme's default */
};
/**
 * Split an absolute http(s) URL: scheme (any case), host (a name, IPv4, or [IPv6]), optional
 * port 1..65535, base path; no user information, query or fragment, only ASCII without spaces.
 * Borrowed: out's slices (but scheme) point into url. Errors: ENDPOINT naming the URL and what
 * is wrong (user information is masked).
 */
enum appmesh_status am_url_parse(const char *url, struct am_url *out, struct appmesh_error *err);
struct am_endpoint_params {
    const char *region;   /* required unless endpoint is set */
    const char *endpoint; /* custom endpoint URL, or NULL */
    bool use_fips;
    bool use_dualstack;
    const char *service; /* the hostname's first label; NULL = "appmesh" */
};
/**
 * The App Mesh endpoint URL (no trailing '/'), replacing url's contents: a custom endpoint as
 * written (checked by am_url_parse; FIPS or dual-stack with it is an error), else
 * https://{service}[-fips].{region}.{dnsSuffix | dualStackDnsSuffix} of the region's partition.
 * Errors: ENDPOINT with the reason (missing or invalid region, unsupported variant, bad URL).
 */
enum appmesh_status am_endpoint_resolve(const struct am_endpoint_params *p,
                                        struct appmesh_buf *url,
                                        struct appmesh_error *err);

#endif
