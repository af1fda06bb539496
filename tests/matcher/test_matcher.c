/*
 * test_matcher.c: unit and property tests of matcher/: each score term and hard
 * constraint, the reasons' wording, the table's put/remove/publish, top-k against a full
 * sort on random data, the batch assignment against brute force and an independent
 * min-cost-flow reference, and snapshot swaps under concurrent queries.
 */
#include "check.h"
#include "matcher/batch.h"
#include "matcher/matcher.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

/* ---- helpers ---- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t x = rng_state += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static uint32_t rndn(uint32_t n)
{
    return (uint32_t)(rnd() % n);
}

static const char *const ECO[] = {
    "Aerospace", "Agrifood", "Construction", "Cultural", "Digital",  "Electronics", "Energy",
    "Health",    "Mobility", "Proximity",    "Retail",   "Textiles", "Tourism",     "Industry"};
static const char *const OBJ[] = {
    "Market exploration", "Technology transfer",  "Joint projects", "Training",
    "Networking",         "Internationalisation", "Other"};
static const char *const COUNTRY[] = {"Germany", "France", "Italy", "Spain", "Poland"};
static const char *const LANG[] = {"English", "German", "French", "Italian"};
static const matcher_names NAMES = {ECO, 14, OBJ, 7, COUNTRY, 5, LANG, 4};

/* A host in Germany and a visitor in France that match on hard constraints only. */
static matcher_reg base(uint64_t id, unsigned role, unsigned country)
{
    matcher_reg r;
    memset(&r, 0, sizeof r);
    r.id = id;
    r.roles = role;
    r.country = country;
    r.eligible = 1;
    r.duration_min = 5;
    r.duration_max = 20;
    r.capacity = role & MATCHER_ROLE_HOST ? 2 : 0;
    r.n_windows = 1;
    r.windows[0].from = 20000;
    r.windows[0].to = 20100;
    r.target_countries = 1ull << 40; /* a country nobody is in: no preference term */
    return r;
}

/* Best matches of `a` in a table holding only `c`; returns the count (0 or 1). */
static size_t one(const matcher_reg *a, unsigned role, const matcher_reg *c, matcher_match *m)
{
    matcher_table *t;
    CHECK_EQ(matcher_table_new(&t), 0);
    CHECK_EQ(matcher_table_put(t, c), 0);
    CHECK_EQ(matcher_table_publish(t), 0);
    matcher_snapshot *s = matcher_table_acquire(t);
    matcher_scratch *sc = matcher_scratch_new();
    const matcher_match *out;
    size_t n;
    CHECK_EQ(matcher_best(s, a, role, 10, &NAMES, sc, &out, &n), 0);
    CHECK_LE(n, 1);
    CHECK_EQ((int)n, matcher_score(a, role, c) >= 0);
    if (n == 1) {
        CHECK_EQ(out[0].score, matcher_score(a, role, c));
        if (m)
            *m = out[0];
    }
    /* reason pointers stay valid until the scratch is reused, so copy the texts' owner */
    static char keep[MATCHER_MAX_REASONS][512];
    if (n == 1 && m)
        for (uint32_t i = 0; i < m->n_reasons; i++) {
            snprintf(keep[i], sizeof keep[i], "%s", m->reasons[i]);
            m->reasons[i] = keep[i];
        }
    matcher_scratch_free(sc);
    matcher_snapshot_release(s);
    matcher_table_free(t);
    return n;
}

/* ---- score terms ---- */

