/*
 * event_records.h: the scheduler run on a matchmaking event as the store holds it
 * (event_records.c). Part of eccpd_matcher_records: it reads core records; the scheduler
 * itself (schedule.h) stays pure C with no I/O.
 */
#ifndef ECCPD_MATCHER_EVENT_RECORDS_H
#define ECCPD_MATCHER_EVENT_RECORDS_H

#include "core/arena.h"
#include "core/store.h"
#include "core/value.h"

/* Runs the scheduler for event eid as the store holds it now; the result (as stored and
 * answered: meetings, unscheduled with reasons, upper_bound, placed, took_ms) in *out, in
 * a. progress (may be NULL) is called from this thread with the share done. 0, or a core
 * code with *message. Long: call it from any thread but an event loop's. */
int matcher_event_schedule(core_store *s, const char *eid, core_arena *a,
                           void (*progress)(void *ctx, double done), void *progress_ctx,
                           core_value *out, const char **message);

/* Runs and stores the schedule of every matchmaking event with tables, as its organiser
 * (the demo data's published schedules). 0, or the first failure's code. */
int matcher_event_schedule_all(core_store *s);

#endif
