/* text.c: the demo generator's random text and choices: patterns filled with words,
 * places, people, names, websites and the profile fields built from them (see gen.h). */
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

/* ---- text helpers ---- */

char *fill(core_arena *a, const char *pattern, const words *w)
{
    size_t cap = 512, n = 0;
    char *out = core_arena_alloc(a, cap);
    for (const char *p = pattern; *p && n < cap - 1;) {
        const char *rep = NULL;
        if (p[0] == '{' && p[1] && p[2] == '}') {
            switch (p[1]) {
            case 'C':
                rep = w->C;
                break;
            case 'E':
                rep = w->E;
                break;
            case 'X':
                rep = w->X;
                break;
            case 'K':
                rep = w->K;
                break;
            case 'R':
                rep = w->R;
                break;
            case 'T':
                rep = w->T;
                break;
            case 'P':
                rep = w->P;
                break;
            }
        }
        if (rep != NULL) {
            size_t len = strlen(rep);
            if (n + len >= cap - 1)
                break;
            memcpy(out + n, rep, len);
            n += len;
            p += 3;
        } else {
            out[n++] = *p++;
        }
    }
    out[n] = '\0';
    return out;
}

/* "artificial intelligence" -> "Artificial Intelligence" (ASCII word starts only). */
static char *title_case(core_arena *a, const char *s)
{
    char *o = core_arena_strndup(a, s, strlen(s));
    for (char *p = o; *p; p++)
        if ((p == o || p[-1] == ' ' || p[-1] == '-') && *p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    return o;
}

/* Lower-case ASCII letters and digits of the folded text, other runs as one '-'. */
static char *slug(core_arena *a, const char *s, size_t max)
{
    const char *f = core_fold_diacritics(a, s, strlen(s));
    char *o = core_arena_alloc(a, strlen(f) + 1);
    size_t n = 0;
    const char *p = f;
    for (; *p && n < max; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))
            o[n++] = *p;
        else if (n > 0 && o[n - 1] != '-')
            o[n++] = '-';
    }
    if (n == max && *p != '\0') { /* cut: end at a word boundary when there is one */
        size_t keep = n;
        while (keep > 0 && o[keep - 1] != '-')
            keep--;
        if (keep > max / 2)
            n = keep;
    }
    while (n > 0 && o[n - 1] == '-')
        n--;
    o[n] = '\0';
    return o;
}

/* The initials of the significant words of a name, in their own script. */
char *acronym_of(core_arena *a, const char *name)
{
    static const char *const small[] = {"of",  "de", "des", "du", "la",  "le", "and", "und", "for",
                                        "the", "di", "del", "da", "do",  "i",  "e",   "y",   "et",
                                        "für", "a",  "z",   "w",  "din", "ve", NULL};
    char *o = core_arena_alloc(a, 64);
    size_t n = 0;
    const char *p = name;
    while (*p && n < 40) {
        while (*p == ' ' || *p == '-')
            p++;
        const char *w = p;
        while (*p && *p != ' ' && *p != '-')
            p++;
        size_t wl = (size_t)(p - w);
        if (wl == 0)
            break;
        bool skip = false;
        for (int i = 0; small[i]; i++)
            if (strlen(small[i]) == wl && strncmp(small[i], w, wl) == 0)
                skip = true;
        uint32_t cp;
        size_t cl = core_utf8_next(w, wl, &cp);
        if (skip || (cp >= '0' && cp <= '9') || cp == '(' || cp == '&')
            continue;
        if (cp >= 'a' && cp <= 'z')
            o[n++] = (char)(cp - 'a' + 'A');
        else {
            memcpy(o + n, w, cl);
            n += cl;
        }
    }
    o[n] = '\0';
    return o;
}

core_value str(core_arena *a, const char *s)
{
    return core_value_cstr(a, s);
}

core_value str_list(core_arena *a, const char *const *v, size_t n)
{
    core_value arr = core_value_arr();
    for (size_t i = 0; i < n; i++)
        core_value_push(a, &arr, core_value_cstr(a, v[i]));
    return arr;
}

