/*
 * schedule.c: see schedule.h.
 *
 * The state is who is busy in which slot (busy[p * S + s]: a request index + 1, a
 * recommended meeting as a negative number, 0 when free) and how many meetings each slot
 * holds. Every change of a request's slot goes through set_slot, which writes a journal,
 * so a tentative move (an ejection and what follows it) can be undone exactly.
 *
 * Phases: (1) fixed meetings, (2) meetings of the last published schedule where they still
 * fit, (3) the rest greedily, most important and most constrained first, each into the
 * free common slot that adds the fewest idle slots, (4) improving passes over the unplaced:
 * a direct placement, an alternating-path swap (the slots alpha and beta of the meetings
 * on a path that starts at one participant are exchanged, which frees it in alpha, as in
 * Vizing's edge-colouring argument), or an ejection of the one or two meetings in the way,
 * which are then re-placed the same ways; a move is kept when it places more meetings, or
 * as many with more weight, or as many and as much weight with more score, (4b) iterated
 * local search: one or two meetings out at random, the same moves around them, the result
 * kept unless it has fewer meetings, the best schedule seen returned (more meetings, more
 * weight, more published meetings in place, more score), (4c) while short of the upper
 * bound, augmenting paths of the degree-constrained subgraph as perturbations (augment,
 * below), each followed by more local search, the best schedule seen kept, (4d) the
 * passes of (4) once more over what the search left unplaced, (5) moves of
 * new meetings to slots that shorten idle gaps, (6) tables, keeping published tables,
 * (7) recommended meetings.
 *
 * The upper bound (matcher_sched_upper_bound) is the least of four arguments, each
 * counting only requests whose two participants can both attend some slot:
 *   - slots x tables;
 *   - per slot, min(tables, floor(participants with a request who can attend it / 2));
 *   - half the sum over participants of min(requests, slots they can attend);
 *   - with "hot" participants H (more requests than slots they can attend): every placed
 *     request touching H uses a slot of a hot participant (two if both are hot), so with
 *     N0 requests away from H, N1 with one hot end (at most X1 = sum over h of min(free_h,
 *     its such requests) placeable) and N2 with two, and C = sum over h of free_h, no
 *     schedule places more than N0 + x + y with x = min(X1, C), y = min(N2, (C - x) / 2)
 *     (a one-hot request costs one unit of C, a two-hot request two).
 */
#include "matcher/schedule.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "matcher/matcher.h"

#ifndef EJECT_DEPTH
#define EJECT_DEPTH 1 /* ejection chains: 1 = blockers only move, never eject in turn */
#endif

typedef struct journal_entry {
    uint32_t r;
    int32_t old_slot;
} journal_entry;

typedef struct state {
    const matcher_sched_problem *p;
    uint32_t P, S, T;
    int32_t *busy;    /* P * S */
    uint32_t *count;  /* S: meetings in the slot */
    int32_t *slot_of; /* R */
    uint8_t *fixed;   /* R: kept where the participant fixed it */
    journal_entry *journal;
    size_t n_journal, cap_journal;
    uint32_t *adj_start, *adj; /* the requests of each participant (CSR) */
    uint32_t *adj_other;       /* beside adj: the request's other participant */
    uint32_t W;                /* 64-bit words of a participant's slot mask */
    uint64_t *occ;             /* P * W: slots where the participant is busy (busy != 0) */
    uint64_t *avail;           /* P * W: slots the participant can attend */
    uint64_t *open;            /* W: slots with a table left (count < T) */
    bool journaling;
    bool oom;
    size_t placed;
    size_t kept; /* meetings in their slot of the last published schedule */
    uint64_t weight;
    int64_t score;
} state;

static const char *const reason_names[] = {"", "participant_full", "no_common_free_slot",
                                           "tables_full"};

const char *matcher_sched_reason_name(int reason)
{
    return reason >= 1 && reason <= 3 ? reason_names[reason] : "unknown";
}

void matcher_sched_result_init(matcher_sched_result *r)
{
    memset(r, 0, sizeof(*r));
}

void matcher_sched_result_dispose(matcher_sched_result *r)
{
    free(r->meetings);
    free(r->unscheduled);
    free(r->reasons);
    matcher_sched_result_init(r);
}

static inline bool unav(const state *st, uint32_t p, uint32_t s)
{
    return !((st->avail[(size_t)p * st->W + s / 64] >> (s % 64)) & 1);
}

static inline bool free_in(const state *st, uint32_t p, uint32_t s)
{
    return !unav(st, p, s) && st->busy[(size_t)p * st->S + s] == 0;
}

/* Keeps occ in step with busy: every write of busy goes through here. */
static inline void set_busy(state *st, uint32_t p, uint32_t s, int32_t v)
{
    st->busy[(size_t)p * st->S + s] = v;
    uint64_t bit = 1ull << (s % 64), *w = &st->occ[(size_t)p * st->W + s / 64];
    *w = v != 0 ? *w | bit : *w & ~bit;
}

/* Slots participant p attends and has free, word w of the mask. */
static inline uint64_t free_word(const state *st, uint32_t p, uint32_t w)
{
    size_t i = (size_t)p * st->W + w;
    return st->avail[i] & ~st->occ[i];
}

static void set_slot(state *st, uint32_t r, int32_t s)
{
    const matcher_sched_request *q = &st->p->requests[r];
    int32_t old = st->slot_of[r];
    if (old == s)
        return;
    if (st->journaling) {
        if (st->n_journal == st->cap_journal) {
            size_t nc = st->cap_journal ? st->cap_journal * 2 : 256;
            journal_entry *n = realloc(st->journal, nc * sizeof(*n));
            if (n == NULL) {
                st->oom = true;
                return;
            }
            st->journal = n;
            st->cap_journal = nc;
        }
        st->journal[st->n_journal++] = (journal_entry){r, old};
    }
    if (old >= 0) {
        set_busy(st, q->a, (uint32_t)old, 0);
        set_busy(st, q->b, (uint32_t)old, 0);
        if (st->count[old]-- == st->T)
            st->open[(uint32_t)old / 64] |= 1ull << ((uint32_t)old % 64);
        st->placed--;
        st->weight -= q->weight;
        st->score -= q->score;
        st->kept -= old == q->prev_slot;
    }
    if (s >= 0) {
        set_busy(st, q->a, (uint32_t)s, (int32_t)r + 1);
        set_busy(st, q->b, (uint32_t)s, (int32_t)r + 1);
        if (++st->count[s] == st->T)
            st->open[(uint32_t)s / 64] &= ~(1ull << ((uint32_t)s % 64));
        st->placed++;
        st->weight += q->weight;
        st->score += q->score;
        st->kept += s == q->prev_slot;
    }
    st->slot_of[r] = s;
}

static void undo_to(state *st, size_t mark)
{
    bool j = st->journaling;
    st->journaling = false;
    while (st->n_journal > mark) {
        journal_entry e = st->journal[--st->n_journal];
        /* undo in reverse order: set_slot vacates where it is now, then goes back */
        set_slot(st, e.r, e.old_slot);
    }
    st->journaling = j;
}

