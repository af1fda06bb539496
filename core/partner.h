/*
 * partner.h: partner searches (API.md, Partner search; issue 16).
 *
 * A partner search record (kind "partner_search") is a request posted by the admins of a
 * published profile of one of the four organising types (cluster_organisation,
 * cluster_partnership, national_association, meta_cluster_network): a consortium for a
 * call, an expression of interest, a cooperation offer. Signed-in users follow it, express
 * interest in it and comment on it; the author profile's admins and every follower are
 * notified of interests, comments, edits and closing (never the one who acted), each
 * notification stored and queued as e-mail in the same write as its cause.
 *
 * States, as one table (core_partner_transition): open --edit--> open, open --close-->
 * closed (the author's admins or a moderator), open --deadline--> closed (the server),
 * open --follow|interest|comment--> open (any signed-in user). A closed search refuses
 * every action but unfollow with 409. A search whose deadline (a date, inclusive) has
 * passed reads as closed at once (core_partner_effective_state) and is written closed by
 * core_partner_expire_txn, which the server runs on a timer.
 *
 * Interests' messages are private to the author profile's admins; they are never in the
 * record (which the index sees), only under their own keys.
 *
 * Keys (keys family), kept in the same write as the record:
 *   psprofile/<profile>/<search>          the searches of a profile
 *   psdeadline/<YYYY-MM-DD>/<search>      open searches by deadline, for the timer
 *   psfollow/<search>/<user>              followers
 *   psfollowing/<user>/<search>           what a user follows
 *   psinterest/<search>/<interest id>     -> {id, user_id, organisation, message, created_at}
 *   pscomment/<search>/<comment id>       -> {id, user_id, text, created_at}
 *   attref/<attachment>/<search>          an attachment is referenced (core/attachment.h)
 */
#ifndef ECCPD_CORE_PARTNER_H
#define ECCPD_CORE_PARTNER_H

#include <stdbool.h>
#include <stdint.h>

#include "core/check.h"
#include "core/profile.h"
#include "core/store.h"
#include "core/value.h"

#define CORE_PARTNER_KIND "partner_search" /* the record kind */

enum {
    CORE_PARTNER_TITLE_MAX = 200,
    CORE_PARTNER_DESCRIPTION_MAX = 20000,
    CORE_PARTNER_TEXT_MAX = 4000, /* interest messages and comments */
    CORE_PARTNER_ORG_MAX = 200,   /* an interest's organisation */
    CORE_PARTNER_ATTACHMENTS_MAX = 10,
    CORE_PARTNER_DEADLINE_MAX_DAYS = 3 * 366, /* how far ahead a deadline may lie */
    CORE_PARTNER_EXPIRE_BATCH = 256,          /* searches one expiry write closes */
};

/* The actions of the state machine. */
typedef enum core_partner_action {
    CORE_PARTNER_EDIT,
    CORE_PARTNER_CLOSE,
    CORE_PARTNER_DEADLINE,
    CORE_PARTNER_FOLLOW,
    CORE_PARTNER_UNFOLLOW,
    CORE_PARTNER_INTEREST,
    CORE_PARTNER_COMMENT,
    CORE_PARTNER__ACTIONS
} core_partner_action;

/* The state an action leads to from state ("open" or "closed"), or NULL when the action
 * is not possible there (409). */
const char *core_partner_transition(const char *state, core_partner_action action);

typedef struct core_partner_op {
    core_actor actor;
    const char *id;         /* the search (create: out) */
    const core_value *body; /* the request body, or NULL */
    core_arena *out;        /* where outputs live: the caller's arena */
    /* out */
    core_value rec;      /* the record after the write (in out) */
    core_value item;     /* interest or comment: the stored item (in out) */
    const char *message; /* a failure's explanation (in out), or NULL */
    core_fields fields;  /* CORE_EINVALID: the failing fields (in out) */
    size_t notified;     /* notifications this write stored */
    size_t closed;       /* expire: how many searches it closed */
} core_partner_op;

