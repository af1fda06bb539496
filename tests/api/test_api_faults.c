/*
 * Storage faults against the real binary, through the fault hooks (core/fault.h): the
 * store's write and sync, an upload's write to the attachment store, the e-mail spool's
 * file writes and sync, the search index's commit. For each:
 *   - a write the fault hits answers 503 with Retry-After and leaves nothing of itself
 *     (the records read before and after are the same; no attachment, no e-mail file);
 *   - a write acknowledged before the fault (the outbox, the index are fed after the
 *     store's commit) is not lost: it arrives once the fault clears;
 *   - the server recovers by itself when the fault clears, with no restart (same pid).
 * And a full disk: the data directory on a small tmpfs this test mounts (as root only;
 * skipped otherwise), filled until an upload fails with 503 and Retry-After; once space
 * is freed, uploads and other writes succeed again without a restart.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "harness.h"

static api_server srv;
static char *t_user, *t_mod;
static char auth[300];

static void fault(const char *points)
{
    FILE *f = fopen(srv.fault_file, "w");
    CHECK(f != NULL);
    fputs(points, f);
    fclose(f);
}

static void no_fault(void)
{
    unlink(srv.fault_file);
}

static api_res call(const char *method, const char *path, const char *json, const char *token)
{
    return api_json(&srv, API_H1, method, path, json, token);
}

static void expect_503(api_res *r)
{
    api_expect(r, 503);
    char buf[64];
    CHECK(api_header(r, "retry-after", buf, sizeof buf) != NULL);
    CHECK(atoi(buf) >= 1);
}

static const char pdf[] = "%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n";

static api_res upload(const char *bytes, size_t len)
{
    const char *h[] = {auth, "X-Filename: report.pdf", NULL};
    return api_call(&srv, API_H1, "POST", "/v1/attachments", "application/pdf", bytes, len, h);
}

static long search_total(const char *q)
{
    char p[200];
    snprintf(p, sizeof p, "/v1/search?q=%s", q);
    api_res r = call("GET", p, NULL, NULL);
    api_expect(&r, 200);
    long n = (long)cJSON_GetObjectItemCaseSensitive(r.json, "total")->valuedouble;
    api_res_free(&r);
    return n;
}

static char *body_of(const char *path, const char *token)
{
    api_res r = call("GET", path, NULL, token);
    api_expect(&r, 200);
    char *s = strdup(r.body);
    api_res_free(&r);
    return s;
}

static void make_profile(const char *token, const char *name, char id[64])
{
    char body[1500];
    snprintf(body, sizeof body,
             "{\"type\":\"cluster_organisation\",\"name\":\"%s\",\"country\":\"FR\","
             "\"city\":\"Lyon\",\"description\":\"A cluster.\",\"website\":\"https://f.example\","
             "\"languages\":[\"en\"],\"management_fte\":2,\"members_count\":40,"
             "\"member_composition\":{\"smes\":30,\"research\":10},\"services\":[\"training\","
             "\"matchmaking\"],\"ecosystems\":[\"digital\"],\"contact\":{\"name\":\"N\","
             "\"email\":\"c@example.eu\"}}",
             name);
    api_res r = call("POST", "/v1/profiles", body, token);
    api_expect(&r, 201);
    snprintf(id, 64, "%s", api_jstr(r.json, "id"));
    api_res_free(&r);
}

/* store write and sync, and the attachment store: 503, nothing written, then recovery */
static void write_faults(void)
{
    char id[64], p[200];
    make_profile(t_user, "Faulty Cluster", id);
    snprintf(p, sizeof p, "/v1/profiles/%s?version=draft", id);
    static const char *const points[] = {"store.write", "store.sync", "attachment.write"};
    for (size_t i = 0; i < 3; i++) {
        char *before = body_of(p, t_user);
        fault(points[i]);
        api_res r = upload(pdf, sizeof pdf - 1);
        expect_503(&r);
        api_res_free(&r);
        if (i < 2) {
            char path[200];
            snprintf(path, sizeof path, "/v1/profiles/%s", id);
            r = call("PATCH", path, "{\"description\":\"Should not be kept\"}", t_user);
            expect_503(&r);
            api_res_free(&r);
            r = call("POST", "/v1/password-resets", "{\"email\":\"faulty@example.eu\"}", NULL);
            expect_503(&r);
            api_res_free(&r);
        }
        char *during = body_of(p, t_user); /* reads go on while writes fail */
        CHECK_STR_EQ(before, during);
        no_fault();
        r = upload(pdf, sizeof pdf - 1);
        api_expect(&r, 201);
        /* the upload that failed left nothing: this one is the only one, readable */
        char get[200];
        snprintf(get, sizeof get, "/v1/attachments/%s", api_jstr(r.json, "id"));
        api_res_free(&r);
        r = api_call(&srv, API_H1, "GET", get, NULL, NULL, 0, (const char *[]){auth, NULL});
        api_expect(&r, 200);
        CHECK_EQ(r.len, sizeof pdf - 1);
        api_res_free(&r);
        free(before);
        free(during);
    }
    CHECK_EQ(api_outbox_count(&srv, "faulty@example.eu", 0), 0);
}

