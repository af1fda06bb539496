/* event.c: see event.h. */
#include "core/event.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/authz.h"
#include "core/error.h"
#include "core/id.h"
#include "core/op.h"
#include "core/notify.h"
#include "core/record.h"
#include "core/time.h"
#include "core/vocab.h"

enum { MAX_ECOSYSTEMS = 14, LOCATION_MAX = 300 };

static const char *const event_kinds[] = {"matchmaking", "webinar", "conference",
                                          "workshop",    "other",   NULL};

const char *const *core_event_kinds(void)
{
    return event_kinds;
}

void core_event_op_init(core_event_op *op, core_arena *out, const core_actor *actor)
{
    core_op_init(op, out, actor);
    op->rec = core_value_null();
}

static int invalid(core_event_op *op)
{
    return core_op_fail(op, CORE_EINVALID, "the request has errors; see fields");
}

static const char *profile_name(const core_value *prof)
{
    const char *n = core_value_get_str(core_value_get(prof, "published"), "name");
    return n ? n : core_value_get_str(core_value_get(prof, "draft"), "name");
}

/* Notifies every admin of a profile record. */
static void notify_admins(core_txn *t, const core_value *prof, const char *kind,
                          const char *subject, const char *text, const char *ref)
{
    const core_value *admins = core_value_get(prof, "admins");
    for (size_t i = 0; admins && admins->type == CORE_ARR && i < admins->u.arr.len; i++)
        if (admins->u.arr.items[i].type == CORE_STR)
            core_notify(t, admins->u.arr.items[i].u.s.ptr, kind, subject, text, ref);
}

static int get_profile_txn(core_txn *t, const char *pid, core_arena *a, core_value *prof)
{
    if (pid == NULL || !core_id_valid(pid))
        return CORE_ENOTFOUND;
    return core_record_get_txn(t, "profile", pid, a, prof);
}

/* ---- the state machines: state x action -> who may, next state ---- */

typedef struct transition {
    const char *state, *action;
    core_action who; /* the authz row that says who may */
    const char *next;
} transition;

static const transition participant_machine[] = {
    {"applied", "accept", CORE_ACT_EVENT_PARTICIPANT_DECIDE, "accepted"},
    {"applied", "reject", CORE_ACT_EVENT_PARTICIPANT_DECIDE, "rejected"},
    {"rejected", "accept", CORE_ACT_EVENT_PARTICIPANT_DECIDE, "accepted"},
    {"accepted", "reject", CORE_ACT_EVENT_PARTICIPANT_DECIDE, "rejected"},
    {NULL, NULL, 0, NULL},
};

static const transition request_machine[] = {
    {"pending", "accept", CORE_ACT_EVENT_REQUEST_ANSWER, "accepted"},
    {"pending", "decline", CORE_ACT_EVENT_REQUEST_ANSWER, "declined"},
    {NULL, NULL, 0, NULL},
};

static const transition event_machine[] = {
    {"scheduled", "edit", CORE_ACT_EVENT_EDIT, "scheduled"},
    {"scheduled", "cancel", CORE_ACT_EVENT_EDIT, "cancelled"},
    {NULL, NULL, 0, NULL},
};

static const transition *find_transition(const transition *m, const char *state, const char *action)
{
    for (; m->state != NULL; m++)
        if (state != NULL && strcmp(m->state, state) == 0 && strcmp(m->action, action) == 0)
            return m;
    return NULL;
}

/* ---- validation ---- */

/* A time member in RFC 3339, or -1 with a reason. */
static int64_t check_time(core_fields *f, const core_value *obj, const char *field,
                          const char *report_as, bool required)
{
    const core_value *v = core_value_get(obj, field);
    if (core_op_is_null(v)) {
        if (required)
            core_fields_add(f, report_as, "is required (RFC 3339, e.g. 2027-03-15T09:00:00Z)");
        return -1;
    }
    int64_t out;
    if (v->type != CORE_STR || !core_time_parse(v->u.s.ptr, false, &out)) {
        core_fields_add(f, report_as, "must be a time in RFC 3339 (2027-03-15T09:00:00Z)");
        return -1;
    }
    return out;
}

static core_value check_ecosystems(core_fields *f, core_arena *a, const core_value *body)
{
    const core_value *v = core_value_get(body, "ecosystems");
    core_value out = core_value_arr();
    if (core_op_is_null(v))
        return out;
    if (v->type != CORE_ARR || v->u.arr.len > MAX_ECOSYSTEMS) {
        core_fields_add(f, "ecosystems", "must be a list of ecosystems");
        return core_value_null();
    }
    for (size_t i = 0; i < v->u.arr.len; i++) {
        const core_value *it = &v->u.arr.items[i];
        int idx = it->type == CORE_STR
                      ? core_vocab_find(CORE_VOCAB_ECOSYSTEM, it->u.s.ptr, it->u.s.len)
                      : -1;
        if (idx < 0) {
            core_fields_add(f, "ecosystems", "must name ecosystems of the vocabulary");
            return core_value_null();
        }
        const char *id = core_vocab_id(CORE_VOCAB_ECOSYSTEM, (size_t)idx);
        for (size_t j = 0; j < out.u.arr.len; j++)
            if (strcmp(out.u.arr.items[j].u.s.ptr, id) == 0) {
                core_fields_add(f, "ecosystems", "lists an ecosystem twice");
                return core_value_null();
            }
        core_value_push(a, &out, core_value_str_ref(id, strlen(id)));
    }
    return out;
}

static const char *const event_fields[] = {"profile_id", "title",    "kind",    "starts_at",
                                           "ends_at",    "location", "virtual", "description",
                                           "ecosystems", NULL};

/* Applies the members of body to rec (all required when creating), validating each, then
 * the event as a whole: ends after starts, slots inside. */
