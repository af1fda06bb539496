/*
 * table.c: the writer's rows, snapshot publication and reader references.
 *
 * The writer keeps its rows as an array of matcher_reg plus an id -> row hash map
 * (linear probing, backward-shift deletion); remove swaps the last row into the hole.
 * Publishing builds fresh columns in O(rows) and swaps the current pointer. When the rows
 * changed since then are few and changed in place (no row added, no role gained, no host
 * role lost by a row that also visits), publishing patches instead: it copies the current
 * snapshot's columns (a memcpy, several times cheaper than a build), rewrites the changed
 * rows where they are, leaves rows that left a part as tombstones and shares the id map.
 * That keeps a stream of small changes (exchanges agreed and planned, each its own feed
 * batch) from rebuilding a million rows each time. Tombstones are dropped by the next
 * build, which comes once they or the changes reach a sixteenth of the rows.
 *
 * Reader references without locks: a reader announces itself in pins[g] (g, the current
 * generation's parity), loads the current pointer, increments that snapshot's count and
 * withdraws from pins[g]. The writer swaps the pointer, flips the generation and waits
 * until pins of the old generation drains before it drops the old snapshot's "current"
 * reference. Every reader that could have loaded the old pointer incremented pins[g] before
 * that load (all operations are sequentially consistent), so the writer sees it and waits;
 * readers arriving after the flip use the other counter and load the new pointer. Readers
 * never wait; the writer waits only for readers already inside those few instructions.
 */
#include "matcher/internal.h"

#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

enum { SPARES = 3 }; /* snapshots kept for reuse: more than the readers a query keeps busy */

struct matcher_table {
    matcher_reg *rows; /* the writer's registrations */
    size_t n, cap;     /* used and allocated rows */
    uint64_t *map_ids; /* id -> row hash map */
    uint32_t *map_row; /* UINT32_MAX = empty slot */
    size_t map_mask;   /* slots - 1, a power of two minus one */
    _Atomic(matcher_snapshot *) current;
    atomic_uint gen;       /* generation; its parity picks the pins counter */
    atomic_size_t pins[2]; /* readers between loading current and counting themselves */
    bool changed;          /* rows differ from the current snapshot's */
    /* for patching the current snapshot (see the top of the file) */
    uint32_t *loc_h, *loc_v; /* per row: its index in the snapshot's parts, or UINT32_MAX */
    uint64_t *dirty;         /* ids put since the last publish (may repeat) */
    size_t n_dirty, cap_dirty;
    uint32_t *dead; /* (part << 31 | index) of rows removed since the last publish */
    size_t n_dead, cap_dead;
    size_t tombstones; /* in the current snapshot */
    bool rebuild;      /* the next publish must build */
    /* the snapshots before the current one (spare[0] the latest), kept to be patched
     * again once no reader holds them: spare[a] lacks what the last a + 1 patches changed,
     * the entries (part << 31 | index) listed in log[0..a] (log[0] the last patch's) */
    matcher_snapshot *spare[SPARES];
    struct touch_log {
        uint32_t *locs;
        size_t n, cap;
        bool ok; /* complete */
    } log[SPARES], cur_log;
    uint64_t builds; /* full builds so far (lineages) */
};

const char *matcher_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
    case MATCHER_EINVAL:
        return "invalid argument";
    case MATCHER_ENOMEM:
        return "out of memory";
    case MATCHER_ENOENT:
        return "no such registration";
    case MATCHER_ERANGE:
        return "problem too large";
    default:
        return "unknown matcher error";
    }
}

int matcher_reg_check(const matcher_reg *r)
{
    if (!r || !(r->roles & (MATCHER_ROLE_HOST | MATCHER_ROLE_VISITOR)) ||
        (r->roles & ~(MATCHER_ROLE_HOST | MATCHER_ROLE_VISITOR)) ||
        r->country >= MATCHER_COUNTRIES || r->ecosystems >> MATCHER_ECOSYSTEMS ||
        r->objectives >> MATCHER_OBJECTIVES || r->duration_min < 1 ||
        r->duration_max < r->duration_min || r->duration_max > 65535 || r->n_windows < 1 ||
        r->n_windows > MATCHER_WINDOWS)
        return MATCHER_EINVAL;
    for (uint32_t i = 0; i < r->n_windows; i++)
        if (r->windows[i].from < 0 || r->windows[i].to >= 65535 ||
            r->windows[i].from > r->windows[i].to)
            return MATCHER_EINVAL;
    return 0;
}

