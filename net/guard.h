/*
 * guard.h: a check of each connection's bytes before h2o's parsers act on them, for what
 * h2o 2.2 (Debian 12's libh2o) cannot be asked to do itself: refuse a body above its
 * route's limit as soon as its head says so (h2o buffers any body up to one global
 * limit before a handler can see the request), answer malformed HTTP/1 framing with the
 * API's JSON error instead of h2o's plain-text 400, refuse ambiguous framing (a
 * Content-Length together with Transfer-Encoding, a body longer than its
 * Content-Length), close HTTP/2 connections that trickle a header block, and cap the
 * connections a loop holds.
 *
 * How: each accepted socket carries a net_guard_conn (as its on_close data, which h2o
 * leaves to the socket's owner for server sockets). h2o re-arms a connection's reading
 * with h2o_socket_read_start, which guard.c defines over libh2o's own (libh2o calls it
 * through its PLT, so the executable's definition is the one it reaches, as with
 * jemalloc's malloc) and which puts the guard's callback in front of h2o's HTTP/1 and
 * HTTP/2 readers; it knows those readers by probing each loop once at start. A refused
 * request is answered through the socket (TLS included), further input is discarded,
 * and the connection is closed a second later, so the client reads the answer instead
 * of a reset.
 *
 * All of it runs on the connection's own loop thread; nothing is shared but the two
 * probed callbacks, written once before any connection is accepted.
 */
#ifndef ECCPD_NET_GUARD_H
#define ECCPD_NET_GUARD_H

#include <h2o.h>
#include <h2o/http1.h>
#include <h2o/http2.h>

#include "net/server.h"

enum {
    NET_GUARD_H2_HEADER_BLOCK_MS = 10000, /* an HTTP/2 header block must end within this */
};

/* Learns h2o's HTTP/1 and HTTP/2 read callbacks on this loop (once per process); call
 * on each loop thread after its context exists and before it accepts. */
void net_guard_thread_init(net_thread *t);
/* Accepts sock for thread t under the guard: attaches its state and hands it to h2o.
 * Returns false (and closes sock) when the thread holds its share of
 * --max-connections already. */
bool net_guard_accept(net_thread *t, h2o_socket_t *sock);
/* Connections open on thread t. */
size_t net_guard_open(const net_thread *t);

#endif
