/*
 * search.c: the frontend's search box (API.md, Search): /v1/search, /v1/suggest, /v1/map.
 *
 * Each event-loop thread keeps its own index reader and reopens it only when the feed has
 * made newer changes visible, so a search costs no store read and no lock. Parameters are
 * checked here and turned into an index_query; every hostile input ends as results or a
 * 400, never a 500.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/event.h"
#include "core/partner.h"
#include "core/profile_rules.h"
#include "core/vocab.h"
#include "index/records.h"
#include "net/search.h"

#include "core/news.h"

_Static_assert((int)INDEX_RANKING_COUNT == (int)NET_METRICS_RANKINGS,
               "metrics count every index_ranking");

/* The profile a news hit belongs to (one store read per news hit), or null. */
static core_value news_profile(core_store *s, const char *id, core_arena *a)
{
    core_value rec;
    const char *pid;
    if (core_news_get(s, id, a, &rec) != 0 ||
        (pid = core_value_get_str(&rec, "profile_id")) == NULL)
        return core_value_null();
    return core_value_cstr(a, pid);
}

/* The thread's reader, refreshed to what the feed has made visible; NULL after answering. */
static index_reader *reader(net_req *r)
{
    net_thread *t = r->thread;
    char path[4096];
    unsigned gen = atomic_load(&r->server->index_generation);
    if (t->reader != NULL && t->reader_generation != gen) { /* a rebuilt index was swapped in */
        index_reader_close(t->reader);
        t->reader = NULL;
    }
    if (t->reader == NULL) {
        t->reader_generation = gen;
        t->reader_visible = 0;
        snprintf(path, sizeof(path), "%s/index", r->server->opt.data_dir);
        if (index_reader_open(path, &t->reader) != 0) {
            net_fail(r, CORE_EUNAVAILABLE, "the search index is not available", NULL);
            return NULL;
        }
        index_reader_use_completions(t->reader, r->server->completions);
    }
    /* Once refreshed after the feed made seq visible, the reader reflects seq, even when
     * the index's own sequence number is older (a batch that changed no document is not
     * committed to it; index/records.h): no need to look again until visible moves. */
    uint64_t visible = core_feed_visible(r->server->feed);
    if (visible != t->reader_visible) {
        /* Noted also when the reader already had it: reading the index's sequence number
         * on every request was 3% of a suggestion's time. */
        if (index_reader_last_seq(t->reader) < visible && index_reader_refresh(t->reader) < 0) {
            net_fail(r, CORE_EUNAVAILABLE, "the search index could not be reopened", NULL);
            return NULL;
        }
        t->reader_visible = visible;
    }
    return t->reader;
}

index_reader *net_search_reader(net_req *r)
{
    return reader(r);
}

static void fail_index(net_req *r, int rc)
{
    int code = index_core_error(rc);
    net_fail(r, code,
             code == CORE_EBADREQ ? index_last_error()
                                  : "the search index could not answer; try again",
             NULL);
}

/* A comma-separated parameter as slices in the arena; false after answering 400. */
static bool list_param(net_req *r, const char *name, const index_str **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    const char *v = net_req_query(r, name);
    if (v == NULL)
        return true;
    size_t cap = 1;
    for (const char *p = v; *p; p++)
        cap += *p == ',';
    if (cap > 64) {
        net_fail(r, CORE_EBADREQ, core_arena_printf(&r->arena, "%s lists too many values", name),
                 NULL);
        return false;
    }
    index_str *items = core_arena_alloc(&r->arena, cap * sizeof(*items));
    for (const char *p = v; *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > 0)
            items[(*n)++] = (index_str){p, len};
        p += len + (end != NULL);
    }
    *out = items;
    return true;
}

static bool bits_param(net_req *r, const char *name, int (*parse)(index_str), uint32_t *bits)
{
    const index_str *items;
    size_t n;
    *bits = 0;
    if (!list_param(r, name, &items, &n))
        return false;
    for (size_t i = 0; i < n; i++) {
        int b = parse(items[i]);
        if (b < 0) {
            net_fail(r, CORE_EBADREQ,
                     core_arena_printf(&r->arena, "%s: unknown value \"%.*s\"", name,
                                       (int)items[i].len, items[i].ptr),
                     NULL);
            return false;
        }
        *bits |= 1u << b;
    }
    return true;
}

/* Every value of a country-code filter is an ISO 3166-1 alpha-2 code and every ecosystem
 * one of the ecosystems vocabulary: an unknown value is a 400 naming what is allowed,
 * rather than a silent empty result. False after answering 400. */
