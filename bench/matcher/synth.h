/*
 * synth.h: the synthetic ClusterXchange registrations the matcher benchmarks share
 * (bench_best.c, bench_under_writes.c): a deterministic generator skewed like the real
 * population (a few large countries, popular ecosystems, English nearly always), its
 * random source, and the timing helpers. One copy, so both benchmarks measure the same
 * population. Header-only (static functions): each benchmark is one translation unit.
 *
 * The random source is per thread and starts from the same seed in each, so a
 * single-threaded benchmark draws the same sequence on every run.
 */
#ifndef ECCPD_BENCH_MATCHER_SYNTH_H
#define ECCPD_BENCH_MATCHER_SYNTH_H
#include "matcher/matcher.h"

#include <math.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

static _Thread_local uint64_t rng = 0x1234567;

static uint64_t rnd(void)
{
    uint64_t x = rng += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static double unif(void)
{
    return (double)(rnd() >> 11) / 9007199254740992.0;
}

/* Index from a Zipf-like distribution over n items (weight 1/(i+1)^s), by table. */
typedef struct zipf {
    double cum[64];
    int n;
} zipf;

static void zipf_init(zipf *z, int n, double s)
{
    double t = 0;
    for (int i = 0; i < n; i++) {
        t += pow(i + 1, -s);
        z->cum[i] = t;
    }
    for (int i = 0; i < n; i++)
        z->cum[i] /= t;
    z->n = n;
}

static int zipf_draw(const zipf *z)
{
    double u = unif();
    for (int i = 0; i < z->n; i++)
        if (u <= z->cum[i])
            return i;
    return z->n - 1;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

#define N_COUNTRIES 38
#define N_LANGS 30

static matcher_reg gen(uint64_t id, const zipf *zc, const zipf *ze, const zipf *zl)
{
    matcher_reg r;
    memset(&r, 0, sizeof r);
    r.id = id;
    double u = unif();
    r.roles = u < 0.45 ? MATCHER_ROLE_VISITOR : u < 0.8 ? MATCHER_ROLE_HOST : 3;
    r.country = (uint32_t)zipf_draw(zc);
    r.eligible = unif() < 0.97;
    int ne = 1 + (int)(unif() * 3);
    for (int i = 0; i < ne; i++)
        r.ecosystems |= 1u << zipf_draw(ze);
    int no = 1 + (int)(unif() * 3);
    for (int i = 0; i < no; i++)
        r.objectives |= 1u << (int)(unif() * 7);
    if (unif() < 0.85)
        r.languages |= 1;                                   /* English */
    r.languages |= 1ull << (1 + r.country % (N_LANGS - 1)); /* the country's language */
    if (unif() < 0.3)
        r.languages |= 1ull << zipf_draw(zl);
    if (unif() < 0.6) {
        int nt = 1 + (int)(unif() * 5);
        for (int i = 0; i < nt; i++)
            r.target_countries |= 1ull << zipf_draw(zc);
    }
    r.duration_min = 3 + (uint32_t)(unif() * 8);
    r.duration_max = r.duration_min + (uint32_t)(unif() * 24);
    r.capacity = r.roles & MATCHER_ROLE_HOST ? 1 + (uint32_t)(unif() * 5) : 0;
    if (r.roles & MATCHER_ROLE_HOST && unif() < 0.1)
        r.capacity = 0; /* full hosts */
    r.n_windows = 1 + (unif() < 0.35) + (unif() < 0.15);
    int32_t day = 20400; /* late 2025 */
    for (uint32_t w = 0; w < r.n_windows; w++) {
        day += (int32_t)(unif() * 200);
        r.windows[w].from = day;
        day += 14 + (int32_t)(unif() * 160);
        r.windows[w].to = day;
    }
    return r;
}

#endif
