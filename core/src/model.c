/* SPDX-License-Identifier: MIT */
/* The virtual-service model: input validation with wire field paths, copy, cleanup, names. */
#include <string.h>

#include "appmesh/model.h"
#include "internal.h"

#define NAME_MAX_CHARS  255 /* ResourceName: min 1, max 255 */
#define OWNER_CHARS     12  /* AccountId: exactly 12 */
#define TOKEN_MAX_CHARS 36  /* clientToken: a UUID fits exactly */
#define LIMIT_MAX       100 /* ListVirtualServicesLimit: min 1, max 100 */

/*
 * A required ResourceName: present, valid UTF-8, 1..255 characters (not bytes).
 * `what` is the member name used in the message, `path` the dotted wire path.
 */
static enum appmesh_status
check_resource_name(const char *s, const char *what, const char *path, struct appmesh_error *err)
{
    long count = 0;

    if (s == NULL) {
        return am_fail_field(err, path, "%s is required (1 to %d characters)", what,
                             NAME_MAX_CHARS);
    }
    count = am_utf8_count(s, strlen(s));
    if (count < 0) {
        return am_fail_field(err, path, "%s is not valid UTF-8", what);
    }
    if (count < 1 || count > NAME_MAX_CHARS) {
        return am_fail_field(err, path, "%s must be 1 to %d characters, got %ld", what,
                             NAME_MAX_CHARS, count);
    }
    return APPMESH_OK;
}

static bool is_token_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

static enum appmesh_status check_client_token(const char *s, struct appmesh_error *err)
{
    size_t i = 0;

    /* Every allowed character is ASCII, so once the charset holds, bytes == characters. */
    for (i = 0; s[i] != '\0'; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!is_token_char(c)) {
            if (c >= 0x20 && c <= 0x7E) {
                return am_fail_field(err, "clientToken",
                                     "clientToken may contain only A-Z, a-z, 0-9, '_' and '-', "
                                     "found '%c' at position %zu",
                                     (char)c, i + 1);
            }
            return am_fail_field(err, "clientToken",
                                 "clientToken may contain only A-Z, a-z, 0-9, '_' and '-', "
                                 "found byte 0x%02X at position %zu",
                                 (unsigned)c, i + 1);
        }
    }
    if (i < 1 || i > TOKEN_MAX_CHARS) {
        return am_fail_field(err, "clientToken", "clientToken must be 1 to %d characters, got %zu",
                             TOKEN_MAX_CHARS, i);
    }
    return APPMESH_OK;
}

static enum appmesh_status check_provider(const struct appmesh_virtual_service_provider *p,
                                          struct appmesh_error *err)
{
    switch (p->kind) {
        case APPMESH_PROVIDER_NONE:
            return APPMESH_OK;
        case APPMESH_PROVIDER_VIRTUAL_NODE:
            return check_resource_name(p->u.virtual_node.virtual_node_name, "virtualNodeName",
                                       "spec.provider.virtualNode.virtualNodeName", err);
        case APPMESH_PROVIDER_VIRTUAL_ROUTER:
            return check_resource_name(p->u.virtual_router.virtual_router_name, "virtualRouterName",
                                       "spec.provider.virtualRouter.virtualRouterName", err);
    }
    return am_fail_field(err, "spec.provider",
                         "spec.provider has an unknown kind %d (allowed: none, virtualNode, "
                         "virtualRouter)",
                         (int)p->kind);
}

/* Text that is present: non-empty and valid UTF-8 (virtualServiceName, nextToken). */
static enum appmesh_status
check_present_text(const char *s, const char *name, struct appmesh_error *err)
{
    if (s[0] == '\0') {
        return am_fail_field(err, name, "%s must not be empty (1 or more characters)", name);
    }
    if (am_utf8_count(s, strlen(s)) < 0) {
        return am_fail_field(err, name, "%s is not valid UTF-8", name);
    }
    return APPMESH_OK;
}

/* An optional AccountId: absent, or exactly 12 characters of valid UTF-8. */
static enum appmesh_status check_mesh_owner(const char *s, struct appmesh_error *err)
{
    long count = 0;

    if (s == NULL) {
        return APPMESH_OK;
    }
    count = am_utf8_count(s, strlen(s));
    if (count < 0) {
        return am_fail_field(err, "meshOwner", "meshOwner is not valid UTF-8");
    }
    if (count != OWNER_CHARS) {
        return am_fail_field(err, "meshOwner",
                             "meshOwner must be exactly %d characters (an AWS account ID), got %ld",
                             OWNER_CHARS, count);
    }
    return APPMESH_OK;
}

