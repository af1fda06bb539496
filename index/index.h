/*
 * index.h: full-text and faceted search over neutral documents, a plain-C face on a Xapian
 * database. Callers describe a record as an `index_doc` (never a core record), one writer
 * applies puts and deletes and commits them together with the change-log sequence number
 * they reflect, and any number of per-thread readers search, complete and map.
 *
 * Invariants: exactly one `index_writer` per index directory (Xapian holds a lock); each
 * `index_reader` is used by one thread at a time; the sequence number stored by
 * `index_commit` is committed atomically with the documents. Text in documents and queries
 * passes through the same folding (Unicode lower case, Latin/Greek/Cyrillic diacritics
 * removed, ß -> ss, ...), so `rohr` finds "Röhr".
 *
 * Errors: every function returning `int` returns 0 or a negative `INDEX_E*` code; no C++
 * exception ever crosses this header. `index_last_error()` gives the message of the last
 * failure on the calling thread. INDEX_EINVAL means the caller's input was refused (an
 * HTTP 400); every other code is the server's problem (500/503).
 *
 * Costs: a put tokenises and stems the document (stems are cached per writer); a commit
 * writes Xapian's tables and syncs them. A search ranks its page from its words' kept
 * weights (Xapian's own, proven to give the page that weighing every match gives; see
 * index_reader_set_candidates) and takes `total`
 * and the facet counts, always exact, from in-memory sets of the matching documents (a
 * few bitwise passes over documents/64 words; see index_reader_warm), or, for a small
 * result right after a commit, from a visit of each match.
 */
#ifndef ECCPD_INDEX_INDEX_H
#define ECCPD_INDEX_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- errors ---------------------------------------------------------------------------- */

/* The index's codes are -101..-199, disjoint from core/'s (-1..-99) and the matcher's
 * (-201..-299), so a code that crosses a boundary unconverted is still recognisable.
 * index_core_error (index/records.h) converts them where a core code is wanted. */

#define INDEX_OK 0
#define INDEX_EINVAL (-101)    /* Bad input from the caller (a 400): id, query, filter. */
#define INDEX_ENOMEM (-102)    /* Out of memory. */
#define INDEX_EIO (-103)       /* The database could not be read or written. */
#define INDEX_ELOCKED (-104)   /* Another writer holds the index. */
#define INDEX_ECORRUPT (-105)  /* The database is damaged or of an unknown format. */
#define INDEX_EMODIFIED (-106) /* The reader's snapshot vanished; refresh and retry. */
#define INDEX_EINTERNAL (-107) /* Anything else (a bug). */
#define INDEX_EFORMAT (-108)   /* Written with another layout (an older eccpd): rebuild it. */

/* A static description of an INDEX_E* code; never NULL. */
const char *index_strerror(int code);

/* The message of the last failed call on this thread ("" if none). Owned by the library,
 * thread-local; valid until the next index_* call on the same thread. */
const char *index_last_error(void);

/* ---- inputs ---------------------------------------------------------------------------- */

/* A byte slice; need not be NUL-terminated. {NULL, 0} means absent. */
typedef struct index_str {
    const char *ptr;
    size_t len;
} index_str;

/* A slice over a NUL-terminated string (NULL gives the absent slice). */
static inline index_str index_cstr(const char *s);

typedef enum index_kind {
    INDEX_KIND_PROFILE = 0,
    INDEX_KIND_PARTNER_SEARCH = 1,
    INDEX_KIND_EVENT = 2,
    INDEX_KIND_XCHANGE = 3,
    INDEX_KIND_NEWS = 4, /* news posted on a profile */
    INDEX_KIND_COUNT = 5
} index_kind;

typedef enum index_label {
    INDEX_LABEL_NONE = 0,
    INDEX_LABEL_BRONZE = 1,
    INDEX_LABEL_SILVER = 2,
    INDEX_LABEL_GOLD = 3,
    INDEX_LABEL_COUNT = 4
} index_label;

