/*
 * profiles.c: handlers of the Profiles section of API.md, the moderation queue and the
 * notifications. Each handler parses, takes the caller's identity, and runs one core
 * operation (core/profile.c), where authorisation against the record happens atomically
 * with the change; reads authorise through the same table (core/authz.h).
 */
#include <stdlib.h>
#include <string.h>

#include "core/authz.h"
#include "core/error.h"
#include "core/id.h"
#include "core/notify.h"
#include "core/profile.h"
#include "net/profiles.h"
#include "net/ratelimit.h"

typedef struct op_call {
    core_profile_op op;
    int ok_status; /* 200, 201 or 204 */
    enum { VIEW_ADMIN, VIEW_CREATED, VIEW_AFFILIATION, VIEW_NONE } view;
} op_call;

/* The caller as core sees it; NULL after answering 401 for a bad token. */
static op_call *new_call(net_req *r, int ok_status, int view)
{
    core_actor actor;
    if (!net_req_actor(r, &actor))
        return NULL;
    op_call *c = core_arena_alloc(&r->arena, sizeof(*c));
    core_profile_op_init(&c->op, &r->arena, &actor);
    c->ok_status = ok_status;
    c->view = view;
    c->op.body = net_req_body(r);
    return c;
}

static void op_respond(void *arg, core_arena *a, int *status, core_value *body)
{
    op_call *c = arg;
    *status = c->ok_status;
    switch (c->view) {
    case VIEW_NONE:
        *body = core_value_null();
        break;
    case VIEW_CREATED:
        *body = core_profile_admin_view(a, &c->op.rec);
        core_value_set(a, body, "possible_duplicates", c->op.extra);
        break;
    case VIEW_AFFILIATION:
        *body = core_value_obj();
        core_value_set(a, body, "cluster_id", core_value_cstr(a, c->op.id));
        core_value_set(a, body, "member_id", core_value_cstr(a, c->op.other_id));
        core_value_set(a, body, "status", core_value_copy(a, &c->op.extra));
        break;
    default:
        *body = core_profile_admin_view(a, &c->op.rec);
        break;
    }
}

static void op_fail(net_req *r, int rc, void *arg)
{
    op_call *c = arg;
    net_fail(r, rc, c->op.message, &c->op.fields.obj);
}

static void run(net_req *r, op_call *c, core_txn_fn fn)
{
    net_req_write(r, fn, c, op_respond, op_fail);
}

/* A path id that cannot be a profile is a 404 before anything else. */
static const char *profile_param(net_req *r, const char *name)
{
    const char *id = net_req_param(r, name);
    if (id == NULL || !core_id_valid(id)) {
        net_fail(r, CORE_ENOTFOUND, "no such profile", NULL);
        return NULL;
    }
    return id;
}

void net_profiles_create(net_req *r)
{
    op_call *c = new_call(r, 201, VIEW_CREATED);
    if (c != NULL)
        run(r, c, core_profile_create_txn);
}

/* Runs fn on profile {id} for the caller; answers status with view on success. */
static void on_profile(net_req *r, int status, int view, core_txn_fn fn)
{
    const char *id = profile_param(r, "id");
    op_call *c = id ? new_call(r, status, view) : NULL;
    if (c == NULL)
        return;
    c->op.id = id;
    run(r, c, fn);
}

void net_profiles_patch(net_req *r)
{
    on_profile(r, 200, VIEW_ADMIN, core_profile_patch_txn);
}

void net_profiles_submit(net_req *r)
{
    on_profile(r, 200, VIEW_ADMIN, core_profile_submit_txn);
}

void net_profiles_moderate(net_req *r)
{
    on_profile(r, 200, VIEW_ADMIN, core_profile_moderate_txn);
}

void net_profiles_delete(net_req *r)
{
    on_profile(r, 204, VIEW_NONE, core_profile_delete_txn);
}

/* "No registered user has this e-mail" answers per client address and per user in a
 * window: enough to mistype a colleague's address, too few to test addresses at scale. */
enum { UNKNOWN_EMAIL_MAX = 10, UNKNOWN_EMAIL_WINDOW = 15 * 60 };

static void admin_add_fail(net_req *r, int rc, void *arg)
{
    if (rc == CORE_ENOTFOUND) {
        net_ratelimit *rl = r->server->login_limits;
        net_ratelimit_hit(rl, core_arena_printf(&r->arena, "unknown-email:%s", net_req_peer(r)));
        if (r->who.signed_in)
            net_ratelimit_hit(
                rl, core_arena_printf(&r->arena, "unknown-email-user:%s", r->who.user_id));
    }
    op_fail(r, rc, arg);
}

void net_profiles_admin_add(net_req *r)
{
    const char *id = profile_param(r, "id");
    op_call *c = id ? new_call(r, 200, VIEW_ADMIN) : NULL;
    if (c == NULL)
        return;
    net_ratelimit *rl = r->server->login_limits;
    int wait =
        net_ratelimit_check(rl, core_arena_printf(&r->arena, "unknown-email:%s", net_req_peer(r)),
                            UNKNOWN_EMAIL_MAX, UNKNOWN_EMAIL_WINDOW);
    if (r->who.signed_in) {
        int w = net_ratelimit_check(
            rl, core_arena_printf(&r->arena, "unknown-email-user:%s", r->who.user_id),
            UNKNOWN_EMAIL_MAX, UNKNOWN_EMAIL_WINDOW);
        if (w > wait)
            wait = w;
    }
    if (wait > 0) {
        net_add_header(r, "retry-after", core_arena_printf(&r->arena, "%d", wait));
        net_fail(r, CORE_ELIMIT,
                 core_arena_printf(&r->arena,
                                   "too many e-mail addresses that are not registered; check the "
                                   "address with your colleague and try again in %d seconds",
                                   wait),
                 NULL);
        return;
    }
    c->op.id = id;
    net_req_write(r, core_profile_admin_add_txn, c, op_respond, admin_add_fail);
}

