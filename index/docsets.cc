/*
 * docsets.cc: plans, and match sets as bitmaps (see docsets.h).
 *
 * Costs: a term with fewer than TERM_CACHE_MIN postings is read from Xapian each time it
 * is used (cheap); a more frequent one is read once per revision into a bitmap kept in
 * terms_ (at 200,000 documents a bitmap is 25 KB), and so is a query word's forms taken
 * together (an OR of terms), under a key of its own. When terms_ has outgrown
 * TERM_CACHE_BYTES it is emptied before the next eval and refilled as queries come:
 * simpler than LRU and bounded (one query's terms over). Facet values'
 * bitmaps are built for a whole facet at once, on its first count in a revision, and the
 * facet's column (its values by document) on its first count by document.
 */
#include "index/docsets.h"

#include <algorithm>

enum {
    TERM_CACHE_MIN = 256 /* Postings below which a term is not kept. */
};

/* ---- plans ----------------------------------------------------------------------------- */

index__plan index__plan::leaf(std::string term)
{
    index__plan p;
    p.op = TERM;
    p.term = std::move(term);
    return p;
}

index__plan index__plan::all(void)
{
    index__plan p;
    p.op = ALL;
    return p;
}

index__plan index__plan::join(op_t op, std::vector<index__plan> kids)
{
    index__plan p;
    if (op == AND) {
        for (const index__plan &k : kids)
            if (k.op == NONE)
                return p;
    } else {
        kids.erase(std::remove_if(kids.begin(), kids.end(),
                                  [](const index__plan &k) { return k.op == NONE; }),
                   kids.end());
    }
    if (kids.empty())
        return p;
    if (kids.size() == 1 && op != SYNONYM)
        return std::move(kids[0]);
    p.op = op;
    p.kids = std::move(kids);
    return p;
}

Xapian::Query index__plan::query(void) const
{
    switch (op) {
    case NONE:
        return Xapian::Query();
    case ALL:
        return Xapian::Query::MatchAll;
    case TERM:
        return Xapian::Query(term);
    default:
        break;
    }
    std::vector<Xapian::Query> q;
    q.reserve(kids.size());
    for (const index__plan &k : kids)
        q.push_back(k.query());
    Xapian::Query::op xop = op == AND  ? Xapian::Query::OP_AND
                            : op == OR ? Xapian::Query::OP_OR
                                       : Xapian::Query::OP_SYNONYM;
    return Xapian::Query(xop, q.begin(), q.end());
}

/* A SYNONYM is its terms, each followed by \x01; an AND or OR its kids' keys, each followed
 * by \x06, between an opening byte of its own and \x07; ALL and NONE a byte each and \x07. */
std::string index__plan::key(void) const
{
    if (op == TERM)
        return term;
    if (op == SYNONYM) {
        std::string k(1, '\x01');
        for (const index__plan &kid : kids) {
            k += kid.key();
            k += '\x01';
        }
        return k;
    }
    std::string k(1, op == AND ? '\x04' : op == OR ? '\x05' : op == ALL ? '\x08' : '\x09');
    for (const index__plan &kid : kids) {
        k += kid.key();
        k += '\x06';
    }
    k += '\x07';
    return k;
}

/* ---- bitmap arithmetic ----------------------------------------------------------------- */

/* popcnt is not in the x86-64 baseline GCC compiles for; without it a popcount is a
 * dozen instructions. Both versions are built and the CPU picks at run time. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target("popcnt"))) static uint64_t and_count_popcnt(const uint64_t *a,
                                                                   const uint64_t *b, size_t n)
{
    uint64_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += (uint64_t)__builtin_popcountll(a[i] & b[i]);
    return c;
}
#define HAVE_POPCNT_VERSION 1
#endif

static uint64_t and_count_plain(const uint64_t *a, const uint64_t *b, size_t n)
{
    uint64_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += (uint64_t)__builtin_popcountll(a[i] & b[i]);
    return c;
}

static uint64_t and_count(const uint64_t *a, const uint64_t *b, size_t n)
{
#ifdef HAVE_POPCNT_VERSION
    static const bool popcnt = __builtin_cpu_supports("popcnt");
    if (popcnt)
        return and_count_popcnt(a, b, n);
#endif
    return and_count_plain(a, b, n);
}

uint64_t index__docsets::count(const index__bits &b)
{
    return and_count(b.data(), b.data(), b.size());
}

/* out = a | b, in one pass. */
static void or_of(index__bits &out, const uint64_t *a, const uint64_t *b)
{
    uint64_t *o = out.data();
    for (size_t i = 0; i < out.size(); i++)
        o[i] = a[i] | b[i];
}

