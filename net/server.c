/*
 * server.c: `eccpd serve`.
 *
 * One listening socket, shared by N event-loop threads (each polls its own duplicate of
 * the descriptor and accepts what it can; the losers of a race get EAGAIN). Each thread
 * owns an h2o context, built in that thread, so no request state is shared between
 * threads. HTTP/2 over cleartext comes for free from h2o's HTTP/1 parser (the h2 preface
 * and Upgrade: h2c); with a certificate, TLS offers h2 and http/1.1 through ALPN.
 *
 * Shutdown: a signal thread waits for SIGTERM/SIGINT, marks the server stopping (new
 * requests get 503), closes the listeners, asks h2o to wind connections down, waits for
 * requests in flight and queued writes to finish (at most drain_seconds), then stops the
 * loops and closes the store, so every acknowledged write is on disk and RocksDB closes
 * cleanly.
 */
#include "net/server.h"

#include <assert.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "core/error.h"
#include "net/guard.h"
#include "net/http.h"
#include "net/ratelimit.h"
#include "net/backup.h"
#include "net/control.h"
#include "net/reindex.h"
#include "matcher/records.h"
#include "net/partner.h"
#include "net/smtp.h"

static h2o_multithread_receiver_t *control_receivers;
static _Atomic bool loops_exit;
static _Atomic bool loops_ready; /* every thread's receivers are registered */

/* The start-up handshake between the main thread and the loops. h2o keeps its free lists
 * (socket buffers, memory pool chunks) per thread, and a socket keeps the list of the
 * thread that created it; a socket created on one thread and read on another would share
 * that list without a lock (ASan caught it as a use after free). So each loop creates its
 * own context, receivers and listener in its own thread, as h2o's server does, reports
 * here, and waits for the main thread's go: no loop runs, and no message is sent to one,
 * before every loop's receivers exist. */
static struct {
    pthread_mutex_t mu;
    pthread_cond_t cond; /* signalled on every change below */
    int listen_fd;       /* the shared listening socket; each loop polls a duplicate */
    size_t reported;     /* loops done setting up, successfully or not */
    size_t failed;       /* of those, loops that could not set up */
    int go;              /* 0 until decided; 1: run the loops; -1: return at once */
} startup = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, -1, 0, 0, 0};

static void on_accept(h2o_socket_t *listener, const char *err);

/* This thread's share of --max-connections. */
static size_t connection_share(const net_thread *t)
{
    const net_server *s = t->server;
    size_t share = (s->opt.max_connections + s->nthreads - 1) / s->nthreads;
    return share > 0 ? share : 1;
}

/* While a thread holds its share of connections it stops accepting: new ones wait in the
 * kernel's backlog, not refused, and a check every 100 ms takes them once some close. */
static void accept_resume(h2o_timeout_entry_t *entry)
{
    net_thread *t = H2O_STRUCT_FROM_MEMBER(net_thread, accept_resume, entry);
    if (t->listener == NULL) /* shutting down */
        return;
    if (net_guard_open(t) >= connection_share(t))
        h2o_timeout_link(t->ctx.loop, &t->ctx.hundred_ms_timeout, &t->accept_resume);
    else
        h2o_socket_read_start(t->listener, on_accept);
}

static void on_accept(h2o_socket_t *listener, const char *err)
{
    net_thread *t = listener->data;
    if (err != NULL)
        return;
    h2o_socket_t *sock;
    /* Accept a few per wake-up so a burst of connections does not wait for more polls. */
    for (int i = 0; i < 16; i++) {
        if (net_guard_open(t) >= connection_share(t)) {
            h2o_socket_read_stop(listener);
            if (!h2o_timeout_is_linked(&t->accept_resume))
                h2o_timeout_link(t->ctx.loop, &t->ctx.hundred_ms_timeout, &t->accept_resume);
            return;
        }
        if ((sock = h2o_evloop_socket_accept(listener)) == NULL)
            return;
        net_guard_accept(t, sock);
    }
}

