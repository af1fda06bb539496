/*
 * API tests of ClusterXchange exchanges against the real binary: one exchange from the
 * proposal to the closing report, with refusals out of order (409 naming what is expected
 * next and from whom) and by the wrong party (403), strangers answered 404; the scheme's
 * rules (eligible and different countries, accepted registrations, visiting once, the
 * stay's limits, internships refused, the lump sum and why); the host's capacity under
 * parallel proposals and over overlapping dates; the history of who did what.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "harness.h"

static api_server srv;
static char *t_mod, *t_stranger;

static const char *err_message(const api_res *r)
{
    cJSON *e = cJSON_GetObjectItemCaseSensitive(r->json, "error");
    return api_jstr(e, "message") ? api_jstr(e, "message") : "";
}

static api_res call(const char *method, const char *path, const char *json, const char *token)
{
    return api_json(&srv, API_H1, method, path, json, token);
}

/* The offset in days from today of the first Monday at least `after` days away. */
static int monday_after(int after)
{
    time_t t = time(NULL) + (time_t)after * 86400;
    struct tm tm;
    gmtime_r(&t, &tm);
    return after + (8 - tm.tm_wday) % 7;
}

typedef struct org {
    char *token;
    char profile[64];
    char reg[64];
} org;

/* A user with a published cluster profile in country at (lat, lon), registered for
 * ClusterXchange in `roles` (a JSON list) with capacity, and accepted. */
static void make_org(org *o, const char *user, const char *country, double lat, double lon,
                     const char *roles, int capacity)
{
    o->token = api_signup(&srv, user, "a long password");
    char body[2048];
    snprintf(body, sizeof(body),
             "{\"type\":\"cluster_organisation\",\"name\":\"Cluster %s\",\"country\":\"%s\","
             "\"city\":\"C\",\"lat\":%.4f,\"lon\":%.4f,\"description\":\"A cluster.\","
             "\"website\":\"https://%s.example\",\"languages\":[\"en\"],\"management_fte\":2,"
             "\"members_count\":40,\"member_composition\":{\"smes\":30,\"research\":10},"
             "\"ecosystems\":[\"digital\"],\"services\":[\"training\",\"matchmaking\"],"
             "\"contact\":{\"name\":\"N\",\"email\":\"contact@example.eu\"}}",
             user, country, lat, lon, user);
    api_res r = call("POST", "/v1/profiles", body, o->token);
    api_expect(&r, 201);
    snprintf(o->profile, sizeof(o->profile), "%s", api_jstr(r.json, "id"));
    api_res_free(&r);
    char p[160];
    snprintf(p, sizeof(p), "/v1/profiles/%s/submit", o->profile);
    r = call("POST", p, NULL, o->token);
    api_expect(&r, 200);
    api_res_free(&r);
    snprintf(p, sizeof(p), "/v1/profiles/%s/moderation", o->profile);
    r = call("POST", p, "{\"decision\":\"publish\"}", t_mod);
    api_expect(&r, 200);
    api_res_free(&r);
    char from[16], to[16], cap[40] = "";
    api_day(10, from);
    api_day(150, to);
    if (capacity > 0)
        snprintf(cap, sizeof(cap), "\"host_capacity\":%d,", capacity);
    snprintf(body, sizeof(body),
             "{\"profile_id\":\"%s\",\"roles\":%s,\"ecosystems\":[\"digital\"],"
             "\"objectives\":[\"market_exploration\"],\"languages\":[\"en\"],"
             "\"availability\":[{\"from\":\"%s\",\"to\":\"%s\"}],"
             "\"duration_days\":{\"min\":3,\"max\":20},%s"
             "\"offer\":\"Visits.\",\"demand\":\"Partners.\"}",
             o->profile, roles, from, to, cap);
    r = call("POST", "/v1/xchange/registrations", body, o->token);
    api_expect(&r, 201);
    snprintf(o->reg, sizeof(o->reg), "%s", api_jstr(r.json, "id"));
    api_res_free(&r);
    snprintf(p, sizeof(p), "/v1/xchange/registrations/%s/decision", o->reg);
    r = call("POST", p, "{\"decision\":\"accept\"}", t_mod);
    api_expect(&r, 200);
    api_res_free(&r);
}

static api_res propose(const org *visitor, const org *host, const char *token)
{
    char body[256];
    snprintf(body, sizeof(body), "{\"visitor\":\"%s\",\"host\":\"%s\"}", visitor->reg, host->reg);
    return call("POST", "/v1/xchange/exchanges", body, token);
}

/* Proposes and returns the new exchange's id (malloc'd). */
static char *proposed(const org *visitor, const org *host, const char *token)
{
    api_res r = propose(visitor, host, token);
    api_expect(&r, 201);
    CHECK_STR_EQ(api_jstr(r.json, "state"), "proposed");
    char *id = strdup(api_jstr(r.json, "id"));
    api_res_free(&r);
    return id;
}

/* One step; returns the response (the caller frees). */
static api_res step(const char *id, const char *method, const char *what, const char *body,
                    const char *token)
{
    char p[200];
    snprintf(p, sizeof(p), "/v1/xchange/exchanges/%s/%s", id, what);
    return call(method, p, body, token);
}

static void step_ok(const char *id, const char *method, const char *what, const char *body,
                    const char *token, const char *state)
{
    api_res r = step(id, method, what, body, token);
    api_expect(&r, 200);
    CHECK_STR_EQ(api_jstr(r.json, "state"), state);
    api_res_free(&r);
}

