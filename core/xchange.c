/* xchange.c: see xchange.h. */
#include "core/xchange.h"

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

enum { NOTE_MAX = 2000, MAX_LIST = 64 };

void core_xchange_op_init(core_xchange_op *op, core_arena *out, const core_actor *actor)
{
    core_op_init(op, out, actor);
    op->rec = core_value_null();
}

/* ---- dates ---- */

/* Days since 1970-01-01 of a proleptic Gregorian date (valid y, m, d). */
static int32_t days_from_ymd(int y, int m, int d)
{
    /* Count from 1 March of year 0 so the leap day is the last day of the year. */
    if (m <= 2)
        y -= 1;
    int era = y / 400; /* y >= 0 here */
    int yoe = y - era * 400;
    int mp = (m + 9) % 12; /* March = 0 */
    int doy = (153 * mp + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + doe - 719468);
}

int32_t core_xchange_parse_day(const char *s)
{
    int64_t t;
    if (s == NULL || !core_time_parse(s, true, &t) || t / 86400 > days_from_ymd(2149, 12, 31))
        return -1;
    return (int32_t)(t / 86400);
}

/* ---- validation ---- */

typedef enum list_kind { L_ECOSYSTEM, L_OBJECTIVE, L_LANGUAGE, L_COUNTRY } list_kind;

/* A list of identifiers from a vocabulary, normalised (countries upper case, languages
 * lower case) and without duplicates; adds a reason and returns null on failure. */
static core_value check_list(core_fields *f, core_arena *a, const core_value *body,
                             const char *field, list_kind kind, size_t min_items)
{
    const core_value *v = core_value_get(body, field);
    if (core_op_is_null(v)) {
        if (min_items > 0) {
            core_fields_add(f, field, "is required");
            return core_value_null();
        }
        return core_value_arr();
    }
    if (v->type != CORE_ARR) {
        core_fields_add(f, field, "must be a list");
        return core_value_null();
    }
    if (v->u.arr.len < min_items) {
        core_fields_add(f, field, "must name at least one");
        return core_value_null();
    }
    if (v->u.arr.len > MAX_LIST) {
        core_fields_add(f, field, "is too long");
        return core_value_null();
    }
    core_value out = core_value_arr();
    for (size_t i = 0; i < v->u.arr.len; i++) {
        const core_value *it = &v->u.arr.items[i];
        if (it->type != CORE_STR) {
            core_fields_add(f, field, "must be a list of strings");
            return core_value_null();
        }
        const char *s = it->u.s.ptr;
        size_t len = it->u.s.len;
        const char *canon = NULL;
        switch (kind) {
        case L_ECOSYSTEM:
        case L_OBJECTIVE: {
            core_vocab_kind vk = kind == L_ECOSYSTEM ? CORE_VOCAB_ECOSYSTEM : CORE_VOCAB_OBJECTIVE;
            int idx = core_vocab_find(vk, s, len);
            if (idx < 0) {
                core_fields_add(f, field,
                                core_arena_printf(f->arena, "\"%s\" is not one of the %s", s,
                                                  core_vocab_kind_name(vk)));
                return core_value_null();
            }
            canon = core_vocab_id(vk, (size_t)idx);
            break;
        }
        case L_LANGUAGE: {
            int idx = core_language_find(s, len);
            if (idx < 0) {
                core_fields_add(
                    f, field,
                    core_arena_printf(f->arena, "\"%s\" is not an ISO 639-1 language code", s));
                return core_value_null();
            }
            canon = core_language_at((size_t)idx)->code;
            break;
        }
        case L_COUNTRY: {
            int idx = core_country_find(s, len);
            if (idx < 0) {
                core_fields_add(
                    f, field,
                    core_arena_printf(f->arena, "\"%s\" is not an ISO 3166-1 alpha-2 code", s));
                return core_value_null();
            }
            const core_country *c = core_country_at((size_t)idx);
            if (!c->eligible) {
                core_fields_add(
                    f, field,
                    core_arena_printf(f->arena, "%s is not eligible for ClusterXchange", c->name));
                return core_value_null();
            }
            canon = c->code;
            break;
        }
        }
        for (size_t j = 0; j < out.u.arr.len; j++)
            if (strcmp(out.u.arr.items[j].u.s.ptr, canon) == 0) {
                core_fields_add(f, field, core_arena_printf(f->arena, "lists \"%s\" twice", canon));
                return core_value_null();
            }
        core_value_push(a, &out, core_value_str_ref(canon, strlen(canon)));
    }
    return out;
}

