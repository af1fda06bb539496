/*
 * API tests of the contract's promises that cut across endpoints (../shared/API.md,
 * "Conventions" and "Operations"): times written as RFC 3339 UTC in every response and
 * read as RFC 3339 in requests, HEAD on every GET route, CORS only for the origins given
 * with --cors-origin, and links that point at the address the server listens on.
 */
#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "harness.h"

static api_server srv;
static char *t_mod, *t_user;
static char profile_id[64], reg_id[64];

static api_res call(const char *method, const char *path, const char *json, const char *token)
{
    return api_json(&srv, API_H1, method, path, json, token);
}

/* "YYYY-MM-DDTHH:MM:SSZ" within a day of now (the server wrote it during this test). */
static void check_rfc3339_now(const char *key, const char *s)
{
    struct tm tm = {0};
    const char *end = s ? strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm) : NULL;
    if (end == NULL || *end != '\0' || strlen(s) != 20) {
        fprintf(stderr, "%s is not RFC 3339 UTC: %s\n", key, s ? s : "(not a string)");
        CHECK(!"a time is not RFC 3339 UTC");
    }
    time_t t = timegm(&tm), now = time(NULL);
    /* expires_at lies up to 14 days ahead */
    CHECK_LE(t, now + 15 * 86400);
    CHECK_GE(t, now - 86400);
}

/* Every member named "at" or "*_at" anywhere in v is an RFC 3339 UTC string; returns how
 * many there were. */
static int times_in(const cJSON *v)
{
    int n = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, v)
    {
        size_t kl = c->string ? strlen(c->string) : 0;
        bool is_time = kl > 0 && (strcmp(c->string, "at") == 0 ||
                                  (kl > 3 && strcmp(c->string + kl - 3, "_at") == 0));
        if (is_time) {
            check_rfc3339_now(c->string, cJSON_IsString(c) ? c->valuestring : NULL);
            n++;
        } else if (cJSON_IsObject(c) || cJSON_IsArray(c)) {
            n += times_in(c);
        }
    }
    return n;
}

static int times_of(const char *method, const char *path, const char *json, const char *token,
                    long status)
{
    api_res r = call(method, path, json, token);
    api_expect(&r, status);
    int n = times_in(r.json);
    api_res_free(&r);
    return n;
}

static void setup(void)
{
    api_prepare(&srv);
    const char *args[] = {"user",           "create", "--username", "Mod", "--email",
                          "mod@example.eu", "--role", "moderator",  NULL};
    CHECK_EQ(api_cli(&srv, "moderator password\n", args), 0);
    const char *extra[] = {"--cors-origin", "https://app.example.eu", "--cors-origin",
                           "http://localhost:5173", NULL};
    api_start(&srv, srv.dir, extra);
    api_res r = call("POST", "/v1/sessions",
                     "{\"login\":\"mod\",\"password\":\"moderator password\"}", NULL);
    api_expect(&r, 201);
    t_mod = strdup(api_jstr(r.json, "token"));
    check_rfc3339_now("expires_at", api_jstr(r.json, "expires_at"));
    CHECK_EQ(times_in(r.json), 2); /* expires_at, user.created_at */
    api_res_free(&r);
    t_user = api_signup(&srv, "ana_maria", "a long password");
}

