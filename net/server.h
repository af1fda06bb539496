/*
 * server.h: the HTTP server: listeners, one h2o context and event loop per worker thread,
 * TLS with ALPN h2, the store and the worker pool it hands slow work to, and graceful
 * shutdown (stop accepting, drain requests in flight, close the store).
 */
#ifndef ECCPD_NET_SERVER_H
#define ECCPD_NET_SERVER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>

#include <h2o.h>

#include "core/feed.h"
#include "core/outbox.h"
#include "index/index.h"
#include "index/records.h"
#include "core/store.h"
#include "net/metrics.h"
#include "net/pool.h"
#include "net/router.h"

typedef struct net_server net_server;
typedef struct net_ratelimit net_ratelimit;

typedef struct net_thread {
    size_t index;
    net_server *server;
    h2o_context_t ctx;
    h2o_accept_ctx_t accept_ctx;
    h2o_socket_t *listener;
    h2o_multithread_receiver_t completions; /* jobs finished elsewhere come back here */
    net_metrics metrics;
    pthread_t tid;
    index_reader *reader;                  /* this thread's view of the index (lazy) */
    unsigned reader_generation;            /* the index generation reader belongs to */
    uint64_t reader_visible;               /* the visible seq reader was last refreshed to */
    h2o_multithread_receiver_t visibility; /* the feed made more changes visible */
    _Atomic bool visibility_pending;       /* a visibility message is on its way */
    h2o_linklist_t waiting;                /* writes answered once search reflects them */
    size_t guard_open;                     /* connections open (net/guard.c) */
    h2o_timeout_entry_t accept_resume;     /* retries accepting after the cap was reached */
} net_thread;

typedef struct net_server_options {
    const char *data_dir; /* holds store/, index/, outbox/ */
    const char *listen;   /* HOST:PORT */
    size_t threads;       /* event-loop threads */
    size_t pool_threads;  /* slow-work threads */
    const char *tls_cert; /* PEM files; both or neither */
    const char *tls_key;
    const char *access_log; /* path, "-" for stdout, or "off" */
    size_t max_body;        /* default request body limit, bytes */
    double drain_seconds;   /* how long SIGTERM waits for requests in flight */
    const char *public_url; /* the platform's address, for links in e-mails */
    const char *mail_from;  /* the From: of outgoing e-mail */
    int hash_rate;          /* password hashes a client address may start a minute (0: any) */
    size_t max_connections; /* open connections at once; more wait in the listen backlog */
    const char *const *cors_origins; /* browser origins allowed to call the API (CORS) */
    size_t ncors_origins;
    const char *smtp; /* HOST:PORT of an SMTP relay for the spool, or NULL */
} net_server_options;

struct net_server {
    net_server_options opt;
    h2o_globalconf_t config;
    h2o_hostconf_t *hostconf;
    net_router *router;
    core_store *store;
    core_outbox *outbox;
    index_writer *index;             /* the single index writer, driven by the feed */
    index_records *indexer;          /* records -> documents */
    index_completions *completions;  /* what suggestions read, in memory (readers share it) */
    core_feed *feed;                 /* follows the change log into the index and the matcher */
    core_feed_consumer consumers[4]; /* the feed's consumers; [0] is the index */
    size_t nconsumers;
    _Atomic unsigned index_generation; /* moves when a rebuilt index is swapped in */
    struct matcher_records *xchange;   /* ClusterXchange matcher tables (matcher/records.c) */
    struct net_partner_sweeper *partner_sweeper; /* closes partner searches past deadline */
    struct net_smtp *smtp;                       /* sends the spool by SMTP (--smtp), or NULL */
    net_pool *pool;
    net_ratelimit *login_limits;
    SSL_CTX *ssl;
    FILE *access_log;
    pthread_mutex_t log_mu;
    int listen_fd_family;
    struct sockaddr_storage listen_addr;
    socklen_t listen_addrlen;
    net_thread *threads;
    size_t nthreads;
    _Atomic bool stopping; /* SIGTERM/SIGINT seen: refuse new work, drain */
    _Atomic bool ready;    /* store open and caught up: /readyz answers 200 */
    time_t started_at;
};

/* Checks every option of `eccpd serve` that can be checked without creating anything:
 * the address parses and is free to listen on, the TLS files load, the access log's
 * directory exists. Prints what is wrong and returns 2 (a usage error), or returns 0. */
int net_server_check_options(const net_server_options *opt);
/* Runs `eccpd serve` until SIGTERM or SIGINT; returns the process exit code. */
int net_server_run(const net_server_options *opt);

/* Registers every route of the API (net/routes.c). */
void net_routes_register(net_router *r);

#endif
