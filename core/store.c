/*
 * store.c: RocksDB behind core_store. See store.h for the write model.
 *
 * Costs: one WAL fsync per group of writes, however many writes the group holds; a
 * group is whatever queued while the previous group was syncing, capped at
 * STORE_MAX_GROUP writes. Reads are plain RocksDB point lookups or iterators.
 */
#include "core/store.h"

#include <errno.h>
#include <pthread.h>
#include <rocksdb/c.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/error.h"
#include "core/fault.h"
#include "core/value.h"

enum { STORE_MAX_GROUP = 512 };

static const char *const cf_names[CORE_CF__COUNT] = {
    [CORE_CF_RECORDS] = "records",
    [CORE_CF_KEYS] = "keys",
    [CORE_CF_LOG] = "log",
    [CORE_CF_IDEM] = "idem",
    [CORE_CF_OUTBOX] = "outbox",
    [CORE_CF_META] = "meta",
    [CORE_CF_ATTACHMENTS] = "attachments",
};

struct core_store {
    rocksdb_t *db;
    rocksdb_options_t *opts;
    rocksdb_options_t *blob_opts; /* the attachments family: values in blob files */
    rocksdb_readoptions_t *ropts;
    rocksdb_writeoptions_t *wopts; /* sync = 1: an acknowledged write is on disk */
    rocksdb_column_family_handle_t *cf[CORE_CF__COUNT];
    rocksdb_column_family_handle_t **all_cf; /* every family opened, ours and unknown ones */
    size_t all_cf_count;

    pthread_t committer;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    core_commit *head, *tail; /* queued writes, oldest first (guarded by mu) */
    size_t queued;            /* guarded by mu */
    bool closing;             /* guarded by mu */

    uint64_t next_seq;           /* committer thread only */
    core_store_commit_hook hook; /* set before writes begin */
    void *hook_ctx;
    _Atomic uint64_t last_seq; /* highest durable sequence number */
    _Atomic uint64_t writes, groups, failed_groups, queue_depth;

    /* background compactions of key ranges (core_store_compact_later) */
    pthread_mutex_t cmu;
    pthread_cond_t ccv;
    struct compact_job *jobs;               /* queued, guarded by cmu */
    bool compactor_started, compactor_stop; /* guarded by cmu */
    pthread_t compactor;
    _Atomic uint64_t compactions_done;
    _Atomic bool compactor_stopping; /* close has begun: wait for no write any more */
    _Atomic int64_t idem_swept_at;   /* last core_store_idem_sweep that ran (Unix seconds) */
};

typedef struct compact_job {
    struct compact_job *next;
    core_cf cf;
    char *from, *to; /* malloc'd; NULL = open end */
    size_t from_len, to_len;
    uint64_t after_seq; /* run once the change log is durable up to here */
} compact_job;

struct core_txn {
    core_store *s;
    rocksdb_writebatch_wi_t *wb;
    core_commit *c;
    core_arena arena;
    int64_t now;
};

struct core_iter {
    rocksdb_iterator_t *it;
    rocksdb_readoptions_t *ropts;
    char *prefix;
    size_t prefix_len;
    bool started;
};

static void set_err(char **errmsg, const char *what, const char *detail)
{
    if (errmsg == NULL)
        return;
    size_t n = strlen(what) + (detail ? strlen(detail) : 0) + 3;
    *errmsg = malloc(n);
    if (*errmsg != NULL)
        snprintf(*errmsg, n, "%s%s%s", what, detail ? ": " : "", detail ? detail : "");
}