/* A control message tells a loop to stop accepting; it carries nothing else. */
static void on_control(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    net_thread *t = NULL;
    while (!h2o_linklist_is_empty(messages)) {
        h2o_multithread_message_t *msg =
            H2O_STRUCT_FROM_MEMBER(h2o_multithread_message_t, link, messages->next);
        h2o_linklist_unlink(&msg->link);
        t = *(net_thread **)(msg + 1);
        free(msg);
    }
    if (t != NULL && t->listener != NULL && !atomic_load(&loops_exit)) {
        if (h2o_timeout_is_linked(&t->accept_resume))
            h2o_timeout_unlink(&t->accept_resume);
        h2o_socket_read_stop(t->listener);
        h2o_socket_close(t->listener);
        t->listener = NULL;
        h2o_context_request_shutdown(&t->ctx);
    }
}

static void send_control(net_thread *t)
{
    h2o_multithread_message_t *msg = calloc(1, sizeof(*msg) + sizeof(net_thread *));
    if (msg == NULL)
        core_oom();
    *(net_thread **)(msg + 1) = t;
    h2o_multithread_send_message(&control_receivers[t->index], msg);
}

/* The feed made more changes visible: wake every loop whose writes wait for that. */
static void on_visible(void *ctx, uint64_t seq)
{
    net_server *s = ctx;
    if (!atomic_load(&loops_ready))
        return; /* start-up catch-up: no request waits yet */
    for (size_t i = 0; i < s->nthreads; i++) {
        net_thread *t = &s->threads[i];
        if (atomic_exchange(&t->visibility_pending, true))
            continue; /* one message on its way is enough */
        h2o_multithread_message_t *msg = calloc(1, sizeof(*msg));
        if (msg == NULL)
            core_oom();
        h2o_multithread_send_message(&t->visibility, msg);
    }
}

static void on_visibility(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    net_thread *t = (net_thread *)((char *)receiver - offsetof(net_thread, visibility));
    while (!h2o_linklist_is_empty(messages)) {
        h2o_multithread_message_t *msg =
            H2O_STRUCT_FROM_MEMBER(h2o_multithread_message_t, link, messages->next);
        h2o_linklist_unlink(&msg->link);
        free(msg);
    }
    atomic_store(&t->visibility_pending, false);
    net_http_release_visible(t);
}

/* DIR/eccpd.pid names the running server, so `eccpd reindex` can reach it. The store's
 * lock already guarantees a single server per directory. */
static void write_pid_file(net_server *s)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/eccpd.pid", s->opt.data_dir);
    FILE *f = fopen(path, "w");
    if (f != NULL) {
        fprintf(f, "%d\n", (int)getpid());
        fclose(f);
    }
}

static void remove_pid_file(net_server *s)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/eccpd.pid", s->opt.data_dir);
    unlink(path);
}

enum { BULK_BUILD_MIN = 20000 }; /* changes above which a missing index is bulk-built */

/* Opens the index and brings it up to date with the store before the server is ready. */
static int open_index(net_server *s)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/index", s->opt.data_dir);
    /* No index yet but a long change log (a first start on demo data or an import, or an
     * index moved away): the bulk builder is several times faster than replaying. */
    struct stat st;
    uint64_t changes = core_store_last_seq(s->store);
    if (changes > BULK_BUILD_MIN && stat(path, &st) != 0 && errno == ENOENT) {
        fprintf(stderr, "eccpd: building the search index from the store (%llu changes)\n",
                (unsigned long long)changes);
        if (net_reindex_offline(s->store, s->opt.data_dir) != 0)
            fprintf(stderr, "eccpd: the bulk build failed; replaying the change log instead\n");
    }
    index_writer_options io = {0};
    int rc = index_writer_open(path, &io, &s->index);
    if (rc == INDEX_EFORMAT) {
        /* Written by an older eccpd: the index is derived data, so rebuild it. */
        fprintf(stderr,
                "eccpd: the search index has an older layout (%s); rebuilding it from "
                "the store\n",
                index_last_error());
        if (net_reindex_offline(s->store, s->opt.data_dir) == 0)
            rc = index_writer_open(path, &io, &s->index);
    }
    if (rc != 0) {
        fprintf(stderr,
                "eccpd: cannot open the search index %s: %s\n(it can be rebuilt from the "
                "store: move it away and start again)\n",
                path, index_last_error());
        return -1;
    }
    s->indexer = index_records_new(s->index);
    if (index_completions_start(path, &s->completions) != 0) /* suggestions still work */
        fprintf(stderr, "eccpd: suggestions are read from the index itself (%s)\n",
                index_last_error());
    /* [0] is the index (net/reindex.c replaces it after a rebuild); others follow */
    s->consumers[s->nconsumers++] = index_records_consumer(s->indexer);
    s->xchange = matcher_records_new(s->opt.threads);
    if (matcher_records_load(s->xchange, s->store) != 0)
        fprintf(stderr, "eccpd: ClusterXchange registrations could not be read in one pass; "
                        "replaying the change log instead\n");
    s->consumers[s->nconsumers++] = matcher_records_consumer(s->xchange);
    s->feed = core_feed_new(s->store, s->consumers, s->nconsumers, on_visible, s);
    if (core_feed_catch_up(s->feed) != 0 || core_feed_start(s->feed) != 0) {
        fprintf(stderr, "eccpd: the search index could not catch up with the store\n");
        return -1;
    }
    return 0;
}