static void step_fails(const char *id, const char *method, const char *what, const char *body,
                       const char *token, long status, const char *needle)
{
    api_res r = step(id, method, what, body, token);
    api_expect(&r, status);
    if (needle != NULL && strstr(err_message(&r), needle) == NULL) {
        fprintf(stderr, "message \"%s\" lacks \"%s\"\n", err_message(&r), needle);
        CHECK(false);
    }
    api_res_free(&r);
}

/* A plan body for a stay from day+a to day+b with kind k. */
static const char *plan_body(int a, int b, const char *kind)
{
    static char body[1024];
    char s[16], e[16];
    api_day(a, s);
    api_day(b, e);
    snprintf(body, sizeof(body),
             "{\"start_date\":\"%s\",\"end_date\":\"%s\",\"objectives\":[\"market_exploration\"],"
             "\"action_plan\":\"Meet the members.\",\"expected_outcomes\":\"Two projects.\","
             "\"responsibilities\":\"The host organises the visits.\",\"kind\":\"%s\"}",
             s, e, kind);
    return body;
}

static org de, it, fr, at, de2, lu;

static void setup(void)
{
    api_prepare(&srv);
    const char *args[] = {"user",           "create", "--username", "Mod", "--email",
                          "mod@example.eu", "--role", "moderator",  NULL};
    CHECK_EQ(api_cli(&srv, "moderator password\n", args), 0);
    api_start(&srv, srv.dir, NULL);
    api_res r = call("POST", "/v1/sessions",
                     "{\"login\":\"mod\",\"password\":\"moderator password\"}", NULL);
    api_expect(&r, 201);
    t_mod = strdup(api_jstr(r.json, "token"));
    api_res_free(&r);
    t_stranger = api_signup(&srv, "stranger", "a long password");
    make_org(&de, "berlin", "DE", 52.52, 13.405, "[\"visitor\"]", 0);
    make_org(&it, "milano", "IT", 45.4642, 9.19, "[\"host\"]", 3);
    make_org(&fr, "strasbourg", "FR", 48.5734, 7.7521, "[\"visitor\",\"host\"]", 1);
    make_org(&at, "wien", "AT", 48.2082, 16.3738, "[\"host\"]", 2);
    make_org(&de2, "kehl", "DE", 48.5722, 7.8156, "[\"visitor\"]", 0);
    make_org(&lu, "luxembourg", "LU", 49.6116, 6.1319, "[\"visitor\"]", 0);
}

