/*
 * exchange.c: see exchange.h. The state machine is the table `steps` below; every write
 * looks its step up there (core_exchange_transition) and never spells a transition out.
 * The scheme's rules follow the table, then the writes and the reads.
 */
#include "core/exchange.h"

#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/attachment.h"
#include "core/authz.h"
#include "core/error.h"
#include "core/id.h"
#include "core/op.h"
#include "core/notify.h"
#include "core/record.h"
#include "core/time.h"
#include "core/vocab.h"
#include "core/xchange.h"

enum {
    V = CORE_EXCHANGE_BY_VISITOR,
    H = CORE_EXCHANGE_BY_HOST,
    M = CORE_EXCHANGE_BY_MODERATOR,
    OTHER = 1 << 3, /* the side that did not propose */
    TEXT_MAX = 4000,
    REASON_MAX = 2000,
    EVIDENCE_MAX = 20,
    FULL_WORKING_DAYS = 5, /* fewer halves the lump sum */
    NEAR_KM = 200,         /* closer halves the lump sum */
};

static const char *const state_names[CORE_EXCHANGE__STATES] = {
    "proposed", "agreed",      "plan_submitted",   "validated", "signed",
    "ready",    "in_progress", "report_submitted", "completed", "cancelled",
};

static const char *const action_names[CORE_EXCHANGE__ACTIONS] = {
    "agree", "plan",           "validate", "sign",   "financial-agreement",
    "start", "closing-report", "complete", "cancel",
};

/* ---- the state machine: one table ---- */

typedef struct step {
    core_exchange_state from;
    core_exchange_action act;
    unsigned who;   /* V, H, M bits, or OTHER */
    bool two_sided; /* done once per side (visitor and host); moves on when both are */
    core_exchange_state next;
} step;

static const step steps[] = {
    {CORE_EXCHANGE_PROPOSED, CORE_EXCHANGE_AGREE, OTHER, false, CORE_EXCHANGE_AGREED},
    {CORE_EXCHANGE_AGREED, CORE_EXCHANGE_PLAN, V | H, false, CORE_EXCHANGE_PLAN_SUBMITTED},
    /* a revised plan before both validations (it clears the validations given) */
    {CORE_EXCHANGE_PLAN_SUBMITTED, CORE_EXCHANGE_PLAN, V | H, false, CORE_EXCHANGE_PLAN_SUBMITTED},
    {CORE_EXCHANGE_PLAN_SUBMITTED, CORE_EXCHANGE_VALIDATE, M, true, CORE_EXCHANGE_VALIDATED},
    {CORE_EXCHANGE_VALIDATED, CORE_EXCHANGE_SIGN, V | H, true, CORE_EXCHANGE_SIGNED},
    {CORE_EXCHANGE_SIGNED, CORE_EXCHANGE_FINANCIAL_AGREEMENT, M, false, CORE_EXCHANGE_READY},
    {CORE_EXCHANGE_READY, CORE_EXCHANGE_START, V | H, false, CORE_EXCHANGE_IN_PROGRESS},
    {CORE_EXCHANGE_IN_PROGRESS, CORE_EXCHANGE_CLOSING_REPORT, V, false,
     CORE_EXCHANGE_REPORT_SUBMITTED},
    {CORE_EXCHANGE_REPORT_SUBMITTED, CORE_EXCHANGE_COMPLETE, M, false, CORE_EXCHANGE_COMPLETED},
    {CORE_EXCHANGE_PROPOSED, CORE_EXCHANGE_CANCEL, V | H | M, false, CORE_EXCHANGE_CANCELLED},
    {CORE_EXCHANGE_AGREED, CORE_EXCHANGE_CANCEL, V | H | M, false, CORE_EXCHANGE_CANCELLED},
    {CORE_EXCHANGE_PLAN_SUBMITTED, CORE_EXCHANGE_CANCEL, V | H | M, false, CORE_EXCHANGE_CANCELLED},
    {CORE_EXCHANGE_VALIDATED, CORE_EXCHANGE_CANCEL, V | H | M, false, CORE_EXCHANGE_CANCELLED},
    {CORE_EXCHANGE_SIGNED, CORE_EXCHANGE_CANCEL, V | H | M, false, CORE_EXCHANGE_CANCELLED},
    {CORE_EXCHANGE_READY, CORE_EXCHANGE_CANCEL, V | H | M, false, CORE_EXCHANGE_CANCELLED},
};
enum { N_STEPS = sizeof(steps) / sizeof(steps[0]) };

const char *core_exchange_state_name(core_exchange_state s)
{
    return s >= 0 && s < CORE_EXCHANGE__STATES ? state_names[s] : "unknown";
}

int core_exchange_state_find(const char *name)
{
    for (int i = 0; name != NULL && i < CORE_EXCHANGE__STATES; i++)
        if (strcmp(state_names[i], name) == 0)
            return i;
    return -1;
}

const char *core_exchange_action_name(core_exchange_action a)
{
    return a >= 0 && a < CORE_EXCHANGE__ACTIONS ? action_names[a] : "unknown";
}

static unsigned who_of(const step *st, unsigned proposer)
{
    return st->who & OTHER ? (V | H) & ~proposer : st->who;
}

static const char *who_words(unsigned who)
{
    switch (who & (V | H | M)) {
    case V:
        return "the visitor's admins";
    case H:
        return "the host's admins";
    case V | H:
        return "either side's admins";
    case M:
        return "a moderator";
    default:
        return "either side's admins or a moderator";
    }
}

static const char *sides_words(unsigned sides)
{
    return sides == V ? "the visitor's side" : sides == H ? "the host's side" : "both sides";
}

const char *core_exchange_expected(core_exchange_state s, unsigned proposer, unsigned done,
                                   core_arena *a)
{
    const char *out = NULL;
    for (size_t i = 0; i < N_STEPS; i++) {
        const step *st = &steps[i];
        if (st->from != s || st->act == CORE_EXCHANGE_CANCEL)
            continue;
        if (st->act == CORE_EXCHANGE_PLAN && s == CORE_EXCHANGE_PLAN_SUBMITTED)
            continue; /* a revision is possible, never what is expected */
        const char *one;
        if (st->two_sided)
            one = core_arena_printf(a, "%s for %s, by %s", action_names[st->act],
                                    sides_words((V | H) & ~done), who_words(who_of(st, proposer)));
        else
            one = core_arena_printf(a, "%s, by %s", action_names[st->act],
                                    who_words(who_of(st, proposer)));
        out = out ? core_arena_printf(a, "%s; or %s", out, one) : one;
    }
    return out ? out : "nothing: the exchange is over";
}

