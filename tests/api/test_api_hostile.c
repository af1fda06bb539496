/*
 * Regression tests for the holes a hostile client found (issue "Close the holes a hostile
 * client found"), each against the real server and named after what broke: a body whose
 * announced lengths outrun its bytes, duplicate keys and NUL characters, password hashing
 * before any check, a session token kept in a replayable response, reset links outliving
 * a password change, account enumeration at scale, bodies read past their route's limit,
 * error bodies from the HTTP layer, and the smaller ones.
 */
#include <curl/curl.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/time.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "check.h"
#include "core/value.h"
#include "harness.h"

static api_server srv;

static void expect_error(api_res *r, long status, const char *code)
{
    if (r->status != status || api_error_code(r) == NULL || strcmp(api_error_code(r), code) != 0)
        fprintf(stderr, "expected %ld %s, got %ld: %s\n", status, code, r->status,
                r->body ? r->body : "(no body)");
    CHECK_EQ(r->status, status);
    CHECK_STR_EQ(api_error_code(r), code);
}

static void server_still_answers(void)
{
    api_res r = api_call(&srv, API_H1, "GET", "/healthz", NULL, NULL, 0, NULL);
    CHECK_EQ(r.status, 200);
    api_res_free(&r);
}

/* Kilobytes of the server's peak virtual memory (/proc/PID/status VmPeak). */
static long vm_peak_kb(void)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)srv.pid);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    long kb = -1;
    while (fgets(line, sizeof(line), f) != NULL)
        if (sscanf(line, "VmPeak: %ld kB", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

static void msgpack_length_bomb_is_refused_before_allocating(void)
{
    long before = vm_peak_kb();
    /* An array header announcing 4,294,967,295 items, and nothing after it. */
    api_res r = api_call(&srv, API_H1, "POST", "/v1/sessions", "application/msgpack",
                         "\xdd\xff\xff\xff\xff", 5, NULL);
    expect_error(&r, 400, "bad_request");
    CHECK(strstr(api_error_code(&r) ? r.body : "", "announces more") != NULL);
    api_res_free(&r);
    /* 31 nested headers in 155 bytes: each announces four billion items. */
    char nested[155];
    for (int i = 0; i < 31; i++)
        memcpy(nested + 5 * i, "\xdd\xff\xff\xff\xff", 5);
    r = api_call(&srv, API_H2C, "POST", "/v1/sessions", "application/msgpack", nested,
                 sizeof(nested), NULL);
    expect_error(&r, 400, "bad_request");
    api_res_free(&r);
    /* A map of 65,535 entries announced in 3 bytes, a string of 4 GiB in 5. */
    r = api_call(&srv, API_H1, "POST", "/v1/users", "application/msgpack", "\xde\xff\xff", 3, NULL);
    expect_error(&r, 400, "bad_request");
    api_res_free(&r);
    r = api_call(&srv, API_H1, "POST", "/v1/users", "application/msgpack",
                 "\x81\xdb\xff\xff\xff\xff", 6, NULL);
    expect_error(&r, 400, "bad_request");
    api_res_free(&r);
    server_still_answers();
    /* Nothing reserved gigabytes for those few bytes (msgpack-c reserved 32 GiB each). */
    CHECK_LT(vm_peak_kb() - before, 1024 * 1024);
}

static void duplicate_keys_are_refused_in_both_formats(void)
{
    char *token = api_signup(&srv, "dupkeys", "long enough password");
    char auth[300];
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
    const char *h[] = {auth, NULL};
    /* {"type":"cluster_member","name":"A","name":"B"} in MessagePack */
    static const char mp[] = "\x83\xa4type\xae"
                             "cluster_member\xa4name\xa1"
                             "A\xa4name\xa1"
                             "B";
    api_res r = api_call(&srv, API_H1, "POST", "/v1/profiles", "application/msgpack", mp,
                         sizeof(mp) - 1, h);
    expect_error(&r, 400, "bad_request");
    CHECK(strstr(r.body, "duplicate key") != NULL);
    api_res_free(&r);
    const char *json = "{\"type\":\"cluster_member\",\"name\":\"A\",\"name\":\"B\"}";
    r = api_call(&srv, API_H1, "POST", "/v1/profiles", "application/json", json, strlen(json), h);
    expect_error(&r, 400, "bad_request");
    CHECK(strstr(r.body, "duplicate key") != NULL);
    api_res_free(&r);
    /* nested objects too, and an object of many keys (sorted check, not quadratic) */
    size_t cap = 2 * 1000 * 16 + 64, n = 0;
    char *big = malloc(cap);
    n += (size_t)snprintf(big + n, cap - n, "{\"type\":\"cluster_member\",\"x\":{");
    for (int i = 0; i < 1000; i++)
        n += (size_t)snprintf(big + n, cap - n, "%s\"k%d\":1", i ? "," : "", i % 999);
    n += (size_t)snprintf(big + n, cap - n, "}}");
    r = api_call(&srv, API_H1, "POST", "/v1/profiles", "application/json", big, n, h);
    expect_error(&r, 400, "bad_request");
    api_res_free(&r);
    free(big);
    free(token);
}

static void nul_inside_a_string_is_refused(void)
{
    const char *body = "{\"username\":\"nulA\\u0000evil\",\"email\":\"nul@example.eu\","
                       "\"email_confirm\":\"nul@example.eu\",\"password\":\"long enough password\","
                       "\"organisation_name\":\"X\",\"country\":\"IT\",\"title\":\"T\"}";
    api_res r = api_json(&srv, API_H1, "POST", "/v1/users", body, NULL);
    expect_error(&r, 400, "bad_request");
    CHECK(strstr(r.body, "NUL") != NULL);
    api_res_free(&r);
    /* and nothing was created: the same e-mail registers fine afterwards */
    const char *ok = "{\"username\":\"nulA\",\"email\":\"nul@example.eu\","
                     "\"email_confirm\":\"nul@example.eu\",\"password\":\"long enough password\","
                     "\"organisation_name\":\"X\",\"country\":\"IT\",\"title\":\"T\"}";
    r = api_json(&srv, API_H1, "POST", "/v1/users", ok, NULL);
    CHECK_EQ(r.status, 201);
    api_res_free(&r);
    /* a NUL byte in a MessagePack string is refused the same way */
    static const char mp[] = "\x81\xa5login\xa3"
                             "a\0b";
    r = api_call(&srv, API_H1, "POST", "/v1/sessions", "application/msgpack", mp, sizeof(mp) - 1,
                 NULL);
    expect_error(&r, 400, "bad_request");
    api_res_free(&r);
}

static long metric(const char *name)
{
    api_res r = api_call(&srv, API_H1, "GET", "/metrics", NULL, NULL, 0, NULL);
    CHECK_EQ(r.status, 200);
    char needle[128];
    snprintf(needle, sizeof(needle), "\n%s ", name);
    const char *p = strstr(r.body, needle);
    CHECK(p != NULL);
    long v = atol(p + strlen(needle));
    api_res_free(&r);
    return v;
}

static const char *const user_body =
    "{\"username\":\"hashme\",\"email\":\"hashme@example.eu\",\"email_confirm\":"
    "\"hashme@example.eu\",\"password\":\"long enough password\",\"organisation_name\":\"X\","
    "\"country\":\"IT\",\"title\":\"T\"}";

static void bogus_resets_and_taken_signups_hash_nothing(void)
{
    api_res r = api_json(&srv, API_H1, "POST", "/v1/users", user_body, NULL);
    CHECK_EQ(r.status, 201);
    api_res_free(&r);
    long before = metric("eccpd_password_hashes_total");
    for (int i = 0; i < 5; i++) {
        char path[96];
        snprintf(path, sizeof(path), "/v1/password-resets/bogus-token-%d", i);
        r = api_json(&srv, API_H1, "PUT", path, "{\"password\":\"a new long password\"}", NULL);
        expect_error(&r, 404, "not_found");
        api_res_free(&r);
    }
    r = api_json(&srv, API_H1, "POST", "/v1/users", user_body, NULL);
    expect_error(&r, 409, "conflict");
    api_res_free(&r);
    CHECK_EQ(metric("eccpd_password_hashes_total"), before);
    /* a real sign-in still hashes (checks) once */
    r = api_json(&srv, API_H1, "POST", "/v1/sessions",
                 "{\"login\":\"hashme\",\"password\":\"long enough password\"}", NULL);
    CHECK_EQ(r.status, 201);
    api_res_free(&r);
    CHECK_EQ(metric("eccpd_password_hashes_total"), before + 1);
}

static void hashing_is_rate_limited_per_client(void)
{
    api_server lim = {0};
    const char *extra[] = {"--hash-rate", "3", NULL};
    api_start(&lim, NULL, extra);
    char *token = api_signup(&lim, "ratelimited", "long enough password"); /* 2 hashes */
    free(token);
    api_res r = api_json(&lim, API_H1, "POST", "/v1/sessions",
                         "{\"login\":\"ratelimited\",\"password\":\"long enough password\"}", NULL);
    CHECK_EQ(r.status, 201); /* the third */
    api_res_free(&r);
    r = api_json(&lim, API_H1, "POST", "/v1/sessions",
                 "{\"login\":\"ratelimited\",\"password\":\"long enough password\"}", NULL);
    expect_error(&r, 429, "rate_limited");
    char buf[32];
    CHECK(api_header(&r, "retry-after", buf, sizeof(buf)) != NULL);
    CHECK_GT(atoi(buf), 0);
    api_res_free(&r);
    api_stop(&lim);
    api_cleanup(&lim);
}

static void a_session_token_is_never_stored_for_replay(void)
{
    const char *login = "{\"login\":\"hashme\",\"password\":\"long enough password\"}";
    const char *h[] = {"Idempotency-Key: session-key-1", NULL};
    api_res a =
        api_call(&srv, API_H1, "POST", "/v1/sessions", "application/json", login, strlen(login), h);
    CHECK_EQ(a.status, 201);
    const char *tok = cJSON_GetObjectItem(a.json, "token")->valuestring;
    api_res b =
        api_call(&srv, API_H1, "POST", "/v1/sessions", "application/json", login, strlen(login), h);
    CHECK_EQ(b.status, 201);
    char buf[16];
    CHECK(api_header(&b, "idempotent-replayed", buf, sizeof(buf)) == NULL);
    /* a retry signs in again: a new session, not the first one's token from storage */
    CHECK(strcmp(cJSON_GetObjectItem(b.json, "token")->valuestring, tok) != 0);
    /* and the token is nowhere in the store's files (SST, log, write-ahead log) */
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "grep -rqaF '%s' '%s/data/store'", tok, srv.dir);
    CHECK(system(cmd) != 0);
    api_res_free(&a);
    api_res_free(&b);
}

static char *reset_token_from_outbox(int nth)
{
    /* the nth reset e-mail for hashme, by counting */
    CHECK_GE(api_outbox_count(&srv, "reset-password?token=", nth), nth);
    char cmd[1024];
    snprintf(cmd, sizeof(cmd),
             "ls -tr '%s/data/outbox' | while read f; do grep -ho 'token=[A-Za-z0-9_-]*' "
             "'%s/data/outbox/'\"$f\"; done | sed -n %dp",
             srv.dir, srv.dir, nth);
    FILE *p = popen(cmd, "r");
    CHECK(p != NULL);
    char line[256] = "";
    CHECK(fgets(line, sizeof(line), p) != NULL);
    pclose(p);
    line[strcspn(line, "\r\n")] = '\0';
    return strdup(line + 6);
}

static void a_password_change_revokes_older_reset_links(void)
{
    for (int i = 0; i < 2; i++) {
        api_res r = api_json(&srv, API_H1, "POST", "/v1/password-resets",
                             "{\"email\":\"hashme@example.eu\"}", NULL);
        CHECK_EQ(r.status, 202);
        api_res_free(&r);
    }
    char *older = reset_token_from_outbox(1), *newer = reset_token_from_outbox(2);
    CHECK(strcmp(older, newer) != 0);
    char path[256];
    snprintf(path, sizeof(path), "/v1/password-resets/%s", newer);
    api_res r = api_json(&srv, API_H1, "PUT", path, "{\"password\":\"the newer password\"}", NULL);
    CHECK_EQ(r.status, 204);
    api_res_free(&r);
    snprintf(path, sizeof(path), "/v1/password-resets/%s", older);
    r = api_json(&srv, API_H1, "PUT", path, "{\"password\":\"the older link's pw\"}", NULL);
    expect_error(&r, 404, "not_found");
    api_res_free(&r);
    r = api_json(&srv, API_H1, "POST", "/v1/sessions",
                 "{\"login\":\"hashme\",\"password\":\"the newer password\"}", NULL);
    CHECK_EQ(r.status, 201);
    api_res_free(&r);
    free(older);
    free(newer);
}

static void enumeration_answers_are_rate_limited(void)
{
    api_server e = {0};
    api_start(&e, NULL, NULL);
    char *token = api_signup(&e, "prober", "long enough password");
    /* sign-ups with taken e-mails: the 409 stays, but only a few times */
    int conflicts = 0, limited = 0;
    for (int i = 0; i < 14; i++) {
        char body[400];
        snprintf(body, sizeof(body),
                 "{\"username\":\"probe%d\",\"email\":\"prober@example.eu\",\"email_confirm\":"
                 "\"prober@example.eu\",\"password\":\"long enough password\","
                 "\"organisation_name\":\"X\",\"country\":\"IT\",\"title\":\"T\"}",
                 i);
        api_res r = api_json(&e, API_H1, "POST", "/v1/users", body, NULL);
        conflicts += r.status == 409;
        limited += r.status == 429;
        api_res_free(&r);
    }
    CHECK_EQ(conflicts, 10);
    CHECK_EQ(limited, 4);
    /* adding colleagues by unregistered e-mails: 404 a few times, then 429 */
    api_res r =
        api_json(&e, API_H1, "POST", "/v1/profiles",
                 "{\"type\":\"cluster_member\",\"name\":\"Probe GmbH\",\"country\":\"DE\"}", token);
    CHECK_EQ(r.status, 201);
    char path[128];
    snprintf(path, sizeof(path), "/v1/profiles/%s/admins",
             cJSON_GetObjectItem(r.json, "id")->valuestring);
    api_res_free(&r);
    int missing = 0;
    limited = 0;
    for (int i = 0; i < 13; i++) {
        char body[128];
        snprintf(body, sizeof(body), "{\"email\":\"nobody%d@example.eu\"}", i);
        r = api_json(&e, API_H1, "POST", path, body, token);
        missing += r.status == 404;
        limited += r.status == 429;
        api_res_free(&r);
    }
    CHECK_EQ(missing, 10);
    CHECK_EQ(limited, 3);
    free(token);
    api_stop(&e);
    api_cleanup(&e);
}

static void sign_in_limit_counts_the_account_not_the_login(void)
{
    char *token = api_signup(&srv, "twonames", "long enough password");
    free(token);
    const char *wrong[] = {"{\"login\":\"twonames\",\"password\":\"wrong password 1\"}",
                           "{\"login\":\"twonames@example.eu\",\"password\":\"wrong password 1\"}"};
    for (int i = 0; i < 5; i++) {
        api_res r = api_json(&srv, API_H1, "POST", "/v1/sessions", wrong[i % 2], NULL);
        expect_error(&r, 401, "unauthorized");
        api_res_free(&r);
    }
    /* five wrong by username and e-mail together: the e-mail is blocked as well */
    api_res r =
        api_json(&srv, API_H1, "POST", "/v1/sessions",
                 "{\"login\":\"TwoNames@Example.eu\",\"password\":\"long enough password\"}", NULL);
    expect_error(&r, 429, "rate_limited");
    api_res_free(&r);
}

static void an_empty_patch_writes_no_revision(void)
{
    char *token = api_signup(&srv, "patcher", "long enough password");
    api_res r =
        api_json(&srv, API_H1, "POST", "/v1/profiles",
                 "{\"type\":\"cluster_member\",\"name\":\"Patch GmbH\",\"country\":\"DE\"}", token);
    CHECK_EQ(r.status, 201);
    char path[128];
    snprintf(path, sizeof(path), "/v1/profiles/%s", cJSON_GetObjectItem(r.json, "id")->valuestring);
    char *updated = cJSON_PrintUnformatted(cJSON_GetObjectItem(r.json, "updated_at"));
    api_res_free(&r);
    long seq = metric("eccpd_store_last_seq"); /* a revision takes a change-log entry */
    sleep(1);                                  /* updated_at has a resolution of a second */
    r = api_json(&srv, API_H1, "PATCH", path, "{}", token);
    CHECK_EQ(r.status, 200);
    char *after = cJSON_PrintUnformatted(cJSON_GetObjectItem(r.json, "updated_at"));
    CHECK_STR_EQ(after, updated);
    free(after);
    api_res_free(&r);
    r = api_json(&srv, API_H1, "PATCH", path, "{\"name\":\"Patch GmbH\"}", token);
    CHECK_EQ(r.status, 200);
    api_res_free(&r);
    CHECK_EQ(metric("eccpd_store_last_seq"), seq);
    r = api_json(&srv, API_H1, "PATCH", path, "{\"name\":\"Patch AG\"}", token);
    CHECK_EQ(r.status, 200);
    after = cJSON_PrintUnformatted(cJSON_GetObjectItem(r.json, "updated_at"));
    CHECK(strcmp(after, updated) != 0);
    free(after);
    api_res_free(&r);
    free(updated);
    free(token);
}

/* ---- the HTTP layer, spoken raw ---- */

static int raw_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    return fd;
}

