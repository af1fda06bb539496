/* outbox.c: see outbox.h. */
#include "core/outbox.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "core/fanout.h"
#include "core/fault.h"
#include "core/id.h"
#include "core/unsubscribe.h"
#include "core/value.h"

struct core_outbox {
    core_store *store;
    char *dir, *from;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool kicked;
    _Atomic bool stopping; /* also read between batches without the mutex */
};

enum { OUTBOX_BATCH = 256 }; /* e-mails written before their records go in one write */

static char public_url[512] = "http://localhost";

void core_outbox_set_public_url(const char *url)
{
    snprintf(public_url, sizeof(public_url), "%s", url);
    size_t n = strlen(public_url);
    while (n > 0 && public_url[n - 1] == '/')
        public_url[--n] = '\0';
}

static void add(core_txn *t, const char *to, const char *subject, const char *body,
                const char *unsub)
{
    if (core_txn_no_mail(t))
        return;
    core_arena *a = core_txn_arena(t);
    char id[CORE_ID_LEN + 1];
    core_id_new(id);
    core_value v = core_value_obj();
    core_value_set(a, &v, "id", core_value_cstr(a, id));
    core_value_set(a, &v, "to", core_value_cstr(a, to));
    core_value_set(a, &v, "subject", core_value_cstr(a, subject));
    core_value_set(a, &v, "body", core_value_cstr(a, body));
    core_value_set(a, &v, "at", core_value_int(core_txn_now(t)));
    if (unsub != NULL)
        core_value_set(a, &v, "unsub", core_value_cstr(a, unsub));
    char *buf;
    size_t len;
    if (core_value_to_msgpack(&v, &buf, &len) != 0)
        core_oom();
    core_txn_put(t, CORE_CF_OUTBOX,
                 (core_slice){core_arena_strndup(a, id, CORE_ID_LEN), CORE_ID_LEN},
                 (core_slice){buf, len});
    free(buf);
}

void core_outbox_add(core_txn *t, const char *to, const char *subject, const char *body)
{
    add(t, to, subject, body, NULL);
}

void core_outbox_add_for(core_txn *t, const char *user_id, const char *kind, const char *to,
                         const char *subject, const char *body)
{
    if (core_txn_no_mail(t) || core_unsubscribed_txn(t, user_id, kind))
        return;
    add(t, to, subject, body, core_unsubscribe_token_txn(t, user_id, kind));
}

/* RFC 2047 encoded-word for a header with non-ASCII text. */
static void put_header_text(FILE *f, const char *s)
{
    bool ascii = true;
    for (const char *p = s; *p; p++)
        ascii &= (unsigned char)*p < 0x80 && *p != '\r' && *p != '\n';
    if (ascii) {
        fputs(s, f);
        return;
    }
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    fputs("=?UTF-8?B?", f);
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned char)s[i] << 16;
        if (i + 1 < n)
            v |= (unsigned char)s[i + 1] << 8;
        if (i + 2 < n)
            v |= (unsigned char)s[i + 2];
        fputc(b64[(v >> 18) & 63], f);
        fputc(b64[(v >> 12) & 63], f);
        fputc(i + 1 < n ? b64[(v >> 6) & 63] : '=', f);
        fputc(i + 2 < n ? b64[v & 63] : '=', f);
    }
    fputs("?=", f);
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* Writes one message as DIR/.<id>.eml.tmp, not yet synced: flush_batch syncs a whole
 * batch's files at once and then renames each to DIR/<id>.eml. */
