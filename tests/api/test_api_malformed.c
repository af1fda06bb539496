/*
 * Hostile HTTP against the real binary: a table of malformed requests, each sent raw over
 * its own HTTP/1.1 connection (truncated bodies, wrong lengths, deep nesting, huge
 * numbers, duplicate keys, invalid UTF-8, NUL bytes, oversized headers, bad
 * percent-encoding, bad methods and paths, bodies on every family of routes: accounts,
 * profiles, partner searches, events, ClusterXchange and exchanges), each answered with
 * its 4xx (the API's JSON error body where the API answers), while other clients are
 * served throughout (a thread keeps asking and every answer is 200) and nothing changes
 * (the records every case aims at read the same before and after). Then idle and
 * trickling connections: the server closes them itself, and a client is served while
 * they hang on.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "harness.h"

static api_server srv;
static char *t_user, *t_mod;
static char prof[64], psearch[64], event[64], reg[64];

static void ok(const char *method, const char *path, const char *json, const char *token,
               long status, char *id)
{
    api_res r = api_json(&srv, API_H1, method, path, json, token);
    if (r.status != status)
        fprintf(stderr, "%s %s: %ld %s\n", method, path, r.status, r.body ? r.body : "");
    CHECK_EQ(r.status, status);
    if (id != NULL)
        snprintf(id, 64, "%s", api_jstr(r.json, "id"));
    api_res_free(&r);
}

static int raw_connect(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)srv.port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK_EQ(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    struct timeval tv = {.tv_sec = 15};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

/* Sends req (len bytes) and reads the answer's status line and body (up to cap). */
static int raw_status(const char *req, size_t len, char *out, size_t cap)
{
    int fd = raw_connect();
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, req + off, len - off);
        if (w <= 0)
            break; /* the server may answer and close before all is sent */
        off += (size_t)w;
    }
    size_t n = 0;
    out[0] = '\0';
    for (;;) {
        ssize_t r = read(fd, out + n, cap - 1 - n);
        if (r <= 0)
            break;
        n += (size_t)r;
        out[n] = '\0';
        const char *body = strstr(out, "\r\n\r\n"), *cl = strcasestr(out, "content-length:");
        if (body != NULL && cl != NULL && cl < body &&
            n - (size_t)(body + 4 - out) >= (size_t)atol(cl + 15))
            break;
        if (n + 1 >= cap)
            break;
    }
    close(fd);
    int status = 0;
    if (strncmp(out, "HTTP/1.", 7) == 0)
        status = atoi(out + 9);
    return status;
}

/* ---- the cases ---- */

typedef struct mcase {
    const char *name;
    char *req; /* malloc'd */
    size_t len;
    int status; /* expected */
    bool json;  /* the API's JSON error body */
} mcase;

static mcase cases[128];
static size_t ncases;

static void add_raw(const char *name, int status, bool json, const char *req, size_t len)
{
    CHECK(ncases < sizeof cases / sizeof cases[0]);
    cases[ncases].name = name;
    cases[ncases].req = malloc(len);
    memcpy(cases[ncases].req, req, len);
    cases[ncases].len = len;
    cases[ncases].status = status;
    cases[ncases].json = json;
    ncases++;
}

/* A request with a body; %P in the path is the profile, %S the partner search, %E the
 * event, %R the registration. */
static void add(const char *name, int status, const char *method, const char *path,
                const char *ctype, const char *body, size_t blen)
{
    char p[400];
    size_t o = 0;
    for (const char *s = path; *s && o + 70 < sizeof p; s++) {
        const char *sub = NULL;
        if (s[0] == '%' && s[1] == 'P')
            sub = prof;
        else if (s[0] == '%' && s[1] == 'S')
            sub = psearch;
        else if (s[0] == '%' && s[1] == 'E')
            sub = event;
        else if (s[0] == '%' && s[1] == 'R')
            sub = reg;
        if (sub != NULL) {
            o += (size_t)snprintf(p + o, sizeof p - o, "%s", sub);
            s++;
        } else {
            p[o++] = *s;
        }
    }
    p[o] = '\0';
    size_t cap = 1024 + blen + strlen(t_user);
    char *req = malloc(cap);
    int n = snprintf(req, cap,
                     "%s %s HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer %s\r\n"
                     "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n",
                     method, p, t_user, ctype, blen);
    memcpy(req + n, body, blen);
    add_raw(name, status, true, req, (size_t)n + blen);
    free(req);
}

