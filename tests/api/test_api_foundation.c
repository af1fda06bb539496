/*
 * API tests of the foundation against the real binary: both HTTP versions (h2c prior
 * knowledge, Upgrade, TLS with ALPN), the error model for every status, MessagePack,
 * Idempotency-Key, injected store faults, graceful shutdown, and kill -9 losing no
 * acknowledged write.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "core/value.h"
#include "harness.h"

static api_server srv;
static const api_proto both[] = {API_H1, API_H2C};
static const char *const proto_name[] = {"HTTP/1.1", "h2c", "h2c-upgrade", "h2-tls"};

static void expect_error(api_res *r, long status, const char *code)
{
    if (r->status != status || api_error_code(r) == NULL || strcmp(api_error_code(r), code) != 0)
        fprintf(stderr, "expected %ld %s, got %ld: %s\n", status, code, r->status,
                r->body ? r->body : "(no body)");
    CHECK_EQ(r->status, status);
    CHECK_STR_EQ(api_error_code(r), code);
    cJSON *msg = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItem(r->json, "error"), "message");
    CHECK(cJSON_IsString(msg) && strlen(msg->valuestring) > 0);
}

static void write_faults(const char *text)
{
    FILE *f = fopen(srv.fault_file, "w");
    CHECK(f != NULL);
    fputs(text, f);
    fclose(f);
}

static void healthz_over_every_protocol(void)
{
    for (int i = 0; i < 3; i++) {
        api_proto p = (api_proto[]){API_H1, API_H2C, API_H2_UPGRADE}[i];
        api_res r = api_call(&srv, p, "GET", "/healthz", NULL, NULL, 0, NULL);
        CHECK_EQ(r.status, 200);
        CHECK_STR_EQ(cJSON_GetObjectItem(r.json, "status")->valuestring, "ok");
        CHECK_EQ(r.http_version, p == API_H1 ? CURL_HTTP_VERSION_1_1 : CURL_HTTP_VERSION_2_0);
        api_res_free(&r);
    }
}

static void every_error_status_has_the_error_body(void)
{
    char *token = api_signup(&srv, "errors_user", "long enough password");
    for (int i = 0; i < 2; i++) {
        api_proto p = both[i];
        printf("[%s] ", proto_name[p]);
        api_res r;
        char buf[128];

        r = api_json(&srv, p, "POST", "/v1/users", "{\"username\": ", NULL);
        expect_error(&r, 400, "bad_request");
        api_res_free(&r);

        r = api_json(&srv, p, "GET", "/v1/me", NULL, NULL);
        expect_error(&r, 401, "unauthorized");
        CHECK(api_header(&r, "www-authenticate", buf, sizeof(buf)) != NULL);
        api_res_free(&r);

        r = api_json(&srv, p, "GET", "/v1/me", NULL, "not-a-real-token");
        expect_error(&r, 401, "unauthorized");
        api_res_free(&r);

        r = api_json(&srv, p, "GET", "/v1/moderation/queue", NULL, token);
        expect_error(&r, 403, "forbidden");
        api_res_free(&r);

        r = api_json(&srv, p, "GET", "/v1/no/such/thing", NULL, NULL);
        expect_error(&r, 404, "not_found");
        api_res_free(&r);

        r = api_json(&srv, p, "PUT", "/v1/me", "{}", token);
        expect_error(&r, 405, "method_not_allowed");
        /* DELETE /v1/me erases the account (issue 20) */
        CHECK_STR_EQ(api_header(&r, "allow", buf, sizeof(buf)), "GET, DELETE, HEAD, OPTIONS");
        api_res_free(&r);

        r = api_json(&srv, p, "POST", "/v1/users",
                     "{\"username\":\"Errors_User\",\"email\":\"other@example.eu\","
                     "\"email_confirm\":\"other@example.eu\",\"password\":\"long enough password\","
                     "\"organisation_name\":\"X\",\"country\":\"FR\",\"title\":\"T\"}",
                     NULL);
        expect_error(&r, 409, "conflict");
        api_res_free(&r);

        size_t big = 2 * 1024 * 1024;
        char *huge = malloc(big);
        memset(huge, ' ', big);
        r = api_call(&srv, p, "POST", "/v1/users", "application/json", huge, big, NULL);
        expect_error(&r, 413, "payload_too_large");
        api_res_free(&r);
        free(huge);

        r = api_call(&srv, p, "POST", "/v1/users", "text/plain", "hello", 5, NULL);
        expect_error(&r, 415, "unsupported_media_type");
        api_res_free(&r);

        r = api_json(&srv, p, "POST", "/v1/users",
                     "{\"username\":\"bad<name>\",\"email\":\"nope\",\"country\":\"de\","
                     "\"surprise\":1}",
                     NULL);
        expect_error(&r, 422, "validation_failed");
        cJSON *fields = cJSON_GetObjectItem(cJSON_GetObjectItem(r.json, "error"), "fields");
        const char *expect_fields[] = {"username",          "email",   "email_confirm", "password",
                                       "organisation_name", "country", "title",         "surprise"};
        for (size_t k = 0; k < sizeof(expect_fields) / sizeof(*expect_fields); k++)
            CHECK(cJSON_IsString(cJSON_GetObjectItem(fields, expect_fields[k])));
        api_res_free(&r);

        /* An injected sync failure: 503 with Retry-After, and nothing was written. */
        write_faults("store.sync\n");
        r = api_json(&srv, p, "POST", "/v1/sessions",
                     "{\"login\":\"errors_user\",\"password\":\"long enough password\"}", NULL);
        expect_error(&r, 503, "unavailable");
        CHECK(api_header(&r, "retry-after", buf, sizeof(buf)) != NULL);
        api_res_free(&r);
        char victim[512];
        snprintf(victim, sizeof(victim),
                 "{\"username\":\"fault_victim_%d\",\"email\":\"fv%d@example.eu\","
                 "\"email_confirm\":\"fv%d@example.eu\",\"password\":\"long enough password\","
                 "\"organisation_name\":\"X\",\"country\":\"FR\",\"title\":\"T\"}",
                 i, i, i);
        write_faults("store.internal\n");
        r = api_json(&srv, p, "POST", "/v1/users", victim, NULL);
        expect_error(&r, 500, "internal");
        api_res_free(&r);
        unlink(srv.fault_file);
        /* the failed registration left nothing: the same one now succeeds */
        r = api_json(&srv, p, "POST", "/v1/users", victim, NULL);
        CHECK_EQ(r.status, 201);
        api_res_free(&r);
    }
    free(token);
}