/* Idle slots participant p would have between its first and last meeting if slot s were
 * (add) or were not (!add) one of its meetings. */
static uint32_t idle_with(const state *st, uint32_t p, uint32_t s, bool add)
{
    int first = -1, last = -1;
    uint32_t n = 0;
    for (uint32_t k = 0; k < st->S; k++) {
        bool b = st->busy[(size_t)p * st->S + k] != 0;
        if (k == s)
            b = add;
        if (b) {
            if (first < 0)
                first = (int)k;
            last = (int)k;
            n++;
        }
    }
    return first < 0 ? 0 : (uint32_t)(last - first + 1) - n;
}

/* The first and last busy slot of p (-1 when none) and how many it is busy in. */
typedef struct span {
    int first, last;
    uint32_t n;
} span;

static span span_of(const state *st, uint32_t p)
{
    span sp = {-1, -1, 0};
    const uint64_t *m = &st->occ[(size_t)p * st->W];
    for (uint32_t w = 0; w < st->W; w++) {
        if (m[w] == 0)
            continue;
        sp.n += (uint32_t)__builtin_popcountll(m[w]);
        if (sp.first < 0)
            sp.first = (int)(w * 64 + (uint32_t)__builtin_ctzll(m[w]));
        sp.last = (int)(w * 64 + 63 - (uint32_t)__builtin_clzll(m[w]));
    }
    return sp;
}

/* idle_with(p, s, true) for a slot s where p is free, from p's span. */
static inline uint32_t idle_adding(span sp, uint32_t s)
{
    if (sp.first < 0)
        return 0;
    int f = (int)s < sp.first ? (int)s : sp.first, l = (int)s > sp.last ? (int)s : sp.last;
    return (uint32_t)(l - f + 1) - (sp.n + 1);
}

/* The free common slot with tables left that adds the fewest idle slots to a and b (ties:
 * the emptiest slot, then the earliest), or -1. */
static int32_t best_slot(const state *st, uint32_t a, uint32_t b)
{
    int32_t best = -1;
    uint64_t best_cost = UINT64_MAX;
    span sa = {0, 0, 0}, sb = {0, 0, 0};
    bool spans = false;
    for (uint32_t w = 0; w < st->W; w++) {
        uint64_t m = free_word(st, a, w) & free_word(st, b, w) & st->open[w];
        while (m != 0) {
            uint32_t s = w * 64 + (uint32_t)__builtin_ctzll(m);
            m &= m - 1;
            if (!spans) {
                sa = span_of(st, a), sb = span_of(st, b);
                spans = true;
            }
            uint64_t cost =
                ((uint64_t)(idle_adding(sa, s) + idle_adding(sb, s)) << 32) | st->count[s];
            if (cost < best_cost) {
                best_cost = cost;
                best = (int32_t)s;
            }
        }
    }
    return best;
}

static bool try_direct(state *st, uint32_t r)
{
    const matcher_sched_request *q = &st->p->requests[r];
    int32_t s = best_slot(st, q->a, q->b);
    if (s < 0)
        return false;
    set_slot(st, r, s);
    return true;
}

/* Frees `from` in slot alpha by exchanging alpha and beta along the alternating path that
 * starts with from's meeting in alpha, where from is free in beta; `keep` (the other
 * participant of the request to place) must not be on the path. Then places r in alpha.
 * Nothing changes when it cannot. */
static bool try_path(state *st, uint32_t r, uint32_t from, uint32_t keep, uint32_t alpha,
                     uint32_t beta, uint32_t *path, size_t max_path)
{
    size_t k = 0;
    uint32_t v = from, c = alpha;
    for (;;) {
        int32_t e = st->busy[(size_t)v * st->S + c];
        if (e == 0)
            break;
        if (e < 0 || st->fixed[e - 1] || k == max_path)
            return false;
        const matcher_sched_request *q = &st->p->requests[e - 1];
        uint32_t w = q->a == v ? q->b : q->a;
        if (w == keep)
            return false;
        path[k++] = (uint32_t)(e - 1);
        v = w;
        c = c == alpha ? beta : alpha;
    }
    if (k == 0)
        return false;
    /* v ends free in c and takes its last meeting into c */
    if (unav(st, v, c))
        return false;
    if (k % 2 == 1 ? st->count[beta] + 1 > st->T : st->count[alpha] + 1 > st->T)
        return false;
    /* move in two steps so no intermediate state double-books */
    for (size_t i = 0; i < k; i++)
        set_slot(st, path[i], -1);
    for (size_t i = 0; i < k; i++)
        set_slot(st, path[i], (int32_t)(i % 2 == 0 ? beta : alpha));
    set_slot(st, r, (int32_t)alpha);
    return true;
}

static bool try_swap(state *st, uint32_t r, uint32_t *path, size_t max_path)
{
    const matcher_sched_request *q = &st->p->requests[r];
    for (int side = 0; side < 2; side++) {
        uint32_t x = side == 0 ? q->a : q->b, y = side == 0 ? q->b : q->a;
        /* x is free in alpha; y is busy there and free in beta */
        for (uint32_t wa = 0; wa < st->W; wa++) {
            size_t iy = (size_t)y * st->W + wa;
            uint64_t ma = free_word(st, x, wa) & st->avail[iy] & st->occ[iy];
            while (ma != 0) {
                uint32_t alpha = wa * 64 + (uint32_t)__builtin_ctzll(ma);
                ma &= ma - 1;
                for (uint32_t wb = 0; wb < st->W; wb++)
                    for (uint64_t mb = free_word(st, y, wb); mb != 0; mb &= mb - 1) {
                        uint32_t beta = wb * 64 + (uint32_t)__builtin_ctzll(mb);
                        if (try_path(st, r, y, x, alpha, beta, path, max_path))
                            return true;
                    }
            }
        }
    }
    return false;
}

static bool try_place(state *st, uint32_t r, uint32_t *path, size_t max_path)
{
    return try_direct(st, r) || try_swap(st, r, path, max_path);
}

/* (placed, weight, score) compared lexicographically: >0 when a is better. */
static int better(size_t pa, uint64_t wa, int64_t sa, size_t pb, uint64_t wb, int64_t sb)
{
    if (pa != pb)
        return pa > pb ? 1 : -1;
    if (wa != wb)
        return wa > wb ? 1 : -1;
    return sa > sb ? 1 : sa < sb ? -1 : 0;
}

/* Places directly whatever unplaced request of participant x now fits. */
static bool fits_with(const state *st, uint32_t x, uint32_t y)
{
    uint64_t any = 0;
    for (uint32_t w = 0; w < st->W; w++)
        any |= free_word(st, x, w) & free_word(st, y, w) & st->open[w];
    return any != 0;
}

