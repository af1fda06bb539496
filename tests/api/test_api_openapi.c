/*
 * /openapi.json against the server that serves it:
 *   - the document is a valid OpenAPI 3.0 document (JSON::Validator's OpenAPIv3, a real
 *     validator from Debian's libjson-validator-perl, run by openapi_check.pl);
 *   - it describes every route of the router (net_routes_register) and nothing else;
 *   - the scenario calls every operation (at the time of writing) at least once with
 *     success, and each request body and each response (successes and errors alike) is
 *     validated against the schemas the document declares for it; every operation
 *     declares a success response with a schema (204 aside), and every operation called
 *     with a body declares that body (operations added later and not yet called here are
 *     named in the output);
 *   - search's `kind` lists only kinds the server serves.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "harness.h"
#include "net/router.h"
#include "net/server.h"

static api_server srv;
static FILE *rec;           /* one JSON line per call: what openapi_check.pl validates */
static const char *checker; /* openapi_check.pl */

/* Calls METHOD on the path made of the template and its arguments, records the exchange
 * under the template, and checks the status. */
static api_res callv(const char *method, const char *tmpl, const char *const *args,
                     const char *query, const char *json, const char *token, long status)
{
    char path[512] = "";
    size_t ai = 0;
    for (const char *s = tmpl; *s;) {
        if (*s == '{') {
            strncat(path, args[ai++], sizeof(path) - strlen(path) - 1);
            s = strchr(s, '}') + 1;
        } else {
            strncat(path, s++, 1);
        }
    }
    if (query)
        strncat(path, query, sizeof(path) - strlen(path) - 1);
    api_res r = api_json(&srv, API_H1, method, path, json, token);
    api_expect(&r, status);
    cJSON *line = cJSON_CreateObject();
    char lower[16];
    size_t i = 0;
    for (; method[i] && i < sizeof(lower) - 1; i++)
        lower[i] = (char)(method[i] | 0x20);
    lower[i] = '\0';
    cJSON_AddStringToObject(line, "method", lower);
    cJSON_AddStringToObject(line, "path", tmpl);
    cJSON_AddNumberToObject(line, "status", (double)r.status);
    char ct[128] = "";
    api_header(&r, "content-type", ct, sizeof(ct));
    cJSON_AddStringToObject(line, "content_type", ct);
    if (r.json != NULL)
        cJSON_AddItemToObject(line, "body", cJSON_Duplicate(r.json, 1));
    else if (r.len > 0)
        cJSON_AddStringToObject(line, "body", r.body);
    if (json != NULL)
        cJSON_AddItemToObject(line, "request", cJSON_Parse(json));
    char *text = cJSON_PrintUnformatted(line);
    fprintf(rec, "%s\n", text);
    free(text);
    cJSON_Delete(line);
    return r;
}

static void call(const char *method, const char *tmpl, const char *const *args, const char *json,
                 const char *token, long status)
{
    api_res r = callv(method, tmpl, args, NULL, json, token, status);
    api_res_free(&r);
}

#define A(...) ((const char *const[]){__VA_ARGS__, NULL})

static char *login(const char *who, const char *password)
{
    char body[256];
    snprintf(body, sizeof(body), "{\"login\":\"%s\",\"password\":\"%s\"}", who, password);
    api_res r = callv("POST", "/v1/sessions", NULL, NULL, body, NULL, 201);
    char *t = strdup(api_jstr(r.json, "token"));
    api_res_free(&r);
    return t;
}

static char *signup(const char *user)
{
    char body[512];
    snprintf(body, sizeof(body),
             "{\"username\":\"%s\",\"email\":\"%s@example.eu\",\"email_confirm\":"
             "\"%s@example.eu\",\"password\":\"a long password\",\"organisation_name\":\"Org\","
             "\"country\":\"DE\",\"title\":\"Manager\",\"newsletters\":[\"monthly\"]}",
             user, user, user);
    call("POST", "/v1/users", NULL, body, NULL, 201);
    return login(user, "a long password");
}

static char *new_profile(const char *token, const char *json)
{
    api_res r = callv("POST", "/v1/profiles", NULL, NULL, json, token, 201);
    char *id = strdup(api_jstr(r.json, "id"));
    api_res_free(&r);
    return id;
}

static void publish(const char *id, const char *owner, const char *mod)
{
    call("POST", "/v1/profiles/{id}/submit", A(id), NULL, owner, 200);
    call("POST", "/v1/profiles/{id}/moderation", A(id),
         "{\"decision\":\"publish\",\"note\":\"Welcome\"}", mod, 200);
}

