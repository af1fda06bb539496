/*
 * Store-level tests of who sees which part of an event (core/event_read.c), the rules the
 * HTTP handlers of net/events.c used to decide themselves: an event off the public agenda
 * is its organiser's and the moderators'; the participant list shows the organiser every
 * application with its unavailability and everyone else the accepted participants without
 * it; a participant's admins read that participant's part of the agenda, others nothing.
 */
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "fixture.h"
#include "fixture_cjson.h"
#include "fixture_store.h"

#include "core/account.h"
#include "core/authz.h"
#include "core/error.h"
#include "core/event.h"
#include "core/profile.h"
#include "core/vocab.h"

static char dir[256];
static core_store *st;
static core_arena A;
static char organiser[32], p1_owner[32], p2_owner[32], stranger[32], moderator[32];

static core_value J(const char *text)
{
    return test_json(&A, text);
}

/* Runs fn as user on event id (other_id, body as given); returns its code. */
static int event_write(core_txn_fn fn, const char *user, const char *id, const char *other_id,
                       const char *body_json)
{
    core_actor actor = {user, false};
    core_event_op op;
    core_event_op_init(&op, &A, &actor);
    op.id = id;
    op.other_id = other_id;
    core_value body = body_json ? J(body_json) : core_value_null();
    op.body = body_json ? &body : NULL;
    int rc = core_store_write_sync(st, fn, &op, NULL);
    if (rc != 0)
        fprintf(stderr, "event write: %s\n", op.message ? op.message : core_strerror(rc));
    return rc;
}

static const char *create_event(const char *pid)
{
    core_actor actor = {organiser, false};
    core_event_op op;
    core_event_op_init(&op, &A, &actor);
    core_value body = J(core_arena_printf(
        &A,
        "{\"profile_id\":\"%s\",\"title\":\"B2B Days\",\"kind\":\"matchmaking\","
        "\"starts_at\":\"2030-03-01T08:00:00Z\",\"ends_at\":\"2030-03-01T18:00:00Z\","
        "\"location\":\"Brussels\",\"virtual\":false,\"description\":\"B2B\","
        "\"ecosystems\":[\"digital\"]}",
        pid));
    op.body = &body;
    int rc = core_store_write_sync(st, core_event_create_txn, &op, NULL);
    if (rc != 0)
        fprintf(stderr, "create: %s\n", op.message ? op.message : core_strerror(rc));
    CHECK_EQ(rc, 0);
    return op.id;
}

static core_event_seen seen_by(const char *user, bool moderator_role, const char *eid, int *rc)
{
    core_actor actor = {user, moderator_role};
    core_event_seen seen;
    memset(&seen, 0, sizeof(seen));
    *rc = core_event_load_visible(st, &actor, eid, &A, &seen);
    return seen;
}

static size_t total_of(const core_value *list)
{
    const core_value *t = core_value_get(list, "total");
    return t && t->type == CORE_INT ? (size_t)t->u.i : (size_t)-1;
}

static void participants_and_agenda(void)
{
    const char *org = test_profile(st, &A, organiser, moderator, "Organiser Cluster", "DE", true);
    const char *p1 = test_profile(st, &A, p1_owner, moderator, "First Participant", "DE", true);
    const char *p2 = test_profile(st, &A, p2_owner, moderator, "Second Participant", "DE", true);
    const char *eid = create_event(org);
    char body[128];
    snprintf(body, sizeof(body), "{\"profile_id\":\"%s\"}", p1);
    CHECK_EQ(event_write(core_event_apply_txn, p1_owner, eid, NULL, body), 0);
    snprintf(body, sizeof(body), "{\"profile_id\":\"%s\"}", p2);
    CHECK_EQ(event_write(core_event_apply_txn, p2_owner, eid, NULL, body), 0);
    CHECK_EQ(event_write(core_event_decide_txn, organiser, eid, p1, "{\"decision\":\"accept\"}"),
             0);

    /* the organiser sees both applications, with unavailability */
    int rc;
    core_event_seen s_org = seen_by(organiser, false, eid, &rc);
    CHECK_EQ(rc, 0);
    core_value all = core_event_participant_list(st, &s_org, &A);
    CHECK_EQ(total_of(&all), 2);
    const core_value *first = &core_value_get(&all, "items")->u.arr.items[0];
    CHECK(core_value_get(first, "unavailable") != NULL);
    CHECK(core_value_get(first, "unavailable")->type != CORE_NULL);

    /* a stranger and an anonymous reader see the accepted one, without unavailability */
    const char *who[] = {stranger, NULL};
    for (int i = 0; i < 2; i++) {
        core_event_seen s = seen_by(who[i], false, eid, &rc);
        CHECK_EQ(rc, 0);
        core_value some = core_event_participant_list(st, &s, &A);
        CHECK_EQ(total_of(&some), 1);
        const core_value *only = &core_value_get(&some, "items")->u.arr.items[0];
        CHECK_STR_EQ(core_value_get_str(only, "profile_id"), p1);
        CHECK_STR_EQ(core_value_get_str(only, "name"), "First Participant");
        CHECK(core_value_get(only, "unavailable") != NULL);
        CHECK(core_value_get(only, "unavailable")->type == CORE_NULL);
        /* the whole agenda is the organiser's; a participant's part its admins' */
        core_actor a = {who[i], false};
        CHECK(core_event_authorize_agenda(st, &a, &s, NULL, &A) != 0);
        CHECK(core_event_authorize_agenda(st, &a, &s, p1, &A) != 0);
    }
    CHECK_EQ(core_event_authorize_agenda(st, &(core_actor){organiser, false}, &s_org, NULL, &A), 0);
    core_event_seen s_p1 = seen_by(p1_owner, false, eid, &rc);
    CHECK_EQ(rc, 0);
    core_actor a1 = {p1_owner, false};
    CHECK_EQ(core_event_authorize_agenda(st, &a1, &s_p1, p1, &A), 0);
    CHECK(core_event_authorize_agenda(st, &a1, &s_p1, p2, &A) != 0);

    /* requests: from or to the participant asked for */
    CHECK_EQ(event_write(core_event_decide_txn, organiser, eid, p2, "{\"decision\":\"accept\"}"),
             0);
    snprintf(body, sizeof(body), "{\"from\":\"%s\",\"to\":\"%s\",\"priority\":1}", p1, p2);
    CHECK_EQ(event_write(core_event_request_txn, p1_owner, eid, NULL, body), 0);
    core_value r1 = core_event_request_list(st, eid, p1, &A);
    CHECK_EQ(total_of(&r1), 1);
    core_value rall = core_event_request_list(st, eid, NULL, &A);
    CHECK_EQ(total_of(&rall), 1);
    core_value rnone = core_event_request_list(st, eid, org, &A);
    CHECK_EQ(total_of(&rnone), 0);

    /* off the agenda (cancelled): the organiser and the moderators see it, no one else */
    CHECK_EQ(event_write(core_event_cancel_txn, organiser, eid, NULL, NULL), 0);
    seen_by(organiser, false, eid, &rc);
    CHECK_EQ(rc, 0);
    seen_by(moderator, true, eid, &rc);
    CHECK_EQ(rc, 0);
    seen_by(stranger, false, eid, &rc);
    CHECK_EQ(rc, CORE_ENOTFOUND);
    seen_by(p1_owner, false, eid, &rc);
    CHECK_EQ(rc, CORE_ENOTFOUND);
    seen_by(NULL, false, eid, &rc);
    CHECK_EQ(rc, CORE_ENOTFOUND);
    seen_by(stranger, false, "no-such-event", &rc);
    CHECK_EQ(rc, CORE_ENOTFOUND);
}

