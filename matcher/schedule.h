/*
 * schedule.h: the meeting scheduler of matchmaking events, pure C with no I/O.
 *
 * A problem: participants 0..P-1, slots 0..S-1, T tables per slot, the slots each
 * participant cannot attend, and accepted meeting requests between two participants, each
 * with a weight (the priority: 3 most important, 1 least), a match score, possibly a slot
 * it is fixed in, and the slot and table it had in the last published schedule.
 *
 * matcher_schedule places requests into (slot, table) so that nobody is in two meetings
 * at once, no table holds two meetings in a slot, nobody meets in a slot they cannot
 * attend and fixed meetings stay where they are (a fixed meeting that breaks one of these,
 * which the write path prevents, is placed like any other). Then, lexicographically:
 * as many meetings as it can find, higher total weight, higher total score, fewer idle
 * slots between a participant's first and last meeting; meetings of the last published
 * schedule keep their slot (and table) whenever they still fit, so one new request does
 * not reshuffle an agenda. It is a heuristic (greedy placement, then augmenting swaps of
 * two slots along alternating paths and ejections of a blocking meeting, for at most
 * MATCHER_SCHED_PASSES improving passes, then MATCHER_SCHED_SEARCH rounds of iterated
 * local search, then, while short of the bound, augmenting paths of the degree-constrained
 * subgraph that change who meets whom, each followed by more search, then the improving
 * passes once more); `upper_bound` is a proven bound on the number of requests any schedule
 * can place, so the gap is known. The same input always gives the same schedule.
 *
 * Then, where both opted in, free slots get recommended meetings: the caller's candidate
 * pairs, best score first, each placed at most once in a slot both have free.
 *
 * Costs: O(R * S) for the greedy, O(R_unplaced * S^2 * path) per pass; memory O(P * S + R).
 */
#ifndef ECCPD_MATCHER_SCHEDULE_H
#define ECCPD_MATCHER_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MATCHER_SCHED_MAX_SLOTS 256
#define MATCHER_SCHED_PASSES 8
#define MATCHER_SCHED_SEARCH 1000 /* least rounds of the local search (fewer once optimal) */
#define MATCHER_SCHED_SEARCH_WORK                                                                  \
    2000000 /* rounds x requests, when that gives more rounds                                      \
               (at most 10 x MATCHER_SCHED_SEARCH); the first                                      \
               search runs a quarter of them */
#define MATCHER_SCHED_STUCK                                                                        \
    250 /* a search that finds nothing better for this many rounds                                 \
           stops */
#define MATCHER_SCHED_COUNT_STUCK                                                                  \
    10 /* while short of the bound, a search that places no                                        \
           more meetings for this many rounds stops (a better                                      \
           weight alone does not keep it going) */
#define MATCHER_SCHED_AUGMENT                                                                      \
    256 /* augmenting-path perturbations while short of the bound,                                 \
           each followed by at most an eighth of the search's                                      \
           rounds */
#define MATCHER_SCHED_POLISH                                                                       \
    100                             /* at the bound, a search that finds no better weight or       \
                                       score for this many rounds stops */
#define MATCHER_SCHED_FINAL_DEPTH 3 /* ejection chains of the last improving passes ... */
#define MATCHER_SCHED_FINAL_REQUESTS                                                               \
    300 /* ... up to this many requests (1 above: the                                              \
           chains' cost grows with the agendas; at 500                                             \
           and 700 requests three deep took longer than                                            \
           all the rest) */

typedef struct matcher_sched_request {
    uint32_t a, b;      /* participant indexes, a != b */
    uint32_t weight;    /* 1..3, 3 = most important */
    int32_t score;      /* match score, >= 0 */
    int32_t fixed_slot; /* the slot a participant fixed it in, or -1 */
    int32_t prev_slot;  /* its slot in the last published schedule, or -1 */
    int32_t prev_table; /* its table there, or -1 */
} matcher_sched_request;

/* A recommended meeting the scheduler may add (both participants opted in). */
typedef struct matcher_sched_pair {
    uint32_t a, b;
    int32_t score;
} matcher_sched_pair;

typedef struct matcher_sched_problem {
    uint32_t n_participants, n_slots, n_tables;
    const uint8_t *unavailable; /* n_participants * n_slots; nonzero: cannot attend */
    const matcher_sched_request *requests;
    size_t n_requests;
    const matcher_sched_pair *candidates; /* may be NULL */
    size_t n_candidates;
    /* called now and then with the fraction done (0..1); may be NULL */
    void (*progress)(void *ctx, double done);
    void *progress_ctx;
} matcher_sched_problem;

typedef enum matcher_sched_reason {
    MATCHER_SCHED_PARTICIPANT_FULL = 1, /* one of the two has no free slot left */
    MATCHER_SCHED_NO_COMMON_SLOT = 2,   /* both have free slots, never the same one */
    MATCHER_SCHED_TABLES_FULL = 3,      /* a common free slot exists, its tables are taken */
} matcher_sched_reason;

typedef struct matcher_sched_meeting {
    uint32_t slot, table;
    uint32_t a, b;
    int64_t request; /* index into requests, or -1 for a recommended meeting */
    int32_t score;
} matcher_sched_meeting;

typedef struct matcher_sched_result {
    matcher_sched_meeting *meetings; /* requests' meetings, then recommended ones */
    size_t n_meetings, n_placed;     /* n_placed: meetings of requests */
    uint32_t *unscheduled;           /* request indexes not placed */
    uint8_t *reasons;                /* a matcher_sched_reason each */
    size_t n_unscheduled;
    size_t upper_bound; /* no schedule places more requests than this */
    uint64_t weight;    /* total weight of the placed requests */
    int64_t score;      /* total score of the placed requests */
    uint64_t idle;      /* idle slots between participants' first and last meetings */
} matcher_sched_result;

void matcher_sched_result_init(matcher_sched_result *r);
void matcher_sched_result_dispose(matcher_sched_result *r);

/* Solves p into out (which must be initialised; previous contents are freed). 0,
 * MATCHER_EINVAL (a participant index out of range, a == b, too many slots, weight
 * outside 1..3) or MATCHER_ENOMEM. */
int matcher_schedule(const matcher_sched_problem *p, matcher_sched_result *out);

/* The upper bound alone (see the top of schedule.c for the argument). */
size_t matcher_sched_upper_bound(const matcher_sched_problem *p);

/* A static name of a reason: "participant_full", "no_common_free_slot", "tables_full". */
const char *matcher_sched_reason_name(int reason);

#ifdef __cplusplus
}
#endif

#endif
