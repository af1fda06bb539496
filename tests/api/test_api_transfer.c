/*
 * `eccpd export` and `eccpd import` against the real binary and real stores:
 *  - round trip: demo data exported, imported into an empty directory and exported again
 *    gives the same bytes, and a server on the imported directory signs the demo user in,
 *    finds a published profile by name, shows the user's draft and registrations;
 *  - bad lines: a file mixing good lines with broken JSON, an unknown kind, invalid fields,
 *    a duplicate id, a duplicate username and a write that fails half-way is imported but
 *    for those lines, each reported as FILE:LINE: reason, and none of them leaves a trace;
 *  - --dry-run reports exactly what the import would and writes nothing;
 *  - both commands refuse a store a running server holds.
 */
#include <curl/curl.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "harness.h"

static const char *const PASSWORD = "transfer demo password";

/* ---- helpers ---- */

/* Runs `eccpd ARGS...` with stdin from in (or /dev/null) and stdout, stderr into files (or
 * /dev/null); returns the exit status. Leaks are checked unless leaks_ok (commands other
 * than export and import keep per-thread state to process exit). */
static int run(const char *in, const char *out, const char *err, bool leaks_ok,
               const char *const *args)
{
    const char *argv[32] = {api_binary};
    int n = 1;
    for (; *args && n < 31; args++)
        argv[n++] = *args;
    argv[n] = NULL;
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        int fi = open(in ? in : "/dev/null", O_RDONLY);
        int fo = open(out ? out : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int fe = open(err ? err : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fi < 0 || fo < 0 || fe < 0)
            _exit(126);
        dup2(fi, 0);
        dup2(fo, 1);
        dup2(fe, 2);
        if (leaks_ok)
            setenv("ASAN_OPTIONS", "detect_leaks=0:abort_on_error=1", 1);
        execv(api_binary, (char *const *)argv);
        _exit(127);
    }
    int status;
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The whole file, NUL-terminated (malloc'd); *len its size. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    CHECK(buf != NULL);
    CHECK_EQ(fread(buf, 1, (size_t)n, f), n);
    buf[n] = '\0';
    fclose(f);
    if (len != NULL)
        *len = (size_t)n;
    return buf;
}

static bool same_file(const char *a, const char *b)
{
    size_t la, lb;
    char *x = slurp(a, &la), *y = slurp(b, &lb);
    bool same = la == lb && memcmp(x, y, la) == 0;
    free(x);
    free(y);
    return same;
}

static char *path_in(const api_server *s, const char *name)
{
    char *p = malloc(512);
    CHECK(p != NULL);
    snprintf(p, 512, "%s/%s", s->dir, name);
    return p;
}

static void export_to(api_server *s, const char *file)
{
    char *data = path_in(s, "data"), *err = path_in(s, "export.err");
    const char *args[] = {"export", "--data", data, "--output", file, "--quiet", NULL};
    int rc = run(NULL, NULL, err, false, args);
    if (rc != 0)
        fprintf(stderr, "export failed: %s\n", slurp(err, NULL));
    CHECK_EQ(rc, 0);
    struct stat sb;
    CHECK_EQ(stat(file, &sb), 0);
    CHECK_EQ(sb.st_mode & 0777, 0600); /* private data */
    free(data);
    free(err);
}

/* `eccpd import [--dry-run] FILE` into s's data directory; stderr goes to err. FILE "-"
 * reads standard input from `in`. */
static int import_from(api_server *s, const char *file, const char *in, bool dry_run,
                       const char *err)
{
    char *data = path_in(s, "data");
    const char *args[] = {"import", "--data", data, "--quiet", file, dry_run ? "--dry-run" : NULL,
                          NULL};
    int rc = run(in, NULL, err, false, args);
    free(data);
    return rc;
}

/* Signs in and returns the token (malloc'd). */
static char *sign_in(api_server *s, const char *login, const char *password)
{
    char body[256];
    snprintf(body, sizeof(body), "{\"login\":\"%s\",\"password\":\"%s\"}", login, password);
    api_res r = api_json(s, API_H1, "POST", "/v1/sessions", body, NULL);
    if (r.status != 201)
        fprintf(stderr, "sign in %s: %ld %s\n", login, r.status, r.body ? r.body : "");
    CHECK_EQ(r.status, 201);
    char *t = strdup(cJSON_GetObjectItem(r.json, "token")->valuestring);
    api_res_free(&r);
    return t;
}

/* The lines of an export, split (the buffer is modified; the array is malloc'd). */
typedef struct lines {
    char *text;
    char **v;
    size_t n;
} lines;

static lines split(const char *file)
{
    lines l = {slurp(file, NULL), NULL, 0};
    size_t cap = 1024;
    l.v = malloc(cap * sizeof(char *));
    for (char *p = l.text, *nl; *p; p = nl + 1) {
        nl = strchr(p, '\n');
        CHECK(nl != NULL); /* every line ends with a newline */
        *nl = '\0';
        if (l.n == cap)
            l.v = realloc(l.v, (cap *= 2) * sizeof(char *));
        l.v[l.n++] = p;
    }
    return l;
}

static void lines_free(lines *l)
{
    free(l->text);
    free(l->v);
}

static bool is_kind(const char *line, const char *kind)
{
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "{\"kind\":\"%s\"", kind);
    return strncmp(line, prefix, strlen(prefix)) == 0;
}

