/*
 * records.c: the matcher's change-log consumer, its loader, and the directory of
 * registrations (see records.h).
 *
 * The consumer runs on the feed thread, the matcher's single writer. For every change of
 * a registration (or of a profile, whose registrations it then re-reads through the
 * xprofile/ keys) it puts the registration into the matcher_table when it is accepted and
 * its profile is public with an eligible country, and removes it otherwise; `commit`
 * publishes one new snapshot per feed batch that changed something. The matcher knows
 * registrations by a 64-bit id: the directory below hands them out in the order the feed
 * first sees each registration (so ties break by age) and maps them back to the record's
 * id and the profile's name and country for responses. Only the feed thread writes the
 * directory, under a write lock held for a few stores; readers hold the read lock only to
 * copy the k results they answer with.
 *
 * Bit positions come from the vocabularies: ecosystems and objectives by their vocab
 * index; countries and languages through matcher_codemaps built once at creation: the
 * eligible countries in code order (at most 64; a registration's country must be
 * eligible) and the languages of the eligible countries first, then the others in code
 * order until 64 bits are used (a language without a bit simply never scores).
 *
 * Best matches run on the caller's thread against a snapshot with a per-thread scratch (a
 * scan over compact columns: microseconds to a few milliseconds); batch runs are meant
 * for a worker thread.
 */
#include "matcher/records.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "core/exchange.h"
#include "core/hash.h"
#include "core/id.h"
#include "core/profile.h"
#include "core/record.h"
#include "core/vocab.h"
#include "core/xchange.h"
#include "matcher/matcher.h"

_Static_assert(CORE_XCHANGE_BATCH_MAX_SCORE == MATCHER_BATCH_MAX_SCORE,
               "core's batch score bound is the matcher's");

/* One registration the feed has seen. */
typedef struct dir_entry {
    char id[CORE_ID_LEN + 1];         /* the registration */
    char profile_id[CORE_ID_LEN + 1]; /* its profile */
    char country[3];                  /* the profile's country, or "" */
    char *name;                       /* the profile's published name (malloc'd) or NULL */
    char *note;                       /* what its exchanges change, for reasons (malloc'd) */
    bool in_table;                    /* the matcher's table holds it */
} dir_entry;

typedef struct id_set id_set;

struct matcher_records {
    matcher_table *table;
    const id_set *visits, *linked; /* during a load only (see id_set) */
    uint64_t loaded_seq;           /* the store's sequence number matcher_records_load read at */
    matcher_codemap countries, languages;
    const char *country_names[MATCHER_COUNTRIES];
    const char *language_names[MATCHER_LANGUAGES];
    const char *ecosystem_names[MATCHER_ECOSYSTEMS];
    const char *objective_names[MATCHER_OBJECTIVES];
    matcher_names names;
    /* the directory: entry i has matcher id i */
    pthread_rwlock_t mu;
    dir_entry *entries;
    size_t n_entries, cap_entries;
    uint32_t *slots; /* open addressing: entry index + 1, 0 = empty */
    size_t n_slots;  /* a power of two, at least twice n_entries */
    /* per event-loop thread query scratch, made on first use by that thread */
    matcher_scratch **scratch;
    size_t n_scratch;
};

/* ---- the directory ---- */

int matcher_core_error(int rc)
{
    switch (rc) {
    case 0:
        return 0;
    case MATCHER_ENOMEM:
        return CORE_ENOMEM;
    case MATCHER_ERANGE:
        return CORE_ETOOLARGE;
    case MATCHER_ENOENT:
        return CORE_ENOTFOUND;
    default:
        return CORE_EINTERNAL;
    }
}

static uint64_t hash_id(const char *id)
{
    return core_fnv1a_str(CORE_FNV1A_SEED, id);
}

/* The entry index of a registration id, or -1. Caller holds the lock (either mode). */
static int64_t dir_find(const matcher_records *x, const char *id)
{
    if (x->n_slots == 0)
        return -1;
    size_t mask = x->n_slots - 1;
    for (size_t i = hash_id(id) & mask;; i = (i + 1) & mask) {
        uint32_t s = x->slots[i];
        if (s == 0)
            return -1;
        if (strcmp(x->entries[s - 1].id, id) == 0)
            return (int64_t)s - 1;
    }
}

static void dir_rehash(matcher_records *x, size_t n_slots)
{
    uint32_t *slots = calloc(n_slots, sizeof(*slots));
    if (slots == NULL)
        core_oom();
    for (size_t e = 0; e < x->n_entries; e++) {
        size_t i = hash_id(x->entries[e].id) & (n_slots - 1);
        while (slots[i] != 0)
            i = (i + 1) & (n_slots - 1);
        slots[i] = (uint32_t)e + 1;
    }
    free(x->slots);
    x->slots = slots;
    x->n_slots = n_slots;
}

