/*
 * bench_under_writes.c: ClusterXchange best matches at 1,000,000 registrations while
 * exchanges are agreed and planned, beside the same queries without writes, in one run.
 *
 * The feed applies an exchange's steps to the matcher as matcher/records.c does: when an
 * exchange is agreed its visitor stops matching as a visitor (its row is put again
 * without that role) and its host holds one place more; when it is planned the host's row
 * is put with the windows narrowed where it is full. Each step is one feed batch, so one
 * matcher_table_publish, as on the server (a batch that finds several steps due publishes
 * once, as the feed's batches do). A writer thread runs those steps at RATE exchanges a
 * second (two steps each) while the query thread runs top-20 queries with reasons; the
 * baseline runs the same queries with the writer idle. Phases alternate RUNS times and the
 * medians are reported, with the ratio of the p99s.
 *
 *   bench_under_writes [registrations] [queries per phase] [exchanges per second] [runs]
 *
 * Prints one "key value" line per figure (for bench/matcher/run_under_writes.sh).
 */
#include "matcher/internal.h"
#include "matcher/matcher.h"
#include "synth.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct writer {
    matcher_table *t;
    matcher_reg *rows; /* the table's rows as the writer knows them */
    size_t n;
    double rate;           /* exchanges a second */
    atomic_int run, stop;  /* run: write now; stop: leave */
    atomic_long exchanges; /* exchanges applied (both steps) */
    atomic_long publishes; /* publishes made */
    double publish_s;      /* time spent publishing */
    double pub_ms[100000]; /* each publish's time, in order */
    size_t n_pub;
} writer;

static void sleep_until(double t)
{
    double d = t - now();
    if (d <= 0)
        return;
    struct timespec ts = {(time_t)d, (long)((d - (double)(time_t)d) * 1e9)};
    nanosleep(&ts, NULL);
}

/* One step of exchange k: 0 agreed (visitor leaves, host holds a place), 1 planned (the
 * host is full for one week of its first window: that window splits). */
static void step(writer *w, uint64_t k, int which)
{
    rng = 0xabcdef ^ (k * 2654435761u);
    size_t vi, hi;
    do
        vi = rnd() % w->n;
    while (!(w->rows[vi].roles & MATCHER_ROLE_VISITOR));
    do
        hi = rnd() % w->n;
    while (!(w->rows[hi].roles & MATCHER_ROLE_HOST) || hi == vi);
    if (which == 0) {
        matcher_reg *v = &w->rows[vi];
        v->roles &= ~MATCHER_ROLE_VISITOR;
        if (v->roles == 0)
            matcher_table_remove(w->t, v->id), v->roles = MATCHER_ROLE_VISITOR;
        else
            matcher_table_put(w->t, v);
        matcher_reg *h = &w->rows[hi];
        if (h->capacity > 1)
            h->capacity--;
        matcher_table_put(w->t, h);
    } else {
        matcher_reg *h = &w->rows[hi];
        matcher_window a = h->windows[0];
        int32_t mid = a.from + (a.to - a.from) / 2;
        if (h->n_windows < MATCHER_WINDOWS && mid + 7 < a.to) {
            memmove(&h->windows[2], &h->windows[1], (h->n_windows - 1) * sizeof(a));
            h->windows[0] = (matcher_window){a.from, mid - 1};
            h->windows[1] = (matcher_window){mid + 7, a.to};
            h->n_windows++;
        }
        matcher_table_put(w->t, h);
    }
}

static void *writer_run(void *arg)
{
    writer *w = arg;
    uint64_t k = 0;
    int which = 0;
    double next = now();
    while (!atomic_load(&w->stop)) {
        if (!atomic_load(&w->run)) {
            sleep_until(now() + 0.005);
            next = now();
            continue;
        }
        /* every step due by now, then one publish (one feed batch) */
        int due = 0;
        while (next <= now()) {
            step(w, k, which);
            if (which == 1) {
                k++;
                atomic_fetch_add(&w->exchanges, 1);
            }
            which ^= 1;
            next += 0.5 / w->rate;
            due++;
        }
        if (due) {
            double a = now();
            matcher_table_publish(w->t);
            double d = now() - a;
            w->publish_s += d;
            if (w->n_pub < sizeof w->pub_ms / sizeof *w->pub_ms)
                w->pub_ms[w->n_pub++] = d * 1e3;
            atomic_fetch_add(&w->publishes, 1);
        }
        sleep_until(next);
    }
    return NULL;
}

typedef struct phase {
    double p50, p99, mean;
} phase;

static phase run_queries(matcher_table *t, const matcher_reg *ask, const unsigned *role, size_t nq,
                         const matcher_names *names, matcher_scratch *sc, double *lat)
{
    const matcher_match *out;
    size_t nout;
    double total = 0;
    for (size_t q = 0; q < nq; q++) {
        double a = now();
        matcher_snapshot *s = matcher_table_acquire(t); /* as the server: per query */
        if (matcher_best(s, &ask[q], role[q], 20, names, sc, &out, &nout))
            exit(1);
        matcher_snapshot_release(s);
        lat[q] = now() - a;
        total += lat[q];
    }
    qsort(lat, nq, sizeof *lat, cmp_double);
    return (phase){lat[nq / 2] * 1e3, lat[nq * 99 / 100] * 1e3, total / (double)nq * 1e3};
}

