/*
 * test_index.c: the index module against a real Xapian database in a temporary directory.
 * Written in C on purpose, so the header is proven usable from C. Covers folding, scripts,
 * stemming, ranking, filters and exact facet counts against a brute-force count over
 * random documents, pagination edges, catalogue view, deletes, the sequence number across
 * reopen, reader refresh, suggest, map grouping, hostile input and the parallel builder.
 * Timings of loads and searches are bench/index's (bench_index), not a test's.
 */
#include "index/index.h"
#include "check.h"
#include "core/feed.h"
#include "core/store.h"
#include "index/records.h"
#include "synth.h"

#include <ftw.h>
#include <time.h>
#include <unistd.h>

static char tmp_root[256];
static int dir_counter;

static int rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

/* A fresh directory for one index (removed at exit with the root). */
static const char *new_dir(void)
{
    static char buf[300];
    snprintf(buf, sizeof buf, "%s/db%d", tmp_root, dir_counter++);
    return buf;
}

static index_writer *open_writer(const char *dir)
{
    index_writer_options opt = {.bulk = false, .no_sync = true};
    index_writer *w = NULL;
    int rc = index_writer_open(dir, &opt, &w);
    if (rc)
        fprintf(stderr, "writer open: %s\n", index_last_error());
    CHECK_EQ(rc, 0);
    return w;
}

static index_reader *open_reader(const char *dir)
{
    index_reader *r = NULL;
    CHECK_EQ(index_reader_open(dir, &r), 0);
    return r;
}

static index_doc mkdoc(const char *id, const char *name, const char *desc)
{
    index_doc d;
    memset(&d, 0, sizeof d);
    d.id = index_cstr(id);
    d.kind = INDEX_KIND_PROFILE;
    d.type = index_cstr("cluster_organisation");
    d.name = index_cstr(name);
    d.description = index_cstr(desc);
    d.country = index_cstr("FR");
    return d;
}

static void put(index_writer *w, const index_doc *d)
{
    int rc = index_put(w, d);
    if (rc)
        fprintf(stderr, "put: %s\n", index_last_error());
    CHECK_EQ(rc, 0);
}

/* Puts docs, commits them as sequence number seq and moves r to that commit. */
static void put_all_and_refresh(index_writer *w, index_reader *r, const index_doc *docs, size_t n,
                                uint64_t seq)
{
    for (size_t i = 0; i < n; i++)
        put(w, &docs[i]);
    CHECK_EQ(index_commit(w, seq), 0);
    CHECK_EQ(index_reader_refresh(r), 1);
}

static index_result *search_q(index_reader *r, const char *q, uint32_t per_page)
{
    index_query qq = index_query_default();
    qq.q = index_cstr(q);
    qq.per_page = per_page;
    index_result *res = NULL;
    int rc = index_search(r, &qq, &res);
    if (rc)
        fprintf(stderr, "search '%s': %s\n", q, index_last_error());
    CHECK_EQ(rc, 0);
    return res;
}

static int has_hit(const index_result *res, const char *id)
{
    for (size_t i = 0; i < res->hits_len; i++)
        if (strcmp(res->hits[i].id, id) == 0)
            return 1;
    return 0;
}

/* Whether query q finds document id. */
static int finds(index_reader *r, const char *q, const char *id)
{
    index_result *res = search_q(r, q, 100);
    int found = has_hit(res, id);
    index_result_free(res);
    return found;
}

/* ---- text ------------------------------------------------------------------------------ */

static void test_fold_function(void)
{
    char buf[64];
    index_fold(index_cstr("Röhr-Mobilité  ŻYWNOŚĆ ß Ærø"), buf, sizeof buf);
    CHECK_STR_EQ(buf, "rohr mobilite zywnosc ss aero");
    index_fold(index_cstr("Ελληνικός ΆΡΗΣ Ёлка"), buf, sizeof buf);
    CHECK_STR_EQ(buf, "ελληνικοσ αρησ елка");
    /* Decomposed input (e + combining acute) folds like precomposed. */
    index_fold(index_cstr("Mobilite\xCC\x81"), buf, sizeof buf);
    CHECK_STR_EQ(buf, "mobilite");
    /* Invalid UTF-8 and control bytes separate words. */
    index_str bad = {"ab\xFF\x01"
                     "cd\xC3",
                     7};
    index_fold(bad, buf, sizeof buf);
    CHECK_STR_EQ(buf, "ab cd");
    /* The full length is returned even when the buffer is short; the cut is clean. */
    CHECK_EQ(index_fold(index_cstr("Żywność"), buf, 3), 7);
    CHECK_STR_EQ(buf, "zy");
}

static void test_folding_and_scripts(void)
{
    const char *dir = new_dir();
    index_writer *w = open_writer(dir);
    index_doc d1 = mkdoc("p1", "Röhr Technik GmbH", "Pipes and valves.");
    index_doc d2 = mkdoc("p2", "Pôle Mobilité Électrique", "Véhicules électriques.");
    index_doc d3 = mkdoc("p3", "Klaster Żywność Polska", "Przetwórstwo żywności.");
    d3.language = index_cstr("pl");
    index_doc d4 = mkdoc("p4", "Новосадска развојна агенција", "Кластер у Новом Саду.");
    d4.language = index_cstr("sr");
    index_doc d5 = mkdoc("p5", "Ελληνικό Σύμπλεγμα Καινοτομίας", "Τεχνολογία και έρευνα.");
    d5.language = index_cstr("el");
    put(w, &d1), put(w, &d2), put(w, &d3), put(w, &d4), put(w, &d5);
    CHECK_EQ(index_commit(w, 5), 0);
    index_reader *r = open_reader(dir);
    CHECK(finds(r, "rohr", "p1"));
    CHECK(finds(r, "RÖHR", "p1"));
    CHECK(finds(r, "mobilite", "p2"));
    CHECK(finds(r, "Mobilité électrique", "p2"));
    CHECK(finds(r, "zywnosc", "p3"));
    CHECK(finds(r, "ŻYWNOŚĆ", "p3"));
    CHECK(finds(r, "Новосадска", "p4"));
    CHECK(finds(r, "новосадска ", "p4"));
    CHECK(finds(r, "ελληνικο", "p5"));
    CHECK(finds(r, "ΚΑΙΝΟΤΟΜΙΑΣ ", "p5"));
    CHECK(!finds(r, "rohr", "p2"));
    index_reader_close(r);
    index_writer_close(w);
}

static void test_stemming_and_ranking(void)
{
    const char *dir = new_dir();
    index_writer *w = open_writer(dir);
    index_doc a = mkdoc("name", "Solar Energy Alliance", "An association of companies.");
    index_doc b = mkdoc("desc", "Northern Partners",
                        "We work on many things including solar projects and a lot of other "
                        "topics such as logistics, training, food and more activities.");
    index_doc c = mkdoc("stem", "Innovation Clusters Network", "Manufacturing companies.");
    put(w, &a), put(w, &b), put(w, &c);
    CHECK_EQ(index_commit(w, 1), 0);
    index_reader *r = open_reader(dir);
    index_result *res = search_q(r, "solar", 20);
    CHECK_EQ(res->total, 2);
    CHECK_STR_EQ(res->hits[0].id, "name");
    CHECK_STR_EQ(res->hits[1].id, "desc");
    CHECK(res->hits[0].score > res->hits[1].score);
    /* The snippet marks the hit, escaped. */
    CHECK(strstr(res->hits[1].snippet, "<mark>solar</mark>") != NULL);
    index_result_free(res);
    CHECK(finds(r, "cluster ", "stem"));
    CHECK(finds(r, "manufacture ", "stem"));
    CHECK(finds(r, "innovations ", "stem"));
    /* Prefix on the last word, but not on earlier ones. */
    CHECK(finds(r, "innova", "stem"));
    CHECK(!finds(r, "innova clusters", "stem"));
    index_reader_close(r);
    index_writer_close(w);
}

/* A frequent word is looked up through its English stem alone (its exact form would double
 * the postings walked): documents in other languages must still be found by it. */
static void test_frequent_word_other_languages(void)
{
    const char *dir = new_dir();
    index_writer *w = open_writer(dir);
    enum { ENGLISH = 1200 };
    char id[32];
    for (int i = 0; i < ENGLISH; i++) {
        snprintf(id, sizeof id, "en%d", i);
        index_doc d = mkdoc(id, "Regional Network", "Members and organisations work together.");
        put(w, &d);
    }
    const char *langs[] = {"de", "fr", "it", "es", "nl", "pl"};
    const char *texts[] = {"Organisations", "Die Organisationen und organisations", "organising",
                           "organisation"};
    int foreign = 0;
    for (size_t l = 0; l < sizeof langs / sizeof *langs; l++)
        for (size_t t = 0; t < sizeof texts / sizeof *texts; t++) {
            snprintf(id, sizeof id, "%s%zu", langs[l], t);
            index_doc d = mkdoc(id, "Netzwerk", texts[t]);
            d.language = index_cstr(langs[l]);
            put(w, &d);
            foreign++;
        }
    CHECK_EQ(index_commit(w, 1), 0);
    index_reader *r = open_reader(dir), *warm = open_reader(dir);
    CHECK_EQ(index_reader_warm(warm), 0);
    const char *queries[] = {"organisations ", "organisation ", "Organisations"};
    for (size_t k = 0; k < sizeof queries / sizeof *queries; k++) {
        index_result *a = search_q(r, queries[k], 100), *b = search_q(warm, queries[k], 100);
        /* Every document holds a word whose English stem is "organis". */
        CHECK_EQ(a->total, ENGLISH + foreign);
        CHECK_EQ(b->total, ENGLISH + foreign);
        for (size_t h = 0; h < a->hits_len && h < b->hits_len; h++)
            CHECK_STR_EQ(a->hits[h].id, b->hits[h].id);
        index_result_free(a);
        index_result_free(b);
    }
    CHECK(finds(r, "organisations", "de1"));
    index_reader_close(r);
    index_reader_close(warm);
    index_writer_close(w);
}

static void test_split_join_synonyms_spelling_snippets(void)
{
    const char *dir = new_dir();
    index_writer *w = open_writer(dir);
    index_doc a = mkdoc("joined", "Cybersecurity Hub", "Protecting <small> firms & more.");
    index_doc b = mkdoc("split", "Cyber Security Alliance", "Networks.");
    index_doc c = mkdoc("syn", "Automotive Valley", "Cars and trucks.");
    index_doc d = mkdoc("spell", "Aerospace Innovation Centre", "Satellites.");
    put(w, &a), put(w, &b), put(w, &c), put(w, &d);
    CHECK_EQ(index_add_synonym(w, index_cstr("vehicle"), index_cstr("Automotive")), 0);
    CHECK_EQ(index_commit(w, 1), 0);
    index_reader *r = open_reader(dir);
    CHECK(finds(r, "cyber security", "joined"));
    CHECK(finds(r, "cyber security", "split"));
    CHECK(finds(r, "cybersecurity", "split"));
    CHECK(finds(r, "cybersecurity", "joined"));
    CHECK(finds(r, "vehicle ", "syn"));
    index_result *res = search_q(r, "inovation ", 20);
    CHECK(res->suggestion != NULL);
    CHECK_STR_EQ(res->suggestion, "innovation");
    CHECK(res->corrected);
    CHECK(has_hit(res, "spell"));
    index_result_free(res);
    res = search_q(r, "protecting", 20);
    CHECK_EQ(res->hits_len, 1);
    CHECK_STR_EQ(res->hits[0].snippet, "<mark>Protecting</mark> &lt;small&gt; firms &amp; more.");
    CHECK(res->suggestion == NULL);
    index_result_free(res);
    index_reader_close(r);
    index_writer_close(w);
}

/* Issue 21: a query is corrected only where a word is found nowhere (never an acronym-sized
 * word, never two edits away below 8 characters) and only to a correction that finds more;
 * a query whose words together find almost nothing falls back, when asked, to the
 * documents holding the most of its words. */