/* An integer member in [lo, hi], or -1 with a reason (absent: reason only if required). */
static int64_t check_int(core_fields *f, const core_value *obj, const char *field,
                         const char *report_as, int64_t lo, int64_t hi, bool required)
{
    const core_value *v = core_value_get(obj, field);
    if (core_op_is_null(v)) {
        if (required)
            core_fields_add(f, report_as, "is required");
        return -1;
    }
    if (v->type != CORE_INT) {
        core_fields_add(f, report_as, "must be a whole number");
        return -1;
    }
    if (v->u.i < lo || v->u.i > hi) {
        core_fields_add(f, report_as,
                        core_arena_printf(f->arena, "must be between %lld and %lld", (long long)lo,
                                          (long long)hi));
        return -1;
    }
    return v->u.i;
}

/* The validated fields of a registration, in the record's form. */
typedef struct reg_fields {
    core_value roles, ecosystems, target_countries, objectives, languages, availability, duration,
        capacity, offer, demand;
    bool host, visitor;
} reg_fields;

static void check_roles(core_fields *f, const core_value *body, reg_fields *r)
{
    const core_value *v = core_value_get(body, "roles");
    r->roles = core_value_null();
    if (core_op_is_null(v)) {
        core_fields_add(f, "roles", "is required: [\"host\"], [\"visitor\"] or both");
        return;
    }
    if (v->type != CORE_ARR || v->u.arr.len == 0 || v->u.arr.len > 2) {
        core_fields_add(f, "roles", "must be [\"host\"], [\"visitor\"] or both");
        return;
    }
    for (size_t i = 0; i < v->u.arr.len; i++) {
        const core_value *it = &v->u.arr.items[i];
        bool *flag = NULL;
        if (it->type == CORE_STR && strcmp(it->u.s.ptr, "host") == 0)
            flag = &r->host;
        else if (it->type == CORE_STR && strcmp(it->u.s.ptr, "visitor") == 0)
            flag = &r->visitor;
        if (flag == NULL || *flag) {
            core_fields_add(f, "roles", "must be [\"host\"], [\"visitor\"] or both");
            r->host = r->visitor = false;
            return;
        }
        *flag = true;
    }
    r->roles = core_value_arr();
    if (r->host)
        core_value_push(f->arena, &r->roles, core_value_str_ref("host", 4));
    if (r->visitor)
        core_value_push(f->arena, &r->roles, core_value_str_ref("visitor", 7));
}

static void check_availability(core_fields *f, core_arena *a, const core_value *body, int32_t today,
                               int64_t min_days, reg_fields *r)
{
    const core_value *v = core_value_get(body, "availability");
    r->availability = core_value_null();
    if (core_op_is_null(v)) {
        core_fields_add(f, "availability", "is required: [{\"from\":\"YYYY-MM-DD\",\"to\":...}]");
        return;
    }
    if (v->type != CORE_ARR || v->u.arr.len == 0) {
        core_fields_add(f, "availability", "must be a list of one or more {from, to} windows");
        return;
    }
    if (v->u.arr.len > CORE_XCHANGE_MAX_WINDOWS) {
        core_fields_add(
            f, "availability",
            core_arena_printf(f->arena, "must have at most %d windows", CORE_XCHANGE_MAX_WINDOWS));
        return;
    }
    core_value out = core_value_arr();
    bool long_enough = false;
    for (size_t i = 0; i < v->u.arr.len; i++) {
        const core_value *w = &v->u.arr.items[i];
        const char *from = core_value_get_str(w, "from"), *to = core_value_get_str(w, "to");
        if (w->type != CORE_OBJ || w->u.obj.len != 2 || from == NULL || to == NULL) {
            core_fields_add(f, "availability",
                            "each window must be {\"from\":\"YYYY-MM-DD\",\"to\":\"YYYY-MM-DD\"}");
            return;
        }
        int32_t df = core_xchange_parse_day(from), dt = core_xchange_parse_day(to);
        if (df < 0 || dt < 0) {
            core_fields_add(f, "availability", "dates must be real dates written YYYY-MM-DD");
            return;
        }
        if (df > dt) {
            core_fields_add(f, "availability", "a window's from must not be after its to");
            return;
        }
        if (df <= today) {
            core_fields_add(f, "availability", "windows must start in the future");
            return;
        }
        if (min_days > 0 && dt - df + 1 >= min_days)
            long_enough = true;
        core_value o = core_value_obj();
        char day[CORE_TIME_RFC3339_LEN + 1]; /* kept as the plain date of the UTC day */
        core_time_format((int64_t)df * 86400, day);
        core_value_set(a, &o, "from", core_value_str(a, day, 10));
        core_time_format((int64_t)dt * 86400, day);
        core_value_set(a, &o, "to", core_value_str(a, day, 10));
        core_value_push(a, &out, o);
    }
    if (min_days > 0 && !long_enough) {
        core_fields_add(f, "availability",
                        "no window is long enough for the shortest stay (duration_days.min)");
        return;
    }
    r->availability = out;
}

static core_value check_text(core_fields *f, core_arena *a, const core_value *body,
                             const char *field)
{
    const char *s = core_check_string(f, body, field, false, 0, CORE_XCHANGE_TEXT_MAX);
    return s != NULL ? core_value_cstr(a, s) : core_value_null();
}

