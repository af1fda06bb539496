/*
 * search.cc: index_search.
 *
 * reader.cc: per-thread readers and everything that reads: search with exact totals and
 * facet counts, snippets, spelling suggestions, as-you-type completion and map grouping.
 *
 * Queries are built here, never by Xapian's QueryParser, so no input is an operator: the
 * text is folded and split into words exactly as documents are (text.cc), at most 16
 * words count, and every word becomes (word OR Z<stem> OR stem OR its synonyms); the last word,
 * unless followed by a separator, also matches as a prefix (the 40 most frequent
 * completions). Words are ANDed. Split and joined words are tried against the term list:
 * "cyber security" also runs as "cybersecurity" when that word is indexed, and an unknown
 * "cybersecurity" also runs as cyber AND security when both halves are. Filters are
 * boolean terms: values of one facet OR, facets AND, applied with OP_FILTER (no weight).
 *
 * Exactness: the page is ranked with Xapian's pruning, a large result's from candidates
 * when the weights prove that no other document can reach the page (topdocs.h); the total
 * and the facet counts come from the match set as a bitmap built from the same plan
 * (docsets.h), one popcount per facet value. Right after a commit, a result small enough for the
 * ranked pass to count exactly is counted by an unweighted pass reading one packed facet value per
 * match instead, so that frequent commits do not make small queries rebuild bitmaps.
 *
 * Results own their memory (index__result_mem): strings are copied into it, so a result
 */
#include "index/reader.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <tuple>

