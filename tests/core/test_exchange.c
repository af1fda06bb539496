/*
 * test_exchange.c: the exchange's state machine and the scheme's rules (core/exchange.h).
 * Every legal transition, and for every state each action by each kind of caller that the
 * table refuses (with its code and the message naming what is expected next); the
 * lump sum (working days across weekends, the 200 km boundary, a country missing from the
 * table); the limits of a stay.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "core/arena.h"
#include "core/error.h"
#include "core/exchange.h"
#include "core/xchange.h"

enum {
    V = CORE_EXCHANGE_BY_VISITOR,
    H = CORE_EXCHANGE_BY_HOST,
    M = CORE_EXCHANGE_BY_MODERATOR,
};

static core_arena arena;

/* One legal step: from, action, by, proposer, done, side -> next, sides. */
typedef struct legal {
    core_exchange_state from;
    core_exchange_action act;
    unsigned by, proposer, done, side;
    core_exchange_state next;
    unsigned sides;
} legal;

static const legal legal_steps[] = {
    {CORE_EXCHANGE_PROPOSED, CORE_EXCHANGE_AGREE, H, V, 0, 0, CORE_EXCHANGE_AGREED, H},
    {CORE_EXCHANGE_PROPOSED, CORE_EXCHANGE_AGREE, V, H, 0, 0, CORE_EXCHANGE_AGREED, V},
    {CORE_EXCHANGE_AGREED, CORE_EXCHANGE_PLAN, V, V, 0, 0, CORE_EXCHANGE_PLAN_SUBMITTED, V},
    {CORE_EXCHANGE_AGREED, CORE_EXCHANGE_PLAN, H, V, 0, 0, CORE_EXCHANGE_PLAN_SUBMITTED, H},
    {CORE_EXCHANGE_PLAN_SUBMITTED, CORE_EXCHANGE_PLAN, H, V, 0, 0, CORE_EXCHANGE_PLAN_SUBMITTED, H},
    {CORE_EXCHANGE_PLAN_SUBMITTED, CORE_EXCHANGE_VALIDATE, M, V, 0, V, CORE_EXCHANGE_PLAN_SUBMITTED,
     V},
    {CORE_EXCHANGE_PLAN_SUBMITTED, CORE_EXCHANGE_VALIDATE, M, V, V, H, CORE_EXCHANGE_VALIDATED, H},
    {CORE_EXCHANGE_PLAN_SUBMITTED, CORE_EXCHANGE_VALIDATE, M, V, H, V, CORE_EXCHANGE_VALIDATED, V},
    {CORE_EXCHANGE_VALIDATED, CORE_EXCHANGE_SIGN, V, V, 0, 0, CORE_EXCHANGE_VALIDATED, V},
    {CORE_EXCHANGE_VALIDATED, CORE_EXCHANGE_SIGN, H, V, V, 0, CORE_EXCHANGE_SIGNED, H},
    {CORE_EXCHANGE_VALIDATED, CORE_EXCHANGE_SIGN, V | H, V, 0, 0, CORE_EXCHANGE_SIGNED, V | H},
    {CORE_EXCHANGE_SIGNED, CORE_EXCHANGE_FINANCIAL_AGREEMENT, M, V, 0, 0, CORE_EXCHANGE_READY, 0},
    {CORE_EXCHANGE_READY, CORE_EXCHANGE_START, V, V, 0, 0, CORE_EXCHANGE_IN_PROGRESS, V},
    {CORE_EXCHANGE_READY, CORE_EXCHANGE_START, H, V, 0, 0, CORE_EXCHANGE_IN_PROGRESS, H},
    {CORE_EXCHANGE_IN_PROGRESS, CORE_EXCHANGE_CLOSING_REPORT, V, H, 0, 0,
     CORE_EXCHANGE_REPORT_SUBMITTED, V},
    {CORE_EXCHANGE_REPORT_SUBMITTED, CORE_EXCHANGE_COMPLETE, M, V, 0, 0, CORE_EXCHANGE_COMPLETED,
     0},
};

