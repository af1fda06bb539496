/*
 * API tests of ClusterXchange against the real binary: registrations by the admins of
 * published profiles, moderators' decisions, best matches ordered with reasons (and only
 * accepted registrations of the other role in them), read-your-writes after a decision,
 * 403/404 for strangers without leaking, private preferences never shown to others, and
 * the batch assignment respecting capacities and min_score with the optimal total.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "harness.h"

static api_server srv;
static char *t_mod, *t_stranger;

static api_res call(const char *method, const char *path, const char *json, const char *token)
{
    return api_json(&srv, API_H1, method, path, json, token);
}

/* An organisation: a user with a published cluster profile in `country`. */
typedef struct org {
    char *token;
    char profile[64];
    char reg[64]; /* its registration */
} org;

static void make_org(org *o, const char *user, const char *name, const char *country)
{
    o->token = api_signup(&srv, user, "a long password");
    char body[2048];
    snprintf(
        body, sizeof(body),
        "{\"type\":\"cluster_organisation\",\"name\":\"%s\",\"country\":\"%s\","
        "\"city\":\"C\",\"description\":\"A cluster.\",\"website\":\"https://cluster-%s.example\","
        "\"languages\":[\"en\"],\"management_fte\":2,\"members_count\":40,"
        "\"member_composition\":{\"smes\":30,\"research\":10},\"ecosystems\":[\"digital\"],"
        "\"services\":[\"training\",\"matchmaking\"],\"contact\":{\"name\":\"N\","
        "\"email\":\"contact@example.eu\"}}",
        name, country, country);
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
}

/* Registers o with the given JSON members (roles, ecosystems, ...); returns the response. */
static api_res reg_raw(org *o, const char *members)
{
    char from[16], to[16], body[4096];
    api_day(20, from);
    api_day(120, to);
    snprintf(body, sizeof(body),
             "{\"profile_id\":\"%s\",%s,\"availability\":[{\"from\":\"%s\",\"to\":\"%s\"}],"
             "\"duration_days\":{\"min\":5,\"max\":20}}",
             o->profile, members, from, to);
    return call("POST", "/v1/xchange/registrations", body, o->token);
}

static void reg(org *o, const char *members)
{
    api_res r = reg_raw(o, members);
    api_expect(&r, 201);
    CHECK_STR_EQ(api_jstr(r.json, "state"), "pending");
    snprintf(o->reg, sizeof(o->reg), "%s", api_jstr(r.json, "id"));
    api_res_free(&r);
}

static void decide(const char *reg_id, const char *decision, const char *token, long status)
{
    char p[160], body[128];
    snprintf(p, sizeof(p), "/v1/xchange/registrations/%s/decision", reg_id);
    snprintf(body, sizeof(body), "{\"decision\":\"%s\"}", decision);
    api_res r = call("POST", p, body, token);
    api_expect(&r, status);
    api_res_free(&r);
}

static api_res matches(const char *reg_id, const char *query, const char *token)
{
    char p[256];
    snprintf(p, sizeof(p), "/v1/xchange/registrations/%s/matches%s", reg_id, query);
    return call("GET", p, NULL, token);
}

static org de, it, fr, pl, es, at;

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
    make_org(&de, "de_user", "Cluster Deutschland", "DE");
    make_org(&it, "it_user", "Cluster Italia", "IT");
    make_org(&fr, "fr_user", "Cluster France", "FR");
    make_org(&pl, "pl_user", "Cluster Polska", "PL");
    make_org(&es, "es_user", "Cluster España", "ES");
    make_org(&at, "at_user", "Cluster Österreich", "AT");
}