static void apply_fields(core_fields *f, core_arena *a, core_value *rec, const core_value *body,
                         bool create)
{
    if (create || core_value_get(body, "title") != NULL) {
        const char *s = core_check_string(f, body, "title", true, 1, CORE_EVENT_TITLE_MAX);
        if (s)
            core_op_obj_put(a, rec, "title", core_value_cstr(a, s));
    }
    if (create || core_value_get(body, "kind") != NULL) {
        const char *s = core_check_string(f, body, "kind", true, 1, 20);
        bool ok = false;
        for (size_t i = 0; s && event_kinds[i]; i++)
            ok |= strcmp(s, event_kinds[i]) == 0;
        if (s && !ok)
            core_fields_add(f, "kind",
                            "must be matchmaking, webinar, conference, workshop or other");
        else if (s && !create && strcmp(s, core_value_get_str(rec, "kind")) != 0 &&
                 core_record_int(rec, "tables", 0) > 0)
            core_fields_add(f, "kind", "cannot change once matchmaking slots are set");
        else if (s)
            core_op_obj_put(a, rec, "kind", core_value_cstr(a, s));
    }
    if (create || core_value_get(body, "starts_at") != NULL) {
        int64_t v = check_time(f, body, "starts_at", "starts_at", true);
        if (v >= 0)
            core_op_obj_put(a, rec, "starts_at", core_value_int(v));
    }
    if (create || core_value_get(body, "ends_at") != NULL) {
        int64_t v = check_time(f, body, "ends_at", "ends_at", true);
        if (v >= 0)
            core_op_obj_put(a, rec, "ends_at", core_value_int(v));
    }
    if (create || core_value_get(body, "location") != NULL) {
        const char *s = core_check_string(f, body, "location", false, 0, LOCATION_MAX);
        core_op_obj_put(a, rec, "location", s ? core_value_cstr(a, s) : core_value_null());
    }
    if (create || core_value_get(body, "virtual") != NULL) {
        const core_value *v = core_value_get(body, "virtual");
        if (!core_op_is_null(v) && v->type != CORE_BOOL)
            core_fields_add(f, "virtual", "must be true or false");
        core_op_obj_put(a, rec, "virtual",
                        core_value_bool(!core_op_is_null(v) && v->type == CORE_BOOL && v->u.b));
    }
    if (create || core_value_get(body, "description") != NULL) {
        const char *s = core_check_string(f, body, "description", false, 0, CORE_EVENT_TEXT_MAX);
        core_op_obj_put(a, rec, "description", s ? core_value_cstr(a, s) : core_value_null());
    }
    if (create || core_value_get(body, "ecosystems") != NULL) {
        core_value e = check_ecosystems(f, a, body);
        if (e.type != CORE_NULL)
            core_op_obj_put(a, rec, "ecosystems", e);
    }
    if (core_fields_any(f))
        return;
    int64_t s = core_record_int(rec, "starts_at", 0), e = core_record_int(rec, "ends_at", 0);
    if (e <= s)
        core_fields_add(f, "ends_at", "must be after starts_at");
    const core_value *slots = core_value_get(rec, "slots");
    for (size_t i = 0; slots && slots->type == CORE_ARR && i < slots->u.arr.len; i++)
        if (core_record_int(&slots->u.arr.items[i], "starts_at", 0) < s ||
            core_record_int(&slots->u.arr.items[i], "ends_at", 0) > e) {
            core_fields_add(f, "starts_at", "would leave matchmaking slots outside the event");
            break;
        }
}

/* ---- keys ---- */

static char *time_key(core_arena *a, int64_t starts, const char *eid)
{
    return core_arena_printf(a, "evtime/%020lld/%s", (long long)starts, eid);
}

/* ---- reads shared by writes ---- */

/* Loads event op->id and its organiser profile and authorises action; on failure answers
 * through op (404 when the caller may not even see the event). */
static int load_event(core_txn *t, core_event_op *op, core_action action, core_value *ev,
                      core_value *prof)
{
    core_arena *a = core_txn_arena(t);
    int rc = op->id && core_id_valid(op->id)
                 ? core_record_get_txn(t, CORE_EVENT_KIND, op->id, a, ev)
                 : CORE_ENOTFOUND;
    if (rc == CORE_ENOTFOUND)
        return core_op_fail(op, rc, "no such event");
    if (rc != 0)
        return rc;
    rc = get_profile_txn(t, core_value_get_str(ev, "profile_id"), a, prof);
    if (rc != 0 && rc != CORE_ENOTFOUND)
        return rc;
    bool have = rc == 0;
    unsigned roles = core_event_roles(&op->actor, have ? prof : NULL);
    bool visible = have && core_event_on_agenda(core_txn_store(t), ev, prof, a, NULL);
    /* an event off the agenda exists only for its organiser and moderators */
    if (!visible && (roles & (CORE_ROLE_ADMIN | CORE_ROLE_MODERATOR)) == 0)
        return core_op_fail(op, CORE_ENOTFOUND, "no such event");
    if (!have)
        *prof = core_value_null();
    rc = core_authorize(action, roles);
    if (rc != 0)
        return core_op_fail(op, rc,
                            rc == CORE_EUNAUTH
                                ? "sign in first"
                                : "only an admin of the organiser profile may do this");
    return 0;
}

static int need_matchmaking(core_event_op *op, const core_value *ev)
{
    const char *state = core_value_get_str(ev, "state");
    if (state && strcmp(state, "cancelled") == 0)
        return core_op_fail(op, CORE_ECONFLICT, "the event is cancelled");
    if (strcmp(core_value_get_str(ev, "kind"), "matchmaking") != 0)
        return core_op_fail(op, CORE_ECONFLICT, "this is not a matchmaking event");
    return 0;
}

/* ---- create, edit, cancel ---- */

