/* SPDX-License-Identifier: MIT */
/* Shared by the C benchmarks: the clocks they read and the comparison their medians sort by. */
#ifndef APPMESH_BENCH_CLOCK_H
#define APPMESH_BENCH_CLOCK_H

#include <sys/resource.h>
#include <time.h>

/* Monotonic time in nanoseconds. */
static inline double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Monotonic time in seconds. */
static inline double now(void)
{
    return now_ns() / 1e9;
}

/* User + system CPU time of this process, in seconds. */
static inline double cpu_now(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* qsort's comparison of doubles, ascending. */
static inline int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;
    return (x > y) - (x < y);
}

#endif