static void every_legal_transition(void)
{
    for (size_t i = 0; i < sizeof(legal_steps) / sizeof(legal_steps[0]); i++) {
        const legal *l = &legal_steps[i];
        core_exchange_state next;
        unsigned sides;
        const char *why;
        int rc = core_exchange_transition(l->from, l->act, l->by, l->proposer, l->done, l->side,
                                          &arena, &next, &sides, &why);
        if (rc != 0)
            fprintf(stderr, "step %zu: %s\n", i, why);
        CHECK_EQ(rc, 0);
        CHECK_EQ(next, l->next);
        CHECK_EQ(sides, l->sides);
    }
    /* cancel: by each side and a moderator, from every state before in_progress */
    for (int s = CORE_EXCHANGE_PROPOSED; s <= CORE_EXCHANGE_READY; s++)
        for (unsigned by = V; by <= M; by <<= 1) {
            core_exchange_state next;
            unsigned sides;
            const char *why;
            CHECK_EQ(core_exchange_transition((core_exchange_state)s, CORE_EXCHANGE_CANCEL, by, V,
                                              0, 0, &arena, &next, &sides, &why),
                     0);
            CHECK_EQ(next, CORE_EXCHANGE_CANCELLED);
        }
}

/* The action the table expects in each state and its rightful actor (proposer V). */
static const struct {
    core_exchange_action act;
    unsigned who;
} expected_in[CORE_EXCHANGE__STATES] = {
    [CORE_EXCHANGE_PROPOSED] = {CORE_EXCHANGE_AGREE, H},
    [CORE_EXCHANGE_AGREED] = {CORE_EXCHANGE_PLAN, V | H},
    [CORE_EXCHANGE_PLAN_SUBMITTED] = {CORE_EXCHANGE_VALIDATE, M},
    [CORE_EXCHANGE_VALIDATED] = {CORE_EXCHANGE_SIGN, V | H},
    [CORE_EXCHANGE_SIGNED] = {CORE_EXCHANGE_FINANCIAL_AGREEMENT, M},
    [CORE_EXCHANGE_READY] = {CORE_EXCHANGE_START, V | H},
    [CORE_EXCHANGE_IN_PROGRESS] = {CORE_EXCHANGE_CLOSING_REPORT, V},
    [CORE_EXCHANGE_REPORT_SUBMITTED] = {CORE_EXCHANGE_COMPLETE, M},
    [CORE_EXCHANGE_COMPLETED] = {CORE_EXCHANGE__ACTIONS, 0},
    [CORE_EXCHANGE_CANCELLED] = {CORE_EXCHANGE__ACTIONS, 0},
};

