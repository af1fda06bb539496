/*
 * profile.h: profiles of cluster organisations and the organisations around them, their
 * moderation workflow, admins and affiliations (API.md, Profiles).
 *
 * A profile record (kind "profile") holds two versions: `published` (what the public and
 * search see, or null) and `draft` (the working copy admins edit, or null when nothing is
 * pending). `state` is the working copy's state: draft -> needs_review -> published |
 * declined, and back to draft on request_changes or a new edit. Editing a published
 * profile starts a new draft; the published version stays visible until the draft is
 * published.
 *
 * Keys (keys family), kept in the same write as the record:
 *   padmin/<user>/<profile> -> type           profiles a user administers
 *   pcluster/<user> -> profile                  the one cluster_organisation a user may hold
 *   pqueue/<submitted at, 20 digits>/<profile>  the moderation queue, oldest first
 *   pname/<folded name>/<profile>               duplicate detection by name
 *   pdomain/<website domain>/<profile>          duplicate detection by website
 *   pmember/<cluster>/<member> -> status        affiliations: pending|approved|rejected
 *                                               (a decided one is also in the member's
 *                                               affiliation_status, for as long as either
 *                                               version names the cluster)
 *
 * Every operation is a core_txn_fn over a core_profile_op, so checks (authorisation
 * against the record's admins, uniqueness, state) and changes happen atomically.
 */
#ifndef ECCPD_CORE_PROFILE_H
#define ECCPD_CORE_PROFILE_H

#include <stdbool.h>

#include "core/authz.h"
#include "core/check.h"
#include "core/store.h"
#include "core/value.h"

/* The roles (core_role bits) an actor holds for a profile record (rec may be NULL). */
unsigned core_profile_roles(const core_actor *actor, const core_value *rec);

typedef struct core_profile_op {
    core_actor actor;
    const char *id;         /* the profile (create: out) */
    const char *other_id;   /* admin user id to remove, or member profile id */
    const core_value *body; /* the request body */
    core_arena *out;        /* where outputs live: the caller's arena */
    /* out */
    core_value rec;      /* the record after the write (in out) */
    core_value extra;    /* create: possible_duplicates; affiliation: the status decided */
    const char *message; /* a failure's explanation (in out), or NULL */
    core_fields fields;  /* CORE_EINVALID: the failing fields (in out) */
} core_profile_op;

/* Initialises an op whose outputs go to arena out. */
void core_profile_op_init(core_profile_op *op, core_arena *out, const core_actor *actor);

int core_profile_create_txn(core_txn *t, void *op); /* body {type, ...fields} */
int core_profile_patch_txn(core_txn *t, void *op);  /* body {...fields} */
int core_profile_submit_txn(core_txn *t, void *op);
int core_profile_moderate_txn(core_txn *t, void *op);  /* body {decision, note, waive_criteria} */
int core_profile_admin_add_txn(core_txn *t, void *op); /* body {email} */
int core_profile_admin_remove_txn(core_txn *t, void *op); /* other_id: the user */
int core_profile_affiliation_txn(core_txn *t, void *op);  /* id: cluster, other_id: member,
                                                             body {decision} */
int core_profile_delete_txn(core_txn *t, void *op);

/* Writes every secondary key of a profile record that is new to the store, exactly as the
 * operations above would have left them: padmin (and pcluster for a cluster organisation)
 * per admin, pname/pdomain from the working version (setting the record's "keys"), a
 * pmember key per cluster named in either version (the cluster's decision from
 * affiliation_status, else pending) and, in needs_review, the pqueue entry. CORE_ECONFLICT
 * when an admin already administers a cluster organisation (*taken_by, if not NULL, is that
 * admin, borrowed from rec). The caller then stores rec. Creation and `eccpd import` both
 * come here, so the key layout has one writer. */
int core_profile_keys_add(core_txn *t, core_value *rec, const char **taken_by);

/* Validates a stored profile record as `eccpd import` reads it: a well-formed id, a known
 * type and state, one or more admins (well-formed user ids), each version null or fields a
 * new profile of the type could have (core_profile_validate; reasons under "draft.…" and
 * "published.…"), the state machine's invariants (published: a published version and no
 * draft; any other state: a draft), the timestamps the states imply, and no unknown members.
 * Whether the admins exist is the store's question, not this one's. Adds every failing
 * field to f. */
void core_profile_validate_record(core_fields *f, const core_value *rec);

/* Reads a profile record: 0, CORE_ENOTFOUND, CORE_EIO. */
int core_profile_get(core_store *s, const char *id, core_arena *a, core_value *rec);
/* True when the published version may be shown to anyone: published, and for a cluster
 * member, approved by a cluster that is itself published. */
bool core_profile_is_public(core_store *s, const core_value *rec, core_arena *a);
/* The public view: published fields, id, type, dates; the contact's e-mail removed. */
core_value core_profile_public_view(core_arena *a, const core_value *rec);
/* The admins' and moderators' view: the working version (or the published one when no
 * draft is pending) with state, admins, moderation history and both timestamps. */
core_value core_profile_admin_view(core_arena *a, const core_value *rec);
/* The view of profile rec that actor may read, as GET /v1/profiles/{id} answers it.
 * version is NULL (the published version to everyone; to its admins and moderators the
 * working version while nothing is published yet), "draft" (admins and moderators only) or
 * "published". CORE_EBADREQ for another version; CORE_ENOTFOUND when the caller may not see
 * it, so that a draft's existence does not leak. */
int core_profile_read(core_store *s, const core_actor *actor, const core_value *rec,
                      const char *version, core_arena *a, core_value *out);
/* A cluster's members as actor may read them: the members list of a profile that is public
 * or that the caller administers or moderates; CORE_ENOTFOUND otherwise. */
int core_profile_members_read(core_store *s, const core_actor *actor, const core_value *rec,
                              size_t page, size_t per_page, core_arena *a, core_value *out);
/* The check list for the working version (see core_profile_check). */
core_value core_profile_check_record(core_arena *a, const core_value *rec);

/* The moderation queue, oldest first: {total, items:[{id, name, type, submitted_at,
 * age_seconds, check}]}. */
int core_profile_queue(core_store *s, size_t page, size_t per_page, core_arena *a, core_value *out);
/* A cluster's approved and public members: {total, items:[public views]}. */
int core_profile_members(core_store *s, const char *cluster_id, size_t page, size_t per_page,
                         core_arena *a, core_value *out);
/* The profiles a user administers: [{id, name, type, state}]. */
core_value core_profile_list_for_admin(core_store *s, const char *user_id, core_arena *a);

#endif
