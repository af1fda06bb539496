/*
 * Unit tests of the store against a real RocksDB in a temporary directory: atomic
 * writes, rollback, the gapless change log, idempotency, fault injection, persistence
 * across reopen, and group commit under concurrent writers.
 */
#include "check.h"
#include "fixture.h"
#include "core/error.h"
#include "core/store.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

static char dir[256];

static core_slice S(const char *s)
{
    return (core_slice){s, strlen(s)};
}

typedef struct put_arg {
    const char *key, *val;
    bool fail_after_put; /* put, then fail: must leave no trace */
    bool unique;         /* fail with CONFLICT if the key exists */
} put_arg;

static int put_fn(core_txn *t, void *arg)
{
    put_arg *p = arg;
    if (p->unique && core_txn_exists(t, CORE_CF_KEYS, S(p->key)))
        return CORE_ECONFLICT;
    core_txn_put(t, CORE_CF_RECORDS, S(p->key), S(p->val));
    core_txn_put(t, CORE_CF_KEYS, S(p->key), S(p->val));
    core_txn_log(t, "test", S(p->key), "put");
    core_txn_set_response(t, p->val, strlen(p->val));
    return p->fail_after_put ? CORE_EINVALID : 0;
}

static core_store *open_store(void)
{
    core_store *s;
    char *err = NULL;
    int rc = core_store_open(dir, &s, &err);
    if (rc != 0)
        fprintf(stderr, "open: %s\n", err);
    CHECK_EQ(rc, 0);
    return s;
}

static void write_then_read_and_log(void)
{
    core_store *s = open_store();
    core_arena a;
    core_arena_init(&a);
    uint64_t seq1, seq2;
    CHECK_EQ(core_store_write_sync(s, put_fn, &(put_arg){"a", "1"}, &seq1), 0);
    CHECK_EQ(core_store_write_sync(s, put_fn, &(put_arg){"b", "2"}, &seq2), 0);
    CHECK_EQ(seq2, seq1 + 1);
    CHECK_EQ(core_store_last_seq(s), seq2);
    core_slice v;
    CHECK_EQ(core_store_get(s, CORE_CF_RECORDS, S("b"), &a, &v), 0);
    CHECK_MEM_EQ(v.ptr, v.len, "2", 1);
    CHECK_EQ(core_store_get(s, CORE_CF_RECORDS, S("zz"), &a, &v), CORE_ENOTFOUND);

    /* a failing write leaves nothing and uses no sequence number */
    CHECK_EQ(core_store_write_sync(s, put_fn, &(put_arg){"c", "3", .fail_after_put = true}, NULL),
             CORE_EINVALID);
    CHECK_EQ(core_store_get(s, CORE_CF_RECORDS, S("c"), &a, &v), CORE_ENOTFOUND);
    CHECK_EQ(core_store_last_seq(s), seq2);

    core_iter *it = core_store_iter_log(s, seq1);
    core_slice k;
    int n = 0;
    while (core_iter_next(it, &k, &v)) {
        CHECK_EQ(k.len, 8);
        CHECK_EQ(core_be64_read((const unsigned char *)k.ptr), seq1 + n);
        n++;
    }
    core_iter_free(it);
    CHECK_EQ(n, 2);
    core_store_close(s);

    s = open_store(); /* persisted, and the sequence continues */
    CHECK_EQ(core_store_last_seq(s), seq2);
    CHECK_EQ(core_store_get(s, CORE_CF_RECORDS, S("a"), &a, &v), 0);
    uint64_t seq3;
    CHECK_EQ(core_store_write_sync(s, put_fn, &(put_arg){"d", "4"}, &seq3), 0);
    CHECK_EQ(seq3, seq2 + 1);
    core_store_close(s);
    core_arena_dispose(&a);
}

static void prefix_iteration(void)
{
    core_store *s = open_store();
    const char *keys[] = {"p:1", "p:2", "p:3", "q:1"};
    for (int i = 0; i < 4; i++)
        CHECK_EQ(core_store_write_sync(s, put_fn, &(put_arg){keys[i], "v"}, NULL), 0);
    core_iter *it = core_store_iter_prefix(s, CORE_CF_RECORDS, S("p:"));
    core_slice k, v;
    int n = 0;
    while (core_iter_next(it, &k, &v))
        CHECK_MEM_EQ(k.ptr, k.len, keys[n++], 3);
    core_iter_free(it);
    CHECK_EQ(n, 3);
    core_store_close(s);
}

typedef struct async_wait {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int pending;
} async_wait;

static void async_done(core_commit *c)
{
    async_wait *w = c->user;
    pthread_mutex_lock(&w->mu);
    w->pending--;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

static void wait_all(async_wait *w)
{
    pthread_mutex_lock(&w->mu);
    while (w->pending > 0)
        pthread_cond_wait(&w->cv, &w->mu);
    pthread_mutex_unlock(&w->mu);
}

static void idempotency_replays_and_detects_mismatch(void)
{
    core_store *s = open_store();
    async_wait w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 3};
    put_arg first = {"idem-rec", "first"}, second = {"idem-rec2", "second"};
    core_commit c1 = {.fn = put_fn,
                      .arg = &first,
                      .idem_key = S("POST /x key1"),
                      .idem_fingerprint = S("fp-A"),
                      .done = async_done,
                      .user = &w};
    core_commit c2 = c1; /* same key, same request: replay (even within one group) */
    c2.arg = &second;
    core_commit c3 = c1; /* same key, another request: mismatch */
    c3.arg = &second;
    c3.idem_fingerprint = S("fp-B");
    core_store_submit(s, &c1);
    core_store_submit(s, &c2);
    core_store_submit(s, &c3);
    wait_all(&w);
    CHECK_EQ(c1.rc, 0);
    CHECK(!c1.replayed);
    CHECK_EQ(c2.rc, 0);
    CHECK(c2.replayed);
    CHECK_MEM_EQ(c2.replay, c2.replay_len, "first", 5);
    CHECK_EQ(c3.rc, CORE_EINVALID);
    CHECK(c3.idem_mismatch);
    free(c2.replay);
    core_arena a;
    core_arena_init(&a);
    core_slice v;
    CHECK_EQ(core_store_get(s, CORE_CF_RECORDS, S("idem-rec2"), &a, &v), CORE_ENOTFOUND);
    core_arena_dispose(&a);
    core_store_close(s);
}