/* Sends bytes and reads one response (up to its Content-Length) into out. */
static void raw_exchange(const char *req, size_t len, char *out, size_t cap)
{
    int fd = raw_connect(srv.port);
    CHECK(write(fd, req, len) == (ssize_t)len);
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
    }
    close(fd);
}

static void expect_raw_error(const char *resp, const char *status, const char *code)
{
    if (strncmp(resp, status, strlen(status)) != 0 || strstr(resp, code) == NULL)
        fprintf(stderr, "expected %s %s, got: %s\n", status, code, resp);
    CHECK(strncmp(resp, status, strlen(status)) == 0);
    CHECK(strcasestr(resp, "content-type: application/json") != NULL);
    char want[64];
    snprintf(want, sizeof(want), "{\"error\":{\"code\":\"%s\"", code);
    CHECK(strstr(resp, want) != NULL);
}

static void a_body_over_its_route_limit_is_refused_from_its_head(void)
{
    /* 60 MB announced to a route that takes 8 KiB: the 413 comes back while only the head
     * and three bytes have been sent, so nothing waits for (or buffers) the body. */
    char resp[4096];
    const char *req = "POST /v1/sessions HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                      "Content-Length: 60000000\r\n\r\nabc";
    raw_exchange(req, strlen(req), resp, sizeof(resp));
    expect_raw_error(resp, "HTTP/1.1 413", "payload_too_large");
    CHECK(strstr(resp, "8192 bytes") != NULL);
    /* a chunked body is counted as its chunks arrive */
    size_t cap = 16 * 1024, n = 0;
    char *big = malloc(cap);
    n += (size_t)snprintf(big, cap,
                          "POST /v1/sessions HTTP/1.1\r\nHost: t\r\nContent-Type: "
                          "application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "2400\r\n");
    memset(big + n, 'x', 0x2400);
    n += 0x2400;
    n += (size_t)snprintf(big + n, cap - n, "\r\n");
    raw_exchange(big, n, resp, sizeof(resp));
    expect_raw_error(resp, "HTTP/1.1 413", "payload_too_large");
    free(big);
    /* eight at once, each sending a megabyte after its head: all refused, server serving */
    int fds[8];
    char *mb = calloc(1, 1 << 20);
    for (int i = 0; i < 8; i++) {
        fds[i] = raw_connect(srv.port);
        CHECK(write(fds[i], req, strlen(req)) > 0);
    }
    for (int i = 0; i < 8; i++) {
        (void)!write(fds[i], mb, 1 << 20); /* may fail once the server has closed */
        char buf[512] = "";
        CHECK(read(fds[i], buf, sizeof(buf) - 1) > 0);
        CHECK(strncmp(buf, "HTTP/1.1 413", 12) == 0);
        close(fds[i]);
    }
    free(mb);
    server_still_answers();
}

static void http1_framing_errors_get_the_json_error_body(void)
{
    static const struct {
        const char *req;
        const char *status, *code;
    } cases[] = {
        {"POST /v1/sessions HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
         "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
         "HTTP/1.1 400", "bad_request"},
        {"POST /v1/sessions HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
         "Transfer-Encoding: chunked\r\n\r\nzz\r\n",
         "HTTP/1.1 400", "bad_request"},
        {"GET /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\n", "HTTP/1.1 400",
         "bad_request"},
        {"GET /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
         "HTTP/1.1 400", "bad_request"},
        {"POST /v1/sessions HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
         "Transfer-Encoding: gzip\r\n\r\n",
         "HTTP/1.1 400", "bad_request"},
        /* a body longer than its Content-Length: refused at once, not a 10 s wait */
        {"POST /v1/sessions HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
         "Content-Length: 2\r\n\r\n{}xyz",
         "HTTP/1.1 400", "bad_request"},
        {"GARBAGE\r\n\r\n", "HTTP/1.1 400", "bad_request"},
    };
    char resp[4096];
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        raw_exchange(cases[i].req, strlen(cases[i].req), resp, sizeof(resp));
        expect_raw_error(resp, cases[i].status, cases[i].code);
    }
    /* too many headers */
    char many[8192];
    size_t n = (size_t)snprintf(many, sizeof(many), "GET /healthz HTTP/1.1\r\nHost: t\r\n");
    for (int i = 0; i < 120; i++)
        n += (size_t)snprintf(many + n, sizeof(many) - n, "X-H%d: v\r\n", i);
    n += (size_t)snprintf(many + n, sizeof(many) - n, "\r\n");
    raw_exchange(many, n, resp, sizeof(resp));
    expect_raw_error(resp, "HTTP/1.1 400", "bad_request");
    /* and pipelining, which looks like a longer body, still works */
    const char *two = "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\nGET /healthz HTTP/1.1\r\nHost: t\r\n"
                      "Connection: close\r\n\r\n";
    int fd = raw_connect(srv.port);
    CHECK(write(fd, two, strlen(two)) == (ssize_t)strlen(two));
    size_t got = 0;
    ssize_t r;
    while (got < sizeof(resp) - 1 && (r = read(fd, resp + got, sizeof(resp) - 1 - got)) > 0)
        got += (size_t)r;
    resp[got] = '\0';
    close(fd);
    const char *second = strstr(resp, "HTTP/1.1 200");
    CHECK(second != NULL && strstr(second + 1, "HTTP/1.1 200") != NULL);
    server_still_answers();
}

