/*
 * query.c: scoring, the top-k scan and the reasons of the best matches.
 *
 * The scan walks the other role's part in blocks of BLOCK rows. For each block a kernel
 * computes every row's score (or -1 where a hard constraint fails) into a small array with
 * straight-line code over the columns, which the compiler vectorises (target_clones adds an
 * AVX2 version beside the baseline x86-64 one); a second, scalar loop offers only the rows
 * that can still reach the heap's current minimum (after adding the asker's country
 * preference, a per-row variable shift kept out of the vector loops) to a bounded
 * min-heap of k entries. Nothing is allocated per candidate: the heap, the block and the
 * reason text live in the caller's scratch. Reasons are written for the final k only,
 * after the scan.
 *
 * Cost: one pass over about MATCHER__SCAN_BYTES_PER_ROW bytes per row of the other role,
 * plus O(log k) per row that enters the heap.
 */
#include "matcher/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK 512
#define REASON_BYTES MATCHER_REASON_BYTES

typedef struct heap_entry {
    int32_t score;
    uint32_t row;
    uint64_t id;
} heap_entry;

struct matcher_scratch {
    int16_t block[BLOCK];   /* scores of the current block */
    uint16_t need[BLOCK];   /* required overlap in days per row of the block */
    uint8_t avail[BLOCK];   /* 1 if a window pair overlaps enough */
    heap_entry *heap;       /* k entries */
    matcher_match *matches; /* k results */
    char *text;             /* k * MATCHER_MAX_REASONS * REASON_BYTES */
    size_t k_cap;           /* the k the arrays are sized for */
};

/* The per-query constants the kernel reads. */
typedef struct query {
    uint64_t lang;      /* asker's languages */
    uint64_t pref;      /* asker's targets, all ones when the asker takes any country */
    int32_t pref_w;     /* weight of a hit in pref */
    int32_t country;    /* asker's country id */
    int32_t eco;        /* asker's ecosystems */
    int32_t obj;        /* asker's objectives */
    int32_t dmin, dmax; /* asker's duration bounds */
    int32_t asker_ok;   /* asker eligible and, if it asks as host, capacity left */
    uint32_t n_windows; /* asker's windows */
    int32_t from[MATCHER_WINDOWS], to[MATCHER_WINDOWS];
} query;

static inline int32_t popcount16(uint32_t x)
{
    /* SWAR count, so that the loop vectorises without a popcount instruction */
    x = x - ((x >> 1) & 0x5555u);
    x = (x & 0x3333u) + ((x >> 2) & 0x3333u);
    x = (x + (x >> 4)) & 0x0f0fu;
    return (int32_t)((x + (x >> 8)) & 0x1fu);
}

static inline int32_t max32(int32_t a, int32_t b)
{
    return a > b ? a : b;
}

static inline int32_t min32(int32_t a, int32_t b)
{
    return a < b ? a : b;
}

int matcher_score(const matcher_reg *a, unsigned role, const matcher_reg *c)
{
    unsigned other = role == MATCHER_ROLE_HOST ? MATCHER_ROLE_VISITOR : MATCHER_ROLE_HOST;
    if (!(a->roles & role) || !(c->roles & other) || a->country == c->country || !a->eligible ||
        !c->eligible)
        return -1;
    const matcher_reg *host = role == MATCHER_ROLE_HOST ? a : c;
    if (host->capacity == 0)
        return -1;
    uint32_t need = a->duration_min > c->duration_min ? a->duration_min : c->duration_min;
    uint32_t lim = a->duration_max < c->duration_max ? a->duration_max : c->duration_max;
    if (need > lim)
        return -1;
    int fits = 0;
    for (uint32_t i = 0; i < a->n_windows; i++)
        for (uint32_t j = 0; j < c->n_windows; j++) {
            int64_t lo =
                a->windows[i].from > c->windows[j].from ? a->windows[i].from : c->windows[j].from;
            int64_t hi = a->windows[i].to < c->windows[j].to ? a->windows[i].to : c->windows[j].to;
            fits |= hi - lo + 1 >= (int64_t)need;
        }
    if (!fits)
        return -1;
    int s = MATCHER_W_ECOSYSTEM * __builtin_popcount(a->ecosystems & c->ecosystems);
    if (a->target_countries == 0)
        s += MATCHER_W_ANY_COUNTRY;
    else if ((a->target_countries >> c->country) & 1)
        s += MATCHER_W_COUNTRY;
    if (c->target_countries == 0)
        s += MATCHER_W_ANY_COUNTRY;
    else if ((c->target_countries >> a->country) & 1)
        s += MATCHER_W_COUNTRY;
    s += MATCHER_W_OBJECTIVE * __builtin_popcount(a->objectives & c->objectives);
    if (a->languages & c->languages)
        s += MATCHER_W_LANGUAGE;
    return s;
}

