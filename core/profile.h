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
 *
 * Every operation is a core_txn_fn over a core_profile_op, so checks (authorisation
 * against the record's admins, uniqueness, state) and changes happen atomically.
 */
#ifndef ECCPD_CORE_PROFILE_H
#define ECCPD_CORE_PROFILE_H

#include <stdbool.h>

#include "core/check.h"
#include "core/store.h"
#include "core/value.h"

typedef struct core_actor {
    const char *user_id; /* NULL when anonymous */
    bool moderator;
} core_actor;

/* The roles (core_role bits) an actor holds for a profile record (rec may be NULL). */
unsigned core_profile_roles(const core_actor *actor, const core_value *rec);

typedef struct core_profile_op {
    core_actor actor;
    const char *id;         /* the profile (create: out) */
    const char *other_id;   /* admin user id to remove, or member profile id */
    const core_value *body; /* the request body */
    core_arena *out;        /* where outputs live: the caller's arena */
    /* out */
    core_value rec;        /* the record after the write (in out) */
    core_value extra;      /* create: possible_duplicates */
    const char *message;   /* a failure's explanation (in out), or NULL */
    core_fields fields;    /* CORE_EINVALID: the failing fields (in out) */
} core_profile_op;

/* Initialises an op whose outputs go to arena out. */
void core_profile_op_init(core_profile_op *op, core_arena *out, const core_actor *actor);

int core_profile_create_txn(core_txn *t, void *op);      /* body {type, ...fields} */
int core_profile_patch_txn(core_txn *t, void *op);       /* body {...fields} */
int core_profile_submit_txn(core_txn *t, void *op);
int core_profile_moderate_txn(core_txn *t, void *op);    /* body {decision, note, waive_criteria} */
int core_profile_admin_add_txn(core_txn *t, void *op);   /* body {email} */
int core_profile_admin_remove_txn(core_txn *t, void *op); /* other_id: the user */
int core_profile_affiliation_txn(core_txn *t, void *op); /* id: cluster, other_id: member,
                                                            body {decision} */
int core_profile_delete_txn(core_txn *t, void *op);

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
/* The check list for the working version (see core_profile_check). */
core_value core_profile_check_record(core_arena *a, const core_value *rec);

/* The moderation queue, oldest first: {total, items:[{id, name, type, submitted_at,
 * age_seconds, check}]}. */
int core_profile_queue(core_store *s, size_t page, size_t per_page, core_arena *a,
                       core_value *out);
/* A cluster's approved and public members: {total, items:[public views]}. */
int core_profile_members(core_store *s, const char *cluster_id, size_t page, size_t per_page,
                         core_arena *a, core_value *out);
/* The profiles a user administers: [{id, name, type, state}]. */
core_value core_profile_list_for_admin(core_store *s, const char *user_id, core_arena *a);

#endif
