/*
 * API tests of profile content against the real binary: news on a profile (who may post,
 * edit and delete it; 422 for bad fields and unknown attachments; newest first; public
 * only while the profile is public, its admins and moderators always; found by search as
 * kind `news` linked to its profile; gone with the profile, from the list and from search);
 * the logo and the contact photo (PNG or JPEG judged by bytes, 415 otherwise, 413 above
 * 2 MiB, 422 for sides above 4,096 px; served with ETag and Cache-Control, 304 on
 * If-None-Match; public at once on a published profile, hidden on a draft but linked from
 * the moderation queue; removed on DELETE and with the profile); newsletters chosen with
 * PUT /v1/me/newsletters; every e-mail carries List-Unsubscribe and List-Unsubscribe-Post
 * (RFC 8058) with an opaque token whose POST, without signing in, stops that kind of
 * e-mail, idempotently; GET /v1/me/export gathers every record about the caller;
 * DELETE /v1/me erases the account (409 naming a profile the caller alone administers;
 * sessions revoked; the comment kept as "a former user"; the username reserved for a grace
 * period; the raw store files, after a compaction, hold none of the e-mail, name or
 * password hash, which they did hold before).
 */
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "harness.h"
#include "core/arena.h"
#include "core/record.h"
#include "core/store.h"

#include <dirent.h>
#include <sys/stat.h>

static api_server srv;
static char *t_mod, *t_admin, *t_stranger;
static char profile[64], draft[64];

static api_res call(const char *method, const char *path, const char *json, const char *token)
{
    return api_json(&srv, API_H1, method, path, json, token);
}

static void setup(void)
{
    t_mod = api_start_moderated(&srv);
    t_admin = api_signup(&srv, "admin", "a long password");
    t_stranger = api_signup(&srv, "stranger", "a long password");
    api_make_profile(&srv, t_admin, t_mod, "cluster_organisation", "Hydrogen Valley Cluster", true,
                     profile);
    char *t_other = api_signup(&srv, "drafter", "a long password");
    api_make_profile(&srv, t_other, t_mod, "cluster_organisation", "Quiet Draft Cluster", false,
                     draft);
    free(t_other);
}

static void post(const char *pid, const char *token, const char *body, long status, char *id)
{
    char p[160];
    snprintf(p, sizeof(p), "/v1/profiles/%s/news", pid);
    api_res r = call("POST", p, body, token);
    api_expect(&r, status);
    if (id != NULL && r.json != NULL && api_jstr(r.json, "id") != NULL)
        snprintf(id, 64, "%s", api_jstr(r.json, "id"));
    api_res_free(&r);
}

static char first_news[64], second_news[64];

static void who_may_post_and_what(void)
{
    const char *ok = "{\"title\":\"Hydrogen Valley kick-off\",\"body\":\"Our hydrogen valley "
                     "starts on Monday with forty members.\",\"attachments\":[]}";
    post(profile, NULL, ok, 401, NULL);
    post(profile, t_stranger, ok, 403, NULL);
    post(profile, t_mod, ok, 403, NULL); /* moderators moderate; admins post */
    post("01HZZZZZZZZZZZZZZZZZZZZZZZ", t_admin, ok, 404, NULL);

    char p[160];
    snprintf(p, sizeof(p), "/v1/profiles/%s/news", profile);
    api_res r = call("POST", p, "{\"title\":\"\",\"colour\":1}", t_admin);
    api_expect(&r, 422);
    const cJSON *fields = cJSON_GetObjectItem(cJSON_GetObjectItem(r.json, "error"), "fields");
    CHECK(cJSON_GetObjectItem(fields, "title") != NULL);
    CHECK(cJSON_GetObjectItem(fields, "body") != NULL);
    CHECK(cJSON_GetObjectItem(fields, "colour") != NULL);
    api_res_free(&r);
    r = call("POST", p,
             "{\"title\":\"T\",\"body\":\"B\",\"attachments\":[\"01HZZZZZZZZZZZZZZZZZZZZZZZ\"]}",
             t_admin);
    api_expect(&r, 422);
    CHECK(strstr(r.body, "POST /v1/attachments") != NULL);
    api_res_free(&r);
    /* nothing was stored by the refused posts */
    r = call("GET", p, NULL, NULL);
    api_expect(&r, 200);
    CHECK_EQ(api_jint(r.json, "total"), 0);
    api_res_free(&r);

    post(profile, t_admin, ok, 201, first_news);
    /* an attachment uploaded first is named by id */
    static const char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x02\0\0\0";
    char auth[512];
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", t_admin);
    const char *h[] = {auth, "X-Filename: programme.png", NULL};
    r = api_call(&srv, API_H1, "POST", "/v1/attachments", "image/png", png, sizeof(png) - 1, h);
    api_expect(&r, 201);
    char att[64];
    snprintf(att, sizeof(att), "%s", api_jstr(r.json, "id"));
    api_res_free(&r);
    char body[512];
    snprintf(body, sizeof(body),
             "{\"title\":\"Programme of the second day\",\"body\":\"Workshops on "
             "electrolysers.\",\"attachments\":[\"%s\"]}",
             att);
    snprintf(p, sizeof(p), "/v1/profiles/%s/news", profile);
    r = call("POST", p, body, t_admin);
    api_expect(&r, 201);
    snprintf(second_news, sizeof(second_news), "%s", api_jstr(r.json, "id"));
    CHECK(api_jstr(r.json, "published_at") != NULL);
    CHECK(strchr(api_jstr(r.json, "published_at"), 'T') != NULL); /* RFC 3339 */
    const cJSON *atts = cJSON_GetObjectItem(r.json, "attachments");
    CHECK_EQ(cJSON_GetArraySize(atts), 1);
    CHECK_STR_EQ(api_jstr(cJSON_GetArrayItem(atts, 0), "id"), att);
    CHECK_STR_EQ(api_jstr(cJSON_GetArrayItem(atts, 0), "filename"), "programme.png");
    api_res_free(&r);
}

