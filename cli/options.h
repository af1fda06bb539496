/*
 * options.h: what the commands on a data directory (backup, reindex, export, import) share:
 * reading their options and opening the store.
 */
#ifndef ECCPD_CLI_OPTIONS_H
#define ECCPD_CLI_OPTIONS_H

#include <stdbool.h>

#include "core/store.h"

/* One of a command's own long options: a flag (set receives true) or an option with an
 * argument (arg receives it). */
typedef struct cli_flag {
    const char *name; /* "quiet", "output" */
    bool *set;        /* for a flag, else NULL */
    const char **arg; /* for an option with an argument, else NULL */
} cli_flag;

/* Reads argv (argv[0] is the command's name) with getopt_long: --data DIR into *data,
 * -h/--help, and the command's own options, a list ended by {NULL} (or flags NULL). Returns
 * -1 when the command goes on, its operands from optind; 0 after --help (usage printed on
 * standard output); 2 after an unknown option or a missing argument (usage on standard
 * error): the command's exit status. At most 8 own options. */
int cli_options(int argc, char **argv, const char *usage, const char **data, const cli_flag *flags);

/* Opens DATA/store for the command who ("eccpd backup"); when it cannot, says why on
 * standard error and returns 1, the exit status. */
int cli_store_open(const char *who, const char *data, core_store **s);

#endif
