/*
 * events.c: the events handlers (see events.h).
 *
 * Writes are core/event.c transactions through net_req_write. A scheduler run goes to the
 * worker pool (never the event loop), where matcher_event_schedule (matcher/
 * event_records.c) reads the event and runs the scheduler; the result is then stored as
 * the event's published schedule in one write. Progress of a run is kept here, per event.
 */
#include "net/events.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/authz.h"
#include "core/error.h"
#include "core/event.h"
#include "core/id.h"
#include "core/record.h"
#include "core/time.h"
#include "core/vocab.h"
#include "matcher/event_records.h"

/* ---- common ---- */

static void op_fail(net_req *r, int rc, void *arg)
{
    core_event_op *op = arg;
    net_fail(r, rc, op->message, &op->fields.obj);
}

/* The event view is built on the committer thread from the record and the store. */
typedef struct view_arg {
    core_event_op op;
    core_store *store;
    int status;
} view_arg;

static void event_respond(void *arg, core_arena *a, int *status, core_value *body)
{
    view_arg *v = arg;
    core_value prof;
    const char *pid = core_value_get_str(&v->op.rec, "profile_id");
    bool have = core_profile_get(v->store, pid, a, &prof) == 0;
    *status = v->status;
    *body = core_event_view(v->store, a, &v->op.rec, have ? &prof : NULL);
}

static void participant_respond(void *arg, core_arena *a, int *status, core_value *body)
{
    view_arg *v = arg;
    *status = v->status;
    *body = core_event_participant_view(a, &v->op.rec);
}

static void request_respond(void *arg, core_arena *a, int *status, core_value *body)
{
    view_arg *v = arg;
    *status = v->status;
    *body = core_event_request_view(a, &v->op.rec);
}

static void write_op(net_req *r, core_txn_fn fn, net_write_respond_fn respond, int status,
                     const char *other_param)
{
    core_actor actor;
    if (!net_req_actor(r, &actor))
        return;
    view_arg *v = core_arena_alloc(&r->arena, sizeof(*v));
    core_event_op_init(&v->op, &r->arena, &actor);
    v->op.body = net_req_body(r);
    v->op.id = net_req_param(r, "id");
    v->op.other_id = other_param ? net_req_param(r, other_param) : NULL;
    v->store = r->server->store;
    v->status = status;
    if (actor.user_id == NULL) {
        net_fail(r, CORE_EUNAUTH, "sign in first", NULL);
        return;
    }
    net_req_write(r, fn, v, respond, op_fail);
}

void net_events_create(net_req *r)
{
    write_op(r, core_event_create_txn, event_respond, 201, NULL);
}

void net_events_patch(net_req *r)
{
    write_op(r, core_event_patch_txn, event_respond, 200, NULL);
}

void net_events_cancel(net_req *r)
{
    write_op(r, core_event_cancel_txn, event_respond, 200, NULL);
}

void net_events_slots(net_req *r)
{
    write_op(r, core_event_slots_txn, event_respond, 200, NULL);
}

void net_events_apply(net_req *r)
{
    write_op(r, core_event_apply_txn, participant_respond, 201, NULL);
}

void net_events_decide(net_req *r)
{
    write_op(r, core_event_decide_txn, participant_respond, 200, "pid");
}

void net_events_unavailable(net_req *r)
{
    write_op(r, core_event_unavailable_txn, participant_respond, 200, "pid");
}

void net_events_request(net_req *r)
{
    write_op(r, core_event_request_txn, request_respond, 201, NULL);
}

void net_events_answer(net_req *r)
{
    write_op(r, core_event_answer_txn, request_respond, 200, "rid");
}

/* ---- reads ---- */

/* Loads event {id} as the caller may see it (core_event_load_visible); answers 404 (and
 * returns false) when the caller may not see it. */