static void test_terms(void)
{
    matcher_reg v = base(1, MATCHER_ROLE_VISITOR, 1), h = base(2, MATCHER_ROLE_HOST, 0);
    matcher_match m;
    CHECK_EQ(one(&v, MATCHER_ROLE_VISITOR, &h, &m), 1);
    CHECK_EQ(m.score, 0);
    /* no term scores, but the dates that decided the match are said */
    CHECK_EQ(m.n_reasons, 1);
    CHECK_STR_EQ(
        m.reasons[0],
        "You are both free from 2024-10-04 to 2025-01-12, time for a stay of 5 to 20 days");
    /* the longest overlap of any two windows, and only the stays both accept that fit */
    matcher_reg v3 = v, h3 = h;
    v3.n_windows = 2;
    v3.windows[0] = (matcher_window){20000, 20009};
    v3.windows[1] = (matcher_window){20050, 20200};
    h3.n_windows = 2;
    h3.windows[0] = (matcher_window){20003, 20030};
    h3.windows[1] = (matcher_window){20090, 20101};
    h3.duration_min = 7;
    CHECK_EQ(one(&v3, MATCHER_ROLE_VISITOR, &h3, &m), 1);
    CHECK_STR_EQ(
        m.reasons[0],
        "You are both free from 2025-01-02 to 2025-01-13, time for a stay of 7 to 12 days");
    h3.duration_min = h3.duration_max = 12;
    CHECK_EQ(one(&v3, MATCHER_ROLE_VISITOR, &h3, &m), 1);
    CHECK_STR_EQ(m.reasons[0],
                 "You are both free from 2025-01-02 to 2025-01-13, time for a stay of 12 days");

    /* ecosystems */
    v.ecosystems = (1u << 4) | (1u << 7) | (1u << 1);
    h.ecosystems = (1u << 4) | (1u << 7) | (1u << 2);
    CHECK_EQ(one(&v, MATCHER_ROLE_VISITOR, &h, &m), 1);
    CHECK_EQ(m.score, 2 * MATCHER_W_ECOSYSTEM);
    CHECK_EQ(m.n_reasons, 2);
    CHECK_STR_EQ(m.reasons[0], "Both work in Digital and Health");
    v.ecosystems = h.ecosystems = 0;

    /* the asker's country preference, explicit and "any" */
    v.target_countries = 1u << 0;
    CHECK_EQ(one(&v, MATCHER_ROLE_VISITOR, &h, &m), 1);
    CHECK_EQ(m.score, MATCHER_W_COUNTRY);
    CHECK_STR_EQ(m.reasons[0], "Germany is on your list of target countries");
    v.target_countries = 1u << 3;
    CHECK_EQ(one(&v, MATCHER_ROLE_VISITOR, &h, &m), 1);
    CHECK_EQ(m.score, 0);
    v.target_countries = 0;
    CHECK_EQ(one(&v, MATCHER_ROLE_VISITOR, &h, &m), 1);
    CHECK_EQ(m.score, MATCHER_W_ANY_COUNTRY);
    CHECK_EQ(m.n_reasons, 1); /* the dates only */
    v.target_countries = 1ull << 40;

    /* mutual interest: the candidate's preference for the asker's country */
    h.target_countries = (1u << 1) | (1u << 2);
    CHECK_EQ(one(&v, MATCHER_ROLE_VISITOR, &h, &m), 1);
    CHECK_EQ(m.score, MATCHER_W_COUNTRY);
    CHECK_STR_EQ(m.reasons[0], "They are looking for visitors from France");
    CHECK_EQ(one(&h, MATCHER_ROLE_HOST, &v, &m), 1); /* seen from the host: asker pref */
    CHECK_STR_EQ(m.reasons[0], "France is on your list of target countries");
    h.target_countries = 0;
    CHECK_EQ(one(&v, MATCHER_ROLE_VISITOR, &h, &m), 1);
    CHECK_EQ(m.score, MATCHER_W_ANY_COUNTRY);
    h.target_countries = 1ull << 40;
    v.target_countries = 1u << 0;
    CHECK_EQ(one(&h, MATCHER_ROLE_HOST, &v, &m), 1);
    CHECK_STR_EQ(m.reasons[0], "They are looking for hosts from Germany");
    v.target_countries = 1ull << 40;

    /* objectives */
    v.objectives = (1u << 2) | (1u << 3);
    h.objectives = 1u << 2;
    CHECK_EQ(one(&v, MATCHER_ROLE_VISITOR, &h, &m), 1);
    CHECK_EQ(m.score, MATCHER_W_OBJECTIVE);
    CHECK_STR_EQ(m.reasons[0], "You share the objective Joint projects");
    h.objectives = (1u << 2) | (1u << 3) | (1u << 0);
    CHECK_EQ(one(&v, MATCHER_ROLE_VISITOR, &h, &m), 1);
    CHECK_EQ(m.score, 2 * MATCHER_W_OBJECTIVE);
    CHECK_STR_EQ(m.reasons[0], "You share the objectives Joint projects and Training");
    v.objectives = h.objectives = 0;

    /* languages: one term however many are shared */
    v.languages = 0xb;
    h.languages = 0x9;
    CHECK_EQ(one(&v, MATCHER_ROLE_VISITOR, &h, &m), 1);
    CHECK_EQ(m.score, MATCHER_W_LANGUAGE);
    CHECK_STR_EQ(m.reasons[0], "You both speak English and Italian");
    h.languages = 0x4;
    CHECK_EQ(one(&v, MATCHER_ROLE_VISITOR, &h, &m), 1);
    CHECK_EQ(m.score, 0);

    /* all together, in term order, and a list of three */
    v.languages = h.languages = 1;
    v.ecosystems = h.ecosystems = 0x7;
    v.objectives = h.objectives = 1;
    v.target_countries = 1;
    h.target_countries = 2;
    CHECK_EQ(one(&v, MATCHER_ROLE_VISITOR, &h, &m), 1);
    CHECK_EQ(m.score, 3 * MATCHER_W_ECOSYSTEM + 2 * MATCHER_W_COUNTRY + MATCHER_W_OBJECTIVE +
                          MATCHER_W_LANGUAGE);
    CHECK_EQ(m.n_reasons, 6);
    CHECK_STR_EQ(m.reasons[0], "Both work in Aerospace, Agrifood and Construction");
    CHECK_STR_EQ(m.reasons[4], "You both speak English");
    CHECK(strncmp(m.reasons[5], "You are both free from ", 23) == 0);

    /* names missing from the tables are written as #i */
    matcher_reg v2 = v;
    v2.country = 9;
    h.target_countries = 1u << 9;
    CHECK_EQ(one(&v2, MATCHER_ROLE_VISITOR, &h, &m), 1);
    CHECK_STR_EQ(m.reasons[2], "They are looking for visitors from #9");
}

/* ---- hard constraints ---- */

