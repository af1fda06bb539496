/*
 * http.c: the request pipeline (route, negotiate, decode, dispatch), the error model, the
 * access log and the hand-off of work to the committer and the worker pool.
 *
 * Lifetime: a net_req is malloc'd per request. h2o's pool holds an anchor whose dispose
 * callback clears r->req; the net_req itself is freed by whichever of (h2o disposal,
 * completion of handed-off work) happens last, both on the request's own loop thread, so
 * no locking is needed. Work running elsewhere only touches the job and r->arena, which
 * stay alive until the completion has been processed on the loop.
 */
#include "net/http.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "core/sha256.h"
#include "net/buf.h"
#include "net/json.h"
#include "net/web.h"

struct net_job {
    h2o_multithread_message_t msg;
    net_req *r;
    enum { JOB_WRITE, JOB_OFFLOAD } kind;
    /* JOB_WRITE */
    core_commit commit;
    core_txn_fn fn;
    void *arg;
    net_write_respond_fn respond;
    net_write_fail_fn fail;
    int status;
    core_value resp;
    char *idem_key;
    char fingerprint[65];
    /* JOB_OFFLOAD */
    net_pool_job pj;
    net_offload_fn work;
    net_resume_fn resume;
};

uint64_t net_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static net_thread *thread_of(h2o_req_t *req)
{
    return (net_thread *)((char *)req->conn->ctx - offsetof(net_thread, ctx));
}

static void req_free(net_req *r)
{
    core_arena_dispose(&r->arena);
    free(r);
}

typedef struct anchor {
    net_req *r;
} anchor;

static void anchor_dispose(void *p)
{
    net_req *r = ((anchor *)p)->r;
    if (!r->answered) { /* the client went away before an answer */
        r->answered = true;
        net_metrics_inflight(&r->thread->metrics, -1);
    }
    r->req = NULL;
    if (r->pending == NULL)
        req_free(r);
}

/* ---- access log and metrics: every answer passes through here ---- */

static void log_answer(net_req *r, int status, size_t bytes)
{
    uint64_t took = net_now_us() - r->started_us;
    size_t route = r->match.route != NULL ? r->match.route_index : r->thread->metrics.nroutes - 1;
    net_metrics_record(&r->thread->metrics, route, status, took);
    net_metrics_inflight(&r->thread->metrics, -1);
    FILE *log = r->server->access_log;
    if (log == NULL || (r->match.route != NULL && (r->match.route->flags & NET_ROUTE_NO_LOG)))
        return;
    char when[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    h2o_req_t *q = r->req;
    size_t plen = q->path.len > 512 ? 512 : q->path.len;
    pthread_mutex_lock(&r->server->log_mu);
    fprintf(log, "%s %s %s \"%.*s %.*s HTTP/%d.%d\" %d %zu %.3fms\n", when, net_req_peer(r),
            r->who.signed_in ? r->who.user_id : "-", (int)q->method.len, q->method.base, (int)plen,
            q->path.base, q->version >> 8, q->version & 0xff, status, bytes, took / 1000.0);
    pthread_mutex_unlock(&r->server->log_mu);
}

void net_add_header(net_req *r, const char *name, const char *value)
{
    h2o_req_t *q = r->req;
    size_t vlen = strlen(value);
    char *v = h2o_mem_alloc_pool(&q->pool, vlen + 1);
    memcpy(v, value, vlen + 1);
    h2o_add_header_by_str(&q->pool, &q->res.headers, name, strlen(name), 1, NULL, v, vlen);
}

static h2o_generator_t static_generator = {NULL, NULL};

static bool method_is(const h2o_req_t *q, const char *m)
{
    return h2o_memis(q->method.base, q->method.len, m, strlen(m));
}

/* The request's Origin when --cors-origin allows it, else NULL (arena string). */
static const char *cors_origin(net_req *r)
{
    const net_server_options *o = &r->server->opt;
    if (o->ncors_origins == 0)
        return NULL;
    const char *origin = net_req_header(r, "origin");
    for (size_t i = 0; origin != NULL && i < o->ncors_origins; i++)
        if (strcmp(origin, o->cors_origins[i]) == 0)
            return origin;
    return NULL;
}

/* CORS headers of every response once origins are configured (none without them). */
static void cors_headers(net_req *r)
{
    if (r->server->opt.ncors_origins == 0)
        return;
    net_add_header(r, "vary", "Origin");
    const char *origin = cors_origin(r);
    if (origin == NULL)
        return;
    net_add_header(r, "access-control-allow-origin", origin);
    net_add_header(r, "access-control-expose-headers",
                   "Retry-After, Idempotent-Replayed, Allow, WWW-Authenticate");
}

/* The methods a known path answers (the router's list, HEAD beside GET, and OPTIONS). */
static const char *allowed_methods(net_req *r)
{
    const char *allow = r->match.allow;
    return core_arena_printf(&r->arena, "%s%s, OPTIONS", allow,
                             strstr(allow, "GET") != NULL ? ", HEAD" : "");
}

/* OPTIONS on a known path: 204 with Allow, and for an allowed origin's preflight the
 * methods and headers it may use. */
static void answer_options(net_req *r)
{
    const char *allow = allowed_methods(r);
    net_add_header(r, "allow", allow);
    if (cors_origin(r) != NULL && net_req_header(r, "access-control-request-method") != NULL) {
        net_add_header(r, "access-control-allow-methods", allow);
        net_add_header(r, "access-control-allow-headers",
                       "Authorization, Content-Type, Idempotency-Key, Accept, X-Filename");
        net_add_header(r, "access-control-max-age", "600");
    }
    net_reply_raw(r, 204, NULL, NULL, 0);
}

/* The reason phrase of an HTTP/1.1 status line: optional for HTTP, expected by tools. */
static const char *reason_phrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 304:
        return "Not Modified";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 413:
        return "Content Too Large";
    case 415:
        return "Unsupported Media Type";
    case 422:
        return "Unprocessable Content";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    default:
        return status < 300 ? "OK" : status < 500 ? "Client Error" : "Server Error";
    }
}

