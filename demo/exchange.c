/* exchange.c: see exchange.h. */
#include "demo/exchange.h"
#include "demo/gen.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/exchange.h"
#include "core/id.h"
#include "core/profile.h"
#include "core/record.h"
#include "core/time.h"
#include "core/xchange.h"
#include "core/xchange_msg.h"

enum { SCAN_MAX = 4000, SIDE_MAX = 400 };

typedef struct side {
    char reg[CORE_ID_LEN + 1];
    char admin[CORE_ID_LEN + 1]; /* the profile's first admin */
    char country[3];
    int32_t from, to; /* its first availability window */
    bool used;
} side;

/* The steps that take an exchange from proposed to each later state, in order; each with
 * who takes it ('v' visitor's admin, 'h' host's admin, 'm' the moderator) and its body. */
static const struct {
    core_exchange_action act;
    char who;
    const char *body; /* JSON-free: built below when NULL is not enough */
} path[] = {
    {CORE_EXCHANGE_AGREE, 'h', NULL},
    {CORE_EXCHANGE_PLAN, 'v', "plan"},
    {CORE_EXCHANGE_VALIDATE, 'm', "visitor"},
    {CORE_EXCHANGE_VALIDATE, 'm', "host"},
    {CORE_EXCHANGE_SIGN, 'v', NULL},
    {CORE_EXCHANGE_SIGN, 'h', NULL},
    {CORE_EXCHANGE_FINANCIAL_AGREEMENT, 'm', NULL},
    {CORE_EXCHANGE_START, 'h', NULL},
    {CORE_EXCHANGE_CLOSING_REPORT, 'v', "report"},
    {CORE_EXCHANGE_COMPLETE, 'm', NULL},
};
/* How many steps of path[] reach each state. */
static const size_t steps_to[] = {0, 1, 2, 4, 6, 7, 8, 9, 10};

static int32_t day_of(const char *s)
{
    return s ? core_xchange_parse_day(s) : -1;
}

static void fmt_day(int32_t d, char out[11])
{
    char t[CORE_TIME_RFC3339_LEN + 1];
    core_time_format((int64_t)d * 86400, t);
    memcpy(out, t, 10); /* "YYYY-MM-DD" */
    out[10] = '\0';
}

/* Reads the accepted registrations (the first SCAN_MAX) into visitors and hosts. */
static void collect(core_store *s, side *vis, size_t *nv, side *hos, size_t *nh)
{
    core_arena a;
    core_arena_init(&a);
    core_iter *it =
        core_store_iter_prefix(s, CORE_CF_RECORDS, CORE_SLICE_LIT(CORE_XCHANGE_KIND "/"));
    core_slice k, v;
    size_t seen = 0;
    *nv = *nh = 0;
    while (seen++ < SCAN_MAX && (*nv < SIDE_MAX || *nh < SIDE_MAX) && core_iter_next(it, &k, &v)) {
        core_value rec, prof;
        const char *st, *pid;
        if (core_record_decode(&a, v, &rec) != 0 ||
            (st = core_value_get_str(&rec, "state")) == NULL || strcmp(st, "accepted") != 0 ||
            (pid = core_value_get_str(&rec, "profile_id")) == NULL ||
            core_profile_get(s, pid, &a, &prof) != 0)
            continue;
        const core_value *admins = core_value_get(&prof, "admins");
        const char *country = core_value_get_str(core_value_get(&prof, "published"), "country");
        const core_value *w = core_value_get(&rec, "availability");
        if (admins == NULL || admins->type != CORE_ARR || admins->u.arr.len == 0 ||
            country == NULL || w == NULL || w->type != CORE_ARR || w->u.arr.len == 0)
            continue;
        side sd = {0};
        snprintf(sd.reg, sizeof(sd.reg), "%s", core_value_get_str(&rec, "id"));
        snprintf(sd.admin, sizeof(sd.admin), "%s", admins->u.arr.items[0].u.s.ptr);
        snprintf(sd.country, sizeof(sd.country), "%s", country);
        sd.from = day_of(core_value_get_str(&w->u.arr.items[0], "from"));
        sd.to = day_of(core_value_get_str(&w->u.arr.items[0], "to"));
        const core_value *roles = core_value_get(&rec, "roles");
        bool host = false, visitor = false;
        for (size_t i = 0; roles && roles->type == CORE_ARR && i < roles->u.arr.len; i++) {
            host |= strcmp(roles->u.arr.items[i].u.s.ptr, "host") == 0;
            visitor |= strcmp(roles->u.arr.items[i].u.s.ptr, "visitor") == 0;
        }
        /* a registration of both roles serves as one of them only, so pairs stay apart */
        if (visitor && *nv < SIDE_MAX && (!host || *nv <= *nh))
            vis[(*nv)++] = sd;
        else if (host && *nh < SIDE_MAX)
            hos[(*nh)++] = sd;
        if (seen % 512 == 0)
            core_arena_dispose(&a);
    }
    core_iter_free(it);
    core_arena_dispose(&a);
}

static int write_as(core_store *s, const char *user, bool moderator, core_txn_fn fn,
                    core_exchange_op *op, core_arena *a, core_exchange_action act, const char *id,
                    const core_value *body)
{
    core_actor actor = {user, moderator};
    core_exchange_op_init(op, a, &actor);
    op->action = act;
    op->id = id;
    op->body = body;
    return demo_write_quiet(s, fn, op);
}

static core_value obj1(core_arena *a, const char *k, const char *v)
{
    core_value o = core_value_obj();
    core_value_set(a, &o, k, core_value_cstr(a, v));
    return o;
}