/* The API's names: "profile", "partner_search", "event", "xchange", "news" and "none", "bronze",
 * "silver", "gold". Static strings; NULL for a value out of range. */
const char *index_kind_name(index_kind kind);
const char *index_label_name(index_label label);
/* Parses an API name; returns the enum value or -1. */
int index_kind_parse(index_str s);
int index_label_parse(index_str s);

/* A searchable document. Every pointer is only read during index_put. Facet values (type,
 * country, ecosystems) are identifiers of at most 64 bytes without control characters;
 * text fields may be any UTF-8 (invalid bytes separate words). */
typedef struct index_doc {
    index_str id;                     /* Required, opaque, 1..200 bytes; put replaces by id. */
    index_kind kind;                  /* Facet "kind". */
    index_str type;                   /* Facet "type", e.g. "cluster_organisation". */
    index_str name;                   /* Highest weight; also drives index_suggest. */
    index_str acronym;                /* High weight. */
    const index_str *keywords;        /* High weight. */
    size_t keywords_len;              /* Number of keywords. */
    index_str description;            /* Normal weight; the snippet is cut from it. */
    index_str city;                   /* Text, and shown in hits. */
    index_str region;                 /* Text. */
    index_str address;                /* Text (any script). */
    const index_str *ecosystems;      /* Facet "ecosystem": ids, several per document. */
    size_t ecosystems_len;            /* Number of ecosystem ids. */
    const index_str *ecosystem_names; /* Display names of the ecosystems, indexed as text. */
    size_t ecosystem_names_len;       /* Number of display names. */
    index_str country;                /* Facet "country": ISO 3166-1 alpha-2. */
    index_label label;                /* Facet "label". */
    bool eligible;                    /* Facet "eligible". */
    int64_t updated_at;               /* Unix seconds; sort "-updated_at". */
    index_str language;               /* ISO 639-1 for stemming; absent means "en". */
    bool has_geo;                     /* Whether lat/lon are set (and mapped). */
    double lat, lon;                  /* WGS84 degrees. */
    const index_str *tags;            /* Filter-only values ("role:host"), identifiers as
                                       * facet values are: never shown, never counted. */
    size_t tags_len;                  /* Number of tags. */
    const index_str *sought;          /* Facet "countries_sought" (partner searches): ISO
                                       * alpha-2 codes, several per document. */
    size_t sought_len;                /* Number of countries sought. */
    index_str state;                  /* Facet "state" (partner searches: "open" or
                                       * "closed"); absent for other kinds. */
} index_doc;

/* ---- writer ---------------------------------------------------------------------------- */

typedef struct index_writer index_writer;

typedef struct index_writer_options {
    bool bulk;    /* Loading many documents: when the index is empty at open, puts skip the
                   * replace-by-id lookup until the first commit or delete (ids must be
                   * unique until then). */
    bool no_sync; /* Do not fsync on commit (tests, rebuilds that can be redone). */
} index_writer_options;

/* Opens the index in directory `dir`, creating it if needed, as its only writer. `opt` may
 * be NULL (defaults: not bulk, synced). On success *out owns the writer until
 * index_writer_close. INDEX_ELOCKED if another writer holds it. */
int index_writer_open(const char *dir, const index_writer_options *opt, index_writer **out);

/* Closes the writer. Xapian commits changes still pending, under the sequence number of
 * the last index_commit (safe: replaying the change log from there is idempotent). NULL is
 * allowed. */
void index_writer_close(index_writer *w);

/* Adds the document or replaces the one with the same id. Visible after index_commit. */
int index_put(index_writer *w, const index_doc *doc);

/* Removes the document with this id, if any (no error when there is none). */
int index_delete(index_writer *w, index_str id);

/* Commits all puts and deletes since the last commit together with `last_applied_seq`,
 * the change-log sequence number they reflect; both become visible at once. Xapian may
 * also flush a large batch on its own before this call: such a flush carries the previous
 * sequence number, which is safe because puts and deletes replay idempotently. */