int core_event_create_txn(core_txn *t, void *arg)
{
    core_event_op *op = arg;
    core_arena *a = core_txn_arena(t);
    if (op->actor.user_id == NULL)
        return core_op_fail(op, CORE_EUNAUTH, "sign in first");
    if (op->body == NULL || op->body->type != CORE_OBJ) {
        core_fields_add(&op->fields, "body", "must be a JSON object");
        return invalid(op);
    }
    core_check_known(&op->fields, op->body, event_fields);
    const char *pid = core_check_string(&op->fields, op->body, "profile_id", true, 1, 64);
    core_value prof;
    if (pid != NULL) {
        int rc = get_profile_txn(t, pid, a, &prof);
        if (rc == CORE_ENOTFOUND)
            core_fields_add(&op->fields, "profile_id", "no such profile");
        else if (rc != 0)
            return rc;
        else if ((rc = core_authorize(CORE_ACT_EVENT_CREATE,
                                      core_event_roles(&op->actor, &prof))) != 0)
            return core_op_fail(op, rc == CORE_ENOTFOUND ? CORE_EFORBIDDEN : rc,
                                "only an admin of the organiser profile may post its events");
    }
    core_value rec = core_value_obj();
    char id[CORE_ID_LEN + 1];
    core_id_new(id);
    core_value_set(a, &rec, "id", core_value_cstr(a, id));
    core_value_set(a, &rec, "profile_id", pid ? core_value_cstr(a, pid) : core_value_null());
    apply_fields(&op->fields, a, &rec, op->body, true);
    if (core_fields_any(&op->fields))
        return invalid(op);
    int64_t now = core_txn_now(t);
    core_value_set(a, &rec, "state", core_value_str_ref("scheduled", 9));
    core_value_set(a, &rec, "slots", core_value_arr());
    core_value_set(a, &rec, "tables", core_value_int(0));
    core_value_set(a, &rec, "created_by", core_value_cstr(a, op->actor.user_id));
    core_value_set(a, &rec, "created_at", core_value_int(now));
    core_value_set(a, &rec, "updated_at", core_value_int(now));
    core_op_put_key(t, core_arena_printf(a, "evprofile/%s/%s", pid, id), "");
    core_op_put_key(t, time_key(a, core_record_int(&rec, "starts_at", 0), id), "");
    int rc = core_record_put(t, CORE_EVENT_KIND, id, &rec, "create");
    if (rc != 0)
        return rc;
    op->id = core_arena_strndup(op->out, id, CORE_ID_LEN);
    op->rec = core_value_copy(op->out, &rec);
    return 0;
}

static int event_step(core_txn *t, core_event_op *op, const char *action, core_value *ev,
                      core_value *prof)
{
    int rc = load_event(t, op, CORE_ACT_EVENT_EDIT, ev, prof);
    if (rc != 0)
        return rc;
    const char *state = core_value_get_str(ev, "state");
    const transition *tr = find_transition(event_machine, state, action);
    if (tr == NULL)
        return core_op_fail(
            op, CORE_ECONFLICT,
            core_arena_printf(core_txn_arena(t), "the event is %s", state ? state : "?"));
    core_op_obj_put(core_txn_arena(t), ev, "state", core_value_cstr(core_txn_arena(t), tr->next));
    return 0;
}

int core_event_patch_txn(core_txn *t, void *arg)
{
    core_event_op *op = arg;
    core_arena *a = core_txn_arena(t);
    core_value ev, prof;
    int rc = event_step(t, op, "edit", &ev, &prof);
    if (rc != 0)
        return rc;
    if (op->body == NULL || op->body->type != CORE_OBJ) {
        core_fields_add(&op->fields, "body", "must be a JSON object");
        return invalid(op);
    }
    core_check_known(&op->fields, op->body, event_fields + 1);
    if (core_value_get(op->body, "profile_id") != NULL)
        core_fields_add(&op->fields, "profile_id", "cannot change: the organiser stays");
    int64_t old_start = core_record_int(&ev, "starts_at", 0);
    apply_fields(&op->fields, a, &ev, op->body, false);
    if (core_fields_any(&op->fields))
        return invalid(op);
    int64_t start = core_record_int(&ev, "starts_at", 0);
    if (start != old_start) {
        char *k = time_key(a, old_start, op->id);
        core_txn_delete(t, CORE_CF_KEYS, (core_slice){k, strlen(k)});
        core_op_put_key(t, time_key(a, start, op->id), "");
    }
    core_op_obj_put(a, &ev, "updated_at", core_value_int(core_txn_now(t)));
    if ((rc = core_record_put(t, CORE_EVENT_KIND, op->id, &ev, "update")) != 0)
        return rc;
    op->rec = core_value_copy(op->out, &ev);
    return 0;
}

int core_event_cancel_txn(core_txn *t, void *arg)
{
    core_event_op *op = arg;
    core_arena *a = core_txn_arena(t);
    core_value ev, prof;
    int rc = event_step(t, op, "cancel", &ev, &prof);
    if (rc != 0)
        return rc;
    core_op_obj_put(a, &ev, "updated_at", core_value_int(core_txn_now(t)));
    const char *title = core_value_get_str(&ev, "title");
    const char *text =
        core_arena_printf(a, "The event \"%s\" was cancelled by its organiser.", title);
    core_value parts = core_event_participants(core_txn_store(t), op->id, a);
    for (size_t i = 0; i < parts.u.arr.len; i++) {
        const char *st = core_value_get_str(&parts.u.arr.items[i], "state");
        core_value pp;
        if (st && strcmp(st, "rejected") != 0 &&
            get_profile_txn(t, core_value_get_str(&parts.u.arr.items[i], "profile_id"), a, &pp) ==
                0)
            notify_admins(t, &pp, "event.cancelled", "An event you take part in is cancelled", text,
                          op->id);
    }
    if ((rc = core_record_put(t, CORE_EVENT_KIND, op->id, &ev, "update")) != 0)
        return rc;
    op->rec = core_value_copy(op->out, &ev);
    return 0;
}

/* ---- participants ---- */

static char *participant_id(core_arena *a, const char *eid, const char *pid)
{
    return core_arena_printf(a, "%s.%s", eid, pid);
}

static int recommendations_flag(core_event_op *op, bool *out)
{
    const core_value *v = core_value_get(op->body, "recommendations");
    if (core_op_is_null(v))
        return 0;
    if (v->type != CORE_BOOL) {
        core_fields_add(&op->fields, "recommendations", "must be true or false");
        return -1;
    }
    *out = v->u.b;
    return 1;
}

