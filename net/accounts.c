/*
 * accounts.c: handlers of the Accounts section of API.md: registration, sign-in and
 * sign-out, /v1/me. Password hashing and checking run on the worker pool; writes go
 * through the committer. Failed sign-ins are throttled per account and per address, and
 * the answer never says whether the account exists.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "core/account.h"
#include "core/error.h"
#include "core/profile.h"
#include "core/record.h"
#include "core/text.h"
#include "core/time.h"
#include "core/xchange.h"
#include "net/accounts.h"
#include "net/ratelimit.h"

enum {
    LOGIN_MAX_PER_ACCOUNT = 5, /* failures per window before 429 */
    LOGIN_MAX_PER_ADDRESS = 20,
    LOGIN_WINDOW = 15 * 60, /* seconds */
    /* "this e-mail is registered" answers (a 409 on sign-up) per client address and window:
     * enough for people who forgot they had an account, too few to test addresses. */
    TAKEN_MAX_PER_ADDRESS = 10,
    HASH_INFLIGHT_PER_CLIENT = 4,  /* password hashes queued or running for one address */
    HASH_INFLIGHT_PER_THREAD = 16, /* and for everyone, per pool thread */
};

/* ---- the password-hashing gate ----
 *
 * argon2id costs tens of milliseconds of a pool thread by design, so hashing is admitted
 * only after every cheaper check has passed (the e-mail is free, the reset link is live)
 * and, even then, a client address may start hash_rate a minute and keep only a few in
 * flight, and the pool's queue is bounded: a few clients cannot make everyone's sign-in
 * wait. */

static _Atomic int hashes_in_flight;
static _Atomic uint64_t hashes_total;

uint64_t net_accounts_hashes_total(void)
{
    return atomic_load(&hashes_total);
}

int net_accounts_hashes_in_flight(void)
{
    return atomic_load(&hashes_in_flight);
}

typedef struct hash_ticket {
    net_ratelimit *rl;
    const char *key; /* "hash:<address>", arena */
} hash_ticket;

/* Admits one hash for the caller, or answers 429/503 and returns false. */
static bool hash_admit(net_req *r, hash_ticket *t)
{
    net_ratelimit *rl = r->server->login_limits;
    const char *key = core_arena_printf(&r->arena, "hash:%s", net_req_peer(r));
    int wait = net_ratelimit_take(rl, key, r->server->opt.hash_rate);
    if (wait > 0) {
        net_add_header(r, "retry-after", core_arena_printf(&r->arena, "%d", wait));
        net_fail(r, CORE_ELIMIT,
                 core_arena_printf(&r->arena,
                                   "too many sign-ups, sign-ins or password changes from your "
                                   "address; try again in %d seconds",
                                   wait),
                 NULL);
        return false;
    }
    int max_all = (int)r->server->opt.pool_threads * HASH_INFLIGHT_PER_THREAD;
    if (atomic_fetch_add(&hashes_in_flight, 1) >= max_all) {
        atomic_fetch_sub(&hashes_in_flight, 1);
        net_fail(r, CORE_EUNAVAILABLE, "the server is busy checking passwords; try again shortly",
                 NULL);
        return false;
    }
    if (!net_ratelimit_enter(rl, key, HASH_INFLIGHT_PER_CLIENT)) {
        atomic_fetch_sub(&hashes_in_flight, 1);
        net_add_header(r, "retry-after", "1");
        net_fail(r, CORE_ELIMIT, "wait for your other sign-ins or sign-ups to finish", NULL);
        return false;
    }
    t->rl = rl;
    t->key = key;
    return true;
}

/* Ends an admitted hash; called on the pool thread when the hash is done, so it runs even
 * when the client has gone away meanwhile. */
static void hash_done(hash_ticket *t)
{
    net_ratelimit_leave(t->rl, t->key);
    atomic_fetch_sub(&hashes_in_flight, 1);
    atomic_fetch_add(&hashes_total, 1);
}

/* ---- POST /v1/users ---- */