static void one_exchange_from_proposal_to_closing_report(void)
{
    char *id = proposed(&de, &it, de.token);
    /* strangers do not learn that it exists; the proposer does not agree to itself */
    step_fails(id, "POST", "agree", NULL, t_stranger, 404, "no such exchange");
    step_fails(id, "POST", "agree", NULL, de.token, 403, "agree is for the host's admins");
    step_fails(id, "PUT", "plan", plan_body(30, 34, "capacity_building"), de.token, 409,
               "expected next: agree, by the host's admins");
    step_ok(id, "POST", "agree", NULL, it.token, "agreed");
    step_fails(id, "POST", "agree", NULL, it.token, 409, "the exchange is agreed");

    /* the plan: the scheme's limits */
    int mon = monday_after(30);
    step_fails(id, "PUT", "plan", plan_body(mon, mon + 4, "internship"), de.token, 422,
               "see fields");
    step_fails(id, "PUT", "plan", plan_body(mon, mon + 4, "work_placement"), de.token, 422, NULL);
    step_fails(id, "PUT", "plan", plan_body(mon + 5, mon + 6, "capacity_building"), de.token, 422,
               NULL); /* a weekend: no working day */
    step_fails(id, "PUT", "plan", plan_body(mon, mon + 40, "capacity_building"), de.token, 422,
               NULL); /* over a month */
    step_fails(id, "PUT", "plan", plan_body(145, 153, "capacity_building"), de.token, 422,
               NULL); /* past the availability windows */
    api_res r = step(id, "PUT", "plan", plan_body(mon, mon + 4, "internship"), de.token);
    cJSON *fields = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(r.json, "error"), "fields");
    CHECK(strstr(api_jstr(fields, "kind"), "internships and work placements") != NULL);
    api_res_free(&r);
    step_ok(id, "PUT", "plan", plan_body(mon, mon + 4, "business_collaboration"), de.token,
            "plan_submitted");

    /* validation: a moderator for each side */
    step_fails(id, "POST", "validate", "{\"side\":\"visitor\"}", de.token, 403, "a moderator");
    step_fails(id, "POST", "validate", "{\"side\":\"nobody\"}", t_mod, 422, NULL);
    step_ok(id, "POST", "validate", "{\"side\":\"visitor\"}", t_mod, "plan_submitted");
    step_fails(id, "POST", "validate", "{\"side\":\"visitor\"}", t_mod, 409,
               "validate for the host's side, by a moderator");
    step_ok(id, "POST", "validate", "{\"side\":\"host\"}", t_mod, "validated");

    /* signatures: each side's admins */
    step_fails(id, "POST", "sign", NULL, t_mod, 403, "either side's admins");
    step_ok(id, "POST", "sign", NULL, it.token, "validated");
    step_fails(id, "POST", "sign", NULL, it.token, 409, "sign for the visitor's side");
    step_ok(id, "POST", "sign", NULL, de.token, "signed");

    step_fails(id, "POST", "start", NULL, de.token, 409, "financial-agreement, by a moderator");
    step_fails(id, "POST", "financial-agreement", NULL, de.token, 403, NULL);
    step_ok(id, "POST", "financial-agreement", NULL, t_mod, "ready");
    step_ok(id, "POST", "start", NULL, it.token, "in_progress");
    step_fails(id, "POST", "cancel", "{\"reason\":\"too late\"}", de.token, 409,
               "closing-report, by the visitor's admins");

    /* the closing report: the visitor's, with evidence as attachment ids: one uploaded,
     * and one that names no attachment */
    static const char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    char auth[512];
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", de.token);
    const char *fh[] = {"X-Filename: photo.png", auth, NULL};
    api_res up =
        api_call(&srv, API_H1, "POST", "/v1/attachments", "image/png", png, sizeof(png) - 1, fh);
    api_expect(&up, 201);
    char report[512], evidence[64];
    snprintf(evidence, sizeof(evidence), "%s", cJSON_GetObjectItem(up.json, "id")->valuestring);
    snprintf(report, sizeof(report),
             "{\"summary\":\"We met.\",\"outcomes\":\"A project.\",\"evidence\":[\"%s\"]}",
             evidence);
    api_res_free(&up);
    step_fails(id, "POST", "closing-report",
               "{\"summary\":\"We met.\",\"outcomes\":\"A project.\","
               "\"evidence\":[\"01J8Z6Q3W4E5R6T7Y8V9A0BPAS\"]}",
               de.token, 422, NULL);
    step_fails(id, "POST", "closing-report", report, it.token, 403, "the visitor's admins");
    step_fails(id, "POST", "closing-report",
               "{\"summary\":\"We met.\",\"outcomes\":\"A project.\",\"evidence\":[\"../x\"]}",
               de.token, 422, NULL);
    step_ok(id, "POST", "closing-report", report, de.token, "report_submitted");
    /* the evidence is for the exchange's parties and moderators: others are told 404 */
    char ep[128];
    snprintf(ep, sizeof(ep), "/v1/attachments/%s", evidence);
    const struct {
        const char *token;
        long status;
    } readers[] = {{NULL, 404}, {t_stranger, 404}, {it.token, 200}, {de.token, 200}, {t_mod, 200}};
    for (size_t i = 0; i < sizeof(readers) / sizeof(readers[0]); i++) {
        api_res er = call("GET", ep, NULL, readers[i].token);
        api_expect(&er, readers[i].status);
        if (readers[i].status == 200)
            CHECK_EQ((long)er.len, (long)sizeof(png) - 1);
        api_res_free(&er);
    }
    step_fails(id, "POST", "complete", NULL, it.token, 403, NULL);
    step_ok(id, "POST", "complete", NULL, t_mod, "completed");
    step_fails(id, "POST", "cancel", "{\"reason\":\"x\"}", t_mod, 409, "the exchange is over");

    /* the record: both sides and moderators read it, with its history and lump sum */
    char p[160];
    snprintf(p, sizeof(p), "/v1/xchange/exchanges/%s", id);
    r = call("GET", p, NULL, t_stranger);
    api_expect(&r, 404);
    api_res_free(&r);
    r = call("GET", p, NULL, NULL);
    api_expect(&r, 401);
    api_res_free(&r);
    r = call("GET", p, NULL, it.token);
    api_expect(&r, 200);
    CHECK_STR_EQ(api_jstr(r.json, "state"), "completed");
    CHECK_STR_EQ(api_jstr(r.json, "visitor"), de.reg);
    CHECK_STR_EQ(api_jstr(r.json, "host"), it.reg);
    cJSON *hist = cJSON_GetObjectItemCaseSensitive(r.json, "history");
    CHECK_EQ(cJSON_GetArraySize(hist), 11); /* propose .. complete */
    CHECK_STR_EQ(api_jstr(cJSON_GetArrayItem(hist, 0), "state"), "proposed");
    CHECK_STR_EQ(api_jstr(cJSON_GetArrayItem(hist, 1), "state"), "agreed");
    CHECK_STR_EQ(api_jstr(cJSON_GetArrayItem(hist, 10), "state"), "completed");
    const char *at = api_jstr(cJSON_GetArrayItem(hist, 0), "at");
    CHECK(at != NULL && strlen(at) == 20 && at[19] == 'Z'); /* RFC 3339 UTC */
    CHECK(api_jstr(cJSON_GetArrayItem(hist, 0), "by") != NULL);
    cJSON *ls = cJSON_GetObjectItemCaseSensitive(r.json, "lump_sum");
    CHECK_EQ(cJSON_GetObjectItemCaseSensitive(ls, "amount_eur")->valueint, 780);
    CHECK(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(ls, "halved")));
    cJSON *sig = cJSON_GetObjectItemCaseSensitive(r.json, "signatures");
    CHECK(api_jstr(cJSON_GetObjectItemCaseSensitive(sig, "visitor"), "at") != NULL);
    CHECK(api_jstr(cJSON_GetObjectItemCaseSensitive(sig, "host"), "at") != NULL);
    cJSON *val = cJSON_GetObjectItemCaseSensitive(r.json, "validations");
    CHECK(api_jstr(cJSON_GetObjectItemCaseSensitive(val, "host"), "by") != NULL);
    cJSON *plan = cJSON_GetObjectItemCaseSensitive(r.json, "plan");
    CHECK_STR_EQ(api_jstr(plan, "kind"), "business_collaboration");
    api_res_free(&r);
    r = call("GET", p, NULL, t_mod);
    api_expect(&r, 200);
    api_res_free(&r);

    /* listed under both registrations */
    snprintf(p, sizeof(p), "/v1/xchange/exchanges?registration=%s", it.reg);
    r = call("GET", p, NULL, it.token);
    api_expect(&r, 200);
    CHECK_EQ(cJSON_GetArraySize(r.json), 1);
    CHECK_STR_EQ(api_jstr(cJSON_GetArrayItem(r.json, 0), "id"), id);
    api_res_free(&r);
    r = call("GET", p, NULL, t_stranger);
    api_expect(&r, 404);
    api_res_free(&r);

    /* the host was told at each step of the visitor's: the outbox has its e-mails */
    CHECK(api_outbox_count(&srv, "ClusterXchange: an exchange moved on", 1) >= 1);
    free(id);
}