static void test_hard_constraints(void)
{
    matcher_reg v = base(1, MATCHER_ROLE_VISITOR, 1), h = base(2, MATCHER_ROLE_HOST, 0);
    CHECK_EQ(one(&v, MATCHER_ROLE_VISITOR, &h, NULL), 1);

    /* other role: a visitor never sees a visitor, nor asks as a host it is not */
    matcher_reg v3 = base(3, MATCHER_ROLE_VISITOR, 0);
    CHECK_EQ(one(&v, MATCHER_ROLE_VISITOR, &v3, NULL), 0);
    CHECK_EQ(one(&v, MATCHER_ROLE_HOST, &v3, NULL), 0);
    /* a registration with both roles is found in either */
    matcher_reg both = base(4, MATCHER_ROLE_VISITOR | MATCHER_ROLE_HOST, 0);
    both.capacity = 1;
    CHECK_EQ(one(&v, MATCHER_ROLE_VISITOR, &both, NULL), 1);
    matcher_reg h5 = base(5, MATCHER_ROLE_HOST, 2);
    CHECK_EQ(one(&h5, MATCHER_ROLE_HOST, &both, NULL), 1);

    /* different country */
    matcher_reg h2 = h;
    h2.country = 1;
    CHECK_EQ(one(&v, MATCHER_ROLE_VISITOR, &h2, NULL), 0);

    /* both eligible */
    h2 = h;
    h2.eligible = 0;
    CHECK_EQ(one(&v, MATCHER_ROLE_VISITOR, &h2, NULL), 0);
    matcher_reg v2 = v;
    v2.eligible = 0;
    CHECK_EQ(one(&v2, MATCHER_ROLE_VISITOR, &h, NULL), 0);

    /* capacity left, on whichever side hosts */
    h2 = h;
    h2.capacity = 0;
    CHECK_EQ(one(&v, MATCHER_ROLE_VISITOR, &h2, NULL), 0);
    CHECK_EQ(one(&h2, MATCHER_ROLE_HOST, &v, NULL), 0);
    CHECK_EQ(one(&h, MATCHER_ROLE_HOST, &v, NULL), 1);

    /* availability: overlap of exactly the larger minimum passes, one day less fails */
    v2 = v;
    h2 = h;
    v2.windows[0].from = 20000;
    v2.windows[0].to = 20009; /* 10 days */
    h2.windows[0].from = 20005;
    h2.windows[0].to = 20050; /* overlap 20005..20009: 5 days */
    v2.duration_min = 5;
    h2.duration_min = 3;
    CHECK_EQ(one(&v2, MATCHER_ROLE_VISITOR, &h2, NULL), 1);
    h2.duration_min = 6; /* the candidate's minimum counts too */
    CHECK_EQ(one(&v2, MATCHER_ROLE_VISITOR, &h2, NULL), 0);
    h2.duration_min = 3;
    v2.duration_min = 6;
    CHECK_EQ(one(&v2, MATCHER_ROLE_VISITOR, &h2, NULL), 0);
    /* disjoint windows */
    v2.duration_min = 1;
    h2.windows[0].from = 20010;
    CHECK_EQ(one(&v2, MATCHER_ROLE_VISITOR, &h2, NULL), 0);
    /* a later window of either side can match */
    h2.n_windows = 3;
    h2.windows[1].from = 19000;
    h2.windows[1].to = 19100;
    h2.windows[2].from = 20007; /* 20007..20009: the 3 days h2 needs */
    h2.windows[2].to = 20030;
    CHECK_EQ(one(&v2, MATCHER_ROLE_VISITOR, &h2, NULL), 1);
    v2.n_windows = 2;
    v2.windows[1] = v2.windows[0];
    v2.windows[0].from = 10;
    v2.windows[0].to = 12;
    CHECK_EQ(one(&v2, MATCHER_ROLE_VISITOR, &h2, NULL), 1);
    /* duration ranges that do not meet */
    v2 = v;
    h2 = h;
    v2.duration_min = 10;
    h2.duration_max = 9;
    CHECK_EQ(one(&v2, MATCHER_ROLE_VISITOR, &h2, NULL), 0);
    /* the asker itself is never returned */
    both = base(7, MATCHER_ROLE_VISITOR | MATCHER_ROLE_HOST, 0);
    both.capacity = 1;
    CHECK_EQ(one(&both, MATCHER_ROLE_VISITOR, &both, NULL), 0);
}

/* ---- the table ---- */