static void listed_newest_first_and_public_while_published(void)
{
    char p[160];
    snprintf(p, sizeof(p), "/v1/profiles/%s/news", profile);
    api_res r = call("GET", p, NULL, NULL);
    api_expect(&r, 200);
    CHECK_EQ(api_jint(r.json, "total"), 2);
    const cJSON *items = cJSON_GetObjectItem(r.json, "items");
    CHECK_STR_EQ(api_jstr(cJSON_GetArrayItem(items, 0), "id"), second_news);
    CHECK_STR_EQ(api_jstr(cJSON_GetArrayItem(items, 1), "id"), first_news);
    api_res_free(&r);
    r = call("GET", "/v1/profiles/01HZZZZZZZZZZZZZZZZZZZZZZZ/news", NULL, NULL);
    api_expect(&r, 404);
    api_res_free(&r);
    r = call("GET", p, NULL, NULL); /* pages */
    api_res_free(&r);
    char q[200];
    snprintf(q, sizeof(q), "/v1/profiles/%s/news?per_page=1&page=2", profile);
    r = call("GET", q, NULL, NULL);
    api_expect(&r, 200);
    CHECK_EQ(api_jint(r.json, "total"), 2);
    CHECK_STR_EQ(api_jstr(cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "items"), 0), "id"),
                 first_news);
    api_res_free(&r);

    /* a draft profile's news: its admin posts and reads, the public sees nothing */
    char *t_drafter = api_login(&srv, "drafter", "a long password");
    char id[64];
    post(draft, t_drafter, "{\"title\":\"Secret launch plans\",\"body\":\"Not yet.\"}", 201, id);
    snprintf(p, sizeof(p), "/v1/profiles/%s/news", draft);
    r = call("GET", p, NULL, NULL);
    api_expect(&r, 404);
    api_res_free(&r);
    r = call("GET", p, NULL, t_stranger);
    api_expect(&r, 404);
    api_res_free(&r);
    r = call("GET", p, NULL, t_drafter);
    api_expect(&r, 200);
    CHECK_EQ(api_jint(r.json, "total"), 1);
    api_res_free(&r);
    r = call("GET", p, NULL, t_mod);
    api_expect(&r, 200);
    api_res_free(&r);
    r = call("GET", "/v1/search?q=secret%20launch", NULL, NULL);
    api_expect(&r, 200);
    CHECK_EQ(api_jint(r.json, "total"), 0);
    api_res_free(&r);
    free(t_drafter);
}

static void found_by_search_linked_to_its_profile(void)
{
    api_res r = call("GET", "/v1/search?q=hydrogen%20valley%20kick-off&kind=news", NULL, NULL);
    api_expect(&r, 200);
    CHECK(api_jint(r.json, "total") >= 1);
    const cJSON *hit = cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "hits"), 0);
    CHECK_STR_EQ(api_jstr(hit, "kind"), "news");
    CHECK_STR_EQ(api_jstr(hit, "id"), first_news);
    CHECK_STR_EQ(api_jstr(hit, "profile_id"), profile);
    CHECK_STR_EQ(api_jstr(hit, "name"), "Hydrogen Valley kick-off");
    api_res_free(&r);
    /* the search box finds it among every kind */
    r = call("GET", "/v1/search?q=hydrogen%20valley%20kick-off", NULL, NULL);
    api_expect(&r, 200);
    CHECK(strstr(r.body, first_news) != NULL);
    api_res_free(&r);
}

static void edited_and_deleted_by_admins(void)
{
    char p[200];
    snprintf(p, sizeof(p), "/v1/profiles/%s/news/%s", profile, first_news);
    api_res r = call("PATCH", p, "{\"title\":\"Renamed\"}", t_stranger);
    api_expect(&r, 403);
    api_res_free(&r);
    r = call("PATCH", p, "{\"title\":\"\"}", t_admin);
    api_expect(&r, 422);
    api_res_free(&r);
    r = call("PATCH", p, "{\"title\":\"Hydrogen Valley kick-off, postponed\"}", t_admin);
    api_expect(&r, 200);
    CHECK_STR_EQ(api_jstr(r.json, "title"), "Hydrogen Valley kick-off, postponed");
    CHECK(strstr(api_jstr(r.json, "body"), "forty members") != NULL);
    api_res_free(&r);
    r = call("GET", "/v1/search?q=postponed&kind=news", NULL, NULL);
    api_expect(&r, 200);
    CHECK_EQ(api_jint(r.json, "total"), 1);
    api_res_free(&r);
    /* news of another profile is not reachable through this one */
    char other[200];
    snprintf(other, sizeof(other), "/v1/profiles/%s/news/%s", draft, first_news);
    r = call("DELETE", other, NULL, t_admin);
    CHECK(r.status == 403 || r.status == 404);
    api_res_free(&r);
    r = call("DELETE", p, NULL, t_stranger);
    api_expect(&r, 403);
    api_res_free(&r);
    r = call("DELETE", p, NULL, t_admin);
    api_expect(&r, 204);
    api_res_free(&r);
    r = call("DELETE", p, NULL, t_admin);
    api_expect(&r, 404);
    api_res_free(&r);
    r = call("GET", "/v1/search?q=postponed&kind=news", NULL, NULL);
    api_expect(&r, 200);
    CHECK_EQ(api_jint(r.json, "total"), 0);
    api_res_free(&r);
}

