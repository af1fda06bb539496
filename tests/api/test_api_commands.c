/*
 * The command line cannot fool an operator: commands other than serve and import refuse
 * a data directory that does not exist (exit 2, and nothing is created), serve checks
 * every flag before it creates anything and names the server already running on a
 * directory, usage errors exit 2, --version names the libraries, import creates a data
 * directory's missing parents and reports a line repeated within its file as such, and
 * links in e-mail point at the address the server listens on.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "harness.h"

static char tmp[256];
static char out[65536]; /* the last command's standard output and error */

/* Runs the binary with args (NULL-terminated), stdin from /dev/null; returns its exit status
 * with its output in `out`. */
static int run(const char *const *args)
{
    char log[300];
    snprintf(log, sizeof(log), "%s/cmd.out", tmp);
    const char *argv[40] = {api_binary};
    int n = 1;
    for (; *args && n < 38; args++)
        argv[n++] = *args;
    argv[n] = NULL;
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        freopen("/dev/null", "r", stdin);
        freopen(log, "w", stdout);
        dup2(fileno(stdout), 2);
        setenv("ASAN_OPTIONS", "detect_leaks=0:abort_on_error=1", 1);
        execv(api_binary, (char *const *)argv);
        _exit(127);
    }
    int status;
    waitpid(pid, &status, 0);
    FILE *f = fopen(log, "r");
    size_t len = f ? fread(out, 1, sizeof(out) - 1, f) : 0;
    out[len] = '\0';
    if (f)
        fclose(f);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

#define RUN_ARGS(...) run((const char *const[]){__VA_ARGS__, NULL})

static bool exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

static void expect_out(const char *needle)
{
    if (strstr(out, needle) == NULL) {
        fprintf(stderr, "expected \"%s\" in:\n%s\n", needle, out);
        CHECK(!"output");
    }
}

static void missing_data_directories_are_refused(void)
{
    char none[300], empty[300], dest[300];
    snprintf(none, sizeof(none), "%s/no/such/dir", tmp);
    snprintf(empty, sizeof(empty), "%s/empty", tmp);
    snprintf(dest, sizeof(dest), "%s/backup", tmp);
    CHECK_EQ(mkdir(empty, 0700), 0);
    for (int i = 0; i < 2; i++) {
        const char *dir = i == 0 ? none : empty;
        CHECK_EQ(RUN_ARGS("backup", "--data", dir, dest), 2);
        expect_out("eccpd backup: ");
        CHECK(strstr(out, "done") == NULL);
        CHECK(!exists(dest));
        CHECK_EQ(RUN_ARGS("reindex", "--data", dir), 2);
        expect_out("eccpd reindex: ");
        CHECK(strstr(out, "rebuilt") == NULL);
        char file[320];
        snprintf(file, sizeof(file), "%s/export.jsonl", tmp);
        CHECK_EQ(RUN_ARGS("export", "--data", dir, "--output", file), 2);
        CHECK(!exists(file));
    }
    expect_out("has no store");
    /* user create needs the directory; in an existing one it may start the store */
    CHECK_EQ(RUN_ARGS("user", "create", "--data", none, "--username", "mod", "--email",
                      "mod@example.eu"),
             2);
    expect_out("there is no data directory");
    CHECK(!exists(none));
    char store[320];
    snprintf(store, sizeof(store), "%s/store", empty);
    CHECK(!exists(store)); /* none of the refusals above made one */
}

static void serve_checks_every_flag_first(void)
{
    char dir[300];
    snprintf(dir, sizeof(dir), "%s/serve-new", tmp);
    const char *bad[][4] = {
        {"--listen", "127.0.0.1:99999", NULL},
        {"--listen", "nonsense", NULL},
        {"--tls-cert", "/no/such.pem", "--tls-key", "/no/such.key"},
        {"--access-log", "/no/such/dir/access.log", NULL},
        {"--threads", "0", NULL},
        {"--public-url", "ftp://x", NULL},
        {"--cors-origin", "*", NULL},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        const char *args[12] = {"serve", "--data", dir};
        int n = 3;
        for (int k = 0; k < 4 && bad[i][k]; k++)
            args[n++] = bad[i][k];
        args[n] = NULL;
        int rc = run(args);
        if (rc != 2 || exists(dir))
            fprintf(stderr, "serve %s %s: %d\n%s\n", bad[i][0], bad[i][1], rc, out);
        CHECK_EQ(rc, 2);
        CHECK(!exists(dir)); /* no store, no demo data */
    }
}

static void usage_errors_exit_2_and_version(void)
{
    CHECK_EQ(run((const char *const[]){NULL}), 2);
    CHECK_EQ(RUN_ARGS("no-such-command"), 2);
    CHECK_EQ(RUN_ARGS("serve", "--no-such-flag"), 2);
    CHECK_EQ(RUN_ARGS("serve", "extra"), 2);
    CHECK_EQ(RUN_ARGS("backup"), 2);
    CHECK_EQ(RUN_ARGS("backup", "--bogus", "x"), 2);
    CHECK_EQ(RUN_ARGS("reindex", "extra"), 2);
    CHECK_EQ(RUN_ARGS("export", "extra"), 2);
    CHECK_EQ(RUN_ARGS("import"), 2);
    CHECK_EQ(RUN_ARGS("user"), 2);
    CHECK_EQ(RUN_ARGS("user", "create", "--email", "x@example.eu"), 2);
    CHECK_EQ(RUN_ARGS("demo-data", "--scale", "0"), 2);

    CHECK_EQ(RUN_ARGS("--version"), 0);
    CHECK(strncmp(out, "eccpd 0.", 8) == 0);
    static const char *const libs[] = {"libh2o 2.", "RocksDB ", "Xapian 1.", "msgpack-c ",
                                       "jemalloc ", "OpenSSL ", "cJSON ",    NULL};
    for (const char *const *l = libs; *l; l++)
        expect_out(*l);
}

