/*
 * reindex.h: rebuilding the search index from the store, the source of truth.
 *
 * A new index is built beside the live one (DIR/index.new) from a snapshot of the store,
 * brought up to date from the change log, and swapped in; the old one is removed. While
 * the server runs it does this on a thread of its own when it receives SIGUSR1 (which
 * `eccpd reindex` sends it), pausing the feed only for the final catch-up and the swap, so
 * searches and writes go on throughout. Progress goes to DIR/reindex.status.
 */
#ifndef ECCPD_NET_REINDEX_H
#define ECCPD_NET_REINDEX_H

#include "net/server.h"

/* Starts a rebuild on its own thread unless one is running. */
void net_reindex_start(net_server *s);
/* Waits for a running rebuild to finish (shutdown). */
void net_reindex_wait(net_server *s);
/* Rebuilds DATA/index from the store with nothing else using either (a stopped server's
 * directory, or a server's start before it opens its index). 0 or a core error code. */
int net_reindex_offline(core_store *store, const char *data);

#endif
