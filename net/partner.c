/*
 * partner.c: the Partner search handlers. Each parses, takes the caller's identity and
 * runs one core operation (core/partner.c), where authorisation against the author
 * profile, the state machine and the notifications happen in the same write; reads go
 * through core's read functions, which authorise through the same table (core/authz.h).
 * The sweeper closes searches past their deadline on a timer (reads already show them
 * closed: core_partner_effective_state); it also removes unreferenced attachments and,
 * at start and hourly, expired Idempotency-Key entries (core_store_idem_sweep).
 */
#include "net/partner.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/attachment.h"
#include "core/error.h"
#include "core/id.h"
#include "core/partner.h"

typedef enum view_kind { VIEW_SEARCH, VIEW_ITEM, VIEW_NONE } view_kind;

typedef struct call {
    core_partner_op op;
    core_store *store;
    int ok_status;
    view_kind view;
} call;

/* The call for the caller; NULL after answering 401 for a bad token. */
static call *new_call(net_req *r, int ok_status, view_kind view)
{
    core_actor actor;
    if (!net_req_actor(r, &actor))
        return NULL;
    call *c = core_arena_alloc(&r->arena, sizeof(*c));
    core_partner_op_init(&c->op, &r->arena, &actor);
    c->store = r->server->store;
    c->ok_status = ok_status;
    c->view = view;
    c->op.body = net_req_body(r);
    return c;
}

static void respond(void *arg, core_arena *a, int *status, core_value *body)
{
    call *c = arg;
    *status = c->ok_status;
    switch (c->view) {
    case VIEW_NONE:
        *body = core_value_null();
        break;
    case VIEW_ITEM:
        *body = c->op.item;
        break;
    default:
        *body = core_partner_view(c->store, a, &c->op.rec, core_partner_now());
        break;
    }
}

static void op_fail(net_req *r, int rc, void *arg)
{
    call *c = arg;
    net_fail(r, rc, c->op.message, &c->op.fields.obj);
}

/* A path id that cannot be a partner search is a 404 before anything else. */
static const char *search_param(net_req *r)
{
    const char *id = net_req_param(r, "id");
    if (id == NULL || !core_id_valid(id)) {
        net_fail(r, CORE_ENOTFOUND, "no such partner search", NULL);
        return NULL;
    }
    return id;
}

void net_partner_create(net_req *r)
{
    call *c = new_call(r, 201, VIEW_SEARCH);
    if (c != NULL)
        net_req_write(r, core_partner_create_txn, c, respond, op_fail);
}

/* A write on the partner search named in the path: the six handlers below differ only in
 * the status, the view of the answer and the core operation. */
static void write_on_search(net_req *r, int status, view_kind view, core_txn_fn fn)
{
    const char *id = search_param(r);
    call *c = id ? new_call(r, status, view) : NULL;
    if (c == NULL)
        return;
    c->op.id = id;
    net_req_write(r, fn, c, respond, op_fail);
}

void net_partner_patch(net_req *r)
{
    write_on_search(r, 200, VIEW_SEARCH, core_partner_patch_txn);
}

void net_partner_close(net_req *r)
{
    write_on_search(r, 200, VIEW_SEARCH, core_partner_close_txn);
}

void net_partner_follow(net_req *r)
{
    write_on_search(r, 204, VIEW_NONE, core_partner_follow_txn);
}

void net_partner_unfollow(net_req *r)
{
    write_on_search(r, 204, VIEW_NONE, core_partner_unfollow_txn);
}

void net_partner_interest(net_req *r)
{
    write_on_search(r, 201, VIEW_ITEM, core_partner_interest_txn);
}

void net_partner_comment(net_req *r)
{
    write_on_search(r, 201, VIEW_ITEM, core_partner_comment_txn);
}

/* ---- reads ---- */

void net_partner_get(net_req *r)
{
    const char *id = search_param(r);
    core_actor actor;
    if (id == NULL || !net_req_actor(r, &actor))
        return;
    core_value rec;
    int rc = core_partner_get(r->server->store, id, &r->arena, &rec);
    if (rc != 0) {
        net_fail(r, rc, rc == CORE_ENOTFOUND ? "no such partner search" : NULL, NULL);
        return;
    }
    core_value v = core_partner_view(r->server->store, &r->arena, &rec, core_partner_now());
    if (actor.user_id != NULL)
        core_value_set(&r->arena, &v, "following",
                       core_value_bool(core_partner_is_following(r->server->store, id,
                                                                 actor.user_id, &r->arena)));
    net_reply(r, 200, &v);
}

