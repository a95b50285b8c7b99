/* SPDX-License-Identifier: MIT */
/* AWS credentials as the signer and the client options take them. */
#ifndef APPMESH_CREDENTIALS_H
#define APPMESH_CREDENTIALS_H

/**
 * A borrowed view of one set of credentials. session_token NULL means none.
 * The library copies what it keeps and wipes its copies before freeing them.
 */
struct appmesh_credentials {
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token;
};

#endif