/* A PNG's signature and IHDR chunk for w x h (the rest of a file does not matter here). */
static size_t png(char *out, unsigned long w, unsigned long h)
{
    static const char head[] = "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR";
    memcpy(out, head, 16);
    unsigned char *p = (unsigned char *)out + 16;
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(w >> (24 - 8 * i)), p[4 + i] = (unsigned char)(h >> (24 - 8 * i));
    memcpy(out + 24, "\x08\x02\0\0\0\x01\x02\x03\x04\0\0\0\0IEND\xae\x42\x60\x82", 21);
    return 45;
}

/* A JPEG's start, an APP0 segment, then a baseline frame header for w x h. */
static size_t jpeg(char *out, unsigned w, unsigned h)
{
    static const unsigned char head[] = {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J',  'F',  'I',
                                         'F',  0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01,
                                         0x00, 0x00, 0xFF, 0xC0, 0x00, 0x11, 0x08};
    memcpy(out, head, sizeof(head));
    unsigned char *p = (unsigned char *)out + sizeof(head);
    p[0] = (unsigned char)(h >> 8), p[1] = (unsigned char)h, p[2] = (unsigned char)(w >> 8),
    p[3] = (unsigned char)w;
    memset(p + 4, 1, 10);
    p[14] = 0xFF, p[15] = 0xD9;
    return sizeof(head) + 16;
}

static api_res put_image(const char *path, const char *token, const char *bytes, size_t len)
{
    char auth[512];
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token ? token : "");
    const char *h[] = {auth, NULL};
    return api_call(&srv, API_H1, "PUT", path, "image/png", bytes, len, token ? h : NULL);
}

static void logo_and_photo(void)
{
    char logo[160], photo[160], buf[128];
    snprintf(logo, sizeof(logo), "/v1/profiles/%s/logo", profile);
    snprintf(photo, sizeof(photo), "/v1/profiles/%s/contact/photo", profile);
    size_t n = png(buf, 64, 32);
    api_res r = call("GET", logo, NULL, NULL);
    api_expect(&r, 404);
    api_res_free(&r);
    r = put_image(logo, NULL, buf, n);
    api_expect(&r, 401);
    api_res_free(&r);
    r = put_image(logo, t_stranger, buf, n);
    api_expect(&r, 403);
    api_res_free(&r);
    r = put_image(logo, t_admin, "GIF89a not accepted", 19); /* judged by content */
    api_expect(&r, 415);
    api_res_free(&r);
    char big_png[64];
    size_t bn = png(big_png, 5000, 10);
    r = put_image(logo, t_admin, big_png, bn);
    api_expect(&r, 422);
    CHECK(strstr(r.body, "4096") != NULL);
    api_res_free(&r);
    size_t huge = 2 * 1024 * 1024 + 1;
    char *blob = calloc(1, huge);
    memcpy(blob, buf, n);
    r = put_image(logo, t_admin, blob, huge);
    api_expect(&r, 413);
    api_res_free(&r);
    free(blob);
    r = call("GET", logo, NULL, NULL); /* nothing refused was kept */
    api_expect(&r, 404);
    api_res_free(&r);

    r = put_image(logo, t_admin, buf, n);
    api_expect(&r, 204);
    api_res_free(&r);
    r = call("GET", logo, NULL, NULL); /* public at once on a published profile */
    api_expect(&r, 200);
    CHECK_EQ(r.len, n);
    CHECK(memcmp(r.body, buf, n) == 0);
    char h[256], etag[128];
    CHECK_STR_EQ(api_header(&r, "content-type", h, sizeof(h)), "image/png");
    CHECK(strstr(api_header(&r, "cache-control", h, sizeof(h)), "public") != NULL);
    CHECK(api_header(&r, "etag", etag, sizeof(etag)) != NULL);
    api_res_free(&r);
    char inm[200];
    snprintf(inm, sizeof(inm), "If-None-Match: %s", etag);
    const char *hh[] = {inm, NULL};
    r = api_call(&srv, API_H1, "GET", logo, NULL, NULL, 0, hh);
    api_expect(&r, 304);
    api_res_free(&r);
    /* a new logo has a new ETag */
    n = png(buf, 128, 128);
    r = put_image(logo, t_admin, buf, n);
    api_expect(&r, 204);
    api_res_free(&r);
    r = api_call(&srv, API_H1, "GET", logo, NULL, NULL, 0, hh);
    api_expect(&r, 200);
    CHECK(strcmp(api_header(&r, "etag", h, sizeof(h)), etag) != 0);
    api_res_free(&r);

    /* the contact person's photo, a JPEG: "the photo is of another person" is fixed by PUT */
    char jb[64];
    size_t jn = jpeg(jb, 300, 400);
    r = put_image(photo, t_admin, jb, jn);
    api_expect(&r, 204);
    api_res_free(&r);
    r = call("GET", photo, NULL, NULL);
    api_expect(&r, 200);
    CHECK_STR_EQ(api_header(&r, "content-type", h, sizeof(h)), "image/jpeg");
    api_res_free(&r);
    jn = jpeg(jb, 5000, 400);
    r = put_image(photo, t_admin, jb, jn);
    api_expect(&r, 422);
    api_res_free(&r);
    r = call("DELETE", photo, NULL, t_stranger);
    api_expect(&r, 403);
    api_res_free(&r);
    r = call("DELETE", photo, NULL, t_admin);
    api_expect(&r, 204);
    api_res_free(&r);
    r = call("GET", photo, NULL, NULL);
    api_expect(&r, 404);
    api_res_free(&r);
    r = call("DELETE", photo, NULL, t_admin);
    api_expect(&r, 404);
    api_res_free(&r);

    /* a draft's logo: hidden from the public, shown to moderators beside the draft */
    char *t_drafter = api_login(&srv, "drafter", "a long password");
    char dlogo[160];
    snprintf(dlogo, sizeof(dlogo), "/v1/profiles/%s/logo", draft);
    r = put_image(dlogo, t_drafter, buf, n);
    api_expect(&r, 204);
    api_res_free(&r);
    r = call("GET", dlogo, NULL, NULL);
    api_expect(&r, 404);
    api_res_free(&r);
    r = call("GET", dlogo, NULL, t_drafter);
    api_expect(&r, 200);
    CHECK(strstr(api_header(&r, "cache-control", h, sizeof(h)), "private") != NULL);
    api_res_free(&r);
    char p[160];
    snprintf(p, sizeof(p), "/v1/profiles/%s/submit", draft);
    r = call("POST", p, NULL, t_drafter);
    api_expect(&r, 200);
    api_res_free(&r);
    r = call("GET", "/v1/moderation/queue", NULL, t_mod);
    api_expect(&r, 200);
    const cJSON *it = cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "items"), 0);
    CHECK_STR_EQ(api_jstr(it, "id"), draft);
    const cJSON *images = cJSON_GetObjectItem(it, "images");
    CHECK_STR_EQ(api_jstr(images, "logo"), dlogo);
    CHECK(cJSON_IsNull(cJSON_GetObjectItem(images, "contact_photo")));
    api_res_free(&r);
    r = call("GET", dlogo, NULL, t_mod);
    api_expect(&r, 200);
    api_res_free(&r);
    free(t_drafter);
}

