/*
 * sphinx_client.c: the Sphinx 2.2 side of the search benchmark. Sends a workload's queries
 * to searchd over SphinxQL (the MySQL protocol) from N client threads, one connection
 * each, and prints throughput and latency percentiles (see loadgen.h).
 *
 *   bench_search_sphinx --port P [--index NAME] --mode facets|plain|suggest [--prefix]
 *                       [--clients 8] [--warmup 2] [--duration 10] [--max-requests N]
 *                       [--slice N] [--run N]
 *                       [--show N] WORKLOAD
 *   bench_search_sphinx --port P --sql STATEMENT
 *
 * What a query asks, mirroring eccpd's GET /v1/search (top 20, snippets, facets):
 *   SELECT id, name, country, city, SNIPPET(description, 'words') AS snippet FROM idx
 *   WHERE MATCH('words') [AND country = 'FR'] [AND ecosystems = 7]
 *   LIMIT 20 OPTION field_weights=(name=10, ...)
 *   [FACET country ORDER BY COUNT(*) DESC LIMIT 300 FACET ecosystems ... FACET type ...]
 * Words are the letters and digits of the query (any script), lower-cased, so no input is
 * an operator; Sphinx's charset_table folds case and diacritics and stem_en stems. With
 * --prefix the last word is `(w | w*)`, as eccpd completes the last word. --mode suggest
 * is the nearest Sphinx analogue of /v1/suggest: `MATCH('@name w*')`, any 8 names with a
 * word starting with the prefix (ranker=none: no scoring; no typo tolerance, no word
 * completions), so the peer does less than eccpd. Every result set is read to the end. --show N
 * prints the answers to the first N queries instead of loading; --sql runs one statement and prints
 * its answer.
 */
#include <ctype.h>
#include <mysql.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/vocab.h"
#include "loadgen.h"

typedef enum mode { MODE_FACETS, MODE_PLAIN, MODE_SUGGEST } mode;

typedef struct ctx {
    int port;
    const char *index;
    mode mode;
    int prefix;
    int show; /* Print rows. */
} ctx;

/* An ecosystem as Sphinx holds it: its 1-based position in core's vocabulary, as
 * bench_search_dump_corpus writes it (0 for an unknown one, which matches nothing). */
static int ecosystem_id(const char *s)
{
    int k = core_vocab_find(CORE_VOCAB_ECOSYSTEM, s, strlen(s));
    return k >= 0 ? k + 1 : 0;
}

static void *conn_open(void *vc, unsigned client)
{
    ctx *c = vc;
    MYSQL *m = mysql_init(NULL);
    if (m == NULL)
        return NULL;
    if (mysql_real_connect(m, "127.0.0.1", NULL, NULL, NULL, (unsigned)c->port, NULL,
                           CLIENT_MULTI_STATEMENTS | CLIENT_MULTI_RESULTS) == NULL) {
        fprintf(stderr, "sphinx client %u: connect to 127.0.0.1:%d: %s\n", client, c->port,
                mysql_error(m));
        mysql_close(m);
        return NULL;
    }
    return m;
}

static void conn_close(void *vc, void *conn)
{
    mysql_close(conn);
}

/* Appends printf output to buf at *n (bounded by cap). */
#define APPEND(...)                                                                                \
    do {                                                                                           \
        int k_ = snprintf(buf + n, n < cap ? cap - n : 0, __VA_ARGS__);                            \
        if (k_ > 0)                                                                                \
            n += (size_t)k_;                                                                       \
    } while (0)

/* Builds the SphinxQL statement for q into buf; returns its length, 0 when q has no words. */
static size_t build(const ctx *c, const lg_query *q, char *buf, size_t cap)
{
    char words[2048], match[4096];
    size_t wl, m = 0;
    size_t nw = lg_words(q->q, words, sizeof(words), &wl);
    if (nw == 0)
        return 0;
    for (size_t i = 0; i < wl; i++)
        if (words[i] >= 'A' && words[i] <= 'Z')
            words[i] = (char)(words[i] - 'A' + 'a');
    const char *w = words;
    for (size_t i = 0; i < nw; i++, w += strlen(w) + 1) {
        bool last = i + 1 == nw;
        int k;
        if (c->mode == MODE_SUGGEST)
            k = snprintf(match + m, sizeof(match) - m, "%s%s%s", i ? " " : "@name ", w,
                         last ? "*" : "");
        else if (last && c->prefix)
            k = snprintf(match + m, sizeof(match) - m, "%s(%s | %s*)", i ? " " : "", w, w);
        else
            k = snprintf(match + m, sizeof(match) - m, "%s%s", i ? " " : "", w);
        if (k < 0 || (size_t)k >= sizeof(match) - m)
            break;
        m += (size_t)k;
    }
    match[m] = '\0';
    size_t n = 0;
    if (c->mode == MODE_SUGGEST) {
        APPEND("SELECT id, name FROM %s WHERE MATCH('%s') LIMIT 8 OPTION ranker=none", c->index,
               match);
        return n < cap ? n : 0;
    }
    /* The snippet is asked with the plain words (no operators). */
    char plain[2048];
    size_t pl = 0;
    w = words;
    for (size_t i = 0; i < nw; i++, w += strlen(w) + 1)
        pl += (size_t)snprintf(plain + pl, sizeof(plain) - pl, "%s%s", i ? " " : "", w);
    APPEND("SELECT id, name, country, city, SNIPPET(description, '%s', 'before_match=<mark>', "
           "'after_match=</mark>', 'limit=200') AS snippet FROM %s WHERE MATCH('%s')",
           plain, c->index, match);
    if (q->country && isalpha((unsigned char)q->country[0]) &&
        isalpha((unsigned char)q->country[1]))
        APPEND(" AND country = '%.2s'", q->country);
    if (q->ecosystem)
        APPEND(" AND ecosystems = %d", ecosystem_id(q->ecosystem));
    APPEND(" LIMIT 20 OPTION ranker=proximity_bm25, field_weights=(name=10, acronym=8, "
           "keywords=5, description=1, city=2, region=1, address=1, ecosystem_names=2)");
    if (c->mode == MODE_FACETS)
        APPEND(" FACET country ORDER BY COUNT(*) DESC LIMIT 300"
               " FACET ecosystems ORDER BY COUNT(*) DESC LIMIT 300"
               " FACET type ORDER BY COUNT(*) DESC LIMIT 300");
    return n < cap ? n : 0;
}