static void test_spelling_restraint_and_partial(void)
{
    const char *dir = new_dir();
    index_writer *w = open_writer(dir);
    index_doc docs[] = {
        mkdoc("est1", "Nord-Est Health Cluster", "Hospitals of the east."),
        mkdoc("est2", "Grand Est Digital", "Software."),
        mkdoc("goods", "Consumer Goods Cluster", "Goods and retail."),
        mkdoc("goods2", "Goods Valley", "Packaging goods."),
        mkdoc("izmir", "Izmir Fashion Cluster", "Garments from Izmir."),
        mkdoc("textil", "Textil Lyon", "Fabrics."),
        mkdoc("kz1", "Klaster Żywności Kraków", "Food."),
        mkdoc("kz2", "Klaster Żywności Poznań", "Food."),
        mkdoc("kz3", "Klaster Żywności Gdańsk", "Food."),
        mkdoc("opole", "Opole Metal Works", "Steel in Opole."),
        mkdoc("kto", "Klaster Turystyki Opole", "Tourism."),
        mkdoc("spell", "Aerospace Innovation Centre", "Satellites."),
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++)
        put(w, &docs[i]);
    CHECK_EQ(index_commit(w, 1), 0);
    index_reader *r = open_reader(dir);

    /* An unknown three-letter acronym is not a typo of "est". */
    index_result *res = search_q(r, "EIT", 20);
    CHECK(res->suggestion == NULL);
    CHECK(!res->corrected);
    CHECK_EQ(res->total, 0);
    index_result_free(res);
    /* "gold" is two edits from "goods": no correction. */
    res = search_q(r, "gold", 20);
    CHECK(res->suggestion == NULL);
    CHECK(!res->corrected);
    index_result_free(res);
    /* A correction that finds nothing either is neither offered nor applied. */
    res = search_q(r, "İzmir tekstil", 20);
    CHECK(res->suggestion == NULL);
    CHECK(!res->corrected);
    CHECK_EQ(res->total, 0);
    index_result_free(res);
    /* A real typo is still corrected. */
    res = search_q(r, "inovation", 20);
    CHECK(res->corrected);
    CHECK(res->suggestion && strcmp(res->suggestion, "innovation") == 0);
    CHECK(has_hit(res, "spell"));
    index_result_free(res);

    /* Partial matches: off by default, then the documents holding two of three words. */
    index_query q = index_query_default();
    q.q = index_cstr("Klaster Żywności Opole");
    res = NULL;
    CHECK_EQ(index_search(r, &q, &res), 0);
    CHECK_EQ(res->total, 0);
    CHECK(!res->partial);
    index_result_free(res);
    q.partial = true;
    CHECK_EQ(index_search(r, &q, &res), 0);
    CHECK(res->partial);
    CHECK_EQ(res->matched_words, 2);
    CHECK_EQ(res->words_len, 3);
    CHECK_EQ(res->total, 3);
    CHECK(has_hit(res, "kz1") && has_hit(res, "kz2") && has_hit(res, "kz3"));
    CHECK(!has_hit(res, "opole"));
    CHECK(!has_hit(res, "kto")); /* The last words typed are dropped first. */
    index_result_free(res);
    /* One word of two: the Izmir cluster. */
    q.q = index_cstr("İzmir tekstil");
    CHECK_EQ(index_search(r, &q, &res), 0);
    CHECK(res->partial);
    CHECK_EQ(res->matched_words, 1);
    CHECK(res->hits_len >= 1 && strcmp(res->hits[0].id, "izmir") == 0);
    index_result_free(res);
    /* A query finding enough is left alone. */
    q.q = index_cstr("klaster zywnosci");
    CHECK_EQ(index_search(r, &q, &res), 0);
    CHECK(!res->partial);
    CHECK_EQ(res->matched_words, 2);
    CHECK_EQ(res->total, 3);
    index_result_free(res);
    /* When the first words find too little, any of the words: Turystyki and Opole. */
    q.q = index_cstr("turystyki opole zywnosci");
    CHECK_EQ(index_search(r, &q, &res), 0);
    CHECK(res->partial);
    CHECK_EQ(res->matched_words, 2);
    CHECK(res->hits_len >= 1 && strcmp(res->hits[0].id, "kto") == 0);
    index_result_free(res);
    index_reader_close(r);
    index_writer_close(w);
}

/* Issue 21: "-word" leaves out the documents holding the word (any form of its stem); a
 * hyphen inside a word ("e-health") is no exclusion. */
static void test_exclusion(void)
{
    const char *dir = new_dir();
    index_writer *w = open_writer(dir);
    index_doc docs[] = {
        mkdoc("dh", "Digital Health Cluster", "Hospitals going digital."),
        mkdoc("hv", "Health Valley", "Medicine."),
        mkdoc("eh", "E-Health Alliance", "Telemedicine and e-health for clinics."),
        mkdoc("dg", "Digitalisation Hub", "Software for health."),
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++)
        put(w, &docs[i]);
    CHECK_EQ(index_commit(w, 1), 0);
    index_reader *r = open_reader(dir);
    for (int warm = 0; warm < 2; warm++) { /* counted by visiting matches, then by bitmaps */
        if (warm)
            CHECK_EQ(index_reader_warm(r), 0);
        index_result *res = search_q(r, "health -digital", 20);
        CHECK_EQ(res->total, 3);
        CHECK(!has_hit(res, "dh"));
        CHECK(has_hit(res, "hv") && has_hit(res, "eh") && has_hit(res, "dg"));
        index_result_free(res);
        res = search_q(r, "-digital", 20);
        CHECK_EQ(res->total, 3);
        CHECK(!has_hit(res, "dh"));
        index_result_free(res);
        res = search_q(r, "health -medicine -telemedicine", 20);
        CHECK_EQ(res->total, 2);
        CHECK(has_hit(res, "dh") && has_hit(res, "dg"));
        index_result_free(res);
        res = search_q(r, "e-health", 20);
        CHECK(has_hit(res, "eh"));
        index_result_free(res);
    }
    index_reader_close(r);
    index_writer_close(w);
}

/* ---- issue 21: the search box as a new user tries it ------------------------------------ */

static index_doc typed_doc(const char *id, const char *type, const char *name, const char *desc,
                           const char *city, const char *lang)
{
    index_doc d = mkdoc(id, name, desc);
    d.type = index_cstr(type);
    d.city = index_cstr(city);
    d.language = index_cstr(lang);
    return d;
}

/* Position of id among the hits, or -1. */
static int hit_pos(const index_result *res, const char *id)
{
    for (size_t i = 0; i < res->hits_len; i++)
        if (strcmp(res->hits[i].id, id) == 0)
            return (int)i;
    return -1;
}

/* Ranking rules: an exact word above its folded form above a stem or prefix; a name holding
 * every query word, in order, above one holding some. */
static void test_ranking_rules(void)
{
    const char *dir = new_dir();
    index_writer *w = open_writer(dir);
    char id[32], name[128];
    /* hydrogen: frequent as written, rarer as the French Hydrogène (so its stem weighs more
     * under BM25 alone). */
    for (int i = 0; i < 12; i++) {
        snprintf(id, sizeof id, "hd%d", i);
        index_doc d = typed_doc(id, "cluster_organisation", "Energy Network",
                                "Hydrogen, hydrogen storage and hydrogen fuel.", "Lille", "en");
        put(w, &d);
    }
    index_doc hx = typed_doc("hx", "cluster_organisation", "Hydrogen Europe Alliance",
                             "Fuel cells and electrolysers for industry, ports and transport.",
                             "Bruxelles", "en");
    index_doc hf =
        typed_doc("hf", "cluster_organisation", "Pôle Hydrogène", "Électrolyse.", "Lyon", "fr");
    put(w, &hx);
    put(w, &hf);
    /* Köln ICT: Kölner names share the stem of Köln; many documents are in Köln. */
    for (int i = 0; i < 6; i++) {
        snprintf(id, sizeof id, "kn%d", i);
        snprintf(name, sizeof name, "Kölner ICT Forum %d", i);
        index_doc d = typed_doc(id, "cluster_organisation", name, "ICT.", "Bonn", "de");
        put(w, &d);
    }
    for (int i = 0; i < 6; i++) {
        snprintf(id, sizeof id, "kc%d", i);
        index_doc d = typed_doc(id, "cluster_organisation", "Digital Rheinland",
                                "Software, ICT and ICT services.", "Köln", "de");
        put(w, &d);
    }
    index_doc ka = typed_doc("ka", "cluster_organisation", "Köln ICT Association",
                             "Eine Vereinigung von Unternehmen der Informations- und "
                             "Kommunikationstechnik, Hochschulen und Forschungseinrichtungen "
                             "der Region mit Veranstaltungen, Projekten und Beratung.",
                             "Köln", "de");
    put(w, &ka);
    /* aero: a Portuguese company whose name stems to "aero" and aerospace clusters. */
    index_doc ae = typed_doc("ae", "cluster_member", "Aerois S.A.", "Componentes.", "Lisboa", "pt");
    put(w, &ae);
    for (int i = 0; i < 5; i++) {
        snprintf(id, sizeof id, "as%d", i);
        snprintf(name, sizeof name, "Aerospace Cluster %c", 'A' + i);
        index_doc d = typed_doc(id, "cluster_organisation", name,
                                "Aerospace suppliers, aerospace research and aerospace training "
                                "for the whole value chain of the region.",
                                "Toulouse", "en");
        put(w, &d);
    }
    /* Order: every word in the name, in order, first. */
    index_doc g1 =
        typed_doc("g1", "cluster_organisation", "Hydrogen Green Valley", "Energy.", "Lille", "en");
    index_doc g2 =
        typed_doc("g2", "cluster_organisation", "Green Hydrogen Cluster", "Energy.", "Lille", "en");
    put(w, &g1);
    put(w, &g2);
    CHECK_EQ(index_commit(w, 1), 0);
    index_reader *r = open_reader(dir);
    for (int warm = 0; warm < 2; warm++) {
        if (warm)
            CHECK_EQ(index_reader_warm(r), 0);
        index_result *res = search_q(r, "hydrogen", 20);
        CHECK(hit_pos(res, "hx") >= 0 && hit_pos(res, "hf") >= 0);
        CHECK_LT(hit_pos(res, "hx"), hit_pos(res, "hf"));  /* Hydrogen above Hydrogène */
        CHECK_LT(hit_pos(res, "hf"), hit_pos(res, "hd0")); /* a name above a description */
        index_result_free(res);
        res = search_q(r, "hydrogène", 20);
        CHECK_EQ(hit_pos(res, "hf"), 0); /* as typed */
        index_result_free(res);
        res = search_q(r, "Köln ICT", 20);
        CHECK_EQ(hit_pos(res, "ka"), 0);
        CHECK_LT(hit_pos(res, "ka"), hit_pos(res, "kn0"));
        index_result_free(res);
        res = search_q(r, "aero", 20);
        CHECK_GT(hit_pos(res, "ae"), 4); /* the five aerospace clusters first */
        for (int i = 0; i < 5; i++) {
            snprintf(id, sizeof id, "as%d", i);
            CHECK(hit_pos(res, id) >= 0 && hit_pos(res, id) < 5);
        }
        index_result_free(res);
        res = search_q(r, "green hydrogen", 20);
        CHECK_EQ(hit_pos(res, "g2"), 0);
        CHECK_EQ(hit_pos(res, "g1"), 1);
        index_result_free(res);
    }
    index_reader_close(r);
    index_writer_close(w);
}

/* Type weights: with no type filter, clusters before their members by default (even when
 * sixty companies named after the word score higher), overridable per query. */