#define J "application/json"
#define ADDJ(name, status, method, path, lit)                                                      \
    add(name, status, method, path, J, lit, sizeof lit - 1)

static void build_cases(void)
{
    /* JSON bodies: syntax */
    ADDJ("truncated object", 400, "PATCH", "/v1/profiles/%P", "{\"name\":\"x\"");
    ADDJ("truncated string", 400, "PATCH", "/v1/profiles/%P", "{\"name\":\"x");
    ADDJ("trailing comma", 400, "PATCH", "/v1/profiles/%P", "{\"name\":\"x\",}");
    ADDJ("trailing garbage", 400, "PATCH", "/v1/profiles/%P", "{\"name\":\"x\"} {}");
    ADDJ("single quotes", 400, "PATCH", "/v1/profiles/%P", "{'name':'x'}");
    ADDJ("bare word", 400, "PATCH", "/v1/profiles/%P", "nope");
    ADDJ("empty body", 422, "PATCH", "/v1/profiles/%P", "");
    ADDJ("comment", 400, "PATCH", "/v1/profiles/%P", "{/*c*/\"name\":\"x\"}");
    ADDJ("unescaped control", 400, "PATCH", "/v1/profiles/%P", "{\"name\":\"a\x01b\"}");
    ADDJ("bad escape", 400, "PATCH", "/v1/profiles/%P", "{\"name\":\"\\q\"}");
    ADDJ("lone surrogate", 400, "PATCH", "/v1/profiles/%P", "{\"name\":\"\\ud800\"}");
    ADDJ("escaped NUL", 400, "PATCH", "/v1/profiles/%P", "{\"name\":\"a\\u0000b\"}");
    ADDJ("raw NUL in string", 400, "PATCH", "/v1/profiles/%P", "{\"name\":\"a\0b\"}");
    ADDJ("invalid UTF-8", 400, "PATCH", "/v1/profiles/%P", "{\"name\":\"\xc3\x28\"}");
    ADDJ("overlong UTF-8", 400, "PATCH", "/v1/profiles/%P", "{\"name\":\"\xc0\xaf\"}");
    ADDJ("UTF-8 surrogate", 400, "PATCH", "/v1/profiles/%P", "{\"name\":\"\xed\xa0\x80\"}");
    ADDJ("duplicate key", 400, "PATCH", "/v1/profiles/%P", "{\"name\":\"a\",\"name\":\"b\"}");
    ADDJ("nested duplicate key", 400, "PATCH", "/v1/profiles/%P",
         "{\"contact\":{\"email\":\"a@b.eu\",\"email\":\"c@d.eu\"}}");
    ADDJ("leading zero", 400, "PATCH", "/v1/profiles/%P", "{\"members_count\":012}");
    ADDJ("NaN", 400, "PATCH", "/v1/profiles/%P", "{\"members_count\":NaN}");
    ADDJ("hex number", 400, "PATCH", "/v1/profiles/%P", "{\"members_count\":0x10}");
    /* JSON bodies: valid syntax, wrong shape or value (422) */
    ADDJ("huge integer", 422, "PATCH", "/v1/profiles/%P",
         "{\"members_count\":123456789012345678901234567890}");
    ADDJ("huge exponent", 400, "PATCH", "/v1/profiles/%P", "{\"members_count\":1e999}");
    ADDJ("negative count", 422, "PATCH", "/v1/profiles/%P", "{\"members_count\":-5}");
    ADDJ("array for string", 422, "PATCH", "/v1/profiles/%P", "{\"name\":[\"x\"]}");
    ADDJ("unknown country", 422, "PATCH", "/v1/profiles/%P", "{\"country\":\"ZZ\"}");
    ADDJ("bad ecosystem", 422, "PATCH", "/v1/profiles/%P", "{\"ecosystems\":[\"nope\"]}");
    ADDJ("body not an object", 422, "PATCH", "/v1/profiles/%P", "[1,2,3]");
    ADDJ("partner search: bad kind", 422, "PATCH", "/v1/partner-searches/%S",
         "{\"kind\":\"nope\"}");
    ADDJ("partner search: bad deadline", 422, "PATCH", "/v1/partner-searches/%S",
         "{\"deadline\":\"2030-02-31\"}");
    ADDJ("partner search: truncated", 400, "PATCH", "/v1/partner-searches/%S", "{\"title\":");
    ADDJ("interest: invalid UTF-8", 400, "POST", "/v1/partner-searches/%S/comments",
         "{\"text\":\"\xff\xfe\"}");
    ADDJ("comment: empty text", 422, "POST", "/v1/partner-searches/%S/comments", "{\"text\":\"\"}");
    ADDJ("event: end before start", 422, "PATCH", "/v1/events/%E",
         "{\"starts_at\":\"2030-03-02T09:00:00Z\",\"ends_at\":\"2030-03-01T09:00:00Z\"}");
    ADDJ("event: bad time", 422, "PATCH", "/v1/events/%E", "{\"starts_at\":\"yesterday\"}");
    ADDJ("event: slots on a webinar", 409, "PUT", "/v1/events/%E/slots",
         "{\"slots\":\"many\",\"tables\":2}");
    ADDJ("event: duplicate key", 400, "PATCH", "/v1/events/%E",
         "{\"title\":\"a\",\"title\":\"b\"}");
    ADDJ("xchange: bad roles", 422, "POST", "/v1/xchange/registrations",
         "{\"profile_id\":\"x\",\"roles\":[\"pirate\"]}");
    ADDJ("xchange: message to nobody", 422, "POST", "/v1/xchange/registrations/%R/messages",
         "{\"text\":\"hi\"}");
    ADDJ("exchange: missing sides", 422, "POST", "/v1/xchange/exchanges", "{}");
    ADDJ("sign-up: bad e-mail", 422, "POST", "/v1/users",
         "{\"username\":\"zz top\",\"email\":\"nope\",\"email_confirm\":\"nope\","
         "\"password\":\"a long password\"}");
    /* deep nesting */
    {
        char deep[2200];
        memset(deep, '[', 1000);
        memset(deep + 1000, ']', 1000);
        add("deep nesting (1000 arrays)", 400, "PATCH", "/v1/profiles/%P", J, deep, 2000);
        char obj[8000];
        size_t o = 0;
        for (int i = 0; i < 600; i++)
            o += (size_t)snprintf(obj + o, sizeof obj - o, "{\"a\":");
        obj[o++] = '1';
        for (int i = 0; i < 600; i++)
            obj[o++] = '}';
        add("deep nesting (600 objects)", 400, "PATCH", "/v1/profiles/%P", J, obj, o);
    }
    /* MessagePack bodies */
    add("msgpack: truncated map", 400, "PATCH", "/v1/profiles/%P", "application/msgpack",
        "\x81\xa4name", 6);
    add("msgpack: length bomb", 400, "PATCH", "/v1/profiles/%P", "application/msgpack",
        "\xdf\xff\xff\xff\xff", 5);
    add("msgpack: trailing bytes", 400, "PATCH", "/v1/profiles/%P", "application/msgpack",
        "\x80\xc0", 2);
    add("msgpack: duplicate key", 400, "PATCH", "/v1/profiles/%P", "application/msgpack",
        "\x82\xa1"
        "a\x01\xa1"
        "a\x02",
        8);
    add("msgpack: NUL in string", 400, "PATCH", "/v1/profiles/%P", "application/msgpack",
        "\x81\xa4name\xa3"
        "a\0b",
        10);
    add("msgpack: invalid UTF-8", 400, "PATCH", "/v1/profiles/%P", "application/msgpack",
        "\x81\xa4name\xa2\xc3\x28", 9);
    /* media types */
    add("text/plain body", 415, "PATCH", "/v1/profiles/%P", "text/plain", "{}", 2);
    add("form body", 415, "PATCH", "/v1/profiles/%P", "application/x-www-form-urlencoded", "a=b",
        3);
    add("attachment: not a document", 415, "POST", "/v1/attachments", "application/pdf",
        "MZ\x90\0this is an exe", 18);
    /* paths, methods, query strings */
    add("bad percent-encoding in path", 404, "GET", "/v1/profiles/%zz", J, "", 0);
    add("percent-encoded NUL in path", 404, "GET", "/v1/profiles/%00", J, "", 0);
    add("percent-encoded invalid UTF-8 in path", 404, "GET", "/v1/profiles/%ff%fe", J, "", 0);
    add("unknown route", 404, "GET", "/v1/nowhere", J, "", 0);
    add("wrong method", 405, "PUT", "/v1/search", J, "{}", 2);
    add("search: page 0", 400, "GET", "/v1/search?page=0", J, "", 0);
    add("search: page not a number", 400, "GET", "/v1/search?page=two", J, "", 0);
    add("search: per_page 1000", 400, "GET", "/v1/search?per_page=1000", J, "", 0);
    add("search: bad percent-encoding", 400, "GET", "/v1/search?q=%ff%fe", J, "", 0);
    add("search: NUL in query", 400, "GET", "/v1/search?q=a%00b", J, "", 0);
    add("search: unknown facet", 400, "GET", "/v1/search?facets=nope", J, "", 0);
    add("suggest: limit 0", 400, "GET", "/v1/suggest?q=ab&limit=0", J, "", 0);
    add("map: bad bbox", 400, "GET", "/v1/map?bbox=1,2,3", J, "", 0);
    add("events: bad from", 400, "GET", "/v1/events?from=tomorrow", J, "", 0);
    /* HTTP/1 framing */
    static const char *const framing[][2] = {
        {"Content-Length with Transfer-Encoding",
         "POST /v1/sessions HTTP/1.1\r\nHost: t\r\n"
         "Content-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n"
         "\r\n0\r\n\r\n"},
        {"two Content-Lengths",
         "POST /v1/sessions HTTP/1.1\r\nHost: t\r\nContent-Type: "
         "application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}"},
        {"negative Content-Length", "POST /v1/sessions HTTP/1.1\r\nHost: t\r\nContent-Type: "
                                    "application/json\r\nContent-Length: -1\r\n\r\n{}"},
        {"Content-Length not a number", "POST /v1/sessions HTTP/1.1\r\nHost: t\r\nContent-"
                                        "Type: application/json\r\nContent-Length: 2x\r\n\r\n{}"},
        {"body longer than Content-Length",
         "POST /v1/sessions HTTP/1.1\r\nHost: t\r\nContent-"
         "Type: application/json\r\nContent-Length: 2\r\n\r\n{}{\"login\":1}"},
        {"bad chunk size",
         "POST /v1/sessions HTTP/1.1\r\nHost: t\r\nContent-Type: "
         "application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"},
        {"header without colon", "GET /v1/search HTTP/1.1\r\nHost: t\r\nBroken header\r\n\r\n"},
        {"NUL in header", "GET /v1/search HTTP/1.1\r\nHost: t\r\nX-A: a\0b\r\n\r\n"},
        {"bad request line", "GET\r\n\r\n"},
        {"bad HTTP version", "GET /v1/search HTTP/9.9\r\nHost: t\r\n\r\n"},
    };
    for (size_t i = 0; i < sizeof framing / sizeof framing[0]; i++) {
        size_t len = strlen(framing[i][1]);
        if (strstr(framing[i][0], "NUL") != NULL)
            len = sizeof("GET /v1/search HTTP/1.1\r\nHost: t\r\nX-A: a\0b\r\n\r\n") - 1;
        add_raw(framing[i][0], 400, false, framing[i][1], len);
    }
    {
        /* more than 100 headers; one header of 500 KB (over h2o's head limit,
         * H2O_MAX_REQLEN: 8 KiB + 4 KiB per header, 417,792 bytes) */
        size_t cap = 600 * 1024, o = 0;
        char *r = malloc(cap);
        o += (size_t)snprintf(r, cap, "GET /v1/search HTTP/1.1\r\nHost: t\r\n");
        for (int i = 0; i < 150; i++)
            o += (size_t)snprintf(r + o, cap - o, "X-H%d: v\r\n", i);
        o += (size_t)snprintf(r + o, cap - o, "\r\n");
        add_raw("150 headers", 400, false, r, o);
        o = (size_t)snprintf(r, cap, "GET /v1/search HTTP/1.1\r\nHost: t\r\nX-Big: ");
        memset(r + o, 'a', 500 * 1024);
        o += 500 * 1024;
        o += (size_t)snprintf(r + o, cap - o, "\r\n\r\n");
        add_raw("a 500 KB header", 400, false, r, o);
        free(r);
    }
    {
        /* truncated body: the connection closes before the announced bytes */
        const char *r = "POST /v1/sessions HTTP/1.1\r\nHost: t\r\nContent-Type: application/json"
                        "\r\nContent-Length: 50\r\n\r\n{\"login\":";
        add_raw("truncated body (client closes)", 0, false, r, strlen(r));
    }
    {
        const char *r = "POST /v1/sessions HTTP/1.1\r\nHost: t\r\nContent-Type: application/json"
                        "\r\nContent-Length: 60000000\r\n\r\n{";
        add_raw("body over the route's limit", 413, true, r, strlen(r));
    }
}