static void fill_around(state *st, uint32_t x)
{
    uint64_t any = 0;
    for (uint32_t w = 0; w < st->W; w++)
        any |= free_word(st, x, w) & st->open[w];
    if (any == 0)
        return; /* no slot x could meet in: nothing of its fits directly */
    /* the same as try_direct on each unplaced request, without the calls that must fail */
    for (uint32_t k = st->adj_start[x]; k < st->adj_start[x + 1]; k++)
        if (st->slot_of[st->adj[k]] < 0 && fits_with(st, x, st->adj_other[k]))
            try_direct(st, st->adj[k]);
}

/* A trial move: begin_trial marks the journal; end_trial keeps the changes since (when
 * keep) or undoes them, and restores the journaling of the caller, so trials nest. */
typedef struct trial {
    size_t mark;
    bool outer;
} trial;

static trial begin_trial(state *st)
{
    trial t = {st->n_journal, st->journaling};
    st->journaling = true;
    return t;
}

static void end_trial(state *st, trial t, bool keep)
{
    if (!keep)
        undo_to(st, t.mark);
    else if (!t.outer)
        st->n_journal = t.mark; /* nobody above can undo it: forget the entries */
    st->journaling = t.outer;
}

/* Places r in some slot by moving the one or two meetings in its way elsewhere; keeps the
 * result only if it is better. */
static bool try_eject(state *st, uint32_t r, uint32_t *path, size_t max_path, int depth)
{
    const matcher_sched_request *q = &st->p->requests[r];
    size_t p0 = st->placed;
    uint64_t w0 = st->weight;
    int64_t s0 = st->score;
    for (uint32_t s = 0; s < st->S; s++) {
        if (unav(st, q->a, s) || unav(st, q->b, s))
            continue;
        int32_t ea = st->busy[(size_t)q->a * st->S + s], eb = st->busy[(size_t)q->b * st->S + s];
        if (ea < 0 || eb < 0 || (ea > 0 && st->fixed[ea - 1]) || (eb > 0 && st->fixed[eb - 1]))
            continue;
        if (ea == 0 && eb == 0) {
            /* only the tables are in the way: move one of the slot's meetings elsewhere */
            if (st->count[s] < st->T)
                continue;
            for (size_t o = 0; o < st->p->n_requests; o++) {
                if (st->slot_of[o] != (int32_t)s || st->fixed[o])
                    continue;
                trial t = begin_trial(st);
                set_slot(st, (uint32_t)o, -1);
                set_slot(st, r, (int32_t)s);
                try_place(st, (uint32_t)o, path, max_path);
                bool keep = !st->oom && better(st->placed, st->weight, st->score, p0, w0, s0) > 0;
                end_trial(st, t, keep);
                if (keep)
                    return true;
            }
            continue;
        }
        trial t = begin_trial(st);
        if (ea > 0)
            set_slot(st, (uint32_t)ea - 1, -1);
        if (eb > 0 && eb != ea)
            set_slot(st, (uint32_t)eb - 1, -1);
        if (st->count[s] >= st->T) {
            end_trial(st, t, false);
            continue;
        }
        set_slot(st, r, (int32_t)s);
        /* the blockers go elsewhere: directly, by a swap, or (deeper) by ejecting in turn */
        for (int k = 0; k < 2; k++) {
            int32_t e = k == 0 ? ea : eb;
            if (e > 0 && (k == 0 || eb != ea) && st->slot_of[e - 1] < 0 &&
                !try_place(st, (uint32_t)e - 1, path, max_path) && depth > 1)
                try_eject(st, (uint32_t)e - 1, path, max_path, depth - 1);
        }
        /* a blocker left out frees its other participant: two may fit where one was */
        for (int k = 0; k < 2; k++) {
            int32_t e = k == 0 ? ea : eb;
            if (e > 0 && st->slot_of[e - 1] < 0) {
                const matcher_sched_request *bq = &st->p->requests[e - 1];
                fill_around(st, bq->a == q->a || bq->a == q->b ? bq->b : bq->a);
            }
        }
        bool keep = !st->oom && better(st->placed, st->weight, st->score, p0, w0, s0) > 0;
        end_trial(st, t, keep);
        if (keep)
            return true;
    }
    return false;
}

/* The order in which whole schedules are preferred: more meetings, more weight, more
 * published meetings kept in place, more score. >0 when (a) is better. */
static int key_cmp(size_t pa, uint64_t wa, size_t ka, int64_t sa, size_t pb, uint64_t wb, size_t kb,
                   int64_t sb)
{
    if (pa != pb)
        return pa > pb ? 1 : -1;
    if (wa != wb)
        return wa > wb ? 1 : -1;
    if (ka != kb)
        return ka > kb ? 1 : -1;
    return sa > sb ? 1 : sa < sb ? -1 : 0;
}

/* Iterated local search: take one or two meetings out at random, let the moves above
 * rebuild around their participants, and keep the result unless it has fewer meetings
 * (so the search walks plateaus); the best schedule seen (key_cmp) is the one kept at the
 * end. It stops after `stuck` rounds without a better schedule and, with count_stuck > 0
 * and the count short of the bound, after count_stuck rounds without one more meeting
 * (the augmenting paths of (4c) then take over; polishing the weight of a schedule one
 * meeting short is wasted once the next one is found). Deterministic: the seed picks the
 * random sequence, so each call of (4c) walks differently from the last. */
