/* tables.c: the demo generator's vocabulary, countries and cities, parsed from the
 * embedded demo/data/words.tsv and cities.tsv (see gen.h). */
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

extern const char core_data_cities[];
extern const size_t core_data_cities_len;
extern const char core_data_demo_words[];
extern const size_t core_data_demo_words_len;

/* ---- small tables parsed from the embedded data ---- */

static void sl_push(strlist *l, const char *s)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 8;
        l->v = realloc(l->v, l->cap * sizeof(*l->v));
        if (l->v == NULL)
            core_oom();
    }
    l->v[l->n++] = s;
}

static int lang_index(tables *t, const char *code)
{
    for (size_t i = 0; i < t->nlangs; i++)
        if (strcmp(t->langs[i].code, code) == 0)
            return (int)i;
    if (t->nlangs == MAX_LANGS || strlen(code) > 3)
        return -1;
    lang_words *l = &t->langs[t->nlangs];
    memset(l, 0, sizeof(*l));
    strcpy(l->code, code);
    return (int)t->nlangs++;
}

static country *country_of(tables *t, const char *cc)
{
    for (size_t i = 0; i < t->ncountries; i++)
        if (strcmp(t->countries[i].cc, cc) == 0)
            return &t->countries[i];
    return NULL;
}

/* Splits text into lines and tab-separated fields in place; calls row() for each
 * non-comment line with its fields. Returns the first nonzero row() result. */