static void frame(int fd, int type, int flags, int stream, const void *payload, size_t len)
{
    unsigned char h[9] = {(unsigned char)(len >> 16),
                          (unsigned char)(len >> 8),
                          (unsigned char)len,
                          (unsigned char)type,
                          (unsigned char)flags,
                          0,
                          0,
                          0,
                          (unsigned char)stream};
    CHECK(write(fd, h, 9) == 9);
    if (len > 0)
        CHECK(write(fd, payload, len) == (ssize_t)len);
}

static void a_trickled_http2_header_block_is_cut_off(void)
{
    int fd = raw_connect(srv.port);
    const char *preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    CHECK(write(fd, preface, 24) == 24);
    frame(fd, 4, 0, 0, NULL, 0);     /* SETTINGS */
    frame(fd, 1, 0x1, 1, "\x82", 1); /* HEADERS, END_STREAM, no END_HEADERS */
    bool closed = false;
    /* one byte of CONTINUATION every two seconds, for up to 24 s */
    for (int i = 0; i < 12 && !closed; i++) {
        sleep(2);
        unsigned char junk[4096];
        struct timeval tv = {0, 1000};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        ssize_t r;
        while ((r = read(fd, junk, sizeof(junk))) > 0)
            ;
        if (r == 0) {
            closed = true;
            break;
        }
        if (send(fd, "\x00\x00\x01\x09\x00\x00\x00\x00\x01\x84", 10, MSG_NOSIGNAL) != 10)
            closed = true;
    }
    close(fd);
    CHECK(closed);
    server_still_answers();
}

