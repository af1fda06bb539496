/*
 * API tests of events and matchmaking against the real binary: who may do what (the
 * organiser's admins, participants' admins, a stranger, anonymous), validation with
 * fields, on_agenda while the organiser is unpublished, the agenda's filters and order,
 * participants, slots, unavailability, meeting requests with fixed slots that cannot be
 * taken twice, notifications, the scheduler's published result and each participant's
 * agenda as JSON and as iCalendar (parsed back), and cancellation.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "harness.h"

static api_server srv;
static char *t_mod, *t_stranger;

static api_res call(const char *method, const char *path, const char *json, const char *token)
{
    return api_json(&srv, API_H1, method, path, json, token);
}

static void call_expect(const char *method, const char *path, const char *json, const char *token,
                        long status)
{
    api_res r = call(method, path, json, token);
    api_expect(&r, status);
    api_res_free(&r);
}

typedef struct org {
    char *token;
    char profile[64];
} org;

/* A user with a cluster profile, published unless publish is false. */
static void make_org(org *o, const char *user, const char *name, const char *country, bool publish)
{
    o->token = api_signup(&srv, user, "a long password");
    char body[2048];
    snprintf(body, sizeof(body),
             "{\"type\":\"cluster_organisation\",\"name\":\"%s\",\"country\":\"%s\","
             "\"city\":\"C\",\"description\":\"A cluster.\",\"website\":\"https://%s.example\","
             "\"languages\":[\"en\"],\"management_fte\":2,\"members_count\":40,"
             "\"member_composition\":{\"smes\":30,\"research\":10},\"ecosystems\":[\"digital\"],"
             "\"services\":[\"training\",\"matchmaking\"],\"contact\":{\"name\":\"N\","
             "\"email\":\"contact@example.eu\"}}",
             name, country, user);
    api_res r = call("POST", "/v1/profiles", body, o->token);
    api_expect(&r, 201);
    snprintf(o->profile, sizeof(o->profile), "%s", api_jstr(r.json, "id"));
    api_res_free(&r);
    if (!publish)
        return;
    char p[160];
    snprintf(p, sizeof(p), "/v1/profiles/%s/submit", o->profile);
    call_expect("POST", p, NULL, o->token, 200);
    snprintf(p, sizeof(p), "/v1/profiles/%s/moderation", o->profile);
    call_expect("POST", p, "{\"decision\":\"publish\"}", t_mod, 200);
}

static org host, p1, p2, p3, draft;
static char ev[64], path[512];

static const char *P(const char *fmt, const char *a, const char *b)
{
    snprintf(path, sizeof(path), fmt, a, b);
    return path;
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
    api_expect(&r, 201);
    t_mod = strdup(api_jstr(r.json, "token"));
    api_res_free(&r);
    t_stranger = api_signup(&srv, "stranger", "a long password");
    make_org(&host, "host", "Matchmaking Host", "BE", true);
    make_org(&p1, "pone", "Participant One", "DE", true);
    make_org(&p2, "ptwo", "Participant Two", "FR", true);
    make_org(&p3, "pthree", "Participant Three", "IT", true);
    make_org(&draft, "drafty", "Draft Organiser", "ES", false);
}

static api_res create_event(const char *pid, const char *title, const char *kind, const char *start,
                            const char *end, const char *token)
{
    char body[1024];
    snprintf(body, sizeof(body),
             "{\"profile_id\":\"%s\",\"title\":\"%s\",\"kind\":\"%s\",\"starts_at\":\"%s\","
             "\"ends_at\":\"%s\",\"location\":\"Brussels\",\"virtual\":false,"
             "\"description\":\"B2B\",\"ecosystems\":[\"digital\"]}",
             pid, title, kind, start, end);
    return call("POST", "/v1/events", body, token);
}

