/*
 * API tests of attachments against the real binary: every allowed type (PDF, PNG, JPEG,
 * ODT, DOCX) judged by its bytes, forbidden ones refused with 415 whatever their name or
 * Content-Type (an executable renamed .pdf, a spreadsheet zip, text), 413 at 10 MiB + 1
 * byte and 201 at exactly 10 MiB, the bytes served back with their type and a
 * Content-Disposition that cannot inject anything, a partner search referencing them, and
 * the removal of attachments nothing references a day after their upload.
 */
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "harness.h"

static api_server srv;
static char *t_user, *t_mod;

static void expect(api_res *r, long status)
{
    if (r->status != status)
        fprintf(stderr, "expected %ld, got %ld: %.300s\n", status, r->status,
                r->body ? r->body : "");
    CHECK_EQ(r->status, status);
}

/* Uploads bytes with a name and a claimed type; returns the response. */
static api_res upload(const char *token, const char *filename, const char *claimed,
                      const char *bytes, size_t len)
{
    char auth[512], name[512];
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token ? token : "");
    snprintf(name, sizeof(name), "X-Filename: %s", filename);
    const char *with_token[] = {auth, name, NULL}, *without[] = {name, NULL};
    const char *const *headers = token ? with_token : without;
    return api_call(&srv, API_H1, "POST", "/v1/attachments", claimed, bytes, len,
                    (const char *const *)headers);
}

/* A zip's local file header for an entry stored uncompressed, then its data, then more. */
static size_t zip(char *out, const char *name, const char *data, const char *rest)
{
    size_t nlen = strlen(name), dlen = strlen(data), o = 0;
    memcpy(out, "PK\x03\x04", 4);
    memset(out + 4, 0, 26);
    out[4] = 20;                   /* version needed */
    out[8] = 0;                    /* method: stored */
    out[18] = (char)(dlen & 0xff); /* compressed size */
    out[22] = (char)(dlen & 0xff); /* size */
    out[26] = (char)(nlen & 0xff); /* name length */
    out[28] = 0;                   /* extra length */
    o = 30;
    memcpy(out + o, name, nlen);
    o += nlen;
    memcpy(out + o, data, dlen);
    o += dlen;
    memcpy(out + o, rest, strlen(rest));
    return o + strlen(rest);
}

static char ids[8][64];
static char *t_stranger;

/* GET path as the holder of token (NULL: anonymous). */
static api_res get_as(const char *path, const char *token)
{
    char auth[512];
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token ? token : "");
    const char *h[] = {auth, NULL};
    return api_call(&srv, API_H1, "GET", path, NULL, NULL, 0, token ? h : NULL);
}