static void perturb(state *st, const uint32_t *common, uint32_t *path, size_t max_path,
                    size_t iterations, size_t bound, size_t stuck, size_t count_stuck,
                    uint64_t seed)
{
    const matcher_sched_problem *p = st->p;
    size_t R = p->n_requests;
    if (R == 0 || iterations == 0)
        return;
    uint32_t *cand = malloc(R * sizeof(uint32_t));
    uint32_t *stamp = calloc(R, sizeof(uint32_t));
    int32_t *best = malloc(R * sizeof(int32_t));
    if (cand == NULL || stamp == NULL || best == NULL) {
        free(cand);
        free(stamp);
        free(best);
        return; /* a weaker schedule, not a failure */
    }
    memcpy(best, st->slot_of, R * sizeof(int32_t));
    size_t bp = st->placed, bk = st->kept;
    uint64_t bw = st->weight;
    int64_t bs = st->score;
    uint64_t x = 0x243F6A8885A308D3ull ^ (seed * 0x9E3779B97F4A7C15ull);
    size_t last_better = 0, last_count = 0;
    for (size_t it = 1; it <= iterations && !st->oom; it++) {
        if (bp >= bound && it - last_better > MATCHER_SCHED_POLISH)
            break; /* as many meetings as can be: only the weight was still being sought */
        if (it - last_better > stuck)
            break; /* stuck */
        if (bp < bound && count_stuck > 0 && it - last_count > count_stuck)
            break; /* no more meetings: over to the augmenting paths */
        size_t p0 = st->placed;
        trial t = begin_trial(st);
        size_t nc = 0, nout = 0;
        uint32_t taken[4];
        for (int tries = 0; nout < 1 + it % 4 && tries < 16; tries++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            uint32_t r = (uint32_t)(x % R);
            if (st->slot_of[r] < 0 || st->fixed[r])
                continue;
            /* at the bound only the weight can still improve, by a lighter meeting making
             * way for a heavier request: weight 2 is passed over a quarter of the time,
             * weight 3 half of it */
            if (bp >= bound && p->requests[r].weight > 1 &&
                (x >> 60) < (p->requests[r].weight - 1) * 4)
                continue;
            set_slot(st, r, -1);
            taken[nout++] = r;
            const matcher_sched_request *q = &p->requests[r];
            uint32_t ends[2] = {q->a, q->b};
            for (int e = 0; e < 2; e++)
                for (uint32_t j = st->adj_start[ends[e]]; j < st->adj_start[ends[e] + 1]; j++) {
                    uint32_t o = st->adj[j];
                    if (stamp[o] != it && st->slot_of[o] < 0 && common[o] > 0) {
                        stamp[o] = (uint32_t)it;
                        cand[nc++] = o;
                    }
                }
        }
        /* the candidates in a random rotation, so ties do not always go the same way */
        size_t start = nc ? (size_t)(x % nc) : 0;
        for (size_t i = 0; i < nc; i++) {
            uint32_t o = cand[(start + i) % nc];
            if (st->slot_of[o] < 0 && !try_place(st, o, path, max_path))
                try_eject(st, o, path, max_path, EJECT_DEPTH);
        }
        for (size_t i = 0; i < nout; i++) /* the ones taken out push their way back in */
            if (st->slot_of[taken[i]] < 0 && !try_place(st, taken[i], path, max_path))
                try_eject(st, taken[i], path, max_path, EJECT_DEPTH);
        end_trial(st, t, !st->oom && st->placed >= p0);
        if (key_cmp(st->placed, st->weight, st->kept, st->score, bp, bw, bk, bs) > 0) {
            memcpy(best, st->slot_of, R * sizeof(int32_t));
            if (st->placed > bp)
                last_count = it;
            bp = st->placed, bw = st->weight, bk = st->kept, bs = st->score;
            last_better = it;
        }
    }
    if (key_cmp(st->placed, st->weight, st->kept, st->score, bp, bw, bk, bs) < 0) {
        for (size_t r = 0; r < R; r++)
            set_slot(st, (uint32_t)r, -1);
        for (size_t r = 0; r < R; r++)
            if (best[r] >= 0)
                set_slot(st, (uint32_t)r, best[r]);
    }
    free(cand);
    free(stamp);
    free(best);
}

/* Augmenting paths of the degree-constrained subgraph (each participant in at most as
 * many meetings as slots it can attend): a path that starts at a participant with a slot
 * to spare, takes an unplaced request, then a placed one, then an unplaced one, ..., and
 * ends at another participant with a slot to spare. Exchanging the placed and unplaced
 * requests along it gives one meeting more without exceeding anyone's slots, which is the
 * move the local search above cannot make when the path is long or runs through many
 * participants' agendas (their slots are what the ejections juggle, not who meets whom).
 * The path's placed meetings are taken out, its unplaced requests placed by the moves
 * above, then the meetings taken out put back where they fit; the result is kept when
 * better or, with `plateau`, when it has as many meetings (another set of pairs, which the
 * local search then re-slots: on the instances of bench/RESULTS.md that is what finds the
 * last meeting). Paths are found by breadth-first search over (participant, parity) from
 * every participant with a slot to spare, in an order that changes with the seed. Returns
 * true when the schedule got better. */
typedef struct aug_ctx {
    uint32_t *spare;  /* P: attendable slots minus meetings */
    uint32_t *queue;  /* 2P: (participant, parity) nodes */
    uint32_t *parent; /* 2P: the node it was reached from, or UINT32_MAX */
    uint32_t *via;    /* 2P: the request it was reached through */
    uint32_t *seen;   /* 2P: the search that reached it */
    uint32_t search;
} aug_ctx;

static bool augment_from(state *st, aug_ctx *c, const uint32_t *common, uint32_t s, uint64_t *rng,
                         size_t max_path, uint32_t *chain, size_t *chain_len)
{
    c->search++;
    size_t head = 0, tail = 0;
    c->queue[tail++] = s * 2;
    c->seen[s * 2] = c->search;
    c->parent[s * 2] = UINT32_MAX;
    uint32_t found = UINT32_MAX;
    while (head < tail && found == UINT32_MAX) {
        uint32_t node = c->queue[head++], u = node / 2, parity = node % 2;
        uint32_t deg = st->adj_start[u + 1] - st->adj_start[u];
        if (deg == 0)
            continue;
        *rng ^= *rng << 13, *rng ^= *rng >> 7, *rng ^= *rng << 17;
        uint32_t rot = (uint32_t)(*rng % deg);
        for (uint32_t j = 0; j < deg && found == UINT32_MAX; j++) {
            uint32_t r = st->adj[st->adj_start[u] + (j + rot) % deg];
            const matcher_sched_request *q = &st->p->requests[r];
            uint32_t v = q->a == u ? q->b : q->a;
            /* even nodes leave by an unplaced request, odd ones by a placed one */
            if (parity == 0 ? st->slot_of[r] >= 0 || common[r] == 0
                            : st->slot_of[r] < 0 || st->fixed[r])
                continue;
            uint32_t next = v * 2 + (1 - parity);
            if (c->seen[next] == c->search)
                continue;
            c->seen[next] = c->search;
            c->parent[next] = node;
            c->via[next] = r;
            if (parity == 0 && v != s && c->spare[v] > 0)
                found = next;
            else
                c->queue[tail++] = next;
        }
    }
    if (found == UINT32_MAX)
        return false;
    size_t n = 0;
    for (uint32_t x = found; c->parent[x] != UINT32_MAX && n < max_path; x = c->parent[x])
        chain[n++] = c->via[x];
    *chain_len = n;
    return n > 0;
}

/* Each participant's attendable slots without a meeting of a request (no recommended
 * meetings exist while augment runs, so occ marks exactly those). */
static void spare_all(const state *st, uint32_t *spare)
{
    for (uint32_t i = 0; i < st->P; i++) {
        uint32_t n = 0;
        for (uint32_t w = 0; w < st->W; w++)
            n += (uint32_t)__builtin_popcountll(free_word(st, i, w));
        spare[i] = n;
    }
}