static void import_creates_parents_and_names_repeats(void)
{
    char a[300], file[300], twice[300], nested[320];
    snprintf(a, sizeof(a), "%s/a", tmp);
    snprintf(file, sizeof(file), "%s/a.jsonl", tmp);
    snprintf(twice, sizeof(twice), "%s/twice.jsonl", tmp);
    snprintf(nested, sizeof(nested), "%s/x/y/z", tmp);
    CHECK_EQ(mkdir(a, 0700), 0);
    /* one user, exported */
    api_server s = {0};
    snprintf(s.dir, sizeof(s.dir), "%s", tmp);
    char data[300];
    snprintf(data, sizeof(data), "%s/data", tmp);
    CHECK_EQ(mkdir(data, 0700), 0);
    CHECK_EQ(api_cli(&s, "a long password\n",
                     (const char *const[]){"user", "create", "--username", "ana", "--email",
                                           "ana@example.eu", NULL}),
             0);
    CHECK_EQ(RUN_ARGS("export", "--data", data, "--output", file), 0);
    /* the file twice over: every line repeats one before it */
    FILE *in = fopen(file, "r"), *o = fopen(twice, "w");
    CHECK(in && o);
    char line[8192];
    int lines = 0;
    while (fgets(line, sizeof(line), in)) {
        fputs(line, o);
        lines++;
    }
    rewind(in);
    while (fgets(line, sizeof(line), in))
        fputs(line, o);
    fclose(in);
    fclose(o);
    CHECK_EQ(lines, 1);

    /* into a directory whose parents do not exist yet */
    CHECK_EQ(RUN_ARGS("import", "--data", nested, "--quiet", twice), 1);
    expect_out(":2: user ");
    expect_out("a duplicate within the file: line 1 has the same user");
    CHECK(strstr(out, "in the store already") == NULL);
    char store[340];
    snprintf(store, sizeof(store), "%s/store", nested);
    CHECK(exists(store));
    /* the same file again: now the store holds them, and it says so */
    CHECK_EQ(RUN_ARGS("import", "--data", nested, "--quiet", file), 1);
    expect_out("in the store already");
    /* and a dry run names the repeat too */
    char fresh[320];
    snprintf(fresh, sizeof(fresh), "%s/fresh", tmp);
    CHECK_EQ(RUN_ARGS("import", "--data", fresh, "--dry-run", "--quiet", twice), 1);
    expect_out("a duplicate within the file: line 1");
}

static void a_second_serve_and_the_public_url(void)
{
    api_server srv = {0};
    api_start(&srv, NULL, NULL);
    char data[300], listen[64], want[512];
    snprintf(data, sizeof(data), "%s/data", srv.dir);
    snprintf(listen, sizeof(listen), "127.0.0.1:%d", srv.port + 1 > 65535 ? 1025 : srv.port + 1);
    CHECK_EQ(RUN_ARGS("serve", "--data", data, "--listen", listen, "--no-demo"), 1);
    snprintf(want, sizeof(want), "eccpd is already running on %s (pid %d)", data, (int)srv.pid);
    expect_out(want);

    /* a reset link points at the address this server listens on */
    char *token = api_signup(&srv, "ben", "a long password");
    free(token);
    api_res r = api_json(&srv, API_H1, "POST", "/v1/password-resets",
                         "{\"email\":\"ben@example.eu\"}", NULL);
    CHECK_EQ(r.status, 202);
    api_res_free(&r);
    char mail[8192];
    CHECK(api_outbox_find(&srv, "token=", mail, sizeof(mail)));
    snprintf(want, sizeof(want), "http://127.0.0.1:%d/reset-password?token=", srv.port);
    if (strstr(mail, want) == NULL)
        fprintf(stderr, "expected %s in:\n%s\n", want, mail);
    CHECK(strstr(mail, want) != NULL);
    api_stop(&srv);
    api_cleanup(&srv);
}

int main(int argc, char **argv)
{
    CHECK(argc == 2);
    api_binary = argv[1];
    curl_global_init(CURL_GLOBAL_ALL);
    const char *t = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(tmp, sizeof(tmp), "%s/eccpd-cmd-XXXXXX", t);
    CHECK(mkdtemp(tmp) != NULL);
    RUN(missing_data_directories_are_refused);
    RUN(serve_checks_every_flag_first);
    RUN(usage_errors_exit_2_and_version);
    RUN(import_creates_parents_and_names_repeats);
    RUN(a_second_serve_and_the_public_url);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
    CHECK_EQ(system(cmd), 0);
    curl_global_cleanup();
    return 0;
}
