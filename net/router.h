/*
 * router.h: method + path pattern routing.
 *
 * Patterns are literal segments and {name} parameters ("/v1/profiles/{id}/check").
 * Matching walks the route table once per request (tens of routes; a linear scan over
 * pre-split segments costs well under a microsecond). A path that matches some pattern
 * with another method yields 405 with the Allow list; no match at all yields 404.
 * The table is built at start-up and read-only afterwards, so threads share it freely.
 */
#ifndef ECCPD_NET_ROUTER_H
#define ECCPD_NET_ROUTER_H

#include <stddef.h>

#include "core/arena.h"

enum { NET_ROUTE_MAX_PARAMS = 4, NET_ROUTE_MAX_SEGMENTS = 8 };

typedef struct net_req net_req;
typedef void (*net_handler_fn)(net_req *r);

typedef struct net_route {
    const char *method;  /* "GET", "POST", ... */
    const char *pattern; /* as registered; also the route's label in metrics */
    net_handler_fn fn;
    unsigned flags;    /* NET_ROUTE_* */
    size_t body_limit; /* largest accepted body in bytes (0 = the default) */
    /* private: the pattern split into segments */
    size_t nseg;
    const char *seg[NET_ROUTE_MAX_SEGMENTS];
    size_t seglen[NET_ROUTE_MAX_SEGMENTS];
} net_route;

enum {
    NET_ROUTE_NO_LOG = 1,    /* not written to the access log (probes) */
    NET_ROUTE_NO_REPLAY = 2, /* its response holds a secret: never stored for an
                                Idempotency-Key replay (a retry acts again) */
    NET_ROUTE_RAW_BODY = 4,  /* the body is bytes for the handler (r->req->entity), not
                                JSON or MessagePack: only its size limit is checked */
};

typedef struct net_router net_router;

typedef struct net_match {
    const net_route *route; /* NULL when nothing matched */
    size_t route_index;     /* index for metrics */
    char allow[128];        /* for 405: the methods the path allows, comma-separated */
    size_t nparams;
    core_slice param_name[NET_ROUTE_MAX_PARAMS];
    core_slice param[NET_ROUTE_MAX_PARAMS]; /* slices of the request path (not decoded) */
} net_match;

net_router *net_router_new(void);
void net_router_free(net_router *r);
/* Adds a route; the strings must outlive the router (literals). */
void net_router_add(net_router *r, const char *method, const char *pattern, net_handler_fn fn,
                    unsigned flags, size_t body_limit);
typedef enum net_route_result {
    NET_ROUTE_MATCHED = 0, /* m->route is the handler */
    NET_ROUTE_NO_PATH,     /* no pattern fits the path (404) */
    NET_ROUTE_NO_METHOD,   /* the path fits, not the method; m->allow lists the methods (405) */
} net_route_result;

/* Matches a request; path excludes the query string. */
net_route_result net_router_match(const net_router *r, const char *method, size_t mlen,
                                  const char *path, size_t plen, net_match *m);
size_t net_router_count(const net_router *r);
const net_route *net_router_route(const net_router *r, size_t i);

#endif