/* The virtual service a call names, in wire order: meshName, virtualServiceName, meshOwner. */
static enum appmesh_status check_target(const char *mesh_name,
                                        const char *virtual_service_name,
                                        const char *mesh_owner,
                                        struct appmesh_error *err)
{
    enum appmesh_status st = check_resource_name(mesh_name, "meshName", "meshName", err);

    if (st != APPMESH_OK) {
        return st;
    }
    if (virtual_service_name == NULL) {
        return am_fail_field(err, "virtualServiceName",
                             "virtualServiceName is required (a non-empty name)");
    }
    st = check_present_text(virtual_service_name, "virtualServiceName", err);
    if (st != APPMESH_OK) {
        return st;
    }
    return check_mesh_owner(mesh_owner, err);
}

enum appmesh_status
appmesh_update_virtual_service_input_validate(const struct appmesh_update_virtual_service_input *in,
                                              struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_ERR_INTERNAL;

    if (in == NULL) {
        st = am_fail(err, APPMESH_ERR_INVALID_ARGUMENT, "UpdateVirtualService input is NULL");
        goto cleanup;
    }
    st = check_target(in->mesh_name, in->virtual_service_name, in->mesh_owner, err);
    if (st != APPMESH_OK) {
        goto cleanup;
    }
    if (in->client_token != NULL) {
        st = check_client_token(in->client_token, err);
        if (st != APPMESH_OK) {
            goto cleanup;
        }
    }
    if (!in->has_spec) {
        st = am_fail_field(err, "spec", "spec is required (it may be empty: {})");
        goto cleanup;
    }
    st = check_provider(&in->spec.provider, err);

cleanup:
    return st;
}

enum appmesh_status appmesh_describe_virtual_service_input_validate(
    const struct appmesh_describe_virtual_service_input *in, struct appmesh_error *err)
{
    if (in == NULL) {
        return am_fail(err, APPMESH_ERR_INVALID_ARGUMENT, "DescribeVirtualService input is NULL");
    }
    return check_target(in->mesh_name, in->virtual_service_name, in->mesh_owner, err);
}

enum appmesh_status
appmesh_list_virtual_services_input_validate(const struct appmesh_list_virtual_services_input *in,
                                             struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_ERR_INTERNAL;

    if (in == NULL) {
        st = am_fail(err, APPMESH_ERR_INVALID_ARGUMENT, "ListVirtualServices input is NULL");
        goto cleanup;
    }
    st = check_resource_name(in->mesh_name, "meshName", "meshName", err);
    if (st != APPMESH_OK) {
        goto cleanup;
    }
    st = check_mesh_owner(in->mesh_owner, err);
    if (st != APPMESH_OK) {
        goto cleanup;
    }
    if (in->next_token != NULL) {
        st = check_present_text(in->next_token, "nextToken", err);
        if (st != APPMESH_OK) {
            goto cleanup;
        }
    }
    if (in->limit != 0 && (in->limit < 1 || in->limit > LIMIT_MAX)) {
        st = am_fail_field(err, "limit",
                           "limit must be 1 to %d (or 0 for the service's default), "
                           "got %d",
                           LIMIT_MAX, in->limit);
        goto cleanup;
    }
    st = APPMESH_OK;

cleanup:
    return st;
}

/* The provider name pointer of whichever member is set, or NULL. */
static const char *provider_name(const struct appmesh_virtual_service_provider *p)
{
    switch (p->kind) {
        case APPMESH_PROVIDER_VIRTUAL_NODE:
            return p->u.virtual_node.virtual_node_name;
        case APPMESH_PROVIDER_VIRTUAL_ROUTER:
            return p->u.virtual_router.virtual_router_name;
        case APPMESH_PROVIDER_NONE:
            break;
    }
    return NULL;
}

void appmesh_virtual_service_data_cleanup(struct appmesh_virtual_service_data *data)
{
    const struct appmesh_allocator *a = NULL;

    if (data == NULL) {
        return;
    }
    a = data->alloc;
    am_free_str(a, data->mesh_name);
    am_free_str(a, data->virtual_service_name);
    /* The union stores the name const (it is borrowed in inputs); data owns it. */
    am_free_str(a, (char *)provider_name(&data->spec.provider));
    am_free_str(a, data->status.raw);
    am_free_str(a, data->metadata.arn);
    am_free_str(a, data->metadata.mesh_owner);
    am_free_str(a, data->metadata.resource_owner);
    am_free_str(a, data->metadata.uid);
    memset(data, 0, sizeof(*data));
}

