/*
 * synth.h: synthetic profile documents for the index, the same for a given number on every
 * run: a 2-4 word name, a 30-60 word description with Zipf-like word frequencies over 4,000
 * made-up words, three keywords, a city, two ecosystems, a country, a type and coordinates
 * in Europe. test_index builds from them; bench/index times loads and searches over them.
 */
#ifndef ECCPD_TESTS_INDEX_SYNTH_H
#define ECCPD_TESTS_INDEX_SYNTH_H

#include "index/index.h"

enum { SYNTH_WORDS = 4000 };
/* The vocabulary, made by synth_init; word k is more frequent in descriptions for small k. */
extern char synth_words[SYNTH_WORDS][16];
void synth_init(void);

/* Storage for one document (the index_doc points into it). */
typedef struct synth_doc {
    unsigned rng;
    char name[128], desc[1024], id[32], kw[3][20], city[20];
    index_str kws[3], eco[2];
} synth_doc;

/* Document number i (id "p<i>") into *d, its strings in *g. Thread-safe per g. */
void synth_make(int i, synth_doc *g, index_doc *d);

/* Builds an index of documents 0..n-1 in dir with the parallel builder, one feeding thread
 * per shard (at most 8), with last_seq as its sequence number. Returns 0 or an INDEX_E*
 * code. */
int synth_build(const char *dir, int n, unsigned nshards, uint64_t last_seq);

#endif
