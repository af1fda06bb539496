/*
 * hash.h: FNV-1a (64-bit), the one non-cryptographic hash of the project, for in-memory
 * hash tables and for spreading keys over shards. Nothing hashed with it is stored: a
 * change of function changes no file. Header-only so that the C++ index can use it too.
 */
#ifndef ECCPD_CORE_HASH_H
#define ECCPD_CORE_HASH_H

#include <stddef.h>
#include <stdint.h>

#define CORE_FNV1A_SEED 1469598103934665603ull

/* Hashes n bytes at p into h (start with CORE_FNV1A_SEED; chain calls to hash parts). */
static inline uint64_t core_fnv1a(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = (const unsigned char *)p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

/* As core_fnv1a over a NUL-terminated string, without its terminator. */
static inline uint64_t core_fnv1a_str(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

#endif
