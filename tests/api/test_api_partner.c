/*
 * API tests of partner searches against the real binary: who may create one (admins of a
 * published profile of the four organising types; 403 messages that say what is needed),
 * edit and close it; follows, interests (private to the author profile's admins) and
 * comments; the notification fan-out (the author's admins and every follower once, never
 * the actor, each also an e-mail in the spool); listing; notifications paginated and
 * marked read idempotently; a search closing by itself once its deadline has passed (on
 * read, and written by the server's timer).
 */
#include <curl/curl.h>
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "harness.h"

static api_server srv;
static char *t_mod, *t_stranger, *t_admin, *t_colleague, *t_f1, *t_f2, *t_draftie, *t_policy;
static char profile[64], search[64];

static const char *err_message(const api_res *r)
{
    return api_jstr(cJSON_GetObjectItem(r->json, "error"), "message");
}

static api_res call(const char *method, const char *path, const char *json, const char *token)
{
    return api_json(&srv, API_H1, method, path, json, token);
}

static api_res create(const char *token, const char *pid, const char *title, const char *deadline)
{
    char body[2048];
    snprintf(body, sizeof(body),
             "{\"profile_id\":\"%s\",\"title\":\"%s\",\"description\":\"We look for partners "
             "in hydrogen mobility.\",\"kind\":\"consortium\",\"ecosystems\":[\"mobility_"
             "transport_automotive\",\"energy_renewables\"],\"countries_sought\":[\"de\",\"IT\"],"
             "\"deadline\":\"%s\",\"attachments\":[]}",
             pid, title, deadline);
    return call("POST", "/v1/partner-searches", body, token);
}

static void setup(void)
{
    t_mod = api_start_moderated(&srv);
    t_stranger = api_signup(&srv, "stranger", "a long password");
    t_admin = api_signup(&srv, "admin", "a long password");
    t_colleague = api_signup(&srv, "colleague", "a long password");
    t_f1 = api_signup(&srv, "follower1", "a long password");
    t_f2 = api_signup(&srv, "follower2", "a long password");
    t_draftie = api_signup(&srv, "draftie", "a long password");
    t_policy = api_signup(&srv, "policy", "a long password");
    api_make_profile(&srv, t_admin, t_mod, "cluster_organisation", "Hydrogen Valley Cluster", true,
                     profile);
    char p[160];
    snprintf(p, sizeof(p), "/v1/profiles/%s/admins", profile);
    api_res r = call("POST", p, "{\"email\":\"colleague@example.eu\"}", t_admin);
    api_expect(&r, 200);
    api_res_free(&r);
}