/* Creates this thread's h2o context, its receivers and its listener, all on this thread
 * (see startup). Returns 0, or -1 after saying why on stderr. */
static int thread_setup(net_thread *t)
{
    net_server *s = t->server;
    h2o_context_init(&t->ctx, h2o_evloop_create(), &s->config);
    t->accept_ctx.ctx = &t->ctx;
    t->accept_ctx.hosts = s->config.hosts;
    t->accept_ctx.ssl_ctx = s->ssl;
    net_http_thread_init(t);
    h2o_multithread_register_receiver(t->ctx.queue, &control_receivers[t->index], on_control);
    h2o_multithread_register_receiver(t->ctx.queue, &t->visibility, on_visibility);
    h2o_linklist_init_anchor(&t->waiting);
    int fd = dup(startup.listen_fd);
    if (fd < 0) {
        fprintf(stderr, "eccpd: event-loop thread %zu: dup: %s\n", t->index, strerror(errno));
        return -1;
    }
    t->accept_resume.cb = accept_resume;
    net_guard_thread_init(t);
    t->listener = h2o_evloop_socket_create(t->ctx.loop, fd, H2O_SOCKET_FLAG_DONT_READ);
    t->listener->data = t;
    h2o_socket_read_start(t->listener, on_accept);
    return 0;
}

static void *thread_main(void *arg)
{
    net_thread *t = arg;
    net_server *s = t->server;
    int rc = thread_setup(t);
    pthread_mutex_lock(&startup.mu);
    startup.reported++;
    if (rc != 0)
        startup.failed++;
    pthread_cond_broadcast(&startup.cond);
    while (startup.go == 0)
        pthread_cond_wait(&startup.cond, &startup.mu);
    bool run = startup.go > 0;
    pthread_mutex_unlock(&startup.mu);
    if (!run)
        return NULL; /* a loop failed to set up: the server exits without serving */
    assert(rc == 0);
    uint64_t flushed = net_now_us();
    while (!atomic_load(&loops_exit)) {
        h2o_evloop_run(t->ctx.loop, 100);
        /* The access log is fully buffered for speed; the first loop flushes it at least
         * once a second so lines show up while someone is watching. */
        if (t->index == 0 && s->access_log != NULL && net_now_us() - flushed > 1000000) {
            pthread_mutex_lock(&s->log_mu);
            fflush(s->access_log);
            pthread_mutex_unlock(&s->log_mu);
            flushed = net_now_us();
        }
    }
    return NULL;
}

