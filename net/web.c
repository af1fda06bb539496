/*
 * web.c: serves the embedded front end (see web.h). Handlers answer from static memory:
 * a lookup in a table of a few dozen entries, then either 304 (If-None-Match equals the
 * file's ETag) or the bytes.
 */
#include <string.h>

#include "core/error.h"

#include "net/http.h"
#include "net/web.h"

const net_web_file *net_web_find(const char *path, size_t len)
{
    for (size_t i = 0; i < net_web_nfiles; i++) {
        const net_web_file *f = &net_web_files[i];
        if (strlen(f->path) == len && memcmp(f->path, path, len) == 0)
            return f;
    }
    return NULL;
}

/* Does an If-None-Match header list this ETag (or "*")? */
static bool etag_matches(const char *header, const char *etag)
{
    if (header == NULL)
        return false;
    size_t elen = strlen(etag);
    for (const char *p = header; *p != '\0';) {
        while (*p == ' ' || *p == ',')
            p++;
        if (strncmp(p, "W/", 2) == 0)
            p += 2;
        const char *end = p;
        while (*end != '\0' && *end != ',' && *end != ' ')
            end++;
        if ((size_t)(end - p) == elen && memcmp(p, etag, elen) == 0)
            return true;
        if (end - p == 1 && *p == '*')
            return true;
        p = end;
    }
    return false;
}

static void send_file(net_req *r, int status, const net_web_file *f)
{
    net_add_header(r, "etag", f->etag);
    net_add_header(r, "cache-control", "no-cache");
    net_add_header(r, "x-content-type-options", "nosniff");
    if (strcmp(f->path, "/") == 0) {
        /* the page loads only what the server itself ships (images it fetched with the
         * session, such as a draft's logo, as blob: URLs of its own) */
        net_add_header(r, "content-security-policy",
                       "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; "
                       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'");
        net_add_header(r, "referrer-policy", "same-origin");
    }
    if (status == 200 && etag_matches(net_req_header(r, "if-none-match"), f->etag)) {
        net_reply_raw(r, 304, NULL, NULL, 0);
        return;
    }
    net_reply_raw(r, status, f->content_type, f->bytes, f->len);
}

static size_t path_len(net_req *r)
{
    h2o_req_t *q = r->req;
    return q->query_at != SIZE_MAX ? q->query_at : q->path.len;
}

void net_web_static(net_req *r)
{
    const net_web_file *f = net_web_find(r->req->path.base, path_len(r));
    if (f == NULL || strcmp(f->path, "/") == 0) {
        net_fail(r, CORE_ENOTFOUND, "no such file", NULL);
        return;
    }
    send_file(r, 200, f);
}

void net_web_page(net_req *r)
{
    const net_web_file *f = net_web_find("/", 1);
    if (f == NULL) {
        net_fail(r, CORE_ENOTFOUND, "this server was built without its web pages", NULL);
        return;
    }
    send_file(r, 200, f);
}

bool net_web_not_found(net_req *r, const char *path, size_t len)
{
    if (len >= 3 && memcmp(path, "/v1", 3) == 0 && (len == 3 || path[3] == '/'))
        return false;
    const char *accept = net_req_header(r, "accept");
    if (accept == NULL || strstr(accept, "text/html") == NULL)
        return false;
    const net_web_file *f = net_web_find("/", 1);
    if (f == NULL)
        return false;
    send_file(r, 404, f);
    return true;
}