static int mkdir_p(const char *path)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof(buf))
        return -1;
    memcpy(buf, path, n + 1);
    for (char *p = buf + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0700) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    }
    return mkdir(buf, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

static void *committer_main(void *arg);

static uint64_t read_last_seq(core_store *s)
{
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(s->db, s->ropts, s->cf[CORE_CF_LOG]);
    rocksdb_iter_seek_to_last(it);
    uint64_t seq = 0;
    if (rocksdb_iter_valid(it)) {
        size_t klen;
        const char *k = rocksdb_iter_key(it, &klen);
        if (klen == 8)
            seq = core_be64_read((const unsigned char *)k);
    }
    rocksdb_iter_destroy(it);
    return seq;
}

/* Records the schema version in a new store and refuses a store written by a newer one. */
static int check_schema(core_store *s, char **errmsg)
{
    char *err = NULL;
    size_t len;
    char *v = rocksdb_get_cf(s->db, s->ropts, s->cf[CORE_CF_META], "schema", 6, &len, &err);
    if (err != NULL) {
        set_err(errmsg, "cannot read the store's schema version", err);
        rocksdb_free(err);
        return CORE_EIO;
    }
    if (v == NULL) {
        unsigned char b[8];
        core_be64(CORE_STORE_SCHEMA, b);
        rocksdb_put_cf(s->db, s->wopts, s->cf[CORE_CF_META], "schema", 6, (char *)b, 8, &err);
        if (err != NULL) {
            set_err(errmsg, "cannot write the store's schema version", err);
            rocksdb_free(err);
            return CORE_EIO;
        }
        return 0;
    }
    uint64_t ver = len == 8 ? core_be64_read((unsigned char *)v) : UINT64_MAX;
    rocksdb_free(v);
    if (ver > CORE_STORE_SCHEMA) {
        set_err(errmsg, "the store was written by a newer eccpd (schema version too high)", NULL);
        return CORE_EINTERNAL;
    }
    return 0;
}

int core_store_open(const char *dir, core_store **out, char **errmsg)
{
    char *err = NULL;
    char **existing = NULL;
    size_t nexisting = 0;
    const char **names = NULL;
    const rocksdb_options_t **cfopts = NULL;
    int rc = CORE_EIO;
    core_store *s = calloc(1, sizeof(*s));
    if (s == NULL)
        core_oom();
    if (mkdir_p(dir) != 0) {
        set_err(errmsg, "cannot create the store directory", strerror(errno));
        goto Error;
    }
    s->opts = rocksdb_options_create();
    rocksdb_options_set_create_if_missing(s->opts, 1);
    rocksdb_options_set_create_missing_column_families(s->opts, 1);
    rocksdb_options_increase_parallelism(s->opts, 2);
    rocksdb_options_set_compression(s->opts, rocksdb_lz4_compression);
    /* With several column families the oldest WAL file lives until every family that has
     * data in it flushes, and a quiet family (meta, idem) may not flush for a long time:
     * by default RocksDB lets the WAL grow to 4x the families' memtables (3 GB here) before
     * forcing those flushes. A bound keeps disk use and crash-recovery time small. */
    rocksdb_options_set_max_total_wal_size(s->opts, 256u << 20);
    /* A full disk must cost a 503, not the process. RocksDB's own info log (the LOG file)
     * sits on the same disk; once one of its appends fails with ENOSPC its file writer
     * remembers the error, and the next line logged (the free-space poller logs one every
     * 5 s while the disk is full) trips an assertion that Debian's build (7.8) keeps:
     * WritableFileWriter::AssertFalseAndGetStatusForPrevError, `sync_without_flush_called_`,
     * and the server aborts. The C API of 7.8 cannot install another logger, so the log
     * is kept at the header level: the LOG file stays empty at run time. The
     * store's own failures are reported by the server (store write failed: ...), and a
     * write refused while RocksDB holds a background error answers 503 until RocksDB's own
     * recovery clears it (its free-space poller, every 5 s, resumes the database once
     * 64 MiB are free: a flush and a new WAL; test_api_faults, "disk full"). */
    rocksdb_options_set_info_log_level(s->opts, 5 /* HEADER_LEVEL */);
    s->ropts = rocksdb_readoptions_create();
    s->wopts = rocksdb_writeoptions_create();
    rocksdb_writeoptions_set_sync(s->wopts, 1);

    /* RocksDB must be opened with every family it has: list them, add ours. */
    existing = rocksdb_list_column_families(s->opts, dir, &nexisting, &err);
    if (err != NULL) { /* a new store has no families yet (the empty list is still ours) */
        rocksdb_free(err);
        err = NULL;
        if (existing != NULL)
            rocksdb_list_column_families_destroy(existing, 0);
        existing = NULL;
        nexisting = 0;
    }
    size_t cap = nexisting + CORE_CF__COUNT + 1;
    names = calloc(cap, sizeof(*names));
    cfopts = calloc(cap, sizeof(*cfopts));
    s->all_cf = calloc(cap, sizeof(*s->all_cf));
    if (names == NULL || cfopts == NULL || s->all_cf == NULL)
        core_oom();
    size_t n = 0;
    names[n++] = "default";
    for (int i = 0; i < CORE_CF__COUNT; i++)
        names[n++] = cf_names[i];
    for (size_t i = 0; i < nexisting; i++) {
        bool known = false;
        for (size_t j = 0; j < n && !known; j++)
            known = strcmp(existing[i], names[j]) == 0;
        if (!known)
            names[n++] = existing[i];
    }
    /* Attachments (up to megabytes each) go to blob files: the LSM holds only small
     * references, so compactions do not rewrite the bytes again and again. */
    s->blob_opts = rocksdb_options_create_copy(s->opts);
    rocksdb_options_set_enable_blob_files(s->blob_opts, 1);
    rocksdb_options_set_min_blob_size(s->blob_opts, 4096);
    rocksdb_options_set_enable_blob_gc(s->blob_opts, 1);
    for (size_t i = 0; i < n; i++)
        cfopts[i] = i == 1 + CORE_CF_ATTACHMENTS ? s->blob_opts : s->opts;
    s->db = rocksdb_open_column_families(s->opts, dir, (int)n, names, cfopts, s->all_cf, &err);
    if (err != NULL) {
        set_err(errmsg, "cannot open the store", err);
        rocksdb_free(err);
        s->db = NULL;
        goto Error;
    }
    s->all_cf_count = n;
    for (int i = 0; i < CORE_CF__COUNT; i++)
        s->cf[i] = s->all_cf[i + 1];
    if ((rc = check_schema(s, errmsg)) != 0)
        goto Error;

    s->next_seq = read_last_seq(s) + 1;
    atomic_store(&s->last_seq, s->next_seq - 1);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    pthread_mutex_init(&s->cmu, NULL);
    pthread_cond_init(&s->ccv, NULL);
    if (pthread_create(&s->committer, NULL, committer_main, s) != 0) {
        set_err(errmsg, "cannot start the committer thread", NULL);
        rc = CORE_EINTERNAL;
        goto Error;
    }
    if (existing != NULL)
        rocksdb_list_column_families_destroy(existing, nexisting);
    free(names);
    free(cfopts);
    *out = s;
    return 0;

Error:
    if (existing != NULL)
        rocksdb_list_column_families_destroy(existing, nexisting);
    free(names);
    free(cfopts);
    if (s->db != NULL) {
        for (size_t i = 0; i < s->all_cf_count; i++)
            rocksdb_column_family_handle_destroy(s->all_cf[i]);
        rocksdb_close(s->db);
    }
    free(s->all_cf);
    if (s->opts)
        rocksdb_options_destroy(s->opts);
    if (s->blob_opts)
        rocksdb_options_destroy(s->blob_opts);
    if (s->ropts)
        rocksdb_readoptions_destroy(s->ropts);
    if (s->wopts)
        rocksdb_writeoptions_destroy(s->wopts);
    free(s);
    return rc;
}

/* Writes the memtables out to table files, so that the next open has no write-ahead log
 * to replay: after an import of 380,000 records that log is 230 MB, and replaying it took
 * two seconds of the next start. Everything is durable already; a failure only leaves
 * that replay to the next open. */
static void flush_memtables(core_store *s)
{
    rocksdb_flushoptions_t *fo = rocksdb_flushoptions_create();
    rocksdb_flushoptions_set_wait(fo, 1);
    for (size_t i = 0; i < s->all_cf_count; i++) {
        char *err = NULL;
        rocksdb_flush_cf(s->db, fo, s->all_cf[i], &err);
        if (err != NULL) {
            fprintf(stderr,
                    "eccpd: the store could not flush at close (%s); the next start "
                    "replays its log\n",
                    err);
            rocksdb_free(err);
            break;
        }
    }
    rocksdb_flushoptions_destroy(fo);
}

void core_store_compact(core_store *s)
{
    for (size_t i = 0; i < CORE_CF__COUNT; i++)
        rocksdb_compact_range_cf(s->db, s->cf[i], NULL, 0, NULL, 0);
}

/* Compacts [from, to) of cf down to the last level, the bottommost files rewritten too, so
 * a deleted value leaves every file. Every family's memtable is flushed first: the write
 * ahead log that still holds the old values becomes obsolete and RocksDB removes it. */
static void compact_now(core_store *s, const compact_job *j)
{
    flush_memtables(s);
    rocksdb_compactoptions_t *o = rocksdb_compactoptions_create();
    rocksdb_compactoptions_set_bottommost_level_compaction(o, 2 /* kForce */);
    rocksdb_compact_range_cf_opt(s->db, s->cf[j->cf], o, j->from, j->from_len, j->to, j->to_len);
    rocksdb_compactoptions_destroy(o);
}

static void *compactor_main(void *arg)
{
    core_store *s = arg;
    pthread_mutex_lock(&s->cmu);
    for (;;) {
        while (s->jobs == NULL && !s->compactor_stop)
            pthread_cond_wait(&s->ccv, &s->cmu);
        if (s->jobs == NULL)
            break; /* stopping, and everything queued is done */
        compact_job *j = s->jobs;
        s->jobs = j->next;
        pthread_mutex_unlock(&s->cmu);
        /* the write that deleted the values is queued at most: wait until it is durable
         * (a group that failed gives its numbers back; later writes reach it then) */
        for (int i = 0; atomic_load(&s->last_seq) < j->after_seq &&
                        !atomic_load(&s->compactor_stopping) && i < 60000;
             i++)
            nanosleep(&(struct timespec){0, 5 * 1000 * 1000}, NULL);
        compact_now(s, j);
        atomic_fetch_add(&s->compactions_done, 1);
        free(j->from), free(j->to), free(j);
        pthread_mutex_lock(&s->cmu);
    }
    pthread_mutex_unlock(&s->cmu);
    return NULL;
}

static char *dup_slice(core_slice k)
{
    if (k.len == 0)
        return NULL;
    char *p = malloc(k.len);
    if (p == NULL)
        core_oom();
    memcpy(p, k.ptr, k.len);
    return p;
}

void core_store_compact_later(core_store *s, core_cf cf, core_slice from, core_slice to,
                              uint64_t after_seq)
{
    compact_job *j = calloc(1, sizeof(*j));
    if (j == NULL)
        core_oom();
    j->cf = cf;
    j->from = dup_slice(from), j->from_len = from.len;
    j->to = dup_slice(to), j->to_len = to.len;
    j->after_seq = after_seq;
    pthread_mutex_lock(&s->cmu);
    if (!s->compactor_started && !s->compactor_stop) {
        if (pthread_create(&s->compactor, NULL, compactor_main, s) == 0) {
            s->compactor_started = true;
        } else { /* no thread: the next clean close compacts it */
            fprintf(stderr, "eccpd: cannot start the compaction thread; compacting at close\n");
        }
    }
    compact_job **tail = &s->jobs;
    while (*tail != NULL)
        tail = &(*tail)->next;
    *tail = j;
    pthread_cond_signal(&s->ccv);
    pthread_mutex_unlock(&s->cmu);
}

uint64_t core_store_compactions_done(core_store *s)
{
    return atomic_load(&s->compactions_done);
}

/* Stops the compaction thread once every queued range is done (or does them here). */
static void stop_compactor(core_store *s)
{
    atomic_store(&s->compactor_stopping, true);
    pthread_mutex_lock(&s->cmu);
    s->compactor_stop = true;
    bool started = s->compactor_started;
    pthread_cond_signal(&s->ccv);
    pthread_mutex_unlock(&s->cmu);
    if (started)
        pthread_join(s->compactor, NULL);
    while (s->jobs != NULL) {
        compact_job *j = s->jobs;
        s->jobs = j->next;
        compact_now(s, j);
        atomic_fetch_add(&s->compactions_done, 1);
        free(j->from), free(j->to), free(j);
    }
    pthread_mutex_destroy(&s->cmu);
    pthread_cond_destroy(&s->ccv);
}

void core_store_close(core_store *s)
{
    if (s == NULL)
        return;
    pthread_mutex_lock(&s->mu);
    s->closing = true;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->committer, NULL);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    stop_compactor(s);
    flush_memtables(s);
    for (size_t i = 0; i < s->all_cf_count; i++)
        rocksdb_column_family_handle_destroy(s->all_cf[i]);
    rocksdb_close(s->db);
    free(s->all_cf);
    rocksdb_options_destroy(s->opts);
    rocksdb_options_destroy(s->blob_opts);
    rocksdb_readoptions_destroy(s->ropts);
    rocksdb_writeoptions_destroy(s->wopts);
    free(s);
}