#define CLUSTER(name, country, site)                                                               \
    "{\"type\":\"cluster_organisation\",\"name\":\"" name "\",\"country\":\"" country "\","        \
    "\"city\":\"C\",\"description\":\"A cluster for mobility.\",\"website\":\"" site "\","         \
    "\"languages\":[\"en\"],\"management_fte\":2,\"members_count\":40,"                            \
    "\"member_composition\":{\"smes\":30,\"research\":10},\"ecosystems\":[\"digital\"],"           \
    "\"services\":[\"training\",\"matchmaking\"],\"contact\":{\"name\":\"N\","                     \
    "\"email\":\"contact@example.eu\"}}"

static void day(int days, char out[16])
{
    time_t t = time(NULL) + (time_t)days * 86400;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 16, "%Y-%m-%d", &tm);
}

static char *registration(const char *profile, const char *roles, const char *token)
{
    char from[16], to[16], body[1024];
    day(20, from);
    day(120, to);
    snprintf(body, sizeof(body),
             "{\"profile_id\":\"%s\",\"roles\":%s,\"ecosystems\":[\"digital\"],"
             "\"target_countries\":[\"FR\",\"DE\"],\"objectives\":[\"joint_projects\"],"
             "\"languages\":[\"en\"],\"availability\":[{\"from\":\"%s\",\"to\":\"%s\"}],"
             "\"duration_days\":{\"min\":5,\"max\":20}%s,"
             "\"offer\":\"Testbeds\",\"demand\":\"Partners\"}",
             profile, roles, from, to, strstr(roles, "host") ? ",\"host_capacity\":2" : "");
    api_res r = callv("POST", "/v1/xchange/registrations", NULL, NULL, body, token, 201);
    char *id = strdup(api_jstr(r.json, "id"));
    api_res_free(&r);
    return id;
}