static void injected_faults_write_nothing(void)
{
    char fault[300];
    snprintf(fault, sizeof(fault), "%s.fault", dir);
    setenv("ECCPD_FAULT_FILE", fault, 1);
    core_store *s = open_store();
    uint64_t before = core_store_last_seq(s);
    FILE *f = fopen(fault, "w");
    fputs("store.sync\n", f);
    fclose(f);
    CHECK_EQ(core_store_write_sync(s, put_fn, &(put_arg){"faulty", "x"}, NULL), CORE_EIO);
    f = fopen(fault, "w");
    fputs("store.internal\n", f);
    fclose(f);
    CHECK_EQ(core_store_write_sync(s, put_fn, &(put_arg){"faulty", "x"}, NULL), CORE_EINTERNAL);
    unlink(fault);
    CHECK_EQ(core_store_last_seq(s), before);
    core_arena a;
    core_arena_init(&a);
    core_slice v;
    CHECK_EQ(core_store_get(s, CORE_CF_RECORDS, S("faulty"), &a, &v), CORE_ENOTFOUND);
    uint64_t seq;
    CHECK_EQ(core_store_write_sync(s, put_fn, &(put_arg){"faulty", "x"}, &seq), 0);
    CHECK_EQ(seq, before + 1); /* the failed groups gave their numbers back */
    core_arena_dispose(&a);
    core_store_close(s);
    unsetenv("ECCPD_FAULT_FILE");
}

enum { THREADS = 8, PER_THREAD = 50 };
static core_store *shared_store;
static atomic_int conflicts, successes;

static void *racer(void *arg)
{
    intptr_t id = (intptr_t)arg;
    for (int i = 0; i < PER_THREAD; i++) {
        char key[32];
        /* every thread races for the same PER_THREAD unique keys */
        snprintf(key, sizeof(key), "uniq-%d", i);
        (void)id;
        int rc =
            core_store_write_sync(shared_store, put_fn, &(put_arg){key, "v", .unique = true}, NULL);
        if (rc == 0)
            atomic_fetch_add(&successes, 1);
        else if (rc == CORE_ECONFLICT)
            atomic_fetch_add(&conflicts, 1);
    }
    return NULL;
}

static void concurrent_writers_are_serialised_and_grouped(void)
{
    shared_store = open_store();
    core_store_stats before;
    core_store_get_stats(shared_store, &before);
    pthread_t th[THREADS];
    for (intptr_t i = 0; i < THREADS; i++)
        pthread_create(&th[i], NULL, racer, (void *)i);
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    CHECK_EQ(successes, PER_THREAD);
    CHECK_EQ(conflicts, (THREADS - 1) * PER_THREAD);
    core_store_stats after;
    core_store_get_stats(shared_store, &after);
    CHECK_EQ(after.writes - before.writes, PER_THREAD);
    CHECK_LE(after.groups - before.groups, PER_THREAD);
    core_store_close(shared_store);
}

/* Bytes in the write-ahead log files (*.log) of the store directory. */
static long long wal_bytes(void)
{
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "cat '%s'/*.log 2>/dev/null | wc -c", dir);
    FILE *p = popen(cmd, "r");
    CHECK(p != NULL);
    long long n = -1;
    CHECK_EQ(fscanf(p, "%lld", &n), 1);
    pclose(p);
    return n;
}

/* A clean close leaves nothing in the write-ahead log for the next open to replay, and
 * what was written is still there. */
static void close_leaves_no_log_to_replay(void)
{
    core_store *s = open_store();
    for (int i = 0; i < 200; i++) {
        char key[32];
        snprintf(key, sizeof(key), "wal-%d", i);
        CHECK_EQ(core_store_write_sync(s, put_fn, &(put_arg){key, "v"}, NULL), 0);
    }
    CHECK_GT(wal_bytes(), 0); /* the writes are in the log before the close */
    core_store_close(s);
    CHECK_EQ(wal_bytes(), 0);
    s = open_store();
    core_arena a;
    core_arena_init(&a);
    core_slice v;
    CHECK_EQ(core_store_get(s, CORE_CF_RECORDS, S("wal-199"), &a, &v), 0);
    CHECK_MEM_EQ(v.ptr, v.len, "v", 1);
    core_arena_dispose(&a);
    core_store_close(s);
}

int main(void)
{
    test_tmpdir(dir, sizeof(dir), "test-store");
    RUN(write_then_read_and_log);
    RUN(prefix_iteration);
    RUN(idempotency_replays_and_detects_mismatch);
    RUN(injected_faults_write_nothing);
    RUN(concurrent_writers_are_serialised_and_grouped);
    RUN(close_leaves_no_log_to_replay);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    CHECK_EQ(system(cmd), 0);
    return 0;
}
