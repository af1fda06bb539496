/*
 * internal.h: the snapshot layout shared by table.c (which builds it) and query.c (which
 * scans it). Not part of the public interface.
 *
 * A snapshot holds two parts, hosts and visitors; a query scans the part of the other role.
 * Each part is a structure of arrays with one entry per row; all columns of a part are
 * carved from one allocation, each 64-byte aligned. Window columns hold the day numbers as
 * uint16; an unused window is stored as from = 65535, to = 0 so it overlaps nothing.
 *
 * A snapshot is built from the rows, or patched from the current one when only a few rows
 * changed in place (table.c): the columns are copied and those rows rewritten, and a row
 * that left a part stays there as a tombstone (ok = 0, roles = 0) that no query returns,
 * until the next full build.
 */
#ifndef ECCPD_MATCHER_INTERNAL_H
#define ECCPD_MATCHER_INTERNAL_H

#include "matcher/matcher.h"

#include <stdatomic.h>

typedef struct matcher__part {
    size_t n;                        /* rows */
    uint8_t *ok;                     /* 1 if eligible (and, for hosts, capacity > 0) */
    uint8_t *country;                /* country id */
    uint8_t *objectives;             /* bitset */
    uint16_t *ecosystems;            /* bitset */
    uint16_t *dmin, *dmax;           /* duration bounds in days, clamped to 65535 */
    uint16_t *from[MATCHER_WINDOWS]; /* window starts */
    uint16_t *to[MATCHER_WINDOWS];   /* window ends */
    uint64_t *languages;             /* bitset */
    uint64_t *targets;               /* bitset of country ids, 0 = any */
    uint64_t *ids;                   /* external ids (read for ties and results only) */
    uint32_t *capacity;              /* remaining capacity (read for results only) */
    uint32_t *roles;                 /* role bits, 0x100 if eligible (for _get only) */
    void *mem;                       /* the one allocation behind the columns */
} matcher__part;

/* Index of a part: 0 hosts, 1 visitors. */
#define MATCHER__HOSTS 0
#define MATCHER__VISITORS 1

struct matcher_snapshot {
    atomic_size_t refs;    /* readers plus one while current */
    size_t count;          /* registrations */
    matcher__part part[2]; /* hosts, visitors */
    /* id -> (part << 31 | row), open addressing, capacity a power of two; shared by the
     * snapshots patched from the one that built it (map_refs counts them) */
    uint64_t *map_ids;
    uint32_t *map_loc; /* UINT32_MAX = empty */
    size_t map_mask;
    atomic_size_t *map_refs;
    uint64_t lineage; /* the build this snapshot was built or patched from */
};

/* Hot loops get an AVX2 clone beside the baseline x86-64 one, chosen once at load time
 * through an ifunc. Not under ThreadSanitizer: an ifunc resolver runs before the TSan
 * runtime is initialised and crashes in its instrumentation. */
#if defined(__x86_64__) && !defined(__SANITIZE_THREAD__)
#define MATCHER__CLONES __attribute__((target_clones("avx2", "default")))
#else
#define MATCHER__CLONES
#endif

/* Bytes one row of a part occupies in the columns a query scans. */
#define MATCHER__SCAN_BYTES_PER_ROW (1 + 1 + 1 + 2 + 2 + 2 + 4 * MATCHER_WINDOWS + 8 + 8)

/* A 64-bit mixer for hashing ids. */
static inline uint64_t matcher__hash(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

#endif
