/*
 * main.c: the eccpd command line. Each command parses its own flags, explains them with
 * --help, and works on the data directory given by --data (default ./data).
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <msgpack.h>
#include <h2o/version.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "core/account.h"
#include "demo/demo.h"
#include "core/error.h"
#include "core/personal.h"
#include "core/store.h"
#include "cli/backup.h"
#include "matcher/event_records.h"
#include "net/control.h"
#include "cli/reindex.h"
#include "net/server.h"
#include "cli/transfer.h"

static const char usage[] =
    "eccpd: the server of a cluster collaboration platform (profiles, search, partner\n"
    "search, events and ClusterXchange).\n"
    "\n"
    "Usage: eccpd COMMAND [OPTIONS]\n"
    "\n"
    "Commands:\n"
    "  serve          run the HTTP API server (HTTP/1.1, HTTP/2, optional TLS)\n"
    "  user create    create a user or moderator (password read from standard input)\n"
    "  demo-data      fill an empty data directory with a generated demo platform\n"
    "  reindex        rebuild the search index from the store (the server keeps serving)\n"
    "  backup DEST    write a consistent backup (while serving, or of a stopped server)\n"
    "  export         write every record as JSON Lines (private data; server stopped)\n"
    "  import FILE    read records from JSON Lines, checking each line (server stopped)\n"
    "  help           show this text\n"
    "\n"
    "Every command takes --data DIR (default ./data). Run 'eccpd COMMAND --help' for its\n"
    "options; 'eccpd --version' shows the version and the libraries'. Usage errors (and a\n"
    "data directory that does not exist, for commands that need one) exit with status 2.\n";

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
    "                      (default: the address it listens on, http://HOST:PORT, with\n"
    "                      the machine's name for a wildcard host such as 0.0.0.0)\n"
    "  --mail-from ADDR    From: of e-mail written to DIR/outbox\n"
    "                      (default \"Cluster collaboration platform <no-reply@localhost>\")\n"
    "  --hash-rate N       password hashes (sign-ups, sign-ins, resets) one client address\n"
    "                      may start a minute, 0 for no limit (default 60)\n"
    "  --max-connections N open connections at once; more wait to be accepted (default 1024)\n"
    "  --username-grace DAYS  how long the username of an erased account (DELETE /v1/me)\n"
    "                      stays reserved before anyone may register it (default 30; 0 frees\n"
    "                      it at once)\n"
    "  --cors-origin ORIGIN  let a browser front end on ORIGIN (scheme://host[:port])\n"
    "                      call the API: preflights are answered and responses carry\n"
    "                      Access-Control-Allow-Origin for it; repeat for more origins\n"
    "                      (default: none, and no CORS headers)\n"
    "  --smtp HOST:PORT    also send the e-mail of DIR/outbox to this SMTP relay (STARTTLS\n"
    "                      when offered); a message leaves the spool after the relay's 250\n"
    "  --no-demo           on a first start (no DIR/store yet) do not load the demo\n"
    "                      platform (by default a new data directory starts with the\n"
    "                      scale-1 demo data of 'eccpd demo-data')\n"
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

static const char demo_usage[] =
    "Usage: eccpd demo-data [OPTIONS]\n"
    "\n"
    "Fills the data directory with a generated, realistic platform: at scale 1 about 1,500\n"
    "published cluster organisations, 200 other organisations and 15,000 cluster members\n"
    "across Europe, with drafts, profiles waiting for moderation and declined ones, and\n"
    "10,000 ClusterXchange registrations (mostly accepted), written\n"
    "through the same validation as the API. The same --seed gives the same data. Creates\n"
    "the accounts demo-moderator (a moderator) and demo-user, and one account per\n"
    "organisation, all with one password, printed at the end and kept in DIR/demo-login.txt.\n"
    "\n"
    "Run it while the server is stopped. It refuses a store that already holds profiles:\n"
    "start from an empty directory (or delete DIR) to generate again.\n"
    "\n"
    "Options:\n"
    "  --data DIR          data directory (default ./data; created if missing)\n"
    "  --scale N           size relative to the real platform (default 1; 0.001 to 1000;\n"
    "                      scale 100 gives about 190,000 profiles and 1,000,000\n"
    "                      registrations)\n"
    "  --seed S            seed of the generator (default 1)\n"
    "  --password P        the demo accounts' password (default: a random one)\n"
    "  --quiet             no progress display\n"
    "  -h, --help          show this text\n";

/* Draws the demo generator's progress on standard error: a bar on a terminal, a line
 * every few seconds otherwise. */
