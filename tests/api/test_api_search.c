/*
 * API tests of search against the real binary: folding and scripts, facet counts equal
 * to a brute-force count over what was stored, pagination edges, the catalogue view,
 * hostile queries, drafts and deletes never found, and a crash between the store's commit
 * and the index's commit followed by catch-up on restart.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "harness.h"

static api_server srv;
static char *t_mod;
static char *t_users[4];

enum { N = 48 };
static const char *types[] = {"training_provider", "policy_institution", "national_association",
                              "resource_efficiency_provider"};
static const char *countries[] = {"FR", "DE", "PL", "UA", "ES"};
static const char *ecos[] = {"digital", "health", "textile", "energy_renewables"};
static const char *labels[] = {"none", "bronze", "gold"};

typedef struct prof {
    char id[32];
    int type, country, eco1, eco2, label;
    bool published;
} prof;
static prof profs[N];

static const char *jstr(cJSON *o, const char *k)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void post_ok(const char *path, const char *body, const char *token, long status)
{
    api_res r = api_json(&srv, API_H1, "POST", path, body, token);
    if (r.status != status)
        fprintf(stderr, "POST %s: %ld %s\n", path, r.status, r.body ? r.body : "");
    CHECK_EQ(r.status, status);
    api_res_free(&r);
}

static char *create_profile(const char *token, const char *json)
{
    api_res r = api_json(&srv, API_H1, "POST", "/v1/profiles", json, token);
    if (r.status != 201)
        fprintf(stderr, "create: %ld %s\n", r.status, r.body);
    CHECK_EQ(r.status, 201);
    char *id = strdup(jstr(r.json, "id"));
    api_res_free(&r);
    return id;
}

static void publish(const char *id, const char *owner_token)
{
    char p[128];
    snprintf(p, sizeof(p), "/v1/profiles/%.64s/submit", id); /* ids are 26 characters */
    post_ok(p, NULL, owner_token, 200);
    snprintf(p, sizeof(p), "/v1/profiles/%.64s/moderation", id);
    post_ok(p, "{\"decision\":\"publish\"}", t_mod, 200);
}

static void setup(void)
{
    api_prepare(&srv);
    const char *args[] = {"user",           "create", "--username", "mod", "--email",
                          "mod@example.eu", "--role", "moderator",  NULL};
    CHECK_EQ(api_cli(&srv, "moderator password\n", args), 0);
    api_start(&srv, srv.dir, NULL);
    api_res r = api_json(&srv, API_H1, "POST", "/v1/sessions",
                         "{\"login\":\"mod\",\"password\":\"moderator password\"}", NULL);
    t_mod = strdup(jstr(r.json, "token"));
    api_res_free(&r);
    for (int i = 0; i < 4; i++) {
        char name[32];
        snprintf(name, sizeof(name), "searcher%d", i);
        t_users[i] = api_signup(&srv, name, "long enough password");
    }
}

static void publish_random_profiles(void)
{
    unsigned seed = 12345;
    for (int i = 0; i < N; i++) {
        prof *p = &profs[i];
        p->type = rand_r(&seed) % 4;
        p->country = rand_r(&seed) % 5;
        p->eco1 = rand_r(&seed) % 4;
        p->eco2 = rand_r(&seed) % 4;
        p->label = rand_r(&seed) % 3;
        p->published = rand_r(&seed) % 5 != 0; /* some stay drafts */
        char json[1024];
        snprintf(json, sizeof(json),
                 "{\"type\":\"%s\",\"name\":\"Organisation %03d Alpha\",\"country\":\"%s\","
                 "\"city\":\"City %d\",\"description\":\"Works on item%03d things\","
                 "\"website\":\"https://org%d.example\",\"ecosystems\":[\"%s\",\"%s\"],"
                 "\"contact\":{\"name\":\"C\",\"email\":\"c%d@example.eu\"}%s%s%s}",
                 types[p->type], i, countries[p->country], i, i, i, ecos[p->eco1], ecos[p->eco2], i,
                 p->type == 2 ? ",\"excellence_label\":\"" : "",
                 p->type == 2 ? labels[p->label] : "", p->type == 2 ? "\"" : "");
        if (p->type != 2)
            p->label = 0;
        if (p->eco1 == p->eco2) {
            /* a duplicate ecosystem is a 422: give it one */
            snprintf(json, sizeof(json),
                     "{\"type\":\"%s\",\"name\":\"Organisation %03d Alpha\",\"country\":\"%s\","
                     "\"city\":\"City %d\",\"description\":\"Works on item%03d things\","
                     "\"website\":\"https://org%d.example\",\"ecosystems\":[\"%s\"],"
                     "\"contact\":{\"name\":\"C\",\"email\":\"c%d@example.eu\"}%s%s%s}",
                     types[p->type], i, countries[p->country], i, i, i, ecos[p->eco1], i,
                     p->type == 2 ? ",\"excellence_label\":\"" : "",
                     p->type == 2 ? labels[p->label] : "", p->type == 2 ? "\"" : "");
        }
        const char *tok = t_users[i % 4];
        char *id = create_profile(tok, json);
        snprintf(p->id, sizeof(p->id), "%s", id);
        free(id);
        if (p->published)
            publish(p->id, tok);
    }
}

