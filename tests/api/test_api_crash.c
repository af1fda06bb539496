/*
 * Crash cycles against the real binary: several clients write through the API at once
 * (sign-ups, profiles created, submitted and published by moderation, ClusterXchange
 * registrations accepted, password resets that send e-mail, partner searches, and through
 * the newer routes: news, logos, events with slots, participants applying and accepted,
 * meeting requests accepted into a slot and the schedule computed, exchanges proposed and
 * messages between registrations), the server is killed with SIGKILL at a random moment,
 * and after each kill:
 *   - the store (read by `eccpd export` while the server is down) holds every write a
 *     client got a 2xx for, and once restarted the API reads each one back (news in its
 *     profile's list, the logo's bytes, the event's slots, participants, meeting request
 *     and schedule, the exchange, the message in its conversation);
 *   - once restarted, the index equals the store: for every kind (profile, event, news,
 *     partner_search, xchange) as many documents found live as an index rebuilt from the
 *     store (`eccpd reindex`, server stopped) finds, and a sample of profiles found by a
 *     word of their name;
 *   - the matcher's rows equal the store's accepted registrations (a registration's best
 *     matches list every accepted one of the other country);
 *   - every acknowledged password reset's e-mail is in the spool.
 *
 *   test_api_crash EECPD [CYCLES [SEED]]   (ctest runs 3 cycles; the README names the long run)
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "harness.h"

/* CLIENTS sign up and make organisations; NEWER clients write through the newer routes
 * (news, logos, events, exchanges, messages) for organisations made before the first kill,
 * so those writes are not held back by password hashing */
enum { CLIENTS = 4, NEWER = 2, MAX_ACK = 4096 };

static api_server srv;
static char *t_mod;
static volatile int stop_clients;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

/* what the clients were told was written */
static struct {
    char user[MAX_ACK][48];
    size_t nuser;
    struct {
        char id[64], word[64];
        int published;
    } prof[MAX_ACK];
    size_t nprof;
    struct {
        char id[64];
        int accepted, de;
    } reg[MAX_ACK];
    size_t nreg;
    char reset[MAX_ACK][64];
    size_t nreset;
    char psearch[MAX_ACK][64];
    size_t npsearch;
    /* the newer routes */
    struct {
        char pid[64], id[64];
    } news[MAX_ACK];
    size_t nnews;
    struct {
        char pid[64];
        unsigned width;
        int acked; /* 0: sent when the server was killed (it may or may not have been kept) */
    } logo[MAX_ACK];
    size_t nlogo;
    struct {
        char id[64], token[256];
        int slots, participants, accepted; /* acknowledged steps */
        char request[64];                  /* an accepted meeting request, fixed in slot 0 */
        int scheduled;
    } event[MAX_ACK];
    size_t nevent;
    struct {
        char id[64], token[256];
    } exch[MAX_ACK];
    size_t nexch;
    struct {
        char from[64], to[64], text[64], token[256];
    } msg[MAX_ACK];
    size_t nmsg;
} ack;

/* per client, across cycles: its earlier organisations (event participants) */
static struct {
    char pid[2][64], token[2][256];
    int n;
} prev[CLIENTS + NEWER];
/* per client: its last accepted registration (the other country's clients propose to it) */
static char last_reg[CLIENTS + NEWER][64];
static int proposed[CLIENTS + NEWER]; /* a newer client proposes its one exchange once */
/* the organisations the newer clients write for: 0 and 1 host (FR, DE), 2 and 3 take part */
static struct {
    char pid[64], token[256], reg[64];
} org[4];

/* One write; true with the id (if asked) when it was acknowledged. */
static bool wr(const char *method, const char *path, const char *body, const char *token, long want,
               char id[64])
{
    if (stop_clients)
        return false;
    api_res r = api_json(&srv, API_H1, method, path, body, token);
    bool ok = r.status == want;
    if (!ok && r.status >= 400 && r.status < 500) /* the mix is wrong, not the server */
        fprintf(stderr, "%s %s: %ld %s\n", method, path, r.status, r.body ? r.body : "");
    if (ok && id != NULL) {
        const char *s = api_jstr(r.json, "id");
        ok = s != NULL;
        if (ok)
            snprintf(id, 64, "%s", s);
    }
    api_res_free(&r);
    return ok;
}

static int cycle_no;

/* A tiny PNG of w x 16 pixels (the header is what the server judges). */
static size_t png(char *out, unsigned w)
{
    static const char head[] = "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR";
    memcpy(out, head, 16);
    unsigned char *p = (unsigned char *)out + 16;
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(w >> (24 - 8 * i)), p[4 + i] = (unsigned char)(16u >> (24 - 8 * i));
    memcpy(out + 24, "\x08\x02\0\0\0\x01\x02\x03\x04\0\0\0\0IEND\xae\x42\x60\x82", 21);
    return 45;
}

/* The newer routes, for the organisation (pid, token, accepted registration reg) that
 * client k just made: a news item, a logo, an event with slots, the client's two earlier
 * organisations taking part (applied, accepted), a meeting request between them accepted
 * into slot 0 and the schedule computed; an exchange proposed to the other country's last
 * registration and a message to it. Returns false once a write is not acknowledged. */