int index_commit(index_writer *w, uint64_t last_applied_seq);

/* The sequence number of the last commit (0 for a new index) into *seq. */
int index_last_seq(index_writer *w, uint64_t *seq);

/* Number of documents in the index as the writer sees it (committed or not). */
uint64_t index_writer_doc_count(index_writer *w);

/* Puts and deletes since the last commit (for deciding when to group-commit). */
uint64_t index_writer_pending(index_writer *w);

/* Synonyms hook: a query word `word` also matches `synonym` (both are folded first, so
 * "Mobilité" and "mobilite" are the same word). Committed with the next index_commit. */
int index_add_synonym(index_writer *w, index_str word, index_str synonym);
/* Removes every synonym of `word`. */
int index_clear_synonyms(index_writer *w, index_str word);

/* ---- parallel bulk build --------------------------------------------------------------- */

/* Builds a new index from several threads at once (reindex, first load): each shard is fed
 * by one thread, then the shards are merged into one ordinary index that index_writer_open
 * can update afterwards. Build beside the live index, then swap directories. */
typedef struct index_builder index_builder;

/* Starts a build into `dir`, which must not exist yet (INDEX_EINVAL otherwise); scratch
 * directories "<dir>.shardN" are made beside it and removed by finish or abort. On success
 * *out is owned by the caller until index_builder_finish or index_builder_abort. */
int index_builder_open(const char *dir, unsigned nshards, index_builder **out);

/* Adds a document to shard `shard` (0..nshards-1). Calls for one shard must not overlap;
 * different shards may be fed concurrently. Each id must go to one shard only, once. */
int index_builder_put(index_builder *b, unsigned shard, const index_doc *doc);

/* Merges the shards into `dir` with `last_applied_seq` as its sequence number, removes the
 * scratch directories and frees the builder (also on failure, which leaves no `dir`). */
int index_builder_finish(index_builder *b, uint64_t last_applied_seq);

/* Abandons a build and frees the builder. NULL is allowed. */
void index_builder_abort(index_builder *b);

/* ---- reader ---------------------------------------------------------------------------- */

typedef struct index_reader index_reader;

/* 1 if some document of the reader's revision has type `type`, 0 if none, or a negative
 * INDEX_E* code. */
int index_has_type(index_reader *r, index_str type);

/* Opens a reader on the last commit of the index in `dir`. One thread at a time; open one
 * per worker thread. *out is owned by the caller until index_reader_close. */
int index_reader_open(const char *dir, index_reader **out);

/* NULL is allowed. Frees nothing the caller still holds: results and suggestion lists
 * are independent of the reader. */
void index_reader_close(index_reader *r);

/* Moves the reader to the latest commit if one has happened since it opened (cheap when
 * nothing changed: one small file read). Returns 1 if it moved, 0 if not, or an error. */
int index_reader_refresh(index_reader *r);

/* Builds now what searches would otherwise build on first use at this commit: the
 * in-memory sets of every facet value, from which totals and facet counts of large
 * results are taken. Until then, and again after a refresh that moves the reader, a
 * search whose result holds more than 2,000 documents builds them, and smaller results
 * are counted from Xapian directly. Costs one read of every facet term's postings (15-21
 * ms measured at 188,657 documents); the sets hold documents / 8 bytes per facet value. */
int index_reader_warm(index_reader *r);

/* How a result of per_term matches or more is ranked by relevance: from candidates, the
 * `per_term` documents that weigh most for each of the query's words with all their forms
 * (kept per commit, with what each word weighs in each of its documents, once per
 * process), whenever the
 * weights prove that no other document can reach the page, or else from every match's
 * kept weights; for pages past the first `per_term` documents, and before a term's
 * weights are kept (on its second sight at a commit), by Xapian weighing every match. The
 * page is the same either way, its weights Xapian's summed in another order (equal to
 * the last bit or two); index_result.ranking tells which way it went. 0 weighs every
 * match always (the default is 1000). */
