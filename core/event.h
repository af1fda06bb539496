/*
 * event.h: events and B2B matchmaking events (API.md, Events and matchmaking events;
 * issue 18).
 *
 * An event record (kind "event") belongs to an organiser profile whose admins create,
 * edit and cancel it. It is on the public agenda only while the organiser profile is
 * public and the event is not cancelled; otherwise its admins (and moderators) still see
 * it, with on_agenda false and the reason. A matchmaking event also carries its slots
 * (non-overlapping, within the event, in time order) and its number of tables.
 *
 * Matchmaking records, each written with its keys in one transaction:
 *   event_participant/<event>.<profile>   {event_id, profile_id, state, unavailable,
 *                                           recommendations, ...}; states applied ->
 *                                           accepted | rejected (the organiser decides)
 *   meeting_request/<id>                  {id, event_id, from, to, priority, state, slot};
 *                                           pending -> accepted | declined (an admin of `to`)
 *   event_schedule/<event>                the last published schedule (the scheduler's
 *                                           result, kept so re-runs stay stable)
 * Keys (keys family):
 *   evprofile/<profile>/<event>           the events a profile organises
 *   evtime/<starts_at, 20 digits>/<event> every event by start, for the agenda
 *   evreq/<event>/<request>               the meeting requests of an event
 *   evpair/<event>/<lo profile>/<hi profile> -> request   one request per pair
 *   evfix/<event>/<profile>/<slot> -> request   a slot a participant holds by a fixed
 *                                           meeting (never taken twice)
 *   evfixn/<event>/<slot> -> count        fixed meetings in a slot (at most `tables`)
 *
 * Priorities: 1 is the most important request, 3 the least (the scheduler weighs them
 * 3, 2, 1). Times are Unix seconds in records and RFC 3339 in and out of the API.
 * State machines are the tables in event.c (state x action -> who may, next state).
 */
#ifndef ECCPD_CORE_EVENT_H
#define ECCPD_CORE_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/check.h"
#include "core/profile.h"
#include "core/store.h"
#include "core/value.h"

#define CORE_EVENT_KIND "event"
#define CORE_EVENT_PARTICIPANT_KIND "event_participant"
#define CORE_EVENT_REQUEST_KIND "meeting_request"
#define CORE_EVENT_SCHEDULE_KIND "event_schedule"

enum {
    CORE_EVENT_MAX_SLOTS = 256,   /* slots of a matchmaking event */
    CORE_EVENT_MAX_TABLES = 5000, /* tables of a matchmaking event */
    CORE_EVENT_TITLE_MAX = 200,
    CORE_EVENT_TEXT_MAX = 10000, /* description */
};

typedef struct core_event_op {
    core_actor actor;
    const char *id;         /* the event (create: out) */
    const char *other_id;   /* a participant's profile id or a meeting request's id */
    const core_value *body; /* the request body (schedule_put: the schedule) */
    core_arena *out;        /* where outputs live: the caller's arena */
    /* out */
    core_value rec;      /* the record written (in out): event, participant or request */
    const char *message; /* a failure's explanation (in out), or NULL */
    core_fields fields;  /* CORE_EINVALID: the failing fields (in out) */
} core_event_op;

/* Initialises an op whose outputs go to arena out. */
/* The event kinds ("matchmaking", "webinar", ...), NULL-terminated, static storage (the
 * search filter `type` checks its values against them). */
const char *const *core_event_kinds(void);

void core_event_op_init(core_event_op *op, core_arena *out, const core_actor *actor);

/* core_txn_fn: body {profile_id, title, kind, starts_at, ends_at, location, virtual,
 * description, ecosystems}; the caller must administer the profile (403). */
int core_event_create_txn(core_txn *t, void *op);
/* core_txn_fn: edits the members given (any of create's but profile_id); organiser. 409 on a
 * cancelled event; the result is checked as a whole (ends after starts, slots inside). */
int core_event_patch_txn(core_txn *t, void *op);
/* core_txn_fn: cancels the event (organiser); participants' admins are notified. */
int core_event_cancel_txn(core_txn *t, void *op);
/* core_txn_fn: body {profile_id, recommendations?}: an admin of that published profile
 * applies to a matchmaking event; the organiser's admins are notified. */
int core_event_apply_txn(core_txn *t, void *op);
/* core_txn_fn: other_id = the participant; body {decision: accept|reject} (organiser). */
int core_event_decide_txn(core_txn *t, void *op);
/* core_txn_fn: body {slots: [{starts_at, ends_at}], tables} (organiser, matchmaking). */
int core_event_slots_txn(core_txn *t, void *op);
/* core_txn_fn: other_id = the participant; body {slots: [index...], recommendations?}
 * (the participant's admins). */
int core_event_unavailable_txn(core_txn *t, void *op);
/* core_txn_fn: body {from, to, priority}: an admin of `from`; both accepted participants. */
int core_event_request_txn(core_txn *t, void *op);
/* core_txn_fn: other_id = the request; body {decision: accept|decline, slot?} (an admin of
 * `to`). With slot the meeting is fixed there: both free in it, neither holding another
 * fixed meeting in it, and a table left. */
