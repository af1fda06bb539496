/*
 * bench_best.c: ClusterXchange best matches on synthetic registrations.
 *
 * Generates N registrations (default 1,000,000) with a deterministic generator skewed like
 * the real population (a few large countries, popular ecosystems, English nearly always),
 * publishes them, then runs top-20 queries with reasons for Q random askers (default
 * 1,000) on one thread and reports p50/p99 latency and the scan's bytes/s. In the same run
 * it measures the memory-bandwidth ceiling: a plain streaming read (a sum) of exactly the
 * columns a query scans, for the same asker sequence.
 *
 *   bench_best [registrations] [queries]
 *
 * Prints one "key value" line per figure, for bench/matcher/run.sh.
 */
#include "matcher/internal.h"
#include "matcher/matcher.h"
#include "synth.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The memory-bandwidth ceiling: a plain streaming read (a sum) of every column a query
 * scans, with the same AVX2 clone as the scan, so the comparison is like for like. */
MATCHER__CLONES static uint64_t column_sum(const matcher__part *p)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < p->n; i++)
        sum += p->ok[i] + p->country[i] + p->objectives[i];
    for (size_t i = 0; i < p->n; i++)
        sum += p->ecosystems[i] + p->dmin[i] + p->dmax[i];
    for (int w = 0; w < MATCHER_WINDOWS; w++)
        for (size_t i = 0; i < p->n; i++)
            sum += p->from[w][i] + p->to[w][i];
    for (size_t i = 0; i < p->n; i++)
        sum += p->languages[i] ^ p->targets[i];
    return sum;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
    size_t nq = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000;
    zipf zc, ze, zl;
    zipf_init(&zc, N_COUNTRIES, 1.0);
    zipf_init(&ze, MATCHER_ECOSYSTEMS, 0.75);
    zipf_init(&zl, N_LANGS, 1.0);

    static const char *eco[MATCHER_ECOSYSTEMS] = {"Aerospace and defence",
                                                  "Agri-food",
                                                  "Construction",
                                                  "Cultural and creative",
                                                  "Digital",
                                                  "Electronics",
                                                  "Energy-intensive industries",
                                                  "Health",
                                                  "Mobility-transport-automotive",
                                                  "Proximity and social economy",
                                                  "Retail",
                                                  "Textiles",
                                                  "Tourism",
                                                  "Renewable energy"};
    static const char *obj[MATCHER_OBJECTIVES] = {
        "Market exploration", "Technology transfer",  "Joint projects", "Capacity building",
        "Networking",         "Internationalisation", "Learning"};
    static char cnames[N_COUNTRIES][16], lnames[N_LANGS][16];
    static const char *cn[N_COUNTRIES], *ln[N_LANGS];
    for (int i = 0; i < N_COUNTRIES; i++) {
        snprintf(cnames[i], sizeof cnames[i], "Country %d", i);
        cn[i] = cnames[i];
    }
    for (int i = 0; i < N_LANGS; i++) {
        snprintf(lnames[i], sizeof lnames[i], "Language %d", i);
        ln[i] = lnames[i];
    }
    matcher_names names = {eco, MATCHER_ECOSYSTEMS, obj, MATCHER_OBJECTIVES,
                           cn,  N_COUNTRIES,        ln,  N_LANGS};

    matcher_table *t;
    if (matcher_table_new(&t))
        return 1;
    double t0 = now();
    for (size_t i = 0; i < n; i++) {
        matcher_reg r = gen(1000000007ull * (i + 1) % 4294967291ull, &zc, &ze, &zl);
        if (matcher_table_put(t, &r)) {
            fprintf(stderr, "put failed\n");
            return 1;
        }
    }
    double t1 = now();
    if (matcher_table_publish(t))
        return 1;
    double t2 = now();
    matcher_snapshot *s = matcher_table_acquire(t);
    printf("registrations %zu\n", matcher_snapshot_count(s));
    printf("hosts %zu\n", s->part[MATCHER__HOSTS].n);
    printf("visitors %zu\n", s->part[MATCHER__VISITORS].n);
    printf("put_s %.3f\n", t1 - t0);
    printf("publish_s %.3f\n", t2 - t1);

    /* askers: existing registrations in one of their roles */
    matcher_reg *ask = malloc(nq * sizeof *ask);
    unsigned *role = malloc(nq * sizeof *role);
    double *lat = malloc(nq * sizeof *lat), *clat = malloc(nq * sizeof *clat);
    rng = 99;
    for (size_t q = 0; q < nq; q++) {
        for (;;) {
            matcher_reg r = gen(0, &zc, &ze, &zl);
            r.id = 1ull << 40 | q; /* not in the table */
            if (!r.eligible)
                continue;
            role[q] =
                r.roles == 3 ? (rnd() & 1 ? MATCHER_ROLE_HOST : MATCHER_ROLE_VISITOR) : r.roles;
            if (role[q] == MATCHER_ROLE_HOST && r.capacity == 0)
                continue;
            ask[q] = r;
            break;
        }
    }

    matcher_scratch *sc = matcher_scratch_new();
    const matcher_match *out;
    size_t nout = 0, found = 0;
    double bytes = 0, total = 0, ctotal = 0;
    volatile uint64_t sink = 0;
    for (size_t q = 0; q < nq; q++) {
        const matcher__part *p =
            &s->part[role[q] == MATCHER_ROLE_VISITOR ? MATCHER__HOSTS : MATCHER__VISITORS];
        double a = now();
        if (matcher_best(s, &ask[q], role[q], 20, &names, sc, &out, &nout))
            return 1;
        double b = now();
        found += nout;
        /* the ceiling: a plain sum over the same columns */
        uint64_t sum = column_sum(p);
        sink += sum;
        double c = now();
        lat[q] = b - a;
        clat[q] = c - b;
        total += b - a;
        ctotal += c - b;
        bytes += (double)p->n * MATCHER__SCAN_BYTES_PER_ROW;
    }
    (void)sink;
    qsort(lat, nq, sizeof *lat, cmp_double);
    qsort(clat, nq, sizeof *clat, cmp_double);
    printf("queries %zu\n", nq);
    printf("mean_results %.2f\n", (double)found / (double)nq);
    printf("p50_ms %.3f\n", lat[nq / 2] * 1e3);
    printf("p99_ms %.3f\n", lat[nq * 99 / 100] * 1e3);
    printf("mean_ms %.3f\n", total / (double)nq * 1e3);
    printf("scan_gbs %.2f\n", bytes / total / 1e9);
    printf("ceiling_p50_ms %.3f\n", clat[nq / 2] * 1e3);
    printf("ceiling_gbs %.2f\n", bytes / ctotal / 1e9);
    printf("ratio %.2f\n", ctotal / total);
    if (nout > 0) {
        printf("example_top_score %d\n", out[0].score);
        for (uint32_t i = 0; i < out[0].n_reasons; i++)
            printf("example_reason %s\n", out[0].reasons[i]);
    }
    matcher_scratch_free(sc);
    matcher_snapshot_release(s);
    matcher_table_free(t);
    free(ask);
    free(role);
    free(lat);
    free(clat);
    return 0;
}
