/*
 * API tests of Accounts and Profiles against the real binary: the role x endpoint matrix,
 * private data never reaching those who may not see it, the moderation workflow with its
 * notifications and e-mails, admins, affiliations, duplicates, password resets, and kill -9
 * during profile writes losing nothing acknowledged and no e-mail.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "harness.h"

static api_server srv;
static char *t_admin, *t_user, *t_mod, *t_admin2; /* tokens */
static char admin2_id[64];

/* Every response a caller gets is checked for private data it may not see. */
static const char *const private_markers[] = {"owner@example.eu",    "contact-private@example.eu",
                                              "stranger@example.eu", "colleague@example.eu",
                                              "password_hash",       NULL};

static void no_private_data(const api_res *r, const char *allowed)
{
    for (const char *const *m = private_markers; *m; m++) {
        if (allowed != NULL && strcmp(*m, allowed) == 0)
            continue;
        if (r->body != NULL && strstr(r->body, *m) != NULL) {
            fprintf(stderr, "private data %s leaked: %s\n", *m, r->body);
            CHECK(!"private data leaked");
        }
    }
}

static api_res call(const char *method, const char *path, const char *json, const char *token)
{
    api_res r = api_json(&srv, API_H1, method, path, json, token);
    /* only the admins' own views may carry the contact e-mail and their addresses */
    if (token == NULL || token == t_user)
        no_private_data(&r, token == t_user ? "stranger@example.eu" : NULL);
    return r;
}