/* ---- choices ---- */

size_t pick_country(gen *g)
{
    double u = rnd01(&g->rng) * g->t.country_total;
    for (size_t i = 0; i < g->t.ncountries; i++) {
        u -= g->t.countries[i].w;
        if (u < 0)
            return i;
    }
    return 0;
}

static const city *pick_city(gen *g, const country *c)
{
    double u = rnd01(&g->rng) * c->city_total;
    for (size_t i = 0; i < c->ncities; i++) {
        u -= c->cities[i].w;
        if (u < 0)
            return &c->cities[i];
    }
    return &c->cities[0];
}

/* Ecosystems in order of popularity on the platform, with weights. */
static const struct {
    const char *id;
    int w;
} eco_popularity[] = {
    {"digital", 20},
    {"agri_food", 16},
    {"health", 14},
    {"energy_renewables", 12},
    {"mobility_transport_automotive", 11},
    {"construction", 8},
    {"electronics", 7},
    {"energy_intensive", 7},
    {"aerospace_defence", 6},
    {"tourism", 6},
    {"textile", 5},
    {"cultural_creative", 5},
    {"proximity_social_economy", 3},
    {"retail", 2},
};

int pick_eco(gen *g)
{
    int total = 0;
    for (size_t i = 0; i < NECO; i++)
        total += eco_popularity[i].w;
    int u = (int)below(&g->rng, (size_t)total);
    for (size_t i = 0; i < NECO; i++) {
        u -= eco_popularity[i].w;
        if (u < 0)
            return eco_of(eco_popularity[i].id);
    }
    return 0;
}

const char *term(gen *g, int eco)
{
    return g->t.terms[eco].v[zipf(&g->rng, g->t.terms[eco].n)];
}

const lang_words *lang_of(gen *g, const country *c)
{
    return &g->t.langs[c->lang];
}

static const char *local_eco(gen *g, const country *c, int eco)
{
    const lang_words *l = lang_of(g, c);
    return l->eco[eco].n ? pick(&g->rng, &l->eco[eco]) : pick(&g->rng, &g->t.langs[0].eco[eco]);
}

void choose_place(gen *g, core_arena *a, place *p, size_t country_ix, int eco)
{
    p->country_ix = country_ix;
    p->c = &g->t.countries[country_ix];
    p->town = pick_city(g, p->c);
    p->eco = eco >= 0 ? eco : pick_eco(g);
    p->eco2 = chance(&g->rng, 0.55) ? pick_eco(g) : -1;
    if (p->eco2 == p->eco)
        p->eco2 = -1;
    const lang_words *l = lang_of(g, p->c);
    p->w.C = l->cluster.n ? pick(&g->rng, &l->cluster) : "Cluster";
    p->w.E = local_eco(g, p->c, p->eco);
    p->w.X = g->t.langs[0].eco[p->eco].v[0];
    p->w.K = title_case(a, term(g, p->eco));
    p->w.R = p->town->region;
    p->w.T = p->town->name;
    p->w.P = p->c->own_name;
}

void add_location(gen *g, core_arena *a, core_value *b, const place *p, bool address)
{
    core_value_set(a, b, "country", str(a, p->c->cc));
    core_value_set(a, b, "region", str(a, p->town->region));
    core_value_set(a, b, "city", str(a, p->town->name));
    double lat = p->town->lat + (rnd01(&g->rng) - 0.5) * 0.06;
    double lon = p->town->lon + (rnd01(&g->rng) - 0.5) * 0.09;
    core_value_set(a, b, "lat", core_value_double(round(lat * 1e5) / 1e5));
    core_value_set(a, b, "lon", core_value_double(round(lon * 1e5) / 1e5));
    if (address && chance(&g->rng, 0.6)) {
        static const char *const streets[] = {"Main Street",    "Innovation Park",
                                              "Science Avenue", "Technology Square",
                                              "Harbour Road",   "Business Centre"};
        core_value_set(a, b, "address",
                       str(a, core_arena_printf(a, "%s %zu, %s", streets[below(&g->rng, 6)],
                                                1 + below(&g->rng, 180), p->town->name)));
    }
}