/* Initialises an op whose outputs go to arena out. */
/* The partner search kinds ("consortium", ...), NULL-terminated, static storage (the
 * search filter `type` checks its values against them). */
const char *const *core_partner_kinds(void);

void core_partner_op_init(core_partner_op *op, core_arena *out, const core_actor *actor);

/* core_txn_fn: creates an open search from body {profile_id, title, description, kind,
 * ecosystems, countries_sought, deadline, attachments}. CORE_EUNAUTH, CORE_EFORBIDDEN with
 * a message naming what is needed (a published profile of an organising type, or being
 * its admin), CORE_EINVALID (fields). */
int core_partner_create_txn(core_txn *t, void *op);
/* core_txn_fn: edits an open search (any subset of the creation fields but profile_id);
 * notifies admins and followers. CORE_ENOTFOUND, CORE_EFORBIDDEN, CORE_ECONFLICT (closed),
 * CORE_EINVALID. */
int core_partner_patch_txn(core_txn *t, void *op);
/* core_txn_fn: closes an open search (its admins, moderators); notifies. */
int core_partner_close_txn(core_txn *t, void *op);
/* core_txn_fn: the caller follows (PUT) or stops following (DELETE); both idempotent. */
int core_partner_follow_txn(core_txn *t, void *op);
int core_partner_unfollow_txn(core_txn *t, void *op);
/* core_txn_fn: an expression of interest {organisation, message}; op->item is it. */
int core_partner_interest_txn(core_txn *t, void *op);
/* core_txn_fn: a comment {text}; op->item is it. */
int core_partner_comment_txn(core_txn *t, void *op);
/* core_txn_fn: closes up to CORE_PARTNER_EXPIRE_BATCH open searches whose deadline has
 * passed (op->closed says how many; run again while it is the batch size). */
int core_partner_expire_txn(core_txn *t, void *op);

/* Reads a search record: 0, CORE_ENOTFOUND, CORE_EIO. */
int core_partner_get(core_store *s, const char *id, core_arena *a, core_value *rec);
/* "open" or "closed" as of now (Unix seconds): an open search past its deadline is closed. */
const char *core_partner_effective_state(const core_value *rec, int64_t now);
/* The current time for deadline decisions: time(NULL) moved by core_fault_clock_skew()
 * (tests only). */
int64_t core_partner_now(void);
/* The response view of a record as of now: {id, profile: {id, name, country}, title, ...,
 * state, closed_reason, closed_at, followers_count, interests_count, comments_count,
 * created_at, updated_at}; times in RFC 3339. Reads the profile for its name. In a. */
core_value core_partner_view(core_store *s, core_arena *a, const core_value *rec, int64_t now);
/* Whether the actor follows the search (for the view of a signed-in caller). */
bool core_partner_is_following(core_store *s, const char *id, const char *user_id, core_arena *a);

/* GET /v1/partner-searches: newest first, state "open", "closed" or NULL (all),
 * profile_id or NULL. {total, items: [views]} in a. */
int core_partner_list(core_store *s, const char *state, const char *profile_id, size_t page,
                      size_t per_page, int64_t now, core_arena *a, core_value *out);
/* The interests of a search, newest first, for the author profile's admins only:
 * CORE_EUNAUTH, CORE_EFORBIDDEN (*message set), CORE_ENOTFOUND. {total, items} in a. */
int core_partner_interests(core_store *s, const core_actor *actor, const char *id, size_t page,
                           size_t per_page, core_arena *a, core_value *out, const char **message);
/* The comments of a search, oldest first: anyone while it is open, signed-in users once it
 * is closed. {total, items: [{id, author: {id, username}, text, created_at}]} in a. */
int core_partner_comments(core_store *s, const core_actor *actor, const char *id, size_t page,
                          size_t per_page, core_arena *a, core_value *out, const char **message);

#endif
