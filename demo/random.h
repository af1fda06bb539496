/*
 * random.h: the demo generator's random numbers: splitmix64, ours so every platform agrees
 * and one seed drives every file of the generator (demo/random.c).
 */
#ifndef ECCPD_DEMO_RANDOM_H
#define ECCPD_DEMO_RANDOM_H

#include <stdint.h>

/* The next number of the sequence whose state is *s. */
uint64_t demo_splitmix64(uint64_t *s);

#endif
