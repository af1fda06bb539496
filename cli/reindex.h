/*
 * reindex.h: the `eccpd reindex` command. It asks a server running on the data directory
 * to rebuild its index (net/reindex.h: SIGUSR1, progress in DIR/reindex.status) or, with no
 * server, rebuilds it itself.
 */
#ifndef ECCPD_CLI_REINDEX_H
#define ECCPD_CLI_REINDEX_H

/* `eccpd reindex`: asks the running server, or rebuilds a stopped server's index itself. */
int cli_reindex_command(int argc, char **argv);

#endif