static void test_type_weights(void)
{
    const char *dir = new_dir();
    index_writer *w = open_writer(dir);
    char id[32], name[128];
    for (int i = 0; i < 60; i++) {
        snprintf(id, sizeof id, "m%d", i);
        snprintf(name, sizeof name, "Wine Estate %d", i);
        index_doc d = typed_doc(id, "cluster_member", name, "Wine.", "Bordeaux", "en");
        put(w, &d);
    }
    index_doc c = typed_doc("wc", "cluster_organisation", "Wine Cluster Aquitaine",
                            "A cluster of wine growers, cooperatives, bottlers, laboratories and "
                            "schools working together on exports, training and research.",
                            "Bordeaux", "en");
    index_doc t = typed_doc("wt", "training_provider", "Wine Academy",
                            "Courses for sommeliers, growers and everybody in the trade of the "
                            "region and beyond it.",
                            "Bordeaux", "en");
    put(w, &c);
    put(w, &t);
    CHECK_EQ(index_commit(w, 1), 0);
    index_reader *r = open_reader(dir);
    for (int warm = 0; warm < 2; warm++) {
        if (warm)
            CHECK_EQ(index_reader_warm(r), 0);
        index_result *res = search_q(r, "wine", 10);
        CHECK_EQ(res->total, 62);
        CHECK_EQ(hit_pos(res, "wc"), 0); /* cluster_organisation:2 */
        CHECK_EQ(hit_pos(res, "wt"), 1); /* any other type: 1 */
        index_result_free(res);
        /* Pages stay a partition: the cluster lifted into the first page is not repeated.
         * The scores shown never increase down the order, across pages too, although the
         * clusters lifted above sixty members score less than they do. */
        int seen = 0;
        double last = 1e300;
        for (uint32_t page = 1; page <= 4; page++) {
            index_query q = index_query_default();
            q.q = index_cstr("wine");
            q.per_page = 20;
            q.page = page;
            CHECK_EQ(index_search(r, &q, &res), 0);
            for (size_t i = 0; i < res->hits_len; i++) {
                CHECK(res->hits[i].score > 0);
                CHECK(res->hits[i].score <= last);
                last = res->hits[i].score;
            }
            seen += hit_pos(res, "wc") >= 0;
            if (page == 4)
                CHECK_EQ(res->hits_len, 2);
            index_result_free(res);
        }
        CHECK_EQ(seen, 1);
        /* Overridden: members first, or every type alike (score decides). */
        index_type_weight tw[] = {{index_cstr("cluster_member"), 5}};
        index_query q = index_query_default();
        q.q = index_cstr("wine");
        q.type_weights = tw;
        q.type_weights_len = 1;
        q.type_weights_given = true;
        CHECK_EQ(index_search(r, &q, &res), 0);
        CHECK_EQ(strncmp(res->hits[0].id, "m", 1), 0);
        CHECK(hit_pos(res, "wc") != 0);
        index_result_free(res);
        tw[0].weight = 10;
        CHECK_EQ(index_search(r, &q, &res), INDEX_EINVAL);
    }
    /* The lifted clusters are kept per revision: the same query again gives the same page,
     * and a cluster added in a new revision is lifted too. */
    index_result *a = search_q(r, "wine", 20), *b = search_q(r, "wine", 20);
    CHECK_EQ(a->hits_len, b->hits_len);
    for (size_t i = 0; i < a->hits_len && i < b->hits_len; i++)
        CHECK_STR_EQ(a->hits[i].id, b->hits[i].id);
    CHECK_EQ(hit_pos(a, "wc2"), -1);
    index_result_free(a);
    index_result_free(b);
    index_doc c2 = typed_doc("wc2", "cluster_organisation", "Wine Cluster Loire",
                             "Growers, cooperatives and schools of the wine trade of the Loire "
                             "valley working together on exports, training and research.",
                             "Tours", "en");
    put_all_and_refresh(w, r, &c2, 1, 2);
    a = search_q(r, "wine", 20);
    CHECK(hit_pos(a, "wc2") >= 0 && hit_pos(a, "wc2") < 3);
    index_result_free(a);
    index_reader_close(r);
    index_writer_close(w);
}

/* Kinds: with no kind filter, profiles (clusters first, members too) come before news,
 * partner searches and events that match the words as well, even when those score higher;
 * a type_weight naming their type weighs them again, an empty one weighs all alike. */
static void test_kind_weights(void)
{
    const char *dir = new_dir();
    index_writer *w = open_writer(dir);
    char id[32];
    const index_kind kinds[] = {INDEX_KIND_NEWS, INDEX_KIND_PARTNER_SEARCH, INDEX_KIND_EVENT};
    const char *types[] = {"", "technology", "conference"};
    for (int i = 0; i < 12; i++) {
        snprintf(id, sizeof id, "o%d", i);
        index_doc d = typed_doc(id, types[i % 3], "Treffen in München",
                                "München, München: aus München für München.", "München", "de");
        d.kind = kinds[i % 3];
        put(w, &d);
    }
    index_doc c = typed_doc("mc", "cluster_organisation", "Kompetenznetz Textil",
                            "Ein Netzwerk von Unternehmen, Hochschulen und Instituten der Region "
                            "für Forschung, Ausbildung und Export.",
                            "München", "de");
    index_doc m = typed_doc("mm", "cluster_member", "Textil Werke",
                            "Ein Unternehmen für Garne, Stoffe und technische Textilien aus "
                            "Bayern mit Kunden in ganz Europa.",
                            "München", "de");
    put(w, &c);
    put(w, &m);
    CHECK_EQ(index_commit(w, 1), 0);
    index_reader *r = open_reader(dir);
    for (int warm = 0; warm < 2; warm++) {
        if (warm)
            CHECK_EQ(index_reader_warm(r), 0);
        const char *qs[] = {"munich", "münchen"};
        for (size_t i = 0; i < 2; i++) {
            index_result *res = search_q(r, qs[i], 20);
            CHECK_EQ(res->total, 14);
            CHECK_EQ(hit_pos(res, "mc"), 0);
            CHECK_EQ(hit_pos(res, "mm"), 1);
            index_result_free(res);
        }
        /* Events weighed by their type: above the profiles' default weights. */
        index_type_weight tw[] = {{index_cstr("conference"), 5}};
        index_query q = index_query_default();
        q.q = index_cstr("münchen");
        q.type_weights = tw;
        q.type_weights_len = 1;
        q.type_weights_given = true;
        index_result *res = NULL;
        CHECK_EQ(index_search(r, &q, &res), 0);
        CHECK_STR_EQ(res->hits[0].kind, "event");
        CHECK_EQ(hit_pos(res, "mc"), 4); /* after the four events */
        CHECK(hit_pos(res, "mc") > 0 && hit_pos(res, "mc") < hit_pos(res, "mm"));
        CHECK_LT(hit_pos(res, "mm"), hit_pos(res, "o0")); /* news below the profiles */
        index_result_free(res);
        /* type_weight= (empty): every kind and type alike, the score decides. */
        q.type_weights_len = 0;
        CHECK_EQ(index_search(r, &q, &res), 0);
        CHECK_GT(hit_pos(res, "mc"), 1);
        CHECK_STR_EQ(res->hits[0].name, "Treffen in München");
        index_result_free(res);
    }
    index_reader_close(r);
    index_writer_close(w);
}

/* Places and scripts: English names and transliterations find the local ones. */
static void test_places_and_transliteration(void)
{
    const char *dir = new_dir();
    index_writer *w = open_writer(dir);
    index_doc m = typed_doc("mu", "cluster_organisation", "Kompetenznetz Textil", "Textilien.",
                            "München", "de");
    m.region = index_cstr("Bayern");
    index_doc th = typed_doc("th", "cluster_organisation", "Digital Cluster", "Λογισμικό.",
                             "Θεσσαλονίκη", "el");
    index_doc sy =
        typed_doc("sy", "cluster_organisation", "Σύμπλεγμα Υγείας Αττική", "Υγεία.", "Αθήνα", "el");
    sy.region = index_cstr("Αττική");
    index_doc ky =
        typed_doc("ky", "cluster_organisation", "ІТ Кластер", "Програмування.", "Харків", "uk");
    put(w, &m);
    put(w, &th);
    put(w, &sy);
    put(w, &ky);
    CHECK_EQ(index_commit(w, 1), 0);
    index_reader *r = open_reader(dir);
    const struct {
        const char *q, *id;
    } cases[] = {{"munich", "mu"},       {"Bavaria", "mu"},    {"münchen", "mu"},
                 {"Thessaloniki", "th"}, {"symplegma", "sy"},  {"Athens", "sy"},
                 {"athina", "sy"},       {"Attica", "sy"},     {"kharkiv", "ky"},
                 {"klaster", "ky"},      {"Θεσσαλονίκη", "th"}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        index_result *res = search_q(r, cases[i].q, 20);
        if (!has_hit(res, cases[i].id))
            fprintf(stderr, "%s does not find %s\n", cases[i].q, cases[i].id);
        CHECK(has_hit(res, cases[i].id));
        CHECK_EQ(res->total, 1);
        index_result_free(res);
    }
    index_reader_close(r);
    index_writer_close(w);
}

/* Symbols kept in terms, and quoted phrases. */
static void test_symbols_and_phrases(void)
{
    const char *dir = new_dir();
    index_writer *w = open_writer(dir);
    index_doc docs[] = {
        mkdoc("srl", "Polartek S.r.l.", "Machines for the R and D of dairies."),
        mkdoc("llc", "Smartix L.L.C.", "C and D programming."),
        mkdoc("rd", "Embedded Systems Lab", "R&D in C++ and C# for avionics."),
        mkdoc("eh", "E-Health Alliance", "Telemedicine and e-health for clinics."),
        mkdoc("sc", "Smart City Cluster", "Urban platforms."),
        mkdoc("cs", "City of Smart Factories", "Industry."),
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++)
        put(w, &docs[i]);
    CHECK_EQ(index_commit(w, 1), 0);
    index_reader *r = open_reader(dir);
    const char *only_rd[] = {"r&d", "c++", "C#", "R&D c++"};
    /* The snippet marks the symbol term whole, symbols included. */
    const char *marked[] = {"<mark>R&amp;D</mark> in", "<mark>C++</mark> and",
                            "<mark>C#</mark> for", "<mark>R&amp;D</mark> in <mark>C++</mark>"};
    for (size_t i = 0; i < sizeof only_rd / sizeof *only_rd; i++) {
        index_result *res = search_q(r, only_rd[i], 20);
        CHECK_EQ(res->total, 1);
        CHECK(has_hit(res, "rd"));
        if (!strstr(res->hits[0].snippet, marked[i]))
            fprintf(stderr, "%s: snippet %s\n", only_rd[i], res->hits[0].snippet);
        CHECK(strstr(res->hits[0].snippet, marked[i]) != NULL);
        index_result_free(res);
    }
    index_result *res = search_q(r, "e-health", 20);
    CHECK(has_hit(res, "eh"));
    CHECK_EQ(hit_pos(res, "eh"), 0);
    CHECK_STR_EQ(res->hits[0].snippet, "Telemedicine and <mark>e-health</mark> for clinics.");
    index_result_free(res);
    res = search_q(r, "\"smart city\"", 20);
    CHECK_EQ(res->total, 1);
    CHECK(has_hit(res, "sc"));
    index_result_free(res);
    res = search_q(r, "smart city", 20);
    CHECK_EQ(res->total, 2);
    index_result_free(res);
    res = search_q(r, "\"city smart\" -factories", 20);
    CHECK_EQ(res->total, 0);
    index_result_free(res);
    index_reader_close(r);
    index_writer_close(w);
}

/* Split and joined words: a query's split form finds and ranks the joined form first and
 * the other way round, above documents that hold the words only in their descriptions. */
static void test_split_and_joined_ranking(void)
{
    const char *dir = new_dir();
    index_writer *w = open_writer(dir);
    char id[32], name[128];
    for (int i = 0; i < 8; i++) {
        snprintf(id, sizeof id, "fn%d", i);
        snprintf(name, sizeof name, "Food Network %d", i);
        index_doc d =
            typed_doc(id, "cluster_organisation", name,
                      "Agri food, agri-food and food processing for agri markets.", "Lille", "en");
        put(w, &d);
        snprintf(id, sizeof id, "ms%d", i);
        snprintf(name, sizeof name, "Micro Systems %d", i);
        d = typed_doc(id, "cluster_organisation", name,
                      "Micro electronics, micro sensors and electronics.", "Lille", "en");
        put(w, &d);
        snprintf(id, sizeof id, "cn%d", i);
        snprintf(name, sizeof name, "Care Network %d", i);
        d = typed_doc(id, "cluster_organisation", name,
                      "Healthcare, healthcare services and care homes.", "Lille", "en");
        put(w, &d);
        snprintf(id, sizeof id, "hn%d", i);
        snprintf(name, sizeof name, "Health Network %d", i);
        d = typed_doc(id, "cluster_organisation", name,
                      "Health, e health, health data and the e-health of health care.", "Lille",
                      "en");
        put(w, &d);
    }
    index_doc ag = typed_doc("ag", "cluster_organisation", "Agrifood Cluster Nord",
                             "Farming and processing.", "Arras", "en");
    index_doc me = typed_doc("me", "cluster_organisation", "Microelectronics Cluster",
                             "Chips and sensors.", "Grenoble", "en");
    index_doc hc = typed_doc("hc", "cluster_organisation", "Health Care Cluster",
                             "Hospitals and clinics.", "Nantes", "en");
    index_doc eh = typed_doc("eh", "cluster_organisation", "E-Health Alliance", "Telemedicine.",
                             "Rennes", "en");
    index_doc ej =
        typed_doc("ej", "cluster_organisation", "EHealth Lab", "Telemedicine.", "Brest", "en");
    put(w, &ag);
    put(w, &me);
    put(w, &hc);
    put(w, &eh);
    put(w, &ej);
    CHECK_EQ(index_commit(w, 1), 0);
    index_reader *r = open_reader(dir);
    const struct {
        const char *q, *id;
    } cases[] = {{"agri food", "ag"}, {"micro electronics", "me"}, {"healthcare", "hc"},
                 {"ehealth", "eh"},   {"ehealth", "ej"},           {"e-health", "ej"},
                 {"e-health", "eh"},  {"agrifood", "ag"}};
    for (int warm = 0; warm < 2; warm++) {
        if (warm)
            CHECK_EQ(index_reader_warm(r), 0);
        for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
            index_result *res = search_q(r, cases[i].q, 20);
            int pos = hit_pos(res, cases[i].id);
            if (pos < 0 || pos > 1)
                fprintf(stderr, "%s: %s at %d\n", cases[i].q, cases[i].id, pos);
            CHECK(pos >= 0 && pos <= 1); /* "ehealth", "e-health": both names first */
            index_result_free(res);
        }
    }
    index_reader_close(r);
    index_writer_close(w);
}