static void who_may_create(void)
{
    api_res r = create_event(host.profile, "Anonymous", "webinar", "2030-03-01T09:00:00Z",
                             "2030-03-01T10:00:00Z", NULL);
    api_expect(&r, 401);
    api_res_free(&r);
    r = create_event(host.profile, "Stranger's", "webinar", "2030-03-01T09:00:00Z",
                     "2030-03-01T10:00:00Z", t_stranger);
    api_expect(&r, 403);
    api_res_free(&r);
    /* ends before it starts, bad time, unknown kind: 422 naming the fields */
    r = create_event(host.profile, "Bad", "party", "2030-03-01T09:00:00Z", "yesterday", host.token);
    api_expect(&r, 422);
    cJSON *f = cJSON_GetObjectItem(cJSON_GetObjectItem(r.json, "error"), "fields");
    CHECK(cJSON_GetObjectItem(f, "kind") != NULL);
    CHECK(cJSON_GetObjectItem(f, "ends_at") != NULL);
    api_res_free(&r);
    r = create_event(host.profile, "Backwards", "webinar", "2030-03-01T09:00:00Z",
                     "2030-03-01T08:00:00Z", host.token);
    api_expect(&r, 422);
    CHECK(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(r.json, "error"), "fields"),
                              "ends_at") != NULL);
    api_res_free(&r);
    /* the organiser: times come back in RFC 3339 UTC, offsets folded */
    r = create_event(host.profile, "B2B Digital Days", "matchmaking", "2030-03-01T10:00:00+01:00",
                     "2030-03-01T18:00:00+01:00", host.token);
    api_expect(&r, 201);
    snprintf(ev, sizeof(ev), "%s", api_jstr(r.json, "id"));
    CHECK_STR_EQ(api_jstr(r.json, "starts_at"), "2030-03-01T09:00:00Z");
    CHECK_STR_EQ(api_jstr(r.json, "ends_at"), "2030-03-01T17:00:00Z");
    CHECK(cJSON_IsTrue(cJSON_GetObjectItem(r.json, "on_agenda")));
    CHECK_STR_EQ(api_jstr(cJSON_GetObjectItem(r.json, "profile"), "name"), "Matchmaking Host");
    api_res_free(&r);
    r = create_event(host.profile, "Earlier Webinar", "webinar", "2030-02-01T09:00:00Z",
                     "2030-02-01T10:00:00Z", host.token);
    api_expect(&r, 201);
    api_res_free(&r);
}

static void unpublished_organiser_is_off_the_agenda(void)
{
    api_res r = create_event(draft.profile, "Hidden Workshop", "workshop", "2030-01-10T09:00:00Z",
                             "2030-01-10T12:00:00Z", draft.token);
    api_expect(&r, 201);
    CHECK(cJSON_IsFalse(cJSON_GetObjectItem(r.json, "on_agenda")));
    CHECK_STR_EQ(api_jstr(r.json, "agenda_reason"), "the organiser profile is not published");
    char id[64];
    snprintf(id, sizeof(id), "%s", api_jstr(r.json, "id"));
    api_res_free(&r);
    call_expect("GET", P("/v1/events/%s", id, NULL), NULL, t_stranger, 404);
    call_expect("GET", P("/v1/events/%s", id, NULL), NULL, NULL, 404);
    call_expect("GET", P("/v1/events/%s", id, NULL), NULL, draft.token, 200);
    r = call("GET", "/v1/events?from=2029-01-01", NULL, NULL);
    api_expect(&r, 200);
    CHECK(strstr(r.body, "Hidden Workshop") == NULL);
    /* soonest first */
    cJSON *items = cJSON_GetObjectItem(r.json, "items");
    CHECK_EQ(cJSON_GetArraySize(items), 2);
    CHECK_STR_EQ(api_jstr(cJSON_GetArrayItem(items, 0), "title"), "Earlier Webinar");
    CHECK_STR_EQ(api_jstr(cJSON_GetArrayItem(items, 1), "title"), "B2B Digital Days");
    api_res_free(&r);
    r = call("GET", "/v1/events?from=2029-01-01&kind=matchmaking&ecosystem=digital", NULL, NULL);
    api_expect(&r, 200);
    CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "items")), 1);
    api_res_free(&r);
    r = call("GET", "/v1/events?from=2029-01-01&to=2030-02-15", NULL, NULL);
    api_expect(&r, 200);
    CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "items")), 1);
    api_res_free(&r);
    call_expect("GET", "/v1/events?kind=party", NULL, NULL, 400);
    /* search: kind event with facets, the unpublished organiser's event not in it */
    r = call("GET", "/v1/search?q=days&kind=event&facets=kind,ecosystem,country", NULL, NULL);
    api_expect(&r, 200);
    CHECK_EQ(cJSON_GetObjectItem(r.json, "total")->valueint, 1);
    cJSON *hit = cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "hits"), 0);
    CHECK_STR_EQ(api_jstr(hit, "kind"), "event");
    CHECK_STR_EQ(api_jstr(hit, "type"), "matchmaking");
    CHECK_STR_EQ(api_jstr(hit, "country"), "BE");
    cJSON *kf =
        cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(r.json, "facets"), "kind"), 0);
    CHECK_STR_EQ(api_jstr(kf, "value"), "event");
    CHECK_EQ(cJSON_GetObjectItem(kf, "count")->valueint, 1);
    api_res_free(&r);
    r = call("GET", "/v1/search?q=hidden&kind=event", NULL, NULL);
    api_expect(&r, 200);
    CHECK_EQ(cJSON_GetObjectItem(r.json, "total")->valueint, 0);
    api_res_free(&r);
}

