/*
 * main.c: the eccpd command line. Each command parses its own flags, explains them with
 * --help, and works on the data directory given by --data (default ./data).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "core/account.h"
#include "core/error.h"
#include "core/store.h"
#include "net/backup.h"
#include "net/reindex.h"
#include "net/server.h"

static const char usage[] =
    "eccpd: the server of a cluster collaboration platform (profiles, search, partner\n"
    "search, events and ClusterXchange).\n"
    "\n"
    "Usage: eccpd COMMAND [OPTIONS]\n"
    "\n"
    "Commands:\n"
    "  serve          run the HTTP API server (HTTP/1.1, HTTP/2, optional TLS)\n"
    "  user create    create a user or moderator (password read from standard input)\n"
    "  reindex        rebuild the search index from the store (the server keeps serving)\n"
    "  backup DEST    write a consistent backup (while serving, or of a stopped server)\n"
    "  help           show this text\n"
    "\n"
    "Every command takes --data DIR (default ./data). Run 'eccpd COMMAND --help' for its\n"
    "options.\n";

static const char serve_usage[] =
    "Usage: eccpd serve [OPTIONS]\n"
    "\n"
    "Runs the HTTP API. SIGTERM or SIGINT stops accepting connections, lets requests in\n"
    "flight finish (up to --drain seconds), and closes the store cleanly.\n"
    "\n"
    "Options:\n"
    "  --data DIR          data directory: DIR/store (RocksDB), DIR/index, DIR/outbox\n"
    "                      (default ./data; created if missing)\n"
    "  --listen HOST:PORT  address to listen on (default 127.0.0.1:8080; [::1]:8080 for IPv6)\n"
    "  --threads N         event-loop threads (default: one per core)\n"
    "  --pool-threads N    threads for slow work such as password hashing (default 2)\n"
    "  --tls-cert FILE     PEM certificate chain; with --tls-key serves HTTPS with ALPN h2\n"
    "  --tls-key FILE      PEM private key\n"
    "  --access-log PATH   where to write the access log: a file, - for stdout, off\n"
    "                      (default -)\n"
    "  --max-body BYTES    default request body limit (default 1048576)\n"
    "  --drain SECONDS     how long shutdown waits for requests in flight (default 10)\n"
    "  --public-url URL    the platform's address, used in links sent by e-mail\n"
    "                      (default http://127.0.0.1:8080)\n"
    "  --mail-from ADDR    From: of e-mail written to DIR/outbox\n"
    "                      (default \"Cluster collaboration platform <no-reply@localhost>\")\n"
    "  -h, --help          show this text\n";

static const char user_usage[] =
    "Usage: eccpd user create --username U --email E [OPTIONS] < password\n"
    "\n"
    "Creates an account directly in the store; the password is read from standard input\n"
    "(one line; typed without echo on a terminal). Run it while the server is stopped:\n"
    "the store admits one process at a time. Moderators can only be created this way.\n"
    "\n"
    "Options:\n"
    "  --data DIR            data directory (default ./data)\n"
    "  --username U          letters, digits, spaces and . - ' _ (required)\n"
    "  --email E             e-mail address (required)\n"
    "  --role ROLE           user or moderator (default user)\n"
    "  --organisation NAME   organisation name (default \"ECCP platform team\")\n"
    "  --country CC          ISO 3166-1 alpha-2 country (default BE)\n"
    "  --title TITLE         job title (default Moderator or Member, by role)\n"
    "  -h, --help            show this text\n";

static int cmd_serve(int argc, char **argv)
{
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    net_server_options o = {
        .data_dir = "./data",
        .listen = "127.0.0.1:8080",
        .threads = ncpu > 0 ? (size_t)ncpu : 1,
        .pool_threads = 2,
        .access_log = "-",
        .max_body = 1024 * 1024,
        .drain_seconds = 10,
        .public_url = "http://127.0.0.1:8080",
        .mail_from = "Cluster collaboration platform <no-reply@localhost>",
    };
    static const struct option opts[] = {
        {"data", required_argument, 0, 'd'},       {"listen", required_argument, 0, 'l'},
        {"threads", required_argument, 0, 't'},    {"pool-threads", required_argument, 0, 'p'},
        {"tls-cert", required_argument, 0, 'c'},   {"tls-key", required_argument, 0, 'k'},
        {"access-log", required_argument, 0, 'a'}, {"max-body", required_argument, 0, 'b'},
        {"drain", required_argument, 0, 'D'},      {"help", no_argument, 0, 'h'},
        {"public-url", required_argument, 0, 'U'}, {"mail-from", required_argument, 0, 'F'},
        {0, 0, 0, 0}};
    int c;
    char *end;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            o.data_dir = optarg;
            break;
        case 'l':
            o.listen = optarg;
            break;
        case 't':
        case 'p': {
            long n = strtol(optarg, &end, 10);
            if (*end != '\0' || n < 1 || n > 256) {
                fprintf(stderr, "eccpd serve: --%s takes a number from 1 to 256\n",
                        c == 't' ? "threads" : "pool-threads");
                return 2;
            }
            if (c == 't')
                o.threads = (size_t)n;
            else
                o.pool_threads = (size_t)n;
            break;
        }
        case 'c':
            o.tls_cert = optarg;
            break;
        case 'k':
            o.tls_key = optarg;
            break;
        case 'a':
            o.access_log = optarg;
            break;
        case 'b': {
            long long n = strtoll(optarg, &end, 10);
            if (*end != '\0' || n < 1024 || n > 32 * 1024 * 1024) {
                fprintf(stderr, "eccpd serve: --max-body takes bytes from 1024 to 33554432\n");
                return 2;
            }
            o.max_body = (size_t)n;
            break;
        }
        case 'D':
            o.drain_seconds = strtod(optarg, &end);
            if (*end != '\0' || o.drain_seconds < 0 || o.drain_seconds > 3600) {
                fprintf(stderr, "eccpd serve: --drain takes seconds from 0 to 3600\n");
                return 2;
            }
            break;
        case 'U':
            o.public_url = optarg;
            break;
        case 'F':
            o.mail_from = optarg;
            break;
        case 'h':
            fputs(serve_usage, stdout);
            return 0;
        default:
            fputs(serve_usage, stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "eccpd serve: unexpected argument '%s'\n\n%s", argv[optind], serve_usage);
        return 2;
    }
    if ((o.tls_cert == NULL) != (o.tls_key == NULL)) {
        fprintf(stderr, "eccpd serve: --tls-cert and --tls-key go together\n");
        return 2;
    }
    return net_server_run(&o);
}

/* Reads one line from standard input, without echo when it is a terminal. */
static int read_password(char *buf, size_t len)
{
    struct termios old, quiet;
    int tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
    if (tty) {
        fputs("Password: ", stderr);
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    char *got = fgets(buf, (int)len, stdin);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fputc('\n', stderr);
    }
    if (got == NULL)
        return -1;
    buf[strcspn(buf, "\r\n")] = '\0';
    return 0;
}