void net_reply_raw(net_req *r, int status, const char *content_type, const char *bytes, size_t len)
{
    if (r->answered || r->req == NULL)
        return;
    r->answered = true;
    h2o_req_t *q = r->req;
    q->res.status = status;
    q->res.reason = reason_phrase(status);
    q->res.content_length = len;
    if (content_type != NULL)
        h2o_add_header(&q->pool, &q->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, content_type,
                       strlen(content_type));
    cors_headers(r);
    log_answer(r, status, len);
    if (method_is(q, "HEAD")) /* the GET's headers and length, without its body */
        len = 0;
    h2o_iovec_t body = {NULL, 0};
    if (len > 0) {
        body.base = h2o_mem_alloc_pool(&q->pool, len);
        memcpy(body.base, bytes, len);
        body.len = len;
    }
    h2o_start_response(q, &static_generator);
    h2o_send(q, &body, len > 0 ? 1 : 0, H2O_SEND_STATE_FINAL);
}

typedef struct stream_gen {
    h2o_generator_t super; /* first: h2o hands it back */
    net_read_fn read;
    void *ctx;
    char *buf; /* cap bytes, reused for every piece */
    size_t cap, off, len;
} stream_gen;

/* h2o asks for the next piece once the previous one has gone (the buffer is free again). */
static void stream_proceed(h2o_generator_t *self, h2o_req_t *q)
{
    stream_gen *g = (stream_gen *)self;
    size_t want = g->len - g->off < g->cap ? g->len - g->off : g->cap;
    long got = g->read(g->ctx, g->off, g->buf, want);
    if (got <= 0 || (size_t)got > want) {
        h2o_send(q, NULL, 0, H2O_SEND_STATE_ERROR);
        return;
    }
    g->off += (size_t)got;
    h2o_iovec_t v = {g->buf, (size_t)got};
    h2o_send(q, &v, 1, g->off == g->len ? H2O_SEND_STATE_FINAL : H2O_SEND_STATE_IN_PROGRESS);
}

static void stream_stop(h2o_generator_t *self, h2o_req_t *q)
{
    (void)self, (void)q; /* the client went: nothing to release (the pool holds it all) */
}

void *net_req_pool(net_req *r, size_t size)
{
    return h2o_mem_alloc_pool(&r->req->pool, size);
}

