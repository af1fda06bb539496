/* jobs.c: the demo generator's jobs: one composite write per organisation, member or
 * registration, queued on the store's committer with a bound on those in flight (see gen.h). */
#include "demo/gen.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/account.h"
#include "core/arena.h"
#include "core/error.h"
#include "core/hash.h"
#include "core/id.h"
#include "core/profile.h"
#include "core/sha256.h"
#include "core/text.h"
#include "core/value.h"
#include "core/vocab.h"
#include "core/event.h"
#include "core/xchange.h"
#include "demo/exchange.h"
#include "demo/prose.h"

/* ---- the plan ---- */

static core_demo_state state_of(target t)
{
    switch (t) {
    case T_DRAFT:
    case T_CHANGES:
        return CORE_DEMO_DRAFT;
    case T_REVIEW:
        return CORE_DEMO_NEEDS_REVIEW;
    case T_DECLINE:
        return CORE_DEMO_DECLINED;
    default:
        return CORE_DEMO_PUBLISHED;
    }
}

double elapsed(const struct timespec *since)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - since->tv_sec) + (double)(now.tv_nsec - since->tv_nsec) / 1e9;
}

static void report_progress(gen *g, bool force)
{
    if (g->o->progress == NULL)
        return;
    if (!force && elapsed(&g->last_progress) < 0.1)
        return;
    clock_gettime(CLOCK_MONOTONIC, &g->last_progress);
    pthread_mutex_lock(&g->mu);
    core_demo_progress p = {g->phase, g->phase_done, g->phase_total, g->r->records,
                            elapsed(&g->start)};
    pthread_mutex_unlock(&g->mu);
    g->o->progress(g->o->progress_ctx, &p);
}

/* ---- the composite write ---- */

static int job_fail(job *j, int rc, const char *step, const core_profile_op *op)
{
    const char *why = op && op->message ? op->message : core_strerror(rc);
    const char *field = "", *reason = "";
    if (op != NULL && core_fields_any(&op->fields)) {
        field = op->fields.obj.u.obj.items[0].key.ptr;
        reason = op->fields.obj.u.obj.items[0].value.u.s.ptr;
    }
    const char *name = core_value_get_str(&j->body, "name");
    snprintf(j->err, sizeof(j->err), "%s of %s \"%s\": %s%s%s%s", step,
             core_profile_type_name(j->type), name ? name : "?", why, *field ? " (" : "", field,
             *field ? "" : "");
    if (*reason) {
        size_t n = strlen(j->err);
        snprintf(j->err + n, sizeof(j->err) - n, " %s)", reason);
    }
    return rc;
}

static core_value decision(core_arena *a, const char *d, const char *note, bool waive)
{
    core_value b = core_value_obj();
    core_value_set(a, &b, "decision", core_value_cstr(a, d));
    if (note != NULL)
        core_value_set(a, &b, "note", core_value_cstr(a, note));
    if (waive)
        core_value_set(a, &b, "waive_criteria", core_value_bool(true));
    return b;
}

/* A registration's life: created by an admin of its profile, then (usually) decided by
 * the moderator, in one write. */
static int registration_txn(core_txn *t, job *j)
{
    core_arena *a = &j->a;
    core_actor admin = {j->admin_id, false}, moderator = {j->g->moderator_id, true};
    core_xchange_op op;
    core_xchange_op_init(&op, a, &admin);
    op.body = &j->body;
    int rc = core_xchange_create_txn(t, &op);
    const char *step = "registration";
    if (rc == 0 && j->xdecision != NULL) {
        core_value body = decision(a, j->xdecision, NULL, false);
        const char *id = op.id;
        core_xchange_op_init(&op, a, &moderator);
        op.id = id;
        op.body = &body;
        rc = core_xchange_decide_txn(t, &op);
        step = "registration decision";
    }
    if (rc != 0) {
        const char *field = core_fields_any(&op.fields) ? op.fields.obj.u.obj.items[0].key.ptr : "";
        const char *why = core_fields_any(&op.fields) ? op.fields.obj.u.obj.items[0].value.u.s.ptr
                          : op.message                ? op.message
                                                      : core_strerror(rc);
        snprintf(j->err, sizeof(j->err), "%s for profile %s: %s %s", step,
                 core_value_get_str(&j->body, "profile_id"), field, why);
    }
    return rc;
}