void index_reader_set_candidates(index_reader *r, uint32_t per_term);

/* Bytes the process keeps for ranking from candidates: the words' weights and tops above,
 * shared by every reader, for the newest commit searched. For monitoring. */
size_t index_candidate_weights_bytes(void);

/* How facet values are counted over a match set: the same counts either way, at
 * different costs (index/docsets.h); the default picks the cheaper for each facet and
 * result. For tests and benchmarks. */
typedef enum index_facet_counting {
    INDEX_FACETS_CHEAPEST = 0,
    INDEX_FACETS_BY_VALUE = 1,   /* A popcount against each value's bitmap. */
    INDEX_FACETS_BY_DOCUMENT = 2 /* Each matching document's values looked up. */
} index_facet_counting;
void index_reader_set_facet_counting(index_reader *r, index_facet_counting how);

/* What index_suggest reads (every name key with its documents, the spelling table's
 * words with their written forms), copied into memory for the index's latest commit by a
 * thread of its own, which opens the index in `dir` every half second and, when it has
 * moved, builds a new copy: no sooner than 2 s after the last build ended, nor than ten
 * times what that build took (under steady writes it then costs at most a tenth of a
 * core). About 0.7 s and 23 MB measured at 1.1 million documents (454,000 name keys). One per
 * process; *out is owned by the caller until index_completions_stop, which must come after every
 * reader given it is closed. */
typedef struct index_completions index_completions;
int index_completions_start(const char *dir, index_completions **out);
void index_completions_stop(index_completions *c);

/* Has r answer index_suggest from c whenever c's copy is of r's commit, and from the
 * index otherwise: the suggestions are the same either way, a copy in memory only saves
 * reading the index's blocks. NULL stops it. */
void index_reader_use_completions(index_reader *r, index_completions *c);

/* 1 if r's suggestions are answered from its completions now (c's copy is of r's commit),
 * else 0. */
int index_reader_completions_current(index_reader *r);

/* Sequence number of the commit the reader sees. */
uint64_t index_reader_last_seq(index_reader *r);

/* Number of documents the reader sees. */
uint64_t index_reader_doc_count(index_reader *r);

/* A group of tags (index_doc.tags): a document passes when it has any of them. */
typedef struct index_tag_group {
    const index_str *tags; /* Accepted tags. */
    size_t len;            /* Number of tags (1..256). */
} index_tag_group;

/* Filters: values of one facet OR together, different facets AND. An empty list or a zero
 * mask means "no filter on this facet". */
typedef struct index_filter {
    uint32_t kinds;                    /* Bit (1u << index_kind) per accepted kind; 0 = all. */
    const index_str *types;            /* Accepted types. */
    size_t types_len;                  /* Number of types. */
    const index_str *countries;        /* Accepted countries (ISO alpha-2, any case). */
    size_t countries_len;              /* Number of countries. */
    const index_str *ecosystems;       /* A document matches if it has any of these. */
    size_t ecosystems_len;             /* Number of ecosystems. */
    uint32_t labels;                   /* Bit (1u << index_label) per accepted label; 0 = all. */
    int eligible;                      /* -1 any, 0 only not eligible, 1 only eligible. */
    const index_tag_group *tag_groups; /* Every group must pass (AND); none: no filter. */
    size_t tag_groups_len;             /* Number of groups. */
    const index_str *sought;           /* A document matches if it seeks any of these countries. */
    size_t sought_len;                 /* Number of countries sought. */
    const index_str *states;           /* Accepted states ("open", "closed"). */
    size_t states_len;                 /* Number of states. */
} index_filter;

typedef enum index_sort {
    INDEX_SORT_RELEVANCE = 0,    /* Best match first (for an empty query: index order). */
    INDEX_SORT_NAME = 1,         /* Folded name ascending, then relevance. */
    INDEX_SORT_UPDATED_DESC = 2, /* Newest first ("-updated_at"), then relevance. */
    INDEX_SORT_OPEN_FIRST = 3    /* Documents without a state, then open ones, then closed
                                  * ones, each by relevance. */
} index_sort;