static void each_allowed_type(void)
{
    static const char pdf[] = "%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n";
    static const char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    static const char jpg[] = "\xFF\xD8\xFF\xE0\0\x10JFIF";
    char odt[512], docx[512];
    size_t odt_len =
        zip(odt, "mimetype", "application/vnd.oasis.opendocument.text", "PK\x03\x04 content.xml");
    size_t docx_len = zip(docx, "[Content_Types].xml", "<Types/>",
                          "PK\x03\x04 word/document.xml PK\x01\x02 word/document.xml");
    const struct {
        const char *name, *bytes;
        size_t len;
        const char *type;
    } files[] = {
        {"call.pdf", pdf, sizeof(pdf) - 1, "application/pdf"},
        {"logo.png", png, sizeof(png) - 1, "image/png"},
        {"photo.jpeg", jpg, sizeof(jpg) - 1, "image/jpeg"},
        {"offer.odt", odt, odt_len, "application/vnd.oasis.opendocument.text"},
        {"offer.docx", docx, docx_len,
         "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        /* the claimed type is ignored: always octet-stream here */
        api_res r =
            upload(t_user, files[i].name, "application/octet-stream", files[i].bytes, files[i].len);
        expect(&r, 201);
        CHECK_STR_EQ(api_jstr(r.json, "content_type"), files[i].type);
        CHECK_STR_EQ(api_jstr(r.json, "filename"), files[i].name);
        CHECK_EQ((long)cJSON_GetObjectItem(r.json, "size")->valuedouble, (long)files[i].len);
        snprintf(ids[i], sizeof(ids[i]), "%s", api_jstr(r.json, "id"));
        api_res_free(&r);

        char p[600];
        snprintf(p, sizeof(p), "/v1/attachments/%s", ids[i]);
        /* referenced by nothing yet: the uploader's alone */
        r = get_as(p, NULL);
        expect(&r, 404);
        api_res_free(&r);
        r = get_as(p, t_stranger);
        expect(&r, 404);
        api_res_free(&r);
        r = get_as(p, t_user);
        expect(&r, 200);
        CHECK_EQ((long)r.len, (long)files[i].len);
        CHECK(memcmp(r.body, files[i].bytes, files[i].len) == 0);
        char ct[256], cd[512];
        CHECK_STR_EQ(api_header(&r, "content-type", ct, sizeof(ct)), files[i].type);
        CHECK(api_header(&r, "content-disposition", cd, sizeof(cd)) != NULL);
        CHECK(strncmp(cd, "attachment; filename=\"", 22) == 0);
        CHECK(api_header(&r, "x-content-type-options", ct, sizeof(ct)) != NULL);
        api_res_free(&r);
    }
    api_res r = api_call(&srv, API_H1, "GET", "/v1/attachments/01HZZZZZZZZZZZZZZZZZZZZZZZ", NULL,
                         NULL, 0, NULL);
    expect(&r, 404);
    api_res_free(&r);
}

typedef struct sized {
    char *buf;
    size_t cap, len;
} sized;

static size_t into_sized(char *p, size_t size, size_t n, void *ud)
{
    sized *s = ud;
    size_t len = size * n;
    if (s->len + len > s->cap)
        return 0; /* more than announced: fail the transfer */
    memcpy(s->buf + s->len, p, len);
    s->len += len;
    return len;
}

static void forbidden_types_and_sizes(void)
{
    static const char exe[] = "MZ\x90\0\x03\0\0\0\x04\0\0\0\xFF\xFF\0\0This program cannot be run";
    static const char elf[] = "\x7f"
                              "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0";
    char xlsx[512];
    size_t xlsx_len = zip(xlsx, "[Content_Types].xml", "<Types/>", "PK\x03\x04 xl/workbook.xml");
    char odp[512];
    size_t odp_len = zip(odp, "mimetype", "application/vnd.oasis.opendocument.presentation", "");
    const struct {
        const char *name, *claimed, *bytes;
        size_t len;
    } bad[] = {
        {"invoice.pdf", "application/pdf", exe, sizeof(exe) - 1},
        {"tool.pdf", "application/pdf", elf, sizeof(elf) - 1},
        {"sheet.docx", "application/octet-stream", xlsx, xlsx_len},
        {"slides.odt", "application/vnd.oasis.opendocument.text", odp, odp_len},
        {"notes.png", "image/png", "just some text", 14},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        api_res r = upload(t_user, bad[i].name, bad[i].claimed, bad[i].bytes, bad[i].len);
        expect(&r, 415);
        CHECK_STR_EQ(api_error_code(&r), "unsupported_media_type");
        api_res_free(&r);
    }
    /* anonymous uploads are refused */
    api_res r = upload(NULL, "call.pdf", "application/pdf", "%PDF-1.4", 8);
    expect(&r, 401);
    api_res_free(&r);

    /* exactly 10 MiB is accepted; one byte more is 413 */
    size_t max = 10u * 1024 * 1024;
    char *big = malloc(max + 1);
    CHECK(big != NULL);
    memset(big, 'x', max + 1);
    memcpy(big, "%PDF-1.4\n", 9);
    r = upload(t_user, "big.pdf", "application/pdf", big, max + 1);
    expect(&r, 413);
    CHECK_STR_EQ(api_error_code(&r), "payload_too_large");
    api_res_free(&r);
    r = upload(t_user, "big.pdf", "application/pdf", big, max);
    expect(&r, 201);
    CHECK_EQ((long)cJSON_GetObjectItem(r.json, "size")->valuedouble, (long)max);
    char p[128];
    snprintf(p, sizeof(p), "/v1/attachments/%s", api_jstr(r.json, "id"));
    api_res_free(&r);
    /* read into one buffer of the right size: the harness grows its body per chunk, which
     * under ASan (every realloc moves) costs minutes for 10 MiB */
    char url[256];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", srv.port, p);
    sized got = {malloc(max), max, 0};
    CHECK(got.buf != NULL);
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, into_sized);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &got);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
    char auth[512];
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", t_user);
    struct curl_slist *hl = curl_slist_append(NULL, auth);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    CHECK_EQ(curl_easy_perform(c), CURLE_OK);
    curl_slist_free_all(hl);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    CHECK_EQ(status, 200);
    CHECK_EQ((long)got.len, (long)max);
    CHECK(memcmp(got.buf, big, max) == 0);
    free(got.buf);
    free(big);
}

