/* records.c: see records.h. */
#include "index/records.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "core/fault.h"
#include "core/hash.h"
#include "core/partner.h"
#include "core/event.h"
#include "core/news.h"
#include "core/profile.h"
#include "core/record.h"
#include "core/vocab.h"
#include "core/xchange.h"

struct index_records {
    index_writer *w;
    uint64_t written_seq; /* The sequence number last committed with the index. */
    time_t written_at;    /* When. */
};

/* A batch of changes that touched no document (users, ClusterXchange registrations) is not
 * committed to Xapian: a commit makes a new revision, and every reader then drops its
 * per-revision caches (match sets, top documents, summaries), so a stream of sign-ups
 * would keep search on its slow paths. Its sequence number still reaches the index every
 * SEQ_EVERY_CHANGES changes or SEQ_EVERY_SECONDS, so that a restart's catch-up, which
 * replays the change log from the index's sequence number, stays short. */
enum { SEQ_EVERY_CHANGES = 100000, SEQ_EVERY_SECONDS = 60 };

index_records *index_records_new(index_writer *w)
{
    index_records *x = calloc(1, sizeof(*x));
    if (x == NULL)
        core_oom();
    x->w = w;
    return x;
}

void index_records_free(index_records *x)
{
    free(x);
}

int index_core_error(int rc)
{
    switch (rc) {
    case INDEX_OK:
        return 0;
    case INDEX_EINVAL:
        return CORE_EBADREQ;
    case INDEX_ENOMEM:
        return CORE_ENOMEM;
    case INDEX_EMODIFIED:
    case INDEX_ELOCKED:
        return CORE_EUNAVAILABLE;
    case INDEX_EIO:
        return CORE_EIO;
    default:
        return CORE_EINTERNAL;
    }
}

static index_str S(const char *s)
{
    return index_cstr(s);
}

static index_str field(const core_value *obj, const char *key)
{
    return S(core_value_get_str(obj, key));
}

/* The strings of an array member, as index_str in the arena. */
static const index_str *strings(core_arena *a, const core_value *obj, const char *key, size_t *n)
{
    const core_value *arr = core_value_get(obj, key);
    *n = 0;
    if (arr == NULL || arr->type != CORE_ARR || arr->u.arr.len == 0)
        return NULL;
    index_str *out = core_arena_alloc(a, arr->u.arr.len * sizeof(*out));
    for (size_t i = 0; i < arr->u.arr.len; i++)
        if (arr->u.arr.items[i].type == CORE_STR)
            out[(*n)++] = (index_str){arr->u.arr.items[i].u.s.ptr, arr->u.arr.items[i].u.s.len};
    return out;
}

static double number(const core_value *v)
{
    return v == NULL                ? 0
           : v->type == CORE_INT    ? (double)v->u.i
           : v->type == CORE_DOUBLE ? v->u.d
                                    : 0;
}

/* The ecosystems' display names, indexed as text. */
static void ecosystem_names(core_arena *a, index_doc *doc)
{
    if (doc->ecosystems_len == 0)
        return;
    index_str *names = core_arena_alloc(a, doc->ecosystems_len * sizeof(*names));
    size_t n = 0;
    for (size_t i = 0; i < doc->ecosystems_len; i++) {
        int k =
            core_vocab_find(CORE_VOCAB_ECOSYSTEM, doc->ecosystems[i].ptr, doc->ecosystems[i].len);
        if (k >= 0)
            names[n++] = S(core_vocab_name(CORE_VOCAB_ECOSYSTEM, (size_t)k));
    }
    doc->ecosystem_names = names;
    doc->ecosystem_names_len = n;
}

/* The text language of a document about organisation p (its published version): the first
 * language it names, or none. */
static index_str first_language(const core_value *p)
{
    const core_value *langs = core_value_get(p, "languages");
    if (langs != NULL && langs->type == CORE_ARR && langs->u.arr.len > 0 &&
        langs->u.arr.items[0].type == CORE_STR)
        return S(langs->u.arr.items[0].u.s.ptr);
    return (index_str){NULL, 0};
}

/* Whether an organisation of country (a two-letter code) is eligible for ClusterXchange. */
static bool eligible(index_str country)
{
    return country.len == 2 && core_country_eligible(country.ptr, 2) == 1;
}