static int cmd_user(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "create") != 0) {
        fputs(argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) ? user_usage
                                                                                    : user_usage,
              argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) ? stdout
                                                                                   : stderr);
        return argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) ? 0 : 2;
    }
    argc--, argv++;
    const char *data = "./data", *username = NULL, *email = NULL, *role = "user";
    const char *org = "ECCP platform team", *country = "BE", *title = NULL;
    static const struct option opts[] = {
        {"data", required_argument, 0, 'd'},    {"username", required_argument, 0, 'u'},
        {"email", required_argument, 0, 'e'},   {"role", required_argument, 0, 'r'},
        {"organisation", required_argument, 0, 'o'}, {"country", required_argument, 0, 'c'},
        {"title", required_argument, 0, 't'},   {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': data = optarg; break;
        case 'u': username = optarg; break;
        case 'e': email = optarg; break;
        case 'r': role = optarg; break;
        case 'o': org = optarg; break;
        case 'c': country = optarg; break;
        case 't': title = optarg; break;
        case 'h': fputs(user_usage, stdout); return 0;
        default: fputs(user_usage, stderr); return 2;
        }
    }
    if (username == NULL || email == NULL) {
        fprintf(stderr, "eccpd user create: --username and --email are required\n\n%s",
                user_usage);
        return 2;
    }
    if (strcmp(role, "user") != 0 && strcmp(role, "moderator") != 0) {
        fprintf(stderr, "eccpd user create: --role is user or moderator\n");
        return 2;
    }
    if (title == NULL)
        title = strcmp(role, "moderator") == 0 ? "Moderator" : "Member";
    char password[CORE_PASSWORD_MAX + 2];
    if (read_password(password, sizeof(password)) != 0) {
        fprintf(stderr, "eccpd user create: no password on standard input\n");
        return 2;
    }

    core_arena a;
    core_arena_init(&a);
    core_value body = core_value_obj();
    core_value_set(&a, &body, "username", core_value_cstr(&a, username));
    core_value_set(&a, &body, "email", core_value_cstr(&a, email));
    core_value_set(&a, &body, "email_confirm", core_value_cstr(&a, email));
    core_value_set(&a, &body, "password", core_value_cstr(&a, password));
    core_value_set(&a, &body, "organisation_name", core_value_cstr(&a, org));
    core_value_set(&a, &body, "country", core_value_cstr(&a, country));
    core_value_set(&a, &body, "title", core_value_cstr(&a, title));
    core_fields f;
    core_fields_init(&f, &a);
    core_user_validate(&f, &body);
    int rc = 2;
    core_store *s = NULL;
    char *err = NULL;
    if (core_fields_any(&f)) {
        for (size_t i = 0; i < f.obj.u.obj.len; i++)
            fprintf(stderr, "eccpd user create: %s %s\n", f.obj.u.obj.items[i].key.ptr,
                    f.obj.u.obj.items[i].value.u.s.ptr);
        goto Exit;
    }
    char hash[CORE_PASSWORD_HASH_MAX];
    if (core_password_hash(password, hash) != 0) {
        fprintf(stderr, "eccpd user create: could not hash the password\n");
        rc = 1;
        goto Exit;
    }
    char path[4096];
    snprintf(path, sizeof(path), "%s/store", data);
    if (core_store_open(path, &s, &err) != 0) {
        fprintf(stderr, "eccpd user create: %s\n(is the server running? stop it first)\n",
                err ? err : "cannot open the store");
        rc = 1;
        goto Exit;
    }
    core_user_create u = {.body = &body, .password_hash = hash, .role = role, .out = &a};
    int wrc = core_store_write_sync(s, core_user_create_txn, &u, NULL);
    if (wrc == CORE_ECONFLICT) {
        fprintf(stderr, "eccpd user create: that %s is already registered\n", u.conflict);
        rc = 1;
    } else if (wrc != 0) {
        fprintf(stderr, "eccpd user create: %s\n", core_strerror(wrc));
        rc = 1;
    } else {
        printf("created %s %s (%s)\n", role, username, email);
        rc = 0;
    }
Exit:
    memset(password, 0, sizeof(password));
    core_store_close(s);
    free(err);
    core_arena_dispose(&a);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
        !strcmp(argv[1], "-h")) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "serve"))
        return cmd_serve(argc - 1, argv + 1);
    if (!strcmp(argv[1], "user"))
        return cmd_user(argc - 1, argv + 1);
    if (!strcmp(argv[1], "backup"))
        return net_backup_command(argc - 1, argv + 1);
    if (!strcmp(argv[1], "reindex"))
        return net_reindex_command(argc - 1, argv + 1);
    fprintf(stderr, "eccpd: unknown command '%s'\n\n%s", argv[1], usage);
    return 2;
}
