/*
 * test_words.cc: index__words_lazy splits text exactly as index__words does (the same
 * words at the same places, up to the same limit), and a word it leaves unfolded is plain
 * ASCII whose folded form is its lower case. Snippets rely on it to mark the same words.
 * Over hand-made edge cases and 20,000 texts drawn from fragments of several scripts,
 * invalid UTF-8 and over-long words.
 */
#include "index/internal.h"

extern "C" {
#include "check.h"
}

#include <string>
#include <vector>

static int compared;

static void same_split(const std::string &t, size_t max_words)
{
    std::vector<index__word> eager, lazy;
    index__words(t.data(), t.size(), eager, max_words);
    index__words_lazy(t.data(), t.size(), lazy, max_words);
    CHECK_EQ(eager.size(), lazy.size());
    for (size_t i = 0; i < eager.size() && i < lazy.size(); i++) {
        CHECK_EQ(eager[i].start, lazy[i].start);
        CHECK_EQ(eager[i].end, lazy[i].end);
        CHECK(!eager[i].ascii_lower);
        std::string folded = lazy[i].folded;
        if (lazy[i].ascii_lower) {
            CHECK(folded.empty());
            for (size_t b = lazy[i].start; b < lazy[i].end; b++) {
                unsigned char c = (unsigned char)t[b];
                CHECK(c < 0x80);
                folded += (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
            }
        }
        if (folded != eager[i].folded)
            fprintf(stderr, "'%s': word %zu '%s' lazily '%s'\n", t.c_str(), i,
                    eager[i].folded.c_str(), folded.c_str());
        CHECK(folded == eager[i].folded);
        compared++;
    }
}

int main()
{
    const std::string long_ascii(70, 'Q'), long_mixed = std::string(60, 'a') + "ééééé";
    const char *cases[] = {"",
                           "Hello, World!",
                           "Müller GmbH & Co. KG",
                           "naïve café au lait",
                           "ÉCOLE 42 éco-système",
                           "R&D c++ e-Health C#",
                           "Σύμπλεγμα Υγείας, Αθήνα",
                           "Київ Харків",
                           "東京 cluster",
                           "abc\xff\xfe def \xc3",
                           "x\xcc\x81y", /* a combining mark inside a word */
                           "İzmir tekstil",
                           "  leading and trailing  ",
                           "2026-12-06T07:00:00Z"};
    for (const char *c : cases)
        for (size_t max : {0, 1, 3})
            same_split(c, max);
    same_split(long_ascii + " " + long_mixed + " " + long_ascii + "é", 0);

    const char *parts[] = {"a",        "Z",  "42", "é", "É",  "ß", "σ",
                           "Ж",        " ",  ",",  "-", "&",  "+", "\xff",
                           "\xc3",     "東", "ǅ",  "Ω", "\t", "ﬁ", "Å",
                           "\xcc\x81", "İ",  "ı",  ".", "_",  "'", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"};
    const size_t nparts = sizeof parts / sizeof *parts;
    unsigned rng = 12345;
    for (int n = 0; n < 20000; n++) {
        std::string t;
        int len = 1 + (int)(rng % 40);
        for (int k = 0; k < len; k++) {
            rng = rng * 1103515245u + 12345u;
            t += parts[(rng >> 8) % nparts];
        }
        rng = rng * 1103515245u + 12345u;
        same_split(t, (rng >> 8) % 4 == 0 ? (rng >> 12) % 5 : 0);
    }
    CHECK_GT(compared, 100000);
    return 0;
}
