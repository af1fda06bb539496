/* Unit tests of net/ without a server: the router and its path parameters, the query
 * string, the JSON body reader and writer, and the rate limits. The same code answers
 * real requests in tests/api; here each rule is pinned down on its own. */
#include <h2o.h>
#include <stdint.h>

#include "check.h"
#include "core/arena.h"
#include "core/error.h"
#include "net/buf.h"
#include "net/http.h"
#include "net/json.h"
#include "net/ratelimit.h"
#include "net/router.h"

static void h_a(net_req *r)
{
    (void)r;
}
static void h_b(net_req *r)
{
    (void)r;
}

static net_route_result match(const net_router *rt, const char *method, const char *path,
                              net_match *m)
{
    return net_router_match(rt, method, strlen(method), path, strlen(path), m);
}

static void router_matches_methods_and_parameters(void)
{
    net_router *rt = net_router_new();
    net_router_add(rt, "GET", "/v1/profiles/{id}", h_a, 0, 0);
    net_router_add(rt, "PATCH", "/v1/profiles/{id}", h_b, 0, 1024);
    net_router_add(rt, "GET", "/v1/profiles/{id}/members", h_b, 0, 0);
    net_router_add(rt, "POST", "/v1/events/{id}/requests/{rid}/accept", h_a, 0, 0);
    net_match m;

    CHECK_EQ(match(rt, "GET", "/v1/profiles/p1", &m), NET_ROUTE_MATCHED);
    CHECK(m.route->fn == h_a);
    CHECK_EQ(m.nparams, 1);
    CHECK_MEM_EQ(m.param_name[0].ptr, m.param_name[0].len, "id", 2);
    CHECK_MEM_EQ(m.param[0].ptr, m.param[0].len, "p1", 2);

    CHECK_EQ(match(rt, "PATCH", "/v1/profiles/p1", &m), NET_ROUTE_MATCHED);
    CHECK(m.route->fn == h_b);
    CHECK_EQ(m.route->body_limit, 1024);
    CHECK_EQ(m.route_index, 1);

    CHECK_EQ(match(rt, "POST", "/v1/events/e1/requests/r9/accept", &m), NET_ROUTE_MATCHED);
    CHECK_EQ(m.nparams, 2);
    CHECK_MEM_EQ(m.param[1].ptr, m.param[1].len, "r9", 2);

    /* the path is known, the method not: 405 with the methods it allows */
    CHECK_EQ(match(rt, "DELETE", "/v1/profiles/p1", &m), NET_ROUTE_NO_METHOD);
    CHECK(m.route == NULL);
    CHECK_STR_EQ(m.allow, "GET, PATCH");

    /* a method is matched whole, not by prefix */
    CHECK_EQ(match(rt, "GE", "/v1/profiles/p1", &m), NET_ROUTE_NO_METHOD);
    CHECK_EQ(match(rt, "GETX", "/v1/profiles/p1", &m), NET_ROUTE_NO_METHOD);

    CHECK_EQ(match(rt, "GET", "/v1/profile/p1", &m), NET_ROUTE_NO_PATH);
    CHECK_EQ(match(rt, "GET", "/v1/profiles", &m), NET_ROUTE_NO_PATH);
    CHECK_EQ(match(rt, "GET", "/v1/profiles/p1/members/x", &m), NET_ROUTE_NO_PATH);
    CHECK_EQ(match(rt, "GET", "", &m), NET_ROUTE_NO_PATH);

    /* empty segments do not count: a trailing or doubled slash reaches the same route */
    CHECK_EQ(match(rt, "GET", "/v1//profiles/p1/", &m), NET_ROUTE_MATCHED);
    CHECK_MEM_EQ(m.param[0].ptr, m.param[0].len, "p1", 2);

    /* more segments than a route may have matches nothing instead of being cut short */
    char deep[1024] = "/v1/profiles/p1";
    for (int i = 0; i < NET_ROUTE_MAX_SEGMENTS + 2; i++)
        strcat(deep, "/x");
    CHECK_EQ(match(rt, "GET", deep, &m), NET_ROUTE_NO_PATH);

    CHECK_EQ(net_router_count(rt), 4);
    CHECK_STR_EQ(net_router_route(rt, 3)->pattern, "/v1/events/{id}/requests/{rid}/accept");
    net_router_free(rt);
}