/* Calls every operation of the API at least once with success, and some errors. */
static void scenario(void)
{
    call("GET", "/healthz", NULL, NULL, NULL, 200);
    call("GET", "/readyz", NULL, NULL, NULL, 200);
    call("GET", "/metrics", NULL, NULL, NULL, 200);
    call("GET", "/openapi.json", NULL, NULL, NULL, 200);

    char *mod = login("mod", "moderator password");
    char *ana = signup("ana");
    char *ben = signup("ben");
    char *cleo = signup("cleo");
    call("GET", "/v1/me", NULL, NULL, NULL, 401);
    call("POST", "/v1/users", NULL, "{\"username\":\"x\"}", NULL, 422);

    char *fr = new_profile(ana, CLUSTER("Klaster Mobilite", "FR", "https://km.example.fr"));
    call("PATCH", "/v1/profiles/{id}", A(fr), "{\"city\":\"Lyon\",\"region\":null}", ana, 200);
    call("PATCH", "/v1/profiles/{id}", A(fr), "{\"members_count\":-1}", ana, 422);
    call("GET", "/v1/profiles/{id}/check", A(fr), NULL, ana, 200);
    call("POST", "/v1/profiles/{id}/submit", A(fr), NULL, ana, 200);
    call("GET", "/v1/moderation/queue", NULL, NULL, mod, 200);
    call("GET", "/v1/moderation/queue", NULL, NULL, ana, 403);
    call("POST", "/v1/profiles/{id}/moderation", A(fr), "{\"decision\":\"publish\"}", mod, 200);
    call("GET", "/v1/profiles/{id}", A(fr), NULL, NULL, 200);
    api_res r = callv("GET", "/v1/profiles/{id}", A(fr), "?version=draft", NULL, ana, 200);
    api_res_free(&r);
    call("GET", "/v1/profiles/{id}", A("nosuchprofile"), NULL, NULL, 404);

    r = callv("GET", "/v1/me/notifications", NULL, "?unread=true", NULL, ana, 200);
    cJSON *n = cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "items"), 0);
    CHECK(n != NULL);
    char nid[64];
    snprintf(nid, sizeof(nid), "%s", api_jstr(n, "id"));
    api_res_free(&r);
    call("POST", "/v1/me/notifications/{id}/read", A(nid), NULL, ana, 204);

    /* admins */
    r = callv("GET", "/v1/me", NULL, NULL, NULL, ben, 200);
    char ben_id[64];
    snprintf(ben_id, sizeof(ben_id), "%s", api_jstr(r.json, "id"));
    api_res_free(&r);
    call("POST", "/v1/profiles/{id}/admins", A(fr), "{\"email\":\"ben@example.eu\"}", ana, 200);
    call("DELETE", "/v1/profiles/{id}/admins/{user_id}", A(fr, ben_id), NULL, ana, 204);

    /* a member of the cluster */
    char json[512];
    snprintf(json, sizeof(json),
             "{\"type\":\"cluster_member\",\"name\":\"Lab Mobilite\",\"country\":\"FR\","
             "\"city\":\"Lyon\",\"description\":\"Battery research\",\"affiliations\":[\"%s\"]}",
             fr);
    char *member = new_profile(ben, json);
    publish(member, ben, mod);
    call("POST", "/v1/profiles/{id}/affiliations/{member_id}", A(fr, member),
         "{\"decision\":\"approve\"}", ana, 200);
    call("GET", "/v1/profiles/{id}/members", A(fr), NULL, NULL, 200);

    /* another cluster in Germany, and a draft to delete */
    char *de = new_profile(ben, CLUSTER("Cluster Mobilitaet", "DE", "https://cm.example.de"));
    publish(de, ben, mod);
    char *draft = new_profile(cleo, CLUSTER("Draft Cluster", "IT", "https://dc.example.it"));
    call("DELETE", "/v1/profiles/{id}", A(draft), NULL, cleo, 204);

    /* search */
    r = callv("GET", "/v1/search", NULL, "?q=mobilite&facets=country,ecosystem,type,kind", NULL,
              NULL, 200);
    CHECK_GE(cJSON_GetNumberValue(cJSON_GetObjectItem(r.json, "total")), 1);
    api_res_free(&r);
    r = callv("GET", "/v1/search", NULL, "?sort=bogus", NULL, NULL, 400);
    api_res_free(&r);
    r = callv("GET", "/v1/suggest", NULL, "?q=klas", NULL, NULL, 200);
    api_res_free(&r);
    r = callv("GET", "/v1/map", NULL, "?bbox=-10,35,30,60&zoom=5", NULL, NULL, 200);
    api_res_free(&r);

    /* ClusterXchange */
    char *reg_fr = registration(fr, "[\"host\",\"visitor\"]", ana);
    char *reg_de = registration(de, "[\"visitor\"]", ben);
    call("POST", "/v1/xchange/registrations/{id}/decision", A(reg_fr), "{\"decision\":\"accept\"}",
         mod, 200);
    call("POST", "/v1/xchange/registrations/{id}/decision", A(reg_de), "{\"decision\":\"accept\"}",
         mod, 200);
    call("GET", "/v1/xchange/registrations/{id}", A(reg_fr), NULL, ana, 200);
    r = callv("GET", "/v1/xchange/registrations/{id}/matches", A(reg_fr), "?role=host&limit=5",
              NULL, ana, 200);
    CHECK_EQ(cJSON_GetArraySize(r.json), 1);
    api_res_free(&r);
    call("POST", "/v1/xchange/batch-match", NULL, "{\"min_score\":0}", mod, 200);
    call("GET", "/v1/me", NULL, NULL, ana, 200);

    /* partner search: a consortium call posted by the French cluster, followed by Ben */
    char deadline[16], pbody[1024];
    day(60, deadline);
    snprintf(pbody, sizeof(pbody),
             "{\"profile_id\":\"%s\",\"title\":\"Partners for a battery pilot\","
             "\"description\":\"We look for a German cluster for a joint project.\","
             "\"kind\":\"consortium\",\"ecosystems\":[\"digital\"],"
             "\"countries_sought\":[\"DE\"],\"deadline\":\"%s\",\"attachments\":[]}",
             fr, deadline);
    r = callv("POST", "/v1/partner-searches", NULL, NULL, pbody, ana, 201);
    char *ps = strdup(api_jstr(r.json, "id"));
    api_res_free(&r);
    call("GET", "/v1/partner-searches/{id}", A(ps), NULL, NULL, 200);
    call("PATCH", "/v1/partner-searches/{id}", A(ps), "{\"title\":\"Partners for a pilot\"}", ana,
         200);
    r = callv("GET", "/v1/partner-searches", NULL, "?state=open", NULL, NULL, 200);
    api_res_free(&r);
    call("PUT", "/v1/partner-searches/{id}/follow", A(ps), NULL, ben, 204);
    call("POST", "/v1/partner-searches/{id}/interests", A(ps),
         "{\"organisation\":\"Cluster Mobilitaet\",\"message\":\"We are interested.\"}", ben, 201);
    call("GET", "/v1/partner-searches/{id}/interests", A(ps), NULL, ana, 200);
    call("POST", "/v1/partner-searches/{id}/comments", A(ps), "{\"text\":\"Which call?\"}", ben,
         201);
    call("GET", "/v1/partner-searches/{id}/comments", A(ps), NULL, NULL, 200);
    call("DELETE", "/v1/partner-searches/{id}/follow", A(ps), NULL, ben, 204);

    /* an event of the French cluster, on the agenda */
    char starts[16], ends[16], ebody[1024];
    day(90, starts);
    day(91, ends);
    snprintf(ebody, sizeof(ebody),
             "{\"profile_id\":\"%s\",\"title\":\"Mobility days\",\"kind\":\"conference\","
             "\"starts_at\":\"%sT09:00:00Z\",\"ends_at\":\"%sT17:00:00Z\","
             "\"location\":\"Lyon\",\"virtual\":false,\"description\":\"Two days.\","
             "\"ecosystems\":[\"digital\"]}",
             fr, starts, ends);
    r = callv("POST", "/v1/events", NULL, NULL, ebody, ana, 201);
    char *ev = strdup(api_jstr(r.json, "id"));
    api_res_free(&r);
    call("GET", "/v1/events/{id}", A(ev), NULL, NULL, 200);
    r = callv("GET", "/v1/events", NULL, "?kind=conference", NULL, NULL, 200);
    api_res_free(&r);
    free(ps), free(ev);

    /* news on the French cluster's profile (issue 20) */
    r = callv("POST", "/v1/profiles/{id}/news", A(fr), NULL,
              "{\"title\":\"Mobility days announced\",\"body\":\"Two days in Lyon.\"}", ana, 201);
    char *nw = strdup(api_jstr(r.json, "id"));
    api_res_free(&r);
    call("GET", "/v1/profiles/{id}/news", A(fr), NULL, NULL, 200);
    call("PATCH", "/v1/profiles/{id}/news/{nid}", A(fr, nw), "{\"title\":\"Mobility days\"}", ana,
         200);
    char *nw2 = NULL;
    r = callv("POST", "/v1/profiles/{id}/news", A(fr), NULL,
              "{\"title\":\"Short-lived\",\"body\":\"Gone soon.\"}", ana, 201);
    nw2 = strdup(api_jstr(r.json, "id"));
    api_res_free(&r);
    call("DELETE", "/v1/profiles/{id}/news/{nid}", A(fr, nw2), NULL, ana, 204);
    free(nw), free(nw2);
    call("PUT", "/v1/me/newsletters", NULL, "[\"monthly\"]", ben, 204);
    call("GET", "/v1/me/export", NULL, NULL, ana, 200);
    call("POST", "/v1/unsubscribe/{token}", A("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), NULL,
         NULL, 404);

    /* password reset and sign-out */
    call("POST", "/v1/password-resets", NULL, "{\"email\":\"cleo@example.eu\"}", NULL, 202);
    char mail[8192];
    CHECK(api_outbox_find(&srv, "token=", mail, sizeof(mail)));
    char token[128];
    const char *t = strstr(mail, "token=") + 6;
    snprintf(token, sizeof(token), "%.*s", (int)strcspn(t, "\r\n "), t);
    call("PUT", "/v1/password-resets/{token}", A(token), "{\"password\":\"a brand new password\"}",
         NULL, 204);
    call("DELETE", "/v1/sessions/current", NULL, NULL, ana, 204);

    free(mod), free(ana), free(ben), free(cleo), free(fr), free(member), free(de), free(draft);
    free(reg_fr), free(reg_de);
}