/* The token of the first e-mail containing needle (its List-Unsubscribe link), into tok. */
static void unsubscribe_token(const char *needle, char *mail, size_t len, char tok[128])
{
    CHECK(api_outbox_find(&srv, needle, mail, len));
    CHECK(strstr(mail, "\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n") != NULL);
    const char *l = strstr(mail, "\r\nList-Unsubscribe: <http");
    CHECK(l != NULL);
    const char *t = strstr(l, "/v1/unsubscribe/");
    CHECK(t != NULL);
    t += strlen("/v1/unsubscribe/");
    size_t n = strcspn(t, ">");
    CHECK(n > 20 && n < 128);
    memcpy(tok, t, n);
    tok[n] = '\0';
}

static api_res one_click(const char *tok)
{
    char p[256];
    snprintf(p, sizeof(p), "/v1/unsubscribe/%s", tok);
    static const char form[] = "List-Unsubscribe=One-Click";
    return api_call(&srv, API_H1, "POST", p, "application/x-www-form-urlencoded", form,
                    sizeof(form) - 1, NULL);
}

static void newsletters_and_unsubscribe(void)
{
    api_res r = call("PUT", "/v1/me/newsletters", "[\"monthly\"]", NULL);
    api_expect(&r, 401);
    api_res_free(&r);
    r = call("PUT", "/v1/me/newsletters", "[\"weekly\"]", t_stranger);
    api_expect(&r, 422);
    CHECK(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(r.json, "error"), "fields"),
                              "newsletters") != NULL);
    api_res_free(&r);
    r = call("PUT", "/v1/me/newsletters", "[\"monthly\",\"monthly\"]", t_stranger);
    api_expect(&r, 422);
    api_res_free(&r);
    r = call("PUT", "/v1/me/newsletters", "[\"quarterly\",\"monthly\"]", t_stranger);
    api_expect(&r, 204);
    api_res_free(&r);
    r = call("GET", "/v1/me", NULL, t_stranger);
    api_expect(&r, 200);
    const cJSON *user = cJSON_GetObjectItem(r.json, "user");
    const cJSON *nl = cJSON_GetObjectItem(user ? user : r.json, "newsletters");
    CHECK_EQ(cJSON_GetArraySize(nl), 2);
    api_res_free(&r);
    r = call("PUT", "/v1/me/newsletters", "[]", t_stranger);
    api_expect(&r, 204);
    api_res_free(&r);
    r = call("GET", "/v1/me", NULL, t_stranger);
    user = cJSON_GetObjectItem(r.json, "user");
    CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(user ? user : r.json, "newsletters")), 0);
    api_res_free(&r);

    /* a notification e-mail (the admin's profile was published) carries the headers */
    static char mail[65536];
    char tok[128];
    unsubscribe_token("To: admin@example.eu", mail, sizeof(mail), tok);
    CHECK(strstr(tok, "admin") == NULL);

    /* every e-mail carries the headers (API.md), a password reset's too */
    r = call("POST", "/v1/password-resets", "{\"email\":\"stranger@example.eu\"}", NULL);
    api_expect(&r, 202);
    api_res_free(&r);
    CHECK_EQ(api_outbox_count(&srv, "To: stranger@example.eu", 1), 1);
    unsubscribe_token("To: stranger@example.eu", mail, sizeof(mail), tok);
    CHECK(strstr(mail, "Reset your password") != NULL);
    r = one_click("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    api_expect(&r, 404);
    api_res_free(&r);

    /* a notification kind: one click stops it, twice is the same as once. The drafter's
     * profile waits in the queue (logo_and_photo): changes requested twice, one e-mail. */
    char p[160];
    snprintf(p, sizeof(p), "/v1/profiles/%s/moderation", draft);
    r = call("POST", p, "{\"decision\":\"request_changes\",\"note\":\"Add a city.\"}", t_mod);
    api_expect(&r, 200);
    api_res_free(&r);
    CHECK_EQ(api_outbox_count(&srv, "Changes requested", 1), 1);
    unsubscribe_token("Changes requested", mail, sizeof(mail), tok);
    CHECK(strstr(mail, "To: drafter@example.eu") != NULL);
    r = one_click(tok);
    api_expect(&r, 204);
    api_res_free(&r);
    r = one_click(tok);
    api_expect(&r, 204);
    api_res_free(&r);
    char *t_drafter = api_login(&srv, "drafter", "a long password");
    char sub[160];
    snprintf(sub, sizeof(sub), "/v1/profiles/%s/submit", draft);
    r = call("POST", sub, NULL, t_drafter);
    api_expect(&r, 200);
    api_res_free(&r);
    r = call("POST", p, "{\"decision\":\"request_changes\",\"note\":\"And a website.\"}", t_mod);
    api_expect(&r, 200);
    api_res_free(&r);
    r = call("GET", "/v1/me/notifications", NULL, t_drafter); /* still listed in the app */
    api_expect(&r, 200);
    CHECK(strstr(r.body, "And a website.") != NULL);
    api_res_free(&r);
    sleep(1);
    CHECK_EQ(api_outbox_count(&srv, "Changes requested", 2), 1);
    r = call("POST", sub, NULL, t_drafter); /* back in the queue, as the next tests expect */
    api_expect(&r, 200);
    api_res_free(&r);
    free(t_drafter);
}

