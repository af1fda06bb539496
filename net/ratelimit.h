/*
 * ratelimit.h: counting failures per key (an account, a client address) in a sliding
 * window, for the login throttle. In memory: a restart forgets, which is acceptable for
 * a throttle whose purpose is to slow guessing, not to account for it.
 */
#ifndef ECCPD_NET_RATELIMIT_H
#define ECCPD_NET_RATELIMIT_H

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

#endif