int core_event_apply_txn(core_txn *t, void *arg)
{
    core_event_op *op = arg;
    core_arena *a = core_txn_arena(t);
    if (op->actor.user_id == NULL)
        return core_op_fail(op, CORE_EUNAUTH, "sign in first");
    core_value ev, org;
    int rc = load_event(t, op, CORE_ACT_EVENT_READ, &ev, &org);
    if (rc != 0)
        return rc;
    if ((rc = need_matchmaking(op, &ev)) != 0)
        return rc;
    static const char *const known[] = {"profile_id", "recommendations", NULL};
    core_check_known(&op->fields, op->body, known);
    const char *pid = core_check_string(&op->fields, op->body, "profile_id", true, 1, 64);
    bool rec_flag = false;
    recommendations_flag(op, &rec_flag);
    core_value prof;
    if (pid != NULL) {
        rc = get_profile_txn(t, pid, a, &prof);
        if (rc == CORE_ENOTFOUND)
            core_fields_add(&op->fields, "profile_id", "no such profile");
        else if (rc != 0)
            return rc;
        else if ((rc = core_authorize(CORE_ACT_EVENT_APPLY,
                                      core_profile_roles(&op->actor, &prof))) != 0)
            return core_op_fail(op, rc == CORE_ENOTFOUND ? CORE_EFORBIDDEN : rc,
                                "only an admin of the profile may apply with it");
        else if (!core_profile_is_public(core_txn_store(t), &prof, a))
            core_fields_add(&op->fields, "profile_id", "must be a published profile");
    }
    if (core_fields_any(&op->fields))
        return invalid(op);
    char *partid = participant_id(a, op->id, pid);
    core_value old;
    rc = core_record_get_txn(t, CORE_EVENT_PARTICIPANT_KIND, partid, a, &old);
    if (rc == 0)
        return core_op_fail(op, CORE_ECONFLICT, "this profile has applied already");
    if (rc != CORE_ENOTFOUND)
        return rc;
    int64_t now = core_txn_now(t);
    core_value rec = core_value_obj();
    core_value_set(a, &rec, "event_id", core_value_cstr(a, op->id));
    core_value_set(a, &rec, "profile_id", core_value_cstr(a, pid));
    core_value_set(a, &rec, "state", core_value_str_ref("applied", 7));
    core_value_set(a, &rec, "unavailable", core_value_arr());
    core_value_set(a, &rec, "recommendations", core_value_bool(rec_flag));
    core_value_set(a, &rec, "applied_by", core_value_cstr(a, op->actor.user_id));
    core_value_set(a, &rec, "created_at", core_value_int(now));
    core_value_set(a, &rec, "updated_at", core_value_int(now));
    notify_admins(t, &org, "event.applied", "A participant applied to your event",
                  core_arena_printf(a, "\"%s\" applied to take part in \"%s\".",
                                    profile_name(&prof), core_value_get_str(&ev, "title")),
                  op->id);
    if ((rc = core_record_put(t, CORE_EVENT_PARTICIPANT_KIND, partid, &rec, "create")) != 0)
        return rc;
    op->rec = core_value_copy(op->out, &rec);
    return 0;
}

/* Loads the participant op->other_id of event ev. */
static int load_participant(core_txn *t, core_event_op *op, core_value *part)
{
    core_arena *a = core_txn_arena(t);
    if (op->other_id == NULL || !core_id_valid(op->other_id))
        return core_op_fail(op, CORE_ENOTFOUND, "no such participant");
    int rc = core_record_get_txn(t, CORE_EVENT_PARTICIPANT_KIND,
                                 participant_id(a, op->id, op->other_id), a, part);
    if (rc == CORE_ENOTFOUND)
        return core_op_fail(op, rc, "no such participant");
    return rc;
}

int core_event_decide_txn(core_txn *t, void *arg)
{
    core_event_op *op = arg;
    core_arena *a = core_txn_arena(t);
    core_value ev, org, part;
    int rc = load_event(t, op, CORE_ACT_EVENT_PARTICIPANT_DECIDE, &ev, &org);
    if (rc != 0 || (rc = load_participant(t, op, &part)) != 0)
        return rc;
    static const char *const known[] = {"decision", NULL};
    core_check_known(&op->fields, op->body, known);
    const char *d = core_check_string(&op->fields, op->body, "decision", true, 1, 20);
    if (d && strcmp(d, "accept") != 0 && strcmp(d, "reject") != 0)
        core_fields_add(&op->fields, "decision", "must be accept or reject");
    if (core_fields_any(&op->fields))
        return invalid(op);
    const char *state = core_value_get_str(&part, "state");
    const transition *tr = find_transition(participant_machine, state, d);
    if (tr == NULL)
        return core_op_fail(
            op, CORE_ECONFLICT,
            core_arena_printf(a, "the participant is %s already", state ? state : "?"));
    core_op_obj_put(a, &part, "state", core_value_cstr(a, tr->next));
    core_op_obj_put(a, &part, "updated_at", core_value_int(core_txn_now(t)));
    core_value prof;
    if (get_profile_txn(t, op->other_id, a, &prof) == 0)
        notify_admins(t, &prof,
                      strcmp(tr->next, "accepted") == 0 ? "event.accepted" : "event.rejected",
                      "Your application to an event was decided",
                      core_arena_printf(a, "Your application to \"%s\" was %s.",
                                        core_value_get_str(&ev, "title"), tr->next),
                      op->id);
    rc = core_record_put(t, CORE_EVENT_PARTICIPANT_KIND, participant_id(a, op->id, op->other_id),
                         &part, "update");
    if (rc != 0)
        return rc;
    op->rec = core_value_copy(op->out, &part);
    return 0;
}

int core_event_slots_txn(core_txn *t, void *arg)
{
    core_event_op *op = arg;
    core_arena *a = core_txn_arena(t);
    core_value ev, org;
    int rc = load_event(t, op, CORE_ACT_EVENT_EDIT, &ev, &org);
    if (rc != 0 || (rc = need_matchmaking(op, &ev)) != 0)
        return rc;
    static const char *const known[] = {"slots", "tables", NULL};
    core_check_known(&op->fields, op->body, known);
    const core_value *slots = core_value_get(op->body, "slots");
    const core_value *tables = core_value_get(op->body, "tables");
    if (tables == NULL || tables->type != CORE_INT || tables->u.i < 1 ||
        tables->u.i > CORE_EVENT_MAX_TABLES)
        core_fields_add(
            &op->fields, "tables",
            core_arena_printf(a, "must be a whole number from 1 to %d", CORE_EVENT_MAX_TABLES));
    core_value out = core_value_arr();
    int64_t es = core_record_int(&ev, "starts_at", 0), ee = core_record_int(&ev, "ends_at", 0),
            prev_end = 0;
    if (slots == NULL || slots->type != CORE_ARR || slots->u.arr.len == 0 ||
        slots->u.arr.len > CORE_EVENT_MAX_SLOTS)
        core_fields_add(&op->fields, "slots",
                        core_arena_printf(a, "must be a list of 1 to %d {starts_at, ends_at}",
                                          CORE_EVENT_MAX_SLOTS));
    else
        for (size_t i = 0; i < slots->u.arr.len; i++) {
            const core_value *s = &slots->u.arr.items[i];
            char *field = core_arena_printf(a, "slots[%zu]", i);
            core_fields sub;
            core_fields_init(&sub, a);
            int64_t from = check_time(&sub, s, "starts_at", field, true);
            int64_t to = check_time(&sub, s, "ends_at", field, true);
            if (s->type != CORE_OBJ || core_fields_any(&sub)) {
                core_fields_add(&op->fields, field, "must be {starts_at, ends_at} in RFC 3339");
                break;
            }
            const char *why = to <= from             ? "must end after it starts"
                              : from < es || to > ee ? "must lie within the event"
                              : i > 0 && from < prev_end
                                  ? "must start after the slot before it ends (in time order, "
                                    "no overlap)"
                                  : NULL;
            if (why) {
                core_fields_add(&op->fields, field, why);
                break;
            }
            prev_end = to;
            core_value o = core_value_obj();
            core_value_set(a, &o, "starts_at", core_value_int(from));
            core_value_set(a, &o, "ends_at", core_value_int(to));
            core_value_push(a, &out, o);
        }
    if (core_fields_any(&op->fields))
        return invalid(op);
    core_op_obj_put(a, &ev, "slots", out);
    core_op_obj_put(a, &ev, "tables", core_value_int(tables->u.i));
    core_op_obj_put(a, &ev, "updated_at", core_value_int(core_txn_now(t)));
    if ((rc = core_record_put(t, CORE_EVENT_KIND, op->id, &ev, "update")) != 0)
        return rc;
    op->rec = core_value_copy(op->out, &ev);
    return 0;
}

