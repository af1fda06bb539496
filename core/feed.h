/*
 * feed.h: following the change log into derived state (the search index, the matcher's
 * tables).
 *
 * One thread reads change-log entries in sequence order and hands each to every consumer
 * together with the record as it is now in the store (NULL when deleted). Since a
 * consumer applies the current state, replaying an entry twice does no harm, so after a
 * crash the feed simply restarts from the lowest sequence number any consumer has made
 * durable. After a batch, each consumer commits, and the feed publishes the new visible
 * sequence number: a write whose sequence is visible is reflected in search and matches
 * (read-your-writes is built on that).
 */
#ifndef ECCPD_CORE_FEED_H
#define ECCPD_CORE_FEED_H

#include <stdint.h>

#include "core/store.h"
#include "core/value.h"

typedef struct core_feed core_feed;

typedef struct core_feed_consumer {
    const char *name; /* for logs */
    void *ctx;
    /* The highest sequence number this consumer has made durable (read once at start). */
    uint64_t (*applied)(void *ctx);
    /* Applies one change. rec is the record now stored under kind/id, or NULL when it is
     * gone; a lives until the batch is committed. A negative return stops the batch: it is
     * logged, /readyz fails, and the batch is tried again each second until it goes
     * through (a storage fault that clears needs no restart). */
    int (*apply)(void *ctx, core_store *s, const char *kind, const char *id, const char *op,
                 const core_value *rec, core_arena *a);
    /* Makes every change applied so far visible and durable, recording seq with it. */
    int (*commit)(void *ctx, uint64_t seq);
} core_feed_consumer;

/* Called on the feed thread each time the visible sequence number moves. */
typedef void (*core_feed_visible_fn)(void *ctx, uint64_t seq);

/* Creates a feed over the store (consumers are copied). Nothing runs until catch-up. */
core_feed *core_feed_new(core_store *s, const core_feed_consumer *consumers, size_t n,
                         core_feed_visible_fn on_visible, void *ctx);
/* Replays everything up to the store's last sequence number on the calling thread (start-up,
 * before the server reports ready), printing progress to stderr when there is much to do.
 * Returns 0 or the first consumer error. */
int core_feed_catch_up(core_feed *f);
/* Starts (or restarts after a pause) the follower thread; the store's commit hook wakes
 * it. A feed that is never started only catches up, and never touches the hook. */
int core_feed_start(core_feed *f);
/* Stops the follower thread after its current batch (readers keep what is visible). */
void core_feed_pause(core_feed *f);
/* Replaces the consumers (only while paused or never started). The visible sequence
 * number stays: the new consumers must have applied at least that much. */
void core_feed_set_consumers(core_feed *f, const core_feed_consumer *consumers, size_t n);
/* Applies what is committed, then stops the thread. */
void core_feed_free(core_feed *f);
/* The highest sequence number visible to readers of every consumer. */
uint64_t core_feed_visible(const core_feed *f);
/* 0 while the feed is healthy; the first error otherwise. */
int core_feed_error(const core_feed *f);

#endif
