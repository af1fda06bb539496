/* smtp.c: see smtp.h. A small blocking client on its own thread: the event loops never
 * wait for it. */
#include "net/smtp.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "core/arena.h"

enum {
    SMTP_TIMEOUT_S = 30, /* per read or write */
    SMTP_POLL_MS = 200,  /* how often an idle sender looks at the spool */
    SMTP_BACKOFF_MIN_MS = 250,
    SMTP_BACKOFF_MAX_MS = 60000,
    SMTP_MAX_MESSAGE = 16 << 20, /* larger spool files are moved to failed/ */
};

struct net_smtp {
    char *dir, *host, *port, *from;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stopping; /* guarded by mu */
};

/* One connection, plain or after STARTTLS. */
typedef struct conn {
    int fd;
    SSL_CTX *ctx;
    SSL *ssl;
    char buf[4096];
    size_t len, pos;
    char reply[1024]; /* the last reply's last line, for logs */
} conn;

static bool wait_or_stop(net_smtp *m, long ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&m->mu);
    while (!m->stopping && pthread_cond_timedwait(&m->cv, &m->mu, &until) != ETIMEDOUT) {
    }
    bool stop = m->stopping;
    pthread_mutex_unlock(&m->mu);
    return stop;
}

static bool stopping(net_smtp *m)
{
    pthread_mutex_lock(&m->mu);
    bool s = m->stopping;
    pthread_mutex_unlock(&m->mu);
    return s;
}

/* ---- the connection ---- */

static void conn_close(conn *c)
{
    if (c->ssl != NULL) {
        SSL_shutdown(c->ssl);
        SSL_free(c->ssl);
    }
    if (c->ctx != NULL)
        SSL_CTX_free(c->ctx);
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->ssl = NULL;
    c->ctx = NULL;
}

static bool conn_open(conn *c, const char *host, const char *port)
{
    memset(c, 0, sizeof(*c));
    c->fd = -1;
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &res) != 0)
        return false;
    for (struct addrinfo *ai = res; ai != NULL && c->fd < 0; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0)
            continue;
        struct timeval tv = {SMTP_TIMEOUT_S, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            c->fd = fd;
        else
            close(fd);
    }
    freeaddrinfo(res);
    return c->fd >= 0;
}