static void test_table(void)
{
    matcher_table *t;
    CHECK_EQ(matcher_table_new(&t), 0);
    matcher_snapshot *s0 = matcher_table_acquire(t);
    CHECK_EQ(matcher_snapshot_count(s0), 0);
    for (uint64_t i = 0; i < 1000; i++) {
        matcher_reg r = base(i * 7919, i % 3 ? MATCHER_ROLE_HOST : MATCHER_ROLE_VISITOR, i % 5);
        r.capacity = (uint32_t)(i % 4);
        r.ecosystems = (uint32_t)i & 0x3fff;
        CHECK_EQ(matcher_table_put(t, &r), 0);
    }
    CHECK_EQ(matcher_table_count(t), 1000);
    for (uint64_t i = 0; i < 1000; i += 2)
        CHECK_EQ(matcher_table_remove(t, i * 7919), 0);
    CHECK_EQ(matcher_table_remove(t, 2 * 7919), MATCHER_ENOENT);
    CHECK_EQ(matcher_table_set_capacity(t, 3 * 7919, 9), 0);
    CHECK_EQ(matcher_table_set_capacity(t, 4 * 7919, 9), MATCHER_ENOENT);
    matcher_reg bad = base(1, 0, 0);
    CHECK_EQ(matcher_table_put(t, &bad), MATCHER_EINVAL);
    CHECK_EQ(matcher_table_count(t), 500);
    /* unpublished changes are invisible */
    CHECK_EQ(matcher_snapshot_count(s0), 0);
    CHECK_EQ(matcher_table_publish(t), 0);
    matcher_snapshot *s1 = matcher_table_acquire(t);
    CHECK_EQ(matcher_snapshot_count(s1), 500);
    /* A publish with nothing changed keeps the snapshot; a put of an identical row changes
     * nothing, whatever its padding holds; any field or used window does. */
    matcher_reg same;
    memset(&same, 0xAB, sizeof same);                           /* garbage in the padding */
    matcher_reg held = base(3 * 7919, MATCHER_ROLE_VISITOR, 3); /* as put, then set_capacity */
    held.capacity = 9, held.ecosystems = 3;
    same.id = held.id, same.roles = held.roles, same.country = held.country;
    same.eligible = held.eligible, same.ecosystems = held.ecosystems;
    same.objectives = held.objectives, same.languages = held.languages;
    same.target_countries = held.target_countries, same.duration_min = held.duration_min;
    same.duration_max = held.duration_max, same.capacity = held.capacity;
    same.n_windows = held.n_windows, same.windows[0] = held.windows[0];
    CHECK_EQ(matcher_table_put(t, &same), 0);
    CHECK_EQ(matcher_table_set_capacity(t, 3 * 7919, 9), 0);
    CHECK_EQ(matcher_table_publish(t), 0);
    matcher_snapshot *kept = matcher_table_acquire(t);
    CHECK(kept == s1);
    matcher_snapshot_release(kept);
    same.windows[0].to++;
    CHECK_EQ(matcher_table_put(t, &same), 0);
    CHECK_EQ(matcher_table_publish(t), 0);
    matcher_snapshot *moved = matcher_table_acquire(t);
    CHECK(moved != s1);
    matcher_snapshot_release(moved);
    same.windows[0].to--;
    CHECK_EQ(matcher_table_put(t, &same), 0); /* back as it was */
    CHECK_EQ(matcher_table_publish(t), 0);
    CHECK_EQ(matcher_snapshot_count(s0), 0); /* still readable after the swap */
    matcher_snapshot_release(s0);
    for (uint64_t i = 0; i < 1000; i++) {
        matcher_reg r;
        int err = matcher_snapshot_get(s1, i * 7919, &r);
        if (i % 2 == 0) {
            CHECK_EQ(err, MATCHER_ENOENT);
            continue;
        }
        CHECK_EQ(err, 0);
        CHECK_EQ(r.id, i * 7919);
        CHECK_EQ(r.country, i % 5);
        CHECK_EQ(r.ecosystems, i & 0x3fff);
        CHECK_EQ(r.capacity, i == 3 ? 9 : i % 4);
        CHECK_EQ(r.eligible, 1);
        CHECK_EQ(r.n_windows, 1);
        CHECK_EQ(r.windows[0].to, 20100);
        CHECK_EQ(r.roles, i % 3 ? MATCHER_ROLE_HOST : MATCHER_ROLE_VISITOR);
    }
    matcher_table_free(t); /* s1 outlives the table */
    CHECK_EQ(matcher_snapshot_count(s1), 500);
    matcher_snapshot_release(s1);

    matcher_codemap cm;
    const char *codes[] = {"en", "de", "FR"};
    CHECK_EQ(matcher_codemap_init(&cm, codes, 3), 0);
    CHECK_EQ(matcher_codemap_get(&cm, "de"), 1);
    CHECK_EQ(matcher_codemap_get(&cm, "fr"), 2);
    CHECK_EQ(matcher_codemap_get(&cm, "EN"), 0);
    CHECK_EQ(matcher_codemap_get(&cm, "it"), -1);
    CHECK_EQ(matcher_codemap_get(&cm, "eng"), -1);
    const char *dup[] = {"en", "EN"};
    CHECK_EQ(matcher_codemap_init(&cm, dup, 2), MATCHER_EINVAL);
    CHECK_STR_EQ(matcher_strerror(MATCHER_ENOENT), "no such registration");
}

/* ---- top-k against a full sort ---- */

static matcher_reg random_reg(uint64_t id)
{
    matcher_reg r;
    memset(&r, 0, sizeof r);
    r.id = id;
    r.roles = 1 + rndn(3);
    r.country = rndn(6);
    r.eligible = rndn(10) != 0;
    r.ecosystems = (uint32_t)rnd() & (uint32_t)rnd() & 0x3fff;
    r.objectives = (uint32_t)rnd() & (uint32_t)rnd() & 0x7f;
    r.languages = rnd() & rnd() & 0xf;
    r.target_countries = rndn(3) == 0 ? 0 : rnd() & 0x3f;
    r.duration_min = 1 + rndn(10);
    r.duration_max = r.duration_min + rndn(20);
    r.capacity = rndn(4);
    r.n_windows = 1 + rndn(MATCHER_WINDOWS);
    for (uint32_t w = 0; w < r.n_windows; w++) {
        r.windows[w].from = 20000 + (int32_t)rndn(200);
        r.windows[w].to = r.windows[w].from + (int32_t)rndn(40);
    }
    return r;
}

typedef struct scored {
    int score;
    uint64_t id;
} scored;