bool index_profile_doc(const core_value *rec, core_arena *a, index_doc *doc)
{
    const core_value *p = core_value_get(rec, "published");
    if (p == NULL || p->type != CORE_OBJ)
        return false;
    memset(doc, 0, sizeof(*doc));
    doc->id = field(rec, "id");
    doc->kind = INDEX_KIND_PROFILE;
    doc->type = field(rec, "type");
    doc->name = field(p, "name");
    doc->acronym = field(p, "acronym");
    doc->keywords = strings(a, p, "keywords", &doc->keywords_len);
    doc->description = field(p, "description");
    doc->city = field(p, "city");
    doc->region = field(p, "region");
    doc->address = field(p, "address");
    doc->ecosystems = strings(a, p, "ecosystems", &doc->ecosystems_len);
    ecosystem_names(a, doc);
    doc->country = field(p, "country");
    int label = index_label_parse(field(p, "excellence_label"));
    doc->label = label >= 0 ? (index_label)label : INDEX_LABEL_NONE;
    doc->eligible = eligible(doc->country);
    doc->updated_at = core_record_int(rec, "published_at", 0);
    doc->language = first_language(p);
    const core_value *lat = core_value_get(p, "lat"), *lon = core_value_get(p, "lon");
    if (lat != NULL && lon != NULL && lat->type != CORE_NULL && lon->type != CORE_NULL) {
        doc->has_geo = true;
        doc->lat = number(lat);
        doc->lon = number(lon);
    }
    return true;
}

bool index_partner_doc(const core_value *rec, const core_value *profile, int64_t now, core_arena *a,
                       index_doc *doc)
{
    const core_value *p = core_value_get(profile, "published");
    if (rec == NULL || p == NULL || p->type != CORE_OBJ)
        return false;
    memset(doc, 0, sizeof(*doc));
    doc->id = field(rec, "id");
    doc->kind = INDEX_KIND_PARTNER_SEARCH;
    doc->type = field(rec, "kind");
    doc->name = field(rec, "title");
    doc->description = field(rec, "description");
    doc->keywords = NULL;
    doc->ecosystems = strings(a, rec, "ecosystems", &doc->ecosystems_len);
    ecosystem_names(a, doc);
    doc->country = field(p, "country");
    doc->city = field(p, "city");
    doc->eligible = eligible(doc->country);
    doc->sought = strings(a, rec, "countries_sought", &doc->sought_len);
    doc->state = S(core_partner_effective_state(rec, now));
    doc->updated_at = core_record_int(rec, "updated_at", 0);
    doc->language = first_language(p);
    return true;
}

/* Puts a partner search when its author profile is public, removes it otherwise. */
static int sync_partner(index_records *x, core_store *s, const char *id, const core_value *rec,
                        core_arena *a)
{
    index_doc doc;
    core_value prof;
    const char *pid = rec != NULL ? core_value_get_str(rec, "profile_id") : NULL;
    bool have = pid != NULL && core_profile_get(s, pid, a, &prof) == 0 &&
                core_profile_is_public(s, &prof, a);
    int rc;
    if (have && index_partner_doc(rec, &prof, core_partner_now(), a, &doc))
        rc = index_put(x->w, &doc);
    else
        rc = index_delete(x->w, S(id));
    if (rc == INDEX_EINVAL) {
        fprintf(stderr, "eccpd: partner search %s could not be indexed: %s\n", id,
                index_last_error());
        return 0;
    }
    return index_core_error(rc);
}

/* Syncs a record again: sync_partner, sync_event, sync_xchange or sync_profile. */
typedef int sync_fn(index_records *x, core_store *s, const char *id, const core_value *rec,
                    core_arena *a);

typedef struct resync {
    index_records *x;
    core_store *s;
    core_arena *a;
    sync_fn *sync;
} resync;

static int resync_one(void *arg, const char *id, int got, const core_value *rec)
{
    resync *r = arg;
    return r->sync(r->x, r->s, id, got == 0 ? rec : NULL, r->a);
}

/* Syncs again every record linked from key prefix (core_record_each_linked), read by get
 * (a record that cannot be read is synced as gone). */