/* The record of a line whose username (users) or id is `key`, parsed (cJSON_Delete it). */
static cJSON *find_record(const lines *l, const char *kind, const char *field, const char *value)
{
    for (size_t i = 0; i < l->n; i++) {
        if (!is_kind(l->v[i], kind))
            continue;
        cJSON *j = cJSON_Parse(l->v[i]);
        cJSON *v = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "record"), field);
        if (cJSON_IsString(v) && strcmp(v->valuestring, value) == 0)
            return j;
        cJSON_Delete(j);
    }
    CHECK(!"no such record in the export");
    return NULL;
}

static void put_line(FILE *f, cJSON *j)
{
    char *s = cJSON_PrintUnformatted(j);
    fprintf(f, "%s\n", s);
    free(s);
}

/* The first line of kind (for key lines: whose key starts with key_prefix), parsed. */
static cJSON *first_line(const lines *l, const char *kind, const char *key_prefix)
{
    for (size_t i = 0; i < l->n; i++) {
        if (!is_kind(l->v[i], kind))
            continue;
        cJSON *j = cJSON_Parse(l->v[i]);
        const char *key = key_prefix ? cJSON_GetObjectItem(j, "key")->valuestring : NULL;
        if (key_prefix == NULL || strncmp(key, key_prefix, strlen(key_prefix)) == 0)
            return j;
        cJSON_Delete(j);
    }
    CHECK(!"no such line in the export");
    return NULL;
}

/* The username of a profile's first admin, from the export (malloc'd). */
static char *admin_of(const lines *l, const char *pid)
{
    cJSON *p = find_record(l, "profile", "id", pid);
    const char *uid =
        cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(p, "record"), "admins"), 0)
            ->valuestring;
    cJSON *u = find_record(l, "user", "id", uid);
    char *name =
        strdup(cJSON_GetObjectItem(cJSON_GetObjectItem(u, "record"), "username")->valuestring);
    cJSON_Delete(p);
    cJSON_Delete(u);
    return name;
}

/* Reads of the newer kinds' data, as their readers see them: an event's schedule (its
 * organiser), a partner search's interests (its author's admin), a profile's news and its
 * logo's bytes (anyone). Returns every status and body, for comparing two servers; checks
 * each read found something. */