int core_exchange_transition(core_exchange_state s, core_exchange_action act, unsigned by,
                             unsigned proposer, unsigned done, unsigned side, core_arena *a,
                             core_exchange_state *next, unsigned *sides, const char **why)
{
    *why = NULL;
    *sides = 0;
    *next = s;
    if ((by & (V | H | M)) == 0) {
        *why = "no such exchange";
        return CORE_ENOTFOUND;
    }
    const step *st = NULL;
    for (size_t i = 0; i < N_STEPS && st == NULL; i++)
        if (steps[i].from == s && steps[i].act == act)
            st = &steps[i];
    const char *expected = core_exchange_expected(s, proposer, done, a);
    if (st == NULL) {
        *why = core_arena_printf(a, "the exchange is %s: %s is not possible now; expected next: %s",
                                 core_exchange_state_name(s), action_names[act], expected);
        return CORE_ECONFLICT;
    }
    unsigned who = who_of(st, proposer);
    if ((by & who) == 0) {
        *why = core_arena_printf(a, "%s is for %s; expected next: %s", action_names[act],
                                 who_words(who), expected);
        return CORE_EFORBIDDEN;
    }
    if (!st->two_sided) {
        *sides = by & who & (V | H);
        *next = st->next;
        return 0;
    }
    /* Two-sided: a moderator names the side; an admin acts for the sides it administers. */
    unsigned mine = who == M ? side & (V | H) : by & (V | H);
    unsigned todo = mine & ~done;
    if (todo == 0) {
        *why = core_arena_printf(a, "%s is already done for %s; expected next: %s",
                                 action_names[act], sides_words(mine ? mine : done), expected);
        return CORE_ECONFLICT;
    }
    *sides = todo;
    *next = ((done | todo) & (V | H)) == (V | H) ? st->next : s;
    return 0;
}

/* ---- the scheme's rules ---- */

int core_exchange_working_days(int32_t from, int32_t to)
{
    if (to < from)
        return 0;
    /* 1970-01-01 was a Thursday: weekday (Monday = 0) of day d is (d + 3) mod 7. */
    int64_t n = (int64_t)to - from + 1, weeks = n / 7, days = weeks * 5;
    for (int64_t d = from + weeks * 7; d <= to; d++)
        if ((d + 3) % 7 < 5)
            days++;
    return (int)days;
}

double core_exchange_distance_km(double lat1, double lon1, double lat2, double lon2)
{
    const double r = 6371.0088, rad = M_PI / 180.0; /* the mean Earth radius (IUGG) */
    double p1 = lat1 * rad, p2 = lat2 * rad, dp = (lat2 - lat1) * rad, dl = (lon2 - lon1) * rad;
    double h = sin(dp / 2) * sin(dp / 2) + cos(p1) * cos(p2) * sin(dl / 2) * sin(dl / 2);
    return 2 * r * asin(sqrt(h < 1 ? h : 1));
}

extern const char core_data_lump_sums[];
extern const size_t core_data_lump_sums_len;

static pthread_once_t rates_once = PTHREAD_ONCE_INIT;
static int16_t rates[26 * 26]; /* EUR by code, -1 for none */

static void rates_load(void)
{
    for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++)
        rates[i] = -1;
    const char *p = core_data_lump_sums, *end = p + core_data_lump_sums_len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        if (eol - p >= 4 && p[0] >= 'A' && p[0] <= 'Z' && p[1] >= 'A' && p[1] <= 'Z' &&
            p[2] == '\t') {
            long v = strtol(p + 3, NULL, 10);
            if (v > 0 && v < INT16_MAX)
                rates[(p[0] - 'A') * 26 + (p[1] - 'A')] = (int16_t)v;
        }
        p = eol + 1;
    }
}

int core_exchange_lump_rate(const char *code)
{
    pthread_once(&rates_once, rates_load);
    if (code == NULL || strlen(code) != 2 || code[0] < 'A' || code[0] > 'Z' || code[1] < 'A' ||
        code[1] > 'Z')
        return -1;
    return rates[(code[0] - 'A') * 26 + (code[1] - 'A')];
}

core_value core_exchange_lump_sum(const core_exchange_lump_in *in, core_arena *a)
{
    core_value out = core_value_obj(), reasons = core_value_arr();
    int rate = core_exchange_lump_rate(in->host_country);
    bool halved = false;
    if (rate < 0)
        core_value_push(
            a, &reasons,
            core_value_cstr(a, core_arena_printf(a, "the scheme's table has no lump sum for %s",
                                                 in->host_country ? in->host_country : "?")));
    if (in->have_dates) {
        int wd = core_exchange_working_days(in->start_day, in->end_day);
        if (wd < FULL_WORKING_DAYS) {
            halved = true;
            core_value_push(
                a, &reasons,
                core_value_cstr(a, core_arena_printf(a,
                                                     "halved: the stay lasts %d working days, "
                                                     "under %d",
                                                     wd, FULL_WORKING_DAYS)));
        } else
            core_value_push(
                a, &reasons,
                core_value_cstr(a, core_arena_printf(a, "the stay lasts %d working days", wd)));
    } else
        core_value_push(a, &reasons,
                        core_value_str_ref("the stay's length is known once the plan is in",
                                           strlen("the stay's length is known once the plan "
                                                  "is in")));
    if (in->have_coords) {
        double km = core_exchange_distance_km(in->lat1, in->lon1, in->lat2, in->lon2);
        if (km < NEAR_KM) {
            halved = true;
            core_value_push(
                a, &reasons,
                core_value_cstr(a, core_arena_printf(a,
                                                     "halved: the organisations are %.0f km "
                                                     "apart, under %d km",
                                                     floor(km), NEAR_KM)));
        } else
            core_value_push(
                a, &reasons,
                core_value_cstr(
                    a, core_arena_printf(a, "the organisations are %.0f km apart", floor(km))));
    } else
        core_value_push(a, &reasons,
                        core_value_cstr(a, "the distance is unknown: a profile has no "
                                           "coordinates"));
    core_value_set(a, &out, "amount_eur",
                   rate < 0 ? core_value_null() : core_value_int(halved ? rate / 2 : rate));
    core_value_set(a, &out, "halved", core_value_bool(halved));
    core_value_set(a, &out, "reasons", reasons);
    return out;
}