/* ---- codemap ---- */

static int code_index(const char *code)
{
    if (!code || !code[0] || !code[1] || code[2])
        return -1;
    int a = code[0] | 0x20, b = code[1] | 0x20;
    if (a < 'a' || a > 'z' || b < 'a' || b > 'z')
        return -1;
    return (a - 'a') * 26 + (b - 'a');
}

int matcher_codemap_init(matcher_codemap *map, const char *const *codes, size_t n)
{
    memset(map->bit, -1, sizeof map->bit);
    if (n > 64)
        return MATCHER_EINVAL;
    for (size_t i = 0; i < n; i++) {
        int c = code_index(codes[i]);
        if (c < 0 || map->bit[c] >= 0)
            return MATCHER_EINVAL;
        map->bit[c] = (int8_t)i;
    }
    return 0;
}

int matcher_codemap_get(const matcher_codemap *map, const char *code)
{
    int c = code_index(code);
    return c < 0 ? -1 : map->bit[c];
}

/* ---- snapshots ---- */

static void snapshot_free(matcher_snapshot *s)
{
    if (!s)
        return;
    free(s->part[0].mem);
    free(s->part[1].mem);
    if (s->map_refs == NULL || atomic_fetch_sub(s->map_refs, 1) == 1) {
        free(s->map_ids);
        free(s->map_loc);
        free(s->map_refs);
    }
    free(s);
}

/* The bytes of the one allocation behind a part of n rows. */
static size_t part_bytes(size_t n)
{
    size_t sizes[] = {1, 1, 1, 2, 2, 2, 8, 8, 8, 4, 4};
    size_t total = 0, nn = n ? n : 1;
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
        total += (sizes[i] * nn + 63) & ~(size_t)63;
    total += 2 * MATCHER_WINDOWS * ((2 * nn + 63) & ~(size_t)63);
    return total;
}

/* Carves the columns of a part with n rows from one aligned allocation. */
static int part_alloc(matcher__part *p, size_t n)
{
    size_t nn = n ? n : 1;
    char *m = aligned_alloc(64, part_bytes(n));
    if (!m)
        return MATCHER_ENOMEM;
    p->mem = m;
    p->n = n;
#define TAKE(field, size)                                                                          \
    do {                                                                                           \
        p->field = (void *)m;                                                                      \
        m += ((size)*nn + 63) & ~(size_t)63;                                                       \
    } while (0)
    TAKE(ok, 1);
    TAKE(country, 1);
    TAKE(objectives, 1);
    TAKE(ecosystems, 2);
    TAKE(dmin, 2);
    TAKE(dmax, 2);
    for (int w = 0; w < MATCHER_WINDOWS; w++) {
        TAKE(from[w], 2);
        TAKE(to[w], 2);
    }
    TAKE(languages, 8);
    TAKE(targets, 8);
    TAKE(ids, 8);
    TAKE(capacity, 4);
    TAKE(roles, 4);
#undef TAKE
    return 0;
}

static void part_set(matcher__part *p, size_t i, const matcher_reg *r, int hosts)
{
    p->ok[i] = r->eligible && (!hosts || r->capacity > 0);
    p->country[i] = (uint8_t)r->country;
    p->objectives[i] = (uint8_t)r->objectives;
    p->ecosystems[i] = (uint16_t)r->ecosystems;
    p->dmin[i] = (uint16_t)(r->duration_min > 65535 ? 65535 : r->duration_min);
    p->dmax[i] = (uint16_t)(r->duration_max > 65535 ? 65535 : r->duration_max);
    for (uint32_t w = 0; w < MATCHER_WINDOWS; w++) {
        int used = w < r->n_windows;
        p->from[w][i] = used ? (uint16_t)r->windows[w].from : 65535;
        p->to[w][i] = used ? (uint16_t)r->windows[w].to : 0;
    }
    p->languages[i] = r->languages;
    p->targets[i] = r->target_countries;
    p->ids[i] = r->id;
    p->capacity[i] = r->capacity;
    p->roles[i] = r->roles | (r->eligible ? 0x100u : 0u);
}