static void publishing_the_organiser_puts_its_events_on_the_agenda(void)
{
    char p[160];
    snprintf(p, sizeof(p), "/v1/profiles/%s/submit", draft.profile);
    call_expect("POST", p, NULL, draft.token, 200);
    snprintf(p, sizeof(p), "/v1/profiles/%s/moderation", draft.profile);
    call_expect("POST", p, "{\"decision\":\"publish\"}", t_mod, 200);
    api_res r = call("GET", "/v1/search?q=hidden&kind=event", NULL, NULL);
    api_expect(&r, 200);
    CHECK_EQ(cJSON_GetObjectItem(r.json, "total")->valueint, 1);
    api_res_free(&r);
    r = call("GET", "/v1/events?from=2029-01-01", NULL, t_stranger);
    api_expect(&r, 200);
    cJSON *items = cJSON_GetObjectItem(r.json, "items");
    CHECK_EQ(cJSON_GetArraySize(items), 2); /* the cancelled one is off */
    CHECK_STR_EQ(api_jstr(cJSON_GetArrayItem(items, 0), "title"), "Hidden Workshop");
    CHECK(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetArrayItem(items, 0), "on_agenda")));
    api_res_free(&r);
}

static void edit_and_slots(void)
{
    call_expect("PATCH", P("/v1/events/%s", ev, NULL), "{\"title\":\"Mine\"}", t_stranger, 403);
    call_expect("PATCH", P("/v1/events/%s", ev, NULL), "{\"ends_at\":\"2030-03-01T08:00:00Z\"}",
                host.token, 422);
    api_res r = call("PATCH", P("/v1/events/%s", ev, NULL), "{\"title\":\"B2B Digital Days 2030\"}",
                     host.token);
    api_expect(&r, 200);
    CHECK_STR_EQ(api_jstr(r.json, "title"), "B2B Digital Days 2030");
    api_res_free(&r);
    const char *overlap = "{\"tables\":2,\"slots\":[{\"starts_at\":\"2030-03-01T09:00:00Z\","
                          "\"ends_at\":\"2030-03-01T09:30:00Z\"},{\"starts_at\":"
                          "\"2030-03-01T09:20:00Z\",\"ends_at\":\"2030-03-01T09:50:00Z\"}]}";
    call_expect("PUT", P("/v1/events/%s/slots", ev, NULL), overlap, host.token, 422);
    const char *outside = "{\"tables\":2,\"slots\":[{\"starts_at\":\"2030-03-01T07:00:00Z\","
                          "\"ends_at\":\"2030-03-01T07:30:00Z\"}]}";
    call_expect("PUT", P("/v1/events/%s/slots", ev, NULL), outside, host.token, 422);
    const char *good =
        "{\"tables\":2,\"slots\":["
        "{\"starts_at\":\"2030-03-01T09:00:00Z\",\"ends_at\":\"2030-03-01T09:30:00Z\"},"
        "{\"starts_at\":\"2030-03-01T09:30:00Z\",\"ends_at\":\"2030-03-01T10:00:00Z\"},"
        "{\"starts_at\":\"2030-03-01T10:00:00Z\",\"ends_at\":\"2030-03-01T10:30:00Z\"}]}";
    call_expect("PUT", P("/v1/events/%s/slots", ev, NULL), good, t_stranger, 403);
    call_expect("PUT", P("/v1/events/%s/slots", ev, NULL), good, p1.token, 403);
    r = call("PUT", P("/v1/events/%s/slots", ev, NULL), good, host.token);
    api_expect(&r, 200);
    CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "slots")), 3);
    api_res_free(&r);
}