/* Loads event, its organiser, and participant op->other_id, with action authorised against
 * the participant's profile. */
static int load_as_participant(core_txn *t, core_event_op *op, core_action action, core_value *ev,
                               core_value *part, core_value *prof)
{
    core_value org;
    core_arena *a = core_txn_arena(t);
    int rc = load_event(t, op, CORE_ACT_EVENT_READ, ev, &org);
    if (rc != 0 || (rc = need_matchmaking(op, ev)) != 0)
        return rc;
    rc = get_profile_txn(t, op->other_id, a, prof);
    if (rc != 0 && rc != CORE_ENOTFOUND)
        return rc;
    rc = core_authorize(action, rc == 0 ? core_profile_roles(&op->actor, prof)
                                        : core_profile_roles(&op->actor, NULL));
    if (rc != 0)
        return core_op_fail(op, rc == CORE_ENOTFOUND ? CORE_EFORBIDDEN : rc,
                            rc == CORE_EUNAUTH
                                ? "sign in first"
                                : "only an admin of the participant's profile may do this");
    return load_participant(t, op, part);
}

int core_event_unavailable_txn(core_txn *t, void *arg)
{
    core_event_op *op = arg;
    core_arena *a = core_txn_arena(t);
    core_value ev, part, prof;
    int rc = load_as_participant(t, op, CORE_ACT_EVENT_UNAVAILABLE, &ev, &part, &prof);
    if (rc != 0)
        return rc;
    static const char *const known[] = {"slots", "recommendations", NULL};
    core_check_known(&op->fields, op->body, known);
    const core_value *slots = core_value_get(op->body, "slots");
    const core_value *evslots = core_value_get(&ev, "slots");
    size_t n = evslots && evslots->type == CORE_ARR ? evslots->u.arr.len : 0;
    unsigned char seen[CORE_EVENT_MAX_SLOTS] = {0};
    core_value out = core_value_arr();
    if (slots == NULL || slots->type != CORE_ARR)
        core_fields_add(&op->fields, "slots", "must be a list of slot indices");
    else
        for (size_t i = 0; i < slots->u.arr.len; i++) {
            const core_value *s = &slots->u.arr.items[i];
            if (s->type != CORE_INT || s->u.i < 0 || (size_t)s->u.i >= n) {
                core_fields_add(
                    &op->fields, "slots",
                    core_arena_printf(a, "must be slot indices from 0 to %zu", n ? n - 1 : 0));
                break;
            }
            seen[s->u.i] = 1;
        }
    bool flag = false;
    int have_flag = recommendations_flag(op, &flag);
    if (core_fields_any(&op->fields))
        return invalid(op);
    for (size_t i = 0; i < n; i++)
        if (seen[i])
            core_value_push(a, &out, core_value_int((int64_t)i));
    core_op_obj_put(a, &part, "unavailable", out);
    if (have_flag > 0)
        core_op_obj_put(a, &part, "recommendations", core_value_bool(flag));
    core_op_obj_put(a, &part, "updated_at", core_value_int(core_txn_now(t)));
    rc = core_record_put(t, CORE_EVENT_PARTICIPANT_KIND, participant_id(a, op->id, op->other_id),
                         &part, "update");
    if (rc != 0)
        return rc;
    op->rec = core_value_copy(op->out, &part);
    return 0;
}

/* ---- meeting requests ---- */

static bool unavailable_in(const core_value *part, int64_t slot)
{
    const core_value *u = core_value_get(part, "unavailable");
    for (size_t i = 0; u && u->type == CORE_ARR && i < u->u.arr.len; i++)
        if (u->u.arr.items[i].type == CORE_INT && u->u.arr.items[i].u.i == slot)
            return true;
    return false;
}