static void registrations_and_validation(void)
{
    /* 422 names the fields; 403 for a profile the caller does not administer */
    api_res r = reg_raw(&de, "\"roles\":[\"guest\"],\"ecosystems\":[\"space\"],\"objectives\":[],"
                             "\"languages\":[\"en\"],\"host_capacity\":1");
    api_expect(&r, 422);
    cJSON *fields = cJSON_GetObjectItem(cJSON_GetObjectItem(r.json, "error"), "fields");
    CHECK(cJSON_GetObjectItem(fields, "roles") && cJSON_GetObjectItem(fields, "ecosystems") &&
          cJSON_GetObjectItem(fields, "objectives"));
    api_res_free(&r);
    org fake = de;
    fake.token = t_stranger;
    r = reg_raw(&fake, "\"roles\":[\"host\"],\"ecosystems\":[\"digital\"],"
                       "\"objectives\":[\"joint_projects\"],\"languages\":[\"en\"],"
                       "\"host_capacity\":1");
    api_expect(&r, 403);
    api_res_free(&r);
    fake.token = NULL;
    r = reg_raw(&fake, "\"roles\":[\"host\"],\"ecosystems\":[\"digital\"],"
                       "\"objectives\":[\"joint_projects\"],\"languages\":[\"en\"],"
                       "\"host_capacity\":1");
    api_expect(&r, 401);
    api_res_free(&r);

    reg(&de, "\"roles\":[\"host\"],\"ecosystems\":[\"digital\",\"health\"],"
             "\"target_countries\":[\"FR\"],\"objectives\":[\"market_exploration\","
             "\"technology_transfer\"],\"languages\":[\"en\",\"de\"],\"host_capacity\":1,"
             "\"offer\":\"SECRET-OFFER-DE\"");
    reg(&it, "\"roles\":[\"host\"],\"ecosystems\":[\"digital\"],\"target_countries\":[],"
             "\"objectives\":[\"joint_projects\"],\"languages\":[\"it\",\"en\"],"
             "\"host_capacity\":2,\"offer\":\"SECRET-OFFER-IT\"");
    reg(&fr, "\"roles\":[\"visitor\"],\"ecosystems\":[\"digital\",\"health\"],"
             "\"target_countries\":[\"DE\"],\"objectives\":[\"market_exploration\"],"
             "\"languages\":[\"fr\",\"en\"],\"demand\":\"SECRET-DEMAND-FR\"");
    reg(&pl, "\"roles\":[\"visitor\"],\"ecosystems\":[\"digital\"],\"target_countries\":[\"IT\"],"
             "\"objectives\":[\"joint_projects\"],\"languages\":[\"pl\",\"en\"]");
    reg(&es, "\"roles\":[\"visitor\"],\"ecosystems\":[\"tourism\"],\"objectives\":"
             "[\"policy_learning\"],\"languages\":[\"es\"]");
    reg(&at, "\"roles\":[\"host\"],\"ecosystems\":[\"digital\",\"health\"],"
             "\"target_countries\":[\"FR\"],\"objectives\":[\"market_exploration\"],"
             "\"languages\":[\"en\",\"fr\"],\"host_capacity\":3"); /* stays pending */

    /* an organisation visits once */
    r = reg_raw(&fr, "\"roles\":[\"visitor\"],\"ecosystems\":[\"digital\"],"
                     "\"objectives\":[\"joint_projects\"],\"languages\":[\"en\"]");
    api_expect(&r, 409);
    CHECK_STR_EQ(api_error_code(&r), "conflict");
    api_res_free(&r);

    /* /v1/me lists one's registrations */
    r = call("GET", "/v1/me", NULL, de.token);
    api_expect(&r, 200);
    cJSON *regs = cJSON_GetObjectItem(r.json, "xchange_registrations");
    CHECK_EQ(cJSON_GetArraySize(regs), 1);
    CHECK_STR_EQ(api_jstr(cJSON_GetArrayItem(regs, 0), "id"), de.reg);
    api_res_free(&r);
}