static const char *jstr(const api_res *r, const char *key)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(r->json, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static char *create(const char *token, const char *json)
{
    api_res r = call("POST", "/v1/profiles", json, token);
    api_expect(&r, 201);
    char *id = strdup(jstr(&r, "id"));
    CHECK_STR_EQ(jstr(&r, "state"), "draft");
    api_res_free(&r);
    return id;
}

static void path(char *buf, size_t len, const char *fmt, const char *id)
{
    snprintf(buf, len, fmt, id);
}

#define CLUSTER_JSON(name, site)                                                                   \
    "{\"type\":\"cluster_organisation\",\"name\":\"" name "\",\"acronym\":\"KM\","                 \
    "\"country\":\"DE\",\"city\":\"Stuttgart\",\"region\":\"Baden-Württemberg\","                 \
    "\"address\":\"Königstraße 1\",\"lat\":48.78,\"lon\":9.18,\"website\":\"" site "\","           \
    "\"description\":\"A cluster for sustainable mobility and automotive suppliers.\","            \
    "\"languages\":[\"de\",\"en\"],\"year_founded\":2005,\"management_fte\":2.5,"                  \
    "\"members_count\":80,\"member_composition\":{\"smes\":60,\"research\":12,"                    \
    "\"large_companies\":8},\"ecosystems\":[\"mobility_transport_automotive\",\"digital\"],"       \
    "\"keywords\":[\"e-mobility\",\"batteries\"],\"services\":[\"matchmaking\",\"training\"],"     \
    "\"cooperation_countries\":[\"FR\",\"PL\"],\"excellence_label\":\"gold\","                     \
    "\"contact\":{\"name\":\"Eva Example\",\"email\":\"contact-private@example.eu\"}}"

static char *published_cluster; /* owned by t_admin */

static void publish(const char *id)
{
    char p[128];
    path(p, sizeof(p), "/v1/profiles/%s/submit", id);
    api_res r = call("POST", p, NULL, t_admin);
    api_expect(&r, 200);
    CHECK_STR_EQ(jstr(&r, "state"), "needs_review");
    api_res_free(&r);
    path(p, sizeof(p), "/v1/profiles/%s/moderation", id);
    r = call("POST", p, "{\"decision\":\"publish\",\"note\":\"Welcome aboard\"}", t_mod);
    api_expect(&r, 200);
    CHECK_STR_EQ(jstr(&r, "state"), "published");
    api_res_free(&r);
}

/* A caller's own account data (registration, sign-in) may carry its own e-mail address. */
static api_res own(const char *method, const char *path, const char *json)
{
    return api_json(&srv, API_H1, method, path, json, NULL);
}

static void setup_users(void)
{
    api_prepare(&srv);
    const char *args[] = {"user",          "create",    "--username",
                          "Platform Team", "--email",   "team@example.eu",
                          "--role",        "moderator", NULL};
    CHECK_EQ(api_cli(&srv, "moderator password\n", args), 0);
    /* the same e-mail again is refused */
    CHECK_NE(api_cli(&srv, "moderator password\n", args), 0);
    api_start(&srv, srv.dir, NULL);
    api_res r = own("POST", "/v1/users",
                    "{\"username\":\"Owner\",\"email\":\"owner@example.eu\",\"email_confirm\":"
                    "\"owner@example.eu\",\"password\":\"owner password\",\"organisation_name\":"
                    "\"Klaster\",\"country\":\"DE\",\"title\":\"Manager\"}");
    api_expect(&r, 201);
    api_res_free(&r);
    r = own("POST", "/v1/sessions",
            "{\"login\":\"OWNER@example.eu\",\"password\":\"owner password\"}");
    api_expect(&r, 201);
    t_admin = strdup(jstr(&r, "token"));
    api_res_free(&r);
    r = own("POST", "/v1/users",
            "{\"username\":\"Stranger\",\"email\":\"stranger@example.eu\",\"email_confirm\":"
            "\"stranger@example.eu\",\"password\":\"stranger password\",\"organisation_name\":"
            "\"Other\",\"country\":\"FR\",\"title\":\"CEO\"}");
    api_expect(&r, 201);
    api_res_free(&r);
    r = own("POST", "/v1/sessions", "{\"login\":\"stranger\",\"password\":\"stranger password\"}");
    t_user = strdup(jstr(&r, "token"));
    api_res_free(&r);
    r = own("POST", "/v1/users",
            "{\"username\":\"Colleague\",\"email\":\"colleague@example.eu\",\"email_confirm\":"
            "\"colleague@example.eu\",\"password\":\"colleague password\",\"organisation_name\":"
            "\"Klaster\",\"country\":\"DE\",\"title\":\"Officer\"}");
    api_expect(&r, 201);
    snprintf(admin2_id, sizeof(admin2_id), "%s", jstr(&r, "id"));
    api_res_free(&r);
    r = own("POST", "/v1/sessions",
            "{\"login\":\"colleague\",\"password\":\"colleague password\"}");
    t_admin2 = strdup(jstr(&r, "token"));
    api_res_free(&r);
    r = own("POST", "/v1/sessions",
            "{\"login\":\"platform team\",\"password\":\"moderator password\"}");
    api_expect(&r, 201);
    t_mod = strdup(jstr(&r, "token"));
    cJSON *role = cJSON_GetObjectItem(cJSON_GetObjectItem(r.json, "user"), "role");
    CHECK_STR_EQ(role->valuestring, "moderator");
    api_res_free(&r);
}

static void create_validates_and_publish_flow_notifies(void)
{
    /* a 422 names every failing field */
    api_res r = call("POST", "/v1/profiles",
                     "{\"type\":\"cluster_organisation\",\"name\":\"\",\"country\":\"XX\","
                     "\"ecosystems\":[\"space_tourism\"],\"website\":\"not a url\"}",
                     t_admin);
    api_expect(&r, 422);
    cJSON *fields = cJSON_GetObjectItem(cJSON_GetObjectItem(r.json, "error"), "fields");
    CHECK(cJSON_GetObjectItem(fields, "name") && cJSON_GetObjectItem(fields, "country") &&
          cJSON_GetObjectItem(fields, "ecosystems[0]") && cJSON_GetObjectItem(fields, "website"));
    api_res_free(&r);
    r = call("POST", "/v1/profiles", "{\"type\":\"spaceship\",\"name\":\"X\",\"country\":\"DE\"}",
             t_admin);
    api_expect(&r, 422);
    api_res_free(&r);

    published_cluster = create(
        t_admin, CLUSTER_JSON("Klaster Mobilität Süd", "https://www.ks-mobility.example.de/"));
    char p[128];
    path(p, sizeof(p), "/v1/profiles/%s/check", published_cluster);
    r = call("GET", p, NULL, t_admin);
    api_expect(&r, 200);
    CHECK(cJSON_IsArray(r.json) && cJSON_GetArraySize(r.json) >= 6);
    cJSON *item;
    cJSON_ArrayForEach(item, r.json)
    {
        CHECK(cJSON_IsString(cJSON_GetObjectItem(item, "criterion")));
        CHECK(cJSON_IsTrue(cJSON_GetObjectItem(item, "ok")));
        CHECK(strlen(cJSON_GetObjectItem(item, "message")->valuestring) > 0);
    }
    api_res_free(&r);

    /* in the queue, oldest first, with age and check results */
    path(p, sizeof(p), "/v1/profiles/%s/submit", published_cluster);
    r = call("POST", p, NULL, t_admin);
    api_expect(&r, 200);
    api_res_free(&r);
    r = call("GET", "/v1/moderation/queue", NULL, t_mod);
    api_expect(&r, 200);
    CHECK_EQ(cJSON_GetObjectItem(r.json, "total")->valueint, 1);
    cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "items"), 0);
    CHECK_STR_EQ(cJSON_GetObjectItem(first, "id")->valuestring, published_cluster);
    CHECK(cJSON_IsNumber(cJSON_GetObjectItem(first, "age_seconds")));
    CHECK(cJSON_IsArray(cJSON_GetObjectItem(first, "check")));
    api_res_free(&r);
    path(p, sizeof(p), "/v1/profiles/%s/moderation", published_cluster);
    r = call("POST", p, "{\"decision\":\"publish\",\"note\":\"Welcome to the platform\"}", t_mod);
    api_expect(&r, 200);
    CHECK_STR_EQ(jstr(&r, "state"), "published");
    api_res_free(&r);

    /* the note reached the admin as a notification and an e-mail */
    r = call("GET", "/v1/me/notifications?unread=true", NULL, t_admin);
    api_expect(&r, 200);
    CHECK_GE(cJSON_GetObjectItem(r.json, "unread")->valueint, 1);
    cJSON *n = cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "items"), 0);
    CHECK(strstr(cJSON_GetObjectItem(n, "text")->valuestring, "Welcome to the platform") != NULL);
    char np[160];
    snprintf(np, sizeof(np), "/v1/me/notifications/%s/read",
             cJSON_GetObjectItem(n, "id")->valuestring);
    api_res_free(&r);
    r = call("POST", np, NULL, t_user); /* not the stranger's */
    api_expect(&r, 404);
    api_res_free(&r);
    r = call("POST", np, NULL, t_admin);
    api_expect(&r, 204);
    api_res_free(&r);
    r = call("GET", "/v1/me/notifications?unread=true", NULL, t_admin);
    CHECK_EQ(cJSON_GetObjectItem(r.json, "unread")->valueint, 0);
    api_res_free(&r);
    char mail[8192];
    CHECK(api_outbox_find(&srv, "Welcome to the platform", mail, sizeof(mail)));
    CHECK(strstr(mail, "To: owner@example.eu") != NULL);
    CHECK(strstr(mail, "Subject: ") != NULL && strstr(mail, "Message-ID: <") != NULL);

    /* the public sees the published version without the contact's e-mail */
    path(p, sizeof(p), "/v1/profiles/%s", published_cluster);
    r = call("GET", p, NULL, NULL);
    api_expect(&r, 200);
    CHECK_STR_EQ(jstr(&r, "name"), "Klaster Mobilität Süd");
    CHECK_STR_EQ(cJSON_GetObjectItem(cJSON_GetObjectItem(r.json, "contact"), "name")->valuestring,
                 "Eva Example");
    api_res_free(&r);
}

