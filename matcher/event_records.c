/*
 * event_records.c: a matchmaking event as the scheduler sees it (matcher/schedule.h), read
 * from the store, and the scheduler's answer as the event stores and answers it. Which
 * participants and requests count (accepted ones only), what a request weighs (its
 * priority), where a meeting was before (kept where possible), which pairs may get a
 * recommended meeting (both opted in, no request between them) and how a pair scores (the
 * ClusterXchange scoring of matcher.h, the better direction) are decided here, beside the
 * registrations' loader (records.c), not in the HTTP handler.
 */
#include "matcher/event_records.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "core/event.h"
#include "core/profile.h"
#include "core/record.h"
#include "core/vocab.h"
#include "core/xchange.h"
#include "matcher/matcher.h"
#include "matcher/records.h"
#include "matcher/schedule.h"

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* A participant as the scorer sees it. */
static void reg_of(core_store *s, const char *pid, core_arena *a, matcher_codemap *countries,
                   const char **codes, size_t *n_codes, const matcher_codemap *languages,
                   matcher_reg *out)
{
    memset(out, 0, sizeof(*out));
    out->roles = MATCHER_ROLE_HOST | MATCHER_ROLE_VISITOR;
    out->eligible = 1;
    out->capacity = 1;
    out->duration_min = out->duration_max = 1;
    out->n_windows = 1;
    out->country = MATCHER_COUNTRIES - 1; /* an unknown country: its own id */
    core_value prof;
    if (core_profile_get(s, pid, a, &prof) != 0)
        return;
    const core_value *pub = core_value_get(&prof, "published");
    const char *cc = core_value_get_str(pub, "country");
    if (cc != NULL && strlen(cc) == 2) {
        int bit = matcher_codemap_get(countries, cc);
        if (bit < 0 && *n_codes < MATCHER_COUNTRIES - 1) {
            codes[*n_codes] = cc;
            bit = (int)(*n_codes)++;
            matcher_codemap_init(countries, codes, *n_codes);
        }
        if (bit >= 0)
            out->country = (uint32_t)bit;
    }
    const core_value *v = core_value_get(pub, "ecosystems");
    for (size_t i = 0; v && v->type == CORE_ARR && i < v->u.arr.len; i++) {
        int b = core_vocab_find(CORE_VOCAB_ECOSYSTEM, v->u.arr.items[i].u.s.ptr,
                                v->u.arr.items[i].u.s.len);
        if (b >= 0 && b < MATCHER_ECOSYSTEMS)
            out->ecosystems |= 1u << b;
    }
    v = core_value_get(pub, "languages");
    for (size_t i = 0; v && v->type == CORE_ARR && i < v->u.arr.len; i++) {
        int b = matcher_codemap_get(languages, v->u.arr.items[i].u.s.ptr);
        if (b >= 0)
            out->languages |= 1ull << b;
    }
    v = core_value_get(pub, "cooperation_countries");
    for (size_t i = 0; v && v->type == CORE_ARR && i < v->u.arr.len; i++) {
        int b = matcher_codemap_get(countries, v->u.arr.items[i].u.s.ptr);
        if (b >= 0)
            out->target_countries |= 1ull << b;
    }
    /* objectives: from the profile's ClusterXchange registration, when it has one */
    char *prefix = core_arena_printf(a, "xprofile/%s/", pid);
    size_t plen = strlen(prefix);
    core_iter *it = core_store_iter_prefix(s, CORE_CF_KEYS, (core_slice){prefix, plen});
    core_slice k, val;
    if (core_iter_next(it, &k, &val)) {
        core_value reg;
        char *rid = core_arena_strndup(a, k.ptr + plen, k.len - plen);
        if (core_xchange_get(s, rid, a, &reg) == 0) {
            v = core_value_get(&reg, "objectives");
            for (size_t i = 0; v && v->type == CORE_ARR && i < v->u.arr.len; i++) {
                int b = core_vocab_find(CORE_VOCAB_OBJECTIVE, v->u.arr.items[i].u.s.ptr,
                                        v->u.arr.items[i].u.s.len);
                if (b >= 0 && b < MATCHER_OBJECTIVES)
                    out->objectives |= 1u << b;
            }
        }
    }
    core_iter_free(it);
}

/* The ClusterXchange score of a pair, symmetric (the better of the two directions), 0
 * when the scoring's hard constraints fail (the same country). */
static int32_t pair_score(const matcher_reg *x, const matcher_reg *y)
{
    int s1 = matcher_score(x, MATCHER_ROLE_VISITOR, y),
        s2 = matcher_score(y, MATCHER_ROLE_VISITOR, x);
    int s = s1 > s2 ? s1 : s2;
    return s > 0 ? s : 0;
}

static int find_index(const char **ids, size_t n, const char *id)
{
    for (size_t i = 0; id != NULL && i < n; i++)
        if (strcmp(ids[i], id) == 0)
            return (int)i;
    return -1;
}