static bool load_visible(net_req *r, const core_actor *actor, core_event_seen *seen)
{
    int rc =
        core_event_load_visible(r->server->store, actor, net_req_param(r, "id"), &r->arena, seen);
    if (rc != 0) {
        net_fail(r, rc, rc == CORE_ENOTFOUND ? "no such event" : NULL, NULL);
        return false;
    }
    return true;
}

void net_events_get(net_req *r)
{
    core_actor actor;
    core_event_seen seen;
    if (!net_req_actor(r, &actor) || !load_visible(r, &actor, &seen))
        return;
    core_value v =
        core_event_view(r->server->store, &r->arena, &seen.ev, seen.have_prof ? &seen.prof : NULL);
    net_reply(r, 200, &v);
}

void net_events_agenda(net_req *r)
{
    size_t page, per_page;
    if (net_req_auth(r) == NULL || !net_req_page(r, &page, &per_page))
        return;
    const char *from_s = net_req_query(r, "from"), *to_s = net_req_query(r, "to");
    const char *kind = net_req_query(r, "kind"), *eco = net_req_query(r, "ecosystem");
    int64_t from = 0, to = -1;
    if (from_s == NULL)
        from = (int64_t)time(NULL) / 86400 * 86400; /* from the start of today (UTC) */
    else if (!core_time_parse(from_s, true, &from)) {
        net_fail(r, CORE_EBADREQ, "from is an RFC 3339 time or a date (2027-03-15)", NULL);
        return;
    }
    if (to_s != NULL && !core_time_parse(to_s, true, &to)) {
        net_fail(r, CORE_EBADREQ, "to is an RFC 3339 time or a date (2027-03-15)", NULL);
        return;
    }
    const char *const *kinds = core_event_kinds(); /* the domain's list, not a copy */
    bool ok = kind == NULL;
    for (size_t i = 0; !ok && kinds[i] != NULL; i++)
        ok = strcmp(kind, kinds[i]) == 0;
    if (!ok) {
        net_fail(r, CORE_EBADREQ, "kind is matchmaking, webinar, conference, workshop or other",
                 NULL);
        return;
    }
    if (eco != NULL && core_vocab_find(CORE_VOCAB_ECOSYSTEM, eco, strlen(eco)) < 0) {
        net_fail(r, CORE_EBADREQ, "ecosystem is not one of the ecosystems", NULL);
        return;
    }
    core_value out;
    int rc =
        core_event_agenda(r->server->store, from, to, kind, eco, page, per_page, &r->arena, &out);
    if (rc != 0) {
        net_fail(r, rc, NULL, NULL);
        return;
    }
    net_reply(r, 200, &out);
}

void net_events_participants(net_req *r)
{
    core_actor actor;
    core_event_seen seen;
    if (!net_req_actor(r, &actor) || !load_visible(r, &actor, &seen))
        return;
    core_value out = core_event_participant_list(r->server->store, &seen, &r->arena);
    net_reply(r, 200, &out);
}

void net_events_requests(net_req *r)
{
    core_actor actor;
    core_event_seen seen;
    if (!net_req_actor(r, &actor) || !load_visible(r, &actor, &seen))
        return;
    const char *pid = net_req_query(r, "participant");
    int rc = core_event_authorize_agenda(r->server->store, &actor, &seen, pid, &r->arena);
    if (rc != 0) {
        net_fail(r, rc, rc == CORE_ENOTFOUND ? "no such participant" : NULL, NULL);
        return;
    }
    core_value out = core_event_request_list(r->server->store, core_value_get_str(&seen.ev, "id"),
                                             pid, &r->arena);
    net_reply(r, 200, &out);
}

/* ---- the scheduler run ---- */

/* Runs in progress, one per event at most: a second run of the same event waits for none
 * and is answered 409 with how far the first has come, and GET .../schedule shows it as
 * `running: {done}` (0..1). A handful of entries; a linear scan under one lock. */
enum { MAX_RUNS = 64 };
static struct {
    char event_id[CORE_ID_LEN + 1];
    double done;
    bool used;
} runs[MAX_RUNS];
static pthread_mutex_t runs_mu = PTHREAD_MUTEX_INITIALIZER;

