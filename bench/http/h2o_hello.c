/*
 * h2o_hello.c: the ceiling for eccpd's HTTP numbers. A bare libh2o server that answers
 * GET /healthz with {"status":"ok"} and nothing else, built the way eccpd's net/ layer is
 * (evloop, one h2o_context and one SO_REUSEPORT listener per thread, HTTP/1.1 and
 * cleartext HTTP/2 with prior knowledge), so the ratio eccpd/hello that healthz.sh prints
 * is the cost of everything eccpd adds on top of libh2o.
 *
 *   bench_h2o_hello [--listen HOST:PORT] [--threads N]    (defaults 127.0.0.1:8081, 1)
 *
 * Every listener is bound before any thread starts, so once the port accepts a
 * connection the server is fully up. It runs until killed; there is no state to save.
 */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <h2o.h>

#define HEALTHZ_BODY "{\"status\":\"ok\"}"
#define MAX_THREADS 256

/* One event loop thread: its context, its listener and the accept context they share. */
typedef struct hello_thread {
    pthread_t tid;            /* the thread running the loop */
    int fd;                   /* its listening socket (SO_REUSEPORT, bound, listening) */
    h2o_context_t ctx;        /* its h2o context, initialised on the thread */
    h2o_accept_ctx_t accept;  /* what h2o_accept needs for a new connection */
    h2o_globalconf_t *config; /* the configuration shared by every thread */
} hello_thread;

/* Answers GET /healthz; anything else falls through to h2o's own 404. */
static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
    if (!h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET")) ||
        !h2o_memis(req->path_normalized.base, req->path_normalized.len, H2O_STRLIT("/healthz")))
        return -1;
    req->res.status = 200;
    req->res.reason = "OK";
    /* h2o keeps pointers to header values: a literal lives forever, anything built per
     * request would have to come from req->pool. */
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("application/json"));
    /* h2o_send_inline sets no length of its own: without this HTTP/1.1 goes chunked. */
    req->res.content_length = sizeof(HEALTHZ_BODY) - 1;
    h2o_send_inline(req, H2O_STRLIT(HEALTHZ_BODY));
    return 0;
}

static void on_accept(h2o_socket_t *listener, const char *err)
{
    if (err != NULL)
        return;
    h2o_socket_t *sock = h2o_evloop_socket_accept(listener);
    if (sock != NULL)
        h2o_accept(listener->data, sock);
}

static void *run_thread(void *arg)
{
    hello_thread *t = arg;
    h2o_evloop_t *loop = h2o_evloop_create();
    h2o_context_init(&t->ctx, loop, t->config);
    t->accept.ctx = &t->ctx;
    t->accept.hosts = t->config->hosts;
    h2o_socket_t *listener = h2o_evloop_socket_create(loop, t->fd, H2O_SOCKET_FLAG_DONT_READ);
    listener->data = &t->accept;
    h2o_socket_read_start(listener, on_accept);
    while (h2o_evloop_run(loop, INT32_MAX) == 0)
        ;
    fprintf(stderr, "bench_h2o_hello: event loop failed\n");
    exit(1);
}

/* Opens a listening socket with SO_REUSEPORT on ADDR; returns the fd or -1 (with a
 * message). */
static int open_listener(const struct addrinfo *addr)
{
    int fd = -1, on = 1;
    if ((fd = socket(addr->ai_family, addr->ai_socktype | SOCK_CLOEXEC, addr->ai_protocol)) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) != 0 ||
        bind(fd, addr->ai_addr, addr->ai_addrlen) != 0 || listen(fd, SOMAXCONN) != 0) {
        perror("bench_h2o_hello: listen");
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* Resolves HOST:PORT (HOST may be a bracketed IPv6 address) into *RESULT. */
static int resolve(const char *listen_arg, struct addrinfo **result)
{
    char host[256];
    const char *colon = strrchr(listen_arg, ':');
    size_t host_len = colon != NULL ? (size_t)(colon - listen_arg) : 0;
    if (colon == NULL || host_len == 0 || host_len >= sizeof(host) || colon[1] == '\0')
        return -1;
    memcpy(host, listen_arg, host_len);
    host[host_len] = '\0';
    const char *h = host;
    if (host_len >= 2 && host[0] == '[' && host[host_len - 1] == ']') {
        host[host_len - 1] = '\0';
        h = host + 1;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    int ret = getaddrinfo(h, colon + 1, &hints, result);
    if (ret != 0) {
        fprintf(stderr, "bench_h2o_hello: %s: %s\n", listen_arg, gai_strerror(ret));
        return -1;
    }
    return 0;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: bench_h2o_hello [--listen HOST:PORT] [--threads N]\n"
                 "  A bare libh2o server answering GET /healthz (HTTP/1.1 and h2c).\n"
                 "  --listen HOST:PORT  address to listen on (default 127.0.0.1:8081)\n"
                 "  --threads N         event loop threads, each with its own listener "
                 "(default 1)\n");
}

int main(int argc, char **argv)
{
    static const struct option options[] = {{"listen", required_argument, NULL, 'l'},
                                            {"threads", required_argument, NULL, 't'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    const char *listen_arg = "127.0.0.1:8081";
    long nthreads = 1;
    int c;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (c) {
        case 'l':
            listen_arg = optarg;
            break;
        case 't': {
            char *end;
            errno = 0;
            nthreads = strtol(optarg, &end, 10);
            if (errno != 0 || *end != '\0' || nthreads < 1 || nthreads > MAX_THREADS) {
                fprintf(stderr, "bench_h2o_hello: --threads must be 1..%d\n", MAX_THREADS);
                return 2;
            }
            break;
        }
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }

    signal(SIGPIPE, SIG_IGN);

    static h2o_globalconf_t config;
    h2o_config_init(&config);
    h2o_hostconf_t *host =
        h2o_config_register_host(&config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *path = h2o_config_register_path(host, "/", 0);
    h2o_create_handler(path, sizeof(h2o_handler_t))->on_req = on_req;

    struct addrinfo *addr = NULL;
    if (resolve(listen_arg, &addr) != 0) {
        usage(stderr);
        return 2;
    }
    hello_thread *threads = calloc((size_t)nthreads, sizeof(*threads));
    if (threads == NULL) {
        perror("bench_h2o_hello");
        return 1;
    }
    for (long i = 0; i < nthreads; i++) {
        threads[i].config = &config;
        if ((threads[i].fd = open_listener(addr)) < 0)
            return 1;
    }
    freeaddrinfo(addr);

    for (long i = 0; i < nthreads; i++) {
        int ret = pthread_create(&threads[i].tid, NULL, run_thread, &threads[i]);
        if (ret != 0) {
            fprintf(stderr, "bench_h2o_hello: pthread_create: %s\n", strerror(ret));
            return 1;
        }
    }
    fprintf(stderr, "bench_h2o_hello: listening on %s with %ld thread(s)\n", listen_arg, nthreads);
    for (long i = 0; i < nthreads; i++)
        pthread_join(threads[i].tid, NULL);
    return 0;
}
