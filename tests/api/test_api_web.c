/*
 * test_api_web.c: the web front end as HTTP sees it (net/web.c): the app page at every
 * page route, the files under /static with their types, ETag revalidation (304), the JSON
 * 404 under /v1 and for files, and the app page with 404 for a person's bad link. What the
 * pages do in a browser is tests/web/e2e.mjs.
 */
#include <curl/curl.h>
#include <string.h>

#include "api/harness.h"
#include "check.h"

static api_server srv;

static api_res get(const char *path, const char *const *headers)
{
    return api_call(&srv, API_H1, "GET", path, NULL, NULL, 0, headers);
}

static void page_routes_serve_the_app(void)
{
    static const char *const pages[] = {"/",
                                        "/?q=hydrogen&country=DE",
                                        "/profiles/01ABC",
                                        "/profiles/01ABC/draft",
                                        "/sign-in",
                                        "/register",
                                        "/account",
                                        "/account/data",
                                        "/forgot-password",
                                        "/reset-password?token=x",
                                        "/moderation",
                                        "/xchange"};
    char buf[256];
    for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
        api_res r = get(pages[i], NULL);
        CHECK_EQ(r.status, 200);
        CHECK(strcmp(api_header(&r, "content-type", buf, sizeof(buf)),
                     "text/html; charset=utf-8") == 0);
        CHECK(strstr(r.body, "<script type=\"module\" src=\"/static/js/app.js\">") != NULL);
        CHECK(api_header(&r, "content-security-policy", buf, sizeof(buf)) != NULL);
        CHECK(strstr(buf, "default-src 'self'") != NULL);
        api_res_free(&r);
    }
    /* over HTTP/2 too */
    api_res r = api_call(&srv, API_H2C, "GET", "/", NULL, NULL, 0, NULL);
    CHECK_EQ(r.status, 200);
    CHECK(strstr(r.body, "<main id=\"main\"") != NULL);
    api_res_free(&r);
}

static void static_files_have_types_and_etags(void)
{
    static const struct {
        const char *path, *type, *needle;
    } files[] = {
        {"/static/app.css", "text/css; charset=utf-8", ".search-box"},
        {"/static/js/app.js", "text/javascript; charset=utf-8", "export function navigate"},
        {"/static/js/api.js", "text/javascript; charset=utf-8", "export async function api"},
        {"/static/js/search.js", "text/javascript; charset=utf-8", "/v1/suggest"},
        {"/static/europe.json", "application/json", "Natural Earth"},
    };
    char type[128], etag[64], cc[64];
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        api_res r = get(files[i].path, NULL);
        CHECK_EQ(r.status, 200);
        CHECK(strcmp(api_header(&r, "content-type", type, sizeof(type)), files[i].type) == 0);
        CHECK(strstr(r.body, files[i].needle) != NULL);
        CHECK(api_header(&r, "etag", etag, sizeof(etag)) != NULL);
        CHECK(etag[0] == '"' && strlen(etag) == 18);
        CHECK(strcmp(api_header(&r, "cache-control", cc, sizeof(cc)), "no-cache") == 0);
        api_res_free(&r);

        /* the browser revalidates: the same ETag gets 304 and no body; another gets 200 */
        char inm[128];
        snprintf(inm, sizeof(inm), "If-None-Match: %s", etag);
        const char *h1[] = {inm, NULL};
        r = get(files[i].path, h1);
        CHECK_EQ(r.status, 304);
        CHECK_EQ(r.len, 0);
        api_res_free(&r);
        snprintf(inm, sizeof(inm), "If-None-Match: \"0000\", W/%s", etag);
        r = get(files[i].path, h1);
        CHECK_EQ(r.status, 304);
        api_res_free(&r);
        const char *h2[] = {"If-None-Match: \"0123456789abcdef\"", NULL};
        r = get(files[i].path, h2);
        CHECK_EQ(r.status, 200);
        CHECK(r.len > 0);
        api_res_free(&r);
    }
}

static void not_found_is_json_for_the_api_and_a_page_for_people(void)
{
    static const char *const html[] = {"Accept: text/html,application/xhtml+xml,*/*;q=0.8", NULL};
    char buf[128];
    /* under /v1 always JSON, whatever the client accepts */
    api_res r = get("/v1/nothing-here", html);
    CHECK_EQ(r.status, 404);
    CHECK(r.json != NULL && strcmp(api_error_code(&r), "not_found") == 0);
    api_res_free(&r);
    r = get("/v1", html);
    CHECK_EQ(r.status, 404);
    CHECK(r.json != NULL);
    api_res_free(&r);
    /* a missing file is a JSON 404, never the page */
    r = get("/static/js/nothing.js", html);
    CHECK_EQ(r.status, 404);
    CHECK(r.json != NULL && strcmp(api_error_code(&r), "not_found") == 0);
    api_res_free(&r);
    /* a person's bad link: the app page (which says "Page not found") with status 404 */
    r = get("/no/such/page", html);
    CHECK_EQ(r.status, 404);
    CHECK(strcmp(api_header(&r, "content-type", buf, sizeof(buf)), "text/html; charset=utf-8") ==
          0);
    CHECK(strstr(r.body, "/static/js/app.js") != NULL);
    api_res_free(&r);
    /* the same path for a client that does not ask for HTML: JSON */
    r = get("/no/such/page", NULL);
    CHECK_EQ(r.status, 404);
    CHECK(r.json != NULL && strcmp(api_error_code(&r), "not_found") == 0);
    api_res_free(&r);
    /* pages are for reading: another method gets 405 */
    r = api_json(&srv, API_H1, "POST", "/sign-in", "{}", NULL);
    CHECK_EQ(r.status, 405);
    api_res_free(&r);
}

int main(int argc, char **argv)
{
    CHECK(argc == 2);
    api_binary = argv[1];
    curl_global_init(CURL_GLOBAL_ALL);
    api_start(&srv, NULL, NULL);
    RUN(page_routes_serve_the_app);
    RUN(static_files_have_types_and_etags);
    RUN(not_found_is_json_for_the_api_and_a_page_for_people);
    api_stop(&srv);
    api_cleanup(&srv);
    curl_global_cleanup();
    return 0;
}
