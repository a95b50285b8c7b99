/* SPDX-License-Identifier: MIT */
/* Reading the two time formats AWS answers with: ISO 8601 (credentials) and HTTP dates. */
#include "timefmt.h"

#include <string.h>

#include "internal.h"

/* n decimal digits at s into *out; false when one is not a digit. */
static bool digits(const char *s, size_t n, int *out)
{
    size_t i = 0;
    *out = 0;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        *out = *out * 10 + (s[i] - '0');
    }
    return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static long days_from_civil(long y, int m, int d)
{
    long era = 0;
    long yoe = 0;
    long doy = 0;
    long doe = 0;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static bool valid_civil(int y, int mo, int d, int h, int mi, int se)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return mo >= 1 && mo <= 12 && d >= 1 && d <= mdays[mo - 1] && (mo != 2 || d <= 28 || leap) &&
           h <= 23 && mi <= 59 && se <= 60;
}

bool am_time_parse_iso8601(const char *s, size_t n, double *out)
{
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0, oh = 0, om = 0;
    size_t i = 19;
    double frac = 0;
    double scale = 0.1;
    long offset = 0;

    if (n < 20 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
        !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
        !digits(s + 17, 2, &se) || !valid_civil(y, mo, d, h, mi, se)) {
        return false;
    }
    if (s[i] == '.') {
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
            frac += (s[i] - '0') * scale;
            scale /= 10;
        }
        if (s[i - 1] == '.') {
            return false;
        }
    }
    if (i + 1 == n && (s[i] == 'Z' || s[i] == 'z')) {
        offset = 0;
    } else if ((i + 6 == n && s[i + 3] == ':' && digits(s + i + 4, 2, &om)) ||
               (i + 5 == n && digits(s + i + 3, 2, &om))) {
        /* "+hh:mm" or "+hhmm" */
        if ((s[i] != '+' && s[i] != '-') || !digits(s + i + 1, 2, &oh) || oh > 23 || om > 59) {
            return false;
        }
        offset = (s[i] == '+' ? 1 : -1) * (oh * 3600L + om * 60L);
    } else {
        return false;
    }
    *out = (double)days_from_civil(y, mo, d) * 86400.0 + h * 3600.0 + mi * 60.0 + se + frac -
           (double)offset;
    return true;
}

bool am_time_parse_http_date(const char *s, size_t n, double *out)
{
    /* "Sun, 06 Nov 1994 08:49:37 GMT": the only form HTTP/1.1 servers may send (RFC 9110). */
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    int day = 0, mon = 0, year = 0, hh = 0, mm = 0, ss = 0;

    if (n != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' ||
        s[19] != ':' || s[22] != ':' || s[25] != ' ' || memcmp(s + 26, "GMT", 3) != 0) {
        return false;
    }
    for (mon = 0; mon < 12; mon++) {
        if (memcmp(s + 8, months + 3 * mon, 3) == 0) {
            break;
        }
    }
    if (mon == 12 || !digits(s + 5, 2, &day) || !digits(s + 12, 4, &year) ||
        !digits(s + 17, 2, &hh) || !digits(s + 20, 2, &mm) || !digits(s + 23, 2, &ss) ||
        !valid_civil(year, mon + 1, day, hh, mm, ss)) {
        return false;
    }
    *out = (double)days_from_civil(year, mon + 1, day) * 86400.0 + hh * 3600.0 + mm * 60.0 + ss;
    return true;
}
