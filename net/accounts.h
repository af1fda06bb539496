/* accounts.h: handlers of the Accounts section of API.md (see accounts.c). */
#ifndef ECCPD_NET_ACCOUNTS_H
#define ECCPD_NET_ACCOUNTS_H

#include "net/http.h"

void net_accounts_register(net_req *r); /* POST /v1/users */
void net_accounts_login(net_req *r);    /* POST /v1/sessions */
void net_accounts_logout(net_req *r);   /* DELETE /v1/sessions/current */
void net_accounts_me(net_req *r);       /* GET /v1/me */
void net_accounts_reset_request(net_req *r);  /* POST /v1/password-resets */
void net_accounts_reset_complete(net_req *r); /* PUT /v1/password-resets/{token} */

/* Password hashes and checks done since start, and those queued or running (/metrics). */
uint64_t net_accounts_hashes_total(void);
int net_accounts_hashes_in_flight(void);

#endif
