/*
 * records.h: records become documents. The change-log consumer that keeps the search
 * index in step with the store: a profile is in the index exactly while it is public
 * (published, and for a cluster member approved by a published cluster); anything else
 * (drafts, declined, deleted, private records) is removed or never added. Likewise an
 * accepted ClusterXchange registration of a public profile in an eligible country is in
 * the catalogue (kind xchange) exactly while it is accepted and its profile public. C, and it
 * reads core only.
 */
#ifndef ECCPD_INDEX_RECORDS_H
#define ECCPD_INDEX_RECORDS_H

#include "core/feed.h"
#include "index/index.h"

typedef struct index_records index_records;

/* The core code (core/error.h) for an index code: a bad query or document is CORE_EBADREQ,
 * memory CORE_ENOMEM, a vanished snapshot or a locked index CORE_EUNAVAILABLE (retry), a
 * failed read or write of the database CORE_EIO, a damaged or other-format index and
 * anything else CORE_EINTERNAL. 0 stays 0. */
int index_core_error(int rc);

/* A consumer over an open writer (which stays the caller's). A batch that changes no
 * document is not committed to the index (readers keep their caches); the index's sequence
 * number then lags behind what it reflects, by at most 100,000 changes or a minute, and a
 * restart replays that part of the change log. */
index_records *index_records_new(index_writer *w);
void index_records_free(index_records *x);
core_feed_consumer index_records_consumer(index_records *x);

/* Fills doc from a profile record's published version; the strings point into rec and
 * into a (kept until the document is written). Returns false when rec has none. */
bool index_profile_doc(const core_value *rec, core_arena *a, index_doc *doc);
/* Fills doc from a partner search record and its author profile (whose country and city
 * the document carries), with its state as of now: kind
 * "partner_search", type = the search's kind, name = its title, facets ecosystem,
 * countries_sought and state. Nothing private is in the record. Returns false when the
 * profile has no published version. */
bool index_partner_doc(const core_value *rec, const core_value *profile, int64_t now, core_arena *a,
                       index_doc *doc);

/* Fills doc from an event record on the agenda (its organiser profile prof public, the
 * event not cancelled): kind event, type its kind, name its title, the organiser's country
 * and name; false when the event is off the agenda. Strings point into rec, prof and a. */
bool index_event_doc(core_store *s, const core_value *rec, const core_value *prof, core_arena *a,
                     index_doc *doc);
/* Fills doc from a news record whose profile record prof is public (the caller checks):
 * kind news, name its title, its body as text, the profile's country, city and name (as a
 * keyword); false when prof has no published version. Strings point into rec, prof and a. */
bool index_news_doc(const core_value *rec, const core_value *prof, core_arena *a, index_doc *doc);
/* Fills doc from an accepted ClusterXchange registration whose profile record is prof
 * (public or not, as prof_public says): kind xchange, the profile's name, country and city,
 * offer and demand as text, the ecosystems as facet, roles as type ("host", "visitor",
 * "host_and_visitor") and tags role:, objective:, language: and month:YYYY-MM (each month an
 * availability window touches). Target countries, stay lengths and capacities stay out.
 * False when the registration is not in the catalogue. Strings point into reg, prof and a. */
bool index_xchange_doc(const core_value *reg, const core_value *prof, bool prof_public,
                       core_arena *a, index_doc *doc);

/* Builds a complete index of the store's public records into dir (which must not exist),
 * as of the store's last sequence number when the build starts (returned in *seq); later
 * changes are for the feed to apply. One thread per core (up to 4) each indexes a shard of
 * the records; the shards are merged at the end. progress (may be NULL) is called now and
 * then, on the caller's thread, with the records read so far. Returns 0 or a negative code;
 * on failure dir is not left behind. */
int index_rebuild(core_store *s, const char *dir, void (*progress)(void *ctx, uint64_t done),
                  void *ctx, uint64_t *seq);

#endif