static void failed_logins_are_rate_limited(void)
{
    char *token = api_signup(&srv, "throttled", "long enough password");
    free(token);
    api_res r;
    for (int i = 0; i < 5; i++) {
        r = api_json(&srv, API_H1, "POST", "/v1/sessions",
                     "{\"login\":\"throttled\",\"password\":\"wrong password!\"}", NULL);
        expect_error(&r, 401, "unauthorized");
        api_res_free(&r);
    }
    /* an unknown account answers exactly like a wrong password */
    r = api_json(&srv, API_H1, "POST", "/v1/sessions",
                 "{\"login\":\"nobody-here\",\"password\":\"wrong password!\"}", NULL);
    expect_error(&r, 401, "unauthorized");
    api_res_free(&r);
    for (int i = 0; i < 2; i++) {
        r = api_json(&srv, both[i], "POST", "/v1/sessions",
                     "{\"login\":\"THROTTLED\",\"password\":\"long enough password\"}", NULL);
        expect_error(&r, 429, "rate_limited");
        char buf[32];
        CHECK(api_header(&r, "retry-after", buf, sizeof(buf)) != NULL);
        CHECK_GT(atoi(buf), 0);
        api_res_free(&r);
    }
}

static void msgpack_round_trip(void)
{
    core_arena a;
    core_arena_init(&a);
    core_value body = core_value_obj();
    core_value_set(&a, &body, "username", core_value_cstr(&a, "Mпак Ελένη"));
    core_value_set(&a, &body, "email", core_value_cstr(&a, "mp@example.eu"));
    core_value_set(&a, &body, "email_confirm", core_value_cstr(&a, "mp@example.eu"));
    core_value_set(&a, &body, "password", core_value_cstr(&a, "long enough password"));
    core_value_set(&a, &body, "organisation_name", core_value_cstr(&a, "Кластер"));
    core_value_set(&a, &body, "country", core_value_cstr(&a, "UA"));
    core_value_set(&a, &body, "title", core_value_cstr(&a, "Director"));
    char *buf;
    size_t len;
    CHECK_EQ(core_value_to_msgpack(&body, &buf, &len), 0);
    const char *h[] = {"Accept: application/msgpack", NULL};
    api_res r = api_call(&srv, API_H2C, "POST", "/v1/users", "application/msgpack", buf, len, h);
    free(buf);
    CHECK_EQ(r.status, 201);
    char ct[64];
    CHECK_STR_EQ(api_header(&r, "content-type", ct, sizeof(ct)), "application/msgpack");
    core_value out;
    const char *why;
    CHECK_EQ(core_value_from_msgpack(&a, r.body, r.len, &out, &why), 0);
    CHECK_STR_EQ(core_value_get_str(&out, "username"), "Mпак Ελένη");
    CHECK_STR_EQ(core_value_get_str(&out, "organisation_name"), "Кластер");
    CHECK(core_value_get(&out, "password") == NULL);
    CHECK(core_value_get(&out, "password_hash") == NULL);
    api_res_free(&r);

    /* malformed MessagePack is a 400, an error body in MessagePack when asked */
    r = api_call(&srv, API_H1, "POST", "/v1/users", "application/msgpack", "\xc1", 1, h);
    CHECK_EQ(r.status, 400);
    CHECK_EQ(core_value_from_msgpack(&a, r.body, r.len, &out, &why), 0);
    CHECK_STR_EQ(core_value_get_str(core_value_get(&out, "error"), "code"), "bad_request");
    api_res_free(&r);
    core_arena_dispose(&a);
}