static char *sample_reads(api_server *s, const lines *l, size_t *len)
{
    char *out = NULL, path[256];
    size_t outlen = 0;
    FILE *f = open_memstream(&out, &outlen);
    /* the event of a published schedule */
    cJSON *sched = first_line(l, "event_schedule", NULL);
    const char *eid = cJSON_GetObjectItem(sched, "id")->valuestring;
    cJSON *ev = first_line(l, "event", NULL);
    for (size_t i = 0; i < l->n; i++) /* the event line with that id */
        if (is_kind(l->v[i], "event") && strstr(l->v[i], eid) != NULL) {
            cJSON_Delete(ev);
            ev = cJSON_Parse(l->v[i]);
            if (strcmp(cJSON_GetObjectItem(ev, "id")->valuestring, eid) == 0)
                break;
        }
    char *organiser = admin_of(
        l, cJSON_GetObjectItem(cJSON_GetObjectItem(ev, "record"), "profile_id")->valuestring);
    char *token = sign_in(s, organiser, PASSWORD);
    snprintf(path, sizeof(path), "/v1/events/%s/schedule", eid);
    api_res r = api_json(s, API_H1, "GET", path, NULL, token);
    CHECK_EQ(r.status, 200);
    CHECK_GT(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "meetings")), 0);
    fprintf(f, "%s %ld %s\n", path, r.status, r.body);
    api_res_free(&r);
    free(token);
    free(organiser);
    cJSON_Delete(sched);
    cJSON_Delete(ev);

    /* a partner search with interests, read by its author's admin */
    cJSON *in = first_line(l, "key", "psinterest/");
    char psid[27];
    snprintf(psid, sizeof(psid), "%s", cJSON_GetObjectItem(in, "key")->valuestring + 11);
    cJSON *ps = find_record(l, "partner_search", "id", psid);
    char *author = admin_of(
        l, cJSON_GetObjectItem(cJSON_GetObjectItem(ps, "record"), "profile_id")->valuestring);
    token = sign_in(s, author, PASSWORD);
    snprintf(path, sizeof(path), "/v1/partner-searches/%s/interests", psid);
    r = api_json(s, API_H1, "GET", path, NULL, token);
    CHECK_EQ(r.status, 200);
    CHECK(strstr(r.body, "\"message\"") != NULL);
    fprintf(f, "%s %ld %s\n", path, r.status, r.body);
    api_res_free(&r);
    free(token);
    free(author);
    cJSON_Delete(in);
    cJSON_Delete(ps);

    /* a profile's news, and a logo's bytes */
    cJSON *news = first_line(l, "news", NULL);
    snprintf(path, sizeof(path), "/v1/profiles/%s/news",
             cJSON_GetObjectItem(cJSON_GetObjectItem(news, "record"), "profile_id")->valuestring);
    r = api_json(s, API_H1, "GET", path, NULL, NULL);
    CHECK_EQ(r.status, 200);
    CHECK(strstr(r.body,
                 cJSON_GetObjectItem(cJSON_GetObjectItem(news, "record"), "title")->valuestring) !=
          NULL);
    fprintf(f, "%s %ld %s\n", path, r.status, r.body);
    api_res_free(&r);
    cJSON_Delete(news);
    cJSON *logo = first_line(l, "key", "pimage/");
    const char *lk = cJSON_GetObjectItem(logo, "key")->valuestring; /* pimage/<pid>/<slot> */
    snprintf(path, sizeof(path), "/v1/profiles/%.26s/%s", lk + 7,
             strcmp(lk + 7 + 27, "logo") == 0 ? "logo" : "contact/photo");
    r = api_call(s, API_H1, "GET", path, NULL, NULL, 0, NULL);
    CHECK_EQ(r.status, 200);
    CHECK(r.len > 8 && (memcmp(r.body, "\x89PNG", 4) == 0 || memcmp(r.body, "\xff\xd8", 2) == 0));
    fprintf(f, "%s %ld %zu bytes: ", path, r.status, r.len);
    fwrite(r.body, 1, r.len, f);
    fputc('\n', f);
    api_res_free(&r);
    cJSON_Delete(logo);
    fclose(f);
    *len = outlen;
    return out;
}

/* ---- the round trip ---- */

static api_server a, b;
static char *f1;