static int by_rank(const void *a, const void *b)
{
    const scored *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static void test_topk_property(void)
{
    matcher_scratch *sc = matcher_scratch_new();
    for (uint64_t seed = 1; seed <= 60; seed++) {
        rng_state = seed;
        size_t n = 1 + rndn(seed % 4 == 0 ? 3000 : 700);
        matcher_reg *rows = malloc(n * sizeof *rows);
        scored *all = malloc(n * sizeof *all);
        matcher_table *t;
        CHECK_EQ(matcher_table_new(&t), 0);
        for (size_t i = 0; i < n; i++) {
            rows[i] = random_reg(rnd() >> 20); /* ids in random order */
            CHECK_EQ(matcher_table_put(t, &rows[i]), 0);
        }
        /* ids may repeat: the table keeps the last one */
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            int dup = 0;
            for (size_t j = i + 1; j < n && !dup; j++)
                dup = rows[j].id == rows[i].id;
            if (!dup)
                rows[m++] = rows[i];
        }
        CHECK_EQ(matcher_table_count(t), m);
        CHECK_EQ(matcher_table_publish(t), 0);
        matcher_snapshot *s = matcher_table_acquire(t);
        for (int q = 0; q < 20; q++) {
            matcher_reg a = random_reg(rnd() >> 20);
            if (q % 3 == 0)
                a = rows[rndn((uint32_t)m)];
            unsigned role = rndn(2) ? MATCHER_ROLE_HOST : MATCHER_ROLE_VISITOR;
            size_t k = 1 + rndn(q % 5 == 0 ? 400 : 25);
            size_t nall = 0;
            for (size_t i = 0; i < m; i++) {
                int sv = matcher_score(&a, role, &rows[i]);
                if (sv >= 0 && rows[i].id != a.id)
                    all[nall++] = (scored){sv, rows[i].id};
            }
            qsort(all, nall, sizeof *all, by_rank);
            const matcher_match *out;
            size_t nout;
            CHECK_EQ(matcher_best(s, &a, role, k, q % 2 ? &NAMES : NULL, sc, &out, &nout), 0);
            CHECK_EQ(nout, nall < k ? nall : k);
            for (size_t i = 0; i < nout; i++) {
                CHECK_EQ(out[i].id, all[i].id);
                CHECK_EQ(out[i].score, all[i].score);
            }
        }
        matcher_snapshot_release(s);
        matcher_table_free(t);
        free(rows);
        free(all);
    }
    matcher_scratch_free(sc);
}

/* ---- batch assignment ---- */

typedef struct inst {
    uint32_t nv, nh;
    int min_score;
    uint32_t cap[16];
    int w[16][16]; /* -1: no pair */
} inst;

static int64_t brute_best;

static void brute(const inst *p, uint32_t v, int64_t sum, uint32_t *used)
{
    if (v == p->nv) {
        if (sum > brute_best)
            brute_best = sum;
        return;
    }
    brute(p, v + 1, sum, used);
    for (uint32_t h = 0; h < p->nh; h++)
        if (p->w[v][h] >= p->min_score && p->w[v][h] >= 0 && used[h] < p->cap[h]) {
            used[h]++;
            brute(p, v + 1, sum + p->w[v][h], used);
            used[h]--;
        }
}

/* Checks a result against the instance: capacities, min_score, scores, total. */
static void check_valid(const inst *p, const matcher_batch_result *r)
{
    uint32_t used[16] = {0};
    int64_t total = 0;
    size_t matched = 0;
    CHECK_EQ(r->n_visitors, p->nv);
    for (uint32_t v = 0; v < p->nv; v++) {
        int h = r->host_of[v];
        if (h < 0) {
            CHECK_EQ(r->score_of[v], 0);
            continue;
        }
        CHECK_LT(h, (int)p->nh);
        CHECK_GE(p->w[v][h], 0);
        CHECK_GE(p->w[v][h], p->min_score);
        CHECK_EQ(r->score_of[v], p->w[v][h]);
        used[h]++;
        CHECK_LE(used[h], p->cap[h]);
        total += p->w[v][h];
        matched++;
    }
    CHECK_EQ(total, r->total_score);
    CHECK_EQ(matched, r->n_matched);
}

static void solve_both(const inst *p, matcher_batch_result *rd, matcher_batch_result *rs)
{
    uint16_t dense[16 * 16];
    matcher_edge edges[16 * 16 * 2];
    size_t ne = 0;
    int has_missing = 0;
    for (uint32_t v = 0; v < p->nv; v++)
        for (uint32_t h = 0; h < p->nh; h++) {
            dense[v * p->nh + h] = (uint16_t)(p->w[v][h] < 0 ? 0 : p->w[v][h]);
            has_missing |= p->w[v][h] < 0;
            if (p->w[v][h] >= 0) {
                edges[ne++] = (matcher_edge){v, h, p->w[v][h]};
                if (rndn(4) == 0) /* a worse duplicate must not matter */
                    edges[ne++] = (matcher_edge){v, h, p->w[v][h] / 2};
            }
        }
    for (size_t i = ne; i > 1; i--) { /* any order */
        size_t j = rndn((uint32_t)i);
        matcher_edge x = edges[i - 1];
        edges[i - 1] = edges[j];
        edges[j] = x;
    }
    CHECK_EQ(matcher_batch_sparse(p->nv, p->nh, edges, ne, p->cap, p->min_score, rs), 0);
    check_valid(p, rs);
    if (!has_missing) {
        CHECK_EQ(matcher_batch_dense(p->nv, p->nh, dense, p->cap, p->min_score, rd), 0);
        check_valid(p, rd);
    }
}

static void test_batch_brute(void)
{
    matcher_batch_result rd, rs;
    matcher_batch_result_init(&rd);
    matcher_batch_result_init(&rs);
    for (uint64_t seed = 1; seed <= 20000; seed++) {
        rng_state = seed * 1000003;
        inst p;
        memset(&p, 0, sizeof p);
        p.nv = 1 + rndn(7);
        p.nh = 1 + rndn(4);
        int range = (int)(1 + rndn(seed % 3 ? 10 : 100));
        p.min_score = rndn(3) == 0 ? (int)rndn((uint32_t)range + 1) : 0;
        for (uint32_t h = 0; h < p.nh; h++)
            p.cap[h] = rndn(4); /* 0..3, zero included */
        int sparse = rndn(2);
        for (uint32_t v = 0; v < p.nv; v++)
            for (uint32_t h = 0; h < p.nh; h++)
                p.w[v][h] = sparse && rndn(3) == 0 ? -1 : (int)rndn((uint32_t)range + 1);
        brute_best = 0;
        uint32_t used[16] = {0};
        brute(&p, 0, 0, used);
        solve_both(&p, &rd, &rs);
        CHECK_EQ(rs.total_score, brute_best);
        if (rd.host_of)
            CHECK_EQ(rd.total_score, brute_best);
        matcher_batch_result_dispose(&rd);
    }
    matcher_batch_result_dispose(&rs);
}

