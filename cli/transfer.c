/*
 * transfer.c: see transfer.h.
 *
 * Import is a pipeline of two threads. This one reads a line, parses it and runs the
 * checks that need no store (core_transfer_check); the store's committer runs each line's
 * write (core_transfer_import_txn) and reports it through job_done, in file order, since
 * the committer takes writes in the order they were queued. A line refused before its
 * write is queued all the same, with a function that only returns the refusal, so every
 * report comes from one place and in order. At most IMPORT_IN_FLIGHT lines are queued,
 * enough for the committer to group them into full batches.
 *
 * --dry-run imports into a scratch copy of the store (a RocksDB checkpoint: hard links)
 * and throws it away, so it finds exactly what the import would, conflicts within the file
 * and with the data already there included, with no second implementation of the checks.
 */
#include "cli/transfer.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/options.h"
#include "core/error.h"
#include "core/hash.h"
#include "core/record.h"
#include "core/transfer.h"
#include "net/buf.h"
#include "net/control.h"
#include "net/json.h"

enum {
    IMPORT_IN_FLIGHT = 1024,    /* lines queued at once: two of the committer's groups */
    IMPORT_LINE_MAX = 16 << 20, /* bytes a line may have */
    PROGRESS_SECONDS = 3,       /* between progress lines */
    WARNINGS_SHOWN = 20,        /* unresolved references listed one by one */
};

static const char export_usage[] =
    "Usage: eccpd export [--data DIR] [--output FILE]\n"
    "\n"
    "Writes every durable record of a stopped server's data directory as JSON Lines, one\n"
    "record a line: {\"kind\":\"profile\",\"version\":1,\"record\":{...}}. The kinds, in this\n"
    "order: user (password hash included), profile (every state, drafts included, with\n"
    "both the published and the draft version, admins, moderation history and affiliation\n"
    "decisions), xchange_registration, notification (whose line also names its \"user\"),\n"
    "then the other records by kind (event, event_participant, event_schedule,\n"
    "meeting_request, news, partner_search, xchange_exchange; the line names the \"id\"),\n"
    "then \"key\" lines (a partner search's follows, interests and comments, events' fixed\n"
    "slots, exchange messages, attachment and image metadata, newsletter unsubscriptions,\n"
    "...: {\"key\",\"value\"}), then \"bytes\" lines (attachments' pieces, logos and photos:\n"
    "{\"key\",\"sha256\",\"base64\"}). Records are written as stored, ids and timestamps\n"
    "kept; lines come in a fixed order (by kind, then key) with every object's members\n"
    "sorted by name, so exporting the same data twice gives the same bytes. 'eccpd import'\n"
    "reads the file.\n"
    "\n"
    "Not exported: sessions (everyone signs in again), password-reset tokens, idempotency\n"
    "keys, the e-mail outbox, pending notification fan-outs and the change log. The search\n"
    "index is not exported either: the server builds it from the imported records.\n"
    "\n"
    "The export is private data: password hashes, e-mail addresses, contact persons,\n"
    "drafts, ClusterXchange preferences and notifications. --output creates the file\n"
    "readable by its owner only (mode 0600); keep it so, and delete it when done.\n"
    "\n"
    "Stop the server first: the store admits one process at a time.\n"
    "\n"
    "Options:\n"
    "  --data DIR      data directory (default ./data)\n"
    "  --output FILE   the file to write (replaced only once the export is complete);\n"
    "                  default standard output, which must not be a terminal\n"
    "  --quiet         no progress lines on standard error\n"
    "  -h, --help      show this text\n";

