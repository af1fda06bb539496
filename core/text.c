/* text.c: see text.h. Tables are ranges, checked in order (the folding table by bisection);
 * the common ASCII case is first. */
#include "core/text.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

size_t core_utf8_next(const char *str, size_t len, uint32_t *cp)
{
    const unsigned char *s = (const unsigned char *)str;
    if (s[0] < 0x80 || len < 2) {
        *cp = s[0];
        return 1;
    }
    if ((s[0] & 0xE0) == 0xC0) {
        *cp = (uint32_t)(s[0] & 0x1F) << 6 | (s[1] & 0x3F);
        return 2;
    }
    if ((s[0] & 0xF0) == 0xE0 && len >= 3) {
        *cp = (uint32_t)(s[0] & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
        return 3;
    }
    if (len >= 4) {
        *cp = (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3F) << 12 |
              (uint32_t)(s[2] & 0x3F) << 6 | (s[3] & 0x3F);
        return 4;
    }
    *cp = 0xFFFD;
    return 1;
}

size_t core_utf8_put(uint32_t cp, char *o)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12);
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18);
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

uint32_t core_lower(uint32_t c)
{
    if (c < 0x80)
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7)
        return c + 32;
    if (c >= 0x100 && c <= 0x17F) { /* Latin Extended-A: mostly even upper, odd lower */
        if (c == 0x130)
            return 'i';
        if (c == 0x178)
            return 0xFF;
        if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
            return (c & 1) ? c + 1 : c;
        if (c == 0x131 || c == 0x138 || c == 0x149 || c == 0x17F)
            return c;
        return (c & 1) ? c : c + 1;
    }
    if (c >= 0x180 && c <= 0x24F) { /* Latin Extended-B: the pairs this platform meets */
        if ((c >= 0x1CD && c <= 0x1DC) || (c >= 0x1F8 && c <= 0x1FF))
            return (c & 1) ? c + 1 : c;
        if ((c >= 0x200 && c <= 0x21F) || (c >= 0x222 && c <= 0x233) || (c >= 0x1DE && c <= 0x1EF))
            return (c & 1) ? c : c + 1;
        return c;
    }
    if (c >= 0x391 && c <= 0x3AB && c != 0x3A2)
        return c + 32;
    if (c == 0x386)
        return 0x3AC;
    if (c >= 0x388 && c <= 0x38A)
        return c + 37;
    if (c == 0x38C)
        return 0x3CC;
    if (c == 0x38E || c == 0x38F)
        return c + 63;
    if (c >= 0x410 && c <= 0x42F)
        return c + 32;
    if (c >= 0x400 && c <= 0x40F)
        return c + 80;
    if ((c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF) || (c >= 0x4D0 && c <= 0x52F))
        return (c & 1) ? c : c + 1;
    if (c >= 0x4C1 && c <= 0x4CE)
        return (c & 1) ? c + 1 : c;
    if (c == 0x4C0)
        return 0x4CF;
    if (c >= 0x531 && c <= 0x556)
        return c + 48;
    if (c >= 0x10A0 && c <= 0x10C5)
        return c + 0x1C60; /* Georgian Asomtavruli -> Nuskhuri */
    if (c >= 0x1E00 && c <= 0x1EFF && c != 0x1E9E && !(c >= 0x1E96 && c <= 0x1E9F))
        return (c & 1) ? c : c + 1; /* Latin Extended Additional (Vietnamese, Welsh ...) */
    if (c == 0x1E9E)
        return 0xDF;
    if (c >= 0xFF21 && c <= 0xFF3A)
        return c + 32;
    return c;
}

typedef struct range {
    uint32_t lo, hi;
} range;