static void the_scheme_rules_a_pair(void)
{
    /* an organisation visits once: de has a completed exchange */
    api_res r = propose(&de, &at, de.token);
    api_expect(&r, 409);
    CHECK(strstr(err_message(&r), "visits once") != NULL);
    api_res_free(&r);
    r = propose(&de2, &fr, de2.token);
    api_expect(&r, 201); /* DE and FR: fine */
    char *id = strdup(api_jstr(r.json, "id"));
    api_res_free(&r);
    /* a host registration used as visitor's (it is host only) */
    r = propose(&it, &at, it.token);
    api_expect(&r, 409);
    CHECK(strstr(err_message(&r), "not registered to visit") != NULL);
    api_res_free(&r);
    /* only the sides' admins propose */
    r = propose(&lu, &at, t_stranger);
    api_expect(&r, 403);
    api_res_free(&r);
    /* body errors */
    r = call("POST", "/v1/xchange/exchanges", "{\"visitor\":\"nope\"}", lu.token);
    api_expect(&r, 422);
    api_res_free(&r);

    /* 200 km: Kehl and Strasbourg are a few km apart: halved, and the reason says why */
    int mon = monday_after(40);
    step_ok(id, "POST", "agree", NULL, fr.token, "agreed");
    step_ok(id, "PUT", "plan", plan_body(mon, mon + 4, "capacity_building"), fr.token,
            "plan_submitted");
    char p[160];
    snprintf(p, sizeof(p), "/v1/xchange/exchanges/%s", id);
    r = call("GET", p, NULL, de2.token);
    api_expect(&r, 200);
    cJSON *ls = cJSON_GetObjectItemCaseSensitive(r.json, "lump_sum");
    CHECK_EQ(cJSON_GetObjectItemCaseSensitive(ls, "amount_eur")->valueint, 390);
    CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ls, "halved")));
    cJSON *reasons = cJSON_GetObjectItemCaseSensitive(ls, "reasons");
    bool said = false;
    for (int i = 0; i < cJSON_GetArraySize(reasons); i++)
        said |= strstr(cJSON_GetArrayItem(reasons, i)->valuestring, "under 200 km") != NULL;
    CHECK(said);
    api_res_free(&r);

    /* cancelling needs a reason, frees the visitor to visit elsewhere */
    step_fails(id, "POST", "cancel", "{}", de2.token, 422, NULL);
    step_ok(id, "POST", "cancel", "{\"reason\":\"Plans changed.\"}", de2.token, "cancelled");
    step_fails(id, "POST", "agree", NULL, fr.token, 409, "the exchange is over");
    r = call("GET", p, NULL, fr.token);
    api_expect(&r, 200);
    CHECK_STR_EQ(api_jstr(cJSON_GetObjectItemCaseSensitive(r.json, "cancellation"), "reason"),
                 "Plans changed.");
    api_res_free(&r);
    free(id);
    id = proposed(&de2, &at, de2.token);
    free(id);
}

/* Parallel proposals to a host of capacity 1 (fr): exactly one is accepted. */
typedef struct racer {
    org o;
    long status;
} racer;

static void *race(void *arg)
{
    racer *x = arg;
    api_res r = propose(&x->o, &fr, x->o.token);
    x->status = r.status;
    api_res_free(&r);
    return NULL;
}

enum { N_RACERS = 6 };
static racer rs[N_RACERS];

static void capacity_under_parallel_proposals(void)
{
    enum { N = N_RACERS };
    static const char *const c[N] = {"PL", "IT", "ES", "NL", "BE", "SE"};
    for (int i = 0; i < N; i++) {
        char user[32];
        snprintf(user, sizeof(user), "racer%d", i);
        make_org(&rs[i].o, user, c[i], 40 + i, 20 + i, "[\"visitor\"]", 0);
    }
    pthread_t th[N];
    for (int i = 0; i < N; i++)
        CHECK_EQ(pthread_create(&th[i], NULL, race, &rs[i]), 0);
    int ok = 0, full = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        ok += rs[i].status == 201;
        full += rs[i].status == 409;
    }
    CHECK_EQ(ok, 1);
    CHECK_EQ(full, N - 1);
}

/* A host of capacity 2 (at) never has three exchanges on one day. at holds de2's undated
 * exchange already. */