typedef struct register_ctx {
    core_user_create create;
    hash_ticket ticket;
    char hash[CORE_PASSWORD_HASH_MAX];
    int hash_rc;
} register_ctx;

static void register_hash(void *arg)
{
    register_ctx *c = arg;
    c->hash_rc = core_password_hash(core_value_get_str(c->create.body, "password"), c->hash);
    hash_done(&c->ticket);
}

/* Answers the 409 of a taken username or e-mail, counting it against the caller's address:
 * the answer says whether an e-mail is registered, so it may not be asked at scale. */
static void register_taken(net_req *r, const char *conflict)
{
    net_ratelimit_hit(r->server->login_limits,
                      core_arena_printf(&r->arena, "taken:%s", net_req_peer(r)));
    net_fail(r, CORE_ECONFLICT,
             strcmp(conflict, "email") == 0 ? "an account with this e-mail address already exists"
                                            : "this username is taken; choose another",
             NULL);
}

static void register_respond(void *arg, core_arena *a, int *status, core_value *body)
{
    register_ctx *c = arg;
    *status = 201;
    *body = core_user_view(a, &c->create.user);
}

static void register_fail(net_req *r, int rc, void *arg)
{
    register_ctx *c = arg;
    if (rc == CORE_ECONFLICT)
        register_taken(r, c->create.conflict);
    else
        net_fail(r, rc, NULL, NULL);
}

static void register_hashed(net_req *r, void *arg)
{
    register_ctx *c = arg;
    if (c->hash_rc != 0) {
        net_fail(r, CORE_EINTERNAL, "could not hash the password", NULL);
        return;
    }
    c->create.password_hash = c->hash;
    net_req_write(r, core_user_create_txn, c, register_respond, register_fail);
}

/* The write of a retry whose first answer is stored: the committer replays that answer
 * without running this. Should the stored answer have gone meanwhile, the client is asked
 * to try again, and its next attempt takes the whole way (its password is not hashed). */
static int register_replay_only_txn(core_txn *t, void *arg)
{
    return CORE_EUNAVAILABLE;
}

void net_accounts_register(net_req *r)
{
    if (net_req_auth(r) == NULL)
        return;
    core_fields f;
    core_fields_init(&f, &r->arena);
    core_user_validate(&f, net_req_body(r));
    if (core_fields_any(&f)) {
        net_fail(r, CORE_EINVALID, "the registration has errors; see fields", &f.obj);
        return;
    }
    register_ctx *c = core_arena_alloc(&r->arena, sizeof(*c));
    memset(c, 0, sizeof(*c));
    c->create.body = net_req_body(r);
    c->create.role = "user";
    c->create.out = &r->arena;
    if (net_req_idempotent_seen(r)) { /* a retry: the first answer is replayed, no hash */
        net_req_write(r, register_replay_only_txn, c, register_respond, register_fail);
        return;
    }
    const char *taken_key = core_arena_printf(&r->arena, "taken:%s", net_req_peer(r));
    int wait = net_ratelimit_check(r->server->login_limits, taken_key, TAKEN_MAX_PER_ADDRESS,
                                   LOGIN_WINDOW);
    if (wait > 0) {
        net_add_header(r, "retry-after", core_arena_printf(&r->arena, "%d", wait));
        net_fail(r, CORE_ELIMIT,
                 core_arena_printf(&r->arena,
                                   "too many sign-ups with a taken username or e-mail from your "
                                   "address; try again in %d seconds, or reset your password",
                                   wait),
                 NULL);
        return;
    }
    /* Taken names are refused before the password is hashed: a 409 costs no hash. */
    const char *conflict = NULL;
    int rc = core_user_available(r->server->store, net_req_body(r), &r->arena, &conflict);
    if (rc == CORE_ECONFLICT) {
        register_taken(r, conflict);
        return;
    }
    if (rc != 0) {
        net_fail(r, rc, "could not look up the username and e-mail", NULL);
        return;
    }
    if (hash_admit(r, &c->ticket))
        net_req_offload(r, register_hash, register_hashed, c);
}

/* ---- POST /v1/sessions ---- */

