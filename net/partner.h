/*
 * partner.h: partner searches over HTTP (API.md, Partner search) and the timer that closes
 * searches whose deadline has passed.
 */
#ifndef ECCPD_NET_PARTNER_H
#define ECCPD_NET_PARTNER_H

#include "core/outbox.h"
#include "core/store.h"
#include "net/http.h"

void net_partner_create(net_req *r);    /* POST /v1/partner-searches */
void net_partner_list(net_req *r);      /* GET /v1/partner-searches */
void net_partner_get(net_req *r);       /* GET /v1/partner-searches/{id} */
void net_partner_patch(net_req *r);     /* PATCH /v1/partner-searches/{id} */
void net_partner_close(net_req *r);     /* POST /v1/partner-searches/{id}/close */
void net_partner_follow(net_req *r);    /* PUT /v1/partner-searches/{id}/follow */
void net_partner_unfollow(net_req *r);  /* DELETE /v1/partner-searches/{id}/follow */
void net_partner_interest(net_req *r);  /* POST /v1/partner-searches/{id}/interests */
void net_partner_interests(net_req *r); /* GET /v1/partner-searches/{id}/interests */
void net_partner_comment(net_req *r);   /* POST /v1/partner-searches/{id}/comments */
void net_partner_comments(net_req *r);  /* GET /v1/partner-searches/{id}/comments */

typedef struct net_partner_sweeper net_partner_sweeper;
/* Starts a thread that closes the searches past their deadline, and removes attachments
 * unreferenced for a day, at once and then every interval_s seconds (one durable write per
 * batch), waking the outbox for the notifications. NULL when the thread cannot start (an error on
 * stderr). */
net_partner_sweeper *net_partner_sweeper_start(core_store *s, core_outbox *o, double interval_s);
/* Stops the thread after the write it may be making. NULL is allowed. */
void net_partner_sweeper_stop(net_partner_sweeper *w);

#endif