static int parse_listen(const char *spec, struct sockaddr_storage *ss, socklen_t *len)
{
    char host[256];
    const char *port;
    if (spec[0] == '[') {
        const char *close = strchr(spec, ']');
        if (close == NULL || close[1] != ':' || (size_t)(close - spec - 1) >= sizeof(host))
            return -1;
        memcpy(host, spec + 1, (size_t)(close - spec - 1));
        host[close - spec - 1] = '\0';
        port = close + 2;
    } else {
        const char *colon = strrchr(spec, ':');
        if (colon == NULL || (size_t)(colon - spec) >= sizeof(host))
            return -1;
        memcpy(host, spec, (size_t)(colon - spec));
        host[colon - spec] = '\0';
        port = colon + 1;
    }
    char *end;
    long p = strtol(port, &end, 10);
    if (*port == '\0' || *end != '\0' || p < 0 || p > 65535) /* getaddrinfo wraps 99999 */
        return -1;
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res;
    if (getaddrinfo(host[0] ? host : NULL, port, &hints, &res) != 0)
        return -1;
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

static int open_listener(net_server *s)
{
    if (parse_listen(s->opt.listen, &s->listen_addr, &s->listen_addrlen) != 0) {
        fprintf(stderr, "eccpd: --listen %s: expected HOST:PORT, e.g. 127.0.0.1:8080\n",
                s->opt.listen);
        return -1;
    }
    int fd = socket(s->listen_addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int on = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
        bind(fd, (struct sockaddr *)&s->listen_addr, s->listen_addrlen) != 0 ||
        listen(fd, 1024) != 0) {
        fprintf(stderr, "eccpd: cannot listen on %s: %s\n", s->opt.listen, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

static SSL_CTX *open_tls(const net_server_options *o)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL)
        return NULL;
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    if (SSL_CTX_use_certificate_chain_file(ctx, o->tls_cert) != 1) {
        fprintf(stderr, "eccpd: cannot load the certificate %s\n", o->tls_cert);
        SSL_CTX_free(ctx);
        return NULL;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, o->tls_key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        fprintf(stderr, "eccpd: cannot load the private key %s (or it does not match)\n",
                o->tls_key);
        SSL_CTX_free(ctx);
        return NULL;
    }
    h2o_ssl_register_alpn_protocols(ctx, h2o_http2_alpn_protocols);
    return ctx;
}

int net_server_check_options(const net_server_options *o)
{
    struct sockaddr_storage ss;
    socklen_t len;
    if (parse_listen(o->listen, &ss, &len) != 0) {
        fprintf(stderr, "eccpd serve: --listen %s: expected HOST:PORT, e.g. 127.0.0.1:8080\n",
                o->listen);
        return 2;
    }
    /* a trial bind: an address in use or not ours stops here, before a store exists */
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0), on = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
        bind(fd, (struct sockaddr *)&ss, len) != 0) {
        fprintf(stderr, "eccpd serve: cannot listen on %s: %s\n", o->listen, strerror(errno));
        if (fd >= 0)
            close(fd);
        return 2;
    }
    close(fd);
    if (o->tls_cert != NULL) {
        SSL_CTX *ctx = open_tls(o);
        if (ctx == NULL)
            return 2;
        SSL_CTX_free(ctx);
    }
    if (strcmp(o->access_log, "off") != 0 && strcmp(o->access_log, "-") != 0) {
        char dir[4096];
        snprintf(dir, sizeof(dir), "%s", o->access_log);
        char *slash = strrchr(dir, '/');
        if (slash == dir)
            dir[1] = '\0';
        else if (slash != NULL)
            *slash = '\0';
        else
            snprintf(dir, sizeof(dir), ".");
        if (access(dir, W_OK) != 0) {
            fprintf(stderr, "eccpd serve: --access-log %s: cannot write in %s: %s\n", o->access_log,
                    dir, strerror(errno));
            return 2;
        }
    }
    return 0;
}

static int64_t inflight(net_server *s)
{
    int64_t n = 0;
    for (size_t i = 0; i < s->nthreads; i++)
        n += atomic_load(&s->threads[i].metrics.inflight);
    return n;
}

