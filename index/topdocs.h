/*
 * topdocs.h: ranking a page of a large result without weighing every match.
 *
 * Xapian ranks a page by weighing every match that could still reach it. For a query whose
 * words stand in 150,000 descriptions that is all of them: one description weighs much like
 * another, so no bound rules any out, and the page costs 10 ms. This finds the same page
 * from a few thousand candidates and proves that it is the same page:
 *
 *   - Per term, its top: the N documents that weigh most for the term alone, and its floor,
 *     the weight of the N-th. Both come from Xapian ranking the term on its own, and are
 *     kept for the reader's revision.
 *   - Under Xapian's BM25 a leaf term weighs a document by the term's wdf in it, the
 *     document's length and collection statistics, never by the query's other terms, and a
 *     document weighs the sum of the leaves it matches (AND and OR both add). So a document
 *     in no leaf's top weighs at most the sum of the floors of the leaves that have more
 *     than N documents (a smaller leaf's documents are all in its top).
 *   - The candidates (the tops' union, within the match set) are ranked by Xapian with the
 *     full query. When the page's last document weighs more than that bound, nothing outside
 *     can enter the page, and the page is the one ranking every match gives (equal weights
 *     order by document id both ways). Otherwise the caller ranks every match as before.
 *
 * A SYNONYM (a prefix's completions) is weighed by Xapian as one word, from its own
 * statistics, so it counts as one leaf with a top of its own. Not used when a leaf stands
 * twice in a query, for sorts other than relevance, or for pages past the first N
 * documents.
 *
 * One index__topdocs belongs to one reader (one thread), like its index__docsets.
 */
#ifndef ECCPD_INDEX_TOPDOCS_H
#define ECCPD_INDEX_TOPDOCS_H

#include "index/docsets.h"

#include <xapian.h>

#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

class index__topdocs
{
  public:
    enum { DEFAULT_PER_TERM = 1000, FROM_TOTAL_PER_TERM = 5, DEEPER = 4 };

    /* Documents kept per term (N above); 0 turns candidate ranking off. */
    void set_per_term(uint32_t n);

    enum outcome {
        NOT_TRIED, /* Not for candidates (see below), or no tops yet: rank every match. */
        UNPROVEN,  /* Tried, and no depth proved the page: rank every match. */
        SETTLED    /* out is the page ranking every match gives. */
    };

    /* Ranks documents first .. first+count-1 of `query`, whose weighed part is `plan` and
     * whose `total` matches are `match` (a bitmap of the same revision), into out (which
     * is untouched unless SETTLED). Only tried for a result of at least
     * FROM_TOTAL_PER_TERM times N matches: below that, weighing them all costs about as
     * much. Xapian errors propagate as exceptions. */
    outcome rank(const Xapian::Database &db, const index__plan &plan, const Xapian::Query &query,
                 const index__bits &match, uint64_t total, Xapian::doccount first,
                 Xapian::doccount count, Xapian::MSet &out);

  private:
    struct top {
        std::vector<Xapian::docid> ids; /* Ascending. */
        double floor = 0;               /* 0 when ids holds all of the term's documents. */
    };

    /* The `depth` documents weighing most for a unit (a TERM, or a SYNONYM weighed as one
     * word), or NULL when the unit is seen for the first time in this revision. */
    const top *top_of(const Xapian::Database &db, const index__plan &unit, uint32_t depth);

    /* One try of rank() with tops `depth` deep. */
    outcome attempt(const Xapian::Database &db, const std::vector<const index__plan *> &units,
                    const Xapian::Query &query, const index__bits &match, uint32_t depth,
                    Xapian::doccount first, Xapian::doccount count, Xapian::MSet &out);

    uint32_t per_term_ = DEFAULT_PER_TERM;
    Xapian::rev rev_ = 0;
    bool valid_ = false;
    size_t bytes_ = 0; /* Held by tops_. */
    std::unordered_map<std::string, top> tops_;
    std::unordered_set<std::string> seen_; /* Units asked for once in this revision. */
};

#endif
