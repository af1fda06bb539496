/*
 * fuzz.h: what every fuzz target shares.
 *
 * A target defines LLVMFuzzerTestOneInput (and, when it needs a set-up, LLVMFuzzerInitialize).
 * Built with -DFUZZ=ON (clang), it links libFuzzer and runs as a fuzzer; otherwise it links
 * replay.c, whose main() runs every file of the directories it is given through the target
 * once, so ctest replays the corpus and every crash input on each build, gcc included.
 * A target checks properties, not only "does not crash": FUZZ_CHECK aborts (a finding) when
 * one does not hold.
 */
#ifndef ECCPD_TESTS_FUZZ_H
#define ECCPD_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #cond);            \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#endif