/* Validates everything but profile_id; reasons go to f. Availability windows must start
 * after `today` (days since 1970; INT32_MIN accepts any date, for stored records). */
static void check_body(core_fields *f, const core_value *body, core_arena *a, int32_t today,
                       reg_fields *r)
{
    memset(r, 0, sizeof(*r));
    check_roles(f, body, r);
    r->ecosystems = check_list(f, a, body, "ecosystems", L_ECOSYSTEM, 1);
    r->target_countries = check_list(f, a, body, "target_countries", L_COUNTRY, 0);
    r->objectives = check_list(f, a, body, "objectives", L_OBJECTIVE, 1);
    r->languages = check_list(f, a, body, "languages", L_LANGUAGE, 1);

    const core_value *dur = core_value_get(body, "duration_days");
    int64_t dmin = -1, dmax = -1;
    r->duration = core_value_null();
    if (core_op_is_null(dur))
        core_fields_add(f, "duration_days", "is required: {\"min\":3,\"max\":31}");
    else if (dur->type != CORE_OBJ)
        core_fields_add(f, "duration_days", "must be {\"min\":days,\"max\":days}");
    else {
        static const char *const known[] = {"min", "max", NULL};
        core_fields sub;
        core_fields_init(&sub, f->arena);
        core_check_known(&sub, dur, known);
        if (core_fields_any(&sub))
            core_fields_add(f, "duration_days", "must be {\"min\":days,\"max\":days}");
        dmin = check_int(f, dur, "min", "duration_days.min", CORE_XCHANGE_MIN_DAYS,
                         CORE_XCHANGE_MAX_DAYS, true);
        dmax = check_int(f, dur, "max", "duration_days.max", CORE_XCHANGE_MIN_DAYS,
                         CORE_XCHANGE_MAX_DAYS, true);
        if (dmin > 0 && dmax > 0 && dmin > dmax)
            core_fields_add(f, "duration_days", "min must not be more than max");
        else if (dmin > 0 && dmax > 0) {
            r->duration = core_value_obj();
            core_value_set(a, &r->duration, "min", core_value_int(dmin));
            core_value_set(a, &r->duration, "max", core_value_int(dmax));
        }
    }
    check_availability(f, a, body, today, dmin, r);

    r->capacity = core_value_null();
    if (r->host) {
        int64_t cap = check_int(f, body, "host_capacity", "host_capacity", 1,
                                CORE_XCHANGE_MAX_CAPACITY, true);
        if (cap > 0)
            r->capacity = core_value_int(cap);
    } else if (r->visitor && !core_op_is_null(core_value_get(body, "host_capacity"))) {
        core_fields_add(f, "host_capacity", "only hosts have a capacity");
    }
    r->offer = check_text(f, a, body, "offer");
    r->demand = check_text(f, a, body, "demand");
}

/* ---- keys ---- */

static bool has_role(const core_value *rec, const char *role)
{
    const core_value *roles = core_value_get(rec, "roles");
    for (size_t i = 0; roles != NULL && roles->type == CORE_ARR && i < roles->u.arr.len; i++)
        if (roles->u.arr.items[i].type == CORE_STR &&
            strcmp(roles->u.arr.items[i].u.s.ptr, role) == 0)
            return true;
    return false;
}

int core_xchange_keys_add(core_txn *t, const core_value *rec)
{
    core_arena *a = core_txn_arena(t);
    const char *id = core_value_get_str(rec, "id"), *pid = core_value_get_str(rec, "profile_id");
    bool visitor = has_role(rec, "visitor");
    /* An organisation visits once: one visitor registration per profile, unless the one it
     * has was rejected. */
    char *vkey = core_arena_printf(a, "xvisitor/%s", pid);
    if (visitor) {
        core_slice prev;
        int rc = core_txn_get(t, CORE_CF_KEYS, (core_slice){vkey, strlen(vkey)}, a, &prev);
        if (rc == 0) {
            core_value old;
            rc = core_record_get_txn(t, CORE_XCHANGE_KIND, prev.ptr, a, &old);
            const char *st = rc == 0 ? core_value_get_str(&old, "state") : NULL;
            if (rc == 0 && (st == NULL || strcmp(st, "rejected") != 0))
                return CORE_ECONFLICT;
            if (rc != 0 && rc != CORE_ENOTFOUND)
                return rc;
        } else if (rc != CORE_ENOTFOUND) {
            return rc;
        }
        core_op_put_key(t, vkey, id);
    }
    core_op_put_key(t, core_arena_printf(a, "xprofile/%s/%s", pid, id), "");
    return 0;
}

/* ---- stored records (import) ---- */

