/* metrics.c: see metrics.h. */
#include "net/metrics.h"

#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "index/index.h"
#include "net/router.h"

static const int statuses[NET_METRICS_STATUSES] = {200, 201, 202, 204, 304, 400, 401, 403, 404,
                                                   405, 409, 413, 415, 422, 429, 500, 503, 0};
/* Upper bounds in microseconds; the last bucket is +Inf. */
static const uint64_t bounds_us[NET_METRICS_BUCKETS] = {
    100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 5000000};

static void *zalloc(size_t n)
{
    void *p = calloc(1, n);
    if (p == NULL)
        core_oom();
    return p;
}

void net_metrics_init(net_metrics *m, size_t nroutes)
{
    m->nroutes = nroutes;
    m->count = zalloc(nroutes * NET_METRICS_STATUSES * sizeof(*m->count));
    m->latency = zalloc(nroutes * (NET_METRICS_BUCKETS + 1) * sizeof(*m->latency));
    m->latency_sum = zalloc(nroutes * sizeof(*m->latency_sum));
    atomic_init(&m->inflight, 0);
    for (size_t i = 0; i < NET_METRICS_RANKINGS; i++)
        atomic_init(&m->search_ranking[i], 0);
}

void net_metrics_dispose(net_metrics *m)
{
    free(m->count);
    free(m->latency);
    free(m->latency_sum);
}

static size_t status_slot(int status)
{
    for (size_t i = 0; i + 1 < NET_METRICS_STATUSES; i++)
        if (statuses[i] == status)
            return i;
    return NET_METRICS_STATUSES - 1;
}

/* Each counter has one writer (its thread), so a relaxed load and store suffice: no
 * locked instruction on the hot path, and readers still see whole values. */