/* the spool: an acknowledged e-mail waits while its file cannot be written or synced,
 * and arrives once the fault clears */
static void outbox_faults(void)
{
    static const char *const points[] = {"outbox.write", "outbox.sync"};
    for (size_t i = 0; i < 2; i++) {
        char user[32], body[300], mail[64];
        snprintf(user, sizeof user, "mailer%zu", i);
        free(api_signup(&srv, user, "a long password"));
        snprintf(mail, sizeof mail, "%s@example.eu", user);
        fault(points[i]);
        snprintf(body, sizeof body, "{\"email\":\"%s\"}", mail);
        api_res r = call("POST", "/v1/password-resets", body, NULL);
        api_expect(&r, 202); /* in the store with its e-mail: acknowledged */
        api_res_free(&r);
        sleep(2); /* the deliverer tries (and retries each second) meanwhile */
        CHECK_EQ(api_outbox_count(&srv, mail, 0), 0);
        no_fault();
        CHECK_EQ(api_outbox_count(&srv, mail, 1), 1);
        /* and no temporary file of the failed attempts is left behind (checked once the
         * deliverer is done: while it retries, a batch's files exist for a moment) */
        char cmd[600];
        snprintf(cmd, sizeof cmd, "ls -A '%s/data/outbox' | grep -c '\\.tmp$' | grep -qx 0",
                 srv.dir);
        CHECK_EQ(system(cmd), 0);
    }
}

/* the index: a published profile is found once the index can commit again */
static void index_fault(void)
{
    char id[64], p[200];
    char *t = api_signup(&srv, "indexer", "a long password");
    fault("index.commit");
    make_profile(t, "Zephyrindex Cluster", id);
    snprintf(p, sizeof p, "/v1/profiles/%s/submit", id);
    api_res r = call("POST", p, NULL, t);
    api_expect(&r, 200);
    api_res_free(&r);
    free(t);
    snprintf(p, sizeof p, "/v1/profiles/%s/moderation", id);
    r = call("POST", p, "{\"decision\":\"publish\"}", t_mod);
    api_expect(&r, 200);
    api_res_free(&r);
    sleep(1);
    CHECK_EQ(search_total("zephyrindex"), 0);
    no_fault();
    long n = 0;
    for (int i = 0; i < 100 && n == 0; i++) {
        usleep(100000);
        n = search_total("zephyrindex");
    }
    CHECK_EQ(n, 1);
}

/* a full disk: the whole data directory (store with its WAL and blob files, index,
 * outbox) on a 48 MiB tmpfs this test mounts (root only; CI runs as root). */