/* Letter blocks (whole blocks, minus the punctuation and digits they contain below). */
static const range letters[] = {
    {0x41, 0x5A},     {0x61, 0x7A},     {0xAA, 0xAA},     {0xB5, 0xB5},     {0xBA, 0xBA},
    {0xC0, 0xD6},     {0xD8, 0xF6},     {0xF8, 0x2C1},    {0x2C6, 0x2D1},   {0x370, 0x373},
    {0x376, 0x377},   {0x37B, 0x37D},   {0x37F, 0x37F},   {0x386, 0x386},   {0x388, 0x3FF},
    {0x400, 0x481},   {0x48A, 0x52F},   {0x531, 0x556},   {0x560, 0x588},   {0x5D0, 0x5EA},
    {0x620, 0x64A},   {0x671, 0x6D3},   {0x904, 0x939},   {0x10A0, 0x10FF}, {0x1100, 0x11FF},
    {0x1E00, 0x1FFF}, {0x3041, 0x3096}, {0x30A1, 0x30FA}, {0x3400, 0x4DBF}, {0x4E00, 0x9FFF},
    {0xAC00, 0xD7A3}, {0xFF21, 0xFF3A}, {0xFF41, 0xFF5A},
};

bool core_is_letter(uint32_t cp)
{
    for (size_t i = 0; i < sizeof(letters) / sizeof(letters[0]); i++)
        if (cp >= letters[i].lo && cp <= letters[i].hi)
            return cp != 0xD7 && cp != 0xF7 && cp != 0x3F6;
    return false;
}

char *core_fold_case(core_arena *a, const char *s, size_t len)
{
    char *out = core_arena_alloc(a, len * 2 + 1), *o = out; /* lowercase never grows past 2x */
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += core_utf8_next(s + i, len - i, &cp);
        o += core_utf8_put(core_lower(cp), o);
    }
    *o = '\0';
    return out;
}

