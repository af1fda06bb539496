/* harness.c: see harness.h. */
#include "harness.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

const char *api_binary;

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    CHECK(bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
    CHECK(getsockname(fd, (struct sockaddr *)&a, &len) == 0);
    close(fd);
    return ntohs(a.sin_port);
}

void api_prepare(api_server *s)
{
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(s->dir, sizeof(s->dir), "%s/eccpd-api-XXXXXX", tmp);
    CHECK(mkdtemp(s->dir) != NULL);
}

int api_cli(api_server *s, const char *stdin_text, const char *const *args)
{
    char data[300], in[320];
    snprintf(data, sizeof(data), "%s/data", s->dir);
    snprintf(in, sizeof(in), "%s/cli-stdin", s->dir);
    /* the data directory exists, as an operator's would (commands other than serve and
     * import refuse one that does not) */
    CHECK(mkdir(data, 0700) == 0 || errno == EEXIST);
    FILE *f = fopen(in, "w");
    CHECK(f != NULL);
    fputs(stdin_text ? stdin_text : "", f);
    fclose(f);
    const char *argv[32] = {api_binary};
    int n = 1;
    for (; args && *args && n < 28; args++)
        argv[n++] = *args;
    argv[n++] = "--data";
    argv[n++] = data;
    argv[n] = NULL;
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        freopen(in, "r", stdin);
        setenv("ASAN_OPTIONS", "detect_leaks=0:abort_on_error=1", 1);
        execv(api_binary, (char *const *)argv);
        _exit(127);
    }
    int status;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

#include <dirent.h>

static int outbox_scan(api_server *s, const char *needle, char *buf, size_t len)
{
    char dir[320];
    snprintf(dir, sizeof(dir), "%s/data/outbox", s->dir);
    DIR *d = opendir(dir);
    if (d == NULL)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".eml") != 0 || e->d_name[0] == '.')
            continue;
        char path[640];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "r");
        if (f == NULL)
            continue;
        static char text[65536];
        size_t got = fread(text, 1, sizeof(text) - 1, f);
        text[got] = '\0';
        fclose(f);
        if (needle == NULL || strstr(text, needle) != NULL) {
            if (n == 0 && buf != NULL)
                snprintf(buf, len, "%s", text);
            n++;
        }
    }
    closedir(d);
    return n;
}

int api_outbox_count(api_server *s, const char *needle, int want)
{
    int n = 0;
    for (int i = 0; i < 500 && (n = outbox_scan(s, needle, NULL, 0)) < want; i++)
        usleep(10000);
    return n;
}

bool api_outbox_find(api_server *s, const char *needle, char *buf, size_t len)
{
    for (int i = 0; i < 500; i++) {
        if (outbox_scan(s, needle, buf, len) > 0)
            return true;
        usleep(10000);
    }
    return false;
}

void api_start(api_server *s, const char *dir, const char *const *extra)
{
    if (dir == NULL) {
        api_prepare(s);
    } else if (dir != s->dir) {
        snprintf(s->dir, sizeof(s->dir), "%s", dir);
    }
    snprintf(s->fault_file, sizeof(s->fault_file), "%s/faults", s->dir);
    snprintf(s->log, sizeof(s->log), "%s/server.log", s->dir);
    s->port = free_port();
    char listen[64], data[300];
    snprintf(listen, sizeof(listen), "127.0.0.1:%d", s->port);
    snprintf(data, sizeof(data), "%s/data", s->dir);
    /* --no-demo: tests start from an empty platform, not the first-run demo data */
    const char *argv[32] = {api_binary, "serve", "--data", data, "--listen", listen, "--threads",
                            "2", "--drain", "5", "--no-demo",
                            /* tests sign up many users from one address; the hashing
                             * limit's own test sets it (a later flag wins) */
                            "--hash-rate", "0"};
    int n = 13;
    if (s->tls_cert) {
        argv[n++] = "--tls-cert", argv[n++] = s->tls_cert;
        argv[n++] = "--tls-key", argv[n++] = s->tls_key;
    }
    for (; extra && *extra && n < 30; extra++)
        argv[n++] = *extra;
    argv[n] = NULL;
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        FILE *log = fopen(s->log, "a");
        if (log) {
            dup2(fileno(log), 1);
            dup2(fileno(log), 2);
        }
        setenv("ECCPD_FAULT_FILE", s->fault_file, 1);
        /* The server leaves per-thread h2o state to process exit after a clean stop; the
         * unit tests are where leaks are checked. */
        setenv("ASAN_OPTIONS", "detect_leaks=0:abort_on_error=1", 1);
        execv(api_binary, (char *const *)argv);
        _exit(127);
    }
    s->pid = pid;
    /* Ready within 30 s (sanitizer builds start slowly), or the test fails. */
    for (int i = 0; i < 3000; i++) {
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            fprintf(stderr, "eccpd exited early; its log is %s\n", s->log);
            CHECK(!"server exited during start-up");
        }
        api_res r =
            api_call(s, s->tls_cert ? API_H2_TLS : API_H1, "GET", "/readyz", NULL, NULL, 0, NULL);
        long st = r.status;
        api_res_free(&r);
        if (st == 200)
            return;
        usleep(10000);
    }
    CHECK(!"server did not become ready in 30 s");
}