static void reading_is_for_admins_and_moderators(void)
{
    char p[160];
    snprintf(p, sizeof(p), "/v1/xchange/registrations/%s", de.reg);
    api_res r = call("GET", p, NULL, de.token);
    api_expect(&r, 200);
    CHECK_STR_EQ(api_jstr(r.json, "offer"), "SECRET-OFFER-DE");
    api_res_free(&r);
    r = call("GET", p, NULL, t_mod);
    api_expect(&r, 200);
    api_res_free(&r);
    r = call("GET", p, NULL, t_stranger);
    api_expect(&r, 404);
    CHECK(strstr(r.body, "SECRET") == NULL);
    api_res_free(&r);
    r = call("GET", p, NULL, fr.token); /* another organisation */
    api_expect(&r, 404);
    api_res_free(&r);
    r = call("GET", p, NULL, NULL);
    api_expect(&r, 404);
    api_res_free(&r);
    r = call("GET", "/v1/xchange/registrations/01ARZ3NDEKTSV4RRFFQ69G5FAV", NULL, t_mod);
    api_expect(&r, 404);
    api_res_free(&r);

    /* decisions: moderators only; strangers do not learn the registration exists */
    decide(de.reg, "accept", de.token, 403);
    decide(de.reg, "accept", t_stranger, 404);
    decide(de.reg, "maybe", t_mod, 422);
    /* matches: strangers 404, a pending registration 409 */
    r = matches(fr.reg, "", t_stranger);
    api_expect(&r, 404);
    api_res_free(&r);
    r = matches(fr.reg, "", fr.token);
    api_expect(&r, 409);
    api_res_free(&r);
}

/* The matches of fr's registration, as registration ids, best first. */
static int match_ids(char ids[][64], int max, cJSON **keep)
{
    api_res r = matches(fr.reg, "?role=visitor&limit=20", fr.token);
    api_expect(&r, 200);
    CHECK(cJSON_IsArray(r.json));
    CHECK(strstr(r.body, "SECRET") == NULL); /* others' preferences never show */
    int n = 0;
    cJSON *m;
    cJSON_ArrayForEach(m, r.json)
    {
        if (n < max)
            snprintf(ids[n], 64, "%s", api_jstr(m, "registration_id"));
        n++;
    }
    if (keep != NULL) {
        *keep = r.json;
        r.json = NULL;
    }
    api_res_free(&r);
    return n;
}

static void matches_follow_decisions(void)
{
    decide(fr.reg, "accept", t_mod, 200);
    decide(it.reg, "accept", t_mod, 200);
    decide(pl.reg, "accept", t_mod, 200);
    decide(es.reg, "accept", t_mod, 200);
    decide(es.reg, "reject", t_mod, 409); /* decided already */
    char ids[8][64];
    /* the decision's response came once the matcher saw it: no polling needed */
    int n = match_ids(ids, 8, NULL);
    CHECK_EQ(n, 1); /* de and at are still pending; visitors never match visitors */
    CHECK_STR_EQ(ids[0], it.reg);

    decide(de.reg, "accept", t_mod, 200);
    cJSON *list;
    n = match_ids(ids, 8, &list);
    CHECK_EQ(n, 2);
    CHECK_STR_EQ(ids[0], de.reg); /* shares two ecosystems, mutual country interest */
    CHECK_STR_EQ(ids[1], it.reg);
    cJSON *first = cJSON_GetArrayItem(list, 0), *second = cJSON_GetArrayItem(list, 1);
    CHECK_GT(cJSON_GetObjectItem(first, "score")->valueint,
             cJSON_GetObjectItem(second, "score")->valueint);
    cJSON *prof = cJSON_GetObjectItem(first, "profile");
    CHECK_STR_EQ(api_jstr(prof, "id"), de.profile);
    CHECK_STR_EQ(api_jstr(prof, "name"), "Cluster Deutschland");
    CHECK_STR_EQ(api_jstr(prof, "country"), "DE");
    cJSON *reasons = cJSON_GetObjectItem(first, "reasons");
    CHECK_GE(cJSON_GetArraySize(reasons), 3);
    char all[2048] = "";
    cJSON *reason;
    cJSON_ArrayForEach(reason, reasons)
    {
        strncat(all, reason->valuestring, sizeof(all) - strlen(all) - 2);
        strcat(all, "|");
    }
    fprintf(stderr, "    reasons: %s\n", all);
    CHECK(strstr(all, "Digital") != NULL);
    CHECK(strstr(all, "Germany") != NULL);
    cJSON_Delete(list);

    /* the host side sees visitors; limit and role are checked */
    api_res r = matches(de.reg, "?role=host&limit=1", de.token);
    api_expect(&r, 200);
    CHECK_EQ(cJSON_GetArraySize(r.json), 1);
    CHECK_STR_EQ(api_jstr(cJSON_GetArrayItem(r.json, 0), "registration_id"), fr.reg);
    api_res_free(&r);
    r = matches(de.reg, "?role=visitor", de.token);
    api_expect(&r, 400);
    api_res_free(&r);
    r = matches(de.reg, "?limit=0", de.token);
    api_expect(&r, 400);
    api_res_free(&r);
    r = matches(de.reg, "", t_mod); /* moderators may look */
    api_expect(&r, 200);
    api_res_free(&r);
    r = matches(de.reg, "", it.token); /* another registration's admin may not */
    api_expect(&r, 404);
    api_res_free(&r);
}