static size_t map_slots(size_t n)
{
    size_t s = 16;
    while (s < 2 * n)
        s *= 2;
    return s;
}

/* Builds a snapshot of rows; loc_h and loc_v (may be NULL) get each row's index in the
 * parts. */
static matcher_snapshot *snapshot_build(const matcher_reg *rows, size_t n, uint32_t *loc_h,
                                        uint32_t *loc_v)
{
    matcher_snapshot *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    atomic_init(&s->refs, 1);
    s->count = n;
    size_t nh = 0, nv = 0;
    for (size_t i = 0; i < n; i++) {
        nh += (rows[i].roles & MATCHER_ROLE_HOST) != 0;
        nv += (rows[i].roles & MATCHER_ROLE_VISITOR) != 0;
    }
    size_t slots = map_slots(n);
    s->map_mask = slots - 1;
    s->map_ids = malloc(slots * sizeof *s->map_ids);
    s->map_loc = malloc(slots * sizeof *s->map_loc);
    s->map_refs = malloc(sizeof *s->map_refs);
    if (s->map_refs)
        atomic_init(s->map_refs, 1);
    if (!s->map_ids || !s->map_loc || !s->map_refs || part_alloc(&s->part[MATCHER__HOSTS], nh) ||
        part_alloc(&s->part[MATCHER__VISITORS], nv))
        goto Error;
    memset(s->map_loc, 0xff, slots * sizeof *s->map_loc);
    size_t ih = 0, iv = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t loc = UINT32_MAX;
        if (loc_h)
            loc_h[i] = loc_v[i] = UINT32_MAX;
        if (rows[i].roles & MATCHER_ROLE_VISITOR) {
            loc = (uint32_t)MATCHER__VISITORS << 31 | (uint32_t)iv;
            if (loc_v)
                loc_v[i] = (uint32_t)iv;
            part_set(&s->part[MATCHER__VISITORS], iv++, &rows[i], 0);
        }
        if (rows[i].roles & MATCHER_ROLE_HOST) {
            loc = (uint32_t)ih;
            if (loc_h)
                loc_h[i] = (uint32_t)ih;
            part_set(&s->part[MATCHER__HOSTS], ih++, &rows[i], 1);
        }
        size_t j = matcher__hash(rows[i].id) & s->map_mask;
        while (s->map_loc[j] != UINT32_MAX)
            j = (j + 1) & s->map_mask;
        s->map_ids[j] = rows[i].id;
        s->map_loc[j] = loc;
    }
    return s;
Error:
    snapshot_free(s);
    return NULL;
}

void matcher_snapshot_release(matcher_snapshot *s)
{
    if (s && atomic_fetch_sub(&s->refs, 1) == 1)
        snapshot_free(s);
}

size_t matcher_snapshot_count(const matcher_snapshot *s)
{
    return s->count;
}

int matcher_snapshot_get(const matcher_snapshot *s, uint64_t id, matcher_reg *out)
{
    size_t j = matcher__hash(id) & s->map_mask;
    for (; s->map_loc[j] != UINT32_MAX; j = (j + 1) & s->map_mask) {
        if (s->map_ids[j] != id)
            continue;
        const matcher__part *p = &s->part[s->map_loc[j] >> 31];
        size_t i = s->map_loc[j] & 0x7fffffffu;
        if (p->roles[i] == 0)
            return MATCHER_ENOENT; /* a tombstone: removed since the map was built */
        memset(out, 0, sizeof *out);
        out->id = id;
        out->roles = p->roles[i] & 0xffu;
        out->eligible = (p->roles[i] >> 8) & 1u;
        out->country = p->country[i];
        out->capacity = p->capacity[i];
        out->ecosystems = p->ecosystems[i];
        out->objectives = p->objectives[i];
        out->languages = p->languages[i];
        out->target_countries = p->targets[i];
        out->duration_min = p->dmin[i];
        out->duration_max = p->dmax[i];
        for (uint32_t w = 0; w < MATCHER_WINDOWS; w++) {
            if (p->from[w][i] > p->to[w][i])
                break;
            out->windows[w].from = p->from[w][i];
            out->windows[w].to = p->to[w][i];
            out->n_windows = w + 1;
        }
        return 0;
    }
    return MATCHER_ENOENT;
}