static bool newer(int k, const char *name, const char *pid, const char *token, const char *reg)
{
    char p[300], body[1024], id[64];
    snprintf(p, sizeof p, "/v1/profiles/%s/news", pid);
    snprintf(body, sizeof body,
             "{\"title\":\"News of %s\",\"body\":\"Crash test news.\",\"attachments\":[]}", name);
    if (!wr("POST", p, body, token, 201, id))
        return false;
    pthread_mutex_lock(&mu);
    size_t i = ack.nnews++ % MAX_ACK;
    snprintf(ack.news[i].pid, 64, "%s", pid);
    snprintf(ack.news[i].id, 64, "%s", id);
    pthread_mutex_unlock(&mu);

    if (stop_clients)
        return false;
    char img[64], auth[300];
    unsigned width = 16 + (unsigned)(rand() % 1000);
    size_t n = png(img, width);
    snprintf(p, sizeof p, "/v1/profiles/%s/logo", pid);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    const char *h[] = {auth, NULL};
    pthread_mutex_lock(&mu);
    i = ack.nlogo++ % MAX_ACK;
    snprintf(ack.logo[i].pid, 64, "%s", pid);
    ack.logo[i].width = width;
    ack.logo[i].acked = 0;
    pthread_mutex_unlock(&mu);
    api_res r = api_call(&srv, API_H1, "PUT", p, "image/png", img, n, h);
    bool ok = r.status == 204; /* the image is set */
    api_res_free(&r);
    if (!ok)
        return false;
    pthread_mutex_lock(&mu);
    ack.logo[i].acked = 1;
    pthread_mutex_unlock(&mu);

    snprintf(
        body, sizeof body,
        "{\"profile_id\":\"%s\",\"title\":\"Days of %s\",\"kind\":\"matchmaking\",\"starts_at\":"
        "\"2030-03-01T09:00:00Z\",\"ends_at\":\"2030-03-01T12:00:00Z\",\"location\":"
        "\"Brussels\",\"virtual\":false,\"description\":\"B2B\",\"ecosystems\":[\"digital\"]}",
        pid, name);
    if (!wr("POST", "/v1/events", body, token, 201, id))
        return false;
    size_t e;
    pthread_mutex_lock(&mu);
    e = ack.nevent++ % MAX_ACK;
    memset(&ack.event[e], 0, sizeof ack.event[e]);
    snprintf(ack.event[e].id, 64, "%s", id);
    snprintf(ack.event[e].token, 256, "%s", token);
    pthread_mutex_unlock(&mu);
    char ev[64];
    snprintf(ev, sizeof ev, "%s", id);
    snprintf(p, sizeof p, "/v1/events/%s/slots", ev);
    if (!wr("PUT", p,
            "{\"tables\":2,\"slots\":["
            "{\"starts_at\":\"2030-03-01T09:00:00Z\",\"ends_at\":\"2030-03-01T09:30:00Z\"},"
            "{\"starts_at\":\"2030-03-01T09:30:00Z\",\"ends_at\":\"2030-03-01T10:00:00Z\"}]}",
            token, 200, NULL))
        return false;
    pthread_mutex_lock(&mu);
    ack.event[e].slots = 1;
    pthread_mutex_unlock(&mu);
    if (prev[k].n >= 2) {
        for (int j = 0; j < 2; j++) {
            snprintf(p, sizeof p, "/v1/events/%s/participants", ev);
            snprintf(body, sizeof body, "{\"profile_id\":\"%s\"}", prev[k].pid[j]);
            if (!wr("POST", p, body, prev[k].token[j], 201, NULL))
                return false;
            pthread_mutex_lock(&mu);
            ack.event[e].participants++;
            pthread_mutex_unlock(&mu);
            snprintf(p, sizeof p, "/v1/events/%s/participants/%s/decision", ev, prev[k].pid[j]);
            if (!wr("POST", p, "{\"decision\":\"accept\"}", token, 200, NULL))
                return false;
            pthread_mutex_lock(&mu);
            ack.event[e].accepted++;
            pthread_mutex_unlock(&mu);
        }
        snprintf(p, sizeof p, "/v1/events/%s/meeting-requests", ev);
        snprintf(body, sizeof body, "{\"from\":\"%s\",\"to\":\"%s\",\"priority\":1}",
                 prev[k].pid[0], prev[k].pid[1]);
        if (!wr("POST", p, body, prev[k].token[0], 201, id))
            return false;
        snprintf(p, sizeof p, "/v1/events/%s/meeting-requests/%s", ev, id);
        if (!wr("POST", p, "{\"decision\":\"accept\",\"slot\":0}", prev[k].token[1], 200, NULL))
            return false;
        pthread_mutex_lock(&mu);
        snprintf(ack.event[e].request, 64, "%s", id);
        pthread_mutex_unlock(&mu);
        snprintf(p, sizeof p, "/v1/events/%s/schedule", ev);
        if (!wr("POST", p, NULL, token, 200, NULL))
            return false;
        pthread_mutex_lock(&mu);
        ack.event[e].scheduled = 1;
        pthread_mutex_unlock(&mu);
    }
    /* this organisation becomes a participant of the client's later events (the newer
     * clients keep theirs) */
    if (k >= CLIENTS)
        goto exchange;
    memcpy(prev[k].pid[0], prev[k].pid[1], sizeof prev[k].pid[0]);
    memcpy(prev[k].token[0], prev[k].token[1], sizeof prev[k].token[0]);
    snprintf(prev[k].pid[1], 64, "%s", pid);
    snprintf(prev[k].token[1], 256, "%s", token);
    prev[k].n++;
exchange:

    /* ClusterXchange: an exchange proposed to, and a message for, the other country */
    char other[64];
    pthread_mutex_lock(&mu);
    snprintf(other, sizeof other, "%s", last_reg[k ^ 1]);
    snprintf(last_reg[k], 64, "%s", reg);
    pthread_mutex_unlock(&mu);
    if (other[0] == '\0')
        return true;
    if (proposed[k])
        goto message;
    snprintf(body, sizeof body, "{\"visitor\":\"%s\",\"host\":\"%s\"}", reg, other);
    if (!wr("POST", "/v1/xchange/exchanges", body, token, 201, id))
        return false;
    proposed[k] = k >= CLIENTS;
    pthread_mutex_lock(&mu);
    i = ack.nexch++ % MAX_ACK;
    snprintf(ack.exch[i].id, 64, "%s", id);
    snprintf(ack.exch[i].token, 256, "%s", token);
    pthread_mutex_unlock(&mu);
message:;
    char text[64];
    snprintf(text, sizeof text, "Visit from %s?", name);
    snprintf(p, sizeof p, "/v1/xchange/registrations/%s/messages", reg);
    snprintf(body, sizeof body, "{\"to\":\"%s\",\"text\":\"%s\"}", other, text);
    if (!wr("POST", p, body, token, 201, NULL))
        return false;
    pthread_mutex_lock(&mu);
    i = ack.nmsg++ % MAX_ACK;
    snprintf(ack.msg[i].from, 64, "%s", reg);
    snprintf(ack.msg[i].to, 64, "%s", other);
    snprintf(ack.msg[i].text, 64, "%s", text);
    snprintf(ack.msg[i].token, 256, "%s", token);
    pthread_mutex_unlock(&mu);
    return true;
}