/* Sends one statement and reads every result set to the end (printing with --show). */
static int exec_sql(const ctx *c, MYSQL *m, const char *sql, size_t len)
{
    if (c->show)
        printf("-- %s\n", sql);
    if (mysql_real_query(m, sql, (unsigned long)len) != 0) {
        fprintf(stderr, "sphinx: %s\n  query: %s\n", mysql_error(m), sql);
        return -1;
    }
    int set = 0;
    for (;;) {
        MYSQL_RES *res = mysql_store_result(m);
        if (res != NULL) {
            MYSQL_ROW row;
            unsigned nf = mysql_num_fields(res);
            unsigned long rows = 0;
            while ((row = mysql_fetch_row(res)) != NULL) {
                rows++;
                if (c->show && rows <= 5) {
                    printf("  [%d]", set);
                    for (unsigned f = 0; f < nf; f++)
                        printf(" | %.80s", row[f] ? row[f] : "NULL");
                    printf("\n");
                }
            }
            if (c->show)
                printf("  [%d] %lu rows\n", set, rows);
            mysql_free_result(res);
        } else if (mysql_field_count(m) != 0) {
            fprintf(stderr, "sphinx: %s\n", mysql_error(m));
            return -1;
        }
        set++;
        int st = mysql_next_result(m);
        if (st < 0)
            break;
        if (st > 0) {
            fprintf(stderr, "sphinx: %s\n  query: %s\n", mysql_error(m), sql);
            return -1;
        }
    }
    return 0;
}

static int run_one(void *vc, void *conn, const lg_query *q)
{
    ctx *c = vc;
    char sql[16384];
    size_t len = build(c, q, sql, sizeof(sql));
    if (len == 0)
        return 0; /* nothing to ask (no words): counted as an instant empty answer */
    return exec_sql(c, conn, sql, len);
}

int main(int argc, char **argv)
{
    ctx c = {.port = 0, .index = "eccpd", .mode = MODE_FACETS};
    lg_options o = {.clients = 8, .warmup_s = 2, .duration_s = 10};
    const char *path = NULL, *sql = NULL;
    for (int i = 1; i < argc; i++) {
        int r = lg_parse_flag(argc, argv, &i, &o);
        if (r < 0)
            return 2;
        if (r > 0)
            continue;
        if (!strcmp(argv[i], "--port") && i + 1 < argc)
            c.port = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--index") && i + 1 < argc)
            c.index = argv[++i];
        else if (!strcmp(argv[i], "--show") && i + 1 < argc)
            c.show = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--prefix"))
            c.prefix = 1;
        else if (!strcmp(argv[i], "--sql") && i + 1 < argc)
            sql = argv[++i];
        else if (!strcmp(argv[i], "--mode") && i + 1 < argc) {
            const char *m = argv[++i];
            c.mode = !strcmp(m, "plain")     ? MODE_PLAIN
                     : !strcmp(m, "suggest") ? MODE_SUGGEST
                     : !strcmp(m, "facets")
                         ? MODE_FACETS
                         : (fprintf(stderr, "bad --mode %s\n", m), exit(2), MODE_FACETS);
        } else if (argv[i][0] != '-' && path == NULL)
            path = argv[i];
        else {
            fprintf(stderr,
                    "usage: %s --port P [--index NAME] --mode facets|plain|suggest "
                    "[--prefix] [--clients N] [--warmup S] [--duration S] "
                    "[--max-requests N] [--slice N] [--run N] [--show N] WORKLOAD\n",
                    argv[0]);
            return 2;
        }
    }
    if (c.port > 0 && sql != NULL) { /* one statement, printed (for run.sh's checks) */
        c.show = 1;
        MYSQL *m = conn_open(&c, 0);
        int rc = m == NULL || exec_sql(&c, m, sql, strlen(sql)) != 0;
        if (m)
            mysql_close(m);
        return rc;
    }
    if (c.port <= 0 || path == NULL) {
        fprintf(stderr, "%s: --port and a workload file are required\n", argv[0]);
        return 2;
    }
    if (mysql_library_init(0, NULL, NULL) != 0)
        return 1;
    lg_driver d = {conn_open, run_one, conn_close, &c};
    int rc = lg_main(&d, path, &o, c.show);
    mysql_library_end();
    return rc;
}
