/* SPDX-License-Identifier: MIT */
/* Endpoint URLs: parsing custom endpoints and resolving the App Mesh endpoint of a region. */
#include "endpoint.h"

#include <string.h>

#include "internal.h"
#include "uri.h"

/* How much of a URL or region an error message repeats (messages are 255 bytes). */
#define SHOW_URL_MAX    120
#define SHOW_REGION_MAX 64

/* ---- URL parsing ---- */

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_host_char(char c)
{
    return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_';
}

/* RFC 3986 pchar plus '/', without '%' (checked separately). */
static bool is_path_char(char c)
{
    return is_alpha(c) || is_digit(c) || strchr("-._~!$&'()*+,;=:@/", c) != NULL;
}

static enum appmesh_status url_fail(struct appmesh_error *err, const char *url, const char *why)
{
    size_t n = strlen(url);
    return am_fail(err, APPMESH_ERR_ENDPOINT, "invalid endpoint URL '%.*s%s': %s",
                   (int)(n > SHOW_URL_MAX ? SHOW_URL_MAX : n), url, n > SHOW_URL_MAX ? "..." : "",
                   why);
}

/* The URL carries user:password@: show it with the user information masked. */
static enum appmesh_status
userinfo_fail(struct appmesh_error *err, const char *url, size_t scheme_len, const char *at)
{
    size_t rest = strlen(at + 1);
    return am_fail(err, APPMESH_ERR_ENDPOINT,
                   "invalid endpoint URL '%.*s://***@%.*s%s': user information (user:password@) "
                   "is not allowed",
                   (int)scheme_len, url, (int)(rest > SHOW_URL_MAX ? SHOW_URL_MAX : rest), at + 1,
                   rest > SHOW_URL_MAX ? "..." : "");
}

static enum appmesh_status
parse_port(const char *url, const char *p, const char *end, int *port, struct appmesh_error *err)
{
    long v = 0;
    if (p == end) {
        return url_fail(err, url, "the port after ':' is empty");
    }
    for (; p < end; p++) {
        if (!is_digit(*p)) {
            return url_fail(err, url, "the port must be a number from 1 to 65535");
        }
        v = v * 10 + (*p - '0');
        if (v > 65535) {
            return url_fail(err, url, "the port must be a number from 1 to 65535");
        }
    }
    if (v < 1) {
        return url_fail(err, url, "the port must be a number from 1 to 65535");
    }
    *port = (int)v;
    return APPMESH_OK;
}

enum appmesh_status am_url_parse(const char *url, struct am_url *out, struct appmesh_error *err)
{
    const char *p = NULL;
    const char *sep = NULL;
    const char *auth = NULL;
    const char *auth_end = NULL;
    const char *host = NULL;
    const char *host_end = NULL;
    const char *path_end = NULL;
    const char *at = NULL;
    bool https = false;
    size_t scheme_len = 0;
    int port = 0;