typedef struct login_ctx {
    const char *password;
    const char *hash; /* the user's, or the dummy when no user matched */
    bool found;
    bool ok; /* out of the pool */
    core_value user;
    const char *account_key, *address_key;
    core_session_create session;
    hash_ticket ticket;
} login_ctx;

static void login_verify(void *arg)
{
    login_ctx *c = arg;
    c->ok = core_password_verify(c->hash, c->password) && c->found;
    hash_done(&c->ticket);
}

static void login_respond(void *arg, core_arena *a, int *status, core_value *body)
{
    login_ctx *c = arg;
    *status = 201;
    *body = core_value_obj();
    core_value_set(a, body, "token", core_value_cstr(a, c->session.token));
    core_value_set(a, body, "expires_at", core_value_time(a, c->session.expires_at));
    core_value_set(a, body, "user", core_user_view(a, &c->user));
}

static int login_session_txn(core_txn *t, void *arg)
{
    return core_session_create_txn(t, &((login_ctx *)arg)->session);
}

/* Sign-in's failure counters, shared by every password check (sign-in, DELETE /v1/me):
 * true after answering 429 with Retry-After when the account or the address has failed too
 * often in the window; `what` names the failures ("failed sign-ins"). */
static bool password_limited(net_req *r, const char *account_key, const char *address_key,
                             const char *what)
{
    net_ratelimit *rl = r->server->login_limits;
    int wait = net_ratelimit_check(rl, account_key, LOGIN_MAX_PER_ACCOUNT, LOGIN_WINDOW);
    int wait_addr = net_ratelimit_check(rl, address_key, LOGIN_MAX_PER_ADDRESS, LOGIN_WINDOW);
    if (wait_addr > wait)
        wait = wait_addr;
    if (wait <= 0)
        return false;
    net_add_header(r, "retry-after", core_arena_printf(&r->arena, "%d", wait));
    net_fail(r, CORE_ELIMIT,
             core_arena_printf(&r->arena, "too many %s; try again in %d seconds", what, wait),
             NULL);
    return true;
}

/* Counts a password check's outcome: a failure against the account and the address, a
 * success clears the account's failures. */
static void password_counted(net_req *r, const char *account_key, const char *address_key, bool ok)
{
    net_ratelimit *rl = r->server->login_limits;
    if (ok) {
        net_ratelimit_clear(rl, account_key);
    } else {
        net_ratelimit_hit(rl, account_key);
        net_ratelimit_hit(rl, address_key);
    }
}

static void login_checked(net_req *r, void *arg)
{
    login_ctx *c = arg;
    password_counted(r, c->account_key, c->address_key, c->ok);
    if (!c->ok) {
        net_fail(r, CORE_EUNAUTH, "wrong login or password", NULL);
        return;
    }
    c->session.user_id = core_value_get_str(&c->user, "id");
    net_req_write(r, login_session_txn, c, login_respond, NULL);
}

void net_accounts_login(net_req *r)
{
    const core_value *body = net_req_body(r);
    core_fields f;
    core_fields_init(&f, &r->arena);
    static const char *const known[] = {"login", "password", NULL};
    if (body == NULL || body->type != CORE_OBJ) {
        core_fields_add(&f, "body", "must be a JSON object with login and password");
    } else {
        core_check_known(&f, body, known);
        core_check_string(&f, body, "login", true, 1, 254);
        core_check_string(&f, body, "password", true, 1, CORE_PASSWORD_MAX);
    }
    if (core_fields_any(&f)) {
        net_fail(r, CORE_EINVALID, "send login (username or e-mail) and password", &f.obj);
        return;
    }
    login_ctx *c = core_arena_alloc(&r->arena, sizeof(*c));
    memset(c, 0, sizeof(*c));
    const char *login = core_value_get_str(body, "login");
    c->password = core_value_get_str(body, "password");
    int rc = core_user_find_by_login(r->server->store, login, &r->arena, &c->user);
    if (rc != 0 && rc != CORE_ENOTFOUND) {
        net_fail(r, rc, "could not look up the account", NULL);
        return;
    }
    c->found = rc == 0;
    /* The account's failures count by the account, however it is named (username or
     * e-mail, any case); an unknown login by what was typed. */
    c->account_key =
        c->found ? core_arena_printf(&r->arena, "account:%s", core_value_get_str(&c->user, "id"))
                 : core_arena_printf(&r->arena, "login:%s",
                                     core_fold_case(&r->arena, login, strlen(login)));
    c->address_key = core_arena_printf(&r->arena, "address:%s", net_req_peer(r));
    if (password_limited(r, c->account_key, c->address_key, "failed sign-ins"))
        return;
    c->hash = c->found ? core_value_get_str(&c->user, "password_hash") : NULL;
    if (c->hash == NULL) {
        c->found = false;
        c->hash = core_password_dummy_hash();
    }
    if (hash_admit(r, &c->ticket))
        net_req_offload(r, login_verify, login_checked, c);
}

