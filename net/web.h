/*
 * web.h: the platform's web front end, served from the binary.
 *
 * The files under net/web/ (HTML, CSS, JavaScript modules, the map's outlines) are compiled
 * into a read-only table at build time (net/web/embed_web.cmake), so the binary is
 * self-contained and nothing is read from disk or fetched from elsewhere at run time.
 * Every page route answers with the same index.html; its modules read the URL and draw
 * the page with the public API. Answers carry an ETag and "Cache-Control: no-cache", so a
 * browser revalidates each file and gets 304 while the binary is the same.
 */
#ifndef ECCPD_NET_WEB_H
#define ECCPD_NET_WEB_H

#include <stdbool.h>
#include <stddef.h>

typedef struct net_req net_req;

typedef struct net_web_file {
    const char *path;         /* the URL path: "/" for index.html, else "/static/..." */
    const char *content_type; /* with charset for text */
    const char *etag;         /* quoted, from the file's SHA-256 */
    const char *bytes;        /* static, NUL-terminated */
    size_t len;               /* without the NUL */
} net_web_file;

/* The table (generated at build time); read-only. */
extern const net_web_file net_web_files[];
extern const size_t net_web_nfiles;

/* The file served at a URL path (no query string), or NULL. */
const net_web_file *net_web_find(const char *path, size_t len);

/* GET /static/...: the file at the request's path, or a JSON 404. */
void net_web_static(net_req *r);
/* GET of a page route ("/", "/profiles/{id}", "/sign-in", ...): the app page. */
void net_web_page(net_req *r);
/* For a path no route matched: answers the app page with status 404 when the path is
 * outside /v1/ and the client asks for HTML (a person following a bad link), and returns
 * true; otherwise answers nothing and returns false (the caller sends the JSON 404). */
bool net_web_not_found(net_req *r, const char *path, size_t len);

#endif