static void one_cluster_per_user_and_duplicates(void)
{
    api_res r = call("POST", "/v1/profiles",
                     CLUSTER_JSON("Second Cluster", "https://second.example"), t_admin);
    api_expect(&r, 409);
    api_res_free(&r);
    /* a near-duplicate name and the same website domain are reported */
    /* the stranger's own profile carries its own contact address */
    char json[2048];
    snprintf(json, sizeof(json), "%s",
             CLUSTER_JSON("Klaster Mobilitat Sud", "https://ks-mobility.example.de/about"));
    memcpy(strstr(json, "private@"), "strangr@", 8);
    r = call("POST", "/v1/profiles", json, t_user);
    api_expect(&r, 201);
    cJSON *d = cJSON_GetObjectItem(r.json, "possible_duplicates");
    CHECK_GE(cJSON_GetArraySize(d), 1);
    cJSON *first = cJSON_GetArrayItem(d, 0);
    CHECK_STR_EQ(cJSON_GetObjectItem(first, "id")->valuestring, published_cluster);
    CHECK(cJSON_IsString(cJSON_GetObjectItem(first, "reason")));
    char p[128];
    path(p, sizeof(p), "/v1/profiles/%s", jstr(&r, "id"));
    api_res_free(&r);
    r = call("DELETE", p, NULL, t_mod); /* moderators may delete */
    api_expect(&r, 204);
    api_res_free(&r);
    r = call("GET", p, NULL, t_user);
    api_expect(&r, 404);
    api_res_free(&r);
}

