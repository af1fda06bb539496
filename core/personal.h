/*
 * personal.h: a person's data as a whole (API.md, Personal data; issue 20): the copy a
 * data-protection request asks for, and erasure.
 */
#ifndef ECCPD_CORE_PERSONAL_H
#define ECCPD_CORE_PERSONAL_H

#include <stdbool.h>

#include "core/store.h"
#include "core/value.h"

/* Every record about user_id, in the API's shapes: {account, profiles, registrations,
 * exchanges, messages, notifications, follows, interests, comments, events, news,
 * exported_at}. Interests and comments are found by a scan of all of them (a rare request;
 * no per-user key is kept for them). In a. 0, CORE_ENOTFOUND (no such user), CORE_EIO. */
int core_personal_export(core_store *s, const char *user_id, core_arena *a, core_value *out);

enum { CORE_USERNAME_GRACE = 30 * 86400 }; /* default: seconds an erased username stays reserved */
/* Sets how long an erased username stays reserved, in seconds (eccpd serve
 * --username-grace DAYS); once at start, before any write. 0 frees it at once. */
void core_personal_set_username_grace(int64_t seconds);
int64_t core_personal_username_grace(void);

typedef struct core_personal_erase {
    const char *user_id; /* the caller, whose password the handler has checked */
    core_arena *out;     /* the caller's arena */
    /* out */
    const char *message; /* CORE_ECONFLICT: the profiles the caller alone administers */
    const char *email;   /* the erased address (in out), for the outbox sweep */
} core_personal_erase;

/* core_txn_fn: erases the account: refused with CORE_ECONFLICT (message naming them) while
 * the caller is the only admin of a profile. Otherwise, in one write: the caller leaves
 * the admins of every other profile; sessions, reset links, notifications, follows,
 * unsubscribe tokens and queued e-mails to the address go; the username and e-mail keys
 * go, the username stays reserved for core_personal_username_grace() under a hash of it (not the
 * name); the user record is deleted (its e-mail, names and password hash with it).
 * Interests and comments stay, shown as "a former user". Once the write is durable, a
 * background thread compacts the ranges it deleted from (the user's record, the keys
 * family, the outbox, the idem family: core_store_compact_later), so the data leaves the
 * store's files, not only its view. Idempotency entries scoped to the person or whose key
 * or stored response names their id, e-mail or username go in the same write. */
int core_personal_erase_txn(core_txn *t, void *op);
/* Inside a write: whether username (any case) is still reserved after an erasure. */
bool core_personal_username_reserved(core_txn *t, const char *username);

#endif