/* Registers a run of eid; false (and *done) when one is already running, or when the table
 * is full (*done < 0). */
static bool run_begin(const char *eid, double *done)
{
    bool ok = false;
    int free_i = -1;
    *done = -1;
    pthread_mutex_lock(&runs_mu);
    for (int i = 0; i < MAX_RUNS; i++) {
        if (runs[i].used && strcmp(runs[i].event_id, eid) == 0) {
            *done = runs[i].done;
            pthread_mutex_unlock(&runs_mu);
            return false;
        }
        if (!runs[i].used && free_i < 0)
            free_i = i;
    }
    if (free_i >= 0) {
        runs[free_i].used = true;
        runs[free_i].done = 0;
        snprintf(runs[free_i].event_id, sizeof(runs[free_i].event_id), "%s", eid);
        ok = true;
    }
    pthread_mutex_unlock(&runs_mu);
    return ok;
}

static void run_set(const char *eid, double done, bool end)
{
    pthread_mutex_lock(&runs_mu);
    for (int i = 0; i < MAX_RUNS; i++)
        if (runs[i].used && strcmp(runs[i].event_id, eid) == 0) {
            runs[i].done = done;
            runs[i].used = !end;
        }
    pthread_mutex_unlock(&runs_mu);
}

/* How far the run of eid has come, or -1 when none runs. */
static double run_progress(const char *eid)
{
    double d = -1;
    pthread_mutex_lock(&runs_mu);
    for (int i = 0; i < MAX_RUNS; i++)
        if (runs[i].used && strcmp(runs[i].event_id, eid) == 0)
            d = runs[i].done;
    pthread_mutex_unlock(&runs_mu);
    return d;
}

static void on_progress(void *ctx, double done)
{
    run_set(ctx, done, false);
}

typedef struct sched_job {
    core_store *store;
    const char *event_id;
    core_arena *a; /* the request's arena: the loop leaves it alone while the job runs */
    core_actor actor;
    /* out */
    int rc;
    const char *message;
    core_value schedule; /* the result as stored and answered */
} sched_job;

static void sched_work(void *arg)
{
    sched_job *j = arg;
    j->rc = matcher_event_schedule(j->store, j->event_id, j->a, on_progress, (void *)j->event_id,
                                   &j->schedule, &j->message);
    run_set(j->event_id, 1.0, true); /* the next run may start once this one is stored */
}

static void sched_respond(void *arg, core_arena *a, int *status, core_value *body)
{
    core_event_op *op = arg;
    *status = 200;
    *body = core_value_copy(a, op->body);
}

static void sched_resume(net_req *r, void *arg)
{
    sched_job *j = arg;
    if (j->rc != 0) {
        net_fail(r, j->rc, j->message, NULL);
        return;
    }
    core_event_op *op = core_arena_alloc(&r->arena, sizeof(*op));
    core_event_op_init(op, &r->arena, &j->actor);
    op->id = j->event_id;
    op->body = &j->schedule;
    net_req_write(r, core_event_schedule_put_txn, op, sched_respond, op_fail);
}

void net_events_schedule(net_req *r)
{
    core_actor actor;
    core_event_seen seen;
    if (!net_req_actor(r, &actor) || !load_visible(r, &actor, &seen))
        return;
    const core_value ev = seen.ev;
    int rc = core_authorize(CORE_ACT_EVENT_SCHEDULE, seen.roles);
    if (rc != 0) {
        net_fail(r, rc,
                 rc == CORE_EUNAUTH ? "sign in first" : "only the organiser runs the scheduler",
                 NULL);
        return;
    }
    const char *why = core_event_schedulable(&ev);
    if (why != NULL) {
        net_fail(r, CORE_ECONFLICT, why, NULL);
        return;
    }
    double done;
    if (!run_begin(core_value_get_str(&ev, "id"), &done)) {
        net_fail(r, done >= 0 ? CORE_ECONFLICT : CORE_EUNAVAILABLE,
                 done >= 0 ? core_arena_printf(&r->arena,
                                               "the scheduler is running for this event (%.0f%% "
                                               "done); try again when it has finished",
                                               done * 100)
                           : "too many schedules are being built; try again shortly",
                 NULL);
        return;
    }
    sched_job *j = core_arena_alloc(&r->arena, sizeof(*j));
    memset(j, 0, sizeof(*j));
    j->store = r->server->store;
    j->event_id = core_value_get_str(&ev, "id");
    j->a = &r->arena;
    j->actor = actor;
    net_req_offload(r, sched_work, sched_resume, j);
}

