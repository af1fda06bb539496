/*
 * Tests of the meeting scheduler (matcher/schedule.h) on random small instances: the
 * invariants (nobody twice in a slot, no table twice, unavailability, fixed meetings kept,
 * every request placed or reported once with a true reason, recommended meetings only in
 * both participants' free slots), the upper bound never below the true optimum, and the
 * placed count, then weight, against exhaustive search; re-runs keep published meetings.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "matcher/matcher.h"
#include "matcher/schedule.h"

static uint64_t rng = 88172645463325252ull;

static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

enum { MAXP = 7, MAXS = 4, MAXR = 8 };

typedef struct instance {
    uint32_t P, S, T;
    uint8_t unav[MAXP * MAXS];
    matcher_sched_request req[MAXR];
    size_t R;
    matcher_sched_pair cand[MAXP * MAXP];
    size_t C;
} instance;

static void make(instance *in)
{
    memset(in, 0, sizeof(*in));
    in->P = 3 + rnd(MAXP - 2);
    in->S = 1 + rnd(MAXS);
    in->T = 1 + rnd(3);
    for (uint32_t i = 0; i < in->P * in->S; i++)
        in->unav[i] = rnd(5) == 0;
    uint8_t taken[MAXP][MAXP] = {{0}};
    size_t want = 1 + rnd(MAXR);
    for (size_t tries = 0; in->R < want && tries < 100; tries++) {
        uint32_t a = rnd(in->P), b = rnd(in->P);
        if (a == b || taken[a][b])
            continue;
        taken[a][b] = taken[b][a] = 1;
        matcher_sched_request *q = &in->req[in->R++];
        *q = (matcher_sched_request){a, b, 1 + rnd(3), (int32_t)rnd(10), -1, -1, -1};
    }
    /* a few fixed meetings, valid by construction */
    uint8_t busy[MAXP][MAXS] = {{0}};
    uint32_t count[MAXS] = {0};
    for (size_t r = 0; r < in->R; r++) {
        if (rnd(4) != 0)
            continue;
        uint32_t s = rnd(in->S);
        matcher_sched_request *q = &in->req[r];
        if (busy[q->a][s] || busy[q->b][s] || in->unav[q->a * in->S + s] ||
            in->unav[q->b * in->S + s] || count[s] >= in->T)
            continue;
        busy[q->a][s] = busy[q->b][s] = 1;
        count[s]++;
        q->fixed_slot = (int32_t)s;
    }
    for (uint32_t a = 0; a < in->P; a++)
        for (uint32_t b = a + 1; b < in->P; b++)
            if (!taken[a][b] && rnd(3) == 0)
                in->cand[in->C++] = (matcher_sched_pair){a, b, (int32_t)(1 + rnd(20))};
}

static matcher_sched_problem problem(const instance *in)
{
    return (matcher_sched_problem){.n_participants = in->P,
                                   .n_slots = in->S,
                                   .n_tables = in->T,
                                   .unavailable = in->unav,
                                   .requests = in->req,
                                   .n_requests = in->R,
                                   .candidates = in->cand,
                                   .n_candidates = in->C};
}

/* The best (placed, weight) by trying every slot (or none) for every request. */
typedef struct best {
    size_t placed;
    uint64_t weight;
} best;

static void search(const instance *in, size_t r, uint8_t busy[MAXP][MAXS], uint32_t *count,
                   size_t placed, uint64_t weight, best *b)
{
    if (r == in->R) {
        if (placed > b->placed || (placed == b->placed && weight > b->weight))
            *b = (best){placed, weight};
        return;
    }
    const matcher_sched_request *q = &in->req[r];
    if (q->fixed_slot < 0)
        search(in, r + 1, busy, count, placed, weight, b);
    for (uint32_t s = 0; s < in->S; s++) {
        if (q->fixed_slot >= 0 && (uint32_t)q->fixed_slot != s)
            continue;
        if (busy[q->a][s] || busy[q->b][s] || in->unav[q->a * in->S + s] ||
            in->unav[q->b * in->S + s] || count[s] >= in->T)
            continue;
        busy[q->a][s] = busy[q->b][s] = 1;
        count[s]++;
        search(in, r + 1, busy, count, placed + 1, weight + q->weight, b);
        busy[q->a][s] = busy[q->b][s] = 0;
        count[s]--;
    }
}