static void disk_full(void)
{
    if (geteuid() != 0) {
        printf("disk full: SKIPPED, not run: mounting a tmpfs needs root (CI runs as root)\n");
        return;
    }
    api_server d;
    api_prepare(&d);
    char data[400], opts[64];
    snprintf(data, sizeof data, "%s/data", d.dir);
    CHECK_EQ(mkdir(data, 0700), 0);
    snprintf(opts, sizeof opts, "size=%dm", 48);
    if (mount("tmpfs", data, "tmpfs", 0, opts) != 0) {
        printf("disk full: SKIPPED, not run (mount: %s)\n", strerror(errno));
        return;
    }
    api_start(&d, d.dir, NULL);
    char *tok = api_signup(&d, "filler", "a long password");
    char a[300];
    snprintf(a, sizeof a, "Authorization: Bearer %s", tok);
    size_t len = 4 << 20;
    char *big = malloc(len);
    memset(big, 'x', len);
    memcpy(big, pdf, sizeof pdf - 1);
    const char *h[] = {a, "X-Filename: big.pdf", NULL};
    enum { MAX_UP = 40 };
    char ids[MAX_UP + 1][64];
    long status = 0;
    int uploaded = 0;
    for (int i = 0; i < MAX_UP; i++) {
        api_res r = api_call(&d, API_H1, "POST", "/v1/attachments", "application/pdf", big, len, h);
        status = r.status;
        if (status == 503) {
            char buf[64];
            CHECK(api_header(&r, "retry-after", buf, sizeof buf) != NULL);
        } else if (status == 201) {
            CHECK(r.json != NULL && api_jstr(r.json, "id") != NULL);
            snprintf(ids[uploaded], sizeof ids[0], "%s", api_jstr(r.json, "id"));
        }
        api_res_free(&r);
        if (status != 201)
            break;
        uploaded++;
    }
    CHECK_EQ(status, 503);
    /* While the disk stays full the server lives on (RocksDB used to abort it here, on
     * its own info log's second failed append) and keeps answering 503 to writes, 200 to
     * reads: every acknowledged upload is whole. */
    for (int i = 0; i < 3; i++) {
        usleep(2000000); /* RocksDB's free-space poller runs every 5 s */
        api_res r = api_call(&d, API_H1, "POST", "/v1/attachments", "application/pdf", big, len, h);
        CHECK_EQ(r.status, 503);
        api_res_free(&r);
    }
    for (int i = 0; i < uploaded; i++) {
        char path[128];
        snprintf(path, sizeof path, "/v1/attachments/%.63s", ids[i]);
        api_res r = api_call(&d, API_H1, "GET", path, NULL, NULL, 0, h);
        CHECK_EQ(r.status, 200);
        CHECK_EQ(r.len, len);
        CHECK(memcmp(r.body, big, len) == 0);
        api_res_free(&r);
    }
    printf("disk full: %d uploads of 4 MiB fit in 48 MiB, then 503 with Retry-After; the "
           "server stays up, every acknowledged upload reads back whole\n",
           uploaded);
    /* space again: grow the tmpfs (as freeing it would); RocksDB's recovery (it polls
     * the free space every 5 s, flushes, switches to a new WAL) lets writes through
     * again, with no restart */
    CHECK_EQ(mount("tmpfs", data, "tmpfs", MS_REMOUNT, "size=512m"), 0);
    long st = 0;
    int waited = 0;
    for (; waited < 60 && st != 201; waited++) {
        api_res r = api_call(&d, API_H1, "POST", "/v1/attachments", "application/pdf", big, len, h);
        st = r.status;
        if (st == 201)
            snprintf(ids[uploaded++], sizeof ids[0], "%s", api_jstr(r.json, "id"));
        else
            CHECK_EQ(st, 503);
        api_res_free(&r);
        if (st != 201)
            usleep(500000);
    }
    if (st != 201)
        fprintf(stderr, "after the disk has room again, uploads still answer %ld\n", st);
    CHECK_EQ(st, 201);
    printf("disk full: writes accepted again %.1f s after space returned, unrestarted\n",
           waited * 0.5);
    /* other writes too, and after a clean restart everything acknowledged is there */
    free(api_signup(&d, "after-full", "a long password"));
    api_stop(&d);
    api_start(&d, d.dir, NULL);
    for (int i = 0; i < uploaded; i++) {
        char path[128];
        snprintf(path, sizeof path, "/v1/attachments/%.63s", ids[i]);
        api_res r = api_call(&d, API_H1, "GET", path, NULL, NULL, 0, h);
        CHECK_EQ(r.status, 200);
        CHECK_EQ(r.len, len);
        api_res_free(&r);
    }
    free(big);
    free(tok);
    api_stop(&d);
    CHECK_EQ(umount(data), 0);
    api_cleanup(&d);
}