static void safe_content_disposition(void)
{
    /* quotes, backslashes, a path and non-ASCII letters */
    api_res r =
        upload(t_user, "../../etc/\"evil\\\";x=1 Überblick.pdf", "text/plain", "%PDF-1.4 x", 10);
    expect(&r, 201);
    const char *name = api_jstr(r.json, "filename");
    CHECK(strchr(name, '/') == NULL && strchr(name, '"') == NULL && strchr(name, '\\') == NULL);
    char p[128];
    snprintf(p, sizeof(p), "/v1/attachments/%s", api_jstr(r.json, "id"));
    api_res_free(&r);
    r = get_as(p, t_user);
    expect(&r, 200);
    char cd[512];
    CHECK(api_header(&r, "content-disposition", cd, sizeof(cd)) != NULL);
    /* one quoted filename without quotes inside, then the RFC 8187 form */
    const char *q1 = strchr(cd, '"'), *q2 = q1 ? strchr(q1 + 1, '"') : NULL;
    CHECK(q1 != NULL && q2 != NULL && strchr(q2 + 1, '"') == NULL);
    CHECK(strstr(cd, "filename*=UTF-8''") != NULL);
    CHECK(strstr(cd, "%C3%9Cberblick.pdf") != NULL);
    CHECK(strchr(cd, '\r') == NULL && strchr(cd, '\n') == NULL);
    api_res_free(&r);
    /* HEAD: the GET's headers and length, no bytes read or sent */
    char auth[512], cl[64];
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", t_user);
    const char *h[] = {auth, NULL};
    r = api_call(&srv, API_H1, "HEAD", p, NULL, NULL, 0, h);
    expect(&r, 200);
    CHECK_EQ((long)r.len, 0);
    CHECK_STR_EQ(api_header(&r, "content-length", cl, sizeof(cl)), "10");
    CHECK(api_header(&r, "content-disposition", cd, sizeof(cd)) != NULL);
    api_res_free(&r);
}