void net_reply_stream(net_req *r, int status, const char *content_type, size_t len, size_t cap,
                      net_read_fn read, void *ctx)
{
    if (r->answered || r->req == NULL)
        return;
    if (len == 0 || method_is(r->req, "HEAD")) { /* HEAD: the GET's length, no body read */
        net_reply_raw(r, status, content_type, NULL, len);
        return;
    }
    r->answered = true;
    h2o_req_t *q = r->req;
    q->res.status = status;
    q->res.reason = reason_phrase(status);
    q->res.content_length = len;
    if (content_type != NULL)
        h2o_add_header(&q->pool, &q->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, content_type,
                       strlen(content_type));
    cors_headers(r);
    log_answer(r, status, len);
    stream_gen *g = h2o_mem_alloc_pool(&q->pool, sizeof(*g));
    *g = (stream_gen){
        .super = {stream_proceed, stream_stop}, .read = read, .ctx = ctx, .cap = cap, .len = len};
    g->buf = h2o_mem_alloc_pool(&q->pool, cap);
    h2o_start_response(q, &g->super);
    stream_proceed(&g->super, q);
}

void net_reply(net_req *r, int status, const core_value *v)
{
    if (v == NULL || status == 204) {
        net_reply_raw(r, status, NULL, NULL, 0);
        return;
    }
    if (r->want_msgpack) {
        char *buf;
        size_t len;
        if (core_value_to_msgpack(v, &buf, &len) != 0) {
            net_fail(r, CORE_EINTERNAL, "could not encode the response", NULL);
            return;
        }
        net_reply_raw(r, status, "application/msgpack", buf, len);
        free(buf);
        return;
    }
    net_buf b;
    net_buf_init(&b);
    net_json_write(&b, v);
    net_reply_raw(r, status, "application/json; charset=utf-8", b.ptr, b.len);
    net_buf_dispose(&b);
}

/* The one mapping from error to status and API code. */
static void fail_with(net_req *r, int status, const char *code, const char *message,
                      const core_value *fields)
{
    if (r->answered || r->req == NULL)
        return;
    core_arena *a = &r->arena;
    core_value err = core_value_obj();
    core_value_set(a, &err, "code", core_value_str_ref(code, strlen(code)));
    core_value_set(a, &err, "message", core_value_cstr(a, message));
    if (fields != NULL)
        core_value_set(a, &err, "fields", *fields);
    core_value top = core_value_obj();
    core_value_set(a, &top, "error", err);
    if (status == 503)
        net_add_header(r, "retry-after", "1");
    net_reply(r, status, &top);
}

void net_fail(net_req *r, int code, const char *message, const core_value *fields)
{
    int status;
    const char *api;
    switch (code) {
    case CORE_EBADREQ:
        status = 400, api = "bad_request";
        break;
    case CORE_EUNAUTH:
        status = 401, api = "unauthorized";
        break;
    case CORE_EFORBIDDEN:
        status = 403, api = "forbidden";
        break;
    case CORE_ENOTFOUND:
        status = 404, api = "not_found";
        break;
    case CORE_ECONFLICT:
        status = 409, api = "conflict";
        break;
    case CORE_ETOOLARGE:
        status = 413, api = "payload_too_large";
        break;
    case CORE_EINVALID:
        status = 422, api = "validation_failed";
        break;
    case CORE_ELIMIT:
        status = 429, api = "rate_limited";
        break;
    case CORE_EIO:
    case CORE_ENOMEM:
    case CORE_EUNAVAILABLE:
        status = 503, api = "unavailable";
        break;
    default:
        status = 500, api = "internal";
        break;
    }
    if (message == NULL)
        message = core_strerror(code);
    if (status == 401)
        net_add_header(r, "www-authenticate", "Bearer");
    fail_with(r, status, api, message, code == CORE_EINVALID ? fields : NULL);
}

void net_fail_status(net_req *r, int status, const char *message)
{
    switch (status) {
    case 405:
        fail_with(r, 405, "method_not_allowed", message, NULL);
        break;
    case 415:
        fail_with(r, 415, "unsupported_media_type", message, NULL);
        break;
    default:
        fail_with(r, 500, "internal", message, NULL);
        break;
    }
}

/* ---- request parsing ---- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decodes into the arena ('+' is a space in query strings only); NULL when the
 * result is not valid UTF-8 or contains NUL. */