static void *client(void *arg)
{
    int k = (int)(intptr_t)arg;
    const char *country = k % 2 ? "DE" : "FR";
    char soon[16];
    time_t later = time(NULL) + 60 * 86400;
    struct tm tm;
    strftime(soon, sizeof soon, "%Y-%m-%d", gmtime_r(&later, &tm));
    for (int i = 0; !stop_clients; i++) {
        char name[48], body[2048], p[200], id[64], reg[64], word[64], tokbuf[256];
        snprintf(name, sizeof name, "c%dk%dn%d", cycle_no, k, i);
        snprintf(body, sizeof body,
                 "{\"username\":\"%s\",\"email\":\"%s@example.eu\",\"email_confirm\":"
                 "\"%s@example.eu\",\"password\":\"a long password\",\"organisation_name\":"
                 "\"Org\",\"country\":\"%s\",\"title\":\"Manager\"}",
                 name, name, name, country);
        if (!wr("POST", "/v1/users", body, NULL, 201, NULL))
            break;
        pthread_mutex_lock(&mu);
        snprintf(ack.user[ack.nuser++ % MAX_ACK], 48, "%s", name);
        pthread_mutex_unlock(&mu);
        snprintf(body, sizeof body, "{\"login\":\"%s\",\"password\":\"a long password\"}", name);
        api_res r = api_json(&srv, API_H1, "POST", "/v1/sessions", body, NULL);
        const char *t = r.status == 201 ? api_jstr(r.json, "token") : NULL;
        snprintf(tokbuf, sizeof tokbuf, "%s", t ? t : "");
        api_res_free(&r);
        if (t == NULL)
            break;
        snprintf(word, sizeof word, "kilo%sx", name);
        snprintf(body, sizeof body,
                 "{\"type\":\"cluster_organisation\",\"name\":\"Crash %s Cluster\","
                 "\"country\":\"%s\",\"city\":\"Lyon\",\"description\":\"A cluster.\","
                 "\"website\":\"https://%s.example\",\"languages\":[\"en\"],"
                 "\"management_fte\":2,\"members_count\":40,\"member_composition\":{\"smes\":"
                 "30,\"research\":10},\"services\":[\"training\",\"matchmaking\"],"
                 "\"ecosystems\":[\"digital\"],\"contact\":{\"name\":\"N\",\"email\":"
                 "\"c@example.eu\"}}",
                 word, country, name);
        if (!wr("POST", "/v1/profiles", body, tokbuf, 201, id))
            break;
        char pid[64];
        snprintf(pid, sizeof pid, "%s", id);
        size_t pi;
        pthread_mutex_lock(&mu);
        pi = ack.nprof++ % MAX_ACK;
        snprintf(ack.prof[pi].id, 64, "%s", id);
        snprintf(ack.prof[pi].word, 64, "%s", word);
        ack.prof[pi].published = 0;
        pthread_mutex_unlock(&mu);
        snprintf(p, sizeof p, "/v1/profiles/%s/submit", id);
        if (!wr("POST", p, NULL, tokbuf, 200, NULL))
            break;
        snprintf(p, sizeof p, "/v1/profiles/%s/moderation", id);
        if (!wr("POST", p, "{\"decision\":\"publish\"}", t_mod, 200, NULL))
            break;
        pthread_mutex_lock(&mu);
        ack.prof[pi].published = 1;
        pthread_mutex_unlock(&mu);
        snprintf(body, sizeof body,
                 "{\"profile_id\":\"%s\",\"roles\":[\"host\",\"visitor\"],\"ecosystems\":"
                 "[\"digital\"],\"target_countries\":[],\"objectives\":[\"market_exploration\"],"
                 "\"languages\":[\"en\"],\"availability\":[{\"from\":\"2030-01-01\",\"to\":"
                 "\"2030-12-31\"}],\"duration_days\":{\"min\":3,\"max\":20},\"host_capacity\":50,"
                 "\"offer\":\"Visits.\",\"demand\":\"Partners.\"}",
                 id);
        if (!wr("POST", "/v1/xchange/registrations", body, tokbuf, 201, reg))
            break;
        size_t ri;
        pthread_mutex_lock(&mu);
        ri = ack.nreg++ % MAX_ACK;
        snprintf(ack.reg[ri].id, 64, "%s", reg);
        ack.reg[ri].accepted = 0;
        ack.reg[ri].de = k % 2;
        pthread_mutex_unlock(&mu);
        snprintf(p, sizeof p, "/v1/xchange/registrations/%s/decision", reg);
        if (!wr("POST", p, "{\"decision\":\"accept\"}", t_mod, 200, NULL))
            break;
        pthread_mutex_lock(&mu);
        ack.reg[ri].accepted = 1;
        pthread_mutex_unlock(&mu);
        snprintf(body, sizeof body, "{\"email\":\"%s@example.eu\"}", name);
        if (!wr("POST", "/v1/password-resets", body, NULL, 202, NULL))
            break;
        pthread_mutex_lock(&mu);
        snprintf(ack.reset[ack.nreset++ % MAX_ACK], 64, "%s@example.eu", name);
        pthread_mutex_unlock(&mu);
        snprintf(body, sizeof body,
                 "{\"profile_id\":\"%s\",\"title\":\"Consortium %s\",\"description\":\"We look "
                 "for partners.\",\"kind\":\"consortium\",\"ecosystems\":[\"digital\"],"
                 "\"countries_sought\":[\"IT\"],\"deadline\":\"%s\",\"attachments\":[]}",
                 id, name, soon);
        if (!wr("POST", "/v1/partner-searches", body, tokbuf, 201, id))
            break;
        pthread_mutex_lock(&mu);
        snprintf(ack.psearch[ack.npsearch++ % MAX_ACK], 64, "%s", id);
        pthread_mutex_unlock(&mu);
        if (!newer(k, name, pid, tokbuf, reg))
            break;
    }
    return NULL;
}

