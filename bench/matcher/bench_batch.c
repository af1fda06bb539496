/*
 * bench_batch.c: the exact batch assignment on the four problem shapes.
 *
 *   bench_batch DIR [runs]
 *
 * Scores are the matcher's soft terms (ecosystems, objectives, languages, country
 * preferences; 0..67) between random registrations with skewed features, so a few hosts are
 * popular with everybody, as in the real data; uniform random scores in a small range would
 * make every instance trivially solvable at the maximum score.
 * Generates each instance deterministically, writes it to DIR/<name>.bin for
 * bench/matcher/scipy_batch.py, solves it `runs` times (default 5) with matcher_batch_* and
 * writes one line per instance to DIR/c_results.tsv (and stdout):
 *   name  median_seconds  min_seconds  peak_extra_MiB  total_score  matched
 * Peak memory is the solver's own: the process's peak RSS is reset through
 * /proc/self/clear_refs before the solve and read back (VmHWM) minus the RSS before it.
 *
 * File format (little-endian): uint32 kind (0 dense, 1 sparse), nv, nh, ne; then
 * uint32 capacity[nh]; then uint16 scores[nv*nh] (dense) or {uint32 v, uint32 h,
 * int32 score}[ne] (sparse).
 */
#include "matcher/batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t rng;

static uint64_t rnd(void)
{
    uint64_t x = rng += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static long status_kib(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    size_t kl = strlen(key);
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, key, kl) == 0)
            v = strtol(line + kl, NULL, 10);
    if (f)
        fclose(f);
    return v;
}