/* The entry of a registration id, added if new. Feed thread; takes the write lock. */
static dir_entry *dir_get_or_add(matcher_records *x, const char *id, uint64_t *mid)
{
    int64_t e = dir_find(x, id); /* the writer's own reads need no lock */
    if (e >= 0) {
        *mid = (uint64_t)e;
        return &x->entries[e];
    }
    pthread_rwlock_wrlock(&x->mu);
    if (x->n_entries == x->cap_entries) {
        size_t cap = x->cap_entries ? x->cap_entries * 2 : 256;
        dir_entry *n = realloc(x->entries, cap * sizeof(*n));
        if (n == NULL)
            core_oom();
        x->entries = n;
        x->cap_entries = cap;
    }
    dir_entry *d = &x->entries[x->n_entries];
    memset(d, 0, sizeof(*d));
    snprintf(d->id, sizeof(d->id), "%s", id);
    x->n_entries++;
    if (x->n_entries * 2 > x->n_slots)
        dir_rehash(x, x->n_slots ? x->n_slots * 2 : 512);
    else {
        size_t i = hash_id(id) & (x->n_slots - 1);
        while (x->slots[i] != 0)
            i = (i + 1) & (x->n_slots - 1);
        x->slots[i] = (uint32_t)x->n_entries;
    }
    pthread_rwlock_unlock(&x->mu);
    *mid = x->n_entries - 1;
    return d;
}

/* ---- records to matcher rows ---- */

static int country_bit(const matcher_records *x, const char *code)
{
    return code != NULL && strlen(code) == 2 ? matcher_codemap_get(&x->countries, code) : -1;
}

/* What a registration needs of its profile. */
typedef struct profile_facts {
    bool found, is_public;
    char country[3];  /* "" when none */
    const char *name; /* the published name, or NULL; lives as long as the reader's arena */
} profile_facts;

static void facts_of(core_store *s, const core_value *prof, core_arena *a, profile_facts *f)
{
    memset(f, 0, sizeof(*f));
    if (prof == NULL)
        return;
    f->found = true;
    f->is_public = core_profile_is_public(s, prof, a);
    const core_value *pub = core_value_get(prof, "published");
    const char *c = core_value_get_str(pub, "country");
    if (c != NULL && strlen(c) == 2)
        memcpy(f->country, c, 3);
    f->name = core_value_get_str(pub, "name");
}

static void read_facts(core_store *s, const char *pid, core_arena *a, profile_facts *f)
{
    core_value prof;
    facts_of(s, pid != NULL && core_profile_get(s, pid, a, &prof) == 0 ? &prof : NULL, a, f);
}

/* Fills *out from a registration record and what its profile is. False when the
 * registration cannot be matched (no public profile, ineligible country, bad data). */
static bool reg_from_record(const matcher_records *x, const core_value *rec,
                            const profile_facts *pf, matcher_reg *out)
{
    memset(out, 0, sizeof(*out));
    if (!pf->found || !pf->is_public)
        return false;
    int c = country_bit(x, pf->country);
    if (c < 0)
        return false; /* only eligible countries have a bit */
    out->country = (uint32_t)c;
    out->eligible = 1;
    const core_value *roles = core_value_get(rec, "roles");
    for (size_t i = 0; roles && roles->type == CORE_ARR && i < roles->u.arr.len; i++) {
        const char *r = roles->u.arr.items[i].u.s.ptr;
        out->roles |= strcmp(r, "host") == 0      ? MATCHER_ROLE_HOST
                      : strcmp(r, "visitor") == 0 ? MATCHER_ROLE_VISITOR
                                                  : 0;
    }
    const core_value *v = core_value_get(rec, "ecosystems");
    for (size_t i = 0; v && v->type == CORE_ARR && i < v->u.arr.len; i++) {
        int b = core_vocab_find(CORE_VOCAB_ECOSYSTEM, v->u.arr.items[i].u.s.ptr,
                                v->u.arr.items[i].u.s.len);
        if (b >= 0 && b < MATCHER_ECOSYSTEMS)
            out->ecosystems |= 1u << b;
    }
    v = core_value_get(rec, "objectives");
    for (size_t i = 0; v && v->type == CORE_ARR && i < v->u.arr.len; i++) {
        int b = core_vocab_find(CORE_VOCAB_OBJECTIVE, v->u.arr.items[i].u.s.ptr,
                                v->u.arr.items[i].u.s.len);
        if (b >= 0 && b < MATCHER_OBJECTIVES)
            out->objectives |= 1u << b;
    }
    v = core_value_get(rec, "languages");
    for (size_t i = 0; v && v->type == CORE_ARR && i < v->u.arr.len; i++) {
        int b = matcher_codemap_get(&x->languages, v->u.arr.items[i].u.s.ptr);
        if (b >= 0)
            out->languages |= 1ull << b;
    }
    v = core_value_get(rec, "target_countries");
    for (size_t i = 0; v && v->type == CORE_ARR && i < v->u.arr.len; i++) {
        int b = country_bit(x, v->u.arr.items[i].u.s.ptr);
        if (b >= 0)
            out->target_countries |= 1ull << b;
    }
    const core_value *dur = core_value_get(rec, "duration_days");
    const core_value *dmin = core_value_get(dur, "min"), *dmax = core_value_get(dur, "max");
    if (dmin == NULL || dmax == NULL || dmin->type != CORE_INT || dmax->type != CORE_INT)
        return false;
    out->duration_min = (uint32_t)dmin->u.i;
    out->duration_max = (uint32_t)dmax->u.i;
    const core_value *cap = core_value_get(rec, "host_capacity");
    out->capacity = cap != NULL && cap->type == CORE_INT ? (uint32_t)cap->u.i : 0;
    v = core_value_get(rec, "availability");
    for (size_t i = 0; v && v->type == CORE_ARR && i < v->u.arr.len && i < MATCHER_WINDOWS; i++) {
        int32_t from = core_xchange_parse_day(core_value_get_str(&v->u.arr.items[i], "from"));
        int32_t to = core_xchange_parse_day(core_value_get_str(&v->u.arr.items[i], "to"));
        if (from < 0 || to < from)
            return false;
        out->windows[out->n_windows++] = (matcher_window){from, to};
    }
    return matcher_reg_check(out) == 0;
}