static void illegal_steps_per_state_and_role(void)
{
    unsigned roles[] = {V, H, M, 0};
    for (int s = 0; s < CORE_EXCHANGE__STATES; s++)
        for (int act = 0; act < CORE_EXCHANGE__ACTIONS; act++)
            for (size_t r = 0; r < sizeof(roles) / sizeof(roles[0]); r++) {
                unsigned by = roles[r];
                bool is_cancel = act == CORE_EXCHANGE_CANCEL && s <= CORE_EXCHANGE_READY;
                bool is_expected = expected_in[s].act == (core_exchange_action)act;
                bool is_revision = act == CORE_EXCHANGE_PLAN && s == CORE_EXCHANGE_PLAN_SUBMITTED;
                core_exchange_state next;
                unsigned sides;
                const char *why;
                int rc = core_exchange_transition((core_exchange_state)s, (core_exchange_action)act,
                                                  by, V, 0, V, &arena, &next, &sides, &why);
                if (by == 0) { /* no party: the exchange is not shown to exist */
                    CHECK_EQ(rc, CORE_ENOTFOUND);
                    continue;
                }
                if (is_cancel || ((is_expected || is_revision) &&
                                  (by & (is_revision ? V | H : expected_in[s].who)))) {
                    CHECK_EQ(rc, 0);
                    continue;
                }
                if (!is_expected && !is_cancel && !is_revision) {
                    /* out of order: 409 naming what comes next and from whom */
                    CHECK_EQ(rc, CORE_ECONFLICT);
                    CHECK(strstr(why, "expected next") != NULL);
                    if (s == CORE_EXCHANGE_PROPOSED)
                        CHECK(strstr(why, "agree, by the host's admins") != NULL);
                    if (s == CORE_EXCHANGE_SIGNED)
                        CHECK(strstr(why, "financial-agreement, by a moderator") != NULL);
                    if (s >= CORE_EXCHANGE_COMPLETED)
                        CHECK(strstr(why, "the exchange is over") != NULL);
                } else {
                    /* the right step by the wrong party */
                    CHECK_EQ(rc, CORE_EFORBIDDEN);
                    CHECK(strstr(why, "expected next") != NULL);
                }
                CHECK_EQ(next, (core_exchange_state)s); /* a refusal moves nothing */
            }
}

static void two_sided_steps_refuse_a_second_time(void)
{
    core_exchange_state next;
    unsigned sides;
    const char *why;
    /* the visitor's side is validated: validating it again is a conflict naming the host */
    CHECK_EQ(core_exchange_transition(CORE_EXCHANGE_PLAN_SUBMITTED, CORE_EXCHANGE_VALIDATE, M, V, V,
                                      V, &arena, &next, &sides, &why),
             CORE_ECONFLICT);
    CHECK(strstr(why, "already done for the visitor's side") != NULL);
    CHECK(strstr(why, "validate for the host's side, by a moderator") != NULL);
    /* the host signed: its admins cannot sign again; the visitor's admins are expected */
    CHECK_EQ(core_exchange_transition(CORE_EXCHANGE_VALIDATED, CORE_EXCHANGE_SIGN, H, V, H, 0,
                                      &arena, &next, &sides, &why),
             CORE_ECONFLICT);
    CHECK(strstr(why, "sign for the visitor's side") != NULL);
    /* the proposer does not agree to its own proposal */
    CHECK_EQ(core_exchange_transition(CORE_EXCHANGE_PROPOSED, CORE_EXCHANGE_AGREE, V, V, 0, 0,
                                      &arena, &next, &sides, &why),
             CORE_EFORBIDDEN);
    CHECK(strstr(why, "agree is for the host's admins") != NULL);
    /* the host does not write the closing report */
    CHECK_EQ(core_exchange_transition(CORE_EXCHANGE_IN_PROGRESS, CORE_EXCHANGE_CLOSING_REPORT, H, V,
                                      0, 0, &arena, &next, &sides, &why),
             CORE_EFORBIDDEN);
    /* no cancelling once the stay has begun */
    CHECK_EQ(core_exchange_transition(CORE_EXCHANGE_IN_PROGRESS, CORE_EXCHANGE_CANCEL, M, V, 0, 0,
                                      &arena, &next, &sides, &why),
             CORE_ECONFLICT);
}

static void names_round_trip(void)
{
    for (int s = 0; s < CORE_EXCHANGE__STATES; s++)
        CHECK_EQ(core_exchange_state_find(core_exchange_state_name((core_exchange_state)s)), s);
    CHECK_EQ(core_exchange_state_find("nope"), -1);
    CHECK_STR_EQ(core_exchange_action_name(CORE_EXCHANGE_FINANCIAL_AGREEMENT),
                 "financial-agreement");
}

