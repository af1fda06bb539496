/* random.c: the demo generator's random numbers (splitmix64, ours so every platform
 * agrees) and its sets of strings (see gen.h). */
#include "demo/gen.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/account.h"
#include "core/arena.h"
#include "core/error.h"
#include "core/hash.h"
#include "core/id.h"
#include "core/profile.h"
#include "core/sha256.h"
#include "core/text.h"
#include "core/value.h"
#include "core/vocab.h"
#include "core/event.h"
#include "core/xchange.h"
#include "demo/exchange.h"
#include "demo/prose.h"

/* ---- the generator's random numbers: splitmix64, ours so every platform agrees ---- */

uint64_t demo_splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
double rnd01(uint64_t *s)
{
    return (double)(demo_splitmix64(s) >> 11) * (1.0 / 9007199254740992.0);
}

size_t below(uint64_t *s, size_t n)
{
    return n == 0 ? 0 : (size_t)(rnd01(s) * (double)n);
}

bool chance(uint64_t *s, double p)
{
    return rnd01(s) < p;
}

/* A rank from 0 to n-1 with weight 1/(rank+1): the first entries dominate. */
size_t zipf(uint64_t *s, size_t n)
{
    double h = 0;
    for (size_t i = 0; i < n; i++)
        h += 1.0 / (double)(i + 1);
    double u = rnd01(s) * h;
    for (size_t i = 0; i < n; i++) {
        u -= 1.0 / (double)(i + 1);
        if (u < 0)
            return i;
    }
    return n - 1;
}

const char *pick(uint64_t *s, const strlist *l)
{
    return l->n ? l->v[below(s, l->n)] : "";
}

/* ---- a set of strings, for unique names and website domains ---- */

static uint64_t fnv(const char *s)
{
    return core_fnv1a_str(CORE_FNV1A_SEED, s);
}

bool set_has(const strset *set, const char *s)
{
    if (set->cap == 0)
        return false;
    for (size_t i = fnv(s) & (set->cap - 1);; i = (i + 1) & (set->cap - 1)) {
        if (set->slot[i] == NULL)
            return false;
        if (strcmp(set->slot[i], s) == 0)
            return true;
    }
}

void set_add(strset *set, const char *s)
{
    if (2 * (set->n + 1) > set->cap) {
        strset bigger = {calloc(set->cap ? 2 * set->cap : 1024, sizeof(char *)),
                         set->cap ? 2 * set->cap : 1024, 0};
        if (bigger.slot == NULL)
            core_oom();
        for (size_t i = 0; i < set->cap; i++)
            if (set->slot[i] != NULL) {
                size_t j = fnv(set->slot[i]) & (bigger.cap - 1);
                while (bigger.slot[j] != NULL)
                    j = (j + 1) & (bigger.cap - 1);
                bigger.slot[j] = set->slot[i];
                bigger.n++;
            }
        free(set->slot);
        *set = bigger;
    }
    size_t i = fnv(s) & (set->cap - 1);
    while (set->slot[i] != NULL) {
        if (strcmp(set->slot[i], s) == 0)
            return;
        i = (i + 1) & (set->cap - 1);
    }
    set->slot[i] = strdup(s);
    if (set->slot[i] == NULL)
        core_oom();
    set->n++;
}

void set_dispose(strset *set)
{
    for (size_t i = 0; i < set->cap; i++)
        free(set->slot[i]);
    free(set->slot);
}