static int each_row(char *text, int (*row)(tables *, char **, int), tables *t)
{
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#' || line[0] == '\0')
            continue;
        char *f[8];
        int n = 0;
        for (char *p = line; n < 8;) {
            f[n++] = p;
            char *tab = strchr(p, '\t');
            if (tab == NULL)
                break;
            *tab = '\0';
            p = tab + 1;
        }
        int rc = row(t, f, n);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int eco_of(const char *id)
{
    return core_vocab_find(CORE_VOCAB_ECOSYSTEM, id, strlen(id));
}

static int words_row(tables *t, char **f, int n)
{
    const char *kind = f[0];
    if (n >= 4 && strcmp(kind, "country") == 0) {
        int cid = core_country_find(f[1], 2);
        if (cid < 0)
            return CORE_EINTERNAL;
        country *c = &t->countries[t->ncountries++];
        memset(c, 0, sizeof(*c));
        c->cc = f[1];
        c->w = atof(f[2]);
        c->own_name = f[3];
        const core_country *cc = core_country_at((size_t)cid);
        c->en_name = cc->name;
        for (size_t i = 0; i < cc->language_count && i < 4; i++)
            c->languages[c->nlanguages++] = core_language_at(cc->languages[i])->code;
        t->country_total += c->w;
        return 0;
    }
    if (n >= 3 && strcmp(kind, "lang") == 0) {
        country *c = country_of(t, f[1]);
        int l = lang_index(t, f[2]);
        if (c == NULL || l < 0)
            return CORE_EINTERNAL;
        c->lang = l;
        return 0;
    }
    if (n >= 3 && strcmp(kind, "legal") == 0) {
        country *c = country_of(t, f[1]);
        if (c == NULL)
            return CORE_EINTERNAL;
        sl_push(&c->legal, f[2]);
        return 0;
    }
    if (n >= 3 && strcmp(kind, "term") == 0) {
        int e = eco_of(f[1]);
        if (e < 0 || e >= NECO)
            return CORE_EINTERNAL;
        sl_push(&t->terms[e], f[2]);
        return 0;
    }
    if (n >= 3 && strcmp(kind, "brand") == 0) {
        sl_push(strcmp(f[1], "head") == 0 ? &t->brand_head : &t->brand_tail, f[2]);
        return 0;
    }
    int l = n >= 3 ? lang_index(t, f[1]) : -1;
    if (l < 0)
        return CORE_EINTERNAL;
    lang_words *w = &t->langs[l];
    if (n >= 4 && (strcmp(kind, "eco") == 0 || strcmp(kind, "kw") == 0)) {
        int e = eco_of(f[2]);
        if (e < 0 || e >= NECO)
            return CORE_EINTERNAL;
        sl_push(kind[0] == 'e' ? &w->eco[e] : &w->kw[e], f[3]);
    } else if (n >= 4 && strcmp(kind, "word") == 0) {
        if (strcmp(f[2], "cluster") == 0)
            sl_push(&w->cluster, f[3]);
        else if (strcmp(f[2], "order") == 0)
            w->cluster_after = atoi(f[3]) == 1;
    } else if (strcmp(kind, "sentence") == 0) {
        sl_push(&w->sentence, f[2]);
    } else if (strcmp(kind, "given") == 0) {
        sl_push(&w->given, f[2]);
    } else if (strcmp(kind, "family") == 0) {
        sl_push(&w->family, f[2]);
    } else if (strcmp(kind, "research") == 0) {
        sl_push(&w->research, f[2]);
    } else if (strcmp(kind, "public") == 0) {
        sl_push(&w->public_, f[2]);
    } else {
        return CORE_EINTERNAL;
    }
    return 0;
}

static int city_row(tables *t, char **f, int n)
{
    if (n < 6)
        return CORE_EINTERNAL;
    if (strcmp(f[0], "country") == 0)
        return 0; /* the header */
    country *c = country_of(t, f[0]);
    if (c == NULL)
        return 0; /* a city of a country the generator does not use */
    if ((c->ncities & (c->ncities + 1)) == 0 || c->ncities == 0) {
        size_t cap = c->ncities ? 2 * (c->ncities + 1) : 4;
        c->cities = realloc(c->cities, cap * sizeof(city));
        if (c->cities == NULL)
            core_oom();
    }
    city *x = &c->cities[c->ncities++];
    x->name = f[1];
    x->region = f[2];
    x->lat = atof(f[3]);
    x->lon = atof(f[4]);
    x->w = atof(f[5]);
    c->city_total += x->w;
    return 0;
}

void tables_dispose(tables *t)
{
    for (size_t i = 0; i < t->ncountries; i++) {
        free(t->countries[i].cities);
        free(t->countries[i].legal.v);
    }
    free(t->countries);
    for (size_t i = 0; i < t->nlangs; i++) {
        lang_words *w = &t->langs[i];
        for (int e = 0; e < NECO; e++) {
            free(w->eco[e].v);
            free(w->kw[e].v);
        }
        free(w->cluster.v);
        free(w->sentence.v);
        free(w->given.v);
        free(w->family.v);
        free(w->research.v);
        free(w->public_.v);
    }
    for (int e = 0; e < NECO; e++)
        free(t->terms[e].v);
    free(t->brand_head.v);
    free(t->brand_tail.v);
    free(t->text[0]);
    free(t->text[1]);
}

int tables_load(tables *t)
{
    memset(t, 0, sizeof(*t));
    if (core_vocab_init() != 0 || core_vocab_count(CORE_VOCAB_ECOSYSTEM) != NECO)
        return CORE_EINTERNAL;
    t->text[0] = strndup(core_data_demo_words, core_data_demo_words_len);
    t->text[1] = strndup(core_data_cities, core_data_cities_len);
    t->countries = calloc(64, sizeof(country));
    if (t->text[0] == NULL || t->text[1] == NULL || t->countries == NULL)
        core_oom();
    lang_index(t, "en"); /* language 0: the fallback */
    int rc = each_row(t->text[0], words_row, t);
    if (rc == 0)
        rc = each_row(t->text[1], city_row, t);
    for (size_t i = 0; rc == 0 && i < t->ncountries; i++)
        if (t->countries[i].ncities == 0)
            rc = CORE_EINTERNAL;
    for (int e = 0; rc == 0 && e < NECO; e++)
        if (t->terms[e].n < 4 || t->langs[0].eco[e].n == 0)
            rc = CORE_EINTERNAL;
    if (rc == 0 && (t->langs[0].given.n == 0 || t->langs[0].family.n == 0 || t->brand_head.n == 0 ||
                    t->brand_tail.n == 0))
        rc = CORE_EINTERNAL;
    return rc;
}
