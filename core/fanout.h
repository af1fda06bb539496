/*
 * fanout.h: notifications to many users, written after their cause in chunks.
 *
 * A write that must notify a long list of users (the followers of a partner search) does
 * not write every notification in its own commit: it writes one job record (keys family,
 * "fanjob/<job id>" -> {id, prefix, kind, subject, text, ref, exclude, mail, cursor}) in
 * the same commit as the action, so the job exists exactly when the action does. The
 * outbox's deliverer thread then expands pending jobs chunk by chunk: each chunk's
 * notifications ("notif/<user id>/<job id>", so the key is a function of the job and the
 * user) and their outbox e-mails are written in one commit together with the job's
 * progress (the last user done), and the last chunk deletes the job. A crash re-runs at
 * most the chunk that was not committed, so every user is notified exactly once in the
 * store and mailed at least once.
 *
 * Whom a job notifies: the users whose keys "<prefix><user id>" hold a stamp
 * (core_fanout_stamp) not later than the job's commit, or an empty value (written before
 * stamps existed), minus the job's exclude list (the actor, users notified inline). Users
 * who join after the job are not notified by it; a user whose key is removed before the
 * worker reaches it (an unfollow within the moment the job is pending) is not either.
 * Cost per chunk: one committed prefix scan of the remaining keys of the chunk, and per
 * user one user-record read, two encoded puts.
 */
#ifndef ECCPD_CORE_FANOUT_H
#define ECCPD_CORE_FANOUT_H

#include <stddef.h>

#include "core/id.h"
#include "core/store.h"
#include "core/value.h"

/* Inside a write: queues the notification of every user keyed under prefix (see above),
 * except those in exclude (an array of user ids, or NULL). kind, subject, text and ref as
 * for core_notify. The job's id is written into job_id when it is not NULL. */
void core_fanout_add(core_txn *t, const char *prefix, const core_value *exclude, const char *kind,
                     const char *subject, const char *text, const char *ref,
                     char job_id[CORE_ID_LEN + 1]);

/* The value to store in a member key ("<prefix><user id>") when the user joins: the
 * moment of the write, so jobs committed before it leave the user out. */
void core_fanout_stamp(char out[CORE_ID_LEN + 1]);

/* Lists longer than this are notified through a job; shorter ones inline, in the write
 * itself. 32 unless ECCPD_FANOUT_INLINE is set (tests use 0 to force jobs). Read once. */
size_t core_fanout_inline_max(void);

/* Expands one chunk of the oldest pending job in one durable write (blocks: call from a
 * worker thread, never an event loop). Returns 1 when a chunk was written, 0 when no job
 * is pending, or a negative code when the write failed (the chunk is retried later).
 * Chunks hold 512 users unless ECCPD_FANOUT_CHUNK is set. */
int core_fanout_step(core_store *s);

#endif