/* ---- the table ---- */

int matcher_table_new(matcher_table **out)
{
    matcher_table *t = calloc(1, sizeof *t);
    if (!t)
        return MATCHER_ENOMEM;
    t->map_mask = 15;
    t->map_ids = malloc(16 * sizeof *t->map_ids);
    t->map_row = malloc(16 * sizeof *t->map_row);
    matcher_snapshot *s = snapshot_build(NULL, 0, NULL, NULL);
    if (!t->map_ids || !t->map_row || !s) {
        free(t->map_ids);
        free(t->map_row);
        free(t);
        snapshot_free(s);
        return MATCHER_ENOMEM;
    }
    memset(t->map_row, 0xff, 16 * sizeof *t->map_row);
    atomic_init(&t->current, s);
    atomic_init(&t->gen, 0);
    atomic_init(&t->pins[0], 0);
    atomic_init(&t->pins[1], 0);
    *out = t;
    return 0;
}

void matcher_table_free(matcher_table *t)
{
    if (!t)
        return;
    matcher_snapshot_release(atomic_load(&t->current));
    for (int k = 0; k < SPARES; k++) {
        matcher_snapshot_release(t->spare[k]);
        free(t->log[k].locs);
    }
    free(t->cur_log.locs);
    free(t->rows);
    free(t->map_ids);
    free(t->map_row);
    free(t->loc_h);
    free(t->loc_v);
    free(t->dirty);
    free(t->dead);
    free(t);
}

size_t matcher_table_count(const matcher_table *t)
{
    return t->n;
}

static size_t map_find(const matcher_table *t, uint64_t id)
{
    size_t j = matcher__hash(id) & t->map_mask;
    while (t->map_row[j] != UINT32_MAX && t->map_ids[j] != id)
        j = (j + 1) & t->map_mask;
    return j;
}

static int map_grow(matcher_table *t)
{
    size_t slots = (t->map_mask + 1) * 2;
    uint64_t *ids = malloc(slots * sizeof *ids);
    uint32_t *row = malloc(slots * sizeof *row);
    if (!ids || !row) {
        free(ids);
        free(row);
        return MATCHER_ENOMEM;
    }
    memset(row, 0xff, slots * sizeof *row);
    for (size_t j = 0; j <= t->map_mask; j++) {
        if (t->map_row[j] == UINT32_MAX)
            continue;
        size_t k = matcher__hash(t->map_ids[j]) & (slots - 1);
        while (row[k] != UINT32_MAX)
            k = (k + 1) & (slots - 1);
        ids[k] = t->map_ids[j];
        row[k] = t->map_row[j];
    }
    free(t->map_ids);
    free(t->map_row);
    t->map_ids = ids;
    t->map_row = row;
    t->map_mask = slots - 1;
    return 0;
}

/* Removes slot j by shifting later members of its probe run back. */
static void map_delete(matcher_table *t, size_t j)
{
    size_t i = j;
    for (;;) {
        t->map_row[i] = UINT32_MAX;
        size_t k = i;
        for (;;) {
            k = (k + 1) & t->map_mask;
            if (t->map_row[k] == UINT32_MAX)
                return;
            size_t home = matcher__hash(t->map_ids[k]) & t->map_mask;
            /* move k into the hole i unless home lies cyclically in (i, k] */
            if (i <= k ? (i < home && home <= k) : (i < home || home <= k))
                continue;
            break;
        }
        t->map_ids[i] = t->map_ids[k];
        t->map_row[i] = t->map_row[k];
        i = k;
    }
}