static void referenced_kept_unreferenced_removed(void)
{
    /* a published cluster posts a partner search with two attachments */
    api_res r = api_json(&srv, API_H1, "POST", "/v1/profiles",
                         "{\"type\":\"cluster_organisation\",\"name\":\"Files Cluster\","
                         "\"country\":\"BE\",\"city\":\"Gent\",\"description\":\"A cluster.\","
                         "\"website\":\"https://files.example\",\"languages\":[\"en\"],"
                         "\"management_fte\":2,\"members_count\":40,\"member_composition\":"
                         "{\"smes\":30,\"research\":10},\"ecosystems\":[\"digital\"],"
                         "\"services\":[\"training\",\"matchmaking\"],\"contact\":{\"name\":"
                         "\"N\",\"email\":\"contact@example.eu\"}}",
                         t_user);
    expect(&r, 201);
    char pid[64], p[160];
    snprintf(pid, sizeof(pid), "%s", api_jstr(r.json, "id"));
    api_res_free(&r);
    snprintf(p, sizeof(p), "/v1/profiles/%s/submit", pid);
    r = api_json(&srv, API_H1, "POST", p, NULL, t_user);
    expect(&r, 200);
    api_res_free(&r);
    snprintf(p, sizeof(p), "/v1/profiles/%s/moderation", pid);
    r = api_json(&srv, API_H1, "POST", p, "{\"decision\":\"publish\"}", t_mod);
    expect(&r, 200);
    api_res_free(&r);
    char body[1024], deadline[16];
    time_t later = time(NULL) + 100 * 86400;
    struct tm tm;
    gmtime_r(&later, &tm);
    strftime(deadline, sizeof(deadline), "%Y-%m-%d", &tm);
    snprintf(body, sizeof(body),
             "{\"profile_id\":\"%s\",\"title\":\"With files\",\"description\":\"See the "
             "call.\",\"kind\":\"cooperation\",\"ecosystems\":[\"digital\"],\"deadline\":"
             "\"%s\",\"attachments\":[\"%s\",\"%s\"]}",
             pid, deadline, ids[0], ids[3]);
    r = api_json(&srv, API_H1, "POST", "/v1/partner-searches", body, t_user);
    expect(&r, 201);
    cJSON *att = cJSON_GetObjectItem(r.json, "attachments");
    CHECK_EQ(cJSON_GetArraySize(att), 2);
    CHECK_STR_EQ(api_jstr(cJSON_GetArrayItem(att, 0), "id"), ids[0]);
    CHECK_STR_EQ(api_jstr(cJSON_GetArrayItem(att, 0), "filename"), "call.pdf");
    CHECK_STR_EQ(api_jstr(cJSON_GetArrayItem(att, 1), "content_type"),
                 "application/vnd.oasis.opendocument.text");
    api_res_free(&r);

    /* two days later: the unreferenced ones are gone, the referenced ones stay */
    api_stop(&srv);
    setenv("ECCPD_FAULT_CLOCK_SKEW", "172800", 1);
    api_start(&srv, srv.dir, NULL);
    unsetenv("ECCPD_FAULT_CLOCK_SKEW");
    snprintf(p, sizeof(p), "/v1/attachments/%s", ids[1]);
    long status = 0;
    for (int i = 0; i < 200 && status != 404; i++) { /* the sweep runs at start */
        r = get_as(p, t_user);                       /* the uploader could read it until it went */
        status = r.status;
        api_res_free(&r);
        if (status != 404) {
            struct timespec ts = {0, 25000000};
            nanosleep(&ts, NULL);
        }
    }
    CHECK_EQ(status, 404);
    for (int k = 0; k < 2; k++) {
        snprintf(p, sizeof(p), "/v1/attachments/%.40s", ids[k == 0 ? 0 : 3]);
        r = get_as(p, NULL); /* a public partner search's: anyone's */
        expect(&r, 200);
        api_res_free(&r);
        r = get_as(p, t_stranger);
        expect(&r, 200);
        api_res_free(&r);
    }
}

int main(int argc, char **argv)
{
    CHECK(argc == 2);
    api_binary = argv[1];
    curl_global_init(CURL_GLOBAL_ALL);
    api_kill_on_abort(&srv);
    t_mod = api_start_moderated(&srv);
    t_user = api_signup(&srv, "uploader", "a long password");
    t_stranger = api_signup(&srv, "stranger", "a long password");
    RUN(each_allowed_type);
    RUN(forbidden_types_and_sizes);
    RUN(safe_content_disposition);
    RUN(referenced_kept_unreferenced_removed);
    api_stop(&srv);
    api_cleanup(&srv);
    return 0;
}