static inline void bump(_Atomic uint64_t *p, uint64_t n)
{
    atomic_store_explicit(p, atomic_load_explicit(p, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

void net_metrics_record(net_metrics *m, size_t route, int status, uint64_t micros)
{
    if (route >= m->nroutes)
        route = m->nroutes - 1;
    bump(&m->count[route * NET_METRICS_STATUSES + status_slot(status)], 1);
    size_t b = 0;
    while (b < NET_METRICS_BUCKETS && micros > bounds_us[b])
        b++;
    bump(&m->latency[route * (NET_METRICS_BUCKETS + 1) + b], 1);
    bump(&m->latency_sum[route], micros);
}

void net_metrics_inflight(net_metrics *m, int delta)
{
    atomic_store_explicit(&m->inflight,
                          atomic_load_explicit(&m->inflight, memory_order_relaxed) + delta,
                          memory_order_relaxed);
}

void net_metrics_search_ranking(net_metrics *m, int ranking)
{
    if (ranking >= 0 && ranking < NET_METRICS_RANKINGS)
        bump(&m->search_ranking[ranking], 1);
}

void net_metrics_suggestion(net_metrics *m, bool from_memory)
{
    bump(&m->suggestions[from_memory ? 1 : 0], 1);
}

static uint64_t sum(const net_metrics *const *t, size_t n, size_t which, size_t idx)
{
    uint64_t s = 0;
    for (size_t i = 0; i < n; i++) {
        const _Atomic uint64_t *arr = which == 0   ? t[i]->count
                                      : which == 1 ? t[i]->latency
                                                   : t[i]->latency_sum;
        s += atomic_load_explicit(&arr[idx], memory_order_relaxed);
    }
    return s;
}

void net_metrics_render(net_buf *b, const net_metrics *const *t, size_t n, const net_router *router)
{
    size_t nroutes = t[0]->nroutes;
    int64_t inflight = 0;
    for (size_t i = 0; i < n; i++)
        inflight += atomic_load_explicit(&t[i]->inflight, memory_order_relaxed);
    net_buf_puts(b, "# HELP eccpd_http_requests_in_flight Requests received and not yet answered.\n"
                    "# TYPE eccpd_http_requests_in_flight gauge\n");
    net_buf_printf(b, "eccpd_http_requests_in_flight %lld\n", (long long)inflight);

    /* In the order of index_ranking (index/index.h). */
    static const char *const rankings[NET_METRICS_RANKINGS] = {"whole", "candidates", "unproven"};
    net_buf_puts(b, "# HELP eccpd_search_pages_total Searches by how their page was ranked: "
                    "whole (every match that could reach it weighed), candidates (from the "
                    "words' kept weights and top documents, proven the same), unproven "
                    "(candidates tried, then whole).\n"
                    "# TYPE eccpd_search_pages_total counter\n");
    for (size_t k = 0; k < NET_METRICS_RANKINGS; k++) {
        uint64_t v = 0;
        for (size_t i = 0; i < n; i++)
            v += atomic_load_explicit(&t[i]->search_ranking[k], memory_order_relaxed);
        net_buf_printf(b, "eccpd_search_pages_total{ranking=\"%s\"} %llu\n", rankings[k],
                       (unsigned long long)v);
    }

    net_buf_puts(b, "# HELP eccpd_search_candidate_weights_bytes Memory kept for ranking "
                    "from candidates: each searched word's weights in its documents and its "
                    "top documents, for the index's newest commit searched.\n"
                    "# TYPE eccpd_search_candidate_weights_bytes gauge\n");
    net_buf_printf(b, "eccpd_search_candidate_weights_bytes %llu\n",
                   (unsigned long long)index_candidate_weights_bytes());

    net_buf_puts(b, "# HELP eccpd_suggestions_total Suggestion lists by where they were read: "
                    "memory (the completions kept for the index's latest commit) or index "
                    "(the completions were still being built after a change).\n"
                    "# TYPE eccpd_suggestions_total counter\n");
    for (int k = 1; k >= 0; k--) {
        uint64_t v = 0;
        for (size_t i = 0; i < n; i++)
            v += atomic_load_explicit(&t[i]->suggestions[k], memory_order_relaxed);
        net_buf_printf(b, "eccpd_suggestions_total{source=\"%s\"} %llu\n", k ? "memory" : "index",
                       (unsigned long long)v);
    }

    net_buf_puts(b, "# HELP eccpd_http_requests_total Answered requests by route and status.\n"
                    "# TYPE eccpd_http_requests_total counter\n");
    for (size_t r = 0; r < nroutes; r++) {
        const char *method = r + 1 < nroutes ? net_router_route(router, r)->method : "";
        const char *pattern = r + 1 < nroutes ? net_router_route(router, r)->pattern : "unmatched";
        for (size_t s = 0; s < NET_METRICS_STATUSES; s++) {
            uint64_t c = sum(t, n, 0, r * NET_METRICS_STATUSES + s);
            if (c == 0)
                continue;
            if (statuses[s] != 0)
                net_buf_printf(b,
                               "eccpd_http_requests_total{method=\"%s\",route=\"%s\",status=\"%d\"}"
                               " %llu\n",
                               method, pattern, statuses[s], (unsigned long long)c);
            else
                net_buf_printf(b,
                               "eccpd_http_requests_total{method=\"%s\",route=\"%s\",status="
                               "\"other\"} %llu\n",
                               method, pattern, (unsigned long long)c);
        }
    }

    net_buf_puts(b, "# HELP eccpd_http_request_duration_seconds Time from request to response.\n"
                    "# TYPE eccpd_http_request_duration_seconds histogram\n");
    for (size_t r = 0; r < nroutes; r++) {
        uint64_t total = 0, counts[NET_METRICS_BUCKETS + 1];
        for (size_t k = 0; k <= NET_METRICS_BUCKETS; k++) {
            counts[k] = sum(t, n, 1, r * (NET_METRICS_BUCKETS + 1) + k);
            total += counts[k];
        }
        if (total == 0)
            continue;
        const char *method = r + 1 < nroutes ? net_router_route(router, r)->method : "";
        const char *pattern = r + 1 < nroutes ? net_router_route(router, r)->pattern : "unmatched";
        uint64_t cum = 0;
        for (size_t k = 0; k <= NET_METRICS_BUCKETS; k++) {
            cum += counts[k];
            if (k < NET_METRICS_BUCKETS)
                net_buf_printf(
                    b,
                    "eccpd_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\","
                    "le=\"%g\"} %llu\n",
                    method, pattern, bounds_us[k] / 1e6, (unsigned long long)cum);
            else
                net_buf_printf(
                    b,
                    "eccpd_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\","
                    "le=\"+Inf\"} %llu\n",
                    method, pattern, (unsigned long long)cum);
        }
        net_buf_printf(b,
                       "eccpd_http_request_duration_seconds_sum{method=\"%s\",route=\"%s\"} %.6f\n",
                       method, pattern, sum(t, n, 2, r) / 1e6);
        net_buf_printf(
            b, "eccpd_http_request_duration_seconds_count{method=\"%s\",route=\"%s\"} %llu\n",
            method, pattern, (unsigned long long)total);
    }
}