/* Scores rows [b, b + n) of part p into out[0..n): the score without the asker's country
 * preference, or -1 if a hard constraint fails. Each loop is straight-line code over one column
 * family so it vectorises. */
MATCHER__CLONES static void score_block(const matcher__part *p, size_t b, size_t n, const query *q,
                                        int16_t *restrict out, uint16_t *restrict need,
                                        uint8_t *restrict avail)
{
    const uint8_t *ok = p->ok + b, *country = p->country + b, *obj = p->objectives + b;
    const uint16_t *eco = p->ecosystems + b, *dmin = p->dmin + b, *dmax = p->dmax + b;
    const uint64_t *lang = p->languages + b, *tgt = p->targets + b;

    /* 64-bit columns: languages and the candidate's preference for the asker's country,
     * with flags computed by arithmetic (no 64-bit compares) so plain SSE2 vectorises too */
    for (size_t i = 0; i < n; i++) {
        uint64_t t = tgt[i], l = lang[i] & q->lang;
        uint64_t shared = (l | (0 - l)) >> 63;    /* 1 if a language is shared */
        uint64_t any = ((t | (0 - t)) >> 63) ^ 1; /* 1 if the candidate takes any country */
        uint64_t mutual = (t >> q->country) & 1;
        out[i] = (int16_t)(shared * MATCHER_W_LANGUAGE + mutual * MATCHER_W_COUNTRY +
                           any * MATCHER_W_ANY_COUNTRY);
    }
    /* small columns: eligibility, country, ecosystems, objectives, durations. The asker's
     * preference for the candidate's country (a per-row variable shift, which only AVX2
     * vectorises) is added later, for the rows that can still reach the heap. */
    for (size_t i = 0; i < n; i++) {
        uint32_t c = country[i];
        int32_t s = out[i] + MATCHER_W_ECOSYSTEM * popcount16(eco[i] & (uint32_t)q->eco) +
                    MATCHER_W_OBJECTIVE * popcount16(obj[i] & (uint32_t)q->obj);
        int32_t nd = max32(q->dmin, dmin[i]);
        int32_t lim = min32(q->dmax, dmax[i]);
        int32_t good = (ok[i] != 0) & (c != (uint32_t)q->country) & (nd <= lim);
        out[i] = (int16_t)(good ? s : -1);
        need[i] = (uint16_t)(nd - 1);
        avail[i] = 0;
    }
    /* availability: a pair of windows overlaps by need days, i.e. hi >= lo and
     * hi - lo >= need - 1, in uint16 lanes; an unused window has from > to */
    _Static_assert(MATCHER_WINDOWS == 4, "the window loop reads four columns");
    const uint16_t *f0 = p->from[0] + b, *f1 = p->from[1] + b, *f2 = p->from[2] + b,
                   *f3 = p->from[3] + b;
    const uint16_t *t0 = p->to[0] + b, *t1 = p->to[1] + b, *t2 = p->to[2] + b, *t3 = p->to[3] + b;
    for (uint32_t a = 0; a < q->n_windows; a++) {
        uint16_t af = (uint16_t)q->from[a], at = (uint16_t)q->to[a];
        for (size_t i = 0; i < n; i++) {
            uint16_t nd = need[i];
            uint16_t h0 = at < t0[i] ? at : t0[i], l0 = af > f0[i] ? af : f0[i];
            uint16_t h1 = at < t1[i] ? at : t1[i], l1 = af > f1[i] ? af : f1[i];
            uint16_t h2 = at < t2[i] ? at : t2[i], l2 = af > f2[i] ? af : f2[i];
            uint16_t h3 = at < t3[i] ? at : t3[i], l3 = af > f3[i] ? af : f3[i];
            int fit = ((h0 >= l0) & ((uint16_t)(h0 - l0) >= nd)) |
                      ((h1 >= l1) & ((uint16_t)(h1 - l1) >= nd)) |
                      ((h2 >= l2) & ((uint16_t)(h2 - l2) >= nd)) |
                      ((h3 >= l3) & ((uint16_t)(h3 - l3) >= nd));
            avail[i] |= (uint8_t)fit;
        }
    }
    for (size_t i = 0; i < n; i++)
        out[i] = avail[i] ? out[i] : -1;
}