/* ---- other clients, served throughout ---- */

static volatile int stop_other;
static int other_ok, other_bad;

static void *other_client(void *arg)
{
    while (!stop_other) {
        api_res r = api_json(&srv, API_H2C, "GET", "/v1/search?q=hostile", NULL, NULL);
        if (r.status == 200)
            other_ok++;
        else
            other_bad++;
        api_res_free(&r);
        usleep(20000);
    }
    return NULL;
}

static char *snapshot(void)
{
    char paths[6][200];
    snprintf(paths[0], 200, "/v1/profiles/%s?version=draft", prof);
    snprintf(paths[1], 200, "/v1/partner-searches/%s", psearch);
    snprintf(paths[2], 200, "/v1/events/%s", event);
    snprintf(paths[3], 200, "/v1/xchange/registrations/%s", reg);
    snprintf(paths[4], 200, "/v1/partner-searches/%s/comments", psearch);
    snprintf(paths[5], 200, "/v1/search?q=hostile&facets=country");
    size_t cap = 1 << 20, len = 0;
    char *out = malloc(cap);
    for (int i = 0; i < 6; i++) {
        api_res r = api_json(&srv, API_H1, "GET", paths[i], NULL, t_mod);
        CHECK_EQ(r.status, 200);
        cJSON_DeleteItemFromObject(r.json, "took_ms");
        char *s = cJSON_PrintUnformatted(r.json);
        len += (size_t)snprintf(out + len, cap - len, "%s\n", s);
        free(s);
        api_res_free(&r);
    }
    return out;
}