static void participants(void)
{
    char body[256];
    snprintf(body, sizeof(body), "{\"profile_id\":\"%s\"}", p1.profile);
    call_expect("POST", P("/v1/events/%s/participants", ev, NULL), body, t_stranger, 403);
    call_expect("POST", P("/v1/events/%s/participants", ev, NULL), body, NULL, 401);
    api_res r = call("POST", P("/v1/events/%s/participants", ev, NULL), body, p1.token);
    api_expect(&r, 201);
    CHECK_STR_EQ(api_jstr(r.json, "state"), "applied");
    CHECK_STR_EQ(api_jstr(r.json, "profile_id"), p1.profile);
    api_res_free(&r);
    call_expect("POST", P("/v1/events/%s/participants", ev, NULL), body, p1.token, 409);
    snprintf(body, sizeof(body), "{\"profile_id\":\"%s\"}", draft.profile);
    r = call("POST", P("/v1/events/%s/participants", ev, NULL), body, draft.token);
    api_expect(&r, 422); /* only published profiles take part */
    api_res_free(&r);
    org *others[2] = {&p2, &p3};
    for (int i = 0; i < 2; i++) {
        snprintf(body, sizeof(body), "{\"profile_id\":\"%s\"}", others[i]->profile);
        call_expect("POST", P("/v1/events/%s/participants", ev, NULL), body, others[i]->token, 201);
    }
    /* the organiser was told */
    CHECK(api_outbox_count(&srv, "applied to take part", 3) >= 3);
    const char *d = "{\"decision\":\"accept\"}";
    call_expect("POST", P("/v1/events/%s/participants/%s/decision", ev, p1.profile), d, p1.token,
                403);
    call_expect("POST", P("/v1/events/%s/participants/%s/decision", ev, p1.profile), d, t_stranger,
                403);
    org *all[3] = {&p1, &p2, &p3};
    for (int i = 0; i < 3; i++)
        call_expect("POST", P("/v1/events/%s/participants/%s/decision", ev, all[i]->profile), d,
                    host.token, 200);
    call_expect("POST", P("/v1/events/%s/participants/%s/decision", ev, p1.profile), d, host.token,
                409);
    /* unavailability: the participant's admins only, indices within the slots */
    call_expect("PUT", P("/v1/events/%s/participants/%s/unavailable", ev, p3.profile),
                "{\"slots\":[0]}", p1.token, 403);
    call_expect("PUT", P("/v1/events/%s/participants/%s/unavailable", ev, p3.profile),
                "{\"slots\":[7]}", p3.token, 422);
    r = call("PUT", P("/v1/events/%s/participants/%s/unavailable", ev, p3.profile),
             "{\"slots\":[1]}", p3.token);
    api_expect(&r, 200);
    CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "unavailable")), 1);
    api_res_free(&r);
}

static char req12[64], req31[64], req23[64];

static void request(org *from, org *to, int priority, char out[64])
{
    char body[256];
    snprintf(body, sizeof(body), "{\"from\":\"%s\",\"to\":\"%s\",\"priority\":%d}", from->profile,
             to->profile, priority);
    api_res r = call("POST", P("/v1/events/%s/meeting-requests", ev, NULL), body, from->token);
    api_expect(&r, 201);
    CHECK_STR_EQ(api_jstr(r.json, "state"), "pending");
    snprintf(out, 64, "%s", api_jstr(r.json, "id"));
    api_res_free(&r);
}