static bool known_countries(net_req *r, const char *name, const index_str *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (core_country_find(v[i].ptr, v[i].len) < 0) {
            net_fail(r, CORE_EBADREQ,
                     core_arena_printf(&r->arena,
                                       "%s: unknown value \"%.*s\"; allowed: ISO 3166-1 "
                                       "alpha-2 country codes such as FR, DE, PL",
                                       name, (int)v[i].len, v[i].ptr),
                     NULL);
            return false;
        }
    return true;
}

static bool known_ecosystems(net_req *r, const index_str *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (core_vocab_find(CORE_VOCAB_ECOSYSTEM, v[i].ptr, v[i].len) < 0) {
            size_t cap = 64;
            for (size_t k = 0; k < core_vocab_count(CORE_VOCAB_ECOSYSTEM); k++)
                cap += strlen(core_vocab_id(CORE_VOCAB_ECOSYSTEM, k)) + 2;
            char *allowed = core_arena_alloc(&r->arena, cap);
            size_t len = 0;
            allowed[0] = 0;
            for (size_t k = 0; k < core_vocab_count(CORE_VOCAB_ECOSYSTEM); k++)
                len += (size_t)snprintf(allowed + len, cap - len, "%s%s", k ? ", " : "",
                                        core_vocab_id(CORE_VOCAB_ECOSYSTEM, k));
            net_fail(r, CORE_EBADREQ,
                     core_arena_printf(&r->arena, "ecosystem: unknown value \"%.*s\"; allowed: %s",
                                       (int)v[i].len, v[i].ptr, allowed),
                     NULL);
            return false;
        }
    return true;
}

/* The values of the `type` filter: profile types, event kinds, partner search kinds and
 * ClusterXchange roles (index/records.c), plus any type the index holds (kinds added
 * later). An unknown one is a 400 listing them. False after answering 400. */
static const char *const xchange_roles[] = {"host", "visitor", "host_and_visitor", NULL};

static bool type_known(index_reader *ix, index_str v)
{
    char buf[72];
    if (v.len >= sizeof buf)
        return false;
    memcpy(buf, v.ptr, v.len);
    buf[v.len] = 0;
    if (core_profile_type_parse(buf) >= 0)
        return true;
    const char *const *lists[] = {core_event_kinds(), core_partner_kinds(), xchange_roles};
    for (size_t l = 0; l < sizeof lists / sizeof *lists; l++)
        for (const char *const *k = lists[l]; *k; k++)
            if (strcmp(*k, buf) == 0)
                return true;
    return ix != NULL && index_has_type(ix, v) > 0;
}

static bool known_types(net_req *r, index_reader *ix, const index_str *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (type_known(ix, v[i]))
            continue;
        char allowed[1024];
        size_t len = 0;
        allowed[0] = 0;
        for (int t = 0; t < CORE_PROFILE_TYPE_COUNT; t++)
            len += (size_t)snprintf(allowed + len, sizeof allowed - len, "%s%s", t ? ", " : "",
                                    core_profile_type_name((core_profile_type)t));
        const char *const *lists[] = {core_event_kinds(), core_partner_kinds(), xchange_roles};
        for (size_t l = 0; l < sizeof lists / sizeof *lists; l++)
            for (const char *const *k = lists[l]; *k && len < sizeof allowed; k++) {
                bool dup = false; /* "other" is both an event and a partner search kind */
                for (size_t m = 0; m < l && !dup; m++)
                    for (const char *const *j = lists[m]; *j && !dup; j++)
                        dup = strcmp(*j, *k) == 0;
                if (!dup)
                    len += (size_t)snprintf(allowed + len, sizeof allowed - len, ", %s", *k);
            }
        net_fail(r, CORE_EBADREQ,
                 core_arena_printf(&r->arena, "type: unknown value \"%.*s\"; allowed: %s",
                                   (int)v[i].len, v[i].ptr, allowed),
                 NULL);
        return false;
    }
    return true;
}