/* Landed in part earlier (issue 21): words found in the index are never corrected. */
static void test_no_correction_of_known_words(void)
{
    const char *dir = new_dir();
    index_writer *w = open_writer(dir);
    index_doc docs[] = {
        mkdoc("n1", "Non-profit Cluster", "Non profit."),
        mkdoc("n2", "Non Ferrous Metals", "Non ferrous."),
        mkdoc("n3", "NOT Innovation Agency", "Naczelna Organizacja Techniczna."),
        mkdoc("e1", "Nord-Est Digital", "East."),
        mkdoc("e2", "EIT Food", "Food."),
        mkdoc("g1", "Gold Coast Goods", "Goods."),
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++)
        put(w, &docs[i]);
    CHECK_EQ(index_commit(w, 1), 0);
    index_reader *r = open_reader(dir);
    const char *qs[] = {"NOT", "EIT", "gold"};
    const char *ids[] = {"n3", "e2", "g1"};
    for (size_t i = 0; i < 3; i++) {
        index_result *res = search_q(r, qs[i], 20);
        CHECK(!res->corrected);
        CHECK(res->suggestion == NULL);
        CHECK(has_hit(res, ids[i]));
        index_result_free(res);
    }
    index_reader_close(r);
    index_writer_close(w);
}

static int suggestion_pos(const index_suggestions *s, const char *text)
{
    for (size_t i = 0; i < s->len; i++)
        if (strcmp(s->items[i].text, text) == 0)
            return (int)i;
    return -1;
}

/* Suggestions: words as written, the completed word first, clusters before members, and no
 * names for typing a legal-form fragment. */
static void test_suggest_as_written(void)
{
    const char *dir = new_dir();
    index_writer *w = open_writer(dir);
    char id[32], name[128];
    for (int i = 0; i < 6; i++) {
        snprintf(id, sizeof id, "ha%d", i);
        snprintf(name, sizeof name, "Hydrogen Academy %c", 'A' + i);
        index_doc d = typed_doc(id, "cluster_member", name, "hydrogen", "Paris", "en");
        put(w, &d);
    }
    index_doc hc = typed_doc("hc", "cluster_organisation", "Hydrogen Valley Cluster Normandie",
                             "hydrogen", "Rouen", "fr");
    index_doc docs[] = {
        typed_doc("m1", "cluster_organisation", "Pôle Mobilité", "La mobilité urbaine.", "Lyon",
                  "fr"),
        typed_doc("m2", "cluster_organisation", "Cluster Mobilité", "mobilité durable", "Nantes",
                  "fr"),
        typed_doc("mu1", "cluster_organisation", "München Digital", "Software.", "München", "de"),
        typed_doc("mu2", "cluster_member", "Stadt München", "Verwaltung.", "München", "de"),
        typed_doc("s1", "cluster_organisation", "Σύμπλεγμα Υγείας", "Υγεία.", "Αθήνα", "el"),
        typed_doc("s2", "cluster_organisation", "Σύμπλεγμα Τουρισμού", "Τουρισμός.", "Αθήνα", "el"),
        typed_doc("f1", "cluster_member", "Ferrosys S.A.", "Steel.", "Lisboa", "pt"),
        typed_doc("f2", "cluster_member", "Lumentec S.A.", "Light.", "Porto", "pt"),
        typed_doc("f3", "cluster_member", "Rossi S.r.l.", "Food.", "Roma", "it"),
        typed_doc("f4", "cluster_member", "Müller GmbH", "Metal.", "Köln", "de"),
    };
    put(w, &hc);
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++)
        put(w, &docs[i]);
    CHECK_EQ(index_commit(w, 1), 0);
    index_reader *r = open_reader(dir);
    index_suggestions *s = NULL;
    CHECK_EQ(index_suggest(r, index_cstr("hydrog"), 8, &s), 0);
    CHECK(s->len >= 2);
    CHECK_STR_EQ(s->items[0].text, "hydrogen");
    CHECK(s->items[0].kind == NULL);
    CHECK_STR_EQ(s->items[1].text, "Hydrogen Valley Cluster Normandie"); /* the cluster */
    index_suggestions_free(s);
    CHECK_EQ(index_suggest(r, index_cstr("mobil"), 8, &s), 0);
    CHECK(suggestion_pos(s, "mobilité") >= 0 || suggestion_pos(s, "Mobilité") >= 0);
    CHECK_EQ(suggestion_pos(s, "mobilite"), -1);
    index_suggestions_free(s);
    CHECK_EQ(index_suggest(r, index_cstr("munch"), 8, &s), 0);
    CHECK_EQ(suggestion_pos(s, "München"), 0);
    CHECK_EQ(suggestion_pos(s, "munchen"), -1);
    CHECK_LT(suggestion_pos(s, "München Digital"), suggestion_pos(s, "Stadt München"));
    index_suggestions_free(s);
    CHECK_EQ(index_suggest(r, index_cstr("συμπ"), 8, &s), 0);
    CHECK(suggestion_pos(s, "σύμπλεγμα") == 0 || suggestion_pos(s, "Σύμπλεγμα") == 0);
    index_suggestions_free(s);
    const char *fragments[] = {"a", "s", "srl", "gmbh", "sa"};
    for (size_t i = 0; i < sizeof fragments / sizeof *fragments; i++) {
        CHECK_EQ(index_suggest(r, index_cstr(fragments[i]), 8, &s), 0);
        for (size_t k = 0; k < s->len; k++) {
            if (s->items[k].id == NULL)
                continue;
            const char *n = s->items[k].text;
            if (strstr(n, "S.A.") || strstr(n, "S.r.l.") || strstr(n, "GmbH"))
                fprintf(stderr, "'%s' suggests %s\n", fragments[i], n);
            CHECK(!strstr(n, "S.A.") && !strstr(n, "S.r.l.") && !strstr(n, "GmbH"));
        }
        index_suggestions_free(s);
    }
    /* Their own names still complete. */
    CHECK_EQ(index_suggest(r, index_cstr("ferro"), 8, &s), 0);
    CHECK(suggestion_pos(s, "Ferrosys S.A.") >= 0);
    index_suggestions_free(s);
    index_reader_close(r);
    index_writer_close(w);
}

/* ---- facets against brute force --------------------------------------------------------- */

#define RND_DOCS 300
#define VOCAB 10
static const char *vocab[VOCAB] = {"alpha",   "bravo", "charlie", "delta", "echo",
                                   "foxtrot", "golf",  "hotel",   "india", "juliet"};
static const char *types[4] = {"cluster_organisation", "cluster_member", "policy_institution",
                               "training_provider"};
static const char *countries[6] = {"FR", "DE", "PL", "ES", "IT", "RS"};
static const char *ecos[5] = {"digital", "health", "tourism", "textile", "retail"};

struct rdoc {
    char id[16];
    int kind, type, country, label, eligible;
    int eco[5];
    int word[VOCAB];
    int deleted;
    char name[128], desc[256];
};

static unsigned rng_state;
static unsigned rnd(unsigned n)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return (rng_state >> 8) % n;
}

static int rdoc_matches(const struct rdoc *d, const int *qwords, int nq, const index_filter *f,
                        const int *ft, int nft, const int *fc, int nfc, const int *fe, int nfe)
{
    if (d->deleted)
        return 0;
    for (int i = 0; i < nq; i++)
        if (!d->word[qwords[i]])
            return 0;
    if (f->kinds && !(f->kinds & (1u << d->kind)))
        return 0;
    if (f->labels && !(f->labels & (1u << d->label)))
        return 0;
    if (f->eligible >= 0 && f->eligible != d->eligible)
        return 0;
    int ok = nft == 0;
    for (int i = 0; i < nft; i++)
        ok |= ft[i] == d->type;
    if (!ok)
        return 0;
    ok = nfc == 0;
    for (int i = 0; i < nfc; i++)
        ok |= fc[i] == d->country;
    if (!ok)
        return 0;
    ok = nfe == 0;
    for (int i = 0; i < nfe; i++)
        ok |= d->eco[fe[i]];
    return ok;
}

static uint32_t facet_count(const index_result *res, index_facet_id f, const char *value)
{
    const index_facet *fa = &res->facets[f];
    CHECK(fa->name != NULL);
    for (size_t i = 0; i < fa->len; i++)
        if (strcmp(fa->values[i].value, value) == 0) {
            CHECK_GT(fa->values[i].count, 0);
            return fa->values[i].count;
        }
    return 0;
}

static void put_rdoc(index_writer *w, const struct rdoc *d)
{
    index_str eco_ids[5];
    size_t ne = 0;
    for (int e = 0; e < 5; e++)
        if (d->eco[e])
            eco_ids[ne++] = index_cstr(ecos[e]);
    index_doc x = mkdoc(d->id, d->name, d->desc);
    x.kind = (index_kind)d->kind;
    x.type = index_cstr(types[d->type]);
    x.country = index_cstr(countries[d->country]);
    x.label = (index_label)d->label;
    x.eligible = d->eligible;
    x.ecosystems = eco_ids;
    x.ecosystems_len = ne;
    x.updated_at = 1700000000 + rnd(1000000);
    put(w, &x);
}

