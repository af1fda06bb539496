/*
 * prose.h: the demo generator's profile descriptions (demo/demo.c calls it).
 *
 * Real cluster profiles describe their mission, members, services and projects in 100-300
 * words; the demo's descriptions follow that shape at 60-150 words: an opening (who, where),
 * then sentences about the mission, the members, the services and current projects drawn in
 * a fixed order of sections, their vocabulary taken from the profile's own keywords and its
 * ecosystems' terms, and, where the profile's country has a local language, a paragraph in
 * it (given by the caller, already written). Every choice comes from the caller's PRNG, so
 * the same seed gives the same text.
 */
#ifndef ECCPD_DEMO_PROSE_H
#define ECCPD_DEMO_PROSE_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"

typedef enum core_demo_prose_kind {
    CORE_DEMO_PROSE_CLUSTER,  /* a cluster organisation */
    CORE_DEMO_PROSE_NETWORK,  /* a partnership, association or meta-cluster network */
    CORE_DEMO_PROSE_AGENCY,   /* policy institution, training provider, other */
    CORE_DEMO_PROSE_COMPANY,  /* a member: SME or large company */
    CORE_DEMO_PROSE_RESEARCH, /* a member: research organisation */
    CORE_DEMO_PROSE_PUBLIC,   /* a member: public body */
} core_demo_prose_kind;

typedef struct core_demo_prose {
    core_demo_prose_kind kind;
    const char *name;
    const char *kind_text; /* "an SME", "a research organisation", ... (members) */
    const char *city, *region, *country;
    const char *eco, *eco2;   /* English ecosystem names; eco2 NULL if none */
    const char *const *terms; /* the first ecosystem's vocabulary */
    size_t nterms;
    const char *const *terms2; /* the second's, or NULL */
    size_t nterms2;
    const char *const *keywords; /* the profile's keywords */
    size_t nkeywords;
    const char *services;                     /* "training and matchmaking", or "" */
    const char *partners;                     /* "France, Italy and Poland", or "" */
    const char *local;                        /* the local-language paragraph, or NULL */
    int64_t members, smes, research, founded; /* 0 when unknown */
} core_demo_prose;

/* The description: 60-150 words (the local paragraph included), paragraphs separated by a
 * blank line. Draws from *rng (splitmix64, the generator's own). */
const char *core_demo_prose_write(core_arena *a, uint64_t *rng, const core_demo_prose *p);

/* Words (runs of non-space bytes) in s. */
size_t core_demo_prose_words(const char *s);

#endif
