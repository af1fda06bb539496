/*
 * suggest.cc: index_suggest, completion as a person types: the completed word first,
 * then the most relevant names, a typo tolerated only when nothing completes the key.
 */
#include "index/reader.h"

#include <algorithm>
#include <cstring>

namespace reading
{

/* ---- suggest --------------------------------------------------------------------------- */

static void code_points_into(const std::string &s, size_t from, std::vector<uint32_t> &out)
{
    out.clear();
    size_t i = from;
    while (i < s.size())
        out.push_back(index__utf8_next(s.data(), s.size(), &i));
}

std::vector<uint32_t> code_points(const std::string &s, size_t from)
{
    std::vector<uint32_t> out;
    code_points_into(s, from, out);
    return out;
}

static bool starts_with_at(const std::vector<uint32_t> &p, size_t pi,
                           const std::vector<uint32_t> &t, size_t ti)
{
    if (p.size() - pi > t.size() - ti)
        return false;
    return std::equal(p.begin() + pi, p.end(), t.begin() + ti);
}

/* Whether some prefix of t is within one edit (substitution, insertion, deletion or
 * transposition) of p. */
static bool prefix_within_one(const std::vector<uint32_t> &p, const std::vector<uint32_t> &t)
{
    size_t i = 0;
    while (i < p.size() && i < t.size() && p[i] == t[i])
        i++;
    if (i == p.size())
        return true;
    if (i == t.size())
        return p.size() - t.size() == 1;
    if (i + 1 == p.size())
        return true; /* Substitute or drop the last character. */
    if (i + 1 <= t.size() && starts_with_at(p, i + 1, t, i + 1))
        return true; /* Substitution. */
    if (starts_with_at(p, i + 1, t, i))
        return true; /* An extra character in p. */
    if (i + 1 <= t.size() && starts_with_at(p, i, t, i + 1))
        return true; /* A character missing from p. */
    if (i + 1 < t.size() && p[i] == t[i + 1] && p[i + 1] == t[i] &&
        starts_with_at(p, i + 2, t, i + 2))
        return true; /* Transposition. */
    return false;
}

namespace
{
struct cand {
    std::string term; /* S-term. */
    int typos;
};
} // namespace

/* Keys scanned per suggestion; the typo scan only for keys of SUGGEST_TYPO_FROM characters
 * or more (one typo in three characters matches almost every name sharing the first two). */
enum {
    SUGGEST_EXACT_SCAN = 200,
    SUGGEST_TYPO_SCAN = 3000,
    SUGGEST_WORD_SCAN = 500,
    SUGGEST_TYPO_FROM = 4
};

/* Where a suggestion reads: the index itself (xapian_source), or its completion table of
 * the same revision (table_source), which holds the same entries in the same order, so
 * that do_suggest answers the same from either. */
struct xapian_source {
    index_reader *r;