static int resync_linked(index_records *x, core_store *s, const char *prefix,
                         core_record_get_fn *get, sync_fn *sync, core_arena *a)
{
    resync r = {x, s, a, sync};
    return core_record_each_linked(s, prefix, get, a, resync_one, &r);
}

/* A profile changed: its partner searches show its name and country and live only while
 * it is public. */
static int sync_partners_of(index_records *x, core_store *s, const char *pid, core_arena *a)
{
    return resync_linked(x, s, core_arena_printf(a, "psprofile/%s/", pid), core_partner_get,
                         sync_partner, a);
}

bool index_event_doc(core_store *s, const core_value *rec, const core_value *prof, core_arena *a,
                     index_doc *doc)
{
    if (rec == NULL || prof == NULL || !core_event_on_agenda(s, rec, prof, a, NULL))
        return false;
    const core_value *p = core_value_get(prof, "published");
    memset(doc, 0, sizeof(*doc));
    doc->id = field(rec, "id");
    doc->kind = INDEX_KIND_EVENT;
    doc->type = field(rec, "kind");
    doc->name = field(rec, "title");
    doc->description = field(rec, "description");
    doc->city = field(rec, "location");
    doc->ecosystems = strings(a, rec, "ecosystems", &doc->ecosystems_len);
    ecosystem_names(a, doc);
    /* the organiser's country, its name as a keyword (an event is found by who runs it) */
    doc->country = field(p, "country");
    doc->eligible = eligible(doc->country);
    doc->label = INDEX_LABEL_NONE;
    index_str *kw = core_arena_alloc(a, sizeof(*kw));
    kw[0] = field(p, "name");
    doc->keywords = kw;
    doc->keywords_len = kw[0].ptr != NULL;
    doc->updated_at = core_record_int(rec, "updated_at", 0);
    doc->language = first_language(p);
    return true;
}

/* Adds tag "<prefix>:<value>" to tags (capacity checked by the caller). */
static void add_tag(core_arena *a, index_str *tags, size_t *n, const char *prefix, const char *v,
                    size_t vlen)
{
    char *t = core_arena_printf(a, "%s:%.*s", prefix, (int)vlen, v);
    tags[(*n)++] = S(t);
}