static void *newer_client(void *arg)
{
    int j = (int)(intptr_t)arg, k = CLIENTS + j;
    for (int i = 0; !stop_clients; i++) {
        char name[48];
        snprintf(name, sizeof name, "c%dn%dw%d", cycle_no, j, i);
        if (!newer(k, name, org[j].pid, org[j].token, org[j].reg))
            break;
    }
    return NULL;
}

/* One organisation, before the kills: signed up, published, its registration accepted. */
static void make_org(int i, const char *country)
{
    char name[32], body[2048], p[200];
    snprintf(name, sizeof name, "org%d", i);
    char *tok = api_signup(&srv, name, "a long password");
    snprintf(org[i].token, sizeof org[i].token, "%s", tok);
    free(tok);
    snprintf(body, sizeof body,
             "{\"type\":\"cluster_organisation\",\"name\":\"Standing %s Cluster\","
             "\"country\":\"%s\",\"city\":\"Lyon\",\"description\":\"A cluster.\","
             "\"website\":\"https://%s.example\",\"languages\":[\"en\"],"
             "\"management_fte\":2,\"members_count\":40,\"member_composition\":{\"smes\":"
             "30,\"research\":10},\"services\":[\"training\",\"matchmaking\"],"
             "\"ecosystems\":[\"digital\"],\"contact\":{\"name\":\"N\",\"email\":"
             "\"c@example.eu\"}}",
             name, country, name);
    CHECK(wr("POST", "/v1/profiles", body, org[i].token, 201, org[i].pid));
    snprintf(p, sizeof p, "/v1/profiles/%s/submit", org[i].pid);
    CHECK(wr("POST", p, NULL, org[i].token, 200, NULL));
    snprintf(p, sizeof p, "/v1/profiles/%s/moderation", org[i].pid);
    CHECK(wr("POST", p, "{\"decision\":\"publish\"}", t_mod, 200, NULL));
    snprintf(body, sizeof body,
             "{\"profile_id\":\"%s\",\"roles\":[\"host\",\"visitor\"],\"ecosystems\":"
             "[\"digital\"],\"target_countries\":[],\"objectives\":[\"market_exploration\"],"
             "\"languages\":[\"en\"],\"availability\":[{\"from\":\"2030-01-01\",\"to\":"
             "\"2030-12-31\"}],\"duration_days\":{\"min\":3,\"max\":20},\"host_capacity\":50,"
             "\"offer\":\"Visits.\",\"demand\":\"Partners.\"}",
             org[i].pid);
    CHECK(wr("POST", "/v1/xchange/registrations", body, org[i].token, 201, org[i].reg));
    snprintf(p, sizeof p, "/v1/xchange/registrations/%s/decision", org[i].reg);
    CHECK(wr("POST", p, "{\"decision\":\"accept\"}", t_mod, 200, NULL));
}

