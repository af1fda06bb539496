/*
 * guard.c: see guard.h. The HTTP/1 check reads the request at the head of the socket's
 * input, which is where h2o keeps the request it is reading (head and body stay there
 * until the response is sent), so each read re-reads one head (picohttpparser, about a
 * microsecond) and walks the body's chunk headers when it is chunked. The HTTP/2 check
 * walks the frame headers h2o has not consumed yet, which begin at a frame boundary.
 */
#include "net/guard.h"

#include <dlfcn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "core/error.h"
#include "net/buf.h"
#include "net/json.h"
#include "net/router.h"

/* picohttpparser, bundled and exported by libh2o (no header is installed for it). */
struct phr_header {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
};
int phr_parse_request(const char *buf, size_t len, const char **method, size_t *method_len,
                      const char **path, size_t *path_len, int *minor_version,
                      struct phr_header *headers, size_t *num_headers, size_t last_len);

typedef struct net_guard_conn {
    net_thread *thread;
    h2o_socket_t *sock;
    char *out;                  /* a refusal being written */
    bool refusing;              /* an error was sent: discard input until the close */
    bool h2_preface_seen;       /* the 24-byte HTTP/2 client preface has gone by */
    uint64_t h2_block_since;    /* ms; 0 while no header block is open */
    h2o_timeout_entry_t linger; /* closes a refused connection */
} net_guard_conn;

static _Atomic(h2o_socket_cb) h1_read, h2_read; /* h2o's readers, learned by the probes */
static void (*real_read_start)(h2o_socket_t *, h2o_socket_cb);

static void guard_closed(void *data)
{
    net_guard_conn *g = data;
    if (h2o_timeout_is_linked(&g->linger))
        h2o_timeout_unlink(&g->linger);
    free(g->out);
    g->thread->guard_open--;
    free(g);
}

static net_guard_conn *guard_of(h2o_socket_t *sock)
{
    return sock->on_close.cb == guard_closed ? sock->on_close.data : NULL;
}

static void guard_h1_on_read(h2o_socket_t *sock, const char *err);
static void guard_h2_on_read(h2o_socket_t *sock, const char *err);

void h2o_socket_read_start(h2o_socket_t *sock, h2o_socket_cb cb)
{
    if (real_read_start == NULL)
        real_read_start =
            (void (*)(h2o_socket_t *, h2o_socket_cb))dlsym(RTLD_NEXT, "h2o_socket_read_start");
    if (guard_of(sock) != NULL) {
        if (cb != NULL && cb == atomic_load(&h1_read))
            cb = guard_h1_on_read;
        else if (cb != NULL && cb == atomic_load(&h2_read))
            cb = guard_h2_on_read;
    }
    real_read_start(sock, cb);
}

/* ---- refusing ---- */

static uint64_t now_ms(net_guard_conn *g)
{
    return h2o_now(g->thread->ctx.loop);
}

/* Tells h2o's reader of this connection that it failed, so h2o closes it its own way. */
static void close_through_h2o(h2o_socket_t *sock)
{
    h2o_socket_cb reader =
        sock->_cb.read == guard_h2_on_read ? atomic_load(&h2_read) : atomic_load(&h1_read);
    reader(sock, "eccpd: connection refused by the guard");
}

static void linger_done(h2o_timeout_entry_t *entry)
{
    net_guard_conn *g = H2O_STRUCT_FROM_MEMBER(net_guard_conn, linger, entry);
    close_through_h2o(g->sock);
}

static void refuse_written(h2o_socket_t *sock, const char *err)
{
    net_guard_conn *g = guard_of(sock);
    free(g->out);
    g->out = NULL;
    if (err != NULL) {
        close_through_h2o(sock);
        return;
    }
    /* Read on (and discard) until the client, having read the answer, closes; closing
     * first would reset the connection under a client still sending its body, and the
     * reset can destroy the answer before the client reads it. */
    real_read_start(sock, guard_h1_on_read);
    h2o_timeout_link(g->thread->ctx.loop, &g->thread->ctx.one_sec_timeout, &g->linger);
}

/* Answers the request at the head of the input with the API's error body and ends the
 * connection; h2o never sees the request. */
static void refuse(h2o_socket_t *sock, net_guard_conn *g, int status, const char *reason,
                   const char *code, const char *message)
{
    net_buf body;
    net_buf_init(&body);
    net_buf_puts(&body, "{\"error\":{\"code\":");
    net_json_write_str(&body, code, strlen(code));
    net_buf_puts(&body, ",\"message\":");
    net_json_write_str(&body, message, strlen(message));
    net_buf_puts(&body, "}}");
    char head[256];
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 %d %s\r\nContent-Type: application/json; charset=utf-8\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                     status, reason, body.len);
    /* evloop writes from the caller's memory: it stays here until the write is done. */
    g->out = malloc((size_t)n + body.len);
    if (g->out == NULL)
        core_oom();
    memcpy(g->out, head, (size_t)n);
    memcpy(g->out + n, body.ptr, body.len);
    h2o_iovec_t buf = h2o_iovec_init(g->out, (size_t)n + body.len);
    net_buf_dispose(&body);
    g->refusing = true;
    h2o_buffer_consume(&sock->input, sock->input->size);
    h2o_socket_read_stop(sock);
    h2o_socket_write(sock, &buf, 1, refuse_written);
}