/* Field by field: the struct has padding, and callers need not zero it. */
static bool reg_equal(const matcher_reg *a, const matcher_reg *b)
{
    if (a->id != b->id || a->roles != b->roles || a->country != b->country ||
        a->eligible != b->eligible || a->ecosystems != b->ecosystems ||
        a->objectives != b->objectives || a->languages != b->languages ||
        a->target_countries != b->target_countries || a->duration_min != b->duration_min ||
        a->duration_max != b->duration_max || a->capacity != b->capacity ||
        a->n_windows != b->n_windows)
        return false;
    for (uint32_t i = 0; i < a->n_windows && i < MATCHER_WINDOWS; i++)
        if (a->windows[i].from != b->windows[i].from || a->windows[i].to != b->windows[i].to)
            return false;
    return true;
}

/* Notes that row `row` (of id) changed in place; the next publish may patch it. */
static void note_dirty(matcher_table *t, uint64_t id)
{
    t->changed = true;
    if (t->rebuild)
        return;
    if (t->n_dirty == t->cap_dirty) {
        size_t cap = t->cap_dirty ? 2 * t->cap_dirty : 64;
        uint64_t *d = cap > t->n / 16 + 64 ? NULL : realloc(t->dirty, cap * sizeof *d);
        if (!d) { /* too many changes to patch (or no memory for the list): build */
            t->rebuild = true;
            return;
        }
        t->dirty = d;
        t->cap_dirty = cap;
    }
    t->dirty[t->n_dirty++] = id;
}

/* Notes that the snapshot's entry loc (part << 31 | index) is gone. */
static void note_dead(matcher_table *t, uint32_t loc)
{
    t->changed = true;
    if (t->rebuild)
        return;
    if (t->n_dead == t->cap_dead) {
        size_t cap = t->cap_dead ? 2 * t->cap_dead : 64;
        uint32_t *d = cap > t->n / 16 + 64 ? NULL : realloc(t->dead, cap * sizeof *d);
        if (!d) {
            t->rebuild = true;
            return;
        }
        t->dead = d;
        t->cap_dead = cap;
    }
    t->dead[t->n_dead++] = loc;
}

int matcher_table_put(matcher_table *t, const matcher_reg *r)
{
    if (matcher_reg_check(r))
        return MATCHER_EINVAL;
    size_t j = map_find(t, r->id);
    if (t->map_row[j] != UINT32_MAX) {
        uint32_t i = t->map_row[j];
        matcher_reg *row = &t->rows[i];
        if (!reg_equal(row, r)) {
            /* in place unless it gains a part, or loses the hosts part while visiting (the
             * snapshot's id map points a row of both roles at its host entry) */
            bool gains = ((r->roles & MATCHER_ROLE_HOST) && t->loc_h[i] == UINT32_MAX) ||
                         ((r->roles & MATCHER_ROLE_VISITOR) && t->loc_v[i] == UINT32_MAX);
            bool moves = !(r->roles & MATCHER_ROLE_HOST) && t->loc_h[i] != UINT32_MAX &&
                         t->loc_v[i] != UINT32_MAX;
            *row = *r;
            if (gains || moves) {
                t->changed = t->rebuild = true;
            } else
                note_dirty(t, r->id);
        }
        return 0;
    }
    if (t->n >= UINT32_MAX - 1)
        return MATCHER_ERANGE;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        matcher_reg *rows = realloc(t->rows, cap * sizeof *rows);
        if (!rows)
            return MATCHER_ENOMEM;
        t->rows = rows;
        uint32_t *lh = realloc(t->loc_h, cap * sizeof *lh);
        if (!lh)
            return MATCHER_ENOMEM;
        t->loc_h = lh;
        uint32_t *lv = realloc(t->loc_v, cap * sizeof *lv);
        if (!lv)
            return MATCHER_ENOMEM;
        t->loc_v = lv;
        t->cap = cap;
    }
    if (2 * (t->n + 1) > t->map_mask + 1) {
        if (map_grow(t))
            return MATCHER_ENOMEM;
        j = map_find(t, r->id);
    }
    t->map_ids[j] = r->id;
    t->map_row[j] = (uint32_t)t->n;
    t->loc_h[t->n] = t->loc_v[t->n] = UINT32_MAX; /* in no snapshot yet */
    t->rows[t->n++] = *r;
    t->changed = t->rebuild = true; /* a new row: the parts grow */
    return 0;
}

