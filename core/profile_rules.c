/* profile_rules.c: see profile_rules.h. One table of fields drives validation, the
 * mandatory-field lists drive submission and the check list; the folding behind duplicate
 * detection's name keys is core_fold_diacritics (core/text.c). */
#include "core/profile_rules.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/id.h"
#include "core/text.h"
#include "core/vocab.h"

/* ---- types ---- */

static const char *const type_names[CORE_PROFILE_TYPE_COUNT] = {
    [CORE_PROFILE_CLUSTER_ORGANISATION] = "cluster_organisation",
    [CORE_PROFILE_CLUSTER_MEMBER] = "cluster_member",
    [CORE_PROFILE_CLUSTER_PARTNERSHIP] = "cluster_partnership",
    [CORE_PROFILE_NATIONAL_ASSOCIATION] = "national_association",
    [CORE_PROFILE_META_CLUSTER_NETWORK] = "meta_cluster_network",
    [CORE_PROFILE_POLICY_INSTITUTION] = "policy_institution",
    [CORE_PROFILE_RESOURCE_EFFICIENCY_PROVIDER] = "resource_efficiency_provider",
    [CORE_PROFILE_TRAINING_PROVIDER] = "training_provider",
};

int core_profile_type_parse(const char *s)
{
    if (s == NULL)
        return -1;
    for (int t = 0; t < CORE_PROFILE_TYPE_COUNT; t++)
        if (strcmp(s, type_names[t]) == 0)
            return t;
    return -1;
}

const char *core_profile_type_name(core_profile_type t)
{
    return (unsigned)t < CORE_PROFILE_TYPE_COUNT ? type_names[t] : NULL;
}

/* ---- small helpers ---- */

enum {
    MAX_ITEM_REASONS = 20, /* item reasons listed per list before summarising */
    QUOTE_MAX = 40,        /* code points of a user's value quoted in a reason */
    MAX_COUNT = 1000000,   /* members_count and member_composition counts */
    MAX_FTE = 1000,        /* management_fte */
    MAX_URL = 300,         /* website, members[].url */
};

static bool is_space_cp(uint32_t cp)
{
    return cp == ' ' || (cp >= '\t' && cp <= '\r') || cp == 0xA0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
           cp == 0x205F || cp == 0x3000;
}

/* A user's string quoted for a reason, cut to QUOTE_MAX code points. In the arena. */
static const char *quote(core_arena *a, const char *s, size_t len)
{
    size_t i = 0, n = 0;
    while (i < len && n < QUOTE_MAX) {
        uint32_t cp;
        i += core_utf8_next(s + i, len - i, &cp);
        n++;
    }
    return core_arena_printf(a, "\"%.*s%s\"", (int)i, s, i < len ? "…" : "");
}

/* "a, b, c": the identifiers of a vocabulary, in the arena. */
static const char *vocab_list(core_arena *a, core_vocab_kind kind)
{
    size_t n = core_vocab_count(kind), total = 1;
    for (size_t i = 0; i < n; i++)
        total += strlen(core_vocab_id(kind, i)) + 2;
    char *out = core_arena_alloc(a, total), *o = out;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(core_vocab_id(kind, i));
        if (i > 0) {
            memcpy(o, ", ", 2);
            o += 2;
        }
        memcpy(o, core_vocab_id(kind, i), l);
        o += l;
    }
    *o = '\0';
    return out;
}

static bool number_of(const core_value *v, double *out)
{
    if (v == NULL)
        return false;
    if (v->type == CORE_INT) {
        *out = (double)v->u.i;
        return true;
    }
    if (v->type == CORE_DOUBLE && isfinite(v->u.d)) {
        *out = v->u.d;
        return true;
    }
    return false;
}

/* Integers, and doubles with an integral value (a client may send 15.0). */
static bool int_of(const core_value *v, int64_t *out)
{
    if (v == NULL)
        return false;
    if (v->type == CORE_INT) {
        *out = v->u.i;
        return true;
    }
    if (v->type == CORE_DOUBLE && isfinite(v->u.d) && v->u.d == floor(v->u.d) &&
        fabs(v->u.d) < 9007199254740992.0) {
        *out = (int64_t)v->u.d;
        return true;
    }
    return false;
}

static bool str_is(const core_value *v, const char *s)
{
    return v->type == CORE_STR && v->u.s.len == strlen(s) && memcmp(v->u.s.ptr, s, v->u.s.len) == 0;
}

static bool key_is(const core_member *m, const char *s)
{
    return m->key.len == strlen(s) && memcmp(m->key.ptr, s, m->key.len) == 0;
}

/* Why v is not text of min..max code points, or NULL when it is. Only multiline text may
 * hold line breaks and tabs; no text may hold other control characters. */
static const char *text_reason(core_arena *a, const core_value *v, size_t min, size_t max,
                               bool multiline)
{
    if (v->type != CORE_STR)
        return "must be a string";
    const char *s = v->u.s.ptr;
    size_t len = v->u.s.len;
    if (!core_utf8_valid(s, len))
        return "must be valid UTF-8 text";
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += core_utf8_next(s + i, len - i, &cp);
        bool layout = cp == '\n' || cp == '\r' || cp == '\t';
        if ((cp < 0x20 && !(multiline && layout)) || (cp >= 0x7F && cp <= 0x9F))
            return multiline ? "must not contain control characters"
                             : "must be a single line without tabs or control characters";
    }
    size_t n = core_utf8_count(s, len);
    if (n < min)
        return min == 1 ? "must not be empty"
                        : core_arena_printf(a, "must be at least %zu characters", min);
    if (n > max)
        return core_arena_printf(a, "must be at most %zu characters", max);
    return NULL;
}

