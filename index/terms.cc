/*
 * terms.cc: the extra terms a document carries beside its folded words (format 5), shared
 * by the writer (which adds them) and the reader (which looks them up):
 *
 *   - symbol terms: words joined by '&' or '-', or followed by "++" or '#', kept whole as
 *     one term ("r&d", "c++", "c#", "e-health"), so that `r&d` is not the r and d of
 *     "S.r.l." nor `c++` the c of "L.L.C."; words joined only by hyphens also as one word
 *     ("e-health" as "ehealth"), so a query's joined form finds them;
 *   - transliterations of Greek and Cyrillic words into Latin letters ("σύμπλεγμα" also
 *     as "symplegma", "Θεσσαλονίκη" as "thessaloniki", "Київ" as "kyiv"), a simplified
 *     ELOT 743 for Greek and the national romanisations for Cyrillic (Ukrainian for a
 *     document in Ukrainian, Bulgarian-style otherwise);
 *   - the other names of a place (index/data/places.tsv: English exonyms and local names,
 *     "München" -> "Munich"), looked up by the folded city or region;
 *   - legal-form fragments ("S.A.", "GmbH", "S.r.l." ...), which never start a suggestion.
 * Costs: one pass over a field's words; the places table is parsed once per process.
 */
#include "index/internal.h"

#include <xapian.h>

#include <mutex>
#include <unordered_map>

extern "C" {
extern const char index_data_places[];
extern const size_t index_data_places_len;
}

std::string index__lower(const char *s, size_t len)
{
    std::string out;
    out.reserve(len);
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            out += (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
            i++;
            continue;
        }
        size_t at = i;
        uint32_t cp = index__utf8_next(s, len, &i);
        if (cp == 0xFFFFFFFFu) {
            out.append(s + at, i - at);
            continue;
        }
        Xapian::Unicode::append_utf8(out, Xapian::Unicode::tolower(cp));
    }
    return out;
}

