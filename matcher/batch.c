/*
 * batch.c: exact capacity-constrained assignment by epsilon-scaling auction.
 *
 * Objects are the places of the hosts (min(capacity[h], n_visitors) places for host h, each
 * with its own price) and one private "stay unmatched" object per visitor whose value and
 * price are 0. Scores are multiplied by S = n_visitors + 1, so every assignment's total is
 * a multiple of S. Each scaling phase (eps divided by 5 down to 1):
 *   - keeps the visitors still within eps of their best object and unassigns the others;
 *   - forward auction: an unassigned visitor bids for the cheapest place of the host with
 *     the best value (scaled score minus price), raising its price to the margin over the
 *     second-best object plus eps and unassigning the place's holder; a visitor whose best
 *     value is <= 0 stays unmatched;
 *   - reverse auction (Bertsekas, Castanon and Tsaknakis, for asymmetric problems): with
 *     lambda = 0 if a visitor is unmatched, else the cheapest occupied place, every free
 *     place dearer than lambda lowers its host's prices and pulls the visitor who gains most
 *     by moving (see reverse_bid), until every free place costs at most lambda.
 * Invariants at the end of a phase: every visitor's profit is within eps of its best object
 * (eps-complementary slackness), free places cost <= lambda <= occupied places, prices are
 * >= 0. Shifting all prices by -lambda makes (profits, prices) a dual solution whose value
 * exceeds the assignment's by at most n_visitors * eps; in the last phase eps = 1 < S, so
 * the assignment is optimal. Each bid raises a price by at least eps and each reverse bid
 * raises a profit by at least eps or settles a place, so every phase ends.
 *
 * Memory: the pairs (a transposed uint16 copy of a dense matrix, or CSR and CSC copies of
 * sparse pairs) plus O(visitors + places); hosts are never expanded into a matrix of slots.
 * Time: each bid scans one visitor's row and each reverse bid one host's column; the dense
 * scans are vectorised (an AVX2 clone where the CPU has it).
 */
#include "matcher/batch.h"
#include "matcher/internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define NEG (INT32_MIN / 2) /* the value of a forbidden pair */
#define NO_PLACE (1 << 30)  /* the "price" of a host without places */
#define UNASSIGNED (-2)     /* vplace of a visitor waiting to bid */
#define UNMATCHED (-1)      /* vplace of a visitor on its own "stay unmatched" object */

typedef struct prob {
    uint32_t nv, nh;
    int32_t S;    /* score multiplier, n_visitors + 1 */
    int32_t minw; /* smallest allowed score */
    /* dense form */
    const uint16_t *dm; /* nv x nh, caller's */
    uint16_t *dmt;      /* nh x nv, ours */
    /* sparse form: rows by visitor and columns by host, scores already multiplied by S */
    uint32_t *row_off, *row_host;
    int32_t *row_w;
    uint32_t *col_off, *col_vis;
    int32_t *col_w;
    /* places */
    uint32_t *place_off;  /* nh + 1 */
    uint32_t *place_host; /* per place */
    int32_t *price;       /* per place */
    int32_t *holder;      /* per place: visitor or -1 */
    int32_t *minprice;    /* per host: cheapest of its places, NO_PLACE if none */
    /* visitors */
    int32_t *vplace; /* place, UNMATCHED or UNASSIGNED */
    int32_t *profit; /* scaled score of its place minus the place's price; 0 unmatched */
    /* work stacks */
    int32_t *vstack, *pstack;
} prob;

/* Top two of (w[j] >= minw ? w[j] * S - sub[j] : NEG) over j < n, and the first index of
 * the largest. Chunked so the inner loop is a plain vectorisable max reduction; the second
 * best is the larger of the other chunks' maxima and the runner-up inside the best chunk. */
