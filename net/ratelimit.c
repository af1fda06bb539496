/*
 * ratelimit.c: an open-addressing table of keys, each with the times of its last
 * RL_KEEP failures in a ring. Entries whose failures are all older than an hour are
 * reused, so the table stays bounded under a flood of distinct keys: when it is full,
 * the oldest entry is evicted.
 */
#include "net/ratelimit.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/hash.h"

enum { RL_SLOTS = 8192, RL_KEEP = 32, RL_KEY = 128, RL_PROBE = 16 };

typedef struct rl_entry {
    char key[RL_KEY];
    time_t at[RL_KEEP]; /* failure times; ring buffer */
    unsigned n;         /* failures recorded, capped at RL_KEEP */
    unsigned next;      /* ring position of the next write */
    time_t last;
    double tokens;     /* token bucket: tokens left, as of `filled` */
    double filled;     /* when tokens was last brought up to date (seconds) */
    bool bucket;       /* the bucket has been used (tokens is meaningful) */
    unsigned inflight; /* jobs in flight */
} rl_entry;

struct net_ratelimit {
    pthread_mutex_t mu;
    rl_entry slots[RL_SLOTS];
};

static uint64_t hash(const char *s)
{
    return core_fnv1a_str(CORE_FNV1A_SEED, s);
}

net_ratelimit *net_ratelimit_new(void)
{
    net_ratelimit *rl = calloc(1, sizeof(*rl));
    if (rl == NULL)
        core_oom();
    pthread_mutex_init(&rl->mu, NULL);
    return rl;
}

void net_ratelimit_free(net_ratelimit *rl)
{
    if (rl == NULL)
        return;
    pthread_mutex_destroy(&rl->mu);
    free(rl);
}

/* The entry for key, or (create) a free, stale or oldest slot claimed for it. */
static rl_entry *find(net_ratelimit *rl, const char *key, int create, time_t now)
{
    uint64_t h = hash(key);
    rl_entry *victim = NULL;
    for (int i = 0; i < RL_PROBE; i++) {
        rl_entry *e = &rl->slots[(h + (uint64_t)i) % RL_SLOTS];
        if (e->key[0] != '\0' && strncmp(e->key, key, RL_KEY - 1) == 0)
            return e;
        if (victim == NULL) {
            victim = e;
            continue;
        }
        /* An entry with work in flight is never stale: its count must survive. */
        bool e_free = e->key[0] == '\0' || (now - e->last > 3600 && e->inflight == 0);
        bool v_free =
            victim->key[0] == '\0' || (now - victim->last > 3600 && victim->inflight == 0);
        if ((e_free && !v_free) || (e_free == v_free && e->last < victim->last))
            victim = e;
    }
    if (!create)
        return NULL;
    memset(victim, 0, sizeof(*victim));
    strncpy(victim->key, key, RL_KEY - 1);
    return victim;
}

int net_ratelimit_check(net_ratelimit *rl, const char *key, int max, int window_s)
{
    time_t now = time(NULL);
    int wait = 0;
    pthread_mutex_lock(&rl->mu);
    rl_entry *e = find(rl, key, 0, now);
    if (e != NULL && max <= RL_KEEP) {
        int recent = 0;
        time_t oldest_recent = now;
        for (unsigned i = 0; i < e->n; i++) {
            if (now - e->at[i] < window_s) {
                recent++;
                if (e->at[i] < oldest_recent)
                    oldest_recent = e->at[i];
            }
        }
        /* Too many: wait until enough of them age out to allow one more try. */
        if (recent >= max)
            wait = (int)(oldest_recent + window_s - now);
        if (recent >= max && wait < 1)
            wait = 1;
    }
    pthread_mutex_unlock(&rl->mu);
    return wait;
}

void net_ratelimit_hit(net_ratelimit *rl, const char *key)
{
    time_t now = time(NULL);
    pthread_mutex_lock(&rl->mu);
    rl_entry *e = find(rl, key, 1, now);
    e->at[e->next] = now;
    e->next = (e->next + 1) % RL_KEEP;
    if (e->n < RL_KEEP)
        e->n++;
    e->last = now;
    pthread_mutex_unlock(&rl->mu);
}

void net_ratelimit_clear(net_ratelimit *rl, const char *key)
{
    pthread_mutex_lock(&rl->mu);
    rl_entry *e = find(rl, key, 0, time(NULL));
    if (e != NULL)
        memset(e, 0, sizeof(*e));
    pthread_mutex_unlock(&rl->mu);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int net_ratelimit_take(net_ratelimit *rl, const char *key, int per_minute)
{
    if (per_minute <= 0)
        return 0;
    double t = now_s(), rate = per_minute / 60.0;
    int wait = 0;
    pthread_mutex_lock(&rl->mu);
    rl_entry *e = find(rl, key, 1, time(NULL));
    if (!e->bucket) {
        e->bucket = true;
        e->tokens = per_minute;
        e->filled = t;
    }
    e->tokens += (t - e->filled) * rate;
    if (e->tokens > per_minute)
        e->tokens = per_minute;
    e->filled = t;
    e->last = time(NULL);
    if (e->tokens >= 1.0)
        e->tokens -= 1.0;
    else
        wait = (int)((1.0 - e->tokens) / rate) + 1;
    pthread_mutex_unlock(&rl->mu);
    return wait;
}

bool net_ratelimit_enter(net_ratelimit *rl, const char *key, int max)
{
    bool ok = false;
    pthread_mutex_lock(&rl->mu);
    rl_entry *e = find(rl, key, 1, time(NULL));
    if (e->inflight < (unsigned)max) {
        e->inflight++;
        e->last = time(NULL);
        ok = true;
    }
    pthread_mutex_unlock(&rl->mu);
    return ok;
}

void net_ratelimit_leave(net_ratelimit *rl, const char *key)
{
    pthread_mutex_lock(&rl->mu);
    rl_entry *e = find(rl, key, 0, time(NULL));
    if (e != NULL && e->inflight > 0)
        e->inflight--;
    pthread_mutex_unlock(&rl->mu);
}