int core_exchange_check_stay(core_fields *f, int32_t start, int32_t end)
{
    if (end < start) {
        core_fields_add(f, "end_date", "must not be before start_date");
        return CORE_EINVALID;
    }
    if (core_exchange_working_days(start, end) < CORE_XCHANGE_MIN_DAYS) {
        core_fields_add(f, "end_date", "a stay lasts at least 3 working days");
        return CORE_EINVALID;
    }
    if (end - start + 1 > CORE_XCHANGE_MAX_DAYS) {
        core_fields_add(f, "end_date", "a stay lasts at most one month (31 days)");
        return CORE_EINVALID;
    }
    return 0;
}

void core_exchange_check_evidence(core_txn *t, core_fields *f, const core_value *evidence)
{
    core_arena *a = core_txn_arena(t);
    for (size_t i = 0; i < evidence->u.arr.len; i++) {
        const char *id = evidence->u.arr.items[i].u.s.ptr;
        core_value meta;
        int rc = core_attachment_meta_txn(t, id, a, &meta);
        if (rc == CORE_ENOTFOUND) {
            core_fields_add(f, "evidence",
                            core_arena_printf(a,
                                              "attachment %s does not exist: upload each file "
                                              "with POST /v1/attachments and send the ids it "
                                              "answers",
                                              id));
            return;
        }
        if (rc != 0) {
            core_fields_add(f, "evidence", "the attachments could not be read; try again");
            return;
        }
    }
}

/* ---- record helpers ---- */

void core_exchange_op_init(core_exchange_op *op, core_arena *out, const core_actor *actor)
{
    core_op_init(op, out, actor);
    op->view = core_value_null();
}

static bool has_role(const core_value *reg, const char *role)
{
    const core_value *roles = core_value_get(reg, "roles");
    for (size_t i = 0; roles && roles->type == CORE_ARR && i < roles->u.arr.len; i++)
        if (roles->u.arr.items[i].type == CORE_STR &&
            strcmp(roles->u.arr.items[i].u.s.ptr, role) == 0)
            return true;
    return false;
}

static bool is_admin(const core_actor *actor, const core_value *prof)
{
    return prof != NULL && prof->type == CORE_OBJ &&
           (core_profile_roles(actor, prof) & CORE_ROLE_ADMIN) != 0;
}

/* The parties the actor is, for an exchange between the two profiles (either may be a
 * null value when gone). */
static unsigned parties(const core_actor *actor, const core_value *vprof, const core_value *hprof)
{
    return (is_admin(actor, vprof) ? V : 0) | (is_admin(actor, hprof) ? H : 0) |
           (actor->user_id != NULL && actor->moderator ? M : 0);
}

static unsigned authz_roles(unsigned by, const core_actor *actor)
{
    return (by & (V | H) ? CORE_ROLE_ADMIN : 0) | core_actor_roles(actor);
}

static unsigned side_bit(const char *s)
{
    return s == NULL ? 0 : strcmp(s, "visitor") == 0 ? V : strcmp(s, "host") == 0 ? H : 0;
}

/* The sides already done for a two-sided step, from the record's member (validations or
 * signatures). */
static unsigned done_sides(const core_value *rec, const char *member)
{
    const core_value *m = core_value_get(rec, member);
    const core_value *v = core_value_get(m, "visitor"), *h = core_value_get(m, "host");
    return (v && v->type == CORE_OBJ ? V : 0) | (h && h->type == CORE_OBJ ? H : 0);
}

static core_value by_at(core_arena *a, const char *user, int64_t now)
{
    core_value v = core_value_obj();
    core_value_set(a, &v, "by", core_value_cstr(a, user));
    core_value_set(a, &v, "at", core_value_int(now));
    return v;
}

/* The exchange ids of a registration (xexch/<reg>), in a: a string of 26-character ids. */
static const char *links_get(core_txn *t, core_store *s, const char *reg, core_arena *a)
{
    char *k = core_arena_printf(a, "xexch/%s", reg);
    core_slice v;
    int rc = t ? core_txn_get(t, CORE_CF_KEYS, (core_slice){k, strlen(k)}, a, &v)
               : core_store_get(s, CORE_CF_KEYS, (core_slice){k, strlen(k)}, a, &v);
    return rc == 0 ? v.ptr : "";
}

static void links_add(core_txn *t, const char *reg, const char *id, core_arena *a)
{
    const char *old = links_get(t, NULL, reg, a);
    char *k = core_arena_printf(a, "xexch/%s", reg);
    char *v = core_arena_printf(a, "%s%s", old, id);
    core_txn_put(t, CORE_CF_KEYS, (core_slice){k, strlen(k)}, (core_slice){v, strlen(v)});
}

/* A profile's published member, or NULL. */
static const core_value *pub(const core_value *prof)
{
    return prof && prof->type == CORE_OBJ ? core_value_get(prof, "published") : NULL;
}

static bool number_of(const core_value *v, double *out)
{
    if (v == NULL)
        return false;
    if (v->type == CORE_DOUBLE)
        *out = v->u.d;
    else if (v->type == CORE_INT)
        *out = (double)v->u.i;
    else
        return false;
    return true;
}

/* ---- capacity ---- */

typedef core_exchange_span span;

/* The spans of the host registration's exchanges that are not cancelled, but `skip`: an
 * exchange without dates covers every day. In a; *n of them. */
static int host_spans(core_txn *t, core_store *s, const char *host_reg, const char *skip,
                      core_arena *a, span **out, size_t *n)
{
    const char *ids = links_get(t, s, host_reg, a);
    size_t cnt = strlen(ids) / CORE_ID_LEN;
    span *sp = core_arena_alloc(a, (cnt + 1) * sizeof(*sp));
    *n = 0;
    for (size_t i = 0; i < cnt; i++) {
        char *id = core_arena_strndup(a, ids + i * CORE_ID_LEN, CORE_ID_LEN);
        if (skip != NULL && strcmp(id, skip) == 0)
            continue;
        core_value ex;
        int rc = t ? core_record_get_txn(t, CORE_EXCHANGE_KIND, id, a, &ex)
                   : core_record_get(s, CORE_EXCHANGE_KIND, id, a, &ex);
        if (rc == CORE_ENOTFOUND)
            continue;
        if (rc != 0)
            return rc;
        if (strcmp(core_value_get_str(&ex, "host"), host_reg) != 0 ||
            core_exchange_state_find(core_value_get_str(&ex, "state")) == CORE_EXCHANGE_CANCELLED)
            continue;
        const core_value *plan = core_value_get(&ex, "plan");
        int32_t f = core_xchange_parse_day(core_value_get_str(plan, "start_date"));
        int32_t to = core_xchange_parse_day(core_value_get_str(plan, "end_date"));
        sp[(*n)++] = f < 0 || to < f ? (span){INT32_MIN, INT32_MAX} : (span){f, to};
    }
    *out = sp;
    return 0;
}

