/*
 * batch.h: exact batch assignment of ClusterXchange visitors to hosts.
 *
 * Given candidate pairs (visitor, host, score) with small non-negative integer scores,
 * host capacities and a minimum score, finds an assignment that maximises the total
 * score: each visitor is assigned to at most one host, host h receives at most
 * capacity[h] visitors, a pair scoring below min_score is never used, and a visitor may
 * stay unmatched. The result is optimal, not approximate: the solver is an epsilon-scaling
 * auction (forward bids by visitors, reverse bids by hosts with free places) on scores
 * multiplied by n_visitors + 1, run down to epsilon = 1, where the auction's
 * complementary-slackness bound proves optimality for integer scores.
 *
 * Hosts are not expanded into places for the caller; the solver keeps one price per place
 * (capacity[h] of them), so memory is O(pairs + places). Runs on the calling thread and
 * does no I/O; the caller runs it on a worker thread.
 */
#ifndef ECCPD_MATCHER_BATCH_H
#define ECCPD_MATCHER_BATCH_H

#include "matcher/matcher.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest score the solver accepts; (max score + 1) * (n_visitors + 1) must also stay below
 * 2^28, else MATCHER_ERANGE. */
#define MATCHER_BATCH_MAX_SCORE 10000

/* One candidate pair of a sparse problem. */
typedef struct matcher_edge {
    uint32_t visitor; /* < n_visitors */
    uint32_t host;    /* < n_hosts */
    int32_t score;    /* 0..MATCHER_BATCH_MAX_SCORE; duplicates: the best one counts */
} matcher_edge;

/* The solution, caller storage; fill with matcher_batch_result_init, free the arrays with
 * matcher_batch_result_dispose. */
typedef struct matcher_batch_result {
    int32_t *host_of;    /* per visitor: its host, or -1 if unmatched; owned by the result */
    int32_t *score_of;   /* per visitor: the score of its pair, 0 if unmatched */
    size_t n_visitors;   /* length of the arrays */
    int64_t total_score; /* sum of the assigned pairs' scores */
    size_t n_matched;    /* visitors with a host */
} matcher_batch_result;

/* Makes *r empty (no arrays). */
void matcher_batch_result_init(matcher_batch_result *r);

/* Frees the arrays of *r and makes it empty again. */
void matcher_batch_result_dispose(matcher_batch_result *r);

/* Dense problem: scores[v * n_hosts + h] is the score of visitor v with host h (row-major,
 * n_visitors * n_hosts entries, not copied and only read during the call). Fills *res,
 * disposing what it held. 0 or a negative MATCHER_E* code; after an error *res holds no
 * solution but is still safe to dispose. */
int matcher_batch_dense(size_t n_visitors, size_t n_hosts, const uint16_t *scores,
                        const uint32_t *capacity, int min_score, matcher_batch_result *res);

/* Sparse problem: only the listed pairs are allowed (in any order). Fills *res as above. */
int matcher_batch_sparse(size_t n_visitors, size_t n_hosts, const matcher_edge *edges,
                         size_t n_edges, const uint32_t *capacity, int min_score,
                         matcher_batch_result *res);

#ifdef __cplusplus
}
#endif

#endif
