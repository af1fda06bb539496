/*
 * events.c: the events of the demo platform (called from core_demo_generate).
 *
 * A handful of events organised by published cluster organisations of the demo data (a
 * webinar, a conference, a workshop, another event), and two matchmaking events, each
 * with slots and tables, participants who applied and were accepted (one rejected, two
 * still waiting for the organiser's decision), slots
 * some cannot attend, meeting requests (most accepted, some declined or pending, one fixed
 * in a slot when accepted). Every step is the API's own write (core/event.c) by the user
 * the API would see, so rules, keys, change log and notifications are the real ones. The
 * schedules are run and published by the caller that can reach the matcher
 * (matcher_event_schedule_all, after the demo data is written). Deterministic for a seed:
 * the same organisations (the first published clusters in id order, demo-user's second),
 * titles, choices.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/account.h"
#include "demo/demo.h"
#include "demo/gen.h"
#include "core/error.h"
#include "core/event.h"
#include "core/profile.h"
#include "core/record.h"
#include "core/time.h"

enum { DEMO_ORGS = 40, DEMO_PARTICIPANTS = 16, DEMO_WAITING = 2 };

typedef struct demo_org {
    char id[32], admin[32];
} demo_org;

static int run_step(core_store *s, core_txn_fn fn, core_arena *a, const char *user,
                    const char *event_id, const char *other, core_value *body, char *out_id)
{
    core_actor actor = {user, false};
    core_event_op op;
    core_event_op_init(&op, a, &actor);
    op.id = event_id;
    op.other_id = other;
    op.body = body;
    int rc = demo_write_quiet(s, fn, &op);
    if (rc == 0 && out_id != NULL) {
        const char *id =
            op.id && fn == core_event_create_txn ? op.id : core_value_get_str(&op.rec, "id");
        snprintf(out_id, 32, "%s", id ? id : "");
    }
    return rc;
}

static uint64_t next(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* Published cluster organisations with an admin, first ones in id order. */
static size_t find_orgs(core_store *s, demo_org *out, size_t max, core_arena *a)
{
    size_t n = 0;
    core_iter *it = core_store_iter_prefix(s, CORE_CF_RECORDS, CORE_SLICE_LIT("profile/"));
    core_slice k, v;
    while (n < max && core_iter_next(it, &k, &v)) {
        core_value rec;
        if (core_record_decode(a, v, &rec) != 0)
            continue;
        const char *type = core_value_get_str(&rec, "type");
        const core_value *admins = core_value_get(&rec, "admins");
        if (type == NULL || strcmp(type, "cluster_organisation") != 0 ||
            !core_profile_is_public(s, &rec, a) || admins == NULL || admins->type != CORE_ARR ||
            admins->u.arr.len == 0 || admins->u.arr.items[0].type != CORE_STR)
            continue;
        snprintf(out[n].id, sizeof(out[n].id), "%s", core_value_get_str(&rec, "id"));
        snprintf(out[n].admin, sizeof(out[n].admin), "%s", admins->u.arr.items[0].u.s.ptr);
        n++;
    }
    core_iter_free(it);
    return n;
}

static int create_event(core_store *s, core_arena *a, const demo_org *o, const char *title,
                        const char *kind, int64_t start, int64_t hours, const char *location,
                        bool virt, const char *description, const char *ecosystem, char *id)
{
    core_value b = core_value_obj();
    core_value_set(a, &b, "profile_id", str(a, o->id));
    core_value_set(a, &b, "title", str(a, title));
    core_value_set(a, &b, "kind", str(a, kind));
    core_value_set(a, &b, "starts_at", core_value_time(a, start));
    core_value_set(a, &b, "ends_at", core_value_time(a, start + hours * 3600));
    core_value_set(a, &b, "location", str(a, location));
    core_value_set(a, &b, "virtual", core_value_bool(virt));
    core_value_set(a, &b, "description", str(a, description));
    core_value eco = core_value_arr();
    core_value_push(a, &eco, str(a, ecosystem));
    core_value_set(a, &b, "ecosystems", eco);
    return run_step(s, core_event_create_txn, a, o->admin, NULL, NULL, &b, id);
}

