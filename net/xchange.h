/*
 * xchange.h: ClusterXchange over HTTP: registrations, decisions, best matches and the
 * batch assignment (API.md, ClusterXchange). The rules are core/xchange.h's; the matcher's
 * table of accepted registrations is kept by matcher/records.h's feed consumer.
 */
#ifndef ECCPD_NET_XCHANGE_H
#define ECCPD_NET_XCHANGE_H

#include "net/http.h"

void net_xchange_register(net_req *r); /* POST /v1/xchange/registrations */
void net_xchange_get(net_req *r);      /* GET /v1/xchange/registrations/{id} */
void net_xchange_decide(net_req *r);   /* POST /v1/xchange/registrations/{id}/decision */
void net_xchange_matches(net_req *r);  /* GET /v1/xchange/registrations/{id}/matches */
void net_xchange_batch(net_req *r);    /* POST /v1/xchange/batch-match */
void net_xchange_list(net_req *r);     /* GET /v1/xchange/registrations?state= */
void net_xchange_message(net_req *r);  /* POST /v1/xchange/registrations/{id}/messages */
/* GET /v1/xchange/registrations/{id}/conversations and …/conversations/{with} */
void net_xchange_conversations(net_req *r);
void net_xchange_conversation(net_req *r);
void net_xchange_catalogue(net_req *r); /* GET /v1/xchange/catalogue */

#endif