typedef enum index_facet_id {
    INDEX_FACET_KIND = 0,
    INDEX_FACET_TYPE = 1,
    INDEX_FACET_COUNTRY = 2,
    INDEX_FACET_ECOSYSTEM = 3,
    INDEX_FACET_LABEL = 4,
    INDEX_FACET_ELIGIBLE = 5,
    INDEX_FACET_SOUGHT = 6,
    INDEX_FACET_STATE = 7,
    INDEX_FACET_COUNT = 8
} index_facet_id;

/* The API's facet names ("kind", "type", "country", "ecosystem", "label", "eligible",
 * "countries_sought", "state"). */
const char *index_facet_name(index_facet_id f);
int index_facet_parse(index_str s);

/* How much hits of one type are preferred (index_query.type_weights): 0..9, higher first
 * among hits that match the words equally well (see index_search). */
typedef struct index_type_weight {
    index_str type; /* A facet "type" value ("cluster_organisation", an event kind, ...). */
    uint32_t weight;
} index_type_weight;

#define INDEX_TYPE_WEIGHT_MAX 9
/* Weight of a type that type_weights does not list. */
#define INDEX_TYPE_WEIGHT_OTHER 1
/* The defaults (when type_weights_given is false): the platform exists to find clusters,
 * so cluster organisations come first and their members last, every other type between. */
#define INDEX_TYPE_WEIGHTS_DEFAULT "cluster_organisation:2,cluster_member:0"

typedef struct index_query {
    index_str q;         /* Free text; empty lists everything (the catalogue view). At most
                          * 16384 bytes (INDEX_EINVAL beyond); the first 16 words count. */
    index_filter filter; /* See index_filter; a zeroed struct with eligible = -1 is "none". */
    index_sort sort;     /* Order of hits. */
    uint32_t page;       /* 1-based; 0 means 1. A page past the end gives no hits. */
    uint32_t per_page;   /* 1..100; 0 means 20; above 100 is INDEX_EINVAL. */
    uint32_t facets;     /* Bit (1u << index_facet_id) per facet to count. */
    index_str language;  /* Stemming language of the query (ISO 639-1); absent = "en". */
    bool partial;        /* When every word together finds fewer than INDEX_PARTIAL_BELOW
                          * documents (after any spelling correction), answer with the
                          * documents holding the most query words instead (the result says
                          * so in its `partial`). Off in index_query_default. */
    const index_type_weight *type_weights; /* With type_weights_given: the weight of each
                                            * listed type (0..9; unlisted types weigh
                                            * INDEX_TYPE_WEIGHT_OTHER); without it, the
                                            * defaults of INDEX_TYPE_WEIGHTS_DEFAULT. */
    size_t type_weights_len;               /* At most 64. */
    bool type_weights_given;               /* false: the defaults. */
} index_query;

/* Totals below which a query counts as finding "almost nothing": a spelling correction is
 * looked for, and a partial query (index_query.partial) falls back to fewer words. */
#define INDEX_PARTIAL_BELOW 3

/* A zeroed query with filter.eligible = -1: everything, relevance order, page 1 of 20. */
static inline index_query index_query_default(void);

typedef struct index_hit {
    const char *id;      /* The document's id. */
    const char *kind;    /* index_kind_name of its kind. */
    const char *type;    /* Its type ("" if none). */
    const char *name;    /* Its name as given. */
    const char *country; /* Its country ("" if none). */
    const char *city;    /* Its city ("" if none). */
    const char *snippet; /* HTML-escaped excerpt of the description with <mark>..</mark>
                          * around matched words ("" if no description). */
    double score;        /* Relevance weight (0 for an empty query); in relevance order it
                          * never increases from one hit to the next, across pages too: a
                          * hit the ranking rules put above better-scoring ones shows the
                          * highest score below it (index_search). */
} index_hit;

