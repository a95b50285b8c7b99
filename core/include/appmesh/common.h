/* SPDX-License-Identifier: MIT */
/* Export and attribute macros shared by every public header. */
#ifndef APPMESH_COMMON_H
#define APPMESH_COMMON_H

#if defined(__GNUC__) || defined(__clang__)
#    define APPMESH_API          __attribute__((visibility("default")))
#    define APPMESH_NODISCARD    __attribute__((warn_unused_result))
#    define APPMESH_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#    define APPMESH_API
#    define APPMESH_NODISCARD
#    define APPMESH_PRINTF(f, a)
#endif

#endif
