/*
 * xchange.h: ClusterXchange registrations (API.md, ClusterXchange; issue 5).
 *
 * A registration record (kind "xchange_registration") says that the organisation of a
 * published profile wants to host visitors, visit, or both, with its preferences:
 * ecosystems, target countries (empty = any), objectives, languages, availability windows,
 * the length of stay it accepts and, for hosts, how many exchanges it can host at once.
 * It is created `pending` by an admin of the profile and becomes `accepted` or `rejected`
 * by a moderator's decision; only accepted registrations are matchable (the matcher's
 * tables are fed from the change log by matcher/records.c). Exchanges between two
 * registrations are core/exchange.h's, messages core/xchange_msg.h's.
 *
 * Preferences are private: a registration is readable by the admins of its profile (as
 * they are now, read from the profile record) and by moderators, never by anyone else.
 *
 * Dates are "YYYY-MM-DD" in the record and days since 1970-01-01 (UTC) for the matcher.
 * `duration_days` counts days of stay: min >= 3 (three working days), max <= 31 (one
 * month).
 *
 * Keys (keys family), kept in the same write as the record:
 *   xvisitor/<profile> -> registration   the profile's visitor registration (one per
 *                                         profile; a rejected one may be replaced)
 *   xprofile/<profile>/<registration>    the registrations of a profile (for /v1/me
 *                                         through padmin/<user>/, and for the matcher when
 *                                         a profile changes)
 *
 * Every write is a core_txn_fn over a core_xchange_op, so authorisation against the
 * profile's admins, the uniqueness check and the change happen atomically.
 */
#ifndef ECCPD_CORE_XCHANGE_H
#define ECCPD_CORE_XCHANGE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/check.h"
#include "core/profile.h"
#include "core/store.h"
#include "core/value.h"

#define CORE_XCHANGE_KIND "xchange_registration" /* the record kind */

enum {
    CORE_XCHANGE_MAX_WINDOWS = 4,         /* availability windows per registration */
    CORE_XCHANGE_MIN_DAYS = 3,            /* shortest stay: three working days */
    CORE_XCHANGE_MAX_DAYS = 31,           /* longest stay: one month */
    CORE_XCHANGE_MAX_CAPACITY = 50,       /* exchanges a host may take at once */
    CORE_XCHANGE_TEXT_MAX = 4000,         /* offer, demand */
    CORE_XCHANGE_MATCHES_DEFAULT = 20,    /* best matches answered without ?limit */
    CORE_XCHANGE_MATCHES_MAX = 100,       /* the largest ?limit */
    CORE_XCHANGE_BATCH_MAX_IDS = 100000,  /* registrations listed in one batch run */
    CORE_XCHANGE_BATCH_MAX_SCORE = 10000, /* the largest min_score (the matcher's bound) */
};

typedef struct core_xchange_op {
    core_actor actor;
    const char *id;         /* the registration (create: out, in `out`) */
    const core_value *body; /* the request body */
    core_arena *out;        /* where outputs live: the caller's arena */
    /* out */
    core_value rec;      /* the record after the write (in out) */
    const char *message; /* a failure's explanation (in out), or NULL */
    core_fields fields;  /* CORE_EINVALID: the failing fields (in out) */
} core_xchange_op;

/* Initialises an op whose outputs go to arena out. */
void core_xchange_op_init(core_xchange_op *op, core_arena *out, const core_actor *actor);

/* core_txn_fn: creates a pending registration from body {profile_id, roles, ecosystems,
 * target_countries, objectives, languages, availability, duration_days, host_capacity,
 * offer, demand}. CORE_EINVALID (fields), CORE_EFORBIDDEN (not an admin of the profile),
 * CORE_ECONFLICT (the profile has a visitor registration that is not rejected). */
int core_xchange_create_txn(core_txn *t, void *op);
/* core_txn_fn: a moderator's decision, body {decision: accept|reject, note?}; notifies the
 * profile's admins. CORE_ENOTFOUND, CORE_EFORBIDDEN, CORE_EINVALID, CORE_ECONFLICT (the
 * registration is not pending). */
int core_xchange_decide_txn(core_txn *t, void *op);