static void editing_published_keeps_it_public(void)
{
    char p[128];
    path(p, sizeof(p), "/v1/profiles/%s", published_cluster);
    api_res r =
        call("PATCH", p, "{\"name\":\"Klaster Mobilität Süd-West\",\"acronym\":null}", t_admin);
    api_expect(&r, 200);
    CHECK_STR_EQ(jstr(&r, "state"), "draft");
    CHECK_STR_EQ(jstr(&r, "name"), "Klaster Mobilität Süd-West");
    CHECK(cJSON_GetObjectItem(r.json, "acronym") == NULL);
    api_res_free(&r);
    r = call("GET", p, NULL, NULL);
    api_expect(&r, 200);
    CHECK_STR_EQ(jstr(&r, "name"), "Klaster Mobilität Süd");
    CHECK_STR_EQ(jstr(&r, "acronym"), "KM");
    api_res_free(&r);
    char q[160];
    snprintf(q, sizeof(q), "%s?version=draft", p);
    r = call("GET", q, NULL, t_mod);
    api_expect(&r, 200);
    CHECK_STR_EQ(jstr(&r, "name"), "Klaster Mobilität Süd-West");
    api_res_free(&r);
    publish(published_cluster);
    r = call("GET", p, NULL, NULL);
    CHECK_STR_EQ(jstr(&r, "name"), "Klaster Mobilität Süd-West");
    api_res_free(&r);
}

static void failing_cluster_needs_waiver_and_recognition(void)
{
    char *id =
        create(t_admin2, "{\"type\":\"cluster_organisation\",\"name\":\"Tiny Cluster\","
                         "\"country\":\"PL\",\"city\":\"Łódź\",\"description\":\"Small.\","
                         "\"website\":\"https://tiny.example.pl\",\"ecosystems\":[\"textile\"],"
                         "\"services\":[\"training\"],\"members_count\":9,"
                         "\"member_composition\":{\"smes\":9},\"management_fte\":0.2,"
                         "\"contact\":{\"name\":\"T\",\"email\":\"t@example.pl\"}}");
    char p[128];
    path(p, sizeof(p), "/v1/profiles/%s/check", id);
    api_res r = call("GET", p, NULL, t_admin2);
    api_expect(&r, 200);
    int failing = 0;
    cJSON *item;
    cJSON_ArrayForEach(item, r.json) failing += cJSON_IsFalse(cJSON_GetObjectItem(item, "ok"));
    CHECK_GE(failing, 4); /* fte, members, member types, services */
    api_res_free(&r);
    path(p, sizeof(p), "/v1/profiles/%s/submit", id);
    r = call("POST", p, NULL, t_admin2);
    api_expect(&r, 200);
    api_res_free(&r);
    path(p, sizeof(p), "/v1/profiles/%s/moderation", id);
    r = call("POST", p, "{\"decision\":\"publish\"}", t_mod);
    api_expect(&r, 422);
    api_res_free(&r);
    r = call("POST", p, "{\"decision\":\"publish\",\"waive_criteria\":true}", t_mod);
    api_expect(&r, 422); /* not officially recognised */
    api_res_free(&r);
    r = call("POST", p, "{\"decision\":\"request_changes\"}", t_mod);
    api_expect(&r, 422); /* a note is required */
    api_res_free(&r);
    r = call("POST", p,
             "{\"decision\":\"request_changes\",\"note\":\"Are you officially recognised?\"}",
             t_mod);
    api_expect(&r, 200);
    CHECK_STR_EQ(jstr(&r, "state"), "draft");
    api_res_free(&r);
    path(p, sizeof(p), "/v1/profiles/%s", id);
    r = call("PATCH", p, "{\"officially_recognised\":true}", t_admin2);
    api_expect(&r, 200);
    api_res_free(&r);
    path(p, sizeof(p), "/v1/profiles/%s/submit", id);
    r = call("POST", p, NULL, t_admin2);
    api_expect(&r, 200);
    api_res_free(&r);
    path(p, sizeof(p), "/v1/profiles/%s/moderation", id);
    r = call(
        "POST", p,
        "{\"decision\":\"publish\",\"waive_criteria\":true,\"note\":\"Recognised by the region\"}",
        t_mod);
    api_expect(&r, 200);
    api_res_free(&r);
    r = call("POST", p, "{\"decision\":\"publish\"}", t_mod);
    api_expect(&r, 409); /* no longer waiting for review */
    api_res_free(&r);
    free(id);
}