static void wait_exit(api_server *s, int *status)
{
    for (int i = 0; i < 3000; i++) {
        if (waitpid(s->pid, status, WNOHANG) == s->pid) {
            s->pid = 0;
            return;
        }
        usleep(10000);
    }
    kill(s->pid, SIGKILL);
    waitpid(s->pid, status, 0);
    s->pid = 0;
    CHECK(!"server did not stop within 30 s of SIGTERM");
}

void api_stop(api_server *s)
{
    if (s->pid <= 0)
        return;
    kill(s->pid, SIGTERM);
    int status = 0;
    wait_exit(s, &status);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fprintf(stderr, "eccpd did not exit cleanly (status %d); its log is %s\n", status, s->log);
    CHECK(WIFEXITED(status));
    CHECK_EQ(WEXITSTATUS(status), 0);
}

void api_kill9(api_server *s)
{
    kill(s->pid, SIGKILL);
    int status;
    waitpid(s->pid, &status, 0);
    s->pid = 0;
}

void api_cleanup(api_server *s)
{
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->dir);
    CHECK_EQ(system(cmd), 0);
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    api_res *r = ud;
    size_t len = size * n;
    r->body = realloc(r->body, r->len + len + 1);
    memcpy(r->body + r->len, p, len);
    r->len += len;
    r->body[r->len] = '\0';
    return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    api_res *r = ud;
    size_t len = size * n, used = strlen(r->headers);
    if (used + len + 1 < sizeof(r->headers)) {
        memcpy(r->headers + used, p, len);
        r->headers[used + len] = '\0';
    }
    return len;
}

api_res api_call(api_server *s, api_proto p, const char *method, const char *path,
                 const char *content_type, const char *body, size_t len, const char *const *headers)
{
    api_res r = {0};
    CURL *c = curl_easy_init();
    char url[512];
    snprintf(url, sizeof(url), "%s://127.0.0.1:%d%s", p == API_H2_TLS ? "https" : "http", s->port,
             path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (strcmp(method, "HEAD") == 0) /* no body follows, whatever Content-Length says */
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    long ver = p == API_H1           ? CURL_HTTP_VERSION_1_1
               : p == API_H2C        ? CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE
               : p == API_H2_UPGRADE ? CURL_HTTP_VERSION_2_0
                                     : CURL_HTTP_VERSION_2TLS;
    curl_easy_setopt(c, CURLOPT_HTTP_VERSION, ver);
    if (p == API_H2_TLS) {
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    struct curl_slist *hl = NULL;
    char ct[128];
    if (content_type) {
        snprintf(ct, sizeof(ct), "Content-Type: %s", content_type);
        hl = curl_slist_append(hl, ct);
    }
    hl = curl_slist_append(hl, "Expect:");
    for (; headers && *headers; headers++)
        hl = curl_slist_append(hl, *headers);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    if (body != NULL) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
    if (curl_easy_perform(c) == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
        curl_easy_getinfo(c, CURLINFO_HTTP_VERSION, &r.http_version);
    }
    curl_slist_free_all(hl);
    curl_easy_cleanup(c);
    if (r.body != NULL)
        r.json = cJSON_ParseWithLength(r.body, r.len);
    return r;
}

api_res api_json(api_server *s, api_proto p, const char *method, const char *path, const char *json,
                 const char *token)
{
    char auth[256];
    const char *h[2] = {NULL, NULL};
    if (token != NULL) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
        h[0] = auth;
    }
    return api_call(s, p, method, path, json ? "application/json" : NULL, json,
                    json ? strlen(json) : 0, h);
}

void api_expect(const api_res *r, long status)
{
    if (r->status == status)
        return;
    fprintf(stderr, "expected %ld, got %ld: %.2000s\n", status, r->status, r->body ? r->body : "");
    abort();
}

const char *api_jstr(const cJSON *o, const char *key)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

long api_jint(const cJSON *o, const char *key)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v)) {
        fprintf(stderr, "expected a number in \"%s\"\n", key);
        abort();
    }
    return (long)v->valuedouble;
}

static api_server *abort_server;

static void kill_on_abort(int sig)
{
    if (abort_server != NULL && abort_server->pid > 0)
        kill(abort_server->pid, SIGKILL);
    signal(sig, SIG_DFL);
    raise(sig);
}

void api_kill_on_abort(api_server *s)
{
    abort_server = s;
    signal(SIGABRT, kill_on_abort);
}

void api_res_free(api_res *r)
{
    free(r->body);
    cJSON_Delete(r->json);
    memset(r, 0, sizeof(*r));
}

