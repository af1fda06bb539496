/*
 * internal.h: what the index's C++ files share and nothing outside index/ may include.
 *
 * The database layout lives here so writer and reader agree on it:
 *   terms   Q<id> (unique id), K<kind>, T<type>, C<country>, E<ecosystem>, L<label>,
 *           B0/B1 (eligible), D<country sought>, X<state> and X<tag> (tags hold a colon,
 *           states do not) as boolean filters; plain folded words; Z<stem> for each
 *           word whose stem differs from it (queries look a stem up as Z<stem> and as a
 *           plain word), in the document's language and, if that is not English, also
 *           in English (so a word's postings lie within those of Z<its English stem>);
 *           S<folded name suffix> (one per word start of the name, and the folded
 *           acronym) for suggest.
 *   values  SLOT_NAME folded name (sort), SLOT_UPDATED sortable updated_at, SLOT_FACETS the
 *           packed facet record read by the facet counter, SLOT_LAT/SLOT_LON sortable
 *           coordinates for range filters, SLOT_GEO raw coordinates + id for the map,
 *           SLOT_FINGERPRINT the SHA-256 of the index_doc it was built from (a put of an
 *           unchanged document is skipped), SLOT_SUMMARY the summary
 *           (index__summary_encode), enough to render a hit. The summary is a value
 *           rather than the document data because Xapian deflates document data on
 *           every put and inflates it on every read, and values it stores as they are:
 *           13% of a bulk build's CPU, for 14% more index on disk.
 *           Format 5 adds (terms.cc): symbol terms ("c++", "r&d", "e-health") as plain
 *           terms; Latin transliterations of Greek and Cyrillic words and the other
 *           names of the document's city and region (index/data/places.tsv) as plain
 *           words; P<folded word> <folded word> for each pair of adjacent words of a
 *           field (wdf 0: quoted phrases); V<folded> <as written> for words written
 *           with diacritics or in another script (wdf 0: suggestions show them so).
 *   metadata "eccpd.last_seq" (decimal), "eccpd.format".
 * Plain words are lower case or non-ASCII, so they never collide with the upper-case
 * prefixes.
 */
#ifndef ECCPD_INDEX_INTERNAL_H
#define ECCPD_INDEX_INTERNAL_H

#include "index/index.h"

#include <cstdint>
#include <string>
#include <vector>

enum {
    INDEX__SLOT_NAME = 0,
    INDEX__SLOT_UPDATED = 1,
    INDEX__SLOT_FACETS = 2,
    INDEX__SLOT_LAT = 3,
    INDEX__SLOT_LON = 4,
    INDEX__SLOT_GEO = 5,
    INDEX__SLOT_FINGERPRINT = 6,
    INDEX__SLOT_SUMMARY = 7,
    INDEX__SLOT_STATE = 8, /* "0" open, "1" closed, absent without a state (open-first sort) */
};

#define INDEX__META_SEQ "eccpd.last_seq"
#define INDEX__META_FORMAT "eccpd.format"
/* 2: words of non-English documents carry Z<English stem> too; 3: the summary is a value;
 * 4: accepted ClusterXchange registrations are documents (kind xchange, X<tag> terms), and
 * partner searches' facets countries_sought (D<country>) and state (X<state>, SLOT_STATE),
 * so an index of format 3, which lacks them, is rebuilt from the store at start. */
/* 5: symbol terms ("c++", "r&d"), transliterations of Greek and Cyrillic words, the other
 * names of places, P<word> <word> pairs for quoted phrases, V<folded> <written> display
 * forms, and no suggest keys starting at legal-form fragments (terms.cc). */
/* 6: words joined by hyphens also as one word, "e-health" as "ehealth" (terms.cc). */
/* 7: words fold through core's table (core_fold_cp), the one name keys use: letters with
 * hooks and the Latin Extended Additional letters fold to their base letters, й ў ѓ ќ
 * stay, ﬁ -> fi; an index of format 6 holds the old terms and is rebuilt at start. */
#define INDEX__FORMAT "7"

/* Limits that keep terms under Xapian's 245-byte term limit and queries bounded. */
#define INDEX__MAX_ID 200
#define INDEX__MAX_FACET_VALUE 64
#define INDEX__MAX_WORD 64
#define INDEX__MAX_QUERY_BYTES 16384
#define INDEX__MAX_QUERY_WORDS 16
#define INDEX__MAX_SUGGEST_KEY 80