static void idempotent_retry_acts_once(void)
{
    const char *body =
        "{\"username\":\"idem_user\",\"email\":\"idem@example.eu\","
        "\"email_confirm\":\"idem@example.eu\",\"password\":\"long enough password\","
        "\"organisation_name\":\"X\",\"country\":\"IT\",\"title\":\"T\"}";
    const char *h[] = {"Idempotency-Key: 7f1c-register-idem", NULL};
    api_res first =
        api_call(&srv, API_H1, "POST", "/v1/users", "application/json", body, strlen(body), h);
    CHECK_EQ(first.status, 201);
    api_res again =
        api_call(&srv, API_H2C, "POST", "/v1/users", "application/json", body, strlen(body), h);
    CHECK_EQ(again.status, 201);
    char buf[16];
    CHECK_STR_EQ(api_header(&again, "idempotent-replayed", buf, sizeof(buf)), "true");
    CHECK_STR_EQ(cJSON_GetObjectItem(again.json, "id")->valuestring,
                 cJSON_GetObjectItem(first.json, "id")->valuestring);
    /* the same key with another body is refused */
    const char *other = "{\"username\":\"idem_user2\",\"email\":\"idem2@example.eu\","
                        "\"email_confirm\":\"idem2@example.eu\",\"password\":\"long enough pw\","
                        "\"organisation_name\":\"X\",\"country\":\"IT\",\"title\":\"T\"}";
    api_res mismatch =
        api_call(&srv, API_H1, "POST", "/v1/users", "application/json", other, strlen(other), h);
    expect_error(&mismatch, 422, "validation_failed");
    /* and the first registration happened exactly once: a plain retry conflicts */
    api_res plain = api_json(&srv, API_H1, "POST", "/v1/users", body, NULL);
    expect_error(&plain, 409, "conflict");
    api_res_free(&first);
    api_res_free(&again);
    api_res_free(&mismatch);
    api_res_free(&plain);
}

static void metrics_and_openapi(void)
{
    api_res r = api_call(&srv, API_H1, "GET", "/metrics", NULL, NULL, 0, NULL);
    CHECK_EQ(r.status, 200);
    const char *must[] = {
        "eccpd_http_requests_total{method=\"POST\",route=\"/v1/users\",status=\"201\"}",
        "eccpd_http_request_duration_seconds_bucket",
        "eccpd_http_requests_in_flight 1",
        "eccpd_store_last_seq",
        "eccpd_store_commit_groups_total",
        "eccpd_allocator_allocated_bytes",
        "eccpd_allocator_resident_bytes"};
    for (size_t i = 0; i < sizeof(must) / sizeof(*must); i++) {
        if (strstr(r.body, must[i]) == NULL)
            fprintf(stderr, "missing in /metrics: %s\n", must[i]);
        CHECK(strstr(r.body, must[i]) != NULL);
    }
    api_res_free(&r);
    r = api_call(&srv, API_H2C, "GET", "/openapi.json", NULL, NULL, 0, NULL);
    CHECK_EQ(r.status, 200);
    cJSON *paths = cJSON_GetObjectItem(r.json, "paths");
    const char *documented[] = {"/healthz",  "/readyz",      "/metrics",
                                "/v1/users", "/v1/sessions", "/v1/sessions/current",
                                "/v1/me"};
    for (size_t i = 0; i < sizeof(documented) / sizeof(*documented); i++)
        CHECK(cJSON_GetObjectItem(paths, documented[i]) != NULL);
    api_res_free(&r);
}

static void sign_out_ends_the_session(void)
{
    char *token = api_signup(&srv, "leaver", "long enough password");
    api_res r = api_json(&srv, API_H2C, "GET", "/v1/me", NULL, token);
    CHECK_EQ(r.status, 200);
    CHECK(cJSON_GetObjectItem(r.json, "password_hash") == NULL);
    api_res_free(&r);
    r = api_json(&srv, API_H2C, "DELETE", "/v1/sessions/current", NULL, token);
    CHECK_EQ(r.status, 204);
    api_res_free(&r);
    r = api_json(&srv, API_H1, "GET", "/v1/me", NULL, token);
    expect_error(&r, 401, "unauthorized");
    api_res_free(&r);
    free(token);
}