static bool blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += core_utf8_next(s + i, len - i, &cp);
        if (!is_space_cp(cp))
            return false;
    }
    return true;
}

/* Parses an http(s) URL; NULL and the host in *host when valid, else the reason. */
static const char *url_reason(const char *s, size_t len, core_slice *host)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= ' ' || c == 0x7F)
            return "must not contain spaces or control characters";
    }
    const char *p;
    if (len >= 7 && strncasecmp(s, "http://", 7) == 0)
        p = s + 7;
    else if (len >= 8 && strncasecmp(s, "https://", 8) == 0)
        p = s + 8;
    else
        return "must be a web address starting with http:// or https://";
    const char *end = s + len, *e = p;
    while (e < end && *e != '/' && *e != '?' && *e != '#')
        e++;
    if (memchr(p, '@', (size_t)(e - p)) != NULL)
        return "must not contain a user name or password";
    const char *colon = memchr(p, ':', (size_t)(e - p));
    const char *hend = colon ? colon : e;
    if (colon != NULL) {
        size_t digits = (size_t)(e - colon - 1);
        unsigned long port = 0;
        if (digits == 0 || digits > 5)
            return "has an invalid port";
        for (const char *d = colon + 1; d < e; d++) {
            if (*d < '0' || *d > '9')
                return "has an invalid port";
            port = port * 10 + (unsigned long)(*d - '0');
        }
        if (port == 0 || port > 65535)
            return "has an invalid port";
    }
    if (hend > p && hend[-1] == '.')
        hend--; /* a fully qualified name's trailing dot */
    const char *bad_host = "must name a host such as example.eu";
    if (hend == p)
        return bad_host;
    bool dot = false;
    for (const char *q = p; q < hend; q++) {
        unsigned char c = (unsigned char)*q;
        bool label_start = q == p || q[-1] == '.', label_end = q + 1 == hend || q[1] == '.';
        if (c == '.') {
            if (label_start)
                return bad_host; /* empty label */
            dot = true;
        } else if (c == '-') {
            if (label_start || label_end)
                return bad_host;
        } else if (!(c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                     (c >= '0' && c <= '9'))) {
            return bad_host;
        }
    }
    if (!dot)
        return bad_host;
    host->ptr = p;
    host->len = (size_t)(hend - p);
    return NULL;
}

/* ---- validation ---- */

typedef void check_fn(core_fields *f, const char *path, const core_value *v);

/* Per-list bookkeeping: item reasons are listed up to MAX_ITEM_REASONS, then summarised. */
typedef struct items {
    core_fields *f;
    const char *base;
    size_t bad;
} items;

static void item_fail(items *it, size_t i, const char *sub, const char *reason)
{
    if (it->bad++ < MAX_ITEM_REASONS)
        core_fields_add(it->f,
                        core_arena_printf(it->f->arena, "%s[%zu]%s", it->base, i, sub ? sub : ""),
                        reason);
}

static void items_done(items *it)
{
    if (it->bad > MAX_ITEM_REASONS)
        core_fields_add(it->f, it->base,
                        core_arena_printf(it->f->arena,
                                          "has %zu invalid items; the first %d are listed", it->bad,
                                          MAX_ITEM_REASONS));
}

static void add_text(core_fields *f, const char *path, const core_value *v, size_t min, size_t max,
                     bool multiline)
{
    const char *r = text_reason(f->arena, v, min, max, multiline);
    if (r != NULL)
        core_fields_add(f, path, r);
}

static void check_name(core_fields *f, const char *path, const core_value *v)
{
    const char *r = text_reason(f->arena, v, 1, 200, false);
    if (r == NULL && blank(v->u.s.ptr, v->u.s.len))
        r = "must not be blank";
    if (r != NULL)
        core_fields_add(f, path, r);
}

static void check_acronym(core_fields *f, const char *path, const core_value *v)
{
    add_text(f, path, v, 0, 30, false);
}

static void check_place(core_fields *f, const char *path, const core_value *v)
{
    add_text(f, path, v, 0, 100, false);
}

static void check_address(core_fields *f, const char *path, const core_value *v)
{
    add_text(f, path, v, 0, 300, true);
}

static void check_description(core_fields *f, const char *path, const core_value *v)
{
    add_text(f, path, v, 0, 5000, true);
}

/* Why s is not an existing country code in capitals, or NULL. */
static const char *country_reason(core_arena *a, const char *s, size_t len)
{
    bool upper = len == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z';
    bool known = core_country_find(s, len) >= 0;
    if (upper && known)
        return NULL;
    if (known) /* two letters, not both capitals */
        return core_arena_printf(a, "must be in capitals (\"%c%c\")", s[0] & ~0x20, s[1] & ~0x20);
    if (upper)
        return core_arena_printf(a, "\"%s\" is not an ISO 3166-1 country code", s);
    return "must be an ISO 3166-1 alpha-2 country code in capitals, such as \"DE\"";
}

static void check_country(core_fields *f, const char *path, const core_value *v)
{
    if (v->type != CORE_STR) {
        core_fields_add(f, path, "must be an ISO 3166-1 alpha-2 country code, such as \"DE\"");
        return;
    }
    const char *r = country_reason(f->arena, v->u.s.ptr, v->u.s.len);
    if (r != NULL)
        core_fields_add(f, path, r);
}

static void check_number(core_fields *f, const char *path, const core_value *v, double lo,
                         double hi, const char *reason)
{
    double d;
    if (!number_of(v, &d) || d < lo || d > hi)
        core_fields_add(f, path, reason);
}