static char ps[64]; /* a partner search of the admin's profile */

static void export_everything_about_me(void)
{
    /* a partner search of the admin's profile, which the stranger follows, comments on and
     * is interested in */
    char body[1024], deadline[16];
    time_t in_a_month = time(NULL) + 30 * 86400;
    strftime(deadline, sizeof(deadline), "%Y-%m-%d", gmtime(&in_a_month));
    snprintf(body, sizeof(body),
             "{\"profile_id\":\"%s\",\"title\":\"Electrolyser consortium\",\"description\":"
             "\"Partners wanted.\",\"kind\":\"consortium\",\"ecosystems\":[\"digital\"],"
             "\"deadline\":\"%s\"}",
             profile, deadline);
    api_res r = call("POST", "/v1/partner-searches", body, t_admin);
    api_expect(&r, 201);
    char p[200];
    snprintf(ps, sizeof(ps), "%s", api_jstr(r.json, "id"));
    api_res_free(&r);
    snprintf(p, sizeof(p), "/v1/partner-searches/%s/follow", ps);
    r = call("PUT", p, NULL, t_stranger);
    api_expect(&r, 204);
    api_res_free(&r);
    snprintf(p, sizeof(p), "/v1/partner-searches/%s/comments", ps);
    r = call("POST", p, "{\"text\":\"Is Horizon Europe the call?\"}", t_stranger);
    api_expect(&r, 201);
    api_res_free(&r);
    snprintf(p, sizeof(p), "/v1/partner-searches/%s/interests", ps);
    r = call("POST", p, "{\"organisation\":\"Stranger Labs\",\"message\":\"We build stacks.\"}",
             t_stranger);
    api_expect(&r, 201);
    api_res_free(&r);

    r = call("GET", "/v1/me/export", NULL, NULL);
    api_expect(&r, 401);
    api_res_free(&r);
    r = call("GET", "/v1/me/export", NULL, t_stranger);
    api_expect(&r, 200);
    const cJSON *acc = cJSON_GetObjectItem(r.json, "account");
    CHECK_STR_EQ(api_jstr(acc, "email"), "stranger@example.eu");
    CHECK(cJSON_GetObjectItem(acc, "password_hash") == NULL);
    CHECK(strstr(r.body, "argon2") == NULL);
    CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "follows")), 1);
    const cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "comments"), 0);
    CHECK_STR_EQ(api_jstr(c, "text"), "Is Horizon Europe the call?");
    CHECK_STR_EQ(api_jstr(c, "partner_search_id"), ps);
    CHECK(strchr(api_jstr(c, "created_at"), 'T') != NULL);
    const cJSON *i = cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "interests"), 0);
    CHECK_STR_EQ(api_jstr(i, "organisation"), "Stranger Labs");
    CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "profiles")), 0);
    api_res_free(&r);

    r = call("GET", "/v1/me/export", NULL, t_admin);
    api_expect(&r, 200);
    CHECK_STR_EQ(api_jstr(cJSON_GetObjectItem(r.json, "account"), "email"), "admin@example.eu");
    const cJSON *profs = cJSON_GetObjectItem(r.json, "profiles");
    CHECK_EQ(cJSON_GetArraySize(profs), 1);
    CHECK_STR_EQ(api_jstr(cJSON_GetArrayItem(profs, 0), "id"), profile);
    CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "news")), 1); /* one left */
    const cJSON *notes = cJSON_GetObjectItem(r.json, "notifications");
    CHECK(api_jint(notes, "total") >= 2); /* published; the stranger's comment and interest */
    CHECK(cJSON_GetObjectItem(r.json, "registrations") != NULL);
    CHECK(cJSON_GetObjectItem(r.json, "events") != NULL);
    CHECK(cJSON_GetObjectItem(r.json, "messages") != NULL);
    /* the stranger's interest message is the admin's to read, not an admin's own record */
    CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "interests")), 0);
    api_res_free(&r);
}

/* Whether any file under dir (recursively) holds needle as bytes. */
static bool files_hold(const char *dir, const char *needle)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return false;
    bool found = false;
    struct dirent *e;
    while (!found && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            found = files_hold(path, needle);
            continue;
        }
        FILE *f = fopen(path, "rb");
        if (f == NULL)
            continue;
        char *buf = malloc((size_t)st.st_size + 1);
        size_t n = fread(buf, 1, (size_t)st.st_size, f);
        fclose(f);
        found = memmem(buf, n, needle, strlen(needle)) != NULL;
        free(buf);
    }
    closedir(d);
    return found;
}

/* Stops the server cleanly (what it still had to compact done first), then opens and closes
 * the store once more: a restart, which writes a fresh MANIFEST (the old one's log still
 * names the boundary keys of files the compaction removed). Returns the store's path. */