int matcher_table_remove(matcher_table *t, uint64_t id)
{
    size_t j = map_find(t, id);
    if (t->map_row[j] == UINT32_MAX)
        return MATCHER_ENOENT;
    uint32_t row = t->map_row[j];
    if (t->loc_h[row] != UINT32_MAX)
        note_dead(t, (uint32_t)MATCHER__HOSTS << 31 | t->loc_h[row]);
    if (t->loc_v[row] != UINT32_MAX)
        note_dead(t, (uint32_t)MATCHER__VISITORS << 31 | t->loc_v[row]);
    map_delete(t, j);
    if (row != t->n - 1) {
        t->rows[row] = t->rows[t->n - 1];
        t->loc_h[row] = t->loc_h[t->n - 1];
        t->loc_v[row] = t->loc_v[t->n - 1];
        t->map_row[map_find(t, t->rows[row].id)] = row;
    }
    t->n--;
    t->changed = true;
    return 0;
}

int matcher_table_set_capacity(matcher_table *t, uint64_t id, uint32_t capacity)
{
    size_t j = map_find(t, id);
    if (t->map_row[j] == UINT32_MAX)
        return MATCHER_ENOENT;
    matcher_reg *row = &t->rows[t->map_row[j]];
    if (row->capacity != capacity) {
        row->capacity = capacity;
        note_dirty(t, id);
    }
    return 0;
}

/* Marks entry i of part p gone. */
static void tombstone(matcher__part *p, size_t i)
{
    p->ok[i] = 0;
    p->roles[i] = 0;
    p->capacity[i] = 0;
}

/* Notes that entry loc of the snapshot being patched changed. */
static void touch(matcher_table *t, uint32_t loc)
{
    struct touch_log *l = &t->cur_log;
    if (!l->ok)
        return;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 256;
        uint32_t *n = realloc(l->locs, cap * sizeof *n);
        if (!n) {
            l->ok = false; /* then the spares are not patched again */
            return;
        }
        l->locs = n;
        l->cap = cap;
    }
    l->locs[l->n++] = loc;
}

/* Copies entry i of every column of src into dst (parts of equal size). */
static void copy_entry(matcher__part *dst, const matcher__part *src, size_t i)
{
    dst->ok[i] = src->ok[i];
    dst->country[i] = src->country[i];
    dst->objectives[i] = src->objectives[i];
    dst->ecosystems[i] = src->ecosystems[i];
    dst->dmin[i] = src->dmin[i];
    dst->dmax[i] = src->dmax[i];
    for (int w = 0; w < MATCHER_WINDOWS; w++) {
        dst->from[w][i] = src->from[w][i];
        dst->to[w][i] = src->to[w][i];
    }
    dst->languages[i] = src->languages[i];
    dst->targets[i] = src->targets[i];
    dst->ids[i] = src->ids[i];
    dst->capacity[i] = src->capacity[i];
    dst->roles[i] = src->roles[i];
}

/* Rewrites in s the rows changed since the current snapshot (removed ones as tombstones),
 * noting each entry it changes. */
static void apply_changes(matcher_table *t, matcher_snapshot *s)
{
    for (size_t d = 0; d < t->n_dead; d++) {
        tombstone(&s->part[t->dead[d] >> 31], t->dead[d] & 0x7fffffffu);
        touch(t, t->dead[d]);
        t->tombstones++;
    }
    for (size_t d = 0; d < t->n_dirty; d++) {
        size_t j = map_find(t, t->dirty[d]);
        if (t->map_row[j] == UINT32_MAX)
            continue; /* removed since: a tombstone already */
        uint32_t i = t->map_row[j];
        const matcher_reg *r = &t->rows[i];
        for (int k = 0; k < 2; k++) {
            uint32_t *loc = k == MATCHER__HOSTS ? &t->loc_h[i] : &t->loc_v[i];
            unsigned role = k == MATCHER__HOSTS ? MATCHER_ROLE_HOST : MATCHER_ROLE_VISITOR;
            if (*loc == UINT32_MAX)
                continue;
            touch(t, (uint32_t)k << 31 | *loc);
            if (r->roles & role)
                part_set(&s->part[k], *loc, r, k == MATCHER__HOSTS);
            else {
                tombstone(&s->part[k], *loc);
                *loc = UINT32_MAX;
                t->tombstones++;
            }
        }
    }
}

