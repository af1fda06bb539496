/*
 * ops.c: the operational endpoints: /healthz (the process answers), /readyz (the store is
 * open and the server is not draining), /metrics (Prometheus text) and /openapi.json.
 */
#include <jemalloc/jemalloc.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "net/buf.h"
#include "net/http.h"
#include "net/ops.h"
#include "net/accounts.h"

extern const char net_data_openapi[];
extern const size_t net_data_openapi_len;

void net_ops_healthz(net_req *r)
{
    static const char body[] = "{\"status\":\"ok\"}";
    if (r->want_msgpack) {
        static const char mp[] = "\x81\xa6status\xa2ok";
        net_reply_raw(r, 200, "application/msgpack", mp, sizeof(mp) - 1);
        return;
    }
    net_reply_raw(r, 200, "application/json", body, sizeof(body) - 1);
}

void net_ops_readyz(net_req *r)
{
    core_value v = core_value_obj();
    if (atomic_load(&r->server->ready)) {
        core_value_set(&r->arena, &v, "status", core_value_str_ref("ready", 5));
        net_reply(r, 200, &v);
    } else {
        net_add_header(r, "retry-after", "1");
        core_value_set(&r->arena, &v, "status", core_value_str_ref("not ready", 9));
        net_reply(r, 503, &v);
    }
}

static size_t jemalloc_stat(const char *name)
{
    size_t v = 0, len = sizeof(v);
    mallctl(name, &v, &len, NULL, 0);
    return v;
}

void net_ops_metrics(net_req *r)
{
    net_server *s = r->server;
    net_buf b;
    net_buf_init(&b);
    const net_metrics *per_thread[s->nthreads];
    for (size_t i = 0; i < s->nthreads; i++)
        per_thread[i] = &s->threads[i].metrics;
    net_metrics_render(&b, per_thread, s->nthreads, s->router);

    net_buf_printf(&b,
                   "# HELP eccpd_password_hashes_total Password hashes and checks (argon2id) "
                   "done.\n"
                   "# TYPE eccpd_password_hashes_total counter\neccpd_password_hashes_total %llu\n"
                   "# HELP eccpd_password_hashes_in_flight Password hashes queued or running.\n"
                   "# TYPE eccpd_password_hashes_in_flight gauge\n"
                   "eccpd_password_hashes_in_flight %d\n",
                   (unsigned long long)net_accounts_hashes_total(),
                   net_accounts_hashes_in_flight());

    core_store_stats st;
    core_store_get_stats(s->store, &st);
    net_buf_printf(&b,
                   "# HELP eccpd_store_last_seq Highest durable change-log sequence number.\n"
                   "# TYPE eccpd_store_last_seq gauge\neccpd_store_last_seq %llu\n"
                   "# HELP eccpd_store_writes_total Logical writes committed.\n"
                   "# TYPE eccpd_store_writes_total counter\neccpd_store_writes_total %llu\n"
                   "# HELP eccpd_store_commit_groups_total Synced group commits.\n"
                   "# TYPE eccpd_store_commit_groups_total counter\n"
                   "eccpd_store_commit_groups_total %llu\n"
                   "# HELP eccpd_store_failed_groups_total Group commits whose write or sync "
                   "failed.\n"
                   "# TYPE eccpd_store_failed_groups_total counter\n"
                   "eccpd_store_failed_groups_total %llu\n"
                   "# HELP eccpd_store_queue_depth Writes waiting for the committer.\n"
                   "# TYPE eccpd_store_queue_depth gauge\neccpd_store_queue_depth %llu\n"
                   "# HELP eccpd_store_sst_bytes RocksDB SST files size.\n"
                   "# TYPE eccpd_store_sst_bytes gauge\neccpd_store_sst_bytes %llu\n"
                   "# HELP eccpd_store_memtable_bytes RocksDB memtables size.\n"
                   "# TYPE eccpd_store_memtable_bytes gauge\neccpd_store_memtable_bytes %llu\n"
                   "# HELP eccpd_store_records_estimate RocksDB's estimate of stored records.\n"
                   "# TYPE eccpd_store_records_estimate gauge\n"
                   "eccpd_store_records_estimate %llu\n",
                   (unsigned long long)st.last_seq, (unsigned long long)st.writes,
                   (unsigned long long)st.groups, (unsigned long long)st.failed_groups,
                   (unsigned long long)st.queue_depth, (unsigned long long)st.sst_bytes,
                   (unsigned long long)st.memtable_bytes, (unsigned long long)st.estimate_keys);

    net_buf_printf(&b,
                   "# HELP eccpd_feed_visible_seq Highest change-log sequence number search and "
                   "matches reflect.\n"
                   "# TYPE eccpd_feed_visible_seq gauge\neccpd_feed_visible_seq %llu\n"
                   "# HELP eccpd_feed_lag Changes committed but not yet visible to search.\n"
                   "# TYPE eccpd_feed_lag gauge\neccpd_feed_lag %llu\n"
                   "# HELP eccpd_feed_failed 1 when the change-log feed stopped on an error.\n"
                   "# TYPE eccpd_feed_failed gauge\neccpd_feed_failed %d\n",
                   (unsigned long long)core_feed_visible(s->feed),
                   (unsigned long long)(st.last_seq - core_feed_visible(s->feed)),
                   core_feed_error(s->feed) != 0);

    /* jemalloc caches its statistics; bumping the epoch refreshes them. */
    uint64_t epoch = 1;
    size_t elen = sizeof(epoch);
    mallctl("epoch", &epoch, &elen, &epoch, elen);
    net_buf_printf(&b,
                   "# HELP eccpd_allocator_allocated_bytes Bytes allocated by the application "
                   "(jemalloc).\n"
                   "# TYPE eccpd_allocator_allocated_bytes gauge\n"
                   "eccpd_allocator_allocated_bytes %zu\n"
                   "# HELP eccpd_allocator_resident_bytes Bytes in physically resident pages "
                   "mapped by the allocator (jemalloc).\n"
                   "# TYPE eccpd_allocator_resident_bytes gauge\n"
                   "eccpd_allocator_resident_bytes %zu\n"
                   "# HELP eccpd_uptime_seconds Seconds since the server started.\n"
                   "# TYPE eccpd_uptime_seconds gauge\neccpd_uptime_seconds %lld\n",
                   jemalloc_stat("stats.allocated"), jemalloc_stat("stats.resident"),
                   (long long)(time(NULL) - s->started_at));
    net_reply_raw(r, 200, "text/plain; version=0.0.4; charset=utf-8", b.ptr, b.len);
    net_buf_dispose(&b);
}

void net_ops_openapi(net_req *r)
{
    net_reply_raw(r, 200, "application/json", net_data_openapi, net_data_openapi_len);
}