/* Checks every invariant of a result; returns the requests' meetings. */
static void check_invariants(const instance *in, const matcher_sched_result *res)
{
    int seen_p[MAXP][MAXS] = {{0}};
    int seen_t[MAXS][8] = {{0}};
    int placed[MAXR] = {0};
    uint64_t weight = 0;
    CHECK_EQ(res->n_placed + res->n_unscheduled, in->R);
    for (size_t i = 0; i < res->n_meetings; i++) {
        const matcher_sched_meeting *m = &res->meetings[i];
        CHECK(m->slot < in->S);
        CHECK(m->table < in->T);
        CHECK(m->a < in->P && m->b < in->P && m->a != m->b);
        CHECK_EQ(seen_p[m->a][m->slot]++, 0); /* nobody twice in a slot */
        CHECK_EQ(seen_p[m->b][m->slot]++, 0);
        CHECK_EQ(seen_t[m->slot][m->table]++, 0); /* no table twice */
        CHECK(!in->unav[m->a * in->S + m->slot]);
        CHECK(!in->unav[m->b * in->S + m->slot]);
        if (i < res->n_placed) {
            CHECK(m->request >= 0 && (size_t)m->request < in->R);
            const matcher_sched_request *q = &in->req[m->request];
            CHECK((q->a == m->a && q->b == m->b) || (q->a == m->b && q->b == m->a));
            CHECK_EQ(placed[m->request]++, 0);
            weight += q->weight;
            if (q->fixed_slot >= 0)
                CHECK_EQ((int32_t)m->slot, q->fixed_slot);
        } else {
            CHECK_EQ(m->request, -1);
            bool known = false;
            for (size_t c = 0; c < in->C; c++)
                known |= (in->cand[c].a == m->a && in->cand[c].b == m->b);
            CHECK(known);
        }
    }
    CHECK_EQ(weight, res->weight);
    for (size_t r = 0; r < in->R; r++)
        if (in->req[r].fixed_slot >= 0)
            CHECK_EQ(placed[r], 1); /* fixed meetings are kept */
    for (size_t i = 0; i < res->n_unscheduled; i++) {
        uint32_t r = res->unscheduled[i];
        CHECK(r < in->R);
        CHECK_EQ(placed[r]++, 0);
        const matcher_sched_request *q = &in->req[r];
        /* the reason holds in the requests' schedule (before recommendations) */
        bool fa = false, fb = false, both = false, room = false;
        for (uint32_t s = 0; s < in->S; s++) {
            int ca = 0, cb = 0, n = 0;
            for (size_t k = 0; k < res->n_placed; k++) {
                const matcher_sched_meeting *m = &res->meetings[k];
                if (m->slot != s)
                    continue;
                n++;
                ca |= m->a == q->a || m->b == q->a;
                cb |= m->a == q->b || m->b == q->b;
            }
            bool xa = !ca && !in->unav[q->a * in->S + s], xb = !cb && !in->unav[q->b * in->S + s];
            fa |= xa;
            fb |= xb;
            both |= xa && xb;
            room |= xa && xb && (uint32_t)n < in->T;
        }
        CHECK(!room); /* a placeable request is never left out */
        switch (res->reasons[i]) {
        case MATCHER_SCHED_PARTICIPANT_FULL:
            CHECK(!fa || !fb);
            break;
        case MATCHER_SCHED_NO_COMMON_SLOT:
            CHECK(fa && fb && !both);
            break;
        case MATCHER_SCHED_TABLES_FULL:
            CHECK(both);
            break;
        default:
            CHECK(0);
        }
    }
}

