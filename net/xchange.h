/*
 * xchange.h: ClusterXchange over HTTP: registrations, decisions, best matches and the
 * batch assignment (API.md, ClusterXchange), and the change-log consumer that keeps the
 * matcher's table of accepted registrations (see xchange.c).
 */
#ifndef ECCPD_NET_XCHANGE_H
#define ECCPD_NET_XCHANGE_H

#include <stddef.h>

#include "core/feed.h"
#include "net/http.h"

typedef struct net_xchange net_xchange;

/* Creates the matcher state for a server with nthreads event-loop threads (one query
 * scratch per thread, made on first use). Aborts when memory cannot be had. */
net_xchange *net_xchange_new(size_t nthreads);
/* Frees the state; no request and no feed may use it any more. NULL is allowed. */
void net_xchange_free(net_xchange *x);
/* Fills the table from the registrations in the store, as of its last sequence number,
 * which becomes the consumer's `applied`: a start reads each registration once instead of
 * replaying the whole change log. Call it before the feed is created, while nothing else
 * writes the store. 0, or an error (then `applied` stays 0 and the feed replays). */
int net_xchange_load(net_xchange *x, core_store *s);
/* The feed consumer that keeps the table of accepted registrations (in memory only). */
core_feed_consumer net_xchange_consumer(net_xchange *x);

void net_xchange_register(net_req *r); /* POST /v1/xchange/registrations */
void net_xchange_get(net_req *r);      /* GET /v1/xchange/registrations/{id} */
void net_xchange_decide(net_req *r);   /* POST /v1/xchange/registrations/{id}/decision */
void net_xchange_matches(net_req *r);  /* GET /v1/xchange/registrations/{id}/matches */
void net_xchange_batch(net_req *r);    /* POST /v1/xchange/batch-match */

#endif