static int cmp_phase_p99(const void *a, const void *b)
{
    double x = ((const phase *)a)->p99, y = ((const phase *)b)->p99;
    return x < y ? -1 : x > y;
}

static int cmp_phase_p50(const void *a, const void *b)
{
    double x = ((const phase *)a)->p50, y = ((const phase *)b)->p50;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
    size_t nq = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000;
    double rate = argc > 3 ? atof(argv[3]) : 10;
    int runs = argc > 4 ? atoi(argv[4]) : 3;
    if (runs < 1 || runs > 20 || rate <= 0 || n < 1000)
        return 2;
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

    static writer w;
    w.rate = rate;
    atomic_init(&w.run, 0);
    w.n = n;
    w.rows = malloc(n * sizeof *w.rows);
    if (w.rows == NULL || matcher_table_new(&w.t))
        return 1;
    for (size_t i = 0; i < n; i++) {
        w.rows[i] = gen(1000000007ull * (i + 1) % 4294967291ull, &zc, &ze, &zl);
        if (matcher_table_put(w.t, &w.rows[i]))
            return 1;
    }
    double t0 = now();
    if (matcher_table_publish(w.t))
        return 1;
    printf("registrations %zu\n", n);
    printf("publish_full_s %.3f\n", now() - t0);

    matcher_reg *ask = malloc(nq * sizeof *ask);
    unsigned *role = malloc(nq * sizeof *role);
    double *lat = malloc(nq * sizeof *lat);
    rng = 99;
    for (size_t q = 0; q < nq; q++) {
        for (;;) {
            matcher_reg r = gen(0, &zc, &ze, &zl);
            r.id = 1ull << 40 | q;
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
    pthread_t th;
    pthread_create(&th, NULL, writer_run, &w);
    phase *base = calloc((size_t)runs, sizeof *base), *under = calloc((size_t)runs, sizeof *under);
    double writes_s = 0, pubs = 0, exch = 0, pub_s = 0;
    for (int r = 0; r < runs; r++) {
        base[r] = run_queries(w.t, ask, role, nq, &names, sc, lat);
        long e0 = atomic_load(&w.exchanges), p0 = atomic_load(&w.publishes);
        double ps0 = w.publish_s, a = now();
        atomic_store(&w.run, 1);
        under[r] = run_queries(w.t, ask, role, nq, &names, sc, lat);
        atomic_store(&w.run, 0);
        double el = now() - a;
        sleep_until(now() + 0.05); /* the writer finishes its step */
        writes_s += el;
        exch += (double)(atomic_load(&w.exchanges) - e0);
        pubs += (double)(atomic_load(&w.publishes) - p0);
        pub_s += w.publish_s - ps0;
        printf("run %d base_p50_ms %.3f base_p99_ms %.3f writes_p50_ms %.3f writes_p99_ms %.3f\n",
               r + 1, base[r].p50, base[r].p99, under[r].p50, under[r].p99);
    }
    atomic_store(&w.stop, 1);
    pthread_join(th, NULL);
    phase b50[20], u50[20];
    memcpy(b50, base, (size_t)runs * sizeof *base);
    memcpy(u50, under, (size_t)runs * sizeof *under);
    qsort(base, (size_t)runs, sizeof *base, cmp_phase_p99);
    qsort(under, (size_t)runs, sizeof *under, cmp_phase_p99);
    qsort(b50, (size_t)runs, sizeof *b50, cmp_phase_p50);
    qsort(u50, (size_t)runs, sizeof *u50, cmp_phase_p50);
    printf("queries_per_phase %zu\n", nq);
    printf("runs %d\n", runs);
    printf("base_p50_ms %.3f\n", b50[runs / 2].p50);
    printf("base_p99_ms %.3f\n", base[runs / 2].p99);
    printf("writes_p50_ms %.3f\n", u50[runs / 2].p50);
    printf("writes_p99_ms %.3f\n", under[runs / 2].p99);
    printf("p99_ratio %.2f\n", under[runs / 2].p99 / base[runs / 2].p99);
    printf("exchanges_per_s %.2f\n", exch / writes_s);
    printf("publishes_per_s %.2f\n", pubs / writes_s);
    printf("publish_mean_ms %.2f\n", pubs > 0 ? pub_s / pubs * 1e3 : 0);
    printf("writer_busy %.2f\n", pub_s / writes_s);
    if (w.n_pub > 0) {
        qsort(w.pub_ms, w.n_pub, sizeof *w.pub_ms, cmp_double);
        printf("publish_p50_ms %.3f\n", w.pub_ms[w.n_pub / 2]);
        printf("publish_max_ms %.1f\n", w.pub_ms[w.n_pub - 1]);
    }
    matcher_scratch_free(sc);
    matcher_table_free(w.t);
    free(w.rows);
    free(ask);
    free(role);
    free(lat);
    free(base);
    free(under);
    return 0;
}