/* ---- HTTP/1 ---- */

typedef struct verdict {
    int status; /* 0: let h2o go on */
    const char *code, *reason;
    char message[160];
} verdict;

static verdict bad(const char *message)
{
    verdict v = {400, "bad_request", "Bad Request", ""};
    snprintf(v.message, sizeof(v.message), "%s", message);
    return v;
}

static verdict too_large(size_t limit)
{
    verdict v = {413, "payload_too_large", "Content Too Large", ""};
    snprintf(v.message, sizeof(v.message), "the request body is larger than the limit of %zu bytes",
             limit);
    return v;
}

static bool header_is(const struct phr_header *h, const char *name)
{
    size_t n = strlen(name);
    return h->name_len == n && strncasecmp(h->name, name, n) == 0;
}

/* Walks a chunked body without decoding it in place (h2o does that later): adds the
 * data bytes of the complete chunks seen so far to *size. Returns 1 when the last chunk
 * is in, 0 when more must come, -1 when the framing is malformed. */
static int walk_chunks(const char *p, size_t len, size_t *size)
{
    size_t i = 0;
    for (;;) {
        size_t start = i, v = 0;
        int digits = 0;
        while (i < len) {
            char c = p[i];
            int d = c >= '0' && c <= '9'   ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                           : -1;
            if (d < 0)
                break;
            if (++digits > 15)
                return -1;
            v = v << 4 | (size_t)d;
            i++;
        }
        if (i == len)
            return 0;
        if (digits == 0)
            return -1;
        /* chunk extensions up to the line's end */
        while (i < len && p[i] != '\n') {
            if (p[i] != ';' && p[i] != '\r' && i == start + (size_t)digits)
                return -1;
            i++;
        }
        if (i == len)
            return 0;
        i++; /* the LF */
        if (v == 0)
            return 1; /* trailers follow; h2o reads them */
        *size += v;
        if (len - i < v + 1)
            return 0;
        i += v;
        if (p[i] == '\r')
            i++;
        if (i == len)
            return 0;
        if (p[i] != '\n')
            return -1;
        i++;
    }
}

/* True when s[0..n) can start an HTTP request (a method token and a space, or a prefix of
 * one): what may follow a complete request on a connection. */
static bool looks_like_request(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && i < 20 && ((s[i] >= 'A' && s[i] <= 'Z') || s[i] == '-'))
        i++;
    if (i == n)
        return true;
    return i > 0 && s[i] == ' ';
}

static verdict inspect_h1(net_guard_conn *g, h2o_socket_t *sock)
{
    const char *buf = sock->input->bytes;
    size_t len = sock->input->size;
    if (len == 0 || (len >= 3 && memcmp(buf, "PRI", 3) == 0))
        return (verdict){0}; /* HTTP/2 with prior knowledge: h2o's to take */
    const char *method, *path;
    size_t mlen, plen, nh = H2O_MAX_HEADERS + 1;
    int minor;
    struct phr_header h[H2O_MAX_HEADERS + 1];
    size_t scan = len < H2O_MAX_REQLEN ? len : H2O_MAX_REQLEN;
    int head = phr_parse_request(buf, scan, &method, &mlen, &path, &plen, &minor, h, &nh, 0);
    if (head == -2)
        return scan == H2O_MAX_REQLEN ? bad("the request head is too large") : (verdict){0};
    if (head == -1) {
        bool blank = len <= 4 && strspn(buf, "\r\n") >= len;
        if (blank)
            return (verdict){0};
        return nh > H2O_MAX_HEADERS || scan == len
                   ? bad("the request line or its headers are malformed (or there are more "
                         "than 100 headers)")
                   : (verdict){0};
    }
    if (nh > H2O_MAX_HEADERS)
        return bad("a request may carry at most 100 headers");
    const struct phr_header *cl = NULL, *te = NULL;
    for (size_t i = 0; i < nh; i++) {
        if (header_is(&h[i], "content-length")) {
            if (cl != NULL && (cl->value_len != h[i].value_len ||
                               memcmp(cl->value, h[i].value, cl->value_len) != 0))
                return bad("the request has two different Content-Length headers");
            cl = &h[i];
        } else if (header_is(&h[i], "transfer-encoding")) {
            if (te != NULL)
                return bad("the request has more than one Transfer-Encoding header");
            te = &h[i];
        }
    }
    if (cl == NULL && te == NULL)
        return (verdict){0};
    if (cl != NULL && te != NULL)
        return bad("send either Content-Length or Transfer-Encoding: chunked, not both");
    /* The route's limit; a path that matches no route gets the default, and its 404. */
    net_server *s = g->thread->server;
    size_t qpos = 0;
    while (qpos < plen && path[qpos] != '?')
        qpos++;
    net_match m;
    size_t limit = s->opt.max_body;
    if (net_router_match(s->router, method, mlen, path, qpos, &m) == NET_ROUTE_MATCHED &&
        m.route->body_limit)
        limit = m.route->body_limit;
    size_t have = len - (size_t)head;
    if (te != NULL) {
        if (te->value_len != 7 || strncasecmp(te->value, "chunked", 7) != 0)
            return bad("the only Transfer-Encoding accepted is chunked");
        size_t size = 0;
        int done = walk_chunks(buf + head, have, &size);
        if (done < 0)
            return bad("the chunked body is malformed (a chunk size is not hexadecimal, or a "
                       "chunk does not end where its size says)");
        if (size > limit)
            return too_large(limit);
        return (verdict){0};
    }
    size_t n = 0;
    if (cl->value_len == 0 || cl->value_len > 15)
        return bad("Content-Length must be a number of bytes");
    for (size_t i = 0; i < cl->value_len; i++) {
        if (cl->value[i] < '0' || cl->value[i] > '9')
            return bad("Content-Length must be a number of bytes");
        n = n * 10 + (size_t)(cl->value[i] - '0');
    }
    if (n > limit)
        return too_large(limit);
    if (have > n && !looks_like_request(buf + head + n, have - n))
        return bad("the body is longer than its Content-Length");
    return (verdict){0};
}