static void who_may_create(void)
{
    char deadline[16], past[16], draft[64], pol[64];
    api_day(30, deadline);
    api_day(-1, past);
    api_res r = create(NULL, profile, "Anonymous", deadline);
    api_expect(&r, 401);
    api_res_free(&r);

    /* a user with no profile at all is told how to get one */
    r = call("POST", "/v1/partner-searches",
             "{\"title\":\"No profile\",\"description\":\"d\",\"kind\":\"other\","
             "\"ecosystems\":[\"digital\"],\"deadline\":\"2099-01-01\"}",
             t_stranger);
    api_expect(&r, 403);
    CHECK(strstr(err_message(&r), "create your organisation's profile") != NULL);
    api_res_free(&r);

    /* someone else's profile: ask its admin to add you */
    r = create(t_stranger, profile, "Not mine", deadline);
    api_expect(&r, 403);
    CHECK_STR_EQ(api_error_code(&r), "forbidden");
    CHECK(strstr(err_message(&r), "ask the admin of Hydrogen Valley Cluster to add you as a "
                                  "colleague") != NULL);
    api_res_free(&r);

    /* an unpublished cluster organisation: publish it first */
    api_make_profile(&srv, t_draftie, t_mod, "cluster_organisation", "Draft Cluster", false, draft);
    r = create(t_draftie, draft, "Too early", deadline);
    api_expect(&r, 403);
    CHECK(strstr(err_message(&r), "publish your cluster organisation profile \"Draft Cluster\" "
                                  "first") != NULL);
    api_res_free(&r);
    /* ... and without a profile_id the same user is told the same */
    r = call("POST", "/v1/partner-searches",
             "{\"title\":\"No id\",\"description\":\"d\",\"kind\":\"other\","
             "\"ecosystems\":[\"digital\"],\"deadline\":\"2099-01-01\"}",
             t_draftie);
    api_expect(&r, 403);
    CHECK(strstr(err_message(&r), "publish your cluster organisation profile") != NULL);
    api_res_free(&r);

    /* a profile of another type */
    api_make_profile(&srv, t_policy, t_mod, "policy_institution", "Ministry of Clusters", false,
                     pol);
    r = create(t_policy, pol, "Wrong type", deadline);
    api_expect(&r, 403);
    CHECK(strstr(err_message(&r), "policy institution profile") != NULL);
    CHECK(strstr(err_message(&r), "cluster organisation, cluster partnership, national "
                                  "association or meta-cluster network") != NULL);
    api_res_free(&r);

    /* validation: every failing field named, nothing stored */
    char body[1024];
    snprintf(body, sizeof(body),
             "{\"profile_id\":\"%s\",\"title\":\"x\",\"kind\":\"party\",\"ecosystems\":"
             "[\"space\"],\"countries_sought\":[\"XX\"],\"deadline\":\"%s\",\"attachments\":"
             "[\"01HZZZZZZZZZZZZZZZZZZZZZZZ\"],\"colour\":\"red\"}",
             profile, past);
    r = call("POST", "/v1/partner-searches", body, t_admin);
    api_expect(&r, 422);
    cJSON *fields = cJSON_GetObjectItem(cJSON_GetObjectItem(r.json, "error"), "fields");
    const char *names[] = {"title",    "description", "kind",  "ecosystems", "countries_sought",
                           "deadline", "attachments", "colour"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (cJSON_GetObjectItem(fields, names[i]) == NULL)
            fprintf(stderr, "missing field %s in %s\n", names[i], r.body);
        CHECK(cJSON_GetObjectItem(fields, names[i]) != NULL);
    }
    api_res_free(&r);

    /* the admin creates; the shape is API.md's */
    r = create(t_admin, profile, "Partners for a hydrogen valley", deadline);
    api_expect(&r, 201);
    snprintf(search, sizeof(search), "%s", api_jstr(r.json, "id"));
    cJSON *prof = cJSON_GetObjectItem(r.json, "profile");
    CHECK_STR_EQ(api_jstr(prof, "id"), profile);
    CHECK_STR_EQ(api_jstr(prof, "name"), "Hydrogen Valley Cluster");
    CHECK_STR_EQ(api_jstr(prof, "country"), "FR");
    CHECK_STR_EQ(api_jstr(r.json, "kind"), "consortium");
    CHECK_STR_EQ(api_jstr(r.json, "state"), "open");
    CHECK_STR_EQ(api_jstr(r.json, "deadline"), deadline);
    cJSON *cs = cJSON_GetObjectItem(r.json, "countries_sought");
    CHECK_EQ(cJSON_GetArraySize(cs), 2);
    CHECK_STR_EQ(cJSON_GetArrayItem(cs, 0)->valuestring, "DE");
    CHECK(cJSON_IsArray(cJSON_GetObjectItem(r.json, "attachments")));
    CHECK_EQ(api_jint(r.json, "followers_count"), 0);
    CHECK_EQ(api_jint(r.json, "interests_count"), 0);
    const char *created = api_jstr(r.json, "created_at");
    CHECK(created != NULL && strlen(created) == 20 && created[19] == 'Z');
    api_res_free(&r);

    /* a colleague added as admin may post too (ids order by the millisecond: newest first
     * needs a later one) */
    usleep(5000);
    r = create(t_colleague, profile, "A second request", deadline);
    api_expect(&r, 201);
    api_res_free(&r);
}

static void edit_and_read(void)
{
    char p[160];
    snprintf(p, sizeof(p), "/v1/partner-searches/%s", search);
    api_res r = call("GET", p, NULL, NULL);
    api_expect(&r, 200);
    CHECK_STR_EQ(api_jstr(r.json, "title"), "Partners for a hydrogen valley");
    CHECK(cJSON_GetObjectItem(r.json, "following") == NULL);
    api_res_free(&r);
    r = call("GET", "/v1/partner-searches/01HZZZZZZZZZZZZZZZZZZZZZZZ", NULL, NULL);
    api_expect(&r, 404);
    api_res_free(&r);

    r = call("PATCH", p, "{\"title\":\"Stolen\"}", t_stranger);
    api_expect(&r, 403);
    CHECK(strstr(err_message(&r), "Hydrogen Valley Cluster") != NULL);
    api_res_free(&r);
    r = call("PATCH", p, "{\"title\":\"Stolen\"}", NULL);
    api_expect(&r, 401);
    api_res_free(&r);
    r = call("PATCH", p, "{\"title\":\"Stolen\"}", t_mod);
    api_expect(&r, 403);
    api_res_free(&r);
    r = call("PATCH", p, "{\"kind\":\"nonsense\"}", t_admin);
    api_expect(&r, 422);
    api_res_free(&r);
    r = call("PATCH", p, "{\"title\":\"Partners for a hydrogen valley in Auvergne\"}", t_colleague);
    api_expect(&r, 200);
    CHECK_STR_EQ(api_jstr(r.json, "title"), "Partners for a hydrogen valley in Auvergne");
    CHECK_STR_EQ(api_jstr(r.json, "kind"), "consortium");
    api_res_free(&r);
}