MATCHER__CLONES static void top2(const uint16_t *w, const int32_t *sub, uint32_t n, int32_t S,
                                 int32_t minw, int32_t *v1, int32_t *v2, int32_t *arg)
{
    enum { CH = 128 };
    int32_t b1 = NEG, b2 = NEG;
    uint32_t bc = 0;
    for (uint32_t c = 0; c < n; c += CH) {
        uint32_t e = n - c < CH ? n : c + CH;
        int32_t m = NEG;
        for (uint32_t j = c; j < e; j++) {
            int32_t x = w[j] >= minw ? (int32_t)w[j] * S - sub[j] : NEG;
            m = m > x ? m : x;
        }
        if (m > b1) {
            b2 = b1;
            b1 = m;
            bc = c;
        } else if (m > b2) {
            b2 = m;
        }
    }
    int32_t a = -1, in2 = NEG;
    if (b1 > NEG) {
        uint32_t e = n - bc < CH ? n : bc + CH;
        for (uint32_t j = bc; j < e; j++) {
            int32_t x = w[j] >= minw ? (int32_t)w[j] * S - sub[j] : NEG;
            if (a < 0 && x == b1)
                a = (int32_t)j;
            else if (x > in2)
                in2 = x;
        }
    }
    *v1 = b1;
    *v2 = b2 > in2 ? b2 : in2;
    *arg = a;
}

/* Top two of (w[k] - sub[idx[k]]) over a sparse list, and the index of the largest. */
static void top2_sparse(const uint32_t *idx, const int32_t *w, uint32_t n, const int32_t *sub,
                        int32_t *v1, int32_t *v2, int32_t *arg)
{
    int32_t b1 = NEG, b2 = NEG, a = -1;
    for (uint32_t k = 0; k < n; k++) {
        int32_t x = w[k] - sub[idx[k]];
        if (x > b1) {
            b2 = b1;
            b1 = x;
            a = (int32_t)idx[k];
        } else if (x > b2) {
            b2 = x;
        }
    }
    *v1 = b1;
    *v2 = b2;
    *arg = a;
}

static void update_minprice(prob *p, uint32_t h)
{
    int32_t m = NO_PLACE;
    for (uint32_t q = p->place_off[h]; q < p->place_off[h + 1]; q++)
        m = p->price[q] < m ? p->price[q] : m;
    p->minprice[h] = m;
}

/* The scaled score of visitor v with host h (the pair is known to be allowed). */
static int32_t pair_w(const prob *p, uint32_t v, uint32_t h)
{
    if (p->dm)
        return (int32_t)p->dm[(size_t)v * p->nh + h] * p->S;
    for (uint32_t k = p->row_off[v]; k < p->row_off[v + 1]; k++)
        if (p->row_host[k] == h)
            return p->row_w[k];
    return NEG;
}

/* One forward bid by unassigned visitor v. Pushes an evicted holder on the stack. */
static void bid(prob *p, uint32_t v, int32_t eps, uint32_t *nvs)
{
    int32_t v1, v2, h;
    if (p->dm)
        top2(p->dm + (size_t)v * p->nh, p->minprice, p->nh, p->S, p->minw, &v1, &v2, &h);
    else
        top2_sparse(p->row_host + p->row_off[v], p->row_w + p->row_off[v],
                    p->row_off[v + 1] - p->row_off[v], p->minprice, &v1, &v2, &h);
    if (h < 0 || v1 <= 0) { /* staying unmatched is (one of) the best */
        p->vplace[v] = UNMATCHED;
        p->profit[v] = 0;
        return;
    }
    /* the cheapest place of h and the runner-up place price */
    uint32_t q0 = p->place_off[h], q1 = p->place_off[h + 1], best = q0;
    int32_t p1 = p->price[q0], p2 = NO_PLACE;
    for (uint32_t q = q0 + 1; q < q1; q++) {
        int32_t x = p->price[q];
        if (x < p1) {
            p2 = p1;
            p1 = x;
            best = q;
        } else if (x < p2) {
            p2 = x;
        }
    }
    int32_t w = v1 + p1;
    if (q1 - q0 > 1 && w - p2 > v2)
        v2 = w - p2;
    if (v2 < 0)
        v2 = 0; /* the "stay unmatched" object */
    int32_t np = w - v2 + eps;
    int32_t old = p->holder[best];
    if (old >= 0) {
        p->vplace[old] = UNASSIGNED;
        p->vstack[(*nvs)++] = old;
    }
    p->holder[best] = (int32_t)v;
    p->price[best] = np;
    p->vplace[v] = (int32_t)best;
    p->profit[v] = w - np;
    update_minprice(p, (uint32_t)h);
}