static void or_into(index__bits &out, const uint64_t *b)
{
    uint64_t *o = out.data();
    for (size_t i = 0; i < out.size(); i++)
        o[i] |= b[i];
}

/* out = src & kid, counting the result, in one pass (src may be out): an AND's first kid
 * that is kept is not copied first, and the match set is not read again to be counted. */
__attribute__((always_inline)) inline uint64_t and_into(index__bits &out, const uint64_t *src,
                                                        const uint64_t *kid)
{
    uint64_t *o = out.data(), c = 0;
    const size_t n = out.size();
    for (size_t i = 0; i < n; i++)
        c += (uint64_t)__builtin_popcountll(o[i] = src[i] & kid[i]);
    return c;
}
#ifdef HAVE_POPCNT_VERSION
__attribute__((target("popcnt"))) static uint64_t
and_into_popcnt(index__bits &out, const uint64_t *src, const uint64_t *kid)
{
    return and_into(out, src, kid);
}
#endif
static uint64_t and_into_plain(index__bits &out, const uint64_t *src, const uint64_t *kid)
{
    return and_into(out, src, kid);
}
static uint64_t and_counting(index__bits &out, const uint64_t *src, const uint64_t *kid)
{
#ifdef HAVE_POPCNT_VERSION
    static const bool popcnt = __builtin_cpu_supports("popcnt");
    if (popcnt)
        return and_into_popcnt(out, src, kid);
#endif
    return and_into_plain(out, src, kid);
}

/* ---- the cache ------------------------------------------------------------------------- */

bool index__docsets::current(const Xapian::Database &db) const
{
    return valid_ && rev_ == db.get_revision();
}

void index__docsets::reset(const Xapian::Database &db)
{
    terms_.clear();
    facets_.clear();
    columns_.clear();
    bytes_ = 0;
    rev_ = db.get_revision();
    words_ = (size_t)(db.get_lastdocid() / 64) + 1;
    valid_ = true;
}

void index__docsets::add_postings(const Xapian::Database &db, const std::string &term,
                                  index__bits &out)
{
    Xapian::PostingIterator end = db.postlist_end(term);
    for (Xapian::PostingIterator p = db.postlist_begin(term); p != end; ++p) {
        Xapian::docid d = *p;
        if (d / 64 < out.size())
            out[d / 64] |= (uint64_t)1 << (d % 64);
    }
}

const index__bits *index__docsets::cached_term(const Xapian::Database &db, const std::string &term)
{
    auto it = terms_.find(term);
    if (it != terms_.end())
        return it->second.get();
    /* The empty term is every document (Xapian's all-documents postlist). */
    if (!term.empty() && db.get_termfreq(term) < TERM_CACHE_MIN)
        return NULL;
    auto bits = std::make_unique<index__bits>(words_, 0);
    add_postings(db, term, *bits);
    bytes_ += words_ * 8;
    return terms_.emplace(term, std::move(bits)).first->second.get();
}

uint64_t index__docsets::eval(const Xapian::Database &db, const index__plan &p, index__bits &out)
{
    /* Emptied only here, between evals: within one, the kept bitmaps its passes hold (an
     * OR's first two, an AND's kid's forms) must stay where they are. */
    if (bytes_ > term_budget_) {
        terms_.clear();
        bytes_ = 0;
    }
    uint64_t n = eval_at(db, p, out, 0);
    return n == UNCOUNTED ? count(out) : n;
}