static char *login_mod(void)
{
    api_res r = api_json(&srv, API_H1, "POST", "/v1/sessions",
                         "{\"login\":\"mod\",\"password\":\"moderator password\"}", NULL);
    CHECK_EQ(r.status, 201);
    char *t = strdup(api_jstr(r.json, "token"));
    api_res_free(&r);
    return t;
}

/* The store's truth while the server is down: published profiles and accepted
 * registrations, by `eccpd export`. */
static long accepted_in[2]; /* the store's accepted registrations of FR and DE profiles */
/* The index per kind: what the live index (fed from the change log, caught up after the
 * restart) finds, and what an index rebuilt from the store (`eccpd reindex` on the stopped
 * server: index/records.c's builders over every stored record) finds. Equal: the index
 * equals the store. */
enum { K_PROFILE, K_EVENT, K_NEWS, K_PARTNER, K_XCHANGE, K__N };
static const char *const k_kind[K__N] = {"profile", "event", "news", "partner_search", "xchange"};
static long live_count[K__N], rebuilt_count[K__N];
static cJSON *stored_users; /* the store's usernames (as keys) */

static void store_counts(long *published, long *accepted, long *users)
{
    cJSON *country_of = cJSON_CreateObject(), *reg_profiles = cJSON_CreateArray();
    cJSON_Delete(stored_users);
    stored_users = cJSON_CreateObject();
    char cmd[700];
    snprintf(cmd, sizeof cmd, "'%s' export --data '%s/data' 2>/dev/null", api_binary, srv.dir);
    FILE *f = popen(cmd, "r");
    CHECK(f != NULL);
    *published = *accepted = *users = 0;
    size_t cap = 1 << 20;
    char *line = malloc(cap);
    while (fgets(line, (int)cap, f) != NULL) {
        cJSON *j = cJSON_Parse(line);
        CHECK(j != NULL);
        const char *kind = api_jstr(j, "kind");
        cJSON *rec = cJSON_GetObjectItemCaseSensitive(j, "record");
        if (strcmp(kind, "profile") == 0) {
            cJSON *pub = cJSON_GetObjectItemCaseSensitive(rec, "published");
            const char *state = api_jstr(rec, "state");
            if (pub != NULL && !cJSON_IsNull(pub) && (state == NULL || strcmp(state, "deleted")))
                (*published)++;
            cJSON *src = pub != NULL && !cJSON_IsNull(pub)
                             ? pub
                             : cJSON_GetObjectItemCaseSensitive(rec, "draft");
            const char *c = src ? api_jstr(src, "country") : NULL;
            cJSON_AddStringToObject(country_of, api_jstr(rec, "id"), c ? c : "");
        } else if (strcmp(kind, "xchange_registration") == 0) {
            const char *state = api_jstr(rec, "state");
            if (state != NULL && strcmp(state, "accepted") == 0) {
                (*accepted)++;
                cJSON_AddItemToArray(reg_profiles, cJSON_CreateString(api_jstr(rec, "profile_id")));
            }
        } else if (strcmp(kind, "user") == 0) {
            (*users)++;
            const char *u = api_jstr(rec, "username");
            if (u != NULL)
                cJSON_AddTrueToObject(stored_users, u);
        }
        cJSON_Delete(j);
    }
    free(line);
    CHECK_EQ(pclose(f), 0);
    cJSON *it;
    accepted_in[0] = accepted_in[1] = 0;
    cJSON_ArrayForEach(it, reg_profiles)
    {
        const char *c = api_jstr(country_of, it->valuestring);
        CHECK(c != NULL);
        accepted_in[strcmp(c, "DE") == 0]++;
    }
    cJSON_Delete(country_of);
    cJSON_Delete(reg_profiles);
}

static long get_status(const char *path, const char *token)
{
    api_res r = api_json(&srv, API_H1, "GET", path, NULL, token);
    long s = r.status;
    api_res_free(&r);
    return s;
}

static long search_total(const char *path)
{
    api_res r = api_json(&srv, API_H1, "GET", path, NULL, t_mod);
    CHECK_EQ(r.status, 200);
    cJSON *t = cJSON_GetObjectItemCaseSensitive(r.json, "total");
    CHECK(cJSON_IsNumber(t));
    long n = (long)t->valuedouble;
    api_res_free(&r);
    return n;
}