static void round_trip(void)
{
    api_prepare(&a);
    api_prepare(&b);
    char *data_a = path_in(&a, "data");
    const char *demo[] = {"demo-data",  "--data", data_a,    "--scale", "0.02",
                          "--password", PASSWORD, "--quiet", NULL};
    CHECK_EQ(run(NULL, NULL, NULL, true, demo), 0);
    f1 = path_in(&a, "f1.jsonl");
    char *f2 = path_in(&b, "f2.jsonl"), *err = path_in(&b, "import.err");
    export_to(&a, f1);

    int rc = import_from(&b, f1, NULL, false, err);
    char *report = slurp(err, NULL);
    if (rc != 0)
        fprintf(stderr, "import: %s\n", report);
    CHECK_EQ(rc, 0);
    CHECK(strstr(report, "0 lines rejected") != NULL);
    CHECK(strstr(report, "warning") == NULL);
    export_to(&b, f2);
    CHECK(same_file(f1, f2));
    lines l1 = split(f1);
    /* every kind of record is in the file (demo data has them all) */
    const char *kinds[] = {"event", "event_participant", "event_schedule",   "meeting_request",
                           "news",  "partner_search",    "xchange_exchange", "key",
                           "bytes"};
    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
        cJSON_Delete(first_line(&l1, kinds[k], NULL));

    /* the imported server answers the newer kinds' reads as the original does */
    api_start(&a, a.dir, NULL);
    size_t len_a, len_b;
    char *reads_a = sample_reads(&a, &l1, &len_a);
    api_stop(&a);
    api_start(&b, b.dir, NULL);
    char *reads_b = sample_reads(&b, &l1, &len_b);
    if (len_a != len_b || memcmp(reads_a, reads_b, len_a) != 0)
        fprintf(stderr, "original:\n%.*s\nimported:\n%.*s\n", (int)len_a, reads_a, (int)len_b,
                reads_b);
    CHECK_EQ(len_a, len_b);
    CHECK(memcmp(reads_a, reads_b, len_a) == 0);
    free(reads_a);
    free(reads_b);
    lines_free(&l1);

    /* the imported platform works: sign-in with the old password, search, drafts, matches */
    char *token = sign_in(&b, "demo-user", PASSWORD);
    api_res me = api_json(&b, API_H1, "GET", "/v1/me", NULL, token);
    CHECK_EQ(me.status, 200);
    cJSON *profiles = cJSON_GetObjectItem(me.json, "profiles"), *p;
    CHECK_EQ(cJSON_GetArraySize(profiles), 2); /* a published cluster and a draft */
    CHECK_GT(cJSON_GetArraySize(cJSON_GetObjectItem(me.json, "xchange_registrations")), 0);
    const char *draft_id = NULL, *published_id = NULL, *published_name = NULL;
    cJSON_ArrayForEach(p, profiles)
    {
        const char *id = cJSON_GetObjectItem(p, "id")->valuestring;
        if (strcmp(cJSON_GetObjectItem(p, "state")->valuestring, "draft") == 0) {
            draft_id = id;
        } else {
            published_id = id;
            published_name = cJSON_GetObjectItem(p, "name")->valuestring;
        }
    }
    CHECK(draft_id != NULL && published_id != NULL);

    /* search finds the published cluster by its name */
    char path[512];
    CURL *curl = curl_easy_init();
    char *q = curl_easy_escape(curl, published_name, 0);
    snprintf(path, sizeof(path), "/v1/search?q=%s&per_page=100", q);
    api_res res = api_json(&b, API_H1, "GET", path, NULL, NULL);
    CHECK_EQ(res.status, 200);
    bool found = false;
    cJSON *hit;
    cJSON_ArrayForEach(hit, cJSON_GetObjectItem(res.json, "hits")) found =
        found || strcmp(cJSON_GetObjectItem(hit, "id")->valuestring, published_id) == 0;
    if (!found)
        fprintf(stderr, "search for %s: %s\n", published_name, res.body);
    CHECK(found);
    api_res_free(&res);
    curl_free(q);
    curl_easy_cleanup(curl);

    /* the draft, to its admin only */

    snprintf(path, sizeof(path), "/v1/profiles/%s?version=draft", draft_id);
    res = api_json(&b, API_H1, "GET", path, NULL, token);
    CHECK_EQ(res.status, 200);
    CHECK_STR_EQ(cJSON_GetObjectItem(res.json, "state")->valuestring, "draft");
    api_res_free(&res);
    snprintf(path, sizeof(path), "/v1/profiles/%s", draft_id); /* never published */
    res = api_json(&b, API_H1, "GET", path, NULL, NULL);
    CHECK_EQ(res.status, 404);
    api_res_free(&res);
    api_res_free(&me);

    /* a running server holds the store: both commands say so */
    char *data_b = path_in(&b, "data");
    const char *exp[] = {"export", "--data", data_b, "--output", f2, NULL};
    CHECK_EQ(run(NULL, NULL, err, false, exp), 1);
    char *msg = slurp(err, NULL);
    CHECK(strstr(msg, "stop the server first") != NULL);
    free(msg);
    CHECK_EQ(import_from(&b, f1, NULL, false, err), 1);
    msg = slurp(err, NULL);
    CHECK(strstr(msg, "stop the server first") != NULL);
    free(msg);
    api_stop(&b);

    free(token);
    free(report);
    free(data_a);
    free(data_b);
    free(f2);
    free(err);
}

