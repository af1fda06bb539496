/*
 * Regression tests for the holes a hostile client found (issue "Close the holes a hostile
 * client found"), each against the real server and named after what broke: a body whose
 * announced lengths outrun its bytes, duplicate keys and NUL characters, password hashing
 * before any check, a session token kept in a replayable response, reset links outliving
 * a password change, account enumeration at scale, bodies read past their route's limit,
 * error bodies from the HTTP layer, and the smaller ones.
 */
#include <curl/curl.h>
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
    r = api_call(&srv, API_H1, "POST", "/v1/users", "application/msgpack", "\xde\xff\xff", 3,
                 NULL);
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
    static const char mp[] = "\x83\xa4type\xae" "cluster_member\xa4name\xa1" "A\xa4name\xa1" "B";
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
    static const char mp[] = "\x81\xa5login\xa3" "a\0b";
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
    api_server lim;
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
    api_res a = api_call(&srv, API_H1, "POST", "/v1/sessions", "application/json", login,
                         strlen(login), h);
    CHECK_EQ(a.status, 201);
    const char *tok = cJSON_GetObjectItem(a.json, "token")->valuestring;
    api_res b = api_call(&srv, API_H1, "POST", "/v1/sessions", "application/json", login,
                         strlen(login), h);
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
    api_server e;
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
    api_res r = api_json(&e, API_H1, "POST", "/v1/profiles",
                         "{\"type\":\"cluster_member\",\"name\":\"Probe GmbH\",\"country\":\"DE\"}",
                         token);
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
    api_res r = api_json(&srv, API_H1, "POST", "/v1/sessions",
                         "{\"login\":\"TwoNames@Example.eu\",\"password\":\"long enough password\"}",
                         NULL);
    expect_error(&r, 429, "rate_limited");
    api_res_free(&r);
}

static void an_empty_patch_writes_no_revision(void)
{
    char *token = api_signup(&srv, "patcher", "long enough password");
    api_res r = api_json(&srv, API_H1, "POST", "/v1/profiles",
                         "{\"type\":\"cluster_member\",\"name\":\"Patch GmbH\",\"country\":\"DE\"}",
                         token);
    CHECK_EQ(r.status, 201);
    char path[128];
    snprintf(path, sizeof(path), "/v1/profiles/%s", cJSON_GetObjectItem(r.json, "id")->valuestring);
    char *updated = strdup(cJSON_PrintUnformatted(cJSON_GetObjectItem(r.json, "updated_at")));
    api_res_free(&r);
    long seq = metric("eccpd_store_last_seq"); /* a revision takes a change-log entry */
    sleep(1); /* updated_at has a resolution of a second */
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
    api_stop(&srv);
    api_cleanup(&srv);
    curl_global_cleanup();
    return 0;
}