/* The next snapshot by patching: a spare no reader holds any more (it then only lacks
 * what the patches since it was current changed, copied over from the current one), else
 * a copy of the current one; NULL when out of memory. */
static matcher_snapshot *snapshot_patch(matcher_table *t, const matcher_snapshot *cur)
{
    matcher_snapshot *s = NULL;
    t->cur_log.n = 0;
    t->cur_log.ok = true;
    bool logs_ok = true;
    for (int a = 0; a < SPARES && s == NULL; a++) {
        logs_ok = logs_ok && t->log[a].ok;
        matcher_snapshot *c = t->spare[a];
        if (c == NULL || !logs_ok || c->lineage != cur->lineage || atomic_load(&c->refs) != 1)
            continue;
        s = c;
        t->spare[a] = NULL; /* its reference becomes the current one's */
        for (int k = 0; k <= a; k++)
            for (size_t i = 0; i < t->log[k].n; i++) {
                uint32_t loc = t->log[k].locs[i];
                copy_entry(&s->part[loc >> 31], &cur->part[loc >> 31], loc & 0x7fffffffu);
            }
    }
    if (s == NULL) {
        s = calloc(1, sizeof *s);
        if (!s)
            return NULL;
        atomic_init(&s->refs, 1);
        for (int k = 0; k < 2; k++)
            if (part_alloc(&s->part[k], cur->part[k].n)) {
                free(s->part[0].mem);
                free(s);
                return NULL;
            } else
                memcpy(s->part[k].mem, cur->part[k].mem, part_bytes(cur->part[k].n));
        s->map_ids = cur->map_ids;
        s->map_loc = cur->map_loc;
        s->map_mask = cur->map_mask;
        s->map_refs = cur->map_refs;
        s->lineage = cur->lineage;
        atomic_fetch_add(s->map_refs, 1);
    }
    s->count = t->n;
    apply_changes(t, s);
    return s;
}

int matcher_table_publish(matcher_table *t)
{
    if (!t->changed)
        return 0; /* The current snapshot is the rows: a copy of them all would be waste. */
    matcher_snapshot *cur = atomic_load(&t->current), *s;
    bool patch = !t->rebuild && t->tombstones + t->n_dead + t->n_dirty <= t->n / 16;
    if (patch)
        s = snapshot_patch(t, cur);
    else {
        s = snapshot_build(t->rows, t->n, t->loc_h, t->loc_v);
        if (s) {
            t->tombstones = 0;
            s->lineage = ++t->builds;
            t->cur_log.n = 0;
            t->cur_log.ok = false; /* nothing patches the old ones into this one */
        }
    }
    if (!s)
        return MATCHER_ENOMEM;
    matcher_snapshot *old = atomic_exchange(&t->current, s);
    unsigned g = atomic_fetch_add(&t->gen, 1) & 1;
    while (atomic_load(&t->pins[g]) != 0)
        sched_yield();
    /* the old current snapshot becomes the latest spare (its "current" reference kept),
     * the oldest spare is let go, and the logs age with them */
    matcher_snapshot_release(t->spare[SPARES - 1]);
    struct touch_log oldest = t->log[SPARES - 1];
    for (int k = SPARES - 1; k > 0; k--) {
        t->spare[k] = t->spare[k - 1];
        t->log[k] = t->log[k - 1];
    }
    t->spare[0] = old;
    t->log[0] = t->cur_log;
    t->cur_log = oldest;
    t->cur_log.n = 0;
    t->changed = t->rebuild = false;
    t->n_dirty = t->n_dead = 0;
    return 0;
}

matcher_snapshot *matcher_table_acquire(matcher_table *t)
{
    unsigned g = atomic_load(&t->gen) & 1;
    atomic_fetch_add(&t->pins[g], 1);
    matcher_snapshot *s = atomic_load(&t->current);
    atomic_fetch_add(&s->refs, 1);
    atomic_fetch_sub(&t->pins[g], 1);
    return s;
}
