/*
 * text.cc: the folding and tokenising shared by documents and queries, the small binary
 * formats stored in the database (summary, facet record), names of enums, and the error
 * plumbing that turns C++ exceptions into INDEX_E* codes.
 *
 * Folding is applied to each word: Xapian's Unicode lower case, then core's folding
 * (core_fold_cp in core/text.h, the one table duplicate detection's name keys use too):
 * letters with diacritics, hooks and strokes to their base letters (ß -> ss, æ -> ae,
 * ł -> l, ɓ -> b, ạ -> a, ...), Greek tonos and dialytika dropped (and final sigma to
 * sigma), Cyrillic ё -> е, ї -> і (й, ў stay); combining diacritical marks
 * (U+0300..U+036F) are dropped, so decomposed input folds like precomposed input.
 * Invariant: documents and queries go through exactly this code, so any folded word of a
 * query equals the indexed word. Cost: one pass over the bytes, a bisection of core's
 * table per non-ASCII code point.
 */
#include "index/internal.h"

#include <xapian.h>

extern "C" {
#include "core/text.h"
}

#include <cstring>
#include <new>

/* ---- errors ---------------------------------------------------------------------------- */

static thread_local char last_error[512];

int index__fail(int code, const std::string &msg)
{
    size_t n = msg.size() < sizeof last_error - 1 ? msg.size() : sizeof last_error - 1;
    memcpy(last_error, msg.data(), n);
    last_error[n] = '\0';
    return code;
}

int index__fail_current(void)
{
    try {
        throw;
    } catch (const Xapian::DatabaseLockError &e) {
        return index__fail(INDEX_ELOCKED, e.get_description());
    } catch (const Xapian::DatabaseModifiedError &e) {
        return index__fail(INDEX_EMODIFIED, e.get_description());
    } catch (const Xapian::DatabaseCorruptError &e) {
        return index__fail(INDEX_ECORRUPT, e.get_description());
    } catch (const Xapian::DatabaseVersionError &e) {
        return index__fail(INDEX_ECORRUPT, e.get_description());
    } catch (const Xapian::DatabaseError &e) {
        return index__fail(INDEX_EIO, e.get_description());
    } catch (const Xapian::Error &e) {
        return index__fail(INDEX_EINTERNAL, e.get_description());
    } catch (const std::bad_alloc &) {
        return index__fail(INDEX_ENOMEM, "out of memory");
    } catch (const std::exception &e) {
        return index__fail(INDEX_EINTERNAL, e.what());
    } catch (...) {
        return index__fail(INDEX_EINTERNAL, "unknown exception");
    }
}

extern "C" const char *index_last_error(void)
{
    return last_error;
}

extern "C" const char *index_strerror(int code)
{
    switch (code) {
    case INDEX_OK:
        return "success";
    case INDEX_EINVAL:
        return "invalid argument";
    case INDEX_ENOMEM:
        return "out of memory";
    case INDEX_EIO:
        return "index I/O error";
    case INDEX_ELOCKED:
        return "index locked by another writer";
    case INDEX_ECORRUPT:
        return "index corrupt or of an unknown format";
    case INDEX_EMODIFIED:
        return "index snapshot changed; refresh and retry";
    case INDEX_EINTERNAL:
        return "internal index error";
    case INDEX_EFORMAT:
        return "index of another format; rebuild it from the store";
    }
    return "unknown error";
}

/* ---- names ----------------------------------------------------------------------------- */

static const char *const kind_names[INDEX_KIND_COUNT] = {"profile", "partner_search", "event",
                                                         "xchange", "news"};
static const char *const label_names[INDEX_LABEL_COUNT] = {"none", "bronze", "silver", "gold"};
static const char *const facet_names[INDEX_FACET_COUNT] = {
    "kind", "type", "country", "ecosystem", "label", "eligible", "countries_sought", "state"};

static int parse_name(index_str s, const char *const *names, int n)
{
    if (!s.ptr)
        return -1;
    for (int i = 0; i < n; i++)
        if (strlen(names[i]) == s.len && memcmp(names[i], s.ptr, s.len) == 0)
            return i;
    return -1;
}

extern "C" const char *index_kind_name(index_kind kind)
{
    return (unsigned)kind < INDEX_KIND_COUNT ? kind_names[kind] : NULL;
}

extern "C" const char *index_label_name(index_label label)
{
    return (unsigned)label < INDEX_LABEL_COUNT ? label_names[label] : NULL;
}

extern "C" const char *index_facet_name(index_facet_id f)
{
    return (unsigned)f < INDEX_FACET_COUNT ? facet_names[f] : NULL;
}