/* The most spans that share a day within [from, to]. */
static size_t max_overlap(const span *sp, size_t n, int32_t from, int32_t to)
{
    size_t best = 0;
    /* The maximum is reached at some span's start (or at from): n is small. */
    for (size_t i = 0; i <= n; i++) {
        int32_t d = i < n ? sp[i].from : from;
        if (d < from)
            d = from;
        if (d > to)
            continue;
        size_t c = 0;
        for (size_t j = 0; j < n; j++)
            c += sp[j].from <= d && d <= sp[j].to;
        if (c > best)
            best = c;
    }
    return best;
}

static int64_t capacity_of(const core_value *reg)
{
    const core_value *c = core_value_get(reg, "host_capacity");
    return c && c->type == CORE_INT ? c->u.i : 0;
}

/* ---- what the matcher follows ---- */

int core_exchange_load_of(core_store *s, const core_value *reg, core_arena *a,
                          core_exchange_load *out)
{
    memset(out, 0, sizeof(*out));
    const char *pid = core_value_get_str(reg, "profile_id"), *id = core_value_get_str(reg, "id");
    if (pid == NULL || id == NULL)
        return 0;
    char *vkey = core_arena_printf(a, "xvisits/%s", pid);
    core_slice v;
    int rc = core_store_get(s, CORE_CF_KEYS, (core_slice){vkey, strlen(vkey)}, a, &v);
    if (rc != 0 && rc != CORE_ENOTFOUND)
        return rc;
    out->visits = rc == 0;
    if (!has_role(reg, "host"))
        return 0;
    return host_spans(NULL, s, id, NULL, a, &out->spans, &out->n_spans);
}

size_t core_exchange_free_windows(const core_exchange_span *windows, size_t nw,
                                  const core_exchange_span *spans, size_t ns, int64_t capacity,
                                  core_exchange_span *out, size_t max_out, int64_t *min_free)
{
    size_t n = 0;
    *min_free = capacity;
    for (size_t w = 0; w < nw; w++) {
        bool open = false;
        /* day by day: windows are short (months) and a host has few exchanges */
        for (int64_t d = windows[w].from; d <= windows[w].to; d++) {
            int64_t used = 0;
            for (size_t i = 0; i < ns; i++)
                used += spans[i].from <= d && d <= spans[i].to;
            bool free = used < capacity;
            if (free && capacity - used < *min_free)
                *min_free = capacity - used;
            if (free && !open) {
                if (n == max_out)
                    return n;
                out[n++] = (core_exchange_span){(int32_t)d, (int32_t)d};
                open = true;
            } else if (free)
                out[n - 1].to = (int32_t)d;
            else
                open = false;
        }
    }
    return n;
}

/* ---- loading an exchange with its sides ---- */

typedef struct loaded {
    core_value rec, vreg, hreg, vprof, hprof; /* null values when gone */
} loaded;

static int load_side(core_txn *t, core_store *s, const char *reg_id, core_arena *a, core_value *reg,
                     core_value *prof)
{
    *reg = core_value_null();
    *prof = core_value_null();
    int rc = reg_id == NULL || !core_id_valid(reg_id) ? CORE_ENOTFOUND
             : t ? core_record_get_txn(t, CORE_XCHANGE_KIND, reg_id, a, reg)
                 : core_record_get(s, CORE_XCHANGE_KIND, reg_id, a, reg);
    if (rc != 0) {
        *reg = core_value_null();
        return rc == CORE_ENOTFOUND ? 0 : rc;
    }
    const char *pid = core_value_get_str(reg, "profile_id");
    rc = pid == NULL ? CORE_ENOTFOUND
         : t         ? core_record_get_txn(t, "profile", pid, a, prof)
                     : core_record_get(s, "profile", pid, a, prof);
    if (rc != 0)
        *prof = core_value_null();
    return rc == CORE_ENOTFOUND ? 0 : rc;
}

static int load(core_txn *t, core_store *s, const char *id, core_arena *a, loaded *l)
{
    int rc = id == NULL || !core_id_valid(id) ? CORE_ENOTFOUND
             : t ? core_record_get_txn(t, CORE_EXCHANGE_KIND, id, a, &l->rec)
                 : core_record_get(s, CORE_EXCHANGE_KIND, id, a, &l->rec);
    if (rc != 0)
        return rc;
    if ((rc = load_side(t, s, core_value_get_str(&l->rec, "visitor"), a, &l->vreg, &l->vprof)) != 0)
        return rc;
    return load_side(t, s, core_value_get_str(&l->rec, "host"), a, &l->hreg, &l->hprof);
}

/* ---- the view ---- */

static core_value profile_brief(core_arena *a, const core_value *prof, const core_value *reg)
{
    core_value p = core_value_obj();
    const char *pid = core_value_get_str(reg, "profile_id");
    core_value_set(a, &p, "id", pid ? core_value_cstr(a, pid) : core_value_null());
    const char *name = core_value_get_str(pub(prof), "name");
    const char *country = core_value_get_str(pub(prof), "country");
    core_value_set(a, &p, "name", name ? core_value_cstr(a, name) : core_value_null());
    core_value_set(a, &p, "country", country ? core_value_cstr(a, country) : core_value_null());
    return p;
}

/* A {by, at} pair (or null) with at as RFC 3339. */
static core_value by_at_view(core_arena *a, const core_value *v)
{
    if (v == NULL || v->type != CORE_OBJ)
        return core_value_null();
    core_value out = core_value_obj();
    for (size_t i = 0; i < v->u.obj.len; i++) {
        const core_member *m = &v->u.obj.items[i];
        if (m->key.len == 2 && memcmp(m->key.ptr, "at", 2) == 0 && m->value.type == CORE_INT)
            core_value_set(a, &out, "at", core_value_time(a, m->value.u.i));
        else
            core_value_set_copy(a, &out, m->key.ptr, m->key.len, m->value);
    }
    return out;
}

static core_value sides_view(core_arena *a, const core_value *v)
{
    core_value out = core_value_obj();
    core_value_set(a, &out, "visitor", by_at_view(a, core_value_get(v, "visitor")));
    core_value_set(a, &out, "host", by_at_view(a, core_value_get(v, "host")));
    return out;
}