static const char *const record_fields[] = {"id",
                                            "profile_id",
                                            "state",
                                            "roles",
                                            "ecosystems",
                                            "target_countries",
                                            "objectives",
                                            "languages",
                                            "availability",
                                            "duration_days",
                                            "host_capacity",
                                            "offer",
                                            "demand",
                                            "created_by",
                                            "created_at",
                                            "updated_at",
                                            "decision",
                                            NULL};

static void check_id(core_fields *f, const core_value *rec, const char *field)
{
    const char *s = core_value_get_str(rec, field);
    if (s == NULL || !core_id_valid(s))
        core_fields_add(f, field, "must be a record id (26 characters)");
}

static void check_time(core_fields *f, const core_value *obj, const char *field,
                       const char *report_as)
{
    const core_value *v = core_value_get(obj, field);
    if (v == NULL || v->type != CORE_INT || v->u.i < 0)
        core_fields_add(f, report_as, "must be a time in Unix seconds");
}

/* The moderator's decision: null while pending, else {decision, note, by, at} agreeing
 * with the state. */
static void check_decision(core_fields *f, const core_value *rec, const char *state)
{
    const core_value *d = core_value_get(rec, "decision");
    bool pending = strcmp(state, "pending") == 0;
    if (pending) {
        if (!core_op_is_null(d))
            core_fields_add(f, "decision", "must be null while the registration is pending");
        return;
    }
    static const char *const known[] = {"decision", "note", "by", "at", NULL};
    const char *want = strcmp(state, "accepted") == 0 ? "accept" : "reject";
    const char *got = core_value_get_str(d, "decision");
    core_fields sub;
    core_fields_init(&sub, f->arena);
    if (d != NULL && d->type == CORE_OBJ)
        core_check_known(&sub, d, known);
    if (d == NULL || d->type != CORE_OBJ || core_fields_any(&sub) || got == NULL ||
        strcmp(got, want) != 0) {
        core_fields_add(
            f, "decision",
            core_arena_printf(f->arena, "must be {\"decision\":\"%s\", note, by, at}", want));
        return;
    }
    core_check_string(&sub, d, "note", false, 1, NOTE_MAX);
    check_id(&sub, d, "by");
    check_time(&sub, d, "at", "at");
    for (size_t i = 0; i < sub.obj.u.obj.len; i++)
        core_fields_add(f,
                        core_arena_printf(f->arena, "decision.%s", sub.obj.u.obj.items[i].key.ptr),
                        sub.obj.u.obj.items[i].value.u.s.ptr);
}

/* A validated field must be stored exactly as creation stores it (canonical codes, no
 * duplicates, null for what is absent). */
static void check_canonical(core_fields *f, const core_value *rec, const char *field,
                            const core_value *canonical)
{
    const core_value *v = core_value_get(rec, field);
    core_value null = core_value_null();
    if (!core_value_equal(v != NULL ? v : &null, canonical))
        core_fields_add(f, field, "is not in the form eccpd stores (codes as API.md spells them)");
}

void core_xchange_validate_record(core_fields *f, core_arena *a, const core_value *rec)
{
    if (rec == NULL || rec->type != CORE_OBJ) {
        core_fields_add(f, "record", "must be an object");
        return;
    }
    core_check_known(f, rec, record_fields);
    check_id(f, rec, "id");
    check_id(f, rec, "profile_id");
    check_id(f, rec, "created_by");
    check_time(f, rec, "created_at", "created_at");
    check_time(f, rec, "updated_at", "updated_at");
    const char *state = core_value_get_str(rec, "state");
    if (state == NULL || (strcmp(state, "pending") != 0 && strcmp(state, "accepted") != 0 &&
                          strcmp(state, "rejected") != 0))
        core_fields_add(f, "state", "must be pending, accepted or rejected");
    else
        check_decision(f, rec, state);
    /* The preferences as creation checks them, but for the dates: windows that were in the
     * future when the registration was made may have passed since. */
    reg_fields r;
    core_fields sub;
    core_fields_init(&sub, f->arena);
    check_body(&sub, rec, a, INT32_MIN, &r);
    for (size_t i = 0; i < sub.obj.u.obj.len; i++)
        core_fields_add(f, sub.obj.u.obj.items[i].key.ptr, sub.obj.u.obj.items[i].value.u.s.ptr);
    if (core_fields_any(&sub))
        return;
    check_canonical(f, rec, "roles", &r.roles);
    check_canonical(f, rec, "ecosystems", &r.ecosystems);
    check_canonical(f, rec, "target_countries", &r.target_countries);
    check_canonical(f, rec, "objectives", &r.objectives);
    check_canonical(f, rec, "languages", &r.languages);
    check_canonical(f, rec, "availability", &r.availability);
    check_canonical(f, rec, "duration_days", &r.duration);
    check_canonical(f, rec, "host_capacity", &r.capacity);
    check_canonical(f, rec, "offer", &r.offer);
    check_canonical(f, rec, "demand", &r.demand);
}