static bool has_eco(const prof *p, int e)
{
    return p->eco1 == e || p->eco2 == e;
}

static int count_value(cJSON *facets, const char *facet, const char *value)
{
    cJSON *arr = cJSON_GetObjectItem(facets, facet), *e;
    cJSON_ArrayForEach(e, arr) if (strcmp(jstr(e, "value"), value) ==
                                   0) return cJSON_GetObjectItem(e, "count")
        ->valueint;
    return 0;
}

static void facets_equal_brute_force(void)
{
    unsigned seed = 777;
    for (int round = 0; round < 25; round++) {
        /* random filters: some countries (OR), maybe an ecosystem, maybe a type */
        bool want_c[5] = {0};
        char cl[64] = "";
        int nc = rand_r(&seed) % 3;
        for (int k = 0; k < nc; k++) {
            int c = rand_r(&seed) % 5;
            if (want_c[c])
                continue;
            want_c[c] = true;
            strcat(cl, cl[0] ? "," : "");
            strcat(cl, countries[c]);
        }
        int eco = rand_r(&seed) % 5 - 1; /* -1 = none */
        int type = rand_r(&seed) % 5 - 1;
        char path[512];
        snprintf(path, sizeof(path),
                 "/v1/search?q=%s&facets=country,ecosystem,type,label&per_page=100%s%s%s%s%s%s",
                 round % 2 ? "alpha" : "", nc ? "&country=" : "", nc ? cl : "",
                 eco >= 0 ? "&ecosystem=" : "", eco >= 0 ? ecos[eco] : "",
                 type >= 0 ? "&type=" : "", type >= 0 ? types[type] : "");
        api_res r = api_call(&srv, round % 3 ? API_H2C : API_H1, "GET", path, NULL, NULL, 0, NULL);
        CHECK_EQ(r.status, 200);
        int total = 0, by_country[5] = {0}, by_eco[4] = {0}, by_type[4] = {0};
        for (int i = 0; i < N; i++) {
            const prof *p = &profs[i];
            if (!p->published || (nc && !want_c[p->country]) || (eco >= 0 && !has_eco(p, eco)) ||
                (type >= 0 && p->type != type))
                continue;
            total++;
            by_country[p->country]++;
            by_type[p->type]++;
            for (int e = 0; e < 4; e++)
                by_eco[e] += has_eco(p, e);
        }
        CHECK_EQ(cJSON_GetObjectItem(r.json, "total")->valueint, total);
        CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "hits")), total);
        cJSON *facets = cJSON_GetObjectItem(r.json, "facets");
        for (int c = 0; c < 5; c++)
            CHECK_EQ(count_value(facets, "country", countries[c]), by_country[c]);
        for (int e = 0; e < 4; e++)
            CHECK_EQ(count_value(facets, "ecosystem", ecos[e]), by_eco[e]);
        for (int t = 0; t < 4; t++)
            CHECK_EQ(count_value(facets, "type", types[t]), by_type[t]);
        api_res_free(&r);
    }
}

/* The value of a /metrics line that starts with `name`, or -1 when it is missing. */
static long long metric(const char *body, const char *name)
{
    const char *p = strstr(body, name);
    return p ? strtoll(p + strlen(name), NULL, 10) : -1;
}

/* /metrics counts searches by how their page was ranked; the searches above were all
 * ranked whole (their results are far below the 5,000 matches candidates start at). */
