/*
 * vocab.h: the closed vocabularies of the API (ecosystems, services, member types,
 * ClusterXchange objectives), the countries with their eligibility for the cluster
 * actions, and the ISO 639-1 languages. All of it is data compiled into the binary from
 * the TSV files of core/data and parsed once, on first use, into immutable tables; after
 * that every lookup is O(1) (countries, languages) or a binary search over at most 64
 * names (vocabularies), allocates nothing and is safe from any thread.
 *
 * Each entry has a small integer id: its position in its table. Countries and languages
 * are numbered in code order; a vocabulary's entries are numbered in the order of
 * vocabularies.tsv, which only ever grows at the end, so an index is a stable bit
 * position for the matcher's bitsets. Ids are stable within one build; store the string
 * identifiers, not the ids.
 *
 * Every string returned here is owned by the vocabulary tables and valid for the life of
 * the process.
 */
#ifndef ECCPD_CORE_VOCAB_H
#define ECCPD_CORE_VOCAB_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* The project's error codes (core/error.h, core_strerror) as this module uses them. */
#define CORE_VOCAB_ENOTFOUND CORE_ENOTFOUND /* no entry with that code or identifier */
#define CORE_VOCAB_EDATA CORE_EINTERNAL     /* the embedded data is malformed (a bug) */
#define CORE_VOCAB_ENOMEM CORE_ENOMEM       /* no memory for the tables */

/* Upper bounds of the tables; the loader refuses data that exceeds them. */
#define CORE_VOCAB_MAX_ENTRIES 64    /* per vocabulary: fits one uint64_t bitset */
#define CORE_COUNTRY_MAX 256         /* so a country id fits in a uint8_t */
#define CORE_LANGUAGE_MAX 256        /* so a language id fits in a uint8_t */
#define CORE_COUNTRY_MAX_LANGUAGES 4 /* main languages listed per country */

/* The closed vocabularies, named after the API's field names. */
typedef enum core_vocab_kind {
    CORE_VOCAB_ECOSYSTEM,   /* `ecosystems`: the 14 EU industrial ecosystems */
    CORE_VOCAB_SERVICE,     /* `services`: cluster-specific activities */
    CORE_VOCAB_MEMBER_TYPE, /* `member_composition` keys */
    CORE_VOCAB_OBJECTIVE,   /* ClusterXchange `objectives` */
    CORE_VOCAB_KIND_COUNT
} core_vocab_kind;

/* One country, as the tables hold it. */
typedef struct core_country {
    const char *code;                              /* ISO 3166-1 alpha-2, upper case */
    const char *name;                              /* English short name, UTF-8 */
    uint8_t eligible;                              /* 1 if it may take part in the
                                                      cluster actions, else 0 */
    uint8_t language_count;                        /* entries used in languages[] */
    uint8_t languages[CORE_COUNTRY_MAX_LANGUAGES]; /* main languages, language ids,
                                                      most used first */
} core_country;

/* One language. */
typedef struct core_language {
    const char *code; /* ISO 639-1, lower case */
    const char *name; /* English name */
} core_language;

/* Parses the embedded data once (later and concurrent calls wait for the first and
 * return its result). Returns 0, CORE_VOCAB_EDATA or CORE_VOCAB_ENOMEM. Calling it is
 * optional, since every lookup initialises on first use, but a server calls it at start
 * so a defect in the data stops it there. After a failure every table is empty. */
int core_vocab_init(void);

/* The API's name of a vocabulary ("ecosystems", "services", "member_composition",
 * "objectives"); NULL for a kind out of range. Static storage. */
const char *core_vocab_kind_name(core_vocab_kind kind);

/* The number of entries of a vocabulary (0 for a kind out of range). */
size_t core_vocab_count(core_vocab_kind kind);

/* The index (>= 0) of the identifier S[0..LEN) in a vocabulary, or CORE_VOCAB_ENOTFOUND.
 * Identifiers match exactly (they are lower case by definition). */
int core_vocab_find(core_vocab_kind kind, const char *s, size_t len);

/* The identifier and display name of entry INDEX, or NULL if out of range. Owned by the
 * vocabulary tables; valid for the life of the process. */
const char *core_vocab_id(core_vocab_kind kind, size_t index);
const char *core_vocab_name(core_vocab_kind kind, size_t index);

/* The number of countries (about 250). */
size_t core_country_count(void);

/* The id (>= 0) of the country with alpha-2 code S[0..LEN), in either case, or
 * CORE_VOCAB_ENOTFOUND (also for any LEN other than 2). O(1). */
int core_country_find(const char *s, size_t len);

/* The country with id ID, or NULL if out of range. Owned by the vocabulary tables; valid
 * for the life of the process. */
const core_country *core_country_at(size_t id);

/* 1 if the country with code S[0..LEN) is eligible for the cluster actions, 0 if it is
 * not, CORE_VOCAB_ENOTFOUND if there is no such country. */
int core_country_eligible(const char *s, size_t len);

/* The number of languages (about 184). */
size_t core_language_count(void);

/* The id (>= 0) of the language with ISO 639-1 code S[0..LEN), in either case, or
 * CORE_VOCAB_ENOTFOUND. O(1). */
int core_language_find(const char *s, size_t len);

/* The language with id ID, or NULL if out of range. Owned by the vocabulary tables;
 * valid for the life of the process. */
const core_language *core_language_at(size_t id);

#endif