static int job_txn(core_txn *t, void *arg)
{
    job *j = arg;
    gen *g = j->g;
    core_arena *a = &j->a;
    if (j->registration)
        return registration_txn(t, j);
    char user_id[ID_SIZE] = "";
    int rc;
    if (j->make_user) {
        core_user_create u = {
            .body = &j->ubody, .password_hash = g->hash, .role = "user", .out = a};
        if ((rc = core_user_create_txn(t, &u)) != 0) {
            snprintf(j->err, sizeof(j->err), "account %s: %s%s%s",
                     core_value_get_str(&j->ubody, "username"), core_strerror(rc),
                     u.conflict ? ", taken: " : "", u.conflict ? u.conflict : "");
            return rc;
        }
        snprintf(user_id, sizeof(user_id), "%s", core_value_get_str(&u.user, "id"));
    } else {
        snprintf(user_id, sizeof(user_id), "%s", j->user_slot);
    }
    if (user_id[0] == '\0') {
        snprintf(j->err, sizeof(j->err), "the admin account of a %s is missing",
                 core_profile_type_name(j->type));
        return CORE_EINTERNAL;
    }

    core_actor admin = {user_id, false}, moderator = {g->moderator_id, true};
    core_profile_op op;
    core_profile_op_init(&op, a, &admin);
    op.body = &j->body;
    if ((rc = core_profile_create_txn(t, &op)) != 0)
        return job_fail(j, rc, "create", &op);
    const char *id = op.id;

    if (j->target != T_DRAFT) {
        core_profile_op_init(&op, a, &admin);
        op.id = id;
        if ((rc = core_profile_submit_txn(t, &op)) != 0)
            return job_fail(j, rc, "submit", &op);
    }
    if (j->target != T_DRAFT && j->target != T_REVIEW) {
        const char *d = j->target == T_DECLINE   ? "decline"
                        : j->target == T_CHANGES ? "request_changes"
                                                 : "publish";
        core_value body = decision(a, d, j->note, j->target == T_WAIVED);
        core_profile_op_init(&op, a, &moderator);
        op.id = id;
        op.body = &body;
        if ((rc = core_profile_moderate_txn(t, &op)) != 0)
            return job_fail(j, rc, "moderation", &op);
    }
    for (int k = 0; k < j->napprove; k++) {
        core_actor cluster_admin = {j->approve_admin[k], false};
        core_value body = decision(a, "approve", NULL, false);
        core_profile_op_init(&op, a, &cluster_admin);
        op.id = j->approve[k];
        op.other_id = id;
        op.body = &body;
        if ((rc = core_profile_affiliation_txn(t, &op)) != 0)
            return job_fail(j, rc, "affiliation approval", &op);
    }
    /* Only now, when nothing can fail any more, do the ids leave the job. */
    if (j->make_user && j->user_slot != NULL)
        memcpy(j->user_slot, user_id, ID_SIZE);
    if (j->id_slot != NULL)
        memcpy(j->id_slot, id, ID_SIZE);
    return 0;
}

static void job_done(core_commit *c)
{
    job *j = c->user;
    gen *g = j->g;
    pthread_mutex_lock(&g->mu);
    if (c->rc != 0) {
        g->r->failed++;
        if (g->rc == 0) {
            g->rc = c->rc;
            snprintf(g->r->error, sizeof(g->r->error), "%s",
                     j->err[0] ? j->err : core_strerror(c->rc));
        }
    } else if (j->registration) {
        g->r->writes++;
        g->r->registrations[j->xstate]++;
        g->r->records++;
        g->phase_done++;
    } else {
        core_demo_report *r = g->r;
        r->writes++;
        r->users += j->make_user;
        r->profiles[j->type][state_of(j->target)]++;
        r->profiles_total++;
        r->records += 1 + (uint64_t)j->make_user;
        r->criteria_waived += j->target == T_WAIVED;
        r->affiliations_approved += (uint64_t)j->napprove;
        if (j->type == CORE_PROFILE_CLUSTER_MEMBER && j->napprove == 0)
            r->affiliations_pending++;
        g->phase_done++;
    }
    g->in_flight--;
    pthread_cond_signal(&g->cv);
    pthread_mutex_unlock(&g->mu);
    core_arena_dispose(&j->a);
    free(j);
}

job *job_new(gen *g)
{
    job *j = calloc(1, sizeof(*j));
    if (j == NULL)
        core_oom();
    core_arena_init(&j->a);
    j->g = g;
    j->ubody = core_value_null();
    j->body = core_value_null();
    return j;
}

void job_free(job *j)
{
    core_arena_dispose(&j->a);
    free(j);
}

/* Adds a value to the run's digest: ids and times never go in. */
void digest_value(gen *g, const char *tag, const core_value *v)
{
    char *buf = NULL;
    size_t len = 0;
    core_sha256_update(&g->digest, tag, strlen(tag) + 1);
    if (core_value_to_msgpack(v, &buf, &len) == 0)
        core_sha256_update(&g->digest, buf, len);
    free(buf);
}

/* Queues a job, waiting while too many are in flight. Returns the run's first error. */
int submit(gen *g, job *j)
{
    pthread_mutex_lock(&g->mu);
    while (g->in_flight >= g->max_in_flight && g->rc == 0)
        pthread_cond_wait(&g->cv, &g->mu);
    int rc = g->rc;
    if (rc == 0)
        g->in_flight++;
    pthread_mutex_unlock(&g->mu);
    if (rc != 0) {
        job_free(j);
        return rc;
    }
    j->c.fn = job_txn;
    j->c.arg = j;
    j->c.no_mail = true; /* the moderator's decisions notify fictional people: no e-mail */
    j->c.done = job_done;
    j->c.user = j;
    core_store_submit(g->s, &j->c);
    report_progress(g, false);
    return 0;
}

int drain(gen *g)
{
    pthread_mutex_lock(&g->mu);
    while (g->in_flight > 0)
        pthread_cond_wait(&g->cv, &g->mu);
    int rc = g->rc;
    pthread_mutex_unlock(&g->mu);
    report_progress(g, true);
    return rc;
}

void begin_phase(gen *g, const char *phase, uint64_t total)
{
    pthread_mutex_lock(&g->mu);
    g->phase = phase;
    g->phase_done = 0;
    g->phase_total = total;
    pthread_mutex_unlock(&g->mu);
    report_progress(g, true);
}

/* ---- one write, waited for ---- */

typedef struct waiter {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
} waiter;

static void wake(core_commit *c)
{
    waiter *w = c->user;
    pthread_mutex_lock(&w->mu);
    w->done = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

int demo_write_quiet(core_store *s, core_txn_fn fn, void *arg)
{
    waiter w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false};
    core_commit c;
    memset(&c, 0, sizeof(c));
    c.fn = fn;
    c.arg = arg;
    c.done = wake;
    c.user = &w;
    c.no_mail = true;
    core_store_submit(s, &c);
    pthread_mutex_lock(&w.mu);
    while (!w.done)
        pthread_cond_wait(&w.cv, &w.mu);
    pthread_mutex_unlock(&w.mu);
    free(c.replay);
    return c.rc;
}