static void search_ranking_metrics(void)
{
    api_res r = api_call(&srv, API_H1, "GET", "/metrics", NULL, NULL, 0, NULL);
    CHECK_EQ(r.status, 200);
    CHECK_GE(metric(r.body, "eccpd_search_pages_total{ranking=\"whole\"} "), 25);
    CHECK_EQ(metric(r.body, "eccpd_search_pages_total{ranking=\"candidates\"} "), 0);
    CHECK_EQ(metric(r.body, "eccpd_search_pages_total{ranking=\"unproven\"} "), 0);
    api_res_free(&r);
}

/* /metrics counts suggestion lists by where they were read, every list once. */
static void suggestion_metrics(void)
{
    api_res r = api_call(&srv, API_H1, "GET", "/metrics", NULL, NULL, 0, NULL);
    CHECK_EQ(r.status, 200);
    long long memory = metric(r.body, "eccpd_suggestions_total{source=\"memory\"} ");
    long long index = metric(r.body, "eccpd_suggestions_total{source=\"index\"} ");
    api_res_free(&r);
    CHECK_GE(memory, 0);
    CHECK_GE(index, 0);
    r = api_call(&srv, API_H1, "GET", "/v1/suggest?q=acad", NULL, NULL, 0, NULL);
    CHECK_EQ(r.status, 200);
    api_res_free(&r);
    r = api_call(&srv, API_H1, "GET", "/metrics", NULL, NULL, 0, NULL);
    CHECK_EQ(metric(r.body, "eccpd_suggestions_total{source=\"memory\"} ") +
                 metric(r.body, "eccpd_suggestions_total{source=\"index\"} "),
             memory + index + 1);
    api_res_free(&r);
}

static void drafts_never_found_and_pagination(void)
{
    int published = 0;
    for (int i = 0; i < N; i++)
        published += profs[i].published;
    api_res r =
        api_call(&srv, API_H1, "GET", "/v1/search?per_page=1&facets=type", NULL, NULL, 0, NULL);
    CHECK_EQ(cJSON_GetObjectItem(r.json, "total")->valueint, published);
    CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "hits")), 1);
    api_res_free(&r);
    for (int i = 0; i < N; i++) {
        char path[128];
        snprintf(path, sizeof(path), "/v1/search?q=item%03d", i);
        r = api_call(&srv, API_H1, "GET", path, NULL, NULL, 0, NULL);
        CHECK_EQ(r.status, 200);
        /* a query that finds nothing may be answered for its spelling correction, flagged */
        int found = cJSON_IsTrue(cJSON_GetObjectItem(r.json, "corrected"))
                        ? 0
                        : cJSON_GetObjectItem(r.json, "total")->valueint;
        if (found != (profs[i].published ? 1 : 0))
            fprintf(stderr, "item%03d published=%d: %s\n", i, profs[i].published, r.body);
        CHECK_EQ(found, profs[i].published ? 1 : 0);
        api_res_free(&r);
    }
    r = api_call(&srv, API_H1, "GET", "/v1/search?page=1000", NULL, NULL, 0, NULL);
    CHECK_EQ(r.status, 200);
    CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "hits")), 0);
    CHECK_EQ(cJSON_GetObjectItem(r.json, "total")->valueint, published);
    api_res_free(&r);
    const char *bad[] = {"/v1/search?per_page=101", "/v1/search?page=0",
                         "/v1/search?sort=random",  "/v1/search?facets=colour",
                         "/v1/search?kind=planet",  "/v1/search?eligible=maybe",
                         "/v1/map?bbox=1,2,3",      "/v1/suggest?q=a&limit=0"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        r = api_call(&srv, API_H2C, "GET", bad[i], NULL, NULL, 0, NULL);
        CHECK_EQ(r.status, 400);
        CHECK_STR_EQ(api_error_code(&r), "bad_request");
        api_res_free(&r);
    }
}