static bool conn_write(conn *c, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = c->ssl != NULL ? SSL_write(c->ssl, p, (int)(n > 65536 ? 65536 : n))
                                   : send(c->fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

static int conn_getc(conn *c)
{
    if (c->pos == c->len) {
        ssize_t r = c->ssl != NULL ? SSL_read(c->ssl, c->buf, sizeof(c->buf))
                                   : recv(c->fd, c->buf, sizeof(c->buf), 0);
        if (r <= 0)
            return -1;
        c->len = (size_t)r;
        c->pos = 0;
    }
    return (unsigned char)c->buf[c->pos++];
}

/* Reads a whole (possibly multi-line) reply; returns its code, or -1 on a broken
 * connection. When ext is not NULL, the lines' text is appended to it (EHLO). */
static int read_reply(conn *c, char *ext, size_t extlen)
{
    for (;;) {
        char line[1024];
        size_t n = 0;
        int ch;
        while ((ch = conn_getc(c)) >= 0 && ch != '\n')
            if (n + 1 < sizeof(line))
                line[n++] = (char)ch;
        if (ch < 0)
            return -1;
        if (n > 0 && line[n - 1] == '\r')
            n--;
        line[n] = '\0';
        if (n < 3 || line[0] < '2' || line[0] > '5')
            return -1;
        if (ext != NULL && strlen(ext) + n + 2 < extlen) {
            strcat(ext, line + (n > 4 ? 4 : n));
            strcat(ext, "\n");
        }
        snprintf(c->reply, sizeof(c->reply), "%s", line);
        if (n == 3 || line[3] == ' ')
            return atoi(line);
        if (line[3] != '-')
            return -1;
    }
}

static int command(conn *c, const char *line, char *ext, size_t extlen)
{
    if (!conn_write(c, line, strlen(line)) || !conn_write(c, "\r\n", 2))
        return -1;
    return read_reply(c, ext, extlen);
}

static bool starttls(conn *c, const char *host)
{
    c->ctx = SSL_CTX_new(TLS_client_method());
    if (c->ctx == NULL)
        return false;
    SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION);
    SSL_CTX_set_default_verify_paths(c->ctx);
    SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
    c->ssl = SSL_new(c->ctx);
    if (c->ssl == NULL)
        return false;
    SSL_set_tlsext_host_name(c->ssl, host);
    SSL_set1_host(c->ssl, host);
    SSL_set_fd(c->ssl, c->fd);
    c->len = c->pos = 0; /* nothing read before the handshake may be used after it */
    if (SSL_connect(c->ssl) != 1) {
        ERR_clear_error();
        return false;
    }
    return true;
}

/* The address inside "Name <addr>", or the text itself. */
static void address_of(const char *s, char *out, size_t len)
{
    while (*s == ' ' || *s == '\t')
        s++;
    const char *lt = strrchr(s, '<'), *gt = lt ? strchr(lt, '>') : NULL;
    if (lt != NULL && gt != NULL)
        snprintf(out, len, "%.*s", (int)(gt - lt - 1), lt + 1);
    else
        snprintf(out, len, "%s", s);
    for (char *p = out; *p; p++)
        if (*p == '\r' || *p == '\n' || *p == ' ' || *p == '<' || *p == '>')
            *p = '\0';
}

/* Opens a session: greeting, EHLO, STARTTLS when offered, EHLO again. */
static bool session_open(net_smtp *m, conn *c)
{
    if (!conn_open(c, m->host, m->port))
        return false;
    char ext[4096] = "";
    if (read_reply(c, NULL, 0) != 220 ||
        command(c, "EHLO eccpd.localhost", ext, sizeof(ext)) != 250)
        return false;
    bool tls = false;
    for (const char *p = ext; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (n >= 8 && strncasecmp(p, "STARTTLS", 8) == 0)
            tls = true;
        p += n + (nl != NULL);
    }
    if (tls) {
        if (command(c, "STARTTLS", NULL, 0) != 220 || !starttls(c, m->host))
            return false;
        if (command(c, "EHLO eccpd.localhost", NULL, 0) != 250)
            return false;
    }
    return true;
}

/* ---- one message ---- */

typedef enum sent { SENT, TEMPORARY, PERMANENT, BROKEN } sent;

static sent classify(int code, int want)
{
    if (code == want)
        return SENT;
    if (code < 0)
        return BROKEN;
    return code >= 500 ? PERMANENT : TEMPORARY;
}

/* Sends one spool file; SENT only after the 250 to its DATA. */
static sent send_file(net_smtp *m, conn *c, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return TEMPORARY;
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || st.st_size > SMTP_MAX_MESSAGE) {
        fclose(f);
        return PERMANENT;
    }
    char *text = malloc((size_t)st.st_size + 1);
    if (text == NULL) {
        fclose(f);
        return TEMPORARY;
    }
    size_t len = fread(text, 1, (size_t)st.st_size, f);
    fclose(f);
    text[len] = '\0';
    /* the envelope recipient is the To: header of the headers block */
    char to[512] = "", from[512], line[1100];
    for (const char *p = text; *p && !(p[0] == '\r' && p[1] == '\n');) {
        const char *eol = strstr(p, "\r\n");
        if (eol == NULL)
            break;
        if (strncasecmp(p, "To:", 3) == 0) {
            char v[512];
            snprintf(v, sizeof(v), "%.*s", (int)(eol - p - 3), p + 3);
            address_of(v, to, sizeof(to));
        }
        p = eol + 2;
    }
    address_of(m->from, from, sizeof(from));
    sent r;
    if (to[0] == '\0') {
        snprintf(c->reply, sizeof(c->reply), "no To: address in the message");
        free(text);
        return PERMANENT;
    }
    snprintf(line, sizeof(line), "MAIL FROM:<%s>", from);
    if ((r = classify(command(c, line, NULL, 0), 250)) != SENT)
        goto Exit;
    snprintf(line, sizeof(line), "RCPT TO:<%s>", to);
    int code = command(c, line, NULL, 0);
    if (code == 251)
        code = 250;
    if ((r = classify(code, 250)) != SENT)
        goto Exit;
    if ((r = classify(command(c, "DATA", NULL, 0), 354)) != SENT)
        goto Exit;
    /* the message with dot-stuffing, ending in CRLF . CRLF */
    bool ok = true;
    const char *p = text, *end = text + len;
    while (ok && p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *next = eol ? eol + 1 : end;
        if (*p == '.')
            ok = conn_write(c, ".", 1);
        ok = ok && conn_write(c, p, (size_t)(next - p));
        p = next;
    }
    if (ok && len > 0 && text[len - 1] != '\n')
        ok = conn_write(c, "\r\n", 2);
    if (!ok || !conn_write(c, ".\r\n", 3)) {
        r = BROKEN;
        goto Exit;
    }
    r = classify(read_reply(c, NULL, 0), 250);
Exit:
    free(text);
    if (r == TEMPORARY || r == PERMANENT) /* leave the session usable for the next */
        command(c, "RSET", NULL, 0);
    (void)m;
    return r;
}

