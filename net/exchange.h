/*
 * exchange.h: ClusterXchange exchanges over HTTP (API.md, ClusterXchange, "Exchanges"):
 * the proposal, each step of the state machine of core/exchange.h, and the reads.
 */
#ifndef ECCPD_NET_EXCHANGE_H
#define ECCPD_NET_EXCHANGE_H

#include "net/http.h"

void net_exchange_propose(net_req *r); /* POST /v1/xchange/exchanges */
void net_exchange_get(net_req *r);     /* GET /v1/xchange/exchanges/{id} */
void net_exchange_list(net_req *r);    /* GET /v1/xchange/exchanges?registration= */
/* The steps, one handler each: POST …/{id}/agree, PUT …/{id}/plan, POST …/{id}/validate,
 * …/sign, …/financial-agreement, …/start, …/closing-report, …/complete, …/cancel. */
void net_exchange_agree(net_req *r);
void net_exchange_plan(net_req *r);
void net_exchange_validate(net_req *r);
void net_exchange_sign(net_req *r);
void net_exchange_financial(net_req *r);
void net_exchange_start(net_req *r);
void net_exchange_report(net_req *r);
void net_exchange_complete(net_req *r);
void net_exchange_cancel(net_req *r);

/* Adds the routes above to the router, and those of net/xchange.h added since issue 17
 * (the registrations list, messages and conversations). */
void net_exchange_routes(net_router *r);

#endif