static void meeting_requests(void)
{
    char body[256];
    snprintf(body, sizeof(body), "{\"from\":\"%s\",\"to\":\"%s\",\"priority\":1}", p1.profile,
             p2.profile);
    call_expect("POST", P("/v1/events/%s/meeting-requests", ev, NULL), body, t_stranger, 403);
    call_expect("POST", P("/v1/events/%s/meeting-requests", ev, NULL), body, p2.token, 403);
    snprintf(body, sizeof(body), "{\"from\":\"%s\",\"to\":\"%s\",\"priority\":4}", p1.profile,
             p2.profile);
    call_expect("POST", P("/v1/events/%s/meeting-requests", ev, NULL), body, p1.token, 422);
    request(&p1, &p2, 1, req12);
    snprintf(body, sizeof(body), "{\"from\":\"%s\",\"to\":\"%s\",\"priority\":2}", p2.profile,
             p1.profile);
    call_expect("POST", P("/v1/events/%s/meeting-requests", ev, NULL), body, p2.token, 409);
    CHECK(api_outbox_count(&srv, "asks to meet you", 1) >= 1);
    request(&p3, &p1, 2, req31);
    request(&p2, &p3, 3, req23);
    /* only an admin of `to` answers */
    call_expect("POST", P("/v1/events/%s/meeting-requests/%s", ev, req12),
                "{\"decision\":\"accept\"}", p1.token, 403);
    call_expect("POST", P("/v1/events/%s/meeting-requests/%s", ev, req12),
                "{\"decision\":\"accept\"}", t_stranger, 403);
    /* p2 fixes the meeting with p1 in slot 1 */
    api_res r = call("POST", P("/v1/events/%s/meeting-requests/%s", ev, req12),
                     "{\"decision\":\"accept\",\"slot\":1}", p2.token);
    api_expect(&r, 200);
    CHECK_STR_EQ(api_jstr(r.json, "state"), "accepted");
    CHECK_EQ(cJSON_GetObjectItem(r.json, "slot")->valueint, 1);
    api_res_free(&r);
    call_expect("POST", P("/v1/events/%s/meeting-requests/%s", ev, req12),
                "{\"decision\":\"decline\"}", p2.token, 409);
    CHECK(api_outbox_count(&srv, "accepted your meeting request", 1) >= 1);
    /* slot 1 is p1's already (and p3 cannot attend it) */
    call_expect("POST", P("/v1/events/%s/meeting-requests/%s", ev, req31),
                "{\"decision\":\"accept\",\"slot\":1}", p1.token, 409);
    call_expect("POST", P("/v1/events/%s/meeting-requests/%s", ev, req31),
                "{\"decision\":\"accept\"}", p1.token, 200);
    call_expect("POST", P("/v1/events/%s/meeting-requests/%s", ev, req23),
                "{\"decision\":\"accept\"}", p3.token, 200);
    /* listing: the participant's own, the organiser's all, not a stranger's */
    api_res l = call("GET", P("/v1/events/%s/meeting-requests?participant=%s", ev, p1.profile),
                     NULL, p1.token);
    api_expect(&l, 200);
    CHECK_EQ(cJSON_GetObjectItem(l.json, "total")->valueint, 2);
    api_res_free(&l);
    call_expect("GET", P("/v1/events/%s/meeting-requests?participant=%s", ev, p1.profile), NULL,
                t_stranger, 404);
}

/* The slot of the meeting between x and y in a schedule's meetings, or -1. */
static int slot_of(cJSON *meetings, const char *x, const char *y)
{
    cJSON *m;
    cJSON_ArrayForEach(m, meetings)
    {
        const char *a = api_jstr(m, "a"), *b = api_jstr(m, "b");
        if ((strcmp(a, x) == 0 && strcmp(b, y) == 0) || (strcmp(a, y) == 0 && strcmp(b, x) == 0))
            return cJSON_GetObjectItem(m, "slot")->valueint;
    }
    return -1;
}