/* Writes the secondary keys of a registration record new to the store (xvisitor for a
 * visitor, xprofile): CORE_ECONFLICT, writing nothing, when its profile already has a
 * visitor registration that was not rejected; CORE_EIO. Creation and `eccpd import` both
 * come here, so the key layout has one writer. */
int core_xchange_keys_add(core_txn *t, const core_value *rec);
/* Validates a stored registration record as `eccpd import` reads it: well-formed ids (id,
 * profile_id, created_by), timestamps, a state with the decision it implies (null while
 * pending, else {decision, note, by, at}), the preferences by creation's rules but for the
 * future-dates rule (windows may have passed since), each stored in the canonical form
 * creation stores, and no unknown members. Whether the profile and users exist is the
 * store's question. Adds every failing field to f; scratch memory comes from a. */
void core_xchange_validate_record(core_fields *f, core_arena *a, const core_value *rec);

/* Reads a registration: 0, CORE_ENOTFOUND, CORE_EIO. The record lives in a. */
int core_xchange_get(core_store *s, const char *id, core_arena *a, core_value *rec);
/* The roles (core_role bits) an actor holds for a registration: those it holds for the
 * registration's profile (profile may be NULL when it is gone: moderators only). */
unsigned core_xchange_roles(const core_actor *actor, const core_value *profile);
/* The view for the registration's admins and moderators (everything, preferences
 * included); in a. */
core_value core_xchange_view(core_arena *a, const core_value *rec);
/* The registrations of the profiles a user administers: [{id, profile_id, roles, state,
 * created_at}], in a. */
core_value core_xchange_list_for_user(core_store *s, const char *user_id, core_arena *a);

/* GET /v1/xchange/registrations: moderators see every registration, others those of the
 * profiles they administer; oldest first, only those in `state` when it is not NULL
 * (pending, accepted or rejected: CORE_EBADREQ otherwise). {total, items: [{id, profile:
 * {id, name, country}, roles, state, created_at}]} in a. Moderators' lists read every
 * registration record (a scan: fine for the thousands the scheme has). */
int core_xchange_list(core_store *s, const core_actor *actor, const char *state, size_t page,
                      size_t per_page, core_arena *a, core_value *out);

/* The rules of a best-matches query on registration rec: role is the query's ?role (NULL:
 * "visitor" when rec is registered as one, else "host"), limit its ?limit (NULL: 20).
 * Matches are shown once a moderator has accepted the registration. 0 with *role_out and
 * *limit_out set; CORE_EBADREQ (a malformed parameter, or a role rec is not registered
 * for) or CORE_ECONFLICT (not accepted), with *why in a. */
int core_xchange_matches_query(const core_value *rec, const char *role, const char *limit,
                               core_arena *a, const char **role_out, size_t *limit_out,
                               const char **why);
/* Reads a batch-match body {registrations?, min_score?}: *only gets the listed ids (in a;
 * NULL when none is listed), *min_score the bound (0 by default). Adds failing fields to
 * f (its arena is a). */
void core_xchange_batch_parse(const core_value *body, core_fields *f, core_arena *a,
                              const char ***only, size_t *n_only, int *min_score);

/* Days since 1970-01-01 of a "YYYY-MM-DD" date, or of the UTC day of an RFC 3339 time
 * (years 1970..2149), or -1 when s is neither (including impossible dates such as
 * 2025-02-30). */
int32_t core_xchange_parse_day(const char *s);

/* The members of a registration the public catalogue shows (roles, ecosystems, objectives,
 * languages, offer, demand, availability): set on *into, copied from rec into a, each null
 * when rec is NULL (a registration gone since the index saw it) or lacks it. The rest of a
 * registration (its admins' notes, host capacity, dates of decisions) is never shown. */
void core_xchange_catalogue_fields(core_arena *a, const core_value *rec, core_value *into);

/* The sides a registration of role takes: CORE_XCHANGE_SIDE_HOST and/or
 * CORE_XCHANGE_SIDE_VISITOR ("host_and_visitor" both); 0 for any other text. */
enum { CORE_XCHANGE_SIDE_HOST = 1, CORE_XCHANGE_SIDE_VISITOR = 2 };
unsigned core_xchange_role_sides(const char *role);

#endif