size_t core_utf8_count(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

/* ---- folding ---- */

/* One table decides how every code point of the blocks it covers folds, whatever its
 * case; a code point it does not list is only lowercased (core_lower). The index's
 * tokeniser (index/text.cc) folds each letter of a search term through it too, so a
 * profile's name key and its search terms agree letter for letter
 * (tests/index/test_fold.cc). The decisions, for a European platform's search and its
 * duplicate-name checks:
 *   - A Latin letter that is a base letter with a mark folds to the base letter,
 *     whatever the mark: accents, háčeks, ogoneks, strokes, bars, hooks and tails
 *     (Ɓ ɓ -> b, Ƭ -> t, ƶ -> z, Ɋ -> q), and the Latin Extended Additional letters of
 *     Vietnamese, Welsh and transliterations (ạ ầ ẁ ỳ -> a a w y). Whoever types a
 *     name on a keyboard of another language leaves the mark out.
 *   - A Latin letter of its own, not a base letter with a mark, stays as its lower case:
 *     ŋ, ə, ʒ, open o and e (Ɔ -> ɔ, Ɛ -> ɛ), turned e (Ǝ -> ǝ), iota, gamma, esh, yr,
 *     wynn, the tone letters. Folding them to a Latin base letter would be a guess.
 *   - Cyrillic: only marks that writers leave out fold. ё -> е (Russian print omits
 *     the dots: "елка" is how ёлка is usually written), ѐ ѝ -> е и (the grave is only a
 *     stress mark), ї -> і (as before; the transliteration of Ukrainian in
 *     index/terms.cc relies on it). й, ў, ѓ, ќ stay: they are letters of their own
 *     alphabets with their own key on every keyboard that writes them (мой "my" is not
 *     мои "mine", край "edge" is not краи), and the index transliterates them apart
 *     (й -> y, ѓ -> gj).
 *   - Greek: tonos and dialytika go, final sigma is σ; polytonic letters stay.
 *   - Ligatures and digraph letters are spelt out (ß -> ss, æ -> ae, ǆ -> dz, ﬁ -> fi).
 *   - Symbols are not letters: × ÷ fold to themselves like every punctuation mark; the
 *     index splits words at them and name keys drop them (core_profile_name_key). */

typedef struct fold_range {
    uint32_t lo, hi;
    char to[4]; /* UTF-8 replacement, lower case, NUL-padded (at most 3 bytes) */
} fold_range;

/* Latin Extended-A (U+0100-U+017F), both cases, one base letter per code point; '*'
 * marks the two ligatures spelt out in core_fold_cp. */
static const char latin_ext_a[128 + 1] = "aaaaaaccccccccdd"  /* 0100 */
                                         "ddeeeeeeeeeegggg"  /* 0110 */
                                         "gggghhhhiiiiiiii"  /* 0120 */
                                         "ii**jjkkklllllll"  /* 0130 */
                                         "lllnnnnnnnnnoooo"  /* 0140 */
                                         "oo**rrrrrrssssss"  /* 0150 */
                                         "ssttttttuuuuuuuu"  /* 0160 */
                                         "uuuuwwyyyzzzzzzs"; /* 0170 */

/* Sorted, disjoint ranges listing both cases (U+0100-U+017F is latin_ext_a's). */
static const fold_range fold_ranges[] = {
    /* Latin-1 Supplement */
    {0xC0, 0xC5, "a"},
    {0xC6, 0xC6, "ae"},
    {0xC7, 0xC7, "c"},
    {0xC8, 0xCB, "e"},
    {0xCC, 0xCF, "i"},
    {0xD0, 0xD0, "d"},
    {0xD1, 0xD1, "n"},
    {0xD2, 0xD6, "o"},
    {0xD8, 0xD8, "o"},
    {0xD9, 0xDC, "u"},
    {0xDD, 0xDD, "y"},
    {0xDE, 0xDE, "th"},
    {0xDF, 0xDF, "ss"},
    {0xE0, 0xE5, "a"},
    {0xE6, 0xE6, "ae"},
    {0xE7, 0xE7, "c"},
    {0xE8, 0xEB, "e"},
    {0xEC, 0xEF, "i"},
    {0xF0, 0xF0, "d"},
    {0xF1, 0xF1, "n"},
    {0xF2, 0xF6, "o"},
    {0xF8, 0xF8, "o"},
    {0xF9, 0xFC, "u"},
    {0xFD, 0xFD, "y"},
    {0xFE, 0xFE, "th"},
    {0xFF, 0xFF, "y"},
    /* Latin Extended-B: base letters with hooks, strokes and tails; letters of their own
     * as their lower case (core_lower does not pair them) */
    {0x180, 0x183, "b"},
    {0x184, 0x185, "\u0185"}, /* tone six */
    {0x186, 0x186, "\u0254"}, /* Ɔ -> ɔ */
    {0x187, 0x188, "c"},
    {0x189, 0x18C, "d"},
    {0x18E, 0x18E, "\u01dd"}, /* Ǝ -> ǝ */
    {0x18F, 0x18F, "\u0259"}, /* Ə -> ə */
    {0x190, 0x190, "\u025b"}, /* Ɛ -> ɛ */
    {0x191, 0x192, "f"},
    {0x193, 0x193, "g"},
    {0x194, 0x194, "\u0263"}, /* Ɣ -> ɣ */
    {0x196, 0x196, "\u0269"}, /* Ɩ -> ɩ */
    {0x197, 0x197, "i"},
    {0x198, 0x199, "k"},
    {0x19A, 0x19A, "l"},
    {0x19C, 0x19C, "\u026f"}, /* Ɯ -> ɯ */
    {0x19D, 0x19E, "n"},
    {0x19F, 0x1A1, "o"},
    {0x1A2, 0x1A3, "\u01a3"}, /* oi */
    {0x1A4, 0x1A5, "p"},
    {0x1A6, 0x1A6, "\u0280"}, /* yr */
    {0x1A7, 0x1A8, "\u01a8"}, /* tone two */
    {0x1A9, 0x1A9, "\u0283"}, /* Ʃ -> ʃ */
    {0x1AB, 0x1AE, "t"},
    {0x1AF, 0x1B0, "u"},
    {0x1B1, 0x1B1, "\u028a"}, /* Ʊ -> ʊ */
    {0x1B2, 0x1B2, "v"},
    {0x1B3, 0x1B4, "y"},
    {0x1B5, 0x1B6, "z"},
    {0x1B7, 0x1B7, "\u0292"}, /* Ʒ -> ʒ */
    {0x1B8, 0x1B9, "\u01b9"}, /* reversed ezh */
    {0x1BC, 0x1BD, "\u01bd"}, /* tone five */
    {0x1C4, 0x1C6, "dz"},
    {0x1C7, 0x1C9, "lj"},
    {0x1CA, 0x1CC, "nj"},
    {0x1CD, 0x1CE, "a"},
    {0x1CF, 0x1D0, "i"},
    {0x1D1, 0x1D2, "o"},
    {0x1D3, 0x1DC, "u"},
    {0x1DE, 0x1E1, "a"},
    {0x1E2, 0x1E3, "ae"},
    {0x1E4, 0x1E7, "g"},
    {0x1E8, 0x1E9, "k"},
    {0x1EA, 0x1ED, "o"},
    {0x1EE, 0x1EF, "\u0292"}, /* ezh with caron -> ʒ */
    {0x1F0, 0x1F0, "j"},
    {0x1F1, 0x1F3, "dz"},
    {0x1F4, 0x1F5, "g"},
    {0x1F6, 0x1F6, "\u0195"}, /* hwair */
    {0x1F7, 0x1F7, "\u01bf"}, /* wynn */
    {0x1F8, 0x1F9, "n"},
    {0x1FA, 0x1FB, "a"},
    {0x1FC, 0x1FD, "ae"},
    {0x1FE, 0x1FF, "o"},
    {0x200, 0x203, "a"},
    {0x204, 0x207, "e"},
    {0x208, 0x20B, "i"},
    {0x20C, 0x20F, "o"},
    {0x210, 0x213, "r"},
    {0x214, 0x217, "u"},
    {0x218, 0x219, "s"}, /* Ș ș (Romanian) */
    {0x21A, 0x21B, "t"}, /* Ț ț (Romanian) */
    {0x21E, 0x21F, "h"},
    {0x220, 0x220, "n"},
    {0x221, 0x221, "d"},
    {0x224, 0x225, "z"},
    {0x226, 0x227, "a"},
    {0x228, 0x229, "e"},
    {0x22A, 0x231, "o"},
    {0x232, 0x233, "y"},
    {0x234, 0x234, "l"},
    {0x235, 0x235, "n"},
    {0x236, 0x236, "t"},
    {0x237, 0x237, "j"},
    {0x23A, 0x23A, "a"},
    {0x23B, 0x23C, "c"},
    {0x23D, 0x23D, "l"},
    {0x23E, 0x23E, "t"},
    {0x23F, 0x23F, "s"},
    {0x240, 0x240, "z"},
    {0x241, 0x242, "\u0242"}, /* glottal stop */
    {0x243, 0x243, "b"},
    {0x244, 0x244, "u"},
    {0x245, 0x245, "\u028c"}, /* Ʌ -> ʌ */
    {0x246, 0x247, "e"},
    {0x248, 0x249, "j"},
    {0x24A, 0x24B, "q"},
    {0x24C, 0x24D, "r"},
    {0x24E, 0x24F, "y"},
    /* IPA Extensions: the small letters of the capitals above that fold to a base letter */
    {0x253, 0x253, "b"},
    {0x256, 0x257, "d"},
    {0x260, 0x260, "g"},
    {0x268, 0x268, "i"},
    {0x272, 0x272, "n"},
    {0x275, 0x275, "o"},
    {0x288, 0x288, "t"},
    {0x289, 0x289, "u"},
    {0x28B, 0x28B, "v"},
    /* Greek: tonos, dialytika, final sigma; the archaic letters core_lower does not pair */
    {0x370, 0x371, "\u0371"},
    {0x372, 0x373, "\u0373"},
    {0x376, 0x377, "\u0377"},
    {0x37F, 0x37F, "\u03f3"},
    {0x386, 0x386, "\u03b1"},
    {0x388, 0x388, "\u03b5"},
    {0x389, 0x389, "\u03b7"},
    {0x38A, 0x38A, "\u03b9"},
    {0x38C, 0x38C, "\u03bf"},
    {0x38E, 0x38E, "\u03c5"},
    {0x38F, 0x38F, "\u03c9"},
    {0x390, 0x390, "\u03b9"},
    {0x3AA, 0x3AA, "\u03b9"},
    {0x3AB, 0x3AB, "\u03c5"},
    {0x3AC, 0x3AC, "\u03b1"},
    {0x3AD, 0x3AD, "\u03b5"},
    {0x3AE, 0x3AE, "\u03b7"},
    {0x3AF, 0x3AF, "\u03b9"},
    {0x3B0, 0x3B0, "\u03c5"},
    {0x3C2, 0x3C2, "\u03c3"},
    {0x3CA, 0x3CA, "\u03b9"},
    {0x3CB, 0x3CB, "\u03c5"},
    {0x3CC, 0x3CC, "\u03bf"},
    {0x3CD, 0x3CD, "\u03c5"},
    {0x3CE, 0x3CE, "\u03c9"},
    {0x3CF, 0x3CF, "\u03d7"},
    {0x3D8, 0x3D9, "\u03d9"},
    {0x3DA, 0x3DB, "\u03db"},
    {0x3DC, 0x3DD, "\u03dd"},
    {0x3DE, 0x3DF, "\u03df"},
    {0x3E0, 0x3E1, "\u03e1"},
    {0x3E2, 0x3E3, "\u03e3"},
    {0x3E4, 0x3E5, "\u03e5"},
    {0x3E6, 0x3E7, "\u03e7"},
    {0x3E8, 0x3E9, "\u03e9"},
    {0x3EA, 0x3EB, "\u03eb"},
    {0x3EC, 0x3ED, "\u03ed"},
    {0x3EE, 0x3EF, "\u03ef"},
    {0x3F4, 0x3F4, "\u03b8"},
    {0x3F7, 0x3F8, "\u03f8"},
    {0x3F9, 0x3F9, "\u03f2"},
    {0x3FA, 0x3FB, "\u03fb"},
    {0x3FD, 0x3FD, "\u037b"},
    {0x3FE, 0x3FE, "\u037c"},
    {0x3FF, 0x3FF, "\u037d"},
    /* Cyrillic: the marks writers leave out (see above) */
    {0x400, 0x401, "\u0435"}, /* Ѐ Ё -> е */
    {0x407, 0x407, "\u0456"}, /* Ї -> і */
    {0x40D, 0x40D, "\u0438"}, /* Ѝ -> и */
    {0x450, 0x451, "\u0435"}, /* ѐ ё -> е */
    {0x457, 0x457, "\u0456"}, /* ї -> і */
    {0x45D, 0x45D, "\u0438"}, /* ѝ -> и */
    /* Latin Extended Additional (Vietnamese, Welsh, transliterations) */
    {0x1E00, 0x1E01, "a"},
    {0x1E02, 0x1E07, "b"},
    {0x1E08, 0x1E09, "c"},
    {0x1E0A, 0x1E13, "d"},
    {0x1E14, 0x1E1D, "e"},
    {0x1E1E, 0x1E1F, "f"},
    {0x1E20, 0x1E21, "g"},
    {0x1E22, 0x1E2B, "h"},
    {0x1E2C, 0x1E2F, "i"},
    {0x1E30, 0x1E35, "k"},
    {0x1E36, 0x1E3D, "l"},
    {0x1E3E, 0x1E43, "m"},
    {0x1E44, 0x1E4B, "n"},
    {0x1E4C, 0x1E53, "o"},
    {0x1E54, 0x1E57, "p"},
    {0x1E58, 0x1E5F, "r"},
    {0x1E60, 0x1E69, "s"},
    {0x1E6A, 0x1E71, "t"},
    {0x1E72, 0x1E7B, "u"},
    {0x1E7C, 0x1E7F, "v"},
    {0x1E80, 0x1E89, "w"},
    {0x1E8A, 0x1E8D, "x"},
    {0x1E8E, 0x1E8F, "y"},
    {0x1E90, 0x1E95, "z"},
    {0x1E96, 0x1E96, "h"},
    {0x1E97, 0x1E97, "t"},
    {0x1E98, 0x1E98, "w"},
    {0x1E99, 0x1E99, "y"},
    {0x1E9A, 0x1E9A, "a"},
    {0x1E9B, 0x1E9B, "s"},
    {0x1E9E, 0x1E9E, "ss"},
    {0x1EA0, 0x1EB7, "a"},
    {0x1EB8, 0x1EC7, "e"},
    {0x1EC8, 0x1ECB, "i"},
    {0x1ECC, 0x1EE3, "o"},
    {0x1EE4, 0x1EF1, "u"},
    {0x1EF2, 0x1EF9, "y"},
    /* Latin Extended-C: the small letters of Ⱥ and Ⱦ */
    {0x2C65, 0x2C65, "a"},
    {0x2C66, 0x2C66, "t"},
    /* Alphabetic presentation forms: the Latin ligatures */
    {0xFB00, 0xFB00, "ff"},
    {0xFB01, 0xFB01, "fi"},
    {0xFB02, 0xFB02, "fl"},
    {0xFB03, 0xFB03, "ffi"},
    {0xFB04, 0xFB04, "ffl"},
    {0xFB05, 0xFB06, "st"},
};

#define NFOLD (sizeof(fold_ranges) / sizeof(fold_ranges[0]))

/* The table's answer for one code point (at most 3 bytes below U+0800). */
static size_t fold_lookup(uint32_t cp, char *out)
{
    if (cp >= 0x300 && cp <= 0x36F)
        return 0;
    if (cp >= 0x100 && cp <= 0x17F) {
        const char *two = cp == 0x132 || cp == 0x133   ? "ij"
                          : cp == 0x152 || cp == 0x153 ? "oe"
                                                       : NULL;
        if (two != NULL) {
            memcpy(out, two, 2);
            return 2;
        }
        out[0] = latin_ext_a[cp - 0x100];
        return 1;
    }
    size_t lo = 0, hi = NFOLD;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cp < fold_ranges[mid].lo) {
            hi = mid;
        } else if (cp > fold_ranges[mid].hi) {
            lo = mid + 1;
        } else {
            const char *to = fold_ranges[mid].to;
            size_t n = to[1] == '\0' ? 1 : to[2] == '\0' ? 2 : 3;
            memcpy(out, to, n);
            return n;
        }
    }
    return core_utf8_put(core_lower(cp), out);
}