static void malformed(void)
{
    char *before = snapshot();
    pthread_t th;
    CHECK_EQ(pthread_create(&th, NULL, other_client, NULL), 0);
    int failures = 0;
    static char out[1 << 16];
    for (size_t i = 0; i < ncases; i++) {
        int st = raw_status(cases[i].req, cases[i].len, out, sizeof out);
        bool good = st == cases[i].status;
        if (good && cases[i].json && st != 0)
            good = strstr(out, "{\"error\":{\"code\":\"") != NULL;
        if (!good) {
            fprintf(stderr, "case \"%s\": expected %d, got %d: %.300s\n", cases[i].name,
                    cases[i].status, st, out);
            failures++;
        }
    }
    stop_other = 1;
    pthread_join(th, NULL);
    char *after = snapshot();
    if (strcmp(before, after) != 0)
        fprintf(stderr, "state changed:\n%s---\n%s", before, after);
    CHECK_STR_EQ(before, after);
    CHECK_EQ(failures, 0);
    CHECK_EQ(other_bad, 0);
    CHECK(other_ok > 0);
    printf("malformed requests: %zu cases answered as expected, state unchanged; another "
           "client got %d answers, all 200, meanwhile\n",
           ncases, other_ok);
    free(before);
    free(after);
}

/* ---- idle and trickling connections ---- */