static void index_counts(long out[K__N])
{
    for (int kk = 0; kk < K__N; kk++) {
        char p[100];
        snprintf(p, sizeof p, "/v1/search?kind=%s&per_page=1", k_kind[kk]);
        out[kk] = search_total(p);
    }
}

/* The index equals the store: the live counts (verify) against an index rebuilt from the
 * store, with the server stopped (no write in between), then started again. */
static void index_equals_store(void)
{
    api_stop(&srv);
    const char *args[] = {"reindex", NULL};
    CHECK_EQ(api_cli(&srv, NULL, args), 0);
    api_start(&srv, srv.dir, NULL);
    free(t_mod);
    t_mod = login_mod();
    index_counts(rebuilt_count);
    for (int kk = 0; kk < K__N; kk++) {
        if (live_count[kk] != rebuilt_count[kk])
            fprintf(stderr, "index: %ld %s found live, %ld once rebuilt from the store\n",
                    live_count[kk], k_kind[kk], rebuilt_count[kk]);
        CHECK_EQ(live_count[kk], rebuilt_count[kk]);
    }
}

static size_t users_signed_in; /* acknowledged users already proven by signing in */
static size_t logos_verified;
static long scheduled_meetings; /* meetings in the acknowledged schedules, last verify */

static void verify(long published, long accepted, long users)
{
    char p[300];
    /* every acknowledged write is there: every user in the store, and the new ones sign
     * in (hashing a password for every user after every kill would take minutes) */
    CHECK(users >= (long)ack.nuser);
    for (size_t i = 0; i < ack.nuser; i++) {
        if (cJSON_GetObjectItemCaseSensitive(stored_users, ack.user[i]) == NULL)
            fprintf(stderr, "acknowledged user %s is not in the store\n", ack.user[i]);
        CHECK(cJSON_GetObjectItemCaseSensitive(stored_users, ack.user[i]) != NULL);
    }
    for (size_t i = users_signed_in; i < ack.nuser; i++) {
        char body[200];
        snprintf(body, sizeof body, "{\"login\":\"%s\",\"password\":\"a long password\"}",
                 ack.user[i]);
        api_res r = api_json(&srv, API_H1, "POST", "/v1/sessions", body, NULL);
        if (r.status != 201)
            fprintf(stderr, "acknowledged user %s cannot sign in: %ld\n", ack.user[i], r.status);
        CHECK_EQ(r.status, 201);
        api_res_free(&r);
    }
    users_signed_in = ack.nuser;
    long acked_pub = 0;
    for (size_t i = 0; i < ack.nprof; i++) {
        snprintf(p, sizeof p, "/v1/profiles/%s%s", ack.prof[i].id,
                 ack.prof[i].published ? "" : "?version=draft");
        CHECK_EQ(get_status(p, t_mod), 200);
        acked_pub += ack.prof[i].published;
    }
    CHECK(published >= acked_pub);
    long acked_acc = 0;
    for (size_t i = 0; i < ack.nreg; i++) {
        snprintf(p, sizeof p, "/v1/xchange/registrations/%s", ack.reg[i].id);
        api_res r = api_json(&srv, API_H1, "GET", p, NULL, t_mod);
        CHECK_EQ(r.status, 200);
        if (ack.reg[i].accepted)
            CHECK_STR_EQ(api_jstr(r.json, "state"), "accepted");
        acked_acc += ack.reg[i].accepted;
        api_res_free(&r);
    }
    CHECK(accepted >= acked_acc);
    for (size_t i = 0; i < ack.npsearch; i++) {
        snprintf(p, sizeof p, "/v1/partner-searches/%s", ack.psearch[i]);
        CHECK_EQ(get_status(p, t_mod), 200);
    }
    /* the newer routes: every acknowledged step is there */
    for (size_t i = 0; i < ack.nnews; i++) {
        /* the list is paged (newest first): look through its pages */
        bool found_it = false, more = true;
        for (int page = 1; more && !found_it; page++) {
            snprintf(p, sizeof p, "/v1/profiles/%s/news?page=%d&per_page=100", ack.news[i].pid,
                     page);
            api_res r = api_json(&srv, API_H1, "GET", p, NULL, t_mod);
            CHECK_EQ(r.status, 200);
            found_it = strstr(r.body, ack.news[i].id) != NULL;
            more = strstr(r.body, "\"id\"") != NULL && page < 100;
            api_res_free(&r);
        }
        if (!found_it)
            fprintf(stderr, "acknowledged news %s is missing\n", ack.news[i].id);
        CHECK(found_it);
    }
    size_t logos_acked = 0;
    for (size_t i = 0; i < ack.nlogo; i++) {
        logos_acked += ack.logo[i].acked;
        /* a later logo of the same profile replaces an earlier one: the profile serves its
         * last acknowledged logo, or one sent after it whose answer the kill cut off */
        bool last = ack.logo[i].acked;
        for (size_t j = i + 1; j < ack.nlogo; j++)
            last = last && !(ack.logo[j].acked && strcmp(ack.logo[j].pid, ack.logo[i].pid) == 0);
        if (!last)
            continue;
        snprintf(p, sizeof p, "/v1/profiles/%s/logo", ack.logo[i].pid);
        api_res r = api_json(&srv, API_H1, "GET", p, NULL, NULL);
        CHECK_EQ(r.status, 200);
        char want[64];
        bool match = false;
        for (size_t j = i; j < ack.nlogo && !match; j++) {
            if (j > i && strcmp(ack.logo[j].pid, ack.logo[i].pid) != 0)
                continue;
            match = r.len == png(want, ack.logo[j].width) && memcmp(r.body, want, r.len) == 0;
        }
        if (!match)
            fprintf(stderr,
                    "profile %s serves neither its last acknowledged logo nor a later "
                    "one\n",
                    ack.logo[i].pid);
        CHECK(match);
        api_res_free(&r);
    }
    logos_verified = logos_acked;
    long meetings = 0;
    for (size_t i = 0; i < ack.nevent; i++) {
        const char *ev = ack.event[i].id, *tok = ack.event[i].token;
        snprintf(p, sizeof p, "/v1/events/%s", ev);
        CHECK_EQ(get_status(p, NULL), 200);
        if (ack.event[i].slots) {
            api_res r = api_json(&srv, API_H1, "GET", p, NULL, tok);
            CHECK_EQ(r.status, 200);
            CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "slots")), 2);
            api_res_free(&r);
        }
        if (ack.event[i].participants > 0) {
            snprintf(p, sizeof p, "/v1/events/%s/participants", ev);
            api_res r = api_json(&srv, API_H1, "GET", p, NULL, tok);
            CHECK_EQ(r.status, 200);
            cJSON *list =
                cJSON_IsArray(r.json) ? r.json : cJSON_GetObjectItemCaseSensitive(r.json, "items");
            int n = 0, acc = 0;
            cJSON *it;
            cJSON_ArrayForEach(it, list)
            {
                n++;
                acc += api_jstr(it, "state") && strcmp(api_jstr(it, "state"), "accepted") == 0;
            }
            if (n < ack.event[i].participants || acc < ack.event[i].accepted)
                fprintf(stderr, "event %s: %d participants (%d accepted), %d (%d) acknowledged\n",
                        ev, n, acc, ack.event[i].participants, ack.event[i].accepted);
            CHECK(n >= ack.event[i].participants && acc >= ack.event[i].accepted);
            api_res_free(&r);
        }
        if (ack.event[i].request[0]) {
            snprintf(p, sizeof p, "/v1/events/%s/meeting-requests", ev);
            api_res r = api_json(&srv, API_H1, "GET", p, NULL, tok);
            CHECK_EQ(r.status, 200);
            CHECK(strstr(r.body, ack.event[i].request) != NULL);
            api_res_free(&r);
        }
        if (ack.event[i].scheduled) {
            snprintf(p, sizeof p, "/v1/events/%s/schedule", ev);
            api_res r = api_json(&srv, API_H1, "GET", p, NULL, tok);
            CHECK_EQ(r.status, 200);
            int n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "meetings"));
            if (n < 1)
                fprintf(stderr, "event %s: the acknowledged schedule has no meeting\n", ev);
            CHECK(n >= 1);
            meetings += n;
            api_res_free(&r);
        }
    }
    for (size_t i = 0; i < ack.nexch; i++) {
        snprintf(p, sizeof p, "/v1/xchange/exchanges/%s", ack.exch[i].id);
        CHECK_EQ(get_status(p, ack.exch[i].token), 200);
    }
    for (size_t i = 0; i < ack.nmsg; i++) {
        snprintf(p, sizeof p, "/v1/xchange/registrations/%s/conversations/%s", ack.msg[i].from,
                 ack.msg[i].to);
        api_res r = api_json(&srv, API_H1, "GET", p, NULL, ack.msg[i].token);
        CHECK_EQ(r.status, 200);
        if (strstr(r.body, ack.msg[i].text) == NULL)
            fprintf(stderr, "acknowledged message \"%s\" is missing\n", ack.msg[i].text);
        CHECK(strstr(r.body, ack.msg[i].text) != NULL);
        api_res_free(&r);
    }
    scheduled_meetings = meetings;
    /* the live index, kind by kind (compared with a rebuild from the store below) */
    index_counts(live_count);
    long found = search_total("/v1/search?kind=profile&per_page=1");
    if (found != published)
        fprintf(stderr, "index: %ld profiles found, the store publishes %ld\n", found, published);
    CHECK_EQ(found, published);
    for (size_t i = 0, n = 0; i < ack.nprof && n < 8; i += 1 + ack.nprof / 8) {
        if (!ack.prof[i].published)
            continue;
        snprintf(p, sizeof p, "/v1/search?q=%s&kind=profile", ack.prof[i].word);
        api_res r = api_json(&srv, API_H1, "GET", p, NULL, NULL);
        CHECK_EQ(r.status, 200);
        cJSON *hits = cJSON_GetObjectItemCaseSensitive(r.json, "hits");
        CHECK_EQ(cJSON_GetArraySize(hits), 1);
        CHECK_STR_EQ(api_jstr(cJSON_GetArrayItem(hits, 0), "id"), ack.prof[i].id);
        api_res_free(&r);
        n++;
    }
    /* the matcher's rows equal the store's accepted registrations: every profile is in FR
     * or DE, every registration hosts and visits alike, so an accepted registration's best
     * matches (of the other country) are every accepted registration of the other country */
    for (int de = 0; de < 2; de++) {
        for (size_t i = 0; i < ack.nreg; i++) {
            if (!ack.reg[i].accepted || ack.reg[i].de != de)
                continue;
            snprintf(p, sizeof p, "/v1/xchange/registrations/%s/matches?role=visitor&limit=100",
                     ack.reg[i].id);
            api_res r = api_json(&srv, API_H1, "GET", p, NULL, t_mod);
            CHECK_EQ(r.status, 200);
            long want = accepted_in[!de] < 100 ? accepted_in[!de] : 100;
            if (cJSON_GetArraySize(r.json) != want)
                fprintf(stderr, "matcher: %d matches, the store accepts %ld of the other side\n",
                        cJSON_GetArraySize(r.json), accepted_in[!de]);
            CHECK_EQ(cJSON_GetArraySize(r.json), want);
            api_res_free(&r);
            break;
        }
    }
    /* the outbox: every acknowledged reset's e-mail is in the spool */
    for (size_t i = 0; i < ack.nreset; i++) {
        if (api_outbox_count(&srv, ack.reset[i], 1) < 1)
            fprintf(stderr, "no e-mail for the acknowledged reset of %s\n", ack.reset[i]);
        CHECK(api_outbox_count(&srv, ack.reset[i], 1) >= 1);
    }
}

