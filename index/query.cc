/*
 * query.cc: filters and the query's text turned into plans (docsets.h's index__plan):
 * words folded and split as documents are, their stems, prefixes, synonyms, split and joined
 * forms, phrases and symbol terms, and excluded words.
 */
#include "index/reader.h"

#include <algorithm>
#include <cstring>

namespace reading
{

/* ---- filters --------------------------------------------------------------------------- */

/* Builds the filter (facets AND, values OR); returns 0 with *has = false when the filter
 * selects everything. */
int filter_plan(const index_filter *f, index__plan &out, bool &has)
{
    std::vector<index__plan> facets;
    has = false;
    if (!f)
        return 0;
    auto list = [&](const index_str *v, size_t n, char prefix, bool upper) -> int {
        if (n == 0)
            return 0;
        if (!v || n > 256)
            return index__fail(INDEX_EINVAL, "too many filter values");
        std::vector<index__plan> terms;
        for (size_t i = 0; i < n; i++) {
            if (!index__valid_value(v[i]))
                return index__fail(INDEX_EINVAL, "a filter value is not a valid identifier");
            std::string t(1, prefix);
            t += upper ? index__upper(v[i]) : std::string(v[i].ptr, v[i].len);
            terms.push_back(index__plan::leaf(t));
        }
        facets.push_back(index__plan::join(index__plan::OR, std::move(terms)));
        return 0;
    };
    if (f->kinds & ((1u << INDEX_KIND_COUNT) - 1)) {
        std::vector<index__plan> terms;
        for (int k = 0; k < INDEX_KIND_COUNT; k++)
            if (f->kinds & (1u << k))
                terms.push_back(
                    index__plan::leaf(std::string("K") + index_kind_name((index_kind)k)));
        facets.push_back(index__plan::join(index__plan::OR, std::move(terms)));
    }
    int rc;
    if ((rc = list(f->types, f->types_len, 'T', false)) ||
        (rc = list(f->countries, f->countries_len, 'C', true)) ||
        (rc = list(f->ecosystems, f->ecosystems_len, 'E', false)) ||
        (rc = list(f->sought, f->sought_len, 'D', true)) ||
        (rc = list(f->states, f->states_len, 'X', false)))
        return rc;
    if (f->labels & ((1u << INDEX_LABEL_COUNT) - 1)) {
        std::vector<index__plan> terms;
        for (int l = 0; l < INDEX_LABEL_COUNT; l++)
            if (f->labels & (1u << l))
                terms.push_back(
                    index__plan::leaf(std::string("L") + index_label_name((index_label)l)));
        facets.push_back(index__plan::join(index__plan::OR, std::move(terms)));
    }
    if (f->tag_groups_len && !f->tag_groups)
        return index__fail(INDEX_EINVAL, "tag_groups is NULL");
    for (size_t g = 0; g < f->tag_groups_len; g++)
        if ((rc = list(f->tag_groups[g].tags, f->tag_groups[g].len, 'X', false)))
            return rc;
    if (f->eligible == 0 || f->eligible == 1)
        facets.push_back(index__plan::leaf(f->eligible ? "B1" : "B0"));
    else if (f->eligible != -1)
        return index__fail(INDEX_EINVAL, "eligible must be -1, 0 or 1");
    if (facets.empty())
        return 0;
    has = true;
    out = index__plan::join(index__plan::AND, std::move(facets));
    return 0;
}

/* ---- text query ------------------------------------------------------------------------ */

static bool is_stopword(const std::string &w)
{
    static const char *const stop[] = {"a",  "an",  "and",  "are", "as",  "at", "be",
                                       "by", "for", "from", "in",  "is",  "it", "of",
                                       "on", "or",  "the",  "to",  "with"};
    for (const char *s : stop)
        if (w == s)
            return true;
    return false;
}

/* A word matches its exact form and every word with the same stem: documents carry Z<stem>
 * only for words that differ from their stem, so the stem is also looked up plain. */
static index__plan exact_or_stem(const std::string &w, Xapian::Stem &st)
{
    std::string s = st(w);
    std::vector<index__plan> alts;
    alts.push_back(index__plan::leaf(w));
    alts.push_back(index__plan::leaf("Z" + s));
    if (s != w)
        alts.push_back(index__plan::leaf(s));
    return index__plan::join(index__plan::OR, std::move(alts));
}

enum { PREFIX_EXPANSIONS = 40 };

/* The PREFIX_EXPANSIONS most frequent indexed words starting with w (itself included),
 * weighed as one word: what Xapian's OP_WILDCARD with WILDCARD_LIMIT_MOST_FREQUENT does,
 * spelt out so that counting sees the same terms. */
static index__plan prefix_plan(index_reader *r, const std::string &w)
{
    std::vector<std::pair<Xapian::doccount, std::string>> top;
    auto freq_first = [](const auto &a, const auto &b) {
        return a.first != b.first ? a.first > b.first : a.second < b.second;
    };
    Xapian::TermIterator end = r->db.allterms_end(w);
    for (Xapian::TermIterator it = r->db.allterms_begin(w); it != end; ++it) {
        Xapian::doccount f = it.get_termfreq();
        if (top.size() == PREFIX_EXPANSIONS &&
            !freq_first(std::make_pair(f, std::string()), top.front()))
            continue;
        top.emplace_back(f, *it);
        std::push_heap(top.begin(), top.end(), freq_first);
        if (top.size() > PREFIX_EXPANSIONS) {
            std::pop_heap(top.begin(), top.end(), freq_first);
            top.pop_back();
        }
    }
    std::sort(top.begin(), top.end(), freq_first);
    std::vector<index__plan> terms;
    for (auto &t : top)
        terms.push_back(index__plan::leaf(std::move(t.second)));
    return index__plan::join(index__plan::SYNONYM, std::move(terms));
}

/* Postings of Z<stem> above which a word's exact form is not looked up on its own. */
enum { EXACT_FORM_MAX = 1000 };

static index__plan forms_of(index_reader *r, const qword &q, Xapian::Stem &st, bool english,
                            bool split);

/* The plan of one query word with all its forms, marked as a word (candidate ranking's
 * unit, topdocs.h). */
static index__plan word_plan(index_reader *r, const qword &q, Xapian::Stem &st, bool english,
                             bool split)
{
    index__plan p = forms_of(r, q, st, english, split);
    p.word = true;
    return p;
}

static index__plan forms_of(index_reader *r, const qword &q, Xapian::Stem &st, bool english,
                            bool split)
{
    std::vector<index__plan> alts;
    if (q.form == qword::PHRASE) {
        /* Every word as written (folded), and every pair of neighbours as a pair term. */
        std::vector<index__plan> all;
        for (size_t k = 0; k < q.parts.size(); k++) {
            all.push_back(index__plan::leaf(q.parts[k]));
            if (k > 0)
                all.push_back(index__plan::leaf("P" + q.parts[k - 1] + " " + q.parts[k]));
        }
        return index__plan::join(index__plan::AND, std::move(all));
    }
    if (q.form == qword::SYMBOL) {
        /* "c++", "r&d": the whole term only; "e-health" also as its parts. */
        alts.push_back(index__plan::leaf(q.w));
        std::string joined = index__joined(q.w);
        if (!joined.empty())
            alts.push_back(index__plan::leaf(joined)); /* "e-health" written "eHealth". */
        if (!q.parts.empty()) {
            std::vector<index__plan> parts;
            for (const std::string &x : q.parts)
                parts.push_back(exact_or_stem(x, st));
            alts.push_back(index__plan::join(index__plan::AND, std::move(parts)));
        }
        return index__plan::join(index__plan::OR, std::move(alts));
    }
    /* The exact form scores a little above other forms of its stem. For a frequent word
     * that doubles the postings to walk for a nearly constant bonus, so it is dropped when
     * that changes no match: every document holding a word whose English stem differs
     * from it also holds Z<English stem> (writer.cc). */
    if (!(english && q.stem != q.w && r->db.get_termfreq("Z" + q.stem) > EXACT_FORM_MAX))
        alts.push_back(index__plan::leaf(q.w));
    alts.push_back(index__plan::leaf("Z" + q.stem));
    if (q.stem != q.w)
        alts.push_back(index__plan::leaf(q.stem));
    int n = 0;
    for (Xapian::TermIterator it = r->db.synonyms_begin(q.w);
         it != r->db.synonyms_end(q.w) && n < 16; ++it, ++n) {
        std::vector<index__word> sw;
        std::string s = *it;
        index__words(s.data(), s.size(), sw, 8);
        std::vector<index__plan> parts;
        for (const index__word &x : sw)
            parts.push_back(exact_or_stem(x.folded, st));
        if (!parts.empty())
            alts.push_back(index__plan::join(index__plan::AND, std::move(parts)));
    }
    if (q.prefix && q.w.size() >= 2)
        alts.push_back(prefix_plan(r, q.w));
    if (split && q.w.size() >= 6 && q.w.size() <= 24) {
        /* A compound: also try the split whose halves are both indexed and most frequent
         * (halves of 4 bytes or more when the word itself is indexed, to split less). */
        size_t best = 0, min_half = r->db.get_termfreq(q.w) ? 4 : 3;
        Xapian::doccount best_f = 0;
        for (size_t k = min_half; k + min_half <= q.w.size(); k++) {
            if (((unsigned char)q.w[k] & 0xC0) == 0x80)
                continue;
            Xapian::doccount fl = r->db.get_termfreq(q.w.substr(0, k));
            if (!fl)
                continue;
            Xapian::doccount fr = r->db.get_termfreq(q.w.substr(k));
            Xapian::doccount f = std::min(fl, fr);
            if (f > best_f)
                best_f = f, best = k;
        }
        if (best) {
            std::vector<index__plan> halves;
            halves.push_back(exact_or_stem(q.w.substr(0, best), st));
            halves.push_back(exact_or_stem(q.w.substr(best), st));
            alts.push_back(index__plan::join(index__plan::AND, std::move(halves)));
        }
    }
    return index__plan::join(index__plan::OR, std::move(alts));
}

/* Builds the query of text into tq. With need > 0 (and fewer than the words), a document
 * needs only `need` of the words: an OR of every such combination (false, with nothing
 * built, when there would be more than PARTIAL_COMBINATIONS of them); a document holding
 * more of the words weighs more, being matched by more of the combinations. With leading,
 * only the first `need` words (the query's start, as typed first). */
enum { PARTIAL_COMBINATIONS = 64 };

bool partial_fits(size_t n, size_t need)
{
    uint64_t c = 1; /* C(n, need), stopping once past the bound. */
    for (size_t k = 1; k <= need && c <= PARTIAL_COMBINATIONS; k++)
        c = c * (n - need + k) / k;
    return c <= PARTIAL_COMBINATIONS;
}

bool build_text(index_reader *r, index_str text, query_stem &qs, text_query &tq, size_t need,
                bool leading)
{
    Xapian::Stem &st = qs.stem;
    std::vector<index__word> raw;
    if (text.ptr)
        index__words(text.ptr, text.len, raw, INDEX__MAX_QUERY_WORDS);
    bool last_open = !raw.empty() && raw.back().end == text.len; /* Still being typed. */
    /* Words kept whole with their symbols ("c++", "r&d", "e-health") become one word;
     * words between double quotes one phrase. */
    std::vector<index__symbol> syms;
    if (!raw.empty())
        index__symbol_terms(text.ptr, text.len, raw, syms);
    std::vector<int> sym_of(raw.size(), -1), phrase_of(raw.size(), -1);
    for (size_t k = 0; k < syms.size(); k++)
        for (size_t i = syms[k].first; i <= syms[k].last; i++)
            sym_of[i] = (int)k;
    {
        int phrase = -1, next = 0;
        size_t wi = 0;
        for (size_t b = 0; b < text.len; b++) {
            while (wi < raw.size() && raw[wi].start < b)
                wi++;
            if (text.ptr[b] == '"') {
                phrase = phrase < 0 ? next++ : -1;
                continue;
            }
            if (phrase >= 0 && wi < raw.size() && raw[wi].start == b)
                phrase_of[wi] = phrase;
        }
    }
    /* "-word" (a '-' starting the query or after a space) excludes the word; a '-' inside
     * a word ("e-health") does not. */
    std::vector<char> minus(raw.size(), 0);
    std::vector<index__plan> excl;
    for (size_t i = 0; i < raw.size(); i++) {
        size_t b = raw[i].start;
        if (sym_of[i] >= 0 && syms[(size_t)sym_of[i]].first != i) {
            minus[i] = minus[i - 1];
            continue;
        }
        minus[i] = b >= 1 && text.ptr[b - 1] == '-' &&
                   (b == 1 || text.ptr[b - 2] == ' ' || text.ptr[b - 2] == '\t');
        if (minus[i])
            excl.push_back(sym_of[i] >= 0 ? index__plan::leaf(syms[(size_t)sym_of[i]].term)
                                          : exact_or_stem(raw[i].folded, st));
    }
    tq.excluded = index__plan::join(index__plan::OR, std::move(excl));
    size_t content = 0;
    for (size_t i = 0; i < raw.size(); i++)
        content += !minus[i] && !is_stopword(raw[i].folded);
    auto lower = [&](size_t i) {
        return index__lower(text.ptr + raw[i].start, raw[i].end - raw[i].start);
    };
    for (size_t i = 0; i < raw.size(); i++) {
        if (minus[i])
            continue;
        if (phrase_of[i] >= 0 && i + 1 < raw.size() && phrase_of[i + 1] == phrase_of[i]) {
            qword ph{"", "", false};
            ph.form = qword::PHRASE;
            size_t j = i;
            for (; j < raw.size() && phrase_of[j] == phrase_of[i]; j++) {
                ph.parts.push_back(raw[j].folded);
                tq.rank.push_back(rank_word{lower(j), raw[j].folded, st(raw[j].folded), false});
            }
            for (const std::string &x : ph.parts)
                ph.w += (ph.w.empty() ? "" : " ") + x;
            ph.stem = ph.w;
            tq.words.push_back(std::move(ph));
            i = j - 1;
            continue;
        }
        if (sym_of[i] >= 0) {
            const index__symbol &sy = syms[(size_t)sym_of[i]];
            qword q{sy.term, sy.term, false};
            q.form = qword::SYMBOL;
            if (sy.term.find_first_of("&+#") == std::string::npos)
                for (size_t k = sy.first; k <= sy.last; k++)
                    q.parts.push_back(raw[k].folded);
            tq.rank.push_back(rank_word{index__lower(text.ptr + sy.start, sy.end - sy.start),
                                        sy.term, sy.term, false, true});
            tq.words.push_back(std::move(q));
            i = sy.last;
            continue;
        }
        if (content > 0 && is_stopword(raw[i].folded))
            continue;
        bool open = last_open && i + 1 == raw.size();
        tq.words.push_back(qword{raw[i].folded, st(raw[i].folded), open});
        tq.rank.push_back(rank_word{lower(i), raw[i].folded, tq.words.back().stem, open});
    }
    size_t n = tq.words.size();
    if (n == 0) {
        tq.plan = index__plan::all();
        return need == 0;
    }
    if (need > 0 && need < n) {
        if (!leading && !partial_fits(n, need))
            return false;
        /* The combinations in increasing order of their masks, each the next larger mask
         * with as many bits (Gosper's step): counting every mask below 1 << n instead cost
         * 2^16 steps a call at 16 words. */
        std::vector<uint32_t> masks;
        const uint32_t first = (1u << need) - 1;
        if (leading)
            masks.push_back(first);
        else
            for (uint32_t mask = first; mask < (1u << n);) {
                masks.push_back(mask);
                uint32_t low = mask & -mask, up = mask + low;
                mask = up | (((mask ^ up) >> 2) / low);
            }
        std::vector<index__plan> &groups = tq.groups;
        for (const qword &q : tq.words)
            groups.push_back(word_plan(r, q, st, qs.english, true));
        std::vector<index__plan> alts;
        for (uint32_t mask : masks) {
            std::vector<index__plan> g;
            for (size_t k = 0; k < n; k++)
                if (mask & (1u << k))
                    g.push_back(groups[k]);
            alts.push_back(index__plan::join(index__plan::AND, std::move(g)));
        }
        tq.plan = index__plan::join(index__plan::OR, std::move(alts));
        return true;
    }
    std::vector<index__plan> &groups = tq.groups;
    for (const qword &q : tq.words)
        groups.push_back(word_plan(r, q, st, qs.english, true));
    std::vector<index__plan> alts;
    alts.push_back(index__plan::join(index__plan::AND, groups));
    for (size_t i = 0; i + 1 < n && i < 8; i++) {
        if (tq.words[i].form != qword::WORD || tq.words[i + 1].form != qword::WORD)
            continue;
        qword j{tq.words[i].w + tq.words[i + 1].w, "", tq.words[i + 1].prefix};
        if (j.w.size() > INDEX__MAX_WORD)
            continue;
        j.stem = st(j.w);
        if (r->db.get_termfreq(j.w) == 0 && r->db.get_termfreq("Z" + j.stem) == 0 &&
            r->db.get_termfreq(j.stem) == 0)
            continue;
        std::vector<index__plan> g;
        for (size_t k = 0; k < n; k++)
            if (k == i)
                g.push_back(word_plan(r, j, st, qs.english, false));
            else if (k != i + 1)
                g.push_back(groups[k]);
        alts.push_back(index__plan::join(index__plan::AND, std::move(g)));
    }
    tq.plan = index__plan::join(index__plan::OR, std::move(alts));
    return true;
}

} // namespace reading