static void check_lat(core_fields *f, const char *path, const core_value *v)
{
    check_number(f, path, v, -90, 90, "must be a latitude: a number from -90 to 90");
}

static void check_lon(core_fields *f, const char *path, const core_value *v)
{
    check_number(f, path, v, -180, 180, "must be a longitude: a number from -180 to 180");
}

static void check_fte(core_fields *f, const char *path, const core_value *v)
{
    check_number(f, path, v, 0, MAX_FTE,
                 "must be a number of full-time equivalents from 0 to 1000, such as 1.5");
}

static const char *int_reason(core_arena *a, const core_value *v, int64_t lo, int64_t hi)
{
    int64_t i;
    if (!int_of(v, &i) || i < lo || i > hi)
        return core_arena_printf(a, "must be a whole number from %lld to %lld", (long long)lo,
                                 (long long)hi);
    return NULL;
}

static void check_members_count(core_fields *f, const char *path, const core_value *v)
{
    const char *r = int_reason(f->arena, v, 0, MAX_COUNT);
    if (r != NULL)
        core_fields_add(f, path, r);
}

static int current_year(void)
{
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm) == NULL)
        return 2100;
    return tm.tm_year + 1900;
}

static void check_year(core_fields *f, const char *path, const core_value *v)
{
    int64_t y;
    int now = current_year();
    if (!int_of(v, &y) || y < CORE_PROFILE_MIN_YEAR_FOUNDED || y > now)
        core_fields_add(f, path,
                        core_arena_printf(f->arena, "must be a year from %d to %d",
                                          CORE_PROFILE_MIN_YEAR_FOUNDED, now));
}

static const char *url_value_reason(core_arena *a, const core_value *v)
{
    const char *r = text_reason(a, v, 1, MAX_URL, false);
    if (r != NULL)
        return r;
    core_slice host;
    return url_reason(v->u.s.ptr, v->u.s.len, &host);
}

/* url_value_reason's verdict without allocating. */
static bool url_ok(const core_value *v)
{
    core_slice host;
    return v != NULL && v->type == CORE_STR && core_utf8_valid(v->u.s.ptr, v->u.s.len) &&
           core_utf8_count(v->u.s.ptr, v->u.s.len) <= MAX_URL &&
           url_reason(v->u.s.ptr, v->u.s.len, &host) == NULL;
}

static void check_website(core_fields *f, const char *path, const core_value *v)
{
    const char *r = url_value_reason(f->arena, v);
    if (r != NULL)
        core_fields_add(f, path, r);
}

static void check_languages(core_fields *f, const char *path, const core_value *v)
{
    if (v->type != CORE_ARR) {
        core_fields_add(f, path, "must be a list of ISO 639-1 language codes, such as [\"en\"]");
        return;
    }
    if (v->u.arr.len > CORE_PROFILE_MAX_LANGUAGES) {
        core_fields_add(f, path,
                        core_arena_printf(f->arena, "must list at most %d languages",
                                          CORE_PROFILE_MAX_LANGUAGES));
        return;
    }
    uint64_t seen[CORE_LANGUAGE_MAX / 64] = {0};
    items it = {f, path, 0};
    for (size_t i = 0; i < v->u.arr.len; i++) {
        const core_value *e = &v->u.arr.items[i];
        int id = e->type == CORE_STR ? core_language_find(e->u.s.ptr, e->u.s.len) : -1;
        if (id < 0) {
            item_fail(&it, i, NULL,
                      e->type == CORE_STR
                          ? core_arena_printf(f->arena,
                                              "%s is not an ISO 639-1 language code (two "
                                              "letters, such as \"en\")",
                                              quote(f->arena, e->u.s.ptr, e->u.s.len))
                          : "must be an ISO 639-1 language code, such as \"en\"");
        } else if (!(e->u.s.ptr[0] >= 'a' && e->u.s.ptr[0] <= 'z' && e->u.s.ptr[1] >= 'a' &&
                     e->u.s.ptr[1] <= 'z')) {
            item_fail(&it, i, NULL,
                      core_arena_printf(f->arena, "must be in lower case (\"%s\")",
                                        core_language_at((size_t)id)->code));
        } else if (seen[id / 64] & (UINT64_C(1) << (id % 64))) {
            item_fail(&it, i, NULL,
                      core_arena_printf(f->arena, "lists \"%s\" a second time", e->u.s.ptr));
        } else {
            seen[id / 64] |= UINT64_C(1) << (id % 64);
        }
    }
    items_done(&it);
}

static void check_vocab_list(core_fields *f, const char *path, const core_value *v,
                             core_vocab_kind kind, const char *what)
{
    size_t n = core_vocab_count(kind);
    if (v->type != CORE_ARR) {
        core_fields_add(f, path,
                        core_arena_printf(f->arena, "must be a list of %s from: %s", what,
                                          vocab_list(f->arena, kind)));
        return;
    }
    if (v->u.arr.len > n) {
        core_fields_add(
            f, path,
            core_arena_printf(f->arena, "must list each of the %zu %s at most once", n, what));
        return;
    }
    uint64_t seen = 0;
    items it = {f, path, 0};
    for (size_t i = 0; i < v->u.arr.len; i++) {
        const core_value *e = &v->u.arr.items[i];
        int id = e->type == CORE_STR ? core_vocab_find(kind, e->u.s.ptr, e->u.s.len) : -1;
        if (id < 0)
            item_fail(
                &it, i, NULL,
                core_arena_printf(f->arena, "must be one of: %s", vocab_list(f->arena, kind)));
        else if (seen & (UINT64_C(1) << id))
            item_fail(&it, i, NULL,
                      core_arena_printf(f->arena, "lists \"%s\" a second time", e->u.s.ptr));
        else
            seen |= UINT64_C(1) << id;
    }
    items_done(&it);
}