static void stop_compacted(char *store, size_t len)
{
    api_stop(&srv);
    snprintf(store, len, "%s/data/store", srv.dir);
    core_store *st;
    char *err = NULL;
    CHECK_EQ(core_store_open(store, &st, &err), 0);
    core_store_close(st);
}

static void erasure(void)
{
    static const char *mail_local = "zmo.erasure.target";
    api_res r = call("POST", "/v1/users",
                     "{\"username\":\"Zebulon Marchetti-Oyelaran\",\"email\":"
                     "\"zmo.erasure.target@example.eu\",\"email_confirm\":"
                     "\"zmo.erasure.target@example.eu\",\"password\":\"forget me please\","
                     "\"organisation_name\":\"Oyelaran Widgets\",\"country\":\"FR\","
                     "\"title\":\"Director\",\"newsletters\":[\"monthly\"]}",
                     NULL);
    api_expect(&r, 201);
    char uid[64];
    snprintf(uid, sizeof(uid), "%s", api_jstr(r.json, "id"));
    api_res_free(&r);
    char *tz = api_login(&srv, "zmo.erasure.target@example.eu", "forget me please");
    char *tz2 = api_login(&srv, "Zebulon Marchetti-Oyelaran", "forget me please");
    /* a comment on the admin's partner search (the admin's notification names them) */
    char p[200];
    snprintf(p, sizeof(p), "/v1/partner-searches/%s/comments", ps);
    r = call("POST", p, "{\"text\":\"We would join with our widgets.\"}", tz);
    api_expect(&r, 201);
    api_res_free(&r);
    /* a profile they alone administer */
    char mine[64];
    api_make_profile(&srv, tz, t_mod, "cluster_organisation", "Oyelaran Cluster", false, mine);

    r = call("DELETE", "/v1/me", "{\"password\":\"wrong password\"}", tz);
    api_expect(&r, 401);
    api_res_free(&r);
    r = call("DELETE", "/v1/me", "{}", tz);
    api_expect(&r, 422);
    api_res_free(&r);
    r = call("DELETE", "/v1/me", "{\"password\":\"forget me please\"}", tz);
    api_expect(&r, 409);
    CHECK(strstr(r.body, "Oyelaran Cluster") != NULL);
    CHECK(strstr(r.body, mine) != NULL);
    api_res_free(&r);
    /* handed over: the stranger becomes an admin too */
    snprintf(p, sizeof(p), "/v1/profiles/%s/admins", mine);
    r = call("POST", p, "{\"email\":\"stranger@example.eu\"}", tz);
    api_expect(&r, 200);
    api_res_free(&r);

    /* before: the raw store holds the e-mail, the name and the hash (a positive control) */
    char store[512], hash[256] = "";
    stop_compacted(store, sizeof(store));
    {
        core_store *st;
        char *err = NULL;
        CHECK_EQ(core_store_open(store, &st, &err), 0);
        core_arena a;
        core_arena_init(&a);
        core_value u;
        CHECK_EQ(core_record_get(st, "user", uid, &a, &u), 0);
        const char *h = core_value_get_str(&u, "password_hash");
        CHECK(h != NULL);
        const char *last = strrchr(h, '$'); /* the hash itself, after the parameters */
        snprintf(hash, sizeof(hash), "%s", last + 1);
        core_arena_dispose(&a);
        core_store_close(st);
    }
    CHECK(strlen(hash) >= 20);
    CHECK(files_hold(store, mail_local));
    CHECK(files_hold(store, "Marchetti-Oyelaran"));
    CHECK(files_hold(store, hash));
    api_start(&srv, srv.dir, NULL);

    r = call("DELETE", "/v1/me", "{\"password\":\"forget me please\"}", tz);
    api_expect(&r, 204);
    api_res_free(&r);
    /* every session is revoked */
    r = call("GET", "/v1/me", NULL, tz);
    api_expect(&r, 401);
    api_res_free(&r);
    r = call("GET", "/v1/me", NULL, tz2);
    api_expect(&r, 401);
    api_res_free(&r);
    r = call("POST", "/v1/sessions",
             "{\"login\":\"zmo.erasure.target@example.eu\",\"password\":\"forget me please\"}",
             NULL);
    api_expect(&r, 401);
    api_res_free(&r);
    /* the profile stays with its other admin */
    snprintf(p, sizeof(p), "/v1/profiles/%s?version=draft", mine);
    r = call("GET", p, NULL, t_stranger);
    api_expect(&r, 200);
    CHECK(strstr(r.body, uid) == NULL);
    api_res_free(&r);
    /* the comment stays, by "a former user" */
    snprintf(p, sizeof(p), "/v1/partner-searches/%s/comments", ps);
    r = call("GET", p, NULL, NULL);
    api_expect(&r, 200);
    CHECK(strstr(r.body, "We would join with our widgets.") != NULL);
    CHECK(strstr(r.body, "a former user") != NULL);
    CHECK(strstr(r.body, "Marchetti") == NULL);
    api_res_free(&r);
    r = call("GET", "/v1/me/notifications", NULL, t_admin);
    api_expect(&r, 200);
    CHECK(strstr(r.body, "Marchetti") == NULL);
    CHECK(strstr(r.body, "a former user commented") != NULL);
    api_res_free(&r);
    /* the username is reserved for a while; the e-mail address is free at once */
    r = call("POST", "/v1/users",
             "{\"username\":\"zebulon marchetti-oyelaran\",\"email\":"
             "\"someone.else@example.eu\",\"email_confirm\":\"someone.else@example.eu\","
             "\"password\":\"another long one\",\"organisation_name\":\"X\","
             "\"country\":\"DE\",\"title\":\"T\"}",
             NULL);
    api_expect(&r, 409);
    api_res_free(&r);

    /* after: none of it in the raw files once the store is compacted */
    stop_compacted(store, sizeof(store));
    CHECK(!files_hold(store, mail_local));
    CHECK(!files_hold(store, "Marchetti-Oyelaran"));
    CHECK(!files_hold(store, "Oyelaran Widgets"));
    CHECK(!files_hold(store, hash));

    /* the username is freed after the grace period, which is configurable: with one day
     * it is still reserved; two days later (the clock moved on) anyone may register it */
    static const char again[] =
        "{\"username\":\"Zebulon Marchetti-Oyelaran\",\"email\":\"zmo.new@example.eu\","
        "\"email_confirm\":\"zmo.new@example.eu\",\"password\":\"a new person here\","
        "\"organisation_name\":\"X\",\"country\":\"DE\",\"title\":\"T\"}";
    const char *grace[] = {"--username-grace", "1", NULL};
    api_start(&srv, srv.dir, grace);
    r = call("POST", "/v1/users", again, NULL);
    api_expect(&r, 409);
    api_res_free(&r);
    api_stop(&srv);
    setenv("ECCPD_FAULT_CLOCK_SKEW", "172800", 1);
    api_start(&srv, srv.dir, grace);
    unsetenv("ECCPD_FAULT_CLOCK_SKEW");
    r = call("POST", "/v1/users", again, NULL);
    api_expect(&r, 201);
    api_res_free(&r);
    api_stop(&srv);
    api_start(&srv, srv.dir, NULL);
    free(tz), free(tz2);
}