typedef struct index_facet_value {
    const char *value; /* Facet value ("true"/"false" for eligible). */
    uint32_t count;    /* Matching documents with this value. */
} index_facet_value;

typedef struct index_facet {
    const char *name;          /* index_facet_name, or NULL when this facet was not asked. */
    index_facet_value *values; /* Sorted by count descending, then value ascending. */
    size_t len;                /* Number of values. */
} index_facet;

struct index__result_mem;

/* How a result's page was ranked (for monitoring; the page is the same either way). */
typedef enum index_ranking {
    INDEX_RANKED_WHOLE = 0,      /* By Xapian over every match that could reach the page. */
    INDEX_RANKED_CANDIDATES = 1, /* From candidates (index_reader_set_candidates). */
    INDEX_RANKED_UNPROVEN = 2,   /* Candidates tried and not proven, then ranked whole. */
    INDEX_RANKING_COUNT
} index_ranking;

typedef struct index_result {
    uint64_t total;                        /* Exact number of matching documents. */
    index_hit *hits;                       /* The requested page. */
    size_t hits_len;                       /* Number of hits on this page. */
    index_facet facets[INDEX_FACET_COUNT]; /* Indexed by index_facet_id; counts are exact
                                            * over all matches of the query and all filters
                                            * (a facet's own filter included). */
    const char *suggestion;                /* A spelling correction of q (folded words), or NULL.
                                            * Only for a query finding almost nothing, only
                                            * changing words found nowhere in the index, and
                                            * only when the correction finds more. Words of
                                            * fewer than 4 characters (acronyms) are never
                                            * corrected; one edit up to 7 characters, two
                                            * from 8. */
    bool corrected;                 /* q found nothing, so hits and facets are for suggestion. */
    bool partial;                   /* index_query.partial fell back: hits and total are the
                                     * documents holding all but the fewest query words
                                     * (matched_words of words_len), best first. */
    uint32_t matched_words;         /* With partial: how many query words each hit holds at
                                     * least; otherwise words_len. */
    uint32_t words_len;             /* Query words that counted (stop words dropped). */
    double took_ms;                 /* Time spent in index_search. */
    index_ranking ranking;          /* How the page was ranked. */
    struct index__result_mem *mem_; /* Private. */
} index_result;

/* Runs a search. Relevance order follows these rules, each only breaking the ties of the
 * ones before it (the bucket order of the engines that rank by rules, Algolia and
 * Meilisearch among them), over the best 20 matches by score (BM25 with field weights)
 * together with the best of the preferred types for the page (all but the lowest weight, the
 * default: all but cluster members), when no type filter is given:
 *   1. words: more query words in the hit's name or city (in any form: exact, folded,
 *      stem or prefix; two neighbouring query words as one name word, "agri food" in
 *      "Agrifood", or one as two, "ehealth" in "E-Health", count as folded) first;
 *   2. proximity: with two words or more, a name holding every word, in the query's
 *      order and next to each other, first;
 *   3. exactness: per word, its best form in name or city: as typed (case aside:
 *      "Hydrogen" for `hydrogen`) above folded (diacritics aside: "Köln" for `koln`)
 *      above a stem or prefix ("Hydrogène" for `hydrogen`, "Kölner" for `Köln`,
 *      "Aerois" and "Aerospace" for `aero`);
 *   4. kind, then type weight (index_query.type_weights): profiles before documents of
 *      other kinds whose type the weights do not list (not with an empty list), then the
 *      type's weight;
 *   5. score, then index order.
 * Hits past those follow the score. Totals and facets are not affected. A quoted
 * phrase ("smart city") matches only documents holding its words next to each other in
 * one field; words kept whole with their symbols ("c++", "r&d", "e-health") match only
 * those terms (a hyphenated word also its parts); a leading '-' excludes a word.
 * On success *out is a result whose every string and array is owned by it
 * and stays valid until index_result_free, independent of the reader. Hostile input
 * (operators, quotes, brackets, control bytes, invalid UTF-8) is treated as plain text:
 * it gives results, or INDEX_EINVAL for an over-long query or a bad page size. */
