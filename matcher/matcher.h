/*
 * matcher.h: ClusterXchange best matches, pure C with no I/O.
 *
 * The single writer (the index-writer thread, fed by the store's change log) keeps a
 * matcher_table: it appends, updates and removes registrations through a builder and
 * then publishes an immutable snapshot. Readers take a counted reference to the current
 * snapshot, scan it and release it; a query never waits for an update, and an old
 * snapshot is freed when its last reader releases it. Publishing copies every row into
 * fresh columns, so it costs O(rows): group updates and publish once per batch.
 *
 * A snapshot stores registrations column by column, split by role (a registration that
 * is both host and visitor appears in both parts), so a visitor's query scans only the
 * host columns: bitsets for ecosystems, objectives, languages and target countries, a
 * small integer country id, duration bounds in days and up to MATCHER_WINDOWS
 * availability windows as day numbers. A query is a branch-light scan of one part with
 * a bounded heap of the best k; reasons are written for those k only.
 *
 * The score of a candidate C for an asker A who asks in role R (see matcher_score):
 *   Hard constraints (a candidate failing any is never returned):
 *     - C has the other role (R visitor: C is a host; R host: C is a visitor);
 *     - C's country differs from A's;
 *     - both are eligible;
 *     - the duration ranges meet: need = max(A.min, C.min) <= min(A.max, C.max), and one
 *       availability window of A overlaps one of C by at least `need` days (inclusive);
 *     - whichever side is the host has capacity left (> 0).
 *   Soft terms (integers, summed):
 *     - MATCHER_W_ECOSYSTEM per ecosystem both work in;
 *     - A's country preference: MATCHER_W_COUNTRY if C's country is in A's target
 *       countries, MATCHER_W_ANY_COUNTRY if A's target set is empty (any country);
 *     - mutual interest, the same for A's country in C's target countries;
 *     - MATCHER_W_OBJECTIVE per objective both share;
 *     - MATCHER_W_LANGUAGE if they share at least one language.
 *   Results are ordered by score descending, then external id ascending.
 *   Every term that scores also gives a reason, in this order: "Both work in Digital and
 *   Health", "Germany is on your list of target countries", "They are looking for
 *   visitors from France" (hosts, when a host asks), "You share the objective(s) ...",
 *   "You both speak English". The "any country" credit gives none: it says nothing about
 *   the pair. Last comes what decided the match on dates, which every match has: "You are
 *   both free from 2027-03-01 to 2027-04-15, time for a stay of 5 to 20 days" (the
 *   longest overlap of two windows, and the stay lengths both accept that fit in it).
 *
 * Days are whole days since 1970-01-01 and must lie in [0, 65535); a caller converting
 * "working days" to calendar days does so before it fills a matcher_reg.
 */
#ifndef ECCPD_MATCHER_MATCHER_H
#define ECCPD_MATCHER_MATCHER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Error codes: every function returns 0 or one of these, -201..-299 (disjoint from core/'s
 * and the index's; matcher_core_error in matcher/records.h converts them). */
#define MATCHER_EINVAL (-201) /* an argument is out of range */
#define MATCHER_ENOMEM (-202) /* an allocation failed */
#define MATCHER_ENOENT (-203) /* no registration with that id */
#define MATCHER_ERANGE (-205) /* a batch problem too large for the integer scaling */

/* Returns a static English description of an error code; never NULL. */
const char *matcher_strerror(int err);

/* Table limits. */
#define MATCHER_ECOSYSTEMS 14 /* bits of matcher_reg.ecosystems */
#define MATCHER_OBJECTIVES 7  /* bits of matcher_reg.objectives */
#define MATCHER_LANGUAGES 64  /* bits of matcher_reg.languages */
#define MATCHER_COUNTRIES 64  /* country ids are 0..63 */
#define MATCHER_WINDOWS 4     /* availability windows per registration */
#define MATCHER_MAX_K 1000    /* largest k a query accepts */

/* Roles, as bits of matcher_reg.roles and as the asking role of a query. */
#define MATCHER_ROLE_HOST 1u
#define MATCHER_ROLE_VISITOR 2u