/* True if (s, id) ranks below (t, jd): lower score, or equal score and larger id. */
static inline int worse(int32_t s, uint64_t id, int32_t t, uint64_t jd)
{
    return s < t || (s == t && id > jd);
}

static void sift_down(heap_entry *h, size_t n, size_t i)
{
    heap_entry x = h[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && worse(h[c + 1].score, h[c + 1].id, h[c].score, h[c].id))
            c++;
        if (!worse(h[c].score, h[c].id, x.score, x.id))
            break;
        h[i] = h[c];
        i = c;
    }
    h[i] = x;
}

static void sift_up(heap_entry *h, size_t i)
{
    heap_entry x = h[i];
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!worse(x.score, x.id, h[p].score, h[p].id))
            break;
        h[i] = h[p];
        i = p;
    }
    h[i] = x;
}

matcher_scratch *matcher_scratch_new(void)
{
    return calloc(1, sizeof(matcher_scratch));
}

void matcher_scratch_free(matcher_scratch *sc)
{
    if (!sc)
        return;
    free(sc->heap);
    free(sc->matches);
    free(sc->text);
    free(sc);
}

static int scratch_reserve(matcher_scratch *sc, size_t k)
{
    if (k <= sc->k_cap)
        return 0;
    heap_entry *h = malloc(k * sizeof *h);
    matcher_match *m = malloc(k * sizeof *m);
    char *t = malloc(k * MATCHER_MAX_REASONS * REASON_BYTES);
    if (!h || !m || !t) {
        free(h);
        free(m);
        free(t);
        return MATCHER_ENOMEM;
    }
    free(sc->heap);
    free(sc->matches);
    free(sc->text);
    sc->heap = h;
    sc->matches = m;
    sc->text = t;
    sc->k_cap = k;
    return 0;
}

/* ---- reasons ---- */

typedef struct sbuf {
    char *p;
    size_t len, cap;
} sbuf;