static void working_days_across_weekends(void)
{
    int32_t mon = core_xchange_parse_day("2027-03-01"); /* a Monday */
    CHECK(mon >= 0);
    CHECK_EQ(core_exchange_working_days(mon, mon + 4), 5);     /* Mon..Fri */
    CHECK_EQ(core_exchange_working_days(mon, mon + 6), 5);     /* Mon..Sun */
    CHECK_EQ(core_exchange_working_days(mon + 3, mon + 7), 3); /* Thu..Mon */
    CHECK_EQ(core_exchange_working_days(mon + 5, mon + 6), 0); /* a weekend */
    CHECK_EQ(core_exchange_working_days(mon, mon + 13), 10);
    CHECK_EQ(core_exchange_working_days(mon + 4, mon + 10), 5); /* Fri..Thu */
    CHECK_EQ(core_exchange_working_days(mon + 1, mon), 0);
    /* brute force against a day-by-day count */
    for (int32_t a = mon; a < mon + 14; a++)
        for (int32_t b = a; b < a + 40; b++) {
            int c = 0;
            for (int32_t d = a; d <= b; d++)
                c += (d + 3) % 7 < 5;
            CHECK_EQ(core_exchange_working_days(a, b), c);
        }
}

static void stay_limits(void)
{
    int32_t mon = core_xchange_parse_day("2027-03-01");
    core_fields f;
    core_fields_init(&f, &arena);
    CHECK_EQ(core_exchange_check_stay(&f, mon, mon + 2), 0); /* three working days */
    CHECK_EQ(core_exchange_check_stay(&f, mon + 3, mon + 6), CORE_EINVALID); /* Thu..Sun: 2 */
    CHECK_EQ(core_exchange_check_stay(&f, mon + 3, mon + 7), 0);             /* Thu..Mon: 3 */
    CHECK_EQ(core_exchange_check_stay(&f, mon, mon + 30), 0);                /* 31 days */
    CHECK_EQ(core_exchange_check_stay(&f, mon, mon + 31), CORE_EINVALID);    /* 32 days */
    CHECK_EQ(core_exchange_check_stay(&f, mon + 2, mon), CORE_EINVALID);
}

static const core_value *member(const core_value *o, const char *k)
{
    const core_value *v = core_value_get(o, k);
    CHECK(v != NULL);
    return v;
}

static bool has_reason(const core_value *ls, const char *needle)
{
    const core_value *r = member(ls, "reasons");
    for (size_t i = 0; i < r->u.arr.len; i++)
        if (strstr(r->u.arr.items[i].u.s.ptr, needle) != NULL)
            return true;
    return false;
}

