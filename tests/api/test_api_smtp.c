/*
 * API tests of SMTP delivery (--smtp) against a real SMTP sink (aiosmtpd, Debian's
 * python3-aiosmtpd, started here on loopback): e-mail the platform sends reaches the sink
 * with the right envelope; a sink that refuses (451) and then accepts gets it after the
 * back-off, and the message leaves the spool only once accepted; with the sink down the
 * message waits in the spool and goes when a sink comes up; a relay that offers (and
 * requires) STARTTLS gets it over TLS with its certificate checked.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <dirent.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "harness.h"

#ifndef ECCPD_SOURCE_DIR
#error "ECCPD_SOURCE_DIR must name the source tree (for tests/api/smtp_sink.py)"
#endif

static api_server srv;
static pid_t sink_pid; /* the sink running now, if any */

/* A failed check aborts: take the server and the sink down with the test, so that no
 * child keeps ctest waiting on their output. */
static void on_abort(int sig)
{
    if (srv.pid > 0)
        kill(srv.pid, SIGKILL);
    if (sink_pid > 0)
        kill(sink_pid, SIGKILL);
    signal(sig, SIG_DFL);
    raise(sig);
}

typedef struct sink {
    pid_t pid;
    int port;
    char dir[320];
} sink;

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

static const char *sink_cert, *sink_key; /* set: the sink requires STARTTLS */

static void sink_start(sink *k, int port, const char *name, int refuse)
{
    k->port = port;
    snprintf(k->dir, sizeof(k->dir), "%s/%s", srv.dir, name);
    char refuse_s[16], port_s[16], ready[400];
    snprintf(refuse_s, sizeof(refuse_s), "%d", refuse);
    snprintf(port_s, sizeof(port_s), "%d", port);
    snprintf(ready, sizeof(ready), "%s/ready", k->dir);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        execl("/usr/bin/python3", "python3", ECCPD_SOURCE_DIR "/tests/api/smtp_sink.py", port_s,
              k->dir, refuse_s, sink_cert, sink_key, (char *)NULL);
        _exit(127);
    }
    k->pid = sink_pid = pid;
    struct stat st;
    for (int i = 0; i < 1000 && stat(ready, &st) != 0; i++)
        usleep(10000);
    CHECK(stat(ready, &st) == 0);
}

static void sink_stop(sink *k)
{
    kill(k->pid, SIGTERM);
    int status;
    waitpid(k->pid, &status, 0);
    sink_pid = 0;
}

/* Messages the sink accepted that contain needle, waiting up to 15 s for `want`. */
static int sink_count(const sink *k, const char *needle, int want, char *copy, size_t len)
{
    int n = 0;
    for (int tries = 0; tries < 1500; tries++) {
        n = 0;
        DIR *d = opendir(k->dir);
        struct dirent *e;
        while (d != NULL && (e = readdir(d)) != NULL) {
            size_t l = strlen(e->d_name);
            if (l < 5 || strcmp(e->d_name + l - 4, ".eml") != 0)
                continue;
            char path[700];
            snprintf(path, sizeof(path), "%s/%s", k->dir, e->d_name);
            FILE *f = fopen(path, "r");
            if (f == NULL)
                continue;
            static char text[65536];
            size_t got = fread(text, 1, sizeof(text) - 1, f);
            text[got] = '\0';
            fclose(f);
            if (strstr(text, needle) != NULL) {
                n++;
                if (copy != NULL)
                    snprintf(copy, len, "%s", text);
            }
        }
        if (d != NULL)
            closedir(d);
        if (n >= want)
            break;
        usleep(10000);
    }
    return n;
}

static int sink_attempts(const sink *k)
{
    char path[400];
    snprintf(path, sizeof(path), "%s/attempts", k->dir);
    FILE *f = fopen(path, "r");
    int n = 0;
    if (f != NULL) {
        if (fscanf(f, "%d", &n) != 1)
            n = 0;
        fclose(f);
    }
    return n;
}

/* Spool files still waiting that contain needle, waiting up to 15 s for at most `want`. */
static int spool_left(const char *needle, int want)
{
    int n = 0;
    for (int tries = 0; tries < 300; tries++) {
        n = api_outbox_count(&srv, needle, 0);
        if (n <= want)
            break;
        usleep(50000);
    }
    return n;
}

static void reset_mail(const char *email)
{
    char body[256];
    snprintf(body, sizeof(body), "{\"email\":\"%s\"}", email);
    api_res r = api_json(&srv, API_H1, "POST", "/v1/password-resets", body, NULL);
    CHECK_EQ(r.status, 202);
    api_res_free(&r);
}

