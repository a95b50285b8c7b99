/* SPDX-License-Identifier: MIT */
/* Umbrella header: everything a C caller of libappmesh needs. */
#ifndef APPMESH_H
#define APPMESH_H

#include "appmesh/alloc.h"
#include "appmesh/batch.h"
#include "appmesh/buf.h"
#include "appmesh/client.h"
#include "appmesh/common.h"
#include "appmesh/credentials.h"
#include "appmesh/error.h"
#include "appmesh/http.h"
#include "appmesh/model.h"
#include "appmesh/operations.h"
#include "appmesh/sigv4.h"
#include "appmesh/transport.h"
#include "appmesh/version.h"

/** The library version string, e.g. "0.1.0". */
APPMESH_API const char *appmesh_version(void);

#endif