static void check_ecosystems(core_fields *f, const char *path, const core_value *v)
{
    check_vocab_list(f, path, v, CORE_VOCAB_ECOSYSTEM, "industrial ecosystems");
}

static void check_services(core_fields *f, const char *path, const core_value *v)
{
    check_vocab_list(f, path, v, CORE_VOCAB_SERVICE, "services");
}

static void check_keywords(core_fields *f, const char *path, const core_value *v)
{
    if (v->type != CORE_ARR) {
        core_fields_add(f, path, "must be a list of keywords (strings)");
        return;
    }
    if (v->u.arr.len > CORE_PROFILE_MAX_KEYWORDS) {
        core_fields_add(f, path,
                        core_arena_printf(f->arena, "must list at most %d keywords",
                                          CORE_PROFILE_MAX_KEYWORDS));
        return;
    }
    const char *folded[CORE_PROFILE_MAX_KEYWORDS];
    items it = {f, path, 0};
    for (size_t i = 0; i < v->u.arr.len; i++) {
        const core_value *e = &v->u.arr.items[i];
        folded[i] = NULL;
        const char *r = text_reason(f->arena, e, 1, 60, false);
        if (r == NULL && blank(e->u.s.ptr, e->u.s.len))
            r = "must not be blank";
        if (r != NULL) {
            item_fail(&it, i, NULL, r);
            continue;
        }
        folded[i] = core_fold_case(f->arena, e->u.s.ptr, e->u.s.len);
        for (size_t j = 0; j < i; j++) {
            if (folded[j] != NULL && strcmp(folded[j], folded[i]) == 0) {
                item_fail(&it, i, NULL,
                          core_arena_printf(f->arena, "repeats keyword %zu (%s)", j,
                                            quote(f->arena, e->u.s.ptr, e->u.s.len)));
                break;
            }
        }
    }
    items_done(&it);
}

static void check_cooperation(core_fields *f, const char *path, const core_value *v)
{
    const char *what = "must be a list of ISO 3166-1 alpha-2 country codes, or [\"none\"]";
    if (v->type != CORE_ARR) {
        core_fields_add(f, path, what);
        return;
    }
    size_t n = v->u.arr.len;
    if (n == 1 && str_is(&v->u.arr.items[0], "none"))
        return;
    if (n > CORE_COUNTRY_MAX) {
        core_fields_add(f, path, "must list each country at most once");
        return;
    }
    uint64_t seen[CORE_COUNTRY_MAX / 64] = {0};
    items it = {f, path, 0};
    bool none = false;
    for (size_t i = 0; i < n; i++) {
        const core_value *e = &v->u.arr.items[i];
        if (str_is(e, "none")) {
            none = true;
            continue;
        }
        if (e->type != CORE_STR) {
            item_fail(&it, i, NULL, "must be an ISO 3166-1 alpha-2 country code, such as \"DE\"");
            continue;
        }
        const char *r = country_reason(f->arena, e->u.s.ptr, e->u.s.len);
        if (r != NULL) {
            item_fail(&it, i, NULL, r);
            continue;
        }
        int id = core_country_find(e->u.s.ptr, e->u.s.len);
        if (seen[id / 64] & (UINT64_C(1) << (id % 64)))
            item_fail(&it, i, NULL,
                      core_arena_printf(f->arena, "lists \"%s\" a second time", e->u.s.ptr));
        seen[id / 64] |= UINT64_C(1) << (id % 64);
    }
    if (none)
        core_fields_add(f, path,
                        "\"none\" cannot be combined with country codes: send [\"none\"] alone "
                        "or only countries");
    items_done(&it);
}

static void check_label(core_fields *f, const char *path, const core_value *v)
{
    if (!(str_is(v, "none") || str_is(v, "bronze") || str_is(v, "silver") || str_is(v, "gold")))
        core_fields_add(f, path, "must be one of: none, bronze, silver, gold");
}

static void check_bool(core_fields *f, const char *path, const core_value *v)
{
    if (v->type != CORE_BOOL)
        core_fields_add(f, path, "must be true or false");
}

static void check_composition(core_fields *f, const char *path, const core_value *v)
{
    core_arena *a = f->arena;
    if (v->type != CORE_OBJ) {
        core_fields_add(f, path,
                        core_arena_printf(a, "must be an object of member counts by type: %s",
                                          vocab_list(a, CORE_VOCAB_MEMBER_TYPE)));
        return;
    }
    for (size_t i = 0; i < v->u.obj.len; i++) {
        const core_member *m = &v->u.obj.items[i];
        const char *sub = core_arena_printf(a, "%s.%.*s", path, (int)m->key.len, m->key.ptr);
        if (core_vocab_find(CORE_VOCAB_MEMBER_TYPE, m->key.ptr, m->key.len) < 0) {
            core_fields_add(f, sub,
                            core_arena_printf(a, "is not a member type; the types are: %s",
                                              vocab_list(a, CORE_VOCAB_MEMBER_TYPE)));
            continue;
        }
        if (m->value.type == CORE_NULL)
            continue; /* not given: counts as zero */
        const char *r = int_reason(a, &m->value, 0, MAX_COUNT);
        if (r != NULL)
            core_fields_add(f, sub, r);
    }
}