/* ---- a signed-in caller confirms with the password (DELETE /v1/me) ---- */

typedef struct confirm_ctx {
    const char *hash, *password;
    const char *account_key, *address_key;
    bool ok;
    hash_ticket ticket;
    net_password_checked_fn then;
    void *arg;
} confirm_ctx;

static void confirm_verify(void *arg)
{
    confirm_ctx *c = arg;
    c->ok = core_password_verify(c->hash, c->password);
    hash_done(&c->ticket);
}

static void confirm_checked(net_req *r, void *arg)
{
    confirm_ctx *c = arg;
    password_counted(r, c->account_key, c->address_key, c->ok);
    c->then(r, c->arg, c->ok);
}

void net_accounts_confirm_password(net_req *r, const char *user_id, const char *hash,
                                   const char *password, net_password_checked_fn then, void *arg)
{
    confirm_ctx *c = core_arena_alloc(&r->arena, sizeof(*c));
    memset(c, 0, sizeof(*c));
    c->hash = hash;
    c->password = password;
    c->then = then;
    c->arg = arg;
    /* the same counters as sign-in: guessing a password through a stolen session is
     * throttled exactly as guessing it at the sign-in form */
    c->account_key = core_arena_printf(&r->arena, "account:%s", user_id);
    c->address_key = core_arena_printf(&r->arena, "address:%s", net_req_peer(r));
    if (password_limited(r, c->account_key, c->address_key, "wrong passwords"))
        return;
    if (hash_admit(r, &c->ticket))
        net_req_offload(r, confirm_verify, confirm_checked, c);
}

/* ---- DELETE /v1/sessions/current ---- */

static void logout_respond(void *arg, core_arena *a, int *status, core_value *body)
{
    *status = 204;
    *body = core_value_null();
}

void net_accounts_logout(net_req *r)
{
    core_actor actor;
    if (!net_req_allow(r, CORE_ACT_ACCOUNT, &actor, NULL))
        return;
    net_req_write(r, core_session_delete_txn, (void *)net_req_auth(r)->session_key, logout_respond,
                  NULL);
}

/* ---- GET /v1/me ---- */

void net_accounts_me(net_req *r)
{
    core_actor actor;
    if (!net_req_allow(r, CORE_ACT_ACCOUNT, &actor, NULL))
        return;
    core_value user;
    int rc = core_record_get(r->server->store, "user", actor.user_id, &r->arena, &user);
    if (rc != 0) {
        net_fail(r, rc, "could not read the account", NULL);
        return;
    }
    core_value v = core_user_view(&r->arena, &user);
    core_value_set(&r->arena, &v, "profiles",
                   core_profile_list_for_admin(r->server->store, actor.user_id, &r->arena));
    core_value_set(&r->arena, &v, "xchange_registrations",
                   core_xchange_list_for_user(r->server->store, actor.user_id, &r->arena));
    net_reply(r, 200, &v);
}

/* ---- password resets ---- */

enum { RESETS_PER_EMAIL = 3, RESET_WINDOW = 3600 };

static void reset_requested(void *arg, core_arena *a, int *status, core_value *body)
{
    *status = 202;
    *body = core_value_obj();
    core_value_set(a, body, "status",
                   core_value_cstr(a, "if an account has this e-mail address, a link to reset "
                                      "its password is on its way"));
}

