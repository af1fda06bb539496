/* options.c: see options.h. */
#include "cli/options.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

enum { MAX_FLAGS = 8, FLAG_BASE = 256 };

int cli_options(int argc, char **argv, const char *usage, const char **data, const cli_flag *flags)
{
    struct option opts[MAX_FLAGS + 3] = {{"data", required_argument, 0, 'd'}};
    size_t n = 1;
    for (size_t i = 0; flags != NULL && i < MAX_FLAGS && flags[i].name != NULL; i++)
        opts[n++] = (struct option){flags[i].name, flags[i].arg ? required_argument : no_argument,
                                    0, FLAG_BASE + (int)i};
    opts[n] = (struct option){"help", no_argument, 0, 'h'};
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'd')
            *data = optarg;
        else if (c >= FLAG_BASE) {
            const cli_flag *f = &flags[c - FLAG_BASE];
            if (f->arg != NULL)
                *f->arg = optarg;
            else
                *f->set = true;
        } else if (c == 'h') {
            fputs(usage, stdout);
            return 0;
        } else {
            fputs(usage, stderr);
            return 2;
        }
    }
    return -1;
}

int cli_store_open(const char *who, const char *data, core_store **s)
{
    char path[PATH_MAX];
    char *err = NULL;
    snprintf(path, sizeof(path), "%s/store", data);
    if (core_store_open(path, s, &err) != 0) {
        fprintf(stderr, "%s: %s\n", who, err ? err : "cannot open the store");
        free(err);
        return 1;
    }
    return 0;
}