/* ---- create ---- */

static const char *authz_message(int rc)
{
    return rc == CORE_EUNAUTH     ? "sign in first"
           : rc == CORE_ENOTFOUND ? "no such registration"
                                  : "you may not do this to this registration";
}

static const char *const known_fields[] = {
    "profile_id",    "roles",     "ecosystems",   "target_countries",
    "objectives",    "languages", "availability", "duration_days",
    "host_capacity", "offer",     "demand",       NULL};

int core_xchange_create_txn(core_txn *t, void *arg)
{
    core_xchange_op *op = arg;
    core_arena *a = core_txn_arena(t);
    if (op->actor.user_id == NULL)
        return core_op_fail(op, CORE_EUNAUTH, "sign in first");
    if (op->body == NULL || op->body->type != CORE_OBJ) {
        core_fields_add(&op->fields, "body", "must be a JSON object");
        return core_op_fail(op, CORE_EINVALID, "the registration has errors; see fields");
    }
    core_check_known(&op->fields, op->body, known_fields);

    /* The profile: its admins decide who may register it. */
    const char *pid = core_check_string(&op->fields, op->body, "profile_id", true, 1, 64);
    core_value prof = core_value_null();
    if (pid != NULL) {
        int rc =
            core_id_valid(pid) ? core_record_get_txn(t, "profile", pid, a, &prof) : CORE_ENOTFOUND;
        if (rc == CORE_ENOTFOUND)
            core_fields_add(&op->fields, "profile_id", "no such profile");
        else if (rc != 0)
            return rc;
        else {
            rc = core_authorize(CORE_ACT_XCHANGE_REGISTER, core_profile_roles(&op->actor, &prof));
            if (rc != 0)
                return core_op_fail(
                    op, rc == CORE_ENOTFOUND ? CORE_EFORBIDDEN : rc,
                    "only an admin of the profile may register it for ClusterXchange");
            if (!core_profile_is_public(core_txn_store(t), &prof, a))
                core_fields_add(&op->fields, "profile_id", "must be a published profile");
            else {
                const char *cc = core_value_get_str(core_value_get(&prof, "published"), "country");
                if (cc == NULL || core_country_eligible(cc, strlen(cc)) != 1)
                    core_fields_add(&op->fields, "profile_id",
                                    core_arena_printf(op->out,
                                                      "the organisation's country (%s) is not "
                                                      "eligible for ClusterXchange",
                                                      cc ? cc : "none"));
            }
        }
    }
    int32_t today = (int32_t)(core_txn_now(t) / 86400);
    reg_fields r;
    check_body(&op->fields, op->body, a, today, &r);
    if (core_fields_any(&op->fields))
        return core_op_fail(op, CORE_EINVALID, "the registration has errors; see fields");

    char id[CORE_ID_LEN + 1];
    core_id_new(id);
    int64_t now = core_txn_now(t);
    core_value rec = core_value_obj();
    core_value_set(a, &rec, "id", core_value_cstr(a, id));
    core_value_set(a, &rec, "profile_id", core_value_cstr(a, pid));
    core_value_set(a, &rec, "state", core_value_str_ref("pending", 7));
    core_value_set(a, &rec, "roles", r.roles);
    core_value_set(a, &rec, "ecosystems", r.ecosystems);
    core_value_set(a, &rec, "target_countries", r.target_countries);
    core_value_set(a, &rec, "objectives", r.objectives);
    core_value_set(a, &rec, "languages", r.languages);
    core_value_set(a, &rec, "availability", r.availability);
    core_value_set(a, &rec, "duration_days", r.duration);
    core_value_set(a, &rec, "host_capacity", r.capacity);
    core_value_set(a, &rec, "offer", r.offer);
    core_value_set(a, &rec, "demand", r.demand);
    core_value_set(a, &rec, "created_by", core_value_cstr(a, op->actor.user_id));
    core_value_set(a, &rec, "created_at", core_value_int(now));
    core_value_set(a, &rec, "updated_at", core_value_int(now));
    core_value_set(a, &rec, "decision", core_value_null());
    int rc = core_xchange_keys_add(t, &rec);
    if (rc == CORE_ECONFLICT)
        return core_op_fail(op, rc,
                            "this organisation already has a visitor registration; an organisation "
                            "visits once");
    if (rc == 0)
        rc = core_record_put(t, CORE_XCHANGE_KIND, id, &rec, "create");
    if (rc != 0)
        return rc;
    op->id = core_arena_strndup(op->out, id, CORE_ID_LEN);
    op->rec = core_value_copy(op->out, &rec);
    return 0;
}

/* ---- decision ---- */

unsigned core_xchange_roles(const core_actor *actor, const core_value *profile)
{
    return core_profile_roles(actor, profile);
}