static int message(core_store *s, const side *from, const side *to, const char *text, core_arena *a)
{
    core_actor actor = {from->admin, false};
    core_xchange_msg_op op;
    core_xchange_msg_op_init(&op, a, &actor);
    op.id = from->reg;
    core_value b = obj1(a, "to", to->reg);
    core_value_set(a, &b, "text", core_value_cstr(a, text));
    op.body = &b;
    return demo_write_quiet(s, core_xchange_message_txn, &op);
}

int core_demo_exchanges(core_store *s, const char *moderator_id, size_t per_state, size_t *made)
{
    static side vis[SIDE_MAX], hos[SIDE_MAX];
    size_t nv, nh;
    *made = 0;
    collect(s, vis, &nv, hos, &nh);
    size_t states = sizeof(steps_to) / sizeof(steps_to[0]);
    size_t want = per_state * (states + 1); /* + cancelled */
    size_t hi = 0;
    int rc = 0;
    for (size_t vi = 0; vi < nv && *made < want && rc == 0; vi++) {
        side *v = &vis[vi];
        /* a host in another country whose first window overlaps by a working week */
        side *h = NULL;
        int32_t start = 0;
        for (size_t tries = 0; tries < nh && h == NULL; tries++, hi = (hi + 1) % nh) {
            side *c = &hos[hi];
            int32_t from = v->from > c->from ? v->from : c->from;
            int32_t to = v->to < c->to ? v->to : c->to;
            from += (7 - (from + 3) % 7) % 7; /* the first Monday */
            if (strcmp(c->country, v->country) != 0 && strcmp(c->admin, v->admin) != 0 &&
                from + 4 <= to) {
                h = c;
                start = from;
            }
        }
        if (h == NULL)
            continue;
        core_arena a;
        core_arena_init(&a);
        size_t n = *made, target = n / per_state; /* the state index this one stops at */
        bool cancel = target >= states;
        /* first contact: a short conversation */
        if ((rc = message(s, v, h,
                          "Hello! We would like to visit your cluster and meet your "
                          "members working on the topics of your offer.",
                          &a)) == 0)
            rc = message(s, h, v, "Welcome! Let us agree on the dates and the programme.", &a);
        if (rc == CORE_ECONFLICT || rc == CORE_EINVALID)
            rc = 0;
        core_exchange_op op;
        core_value pb = obj1(&a, "visitor", v->reg);
        core_value_set(&a, &pb, "host", core_value_cstr(&a, h->reg));
        int prc =
            rc ? rc
               : write_as(s, v->admin, false, core_exchange_propose_txn, &op, &a, 0, NULL, &pb);
        if (prc != 0) {
            core_arena_dispose(&a);
            if (prc == CORE_ECONFLICT || prc == CORE_EINVALID || prc == CORE_EFORBIDDEN)
                continue; /* the scheme refuses this pair (capacity, visiting once) */
            rc = prc;
            break;
        }
        char id[CORE_ID_LEN + 1];
        snprintf(id, sizeof(id), "%s", op.id);
        char sd[11], ed[11];
        fmt_day(start, sd);
        fmt_day(start + 4, ed);
        size_t k = cancel ? 2 : steps_to[target];
        for (size_t i = 0; i < k && rc == 0; i++) {
            core_value body = core_value_null();
            const char *b = path[i].body;
            if (b != NULL && strcmp(b, "plan") == 0) {
                body = obj1(&a, "start_date", sd);
                core_value_set(&a, &body, "end_date", core_value_cstr(&a, ed));
                core_value objs = core_value_arr();
                core_value_push(&a, &objs, core_value_cstr(&a, "market_exploration"));
                core_value_set(&a, &body, "objectives", objs);
                core_value_set(&a, &body, "action_plan",
                               core_value_cstr(&a, "Day 1: the host cluster and its services. "
                                                   "Days 2-4: visits to members. Day 5: "
                                                   "follow-up plan."));
                core_value_set(&a, &body, "expected_outcomes",
                               core_value_cstr(&a, "Two joint project ideas and contacts for "
                                                   "our members."));
                core_value_set(&a, &body, "responsibilities",
                               core_value_cstr(&a, "The host organises the visits; the visitor "
                                                   "prepares its members' profiles."));
                core_value_set(&a, &body, "kind", core_value_cstr(&a, "capacity_building"));
            } else if (b != NULL && strcmp(b, "report") == 0) {
                body = obj1(&a, "summary",
                            "We met eight member companies and two research "
                            "centres.");
                core_value_set(&a, &body, "outcomes",
                               core_value_cstr(&a, "A joint application is being prepared."));
                core_value_set(&a, &body, "evidence", core_value_arr());
            } else if (b != NULL)
                body = obj1(&a, "side", b);
            const char *who = path[i].who == 'v'   ? v->admin
                              : path[i].who == 'h' ? h->admin
                                                   : moderator_id;
            rc = write_as(s, who, path[i].who == 'm', core_exchange_step_txn, &op, &a, path[i].act,
                          id, body.type == CORE_NULL ? NULL : &body);
            if (rc != 0)
                fprintf(stderr, "eccpd: demo exchange %s, %s: %s\n", id,
                        core_exchange_action_name(path[i].act),
                        op.message ? op.message : core_strerror(rc));
        }
        if (rc == 0 && cancel) {
            core_value body = obj1(&a, "reason", "The visit could not be financed this year.");
            rc = write_as(s, h->admin, false, core_exchange_step_txn, &op, &a, CORE_EXCHANGE_CANCEL,
                          id, &body);
        }
        core_arena_dispose(&a);
        if (rc == 0)
            (*made)++;
    }
    return rc;
}