/* ---- the newer routes under a failing store: news, images, personal data, events,
 * exchanges ---- */

static void publish(const char *token, const char *name, const char *country, char pid[64],
                    char reg[64])
{
    char body[1500], p[200];
    snprintf(body, sizeof body,
             "{\"type\":\"cluster_organisation\",\"name\":\"%s\",\"country\":\"%s\","
             "\"city\":\"Lyon\",\"description\":\"A cluster.\",\"website\":\"https://f.example\","
             "\"languages\":[\"en\"],\"management_fte\":2,\"members_count\":40,"
             "\"member_composition\":{\"smes\":30,\"research\":10},\"services\":[\"training\","
             "\"matchmaking\"],\"ecosystems\":[\"digital\"],\"contact\":{\"name\":\"N\","
             "\"email\":\"c@example.eu\"}}",
             name, country);
    api_res r = call("POST", "/v1/profiles", body, token);
    api_expect(&r, 201);
    snprintf(pid, 64, "%s", api_jstr(r.json, "id"));
    api_res_free(&r);
    snprintf(p, sizeof p, "/v1/profiles/%s/submit", pid);
    r = call("POST", p, NULL, token);
    api_expect(&r, 200);
    api_res_free(&r);
    snprintf(p, sizeof p, "/v1/profiles/%s/moderation", pid);
    r = call("POST", p, "{\"decision\":\"publish\"}", t_mod);
    api_expect(&r, 200);
    api_res_free(&r);
    snprintf(body, sizeof body,
             "{\"profile_id\":\"%s\",\"roles\":[\"host\",\"visitor\"],\"ecosystems\":"
             "[\"digital\"],\"target_countries\":[],\"objectives\":[\"market_exploration\"],"
             "\"languages\":[\"en\"],\"availability\":[{\"from\":\"2030-01-01\",\"to\":"
             "\"2030-12-31\"}],\"duration_days\":{\"min\":3,\"max\":20},\"host_capacity\":2,"
             "\"offer\":\"Visits.\",\"demand\":\"Partners.\"}",
             pid);
    r = call("POST", "/v1/xchange/registrations", body, token);
    api_expect(&r, 201);
    snprintf(reg, 64, "%s", api_jstr(r.json, "id"));
    api_res_free(&r);
    snprintf(p, sizeof p, "/v1/xchange/registrations/%s/decision", reg);
    r = call("POST", p, "{\"decision\":\"accept\"}", t_mod);
    api_expect(&r, 200);
    api_res_free(&r);
}

typedef struct newer_write {
    const char *method;
    char path[200], body[700];
    const char *token;
    const char *type; /* raw body of this media type (an image), else JSON */
    long ok;          /* its status once the store takes writes again */
} newer_write;

static api_res send_write(const newer_write *w)
{
    if (w->type == NULL)
        return call(w->method, w->path, w->body[0] ? w->body : NULL, w->token);
    char a[300];
    snprintf(a, sizeof a, "Authorization: Bearer %s", w->token);
    const char *h[] = {a, NULL};
    return api_call(&srv, API_H1, w->method, w->path, w->type, w->body, 45, h);
}