void net_accounts_reset_request(net_req *r)
{
    const core_value *body = net_req_body(r);
    core_fields f;
    core_fields_init(&f, &r->arena);
    static const char *const known[] = {"email", NULL};
    core_check_known(&f, body, known);
    const char *email = core_check_string(&f, body, "email", true, 3, 254);
    if (email != NULL && !core_check_email(email))
        core_fields_add(&f, "email", "is not a valid e-mail address");
    if (core_fields_any(&f)) {
        net_fail(r, CORE_EINVALID, "send the account's e-mail address", &f.obj);
        return;
    }
    /* A few links per address an hour: more would only flood someone's mailbox. The
     * answer stays the same, so it tells nothing either way. */
    const char *key =
        core_arena_printf(&r->arena, "reset:%s", core_fold_case(&r->arena, email, strlen(email)));
    net_ratelimit *rl = r->server->login_limits;
    if (net_ratelimit_check(rl, key, RESETS_PER_EMAIL, RESET_WINDOW) > 0) {
        core_value v;
        reset_requested(NULL, &r->arena, &(int){0}, &v);
        net_reply(r, 202, &v);
        return;
    }
    net_ratelimit_hit(rl, key);
    core_reset_request *c = core_arena_alloc(&r->arena, sizeof(*c));
    c->email = email;
    c->link_base =
        core_arena_printf(&r->arena, "%s/reset-password?token=", r->server->opt.public_url);
    net_req_write(r, core_reset_request_txn, c, reset_requested, NULL);
}

typedef struct reset_ctx {
    core_reset_complete complete;
    const char *password;
    hash_ticket ticket;
    char hash[CORE_PASSWORD_HASH_MAX];
    int hash_rc;
} reset_ctx;

static void reset_hash(void *arg)
{
    reset_ctx *c = arg;
    c->hash_rc = core_password_hash(c->password, c->hash);
    hash_done(&c->ticket);
}

static int reset_txn(core_txn *t, void *arg)
{
    return core_reset_complete_txn(t, &((reset_ctx *)arg)->complete);
}

static void reset_done(void *arg, core_arena *a, int *status, core_value *body)
{
    *status = 204;
    *body = core_value_null();
}

static void reset_fail(net_req *r, int rc, void *arg)
{
    net_fail(r, rc,
             rc == CORE_ENOTFOUND ? "this reset link is unknown, already used or expired; ask "
                                    "for a new one"
                                  : NULL,
             NULL);
}

static void reset_hashed(net_req *r, void *arg)
{
    reset_ctx *c = arg;
    if (c->hash_rc != 0) {
        net_fail(r, CORE_EINTERNAL, "could not hash the password", NULL);
        return;
    }
    c->complete.password_hash = c->hash;
    net_req_write(r, reset_txn, c, reset_done, reset_fail);
}

void net_accounts_reset_complete(net_req *r)
{
    const core_value *body = net_req_body(r);
    core_fields f;
    core_fields_init(&f, &r->arena);
    static const char *const known[] = {"password", NULL};
    core_check_known(&f, body, known);
    const char *pw =
        core_check_string(&f, body, "password", true, CORE_PASSWORD_MIN, CORE_PASSWORD_MAX);
    if (core_fields_any(&f)) {
        net_fail(r, CORE_EINVALID, "choose a new password of at least 10 characters", &f.obj);
        return;
    }
    reset_ctx *c = core_arena_alloc(&r->arena, sizeof(*c));
    memset(c, 0, sizeof(*c));
    c->complete.token = net_req_param(r, "token");
    c->password = pw;
    /* An unknown, used or expired link is refused before the password is hashed. */
    int rc = c->complete.token == NULL
                 ? CORE_ENOTFOUND
                 : core_reset_token_live(r->server->store, c->complete.token, &r->arena);
    if (rc != 0) {
        reset_fail(r, rc, c);
        return;
    }
    if (hash_admit(r, &c->ticket))
        net_req_offload(r, reset_hash, reset_hashed, c);
}