static void capacity_over_overlapping_dates(void)
{
    char *b = proposed(&lu, &at, lu.token); /* two undated: full */
    api_res r = propose(&fr, &at, fr.token);
    api_expect(&r, 409);
    CHECK(strstr(err_message(&r), "capacity") != NULL);
    api_res_free(&r);
    /* dates for both, in different weeks: then no day has two, and a third (undated,
     * holding a place on every day) fits */
    int w1 = monday_after(30), w3 = w1 + 14;
    char path[160];
    snprintf(path, sizeof(path), "/v1/xchange/exchanges?registration=%s", at.reg);
    r = call("GET", path, NULL, at.token);
    api_expect(&r, 200);
    const char *a = NULL;
    for (int i = 0; i < cJSON_GetArraySize(r.json); i++) {
        cJSON *e = cJSON_GetArrayItem(r.json, i);
        if (strcmp(api_jstr(e, "state"), "proposed") == 0 && strcmp(api_jstr(e, "id"), b) != 0)
            a = api_jstr(e, "id");
    }
    CHECK(a != NULL);
    char *aid = strdup(a);
    api_res_free(&r);
    step_ok(aid, "POST", "agree", NULL, at.token, "agreed");
    step_ok(b, "POST", "agree", NULL, at.token, "agreed");
    step_ok(aid, "PUT", "plan", plan_body(w1, w1 + 4, "capacity_building"), at.token,
            "plan_submitted");
    step_ok(b, "PUT", "plan", plan_body(w3, w3 + 4, "capacity_building"), at.token,
            "plan_submitted");
    /* now each day has at most one: a third, undated, fits */
    char *c = proposed(&fr, &at, fr.token);
    step_ok(c, "POST", "agree", NULL, at.token, "agreed");
    /* c in week 1 makes two there: fine; then b moving into week 1 would make three */
    step_ok(c, "PUT", "plan", plan_body(w1 + 1, w1 + 4, "capacity_building"), fr.token,
            "plan_submitted");
    step_fails(b, "PUT", "plan", plan_body(w1, w1 + 4, "capacity_building"), at.token, 409,
               "capacity");
    /* cancelling a frees its place in week 1 */
    step_ok(aid, "POST", "cancel", "{\"reason\":\"No budget.\"}", t_mod, "cancelled");
    step_ok(b, "PUT", "plan", plan_body(w1, w1 + 4, "capacity_building"), at.token,
            "plan_submitted");
    free(aid);
    free(b);
    free(c);
}

static void registrations_list(void)
{
    api_res r = call("GET", "/v1/xchange/registrations?state=accepted&per_page=100", NULL, t_mod);
    api_expect(&r, 200);
    cJSON *items = cJSON_GetObjectItemCaseSensitive(r.json, "items");
    CHECK_GE(cJSON_GetObjectItemCaseSensitive(r.json, "total")->valueint, 12);
    /* oldest first, each with its profile's name and country */
    cJSON *first = cJSON_GetArrayItem(items, 0);
    CHECK_STR_EQ(api_jstr(first, "id"), de.reg);
    cJSON *prof = cJSON_GetObjectItemCaseSensitive(first, "profile");
    CHECK_STR_EQ(api_jstr(prof, "name"), "Cluster berlin");
    CHECK_STR_EQ(api_jstr(prof, "country"), "DE");
    const char *prev = "";
    for (int i = 0; i < cJSON_GetArraySize(items); i++) {
        const char *at = api_jstr(cJSON_GetArrayItem(items, i), "created_at");
        CHECK(strcmp(prev, at) <= 0);
        prev = at;
    }
    api_res_free(&r);
    r = call("GET", "/v1/xchange/registrations?state=pending", NULL, t_mod);
    api_expect(&r, 200);
    CHECK_EQ(cJSON_GetObjectItemCaseSensitive(r.json, "total")->valueint, 0);
    api_res_free(&r);
    /* an admin sees its own only */
    r = call("GET", "/v1/xchange/registrations", NULL, it.token);
    api_expect(&r, 200);
    CHECK_EQ(cJSON_GetObjectItemCaseSensitive(r.json, "total")->valueint, 1);
    CHECK_STR_EQ(
        api_jstr(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r.json, "items"), 0), "id"),
        it.reg);
    api_res_free(&r);
    r = call("GET", "/v1/xchange/registrations", NULL, t_stranger);
    api_expect(&r, 200);
    CHECK_EQ(cJSON_GetObjectItemCaseSensitive(r.json, "total")->valueint, 0);
    api_res_free(&r);
    r = call("GET", "/v1/xchange/registrations?state=maybe", NULL, t_mod);
    api_expect(&r, 400);
    api_res_free(&r);
    r = call("GET", "/v1/xchange/registrations", NULL, NULL);
    api_expect(&r, 401);
    api_res_free(&r);
}

static int unread_with(const char *reg, const char *with, const char *token)
{
    char p[200];
    snprintf(p, sizeof(p), "/v1/xchange/registrations/%s/conversations", reg);
    api_res r = call("GET", p, NULL, token);
    api_expect(&r, 200);
    int unread = -1;
    for (int i = 0; i < cJSON_GetArraySize(r.json); i++) {
        cJSON *c = cJSON_GetArrayItem(r.json, i);
        if (strcmp(api_jstr(c, "with"), with) == 0)
            unread = cJSON_GetObjectItemCaseSensitive(c, "unread")->valueint;
    }
    api_res_free(&r);
    return unread;
}

