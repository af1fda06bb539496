/*
 * record.h: how records are kept in the store.
 *
 * A record is a core_value object stored as MessagePack under "kind/id" in the records
 * family, with its schema version in member "v" so that a later version of eccpd can
 * read and upgrade old records. Every put or delete also appends a change-log entry, so
 * the index and the matcher see it (in the same WriteBatch: never one without the other).
 */
#ifndef ECCPD_CORE_RECORD_H
#define ECCPD_CORE_RECORD_H

#include "core/store.h"
#include "core/value.h"

enum { CORE_RECORD_VERSION = 1 };

/* Stores rec under kind/id (setting "v"), logs op ("create", "update"), returns 0. */
int core_record_put(core_txn *t, const char *kind, const char *id, core_value *rec, const char *op);
/* Deletes kind/id and logs "delete". */
void core_record_delete(core_txn *t, const char *kind, const char *id);
/* Reads kind/id from the store: 0, CORE_ENOTFOUND, CORE_EIO or CORE_EINTERNAL (unreadable). */
int core_record_get(core_store *s, const char *kind, const char *id, core_arena *a,
                    core_value *out);
/* The same inside a write, seeing the write's own group. */
int core_record_get_txn(core_txn *t, const char *kind, const char *id, core_arena *a,
                        core_value *out);
/* Decodes a stored record; CORE_EINTERNAL when unreadable or of a newer schema version. */
int core_record_decode(core_arena *a, core_slice bytes, core_value *out);
/* The store key "kind/id" in the arena. */
core_slice core_record_key(core_arena *a, const char *kind, const char *id);

/* Reads one record by id (core_profile_get, core_event_get, ...): 0, CORE_ENOTFOUND, ... */
typedef int core_record_get_fn(core_store *s, const char *id, core_arena *a, core_value *rec);
/* Called per linked record: its id, the reader's code (got) and the record when got is 0. A
 * nonzero return stops the walk. */
typedef int core_record_linked_fn(void *arg, const char *id, int got, const core_value *rec);

/* Walks the records one record links to: for every key "prefix<id>" of the keys family (as
 * "psprofile/<profile>/" names a profile's partner searches), in key order, reads record id
 * with get and calls fn. Returns the first nonzero return of fn, or 0. Ids and records live
 * in a. */
int core_record_each_linked(core_store *s, const char *prefix, core_record_get_fn *get,
                            core_arena *a, core_record_linked_fn *fn, void *arg);

/* Member key of object rec when it is an integer, else dflt (absent, null or another type):
 * how a record's counters and Unix-seconds times are read. */
int64_t core_record_int(const core_value *rec, const char *key, int64_t dflt);

#endif
