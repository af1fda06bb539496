/*
 * topdocs.cc: candidate ranking (see topdocs.h).
 *
 * Costs: a term's top is one ranking of that term alone by Xapian (a few milliseconds for
 * a term in 150,000 documents), once per revision and only for a term seen twice in it;
 * tops are kept within TOPS_BYTES (8,000 tops at N = 1000), and the cache is emptied when
 * full, as docsets does. A unit with at most N documents needs no top: its documents are
 * read from its postings. A page ranked from
 * candidates costs a skip through the query's postings to each candidate and one weighing
 * per candidate, instead of one weighing per match.
 */
#include "index/topdocs.h"

#include <algorithm>
#include <unordered_set>

enum { TOPS_BYTES = 32 * 1024 * 1024 }; /* Held by tops_ per reader. */

namespace
{

/* The candidates as a posting source: no weight of its own, so under OP_FILTER it only
 * restricts which documents the full query weighs. */
class candidate_source : public Xapian::PostingSource
{
  public:
    explicit candidate_source(const std::vector<Xapian::docid> &ids) : ids_(ids) {}

    Xapian::doccount get_termfreq_min() const override
    {
        return ids_.size();
    }
    Xapian::doccount get_termfreq_est() const override
    {
        return ids_.size();
    }
    Xapian::doccount get_termfreq_max() const override
    {
        return ids_.size();
    }
    void init(const Xapian::Database &) override
    {
        at_ = 0, started_ = false;
    }
    void next(double) override
    {
        if (started_)
            at_++;
        started_ = true;
    }
    void skip_to(Xapian::docid did, double) override
    {
        started_ = true;
        at_ = std::lower_bound(ids_.begin() + at_, ids_.end(), did) - ids_.begin();
    }
    bool at_end() const override
    {
        return started_ && at_ >= ids_.size();
    }
    Xapian::docid get_docid() const override
    {
        return ids_[at_];
    }

  private:
    const std::vector<Xapian::docid> &ids_;
    size_t at_ = 0;
    bool started_ = false;
};

/* A unit's key in the cache: a term is itself; a SYNONYM is its terms after a byte no
 * term starts with. */
std::string unit_key(const index__plan &p)
{
    if (p.op == index__plan::TERM)
        return p.term;
    std::string k(1, '\x01');
    for (const index__plan &kid : p.kids) {
        k += unit_key(kid);
        k += '\x01';
    }
    return k;
}

/* The plan's weighed units into out: its terms, and its SYNONYMs whole (Xapian weighs a
 * SYNONYM as one word, from its own statistics alone). False if the plan holds anything
 * candidate ranking cannot bound: all documents, or one unit twice. */
bool leaves(const index__plan &p, std::vector<const index__plan *> &out,
            std::unordered_set<std::string> &seen)
{
    switch (p.op) {
    case index__plan::TERM:
    case index__plan::SYNONYM:
        if (!seen.insert(unit_key(p)).second)
            return false;
        out.push_back(&p);
        return true;
    case index__plan::AND:
    case index__plan::OR:
        for (const index__plan &k : p.kids)
            if (!leaves(k, out, seen))
                return false;
        return true;
    default:
        return false;
    }
}

bool has(const index__bits &b, Xapian::docid d)
{
    return d / 64 < b.size() && (b[d / 64] >> (d % 64) & 1);
}

} // namespace

void index__topdocs::set_per_term(uint32_t n)
{
    per_term_ = n;
    valid_ = false;
}

const index__topdocs::top *index__topdocs::top_of(const Xapian::Database &db,
                                                  const index__plan &unit, uint32_t depth)
{
    if (bytes_ > TOPS_BYTES) {
        tops_.clear();
        seen_.clear();
        bytes_ = 0;
    }
    std::string key = unit_key(unit);
    /* First sight in this revision: only noted. A top costs a ranking of all the unit's
     * documents, as much as the query itself, so it is built for units that come back. */
    if (seen_.insert(key).second)
        return NULL;
    key += '\x02';
    key += std::to_string(depth);
    auto it = tops_.find(key);
    if (it != tops_.end())
        return &it->second;
    Xapian::Enquire e(db);
    e.set_query(unit.query());
    /* Counting one match past the top tells whether the top holds them all. */
    Xapian::MSet m = e.get_mset(0, depth, depth + 1);
    top t;
    t.ids.reserve(m.size());
    double last = 0;
    for (Xapian::MSetIterator i = m.begin(); i != m.end(); ++i) {
        t.ids.push_back(*i);
        last = i.get_weight();
    }
    std::sort(t.ids.begin(), t.ids.end());
    t.floor = m.get_matches_lower_bound() > t.ids.size() ? last : 0;
    bytes_ += t.ids.size() * sizeof(Xapian::docid) + key.size() + 64;
    return &tops_.emplace(std::move(key), std::move(t)).first->second;
}