/* ---- agendas ---- */

/* Text escaped for an iCalendar TEXT value (RFC 5545, 3.3.11). */
static const char *ics_escape(core_arena *a, const char *s)
{
    size_t n = 0;
    for (const char *p = s; *p; p++)
        n += (*p == '\\' || *p == ';' || *p == ',' || *p == '\n') ? 2 : 1;
    char *out = core_arena_alloc(a, n + 1), *o = out;
    for (const char *p = s; *p; p++) {
        if (*p == '\n') {
            *o++ = '\\';
            *o++ = 'n';
        } else {
            if (*p == '\\' || *p == ';' || *p == ',')
                *o++ = '\\';
            *o++ = *p;
        }
    }
    *o = '\0';
    return out;
}

/* Appends one content line, folded at 75 octets (RFC 5545, 3.1) without splitting a UTF-8
 * sequence, ending in CRLF. */
static void ics_line(core_arena *a, char **buf, size_t *len, size_t *cap, const char *line)
{
    size_t n = strlen(line);
    size_t need = *len + n + n / 70 * 3 + 4;
    if (need > *cap) {
        size_t nc = need * 2;
        char *nb = core_arena_alloc(a, nc);
        memcpy(nb, *buf, *len);
        *buf = nb;
        *cap = nc;
    }
    size_t col = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)line[i];
        size_t seq = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        if (col + seq > 75 && (c & 0xC0) != 0x80) {
            (*buf)[(*len)++] = '\r';
            (*buf)[(*len)++] = '\n';
            (*buf)[(*len)++] = ' ';
            col = 1;
        }
        (*buf)[(*len)++] = (char)c;
        col++;
    }
    (*buf)[(*len)++] = '\r';
    (*buf)[(*len)++] = '\n';
}

static void ics_stamp(int64_t t, char out[17])
{
    char r[CORE_TIME_RFC3339_LEN + 1];
    core_time_format(t, r); /* YYYY-MM-DDTHH:MM:SSZ -> YYYYMMDDTHHMMSSZ */
    snprintf(out, 17, "%.4s%.2s%.2sT%.2s%.2s%.2sZ", r, r + 5, r + 8, r + 11, r + 14, r + 17);
}

static int64_t int_of(const core_value *o, const char *k)
{
    const core_value *v = core_value_get(o, k);
    return v && v->type == CORE_INT ? v->u.i : 0;
}

