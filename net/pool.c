/* pool.c: see pool.h. A mutex-guarded FIFO; jobs are coarse (milliseconds), so a lock-free
 * queue would buy nothing. */
#include "net/pool.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "core/arena.h"

struct net_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    net_pool_job *head, *tail;
    bool stopping;
    size_t n;
    pthread_t threads[];
};

static void *pool_main(void *arg)
{
    net_pool *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (p->head == NULL && !p->stopping)
            pthread_cond_wait(&p->cv, &p->mu);
        net_pool_job *job = p->head;
        if (job == NULL) {
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
        p->head = job->next_;
        if (p->head == NULL)
            p->tail = NULL;
        pthread_mutex_unlock(&p->mu);
        job->run(job);
        job->done(job);
    }
}

net_pool *net_pool_new(size_t n)
{
    net_pool *p = calloc(1, sizeof(*p) + n * sizeof(pthread_t));
    if (p == NULL)
        core_oom();
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->n = n;
    for (size_t i = 0; i < n; i++)
        if (pthread_create(&p->threads[i], NULL, pool_main, p) != 0)
            core_oom();
    return p;
}

void net_pool_free(net_pool *p)
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&p->mu);
    p->stopping = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (size_t i = 0; i < p->n; i++)
        pthread_join(p->threads[i], NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p);
}

void net_pool_submit(net_pool *p, net_pool_job *job)
{
    job->next_ = NULL;
    pthread_mutex_lock(&p->mu);
    if (p->tail)
        p->tail->next_ = job;
    else
        p->head = job;
    p->tail = job;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}