/* Checks a batch answer: capacities, min_score, and the total. */
static void check_batch(const char *body, int min_score, long want_total, int want_unmatched)
{
    api_res r = call("POST", "/v1/xchange/batch-match", body, t_mod);
    api_expect(&r, 200);
    fprintf(stderr, "    batch: %s\n", r.body);
    cJSON *asg = cJSON_GetObjectItem(r.json, "assignments"), *a;
    long total = 0;
    int per_host[3] = {0, 0, 0}; /* de, it, other */
    cJSON_ArrayForEach(a, asg)
    {
        int s = cJSON_GetObjectItem(a, "score")->valueint;
        CHECK_GE(s, min_score);
        total += s;
        const char *h = api_jstr(a, "host");
        per_host[strcmp(h, de.reg) == 0 ? 0 : strcmp(h, it.reg) == 0 ? 1 : 2]++;
    }
    CHECK_LE(per_host[0], 1); /* capacities */
    CHECK_LE(per_host[1], 2);
    CHECK_EQ(per_host[2], 0); /* at is pending: never a host */
    CHECK_EQ((long)cJSON_GetObjectItem(r.json, "total_score")->valuedouble, total);
    CHECK_EQ(total, want_total);
    CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "unmatched")), want_unmatched);
    CHECK(cJSON_IsNumber(cJSON_GetObjectItem(r.json, "took_ms")));
    api_res_free(&r);
}

static void batch_match(void)
{
    api_res r = call("POST", "/v1/xchange/batch-match", "{}", fr.token);
    api_expect(&r, 403);
    api_res_free(&r);
    r = call("POST", "/v1/xchange/batch-match", "{}", NULL);
    api_expect(&r, 401);
    api_res_free(&r);
    r = call("POST", "/v1/xchange/batch-match", "{\"min_score\":-1}", t_mod);
    api_expect(&r, 422);
    api_res_free(&r);
    /* Scores (matcher.h weights): fr-de 19, fr-it 8, pl-it 14, pl-de 6, es-it 4, es-de 2.
     * The optimum under capacities de 1, it 2: fr-de + pl-it + es-it = 37. */
    check_batch("{\"min_score\":0}", 0, 37, 0);
    /* es's pairs fall under min_score 5: es stays unmatched */
    check_batch("{\"min_score\":5}", 5, 33, 1);
    /* a subset without de: fr and pl share it (capacity 2); a listed id counts once, and
     * ids that are not accepted registrations are reported as ignored */
    char body[512];
    snprintf(body, sizeof(body),
             "{\"registrations\":[\"%s\",\"%s\",\"%s\",\"%s\",\"%s\",\"nonsense\"],"
             "\"min_score\":0}",
             fr.reg, pl.reg, it.reg, at.reg, fr.reg);
    r = call("POST", "/v1/xchange/batch-match", body, t_mod);
    api_expect(&r, 200);
    CHECK_EQ((long)cJSON_GetObjectItem(r.json, "total_score")->valuedouble, 8 + 14);
    cJSON *ignored = cJSON_GetObjectItem(r.json, "ignored");
    CHECK_EQ(cJSON_GetArraySize(ignored), 2); /* at is pending; nonsense is nothing */
    CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "assignments")), 2);
    bool saw_at = false;
    cJSON *ig;
    cJSON_ArrayForEach(ig, ignored) saw_at |= strcmp(ig->valuestring, at.reg) == 0;
    CHECK(saw_at);
    api_res_free(&r);
}

