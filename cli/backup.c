/* backup.c: `eccpd backup` (see backup.h); the backup itself is net/backup.c's. */
#include "cli/backup.h"

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/backup.h"
#include "cli/options.h"
#include "net/control.h"

static const char backup_usage[] =
    "Usage: eccpd backup DEST [--data DIR]\n"
    "\n"
    "Writes a consistent backup of the data directory into DEST (a new directory):\n"
    "DEST/store, a RocksDB checkpoint, and DEST/index, a copy of the search index. It works\n"
    "while the server runs (the server takes it, and keeps serving) and on a stopped\n"
    "server's directory. To restore, stop the server and use DEST as its --data directory\n"
    "(or copy it there); the index catches up with the store on start.\n"
    "\n"
    "Options:\n"
    "  --data DIR   data directory (default ./data)\n"
    "  -h, --help   show this text\n";

int cli_backup_command(int argc, char **argv)
{
    const char *data = "./data";
    int parsed = cli_options(argc, argv, backup_usage, &data, NULL);
    if (parsed >= 0)
        return parsed;
    if (optind + 1 != argc) {
        fputs(backup_usage, stderr);
        return 2;
    }
    int need = net_control_need_store(data, "eccpd backup");
    if (need != 0)
        return need;
    char dest[2 * PATH_MAX];
    /* the server resolves the path from its own working directory: make it absolute */
    if (argv[optind][0] == '/')
        snprintf(dest, sizeof(dest), "%s", argv[optind]);
    else {
        char cwd[PATH_MAX];
        if (getcwd(cwd, sizeof(cwd)) == NULL)
            return 1;
        snprintf(dest, sizeof(dest), "%s/%s", cwd, argv[optind]);
    }
    if (strlen(dest) >= PATH_MAX) {
        fprintf(stderr, "eccpd backup: the destination path is too long\n");
        return 2;
    }
    pid_t pid = net_control_server(data);
    if (pid > 0) {
        char req[PATH_MAX];
        snprintf(req, sizeof(req), "%s/backup.request", data);
        FILE *f = fopen(req, "w");
        if (f == NULL || fprintf(f, "%s\n", dest) < 0 || fclose(f) != 0) {
            fprintf(stderr, "eccpd backup: cannot write %s\n", req);
            return 1;
        }
        return net_control_ask(data, pid, SIGUSR2, "backup", "eccpd backup");
    }
    core_store *s;
    if (cli_store_open("eccpd backup", data, &s) != 0)
        return 1;
    const char *why = NULL;
    int rc = net_backup_write(s, NULL, data, dest, &why);
    core_store_close(s);
    if (rc != 0) {
        fprintf(stderr, "eccpd backup: %s\n", why);
        return 1;
    }
    fprintf(stderr, "eccpd backup: done %s\n", dest);
    return 0;
}
