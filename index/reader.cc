/*
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
 * outlives the reader's next refresh and even the reader.
 */
#include "core/hash.h"
#include "index/docsets.h"
#include "index/internal.h"
#include "index/topdocs.h"

#include <xapian.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>
#include <string_view>
#include <time.h>
#include <tuple>
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
struct summary_cache {
    Xapian::rev rev = 0;
    bool valid = false;
    size_t bytes = 0;
    std::unordered_map<Xapian::docid, index__summary> map;
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

struct index_reader {
    Xapian::Database db;
    summary_cache summaries;
    lift_cache lifts;
    std::unordered_map<std::string, query_stem> stems; /* Query stemmers by language. */
    index__docsets sets; /* Match sets for exact totals and facets (this revision). */
    index__topdocs top;  /* Per-term top documents for ranking large results. */
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

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static uint64_t seq_of(const Xapian::Database &db)
{
    std::string v = db.get_metadata(INDEX__META_SEQ);
    return v.empty() ? 0 : strtoull(v.c_str(), NULL, 10);
}

/* ---- open, refresh --------------------------------------------------------------------- */

extern "C" int index_reader_open(const char *dir, index_reader **out)
{
    if (!dir || !out)
        return index__fail(INDEX_EINVAL, "dir and out are required");
    *out = NULL;
    index_reader *r = NULL;
    try {
        r = new index_reader;
        r->db = Xapian::Database(dir);
        *out = r;
        return 0;
    } catch (...) {
        delete r;
        return index__fail_current();
    }
}

extern "C" void index_reader_close(index_reader *r)
{
    delete r;
}

extern "C" int index_reader_refresh(index_reader *r)
{
    if (!r)
        return index__fail(INDEX_EINVAL, "reader is NULL");
    try {
        Xapian::rev before = r->db.get_revision();
        r->db.reopen();
        return r->db.get_revision() != before ? 1 : 0;
    } catch (...) {
        return index__fail_current();
    }
}

extern "C" int index_reader_warm(index_reader *r)
{
    if (!r)
        return index__fail(INDEX_EINVAL, "reader is NULL");
    for (int attempt = 0;; attempt++) {
        try {
            r->sets.warm(r->db);
            return 0;
        } catch (const Xapian::DatabaseModifiedError &) {
            if (attempt >= 2)
                return index__fail_current();
            try {
                r->db.reopen();
            } catch (...) {
                return index__fail_current();
            }
        } catch (...) {
            return index__fail_current();
        }
    }
}

extern "C" int index_has_type(index_reader *r, index_str type)
{
    if (!r || (type.len && !type.ptr))
        return index__fail(INDEX_EINVAL, "reader is NULL");
    try {
        return r->db.get_termfreq("T" + std::string(type.ptr ? type.ptr : "", type.len)) > 0;
    } catch (...) {
        return index__fail_current();
    }
}

extern "C" void index_reader_set_candidates(index_reader *r, uint32_t per_term)
{
    if (r)
        r->top.set_per_term(per_term);
}

extern "C" uint64_t index_reader_last_seq(index_reader *r)
{
    try {
        return r ? seq_of(r->db) : 0;
    } catch (...) {
        index__fail_current();
        return 0;
    }
}

extern "C" uint64_t index_reader_doc_count(index_reader *r)
{
    try {
        return r ? r->db.get_doccount() : 0;
    } catch (...) {
        index__fail_current();
        return 0;
    }
}

/* The summary of document did at the reader's revision, or NULL if its data does not
 * decode. Valid until the next call. */
static const index__summary *summary_of(index_reader *r, Xapian::docid did)
{
    summary_cache &c = r->summaries;
    Xapian::rev rev = r->db.get_revision();
    if (!c.valid || c.rev != rev || c.bytes > SUMMARY_CACHE_BYTES) {
        c.map.clear();
        c.bytes = 0;
        c.rev = rev;
        c.valid = true;
    }
    auto it = c.map.find(did);
    if (it != c.map.end())
        return &it->second;
    index__summary s;
    if (!index__summary_decode(r->db.get_document(did).get_value(INDEX__SLOT_SUMMARY), s))
        return NULL;
    c.bytes += sizeof s + 64 + s.id.size() + s.type.size() + s.name.size() + s.country.size() +
               s.city.size() + s.text.size();
    return &c.map.emplace(did, std::move(s)).first->second;
}

static query_stem &stemmer(index_reader *r, index_str lang)
{
    std::string code = lang.ptr && lang.len == 2 ? std::string(lang.ptr, 2) : "en";
    for (char &c : code)
        if (c >= 'A' && c <= 'Z')
            c = (char)(c + 32);
    auto it = r->stems.find(code);
    if (it != r->stems.end())
        return it->second;
    query_stem qs{Xapian::Stem("en"), true};
    try {
        if (code != "en")
            qs = query_stem{Xapian::Stem(code), false};
    } catch (const Xapian::InvalidArgumentError &) {
    }
    return r->stems.emplace(code, qs).first->second;
}

/* ---- filters --------------------------------------------------------------------------- */

/* Builds the filter (facets AND, values OR); returns 0 with *has = false when the filter
 * selects everything. */
static int filter_plan(const index_filter *f, index__plan &out, bool &has)
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

namespace
{

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
    std::vector<qword> words; /* The words that count, in order. */
    index__plan plan;         /* ALL when there are no words. */
    index__plan excluded;     /* Words written with a leading '-' (any form of their stem):
                               * documents holding one are left out. NONE when none. */
    std::vector<rank_word> rank; /* Every word that counts, phrases' words one by one. */
};

} // namespace

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

static index__plan word_plan(index_reader *r, const qword &q, Xapian::Stem &st, bool english,
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

static bool build_text(index_reader *r, index_str text, query_stem &qs, text_query &tq,
                       size_t need = 0, bool leading = false)
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
        std::vector<uint32_t> masks;
        for (uint32_t mask = 1; mask < (1u << n); mask++)
            if ((size_t)__builtin_popcount(mask) == need &&
                (!leading || mask == (1u << need) - 1)) {
                if (masks.size() == PARTIAL_COMBINATIONS)
                    return false;
                masks.push_back(mask);
            }
        std::vector<index__plan> groups;
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
    std::vector<index__plan> groups;
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

/* ---- facets ---------------------------------------------------------------------------- */

namespace
{

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

} // namespace

static void emit_facet(index__result_mem *m, index_facet_id f,
                       std::vector<std::pair<std::string, uint32_t>> &vals)
{
    std::sort(vals.begin(), vals.end(), [](const auto &a, const auto &b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    std::vector<index_facet_value> &out = m->values[f];
    for (auto &kv : vals)
        if (kv.second)
            out.push_back(index_facet_value{m->keep(kv.first), kv.second});
    m->res.facets[f].name = index_facet_name(f);
    m->res.facets[f].values = out.data();
    m->res.facets[f].len = out.size();
}

static void emit_facets(index__result_mem *m, uint32_t mask, facet_spy &spy)
{
    std::vector<std::pair<std::string, uint32_t>> v;
    if (mask & (1u << INDEX_FACET_KIND)) {
        v.clear();
        for (int k = 0; k < INDEX_KIND_COUNT; k++)
            v.emplace_back(index_kind_name((index_kind)k), spy.kind[k]);
        emit_facet(m, INDEX_FACET_KIND, v);
    }
    if (mask & (1u << INDEX_FACET_LABEL)) {
        v.clear();
        for (int l = 0; l < INDEX_LABEL_COUNT; l++)
            v.emplace_back(index_label_name((index_label)l), spy.label[l]);
        emit_facet(m, INDEX_FACET_LABEL, v);
    }
    if (mask & (1u << INDEX_FACET_ELIGIBLE)) {
        v.clear();
        v.emplace_back("false", spy.eligible[0]);
        v.emplace_back("true", spy.eligible[1]);
        emit_facet(m, INDEX_FACET_ELIGIBLE, v);
    }
    const std::pair<index_facet_id, tally *> multi[] = {{INDEX_FACET_TYPE, &spy.type},
                                                        {INDEX_FACET_COUNTRY, &spy.country},
                                                        {INDEX_FACET_ECOSYSTEM, &spy.ecosystem},
                                                        {INDEX_FACET_SOUGHT, &spy.sought},
                                                        {INDEX_FACET_STATE, &spy.state}};
    for (const auto &fm : multi) {
        if (!(mask & (1u << fm.first)))
            continue;
        v.clear();
        for (const auto &kv : fm.second->counts)
            v.emplace_back(std::string(kv.first), kv.second);
        emit_facet(m, fm.first, v);
    }
}

/* ---- snippets -------------------------------------------------------------------------- */

static void escape_html(std::string &out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += "&#39;";
            break;
        default:
            out += s[i];
        }
    }
}

enum {
    SNIPPET_BYTES = 200,
    SNIPPET_LEAD_WORDS = 4,
    SNIPPET_MAX_WORDS = 300,
    SNIPPET_STEP_WORDS = 24
};

static bool word_matches(const std::string &w, const std::vector<qword> &q, Xapian::Stem &st)
{
    for (const qword &x : q) {
        if (w == x.w)
            return true;
        if (x.prefix && w.size() > x.w.size() && w.compare(0, x.w.size(), x.w) == 0)
            return true;
    }
    /* Stems only for words that could share one: same first two bytes as a query stem. */
    for (const qword &x : q)
        if (x.stem.size() >= 2 && w.size() >= 2 && w[0] == x.stem[0] && w[1] == x.stem[1] &&
            st(w) == x.stem)
            return true;
    return false;
}

/* Marks of a snippet's words: none, a word, or the first, inner and last words of a symbol
 * term ("c++", "r&d", "e-health"), marked as one with the symbols between and after. */
enum { MARK_NONE = 0, MARK_WORD = 1, MARK_OPEN = 2, MARK_INNER = 3, MARK_CLOSE = 4,
       MARK_ONE = 5 /* a one-word symbol term ("c++"): opens and closes */ };

/* Reads up to `more` further words of text into words (positions in text) and whether each
 * matches the query into hit; false when the text has no more. With symbol terms in the
 * query, sym_end[i] is where the mark of a term ending at word i ends. */
static bool read_words(const std::string &text, std::vector<index__word> &words,
                       std::vector<char> &hit, std::vector<size_t> &sym_end, size_t more,
                       const std::vector<qword> &q, Xapian::Stem &st)
{
    size_t from = words.empty() ? 0 : words.back().end, had = words.size();
    index__words(text.data() + from, text.size() - from, words, had + more);
    for (size_t i = had; i < words.size(); i++) {
        words[i].start += from, words[i].end += from;
        hit.push_back(!q.empty() && word_matches(words[i].folded, q, st));
        sym_end.push_back(0);
    }
    bool symbols = false;
    for (const qword &x : q)
        symbols |= x.form == qword::SYMBOL;
    if (symbols && words.size() > had) {
        /* The symbol terms of the words read so far (one may span the previous step). */
        std::vector<index__symbol> syms;
        index__symbol_terms(text.data(), text.size(), words, syms);
        for (const index__symbol &sy : syms) {
            bool wanted = false;
            for (const qword &x : q)
                wanted |= x.form == qword::SYMBOL && x.w == sy.term;
            if (!wanted)
                continue;
            if (sy.first == sy.last) {
                hit[sy.first] = MARK_ONE;
            } else {
                hit[sy.first] = MARK_OPEN;
                for (size_t k = sy.first + 1; k < sy.last; k++)
                    hit[k] = MARK_INNER;
                hit[sy.last] = MARK_CLOSE;
            }
            sym_end[sy.last] = sy.end;
        }
    }
    return words.size() > had;
}

static std::string make_snippet(const std::string &text, const std::vector<qword> &q,
                                Xapian::Stem &st)
{
    std::string out;
    if (text.empty())
        return out;
    /* Words are read only as far as the snippet needs: in steps up to the first that
     * matches, then to the snippet's end (stemming every word of a long description was
     * a tenth of a search's time). */
    std::vector<index__word> words;
    std::vector<char> hit;
    std::vector<size_t> sym_end;
    words.reserve(2 * SNIPPET_STEP_WORDS);
    hit.reserve(2 * SNIPPET_STEP_WORDS);
    size_t first = SIZE_MAX;
    while (first == SIZE_MAX && words.size() < SNIPPET_MAX_WORDS) {
        size_t had = words.size();
        if (!read_words(text, words, hit, sym_end,
                        std::min<size_t>(SNIPPET_STEP_WORDS, SNIPPET_MAX_WORDS - had), q, st))
            break;
        for (size_t i = had; i < words.size() && first == SIZE_MAX; i++)
            if (hit[i])
                first = i;
    }
    size_t start = 0;
    if (first != SIZE_MAX && first > SNIPPET_LEAD_WORDS)
        start = words[first - SNIPPET_LEAD_WORDS].start;
    size_t limit = start + SNIPPET_BYTES, end = start;
    while (words.size() < SNIPPET_MAX_WORDS && (words.empty() || words.back().end <= limit))
        if (!read_words(text, words, hit, sym_end,
                        std::min<size_t>(SNIPPET_STEP_WORDS, SNIPPET_MAX_WORDS - words.size()), q,
                        st))
            break;
    for (const index__word &w : words)
        if (w.start >= start && w.end <= limit)
            end = w.end;
    if (end == start)
        end = std::min(text.size(), limit);
    while (end < text.size() && end > start && ((unsigned char)text[end] & 0xC0) == 0x80)
        end--;
    if (words.empty() || words.back().end <= end)
        end = std::max(end, std::min(text.size(), limit));
    while (end < text.size() && end > start && ((unsigned char)text[end] & 0xC0) == 0x80)
        end--;
    if (start > 0)
        out += "\xE2\x80\xA6";
    size_t pos = start;
    bool open = false; /* Inside a symbol term's mark. */
    for (size_t i = 0; i < words.size(); i++) {
        const index__word &w = words[i];
        if (w.start < start || w.end > end)
            continue;
        escape_html(out, text.data() + pos, w.start - pos);
        int h = hit[i];
        if (h == MARK_WORD || h == MARK_ONE || (h == MARK_OPEN && !open)) {
            out += "<mark>";
            open = h == MARK_OPEN;
        }
        escape_html(out, text.data() + w.start, w.end - w.start);
        pos = w.end;
        if ((h == MARK_CLOSE || h == MARK_ONE) && sym_end[i] <= end) {
            escape_html(out, text.data() + pos, sym_end[i] - pos); /* "++", '#' */
            pos = sym_end[i];
        }
        if (h == MARK_WORD || h == MARK_ONE || (h == MARK_CLOSE && open)) {
            out += "</mark>";
            open = false;
        }
    }
    if (open)
        out += "</mark>";
    if (pos < end)
        escape_html(out, text.data() + pos, end - pos);
    if (end < text.size())
        out += "\xE2\x80\xA6";
    return out;
}

/* ---- search ---------------------------------------------------------------------------- */

static std::vector<uint32_t> code_points(const std::string &s, size_t from);

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

/* Fills spy's counters for the facets in mask from the match bitmap: one popcount over
 * the bitmap per facet value. */
static void count_facets(index_reader *r, uint32_t mask, const index__bits &match, facet_spy &spy)
{
    auto want = [&](index_facet_id f) { return (mask & (1u << f)) != 0; };
    if (want(INDEX_FACET_KIND))
        r->sets.facet_counts(r->db, 'K', match, [&](const std::string &v, uint32_t n) {
            int k = index_kind_parse(index_str{v.data(), v.size()});
            if (k >= 0)
                spy.kind[k] += n;
        });
    if (want(INDEX_FACET_LABEL))
        r->sets.facet_counts(r->db, 'L', match, [&](const std::string &v, uint32_t n) {
            int l = index_label_parse(index_str{v.data(), v.size()});
            if (l >= 0)
                spy.label[l] += n;
        });
    if (want(INDEX_FACET_ELIGIBLE))
        r->sets.facet_counts(r->db, 'B', match, [&](const std::string &v, uint32_t n) {
            spy.eligible[v == "1" ? 1 : 0] += n;
        });
    const std::tuple<index_facet_id, char, tally *> multi[] = {
        {INDEX_FACET_TYPE, 'T', &spy.type},
        {INDEX_FACET_COUNTRY, 'C', &spy.country},
        {INDEX_FACET_ECOSYSTEM, 'E', &spy.ecosystem},
        {INDEX_FACET_SOUGHT, 'D', &spy.sought},
        {INDEX_FACET_STATE, 'X', &spy.state}};
    for (const auto &fm : multi)
        if (want(std::get<0>(fm)))
            r->sets.facet_counts(
                r->db, std::get<1>(fm), match,
                [&](const std::string &v, uint32_t n) { std::get<2>(fm)->add(v, n); });
}

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
} // namespace

static int parse_type_weights(const index_query *q, type_weights &tw)
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

/* Rules 1-3 for one hit: its name and city against the query's words. */
static void rank_text(const index__summary &s, const std::vector<rank_word> &q, rank_key &out)
{
    struct word {
        std::string lower, folded;
        bool in_name;
    };
    std::vector<word> ws;
    std::vector<index__word> tmp;
    for (int field = 0; field < 2; field++) {
        const std::string &t = field == 0 ? s.name : s.city;
        tmp.clear();
        index__words(t.data(), t.size(), tmp, 32);
        for (const index__word &x : tmp)
            ws.push_back(word{index__lower(t.data() + x.start, x.end - x.start), x.folded,
                              field == 0});
    }
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
    auto joins = [&](size_t k, size_t p) { /* q[k], q[k+1] as ws[p] */
        return k + 1 < q.size() && !q[k].symbol && !q[k + 1].symbol &&
               ws[p].folded.size() == q[k].w.size() + q[k + 1].w.size() &&
               ws[p].folded.compare(0, q[k].w.size(), q[k].w) == 0 &&
               ws[p].folded.compare(q[k].w.size(), std::string::npos, q[k + 1].w) == 0;
    };
    auto splits = [&](size_t k, size_t p) { /* q[k] as ws[p], ws[p+1] of one field */
        const std::string &w = q[k].w;
        return p + 1 < ws.size() && ws[p].in_name == ws[p + 1].in_name &&
               w.size() == ws[p].folded.size() + ws[p + 1].folded.size() &&
               w.compare(0, ws[p].folded.size(), ws[p].folded) == 0 &&
               w.compare(ws[p].folded.size(), std::string::npos, ws[p + 1].folded) == 0;
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
    Xapian::MSet mset;
    bool ranked = false;
    index__bits match;
    bool has_match = false; /* match holds the match set. */
    if (whole) {
        m->res.total = dbsize;
    } else {
        if (!r->sets.current(r->db)) {
            mset = enq.get_mset(want_first, want_count, EXACT_UP_TO);
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
                r->sets.eval(r->db, index__plan::join(index__plan::AND, std::move(both)), match);
            } else {
                r->sets.eval(r->db, tq.plan, match);
            }
            if (has_excl) {
                index__bits out;
                r->sets.eval(r->db, tq.excluded, out);
                for (size_t i = 0; i < match.size() && i < out.size(); i++)
                    match[i] &= ~out[i];
            }
            m->res.total = index__docsets::count(match);
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
        switch (r->top.rank(r->db, tq.plan, query, match, m->res.total, want_first, want_count,
                            mset)) {
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
        mset = enq.get_mset(want_first, want_count, (Xapian::doccount)0);
    std::vector<std::pair<Xapian::docid, double>> hits_of;
    if (!rules) {
        for (Xapian::MSetIterator it = mset.begin(); it != mset.end(); ++it)
            hits_of.emplace_back(*it, it.get_weight());
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
        for (Xapian::MSetIterator it = mset.begin(); it != mset.end(); ++it) {
            const index__summary *s = summary_of(r, *it);
            rank_key k{*it, it.get_weight(), 0, 0, 0, 1, INDEX_TYPE_WEIGHT_OTHER};
            if (s) {
                rank_text(*s, tq.rank, k);
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
                Xapian::MSet more;
                bool settled = false;
                if (has_match) {
                    /* From candidates, as the page itself: the preferred matches as a bitmap. */
                    index__bits tb, pref(match), kb;
                    r->sets.eval(r->db, type_plan, tb);
                    for (size_t i = 0; i < pref.size(); i++)
                        pref[i] &= drop_low ? ~(i < tb.size() ? tb[i] : 0)
                                            : (i < tb.size() ? tb[i] : 0);
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
                              r->top.rank(r->db, tq.plan, pq, pref, ptotal, 0, lift, more) ==
                                  index__topdocs::SETTLED;
                }
                if (!settled) {
                    Xapian::Enquire top(r->db);
                    top.set_query(pq);
                    more = top.get_mset(0, lift);
                }
                for (Xapian::MSetIterator it = more.begin(); it != more.end(); ++it)
                    best.emplace_back(*it, it.get_weight());
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
                    rank_text(*s, tq.rank, k);
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
            Xapian::MSet rest = enq.get_mset((Xapian::doccount)from_score,
                                             (Xapian::doccount)(skip + need + lifted.size()),
                                             (Xapian::doccount)0);
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
        if (q->partial && m->res.total < INDEX_PARTIAL_BELOW && words.size() >= 2) {
            /* The documents holding the most of the words: all but one, then fewer. Among
             * those, the query's first words (the last typed are dropped first, "Klaster
             * Żywności Opole" is a Klaster Żywności first) when they find enough, else
             * any of the words. */
            for (size_t need = words.size() - 1; need >= 1 && !m->res.partial; need--) {
                for (int leading = 1; leading >= 0; leading--) {
                    rc = search_into(r, q, index_str{text.data(), text.size()}, need, &m2, w2,
                                     leading);
                    if (rc < 0) {
                        delete m;
                        return rc;
                    }
                    if (rc == 1)
                        continue;
                    if (m2->res.total > m->res.total &&
                        (!leading || m2->res.total >= INDEX_PARTIAL_BELOW)) {
                        m2->res.corrected = m->res.corrected;
                        if (m->res.suggestion)
                            m2->res.suggestion = m2->keep(m->res.suggestion);
                        m2->res.partial = true;
                        m2->res.matched_words = (uint32_t)need;
                        std::swap(m, m2);
                        delete m2;
                        m2 = NULL;
                        break;
                    }
                    delete m2;
                    m2 = NULL;
                }
            }
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

/* ---- suggest --------------------------------------------------------------------------- */

static void code_points_into(const std::string &s, size_t from, std::vector<uint32_t> &out)
{
    out.clear();
    size_t i = from;
    while (i < s.size())
        out.push_back(index__utf8_next(s.data(), s.size(), &i));
}

static std::vector<uint32_t> code_points(const std::string &s, size_t from)
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

/* A folded word as the data writes it: its most frequent V<folded> <written> form (a
 * lower-case one on a tie), or itself when it is written as it folds. */
static std::string written_form(index_reader *r, const std::string &folded)
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

static void do_suggest(index_reader *r, const std::string &key, uint32_t limit,
                       index__result_mem *m)
{
    const std::string sp = "S" + key;
    std::vector<cand> cands;
    {
        Xapian::TermIterator end = r->db.allterms_end(sp);
        int n = 0;
        for (Xapian::TermIterator it = r->db.allterms_begin(sp);
             it != end && n < SUGGEST_EXACT_SCAN; ++it, ++n)
            cands.push_back(cand{*it, 0});
    }
    /* Frequent words completing the last word of the key. A key that some name or word
     * completes exactly is being typed right ("togeth" is "together" on its way), so names
     * one typo away are only looked for when nothing completes it: that scan (up to 3,000
     * keys) was most of a slow suggestion's time, and its names were noise beside
     * completions of the word being typed. */
    std::vector<std::pair<Xapian::doccount, std::string>> words;
    size_t sp_pos = key.rfind(' ');
    if (sp_pos == std::string::npos && key.size() >= 2) {
        Xapian::TermIterator end = r->db.allterms_end(key);
        int n = 0;
        for (Xapian::TermIterator it = r->db.allterms_begin(key);
             it != end && n < SUGGEST_WORD_SCAN; ++it, ++n)
            if (it.get_termfreq() >= 2 && !index__legal_fragment(*it))
                words.emplace_back(it.get_termfreq(), *it);
        /* At most `limit` of them are shown. */
        std::partial_sort(words.begin(), words.begin() + std::min<size_t>(words.size(), limit),
                          words.end(), [](const auto &a, const auto &b) {
                              return a.first != b.first ? a.first > b.first : a.second < b.second;
                          });
    }
    std::vector<uint32_t> kp = code_points(key, 0);
    if (cands.empty() && words.empty() && kp.size() >= SUGGEST_TYPO_FROM) {
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
        Xapian::TermIterator end = r->db.allterms_end(head);
        int n = 0;
        for (Xapian::TermIterator it = r->db.allterms_begin(head);
             it != end && n < SUGGEST_TYPO_SCAN; ++it, ++n) {
            std::string t = *it;
            if (t.compare(0, sp.size(), sp) == 0)
                continue;
            if (best.size() == keep && !worse(t, best.front()))
                continue;
            code_points_into(t, 1, tp);
            if (!prefix_within_one(kp, tp))
                continue;
            best.push_back(std::move(t));
            std::push_heap(best.begin(), best.end(), worse);
            if (best.size() > keep) {
                std::pop_heap(best.begin(), best.end(), worse);
                best.pop_back();
            }
        }
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
        for (const std::string &var : variants) {
            Xapian::TermIterator vend = r->db.allterms_end("S" + var);
            int k = 0;
            for (Xapian::TermIterator it = r->db.allterms_begin("S" + var); it != vend && k < 50;
                 ++it, ++k)
                cands.push_back(cand{*it, 1});
        }
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
        for (Xapian::PostingIterator p = r->db.postlist_begin(term);
             p != r->db.postlist_end(term) && items.size() < gather; ++p) {
            Xapian::docid did = *p;
            if (std::find(seen.begin(), seen.end(), did) != seen.end())
                continue;
            seen.push_back(did);
            const index__summary *s = summary_of(r, did);
            if (!s)
                continue;
            items.push_back(item{
                s->name, index_kind_name((index_kind)(s->kind < INDEX_KIND_COUNT ? s->kind : 0)),
                s->id, cands[ci].typos, tw.of(s->type)});
        }
    }
    std::stable_sort(items.begin(), items.end(), [](const item &a, const item &b) {
        return a.typos != b.typos ? a.typos < b.typos : a.type > b.type;
    });

    /* The completed words first (as written in the data), then the names. */
    size_t word_slots = std::min(words.size(), (size_t)std::max<uint32_t>(1, limit / 4));
    size_t name_slots = std::min(items.size(), (size_t)limit - std::min<size_t>(word_slots, limit));
    if (name_slots + word_slots < limit)
        word_slots = std::min(words.size(), (size_t)limit - name_slots);
    for (size_t i = 0; i < word_slots; i++)
        m->suggestions.push_back(
            index_suggestion{m->keep(written_form(r, words[i].second)), NULL, NULL});
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
        char buf[INDEX__MAX_SUGGEST_KEY + 1];
        index_fold(prefix, buf, sizeof buf);
        if (buf[0]) {
            for (int attempt = 0;; attempt++) {
                try {
                    m->suggestions.clear();
                    do_suggest(r, buf, limit, m);
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

/* ---- map ------------------------------------------------------------------------------- */

namespace
{

struct cell {
    double sum_lat = 0, sum_lon = 0;
    uint32_t count = 0;
    std::vector<std::string> ids;
};

class map_spy : public Xapian::MatchSpy
{
  public:
    explicit map_spy(double size) : size_(size) {}
    void operator()(const Xapian::Document &doc, double) override
    {
        std::string g = doc.get_value(INDEX__SLOT_GEO);
        if (g.size() < 16)
            return;
        double lat, lon;
        memcpy(&lat, g.data(), 8);
        memcpy(&lon, g.data() + 8, 8);
        uint64_t ilat = (uint64_t)std::floor((lat + 90.0) / size_);
        uint64_t ilon = (uint64_t)std::floor((lon + 180.0) / size_);
        cell &c = cells[(ilat << 32) | ilon];
        c.sum_lat += lat;
        c.sum_lon += lon;
        c.count++;
        if (c.ids.size() < INDEX_MAP_IDS_MAX)
            c.ids.emplace_back(g, 16);
        total++;
    }
    std::unordered_map<uint64_t, cell> cells;
    uint64_t total = 0;

  private:
    double size_;
};

} // namespace

static Xapian::Query range(Xapian::valueno slot, double lo, double hi)
{
    return Xapian::Query(Xapian::Query::OP_VALUE_RANGE, slot, Xapian::sortable_serialise(lo),
                         Xapian::sortable_serialise(hi));
}

extern "C" int index_map(index_reader *r, const index_bbox *b, uint32_t zoom,
                         const index_filter *filter, index_map_result **out)
{
    if (!r || !b || !out)
        return index__fail(INDEX_EINVAL, "reader, bbox and out are required");
    *out = NULL;
    if (!(b->min_lat >= -90 && b->max_lat <= 90 && b->min_lat <= b->max_lat && b->min_lon >= -180 &&
          b->min_lon <= 180 && b->max_lon >= -180 && b->max_lon <= 180))
        return index__fail(INDEX_EINVAL, "bbox out of range");
    if (zoom > 22)
        return index__fail(INDEX_EINVAL, "zoom must be 0..22");
    index__result_mem *m = NULL;
    try {
        index__plan fplan;
        bool has_filter = false;
        int rc = filter_plan(filter, fplan, has_filter);
        if (rc)
            return rc;
        Xapian::Query fq = fplan.query();
        Xapian::Query lon =
            b->min_lon <= b->max_lon
                ? range(INDEX__SLOT_LON, b->min_lon, b->max_lon)
                : Xapian::Query(Xapian::Query::OP_OR, range(INDEX__SLOT_LON, b->min_lon, 180),
                                range(INDEX__SLOT_LON, -180, b->max_lon));
        Xapian::Query geo(Xapian::Query::OP_AND, range(INDEX__SLOT_LAT, b->min_lat, b->max_lat),
                          lon);
        if (has_filter)
            geo = Xapian::Query(Xapian::Query::OP_FILTER, geo, fq);
        /* A cell is a quarter of a 256-pixel tile: 360 / 2^zoom / 4 degrees. */
        map_spy spy(360.0 / std::ldexp(1.0, (int)zoom) / 4.0);
        for (int attempt = 0;; attempt++) {
            try {
                spy.cells.clear();
                spy.total = 0;
                Xapian::Enquire enq(r->db);
                enq.set_query(Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, geo, 0.0));
                enq.add_matchspy(&spy);
                Xapian::doccount n = r->db.get_doccount();
                enq.get_mset(0, 0, n);
                break;
            } catch (const Xapian::DatabaseModifiedError &) {
                if (attempt >= 2)
                    throw;
                r->db.reopen();
            }
        }
        m = new index__result_mem;
        m->map.mem_ = m;
        m->map.total = spy.total;
        std::vector<cell *> order;
        for (auto &kv : spy.cells)
            order.push_back(&kv.second);
        std::sort(order.begin(), order.end(), [](const cell *a, const cell *b) {
            if (a->count != b->count)
                return a->count > b->count;
            return a->sum_lat / a->count < b->sum_lat / b->count;
        });
        for (cell *c : order) {
            m->id_lists.emplace_back();
            std::vector<const char *> &ids = m->id_lists.back();
            for (const std::string &id : c->ids)
                ids.push_back(m->keep(id));
            m->cells.push_back(index_map_cell{c->sum_lat / c->count, c->sum_lon / c->count,
                                              c->count, ids.data(), ids.size()});
        }
        m->map.cells = m->cells.data();
        m->map.len = m->cells.size();
        *out = &m->map;
        return 0;
    } catch (...) {
        delete m;
        return index__fail_current();
    }
}

extern "C" void index_map_result_free(index_map_result *m)
{
    if (m)
        delete m->mem_;
}