static core_value view_of(core_arena *a, const loaded *l)
{
    const core_value *rec = &l->rec;
    core_value v = core_value_obj();
    static const char *const plain[] = {"id", "visitor", "host", "proposed_by", "state"};
    for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
        const core_value *m = core_value_get(rec, plain[i]);
        core_value_set(a, &v, plain[i], m ? core_value_copy(a, m) : core_value_null());
    }
    core_value_set(a, &v, "plan", by_at_view(a, core_value_get(rec, "plan")));
    core_value_set(a, &v, "visitor_profile", profile_brief(a, &l->vprof, &l->vreg));
    core_value_set(a, &v, "host_profile", profile_brief(a, &l->hprof, &l->hreg));
    core_value_set(a, &v, "validations", sides_view(a, core_value_get(rec, "validations")));
    core_value_set(a, &v, "signatures", sides_view(a, core_value_get(rec, "signatures")));
    core_value_set(a, &v, "financial_agreement",
                   by_at_view(a, core_value_get(rec, "financial_agreement")));
    core_value_set(a, &v, "closing_report", by_at_view(a, core_value_get(rec, "closing_report")));
    core_value_set(a, &v, "cancellation", by_at_view(a, core_value_get(rec, "cancellation")));

    core_exchange_lump_in in = {0};
    in.host_country = core_value_get_str(pub(&l->hprof), "country");
    const core_value *plan = core_value_get(rec, "plan");
    in.start_day = core_xchange_parse_day(core_value_get_str(plan, "start_date"));
    in.end_day = core_xchange_parse_day(core_value_get_str(plan, "end_date"));
    in.have_dates = in.start_day >= 0 && in.end_day >= in.start_day;
    in.have_coords = number_of(core_value_get(pub(&l->vprof), "lat"), &in.lat1) &&
                     number_of(core_value_get(pub(&l->vprof), "lon"), &in.lon1) &&
                     number_of(core_value_get(pub(&l->hprof), "lat"), &in.lat2) &&
                     number_of(core_value_get(pub(&l->hprof), "lon"), &in.lon2);
    core_value_set(a, &v, "lump_sum", core_exchange_lump_sum(&in, a));

    core_value hist = core_value_arr();
    const core_value *h = core_value_get(rec, "history");
    for (size_t i = 0; h && h->type == CORE_ARR && i < h->u.arr.len; i++)
        core_value_push(a, &hist, by_at_view(a, &h->u.arr.items[i]));
    core_value_set(a, &v, "history", hist);
    const core_value *ts = core_value_get(rec, "created_at");
    core_value_set(a, &v, "created_at",
                   ts && ts->type == CORE_INT ? core_value_time(a, ts->u.i) : core_value_null());
    ts = core_value_get(rec, "updated_at");
    core_value_set(a, &v, "updated_at",
                   ts && ts->type == CORE_INT ? core_value_time(a, ts->u.i) : core_value_null());
    return v;
}

static void push_history(core_arena *a, core_value *rec, core_exchange_state state,
                         const char *action, const char *by, int64_t now)
{
    core_value e = core_value_obj();
    core_value_set(a, &e, "state", core_value_cstr(a, core_exchange_state_name(state)));
    core_value_set(a, &e, "action", core_value_cstr(a, action));
    core_value_set(a, &e, "at", core_value_int(now));
    core_value_set(a, &e, "by", core_value_cstr(a, by));
    core_value *h = (core_value *)core_value_get(rec, "history");
    if (h == NULL || h->type != CORE_ARR) {
        core_op_obj_put(a, rec, "history", core_value_arr());
        h = (core_value *)core_value_get(rec, "history");
    }
    core_value_push(a, h, e);
}

/* Tells the admins of both profiles but the actor what happened. */
static void notify_sides(core_txn *t, const loaded *l, const char *actor, const char *kind,
                         const char *text, const char *ref)
{
    const core_value *profs[2] = {&l->vprof, &l->hprof};
    for (int s = 0; s < 2; s++) {
        const core_value *admins = core_value_get(profs[s], "admins");
        for (size_t i = 0; admins && admins->type == CORE_ARR && i < admins->u.arr.len; i++) {
            const char *u = admins->u.arr.items[i].u.s.ptr;
            if (actor != NULL && strcmp(u, actor) == 0)
                continue;
            if (s == 1 && is_admin(&(core_actor){u, false}, &l->vprof))
                continue; /* told once */
            core_notify(t, u, kind, "ClusterXchange: an exchange moved on", text, ref);
        }
    }
}

static const char *side_name(const loaded *l, int side)
{
    const char *n = core_value_get_str(pub(side == V ? &l->vprof : &l->hprof), "name");
    return n ? n : side == V ? "the visitor" : "the host";
}

/* ---- propose ---- */