static void put(sbuf *b, const char *s)
{
    size_t n = strlen(s);
    if (b->len + n >= b->cap)
        n = b->cap - 1 - b->len;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void put_name(sbuf *b, const char *const *names, size_t n_names, unsigned i)
{
    if (names && i < n_names && names[i]) {
        put(b, names[i]);
    } else {
        char tmp[16];
        snprintf(tmp, sizeof tmp, "#%u", i);
        put(b, tmp);
    }
}

/* Appends the names of the set bits as "A", "A and B" or "A, B and C". */
static void put_list(sbuf *b, uint64_t bits, const char *const *names, size_t n_names)
{
    int total = __builtin_popcountll(bits), k = 0;
    while (bits) {
        unsigned i = (unsigned)__builtin_ctzll(bits);
        bits &= bits - 1;
        if (k > 0)
            put(b, k == total - 1 ? " and " : ", ");
        put_name(b, names, n_names, i);
        k++;
    }
}

/* What the reasons read of a candidate, from a part's row or from a matcher_reg. */
typedef struct cand_facts {
    uint64_t ecosystems, objectives, languages, targets;
    uint32_t country;
    uint32_t dmin, dmax;                                /* stay lengths, days */
    uint32_t n_windows;                                 /* used entries of from/to */
    int64_t from[MATCHER_WINDOWS], to[MATCHER_WINDOWS]; /* availability, days since 1970 */
} cand_facts;

/* Appends day d (days since 1970-01-01) as YYYY-MM-DD. */
static void put_day(sbuf *b, int64_t d)
{
    /* Howard Hinnant's civil_from_days: eras of 400 years, March-based years. */
    d += 719468;
    int64_t era = d / 146097, doe = d - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    int64_t day = doy - (153 * mp + 2) / 5 + 1, month = mp < 10 ? mp + 3 : mp - 9;
    int64_t year = yoe + era * 400 + (month <= 2);
    char tmp[16];
    snprintf(tmp, sizeof tmp, "%04d-%02d-%02d", (int)year, (int)month, (int)day);
    put(b, tmp);
}

/* Writes the dates that decide a match: the longest overlap of a window of a with one of
 * the candidate's, and the stay lengths both accept that fit in it. */
static void put_dates(sbuf *b, const cand_facts *c, const matcher_reg *a)
{
    uint32_t lo = a->duration_min > c->dmin ? a->duration_min : c->dmin;
    uint32_t hi = a->duration_max < c->dmax ? a->duration_max : c->dmax;
    int64_t from = 0, to = -1;
    for (uint32_t i = 0; i < a->n_windows; i++)
        for (uint32_t j = 0; j < c->n_windows; j++) {
            int64_t f = a->windows[i].from > c->from[j] ? a->windows[i].from : c->from[j];
            int64_t t = a->windows[i].to < c->to[j] ? a->windows[i].to : c->to[j];
            if (t - f > to - from)
                from = f, to = t;
        }
    if (to - from + 1 < (int64_t)hi)
        hi = (uint32_t)(to - from + 1);
    put(b, "You are both free from ");
    put_day(b, from);
    put(b, " to ");
    put_day(b, to);
    char tmp[64];
    if (lo >= hi)
        snprintf(tmp, sizeof tmp, ", time for a stay of %u days", lo);
    else
        snprintf(tmp, sizeof tmp, ", time for a stay of %u to %u days", lo, hi);
    put(b, tmp);
}

/* Writes the reasons of match m (a candidate with facts c) for the asker. */
static void explain_facts(const cand_facts *c, const matcher_reg *a, unsigned role,
                          const matcher_names *nm, matcher_match *m, char *text)
{
    m->n_reasons = 0;
    sbuf b;
#define BEGIN()                                                                                    \
    (b.p = text + m->n_reasons * REASON_BYTES, b.len = 0, b.cap = REASON_BYTES, b.p[0] = '\0')
#define END() (m->reasons[m->n_reasons++] = b.p)
    uint64_t eco = a->ecosystems & c->ecosystems;
    if (eco) {
        BEGIN();
        put(&b, "Both work in ");
        put_list(&b, eco, nm->ecosystems, nm->n_ecosystems);
        END();
    }
    if (a->target_countries && ((a->target_countries >> c->country) & 1)) {
        BEGIN();
        put_name(&b, nm->countries, nm->n_countries, c->country);
        put(&b, " is on your list of target countries");
        END();
    }
    if (c->targets && ((c->targets >> a->country) & 1)) {
        BEGIN();
        put(&b, role == MATCHER_ROLE_VISITOR ? "They are looking for visitors from "
                                             : "They are looking for hosts from ");
        put_name(&b, nm->countries, nm->n_countries, a->country);
        END();
    }
    uint64_t obj = a->objectives & c->objectives;
    if (obj) {
        BEGIN();
        put(&b, __builtin_popcountll(obj) > 1 ? "You share the objectives "
                                              : "You share the objective ");
        put_list(&b, obj, nm->objectives, nm->n_objectives);
        END();
    }
    uint64_t lang = a->languages & c->languages;
    if (lang) {
        BEGIN();
        put(&b, "You both speak ");
        put_list(&b, lang, nm->languages, nm->n_languages);
        END();
    }
    BEGIN();
    put_dates(&b, c, a);
    END();
#undef BEGIN
#undef END
}

/* Writes the reasons of match m (row r of part p) for the asker. */
static void explain(const matcher__part *p, size_t r, const matcher_reg *a, unsigned role,
                    const matcher_names *nm, matcher_match *m, char *text)
{
    cand_facts c = {
        p->ecosystems[r], p->objectives[r], p->languages[r], p->targets[r], p->country[r],
        p->dmin[r],       p->dmax[r],       MATCHER_WINDOWS, {0},           {0}};
    for (unsigned j = 0; j < MATCHER_WINDOWS; j++)
        c.from[j] = p->from[j][r], c.to[j] = p->to[j][r];
    explain_facts(&c, a, role, nm, m, text);
}

void matcher_explain(const matcher_reg *asker, unsigned role, const matcher_reg *cand,
                     const matcher_names *names, matcher_match *m, char *text)
{
    cand_facts c = {cand->ecosystems,
                    cand->objectives,
                    cand->languages,
                    cand->target_countries,
                    cand->country,
                    cand->duration_min,
                    cand->duration_max,
                    cand->n_windows,
                    {0},
                    {0}};
    for (uint32_t j = 0; j < cand->n_windows && j < MATCHER_WINDOWS; j++)
        c.from[j] = cand->windows[j].from, c.to[j] = cand->windows[j].to;
    m->id = cand->id;
    m->score = matcher_score(asker, role, cand);
    explain_facts(&c, asker, role, names, m, text);
}

int matcher_best(const matcher_snapshot *s, const matcher_reg *a, unsigned role, size_t k,
                 const matcher_names *names, matcher_scratch *sc, const matcher_match **out,
                 size_t *n_out)
{
    if (!s || !a || !sc || !out || !n_out || k < 1 || k > MATCHER_MAX_K ||
        (role != MATCHER_ROLE_HOST && role != MATCHER_ROLE_VISITOR) || matcher_reg_check(a))
        return MATCHER_EINVAL;
    int err = scratch_reserve(sc, k);
    if (err)
        return err;
    *out = sc->matches;
    *n_out = 0;
    if (!(a->roles & role) || !a->eligible || (role == MATCHER_ROLE_HOST && a->capacity == 0))
        return 0;

    query q;
    memset(&q, 0, sizeof q);
    q.lang = a->languages;
    q.pref = a->target_countries ? a->target_countries : ~(uint64_t)0;
    q.pref_w = a->target_countries ? MATCHER_W_COUNTRY : MATCHER_W_ANY_COUNTRY;
    q.country = (int32_t)a->country;
    q.eco = (int32_t)a->ecosystems;
    q.obj = (int32_t)a->objectives;
    q.dmin = (int32_t)(a->duration_min > 65535 ? 65535 : a->duration_min);
    q.dmax = (int32_t)(a->duration_max > 65535 ? 65535 : a->duration_max);
    q.n_windows = a->n_windows;
    for (uint32_t w = 0; w < a->n_windows; w++) {
        q.from[w] = a->windows[w].from;
        q.to[w] = a->windows[w].to;
    }

    const matcher__part *p =
        &s->part[role == MATCHER_ROLE_VISITOR ? MATCHER__HOSTS : MATCHER__VISITORS];
    heap_entry *heap = sc->heap;
    size_t nh = 0;
    int32_t thr = 0; /* the least score that may enter the heap */
    for (size_t b = 0; b < p->n; b += BLOCK) {
        size_t n = p->n - b < BLOCK ? p->n - b : BLOCK;
        score_block(p, b, n, &q, sc->block, sc->need, sc->avail);
        for (size_t i = 0; i < n; i++) {
            int32_t sv = sc->block[i];
            if (sv < thr - q.pref_w || sv < 0)
                continue; /* fails, or cannot reach the heap even with the preference */
            sv += (int32_t)((q.pref >> p->country[b + i]) & 1) * q.pref_w;
            if (sv < thr)
                continue;
            uint64_t id = p->ids[b + i];
            if (id == a->id)
                continue;
            if (nh < k) {
                heap[nh] = (heap_entry){sv, (uint32_t)(b + i), id};
                sift_up(heap, nh++);
                if (nh == k)
                    thr = heap[0].score;
            } else if (worse(heap[0].score, heap[0].id, sv, id)) {
                heap[0] = (heap_entry){sv, (uint32_t)(b + i), id};
                sift_down(heap, nh, 0);
                thr = heap[0].score;
            }
        }
    }
    /* pop worst first into the back of the result */
    size_t n = nh;
    while (nh > 0) {
        heap_entry e = heap[0];
        heap[0] = heap[--nh];
        sift_down(heap, nh, 0);
        matcher_match *m = &sc->matches[nh];
        m->id = e.id;
        m->score = e.score;
        m->n_reasons = 0;
        if (names)
            explain(p, e.row, a, role, names, m,
                    sc->text + nh * MATCHER_MAX_REASONS * REASON_BYTES);
    }
    *n_out = n;
    return 0;
}