/* Copy an optional string: NULL stays NULL; false only when out of memory. */
static bool dup_opt(const struct appmesh_allocator *a, const char *s, char **out)
{
    *out = NULL;
    if (s == NULL) {
        return true;
    }
    *out = am_strdup(a, s);
    return *out != NULL;
}

enum appmesh_status
appmesh_virtual_service_data_copy(struct appmesh_virtual_service_data *dst,
                                  const struct appmesh_virtual_service_data *src,
                                  const struct appmesh_allocator *alloc,
                                  struct appmesh_error *err)
{
    enum appmesh_status st = APPMESH_ERR_NOMEM;
    char *name = NULL;

    if (dst == NULL || src == NULL || dst == src) {
        if (dst != NULL && dst != src) {
            memset(dst, 0, sizeof(*dst));
        }
        return am_fail(err, APPMESH_ERR_INVALID_ARGUMENT, "virtual service data copy: %s",
                       (dst == NULL || src == NULL) ? "dst or src is NULL"
                                                    : "dst and src are the same");
    }
    memset(dst, 0, sizeof(*dst));
    dst->alloc = alloc;
    dst->has_spec = src->has_spec;
    dst->spec.provider.kind = src->spec.provider.kind;
    dst->status.code = src->status.code;
    dst->metadata.has_created_at = src->metadata.has_created_at;
    dst->metadata.has_last_updated_at = src->metadata.has_last_updated_at;
    dst->metadata.has_version = src->metadata.has_version;
    dst->metadata.created_at = src->metadata.created_at;
    dst->metadata.last_updated_at = src->metadata.last_updated_at;
    dst->metadata.version = src->metadata.version;

    if (!dup_opt(alloc, src->mesh_name, &dst->mesh_name) ||
        !dup_opt(alloc, src->virtual_service_name, &dst->virtual_service_name) ||
        !dup_opt(alloc, provider_name(&src->spec.provider), &name) ||
        !dup_opt(alloc, src->status.raw, &dst->status.raw) ||
        !dup_opt(alloc, src->metadata.arn, &dst->metadata.arn) ||
        !dup_opt(alloc, src->metadata.mesh_owner, &dst->metadata.mesh_owner) ||
        !dup_opt(alloc, src->metadata.resource_owner, &dst->metadata.resource_owner) ||
        !dup_opt(alloc, src->metadata.uid, &dst->metadata.uid)) {
        st = am_fail(err, APPMESH_ERR_NOMEM, "out of memory copying virtual service data");
        goto cleanup;
    }
    st = APPMESH_OK;

cleanup:
    /* Hang the name on its union member first, so that cleanup frees it on failure too. */
    if (dst->spec.provider.kind == APPMESH_PROVIDER_VIRTUAL_NODE) {
        dst->spec.provider.u.virtual_node.virtual_node_name = name;
    } else if (dst->spec.provider.kind == APPMESH_PROVIDER_VIRTUAL_ROUTER) {
        dst->spec.provider.u.virtual_router.virtual_router_name = name;
    }
    if (st != APPMESH_OK) {
        appmesh_virtual_service_data_cleanup(dst);
    }
    return st;
}

void appmesh_virtual_service_list_cleanup(struct appmesh_virtual_service_list *list)
{
    const struct appmesh_allocator *a = NULL;
    size_t i = 0;

    if (list == NULL) {
        return;
    }
    a = list->alloc;
    for (i = 0; i < list->count && list->items != NULL; i++) {
        struct appmesh_virtual_service_ref *ref = &list->items[i];
        am_free_str(a, ref->arn);
        am_free_str(a, ref->mesh_name);
        am_free_str(a, ref->mesh_owner);
        am_free_str(a, ref->resource_owner);
        am_free_str(a, ref->virtual_service_name);
    }
    if (list->items != NULL) {
        am_free(a, list->items, list->count * sizeof(list->items[0]));
    }
    am_free_str(a, list->next_token);
    memset(list, 0, sizeof(*list));
}

const char *appmesh_status_code_name(enum appmesh_status_code code)
{
    switch (code) {
        case APPMESH_STATUS_ACTIVE:
            return "ACTIVE";
        case APPMESH_STATUS_INACTIVE:
            return "INACTIVE";
        case APPMESH_STATUS_DELETED:
            return "DELETED";
        case APPMESH_STATUS_ABSENT:
        case APPMESH_STATUS_UNKNOWN:
            break;
    }
    return NULL;
}
