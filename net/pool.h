/*
 * pool.h: a small pool of threads for slow work that must never run on an event loop
 * (password hashing, batch runs, backups). A job's `run` executes on a pool thread and
 * its completion is posted back to the event loop that submitted it.
 */
#ifndef ECCPD_NET_POOL_H
#define ECCPD_NET_POOL_H

#include <stddef.h>

typedef struct net_pool net_pool;
typedef struct net_pool_job net_pool_job;

struct net_pool_job {
    void (*run)(net_pool_job *job);  /* on a pool thread */
    void (*done)(net_pool_job *job); /* on a pool thread right after run; posts the completion */
    net_pool_job *next_;
};

/* Starts n threads. */
net_pool *net_pool_new(size_t n);
/* Runs every queued job, then joins the threads. */
void net_pool_free(net_pool *p);
/* Queues a job; the caller keeps it alive until done has run. */
void net_pool_submit(net_pool *p, net_pool_job *job);

#endif
