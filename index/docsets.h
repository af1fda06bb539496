/*
 * docsets.h: a search's match set as bitmaps, beside Xapian's matcher, so that the exact
 * total and the facet counts of a query matching 150,000 documents cost popcounts over a
 * few kilobytes instead of a walk over 150,000 postings and facet values.
 *
 * A query is first built as an index__plan (terms combined by AND, OR and SYNONYM); the
 * Xapian query that ranks the page and the bitmap that counts are both made from that
 * one plan, so they cannot disagree on what matches.
 *
 * index__docsets belongs to one reader (one thread) and to one revision of its database:
 * bit d of a bitmap is document id d. Bitmaps of frequent terms and of every facet value
 * are kept until the reader moves to another revision (reset), within a byte budget;
 * rare terms are read from their postings each time. A term's bitmap costs one walk of
 * its postings to build; after that, an AND or OR of it costs a pass over lastdocid/64
 * words.
 */
#ifndef ECCPD_INDEX_DOCSETS_H
#define ECCPD_INDEX_DOCSETS_H

#include "index/internal.h"

#include <xapian.h>

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

/* A query over terms: what matches, not how it is weighed. */
struct index__plan {
    enum op_t { NONE, ALL, TERM, AND, OR, SYNONYM } op = NONE;
    std::string term;              /* TERM only. */
    std::vector<index__plan> kids; /* AND, OR, SYNONYM. */
    /* The whole of one query word with all its forms (query.cc): the unit candidate
     * ranking weighs as one (topdocs.h). */
    bool word = false;

    static index__plan leaf(std::string term);
    static index__plan all(void);
    /* AND: NONE if any kid is NONE. OR and SYNONYM: NONE kids are dropped, and no kids
     * left is NONE. One kid of AND or OR is that kid. */
    static index__plan join(op_t op, std::vector<index__plan> kids);

    /* The same query for Xapian's matcher (SYNONYM weighs its terms as one word). */
    Xapian::Query query(void) const;
    /* What the plan matches and how it weighs, as a key of the caches that keep a plan's
     * bitmap (docsets) or weights (topdocs): a term is itself, anything else starts with
     * a byte no term starts with. */
    std::string key(void) const;
};

typedef std::vector<uint64_t> index__bits;

class index__docsets
{
  public:
    /* Whether the cached bitmaps belong to db's current revision. */
    bool current(const Xapian::Database &db) const;
    /* Drops every bitmap and starts over at db's current revision. */
    void reset(const Xapian::Database &db);

    /* reset, then builds the bitmaps of every facet value and of all documents. */
    void warm(const Xapian::Database &db);

    /* The documents matching `plan` into out (resized to the revision's bitmap size);
     * returns how many. Call reset (or check current) first. Xapian errors propagate as
     * exceptions. */
    uint64_t eval(const Xapian::Database &db, const index__plan &plan, index__bits &out);
    /* Number of documents in b. */
    static uint64_t count(const index__bits &b);

    /* For each prefix in `prefixes` (one letter each, see internal.h) and every facet term
     * starting with it: calls fn(prefix, value without the prefix, number of documents of
     * `match` carrying it) for the values that occur in match, in the values' order. */
    void facet_counts(const Xapian::Database &db, const std::string &prefixes,
                      const index__bits &match,
                      const std::function<void(char, const std::string &, uint32_t)> &fn);

    /* How facet_counts counts: by value (a popcount of match against each value's bitmap:
     * values x lastdocid/64 words), by document (each matching document's values, looked
     * up in a per-facet column: matches x values a document), or whichever costs less
     * (the default). The counts are the same; the choice is for tests and benchmarks. */
    enum facet_mode { FACETS_CHEAPEST, FACETS_BY_VALUE, FACETS_BY_DOCUMENT };
    /* Bytes of term bitmaps kept (docsets.cc); for tests, which need it small
     * (test_docsets.cc). */
    void set_term_budget(size_t bytes)
    {
        term_budget_ = bytes;
    }
    void set_facet_mode(facet_mode m)
    {
        mode_ = m;
    }

    enum : size_t { TERM_CACHE_BYTES = 64 * 1024 * 1024 }; /* Term bitmaps kept per reader. */

  private:
    static constexpr const char *FACET_PREFIXES = "KTCELB"; /* See internal.h. */

    struct facet_value {
        std::string value;
        index__bits bits;
    };

    /* A facet's values by document. Where no document has two values (a country, a
     * type) and there are fewer than 255, one byte a document: value index, or NONE.
     * Otherwise document d's values are value[start[d] .. start[d + 1]). Indices are into
     * facet_values(prefix). */
    struct facet_column {
        enum { NONE = 255 };
        std::vector<uint8_t> one;
        std::vector<uint32_t> start;
        std::vector<uint16_t> value;
    };

    const std::vector<facet_value> &facet_values(const Xapian::Database &db, char prefix);
    const facet_column &column(const Xapian::Database &db, char prefix);
    const index__bits *cached_term(const Xapian::Database &db, const std::string &term);
    void add_postings(const Xapian::Database &db, const std::string &term, index__bits &out);
    /* eval at one depth of the plan; returns the count when its last pass counted
     * (an AND does), else UNCOUNTED. */
    static constexpr uint64_t UNCOUNTED = ~(uint64_t)0;
    uint64_t eval_at(const Xapian::Database &db, const index__plan &plan, index__bits &out,
                     size_t depth);
    /* The kept bitmap of a word's forms (an OR or SYNONYM of terms), built on first use;
     * NULL when they hold fewer postings than are worth a bitmap. */
    const index__bits *cached_group(const Xapian::Database &db, const index__plan &plan);
    /* cached_term or cached_group, as the plan is; NULL for anything else. */
    const index__bits *cached(const Xapian::Database &db, const index__plan &plan);

    Xapian::rev rev_ = 0;
    bool valid_ = false;
    size_t words_ = 0; /* 64-bit words per bitmap: lastdocid / 64 + 1. */
    size_t bytes_ = 0; /* Held by terms_. */
    size_t term_budget_ = TERM_CACHE_BYTES;
    std::unordered_map<std::string, std::unique_ptr<index__bits>> terms_;
    std::unordered_map<char, std::vector<facet_value>> facets_;
    std::unordered_map<char, facet_column> columns_;
    facet_mode mode_ = FACETS_CHEAPEST;
    /* eval's kid bitmaps, one per depth of the plan; a deque, so that growing it leaves
     * the bitmaps of the depths above in place. */
    std::deque<index__bits> scratch_;
};

#endif