/* The languages a profile says it works in: the country's, often English too. */
void add_languages(gen *g, core_arena *a, core_value *b, const place *p)
{
    const char *v[6];
    size_t n = 0;
    for (size_t i = 0; i < p->c->nlanguages && i < 2; i++)
        v[n++] = p->c->languages[i];
    bool has_en = false;
    for (size_t i = 0; i < n; i++)
        has_en |= strcmp(v[i], "en") == 0;
    if (!has_en && (n == 0 || chance(&g->rng, 0.8)))
        v[n++] = "en";
    if (chance(&g->rng, 0.15) && strcmp(p->c->cc, "DE") != 0 && strcmp(p->c->cc, "AT") != 0) {
        bool dup = false;
        for (size_t i = 0; i < n; i++)
            dup |= strcmp(v[i], "de") == 0;
        if (!dup)
            v[n++] = "de";
    }
    core_value_set(a, b, "languages", str_list(a, v, n));
}

void add_keywords(gen *g, core_arena *a, core_value *b, const place *p, size_t want)
{
    const char *v[12];
    size_t n = 0;
    for (size_t tries = 0; n < want && tries < 4 * want; tries++) {
        const char *k = tries % 3 == 2 && p->eco2 >= 0 ? term(g, p->eco2) : term(g, p->eco);
        bool dup = false;
        for (size_t i = 0; i < n; i++)
            dup |= strcmp(v[i], k) == 0;
        if (!dup)
            v[n++] = k;
    }
    const lang_words *l = lang_of(g, p->c);
    if (l->kw[p->eco].n && chance(&g->rng, 0.35) && n < 12)
        v[n++] = pick(&g->rng, &l->kw[p->eco]);
    core_value_set(a, b, "keywords", str_list(a, v, n));
}

void add_ecosystems(core_arena *a, core_value *b, const place *p)
{
    const char *v[2] = {core_vocab_id(CORE_VOCAB_ECOSYSTEM, (size_t)p->eco), NULL};
    size_t n = 1;
    if (p->eco2 >= 0)
        v[n++] = core_vocab_id(CORE_VOCAB_ECOSYSTEM, (size_t)p->eco2);
    core_value_set(a, b, "ecosystems", str_list(a, v, n));
}

/* A unique website under .example (reserved: never a real site). */
const char *website(gen *g, core_arena *a, const char *name, const char *cc)
{
    char *base = slug(a, name, 40);
    if (strlen(base) < 3)
        base = core_arena_printf(a, "org-%s", slug(a, cc, 2));
    char *dom = core_arena_printf(a, "%s.example", base);
    for (int i = 2; set_has(&g->domains, dom); i++)
        dom = core_arena_printf(a, "%s-%d.example", base, i);
    set_add(&g->domains, dom);
    return core_arena_printf(a, "https://www.%s", dom);
}

static const char *domain_of(const char *url)
{
    const char *d = strstr(url, "://");
    d = d ? d + 3 : url;
    return strncmp(d, "www.", 4) == 0 ? d + 4 : d;
}

person pick_person(gen *g, const country *c)
{
    const lang_words *l = lang_of(g, c);
    const lang_words *en = &g->t.langs[0];
    person p = {l->given.n ? pick(&g->rng, &l->given) : pick(&g->rng, &en->given),
                l->family.n ? pick(&g->rng, &l->family) : pick(&g->rng, &en->family)};
    return p;
}

static const char *email_of(core_arena *a, const person *p, const char *domain, uint64_t n)
{
    char *gs = slug(a, p->given, 20), *fs = slug(a, p->family, 20);
    if (*gs && *fs)
        return core_arena_printf(a, "%s.%s%s%.0llu@%s", gs, fs, n ? "." : "", (unsigned long long)n,
                                 domain);
    return core_arena_printf(a, "contact%s%.0llu@%s", n ? "." : "", (unsigned long long)n, domain);
}

