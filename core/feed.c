/* feed.c: see feed.h. */
#include "core/feed.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "core/fault.h"
#include "core/hash.h"
#include "core/record.h"

enum { FEED_BATCH = 4096 }; /* entries applied between commits */

struct core_feed {
    core_store *store;
    core_feed_consumer *consumers;
    uint64_t *done; /* per consumer: what it had durably applied at start (skipped on replay) */
    size_t n;
    core_feed_visible_fn on_visible;
    void *ctx;
    _Atomic uint64_t visible;
    _Atomic int error;
    pthread_t thread;
    bool running, started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stopping, kicked; /* guarded by mu */
};

static void on_commit(void *ctx, uint64_t seq)
{
    core_feed *f = ctx;
    pthread_mutex_lock(&f->mu);
    f->kicked = true;
    pthread_cond_signal(&f->cv);
    pthread_mutex_unlock(&f->mu);
}

core_feed *core_feed_new(core_store *s, const core_feed_consumer *consumers, size_t n,
                         core_feed_visible_fn on_visible, void *ctx)
{
    core_feed *f = calloc(1, sizeof(*f));
    if (f == NULL || (f->consumers = calloc(n ? n : 1, sizeof(*consumers))) == NULL)
        core_oom();
    memcpy(f->consumers, consumers, n * sizeof(*consumers));
    if ((f->done = calloc(n ? n : 1, sizeof(*f->done))) == NULL)
        core_oom();
    f->n = n;
    f->store = s;
    f->on_visible = on_visible;
    f->ctx = ctx;
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->cv, NULL);
    uint64_t from = UINT64_MAX;
    for (size_t i = 0; i < n; i++) {
        uint64_t a = f->consumers[i].applied(f->consumers[i].ctx);
        f->done[i] = a;
        if (a < from)
            from = a;
    }
    atomic_store(&f->visible, n ? from : core_store_last_seq(s));
    return f;
}

/* One change-log entry of a batch. */
typedef struct feed_entry {
    uint64_t seq;
    const char *kind, *id, *op;
    bool superseded; /* the same record changes again later in the batch */
} feed_entry;

static uint64_t entry_hash(const char *kind, const char *id)
{
    uint64_t h = core_fnv1a_str(CORE_FNV1A_SEED, kind);
    h = core_fnv1a(h, "/", 1);
    return core_fnv1a_str(h, id);
}

/* Marks every entry whose record changes again later in the batch. Consumers apply the
 * record as it is now, so only the last change of each record needs applying: a profile
 * created, submitted and published in one batch is indexed once, not three times. */
static void mark_superseded(feed_entry *e, int n, core_arena *a)
{
    enum { SLOTS = 2 * FEED_BATCH }; /* a power of two, at most half full */
    int *slot = core_arena_alloc(a, SLOTS * sizeof(*slot));
    for (int i = 0; i < SLOTS; i++)
        slot[i] = -1;
    for (int i = n - 1; i >= 0; i--) {
        if (e[i].kind == NULL)
            continue;
        for (uint64_t h = entry_hash(e[i].kind, e[i].id);; h++) {
            int *s = &slot[h & (SLOTS - 1)];
            if (*s < 0) {
                *s = i;
                break;
            }
            if (strcmp(e[*s].id, e[i].id) == 0 && strcmp(e[*s].kind, e[i].kind) == 0) {
                e[i].superseded = true;
                break;
            }
        }
    }
}

/* Applies entries after `visible` up to FEED_BATCH of them; returns how many, or < 0. */
static int apply_batch(core_feed *f, uint64_t *last)
{
    /* Test hook: hold the feed back, as if the process died between the store's commit
     * and the index's. */
    if (core_fault("feed.stall"))
        return 0;
    uint64_t from = atomic_load(&f->visible) + 1;
    core_iter *it = core_store_iter_log(f->store, from);
    core_arena a;
    core_arena_init(&a);
    feed_entry *e = core_arena_alloc(&a, FEED_BATCH * sizeof(*e));
    core_slice k, v;
    int n = 0, rc = 0;
    while (n < FEED_BATCH && core_iter_next(it, &k, &v)) {
        feed_entry *x = &e[n++];
        memset(x, 0, sizeof(*x));
        x->seq = core_be64_read((const unsigned char *)k.ptr);
        core_value c;
        const char *why;
        if (core_value_from_msgpack(&a, v.ptr, v.len, &c, &why) != 0) {
            fprintf(stderr, "eccpd: change-log entry %llu is unreadable; skipped\n",
                    (unsigned long long)x->seq);
            continue;
        }
        x->kind = core_value_get_str(&c, "kind");
        x->id = core_value_get_str(&c, "id");
        x->op = core_value_get_str(&c, "op");
        if (x->id == NULL)
            x->kind = NULL; /* nothing to apply */
    }
    core_iter_free(it);
    mark_superseded(e, n, &a);
    for (int j = 0; j < n && rc == 0; j++) {
        if (e[j].kind == NULL || e[j].superseded)
            continue;
        core_value rec;
        const core_value *recp = NULL;
        int grc = core_record_get(f->store, e[j].kind, e[j].id, &a, &rec);
        if (grc == 0)
            recp = &rec;
        else if (grc != CORE_ENOTFOUND) {
            rc = grc;
            break;
        }
        /* a consumer that already has this change (an index on disk) is not given it again
         * while another (the matcher's tables in memory) replays the log */
        for (size_t i = 0; i < f->n && rc == 0; i++)
            if (e[j].seq > f->done[i])
                rc = f->consumers[i].apply(f->consumers[i].ctx, f->store, e[j].kind, e[j].id,
                                           e[j].op, recp, &a);
    }
    if (n > 0)
        *last = e[n - 1].seq;
    if (rc == 0 && n > 0)
        for (size_t i = 0; i < f->n && rc == 0; i++)
            rc = f->consumers[i].commit(f->consumers[i].ctx, *last);
    core_arena_dispose(&a);
    if (rc != 0) {
        /* Logged once per outage; /readyz fails meanwhile. Writes waiting to be visible are
         * released (they are durable; search shows them once the feed goes on). */
        if (atomic_exchange(&f->error, rc) == 0)
            fprintf(stderr, "eccpd: the change-log feed stopped: %s; retrying each second\n",
                    core_strerror(rc));
        if (f->on_visible != NULL)
            f->on_visible(f->ctx, atomic_load(&f->visible));
        return rc;
    }
    if (atomic_exchange(&f->error, 0) != 0)
        fprintf(stderr, "eccpd: the change-log feed goes on\n");
    if (n > 0) {
        atomic_store(&f->visible, *last);
        if (f->on_visible != NULL)
            f->on_visible(f->ctx, *last);
    }
    return n;
}