/* Reads the filters shared by search and map; false after answering 400. */
static bool filter_params(net_req *r, index_filter *f)
{
    memset(f, 0, sizeof(*f));
    f->eligible = -1;
    if (!bits_param(r, "kind", index_kind_parse, &f->kinds) ||
        !bits_param(r, "label", index_label_parse, &f->labels) ||
        !list_param(r, "type", &f->types, &f->types_len) ||
        !list_param(r, "country", &f->countries, &f->countries_len) ||
        !list_param(r, "ecosystem", &f->ecosystems, &f->ecosystems_len) ||
        !list_param(r, "countries_sought", &f->sought, &f->sought_len) ||
        !list_param(r, "state", &f->states, &f->states_len) ||
        !known_countries(r, "country", f->countries, f->countries_len) ||
        !known_countries(r, "countries_sought", f->sought, f->sought_len) ||
        !known_ecosystems(r, f->ecosystems, f->ecosystems_len))
        return false;
    for (size_t i = 0; i < f->states_len; i++)
        if (!(f->states[i].len == 4 && memcmp(f->states[i].ptr, "open", 4) == 0) &&
            !(f->states[i].len == 6 && memcmp(f->states[i].ptr, "closed", 6) == 0)) {
            net_fail(r, CORE_EBADREQ, "state is open or closed (partner searches)", NULL);
            return false;
        }
    const char *el = net_req_query(r, "eligible");
    if (el != NULL) {
        if (strcmp(el, "true") != 0 && strcmp(el, "false") != 0) {
            net_fail(r, CORE_EBADREQ, "eligible is true or false", NULL);
            return false;
        }
        f->eligible = strcmp(el, "true") == 0;
    }
    return true;
}

/* A query parameter that must be valid text: NULL when absent; false after a 400. */
static bool text_param(net_req *r, const char *name, const char **out)
{
    *out = net_req_query(r, name);
    h2o_req_t *q = r->req;
    if (*out == NULL && q->query_at != SIZE_MAX) {
        /* present but undecodable (invalid UTF-8 or NUL) is a 400, absent is fine */
        char probe[64];
        snprintf(probe, sizeof(probe), "%s=", name);
        const char *qs = q->path.base + q->query_at;
        size_t qlen = q->path.len - q->query_at;
        for (size_t i = 0; i + strlen(probe) <= qlen; i++)
            if ((i == 1 || (i > 1 && qs[i - 1] == '&')) &&
                memcmp(qs + i, probe, strlen(probe)) == 0) {
                net_fail(r, CORE_EBADREQ,
                         core_arena_printf(&r->arena, "%s is not valid UTF-8 text", name), NULL);
                return false;
            }
    }
    return true;
}

/* type_weight=cluster_organisation:2,cluster_member:0 (index_query.type_weights): how
 * much each type is preferred among equally good hits; absent gives the defaults
 * (INDEX_TYPE_WEIGHTS_DEFAULT), an empty value weighs every type alike. False after a 400. */
static bool type_weight_param(net_req *r, index_reader *ix, index_query *q)
{
    const index_str *items;
    size_t n;
    if (net_req_query(r, "type_weight") == NULL)
        return true;
    if (!list_param(r, "type_weight", &items, &n))
        return false;
    index_type_weight *tw = core_arena_alloc(&r->arena, (n ? n : 1) * sizeof(*tw));
    for (size_t i = 0; i < n; i++) {
        const char *colon = memchr(items[i].ptr, ':', items[i].len);
        size_t tlen = colon ? (size_t)(colon - items[i].ptr) : 0;
        size_t wlen = colon ? items[i].len - tlen - 1 : 0;
        if (colon == NULL || tlen == 0 || wlen != 1 || colon[1] < '0' || colon[1] > '9') {
            net_fail(r, CORE_EBADREQ,
                     core_arena_printf(&r->arena,
                                       "type_weight: \"%.*s\" is not type:weight with a weight "
                                       "from 0 to 9 (for example cluster_organisation:2,"
                                       "cluster_member:0)",
                                       (int)items[i].len, items[i].ptr),
                     NULL);
            return false;
        }
        tw[i].type = (index_str){items[i].ptr, tlen};
        tw[i].weight = (uint32_t)(colon[1] - '0');
        if (!known_types(r, ix, &tw[i].type, 1))
            return false;
    }
    q->type_weights = tw;
    q->type_weights_len = n;
    q->type_weights_given = true;
    return true;
}