static void test_facets_brute_force(void)
{
    static struct rdoc docs[RND_DOCS];
    int nonempty = 0, multipage = 0;
    for (unsigned seed = 1; seed <= 30; seed++) {
        rng_state = seed * 7919u;
        const char *dir = new_dir();
        index_writer *w = open_writer(dir);
        for (int i = 0; i < RND_DOCS; i++) {
            struct rdoc *d = &docs[i];
            memset(d, 0, sizeof *d);
            snprintf(d->id, sizeof d->id, "d%d", i);
            d->kind = rnd(INDEX_KIND_COUNT), d->type = rnd(4), d->country = rnd(6);
            d->label = rnd(INDEX_LABEL_COUNT), d->eligible = rnd(2);
            for (int e = 0; e < 5; e++)
                if (rnd(3) == 0)
                    d->eco[e] = 1;
            int n1 = 1 + rnd(2), n2 = rnd(4);
            for (int k = 0; k < n1; k++) {
                int v = rnd(VOCAB);
                d->word[v] = 1;
                strcat(d->name, vocab[v]), strcat(d->name, " ");
            }
            for (int k = 0; k < n2; k++) {
                int v = rnd(VOCAB);
                d->word[v] = 1;
                strcat(d->desc, vocab[v]), strcat(d->desc, ", ");
            }
            put_rdoc(w, d);
        }
        CHECK_EQ(index_commit(w, seed), 0);
        /* Two readers count differently: `r` from Xapian (small results, no sets built),
         * `warm` from its in-memory sets, first stale (built before the deletes, so they
         * must not be used), then rebuilt. Both must agree with brute force. */
        index_reader *warm = open_reader(dir);
        CHECK_EQ(index_reader_warm(warm), 0);
        index_reader_set_facet_counting(warm, INDEX_FACETS_BY_VALUE);
        /* And a third from its sets, counting each matching document's values. */
        index_reader *bydoc = open_reader(dir);
        index_reader_set_facet_counting(bydoc, INDEX_FACETS_BY_DOCUMENT);
        for (int k = 0; k < 30; k++) { /* Deleted documents must leave every count. */
            int i = rnd(RND_DOCS);
            docs[i].deleted = 1;
            CHECK_EQ(index_delete(w, index_cstr(docs[i].id)), 0);
        }
        for (int k = 0; k < 30; k++) { /* Nor may a replaced document's old facet values. */
            struct rdoc *d = &docs[rnd(RND_DOCS)];
            if (d->deleted)
                continue;
            d->country = rnd(6), d->type = rnd(4), d->label = rnd(INDEX_LABEL_COUNT);
            d->eligible = !d->eligible, d->eco[rnd(5)] ^= 1;
            put_rdoc(w, d);
        }
        CHECK_EQ(index_commit(w, seed + 1), 0);
        index_reader *r = open_reader(dir);
        CHECK_EQ(index_reader_refresh(warm), 1);
        CHECK_EQ(index_reader_refresh(bydoc), 1);
        CHECK_EQ(index_reader_warm(bydoc), 0);
        for (int trial = 0; trial < 40; trial++) {
            if (trial == 20)
                CHECK_EQ(index_reader_warm(warm), 0);
            int qwords[2], nq = rnd(3);
            char qtext[64] = "";
            int typing = rnd(2); /* The last word is a 3-letter prefix still being typed. */
            for (int i = 0; i < nq; i++) {
                qwords[i] = rnd(VOCAB);
                if (typing && i + 1 == nq) {
                    strncat(qtext, vocab[qwords[i]], 3);
                } else {
                    strcat(qtext, vocab[qwords[i]]);
                    strcat(qtext, " ");
                }
            }
            index_query q = index_query_default();
            q.q = index_cstr(qtext);
            q.per_page = 100;
            q.facets = (1u << INDEX_FACET_COUNT) - 1;
            q.sort = (index_sort)rnd(3);
            int ft[2], fc[3], fe[2], nft = rnd(3), nfc = rnd(4), nfe = rnd(3);
            index_str st[2], sc[3], se[2];
            for (int i = 0; i < nft; i++)
                ft[i] = rnd(4), st[i] = index_cstr(types[ft[i]]);
            for (int i = 0; i < nfc; i++)
                fc[i] = rnd(6), sc[i] = index_cstr(countries[fc[i]]);
            for (int i = 0; i < nfe; i++)
                fe[i] = rnd(5), se[i] = index_cstr(ecos[fe[i]]);
            if (rnd(2))
                sc[0] = index_cstr(nfc ? (fc[0] == 0 ? "fr" : countries[fc[0]]) : NULL);
            q.filter.types = st, q.filter.types_len = nft;
            q.filter.countries = sc, q.filter.countries_len = nfc;
            q.filter.ecosystems = se, q.filter.ecosystems_len = nfe;
            q.filter.kinds = rnd(2) ? rnd(1u << INDEX_KIND_COUNT) : 0;
            q.filter.labels = rnd(2) ? rnd(16) : 0;
            q.filter.eligible = (int)rnd(3) - 1;
            if (trial == 0) { /* The unfiltered catalogue view. */
                nq = 0, q.q = index_cstr("");
                nft = nfc = nfe = 0;
                q.filter = index_query_default().filter;
            }

            uint32_t total = 0, kind_c[INDEX_KIND_COUNT] = {0}, label_c[4] = {0}, elig_c[2] = {0};
            uint32_t type_c[4] = {0}, country_c[6] = {0}, eco_c[5] = {0};
            for (int i = 0; i < RND_DOCS; i++) {
                const struct rdoc *d = &docs[i];
                if (!rdoc_matches(d, qwords, nq, &q.filter, ft, nft, fc, nfc, fe, nfe))
                    continue;
                total++, kind_c[d->kind]++, label_c[d->label]++, elig_c[d->eligible]++;
                type_c[d->type]++, country_c[d->country]++;
                for (int e = 0; e < 5; e++)
                    eco_c[e] += d->eco[e];
            }
            /* Walk all pages and compare the union of hits too. */
            uint32_t seen = 0;
            for (uint32_t page = 1;; page++) {
                q.page = page;
                index_result *res = NULL;
                CHECK_EQ(index_search(page % 2 ? r : warm, &q, &res), 0);
                CHECK(!res->corrected);
                CHECK_EQ(res->total, total);
                for (size_t h = 0; h < res->hits_len; h++) {
                    int id = atoi(res->hits[h].id + 1);
                    CHECK(
                        rdoc_matches(&docs[id], qwords, nq, &q.filter, ft, nft, fc, nfc, fe, nfe));
                }
                seen += res->hits_len;
                for (int o = 0; page == 1 && o < 2; o++) {
                    index_result *other = NULL; /* Page 1 from the other readers too. */
                    CHECK_EQ(index_search(o ? bydoc : warm, &q, &other), 0);
                    CHECK_EQ(other->total, total);
                    CHECK_EQ(other->hits_len, res->hits_len);
                    for (size_t h = 0; h < res->hits_len; h++)
                        CHECK_STR_EQ(other->hits[h].id, res->hits[h].id);
                    for (int f = 0; f < INDEX_FACET_COUNT; f++) {
                        CHECK_EQ(other->facets[f].len, res->facets[f].len);
                        for (size_t v = 0; v < res->facets[f].len && v < other->facets[f].len;
                             v++) {
                            CHECK_STR_EQ(other->facets[f].values[v].value,
                                         res->facets[f].values[v].value);
                            CHECK_EQ(other->facets[f].values[v].count,
                                     res->facets[f].values[v].count);
                        }
                    }
                    index_result_free(other);
                }
                if (page == 1) {
                    for (int k = 0; k < INDEX_KIND_COUNT; k++)
                        CHECK_EQ(facet_count(res, INDEX_FACET_KIND, index_kind_name(k)), kind_c[k]);
                    for (int k = 0; k < 4; k++)
                        CHECK_EQ(facet_count(res, INDEX_FACET_LABEL, index_label_name(k)),
                                 label_c[k]);
                    CHECK_EQ(facet_count(res, INDEX_FACET_ELIGIBLE, "false"), elig_c[0]);
                    CHECK_EQ(facet_count(res, INDEX_FACET_ELIGIBLE, "true"), elig_c[1]);
                    for (int k = 0; k < 4; k++)
                        CHECK_EQ(facet_count(res, INDEX_FACET_TYPE, types[k]), type_c[k]);
                    for (int k = 0; k < 6; k++)
                        CHECK_EQ(facet_count(res, INDEX_FACET_COUNTRY, countries[k]), country_c[k]);
                    for (int k = 0; k < 5; k++)
                        CHECK_EQ(facet_count(res, INDEX_FACET_ECOSYSTEM, ecos[k]), eco_c[k]);
                }
                size_t n = res->hits_len;
                index_result_free(res);
                if (n < 100)
                    break;
            }
            CHECK_EQ(seen, total);
            nonempty += total > 0;
            multipage += total > 100;
        }
        index_reader_close(r);
        index_reader_close(warm);
        index_reader_close(bydoc);
        index_writer_close(w);
    }
    /* The random trials must exercise real result sets, several pages long. */
    CHECK_GT(nonempty, 300);
    CHECK_GT(multipage, 5);
}

/* ---- ranking large results from candidates ------------------------------------------------ */

/* Two rankings of one page agree: same total, documents, order and scores. */
static void check_same_page(const index_result *a, const index_result *b)
{
    CHECK_EQ(a->total, b->total);
    CHECK_EQ(a->hits_len, b->hits_len);
    for (size_t h = 0; h < a->hits_len && h < b->hits_len; h++) {
        CHECK_STR_EQ(a->hits[h].id, b->hits[h].id);
        CHECK(a->hits[h].score == b->hits[h].score);
    }
}

/* A large result's page is ranked from each term's top documents when the weights prove no
 * other document can reach it (topdocs.h). Whichever way a page is ranked, it must be the
 * page that weighing every match gives: same documents, order and scores. Words are
 * frequent and spread over names, keywords and descriptions of varied length, so weights
 * differ and tops are far smaller than results; both ways of ranking must occur. */
static void test_candidate_ranking(void)
{
    static const char *words[] = {"network", "energy",  "digital",  "health",   "partners",
                                  "members", "support", "regional", "industry", "research"};
    enum { NDOCS = 3000, NWORDS = sizeof words / sizeof *words };
    rng_state = 4242;
    const char *dir = new_dir();
    index_writer *w = open_writer(dir);
    char id[32], name[256], desc[1024], kw[64];
    for (int i = 0; i < NDOCS; i++) {
        snprintf(id, sizeof id, "c%d", i);
        snprintf(name, sizeof name, "%s %s", words[rnd(NWORDS)], rnd(3) ? "" : words[rnd(NWORDS)]);
        desc[0] = 0;
        for (int k = 0, n = 3 + rnd(40); k < n; k++) {
            /* Skewed: low-numbered words are in most descriptions. */
            strcat(desc, words[rnd(1 + rnd(NWORDS))]);
            strcat(desc, k % 7 == 6 ? ". " : " and ");
        }
        index_doc d = mkdoc(id, name, desc);
        index_str keywords[1] = {index_cstr(strcpy(kw, words[rnd(NWORDS)]))};
        if (rnd(4) == 0)
            d.keywords = keywords, d.keywords_len = 1;
        d.country = index_cstr(countries[rnd(6)]);
        put(w, &d);
    }
    CHECK_EQ(index_commit(w, 1), 0);
    index_reader *all = open_reader(dir), *cand = open_reader(dir), *every = open_reader(dir);
    /* Tops of 20, 80 and 320: many pages are past every depth, and are settled from every
     * match's kept weights instead of going unproven. */
    index_reader *tiny = open_reader(dir);
    index_reader_set_candidates(tiny, 20);
    index_reader_set_candidates(all, 0);
    /* Tops of 50, 200 and 800 documents: relevance ranks a window of the best 20 (index.h). */
    index_reader_set_candidates(cand, 50);
    /* Every result is "small" here: all its matches are candidates. */
    index_reader_set_candidates(every, 1u << 20);
    int settled = 0, unproven = 0; /* Pages of `cand` each way. */
    int every_settled = 0;
    for (int round = 0; round < 2; round++) {
        if (round == 1) { /* A new revision: tops of the old one must not be used. */
            for (int k = 0; k < 300; k++) {
                snprintf(id, sizeof id, "c%d", (int)rnd(NDOCS));
                CHECK_EQ(index_delete(w, index_cstr(id)), 0);
            }
            for (int k = 0; k < 300; k++) {
                snprintf(id, sizeof id, "c%d", (int)rnd(NDOCS));
                index_doc d = mkdoc(id, words[rnd(NWORDS)], words[rnd(NWORDS)]);
                put(w, &d);
            }
            CHECK_EQ(index_commit(w, 2), 0);
            CHECK_EQ(index_reader_refresh(all), 1);
            CHECK_EQ(index_reader_refresh(cand), 1);
            CHECK_EQ(index_reader_refresh(every), 1);
            CHECK_EQ(index_reader_refresh(tiny), 1);
        }
        CHECK_EQ(index_reader_warm(all), 0);
        CHECK_EQ(index_reader_warm(cand), 0);
        CHECK_EQ(index_reader_warm(every), 0);
        CHECK_EQ(index_reader_warm(tiny), 0);
        for (int trial = 0; trial < 300; trial++) {
            char q[128];
            int nw = 1 + rnd(2), typed = rnd(4) == 0;
            q[0] = 0;
            for (int k = 0; k < nw; k++) {
                const char *wd = words[rnd(NWORDS)];
                if (typed && k + 1 == nw)
                    strncat(q, wd, 3 + rnd(3)); /* A prefix being typed: a SYNONYM. */
                else
                    strcat(q, wd), strcat(q, " ");
            }
            index_query qq = index_query_default();
            qq.q = index_cstr(q);
            qq.per_page = 1 + rnd(15);
            qq.page = 1 + rnd(3);
            index_str country[1] = {index_cstr(countries[rnd(6)])};
            if (rnd(4) == 0)
                qq.filter.countries = country, qq.filter.countries_len = 1;
            index_result *a = NULL, *b = NULL;
            CHECK_EQ(index_search(all, &qq, &a), 0);
            CHECK_EQ(index_search(cand, &qq, &b), 0);
            CHECK_EQ(a->ranking, INDEX_RANKED_WHOLE); /* Turned off: never tried. */
            settled += b->ranking == INDEX_RANKED_CANDIDATES;
            unproven += b->ranking == INDEX_RANKED_UNPROVEN;
            check_same_page(a, b);
            index_result *c = NULL;
            CHECK_EQ(index_search(every, &qq, &c), 0);
            CHECK(c->ranking != INDEX_RANKED_UNPROVEN); /* Nothing to bound: never unproven. */
            every_settled += c->ranking == INDEX_RANKED_CANDIDATES;
            check_same_page(a, c);
            index_result *t = NULL;
            CHECK_EQ(index_search(tiny, &qq, &t), 0);
            CHECK(t->ranking != INDEX_RANKED_UNPROVEN);
            check_same_page(a, t);
            index_result_free(t);
            index_result_free(a);
            index_result_free(b);
            index_result_free(c);
        }
    }
    /* The window (index_search's ranking rules) is settled from tops of 50-800 at
     * this size; a page that is not is settled from every match's kept weights, and
     * checked the same above: no page goes unproven. */
    CHECK_EQ(unproven, 0);
    CHECK_GT(settled, 50);
    CHECK_GT(every_settled, 300);
    index_reader_close(all);
    index_reader_close(every);
    index_reader_close(tiny);
    index_reader_close(cand);
    index_writer_close(w);
}