int core_feed_catch_up(core_feed *f)
{
    uint64_t target = core_store_last_seq(f->store), start = atomic_load(&f->visible), last = 0;
    bool talk = target - start > 20000;
    if (talk)
        fprintf(stderr, "eccpd: bringing the index up to date (%llu changes)\n",
                (unsigned long long)(target - start));
    bool tty = isatty(STDERR_FILENO) != 0;
    time_t shown = time(NULL);
    int n;
    while ((n = apply_batch(f, &last)) > 0) {
        uint64_t done = atomic_load(&f->visible) - start;
        if (!talk || (!tty && time(NULL) - shown < 5 && done < target - start))
            continue;
        fprintf(stderr,
                tty ? "\reccpd: %llu / %llu changes applied"
                    : "eccpd: %llu / %llu changes applied\n",
                (unsigned long long)done, (unsigned long long)(target - start));
        shown = time(NULL);
    }
    if (talk && tty)
        fputc('\n', stderr);
    return n < 0 ? n : 0;
}

static void *feed_main(void *arg)
{
    core_feed *f = arg;
    for (;;) {
        uint64_t last = 0;
        int n = apply_batch(f, &last);
        if (n == FEED_BATCH)
            continue; /* more is waiting */
        pthread_mutex_lock(&f->mu);
        if (f->stopping) { /* caught up with what was committed a moment ago */
            pthread_mutex_unlock(&f->mu);
            return NULL;
        }
        /* After a failed batch (the index could not commit: a failing or full disk) the
         * same batch is tried again a second later, kicks or not, until it goes through:
         * consumers apply the current state, so applying it twice does no harm. */
        if (!f->kicked || n < 0) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += 1;
            pthread_cond_timedwait(&f->cv, &f->mu, &ts);
        }
        f->kicked = false;
        pthread_mutex_unlock(&f->mu);
    }
}

int core_feed_start(core_feed *f)
{
    pthread_mutex_lock(&f->mu);
    f->stopping = false;
    pthread_mutex_unlock(&f->mu);
    core_store_set_commit_hook(f->store, on_commit, f);
    if (pthread_create(&f->thread, NULL, feed_main, f) != 0)
        return CORE_EINTERNAL;
    f->running = true;
    f->started = true;
    return 0;
}

void core_feed_pause(core_feed *f)
{
    if (!f->running)
        return;
    pthread_mutex_lock(&f->mu);
    f->stopping = true;
    pthread_cond_signal(&f->cv);
    pthread_mutex_unlock(&f->mu);
    pthread_join(f->thread, NULL);
    f->running = false;
}

void core_feed_set_consumers(core_feed *f, const core_feed_consumer *consumers, size_t n)
{
    free(f->consumers);
    free(f->done);
    if ((f->consumers = calloc(n ? n : 1, sizeof(*consumers))) == NULL ||
        (f->done = calloc(n ? n : 1, sizeof(*f->done))) == NULL)
        core_oom();
    memcpy(f->consumers, consumers, n * sizeof(*consumers));
    f->n = n; /* all of them have everything up to the visible sequence number */
}

void core_feed_free(core_feed *f)
{
    if (f == NULL)
        return;
    core_feed_pause(f);
    if (f->started) /* only a started feed installed the hook */
        core_store_set_commit_hook(f->store, NULL, NULL);
    pthread_mutex_destroy(&f->mu);
    pthread_cond_destroy(&f->cv);
    free(f->consumers);
    free(f->done);
    free(f);
}

uint64_t core_feed_visible(const core_feed *f)
{
    return atomic_load(&((core_feed *)f)->visible);
}

int core_feed_error(const core_feed *f)
{
    return atomic_load(&((core_feed *)f)->error);
}
