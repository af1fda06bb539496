/* accounts.h: handlers of the Accounts section of API.md (see accounts.c). */
#ifndef ECCPD_NET_ACCOUNTS_H
#define ECCPD_NET_ACCOUNTS_H

#include "net/http.h"

void net_accounts_register(net_req *r);       /* POST /v1/users */
void net_accounts_login(net_req *r);          /* POST /v1/sessions */
void net_accounts_logout(net_req *r);         /* DELETE /v1/sessions/current */
void net_accounts_me(net_req *r);             /* GET /v1/me */
void net_accounts_reset_request(net_req *r);  /* POST /v1/password-resets */
void net_accounts_reset_complete(net_req *r); /* PUT /v1/password-resets/{token} */

/* Checks a signed-in caller's password (an erasure's confirmation) through the gate of
 * sign-in: failures counted per account and address (429 with Retry-After once too many),
 * the hashing gate (a client address's rate and hashes in flight, the pool's bound: 429 or
 * 503), argon2id on the worker pool. Then calls then(r, arg, ok) on the request's loop;
 * when the gate refuses, the request is answered and then is not called. */
typedef void (*net_password_checked_fn)(net_req *r, void *arg, bool ok);
void net_accounts_confirm_password(net_req *r, const char *user_id, const char *hash,
                                   const char *password, net_password_checked_fn then, void *arg);

/* Password hashes and checks done since start, and those queued or running (/metrics). */
uint64_t net_accounts_hashes_total(void);
int net_accounts_hashes_in_flight(void);

#endif