/* The notifications of a user with the given kind (counted over every page). */
static int count_notifications(const char *token, const char *kind, const char *ref)
{
    int n = 0;
    for (int page = 1;; page++) {
        char p[128];
        snprintf(p, sizeof(p), "/v1/me/notifications?per_page=100&page=%d", page);
        api_res r = call("GET", p, NULL, token);
        api_expect(&r, 200);
        cJSON *items = cJSON_GetObjectItem(r.json, "items");
        int len = cJSON_GetArraySize(items);
        for (int i = 0; i < len; i++) {
            cJSON *it = cJSON_GetArrayItem(items, i);
            if (strcmp(api_jstr(it, "kind"), kind) == 0 &&
                (ref == NULL || (api_jstr(it, "ref") && strcmp(api_jstr(it, "ref"), ref) == 0)))
                n++;
        }
        api_res_free(&r);
        if (len < 100)
            return n;
    }
}

static bool any_notification_contains(const char *token, const char *needle)
{
    api_res r = call("GET", "/v1/me/notifications?per_page=100", NULL, token);
    api_expect(&r, 200);
    bool found = strstr(r.body, needle) != NULL;
    api_res_free(&r);
    return found;
}

static void follow_interest_comment(void)
{
    char p[200];
    snprintf(p, sizeof(p), "/v1/partner-searches/%s/follow", search);
    api_res r = call("PUT", p, NULL, NULL);
    api_expect(&r, 401);
    api_res_free(&r);
    const char *followers[] = {t_f1, t_f2, t_stranger, t_admin};
    for (size_t i = 0; i < 4; i++) {
        r = call("PUT", p, NULL, followers[i]);
        api_expect(&r, 204);
        api_res_free(&r);
    }
    r = call("PUT", p, NULL, t_f1); /* again: idempotent */
    api_expect(&r, 204);
    api_res_free(&r);
    r = call("DELETE", p, NULL, t_stranger);
    api_expect(&r, 204);
    api_res_free(&r);
    r = call("DELETE", p, NULL, t_stranger);
    api_expect(&r, 204);
    api_res_free(&r);
    r = call("PUT", p, NULL, t_stranger);
    api_expect(&r, 204);
    api_res_free(&r);
    snprintf(p, sizeof(p), "/v1/partner-searches/%s", search);
    r = call("GET", p, NULL, t_f1);
    api_expect(&r, 200);
    CHECK_EQ(api_jint(r.json, "followers_count"), 4);
    CHECK(cJSON_IsTrue(cJSON_GetObjectItem(r.json, "following")));
    api_res_free(&r);
    r = call("GET", p, NULL, t_colleague);
    CHECK(cJSON_IsFalse(cJSON_GetObjectItem(r.json, "following")));
    api_res_free(&r);

    /* an interest: 401 anonymous, 422 invalid, 201; admins and followers notified once */
    snprintf(p, sizeof(p), "/v1/partner-searches/%s/interests", search);
    r = call("POST", p, "{\"organisation\":\"Org\",\"message\":\"m\"}", NULL);
    api_expect(&r, 401);
    api_res_free(&r);
    r = call("POST", p, "{\"organisation\":\"\",\"extra\":1}", t_f1);
    api_expect(&r, 422);
    api_res_free(&r);
    r = call("POST", p,
             "{\"organisation\":\"Baltic Hydrogen Cluster\",\"message\":\"SECRET-PITCH: we "
             "bring 12 SMEs\"}",
             t_f1);
    api_expect(&r, 201);
    CHECK_STR_EQ(api_jstr(r.json, "organisation"), "Baltic Hydrogen Cluster");
    CHECK_STR_EQ(api_jstr(cJSON_GetObjectItem(r.json, "user"), "username"), "follower1");
    CHECK(api_jstr(r.json, "created_at") != NULL && strlen(api_jstr(r.json, "created_at")) == 20);
    api_res_free(&r);

    /* the interests list: the author profile's admins only */
    r = call("GET", p, NULL, NULL);
    api_expect(&r, 401);
    api_res_free(&r);
    r = call("GET", p, NULL, t_f2);
    api_expect(&r, 403);
    CHECK(strstr(r.body, "SECRET-PITCH") == NULL);
    api_res_free(&r);
    r = call("GET", p, NULL, t_mod);
    api_expect(&r, 403);
    api_res_free(&r);
    r = call("GET", p, NULL, t_colleague);
    api_expect(&r, 200);
    CHECK_EQ(api_jint(r.json, "total"), 1);
    cJSON *it = cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "items"), 0);
    CHECK(strstr(api_jstr(it, "message"), "SECRET-PITCH") != NULL);
    CHECK_STR_EQ(api_jstr(cJSON_GetObjectItem(it, "user"), "username"), "follower1");
    api_res_free(&r);

    /* the search itself, its list and search never show the message */
    snprintf(p, sizeof(p), "/v1/partner-searches/%s", search);
    r = call("GET", p, NULL, t_f2);
    api_expect(&r, 200);
    CHECK_EQ(api_jint(r.json, "interests_count"), 1);
    CHECK(strstr(r.body, "SECRET-PITCH") == NULL);
    api_res_free(&r);
    r = call("GET", "/v1/partner-searches", NULL, NULL);
    CHECK(strstr(r.body, "SECRET-PITCH") == NULL);
    api_res_free(&r);
    r = call("GET", "/v1/search?q=SECRET-PITCH", NULL, NULL);
    api_expect(&r, 200);
    CHECK_EQ(api_jint(r.json, "total"), 0);
    api_res_free(&r);

    /* fan-out: both admins (one of them also follows) and the other followers once each;
     * the actor not at all; only the admins read the message */
    CHECK_EQ(count_notifications(t_admin, "partner_search.interest", search), 1);
    CHECK_EQ(count_notifications(t_colleague, "partner_search.interest", search), 1);
    CHECK_EQ(count_notifications(t_f2, "partner_search.interest", search), 1);
    CHECK_EQ(count_notifications(t_stranger, "partner_search.interest", search), 1);
    CHECK_EQ(count_notifications(t_f1, "partner_search.interest", search), 0);
    CHECK(any_notification_contains(t_admin, "SECRET-PITCH"));
    CHECK(!any_notification_contains(t_f2, "SECRET-PITCH"));
    /* ... and each is an e-mail in the spool */
    CHECK_EQ(api_outbox_count(&srv, "SECRET-PITCH", 2), 2);
    CHECK(api_outbox_count(&srv, "To: follower2@example.eu", 1) >= 1);
    CHECK_EQ(api_outbox_count(&srv, "To: follower1@example.eu", 0), 0);

    /* comments: anyone reads an open search's, signed-in users write */
    snprintf(p, sizeof(p), "/v1/partner-searches/%s/comments", search);
    r = call("POST", p, "{\"text\":\"Is Slovenia in scope?\"}", NULL);
    api_expect(&r, 401);
    api_res_free(&r);
    r = call("POST", p, "{\"text\":\"\"}", t_f2);
    api_expect(&r, 422);
    api_res_free(&r);
    r = call("POST", p, "{\"text\":\"Is Slovenia in scope?\"}", t_f2);
    api_expect(&r, 201);
    CHECK_STR_EQ(api_jstr(cJSON_GetObjectItem(r.json, "author"), "username"), "follower2");
    api_res_free(&r);
    r = call("GET", p, NULL, NULL);
    api_expect(&r, 200);
    CHECK_EQ(api_jint(r.json, "total"), 1);
    CHECK_STR_EQ(api_jstr(cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "items"), 0), "text"),
                 "Is Slovenia in scope?");
    CHECK(strstr(r.body, "@example.eu") == NULL);
    api_res_free(&r);
    CHECK_EQ(count_notifications(t_f1, "partner_search.comment", search), 1);
    CHECK_EQ(count_notifications(t_admin, "partner_search.comment", search), 1);
    CHECK_EQ(count_notifications(t_f2, "partner_search.comment", search), 0);
    /* the edit before anyone followed notified nobody but the other admin */
    CHECK_EQ(count_notifications(t_admin, "partner_search.updated", search), 1);
    CHECK_EQ(count_notifications(t_f1, "partner_search.updated", search), 0);
}