void net_profiles_admin_remove(net_req *r)
{
    const char *id = profile_param(r, "id");
    const char *uid = id ? net_req_param(r, "user_id") : NULL;
    op_call *c = uid ? new_call(r, 204, VIEW_NONE) : NULL;
    if (c == NULL) {
        if (id != NULL && uid == NULL)
            net_fail(r, CORE_ENOTFOUND, "no such user", NULL);
        return;
    }
    c->op.id = id;
    c->op.other_id = uid;
    run(r, c, core_profile_admin_remove_txn);
}

void net_profiles_affiliation(net_req *r)
{
    const char *cluster = profile_param(r, "id");
    const char *member = cluster ? profile_param(r, "member_id") : NULL;
    op_call *c = member ? new_call(r, 200, VIEW_AFFILIATION) : NULL;
    if (c == NULL)
        return;
    c->op.id = cluster;
    c->op.other_id = member;
    run(r, c, core_profile_affiliation_txn);
}

/* ---- reads ---- */

/* Loads the profile and the caller; answers 404/401 itself and returns false. */
static bool load_for_read(net_req *r, const char *id, core_value *rec, core_actor *actor)
{
    if (!net_req_actor(r, actor))
        return false;
    int rc = core_profile_get(r->server->store, id, &r->arena, rec);
    if (rc != 0) {
        net_fail(r, rc, rc == CORE_ENOTFOUND ? "no such profile" : "could not read the profile",
                 NULL);
        return false;
    }
    return true;
}

static void read_answer(net_req *r, int rc, const core_value *v)
{
    if (rc == 0)
        net_reply(r, 200, v);
    else
        net_fail(r, rc,
                 rc == CORE_ENOTFOUND ? "no such profile"
                 : rc == CORE_EBADREQ ? "version is draft or published"
                                      : NULL,
                 NULL);
}

void net_profiles_get(net_req *r)
{
    const char *id = profile_param(r, "id");
    core_value rec, v;
    core_actor actor;
    if (id == NULL || !load_for_read(r, id, &rec, &actor))
        return;
    int rc = core_profile_read(r->server->store, &actor, &rec, net_req_query(r, "version"),
                               &r->arena, &v);
    read_answer(r, rc, &v);
}

void net_profiles_check(net_req *r)
{
    const char *id = profile_param(r, "id");
    core_value rec;
    core_actor actor;
    if (id == NULL || !load_for_read(r, id, &rec, &actor))
        return;
    int rc = core_authorize(CORE_ACT_PROFILE_CHECK, core_profile_roles(&actor, &rec));
    if (rc != 0) {
        net_fail(r, rc, rc == CORE_ENOTFOUND ? "no such profile" : NULL, NULL);
        return;
    }
    core_value v = core_profile_check_record(&r->arena, &rec);
    net_reply(r, 200, &v);
}

void net_profiles_members(net_req *r)
{
    const char *id = profile_param(r, "id");
    core_value rec, v;
    core_actor actor;
    size_t page, per_page;
    if (id == NULL || !load_for_read(r, id, &rec, &actor) || !net_req_page(r, &page, &per_page))
        return;
    int rc =
        core_profile_members_read(r->server->store, &actor, &rec, page, per_page, &r->arena, &v);
    read_answer(r, rc, &v);
}

void net_moderation_queue(net_req *r)
{
    size_t page, per_page;
    core_actor actor;
    if (!net_req_allow(r, CORE_ACT_MODERATION_QUEUE, &actor, "only moderators may do this") ||
        !net_req_page(r, &page, &per_page))
        return;
    core_value v;
    int rc = core_profile_queue(r->server->store, page, per_page, &r->arena, &v);
    if (rc != 0) {
        net_fail(r, rc, "could not read the queue", NULL);
        return;
    }
    net_reply(r, 200, &v);
}

/* ---- notifications ---- */

void net_notifications_list(net_req *r)
{
    size_t page, per_page;
    core_actor actor;
    if (!net_req_allow(r, CORE_ACT_NOTIFICATIONS, &actor, NULL) ||
        !net_req_page(r, &page, &per_page))
        return;
    const char *unread = net_req_query(r, "unread");
    if (unread != NULL && strcmp(unread, "true") != 0 && strcmp(unread, "false") != 0) {
        net_fail(r, CORE_EBADREQ, "unread is true or false", NULL);
        return;
    }
    core_value v;
    core_notifications_list(r->server->store, actor.user_id, unread && !strcmp(unread, "true"),
                            page, per_page, &r->arena, &v);
    net_reply(r, 200, &v);
}

static void read_respond(void *arg, core_arena *a, int *status, core_value *body)
{
    *status = 204;
    *body = core_value_null();
}

static void read_fail(net_req *r, int rc, void *arg)
{
    net_fail(r, rc, rc == CORE_ENOTFOUND ? "no such notification" : NULL, NULL);
}

void net_notifications_read(net_req *r)
{
    core_actor actor;
    if (!net_req_allow(r, CORE_ACT_NOTIFICATIONS, &actor, NULL))
        return;
    core_notification_read *c = core_arena_alloc(&r->arena, sizeof(*c));
    c->user_id = actor.user_id;
    c->id = net_req_param(r, "id");
    if (c->id == NULL || strchr(c->id, '/') != NULL) {
        net_fail(r, CORE_ENOTFOUND, "no such notification", NULL);
        return;
    }
    net_req_write(r, core_notification_read_txn, c, read_respond, read_fail);
}