static void admins_and_affiliations(void)
{
    char p[160];
    path(p, sizeof(p), "/v1/profiles/%s/admins", published_cluster);
    api_res r = call("POST", p, "{\"email\":\"nobody@example.eu\"}", t_admin);
    api_expect(&r, 404);
    api_res_free(&r);
    /* the colleague already administers a cluster organisation (Tiny Cluster) */
    r = call("POST", p, "{\"email\":\"colleague@example.eu\"}", t_admin);
    api_expect(&r, 409);
    api_res_free(&r);
    r = call("POST", p, "{\"email\":\"Stranger@Example.eu\"}", t_admin);
    api_expect(&r, 200);
    CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "admins")), 2);
    api_res_free(&r);
    /* the stranger is an admin now and may edit; then leaves */
    api_res me = call("GET", "/v1/me", NULL, t_user);
    char uid[64];
    snprintf(uid, sizeof(uid), "%s", jstr(&me, "id"));
    CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(me.json, "profiles")), 1);
    api_res_free(&me);
    snprintf(p, sizeof(p), "/v1/profiles/%s/admins/%s", published_cluster, uid);
    r = call("DELETE", p, NULL, t_user);
    api_expect(&r, 204);
    api_res_free(&r);
    api_res owner = call("GET", "/v1/me", NULL, t_admin);
    cJSON *prof = cJSON_GetArrayItem(cJSON_GetObjectItem(owner.json, "profiles"), 0);
    CHECK_STR_EQ(cJSON_GetObjectItem(prof, "id")->valuestring, published_cluster);
    snprintf(uid, sizeof(uid), "%s", jstr(&owner, "id"));
    api_res_free(&owner);
    snprintf(p, sizeof(p), "/v1/profiles/%s/admins/%s", published_cluster, uid);
    r = call("DELETE", p, NULL, t_admin);
    api_expect(&r, 409); /* never the last admin */
    api_res_free(&r);

    /* a member becomes public only once approved by its published cluster */
    char json[512];
    snprintf(
        json, sizeof(json),
        "{\"type\":\"cluster_member\",\"name\":\"Bosch Battery Lab\",\"country\":\"DE\","
        "\"city\":\"Renningen\",\"description\":\"Battery research\",\"affiliations\":[\"%s\"]}",
        published_cluster);
    char *member = create(t_user, json);
    snprintf(p, sizeof(p), "/v1/profiles/%s/submit", member);
    r = call("POST", p, NULL, t_user);
    api_expect(&r, 200);
    api_res_free(&r);
    snprintf(p, sizeof(p), "/v1/profiles/%s/moderation", member);
    r = call("POST", p, "{\"decision\":\"publish\"}", t_mod);
    api_expect(&r, 200);
    api_res_free(&r);
    snprintf(p, sizeof(p), "/v1/profiles/%s", member);
    r = call("GET", p, NULL, NULL);
    api_expect(&r, 404); /* published, but not yet approved by the cluster */
    api_res_free(&r);
    snprintf(p, sizeof(p), "/v1/profiles/%s/affiliations/%s", published_cluster, member);
    r = call("POST", p, "{\"decision\":\"approve\"}", t_user);
    api_expect(&r, 403); /* the member's admin is not the cluster's */
    api_res_free(&r);
    r = call("POST", p, "{\"decision\":\"approve\"}", t_admin);
    api_expect(&r, 200);
    CHECK_STR_EQ(jstr(&r, "status"), "approved");
    api_res_free(&r);
    snprintf(p, sizeof(p), "/v1/profiles/%s", member);
    r = call("GET", p, NULL, NULL);
    api_expect(&r, 200);
    api_res_free(&r);
    snprintf(p, sizeof(p), "/v1/profiles/%s/members", published_cluster);
    r = call("GET", p, NULL, NULL);
    api_expect(&r, 200);
    CHECK_EQ(cJSON_GetObjectItem(r.json, "total")->valueint, 1);
    api_res_free(&r);
    free(member);
}