    memset(out, 0, sizeof(*out));
    if (url == NULL || url[0] == '\0') {
        return am_fail(err, APPMESH_ERR_ENDPOINT, "invalid endpoint URL '': the URL is empty");
    }
    sep = strstr(url, "://");
    if (sep == NULL) {
        return url_fail(err, url, "expected http://host or https://host");
    }
    scheme_len = (size_t)(sep - url);
    if (am_strcasecmp_n(url, scheme_len, "https", 5) == 0) {
        https = true;
    } else if (am_strcasecmp_n(url, scheme_len, "http", 4) != 0) {
        return url_fail(err, url, "the scheme must be http or https");
    }
    auth = sep + 3;
    auth_end = auth + strcspn(auth, "/?#");
    at = memchr(auth, '@', (size_t)(auth_end - auth));
    if (at != NULL) {
        return userinfo_fail(err, url, scheme_len, at);
    }
    for (p = url; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= 0x20 || c == 0x7f) {
            return url_fail(err, url, "it contains a space or a control character");
        }
        if (c >= 0x80) {
            return url_fail(err, url, "it contains a non-ASCII character (percent-encode it)");
        }
        if (c == '?') {
            return url_fail(err, url, "a query string ('?') is not allowed");
        }
        if (c == '#') {
            return url_fail(err, url, "a fragment ('#') is not allowed");
        }
    }
    if (auth == auth_end) {
        return url_fail(err, url, "the host is missing");
    }

    /* host: [IPv6] or a name / IPv4 address; then an optional :port */
    if (*auth == '[') {
        const char *close = memchr(auth, ']', (size_t)(auth_end - auth));
        bool colon = false;
        if (close == NULL) {
            return url_fail(err, url, "'[' opens an IPv6 address that ']' never closes");
        }
        host = auth + 1;
        host_end = close;
        for (p = host; p < host_end; p++) {
            if (*p == ':') {
                colon = true;
            } else if (am_hex_digit((unsigned char)*p) < 0 && *p != '.') {
                return url_fail(err, url, "the IPv6 address between '[' and ']' is malformed");
            }
        }
        if (!colon) {
            return url_fail(err, url, "the IPv6 address between '[' and ']' is malformed");
        }
        p = close + 1;
        if (p < auth_end && *p != ':') {
            return url_fail(err, url, "unexpected text after the IPv6 address");
        }
    } else {
        host = auth;
        host_end = auth + strcspn(auth, ":/");
        if (host_end > auth_end) {
            host_end = auth_end;
        }
        if (host == host_end) {
            return url_fail(err, url, "the host is missing");
        }
        for (p = host; p < host_end; p++) {
            if (!is_host_char(*p)) {
                return url_fail(err, url,
                                "the host name may only hold letters, digits, '-', "
                                "'.' and '_'");
            }
        }
        p = host_end;
    }
    if (p < auth_end) { /* *p == ':' */
        enum appmesh_status st = parse_port(url, p + 1, auth_end, &port, err);
        if (st != APPMESH_OK) {
            return st;
        }
    } else {
        port = https ? 443 : 80;
    }

    /* base path: everything after the authority, without trailing slashes */
    path_end = auth_end + strlen(auth_end);
    for (p = auth_end; p < path_end; p++) {
        if (*p == '%') {
            if (path_end - p < 3 || am_hex_digit((unsigned char)p[1]) < 0 ||
                am_hex_digit((unsigned char)p[2]) < 0) {
                return url_fail(err, url, "'%' in the path must start a %XX escape");
            }
            p += 2;
        } else if (!is_path_char(*p)) {
            return url_fail(err, url, "the path holds a character that must be percent-encoded");
        }
    }
    while (path_end > auth_end && path_end[-1] == '/') {
        path_end--;
    }

    out->scheme.ptr = https ? "https" : "http";
    out->scheme.len = https ? 5 : 4;
    out->host.ptr = host;
    out->host.len = (size_t)(host_end - host);
    out->authority.ptr = auth;
    out->authority.len = (size_t)(auth_end - auth);
    out->path.ptr = auth_end;
    out->path.len = (size_t)(path_end - auth_end);
    out->port = port;
    return APPMESH_OK;
}

/* ---- region -> partition -> URL ---- */

struct partition {
    const char *id;
    const char *prefixes[10];  /* the regionRegex's leading alternatives, NULL-terminated */
    const char *global_region; /* the partition's "<id>-global" pseudo-region */
    const char *dns_suffix;
    const char *dualstack_dns_suffix;
    bool supports_fips;
    bool supports_dualstack;
};

/*
 * The AWS partitions (botocore partitions.json). A region belongs to the partition whose
 * regionRegex `^(prefix)-\w+-\d+$` it matches; anything else falls back to "aws", as the
 * endpoint rules' aws.partition() does.
 */
static const struct partition s_partitions[] = {
    {"aws",
     {"us", "eu", "ap", "sa", "ca", "me", "af", "il", "mx", NULL},
     "aws-global",
     "amazonaws.com",
     "api.aws",
     true,
     true},
    {"aws-cn",
     {"cn", NULL},
     "aws-cn-global",
     "amazonaws.com.cn",
     "api.amazonwebservices.com.cn",
     true,
     true},
    {"aws-us-gov", {"us-gov", NULL}, "aws-us-gov-global", "amazonaws.com", "api.aws", true, true},
    {"aws-iso", {"us-iso", NULL}, "aws-iso-global", "c2s.ic.gov", "c2s.ic.gov", true, false},
    {"aws-iso-b",
     {"us-isob", NULL},
     "aws-iso-b-global",
     "sc2s.sgov.gov",
     "sc2s.sgov.gov",
     true,
     false},
    {"aws-iso-e",
     {"eu-isoe", NULL},
     "aws-iso-e-global",
     "cloud.adc-e.uk",
     "cloud.adc-e.uk",
     true,
     false},
    {"aws-iso-f",
     {"us-isof", NULL},
     "aws-iso-f-global",
     "csp.hci.ic.gov",
     "csp.hci.ic.gov",
     true,
     false},
    {"aws-eusc", {"eusc-de", NULL}, NULL, "amazonaws.eu", "amazonaws.eu", true, false},
};

/* A DNS label, as botocore's region check: [A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])? */
static bool is_valid_region(const char *r)
{
    size_t n = strlen(r);
    size_t i = 0;
    if (n == 0 || n > 63 || r[0] == '-' || r[n - 1] == '-') {
        return false;
    }
    for (i = 0; i < n; i++) {
        if (!is_alpha(r[i]) && !is_digit(r[i]) && r[i] != '-') {
            return false;
        }
    }
    return true;
}

/* Does region match `^prefix-\w+-\d+$`? */
static bool matches_prefix(const char *region, const char *prefix)
{
    size_t n = strlen(prefix);
    const char *p = region + n;
    const char *word = NULL;
    if (strncmp(region, prefix, n) != 0 || *p != '-') {
        return false;
    }
    word = ++p;
    while (is_alpha(*p) || is_digit(*p) || *p == '_') {
        p++;
    }
    if (p == word || *p != '-') {
        return false;
    }
    word = ++p;
    while (is_digit(*p)) {
        p++;
    }
    return p != word && *p == '\0';
}

