/*
 * Crash cycles against the real binary: several clients write through the API at once
 * (sign-ups, profiles created, submitted and published by moderation, ClusterXchange
 * registrations accepted, password resets that send e-mail, partner searches), the
 * server is killed with SIGKILL at a random moment, and after each kill:
 *   - the store (read by `eccpd export` while the server is down) holds every write a
 *     client got a 2xx for;
 *   - once restarted, the index equals the store: as many profiles found as the store
 *     holds published, and a sample of them found by a word of their name;
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

enum { CLIENTS = 4, MAX_ACK = 4096 };

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
} ack;

/* One write; true with the id (if asked) when it was acknowledged. */
static bool wr(const char *method, const char *path, const char *body, const char *token, long want,
               char id[64])
{
    if (stop_clients)
        return false;
    api_res r = api_json(&srv, API_H1, method, path, body, token);
    bool ok = r.status == want;
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
                 "\"2030-12-31\"}],\"duration_days\":{\"min\":3,\"max\":20},\"host_capacity\":2,"
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
    }
    return NULL;
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
    accepted_in[0] = accepted_in[1] = 0;
    cJSON *it;
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

static size_t users_signed_in; /* acknowledged users already proven by signing in */

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
    /* the index equals the store */
    long found = search_total("/v1/search?kind=profile&per_page=1");
    if (found != published)
        fprintf(stderr, "index: %ld profiles found, the store publishes %ld\n", found, published);
    CHECK_EQ(found, published);
    for (size_t i = 0, n = 0; i < ack.nprof && n < 8; i += 1 + ack.nprof / 8) {
        if (!ack.prof[i].published)
            continue;
        snprintf(p, sizeof p, "/v1/search?q=%s", ack.prof[i].word);
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
    for (cycle_no = 0; cycle_no < cycles; cycle_no++) {
        stop_clients = 0;
        pthread_t th[CLIENTS];
        for (int k = 0; k < CLIENTS; k++)
            CHECK_EQ(pthread_create(&th[k], NULL, client, (void *)(intptr_t)k), 0);
        usleep((useconds_t)(2000000 + rand() % 3000000)); /* 2-5 s: sign-ups hash */
        api_kill9(&srv);
        stop_clients = 1;
        for (int k = 0; k < CLIENTS; k++)
            pthread_join(th[k], NULL);
        long published, accepted, users;
        store_counts(&published, &accepted, &users);
        api_start(&srv, srv.dir, NULL);
        free(t_mod);
        t_mod = login_mod();
        verify(published, accepted, users);
        printf("cycle %d: killed; %zu users, %zu profiles (%ld published), %zu registrations "
               "(%ld accepted), %zu resets, %zu partner searches acknowledged: all present\n",
               cycle_no + 1, ack.nuser, ack.nprof, published, ack.nreg, accepted, ack.nreset,
               ack.npsearch);
        fflush(stdout);
    }
    api_stop(&srv);
    api_cleanup(&srv);
    return 0;
}