static bool ascii_alnum(char c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

void index__symbol_terms(const char *s, size_t len, const std::vector<index__word> &w,
                         std::vector<index__symbol> &out)
{
    for (size_t i = 0; i < w.size();) {
        size_t j = i;
        std::string term = w[i].folded;
        bool sym = false;
        /* Words joined by one '&' or '-' (no space): "r&d", "e-health", "b2b-to-c". */
        while (j + 1 < w.size() && w[j + 1].start == w[j].end + 1 &&
               (s[w[j].end] == '&' || s[w[j].end] == '-')) {
            term += s[w[j].end];
            term += w[j + 1].folded;
            sym = true;
            j++;
        }
        /* A trailing "++" or '#' ("c++", "c#"), then no letter or digit. */
        size_t e = w[j].end, k = e;
        if (e + 1 < len && s[e] == '+' && s[e + 1] == '+')
            k = e + 2;
        else if (e < len && s[e] == '#')
            k = e + 1;
        if (k > e && (k == len || !ascii_alnum(s[k]))) {
            term.append(s + e, k - e);
            sym = true;
        } else {
            k = e;
        }
        if (sym && term.size() <= INDEX__MAX_WORD)
            out.push_back(index__symbol{term, i, j, w[i].start, k});
        i = j + 1;
    }
}

std::string index__joined(const std::string &term)
{
    if (term.find('-') == std::string::npos || term.find_first_of("&+#") != std::string::npos)
        return std::string();
    std::string out;
    for (char c : term)
        if (c != '-')
            out += c;
    return out;
}

/* ---- transliteration ------------------------------------------------------------------- */

static const char *greek(uint32_t cp)
{
    static const char *const t[] = {"a", "v", "g", "d", "e",  "z",  "i", "th", "i",
                                    "k", "l", "m", "n", "x",  "o",  "p", "r",  "s",
                                    "s", "t", "y", "f", "ch", "ps", "o"}; /* α..ω, U+03B1..U+03C9 */
    if (cp >= 0x3B1 && cp <= 0x3C9)
        return t[cp - 0x3B1];
    return NULL;
}

static const char *cyrillic(uint32_t cp, bool uk)
{
    static const char *const t[] = {"a",  "b",  "v",  "g",   "d", "e", "zh", "z", "i",  "y", "k",
                                    "l",  "m",  "n",  "o",   "p", "r", "s",  "t", "u",  "f", "h",
                                    "ts", "ch", "sh", "sht", "a", "y", "",   "e", "yu", "ya"};
    if (cp >= 0x430 && cp <= 0x44F) {
        if (uk) {
            switch (cp) {
            case 0x433:
                return "h"; /* г */
            case 0x438:
                return "y"; /* и */
            case 0x445:
                return "kh"; /* х */
            case 0x449:
                return "shch"; /* щ */
            }
        }
        return t[cp - 0x430];
    }
    switch (cp) {
    case 0x454:
        return "ye"; /* є */
    case 0x456:
        return "i"; /* і (ї folds to і) */
    case 0x491:
        return "g"; /* ґ */
    case 0x458:
        return "j"; /* ј */
    case 0x459:
        return "lj"; /* љ */
    case 0x45A:
        return "nj"; /* њ */
    case 0x45B:
        return "c"; /* ћ */
    case 0x452:
        return "dj"; /* ђ */
    case 0x45F:
        return "dz"; /* џ */
    case 0x453:
        return "gj"; /* ѓ */
    case 0x45C:
        return "kj"; /* ќ */
    case 0x455:
        return "dz"; /* ѕ */
    }
    return NULL;
}

std::string index__translit(const std::string &folded, bool ukrainian)
{
    std::string out;
    bool any = false;
    size_t i = 0;
    while (i < folded.size()) {
        size_t at = i;
        uint32_t cp = index__utf8_next(folded.data(), folded.size(), &i);
        const char *g = greek(cp);
        if (g) {
            /* ου is ou, not oy */
            if (cp == 0x3C5 && !out.empty() && out.back() == 'o' && at >= 2 &&
                (unsigned char)folded[at - 1] == 0xBF)
                g = "u";
            out += g;
            any = true;
            continue;
        }
        const char *c = cyrillic(cp, ukrainian);
        if (c) {
            out += c;
            any = true;
            continue;
        }
        if (cp < 0x80)
            out += (char)cp;
        else
            return std::string(); /* another script mixed in: leave the word alone */
    }
    return any ? out : std::string();
}

/* ---- legal forms ----------------------------------------------------------------------- */

bool index__legal_fragment(const std::string &folded)
{
    static const char *const forms[] = {
        "sa",  "gmbh", "srl", "spa",  "llc",   "ltd",  "ag",   "oy",   "oyj",  "ab",   "as",
        "nv",  "bv",   "sas", "sarl", "sl",    "kg",   "co",   "sp",   "zoo",  "ou",   "doo",
        "kft", "zrt",  "sro", "plc",  "inc",   "ev",   "se",   "bvba", "sprl", "aps",  "asa",
        "hf",  "ehf",  "ood", "eood", "ad",    "jsc",  "pllc", "mbh",  "ug",   "kgaa", "scarl",
        "snc", "sca",  "lda", "ltda", "aisbl", "asbl", "vzw",  "ик",   "ооо",  "оод",  "еоод",
        "ад",  "тов",  "пп",  "ат",   "ае",    "επε",  "ικε",  "οε",   "ee",   "ae",   "doo",
        "dd",  "as",   "sh",  "shpk", "ik",    "llp",  "lp",   "vof",  "cv",   "scs"};
    if (folded.size() <= 1)
        return true;
    for (const char *f : forms)
        if (folded == f)
            return true;
    return false;
}

/* ---- places ---------------------------------------------------------------------------- */

namespace
{
struct places_table {
    std::unordered_map<std::string, std::vector<std::string>> by_name;
};
} // namespace

static const places_table &places(void)
{
    static places_table t;
    static std::once_flag once;
    std::call_once(once, [] {
        std::string all(index_data_places, index_data_places_len);
        size_t pos = 0;
        while (pos < all.size()) {
            size_t nl = all.find('\n', pos);
            if (nl == std::string::npos)
                nl = all.size();
            std::string line = all.substr(pos, nl - pos);
            pos = nl + 1;
            if (line.empty() || line[0] == '#')
                continue;
            /* name<TAB>other name|other name|... : every name finds the others. */
            std::vector<std::string> names;
            size_t tab = line.find('\t');
            if (tab == std::string::npos)
                continue;
            names.push_back(line.substr(0, tab));
            std::string rest = line.substr(tab + 1);
            size_t p = 0;
            while (p <= rest.size()) {
                size_t bar = rest.find('|', p);
                if (bar == std::string::npos)
                    bar = rest.size();
                if (bar > p)
                    names.push_back(rest.substr(p, bar - p));
                p = bar + 1;
            }
            for (const std::string &n : names) {
                char buf[256];
                index_fold(index_str{n.data(), n.size()}, buf, sizeof buf);
                std::vector<std::string> &alts = t.by_name[buf];
                for (const std::string &m : names)
                    if (&m != &n)
                        alts.push_back(m);
            }
        }
    });
    return t;
}

const std::vector<std::string> *index__place_names(index_str place)
{
    if (!place.ptr || !place.len)
        return NULL;
    char buf[256];
    index_fold(place, buf, sizeof buf);
    const places_table &t = places();
    auto it = t.by_name.find(buf);
    return it == t.by_name.end() ? NULL : &it->second;
}