static void times_are_rfc3339_in_every_response(void)
{
    CHECK_EQ(times_of("GET", "/v1/me", NULL, t_user, 200), 1); /* created_at */

    api_res r = call(
        "POST", "/v1/profiles",
        "{\"type\":\"cluster_organisation\",\"name\":\"Klaster Mobilnosti\",\"country\":\"SI\","
        "\"city\":\"Ljubljana\",\"description\":\"A cluster.\",\"website\":\"https://km.example\","
        "\"languages\":[\"sl\",\"en\"],\"management_fte\":2,\"members_count\":40,"
        "\"member_composition\":{\"smes\":30,\"research\":10},\"ecosystems\":[\"digital\"],"
        "\"services\":[\"training\",\"matchmaking\"],\"contact\":{\"name\":\"N\","
        "\"email\":\"contact@example.eu\"}}",
        t_user);
    api_expect(&r, 201);
    snprintf(profile_id, sizeof(profile_id), "%s", api_jstr(r.json, "id"));
    CHECK_EQ(times_in(r.json), 2); /* created_at, updated_at */
    api_res_free(&r);

    char p[256];
    snprintf(p, sizeof(p), "/v1/profiles/%s/submit", profile_id);
    CHECK_EQ(times_of("POST", p, NULL, t_user, 200), 3); /* + submitted_at */
    r = call("GET", "/v1/moderation/queue", NULL, t_mod);
    api_expect(&r, 200);
    cJSON *items = cJSON_GetObjectItem(r.json, "items");
    CHECK_EQ(cJSON_GetArraySize(items), 1);
    check_rfc3339_now("submitted_at", api_jstr(cJSON_GetArrayItem(items, 0), "submitted_at"));
    api_res_free(&r);
    snprintf(p, sizeof(p), "/v1/profiles/%s/moderation", profile_id);
    /* created_at, updated_at, published_at, history[0].at (submitted_at is gone) */
    CHECK_GE(times_of("POST", p, "{\"decision\":\"publish\",\"note\":\"Welcome\"}", t_mod, 200), 4);
    snprintf(p, sizeof(p), "/v1/profiles/%s", profile_id);
    CHECK_EQ(times_of("GET", p, NULL, NULL, 200), 1); /* published_at */
    CHECK_GE(times_of("GET", "/v1/me/notifications", NULL, t_user, 200), 1);

    /* a request reads RFC 3339 where a date is meant, and the date is what is kept */
    char from[16], to[16], body[1024];
    api_day(30, from);
    api_day(90, to);
    snprintf(body, sizeof(body),
             "{\"profile_id\":\"%s\",\"roles\":[\"host\"],\"ecosystems\":[\"digital\"],"
             "\"target_countries\":[\"DE\"],\"objectives\":[\"joint_projects\"],"
             "\"languages\":[\"en\"],\"availability\":[{\"from\":\"%sT23:30:00-01:00\","
             "\"to\":\"%s\"}],\"duration_days\":{\"min\":5,\"max\":20},\"host_capacity\":1}",
             profile_id, from, to);
    r = call("POST", "/v1/xchange/registrations", body, t_user);
    api_expect(&r, 201);
    snprintf(reg_id, sizeof(reg_id), "%s", api_jstr(r.json, "id"));
    CHECK_EQ(times_in(r.json), 2);
    cJSON *w = cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "availability"), 0);
    char next[16];
    api_day(31, next); /* 23:30 at -01:00 is 00:30 UTC the next day */
    CHECK_STR_EQ(api_jstr(w, "from"), next);
    CHECK_STR_EQ(api_jstr(w, "to"), to);
    api_res_free(&r);
    snprintf(p, sizeof(p), "/v1/xchange/registrations/%s/decision", reg_id);
    CHECK_GE(times_of("POST", p, "{\"decision\":\"accept\"}", t_mod, 200), 3);
    snprintf(p, sizeof(p), "/v1/xchange/registrations/%s", reg_id);
    CHECK_GE(times_of("GET", p, NULL, t_user, 200), 3);
    CHECK_GE(times_of("GET", "/v1/me", NULL, t_user, 200), 2); /* + the registration's */
}

static bool header_is(const api_res *r, const char *name, const char *want)
{
    char buf[512];
    const char *v = api_header(r, name, buf, sizeof(buf));
    if (want == NULL)
        return v == NULL;
    return v != NULL && strcmp(v, want) == 0;
}

/* Every GET route of /openapi.json (which test_api_openapi checks against the router)
 * answers HEAD with the GET's status, type and length and no body, over both HTTP
 * versions. */