static void lump_sums(void)
{
    CHECK_EQ(core_exchange_lump_rate("DE"), 780);
    CHECK_EQ(core_exchange_lump_rate("XK"), 780);
    CHECK_EQ(core_exchange_lump_rate("CH"), -1); /* not in the table */
    CHECK_EQ(core_exchange_lump_rate("d"), -1);
    int32_t mon = core_xchange_parse_day("2027-03-01");
    /* Berlin to Milan: about 840 km; Monday to Friday: the full amount */
    core_exchange_lump_in in = {"IT", true, mon, mon + 4, true, 52.52, 13.405, 45.4642, 9.19};
    core_value ls = core_exchange_lump_sum(&in, &arena);
    CHECK_EQ(member(&ls, "amount_eur")->u.i, 780);
    CHECK(!member(&ls, "halved")->u.b);
    CHECK(has_reason(&ls, "5 working days"));
    /* Wednesday to the next Monday is 4 working days across a weekend: halved */
    in.start_day = mon + 2;
    in.end_day = mon + 7;
    ls = core_exchange_lump_sum(&in, &arena);
    CHECK_EQ(member(&ls, "amount_eur")->u.i, 390);
    CHECK(member(&ls, "halved")->u.b);
    CHECK(has_reason(&ls, "halved: the stay lasts 4 working days"));
    /* the 200 km boundary: 1.8 degrees of latitude is about 200.15 km, 1.79 about 199.0 */
    CHECK(core_exchange_distance_km(50, 10, 51.8, 10) > 200);
    CHECK(core_exchange_distance_km(50, 10, 51.79, 10) < 200);
    in = (core_exchange_lump_in){"AT", true, mon, mon + 4, true, 50, 10, 51.8, 10};
    ls = core_exchange_lump_sum(&in, &arena);
    CHECK_EQ(member(&ls, "amount_eur")->u.i, 780);
    CHECK(!member(&ls, "halved")->u.b);
    in.lat2 = 51.79;
    ls = core_exchange_lump_sum(&in, &arena);
    CHECK_EQ(member(&ls, "amount_eur")->u.i, 390);
    CHECK(has_reason(&ls, "under 200 km"));
    /* both reasons: halved once, not twice */
    in.end_day = mon + 2;
    ls = core_exchange_lump_sum(&in, &arena);
    CHECK_EQ(member(&ls, "amount_eur")->u.i, 390);
    /* a country missing from the table: no amount, and the reason says so */
    in = (core_exchange_lump_in){"CH", true, mon, mon + 4, false, 0, 0, 0, 0};
    ls = core_exchange_lump_sum(&in, &arena);
    CHECK_EQ(member(&ls, "amount_eur")->type, CORE_NULL);
    CHECK(has_reason(&ls, "no lump sum for CH"));
    CHECK(has_reason(&ls, "distance is unknown"));
    /* before the plan the length is not known: not halved for it */
    in = (core_exchange_lump_in){"FR", false, 0, 0, false, 0, 0, 0, 0};
    ls = core_exchange_lump_sum(&in, &arena);
    CHECK_EQ(member(&ls, "amount_eur")->u.i, 780);
    CHECK(has_reason(&ls, "once the plan is in"));
}

static void free_windows_follow_capacity(void)
{
    core_exchange_span w[2] = {{100, 130}, {200, 210}}, out[4];
    int64_t min_free;
    /* capacity 2: one exchange on 110..114 leaves every day free, one place fewer there */
    core_exchange_span one[1] = {{110, 114}};
    CHECK_EQ(core_exchange_free_windows(w, 2, one, 1, 2, out, 4, &min_free), 2);
    CHECK_EQ(out[0].from, 100);
    CHECK_EQ(out[0].to, 130);
    CHECK_EQ(min_free, 1);
    /* a second on 112..120: 112..114 is full, so the first window splits */
    core_exchange_span two[2] = {{110, 114}, {112, 120}};
    CHECK_EQ(core_exchange_free_windows(w, 2, two, 2, 2, out, 4, &min_free), 3);
    CHECK_EQ(out[0].from, 100);
    CHECK_EQ(out[0].to, 111);
    CHECK_EQ(out[1].from, 115);
    CHECK_EQ(out[1].to, 130);
    CHECK_EQ(out[2].from, 200);
    CHECK_EQ(min_free, 1);
    /* at most max_out windows, the earliest */
    CHECK_EQ(core_exchange_free_windows(w, 2, two, 2, 2, out, 2, &min_free), 2);
    CHECK_EQ(out[1].to, 130);
    /* an undated exchange covers every day: capacity 1 leaves nothing */
    core_exchange_span undated[1] = {{INT32_MIN, INT32_MAX}};
    CHECK_EQ(core_exchange_free_windows(w, 2, undated, 1, 1, out, 4, &min_free), 0);
    CHECK_EQ(core_exchange_free_windows(w, 2, undated, 1, 3, out, 4, &min_free), 2);
    CHECK_EQ(min_free, 2);
}

int main(void)
{
    core_arena_init(&arena);
    RUN(every_legal_transition);
    RUN(illegal_steps_per_state_and_role);
    RUN(two_sided_steps_refuse_a_second_time);
    RUN(names_round_trip);
    RUN(working_days_across_weekends);
    RUN(stay_limits);
    RUN(lump_sums);
    RUN(free_windows_follow_capacity);
    core_arena_dispose(&arena);
    return 0;
}