/*
 * An independent exact reference for medium sizes: successive shortest paths with
 * Bellman-Ford on the flow network source -> visitor -> host -> sink, augmenting while the
 * cheapest path has negative cost (cost = -score), which yields a maximum-weight flow.
 */
typedef struct fedge {
    int to, cap, cost;
} fedge;

static int64_t reference_flow(uint32_t nv, uint32_t nh, const int *w /* nv*nh, -1 none */,
                              const uint32_t *cap, int min_score)
{
    int n = (int)(nv + nh + 2), src = n - 2, snk = n - 1;
    size_t me = 2 * ((size_t)nv * nh + nv + nh);
    fedge *e = malloc(me * sizeof *e);
    int *head_next = malloc(me * sizeof *head_next), *head = malloc((size_t)n * sizeof *head);
    size_t ne = 0;
    for (int i = 0; i < n; i++)
        head[i] = -1;
#define ADD(a, b, c, k)                                                                            \
    do {                                                                                           \
        e[ne] = (fedge){(b), (c), (k)};                                                            \
        head_next[ne] = head[a];                                                                   \
        head[a] = (int)ne++;                                                                       \
        e[ne] = (fedge){(a), 0, -(k)};                                                             \
        head_next[ne] = head[b];                                                                   \
        head[b] = (int)ne++;                                                                       \
    } while (0)
    for (uint32_t v = 0; v < nv; v++) {
        ADD(src, (int)v, 1, 0);
        for (uint32_t h = 0; h < nh; h++)
            if (w[v * nh + h] >= 0 && w[v * nh + h] >= min_score)
                ADD((int)v, (int)(nv + h), 1, -w[v * nh + h]);
    }
    for (uint32_t h = 0; h < nh; h++)
        ADD((int)(nv + h), snk, (int)cap[h], 0);
#undef ADD
    int64_t total = 0;
    int64_t *dist = malloc((size_t)n * sizeof *dist);
    int *pe = malloc((size_t)n * sizeof *pe);
    for (;;) {
        for (int i = 0; i < n; i++)
            dist[i] = INT64_MAX / 4, pe[i] = -1;
        dist[src] = 0;
        for (int it = 0, changed = 1; it < n && changed; it++) {
            changed = 0;
            for (int u = 0; u < n; u++) {
                if (dist[u] >= INT64_MAX / 4)
                    continue;
                for (int k = head[u]; k >= 0; k = head_next[k])
                    if (e[k].cap > 0 && dist[u] + e[k].cost < dist[e[k].to]) {
                        dist[e[k].to] = dist[u] + e[k].cost;
                        pe[e[k].to] = k;
                        changed = 1;
                    }
            }
        }
        if (dist[snk] >= 0)
            break;
        for (int x = snk; x != src; x = e[pe[x] ^ 1].to) {
            e[pe[x]].cap--;
            e[pe[x] ^ 1].cap++;
        }
        total -= dist[snk];
    }
    free(e);
    free(head_next);
    free(head);
    free(dist);
    free(pe);
    return total;
}

static void test_batch_reference(void)
{
    matcher_batch_result r;
    matcher_batch_result_init(&r);
    for (uint64_t seed = 1; seed <= 400; seed++) {
        rng_state = seed * 7777;
        uint32_t nv = 5 + rndn(seed % 4 ? 60 : 150), nh = 1 + rndn(seed % 3 ? 20 : 30);
        int range = (int)(1 + rndn(seed % 2 ? 8 : 70)), min_score = (int)rndn(3) * range / 4;
        int *w = malloc((size_t)nv * nh * sizeof *w);
        uint16_t *d = malloc((size_t)nv * nh * sizeof *d);
        matcher_edge *edges = malloc((size_t)nv * nh * sizeof *edges);
        uint32_t cap[32];
        size_t ne = 0;
        for (uint32_t h = 0; h < nh; h++)
            cap[h] = rndn(6);
        int density = 1 + (int)rndn(4);
        for (uint32_t v = 0; v < nv; v++)
            for (uint32_t h = 0; h < nh; h++) {
                int x = (int)rndn((uint32_t)range + 1);
                d[v * nh + h] = (uint16_t)x;
                w[v * nh + h] = (int)rndn(4) < density ? x : -1;
                if (w[v * nh + h] >= 0)
                    edges[ne++] = (matcher_edge){v, h, x};
            }
        int64_t ref = reference_flow(nv, nh, w, cap, min_score);
        CHECK_EQ(matcher_batch_sparse(nv, nh, edges, ne, cap, min_score, &r), 0);
        CHECK_EQ(r.total_score, ref);
        uint32_t used[32] = {0};
        for (uint32_t v = 0; v < nv; v++)
            if (r.host_of[v] >= 0) {
                CHECK_GE(w[v * nh + r.host_of[v]], min_score);
                CHECK_LE(++used[r.host_of[v]], cap[r.host_of[v]]);
            }
        for (uint32_t i = 0; i < nv * nh; i++)
            w[i] = d[i];
        ref = reference_flow(nv, nh, w, cap, min_score);
        CHECK_EQ(matcher_batch_dense(nv, nh, d, cap, min_score, &r), 0);
        CHECK_EQ(r.total_score, ref);
        memset(used, 0, sizeof used);
        for (uint32_t v = 0; v < nv; v++)
            if (r.host_of[v] >= 0) {
                CHECK_GE(d[v * nh + r.host_of[v]], min_score);
                CHECK_LE(++used[r.host_of[v]], cap[r.host_of[v]]);
            }
        free(w);
        free(d);
        free(edges);
    }
    matcher_batch_result_dispose(&r);
}

