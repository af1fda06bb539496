/*
 * store.h: the RocksDB store, source of truth for every record.
 *
 * Column families: records (kind:id -> encoded record), keys (secondary keys -> id),
 * log (change log: big-endian sequence number -> {kind, id, op}), idem (idempotency keys
 * -> first response), outbox (messages to deliver), meta (schema version and settings),
 * attachments (uploaded files' bytes; large values in RocksDB blob files, off the LSM).
 *
 * Writes: every logical write is a function (core_txn_fn) that runs on the single
 * committer thread against a transaction view (the database plus the writes of its group
 * so far), so writes are serialisable without locks and uniqueness checks cannot race.
 * The committer groups whatever is queued into one WriteBatch, writes it with sync=true
 * (one WAL fsync per group: group commit) and then reports each write through its `done`
 * callback. A write whose function fails is rolled back to its save point and leaves no
 * trace; a group whose write or sync fails reports CORE_EIO for all its writes and
 * writes nothing. The change-log sequence numbers a group used are given back then, so
 * the log stays gapless.
 *
 * Reads: any thread, directly from RocksDB; they see committed data.
 */
#ifndef ECCPD_CORE_STORE_H
#define ECCPD_CORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"

typedef struct core_store core_store;
typedef struct core_txn core_txn;
typedef struct core_iter core_iter;

typedef enum core_cf {
    CORE_CF_RECORDS,
    CORE_CF_KEYS,
    CORE_CF_LOG,
    CORE_CF_IDEM,
    CORE_CF_OUTBOX,
    CORE_CF_META,
    CORE_CF_ATTACHMENTS, /* attachment bytes, kept in blob files (core/attachment.h) */
    CORE_CF__COUNT
} core_cf;

/* The store's on-disk schema version, kept in meta; a newer one refuses to open. */
enum { CORE_STORE_SCHEMA = 1 };

/* Opens (creating if missing) the store in dir. On failure returns a negative code and, if
 * errmsg is not NULL, a malloc'd message the caller frees. Starts the committer thread. */
int core_store_open(const char *dir, core_store **out, char **errmsg);
/* Compacts every family in full, so deleted and overwritten values leave the files. Slow on
 * a large store; any thread (tools). */
void core_store_compact(core_store *s);
/* Queues a compaction of the keys in [from, to] of cf (a 0-length bound: that end open) on a
 * background thread, started at the first call. Once the change log is durable up to
 * after_seq (the write that deleted the values, which may still be committing: a write
 * function may call it), every family's memtable is flushed (the
 * log holding old values becomes obsolete) and the files overlapping the range are
 * rewritten down to the last level, so values deleted or overwritten before the call leave
 * the files (an erasure's data). Any thread; returns at once. core_store_close does what is
 * still queued before it closes. */
void core_store_compact_later(core_store *s, core_cf cf, core_slice from, core_slice to,
                              uint64_t after_seq);
enum { CORE_IDEM_TTL = 24 * 3600 }; /* seconds an Idempotency-Key's response is replayed */
/* Whether key has an idempotency entry that would still be replayed (committed view). */
bool core_store_idem_live(core_store *s, core_slice key);
/* Deletes the idempotency entries older than CORE_IDEM_TTL: scans the family on the
 * caller's thread and deletes in writes of a bounded batch. Runs at most once an hour (the
 * first call runs); other calls return 0 at once. Not on the committer or an event-loop
 * thread (it waits for its writes). The number deleted, or a negative code. */
long core_store_idem_sweep(core_store *s);
/* Background compactions finished since open (tests and /metrics). */
uint64_t core_store_compactions_done(core_store *s);
/* Finishes every queued write, stops the committer and closes RocksDB cleanly. */
void core_store_close(core_store *s);

/* Copies the value of key into the arena. 0, CORE_ENOTFOUND or CORE_EIO. */
int core_store_get(core_store *s, core_cf cf, core_slice key, core_arena *a, core_slice *val);

/* Iterates keys starting with prefix, in key order. The slices core_iter_next returns are
 * owned by the iterator and valid until the next call or core_iter_free. */
core_iter *core_store_iter_prefix(core_store *s, core_cf cf, core_slice prefix);
/* Iterates the change log from sequence number `from` (inclusive). */
core_iter *core_store_iter_log(core_store *s, uint64_t from);
bool core_iter_next(core_iter *it, core_slice *key, core_slice *val);
void core_iter_free(core_iter *it);

/* The highest change-log sequence number that is durable. */
uint64_t core_store_last_seq(core_store *s);

/* ---- writes ---- */

/* A logical write: runs on the committer thread. Returns 0 to commit its changes, or a
 * negative code to discard them (the code is reported to the caller). */
typedef int (*core_txn_fn)(core_txn *t, void *arg);