/* ---- bad lines ---- */

/* One expected refusal: the line and a piece of its reason. */
typedef struct refusal {
    int line;
    const char *reason;
} refusal;

static refusal refusals[32];
static int nrefusals;

static void expect(int line, const char *reason)
{
    refusals[nrefusals++] = (refusal){line, reason};
}

/* A copy of the first line of kind with its id (the line's and the record's, when it has
 * one) replaced by id; with dotted, the id's first half only (a participant's event). */
static cJSON *renamed(const lines *l, const char *kind, const char *id, bool dotted)
{
    cJSON *j = first_line(l, kind, NULL);
    char buf[64];
    const char *old = cJSON_GetObjectItem(j, "id")->valuestring;
    snprintf(buf, sizeof(buf), dotted ? "%s%s" : "%s", id, dotted ? old + 26 : "");
    cJSON_ReplaceItemInObject(j, "id", cJSON_CreateString(buf));
    cJSON *rec = cJSON_GetObjectItem(j, "record");
    if (cJSON_GetObjectItem(rec, "id") != NULL)
        cJSON_ReplaceItemInObject(rec, "id", cJSON_CreateString(buf));
    return j;
}

/* One corrupted line of each newer kind, after every good line; each is refused with its
 * line number and leaves nothing behind. Returns the number of lines so far. */
static int write_bad_newer(FILE *f, const lines *l, int n)
{
    cJSON *j = renamed(l, "event", "01M8000000000000000000000E", false);
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(j, "record"), "profile_id",
                              cJSON_CreateString("not a profile"));
    put_line(f, j), n++;
    expect(n, "event/01M8000000000000000000000E: profile_id: must be a profile id");
    cJSON_Delete(j);

    j = renamed(l, "event_participant", "01M8000000000000000000000F", true);
    put_line(f, j), n++;
    expect(n, "event 01M8000000000000000000000F is not in the store");
    cJSON_Delete(j);

    j = renamed(l, "event_schedule", "01M8000000000000000000000G", false);
    put_line(f, j), n++;
    expect(n, "event 01M8000000000000000000000G is not in the store");
    cJSON_Delete(j);

    j = renamed(l, "meeting_request", "01M8000000000000000000000H", false);
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(j, "record"), "event_id",
                              cJSON_CreateString("01M8000000000000000000000J"));
    put_line(f, j), n++;
    expect(n, "event_id 01M8000000000000000000000J names no event in the store");
    cJSON_Delete(j);

    j = renamed(l, "news", "01M8000000000000000000000K", false);
    cJSON_ReplaceItemInObject(j, "version", cJSON_CreateNumber(99));
    put_line(f, j), n++;
    expect(n, "version 99 of news records is not supported");
    cJSON_Delete(j);

    j = renamed(l, "partner_search", "01M8000000000000000000000M", false);
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(j, "record"), "profile_id",
                              cJSON_CreateNumber(5));
    put_line(f, j), n++;
    expect(n, "profile_id: must be a profile id");
    cJSON_Delete(j);

    j = renamed(l, "xchange_exchange", "01M8000000000000000000000N", false);
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(j, "record"), "visitor",
                              cJSON_CreateString("01M8000000000000000000000P"));
    put_line(f, j), n++;
    expect(n, "visitor 01M8000000000000000000000P names no xchange_registration in the store");
    cJSON_Delete(j);

    j = first_line(l, "key", "psinterest/");
    cJSON_ReplaceItemInObject(j, "value", cJSON_CreateString("text"));
    put_line(f, j), n++;
    expect(n, "\"value\" of a psinterest/ key must be an object");
    cJSON_Delete(j);
    fprintf(f, "{\"kind\":\"key\",\"version\":1,\"key\":\"session/abc\",\"value\":\"\"}\n"), n++;
    expect(n, "names a key import derives or a running server's state");
    fprintf(f, "{\"kind\":\"key\",\"version\":1,\"key\":\"psfollow/short/x\",\"value\":\"\"}\n"),
        n++;
    expect(n, "is not of the form of psfollow/ keys");

    j = first_line(l, "bytes", NULL);
    cJSON_ReplaceItemInObject(j, "sha256",
                              cJSON_CreateString("00000000000000000000000000000000"
                                                 "00000000000000000000000000000000"));
    put_line(f, j), n++;
    expect(n, "the bytes' SHA-256 is");
    cJSON_ReplaceItemInObject(j, "base64", cJSON_CreateString("@@@@"));
    put_line(f, j), n++;
    expect(n, "\"base64\" must be the bytes in standard base64");
    cJSON_Delete(j);
    fprintf(f, "{\"kind\":\"bytes\",\"version\":1,\"key\":\"01M8000000000000000000000Q/0000\","
               "\"sha256\":\"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824\","
               "\"base64\":\"aGVsbG8=\"}\n"),
        n++;
    expect(n, "whose metadata (key attmeta/01M8000000000000000000000Q) is not in the store");
    return n;
}