static void folding_scripts_and_suggest(void)
{
    char *a = create_profile(
        t_users[0], "{\"type\":\"training_provider\",\"name\":\"Röhr Académie de Mobilité\","
                    "\"country\":\"FR\",\"city\":\"Lyon\",\"description\":\"Formation\","
                    "\"website\":\"https://rohr.example\",\"lat\":45.76,\"lon\":4.83,"
                    "\"contact\":{\"name\":\"C\",\"email\":\"r@example.eu\"}}");
    publish(a, t_users[0]);
    char *b = create_profile(
        t_users[1],
        "{\"type\":\"policy_institution\",\"name\":\"Новосадска агенција\","
        "\"country\":\"RS\",\"city\":\"Нови Сад\",\"description\":\"Ελλάδα και Україна\","
        "\"website\":\"https://ns.example.rs\",\"lat\":45.25,\"lon\":19.84,"
        "\"contact\":{\"name\":\"C\",\"email\":\"n@example.eu\"}}");
    publish(b, t_users[1]);
    const struct {
        const char *q;
        const char *id;
    } cases[] = {{"rohr", a},
                 {"R%C3%B6hr", a},
                 {"mobilite", a},
                 {"ACADEMIE", a},
                 {"%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D0%B0%D0%B4%D1%81%D0%BA%D0%B0", b},
                 {"%CE%B5%CE%BB%CE%BB%CE%B1%CE%B4%CE%B1", b}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        char path[256];
        snprintf(path, sizeof(path), "/v1/search?q=%s", cases[i].q);
        api_res r = api_call(&srv, API_H1, "GET", path, NULL, NULL, 0, NULL);
        CHECK_EQ(r.status, 200);
        cJSON *hit = cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "hits"), 0);
        if (hit == NULL || strcmp(jstr(hit, "id"), cases[i].id) != 0)
            fprintf(stderr, "q=%s: %s\n", cases[i].q, r.body);
        CHECK(hit != NULL);
        CHECK_STR_EQ(jstr(hit, "id"), cases[i].id);
        api_res_free(&r);
    }
    /* Issue 21: a query whose words together find nothing answers with the documents
     * holding most of them, saying so; partial=false asks for every word; an unknown
     * three-letter word is not "corrected" into another. */
    api_res r = api_call(&srv, API_H1, "GET", "/v1/search?q=R%C3%B6hr%20Opole%20academie", NULL,
                         NULL, 0, NULL);
    CHECK_EQ(r.status, 200);
    CHECK(cJSON_IsTrue(cJSON_GetObjectItem(r.json, "partial")));
    CHECK_EQ(cJSON_GetObjectItem(r.json, "matched_words")->valueint, 2);
    CHECK_EQ(cJSON_GetObjectItem(r.json, "query_words")->valueint, 3);
    CHECK_STR_EQ(jstr(cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "hits"), 0), "id"), a);
    api_res_free(&r);
    r = api_call(&srv, API_H1, "GET", "/v1/search?q=R%C3%B6hr%20Opole%20academie&partial=false",
                 NULL, NULL, 0, NULL);
    CHECK_EQ(r.status, 200);
    CHECK(cJSON_IsFalse(cJSON_GetObjectItem(r.json, "partial")));
    CHECK_EQ(cJSON_GetObjectItem(r.json, "total")->valueint, 0);
    api_res_free(&r);
    r = api_call(&srv, API_H1, "GET", "/v1/search?q=x&partial=maybe", NULL, NULL, 0, NULL);
    CHECK_EQ(r.status, 400);
    api_res_free(&r);
    /* Unknown vocabulary values are a 400 naming what is allowed, on search and map. */
    const char *bad[] = {"/v1/search?country=XX",
                         "/v1/search?ecosystem=space",
                         "/v1/search?countries_sought=ZZ",
                         "/v1/map?bbox=0,40,25,50&country=XX",
                         "/v1/map?bbox=0,40,25,50&ecosystem=space",
                         "/v1/search?type=bogus",
                         "/v1/map?bbox=0,40,25,50&type=bogus"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        r = api_call(&srv, API_H1, "GET", bad[i], NULL, NULL, 0, NULL);
        CHECK_EQ(r.status, 400);
        CHECK(strstr(r.body, "allowed") != NULL);
        api_res_free(&r);
    }
    r = api_call(&srv, API_H1, "GET", "/v1/search?ecosystem=space", NULL, NULL, 0, NULL);
    CHECK(strstr(r.body, "aerospace_defence") != NULL);
    api_res_free(&r);
    r = api_call(&srv, API_H1, "GET", "/v1/search?country=fr&ecosystem=digital", NULL, NULL, 0,
                 NULL);
    CHECK_EQ(r.status, 200);
    api_res_free(&r);
    r = api_call(&srv, API_H1, "GET", "/v1/search?type=bogus", NULL, NULL, 0, NULL);
    CHECK(strstr(r.body, "cluster_organisation") != NULL && strstr(r.body, "webinar") != NULL);
    api_res_free(&r);
    r = api_call(&srv, API_H1, "GET", "/v1/search?type=webinar,consortium,host,training_provider",
                 NULL, NULL, 0, NULL);
    CHECK_EQ(r.status, 200);
    api_res_free(&r);
    /* "-word" excludes: Röhr's academy holds "formation", so it is left out. */
    r = api_call(&srv, API_H1, "GET", "/v1/search?q=academie%20-formation", NULL, NULL, 0, NULL);
    CHECK_EQ(r.status, 200);
    CHECK(strstr(r.body, a) == NULL);
    api_res_free(&r);
    r = api_call(&srv, API_H1, "GET", "/v1/search?q=academie%20formation", NULL, NULL, 0, NULL);
    CHECK(strstr(r.body, a) != NULL);
    api_res_free(&r);
    r = api_call(&srv, API_H1, "GET", "/v1/search?q=EIT", NULL, NULL, 0, NULL);
    CHECK_EQ(r.status, 200);
    CHECK(cJSON_IsFalse(cJSON_GetObjectItem(r.json, "corrected")));
    CHECK(cJSON_IsNull(cJSON_GetObjectItem(r.json, "suggestion")));
    api_res_free(&r);
    r = api_call(&srv, API_H1, "GET", "/v1/suggest?q=acad", NULL, NULL, 0, NULL);
    CHECK_EQ(r.status, 200);
    CHECK_STR_EQ(jstr(cJSON_GetArrayItem(r.json, 0), "id"), a);
    api_res_free(&r);
    r = api_call(&srv, API_H1, "GET", "/v1/map?bbox=0,40,25,50&zoom=3", NULL, NULL, 0, NULL);
    CHECK_EQ(r.status, 200);
    int mapped = 0;
    cJSON *cell;
    cJSON_ArrayForEach(cell, r.json) mapped += cJSON_GetObjectItem(cell, "count")->valueint;
    CHECK_EQ(mapped, 2);
    api_res_free(&r);
    /* a delete is gone from search in its own response */
    char p[128];
    snprintf(p, sizeof(p), "/v1/profiles/%s", a);
    r = api_json(&srv, API_H1, "DELETE", p, NULL, t_mod);
    CHECK_EQ(r.status, 204);
    api_res_free(&r);
    r = api_call(&srv, API_H1, "GET", "/v1/search?q=rohr", NULL, NULL, 0, NULL);
    CHECK(cJSON_GetObjectItem(r.json, "total")->valueint == 0 ||
          cJSON_IsTrue(cJSON_GetObjectItem(r.json, "corrected")));
    api_res_free(&r);
    free(a);
    free(b);
}