static void notifications_page_and_read(void)
{
    api_res r = call("GET", "/v1/me/notifications?per_page=1", NULL, t_admin);
    api_expect(&r, 200);
    long total = api_jint(r.json, "total"), unread = api_jint(r.json, "unread");
    CHECK_GE(total, 3);
    CHECK_EQ(unread, total);
    cJSON *items = cJSON_GetObjectItem(r.json, "items");
    CHECK_EQ(cJSON_GetArraySize(items), 1);
    char first[64];
    snprintf(first, sizeof(first), "%s", api_jstr(cJSON_GetArrayItem(items, 0), "id"));
    CHECK_STR_EQ(api_jstr(cJSON_GetArrayItem(items, 0), "kind"), "partner_search.comment");
    api_res_free(&r);
    r = call("GET", "/v1/me/notifications?per_page=1&page=2", NULL, t_admin);
    api_expect(&r, 200);
    CHECK(strcmp(api_jstr(cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "items"), 0), "id"),
                 first) != 0);
    api_res_free(&r);
    char p[160];
    snprintf(p, sizeof(p), "/v1/me/notifications/%s/read", first);
    for (int i = 0; i < 2; i++) {
        r = call("POST", p, NULL, t_admin);
        api_expect(&r, 204);
        api_res_free(&r);
    }
    r = call("POST", p, NULL, t_f1); /* not theirs */
    api_expect(&r, 404);
    api_res_free(&r);
    r = call("GET", "/v1/me/notifications?unread=true&per_page=100", NULL, t_admin);
    api_expect(&r, 200);
    CHECK_EQ(api_jint(r.json, "unread"), unread - 1);
    CHECK(strstr(r.body, first) == NULL);
    api_res_free(&r);
}