void add_contact(gen *g, core_arena *a, core_value *b, const place *p, const char *site)
{
    person who = pick_person(g, p->c);
    core_value contact = core_value_obj();
    core_value_set(a, &contact, "name",
                   str(a, core_arena_printf(a, "%s %s", who.given, who.family)));
    core_value_set(a, &contact, "email", str(a, email_of(a, &who, domain_of(site), 0)));
    core_value_set(a, b, "contact", contact);
}

/* The account of an organisation's admin (one per organisation, or per member trio). */
core_value user_body(gen *g, core_arena *a, const place *p, const char *org_name, const char *site)
{
    static const char *const titles[] = {"Cluster manager",       "Project manager",
                                         "Managing director",     "Innovation manager",
                                         "Communication officer", "International officer"};
    person who = pick_person(g, p->c);
    uint64_t n = ++g->user_seq;
    core_value u = core_value_obj();
    const char *email = email_of(a, &who, domain_of(site), n);
    core_value_set(
        a, &u, "username",
        str(a, core_arena_printf(a, "%s %s %llu", who.given, who.family, (unsigned long long)n)));
    core_value_set(a, &u, "email", str(a, email));
    core_value_set(a, &u, "email_confirm", str(a, email));
    core_value_set(a, &u, "organisation_name", str(a, org_name));
    core_value_set(a, &u, "country", str(a, p->c->cc));
    core_value_set(a, &u, "title", str(a, titles[below(&g->rng, 6)]));
    core_value nl = core_value_arr();
    if (chance(&g->rng, 0.5))
        core_value_push(a, &nl, str(a, "monthly"));
    if (chance(&g->rng, 0.3))
        core_value_push(a, &nl, str(a, "quarterly"));
    core_value_set(a, &u, "newsletters", nl);
    digest_value(g, "user", &u); /* before the password, which may be random */
    core_value_set(a, &u, "password", str(a, g->r->password));
    return u;
}

/* A name no other generated organisation has (near-duplicates are made on purpose
 * elsewhere). */
const char *unique_name(gen *g, core_arena *a, const char *name, const place *p)
{
    if (!set_has(&g->names, name)) {
        set_add(&g->names, name);
        return name;
    }
    for (int i = 0; i < 4; i++) {
        const char *t = i < 3 ? title_case(a, term(g, p->eco)) : NULL;
        if (t != NULL && strcasestr(name, t) != NULL)
            continue; /* not "Cybersecurity GmbH – Cybersecurity" */
        const char *alt = t != NULL ? core_arena_printf(a, "%s – %s", name, t)
                                    : core_arena_printf(a, "%s (%s)", name, p->w.R);
        if (!set_has(&g->names, alt)) {
            set_add(&g->names, alt);
            return alt;
        }
    }
    for (int i = 2;; i++) {
        const char *alt = core_arena_printf(a, "%s %d", name, i);
        if (!set_has(&g->names, alt)) {
            set_add(&g->names, alt);
            return alt;
        }
    }
}

/* A name that looks like an earlier one: what duplicate detection is for. */
const char *near_duplicate(gen *g, core_arena *a, const char *orig)
{
    switch (below(&g->rng, 4)) {
    case 0:
        return core_arena_printf(a, "%s e.V.", orig);
    case 1:
        return core_fold_diacritics(a, orig, strlen(orig)); /* "pole mobilite lyon" */
    case 2: {
        char *s = core_arena_strndup(a, orig, strlen(orig));
        for (size_t i = 1; s[i] && s[i + 1]; i++)
            if (s[i] >= 'a' && s[i] <= 'z' && s[i + 1] >= 'a' && s[i + 1] <= 'z') {
                char c = s[i];
                s[i] = s[i + 1];
                s[i + 1] = c;
                return s;
            }
        return core_arena_printf(a, "%s.", orig);
    }
    default:
        return core_arena_printf(a, "The %s", orig);
    }
}