/* The router's routes, as "method path" lines, against the document's operations. */
static void routes_match_the_document(const cJSON *doc)
{
    net_router *router = net_router_new();
    net_routes_register(router);
    size_t n = net_router_count(router), described = 0;
    for (size_t i = 0; i < n; i++) {
        const net_route *rt = net_router_route(router, i);
        char m[16];
        size_t k = 0;
        for (; rt->method[k] && k < sizeof(m) - 1; k++)
            m[k] = (char)(rt->method[k] | 0x20);
        m[k] = '\0';
        const cJSON *op = cJSON_GetObjectItem(
            cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "paths"), rt->pattern), m);
        if (op == NULL)
            fprintf(stderr, "route %s %s is not in /openapi.json\n", rt->method, rt->pattern);
        CHECK(op != NULL);
        described++;
    }
    /* and every operation of the document is a route */
    size_t ops = 0;
    const cJSON *pi, *mi;
    cJSON_ArrayForEach(pi, cJSON_GetObjectItem(doc, "paths"))
    {
        cJSON_ArrayForEach(mi, pi)
        {
            if (strcmp(mi->string, "parameters") == 0 || strcmp(mi->string, "summary") == 0 ||
                strcmp(mi->string, "description") == 0)
                continue;
            ops++;
            bool found = false;
            for (size_t i = 0; i < n && !found; i++) {
                const net_route *rt = net_router_route(router, i);
                found =
                    strcmp(rt->pattern, pi->string) == 0 && strcasecmp(rt->method, mi->string) == 0;
            }
            if (!found)
                fprintf(stderr, "/openapi.json describes %s %s, which is no route\n", mi->string,
                        pi->string);
            CHECK(found);
        }
    }
    CHECK_EQ(ops, described);
    net_router_free(router);
}