static void close_and_list(void)
{
    char p[200];
    snprintf(p, sizeof(p), "/v1/partner-searches/%s/close", search);
    api_res r = call("POST", p, NULL, t_f1);
    api_expect(&r, 403);
    api_res_free(&r);
    r = call("POST", p, NULL, t_admin);
    api_expect(&r, 200);
    CHECK_STR_EQ(api_jstr(r.json, "state"), "closed");
    CHECK_STR_EQ(api_jstr(r.json, "closed_reason"), "author");
    api_res_free(&r);
    r = call("POST", p, NULL, t_admin);
    api_expect(&r, 409);
    api_res_free(&r);
    CHECK_EQ(count_notifications(t_f2, "partner_search.closed", search), 1);
    CHECK_EQ(count_notifications(t_admin, "partner_search.closed", search), 0);

    /* a closed search stays readable, says so, and takes nothing more */
    snprintf(p, sizeof(p), "/v1/partner-searches/%s", search);
    r = call("GET", p, NULL, NULL);
    api_expect(&r, 200);
    CHECK_STR_EQ(api_jstr(r.json, "state"), "closed");
    api_res_free(&r);
    r = call("PATCH", p, "{\"title\":\"Reopened?\"}", t_admin);
    api_expect(&r, 409);
    CHECK_STR_EQ(api_error_code(&r), "conflict");
    api_res_free(&r);
    snprintf(p, sizeof(p), "/v1/partner-searches/%s/interests", search);
    r = call("POST", p, "{\"organisation\":\"Late\",\"message\":\"too late\"}", t_f2);
    api_expect(&r, 409);
    api_res_free(&r);
    snprintf(p, sizeof(p), "/v1/partner-searches/%s/comments", search);
    r = call("POST", p, "{\"text\":\"late\"}", t_f2);
    api_expect(&r, 409);
    api_res_free(&r);
    r = call("GET", p, NULL, NULL);
    api_expect(&r, 401);
    api_res_free(&r);
    r = call("GET", p, NULL, t_f2);
    api_expect(&r, 200);
    api_res_free(&r);
    snprintf(p, sizeof(p), "/v1/partner-searches/%s/follow", search);
    r = call("PUT", p, NULL, t_colleague);
    api_expect(&r, 409);
    api_res_free(&r);
    r = call("DELETE", p, NULL, t_f2);
    api_expect(&r, 204);
    api_res_free(&r);

    /* lists: newest first, by state and profile */
    r = call("GET", "/v1/partner-searches?state=open", NULL, NULL);
    api_expect(&r, 200);
    CHECK_EQ(api_jint(r.json, "total"), 1);
    CHECK_STR_EQ(api_jstr(cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "items"), 0), "title"),
                 "A second request");
    api_res_free(&r);
    r = call("GET", "/v1/partner-searches?state=closed", NULL, NULL);
    CHECK_EQ(api_jint(r.json, "total"), 1);
    api_res_free(&r);
    snprintf(p, sizeof(p), "/v1/partner-searches?profile_id=%s&per_page=1", profile);
    r = call("GET", p, NULL, NULL);
    api_expect(&r, 200);
    CHECK_EQ(api_jint(r.json, "total"), 2);
    CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "items")), 1);
    CHECK_STR_EQ(api_jstr(cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "items"), 0), "title"),
                 "A second request");
    api_res_free(&r);
    r = call("GET", "/v1/partner-searches?state=maybe", NULL, NULL);
    api_expect(&r, 400);
    api_res_free(&r);

    /* a moderator may close too */
    r = call("GET", "/v1/partner-searches?state=open", NULL, NULL);
    char other[64];
    snprintf(other, sizeof(other), "%s",
             api_jstr(cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "items"), 0), "id"));
    api_res_free(&r);
    snprintf(p, sizeof(p), "/v1/partner-searches/%s/close", other);
    r = call("POST", p, NULL, t_mod);
    api_expect(&r, 200);
    CHECK_STR_EQ(api_jstr(r.json, "closed_reason"), "moderator");
    api_res_free(&r);
}

/* The count of a facet value in a search response, or 0. */
static long facet(const api_res *r, const char *name, const char *value)
{
    cJSON *list = cJSON_GetObjectItem(cJSON_GetObjectItem(r->json, "facets"), name);
    for (int i = 0; i < cJSON_GetArraySize(list); i++) {
        cJSON *it = cJSON_GetArrayItem(list, i);
        if (strcmp(api_jstr(it, "value"), value) == 0)
            return api_jint(it, "count");
    }
    return 0;
}