static void messages_between_two_registrations(void)
{
    char p[200], body[256];
    snprintf(p, sizeof(p), "/v1/xchange/registrations/%s/messages", de.reg);
    snprintf(body, sizeof(body), "{\"to\":\"%s\",\"text\":\"Quokkaberry visit in May?\"}", it.reg);
    api_res r = call("POST", p, body, de.token);
    api_expect(&r, 201);
    CHECK_STR_EQ(api_jstr(r.json, "from"), de.reg);
    CHECK_STR_EQ(api_jstr(r.json, "to"), it.reg);
    api_res_free(&r);
    r = call("POST", p, body, it.token); /* it does not write as de */
    api_expect(&r, 404);
    api_res_free(&r);
    snprintf(body, sizeof(body), "{\"to\":\"%s\",\"text\":\"\"}", it.reg);
    r = call("POST", p, body, de.token);
    api_expect(&r, 422);
    api_res_free(&r);
    snprintf(body, sizeof(body), "{\"to\":\"%s\",\"text\":\"me\"}", de.reg);
    r = call("POST", p, body, de.token);
    api_expect(&r, 422);
    api_res_free(&r);

    /* the other side: one unread, and notified */
    CHECK_EQ(unread_with(it.reg, de.reg, it.token), 1);
    CHECK_EQ(unread_with(de.reg, it.reg, de.token), 0);
    CHECK_EQ(unread_with(it.reg, de.reg, t_mod), 1);
    r = call("GET", "/v1/me/notifications?unread=true", NULL, it.token);
    api_expect(&r, 200);
    bool told = false;
    cJSON *items = cJSON_GetObjectItemCaseSensitive(r.json, "items");
    for (int i = 0; i < cJSON_GetArraySize(items); i++)
        told |= strcmp(api_jstr(cJSON_GetArrayItem(items, i), "kind"), "xchange.message") == 0;
    CHECK(told);
    api_res_free(&r);
    CHECK(api_outbox_count(&srv, "Quokkaberry", 1) >= 1);

    /* only the two parties' admins and moderators read it */
    snprintf(p, sizeof(p), "/v1/xchange/registrations/%s/conversations/%s", it.reg, de.reg);
    const char *outsiders[] = {t_stranger, at.token, fr.token};
    for (size_t i = 0; i < 3; i++) {
        r = call("GET", p, NULL, outsiders[i]);
        api_expect(&r, 404);
        api_res_free(&r);
    }
    snprintf(p, sizeof(p), "/v1/xchange/registrations/%s/conversations", it.reg);
    r = call("GET", p, NULL, at.token);
    api_expect(&r, 404);
    api_res_free(&r);
    snprintf(p, sizeof(p), "/v1/xchange/registrations/%s/conversations/%s", it.reg, de.reg);
    r = call("GET", p, NULL, t_mod); /* a moderator reads without marking it read */
    api_expect(&r, 200);
    api_res_free(&r);
    CHECK_EQ(unread_with(it.reg, de.reg, it.token), 1);
    r = call("GET", p, NULL, it.token);
    api_expect(&r, 200);
    cJSON *msgs = cJSON_GetObjectItemCaseSensitive(r.json, "messages");
    CHECK_EQ(cJSON_GetArraySize(msgs), 1);
    CHECK_STR_EQ(api_jstr(cJSON_GetArrayItem(msgs, 0), "text"), "Quokkaberry visit in May?");
    CHECK(api_jstr(cJSON_GetArrayItem(msgs, 0), "created_at") != NULL);
    api_res_free(&r);
    CHECK_EQ(unread_with(it.reg, de.reg, it.token), 0);
    /* the reply: both see it, in order */
    snprintf(p, sizeof(p), "/v1/xchange/registrations/%s/messages", it.reg);
    snprintf(body, sizeof(body), "{\"to\":\"%s\",\"text\":\"Yes, welcome.\"}", de.reg);
    r = call("POST", p, body, it.token);
    api_expect(&r, 201);
    api_res_free(&r);
    CHECK_EQ(unread_with(de.reg, it.reg, de.token), 1);
    snprintf(p, sizeof(p), "/v1/xchange/registrations/%s/conversations/%s", de.reg, it.reg);
    r = call("GET", p, NULL, de.token);
    api_expect(&r, 200);
    msgs = cJSON_GetObjectItemCaseSensitive(r.json, "messages");
    CHECK_EQ(cJSON_GetArraySize(msgs), 2);
    CHECK_STR_EQ(api_jstr(cJSON_GetArrayItem(msgs, 1), "text"), "Yes, welcome.");
    api_res_free(&r);
    /* never in search */
    r = call("GET", "/v1/search?q=Quokkaberry", NULL, t_mod);
    api_expect(&r, 200);
    CHECK_EQ(cJSON_GetObjectItemCaseSensitive(r.json, "total")->valueint, 0);
    api_res_free(&r);
}

static long catalogue_total(const char *query, const char *token)
{
    char p[512];
    snprintf(p, sizeof(p), "/v1/xchange/catalogue%s", query);
    api_res r = call("GET", p, NULL, token);
    api_expect(&r, 200);
    long total = cJSON_GetObjectItemCaseSensitive(r.json, "total")->valueint;
    api_res_free(&r);
    return total;
}