/* Issue 21: type_weight orders equally good hits by type, overridable per request; bad
 * values are a 400 naming what is allowed. */
static void type_weight_param(void)
{
    const char *prefer[] = {"national_association", "training_provider"};
    for (int k = 0; k < 2; k++) {
        int t = k == 0 ? 2 : 0, expected = 0;
        for (int i = 0; i < N; i++)
            expected += profs[i].published && profs[i].type == t;
        CHECK_GT(expected, 2);
        char path[256];
        snprintf(path, sizeof path,
                 "/v1/search?q=organisation%%20alpha&per_page=50&type_weight=%s:9", prefer[k]);
        api_res r = api_call(&srv, API_H1, "GET", path, NULL, NULL, 0, NULL);
        CHECK_EQ(r.status, 200);
        cJSON *hits = cJSON_GetObjectItem(r.json, "hits");
        CHECK_GT(cJSON_GetArraySize(hits), expected);
        for (int i = 0; i < cJSON_GetArraySize(hits); i++)
            CHECK_EQ(strcmp(jstr(cJSON_GetArrayItem(hits, i), "type"), prefer[k]) == 0,
                     i < expected);
        api_res_free(&r);
    }
    api_res r = api_call(&srv, API_H1, "GET", "/v1/search?q=organisation&type_weight=", NULL, NULL,
                         0, NULL);
    CHECK_EQ(r.status, 200);
    api_res_free(&r);
    const char *bad[] = {"type_weight=bogus:1", "type_weight=training_provider:10",
                         "type_weight=training_provider", "type_weight=:3",
                         "type_weight=training_provider:x"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char path[256];
        snprintf(path, sizeof path, "/v1/search?q=organisation&%s", bad[i]);
        r = api_call(&srv, API_H1, "GET", path, NULL, NULL, 0, NULL);
        CHECK_EQ(r.status, 400);
        CHECK(strstr(r.body, "cluster_organisation") != NULL);
        api_res_free(&r);
    }
}