static void found_by_search(void)
{
    /* by now: the first search (closed by its author, seeks DE and IT, mobility and
     * renewables), the second (closed by a moderator), and an open one made here */
    char deadline[16];
    api_day(60, deadline);
    api_res r = call("POST", "/v1/partner-searches", "{\"profile_id\":\"PID\"}",
                     t_admin); /* malformed id: 422 */
    api_expect(&r, 422);
    api_res_free(&r);
    char body[1024];
    snprintf(body, sizeof(body),
             "{\"profile_id\":\"%s\",\"title\":\"Hydrogen buses for mountain towns\","
             "\"description\":\"An expression of interest for a hydrogen mobility "
             "partnership.\",\"kind\":\"expression_of_interest\",\"ecosystems\":"
             "[\"mobility_transport_automotive\"],\"countries_sought\":[\"AT\",\"DE\"],"
             "\"deadline\":\"%s\"}",
             profile, deadline);
    r = call("POST", "/v1/partner-searches", body, t_admin);
    api_expect(&r, 201);
    char open_id[64];
    snprintf(open_id, sizeof(open_id), "%s", api_jstr(r.json, "id"));
    api_res_free(&r);

    r = call("GET",
             "/v1/search?q=hydrogen&kind=partner_search&facets=kind,ecosystem,"
             "countries_sought,type,state",
             NULL, NULL);
    api_expect(&r, 200);
    CHECK_EQ(api_jint(r.json, "total"), 3);
    cJSON *hits = cJSON_GetObjectItem(r.json, "hits");
    /* open ones first */
    CHECK_STR_EQ(api_jstr(cJSON_GetArrayItem(hits, 0), "id"), open_id);
    CHECK_STR_EQ(api_jstr(cJSON_GetArrayItem(hits, 0), "kind"), "partner_search");
    CHECK_STR_EQ(api_jstr(cJSON_GetArrayItem(hits, 0), "type"), "expression_of_interest");
    CHECK_STR_EQ(api_jstr(cJSON_GetArrayItem(hits, 0), "country"), "FR");
    CHECK_EQ(facet(&r, "kind", "partner_search"), 3);
    CHECK_EQ(facet(&r, "state", "open"), 1);
    CHECK_EQ(facet(&r, "state", "closed"), 2);
    CHECK_EQ(facet(&r, "countries_sought", "DE"), 3);
    CHECK_EQ(facet(&r, "countries_sought", "IT"), 2);
    CHECK_EQ(facet(&r, "countries_sought", "AT"), 1);
    CHECK_EQ(facet(&r, "ecosystem", "mobility_transport_automotive"), 3);
    CHECK_EQ(facet(&r, "ecosystem", "energy_renewables"), 2);
    CHECK_EQ(facet(&r, "type", "consortium"), 2);
    CHECK_EQ(facet(&r, "type", "expression_of_interest"), 1);
    CHECK(strstr(r.body, "SECRET-PITCH") == NULL && strstr(r.body, "@example.eu") == NULL);
    api_res_free(&r);

    /* filters by the new facets */
    r = call("GET", "/v1/search?kind=partner_search&state=open&countries_sought=at", NULL, NULL);
    api_expect(&r, 200);
    CHECK_EQ(api_jint(r.json, "total"), 1);
    api_res_free(&r);
    r = call("GET", "/v1/search?kind=partner_search&state=closed", NULL, NULL);
    api_expect(&r, 200);
    CHECK_EQ(api_jint(r.json, "total"), 2);
    api_res_free(&r);
    r = call("GET", "/v1/search?kind=partner_search&state=ajar", NULL, NULL);
    api_expect(&r, 400);
    api_res_free(&r);
    /* an edit reaches search (read-your-writes) */
    char p[160];
    snprintf(p, sizeof(p), "/v1/partner-searches/%s", open_id);
    r = call("PATCH", p, "{\"title\":\"Hydrogen trams for valley towns\"}", t_admin);
    api_expect(&r, 200);
    api_res_free(&r);
    r = call("GET", "/v1/search?q=trams&kind=partner_search", NULL, NULL);
    CHECK_EQ(api_jint(r.json, "total"), 1);
    api_res_free(&r);
    /* profiles are not partner searches */
    r = call("GET", "/v1/search?q=hydrogen&kind=profile", NULL, NULL);
    CHECK_EQ(api_jint(r.json, "total"), 1);
    api_res_free(&r);
}

static void closes_by_itself_after_the_deadline(void)
{
    char today[16], p[200], id[64];
    api_day(0, today);
    api_res r = create(t_admin, profile, "Due today", today);
    api_expect(&r, 201);
    snprintf(id, sizeof(id), "%s", api_jstr(r.json, "id"));
    api_res_free(&r);
    snprintf(p, sizeof(p), "/v1/partner-searches/%s/follow", id);
    r = call("PUT", p, NULL, t_f1);
    api_expect(&r, 204);
    api_res_free(&r);
    /* two days later (the server's clock moved for deadline decisions only) */
    api_stop(&srv);
    setenv("ECCPD_FAULT_CLOCK_SKEW", "172800", 1);
    api_start(&srv, srv.dir, NULL);
    unsetenv("ECCPD_FAULT_CLOCK_SKEW");
    snprintf(p, sizeof(p), "/v1/partner-searches/%s", id);
    r = call("GET", p, NULL, NULL);
    api_expect(&r, 200);
    CHECK_STR_EQ(api_jstr(r.json, "state"), "closed");
    CHECK_STR_EQ(api_jstr(r.json, "closed_reason"), "deadline");
    api_res_free(&r);
    snprintf(p, sizeof(p), "/v1/partner-searches/%s/comments", id);
    r = call("POST", p, "{\"text\":\"still there?\"}", t_f2);
    api_expect(&r, 409);
    api_res_free(&r);
    /* the timer wrote it closed and told the follower (within a few seconds of start) */
    int n = 0;
    for (int i = 0; i < 100 && n == 0; i++) {
        n = count_notifications(t_f1, "partner_search.closed", id);
        if (n == 0)
            usleep(50000);
    }
    CHECK_EQ(n, 1);
    r = call("GET", "/v1/partner-searches?state=open", NULL, NULL);
    CHECK_EQ(api_jint(r.json, "total"), 1); /* the one of found_by_search, due in 60 days */
    api_res_free(&r);
    r = call("GET", "/v1/search?kind=partner_search&state=closed&q=today", NULL, NULL);
    CHECK_EQ(api_jint(r.json, "total"), 1); /* the index has it closed too */
    api_res_free(&r);
    api_stop(&srv);
    api_start(&srv, srv.dir, NULL);
}