/* A request as a handler sees it: path with query, the route's parameters. */
typedef struct fake {
    h2o_req_t hreq;
    net_req r;
} fake;

static void fake_init(fake *f, const net_router *rt, const char *target)
{
    memset(f, 0, sizeof(*f));
    const char *q = strchr(target, '?');
    size_t plen = q ? (size_t)(q - target) : strlen(target);
    f->hreq.path = h2o_iovec_init(target, strlen(target));
    f->hreq.query_at = q ? plen : SIZE_MAX;
    f->r.req = &f->hreq;
    core_arena_init(&f->r.arena);
    if (rt != NULL)
        CHECK_EQ(net_router_match(rt, "GET", 3, target, plen, &f->r.match), NET_ROUTE_MATCHED);
}

static void query_and_parameters_are_decoded(void)
{
    fake f;
    fake_init(&f, NULL,
              "/v1/search?q=hydrogen+valley&country=DE&empty=&flag&q=second"
              "&name=K%C3%B6ln%20ICT&pct=100%25&bad=%zz&cut=%4");
    net_req *r = &f.r;
    CHECK_STR_EQ(net_req_query(r, "q"), "hydrogen valley"); /* '+' is a space; the first wins */
    CHECK_STR_EQ(net_req_query(r, "country"), "DE");
    CHECK_STR_EQ(net_req_query(r, "empty"), "");
    CHECK_STR_EQ(net_req_query(r, "flag"), "");
    CHECK_STR_EQ(net_req_query(r, "name"), "Köln ICT");
    CHECK_STR_EQ(net_req_query(r, "pct"), "100%");
    CHECK_STR_EQ(net_req_query(r, "bad"), "%zz"); /* not an escape: kept as written */
    CHECK_STR_EQ(net_req_query(r, "cut"), "%4");
    CHECK(net_req_query(r, "missing") == NULL);
    CHECK(net_req_query(r, "coun") == NULL); /* names match whole */
    core_arena_dispose(&r->arena);

    /* a NUL or invalid UTF-8 is refused (NULL), never passed on cut short */
    fake_init(&f, NULL, "/v1/search?q=a%00b&r=%C3%28&s=%E2%82");
    CHECK(net_req_query(&f.r, "q") == NULL);
    CHECK(net_req_query(&f.r, "r") == NULL);
    CHECK(net_req_query(&f.r, "s") == NULL);
    core_arena_dispose(&f.r.arena);

    fake_init(&f, NULL, "/v1/search");
    CHECK(net_req_query(&f.r, "q") == NULL);
    core_arena_dispose(&f.r.arena);

    /* path parameters: percent-decoded, '+' kept */
    net_router *rt = net_router_new();
    net_router_add(rt, "GET", "/v1/profiles/{id}", h_a, 0, 0);
    fake_init(&f, rt, "/v1/profiles/a%2Fb+c?x=1");
    CHECK_STR_EQ(net_req_param(&f.r, "id"), "a/b+c");
    CHECK(net_req_param(&f.r, "other") == NULL);
    core_arena_dispose(&f.r.arena);
    fake_init(&f, rt, "/v1/profiles/%00");
    CHECK(net_req_param(&f.r, "id") == NULL);
    core_arena_dispose(&f.r.arena);
    net_router_free(rt);
}

static int parse(core_arena *a, const char *text, core_value *v, const char **why)
{
    *why = NULL;
    return net_json_parse(a, text, strlen(text), v, why);
}