int core_event_request_txn(core_txn *t, void *arg)
{
    core_event_op *op = arg;
    core_arena *a = core_txn_arena(t);
    if (op->actor.user_id == NULL)
        return core_op_fail(op, CORE_EUNAUTH, "sign in first");
    core_value ev, org;
    int rc = load_event(t, op, CORE_ACT_EVENT_READ, &ev, &org);
    if (rc != 0 || (rc = need_matchmaking(op, &ev)) != 0)
        return rc;
    static const char *const known[] = {"from", "to", "priority", NULL};
    core_check_known(&op->fields, op->body, known);
    const char *from = core_check_string(&op->fields, op->body, "from", true, 1, 64);
    const char *to = core_check_string(&op->fields, op->body, "to", true, 1, 64);
    const core_value *pv = core_value_get(op->body, "priority");
    int64_t priority = 2;
    if (!core_op_is_null(pv)) {
        if (pv->type != CORE_INT || pv->u.i < 1 || pv->u.i > 3)
            core_fields_add(&op->fields, "priority", "must be 1 (highest), 2 or 3 (lowest)");
        else
            priority = pv->u.i;
    }
    core_value fprof;
    if (from != NULL) {
        rc = get_profile_txn(t, from, a, &fprof);
        if (rc != 0 && rc != CORE_ENOTFOUND)
            return rc;
        rc = core_authorize(CORE_ACT_EVENT_REQUEST,
                            core_profile_roles(&op->actor, rc == 0 ? &fprof : NULL));
        if (rc != 0)
            return core_op_fail(
                op, rc == CORE_ENOTFOUND ? CORE_EFORBIDDEN : rc,
                "only an admin of the requesting participant may ask for a meeting");
    }
    if (from && to && strcmp(from, to) == 0)
        core_fields_add(&op->fields, "to", "must be another participant");
    const char *names[2] = {from, to}, *fields[2] = {"from", "to"};
    for (int i = 0; i < 2; i++) {
        core_value part;
        if (names[i] == NULL || core_fields_any(&op->fields))
            continue;
        rc = core_id_valid(names[i])
                 ? core_record_get_txn(t, CORE_EVENT_PARTICIPANT_KIND,
                                       participant_id(a, op->id, names[i]), a, &part)
                 : CORE_ENOTFOUND;
        if (rc != 0 && rc != CORE_ENOTFOUND)
            return rc;
        if (rc != 0 || strcmp(core_value_get_str(&part, "state"), "accepted") != 0)
            core_fields_add(&op->fields, fields[i], "must be an accepted participant of the event");
    }
    if (core_fields_any(&op->fields))
        return invalid(op);
    const char *lo = strcmp(from, to) < 0 ? from : to, *hi = lo == from ? to : from;
    char *pair = core_arena_printf(a, "evpair/%s/%s/%s", op->id, lo, hi);
    if (core_txn_exists(t, CORE_CF_KEYS, (core_slice){pair, strlen(pair)}))
        return core_op_fail(op, CORE_ECONFLICT,
                            "these two participants have a meeting request already");
    char id[CORE_ID_LEN + 1];
    core_id_new(id);
    int64_t now = core_txn_now(t);
    core_value rec = core_value_obj();
    core_value_set(a, &rec, "id", core_value_cstr(a, id));
    core_value_set(a, &rec, "event_id", core_value_cstr(a, op->id));
    core_value_set(a, &rec, "from", core_value_cstr(a, from));
    core_value_set(a, &rec, "to", core_value_cstr(a, to));
    core_value_set(a, &rec, "priority", core_value_int(priority));
    core_value_set(a, &rec, "state", core_value_str_ref("pending", 7));
    core_value_set(a, &rec, "slot", core_value_null());
    core_value_set(a, &rec, "created_by", core_value_cstr(a, op->actor.user_id));
    core_value_set(a, &rec, "created_at", core_value_int(now));
    core_value_set(a, &rec, "updated_at", core_value_int(now));
    core_op_put_key(t, pair, id);
    core_op_put_key(t, core_arena_printf(a, "evreq/%s/%s", op->id, id), "");
    core_value tprof;
    if (get_profile_txn(t, to, a, &tprof) == 0)
        notify_admins(t, &tprof, "event.meeting_requested", "A meeting request at an event",
                      core_arena_printf(a, "\"%s\" asks to meet you at \"%s\".",
                                        profile_name(&fprof), core_value_get_str(&ev, "title")),
                      id);
    if ((rc = core_record_put(t, CORE_EVENT_REQUEST_KIND, id, &rec, "create")) != 0)
        return rc;
    op->rec = core_value_copy(op->out, &rec);
    return 0;
}

int core_event_answer_txn(core_txn *t, void *arg)
{
    core_event_op *op = arg;
    core_arena *a = core_txn_arena(t);
    if (op->actor.user_id == NULL)
        return core_op_fail(op, CORE_EUNAUTH, "sign in first");
    core_value ev, org, req;
    int rc = load_event(t, op, CORE_ACT_EVENT_READ, &ev, &org);
    if (rc != 0 || (rc = need_matchmaking(op, &ev)) != 0)
        return rc;
    rc = op->other_id && core_id_valid(op->other_id)
             ? core_record_get_txn(t, CORE_EVENT_REQUEST_KIND, op->other_id, a, &req)
             : CORE_ENOTFOUND;
    if (rc == 0 && strcmp(core_value_get_str(&req, "event_id"), op->id) != 0)
        rc = CORE_ENOTFOUND;
    if (rc == CORE_ENOTFOUND)
        return core_op_fail(op, rc, "no such meeting request");
    if (rc != 0)
        return rc;
    const char *from = core_value_get_str(&req, "from"), *to = core_value_get_str(&req, "to");
    core_value tprof, fprof;
    rc = get_profile_txn(t, to, a, &tprof);
    if (rc != 0 && rc != CORE_ENOTFOUND)
        return rc;
    rc = core_authorize(CORE_ACT_EVENT_REQUEST_ANSWER,
                        core_profile_roles(&op->actor, rc == 0 ? &tprof : NULL));
    if (rc != 0)
        return core_op_fail(op, rc == CORE_ENOTFOUND ? CORE_EFORBIDDEN : rc,
                            "only an admin of the participant asked may answer a meeting request");
    static const char *const known[] = {"decision", "slot", NULL};
    core_check_known(&op->fields, op->body, known);
    const char *d = core_check_string(&op->fields, op->body, "decision", true, 1, 20);
    if (d && strcmp(d, "accept") != 0 && strcmp(d, "decline") != 0)
        core_fields_add(&op->fields, "decision", "must be accept or decline");
    const core_value *sv = core_value_get(op->body, "slot");
    const core_value *evslots = core_value_get(&ev, "slots");
    size_t n = evslots && evslots->type == CORE_ARR ? evslots->u.arr.len : 0;
    int64_t slot = -1;
    if (!core_op_is_null(sv)) {
        if (d && strcmp(d, "accept") != 0)
            core_fields_add(&op->fields, "slot", "only an accepted meeting has a slot");
        else if (sv->type != CORE_INT || sv->u.i < 0 || (size_t)sv->u.i >= n)
            core_fields_add(&op->fields, "slot",
                            n ? core_arena_printf(a, "must be a slot index from 0 to %zu", n - 1)
                              : "the event has no slots yet");
        else
            slot = sv->u.i;
    }
    if (core_fields_any(&op->fields))
        return invalid(op);
    const char *state = core_value_get_str(&req, "state");
    const transition *tr = find_transition(request_machine, state, d);
    if (tr == NULL)
        return core_op_fail(
            op, CORE_ECONFLICT,
            core_arena_printf(a, "the meeting request is %s already", state ? state : "?"));
    if (slot >= 0) {
        const char *who[2] = {from, to};
        for (int i = 0; i < 2; i++) {
            core_value part;
            rc = core_record_get_txn(t, CORE_EVENT_PARTICIPANT_KIND,
                                     participant_id(a, op->id, who[i]), a, &part);
            if (rc != 0 && rc != CORE_ENOTFOUND)
                return rc;
            if (rc == 0 && unavailable_in(&part, slot))
                return core_op_fail(op, CORE_ECONFLICT,
                                    "one of the two is not available in that slot");
            char *k = core_arena_printf(a, "evfix/%s/%s/%lld", op->id, who[i], (long long)slot);
            if (core_txn_exists(t, CORE_CF_KEYS, (core_slice){k, strlen(k)}))
                return core_op_fail(op, CORE_ECONFLICT,
                                    "one of the two holds another meeting in that slot already");
        }
        char *nk = core_arena_printf(a, "evfixn/%s/%lld", op->id, (long long)slot);
        core_slice cur;
        long long count = 0;
        rc = core_txn_get(t, CORE_CF_KEYS, (core_slice){nk, strlen(nk)}, a, &cur);
        if (rc == 0)
            count = strtoll(cur.ptr, NULL, 10);
        else if (rc != CORE_ENOTFOUND)
            return rc;
        if (count >= core_record_int(&ev, "tables", 0))
            return core_op_fail(op, CORE_ECONFLICT, "every table is taken in that slot");
        core_op_put_key(t, nk, core_arena_printf(a, "%lld", count + 1));
        for (int i = 0; i < 2; i++)
            core_op_put_key(
                t, core_arena_printf(a, "evfix/%s/%s/%lld", op->id, who[i], (long long)slot),
                op->other_id);
        core_op_obj_put(a, &req, "slot", core_value_int(slot));
    }
    core_op_obj_put(a, &req, "state", core_value_cstr(a, tr->next));
    core_op_obj_put(a, &req, "updated_at", core_value_int(core_txn_now(t)));
    if (get_profile_txn(t, from, a, &fprof) == 0)
        notify_admins(
            t, &fprof,
            strcmp(tr->next, "accepted") == 0 ? "event.meeting_accepted" : "event.meeting_declined",
            "Your meeting request was answered",
            core_arena_printf(a, "\"%s\" %s your meeting request at \"%s\".", profile_name(&tprof),
                              tr->next, core_value_get_str(&ev, "title")),
            op->other_id);
    if ((rc = core_record_put(t, CORE_EVENT_REQUEST_KIND, op->other_id, &req, "update")) != 0)
        return rc;
    op->rec = core_value_copy(op->out, &req);
    return 0;
}