static const struct partition *partition_of(const char *region)
{
    size_t i = 0;
    size_t j = 0;
    const size_t n = sizeof(s_partitions) / sizeof(s_partitions[0]);
    for (i = 0; i < n; i++) {
        if (s_partitions[i].global_region != NULL &&
            strcmp(region, s_partitions[i].global_region) == 0) {
            return &s_partitions[i];
        }
    }
    for (i = 0; i < n; i++) {
        for (j = 0; s_partitions[i].prefixes[j] != NULL; j++) {
            if (matches_prefix(region, s_partitions[i].prefixes[j])) {
                return &s_partitions[i];
            }
        }
    }
    return &s_partitions[0];
}

static enum appmesh_status resolve_custom(const struct am_endpoint_params *p,
                                          struct appmesh_buf *url,
                                          struct appmesh_error *err)
{
    struct am_url u;
    enum appmesh_status st = am_url_parse(p->endpoint, &u, err);
    size_t n = 0;
    int shown = 0;
    if (st != APPMESH_OK) {
        return st;
    }
    /* The URL as written, less trailing slashes (am_url_parse found where the path ends). */
    n = (size_t)(u.path.ptr + u.path.len - p->endpoint);
    shown = (int)(n > SHOW_URL_MAX ? SHOW_URL_MAX : n);
    if (p->use_fips) {
        return am_fail(err, APPMESH_ERR_ENDPOINT,
                       "Invalid Configuration: FIPS and custom endpoint are not supported "
                       "(endpoint %.*s%s: turn FIPS off or drop the endpoint)",
                       shown, p->endpoint, n > SHOW_URL_MAX ? "..." : "");
    }
    if (p->use_dualstack) {
        return am_fail(err, APPMESH_ERR_ENDPOINT,
                       "Invalid Configuration: Dualstack and custom endpoint are not supported "
                       "(endpoint %.*s%s: turn dual-stack off or drop the endpoint)",
                       shown, p->endpoint, n > SHOW_URL_MAX ? "..." : "");
    }
    return am_buf_append(url, p->endpoint, n, err);
}

enum appmesh_status am_endpoint_resolve(const struct am_endpoint_params *p,
                                        struct appmesh_buf *url,
                                        struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_ERR_INTERNAL;
    const struct partition *part = NULL;
    const char *suffix = NULL;
    size_t rlen = 0;

    am_buf_reset(url);
    if (p->endpoint != NULL && p->endpoint[0] != '\0') {
        st = resolve_custom(p, url, err);
        goto cleanup;
    }
    if (p->region == NULL || p->region[0] == '\0') {
        st = am_fail(err, APPMESH_ERR_ENDPOINT,
                     "Invalid Configuration: Missing Region (set the region option, AWS_REGION, "
                     "AWS_DEFAULT_REGION or a profile region, or give an endpoint URL)");
        goto cleanup;
    }
    rlen = strlen(p->region);
    if (!is_valid_region(p->region)) {
        st = am_fail(err, APPMESH_ERR_ENDPOINT,
                     "invalid region '%.*s%s': a region is letters, digits and '-', such as "
                     "us-east-1",
                     (int)(rlen > SHOW_REGION_MAX ? SHOW_REGION_MAX : rlen), p->region,
                     rlen > SHOW_REGION_MAX ? "..." : "");
        goto cleanup;
    }
    part = partition_of(p->region);
    if (p->use_fips && p->use_dualstack && !(part->supports_fips && part->supports_dualstack)) {
        st = am_fail(err, APPMESH_ERR_ENDPOINT,
                     "FIPS and DualStack are enabled, but this partition does not support one or "
                     "both (region %s, partition %s)",
                     p->region, part->id);
        goto cleanup;
    }
    if (p->use_fips && !part->supports_fips) {
        st = am_fail(err, APPMESH_ERR_ENDPOINT,
                     "FIPS is enabled but this partition does not support FIPS (region %s, "
                     "partition %s)",
                     p->region, part->id);
        goto cleanup;
    }
    if (p->use_dualstack && !part->supports_dualstack) {
        st = am_fail(err, APPMESH_ERR_ENDPOINT,
                     "DualStack is enabled but this partition does not support DualStack (region "
                     "%s, partition %s)",
                     p->region, part->id);
        goto cleanup;
    }
    suffix = p->use_dualstack ? part->dualstack_dns_suffix : part->dns_suffix;
    st = am_buf_printf(url, err, "https://%s%s.%s.%s", p->service != NULL ? p->service : "appmesh",
                       p->use_fips ? "-fips" : "", p->region, suffix);

cleanup:
    if (st != APPMESH_OK) {
        am_buf_reset(url);
    }
    return st;
}