namespace reading
{

/* ---- search ---------------------------------------------------------------------------- */

/* Whether word q is found in the index at all: as itself, through its stem, a synonym or,
 * while typed, as the start of a word. Such a word is never corrected. */
static bool word_known(index_reader *r, const qword &q)
{
    if (q.form != qword::WORD)
        return true; /* Phrases and symbol terms are taken as written. */
    if (r->db.get_termfreq(q.w) || r->db.get_termfreq("Z" + q.stem) ||
        (q.stem != q.w && r->db.get_termfreq(q.stem)))
        return true;
    if (r->db.synonyms_begin(q.w) != r->db.synonyms_end(q.w))
        return true;
    if (q.prefix) {
        Xapian::TermIterator it = r->db.allterms_begin(q.w);
        if (it != r->db.allterms_end(q.w))
            return true;
    }
    return false;
}

/* Spelling correction of the query's words, changing only words found nowhere in the
 * index, of 4 characters or more (shorter ones are acronyms and abbreviations: "EIT" is
 * not a typo of "est"), and at most one edit away below 8 characters ("gold" is not
 * "goods"), two from 8. */
static std::string spelling_fix(index_reader *r, const std::vector<qword> &words, bool &changed)
{
    std::string out;
    changed = false;
    for (const qword &q : words) {
        std::string w = q.w;
        size_t chars = code_points(q.w, 0).size();
        if (chars >= 4 && q.w.size() <= 24 && !word_known(r, q)) {
            std::string s = r->db.get_spelling_suggestion(q.w, chars >= 8 ? 2 : 1);
            if (!s.empty() && s != q.w) {
                w = s;
                changed = true;
            }
        }
        if (!out.empty())
            out += ' ';
        out += q.form == qword::PHRASE ? "\"" + w + "\"" : w;
    }
    return out;
}

/* Matches counted exactly by the ranked pass before it starts pruning. */
enum { EXACT_UP_TO = 2000 };

/* ---- ranking rules --------------------------------------------------------------------- */

/* Matches ranked by the rules (index.h, index_search): the best RERANK_WINDOW by score, and
 * as many of the types weighing most. */
enum { RERANK_WINDOW = 20 };

namespace
{
struct rank_key {
    Xapian::docid did;
    double score;
    int words, order, exact, kind, type;
};

} // namespace

int parse_type_weights(const index_query *q, type_weights &tw)
{
    if (!q->type_weights_given) {
        static const char defaults[] = INDEX_TYPE_WEIGHTS_DEFAULT;
        std::string all(defaults);
        size_t pos = 0;
        while (pos < all.size()) {
            size_t comma = all.find(',', pos), colon = all.find(':', pos);
            if (comma == std::string::npos)
                comma = all.size();
            tw.list.emplace_back(all.substr(pos, colon - pos), atoi(all.c_str() + colon + 1));
            pos = comma + 1;
        }
    } else {
        if (q->type_weights_len > 64 || (q->type_weights_len && !q->type_weights))
            return index__fail(INDEX_EINVAL, "at most 64 type weights");
        for (size_t i = 0; i < q->type_weights_len; i++) {
            const index_type_weight &t = q->type_weights[i];
            if (!index__valid_value(t.type) || t.weight > INDEX_TYPE_WEIGHT_MAX)
                return index__fail(INDEX_EINVAL, "a type weight is a type and 0..9");
            tw.list.emplace_back(std::string(t.type.ptr, t.type.len), (int)t.weight);
        }
        tw.kinds = q->type_weights_len > 0;
    }
    for (const auto &kv : tw.list)
        tw.top = std::max(tw.top, kv.second);
    return 0;
}

/* Rules 1-3 for one hit: its name and city (ws, from name_words_of) against the query's
 * words. */
static void rank_text(const index__summary &s, const std::vector<name_word> &ws,
                      const std::vector<rank_word> &q, rank_key &out)
{
    typedef name_word word;
    auto quality = [](const rank_word &q, const word &x) {
        if (x.lower == q.raw)
            return 3;
        if (x.folded == q.w)
            return 2;
        if (x.folded.compare(0, q.w.size(), q.w) == 0 ||
            (q.stem.size() >= 3 && x.folded.compare(0, q.stem.size(), q.stem) == 0))
            return 1;
        return 0;
    };
    /* Split and joined forms count as a folded form (2): two neighbouring query words
     * written as one word of the name ("agri food", "Agrifood"), one query word written
     * as two neighbouring words of a field ("ehealth", "E-Health"). */
    auto joins = [&](size_t k,
                     size_t p) { /* q[k], q[k+1] as ws[p] */
                                 return k + 1 < q.size() && !q[k].symbol && !q[k + 1].symbol &&
                                        ws[p].folded.size() == q[k].w.size() + q[k + 1].w.size() &&
                                        ws[p].folded.compare(0, q[k].w.size(), q[k].w) == 0 &&
                                        ws[p].folded.compare(q[k].w.size(), std::string::npos,
                                                             q[k + 1].w) == 0;
    };
    auto splits = [&](size_t k,
                      size_t p) { /* q[k] as ws[p], ws[p+1] of one field */
                                  const std::string &w = q[k].w;
                                  return p + 1 < ws.size() && ws[p].in_name == ws[p + 1].in_name &&
                                         w.size() ==
                                             ws[p].folded.size() + ws[p + 1].folded.size() &&
                                         w.compare(0, ws[p].folded.size(), ws[p].folded) == 0 &&
                                         w.compare(ws[p].folded.size(), std::string::npos,
                                                   ws[p + 1].folded) == 0;
    };
    out.words = out.exact = out.order = 0;
    std::string lowered;
    std::vector<int> best(q.size(), 0);
    for (size_t k = 0; k < q.size(); k++) {
        const rank_word &qw = q[k];
        if (qw.symbol) {
            if (lowered.empty())
                lowered = index__lower(s.name.data(), s.name.size()) + " " +
                          index__lower(s.city.data(), s.city.size());
            best[k] = lowered.find(qw.raw) != std::string::npos ? 3 : 0;
            std::string joined = index__joined(qw.w);
            for (size_t p = 0; p < ws.size() && best[k] < 2 && !joined.empty(); p++)
                if (ws[p].folded == joined)
                    best[k] = 2; /* "e-health" written "eHealth". */
        }
        for (size_t p = 0; p < ws.size(); p++) {
            best[k] = std::max(best[k], quality(qw, ws[p]));
            if (best[k] < 2 && !qw.symbol && splits(k, p))
                best[k] = 2;
            if (joins(k, p)) {
                best[k] = std::max(best[k], 2);
                best[k + 1] = std::max(best[k + 1], 2);
            }
        }
    }
    for (size_t k = 0; k < q.size(); k++) {
        out.words += best[k] > 0;
        out.exact += best[k];
    }
    /* In order: the query's words in a row in the name, a word matching, two query words
     * joined as one name word, or one query word split over two. */
    if (q.size() >= 2)
        for (size_t i = 0; i < ws.size() && !out.order; i++) {
            size_t p = i, k = 0;
            while (k < q.size() && p < ws.size() && ws[p].in_name) {
                if (quality(q[k], ws[p]) > 0)
                    p++, k++;
                else if (joins(k, p))
                    p++, k += 2;
                else if (!q[k].symbol && splits(k, p) && ws[p + 1].in_name)
                    p += 2, k++;
                else
                    break;
            }
            out.order = k == q.size();
        }
}

static bool rank_before(const rank_key &a, const rank_key &b)
{
    if (a.words != b.words)
        return a.words > b.words;
    if (a.order != b.order)
        return a.order > b.order;
    if (a.exact != b.exact)
        return a.exact > b.exact;
    if (a.kind != b.kind)
        return a.kind > b.kind;
    if (a.type != b.type)
        return a.type > b.type;
    if (a.score != b.score)
        return a.score > b.score;
    return a.did < b.did;
}

/* Runs q with text into m; with need > 0, documents need only that many of the words
 * (build_text). Returns 1, filling nothing, when need gives too many combinations. */
static int run_search(index_reader *r, const index_query *q, index_str text, index__result_mem *m,
                      std::vector<qword> &words_out, size_t need = 0, bool leading = false)
{
    query_stem &qs = stemmer(r, q->language);
    Xapian::Stem &st = qs.stem;
    text_query tq;
    if (!build_text(r, text, qs, tq, need, leading))
        return 1;
    index__plan filter;
    bool has_filter = false;
    int rc = filter_plan(&q->filter, filter, has_filter);
    if (rc)
        return rc;
    Xapian::Query query = tq.plan.query();
    const bool has_excl = tq.excluded.op != index__plan::NONE;
    if (has_excl)
        query = Xapian::Query(Xapian::Query::OP_AND_NOT, query, tq.excluded.query());
    if (has_filter)
        query = Xapian::Query(Xapian::Query::OP_FILTER, query, filter.query());

    Xapian::Enquire enq(r->db);
    enq.set_query(query);
    if (q->sort == INDEX_SORT_NAME)
        enq.set_sort_by_value_then_relevance(INDEX__SLOT_NAME, false);
    else if (q->sort == INDEX_SORT_UPDATED_DESC)
        enq.set_sort_by_value_then_relevance(INDEX__SLOT_UPDATED, true);
    else if (q->sort == INDEX_SORT_OPEN_FIRST)
        enq.set_sort_by_value_then_relevance(INDEX__SLOT_STATE, false);
    uint32_t mask = q->facets & ((1u << INDEX_FACET_COUNT) - 1);
    facet_spy spy(mask);
    /* The unfiltered catalogue matches every document: its counts are the filter terms'
     * frequencies, exact without visiting a document. */
    bool whole = tq.words.empty() && !has_filter && !has_excl;
    Xapian::doccount dbsize = r->db.get_doccount();
    uint32_t per_page = q->per_page ? q->per_page : 20;
    uint64_t page = q->page ? q->page : 1;
    uint64_t first = (page - 1) * per_page;
    if (first > dbsize)
        first = dbsize;
    /* The page is ranked by Xapian with its pruning: only documents that could still reach
     * the page are weighed. The exact total and the facet counts come from the match set
     * as a bitmap (docsets.h), built from the same plan. Right after a commit the bitmaps
     * are gone; then a result that the ranked pass finds small (it counts its first
     * EXACT_UP_TO matches exactly) is counted by visiting its matches instead, so a busy
     * writer does not make every small query rebuild bitmaps. */
    /* Relevance follows the ranking rules over a window of the best matches (index.h). */
    const bool rules = q->sort == INDEX_SORT_RELEVANCE && !tq.words.empty();
    type_weights tw;
    if (rules && (rc = parse_type_weights(q, tw)))
        return rc;
    const Xapian::doccount want_first = rules ? 0 : (Xapian::doccount)first;
    const Xapian::doccount want_count = rules ? (Xapian::doccount)RERANK_WINDOW : per_page;
    /* The ranked documents (want_first .. want_first + want_count - 1) and their weights. */
    index__topdocs::page ranked_page;
    auto take = [&ranked_page](const Xapian::MSet &ms) {
        ranked_page.clear();
        for (Xapian::MSetIterator it = ms.begin(); it != ms.end(); ++it)
            ranked_page.emplace_back(*it, it.get_weight());
    };
    bool ranked = false;
    index__bits &match = r->match; /* Kept: a new one each search was page faults. */
    bool has_match = false;        /* match holds the match set. */
    if (whole) {
        m->res.total = dbsize;
    } else {
        if (!r->sets.current(r->db)) {
            Xapian::MSet mset = enq.get_mset(want_first, want_count, EXACT_UP_TO);
            take(mset);
            ranked = true;
            Xapian::doccount lb = mset.get_matches_lower_bound();
            if (lb == mset.get_matches_upper_bound() && lb <= EXACT_UP_TO) {
                m->res.total = lb;
                if (mask) {
                    Xapian::Enquire count(r->db);
                    count.set_query(query);
                    count.set_weighting_scheme(Xapian::BoolWeight());
                    count.set_docid_order(Xapian::Enquire::ASCENDING);
                    count.add_matchspy(&spy);
                    count.get_mset(0, 0, dbsize);
                }
            } else {
                r->sets.reset(r->db);
            }
        }
        if (r->sets.current(r->db)) {
            has_match = true;
            if (has_filter) {
                std::vector<index__plan> both{tq.plan, filter};
                m->res.total = r->sets.eval(
                    r->db, index__plan::join(index__plan::AND, std::move(both)), match);
            } else {
                m->res.total = r->sets.eval(r->db, tq.plan, match);
            }
            if (has_excl) {
                index__bits out;
                r->sets.eval(r->db, tq.excluded, out);
                for (size_t i = 0; i < match.size() && i < out.size(); i++)
                    match[i] &= ~out[i];
                m->res.total = index__docsets::count(match);
            }
            if (mask)
                count_facets(r, mask, match, spy);
        }
    }
    if (whole) {
        for (int k = 0; k < INDEX_KIND_COUNT; k++)
            spy.kind[k] = r->db.get_termfreq(std::string("K") + index_kind_name((index_kind)k));
        for (int l = 0; l < INDEX_LABEL_COUNT; l++)
            spy.label[l] = r->db.get_termfreq(std::string("L") + index_label_name((index_label)l));
        spy.eligible[0] = r->db.get_termfreq("B0");
        spy.eligible[1] = r->db.get_termfreq("B1");
        const std::pair<const char *, tally *> multi[] = {{"T", &spy.type},
                                                          {"C", &spy.country},
                                                          {"E", &spy.ecosystem},
                                                          {"D", &spy.sought},
                                                          {"X", &spy.state}};
        for (const auto &fm : multi) {
            Xapian::TermIterator end = r->db.allterms_end(fm.first);
            for (Xapian::TermIterator it = r->db.allterms_begin(fm.first); it != end; ++it)
                fm.second->add(std::string_view(*it).substr(1), it.get_termfreq());
        }
    }
    /* With the total known, the ranked pass needs to count nothing; a large result is
     * first ranked from candidates (topdocs.h), which settles most pages exactly. */
    m->res.ranking = INDEX_RANKED_WHOLE;
    if (!ranked && has_match && q->sort == INDEX_SORT_RELEVANCE) {
        switch (
            r->top.rank(r->db, tq.plan, match, m->res.total, want_first, want_count, ranked_page)) {
        case index__topdocs::SETTLED:
            ranked = true;
            m->res.ranking = INDEX_RANKED_CANDIDATES;
            break;
        case index__topdocs::UNPROVEN:
            m->res.ranking = INDEX_RANKED_UNPROVEN;
            break;
        case index__topdocs::NOT_TRIED:
            break;
        }
    }
    if (!ranked && want_first < m->res.total)
        take(enq.get_mset(want_first, want_count, (Xapian::doccount)0));
    std::vector<std::pair<Xapian::docid, double>> hits_of;
    if (!rules) {
        hits_of = ranked_page;
    } else {
        std::vector<rank_key> win;
        /* The preferred: the types above the lowest weight when some listed type weighs
         * less than unlisted ones (the default: all but cluster members), else the types
         * weighing most. */
        int low = INDEX_TYPE_WEIGHT_OTHER;
        for (const auto &kv : tw.list)
            low = std::min(low, kv.second);
        const bool drop_low = low < INDEX_TYPE_WEIGHT_OTHER;
        auto preferred = [&](const rank_key &k) {
            return k.kind && (drop_low ? k.type > low : k.type == tw.top);
        };
        size_t preferred_in_window = 0;
        for (const auto &pd : ranked_page) {
            const index__summary *s = summary_of(r, pd.first);
            rank_key k{pd.first, pd.second, 0, 0, 0, 1, INDEX_TYPE_WEIGHT_OTHER};
            if (s) {
                rank_text(*s, name_words_of(r, pd.first, *s), tq.rank, k);
                k.kind = tw.kind_of(*s);
                k.type = tw.of(s->type);
            }
            preferred_in_window += preferred(k);
            win.push_back(k);
        }
        const size_t from_score = win.size();
        /* The best of the preferred types join the window when it holds too few of them
         * for the page (a hydrogen cluster scoring just below twenty companies named
         * Hydrogen). */
        std::vector<Xapian::docid> lifted;
        /* Preferring all but the lowest types prefers profiles of those types when profiles
         * come before other kinds. */
        const bool profiles_only = drop_low && tw.kinds;
        if (q->filter.types_len == 0 && (drop_low || tw.top > INDEX_TYPE_WEIGHT_OTHER) &&
            (!profiles_only || q->filter.kinds == 0 ||
             (q->filter.kinds & (1u << INDEX_KIND_PROFILE))) &&
            from_score < m->res.total &&
            preferred_in_window < std::min<uint64_t>(first + per_page, RERANK_WINDOW)) {
            std::vector<index__plan> types;
            for (const auto &kv : tw.list)
                if (drop_low ? kv.second == low : kv.second == tw.top)
                    types.push_back(index__plan::leaf("T" + kv.first));
            index__plan type_plan = index__plan::join(index__plan::OR, std::move(types));
            Xapian::Query tq_types = type_plan.query();
            Xapian::Query pq = drop_low ? Xapian::Query(Xapian::Query::OP_AND_NOT, query, tq_types)
                                        : Xapian::Query(Xapian::Query::OP_FILTER, query, tq_types);
            const std::string kprofile = std::string("K") + index_kind_name(INDEX_KIND_PROFILE);
            if (profiles_only && q->filter.kinds != (1u << INDEX_KIND_PROFILE))
                pq = Xapian::Query(Xapian::Query::OP_FILTER, pq, Xapian::Query(kprofile));
            /* As many as the page can show: the window's order of the others is kept. */
            const Xapian::doccount lift =
                (Xapian::doccount)std::min<uint64_t>(first + per_page, RERANK_WINDOW);
            lift_cache &lc = r->lifts;
            Xapian::rev rev = r->db.get_revision();
            if (!lc.valid || lc.rev != rev || lc.bytes > LIFT_CACHE_BYTES) {
                lc.map.clear();
                lc.bytes = 0;
                lc.rev = rev;
                lc.valid = true;
            }
            std::string key = pq.serialise();
            key += '\0';
            key += std::to_string(lift);
            auto cached = lc.map.find(key);
            std::vector<std::pair<Xapian::docid, double>> best;
            if (cached != lc.map.end()) {
                best = cached->second;
            } else {
                bool settled = false;
                if (has_match) {
                    /* From candidates, as the page itself: the preferred matches as a bitmap. */
                    index__bits tb, pref(match), kb;
                    r->sets.eval(r->db, type_plan, tb);
                    for (size_t i = 0; i < pref.size(); i++)
                        pref[i] &=
                            drop_low ? ~(i < tb.size() ? tb[i] : 0) : (i < tb.size() ? tb[i] : 0);
                    if (profiles_only && q->filter.kinds != (1u << INDEX_KIND_PROFILE)) {
                        r->sets.eval(r->db, index__plan::leaf(kprofile), kb);
                        for (size_t i = 0; i < pref.size(); i++)
                            pref[i] &= i < kb.size() ? kb[i] : 0;
                    }
                    uint64_t ptotal = index__docsets::count(pref), in_window = 0;
                    for (size_t i = 0; i < from_score; i++) {
                        Xapian::docid d = win[i].did;
                        in_window += d / 64 < pref.size() && (pref[d / 64] >> (d % 64) & 1);
                    }
                    /* Every preferred match already in the window: nothing to lift. */
                    settled = ptotal <= in_window ||
                              r->top.rank(r->db, tq.plan, pref, ptotal, 0, lift, best) ==
                                  index__topdocs::SETTLED;
                }
                if (!settled) {
                    Xapian::Enquire top(r->db);
                    top.set_query(pq);
                    Xapian::MSet more = top.get_mset(0, lift);
                    for (Xapian::MSetIterator it = more.begin(); it != more.end(); ++it)
                        best.emplace_back(*it, it.get_weight());
                }
                lc.bytes += key.size() + 64 + best.size() * sizeof best[0];
                lc.map.emplace(std::move(key), best);
            }
            std::vector<Xapian::docid> in_win;
            for (const rank_key &k : win)
                in_win.push_back(k.did);
            std::sort(in_win.begin(), in_win.end());
            for (const auto &bd : best) {
                if (std::binary_search(in_win.begin(), in_win.end(), bd.first))
                    continue;
                const index__summary *s = summary_of(r, bd.first);
                rank_key k{bd.first, bd.second, 0, 0, 0, 1, tw.top};
                if (s) {
                    rank_text(*s, name_words_of(r, bd.first, *s), tq.rank, k);
                    k.kind = tw.kind_of(*s);
                    k.type = tw.of(s->type);
                }
                win.push_back(k);
                lifted.push_back(bd.first);
            }
            std::sort(lifted.begin(), lifted.end());
        }
        /* The score a client sees follows the order: a window hit's score is raised to
         * the highest score of the hits the rules put below it, and to the lowest score
         * of the window by score, which no hit past the window exceeds (index.h). */
        double floor = 0;
        for (size_t i = 0; i < from_score; i++)
            floor = i == 0 ? win[i].score : std::min(floor, win[i].score);
        std::sort(win.begin(), win.end(), rank_before);
        for (size_t i = win.size(); i-- > 0;) {
            floor = std::max(floor, win[i].score);
            win[i].score = floor;
        }
        for (uint64_t p = first; p < first + per_page && p < win.size(); p++)
            hits_of.emplace_back(win[p].did, win[p].score);
        /* Past the window: by score, leaving out the documents lifted into it. */
        if (first + per_page > win.size() && m->res.total > win.size()) {
            uint64_t from = std::max<uint64_t>(first, win.size());
            uint64_t skip = from - win.size(), need = first + per_page - from;
            Xapian::MSet rest =
                enq.get_mset((Xapian::doccount)from_score,
                             (Xapian::doccount)(skip + need + lifted.size()), (Xapian::doccount)0);
            for (Xapian::MSetIterator it = rest.begin(); it != rest.end() && need; ++it) {
                if (std::binary_search(lifted.begin(), lifted.end(), *it))
                    continue;
                if (skip) {
                    skip--;
                    continue;
                }
                hits_of.emplace_back(*it, it.get_weight());
                need--;
            }
        }
    }
    /* Snippets mark a phrase's words one by one. */
    std::vector<qword> marked;
    for (const qword &w : tq.words)
        if (w.form == qword::PHRASE)
            for (const std::string &x : w.parts)
                marked.push_back(qword{x, st(x), false});
        else
            marked.push_back(w);
    m->hits.clear();
    m->hits.reserve(hits_of.size());
    for (const auto &pd : hits_of) {
        const index__summary *s = summary_of(r, pd.first);
        if (!s)
            continue;
        index_hit h;
        h.id = m->keep(s->id);
        h.kind = index_kind_name((index_kind)(s->kind < INDEX_KIND_COUNT ? s->kind : 0));
        h.type = m->keep(s->type);
        h.name = m->keep(s->name);
        h.country = m->keep(s->country);
        h.city = m->keep(s->city);
        h.snippet = m->keep(make_snippet(s->text, marked, st));
        h.score = pd.second;
        m->hits.push_back(h);
    }
    for (int f = 0; f < INDEX_FACET_COUNT; f++) {
        m->values[f].clear();
        m->res.facets[f] = index_facet{NULL, NULL, 0};
    }
    emit_facets(m, mask, spy);
    m->res.hits = m->hits.data();
    m->res.hits_len = m->hits.size();
    words_out = tq.words;
    return 0;
}

/* Runs q with text (and need, see run_search) into a new result, retrying on a snapshot
 * the writer moved past. Returns 0 with *out set, 1 with *out NULL (need not tried), or an
 * INDEX_E* code. */
static int search_into(index_reader *r, const index_query *q, index_str text, size_t need,
                       index__result_mem **out, std::vector<qword> &words, bool leading = false)
{
    *out = NULL;
    index__result_mem *m = new index__result_mem;
    memset(&m->res, 0, sizeof m->res);
    m->res.mem_ = m;
    for (int attempt = 0;; attempt++) {
        try {
            int rc = run_search(r, q, text, m, words, need, leading);
            if (rc) {
                delete m;
                return rc;
            }
            break;
        } catch (const Xapian::DatabaseModifiedError &) {
            if (attempt >= 2) {
                delete m;
                throw;
            }
            r->db.reopen(); /* The writer moved past our snapshot: read the new one. */
        } catch (...) {
            delete m;
            throw;
        }
    }
    m->res.words_len = (uint32_t)words.size();
    m->res.matched_words = (uint32_t)words.size();
    *out = m;
    return 0;
}

/* The fewer-words search a partial result comes from (need words of the query, the first
 * ones with leading), decided on match-set bitmaps before any of them is ranked: the
 * documents holding all but one of the words, then fewer; among those, the query's first
 * words (the last typed are dropped first, "Klaster Żywności Opole" is a Klaster Żywności
 * first) when they find at least INDEX_PARTIAL_BELOW, else any of the words. The first
 * level finding more than `found` wins. False when none does.
 *
 * One bitmap per word and a running count of how many words each document holds settle
 * every level at once: ranking each level in turn (as this did before) ran up to 2(n-1)
 * whole searches for a query the index lacks, each costlier than the query itself. */
static bool partial_level_once(index_reader *r, const index_query *q, index_str text,
                               uint64_t found, size_t &need, bool &leading)
{
    text_query tq;
    build_text(r, text, stemmer(r, q->language), tq);
    const size_t n = tq.groups.size();
    index__plan filter;
    bool has_filter = false;
    if (n < 2 || filter_plan(&q->filter, filter, has_filter) != 0)
        return false;
    if (!r->sets.current(r->db))
        r->sets.reset(r->db);
    /* allow: what the filter keeps and no excluded word removes. */
    index__bits allow, b;
    r->sets.eval(r->db, has_filter ? filter : index__plan::all(), allow);
    if (tq.excluded.op != index__plan::NONE) {
        r->sets.eval(r->db, tq.excluded, b);
        for (size_t i = 0; i < allow.size() && i < b.size(); i++)
            allow[i] &= ~b[i];
    }
    /* at_least[k]: documents holding k of the words or more; lead[k]: the first k words. */
    std::vector<index__bits> at_least(n + 1, index__bits(allow.size(), 0));
    std::vector<uint64_t> lead_count(n + 1, 0);
    index__bits lead;
    for (size_t i = 0; i < n; i++) {
        r->sets.eval(r->db, tq.groups[i], b);
        b.resize(allow.size(), 0);
        for (size_t k = i + 1; k >= 2; k--)
            for (size_t w = 0; w < b.size(); w++)
                at_least[k][w] |= at_least[k - 1][w] & b[w];
        for (size_t w = 0; w < b.size(); w++)
            at_least[1][w] |= b[w];
        if (i == 0)
            lead = b;
        else
            for (size_t w = 0; w < b.size(); w++)
                lead[w] &= b[w];
        uint64_t c = 0;
        for (size_t w = 0; w < b.size(); w++)
            c += (uint64_t)__builtin_popcountll(lead[w] & allow[w]);
        lead_count[i + 1] = c;
    }
    for (need = n - 1; need >= 1; need--) {
        if (lead_count[need] > found && lead_count[need] >= INDEX_PARTIAL_BELOW) {
            leading = true;
            return true;
        }
        if (!partial_fits(n, need))
            continue;
        uint64_t c = 0;
        for (size_t w = 0; w < allow.size(); w++)
            c += (uint64_t)__builtin_popcountll(at_least[need][w] & allow[w]);
        if (c > found) {
            leading = false;
            return true;
        }
    }
    return false;
}

static bool partial_level(index_reader *r, const index_query *q, index_str text, uint64_t found,
                          size_t &need, bool &leading)
{
    for (int attempt = 0;; attempt++) {
        try {
            return partial_level_once(r, q, text, found, need, leading);
        } catch (const Xapian::DatabaseModifiedError &) {
            if (attempt >= 2)
                throw;
            r->db.reopen(); /* As search_into: read the writer's new snapshot. */
        }
    }
}

extern "C" int index_search(index_reader *r, const index_query *q, index_result **out)
{
    double t0 = now_ms();
    if (!r || !q || !out)
        return index__fail(INDEX_EINVAL, "reader, query and out are required");
    *out = NULL;
    if (q->q.len > INDEX__MAX_QUERY_BYTES || (q->q.len && !q->q.ptr))
        return index__fail(INDEX_EINVAL, "query longer than 16384 bytes");
    if (q->per_page > 100)
        return index__fail(INDEX_EINVAL, "per_page must be 1..100");
    if ((unsigned)q->sort > INDEX_SORT_OPEN_FIRST)
        return index__fail(INDEX_EINVAL, "unknown sort");
    index__result_mem *m = NULL, *m2 = NULL;
    try {
        std::vector<qword> words, w2;
        int rc = search_into(r, q, q->q, 0, &m, words);
        if (rc)
            return rc;
        std::string text(q->q.ptr ? q->q.ptr : "", q->q.len);
        if (m->res.total < INDEX_PARTIAL_BELOW && !words.empty()) {
            /* A correction is offered only when it finds more; it replaces the query only
             * when the query found nothing. */
            bool changed;
            std::string fix = spelling_fix(r, words, changed);
            if (changed) {
                rc = search_into(r, q, index_str{fix.data(), fix.size()}, 0, &m2, w2);
                if (rc) {
                    delete m;
                    return rc;
                }
                if (m2->res.total > m->res.total) {
                    if (m->res.total == 0) {
                        std::swap(m, m2);
                        m->res.corrected = true;
                        words = w2;
                        text = fix;
                    }
                    m->res.suggestion = m->keep(fix);
                }
                delete m2;
                m2 = NULL;
            }
        }
        size_t need = 0;
        bool leading = false;
        if (q->partial && m->res.total < INDEX_PARTIAL_BELOW && words.size() >= 2 &&
            partial_level(r, q, index_str{text.data(), text.size()}, m->res.total, need, leading)) {
            rc = search_into(r, q, index_str{text.data(), text.size()}, need, &m2, w2, leading);
            if (rc < 0) {
                delete m;
                return rc;
            }
            if (rc == 0 && m2->res.total > m->res.total) {
                m2->res.corrected = m->res.corrected;
                if (m->res.suggestion)
                    m2->res.suggestion = m2->keep(m->res.suggestion);
                m2->res.partial = true;
                m2->res.matched_words = (uint32_t)need;
                std::swap(m, m2);
            }
            delete m2;
            m2 = NULL;
        }
        m->res.took_ms = now_ms() - t0;
        *out = &m->res;
        return 0;
    } catch (...) {
        delete m;
        delete m2;
        return index__fail_current();
    }
}

extern "C" void index_result_free(index_result *res)
{
    if (res)
        delete res->mem_;
}

} // namespace reading
