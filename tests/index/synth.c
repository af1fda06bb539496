/* synth.c: see synth.h. */
#include "synth.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

char synth_words[SYNTH_WORDS][16];

static const char *const types[4] = {"cluster_organisation", "cluster_member", "policy_institution",
                                     "other"};
static const char *const countries[6] = {"FR", "DE", "PL", "ES", "IT", "RS"};
static const char *const ecos[5] = {"digital", "health", "tourism", "textile", "retail"};

static void make_word(char *out, unsigned k)
{
    static const char *syl[] = {"ka",  "lo", "mi",  "ter", "an", "vel", "ro",  "sta", "in", "po",
                                "dre", "nu", "cor", "fi",  "ga", "ble", "tra", "mon", "el", "si"};
    out[0] = '\0';
    unsigned n = 2 + k % 3;
    for (unsigned i = 0; i < n; i++) {
        strcat(out, syl[k % 20]);
        k = k / 20 + i * 7 + 3;
    }
}

void synth_init(void)
{
    for (unsigned i = 0; i < SYNTH_WORDS; i++)
        make_word(synth_words[i], i * 2654435761u % 1000003u);
}

static unsigned grnd(synth_doc *g, unsigned n)
{
    g->rng = g->rng * 1103515245u + 12345u;
    return (g->rng >> 8) % n;
}

void synth_make(int i, synth_doc *g, index_doc *d)
{
    g->rng = (unsigned)i * 2654435761u + 1;
    snprintf(g->id, sizeof g->id, "p%d", i);
    g->name[0] = g->desc[0] = '\0';
    int nn = 2 + grnd(g, 3), nd = 30 + grnd(g, 30);
    for (int k = 0; k < nn; k++) {
        strcat(g->name, synth_words[grnd(g, SYNTH_WORDS)]);
        strcat(g->name, k ? " " : " Cluster ");
    }
    for (int k = 0; k < nd; k++) {
        unsigned x = grnd(g, SYNTH_WORDS);
        strcat(g->desc, synth_words[x * x / SYNTH_WORDS]);
        strcat(g->desc, k % 9 == 8 ? ". " : " ");
    }
    for (int k = 0; k < 3; k++) {
        snprintf(g->kw[k], sizeof g->kw[k], "%s", synth_words[grnd(g, 300)]);
        g->kws[k] = index_cstr(g->kw[k]);
    }
    snprintf(g->city, sizeof g->city, "%s", synth_words[grnd(g, 200)]);
    g->eco[0] = index_cstr(ecos[grnd(g, 5)]);
    g->eco[1] = index_cstr(ecos[grnd(g, 5)]);
    memset(d, 0, sizeof(*d));
    d->id = index_cstr(g->id);
    d->kind = INDEX_KIND_PROFILE;
    d->name = index_cstr(g->name);
    d->description = index_cstr(g->desc);
    d->keywords = g->kws, d->keywords_len = 3;
    d->city = index_cstr(g->city);
    d->ecosystems = g->eco, d->ecosystems_len = 2;
    d->ecosystem_names = g->eco, d->ecosystem_names_len = 2;
    d->country = index_cstr(countries[grnd(g, 6)]);
    d->type = index_cstr(types[grnd(g, 4)]);
    d->label = (index_label)grnd(g, 4);
    d->eligible = grnd(g, 2);
    d->updated_at = 1700000000 + i;
    d->has_geo = true, d->lat = 35 + grnd(g, 2500) / 100.0, d->lon = -10 + grnd(g, 4000) / 100.0;
}

typedef struct feed {
    index_builder *b;
    unsigned shard, nshards;
    int n, rc;
} feed;

static void *feed_shard(void *arg)
{
    feed *f = arg;
    synth_doc g;
    index_doc d;
    for (int i = (int)f->shard; i < f->n && f->rc == 0; i += (int)f->nshards) {
        synth_make(i, &g, &d);
        f->rc = index_builder_put(f->b, f->shard, &d);
    }
    return NULL;
}

int synth_build(const char *dir, int n, unsigned nshards, uint64_t last_seq)
{
    if (nshards < 1 || nshards > 8)
        return INDEX_EINVAL;
    index_builder *b = NULL;
    int rc = index_builder_open(dir, nshards, &b);
    if (rc != 0)
        return rc;
    pthread_t th[8];
    feed f[8];
    for (unsigned i = 0; i < nshards; i++) {
        f[i] = (feed){b, i, nshards, n, 0};
        if (pthread_create(&th[i], NULL, feed_shard, &f[i]) != 0) {
            f[i].rc = INDEX_EINTERNAL;
            nshards = i; /* join only what started */
            rc = INDEX_EINTERNAL;
        }
    }
    for (unsigned i = 0; i < nshards; i++) {
        pthread_join(th[i], NULL);
        if (rc == 0)
            rc = f[i].rc;
    }
    if (rc != 0) {
        index_builder_abort(b);
        return rc;
    }
    return index_builder_finish(b, last_seq);
}