/* Writes f1's lines with bad ones among them into file; returns the number of lines. */
static int write_mixed(const char *file)
{
    lines l = split(f1);
    FILE *f = fopen(file, "w");
    CHECK(f != NULL);
    int n = 0;
    nrefusals = 0;
    size_t i = 0;
    for (; i < l.n && is_kind(l.v[i], "user"); i++, n++)
        fprintf(f, "%s\n", l.v[i]);

    fprintf(f, "{\"kind\":\"user\",\"version\":1,\"record\":{\"id\":\n"), n++;
    expect(n, "not valid JSON");
    fprintf(f, "{\"kind\":\"meeting\",\"version\":1,\"record\":{}}\n"), n++;
    expect(n, "unknown kind \"meeting\"");
    fprintf(f, "\n"), n++; /* blank lines are skipped, but counted */

    cJSON *u = find_record(&l, "user", "username", "demo-user");
    cJSON *ur = cJSON_GetObjectItem(u, "record");
    cJSON_ReplaceItemInObject(ur, "id", cJSON_CreateString("01M8000000000000000000000A"));
    cJSON_ReplaceItemInObject(ur, "username", cJSON_CreateString("Rejected Person"));
    cJSON_ReplaceItemInObject(ur, "email", cJSON_CreateString("rejected.person@example.eu"));
    cJSON_ReplaceItemInObject(ur, "country", cJSON_CreateString("XX"));
    put_line(f, u), n++;
    expect(n, "user 01M8000000000000000000000A: country: must be an ISO 3166-1");
    cJSON_ReplaceItemInObject(ur, "id", cJSON_CreateString("01M8000000000000000000000B"));
    cJSON_ReplaceItemInObject(ur, "username", cJSON_CreateString("DEMO-User"));
    cJSON_ReplaceItemInObject(ur, "email", cJSON_CreateString("dup.username@example.eu"));
    cJSON_ReplaceItemInObject(ur, "country", cJSON_CreateString("DE"));
    put_line(f, u), n++;
    expect(n, "the username \"DEMO-User\" belongs to another user already");
    cJSON_Delete(u);
    fprintf(f, "%s\n", l.v[0]), n++; /* line 1 again: the file repeats itself */
    expect(n, "a duplicate within the file: line 1 has the same user");

    for (; i < l.n && is_kind(l.v[i], "profile"); i++, n++)
        fprintf(f, "%s\n", l.v[i]);
    /* demo-user's published cluster, as a new profile: a bad country in it, then admins
     * of which the second has a cluster already (so the first one's keys must roll back) */
    cJSON *mod = find_record(&l, "user", "username", "demo-moderator");
    cJSON *du = find_record(&l, "user", "username", "demo-user");
    const char *mod_id = cJSON_GetObjectItem(cJSON_GetObjectItem(mod, "record"), "id")->valuestring;
    const char *du_id = cJSON_GetObjectItem(cJSON_GetObjectItem(du, "record"), "id")->valuestring;
    cJSON *p = NULL;
    for (size_t k = 0; k < l.n && p == NULL; k++) {
        if (!is_kind(l.v[k], "profile"))
            continue;
        cJSON *j = cJSON_Parse(l.v[k]);
        cJSON *rec = cJSON_GetObjectItem(j, "record");
        cJSON *adm = cJSON_GetObjectItem(rec, "admins");
        if (strcmp(cJSON_GetObjectItem(rec, "state")->valuestring, "published") == 0 &&
            strcmp(cJSON_GetArrayItem(adm, 0)->valuestring, du_id) == 0)
            p = j;
        else
            cJSON_Delete(j);
    }
    CHECK(p != NULL);
    cJSON *pr = cJSON_GetObjectItem(p, "record");
    cJSON_ReplaceItemInObject(pr, "id", cJSON_CreateString("01M8000000000000000000000C"));
    cJSON *pub = cJSON_GetObjectItem(pr, "published");
    cJSON_ReplaceItemInObject(pub, "name", cJSON_CreateString("Rejected Unique Cluster Name"));
    cJSON *country = cJSON_Duplicate(cJSON_GetObjectItem(pub, "country"), 1);
    cJSON_ReplaceItemInObject(pub, "country", cJSON_CreateString("XX"));
    put_line(f, p), n++;
    expect(n, "profile 01M8000000000000000000000C: published.country:");
    cJSON_ReplaceItemInObject(pub, "country", country);
    cJSON *admins = cJSON_CreateArray();
    cJSON_AddItemToArray(admins, cJSON_CreateString(mod_id));
    cJSON_AddItemToArray(admins, cJSON_CreateString(du_id));
    cJSON_ReplaceItemInObject(pr, "admins", admins);
    put_line(f, p), n++;
    expect(n, "administers another cluster organisation already");
    cJSON_Delete(p);
    cJSON_Delete(mod);
    cJSON_Delete(du);

    for (; i < l.n; i++, n++)
        fprintf(f, "%s\n", l.v[i]);
    n = write_bad_newer(f, &l, n);
    fclose(f);
    lines_free(&l);
    return n;
}

