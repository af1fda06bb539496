/*
 * time.h: the API's one way of writing and reading times.
 *
 * Records keep times as Unix seconds (integers: compact, ordered, and what files written
 * by earlier versions hold). Every response writes them as RFC 3339 UTC with a "Z"
 * ("2026-12-05T14:03:11Z"), and every request reads RFC 3339 (any offset, optional
 * fraction, folded to UTC seconds) or, where a day is meant, a plain date.
 */
#ifndef ECCPD_CORE_TIME_H
#define ECCPD_CORE_TIME_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/value.h"

enum { CORE_TIME_RFC3339_LEN = 20 }; /* "YYYY-MM-DDTHH:MM:SSZ" without the NUL */

/* Writes t as RFC 3339 UTC into out (at least CORE_TIME_RFC3339_LEN + 1 bytes). */
void core_time_format(int64_t t, char out[CORE_TIME_RFC3339_LEN + 1]);
/* The string value of t in RFC 3339 UTC, owned by the arena. */
core_value core_value_time(core_arena *a, int64_t t);
/* A deep copy of v (owned by the arena) in which every integer member named "at" or
 * ending in "_at" is written as RFC 3339 UTC: what a view does to a stored record (which
 * keeps Unix seconds) before it becomes a response. Other values are shared, not copied. */
core_value core_value_times(core_arena *a, const core_value *v);
/* Parses RFC 3339 ("2026-12-05T14:03:11Z", "2026-12-05T15:03:11.5+01:00") into Unix
 * seconds (a fraction is dropped). With allow_date, a plain date ("2026-12-05") is
 * accepted too and means its first second in UTC. Returns false for anything else,
 * including impossible dates (2026-02-30) and years outside 1970-9999. */
bool core_time_parse(const char *s, bool allow_date, int64_t *out);
/* Days since 1970-01-01 of a proleptic Gregorian date (no validation). */
int64_t core_days_from_civil(int64_t y, unsigned m, unsigned d);

#endif
