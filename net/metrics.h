/*
 * metrics.h: request counters and latency histograms, per worker thread.
 *
 * Each thread counts into its own cache-line-separated arrays with relaxed atomic adds
 * (plain instructions on x86), so recording costs no contention; /metrics sums the
 * threads when scraped. Labels: the route pattern and the status code.
 */
#ifndef ECCPD_NET_METRICS_H
#define ECCPD_NET_METRICS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/buf.h"

enum {
    NET_METRICS_STATUSES = 18,
    NET_METRICS_BUCKETS = 14,
    NET_METRICS_RANKINGS = 3 /* index_ranking's values (index/index.h) */
};

typedef struct net_metrics {
    size_t nroutes;                /* routes + 1 (the last row is "no route") */
    _Atomic uint64_t *count;       /* [nroutes][NET_METRICS_STATUSES] */
    _Atomic uint64_t *latency;     /* [nroutes][NET_METRICS_BUCKETS + 1] cumulative-free */
    _Atomic uint64_t *latency_sum; /* [nroutes] microseconds */
    _Atomic int64_t inflight;      /* requests received and not yet answered */
    _Atomic uint64_t search_ranking[NET_METRICS_RANKINGS]; /* searches by index_ranking */
    _Atomic uint64_t suggestions[2]; /* from the index, from the completions in memory */
} net_metrics;

void net_metrics_init(net_metrics *m, size_t nroutes);
void net_metrics_dispose(net_metrics *m);
/* Records one answered request. route may be nroutes-1 for "no route". */
void net_metrics_record(net_metrics *m, size_t route, int status, uint64_t micros);

/* Adds delta to the requests in flight; only the owning thread calls it. */
void net_metrics_inflight(net_metrics *m, int delta);

/* Counts one search ranked the given way (an index_ranking); only the owning thread calls it. */
void net_metrics_search_ranking(net_metrics *m, int ranking);

/* Counts one suggestion list, read from memory or from the index; only the owning thread
 * calls it. */
void net_metrics_suggestion(net_metrics *m, bool from_memory);

typedef struct net_router net_router;
/* Appends the Prometheus text for the summed threads' request figures. */
void net_metrics_render(net_buf *b, const net_metrics *const *threads, size_t nthreads,
                        const net_router *router);

#endif