/* DELETE /v1/me checks the password through sign-in's gate: wrong passwords count against
 * the account as failed sign-ins do, and once too many the answer is 429, even for the
 * right one (and sign-in is held back the same way). */
/* eccpd_password_hashes_total of /metrics: the checks admitted through the hashing gate. */
static long long hashes_total(void)
{
    api_res r = call("GET", "/metrics", NULL, NULL);
    api_expect(&r, 200);
    const char *m = r.body ? strstr(r.body, "\neccpd_password_hashes_total ") : NULL;
    long long n = m ? atoll(m + strlen("\neccpd_password_hashes_total ")) : -1;
    api_res_free(&r);
    return n;
}

static void erasure_password_gate(void)
{
    char *tg = api_signup(&srv, "gatecheck", "the right password");
    long long before = hashes_total();
    api_res r0 = call("DELETE", "/v1/me", "{\"password\":\"a first guess\"}", tg);
    api_expect(&r0, 401);
    api_res_free(&r0);
    CHECK(before >= 0);
    CHECK_EQ(hashes_total(), before + 1); /* the check went through the hashing gate */
    for (int i = 0; i < 4; i++) {
        api_res r = call("DELETE", "/v1/me", "{\"password\":\"a guess at it\"}", tg);
        api_expect(&r, 401);
        api_res_free(&r);
    }
    api_res r = call("DELETE", "/v1/me", "{\"password\":\"the right password\"}", tg);
    api_expect(&r, 429);
    char h[64];
    const char *ra = api_header(&r, "retry-after", h, sizeof(h));
    CHECK(ra != NULL && atoi(ra) > 0);
    api_res_free(&r);
    r = call("POST", "/v1/sessions",
             "{\"login\":\"gatecheck\",\"password\":\"the right password\"}", NULL);
    api_expect(&r, 429);
    api_res_free(&r);
    r = call("GET", "/v1/me", NULL, tg); /* not erased */
    api_expect(&r, 200);
    api_res_free(&r);
    free(tg);
}

static void gone_with_the_profile(void)
{
    api_res r = call("GET", "/v1/search?q=electrolysers&kind=news", NULL, NULL);
    api_expect(&r, 200);
    CHECK_EQ(api_jint(r.json, "total"), 1);
    api_res_free(&r);
    char p[160];
    snprintf(p, sizeof(p), "/v1/profiles/%s", profile);
    r = call("DELETE", p, NULL, t_admin);
    api_expect(&r, 204);
    api_res_free(&r);
    r = call("GET", "/v1/search?q=electrolysers&kind=news", NULL, NULL);
    api_expect(&r, 200);
    CHECK_EQ(api_jint(r.json, "total"), 0);
    api_res_free(&r);
    snprintf(p, sizeof(p), "/v1/profiles/%s/news", profile);
    r = call("GET", p, NULL, t_mod);
    api_expect(&r, 404);
    api_res_free(&r);
    snprintf(p, sizeof(p), "/v1/profiles/%s/logo", profile);
    r = call("GET", p, NULL, t_mod);
    api_expect(&r, 404);
    api_res_free(&r);
    /* the record itself is gone: a reindex from the store finds nothing either */
    api_stop(&srv);
    const char *args[] = {"reindex", NULL};
    CHECK_EQ(api_cli(&srv, NULL, args), 0);
    api_start(&srv, srv.dir, NULL);
    r = call("GET", "/v1/search?q=electrolysers", NULL, NULL);
    api_expect(&r, 200);
    CHECK_EQ(api_jint(r.json, "total"), 0);
    api_res_free(&r);
}

/* The stopped server's idempotency entries whose key or stored response holds needle. */
static int idem_holding(const char *store, const char *needle)
{
    core_store *st;
    char *err = NULL;
    CHECK_EQ(core_store_open(store, &st, &err), 0);
    core_iter *it = core_store_iter_prefix(st, CORE_CF_IDEM, (core_slice){"", 0});
    core_slice k, v;
    int n = 0;
    while (core_iter_next(it, &k, &v))
        n += memmem(k.ptr, k.len, needle, strlen(needle)) != NULL ||
             memmem(v.ptr, v.len, needle, strlen(needle)) != NULL;
    core_iter_free(it);
    core_store_close(st);
    return n;
}