static void connections_beyond_the_cap_wait_to_be_accepted(void)
{
    api_server c = {0};
    const char *extra[] = {"--max-connections", "4", NULL};
    api_start(&c, NULL, extra);
    int held[4];
    for (int i = 0; i < 4; i++) {
        held[i] = raw_connect(c.port);
        /* each gets an answer, so each is accepted and held open */
        const char *req = "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n";
        CHECK(write(held[i], req, strlen(req)) > 0);
        char buf[512];
        CHECK(read(held[i], buf, sizeof(buf)) > 0);
    }
    int fifth = raw_connect(c.port); /* the kernel completes it; eccpd does not take it */
    struct timeval tv = {1, 0};
    setsockopt(fifth, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    const char *req = "GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    CHECK(write(fifth, req, strlen(req)) > 0);
    char buf[512];
    CHECK(read(fifth, buf, sizeof(buf)) < 0); /* no answer while four are open */
    for (int i = 0; i < 4; i++)
        close(held[i]);
    tv.tv_sec = 5;
    setsockopt(fifth, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    ssize_t r = read(fifth, buf, sizeof(buf) - 1);
    CHECK(r > 0);
    buf[r] = '\0';
    CHECK(strncmp(buf, "HTTP/1.1 200", 12) == 0);
    close(fifth);
    api_stop(&c);
    api_cleanup(&c);
}

int main(int argc, char **argv)
{
    CHECK(argc == 2);
    api_binary = argv[1];
    curl_global_init(CURL_GLOBAL_ALL);
    api_start(&srv, NULL, NULL);
    RUN(msgpack_length_bomb_is_refused_before_allocating);
    RUN(duplicate_keys_are_refused_in_both_formats);
    RUN(nul_inside_a_string_is_refused);
    RUN(bogus_resets_and_taken_signups_hash_nothing);
    RUN(hashing_is_rate_limited_per_client);
    RUN(a_session_token_is_never_stored_for_replay);
    RUN(a_password_change_revokes_older_reset_links);
    RUN(enumeration_answers_are_rate_limited);
    RUN(sign_in_limit_counts_the_account_not_the_login);
    RUN(an_empty_patch_writes_no_revision);
    RUN(a_body_over_its_route_limit_is_refused_from_its_head);
    RUN(http1_framing_errors_get_the_json_error_body);
    RUN(a_trickled_http2_header_block_is_cut_off);
    RUN(connections_beyond_the_cap_wait_to_be_accepted);
    api_stop(&srv);
    api_cleanup(&srv);
    curl_global_cleanup();
    return 0;
}