int core_exchange_propose_txn(core_txn *t, void *arg)
{
    core_exchange_op *op = arg;
    core_arena *a = core_txn_arena(t);
    if (op->actor.user_id == NULL)
        return core_op_fail(op, CORE_EUNAUTH, "sign in first");
    static const char *const known[] = {"visitor", "host", NULL};
    if (op->body != NULL && op->body->type != CORE_OBJ)
        core_fields_add(&op->fields, "body", "must be a JSON object");
    core_check_known(&op->fields, op->body, known);
    const char *vid = core_check_string(&op->fields, op->body, "visitor", true, 1, 64);
    const char *hid = core_check_string(&op->fields, op->body, "host", true, 1, 64);
    loaded l = {0};
    l.rec = core_value_null();
    int rc;
    if (vid != NULL) {
        if ((rc = load_side(t, NULL, vid, a, &l.vreg, &l.vprof)) != 0)
            return rc;
        if (l.vreg.type == CORE_NULL)
            core_fields_add(&op->fields, "visitor", "no such registration");
    }
    if (hid != NULL) {
        if ((rc = load_side(t, NULL, hid, a, &l.hreg, &l.hprof)) != 0)
            return rc;
        if (l.hreg.type == CORE_NULL)
            core_fields_add(&op->fields, "host", "no such registration");
    }
    if (core_fields_any(&op->fields))
        return core_op_fail(op, CORE_EINVALID, "the proposal has errors; see fields");
    unsigned by = parties(&op->actor, &l.vprof, &l.hprof);
    if ((rc = core_authorize(CORE_ACT_XCHANGE_EXCHANGE_PROPOSE, authz_roles(by, &op->actor))) != 0)
        return core_op_fail(
            op, rc, "an exchange is proposed by an admin of the visitor's or the host's profile");

    /* The scheme's rules for a pair. */
    if (strcmp(vid, hid) == 0)
        return core_op_fail(op, CORE_ECONFLICT, "a registration cannot visit itself");
    if (!has_role(&l.vreg, "visitor"))
        return core_op_fail(op, CORE_ECONFLICT,
                            "the visitor's registration is not registered to visit");
    if (!has_role(&l.hreg, "host"))
        return core_op_fail(op, CORE_ECONFLICT,
                            "the host's registration is not registered to host");
    const char *vs = core_value_get_str(&l.vreg, "state"),
               *hs = core_value_get_str(&l.hreg, "state");
    if (vs == NULL || strcmp(vs, "accepted") != 0 || hs == NULL || strcmp(hs, "accepted") != 0)
        return core_op_fail(op, CORE_ECONFLICT,
                            "both registrations must have been accepted by a moderator first");
    const char *vc = core_value_get_str(pub(&l.vprof), "country");
    const char *hc = core_value_get_str(pub(&l.hprof), "country");
    if (vc == NULL || hc == NULL)
        return core_op_fail(op, CORE_ECONFLICT, "both organisations' profiles must be published");
    if (core_country_eligible(vc, strlen(vc)) != 1 || core_country_eligible(hc, strlen(hc)) != 1)
        return core_op_fail(op, CORE_ECONFLICT,
                            "both organisations must be in countries eligible for ClusterXchange");
    if (strcmp(vc, hc) == 0)
        return core_op_fail(op, CORE_ECONFLICT, "host and visitor must be in different countries");
    const char *vpid = core_value_get_str(&l.vreg, "profile_id");
    char *vkey = core_arena_printf(a, "xvisits/%s", vpid);
    core_slice other;
    if (core_txn_get(t, CORE_CF_KEYS, (core_slice){vkey, strlen(vkey)}, a, &other) == 0)
        return core_op_fail(op, CORE_ECONFLICT,
                            core_arena_printf(a,
                                              "an organisation visits once: %s already visits in "
                                              "exchange %s (cancel it first to propose another)",
                                              side_name(&l, V), other.ptr));
    span *sp;
    size_t n;
    if ((rc = host_spans(t, NULL, hid, NULL, a, &sp, &n)) != 0)
        return rc;
    int64_t cap = capacity_of(&l.hreg);
    /* a new exchange has no dates yet: it holds a place on every day */
    if ((int64_t)max_overlap(sp, n, INT32_MIN, INT32_MAX) + 1 > cap)
        return core_op_fail(
            op, CORE_ECONFLICT,
            core_arena_printf(a,
                              "the host is at its capacity (%lld exchange%s at once); "
                              "an exchange without dates holds a place on every day",
                              (long long)cap, cap == 1 ? "" : "s"));

    char id[CORE_ID_LEN + 1];
    core_id_new(id);
    int64_t now = core_txn_now(t);
    unsigned proposer = by & V ? V : H;
    core_value rec = core_value_obj();
    core_value_set(a, &rec, "id", core_value_cstr(a, id));
    core_value_set(a, &rec, "visitor", core_value_cstr(a, vid));
    core_value_set(a, &rec, "host", core_value_cstr(a, hid));
    core_value_set(a, &rec, "visitor_profile_id", core_value_cstr(a, vpid));
    core_value_set(a, &rec, "host_profile_id",
                   core_value_cstr(a, core_value_get_str(&l.hreg, "profile_id")));
    core_value_set(a, &rec, "proposed_by", core_value_cstr(a, proposer == V ? "visitor" : "host"));
    core_value_set(a, &rec, "state", core_value_cstr(a, "proposed"));
    core_value_set(a, &rec, "plan", core_value_null());
    core_value_set(a, &rec, "created_by", core_value_cstr(a, op->actor.user_id));
    core_value_set(a, &rec, "created_at", core_value_int(now));
    core_value_set(a, &rec, "updated_at", core_value_int(now));
    push_history(a, &rec, CORE_EXCHANGE_PROPOSED, "propose", op->actor.user_id, now);
    if ((rc = core_record_put(t, CORE_EXCHANGE_KIND, id, &rec, "create")) != 0)
        return rc;
    links_add(t, vid, id, a);
    links_add(t, hid, id, a);
    core_txn_put(t, CORE_CF_KEYS, (core_slice){vkey, strlen(vkey)}, (core_slice){id, strlen(id)});
    l.rec = rec;
    notify_sides(t, &l, op->actor.user_id, "xchange.exchange.proposed",
                 core_arena_printf(a,
                                   "%s proposes a ClusterXchange exchange: %s visits %s. "
                                   "Expected next: %s.",
                                   side_name(&l, (int)proposer), side_name(&l, V), side_name(&l, H),
                                   core_exchange_expected(CORE_EXCHANGE_PROPOSED, proposer, 0, a)),
                 id);
    op->id = core_arena_strndup(op->out, id, strlen(id));
    op->view = view_of(op->out, &l);
    return 0;
}

/* ---- the steps ---- */

