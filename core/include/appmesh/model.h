/* SPDX-License-Identifier: MIT */
/* The App Mesh virtual-service model: spec, provider union, operation inputs, data and refs. */
#ifndef APPMESH_MODEL_H
#define APPMESH_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "appmesh/alloc.h"
#include "appmesh/common.h"
#include "appmesh/error.h"

/** Which member of the VirtualServiceProvider union is set. */
enum appmesh_provider_kind {
    APPMESH_PROVIDER_NONE = 0,       /* no provider (absent, or an empty provider object) */
    APPMESH_PROVIDER_VIRTUAL_NODE,   /* provider.virtualNode.virtualNodeName */
    APPMESH_PROVIDER_VIRTUAL_ROUTER, /* provider.virtualRouter.virtualRouterName */
};

/**
 * VirtualServiceProvider: a tagged union; only the member named by `kind` is meaningful.
 * In an input the names are borrowed from the caller; in data the library returns they are
 * owned by that data and freed by appmesh_virtual_service_data_cleanup().
 */
struct appmesh_virtual_service_provider {
    enum appmesh_provider_kind kind;
    union {
        struct {
            const char *virtual_node_name;
        } virtual_node;
        struct {
            const char *virtual_router_name;
        } virtual_router;
    } u;
};

/** VirtualServiceSpec. */
struct appmesh_virtual_service_spec {
    struct appmesh_virtual_service_provider provider;
};

/**
 * UpdateVirtualService input. Every string is borrowed for the call only; NULL means absent.
 * `client_token` NULL makes the library generate a UUIDv4 once per call (kept across retries).
 * `has_spec` false means the required spec is missing (a validation error).
 */
struct appmesh_update_virtual_service_input {
    const char *mesh_name;
    const char *virtual_service_name;
    const char *mesh_owner;
    const char *client_token;
    bool has_spec;
    struct appmesh_virtual_service_spec spec;
};

/** VirtualServiceStatusCode; values the library does not know are kept as text in `raw`. */
enum appmesh_status_code {
    APPMESH_STATUS_ABSENT = 0,
    APPMESH_STATUS_ACTIVE,
    APPMESH_STATUS_INACTIVE,
    APPMESH_STATUS_DELETED,
    APPMESH_STATUS_UNKNOWN, /* see raw */
};

struct appmesh_virtual_service_status {
    enum appmesh_status_code code;
    char *raw; /* the status string exactly as received; NULL when absent */
};

/** ResourceMetadata. Strings NULL and has_* false mean absent (JSON null included). */
struct appmesh_resource_metadata {
    char *arn;
    char *mesh_owner;
    char *resource_owner;
    char *uid;
    bool has_created_at, has_last_updated_at, has_version;
    double created_at;      /* epoch seconds, fractions kept */
    double last_updated_at; /* epoch seconds, fractions kept */
    int64_t version;
};

/** VirtualServiceData, the output payload of Create/Describe/Update/DeleteVirtualService. */
struct appmesh_virtual_service_data {
    char *mesh_name;
    char *virtual_service_name;
    bool has_spec;
    struct appmesh_virtual_service_spec spec; /* provider names owned by this data */
    struct appmesh_virtual_service_status status;
    struct appmesh_resource_metadata metadata;
    const struct appmesh_allocator *alloc; /* borrowed: the allocator the strings came from */
};

/**
 * Check an UpdateVirtualService input against App Mesh's constraints (see CONTRACT.md).
 * @return APPMESH_OK, or APPMESH_ERR_VALIDATION with err->field set to the dotted wire path
 *         (e.g. "spec.provider.virtualNode.virtualNodeName") and err->message saying why.
 * Borrowed: in.
 */
APPMESH_API APPMESH_NODISCARD enum appmesh_status
appmesh_update_virtual_service_input_validate(const struct appmesh_update_virtual_service_input *in,
                                              struct appmesh_error *err);

/** Free everything data owns and zero it; safe on a zeroed struct and safe twice. */
APPMESH_API void appmesh_virtual_service_data_cleanup(struct appmesh_virtual_service_data *data);