/* An OR or SYNONYM of terms alone: a query word's forms, which come back with the word. */
static bool terms_only(const index__plan &p)
{
    if ((p.op != index__plan::OR && p.op != index__plan::SYNONYM) || p.kids.empty())
        return false;
    for (const index__plan &k : p.kids)
        if (k.op != index__plan::TERM)
            return false;
    return true;
}

const index__bits *index__docsets::cached_group(const Xapian::Database &db, const index__plan &p)
{
    std::string key = p.key(); /* Apart from the terms': see index__plan::key. */
    auto it = terms_.find(key);
    if (it != terms_.end())
        return it->second.get();
    Xapian::doccount postings = 0;
    for (const index__plan &k : p.kids)
        postings += db.get_termfreq(k.term);
    if (postings < TERM_CACHE_MIN) {
        /* Noted as rare (no bitmap), so that a prefix's forty completions are not looked up
         * again at every search. */
        bytes_ += key.size() + 64;
        terms_.emplace(std::move(key), nullptr);
        return NULL;
    }
    /* From the postings: the forms' own bitmaps are not kept for the word's sake. */
    auto bits = std::make_unique<index__bits>(words_, 0);
    for (const index__plan &k : p.kids) {
        auto kept = terms_.find(k.term);
        if (kept != terms_.end())
            or_into(*bits, kept->second->data());
        else
            add_postings(db, k.term, *bits);
    }
    bytes_ += words_ * 8;
    return terms_.emplace(std::move(key), std::move(bits)).first->second.get();
}

/* A kept bitmap for p when it is a term or a word's forms, else NULL. */
const index__bits *index__docsets::cached(const Xapian::Database &db, const index__plan &p)
{
    if (p.op == index__plan::TERM)
        return cached_term(db, p.term);
    return terms_only(p) ? cached_group(db, p) : NULL;
}

/* No bitmap is built that a pass can do without: a kept bitmap is copied (not ORed into
 * zeros), a word's forms (an OR of terms) are kept as one bitmap like a frequent term, an
 * OR's first kid is made in out itself and its first two kept bitmaps are ORed in one
 * pass, and an AND's kept kids are read where they are kept, ANDed in one pass, counting.
 * At a million documents a bitmap is 137 KB and each pass is bound by the memory it reads
 * and writes: a two-word search read and wrote 960 KB where it now does 411 KB. Other
 * kids' bitmaps go into scratch_[depth], kept between calls: fresh 137 KB bitmaps for
 * every node of every query were a twentieth of a search in page faults and clearing. (Making each
 * chunk of a node's result in a buffer kept in the L1 cache, reading every input once, measured
 * slower: copies are cheap, the loops around the chunks were not.) */