static void guard_h1_on_read(h2o_socket_t *sock, const char *err)
{
    net_guard_conn *g = guard_of(sock);
    h2o_socket_cb reader = atomic_load(&h1_read);
    if (g == NULL || err != NULL) {
        reader(sock, err);
        return;
    }
    if (g->refusing) {
        h2o_buffer_consume(&sock->input, sock->input->size);
        return;
    }
    verdict v = inspect_h1(g, sock);
    if (v.status == 0) {
        reader(sock, NULL);
        return;
    }
    refuse(sock, g, v.status, v.reason, v.code, v.message);
}

/* ---- HTTP/2 ---- */

static void guard_h2_on_read(h2o_socket_t *sock, const char *err)
{
    net_guard_conn *g = guard_of(sock);
    h2o_socket_cb reader = atomic_load(&h2_read);
    if (g == NULL || err != NULL) {
        reader(sock, err);
        return;
    }
    const unsigned char *p = (const unsigned char *)sock->input->bytes;
    size_t len = sock->input->size, i = 0;
    if (len >= 3 && memcmp(p, "PRI", 3) == 0)
        i = 24; /* the client preface; no frame's length can begin with "PRI" */
    while (i + 9 <= len) {
        size_t flen = (size_t)p[i] << 16 | (size_t)p[i + 1] << 8 | p[i + 2];
        unsigned type = p[i + 3], flags = p[i + 4];
        if (type == 0x1 || type == 0x9) { /* HEADERS, CONTINUATION */
            if (flags & 0x4)              /* END_HEADERS */
                g->h2_block_since = 0;
            else if (g->h2_block_since == 0)
                g->h2_block_since = now_ms(g);
        }
        if (len - i - 9 < flen)
            break;
        i += 9 + flen;
    }
    if (g->h2_block_since != 0 && now_ms(g) - g->h2_block_since > NET_GUARD_H2_HEADER_BLOCK_MS) {
        reader(sock, "eccpd: a header block took too long");
        return;
    }
    reader(sock, NULL);
}

/* ---- accepting ---- */

static void learn(_Atomic(h2o_socket_cb) *slot, h2o_socket_t *s)
{
    h2o_socket_cb expected = NULL;
    atomic_compare_exchange_strong(slot, &expected, s->_cb.read);
}

void net_guard_thread_init(net_thread *t)
{
    /* One connection of each protocol over a socket pair, accepted the ordinary way,
     * shows which callbacks h2o reads with; closing the other end lets h2o close them. */
    for (int proto = 0; proto < 2; proto++) {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0)
            return;
        h2o_socket_t *s = h2o_evloop_socket_create(t->ctx.loop, sv[0], 0);
        struct timeval now;
        gettimeofday(&now, NULL);
        if (proto == 0)
            h2o_http1_accept(&t->accept_ctx, s, now);
        else
            h2o_http2_accept(&t->accept_ctx, s, now);
        learn(proto == 0 ? &h1_read : &h2_read, s);
        close(sv[1]);
    }
}

bool net_guard_accept(net_thread *t, h2o_socket_t *sock)
{
    net_guard_conn *g = calloc(1, sizeof(*g));
    if (g == NULL)
        core_oom();
    g->thread = t;
    g->sock = sock;
    g->linger.cb = linger_done;
    sock->on_close.cb = guard_closed;
    sock->on_close.data = g;
    t->guard_open++;
    h2o_accept(&t->accept_ctx, sock);
    return true;
}

size_t net_guard_open(const net_thread *t)
{
    return t->guard_open;
}