/*
 * One reverse bid by free place q of host h whose price exceeds lambda. The best and
 * second-best gains b1, b2 are taken over visitors that hold no place of h (moving inside h
 * gains nothing). First every place of h is lowered to at most max(lambda, b1 - eps), which
 * keeps everybody within eps and only raises the holders' profits; then, if some visitor
 * gains at least lambda + eps, it moves to q at a price that keeps the holders and the
 * others within eps and raises its own profit by at least eps. Otherwise q costs lambda.
 * Pushes the place the moving visitor leaves.
 */
static void reverse_bid(prob *p, uint32_t q, int32_t eps, int32_t lambda, uint32_t *nps)
{
    uint32_t h = p->place_host[q], q0 = p->place_off[h], q1 = p->place_off[h + 1];
    int32_t b1, b2, v;
    for (uint32_t r = q0; r < q1; r++) /* hide the holders from the scan */
        if (p->holder[r] >= 0)
            p->profit[p->holder[r]] += NO_PLACE;
    if (p->dm)
        top2(p->dmt + (size_t)h * p->nv, p->profit, p->nv, p->S, p->minw, &b1, &b2, &v);
    else
        top2_sparse(p->col_vis + p->col_off[h], p->col_w + p->col_off[h],
                    p->col_off[h + 1] - p->col_off[h], p->profit, &b1, &b2, &v);
    for (uint32_t r = q0; r < q1; r++)
        if (p->holder[r] >= 0)
            p->profit[p->holder[r]] -= NO_PLACE;
    if (v >= 0 && b1 <= NEG / 2)
        v = -1; /* only holders can take h */
    int32_t cap = v >= 0 && b1 - eps > lambda ? b1 - eps : lambda;
    for (uint32_t r = q0; r < q1; r++) {
        if (p->price[r] <= cap)
            continue;
        if (p->holder[r] >= 0)
            p->profit[p->holder[r]] += p->price[r] - cap;
        p->price[r] = cap;
    }
    if (v >= 0 && b1 >= lambda + eps) {
        int32_t old = p->vplace[v];
        if (old >= 0) {
            p->holder[old] = -1;
            if (p->price[old] > lambda)
                p->pstack[(*nps)++] = old;
        }
        int32_t np = b2 - eps > lambda ? b2 - eps : lambda;
        if (cap - eps > np)
            np = cap - eps;
        int32_t w = b1 + p->profit[v];
        p->holder[q] = v;
        p->price[q] = np;
        p->vplace[v] = (int32_t)q;
        p->profit[v] = w - np;
    }
    update_minprice(p, h);
}

/* True if visitor v (assigned or unmatched) is not within eps of its best object. */
static int violates(const prob *p, uint32_t v, int32_t eps)
{
    int32_t v1, v2, h;
    if (p->dm)
        top2(p->dm + (size_t)v * p->nh, p->minprice, p->nh, p->S, p->minw, &v1, &v2, &h);
    else
        top2_sparse(p->row_host + p->row_off[v], p->row_w + p->row_off[v],
                    p->row_off[v + 1] - p->row_off[v], p->minprice, &v1, &v2, &h);
    if (v1 < 0)
        v1 = 0;
    return p->profit[v] < v1 - eps;
}

static void prob_free(prob *p)
{
    free(p->dmt);
    free(p->row_off);
    free(p->row_host);
    free(p->row_w);
    free(p->col_off);
    free(p->col_vis);
    free(p->col_w);
    free(p->place_off);
    free(p->place_host);
    free(p->price);
    free(p->holder);
    free(p->minprice);
    free(p->vplace);
    free(p->profit);
    free(p->vstack);
    free(p->pstack);
}