/* Reads and checks the plan's body into a stored plan; the dates as days. */
static core_value read_plan(core_exchange_op *op, core_arena *a, const loaded *l, int32_t *start,
                            int32_t *end)
{
    core_fields *f = &op->fields;
    static const char *const known[] = {
        "start_date",        "end_date",         "objectives", "action_plan",
        "expected_outcomes", "responsibilities", "kind",       NULL};
    if (op->body == NULL || op->body->type != CORE_OBJ)
        core_fields_add(f, "body", "must be a JSON object");
    core_check_known(f, op->body, known);
    const char *sd = core_check_string(f, op->body, "start_date", true, 10, 10);
    const char *ed = core_check_string(f, op->body, "end_date", true, 10, 10);
    const char *ap = core_check_string(f, op->body, "action_plan", true, 1, TEXT_MAX);
    const char *eo = core_check_string(f, op->body, "expected_outcomes", true, 1, TEXT_MAX);
    const char *rs = core_check_string(f, op->body, "responsibilities", true, 1, TEXT_MAX);
    const char *kind = core_check_string(f, op->body, "kind", true, 1, 40);
    if (kind != NULL && strcmp(kind, "capacity_building") != 0 &&
        strcmp(kind, "business_collaboration") != 0)
        core_fields_add(f, "kind",
                        strcmp(kind, "internship") == 0 || strcmp(kind, "work_placement") == 0
                            ? "internships and work placements are not ClusterXchange exchanges"
                            : "must be capacity_building or business_collaboration");
    const core_value *obj = core_value_get(op->body, "objectives");
    core_value objectives = core_value_arr();
    if (obj == NULL || obj->type != CORE_ARR || obj->u.arr.len == 0 || obj->u.arr.len > 7)
        core_fields_add(f, "objectives", "must be a list of 1 to 7 ClusterXchange objectives");
    else
        for (size_t i = 0; i < obj->u.arr.len; i++) {
            const core_value *o = &obj->u.arr.items[i];
            if (o->type != CORE_STR ||
                core_vocab_find(CORE_VOCAB_OBJECTIVE, o->u.s.ptr, o->u.s.len) < 0) {
                core_fields_add(f, "objectives",
                                "must be a list of ClusterXchange objectives (see API.md)");
                break;
            }
            core_value_push(a, &objectives, *o);
        }
    *start = sd ? core_xchange_parse_day(sd) : -1;
    *end = ed ? core_xchange_parse_day(ed) : -1;
    if (sd != NULL && *start < 0)
        core_fields_add(f, "start_date", "must be a date such as 2027-05-31");
    if (ed != NULL && *end < 0)
        core_fields_add(f, "end_date", "must be a date such as 2027-05-31");
    if (*start >= 0 && *end >= 0 && core_exchange_check_stay(f, *start, *end) == 0) {
        const core_value *regs[2] = {&l->vreg, &l->hreg};
        static const char *const whose[2] = {"the visitor's", "the host's"};
        for (int s = 0; s < 2; s++) {
            const core_value *w = core_value_get(regs[s], "availability");
            bool inside = false;
            for (size_t i = 0; w && w->type == CORE_ARR && i < w->u.arr.len && !inside; i++) {
                int32_t from =
                    core_xchange_parse_day(core_value_get_str(&w->u.arr.items[i], "from"));
                int32_t to = core_xchange_parse_day(core_value_get_str(&w->u.arr.items[i], "to"));
                inside = from >= 0 && from <= *start && *end <= to;
            }
            if (!inside) {
                core_fields_add(f, "start_date",
                                core_arena_printf(a,
                                                  "the stay must lie within one of %s "
                                                  "availability windows",
                                                  whose[s]));
                break;
            }
        }
    }
    core_value plan = core_value_obj();
    if (core_fields_any(f))
        return plan;
    core_value_set(a, &plan, "start_date", core_value_cstr(a, sd));
    core_value_set(a, &plan, "end_date", core_value_cstr(a, ed));
    core_value_set(a, &plan, "objectives", objectives);
    core_value_set(a, &plan, "action_plan", core_value_cstr(a, ap));
    core_value_set(a, &plan, "expected_outcomes", core_value_cstr(a, eo));
    core_value_set(a, &plan, "responsibilities", core_value_cstr(a, rs));
    core_value_set(a, &plan, "kind", core_value_cstr(a, kind));
    return plan;
}

static core_value read_report(core_exchange_op *op, core_txn *t, core_arena *a)
{
    core_fields *f = &op->fields;
    static const char *const known[] = {"summary", "outcomes", "evidence", NULL};
    if (op->body == NULL || op->body->type != CORE_OBJ)
        core_fields_add(f, "body", "must be a JSON object");
    core_check_known(f, op->body, known);
    const char *summary = core_check_string(f, op->body, "summary", true, 1, TEXT_MAX);
    const char *outcomes = core_check_string(f, op->body, "outcomes", true, 1, TEXT_MAX);
    const core_value *ev = core_value_get(op->body, "evidence");
    core_value evidence = core_value_arr();
    if (ev != NULL && ev->type != CORE_NULL) {
        bool ok = ev->type == CORE_ARR && ev->u.arr.len <= EVIDENCE_MAX;
        for (size_t i = 0; ok && i < ev->u.arr.len; i++) {
            const core_value *e = &ev->u.arr.items[i];
            ok = e->type == CORE_STR && core_id_valid(e->u.s.ptr);
            if (ok)
                core_value_push(a, &evidence, *e);
        }
        if (!ok)
            core_fields_add(f, "evidence", "must be a list of at most 20 attachment ids");
        else
            core_exchange_check_evidence(t, f, &evidence);
    }
    core_value r = core_value_obj();
    if (core_fields_any(f))
        return r;
    core_value_set(a, &r, "summary", core_value_cstr(a, summary));
    core_value_set(a, &r, "outcomes", core_value_cstr(a, outcomes));
    core_value_set(a, &r, "evidence", evidence);
    /* referenced now, so the sweep of unreferenced attachments keeps them */
    for (size_t i = 0; i < evidence.u.arr.len; i++)
        core_attachment_ref(t, evidence.u.arr.items[i].u.s.ptr, "exchange", op->id);
    return r;
}