static void reset_peak(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (f) {
        fputs("5", f);
        fclose(f);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct inst {
    const char *name;
    uint32_t nv, nh;
    uint32_t *cap;
    uint16_t *dense;     /* or */
    matcher_edge *edges; /* sparse */
    size_t ne;
} inst;

/* Random features of one registration, for scores shaped like the matcher's. */
typedef struct feat {
    uint32_t eco, obj, country;
    uint64_t lang, targets;
} feat;

static feat feature(void)
{
    static const int eco_pct[14] = {30, 25, 20, 18, 15, 12, 10, 9, 8, 7, 6, 5, 4, 3};
    feat f = {0, 0, 0, 0, 0};
    for (int i = 0; i < 14; i++)
        f.eco |= (rnd() % 100 < (uint64_t)eco_pct[i]) << i;
    for (int i = 0; i < 7; i++)
        f.obj |= (rnd() % 100 < 30) << i;
    uint64_t u = rnd() % 1000;
    f.country = u < 400 ? (uint32_t)(u % 5) : (uint32_t)(5 + u % 25); /* five big countries */
    f.lang = (rnd() % 100 < 85) | 1ull << (1 + f.country % 20);
    if (rnd() % 100 < 60)
        for (uint64_t k = 1 + rnd() % 5; k > 0; k--)
            f.targets |= 1ull << (rnd() % 30);
    return f;
}

/* The matcher's soft terms for visitor a and host b (0 for the same country). */
static uint16_t score(const feat *a, const feat *b)
{
    if (a->country == b->country)
        return 0;
    int s = 3 * __builtin_popcount(a->eco & b->eco) + 2 * __builtin_popcount(a->obj & b->obj);
    s += (a->lang & b->lang) ? 3 : 0;
    s += a->targets == 0 ? 2 : ((a->targets >> b->country) & 1) * 4;
    s += b->targets == 0 ? 2 : ((b->targets >> a->country) & 1) * 4;
    return (uint16_t)s;
}

static void gen(inst *p, const char *name, uint32_t nv, uint32_t nh, int capmax, int per_visitor,
                uint64_t seed)
{
    rng = seed;
    memset(p, 0, sizeof *p);
    p->name = name;
    p->nv = nv;
    p->nh = nh;
    p->cap = malloc(nh * sizeof *p->cap);
    for (uint32_t h = 0; h < nh; h++)
        p->cap[h] = capmax > 1 ? 1 + (uint32_t)(rnd() % (uint64_t)capmax) : 1;
    feat *fv = malloc(nv * sizeof *fv), *fh = malloc(nh * sizeof *fh);
    for (uint32_t v = 0; v < nv; v++)
        fv[v] = feature();
    for (uint32_t h = 0; h < nh; h++)
        fh[h] = feature();
    if (!per_visitor) {
        p->dense = malloc((size_t)nv * nh * sizeof *p->dense);
        for (uint32_t v = 0; v < nv; v++)
            for (uint32_t h = 0; h < nh; h++)
                p->dense[(size_t)v * nh + h] = score(&fv[v], &fh[h]);
    } else {
        /* each visitor's candidates: per_visitor distinct random hosts */
        p->ne = (size_t)nv * (size_t)per_visitor;
        p->edges = malloc(p->ne * sizeof *p->edges);
        uint32_t *mark = calloc(nh, sizeof *mark);
        size_t k = 0;
        for (uint32_t v = 0; v < nv; v++)
            for (int j = 0; j < per_visitor; j++) {
                uint32_t h;
                do
                    h = (uint32_t)(rnd() % nh);
                while (mark[h] == v + 1);
                mark[h] = v + 1;
                p->edges[k++] = (matcher_edge){v, h, score(&fv[v], &fh[h])};
            }
        free(mark);
    }
    free(fv);
    free(fh);
}

static int write_inst(const char *dir, const inst *p)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.bin", dir, p->name);
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    uint32_t hdr[4] = {p->dense ? 0u : 1u, p->nv, p->nh, (uint32_t)p->ne};
    fwrite(hdr, sizeof hdr, 1, f);
    fwrite(p->cap, sizeof *p->cap, p->nh, f);
    if (p->dense)
        fwrite(p->dense, sizeof *p->dense, (size_t)p->nv * p->nh, f);
    else
        fwrite(p->edges, sizeof *p->edges, p->ne, f);
    return fclose(f);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s DIR [runs]\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1];
    int runs = argc > 2 ? atoi(argv[2]) : 5;
    if (runs < 1)
        runs = 1;
    char path[4096];
    snprintf(path, sizeof path, "%s/c_results.tsv", dir);
    FILE *out = fopen(path, "w");
    if (!out) {
        perror(path);
        return 1;
    }
    struct {
        const char *name;
        uint32_t nv, nh;
        int capmax, per_visitor;
    } shapes[] = {
        {"dense_2000x2000", 2000, 2000, 1, 0},
        {"dense_5000x5000", 5000, 5000, 1, 0},
        {"capacity_20000x2000", 20000, 2000, 20, 0},
        {"sparse_20000x2000_50", 20000, 2000, 20, 50},
    };
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        inst p;
        gen(&p, shapes[s].name, shapes[s].nv, shapes[s].nh, shapes[s].capmax, shapes[s].per_visitor,
            1000 + s);
        if (write_inst(dir, &p)) {
            perror("write instance");
            return 1;
        }
        double *t = malloc((size_t)runs * sizeof *t);
        long peak = 0;
        matcher_batch_result r;
        matcher_batch_result_init(&r);
        for (int i = 0; i < runs; i++) {
            matcher_batch_result_dispose(&r);
            reset_peak();
            long base = status_kib("VmRSS:");
            double a = now();
            int err = p.dense ? matcher_batch_dense(p.nv, p.nh, p.dense, p.cap, 0, &r)
                              : matcher_batch_sparse(p.nv, p.nh, p.edges, p.ne, p.cap, 0, &r);
            t[i] = now() - a;
            long hwm = status_kib("VmHWM:");
            if (err) {
                fprintf(stderr, "%s: %s\n", p.name, matcher_strerror(err));
                return 1;
            }
            if (hwm - base > peak)
                peak = hwm - base;
        }
        qsort(t, (size_t)runs, sizeof *t, cmp_double);
        fprintf(out, "%s\t%.4f\t%.4f\t%.1f\t%lld\t%zu\n", p.name, t[runs / 2], t[0],
                (double)peak / 1024.0, (long long)r.total_score, r.n_matched);
        printf("%s\t%.4f\t%.4f\t%.1f\t%lld\t%zu\n", p.name, t[runs / 2], t[0],
               (double)peak / 1024.0, (long long)r.total_score, r.n_matched);
        fflush(stdout);
        matcher_batch_result_dispose(&r);
        free(t);
        free(p.cap);
        free(p.dense);
        free(p.edges);
    }
    fclose(out);
    return 0;
}