static void newer_faults(void)
{
    char fr[64], fr_reg[64], de[64], de_reg[64], p[300];
    char *t_fr = api_signup(&srv, "faultyfr", "a long password");
    char *t_de = api_signup(&srv, "faultyde", "a long password");
    char *t_erase = api_signup(&srv, "eraseme", "a long password");
    publish(t_fr, "Newer Faults Cluster", "FR", fr, fr_reg);
    publish(t_de, "Newer Faults Partner", "DE", de, de_reg);
    /* what exists before: a news item, an event with slots */
    char news[64], ev[64];
    snprintf(p, sizeof p, "/v1/profiles/%s/news", fr);
    api_res r =
        call("POST", p, "{\"title\":\"Kept news\",\"body\":\"b\",\"attachments\":[]}", t_fr);
    api_expect(&r, 201);
    snprintf(news, sizeof news, "%s", api_jstr(r.json, "id"));
    api_res_free(&r);
    const char *event_body =
        "{\"profile_id\":\"%s\",\"title\":\"%s\",\"kind\":\"matchmaking\",\"starts_at\":"
        "\"2030-03-01T09:00:00Z\",\"ends_at\":\"2030-03-01T12:00:00Z\",\"location\":"
        "\"Brussels\",\"virtual\":false,\"description\":\"B2B\",\"ecosystems\":[\"digital\"]}";
    char body[700];
    snprintf(body, sizeof body, event_body, fr, "Kept event");
    r = call("POST", "/v1/events", body, t_fr);
    api_expect(&r, 201);
    snprintf(ev, sizeof ev, "%s", api_jstr(r.json, "id"));
    api_res_free(&r);
    static const char png[] = "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x10\0\0\0\x10\x08\x02\0\0\0"
                              "\x01\x02\x03\x04\0\0\0\0IEND\xae\x42\x60\x82";

    newer_write w[16];
    size_t n = 0;
#define W(m, tokn, typ, okst, ...)                                                                 \
    do {                                                                                           \
        w[n] = (newer_write){.method = m, .token = tokn, .type = typ, .ok = okst};                 \
        snprintf(w[n].path, sizeof w[n].path, __VA_ARGS__);                                        \
        n++;                                                                                       \
    } while (0)
    W("POST", t_fr, NULL, 201, "/v1/profiles/%s/news", fr);
    snprintf(w[n - 1].body, sizeof w[0].body,
             "{\"title\":\"Lost news\",\"body\":\"b\",\"attachments\":[]}");
    W("PATCH", t_fr, NULL, 200, "/v1/profiles/%s/news/%s", fr, news);
    snprintf(w[n - 1].body, sizeof w[0].body, "{\"title\":\"Changed news\"}");
    W("PUT", t_fr, "image/png", 204, "/v1/profiles/%s/logo", fr);
    memcpy(w[n - 1].body, png, sizeof png - 1);
    W("PUT", t_fr, "image/png", 204, "/v1/profiles/%s/contact/photo", fr);
    memcpy(w[n - 1].body, png, sizeof png - 1);
    W("PUT", t_fr, NULL, 204, "/v1/me/newsletters");
    snprintf(w[n - 1].body, sizeof w[0].body, "[\"quarterly\"]");
    W("POST", t_fr, NULL, 201, "/v1/events");
    snprintf(w[n - 1].body, sizeof w[0].body, event_body, fr, "Lost event");
    W("PATCH", t_fr, NULL, 200, "/v1/events/%s", ev);
    snprintf(w[n - 1].body, sizeof w[0].body, "{\"title\":\"Changed event\"}");
    W("PUT", t_fr, NULL, 200, "/v1/events/%s/slots", ev);
    snprintf(w[n - 1].body, sizeof w[0].body,
             "{\"tables\":2,\"slots\":[{\"starts_at\":\"2030-03-01T09:00:00Z\",\"ends_at\":"
             "\"2030-03-01T09:30:00Z\"}]}");
    W("POST", t_de, NULL, 201, "/v1/events/%s/participants", ev);
    snprintf(w[n - 1].body, sizeof w[0].body, "{\"profile_id\":\"%s\"}", de);
    W("POST", t_fr, NULL, 201, "/v1/xchange/exchanges");
    snprintf(w[n - 1].body, sizeof w[0].body, "{\"visitor\":\"%s\",\"host\":\"%s\"}", fr_reg,
             de_reg);
    W("POST", t_fr, NULL, 201, "/v1/xchange/registrations/%s/messages", fr_reg);
    snprintf(w[n - 1].body, sizeof w[0].body, "{\"to\":\"%s\",\"text\":\"Lost message\"}", de_reg);
    W("DELETE", t_fr, NULL, 204, "/v1/profiles/%s/news/%s", fr, news);
    W("DELETE", t_erase, NULL, 204, "/v1/me");
    snprintf(w[n - 1].body, sizeof w[0].body, "{\"password\":\"a long password\"}");
#undef W

    /* what the writes could change, read back before and after */
    char views[8][300];
    const char *view_tok[8] = {t_fr, t_fr, t_fr, t_fr, t_fr, t_fr, t_fr, t_erase};
    snprintf(views[0], 300, "/v1/profiles/%s/news", fr);
    snprintf(views[1], 300, "/v1/me");
    snprintf(views[2], 300, "/v1/events/%s", ev);
    snprintf(views[3], 300, "/v1/events/%s/participants", ev);
    snprintf(views[4], 300, "/v1/xchange/exchanges?registration=%s", fr_reg);
    snprintf(views[5], 300, "/v1/xchange/registrations/%s/conversations", fr_reg);
    snprintf(views[6], 300, "/v1/events?per_page=50");
    snprintf(views[7], 300, "/v1/me");
    static const char *const points[] = {"store.write", "store.sync"};
    for (size_t pt = 0; pt < 2; pt++) {
        char *before[8];
        for (int v = 0; v < 8; v++)
            before[v] = body_of(views[v], view_tok[v]);
        fault(points[pt]);
        for (size_t i = 0; i < n; i++) {
            r = send_write(&w[i]);
            if (r.status != 503)
                fprintf(stderr, "%s %s under %s\n", w[i].method, w[i].path, points[pt]);
            expect_503(&r);
            api_res_free(&r);
        }
        /* images: still none */
        for (int s = 0; s < 2; s++) {
            snprintf(p, sizeof p, "/v1/profiles/%s/%s", fr, s ? "contact/photo" : "logo");
            r = call("GET", p, NULL, t_fr);
            api_expect(&r, 404);
            api_res_free(&r);
        }
        no_fault();
        for (int v = 0; v < 8; v++) {
            char *after = body_of(views[v], view_tok[v]);
            if (strcmp(before[v], after) != 0)
                fprintf(stderr, "%s changed under %s:\n%s\n%s\n", views[v], points[pt], before[v],
                        after);
            CHECK_STR_EQ(before[v], after);
            free(after);
            free(before[v]);
        }
    }
    /* the same writes go through once the store takes them (so each could have changed
     * what was compared), on the same server */
    for (size_t i = 0; i < n; i++) {
        r = send_write(&w[i]);
        if (r.status != w[i].ok)
            fprintf(stderr, "%s %s after the fault: %ld %s\n", w[i].method, w[i].path, r.status,
                    r.body ? r.body : "");
        CHECK_EQ(r.status, w[i].ok);
        api_res_free(&r);
    }
    printf("newer routes: %zu writes (news, images, newsletters, erasure, events, slots, "
           "participants, exchanges, messages) x store write/sync: 503 + Retry-After, nothing "
           "changed; each accepted once the fault clears\n",
           n);
    free(t_fr);
    free(t_de);
    free(t_erase);
}