/* The answers for U+0080-U+04FF (Latin, Greek, Cyrillic: nearly every non-ASCII letter
 * a European text holds), looked up once, so the tokeniser's hot path does one load
 * instead of a bisection. */
enum { DENSE_LO = 0x80, DENSE_HI = 0x500 };
typedef struct dense_fold {
    uint8_t len;   /* bytes of the folded form, 0-3 */
    char bytes[3]; /* the folded form, UTF-8 */
} dense_fold;
static dense_fold dense[DENSE_HI - DENSE_LO];
static pthread_once_t dense_once = PTHREAD_ONCE_INIT;
static bool dense_ready; /* set (release) once dense is filled */

static void dense_build(void)
{
    for (uint32_t cp = DENSE_LO; cp < DENSE_HI; cp++) {
        char buf[4];
        size_t n = fold_lookup(cp, buf);
        dense[cp - DENSE_LO].len = (uint8_t)n;
        memcpy(dense[cp - DENSE_LO].bytes, buf, n);
    }
    __atomic_store_n(&dense_ready, true, __ATOMIC_RELEASE);
}

size_t core_fold_cp(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
        return 1;
    }
    if (cp < DENSE_HI) {
        if (!__atomic_load_n(&dense_ready, __ATOMIC_ACQUIRE))
            pthread_once(&dense_once, dense_build);
        const dense_fold *d = &dense[cp - DENSE_LO];
        memcpy(out, d->bytes, 3);
        return d->len;
    }
    return fold_lookup(cp, out);
}