    /* f(term) for the first `max` terms starting with prefix, in order, until f is false. */
    template <class F> void terms(const std::string &prefix, int max, F f)
    {
        Xapian::TermIterator end = r->db.allterms_end(prefix);
        int n = 0;
        for (Xapian::TermIterator it = r->db.allterms_begin(prefix); it != end && n < max;
             ++it, ++n)
            if (!f(std::string_view(*it)))
                return;
    }
    /* f(word, frequency) for the first `max` words of the spelling table from `from` on,
     * in order, until f is false. */
    template <class F> void spellings(const std::string &from, int max, F f)
    {
        Xapian::TermIterator it = r->db.spellings_begin(), end = r->db.spellings_end();
        it.skip_to(from);
        for (int n = 0; it != end && n < max; ++it, ++n)
            if (!f(std::string_view(*it), it.get_termfreq()))
                return;
    }
    /* Whether a word of the spelling table may be offered: no legal-form fragment, and
     * still held by two documents (the table keeps words whose documents were deleted). */
    bool offerable(const std::string &word)
    {
        return !index__legal_fragment(word) && r->db.get_termfreq(word) >= 2;
    }
    /* f(document) for the documents holding term, in order, until f is false. */
    template <class F> void docs(const std::string &term, F f)
    {
        Xapian::PostingIterator end = r->db.postlist_end(term);
        for (Xapian::PostingIterator p = r->db.postlist_begin(term); p != end; ++p)
            if (!f(*p))
                return;
    }
    /* A folded word of the spelling table as the data writes it: its most frequent
     * V<folded> <written> form (a lower-case one on a tie), or itself when it is written
     * as it folds. */
    std::string written(const std::string &folded)
    {
        const std::string pre = "V" + folded + " ";
        std::string best;
        Xapian::doccount best_f = 0;
        bool best_lower = false;
        Xapian::TermIterator end = r->db.allterms_end(pre);
        int n = 0;
        for (Xapian::TermIterator it = r->db.allterms_begin(pre); it != end && n < 16; ++it, ++n) {
            std::string t = (*it).substr(pre.size());
            Xapian::doccount f = it.get_termfreq();
            bool lower = index__lower(t.data(), t.size()) == t;
            if (f > best_f || (f == best_f && lower && !best_lower))
                best = t, best_f = f, best_lower = lower;
        }
        return best.empty() ? folded : best;
    }
};

struct table_source {
    const index__completion_table &t;

