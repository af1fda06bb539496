/*
 * ratelimit.h: per-key throttles (a key names an account, a client address, a user):
 * failures counted in a sliding window (sign-ins, enumeration answers), a token bucket
 * (costly work per client), and a count of work in flight (the password-hashing pool).
 * In memory: a restart forgets, which is acceptable for throttles whose purpose is to
 * slow guessing and keep one client from taking the server, not to account for it.
 */
#ifndef ECCPD_NET_RATELIMIT_H
#define ECCPD_NET_RATELIMIT_H

#include <stdbool.h>

typedef struct net_ratelimit net_ratelimit;

net_ratelimit *net_ratelimit_new(void);
void net_ratelimit_free(net_ratelimit *rl);
/* 0 when key has had fewer than max failures in the last window_s seconds; otherwise the
 * seconds until the oldest of them leaves the window (for Retry-After). Thread-safe. */
int net_ratelimit_check(net_ratelimit *rl, const char *key, int max, int window_s);
/* Records a failure for key. */
void net_ratelimit_hit(net_ratelimit *rl, const char *key);
/* Forgets key's failures (after a successful login). */
void net_ratelimit_clear(net_ratelimit *rl, const char *key);

/* Takes one token from key's bucket, which holds per_minute tokens when full and refills
 * at per_minute a minute: 0 when taken, else the seconds until one is there (nothing is
 * taken then). per_minute 0 means no limit. */
int net_ratelimit_take(net_ratelimit *rl, const char *key, int per_minute);
/* Counts one more job in flight for key when it has fewer than max: true then, and the
 * caller must net_ratelimit_leave when the job ends (from any thread). */
bool net_ratelimit_enter(net_ratelimit *rl, const char *key, int max);
void net_ratelimit_leave(net_ratelimit *rl, const char *key);

#endif
