/* router.c: see router.h. */
#include "net/router.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

struct net_router {
    net_route *routes;
    size_t len, cap;
};

net_router *net_router_new(void)
{
    net_router *r = calloc(1, sizeof(*r));
    if (r == NULL)
        core_oom();
    return r;
}

void net_router_free(net_router *r)
{
    if (r == NULL)
        return;
    free(r->routes);
    free(r);
}

static size_t split(const char *path, size_t len, const char **seg, size_t *seglen, size_t max)
{
    size_t n = 0, i = 0;
    while (i < len) {
        if (path[i] == '/') {
            i++;
            continue;
        }
        size_t start = i;
        while (i < len && path[i] != '/')
            i++;
        if (n == max)
            return max + 1; /* too many segments: matches nothing */
        seg[n] = path + start;
        seglen[n] = i - start;
        n++;
    }
    return n;
}

void net_router_add(net_router *r, const char *method, const char *pattern, net_handler_fn fn,
                    unsigned flags, size_t body_limit)
{
    if (r->len == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 32;
        r->routes = realloc(r->routes, r->cap * sizeof(*r->routes));
        if (r->routes == NULL)
            core_oom();
    }
    net_route *rt = &r->routes[r->len++];
    memset(rt, 0, sizeof(*rt));
    rt->method = method;
    rt->pattern = pattern;
    rt->fn = fn;
    rt->flags = flags;
    rt->body_limit = body_limit;
    rt->nseg = split(pattern, strlen(pattern), rt->seg, rt->seglen, NET_ROUTE_MAX_SEGMENTS);
}

static int fits(const net_route *rt, const char **seg, const size_t *seglen, size_t nseg,
                net_match *m)
{
    if (rt->nseg != nseg)
        return 0;
    size_t np = 0;
    for (size_t i = 0; i < nseg; i++) {
        if (rt->seg[i][0] == '{') {
            if (np < NET_ROUTE_MAX_PARAMS) {
                m->param_name[np] = (core_slice){rt->seg[i] + 1, rt->seglen[i] - 2};
                m->param[np] = (core_slice){seg[i], seglen[i]};
                np++;
            }
            continue;
        }
        if (rt->seglen[i] != seglen[i] || memcmp(rt->seg[i], seg[i], seglen[i]) != 0)
            return 0;
    }
    m->nparams = np;
    return 1;
}

net_route_result net_router_match(const net_router *r, const char *method, size_t mlen,
                                  const char *path, size_t plen, net_match *m)
{
    const char *seg[NET_ROUTE_MAX_SEGMENTS];
    size_t seglen[NET_ROUTE_MAX_SEGMENTS];
    size_t nseg = split(path, plen, seg, seglen, NET_ROUTE_MAX_SEGMENTS);
    m->route = NULL;
    m->allow[0] = '\0';
    m->nparams = 0;
    bool path_known = false;
    for (size_t i = 0; i < r->len; i++) {
        const net_route *rt = &r->routes[i];
        if (!fits(rt, seg, seglen, nseg, m))
            continue;
        if (strlen(rt->method) == mlen && memcmp(rt->method, method, mlen) == 0) {
            m->route = rt;
            m->route_index = i;
            return NET_ROUTE_MATCHED;
        }
        path_known = true;
        size_t used = strlen(m->allow);
        if (strstr(m->allow, rt->method) == NULL &&
            used + strlen(rt->method) + 3 < sizeof(m->allow)) {
            if (used)
                strcat(m->allow, ", ");
            strcat(m->allow, rt->method);
        }
    }
    return path_known ? NET_ROUTE_NO_METHOD : NET_ROUTE_NO_PATH;
}

size_t net_router_count(const net_router *r)
{
    return r->len;
}

const net_route *net_router_route(const net_router *r, size_t i)
{
    return &r->routes[i];
}