/* A reader thread: best matches and batch runs while the tables change under it. */
static void *query_loop(void *arg)
{
    int *failures = arg;
    for (int i = 0; i < 40; i++) {
        api_res r = i % 8 == 7 ? call("POST", "/v1/xchange/batch-match", "{}", t_mod)
                               : matches(fr.reg, "?limit=50", fr.token);
        if (r.status != 200)
            (*failures)++;
        else if (cJSON_IsArray(r.json)) {
            int prev = 1 << 30;
            cJSON *m;
            cJSON_ArrayForEach(m, r.json)
            {
                int sc = cJSON_GetObjectItem(m, "score")->valueint;
                *failures += sc > prev; /* best first */
                prev = sc;
            }
        }
        api_res_free(&r);
    }
    return NULL;
}

static void queries_while_the_tables_change(void)
{
    enum { READERS = 4 };
    pthread_t th[READERS];
    int failures[READERS] = {0};
    for (int i = 0; i < READERS; i++)
        pthread_create(&th[i], NULL, query_loop, &failures[i]);
    static org extra[3];
    static const char *const cc[] = {"NL", "BE", "SE"};
    for (int i = 0; i < 3; i++) {
        char user[32], name[64];
        snprintf(user, sizeof(user), "extra%d", i);
        snprintf(name, sizeof(name), "Extra Cluster %s", cc[i]);
        make_org(&extra[i], user, name, cc[i]);
        reg(&extra[i], "\"roles\":[\"host\"],\"ecosystems\":[\"digital\"],\"objectives\":"
                       "[\"joint_projects\"],\"languages\":[\"en\"],\"host_capacity\":1");
        decide(extra[i].reg, "accept", t_mod, 200);
    }
    decide(at.reg, "accept", t_mod, 200);
    for (int i = 0; i < READERS; i++) {
        pthread_join(th[i], NULL);
        CHECK_EQ(failures[i], 0);
    }
    char ids[8][64];
    CHECK_EQ(match_ids(ids, 8, NULL), 2 + 3 + 1); /* de, it, the extras and at */
}

/* The number of matches de's host registration sees. */
static int host_matches(void)
{
    api_res r = matches(de.reg, "?role=host", de.token);
    api_expect(&r, 200);
    int n = cJSON_GetArraySize(r.json);
    api_res_free(&r);
    return n;
}

static void gone_profiles_leave_and_restart_rebuilds(void)
{
    CHECK_EQ(host_matches(), 3); /* fr, pl, es */
    char p[160];
    snprintf(p, sizeof(p), "/v1/profiles/%s", es.profile);
    api_res r = call("DELETE", p, NULL, es.token);
    api_expect(&r, 204);
    api_res_free(&r);
    CHECK_EQ(host_matches(), 2); /* es's registration left with its profile */

    /* the matcher's tables live in memory: a restart reads them back from the store */
    char before[8][64], after[8][64];
    int n = match_ids(before, 8, NULL);
    api_stop(&srv);
    api_start(&srv, srv.dir, NULL);
    CHECK_EQ(match_ids(after, 8, NULL), n);
    for (int i = 0; i < n; i++)
        CHECK_STR_EQ(after[i], before[i]);
    CHECK_EQ(host_matches(), 2);
}

int main(int argc, char **argv)
{
    CHECK(argc == 2);
    api_binary = argv[1];
    curl_global_init(CURL_GLOBAL_ALL);
    RUN(setup);
    RUN(registrations_and_validation);
    RUN(reading_is_for_admins_and_moderators);
    RUN(matches_follow_decisions);
    RUN(batch_match);
    RUN(queries_while_the_tables_change);
    RUN(gone_profiles_leave_and_restart_rebuilds);
    api_stop(&srv);
    api_cleanup(&srv);
    curl_global_cleanup();
    return 0;
}
