/*
 * bench_schedule: the meeting scheduler on a generated matchmaking event.
 *
 *   bench_matcher_schedule [PARTICIPANTS SLOTS TABLES REQUESTS UNAVAILABLE% RUNS SEED [DUMP]]
 *
 * Defaults are issue 18's instance: 1,000 participants, 16 slots, 600 tables, 8,000
 * requests, 10 % of participant-slots unavailable. Popularity is skewed: the asked side of
 * each request is drawn with probability proportional to 1 / (rank + 10), so the first
 * participants are asked by far more than 16 others. Prints the placed count, the upper
 * bound and their ratio, the weight and idle slots, and the median time over RUNS runs.
 * With DUMP, writes the instance as text (P S T R, the unavailable matrix, then one
 * "a b weight" line per request) for bench/matcher/schedule_mip.py.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "matcher/schedule.h"

static uint64_t rng;

static double uniform(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    uint32_t P = 1000, S = 16, T = 600;
    size_t R = 8000;
    double unav_pct = 10;
    int runs = 5;
    rng = 0x9E3779B97F4A7C15ull;
    if (argc >= 8) {
        P = (uint32_t)atoi(argv[1]);
        S = (uint32_t)atoi(argv[2]);
        T = (uint32_t)atoi(argv[3]);
        R = (size_t)atol(argv[4]);
        unav_pct = atof(argv[5]);
        runs = atoi(argv[6]);
        rng ^= (uint64_t)atoll(argv[7]) * 0x2545F4914F6CDD1Dull;
    }
    uint8_t *unav = calloc((size_t)P * S, 1);
    matcher_sched_request *req = calloc(R, sizeof(*req));
    uint8_t *pair = calloc((size_t)P * P, 1);
    double *cum = malloc(P * sizeof(double));
    if (!unav || !req || !pair || !cum)
        return 1;
    for (size_t i = 0; i < (size_t)P * S; i++)
        unav[i] = uniform() * 100 < unav_pct;
    double total = 0;
    for (uint32_t i = 0; i < P; i++)
        cum[i] = (total += 1.0 / (i + 10.0));
    size_t n = 0;
    while (n < R) {
        uint32_t a = (uint32_t)(uniform() * P);
        double x = uniform() * total;
        uint32_t lo = 0, hi = P - 1;
        while (lo < hi) {
            uint32_t mid = (lo + hi) / 2;
            if (cum[mid] < x)
                lo = mid + 1;
            else
                hi = mid;
        }
        uint32_t b = lo;
        if (a == b || pair[(size_t)a * P + b])
            continue;
        pair[(size_t)a * P + b] = pair[(size_t)b * P + a] = 1;
        req[n++] = (matcher_sched_request){
            a, b, 1 + (uint32_t)(uniform() * 3), (int32_t)(uniform() * 40), -1, -1, -1};
    }
    if (argc >= 9) {
        FILE *f = fopen(argv[8], "w");
        if (f == NULL)
            return 1;
        fprintf(f, "%u %u %u %zu\n", P, S, T, R);
        for (uint32_t i = 0; i < P; i++) {
            for (uint32_t s = 0; s < S; s++)
                fputc(unav[(size_t)i * S + s] ? '1' : '0', f);
            fputc('\n', f);
        }
        for (size_t r = 0; r < R; r++)
            fprintf(f, "%u %u %u\n", req[r].a, req[r].b, req[r].weight);
        fclose(f);
    }
    uint32_t maxdeg = 0, *deg = calloc(P, sizeof(uint32_t));
    for (size_t r = 0; r < R; r++) {
        deg[req[r].a]++;
        deg[req[r].b]++;
    }
    for (uint32_t i = 0; i < P; i++)
        maxdeg = deg[i] > maxdeg ? deg[i] : maxdeg;
    matcher_sched_problem p = {P, S, T, unav, req, R, NULL, 0, NULL, NULL};
    double *ms = malloc((size_t)(runs > 0 ? runs : 1) * sizeof(double));
    double *cpu = malloc((size_t)(runs > 0 ? runs : 1) * sizeof(double));
    matcher_sched_result res;
    matcher_sched_result_init(&res);
    for (int i = 0; i < runs; i++) {
        double t0 = now_ms(), c0 = cpu_ms();
        if (matcher_schedule(&p, &res) != 0)
            return 1;
        ms[i] = now_ms() - t0;
        cpu[i] = cpu_ms() - c0;
    }
    qsort(ms, (size_t)runs, sizeof(double), cmp_double);
    qsort(cpu, (size_t)runs, sizeof(double), cmp_double);
    printf("participants=%u slots=%u tables=%u requests=%zu unavailable=%.0f%% max_requests_per_"
           "participant=%u\n",
           P, S, T, R, unav_pct, maxdeg);
    printf("placed=%zu upper_bound=%zu ratio=%.4f weight=%llu idle=%llu median_ms=%.1f "
           "min_ms=%.1f max_ms=%.1f median_cpu_ms=%.1f runs=%d\n",
           res.n_placed, res.upper_bound, (double)res.n_placed / (double)res.upper_bound,
           (unsigned long long)res.weight, (unsigned long long)res.idle, ms[runs / 2], ms[0],
           ms[runs - 1], cpu[runs / 2], runs);
    matcher_sched_result_dispose(&res);
    free(ms);
    free(cpu);
    free(deg);
    free(unav);
    free(req);
    free(pair);
    free(cum);
    return 0;
}