/* One matchmaking event: slots, participants, unavailability, requests and answers. */
static int matchmaking(core_store *s, core_arena *a, demo_org *orgs, size_t n_orgs,
                       size_t organiser, const char *title, int64_t start, int n_slots, int minutes,
                       int tables, const char *ecosystem, uint64_t *rng)
{
    char ev[32];
    int rc = create_event(s, a, &orgs[organiser], title, "matchmaking", start, 8,
                          "Brussels, Square Meeting Centre", false,
                          "Pre-arranged 20 to 30 minute B2B meetings between cluster "
                          "organisations and their members, with a networking lunch.",
                          ecosystem, ev);
    if (rc != 0)
        return rc;
    core_value b = core_value_obj(), slots = core_value_arr();
    for (int i = 0; i < n_slots; i++) {
        core_value sl = core_value_obj();
        int64_t from = start + 3600 + (int64_t)i * minutes * 60;
        core_value_set(a, &sl, "starts_at", core_value_time(a, from));
        core_value_set(a, &sl, "ends_at", core_value_time(a, from + minutes * 60));
        core_value_push(a, &slots, sl);
    }
    core_value_set(a, &b, "slots", slots);
    core_value_set(a, &b, "tables", core_value_int(tables));
    if ((rc = run_step(s, core_event_slots_txn, a, orgs[organiser].admin, ev, NULL, &b, NULL)) != 0)
        return rc;
    /* participants: the next DEMO_PARTICIPANTS organisations after the organiser */
    size_t part[DEMO_PARTICIPANTS];
    size_t np = 0;
    for (size_t k = 1; np < DEMO_PARTICIPANTS && k < n_orgs; k++)
        part[np++] = (organiser + k) % n_orgs;
    for (size_t i = 0; i < np; i++) {
        demo_org *o = &orgs[part[i]];
        b = core_value_obj();
        core_value_set(a, &b, "profile_id", str(a, o->id));
        core_value_set(a, &b, "recommendations", core_value_bool(i % 2 == 0));
        if ((rc = run_step(s, core_event_apply_txn, a, o->admin, ev, NULL, &b, NULL)) != 0)
            return rc;
        b = core_value_obj();
        core_value_set(a, &b, "decision", str(a, i == np - 1 ? "reject" : "accept"));
        if ((rc = run_step(s, core_event_decide_txn, a, orgs[organiser].admin, ev, o->id, &b,
                           NULL)) != 0)
            return rc;
        if (i % 3 == 0 && i != np - 1) { /* some cannot attend a slot or two */
            b = core_value_obj();
            core_value un = core_value_arr();
            core_value_push(a, &un, core_value_int((int64_t)(next(rng) % (uint64_t)n_slots)));
            core_value_set(a, &b, "slots", un);
            if ((rc = run_step(s, core_event_unavailable_txn, a, o->admin, ev, o->id, &b, NULL)) !=
                0)
                return rc;
        }
    }
    /* requests: each accepted participant asks four others; popular ones are asked more */
    size_t accepted = np - 1;
    int fixed = 0;
    for (size_t i = 0; i < accepted; i++)
        for (int k = 0; k < 4; k++) {
            size_t j = (size_t)(next(rng) % accepted);
            if (next(rng) % 3 == 0)
                j = (size_t)(next(rng) % 3); /* the first three are in demand */
            if (j == i)
                continue;
            demo_org *from = &orgs[part[i]], *to = &orgs[part[j]];
            b = core_value_obj();
            core_value_set(a, &b, "from", str(a, from->id));
            core_value_set(a, &b, "to", str(a, to->id));
            core_value_set(a, &b, "priority", core_value_int(1 + (int64_t)(next(rng) % 3)));
            char rid[32];
            rc = run_step(s, core_event_request_txn, a, from->admin, ev, NULL, &b, rid);
            if (rc == CORE_ECONFLICT)
                continue; /* these two have a request already */
            if (rc != 0)
                return rc;
            uint64_t r = next(rng) % 10;
            if (r == 0)
                continue; /* left pending */
            b = core_value_obj();
            core_value_set(a, &b, "decision", str(a, r == 1 ? "decline" : "accept"));
            if (r == 2 && fixed < 2) /* fixed by the participant when accepting */
                core_value_set(a, &b, "slot", core_value_int(fixed++ * 2 + 1));
            rc = run_step(s, core_event_answer_txn, a, to->admin, ev, rid, &b, NULL);
            if (rc == CORE_ECONFLICT && core_value_get(&b, "slot") != NULL) {
                core_value plain = core_value_obj();
                core_value_set(a, &plain, "decision", str(a, "accept"));
                rc = run_step(s, core_event_answer_txn, a, to->admin, ev, rid, &plain, NULL);
            }
            if (rc != 0)
                return rc;
        }
    /* applications still waiting for the organiser's decision (the web pages' accept and
     * reject), from the organisations after the participants */
    for (size_t k = np + 1; k <= np + DEMO_WAITING && k < n_orgs; k++) {
        demo_org *o = &orgs[(organiser + k) % n_orgs];
        b = core_value_obj();
        core_value_set(a, &b, "profile_id", str(a, o->id));
        if ((rc = run_step(s, core_event_apply_txn, a, o->admin, ev, NULL, &b, NULL)) != 0)
            return rc;
    }
    /* a meeting request to the first participant left for it to answer (the first
     * participant that has not asked it yet) */
    for (size_t i = accepted; i-- > 1;) {
        b = core_value_obj();
        core_value_set(a, &b, "from", str(a, orgs[part[i]].id));
        core_value_set(a, &b, "to", str(a, orgs[part[0]].id));
        core_value_set(a, &b, "priority", core_value_int(1));
        char rid[32];
        rc = run_step(s, core_event_request_txn, a, orgs[part[i]].admin, ev, NULL, &b, rid);
        if (rc != CORE_ECONFLICT)
            return rc;
    }
    return 0;
}