bool index_xchange_doc(const core_value *reg, const core_value *prof, bool prof_public,
                       core_arena *a, index_doc *doc)
{
    const char *state = core_value_get_str(reg, "state");
    const core_value *p = prof ? core_value_get(prof, "published") : NULL;
    if (state == NULL || strcmp(state, "accepted") != 0 || !prof_public || p == NULL ||
        p->type != CORE_OBJ)
        return false;
    memset(doc, 0, sizeof(*doc));
    doc->id = field(reg, "id");
    doc->kind = INDEX_KIND_XCHANGE;
    doc->country = field(p, "country");
    if (doc->country.len != 2 || core_country_eligible(doc->country.ptr, 2) != 1)
        return false; /* only eligible organisations take part (as in the matcher) */
    doc->eligible = true;
    bool host = false, visitor = false;
    const core_value *roles = core_value_get(reg, "roles");
    for (size_t i = 0; roles && roles->type == CORE_ARR && i < roles->u.arr.len; i++) {
        host |= strcmp(roles->u.arr.items[i].u.s.ptr, "host") == 0;
        visitor |= strcmp(roles->u.arr.items[i].u.s.ptr, "visitor") == 0;
    }
    doc->type = S(host && visitor ? "host_and_visitor" : host ? "host" : "visitor");
    doc->name = field(p, "name");
    doc->acronym = field(p, "acronym");
    doc->city = field(p, "city");
    doc->region = field(p, "region");
    const char *offer = core_value_get_str(reg, "offer"),
               *demand = core_value_get_str(reg, "demand");
    doc->description = S(core_arena_printf(a, "%s%s%s", offer ? offer : "",
                                           offer && demand ? "\n\n" : "", demand ? demand : ""));
    doc->ecosystems = strings(a, reg, "ecosystems", &doc->ecosystems_len);
    size_t n_obj, n_lang;
    const index_str *objectives = strings(a, reg, "objectives", &n_obj);
    const index_str *languages = strings(a, reg, "languages", &n_lang);
    /* the ecosystems' and objectives' display names are searched as text */
    index_str *names = core_arena_alloc(a, (doc->ecosystems_len + n_obj + 1) * sizeof(*names));
    size_t nn = 0;
    for (size_t i = 0; i < doc->ecosystems_len; i++) {
        int k =
            core_vocab_find(CORE_VOCAB_ECOSYSTEM, doc->ecosystems[i].ptr, doc->ecosystems[i].len);
        if (k >= 0)
            names[nn++] = S(core_vocab_name(CORE_VOCAB_ECOSYSTEM, (size_t)k));
    }
    for (size_t i = 0; i < n_obj; i++) {
        int k = core_vocab_find(CORE_VOCAB_OBJECTIVE, objectives[i].ptr, objectives[i].len);
        if (k >= 0)
            names[nn++] = S(core_vocab_name(CORE_VOCAB_OBJECTIVE, (size_t)k));
    }
    doc->ecosystem_names = names;
    doc->ecosystem_names_len = nn;
    /* filter-only tags: roles, objectives, languages and the months of availability; target
     * countries, stay lengths and capacities are private and never indexed */
    enum { MAX_MONTHS = 24 };
    const core_value *av = core_value_get(reg, "availability");
    size_t nw = av && av->type == CORE_ARR ? av->u.arr.len : 0;
    index_str *tags = core_arena_alloc(a, (2 + n_obj + n_lang + nw * MAX_MONTHS) * sizeof(*tags));
    size_t nt = 0;
    if (host)
        tags[nt++] = S("role:host");
    if (visitor)
        tags[nt++] = S("role:visitor");
    for (size_t i = 0; i < n_obj; i++)
        add_tag(a, tags, &nt, "objective", objectives[i].ptr, objectives[i].len);
    for (size_t i = 0; i < n_lang; i++)
        add_tag(a, tags, &nt, "language", languages[i].ptr, languages[i].len);
    for (size_t i = 0; i < nw; i++) {
        const char *from = core_value_get_str(&av->u.arr.items[i], "from");
        const char *to = core_value_get_str(&av->u.arr.items[i], "to");
        int y, m, ty, tm;
        if (from == NULL || to == NULL || sscanf(from, "%4d-%2d", &y, &m) != 2 ||
            sscanf(to, "%4d-%2d", &ty, &tm) != 2)
            continue;
        for (int k = 0; k < MAX_MONTHS && (y < ty || (y == ty && m <= tm)); k++) {
            bool dup = false;
            char *t = core_arena_printf(a, "month:%04d-%02d", y, m);
            for (size_t j = 0; j < nt && !dup; j++)
                dup = strcmp(tags[j].ptr, t) == 0;
            if (!dup)
                tags[nt++] = S(t);
            if (++m > 12) {
                m = 1;
                y++;
            }
        }
    }
    doc->tags = tags;
    doc->tags_len = nt;
    const core_value *d = core_value_get(reg, "decision");
    doc->updated_at = core_record_int(d, "at", 0);
    doc->language = first_language(p);
    return true;
}

/* Puts or removes one registration according to whether it is in the catalogue now. */
static int sync_xchange(index_records *x, core_store *s, const char *id, const core_value *reg,
                        core_arena *a)
{
    index_doc doc;
    core_value prof;
    const char *pid = reg ? core_value_get_str(reg, "profile_id") : NULL;
    bool have = pid != NULL && core_profile_get(s, pid, a, &prof) == 0;
    int rc;
    if (reg != NULL && have &&
        index_xchange_doc(reg, &prof, core_profile_is_public(s, &prof, a), a, &doc))
        rc = index_put(x->w, &doc);
    else
        rc = index_delete(x->w, S(id));
    if (rc == INDEX_EINVAL) {
        fprintf(stderr, "eccpd: registration %s could not be indexed: %s\n", id,
                index_last_error());
        return 0;
    }
    return index_core_error(rc);
}

/* A profile changed: its registrations follow it into or out of the catalogue. */
static int sync_profile_registrations(index_records *x, core_store *s, const char *pid,
                                      core_arena *a)
{
    return resync_linked(x, s, core_arena_printf(a, "xprofile/%s/", pid), core_xchange_get,
                         sync_xchange, a);
}

static uint64_t applied(void *ctx)
{
    index_records *x = ctx;
    uint64_t seq = 0;
    if (index_last_seq(x->w, &seq) != 0)
        return 0;
    return seq;
}

