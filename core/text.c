/* text.c: see text.h. Tables are ranges, checked in order; the common ASCII case is first. */
#include "core/text.h"

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