/* Candidates are chosen by weights summed from each unit's own (topdocs.h), and a unit
 * under an AND adds nothing where the AND fails: "healthcare" also runs split, as health
 * AND care, so in a document with health and not care, health weighs nothing. Here 40
 * long documents hold healthcare once and health many times, and 40 short ones hold
 * healthcare three times: the short ones lead. Were health added anyway, the long ones
 * would seem to lead, and once the tops hold every document (no bound left to fail)
 * that wrong page would be taken. */
static void test_candidate_weights_nested_and_stale(void)
{
    const char *dir = new_dir();
    index_writer *w = open_writer(dir);
    char id[32], desc[1024];
    for (int i = 0; i < 90; i++) {
        snprintf(id, sizeof id, "n%d", i);
        if (i < 40) {
            strcpy(desc, "Healthcare.");
            for (int k = 0; k < 12 + i % 5; k++)
                strcat(desc, " Health and wellbeing of the region's people.");
        } else if (i < 80) {
            snprintf(desc, sizeof desc, "Healthcare, healthcare, healthcare%s.",
                     i % 2 ? " and more" : "");
        } else {
            strcpy(desc, "Care homes."); /* care must be a word of the index */
        }
        index_doc d = mkdoc(id, "Organisation", desc);
        put(w, &d);
    }
    CHECK_EQ(index_commit(w, 1), 0);
    index_reader *all = open_reader(dir), *cand = open_reader(dir);
    index_reader_set_candidates(all, 0);
    /* Tops of 50, 200 and 800 (relevance ranks a window of the best 20): the second holds all. */
    index_reader_set_candidates(cand, 50);
    CHECK_EQ(index_reader_warm(all), 0); /* Bitmaps: the total is counted before ranking. */
    CHECK_EQ(index_reader_warm(cand), 0);
    index_query q = index_query_default();
    q.q = index_cstr("healthcare ");
    q.per_page = 8;
    for (int pass = 0; pass < 2; pass++) { /* Weights are built on a unit's second sight. */
        index_result *a = NULL, *b = NULL;
        CHECK_EQ(index_search(all, &q, &a), 0);
        CHECK_EQ(index_search(cand, &q, &b), 0);
        CHECK_EQ(a->total, 80);
        CHECK_EQ(b->total, 80);
        if (pass == 1) {
            CHECK_EQ(b->ranking, INDEX_RANKED_CANDIDATES);
            /* The word's weights are kept, and say what they hold (for /metrics). */
            CHECK_GT(index_candidate_weights_bytes(), 80 * sizeof(double));
        }
        CHECK_EQ(a->hits_len, 8);
        CHECK_EQ(b->hits_len, 8);
        for (size_t h = 0; h < a->hits_len; h++)
            CHECK(atoi(a->hits[h].id + 1) >= 40); /* the short ones lead */
        check_same_page(a, b);
        index_result_free(a);
        index_result_free(b);
    }
    /* "health care" also runs joined, as healthcare: the words and the joined word are
     * the units, as they would be each on its own, so a query that shares a word with it
     * keeps nothing more. Were the whole query one unit, "health" would keep its own. */
    index_query hc = index_query_default();
    hc.q = index_cstr("health care ");
    hc.per_page = 8;
    for (int pass = 0; pass < 2; pass++) {
        index_result *a = NULL, *b = NULL;
        CHECK_EQ(index_search(all, &hc, &a), 0);
        CHECK_EQ(index_search(cand, &hc, &b), 0);
        CHECK_EQ(b->total, 80);
        if (pass == 1)
            CHECK_EQ(b->ranking, INDEX_RANKED_CANDIDATES);
        check_same_page(a, b);
        index_result_free(a);
        index_result_free(b);
    }
    size_t kept = index_candidate_weights_bytes();
    index_query h = index_query_default();
    h.q = index_cstr("health ");
    for (int pass = 0; pass < 2; pass++) {
        index_result *b = NULL;
        CHECK_EQ(index_search(cand, &h, &b), 0);
        CHECK_EQ(b->total, 40);
        index_result_free(b);
    }
    CHECK_EQ(index_candidate_weights_bytes(), kept);
    /* The weights are kept once per process for the newest revision: a reader left behind
     * by a commit ranks every match until it refreshes, and does not empty them. */
    index_reader *stale = open_reader(dir);
    index_reader_set_candidates(stale, 50);
    CHECK_EQ(index_reader_warm(stale), 0);
    index_doc d = mkdoc("late", "Organisation", "Healthcare, healthcare.");
    put(w, &d);
    CHECK_EQ(index_commit(w, 2), 0);
    CHECK_EQ(index_reader_refresh(cand), 1);
    CHECK_EQ(index_reader_warm(cand), 0);
    index_result *res = NULL;
    for (int pass = 0; pass < 2; pass++) {
        CHECK_EQ(index_search(cand, &q, &res), 0);
        CHECK_EQ(res->ranking, pass ? INDEX_RANKED_CANDIDATES : INDEX_RANKED_WHOLE);
        index_result_free(res);
    }
    CHECK_EQ(index_search(stale, &q, &res), 0);
    CHECK_EQ(res->total, 80);
    CHECK_EQ(res->ranking, INDEX_RANKED_WHOLE);
    index_result_free(res);
    CHECK_EQ(index_search(cand, &q, &res), 0);
    CHECK_EQ(res->total, 81);
    CHECK_EQ(res->ranking, INDEX_RANKED_CANDIDATES); /* still there */
    index_result_free(res);
    index_reader_close(stale);
    index_reader_close(all);
    index_reader_close(cand);
    index_writer_close(w);
}

/* Putting a document again unchanged replaces nothing (a new revision would make every
 * reader drop its caches); any change to what it is built from does. */
static void test_unchanged_put_skipped(void)
{
    const char *dir = new_dir();
    index_writer *w = open_writer(dir);
    index_str kw[1] = {index_cstr("solar")};
    index_doc a = mkdoc("same", "Same Name", "Wind turbines.");
    a.keywords = kw, a.keywords_len = 1;
    put(w, &a);
    CHECK_EQ(index_commit(w, 1), 0);
    index_reader *r = open_reader(dir);
    put(w, &a);
    CHECK_EQ(index_writer_pending(w), 0);
    index_str kw2[1] = {index_cstr("hydro")};
    a.keywords = kw2; /* a field that is neither stored nor shown */
    put(w, &a);
    CHECK_EQ(index_writer_pending(w), 1);
    CHECK_EQ(index_commit(w, 2), 0);
    CHECK_EQ(index_reader_refresh(r), 1);
    CHECK(finds(r, "hydro ", "same"));
    CHECK(!finds(r, "solar ", "same"));
    a.updated_at = 5; /* and one that is only a value */
    put(w, &a);
    CHECK_EQ(index_writer_pending(w), 1);
    index_reader_close(r);
    index_writer_close(w);
}

/* ---- the change-log consumer ------------------------------------------------------------- */

static int log_change(core_txn *t, void *arg)
{
    const char *const *kind_id = arg;
    core_txn_log(t, kind_id[0], (core_slice){kind_id[1], strlen(kind_id[1])}, "create");
    return 0;
}

/* A batch of changes that touches no document makes no new revision, so that readers keep
 * their per-revision caches; one that does, does. */
static void test_records_commit_only_changes(void)
{
    char dir[300];
    snprintf(dir, sizeof dir, "%s/feedstore", tmp_root);
    core_store *s = NULL;
    CHECK_EQ(core_store_open(dir, &s, NULL), 0);
    const char *ixdir = new_dir();
    index_writer *w = open_writer(ixdir);
    CHECK_EQ(index_commit(w, 0), 0);
    index_records *x = index_records_new(w);
    core_feed_consumer c = index_records_consumer(x);
    core_feed *f = core_feed_new(s, &c, 1, NULL, NULL);
    index_reader *r = open_reader(ixdir);
    uint64_t seq = 0;

    const char *profile[2] = {"profile", "p1"}, *user[2] = {"user", "u1"};
    CHECK_EQ(core_store_write_sync(s, log_change, (void *)profile, &seq), 0);
    CHECK_EQ(core_feed_catch_up(f), 0); /* a profile that is gone: a delete, committed */
    CHECK_EQ(index_reader_refresh(r), 1);
    CHECK_EQ(index_reader_last_seq(r), seq);
    uint64_t profile_seq = seq;

    for (int i = 0; i < 3; i++) { /* users only: nothing for the index */
        CHECK_EQ(core_store_write_sync(s, log_change, (void *)user, &seq), 0);
        CHECK_EQ(core_feed_catch_up(f), 0);
        CHECK_EQ(core_feed_visible(f), seq);
        CHECK_EQ(index_reader_refresh(r), 0);
        CHECK_EQ(index_reader_last_seq(r), profile_seq);
    }

    CHECK_EQ(core_store_write_sync(s, log_change, (void *)profile, &seq), 0);
    CHECK_EQ(core_feed_catch_up(f), 0);
    CHECK_EQ(index_reader_refresh(r), 1);
    CHECK_EQ(index_reader_last_seq(r), seq);

    index_reader_close(r);
    core_feed_free(f);
    index_records_free(x);
    index_writer_close(w);
    core_store_close(s);
}

/* ---- pagination, catalogue, sorting ------------------------------------------------------ */

static void test_pagination_catalogue_sort(void)
{
    const char *dir = new_dir();
    index_writer *w = open_writer(dir);
    char ids[25][8], names[25][32];
    for (int i = 0; i < 25; i++) {
        snprintf(ids[i], sizeof ids[i], "g%02d", i);
        snprintf(names[i], sizeof names[i], "Group %c widget", 'Z' - i);
        index_doc d = mkdoc(ids[i], names[i], "widget makers");
        d.updated_at = 1000 + i;
        d.kind = i % 2 ? INDEX_KIND_EVENT : INDEX_KIND_PROFILE;
        put(w, &d);
    }
    CHECK_EQ(index_commit(w, 1), 0);
    index_reader *r = open_reader(dir);
    index_query q = index_query_default();
    q.q = index_cstr("widget");
    q.per_page = 1;
    char seen[25] = {0};
    for (uint32_t p = 1; p <= 25; p++) {
        q.page = p;
        index_result *res = NULL;
        CHECK_EQ(index_search(r, &q, &res), 0);
        CHECK_EQ(res->total, 25);
        CHECK_EQ(res->hits_len, 1);
        int id = atoi(res->hits[0].id + 1);
        CHECK(!seen[id]);
        seen[id] = 1;
        index_result_free(res);
    }
    index_result *res = NULL;
    q.page = 26;
    CHECK_EQ(index_search(r, &q, &res), 0);
    CHECK_EQ(res->total, 25);
    CHECK_EQ(res->hits_len, 0);
    index_result_free(res);
    q.page = 4000000000u;
    q.per_page = 100;
    CHECK_EQ(index_search(r, &q, &res), 0);
    CHECK_EQ(res->hits_len, 0);
    index_result_free(res);
    q.page = 0; /* means 1 */
    CHECK_EQ(index_search(r, &q, &res), 0);
    CHECK_EQ(res->hits_len, 25);
    index_result_free(res);
    q.per_page = 101;
    CHECK_EQ(index_search(r, &q, &res), INDEX_EINVAL);
    CHECK(res == NULL);
    CHECK(strlen(index_last_error()) > 0);

    /* Catalogue: empty query, facets, sort by name and by -updated_at. */
    q = index_query_default();
    q.per_page = 100;
    q.facets = 1u << INDEX_FACET_KIND;
    q.sort = INDEX_SORT_NAME;
    CHECK_EQ(index_search(r, &q, &res), 0);
    CHECK_EQ(res->total, 25);
    CHECK_EQ(res->hits_len, 25);
    CHECK_STR_EQ(res->hits[0].name, names[24]);
    CHECK_STR_EQ(res->hits[24].name, names[0]);
    CHECK_EQ(facet_count(res, INDEX_FACET_KIND, "profile"), 13);
    CHECK_EQ(facet_count(res, INDEX_FACET_KIND, "event"), 12);
    CHECK(res->facets[INDEX_FACET_COUNTRY].name == NULL);
    index_result_free(res);
    q.sort = INDEX_SORT_UPDATED_DESC;
    q.q = index_cstr("  \"(*) -- ");
    CHECK_EQ(index_search(r, &q, &res), 0);
    CHECK_EQ(res->total, 25);
    CHECK_STR_EQ(res->hits[0].id, "g24");
    CHECK_STR_EQ(res->hits[24].id, "g00");
    index_result_free(res);
    index_reader_close(r);
    index_writer_close(w);
}