static bool augment(state *st, const uint32_t *common, uint32_t *path, size_t max_path,
                    size_t rounds, uint64_t seed, bool plateau)
{
    uint32_t P = st->P;
    aug_ctx c = {0};
    c.spare = malloc(((size_t)P + 1) * sizeof(uint32_t));
    c.queue = malloc((2 * (size_t)P + 1) * sizeof(uint32_t));
    c.parent = malloc((2 * (size_t)P + 1) * sizeof(uint32_t));
    c.via = malloc((2 * (size_t)P + 1) * sizeof(uint32_t));
    c.seen = calloc(2 * (size_t)P + 1, sizeof(uint32_t));
    uint32_t *chain = malloc((max_path + 1) * sizeof(uint32_t));
    bool improved = false;
    if (!c.spare || !c.queue || !c.parent || !c.via || !c.seen || !chain)
        goto Done;
    uint64_t rng = seed | 1;
    for (size_t round = 0; round < rounds && !st->oom; round++) {
        spare_all(st, c.spare);
        bool any = false;
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        uint32_t start = (uint32_t)(rng % (P ? P : 1));
        for (uint32_t k = 0; k < P && !st->oom; k++) {
            uint32_t s = (start + k) % P;
            size_t n;
            if (c.spare[s] == 0 || !augment_from(st, &c, common, s, &rng, max_path, chain, &n))
                continue;
            size_t p0 = st->placed;
            uint64_t w0 = st->weight;
            int64_t s0 = st->score;
            trial t = begin_trial(st);
            for (size_t i = 0; i < n; i++) /* the path's meetings out */
                if (st->slot_of[chain[i]] >= 0)
                    set_slot(st, chain[i], -1);
            for (size_t i = 0; i < n; i++) /* its requests in */
                if (st->slot_of[chain[i]] < 0 && common[chain[i]] > 0 &&
                    !try_place(st, chain[i], path, max_path))
                    try_eject(st, chain[i], path, max_path, EJECT_DEPTH);
            for (size_t i = 0; i < n; i++) /* and whatever still fits back */
                if (st->slot_of[chain[i]] < 0 && common[chain[i]] > 0)
                    try_place(st, chain[i], path, max_path);
            int b = better(st->placed, st->weight, st->score, p0, w0, s0);
            bool keep = !st->oom && (b > 0 || (plateau && st->placed >= p0));
            end_trial(st, t, keep);
            if (keep) {
                any = true;
                improved |= b > 0;
                spare_all(st, c.spare);
            }
        }
        if (!any)
            break;
    }
Done:
    free(c.spare);
    free(c.queue);
    free(c.parent);
    free(c.via);
    free(c.seen);
    free(chain);
    return improved;
}

/* ---- the upper bound ---- */

/* A max-flow network (Dinic) for the fractional degree-constrained subgraph: source ->
 * left copy of i (capacity free_i), left a -> right b and left b -> right a for each usable
 * request (capacity 1), right i -> sink (free_i). Half the max flow is the fractional
 * optimum of "choose requests, at most free_i per participant", so its floor bounds every
 * schedule. */
typedef struct flow_net {
    uint32_t n, m;
    uint32_t *head, *next, *to, *level, *iter, *queue, *path;
    int32_t *cap;
} flow_net;

static void flow_edge(flow_net *f, uint32_t u, uint32_t v, int32_t c)
{
    f->to[f->m] = v, f->cap[f->m] = c, f->next[f->m] = f->head[u], f->head[u] = f->m++;
    f->to[f->m] = u, f->cap[f->m] = 0, f->next[f->m] = f->head[v], f->head[v] = f->m++;
}

static bool flow_levels(flow_net *f)
{
    for (uint32_t i = 0; i < f->n; i++)
        f->level[i] = UINT32_MAX;
    uint32_t qh = 0, qt = 0;
    f->level[0] = 0;
    f->queue[qt++] = 0;
    while (qh < qt) {
        uint32_t u = f->queue[qh++];
        for (uint32_t e = f->head[u]; e != UINT32_MAX; e = f->next[e])
            if (f->cap[e] > 0 && f->level[f->to[e]] == UINT32_MAX) {
                f->level[f->to[e]] = f->level[u] + 1;
                f->queue[qt++] = f->to[e];
            }
    }
    return f->level[1] != UINT32_MAX;
}

/* One augmenting path in the level graph, found iteratively (f->path holds up to n edges). */
static int32_t flow_push(flow_net *f)
{
    uint32_t *path = f->path, depth = 0, u = 0;
    for (;;) {
        if (u == 1) {
            int32_t c = INT32_MAX;
            for (uint32_t i = 0; i < depth; i++)
                c = f->cap[path[i]] < c ? f->cap[path[i]] : c;
            for (uint32_t i = 0; i < depth; i++) {
                f->cap[path[i]] -= c;
                f->cap[path[i] ^ 1] += c;
            }
            return c;
        }
        uint32_t e = f->iter[u];
        while (e != UINT32_MAX && (f->cap[e] <= 0 || f->level[f->to[e]] != f->level[u] + 1))
            e = f->next[e];
        f->iter[u] = e;
        if (e == UINT32_MAX) {
            if (depth == 0)
                return 0;
            f->level[u] = UINT32_MAX; /* a dead end */
            u = f->to[path[--depth] ^ 1];
            f->iter[u] = f->next[f->iter[u]];
            continue;
        }
        path[depth++] = e;
        u = f->to[e];
    }
}

/* floor(max flow / 2) of the network above, or SIZE_MAX when memory is short. */
static size_t degree_bound(const matcher_sched_problem *p, const uint8_t *usable,
                           const uint32_t *freec)
{
    uint32_t P = p->n_participants;
    size_t R = p->n_requests, edges = 2 * (2 * (size_t)P + 2 * R) + 2;
    flow_net f = {.n = 2 * P + 2};
    f.head = malloc(f.n * sizeof(uint32_t));
    f.level = malloc(f.n * sizeof(uint32_t));
    f.iter = malloc(f.n * sizeof(uint32_t));
    f.queue = malloc(f.n * sizeof(uint32_t));
    f.path = malloc(f.n * sizeof(uint32_t));
    f.next = malloc(edges * sizeof(uint32_t));
    f.to = malloc(edges * sizeof(uint32_t));
    f.cap = malloc(edges * sizeof(int32_t));
    size_t out = SIZE_MAX;
    if (!f.head || !f.level || !f.iter || !f.queue || !f.path || !f.next || !f.to || !f.cap)
        goto Exit;
    for (uint32_t i = 0; i < f.n; i++)
        f.head[i] = UINT32_MAX;
    for (uint32_t i = 0; i < P; i++) {
        flow_edge(&f, 0, 2 + i, (int32_t)freec[i]);
        flow_edge(&f, 2 + P + i, 1, (int32_t)freec[i]);
    }
    for (size_t r = 0; r < R; r++)
        if (usable[r]) {
            flow_edge(&f, 2 + p->requests[r].a, 2 + P + p->requests[r].b, 1);
            flow_edge(&f, 2 + p->requests[r].b, 2 + P + p->requests[r].a, 1);
        }
    uint64_t total = 0;
    while (flow_levels(&f)) {
        memcpy(f.iter, f.head, f.n * sizeof(uint32_t));
        int32_t c;
        while ((c = flow_push(&f)) > 0)
            total += (uint64_t)c;
    }
    out = (size_t)(total / 2);
Exit:
    free(f.head);
    free(f.level);
    free(f.iter);
    free(f.queue);
    free(f.path);
    free(f.next);
    free(f.to);
    free(f.cap);
    return out;
}