/* Allocates the places and per-visitor arrays once the pairs are in place. */
static int prob_places(prob *p, const uint32_t *capacity)
{
    p->place_off = malloc(((size_t)p->nh + 1) * sizeof *p->place_off);
    p->minprice = malloc(((size_t)p->nh + 1) * sizeof *p->minprice);
    if (!p->place_off || !p->minprice)
        return MATCHER_ENOMEM;
    size_t np = 0;
    for (uint32_t h = 0; h < p->nh; h++) {
        p->place_off[h] = (uint32_t)np;
        np += capacity[h] < p->nv ? capacity[h] : p->nv;
        if (np > UINT32_MAX / 2)
            return MATCHER_ERANGE;
    }
    p->place_off[p->nh] = (uint32_t)np;
    size_t n1 = np ? np : 1, v1 = p->nv ? p->nv : 1;
    p->place_host = malloc(n1 * sizeof *p->place_host);
    p->price = calloc(n1, sizeof *p->price);
    p->holder = malloc(n1 * sizeof *p->holder);
    p->pstack = malloc(n1 * sizeof *p->pstack);
    p->vplace = malloc(v1 * sizeof *p->vplace);
    p->profit = calloc(v1, sizeof *p->profit);
    p->vstack = malloc(v1 * sizeof *p->vstack);
    if (!p->place_host || !p->price || !p->holder || !p->pstack || !p->vplace || !p->profit ||
        !p->vstack)
        return MATCHER_ENOMEM;
    for (uint32_t h = 0; h < p->nh; h++) {
        for (uint32_t q = p->place_off[h]; q < p->place_off[h + 1]; q++) {
            p->place_host[q] = h;
            p->holder[q] = -1;
        }
        p->minprice[h] = p->place_off[h + 1] > p->place_off[h] ? 0 : NO_PLACE;
    }
    return 0;
}

/* Runs the scaling phases and fills the result. */
static int solve(prob *p, int32_t maxw, matcher_batch_result *res)
{
    uint32_t np = p->place_off[p->nh];
    /* start near half a score unit (scores are small, and coarser starts only add phases
     * of price wars among ties); measured on bench/matcher: alpha 5, start max(S/2,
     * maxw*S/128) */
    int64_t e0 = (int64_t)maxw * p->S / 128;
    int32_t eps = (int32_t)(e0 > p->S / 2 ? e0 : p->S / 2);
    if (eps < 1)
        eps = 1;
    for (uint32_t v = 0; v < p->nv; v++)
        p->vplace[v] = UNASSIGNED;
    for (;;) {
        uint32_t nvs = 0, nps = 0;
        /* keep the visitors that are still within eps of their best object */
        for (uint32_t v = p->nv; v-- > 0;) {
            if (p->vplace[v] != UNASSIGNED && !violates(p, v, eps))
                continue;
            if (p->vplace[v] >= 0)
                p->holder[p->vplace[v]] = -1;
            p->vplace[v] = UNASSIGNED;
            p->vstack[nvs++] = (int32_t)v;
        }
        while (nvs > 0)
            bid(p, (uint32_t)p->vstack[--nvs], eps, &nvs);
        /* lambda: free objects must cost <= lambda <= occupied ones. Unused "unmatched"
         * objects cost 0, so lambda >= 0; if a visitor is unmatched, lambda = 0. */
        int32_t lambda = INT32_MAX;
        for (uint32_t v = 0; v < p->nv && lambda > 0; v++)
            if (p->vplace[v] == UNMATCHED)
                lambda = 0;
        for (uint32_t q = 0; q < np && lambda > 0; q++)
            if (p->holder[q] >= 0 && p->price[q] < lambda)
                lambda = p->price[q];
        if (lambda == INT32_MAX)
            lambda = 0;
        for (uint32_t q = 0; q < np; q++)
            if (p->holder[q] < 0 && p->price[q] > lambda)
                p->pstack[nps++] = (int32_t)q;
        while (nps > 0)
            reverse_bid(p, (uint32_t)p->pstack[--nps], eps, lambda, &nps);
        /* With every visitor matched, lower all places by lambda (free ones to 0) and raise
         * the profits alike: the same relative prices, but staying unmatched becomes
         * relatively dearer, so the next phase leaves fewer visitors unmatched and has fewer
         * free places to bring down to lambda = 0. */
        if (lambda > 0) {
            for (uint32_t q = 0; q < np; q++)
                p->price[q] = p->price[q] > lambda ? p->price[q] - lambda : 0;
            for (uint32_t v = 0; v < p->nv; v++)
                p->profit[v] += lambda;
            for (uint32_t h = 0; h < p->nh; h++)
                update_minprice(p, h);
        }
        if (eps == 1)
            break;
        eps = eps / 5;
        if (eps < 1)
            eps = 1;
    }

    matcher_batch_result_dispose(res);
    size_t n1 = p->nv ? p->nv : 1;
    res->host_of = malloc(n1 * sizeof *res->host_of);
    res->score_of = malloc(n1 * sizeof *res->score_of);
    if (!res->host_of || !res->score_of) {
        matcher_batch_result_dispose(res);
        return MATCHER_ENOMEM;
    }
    res->n_visitors = p->nv;
    for (uint32_t v = 0; v < p->nv; v++) {
        int32_t q = p->vplace[v];
        if (q >= 0) {
            uint32_t h = p->place_host[q];
            res->host_of[v] = (int32_t)h;
            res->score_of[v] = pair_w(p, v, h) / p->S;
            res->total_score += res->score_of[v];
            res->n_matched++;
        } else {
            res->host_of[v] = -1;
            res->score_of[v] = 0;
        }
    }
    return 0;
}