int core_store_get(core_store *s, core_cf cf, core_slice key, core_arena *a, core_slice *val)
{
    char *err = NULL;
    rocksdb_pinnableslice_t *p =
        rocksdb_get_pinned_cf(s->db, s->ropts, s->cf[cf], key.ptr, key.len, &err);
    if (err != NULL) {
        rocksdb_free(err);
        return CORE_EIO;
    }
    if (p == NULL)
        return CORE_ENOTFOUND;
    size_t len;
    const char *v = rocksdb_pinnableslice_value(p, &len);
    *val = (core_slice){core_arena_strndup(a, v, len), len};
    rocksdb_pinnableslice_destroy(p);
    return 0;
}

core_iter *core_store_iter_prefix(core_store *s, core_cf cf, core_slice prefix)
{
    core_iter *it = calloc(1, sizeof(*it));
    if (it == NULL)
        core_oom();
    it->prefix = malloc(prefix.len + 1);
    if (it->prefix == NULL)
        core_oom();
    memcpy(it->prefix, prefix.ptr, prefix.len);
    it->prefix_len = prefix.len;
    it->ropts = rocksdb_readoptions_create();
    it->it = rocksdb_create_iterator_cf(s->db, it->ropts, s->cf[cf]);
    rocksdb_iter_seek(it->it, prefix.ptr, prefix.len);
    return it;
}