int core_event_schedule_put_txn(core_txn *t, void *arg)
{
    core_event_op *op = arg;
    core_arena *a = core_txn_arena(t);
    core_value rec = core_value_copy(a, op->body);
    core_op_obj_put(a, &rec, "event_id", core_value_cstr(a, op->id));
    core_op_obj_put(a, &rec, "run_at", core_value_int(core_txn_now(t)));
    core_op_obj_put(a, &rec, "run_by", core_value_cstr(a, op->actor.user_id));
    return core_record_put(t, CORE_EVENT_SCHEDULE_KIND, op->id, &rec, "update");
}

/* ---- reads ---- */

int core_event_get(core_store *s, const char *id, core_arena *a, core_value *rec)
{
    if (id == NULL || !core_id_valid(id))
        return CORE_ENOTFOUND;
    return core_record_get(s, CORE_EVENT_KIND, id, a, rec);
}

unsigned core_event_roles(const core_actor *actor, const core_value *prof)
{
    return core_profile_roles(actor, prof);
}

bool core_event_on_agenda(core_store *s, const core_value *rec, const core_value *prof,
                          core_arena *a, const char **reason)
{
    const char *st = core_value_get_str(rec, "state");
    const char *why = NULL;
    if (st != NULL && strcmp(st, "cancelled") == 0)
        why = "the event is cancelled";
    else if (prof == NULL || prof->type != CORE_OBJ || !core_profile_is_public(s, prof, a))
        why = "the organiser profile is not published";
    if (reason)
        *reason = why;
    return why == NULL;
}

static core_value times_view(core_arena *a, const core_value *slots)
{
    core_value out = core_value_arr();
    for (size_t i = 0; slots && slots->type == CORE_ARR && i < slots->u.arr.len; i++) {
        core_value o = core_value_obj();
        core_value_set(a, &o, "starts_at",
                       core_value_time(a, core_record_int(&slots->u.arr.items[i], "starts_at", 0)));
        core_value_set(a, &o, "ends_at",
                       core_value_time(a, core_record_int(&slots->u.arr.items[i], "ends_at", 0)));
        core_value_push(a, &out, o);
    }
    return out;
}

core_value core_event_view(core_store *s, core_arena *a, const core_value *rec,
                           const core_value *prof)
{
    core_value v = core_value_obj();
    static const char *const plain[] = {"id",          "title",      "kind",  "location", "virtual",
                                        "description", "ecosystems", "state", "tables",   NULL};
    const char *pid = core_value_get_str(rec, "profile_id");
    core_value p = core_value_obj();
    core_value_set(a, &p, "id", pid ? core_value_cstr(a, pid) : core_value_null());
    const char *name = prof && prof->type == CORE_OBJ ? profile_name(prof) : NULL;
    const core_value *ver = core_value_get(prof, "published");
    if (core_op_is_null(ver))
        ver = core_value_get(prof, "draft");
    const char *country = core_value_get_str(ver, "country");
    core_value_set(a, &p, "name", name ? core_value_cstr(a, name) : core_value_null());
    core_value_set(a, &p, "country", country ? core_value_cstr(a, country) : core_value_null());
    core_value_set(a, &v, "id", core_value_copy(a, core_value_get(rec, "id")));
    core_value_set(a, &v, "profile", p);
    for (size_t i = 1; plain[i]; i++) {
        const core_value *m = core_value_get(rec, plain[i]);
        core_value_set(a, &v, plain[i], m ? core_value_copy(a, m) : core_value_null());
        if (i == 2) {
            core_value_set(a, &v, "starts_at",
                           core_value_time(a, core_record_int(rec, "starts_at", 0)));
            core_value_set(a, &v, "ends_at",
                           core_value_time(a, core_record_int(rec, "ends_at", 0)));
        }
    }
    core_value_set(a, &v, "slots", times_view(a, core_value_get(rec, "slots")));
    const char *reason;
    bool on = core_event_on_agenda(s, rec, prof, a, &reason);
    core_value_set(a, &v, "on_agenda", core_value_bool(on));
    if (!on)
        core_value_set(a, &v, "agenda_reason", core_value_cstr(a, reason));
    core_value_set(a, &v, "created_at", core_value_time(a, core_record_int(rec, "created_at", 0)));
    core_value_set(a, &v, "updated_at", core_value_time(a, core_record_int(rec, "updated_at", 0)));
    return v;
}

