/*
 * accounts.c: handlers of the Accounts section of API.md: registration, sign-in and
 * sign-out, /v1/me. Password hashing and checking run on the worker pool; writes go
 * through the committer. Failed sign-ins are throttled per account and per address, and
 * the answer never says whether the account exists.
 */
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
    LOGIN_MAX_PER_ACCOUNT = 5,  /* failures per window before 429 */
    LOGIN_MAX_PER_ADDRESS = 20,
    LOGIN_WINDOW = 15 * 60,     /* seconds */
};

/* ---- POST /v1/users ---- */

typedef struct register_ctx {
    core_user_create create;
    char hash[CORE_PASSWORD_HASH_MAX];
    int hash_rc;
} register_ctx;

static void register_hash(void *arg)
{
    register_ctx *c = arg;
    c->hash_rc = core_password_hash(core_value_get_str(c->create.body, "password"), c->hash);
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
        net_fail(r, rc,
                 strcmp(c->create.conflict, "email") == 0
                     ? "an account with this e-mail address already exists"
                     : "this username is taken; choose another",
                 NULL);
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
    net_req_offload(r, register_hash, register_hashed, c);
}

/* ---- POST /v1/sessions ---- */

typedef struct login_ctx {
    const char *password;
    const char *hash;   /* the user's, or the dummy when no user matched */
    bool found;
    bool ok;            /* out of the pool */
    core_value user;
    const char *account_key, *address_key;
    core_session_create session;
} login_ctx;

static void login_verify(void *arg)
{
    login_ctx *c = arg;
    c->ok = core_password_verify(c->hash, c->password) && c->found;
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

static void login_checked(net_req *r, void *arg)
{
    login_ctx *c = arg;
    net_ratelimit *rl = r->server->login_limits;
    if (!c->ok) {
        net_ratelimit_hit(rl, c->account_key);
        net_ratelimit_hit(rl, c->address_key);
        net_fail(r, CORE_EUNAUTH, "wrong login or password", NULL);
        return;
    }
    net_ratelimit_clear(rl, c->account_key);
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
    c->account_key = core_arena_printf(&r->arena, "account:%s",
                                       core_fold_case(&r->arena, login, strlen(login)));
    c->address_key = core_arena_printf(&r->arena, "address:%s", net_req_peer(r));
    net_ratelimit *rl = r->server->login_limits;
    int wait = net_ratelimit_check(rl, c->account_key, LOGIN_MAX_PER_ACCOUNT, LOGIN_WINDOW);
    int wait_addr = net_ratelimit_check(rl, c->address_key, LOGIN_MAX_PER_ADDRESS, LOGIN_WINDOW);
    if (wait_addr > wait)
        wait = wait_addr;
    if (wait > 0) {
        net_add_header(r, "retry-after", core_arena_printf(&r->arena, "%d", wait));
        net_fail(r, CORE_ELIMIT,
                 core_arena_printf(&r->arena,
                                   "too many failed sign-ins; try again in %d seconds", wait),
                 NULL);
        return;
    }
    int rc = core_user_find_by_login(r->server->store, login, &r->arena, &c->user);
    if (rc != 0 && rc != CORE_ENOTFOUND) {
        net_fail(r, rc, "could not look up the account", NULL);
        return;
    }
    c->found = rc == 0;
    c->hash = c->found ? core_value_get_str(&c->user, "password_hash") : NULL;
    if (c->hash == NULL) {
        c->found = false;
        c->hash = core_password_dummy_hash();
    }
    net_req_offload(r, login_verify, login_checked, c);
}

/* ---- DELETE /v1/sessions/current ---- */

static void logout_respond(void *arg, core_arena *a, int *status, core_value *body)
{
    *status = 204;
    *body = core_value_null();
}

void net_accounts_logout(net_req *r)
{
    const net_principal *p = net_req_user(r);
    if (p == NULL)
        return;
    net_req_write(r, core_session_delete_txn, (void *)p->session_key, logout_respond, NULL);
}

/* ---- GET /v1/me ---- */

void net_accounts_me(net_req *r)
{
    const net_principal *p = net_req_user(r);
    if (p == NULL)
        return;
    core_value user;
    int rc = core_record_get(r->server->store, "user", p->user_id, &r->arena, &user);
    if (rc != 0) {
        net_fail(r, rc, "could not read the account", NULL);
        return;
    }
    core_value v = core_user_view(&r->arena, &user);
    core_value_set(&r->arena, &v, "profiles",
                   core_profile_list_for_admin(r->server->store, p->user_id, &r->arena));
    core_value_set(&r->arena, &v, "xchange_registrations",
                   core_xchange_list_for_user(r->server->store, p->user_id, &r->arena));
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
    const char *key = core_arena_printf(&r->arena, "reset:%s",
                                        core_fold_case(&r->arena, email, strlen(email)));
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
    c->link_base = core_arena_printf(&r->arena, "%s/reset-password?token=",
                                     r->server->opt.public_url);
    net_req_write(r, core_reset_request_txn, c, reset_requested, NULL);
}

typedef struct reset_ctx {
    core_reset_complete complete;
    const char *password;
    char hash[CORE_PASSWORD_HASH_MAX];
    int hash_rc;
} reset_ctx;

static void reset_hash(void *arg)
{
    reset_ctx *c = arg;
    c->hash_rc = core_password_hash(c->password, c->hash);
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
    const char *pw = core_check_string(&f, body, "password", true, CORE_PASSWORD_MIN,
                                       CORE_PASSWORD_MAX);
    if (core_fields_any(&f)) {
        net_fail(r, CORE_EINVALID, "choose a new password of at least 10 characters", &f.obj);
        return;
    }
    reset_ctx *c = core_arena_alloc(&r->arena, sizeof(*c));
    memset(c, 0, sizeof(*c));
    c->complete.token = net_req_param(r, "token");
    c->password = pw;
    if (c->complete.token == NULL) {
        reset_fail(r, CORE_ENOTFOUND, c);
        return;
    }
    net_req_offload(r, reset_hash, reset_hashed, c);
}