core_iter *core_store_iter_log(core_store *s, uint64_t from)
{
    unsigned char k[8];
    core_be64(from, k);
    core_iter *it = core_store_iter_prefix(s, CORE_CF_LOG, (core_slice){"", 0});
    rocksdb_iter_seek(it->it, (const char *)k, 8);
    return it;
}

bool core_iter_next(core_iter *it, core_slice *key, core_slice *val)
{
    if (it->started)
        rocksdb_iter_next(it->it);
    it->started = true;
    if (!rocksdb_iter_valid(it->it))
        return false;
    size_t klen, vlen;
    const char *k = rocksdb_iter_key(it->it, &klen);
    if (klen < it->prefix_len || memcmp(k, it->prefix, it->prefix_len) != 0)
        return false;
    const char *v = rocksdb_iter_value(it->it, &vlen);
    *key = (core_slice){k, klen};
    *val = (core_slice){v, vlen};
    return true;
}

void core_iter_free(core_iter *it)
{
    if (it == NULL)
        return;
    rocksdb_iter_destroy(it->it);
    rocksdb_readoptions_destroy(it->ropts);
    free(it->prefix);
    free(it);
}

uint64_t core_store_last_seq(core_store *s)
{
    return atomic_load(&s->last_seq);
}

/* ---- the committer ---- */