static void test_batch_edges(void)
{
    matcher_batch_result r;
    matcher_batch_result_init(&r);
    /* empty problems */
    CHECK_EQ(matcher_batch_sparse(0, 0, NULL, 0, NULL, 0, &r), 0);
    CHECK_EQ(r.total_score, 0);
    uint32_t cap1 = 1;
    CHECK_EQ(matcher_batch_sparse(3, 1, NULL, 0, &cap1, 0, &r), 0);
    CHECK_EQ(r.n_matched, 0);
    CHECK_EQ(r.host_of[2], -1);
    /* bad input */
    matcher_edge bad = {5, 0, 1};
    CHECK_EQ(matcher_batch_sparse(3, 1, &bad, 1, &cap1, 0, &r), MATCHER_EINVAL);
    bad = (matcher_edge){0, 0, -1};
    CHECK_EQ(matcher_batch_sparse(3, 1, &bad, 1, &cap1, 0, &r), MATCHER_EINVAL);
    /* min_score above every pair: nobody is matched */
    uint16_t d[4] = {3, 4, 5, 6};
    uint32_t cap[2] = {1, 1};
    CHECK_EQ(matcher_batch_dense(2, 2, d, cap, 7, &r), 0);
    CHECK_EQ(r.n_matched, 0);
    CHECK_EQ(matcher_batch_dense(2, 2, d, cap, 6, &r), 0);
    CHECK_EQ(r.total_score, 6);
    CHECK_EQ(r.host_of[1], 1);
    /* a large capacity is not expanded beyond the visitors */
    uint32_t big = 4000000000u;
    CHECK_EQ(matcher_batch_dense(4, 1, d, &big, 0, &r), 0);
    CHECK_EQ(r.total_score, 18);
    matcher_batch_result_dispose(&r);
}

/* ---- snapshot swaps under concurrent queries ---- */

typedef struct swap_ctx {
    matcher_table *t;
    atomic_int stop;
    uint64_t expect[2][20]; /* top ids under data set A and data set B */
    size_t n_expect[2];
    matcher_reg asker;
    atomic_long queries;
} swap_ctx;

static void fill(matcher_table *t, int which)
{
    rng_state = 4242; /* the same rows; set B shifts every score by one country bit */
    for (uint64_t i = 0; i < 3000; i++) {
        matcher_reg r = random_reg(i);
        r.roles = MATCHER_ROLE_HOST;
        r.capacity = 1;
        r.eligible = 1;
        r.country = 1 + (uint32_t)(i % 5);
        r.n_windows = 1;
        r.windows[0].from = 20000;
        r.windows[0].to = 20300;
        r.duration_min = 1;
        r.duration_max = 30;
        r.ecosystems = which ? (uint32_t)(i % 7) : (uint32_t)(i % 11);
        CHECK_EQ(matcher_table_put(t, &r), 0);
    }
}

static void *reader(void *arg)
{
    swap_ctx *c = arg;
    matcher_scratch *sc = matcher_scratch_new();
    while (!atomic_load(&c->stop)) {
        matcher_snapshot *s = matcher_table_acquire(c->t);
        const matcher_match *out;
        size_t n;
        CHECK_EQ(matcher_best(s, &c->asker, MATCHER_ROLE_VISITOR, 20, &NAMES, sc, &out, &n), 0);
        int same[2] = {n == c->n_expect[0], n == c->n_expect[1]};
        for (size_t i = 0; i < n; i++)
            for (int w = 0; w < 2; w++)
                same[w] &= out[i].id == c->expect[w][i];
        CHECK(same[0] || same[1]);
        matcher_snapshot_release(s);
        atomic_fetch_add(&c->queries, 1);
    }
    matcher_scratch_free(sc);
    return NULL;
}

static void test_concurrent_swap(void)
{
    static swap_ctx c;
    matcher_scratch *sc = matcher_scratch_new();
    c.asker = base(1u << 30, MATCHER_ROLE_VISITOR, 0);
    c.asker.ecosystems = 0x3fff;
    c.asker.target_countries = 0;
    CHECK_EQ(matcher_table_new(&c.t), 0);
    for (int w = 0; w < 2; w++) {
        fill(c.t, w);
        CHECK_EQ(matcher_table_publish(c.t), 0);
        matcher_snapshot *s = matcher_table_acquire(c.t);
        const matcher_match *out;
        CHECK_EQ(
            matcher_best(s, &c.asker, MATCHER_ROLE_VISITOR, 20, NULL, sc, &out, &c.n_expect[w]), 0);
        for (size_t i = 0; i < c.n_expect[w]; i++)
            c.expect[w][i] = out[i].id;
        matcher_snapshot_release(s);
    }
    CHECK_EQ(c.n_expect[0], 20);
    CHECK(c.expect[0][0] != c.expect[1][0] || c.expect[0][5] != c.expect[1][5]);
    enum { READERS = 3 };
    pthread_t th[READERS];
    for (int i = 0; i < READERS; i++)
        CHECK_EQ(pthread_create(&th[i], NULL, reader, &c), 0);
    /* publish until many queries ran across many swaps */
    for (int round = 0; round < 200 || atomic_load(&c.queries) < 2000; round++) {
        fill(c.t, round & 1);
        CHECK_EQ(matcher_table_publish(c.t), 0);
    }
    atomic_store(&c.stop, 1);
    for (int i = 0; i < READERS; i++)
        pthread_join(th[i], NULL);
    CHECK_GT(atomic_load(&c.queries), 0);
    matcher_table_free(c.t);
    matcher_scratch_free(sc);
}

