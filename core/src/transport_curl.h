/* SPDX-License-Identifier: MIT */
/* The curl multi driver: many transfers, one connection pool (transport_curl.c). */
#ifndef APPMESH_TRANSPORT_CURL_H
#define APPMESH_TRANSPORT_CURL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/select.h>

#include "appmesh/http.h"
#include "appmesh/transport.h"
#include "internal.h"

/** The User-Agent the curl transport sends when its options name none (a static string). */
const char *am_curl_default_user_agent(void);
struct am_multi;
/** A multi handle with up to max_transfers transfers at once (one easy handle each). */
enum appmesh_status am_multi_new(const struct appmesh_allocator *alloc,
                                 const struct appmesh_transport_curl_options *opts,
                                 size_t max_transfers,
                                 struct am_multi **out,
                                 struct appmesh_error *err);
void am_multi_destroy(struct am_multi *m);
size_t am_multi_free_slots(const struct am_multi *m);
/** Start req (borrowed until it finishes) with its response into resp; ud comes back when done. */
enum appmesh_status am_multi_start(struct am_multi *m,
                                   const struct appmesh_http_request *req,
                                   struct appmesh_http_response *resp,
                                   void *ud,
                                   struct appmesh_error *err);
/** Make progress, waiting up to timeout_ms for network activity (0 = don't wait). */
enum appmesh_status am_multi_wait(struct am_multi *m, int timeout_ms, struct appmesh_error *err);
/** Take one finished transfer: its ud and outcome (as a blocking send would report it). */
bool am_multi_next_done(struct am_multi *m,
                        void **ud,
                        enum appmesh_status *st,
                        struct appmesh_error *err);
/** For host event loops: the sockets to watch and how long to wait at most (-1 = no timer). */
enum appmesh_status am_multi_fdset(struct am_multi *m,
                                   fd_set *r,
                                   fd_set *w,
                                   fd_set *e,
                                   int *max_fd,
                                   long *timeout_ms,
                                   struct appmesh_error *err);
/** Wake a thread blocked in am_multi_wait (thread-safe). */
void am_multi_wakeup(struct am_multi *m);

#endif