static void hostile_queries_never_fail(void)
{
    static char longq[10100];
    strcpy(longq, "/v1/search?q=");
    for (int i = 0; i < 10000; i++)
        longq[13 + i] = "ab c"[i % 4] == ' ' ? '+' : "ab c"[i % 4];
    longq[10013] = '\0';
    const char *qs[] = {"/v1/search?q=%22unbalanced",
                        "/v1/search?q=((a+OR+b",
                        "/v1/search?q=a+AND+NOT+b",
                        "/v1/search?q=-+%2B+*+%3F",
                        "/v1/search?q=%01%02%03",
                        "/v1/search?q=%C3",
                        "/v1/search?q=%ED%A0%80",
                        "/v1/search?q=title%3Afoo+NEAR+bar",
                        "/v1/suggest?q=%22((",
                        "/v1/suggest?q=%FF",
                        longq};
    for (size_t i = 0; i < sizeof(qs) / sizeof(*qs); i++) {
        api_res r = api_call(&srv, API_H2C, "GET", qs[i], NULL, NULL, 0, NULL);
        if (r.status != 200 && r.status != 400)
            fprintf(stderr, "%.80s: %ld %s\n", qs[i], r.status, r.body ? r.body : "");
        CHECK(r.status == 200 || r.status == 400);
        api_res_free(&r);
    }
    api_res r = api_call(&srv, API_H1, "GET", "/healthz", NULL, NULL, 0, NULL);
    CHECK_EQ(r.status, 200);
    api_res_free(&r);
}

typedef struct bg {
    const char *path, *body, *token;
    long status;
} bg;

static void *post_in_background(void *arg)
{
    bg *b = arg;
    api_res r = api_json(&srv, API_H1, "POST", b->path, b->body, b->token);
    b->status = r.status;
    api_res_free(&r);
    return NULL;
}

static void index_catches_up_after_a_crash(void)
{
    char *id =
        create_profile(t_users[2], "{\"type\":\"training_provider\",\"name\":\"Crashproof Skills\","
                                   "\"country\":\"PT\",\"city\":\"Porto\",\"description\":\"d\","
                                   "\"website\":\"https://crash.example.pt\","
                                   "\"contact\":{\"name\":\"C\",\"email\":\"cp@example.eu\"}}");
    char p[128];
    snprintf(p, sizeof(p), "/v1/profiles/%.64s/submit", id); /* ids are 26 characters */
    post_ok(p, NULL, t_users[2], 200);
    /* The feed stalls: the decision reaches the store, the index never sees it, and the
     * response waits for search to reflect it. Then the process dies. */
    FILE *f = fopen(srv.fault_file, "w");
    fputs("feed.stall\n", f);
    fclose(f);
    snprintf(p, sizeof(p), "/v1/profiles/%.64s/moderation", id);
    bg b = {p, "{\"decision\":\"publish\"}", t_mod, 0};
    pthread_t th;
    pthread_create(&th, NULL, post_in_background, &b);
    usleep(500000);
    api_kill9(&srv);
    pthread_join(th, NULL);
    CHECK_EQ(b.status, 0); /* never answered: it was not visible yet */
    unlink(srv.fault_file);
    api_start(&srv, srv.dir, NULL);
    api_res r = api_call(&srv, API_H1, "GET", "/v1/search?q=crashproof", NULL, NULL, 0, NULL);
    CHECK_EQ(cJSON_GetObjectItem(r.json, "total")->valueint, 1);
    api_res_free(&r);
    free(id);
}

static int catalogue_total(void)
{
    api_res r = api_call(&srv, API_H1, "GET", "/v1/search?facets=country", NULL, NULL, 0, NULL);
    CHECK_EQ(r.status, 200);
    int total = cJSON_GetObjectItem(r.json, "total")->valueint;
    api_res_free(&r);
    return total;
}

/* What a search answers, without what may legitimately differ between two builds of
 * the same records (the order of equal scores, took_ms): total, facets, sorted hit ids. */