/* ---- writer lifecycle -------------------------------------------------------------------- */

static void test_delete_seq_refresh(void)
{
    const char *dir = new_dir();
    char path[300];
    snprintf(path, sizeof path, "%s", dir);
    index_writer *w = open_writer(path);
    uint64_t seq = 99;
    CHECK_EQ(index_last_seq(w, &seq), 0);
    CHECK_EQ(seq, 0);
    index_doc a = mkdoc("a", "Maritime Cluster", "Ships.");
    index_doc b = mkdoc("b", "Maritime Network", "Ports.");
    put(w, &a), put(w, &b);
    CHECK_EQ(index_commit(w, 41), 0);
    index_reader *r = open_reader(path);
    CHECK_EQ(index_reader_last_seq(r), 41);
    CHECK_EQ(index_reader_refresh(r), 0);
    CHECK(finds(r, "maritime", "a"));

    /* A second writer is refused while the first holds the lock. */
    index_writer *w2 = NULL;
    index_writer_options opt = {0};
    CHECK_EQ(index_writer_open(path, &opt, &w2), INDEX_ELOCKED);
    CHECK(w2 == NULL);

    /* Replace by id, delete, commit: the reader sees it only after refresh. */
    a.name = index_cstr("Harbour Cluster");
    put(w, &a);
    CHECK_EQ(index_delete(w, index_cstr("b")), 0);
    CHECK_EQ(index_delete(w, index_cstr("never-existed")), 0);
    CHECK(finds(r, "maritime", "b"));
    CHECK_EQ(index_writer_pending(w), 3);
    CHECK_EQ(index_commit(w, 42), 0);
    CHECK_EQ(index_writer_pending(w), 0);
    CHECK_EQ(index_reader_refresh(r), 1);
    CHECK_EQ(index_reader_last_seq(r), 42);
    CHECK(!finds(r, "maritime", "b"));
    CHECK(!finds(r, "maritime", "a"));
    CHECK(finds(r, "harbour", "a"));
    /* Its summary is the new one, not the one read before under the same document id. */
    index_result *res = search_q(r, "cluster ", 10);
    CHECK_EQ(res->hits_len, 1);
    CHECK_STR_EQ(res->hits[0].name, "Harbour Cluster");
    index_result_free(res);
    CHECK_EQ(index_reader_doc_count(r), 1);
    index_writer_close(w);

    /* last_seq survives close and reopen. */
    w = open_writer(path);
    CHECK_EQ(index_last_seq(w, &seq), 0);
    CHECK_EQ(seq, 42);
    CHECK_EQ(index_writer_doc_count(w), 1);
    index_writer_close(w);
    index_reader_close(r);

    /* Bad input is refused with a message, not a crash. */
    w = open_writer(new_dir());
    index_doc bad = mkdoc("", "x", "y");
    CHECK_EQ(index_put(w, &bad), INDEX_EINVAL);
    bad = mkdoc("x", "x", "y");
    bad.country = index_cstr("F\nR");
    CHECK_EQ(index_put(w, &bad), INDEX_EINVAL);
    bad = mkdoc("x", "x", "y");
    bad.has_geo = true, bad.lat = 91;
    CHECK_EQ(index_put(w, &bad), INDEX_EINVAL);
    CHECK_EQ(index_put(NULL, &bad), INDEX_EINVAL);
    index_writer_close(w);
}

/* ---- suggest and map --------------------------------------------------------------------- */

static int suggests(index_reader *r, const char *prefix, const char *id)
{
    index_suggestions *s = NULL;
    CHECK_EQ(index_suggest(r, index_cstr(prefix), 8, &s), 0);
    int found = 0;
    for (size_t i = 0; i < s->len; i++)
        if (s->items[i].id && strcmp(s->items[i].id, id) == 0)
            found = 1;
    index_suggestions_free(s);
    return found;
}

static void test_suggest(void)
{
    const char *dir = new_dir();
    index_writer *w = open_writer(dir);
    index_doc a = mkdoc("aero", "Aerospace Valley", "Aircraft and satellites.");
    index_doc b = mkdoc("aeron", "Aeronautics Hub", "Aircraft parts.");
    index_doc c = mkdoc("baltic", "Baltic Sea Cluster", "Maritime.");
    index_doc d = mkdoc("ev", "Événements Lyon", "Events.");
    d.kind = INDEX_KIND_EVENT;
    index_doc e = mkdoc("sr", "Новосадска развојна агенција", "");
    put(w, &a), put(w, &b), put(w, &c), put(w, &d), put(w, &e);
    CHECK_EQ(index_commit(w, 1), 0);
    index_reader *r = open_reader(dir);
    CHECK(suggests(r, "aer", "aero"));
    CHECK(suggests(r, "Aer", "aeron"));
    CHECK(!suggests(r, "aer", "baltic"));
    CHECK(suggests(r, "sea c", "baltic"));      /* a later word of the name */
    CHECK(suggests(r, "aerspace", "aero"));     /* one missing letter */
    CHECK(suggests(r, "aerosapce", "aero"));    /* swapped letters */
    CHECK(suggests(r, "aeronautocs", "aeron")); /* a wrong letter */
    CHECK(suggests(r, "abltic", "baltic"));     /* swap of the first two */
    CHECK(suggests(r, "evene", "ev"));
    CHECK(!suggests(r, "axxxspace", "aero"));
    CHECK(suggests(r, "Агенција", "sr")); /* a whole non-Latin word as the prefix */
    CHECK(suggests(r, "развојна аге", "sr"));

    index_suggestions *s = NULL;
    CHECK_EQ(index_suggest(r, index_cstr("aero"), 8, &s), 0);
    CHECK_GE(s->len, 2);
    CHECK_STR_EQ(s->items[0].text, "Aeronautics Hub"); /* shorter name first */
    CHECK_STR_EQ(s->items[0].kind, "profile");
    int word = 0;
    for (size_t i = 0; i < s->len; i++)
        word |= s->items[i].id == NULL && strcmp(s->items[i].text, "aircraft") == 0;
    index_suggestions_free(s);
    CHECK_EQ(index_suggest(r, index_cstr("airc"), 8, &s), 0);
    for (size_t i = 0; i < s->len; i++)
        word |= s->items[i].id == NULL && strcmp(s->items[i].text, "aircraft") == 0;
    CHECK(word); /* a frequent word completes too */
    index_suggestions_free(s);
    /* Words completing the key exactly fill the list before names with a typo do. */
    index_doc more[] = {mkdoc("meta", "Meta Lab", ""),
                        mkdoc("g", "G", "Our members share memory chips."),
                        mkdoc("h", "H", "Members and memory.")};
    put_all_and_refresh(w, r, more, 3, 2);
    CHECK(suggests(r, "met", "meta"));
    CHECK(suggests(r, "meya", "meta")); /* a typo, with nothing completing the key */
    CHECK_EQ(index_suggest(r, index_cstr("mem"), 2, &s), 0);
    CHECK_EQ(s->len, 2);
    CHECK(s->items[0].id == NULL && s->items[1].id == NULL); /* "members", "memory" */
    index_suggestions_free(s);
    /* A key that a word completes is not a typo: no names one edit away, however few. */
    index_doc metal[] = {mkdoc("metal", "Metal Works", ""), mkdoc("m1", "M1", "A metric."),
                         mkdoc("m2", "M2", "Metric data.")};
    put_all_and_refresh(w, r, metal, 3, 3);
    CHECK(suggests(r, "metsl", "metal")); /* nothing completes "metsl": a typo */
    CHECK(!suggests(r, "metr", "metal")); /* "metric" completes "metr" */
    CHECK_EQ(index_suggest(r, index_cstr("metr"), 8, &s), 0);
    CHECK_GE(s->len, 1);
    CHECK_STR_EQ(s->items[0].text, "metric");
    index_suggestions_free(s);
    CHECK_EQ(index_suggest(r, index_cstr(""), 8, &s), 0);
    CHECK_EQ(s->len, 0);
    index_suggestions_free(s);
    CHECK_EQ(index_suggest(r, index_cstr("a"), 0, &s), INDEX_EINVAL);
    index_reader_close(r);
    index_writer_close(w);
}

/* Whether two suggestion lists are the same, item by item; says where they differ. */
static bool same_suggestions(const char *key, const index_suggestions *a,
                             const index_suggestions *b)
{
    bool same = a->len == b->len;
    for (size_t i = 0; same && i < a->len; i++) {
        const index_suggestion *x = &a->items[i], *y = &b->items[i];
        same = strcmp(x->text, y->text) == 0 && (x->id == NULL) == (y->id == NULL) &&
               (x->id == NULL || strcmp(x->id, y->id) == 0) &&
               (x->kind == NULL) == (y->kind == NULL) &&
               (x->kind == NULL || strcmp(x->kind, y->kind) == 0);
    }
    if (!same)
        fprintf(stderr, "'%s': %zu suggestions from the index, %zu from memory\n", key, a->len,
                b->len);
    return same;
}

/* Suggests key from both readers; true when the lists are the same and `mem`'s came from
 * its completions exactly when `from_memory` says (-1: either way). */
static bool suggest_both(index_reader *plain, index_reader *mem, const char *key, int from_memory)
{
    index_suggestions *a = NULL, *b = NULL;
    CHECK_EQ(index_suggest(plain, index_cstr(key), 8, &a), 0);
    int rc = index_suggest(mem, index_cstr(key), 8, &b);
    if (rc)
        fprintf(stderr, "suggest '%s' from memory: %s\n", key, index_last_error());
    CHECK_EQ(rc, 0);
    CHECK(!a->from_memory);
    bool ok = same_suggestions(key, a, b) && (from_memory < 0 || b->from_memory == from_memory);
    if (from_memory >= 0 && b->from_memory != from_memory)
        fprintf(stderr, "'%s': from memory %d, expected %d\n", key, b->from_memory, from_memory);
    index_suggestions_free(a);
    index_suggestions_free(b);
    return ok;
}

static void wait_for_completions(index_reader *r)
{
    for (int i = 0; i < 3000 && !index_reader_completions_current(r); i++)
        usleep(10 * 1000);
    CHECK(index_reader_completions_current(r));
}

/* Suggestions from the completions kept in memory are those read from the index, and only
 * a copy of the reader's own commit is used: after a change, until the copy is rebuilt,
 * they come from the index. */
