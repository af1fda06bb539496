/*
 * harness.h: API tests against the real eccpd binary.
 *
 * api_start runs `eccpd serve` on a free loopback port with a temporary data directory
 * and waits until /readyz answers; api_call speaks HTTP/1.1, HTTP/2 with prior knowledge
 * (h2c), HTTP/2 through Upgrade, or HTTP/2 over TLS to it through libcurl and returns
 * status, headers and the body (parsed when it is JSON).
 */
#ifndef ECCPD_TESTS_API_HARNESS_H
#define ECCPD_TESTS_API_HARNESS_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef enum api_proto { API_H1, API_H2C, API_H2_UPGRADE, API_H2_TLS } api_proto;

typedef struct api_server {
    pid_t pid;
    int port;
    char dir[256];        /* the data directory */
    char fault_file[300]; /* ECCPD_FAULT_FILE given to the server */
    char log[300];        /* the server's stdout+stderr */
    const char *tls_cert, *tls_key;
} api_server;

typedef struct api_res {
    long status;
    long http_version; /* CURL_HTTP_VERSION_1_1 or _2_0 */
    char *body;
    size_t len;
    char headers[8192];
    cJSON *json; /* NULL unless the body parsed as JSON */
} api_res;

/* The eccpd binary (argv[1] of every API test). */
extern const char *api_binary;

/* Makes a new temporary directory for a server (before api_cli or api_start(s, s->dir)). */
void api_prepare(api_server *s);
/* Runs `eccpd ARGS... --data DIR/data` with stdin_text on standard input, creating DIR/data
 * first if needed; returns the exit status. args is NULL-terminated. */
int api_cli(api_server *s, const char *stdin_text, const char *const *args);
/* Counts the .eml files in the outbox spool whose text contains needle (NULL: all), waiting
 * up to 5 s for at least `want` of them. Returns the count seen. */
int api_outbox_count(api_server *s, const char *needle, int want);
/* Copies into buf the first outbox e-mail containing needle; false if none within 5 s. */
bool api_outbox_find(api_server *s, const char *needle, char *buf, size_t len);
/* Starts a server on a new temporary data directory (dir == NULL) or on dir. */
void api_start(api_server *s, const char *dir, const char *const *extra_args);
/* SIGTERM, then waits; checks the exit status is 0. */
void api_stop(api_server *s);
/* SIGKILL, then waits: a crash. */
void api_kill9(api_server *s);
/* Removes the data directory. */
void api_cleanup(api_server *s);

/* One request. headers: NULL-terminated "Name: value" strings, or NULL. */
api_res api_call(api_server *s, api_proto p, const char *method, const char *path,
                 const char *content_type, const char *body, size_t len,
                 const char *const *headers);
/* A JSON request with no extra headers. */
api_res api_json(api_server *s, api_proto p, const char *method, const char *path, const char *json,
                 const char *token);
void api_res_free(api_res *r);
/* A response header's value (case-insensitive name) copied into buf, or NULL. */
const char *api_header(const api_res *r, const char *name, char *buf, size_t len);
/* The error code of an error body, or NULL. */
const char *api_error_code(const api_res *r);

/* Registers a user and signs in; returns a malloc'd token. */
/* ---- what every API test checks ---- */

/* Fails the test (a failed check aborts) unless r answered status; prints the body when not. */
void api_expect(const api_res *r, long status);
/* A string member of a JSON object; NULL when absent or not a string. */
const char *api_jstr(const cJSON *o, const char *key);
/* A number member of a JSON object as a long; fails the test when absent or not a number. */
long api_jint(const cJSON *o, const char *key);
/* Kills s with SIGKILL when the test aborts (a failed check), so that no server outlives the
 * test and keeps ctest waiting on its output. One server per test program. */
void api_kill_on_abort(api_server *s);

char *api_signup(api_server *s, const char *username, const char *password);

/* Signs in as login with password (201 or the test fails); the session token, malloc'ed. */
char *api_login(api_server *s, const char *login, const char *password);

/* "YYYY-MM-DD" of today (UTC) plus days, into out. */
void api_day(int days, char out[16]);

/* Creates a profile of type (a cluster type, or "policy_institution") named name by token,
 * with the fields its type requires (a website unique in the test program), and when publish
 * submits it and has mod_token publish it; its id into out. Fails the test on any other
 * status than 201 and 200. */
void api_make_profile(api_server *s, const char *token, const char *mod_token, const char *type,
                      const char *name, bool publish, char out[64]);

/* Submits profile id by owner_token and has mod_token publish it (200 each, or the test
 * fails). */
void api_publish(api_server *s, const char *id, const char *owner_token, const char *mod_token);

/* Prepares s, creates the moderator "Mod" (mod@example.eu, password "moderator password")
 * with the command line, starts the server and signs the moderator in; the moderator's
 * token, malloc'ed. The setup of every test that needs profiles published. */
char *api_start_moderated(api_server *s);

#endif
