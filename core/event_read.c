/* event_read.c: who sees which part of an event (see event.h, "Reads as a caller sees
 * them"). The HTTP handlers of net/events.c call these and only reply; every decision goes
 * through core/authz.c's table. */
#include <string.h>

#include "core/authz.h"
#include "core/error.h"
#include "core/event.h"
#include "core/profile.h"
#include "core/record.h"
#include "core/time.h"

int core_event_load_visible(core_store *s, const core_actor *actor, const char *id, core_arena *a,
                            core_event_seen *out)
{
    int rc = core_event_get(s, id, a, &out->ev);
    if (rc != 0)
        return rc;
    rc = core_profile_get(s, core_value_get_str(&out->ev, "profile_id"), a, &out->prof);
    if (rc != 0 && rc != CORE_ENOTFOUND)
        return rc;
    out->have_prof = rc == 0;
    if (!out->have_prof)
        out->prof = core_value_null();
    out->roles = core_event_roles(actor, out->have_prof ? &out->prof : NULL);
    /* off the agenda, an event is its organiser's and the moderators' alone */
    bool on = out->have_prof && core_event_on_agenda(s, &out->ev, &out->prof, a, NULL);
    if ((!on && (out->roles & (CORE_ROLE_ADMIN | CORE_ROLE_MODERATOR)) == 0) ||
        core_authorize(CORE_ACT_EVENT_READ, out->roles) != 0)
        return CORE_ENOTFOUND;
    return 0;
}

unsigned core_event_participant_roles(core_store *s, const core_actor *actor, const char *pid,
                                      core_arena *a)
{
    core_value prof;
    if (pid == NULL || core_profile_get(s, pid, a, &prof) != 0)
        return core_profile_roles(actor, NULL);
    return core_profile_roles(actor, &prof);
}

int core_event_authorize_agenda(core_store *s, const core_actor *actor, const core_event_seen *seen,
                                const char *pid, core_arena *a)
{
    unsigned who = seen->roles | (pid ? core_event_participant_roles(s, actor, pid, a) : 0);
    return core_authorize(CORE_ACT_EVENT_AGENDA, who);
}

core_value core_event_participant_list(core_store *s, const core_event_seen *seen, core_arena *a)
{
    /* the organiser sees every application; others the accepted participants */
    bool organiser = core_authorize(CORE_ACT_EVENT_AGENDA, seen->roles) == 0;
    core_value all = core_event_participants(s, core_value_get_str(&seen->ev, "id"), a);
    core_value items = core_value_arr();
    for (size_t i = 0; i < all.u.arr.len; i++) {
        const core_value *p = &all.u.arr.items[i];
        const char *st = core_value_get_str(p, "state");
        if (!organiser && (st == NULL || strcmp(st, "accepted") != 0))
            continue;
        core_value v = core_event_participant_view(a, p);
        core_value pp;
        const char *pid = core_value_get_str(p, "profile_id");
        if (core_profile_get(s, pid, a, &pp) == 0) {
            const char *name = core_value_get_str(core_value_get(&pp, "published"), "name");
            core_value_set(a, &v, "name", name ? core_value_cstr(a, name) : core_value_null());
        }
        if (!organiser) { /* unavailability is the participant's and the organiser's */
            core_value *u = (core_value *)core_value_get(&v, "unavailable");
            if (u)
                *u = core_value_null();
        }
        core_value_push(a, &items, v);
    }
    core_value out = core_value_obj();
    core_value_set(a, &out, "total", core_value_int((int64_t)items.u.arr.len));
    core_value_set(a, &out, "items", items);
    return out;
}

core_value core_event_request_list(core_store *s, const char *eid, const char *pid, core_arena *a)
{
    core_value all = core_event_requests(s, eid, a);
    core_value items = core_value_arr();
    for (size_t i = 0; i < all.u.arr.len; i++) {
        const core_value *q = &all.u.arr.items[i];
        if (pid != NULL && strcmp(core_value_get_str(q, "from"), pid) != 0 &&
            strcmp(core_value_get_str(q, "to"), pid) != 0)
            continue;
        core_value_push(a, &items, core_event_request_view(a, q));
    }
    core_value out = core_value_obj();
    core_value_set(a, &out, "total", core_value_int((int64_t)items.u.arr.len));
    core_value_set(a, &out, "items", items);
    return out;
}

const char *core_event_schedulable(const core_value *ev)
{
    const char *kind = core_value_get_str(ev, "kind");
    return kind != NULL && strcmp(kind, "matchmaking") == 0 ? NULL
                                                            : "this is not a matchmaking event";
}

core_value core_event_agenda_meetings(core_store *s, const core_value *ev, const core_value *sched,
                                      const char *pid, core_arena *a)
{
    const core_value *ms = core_value_get(sched, "meetings");
    const core_value *slots = core_value_get(ev, "slots");
    size_t n_slots = slots && slots->type == CORE_ARR ? slots->u.arr.len : 0;
    core_value meetings = core_value_arr();
    /* slot order: one pass per slot keeps it simple and the input is at most S per agenda */
    for (size_t sl = 0; sl < n_slots; sl++)
        for (size_t i = 0; ms && ms->type == CORE_ARR && i < ms->u.arr.len; i++) {
            const core_value *m = &ms->u.arr.items[i];
            if (core_record_int(m, "slot", 0) != (int64_t)sl)
                continue;
            const char *ma = core_value_get_str(m, "a"), *mb = core_value_get_str(m, "b");
            if (pid != NULL && strcmp(ma, pid) != 0 && strcmp(mb, pid) != 0)
                continue;
            core_value e = core_value_copy(a, m);
            const core_value *slot = &slots->u.arr.items[sl];
            core_value_set(a, &e, "starts_at",
                           core_value_time(a, core_record_int(slot, "starts_at", 0)));
            core_value_set(a, &e, "ends_at",
                           core_value_time(a, core_record_int(slot, "ends_at", 0)));
            if (pid != NULL) {
                const char *other = strcmp(ma, pid) == 0 ? mb : ma;
                core_value op, w = core_value_obj();
                core_value_set(a, &w, "id", core_value_cstr(a, other));
                const char *name =
                    core_profile_get(s, other, a, &op) == 0
                        ? core_value_get_str(core_value_get(&op, "published"), "name")
                        : NULL;
                core_value_set(a, &w, "name", name ? core_value_cstr(a, name) : core_value_null());
                core_value_set(a, &e, "with", w);
            }
            core_value_push(a, &meetings, e);
        }
    return meetings;
}
