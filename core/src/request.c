/* SPDX-License-Identifier: MIT */
/* Building outgoing requests: header entries and signing, written once for every caller. */
#include "request.h"

#include <string.h>

void am_request_header(struct appmesh_header *h, const char *name, const char *value, size_t len)
{
    h->name = name;
    h->name_len = strlen(name);
    h->value = value;
    h->value_len = len;
}

enum appmesh_status am_request_sign(struct appmesh_sigv4_signer *signer,
                                    const struct appmesh_sigv4_request *sreq,
                                    const struct appmesh_credentials *creds,
                                    const struct appmesh_sigv4_params *params,
                                    struct appmesh_sigv4_result *sig,
                                    struct appmesh_header *headers,
                                    size_t *count,
                                    struct appmesh_error *err)
{
    enum appmesh_status st = appmesh_sigv4_sign_headers(signer, sreq, creds, params, sig, err);
    if (st != APPMESH_OK) {
        return st;
    }
    am_request_header(&headers[(*count)++], "X-Amz-Date", sig->amz_date, strlen(sig->amz_date));
    if (creds->session_token != NULL) {
        am_request_header(&headers[(*count)++], "X-Amz-Security-Token", creds->session_token,
                          strlen(creds->session_token));
    }
    am_request_header(&headers[(*count)++], "Authorization", sig->authorization.ptr,
                      sig->authorization.len);
    return APPMESH_OK;
}
