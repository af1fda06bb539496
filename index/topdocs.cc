/*
 * topdocs.cc: candidate ranking (see topdocs.h).
 *
 * Costs: a unit's weights are one Xapian pass over all the documents of each of its leaves
 * (a few milliseconds for a word in 150,000 documents), once per revision and only for a
 * unit seen twice in it.
 * They take 12 bytes per document (id and weight), or 8 bytes per document and 12 bytes per
 * 64 documents of the index when the unit is in more than 1 in 21 of them (a bitmap), plus
 * its tops, and are kept within weights_budget() for the whole process. A page ranked from
 * candidates then costs a lookup of each candidate in each unit's weights, and a sort of the few
 * that can reach the page.
 */
#include "index/topdocs.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

/* Held by the process's unit weights: 2 bytes a document of the index for each of
 * WEIGHTS_DENSE_UNITS units, and never less than WEIGHTS_MIN_BYTES. A fixed 128 MB held 340
 * units in most documents over 190,000 profiles of realistic length, where the 1-2 word
 * queries of the search bench use more; units were dropped and rebuilt (a full ranking
 * each) and a server slowed from pass to pass to a third of its speed (bench/RESULTS.md,
 * issue 21). */
enum { WEIGHTS_DENSE_UNITS = 1024 };
static const size_t WEIGHTS_MIN_BYTES = (size_t)128 * 1024 * 1024;

static size_t weights_budget(const Xapian::Database &db)
{
    return std::max(WEIGHTS_MIN_BYTES, (size_t)db.get_doccount() * 2 * WEIGHTS_DENSE_UNITS);
}

/* What a unit weighs in a document that lacks it (a weight is never negative). */
constexpr double ABSENT = -1;

/* A unit's weights: each document's weight for the unit alone, as Xapian weighs it. */
struct index__unit_weights {
    std::vector<double> w; /* The unit's documents' weights, by id ascending. */
    size_t docs = 0;       /* Documents holding the unit. */
    /* Which documents: their ids, ascending (a unit in few documents); or, when that takes
     * more room than a bit per document of the index (a unit in more than 1 in 21), their
     * bitmap with the number of documents before each 64-bit word, so that a lookup is a
     * popcount instead of a search. */
    std::vector<Xapian::docid> ids;
    std::vector<uint64_t> bits;
    std::vector<uint32_t> before;
    /* Per depth: the top (the first documents in Xapian's order, weight descending, then
     * id), ascending by id; empty when the top would hold every document. */
    std::vector<Xapian::docid> top[index__topdocs::DEPTHS];
    /* Per depth: the exact weight of the top's last document, which no document outside
     * the top exceeds; 0 when the top holds every document. */
    double floor[index__topdocs::DEPTHS] = {0, 0, 0};

    size_t bytes() const
    {
        size_t b = w.size() * 8 + ids.size() * 4 + bits.size() * 8 + before.size() * 4 + 256;
        for (const auto &t : top)
            b += t.size() * 4;
        return b;
    }

    /* Every document of the unit, ascending. */
    std::vector<Xapian::docid> all_ids() const
    {
        if (bits.empty())
            return ids;
        std::vector<Xapian::docid> out;
        for (size_t k = 0; k < bits.size(); k++)
            for (uint64_t m = bits[k]; m; m &= m - 1)
                out.push_back((Xapian::docid)(k * 64 + __builtin_ctzll(m)));
        return out;
    }

    /* weigh() by the bitmap. popcnt is not in the x86-64 baseline GCC compiles for (a
     * popcount is then a dozen instructions), so there is a version for CPUs that have it. */
    __attribute__((always_inline)) inline void weigh_by_bits(const std::vector<Xapian::docid> &docs,
                                                             std::vector<double> &out) const
    {
        for (size_t i = 0; i < docs.size(); i++) {
            size_t k = docs[i] / 64;
            if (k >= bits.size())
                break;
            uint64_t below = bits[k] & ((2ull << (docs[i] % 64)) - 1);
            if (below >> (docs[i] % 64))
                out[i] = w[before[k] + __builtin_popcountll(below) - 1];
        }
    }
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
    __attribute__((target("popcnt"))) void
    weigh_by_bits_popcnt(const std::vector<Xapian::docid> &docs, std::vector<double> &out) const
    {
        weigh_by_bits(docs, out);
    }
#endif