static void head_answers_every_get_route(void)
{
    api_res doc = call("GET", "/openapi.json", NULL, NULL);
    api_expect(&doc, 200);
    const cJSON *paths = cJSON_GetObjectItem(doc.json, "paths"), *pi;
    int routes = 0;
    cJSON_ArrayForEach(pi, paths)
    {
        if (!cJSON_GetObjectItem(pi, "get"))
            continue;
        /* fill the path's parameters with real ids, so most answers are 200 */
        char path[512] = "";
        const char *id = strncmp(pi->string, "/v1/xchange/", 12) == 0 ? reg_id : profile_id;
        for (const char *s = pi->string; *s;) {
            if (*s == '{') {
                strncat(path, id, sizeof(path) - strlen(path) - 1);
                s = strchr(s, '}') + 1;
            } else {
                strncat(path, s++, 1);
            }
        }
        if (strcmp(path, "/v1/suggest") == 0 || strcmp(path, "/v1/search") == 0)
            strcat(path, "?q=klaster");
        if (strcmp(path, "/v1/map") == 0)
            strcat(path, "?bbox=-10,35,30,60&zoom=5");
        for (int v = 0; v < 2; v++) {
            api_proto p = v ? API_H2C : API_H1;
            api_res g = api_json(&srv, p, "GET", path, NULL, t_mod);
            api_res h = api_json(&srv, p, "HEAD", path, NULL, t_mod);
            if (h.status != g.status)
                fprintf(stderr, "HEAD %s: %ld, GET %ld\n", path, h.status, g.status);
            CHECK_EQ(h.status, g.status);
            CHECK_EQ(h.len, 0);
            char ct[128], cl[32], gcl[32];
            CHECK(api_header(&g, "content-type", ct, sizeof(ct)) != NULL);
            CHECK(header_is(&h, "content-type", ct));
            /* the length of the GET's body (metrics and search timings may differ by a few
             * bytes between two calls, so those compare by presence) */
            CHECK(api_header(&h, "content-length", cl, sizeof(cl)) != NULL);
            CHECK(api_header(&g, "content-length", gcl, sizeof(gcl)) != NULL);
            bool timed = g.body != NULL && strstr(g.body, "\"took_ms\"") != NULL;
            if (strcmp(path, "/metrics") != 0 && strcmp(path, "/readyz") != 0 && !timed) {
                if (strcmp(cl, gcl) != 0)
                    fprintf(stderr, "HEAD %s: content-length %s, GET %s\n", path, cl, gcl);
                CHECK_STR_EQ(cl, gcl);
            }
            api_res_free(&g);
            api_res_free(&h);
        }
        routes++;
    }
    CHECK_GE(routes, 14);
    api_res_free(&doc);
    /* a path without GET does not gain HEAD */
    api_res r = call("HEAD", "/v1/xchange/batch-match", NULL, t_mod);
    api_expect(&r, 405);
    CHECK(header_is(&r, "allow", "POST, OPTIONS"));
    api_res_free(&r);
    r = call("PUT", "/healthz", NULL, NULL);
    api_expect(&r, 405);
    CHECK(header_is(&r, "allow", "GET, HEAD, OPTIONS"));
    api_res_free(&r);
}

static api_res with_origin(const char *method, const char *path, const char *origin,
                           const char *request_method)
{
    char o[256], m[128];
    snprintf(o, sizeof(o), "Origin: %s", origin);
    snprintf(m, sizeof(m), "Access-Control-Request-Method: %s", request_method);
    const char *h[] = {o, request_method ? m : NULL,
                       request_method ? "Access-Control-Request-Headers: authorization, "
                                        "content-type, idempotency-key"
                                      : NULL,
                       NULL};
    return api_call(&srv, API_H1, method, path, NULL, NULL, 0, h);
}

