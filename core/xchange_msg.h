/*
 * xchange_msg.h: messages between two ClusterXchange registrations (API.md,
 * ClusterXchange: messages and conversations).
 *
 * An admin of registration A writes to registration B; the admins of B's profile are
 * notified (stored and through the outbox, in the same write). Only the admins of the two
 * profiles and moderators read a conversation; messages are private, never in a change-log
 * entry, so never in search. Unread counts are per registration: reading a conversation
 * as an admin of A marks what B wrote to A read.
 *
 * Keys (keys family), all written in the message's write:
 *   xmsg/<lower reg>:<higher reg>/<message id> -> {id, from, to, text, by, created_at}
 *       (ids are time ordered, so a conversation reads in order)
 *   xconv/<reg>/<other reg> -> {last: message, unread: n}   one per side
 */
#ifndef ECCPD_CORE_XCHANGE_MSG_H
#define ECCPD_CORE_XCHANGE_MSG_H

#include "core/check.h"
#include "core/profile.h"
#include "core/store.h"
#include "core/value.h"

enum { CORE_XCHANGE_MESSAGE_MAX = 4000 }; /* code points of a message */

typedef struct core_xchange_msg_op {
    core_actor actor;
    const char *id;         /* the registration written from, or read as */
    const char *with;       /* the conversation's other registration (reads) */
    const core_value *body; /* {to, text} (writes) */
    core_arena *out;        /* where outputs live */
    /* out */
    core_value view;     /* the message written, or {messages: [...]} read (in out) */
    const char *message; /* a failure's explanation (in out), or NULL */
    core_fields fields;  /* CORE_EINVALID: the failing fields (in out) */
} core_xchange_msg_op;

void core_xchange_msg_op_init(core_xchange_msg_op *op, core_arena *out, const core_actor *actor);

/* core_txn_fn: an admin of registration op->id writes body {to, text} to registration `to`
 * (accepted, and not op->id). CORE_EINVALID, CORE_ENOTFOUND, CORE_EFORBIDDEN,
 * CORE_ECONFLICT (a registration not accepted). Notifies the admins of `to`. */
int core_xchange_message_txn(core_txn *t, void *op);
/* core_txn_fn: the conversation between op->id and op->with, oldest first, for the admins
 * of either and moderators (others: CORE_ENOTFOUND); marks it read for op->id when the
 * caller administers op->id. */
int core_xchange_conversation_txn(core_txn *t, void *op);
/* The conversations of registration id, newest first: [{with, profile: {id, name,
 * country}, last_message, unread}] in a. 0, CORE_ENOTFOUND (also for callers who are not
 * its admins or moderators), CORE_EIO. */
int core_xchange_conversations(core_store *s, const core_actor *actor, const char *id,
                               core_arena *a, core_value *out);

#endif