core_value core_event_participant_view(core_arena *a, const core_value *rec)
{
    core_value v = core_value_obj();
    static const char *const keep[] = {"event_id",    "profile_id",      "state",
                                       "unavailable", "recommendations", NULL};
    for (size_t i = 0; keep[i]; i++) {
        const core_value *m = core_value_get(rec, keep[i]);
        core_value_set(a, &v, keep[i], m ? core_value_copy(a, m) : core_value_null());
    }
    core_value_set(a, &v, "created_at", core_value_time(a, core_record_int(rec, "created_at", 0)));
    core_value_set(a, &v, "updated_at", core_value_time(a, core_record_int(rec, "updated_at", 0)));
    return v;
}

core_value core_event_request_view(core_arena *a, const core_value *rec)
{
    core_value v = core_value_obj();
    static const char *const keep[] = {"id",       "event_id", "from", "to",
                                       "priority", "state",    "slot", NULL};
    for (size_t i = 0; keep[i]; i++) {
        const core_value *m = core_value_get(rec, keep[i]);
        core_value_set(a, &v, keep[i], m ? core_value_copy(a, m) : core_value_null());
    }
    core_value_set(a, &v, "created_at", core_value_time(a, core_record_int(rec, "created_at", 0)));
    core_value_set(a, &v, "updated_at", core_value_time(a, core_record_int(rec, "updated_at", 0)));
    return v;
}

int core_event_participant_get(core_store *s, const char *eid, const char *pid, core_arena *a,
                               core_value *rec)
{
    if (eid == NULL || pid == NULL || !core_id_valid(eid) || !core_id_valid(pid))
        return CORE_ENOTFOUND;
    return core_record_get(s, CORE_EVENT_PARTICIPANT_KIND, participant_id(a, eid, pid), a, rec);
}

core_value core_event_participants(core_store *s, const char *eid, core_arena *a)
{
    core_value out = core_value_arr();
    char *prefix = core_arena_printf(a, CORE_EVENT_PARTICIPANT_KIND "/%s.", eid);
    core_iter *it =
        core_store_iter_prefix(s, CORE_CF_RECORDS, (core_slice){prefix, strlen(prefix)});
    core_slice k, v;
    while (core_iter_next(it, &k, &v)) {
        core_value rec;
        if (core_record_decode(a, v, &rec) == 0)
            core_value_push(a, &out, rec);
    }
    core_iter_free(it);
    return out;
}

core_value core_event_requests(core_store *s, const char *eid, core_arena *a)
{
    core_value out = core_value_arr();
    char *prefix = core_arena_printf(a, "evreq/%s/", eid);
    size_t plen = strlen(prefix);
    core_iter *it = core_store_iter_prefix(s, CORE_CF_KEYS, (core_slice){prefix, plen});
    core_slice k, v;
    while (core_iter_next(it, &k, &v)) {
        char *rid = core_arena_strndup(a, k.ptr + plen, k.len - plen);
        core_value rec;
        if (core_record_get(s, CORE_EVENT_REQUEST_KIND, rid, a, &rec) == 0)
            core_value_push(a, &out, rec);
    }
    core_iter_free(it);
    return out;
}

core_value core_event_schedule_get(core_store *s, const char *eid, core_arena *a)
{
    core_value rec;
    if (eid == NULL || core_record_get(s, CORE_EVENT_SCHEDULE_KIND, eid, a, &rec) != 0)
        return core_value_null();
    return rec;
}

static bool has_str(const core_value *arr, const char *s)
{
    for (size_t i = 0; arr && arr->type == CORE_ARR && i < arr->u.arr.len; i++)
        if (arr->u.arr.items[i].type == CORE_STR && strcmp(arr->u.arr.items[i].u.s.ptr, s) == 0)
            return true;
    return false;
}

int core_event_agenda(core_store *s, int64_t from, int64_t to, const char *kind,
                      const char *ecosystem, size_t page, size_t per_page, core_arena *a,
                      core_value *out)
{
    core_value items = core_value_arr();
    size_t total = 0, skip = (page - 1) * per_page;
    core_iter *it = core_store_iter_prefix(s, CORE_CF_KEYS, CORE_SLICE_LIT("evtime/"));
    core_slice k, v;
    size_t plen = strlen("evtime/");
    while (core_iter_next(it, &k, &v)) {
        if (k.len < plen + 21)
            continue;
        int64_t start = strtoll(k.ptr + plen, NULL, 10);
        if (start < from)
            continue; /* keys sort by start: a seek would skip these; few events pass here */
        if (to >= 0 && start >= to)
            break;
        char *eid = core_arena_strndup(a, k.ptr + plen + 21, k.len - plen - 21);
        core_value ev, prof;
        if (core_event_get(s, eid, a, &ev) != 0)
            continue;
        if (kind && strcmp(core_value_get_str(&ev, "kind"), kind) != 0)
            continue;
        if (ecosystem && !has_str(core_value_get(&ev, "ecosystems"), ecosystem))
            continue;
        if (core_profile_get(s, core_value_get_str(&ev, "profile_id"), a, &prof) != 0 ||
            !core_event_on_agenda(s, &ev, &prof, a, NULL))
            continue;
        if (total++ >= skip && items.u.arr.len < per_page)
            core_value_push(a, &items, core_event_view(s, a, &ev, &prof));
    }
    core_iter_free(it);
    *out = core_value_obj();
    core_value_set(a, out, "total", core_value_int((int64_t)total));
    core_value_set(a, out, "items", items);
    return 0;
}
