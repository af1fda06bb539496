/*
 * dump_corpus.c: writes the searchable profiles of an eccpd data directory as JSON Lines,
 * so that the peers of the search benchmark (Sphinx, PostgreSQL) load exactly the text
 * eccpd indexes.
 *
 *   bench_search_dump_corpus DATA_DIR > corpus.jsonl
 *
 * Reads DATA_DIR/store directly (the server must be stopped: RocksDB admits one process).
 * A profile is written when search would show it: core_profile_is_public, and its fields
 * are those index_profile_doc gives the index (name, acronym, keywords, description, city,
 * region, address, ecosystems and their display names, country, type, label). Each line
 * gets "n", its 1-based line number, which the peers use as their integer document id.
 * Costs: one pass over the profile records; memory is one arena per record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/profile.h"
#include "core/record.h"
#include "core/store.h"
#include "core/vocab.h"
#include "index/index.h"
#include "index/records.h"

/* Writes s as a JSON string (quotes included); control bytes are escaped, UTF-8 kept. */
static void put_str(FILE *f, index_str s)
{
    fputc('"', f);
    for (size_t i = 0; s.ptr && i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c == '\t')
            fputs("\\t", f);
        else if (c == '\r')
            fputs("\\r", f);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void put_field(FILE *f, const char *key, index_str s)
{
    fprintf(f, ",\"%s\":", key);
    put_str(f, s);
}

static void put_list(FILE *f, const char *key, const index_str *v, size_t n)
{
    fprintf(f, ",\"%s\":[", key);
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputc(',', f);
        put_str(f, v[i]);
    }
    fputc(']', f);
}

/* The ecosystems as their 1-based positions in core's vocabulary: the numbers Sphinx
 * filters on (bench_search_sphinx maps a filter value the same way). */
static void put_ecosystem_codes(FILE *f, const index_str *v, size_t n)
{
    fprintf(f, ",\"ecosystem_codes\":[");
    for (size_t i = 0, out = 0; i < n; i++) {
        int k = core_vocab_find(CORE_VOCAB_ECOSYSTEM, v[i].ptr, v[i].len);
        if (k >= 0)
            fprintf(f, out++ ? ",%d" : "%d", k + 1);
    }
    fputc(']', f);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DATA_DIR > corpus.jsonl\n", argv[0]);
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof(path), "%s/store", argv[1]);
    core_store *s = NULL;
    char *err = NULL;
    if (core_store_open(path, &s, &err) != 0) {
        fprintf(stderr, "dump_corpus: cannot open %s: %s\n", path, err ? err : "?");
        free(err);
        return 1;
    }
    static const char prefix[] = "profile/";
    core_iter *it =
        core_store_iter_prefix(s, CORE_CF_RECORDS, (core_slice){prefix, sizeof(prefix) - 1});
    core_slice k, v;
    unsigned long n = 0, seen = 0, bad = 0;
    FILE *out = stdout;
    while (core_iter_next(it, &k, &v)) {
        core_arena a;
        core_arena_init(&a);
        core_value rec;
        index_doc d;
        seen++;
        if (core_record_decode(&a, v, &rec) != 0) {
            bad++;
        } else if (core_profile_is_public(s, &rec, &a) && index_profile_doc(&rec, &a, &d)) {
            fprintf(out, "{\"n\":%lu", ++n);
            put_field(out, "id", d.id);
            put_field(out, "type", d.type);
            put_field(out, "name", d.name);
            put_field(out, "acronym", d.acronym);
            put_list(out, "keywords", d.keywords, d.keywords_len);
            put_field(out, "description", d.description);
            put_field(out, "city", d.city);
            put_field(out, "region", d.region);
            put_field(out, "address", d.address);
            put_field(out, "country", d.country);
            put_list(out, "ecosystems", d.ecosystems, d.ecosystems_len);
            put_ecosystem_codes(out, d.ecosystems, d.ecosystems_len);
            put_list(out, "ecosystem_names", d.ecosystem_names, d.ecosystem_names_len);
            fprintf(out, ",\"label\":\"%s\"}\n", index_label_name(d.label));
        }
        core_arena_dispose(&a);
    }
    core_iter_free(it);
    core_store_close(s);
    if (fflush(out) != 0 || ferror(out)) {
        perror("dump_corpus: write");
        return 1;
    }
    fprintf(stderr, "dump_corpus: %lu profile records, %lu searchable written, %lu unreadable\n",
            seen, n, bad);
    return bad ? 1 : 0;
}
