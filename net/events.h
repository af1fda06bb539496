/*
 * events.h: the handlers of events and matchmaking events (API.md, Events and matchmaking
 * events). Thin: parse, authorise through core/authz.c, call one core/event.c function
 * or the scheduler (matcher/schedule.h, run on the worker pool), reply.
 */
#ifndef ECCPD_NET_EVENTS_H
#define ECCPD_NET_EVENTS_H

#include "net/http.h"

void net_events_create(net_req *r);       /* POST /v1/events */
void net_events_agenda(net_req *r);       /* GET /v1/events */
void net_events_get(net_req *r);          /* GET /v1/events/{id} */
void net_events_patch(net_req *r);        /* PATCH /v1/events/{id} */
void net_events_cancel(net_req *r);       /* POST /v1/events/{id}/cancel */
void net_events_apply(net_req *r);        /* POST /v1/events/{id}/participants */
void net_events_participants(net_req *r); /* GET /v1/events/{id}/participants */
void net_events_decide(net_req *r);       /* POST /v1/events/{id}/participants/{pid}/decision */
void net_events_slots(net_req *r);        /* PUT /v1/events/{id}/slots */
void net_events_unavailable(net_req *r);  /* PUT /v1/events/{id}/participants/{pid}/unavailable */
void net_events_request(net_req *r);      /* POST /v1/events/{id}/meeting-requests */
void net_events_requests(net_req *r);     /* GET /v1/events/{id}/meeting-requests */
void net_events_answer(net_req *r);       /* POST /v1/events/{id}/meeting-requests/{rid} */
void net_events_schedule(net_req *r);     /* POST /v1/events/{id}/schedule */
void net_events_schedule_get(net_req *r); /* GET /v1/events/{id}/schedule */

#endif