/* The scheduler runs on matchmaking events only; an agenda lists the published meetings in
 * slot order with the slot's times, and one participant's agenda only theirs, each with the
 * other party. */
static void schedulable_and_agenda_meetings(void)
{
    core_value mm = J("{\"kind\":\"matchmaking\"}"), web = J("{\"kind\":\"webinar\"}");
    CHECK(core_event_schedulable(&mm) == NULL);
    CHECK_STR_EQ(core_event_schedulable(&web), "this is not a matchmaking event");
    core_value ev =
        J("{\"kind\":\"matchmaking\",\"slots\":[{\"starts_at\":1800000000,"
          "\"ends_at\":1800000900},{\"starts_at\":1800001800,\"ends_at\":1800002700}]}");
    core_value sched = J("{\"meetings\":[{\"slot\":1,\"table\":0,\"a\":\"X\",\"b\":\"Y\"},"
                         "{\"slot\":0,\"table\":1,\"a\":\"Y\",\"b\":\"Z\"},"
                         "{\"slot\":0,\"table\":0,\"a\":\"X\",\"b\":\"W\"}]}");
    core_value all = core_event_agenda_meetings(st, &ev, &sched, NULL, &A);
    CHECK_EQ(all.u.arr.len, 3);
    CHECK_EQ(core_value_get(&all.u.arr.items[0], "slot")->u.i, 0);
    CHECK_EQ(core_value_get(&all.u.arr.items[1], "slot")->u.i, 0);
    CHECK_EQ(core_value_get(&all.u.arr.items[2], "slot")->u.i, 1);
    CHECK(core_value_get(&all.u.arr.items[0], "with") == NULL);
    core_value y = core_event_agenda_meetings(st, &ev, &sched, "Y", &A);
    CHECK_EQ(y.u.arr.len, 2);
    CHECK_STR_EQ(core_value_get_str(core_value_get(&y.u.arr.items[0], "with"), "id"), "Z");
    CHECK_STR_EQ(core_value_get_str(core_value_get(&y.u.arr.items[1], "with"), "id"), "X");
    CHECK_STR_EQ(core_value_get_str(&y.u.arr.items[0], "starts_at"), "2027-01-15T08:00:00Z");
    CHECK_STR_EQ(core_value_get_str(&y.u.arr.items[1], "ends_at"), "2027-01-15T08:45:00Z");
    CHECK_EQ(core_event_agenda_meetings(st, &ev, &sched, "nobody", &A).u.arr.len, 0);
}

int main(void)
{
    st = test_store_open(dir, sizeof(dir), "test-event-read");
    CHECK_EQ(core_vocab_init(), 0);
    core_arena_init(&A);
    test_user(st, &A, "moderator", "moderator", moderator);
    test_user(st, &A, "organiser", "user", organiser);
    test_user(st, &A, "p1owner", "user", p1_owner);
    test_user(st, &A, "p2owner", "user", p2_owner);
    test_user(st, &A, "stranger", "user", stranger);
    RUN(participants_and_agenda);
    RUN(schedulable_and_agenda_meetings);
    core_arena_dispose(&A);
    test_store_remove(st, dir);
    return 0;
}
