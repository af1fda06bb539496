/*
 * fuzz_search: the search query parser and suggestions through the Xapian shim
 * (index_search, index_suggest) over a small real index built at start in a temp
 * directory (removed at exit).
 *
 * Input: byte 0 picks the sort, page, facets, kind filter and partial matching (the
 * server's default: fewer words when all of them find almost nothing), byte 1 the query's
 * language; the rest is the text (q, and the suggestion prefix). Properties: any text
 * gives a result or INDEX_EINVAL (only for an over-long text), never another error; totals
 * are at most the documents indexed, a page holds at most per_page hits, each hit one of
 * the indexed ids; a partial result holds at least one and fewer than all of the words
 * and finds something, any other all of them; a facet count is at most the total;
 * suggestions are at most the limit, each with text.
 */
#include <ftw.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "index/index.h"

static index_reader *reader;
static char dir[64];
static const char *const ids[] = {"p1", "p2", "p3", "p4", "s1", "e1"};
enum { NDOCS = sizeof ids / sizeof ids[0] };

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void cleanup(void)
{
    if (reader != NULL)
        index_reader_close(reader);
    if (dir[0] != '\0')
        nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    strcpy(dir, "/tmp/eccpd-fuzz-search-XXXXXX");
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        exit(1);
    }
    atexit(cleanup);
    index_writer *w;
    index_writer_options opt = {.no_sync = true};
    if (index_writer_open(dir, &opt, &w) != INDEX_OK) {
        fprintf(stderr, "index_writer_open: %s\n", index_last_error());
        exit(1);
    }
    static const struct {
        index_kind kind;
        const char *type, *name, *desc, *country, *lang, *state;
    } docs[NDOCS] = {
        {INDEX_KIND_PROFILE, "cluster_organisation", "Klaster Mobilité Sud",
         "Sustainable mobility cluster, électrique et numérique", "FR", "fr", NULL},
        {INDEX_KIND_PROFILE, "cluster_organisation", "Aerospace Valley",
         "Aeronautics, space and embedded systems in Occitanie", "FR", "en", NULL},
        {INDEX_KIND_PROFILE, "cluster_member", "Mühlen Digital GmbH",
         "Digitalisierung für den Mittelstand; Straße", "DE", "de", NULL},
        {INDEX_KIND_PROFILE, "cluster_organisation", "Ψηφιακό Σύμπλεγμα",
         "Ελληνικό ψηφιακό cluster, 東京 partners", "GR", "el", NULL},
        {INDEX_KIND_PARTNER_SEARCH, "partner_search", "Partners for battery pilots",
         "We seek partners for a Horizon call on batteries", "PL", "en", "open"},
        {INDEX_KIND_EVENT, "event", "Matchmaking days",
         "B2B meetings for mobility and digital clusters", "ES", "es", NULL},
    };
    for (size_t i = 0; i < NDOCS; i++) {
        index_str eco[] = {index_cstr("digital"), index_cstr("mobility_transport_automotive")};
        index_doc d = {
            .id = index_cstr(ids[i]),
            .kind = docs[i].kind,
            .type = index_cstr(docs[i].type),
            .name = index_cstr(docs[i].name),
            .description = index_cstr(docs[i].desc),
            .country = index_cstr(docs[i].country),
            .language = index_cstr(docs[i].lang),
            .ecosystems = eco,
            .ecosystems_len = 1 + i % 2,
            .state = index_cstr(docs[i].state),
            .updated_at = 1700000000 + (int64_t)i,
            .has_geo = true,
            .lat = 40 + (double)i,
            .lon = (double)i,
        };
        if (index_put(w, &d) != INDEX_OK) {
            fprintf(stderr, "index_put: %s\n", index_last_error());
            exit(1);
        }
    }
    if (index_commit(w, 1) != INDEX_OK || index_reader_open(dir, &reader) != INDEX_OK) {
        fprintf(stderr, "index: %s\n", index_last_error());
        exit(1);
    }
    index_writer_close(w);
    return 0;
}

static bool known_id(const char *id)
{
    for (size_t i = 0; i < NDOCS; i++)
        if (strcmp(id, ids[i]) == 0)
            return true;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const langs[] = {"en", "fr", "de", "el", "es", "pl", "zz", ""};
    if (reader == NULL)
        LLVMFuzzerInitialize(NULL, NULL);
    if (size < 2)
        return 0;
    index_query q = index_query_default();
    q.sort = (index_sort)(data[0] & 3);
    q.page = 1 + ((data[0] >> 2) & 1);
    q.per_page = (data[0] & 8) ? 2 : 20;
    q.facets = (data[0] & 16) ? (1u << INDEX_FACET_COUNT) - 1 : 0;
    if (data[0] & 32)
        q.filter.kinds = 1u << INDEX_KIND_PROFILE;
    q.partial = (data[0] & 64) != 0;
    q.language = index_cstr(langs[data[1] & 7]);
    q.q = (index_str){(const char *)data + 2, size - 2};

    index_result *res = NULL;
    int rc = index_search(reader, &q, &res);
    FUZZ_CHECK(rc == INDEX_OK || (rc == INDEX_EINVAL && size - 2 > 16384));
    if (rc == INDEX_OK) {
        FUZZ_CHECK(res->total <= NDOCS);
        FUZZ_CHECK(res->hits_len <= q.per_page && res->hits_len <= res->total);
        if (res->partial)
            FUZZ_CHECK(q.partial && res->total > 0 && res->matched_words >= 1 &&
                       res->matched_words < res->words_len);
        else
            FUZZ_CHECK(res->matched_words == res->words_len);
        for (size_t i = 0; i < res->hits_len; i++)
            FUZZ_CHECK(known_id(res->hits[i].id) && res->hits[i].snippet != NULL);
        for (size_t f = 0; f < INDEX_FACET_COUNT; f++)
            for (size_t i = 0; res->facets[f].name != NULL && i < res->facets[f].len; i++)
                FUZZ_CHECK(res->facets[f].values[i].count <= res->total || res->corrected);
        index_result_free(res);
    }

    index_suggestions *s = NULL;
    uint32_t limit = 1 + data[1] % 50;
    rc = index_suggest(reader, q.q, limit, &s);
    FUZZ_CHECK(rc == INDEX_OK || (rc == INDEX_EINVAL && size - 2 > 16384));
    if (rc == INDEX_OK) {
        FUZZ_CHECK(s->len <= limit);
        for (size_t i = 0; i < s->len; i++)
            FUZZ_CHECK(s->items[i].text != NULL && s->items[i].text[0] != '\0');
        index_suggestions_free(s);
    }
    return 0;
}