/* Puts or removes one profile according to whether it is public now. */
static int sync_profile(index_records *x, core_store *s, const char *id, const core_value *rec,
                        core_arena *a)
{
    index_doc doc;
    int rc;
    if (rec != NULL && core_profile_is_public(s, rec, a) && index_profile_doc(rec, a, &doc))
        rc = index_put(x->w, &doc);
    else
        rc = index_delete(x->w, S(id));
    if (rc == INDEX_EINVAL) { /* one unindexable document must not stop the feed */
        fprintf(stderr, "eccpd: profile %s could not be indexed: %s\n", id, index_last_error());
        return 0;
    }
    return index_core_error(rc);
}

/* Puts or removes one event according to whether it is on the agenda now. */
static int sync_event(index_records *x, core_store *s, const char *id, const core_value *rec,
                      core_arena *a)
{
    index_doc doc;
    core_value prof;
    bool have =
        rec != NULL && core_profile_get(s, core_value_get_str(rec, "profile_id"), a, &prof) == 0;
    int rc = have && index_event_doc(s, rec, &prof, a, &doc) ? index_put(x->w, &doc)
                                                             : index_delete(x->w, S(id));
    if (rc == INDEX_EINVAL) {
        fprintf(stderr, "eccpd: event %s could not be indexed: %s\n", id, index_last_error());
        return 0;
    }
    return index_core_error(rc);
}

/* A profile's change (published, unpublished, renamed) reaches the events it organises. */
static int sync_events_of(index_records *x, core_store *s, const char *pid, core_arena *a)
{
    return resync_linked(x, s, core_arena_printf(a, "evprofile/%s/", pid), core_event_get,
                         sync_event, a);
}

bool index_news_doc(const core_value *rec, const core_value *prof, core_arena *a, index_doc *doc)
{
    const core_value *p = prof ? core_value_get(prof, "published") : NULL;
    if (rec == NULL || p == NULL || p->type != CORE_OBJ)
        return false;
    memset(doc, 0, sizeof(*doc));
    doc->id = field(rec, "id");
    doc->kind = INDEX_KIND_NEWS;
    doc->name = field(rec, "title");
    doc->description = field(rec, "body");
    /* the profile's place, and its name as a keyword (news is found by who posts it) */
    doc->country = field(p, "country");
    doc->city = field(p, "city");
    doc->eligible = eligible(doc->country);
    doc->label = INDEX_LABEL_NONE;
    index_str *kw = core_arena_alloc(a, sizeof(*kw));
    kw[0] = field(p, "name");
    doc->keywords = kw;
    doc->keywords_len = kw[0].ptr != NULL;
    doc->updated_at = core_record_int(rec, "updated_at", 0);
    doc->language = first_language(p);
    return true;
}

/* Puts one news item when its profile is public, removes it otherwise. */
static int sync_news(index_records *x, core_store *s, const char *id, const core_value *rec,
                     core_arena *a)
{
    index_doc doc;
    core_value prof;
    const char *pid = rec != NULL ? core_value_get_str(rec, "profile_id") : NULL;
    bool have = pid != NULL && core_profile_get(s, pid, a, &prof) == 0 &&
                core_profile_is_public(s, &prof, a);
    int rc = have && index_news_doc(rec, &prof, a, &doc) ? index_put(x->w, &doc)
                                                         : index_delete(x->w, S(id));
    if (rc == INDEX_EINVAL) {
        fprintf(stderr, "eccpd: news %s could not be indexed: %s\n", id, index_last_error());
        return 0;
    }
    return index_core_error(rc);
}

/* A profile changed: its news follows it into or out of search. A deleted profile's news
 * records are deleted in the same write (and logged), so they leave on their own. */
static int sync_news_of(index_records *x, core_store *s, const char *pid, core_arena *a)
{
    core_value ids = core_news_ids_of(s, pid, a);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < ids.u.arr.len; i++) {
        const char *nid = ids.u.arr.items[i].u.s.ptr;
        core_value rec;
        int grc = core_news_get(s, nid, a, &rec);
        rc = sync_news(x, s, nid, grc == 0 ? &rec : NULL, a);
    }
    return rc;
}