/* Score weights (see the top of this file). The largest possible score is
 * 14*3 + 2*4 + 7*2 + 3 = 67. */
#define MATCHER_W_ECOSYSTEM 3
#define MATCHER_W_COUNTRY 4
#define MATCHER_W_ANY_COUNTRY 2
#define MATCHER_W_OBJECTIVE 2
#define MATCHER_W_LANGUAGE 3

/* An availability window: days since 1970-01-01, both ends included, from <= to. */
typedef struct matcher_window {
    int32_t from; /* first available day */
    int32_t to;   /* last available day */
} matcher_window;

/* One accepted registration as the writer hands it over (and as a query's asker). */
typedef struct matcher_reg {
    uint64_t id;                             /* stable external id, returned in results */
    uint32_t roles;                          /* MATCHER_ROLE_* bits, at least one */
    uint32_t country;                        /* country id < MATCHER_COUNTRIES */
    uint32_t eligible;                       /* nonzero if the country is eligible */
    uint32_t ecosystems;                     /* bitset, bit i = ecosystem i */
    uint32_t objectives;                     /* bitset, bit i = objective i */
    uint64_t languages;                      /* bitset, bit i = language i (a codemap) */
    uint64_t target_countries;               /* bitset over country ids; 0 = any */
    uint32_t duration_min;                   /* shortest stay in days, >= 1 */
    uint32_t duration_max;                   /* longest stay in days, min..65535 */
    uint32_t capacity;                       /* exchanges it can still host (hosts) */
    uint32_t n_windows;                      /* used entries of windows, 1..MATCHER_WINDOWS */
    matcher_window windows[MATCHER_WINDOWS]; /* availability */
} matcher_reg;

/* Checks a registration's fields against the limits above; 0 or MATCHER_EINVAL. */
int matcher_reg_check(const matcher_reg *r);

/* The score of `cand` for `asker` asking in `role` (one MATCHER_ROLE_* bit), or -1 if a
 * hard constraint fails. The reference definition the scan agrees with. */
int matcher_score(const matcher_reg *asker, unsigned role, const matcher_reg *cand);

/* ---- two-letter codes to bit indexes (ISO 639-1 languages, ISO 3166 countries) ---- */

/* Maps two-letter lower-case codes to small indexes; caller storage, no allocation. */
typedef struct matcher_codemap {
    int8_t bit[26 * 26]; /* index of each code, -1 if unknown */
} matcher_codemap;

/* Fills `map` so that codes[i] maps to i; n <= 64. Returns MATCHER_EINVAL if a code is not
 * two letters a-z (either case) or appears twice. */
int matcher_codemap_init(matcher_codemap *map, const char *const *codes, size_t n);

/* The index of a two-letter code (either case), or -1 if the map does not know it. */
int matcher_codemap_get(const matcher_codemap *map, const char *code);

/* ---- the table: one writer, many readers ---- */

typedef struct matcher_table matcher_table;       /* the writer's rows and the current snapshot */
typedef struct matcher_snapshot matcher_snapshot; /* immutable columns, reference counted */

/* Creates an empty table whose current snapshot is empty. Free with matcher_table_free. */
int matcher_table_new(matcher_table **out);

/* Frees the table and drops its reference to the current snapshot; snapshots readers
 * still hold stay valid until they release them. No thread may call
 * matcher_table_acquire during or after this call. */
void matcher_table_free(matcher_table *t);

/* Writer only. Inserts a registration (copied) or replaces the one with the same id.
 * Not visible to readers until matcher_table_publish. */
int matcher_table_put(matcher_table *t, const matcher_reg *r);

/* Writer only. Removes the registration with that id; MATCHER_ENOENT if none. */
int matcher_table_remove(matcher_table *t, uint64_t id);

/* Writer only. Sets the remaining host capacity of a registration (after an exchange is
 * agreed or cancelled); MATCHER_ENOENT if none. */
int matcher_table_set_capacity(matcher_table *t, uint64_t id, uint32_t capacity);