/* One row of the matrix: the expected status for anonymous, user, admin, moderator. */
typedef struct row {
    const char *method, *path_fmt, *body;
    long expect[4];
} row;

static void role_matrix(void)
{
    char *draft =
        create(t_admin2, "{\"type\":\"training_provider\",\"name\":\"Skills Academy\","
                         "\"country\":\"AT\",\"city\":\"Wien\",\"description\":\"Courses\","
                         "\"website\":\"https://skills.example.at\","
                         "\"contact\":{\"name\":\"S\",\"email\":\"contact-private@example.eu\"}}");
    /* tokens in role order; the admin here is the colleague who owns `draft` */
    const char *tokens[4] = {NULL, t_user, t_admin2, t_mod};
    const row rows[] = {
        {"GET", "/v1/profiles/%s", NULL, {404, 404, 200, 200}},
        {"GET", "/v1/profiles/%s?version=draft", NULL, {404, 404, 200, 200}},
        {"GET", "/v1/profiles/%s/check", NULL, {404, 404, 200, 200}},
        {"PATCH",
         "/v1/profiles/%s",
         "{\"description\":\"Courses and more\"}",
         {401, 403, 200, 403}},
        {"POST",
         "/v1/profiles/%s/admins",
         "{\"email\":\"owner@example.eu\"}",
         {401, 403, 200, 403}},
        {"POST", "/v1/profiles/%s/moderation", "{\"decision\":\"publish\"}", {401, 403, 403, 409}},
        {"GET", "/v1/profiles/%s/members", NULL, {404, 404, 200, 200}},
        {"POST", "/v1/profiles/%s/submit", NULL, {401, 403, 200, 403}},
        {"GET", "/v1/moderation/queue", NULL, {401, 403, 403, 200}},
        {"GET", "/v1/me", NULL, {401, 200, 200, 200}},
        {"GET", "/v1/me/notifications", NULL, {401, 200, 200, 200}},
        {"POST",
         "/v1/profiles",
         "{\"type\":\"policy_institution\",\"name\":\"Ministry\",\"country\":\"AT\"}",
         {401, 201, 201, 201}},
        {"DELETE", "/v1/profiles/%s", NULL, {401, 403, 204, 404}},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
        char p[200];
        snprintf(p, sizeof(p), rows[i].path_fmt, draft);
        for (int role = 0; role < 4; role++) {
            api_res r = call(rows[i].method, p, rows[i].body, tokens[role]);
            if (r.status != rows[i].expect[role])
                fprintf(stderr, "%s %s as role %d: expected %ld, got %ld: %s\n", rows[i].method,
                        rows[i].path_fmt, role, rows[i].expect[role], r.status,
                        r.body ? r.body : "");
            CHECK_EQ(r.status, rows[i].expect[role]);
            api_res_free(&r);
        }
    }
    free(draft);
}