static void random_instances_against_exhaustive_search(void)
{
    int runs = 3000, count_opt = 0, weight_opt = 0;
    for (int it = 0; it < runs; it++) {
        instance in;
        make(&in);
        matcher_sched_problem p = problem(&in);
        matcher_sched_result res;
        matcher_sched_result_init(&res);
        CHECK_EQ(matcher_schedule(&p, &res), 0);
        check_invariants(&in, &res);
        uint8_t busy[MAXP][MAXS] = {{0}};
        uint32_t count[MAXS] = {0};
        best b = {0, 0};
        search(&in, 0, busy, count, 0, 0, &b);
        CHECK_LE(res.n_placed, b.placed);
        CHECK_GE(res.upper_bound, b.placed); /* the bound is true */
        count_opt += res.n_placed == b.placed;
        if (getenv("SCHED_DEBUG") && res.n_placed != b.placed) {
            printf("\nP=%u S=%u T=%u opt=%zu got=%zu\n", in.P, in.S, in.T, b.placed, res.n_placed);
            for (uint32_t i = 0; i < in.P; i++) {
                printf(" p%u unav:", i);
                for (uint32_t s2 = 0; s2 < in.S; s2++)
                    printf("%d", in.unav[i * in.S + s2]);
                printf("\n");
            }
            for (size_t r = 0; r < in.R; r++)
                printf(" r%zu %u-%u w%u fixed%d\n", r, in.req[r].a, in.req[r].b, in.req[r].weight,
                       in.req[r].fixed_slot);
            for (size_t i = 0; i < res.n_placed; i++)
                printf(" m r%lld s%u\n", (long long)res.meetings[i].request, res.meetings[i].slot);
        }
        weight_opt += res.n_placed == b.placed && res.weight == b.weight;
        matcher_sched_result_dispose(&res);
    }
    printf("(optimal count %d/%d, optimal count and weight %d/%d) ", count_opt, runs, weight_opt,
           runs);
    /* the heuristic is exact on nearly every small instance */
    CHECK_GE(count_opt, runs * 995 / 1000);
    CHECK_GE(weight_opt, runs * 99 / 100);
}

static void reruns_keep_published_meetings(void)
{
    for (int it = 0; it < 500; it++) {
        instance in;
        make(&in);
        if (in.R < 2)
            continue;
        size_t last = in.R - 1; /* the "new" request: absent in the first run, not fixed */
        in.req[last].fixed_slot = -1;
        in.R--;
        matcher_sched_problem p = problem(&in);
        matcher_sched_result first;
        matcher_sched_result_init(&first);
        CHECK_EQ(matcher_schedule(&p, &first), 0);
        for (size_t i = 0; i < first.n_placed; i++) {
            matcher_sched_request *q = &in.req[first.meetings[i].request];
            q->prev_slot = (int32_t)first.meetings[i].slot;
            q->prev_table = (int32_t)first.meetings[i].table;
        }
        in.R++;
        p = problem(&in);
        matcher_sched_result second;
        matcher_sched_result_init(&second);
        CHECK_EQ(matcher_schedule(&p, &second), 0);
        check_invariants(&in, &second);
        if (second.n_placed < first.n_placed) {
            printf("\nP=%u S=%u T=%u first=%zu second=%zu\n", in.P, in.S, in.T, first.n_placed,
                   second.n_placed);
            for (uint32_t i = 0; i < in.P; i++) {
                printf(" p%u unav:", i);
                for (uint32_t s2 = 0; s2 < in.S; s2++)
                    printf("%d", in.unav[i * in.S + s2]);
                printf("\n");
            }
            for (size_t r = 0; r < in.R; r++)
                printf(" r%zu %u-%u w%u fixed%d prev%d\n", r, in.req[r].a, in.req[r].b,
                       in.req[r].weight, in.req[r].fixed_slot, in.req[r].prev_slot);
            for (size_t i = 0; i < second.n_placed; i++)
                printf(" m r%lld s%u\n", (long long)second.meetings[i].request,
                       second.meetings[i].slot);
        }
        fflush(stdout);
        CHECK_GE(second.n_placed, first.n_placed);
        /* an unchanged problem gives the same schedule back */
        in.R--;
        p = problem(&in);
        matcher_sched_result again;
        matcher_sched_result_init(&again);
        CHECK_EQ(matcher_schedule(&p, &again), 0);
        CHECK_GE(again.n_placed, first.n_placed);
        /* nothing better found: everything stays where it was published */
        for (size_t i = 0;
             again.n_placed == first.n_placed && again.weight == first.weight && i < again.n_placed;
             i++) {
            const matcher_sched_request *q = &in.req[again.meetings[i].request];
            CHECK_EQ((int32_t)again.meetings[i].slot, q->prev_slot);
            CHECK_EQ((int32_t)again.meetings[i].table, q->prev_table);
        }
        in.R++;
        matcher_sched_result_dispose(&first);
        matcher_sched_result_dispose(&second);
        matcher_sched_result_dispose(&again);
    }
}