static const char import_usage[] =
    "Usage: eccpd import [--data DIR] [--dry-run] FILE.jsonl | -\n"
    "\n"
    "Reads records written by 'eccpd export' from FILE (- for standard input) into a\n"
    "stopped server's data directory (created if missing). Every line is checked as the\n"
    "API checks a write: a known kind and a version this eccpd reads; the record's fields\n"
    "by the rules of its kind (profile fields per profile type, user fields, ClusterXchange\n"
    "preferences); the state a record is in; well-formed ids; the users it names (a\n"
    "profile's admins, a registration's author and moderator, a notification's user) in\n"
    "the store or earlier in the file; ids, usernames and e-mail addresses not taken; at\n"
    "most one cluster organisation per user and one visitor registration per profile;\n"
    "the event, registration or metadata a newer record, key or bytes line belongs to in\n"
    "the store or earlier in the file; a key's form; bytes matching their SHA-256.\n"
    "A line that fails is reported on standard error as FILE:LINE: reason, nothing of it\n"
    "is written, and the import goes on with the next line. Each line is one write of the\n"
    "record with its secondary keys (derived again, as the API's writes derive them) and\n"
    "a change-log entry, so the server indexes it on its next start.\n"
    "\n"
    "The directory may hold data already: a line whose id, username or e-mail address is\n"
    "taken there is rejected like any other bad line. A member's affiliations and a\n"
    "registration's profile may name profiles the store lacks (deleting a profile leaves\n"
    "such references on a running platform too); those still missing once the whole file\n"
    "is in are listed as warnings. An interrupted import keeps the lines written so far;\n"
    "running it again rejects those as taken and adds the rest.\n"
    "\n"
    "Exit status: 0 when every line was imported, 1 when a line was rejected or the store\n"
    "failed, 2 for a usage error. A summary (records per kind, lines rejected) ends the\n"
    "output; long files show progress every few seconds.\n"
    "\n"
    "Stop the server first: the store admits one process at a time.\n"
    "\n"
    "Options:\n"
    "  --data DIR    data directory (default ./data)\n"
    "  --dry-run     check every line, uniqueness within the file and against DIR\n"
    "                included, and write nothing: the import runs against a scratch copy\n"
    "                of the store (a checkpoint in DIR/import-dry-run, made of hard links\n"
    "                and removed at the end)\n"
    "  --quiet       no progress lines (rejected lines and the summary are still shown)\n"
    "  -h, --help    show this text\n";

static double seconds_since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Opens DIR/store for a command, explaining the usual reason when it cannot: a server
 * holding it. Returns 0 or 1 (the exit status). */