enum { CRASH_USERS = 12 };

static void kill9_loses_no_acknowledged_write(void)
{
    char *tokens[CRASH_USERS];
    for (int i = 0; i < CRASH_USERS; i++) {
        char name[32];
        snprintf(name, sizeof(name), "durable_%02d", i);
        tokens[i] = api_signup(&srv, name, "long enough password");
    }
    api_kill9(&srv);
    api_start(&srv, srv.dir, NULL);
    for (int i = 0; i < CRASH_USERS; i++) {
        api_res r = api_json(&srv, i % 2 ? API_H2C : API_H1, "GET", "/v1/me", NULL, tokens[i]);
        CHECK_EQ(r.status, 200);
        char name[32];
        snprintf(name, sizeof(name), "durable_%02d", i);
        CHECK_STR_EQ(cJSON_GetObjectItem(r.json, "username")->valuestring, name);
        api_res_free(&r);
        free(tokens[i]);
    }
}

typedef struct slow_call {
    long status;
} slow_call;

static void *login_during_shutdown(void *arg)
{
    slow_call *c = arg;
    api_res r = api_json(&srv, API_H1, "POST", "/v1/sessions",
                         "{\"login\":\"drainer\",\"password\":\"long enough password\"}", NULL);
    __atomic_store_n(&c->status, r.status, __ATOMIC_RELEASE);
    api_res_free(&r);
    return NULL;
}

static void sigterm_drains_requests_in_flight(void)
{
    free(api_signup(&srv, "drainer", "long enough password"));
    slow_call c = {0};
    pthread_t th;
    pthread_create(&th, NULL, login_during_shutdown, &c);
    /* stop while the login is in flight: wait until its password is hashing on the pool
     * (on a loaded machine the request may take longer than any fixed pause to arrive) */
    for (int i = 0; i < 2000; i++) {
        api_res m = api_call(&srv, API_H2C, "GET", "/metrics", NULL, NULL, 0, NULL);
        const char *g = m.body ? strstr(m.body, "\neccpd_password_hashes_in_flight ") : NULL;
        bool hashing = g != NULL && g[strlen("\neccpd_password_hashes_in_flight ")] != '0';
        api_res_free(&m);
        if (hashing || __atomic_load_n(&c.status, __ATOMIC_ACQUIRE) != 0)
            break;
        usleep(1000);
    }
    api_stop(&srv); /* checks the exit status is 0 */
    pthread_join(th, NULL);
    CHECK_EQ(c.status, 201);
    FILE *f = fopen(srv.log, "r");
    char line[512];
    bool clean = false;
    while (f && fgets(line, sizeof(line), f))
        clean |= strstr(line, "stopped cleanly") != NULL;
    if (f)
        fclose(f);
    CHECK(clean);
    api_start(&srv, srv.dir, NULL);
}

static void tls_offers_h2_through_alpn(void)
{
    api_server tls = {0};
    char cert[300], key[300], cmd[1024];
    snprintf(cert, sizeof(cert), "%s/cert.pem", srv.dir);
    snprintf(key, sizeof(key), "%s/key.pem", srv.dir);
    snprintf(cmd, sizeof(cmd),
             "openssl req -x509 -newkey rsa:2048 -nodes -keyout '%s' -out '%s' -days 2 "
             "-subj /CN=localhost >/dev/null 2>&1",
             key, cert);
    CHECK_EQ(system(cmd), 0);
    tls.tls_cert = cert;
    tls.tls_key = key;
    api_start(&tls, NULL, NULL);
    api_res r = api_call(&tls, API_H2_TLS, "GET", "/healthz", NULL, NULL, 0, NULL);
    CHECK_EQ(r.status, 200);
    CHECK_EQ(r.http_version, CURL_HTTP_VERSION_2_0);
    api_res_free(&r);
    api_stop(&tls);
    api_cleanup(&tls);
}

int main(int argc, char **argv)
{
    CHECK(argc == 2);
    api_binary = argv[1];
    curl_global_init(CURL_GLOBAL_ALL);
    api_start(&srv, NULL, NULL);
    RUN(healthz_over_every_protocol);
    RUN(every_error_status_has_the_error_body);
    RUN(failed_logins_are_rate_limited);
    RUN(msgpack_round_trip);
    RUN(idempotent_retry_acts_once);
    RUN(metrics_and_openapi);
    RUN(sign_out_ends_the_session);
    RUN(kill9_loses_no_acknowledged_write);
    RUN(sigterm_drains_requests_in_flight);
    RUN(tls_offers_h2_through_alpn);
    api_stop(&srv);
    api_cleanup(&srv);
    curl_global_cleanup();
    return 0;
}