typedef struct demo_progress_state {
    bool tty, drew;
    double last_line;
    const char *phase;
} demo_progress_state;

static void demo_progress(void *ctx, const core_demo_progress *p)
{
    demo_progress_state *st = ctx;
    double rate = p->seconds > 0 ? (double)p->records / p->seconds : 0;
    bool new_phase = st->phase == NULL || strcmp(st->phase, p->phase) != 0;
    bool done = strcmp(p->phase, "done") == 0;
    if (st->tty) {
        if (new_phase && st->drew)
            fputc('\n', stderr);
        if (!done) {
            int width = 30;
            int fill = p->total ? (int)((double)width * (double)p->done / (double)p->total) : 0;
            char bar[64];
            for (int i = 0; i < width; i++)
                bar[i] = i < fill ? '#' : '.';
            bar[width] = '\0';
            fprintf(stderr, "\r  %-14s [%s] %3d%%  %llu/%llu  %.0f records/s ", p->phase, bar,
                    p->total ? (int)(100 * p->done / p->total) : 100, (unsigned long long)p->done,
                    (unsigned long long)p->total, rate);
            st->drew = true;
        }
    } else if (!done && (new_phase || p->seconds - st->last_line >= 5)) {
        fprintf(stderr, "demo-data: %s %llu/%llu, %llu records, %.0f records/s\n", p->phase,
                (unsigned long long)p->done, (unsigned long long)p->total,
                (unsigned long long)p->records, rate);
        st->last_line = p->seconds;
    }
    st->phase = p->phase;
    fflush(stderr);
}

/* Generates demo data into DATA/store (which it opens and closes) and prints what was made
 * and how to sign in. listen (or NULL) is the address the server will answer on, for the
 * example calls. Returns 0 or a process exit code. */