/* A table that publishes by patching (few rows changed in place at a time: windows,
 * capacities, a visitor role dropped, rows removed) answers exactly as a table built from
 * scratch from the same rows: the same best matches and the same rows by id. */
static void test_patched_equals_built(void)
{
    enum { N = 3000, ROUNDS = 60, ASKERS = 25 };
    rng_state = 4242;
    matcher_table *t;
    CHECK_EQ(matcher_table_new(&t), 0);
    static matcher_reg rows[N];
    static bool live[N];
    for (uint64_t i = 0; i < N; i++) {
        rows[i] = random_reg(i + 1);
        live[i] = true;
        CHECK_EQ(matcher_table_put(t, &rows[i]), 0);
    }
    CHECK_EQ(matcher_table_publish(t), 0);
    matcher_scratch *s1 = matcher_scratch_new(), *s2 = matcher_scratch_new();
    matcher_snapshot *held = NULL; /* a reader that keeps a snapshot across publishes */
    for (int round = 0; round < ROUNDS; round++) {
        int changes = 1 + (int)rndn(8);
        for (int c = 0; c < changes; c++) {
            uint32_t i = rndn(N);
            if (!live[i])
                continue;
            matcher_reg *r = &rows[i];
            switch (rndn(5)) {
            case 0: /* a host's windows narrowed */
                r->windows[0].to =
                    r->windows[0].from +
                    (int32_t)rndn((uint32_t)(r->windows[0].to - r->windows[0].from + 1));
                break;
            case 1:
                r->capacity = rndn(4);
                break;
            case 2: /* a visitor that visits now */
                if (r->roles == 3)
                    r->roles = MATCHER_ROLE_HOST;
                break;
            case 3:
                CHECK_EQ(matcher_table_remove(t, r->id), 0);
                live[i] = false;
                continue;
            default:
                r->ecosystems ^= 1u << rndn(14);
                break;
            }
            CHECK_EQ(matcher_table_put(t, r), 0);
        }
        if (round % 20 == 19) { /* now and then a row comes back (a build) */
            for (uint32_t i = 0; i < N; i++)
                if (!live[i]) {
                    live[i] = true;
                    CHECK_EQ(matcher_table_put(t, &rows[i]), 0);
                    break;
                }
        }
        CHECK_EQ(matcher_table_publish(t), 0);
        /* the reference: built from the live rows */
        matcher_table *ref;
        CHECK_EQ(matcher_table_new(&ref), 0);
        size_t n_live = 0;
        for (uint32_t i = 0; i < N; i++)
            if (live[i]) {
                CHECK_EQ(matcher_table_put(ref, &rows[i]), 0);
                n_live++;
            }
        CHECK_EQ(matcher_table_publish(ref), 0);
        matcher_snapshot *a = matcher_table_acquire(t), *b = matcher_table_acquire(ref);
        CHECK_EQ(matcher_snapshot_count(a), n_live);
        for (uint32_t i = 0; i < N; i++) {
            matcher_reg x, y;
            int ra = matcher_snapshot_get(a, rows[i].id, &x),
                rb = matcher_snapshot_get(b, rows[i].id, &y);
            CHECK_EQ(ra, rb);
            if (ra == 0) {
                CHECK_EQ(x.roles, y.roles);
                CHECK_EQ(x.capacity, y.capacity);
                CHECK_EQ(x.ecosystems, y.ecosystems);
                CHECK_EQ(x.n_windows, y.n_windows);
                CHECK_EQ(x.windows[0].to, y.windows[0].to);
            }
        }
        for (int q = 0; q < ASKERS; q++) {
            matcher_reg asker = random_reg(1000000 + (uint64_t)q);
            asker.eligible = 1;
            asker.capacity = 2;
            unsigned role = asker.roles == 3 ? 1 + rndn(2) : asker.roles;
            const matcher_match *ma, *mb;
            size_t na, nb;
            CHECK_EQ(matcher_best(a, &asker, role, 50, NULL, s1, &ma, &na), 0);
            CHECK_EQ(matcher_best(b, &asker, role, 50, NULL, s2, &mb, &nb), 0);
            CHECK_EQ(na, nb);
            for (size_t k = 0; k < na; k++) {
                CHECK_EQ(ma[k].score, mb[k].score);
                /* ties break by id in both, whatever the row order */
                CHECK_EQ(ma[k].id, mb[k].id);
            }
        }
        /* now and then a reader keeps its snapshot over the next two publishes, so the
         * table patches older spares (or copies) */
        if (held == NULL && round % 3 == 0)
            held = a;
        else {
            matcher_snapshot_release(a);
            if (held != NULL && round % 3 == 2) {
                matcher_snapshot_release(held);
                held = NULL;
            }
        }
        matcher_snapshot_release(b);
        matcher_table_free(ref);
    }
    matcher_snapshot_release(held);
    matcher_scratch_free(s1);
    matcher_scratch_free(s2);
    matcher_table_free(t);
}

int main(void)
{
    printf("test_matcher\n");
    RUN(test_terms);
    RUN(test_hard_constraints);
    RUN(test_table);
    RUN(test_topk_property);
    RUN(test_batch_edges);
    RUN(test_batch_brute);
    RUN(test_batch_reference);
    RUN(test_concurrent_swap);
    RUN(test_patched_equals_built);
    return 0;
}