void net_search(net_req *r)
{
    index_query q = index_query_default();
    const char *text, *sort = net_req_query(r, "sort");
    size_t page, per_page;
    if (!text_param(r, "q", &text) || !filter_params(r, &q.filter) ||
        !net_req_page(r, &page, &per_page))
        return;
    q.q = index_cstr(text);
    q.filter = q.filter;
    /* The ClusterXchange catalogue is for signed-in users (API.md): anonymous searches
     * leave kind xchange out. */
    const net_principal *who = net_req_auth(r);
    if (who == NULL)
        return;
    if (!who->signed_in) {
        const uint32_t all = (1u << INDEX_KIND_COUNT) - 1, x = 1u << INDEX_KIND_XCHANGE;
        if (q.filter.kinds == x) {
            net_fail(r, CORE_EUNAUTH, "sign in to search the ClusterXchange catalogue", NULL);
            return;
        }
        q.filter.kinds = (q.filter.kinds ? q.filter.kinds : all) & ~x;
    }
    q.page = (uint32_t)page;
    q.per_page = (uint32_t)per_page;
    if (sort == NULL && q.filter.kinds == (1u << INDEX_KIND_PARTNER_SEARCH))
        q.sort = INDEX_SORT_OPEN_FIRST; /* partner searches: open ones first, by relevance */
    else if (sort == NULL || strcmp(sort, "relevance") == 0)
        q.sort = INDEX_SORT_RELEVANCE;
    else if (strcmp(sort, "name") == 0)
        q.sort = INDEX_SORT_NAME;
    else if (strcmp(sort, "-updated_at") == 0)
        q.sort = INDEX_SORT_UPDATED_DESC;
    else {
        net_fail(r, CORE_EBADREQ, "sort is relevance, name or -updated_at", NULL);
        return;
    }
    const index_str *facets;
    size_t nf;
    if (!list_param(r, "facets", &facets, &nf))
        return;
    q.facets = 0;
    for (size_t i = 0; i < nf; i++) {
        int f = index_facet_parse(facets[i]);
        if (f < 0) {
            net_fail(r, CORE_EBADREQ,
                     "facets lists some of: kind, type, country, ecosystem, label, eligible, "
                     "countries_sought, state",
                     NULL);
            return;
        }
        q.facets |= 1u << f;
    }
    const char *partial = net_req_query(r, "partial");
    if (partial != NULL && strcmp(partial, "true") != 0 && strcmp(partial, "false") != 0) {
        net_fail(r, CORE_EBADREQ, "partial is true or false", NULL);
        return;
    }
    q.partial = partial == NULL || strcmp(partial, "true") == 0;
    index_reader *ix = reader(r);
    if (ix == NULL || !known_types(r, ix, q.filter.types, q.filter.types_len) ||
        !type_weight_param(r, ix, &q))
        return;
    index_result *res;
    int rc = index_search(ix, &q, &res);
    if (rc != 0) {
        fail_index(r, rc);
        return;
    }
    net_metrics_search_ranking(&r->thread->metrics, res->ranking);
    core_arena *a = &r->arena;
    core_value hits = core_value_arr();
    for (size_t i = 0; i < res->hits_len; i++) {
        const index_hit *h = &res->hits[i];
        core_value v = core_value_obj();
        core_value_set(a, &v, "id", core_value_cstr(a, h->id));
        core_value_set(a, &v, "kind", core_value_cstr(a, h->kind));
        core_value_set(a, &v, "type", core_value_cstr(a, h->type));
        core_value_set(a, &v, "name", core_value_cstr(a, h->name));
        core_value_set(a, &v, "country", core_value_cstr(a, h->country));
        core_value_set(a, &v, "city", core_value_cstr(a, h->city));
        core_value_set(a, &v, "snippet", core_value_cstr(a, h->snippet));
        core_value_set(a, &v, "score", core_value_double(round(h->score * 1000) / 1000));
        if (strcmp(h->kind, CORE_NEWS_KIND) == 0) /* news links to its profile */
            core_value_set(a, &v, "profile_id", news_profile(r->server->store, h->id, a));
        core_value_push(a, &hits, v);
    }
    core_value facet_obj = core_value_obj();
    for (int f = 0; f < INDEX_FACET_COUNT; f++) {
        const index_facet *fc = &res->facets[f];
        if (fc->name == NULL)
            continue;
        core_value vals = core_value_arr();
        for (size_t i = 0; i < fc->len; i++) {
            core_value e = core_value_obj();
            core_value_set(a, &e, "value", core_value_cstr(a, fc->values[i].value));
            core_value_set(a, &e, "count", core_value_int(fc->values[i].count));
            core_value_push(a, &vals, e);
        }
        core_value_set(a, &facet_obj, core_arena_strndup(a, fc->name, strlen(fc->name)), vals);
    }
    core_value out = core_value_obj();
    core_value_set(a, &out, "total", core_value_int((int64_t)res->total));
    core_value_set(a, &out, "hits", hits);
    core_value_set(a, &out, "facets", facet_obj);
    core_value_set(a, &out, "suggestion",
                   res->suggestion ? core_value_cstr(a, res->suggestion) : core_value_null());
    core_value_set(a, &out, "corrected", core_value_bool(res->corrected));
    core_value_set(a, &out, "partial", core_value_bool(res->partial));
    core_value_set(a, &out, "matched_words", core_value_int(res->matched_words));
    core_value_set(a, &out, "query_words", core_value_int(res->words_len));
    core_value_set(a, &out, "took_ms", core_value_double(round(res->took_ms * 1000) / 1000));
    index_result_free(res);
    net_reply(r, 200, &out);
}