int matcher_event_schedule(core_store *s, const char *eid, core_arena *a,
                           void (*progress)(void *ctx, double done), void *progress_ctx,
                           core_value *out_v, const char **message)
{
    uint64_t t0 = now_us();
    matcher_sched_result res;
    matcher_sched_result_init(&res);
    core_value ev;
    int got = core_event_get(s, eid, a, &ev);
    if (got != 0)
        return got;
    const core_value *slots = core_value_get(&ev, "slots");
    const core_value *tv = core_value_get(&ev, "tables");
    uint32_t n_slots = slots && slots->type == CORE_ARR ? (uint32_t)slots->u.arr.len : 0;
    uint32_t n_tables = tv && tv->type == CORE_INT ? (uint32_t)tv->u.i : 0;
    if (n_slots == 0 || n_tables == 0) {
        *message = "set the slots and tables first (PUT /v1/events/{id}/slots)";
        return CORE_ECONFLICT;
    }
    core_value parts = core_event_participants(s, eid, a);
    size_t np = 0;
    const char **ids = core_arena_alloc(a, (parts.u.arr.len + 1) * sizeof(*ids));
    bool *opted = core_arena_alloc(a, (parts.u.arr.len + 1) * sizeof(*opted));
    uint8_t *unav = core_arena_alloc(a, (parts.u.arr.len + 1) * n_slots);
    memset(unav, 0, (parts.u.arr.len + 1) * n_slots);
    for (size_t i = 0; i < parts.u.arr.len; i++) {
        const core_value *p = &parts.u.arr.items[i];
        const char *st = core_value_get_str(p, "state");
        if (st == NULL || strcmp(st, "accepted") != 0)
            continue;
        const core_value *u = core_value_get(p, "unavailable");
        for (size_t k = 0; u && u->type == CORE_ARR && k < u->u.arr.len; k++)
            if (u->u.arr.items[k].type == CORE_INT && u->u.arr.items[k].u.i >= 0 &&
                u->u.arr.items[k].u.i < n_slots)
                unav[np * n_slots + (size_t)u->u.arr.items[k].u.i] = 1;
        const core_value *rf = core_value_get(p, "recommendations");
        opted[np] = rf && rf->type == CORE_BOOL && rf->u.b;
        ids[np++] = core_value_get_str(p, "profile_id");
    }
    /* scoring inputs */
    matcher_codemap countries, languages;
    const char *ccodes[MATCHER_COUNTRIES], *lcodes[MATCHER_LANGUAGES];
    size_t n_cc = 0, n_lc = 0;
    matcher_codemap_init(&countries, ccodes, 0);
    for (size_t i = 0; i < core_language_count() && n_lc < MATCHER_LANGUAGES; i++)
        lcodes[n_lc++] = core_language_at(i)->code;
    matcher_codemap_init(&languages, lcodes, n_lc);
    matcher_reg *regs = core_arena_alloc(a, (np + 1) * sizeof(*regs));
    for (size_t i = 0; i < np; i++)
        reg_of(s, ids[i], a, &countries, ccodes, &n_cc, &languages, &regs[i]);

    /* the previous schedule: where each request was */
    core_value prev = core_event_schedule_get(s, eid, a);
    const core_value *pm = core_value_get(&prev, "meetings");

    core_value reqs = core_event_requests(s, eid, a);
    size_t nr = 0;
    matcher_sched_request *rq = core_arena_alloc(a, (reqs.u.arr.len + 1) * sizeof(*rq));
    const char **rids = core_arena_alloc(a, (reqs.u.arr.len + 1) * sizeof(*rids));
    uint8_t *asked = core_arena_alloc(a, np * np + 1); /* pairs with any request */
    memset(asked, 0, np * np + 1);
    for (size_t i = 0; i < reqs.u.arr.len; i++) {
        const core_value *q = &reqs.u.arr.items[i];
        int x = find_index(ids, np, core_value_get_str(q, "from"));
        int y = find_index(ids, np, core_value_get_str(q, "to"));
        if (x >= 0 && y >= 0)
            asked[(size_t)x * np + (size_t)y] = asked[(size_t)y * np + (size_t)x] = 1;
        const char *st = core_value_get_str(q, "state");
        if (x < 0 || y < 0 || st == NULL || strcmp(st, "accepted") != 0)
            continue;
        const core_value *pr = core_value_get(q, "priority"), *fs = core_value_get(q, "slot");
        matcher_sched_request *m = &rq[nr];
        m->a = (uint32_t)x;
        m->b = (uint32_t)y;
        m->weight = pr && pr->type == CORE_INT && pr->u.i >= 1 && pr->u.i <= 3
                        ? (uint32_t)(4 - pr->u.i)
                        : 2;
        m->score = pair_score(&regs[x], &regs[y]);
        m->fixed_slot = fs && fs->type == CORE_INT && fs->u.i < n_slots ? (int32_t)fs->u.i : -1;
        m->prev_slot = m->prev_table = -1;
        const char *rid = core_value_get_str(q, "id");
        for (size_t k = 0; pm && pm->type == CORE_ARR && k < pm->u.arr.len; k++) {
            const core_value *e = &pm->u.arr.items[k];
            const char *er = core_value_get_str(e, "request");
            if (er != NULL && strcmp(er, rid) == 0) {
                const core_value *es = core_value_get(e, "slot"), *et = core_value_get(e, "table");
                if (es && es->type == CORE_INT && et && et->type == CORE_INT) {
                    m->prev_slot = (int32_t)es->u.i;
                    m->prev_table = (int32_t)et->u.i;
                }
                break;
            }
        }
        rids[nr++] = rid;
    }
    /* recommended meetings: pairs of participants who both opted in and have no request */
    size_t nc = 0, cap = 0;
    matcher_sched_pair *cand = NULL;
    for (size_t x = 0; x < np; x++)
        for (size_t y = x + 1; opted[x] && y < np; y++) {
            if (!opted[y] || asked[x * np + y])
                continue;
            int32_t sc = pair_score(&regs[x], &regs[y]);
            if (sc <= 0)
                continue;
            if (nc == cap) {
                cap = cap ? cap * 2 : 256;
                matcher_sched_pair *n2 = core_arena_try_alloc(a, cap * sizeof(*n2));
                if (n2 == NULL)
                    return CORE_ENOMEM;
                if (nc)
                    memcpy(n2, cand, nc * sizeof(*n2));
                cand = n2;
            }
            cand[nc++] = (matcher_sched_pair){(uint32_t)x, (uint32_t)y, sc};
        }
    matcher_sched_problem p = {.progress = progress,
                               .progress_ctx = progress_ctx,
                               .n_participants = (uint32_t)np,
                               .n_slots = n_slots,
                               .n_tables = n_tables,
                               .unavailable = unav,
                               .requests = rq,
                               .n_requests = nr,
                               .candidates = cand,
                               .n_candidates = nc};
    int rc = matcher_schedule(&p, &res);
    if (rc != 0) {
        *message = matcher_strerror(rc);
        matcher_sched_result_dispose(&res);
        return matcher_core_error(rc);
    }
    core_value out = core_value_obj(), meetings = core_value_arr(), uns = core_value_arr();
    for (size_t i = 0; i < res.n_meetings; i++) {
        const matcher_sched_meeting *m = &res.meetings[i];
        core_value e = core_value_obj();
        core_value_set(a, &e, "slot", core_value_int(m->slot));
        core_value_set(a, &e, "table", core_value_int(m->table));
        core_value_set(a, &e, "a", core_value_cstr(a, ids[m->a]));
        core_value_set(a, &e, "b", core_value_cstr(a, ids[m->b]));
        core_value_set(a, &e, "request",
                       m->request >= 0 ? core_value_cstr(a, rids[m->request]) : core_value_null());
        core_value_set(a, &e, "score", core_value_int(m->score));
        core_value_push(a, &meetings, e);
    }
    for (size_t i = 0; i < res.n_unscheduled; i++) {
        core_value e = core_value_obj();
        core_value_set(a, &e, "request", core_value_cstr(a, rids[res.unscheduled[i]]));
        core_value_set(a, &e, "reason",
                       core_value_cstr(a, matcher_sched_reason_name(res.reasons[i])));
        core_value_push(a, &uns, e);
    }
    core_value_set(a, &out, "meetings", meetings);
    core_value_set(a, &out, "unscheduled", uns);
    core_value_set(a, &out, "upper_bound", core_value_int((int64_t)res.upper_bound));
    core_value_set(a, &out, "placed", core_value_int((int64_t)res.n_placed));
    core_value_set(a, &out, "took_ms", core_value_double((double)(now_us() - t0) / 1000.0));
    matcher_sched_result_dispose(&res);
    *out_v = out;
    return 0;
}