static void json_bodies_follow_the_rules(void)
{
    core_arena a;
    core_arena_init(&a);
    core_value v;
    const char *why;

    CHECK_EQ(parse(&a,
                   "{\"name\":\"Köln\",\"n\":-12,\"x\":1.25,\"ok\":true,\"l\":[null,\"\\u00e9\"]}",
                   &v, &why),
             0);
    CHECK_STR_EQ(core_value_get_str(&v, "name"), "Köln");
    CHECK_EQ(core_value_get(&v, "n")->u.i, -12);
    CHECK_EQ(core_value_get(&v, "x")->type, CORE_DOUBLE);
    CHECK_STR_EQ(core_value_get(&v, "l")->u.arr.items[1].u.s.ptr, "é");

    /* written back, it reads the same */
    net_buf b;
    net_buf_init(&b);
    net_json_write(&b, &v);
    core_value again;
    CHECK_EQ(net_json_parse(&a, b.ptr, b.len, &again, &why), 0);
    net_buf out2;
    net_buf_init(&out2);
    net_json_write(&out2, &again);
    CHECK_MEM_EQ(b.ptr, b.len, out2.ptr, out2.len);
    net_buf_dispose(&b);
    net_buf_dispose(&out2);

    static const char *const refused[] = {
        "",                      /* nothing */
        "{\"a\":1,\"a\":2}",     /* a repeated key */
        "{\"a\":\"x\\u0000y\"}", /* NUL inside a string */
        "{\"a\":1} x",           /* trailing data */
        "{\"a\":1,}",            /* trailing comma */
        "[01]",                  /* leading zero */
        "{'a':1}",               /* single quotes */
        "\"\xc3\x28\"",          /* invalid UTF-8 */
        "\"\\ud800\"",           /* a lone surrogate */
        "{\"a\":NaN}",           /* not JSON */
        "/* c */ {}",            /* comments */
        "\"tab\there\"",         /* a raw control character */
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        int rc = parse(&a, refused[i], &v, &why);
        if (rc != CORE_EBADREQ)
            CHECK__FAIL("accepted or wrong code %d for %s", rc, refused[i]);
        CHECK(why != NULL && *why != '\0');
    }

    /* nesting is bounded */
    char deep[4096];
    size_t n = 0;
    for (; n < 2000; n++)
        deep[n] = '[';
    deep[n] = '\0';
    CHECK_EQ(parse(&a, deep, &v, &why), CORE_EBADREQ);
    core_arena_dispose(&a);
}

static void rate_limits_count_and_release(void)
{
    net_ratelimit *rl = net_ratelimit_new();

    /* failures in a window */
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(net_ratelimit_check(rl, "login:alice", 3, 60), 0);
        net_ratelimit_hit(rl, "login:alice");
    }
    int wait = net_ratelimit_check(rl, "login:alice", 3, 60);
    CHECK(wait > 0 && wait <= 60);
    CHECK_EQ(net_ratelimit_check(rl, "login:bob", 3, 60), 0); /* keys are separate */
    net_ratelimit_clear(rl, "login:alice");
    CHECK_EQ(net_ratelimit_check(rl, "login:alice", 3, 60), 0);

    /* a bucket of per_minute tokens; 0 means no limit */
    for (int i = 0; i < 5; i++)
        CHECK_EQ(net_ratelimit_take(rl, "hash:10.0.0.1", 5), 0);
    wait = net_ratelimit_take(rl, "hash:10.0.0.1", 5);
    CHECK(wait > 0 && wait <= 60);
    CHECK_EQ(net_ratelimit_take(rl, "hash:10.0.0.2", 5), 0);
    for (int i = 0; i < 100; i++)
        CHECK_EQ(net_ratelimit_take(rl, "hash:10.0.0.3", 0), 0);

    /* work in flight */
    CHECK(net_ratelimit_enter(rl, "pool:a", 2));
    CHECK(net_ratelimit_enter(rl, "pool:a", 2));
    CHECK(!net_ratelimit_enter(rl, "pool:a", 2));
    net_ratelimit_leave(rl, "pool:a");
    CHECK(net_ratelimit_enter(rl, "pool:a", 2));
    net_ratelimit_leave(rl, "pool:a");
    net_ratelimit_leave(rl, "pool:a");

    /* many keys: the table grows and forgets none of them */
    char key[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "k%d", i);
        net_ratelimit_hit(rl, key);
    }
    for (int i = 0; i < 5000; i += 97) {
        snprintf(key, sizeof key, "k%d", i);
        CHECK(net_ratelimit_check(rl, key, 1, 60) > 0);
    }
    net_ratelimit_free(rl);
}

int main(void)
{
    RUN(router_matches_methods_and_parameters);
    RUN(query_and_parameters_are_decoded);
    RUN(json_bodies_follow_the_rules);
    RUN(rate_limits_count_and_release);
    return 0;
}