/* Number of rows in the writer's table (published or not). */
size_t matcher_table_count(const matcher_table *t);

/* Writer only. Builds a snapshot of the current rows and makes it current. Costs O(rows)
 * time and one copy of the columns; readers keep the old snapshot until they release it.
 * On error the previous snapshot stays current. Does nothing when no put, remove or
 * set_capacity changed a row since the last publish (a put of an identical row, every
 * field and used window equal, changes none). */
int matcher_table_publish(matcher_table *t);

/* Any thread. Returns a counted reference to the current snapshot; never blocks on the
 * writer. The caller must matcher_snapshot_release it. */
matcher_snapshot *matcher_table_acquire(matcher_table *t);

/* Any thread. Drops a reference; the last one frees the snapshot. */
void matcher_snapshot_release(matcher_snapshot *s);

/* Number of registrations in a snapshot. */
size_t matcher_snapshot_count(const matcher_snapshot *s);

/* Copies the registration with that id into *out (for use as an asker); MATCHER_ENOENT if
 * the snapshot has none. */
int matcher_snapshot_get(const matcher_snapshot *s, uint64_t id, matcher_reg *out);

/* ---- queries ---- */

/* Display names for reasons, supplied by the caller (vocabularies are data, not code).
 * Entry i names bit or id i; a missing or NULL entry is written as "#i". */
typedef struct matcher_names {
    const char *const *ecosystems; /* MATCHER_ECOSYSTEMS entries or fewer */
    size_t n_ecosystems;
    const char *const *objectives;
    size_t n_objectives;
    const char *const *countries; /* by country id */
    size_t n_countries;
    const char *const *languages; /* by language bit */
    size_t n_languages;
} matcher_names;

#define MATCHER_MAX_REASONS 6    /* one per soft term, and the dates */
#define MATCHER_REASON_BYTES 512 /* room for one reason sentence */

/* One result of a query. */
typedef struct matcher_match {
    uint64_t id;                              /* the candidate's external id */
    int32_t score;                            /* its score, >= 0 */
    uint32_t n_reasons;                       /* used entries of reasons */
    const char *reasons[MATCHER_MAX_REASONS]; /* sentences; owned by the scratch */
} matcher_match;

/* Per-thread reusable scratch memory for queries (heap, score blocks, reason text).
 * A query allocates nothing else; the scratch grows only when k grows. */
typedef struct matcher_scratch matcher_scratch;

/* Creates a scratch; NULL when out of memory. One per thread; not shared. */
matcher_scratch *matcher_scratch_new(void);
/* Frees a scratch and with it the matches and reasons it holds; NULL is allowed. */
void matcher_scratch_free(matcher_scratch *sc);

/* The best k (1..MATCHER_MAX_K) candidates of the other role for `asker` asking in `role`
 * (one MATCHER_ROLE_* bit), best first (score descending, then id ascending). The asker
 * itself (same id) is never returned; an asker that does not have `role`, is not eligible
 * or asks as a host without capacity gets no matches. If `names` is not NULL each match
 * carries its reasons, else n_reasons is 0. *out points to *n_out matches owned by `sc`,
 * valid until the next query on `sc` or matcher_scratch_free; they do not point into the
 * snapshot. Allocates only when k exceeds every k this scratch has served. */
int matcher_best(const matcher_snapshot *s, const matcher_reg *asker, unsigned role, size_t k,
                 const matcher_names *names, matcher_scratch *sc, const matcher_match **out,
                 size_t *n_out);

/* The reasons `cand` suits `asker` asking in `role`, as matcher_best words them, for one
 * pair (a batch assignment's): m gets cand's id, the pair's score (-1 when a hard
 * constraint fails) and reasons written into text, which the caller provides with
 * MATCHER_MAX_REASONS * MATCHER_REASON_BYTES bytes and keeps as long as m. */
void matcher_explain(const matcher_reg *asker, unsigned role, const matcher_reg *cand,
                     const matcher_names *names, matcher_match *m, char *text);

#ifdef __cplusplus
}
#endif

#endif
