/*
 * records.h: records become documents. The change-log consumer that keeps the search
 * index in step with the store: a profile is in the index exactly while it is public
 * (published, and for a cluster member approved by a published cluster); anything else
 * (drafts, declined, deleted, private records) is removed or never added. C, and it
 * reads core only.
 */
#ifndef ECCPD_INDEX_RECORDS_H
#define ECCPD_INDEX_RECORDS_H

#include "core/feed.h"
#include "index/index.h"

typedef struct index_records index_records;

/* A consumer over an open writer (which stays the caller's). */
index_records *index_records_new(index_writer *w);
void index_records_free(index_records *x);
core_feed_consumer index_records_consumer(index_records *x);

/* Fills doc from a profile record's published version; the strings point into rec and
 * into a (kept until the document is written). Returns false when rec has none. */
bool index_profile_doc(const core_value *rec, core_arena *a, index_doc *doc);

#endif