/* ---- the spool ---- */

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The .eml files of the spool in name order (malloc'd; the caller frees each and the list). */
static char **list_spool(const char *dir, size_t *n)
{
    *n = 0;
    DIR *d = opendir(dir);
    if (d == NULL)
        return NULL;
    size_t cap = 0;
    char **names = NULL;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (e->d_name[0] == '.' || l < 5 || strcmp(e->d_name + l - 4, ".eml") != 0)
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            char **nn = realloc(names, cap * sizeof(*nn));
            if (nn == NULL)
                core_oom();
            names = nn;
        }
        if ((names[(*n)++] = strdup(e->d_name)) == NULL)
            core_oom();
    }
    closedir(d);
    if (*n > 1)
        qsort(names, *n, sizeof(*names), by_name);
    return names;
}

static void sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* Sends what the spool holds; false when a temporary failure calls for a back-off. */
static bool deliver_all(net_smtp *m)
{
    size_t n;
    char **names = list_spool(m->dir, &n);
    bool ok = true;
    if (n == 0) {
        free(names);
        return true;
    }
    conn c;
    if (!session_open(m, &c)) {
        fprintf(stderr, "eccpd: smtp %s:%s: cannot open a session (%s); retrying\n", m->host,
                m->port, c.reply[0] ? c.reply : "no answer");
        conn_close(&c);
        ok = false;
    }
    size_t removed = 0;
    for (size_t i = 0; ok && i < n && !stopping(m); i++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", m->dir, names[i]);
        sent r = send_file(m, &c, path);
        if (r == SENT) {
            if (unlink(path) == 0)
                removed++;
        } else if (r == PERMANENT) {
            char failed[4096], dest[4200];
            snprintf(failed, sizeof(failed), "%s/failed", m->dir);
            mkdir(failed, 0700);
            snprintf(dest, sizeof(dest), "%s/%s", failed, names[i]);
            fprintf(stderr, "eccpd: smtp refused %s (%s); moved to %s\n", names[i], c.reply, dest);
            rename(path, dest);
        } else {
            fprintf(stderr, "eccpd: smtp could not send %s (%s); retrying\n", names[i],
                    r == BROKEN ? "connection lost" : c.reply);
            ok = false;
        }
    }
    if (c.fd >= 0) {
        if (ok)
            command(&c, "QUIT", NULL, 0);
        conn_close(&c);
    }
    if (removed > 0)
        sync_dir(m->dir);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return ok;
}

static void *smtp_main(void *arg)
{
    net_smtp *m = arg;
    long backoff = SMTP_BACKOFF_MIN_MS;
    while (!stopping(m)) {
        if (deliver_all(m)) {
            backoff = SMTP_BACKOFF_MIN_MS;
            if (wait_or_stop(m, SMTP_POLL_MS))
                break;
        } else {
            if (wait_or_stop(m, backoff))
                break;
            backoff = backoff * 2 > SMTP_BACKOFF_MAX_MS ? SMTP_BACKOFF_MAX_MS : backoff * 2;
        }
    }
    return NULL;
}

net_smtp *net_smtp_start(const char *spool_dir, const char *hostport, const char *from)
{
    const char *colon = hostport ? strrchr(hostport, ':') : NULL;
    if (colon == NULL || colon == hostport || colon[1] == '\0') {
        fprintf(stderr, "eccpd: --smtp takes HOST:PORT\n");
        return NULL;
    }
    net_smtp *m = calloc(1, sizeof(*m));
    if (m == NULL)
        core_oom();
    const char *h = hostport;
    size_t hl = (size_t)(colon - hostport);
    if (h[0] == '[' && hl >= 2 && h[hl - 1] == ']') /* [::1]:25 */
        h++, hl -= 2;
    m->host = strndup(h, hl);
    m->port = strdup(colon + 1);
    m->dir = strdup(spool_dir);
    m->from = strdup(from);
    if (m->host == NULL || m->port == NULL || m->dir == NULL || m->from == NULL)
        core_oom();
    pthread_mutex_init(&m->mu, NULL);
    pthread_cond_init(&m->cv, NULL);
    int e = pthread_create(&m->thread, NULL, smtp_main, m);
    if (e != 0) {
        fprintf(stderr, "eccpd: cannot start the smtp sender: %s\n", strerror(e));
        free(m->host), free(m->port), free(m->dir), free(m->from);
        free(m);
        return NULL;
    }
    return m;
}

void net_smtp_stop(net_smtp *m)
{
    if (m == NULL)
        return;
    pthread_mutex_lock(&m->mu);
    m->stopping = true;
    pthread_cond_signal(&m->cv);
    pthread_mutex_unlock(&m->mu);
    pthread_join(m->thread, NULL);
    pthread_mutex_destroy(&m->mu);
    pthread_cond_destroy(&m->cv);
    free(m->host), free(m->port), free(m->dir), free(m->from);
    free(m);
}