/**
 * Deep-copy src into dst (dst is overwritten, not freed first).
 * Owned by caller: dst, released with appmesh_virtual_service_data_cleanup().
 * Errors: APPMESH_ERR_NOMEM (dst left zeroed).
 */
APPMESH_API APPMESH_NODISCARD enum appmesh_status
appmesh_virtual_service_data_copy(struct appmesh_virtual_service_data *dst,
                                  const struct appmesh_virtual_service_data *src,
                                  const struct appmesh_allocator *alloc,
                                  struct appmesh_error *err);

/** The wire name of a status code ("ACTIVE", ...), or NULL for ABSENT/UNKNOWN. */
APPMESH_API const char *appmesh_status_code_name(enum appmesh_status_code code);

/**
 * DescribeVirtualService input. Every string is borrowed for the call only; NULL means absent.
 * meshName and virtualServiceName are required; meshOwner is optional.
 */
struct appmesh_describe_virtual_service_input {
    const char *mesh_name;
    const char *virtual_service_name;
    const char *mesh_owner;
};

/**
 * ListVirtualServices input (one page). Every string is borrowed for the call only; NULL means
 * absent. `next_token` is the nextToken of the previous page; `limit` 0 means absent (the
 * service's own page size, up to 100), else 1..100.
 */
struct appmesh_list_virtual_services_input {
    const char *mesh_name;
    const char *mesh_owner;
    const char *next_token;
    int limit;
};

/**
 * VirtualServiceRef, one entry of a ListVirtualServices page. Strings NULL and has_* false
 * mean absent (JSON null included); strings are owned by the list that holds the ref.
 */
struct appmesh_virtual_service_ref {
    char *arn;
    char *mesh_name;
    char *mesh_owner;
    char *resource_owner;
    char *virtual_service_name;
    bool has_created_at, has_last_updated_at, has_version;
    double created_at;      /* epoch seconds, fractions kept */
    double last_updated_at; /* epoch seconds, fractions kept */
    int64_t version;
};

/**
 * ListVirtualServicesOutput: one page of refs. `next_token` NULL means this is the last page;
 * otherwise pass it as the next input's next_token. Freed by
 * appmesh_virtual_service_list_cleanup().
 */
struct appmesh_virtual_service_list {
    struct appmesh_virtual_service_ref *items; /* count entries; NULL when count is 0 */
    size_t count;
    char *next_token;
    const struct appmesh_allocator *alloc; /* borrowed: the allocator everything came from */
};

/**
 * Check a DescribeVirtualService input: meshName, virtualServiceName and meshOwner follow the
 * same rules, with the same messages, as in appmesh_update_virtual_service_input_validate().
 * @return APPMESH_OK, or APPMESH_ERR_VALIDATION with err->field set to the wire name
 *         ("meshName", "virtualServiceName", "meshOwner") and err->message saying why;
 *         APPMESH_ERR_INVALID_ARGUMENT when in is NULL.
 * Borrowed: in.
 */
APPMESH_API APPMESH_NODISCARD enum appmesh_status appmesh_describe_virtual_service_input_validate(
    const struct appmesh_describe_virtual_service_input *in, struct appmesh_error *err);

/**
 * Check a ListVirtualServices input: meshName and meshOwner as for the update; nextToken, when
 * present, non-empty valid UTF-8; limit 0 (absent) or 1..100.
 * @return APPMESH_OK, or APPMESH_ERR_VALIDATION with err->field set to the wire name
 *         ("meshName", "meshOwner", "nextToken", "limit") and err->message saying why;
 *         APPMESH_ERR_INVALID_ARGUMENT when in is NULL.
 * Borrowed: in.
 */
APPMESH_API APPMESH_NODISCARD enum appmesh_status
appmesh_list_virtual_services_input_validate(const struct appmesh_list_virtual_services_input *in,
                                             struct appmesh_error *err);

/** Free every ref, the items array and next_token, and zero list; safe on a zeroed struct
 *  and safe twice. */
APPMESH_API void appmesh_virtual_service_list_cleanup(struct appmesh_virtual_service_list *list);

#endif