/* Every expected refusal is reported with its line number, and nothing else is. */
static void check_report(const char *file, const char *err)
{
    char *report = slurp(err, NULL);
    int reported = 0; /* lines "FILE:LINE: ..." */
    size_t flen = strlen(file);
    for (char *p = report; p != NULL && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp(p, file, flen) == 0 && p[flen] == ':' && p[flen + 1] >= '0' &&
            p[flen + 1] <= '9')
            reported++;
    for (int i = 0; i < nrefusals; i++) {
        char head[600];
        snprintf(head, sizeof(head), "%s:%d: ", file, refusals[i].line);
        char *at = strstr(report, head);
        if (at == NULL || strstr(at, refusals[i].reason) == NULL ||
            strchr(at, '\n') < strstr(at, refusals[i].reason)) {
            fprintf(stderr, "expected %s%s in:\n%s", head, refusals[i].reason, report);
            CHECK(!"refusal not reported");
        }
    }
    CHECK_EQ(reported, nrefusals);
    char summary[64];
    snprintf(summary, sizeof(summary), "%d lines rejected", nrefusals);
    CHECK(strstr(report, summary) != NULL);
    free(report);
}

static void bad_lines(void)
{
    api_server c = {0};
    api_prepare(&c);
    char *mixed = path_in(&c, "mixed.jsonl"), *err = path_in(&c, "import.err");
    char *again = path_in(&c, "again.jsonl");
    write_mixed(mixed);
    CHECK_EQ(import_from(&c, mixed, NULL, false, err), 1);
    check_report(mixed, err);
    /* the good lines are in, exactly: the store exports as the original did */
    export_to(&c, again);
    CHECK(same_file(f1, again));

    /* the refused lines left no trace */
    api_start(&c, c.dir, NULL);
    const char *reg = "{\"username\":\"%s\",\"email\":\"%s\",\"email_confirm\":\"%s\","
                      "\"password\":\"long enough password\",\"organisation_name\":\"O\","
                      "\"country\":\"DE\",\"title\":\"T\"}";
    char body[512];
    snprintf(body, sizeof(body), reg, "Rejected Person", "rejected.person@example.eu",
             "rejected.person@example.eu");
    api_res r = api_json(&c, API_H1, "POST", "/v1/users", body, NULL);
    CHECK_EQ(r.status, 201);
    api_res_free(&r);
    snprintf(body, sizeof(body), reg, "Someone Else", "dup.username@example.eu",
             "dup.username@example.eu");
    r = api_json(&c, API_H1, "POST", "/v1/users", body, NULL);
    CHECK_EQ(r.status, 201);
    api_res_free(&r);
    char *token = sign_in(&c, "demo-moderator", PASSWORD); /* the half-written admin */
    r = api_json(&c, API_H1, "GET", "/v1/me", NULL, token);
    CHECK_EQ(r.status, 200);
    CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "profiles")), 0);
    api_res_free(&r);
    r = api_json(&c, API_H1, "GET", "/v1/search?q=Rejected%20Unique%20Cluster%20Name&partial=false",
                 NULL, NULL);
    CHECK_EQ(r.status, 200);
    CHECK_EQ(cJSON_GetObjectItem(r.json, "total")->valueint, 0);
    api_res_free(&r);
    api_stop(&c);
    api_cleanup(&c);
    free(token);
    free(mixed);
    free(err);
    free(again);
}