/* E-mails in the spool to `to` whose text also contains `needle`. */
static int spool_count(const char *to, const char *needle)
{
    char dir[320];
    snprintf(dir, sizeof(dir), "%s/data/outbox", srv.dir);
    DIR *d = opendir(dir);
    if (d == NULL)
        return 0;
    int n = 0;
    struct dirent *e;
    char line[128];
    snprintf(line, sizeof(line), "To: %s\r\n", to);
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".eml") != 0 || e->d_name[0] == '.')
            continue;
        char path[640];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "r");
        if (f == NULL)
            continue;
        static char text[65536];
        size_t got = fread(text, 1, sizeof(text) - 1, f);
        text[got] = '\0';
        fclose(f);
        n += strstr(text, line) != NULL && strstr(text, needle) != NULL;
    }
    closedir(d);
    return n;
}

typedef struct inflight {
    char path[200];
    long status;
} inflight;

static void *post_interest(void *arg)
{
    inflight *f = arg;
    api_res r =
        call("POST", f->path, "{\"organisation\":\"Crash Test Org\",\"message\":\"m\"}", t_f2);
    f->status = r.status;
    api_res_free(&r);
    return NULL;
}

/* Waits (up to 20 s) until every follower has `want` notifications of kind for ref, then
 * checks that none has more: the fan-out job of an interest is expanded after its answer. */
static void wait_notified(char **tok, int n, const char *kind, const char *ref, int want)
{
    for (int i = 0; i < n; i++) {
        int got = 0;
        for (int tries = 0; tries < 2000 && (got = count_notifications(tok[i], kind, ref)) < want;
             tries++)
            usleep(10000);
        CHECK_EQ(got, want);
    }
}

/* Every follower is notified exactly once per acknowledged interest in the store, and gets
 * its e-mail at least once in the spool, whenever the server is killed (right after the
 * answer, while the fan-out job is expanded chunk by chunk and the spool written; or while
 * the write is in flight, when the interest and its fan-out job exist together or not at
 * all). The server runs with every follower list fanned out by a job, in chunks of 5. */