/* acknowledged events with participants accepted (what 1) or scheduled (what 2) */
static size_t count_events(int what)
{
    size_t n = 0;
    for (size_t i = 0; i < ack.nevent; i++)
        n += what == 1 ? ack.event[i].accepted > 0 : ack.event[i].scheduled;
    return n;
}

int main(int argc, char **argv)
{
    CHECK(argc >= 2);
    api_binary = argv[1];
    int cycles = argc > 2 ? atoi(argv[2]) : 3;
    unsigned seed = argc > 3 ? (unsigned)atoi(argv[3]) : (unsigned)time(NULL);
    printf("crash cycles: %d, seed %u\n", cycles, seed);
    srand(seed);
    api_kill_on_abort(&srv);
    api_prepare(&srv);
    const char *args[] = {"user",           "create", "--username", "Mod", "--email",
                          "mod@example.eu", "--role", "moderator",  NULL};
    CHECK_EQ(api_cli(&srv, "moderator password\n", args), 0);
    api_start(&srv, srv.dir, NULL);
    t_mod = login_mod();
    for (int i = 0; i < 4; i++)
        make_org(i, i % 2 ? "DE" : "FR");
    for (int j = 0; j < NEWER; j++) {
        prev[CLIENTS + j].n = 2;
        for (int q = 0; q < 2; q++) {
            memcpy(prev[CLIENTS + j].pid[q], org[2 + q].pid, 64);
            memcpy(prev[CLIENTS + j].token[q], org[2 + q].token, 256);
        }
        snprintf(last_reg[CLIENTS + j], 64, "%s", org[j].reg);
    }
    for (cycle_no = 0; cycle_no < cycles; cycle_no++) {
        stop_clients = 0;
        pthread_t th[CLIENTS + NEWER];
        for (int k = 0; k < CLIENTS; k++)
            CHECK_EQ(pthread_create(&th[k], NULL, client, (void *)(intptr_t)k), 0);
        for (int j = 0; j < NEWER; j++)
            CHECK_EQ(pthread_create(&th[CLIENTS + j], NULL, newer_client, (void *)(intptr_t)j), 0);
        usleep((useconds_t)(2000000 + rand() % 3000000)); /* 2-5 s: sign-ups hash */
        api_kill9(&srv);
        stop_clients = 1;
        for (int k = 0; k < CLIENTS + NEWER; k++)
            pthread_join(th[k], NULL);
        long published, accepted, users;
        store_counts(&published, &accepted, &users);
        api_start(&srv, srv.dir, NULL);
        free(t_mod);
        t_mod = login_mod();
        verify(published, accepted, users);
        index_equals_store();
        printf("cycle %d: killed; %zu users, %zu profiles (%ld published), %zu registrations "
               "(%ld accepted), %zu resets, %zu partner searches acknowledged: all present\n",
               cycle_no + 1, ack.nuser, ack.nprof, published, ack.nreg, accepted, ack.nreset,
               ack.npsearch);
        printf("  and %zu news, %zu logos, %zu events (%zu with participants accepted, %zu "
               "scheduled: %ld meetings), %zu exchanges, %zu messages; the index holds per kind "
               "what a rebuild from the store holds: %ld profiles, %ld events, %ld news, %ld "
               "partner searches, %ld registrations\n",
               ack.nnews, logos_verified, ack.nevent, count_events(1), count_events(2),
               scheduled_meetings, ack.nexch, ack.nmsg, rebuilt_count[K_PROFILE],
               rebuilt_count[K_EVENT], rebuilt_count[K_NEWS], rebuilt_count[K_PARTNER],
               rebuilt_count[K_XCHANGE]);
        fflush(stdout);
    }
    api_stop(&srv);
    api_cleanup(&srv);
    return 0;
}