static const char *shape_paths[] = {
    "/v1/search?facets=country,ecosystem,type,label&per_page=100",
    "/v1/search?q=alpha&facets=country,ecosystem,type,label&per_page=100",
    "/v1/search?q=alp&facets=country,ecosystem,type&country=FR,DE&per_page=100",
    "/v1/search?q=works+things&facets=ecosystem,label&ecosystem=digital,health&per_page=100",
};
enum { RESULT_SHAPES = sizeof(shape_paths) / sizeof(shape_paths[0]) };

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *result_shape(const char *path)
{
    api_res r = api_call(&srv, API_H1, "GET", path, NULL, NULL, 0, NULL);
    CHECK_EQ(r.status, 200);
    cJSON *hits = cJSON_GetObjectItem(r.json, "hits");
    int n = cJSON_GetArraySize(hits);
    const char **ids = calloc((size_t)n + 1, sizeof(*ids));
    for (int i = 0; i < n; i++)
        ids[i] = cJSON_GetObjectItem(cJSON_GetArrayItem(hits, i), "id")->valuestring;
    qsort(ids, (size_t)n, sizeof(*ids), cmp_str);
    char *facets = cJSON_PrintUnformatted(cJSON_GetObjectItem(r.json, "facets"));
    size_t cap = strlen(facets) + 64 + (size_t)n * 40;
    char *out = malloc(cap);
    size_t len =
        (size_t)snprintf(out, cap, "%d %s", cJSON_GetObjectItem(r.json, "total")->valueint, facets);
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(out + len, cap - len, " %.36s", ids[i]);
    free(facets);
    free(ids);
    api_res_free(&r);
    return out;
}

static void *reindex_in_background(void *arg)
{
    const char *args[] = {"reindex", NULL};
    *(int *)arg = api_cli(&srv, NULL, args);
    return NULL;
}

static void reindex_while_serving_and_offline(void)
{
    int before = catalogue_total();
    CHECK_GT(before, 0);
    char *shape[RESULT_SHAPES];
    for (int i = 0; i < RESULT_SHAPES; i++)
        shape[i] = result_shape(shape_paths[i]);
    int rc = -1;
    pthread_t th;
    pthread_create(&th, NULL, reindex_in_background, &rc);
    /* searches keep being answered, and always completely, during the rebuild */
    for (int i = 0; i < 50; i++) {
        CHECK_EQ(catalogue_total(), before);
        usleep(5000);
    }
    pthread_join(th, NULL);
    CHECK_EQ(rc, 0);
    CHECK_EQ(catalogue_total(), before);
    for (int i = 0; i < RESULT_SHAPES; i++) { /* shards built in parallel, then merged */
        char *now = result_shape(shape_paths[i]);
        CHECK_STR_EQ(now, shape[i]);
        free(now);
        free(shape[i]);
    }
    char *id =
        create_profile(t_users[3], "{\"type\":\"training_provider\",\"name\":\"After Rebuild\","
                                   "\"country\":\"IT\",\"city\":\"Roma\",\"description\":\"d\","
                                   "\"website\":\"https://after.example.it\","
                                   "\"contact\":{\"name\":\"C\",\"email\":\"ar@example.eu\"}}");
    publish(id, t_users[3]); /* the feed goes on into the new index */
    CHECK_EQ(catalogue_total(), before + 1);
    free(id);

    /* offline: a lost index is rebuilt from the store */
    api_stop(&srv);
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s/data/index'", srv.dir);
    CHECK_EQ(system(cmd), 0);
    const char *args[] = {"reindex", NULL};
    CHECK_EQ(api_cli(&srv, NULL, args), 0);
    api_start(&srv, srv.dir, NULL);
    CHECK_EQ(catalogue_total(), before + 1);
}

int main(int argc, char **argv)
{
    CHECK(argc == 2);
    api_binary = argv[1];
    curl_global_init(CURL_GLOBAL_ALL);
    RUN(setup);
    RUN(publish_random_profiles);
    RUN(facets_equal_brute_force);
    RUN(search_ranking_metrics);
    RUN(drafts_never_found_and_pagination);
    RUN(folding_scripts_and_suggest);
    RUN(suggestion_metrics);
    RUN(type_weight_param);
    RUN(hostile_queries_never_fail);
    RUN(index_catches_up_after_a_crash);
    RUN(reindex_while_serving_and_offline);
    api_stop(&srv);
    api_cleanup(&srv);
    free(t_mod);
    for (int i = 0; i < 4; i++)
        free(t_users[i]);
    curl_global_cleanup();
    return 0;
}