/* Documents of the unit's terms, if they are at most max in all (counted with repeats), so
 * that all of them are candidates and none needs a top. */
static bool small_unit(const Xapian::Database &db, const index__plan &unit, Xapian::doccount max,
                       std::vector<Xapian::docid> &out)
{
    std::vector<const index__plan *> terms;
    if (unit.op == index__plan::TERM)
        terms.push_back(&unit);
    for (const index__plan &k : unit.kids) {
        if (k.op != index__plan::TERM)
            return false;
        terms.push_back(&k);
    }
    uint64_t n = 0;
    for (const index__plan *t : terms)
        if ((n += db.get_termfreq(t->term)) > max)
            return false;
    for (const index__plan *t : terms) {
        Xapian::PostingIterator end = db.postlist_end(t->term);
        for (Xapian::PostingIterator p = db.postlist_begin(t->term); p != end; ++p)
            out.push_back(*p);
    }
    return true;
}

index__topdocs::outcome
index__topdocs::attempt(const Xapian::Database &db, const std::vector<const index__plan *> &units,
                        const Xapian::Query &query, const index__bits &match, uint32_t depth,
                        Xapian::doccount first, Xapian::doccount count, Xapian::MSet &out)
{
    double bound = 0;
    bool missing = false;
    std::vector<Xapian::docid> cand, all;
    for (const index__plan *u : units) {
        all.clear();
        if (small_unit(db, *u, depth, all)) {
            for (Xapian::docid d : all)
                if (has(match, d))
                    cand.push_back(d);
            continue;
        }
        const top *tp = top_of(db, *u, depth);
        if (!tp) {
            missing = true; /* Go on: every unit of the query is noted at once. */
            continue;
        }
        bound += tp->floor;
        for (Xapian::docid d : tp->ids)
            if (has(match, d))
                cand.push_back(d);
    }
    if (missing || bound == 0)
        return NOT_TRIED; /* No tops yet, or every unit is small and so is the result. */
    std::sort(cand.begin(), cand.end());
    cand.erase(std::unique(cand.begin(), cand.end()), cand.end());
    if (cand.size() < (size_t)first + count)
        return UNPROVEN;
    candidate_source src(cand);
    Xapian::Enquire e(db);
    e.set_query(Xapian::Query(Xapian::Query::OP_FILTER, query, Xapian::Query(&src)));
    Xapian::MSet m = e.get_mset(first, count, (Xapian::doccount)0);
    /* Strictly above the bound, with room for the sums' rounding: a document outside
     * weighs at most `bound`, so it could only tie, and a tie could order it first. */
    if (m.size() < count || !(m.back().get_weight() > bound * (1 + 1e-9) + 1e-12))
        return UNPROVEN;
    out = m;
    return SETTLED;
}

index__topdocs::outcome index__topdocs::rank(const Xapian::Database &db, const index__plan &plan,
                                             const Xapian::Query &query, const index__bits &match,
                                             uint64_t total, Xapian::doccount first,
                                             Xapian::doccount count, Xapian::MSet &out)
{
    if (per_term_ == 0 || count == 0 || (uint64_t)first + count > per_term_ ||
        total < (uint64_t)FROM_TOTAL_PER_TERM * per_term_)
        return NOT_TRIED;
    std::vector<const index__plan *> units;
    std::unordered_set<std::string> seen;
    if (!leaves(plan, units, seen))
        return NOT_TRIED;
    if (!valid_ || rev_ != db.get_revision()) {
        tops_.clear();
        seen_.clear();
        bytes_ = 0;
        rev_ = db.get_revision();
        valid_ = true;
    }
    /* Where many documents weigh nearly the same for a unit (a word in thousands of names,
     * or in 150,000 descriptions of similar length), the N-th weighs nearly as much as the
     * first and no page clears the bound; deeper tops lower it. Measured on the bench
     * workloads: 13% of pages unproven at N alone, 1-5% with 4N, none with 16N. */
    for (uint32_t depth : {per_term_, per_term_ * DEEPER, per_term_ * DEEPER * DEEPER}) {
        outcome o = attempt(db, units, query, match, depth, first, count, out);
        if (o != UNPROVEN)
            return o;
    }
    return UNPROVEN;
}