static int run_demo(const char *data, double scale, uint64_t seed, const char *password, bool quiet,
                    const char *listen)
{
    if (mkdir(data, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "eccpd demo-data: cannot create %s: %s\n", data, strerror(errno));
        return 1;
    }
    char path[4096];
    snprintf(path, sizeof(path), "%s/store", data);
    core_store *s = NULL;
    char *err = NULL;
    if (core_store_open(path, &s, &err) != 0) {
        fprintf(stderr, "eccpd demo-data: %s\n(is the server running? stop it first)\n",
                err ? err : "cannot open the store");
        free(err);
        return 1;
    }
    if (core_demo_store_has_profiles(s)) {
        fprintf(stderr,
                "eccpd demo-data: %s already holds profiles; demo data goes into an empty "
                "data directory\n",
                path);
        core_store_close(s);
        return 1;
    }
    demo_progress_state st = {.tty = isatty(STDERR_FILENO) != 0};
    core_demo_options o;
    core_demo_options_init(&o);
    o.scale = scale;
    o.seed = seed;
    o.password = password;
    if (!quiet) {
        o.progress = demo_progress;
        o.progress_ctx = &st;
    }
    core_demo_report r;
    int rc = core_demo_generate(s, &o, &r);
    if (rc == 0 && (rc = matcher_event_schedule_all(s)) != 0) /* matcher/event_records.c */
        snprintf(r.error, sizeof(r.error), "demo schedules: %s", core_strerror(rc));
    core_store_close(s);
    if (rc != 0) {
        fprintf(stderr, "eccpd demo-data: %s\n", r.error[0] ? r.error : core_strerror(rc));
        return 1;
    }
    static const char *const states[] = {"draft", "needs_review", "published", "declined"};
    printf("Demo platform (scale %g, seed %llu): %llu profiles and %llu accounts in %.1f s "
           "(%.0f records/s)\n",
           scale, (unsigned long long)seed, (unsigned long long)r.profiles_total,
           (unsigned long long)r.users, r.seconds,
           r.seconds > 0 ? (double)r.records / r.seconds : 0.0);
    for (int t = 0; t < CORE_PROFILE_TYPE_COUNT; t++) {
        printf("  %-29s", core_profile_type_name((core_profile_type)t));
        for (int k = 0; k < CORE_DEMO_STATE_COUNT; k++)
            printf(" %s %-6llu", states[k], (unsigned long long)r.profiles[t][k]);
        putchar('\n');
    }
    printf("  ClusterXchange registrations: %llu accepted, %llu pending, %llu rejected\n",
           (unsigned long long)r.registrations[1], (unsigned long long)r.registrations[0],
           (unsigned long long)r.registrations[2]);
    printf("  Partner searches: %llu (with follows, interests and comments)\n",
           (unsigned long long)r.partner_searches);
    printf("  %llu clusters published with the criteria waived; %llu member affiliations "
           "approved; data digest %02x%02x%02x%02x%02x%02x%02x%02x (equal for equal seeds)\n",
           (unsigned long long)r.criteria_waived, (unsigned long long)r.affiliations_approved,
           r.digest[0], r.digest[1], r.digest[2], r.digest[3], r.digest[4], r.digest[5],
           r.digest[6], r.digest[7]);
    snprintf(path, sizeof(path), "%s/demo-login.txt", data);
    FILE *f = fopen(path, "w");
    if (f != NULL) {
        chmod(path, 0600);
        fprintf(f, "moderator: %s\nuser: %s\npassword: %s\n", r.moderator, r.user, r.password);
        fclose(f);
    }
    printf("\nSign in as the demo moderator \"%s\" or the demo user \"%s\" (admin of a\n"
           "published cluster and of a draft); password: %s (also in %s)\n",
           r.moderator, r.user, r.password, path);
    if (listen != NULL)
        printf("\nTry:\n"
               "  curl -s 'http://%s/v1/search?q=mobilite&facets=country,ecosystem'\n"
               "  TOKEN=$(curl -s http://%s/v1/sessions -H 'content-type: application/json' \\\n"
               "    -d '{\"login\":\"%s\",\"password\":\"%s\"}' | sed "
               "'s/.*\"token\":\"\\([^\"]*\\)\".*/\\1/')\n"
               "  curl -s 'http://%s/v1/moderation/queue?per_page=5' -H \"authorization: "
               "Bearer $TOKEN\"\n\n",
               listen, listen, r.moderator, r.password, listen);
    fflush(stdout);
    return 0;
}