/* ---- the feed consumer ---- */

static uint64_t consumer_applied(void *ctx)
{
    matcher_records *x = ctx;
    return x->loaded_seq;
}

/* Brings the table and directory in line with registration id as it is in the store
 * (rec, or NULL when it is gone). */
/* Applies what the registration's exchanges change (core_exchange_load_of): a visitor
 * that visits already is no longer a visitor; a host is matched only on the days with a
 * place free, with the fewest places free on them as its capacity. *note gets a sentence
 * for reasons (in a) or NULL. False when nothing is left to match. */
static bool follow_exchanges(matcher_reg *reg, const core_exchange_load *load, core_arena *a,
                             const char **note)
{
    *note = NULL;
    if (load->visits)
        reg->roles &= ~MATCHER_ROLE_VISITOR;
    if ((reg->roles & MATCHER_ROLE_HOST) && load->n_spans > 0) {
        core_exchange_span w[MATCHER_WINDOWS], out[MATCHER_WINDOWS];
        for (uint32_t i = 0; i < reg->n_windows; i++)
            w[i] = (core_exchange_span){reg->windows[i].from, reg->windows[i].to};
        int64_t min_free;
        size_t n = core_exchange_free_windows(w, reg->n_windows, load->spans, load->n_spans,
                                              reg->capacity, out, MATCHER_WINDOWS, &min_free);
        if (n == 0)
            reg->roles &= ~MATCHER_ROLE_HOST;
        else {
            for (size_t i = 0; i < n; i++)
                reg->windows[i] = (matcher_window){out[i].from, out[i].to};
            bool narrowed = n != reg->n_windows;
            for (size_t i = 0; i < n && !narrowed; i++)
                narrowed = out[i].from != w[i].from || out[i].to != w[i].to;
            reg->n_windows = (uint32_t)n;
            if (narrowed)
                *note = core_arena_printf(a, "It hosts at its capacity on some of its dates: "
                                             "matched on the dates it has a place free");
            else if (min_free < (int64_t)reg->capacity)
                *note = core_arena_printf(a, "It has %lld of its %u places free",
                                          (long long)min_free, reg->capacity);
            reg->capacity = (uint32_t)min_free;
        }
    }
    return reg->roles != 0;
}

/* Sorted ids (profiles that visit, registrations with exchanges), for a load: most
 * registrations have no exchange, and a million point reads to learn so would cost more
 * than one walk over those keys. */
typedef struct id_set {
    char (*ids)[CORE_ID_LEN + 1];
    size_t n;
} id_set;

