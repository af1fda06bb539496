/* personal.h: the caller's personal data over HTTP (API.md, Personal data); see personal.c. */
#ifndef ECCPD_NET_PERSONAL_H
#define ECCPD_NET_PERSONAL_H

#include "net/http.h"

void net_me_newsletters(net_req *r); /* PUT /v1/me/newsletters */
void net_unsubscribe(net_req *r);    /* POST /v1/unsubscribe/{token} (no sign-in) */
void net_me_export(net_req *r);      /* GET /v1/me/export */
void net_me_erase(net_req *r);       /* DELETE /v1/me {password} */

#endif
