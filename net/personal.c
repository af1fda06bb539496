/*
 * personal.c: the handlers of a person's own data: the newsletters they receive, and the
 * one-click unsubscribe link every e-mail carries (RFC 8058: a POST with no sign-in; the
 * token alone says what to stop). Each runs one core write (core/unsubscribe.c).
 */
#include "net/personal.h"

#include <string.h>

#include "core/account.h"
#include "core/authz.h"
#include "core/record.h"
#include "core/error.h"
#include "core/personal.h"
#include "core/unsubscribe.h"
#include "net/accounts.h"

static void no_content(void *arg, core_arena *a, int *status, core_value *body)
{
    (void)arg, (void)a;
    *status = 204;
    *body = core_value_null();
}

static void newsletters_fail(net_req *r, int rc, void *arg)
{
    core_newsletters_op *op = arg;
    net_fail(r, rc, rc == CORE_EINVALID ? "the newsletters are wrong; see fields" : NULL,
             &op->fields.obj);
}

void net_me_newsletters(net_req *r)
{
    core_actor actor;
    if (!net_req_allow(r, CORE_ACT_ACCOUNT, &actor, NULL))
        return;
    core_newsletters_op *op = core_arena_alloc(&r->arena, sizeof(*op));
    memset(op, 0, sizeof(*op));
    op->user_id = actor.user_id;
    op->body = net_req_body(r);
    core_fields_init(&op->fields, &r->arena);
    net_req_write(r, core_newsletters_set_txn, op, no_content, newsletters_fail);
}

static void unsubscribe_fail(net_req *r, int rc, void *arg)
{
    (void)arg;
    net_fail(r, rc, rc == CORE_ENOTFOUND ? "this unsubscribe link is not known" : NULL, NULL);
}

void net_unsubscribe(net_req *r)
{
    core_unsubscribe_op *op = core_arena_alloc(&r->arena, sizeof(*op));
    memset(op, 0, sizeof(*op));
    op->token = net_req_param(r, "token");
    op->out = &r->arena;
    net_req_write(r, core_unsubscribe_txn, op, no_content, unsubscribe_fail);
}

void net_me_export(net_req *r)
{
    core_actor actor;
    if (!net_req_allow(r, CORE_ACT_ACCOUNT, &actor, NULL))
        return;
    core_value v;
    int rc = core_personal_export(r->server->store, actor.user_id, &r->arena, &v);
    if (rc != 0) {
        net_fail(r, rc, "could not gather the account's data", NULL);
        return;
    }
    net_add_header(r, "content-disposition", "attachment; filename=\"my-data.json\"");
    net_add_header(r, "cache-control", "no-store");
    net_reply(r, 200, &v);
}

/* ---- erasure ---- */

typedef struct erase_call {
    core_personal_erase op;
} erase_call;

static void erase_fail(net_req *r, int rc, void *arg)
{
    erase_call *c = arg;
    net_fail(r, rc, c->op.message, NULL);
}

static void erase_checked(net_req *r, void *arg, bool ok)
{
    erase_call *c = arg;
    if (!ok) {
        net_fail(r, CORE_EUNAUTH, "wrong password: the account was not erased", NULL);
        return;
    }
    net_req_write(r, core_personal_erase_txn, c, no_content, erase_fail);
}

void net_me_erase(net_req *r)
{
    core_actor actor;
    if (!net_req_allow(r, CORE_ACT_ACCOUNT, &actor, NULL))
        return;
    const core_value *body = net_req_body(r);
    core_fields f;
    core_fields_init(&f, &r->arena);
    static const char *const known[] = {"password", NULL};
    const char *password = NULL;
    if (body == NULL || body->type != CORE_OBJ) {
        core_fields_add(&f, "password", "is required: confirm the erasure with your password");
    } else {
        core_check_known(&f, body, known);
        password = core_check_string(&f, body, "password", true, 1, CORE_PASSWORD_MAX);
    }
    if (core_fields_any(&f)) {
        net_fail(r, CORE_EINVALID, "confirm the erasure with your password", &f.obj);
        return;
    }
    erase_call *c = core_arena_alloc(&r->arena, sizeof(*c));
    memset(c, 0, sizeof(*c));
    core_value user;
    int rc = core_record_get(r->server->store, "user", actor.user_id, &r->arena, &user);
    if (rc != 0) {
        net_fail(r, rc, "could not read the account", NULL);
        return;
    }
    const char *hash = core_value_get_str(&user, "password_hash");
    c->op.user_id = actor.user_id;
    c->op.out = &r->arena;
    if (hash == NULL) {
        net_fail(r, CORE_EINTERNAL, NULL, NULL);
        return;
    }
    /* argon2id off the loop, through sign-in's gate */
    net_accounts_confirm_password(r, actor.user_id, hash, password, erase_checked, c);
}