uint64_t index__docsets::eval_at(const Xapian::Database &db, const index__plan &p, index__bits &out,
                                 size_t depth)
{
    if (scratch_.size() <= depth)
        scratch_.resize(depth + 1);
    switch (p.op) {
    case index__plan::NONE:
        out.assign(words_, 0);
        return 0;
    case index__plan::ALL:
        out = *cached_term(db, "");
        return UNCOUNTED;
    case index__plan::TERM: {
        const index__bits *b = cached_term(db, p.term);
        if (b) {
            out = *b;
        } else {
            out.assign(words_, 0);
            add_postings(db, p.term, out);
        }
        return UNCOUNTED;
    }
    case index__plan::OR:
    case index__plan::SYNONYM: {
        if (const index__bits *g = cached(db, p)) {
            out = *g;
            return UNCOUNTED;
        }
        const std::vector<index__plan> &kids = p.kids;
        size_t i = 1;
        const index__bits *b0 = NULL, *b1 = NULL;
        if (kids.empty()) {
            out.assign(words_, 0);
        } else if (kids[0].op != index__plan::TERM) {
            eval_at(db, kids[0], out, depth); /* Straight into out, as an AND's first. */
        } else if (!(b0 = cached_term(db, kids[0].term))) {
            out.assign(words_, 0);
            add_postings(db, kids[0].term, out); /* A rare term: straight into out. */
        } else if (kids.size() > 1 && kids[1].op == index__plan::TERM &&
                   (b1 = cached_term(db, kids[1].term)) && out.size() == words_) {
            or_of(out, b0->data(), b1->data()); /* (A new vector would be zeroed first.) */
            i = 2;
        } else {
            out = *b0;
        }
        for (; i < kids.size(); i++) {
            const index__plan &k = kids[i];
            const index__bits *b = k.op == index__plan::TERM ? cached_term(db, k.term) : NULL;
            if (!b && k.op != index__plan::TERM) {
                eval_at(db, k, scratch_[depth], depth + 1);
                b = &scratch_[depth];
            }
            if (b)
                or_into(out, b->data());
            else
                add_postings(db, k.term, out);
        }
        return UNCOUNTED;
    }
    case index__plan::AND: {
        /* A kept first kid is read by the first pass instead of copied into out. */
        const index__bits *first = cached(db, p.kids[0]);
        if (!first || out.size() != words_) { /* (A new vector would be zeroed first.) */
            first = NULL;
            eval_at(db, p.kids[0], out, depth);
        }
        uint64_t n = UNCOUNTED;
        for (size_t i = 1; i < p.kids.size(); i++) {
            const index__plan &k = p.kids[i];
            const index__bits *kid = cached(db, k);
            if (!kid) {
                eval_at(db, k, scratch_[depth], depth + 1);
                kid = &scratch_[depth];
            }
            n = and_counting(out, first ? first->data() : out.data(), kid->data());
            first = NULL;
            if (n == 0)
                return 0; /* Empty: the remaining kids cannot add anything. */
        }
        if (first) /* One kid only (join makes none such, but a plan may be built by hand). */
            out = *first;
        return n;
    }
    }
    return UNCOUNTED;
}

void index__docsets::warm(const Xapian::Database &db)
{
    reset(db);
    cached_term(db, "");
    for (const char *p = FACET_PREFIXES; *p; p++)
        facet_values(db, *p);
}

const std::vector<index__docsets::facet_value> &
index__docsets::facet_values(const Xapian::Database &db, char prefix)
{
    auto it = facets_.find(prefix);
    if (it == facets_.end()) {
        std::vector<facet_value> values;
        std::string pre(1, prefix);
        Xapian::TermIterator end = db.allterms_end(pre);
        for (Xapian::TermIterator t = db.allterms_begin(pre); t != end; ++t) {
            facet_value v;
            std::string term = *t;
            v.value = term.substr(1);
            v.bits.assign(words_, 0);
            add_postings(db, term, v.bits);
            values.push_back(std::move(v));
        }
        it = facets_.emplace(prefix, std::move(values)).first;
    }
    return it->second;
}

const index__docsets::facet_column &index__docsets::column(const Xapian::Database &db, char prefix)
{
    auto it = columns_.find(prefix);
    if (it != columns_.end())
        return it->second;
    const std::vector<facet_value> &values = facet_values(db, prefix);
    const size_t docs = words_ * 64;
    facet_column c;
    bool single = values.size() < facet_column::NONE;
    if (single) {
        c.one.assign(docs, facet_column::NONE);
        for (size_t k = 0; k < values.size() && single; k++)
            for (size_t w = 0; w < values[k].bits.size() && single; w++)
                for (uint64_t b = values[k].bits[w]; b; b &= b - 1) {
                    uint8_t &v = c.one[w * 64 + (size_t)__builtin_ctzll(b)];
                    if (v != facet_column::NONE) {
                        single = false;
                        break;
                    }
                    v = (uint8_t)k;
                }
    }
    if (!single) {
        c.one.clear();
        c.one.shrink_to_fit();
        c.start.assign(docs + 1, 0);
        for (const facet_value &v : values) /* Values of each document, counted... */
            for (size_t w = 0; w < v.bits.size(); w++)
                for (uint64_t b = v.bits[w]; b; b &= b - 1)
                    c.start[w * 64 + (size_t)__builtin_ctzll(b) + 1]++;
        for (size_t d = 1; d < c.start.size(); d++) /* ...summed into where each starts... */
            c.start[d] += c.start[d - 1];
        c.value.resize(c.start.back());
        std::vector<uint32_t> at(c.start.begin(), c.start.end() - 1);
        for (size_t k = 0; k < values.size(); k++) /* ...and filled in the values' order. */
            for (size_t w = 0; w < values[k].bits.size(); w++)
                for (uint64_t b = values[k].bits[w]; b; b &= b - 1)
                    c.value[at[w * 64 + (size_t)__builtin_ctzll(b)]++] = (uint16_t)k;
    }
    return columns_.emplace(prefix, std::move(c)).first->second;
}

