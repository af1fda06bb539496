/*
 * Store-level tests of ClusterXchange registrations (core/xchange.c) against a real
 * RocksDB in a temporary directory: every validation rule names its field, the
 * pending -> accepted | rejected state machine with its notifications, one visitor
 * registration per profile, the authorisation rows, and dates.
 */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "fixture.h"
#include "fixture_cjson.h"
#include "fixture_store.h"
#include "core/account.h"
#include "core/authz.h"
#include "core/error.h"
#include "core/notify.h"
#include "core/profile.h"
#include "core/record.h"
#include "core/vocab.h"
#include "core/xchange.h"

static char dir[256];
static core_store *st;
static core_arena A;
static char owner[32], owner2[32], other[32], moderator[32], us_owner[32];
static const char *pub_de, *draft_de, *pub_us; /* profiles */

/* ---- helpers ---- */

static core_value J(const char *text)
{
    return test_json(&A, text);
}

/* "YYYY-MM-DD" of today (UTC) plus days, in A. */
static const char *day(int days)
{
    time_t t = time(NULL) + (time_t)days * 86400;
    struct tm tm;
    gmtime_r(&t, &tm);
    return core_arena_printf(&A, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/* A valid body for profile pid with roles (a JSON list). `extra` members come first, so
 * they override the defaults of the same name (core_value_get finds the first). */
static core_value body_for(const char *pid, const char *roles, const char *extra)
{
    return J(core_arena_printf(
        &A,
        "{%s%s\"profile_id\":\"%s\",\"roles\":%s,\"ecosystems\":[\"digital\",\"health\"],"
        "\"target_countries\":[\"FR\"],\"objectives\":[\"market_exploration\"],"
        "\"languages\":[\"en\",\"de\"],\"availability\":[{\"from\":\"%s\",\"to\":\"%s\"}],"
        "\"duration_days\":{\"min\":5,\"max\":20},\"host_capacity\":2,\"offer\":\"Visits to "
        "members\",\"demand\":\"Partners in France\"}",
        extra ? extra : "", extra ? "," : "", pid, roles, day(30), day(90)));
}

/* Removes a member from an object (the test's way to leave a field out). */
static void drop(core_value *obj, const char *key)
{
    for (size_t i = 0; i < obj->u.obj.len; i++)
        if (strcmp(obj->u.obj.items[i].key.ptr, key) == 0) {
            memmove(&obj->u.obj.items[i], &obj->u.obj.items[i + 1],
                    (obj->u.obj.len - i - 1) * sizeof(core_member));
            obj->u.obj.len--;
            return;
        }
}

static int create(const char *user, core_value *body, core_xchange_op *out)
{
    core_actor actor = {user, false};
    core_xchange_op op;
    core_xchange_op_init(&op, &A, &actor);
    op.body = body;
    int rc = core_store_write_sync(st, core_xchange_create_txn, &op, NULL);
    if (out != NULL)
        *out = op;
    return rc;
}

static int decide(const char *user, bool mod, const char *id, const char *json,
                  core_xchange_op *out)
{
    core_actor actor = {user, mod};
    core_xchange_op op;
    core_xchange_op_init(&op, &A, &actor);
    core_value body = J(json);
    op.body = &body;
    op.id = id;
    int rc = core_store_write_sync(st, core_xchange_decide_txn, &op, NULL);
    if (out != NULL)
        *out = op;
    return rc;
}

/* Expects a 422 whose fields name `field`. */
static void rejects(core_value body, const char *field)
{
    core_xchange_op op;
    int rc = create(owner, &body, &op);
    if (rc != CORE_EINVALID || core_value_get(&op.fields.obj, field) == NULL) {
        fprintf(stderr, "expected a reason for %s; rc %d, message %s\n", field, rc,
                op.message ? op.message : "-");
        for (size_t i = 0; i < op.fields.obj.u.obj.len; i++)
            fprintf(stderr, "  %s: %s\n", op.fields.obj.u.obj.items[i].key.ptr,
                    op.fields.obj.u.obj.items[i].value.u.s.ptr);
    }
    CHECK_EQ(rc, CORE_EINVALID);
    CHECK(core_value_get(&op.fields.obj, field) != NULL);
}

/* ---- cases ---- */

static void dates(void)
{
    CHECK_EQ(core_xchange_parse_day("1970-01-01"), 0);
    CHECK_EQ(core_xchange_parse_day("1970-01-02"), 1);
    CHECK_EQ(core_xchange_parse_day("2000-03-01"), 11017);
    CHECK_EQ(core_xchange_parse_day("2024-02-29"), 19782);
    CHECK_EQ(core_xchange_parse_day("2025-01-01"), 20089);
    CHECK_EQ(core_xchange_parse_day("2025-02-29"), -1); /* not a leap year */
    CHECK_EQ(core_xchange_parse_day("2100-02-29"), -1);
    CHECK_EQ(core_xchange_parse_day("2025-04-31"), -1);
    CHECK_EQ(core_xchange_parse_day("2025-13-01"), -1);
    CHECK_EQ(core_xchange_parse_day("2025-1-01"), -1);
    CHECK_EQ(core_xchange_parse_day("1969-12-31"), -1);
    CHECK_EQ(core_xchange_parse_day("2025-01-01T00"), -1);
    /* RFC 3339 times name their UTC day */
    CHECK_EQ(core_xchange_parse_day("2025-01-01T10:00:00Z"), 20089);
    CHECK_EQ(core_xchange_parse_day("2025-01-01T23:30:00-01:00"), 20090);
    CHECK_EQ(core_xchange_parse_day("2150-01-01"), -1);
    CHECK_EQ(core_xchange_parse_day(""), -1);
    CHECK_EQ(core_xchange_parse_day(NULL), -1);
    /* agrees with the C library on every day of a few years */
    for (int d = 19000; d < 21000; d++) {
        time_t t = (time_t)d * 86400;
        struct tm tm;
        gmtime_r(&t, &tm);
        char s[48];
        snprintf(s, sizeof(s), "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
        CHECK_EQ(core_xchange_parse_day(s), d);
    }
}

static void authz_rows(void)
{
    enum {
        ANON = CORE_ROLE_ANONYMOUS,
        USER = CORE_ROLE_USER,
        ADMIN = CORE_ROLE_USER | CORE_ROLE_ADMIN,
        MOD = CORE_ROLE_USER | CORE_ROLE_MODERATOR
    };
    CHECK_EQ(core_authorize(CORE_ACT_XCHANGE_REGISTER, USER), CORE_EFORBIDDEN);
    CHECK_EQ(core_authorize(CORE_ACT_XCHANGE_REGISTER, ADMIN), 0);
    CHECK_EQ(core_authorize(CORE_ACT_XCHANGE_REGISTER, MOD), CORE_EFORBIDDEN);
    CHECK_EQ(core_authorize(CORE_ACT_XCHANGE_READ, ANON), CORE_ENOTFOUND);
    CHECK_EQ(core_authorize(CORE_ACT_XCHANGE_READ, USER), CORE_ENOTFOUND);
    CHECK_EQ(core_authorize(CORE_ACT_XCHANGE_READ, ADMIN), 0);
    CHECK_EQ(core_authorize(CORE_ACT_XCHANGE_READ, MOD), 0);
    CHECK_EQ(core_authorize(CORE_ACT_XCHANGE_DECIDE, ADMIN), CORE_EFORBIDDEN);
    CHECK_EQ(core_authorize(CORE_ACT_XCHANGE_DECIDE, MOD), 0);
    CHECK_EQ(core_authorize(CORE_ACT_XCHANGE_BATCH, ANON), CORE_EUNAUTH);
    CHECK_EQ(core_authorize(CORE_ACT_XCHANGE_BATCH, ADMIN), CORE_EFORBIDDEN);
    CHECK_EQ(core_authorize(CORE_ACT_XCHANGE_BATCH, MOD), 0);
}

static void validation(void)
{
    /* a valid body is accepted, normalised, pending */
    core_value ok = body_for(pub_de, "[\"host\"]", "\"languages\":[\"EN\"]");
    core_xchange_op op;
    CHECK_EQ(create(owner, &ok, &op), 0);
    CHECK_STR_EQ(core_value_get_str(&op.rec, "state"), "pending");
    CHECK_STR_EQ(core_value_get(&op.rec, "languages")->u.arr.items[0].u.s.ptr, "en");

    /* the body and its members */
    core_value none = core_value_null();
    CHECK_EQ(create(owner, &none, &op), CORE_EINVALID);
    rejects(body_for(pub_de, "[\"host\"]", "\"colour\":\"blue\""), "colour");
    /* the profile */
    core_value b = body_for(pub_de, "[\"host\"]", NULL);
    drop(&b, "profile_id");
    rejects(b, "profile_id");
    rejects(body_for("01ARZ3NDEKTSV4RRFFQ69G5FAV", "[\"host\"]", NULL), "profile_id");
    {
        core_value d = body_for(draft_de, "[\"host\"]", NULL);
        CHECK_EQ(create(owner2, &d, &op), CORE_EINVALID); /* not published */
        CHECK(core_value_get(&op.fields.obj, "profile_id") != NULL);
    }
    {
        core_value us = body_for(pub_us, "[\"host\"]", NULL);
        core_xchange_op o2;
        core_actor actor = {us_owner, false};
        core_xchange_op_init(&o2, &A, &actor);
        o2.body = &us;
        CHECK_EQ(core_store_write_sync(st, core_xchange_create_txn, &o2, NULL), CORE_EINVALID);
        CHECK(core_value_get(&o2.fields.obj, "profile_id") != NULL); /* US is not eligible */
    }
    core_value mine = body_for(pub_de, "[\"host\"]", NULL);
    CHECK_EQ(create(other, &mine, &op), CORE_EFORBIDDEN); /* not an admin */
    CHECK_EQ(create(moderator, &mine, &op), CORE_EFORBIDDEN);
    core_actor anon = {NULL, false};
    core_xchange_op_init(&op, &A, &anon);
    op.body = &mine;
    CHECK_EQ(core_store_write_sync(st, core_xchange_create_txn, &op, NULL), CORE_EUNAUTH);
    /* roles */
    b = body_for(pub_de, "[\"host\"]", NULL);
    drop(&b, "roles");
    rejects(b, "roles");
    rejects(body_for(pub_de, "[]", NULL), "roles");
    rejects(body_for(pub_de, "[\"guest\"]", NULL), "roles");
    rejects(body_for(pub_de, "[\"host\",\"host\"]", NULL), "roles");
    /* vocabularies */
    rejects(body_for(pub_de, "[\"host\"]", "\"ecosystems\":[]"), "ecosystems");
    rejects(body_for(pub_de, "[\"host\"]", "\"ecosystems\":[\"space\"]"), "ecosystems");
    rejects(body_for(pub_de, "[\"host\"]", "\"ecosystems\":[\"digital\",\"digital\"]"),
            "ecosystems");
    rejects(body_for(pub_de, "[\"host\"]", "\"ecosystems\":\"digital\""), "ecosystems");
    rejects(body_for(pub_de, "[\"host\"]", "\"objectives\":[\"fun\"]"), "objectives");
    b = body_for(pub_de, "[\"host\"]", NULL);
    drop(&b, "objectives");
    rejects(b, "objectives");
    rejects(body_for(pub_de, "[\"host\"]", "\"languages\":[\"xx\"]"), "languages");
    rejects(body_for(pub_de, "[\"host\"]", "\"languages\":[]"), "languages");
    /* target countries: codes, eligible; empty means any */
    rejects(body_for(pub_de, "[\"host\"]", "\"target_countries\":[\"ZZ\"]"), "target_countries");
    rejects(body_for(pub_de, "[\"host\"]", "\"target_countries\":[\"US\"]"), "target_countries");
    b = body_for(pub_de, "[\"host\"]", "\"target_countries\":[]");
    CHECK_EQ(create(owner, &b, &op), 0);
    b = body_for(pub_de, "[\"host\"]", "\"target_countries\":[\"pl\",\"FR\"]");
    CHECK_EQ(create(owner, &b, &op), 0);
    CHECK_STR_EQ(core_value_get(&op.rec, "target_countries")->u.arr.items[0].u.s.ptr, "PL");
    /* availability */
    b = body_for(pub_de, "[\"host\"]", NULL);
    drop(&b, "availability");
    rejects(b, "availability");
    rejects(body_for(pub_de, "[\"host\"]", "\"availability\":[]"), "availability");
    const char *w = core_arena_printf(&A, "{\"from\":\"%s\",\"to\":\"%s\"}", day(10), day(40));
    rejects(body_for(pub_de, "[\"host\"]",
                     core_arena_printf(&A, "\"availability\":[%s,%s,%s,%s,%s]", w, w, w, w, w)),
            "availability"); /* at most 4 */
    b = body_for(pub_de, "[\"host\"]",
                 core_arena_printf(&A, "\"availability\":[%s,%s,%s,%s]", w, w, w, w));
    CHECK_EQ(create(owner, &b, &op), 0);
    rejects(body_for(pub_de, "[\"host\"]",
                     "\"availability\":[{\"from\":\"2031-02-30\",\"to\":\"2031-03-30\"}]"),
            "availability");
    rejects(body_for(pub_de, "[\"host\"]",
                     "\"availability\":[{\"from\":\"01/03/2031\",\"to\":\"2031-03-30\"}]"),
            "availability");
    rejects(body_for(pub_de, "[\"host\"]",
                     core_arena_printf(&A, "\"availability\":[{\"from\":\"%s\",\"to\":\"%s\"}]",
                                       day(40), day(20))),
            "availability"); /* from after to */
    rejects(body_for(pub_de, "[\"host\"]",
                     core_arena_printf(&A, "\"availability\":[{\"from\":\"%s\",\"to\":\"%s\"}]",
                                       day(-5), day(20))),
            "availability"); /* in the past */
    rejects(body_for(pub_de, "[\"host\"]",
                     core_arena_printf(&A, "\"availability\":[{\"from\":\"%s\",\"to\":\"%s\"}]",
                                       day(0), day(20))),
            "availability"); /* today is not the future */
    rejects(body_for(pub_de, "[\"host\"]",
                     core_arena_printf(&A, "\"availability\":[{\"from\":\"%s\",\"to\":\"%s\"}]",
                                       day(10), day(12))),
            "availability"); /* 3 days, shorter than the shortest stay (5) */
    rejects(body_for(pub_de, "[\"host\"]",
                     core_arena_printf(&A, "\"availability\":[{\"from\":\"%s\"}]", day(10))),
            "availability");
    /* duration: 3 working days to one month */
    b = body_for(pub_de, "[\"host\"]", NULL);
    drop(&b, "duration_days");
    rejects(b, "duration_days");
    rejects(body_for(pub_de, "[\"host\"]", "\"duration_days\":{\"min\":2,\"max\":10}"),
            "duration_days.min");
    rejects(body_for(pub_de, "[\"host\"]", "\"duration_days\":{\"min\":3,\"max\":32}"),
            "duration_days.max");
    rejects(body_for(pub_de, "[\"host\"]", "\"duration_days\":{\"min\":12,\"max\":10}"),
            "duration_days");
    rejects(body_for(pub_de, "[\"host\"]", "\"duration_days\":{\"min\":3.5,\"max\":10}"),
            "duration_days.min");
    rejects(body_for(pub_de, "[\"host\"]", "\"duration_days\":{\"min\":3}"), "duration_days.max");
    b = body_for(pub_de, "[\"host\"]", "\"duration_days\":{\"min\":3,\"max\":31}");
    CHECK_EQ(create(owner, &b, &op), 0);
    /* host capacity: hosts need one, visitors have none */
    b = body_for(pub_de, "[\"host\"]", NULL);
    drop(&b, "host_capacity");
    rejects(b, "host_capacity");
    rejects(body_for(pub_de, "[\"host\"]", "\"host_capacity\":0"), "host_capacity");
    rejects(body_for(pub_de, "[\"visitor\"]", "\"host_capacity\":3"), "host_capacity");
    /* free text */
    char *long_text = core_arena_alloc(&A, CORE_XCHANGE_TEXT_MAX + 20);
    memset(long_text, 'a', CORE_XCHANGE_TEXT_MAX + 10);
    long_text[CORE_XCHANGE_TEXT_MAX + 10] = '\0';
    rejects(body_for(pub_de, "[\"host\"]", core_arena_printf(&A, "\"offer\":\"%s\"", long_text)),
            "offer");
    rejects(body_for(pub_de, "[\"host\"]", "\"demand\":42"), "demand");
    /* several failures are reported together */
    core_value many = body_for(pub_de, "[\"guest\"]", "\"ecosystems\":[\"space\"]");
    CHECK_EQ(create(owner, &many, &op), CORE_EINVALID);
    CHECK(core_value_get(&op.fields.obj, "roles") != NULL);
    CHECK(core_value_get(&op.fields.obj, "ecosystems") != NULL);
}

static void state_machine_and_one_visit(void)
{
    core_xchange_op op;
    /* a profile of its own, so earlier cases do not interfere */
    char own[32];
    test_user(st, &A, "sm_owner", "user", own);
    const char *pid = test_profile(st, &A, own, moderator, "Statemachine Cluster", "FR", true);
    core_value b = body_for(pid, "[\"visitor\",\"host\"]", NULL);
    CHECK_EQ(create(own, &b, &op), 0);
    const char *id = op.id;
    core_value roles = *core_value_get(&op.rec, "roles");
    CHECK_EQ(roles.u.arr.len, 2);
    CHECK_STR_EQ(roles.u.arr.items[0].u.s.ptr, "host"); /* canonical order */

    /* one visitor registration per profile: another is refused, a host-only one is not */
    b = body_for(pid, "[\"visitor\"]", "\"host_capacity\":null");
    CHECK_EQ(create(own, &b, &op), CORE_ECONFLICT);
    b = body_for(pid, "[\"host\"]", NULL);
    CHECK_EQ(create(own, &b, &op), 0);

    /* decisions: strangers do not learn it exists, admins may not decide */
    CHECK_EQ(decide(other, false, id, "{\"decision\":\"accept\"}", &op), CORE_ENOTFOUND);
    CHECK_EQ(decide(own, false, id, "{\"decision\":\"accept\"}", &op), CORE_EFORBIDDEN);
    CHECK_EQ(decide(moderator, true, id, "{\"decision\":\"maybe\"}", &op), CORE_EINVALID);
    CHECK(core_value_get(&op.fields.obj, "decision") != NULL);
    CHECK_EQ(decide(moderator, true, id, "{}", &op), CORE_EINVALID);
    CHECK_EQ(
        decide(moderator, true, "01ARZ3NDEKTSV4RRFFQ69G5FAV", "{\"decision\":\"accept\"}", &op),
        CORE_ENOTFOUND);
    CHECK_EQ(decide(moderator, true, id, "{\"decision\":\"accept\",\"note\":\"Welcome\"}", &op), 0);
    CHECK_STR_EQ(core_value_get_str(&op.rec, "state"), "accepted");
    CHECK_STR_EQ(core_value_get_str(core_value_get(&op.rec, "decision"), "by"), moderator);
    /* accepted is final */
    CHECK_EQ(decide(moderator, true, id, "{\"decision\":\"reject\"}", &op), CORE_ECONFLICT);
    core_value rec;
    CHECK_EQ(core_xchange_get(st, id, &A, &rec), 0);
    CHECK_STR_EQ(core_value_get_str(&rec, "state"), "accepted");

    /* the admin was notified */
    core_value list;
    CHECK_EQ(core_notifications_list(st, own, false, 1, 20, &A, &list), 0);
    bool seen = false;
    const core_value *items = core_value_get(&list, "items");
    for (size_t i = 0; i < items->u.arr.len; i++)
        seen |= strcmp(core_value_get_str(&items->u.arr.items[i], "kind"), "xchange.accepted") == 0;
    CHECK(seen);

    /* a rejected visitor registration may be replaced */
    char own2[32];
    test_user(st, &A, "sm_owner2", "user", own2);
    const char *pid2 = test_profile(st, &A, own2, moderator, "Rejected Cluster", "PL", true);
    b = body_for(pid2, "[\"visitor\"]", "\"host_capacity\":null");
    CHECK_EQ(create(own2, &b, &op), 0);
    const char *rid = op.id;
    b = body_for(pid2, "[\"visitor\"]", "\"host_capacity\":null");
    CHECK_EQ(create(own2, &b, &op), CORE_ECONFLICT); /* pending counts */
    CHECK_EQ(decide(moderator, true, rid, "{\"decision\":\"reject\",\"note\":\"Incomplete\"}", &op),
             0);
    CHECK_STR_EQ(core_value_get_str(&op.rec, "state"), "rejected");
    CHECK_EQ(decide(moderator, true, rid, "{\"decision\":\"accept\"}", &op), CORE_ECONFLICT);
    b = body_for(pid2, "[\"visitor\"]", "\"host_capacity\":null");
    CHECK_EQ(create(own2, &b, &op), 0);
    const char *rid2 = op.id;
    b = body_for(pid2, "[\"visitor\"]", "\"host_capacity\":null");
    CHECK_EQ(create(own2, &b, &op), CORE_ECONFLICT);

    /* /v1/me's list: the registrations of the profiles a user administers */
    core_value mine = core_xchange_list_for_user(st, own2, &A);
    CHECK_EQ(mine.u.arr.len, 2);
    bool a = false, c = false;
    for (size_t i = 0; i < mine.u.arr.len; i++) {
        const char *x = core_value_get_str(&mine.u.arr.items[i], "id");
        a |= strcmp(x, rid) == 0;
        c |= strcmp(x, rid2) == 0;
        CHECK(core_value_get(&mine.u.arr.items[i], "offer") == NULL); /* a summary only */
    }
    CHECK(a && c);
    CHECK_EQ(core_xchange_list_for_user(st, other, &A).u.arr.len, 0);

    /* the view keeps the preferences (it is for admins and moderators) */
    core_value v = core_xchange_view(&A, &rec);
    CHECK(core_value_get(&v, "target_countries") != NULL);
    CHECK(core_value_get(&v, "v") == NULL);
}

/* The catalogue shows a registration's public members only, and a host_and_visitor
 * registration counts on both sides of the role facet (rules net/xchange.c used to hold). */
static void catalogue_rules(void)
{
    core_value rec = J("{\"roles\":[\"host\"],\"ecosystems\":[\"digital\"],\"offer\":\"O\","
                       "\"host_capacity\":3,\"admins_note\":\"private\",\"profile_id\":\"p\"}");
    core_value v = core_value_obj();
    core_xchange_catalogue_fields(&A, &rec, &v);
    CHECK_EQ(v.u.obj.len, 7);
    CHECK(core_value_get(&v, "host_capacity") == NULL);
    CHECK(core_value_get(&v, "admins_note") == NULL);
    CHECK(core_value_get(&v, "profile_id") == NULL);
    CHECK_STR_EQ(core_value_get_str(&v, "offer"), "O");
    CHECK(core_value_get(&v, "demand")->type == CORE_NULL);
    core_value gone = core_value_obj();
    core_xchange_catalogue_fields(&A, NULL, &gone);
    CHECK_EQ(gone.u.obj.len, 7);
    CHECK(core_value_get(&gone, "roles")->type == CORE_NULL);
    CHECK_EQ(core_xchange_role_sides("host"), CORE_XCHANGE_SIDE_HOST);
    CHECK_EQ(core_xchange_role_sides("visitor"), CORE_XCHANGE_SIDE_VISITOR);
    CHECK_EQ(core_xchange_role_sides("host_and_visitor"),
             CORE_XCHANGE_SIDE_HOST | CORE_XCHANGE_SIDE_VISITOR);
    CHECK_EQ(core_xchange_role_sides("guest"), 0);
}

int main(void)
{
    st = test_store_open(dir, sizeof(dir), "test-xchange");
    CHECK_EQ(core_vocab_init(), 0);
    core_arena_init(&A);
    test_user(st, &A, "owner", "user", owner);
    test_user(st, &A, "other", "user", other);
    test_user(st, &A, "moderator", "moderator", moderator);
    test_user(st, &A, "us_owner", "user", us_owner);
    pub_de = test_profile(st, &A, owner, moderator, "Published Cluster", "DE", true);
    pub_us = test_profile(st, &A, us_owner, moderator, "American Cluster", "US", true);
    test_user(st, &A, "owner2", "user", owner2);
    draft_de = test_profile(st, &A, owner2, moderator, "Draft Cluster", "DE", false);
    RUN(dates);
    RUN(authz_rows);
    RUN(validation);
    RUN(state_machine_and_one_visit);
    RUN(catalogue_rules);
    core_arena_dispose(&A);
    test_store_remove(st, dir);
    return 0;
}