int matcher_event_schedule_all(core_store *s)
{
    core_arena a;
    core_arena_init(&a);
    core_iter *it = core_store_iter_prefix(s, CORE_CF_RECORDS, CORE_SLICE_LIT(CORE_EVENT_KIND "/"));
    core_slice k, v;
    int rc = 0;
    while (rc == 0 && core_iter_next(it, &k, &v)) {
        core_value ev, prof, sched;
        const char *message = NULL;
        if (core_record_decode(&a, v, &ev) != 0)
            continue;
        const core_value *tables = core_value_get(&ev, "tables");
        if (strcmp(core_value_get_str(&ev, "kind"), "matchmaking") != 0 || tables == NULL ||
            tables->type != CORE_INT || tables->u.i <= 0)
            continue;
        const char *eid = core_value_get_str(&ev, "id");
        if (core_profile_get(s, core_value_get_str(&ev, "profile_id"), &a, &prof) != 0)
            continue;
        const core_value *admins = core_value_get(&prof, "admins");
        if ((rc = matcher_event_schedule(s, eid, &a, NULL, NULL, &sched, &message)) != 0)
            break;
        core_actor actor = {admins && admins->type == CORE_ARR && admins->u.arr.len
                                ? admins->u.arr.items[0].u.s.ptr
                                : NULL,
                            false};
        core_event_op op;
        core_event_op_init(&op, &a, &actor);
        op.id = eid;
        op.body = &sched;
        rc = core_store_write_sync(s, core_event_schedule_put_txn, &op, NULL);
    }
    core_iter_free(it);
    core_arena_dispose(&a);
    return rc;
}