static void slow_clients(void)
{
    enum { IDLE = 8, TRICKLE = 8 };
    int idle[IDLE], trickle[TRICKLE];
    for (int i = 0; i < IDLE; i++)
        idle[i] = raw_connect();
    for (int i = 0; i < TRICKLE; i++)
        trickle[i] = raw_connect();
    const char *head = "GET /v1/search?q=slow HTTP/1.1\r\nHost: t\r\nX-Slow: ";
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    bool closed[TRICKLE] = {false};
    int nclosed = 0;
    /* one byte per connection per second, never ending the head; a client is served */
    for (int sec = 0; sec < 40 && nclosed < TRICKLE; sec++) {
        for (int i = 0; i < TRICKLE; i++) {
            if (closed[i])
                continue;
            char c = sec < (int)strlen(head) ? head[sec] : 'a';
            if (send(trickle[i], &c, 1, MSG_NOSIGNAL) != 1) {
                closed[i] = true;
                nclosed++;
            }
        }
        api_res r = api_json(&srv, API_H1, "GET", "/healthz", NULL, NULL);
        CHECK_EQ(r.status, 200);
        api_res_free(&r);
        sleep(1);
        /* a closed connection reads as EOF or an answer (a 408) then EOF */
        for (int i = 0; i < TRICKLE; i++) {
            if (closed[i])
                continue;
            struct timeval tv = {.tv_sec = 0, .tv_usec = 1000};
            setsockopt(trickle[i], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
            char buf[512];
            ssize_t n = recv(trickle[i], buf, sizeof buf, 0);
            if (n >= 0) {
                closed[i] = true;
                nclosed++;
            }
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double took = (double)(t1.tv_sec - t0.tv_sec);
    CHECK_EQ(nclosed, TRICKLE);
    /* the idle ones were closed too (by then well past any idle timeout) */
    int idle_closed = 0;
    for (int i = 0; i < IDLE; i++) {
        struct timeval tv = {.tv_sec = 2};
        setsockopt(idle[i], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        char buf[512];
        ssize_t n = recv(idle[i], buf, sizeof buf, 0);
        idle_closed += n >= 0;
        close(idle[i]);
    }
    for (int i = 0; i < TRICKLE; i++)
        close(trickle[i]);
    CHECK_EQ(idle_closed, IDLE);
    printf("slow clients: %d trickling connections closed by the server within %.0f s, %d idle "
           "ones too; a client was served each second meanwhile\n",
           TRICKLE, took, IDLE);
}

int main(int argc, char **argv)
{
    CHECK(argc >= 2);
    api_binary = argv[1];
    api_kill_on_abort(&srv);
    signal(SIGPIPE, SIG_IGN);
    api_prepare(&srv);
    const char *args[] = {"user",           "create", "--username", "Mod", "--email",
                          "mod@example.eu", "--role", "moderator",  NULL};
    CHECK_EQ(api_cli(&srv, "moderator password\n", args), 0);
    api_start(&srv, srv.dir, NULL);
    t_user = api_signup(&srv, "hostile", "a long password");
    api_res r = api_json(&srv, API_H1, "POST", "/v1/sessions",
                         "{\"login\":\"mod\",\"password\":\"moderator password\"}", NULL);
    CHECK_EQ(r.status, 201);
    t_mod = strdup(api_jstr(r.json, "token"));
    api_res_free(&r);
    ok("POST", "/v1/profiles",
       "{\"type\":\"cluster_organisation\",\"name\":\"Hostile Test Cluster\",\"country\":\"FR\","
       "\"city\":\"Lyon\",\"description\":\"A cluster.\",\"website\":\"https://h.example\","
       "\"languages\":[\"en\"],\"management_fte\":2,\"members_count\":40,\"member_composition\":"
       "{\"smes\":30,\"research\":10},\"services\":[\"training\",\"matchmaking\"],\"ecosystems\":"
       "[\"digital\"],\"contact\":{\"name\":\"N\",\"email\":\"c@example.eu\"}}",
       t_user, 201, prof);
    char p[200], body[1024], soon[16];
    time_t later = time(NULL) + 60 * 86400;
    strftime(soon, sizeof soon, "%Y-%m-%d", gmtime(&later));
    snprintf(p, sizeof p, "/v1/profiles/%s/submit", prof);
    ok("POST", p, NULL, t_user, 200, NULL);
    snprintf(p, sizeof p, "/v1/profiles/%s/moderation", prof);
    ok("POST", p, "{\"decision\":\"publish\"}", t_mod, 200, NULL);
    snprintf(body, sizeof body,
             "{\"profile_id\":\"%s\",\"title\":\"Consortium\",\"description\":\"Partners.\","
             "\"kind\":\"consortium\",\"ecosystems\":[\"digital\"],\"countries_sought\":[\"DE\"],"
             "\"deadline\":\"%s\",\"attachments\":[]}",
             prof, soon);
    ok("POST", "/v1/partner-searches", body, t_user, 201, psearch);
    snprintf(body, sizeof body,
             "{\"profile_id\":\"%s\",\"title\":\"Days\",\"kind\":\"webinar\",\"starts_at\":"
             "\"2030-03-01T09:00:00Z\",\"ends_at\":\"2030-03-01T12:00:00Z\",\"location\":\"B\","
             "\"virtual\":false,\"description\":\"B2B\",\"ecosystems\":[\"digital\"]}",
             prof);
    ok("POST", "/v1/events", body, t_user, 201, event);
    snprintf(body, sizeof body,
             "{\"profile_id\":\"%s\",\"roles\":[\"host\"],\"ecosystems\":[\"digital\"],"
             "\"target_countries\":[],\"objectives\":[\"market_exploration\"],\"languages\":"
             "[\"en\"],\"availability\":[{\"from\":\"2030-01-01\",\"to\":\"2030-12-31\"}],"
             "\"duration_days\":{\"min\":3,\"max\":20},\"host_capacity\":2,\"offer\":\"V.\","
             "\"demand\":\"P.\"}",
             prof);
    ok("POST", "/v1/xchange/registrations", body, t_user, 201, reg);

    build_cases();
    CHECK(ncases >= 60);
    malformed();
    slow_clients();
    api_stop(&srv);
    api_cleanup(&srv);
    for (size_t i = 0; i < ncases; i++)
        free(cases[i].req);
    return 0;
}