    /* The weights of documents `docs` (ascending) into out, ABSENT where a document lacks
     * the unit. By ids, each lookup gallops on from the last. */
    void weigh(const std::vector<Xapian::docid> &docs, std::vector<double> &out) const
    {
        out.assign(docs.size(), ABSENT);
        if (!bits.empty()) {
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
            static const bool popcnt = __builtin_cpu_supports("popcnt");
            if (popcnt)
                return weigh_by_bits_popcnt(docs, out);
#endif
            return weigh_by_bits(docs, out);
        }
        const Xapian::docid *begin = ids.data(), *end = begin + ids.size(), *at = begin;
        if (ids.size() <= docs.size() * 4) {
            /* About as many ids as documents (every match weighed): one merge of the two
             * ascending lists costs a few instructions an element, a galloping search
             * twenty or thirty a document. */
            const Xapian::docid *d = docs.data(), *dend = d + docs.size();
            double *o = out.data();
            while (d != dend && at != end) {
                if (*at < *d) {
                    at++;
                } else {
                    if (*at == *d)
                        o[d - docs.data()] = w[at - begin];
                    d++;
                }
            }
            return;
        }
        for (size_t i = 0; i < docs.size() && at != end; i++) {
            size_t step = 1;
            while (at + step < end && at[step] < docs[i])
                step *= 2;
            at = std::lower_bound(at, std::min(at + step + 1, end), docs[i]);
            if (at != end && *at == docs[i])
                out[i] = w[at - begin];
        }
    }
};

namespace
{

/* Every document a query matches, with its weight (Xapian calls a match spy for each
 * document it counts, and it counts them all when asked to check all). */
class weight_spy : public Xapian::MatchSpy
{
  public:
    std::vector<std::pair<Xapian::docid, double>> seen;