static void refused_then_accepted(void)
{
    sink k;
    sink_start(&k, free_port(), "sink1", 2);
    char smtp[64];
    snprintf(smtp, sizeof(smtp), "127.0.0.1:%d", k.port);
    const char *extra[] = {"--smtp", smtp, NULL};
    api_start(&srv, srv.dir, extra);
    free(api_signup(&srv, "alice", "a long password"));
    reset_mail("alice@example.eu");
    char msg[65536];
    CHECK_EQ(sink_count(&k, "X-Rcpt: alice@example.eu", 1, msg, sizeof(msg)), 1);
    CHECK(strstr(msg, "To: alice@example.eu") != NULL);
    CHECK(strstr(msg, "X-Mail-From: no-reply@localhost") != NULL);
    CHECK_GE(sink_attempts(&k), 3); /* refused twice, then accepted */
    /* accepted: gone from the spool */
    CHECK_EQ(spool_left("To: alice@example.eu", 0), 0);
    api_stop(&srv);
    sink_stop(&k);
}

static void waits_for_the_relay(void)
{
    int port = free_port();
    char smtp[64];
    snprintf(smtp, sizeof(smtp), "127.0.0.1:%d", port);
    const char *extra[] = {"--smtp", smtp, NULL};
    api_start(&srv, srv.dir, extra);
    free(api_signup(&srv, "bob", "a long password"));
    reset_mail("bob@example.eu");
    /* nobody listens: the e-mail waits in the spool */
    CHECK_EQ(api_outbox_count(&srv, "To: bob@example.eu", 1), 1);
    usleep(500000);
    CHECK_EQ(api_outbox_count(&srv, "To: bob@example.eu", 1), 1);
    /* a relay comes up: it goes, and leaves the spool */
    sink k;
    sink_start(&k, port, "sink2", 0);
    CHECK_EQ(sink_count(&k, "X-Rcpt: bob@example.eu", 1, NULL, 0), 1);
    CHECK_EQ(spool_left("To: bob@example.eu", 0), 0);
    api_stop(&srv);
    sink_stop(&k);
}

/* A relay that offers STARTTLS (and requires it) gets the message over TLS, its
 * certificate checked against the trusted ones (here the test's own, via SSL_CERT_FILE). */
static void starttls_when_offered(void)
{
    char cert[400], key[400], cmd[1400];
    snprintf(cert, sizeof(cert), "%s/smtp-cert.pem", srv.dir);
    snprintf(key, sizeof(key), "%s/smtp-key.pem", srv.dir);
    snprintf(cmd, sizeof(cmd),
             "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost "
             "-addext subjectAltName=DNS:localhost -keyout '%s' -out '%s' 2>/dev/null",
             key, cert);
    CHECK_EQ(system(cmd), 0);
    sink_cert = cert;
    sink_key = key;
    sink k;
    sink_start(&k, free_port(), "sink3", 0);
    char smtp[64];
    snprintf(smtp, sizeof(smtp), "localhost:%d", k.port);
    const char *extra[] = {"--smtp", smtp, NULL};
    setenv("SSL_CERT_FILE", cert, 1);
    api_start(&srv, srv.dir, extra);
    unsetenv("SSL_CERT_FILE");
    free(api_signup(&srv, "carol", "a long password"));
    reset_mail("carol@example.eu");
    CHECK_EQ(sink_count(&k, "X-Rcpt: carol@example.eu", 1, NULL, 0), 1);
    CHECK_EQ(spool_left("To: carol@example.eu", 0), 0);
    /* the second EHLO came over TLS */
    char path[400], seen[64] = "";
    snprintf(path, sizeof(path), "%s/tls", k.dir);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    size_t got = fread(seen, 1, sizeof(seen) - 1, f);
    seen[got] = '\0';
    fclose(f);
    CHECK(strstr(seen, "True") != NULL);
    api_stop(&srv);
    sink_stop(&k);
    sink_cert = sink_key = NULL;
}

int main(int argc, char **argv)
{
    CHECK(argc == 2);
    api_binary = argv[1];
    curl_global_init(CURL_GLOBAL_ALL);
    signal(SIGABRT, on_abort);
    api_prepare(&srv);
    RUN(refused_then_accepted);
    RUN(waits_for_the_relay);
    RUN(starttls_when_offered);
    api_cleanup(&srv);
    return 0;
}
