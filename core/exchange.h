/*
 * exchange.h: a ClusterXchange exchange from proposal to closing report (API.md,
 * ClusterXchange, "Exchanges"; issue 17), and the scheme's rules in one place.
 *
 * An exchange record (kind "xchange_exchange") pairs a visitor registration with a host
 * registration. Its life is one table in exchange.c, state x action -> who may act, the
 * next state:
 *
 *   proposed -agree-> agreed -plan-> plan_submitted -validate(both sides)-> validated
 *   -sign(both sides)-> signed -financial_agreement-> ready -start-> in_progress
 *   -closing_report-> report_submitted -complete-> completed,
 *   and cancel (with a reason) from any state before in_progress -> cancelled.
 *
 * A step that the table does not allow in the current state, or that is already done for
 * its side, fails with CORE_ECONFLICT and a message naming what is expected next and from
 * whom; a caller who is a party but not the one the step is for gets CORE_EFORBIDDEN; a
 * caller who is no party (neither side's admin nor a moderator) gets CORE_ENOTFOUND.
 * Every step appends {state, action, at, by} to the record's history.
 *
 * The scheme's rules (checked inside the write, so concurrent requests cannot race past
 * them: the store's committer serialises writes):
 *   - both registrations accepted, with the roles they play; the two profiles in
 *     different countries, both eligible;
 *   - an organisation (profile) visits once: one exchange as visitor that is not
 *     cancelled (key xvisits/<profile>);
 *   - a host's exchanges that are not cancelled never exceed its host_capacity on any
 *     day; an exchange without dates yet holds a place on every day (it may fall on any);
 *   - a stay lasts from 3 working days to one month (31 days) and lies within one
 *     availability window of each registration; the plan's kind is capacity_building or
 *     business_collaboration (internships and work placements are refused);
 *   - the visitor's lump sum comes from the per-country table core/data/lump_sums.tsv (by
 *     the host's country, where the stay is), halved for stays under 5 working days or for
 *     organisations under 200 km apart.
 *
 * Keys (keys family), written with the record:
 *   xexch/<registration>  -> the ids of its exchanges, concatenated (26 characters each)
 *   xvisits/<profile>     -> the exchange in which the profile visits (while not cancelled)
 */
#ifndef ECCPD_CORE_EXCHANGE_H
#define ECCPD_CORE_EXCHANGE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/check.h"
#include "core/profile.h"
#include "core/store.h"
#include "core/value.h"

#define CORE_EXCHANGE_KIND "xchange_exchange" /* the record kind */

typedef enum core_exchange_state {
    CORE_EXCHANGE_PROPOSED,
    CORE_EXCHANGE_AGREED,
    CORE_EXCHANGE_PLAN_SUBMITTED,
    CORE_EXCHANGE_VALIDATED,
    CORE_EXCHANGE_SIGNED,
    CORE_EXCHANGE_READY,
    CORE_EXCHANGE_IN_PROGRESS,
    CORE_EXCHANGE_REPORT_SUBMITTED,
    CORE_EXCHANGE_COMPLETED,
    CORE_EXCHANGE_CANCELLED,
    CORE_EXCHANGE__STATES
} core_exchange_state;

typedef enum core_exchange_action {
    CORE_EXCHANGE_AGREE,
    CORE_EXCHANGE_PLAN,
    CORE_EXCHANGE_VALIDATE,
    CORE_EXCHANGE_SIGN,
    CORE_EXCHANGE_FINANCIAL_AGREEMENT,
    CORE_EXCHANGE_START,
    CORE_EXCHANGE_CLOSING_REPORT,
    CORE_EXCHANGE_COMPLETE,
    CORE_EXCHANGE_CANCEL,
    CORE_EXCHANGE__ACTIONS
} core_exchange_action;

/* Who a caller is for one exchange (bits). */
enum {
    CORE_EXCHANGE_BY_VISITOR = 1 << 0,   /* an admin of the visitor's profile */
    CORE_EXCHANGE_BY_HOST = 1 << 1,      /* an admin of the host's profile */
    CORE_EXCHANGE_BY_MODERATOR = 1 << 2, /* a moderator (a partnership contact point) */
};

/* The state's name ("plan_submitted"), and back (-1 when unknown). */
const char *core_exchange_state_name(core_exchange_state s);
int core_exchange_state_find(const char *name);
/* The action's name as the API spells the step ("financial-agreement"). */
const char *core_exchange_action_name(core_exchange_action a);

/* The state machine, for a caller whose parties are `by` (CORE_EXCHANGE_BY_* bits), on
 * an exchange in state s that was proposed by side `proposer` (CORE_EXCHANGE_BY_VISITOR
 * or _HOST), where `done` holds the sides (BY_VISITOR, BY_HOST) that have already taken
 * this step when it is a two-sided one (validate, sign), and side is the side a
 * moderator validates (0 otherwise). Returns 0 with *next (the state after this step:
 * the same state while a two-sided step waits for its other side) and *sides (the sides
 * this caller's step covers), or CORE_ECONFLICT / CORE_EFORBIDDEN / CORE_ENOTFOUND with
 * *why in a. Pure: tests drive it directly. */
int core_exchange_transition(core_exchange_state s, core_exchange_action act, unsigned by,
                             unsigned proposer, unsigned done, unsigned side, core_arena *a,
                             core_exchange_state *next, unsigned *sides, const char **why);