static int write_eml(const char *dir, const char *from, const core_value *m)
{
    const char *id = core_value_get_str(m, "id"), *to = core_value_get_str(m, "to");
    const char *subject = core_value_get_str(m, "subject"), *body = core_value_get_str(m, "body");
    const core_value *at = core_value_get(m, "at");
    const char *unsub = core_value_get_str(m, "unsub");
    if (id == NULL || to == NULL || subject == NULL || body == NULL)
        return CORE_EINTERNAL;
    char tmp[4200], final[4200];
    snprintf(tmp, sizeof(tmp), "%s/.%s.eml.tmp", dir, id);
    snprintf(final, sizeof(final), "%s/%s.eml", dir, id);
    FILE *f = core_fault("outbox.write") ? NULL : fopen(tmp, "w");
    if (f == NULL)
        return CORE_EIO;
    char date[64];
    time_t when = at != NULL && at->type == CORE_INT ? (time_t)at->u.i : time(NULL);
    struct tm tm;
    gmtime_r(&when, &tm);
    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
    fprintf(f, "From: %s\r\nTo: %s\r\nSubject: ", from, to);
    put_header_text(f, subject);
    fprintf(f, "\r\nDate: %s\r\nMessage-ID: <%s@eccpd>\r\n", date, id);
    if (unsub != NULL) /* RFC 8058: one click, no sign-in */
        fprintf(f,
                "List-Unsubscribe: <%s/v1/unsubscribe/%s>\r\n"
                "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n",
                public_url, unsub);
    fprintf(f, "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
               "Content-Transfer-Encoding: 8bit\r\n\r\n");
    for (const char *p = body; *p; p++) {
        if (*p == '\n')
            fputc('\r', f);
        fputc(*p, f);
    }
    fputs("\r\n", f);
    if (unsub != NULL)
        fprintf(f, "\r\nTo stop e-mails of this kind: %s/v1/unsubscribe/%s (POST)\r\n", public_url,
                unsub);
    int rc = fflush(f) == 0 ? 0 : CORE_EIO;
    if (fclose(f) != 0)
        rc = CORE_EIO;
    if (rc != 0)
        unlink(tmp);
    (void) final;
    return rc; /* flush_batch syncs, renames, and fsyncs the directory */
}

/* Makes a batch's written files durable with one syncfs of the spool's file system (a
 * journal commit for the batch instead of one per file: 256 fsyncs took ~2.7 ms each
 * on the project's machines, so 5,000 e-mails took 13 s), then renames each to its final
 * name; the caller fsyncs the directory. On failure every temporary file is removed and
 * nothing is renamed. */
static int commit_files(const char *dir, char *const *ids, int n)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = fd >= 0 && syncfs(fd) == 0 && !core_fault("outbox.sync") ? 0 : CORE_EIO;
    if (fd >= 0)
        close(fd);
    for (int i = 0; i < n; i++) {
        char tmp[4200], final[4200];
        snprintf(tmp, sizeof(tmp), "%s/.%s.eml.tmp", dir, ids[i]);
        snprintf(final, sizeof(final), "%s/%s.eml", dir, ids[i]);
        if (rc == 0 && rename(tmp, final) != 0)
            rc = CORE_EIO;
        if (rc != 0)
            unlink(tmp);
    }
    return rc;
}

typedef struct delivered {
    core_slice keys[OUTBOX_BATCH];
    int n;
} delivered;

static int delete_txn(core_txn *t, void *arg)
{
    delivered *d = arg;
    for (int i = 0; i < d->n; i++)
        core_txn_delete(t, CORE_CF_OUTBOX, d->keys[i]);
    return 0;
}

/* Delivers up to OUTBOX_BATCH queued e-mails: their files first (written, synced together,
 * renamed, then the directory fsynced), then one write removing their records. Returns
 * how many, or < 0. */