static void check_members(core_fields *f, const char *path, const core_value *v)
{
    core_arena *a = f->arena;
    if (v->type != CORE_ARR) {
        core_fields_add(f, path, "must be a list of members, each {\"name\": …, \"url\": …}");
        return;
    }
    if (v->u.arr.len > CORE_PROFILE_MAX_MEMBERS) {
        core_fields_add(
            f, path,
            core_arena_printf(a, "must list at most %d members", CORE_PROFILE_MAX_MEMBERS));
        return;
    }
    items it = {f, path, 0};
    for (size_t i = 0; i < v->u.arr.len; i++) {
        const core_value *e = &v->u.arr.items[i];
        if (e->type != CORE_OBJ) {
            item_fail(&it, i, NULL, "must be an object {\"name\": …, \"url\": …}");
            continue;
        }
        bool has_name = false;
        for (size_t k = 0; k < e->u.obj.len; k++) {
            const core_member *m = &e->u.obj.items[k];
            const char *r;
            if (key_is(m, "name")) {
                has_name = true;
                r = text_reason(a, &m->value, 1, 200, false);
                if (r == NULL && blank(m->value.u.s.ptr, m->value.u.s.len))
                    r = "must not be blank";
                if (r != NULL)
                    item_fail(&it, i, ".name", m->value.type == CORE_NULL ? "is required" : r);
            } else if (key_is(m, "url")) {
                if (m->value.type != CORE_NULL && (r = url_value_reason(a, &m->value)) != NULL)
                    item_fail(&it, i, ".url", r);
            } else {
                item_fail(&it, i, core_arena_printf(a, ".%.*s", (int)m->key.len, m->key.ptr),
                          "is not a known field (a member has a name and a url)");
            }
        }
        if (!has_name)
            item_fail(&it, i, ".name", "is required");
    }
    items_done(&it);
}

static void check_contact(core_fields *f, const char *path, const core_value *v)
{
    core_arena *a = f->arena;
    if (v->type != CORE_OBJ) {
        core_fields_add(f, path, "must be an object {\"name\": …, \"email\": …}");
        return;
    }
    const char *pname = core_arena_printf(a, "%s.name", path);
    const char *pemail = core_arena_printf(a, "%s.email", path);
    bool has_name = false, has_email = false;
    for (size_t k = 0; k < v->u.obj.len; k++) {
        const core_member *m = &v->u.obj.items[k];
        if (key_is(m, "name")) {
            has_name = m->value.type != CORE_NULL;
            if (!has_name)
                continue;
            const char *r = text_reason(a, &m->value, 1, 100, false);
            if (r == NULL && blank(m->value.u.s.ptr, m->value.u.s.len))
                r = "must not be blank";
            if (r != NULL)
                core_fields_add(f, pname, r);
        } else if (key_is(m, "email")) {
            has_email = m->value.type != CORE_NULL;
            if (has_email &&
                (m->value.type != CORE_STR || strlen(m->value.u.s.ptr) != m->value.u.s.len ||
                 !core_check_email(m->value.u.s.ptr)))
                core_fields_add(f, pemail, "must be an e-mail address, such as name@example.eu");
        } else {
            core_fields_add(f, core_arena_printf(a, "%s.%.*s", path, (int)m->key.len, m->key.ptr),
                            "is not a known field (a contact has a name and an email)");
        }
    }
    if (!has_name)
        core_fields_add(f, pname, "is required when a contact is given");
    if (!has_email)
        core_fields_add(f, pemail, "is required when a contact is given");
}

static void check_affiliations(core_fields *f, const char *path, const core_value *v)
{
    if (v->type != CORE_ARR) {
        core_fields_add(f, path, "must be a list of cluster profile ids");
        return;
    }
    if (v->u.arr.len > CORE_PROFILE_MAX_AFFILIATIONS) {
        core_fields_add(f, path,
                        core_arena_printf(f->arena, "must list at most %d clusters",
                                          CORE_PROFILE_MAX_AFFILIATIONS));
        return;
    }
    items it = {f, path, 0};
    for (size_t i = 0; i < v->u.arr.len; i++) {
        const core_value *e = &v->u.arr.items[i];
        if (e->type != CORE_STR || e->u.s.len != CORE_ID_LEN || !core_id_valid(e->u.s.ptr)) {
            item_fail(&it, i, NULL, "must be a profile id (26 characters, as the API returns it)");
            continue;
        }
        for (size_t j = 0; j < i; j++) {
            if (core_value_equal(&v->u.arr.items[j], e)) {
                item_fail(&it, i, NULL, core_arena_printf(f->arena, "repeats affiliation %zu", j));
                break;
            }
        }
    }
    items_done(&it);
}

#define T(x) (1u << CORE_PROFILE_##x)
#define T_ALL ((1u << CORE_PROFILE_TYPE_COUNT) - 1)
#define T_CLUSTERS                                                                                 \
    (T(CLUSTER_ORGANISATION) | T(CLUSTER_PARTNERSHIP) | T(META_CLUSTER_NETWORK) |                  \
     T(NATIONAL_ASSOCIATION))

typedef struct field_rule {
    const char *name;  /* the API's field name */
    const char *label; /* what a person calls it, for check messages */
    unsigned types;    /* bit set of the core_profile_type values it belongs to */
    check_fn *check;   /* validates a non-null value */
} field_rule;