int net_server_run(const net_server_options *opt)
{
    net_server *s = calloc(1, sizeof(*s));
    if (s == NULL)
        core_oom();
    s->opt = *opt;
    s->started_at = time(NULL);
    int exit_code = 1, fd = -1;
    char *err = NULL;

    /* Block the signals in every thread; one thread waits for them. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGUSR1); /* eccpd reindex */
    sigaddset(&sigs, SIGUSR2); /* eccpd backup */
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (strcmp(opt->access_log, "off") == 0)
        s->access_log = NULL;
    else if (strcmp(opt->access_log, "-") == 0)
        s->access_log = stdout;
    else if ((s->access_log = fopen(opt->access_log, "a")) == NULL) {
        fprintf(stderr, "eccpd: cannot open the access log %s: %s\n", opt->access_log,
                strerror(errno));
        goto Exit;
    }
    pthread_mutex_init(&s->log_mu, NULL);

    if (opt->tls_cert != NULL && (s->ssl = open_tls(opt)) == NULL)
        goto Exit;

    char path[4096];
    snprintf(path, sizeof(path), "%s/store", opt->data_dir);
    if (core_store_open(path, &s->store, &err) != 0) {
        pid_t other = net_control_server(opt->data_dir);
        if (other > 0)
            fprintf(stderr, "eccpd is already running on %s (pid %d)\n", opt->data_dir, (int)other);
        else if (err != NULL && strstr(err, "LOCK") != NULL)
            fprintf(stderr, "eccpd is already running on %s (a process holds its store's lock)\n",
                    opt->data_dir);
        else
            fprintf(stderr, "eccpd: %s (%s)\n", err ? err : "cannot open the store", path);
        goto Exit;
    }
    snprintf(path, sizeof(path), "%s/outbox", opt->data_dir);
    if (opt->public_url != NULL) /* unsubscribe links in e-mails (issue 20) */
        core_outbox_set_public_url(opt->public_url);
    if ((s->outbox = core_outbox_start(s->store, path, opt->mail_from)) == NULL)
        goto Exit;
    if (opt->smtp != NULL && (s->smtp = net_smtp_start(path, opt->smtp, opt->mail_from)) == NULL)
        goto Exit;
    if (open_index(s) != 0)
        goto Exit;
    if ((s->partner_sweeper = net_partner_sweeper_start(s->store, s->outbox, 60)) == NULL)
        goto Exit;
    if ((fd = open_listener(s)) < 0)
        goto Exit;

    s->router = net_router_new();
    net_routes_register(s->router);
    s->pool = net_pool_new(opt->pool_threads);
    s->login_limits = net_ratelimit_new();

    h2o_config_init(&s->config);
    /* h2o buffers a body up to this before any handler sees it (and drops an h2c
     * connection above it): the largest route limit, so nothing bigger is ever held. An
     * HTTP/1 body above its own route's limit is refused from its head by net/guard.c;
     * over HTTP/2, h2o gives no such hook, and decode_body answers the 413. */
    size_t largest = opt->max_body;
    for (size_t i = 0; i < net_router_count(s->router); i++)
        if (net_router_route(s->router, i)->body_limit > largest)
            largest = net_router_route(s->router, i)->body_limit;
    s->config.max_request_entity_size = largest;
    s->config.http1.upgrade_to_http2 = 1;
    s->hostconf =
        h2o_config_register_host(&s->config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *pathconf = h2o_config_register_path(s->hostconf, "/", 0);
    h2o_handler_t *handler = h2o_create_handler(pathconf, sizeof(*handler));
    handler->on_req = net_http_on_req;

    s->nthreads = opt->threads;
    s->threads = calloc(s->nthreads, sizeof(*s->threads));
    control_receivers = calloc(s->nthreads, sizeof(*control_receivers));
    if (s->threads == NULL || control_receivers == NULL)
        core_oom();
    size_t nroutes = net_router_count(s->router) + 1;
    for (size_t i = 0; i < s->nthreads; i++) {
        net_thread *t = &s->threads[i];
        t->index = i;
        t->server = s;
        net_metrics_init(&t->metrics, nroutes);
    }
    /* Each loop sets itself up in its own thread (see startup); wait for every one that
     * started to report, successfully or not, before anything may reach a loop. */
    startup.listen_fd = fd;
    size_t started = 0;
    for (; started < s->nthreads; started++) {
        int e = pthread_create(&s->threads[started].tid, NULL, thread_main, &s->threads[started]);
        if (e != 0) {
            fprintf(stderr, "eccpd: cannot start event-loop thread %zu: %s\n", started,
                    strerror(e));
            break;
        }
    }
    pthread_mutex_lock(&startup.mu);
    while (startup.reported < started)
        pthread_cond_wait(&startup.cond, &startup.mu);
    bool loops_ok = started == s->nthreads && startup.failed == 0;
    pthread_mutex_unlock(&startup.mu);
    close(fd); /* every loop that started holds its own duplicate */
    fd = startup.listen_fd = -1;
    if (!loops_ok) {
        pthread_mutex_lock(&startup.mu);
        startup.go = -1;
        pthread_cond_broadcast(&startup.cond);
        pthread_mutex_unlock(&startup.mu);
        for (size_t i = 0; i < started; i++)
            pthread_join(s->threads[i].tid, NULL);
        fprintf(stderr, "eccpd: the event loops could not be set up; not serving\n");
        goto Exit;
    }
    atomic_store(&loops_ready, true);

    atomic_store(&s->ready, true);
    fprintf(stderr, "eccpd: serving on %s%s (%zu threads), data in %s\n",
            s->ssl ? "https://" : "http://", opt->listen, s->nthreads, opt->data_dir);
    fflush(stderr);
    pthread_mutex_lock(&startup.mu);
    startup.go = 1;
    pthread_cond_broadcast(&startup.cond);
    pthread_mutex_unlock(&startup.mu);

    write_pid_file(s);
    int sig;
    while (sigwait(&sigs, &sig) == 0 && (sig == SIGUSR1 || sig == SIGUSR2)) {
        if (sig == SIGUSR1)
            net_reindex_start(s);
        else
            net_backup_start(s);
    }
    fprintf(stderr, "eccpd: %s received, draining requests in flight\n",
            sig == SIGTERM ? "SIGTERM" : "SIGINT");
    atomic_store(&s->stopping, true);
    atomic_store(&s->ready, false);
    for (size_t i = 0; i < s->nthreads; i++)
        send_control(&s->threads[i]);
    uint64_t deadline = net_now_us() + (uint64_t)(opt->drain_seconds * 1e6);
    core_store_stats st;
    for (;;) {
        core_store_get_stats(s->store, &st);
        if ((inflight(s) == 0 && st.queue_depth == 0) || net_now_us() > deadline)
            break;
        usleep(10000);
    }
    if (inflight(s) > 0)
        fprintf(stderr, "eccpd: %lld requests still in flight after %.1fs; stopping anyway\n",
                (long long)inflight(s), opt->drain_seconds);
    net_reindex_wait(s); /* a rebuild or backup in progress finishes first */
    net_backup_wait();
    atomic_store(&loops_exit, true);
    for (size_t i = 0; i < s->nthreads; i++)
        pthread_join(s->threads[i].tid, NULL);
    exit_code = 0;
    remove_pid_file(s);

Exit:
    if (fd >= 0)
        close(fd);
    /* Closing the store finishes any queued write before RocksDB closes. */
    net_pool_free(s->pool);
    net_partner_sweeper_stop(s->partner_sweeper); /* before the outbox it kicks */
    core_outbox_stop(s->outbox);                  /* delivers what is queued, then stops */
    net_smtp_stop(s->smtp);  /* what is left in the spool goes at the next start */
    core_feed_free(s->feed); /* applies what is committed, then stops */
    index_records_free(s->indexer);
    matcher_records_free(s->xchange); /* after the feed, which writes it */
    if (s->index != NULL)
        index_writer_close(s->index);
    for (size_t i = 0; s->threads != NULL && i < s->nthreads; i++)
        if (s->threads[i].reader != NULL)
            index_reader_close(s->threads[i].reader);
    index_completions_stop(s->completions); /* after the readers that use it */
    core_store_close(s->store);
    net_ratelimit_free(s->login_limits);
    if (s->access_log != NULL && s->access_log != stdout)
        fclose(s->access_log);
    else if (s->access_log == stdout)
        fflush(stdout);
    if (exit_code == 0)
        fprintf(stderr, "eccpd: stopped cleanly\n");
    free(err);
    /* Threads' contexts and metrics are left to process exit: the loops are stopped and
     * nothing else refers to them. */
    return exit_code;
}
