/*
 * account.h: users, passwords and sessions: the rules of the Accounts section of API.md.
 *
 * Users are records of kind "user". Secondary keys (keys family): "username/<folded>"
 * and "email/<folded>" -> user id, which make both unique case-insensitively and let a
 * login by either find the user. Sessions: "session/<sha256 of token>" -> {user, expires};
 * the token itself is never stored. Passwords: argon2id, see CORE_ARGON2_*.
 */
#ifndef ECCPD_CORE_ACCOUNT_H
#define ECCPD_CORE_ACCOUNT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/check.h"
#include "core/store.h"
#include "core/value.h"

/* argon2id parameters: 19 MiB, two passes, one lane (OWASP's minimum recommendation);
 * about 50 ms on this project's machines, so hashing always runs off the event loop. */
enum {
    CORE_ARGON2_MEMORY_KIB = 19 * 1024,
    CORE_ARGON2_PASSES = 2,
    CORE_ARGON2_LANES = 1,
    CORE_PASSWORD_MIN = 10,
    CORE_PASSWORD_MAX = 1024,
    CORE_SESSION_TTL = 14 * 24 * 3600, /* seconds a session lasts */
    CORE_PASSWORD_HASH_MAX = 160,
};

/* Validates a registration body (POST /v1/users). Adds every failing field to f. */
void core_user_validate(core_fields *f, const core_value *body);
/* Validates a stored user record as `eccpd import` reads it: the registration's rules for
 * username, email, organisation_name, country, title and newsletters, plus a well-formed
 * id, role (user or moderator), created_at and an argon2id password_hash; no other
 * members. Adds every failing field to f. */
void core_user_validate_record(core_fields *f, const core_value *rec);

/* Hashes a password with a fresh salt into out (the argon2 encoded form). Slow (~50 ms). */
int core_password_hash(const char *password, char out[CORE_PASSWORD_HASH_MAX]);
/* True when password matches the encoded hash. Slow (~50 ms). */
bool core_password_verify(const char *encoded, const char *password);
/* An encoded hash of no real password, to verify against when a login names no user, so
 * that answering takes as long whether or not the account exists. */
const char *core_password_dummy_hash(void);

typedef struct core_user_create {
    const core_value *body;    /* validated registration body (password excluded from use) */
    const char *password_hash; /* from core_password_hash */
    const char *role;          /* "user" or "moderator" */
    core_arena *out;           /* where the output lives (the caller's arena) */
    core_value user;           /* out: the stored record, in out */
    const char *conflict;      /* out with CORE_ECONFLICT: which field is taken */
} core_user_create;
/* core_txn_fn: creates the user; CORE_ECONFLICT when the username or e-mail is taken. */
int core_user_create_txn(core_txn *t, void *arg);
/* Writes the secondary keys of a new user record (username and e-mail, see above) after
 * checking both are free; CORE_ECONFLICT with *conflict = "username" or "email" (static)
 * otherwise, writing nothing. Every write that adds a user goes through here. */
int core_user_keys_add(core_txn *t, const core_value *rec, const char **conflict);

/* Whether the username and e-mail of a registration body are still free, read without a
 * write: 0, or CORE_ECONFLICT with *conflict = "username" or "email" (static). A check
 * before the costly password hash; core_user_keys_add decides, atomically, in the write. */
int core_user_available(core_store *s, const core_value *body, core_arena *a,
                        const char **conflict);

/* The user as its owner sees it (everything but the password hash), in the arena. */
core_value core_user_view(core_arena *a, const core_value *rec);

/* Finds a user by username or e-mail, case-insensitively: 0 or CORE_ENOTFOUND/CORE_EIO. */
int core_user_find_by_login(core_store *s, const char *login, core_arena *a, core_value *user);

typedef struct core_session_create {
    const char *user_id;
    char token[48];     /* out: the bearer token to give the client (only here) */
    int64_t expires_at; /* out */
} core_session_create;
/* core_txn_fn: stores a new session for user_id and fills in its token. */
int core_session_create_txn(core_txn *t, void *arg);

/* Resolves a bearer token: 0 with the user record, or CORE_EUNAUTH (unknown, expired or
 * user gone) or CORE_EIO. *session_key (arena) names the session for logout. */
int core_session_resolve(core_store *s, const char *token, core_arena *a, core_value *user,
                         const char **session_key);
/* core_txn_fn: arg is the session key (NUL-terminated); deletes it. */
int core_session_delete_txn(core_txn *t, void *arg);

/* ---- password resets ---- */

enum { CORE_RESET_TTL = 3600 }; /* seconds a reset link stays valid */

typedef struct core_reset_request {
    const char *email;
    const char *link_base; /* e.g. "https://platform.example/reset-password?token=" */
} core_reset_request;
/* core_txn_fn: when a user has this e-mail, stores a single-use reset token (hashed) and
 * queues an e-mail with the link; otherwise does nothing. Always returns 0, so callers
 * answer alike whether or not the account exists. */
int core_reset_request_txn(core_txn *t, void *arg);

typedef struct core_reset_complete {
    const char *token;
    const char *password_hash; /* the new password, hashed */
} core_reset_complete;
/* 0 when token is an outstanding reset token (known, unused, unexpired), read without a
 * write; otherwise CORE_ENOTFOUND (or CORE_EIO). A check before the costly password hash;
 * core_reset_complete_txn decides, atomically, in the write. */
int core_reset_token_live(core_store *s, const char *token, core_arena *a);
/* core_txn_fn: sets the new password, consumes the token, revokes every other outstanding
 * reset token of the user (a changed password ends older links) and ends every session of
 * the user. CORE_ENOTFOUND when the token is unknown, used or expired. */
int core_reset_complete_txn(core_txn *t, void *arg);

#endif