static const field_rule rules[] = {
    {"name", "Name", T_ALL, check_name},
    {"acronym", "Acronym", T_ALL, check_acronym},
    {"country", "Country", T_ALL, check_country},
    {"region", "Region", T_ALL, check_place},
    {"city", "City", T_ALL, check_place},
    {"address", "Address", T_ALL, check_address},
    {"lat", "Latitude", T_ALL, check_lat},
    {"lon", "Longitude", T_ALL, check_lon},
    {"website", "Website", T_ALL, check_website},
    {"description", "Description", T_ALL, check_description},
    {"languages", "Languages", T_ALL, check_languages},
    {"year_founded", "Year founded", T_ALL, check_year},
    {"management_fte", "Cluster management staff (FTE)", T_CLUSTERS, check_fte},
    {"members_count", "Number of members", T_CLUSTERS, check_members_count},
    {"member_composition", "Member composition", T_CLUSTERS, check_composition},
    {"members", "Members", T_CLUSTERS, check_members},
    {"ecosystems", "Industrial ecosystems", T_ALL, check_ecosystems},
    {"keywords", "Keywords", T_ALL, check_keywords},
    {"services", "Services", T_CLUSTERS, check_services},
    {"cooperation_countries", "Countries of cooperation", T_ALL, check_cooperation},
    {"excellence_label", "Excellence label", T_CLUSTERS, check_label},
    {"officially_recognised", "Officially recognised", T_CLUSTERS, check_bool},
    {"contact", "Contact person", T_ALL, check_contact},
    {"affiliations", "Cluster affiliations", T(CLUSTER_MEMBER), check_affiliations},
};

#define NRULES (sizeof(rules) / sizeof(rules[0]))

static const field_rule *rule_of(const char *name, size_t len)
{
    for (size_t i = 0; i < NRULES; i++)
        if (strlen(rules[i].name) == len && memcmp(rules[i].name, name, len) == 0)
            return &rules[i];
    return NULL;
}

/* "cluster_organisation, cluster_partnership" for a bit set of types. */
static const char *types_list(core_arena *a, unsigned types)
{
    const char *out = "";
    for (int t = 0; t < CORE_PROFILE_TYPE_COUNT; t++)
        if (types & (1u << t))
            out = core_arena_printf(a, "%s%s%s", out, *out ? ", " : "", type_names[t]);
    return out;
}

/* The member of obj called key, or NULL; unlike core_value_get it keeps nulls apart from
 * absence by returning the member. */
static const core_member *member_of(const core_value *obj, const char *key)
{
    for (size_t i = 0; i < obj->u.obj.len; i++)
        if (key_is(&obj->u.obj.items[i], key))
            return &obj->u.obj.items[i];
    return NULL;
}

void core_profile_validate(core_fields *f, core_profile_type t, const core_value *fields,
                           bool patch)
{
    core_arena *a = f->arena;
    if ((unsigned)t >= CORE_PROFILE_TYPE_COUNT) {
        core_fields_add(f, "type",
                        core_arena_printf(a, "must be one of: %s", types_list(a, T_ALL)));
        return;
    }
    if (fields == NULL || fields->type != CORE_OBJ) {
        core_fields_add(f, "body", "must be a JSON object");
        return;
    }
    for (size_t i = 0; i < fields->u.obj.len; i++) {
        const core_member *m = &fields->u.obj.items[i];
        const char *key = core_arena_strndup(a, m->key.ptr, m->key.len);
        const field_rule *r = rule_of(m->key.ptr, m->key.len);
        if (r == NULL) {
            core_fields_add(f, key,
                            key_is(m, "type") ? "cannot be changed: a profile keeps the type it "
                                                "was created with"
                                              : "is not a known field");
            continue;
        }
        if (!(r->types & (1u << t))) {
            core_fields_add(f, key,
                            core_arena_printf(a, "does not apply to %s profiles (only to %s)",
                                              type_names[t], types_list(a, r->types)));
            continue;
        }
        bool required = strcmp(r->name, "name") == 0 || strcmp(r->name, "country") == 0;
        if (m->value.type == CORE_NULL) {
            if (required)
                core_fields_add(f, key,
                                patch ? "cannot be cleared: every profile has one" : "is required");
            continue;
        }
        r->check(f, r->name, &m->value);
    }
    if (!patch) {
        if (member_of(fields, "name") == NULL)
            core_fields_add(f, "name", "is required");
        if (member_of(fields, "country") == NULL)
            core_fields_add(f, "country", "is required");
    }
    /* lat and lon travel together: both given, both cleared, or neither mentioned. */
    const core_member *lat = member_of(fields, "lat"), *lon = member_of(fields, "lon");
    bool lat_set = lat != NULL && lat->value.type != CORE_NULL;
    bool lon_set = lon != NULL && lon->value.type != CORE_NULL;
    if (lat_set && !lon_set)
        core_fields_add(f, "lon", "must be given together with lat");
    else if (lon_set && !lat_set)
        core_fields_add(f, "lat", "must be given together with lon");
    else if (patch && !lat_set && !lon_set && (lat == NULL) != (lon == NULL))
        core_fields_add(f, lat == NULL ? "lat" : "lon",
                        lat == NULL ? "must be cleared together with lon"
                                    : "must be cleared together with lat");
}

/* ---- mandatory fields ---- */

static const char *const mandatory_cluster[] = {
    "name",       "country",  "city",          "description",        "website",
    "ecosystems", "services", "members_count", "member_composition", "management_fte",
    "contact",    NULL};
static const char *const mandatory_member[] = {"name",        "country",      "city",
                                               "description", "affiliations", NULL};
static const char *const mandatory_other[] = {"name",    "country", "city", "description",
                                              "website", "contact", NULL};

static const char *const *mandatory_of(core_profile_type t)
{
    if (t == CORE_PROFILE_CLUSTER_ORGANISATION)
        return mandatory_cluster;
    if (t == CORE_PROFILE_CLUSTER_MEMBER)
        return mandatory_member;
    return mandatory_other;
}