static void fanout_survives_kill9(void)
{
    enum { N = 24, ROUNDS = 4 };
    char *tok[N], name[N][32], id[64], p[200];
    char deadline[16];
    api_day(30, deadline);
    api_res r = create(t_admin, profile, "Crash-proof consortium", deadline);
    api_expect(&r, 201);
    snprintf(id, sizeof(id), "%s", api_jstr(r.json, "id"));
    api_res_free(&r);
    snprintf(p, sizeof(p), "/v1/partner-searches/%s/follow", id);
    for (int i = 0; i < N; i++) {
        snprintf(name[i], sizeof(name[i]), "fan%02d", i);
        tok[i] = api_signup(&srv, name[i], "a long password");
        r = call("PUT", p, NULL, tok[i]);
        api_expect(&r, 204);
        api_res_free(&r);
    }
    /* every follower list through a job, expanded 5 followers per commit */
    setenv("ECCPD_FANOUT_INLINE", "0", 1);
    setenv("ECCPD_FANOUT_CHUNK", "5", 1);
    api_stop(&srv);
    api_start(&srv, srv.dir, NULL);
    srand((unsigned)time(NULL));
    int acknowledged = 0;
    for (int round = 0; round < ROUNDS; round++) {
        inflight f;
        snprintf(f.path, sizeof(f.path), "/v1/partner-searches/%s/interests", id);
        f.status = 0;
        if (round % 2 == 0) {
            post_interest(&f); /* answered, then killed at once or a moment later */
            api_expect(&(api_res){.status = f.status}, 201);
            usleep((useconds_t)(rand() % 3000));
            api_kill9(&srv);
        } else {
            pthread_t th;
            CHECK_EQ(pthread_create(&th, NULL, post_interest, &f), 0);
            usleep((useconds_t)(rand() % 4000));
            api_kill9(&srv);
            pthread_join(th, NULL);
        }
        api_start(&srv, srv.dir, NULL);
        /* the interest exists exactly when its notifications do */
        snprintf(p, sizeof(p), "/v1/partner-searches/%s", id);
        r = call("GET", p, NULL, NULL);
        api_expect(&r, 200);
        long interests = api_jint(r.json, "interests_count");
        api_res_free(&r);
        if (f.status == 201)
            CHECK_EQ(interests, acknowledged + 1);
        CHECK(interests == acknowledged || interests == acknowledged + 1);
        acknowledged = (int)interests;
        wait_notified(tok, N, "partner_search.interest", id, acknowledged);
    }
    CHECK_GE(acknowledged, ROUNDS / 2);
    /* a follower who came after the interests is not notified of them; the next interest
     * reaches everyone, the late follower too, once */
    char *late = api_signup(&srv, "fanlate", "a long password");
    snprintf(p, sizeof(p), "/v1/partner-searches/%s/follow", id);
    r = call("PUT", p, NULL, late);
    api_expect(&r, 204);
    api_res_free(&r);
    inflight f;
    snprintf(f.path, sizeof(f.path), "/v1/partner-searches/%s/interests", id);
    post_interest(&f);
    api_expect(&(api_res){.status = f.status}, 201);
    acknowledged++;
    wait_notified(tok, N, "partner_search.interest", id, acknowledged);
    wait_notified(&late, 1, "partner_search.interest", id, 1);
    /* one job notified them all: the notification's id is the job's, the same for each */
    char first[64] = "";
    for (int i = 0; i < N; i++) {
        api_res n = call("GET", "/v1/me/notifications?per_page=1", NULL, tok[i]);
        api_expect(&n, 200);
        const char *nid =
            api_jstr(cJSON_GetArrayItem(cJSON_GetObjectItem(n.json, "items"), 0), "id");
        CHECK(nid != NULL);
        if (i == 0)
            snprintf(first, sizeof(first), "%s", nid);
        CHECK_STR_EQ(nid, first);
        api_res_free(&n);
    }
    usleep(200000); /* nothing more arrives later */
    wait_notified(tok, N, "partner_search.interest", id, acknowledged);
    free(late);
    /* at least once in the spool: every follower has an e-mail per acknowledged interest */
    for (int i = 0; i < N; i++) {
        char to[64];
        snprintf(to, sizeof(to), "%.30s@example.eu", name[i]);
        int n = 0;
        for (int tries = 0;
             tries < 300 && (n = spool_count(to, "Crash-proof consortium")) < acknowledged; tries++)
            usleep(10000);
        CHECK_GE(n, acknowledged);
        free(tok[i]);
    }
}

static void documented_in_openapi(void)
{
    api_res r = call("GET", "/openapi.json", NULL, NULL);
    api_expect(&r, 200);
    cJSON *paths = cJSON_GetObjectItem(r.json, "paths");
    const char *documented[][2] = {{"/v1/partner-searches", "post"},
                                   {"/v1/partner-searches", "get"},
                                   {"/v1/partner-searches/{id}", "get"},
                                   {"/v1/partner-searches/{id}", "patch"},
                                   {"/v1/partner-searches/{id}/close", "post"},
                                   {"/v1/partner-searches/{id}/follow", "put"},
                                   {"/v1/partner-searches/{id}/follow", "delete"},
                                   {"/v1/partner-searches/{id}/interests", "post"},
                                   {"/v1/partner-searches/{id}/interests", "get"},
                                   {"/v1/partner-searches/{id}/comments", "post"},
                                   {"/v1/partner-searches/{id}/comments", "get"},
                                   {"/v1/attachments", "post"},
                                   {"/v1/attachments/{id}", "get"}};
    for (size_t i = 0; i < sizeof(documented) / sizeof(documented[0]); i++) {
        cJSON *op =
            cJSON_GetObjectItem(cJSON_GetObjectItem(paths, documented[i][0]), documented[i][1]);
        if (op == NULL)
            fprintf(stderr, "undocumented: %s %s\n", documented[i][1], documented[i][0]);
        CHECK(op != NULL && cJSON_GetObjectItem(op, "responses") != NULL);
    }
    cJSON *schemas = cJSON_GetObjectItem(cJSON_GetObjectItem(r.json, "components"), "schemas");
    CHECK(cJSON_GetObjectItem(schemas, "PartnerSearch") != NULL);
    api_res_free(&r);
}

int main(int argc, char **argv)
{
    CHECK(argc == 2);
    api_binary = argv[1];
    curl_global_init(CURL_GLOBAL_ALL);
    api_kill_on_abort(&srv);
    setup();
    RUN(documented_in_openapi);
    RUN(who_may_create);
    RUN(edit_and_read);
    RUN(follow_interest_comment);
    RUN(notifications_page_and_read);
    RUN(close_and_list);
    RUN(found_by_search);
    RUN(closes_by_itself_after_the_deadline);
    RUN(fanout_survives_kill9); /* last: it restarts the server with fan-out jobs forced */
    api_stop(&srv);
    api_cleanup(&srv);
    return 0;
}