static const char *decode(net_req *r, const char *s, size_t len, bool plus_is_space)
{
    char *out = core_arena_alloc(&r->arena, len + 1), *o = out;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '%' && i + 2 < len && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            *o++ = (char)(hexval(s[i + 1]) << 4 | hexval(s[i + 2]));
            i += 2;
        } else if (s[i] == '+' && plus_is_space) {
            *o++ = ' ';
        } else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    size_t n = (size_t)(o - out);
    if (memchr(out, '\0', n) != NULL || !core_utf8_valid(out, n))
        return NULL;
    return out;
}

const char *net_req_param(net_req *r, const char *name)
{
    size_t nlen = strlen(name);
    for (size_t i = 0; i < r->match.nparams; i++)
        if (r->match.param_name[i].len == nlen &&
            memcmp(r->match.param_name[i].ptr, name, nlen) == 0)
            return decode(r, r->match.param[i].ptr, r->match.param[i].len, false);
    return NULL;
}

const char *net_req_query(net_req *r, const char *name)
{
    h2o_req_t *q = r->req;
    if (q->query_at == SIZE_MAX)
        return NULL;
    const char *p = q->path.base + q->query_at + 1, *end = q->path.base + q->path.len;
    size_t nlen = strlen(name);
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        if (amp == NULL)
            amp = end;
        const char *eq = memchr(p, '=', (size_t)(amp - p));
        const char *kend = eq ? eq : amp;
        if ((size_t)(kend - p) == nlen && memcmp(p, name, nlen) == 0) {
            if (eq == NULL)
                return "";
            return decode(r, eq + 1, (size_t)(amp - eq - 1), true);
        }
        p = amp + 1;
    }
    return NULL;
}

static bool parse_count(const char *s, size_t max, size_t *out)
{
    if (s == NULL)
        return true;
    char *end;
    long long n = strtoll(s, &end, 10);
    if (*s == '\0' || *end != '\0' || n < 1 || (size_t)n > max)
        return false;
    *out = (size_t)n;
    return true;
}

bool net_req_page(net_req *r, size_t *page, size_t *per_page)
{
    *page = 1;
    *per_page = 20;
    if (!parse_count(net_req_query(r, "page"), 1000000, page)) {
        net_fail(r, CORE_EBADREQ, "page must be a whole number from 1", NULL);
        return false;
    }
    if (!parse_count(net_req_query(r, "per_page"), 100, per_page)) {
        net_fail(r, CORE_EBADREQ, "per_page must be a whole number from 1 to 100", NULL);
        return false;
    }
    return true;
}

const char *net_req_header(net_req *r, const char *name)
{
    h2o_req_t *q = r->req;
    ssize_t i = h2o_find_header_by_str(&q->headers, name, strlen(name), -1);
    if (i < 0)
        return NULL;
    h2o_iovec_t v = q->headers.entries[i].value;
    return core_arena_strndup(&r->arena, v.base, v.len);
}

const char *net_req_peer(net_req *r)
{
    struct sockaddr_storage ss;
    socklen_t n = r->req->conn->callbacks->get_peername(r->req->conn, (struct sockaddr *)&ss);
    char *buf = core_arena_alloc(&r->arena, INET6_ADDRSTRLEN);
    buf[0] = '\0';
    if (n == 0)
        return "-";
    if (ss.ss_family == AF_INET)
        inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, buf, INET6_ADDRSTRLEN);
    else if (ss.ss_family == AF_INET6)
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, buf, INET6_ADDRSTRLEN);
    else
        return "local";
    return buf;
}

/* True when the header value names the media type (ignoring parameters and case). */
static bool media_is(h2o_iovec_t v, const char *type)
{
    size_t n = strlen(type);
    if (v.len < n || strncasecmp(v.base, type, n) != 0)
        return false;
    return v.len == n || v.base[n] == ';' || v.base[n] == ' ';
}

static bool accepts_msgpack(h2o_req_t *q)
{
    ssize_t i = h2o_find_header(&q->headers, H2O_TOKEN_ACCEPT, -1);
    if (i < 0)
        return false;
    h2o_iovec_t v = q->headers.entries[i].value;
    return h2o_strstr(v.base, v.len, H2O_STRLIT("application/msgpack")) != SIZE_MAX ||
           h2o_strstr(v.base, v.len, H2O_STRLIT("application/x-msgpack")) != SIZE_MAX;
}