static int cmd_demo_data(int argc, char **argv)
{
    const char *data = "./data", *password = NULL;
    double scale = 1;
    unsigned long long seed = 1;
    bool quiet = false;
    static const struct option opts[] = {{"data", required_argument, 0, 'd'},
                                         {"scale", required_argument, 0, 's'},
                                         {"seed", required_argument, 0, 'S'},
                                         {"password", required_argument, 0, 'p'},
                                         {"quiet", no_argument, 0, 'q'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    int c;
    char *end;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            data = optarg;
            break;
        case 's':
            scale = strtod(optarg, &end);
            if (*end != '\0' || !(scale >= 0.001 && scale <= 1000)) {
                fprintf(stderr, "eccpd demo-data: --scale takes a number from 0.001 to 1000\n");
                return 2;
            }
            break;
        case 'S':
            seed = strtoull(optarg, &end, 10);
            if (*end != '\0' || optarg[0] == '\0' || optarg[0] == '-') {
                fprintf(stderr, "eccpd demo-data: --seed takes a whole number\n");
                return 2;
            }
            break;
        case 'p':
            password = optarg;
            if (strlen(password) < CORE_PASSWORD_MIN || strlen(password) > 63) {
                fprintf(stderr, "eccpd demo-data: --password takes 10 to 63 characters\n");
                return 2;
            }
            break;
        case 'q':
            quiet = true;
            break;
        case 'h':
            fputs(demo_usage, stdout);
            return 0;
        default:
            fputs(demo_usage, stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "eccpd demo-data: unexpected argument '%s'\n\n%s", argv[optind],
                demo_usage);
        return 2;
    }
    return run_demo(data, scale, (uint64_t)seed, password, quiet, NULL);
}

/* The address links point at when --public-url is not given: where the server listens,
 * with the machine's name in place of a wildcard host (0.0.0.0, [::] or none). */
static void default_public_url(const net_server_options *o, char *out, size_t len)
{
    const char *scheme = o->tls_cert != NULL ? "https" : "http";
    const char *colon = strrchr(o->listen, ':');
    size_t hlen = colon ? (size_t)(colon - o->listen) : strlen(o->listen);
    bool wildcard = hlen == 0 || (hlen == 7 && strncmp(o->listen, "0.0.0.0", 7) == 0) ||
                    (hlen == 4 && strncmp(o->listen, "[::]", 4) == 0);
    char host[256];
    if (wildcard && gethostname(host, sizeof(host)) == 0) {
        host[sizeof(host) - 1] = '\0';
        snprintf(out, len, "%s://%s%s", scheme, host, colon ? colon : "");
    } else {
        snprintf(out, len, "%s://%s", scheme, o->listen);
    }
}

/* A browser origin as the Origin header sends it: http(s)://host[:port], nothing after. */
static bool origin_valid(const char *s)
{
    const char *host = strncmp(s, "https://", 8) == 0  ? s + 8
                       : strncmp(s, "http://", 7) == 0 ? s + 7
                                                       : NULL;
    if (host == NULL || *host == '\0')
        return false;
    for (const char *p = host; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' ||
              *p == ':' || *p == '[' || *p == ']'))
            return false;
    return true;
}

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
        .public_url = NULL, /* from --listen unless given */
        .mail_from = "Cluster collaboration platform <no-reply@localhost>",
        .hash_rate = 60,
        .max_connections = 1024,
    };
    static const struct option opts[] = {{"data", required_argument, 0, 'd'},
                                         {"listen", required_argument, 0, 'l'},
                                         {"threads", required_argument, 0, 't'},
                                         {"pool-threads", required_argument, 0, 'p'},
                                         {"tls-cert", required_argument, 0, 'c'},
                                         {"tls-key", required_argument, 0, 'k'},
                                         {"access-log", required_argument, 0, 'a'},
                                         {"max-body", required_argument, 0, 'b'},
                                         {"drain", required_argument, 0, 'D'},
                                         {"help", no_argument, 0, 'h'},
                                         {"public-url", required_argument, 0, 'U'},
                                         {"mail-from", required_argument, 0, 'F'},
                                         {"no-demo", no_argument, 0, 'N'},
                                         {"cors-origin", required_argument, 0, 'O'},
                                         {"hash-rate", required_argument, 0, 'H'},
                                         {"max-connections", required_argument, 0, 'M'},
                                         {"smtp", required_argument, 0, 'S'},
                                         {"username-grace", required_argument, 0, 'G'},
                                         {0, 0, 0, 0}};
    bool no_demo = false;
    static const char *cors[32];
    o.cors_origins = cors;
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
        case 'N':
            no_demo = true;
            break;
        case 'H':
        case 'M': {
            long n = strtol(optarg, &end, 10);
            long lo = c == 'H' ? 0 : 1, hi = c == 'H' ? 100000 : 1000000;
            if (*end != '\0' || n < lo || n > hi) {
                fprintf(stderr, "eccpd serve: --%s takes a number from %ld to %ld\n",
                        c == 'H' ? "hash-rate" : "max-connections", lo, hi);
                return 2;
            }
            if (c == 'H')
                o.hash_rate = (int)n;
            else
                o.max_connections = (size_t)n;
            break;
        }
        case 'O':
            if (!origin_valid(optarg)) {
                fprintf(stderr,
                        "eccpd serve: --cors-origin takes an origin such as "
                        "https://app.example.eu (scheme, host and port only), not '%s'\n",
                        optarg);
                return 2;
            }
            if (o.ncors_origins == sizeof(cors) / sizeof(*cors)) {
                fprintf(stderr, "eccpd serve: at most 32 --cors-origin\n");
                return 2;
            }
            cors[o.ncors_origins++] = optarg;
            break;
        case 'S':
            o.smtp = optarg;
            break;
        case 'G': {
            long n = strtol(optarg, &end, 10);
            if (*end != '\0' || n < 0 || n > 3650) {
                fprintf(stderr, "eccpd serve: --username-grace takes days from 0 to 3650\n");
                return 2;
            }
            core_personal_set_username_grace((int64_t)n * 86400);
            break;
        }
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
    if (o.public_url != NULL && strncmp(o.public_url, "http://", 7) != 0 &&
        strncmp(o.public_url, "https://", 8) != 0) {
        fprintf(stderr, "eccpd serve: --public-url takes an http:// or https:// address\n");
        return 2;
    }
    pid_t running = net_control_server(o.data_dir);
    if (running > 0) {
        fprintf(stderr, "eccpd is already running on %s (pid %d)\n", o.data_dir, (int)running);
        return 1;
    }
    /* every flag is checked before anything is created */
    int bad = net_server_check_options(&o);
    if (bad != 0)
        return bad;
    char public_url[512];
    if (o.public_url == NULL) {
        o.public_url = public_url;
        default_public_url(&o, public_url, sizeof(public_url));
    }
    /* First run: a data directory without a store starts with the demo platform. */
    char store_path[4096];
    struct stat sb;
    snprintf(store_path, sizeof(store_path), "%s/store", o.data_dir);
    if (!no_demo && stat(store_path, &sb) != 0 && errno == ENOENT) {
        fprintf(stderr,
                "eccpd: %s is new: loading the demo platform first (skip with "
                "--no-demo)\n",
                o.data_dir);
        if (run_demo(o.data_dir, 1, 1, NULL, false, o.listen) != 0) {
            fprintf(stderr,
                    "eccpd: the demo data could not be loaded; remove %s and start "
                    "again, or start with --no-demo\n",
                    o.data_dir);
            return 1;
        }
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
    static const struct option opts[] = {{"data", required_argument, 0, 'd'},
                                         {"username", required_argument, 0, 'u'},
                                         {"email", required_argument, 0, 'e'},
                                         {"role", required_argument, 0, 'r'},
                                         {"organisation", required_argument, 0, 'o'},
                                         {"country", required_argument, 0, 'c'},
                                         {"title", required_argument, 0, 't'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            data = optarg;
            break;
        case 'u':
            username = optarg;
            break;
        case 'e':
            email = optarg;
            break;
        case 'r':
            role = optarg;
            break;
        case 'o':
            org = optarg;
            break;
        case 'c':
            country = optarg;
            break;
        case 't':
            title = optarg;
            break;
        case 'h':
            fputs(user_usage, stdout);
            return 0;
        default:
            fputs(user_usage, stderr);
            return 2;
        }
    }
    if (username == NULL || email == NULL) {
        fprintf(stderr, "eccpd user create: --username and --email are required\n\n%s", user_usage);
        return 2;
    }
    if (strcmp(role, "user") != 0 && strcmp(role, "moderator") != 0) {
        fprintf(stderr, "eccpd user create: --role is user or moderator\n");
        return 2;
    }
    if (title == NULL)
        title = strcmp(role, "moderator") == 0 ? "Moderator" : "Member";
    int need = net_control_need_dir(data, "eccpd user create");
    if (need != 0)
        return need;
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

static int version(void)
{
    printf("eccpd %s\n"
           "libraries: libh2o %s, RocksDB %s, Xapian %s, msgpack-c %s, jemalloc %s, OpenSSL %s, "
           "argon2 %s, cJSON %s\n",
           ECCPD_VERSION, H2O_VERSION, ECCPD_ROCKSDB_VERSION, ECCPD_XAPIAN_VERSION,
           msgpack_version(), ECCPD_JEMALLOC_VERSION, OpenSSL_version(OPENSSL_VERSION_STRING),
           ECCPD_ARGON2_VERSION, cJSON_Version());
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")))
        return version();
    if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
        !strcmp(argv[1], "-h")) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "serve"))
        return cmd_serve(argc - 1, argv + 1);
    if (!strcmp(argv[1], "user"))
        return cmd_user(argc - 1, argv + 1);
    if (!strcmp(argv[1], "demo-data"))
        return cmd_demo_data(argc - 1, argv + 1);
    if (!strcmp(argv[1], "backup"))
        return cli_backup_command(argc - 1, argv + 1);
    if (!strcmp(argv[1], "reindex"))
        return cli_reindex_command(argc - 1, argv + 1);
    if (!strcmp(argv[1], "export"))
        return cli_export_command(argc - 1, argv + 1);
    if (!strcmp(argv[1], "import"))
        return cli_import_command(argc - 1, argv + 1);
    fprintf(stderr, "eccpd: unknown command '%s'\n\n%s", argv[1], usage);
    return 2;
}