void matcher_batch_result_init(matcher_batch_result *r)
{
    memset(r, 0, sizeof *r);
}

void matcher_batch_result_dispose(matcher_batch_result *r)
{
    free(r->host_of);
    free(r->score_of);
    memset(r, 0, sizeof *r);
}

/* Scaled scores and prices stay below 2^28 (+ eps), so every value the scans form, including
 * a hidden holder's (profit + NO_PLACE), fits int32 and stays apart from NEG / 2. */
static int check_scale(size_t nv, int32_t maxw)
{
    if (nv >= (1u << 28))
        return MATCHER_ERANGE;
    if ((int64_t)(maxw + 1) * (int64_t)(nv + 1) >= (1 << 28))
        return MATCHER_ERANGE;
    return 0;
}

int matcher_batch_dense(size_t n_visitors, size_t n_hosts, const uint16_t *scores,
                        const uint32_t *capacity, int min_score, matcher_batch_result *res)
{
    if (res)
        matcher_batch_result_dispose(res);
    if ((n_visitors && n_hosts && !scores) || (n_hosts && !capacity) || !res ||
        n_hosts >= (1u << 28))
        return MATCHER_EINVAL;
    int32_t maxw = 0;
    size_t n = n_visitors * n_hosts;
    for (size_t i = 0; i < n; i++)
        maxw = scores[i] > maxw ? scores[i] : maxw;
    if (maxw > MATCHER_BATCH_MAX_SCORE)
        return MATCHER_EINVAL;
    int err = check_scale(n_visitors, maxw);
    if (err)
        return err;
    prob p = {0};
    p.nv = (uint32_t)n_visitors;
    p.nh = (uint32_t)n_hosts;
    p.S = (int32_t)n_visitors + 1;
    p.minw = min_score < 0 ? 0 : min_score;
    if (p.minw > 65535)
        p.minw = 65536;
    p.dm = scores;
    p.dmt = malloc((n ? n : 1) * sizeof *p.dmt);
    if (!p.dmt) {
        err = MATCHER_ENOMEM;
        goto Exit;
    }
    /* transpose in tiles so both sides stay in cache */
    for (size_t v0 = 0; v0 < n_visitors; v0 += 64)
        for (size_t h0 = 0; h0 < n_hosts; h0 += 64)
            for (size_t v = v0; v < v0 + 64 && v < n_visitors; v++)
                for (size_t h = h0; h < h0 + 64 && h < n_hosts; h++)
                    p.dmt[h * n_visitors + v] = scores[v * n_hosts + h];
    if ((err = prob_places(&p, capacity)) != 0)
        goto Exit;
    err = solve(&p, maxw, res);
Exit:
    prob_free(&p);
    return err;
}

