/*
 * records.h: registrations become matcher rows. The change-log consumer that keeps the
 * matcher's table of accepted registrations in step with the store, as index/records.h
 * keeps the search index: a registration is in the table exactly while it is matchable
 * (accepted, its profile public in an eligible country, its data well formed), and is
 * removed otherwise. It also knows the registrations by the matcher's 64-bit ids (a
 * directory from those ids back to the record's id and the profile's name and country) so
 * that best matches and batch runs answer with ids and names a person reads.
 *
 * This file and records.c form their own library (eccpd_matcher_records): they read core
 * records and the store, while the matcher proper (table.c, query.c, batch.c) stays pure C
 * with no I/O. Only the feed thread writes; queries and batch runs read a snapshot.
 */
#ifndef ECCPD_MATCHER_RECORDS_H
#define ECCPD_MATCHER_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/feed.h"
#include "core/store.h"
#include "core/value.h"
#include "matcher/batch.h"

typedef struct matcher_records matcher_records;

/* The core code (core/error.h) for a matcher code: memory CORE_ENOMEM, a batch too large
 * for the scaling CORE_ETOOLARGE, an unknown registration CORE_ENOTFOUND, an argument out
 * of range (our bug, never the client's) CORE_EINTERNAL. 0 stays 0. */
int matcher_core_error(int rc);

/* Creates the state for nthreads query threads (one query scratch per thread, made on
 * first use by that thread). Aborts when memory cannot be had. */
matcher_records *matcher_records_new(size_t nthreads);
/* Frees the state; no query and no feed may use it any more. NULL is allowed. */
void matcher_records_free(matcher_records *x);
/* Fills the table from the registrations in the store, as of its last sequence number,
 * which becomes the consumer's `applied`: a start reads each registration once instead of
 * replaying the whole change log. Call it before the feed is created, while nothing else
 * writes the store. 0, or an error (then `applied` stays 0 and the feed replays). */
int matcher_records_load(matcher_records *x, core_store *s);
/* The feed consumer that keeps the table (in memory only). */
core_feed_consumer matcher_records_consumer(matcher_records *x);

/* The best matches of registration rec (whose profile record is prof, or NULL when gone)
 * in role "visitor" or "host", at most k, as [{registration_id, profile: {id, name,
 * country}, score, reasons}] in a, best first. thread picks the query scratch (0 ..
 * nthreads - 1). 0; CORE_ECONFLICT with *why (static) when rec cannot be matched;
 * CORE_ENOMEM, CORE_EINTERNAL. */
int matcher_records_best(matcher_records *x, size_t thread, core_store *s, const core_value *rec,
                         const core_value *prof, const char *role, size_t k, core_arena *a,
                         core_value *out, const char **why);

/* A batch assignment run, made on the loop, run on a worker, answered on the loop. */
typedef struct matcher_records_batch {
    matcher_records *x;
    const char *const *only; /* registration ids to consider (caller's memory), or NULL */
    size_t n_only;
    int min_score;
    /* out (malloc'd; freed by matcher_records_batch_dispose) */
    int rc;                     /* 0 or a core error code */
    uint64_t *visitors, *hosts; /* matcher ids */
    size_t nv, nh;
    matcher_batch_result res;
    uint64_t *ignored; /* indexes into only[] that are not matchable */
    size_t n_ignored;
    uint64_t took_us;
    core_value *reasons; /* per visitor: the reasons of its assignment (in arena) */
    core_arena arena;
} matcher_records_batch;

/* Prepares a run over x (only, n_only and min_score are then set by the caller). */
void matcher_records_batch_init(matcher_records_batch *b, matcher_records *x);
/* Builds the candidate pairs (every visitor with every host it may meet whose score
 * reaches min_score) from the current snapshot and solves the assignment; sets b->rc.
 * Any thread. */
void matcher_records_batch_run(matcher_records_batch *b);
/* The answer of a successful run: {assignments: [{visitor, host, score, visitor_profile:
 * {id, name, country}, host_profile, reasons}], total_score, unmatched, ignored, took_ms},
 * in a. */
core_value matcher_records_batch_view(const matcher_records_batch *b, core_arena *a);
/* Frees what the run allocated. */
void matcher_records_batch_dispose(matcher_records_batch *b);

#endif
