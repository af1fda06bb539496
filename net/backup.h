/*
 * backup.h: consistent backups of a data directory, also while the server runs.
 *
 * A backup is DEST/store, a RocksDB checkpoint (hard links where the file system allows,
 * so it is fast and small), and DEST/index, a copy of the search index taken while the
 * feed is paused, so its recorded sequence number is never ahead of the store's. Restoring
 * is copying DEST back as the data directory; the server then brings the index up to date
 * from the change log (an index that is missing is rebuilt that way).
 *
 * With a server running on DIR, `eccpd backup` writes DEST into DIR/backup.request and
 * sends SIGUSR2; the server does the work on a thread and reports in DIR/backup.status.
 */
#ifndef ECCPD_NET_BACKUP_H
#define ECCPD_NET_BACKUP_H

#include "net/server.h"

/* Handles SIGUSR2 in the server: starts the backup named in DIR/backup.request. */
void net_backup_start(net_server *s);
/* Waits for a running backup (shutdown). */
void net_backup_wait(void);
/* Writes the backup of data's store (and index) into the new directory dest: the work
 * itself, on the server's backup thread or, with feed NULL (no server), for the command.
 * Returns 0, or a core error code with *why saying what failed. */
int net_backup_write(core_store *store, core_feed *feed, const char *data, const char *dest,
                     const char **why);

#endif