static void one_new_request_moves_nobody_when_it_fits(void)
{
    /* 4 participants, 4 slots, plenty of tables; a published agenda and one new request
     * between two participants with a common free slot: nothing else moves */
    uint8_t unav[4 * 4] = {0};
    matcher_sched_request req[4] = {
        {0, 1, 2, 5, -1, 0, 0},
        {2, 3, 2, 5, -1, 0, 1},
        {0, 2, 2, 5, -1, 1, 0},
        {1, 3, 1, 5, -1, -1, -1}, /* new */
    };
    matcher_sched_problem p = {4, 4, 10, unav, req, 4, NULL, 0, NULL, NULL};
    matcher_sched_result res;
    matcher_sched_result_init(&res);
    CHECK_EQ(matcher_schedule(&p, &res), 0);
    CHECK_EQ(res.n_placed, 4);
    for (size_t i = 0; i < res.n_placed; i++) {
        const matcher_sched_request *q = &req[res.meetings[i].request];
        if (q->prev_slot >= 0) {
            CHECK_EQ((int32_t)res.meetings[i].slot, q->prev_slot);
            CHECK_EQ((int32_t)res.meetings[i].table, q->prev_table);
        } else {
            CHECK_EQ(res.meetings[i].slot, 1); /* next to both agendas: no idle gap */
        }
    }
    CHECK_EQ(res.idle, 0);
    matcher_sched_result_dispose(&res);
}

static void note_progress(void *ctx, double done)
{
    double *last = ctx;
    CHECK(done >= *last && done <= 1.0); /* it only moves forward */
    *last = done;
}

static void progress_is_reported_up_to_done(void)
{
    instance in;
    make(&in);
    matcher_sched_problem p = problem(&in);
    double last = 0;
    p.progress = note_progress;
    p.progress_ctx = &last;
    matcher_sched_result res;
    matcher_sched_result_init(&res);
    CHECK_EQ(matcher_schedule(&p, &res), 0);
    CHECK_DBL_NEAR(last, 1.0, 1e-9);
    matcher_sched_result_dispose(&res);
}

static void bad_input_is_refused(void)
{
    matcher_sched_request req[1] = {{0, 0, 2, 0, -1, -1, -1}};
    matcher_sched_problem p = {2, 2, 1, NULL, req, 1, NULL, 0, NULL, NULL};
    matcher_sched_result res;
    matcher_sched_result_init(&res);
    CHECK_EQ(matcher_schedule(&p, &res), MATCHER_EINVAL);
    req[0] = (matcher_sched_request){0, 5, 2, 0, -1, -1, -1};
    CHECK_EQ(matcher_schedule(&p, &res), MATCHER_EINVAL);
    req[0] = (matcher_sched_request){0, 1, 4, 0, -1, -1, -1};
    CHECK_EQ(matcher_schedule(&p, &res), MATCHER_EINVAL);
    CHECK_STR_EQ(matcher_sched_reason_name(MATCHER_SCHED_TABLES_FULL), "tables_full");
}

/* Medium instances, too large for exhaustive search, drawn as bench/matcher/bench_schedule.c
 * draws them (the asked side with probability proportional to 1 / (rank + 10), 10 %
 * unavailable, more tables than meetings can use), so that the participants' own agendas
 * bind and the first search can end short of the bound: on the fourth of these (50
 * participants, 6 slots, 200 requests) it ends at 122 of 123 and only the augmenting-path
 * step, whose moves take out and re-place whole chains of meetings, finds the 123rd. Every
 * invariant holds, with and without fixed meetings (which the chains never move), and each
 * instance without fixed meetings is solved to its bound. */
static uint64_t bench_rng;

static double uniform01(void)
{
    bench_rng ^= bench_rng << 13;
    bench_rng ^= bench_rng >> 7;
    bench_rng ^= bench_rng << 17;
    return (double)(bench_rng >> 11) / 9007199254740992.0;
}

enum { MP = 50, MS = 6, MT = 50, MR = 200 };