static api_res keyed(const char *path, const char *body, const char *token, const char *key)
{
    char auth[300], idem[200];
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token ? token : "");
    snprintf(idem, sizeof(idem), "Idempotency-Key: %s", key);
    const char *h[] = {idem, token ? auth : NULL, NULL};
    return api_call(&srv, API_H1, "POST", path, "application/json", body, strlen(body), h);
}

/* Issue 20: the responses kept for Idempotency-Key replays (a sign-up's holds the e-mail,
 * the username and the organisation) go with the erasure, and leave the raw files. */
static void erasure_forgets_idempotent_responses(void)
{
    static const char body[] =
        "{\"username\":\"Quirina Vasquez-Thorsby\",\"email\":\"qvt.idem.target@example.eu\","
        "\"email_confirm\":\"qvt.idem.target@example.eu\",\"password\":\"forget me too\","
        "\"organisation_name\":\"Thorsby Gadgets\",\"country\":\"FR\",\"title\":\"CTO\"}";
    api_res r = keyed("/v1/users", body, NULL, "qvt-signup-1");
    api_expect(&r, 201);
    char uid[64];
    snprintf(uid, sizeof(uid), "%s", api_jstr(r.json, "id"));
    api_res_free(&r);
    r = keyed("/v1/users", body, NULL, "qvt-signup-1"); /* replayed, so it is kept */
    api_expect(&r, 201);
    char buf[16];
    CHECK_STR_EQ(api_header(&r, "idempotent-replayed", buf, sizeof(buf)), "true");
    api_res_free(&r);
    char *tq = api_login(&srv, "qvt.idem.target@example.eu", "forget me too");
    /* a signed-in write under a key: kept under a key scoped to the person */
    char p[200];
    snprintf(p, sizeof(p), "/v1/partner-searches/%s/comments", ps);
    r = keyed(p, "{\"text\":\"Gadgets for the consortium.\"}", tq, "qvt-comment-1");
    api_expect(&r, 201);
    api_res_free(&r);

    /* before: the idem family holds the e-mail and keys scoped to the person */
    char store[512];
    stop_compacted(store, sizeof(store));
    CHECK(idem_holding(store, "qvt.idem.target") >= 1);
    CHECK(idem_holding(store, uid) >= 2);
    CHECK(idem_holding(store, "Thorsby Gadgets") >= 1);
    api_start(&srv, srv.dir, NULL);

    r = call("DELETE", "/v1/me", "{\"password\":\"forget me too\"}", tq);
    api_expect(&r, 204);
    api_res_free(&r);
    /* the sign-up is no longer replayed (a new account under the same key is made) */
    stop_compacted(store, sizeof(store));
    CHECK_EQ(idem_holding(store, "qvt.idem.target"), 0);
    CHECK_EQ(idem_holding(store, uid), 0);
    CHECK_EQ(idem_holding(store, "Vasquez-Thorsby"), 0);
    CHECK(!files_hold(store, "qvt.idem.target"));
    CHECK(!files_hold(store, "Vasquez-Thorsby"));
    CHECK(!files_hold(store, "Thorsby Gadgets"));
    api_start(&srv, srv.dir, NULL);
    free(tq);
}

/* A stored response is replayed for 24 hours only: past that the key counts as unused (the
 * write runs again: here a 409, the username being taken by the first), and the sweep at
 * start deletes the entry. */
static void idempotent_replay_expires(void)
{
    static const char body[] =
        "{\"username\":\"idem expiry\",\"email\":\"idem.expiry@example.eu\","
        "\"email_confirm\":\"idem.expiry@example.eu\",\"password\":\"a long password\","
        "\"organisation_name\":\"X\",\"country\":\"FR\",\"title\":\"T\"}";
    api_res r = keyed("/v1/users", body, NULL, "expiry-key-1");
    api_expect(&r, 201);
    api_res_free(&r);
    char buf[16];
    /* 23 hours on: still replayed */
    api_stop(&srv);
    setenv("ECCPD_FAULT_CLOCK_SKEW", "82800", 1);
    api_start(&srv, srv.dir, NULL);
    unsetenv("ECCPD_FAULT_CLOCK_SKEW");
    r = keyed("/v1/users", body, NULL, "expiry-key-1");
    api_expect(&r, 201);
    CHECK_STR_EQ(api_header(&r, "idempotent-replayed", buf, sizeof(buf)), "true");
    api_res_free(&r);
    /* 25 hours on: no longer */
    api_stop(&srv);
    setenv("ECCPD_FAULT_CLOCK_SKEW", "90000", 1);
    api_start(&srv, srv.dir, NULL);
    unsetenv("ECCPD_FAULT_CLOCK_SKEW");
    r = keyed("/v1/users", body, NULL, "expiry-key-1");
    api_expect(&r, 409);
    CHECK(api_header(&r, "idempotent-replayed", buf, sizeof(buf)) == NULL);
    api_res_free(&r);
    char store[512];
    stop_compacted(store, sizeof(store));
    CHECK_EQ(idem_holding(store, "expiry-key-1"), 0);
    api_start(&srv, srv.dir, NULL);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s ECCPD_BINARY\n", argv[0]);
        return 2;
    }
    api_binary = argv[1];
    api_kill_on_abort(&srv);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    setup();
    RUN(who_may_post_and_what);
    RUN(listed_newest_first_and_public_while_published);
    RUN(found_by_search_linked_to_its_profile);
    RUN(edited_and_deleted_by_admins);
    RUN(logo_and_photo);
    RUN(newsletters_and_unsubscribe);
    RUN(export_everything_about_me);
    RUN(erasure);
    RUN(erasure_password_gate);
    RUN(erasure_forgets_idempotent_responses);
    RUN(idempotent_replay_expires);
    RUN(gone_with_the_profile);
    api_stop(&srv);
    api_cleanup(&srv);
    curl_global_cleanup();
    return 0;
}
