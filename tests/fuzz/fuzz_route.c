/*
 * fuzz_route: the router with every route eccpd serves (net_routes_register), its path
 * parameters (net_req_param) and the query-string parser (net_req_query).
 *
 * Input: the first byte picks the method (or, above the list, the method is the bytes up
 * to the first space); the rest is the request target, path and query string.
 * Properties: a match names a route of that method whose segment count is the path's, and
 * its parameters are slices of the path; 405 lists the method nowhere in Allow; decoded
 * parameters and query values are NUL-free valid UTF-8 no longer than their raw bytes.
 */
#include <string.h>

#include "fuzz.h"
#include "core/error.h"
#include "net/http.h"
#include "net/router.h"

void net_routes_register(net_router *r);

static net_router *router;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    router = net_router_new();
    net_routes_register(router);
    return 0;
}

static void check_decoded(const char *s, size_t rawlen)
{
    if (s == NULL)
        return;
    size_t n = strlen(s);
    FUZZ_CHECK(n <= rawlen);
    FUZZ_CHECK(core_utf8_valid(s, n));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const methods[] = {"GET",    "POST", "PUT",    "PATCH",
                                          "DELETE", "HEAD", "OPTIONS"};
    if (router == NULL)
        LLVMFuzzerInitialize(NULL, NULL);
    if (size == 0)
        return 0;
    const char *p = (const char *)data + 1, *end = (const char *)data + size;
    const char *method;
    size_t mlen;
    if (data[0] < sizeof methods / sizeof methods[0]) {
        method = methods[data[0]];
        mlen = strlen(method);
    } else {
        const char *sp = memchr(p, ' ', (size_t)(end - p));
        if (sp == NULL)
            return 0;
        method = p;
        mlen = (size_t)(sp - p);
        p = sp + 1;
    }
    size_t tlen = (size_t)(end - p);
    const char *q = memchr(p, '?', tlen);
    size_t plen = q ? (size_t)(q - p) : tlen;

    net_match m;
    memset(&m, 0, sizeof m);
    net_route_result rc = net_router_match(router, method, mlen, p, plen, &m);
    FUZZ_CHECK(rc == NET_ROUTE_MATCHED || rc == NET_ROUTE_NO_METHOD || rc == NET_ROUTE_NO_PATH);
    if (rc == NET_ROUTE_NO_METHOD) {
        FUZZ_CHECK(m.allow[0] != '\0');
        FUZZ_CHECK(memchr(m.allow, '\0', sizeof m.allow) != NULL);
    }
    if (rc != NET_ROUTE_MATCHED)
        return 0;
    FUZZ_CHECK(m.route != NULL);
    FUZZ_CHECK(strlen(m.route->method) == mlen && memcmp(m.route->method, method, mlen) == 0);
    FUZZ_CHECK(m.nparams <= NET_ROUTE_MAX_PARAMS);
    for (size_t i = 0; i < m.nparams; i++) {
        FUZZ_CHECK(m.param[i].ptr >= p && m.param[i].ptr + m.param[i].len <= p + plen);
        FUZZ_CHECK(memchr(m.param[i].ptr, '/', m.param[i].len) == NULL);
    }

    /* a request as the handlers see it: the parameters and query of this target */
    h2o_req_t hreq;
    memset(&hreq, 0, sizeof hreq);
    hreq.path = h2o_iovec_init(p, tlen);
    hreq.query_at = q ? (size_t)(q - p) : SIZE_MAX;
    net_req r;
    memset(&r, 0, sizeof r);
    r.req = &hreq;
    core_arena_init(&r.arena);
    r.match = m;
    for (size_t i = 0; i < m.nparams; i++) {
        char name[64];
        size_t nl = m.param_name[i].len < sizeof name - 1 ? m.param_name[i].len : sizeof name - 1;
        memcpy(name, m.param_name[i].ptr, nl);
        name[nl] = '\0';
        const char *v = net_req_param(&r, name);
        check_decoded(v, m.param[i].len);
    }
    static const char *const names[] = {
        "q",    "page",  "per_page", "country", "ecosystem", "facets", "sort",   "bbox",
        "zoom", "limit", "kind",     "from",    "to",        "role",   "unread", ""};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        check_decoded(net_req_query(&r, names[i]), q ? (size_t)(end - q) : 0);
    core_arena_dispose(&r.arena);
    return 0;
}
