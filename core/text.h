/*
 * text.h: the text rules the domain needs without a Unicode library: case folding for
 * the Latin, Greek, Cyrillic and Armenian alphabets (what usernames and e-mail
 * addresses on a European platform use), "is this a letter" for any alphabet, the
 * folding of diacritics to base letters, and the edit distance duplicate detection
 * measures names with. Folding is used for uniqueness keys and duplicate checks; stored
 * text keeps what the user typed.
 */
#ifndef ECCPD_CORE_TEXT_H
#define ECCPD_CORE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"

/* Decodes one code point from valid UTF-8 at s (len > 0); returns its byte length. */
size_t core_utf8_next(const char *s, size_t len, uint32_t *cp);
/* Appends the UTF-8 encoding of cp to out; returns the bytes written (1-4). */
size_t core_utf8_put(uint32_t cp, char *out);
/* The lowercase of one code point (identity where no mapping is known). */
uint32_t core_lower(uint32_t cp);
/* True for letters of any alphabet (Latin, Greek, Cyrillic, Armenian, Georgian, Hebrew,
 * Arabic, Indic, CJK, kana, Hangul ...); digits and punctuation are not letters. */
bool core_is_letter(uint32_t cp);
/* A lowercased copy of valid UTF-8 text, NUL-terminated in the arena. */
char *core_fold_case(core_arena *a, const char *s, size_t len);
/* Number of code points in valid UTF-8 text. */
size_t core_utf8_count(const char *s, size_t len);

/* Writes the folded form of one code point to out (room for 4 bytes, which it may use as
 * scratch past the length returned): its lower case with diacritics reduced to the base
 * letter, so "Żywność" and "zywnosc" fold alike. Returns the bytes written, 0 for a
 * combining mark (U+0300-U+036F, dropped so that decomposed input folds like composed).
 * Below U+0500 a copy of the table's answers made on first use (thread-safe) is read;
 * above, the table is bisected. One table in text.c decides, for both cases of each letter
 * (its comment says why each choice was made):
 *   Latin: Latin-1, Latin Extended-A and -B, Latin Extended Additional (Vietnamese ...):
 *     a base letter with any mark (accent, stroke, bar, hook, tail) folds to the base
 *     letter: é -> e, ż -> z, ł -> l, ø -> o, đ -> d, ı -> i, ș -> s, ɓ -> b, ạ -> a;
 *     ligatures and digraph letters are spelt out: ß/ẞ -> ss, æ -> ae, œ -> oe, ĳ -> ij,
 *     þ -> th, ǆ -> dz, ǉ -> lj, ǌ -> nj, ﬁ -> fi. Letters that are not a base letter with
 *     a mark (ŋ, ə, ʒ, ɔ, ɛ, ǝ) stay, lowercased.
 *   Greek (monotonic): tonos and dialytika are removed (ά -> α, ϊ -> ι, ΐ -> ι) and final
 *     sigma becomes σ. Polytonic letters (U+1F00-U+1FFF) stay as they are.
 *   Cyrillic: only the marks writers leave out: ё -> е, ѐ -> е, ѝ -> и, ї -> і. Letters
 *     of their own (й, ў, ѓ, ќ, ђ, ћ, љ, њ, џ, є, ґ) stay.
 * Everything else (other scripts, digits, punctuation and symbols such as × ÷) is only
 * lowercased (core_lower). */
size_t core_fold_cp(uint32_t cp, char *out);

/* A folded copy of the UTF-8 text s[0..len), core_fold_cp applied to each code point.
 * Ill-formed UTF-8 does not crash; it yields U+FFFD or the decoder's best guess. The
 * result is NUL-terminated, in arena a, valid until core_arena_dispose. */
char *core_fold_diacritics(core_arena *a, const char *s, size_t len);

/* The Levenshtein distance between the UTF-8 strings a and b counted in code points
 * (insertions, deletions and substitutions of one code point each), or max + 1 as soon
 * as it is certain to exceed max. Work is O(|a| + |b|) to decode, then
 * O(min(|a|,|b|) x (2 max + 1)) at most; it returns right after decoding when the lengths
 * differ by more than max. NULL counts as "". Uses the stack for short strings and
 * malloc'd scratch (aborting through core_oom if none can be had) for long ones. */
size_t core_edit_distance(const char *a, const char *b, size_t max);

#endif