void net_suggest(net_req *r)
{
    const char *text, *limit_s = net_req_query(r, "limit");
    if (!text_param(r, "q", &text))
        return;
    long limit = 8;
    if (limit_s != NULL) {
        char *end;
        limit = strtol(limit_s, &end, 10);
        if (*limit_s == '\0' || *end != '\0' || limit < 1 || limit > 50) {
            net_fail(r, CORE_EBADREQ, "limit is a whole number from 1 to 50", NULL);
            return;
        }
    }
    core_value out = core_value_arr();
    if (text == NULL || *text == '\0') {
        net_reply(r, 200, &out);
        return;
    }
    index_reader *ix = reader(r);
    if (ix == NULL)
        return;
    index_suggestions *s;
    int rc = index_suggest(ix, index_cstr(text), (uint32_t)limit, &s);
    if (rc != 0) {
        fail_index(r, rc);
        return;
    }
    net_metrics_suggestion(&r->thread->metrics, s->from_memory);
    core_arena *a = &r->arena;
    for (size_t i = 0; i < s->len; i++) {
        core_value e = core_value_obj();
        core_value_set(a, &e, "text", core_value_cstr(a, s->items[i].text));
        core_value_set(a, &e, "kind",
                       s->items[i].kind ? core_value_cstr(a, s->items[i].kind) : core_value_null());
        core_value_set(a, &e, "id",
                       s->items[i].id ? core_value_cstr(a, s->items[i].id) : core_value_null());
        core_value_push(a, &out, e);
    }
    index_suggestions_free(s);
    net_reply(r, 200, &out);
}

void net_map(net_req *r)
{
    const char *bbox = net_req_query(r, "bbox"), *zoom_s = net_req_query(r, "zoom");
    index_bbox b;
    char tail;
    if (bbox == NULL ||
        sscanf(bbox, "%lf,%lf,%lf,%lf%c", &b.min_lon, &b.min_lat, &b.max_lon, &b.max_lat, &tail) !=
            4 ||
        !(b.min_lat >= -90 && b.max_lat <= 90 && b.min_lat <= b.max_lat && b.min_lon >= -180 &&
          b.max_lon <= 180)) {
        net_fail(r, CORE_EBADREQ,
                 "bbox is minLon,minLat,maxLon,maxLat in degrees (for example 2.2,48.8,2.5,48.9)",
                 NULL);
        return;
    }
    long zoom = 6;
    if (zoom_s != NULL) {
        char *end;
        zoom = strtol(zoom_s, &end, 10);
        if (*zoom_s == '\0' || *end != '\0' || zoom < 0 || zoom > 20) {
            net_fail(r, CORE_EBADREQ, "zoom is a whole number from 0 to 20", NULL);
            return;
        }
    }
    index_filter f;
    if (!filter_params(r, &f))
        return;
    index_reader *ix = reader(r);
    if (ix == NULL || !known_types(r, ix, f.types, f.types_len))
        return;
    index_map_result *m;
    int rc = index_map(ix, &b, (uint32_t)zoom, &f, &m);
    if (rc != 0) {
        fail_index(r, rc);
        return;
    }
    core_arena *a = &r->arena;
    core_value out = core_value_arr();
    for (size_t i = 0; i < m->len; i++) {
        const index_map_cell *c = &m->cells[i];
        core_value e = core_value_obj();
        core_value_set(a, &e, "lat", core_value_double(c->lat));
        core_value_set(a, &e, "lon", core_value_double(c->lon));
        core_value_set(a, &e, "count", core_value_int(c->count));
        core_value ids = core_value_arr();
        for (size_t k = 0; k < c->ids_len; k++)
            core_value_push(a, &ids, core_value_cstr(a, c->ids[k]));
        core_value_set(a, &e, "ids", ids);
        core_value_push(a, &out, e);
    }
    index_map_result_free(m);
    net_reply(r, 200, &out);
}
