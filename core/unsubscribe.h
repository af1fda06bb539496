/*
 * unsubscribe.h: stopping a kind of e-mail without signing in (RFC 8058), and the choice of
 * newsletters (API.md, Personal data; issue 20).
 *
 * Every e-mail to a user is of a kind: a notification kind ("partner_search.comment"),
 * "password_reset", or a newsletter ("newsletter.monthly", "newsletter.quarterly"). For each
 * (user, kind) the store keeps one opaque random token (32 random bytes, base64url), made the
 * first time an e-mail of that kind is queued; the token says nothing about the user or the
 * kind, and only the store maps it back. POST /v1/unsubscribe/{token} stops that kind:
 * a newsletter leaves the user's `newsletters`, any other kind is marked stopped (the
 * notification itself is still listed in the app; only its e-mail stops). Unsubscribing
 * twice is the same as once.
 *
 * Keys (keys family):
 *   unsub/<token>               -> {user, kind}
 *   unsubtok/<user>/<kind>      -> token
 *   unsubbed/<user>/<kind>      the user stopped this kind
 */
#ifndef ECCPD_CORE_UNSUBSCRIBE_H
#define ECCPD_CORE_UNSUBSCRIBE_H

#include <stdbool.h>

#include "core/check.h"
#include "core/store.h"
#include "core/value.h"

/* Inside a write: whether user_id stopped e-mails of kind. */
bool core_unsubscribed_txn(core_txn *t, const char *user_id, const char *kind);
/* Inside a write: the user's token for kind, made now if there is none (in the write's
 * arena). */
const char *core_unsubscribe_token_txn(core_txn *t, const char *user_id, const char *kind);

typedef struct core_unsubscribe_op {
    const char *token; /* in */
    core_arena *out;   /* the caller's arena */
    const char *kind;  /* out: the kind stopped (in out) */
} core_unsubscribe_op;
/* core_txn_fn: stops the token's kind; CORE_ENOTFOUND for an unknown token. */
int core_unsubscribe_txn(core_txn *t, void *op);

typedef struct core_newsletters_op {
    const char *user_id;    /* the caller */
    const core_value *body; /* ["monthly", "quarterly"] */
    core_fields fields;     /* CORE_EINVALID: why (init by the caller) */
} core_newsletters_op;
/* core_txn_fn: sets the caller's newsletters (a list of "monthly" and "quarterly", each at
 * most once); choosing a newsletter again also lifts an unsubscription from it. */
int core_newsletters_set_txn(core_txn *t, void *op);

/* Inside a write: removes every token and stop mark of user_id (erasure). */
void core_unsubscribe_forget_user_txn(core_txn *t, const char *user_id);

#endif
