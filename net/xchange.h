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
/* The feed consumer that keeps the table of accepted registrations. Its tables are in
 * memory only: `applied` is 0, so the feed replays the whole log at start. */
core_feed_consumer net_xchange_consumer(net_xchange *x);

void net_xchange_register(net_req *r); /* POST /v1/xchange/registrations */
void net_xchange_get(net_req *r);      /* GET /v1/xchange/registrations/{id} */
void net_xchange_decide(net_req *r);   /* POST /v1/xchange/registrations/{id}/decision */
void net_xchange_matches(net_req *r);  /* GET /v1/xchange/registrations/{id}/matches */
void net_xchange_batch(net_req *r);    /* POST /v1/xchange/batch-match */

#endif