static void schedule(void)
{
    call_expect("POST", P("/v1/events/%s/schedule", ev, NULL), NULL, p1.token, 403);
    call_expect("POST", P("/v1/events/%s/schedule", ev, NULL), NULL, t_stranger, 403);
    call_expect("POST", P("/v1/events/%s/schedule", ev, NULL), NULL, NULL, 401);
    api_res r = call("POST", P("/v1/events/%s/schedule", ev, NULL), NULL, host.token);
    api_expect(&r, 200);
    cJSON *ms = cJSON_GetObjectItem(r.json, "meetings");
    CHECK_EQ(cJSON_GetArraySize(ms), 3);
    CHECK_EQ(cJSON_GetObjectItem(r.json, "upper_bound")->valueint, 3);
    CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "unscheduled")), 0);
    CHECK(cJSON_IsNumber(cJSON_GetObjectItem(r.json, "took_ms")));
    /* the fixed meeting stays in its slot; p3 never meets in slot 0; nobody twice a slot */
    CHECK_EQ(slot_of(ms, p1.profile, p2.profile), 1);
    int s31 = slot_of(ms, p3.profile, p1.profile), s23 = slot_of(ms, p2.profile, p3.profile);
    CHECK(s31 >= 0 && s23 >= 0 && s31 != 1 && s23 != 1 && s23 != s31);
    api_res_free(&r);

    /* a participant's agenda, in slot order, with the other party */
    r = call("GET", P("/v1/events/%s/schedule?participant=%s", ev, p1.profile), NULL, p1.token);
    api_expect(&r, 200);
    ms = cJSON_GetObjectItem(r.json, "meetings");
    CHECK_EQ(cJSON_GetArraySize(ms), 2);
    CHECK(cJSON_GetObjectItem(cJSON_GetArrayItem(ms, 0), "slot")->valueint <
          cJSON_GetObjectItem(cJSON_GetArrayItem(ms, 1), "slot")->valueint);
    cJSON *with2 = cJSON_GetArrayItem(ms, s31 < 1 ? 1 : 0); /* the fixed one, in slot 1 */
    CHECK_STR_EQ(api_jstr(cJSON_GetObjectItem(with2, "with"), "name"), "Participant Two");
    CHECK_STR_EQ(api_jstr(with2, "starts_at"), "2030-03-01T09:30:00Z");
    api_res_free(&r);
    call_expect("GET", P("/v1/events/%s/schedule?participant=%s", ev, p1.profile), NULL, t_stranger,
                404);
    call_expect("GET", P("/v1/events/%s/schedule?participant=%s", ev, p1.profile), NULL, p2.token,
                404);
    call_expect("GET", P("/v1/events/%s/schedule?participant=%s", ev, p1.profile), NULL, host.token,
                200);

    /* iCalendar, parsed back: unfold, then one VEVENT per meeting with its times */
    const char *hdr[] = {"Accept: text/calendar", "Authorization: Bearer ", NULL};
    char auth[300];
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", p1.token);
    hdr[1] = auth;
    r = api_call(&srv, API_H1, "GET", P("/v1/events/%s/schedule?participant=%s", ev, p1.profile),
                 NULL, NULL, 0, hdr);
    api_expect(&r, 200);
    char ct[128];
    CHECK(api_header(&r, "content-type", ct, sizeof(ct)) != NULL);
    CHECK(strncmp(ct, "text/calendar", 13) == 0);
    char *text = malloc(r.len + 1), *o = text;
    for (size_t i = 0; i < r.len; i++) { /* unfold: CRLF followed by a space continues */
        if (r.body[i] == '\r' && i + 2 < r.len && r.body[i + 1] == '\n' && r.body[i + 2] == ' ') {
            i += 2;
            continue;
        }
        *o++ = r.body[i];
    }
    *o = '\0';
    int vevents = 0, ends = 0, in_cal = 0;
    char start[32] = "", two_start[32] = "";
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        size_t n = strlen(line);
        CHECK(n > 0 && line[n - 1] == '\r'); /* every line ends in CRLF */
        line[n - 1] = '\0';
        if (strcmp(line, "BEGIN:VCALENDAR") == 0)
            in_cal = 1;
        else if (strcmp(line, "BEGIN:VEVENT") == 0)
            vevents++;
        else if (strcmp(line, "END:VEVENT") == 0)
            ends++;
        else if (strncmp(line, "DTSTART:", 8) == 0)
            snprintf(start, sizeof(start), "%s", line + 8);
        else if (strcmp(line, "SUMMARY:Meeting with Participant Two") == 0)
            snprintf(two_start, sizeof(two_start), "%s", start);
        else
            CHECK(strchr(line, ':') != NULL || line[0] == '\0');
    }
    CHECK(in_cal);
    CHECK_EQ(vevents, 2);
    CHECK_EQ(ends, 2);
    CHECK_STR_EQ(two_start, "20300301T093000Z"); /* DTSTART comes before SUMMARY */
    free(text);
    api_res_free(&r);
}

static void rescheduling_is_stable(void)
{
    api_res r = call("GET", P("/v1/events/%s/schedule", ev, NULL), NULL, host.token);
    api_expect(&r, 200);
    cJSON *before = cJSON_Duplicate(cJSON_GetObjectItem(r.json, "meetings"), 1);
    api_res_free(&r);
    r = call("POST", P("/v1/events/%s/schedule", ev, NULL), NULL, host.token);
    api_expect(&r, 200);
    cJSON *after = cJSON_GetObjectItem(r.json, "meetings");
    cJSON *m;
    cJSON_ArrayForEach(m, before)
    {
        CHECK_EQ(slot_of(after, api_jstr(m, "a"), api_jstr(m, "b")),
                 cJSON_GetObjectItem(m, "slot")->valueint);
    }
    cJSON_Delete(before);
    api_res_free(&r);
}

