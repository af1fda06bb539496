/*
 * test_fold.cc: search and duplicate detection fold text the same way. For every
 * assigned code point of U+0000-U+04FF (Latin, IPA, combining marks, Greek, Cyrillic) and
 * U+1E00-U+1EFF (Latin Extended Additional), the index's term for the one-letter word
 * equals core_fold_diacritics of it (what profile name keys are built from); a code point
 * the index reads as a separator gives no term and is no letter to core either. And the folding is
 * blind to case: a code point folds like its lower case by Xapian's Unicode table (an oracle
 * independent of core's tables), so "Ɓ" and "ɓ", "Ϙ" and "ϙ" meet. C++ only for that oracle.
 */
#include <xapian.h>

#include <string>

extern "C" {
#include "check.h"
#include "core/arena.h"
#include "core/text.h"
#include "index/index.h"
}

static const uint32_t blocks[][2] = {{0x0000, 0x04FF}, {0x1E00, 0x1EFF}};

static std::string utf8(uint32_t cp)
{
    char b[4];
    return std::string(b, core_utf8_put(cp, b));
}

static std::string index_term(const std::string &s)
{
    char buf[64];
    index_fold(index_str{s.data(), s.size()}, buf, sizeof buf);
    return buf;
}

static std::string core_folded(core_arena *a, const std::string &s)
{
    return core_fold_diacritics(a, s.data(), s.size());
}

int main()
{
    core_arena a;
    core_arena_init(&a);
    size_t checked = 0, words = 0, differ = 0, uncased = 0;
    for (const auto &b : blocks) {
        for (uint32_t cp = b[0]; cp <= b[1]; cp++) {
            if (Xapian::Unicode::get_category((unsigned)cp) == Xapian::Unicode::UNASSIGNED)
                continue; /* U+0378, U+038B ...: no text holds them */
            checked++;
            std::string s = utf8(cp);
            std::string term = index_term(s);
            /* Between two letters a word character joins them, a separator splits them
             * (a combining mark is a word character that folds to nothing). */
            bool word = index_term("x" + s + "x").find(' ') == std::string::npos;
            std::string core = core_folded(&a, s);
            if (word) {
                words++;
                if (term != core) {
                    if (differ++ < 40)
                        fprintf(stderr, "U+%04X %s: index \"%s\", core \"%s\"\n", (unsigned)cp,
                                s.c_str(), term.c_str(), core.c_str());
                }
            } else if (!term.empty() || core_is_letter(cp)) {
                if (differ++ < 40)
                    fprintf(stderr, "U+%04X %s: a separator to the index (term \"%s\"), %s\n",
                            (unsigned)cp, s.c_str(), term.c_str(),
                            core_is_letter(cp) ? "a letter to core" : "");
            }
            uint32_t lower = (uint32_t)Xapian::Unicode::tolower((unsigned)cp);
            if (lower != cp && core != core_folded(&a, utf8(lower))) {
                if (uncased++ < 40)
                    fprintf(stderr, "U+%04X %s folds to \"%s\", its lower case U+%04X to \"%s\"\n",
                            (unsigned)cp, s.c_str(), core.c_str(), (unsigned)lower,
                            core_folded(&a, utf8(lower)).c_str());
            }
        }
    }
    fprintf(stderr,
            "%zu code points, %zu word characters: %zu differ, %zu fold apart from "
            "their lower case\n",
            checked, words, differ, uncased);
    CHECK_GT(checked, 1500); /* of the 1,536 code points, 9 are unassigned */
    CHECK_GT(words, 1000);   /* the probe sees letters as letters */
    CHECK_EQ(differ, 0);
    CHECK_EQ(uncased, 0);

    /* The decisions of the shared table, spelt out (text.c says why). */
    const char *const pairs[][2] = {{"Ɓɓ", "bb"}, {"Ɗ", "d"},   {"Ṩ", "s"},   {"Ỳ", "y"},
                                    {"Ɔɔ", "ɔɔ"}, {"Ǝǝ", "ǝǝ"}, {"Йй", "йй"}, {"Ўў", "ўў"},
                                    {"Ёё", "ее"}, {"Ѓќ", "ѓќ"}, {"ǹ", "n"},   {"ﬁ", "fi"},
                                    {"Ϙϙ", "ϙϙ"}, {"ϴ", "θ"},   {"Ǯ", "ʒ"},   {"Ɋ", "q"}};
    for (const auto &p : pairs) {
        const std::string term = index_term(p[0]), core = core_folded(&a, p[0]);
        CHECK_STR_EQ(term.c_str(), p[1]); /* named strings: the macro keeps the pointers */
        CHECK_STR_EQ(core.c_str(), p[1]);
    }
    /* × and ÷ are symbols: the index splits words at them, name keys drop them. */
    const std::string symbols = index_term("2×3 a÷b");
    CHECK_STR_EQ(symbols.c_str(), "2 3 a b");
    CHECK(!core_is_letter(0xD7) && !core_is_letter(0xF7));
    core_arena_dispose(&a);
    return 0;
}