static void the_catalogue(void)
{
    api_res r = call("GET", "/v1/xchange/catalogue", NULL, NULL);
    api_expect(&r, 401);
    api_res_free(&r);
    /* twelve accepted registrations of published profiles in eligible countries */
    CHECK_EQ(catalogue_total("", t_stranger), 12);
    CHECK_EQ(catalogue_total("?role=host", t_stranger), 3);
    CHECK_EQ(catalogue_total("?role=visitor", t_stranger), 10);
    CHECK_EQ(catalogue_total("?country=IT", t_stranger), 2);
    CHECK_EQ(catalogue_total("?country=IT&role=host", t_stranger), 1);
    CHECK_EQ(catalogue_total("?ecosystem=digital", t_stranger), 12);
    CHECK_EQ(catalogue_total("?ecosystem=tourism", t_stranger), 0);
    CHECK_EQ(catalogue_total("?objective=market_exploration", t_stranger), 12);
    CHECK_EQ(catalogue_total("?objective=policy_learning", t_stranger), 0);
    CHECK_EQ(catalogue_total("?language=en", t_stranger), 12);
    CHECK_EQ(catalogue_total("?language=fr", t_stranger), 0);
    char month[16], q[64];
    api_day(60, month);
    month[7] = '\0';
    snprintf(q, sizeof(q), "?month=%s", month);
    CHECK_EQ(catalogue_total(q, t_stranger), 12);
    CHECK_EQ(catalogue_total("?month=2031-01", t_stranger), 0);
    r = call("GET", "/v1/xchange/catalogue?month=May", NULL, t_stranger);
    api_expect(&r, 400);
    api_res_free(&r);
    r = call("GET", "/v1/xchange/catalogue?role=guest", NULL, t_stranger);
    api_expect(&r, 400);
    api_res_free(&r);

    /* text over the profile and offer/demand; hits carry what is public, nothing more */
    r = call("GET", "/v1/xchange/catalogue?q=milano&role=host", NULL, t_stranger);
    api_expect(&r, 200);
    CHECK_EQ(cJSON_GetObjectItemCaseSensitive(r.json, "total")->valueint, 1);
    cJSON *hit = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r.json, "hits"), 0);
    CHECK_STR_EQ(api_jstr(hit, "registration_id"), it.reg);
    cJSON *prof = cJSON_GetObjectItemCaseSensitive(hit, "profile");
    CHECK_STR_EQ(api_jstr(prof, "id"), it.profile);
    CHECK_STR_EQ(api_jstr(prof, "country"), "IT");
    CHECK_STR_EQ(api_jstr(hit, "offer"), "Visits.");
    CHECK(cJSON_GetObjectItemCaseSensitive(hit, "availability") != NULL);
    CHECK(cJSON_GetObjectItemCaseSensitive(hit, "target_countries") == NULL);
    CHECK(cJSON_GetObjectItemCaseSensitive(hit, "duration_days") == NULL);
    CHECK(cJSON_GetObjectItemCaseSensitive(hit, "host_capacity") == NULL);
    CHECK(strstr(r.body, "host_capacity") == NULL && strstr(r.body, "duration_days") == NULL);
    cJSON *facets = cJSON_GetObjectItemCaseSensitive(r.json, "facets");
    CHECK(cJSON_GetObjectItemCaseSensitive(facets, "country") != NULL);
    CHECK(cJSON_GetObjectItemCaseSensitive(facets, "role") != NULL);
    api_res_free(&r);
    r = call("GET", "/v1/xchange/catalogue?q=partners", NULL, t_stranger); /* the demand */
    api_expect(&r, 200);
    CHECK_EQ(cJSON_GetObjectItemCaseSensitive(r.json, "total")->valueint, 12);
    cJSON *roles = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(r.json, "facets"), "role");
    long hosts = 0;
    for (int i = 0; i < cJSON_GetArraySize(roles); i++)
        if (strcmp(api_jstr(cJSON_GetArrayItem(roles, i), "value"), "host") == 0)
            hosts =
                cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(roles, i), "count")->valueint;
    CHECK_EQ(hosts, 3);
    api_res_free(&r);

    /* the general search shows the catalogue to signed-in users only */
    r = call("GET", "/v1/search?q=milano", NULL, NULL);
    api_expect(&r, 200);
    cJSON *hits = cJSON_GetObjectItemCaseSensitive(r.json, "hits");
    for (int i = 0; i < cJSON_GetArraySize(hits); i++)
        CHECK_STR_EQ(api_jstr(cJSON_GetArrayItem(hits, i), "kind"), "profile");
    CHECK_EQ(cJSON_GetArraySize(hits), 1);
    api_res_free(&r);
    r = call("GET", "/v1/suggest?q=milan", NULL, NULL); /* suggestions are public */
    api_expect(&r, 200);
    CHECK_GT(cJSON_GetArraySize(r.json), 0);
    for (int i = 0; i < cJSON_GetArraySize(r.json); i++)
        CHECK(api_jstr(cJSON_GetArrayItem(r.json, i), "kind") == NULL ||
              strcmp(api_jstr(cJSON_GetArrayItem(r.json, i), "kind"), "xchange") != 0);
    CHECK(strstr(r.body, it.reg) == NULL);
    api_res_free(&r);
    r = call("GET", "/v1/search?q=milano&kind=xchange", NULL, NULL);
    api_expect(&r, 401);
    api_res_free(&r);
    r = call("GET", "/v1/search?q=milano&kind=xchange", NULL, t_stranger);
    api_expect(&r, 200);
    CHECK_EQ(cJSON_GetObjectItemCaseSensitive(r.json, "total")->valueint, 1);
    api_res_free(&r);
}

/* The ids and reasons of reg's best matches in role: returns the reasons of cand, joined,
 * or NULL when cand is not among them. */