const char *api_header(const api_res *r, const char *name, char *buf, size_t len)
{
    size_t n = strlen(name);
    for (const char *line = r->headers; *line;) {
        const char *end = strstr(line, "\r\n");
        if (end == NULL)
            end = line + strlen(line);
        if ((size_t)(end - line) > n && strncasecmp(line, name, n) == 0 && line[n] == ':') {
            const char *v = line + n + 1;
            while (*v == ' ')
                v++;
            snprintf(buf, len, "%.*s", (int)(end - v), v);
            return buf;
        }
        line = *end ? end + 2 : end;
    }
    return NULL;
}

const char *api_error_code(const api_res *r)
{
    cJSON *e = cJSON_GetObjectItemCaseSensitive(r->json, "error");
    cJSON *c = cJSON_GetObjectItemCaseSensitive(e, "code");
    return cJSON_IsString(c) ? c->valuestring : NULL;
}

char *api_signup(api_server *s, const char *username, const char *password)
{
    char body[1024];
    snprintf(body, sizeof(body),
             "{\"username\":\"%s\",\"email\":\"%s@example.eu\",\"email_confirm\":"
             "\"%s@example.eu\",\"password\":\"%s\",\"organisation_name\":\"Test Cluster\","
             "\"country\":\"DE\",\"title\":\"Manager\"}",
             username, username, username, password);
    api_res r = api_json(s, API_H1, "POST", "/v1/users", body, NULL);
    if (r.status != 201)
        fprintf(stderr, "signup %s: %ld %s\n", username, r.status, r.body ? r.body : "");
    CHECK_EQ(r.status, 201);
    api_res_free(&r);
    snprintf(body, sizeof(body), "{\"login\":\"%s\",\"password\":\"%s\"}", username, password);
    r = api_json(s, API_H1, "POST", "/v1/sessions", body, NULL);
    CHECK_EQ(r.status, 201);
    cJSON *tok = cJSON_GetObjectItemCaseSensitive(r.json, "token");
    CHECK(cJSON_IsString(tok));
    char *t = strdup(tok->valuestring);
    api_res_free(&r);
    return t;
}

char *api_login(api_server *s, const char *login, const char *password)
{
    char body[256];
    snprintf(body, sizeof(body), "{\"login\":\"%s\",\"password\":\"%s\"}", login, password);
    api_res r = api_json(s, API_H1, "POST", "/v1/sessions", body, NULL);
    api_expect(&r, 201);
    char *t = strdup(api_jstr(r.json, "token"));
    api_res_free(&r);
    return t;
}

void api_day(int days, char out[16])
{
    time_t t = time(NULL) + (time_t)days * 86400;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 16, "%Y-%m-%d", &tm);
}

void api_make_profile(api_server *s, const char *token, const char *mod_token, const char *type,
                      const char *name, bool publish, char out[64])
{
    static int profiles_made;
    char body[2048];
    bool cluster = strcmp(type, "policy_institution") != 0;
    snprintf(body, sizeof(body),
             "{\"type\":\"%s\",\"name\":\"%s\",\"country\":\"FR\","
             "\"city\":\"Lyon\",\"description\":\"A cluster.\",\"website\":"
             "\"https://org%d.example\",\"languages\":[\"en\"],%s"
             "\"ecosystems\":[\"digital\"],"
             "\"contact\":{\"name\":\"N\",\"email\":\"contact@example.eu\"}}",
             type, name, ++profiles_made,
             cluster ? "\"management_fte\":2,\"members_count\":40,\"member_composition\":"
                       "{\"smes\":30,\"research\":10},\"services\":[\"training\","
                       "\"matchmaking\"],"
                     : "");
    api_res r = api_json(s, API_H1, "POST", "/v1/profiles", body, token);
    api_expect(&r, 201);
    snprintf(out, 64, "%s", api_jstr(r.json, "id"));
    api_res_free(&r);
    if (publish)
        api_publish(s, out, token, mod_token);
}

void api_publish(api_server *s, const char *id, const char *owner_token, const char *mod_token)
{
    char p[160];
    snprintf(p, sizeof(p), "/v1/profiles/%.64s/submit", id);
    api_res r = api_json(s, API_H1, "POST", p, NULL, owner_token);
    api_expect(&r, 200);
    api_res_free(&r);
    snprintf(p, sizeof(p), "/v1/profiles/%.64s/moderation", id);
    r = api_json(s, API_H1, "POST", p, "{\"decision\":\"publish\"}", mod_token);
    api_expect(&r, 200);
    api_res_free(&r);
}

char *api_start_moderated(api_server *s)
{
    api_prepare(s);
    const char *args[] = {"user",           "create", "--username", "Mod", "--email",
                          "mod@example.eu", "--role", "moderator",  NULL};
    CHECK_EQ(api_cli(s, "moderator password\n", args), 0);
    api_start(s, s->dir, NULL);
    return api_login(s, "mod", "moderator password");
}