int core_xchange_decide_txn(core_txn *t, void *arg)
{
    core_xchange_op *op = arg;
    core_arena *a = core_txn_arena(t);
    core_value rec, prof = core_value_null();
    int rc = core_id_valid(op->id) ? core_record_get_txn(t, CORE_XCHANGE_KIND, op->id, a, &rec)
                                   : CORE_ENOTFOUND;
    if (rc == CORE_ENOTFOUND)
        return core_op_fail(op, rc, "no such registration");
    if (rc != 0)
        return rc;
    const char *pid = core_value_get_str(&rec, "profile_id");
    rc = core_record_get_txn(t, "profile", pid, a, &prof);
    if (rc != 0 && rc != CORE_ENOTFOUND)
        return rc;
    bool have_prof = rc == 0;
    if (!have_prof)
        prof = core_value_null();
    unsigned roles = core_xchange_roles(&op->actor, have_prof ? &prof : NULL);
    /* Those who may not even see the registration are told it does not exist. */
    if ((rc = core_authorize(CORE_ACT_XCHANGE_READ, roles)) != 0 ||
        (rc = core_authorize(CORE_ACT_XCHANGE_DECIDE, roles)) != 0)
        return core_op_fail(op, rc,
                            rc == CORE_EFORBIDDEN ? "only a moderator decides on registrations"
                                                  : authz_message(rc));
    static const char *const known[] = {"decision", "note", NULL};
    core_check_known(&op->fields, op->body, known);
    const char *decision = core_check_string(&op->fields, op->body, "decision", true, 1, 20);
    if (decision != NULL && strcmp(decision, "accept") != 0 && strcmp(decision, "reject") != 0)
        core_fields_add(&op->fields, "decision", "must be accept or reject");
    const char *note = core_check_string(&op->fields, op->body, "note", false, 1, NOTE_MAX);
    if (core_fields_any(&op->fields))
        return core_op_fail(op, CORE_EINVALID, "the decision has errors; see fields");
    const char *state = core_value_get_str(&rec, "state");
    if (state == NULL || strcmp(state, "pending") != 0)
        return core_op_fail(
            op, CORE_ECONFLICT,
            core_arena_printf(a, "the registration is already %s", state ? state : "?"));

    bool accept = strcmp(decision, "accept") == 0;
    int64_t now = core_txn_now(t);
    core_op_obj_put(a, &rec, "state",
                    accept ? core_value_str_ref("accepted", 8) : core_value_str_ref("rejected", 8));
    core_value d = core_value_obj();
    core_value_set(a, &d, "decision", core_value_cstr(a, decision));
    core_value_set(a, &d, "note", note ? core_value_cstr(a, note) : core_value_null());
    core_value_set(a, &d, "by", core_value_cstr(a, op->actor.user_id));
    core_value_set(a, &d, "at", core_value_int(now));
    core_op_obj_put(a, &rec, "decision", d);
    core_op_obj_put(a, &rec, "updated_at", core_value_int(now));

    const char *name = NULL;
    if (have_prof)
        name = core_value_get_str(core_value_get(&prof, "published"), "name");
    const char *text = core_arena_printf(
        a, "The ClusterXchange registration of \"%s\" was %s.%s%s", name ? name : pid,
        accept ? "accepted: it now appears in best matches" : "rejected",
        note ? "\n\nNote from the moderator: " : "", note ? note : "");
    const core_value *admins = have_prof ? core_value_get(&prof, "admins") : NULL;
    for (size_t i = 0; admins && admins->type == CORE_ARR && i < admins->u.arr.len; i++)
        core_notify(t, admins->u.arr.items[i].u.s.ptr,
                    accept ? "xchange.accepted" : "xchange.rejected",
                    accept ? "Your ClusterXchange registration is accepted"
                           : "Your ClusterXchange registration was rejected",
                    text, op->id);
    if ((rc = core_record_put(t, CORE_XCHANGE_KIND, op->id, &rec, "update")) != 0)
        return rc;
    op->rec = core_value_copy(op->out, &rec);
    return 0;
}

/* ---- reads ---- */

int core_xchange_get(core_store *s, const char *id, core_arena *a, core_value *rec)
{
    if (id == NULL || !core_id_valid(id))
        return CORE_ENOTFOUND;
    return core_record_get(s, CORE_XCHANGE_KIND, id, a, rec);
}

core_value core_xchange_view(core_arena *a, const core_value *rec)
{
    core_value v = core_value_obj();
    for (size_t i = 0; rec != NULL && rec->type == CORE_OBJ && i < rec->u.obj.len; i++) {
        const core_member *m = &rec->u.obj.items[i];
        if (m->key.len == 1 && m->key.ptr[0] == 'v') /* the schema version */
            continue;
        core_value_set_copy(a, &v, m->key.ptr, m->key.len, m->value);
    }
    return core_value_times(a, &v);
}

