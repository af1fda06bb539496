/*
 * API tests of the contract's promises that cut across endpoints (../shared/API.md,
 * "Conventions" and "Operations"): times written as RFC 3339 UTC in every response and
 * read as RFC 3339 in requests, HEAD on every GET route, CORS only for the origins given
 * with --cors-origin, and links that point at the address the server listens on.
 */
#include <curl/curl.h>
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

static void expect(api_res *r, long status)
{
    if (r->status != status)
        fprintf(stderr, "expected %ld, got %ld: %s\n", status, r->status, r->body ? r->body : "");
    CHECK_EQ(r->status, status);
}

static const char *jstr(const cJSON *o, const char *key)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

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
    expect(&r, status);
    int n = times_in(r.json);
    api_res_free(&r);
    return n;
}

static void day(int days, char out[16])
{
    time_t t = time(NULL) + (time_t)days * 86400;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 16, "%Y-%m-%d", &tm);
}

static void setup(void)
{
    api_prepare(&srv);
    const char *args[] = {"user",           "create", "--username", "Mod", "--email",
                          "mod@example.eu", "--role", "moderator",  NULL};
    CHECK_EQ(api_cli(&srv, "moderator password\n", args), 0);
    api_start(&srv, srv.dir, NULL);
    api_res r = call("POST", "/v1/sessions",
                     "{\"login\":\"mod\",\"password\":\"moderator password\"}", NULL);
    expect(&r, 201);
    t_mod = strdup(jstr(r.json, "token"));
    check_rfc3339_now("expires_at", jstr(r.json, "expires_at"));
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
    expect(&r, 201);
    snprintf(profile_id, sizeof(profile_id), "%s", jstr(r.json, "id"));
    CHECK_EQ(times_in(r.json), 2); /* created_at, updated_at */
    api_res_free(&r);

    char p[256];
    snprintf(p, sizeof(p), "/v1/profiles/%s/submit", profile_id);
    CHECK_EQ(times_of("POST", p, NULL, t_user, 200), 3); /* + submitted_at */
    r = call("GET", "/v1/moderation/queue", NULL, t_mod);
    expect(&r, 200);
    cJSON *items = cJSON_GetObjectItem(r.json, "items");
    CHECK_EQ(cJSON_GetArraySize(items), 1);
    check_rfc3339_now("submitted_at", jstr(cJSON_GetArrayItem(items, 0), "submitted_at"));
    api_res_free(&r);
    snprintf(p, sizeof(p), "/v1/profiles/%s/moderation", profile_id);
    /* created_at, updated_at, published_at, history[0].at (submitted_at is gone) */
    CHECK_GE(times_of("POST", p, "{\"decision\":\"publish\",\"note\":\"Welcome\"}", t_mod, 200), 4);
    snprintf(p, sizeof(p), "/v1/profiles/%s", profile_id);
    CHECK_EQ(times_of("GET", p, NULL, NULL, 200), 1); /* published_at */
    CHECK_GE(times_of("GET", "/v1/me/notifications", NULL, t_user, 200), 1);

    /* a request reads RFC 3339 where a date is meant, and the date is what is kept */
    char from[16], to[16], body[1024];
    day(30, from);
    day(90, to);
    snprintf(body, sizeof(body),
             "{\"profile_id\":\"%s\",\"roles\":[\"host\"],\"ecosystems\":[\"digital\"],"
             "\"target_countries\":[\"DE\"],\"objectives\":[\"joint_projects\"],"
             "\"languages\":[\"en\"],\"availability\":[{\"from\":\"%sT23:30:00-01:00\","
             "\"to\":\"%s\"}],\"duration_days\":{\"min\":5,\"max\":20},\"host_capacity\":1}",
             profile_id, from, to);
    r = call("POST", "/v1/xchange/registrations", body, t_user);
    expect(&r, 201);
    snprintf(reg_id, sizeof(reg_id), "%s", jstr(r.json, "id"));
    CHECK_EQ(times_in(r.json), 2);
    cJSON *w = cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "availability"), 0);
    char next[16];
    day(31, next); /* 23:30 at -01:00 is 00:30 UTC the next day */
    CHECK_STR_EQ(jstr(w, "from"), next);
    CHECK_STR_EQ(jstr(w, "to"), to);
    api_res_free(&r);
    snprintf(p, sizeof(p), "/v1/xchange/registrations/%s/decision", reg_id);
    CHECK_GE(times_of("POST", p, "{\"decision\":\"accept\"}", t_mod, 200), 3);
    snprintf(p, sizeof(p), "/v1/xchange/registrations/%s", reg_id);
    CHECK_GE(times_of("GET", p, NULL, t_user, 200), 3);
    CHECK_GE(times_of("GET", "/v1/me", NULL, t_user, 200), 2); /* + the registration's */
}

int main(int argc, char **argv)
{
    CHECK(argc == 2);
    api_binary = argv[1];
    curl_global_init(CURL_GLOBAL_ALL);
    RUN(setup);
    RUN(times_are_rfc3339_in_every_response);
    api_stop(&srv);
    api_cleanup(&srv);
    curl_global_cleanup();
    return 0;
}