static void test_suggest_from_memory(void)
{
    const char *dir = new_dir();
    index_writer *w = open_writer(dir);
    synth_init();
    enum { N = 1500 };
    static synth_doc g;
    for (int i = 0; i < N; i++) {
        index_doc d;
        synth_make(i, &g, &d);
        put(w, &d);
    }
    index_doc hand[] = {
        typed_doc("h1", "cluster_organisation", "Hydrogen Valley Cluster", "hydrogen", "Rouen",
                  "fr"),
        typed_doc("h2", "cluster_member", "Hydrogen Academy", "hydrogen", "Paris", "en"),
        typed_doc("m1", "cluster_organisation", "Pôle Mobilité", "La mobilité.", "Lyon", "fr"),
        typed_doc("mu", "cluster_organisation", "München Digital", "Software.", "München", "de"),
        typed_doc("s1", "cluster_organisation", "Σύμπλεγμα Υγείας", "Υγεία.", "Αθήνα", "el"),
        typed_doc("f1", "cluster_member", "Ferrosys S.A.", "Steel.", "Lisboa", "pt"),
        typed_doc("f4", "cluster_member", "Müller GmbH", "Metal.", "Köln", "de"),
    };
    for (size_t i = 0; i < sizeof hand / sizeof *hand; i++)
        put(w, &hand[i]);
    CHECK_EQ(index_commit(w, 1), 0);

    index_completions *c = NULL;
    CHECK_EQ(index_completions_start(dir, &c), 0);
    index_reader *plain = open_reader(dir), *mem = open_reader(dir);
    index_reader_use_completions(mem, c);
    wait_for_completions(mem);

    /* Prefixes of 1 to 6 letters of the names' words, whole names, a typo in each, and the
     * hand-made cases: completed words, written forms, scripts, legal forms, typos. */
    const char *fixed[] = {"hydrog",   "munch", "Münch", "mobil", "συμπ",  "a",
                           "s",        "srl",   "gmbh",  "ferro", "mülle", "hydrogen valley",
                           "aerspace", "zz"};
    int compared = 0, failed = 0;
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++, compared++)
        failed += !suggest_both(plain, mem, fixed[i], 1);
    for (int i = 0; i < N; i += 7) {
        index_doc d;
        synth_make(i, &g, &d);
        char key[160];
        snprintf(key, sizeof key, "%.*s", (int)d.name.len, d.name.ptr);
        failed += !suggest_both(plain, mem, key, 1), compared++;
        size_t len = strlen(key);
        for (size_t n = 1; n <= 6 && n < len; n++) {
            char pre[8];
            memcpy(pre, key + (i % 3 == 0 ? 0 : len - n), n);
            pre[n] = '\0';
            if (pre[0] == ' ')
                continue; /* folds to nothing: no list to read */
            failed += !suggest_both(plain, mem, pre, 1), compared++;
        }
        if (len > 5) {
            char typo[160];
            memcpy(typo, key, 6);
            typo[6] = '\0';
            char t = typo[3];
            typo[3] = typo[4], typo[4] = t;
            failed += !suggest_both(plain, mem, typo, 1), compared++;
        }
    }
    CHECK_GE(compared, 1000);
    CHECK_EQ(failed, 0);

    /* A change: one name deleted, one renamed. Until the copy is rebuilt (no sooner than 2 s
     * after the last build), the reader at the new commit reads the index: an old copy would
     * still hold the deleted document (whose summary no longer exists) and the old name. */
    CHECK_EQ(index_delete(w, index_cstr("h1")), 0);
    index_doc renamed =
        typed_doc("mu", "cluster_organisation", "Berlin Digital", "Software.", "Berlin", "de");
    put(w, &renamed);
    CHECK_EQ(index_commit(w, 2), 0);
    CHECK_EQ(index_reader_refresh(plain), 1);
    CHECK_EQ(index_reader_refresh(mem), 1);
    CHECK(!index_reader_completions_current(mem));
    CHECK(suggest_both(plain, mem, "hydrogen v", 0));
    CHECK(suggest_both(plain, mem, "münchen d", 0));
    CHECK(!suggests(mem, "hydrogen v", "h1"));
    CHECK(!suggests(mem, "münchen d", "mu"));
    CHECK(suggests(mem, "berlin d", "mu"));
    wait_for_completions(mem);
    CHECK(suggest_both(plain, mem, "hydrogen v", 1));
    CHECK(suggest_both(plain, mem, "berlin d", 1));
    CHECK(!suggests(mem, "hydrogen v", "h1"));
    CHECK(suggests(mem, "berlin d", "mu"));
    index_reader_close(plain);
    index_reader_close(mem);
    index_completions_stop(c);
    index_writer_close(w);
}

static void test_map(void)
{
    const char *dir = new_dir();
    index_writer *w = open_writer(dir);
    struct {
        const char *id;
        double lat, lon;
        const char *country;
    } pts[] = {{"paris1", 48.85, 2.35, "FR"},   {"paris2", 48.86, 2.34, "FR"},
               {"paris3", 48.84, 2.36, "FR"},   {"berlin1", 52.52, 13.40, "DE"},
               {"berlin2", 52.51, 13.41, "DE"}, {"nyc", 40.71, -74.0, "US"},
               {"fiji", -17.7, 178.0, "FJ"}};
    for (size_t i = 0; i < sizeof pts / sizeof pts[0]; i++) {
        index_doc d = mkdoc(pts[i].id, pts[i].id, "");
        d.has_geo = true, d.lat = pts[i].lat, d.lon = pts[i].lon;
        d.country = index_cstr(pts[i].country);
        put(w, &d);
    }
    index_doc nogeo = mkdoc("nogeo", "No Place", "");
    put(w, &nogeo);
    CHECK_EQ(index_commit(w, 1), 0);
    index_reader *r = open_reader(dir);
    index_bbox europe = {-10, 35, 30, 60};
    index_map_result *m = NULL;
    CHECK_EQ(index_map(r, &europe, 6, NULL, &m), 0);
    CHECK_EQ(m->total, 5);
    CHECK_EQ(m->len, 2);
    CHECK_EQ(m->cells[0].count, 3);
    CHECK_EQ(m->cells[0].ids_len, 3);
    CHECK_DBL_NEAR(m->cells[0].lat, 48.85, 1e-9);
    CHECK_DBL_NEAR(m->cells[0].lon, 2.35, 1e-9);
    CHECK_EQ(m->cells[1].count, 2);
    index_map_result_free(m);
    /* Zoomed right in, Paris splits; zoomed out, Europe is one cell. */
    CHECK_EQ(index_map(r, &europe, 16, NULL, &m), 0);
    CHECK_EQ(m->len, 5);
    index_map_result_free(m);
    CHECK_EQ(index_map(r, &europe, 0, NULL, &m), 0);
    CHECK_EQ(m->len, 1);
    CHECK_EQ(m->cells[0].count, 5);
    index_map_result_free(m);
    /* Filters apply. */
    index_str de = index_cstr("DE");
    index_filter f = {0};
    f.eligible = -1, f.countries = &de, f.countries_len = 1;
    CHECK_EQ(index_map(r, &europe, 6, &f, &m), 0);
    CHECK_EQ(m->total, 2);
    index_map_result_free(m);
    /* Across the antimeridian. */
    index_bbox pacific = {170, -30, -60, 50};
    CHECK_EQ(index_map(r, &pacific, 3, NULL, &m), 0);
    CHECK_EQ(m->total, 2);
    index_map_result_free(m);
    index_bbox bad = {0, 10, 10, 5};
    CHECK_EQ(index_map(r, &bad, 3, NULL, &m), INDEX_EINVAL);
    index_reader_close(r);
    index_writer_close(w);
}

/* ---- hostile input ----------------------------------------------------------------------- */

static void test_hostile_input(void)
{
    const char *dir = new_dir();
    index_writer *w = open_writer(dir);
    index_doc a = mkdoc("a", "Quantum AND Photonics (Cluster)", "\"Lasers\" OR optics -- NOT");
    put(w, &a);
    CHECK_EQ(index_commit(w, 1), 0);
    index_reader *r = open_reader(dir);
    const char *nasty[] = {"\"",
                           "\"quantum",
                           "(((",
                           ")))quantum",
                           "quantum AND",
                           "NOT",
                           "OR OR OR",
                           "*",
                           "quantum*",
                           "a:b",
                           "title:\"x",
                           "+-~^",
                           "quantum NEAR/3 photonics",
                           "{}[]<>",
                           "\\",
                           "%s%n%x",
                           "'; DROP",
                           "\xF0\x9F\x98\x80 quantum",
                           "\xC0\xAF\xED\xA0\x80"};
    for (size_t i = 0; i < sizeof nasty / sizeof nasty[0]; i++) {
        index_result *res = search_q(r, nasty[i], 20);
        index_result_free(res);
        index_suggestions *s = NULL;
        CHECK_EQ(index_suggest(r, index_cstr(nasty[i]), 8, &s), 0);
        index_suggestions_free(s);
    }
    CHECK(finds(r, "\"quantum\" AND (photonics", "a"));
    static char big[20001];
    rng_state = 4242;
    for (int round = 0; round < 60; round++) {
        size_t len = round < 30 ? rnd(200) : 10000;
        for (size_t i = 0; i < len; i++)
            big[i] = round % 3 == 0 ? (char)rnd(256) : (char)("ab \"()-*:\x01\xC3\xA9"[rnd(12)]);
        index_query q = index_query_default();
        q.q.ptr = big, q.q.len = len;
        q.facets = (1u << INDEX_FACET_COUNT) - 1;
        index_result *res = NULL;
        int rc = index_search(r, &q, &res);
        CHECK_EQ(rc, 0);
        CHECK(res->took_ms < 2000);
        index_result_free(res);
        index_suggestions *s = NULL;
        CHECK_EQ(index_suggest(r, q.q, 8, &s), 0);
        index_suggestions_free(s);
    }
    memset(big, 'x', 20000);
    index_query q = index_query_default();
    q.q.ptr = big, q.q.len = 20000;
    index_result *res = NULL;
    CHECK_EQ(index_search(r, &q, &res), INDEX_EINVAL);
    CHECK_EQ(index_suggest(r, q.q, 8, NULL), INDEX_EINVAL);
    /* Bad filters are the caller's error. */
    index_str bad = {"a\0b", 3};
    q = index_query_default();
    q.filter.types = &bad, q.filter.types_len = 1;
    CHECK_EQ(index_search(r, &q, &res), INDEX_EINVAL);
    q = index_query_default();
    q.filter.eligible = 7;
    CHECK_EQ(index_search(r, &q, &res), INDEX_EINVAL);
    CHECK_STR_EQ(index_strerror(INDEX_EINVAL), "invalid argument");
    index_reader_close(r);
    index_writer_close(w);
}

/* ---- the parallel builder ------------------------------------------------------------ */

static void test_parallel_builder(void)
{
    synth_init();
    char dir[300];
    snprintf(dir, sizeof dir, "%s/built", tmp_root);
    CHECK_EQ(synth_build(dir, 1000, 2, 77), 0);
    index_builder *b = NULL;
    CHECK_EQ(index_builder_open(dir, 2, &b), INDEX_EINVAL); /* target exists */
    index_reader *r = open_reader(dir);
    CHECK_EQ(index_reader_doc_count(r), 1000);
    CHECK_EQ(index_reader_last_seq(r), 77);
    synth_doc g;
    index_doc d;
    synth_make(1, &g, &d); /* from shard 1 */
    CHECK(finds(r, g.name, "p1"));
    /* The merged index is an ordinary one: replace by id works across former shards. */
    index_writer *w = open_writer(dir);
    d.name = index_cstr("Renamed Zeppelin Works");
    put(w, &d);
    CHECK_EQ(index_commit(w, 78), 0);
    index_writer_close(w);
    CHECK_EQ(index_reader_refresh(r), 1);
    CHECK_EQ(index_reader_doc_count(r), 1000);
    CHECK(finds(r, "zeppelin", "p1"));
    index_reader_close(r);
}

int main(void)
{
    snprintf(tmp_root, sizeof tmp_root, "%s/eccpd-index-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    CHECK(mkdtemp(tmp_root) != NULL);
    RUN(test_fold_function);
    RUN(test_folding_and_scripts);
    RUN(test_stemming_and_ranking);
    RUN(test_split_join_synonyms_spelling_snippets);
    RUN(test_spelling_restraint_and_partial);
    RUN(test_exclusion);
    RUN(test_ranking_rules);
    RUN(test_type_weights);
    RUN(test_kind_weights);
    RUN(test_places_and_transliteration);
    RUN(test_symbols_and_phrases);
    RUN(test_split_and_joined_ranking);
    RUN(test_no_correction_of_known_words);
    RUN(test_suggest_as_written);
    RUN(test_frequent_word_other_languages);
    RUN(test_facets_brute_force);
    RUN(test_candidate_ranking);
    RUN(test_candidate_weights_nested_and_stale);
    RUN(test_pagination_catalogue_sort);
    RUN(test_delete_seq_refresh);
    RUN(test_records_commit_only_changes);
    RUN(test_unchanged_put_skipped);
    RUN(test_suggest);
    RUN(test_suggest_from_memory);
    RUN(test_map);
    RUN(test_hostile_input);
    RUN(test_parallel_builder);
    nftw(tmp_root, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}