/* ---- dry run ---- */

static void dry_run(void)
{
    api_server d = {0};
    api_prepare(&d);
    char *mixed = path_in(&d, "mixed.jsonl"), *err = path_in(&d, "dry.err");
    char *data = path_in(&d, "data"), *after = path_in(&d, "after.jsonl");
    write_mixed(mixed);
    struct stat sb;

    /* into a directory that does not exist: the same reports, and no directory */
    CHECK_EQ(import_from(&d, mixed, NULL, true, err), 1);
    check_report(mixed, err);
    CHECK(stat(data, &sb) != 0);

    /* the whole export, from standard input: all would be imported, nothing is */
    CHECK_EQ(import_from(&d, "-", f1, true, err), 0);
    char *report = slurp(err, NULL);
    CHECK(strstr(report, "would be imported") != NULL);
    CHECK(strstr(report, "0 lines rejected; nothing was written") != NULL);
    free(report);
    CHECK(stat(data, &sb) != 0);

    /* against a directory holding the data already: every line conflicts, nothing moves */
    char *data_b = path_in(&b, "data"), *scratch = path_in(&b, "data/import-dry-run");
    CHECK_EQ(import_from(&b, f1, NULL, true, err), 1);
    report = slurp(err, NULL);
    CHECK(strstr(report, "is in the store already") != NULL);
    CHECK(strstr(report, "0 users, 0 profiles, 0 ClusterXchange registrations, 0 "
                         "notifications, 0 other records, 0 keys and 0 byte lines would be "
                         "imported") != NULL);
    free(report);
    CHECK(stat(scratch, &sb) != 0);
    export_to(&b, after);
    CHECK(same_file(f1, after));

    api_cleanup(&d);
    free(mixed);
    free(err);
    free(data);
    free(after);
    free(data_b);
    free(scratch);
}

int main(int argc, char **argv)
{
    CHECK(argc == 2);
    api_binary = argv[1];
    curl_global_init(CURL_GLOBAL_ALL);
    RUN(round_trip);
    RUN(bad_lines);
    RUN(dry_run);
    api_cleanup(&a);
    api_cleanup(&b);
    free(f1);
    curl_global_cleanup();
    return 0;
}
