/*
 * snippets.cc: a description cut around its first match, HTML-escaped, the query's words
 * marked.
 */
#include "index/reader.h"

#include <cstring>

namespace reading
{

/* ---- snippets -------------------------------------------------------------------------- */

static void escape_html(std::string &out, const char *s, size_t n)
{
    size_t from = 0;
    for (size_t i = 0; i < n; i++) {
        const char *rep;
        switch (s[i]) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        default:
            continue;
        }
        out.append(s + from, i - from); /* The plain bytes before, in one piece. */
        out += rep;
        from = i + 1;
    }
    out.append(s + from, n - from);
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

/* word_matches for a word of plain ASCII, text[0..n), whose folded form is its lower case:
 * the words of a description are mostly such, and most differ from every query word in
 * their first letter, so they are compared where they stand instead of being copied and
 * folded first (that was half of a snippet's time). */
static bool ascii_matches(const char *p, size_t n, const std::vector<qword> &q, Xapian::Stem &st)
{
    auto lower = [](char c) { return (char)(c >= 'A' && c <= 'Z' ? c + 32 : c); };
    auto same = [&](const std::string &x, size_t len) {
        for (size_t k = 0; k < len; k++)
            if (lower(p[k]) != x[k])
                return false;
        return true;
    };
    for (const qword &x : q) {
        if (x.w.size() == n && same(x.w, n))
            return true;
        if (x.prefix && n > x.w.size() && same(x.w, x.w.size()))
            return true;
    }
    for (const qword &x : q)
        if (x.stem.size() >= 2 && n >= 2 && lower(p[0]) == x.stem[0] && lower(p[1]) == x.stem[1]) {
            std::string w(p, n);
            for (char &c : w)
                c = lower(c);
            if (st(w) == x.stem)
                return true;
        }
    return false;
}

/* Marks of a snippet's words: none, a word, or the first, inner and last words of a symbol
 * term ("c++", "r&d", "e-health"), marked as one with the symbols between and after. */
enum {
    MARK_NONE = 0,
    MARK_WORD = 1,
    MARK_OPEN = 2,
    MARK_INNER = 3,
    MARK_CLOSE = 4,
    MARK_ONE = 5 /* a one-word symbol term ("c++"): opens and closes */
};

/* Reads up to `more` further words of text into words (positions in text) and whether each
 * matches the query into hit; false when the text has no more. With symbol terms in the
 * query, sym_end[i] is where the mark of a term ending at word i ends. */
static bool read_words(const std::string &text, std::vector<index__word> &words,
                       std::vector<char> &hit, std::vector<size_t> &sym_end, size_t more,
                       const std::vector<qword> &q, Xapian::Stem &st)
{
    bool symbols = false;
    for (const qword &x : q)
        symbols |= x.form == qword::SYMBOL;
    size_t from = words.empty() ? 0 : words.back().end, had = words.size();
    if (symbols) /* Symbol terms are made of the words' folded forms. */
        index__words(text.data() + from, text.size() - from, words, had + more);
    else
        index__words_lazy(text.data() + from, text.size() - from, words, had + more);
    for (size_t i = had; i < words.size(); i++) {
        index__word &w = words[i];
        w.start += from, w.end += from;
        hit.push_back(!q.empty() &&
                      (w.ascii_lower ? ascii_matches(text.data() + w.start, w.end - w.start, q, st)
                                     : word_matches(w.folded, q, st)));
        sym_end.push_back(0);
    }
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

std::string make_snippet(const std::string &text, const std::vector<qword> &q, Xapian::Stem &st)
{
    std::string out;
    out.reserve(SNIPPET_BYTES + 64);
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

} // namespace reading