    void operator()(const Xapian::Document &doc, double wt) override
    {
        seen.emplace_back(doc.get_docid(), wt);
    }
};

/* The plan's leaves into out: its terms, and its SYNONYMs whole (Xapian weighs a SYNONYM
 * as one word, from its own statistics alone). False if the plan holds anything candidate
 * ranking cannot bound: all documents, or one leaf twice (Xapian weighs a term asked twice
 * by its query frequency, not as the sum of two). */
bool leaves(const index__plan &p, std::vector<const index__plan *> &out,
            std::unordered_set<std::string> &seen)
{
    switch (p.op) {
    case index__plan::TERM:
    case index__plan::SYNONYM:
        if (!seen.insert(p.key()).second)
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

/* The plan's units into out, in the plan's order: its words (nodes marked as a query word
 * with all its forms), and any leaf outside a word. A word's forms (exact, folded,
 * stemmed, split, a prefix's completions) always add up the same way, so they are weighed
 * as one unit, with one top and one floor: the floor of their sum is often far below the
 * sum of their floors, which proves pages from shallower tops, and a page weighs one
 * vector a word instead of one a form. Units are words, not whole queries, so that
 * queries sharing a word share its weights. False where leaves() is. */
void units_at(const index__plan &p, std::vector<const index__plan *> &out)
{
    if (p.word || p.op == index__plan::TERM || p.op == index__plan::SYNONYM) {
        out.push_back(&p);
        return;
    }
    for (const index__plan &k : p.kids)
        units_at(k, out);
}

bool units(const index__plan &plan, std::vector<const index__plan *> &out)
{
    std::vector<const index__plan *> lv;
    std::unordered_set<std::string> seen;
    if (!leaves(plan, lv, seen))
        return false;
    units_at(plan, out);
    return true;
}

bool has(const index__bits &b, Xapian::docid d)
{
    return d / 64 < b.size() && (b[d / 64] >> (d % 64) & 1);
}

/* The plan's weight in each candidate, as Xapian adds it up (in another order), from
 * its units' weights: unit_w[k] belongs to units[k], the plan's k-th unit in the plan's
 * order (its leaves, or what units() lists), and `next` walks that order. An AND weighs
 * the sum of its kids where they all match and is ABSENT elsewhere, so a word of an AND
 * that does not match adds nothing; an OR weighs the sum of the kids that match. The sums
 * are made in place, in the vector of the plan's first unit, whose index is returned. A
 * unit's own weights were summed this same way from its leaves, so the sums are the same
 * to the bit whichever nodes are units. */
size_t combine(const index__plan &p, const std::vector<const index__plan *> &units,
               std::vector<std::vector<double>> &unit_w, size_t &next)
{
    if (next < units.size() && units[next] == &p)
        return next++;
    std::vector<double> &acc = unit_w[combine(p.kids[0], units, unit_w, next)];
    for (size_t k = 1; k < p.kids.size(); k++) {
        const std::vector<double> &kid = unit_w[combine(p.kids[k], units, unit_w, next)];
        for (size_t i = 0; i < acc.size(); i++) {
            if (p.op == index__plan::AND)
                acc[i] = acc[i] < 0 || kid[i] < 0 ? ABSENT : acc[i] + kid[i];
            else if (kid[i] >= 0)
                acc[i] = std::max(acc[i], 0.0) + kid[i];
        }
    }
    return &acc - unit_w.data();
}

/* Weight descending, then id: Xapian's order of a ranking. */
struct heavier_t {
    bool operator()(const std::pair<Xapian::docid, double> &a,
                    const std::pair<Xapian::docid, double> &b) const
    {
        return a.second > b.second || (a.second == b.second && a.first < b.first);
    }
};
constexpr heavier_t heavier{};

/* Depth of the tops of depth number `level`. */
uint32_t depth(uint32_t per_term, int level)
{
    for (int l = 0; l < level; l++)
        per_term *= index__topdocs::DEEPER;
    return per_term;
}

/* Each document of a leaf (a term or a SYNONYM) with its weight for the leaf alone, by id:
 * one Xapian pass over the leaf's documents. */
std::vector<std::pair<Xapian::docid, double>> leaf_weights(const Xapian::Database &db,
                                                           const index__plan &leaf)
{
    Xapian::Enquire e(db);
    e.set_query(leaf.query());
    weight_spy spy;
    e.add_matchspy(&spy);
    e.get_mset(0, 0, db.get_doccount());
    /* Xapian walks one database's postings by id; sorting only guards that assumption. */
    if (!std::is_sorted(spy.seen.begin(), spy.seen.end()))
        std::sort(spy.seen.begin(), spy.seen.end());
    return std::move(spy.seen);
}

/* A unit's weights and tops from each of its documents' weight, by id (taken apart). */
std::shared_ptr<const index__unit_weights>
from_weights(const Xapian::Database &db, uint32_t per_term,
             std::vector<std::pair<Xapian::docid, double>> seen)
{
    auto ws = std::make_shared<index__unit_weights>();
    ws->docs = seen.size();
    size_t words = (size_t)db.get_lastdocid() / 64 + 1;
    for (const auto &p : seen)
        words = std::max(words, (size_t)p.first / 64 + 1);
    ws->w.reserve(seen.size());
    for (const auto &p : seen)
        ws->w.push_back(p.second);
    if (seen.size() * 4 > words * 12) { /* ids would take more than bits and counts */
        ws->bits.assign(words, 0);
        ws->before.assign(words, 0);
        for (const auto &p : seen)
            ws->bits[p.first / 64] |= 1ull << (p.first % 64);
        for (size_t k = 1; k < words; k++)
            ws->before[k] = ws->before[k - 1] + __builtin_popcountll(ws->bits[k - 1]);
    } else {
        ws->ids.reserve(seen.size());
        for (const auto &p : seen)
            ws->ids.push_back(p.first);
    }
    size_t deepest = std::min<size_t>(seen.size(), depth(per_term, index__topdocs::DEPTHS - 1));
    std::partial_sort(seen.begin(), seen.begin() + deepest, seen.end(), heavier);
    for (int l = 0; l < index__topdocs::DEPTHS; l++) {
        uint32_t k = depth(per_term, l);
        if (seen.size() <= k)
            break; /* This top and the deeper ones would hold every document. */
        ws->floor[l] = seen[k - 1].second;
        std::vector<Xapian::docid> &top = ws->top[l];
        top.reserve(k);
        for (size_t i = 0; i < k; i++)
            top.push_back(seen[i].first);
        std::sort(top.begin(), top.end());
    }
    return ws;
}

/* A unit's weights: a leaf's from Xapian; a word's forms (an AND or OR of leaves) summed
 * from its leaves' as combine() sums them, over every document holding a leaf, keeping
 * those the unit matches. */
std::shared_ptr<const index__unit_weights> build(const Xapian::Database &db, uint32_t per_term,
                                                 const index__plan &unit)
{
    if (unit.op == index__plan::TERM || unit.op == index__plan::SYNONYM)
        return from_weights(db, per_term, leaf_weights(db, unit));
    std::vector<const index__plan *> lv;
    std::unordered_set<std::string> seen_leaves;
    leaves(unit, lv, seen_leaves);
    std::vector<std::vector<std::pair<Xapian::docid, double>>> of(lv.size());
    std::vector<Xapian::docid> docs;
    for (size_t k = 0; k < lv.size(); k++) {
        of[k] = leaf_weights(db, *lv[k]);
        for (const auto &p : of[k])
            docs.push_back(p.first);
    }
    std::sort(docs.begin(), docs.end());
    docs.erase(std::unique(docs.begin(), docs.end()), docs.end());
    std::vector<std::vector<double>> leaf_w(lv.size());
    for (size_t k = 0; k < lv.size(); k++) {
        leaf_w[k].assign(docs.size(), ABSENT);
        size_t i = 0;
        for (const auto &p : of[k]) {
            while (docs[i] < p.first)
                i++;
            leaf_w[k][i] = p.second;
        }
        of[k] = {};
    }
    size_t next = 0;
    const std::vector<double> &sum = leaf_w[combine(unit, lv, leaf_w, next)];
    std::vector<std::pair<Xapian::docid, double>> matched;
    for (size_t i = 0; i < docs.size(); i++)
        if (sum[i] >= 0)
            matched.emplace_back(docs[i], sum[i]);
    return from_weights(db, per_term, std::move(matched));
}

/* The units' weights of the newest revision asked for, shared by every reader of it. */
class weights_cache
{
  public:
    /* The unit's weights at db's revision, or NULL when the unit is seen for the first time
     * in it (the weights cost a ranking of all the unit's documents, as much as the query
     * itself, so they are built for units that come back) or when db is behind the
     * revision the cache holds. */
    std::shared_ptr<const index__unit_weights> get(const Xapian::Database &db, uint32_t per_term,
                                                   const index__plan &unit)
    {
        std::string key = std::to_string(per_term) + '\x03' + unit.key();
        std::string uuid = db.get_uuid();
        Xapian::rev rev = db.get_revision();
        {
            std::lock_guard<std::mutex> hold(mu_);
            if (!at(uuid, rev))
                return NULL;
            auto it = units_.find(key);
            if (it != units_.end())
                return it->second;
            if (seen_.size() > MAX_SEEN)
                seen_.clear();
            if (seen_.insert(key).second)
                return NULL;
        }
        /* Built unlocked: two threads may build the same unit once each. */
        std::shared_ptr<const index__unit_weights> ws = build(db, per_term, unit);
        std::lock_guard<std::mutex> hold(mu_);
        if (!valid_ || uuid != uuid_ || rev != rev_)
            return ws; /* The cache moved on meanwhile: good for this query only. */
        size_t b = ws->bytes();
        /* Full: drop units in the table's order, which follows no pattern of use, so a
         * workload cycling over more units than fit keeps most of them. */
        size_t budget = weights_budget(db);
        for (auto it = units_.begin(); it != units_.end() && bytes_ + b > budget;) {
            bytes_ -= it->second->bytes();
            it = units_.erase(it);
        }
        auto ins = units_.emplace(std::move(key), ws);
        if (ins.second)
            bytes_ += b;
        return ins.first->second;
    }

    size_t bytes()
    {
        std::lock_guard<std::mutex> hold(mu_);
        return bytes_;
    }

  private:
    enum { MAX_SEEN = 1 << 20 };

    /* Moves the cache to (uuid, rev) unless that is an older revision of the same
     * database, and then says no: a reader that has not refreshed since a commit ranks
     * every match until it does, rather than emptying the cache that the readers at the
     * new revision are filling (which would go back and forth until all had refreshed). */
    bool at(const std::string &uuid, Xapian::rev rev)
    {
        if (valid_ && uuid == uuid_ && rev == rev_)
            return true;
        if (valid_ && uuid == uuid_ && rev < rev_)
            return false;
        units_.clear();
        seen_.clear();
        bytes_ = 0;
        uuid_ = uuid;
        rev_ = rev;
        valid_ = true;
        return true;
    }

    std::mutex mu_;
    bool valid_ = false;
    std::string uuid_;
    Xapian::rev rev_ = 0;
    size_t bytes_ = 0; /* Held by units_. */
    std::unordered_map<std::string, std::shared_ptr<const index__unit_weights>> units_;
    std::unordered_set<std::string> seen_; /* Units asked for once at this revision. */
};

weights_cache &shared_weights()
{
    static weights_cache c;
    return c;
}

} // namespace

extern "C" size_t index_candidate_weights_bytes(void)
{
    return shared_weights().bytes();
}

void index__topdocs::set_per_term(uint32_t n)
{
    per_term_ = n;
}

index__topdocs::outcome
index__topdocs::attempt(const index__plan &plan, const std::vector<const index__plan *> &unit_plans,
                        const std::vector<unit_ref> &units, const index__bits &match, int level,
                        Xapian::doccount first, Xapian::doccount count, page &out)
{
    double bound = 0;
    std::vector<Xapian::docid> &cand = cand_;
    cand.clear();
    if (level == EVERY_MATCH) {
        for (size_t w = 0; w < match.size(); w++)
            for (uint64_t bits = match[w]; bits; bits &= bits - 1)
                cand.push_back((Xapian::docid)(w * 64 + __builtin_ctzll(bits)));
        if (first >= cand.size())
            return NOT_TRIED;
        count = std::min<Xapian::doccount>(count, cand.size() - first);
    } else {
        for (const unit_ref &u : units) {
            bound += u->floor[level];
            /* A unit whose top would hold all its documents gives them all. */
            std::vector<Xapian::docid> every;
            if (u->top[level].empty())
                every = u->all_ids();
            const std::vector<Xapian::docid> &top = u->top[level].empty() ? every : u->top[level];
            size_t from = cand.size();
            for (Xapian::docid d : top)
                if (has(match, d))
                    cand.push_back(d);
            std::inplace_merge(cand.begin(), cand.begin() + from, cand.end());
        }
        cand.erase(std::unique(cand.begin(), cand.end()), cand.end());
    }
    size_t want = (size_t)first + count;
    if (cand.size() < want)
        return UNPROVEN;
    /* What each unit weighs in each candidate, or ABSENT where the candidate lacks it.
     * The vectors are kept from call to call: fresh ones for a match set of 200,000 were
     * pages the kernel had to fault in and clear, a tenth of a search. */
    if (unit_w_.size() < units.size())
        unit_w_.resize(units.size());
    for (size_t k = 0; k < units.size(); k++)
        units[k]->weigh(cand, unit_w_[k]);
    size_t next = 0;
    const std::vector<double> &weight = unit_w_[combine(plan, unit_plans, unit_w_, next)];
    /* The best `want` (the match set holds every candidate, so each weighs at least 0),
     * kept as a heap with the lightest first. */
    page best;
    best.reserve(want);
    for (size_t i = 0; i < cand.size(); i++) {
        std::pair<Xapian::docid, double> hit(cand[i], std::max(weight[i], 0.0));
        if (best.size() < want) {
            best.push_back(hit);
            std::push_heap(best.begin(), best.end(), heavier);
        } else if (heavier(hit, best.front())) {
            std::pop_heap(best.begin(), best.end(), heavier);
            best.back() = hit;
            std::push_heap(best.begin(), best.end(), heavier);
        }
    }
    std::sort_heap(best.begin(), best.end(), heavier);
    /* Strictly above the bound, with room for the sums' rounding: a document outside
     * weighs at most `bound`, so it could only tie, and a tie could order it first. When
     * the page's last does not clear it, a deeper top may. */
    if (level != EVERY_MATCH && !(best[want - 1].second > bound * (1 + 1e-9) + 1e-12))
        return UNPROVEN;
    out.assign(best.begin() + first, best.end());
    return SETTLED;
}

index__topdocs::outcome index__topdocs::rank(const Xapian::Database &db, const index__plan &plan,
                                             const index__bits &match, uint64_t total,
                                             Xapian::doccount first, Xapian::doccount count,
                                             page &out)
{
    /* A result of up to N matches has them all as candidates: no bound to clear. */
    bool small = total <= per_term_;
    if (per_term_ == 0 || count == 0 || first >= total ||
        (!small && (uint64_t)first + count > per_term_))
        return NOT_TRIED;
    std::vector<const index__plan *> units_of;
    if (!units(plan, units_of))
        return NOT_TRIED;
    std::vector<unit_ref> units;
    bool missing = false;
    for (const index__plan *p : units_of) {
        unit_ref w = shared_weights().get(db, per_term_, *p);
        missing |= !w; /* Go on: every unit of the query is noted at once. */
        units.push_back(std::move(w));
    }
    if (missing)
        return NOT_TRIED;
    /* Where many documents weigh nearly the same for a unit (a word in thousands of names,
     * or in 150,000 descriptions of similar length), the N-th weighs nearly as much as the
     * first and no page clears the bound; deeper tops lower it. Measured on the bench
     * workloads: 13% of pages unproven at N alone, 1-5% with 4N, none with 16N. */
    if (small)
        return attempt(plan, units_of, units, match, EVERY_MATCH, first, count, out);
    /* Where words weigh much alike in many documents, every depth fails and each costs
     * its candidates' lookups for nothing; a query asked again at this revision starts
     * where it settled last time. Which depth proves a page does not change the page. */
    std::string key = std::to_string(total) + '\x02' + std::to_string(first + count);
    for (const index__plan *p : units_of)
        key += p->key() + '\x02';
    Xapian::rev rev = db.get_revision();
    if (rev != hints_rev_ || hints_.size() > MAX_HINTS) {
        hints_.clear();
        hints_rev_ = rev;
    }
    auto hint = hints_.find(key);
    int from = hint == hints_.end() ? 0 : hint->second;
    for (int level = from; level < DEPTHS; level++) {
        /* Tops that hold half the matches cost as much as weighing them all, and may still
         * fail. */
        uint64_t tops = 0;
        for (const unit_ref &u : units)
            tops += u->top[level].empty() ? u->docs : u->top[level].size();
        if (tops * 2 >= total)
            break;
        outcome o = attempt(plan, units_of, units, match, level, first, count, out);
        if (o != UNPROVEN) {
            hints_[key] = level;
            return o;
        }
    }
    /* No depth proved the page (where a word's forms and its split halves all add up,
     * their floors sum past the page: "agrifood community"). Every match as a candidate
     * needs no bound, and weighing them from the kept weights is a pass over the match
     * set: at scale 100, 0.2-1 ms against the 5-13 ms of Xapian weighing every match. */
    if (total > EVERY_MATCH_MAX)
        return UNPROVEN;
    hints_[key] = DEPTHS;
    return attempt(plan, units_of, units, match, EVERY_MATCH, first, count, out);
}