core_value core_xchange_list_for_user(core_store *s, const char *user_id, core_arena *a)
{
    core_value out = core_value_arr();
    char *prefix = core_arena_printf(a, "padmin/%s/", user_id);
    size_t plen = strlen(prefix);
    core_iter *it = core_store_iter_prefix(s, CORE_CF_KEYS, (core_slice){prefix, plen});
    core_slice k, v;
    while (core_iter_next(it, &k, &v)) {
        char *pid = core_arena_strndup(a, k.ptr + plen, k.len - plen);
        char *xp = core_arena_printf(a, "xprofile/%s/", pid);
        size_t xlen = strlen(xp);
        core_iter *xi = core_store_iter_prefix(s, CORE_CF_KEYS, (core_slice){xp, xlen});
        core_slice xk, xv;
        while (core_iter_next(xi, &xk, &xv)) {
            char *rid = core_arena_strndup(a, xk.ptr + xlen, xk.len - xlen);
            core_value rec;
            if (core_xchange_get(s, rid, a, &rec) != 0)
                continue;
            core_value e = core_value_obj();
            static const char *const keep[] = {"id", "profile_id", "roles", "state", "created_at"};
            for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
                const core_value *m = core_value_get(&rec, keep[i]);
                if (m != NULL)
                    core_value_set(a, &e, keep[i], *m);
            }
            core_value_push(a, &out, core_value_times(a, &e));
        }
        core_iter_free(xi);
    }
    core_iter_free(it);
    return out;
}

/* ---- matching rules ---- */

static bool reg_has_role(const core_value *rec, const char *role)
{
    const core_value *roles = core_value_get(rec, "roles");
    for (size_t i = 0; roles && roles->type == CORE_ARR && i < roles->u.arr.len; i++)
        if (roles->u.arr.items[i].type == CORE_STR &&
            strcmp(roles->u.arr.items[i].u.s.ptr, role) == 0)
            return true;
    return false;
}

int core_xchange_matches_query(const core_value *rec, const char *role, const char *limit,
                               core_arena *a, const char **role_out, size_t *limit_out,
                               const char **why)
{
    *why = NULL;
    if (role == NULL)
        role = reg_has_role(rec, "visitor") ? "visitor" : "host";
    if (strcmp(role, "visitor") != 0 && strcmp(role, "host") != 0) {
        *why = "role is visitor or host";
        return CORE_EBADREQ;
    }
    if (!reg_has_role(rec, role)) {
        *why = core_arena_printf(a, "this registration is not registered as a %s", role);
        return CORE_EBADREQ;
    }
    long n = CORE_XCHANGE_MATCHES_DEFAULT;
    if (limit != NULL) {
        char *end;
        n = strtol(limit, &end, 10);
        if (*limit == '\0' || *end != '\0' || n < 1 || n > CORE_XCHANGE_MATCHES_MAX) {
            *why = "limit is a whole number from 1 to 100";
            return CORE_EBADREQ;
        }
    }
    const char *state = core_value_get_str(rec, "state");
    if (state == NULL || strcmp(state, "accepted") != 0) {
        *why = core_arena_printf(a,
                                 "the registration is %s: matches are shown once a moderator "
                                 "has accepted it",
                                 state ? state : "unknown");
        return CORE_ECONFLICT;
    }
    *role_out = role;
    *limit_out = (size_t)n;
    return 0;
}

void core_xchange_batch_parse(const core_value *body, core_fields *f, core_arena *a,
                              const char ***only, size_t *n_only, int *min_score)
{
    static const char *const known[] = {"registrations", "min_score", NULL};
    *only = NULL;
    *n_only = 0;
    *min_score = 0;
    if (body != NULL && body->type != CORE_OBJ)
        core_fields_add(f, "body", "must be a JSON object");
    core_check_known(f, body, known);
    const core_value *ms = core_value_get(body, "min_score");
    if (ms != NULL && ms->type != CORE_NULL) {
        if (ms->type != CORE_INT || ms->u.i < 0 || ms->u.i > CORE_XCHANGE_BATCH_MAX_SCORE)
            core_fields_add(f, "min_score", "must be a whole number from 0 to 10000");
        else
            *min_score = (int)ms->u.i;
    }
    const core_value *regs = core_value_get(body, "registrations");
    if (regs == NULL || regs->type == CORE_NULL)
        return;
    if (regs->type != CORE_ARR || regs->u.arr.len > CORE_XCHANGE_BATCH_MAX_IDS) {
        core_fields_add(f, "registrations", "must be a list of registration ids");
        return;
    }
    const char **ids = core_arena_alloc(a, (regs->u.arr.len + 1) * sizeof(char *));
    for (size_t i = 0; i < regs->u.arr.len; i++) {
        if (regs->u.arr.items[i].type != CORE_STR) {
            core_fields_add(f, "registrations", "must be a list of registration ids");
            break;
        }
        ids[(*n_only)++] = regs->u.arr.items[i].u.s.ptr;
    }
    *only = ids;
}

