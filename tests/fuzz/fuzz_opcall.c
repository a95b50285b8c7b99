/* SPDX-License-Identifier: MIT */
/* Fuzz target: the generic serialiser and parser of any operation (validate, serialise; parse,
 * normalise). */
#include <cjson/cJSON.h>
#include <string.h>

#include "deserialize.h"
#include "fuzz.h"
#include "fuzz_alloc.h"
#include "internal.h"
#include "opjson.h"
#include "serialize.h"
#include "validate.h"

/*
 * The input: byte 0 picks the operation (mod 38), byte 1's low bit picks the direction
 * (0: an input JSON to validate and serialise; 1: a 2xx response body to parse), the rest is
 * the JSON text.
 */

static void check_request(const struct am_operation *op,
                          const char *text,
                          size_t len,
                          const struct appmesh_allocator *a)
{
    struct appmesh_error err = {0};
    struct appmesh_buf path, query, body;
    cJSON *input = NULL;
    cJSON *sent = NULL;
    enum appmesh_status st = am_opjson_parse_input(op, text, len, &input, &err);

    if (st != APPMESH_OK) {
        FUZZ_CHECK(st == APPMESH_ERR_JSON || st == APPMESH_ERR_NOMEM, err.message);
        return;
    }
    st = am_validate_input(op, input, 0, &err);
    if (st != APPMESH_OK) {
        FUZZ_CHECK(st == APPMESH_ERR_VALIDATION, err.message);
        FUZZ_CHECK(err.field[0] != '\0', "a validation error names the field");
        cJSON_Delete(input);
        return;
    }
    am_buf_init(&path, a, 0);
    am_buf_init(&query, a, 0);
    am_buf_init(&body, a, 1024 * 1024);
    st = am_serialize_request(op, input, "token", &path, &query, &body, &err);
    FUZZ_CHECK(st == APPMESH_OK || st == APPMESH_ERR_NOMEM || st == APPMESH_ERR_RESPONSE,
               "a validated input serialises");
    if (st == APPMESH_OK) {
        const cJSON *c = NULL;
        FUZZ_CHECK(path.len > 0 && path.ptr[0] == '/', "the path is absolute");
        FUZZ_CHECK(strpbrk(path.ptr, " ?#") == NULL, "labels are percent-encoded");
        FUZZ_CHECK(query.len == 0 || strpbrk(query.ptr, " #") == NULL, "query is encoded");
        if (body.len > 0) {
            sent = cJSON_ParseWithLength(body.ptr, body.len);
            FUZZ_CHECK(cJSON_IsObject(sent), "the body is a JSON object");
            /* Every member sent is a body member of the input: nothing else leaks in. */
            for (c = sent->child; c != NULL; c = c->next) {
                const struct am_member *m =
                    am_shape_member(&am_shapes[op->input], c->string, strlen(c->string));
                FUZZ_CHECK(m != NULL && m->location == AM_LOC_BODY, "only body members");
            }
            /* The body validates against the input shape again (body members only). */
            FUZZ_CHECK(am_validate(&am_shapes[op->input], sent, 0, &err) == APPMESH_OK ||
                           err.field[0] != '\0',
                       "the body is checkable");
            cJSON_Delete(sent);
        }
    }
    appmesh_buf_cleanup(&path);
    appmesh_buf_cleanup(&query);
    appmesh_buf_cleanup(&body);
    cJSON_Delete(input);
}

static void check_response(const struct am_operation *op, const char *text, size_t len)
{
    struct appmesh_error err = {0};
    struct appmesh_buf first = {0};
    struct appmesh_buf second = {0};
    cJSON *out = NULL;
    cJSON *again = NULL;
    cJSON *payload = NULL;
    enum appmesh_status st = am_deserialize_output(op, text, len, &out, &err);

    if (st != APPMESH_OK) {
        FUZZ_CHECK(out == NULL, "nothing on failure");
        FUZZ_CHECK(st == APPMESH_ERR_RESPONSE || st == APPMESH_ERR_NOMEM, err.message);
        FUZZ_CHECK(strpbrk(err.message, "\r\n") == NULL, "one line");
        return;
    }
    /* Normalising a normalised output changes nothing. */
    payload = op->payload >= 0 ? cJSON_GetObjectItem(out, am_members[op->payload].name) : out;
    FUZZ_CHECK(payload != NULL, "the payload member is there");
    if (am_opjson_print(payload, NULL, &first, &err) == APPMESH_OK &&
        am_deserialize_output(op, first.ptr, first.len, &again, &err) == APPMESH_OK) {
        payload =
            op->payload >= 0 ? cJSON_GetObjectItem(again, am_members[op->payload].name) : again;
        FUZZ_CHECK(am_opjson_print(payload, NULL, &second, &err) == APPMESH_OK, "prints");
        FUZZ_CHECK(first.len == second.len && memcmp(first.ptr, second.ptr, first.len) == 0,
                   "normalisation is idempotent");
    }
    appmesh_buf_cleanup(&first);
    appmesh_buf_cleanup(&second);
    cJSON_Delete(again);
    cJSON_Delete(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct am_operation *op = NULL;
    struct fuzz_alloc fa;
    struct appmesh_allocator a;

    if (size < 2) {
        return 0;
    }
    op = &am_operations[data[0] % am_operation_count];
    if ((data[1] & 1) == 0) {
        a = fuzz_alloc_init(&fa, 0);
        check_request(op, (const char *)data + 2, size - 2, &a);
        FUZZ_CHECK(fa.live == 0, "no leaks");
        /* Again with one allocation failing. */
        if (fa.count > 0) {
            long n = 1 + (long)(fuzz_hash(data, size) % (unsigned long)fa.count);
            a = fuzz_alloc_init(&fa, n);
            check_request(op, (const char *)data + 2, size - 2, &a);
            FUZZ_CHECK(fa.live == 0, "no leaks after a failed allocation");
        }
    } else {
        check_response(op, (const char *)data + 2, size - 2);
    }
    return 0;
}