void net_events_schedule_get(net_req *r)
{
    core_actor actor;
    core_event_seen seen;
    if (!net_req_actor(r, &actor) || !load_visible(r, &actor, &seen))
        return;
    const core_value ev = seen.ev;
    core_arena *a = &r->arena;
    core_store *s = r->server->store;
    const char *pid = net_req_query(r, "participant");
    int rc = core_event_authorize_agenda(s, &actor, &seen, pid, a);
    if (rc != 0) {
        net_fail(r, rc, rc == CORE_ENOTFOUND ? "no such agenda" : NULL, NULL);
        return;
    }
    const char *eid = core_value_get_str(&ev, "id");
    core_value sched = core_event_schedule_get(s, eid, a);
    const core_value *slots = core_value_get(&ev, "slots");
    core_value meetings = core_event_agenda_meetings(s, &ev, &sched, pid, a);
    const char *accept = net_req_header(r, "accept");
    if (accept != NULL && strstr(accept, "text/calendar") != NULL) {
        size_t len = 0, cap = 4096;
        char *buf = core_arena_alloc(a, cap);
        const char *title = core_value_get_str(&ev, "title");
        char stamp[17];
        ics_stamp(int_of(&sched, "run_at"), stamp);
        ics_line(a, &buf, &len, &cap, "BEGIN:VCALENDAR");
        ics_line(a, &buf, &len, &cap, "VERSION:2.0");
        ics_line(a, &buf, &len, &cap, "PRODID:-//eccpd//matchmaking agenda//EN");
        ics_line(a, &buf, &len, &cap, "CALSCALE:GREGORIAN");
        ics_line(a, &buf, &len, &cap, "METHOD:PUBLISH");
        for (size_t i = 0; i < meetings.u.arr.len; i++) {
            const core_value *m = &meetings.u.arr.items[i];
            size_t sl = (size_t)int_of(m, "slot");
            const core_value *slot = &slots->u.arr.items[sl];
            char st[17], en[17];
            ics_stamp(int_of(slot, "starts_at"), st);
            ics_stamp(int_of(slot, "ends_at"), en);
            const char *with = core_value_get_str(core_value_get(m, "with"), "name");
            if (with == NULL)
                with = pid ? core_value_get_str(core_value_get(m, "with"), "id")
                           : core_arena_printf(a, "%s and %s", core_value_get_str(m, "a"),
                                               core_value_get_str(m, "b"));
            const char *req = core_value_get_str(m, "request");
            ics_line(a, &buf, &len, &cap, "BEGIN:VEVENT");
            ics_line(a, &buf, &len, &cap,
                     core_arena_printf(a, "UID:%s-%zu-%s-%s@eccpd", eid, sl,
                                       core_value_get_str(m, "a"), core_value_get_str(m, "b")));
            ics_line(a, &buf, &len, &cap, core_arena_printf(a, "DTSTAMP:%s", stamp));
            ics_line(a, &buf, &len, &cap, core_arena_printf(a, "DTSTART:%s", st));
            ics_line(a, &buf, &len, &cap, core_arena_printf(a, "DTEND:%s", en));
            ics_line(
                a, &buf, &len, &cap,
                core_arena_printf(a, "SUMMARY:%s",
                                  ics_escape(a, core_arena_printf(a, "Meeting with %s", with))));
            ics_line(a, &buf, &len, &cap,
                     core_arena_printf(
                         a, "LOCATION:%s",
                         ics_escape(a, core_arena_printf(a, "Table %lld",
                                                         (long long)int_of(m, "table") + 1))));
            ics_line(
                a, &buf, &len, &cap,
                core_arena_printf(a, "DESCRIPTION:%s",
                                  ics_escape(a, core_arena_printf(a, "%s, table %lld, %s.", title,
                                                                  (long long)int_of(m, "table") + 1,
                                                                  req ? "requested meeting"
                                                                      : "recommended meeting"))));
            ics_line(a, &buf, &len, &cap, "END:VEVENT");
        }
        ics_line(a, &buf, &len, &cap, "END:VCALENDAR");
        net_reply_raw(r, 200, "text/calendar; charset=utf-8", buf, len);
        return;
    }
    core_value out = core_value_obj();
    core_value_set(a, &out, "meetings", meetings);
    if (pid == NULL) {
        static const char *const keep[] = {"unscheduled", "upper_bound", "placed", "took_ms"};
        for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
            const core_value *v = core_value_get(&sched, keep[i]);
            core_value_set(a, &out, keep[i], v ? *v : core_value_null());
        }
    }
    double running = run_progress(eid);
    if (running >= 0) {
        core_value rv = core_value_obj();
        core_value_set(a, &rv, "done", core_value_double(running));
        core_value_set(a, &out, "running", rv);
    }
    const core_value *run = core_value_get(&sched, "run_at");
    core_value_set(a, &out, "published_at",
                   run && run->type == CORE_INT ? core_value_time(a, run->u.i) : core_value_null());
    net_reply(r, 200, &out);
}