/* ---- lists ---- */

/* One list item: the registration with its profile's name and country (the published
 * ones, else the draft's). */
static core_value list_item(core_store *s, const core_value *rec, core_arena *a)
{
    core_value e = core_value_obj(), p = core_value_obj(), prof;
    const char *pid = core_value_get_str(rec, "profile_id");
    core_value_set(a, &e, "id", core_value_cstr(a, core_value_get_str(rec, "id")));
    core_value_set(a, &p, "id", pid ? core_value_cstr(a, pid) : core_value_null());
    const char *name = NULL, *country = NULL;
    if (pid != NULL && core_profile_get(s, pid, a, &prof) == 0) {
        const core_value *w = core_value_get(&prof, "published");
        if (w == NULL || w->type != CORE_OBJ)
            w = core_value_get(&prof, "draft");
        name = core_value_get_str(w, "name");
        country = core_value_get_str(w, "country");
    }
    core_value_set(a, &p, "name", name ? core_value_cstr(a, name) : core_value_null());
    core_value_set(a, &p, "country", country ? core_value_cstr(a, country) : core_value_null());
    core_value_set(a, &e, "profile", p);
    const core_value *roles = core_value_get(rec, "roles");
    core_value_set(a, &e, "roles", roles ? core_value_copy(a, roles) : core_value_arr());
    core_value_set(a, &e, "state", core_value_cstr(a, core_value_get_str(rec, "state")));
    const core_value *at = core_value_get(rec, "created_at");
    core_value_set(a, &e, "created_at",
                   at && at->type == CORE_INT ? core_value_time(a, at->u.i) : core_value_null());
    return e;
}

static int cmp_ids(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

int core_xchange_list(core_store *s, const core_actor *actor, const char *state, size_t page,
                      size_t per_page, core_arena *a, core_value *out)
{
    if (state != NULL && strcmp(state, "pending") != 0 && strcmp(state, "accepted") != 0 &&
        strcmp(state, "rejected") != 0)
        return CORE_EBADREQ;
    if (actor->user_id == NULL)
        return CORE_EUNAUTH;
    core_value items = core_value_arr();
    size_t total = 0, skip = (page - 1) * per_page;
    core_slice k, v;
    if (actor->moderator) {
        /* ids are time ordered: key order is oldest first */
        core_iter *it =
            core_store_iter_prefix(s, CORE_CF_RECORDS, CORE_SLICE_LIT(CORE_XCHANGE_KIND "/"));
        while (core_iter_next(it, &k, &v)) {
            core_value rec;
            if (core_record_decode(a, v, &rec) != 0)
                continue;
            const char *st = core_value_get_str(&rec, "state");
            if (state != NULL && (st == NULL || strcmp(st, state) != 0))
                continue;
            size_t i = total++;
            if (i >= skip && i < skip + per_page)
                core_value_push(a, &items, list_item(s, &rec, a));
        }
        core_iter_free(it);
    } else {
        /* the registrations of the profiles the caller administers, in id order */
        core_value mine = core_xchange_list_for_user(s, actor->user_id, a);
        size_t n = mine.u.arr.len;
        const char **ids = core_arena_alloc(a, (n + 1) * sizeof(*ids));
        for (size_t i = 0; i < n; i++)
            ids[i] = core_value_get_str(&mine.u.arr.items[i], "id");
        qsort(ids, n, sizeof(*ids), cmp_ids);
        for (size_t i = 0; i < n; i++) {
            core_value rec;
            if (core_xchange_get(s, ids[i], a, &rec) != 0)
                continue;
            const char *st = core_value_get_str(&rec, "state");
            if (state != NULL && (st == NULL || strcmp(st, state) != 0))
                continue;
            size_t j = total++;
            if (j >= skip && j < skip + per_page)
                core_value_push(a, &items, list_item(s, &rec, a));
        }
    }
    *out = core_value_obj();
    core_value_set(a, out, "total", core_value_int((int64_t)total));
    core_value_set(a, out, "items", items);
    return 0;
}

void core_xchange_catalogue_fields(core_arena *a, const core_value *rec, core_value *into)
{
    static const char *const shown[] = {"roles", "ecosystems", "objectives",  "languages",
                                        "offer", "demand",     "availability"};
    for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]); i++) {
        const core_value *m = rec ? core_value_get(rec, shown[i]) : NULL;
        core_value_set(a, into, shown[i], m ? core_value_copy(a, m) : core_value_null());
    }
}

unsigned core_xchange_role_sides(const char *role)
{
    bool both = strcmp(role, "host_and_visitor") == 0;
    return (both || strcmp(role, "host") == 0 ? CORE_XCHANGE_SIDE_HOST : 0) |
           (both || strcmp(role, "visitor") == 0 ? CORE_XCHANGE_SIDE_VISITOR : 0);
}
