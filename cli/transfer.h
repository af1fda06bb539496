/*
 * transfer.h: `eccpd export` and `eccpd import`, a platform's durable data as JSON Lines
 * (one record a line) for migrations between data directories. The line format, what is
 * exported and what import checks are core/transfer.h's; this is the command line around
 * it: arguments, help, files, progress and the per-line report.
 *
 * Both work on a stopped server's data directory (the store admits one process at a
 * time). Import keeps a bounded number of lines in flight through the store's group
 * commit, so a file of 200,000 records takes seconds, and memory stays bounded by the
 * lines in flight whatever the file's size.
 */
#ifndef ECCPD_CLI_TRANSFER_H
#define ECCPD_CLI_TRANSFER_H

/* `eccpd export [--data DIR] [--output FILE] [--quiet]`. Returns the process exit status. */
int cli_export_command(int argc, char **argv);
/* `eccpd import [--data DIR] [--dry-run] [--quiet] FILE|-`. Returns the process exit
 * status: 0 when every line was imported, 1 when a line was rejected or the store failed,
 * 2 for a usage error. */
int cli_import_command(int argc, char **argv);

#endif