extern "C" int index_kind_parse(index_str s)
{
    return parse_name(s, kind_names, INDEX_KIND_COUNT);
}

extern "C" int index_label_parse(index_str s)
{
    return parse_name(s, label_names, INDEX_LABEL_COUNT);
}

extern "C" int index_facet_parse(index_str s)
{
    return parse_name(s, facet_names, INDEX_FACET_COUNT);
}

/* ---- UTF-8 and folding ----------------------------------------------------------------- */

uint32_t index__utf8_next(const char *s, size_t len, size_t *i)
{
    const unsigned char *p = (const unsigned char *)s + *i;
    size_t left = len - *i;
    unsigned c = p[0];
    if (c < 0x80) {
        *i += 1;
        return c;
    }
    uint32_t cp, min;
    size_t n;
    if ((c & 0xE0) == 0xC0) {
        n = 2, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4, cp = c & 0x07, min = 0x10000;
    } else {
        *i += 1;
        return 0xFFFFFFFFu;
    }
    if (left < n) {
        *i += 1;
        return 0xFFFFFFFFu;
    }
    for (size_t k = 1; k < n; k++) {
        if ((p[k] & 0xC0) != 0x80) {
            *i += 1;
            return 0xFFFFFFFFu;
        }
        cp = (cp << 6) | (p[k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        *i += 1;
        return 0xFFFFFFFFu;
    }
    *i += n;
    return cp;
}

bool index__is_wordchar(uint32_t cp)
{
    if (cp < 0x80)
        return (cp >= '0' && cp <= '9') || ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z');
    if (cp == 0xFFFFFFFFu)
        return false;
    if (cp == 0x203F || cp == 0x2040 || cp == 0xFE33 || cp == 0xFE34 || cp == 0xFF3F)
        return false; /* Connector punctuation separates words, like '_'. */
    return Xapian::Unicode::is_wordchar(cp);
}

void index__fold_cp(uint32_t cp, std::string &out)
{
    /* Below U+0500 core's table knows both cases of every letter (tests/index/test_fold.cc
     * holds it to Xapian's lower case); above, Xapian's table lowers the scripts core's
     * does not know (polytonic Greek, Armenian, Glagolitic, Latin Extended-C and -D ...)
     * before core's folding decides the letters its table lists. So a term equals the name
     * key's folding of the word. */
    char buf[4];
    size_t n =
        core_fold_cp(cp < 0x500 ? cp : (uint32_t)Xapian::Unicode::tolower((unsigned)cp), buf);
    out.append(buf, n);
}

/* Cuts s back to at most max bytes without splitting a UTF-8 sequence. */
static void cut_utf8(std::string &s, size_t max)
{
    if (s.size() <= max)
        return;
    size_t n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    s.resize(n);
}

/* ASCII letters and digits, the word characters below 0x80. */
static const struct ascii_word_table {
    bool t[256];
    constexpr ascii_word_table() : t()
    {
        for (int c = '0'; c <= '9'; c++)
            t[c] = true;
        for (int c = 'a'; c <= 'z'; c++)
            t[c] = t[c - 32] = true;
    }
    bool operator[](unsigned char c) const
    {
        return t[c];
    }
} ascii_word;

template <bool Lazy>
static void split_words(const char *s, size_t len, std::vector<index__word> &out, size_t max_words)
{
    size_t i = 0;
    std::string cur;
    size_t start = 0, end = 0;
    bool in_word = false, ascii = true;
    auto finish = [&]() {
        if (Lazy && ascii) {
            if (end - start <= INDEX__MAX_WORD) {
                out.emplace_back();
                out.back().start = start, out.back().end = end, out.back().ascii_lower = true;
                return true;
            }
            for (size_t b = start; b < end; b++) /* Too long: folded and cut after all. */
                cur += (char)(s[b] >= 'A' && s[b] <= 'Z' ? s[b] + 32 : s[b]);
        }
        if (cur.empty())
            return false;
        cut_utf8(cur, INDEX__MAX_WORD);
        out.push_back(index__word{cur, start, end});
        return true;
    };
    while (i < len) {
        size_t at = i;
        unsigned char c = (unsigned char)s[i];
        uint32_t cp;
        bool word;
        if (c < 0x80) {
            i++;
            cp = c;
            word = (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
        } else {
            cp = index__utf8_next(s, len, &i);
            word = index__is_wordchar(cp);
        }
        if (word) {
            if (!in_word) {
                in_word = true;
                ascii = true;
                cur.clear();
                start = at;
            }
            if (c >= 0x80 && ascii && Lazy) { /* Fold the ASCII part skipped so far. */
                for (size_t b = start; b < at; b++)
                    cur += (char)(s[b] >= 'A' && s[b] <= 'Z' ? s[b] + 32 : s[b]);
                ascii = false;
            }
            if (c < 0x80) {
                if (!Lazy || !ascii)
                    cur += (char)(c >= 'A' && c <= 'Z' ? c + 32 : c); /* index__fold_cp's */
                else /* Nothing to fold: on to the end of the ASCII letters and digits. */
                    while (i < len && ascii_word[(unsigned char)s[i]])
                        i++;
            } else {
                index__fold_cp(cp, cur);
            }
            end = i;
        } else if (in_word) {
            in_word = false;
            if (finish() && max_words && out.size() >= max_words)
                return;
        }
    }
    if (in_word)
        finish();
}

void index__words(const char *s, size_t len, std::vector<index__word> &out, size_t max_words)
{
    split_words<false>(s, len, out, max_words);
}

void index__words_lazy(const char *s, size_t len, std::vector<index__word> &out, size_t max_words)
{
    split_words<true>(s, len, out, max_words);
}

extern "C" size_t index_fold(index_str text, char *buf, size_t cap)
{
    try {
        std::vector<index__word> words;
        if (text.ptr)
            index__words(text.ptr, text.len, words, 0);
        std::string all;
        for (size_t k = 0; k < words.size(); k++) {
            if (k)
                all += ' ';
            all += words[k].folded;
        }
        if (cap > 0) {
            std::string cut = all;
            cut_utf8(cut, cap - 1);
            memcpy(buf, cut.data(), cut.size());
            buf[cut.size()] = '\0';
        }
        return all.size();
    } catch (...) {
        index__fail_current();
        if (cap > 0)
            buf[0] = '\0';
        return 0;
    }
}

/* ---- stored formats -------------------------------------------------------------------- */

static void put_str(std::string &out, const std::string &s)
{
    size_t n = s.size();
    while (n >= 0x80) {
        out += (char)(0x80 | (n & 0x7F));
        n >>= 7;
    }
    out += (char)n;
    out += s;
}

static bool get_str(const std::string &in, size_t &pos, std::string &s)
{
    size_t n = 0;
    int shift = 0;
    for (;;) {
        if (pos >= in.size() || shift > 28)
            return false;
        unsigned char c = (unsigned char)in[pos++];
        n |= (size_t)(c & 0x7F) << shift;
        if (!(c & 0x80))
            break;
        shift += 7;
    }
    if (n > in.size() - pos)
        return false;
    s.assign(in, pos, n);
    pos += n;
    return true;
}

std::string index__summary_encode(const index__summary &s)
{
    std::string out;
    out.reserve(16 + s.id.size() + s.type.size() + s.name.size() + s.city.size() + s.text.size());
    out += '\x01';
    out += (char)s.kind;
    out += (char)s.label;
    out += (char)(s.eligible ? 1 : 0);
    put_str(out, s.id);
    put_str(out, s.type);
    put_str(out, s.name);
    put_str(out, s.country);
    put_str(out, s.city);
    put_str(out, s.text);
    return out;
}

bool index__summary_decode(const std::string &data, index__summary &s)
{
    if (data.size() < 4 || data[0] != '\x01')
        return false;
    s.kind = (uint8_t)data[1];
    s.label = (uint8_t)data[2];
    s.eligible = data[3] != 0;
    size_t pos = 4;
    return get_str(data, pos, s.id) && get_str(data, pos, s.type) && get_str(data, pos, s.name) &&
           get_str(data, pos, s.country) && get_str(data, pos, s.city) &&
           get_str(data, pos, s.text);
}

std::string index__facets_encode(const index__facets &f)
{
    std::string out;
    out += (char)f.kind;
    out += (char)f.label;
    out += (char)f.eligible;
    out += (char)f.type.size();
    out += f.type;
    out += (char)f.country.size();
    out += f.country;
    out += (char)f.state.size();
    out += f.state;
    out += (char)f.sought.size();
    for (const std::string &c : f.sought) {
        out += (char)c.size();
        out += c;
    }
    for (const std::string &e : f.ecosystems) {
        out += (char)e.size();
        out += e;
    }
    return out;
}

bool index__valid_value(index_str s)
{
    if (!s.ptr || s.len == 0 || s.len > INDEX__MAX_FACET_VALUE)
        return false;
    for (size_t i = 0; i < s.len; i++)
        if ((unsigned char)s.ptr[i] < 0x20 || s.ptr[i] == 0x7F)
            return false;
    return true;
}

std::string index__upper(index_str s)
{
    std::string out(s.ptr ? s.ptr : "", s.ptr ? s.len : 0);
    for (char &c : out)
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 32);
    return out;
}
