/*
 * reader.h: what the reader's files share, internal to index/. The reader is one object per
 * thread (index.h) whose parts read in their own files: reader.cc opens and refreshes it and
 * keeps the summaries; query.cc turns filters and text into plans; facets.cc counts facet
 * values; snippets.cc cuts and marks snippets; search.cc ranks (index_search); suggest.cc
 * completes (index_suggest); map.cc groups (index_map). What they share lives in namespace
 * reading, so that its plain names (qword, tally) cannot meet another file's.
 */
#ifndef ECCPD_INDEX_READER_H
#define ECCPD_INDEX_READER_H

#include "core/hash.h"
#include "index/completions.h"
#include "index/docsets.h"
#include "index/internal.h"
#include "index/topdocs.h"

#include <xapian.h>

#include <deque>
#include <string>
#include <string_view>
#include <time.h>
#include <unordered_map>
#include <vector>

namespace reading
{

#include <unordered_map>

struct query_stem {
    Xapian::Stem stem;
    bool english; /* The English stemmer (asked for, or the fallback). */
};

/* Decoded summaries by document id, for one revision. A results page reads 20 of them, and
 * each read from Xapian is a B-tree descent, a block copied out of the page cache and an
 * inflate: a fifth of a search's time, measured. Emptied when the reader moves to another
 * revision (a document's data changes only with one) or when SUMMARY_CACHE_BYTES is
 * reached: simpler than LRU and bounded. */
/* A word of a document's name or city as the ranking rules compare it (search.cc). */
struct name_word {
    std::string lower, folded; /* As written but in lower case; folded. */
    bool in_name;              /* Else in the city. */
};

struct summary_cache {
    Xapian::rev rev = 0;
    bool valid = false;
    size_t bytes = 0;
    std::unordered_map<Xapian::docid, index__summary> map;
    /* The words of the names and cities ranked at this revision: splitting and folding
     * them for every query that ranked them was a tenth of a search. */
    std::unordered_map<Xapian::docid, std::vector<name_word>> words;
};

enum { SUMMARY_CACHE_BYTES = 32 * 1024 * 1024 };

/* The preferred types' best matches lifted into the ranking window (run_search), by the
 * serialised query that found them and how many, for one revision: the second ranking
 * that most queries need when members outnumber clusters (a fifth of a search's time,
 * measured) is done once per query and revision. Emptied like the summaries. */
struct lift_cache {
    Xapian::rev rev = 0;
    bool valid = false;
    size_t bytes = 0;
    std::unordered_map<std::string, std::vector<std::pair<Xapian::docid, double>>> map;
};

enum { LIFT_CACHE_BYTES = 4 * 1024 * 1024 };

} // namespace reading

struct index_reader {
    Xapian::Database db;
    reading::summary_cache summaries;
    reading::lift_cache lifts;
    std::unordered_map<std::string, reading::query_stem> stems; /* Query stemmers by language. */
    index__docsets sets; /* Match sets for exact totals and facets (this revision). */
    index__topdocs top;  /* Per-term top documents for ranking large results. */
    index__bits match;   /* The match set of the search being run. */
    index_completions *completions = nullptr; /* Shared by every reader; may be NULL. */
    std::shared_ptr<const index__completion_table> completion_table; /* Last one used. */
};

struct index__result_mem {
    std::deque<std::string> strings; /* Stable addresses for every returned string. */
    std::vector<index_hit> hits;
    std::vector<index_facet_value> values[INDEX_FACET_COUNT];
    std::vector<index_suggestion> suggestions;
    std::vector<index_map_cell> cells;
    std::deque<std::vector<const char *>> id_lists;
    index_result res;
    index_suggestions sugg;
    index_map_result map;

    const char *keep(std::string s)
    {
        strings.push_back(std::move(s));
        return strings.back().c_str();
    }
};

namespace reading
{

inline double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

struct qword {
    std::string w;    /* Folded word (a symbol term, or a phrase's words joined by spaces). */
    std::string stem; /* Its stem in the query language. */
    bool prefix;      /* Also matches as a prefix (the last word, still being typed). */
    enum { WORD, SYMBOL, PHRASE } form = WORD;
    std::vector<std::string> parts; /* SYMBOL with only hyphens, PHRASE: the folded words. */
};

/* A word as the ranking rules see it (index_search): as typed (lower case), folded, stem. */
struct rank_word {
    std::string raw, w, stem;
    bool prefix;
    bool symbol = false; /* "c++", "e-health": looked for as written in name and city. */
};

struct text_query {
    std::vector<qword> words;        /* The words that count, in order. */
    index__plan plan;                /* ALL when there are no words. */
    index__plan excluded;            /* Words written with a leading '-' (any form of their stem):
                                      * documents holding one are left out. NONE when none. */
    std::vector<rank_word> rank;     /* Every word that counts, phrases' words one by one. */
    std::vector<index__plan> groups; /* Each of words' own plan, in order (what a document
                                      * must hold to count as holding that word). */
};

/* Counts values without allocating per document: keys live in `names`. A facet has few
 * distinct values (tens), so a small open-addressing table with a cheap hash beats
 * std::unordered_map here, where it is called once per value of every match. */
struct tally {
    std::deque<std::string> names;
    std::vector<std::pair<std::string_view, uint32_t>> counts; /* In first-seen order. */
    std::vector<int32_t> slots = std::vector<int32_t>(64, -1); /* Index into counts. */