int matcher_batch_sparse(size_t n_visitors, size_t n_hosts, const matcher_edge *edges,
                         size_t n_edges, const uint32_t *capacity, int min_score,
                         matcher_batch_result *res)
{
    if (res)
        matcher_batch_result_dispose(res);
    if ((n_edges && !edges) || (n_hosts && !capacity) || !res || n_hosts >= (1u << 28) ||
        n_edges >= (1u << 31))
        return MATCHER_EINVAL;
    int32_t maxw = 0;
    for (size_t i = 0; i < n_edges; i++) {
        if (edges[i].visitor >= n_visitors || edges[i].host >= n_hosts || edges[i].score < 0 ||
            edges[i].score > MATCHER_BATCH_MAX_SCORE)
            return MATCHER_EINVAL;
        maxw = edges[i].score > maxw ? edges[i].score : maxw;
    }
    int err = check_scale(n_visitors, maxw);
    if (err)
        return err;
    prob p = {0};
    int32_t *mark = NULL;
    p.nv = (uint32_t)n_visitors;
    p.nh = (uint32_t)n_hosts;
    p.S = (int32_t)n_visitors + 1;
    p.minw = min_score < 0 ? 0 : min_score;
    size_t ne1 = n_edges ? n_edges : 1;
    p.row_off = calloc(n_visitors + 2, sizeof *p.row_off);
    p.col_off = calloc(n_hosts + 2, sizeof *p.col_off);
    p.row_host = malloc(ne1 * sizeof *p.row_host);
    p.row_w = malloc(ne1 * sizeof *p.row_w);
    p.col_vis = malloc(ne1 * sizeof *p.col_vis);
    p.col_w = malloc(ne1 * sizeof *p.col_w);
    mark = malloc((n_hosts ? n_hosts : 1) * sizeof *mark);
    if (!p.row_off || !p.col_off || !p.row_host || !p.row_w || !p.col_vis || !p.col_w || !mark) {
        err = MATCHER_ENOMEM;
        goto Exit;
    }
    /* rows by counting sort, dropping pairs below min_score */
    for (size_t i = 0; i < n_edges; i++)
        if (edges[i].score >= p.minw)
            p.row_off[edges[i].visitor + 2]++;
    for (size_t v = 0; v < n_visitors; v++)
        p.row_off[v + 2] += p.row_off[v + 1];
    for (size_t i = 0; i < n_edges; i++) {
        if (edges[i].score < p.minw)
            continue;
        uint32_t k = p.row_off[edges[i].visitor + 1]++;
        p.row_host[k] = edges[i].host;
        p.row_w[k] = edges[i].score * p.S;
    }
    /* drop duplicate pairs within each row, keeping the best score */
    for (size_t h = 0; h < n_hosts; h++)
        mark[h] = -1;
    uint32_t out = 0;
    for (size_t v = 0; v < n_visitors; v++) {
        uint32_t b = p.row_off[v], e = p.row_off[v + 1], start = out;
        for (uint32_t k = b; k < e; k++) {
            uint32_t h = p.row_host[k];
            if (mark[h] >= (int32_t)start) {
                if (p.row_w[k] > p.row_w[mark[h]])
                    p.row_w[mark[h]] = p.row_w[k];
                continue;
            }
            mark[h] = (int32_t)out;
            p.row_host[out] = h;
            p.row_w[out++] = p.row_w[k];
        }
        p.row_off[v] = start;
    }
    p.row_off[n_visitors] = out;
    /* columns */
    for (uint32_t k = 0; k < out; k++)
        p.col_off[p.row_host[k] + 2]++;
    for (size_t h = 0; h < n_hosts; h++)
        p.col_off[h + 2] += p.col_off[h + 1];
    for (size_t v = 0; v < n_visitors; v++)
        for (uint32_t k = p.row_off[v]; k < p.row_off[v + 1]; k++) {
            uint32_t c = p.col_off[p.row_host[k] + 1]++;
            p.col_vis[c] = (uint32_t)v;
            p.col_w[c] = p.row_w[k];
        }
    if ((err = prob_places(&p, capacity)) != 0)
        goto Exit;
    err = solve(&p, maxw, res);
Exit:
    free(mark);
    prob_free(&p);
    return err;
}