/* Decodes the body into r->body; answers 413/415/400 itself and returns -1 then. */
static int decode_body(net_req *r)
{
    h2o_req_t *q = r->req;
    size_t limit =
        r->match.route->body_limit ? r->match.route->body_limit : r->server->opt.max_body;
    if (q->entity.base == NULL || q->entity.len == 0)
        return 0;
    if (q->entity.len > limit) {
        char msg[96];
        snprintf(msg, sizeof(msg), "the request body is larger than the limit of %zu bytes", limit);
        net_fail(r, CORE_ETOOLARGE, msg, NULL);
        return -1;
    }
    if (r->match.route->flags & NET_ROUTE_RAW_BODY)
        return 0;
    ssize_t ct = h2o_find_header(&q->headers, H2O_TOKEN_CONTENT_TYPE, -1);
    h2o_iovec_t type = ct >= 0 ? q->headers.entries[ct].value : h2o_iovec_init(NULL, 0);
    core_value *v = core_arena_alloc(&r->arena, sizeof(*v));
    const char *why = NULL;
    int rc;
    if (ct >= 0 && media_is(type, "application/json")) {
        rc = net_json_parse(&r->arena, q->entity.base, q->entity.len, v, &why);
    } else if (ct >= 0 &&
               (media_is(type, "application/msgpack") || media_is(type, "application/x-msgpack"))) {
        rc = core_value_from_msgpack_body(&r->arena, q->entity.base, q->entity.len, v, &why);
    } else {
        net_fail_status(r, 415,
                        "send the body as application/json or application/msgpack "
                        "(with a Content-Type header)");
        return -1;
    }
    if (rc != 0) {
        net_fail(r, CORE_EBADREQ, core_arena_printf(&r->arena, "the body is not valid: %s", why),
                 NULL);
        return -1;
    }
    r->body = v;
    return 0;
}

int net_http_on_req(h2o_handler_t *self, h2o_req_t *req)
{
    net_thread *t = thread_of(req);
    net_server *s = t->server;
    net_req *r = calloc(1, sizeof(*r));
    if (r == NULL)
        core_oom();
    r->req = req;
    r->server = s;
    r->thread = t;
    r->started_us = net_now_us();
    core_arena_init(&r->arena);
    anchor *an = h2o_mem_alloc_shared(&req->pool, sizeof(*an), anchor_dispose);
    an->r = r;
    net_metrics_inflight(&t->metrics, 1);
    r->want_msgpack = accepts_msgpack(req);

    size_t plen = req->query_at != SIZE_MAX ? req->query_at : req->path.len;
    bool head = method_is(req, "HEAD"); /* every GET route answers HEAD */
    net_route_result m =
        net_router_match(s->router, head ? "GET" : req->method.base, head ? 3 : req->method.len,
                         req->path.base, plen, &r->match);
    if (m == NET_ROUTE_NO_PATH) {
        if (net_web_not_found(r, req->path.base, plen))
            return 0;
        net_fail(r, CORE_ENOTFOUND, "no such resource", NULL);
        return 0;
    }
    if (m == NET_ROUTE_NO_METHOD && method_is(req, "OPTIONS")) {
        answer_options(r);
        return 0;
    }
    if (m == NET_ROUTE_NO_METHOD) {
        const char *allow = allowed_methods(r);
        net_add_header(r, "allow", allow);
        net_fail_status(r, 405, core_arena_printf(&r->arena, "this resource allows %s", allow));
        return 0;
    }
    if (atomic_load_explicit(&s->stopping, memory_order_relaxed) &&
        !(r->match.route->flags & NET_ROUTE_NO_LOG)) {
        net_fail(r, CORE_EUNAVAILABLE, "the server is shutting down", NULL);
        return 0;
    }
    if (decode_body(r) != 0)
        return 0;
    r->match.route->fn(r);
    return 0;
}

/* ---- authorisation ---- */

bool net_req_actor(net_req *r, core_actor *actor)
{
    const net_principal *p = net_req_auth(r);
    if (p == NULL)
        return false;
    actor->user_id = p->signed_in ? p->user_id : NULL;
    actor->moderator = p->signed_in && strcmp(p->role, "moderator") == 0;
    return true;
}

bool net_req_allow(net_req *r, core_action action, core_actor *actor, const char *why)
{
    if (!net_req_actor(r, actor))
        return false;
    int rc = core_authorize(action, core_actor_roles(actor));
    if (rc == 0)
        return true;
    if (rc == CORE_EUNAUTH)
        why = "sign in first (Authorization: Bearer <token>)";
    else if (why == NULL)
        why = core_arena_printf(&r->arena, "you may not do this (%s)",
                                core_authz_action_name(action));
    net_fail(r, rc, why, NULL);
    return false;
}