static int cmp_id(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* The ids after prefix (the keys' ends), sorted; an empty set when memory is short. */
static id_set id_set_read(core_store *s, const char *prefix)
{
    id_set set = {NULL, 0};
    size_t cap = 0, plen = strlen(prefix);
    core_iter *it = core_store_iter_prefix(s, CORE_CF_KEYS, (core_slice){prefix, plen});
    core_slice k, v;
    while (core_iter_next(it, &k, &v)) {
        if (k.len - plen > CORE_ID_LEN)
            continue;
        if (set.n == cap) {
            cap = cap ? 2 * cap : 256;
            void *n = realloc(set.ids, cap * sizeof *set.ids);
            if (n == NULL)
                core_oom();
            set.ids = n;
        }
        memcpy(set.ids[set.n], k.ptr + plen, k.len - plen);
        set.ids[set.n++][k.len - plen] = '\0';
    }
    core_iter_free(it);
    if (set.n > 1)
        qsort(set.ids, set.n, sizeof *set.ids, cmp_id);
    return set;
}

static bool id_set_has(const id_set *set, const char *id)
{
    return id != NULL && set->n > 0 && bsearch(id, set->ids, set->n, sizeof *set->ids, cmp_id);
}

static int apply_registration(matcher_records *x, core_store *s, const char *id,
                              const core_value *rec, const profile_facts *pf, core_arena *a)
{
    uint64_t mid;
    dir_entry *d = dir_get_or_add(x, id, &mid);
    const char *pid = rec ? core_value_get_str(rec, "profile_id") : NULL;
    const char *state = rec ? core_value_get_str(rec, "state") : NULL;
    matcher_reg reg;
    bool want =
        state != NULL && strcmp(state, "accepted") == 0 && reg_from_record(x, rec, pf, &reg);
    const char *note = NULL;
    if (want && (x->visits == NULL || id_set_has(x->visits, pid) || id_set_has(x->linked, id))) {
        core_exchange_load load;
        int rc = core_exchange_load_of(s, rec, a, &load);
        if (rc != 0)
            return rc;
        want = follow_exchanges(&reg, &load, a, &note);
    }
    /* the names answered with matches */
    const char *name = pf->name;
    pthread_rwlock_wrlock(&x->mu);
    if (d->note == NULL || note == NULL || strcmp(d->note, note) != 0) {
        free(d->note);
        d->note = note ? strdup(note) : NULL;
    }
    if (pid != NULL)
        snprintf(d->profile_id, sizeof(d->profile_id), "%s", pid);
    snprintf(d->country, sizeof(d->country), "%s", pf->country);
    if (d->name == NULL || name == NULL || strcmp(d->name, name) != 0) {
        free(d->name);
        d->name = name ? strdup(name) : NULL;
    }
    pthread_rwlock_unlock(&x->mu);
    if (want) {
        reg.id = mid;
        int rc = matcher_table_put(x->table, &reg);
        if (rc != 0)
            return matcher_core_error(rc);
        d->in_table = true;
    } else if (d->in_table) {
        matcher_table_remove(x->table, mid);
        d->in_table = false;
    }
    return 0;
}

/* apply_registration with the profile read from the store. */
static int apply_registration_read(matcher_records *x, core_store *s, const char *id,
                                   const core_value *rec, core_arena *a)
{
    profile_facts pf;
    read_facts(s, rec ? core_value_get_str(rec, "profile_id") : NULL, a, &pf);
    return apply_registration(x, s, id, rec, &pf, a);
}

typedef struct reread {
    matcher_records *x;
    core_store *s;
    core_arena *a;
} reread;

/* A registration linked to a changed profile, read again (one that cannot be read is left
 * as it is; one that is gone leaves the table). */
static int reread_registration(void *arg, const char *id, int got, const core_value *rec)
{
    reread *r = arg;
    if (got != 0 && got != CORE_ENOTFOUND)
        return 0;
    return apply_registration_read(r->x, r->s, id, got == 0 ? rec : NULL, r->a);
}

static int consumer_apply(void *ctx, core_store *s, const char *kind, const char *id,
                          const char *op, const core_value *rec, core_arena *a)
{
    (void)op;
    matcher_records *x = ctx;
    if (strcmp(kind, CORE_XCHANGE_KIND) == 0)
        return apply_registration_read(x, s, id, rec, a);
    if (strcmp(kind, CORE_EXCHANGE_KIND) == 0) {
        /* an exchange moved: both its registrations are matched anew */
        static const char *const sides[2] = {"visitor", "host"};
        for (int i = 0; rec != NULL && i < 2; i++) {
            const char *rid = core_value_get_str(rec, sides[i]);
            if (rid == NULL)
                continue;
            core_value reg;
            int got = core_xchange_get(s, rid, a, &reg), rc;
            if (got != 0 && got != CORE_ENOTFOUND)
                return got;
            if ((rc = apply_registration_read(x, s, rid, got == 0 ? &reg : NULL, a)) != 0)
                return rc;
        }
        return 0;
    }
    if (strcmp(kind, "profile") != 0)
        return 0;
    /* A profile changed (published, renamed, moved, deleted): re-read its registrations. */
    reread r = {x, s, a};
    return core_record_each_linked(s, core_arena_printf(a, "xprofile/%s/", id), core_xchange_get, a,
                                   reread_registration, &r);
}

static int consumer_commit(void *ctx, uint64_t seq)
{
    (void)seq;
    matcher_records *x = ctx;
    /* A profile's change (a draft edit, say) re-reads its registrations; when they come out
     * the same, publishing copies nothing (see matcher_table_publish). */
    int rc = matcher_table_publish(x->table);
    if (rc != 0)
        return matcher_core_error(rc);
    return 0;
}

core_feed_consumer matcher_records_consumer(matcher_records *x)
{
    return (core_feed_consumer){.name = "xchange",
                                .ctx = x,
                                .applied = consumer_applied,
                                .apply = consumer_apply,
                                .commit = consumer_commit};
}

/* Profile facts by profile id, for one load: a profile with several registrations is read
 * once. Names live in the cache's arena. */
typedef struct facts_cache {
    char (*ids)[CORE_ID_LEN + 1];
    profile_facts *facts;
    size_t cap, n; /* cap a power of two, at most half full */
    core_arena names;
} facts_cache;

static const profile_facts *cached_facts(facts_cache *c, core_store *s, const char *pid,
                                         core_arena *a)
{
    if (2 * (c->n + 1) > c->cap) {
        facts_cache bigger = {calloc(c->cap ? 2 * c->cap : 4096, sizeof(*c->ids)),
                              calloc(c->cap ? 2 * c->cap : 4096, sizeof(*c->facts)),
                              c->cap ? 2 * c->cap : 4096, 0, c->names};
        if (bigger.ids == NULL || bigger.facts == NULL)
            core_oom();
        for (size_t i = 0; i < c->cap; i++)
            if (c->ids[i][0]) {
                size_t j = hash_id(c->ids[i]) & (bigger.cap - 1);
                while (bigger.ids[j][0])
                    j = (j + 1) & (bigger.cap - 1);
                memcpy(bigger.ids[j], c->ids[i], sizeof(*c->ids));
                bigger.facts[j] = c->facts[i];
                bigger.n++;
            }
        free(c->ids);
        free(c->facts);
        *c = bigger;
    }
    size_t i = hash_id(pid) & (c->cap - 1);
    while (c->ids[i][0]) {
        if (strcmp(c->ids[i], pid) == 0)
            return &c->facts[i];
        i = (i + 1) & (c->cap - 1);
    }
    read_facts(s, pid, a, &c->facts[i]);
    if (c->facts[i].name != NULL)
        c->facts[i].name =
            core_arena_strndup(&c->names, c->facts[i].name, strlen(c->facts[i].name));
    snprintf(c->ids[i], sizeof(c->ids[i]), "%s", pid);
    c->n++;
    return &c->facts[i];
}

int matcher_records_load(matcher_records *x, core_store *s)
{
    x->loaded_seq = core_store_last_seq(s);
    id_set visits = id_set_read(s, "xvisits/"), linked = id_set_read(s, "xexch/");
    x->visits = &visits;
    x->linked = &linked;
    facts_cache cache = {0};
    core_arena_init(&cache.names);
    core_iter *it =
        core_store_iter_prefix(s, CORE_CF_RECORDS, CORE_SLICE_LIT(CORE_XCHANGE_KIND "/"));
    core_arena a;
    core_arena_init(&a);
    core_slice k, v;
    size_t plen = strlen(CORE_XCHANGE_KIND "/"), n = 0;
    int rc = 0;
    while (rc == 0 && core_iter_next(it, &k, &v)) {
        core_value rec;
        char *id = core_arena_strndup(&a, k.ptr + plen, k.len - plen);
        const char *pid;
        if (core_record_decode(&a, v, &rec) != 0)
            continue;
        if ((pid = core_value_get_str(&rec, "profile_id")) == NULL || strlen(pid) > CORE_ID_LEN)
            rc = apply_registration_read(x, s, id, &rec, &a);
        else
            rc = apply_registration(x, s, id, &rec, cached_facts(&cache, s, pid, &a), &a);
        if (++n % 4096 == 0)
            core_arena_dispose(&a); /* bounded memory over a million registrations */
    }
    core_iter_free(it);
    core_arena_dispose(&a);
    free(cache.ids);
    free(cache.facts);
    core_arena_dispose(&cache.names);
    x->visits = x->linked = NULL;
    free(visits.ids);
    free(linked.ids);
    if (rc == 0)
        rc = consumer_commit(x, x->loaded_seq);
    if (rc != 0)
        x->loaded_seq = 0; /* the feed replays the log instead */
    return rc;
}

/* ---- creation ---- */

matcher_records *matcher_records_new(size_t nthreads)
{
    matcher_records *x = calloc(1, sizeof(*x));
    if (x == NULL || matcher_table_new(&x->table) != 0)
        core_oom();
    pthread_rwlock_init(&x->mu, NULL);
    x->n_scratch = nthreads ? nthreads : 1;
    if ((x->scratch = calloc(x->n_scratch, sizeof(*x->scratch))) == NULL)
        core_oom();

    /* countries: the eligible ones, in code order */
    const char *codes[64];
    size_t n = 0;
    for (size_t i = 0; i < core_country_count() && n < MATCHER_COUNTRIES; i++) {
        const core_country *c = core_country_at(i);
        if (c->eligible) {
            x->country_names[n] = c->name;
            codes[n++] = c->code;
        }
    }
    matcher_codemap_init(&x->countries, codes, n);
    /* languages: those of the eligible countries, then the rest, up to 64 */
    size_t nl = core_language_count();
    bool *taken = calloc(nl ? nl : 1, sizeof(bool));
    if (taken == NULL)
        core_oom();
    n = 0;
    for (size_t i = 0; i < core_country_count(); i++) {
        const core_country *c = core_country_at(i);
        for (size_t j = 0; c->eligible && j < c->language_count && n < MATCHER_LANGUAGES; j++)
            if (c->languages[j] < nl && !taken[c->languages[j]]) {
                taken[c->languages[j]] = true;
                x->language_names[n] = core_language_at(c->languages[j])->name;
                codes[n++] = core_language_at(c->languages[j])->code;
            }
    }
    for (size_t i = 0; i < nl && n < MATCHER_LANGUAGES; i++)
        if (!taken[i]) {
            x->language_names[n] = core_language_at(i)->name;
            codes[n++] = core_language_at(i)->code;
        }
    free(taken);
    matcher_codemap_init(&x->languages, codes, n);
    x->names.languages = x->language_names;
    x->names.n_languages = n;
    x->names.countries = x->country_names;
    x->names.n_countries = MATCHER_COUNTRIES;
    for (size_t i = 0; i < MATCHER_ECOSYSTEMS; i++)
        x->ecosystem_names[i] = core_vocab_name(CORE_VOCAB_ECOSYSTEM, i);
    for (size_t i = 0; i < MATCHER_OBJECTIVES; i++)
        x->objective_names[i] = core_vocab_name(CORE_VOCAB_OBJECTIVE, i);
    x->names.ecosystems = x->ecosystem_names;
    x->names.n_ecosystems = MATCHER_ECOSYSTEMS;
    x->names.objectives = x->objective_names;
    x->names.n_objectives = MATCHER_OBJECTIVES;
    return x;
}

void matcher_records_free(matcher_records *x)
{
    if (x == NULL)
        return;
    for (size_t i = 0; i < x->n_scratch; i++)
        matcher_scratch_free(x->scratch[i]);
    free(x->scratch);
    for (size_t i = 0; i < x->n_entries; i++)
        free(x->entries[i].name), free(x->entries[i].note);
    free(x->entries);
    free(x->slots);
    matcher_table_free(x->table);
    pthread_rwlock_destroy(&x->mu);
    free(x);
}

/* ---- best matches ---- */

int matcher_records_best(matcher_records *x, size_t thread, core_store *s, const core_value *rec,
                         const core_value *prof, const char *role, size_t k, core_arena *a,
                         core_value *out, const char **why)
{
    matcher_reg asker;
    profile_facts pf;
    *why = NULL;
    facts_of(s, prof, a, &pf);
    if (!reg_from_record(x, rec, &pf, &asker)) {
        *why = "the registration's profile is not published in an eligible country";
        return CORE_ECONFLICT;
    }
    const char *id = core_value_get_str(rec, "id");
    pthread_rwlock_rdlock(&x->mu);
    int64_t e = dir_find(x, id);
    pthread_rwlock_unlock(&x->mu);
    asker.id = e >= 0 ? (uint64_t)e : UINT64_MAX;

    size_t ti = thread < x->n_scratch ? thread : 0;
    if (x->scratch[ti] == NULL && (x->scratch[ti] = matcher_scratch_new()) == NULL)
        return CORE_ENOMEM;
    matcher_snapshot *snap = matcher_table_acquire(x->table);
    const matcher_match *m;
    size_t n;
    unsigned qrole = strcmp(role, "visitor") == 0 ? MATCHER_ROLE_VISITOR : MATCHER_ROLE_HOST;
    int rc = matcher_best(snap, &asker, qrole, k, &x->names, x->scratch[ti], &m, &n);
    matcher_snapshot_release(snap);
    if (rc != 0) {
        *why = matcher_strerror(rc);
        return matcher_core_error(rc);
    }
    *out = core_value_arr();
    pthread_rwlock_rdlock(&x->mu);
    for (size_t i = 0; i < n; i++) {
        if (m[i].id >= x->n_entries)
            continue;
        const dir_entry *d = &x->entries[m[i].id];
        core_value item = core_value_obj(), p = core_value_obj(), reasons = core_value_arr();
        core_value_set(a, &item, "registration_id", core_value_cstr(a, d->id));
        core_value_set(a, &p, "id", core_value_cstr(a, d->profile_id));
        core_value_set(a, &p, "name", d->name ? core_value_cstr(a, d->name) : core_value_null());
        core_value_set(a, &p, "country",
                       d->country[0] ? core_value_cstr(a, d->country) : core_value_null());
        core_value_set(a, &item, "profile", p);
        core_value_set(a, &item, "score", core_value_int(m[i].score));
        for (uint32_t j = 0; j < m[i].n_reasons; j++)
            core_value_push(a, &reasons, core_value_cstr(a, m[i].reasons[j]));
        if (d->note != NULL) /* what its exchanges change */
            core_value_push(a, &reasons, core_value_cstr(a, d->note));
        core_value_set(a, &item, "reasons", reasons);
        core_value_push(a, out, item);
    }
    pthread_rwlock_unlock(&x->mu);
    return 0;
}

/* ---- batch assignment ---- */

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void matcher_records_batch_init(matcher_records_batch *b, matcher_records *x)
{
    memset(b, 0, sizeof(*b));
    b->x = x;
    matcher_batch_result_init(&b->res);
    core_arena_init(&b->arena);
}

/* {id, name, country} of a directory entry's profile, in a. Caller holds the lock. */
static core_value profile_of(const dir_entry *d, core_arena *a)
{
    core_value p = core_value_obj();
    core_value_set(a, &p, "id",
                   d->profile_id[0] ? core_value_cstr(a, d->profile_id) : core_value_null());
    core_value_set(a, &p, "name", d->name ? core_value_cstr(a, d->name) : core_value_null());
    core_value_set(a, &p, "country",
                   d->country[0] ? core_value_cstr(a, d->country) : core_value_null());
    return p;
}

void matcher_records_batch_run(matcher_records_batch *j)
{
    matcher_records *x = j->x;
    uint64_t t0 = now_us();
    matcher_snapshot *snap = matcher_table_acquire(x->table);
    matcher_reg *rows = NULL;
    matcher_edge *edges = NULL;
    uint32_t *cap = NULL;
    size_t nrows = 0, n_edges = 0, cap_edges = 0;

    /* The candidate registrations: the listed ones, or every one the directory holds. */
    pthread_rwlock_rdlock(&x->mu);
    size_t n_dir = x->n_entries; /* every id below is < n_dir */
    size_t n_ids = j->only ? j->n_only : n_dir;
    uint64_t *ids = malloc((n_ids ? n_ids : 1) * sizeof(*ids));
    size_t *src = malloc((n_ids ? n_ids : 1) * sizeof(*src)); /* index into only[] */
    j->ignored = malloc((n_ids ? n_ids : 1) * sizeof(*j->ignored));
    size_t n_found = 0;
    if (ids != NULL && src != NULL && j->ignored != NULL)
        for (size_t i = 0; i < n_ids; i++) {
            int64_t e = j->only ? dir_find(x, j->only[i]) : (int64_t)i;
            if (e >= 0) {
                src[n_found] = i;
                ids[n_found++] = (uint64_t)e;
            } else {
                j->ignored[j->n_ignored++] = i;
            }
        }
    pthread_rwlock_unlock(&x->mu);
    j->rc = CORE_ENOMEM;
    size_t *vrow = NULL, *hrow = NULL;
    unsigned char *seen = NULL; /* per directory entry: already taken (ids listed twice) */
    size_t nf1 = n_found ? n_found : 1;
    if (ids == NULL || src == NULL || j->ignored == NULL ||
        (seen = calloc(n_dir ? n_dir : 1, 1)) == NULL ||
        (rows = malloc(nf1 * sizeof(*rows))) == NULL ||
        (j->visitors = malloc(nf1 * sizeof(uint64_t))) == NULL ||
        (j->hosts = malloc(nf1 * sizeof(uint64_t))) == NULL ||
        (cap = malloc(nf1 * sizeof(*cap))) == NULL ||
        (vrow = malloc(nf1 * sizeof(size_t))) == NULL ||
        (hrow = malloc(nf1 * sizeof(size_t))) == NULL)
        goto Exit;
    /* rows[0..nrows) are the snapshot's copies; visitors and hosts index into them */
    for (size_t i = 0; i < n_found; i++) {
        if (seen[ids[i]])
            continue;
        seen[ids[i]] = 1;
        if (matcher_snapshot_get(snap, ids[i], &rows[nrows]) != 0) {
            if (j->only) /* listed but not matchable (not accepted, or gone) */
                j->ignored[j->n_ignored++] = src[i];
            continue;
        }
        if (rows[nrows].roles & MATCHER_ROLE_VISITOR) {
            vrow[j->nv] = nrows;
            j->visitors[j->nv++] = ids[i];
        }
        if ((rows[nrows].roles & MATCHER_ROLE_HOST) && rows[nrows].capacity > 0) {
            hrow[j->nh] = nrows;
            cap[j->nh] = rows[nrows].capacity;
            j->hosts[j->nh++] = ids[i];
        }
        nrows++;
    }
    /* Candidate pairs: every visitor with every host it may meet (hard constraints) whose
     * score reaches min_score. */
    int rc = 0;
    for (size_t v = 0; v < j->nv && rc == 0; v++)
        for (size_t h = 0; h < j->nh; h++) {
            if (vrow[v] == hrow[h])
                continue;
            int s = matcher_score(&rows[vrow[v]], MATCHER_ROLE_VISITOR, &rows[hrow[h]]);
            if (s < 0 || s < j->min_score)
                continue;
            if (n_edges == cap_edges) {
                size_t nc = cap_edges ? cap_edges * 2 : 1024;
                matcher_edge *ne = realloc(edges, nc * sizeof(*ne));
                if (ne == NULL) {
                    rc = CORE_ENOMEM;
                    break;
                }
                edges = ne;
                cap_edges = nc;
            }
            edges[n_edges++] = (matcher_edge){(uint32_t)v, (uint32_t)h, s};
        }
    if (rc != 0) {
        j->rc = rc;
        goto Exit;
    }
    rc = matcher_batch_sparse(j->nv, j->nh, edges, n_edges, cap, j->min_score, &j->res);
    j->rc = matcher_core_error(rc);
    /* the reasons of each assignment, as best matches word them for the visitor */
    if (j->rc == 0 && j->nv > 0) {
        char *text = malloc(MATCHER_MAX_REASONS * MATCHER_REASON_BYTES);
        j->reasons = calloc(j->nv, sizeof(*j->reasons));
        if (text == NULL || j->reasons == NULL) {
            free(text);
            j->rc = CORE_ENOMEM;
            goto Exit;
        }
        for (size_t v = 0; v < j->nv; v++) {
            int32_t h = j->res.host_of ? j->res.host_of[v] : -1;
            if (h < 0)
                continue;
            matcher_match m;
            matcher_explain(&rows[vrow[v]], MATCHER_ROLE_VISITOR, &rows[hrow[h]], &x->names, &m,
                            text);
            core_value list = core_value_arr();
            for (uint32_t i = 0; i < m.n_reasons; i++)
                core_value_push(&j->arena, &list, core_value_cstr(&j->arena, m.reasons[i]));
            j->reasons[v] = list;
        }
        free(text);
    }
Exit:
    matcher_snapshot_release(snap);
    free(seen);
    free(vrow);
    free(hrow);
    free(src);
    free(ids);
    free(rows);
    free(edges);
    free(cap);
    j->took_us = now_us() - t0;
}

core_value matcher_records_batch_view(const matcher_records_batch *j, core_arena *a)
{
    matcher_records *x = j->x;
    core_value out = core_value_obj(), asg = core_value_arr(), unmatched = core_value_arr();
    pthread_rwlock_rdlock(&x->mu);
    for (size_t v = 0; v < j->nv; v++) {
        const char *vid = x->entries[j->visitors[v]].id;
        int32_t h = j->res.host_of ? j->res.host_of[v] : -1;
        if (h < 0) {
            core_value_push(a, &unmatched, core_value_cstr(a, vid));
            continue;
        }
        core_value e = core_value_obj();
        core_value_set(a, &e, "visitor", core_value_cstr(a, vid));
        core_value_set(a, &e, "host", core_value_cstr(a, x->entries[j->hosts[h]].id));
        core_value_set(a, &e, "score", core_value_int(j->res.score_of[v]));
        core_value_set(a, &e, "visitor_profile", profile_of(&x->entries[j->visitors[v]], a));
        core_value_set(a, &e, "host_profile", profile_of(&x->entries[j->hosts[h]], a));
        core_value_set(a, &e, "reasons",
                       j->reasons ? core_value_copy(a, &j->reasons[v]) : core_value_arr());
        core_value_push(a, &asg, e);
    }
    pthread_rwlock_unlock(&x->mu);
    core_value ignored = core_value_arr();
    for (size_t i = 0; i < j->n_ignored; i++)
        core_value_push(a, &ignored, core_value_cstr(a, j->only[j->ignored[i]]));
    core_value_set(a, &out, "assignments", asg);
    core_value_set(a, &out, "total_score", core_value_int(j->res.total_score));
    core_value_set(a, &out, "unmatched", unmatched);
    core_value_set(a, &out, "ignored", ignored);
    core_value_set(a, &out, "took_ms", core_value_double((double)j->took_us / 1000.0));
    return out;
}

void matcher_records_batch_dispose(matcher_records_batch *j)
{
    free(j->visitors);
    free(j->hosts);
    free(j->ignored);
    free(j->reasons);
    j->visitors = j->hosts = j->ignored = NULL;
    j->reasons = NULL;
    core_arena_dispose(&j->arena);
    matcher_batch_result_dispose(&j->res);
}