char *core_fold_diacritics(core_arena *a, const char *s, size_t len)
{
    /* A code point of n input bytes folds to at most max(n, 3) bytes (a stray byte the
     * decoder reads as a Latin-1 letter to 2, "ﬃ" to 3): 3 bytes per input byte always
     * suffice. */
    char *out = core_arena_alloc(a, len * 3 + 1), *o = out;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += core_utf8_next(s + i, len - i, &cp);
        o += core_fold_cp(cp, o);
    }
    *o = '\0';
    return out;
}

/* ---- edit distance ---- */

enum { STACK_CPS = 256, STACK_BAND = 65 };

static size_t decode_all(const char *s, size_t len, uint32_t *out)
{
    size_t n = 0;
    for (size_t i = 0; i < len;)
        i += core_utf8_next(s + i, len - i, &out[n++]);
    return n;
}

size_t core_edit_distance(const char *a, const char *b, size_t max)
{
    if (a == NULL)
        a = "";
    if (b == NULL)
        b = "";
    size_t alen = strlen(a), blen = strlen(b);
    /* Byte lengths bound the code point counts, and so the band the rows need. */
    size_t longest = alen > blen ? alen : blen;
    size_t kcap = max < longest ? max : longest;
    uint32_t stack_cps[2 * STACK_CPS];
    size_t stack_rows[2 * STACK_BAND];
    void *heap = NULL;
    uint32_t *ca = stack_cps, *cb = stack_cps + STACK_CPS;
    size_t *prev = stack_rows, *cur = stack_rows + STACK_BAND;
    if (alen > STACK_CPS || blen > STACK_CPS || 2 * kcap + 1 > STACK_BAND) {
        heap = malloc((alen + blen) * sizeof(uint32_t) + 2 * (2 * kcap + 1) * sizeof(size_t));
        if (heap == NULL)
            core_oom();
        prev = heap;
        cur = prev + 2 * kcap + 1;
        ca = (uint32_t *)(cur + 2 * kcap + 1);
        cb = ca + alen;
    }
    size_t la = decode_all(a, alen, ca), lb = decode_all(b, blen, cb);
    if (la > lb) { /* rows run over the shorter string */
        uint32_t *tc = ca;
        ca = cb, cb = tc;
        size_t t = la;
        la = lb, lb = t;
    }
    if (lb - la > max || la == 0) {
        free(heap);
        return lb - la > max ? max + 1 : lb;
    }
    size_t k = max < lb ? max : lb; /* the distance never exceeds lb; k <= kcap */
    size_t width = 2 * k + 1;

    /* Band of diagonals j - i in [-k, k]: cell (i, j) lives at index j - i + k. Values are
     * capped at k + 1, which stands for "more than k". */
    const size_t inf = k + 1;
    for (size_t d = 0; d < width; d++)
        prev[d] = d < k ? inf : d - k <= lb ? d - k : inf;
    for (size_t i = 1; i <= la; i++) {
        size_t rowmin = inf;
        for (size_t d = 0; d < width; d++) {
            /* j = i + d - k */
            if (i + d < k || i + d - k > lb) {
                cur[d] = inf;
                continue;
            }
            size_t j = i + d - k, v;
            if (j == 0) {
                v = i;
            } else {
                v = prev[d] + (ca[i - 1] != cb[j - 1]);
                if (d + 1 < width && prev[d + 1] + 1 < v)
                    v = prev[d + 1] + 1;
                if (d > 0 && cur[d - 1] + 1 < v)
                    v = cur[d - 1] + 1;
            }
            if (v > inf)
                v = inf;
            cur[d] = v;
            if (v < rowmin)
                rowmin = v;
        }
        if (rowmin > max) {
            free(heap);
            return max + 1;
        }
        size_t *t = prev;
        prev = cur;
        cur = t;
    }
    size_t result = prev[lb - la + k];
    free(heap);
    return result > max ? max + 1 : result;
}