static void password_reset(void)
{
    api_res r = call("POST", "/v1/password-resets", "{\"email\":\"unknown@example.eu\"}", NULL);
    api_expect(&r, 202);
    api_res_free(&r);
    r = call("POST", "/v1/password-resets", "{\"email\":\"Owner@example.eu\"}", NULL);
    api_expect(&r, 202);
    api_res_free(&r);
    char mail[8192];
    CHECK(api_outbox_find(&srv, "reset-password?token=", mail, sizeof(mail)));
    CHECK(strstr(mail, "To: owner@example.eu") != NULL);
    char token[128];
    const char *t = strstr(mail, "token=") + 6;
    size_t n = strcspn(t, "\r\n ");
    snprintf(token, sizeof(token), "%.*s", (int)n, t);
    char p[200];
    snprintf(p, sizeof(p), "/v1/password-resets/%s", token);
    r = call("PUT", p, "{\"password\":\"short\"}", NULL);
    api_expect(&r, 422);
    api_res_free(&r);
    r = call("PUT", p, "{\"password\":\"a brand new password\"}", NULL);
    api_expect(&r, 204);
    api_res_free(&r);
    r = call("PUT", p, "{\"password\":\"another new password\"}", NULL);
    api_expect(&r, 404); /* single use */
    api_res_free(&r);
    r = call("GET", "/v1/me", NULL, t_admin);
    api_expect(&r, 401); /* the reset ended every session */
    api_res_free(&r);
    r = call("POST", "/v1/sessions", "{\"login\":\"owner\",\"password\":\"owner password\"}", NULL);
    api_expect(&r, 401);
    api_res_free(&r);
    r = own("POST", "/v1/sessions", "{\"login\":\"owner\",\"password\":\"a brand new password\"}");
    api_expect(&r, 201);
    free(t_admin);
    t_admin = strdup(jstr(&r, "token"));
    api_res_free(&r);
}

enum { CRASH_PROFILES = 8 };

static void kill9_during_profile_writes(void)
{
    char *ids[CRASH_PROFILES];
    int mails_before = api_outbox_count(&srv, "crash-note", 0);
    CHECK_EQ(mails_before, 0);
    for (int i = 0; i < CRASH_PROFILES; i++) {
        char json[400];
        snprintf(json, sizeof(json),
                 "{\"type\":\"national_association\",\"name\":\"Crash Association %d\","
                 "\"country\":\"FR\",\"city\":\"Lyon\",\"description\":\"d\","
                 "\"website\":\"https://crash%d.example.fr\",\"contact\":{\"name\":\"C\","
                 "\"email\":\"c%d@example.fr\"}}",
                 i, i, i);
        ids[i] = create(t_user, json);
        char p[160];
        snprintf(p, sizeof(p), "/v1/profiles/%s/submit", ids[i]);
        api_res r = call("POST", p, NULL, t_user);
        api_expect(&r, 200);
        api_res_free(&r);
        snprintf(p, sizeof(p), "/v1/profiles/%s/moderation", ids[i]);
        r = call("POST", p, "{\"decision\":\"decline\",\"note\":\"crash-note\"}", t_mod);
        api_expect(&r, 200);
        api_res_free(&r);
    }
    api_kill9(&srv);
    api_start(&srv, srv.dir, NULL);
    for (int i = 0; i < CRASH_PROFILES; i++) {
        char p[160];
        snprintf(p, sizeof(p), "/v1/profiles/%s?version=draft", ids[i]);
        api_res r = call("GET", p, NULL, t_user);
        api_expect(&r, 200);
        CHECK_STR_EQ(jstr(&r, "state"), "declined");
        api_res_free(&r);
        free(ids[i]);
    }
    /* every decline's e-mail was delivered (at least once) after the crash */
    CHECK_GE(api_outbox_count(&srv, "crash-note", CRASH_PROFILES), CRASH_PROFILES);
}

int main(int argc, char **argv)
{
    CHECK(argc == 2);
    api_binary = argv[1];
    curl_global_init(CURL_GLOBAL_ALL);
    RUN(setup_users);
    RUN(create_validates_and_publish_flow_notifies);
    RUN(one_cluster_per_user_and_duplicates);
    RUN(editing_published_keeps_it_public);
    RUN(failing_cluster_needs_waiver_and_recognition);
    RUN(admins_and_affiliations);
    RUN(role_matrix);
    RUN(password_reset);
    RUN(kill9_during_profile_writes);
    api_stop(&srv);
    api_cleanup(&srv);
    free(t_admin), free(t_user), free(t_mod), free(t_admin2);
    curl_global_cleanup();
    return 0;
}