int core_event_answer_txn(core_txn *t, void *op);
/* core_txn_fn: stores body as the event's published schedule (the caller authorised the
 * organiser and ran the scheduler). */
int core_event_schedule_put_txn(core_txn *t, void *op);

/* Reads an event: 0, CORE_ENOTFOUND, CORE_EIO. The record lives in a. */
int core_event_get(core_store *s, const char *id, core_arena *a, core_value *rec);
/* The roles an actor holds for an event: those it holds for the organiser profile (prof
 * may be NULL when it is gone). */
unsigned core_event_roles(const core_actor *actor, const core_value *prof);
/* Whether an event is on the public agenda; when not, *reason says why (static text). */
bool core_event_on_agenda(core_store *s, const core_value *rec, const core_value *prof,
                          core_arena *a, const char **reason);
/* The response shape of an event, with profile {id, name, country}, on_agenda and times in
 * RFC 3339; in a. prof is the organiser profile, or NULL. */
core_value core_event_view(core_store *s, core_arena *a, const core_value *rec,
                           const core_value *prof);
/* The response shape of a participant and of a meeting request; in a. */
core_value core_event_participant_view(core_arena *a, const core_value *rec);
core_value core_event_request_view(core_arena *a, const core_value *rec);

/* Reads the participant record of profile pid in event eid: 0, CORE_ENOTFOUND, CORE_EIO. */
int core_event_participant_get(core_store *s, const char *eid, const char *pid, core_arena *a,
                               core_value *rec);
/* Every participant record of an event, in profile-id order; in a. */
core_value core_event_participants(core_store *s, const char *eid, core_arena *a);
/* Every meeting request record of an event, oldest first; in a. */
core_value core_event_requests(core_store *s, const char *eid, core_arena *a);
/* The stored schedule of an event, or null; in a. */
core_value core_event_schedule_get(core_store *s, const char *eid, core_arena *a);

/* ---- reads as a caller sees them (event_read.c) ---- */

/* An event loaded for a caller. */
typedef struct core_event_seen {
    core_value ev;   /* the event record */
    core_value prof; /* its organiser profile, or null when gone */
    bool have_prof;  /* whether prof was found */
    unsigned roles;  /* the caller's roles for the organiser profile */
} core_event_seen;

/* Loads event id as actor may see it: an event off the public agenda is seen by the
 * organiser's admins and the moderators only, and every reader passes CORE_ACT_EVENT_READ.
 * 0, CORE_ENOTFOUND (no such event, or one actor may not see), CORE_EIO. Lives in a. */
int core_event_load_visible(core_store *s, const core_actor *actor, const char *id, core_arena *a,
                            core_event_seen *out);
/* The roles actor holds for participant pid's profile (none beyond its own when pid is NULL
 * or no profile). */
unsigned core_event_participant_roles(core_store *s, const core_actor *actor, const char *pid,
                                      core_arena *a);
/* May actor read the event's agenda (its meeting requests and schedule), the whole of it
 * (pid NULL: the organiser) or participant pid's part (also pid's admins)? 0 or the
 * table's code (CORE_EUNAUTH, CORE_EFORBIDDEN, CORE_ENOTFOUND). */
int core_event_authorize_agenda(core_store *s, const core_actor *actor, const core_event_seen *seen,
                                const char *pid, core_arena *a);
/* The participant list as the caller of seen may see it, {total, items}: the organiser
 * every application with its unavailability, others the accepted participants without
 * it. In a. */
core_value core_event_participant_list(core_store *s, const core_event_seen *seen, core_arena *a);
/* The meeting requests of event eid, those from or to participant pid (NULL: all), as
 * {total, items} of views. The caller authorised with core_event_authorize_agenda. In a. */
core_value core_event_request_list(core_store *s, const char *eid, const char *pid, core_arena *a);
/* NULL when the scheduler may run on event ev (a matchmaking event), else why not. */
const char *core_event_schedulable(const core_value *ev);
/* The published schedule sched's meetings of event ev, in slot order, each with its slot's
 * starts_at and ends_at: all of them (pid NULL), or participant pid's with `with`, the
 * other party's id and published name. The caller authorised with
 * core_event_authorize_agenda. In a. */
core_value core_event_agenda_meetings(core_store *s, const core_value *ev, const core_value *sched,
                                      const char *pid, core_arena *a);

/* The agenda: events on it (public organiser, not cancelled) starting in [from, to) (to < 0:
 * no end), of kind (NULL: any) and with ecosystem (NULL: any), soonest first, as views:
 * {total, items}. */
int core_event_agenda(core_store *s, int64_t from, int64_t to, const char *kind,
                      const char *ecosystem, size_t page, size_t per_page, core_arena *a,
                      core_value *out);

#endif