const net_principal *net_req_user(net_req *r)
{
    core_actor actor;
    if (!net_req_allow(r, CORE_ACT_SIGNED_IN, &actor, NULL))
        return NULL;
    return net_req_auth(r);
}

/* ---- work off the loop ---- */

static void post_completion(net_job *j)
{
    h2o_multithread_send_message(&j->r->thread->completions, &j->msg);
}

static void finish_write(net_job *j)
{
    net_req *r = j->r;
    core_commit *c = &j->commit;
    if (c->replayed) {
        core_value stored;
        const char *why;
        if (core_value_from_msgpack(&r->arena, c->replay, c->replay_len, &stored, &why) == 0 &&
            stored.type == CORE_ARR && stored.u.arr.len == 2 &&
            stored.u.arr.items[0].type == CORE_INT) {
            net_add_header(r, "idempotent-replayed", "true");
            net_reply(r, (int)stored.u.arr.items[0].u.i, &stored.u.arr.items[1]);
        } else {
            net_fail(r, CORE_EINTERNAL, "the stored response could not be read", NULL);
        }
    } else if (c->idem_mismatch) {
        core_value fields = core_value_obj();
        core_value_set(&r->arena, &fields, "Idempotency-Key",
                       core_value_cstr(&r->arena, "was used before with another request"));
        net_fail(r, CORE_EINVALID, "this Idempotency-Key was already used with a different request",
                 &fields);
    } else if (c->rc == 0) {
        core_outbox_kick(r->server->outbox); /* the write may have queued e-mail */
        net_reply(r, j->status, &j->resp);
    } else if (c->rc == CORE_EIO || c->rc == CORE_EUNAVAILABLE) {
        net_fail(r, c->rc,
                 "the store could not save this change; nothing was changed, "
                 "try again shortly",
                 NULL);
    } else if (c->rc == CORE_EINTERNAL) {
        net_fail(r, c->rc, "an internal error stopped this change; nothing was changed", NULL);
    } else if (j->fail != NULL) {
        j->fail(r, c->rc, j->arg);
    } else {
        net_fail(r, c->rc, NULL, NULL);
    }
    free(c->replay);
    free(j);
}

static void on_completions(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    while (!h2o_linklist_is_empty(messages)) {
        h2o_multithread_message_t *msg =
            H2O_STRUCT_FROM_MEMBER(h2o_multithread_message_t, link, messages->next);
        h2o_linklist_unlink(&msg->link);
        net_job *j = (net_job *)msg;
        net_req *r = j->r;
        r->pending = NULL;
        if (r->req == NULL) { /* the client went away meanwhile */
            if (j->kind == JOB_WRITE)
                free(j->commit.replay);
            free(j);
            req_free(r);
            continue;
        }
        if (j->kind == JOB_OFFLOAD) {
            net_resume_fn resume = j->resume;
            void *arg = j->arg;
            free(j);
            resume(r, arg);
        } else if (j->commit.rc == 0 && !j->commit.replayed && j->commit.seq > 0 &&
                   r->server->feed != NULL && core_feed_visible(r->server->feed) < j->commit.seq &&
                   core_feed_error(r->server->feed) == 0) {
            /* Durable, but search does not show it yet: answer once it does. */
            r->pending = j;
            h2o_linklist_insert(&r->thread->waiting, &j->msg.link);
        } else {
            finish_write(j);
        }
    }
}

void net_http_release_visible(net_thread *t)
{
    uint64_t visible = core_feed_visible(t->server->feed);
    bool failed = core_feed_error(t->server->feed) != 0;
    h2o_linklist_t *node = t->waiting.next;
    while (node != &t->waiting) {
        h2o_linklist_t *next = node->next;
        net_job *j = (net_job *)H2O_STRUCT_FROM_MEMBER(h2o_multithread_message_t, link, node);
        if (j->commit.seq <= visible || failed) {
            h2o_linklist_unlink(node);
            net_req *r = j->r;
            r->pending = NULL;
            if (r->req == NULL) { /* the client went away meanwhile */
                free(j->commit.replay);
                free(j);
                req_free(r);
            } else {
                finish_write(j);
            }
        }
        node = next;
    }
}

