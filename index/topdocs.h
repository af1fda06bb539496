/*
 * topdocs.h: ranking a page of a large result without weighing every match.
 *
 * Xapian ranks a page by weighing every match that could still reach it. For a query whose
 * words stand in 150,000 descriptions that is all of them: one description weighs much like
 * another, so no bound rules any out, and the page costs 10 ms. This finds the same page
 * from a few thousand candidates and proves that it is the same page:
 *
 *   - Per unit, its top: the N documents that weigh most for the unit alone, and its floor,
 *     the weight of the N-th, kept for the revision. A unit is a query word with all its
 *     forms (a plan node marked `word`), or a leaf outside any word; its weight in a
 *     document is the sum of its leaves' (terms', SYNONYMs') as the plan adds them, each
 *     leaf's weight from Xapian ranking the leaf on its own.
 *   - Under Xapian's BM25 a leaf term weighs a document by the term's wdf in it, the
 *     document's length and collection statistics, never by the query's other terms, and a
 *     document weighs the sum of the leaves it matches (AND and OR both add). So a document
 *     in no unit's top weighs at most the sum of the floors of the units that have more
 *     than N documents (a smaller unit's documents are all in its top).
 *   - The candidates (the tops' union, within the match set) are weighed from the units'
 *     own weights, kept per revision (one Xapian pass over each leaf's documents: Xapian's
 *     own weight of each document for the leaf alone, summed into the unit's), added up
 *     the way the plan adds them: an OR adds the kids that match, an AND adds its
 *     kids where they all match and nothing elsewhere. These are Xapian's weights, summed
 *     in another order, so a page's scores equal Xapian's to the last bit or two, not
 *     always bit for bit; documents whose weights differ by that little may come in either
 *     order. When the page's last document weighs more than the bound, nothing outside can
 *     enter the page, and the page is the one ranking every match gives (equal weights
 *     order by document id both ways). Otherwise the caller ranks every match as before.
 *     Xapian's matcher is not run at all for a settled page: weighing even 20 candidates
 *     with the full query opens every term's postings, which was a third of a search.
 *
 * A SYNONYM (a prefix's completions) is weighed by Xapian as one word, from its own
 * statistics, so it counts as one leaf. Not used when a leaf stands
 * twice in a query, for sorts other than relevance, or for pages past the first N
 * documents.
 *
 * One index__topdocs belongs to one reader (one thread), like its index__docsets; the units'
 * weights are kept once per process, for the newest revision asked for, and shared by every
 * reader (thread) at that revision.
 */
#ifndef ECCPD_INDEX_TOPDOCS_H
#define ECCPD_INDEX_TOPDOCS_H

#include "index/docsets.h"

#include <xapian.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

/* One unit's weights for one revision (topdocs.cc); shared by every reader of that
 * revision. */
struct index__unit_weights;

class index__topdocs
{
  public:
    enum { DEFAULT_PER_TERM = 1000, DEEPER = 4, DEPTHS = 3 /* N, DEEPER x N, DEEPER^2 x N */ };

    /* Documents kept per term (N above); 0 turns candidate ranking off. */
    void set_per_term(uint32_t n);

    enum outcome {
        NOT_TRIED, /* Not for candidates (see below), or no weights yet: rank every match. */
        UNPROVEN,  /* Tried, and no depth proved the page: rank every match. */
        SETTLED    /* out is the page ranking every match gives. */
    };

    /* A ranked document and its weight. */
    typedef std::vector<std::pair<Xapian::docid, double>> page;

    /* Ranks documents first .. first+count-1 of a query whose weighed part is `plan` (the
     * rest only filters) and whose `total` matches are `match` (a bitmap of the same
     * revision), into out (which is untouched unless SETTLED), weight descending, then
     * id. A result of at most N matches has them all as candidates, so nothing needs
     * bounding: Xapian's skips through the postings of rare and frequent words to reach a
     * few hundred matches cost more than looking their weights up. Xapian errors
     * propagate as exceptions. */
    outcome rank(const Xapian::Database &db, const index__plan &plan, const index__bits &match,
                 uint64_t total, Xapian::doccount first, Xapian::doccount count, page &out);

  private:
    typedef std::shared_ptr<const index__unit_weights> unit_ref;

    enum { EVERY_MATCH = -1 };
    /* Most matches weighed from the kept weights when no depth proves a page. */
    enum { EVERY_MATCH_MAX = 1 << 20 };
    /* One try of rank() with tops of depth number `level` (0 .. DEPTHS-1), or with every
     * match as a candidate (EVERY_MATCH). */
    outcome attempt(const index__plan &plan, const std::vector<const index__plan *> &unit_plans,
                    const std::vector<unit_ref> &units, const index__bits &match, int level,
                    Xapian::doccount first, Xapian::doccount count, page &out);

    uint32_t per_term_ = DEFAULT_PER_TERM;
    /* The depth that settled a query's page last (DEPTHS: every match), by the query's
     * units, total and page end, for one revision. */
    enum { MAX_HINTS = 1 << 16 };
    std::unordered_map<std::string, int> hints_;
    Xapian::rev hints_rev_ = 0;
    /* attempt()'s candidates and their weights per unit, kept between calls. */
    std::vector<Xapian::docid> cand_;
    std::vector<std::vector<double>> unit_w_;
};

#endif