/* `kind` of /v1/search lists only kinds the server finds. */
static void kinds_are_served(const cJSON *doc)
{
    const cJSON *params = cJSON_GetObjectItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "paths"), "/v1/search"),
                            "get"),
        "parameters");
    const cJSON *p, *kinds = NULL;
    cJSON_ArrayForEach(p, params) if (strcmp(api_jstr(p, "name"), "kind") == 0) kinds =
        cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(p, "schema"), "items"), "enum");
    CHECK(cJSON_GetArraySize(kinds) >= 1);
    /* signed in, since the ClusterXchange catalogue is for signed-in users */
    api_res lr = api_json(&srv, API_H1, "POST", "/v1/sessions",
                          "{\"login\":\"mod\",\"password\":\"moderator password\"}", NULL);
    api_expect(&lr, 201);
    char *tok = strdup(api_jstr(lr.json, "token"));
    api_res_free(&lr);
    const cJSON *k;
    cJSON_ArrayForEach(k, kinds)
    {
        char q[128];
        snprintf(q, sizeof(q), "/v1/search?kind=%s", k->valuestring);
        api_res r = api_json(&srv, API_H1, "GET", q, NULL, tok);
        api_expect(&r, 200);
        const cJSON *hit = cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "hits"), 0);
        if (hit == NULL)
            fprintf(stderr, "kind %s is listed but nothing of that kind is found\n",
                    k->valuestring);
        CHECK(hit != NULL);
        CHECK_STR_EQ(api_jstr(hit, "kind"), k->valuestring);
        api_res_free(&r);
    }
    free(tok);
}

int main(int argc, char **argv)
{
    CHECK(argc == 3);
    api_binary = argv[1];
    checker = argv[2];
    curl_global_init(CURL_GLOBAL_ALL);
    api_prepare(&srv);
    const char *args[] = {"user",           "create", "--username", "mod", "--email",
                          "mod@example.eu", "--role", "moderator",  NULL};
    CHECK_EQ(api_cli(&srv, "moderator password\n", args), 0);
    api_start(&srv, srv.dir, NULL);

    char doc_path[400], rec_path[400], cmd[1400];
    snprintf(doc_path, sizeof(doc_path), "%s/openapi.json", srv.dir);
    snprintf(rec_path, sizeof(rec_path), "%s/calls.jsonl", srv.dir);
    api_res d = api_json(&srv, API_H1, "GET", "/openapi.json", NULL, NULL);
    api_expect(&d, 200);
    CHECK(d.json != NULL);
    FILE *f = fopen(doc_path, "w");
    CHECK(f != NULL);
    fwrite(d.body, 1, d.len, f);
    fclose(f);

    printf("  routes ... ");
    routes_match_the_document(d.json);
    printf("ok\n  scenario ... ");
    rec = fopen(rec_path, "w");
    CHECK(rec != NULL);
    scenario();
    fclose(rec);
    printf("ok\n  kinds ... ");
    kinds_are_served(d.json);
    printf("ok\n");
    api_res_free(&d);

    /* the validator: the document, then every recorded call against it */
    snprintf(cmd, sizeof(cmd), "perl '%s' '%s' '%s'", checker, doc_path, rec_path);
    int rc = system(cmd);
    if (rc != 0)
        fprintf(stderr, "openapi_check.pl failed (%d); the calls are in %s\n", rc, rec_path);
    CHECK_EQ(rc, 0);

    api_stop(&srv);
    api_cleanup(&srv);
    curl_global_cleanup();
    return 0;
}
