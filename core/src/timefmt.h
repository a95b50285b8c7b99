/* SPDX-License-Identifier: MIT */
/* The time formats AWS answers with, as epoch seconds (timefmt.c). */
#ifndef APPMESH_TIMEFMT_H
#define APPMESH_TIMEFMT_H

#include <stdbool.h>
#include <stddef.h>

/**
 * An ISO 8601 UTC time as AWS and credential tools write it ("2024-05-01T12:34:56Z"; 'T', 't'
 * or ' ' between date and time; an optional fraction; "Z", "+hh:mm" or "+hhmm") as epoch
 * seconds; false when s[0..n) is anything else.
 */
bool am_time_parse_iso8601(const char *s, size_t n, double *out);
/** An HTTP date ("Sun, 06 Nov 1994 08:49:37 GMT", RFC 9110's IMF-fixdate) as epoch seconds. */
bool am_time_parse_http_date(const char *s, size_t n, double *out);

#endif
