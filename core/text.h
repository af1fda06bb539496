/*
 * text.h: the text rules the domain needs without a Unicode library: case folding for
 * the Latin, Greek, Cyrillic and Armenian alphabets (what usernames and e-mail
 * addresses on a European platform use), and "is this a letter" for any alphabet.
 * Folding is used for uniqueness keys; stored text keeps what the user typed.
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

#endif