/* What is expected next in state s ("agree, by the host's admins"), in a; proposer and
 * the two-sided steps' done sides as above. */
const char *core_exchange_expected(core_exchange_state s, unsigned proposer, unsigned done,
                                   core_arena *a);

/* ---- the scheme's rules ---- */

/* Working days (Monday to Friday) from day `from` to day `to` inclusive (days since
 * 1970-01-01); 0 when to < from. */
int core_exchange_working_days(int32_t from, int32_t to);
/* Great-circle distance in km between two points given in degrees. */
double core_exchange_distance_km(double lat1, double lon1, double lat2, double lon2);
/* The full lump sum in EUR for a stay in the country `code`, from core/data/lump_sums.tsv;
 * -1 when the table has no row for it. */
int core_exchange_lump_rate(const char *code);

/* What lump_sum computes from. A field is unknown when its flag says so. */
typedef struct core_exchange_lump_in {
    const char *host_country;      /* where the stay is */
    bool have_dates;               /* the plan's dates are known */
    int32_t start_day, end_day;    /* days since 1970-01-01 */
    bool have_coords;              /* both profiles have coordinates */
    double lat1, lon1, lat2, lon2; /* visitor, host */
} core_exchange_lump_in;
/* {amount_eur (null when the country has no rate), halved, reasons: [..]} in a: the
 * reasons say in words why the amount is what it is (halved or not, and why). */
core_value core_exchange_lump_sum(const core_exchange_lump_in *in, core_arena *a);

/* Whether a stay [start, end] (days) is acceptable to the scheme: 0, or CORE_EINVALID
 * with the failing field in f ("start_date" or "end_date"). */
int core_exchange_check_stay(core_fields *f, int32_t start, int32_t end);

/* ---- what the matcher follows ---- */

typedef struct core_exchange_span {
    int32_t from, to; /* days since 1970-01-01, inclusive */
} core_exchange_span;

/* How a registration's exchanges bear on its matching. */
typedef struct core_exchange_load {
    bool visits;               /* its profile visits in an exchange that is not cancelled */
    core_exchange_span *spans; /* the dates of the exchanges it hosts that are not
                                * cancelled (in a); an undated one covers every day */
    size_t n_spans;
} core_exchange_load;

/* Reads the load of registration reg from the store. 0 or CORE_EIO. */
int core_exchange_load_of(core_store *s, const core_value *reg, core_arena *a,
                          core_exchange_load *out);
/* The parts of the windows (sorted, disjoint) on which fewer than `capacity` spans
 * overlap, in order, at most max_out of them (the earliest); *min_free gets the fewest
 * places free on any of those days. Returns how many were written. */
size_t core_exchange_free_windows(const core_exchange_span *windows, size_t nw,
                                  const core_exchange_span *spans, size_t ns, int64_t capacity,
                                  core_exchange_span *out, size_t max_out, int64_t *min_free);

/* ---- writes ---- */

typedef struct core_exchange_op {
    core_actor actor;
    const char *id;              /* the exchange (propose: out, in `out`) */
    core_exchange_action action; /* for core_exchange_step_txn */
    const core_value *body;      /* the request body */
    core_arena *out;             /* where outputs live: the caller's arena */
    /* out */
    core_value view;     /* the exchange as GET shows it, after the write (in out) */
    const char *message; /* a failure's explanation (in out), or NULL */
    core_fields fields;  /* CORE_EINVALID: the failing fields (in out) */
} core_exchange_op;

/* Initialises an op whose outputs go to arena out. */
void core_exchange_op_init(core_exchange_op *op, core_arena *out, const core_actor *actor);

/* core_txn_fn: proposes an exchange, body {visitor, host} (registration ids), by an admin
 * of either side. CORE_EINVALID (fields), CORE_ENOTFOUND, CORE_EFORBIDDEN, CORE_ECONFLICT
 * (the scheme's rules: roles, states, countries, visiting once, the host's capacity). */
int core_exchange_propose_txn(core_txn *t, void *op);
/* core_txn_fn: one step op->action on exchange op->id with its body (plan: {start_date,
 * end_date, objectives, action_plan, expected_outcomes, responsibilities, kind};
 * validate: {side}; closing report: {summary, outcomes, evidence}; cancel: {reason};
 * others: none). Notifies the admins of both sides but the actor. */
int core_exchange_step_txn(core_txn *t, void *op);

/* Whether every id in evidence names a stored attachment (core/attachment.h): the one
 * place the closing report's evidence is checked. Ids are well formed when they come here.
 * Adds "evidence" to f, naming the first missing one. */
void core_exchange_check_evidence(core_txn *t, core_fields *f, const core_value *evidence);

/* ---- reads ---- */

/* The exchange as its parties and moderators see it ({id, visitor, host, state, plan,
 * signatures, validations, lump_sum, history, ...}), in a. 0, CORE_ENOTFOUND (also for a
 * caller who is no party), CORE_EIO. */
int core_exchange_read(core_store *s, const core_actor *actor, const char *id, core_arena *a,
                       core_value *view);
/* The exchanges of registration reg_id, oldest first, for its profile's admins and
 * moderators: [view, ...] in a. 0, CORE_ENOTFOUND, CORE_EIO. */
int core_exchange_list(core_store *s, const core_actor *actor, const char *reg_id, core_arena *a,
                       core_value *list);

#endif