/* Writes a writer's pending documents into its tables (a Xapian commit) without ending a
 * bulk load: later puts still add without looking the id up. For the builder's shards,
 * which commit every few thousand documents because Xapian's in-memory postings grow
 * slower to update as they grow (measured: a 188,657-document rebuild takes 18% less CPU
 * at 2,000 documents a flush than at Xapian's default 10,000). */
int index__writer_flush(index_writer *w);

/* Records `msg` as this thread's last error and returns `code`. */
int index__fail(int code, const std::string &msg);
/* Maps the exception in flight (call inside catch (...)) to a code and message. */
int index__fail_current(void);

/* Appends the folded form of one code point to out (may append nothing for marks):
 * Xapian's lower case, then core_fold_cp (core/text.h). */
void index__fold_cp(uint32_t cp, std::string &out);

/* Decodes one UTF-8 code point at s[*i] (advancing *i); invalid bytes give 0xFFFFFFFF
 * and advance by one. */
uint32_t index__utf8_next(const char *s, size_t len, size_t *i);
bool index__is_wordchar(uint32_t cp);

/* One word of a text: its folded form and where it was in the original bytes. */
struct index__word {
    std::string folded;
    size_t start, end;
    bool ascii_lower = false; /* index__words_lazy left folded empty: it is the ASCII lower
                               * case of the original bytes. */
};
/* Splits text into folded words (word characters of any script; everything else, invalid
 * UTF-8 included, separates). Words longer than INDEX__MAX_WORD bytes are cut at a
 * character boundary. At most max_words words (0 = unlimited). */
void index__words(const char *s, size_t len, std::vector<index__word> &out, size_t max_words);
/* The same words, but a word of plain ASCII letters and digits (of at most INDEX__MAX_WORD
 * bytes) is not folded: its folded form is its lower case, and ascii_lower says so. For
 * callers that look at few of the words they split (a snippet looks for the first match). */
void index__words_lazy(const char *s, size_t len, std::vector<index__word> &out, size_t max_words);

/* ---- terms.cc ---- */

/* Unicode lower case of UTF-8 text, diacritics kept ("München" -> "münchen"). */
std::string index__lower(const char *s, size_t len);

/* A run of words kept whole as one term: words[first..last] of a text joined by '&' or
 * '-', or a word followed by "++" or '#'; term is folded ("r&d", "c++", "e-health"). */
struct index__symbol {
    std::string term;
    size_t first, last; /* Indexes into the words. */
    size_t start, end;  /* Bytes of the text it spans. */
};
void index__symbol_terms(const char *s, size_t len, const std::vector<index__word> &words,
                         std::vector<index__symbol> &out);
/* A symbol term of words joined only by hyphens with the hyphens left out ("e-health" ->
 * "ehealth"); "" for other terms ("r&d", "c++"). */
std::string index__joined(const std::string &term);

/* The Latin transliteration of a folded Greek or Cyrillic word, "" for other words. */
std::string index__translit(const std::string &folded, bool ukrainian);

/* Whether a folded word is a legal-form fragment ("gmbh", "srl", or one letter). */
bool index__legal_fragment(const std::string &folded);

/* The other names of a city or region (index/data/places.tsv), NULL if none. */
const std::vector<std::string> *index__place_names(index_str place);

/* The summary stored in SLOT_SUMMARY: a version byte then length-prefixed fields. */
struct index__summary {
    std::string id, type, name, country, city, text;
    uint8_t kind = 0, label = 0;
    bool eligible = false;
};
std::string index__summary_encode(const index__summary &s);
bool index__summary_decode(const std::string &data, index__summary &s);

/* The packed facet record in SLOT_FACETS: kind, label, eligible bytes, then
 * length-prefixed type, country and state, the number of countries sought and each of
 * them length-prefixed, then the length-prefixed ecosystems to the end. */
struct index__facets {
    uint8_t kind = 0, label = 0, eligible = 0;
    std::string type, country, state;
    std::vector<std::string> sought;
    std::vector<std::string> ecosystems;
};
std::string index__facets_encode(const index__facets &f);

/* Whether an identifier is acceptable as a facet value (1..64 bytes, no control bytes). */
bool index__valid_value(index_str s);
/* Upper-cases ASCII (countries). */
std::string index__upper(index_str s);

#endif