void net_partner_list(net_req *r)
{
    size_t page, per_page;
    if (net_req_auth(r) == NULL || !net_req_page(r, &page, &per_page))
        return;
    const char *state = net_req_query(r, "state");
    if (state != NULL && *state == '\0')
        state = NULL;
    if (state != NULL && strcmp(state, "open") != 0 && strcmp(state, "closed") != 0) {
        net_fail(r, CORE_EBADREQ, "state is open or closed", NULL);
        return;
    }
    const char *pid = net_req_query(r, "profile_id");
    if (pid != NULL && *pid == '\0')
        pid = NULL;
    if (pid != NULL && !core_id_valid(pid)) {
        net_fail(r, CORE_EBADREQ, "profile_id is not a profile id", NULL);
        return;
    }
    core_value v;
    int rc = core_partner_list(r->server->store, state, pid, page, per_page, core_partner_now(),
                               &r->arena, &v);
    if (rc != 0) {
        net_fail(r, rc, "could not list partner searches", NULL);
        return;
    }
    net_reply(r, 200, &v);
}

typedef int (*list_fn)(core_store *, const core_actor *, const char *, size_t, size_t, core_arena *,
                       core_value *, const char **);

static void list_items(net_req *r, list_fn fn)
{
    const char *id = search_param(r);
    core_actor actor;
    size_t page, per_page;
    if (id == NULL || !net_req_actor(r, &actor) || !net_req_page(r, &page, &per_page))
        return;
    core_value v;
    const char *message = NULL;
    int rc = fn(r->server->store, &actor, id, page, per_page, &r->arena, &v, &message);
    if (rc != 0) {
        net_fail(r, rc, message, NULL);
        return;
    }
    net_reply(r, 200, &v);
}

void net_partner_interests(net_req *r)
{
    list_items(r, core_partner_interests);
}

void net_partner_comments(net_req *r)
{
    list_items(r, core_partner_comments);
}

/* ---- the sweeper ---- */

struct net_partner_sweeper {
    core_store *store;
    core_outbox *outbox;
    double interval_s;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stopping; /* guarded by mu */
};

static void sweep(net_partner_sweeper *w)
{
    for (;;) {
        core_arena a;
        core_arena_init(&a);
        core_actor nobody = {NULL, false};
        core_partner_op op;
        core_partner_op_init(&op, &a, &nobody);
        int rc = core_store_write_sync(w->store, core_partner_expire_txn, &op, NULL);
        size_t closed = op.closed;
        core_arena_dispose(&a);
        if (rc != 0) {
            fprintf(stderr, "eccpd: closing partner searches past their deadline: %s\n",
                    core_strerror(rc));
            break;
        }
        if (closed > 0)
            core_outbox_kick(w->outbox);
        if (closed < CORE_PARTNER_EXPIRE_BATCH)
            break;
    }
    size_t removed = 0;
    int rc = core_store_write_sync(w->store, core_attachment_sweep_txn, &removed, NULL);
    if (rc != 0)
        fprintf(stderr, "eccpd: removing unreferenced attachments: %s\n", core_strerror(rc));
    long idem = core_store_idem_sweep(w->store); /* at start, then hourly */
    if (idem < 0)
        fprintf(stderr, "eccpd: removing expired idempotency keys: %s\n", core_strerror((int)idem));
}

static void *sweeper_main(void *arg)
{
    net_partner_sweeper *w = arg;
    pthread_mutex_lock(&w->mu);
    while (!w->stopping) {
        pthread_mutex_unlock(&w->mu);
        sweep(w);
        pthread_mutex_lock(&w->mu);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += (time_t)w->interval_s;
        while (!w->stopping && pthread_cond_timedwait(&w->cv, &w->mu, &until) != ETIMEDOUT) {
        }
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

net_partner_sweeper *net_partner_sweeper_start(core_store *s, core_outbox *o, double interval_s)
{
    net_partner_sweeper *w = calloc(1, sizeof(*w));
    if (w == NULL)
        core_oom();
    w->store = s;
    w->outbox = o;
    w->interval_s = interval_s < 1 ? 1 : interval_s;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    int e = pthread_create(&w->thread, NULL, sweeper_main, w);
    if (e != 0) {
        fprintf(stderr, "eccpd: cannot start the partner search timer: %s\n", strerror(e));
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->cv);
        free(w);
        return NULL;
    }
    return w;
}

void net_partner_sweeper_stop(net_partner_sweeper *w)
{
    if (w == NULL)
        return;
    pthread_mutex_lock(&w->mu);
    w->stopping = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w);
}