void core_store_submit(core_store *s, core_commit *c)
{
    c->rc = 0;
    c->seq = 0;
    c->replayed = c->idem_mismatch = false;
    c->replay = NULL;
    c->replay_len = 0;
    c->next_ = NULL;
    pthread_mutex_lock(&s->mu);
    if (s->closing) {
        pthread_mutex_unlock(&s->mu);
        c->rc = CORE_EUNAVAILABLE;
        c->done(c);
        return;
    }
    if (s->tail != NULL)
        s->tail->next_ = c;
    else
        s->head = c;
    s->tail = c;
    s->queued++;
    atomic_store_explicit(&s->queue_depth, s->queued, memory_order_relaxed);
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

/* Idempotency records: 8-byte big-endian time (Unix seconds of the write), 1-byte
 * fingerprint length, fingerprint, then the stored response. */

/* The clock idempotency entries age by (moved in tests as other time-based rules are). */
static int64_t idem_now(int64_t now)
{
    return now + core_fault_clock_skew();
}

/* Whether the entry v (len bytes) is readable and younger than CORE_IDEM_TTL at now. */
static bool idem_live(const char *v, size_t len, int64_t now)
{
    if (len < 9 || len < 9 + (size_t)(unsigned char)v[8])
        return false;
    int64_t at = (int64_t)core_be64_read((const unsigned char *)v);
    return idem_now(now) < at + CORE_IDEM_TTL;
}

bool core_store_idem_live(core_store *s, core_slice key)
{
    char *err = NULL;
    size_t len;
    char *v = rocksdb_get_cf(s->db, s->ropts, s->cf[CORE_CF_IDEM], key.ptr, key.len, &len, &err);
    if (err != NULL) {
        rocksdb_free(err);
        return false;
    }
    bool live = v != NULL && idem_live(v, len, time(NULL));
    rocksdb_free(v);
    return live;
}

static bool idem_lookup(core_txn *t, core_commit *c)
{
    char *err = NULL;
    size_t len;
    char *v = rocksdb_writebatch_wi_get_from_batch_and_db_cf(
        t->wb, t->s->db, t->s->ropts, t->s->cf[CORE_CF_IDEM], c->idem_key.ptr, c->idem_key.len,
        &len, &err);
    if (err != NULL) {
        rocksdb_free(err);
        c->rc = CORE_EIO;
        return true;
    }
    if (v == NULL)
        return false;
    if (!idem_live(v, len, t->now)) {
        rocksdb_free(v);
        return false; /* unreadable or expired: treat as absent and overwrite */
    }
    size_t fplen = (unsigned char)v[8];
    if (fplen != c->idem_fingerprint.len || memcmp(v + 9, c->idem_fingerprint.ptr, fplen) != 0) {
        c->idem_mismatch = true;
        c->rc = CORE_EINVALID;
    } else {
        c->replayed = true;
        c->replay_len = len - 9 - fplen;
        c->replay = malloc(c->replay_len + 1);
        if (c->replay == NULL)
            core_oom();
        memcpy(c->replay, v + 9 + fplen, c->replay_len);
        c->replay[c->replay_len] = '\0';
    }
    rocksdb_free(v);
    return true;
}

void core_txn_set_response(core_txn *t, const char *bytes, size_t len)
{
    core_commit *c = t->c;
    if (c->idem_key.len == 0)
        return;
    size_t fplen = c->idem_fingerprint.len > 255 ? 255 : c->idem_fingerprint.len;
    size_t n = 9 + fplen + len;
    char *buf = core_arena_alloc(&t->arena, n);
    core_be64((uint64_t)idem_now(t->now), (unsigned char *)buf);
    buf[8] = (char)fplen;
    memcpy(buf + 9, c->idem_fingerprint.ptr, fplen);
    memcpy(buf + 9 + fplen, bytes, len);
    core_txn_put(t, CORE_CF_IDEM, c->idem_key, (core_slice){buf, n});
}

static void run_group(core_store *s, core_commit *group)
{
    core_txn t = {.s = s, .wb = rocksdb_writebatch_wi_create(0, 1), .now = time(NULL)};
    core_arena_init(&t.arena);
    uint64_t group_first_seq = s->next_seq;
    size_t applied = 0;
    for (core_commit *c = group; c != NULL; c = c->next_) {
        t.c = c;
        c->seq_first_ = s->next_seq;
        if (c->idem_key.len > 0 && idem_lookup(&t, c))
            continue;
        rocksdb_writebatch_wi_set_save_point(t.wb);
        c->rc = c->fn(&t, c->arg);
        if (c->rc != 0) {
            char *err = NULL;
            rocksdb_writebatch_wi_rollback_to_save_point(t.wb, &err);
            if (err != NULL) { /* cannot happen with a save point set just above */
                rocksdb_free(err);
                abort();
            }
            s->next_seq = c->seq_first_;
        } else {
            c->seq = s->next_seq > c->seq_first_ ? s->next_seq - 1 : 0;
            applied++;
        }
        core_arena_dispose(&t.arena);
    }

    int io_rc = 0;
    if (applied > 0) {
        if (core_fault("store.internal")) {
            io_rc = CORE_EINTERNAL;
        } else if (core_fault("store.write") || core_fault("store.sync")) {
            /* Both points are checked before the single synced write, so an injected
             * failure writes nothing, exactly like a failed WAL append. */
            io_rc = CORE_EIO;
        } else {
            char *err = NULL;
            rocksdb_write_writebatch_wi(s->db, s->wopts, t.wb, &err);
            if (err != NULL) {
                fprintf(stderr, "eccpd: store write failed: %s\n", err);
                rocksdb_free(err);
                io_rc = CORE_EIO;
            }
        }
    }
    if (io_rc != 0) {
        s->next_seq = group_first_seq;
        atomic_fetch_add(&s->failed_groups, 1);
    } else if (applied > 0) {
        atomic_store(&s->last_seq, s->next_seq - 1);
        atomic_fetch_add(&s->groups, 1);
        atomic_fetch_add(&s->writes, applied);
        if (s->hook != NULL)
            s->hook(s->hook_ctx, s->next_seq - 1);
    }
    rocksdb_writebatch_wi_destroy(t.wb);
    core_arena_dispose(&t.arena);

    for (core_commit *c = group, *next; c != NULL; c = next) {
        next = c->next_; /* done may free c */
        if (io_rc != 0 && (c->rc == 0 || c->replayed)) {
            c->rc = io_rc; /* a replay may have come from this group's unwritten batch */
            c->seq = 0;
            c->replayed = false;
            free(c->replay);
            c->replay = NULL;
            c->replay_len = 0;
        }
        c->done(c);
    }
}

static void *committer_main(void *arg)
{
    core_store *s = arg;
    for (;;) {
        pthread_mutex_lock(&s->mu);
        while (s->head == NULL && !s->closing)
            pthread_cond_wait(&s->cv, &s->mu);
        if (s->head == NULL && s->closing) {
            pthread_mutex_unlock(&s->mu);
            return NULL;
        }
        core_commit *group = s->head, *last = group;
        size_t n = 1;
        while (last->next_ != NULL && n < STORE_MAX_GROUP) {
            last = last->next_;
            n++;
        }
        s->head = last->next_;
        if (s->head == NULL)
            s->tail = NULL;
        last->next_ = NULL;
        s->queued -= n;
        atomic_store_explicit(&s->queue_depth, s->queued, memory_order_relaxed);
        pthread_mutex_unlock(&s->mu);
        run_group(s, group);
    }
}

/* ---- transaction view ---- */

int core_txn_get(core_txn *t, core_cf cf, core_slice key, core_arena *a, core_slice *val)
{
    char *err = NULL;
    size_t len;
    char *v = rocksdb_writebatch_wi_get_from_batch_and_db_cf(
        t->wb, t->s->db, t->s->ropts, t->s->cf[cf], key.ptr, key.len, &len, &err);
    if (err != NULL) {
        rocksdb_free(err);
        return CORE_EIO;
    }
    if (v == NULL)
        return CORE_ENOTFOUND;
    *val = (core_slice){core_arena_strndup(a, v, len), len};
    rocksdb_free(v);
    return 0;
}

bool core_txn_exists(core_txn *t, core_cf cf, core_slice key)
{
    core_slice v;
    return core_txn_get(t, cf, key, &t->arena, &v) == 0;
}

void core_txn_put(core_txn *t, core_cf cf, core_slice key, core_slice val)
{
    rocksdb_writebatch_wi_put_cf(t->wb, t->s->cf[cf], key.ptr, key.len, val.ptr, val.len);
}

void core_txn_delete(core_txn *t, core_cf cf, core_slice key)
{
    rocksdb_writebatch_wi_delete_cf(t->wb, t->s->cf[cf], key.ptr, key.len);
}

core_iter *core_txn_iter_prefix(core_txn *t, core_cf cf, core_slice prefix)
{
    core_iter *it = calloc(1, sizeof(*it));
    if (it == NULL)
        core_oom();
    it->prefix = malloc(prefix.len + 1);
    if (it->prefix == NULL)
        core_oom();
    memcpy(it->prefix, prefix.ptr, prefix.len);
    it->prefix_len = prefix.len;
    it->ropts = rocksdb_readoptions_create();
    rocksdb_iterator_t *base = rocksdb_create_iterator_cf(t->s->db, it->ropts, t->s->cf[cf]);
    it->it = rocksdb_writebatch_wi_create_iterator_with_base_cf(t->wb, base, t->s->cf[cf]);
    rocksdb_iter_seek(it->it, prefix.ptr, prefix.len);
    return it;
}

uint64_t core_txn_log(core_txn *t, const char *kind, core_slice id, const char *op)
{
    uint64_t seq = t->s->next_seq++;
    core_value v = core_value_obj();
    core_value_set(&t->arena, &v, "kind", core_value_str_ref(kind, strlen(kind)));
    core_value_set(&t->arena, &v, "id", core_value_str_ref(id.ptr, id.len));
    core_value_set(&t->arena, &v, "op", core_value_str_ref(op, strlen(op)));
    core_value_set(&t->arena, &v, "at", core_value_int(t->now));
    char *buf;
    size_t len;
    if (core_value_to_msgpack(&v, &buf, &len) != 0)
        core_oom();
    unsigned char k[8];
    core_be64(seq, k);
    core_txn_put(t, CORE_CF_LOG, (core_slice){(const char *)k, 8}, (core_slice){buf, len});
    free(buf);
    return seq;
}

core_store *core_txn_store(core_txn *t)
{
    return t->s;
}

core_arena *core_txn_arena(core_txn *t)
{
    return &t->arena;
}

bool core_txn_no_mail(const core_txn *t)
{
    return t->c != NULL && t->c->no_mail;
}

int64_t core_txn_now(core_txn *t)
{
    return t->now;
}

/* ---- synchronous writes for tools ---- */

typedef struct sync_wait {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool finished;
} sync_wait;

static void sync_done(core_commit *c)
{
    sync_wait *w = c->user;
    pthread_mutex_lock(&w->mu);
    w->finished = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

int core_store_write_sync(core_store *s, core_txn_fn fn, void *arg, uint64_t *seq)
{
    sync_wait w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false};
    core_commit c = {.fn = fn, .arg = arg, .done = sync_done, .user = &w};
    core_store_submit(s, &c);
    pthread_mutex_lock(&w.mu);
    while (!w.finished)
        pthread_cond_wait(&w.cv, &w.mu);
    pthread_mutex_unlock(&w.mu);
    if (seq != NULL)
        *seq = c.seq;
    free(c.replay);
    return c.rc;
}

/* ---- expiry of idempotency entries ---- */

enum { IDEM_SWEEP_BATCH = 256, IDEM_SWEEP_EVERY = 3600 };

typedef struct idem_sweep {
    char *keys[IDEM_SWEEP_BATCH];
    size_t lens[IDEM_SWEEP_BATCH];
    size_t n, removed;
} idem_sweep;

/* Deletes the batch's entries that are still expired (one may have been written anew since
 * the scan saw it). */
static int idem_sweep_txn(core_txn *t, void *arg)
{
    idem_sweep *w = arg;
    for (size_t i = 0; i < w->n; i++) {
        core_slice k = {w->keys[i], w->lens[i]}, v;
        if (core_txn_get(t, CORE_CF_IDEM, k, &t->arena, &v) == 0 &&
            !idem_live(v.ptr, v.len, t->now)) {
            core_txn_delete(t, CORE_CF_IDEM, k);
            w->removed++;
        }
    }
    return 0;
}

static int idem_sweep_flush(core_store *s, idem_sweep *w)
{
    int rc = w->n > 0 ? core_store_write_sync(s, idem_sweep_txn, w, NULL) : 0;
    for (size_t i = 0; i < w->n; i++)
        free(w->keys[i]);
    w->n = 0;
    return rc;
}

long core_store_idem_sweep(core_store *s)
{
    int64_t now = time(NULL), last = atomic_load(&s->idem_swept_at);
    if (last != 0 && now < last + IDEM_SWEEP_EVERY)
        return 0;
    atomic_store(&s->idem_swept_at, now);
    idem_sweep w = {.n = 0};
    int rc = 0;
    /* the scan reads the committed view on the caller's thread; the committer only deletes
     * batches of keys already found, so writes wait at most one bounded batch */
    core_iter *it = core_store_iter_prefix(s, CORE_CF_IDEM, (core_slice){"", 0});
    core_slice k, v;
    while (rc == 0 && core_iter_next(it, &k, &v)) {
        if (idem_live(v.ptr, v.len, now))
            continue;
        w.keys[w.n] = malloc(k.len ? k.len : 1);
        if (w.keys[w.n] == NULL)
            core_oom();
        memcpy(w.keys[w.n], k.ptr, k.len);
        w.lens[w.n++] = k.len;
        if (w.n == IDEM_SWEEP_BATCH)
            rc = idem_sweep_flush(s, &w);
    }
    core_iter_free(it);
    if (rc == 0) /* a failed flush left no keys behind */
        rc = idem_sweep_flush(s, &w);
    return rc != 0 ? rc : (long)w.removed;
}

void core_store_set_commit_hook(core_store *s, core_store_commit_hook fn, void *ctx)
{
    s->hook = fn;
    s->hook_ctx = ctx;
}

/* ---- figures ---- */

static uint64_t prop(core_store *s, core_cf cf, const char *name)
{
    char *v = rocksdb_property_value_cf(s->db, s->cf[cf], name);
    if (v == NULL)
        return 0;
    uint64_t n = strtoull(v, NULL, 10);
    rocksdb_free(v);
    return n;
}

void core_store_get_stats(core_store *s, core_store_stats *out)
{
    memset(out, 0, sizeof(*out));
    out->last_seq = atomic_load(&s->last_seq);
    out->writes = atomic_load(&s->writes);
    out->groups = atomic_load(&s->groups);
    out->failed_groups = atomic_load(&s->failed_groups);
    out->queue_depth = atomic_load_explicit(&s->queue_depth, memory_order_relaxed);
    for (int i = 0; i < CORE_CF__COUNT; i++) {
        out->sst_bytes += prop(s, i, "rocksdb.total-sst-files-size");
        out->memtable_bytes += prop(s, i, "rocksdb.cur-size-all-mem-tables");
    }
    out->estimate_keys = prop(s, CORE_CF_RECORDS, "rocksdb.estimate-num-keys");
}

int core_store_checkpoint(core_store *s, const char *dest, char **errmsg)
{
    char *err = NULL;
    rocksdb_checkpoint_t *cp = rocksdb_checkpoint_object_create(s->db, &err);
    if (err == NULL)
        rocksdb_checkpoint_create(cp, dest, 0, &err);
    if (cp != NULL)
        rocksdb_checkpoint_object_destroy(cp);
    if (err != NULL) {
        set_err(errmsg, "checkpoint failed", err);
        rocksdb_free(err);
        return CORE_EIO;
    }
    return 0;
}