static void cancel(void)
{
    call_expect("POST", P("/v1/events/%s/cancel", ev, NULL), NULL, p1.token, 403);
    api_res r = call("POST", P("/v1/events/%s/cancel", ev, NULL), NULL, host.token);
    api_expect(&r, 200);
    CHECK_STR_EQ(api_jstr(r.json, "state"), "cancelled");
    CHECK(cJSON_IsFalse(cJSON_GetObjectItem(r.json, "on_agenda")));
    api_res_free(&r);
    call_expect("POST", P("/v1/events/%s/cancel", ev, NULL), NULL, host.token, 409);
    call_expect("PATCH", P("/v1/events/%s", ev, NULL), "{\"title\":\"x\"}", host.token, 409);
    CHECK(api_outbox_count(&srv, "was cancelled by its organiser", 3) >= 3);
    r = call("GET", "/v1/events?from=2029-01-01", NULL, NULL);
    api_expect(&r, 200);
    CHECK(strstr(r.body, "B2B Digital Days") == NULL);
    api_res_free(&r);
    r = call("GET", "/v1/search?q=days&kind=event", NULL, NULL);
    api_expect(&r, 200);
    CHECK_EQ(cJSON_GetObjectItem(r.json, "total")->valueint, 0); /* gone from search at once */
    api_res_free(&r);
}

/* `eccpd demo-data` writes events, two matchmaking events with published schedules. */
static void demo_data_has_matchmaking_with_schedules(void)
{
    api_server d;
    memset(&d, 0, sizeof(d));
    api_prepare(&d);
    const char *args[] = {"demo-data", "--scale", "0.02", "--password", "demo events password",
                          "--quiet",   NULL};
    CHECK_EQ(api_cli(&d, NULL, args), 0);
    api_start(&d, d.dir, NULL);
    api_res r =
        api_json(&d, API_H1, "POST", "/v1/sessions",
                 "{\"login\":\"demo-moderator\",\"password\":\"demo events password\"}", NULL);
    api_expect(&r, 201);
    char *tok = strdup(api_jstr(r.json, "token"));
    api_res_free(&r);
    r = api_json(&d, API_H1, "GET", "/v1/events?per_page=100", NULL, NULL);
    api_expect(&r, 200);
    CHECK_EQ(cJSON_GetObjectItem(r.json, "total")->valueint, 6);
    cJSON *e;
    int matchmaking = 0;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(r.json, "items"))
    {
        if (strcmp(api_jstr(e, "kind"), "matchmaking") != 0)
            continue;
        matchmaking++;
        char p[160];
        snprintf(p, sizeof(p), "/v1/events/%s/schedule", api_jstr(e, "id"));
        api_res sr = api_json(&d, API_H1, "GET", p, NULL, tok);
        api_expect(&sr, 200);
        CHECK_GT(cJSON_GetArraySize(cJSON_GetObjectItem(sr.json, "meetings")), 10);
        CHECK(cJSON_GetObjectItem(sr.json, "upper_bound")->valueint > 0);
        api_res_free(&sr);
    }
    CHECK_EQ(matchmaking, 2);
    api_res_free(&r);
    free(tok);
    api_stop(&d);
    api_cleanup(&d);
}

int main(int argc, char **argv)
{
    CHECK(argc == 2);
    api_binary = argv[1];
    curl_global_init(CURL_GLOBAL_ALL);
    RUN(setup);
    RUN(who_may_create);
    RUN(unpublished_organiser_is_off_the_agenda);
    RUN(edit_and_slots);
    RUN(participants);
    RUN(meeting_requests);
    RUN(schedule);
    RUN(rescheduling_is_stable);
    RUN(cancel);
    RUN(publishing_the_organiser_puts_its_events_on_the_agenda);
    RUN(demo_data_has_matchmaking_with_schedules);
    api_stop(&srv);
    api_cleanup(&srv);
    curl_global_cleanup();
    return 0;
}
