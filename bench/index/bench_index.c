/*
 * bench_index: the index alone, without HTTP, over synthetic profiles (tests/index/synth.h):
 * a bulk load by one writer and by the parallel builder with 2 and 4 threads, then 1,000
 * searches of 1-2 words without and with three facets, 1,000 four-letter suggestions, and
 * the catalogue with every facet, each with mean, p50 and p99 latency. What the search box
 * costs through HTTP is bench/search's; this isolates the index.
 *
 *   build/bench/index/bench_index [DOCUMENTS]     (default 50,000; in $TMPDIR, removed after)
 */
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "index/index.h"
#include "tests/index/synth.h"

#define MUST(expr, want)                                                                           \
    do {                                                                                           \
        int must__rc = (expr);                                                                     \
        if (must__rc != (want)) {                                                                  \
            fprintf(stderr, "%s:%d: %s = %d: %s\n", __FILE__, __LINE__, #expr, must__rc,           \
                    index_last_error());                                                           \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

static unsigned rng_state;
static unsigned rnd(unsigned n)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return (rng_state >> 8) % n;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

static void put(index_writer *w, const index_doc *d)
{
    MUST(index_put(w, d), 0);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 50000;
    if (n <= 0) {
        fprintf(stderr, "usage: bench_index [DOCUMENTS]   (default 50000)\n");
        return 2;
    }
    synth_init();
    char root[256], dir[300];
    snprintf(root, sizeof root, "%s/eccpd-bench-index-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (mkdtemp(root) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(dir, sizeof dir, "%s/one", root);
    index_writer_options opt = {.bulk = true, .no_sync = false};
    index_writer *w = NULL;
    MUST(index_writer_open(dir, &opt, &w), 0);
    rng_state = 99;
    double t0 = now_s();
    synth_doc g;
    for (int i = 0; i < n; i++) {
        index_doc d;
        synth_make(i, &g, &d);
        put(w, &d);
        if (i % 20000 == 19999)
            MUST(index_commit(w, (uint64_t)i + 1), 0);
    }
    MUST(index_commit(w, (uint64_t)n), 0);
    double t1 = now_s();
    index_writer_close(w);
    printf("    one writer: %d docs in %.2f s: %.0f docs/s (bulk, with final commit)\n", n, t1 - t0,
           n / (t1 - t0));
    for (unsigned shards = 2; shards <= 4; shards *= 2) {
        char pdir[300];
        snprintf(pdir, sizeof pdir, "%s/par%u", root, shards);
        double s0 = now_s();
        MUST(synth_build(pdir, n, shards, 77), 0);
        double t = now_s() - s0;
        printf("    builder, %u threads: %d docs in %.2f s: %.0f docs/s (incl. merge)\n", shards, n,
               t, n / t);
    }

    index_reader *r = NULL;
    MUST(index_reader_open(dir, &r), 0);
    enum { NQ = 1000 };
    static double lat[NQ];
    uint64_t total_hits = 0;
    for (int mode = 0; mode < 3; mode++) {
        for (int i = 0; i < NQ; i++) {
            char q[64];
            unsigned x = rnd(SYNTH_WORDS), y = rnd(SYNTH_WORDS);
            if (mode == 2)
                snprintf(q, sizeof q, "%.4s", synth_words[x * x / SYNTH_WORDS]);
            else if (rnd(2))
                snprintf(q, sizeof q, "%s ", synth_words[x * x / SYNTH_WORDS]);
            else
                snprintf(q, sizeof q, "%s %s ", synth_words[x * x / SYNTH_WORDS],
                         synth_words[y * y / SYNTH_WORDS]);
            double s0 = now_s();
            if (mode < 2) {
                index_query qq = index_query_default();
                qq.q = index_cstr(q);
                qq.facets = mode == 1 ? (1u << INDEX_FACET_COUNTRY) |
                                            (1u << INDEX_FACET_ECOSYSTEM) | (1u << INDEX_FACET_TYPE)
                                      : 0;
                index_result *res = NULL;
                MUST(index_search(r, &qq, &res), 0);
                total_hits += res->total;
                index_result_free(res);
            } else {
                index_suggestions *s = NULL;
                MUST(index_suggest(r, index_cstr(q), 8, &s), 0);
                index_suggestions_free(s);
            }
            lat[i] = (now_s() - s0) * 1e3;
        }
        qsort(lat, NQ, sizeof lat[0], cmp_double);
        double sum = 0;
        for (int i = 0; i < NQ; i++)
            sum += lat[i];
        printf("    %s: mean %.3f ms, p50 %.3f ms, p99 %.3f ms\n",
               mode == 0   ? "search 1-2 words, top 20 + snippets, no facets"
               : mode == 1 ? "search 1-2 words, top 20 + snippets, 3 facets"
                           : "suggest 4-char prefix, 8 items",
               sum / NQ, lat[NQ / 2], lat[NQ * 99 / 100]);
    }
    index_query qq = index_query_default();
    qq.facets = (1u << INDEX_FACET_COUNT) - 1;
    double s0 = now_s();
    index_result *res = NULL;
    MUST(index_search(r, &qq, &res), 0);
    if (res->total != (uint64_t)n) {
        fprintf(stderr, "the catalogue counts %llu documents of %d\n",
                (unsigned long long)res->total, n);
        return 1;
    }
    printf("    catalogue (empty query, all 6 facets over %d docs): %.3f ms\n", n,
           (now_s() - s0) * 1e3);
    index_result_free(res);
    printf("(%llu hits in all)\n", (unsigned long long)total_hits);
    index_reader_close(r);
    nftw(root, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}
