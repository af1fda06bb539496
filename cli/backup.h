/*
 * backup.h: the `eccpd backup` command. It asks a server running on the data directory to
 * take the backup (net/backup.h: DIR/backup.request and SIGUSR2, progress in
 * DIR/backup.status) or, with no server, takes it itself.
 */
#ifndef ECCPD_CLI_BACKUP_H
#define ECCPD_CLI_BACKUP_H

/* `eccpd backup DEST [--data DIR]`. */
int cli_backup_command(int argc, char **argv);

#endif