void net_http_thread_init(net_thread *t)
{
    h2o_multithread_register_receiver(t->ctx.queue, &t->completions, on_completions);
}

static int write_txn(core_txn *t, void *arg)
{
    net_job *j = arg;
    int rc = j->fn(t, j->arg);
    if (rc != 0)
        return rc;
    j->status = 200;
    j->resp = core_value_null();
    j->respond(j->arg, &j->r->arena, &j->status, &j->resp);
    /* The response may point into the write's scratch memory, which ends with this call. */
    j->resp = core_value_copy(&j->r->arena, &j->resp);
    if (j->commit.idem_key.len > 0) {
        core_value stored = core_value_arr();
        core_value_push(&j->r->arena, &stored, core_value_int(j->status));
        core_value_push(&j->r->arena, &stored, j->resp);
        char *buf;
        size_t len;
        if (core_value_to_msgpack(&stored, &buf, &len) != 0)
            return CORE_EINTERNAL;
        core_txn_set_response(t, buf, len);
        free(buf);
    }
    return 0;
}

static void write_done(core_commit *c)
{
    post_completion(c->user);
}

/* The stored name of the request's Idempotency-Key (scoped by route and caller, so two
 * users' keys never collide), or NULL when it has none or its route keeps no replay: a
 * response holding a secret (a session's bearer token) is never stored, since the store
 * and its write-ahead log would keep the token in the clear for the key's lifetime. */
static char *idem_scope(net_req *r)
{
    h2o_req_t *q = r->req;
    const char *key = net_req_header(r, "idempotency-key");
    if (key == NULL || !h2o_memis(q->method.base, q->method.len, H2O_STRLIT("POST")) ||
        (r->match.route->flags & NET_ROUTE_NO_REPLAY))
        return NULL;
    return core_arena_printf(&r->arena, "%s %s %s\n%s", r->match.route->method,
                             r->match.route->pattern, r->who.signed_in ? r->who.user_id : "-", key);
}

bool net_req_idempotent_seen(net_req *r)
{
    char *key = idem_scope(r);
    return key != NULL && core_store_idem_live(r->server->store, (core_slice){key, strlen(key)});
}

void net_req_write(net_req *r, core_txn_fn fn, void *arg, net_write_respond_fn respond,
                   net_write_fail_fn fail)
{
    net_job *j = calloc(1, sizeof(*j));
    if (j == NULL)
        core_oom();
    j->r = r;
    j->kind = JOB_WRITE;
    j->fn = fn;
    j->arg = arg;
    j->respond = respond;
    j->fail = fail;
    j->commit.fn = write_txn;
    j->commit.arg = j;
    j->commit.done = write_done;
    j->commit.user = j;
    h2o_req_t *q = r->req;
    if ((j->idem_key = idem_scope(r)) != NULL) {
        j->commit.idem_key = (core_slice){j->idem_key, strlen(j->idem_key)};
        core_sha256 h;
        unsigned char d[32];
        core_sha256_init(&h);
        core_sha256_update(&h, q->path.base, q->path.len);
        core_sha256_update(&h, "\n", 1);
        if (q->entity.base != NULL)
            core_sha256_update(&h, q->entity.base, q->entity.len);
        core_sha256_final(&h, d);
        memcpy(j->fingerprint, d, 32);
        j->commit.idem_fingerprint = (core_slice){j->fingerprint, 32};
    }
    r->pending = j;
    core_store_submit(r->server->store, &j->commit);
}

static void offload_run(net_pool_job *pj)
{
    net_job *j = (net_job *)((char *)pj - offsetof(net_job, pj));
    j->work(j->arg);
}

static void offload_done(net_pool_job *pj)
{
    post_completion((net_job *)((char *)pj - offsetof(net_job, pj)));
}

void net_req_offload(net_req *r, net_offload_fn work, net_resume_fn resume, void *arg)
{
    net_job *j = calloc(1, sizeof(*j));
    if (j == NULL)
        core_oom();
    j->r = r;
    j->kind = JOB_OFFLOAD;
    j->work = work;
    j->resume = resume;
    j->arg = arg;
    j->pj.run = offload_run;
    j->pj.done = offload_done;
    r->pending = j;
    net_pool_submit(r->server->pool, &j->pj);
}