int core_exchange_step_txn(core_txn *t, void *arg)
{
    core_exchange_op *op = arg;
    core_arena *a = core_txn_arena(t);
    if (op->actor.user_id == NULL)
        return core_op_fail(op, CORE_EUNAUTH, "sign in first");
    loaded l;
    int rc = load(t, NULL, op->id, a, &l);
    if (rc == CORE_ENOTFOUND)
        return core_op_fail(op, rc, "no such exchange");
    if (rc != 0)
        return rc;
    unsigned by = parties(&op->actor, &l.vprof, &l.hprof);
    if ((rc = core_authorize(CORE_ACT_XCHANGE_EXCHANGE_STEP, authz_roles(by, &op->actor))) != 0)
        return core_op_fail(op, rc, rc == CORE_ENOTFOUND ? "no such exchange" : "sign in first");
    int st = core_exchange_state_find(core_value_get_str(&l.rec, "state"));
    if (st < 0)
        return CORE_EINTERNAL;
    unsigned proposer = side_bit(core_value_get_str(&l.rec, "proposed_by"));
    const char *member = op->action == CORE_EXCHANGE_VALIDATE ? "validations"
                         : op->action == CORE_EXCHANGE_SIGN   ? "signatures"
                                                              : NULL;
    unsigned done = member ? done_sides(&l.rec, member) : 0, side = 0;
    if (op->action == CORE_EXCHANGE_VALIDATE) {
        static const char *const known[] = {"side", NULL};
        core_check_known(&op->fields, op->body, known);
        const char *s = core_check_string(&op->fields, op->body, "side", true, 1, 10);
        if (s != NULL && (side = side_bit(s)) == 0)
            core_fields_add(&op->fields, "side", "must be visitor or host");
        if (core_fields_any(&op->fields))
            return core_op_fail(op, CORE_EINVALID, "the validation has errors; see fields");
    }
    core_exchange_state next;
    unsigned sides;
    const char *why;
    rc = core_exchange_transition((core_exchange_state)st, op->action, by, proposer, done, side, a,
                                  &next, &sides, &why);
    if (rc != 0)
        return core_op_fail(op, rc, why);

    int64_t now = core_txn_now(t);
    const char *me = op->actor.user_id;
    switch (op->action) {
    case CORE_EXCHANGE_PLAN: {
        int32_t start, end;
        core_value plan = read_plan(op, a, &l, &start, &end);
        if (core_fields_any(&op->fields))
            return core_op_fail(op, CORE_EINVALID, "the plan has errors; see fields");
        span *sp;
        size_t n;
        if ((rc = host_spans(t, NULL, core_value_get_str(&l.rec, "host"), op->id, a, &sp, &n)) != 0)
            return rc;
        int64_t cap = capacity_of(&l.hreg);
        if ((int64_t)max_overlap(sp, n, start, end) + 1 > cap)
            return core_op_fail(
                op, CORE_ECONFLICT,
                core_arena_printf(a,
                                  "the host is at its capacity (%lld at once) on some "
                                  "of these dates; choose other dates",
                                  (long long)cap));
        core_value_set(a, &plan, "by", core_value_cstr(a, me));
        core_value_set(a, &plan, "at", core_value_int(now));
        core_op_obj_put(a, &l.rec, "plan", plan);
        core_op_obj_put(a, &l.rec, "validations",
                        core_value_obj()); /* a new plan is validated anew */
        break;
    }
    case CORE_EXCHANGE_VALIDATE:
    case CORE_EXCHANGE_SIGN: {
        core_value *m = (core_value *)core_value_get(&l.rec, member);
        if (m == NULL || m->type != CORE_OBJ) {
            core_op_obj_put(a, &l.rec, member, core_value_obj());
            m = (core_value *)core_value_get(&l.rec, member);
        }
        if (sides & V)
            core_op_obj_put(a, m, "visitor", by_at(a, me, now));
        if (sides & H)
            core_op_obj_put(a, m, "host", by_at(a, me, now));
        break;
    }
    case CORE_EXCHANGE_FINANCIAL_AGREEMENT:
        core_op_obj_put(a, &l.rec, "financial_agreement", by_at(a, me, now));
        break;
    case CORE_EXCHANGE_CLOSING_REPORT: {
        core_value r = read_report(op, t, a);
        if (core_fields_any(&op->fields))
            return core_op_fail(op, CORE_EINVALID, "the closing report has errors; see fields");
        core_value_set(a, &r, "by", core_value_cstr(a, me));
        core_value_set(a, &r, "at", core_value_int(now));
        core_op_obj_put(a, &l.rec, "closing_report", r);
        break;
    }
    case CORE_EXCHANGE_CANCEL: {
        static const char *const known[] = {"reason", NULL};
        core_check_known(&op->fields, op->body, known);
        const char *reason =
            core_check_string(&op->fields, op->body, "reason", true, 1, REASON_MAX);
        if (core_fields_any(&op->fields))
            return core_op_fail(op, CORE_EINVALID, "a cancellation needs a reason; see fields");
        core_value c = by_at(a, me, now);
        core_value_set(a, &c, "reason", core_value_cstr(a, reason));
        core_op_obj_put(a, &l.rec, "cancellation", c);
        /* the visitor may visit in another exchange now */
        char *vkey =
            core_arena_printf(a, "xvisits/%s", core_value_get_str(&l.rec, "visitor_profile_id"));
        core_slice cur;
        if (core_txn_get(t, CORE_CF_KEYS, (core_slice){vkey, strlen(vkey)}, a, &cur) == 0 &&
            strcmp(cur.ptr, op->id) == 0)
            core_txn_delete(t, CORE_CF_KEYS, (core_slice){vkey, strlen(vkey)});
        break;
    }
    default:
        if (op->body != NULL && op->body->type == CORE_OBJ && op->body->u.obj.len > 0) {
            core_check_known(&op->fields, op->body, (const char *const[]){NULL});
            return core_op_fail(op, CORE_EINVALID, "this step takes no body; see fields");
        }
        break;
    }
    core_op_obj_put(a, &l.rec, "state", core_value_cstr(a, core_exchange_state_name(next)));
    core_op_obj_put(a, &l.rec, "updated_at", core_value_int(now));
    push_history(a, &l.rec, next, action_names[op->action], me, now);
    if ((rc = core_record_put(t, CORE_EXCHANGE_KIND, op->id, &l.rec, "update")) != 0)
        return rc;
    const char *nexttext =
        core_exchange_expected(next, proposer, member ? done_sides(&l.rec, member) : 0, a);
    notify_sides(t, &l, me, core_arena_printf(a, "xchange.exchange.%s", action_names[op->action]),
                 core_arena_printf(
                     a,
                     "The ClusterXchange exchange of %s visiting %s: %s; it is "
                     "now %s. Expected next: %s.",
                     side_name(&l, V), side_name(&l, H), action_names[op->action],
                     core_exchange_state_name(next),
                     next == (core_exchange_state)st && member
                         ? core_exchange_expected(next, proposer, done_sides(&l.rec, member), a)
                         : nexttext),
                 op->id);
    op->view = view_of(op->out, &l);
    return 0;
}

/* ---- reads ---- */

int core_exchange_read(core_store *s, const core_actor *actor, const char *id, core_arena *a,
                       core_value *view)
{
    loaded l;
    int rc = load(NULL, s, id, a, &l);
    if (rc != 0)
        return rc;
    unsigned by = parties(actor, &l.vprof, &l.hprof);
    if ((rc = core_authorize(CORE_ACT_XCHANGE_EXCHANGE_READ, authz_roles(by, actor))) != 0)
        return rc;
    *view = view_of(a, &l);
    return 0;
}

int core_exchange_list(core_store *s, const core_actor *actor, const char *reg_id, core_arena *a,
                       core_value *list)
{
    core_value reg, prof;
    int rc = load_side(NULL, s, reg_id, a, &reg, &prof);
    if (rc != 0)
        return rc;
    if (reg.type == CORE_NULL)
        return CORE_ENOTFOUND;
    unsigned roles = core_xchange_roles(actor, prof.type == CORE_OBJ ? &prof : NULL);
    if ((rc = core_authorize(CORE_ACT_XCHANGE_EXCHANGE_READ, roles)) != 0)
        return rc;
    const char *ids = links_get(NULL, s, reg_id, a);
    size_t n = strlen(ids) / CORE_ID_LEN;
    *list = core_value_arr();
    for (size_t i = 0; i < n; i++) {
        char *id = core_arena_strndup(a, ids + i * CORE_ID_LEN, CORE_ID_LEN);
        loaded l;
        rc = load(NULL, s, id, a, &l);
        if (rc == CORE_ENOTFOUND)
            continue;
        if (rc != 0)
            return rc;
        core_value_push(a, list, view_of(a, &l));
    }
    return 0;
}
