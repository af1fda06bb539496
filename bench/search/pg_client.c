/*
 * pg_client.c: the PostgreSQL 15 side of the search benchmark. Sends a workload's queries
 * from N client threads, one libpq connection each, as prepared statements, and prints
 * throughput and latency percentiles (see loadgen.h).
 *
 *   bench_search_pg --conninfo 'host=127.0.0.1 port=P dbname=bench user=U'
 *                   --mode facets|plain|suggest [--prefix] [--clients 8] [--warmup 2]
 *                   [--duration 10] [--max-requests N] [--slice N] [--run N]
 *                   [--show N] WORKLOAD
 *
 * The table and its GIN index are made by run.sh (schema in pg_schema.sql): `tsv` is a
 * stored tsvector with weights A name, B acronym and keywords, C description, D places
 * and ecosystem names, all through an immutable `f_unaccent` wrapper over the unaccent
 * extension and the 'english' configuration (Snowball stemming). A query is the words of
 * the text (letters and digits of any script) joined by `&`, folded by the same
 * f_unaccent; with --prefix the last word is `w:*`. One statement per request: the match
 * set once (a MATERIALIZED CTE), the top 20 by ts_rank with ts_headline snippets, the
 * exact total and, in facets mode, GROUP BY counts of country, ecosystem and type over the
 * same set. --mode suggest asks the nearest PostgreSQL analogue of /v1/suggest: any 8
 * profiles with a name word (weight A) starting with the prefix, unranked (no typo
 * tolerance, no word completions: less than eccpd does). Every row is read.
 */
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loadgen.h"

typedef enum mode { MODE_FACETS, MODE_PLAIN, MODE_SUGGEST } mode;

typedef struct ctx {
    const char *conninfo;
    mode mode;
    int prefix;
    int show;
} ctx;

#define MATCH_SET                                                                                  \
    "WITH q AS (SELECT to_tsquery('english', f_unaccent($1)) AS q), "                              \
    "m AS MATERIALIZED (SELECT p.id, p.country, p.type, p.ecosystems, ts_rank(p.tsv, q.q) AS r "   \
    "FROM profiles p, q WHERE p.tsv @@ q.q AND ($2::text IS NULL OR p.country = $2::text) "        \
    "AND ($3::text IS NULL OR $3::text = ANY (p.ecosystems))), "                                   \
    "top AS (SELECT id, r FROM m ORDER BY r DESC, id LIMIT 20) "

#define HITS                                                                                       \
    "(SELECT 'hit' AS k, p.ext_id AS v, p.name AS name, p.city AS city, "                          \
    "ts_headline('english', p.description, q.q, "                                                  \
    "'StartSel=<mark>, StopSel=</mark>, MaxWords=35, MinWords=15') AS snippet, t.r::float8 AS n "  \
    "FROM top t JOIN profiles p ON p.id = t.id, q ORDER BY t.r DESC, t.id) "                       \
    "UNION ALL SELECT 'total', NULL, NULL, NULL, NULL, count(*)::float8 FROM m "

static const char sql_facets[] =
    MATCH_SET "SELECT * FROM (" HITS
              "UNION ALL (SELECT 'country', country, NULL, NULL, NULL, count(*)::float8 FROM m "
              "GROUP BY country ORDER BY count(*) DESC) "
              "UNION ALL (SELECT 'ecosystem', e, NULL, NULL, NULL, count(*)::float8 "
              "FROM m, unnest(m.ecosystems) AS e GROUP BY e ORDER BY count(*) DESC) "
              "UNION ALL (SELECT 'type', type, NULL, NULL, NULL, count(*)::float8 FROM m "
              "GROUP BY type ORDER BY count(*) DESC)) AS answer";

static const char sql_plain[] = MATCH_SET "SELECT * FROM (" HITS ") AS answer";

static const char sql_suggest[] =
    "SELECT p.ext_id, p.name FROM profiles p, to_tsquery('english', f_unaccent($1)) AS q "
    "WHERE p.tsv @@ q LIMIT 8";

static void quiet(void *arg, const char *message)
{
    /* "text-search query contains only stop words" and the like: not errors here. */
}

static void *conn_open(void *vc, unsigned client)
{
    ctx *c = vc;
    PGconn *pg = PQconnectdb(c->conninfo);
    if (PQstatus(pg) != CONNECTION_OK) {
        fprintf(stderr, "pg client %u: %s", client, PQerrorMessage(pg));
        PQfinish(pg);
        return NULL;
    }
    PQsetNoticeProcessor(pg, quiet, NULL);
    const char *sql = c->mode == MODE_FACETS  ? sql_facets
                      : c->mode == MODE_PLAIN ? sql_plain
                                              : sql_suggest;
    int nparams = c->mode == MODE_SUGGEST ? 1 : 3;
    PGresult *r = PQprepare(pg, "q", sql, nparams, NULL);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        fprintf(stderr, "pg client %u: prepare: %s", client, PQerrorMessage(pg));
        PQclear(r);
        PQfinish(pg);
        return NULL;
    }
    PQclear(r);
    return pg;
}