static void cors_for_the_configured_origins_only(void)
{
    /* a preflight from an allowed origin */
    api_res r = with_origin("OPTIONS", "/v1/profiles/abc", "https://app.example.eu", "PATCH");
    api_expect(&r, 204);
    CHECK(header_is(&r, "access-control-allow-origin", "https://app.example.eu"));
    CHECK(header_is(&r, "vary", "Origin"));
    char buf[512];
    CHECK(api_header(&r, "access-control-allow-methods", buf, sizeof(buf)) != NULL);
    CHECK(strstr(buf, "GET") && strstr(buf, "PATCH") && strstr(buf, "DELETE") &&
          strstr(buf, "HEAD"));
    CHECK(api_header(&r, "access-control-allow-headers", buf, sizeof(buf)) != NULL);
    CHECK(strstr(buf, "Authorization") && strstr(buf, "Content-Type") &&
          strstr(buf, "Idempotency-Key"));
    api_res_free(&r);
    r = with_origin("OPTIONS", "/v1/users", "http://localhost:5173", "POST");
    api_expect(&r, 204);
    CHECK(header_is(&r, "access-control-allow-origin", "http://localhost:5173"));
    api_res_free(&r);

    /* responses, errors included, name the allowed origin */
    r = with_origin("GET", "/healthz", "https://app.example.eu", NULL);
    api_expect(&r, 200);
    CHECK(header_is(&r, "access-control-allow-origin", "https://app.example.eu"));
    api_res_free(&r);
    r = with_origin("GET", "/v1/me", "https://app.example.eu", NULL);
    api_expect(&r, 401);
    CHECK(header_is(&r, "access-control-allow-origin", "https://app.example.eu"));
    api_res_free(&r);

    /* another origin gets no CORS headers, preflight or not */
    r = with_origin("OPTIONS", "/v1/users", "https://evil.example", "POST");
    api_expect(&r, 204);
    CHECK(header_is(&r, "access-control-allow-origin", NULL));
    CHECK(header_is(&r, "access-control-allow-methods", NULL));
    api_res_free(&r);
    r = with_origin("GET", "/healthz", "https://app.example.eu.evil.example", NULL);
    CHECK(header_is(&r, "access-control-allow-origin", NULL));
    CHECK(header_is(&r, "vary", "Origin"));
    api_res_free(&r);
    r = with_origin("OPTIONS", "/v1/no/such/thing", "https://app.example.eu", "GET");
    api_expect(&r, 404);
    api_res_free(&r);

    /* without --cors-origin: no CORS headers at all */
    api_server plain = {0};
    api_start(&plain, NULL, NULL);
    const char *h[] = {"Origin: https://app.example.eu", "Access-Control-Request-Method: POST",
                       NULL};
    r = api_call(&plain, API_H1, "OPTIONS", "/v1/users", NULL, NULL, 0, h);
    api_expect(&r, 204);
    CHECK(strstr(r.headers, "ccess-control-") == NULL);
    CHECK(header_is(&r, "vary", NULL));
    api_res_free(&r);
    r = api_call(&plain, API_H1, "GET", "/healthz", NULL, NULL, 0, h);
    api_expect(&r, 200);
    CHECK(strstr(r.headers, "ccess-control-") == NULL);
    api_res_free(&r);
    api_stop(&plain);
    api_cleanup(&plain);

    /* a malformed origin is a usage error */
    api_server bad = {0};
    api_prepare(&bad);
    const char *args[] = {"serve", "--no-demo", "--cors-origin", "https://app.example.eu/", NULL};
    CHECK_EQ(api_cli(&bad, NULL, args), 2);
    api_cleanup(&bad);
}

int main(int argc, char **argv)
{
    CHECK(argc == 2);
    api_binary = argv[1];
    curl_global_init(CURL_GLOBAL_ALL);
    RUN(setup);
    RUN(times_are_rfc3339_in_every_response);
    RUN(head_answers_every_get_route);
    RUN(cors_for_the_configured_origins_only);
    api_stop(&srv);
    api_cleanup(&srv);
    curl_global_cleanup();
    return 0;
}