    template <class F> void terms(const std::string &prefix, int max, F f)
    {
        size_t i = t.key_from(prefix);
        for (int n = 0; i < t.key_end.size() && n < max; i++, n++) {
            std::string_view k = t.key(i);
            if (k.compare(0, prefix.size(), prefix) != 0 || !f(k))
                return;
        }
    }
    template <class F> void spellings(const std::string &from, int max, F f)
    {
        size_t i = t.word_from(from);
        for (int n = 0; i < t.words.size() && n < max; i++, n++)
            if (!f(t.word_at(i), t.words[i].freq))
                return;
    }
    bool offerable(const std::string &word)
    {
        size_t i = t.word_index(word);
        return i < t.words.size() && t.words[i].offerable;
    }
    template <class F> void docs(const std::string &term, F f)
    {
        size_t i = t.key_from(term);
        if (i == t.key_end.size() || t.key(i) != term)
            return;
        for (uint32_t d = i ? t.doc_end[i - 1] : 0; d < t.doc_end[i]; d++)
            if (!f(t.docs[d]))
                return;
    }
    std::string written(const std::string &folded)
    {
        size_t i = t.word_index(folded);
        return i < t.words.size() ? std::string(t.written_at(i)) : folded;
    }
};

template <class Source>
static void do_suggest(index_reader *r, Source &src, const std::string &key, uint32_t limit,
                       index__result_mem *m)
{
    const std::string sp = "S" + key;
    std::vector<cand> cands;
    src.terms(sp, SUGGEST_EXACT_SCAN, [&](std::string_view t) {
        cands.push_back(cand{std::string(t), 0});
        return true;
    });
    /* Frequent words completing the last word of the key. A key that some name or word
     * completes exactly is being typed right ("togeth" is "together" on its way), so names
     * one typo away are only looked for when nothing completes it: that scan (up to 3,000
     * keys) was most of a slow suggestion's time, and its names were noise beside
     * completions of the word being typed. */
    std::vector<std::pair<Xapian::doccount, std::string>> words;
    size_t sp_pos = key.rfind(' ');
    if (sp_pos == std::string::npos && key.size() >= 2) {
        /* The words come from the spelling table (every indexed word of 3 to 32 bytes not
         * starting with a digit, with how often it occurs), not from the terms: a term's
         * postings lie between it and the next, so walking 500 terms completing "me" read
         * every posting of "member", "measures", "medical"...: half a suggestion's time,
         * in page-cache reads. */
        src.spellings(key, SUGGEST_WORD_SCAN, [&](std::string_view t, Xapian::doccount f) {
            if (t.compare(0, key.size(), key) != 0)
                return false;
            if (f >= 2)
                words.emplace_back(f, std::string(t));
            return true;
        });
        std::sort(words.begin(), words.end(), [](const auto &a, const auto &b) {
            return a.first != b.first ? a.first > b.first : a.second < b.second;
        });
    }
    /* The words offered, most frequent first. Checked one at a time as the list needs
     * them, since from the index a check is a B-tree descent and most lists show two
     * words. */
    size_t words_checked = 0, words_ok = 0;
    auto offer_words = [&](size_t want) {
        while (words_ok < want && words_checked < words.size()) {
            auto &w = words[words_checked++];
            if (!src.offerable(w.second))
                continue;
            if (words_ok != words_checked - 1)
                words[words_ok] = std::move(w);
            words_ok++;
        }
        return std::min(words_ok, want);
    };
    std::vector<uint32_t> kp = code_points(key, 0);
    if (cands.empty() && offer_words(1) == 0 && kp.size() >= SUGGEST_TYPO_FROM) {
        /* One typo after the first two characters: scan names sharing those two, keeping
         * the shortest 4 x limit (the best, below) in a heap rather than sorting every
         * name within one edit of the key. */
        size_t two = 0;
        index__utf8_next(key.data(), key.size(), &two);
        index__utf8_next(key.data(), key.size(), &two);
        std::string head = "S" + key.substr(0, two);
        auto worse = [](const std::string &a, const std::string &b) {
            return a.size() != b.size() ? a.size() < b.size() : a < b;
        };
        std::vector<std::string> best; /* A max-heap under worse: the worst kept on top. */
        const size_t keep = (size_t)limit * 4;
        std::vector<uint32_t> tp;
        src.terms(head, SUGGEST_TYPO_SCAN, [&](std::string_view tv) {
            std::string t(tv);
            if (t.compare(0, sp.size(), sp) == 0)
                return true;
            if (best.size() == keep && !worse(t, best.front()))
                return true;
            code_points_into(t, 1, tp);
            if (!prefix_within_one(kp, tp))
                return true;
            best.push_back(std::move(t));
            std::push_heap(best.begin(), best.end(), worse);
            if (best.size() > keep) {
                std::pop_heap(best.begin(), best.end(), worse);
                best.pop_back();
            }
            return true;
        });
        for (std::string &t : best)
            cands.push_back(cand{std::move(t), 1});
        /* A typo in the first two characters: only swaps and omissions of them. */
        std::vector<std::string> variants;
        auto enc = [](const std::vector<uint32_t> &v) {
            std::string s;
            for (uint32_t c : v)
                index__fold_cp(c, s);
            return s;
        };
        std::vector<uint32_t> v = kp;
        std::swap(v[0], v[1]);
        variants.push_back(enc(v));
        v = kp;
        v.erase(v.begin());
        variants.push_back(enc(v));
        v = kp;
        v.erase(v.begin() + 1);
        variants.push_back(enc(v));
        for (const std::string &var : variants)
            src.terms("S" + var, 50, [&](std::string_view t) {
                cands.push_back(cand{std::string(t), 1});
                return true;
            });
    }

    /* Best keys first: exact before one typo, then the shortest completion. Documents are
     * read only for the keys that make the list, so only the first keys are put in order
     * (a key usually gives one name), the rest only if those run out. */
    auto better = [](const cand &a, const cand &b) {
        if (a.typos != b.typos)
            return a.typos < b.typos;
        if (a.term.size() != b.term.size())
            return a.term.size() < b.term.size();
        return a.term < b.term;
    };
    size_t ordered = std::min<size_t>(cands.size(), (size_t)limit * 2);
    std::partial_sort(cands.begin(), cands.begin() + ordered, cands.end(), better);
    struct item {
        std::string name;
        const char *kind;
        std::string id;
        int typos, type;
    };
    index_query dq = index_query_default();
    type_weights tw;
    parse_type_weights(&dq, tw);
    /* Names: more than are shown, so that the types weighing most (published clusters)
     * come before others among names completing the prefix equally well. */
    const size_t gather = (size_t)limit * 3;
    std::vector<item> items;
    std::vector<Xapian::docid> seen;
    for (size_t ci = 0; ci < cands.size() && items.size() < gather; ci++) {
        if (ci == ordered) {
            std::sort(cands.begin() + ordered, cands.end(), better);
            ordered = cands.size();
        }
        const std::string &term = cands[ci].term;
        if (ci > 0 && term == cands[ci - 1].term)
            continue;
        src.docs(term, [&](Xapian::docid did) {
            if (items.size() >= gather)
                return false;
            if (std::find(seen.begin(), seen.end(), did) != seen.end())
                return true;
            seen.push_back(did);
            const index__summary *s = summary_of(r, did);
            if (!s)
                return true;
            items.push_back(item{
                s->name, index_kind_name((index_kind)(s->kind < INDEX_KIND_COUNT ? s->kind : 0)),
                s->id, cands[ci].typos, tw.of(s->type)});
            return true;
        });
    }
    std::stable_sort(items.begin(), items.end(), [](const item &a, const item &b) {
        return a.typos != b.typos ? a.typos < b.typos : a.type > b.type;
    });

    /* The completed words first (as written in the data), then the names. */
    size_t word_slots = offer_words(std::max<uint32_t>(1, limit / 4));
    size_t name_slots = std::min(items.size(), (size_t)limit - std::min<size_t>(word_slots, limit));
    if (name_slots + word_slots < limit)
        word_slots = offer_words((size_t)limit - name_slots);
    for (size_t i = 0; i < word_slots; i++)
        m->suggestions.push_back(
            index_suggestion{m->keep(src.written(words[i].second)), NULL, NULL});
    for (size_t i = 0; i < name_slots; i++)
        m->suggestions.push_back(
            index_suggestion{m->keep(items[i].name), items[i].kind, m->keep(items[i].id)});
}

extern "C" int index_suggest(index_reader *r, index_str prefix, uint32_t limit,
                             index_suggestions **out)
{
    if (!r || !out || limit == 0 || limit > 50 || (prefix.len && !prefix.ptr))
        return index__fail(INDEX_EINVAL, "reader, out and a limit of 1..50 are required");
    *out = NULL;
    if (prefix.len > INDEX__MAX_QUERY_BYTES)
        return index__fail(INDEX_EINVAL, "prefix longer than 16384 bytes");
    if (prefix.len > 4 * INDEX__MAX_SUGGEST_KEY)
        prefix.len = 4 * INDEX__MAX_SUGGEST_KEY; /* Only the first 80 folded bytes count. */
    index__result_mem *m = NULL;
    try {
        m = new index__result_mem;
        m->sugg.mem_ = m;
        m->sugg.from_memory = false;
        char buf[INDEX__MAX_SUGGEST_KEY + 1];
        index_fold(prefix, buf, sizeof buf);
        if (buf[0]) {
            for (int attempt = 0;; attempt++) {
                try {
                    m->suggestions.clear();
                    const index__completion_table *t = completion_table_of(r);
                    m->sugg.from_memory = t != NULL;
                    if (t) {
                        table_source src{*t};
                        do_suggest(r, src, buf, limit, m);
                    } else {
                        xapian_source src{r};
                        do_suggest(r, src, buf, limit, m);
                    }
                    break;
                } catch (const Xapian::DatabaseModifiedError &) {
                    if (attempt >= 2)
                        throw;
                    r->db.reopen();
                }
            }
        }
        m->sugg.items = m->suggestions.data();
        m->sugg.len = m->suggestions.size();
        *out = &m->sugg;
        return 0;
    } catch (...) {
        delete m;
        return index__fail_current();
    }
}

extern "C" void index_suggestions_free(index_suggestions *s)
{
    if (s)
        delete s->mem_;
}

} // namespace reading