int core_demo_events(core_store *s, uint64_t seed)
{
    core_arena a;
    core_arena_init(&a);
    demo_org orgs[DEMO_ORGS];
    size_t n = find_orgs(s, orgs, DEMO_ORGS, &a);
    int rc = 0;
    if (n < DEMO_PARTICIPANTS + 4)
        goto Exit; /* too small a platform for matchmaking: no events */
    /* demo-user's cluster second: it organises the second matchmaking event and is the
     * first participant of the first, with a meeting request to answer */
    core_value demo_user;
    if (core_user_find_by_login(s, "demo-user", &a, &demo_user) == 0)
        for (size_t i = 0; i < n; i++)
            if (strcmp(orgs[i].admin, core_value_get_str(&demo_user, "id")) == 0) {
                demo_org t = orgs[1];
                orgs[1] = orgs[i];
                orgs[i] = t;
                break;
            }
    uint64_t rng = seed * 0x9E3779B97F4A7C15ull + 1;
    /* from the first Monday at least four weeks ahead, 08:00 UTC */
    int64_t day = (int64_t)time(NULL) / 86400 + 28;
    day += (7 - (day + 3) % 7) % 7; /* 1970-01-01 was a Thursday: (day + 3) % 7 == 0 Monday */
    int64_t t0 = day * 86400 + 8 * 3600;
    char id[32];
    static const struct {
        const char *title, *kind, *location, *description, *ecosystem;
        int64_t offset_days, hours;
        bool virt;
    } plain[] = {
        {"Cluster excellence webinar: preparing for the gold label", "webinar", "Online",
         "How clusters prepare for the gold label of cluster management excellence.", "digital", 3,
         2, true},
        {"European Cluster Conference", "conference", "Vilnius",
         "Two days of policy, practice and partnering for cluster organisations.",
         "mobility_transport_automotive", 21, 16, false},
        {"Workshop: internationalisation strategies for SMEs", "workshop", "Lyon",
         "A hands-on workshop on going international with cluster support.", "agri_food", 10, 4,
         false},
        {"Health cluster study visit", "other", "Leuven",
         "A study visit to health clusters and their research partners.", "health", 35, 6, false},
    };
    for (size_t i = 0; rc == 0 && i < sizeof(plain) / sizeof(plain[0]); i++)
        rc = create_event(s, &a, &orgs[2 + i], plain[i].title, plain[i].kind,
                          t0 + plain[i].offset_days * 86400, plain[i].hours, plain[i].location,
                          plain[i].virt, plain[i].description, plain[i].ecosystem, id);
    if (rc == 0)
        rc = matchmaking(s, &a, orgs, n, 0, "Digital Innovation Matchmaking", t0 + 7 * 86400, 12,
                         20, 15, "digital", &rng);
    if (rc == 0)
        rc = matchmaking(s, &a, orgs, n, 1, "Green Mobility B2B Meetings", t0 + 14 * 86400, 10, 30,
                         6, "mobility_transport_automotive", &rng);
Exit:
    core_arena_dispose(&a);
    return rc;
}