typedef struct core_commit core_commit;
struct core_commit {
    /* in */
    core_txn_fn fn;
    void *arg;
    core_slice idem_key;          /* optional Idempotency-Key scope+key; len 0 = none */
    core_slice idem_fingerprint;  /* digest of the request the key was sent with */
    void (*done)(core_commit *c); /* called once, on the committer thread */
    void *user;                   /* caller's context for done */
    bool no_mail;                 /* record notifications but queue no e-mail (generated
                                     data whose addresses are fictional) */
    /* out (valid in done) */
    int rc;             /* 0, the function's code, or CORE_EIO / CORE_EINTERNAL */
    uint64_t seq;       /* highest change-log sequence number this write used, or 0 */
    bool replayed;      /* an earlier write with this idempotency key answered */
    bool idem_mismatch; /* the key was used before with a different request */
    char *replay;       /* replayed: the stored response (malloc'd; done's owner frees) */
    size_t replay_len;
    /* private */
    core_commit *next_;
    uint64_t seq_first_;
};

/* Queues a write. c must stay valid until c->done has been called. Never blocks on I/O.
 * After core_store_close has begun, done is called at once with CORE_EUNAVAILABLE. */
void core_store_submit(core_store *s, core_commit *c);

/* Runs fn as a write and waits for it to be durable: for command-line tools and tests,
 * never for event-loop threads. Returns the write's rc; *seq (if not NULL) its sequence. */
int core_store_write_sync(core_store *s, core_txn_fn fn, void *arg, uint64_t *seq);

/* Inside a core_txn_fn: reads see the database plus this group's earlier writes. */
int core_txn_get(core_txn *t, core_cf cf, core_slice key, core_arena *a, core_slice *val);
bool core_txn_exists(core_txn *t, core_cf cf, core_slice key);
void core_txn_put(core_txn *t, core_cf cf, core_slice key, core_slice val);
void core_txn_delete(core_txn *t, core_cf cf, core_slice key);
/* Iterates keys starting with prefix as the write sees them (the database plus this group's
 * writes so far), in key order. Free it with core_iter_free before the write puts or
 * deletes anything (the batch must not change under it) and before its function returns.
 * Slices as for core_store_iter_prefix. */
core_iter *core_txn_iter_prefix(core_txn *t, core_cf cf, core_slice prefix);
/* Appends a change-log entry {kind, id, op} and returns its sequence number. */
uint64_t core_txn_log(core_txn *t, const char *kind, core_slice id, const char *op);
/* The response to remember under the write's idempotency key (copied). An entry answers
 * replays for CORE_IDEM_TTL seconds after its write; an older one counts as absent (the
 * write runs again and overwrites it) and core_store_idem_sweep deletes it. */
void core_txn_set_response(core_txn *t, const char *bytes, size_t len);
/* The store the write belongs to: its committed view, for iterations that need not see
 * this group's own writes (hints such as possible duplicates). */
core_store *core_txn_store(core_txn *t);
/* Scratch memory for the write; freed after its function returns. */
core_arena *core_txn_arena(core_txn *t);
/* True when the write being run asked for no e-mail (core_commit.no_mail). */
bool core_txn_no_mail(const core_txn *t);
/* The time the group started, in Unix seconds: one clock reading for a whole write. */
int64_t core_txn_now(core_txn *t);

/* Called on the committer thread after each group that wrote something is durable, with
 * the group's highest sequence number. Set before writes begin; one hook per store. */
typedef void (*core_store_commit_hook)(void *ctx, uint64_t last_seq);
void core_store_set_commit_hook(core_store *s, core_store_commit_hook fn, void *ctx);

/* ---- figures for /metrics ---- */
typedef struct core_store_stats {
    uint64_t last_seq;       /* highest durable change-log sequence number */
    uint64_t writes;         /* logical writes committed */
    uint64_t groups;         /* synced group commits (writes / groups = grouping factor) */
    uint64_t failed_groups;  /* groups whose write or sync failed */
    uint64_t queue_depth;    /* writes waiting for the committer now */
    uint64_t sst_bytes;      /* RocksDB's total SST file size */
    uint64_t memtable_bytes; /* RocksDB's memtable size */
    uint64_t estimate_keys;  /* RocksDB's estimate of live keys in records */
} core_store_stats;
void core_store_get_stats(core_store *s, core_store_stats *out);

/* Writes a consistent RocksDB checkpoint of the store into dest (which must not exist). */
int core_store_checkpoint(core_store *s, const char *dest, char **errmsg);

/* Encodes n as 8 big-endian bytes, so keys sort numerically. */
static inline void core_be64(uint64_t n, unsigned char out[8])
{
    for (int i = 7; i >= 0; i--, n >>= 8)
        out[i] = (unsigned char)n;
}

static inline uint64_t core_be64_read(const unsigned char in[8])
{
    uint64_t n = 0;
    for (int i = 0; i < 8; i++)
        n = (n << 8) | in[i];
    return n;
}

#endif