static bool present(const core_value *v)
{
    if (v == NULL)
        return false;
    switch (v->type) {
    case CORE_NULL:
        return false;
    case CORE_STR:
        return !blank(v->u.s.ptr, v->u.s.len);
    case CORE_ARR:
        return v->u.arr.len > 0;
    case CORE_OBJ:
        return v->u.obj.len > 0;
    default:
        return true;
    }
}

void core_profile_missing(core_fields *f, core_profile_type t, const core_value *fields)
{
    if ((unsigned)t >= CORE_PROFILE_TYPE_COUNT)
        return;
    for (const char *const *m = mandatory_of(t); *m; m++)
        if (!present(core_value_get(fields, *m)))
            core_fields_add(f, *m, "is required before submitting");
}

/* ---- criteria ---- */

enum {
    CRIT_FTE,
    CRIT_WEBSITE,
    CRIT_MEMBERS,
    CRIT_MEMBER_TYPES,
    CRIT_FOCUS,
    CRIT_SERVICES,
    CRIT_COUNT
};

static const char *const crit_ids[CRIT_COUNT] = {
    "management_fte", "website", "members_count", "member_types", "thematic_focus", "services"};

static const char *plural(long long n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

/* Distinct known identifiers of vocabulary kind in the list v, as a bit set. */
static uint64_t vocab_set(const core_value *v, core_vocab_kind kind)
{
    uint64_t set = 0;
    if (v == NULL || v->type != CORE_ARR)
        return set;
    for (size_t i = 0; i < v->u.arr.len; i++) {
        const core_value *e = &v->u.arr.items[i];
        int id = e->type == CORE_STR ? core_vocab_find(kind, e->u.s.ptr, e->u.s.len) : -1;
        if (id >= 0)
            set |= UINT64_C(1) << id;
    }
    return set;
}

static int popcount64(uint64_t x)
{
    int n = 0;
    for (; x; x &= x - 1)
        n++;
    return n;
}

/* "Digital, Health": display names of the entries of a set, in the arena. */
static const char *names_of(core_arena *a, core_vocab_kind kind, uint64_t set)
{
    const char *out = "";
    for (size_t i = 0; i < core_vocab_count(kind); i++)
        if (set & (UINT64_C(1) << i))
            out = core_arena_printf(a, "%s%s%s", out, *out ? ", " : "", core_vocab_name(kind, i));
    return out;
}

/* Evaluates criterion c; when a is not NULL, also writes its message (in a) to *msg. */
static bool criterion(int c, const core_value *fields, core_arena *a, const char **msg)
{
    const core_value *v;
    bool ok = false;
    switch (c) {
    case CRIT_FTE: {
        double d;
        v = core_value_get(fields, "management_fte");
        bool given = number_of(v, &d);
        ok = given && d >= 0.5;
        if (a == NULL)
            break;
        if (!given)
            *msg = "The staff of the cluster management (in full-time equivalents) is not "
                   "given; at least 0.5 FTE is needed.";
        else if (ok)
            *msg =
                core_arena_printf(a, "The cluster management has %g FTE (at least 0.5 needed).", d);
        else
            *msg = core_arena_printf(
                a, "The cluster management has %g FTE; at least 0.5 FTE is needed.", d);
        break;
    }
    case CRIT_WEBSITE: {
        v = core_value_get(fields, "website");
        bool given = present(v);
        ok = given && url_ok(v);
        if (a == NULL)
            break;
        if (!given)
            *msg = "The cluster has no website; a website is needed.";
        else if (ok)
            *msg = core_arena_printf(a, "The cluster has a website: %s.", v->u.s.ptr);
        else
            *msg =
                core_arena_printf(a, "The website %s is not a valid http or https address.",
                                  v->type == CORE_STR ? quote(a, v->u.s.ptr, v->u.s.len) : "given");
        break;
    }
    case CRIT_MEMBERS: {
        int64_t n;
        v = core_value_get(fields, "members_count");
        bool given = int_of(v, &n);
        ok = given && n >= 15;
        if (a == NULL)
            break;
        if (!given)
            *msg = "The number of members is not given; at least 15 are needed.";
        else if (ok)
            *msg = core_arena_printf(a, "The cluster has %lld members (at least 15 needed).",
                                     (long long)n);
        else
            *msg = core_arena_printf(a, "The cluster has %lld %s; at least 15 are needed.",
                                     (long long)n, plural(n, "member", "members"));
        break;
    }
    case CRIT_MEMBER_TYPES: {
        v = core_value_get(fields, "member_composition");
        uint64_t set = 0;
        if (v != NULL && v->type == CORE_OBJ) {
            for (size_t i = 0; i < v->u.obj.len; i++) {
                const core_member *m = &v->u.obj.items[i];
                int id = core_vocab_find(CORE_VOCAB_MEMBER_TYPE, m->key.ptr, m->key.len);
                int64_t n;
                if (id >= 0 && int_of(&m->value, &n) && n > 0)
                    set |= UINT64_C(1) << id;
            }
        }
        int n = popcount64(set);
        ok = n >= 2;
        if (a == NULL)
            break;
        if (n == 0)
            *msg = "The member composition names no member type with members; members of at "
                   "least 2 types are needed (for example SMEs and research organisations).";
        else if (ok)
            *msg = core_arena_printf(a, "The members are of %d types: %s (at least 2 needed).", n,
                                     names_of(a, CORE_VOCAB_MEMBER_TYPE, set));
        else
            *msg = core_arena_printf(a,
                                     "The members are all of one type (%s); members of at least "
                                     "2 types are needed.",
                                     names_of(a, CORE_VOCAB_MEMBER_TYPE, set));
        break;
    }
    case CRIT_FOCUS: {
        uint64_t set = vocab_set(core_value_get(fields, "ecosystems"), CORE_VOCAB_ECOSYSTEM);
        ok = set != 0;
        if (a == NULL)
            break;
        if (ok)
            *msg = core_arena_printf(a, "The cluster's thematic focus: %s.",
                                     names_of(a, CORE_VOCAB_ECOSYSTEM, set));
        else
            *msg = "The cluster names no industrial ecosystem as its thematic focus; at least "
                   "one is needed.";
        break;
    }
    case CRIT_SERVICES: {
        uint64_t set = vocab_set(core_value_get(fields, "services"), CORE_VOCAB_SERVICE);
        int n = popcount64(set);
        ok = n >= 2;
        if (a == NULL)
            break;
        if (n == 0)
            *msg = "The cluster lists no services; at least 2 are needed.";
        else if (ok)
            *msg = core_arena_printf(a, "The cluster offers %d services: %s (at least 2 needed).",
                                     n, names_of(a, CORE_VOCAB_SERVICE, set));
        else
            *msg = core_arena_printf(a, "The cluster offers 1 service (%s); at least 2 are needed.",
                                     names_of(a, CORE_VOCAB_SERVICE, set));
        break;
    }
    }
    return ok;
}

static void push_item(core_arena *a, core_value *arr, const char *crit, bool ok, const char *msg)
{
    core_value item = core_value_obj();
    core_value_set(a, &item, "criterion", core_value_cstr(a, crit));
    core_value_set(a, &item, "ok", core_value_bool(ok));
    core_value_set(a, &item, "message", core_value_cstr(a, msg));
    core_value_push(a, arr, item);
}

core_value core_profile_check(core_arena *a, core_profile_type t, const core_value *fields)
{
    core_value out = core_value_arr();
    if ((unsigned)t >= CORE_PROFILE_TYPE_COUNT)
        return out;
    if (t == CORE_PROFILE_CLUSTER_ORGANISATION) {
        for (int c = 0; c < CRIT_COUNT; c++) {
            const char *msg = "";
            bool ok = criterion(c, fields, a, &msg);
            push_item(a, &out, crit_ids[c], ok, msg);
        }
    }
    for (const char *const *m = mandatory_of(t); *m; m++) {
        const field_rule *r = rule_of(*m, strlen(*m));
        bool ok = present(core_value_get(fields, *m));
        push_item(a, &out, core_arena_printf(a, "field:%s", *m), ok,
                  core_arena_printf(a,
                                    ok ? "The field \"%s\" is filled in."
                                       : "The field \"%s\" is required before submitting.",
                                    r->label));
    }
    return out;
}

bool core_profile_criteria_pass(core_profile_type t, const core_value *fields)
{
    if (t != CORE_PROFILE_CLUSTER_ORGANISATION)
        return true;
    for (int c = 0; c < CRIT_COUNT; c++)
        if (!criterion(c, fields, NULL, NULL))
            return false;
    return true;
}

/* ---- name keys and domains ---- */

/* Punctuation and symbols a name key drops. */
static bool is_punct_cp(uint32_t cp)
{
    if (cp < 0x80)
        return (cp >= '!' && cp <= '/') || (cp >= ':' && cp <= '@') || (cp >= '[' && cp <= '`') ||
               (cp >= '{' && cp <= '~') || cp < 0x20 || cp == 0x7F;
    return (cp >= 0x80 && cp <= 0x9F) || (cp >= 0xA1 && cp <= 0xBF && cp != 0xAA && cp != 0xBA) ||
           cp == 0xD7 || cp == 0xF7 || (cp >= 0x2B9 && cp <= 0x2BC) || cp == 0x37E || cp == 0x387 ||
           (cp >= 0x55A && cp <= 0x55F) || cp == 0x589 || cp == 0x58A ||
           (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x2010 && cp <= 0x2027) ||
           (cp >= 0x2030 && cp <= 0x205E) || (cp >= 0x2060 && cp <= 0x206F) ||
           (cp >= 0x2E00 && cp <= 0x2E7F) || (cp >= 0x3001 && cp <= 0x3003) ||
           (cp >= 0x3008 && cp <= 0x3011) || cp == 0xFEFF || (cp >= 0xFF01 && cp <= 0xFF0F) ||
           (cp >= 0xFF1A && cp <= 0xFF20);
}

char *core_profile_name_key(core_arena *a, const char *name)
{
    if (name == NULL)
        return NULL;
    const char *folded = core_fold_diacritics(a, name, strlen(name));
    size_t len = strlen(folded);
    char *out = core_arena_alloc(a, len * 3 + 1), *o = out;
    bool space = false;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += core_utf8_next(folded + i, len - i, &cp);
        if (is_space_cp(cp)) {
            space = o != out;
        } else if (!is_punct_cp(cp)) {
            if (space)
                *o++ = ' ';
            space = false;
            o += core_utf8_put(cp, o);
        }
    }
    *o = '\0';
    return out;
}

char *core_url_domain(core_arena *a, const char *url)
{
    core_slice host;
    if (url == NULL || url_reason(url, strlen(url), &host) != NULL)
        return NULL;
    char *d = core_fold_case(a, host.ptr, host.len);
    if (strncmp(d, "www.", 4) == 0 && strchr(d + 4, '.') != NULL)
        d += 4;
    return d;
}