size_t matcher_sched_upper_bound(const matcher_sched_problem *p)
{
    uint32_t P = p->n_participants, S = p->n_slots;
    size_t R = p->n_requests;
    uint32_t *freec = calloc(P ? P : 1, sizeof(uint32_t)),
             *deg = calloc(P ? P : 1, sizeof(uint32_t));
    uint32_t *deg1 = calloc(P ? P : 1, sizeof(uint32_t));
    uint8_t *usable = calloc(R ? R : 1, 1), *active = calloc(P ? P : 1, 1);
    size_t bound = SIZE_MAX;
    if (freec == NULL || deg == NULL || deg1 == NULL || usable == NULL || active == NULL)
        goto Exit; /* no bound worth the name; SIZE_MAX is still true */
    for (uint32_t i = 0; i < P; i++)
        for (uint32_t s = 0; s < S; s++)
            freec[i] += !(p->unavailable && p->unavailable[(size_t)i * S + s]);
    size_t n_usable = 0;
    for (size_t r = 0; r < R; r++) {
        const matcher_sched_request *q = &p->requests[r];
        for (uint32_t s = 0; s < S && !usable[r]; s++)
            usable[r] = !(p->unavailable && (p->unavailable[(size_t)q->a * S + s] ||
                                             p->unavailable[(size_t)q->b * S + s]));
        if (usable[r]) {
            deg[q->a]++;
            deg[q->b]++;
            active[q->a] = active[q->b] = 1;
            n_usable++;
        }
    }
    bound = n_usable;
    size_t b1 = (size_t)S * p->n_tables;
    if (b1 < bound)
        bound = b1;
    size_t b2 = 0;
    for (uint32_t s = 0; s < S; s++) {
        size_t n = 0;
        for (uint32_t i = 0; i < P; i++)
            n += active[i] && !(p->unavailable && p->unavailable[(size_t)i * S + s]);
        b2 += n / 2 < p->n_tables ? n / 2 : p->n_tables;
    }
    if (b2 < bound)
        bound = b2;
    size_t sum = 0;
    for (uint32_t i = 0; i < P; i++)
        sum += deg[i] < freec[i] ? deg[i] : freec[i];
    if (sum / 2 < bound)
        bound = sum / 2;
    size_t n0 = 0, n1 = 0, n2 = 0, c = 0, x1 = 0;
    for (size_t r = 0; r < R; r++) {
        if (!usable[r])
            continue;
        const matcher_sched_request *q = &p->requests[r];
        bool ha = deg[q->a] > freec[q->a], hb = deg[q->b] > freec[q->b];
        if (ha && hb)
            n2++;
        else if (ha || hb) {
            n1++;
            deg1[ha ? q->a : q->b]++;
        } else
            n0++;
    }
    for (uint32_t i = 0; i < P; i++)
        if (deg[i] > freec[i]) {
            c += freec[i];
            x1 += deg1[i] < freec[i] ? deg1[i] : freec[i];
        }
    if (x1 > n1)
        x1 = n1;
    size_t x = x1 < c ? x1 : c;
    size_t y = (c - x) / 2 < n2 ? (c - x) / 2 : n2;
    if (n0 + x + y < bound)
        bound = n0 + x + y;
    size_t b5 = degree_bound(p, usable, freec);
    if (b5 < bound)
        bound = b5;
Exit:
    free(freec);
    free(deg);
    free(deg1);
    free(usable);
    free(active);
    return bound;
}

/* ---- the run ---- */

typedef struct order_ctx {
    const matcher_sched_problem *p;
    const uint32_t *common; /* per request: slots both can attend */
} order_ctx;

static int by_importance(const void *x, const void *y, void *ctx)
{
    const order_ctx sort_ctx = *(const order_ctx *)ctx;
    uint32_t i = *(const uint32_t *)x, j = *(const uint32_t *)y;
    const matcher_sched_request *a = &sort_ctx.p->requests[i], *b = &sort_ctx.p->requests[j];
    if (a->weight != b->weight)
        return a->weight > b->weight ? -1 : 1;
    if (sort_ctx.common[i] != sort_ctx.common[j])
        return sort_ctx.common[i] < sort_ctx.common[j] ? -1 : 1;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return i < j ? -1 : i > j ? 1 : 0;
}

static int by_score(const void *x, const void *y)
{
    const matcher_sched_pair *a = x, *b = y;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    if (a->a != b->a)
        return a->a < b->a ? -1 : 1;
    return a->b < b->b ? -1 : a->b > b->b ? 1 : 0;
}

static int check_problem(const matcher_sched_problem *p)
{
    if (p->n_slots > MATCHER_SCHED_MAX_SLOTS)
        return MATCHER_EINVAL;
    for (size_t r = 0; r < p->n_requests; r++) {
        const matcher_sched_request *q = &p->requests[r];
        if (q->a >= p->n_participants || q->b >= p->n_participants || q->a == q->b ||
            q->weight < 1 || q->weight > 3 || q->score < 0)
            return MATCHER_EINVAL;
    }
    for (size_t c = 0; c < p->n_candidates; c++)
        if (p->candidates[c].a >= p->n_participants || p->candidates[c].b >= p->n_participants ||
            p->candidates[c].a == p->candidates[c].b)
            return MATCHER_EINVAL;
    return 0;
}

static void progress(const matcher_sched_problem *p, double done)
{
    if (p->progress)
        p->progress(p->progress_ctx, done);
}