static char *match_reasons(const org *o, const char *role, const char *cand)
{
    char p[256];
    snprintf(p, sizeof(p), "/v1/xchange/registrations/%s/matches?role=%s&limit=100", o->reg, role);
    api_res r = call("GET", p, NULL, o->token);
    api_expect(&r, 200);
    char *out = NULL;
    for (int i = 0; i < cJSON_GetArraySize(r.json); i++) {
        cJSON *m = cJSON_GetArrayItem(r.json, i);
        if (strcmp(api_jstr(m, "registration_id"), cand) != 0)
            continue;
        char buf[2048] = "";
        cJSON *rs_ = cJSON_GetObjectItemCaseSensitive(m, "reasons");
        for (int j = 0; j < cJSON_GetArraySize(rs_); j++) {
            strncat(buf, cJSON_GetArrayItem(rs_, j)->valuestring, sizeof(buf) - strlen(buf) - 2);
            strcat(buf, "|");
        }
        out = strdup(buf);
    }
    api_res_free(&r);
    return out;
}

static void matcher_follows_exchanges(void)
{
    const org *free_visitor = NULL, *winner = NULL;
    for (int i = 0; i < N_RACERS; i++) {
        if (rs[i].status == 201)
            winner = &rs[i].o;
        else if (free_visitor == NULL && i != 1) /* racer 1 is in IT, as `it` is */
            free_visitor = &rs[i].o;
    }
    CHECK(winner != NULL && free_visitor != NULL);
    /* visitors with an exchange stop appearing as visitors (de completed one, lu and fr
     * have one planned, the winner one proposed); the others still do, de2 too, whose two
     * exchanges were cancelled */
    const org *visited[] = {&de, &lu, &fr, winner};
    for (size_t i = 0; i < 4; i++) {
        char *why = match_reasons(&it, "host", visited[i]->reg);
        CHECK(why == NULL);
        free(why);
    }
    char *why = match_reasons(&it, "host", free_visitor->reg);
    CHECK(why != NULL);
    free(why);
    why = match_reasons(&it, "host", de2.reg);
    CHECK(why != NULL);
    free(why);
    /* fr hosts at its capacity (1) with an undated exchange: it stops matching as a host */
    why = match_reasons(free_visitor, "visitor", fr.reg);
    CHECK(why == NULL);
    /* at (2 places) is full on four days of one week: matched on its other dates, and the
     * reasons say so; it (3 places, one exchange) says how many places are free */
    why = match_reasons(free_visitor, "visitor", at.reg);
    CHECK(why != NULL && strstr(why, "capacity on some of its dates") != NULL);
    free(why);
    why = match_reasons(free_visitor, "visitor", it.reg);
    CHECK(why != NULL && strstr(why, "2 of its 3 places free") != NULL);
    CHECK(strstr(why, "Both work in") != NULL);
    free(why);

    /* the batch assignment names the profiles and gives the reasons */
    api_res r = call("POST", "/v1/xchange/batch-match", "{}", t_mod);
    api_expect(&r, 200);
    cJSON *asg = cJSON_GetObjectItemCaseSensitive(r.json, "assignments");
    CHECK_GT(cJSON_GetArraySize(asg), 0);
    for (int i = 0; i < cJSON_GetArraySize(asg); i++) {
        cJSON *e = cJSON_GetArrayItem(asg, i);
        cJSON *vp = cJSON_GetObjectItemCaseSensitive(e, "visitor_profile");
        cJSON *hp = cJSON_GetObjectItemCaseSensitive(e, "host_profile");
        CHECK(api_jstr(vp, "name") != NULL && api_jstr(vp, "country") != NULL &&
              api_jstr(vp, "id") != NULL);
        CHECK(api_jstr(hp, "name") != NULL && api_jstr(hp, "country") != NULL);
        CHECK(strcmp(api_jstr(hp, "id"), fr.profile) != 0); /* fr has no place left */
        cJSON *reasons = cJSON_GetObjectItemCaseSensitive(e, "reasons");
        CHECK_GT(cJSON_GetArraySize(reasons), 0);
        for (size_t k = 0; k < 4; k++) /* nor do visitors that visit already appear */
            CHECK(strcmp(api_jstr(e, "visitor"), visited[k]->reg) != 0);
    }
    api_res_free(&r);

    /* a restart loads the table from the store (not the change log): the same answers */
    api_stop(&srv);
    api_start(&srv, srv.dir, NULL);
    for (size_t i = 0; i < 4; i++) {
        why = match_reasons(&it, "host", visited[i]->reg);
        CHECK(why == NULL);
        free(why);
    }
    why = match_reasons(&it, "host", de2.reg);
    CHECK(why != NULL);
    free(why);
    why = match_reasons(free_visitor, "visitor", fr.reg);
    CHECK(why == NULL);
    why = match_reasons(free_visitor, "visitor", at.reg);
    CHECK(why != NULL && strstr(why, "capacity on some of its dates") != NULL);
    free(why);
}

int main(int argc, char **argv)
{
    CHECK(argc == 2);
    api_binary = argv[1];
    curl_global_init(CURL_GLOBAL_ALL);
    RUN(setup);
    RUN(one_exchange_from_proposal_to_closing_report);
    RUN(the_scheme_rules_a_pair);
    RUN(capacity_under_parallel_proposals);
    RUN(capacity_over_overlapping_dates);
    RUN(registrations_list);
    RUN(messages_between_two_registrations);
    RUN(the_catalogue);
    RUN(matcher_follows_exchanges);
    api_stop(&srv);
    api_cleanup(&srv);
    curl_global_cleanup();
    return 0;
}