static int apply(void *ctx, core_store *s, const char *kind, const char *id, const char *op,
                 const core_value *rec, core_arena *a)
{
    index_records *x = ctx;
    if (strcmp(kind, CORE_PARTNER_KIND) == 0)
        return sync_partner(x, s, id, rec, a);
    if (strcmp(kind, CORE_EVENT_KIND) == 0)
        return sync_event(x, s, id, rec, a);
    if (strcmp(kind, CORE_XCHANGE_KIND) == 0)
        return sync_xchange(x, s, id, rec, a);
    if (strcmp(kind, CORE_NEWS_KIND) == 0)
        return sync_news(x, s, id, rec, a);
    if (strcmp(kind, "profile") != 0)
        return 0;
    int rc = sync_profile(x, s, id, rec, a);
    if (rc == 0)
        rc = sync_events_of(x, s, id, a);
    if (rc == 0)
        rc = sync_partners_of(x, s, id, a);
    if (rc == 0)
        rc = sync_profile_registrations(x, s, id, a);
    if (rc == 0)
        rc = sync_news_of(x, s, id, a);
    if (rc != 0)
        return rc;
    /* A cluster's visibility decides its members': look at each of them again. */
    const char *type = rec ? core_value_get_str(rec, "type") : NULL;
    if (rec != NULL && (type == NULL || strcmp(type, "cluster_organisation") != 0))
        return 0;
    return resync_linked(x, s, core_arena_printf(a, "pmember/%s/", id), core_profile_get,
                         sync_profile, a);
}

static int commit(void *ctx, uint64_t seq)
{
    index_records *x = ctx;
    time_t now = time(NULL);
    if (index_writer_pending(x->w) == 0 && x->written_seq != 0 &&
        seq - x->written_seq < SEQ_EVERY_CHANGES && now - x->written_at < SEQ_EVERY_SECONDS)
        return 0; /* Nothing to make visible: the index already reflects seq. */
    if (core_fault("index.commit") || index_commit(x->w, seq) != 0)
        return CORE_EIO;
    x->written_seq = seq;
    x->written_at = now;
    return 0;
}

core_feed_consumer index_records_consumer(index_records *x)
{
    return (core_feed_consumer){"index", x, applied, apply, commit};
}

/* One thread's part of a rebuild: the profiles whose keys hash to its shard. Every part
 * walks the whole key range (walking is cheap next to decoding and indexing) so that no
 * thread hands records to another. */
typedef struct rebuild_part {
    core_store *s;
    index_builder *b;
    unsigned shard, nshards;
    _Atomic uint64_t *read; /* Records read by all parts. */
    void (*progress)(void *ctx, uint64_t done);
    void *ctx;
    int rc;
    pthread_t thread;
} rebuild_part;

static uint64_t key_hash(core_slice k)
{
    return core_fnv1a(CORE_FNV1A_SEED, k.ptr, k.len);
}

/* ---- one document builder per stored kind, for the rebuild ---- */

/* The owning profile of a record (its "profile_id"), in a; false when there is none. */
static bool owner_of(core_store *s, const core_value *rec, core_arena *a, core_value *prof)
{
    const char *pid = core_value_get_str(rec, "profile_id");
    return pid != NULL && core_profile_get(s, pid, a, prof) == 0;
}

static bool profile_doc(core_store *s, const core_value *rec, core_arena *a, index_doc *doc)
{
    return core_profile_is_public(s, rec, a) && index_profile_doc(rec, a, doc);
}

static bool partner_doc(core_store *s, const core_value *rec, core_arena *a, index_doc *doc)
{
    core_value prof;
    return owner_of(s, rec, a, &prof) && core_profile_is_public(s, &prof, a) &&
           index_partner_doc(rec, &prof, core_partner_now(), a, doc);
}

static bool event_doc(core_store *s, const core_value *rec, core_arena *a, index_doc *doc)
{
    core_value prof;
    return owner_of(s, rec, a, &prof) && index_event_doc(s, rec, &prof, a, doc);
}

static bool xchange_doc(core_store *s, const core_value *rec, core_arena *a, index_doc *doc)
{
    core_value prof;
    return owner_of(s, rec, a, &prof) &&
           index_xchange_doc(rec, &prof, core_profile_is_public(s, &prof, a), a, doc);
}