    static size_t hash(std::string_view v)
    {
        return (size_t)core_fnv1a(CORE_FNV1A_SEED, v.data(), v.size());
    }

    void add(std::string_view v, uint32_t n = 1)
    {
        size_t mask = slots.size() - 1;
        for (size_t i = hash(v) & mask;; i = (i + 1) & mask) {
            if (slots[i] < 0) {
                names.emplace_back(v);
                slots[i] = (int32_t)counts.size();
                counts.emplace_back(std::string_view(names.back()), n);
                if (counts.size() * 2 > slots.size())
                    grow();
                return;
            }
            auto &e = counts[(size_t)slots[i]];
            if (e.first == v) {
                e.second += n;
                return;
            }
        }
    }

  private:
    void grow()
    {
        slots.assign(slots.size() * 2, -1);
        size_t mask = slots.size() - 1;
        for (size_t k = 0; k < counts.size(); k++) {
            size_t i = hash(counts[k].first) & mask;
            while (slots[i] >= 0)
                i = (i + 1) & mask;
            slots[i] = (int32_t)k;
        }
    }
};

class facet_spy : public Xapian::MatchSpy
{
  public:
    explicit facet_spy(uint32_t mask) : mask_(mask) {}
    void operator()(const Xapian::Document &doc, double) override
    {
        if (!mask_)
            return;
        std::string v = doc.get_value(INDEX__SLOT_FACETS);
        if (v.size() < 5)
            return;
        const unsigned char *p = (const unsigned char *)v.data();
        if (p[0] < INDEX_KIND_COUNT)
            kind[p[0]]++;
        if (p[1] < INDEX_LABEL_COUNT)
            label[p[1]]++;
        eligible[p[2] ? 1 : 0]++;
        size_t pos = 3, n = v.size();
        std::string_view sv(v), val;
        auto next = [&]() {
            if (pos >= n)
                return false;
            size_t len = p[pos++];
            if (len > n - pos)
                return false;
            val = sv.substr(pos, len);
            pos += len;
            return true;
        };
        auto want = [&](index_facet_id f) { return (mask_ & (1u << f)) != 0; };
        if (!next())
            return;
        if (!val.empty() && want(INDEX_FACET_TYPE))
            type.add(val);
        if (!next())
            return;
        if (!val.empty() && want(INDEX_FACET_COUNTRY))
            country.add(val);
        if (!next())
            return;
        if (!val.empty() && want(INDEX_FACET_STATE))
            state.add(val);
        if (pos >= n)
            return;
        size_t nsought = p[pos++];
        for (size_t i = 0; i < nsought; i++) {
            if (!next())
                return;
            if (want(INDEX_FACET_SOUGHT))
                sought.add(val);
        }
        while (next())
            if (want(INDEX_FACET_ECOSYSTEM))
                ecosystem.add(val);
    }

    uint32_t kind[INDEX_KIND_COUNT] = {0}, label[INDEX_LABEL_COUNT] = {0}, eligible[2] = {0};
    tally type, country, ecosystem, sought, state;

  private:
    uint32_t mask_;
};

/* The type weights of a query: the defaults, or the caller's. */
struct type_weights {
    std::vector<std::pair<std::string, int>> list;
    int top = INDEX_TYPE_WEIGHT_OTHER; /* The highest weight of any type. */
    bool kinds = true; /* Profiles before other kinds (not for an empty type_weight=). */

    bool listed(const std::string &type) const
    {
        for (const auto &kv : list)
            if (kv.first == type)
                return true;
        return false;
    }
    /* Rule 4's kind: 1 for a profile or a listed type, 0 for other documents. */
    int kind_of(const index__summary &s) const
    {
        return !kinds || s.kind == INDEX_KIND_PROFILE || listed(s.type) ? 1 : 0;
    }

    int of(const std::string &type) const
    {
        for (const auto &kv : list)
            if (kv.first == type)
                return kv.second;
        return INDEX_TYPE_WEIGHT_OTHER;
    }
};

/* reader.cc */
/* The summary of document did at the reader's revision, or NULL if its data does not
 * decode. Valid until the next call. */
const index__summary *summary_of(index_reader *r, Xapian::docid did);
/* The words of the name and then the city of document did, whose summary is s (from
 * summary_of), at the reader's revision. Valid until the next call. */
const std::vector<name_word> &name_words_of(index_reader *r, Xapian::docid did,
                                            const index__summary &s);
query_stem &stemmer(index_reader *r, index_str lang);
/* The reader's completion table if it is of the reader's revision, else NULL. */
const index__completion_table *completion_table_of(index_reader *r);

/* query.cc */
int filter_plan(const index_filter *f, index__plan &out, bool &has);
bool build_text(index_reader *r, index_str text, query_stem &qs, text_query &tq, size_t need = 0,
                bool leading = false);
/* Whether build_text builds "any `need` of n words" (not too many combinations). */
bool partial_fits(size_t n, size_t need);

/* facets.cc */
void emit_facets(index__result_mem *m, uint32_t mask, facet_spy &spy);
void count_facets(index_reader *r, uint32_t mask, const index__bits &match, facet_spy &spy);

/* snippets.cc */
std::string make_snippet(const std::string &text, const std::vector<qword> &q, Xapian::Stem &st);

/* search.cc */
int parse_type_weights(const index_query *q, type_weights &tw);

/* suggest.cc */
std::vector<uint32_t> code_points(const std::string &s, size_t from);

} // namespace reading

#endif
