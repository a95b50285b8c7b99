/* SPDX-License-Identifier: MIT */
/* What the signer exposes beyond appmesh/sigv4.h: its input checks and counters (sigv4.c). */
#ifndef APPMESH_SRC_SIGV4_H
#define APPMESH_SRC_SIGV4_H

#include <stdint.h>

#include "appmesh/sigv4.h"

/**
 * Where the first character is that cannot go into a credential scope as a region (1..63 of
 * a-z, 0-9 and '-'): its 1-based position, 0 when the region is good, -1 when it is empty or
 * longer than 63.
 */
long am_sigv4_region_check(const char *region);
/**
 * The same for an access key id (1..128 printable ASCII characters, no space): it goes into the
 * Authorization header and the debug trace, so a CR, LF or control character would split them.
 */
long am_sigv4_key_id_check(const char *access_key_id);
/** How many signing keys the signer has derived (cache misses) since it was created. */
uint64_t am_sigv4_signer_key_derivations(const struct appmesh_sigv4_signer *signer);

#endif
