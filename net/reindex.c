/* reindex.c: see reindex.h. */
#include "net/reindex.h"

#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "net/control.h"

static pthread_t reindex_thread;
static _Atomic bool reindex_running;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void rm_rf(const char *path)
{
    nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

typedef struct progress_ctx {
    const char *data;
    time_t started;
} progress_ctx;

static void on_progress(void *ctx, uint64_t done)
{
    progress_ctx *p = ctx;
    net_control_status(p->data, "reindex", "running %llu records read in %llds",
                       (unsigned long long)done, (long long)(time(NULL) - p->started));
}

/* Builds DIR/index.new up to date with the store (but for the last moments). */
static int build_new(core_store *store, const char *data, char *newdir, size_t len)
{
    snprintf(newdir, len, "%s/index.new", data);
    rm_rf(newdir); /* a leftover of an interrupted rebuild */
    progress_ctx p = {data, time(NULL)};
    uint64_t seq;
    int rc = index_rebuild(store, newdir, on_progress, &p, &seq);
    if (rc != 0)
        net_control_status(data, "reindex", "failed building the new index: %s", core_strerror(rc));
    return rc;
}

/* Applies the change log after the build's snapshot to the index in dir. */
static int catch_up(core_store *store, const char *dir)
{
    index_writer *w;
    index_writer_options o = {0};
    if (index_writer_open(dir, &o, &w) != 0)
        return CORE_EIO;
    index_records *x = index_records_new(w);
    core_feed_consumer c = index_records_consumer(x);
    core_feed *f = core_feed_new(store, &c, 1, NULL, NULL);
    int rc = core_feed_catch_up(f);
    core_feed_free(f);
    index_records_free(x);
    index_writer_close(w);
    return rc;
}

/* Moves DIR/index.new to DIR/index, keeping the old one until the move is done. */
static int swap_dirs(const char *data)
{
    char live[4096], fresh[4096], old[4096];
    snprintf(live, sizeof(live), "%s/index", data);
    snprintf(fresh, sizeof(fresh), "%s/index.new", data);
    snprintf(old, sizeof(old), "%s/index.old", data);
    rm_rf(old);
    if (rename(live, old) != 0 && errno != ENOENT)
        return CORE_EIO;
    if (rename(fresh, live) != 0) {
        rename(old, live);
        return CORE_EIO;
    }
    rm_rf(old);
    return 0;
}

int net_reindex_offline(core_store *store, const char *data)
{
    char newdir[4096];
    int rc = build_new(store, data, newdir, sizeof(newdir));
    if (rc == 0)
        rc = catch_up(store, newdir);
    if (rc == 0)
        rc = swap_dirs(data);
    if (rc != 0)
        rm_rf(newdir);
    else
        net_control_status(data, "reindex", "done");
    return rc;
}

static void *reindex_main(void *arg)
{
    net_server *s = arg;
    const char *data = s->opt.data_dir;
    time_t started = time(NULL);
    char newdir[4096];
    fprintf(stderr, "eccpd: rebuilding the search index from the store\n");
    int rc = build_new(s->store, data, newdir, sizeof(newdir));
    if (rc == 0)
        rc = catch_up(s->store, newdir); /* while the live feed goes on */
    if (rc == 0) {
        /* The last changes and the swap happen with the feed paused: searches keep the old
         * index's readers until they see the new generation. */
        core_feed_pause(s->feed);
        rc = catch_up(s->store, newdir);
        if (rc == 0) {
            index_writer_close(s->index);
            s->index = NULL;
            rc = swap_dirs(data);
            char live[4096];
            snprintf(live, sizeof(live), "%s/index", data);
            index_writer_options o = {0};
            if (index_writer_open(live, &o, &s->index) != 0) {
                fprintf(stderr, "eccpd: cannot reopen the index after the rebuild: %s\n",
                        index_last_error());
                abort(); /* nothing sensible is left to serve from; a restart rebuilds */
            }
            index_records_free(s->indexer);
            s->indexer = index_records_new(s->index);
            s->consumers[0] = index_records_consumer(s->indexer);
            core_feed_set_consumers(s->feed, s->consumers, s->nconsumers);
            atomic_fetch_add(&s->index_generation, 1);
        }
        core_feed_start(s->feed);
    }
    if (rc == 0) {
        net_control_status(data, "reindex", "done in %llds", (long long)(time(NULL) - started));
        fprintf(stderr, "eccpd: the search index was rebuilt in %llds\n",
                (long long)(time(NULL) - started));
    } else {
        rm_rf(newdir);
        net_control_status(data, "reindex", "failed: %s", core_strerror(rc));
        fprintf(stderr, "eccpd: rebuilding the search index failed: %s\n", core_strerror(rc));
    }
    atomic_store(&reindex_running, false);
    return NULL;
}

void net_reindex_start(net_server *s)
{
    if (atomic_exchange(&reindex_running, true)) {
        fprintf(stderr, "eccpd: a rebuild of the index is already running\n");
        return;
    }
    net_reindex_wait(s); /* join a finished earlier one */
    net_control_status(s->opt.data_dir, "reindex", "running 0 records read in 0s");
    if (pthread_create(&reindex_thread, NULL, reindex_main, s) != 0) {
        atomic_store(&reindex_running, false);
        net_control_status(s->opt.data_dir, "reindex", "failed: no thread");
    }
}

void net_reindex_wait(net_server *s)
{
    (void)s; /* only the signal thread starts and joins rebuilds */
    if (reindex_thread != 0) {
        pthread_join(reindex_thread, NULL);
        reindex_thread = 0;
    }
}