static bool news_doc(core_store *s, const core_value *rec, core_arena *a, index_doc *doc)
{
    core_value prof;
    return owner_of(s, rec, a, &prof) && core_profile_is_public(s, &prof, a) &&
           index_news_doc(rec, &prof, a, doc);
}

/* Every kind the index holds, in rebuild order: each record of the kind whose builder
 * gives a document is put, by the same sharding. */
static const struct {
    core_slice prefix;
    bool (*doc)(core_store *s, const core_value *rec, core_arena *a, index_doc *doc);
} rebuilt_kinds[] = {
    {CORE_SLICE_LIT("profile/"), profile_doc},
    {CORE_SLICE_LIT(CORE_PARTNER_KIND "/"), partner_doc},
    {CORE_SLICE_LIT(CORE_EVENT_KIND "/"), event_doc},
    {CORE_SLICE_LIT(CORE_XCHANGE_KIND "/"), xchange_doc},
    {CORE_SLICE_LIT(CORE_NEWS_KIND "/"), news_doc},
};

static void *rebuild_part_run(void *arg)
{
    rebuild_part *p = arg;
    core_arena a;
    core_arena_init(&a);
    core_slice k, v;
    uint64_t mine = 0;
    for (size_t kind = 0; kind < sizeof(rebuilt_kinds) / sizeof(*rebuilt_kinds); kind++) {
        core_iter *it = core_store_iter_prefix(p->s, CORE_CF_RECORDS, rebuilt_kinds[kind].prefix);
        while (p->rc == 0 && core_iter_next(it, &k, &v)) {
            if (key_hash(k) % p->nshards != p->shard)
                continue;
            core_value rec;
            index_doc doc;
            if (core_record_decode(&a, v, &rec) == 0 &&
                rebuilt_kinds[kind].doc(p->s, &rec, &a, &doc)) {
                int irc = index_builder_put(p->b, p->shard, &doc);
                if (irc != 0 && irc != INDEX_EINVAL) {
                    fprintf(stderr, "eccpd: indexing failed: %s\n", index_last_error());
                    p->rc = index_core_error(irc);
                }
            }
            if (++mine % 4096 == 0) {
                core_arena_dispose(&a); /* bounded memory over millions of records */
                uint64_t all = atomic_fetch_add(p->read, 4096) + 4096;
                if (p->progress != NULL) /* only part 0 has one: it runs on the caller's thread */
                    p->progress(p->ctx, all);
            }
        }
        core_iter_free(it);
    }
    atomic_fetch_add(p->read, mine % 4096);
    core_arena_dispose(&a);
    return NULL;
}

/* One shard per core, up to 4: past that the merge and the store walk dominate. */
static unsigned rebuild_shards(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 4 ? 4 : (unsigned)n;
}

int index_rebuild(core_store *s, const char *dir, void (*progress)(void *ctx, uint64_t done),
                  void *ctx, uint64_t *seq)
{
    index_builder *b;
    unsigned n = rebuild_shards();
    *seq = core_store_last_seq(s);
    int orc = index_builder_open(dir, n, &b);
    if (orc != 0) {
        fprintf(stderr, "eccpd: cannot start an index in %s: %s\n", dir, index_last_error());
        return index_core_error(orc);
    }
    _Atomic uint64_t read = 0;
    rebuild_part parts[4];
    unsigned started = 1;
    for (unsigned i = 0; i < n; i++)
        parts[i] = (rebuild_part){s, b, i, n, &read, i == 0 ? progress : NULL, ctx, 0, 0};
    for (; started < n; started++)
        if (pthread_create(&parts[started].thread, NULL, rebuild_part_run, &parts[started]) != 0)
            break;
    if (started < n) { /* no thread for the other parts: part 0 cannot do them */
        parts[0].rc = CORE_EIO;
        fprintf(stderr, "eccpd: cannot start the index build's threads\n");
    } else {
        rebuild_part_run(&parts[0]);
    }
    int rc = parts[0].rc;
    for (unsigned i = 1; i < started; i++) {
        pthread_join(parts[i].thread, NULL);
        if (rc == 0)
            rc = parts[i].rc;
    }
    if (rc != 0) {
        index_builder_abort(b);
        return rc;
    }
    if (progress != NULL)
        progress(ctx, atomic_load(&read));
    return index_core_error(index_builder_finish(b, *seq));
}