static void conn_close(void *vc, void *conn)
{
    PQfinish(conn);
}

/* The tsquery text for q into buf; false when q has no words. */
static bool tsquery_text(const ctx *c, const lg_query *q, char *buf, size_t cap)
{
    char words[2048];
    size_t wl, n = 0;
    size_t nw = lg_words(q->q, words, sizeof(words), &wl);
    if (nw == 0)
        return false;
    const char *w = words;
    for (size_t i = 0; i < nw; i++, w += strlen(w) + 1) {
        bool last = i + 1 == nw;
        const char *suffix = !last ? "" : c->mode == MODE_SUGGEST ? ":*A" : c->prefix ? ":*" : "";
        int k = snprintf(buf + n, cap - n, "%s%s%s", i ? " & " : "", w, suffix);
        if (k < 0 || (size_t)k >= cap - n)
            return false;
        n += (size_t)k;
    }
    return true;
}

static int run_one(void *vc, void *conn, const lg_query *q)
{
    ctx *c = vc;
    PGconn *pg = conn;
    char tq[4096];
    if (!tsquery_text(c, q, tq, sizeof(tq)))
        return 0; /* nothing to ask */
    const char *params[3] = {tq, q->country, q->ecosystem};
    PGresult *r = PQexecPrepared(pg, "q", c->mode == MODE_SUGGEST ? 1 : 3, params, NULL, NULL, 0);
    int rc = 0;
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        fprintf(stderr, "pg: %s  tsquery: %s\n", PQerrorMessage(pg), tq);
        rc = -1;
    } else {
        int rows = PQntuples(r), cols = PQnfields(r);
        size_t bytes = 0;
        for (int i = 0; i < rows; i++)
            for (int k = 0; k < cols; k++)
                bytes += (size_t)PQgetlength(r, i, k);
        if (c->show) {
            printf("-- %s [%s %s]: %d rows, %zu bytes\n", tq, q->country ? q->country : "-",
                   q->ecosystem ? q->ecosystem : "-", rows, bytes);
            for (int i = 0; i < rows && i < 30; i++) {
                printf("  ");
                for (int k = 0; k < cols; k++)
                    printf(" | %.80s", PQgetisnull(r, i, k) ? "NULL" : PQgetvalue(r, i, k));
                printf("\n");
            }
        }
    }
    PQclear(r);
    return rc;
}

int main(int argc, char **argv)
{
    ctx c = {.conninfo = NULL, .mode = MODE_FACETS};
    lg_options o = {.clients = 8, .warmup_s = 2, .duration_s = 10};
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        int r = lg_parse_flag(argc, argv, &i, &o);
        if (r < 0)
            return 2;
        if (r > 0)
            continue;
        if (!strcmp(argv[i], "--conninfo") && i + 1 < argc)
            c.conninfo = argv[++i];
        else if (!strcmp(argv[i], "--show") && i + 1 < argc)
            c.show = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--prefix"))
            c.prefix = 1;
        else if (!strcmp(argv[i], "--mode") && i + 1 < argc) {
            const char *m = argv[++i];
            if (!strcmp(m, "plain"))
                c.mode = MODE_PLAIN;
            else if (!strcmp(m, "suggest"))
                c.mode = MODE_SUGGEST;
            else if (!strcmp(m, "facets"))
                c.mode = MODE_FACETS;
            else {
                fprintf(stderr, "bad --mode %s\n", m);
                return 2;
            }
        } else if (argv[i][0] != '-' && path == NULL)
            path = argv[i];
        else {
            fprintf(stderr,
                    "usage: %s --conninfo STR --mode facets|plain|suggest [--prefix] "
                    "[--clients N] [--warmup S] [--duration S] [--max-requests N] [--slice N] "
                    "[--run N] "
                    "[--show N] WORKLOAD\n",
                    argv[0]);
            return 2;
        }
    }
    if (c.conninfo == NULL || path == NULL) {
        fprintf(stderr, "%s: --conninfo and a workload file are required\n", argv[0]);
        return 2;
    }
    lg_driver d = {conn_open, run_one, conn_close, &c};
    return lg_main(&d, path, &o, c.show);
}