int index_search(index_reader *r, const index_query *q, index_result **out);

/* Frees a result and everything it points to. NULL is allowed. */
void index_result_free(index_result *res);

typedef struct index_suggestion {
    const char *text; /* A document name, or a frequent indexed word as the data writes
                       * it ("München", "mobilité"; ASCII words in lower case). */
    const char *kind; /* index_kind_name of the document, or NULL for a word. */
    const char *id;   /* The document's id, or NULL for a word. */
} index_suggestion;

typedef struct index_suggestions {
    index_suggestion *items;        /* Best first. */
    size_t len;                     /* Number of items. */
    bool from_memory;               /* Read from the reader's completions (see there). */
    struct index__result_mem *mem_; /* Private. */
} index_suggestions;

/* As-you-type completion of `prefix` over document names (any word of the name but a
 * legal-form fragment such as "S.A." or "GmbH" may start the match) and frequent indexed
 * words: the completed words first, then names, the types weighing most by default
 * (cluster organisations) before others among equally good names; tolerating one typo after the
 * first character (for prefixes of 3 characters or more). Only the first 80 folded bytes of the
 * prefix count; more than 16384 bytes is INDEX_EINVAL. At most `limit` (1..50) items, best first.
 * On success *out is owned by the caller until index_suggestions_free. */
int index_suggest(index_reader *r, index_str prefix, uint32_t limit, index_suggestions **out);
void index_suggestions_free(index_suggestions *s);

/* Map query: a bounding box in degrees. min_lon > max_lon crosses the antimeridian. */
typedef struct index_bbox {
    double min_lon, min_lat, max_lon, max_lat;
} index_bbox;

typedef struct index_map_cell {
    double lat, lon;  /* Mean position of the cell's documents. */
    uint32_t count;   /* Exact number of documents in the cell. */
    const char **ids; /* Up to INDEX_MAP_IDS_MAX of their ids. */
    size_t ids_len;   /* Number of ids. */
} index_map_cell;

#define INDEX_MAP_IDS_MAX 10

typedef struct index_map_result {
    index_map_cell *cells;          /* Largest cells first. */
    size_t len;                     /* Number of cells. */
    uint64_t total;                 /* Documents inside the bbox and filters. */
    struct index__result_mem *mem_; /* Private. */
} index_map_result;

/* Groups the documents with coordinates inside `bbox` that pass `filter` (may be NULL)
 * into grid cells whose size halves with each zoom level (0..22; a cell is 1/4 of a
 * 256-pixel web map tile of that zoom). On success *out is owned by the caller until
 * index_map_result_free. */
int index_map(index_reader *r, const index_bbox *bbox, uint32_t zoom, const index_filter *filter,
              index_map_result **out);
void index_map_result_free(index_map_result *m);

/* ---- text (exposed for tests and for callers that compare names) ----------------------- */

/* Folds UTF-8 text as the index does (lower case, diacritics removed, runs of non-word
 * characters become one space, trimmed). Writes at most cap-1 bytes and a NUL into buf
 * (cutting at a character boundary) and returns the length of the full folded text. */
size_t index_fold(index_str text, char *buf, size_t cap);

/* ---- inline bodies --------------------------------------------------------------------- */

static inline index_str index_cstr(const char *s)
{
    index_str r;
    r.ptr = s;
    r.len = 0;
    if (s)
        while (s[r.len])
            r.len++;
    return r;
}

static inline index_query index_query_default(void)
{
    index_query q;
    unsigned char *p = (unsigned char *)&q;
    for (size_t i = 0; i < sizeof q; i++)
        p[i] = 0;
    q.filter.eligible = -1;
    return q;
}

#ifdef __cplusplus
}
#endif

#endif