static void check_medium(const matcher_sched_problem *p, const matcher_sched_request *req,
                         bool to_bound)
{
    matcher_sched_result res;
    matcher_sched_result_init(&res);
    CHECK_EQ(matcher_schedule(p, &res), 0);
    CHECK_LE(res.n_placed, res.upper_bound);
    CHECK_EQ(res.n_placed + res.n_unscheduled, MR);
    static uint8_t seen_p[MP][MS], seen_t[MS][MT];
    memset(seen_p, 0, sizeof(seen_p));
    memset(seen_t, 0, sizeof(seen_t));
    uint8_t placed[MR] = {0};
    uint64_t weight = 0;
    for (size_t i = 0; i < res.n_placed; i++) {
        const matcher_sched_meeting *m = &res.meetings[i];
        CHECK(m->slot < MS && m->table < MT && m->request >= 0 && m->request < MR);
        const matcher_sched_request *q = &req[m->request];
        CHECK((q->a == m->a && q->b == m->b) || (q->a == m->b && q->b == m->a));
        CHECK_EQ(seen_p[m->a][m->slot]++, 0); /* nobody twice in a slot */
        CHECK_EQ(seen_p[m->b][m->slot]++, 0);
        CHECK_EQ(seen_t[m->slot][m->table]++, 0); /* no table twice */
        CHECK(!p->unavailable[m->a * MS + m->slot] && !p->unavailable[m->b * MS + m->slot]);
        CHECK_EQ(placed[m->request]++, 0);
        weight += q->weight;
        if (q->fixed_slot >= 0)
            CHECK_EQ((int32_t)m->slot, q->fixed_slot);
    }
    CHECK_EQ(weight, res.weight);
    for (size_t r = 0; r < MR; r++)
        if (req[r].fixed_slot >= 0)
            CHECK_EQ(placed[r], 1); /* fixed meetings stay */
    for (size_t i = 0; i < res.n_unscheduled; i++)
        CHECK_EQ(placed[res.unscheduled[i]]++, 0); /* each request once */
    if (to_bound)
        CHECK_EQ(res.n_placed, res.upper_bound);
    matcher_sched_result_dispose(&res);
}

static void augmenting_paths_reach_the_bound_and_keep_every_invariant(void)
{
    for (uint64_t seed = 1; seed <= 6; seed++) {
        bench_rng = 0x9E3779B97F4A7C15ull ^ (seed * 0x2545F4914F6CDD1Dull);
        static uint8_t unav[MP * MS], pair[MP][MP];
        memset(pair, 0, sizeof(pair));
        for (int i = 0; i < MP * MS; i++)
            unav[i] = uniform01() * 100 < 10;
        double cum[MP], total = 0;
        for (int i = 0; i < MP; i++)
            cum[i] = (total += 1.0 / (i + 10.0));
        matcher_sched_request req[MR];
        size_t n = 0;
        while (n < MR) {
            uint32_t a = (uint32_t)(uniform01() * MP), b = 0;
            double x = uniform01() * total;
            while (b < MP - 1 && cum[b] < x)
                b++;
            if (a == b || pair[a][b])
                continue;
            pair[a][b] = pair[b][a] = 1;
            req[n++] = (matcher_sched_request){
                a, b, 1 + (uint32_t)(uniform01() * 3), (int32_t)(uniform01() * 40), -1, -1, -1};
        }
        matcher_sched_problem p = {MP, MS, MT, unav, req, MR, NULL, 0, NULL, NULL};
        check_medium(&p, req, true);
        /* again with every seventh request fixed where it can be (valid by construction) */
        uint8_t busy[MP][MS] = {{0}};
        for (size_t r = 0; r < MR; r += 7) {
            uint32_t s = (uint32_t)(uniform01() * MS);
            if (!busy[req[r].a][s] && !busy[req[r].b][s] && !unav[req[r].a * MS + s] &&
                !unav[req[r].b * MS + s]) {
                busy[req[r].a][s] = busy[req[r].b][s] = 1;
                req[r].fixed_slot = (int32_t)s;
            }
        }
        check_medium(&p, req, false);
    }
}

int main(void)
{
    RUN(random_instances_against_exhaustive_search);
    RUN(reruns_keep_published_meetings);
    RUN(one_new_request_moves_nobody_when_it_fits);
    RUN(progress_is_reported_up_to_done);
    RUN(bad_input_is_refused);
    RUN(augmenting_paths_reach_the_bound_and_keep_every_invariant);
    return 0;
}
