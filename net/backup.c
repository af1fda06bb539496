/* backup.c: see backup.h. */
#include "net/backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "net/control.h"

static pthread_t backup_thread;
static _Atomic bool backup_running;
static char backup_dest[PATH_MAX];

/* Copies one regular file durably. */
static int copy_file(const char *from, const char *to)
{
    int in = open(from, O_RDONLY), out = -1, rc = -1;
    char buf[1 << 16];
    if (in < 0)
        goto Exit;
    if ((out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0)
        goto Exit;
    ssize_t n;
    while ((n = read(in, buf, sizeof(buf))) > 0)
        if (write(out, buf, (size_t)n) != n)
            goto Exit;
    rc = n == 0 && fsync(out) == 0 ? 0 : -1;
Exit:
    if (in >= 0)
        close(in);
    if (out >= 0 && close(out) != 0)
        rc = -1;
    return rc;
}

/* Copies the flat index directory (Xapian's files; the lock file is not data). */
static int copy_index(const char *from, const char *to)
{
    if (mkdir(to, 0700) != 0)
        return -1;
    DIR *d = opendir(from);
    if (d == NULL)
        return -1;
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || strcmp(e->d_name, "flintlock") == 0)
            continue;
        char a[PATH_MAX + 256], b[PATH_MAX + 256];
        snprintf(a, sizeof(a), "%s/%s", from, e->d_name);
        snprintf(b, sizeof(b), "%s/%s", to, e->d_name);
        rc = copy_file(a, b);
    }
    closedir(d);
    return rc;
}

int net_backup_write(core_store *store, core_feed *feed, const char *data, const char *dest,
                     const char **why)
{
    char path[PATH_MAX], index[PATH_MAX];
    if (mkdir(dest, 0700) != 0) {
        *why = errno == EEXIST ? "the destination exists already; name a new directory"
                               : "cannot create the destination directory";
        return CORE_EIO;
    }
    snprintf(path, sizeof(path), "%s/store", dest);
    char *err = NULL;
    if (core_store_checkpoint(store, path, &err) != 0) {
        fprintf(stderr, "eccpd: backup: %s\n", err ? err : "checkpoint failed");
        free(err);
        *why = "the store checkpoint failed";
        return CORE_EIO;
    }
    /* The index copy may lag the checkpoint (the feed catches up on restore), never lead
     * it: it is taken after the checkpoint, with the feed paused. */
    snprintf(index, sizeof(index), "%s/index", data);
    snprintf(path, sizeof(path), "%s/index", dest);
    if (feed != NULL)
        core_feed_pause(feed);
    int rc = access(index, F_OK) == 0 ? copy_index(index, path) : 0;
    if (feed != NULL)
        core_feed_start(feed);
    if (rc != 0) {
        *why = "copying the index failed (the store is backed up; the index rebuilds on restore)";
        return CORE_EIO;
    }
    return 0;
}

static void *backup_main(void *arg)
{
    net_server *s = arg;
    time_t started = time(NULL);
    const char *why = NULL;
    int rc = net_backup_write(s->store, s->feed, s->opt.data_dir, backup_dest, &why);
    if (rc == 0) {
        net_control_status(s->opt.data_dir, "backup", "done %s in %llds", backup_dest,
                           (long long)(time(NULL) - started));
        fprintf(stderr, "eccpd: backed up to %s\n", backup_dest);
    } else {
        net_control_status(s->opt.data_dir, "backup", "failed: %s", why);
        fprintf(stderr, "eccpd: backup to %s failed: %s\n", backup_dest, why);
    }
    atomic_store(&backup_running, false);
    return NULL;
}

void net_backup_wait(void)
{
    if (backup_thread != 0) {
        pthread_join(backup_thread, NULL);
        backup_thread = 0;
    }
}

void net_backup_start(net_server *s)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/backup.request", s->opt.data_dir);
    if (atomic_exchange(&backup_running, true)) {
        net_control_status(s->opt.data_dir, "backup", "failed: a backup is already running");
        return;
    }
    net_backup_wait();
    FILE *f = fopen(path, "r");
    if (f == NULL || fgets(backup_dest, sizeof(backup_dest), f) == NULL) {
        if (f)
            fclose(f);
        net_control_status(s->opt.data_dir, "backup", "failed: no backup.request");
        atomic_store(&backup_running, false);
        return;
    }
    fclose(f);
    unlink(path);
    backup_dest[strcspn(backup_dest, "\n")] = '\0';
    net_control_status(s->opt.data_dir, "backup", "running");
    if (pthread_create(&backup_thread, NULL, backup_main, s) != 0) {
        net_control_status(s->opt.data_dir, "backup", "failed: no thread");
        atomic_store(&backup_running, false);
    }
}
