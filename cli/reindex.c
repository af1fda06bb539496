/* reindex.c: `eccpd reindex` (see reindex.h); the rebuild itself is net/reindex.c's. */
#include "cli/reindex.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/error.h"
#include "cli/options.h"
#include "net/control.h"
#include "net/reindex.h"

static const char reindex_usage[] =
    "Usage: eccpd reindex [--data DIR]\n"
    "\n"
    "Rebuilds the search index from the store, the source of truth: a new index is built\n"
    "beside the live one (DIR/index.new), brought up to date and swapped in. When a server\n"
    "runs on DIR it does the work itself and keeps serving throughout; this command asks it\n"
    "to (SIGUSR1) and shows its progress. On a stopped server's directory the command\n"
    "rebuilds the index directly.\n"
    "\n"
    "Options:\n"
    "  --data DIR   data directory (default ./data)\n"
    "  -h, --help   show this text\n";

int cli_reindex_command(int argc, char **argv)
{
    const char *data = "./data";
    int parsed = cli_options(argc, argv, reindex_usage, &data, NULL);
    if (parsed >= 0)
        return parsed;
    if (optind < argc) {
        fprintf(stderr, "eccpd reindex: unexpected argument '%s'\n\n%s", argv[optind],
                reindex_usage);
        return 2;
    }
    int need = net_control_need_store(data, "eccpd reindex");
    if (need != 0)
        return need;
    pid_t pid = net_control_server(data);
    if (pid > 0)
        return net_control_ask(data, pid, SIGUSR1, "reindex", "eccpd reindex");
    core_store *s;
    if (cli_store_open("eccpd reindex", data, &s) != 0)
        return 1;
    int rc = net_reindex_offline(s, data);
    core_store_close(s);
    if (rc != 0) {
        fprintf(stderr, "eccpd reindex: %s\n", core_strerror(rc));
        return 1;
    }
    fprintf(stderr, "eccpd reindex: the index was rebuilt\n");
    return 0;
}