static int open_store(const char *who, const char *data, const char *path, core_store **s)
{
    pid_t pid = net_control_server(data);
    if (pid > 0) {
        fprintf(stderr, "%s: a server (pid %d) is running on %s: stop the server first\n", who,
                (int)pid, data);
        return 1;
    }
    char *err = NULL;
    if (core_store_open(path, s, &err) != 0) {
        bool locked = err != NULL && strstr(err, "lock") != NULL;
        fprintf(stderr, "%s: %s\n%s\n", who, err ? err : "cannot open the store",
                locked ? "(another process, likely a running server, holds the store: stop "
                         "the server first)"
                       : "(is a server running on it? stop the server first)");
        free(err);
        return 1;
    }
    return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void rm_rf(const char *path)
{
    nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- export ---- */

typedef struct exporter {
    FILE *out;
    net_buf line;
    uint64_t counts[CORE_TRANSFER_KIND_COUNT], total;
    bool progress;
    struct timespec start;
    double last_progress;
} exporter;

static int emit_line(void *ctx, core_transfer_kind kind, const core_value *line)
{
    exporter *e = ctx;
    e->line.len = 0;
    net_json_write(&e->line, line);
    net_buf_putc(&e->line, '\n');
    if (fwrite(e->line.ptr, 1, e->line.len, e->out) != e->line.len)
        return CORE_EIO;
    e->counts[kind]++;
    e->total++;
    if (e->progress && (e->total & 1023) == 0) {
        double t = seconds_since(&e->start);
        if (t - e->last_progress >= PROGRESS_SECONDS) {
            fprintf(stderr, "eccpd export: %llu records written (%ss now)\n",
                    (unsigned long long)e->total, core_transfer_kind_name(kind));
            e->last_progress = t;
        }
    }
    return 0;
}

/* The output: FILE.tmp, created 0600, renamed over FILE once complete; or stdout. */
static FILE *open_output(const char *output, char *tmp, size_t len)
{
    if (output == NULL)
        return stdout;
    snprintf(tmp, len, "%s.tmp", output);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return NULL;
    if (fchmod(fd, 0600) != 0) { /* an older file of that name keeps its mode otherwise */
        close(fd);
        return NULL;
    }
    FILE *f = fdopen(fd, "w");
    if (f == NULL)
        close(fd);
    return f;
}

/* Flushes and closes the output; for a file, makes it durable and gives it its name. */
static int close_output(FILE *f, const char *output, const char *tmp, bool ok)
{
    if (f == stdout)
        return fflush(stdout) == 0 && ok ? 0 : -1;
    if (ok)
        ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
    if (fclose(f) != 0)
        ok = false;
    if (ok && rename(tmp, output) != 0)
        ok = false;
    if (!ok)
        unlink(tmp);
    return ok ? 0 : -1;
}

int cli_export_command(int argc, char **argv)
{
    const char *data = "./data", *output = NULL;
    bool quiet = false;
    const cli_flag flags[] = {{"output", NULL, &output}, {"quiet", &quiet, NULL}, {NULL}};
    int parsed = cli_options(argc, argv, export_usage, &data, flags);
    if (parsed >= 0)
        return parsed;
    if (output != NULL && strcmp(output, "-") == 0)
        output = NULL;
    if (optind < argc) {
        fprintf(stderr, "eccpd export: unexpected argument '%s'\n\n%s", argv[optind], export_usage);
        return 2;
    }
    if (output == NULL && isatty(STDOUT_FILENO)) {
        fprintf(stderr, "eccpd export: standard output is a terminal; the export holds private "
                        "data (password hashes, e-mail addresses): write it with --output FILE "
                        "or redirect it\n");
        return 2;
    }
    char path[PATH_MAX], tmp[PATH_MAX + 8];
    snprintf(path, sizeof(path), "%s/store", data);
    int need = net_control_need_store(data, "eccpd export"); /* opening would create one */
    if (need != 0)
        return need;
    core_store *s = NULL;
    if (open_store("eccpd export", data, path, &s) != 0)
        return 1;
    FILE *out = open_output(output, tmp, sizeof(tmp));
    if (out == NULL) {
        fprintf(stderr, "eccpd export: cannot create %s: %s\n", tmp, strerror(errno));
        core_store_close(s);
        return 1;
    }
    exporter e = {.out = out, .progress = !quiet};
    net_buf_init(&e.line);
    clock_gettime(CLOCK_MONOTONIC, &e.start);
    char *bad = NULL;
    int rc = core_transfer_export(s, emit_line, &e, &bad);
    core_store_close(s);
    net_buf_dispose(&e.line);
    if (close_output(out, output, tmp, rc == 0) != 0 && rc == 0)
        rc = CORE_EIO;
    if (rc != 0) {
        if (bad != NULL)
            fprintf(stderr,
                    "eccpd export: the record %s cannot be read (damaged, or written by a "
                    "newer eccpd); nothing was exported\n",
                    bad);
        else
            fprintf(stderr, "eccpd export: cannot write %s: %s\n", output ? output : "the output",
                    strerror(errno));
        free(bad);
        return 1;
    }
    double t = seconds_since(&e.start);
    fprintf(stderr,
            "eccpd export: %llu users, %llu profiles, %llu ClusterXchange registrations, %llu "
            "notifications, %llu other records (events, partner searches, news, exchanges), "
            "%llu keys and %llu byte lines (%llu lines) written to %s in %.1f s\n",
            (unsigned long long)e.counts[CORE_TRANSFER_USER],
            (unsigned long long)e.counts[CORE_TRANSFER_PROFILE],
            (unsigned long long)e.counts[CORE_TRANSFER_XCHANGE],
            (unsigned long long)e.counts[CORE_TRANSFER_NOTIFICATION],
            (unsigned long long)e.counts[CORE_TRANSFER_RECORD],
            (unsigned long long)e.counts[CORE_TRANSFER_KEY],
            (unsigned long long)e.counts[CORE_TRANSFER_BYTES], (unsigned long long)e.total,
            output ? output : "standard output", t);
    return 0;
}

/* ---- import ---- */

/* A profile a record named that was not in the store when the record was written. */
typedef struct unresolved {
    uint64_t line;
    int kind;
    char id[32], ref[32];
} unresolved;

typedef struct importer {
    core_store *s;
    const char *name; /* the file's name in reports */
    bool dry_run, progress;
    struct timespec start;
    /* shared with the committer thread */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned in_flight;
    uint64_t imported[CORE_TRANSFER_KIND_COUNT], rejected;
    int fatal; /* the first failure of the store itself: stops the import */
    uint64_t fatal_line;
    unresolved *refs;
    size_t nrefs, refs_cap;
    /* "kind/id" of every record imported from this file, with its line (committer only):
     * a later line with the same id is reported as a repeat within the file */
    struct seen_id {
        char *key;
        uint64_t line;
    } * seen;
    size_t seen_len, seen_cap; /* open addressing; seen_cap a power of two or 0 */
} importer;

typedef struct job {
    core_commit c;
    core_arena a; /* the line's value, the check's outputs and the report */
    importer *im;
    uint64_t line;
    core_value value;
    core_transfer_line l;
    int refused; /* the refusal found before the write, or 0 */
} job;

static bool is_refusal(int rc)
{
    return rc == CORE_EINVALID || rc == CORE_ECONFLICT || rc == CORE_EBADREQ;
}

static void report(const importer *im, const job *j, int rc)
{
    const char *kind =
        j->l.kind >= 0 ? core_transfer_kind_name((core_transfer_kind)j->l.kind) : NULL;
    if (j->l.kind == CORE_TRANSFER_RECORD && j->l.id == NULL)
        kind = j->l.rkind; /* "event: ..." until the id is known, then "record event/ID" */
    fprintf(stderr, "%s:%llu: ", im->name, (unsigned long long)j->line);
    if (kind != NULL)
        fprintf(stderr, j->l.id ? "%s %s: " : "%s: ", kind, j->l.id);
    fprintf(stderr, "%s\n", j->l.reason ? j->l.reason : core_strerror(rc));
}

static void keep_unresolved(importer *im, const job *j)
{
    for (size_t i = 0; i < j->l.missing.u.arr.len; i++) {
        if (im->nrefs == im->refs_cap) {
            im->refs_cap = im->refs_cap ? im->refs_cap * 2 : 64;
            im->refs = realloc(im->refs, im->refs_cap * sizeof(*im->refs));
            if (im->refs == NULL)
                core_oom();
        }
        unresolved *u = &im->refs[im->nrefs++];
        u->line = j->line;
        u->kind = j->l.kind;
        snprintf(u->id, sizeof(u->id), "%s", j->l.id);
        snprintf(u->ref, sizeof(u->ref), "%s", j->l.missing.u.arr.items[i].u.s.ptr);
    }
}

static uint64_t key_hash(const char *s)
{
    return core_fnv1a_str(CORE_FNV1A_SEED, s);
}

/* The slot of key in im->seen: where it is, or the empty one where it would go. */
static struct seen_id *seen_slot(importer *im, const char *key)
{
    size_t mask = im->seen_cap - 1;
    for (size_t i = key_hash(key) & mask;; i = (i + 1) & mask)
        if (im->seen[i].key == NULL || strcmp(im->seen[i].key, key) == 0)
            return &im->seen[i];
}

static void seen_add(importer *im, const char *key, uint64_t line)
{
    if (2 * (im->seen_len + 1) > im->seen_cap) {
        struct seen_id *old = im->seen;
        size_t old_cap = im->seen_cap;
        im->seen_cap = old_cap ? old_cap * 2 : 1024;
        im->seen = calloc(im->seen_cap, sizeof(*im->seen));
        if (im->seen == NULL)
            core_oom();
        for (size_t i = 0; i < old_cap; i++)
            if (old[i].key != NULL)
                *seen_slot(im, old[i].key) = old[i];
        free(old);
    }
    struct seen_id *s = seen_slot(im, key);
    if (s->key == NULL) {
        if ((s->key = strdup(key)) == NULL)
            core_oom();
        s->line = line;
        im->seen_len++;
    }
}

/* The line of this file that imported the same record before, or 0. */
static uint64_t seen_line(importer *im, const char *key)
{
    if (im->seen_cap == 0)
        return 0;
    struct seen_id *s = seen_slot(im, key);
    return s->key != NULL ? s->line : 0;
}

static void seen_free(importer *im)
{
    for (size_t i = 0; i < im->seen_cap; i++)
        free(im->seen[i].key);
    free(im->seen);
}

static int job_txn(core_txn *t, void *arg)
{
    job *j = arg;
    return j->refused != 0 ? j->refused : core_transfer_import_txn(t, &j->l);
}

/* On the committer thread, in file order. */
static void job_done(core_commit *c)
{
    job *j = c->user;
    importer *im = j->im;
    pthread_mutex_lock(&im->mu);
    char *key = j->l.kind >= 0 && j->l.id != NULL
                    ? core_arena_printf(&j->a, "%d/%s", j->l.kind, j->l.id)
                    : NULL;
    if (c->rc == 0) {
        im->imported[j->l.kind]++;
        keep_unresolved(im, j);
        if (key != NULL)
            seen_add(im, key, j->line);
    } else if (is_refusal(c->rc)) {
        im->rejected++;
        uint64_t first = c->rc == CORE_ECONFLICT && key != NULL ? seen_line(im, key) : 0;
        if (first != 0) /* not "in the store already": this file put it there */
            j->l.reason = core_arena_printf(
                &j->a, "a duplicate within the file: line %llu has the same %s",
                (unsigned long long)first, core_transfer_kind_name((core_transfer_kind)j->l.kind));
        report(im, j, c->rc);
    } else if (im->fatal == 0) {
        im->fatal = c->rc;
        im->fatal_line = j->line;
    }
    im->in_flight--;
    pthread_cond_signal(&im->cv);
    pthread_mutex_unlock(&im->mu);
    core_arena_dispose(&j->a);
    free(j);
}

/* A job for one line: parsed and checked here, written by the committer. */
static job *job_for_line(importer *im, uint64_t lineno, const char *text, size_t len)
{
    job *j = calloc(1, sizeof(*j));
    if (j == NULL)
        core_oom();
    core_arena_init(&j->a);
    j->im = im;
    j->line = lineno;
    j->value = core_value_null();
    core_transfer_line_init(&j->l, &j->a, &j->value);
    const char *why = NULL;
    if (len > IMPORT_LINE_MAX) {
        j->refused = CORE_EINVALID;
        j->l.reason = "the line is longer than 16 MiB";
    } else if (net_json_parse(&j->a, text, len, &j->value, &why) != 0) {
        j->refused = CORE_EBADREQ;
        j->l.reason = core_arena_printf(&j->a, "not valid JSON (%s)", why);
    } else {
        j->refused = core_transfer_check(&j->l);
    }
    j->c.fn = job_txn;
    j->c.arg = j;
    j->c.done = job_done;
    j->c.user = j;
    return j;
}

/* Queues a job, waiting while too many are in flight. False once the store has failed. */
static bool submit(importer *im, job *j)
{
    pthread_mutex_lock(&im->mu);
    while (im->in_flight >= IMPORT_IN_FLIGHT && im->fatal == 0)
        pthread_cond_wait(&im->cv, &im->mu);
    bool ok = im->fatal == 0;
    if (ok)
        im->in_flight++;
    pthread_mutex_unlock(&im->mu);
    if (!ok) {
        core_arena_dispose(&j->a);
        free(j);
        return false;
    }
    core_store_submit(im->s, &j->c);
    return true;
}

static void drain(importer *im)
{
    pthread_mutex_lock(&im->mu);
    while (im->in_flight > 0)
        pthread_cond_wait(&im->cv, &im->mu);
    pthread_mutex_unlock(&im->mu);
}

static uint64_t imported_total(const importer *im)
{
    uint64_t n = 0;
    for (int k = 0; k < CORE_TRANSFER_KIND_COUNT; k++)
        n += im->imported[k];
    return n;
}

static void show_progress(importer *im, uint64_t lineno, double *last)
{
    double t = seconds_since(&im->start);
    if (!im->progress || t - *last < PROGRESS_SECONDS)
        return;
    *last = t;
    pthread_mutex_lock(&im->mu);
    uint64_t done = imported_total(im), rejected = im->rejected;
    pthread_mutex_unlock(&im->mu);
    fprintf(
        stderr, "eccpd import: line %llu, %llu records %s, %llu lines rejected (%.0f records/s)\n",
        (unsigned long long)lineno, (unsigned long long)done, im->dry_run ? "checked" : "imported",
        (unsigned long long)rejected, t > 0 ? (double)done / t : 0.0);
}

static bool blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return false;
    return true;
}

/* Feeds every line of in to the store. Returns 0, or -1 when the file could not be read. */
static int import_stream(importer *im, FILE *in)
{
    char *text = NULL;
    size_t cap = 0;
    ssize_t n;
    uint64_t lineno = 0;
    double last = 0;
    while ((n = getline(&text, &cap, in)) >= 0) {
        lineno++;
        if (blank(text, (size_t)n))
            continue;
        if (!submit(im, job_for_line(im, lineno, text, (size_t)n)))
            break;
        show_progress(im, lineno, &last);
    }
    int rc = ferror(in) ? -1 : 0;
    free(text);
    drain(im);
    return rc;
}

/* Warns about the profiles records named that are still not in the store. */
static void warn_unresolved(importer *im)
{
    core_arena a;
    core_arena_init(&a);
    size_t shown = 0, more = 0;
    for (size_t i = 0; i < im->nrefs; i++) {
        const unresolved *u = &im->refs[i];
        core_slice val;
        if (core_store_get(im->s, CORE_CF_RECORDS, core_record_key(&a, "profile", u->ref), &a,
                           &val) != CORE_ENOTFOUND)
            continue;
        if (shown++ >= WARNINGS_SHOWN) {
            more++;
            continue;
        }
        fprintf(stderr,
                "%s:%llu: warning: %s %s names profile %s, which is not in the store "
                "(imported all the same)\n",
                im->name, (unsigned long long)u->line, core_transfer_kind_name(u->kind), u->id,
                u->ref);
    }
    if (more > 0)
        fprintf(stderr, "%s: warning: %zu more references to profiles not in the store\n", im->name,
                more);
    core_arena_dispose(&a);
}

static void print_summary(const importer *im)
{
    double t = seconds_since(&im->start);
    uint64_t total = imported_total(im);
    fprintf(stderr,
            "eccpd import%s: %llu users, %llu profiles, %llu ClusterXchange registrations, "
            "%llu notifications, %llu other records, %llu keys and %llu byte lines %s in %.1f s "
            "(%.0f records/s); %llu lines rejected%s\n",
            im->dry_run ? " --dry-run" : "", (unsigned long long)im->imported[CORE_TRANSFER_USER],
            (unsigned long long)im->imported[CORE_TRANSFER_PROFILE],
            (unsigned long long)im->imported[CORE_TRANSFER_XCHANGE],
            (unsigned long long)im->imported[CORE_TRANSFER_NOTIFICATION],
            (unsigned long long)im->imported[CORE_TRANSFER_RECORD],
            (unsigned long long)im->imported[CORE_TRANSFER_KEY],
            (unsigned long long)im->imported[CORE_TRANSFER_BYTES],
            im->dry_run ? "would be imported" : "imported", t, t > 0 ? (double)total / t : 0.0,
            (unsigned long long)im->rejected, im->dry_run ? "; nothing was written" : "");
}

/* Creates dir and its missing parents (as serve does); 0, or -1 with errno set. */
static int mkdir_parents(const char *dir)
{
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof(buf), "%s", dir) >= (int)sizeof(buf)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0700) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(buf, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

/* The store the import writes to: DIR/store itself, or for a dry run a scratch copy of it
 * (or, when DIR has no store yet, an empty scratch store). *real is the store a dry run
 * holds open meanwhile, so no other process changes it or uses the scratch directory;
 * scratch receives the directory to remove afterwards (empty when none). */
static int open_target(const char *data, bool dry_run, core_store **target, core_store **real,
                       char *scratch, size_t len)
{
    char path[PATH_MAX], copy[PATH_MAX + 16];
    struct stat sb;
    snprintf(path, sizeof(path), "%s/store", data);
    scratch[0] = '\0';
    *real = NULL;
    if (!dry_run) {
        if (mkdir_parents(data) != 0) {
            fprintf(stderr, "eccpd import: cannot create the data directory %s: %s\n", data,
                    strerror(errno));
            return 1;
        }
        return open_store("eccpd import", data, path, target);
    }
    if (stat(path, &sb) == 0) {
        if (open_store("eccpd import", data, path, real) != 0)
            return 1;
        snprintf(scratch, len, "%s/import-dry-run", data);
        snprintf(copy, sizeof(copy), "%s/store", scratch);
        rm_rf(scratch); /* a leftover of an interrupted dry run */
        char *err = NULL;
        int rc = mkdir(scratch, 0700) != 0 ? CORE_EIO : core_store_checkpoint(*real, copy, &err);
        if (rc != 0) {
            fprintf(stderr, "eccpd import: cannot make the scratch copy %s: %s\n", copy,
                    err ? err : strerror(errno));
            free(err);
            return 1;
        }
    } else {
        const char *tmpdir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
        snprintf(scratch, len, "%s/eccpd-import-dry-run-XXXXXX", tmpdir);
        if (mkdtemp(scratch) == NULL) {
            fprintf(stderr, "eccpd import: cannot make a scratch directory in %s: %s\n", tmpdir,
                    strerror(errno));
            scratch[0] = '\0';
            return 1;
        }
        snprintf(copy, sizeof(copy), "%s/store", scratch);
    }
    char *err = NULL;
    if (core_store_open(copy, target, &err) != 0) {
        fprintf(stderr, "eccpd import: cannot open the scratch store %s: %s\n", copy,
                err ? err : "?");
        free(err);
        return 1;
    }
    return 0;
}

int cli_import_command(int argc, char **argv)
{
    const char *data = "./data";
    bool dry_run = false, quiet = false;
    const cli_flag flags[] = {{"dry-run", &dry_run, NULL}, {"quiet", &quiet, NULL}, {NULL}};
    int parsed = cli_options(argc, argv, import_usage, &data, flags);
    if (parsed >= 0)
        return parsed;
    if (optind + 1 != argc) {
        fprintf(stderr, "eccpd import: name one file to import (- for standard input)\n\n%s",
                import_usage);
        return 2;
    }
    const char *file = argv[optind];
    bool use_stdin = strcmp(file, "-") == 0;
    FILE *in = use_stdin ? stdin : fopen(file, "r");
    if (in == NULL) {
        fprintf(stderr, "eccpd import: cannot open %s: %s\n", file, strerror(errno));
        return 1;
    }
    importer im = {.name = use_stdin ? "<stdin>" : file, .dry_run = dry_run, .progress = !quiet};
    core_store *real = NULL;
    char scratch[PATH_MAX];
    int status = open_target(data, dry_run, &im.s, &real, scratch, sizeof(scratch));
    if (status != 0)
        goto Exit;
    pthread_mutex_init(&im.mu, NULL);
    pthread_cond_init(&im.cv, NULL);
    clock_gettime(CLOCK_MONOTONIC, &im.start);
    int read_rc = import_stream(&im, in);
    if (read_rc != 0)
        fprintf(stderr, "eccpd import: reading %s failed: %s; the lines before were %s\n", im.name,
                strerror(errno), dry_run ? "checked" : "imported");
    if (im.fatal != 0)
        fprintf(stderr,
                "%s:%llu: the store failed (%s); the import stopped here, and the lines "
                "reported imported before it are in the store\n",
                im.name, (unsigned long long)im.fatal_line, core_strerror(im.fatal));
    else
        warn_unresolved(&im);
    print_summary(&im);
    status = read_rc != 0 || im.fatal != 0 || im.rejected > 0 ? 1 : 0;
    pthread_mutex_destroy(&im.mu);
    pthread_cond_destroy(&im.cv);
Exit:
    core_store_close(im.s);
    if (scratch[0] != '\0')
        rm_rf(scratch);
    core_store_close(real);
    free(im.refs);
    seen_free(&im);
    if (!use_stdin)
        fclose(in);
    return status;
}
