/*
 * exchange.h: ClusterXchange exchanges for the demo platform, so that a first run
 * shows the whole lifecycle: for each state of core/exchange.h a few exchanges that have
 * reached it (and the cancelled ones, with their reasons), each pair with a short
 * conversation. Written through the same core_txn_fn functions as the API, by the admins
 * of each side and the demo moderator, after the registrations exist.
 */
#ifndef ECCPD_DEMO_EXCHANGE_H
#define ECCPD_DEMO_EXCHANGE_H

#include <stddef.h>

#include "core/store.h"

/* Makes per_state exchanges in each state from the accepted registrations in the store
 * (the first few thousand in key order), pairing visitors and hosts of different
 * countries with overlapping availability. *made gets the number made. 0, or the first
 * failing write's code (a pair the scheme refuses is skipped, not a failure). */
int core_demo_exchanges(core_store *s, const char *moderator_id, size_t per_state, size_t *made);

#endif
