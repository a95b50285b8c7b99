/* SPDX-License-Identifier: MIT */
/* Tests for timefmt.c: ISO 8601 (credential expiry) and HTTP dates (clock skew). */
#include <string.h>

#include "harness.h"
#include "timefmt.h"

static int parses_iso8601_times(void)
{
    static const struct {
        const char *text;
        bool ok;
        double epoch;
    } cases[] = {
        {"1970-01-01T00:00:00Z", true, 0},
        {"2026-11-25T12:30:00Z", true, 1795609800.0},
        {"2026-11-25T12:30:00.250Z", true, 1795609800.25},
        {"2026-11-25T14:30:00+02:00", true, 1795609800.0},
        {"2026-11-25T07:30:00-0500", true, 1795609800.0},
        {"2000-02-29T00:00:00z", true, 951782400.0},
        {"2026-11-25 12:30:00Z", true, 1795609800.0},
        {"2026-11-25T12:30:00", false, 0},
        {"2026-11-25T12:30:00.Z", false, 0},
        {"2026-02-30T12:30:00Z", false, 0},
        {"2026-02-29T12:30:00Z", false, 0}, /* not a leap year */
        {"1900-02-29T12:30:00Z", false, 0}, /* a century that is not a leap year */
        {"2026-04-31T12:30:00Z", false, 0},
        {"2026-11-25T12:30:00+2:00", false, 0},
        {"2026-13-25T12:30:00Z", false, 0},
        {"2026-11-25T12:30Z", false, 0},
        {"2026-11-25T12:30:00Zjunk", false, 0},
        {"1795609800", false, 0},
        {"", false, 0},
    };
    size_t i = 0;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double t = -1;
        bool ok = am_time_parse_iso8601(cases[i].text, strlen(cases[i].text), &t);
        CHECK(ok == cases[i].ok, cases[i].text);
        CHECK(!ok || t == cases[i].epoch, cases[i].text);
    }
    return 0;
}

static int parses_http_dates(void)
{
    static const struct {
        const char *text;
        bool ok;
        double epoch;
    } cases[] = {
        {"Sun, 30 Aug 2015 13:36:00 GMT", true, 1440941760.0},
        {"Thu, 01 Jan 1970 00:00:00 GMT", true, 0},
        {"Tue, 29 Feb 2028 23:59:59 GMT", true, 1835481599.0},
        {"Sun, 30 Aug 2015 13:36:00 UTC", false, 0},
        {"Sunday, 30-Aug-15 13:36:00 GMT", false, 0},
        {"Sun, 30 Foo 2015 13:36:00 GMT", false, 0},
        {"Sun, 30 Aug 2015 25:36:00 GMT", false, 0},
        {"Sun, 29 Feb 2026 23:59:59 GMT", false, 0}, /* not a leap year */
        {"", false, 0},
    };
    size_t i = 0;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double t = -1;
        bool ok = am_time_parse_http_date(cases[i].text, strlen(cases[i].text), &t);
        CHECK(ok == cases[i].ok, cases[i].text);
        CHECK(!ok || t == cases[i].epoch, cases[i].text);
    }
    return 0;
}

static const struct test_case cases[] = {
    {"parses_iso8601_times", parses_iso8601_times},
    {"parses_http_dates", parses_http_dates},
};

TEST_MAIN("timefmt", cases)