int main(int argc, char **argv)
{
    CHECK(argc >= 2);
    api_binary = argv[1];
    api_kill_on_abort(&srv);
    api_prepare(&srv);
    const char *args[] = {"user",           "create", "--username", "Mod", "--email",
                          "mod@example.eu", "--role", "moderator",  NULL};
    CHECK_EQ(api_cli(&srv, "moderator password\n", args), 0);
    api_start(&srv, srv.dir, NULL);
    pid_t pid = srv.pid;
    t_user = api_signup(&srv, "faulty", "a long password");
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", t_user);
    api_res r = call("POST", "/v1/sessions",
                     "{\"login\":\"mod\",\"password\":\"moderator password\"}", NULL);
    api_expect(&r, 201);
    t_mod = strdup(api_jstr(r.json, "token"));
    api_res_free(&r);

    write_faults();
    newer_faults();
    outbox_faults();
    index_fault();
    CHECK_EQ(srv.pid, pid); /* recovered without a restart */
    CHECK_EQ(kill(pid, 0), 0);
    api_stop(&srv);
    api_cleanup(&srv);
    disk_full();
    printf("storage faults: store write/sync, attachment write, outbox write/sync, index "
           "commit: 503 + Retry-After, nothing partial, nothing lost, recovered unrestarted\n");
    return 0;
}