static int flush_batch(core_store *s, const char *dir, const char *from)
{
    core_iter *it = core_store_iter_prefix(s, CORE_CF_OUTBOX, (core_slice){"", 0});
    core_slice k, v;
    core_arena a;
    core_arena_init(&a);
    delivered d = {.n = 0};
    char *ids[OUTBOX_BATCH];
    int nids = 0, rc = 0;
    while (d.n < OUTBOX_BATCH && core_iter_next(it, &k, &v)) {
        core_value m;
        const char *why;
        if (core_value_from_msgpack(&a, v.ptr, v.len, &m, &why) == 0) {
            if ((rc = write_eml(dir, from, &m)) != 0)
                break; /* keep it queued; try again later */
            const char *id = core_value_get_str(&m, "id");
            ids[nids++] = core_arena_strndup(&a, id, strlen(id));
        }
        /* Written (or unreadable, which no retry can fix): remove it once durable. */
        d.keys[d.n++] = (core_slice){core_arena_strndup(&a, k.ptr, k.len), k.len};
    }
    core_iter_free(it);
    if (rc != 0) { /* nothing of this batch is removed; its files go again next time */
        for (int i = 0; i < nids; i++) {
            char tmp[4200];
            snprintf(tmp, sizeof(tmp), "%s/.%s.eml.tmp", dir, ids[i]);
            unlink(tmp);
        }
        d.n = 0;
    }
    if (d.n > 0 && nids > 0 && commit_files(dir, ids, nids) != 0)
        rc = CORE_EIO; /* nothing is removed: the files may not be durable */
    else if (d.n > 0 && fsync_dir(dir) != 0)
        rc = CORE_EIO; /* nothing is removed: the renames may not be durable */
    else if (d.n > 0) {
        int wrc = core_store_write_sync(s, delete_txn, &d, NULL);
        if (wrc != 0)
            rc = wrc;
    }
    core_arena_dispose(&a);
    return rc != 0 ? rc : d.n;
}

int core_outbox_flush(core_store *s, const char *dir, const char *from)
{
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return CORE_EIO;
    int total = 0, n;
    while ((n = core_fanout_step(s)) > 0) /* pending fan-out jobs become e-mail first */
        ;
    if (n < 0)
        return n;
    while ((n = flush_batch(s, dir, from)) == OUTBOX_BATCH)
        total += n;
    return n < 0 ? n : total + n;
}

static void *deliverer_main(void *arg)
{
    core_outbox *o = arg;
    for (;;) {
        /* A long queue (a bulk import's notifications) goes out batch by batch, and a
         * pending fan-out job (core/fanout.h) is expanded chunk by chunk between batches, so
         * the first e-mails leave while the last notifications are written; a stop request
         * leaves the rest queued for the next start instead of holding it up. */
        int rc, fan;
        do {
            fan = core_fanout_step(o->store);
            rc = flush_batch(o->store, o->dir, o->from);
        } while ((fan > 0 || rc == OUTBOX_BATCH) && !atomic_load(&o->stopping));
        if (fan < 0)
            fprintf(stderr, "eccpd: a notification fan-out failed (%s); retrying\n",
                    core_strerror(fan));
        if (rc < 0)
            fprintf(stderr, "eccpd: outbox delivery to %s failed (%s); retrying\n", o->dir,
                    core_strerror(rc));
        pthread_mutex_lock(&o->mu);
        if (o->stopping) {
            pthread_mutex_unlock(&o->mu);
            return NULL;
        }
        if (!o->kicked) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += 1; /* poll as a safety net; kicks make delivery prompt */
            pthread_cond_timedwait(&o->cv, &o->mu, &ts);
        }
        o->kicked = false;
        pthread_mutex_unlock(&o->mu);
    }
}

core_outbox *core_outbox_start(core_store *s, const char *dir, const char *from)
{
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "eccpd: cannot create the outbox spool %s: %s\n", dir, strerror(errno));
        return NULL;
    }
    core_outbox *o = calloc(1, sizeof(*o));
    if (o == NULL)
        core_oom();
    o->store = s;
    o->dir = strdup(dir);
    o->from = strdup(from);
    pthread_mutex_init(&o->mu, NULL);
    pthread_cond_init(&o->cv, NULL);
    if (pthread_create(&o->thread, NULL, deliverer_main, o) != 0)
        core_oom();
    return o;
}

void core_outbox_kick(core_outbox *o)
{
    if (o == NULL)
        return;
    pthread_mutex_lock(&o->mu);
    o->kicked = true;
    pthread_cond_signal(&o->cv);
    pthread_mutex_unlock(&o->mu);
}

void core_outbox_stop(core_outbox *o)
{
    if (o == NULL)
        return;
    pthread_mutex_lock(&o->mu);
    o->stopping = true;
    pthread_cond_signal(&o->cv);
    pthread_mutex_unlock(&o->mu);
    pthread_join(o->thread, NULL);
    pthread_mutex_destroy(&o->mu);
    pthread_cond_destroy(&o->cv);
    free(o->dir);
    free(o->from);
    free(o);
}