void index__docsets::facet_counts(
    const Xapian::Database &db, const std::string &prefixes, const index__bits &match,
    const std::function<void(char, const std::string &, uint32_t)> &fn)
{
    const size_t n = std::min(match.size(), words_);
    /* Both ways are bound by memory more than by instructions. By value reads every
     * value's bitmap whole: at scale 100 (757,000 documents) 39 countries are 3.7 MB a
     * search, a fifth of a faceted search's time. By document reads the match and a cache
     * line of the column around each matching document: at most the column (a byte a
     * document for a one-value facet), far less for a small match. The facets counted by
     * document share one walk over the match. */
    const double matches = (double)count(match);
    struct by_doc_t {
        char prefix;
        const std::vector<facet_value> *values;
        const facet_column *col;
        std::vector<uint32_t> counts; /* The last: documents with none. */
    };
    std::vector<by_doc_t> docs;
    for (char prefix : prefixes) {
        const std::vector<facet_value> &values = facet_values(db, prefix);
        bool by_doc = mode_ == FACETS_BY_DOCUMENT;
        if (mode_ == FACETS_CHEAPEST) {
            auto cc = columns_.find(prefix);
            /* Bytes a document in the column: 1, or 4 + 2 a value (6 when not yet built). */
            double width = 6.0;
            if (cc != columns_.end() && !cc->second.one.empty())
                width = 1.0;
            else if (cc != columns_.end() && words_)
                width = 4.0 + 2.0 * (double)cc->second.value.size() / (double)(words_ * 64);
            const double by_value = (double)values.size() * (double)n * 8.0;
            const double doc_bytes = std::min(matches * 64.0, (double)(n * 64) * width);
            by_doc = doc_bytes < by_value;
        }
        if (by_doc && values.size() <= UINT16_MAX + 1u) {
            docs.push_back(by_doc_t{prefix, &values, &column(db, prefix),
                                    std::vector<uint32_t>(values.size() + 1, 0)});
            continue;
        }
        for (const facet_value &v : values) {
            uint64_t c = and_count(match.data(), v.bits.data(), std::min(n, v.bits.size()));
            if (c)
                fn(prefix, v.value, (uint32_t)c);
        }
    }
    if (docs.empty())
        return;
    for (size_t w = 0; w < n; w++)
        for (uint64_t b = match[w]; b; b &= b - 1) {
            size_t d = w * 64 + (size_t)__builtin_ctzll(b);
            for (by_doc_t &f : docs) {
                const facet_column &col = *f.col;
                if (!col.one.empty()) {
                    uint8_t v = col.one[d];
                    f.counts[v == facet_column::NONE ? f.counts.size() - 1 : v]++;
                } else {
                    for (uint32_t k = col.start[d]; k < col.start[d + 1]; k++)
                        f.counts[col.value[k]]++;
                }
            }
        }
    for (const by_doc_t &f : docs)
        for (size_t k = 0; k < f.values->size(); k++)
            if (f.counts[k])
                fn(f.prefix, (*f.values)[k].value, f.counts[k]);
}