int matcher_schedule(const matcher_sched_problem *p, matcher_sched_result *out)
{
    matcher_sched_result_dispose(out);
    int rc = check_problem(p);
    if (rc != 0)
        return rc;
    uint32_t P = p->n_participants, S = p->n_slots, T = p->n_tables;
    size_t R = p->n_requests;
    state st = {.p = p, .P = P, .S = S, .T = T};
    uint32_t *order = NULL, *common = NULL, *path = NULL, *table_of = NULL;
    uint8_t *used = NULL;
    matcher_sched_pair *cands = NULL;
    size_t max_path = 2 * (size_t)P + 2;
    rc = MATCHER_ENOMEM;
    st.busy = calloc((size_t)P * S + 1, sizeof(int32_t));
    st.count = calloc(S + 1, sizeof(uint32_t));
    st.slot_of = malloc((R + 1) * sizeof(int32_t));
    st.fixed = calloc(R + 1, 1);
    order = malloc((R + 1) * sizeof(uint32_t));
    common = calloc(R + 1, sizeof(uint32_t));
    path = malloc((max_path + 1) * sizeof(uint32_t));
    if (!st.busy || !st.count || !st.slot_of || !st.fixed || !order || !common || !path)
        goto Exit;
    for (size_t r = 0; r < R; r++)
        st.slot_of[r] = -1;
    st.W = (S + 63) / 64;
    st.occ = calloc((size_t)P * st.W + 1, sizeof(uint64_t));
    st.avail = calloc((size_t)P * st.W + 1, sizeof(uint64_t));
    st.open = malloc(((size_t)st.W + 1) * sizeof(uint64_t));
    if (!st.occ || !st.avail || !st.open)
        goto Exit;
    for (uint32_t w = 0; w < st.W; w++) /* T == 0: no slot is open */
        st.open[w] = T == 0 ? 0 : S - w * 64 >= 64 ? ~0ull : (1ull << (S - w * 64)) - 1;
    for (uint32_t i = 0; i < P; i++)
        for (uint32_t s = 0; s < S; s++)
            if (p->unavailable == NULL || !p->unavailable[(size_t)i * S + s])
                st.avail[(size_t)i * st.W + s / 64] |= 1ull << (s % 64);
    st.adj_start = calloc((size_t)P + 2, sizeof(uint32_t));
    st.adj = malloc((2 * R + 1) * sizeof(uint32_t));
    st.adj_other = malloc((2 * R + 1) * sizeof(uint32_t));
    if (!st.adj_start || !st.adj || !st.adj_other)
        goto Exit;
    for (size_t r = 0; r < R; r++) {
        st.adj_start[p->requests[r].a + 2]++;
        st.adj_start[p->requests[r].b + 2]++;
    }
    for (uint32_t i = 0; i < P; i++)
        st.adj_start[i + 2] += st.adj_start[i + 1];
    for (size_t r = 0; r < R; r++) {
        uint32_t a = p->requests[r].a, b = p->requests[r].b;
        st.adj_other[st.adj_start[a + 1]] = b;
        st.adj[st.adj_start[a + 1]++] = (uint32_t)r;
        st.adj_other[st.adj_start[b + 1]] = a;
        st.adj[st.adj_start[b + 1]++] = (uint32_t)r;
    }

    /* (1) fixed meetings, where they are valid */
    for (size_t r = 0; r < R; r++) {
        const matcher_sched_request *q = &p->requests[r];
        int32_t s = q->fixed_slot;
        if (s >= 0 && (uint32_t)s < S && st.count[s] < T && free_in(&st, q->a, (uint32_t)s) &&
            free_in(&st, q->b, (uint32_t)s)) {
            set_slot(&st, (uint32_t)r, s);
            st.fixed[r] = 1;
        }
    }
    /* (2) the last published schedule, where it still fits */
    for (size_t r = 0; r < R; r++) {
        const matcher_sched_request *q = &p->requests[r];
        int32_t s = q->prev_slot;
        if (st.slot_of[r] < 0 && s >= 0 && (uint32_t)s < S && st.count[s] < T &&
            free_in(&st, q->a, (uint32_t)s) && free_in(&st, q->b, (uint32_t)s))
            set_slot(&st, (uint32_t)r, s);
    }
    /* (3) greedy, most important and most constrained first */
    size_t n_order = 0;
    for (size_t r = 0; r < R; r++) {
        const matcher_sched_request *q = &p->requests[r];
        for (uint32_t s = 0; s < S; s++)
            common[r] += !unav(&st, q->a, s) && !unav(&st, q->b, s);
        order[n_order++] = (uint32_t)r;
    }
    order_ctx octx = {p, common};
    qsort_r(order, n_order, sizeof(*order), by_importance, &octx);
    for (size_t i = 0; i < n_order; i++)
        if (st.slot_of[order[i]] < 0 && common[order[i]] > 0)
            try_direct(&st, order[i]);
    progress(p, 0.2);

    /* (4) improving passes over the unplaced */
    for (int pass = 0; pass < MATCHER_SCHED_PASSES; pass++) {
        bool changed = false;
        for (size_t i = 0; i < n_order; i++) {
            uint32_t r = order[i];
            if (st.slot_of[r] >= 0 || common[r] == 0)
                continue;
            if (try_place(&st, r, path, max_path) || try_eject(&st, r, path, max_path, EJECT_DEPTH))
                changed = true;
            if (st.oom)
                goto Exit;
        }
        progress(p, 0.2 + 0.6 * (pass + 1) / MATCHER_SCHED_PASSES);
        if (!changed)
            break;
    }

    /* (4b) iterated local search, within an effort budget */
    out->upper_bound = matcher_sched_upper_bound(p);
    /* small problems get more rounds: their rounds are cheap and their gaps matter */
    size_t rounds = R > 0 && MATCHER_SCHED_SEARCH_WORK / R > MATCHER_SCHED_SEARCH
                        ? MATCHER_SCHED_SEARCH_WORK / R
                        : MATCHER_SCHED_SEARCH;
    if (rounds > 10 * MATCHER_SCHED_SEARCH)
        rounds = 10 * MATCHER_SCHED_SEARCH;
    /* a quarter of the rounds first: once it stalls, augmenting paths do better (4c) */
    perturb(&st, common, path, max_path, rounds / 4, out->upper_bound, MATCHER_SCHED_STUCK,
            MATCHER_SCHED_COUNT_STUCK, 1);
    /* (4c) augmenting paths while short of the bound, each success followed by more search */
    /* (4c) short of the bound: an augmenting path of the degree-constrained subgraph as the
     * perturbation (kept on a plateau: it changes who meets whom, which the search then
     * re-slots), more search after each; the best schedule seen is the one kept */
    if (st.placed < out->upper_bound && R > 0) {
        int32_t *best = malloc(R * sizeof(int32_t));
        if (best == NULL)
            goto Exit;
        memcpy(best, st.slot_of, R * sizeof(int32_t));
        size_t bp = st.placed, bk = st.kept;
        uint64_t bw = st.weight;
        int64_t bs = st.score;
        for (int k = 0; k < MATCHER_SCHED_AUGMENT && bp < out->upper_bound && !st.oom; k++) {
            augment(&st, common, path, max_path, 1, 0x9E3779B97F4A7C15ull * (uint64_t)(k + 1),
                    true);
            perturb(&st, common, path, max_path, rounds / 8, out->upper_bound, MATCHER_SCHED_STUCK,
                    MATCHER_SCHED_COUNT_STUCK, (uint64_t)k + 2);
            if (key_cmp(st.placed, st.weight, st.kept, st.score, bp, bw, bk, bs) > 0) {
                memcpy(best, st.slot_of, R * sizeof(int32_t));
                bp = st.placed, bw = st.weight, bk = st.kept, bs = st.score;
            }
        }
        if (key_cmp(st.placed, st.weight, st.kept, st.score, bp, bw, bk, bs) < 0) {
            for (size_t r = 0; r < R; r++)
                set_slot(&st, (uint32_t)r, -1);
            for (size_t r = 0; r < R; r++)
                if (best[r] >= 0)
                    set_slot(&st, (uint32_t)r, best[r]);
        }
        free(best);
        /* still short (the bound may not be reachable): the weight of the best count found
         * gets the polishing the searches above cut short */
        if (st.placed < out->upper_bound && !st.oom)
            perturb(&st, common, path, max_path, rounds / 8, out->upper_bound, MATCHER_SCHED_STUCK,
                    0, 1);
    }
    /* (4d) what the random search left: every unplaced request, most important first, by
     * the moves of (4) with longer ejection chains (a blocker may eject in turn) where the
     * problem is small enough, each kept only when the schedule gets better */
    int final_depth = R <= MATCHER_SCHED_FINAL_REQUESTS ? MATCHER_SCHED_FINAL_DEPTH : EJECT_DEPTH;
    for (int pass = 0; pass < MATCHER_SCHED_PASSES && !st.oom; pass++) {
        bool changed = false;
        for (size_t i = 0; i < n_order; i++) {
            uint32_t r = order[i];
            if (st.slot_of[r] >= 0 || common[r] == 0)
                continue;
            if (try_place(&st, r, path, max_path) || try_eject(&st, r, path, max_path, final_depth))
                changed = true;
        }
        if (!changed)
            break;
    }
    progress(p, 0.9);

    /* (5) shorter idle gaps: move meetings that are new in this run */
    for (int pass = 0; pass < 2; pass++)
        for (size_t r = 0; r < R; r++) {
            const matcher_sched_request *q = &p->requests[r];
            int32_t s = st.slot_of[r];
            if (s < 0 || st.fixed[r] || q->prev_slot == s)
                continue;
            uint32_t now =
                idle_with(&st, q->a, (uint32_t)s, true) + idle_with(&st, q->b, (uint32_t)s, true);
            set_slot(&st, (uint32_t)r, -1);
            int32_t t = best_slot(&st, q->a, q->b);
            uint32_t then = t >= 0 ? idle_with(&st, q->a, (uint32_t)t, true) +
                                         idle_with(&st, q->b, (uint32_t)t, true)
                                   : UINT32_MAX;
            set_slot(&st, (uint32_t)r, then < now ? t : s);
        }

    /* moves may have opened a slot for one left out */
    for (size_t i = 0; i < n_order; i++)
        if (st.slot_of[order[i]] < 0 && common[order[i]] > 0)
            try_direct(&st, order[i]);

    /* the unplaced, with their reasons (before recommendations take free slots) */
    out->unscheduled = malloc((R + 1) * sizeof(uint32_t));
    out->reasons = malloc(R + 1);
    if (!out->unscheduled || !out->reasons)
        goto Exit;
    for (size_t r = 0; r < R; r++) {
        if (st.slot_of[r] >= 0)
            continue;
        const matcher_sched_request *q = &p->requests[r];
        bool fa = false, fb = false, both = false;
        for (uint32_t s = 0; s < S; s++) {
            bool x = free_in(&st, q->a, s), y = free_in(&st, q->b, s);
            fa |= x;
            fb |= y;
            both |= x && y;
        }
        out->unscheduled[out->n_unscheduled] = (uint32_t)r;
        out->reasons[out->n_unscheduled++] = !fa || !fb ? MATCHER_SCHED_PARTICIPANT_FULL
                                             : both     ? MATCHER_SCHED_TABLES_FULL
                                                        : MATCHER_SCHED_NO_COMMON_SLOT;
    }

    /* (7) recommended meetings, best score first, in slots both have free */
    size_t n_rec = 0;
    int32_t *rec_slot = NULL;
    if (p->n_candidates > 0) {
        cands = malloc(p->n_candidates * sizeof(*cands));
        rec_slot = malloc(p->n_candidates * sizeof(*rec_slot));
        if (!cands || !rec_slot) {
            free(rec_slot);
            goto Exit;
        }
        memcpy(cands, p->candidates, p->n_candidates * sizeof(*cands));
        qsort(cands, p->n_candidates, sizeof(*cands), by_score);
        for (size_t c = 0; c < p->n_candidates; c++) {
            int32_t s = best_slot(&st, cands[c].a, cands[c].b);
            rec_slot[c] = s;
            if (s < 0)
                continue;
            set_busy(&st, cands[c].a, (uint32_t)s, -(int32_t)c - 1);
            set_busy(&st, cands[c].b, (uint32_t)s, -(int32_t)c - 1);
            if (++st.count[s] == T)
                st.open[(uint32_t)s / 64] &= ~(1ull << ((uint32_t)s % 64));
            n_rec++;
        }
    }

    /* (6) tables: published tables kept, then the lowest free one */
    size_t n_meet = st.placed + n_rec;
    out->meetings = malloc((n_meet + 1) * sizeof(*out->meetings));
    table_of = malloc((R + 1) * sizeof(uint32_t));
    used = calloc((size_t)S * T + 1, 1);
    if (!out->meetings || !table_of || !used) {
        free(rec_slot);
        goto Exit;
    }
    for (size_t r = 0; r < R; r++) {
        const matcher_sched_request *q = &p->requests[r];
        table_of[r] = UINT32_MAX;
        if (st.slot_of[r] >= 0 && st.slot_of[r] == q->prev_slot && q->prev_table >= 0 &&
            (uint32_t)q->prev_table < T && !used[(size_t)st.slot_of[r] * T + q->prev_table]) {
            table_of[r] = (uint32_t)q->prev_table;
            used[(size_t)st.slot_of[r] * T + q->prev_table] = 1;
        }
    }
    uint32_t *next_free = calloc(S + 1, sizeof(uint32_t));
    if (next_free == NULL) {
        free(rec_slot);
        goto Exit;
    }
    for (size_t r = 0; r < R; r++) {
        int32_t s = st.slot_of[r];
        if (s < 0)
            continue;
        if (table_of[r] == UINT32_MAX) {
            while (used[(size_t)s * T + next_free[s]])
                next_free[s]++;
            table_of[r] = next_free[s];
            used[(size_t)s * T + next_free[s]] = 1;
        }
        const matcher_sched_request *q = &p->requests[r];
        out->meetings[out->n_meetings++] =
            (matcher_sched_meeting){(uint32_t)s, table_of[r], q->a, q->b, (int64_t)r, q->score};
    }
    out->n_placed = out->n_meetings;
    for (size_t c = 0; c < p->n_candidates; c++) {
        int32_t s = rec_slot[c];
        if (s < 0)
            continue;
        while (used[(size_t)s * T + next_free[s]])
            next_free[s]++;
        used[(size_t)s * T + next_free[s]] = 1;
        out->meetings[out->n_meetings++] = (matcher_sched_meeting){
            (uint32_t)s, next_free[s], cands[c].a, cands[c].b, -1, cands[c].score};
    }
    free(next_free);
    free(rec_slot);
    out->weight = st.weight;
    out->score = st.score;
    for (uint32_t i = 0; i < P; i++) {
        int first = -1, last = -1;
        uint32_t n = 0;
        for (uint32_t s = 0; s < S; s++)
            if (st.busy[(size_t)i * S + s] > 0) {
                if (first < 0)
                    first = (int)s;
                last = (int)s;
                n++;
            }
        if (first >= 0)
            out->idle += (uint32_t)(last - first + 1) - n;
    }
    progress(p, 1.0);
    rc = 0;
Exit:
    if (rc != 0)
        matcher_sched_result_dispose(out);
    free(st.busy);
    free(st.count);
    free(st.slot_of);
    free(st.fixed);
    free(st.journal);
    free(st.adj_start);
    free(st.adj);
    free(st.occ);
    free(st.avail);
    free(st.open);
    free(st.adj_other);
    free(order);
    free(common);
    free(path);
    free(table_of);
    free(used);
    free(cands);
    return rc;
}
