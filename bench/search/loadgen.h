/*
 * loadgen.h: the closed-loop load generator shared by the search benchmark's peer clients
 * (Sphinx over SphinxQL, PostgreSQL over libpq). It does what `h2load -c N -m 1 -D S
 * --warm-up-time W -i uris` does for eccpd: N clients, each with its own connection and
 * one request in flight, for a warm-up period that is not measured and then a measured
 * period. Client k of N walks the query list in order from k/N of the way down (moved on
 * by run * slice lines); with a slice it repeats only that many queries, round and round,
 * so that a slow system and a fast one answer the same mix of queries in the same
 * proportions (run.sh gives each of eccpd's N h2load clients the same lines).
 * Latency is from just before the request is sent to the end of reading its last result
 * set. Each client keeps its own latency array; they are merged after the run.
 *
 * Workload files are UTF-8 text, one query per line: `q<TAB>country<TAB>ecosystem`, the
 * last two optional (empty means no filter). Lines starting with '#' are comments.
 */
#ifndef ECCPD_BENCH_SEARCH_LOADGEN_H
#define ECCPD_BENCH_SEARCH_LOADGEN_H

#include <stddef.h>
#include <stdint.h>

/* One query of a workload. Strings are owned by the workload (lg_workload_free). */
typedef struct lg_query {
    const char *q;         /* The text as a user typed it. */
    const char *country;   /* ISO alpha-2 filter, or NULL. */
    const char *ecosystem; /* Ecosystem id filter, or NULL. */
} lg_query;

typedef struct lg_workload {
    lg_query *items; /* In file order. */
    size_t len;      /* Number of queries. */
    char *buf_;      /* Private: the file's bytes. */
} lg_workload;

/* Reads a workload file; 0 or -1 (with a message on stderr). */
int lg_workload_load(const char *path, lg_workload *w);
void lg_workload_free(lg_workload *w);

/* A client's side of the work. connect returns a connection (NULL on failure, after a
 * message on stderr); run sends one query and reads its whole answer, returning 0, or -1
 * on an error (counted; after 100 errors the run stops); close ends the connection. */
typedef struct lg_driver {
    void *(*connect)(void *ctx, unsigned client);
    int (*run)(void *ctx, void *conn, const lg_query *q);
    void (*close)(void *ctx, void *conn);
    void *ctx;
} lg_driver;

typedef struct lg_options {
    unsigned clients;      /* Concurrent clients (threads), each one connection. */
    double warmup_s;       /* Not measured. */
    double duration_s;     /* Measured. */
    uint64_t max_requests; /* Stop the measured period after this many (0 = no limit). */
    size_t slice;          /* Queries each client repeats (0 = the whole list). */
    unsigned run;          /* Moves every client's first query on by run * slice lines. */
} lg_options;

typedef struct lg_report {
    uint64_t requests; /* Completed in the measured period. */
    uint64_t errors;   /* Failed in the measured period. */
    double seconds;    /* Length of the measured period. */
    double rps;        /* requests / seconds. */
    double p50_ms, p90_ms, p99_ms, max_ms, mean_ms;
} lg_report;

/* Runs the load; 0, or -1 when a client could not connect or errors piled up. */
int lg_run(const lg_driver *d, const lg_workload *w, const lg_options *o, lg_report *r);

/* Prints the report as one line of key=value pairs (what run.sh parses). */
void lg_print(const lg_report *r);

/* A client program's whole run on the workload file at `path`: with show > 0, its first
 * `show` queries once each on one connection (the driver prints what it wants); else the
 * load of `o`, then lg_print. Returns the process exit code (0, or 1 on any failure). */
int lg_main(const lg_driver *d, const char *path, const lg_options *o, int show);

/* Parses the common flags (--clients N --warmup S --duration S --max-requests N --slice N
 * --run N); returns
 * 1 if argv[*i] was one (advancing *i past its value), 0 if not, -1 on a bad value. */
int lg_parse_flag(int argc, char **argv, int *i, lg_options *o);

/* Appends to out (cap bytes) the words of q as separate tokens: letters and digits of any
 * script kept, everything else a separator; returns the number of words. Words are
 * written NUL-separated; *len gets the bytes used. At most 16 words (like eccpd). */
size_t lg_words(const char *q, char *out, size_t cap, size_t *len);

#endif
