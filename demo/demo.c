/*
 * demo.c: see demo.h.
 *
 * The generator runs on the caller's thread and decides everything (who, where, which
 * state) from its own PRNG, in a fixed order, so the same seed gives the same data. Each
 * organisation becomes one job: a request body built in the job's arena and a composite
 * core_txn_fn that calls the API's own transaction functions one after another (create
 * the admin's account, create the profile, submit it, moderate it, approve affiliations).
 * If any step fails the whole job rolls back, exactly as an API request would leave
 * nothing behind. Jobs are queued with core_store_submit, at most `in_flight` at once;
 * the store's committer runs them in queue order and calls job_done, which frees them.
 *
 * Phases: the two demo accounts (synchronously), then the organisations (clusters and the
 * others), then - once every organisation's id is known - the cluster members, whose
 * affiliations name those ids. Members share accounts three by three: the first member
 * of a trio creates the account and leaves its id in a slot that only the committer
 * thread reads and writes until the phase ends, so later jobs of the trio (which run after
 * it, on the same thread) find it.
 */
#include "demo/demo.h"

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

enum {
    NECO = 14,      /* the EU industrial ecosystems */
    MAX_LANGS = 32, /* languages with local words */
    DEFAULT_FLIGHT = 256,
    ID_SIZE = CORE_ID_LEN + 1,
};

/* ---- small tables parsed from the embedded data ---- */

typedef struct strlist {
    const char **v;
    size_t n, cap;
} strlist;

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

typedef struct lang_words {
    char code[4];
    strlist eco[NECO], kw[NECO];
    strlist cluster, sentence, given, family, research, public_;
    bool cluster_after; /* the word for cluster follows the ecosystem (hu, tr) */
} lang_words;

typedef struct city {
    const char *name, *region;
    double lat, lon, w;
} city;

typedef struct country {
    const char *cc;       /* "FR" */
    const char *own_name; /* "France", "Україна" */
    const char *en_name;  /* from the vocabulary tables */
    double w;
    int lang; /* index into langs, 0 = English only */
    city *cities;
    size_t ncities;
    double city_total;
    strlist legal;
    const char *languages[4]; /* ISO 639-1 codes of its main languages */
    size_t nlanguages;
} country;

typedef struct tables {
    char *text[2]; /* writable copies of the embedded files; rows point into them */
    country *countries;
    size_t ncountries;
    double country_total;
    lang_words langs[MAX_LANGS];
    size_t nlangs;
    strlist terms[NECO];
    strlist brand_head, brand_tail;
} tables;

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

static int eco_of(const char *id)
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

static void tables_dispose(tables *t)
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

static int tables_load(tables *t)
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

/* ---- the generator's random numbers: splitmix64, ours so every platform agrees ---- */

static uint64_t rnd(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double rnd01(uint64_t *s)
{
    return (double)(rnd(s) >> 11) * (1.0 / 9007199254740992.0);
}

static size_t below(uint64_t *s, size_t n)
{
    return n == 0 ? 0 : (size_t)(rnd01(s) * (double)n);
}

static bool chance(uint64_t *s, double p)
{
    return rnd01(s) < p;
}

/* A rank from 0 to n-1 with weight 1/(rank+1): the first entries dominate. */
static size_t zipf(uint64_t *s, size_t n)
{
    double h = 0;
    for (size_t i = 0; i < n; i++)
        h += 1.0 / (double)(i + 1);
    double u = rnd01(s) * h;
    for (size_t i = 0; i < n; i++) {
        u -= 1.0 / (double)(i + 1);
        if (u < 0)
            return i;
    }
    return n - 1;
}

static const char *pick(uint64_t *s, const strlist *l)
{
    return l->n ? l->v[below(s, l->n)] : "";
}

/* ---- a set of strings, for unique names and website domains ---- */

typedef struct strset {
    char **slot;
    size_t cap, n;
} strset;

static uint64_t fnv(const char *s)
{
    return core_fnv1a_str(CORE_FNV1A_SEED, s);
}

static bool set_has(const strset *set, const char *s)
{
    if (set->cap == 0)
        return false;
    for (size_t i = fnv(s) & (set->cap - 1);; i = (i + 1) & (set->cap - 1)) {
        if (set->slot[i] == NULL)
            return false;
        if (strcmp(set->slot[i], s) == 0)
            return true;
    }
}

static void set_add(strset *set, const char *s)
{
    if (2 * (set->n + 1) > set->cap) {
        strset bigger = {calloc(set->cap ? 2 * set->cap : 1024, sizeof(char *)),
                         set->cap ? 2 * set->cap : 1024, 0};
        if (bigger.slot == NULL)
            core_oom();
        for (size_t i = 0; i < set->cap; i++)
            if (set->slot[i] != NULL) {
                size_t j = fnv(set->slot[i]) & (bigger.cap - 1);
                while (bigger.slot[j] != NULL)
                    j = (j + 1) & (bigger.cap - 1);
                bigger.slot[j] = set->slot[i];
                bigger.n++;
            }
        free(set->slot);
        *set = bigger;
    }
    size_t i = fnv(s) & (set->cap - 1);
    while (set->slot[i] != NULL) {
        if (strcmp(set->slot[i], s) == 0)
            return;
        i = (i + 1) & (set->cap - 1);
    }
    set->slot[i] = strdup(s);
    if (set->slot[i] == NULL)
        core_oom();
    set->n++;
}

static void set_dispose(strset *set)
{
    for (size_t i = 0; i < set->cap; i++)
        free(set->slot[i]);
    free(set->slot);
}

/* ---- the plan ---- */

/* What a job does after creating its profile. */
typedef enum target {
    T_DRAFT,   /* created, never submitted */
    T_CHANGES, /* submitted, then the moderator asked for changes: a draft again */
    T_REVIEW,  /* submitted, waiting in the moderation queue */
    T_PUBLISH, /* submitted and published */
    T_WAIVED,  /* fails the criteria, published with waive_criteria (recognised) */
    T_DECLINE, /* submitted and declined */
} target;

static core_demo_state state_of(target t)
{
    switch (t) {
    case T_DRAFT:
    case T_CHANGES:
        return CORE_DEMO_DRAFT;
    case T_REVIEW:
        return CORE_DEMO_NEEDS_REVIEW;
    case T_DECLINE:
        return CORE_DEMO_DECLINED;
    default:
        return CORE_DEMO_PUBLISHED;
    }
}

/* One organisation of the first phase, as the members phase needs it. */
typedef struct org {
    char id[ID_SIZE];    /* set by the committer once its job ran */
    char admin[ID_SIZE]; /* its admin's user id, likewise */
    uint16_t country;
    uint8_t eco;
    bool published;
    double weight; /* how many members it attracts */
} org;

typedef struct gen {
    core_store *s;
    const core_demo_options *o;
    core_demo_report *r;
    tables t;
    uint64_t rng;
    char hash[CORE_PASSWORD_HASH_MAX];
    char moderator_id[ID_SIZE], demo_user_id[ID_SIZE];
    org *orgs;
    size_t norgs, nclusters; /* clusters are orgs[0 .. nclusters) */
    char (*member_users)[ID_SIZE];
    org *members; /* the members phase's profiles, for registrations */
    size_t nmembers;
    strset names, domains;
    char *recent_names[64], *recent_sites[64]; /* for near-duplicates */
    size_t nrecent;
    uint64_t user_seq;
    core_sha256 digest;
    /* flow control, shared with the committer thread */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned in_flight, max_in_flight;
    int rc;
    /* progress */
    struct timespec start, last_progress;
    const char *phase;
    uint64_t phase_done, phase_total;
} gen;

typedef struct job {
    core_commit c;
    core_arena a;
    gen *g;
    /* the admin's account: created here (ubody set) or found in *user_slot */
    core_value ubody;
    bool make_user;
    char *user_slot; /* receives or holds the admin's user id */
    /* the profile */
    core_value body;
    core_profile_type type;
    target target;
    const char *note;
    char *id_slot;                             /* receives the profile id, or NULL */
    const char *approve[2], *approve_admin[2]; /* clusters that approve the member */
    int napprove;
    /* or a ClusterXchange registration: created by admin_id, then decided */
    bool registration;
    const char *admin_id;
    const char *xdecision; /* "accept", "reject" or NULL (stays pending) */
    int xstate;            /* 0 pending, 1 accepted, 2 rejected */
    char err[200];
} job;

static double elapsed(const struct timespec *since)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - since->tv_sec) + (double)(now.tv_nsec - since->tv_nsec) / 1e9;
}

static void report_progress(gen *g, bool force)
{
    if (g->o->progress == NULL)
        return;
    if (!force && elapsed(&g->last_progress) < 0.1)
        return;
    clock_gettime(CLOCK_MONOTONIC, &g->last_progress);
    pthread_mutex_lock(&g->mu);
    core_demo_progress p = {g->phase, g->phase_done, g->phase_total, g->r->records,
                            elapsed(&g->start)};
    pthread_mutex_unlock(&g->mu);
    g->o->progress(g->o->progress_ctx, &p);
}

/* ---- the composite write ---- */

static int job_fail(job *j, int rc, const char *step, const core_profile_op *op)
{
    const char *why = op && op->message ? op->message : core_strerror(rc);
    const char *field = "", *reason = "";
    if (op != NULL && core_fields_any(&op->fields)) {
        field = op->fields.obj.u.obj.items[0].key.ptr;
        reason = op->fields.obj.u.obj.items[0].value.u.s.ptr;
    }
    const char *name = core_value_get_str(&j->body, "name");
    snprintf(j->err, sizeof(j->err), "%s of %s \"%s\": %s%s%s%s", step,
             core_profile_type_name(j->type), name ? name : "?", why, *field ? " (" : "", field,
             *field ? "" : "");
    if (*reason) {
        size_t n = strlen(j->err);
        snprintf(j->err + n, sizeof(j->err) - n, " %s)", reason);
    }
    return rc;
}

static core_value decision(core_arena *a, const char *d, const char *note, bool waive)
{
    core_value b = core_value_obj();
    core_value_set(a, &b, "decision", core_value_cstr(a, d));
    if (note != NULL)
        core_value_set(a, &b, "note", core_value_cstr(a, note));
    if (waive)
        core_value_set(a, &b, "waive_criteria", core_value_bool(true));
    return b;
}

/* A registration's life: created by an admin of its profile, then (usually) decided by
 * the moderator, in one write. */
static int registration_txn(core_txn *t, job *j)
{
    core_arena *a = &j->a;
    core_actor admin = {j->admin_id, false}, moderator = {j->g->moderator_id, true};
    core_xchange_op op;
    core_xchange_op_init(&op, a, &admin);
    op.body = &j->body;
    int rc = core_xchange_create_txn(t, &op);
    const char *step = "registration";
    if (rc == 0 && j->xdecision != NULL) {
        core_value body = decision(a, j->xdecision, NULL, false);
        const char *id = op.id;
        core_xchange_op_init(&op, a, &moderator);
        op.id = id;
        op.body = &body;
        rc = core_xchange_decide_txn(t, &op);
        step = "registration decision";
    }
    if (rc != 0) {
        const char *field = core_fields_any(&op.fields) ? op.fields.obj.u.obj.items[0].key.ptr : "";
        const char *why = core_fields_any(&op.fields)
                              ? op.fields.obj.u.obj.items[0].value.u.s.ptr
                              : op.message ? op.message : core_strerror(rc);
        snprintf(j->err, sizeof(j->err), "%s for profile %s: %s %s", step,
                 core_value_get_str(&j->body, "profile_id"), field, why);
    }
    return rc;
}

static int job_txn(core_txn *t, void *arg)
{
    job *j = arg;
    gen *g = j->g;
    core_arena *a = &j->a;
    if (j->registration)
        return registration_txn(t, j);
    char user_id[ID_SIZE] = "";
    int rc;
    if (j->make_user) {
        core_user_create u = {
            .body = &j->ubody, .password_hash = g->hash, .role = "user", .out = a};
        if ((rc = core_user_create_txn(t, &u)) != 0) {
            snprintf(j->err, sizeof(j->err), "account %s: %s%s%s",
                     core_value_get_str(&j->ubody, "username"), core_strerror(rc),
                     u.conflict ? ", taken: " : "", u.conflict ? u.conflict : "");
            return rc;
        }
        snprintf(user_id, sizeof(user_id), "%s", core_value_get_str(&u.user, "id"));
    } else {
        snprintf(user_id, sizeof(user_id), "%s", j->user_slot);
    }
    if (user_id[0] == '\0') {
        snprintf(j->err, sizeof(j->err), "the admin account of a %s is missing",
                 core_profile_type_name(j->type));
        return CORE_EINTERNAL;
    }

    core_actor admin = {user_id, false}, moderator = {g->moderator_id, true};
    core_profile_op op;
    core_profile_op_init(&op, a, &admin);
    op.body = &j->body;
    if ((rc = core_profile_create_txn(t, &op)) != 0)
        return job_fail(j, rc, "create", &op);
    const char *id = op.id;

    if (j->target != T_DRAFT) {
        core_profile_op_init(&op, a, &admin);
        op.id = id;
        if ((rc = core_profile_submit_txn(t, &op)) != 0)
            return job_fail(j, rc, "submit", &op);
    }
    if (j->target != T_DRAFT && j->target != T_REVIEW) {
        const char *d = j->target == T_DECLINE   ? "decline"
                        : j->target == T_CHANGES ? "request_changes"
                                                 : "publish";
        core_value body = decision(a, d, j->note, j->target == T_WAIVED);
        core_profile_op_init(&op, a, &moderator);
        op.id = id;
        op.body = &body;
        if ((rc = core_profile_moderate_txn(t, &op)) != 0)
            return job_fail(j, rc, "moderation", &op);
    }
    for (int k = 0; k < j->napprove; k++) {
        core_actor cluster_admin = {j->approve_admin[k], false};
        core_value body = decision(a, "approve", NULL, false);
        core_profile_op_init(&op, a, &cluster_admin);
        op.id = j->approve[k];
        op.other_id = id;
        op.body = &body;
        if ((rc = core_profile_affiliation_txn(t, &op)) != 0)
            return job_fail(j, rc, "affiliation approval", &op);
    }
    /* Only now, when nothing can fail any more, do the ids leave the job. */
    if (j->make_user && j->user_slot != NULL)
        memcpy(j->user_slot, user_id, ID_SIZE);
    if (j->id_slot != NULL)
        memcpy(j->id_slot, id, ID_SIZE);
    return 0;
}

static void job_done(core_commit *c)
{
    job *j = c->user;
    gen *g = j->g;
    pthread_mutex_lock(&g->mu);
    if (c->rc != 0) {
        g->r->failed++;
        if (g->rc == 0) {
            g->rc = c->rc;
            snprintf(g->r->error, sizeof(g->r->error), "%s",
                     j->err[0] ? j->err : core_strerror(c->rc));
        }
    } else if (j->registration) {
        g->r->writes++;
        g->r->registrations[j->xstate]++;
        g->r->records++;
        g->phase_done++;
    } else {
        core_demo_report *r = g->r;
        r->writes++;
        r->users += j->make_user;
        r->profiles[j->type][state_of(j->target)]++;
        r->profiles_total++;
        r->records += 1 + (uint64_t)j->make_user;
        r->criteria_waived += j->target == T_WAIVED;
        r->affiliations_approved += (uint64_t)j->napprove;
        if (j->type == CORE_PROFILE_CLUSTER_MEMBER && j->napprove == 0)
            r->affiliations_pending++;
        g->phase_done++;
    }
    g->in_flight--;
    pthread_cond_signal(&g->cv);
    pthread_mutex_unlock(&g->mu);
    core_arena_dispose(&j->a);
    free(j);
}

static job *job_new(gen *g)
{
    job *j = calloc(1, sizeof(*j));
    if (j == NULL)
        core_oom();
    core_arena_init(&j->a);
    j->g = g;
    j->ubody = core_value_null();
    j->body = core_value_null();
    return j;
}

static void job_free(job *j)
{
    core_arena_dispose(&j->a);
    free(j);
}

/* Adds a value to the run's digest: ids and times never go in. */
static void digest_value(gen *g, const char *tag, const core_value *v)
{
    char *buf = NULL;
    size_t len = 0;
    core_sha256_update(&g->digest, tag, strlen(tag) + 1);
    if (core_value_to_msgpack(v, &buf, &len) == 0)
        core_sha256_update(&g->digest, buf, len);
    free(buf);
}

/* Queues a job, waiting while too many are in flight. Returns the run's first error. */
static int submit(gen *g, job *j)
{
    pthread_mutex_lock(&g->mu);
    while (g->in_flight >= g->max_in_flight && g->rc == 0)
        pthread_cond_wait(&g->cv, &g->mu);
    int rc = g->rc;
    if (rc == 0)
        g->in_flight++;
    pthread_mutex_unlock(&g->mu);
    if (rc != 0) {
        job_free(j);
        return rc;
    }
    j->c.fn = job_txn;
    j->c.arg = j;
    j->c.no_mail = true; /* the moderator's decisions notify fictional people: no e-mail */
    j->c.done = job_done;
    j->c.user = j;
    core_store_submit(g->s, &j->c);
    report_progress(g, false);
    return 0;
}

static int drain(gen *g)
{
    pthread_mutex_lock(&g->mu);
    while (g->in_flight > 0)
        pthread_cond_wait(&g->cv, &g->mu);
    int rc = g->rc;
    pthread_mutex_unlock(&g->mu);
    report_progress(g, true);
    return rc;
}

static void begin_phase(gen *g, const char *phase, uint64_t total)
{
    pthread_mutex_lock(&g->mu);
    g->phase = phase;
    g->phase_done = 0;
    g->phase_total = total;
    pthread_mutex_unlock(&g->mu);
    report_progress(g, true);
}

/* ---- text helpers ---- */

/* Replaces {C} {E} {X} {K} {R} {T} {P} in pattern. */
typedef struct words {
    const char *C, *E, *X, *K, *R, *T, *P;
} words;

static char *fill(core_arena *a, const char *pattern, const words *w)
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
static char *acronym_of(core_arena *a, const char *name)
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

static core_value str(core_arena *a, const char *s)
{
    return core_value_cstr(a, s);
}

static core_value str_list(core_arena *a, const char *const *v, size_t n)
{
    core_value arr = core_value_arr();
    for (size_t i = 0; i < n; i++)
        core_value_push(a, &arr, core_value_cstr(a, v[i]));
    return arr;
}

/* ---- choices ---- */

static size_t pick_country(gen *g)
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

static int pick_eco(gen *g)
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

static const char *term(gen *g, int eco)
{
    return g->t.terms[eco].v[zipf(&g->rng, g->t.terms[eco].n)];
}

static const lang_words *lang_of(gen *g, const country *c)
{
    return &g->t.langs[c->lang];
}

static const char *local_eco(gen *g, const country *c, int eco)
{
    const lang_words *l = lang_of(g, c);
    return l->eco[eco].n ? pick(&g->rng, &l->eco[eco]) : pick(&g->rng, &g->t.langs[0].eco[eco]);
}

/* Everything about where and what an organisation is. */
typedef struct place {
    size_t country_ix;
    const country *c;
    const city *town;
    int eco, eco2; /* eco2 = -1 when none */
    words w;
} place;

static void choose_place(gen *g, core_arena *a, place *p, size_t country_ix, int eco)
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

static void add_location(gen *g, core_arena *a, core_value *b, const place *p, bool address)
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
static void add_languages(gen *g, core_arena *a, core_value *b, const place *p)
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

static void add_keywords(gen *g, core_arena *a, core_value *b, const place *p, size_t want)
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

static void add_ecosystems(core_arena *a, core_value *b, const place *p)
{
    const char *v[2] = {core_vocab_id(CORE_VOCAB_ECOSYSTEM, (size_t)p->eco), NULL};
    size_t n = 1;
    if (p->eco2 >= 0)
        v[n++] = core_vocab_id(CORE_VOCAB_ECOSYSTEM, (size_t)p->eco2);
    core_value_set(a, b, "ecosystems", str_list(a, v, n));
}

/* A unique website under .example (reserved: never a real site). */
static const char *website(gen *g, core_arena *a, const char *name, const char *cc)
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

typedef struct person {
    const char *given, *family;
} person;

static person pick_person(gen *g, const country *c)
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

static void add_contact(gen *g, core_arena *a, core_value *b, const place *p, const char *site)
{
    person who = pick_person(g, p->c);
    core_value contact = core_value_obj();
    core_value_set(a, &contact, "name",
                   str(a, core_arena_printf(a, "%s %s", who.given, who.family)));
    core_value_set(a, &contact, "email", str(a, email_of(a, &who, domain_of(site), 0)));
    core_value_set(a, b, "contact", contact);
}

/* The account of an organisation's admin (one per organisation, or per member trio). */
static core_value user_body(gen *g, core_arena *a, const place *p, const char *org_name,
                            const char *site)
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
static const char *unique_name(gen *g, core_arena *a, const char *name, const place *p)
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
static const char *near_duplicate(gen *g, core_arena *a, const char *orig)
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

/* ---- organisations ---- */

/* Cluster-like fields: composition, count, staff, services, label. pass = meets the six
 * validation criteria; otherwise one or two of them fail. */
static void add_cluster_fields(gen *g, core_arena *a, core_value *b, bool pass, bool complete,
                               int64_t *members_out)
{
    int64_t total = 15 + (int64_t)(pow(rnd01(&g->rng), 2.5) * 450.0) + (int64_t)below(&g->rng, 40);
    double fte = 0.5 + round(rnd01(&g->rng) * rnd01(&g->rng) * 60.0) / 10.0;
    size_t nservices = 2 + zipf(&g->rng, 6);
    bool one_type = false;
    if (!pass) {
        switch (below(&g->rng, 4)) {
        case 0:
            fte = chance(&g->rng, 0.5) ? 0.2 : 0.3;
            break;
        case 1:
            total = 5 + (int64_t)below(&g->rng, 10);
            break;
        case 2:
            one_type = true;
            break;
        default:
            nservices = 1;
            break;
        }
    }
    core_value comp = core_value_obj();
    if (one_type) {
        core_value_set(a, &comp, "smes", core_value_int(total));
    } else {
        int64_t research = 1 + (int64_t)((double)total * (0.05 + 0.10 * rnd01(&g->rng)));
        int64_t large = (int64_t)((double)total * 0.08 * rnd01(&g->rng));
        int64_t pub = (int64_t)((double)total * 0.07 * rnd01(&g->rng));
        int64_t civil = chance(&g->rng, 0.4) ? (int64_t)((double)total * 0.05 * rnd01(&g->rng)) : 0;
        int64_t smes = total - research - large - pub - civil;
        if (smes < 1) {
            smes = 1;
            research = total - 1 - large - pub - civil;
        }
        core_value_set(a, &comp, "large_companies", core_value_int(large));
        core_value_set(a, &comp, "smes", core_value_int(smes));
        core_value_set(a, &comp, "research", core_value_int(research));
        core_value_set(a, &comp, "public_bodies", core_value_int(pub));
        if (civil > 0)
            core_value_set(a, &comp, "civil_society", core_value_int(civil));
    }
    *members_out = total;
    if (!complete && chance(&g->rng, 0.5))
        return; /* a draft somebody has not finished */
    core_value_set(a, b, "management_fte", core_value_double(fte));
    core_value_set(a, b, "members_count", core_value_int(total));
    core_value_set(a, b, "member_composition", comp);
    /* services: matchmaking, internationalisation and innovation support are the usual */
    static const char *const order[] = {
        "matchmaking", "internationalisation", "innovation_support",  "training", "animation",
        "marketing",   "access_to_finance",    "market_intelligence", "skills",   "facilities"};
    const char *sv[10];
    size_t n = 0;
    for (size_t tries = 0; n < nservices && tries < 40; tries++) {
        const char *s = order[zipf(&g->rng, 10)];
        bool dup = false;
        for (size_t i = 0; i < n; i++)
            dup |= strcmp(sv[i], s) == 0;
        if (!dup)
            sv[n++] = s;
    }
    for (size_t i = 0; n < nservices && i < 10; i++) { /* unlucky draws: fill in order */
        bool dup = false;
        for (size_t k = 0; k < n; k++)
            dup |= strcmp(sv[k], order[i]) == 0;
        if (!dup)
            sv[n++] = order[i];
    }
    core_value_set(a, b, "services", str_list(a, sv, n));
    double u = rnd01(&g->rng);
    core_value_set(a, b, "excellence_label",
                   str(a, u < 0.05   ? "gold"
                          : u < 0.2  ? "silver"
                          : u < 0.55 ? "bronze"
                                     : "none"));
}

static void add_cooperation(gen *g, core_arena *a, core_value *b, const place *p)
{
    if (chance(&g->rng, 0.1)) {
        const char *none = "none";
        core_value_set(a, b, "cooperation_countries", str_list(a, &none, 1));
        return;
    }
    const char *v[8];
    size_t n = 0, want = 1 + below(&g->rng, 6);
    for (size_t tries = 0; n < want && tries < 30; tries++) {
        const char *cc = g->t.countries[pick_country(g)].cc;
        bool dup = strcmp(cc, p->c->cc) == 0;
        for (size_t i = 0; i < n; i++)
            dup |= strcmp(v[i], cc) == 0;
        if (!dup)
            v[n++] = cc;
    }
    core_value_set(a, b, "cooperation_countries", str_list(a, v, n));
}

static const char *service_list_text(core_arena *a, const core_value *services)
{
    const char *out = "";
    size_t n = services ? services->u.arr.len : 0;
    for (size_t i = 0; i < n; i++) {
        const char *id = services->u.arr.items[i].u.s.ptr;
        int ix = core_vocab_find(CORE_VOCAB_SERVICE, id, strlen(id));
        const char *name = ix >= 0 ? core_vocab_name(CORE_VOCAB_SERVICE, (size_t)ix) : id;
        char *lower = core_arena_strndup(a, name, strlen(name));
        if (lower[0] >= 'A' && lower[0] <= 'Z')
            lower[0] = (char)(lower[0] - 'A' + 'a');
        out = core_arena_printf(a, "%s%s%s", out, i == 0 ? "" : i + 1 == n ? " and " : ", ", lower);
    }
    return out;
}

/* Up to n different local-language sentences as one paragraph, or NULL without any. */
static const char *local_paragraph(gen *g, core_arena *a, const place *p, size_t n)
{
    const lang_words *l = lang_of(g, p->c);
    if (l->sentence.n == 0)
        return NULL;
    size_t first = below(&g->rng, l->sentence.n);
    const char *out = NULL;
    for (size_t i = 0; i < n && i < l->sentence.n; i++) {
        const char *s = fill(a, l->sentence.v[(first + i) % l->sentence.n], &p->w);
        out = out ? core_arena_printf(a, "%s %s", out, s) : s;
    }
    return out;
}

/* The English names of the cooperation countries: "France, Italy and Poland", or "". */
static const char *partner_text(core_arena *a, const core_value *ccs)
{
    const char *out = "";
    size_t n = ccs && ccs->type == CORE_ARR ? ccs->u.arr.len : 0;
    size_t shown = n < 3 ? n : 3;
    for (size_t i = 0; i < shown; i++) {
        const core_value *v = &ccs->u.arr.items[i];
        int cid = core_country_find(v->u.s.ptr, v->u.s.len);
        if (cid < 0)
            return "";
        out = core_arena_printf(a, "%s%s%s", out, i == 0 ? "" : i + 1 == shown ? " and " : ", ",
                                core_country_at((size_t)cid)->name);
    }
    return out;
}

static const char *lower_ascii(core_arena *a, const char *s)
{
    char *o = core_arena_strndup(a, s, strlen(s));
    for (char *c = o; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    return o;
}

/* A 60-150 word description of the profile in b (its keywords, services and cooperation
 * countries already set), written by demo/prose.c. */
static const char *describe(gen *g, core_arena *a, const core_value *b, const place *p,
                            const char *name, core_demo_prose_kind kind, const char *kind_text,
                            int64_t members)
{
    const core_value *kw = core_value_get(b, "keywords");
    size_t nkw = kw && kw->type == CORE_ARR ? kw->u.arr.len : 0;
    const char **kws = core_arena_alloc(a, (nkw + 1) * sizeof(*kws));
    for (size_t i = 0; i < nkw; i++)
        kws[i] = kw->u.arr.items[i].u.s.ptr;
    const core_value *comp = core_value_get(b, "member_composition");
    const core_value *smes = core_value_get(comp, "smes");
    const core_value *research = core_value_get(comp, "research");
    const core_value *founded = core_value_get(b, "year_founded");
    core_demo_prose d = {
        .kind = kind,
        .name = name,
        .kind_text = kind_text,
        .city = p->town->name,
        .region = p->town->region,
        .country = p->c->en_name,
        .eco = lower_ascii(a, g->t.langs[0].eco[p->eco].v[0]),
        .eco2 = p->eco2 >= 0 ? lower_ascii(a, g->t.langs[0].eco[p->eco2].v[0]) : NULL,
        .terms = g->t.terms[p->eco].v,
        .nterms = g->t.terms[p->eco].n,
        .terms2 = p->eco2 >= 0 ? g->t.terms[p->eco2].v : NULL,
        .nterms2 = p->eco2 >= 0 ? g->t.terms[p->eco2].n : 0,
        .keywords = kws,
        .nkeywords = nkw,
        .services = service_list_text(a, core_value_get(b, "services")),
        .partners = partner_text(a, core_value_get(b, "cooperation_countries")),
        .local = local_paragraph(g, a, p, 2 + below(&g->rng, 2)),
        .members = members,
        .smes = smes && smes->type == CORE_INT ? smes->u.i : 0,
        .research = research && research->type == CORE_INT ? research->u.i : 0,
        .founded = founded && founded->type == CORE_INT ? founded->u.i : 0,
    };
    return core_demo_prose_write(a, &g->rng, &d);
}

static const char *cluster_name(gen *g, core_arena *a, const place *p)
{
    const lang_words *l = lang_of(g, p->c);
    static const char *const english[] = {
        "{R} {X} Cluster", "{T} {X} Cluster",        "{K} Cluster {R}",  "{X} Valley {R}",
        "{R} {K} Network", "{K} Innovation Hub {T}", "{T} {X} Alliance", "{P} {K} Cluster"};
    const char *pattern;
    if (l->cluster.n && chance(&g->rng, 0.6)) {
        static const char *const before[] = {"{C} {E} {R}", "{C} {E}", "{C} {E} {T}",
                                             "{C} {K} {T}"};
        static const char *const after[] = {"{T} {E} {C}", "{R} {E} {C}", "{T} {K} {C}"};
        pattern = l->cluster_after ? after[below(&g->rng, 3)] : before[below(&g->rng, 4)];
    } else {
        pattern = english[zipf(&g->rng, 8)];
    }
    return fill(a, pattern, &p->w);
}

static void describe_cluster(gen *g, core_arena *a, core_value *b, const place *p, const char *name,
                             int64_t members)
{
    core_value_set(a, b, "description",
                   str(a, describe(g, a, b, p, name, CORE_DEMO_PROSE_CLUSTER, NULL, members)));
}

typedef struct org_plan {
    core_profile_type type;
    target target;
    bool pass;      /* cluster: meets the criteria */
    bool duplicate; /* a near-duplicate of an earlier organisation */
} org_plan;

static const char *const decline_notes[] = {
    "This organisation is a single company, not a cluster organisation; please register it "
    "as a cluster member of its cluster instead.",
    "The profile does not meet the validation criteria and the cluster is not officially "
    "recognised.",
    "This profile duplicates an existing one; please ask its admins to add you instead.",
};
static const char *const changes_notes[] = {
    "Please describe your services in more detail and add your member composition.",
    "Please add the website of the cluster organisation and a contact person.",
};

/* Builds one organisation of the first phase (cluster or other type) as a job. */
static job *org_job(gen *g, size_t ix, const org_plan *plan)
{
    job *j = job_new(g);
    core_arena *a = &j->a;
    org *o = &g->orgs[ix];
    place p;
    choose_place(g, a, &p, pick_country(g), -1);
    core_value b = core_value_obj();
    bool cluster_like = plan->type == CORE_PROFILE_CLUSTER_ORGANISATION ||
                        plan->type == CORE_PROFILE_CLUSTER_PARTNERSHIP ||
                        plan->type == CORE_PROFILE_NATIONAL_ASSOCIATION ||
                        plan->type == CORE_PROFILE_META_CLUSTER_NETWORK;
    const char *name = NULL, *site = NULL;
    if (plan->duplicate && g->nrecent > 0) {
        size_t k = below(&g->rng, g->nrecent < 64 ? g->nrecent : 64);
        name = near_duplicate(g, a, g->recent_names[k]);
        if (chance(&g->rng, 0.5))
            site = core_arena_strndup(a, g->recent_sites[k], strlen(g->recent_sites[k]));
    } else {
        switch (plan->type) {
        case CORE_PROFILE_CLUSTER_ORGANISATION:
            name = cluster_name(g, a, &p);
            break;
        case CORE_PROFILE_CLUSTER_PARTNERSHIP: {
            static const char *const pat[] = {
                "European Strategic Cluster Partnership for {X}", "Euroclusters {K} Partnership",
                "{X} Clusters for Europe", "Interregional {K} Partnership"};
            name = fill(a, pat[below(&g->rng, 4)], &p.w);
            break;
        }
        case CORE_PROFILE_NATIONAL_ASSOCIATION:
            name = chance(&g->rng, 0.5)
                       ? core_arena_printf(a, "National Cluster Association of %s", p.c->en_name)
                       : core_arena_printf(a, "%s Cluster Association – %s", p.c->own_name, p.w.X);
            break;
        case CORE_PROFILE_META_CLUSTER_NETWORK: {
            static const char *const pat[] = {"{R} Cluster Network", "{P} {X} Cluster Alliance",
                                              "{X} Meta-Cluster {P}", "{C}s of {R}"};
            name = fill(a, pat[below(&g->rng, 4)], &p.w);
            break;
        }
        case CORE_PROFILE_POLICY_INSTITUTION: {
            static const char *const pat[] = {
                "{R} Regional Development Agency", "{T} Innovation Agency",
                "{P} Ministry of Economy – Cluster Policy Unit", "{R} Smart Specialisation Office"};
            name = fill(a, pat[below(&g->rng, 4)], &p.w);
            break;
        }
        case CORE_PROFILE_TRAINING_PROVIDER: {
            static const char *const pat[] = {"{T} {X} Academy", "{K} Skills Centre {T}",
                                              "Cluster Management Academy {R}"};
            name = fill(a, pat[below(&g->rng, 3)], &p.w);
            break;
        }
        default: {
            static const char *const pat[] = {"{R} Resource Efficiency Centre",
                                              "Circular {T} Advisory",
                                              "{P} Centre for Resource Efficiency"};
            name = fill(a, pat[below(&g->rng, 3)], &p.w);
            break;
        }
        }
        name = unique_name(g, a, name, &p);
    }
    if (site == NULL)
        site = website(g, a, name, p.c->cc);
    if (!plan->duplicate && plan->type == CORE_PROFILE_CLUSTER_ORGANISATION) {
        size_t k = g->nrecent++ % 64;
        free(g->recent_names[k]);
        free(g->recent_sites[k]);
        g->recent_names[k] = strdup(name);
        g->recent_sites[k] = strdup(site);
        if (g->recent_names[k] == NULL || g->recent_sites[k] == NULL)
            core_oom();
    }

    bool complete = plan->target != T_DRAFT;
    core_value_set(a, &b, "type", str(a, core_profile_type_name(plan->type)));
    core_value_set(a, &b, "name", str(a, name));
    if (chance(&g->rng, cluster_like ? 0.8 : 0.5)) {
        const char *acr = acronym_of(a, name);
        if (core_utf8_count(acr, strlen(acr)) >= 2 && core_utf8_count(acr, strlen(acr)) <= 12)
            core_value_set(a, &b, "acronym", str(a, acr));
    }
    add_location(g, a, &b, &p, true);
    core_value_set(a, &b, "website", str(a, site));
    add_languages(g, a, &b, &p);
    core_value_set(a, &b, "year_founded",
                   core_value_int(1990 + (int64_t)(pow(rnd01(&g->rng), 0.7) * 34.0)));
    int64_t members = 0;
    if (plan->type == CORE_PROFILE_CLUSTER_ORGANISATION)
        add_cluster_fields(g, a, &b, plan->pass, complete, &members);
    else if (cluster_like && chance(&g->rng, 0.7))
        add_cluster_fields(g, a, &b, true, true, &members);
    add_ecosystems(a, &b, &p);
    add_keywords(g, a, &b, &p, 3 + below(&g->rng, 7));
    add_cooperation(g, a, &b, &p);
    if (plan->type == CORE_PROFILE_CLUSTER_ORGANISATION || cluster_like)
        core_value_set(a, &b, "officially_recognised",
                       core_value_bool(plan->target == T_WAIVED || chance(&g->rng, 0.3)));
    if (plan->type == CORE_PROFILE_CLUSTER_ORGANISATION) {
        describe_cluster(g, a, &b, &p, name, members);
    } else {
        const char *d = describe(g, a, &b, &p, name,
                                 cluster_like ? CORE_DEMO_PROSE_NETWORK : CORE_DEMO_PROSE_AGENCY,
                                 NULL, members);
        core_value_set(a, &b, "description", str(a, d));
    }
    if (complete || chance(&g->rng, 0.5))
        add_contact(g, a, &b, &p, site);
    j->body = b;
    j->type = plan->type;
    j->target = plan->target;
    j->note = plan->target == T_DECLINE   ? decline_notes[below(&g->rng, 3)]
              : plan->target == T_CHANGES ? changes_notes[below(&g->rng, 2)]
              : plan->target == T_WAIVED
                  ? "Published as an officially recognised cluster: the validation criteria are "
                    "waived."
                  : NULL;
    j->id_slot = o->id;
    j->user_slot = o->admin;
    o->country = (uint16_t)p.country_ix;
    o->eco = (uint8_t)p.eco;
    o->published = plan->target == T_PUBLISH || plan->target == T_WAIVED;
    o->weight = members > 0 ? sqrt((double)members) : 1;
    digest_value(g, core_profile_type_name(plan->type), &b);
    return j;
}

/* ---- members ---- */

static const char *member_name(gen *g, core_arena *a, const place *p, int kind)
{
    const lang_words *l = lang_of(g, p->c);
    const lang_words *en = &g->t.langs[0];
    switch (kind) {
    case 0: { /* an SME */
        const char *legal = pick(&g->rng, &p->c->legal);
        if (chance(&g->rng, 0.45)) {
            person who = pick_person(g, p->c);
            return core_arena_printf(a, "%s %s %s", who.family, p->w.K, legal);
        }
        return core_arena_printf(a, "%s%s %s", pick(&g->rng, &g->t.brand_head),
                                 pick(&g->rng, &g->t.brand_tail), legal);
    }
    case 1: { /* research */
        const strlist *pat = l->research.n && chance(&g->rng, 0.7) ? &l->research : &en->research;
        return fill(a, pick(&g->rng, pat), &p->w);
    }
    case 2: { /* a public body */
        const strlist *pat = l->public_.n && chance(&g->rng, 0.7) ? &l->public_ : &en->public_;
        return fill(a, pick(&g->rng, pat), &p->w);
    }
    default: /* a large company */
        return core_arena_printf(
            a, "%s%s %s %s", pick(&g->rng, &g->t.brand_head), pick(&g->rng, &g->t.brand_tail),
            chance(&g->rng, 0.5) ? "Group" : "Industries", pick(&g->rng, &p->c->legal));
    }
}

/* Picks a cluster for a member, weighted by the cluster's size; published ones only. */
static size_t pick_cluster(gen *g, const double *cum, size_t n)
{
    double u = rnd01(&g->rng) * cum[n - 1];
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cum[mid] > u)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

static job *member_job(gen *g, size_t m, target tg, const size_t *pub, const double *cum,
                       size_t npub)
{
    job *j = job_new(g);
    core_arena *a = &j->a;
    size_t ci = pub[pick_cluster(g, cum, npub)];
    size_t ci2 = chance(&g->rng, 0.08) ? pub[pick_cluster(g, cum, npub)] : ci;
    const org *c = &g->orgs[ci];
    place p;
    choose_place(g, a, &p, chance(&g->rng, 0.9) ? c->country : pick_country(g), c->eco);
    double u = rnd01(&g->rng);
    int kind = u < 0.72 ? 0 : u < 0.87 ? 1 : u < 0.95 ? 2 : 3;
    static const char *const kinds[] = {"an SME", "a research organisation", "a public body",
                                        "a large company"};
    const char *name = unique_name(g, a, member_name(g, a, &p, kind), &p);
    core_value b = core_value_obj();
    core_value_set(a, &b, "type", str(a, "cluster_member"));
    core_value_set(a, &b, "name", str(a, name));
    add_location(g, a, &b, &p, false);
    const char *site = NULL;
    if (chance(&g->rng, 0.75)) {
        site = website(g, a, name, p.c->cc);
        core_value_set(a, &b, "website", str(a, site));
    }
    add_languages(g, a, &b, &p);
    if (chance(&g->rng, 0.6))
        core_value_set(a, &b, "year_founded",
                       core_value_int(1950 + (int64_t)(pow(rnd01(&g->rng), 0.4) * 74.0)));
    add_ecosystems(a, &b, &p);
    add_keywords(g, a, &b, &p, 3 + below(&g->rng, 4));
    static const core_demo_prose_kind prose_kinds[] = {
        CORE_DEMO_PROSE_COMPANY, CORE_DEMO_PROSE_RESEARCH, CORE_DEMO_PROSE_PUBLIC,
        CORE_DEMO_PROSE_COMPANY};
    const char *d = describe(g, a, &b, &p, name, prose_kinds[kind], kinds[kind], 0);
    if (tg != T_DRAFT || chance(&g->rng, 0.5))
        core_value_set(a, &b, "description", str(a, d));
    if (site != NULL && chance(&g->rng, 0.6))
        add_contact(g, a, &b, &p, site);
    digest_value(g, "cluster_member", &b);

    /* Everything random is drawn; now the ids, which differ from run to run. */
    core_value aff = core_value_arr();
    core_value_push(a, &aff, str(a, c->id));
    if (ci2 != ci)
        core_value_push(a, &aff, str(a, g->orgs[ci2].id));
    core_value_set(a, &b, "affiliations", aff);
    if (m % 3 == 0) {
        j->make_user = true;
        j->ubody = user_body(g, a, &p, name, site ? site : "https://members.example");
    }
    j->user_slot = g->member_users[m / 3];
    org *mo = &g->members[m];
    j->id_slot = mo->id;
    mo->country = (uint16_t)p.country_ix;
    mo->eco = (uint8_t)p.eco;
    mo->published = tg == T_PUBLISH;
    j->body = b;
    j->type = CORE_PROFILE_CLUSTER_MEMBER;
    j->target = tg;
    j->note = tg == T_DECLINE ? decline_notes[2] : NULL;
    if (tg == T_PUBLISH) {
        j->approve[0] = c->id;
        j->approve_admin[0] = c->admin;
        j->napprove = 1;
        if (ci2 != ci) {
            j->approve[1] = g->orgs[ci2].id;
            j->approve_admin[1] = g->orgs[ci2].admin;
            j->napprove = 2;
        }
    }
    return j;
}

/* ---- counts ---- */

static size_t scaled(double base, double scale, bool at_least_one)
{
    double v = round(base * scale);
    if (at_least_one && v < 1)
        v = 1;
    return (size_t)v;
}

/* Members shrink per cluster as the scale grows: 15,000 at scale 1, ~19,000 at 100. */
static size_t member_count(double scale)
{
    return scale <= 1 ? scaled(15000, scale, true) : (size_t)round(15000 * pow(scale, 0.05));
}

static void shuffle(gen *g, org_plan *v, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t k = below(&g->rng, i);
        org_plan t = v[i - 1];
        v[i - 1] = v[k];
        v[k] = t;
    }
}

static void push_plans(org_plan **v, size_t *n, size_t count, core_profile_type type, target tg,
                       bool pass, bool dup)
{
    for (size_t i = 0; i < count; i++)
        (*v)[(*n)++] = (org_plan){type, tg, pass, dup};
}

/* ---- the phases ---- */

static int demo_accounts(gen *g)
{
    const struct {
        const char *username, *email, *role, *title;
        char *id;
    } acc[] = {
        {"demo-moderator", "demo-moderator@platform.example", "moderator", "Moderator",
         g->moderator_id},
        {"demo-user", "demo-user@platform.example", "user", "Cluster manager", g->demo_user_id},
    };
    for (size_t i = 0; i < 2; i++) {
        core_arena a;
        core_arena_init(&a);
        core_value b = core_value_obj();
        core_value_set(&a, &b, "username", str(&a, acc[i].username));
        core_value_set(&a, &b, "email", str(&a, acc[i].email));
        core_value_set(&a, &b, "email_confirm", str(&a, acc[i].email));
        core_value_set(&a, &b, "password", str(&a, g->r->password));
        core_value_set(&a, &b, "organisation_name", str(&a, "ECCP demo platform"));
        core_value_set(&a, &b, "country", str(&a, "BE"));
        core_value_set(&a, &b, "title", str(&a, acc[i].title));
        core_fields f;
        core_fields_init(&f, &a);
        core_user_validate(&f, &b);
        int rc = core_fields_any(&f) ? CORE_EINVALID : 0;
        core_user_create u = {.body = &b, .password_hash = g->hash, .role = acc[i].role, .out = &a};
        if (rc == 0)
            rc = core_store_write_sync(g->s, core_user_create_txn, &u, NULL);
        if (rc == 0)
            snprintf(acc[i].id, ID_SIZE, "%s", core_value_get_str(&u.user, "id"));
        else
            snprintf(g->r->error, sizeof(g->r->error), "account %s: %s", acc[i].username,
                     rc == CORE_ECONFLICT ? "already exists (the store holds demo data)"
                                          : core_strerror(rc));
        core_arena_dispose(&a);
        if (rc != 0)
            return rc;
        g->r->users++;
        g->r->records++;
    }
    return 0;
}

/* Validates an account body like the API does before its write. */
static int check_user(gen *g, job *j)
{
    core_fields f;
    core_fields_init(&f, &j->a);
    core_user_validate(&f, &j->ubody);
    if (!core_fields_any(&f))
        return 0;
    snprintf(g->r->error, sizeof(g->r->error), "generated account %s: %s %s",
             core_value_get_str(&j->ubody, "username"), f.obj.u.obj.items[0].key.ptr,
             f.obj.u.obj.items[0].value.u.s.ptr);
    job_free(j);
    return CORE_EINVALID;
}

static int phase_orgs(gen *g)
{
    double s = g->o->scale;
    size_t pub = scaled(1500, s, true);
    size_t waived = (size_t)round((double)pub * 0.12);
    size_t review = scaled(30, s, true), declined = scaled(12, s, true);
    size_t drafts = scaled(15, s, true), changes = scaled(6, s, true);
    size_t dup_review = scaled(8, s, false), dup_pub = scaled(10, s, false);
    static const struct {
        core_profile_type type;
        double n;
    } others[] = {
        {CORE_PROFILE_CLUSTER_PARTNERSHIP, 35},  {CORE_PROFILE_NATIONAL_ASSOCIATION, 30},
        {CORE_PROFILE_META_CLUSTER_NETWORK, 25}, {CORE_PROFILE_POLICY_INSTITUTION, 50},
        {CORE_PROFILE_TRAINING_PROVIDER, 35},    {CORE_PROFILE_RESOURCE_EFFICIENCY_PROVIDER, 25},
    };
    size_t nclusters = pub + review + declined + drafts + changes + dup_review + dup_pub;
    size_t nothers = 1; /* demo-user's draft */
    for (size_t i = 0; i < 6; i++)
        nothers += scaled(others[i].n, s, true) + scaled(others[i].n * 0.06, s, false);
    org_plan *plan = calloc(nclusters + nothers, sizeof(org_plan));
    g->orgs = calloc(nclusters + nothers, sizeof(org));
    if (plan == NULL || g->orgs == NULL)
        core_oom();
    size_t n = 0;
    push_plans(&plan, &n, pub - waived - dup_pub, CORE_PROFILE_CLUSTER_ORGANISATION, T_PUBLISH,
               true, false);
    push_plans(&plan, &n, waived, CORE_PROFILE_CLUSTER_ORGANISATION, T_WAIVED, false, false);
    push_plans(&plan, &n, review - review * 2 / 5, CORE_PROFILE_CLUSTER_ORGANISATION, T_REVIEW,
               true, false);
    push_plans(&plan, &n, review * 2 / 5, CORE_PROFILE_CLUSTER_ORGANISATION, T_REVIEW, false,
               false);
    push_plans(&plan, &n, declined, CORE_PROFILE_CLUSTER_ORGANISATION, T_DECLINE, false, false);
    push_plans(&plan, &n, drafts, CORE_PROFILE_CLUSTER_ORGANISATION, T_DRAFT, true, false);
    push_plans(&plan, &n, changes, CORE_PROFILE_CLUSTER_ORGANISATION, T_CHANGES, true, false);
    /* near-duplicates come after the first organisations, so they have something to copy */
    shuffle(g, plan + 1, n - 1);
    push_plans(&plan, &n, dup_review, CORE_PROFILE_CLUSTER_ORGANISATION, T_REVIEW, true, true);
    push_plans(&plan, &n, dup_pub, CORE_PROFILE_CLUSTER_ORGANISATION, T_PUBLISH, true, true);
    size_t first_other = n;
    for (size_t i = 0; i < 6; i++) {
        size_t k = scaled(others[i].n, s, true), extra = scaled(others[i].n * 0.06, s, false);
        push_plans(&plan, &n, k, others[i].type, T_PUBLISH, true, false);
        for (size_t e = 0; e < extra; e++)
            push_plans(&plan, &n, 1, others[i].type,
                       e % 3 == 0   ? T_REVIEW
                       : e % 3 == 1 ? T_DRAFT
                                    : T_DECLINE,
                       true, false);
    }
    shuffle(g, plan + first_other, n - first_other);
    /* demo-user's draft, to try editing and submitting with */
    push_plans(&plan, &n, 1, CORE_PROFILE_TRAINING_PROVIDER, T_DRAFT, true, false);
    g->norgs = n;
    g->nclusters = nclusters;

    begin_phase(g, "organisations", n);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        job *j = org_job(g, i, &plan[i]);
        /* demo-user administers the first cluster (published) and the last organisation
         * (a draft); everyone else gets an account of their own. */
        if (i == 0 || i == n - 1) {
            memcpy(g->orgs[i].admin, g->demo_user_id, ID_SIZE);
        } else {
            j->make_user = true;
            const char *site = core_value_get_str(&j->body, "website");
            place p = {0};
            p.c = &g->t.countries[g->orgs[i].country];
            j->ubody = user_body(g, &j->a, &p, core_value_get_str(&j->body, "name"), site);
            if ((rc = check_user(g, j)) != 0)
                break;
        }
        rc = submit(g, j);
    }
    free(plan);
    int drc = drain(g);
    return rc != 0 ? rc : drc;
}

static int phase_members(gen *g)
{
    size_t m = member_count(g->o->scale);
    size_t *pub = malloc(g->nclusters * sizeof(size_t));
    double *cum = malloc(g->nclusters * sizeof(double));
    g->member_users = calloc(m / 3 + 1, ID_SIZE);
    g->members = calloc(m ? m : 1, sizeof(org));
    g->nmembers = m;
    if (pub == NULL || cum == NULL || g->member_users == NULL || g->members == NULL)
        core_oom();
    size_t npub = 0;
    double total = 0;
    for (size_t i = 0; i < g->nclusters; i++)
        if (g->orgs[i].published) {
            total += g->orgs[i].weight;
            pub[npub] = i;
            cum[npub++] = total;
        }
    begin_phase(g, "members", m);
    int rc = 0;
    for (size_t i = 0; i < m && rc == 0 && npub > 0; i++) {
        double u = rnd01(&g->rng);
        target tg = u < 0.987 ? T_PUBLISH : u < 0.992 ? T_REVIEW : u < 0.997 ? T_DRAFT : T_DECLINE;
        job *j = member_job(g, i, tg, pub, cum, npub);
        if (j->make_user && (rc = check_user(g, j)) != 0)
            break;
        rc = submit(g, j);
    }
    free(pub);
    free(cum);
    int drc = drain(g);
    return rc != 0 ? rc : drc;
}

/* Registrations per profile: most published organisations in eligible countries take
 * part once; at larger scales hosts offer further periods (one registration each), so
 * scale 100 reaches a million registrations over ~200,000 profiles. */
static size_t registration_count(double scale)
{
    return scaled(10000, scale, true);
}

static const char *day_string(core_arena *a, int64_t day)
{
    time_t t = (time_t)day * 86400;
    struct tm tm;
    gmtime_r(&t, &tm);
    return core_arena_printf(a, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/* A registration for profile o (administered by admin): host, visitor or both (extra is
 * true for a host's further registration), with preferences drawn from its place. */
static job *registration_job(gen *g, const org *o, const char *admin, bool extra, bool showcase,
                             int64_t today)
{
    job *j = job_new(g);
    core_arena *a = &j->a;
    const country *c = &g->t.countries[o->country];
    core_value b = core_value_obj();
    double u = rnd01(&g->rng);
    bool host = extra || showcase || u < 0.65, visitor = showcase || (!extra && u >= 0.45);
    core_value roles = core_value_arr();
    if (host)
        core_value_push(a, &roles, str(a, "host"));
    if (visitor)
        core_value_push(a, &roles, str(a, "visitor"));
    core_value_set(a, &b, "roles", roles);

    /* ecosystems: its own, often one or two neighbours */
    int eco[3] = {o->eco, -1, -1};
    size_t neco = 1;
    for (size_t k = 0; k < 2; k++)
        if (chance(&g->rng, 0.45)) {
            int e = pick_eco(g);
            bool seen = false;
            for (size_t i = 0; i < neco; i++)
                seen |= eco[i] == e;
            if (!seen)
                eco[neco++] = e;
        }
    core_value ecos = core_value_arr();
    for (size_t i = 0; i < neco; i++)
        core_value_push(a, &ecos, str(a, core_vocab_id(CORE_VOCAB_ECOSYSTEM, (size_t)eco[i])));
    core_value_set(a, &b, "ecosystems", ecos);

    /* target countries: any (40%) or a few eligible ones, skewed like the platform */
    core_value targets = core_value_arr();
    if (chance(&g->rng, 0.6)) {
        size_t want = 1 + below(&g->rng, 4), have = 0;
        const char *seen[4];
        for (size_t tries = 0; have < want && tries < 16; tries++) {
            const char *cc = g->t.countries[pick_country(g)].cc;
            bool dup = core_country_eligible(cc, 2) != 1 || strcmp(cc, c->cc) == 0;
            for (size_t i = 0; i < have; i++)
                dup |= strcmp(seen[i], cc) == 0;
            if (!dup) {
                seen[have++] = cc;
                core_value_push(a, &targets, str(a, cc));
            }
        }
    }
    core_value_set(a, &b, "target_countries", targets);

    size_t nobj = core_vocab_count(CORE_VOCAB_OBJECTIVE);
    core_value objectives = core_value_arr();
    size_t first = zipf(&g->rng, nobj), second = below(&g->rng, nobj);
    core_value_push(a, &objectives, str(a, core_vocab_id(CORE_VOCAB_OBJECTIVE, first)));
    if (second != first && chance(&g->rng, 0.6))
        core_value_push(a, &objectives, str(a, core_vocab_id(CORE_VOCAB_OBJECTIVE, second)));
    core_value_set(a, &b, "objectives", objectives);

    /* languages: English mostly, and the country's own */
    core_value langs = core_value_arr();
    bool english = c->nlanguages == 0 || chance(&g->rng, 0.8);
    if (english)
        core_value_push(a, &langs, str(a, "en"));
    for (size_t i = 0; i < c->nlanguages && i < 2; i++)
        if (strcmp(c->languages[i], "en") != 0 && (i == 0 || chance(&g->rng, 0.3)))
            core_value_push(a, &langs, str(a, c->languages[i]));
    if (langs.u.arr.len == 0)
        core_value_push(a, &langs, str(a, "en"));
    core_value_set(a, &b, "languages", langs);

    int64_t dmin = 3 + (int64_t)below(&g->rng, 8);
    int64_t dmax = dmin + (int64_t)below(&g->rng, (size_t)(CORE_XCHANGE_MAX_DAYS - dmin + 1));
    core_value dur = core_value_obj();
    core_value_set(a, &dur, "min", core_value_int(dmin));
    core_value_set(a, &dur, "max", core_value_int(dmax));
    core_value_set(a, &b, "duration_days", dur);
    if (host)
        core_value_set(a, &b, "host_capacity",
                       core_value_int(1 + (int64_t)zipf(&g->rng, chance(&g->rng, 0.05) ? 20 : 5)));
    const char *t1 = term(g, o->eco), *t2 = term(g, o->eco);
    if (host)
        core_value_set(a, &b, "offer",
                       str(a, core_arena_printf(a, "Visits to members working on %s and %s; "
                                                   "introductions to the regional ecosystem.",
                                                t1, t2)));
    if (visitor)
        core_value_set(a, &b, "demand",
                       str(a, core_arena_printf(a, "Partners in %s for joint projects; how "
                                                   "other clusters organise their services.",
                                                t2)));
    /* availability: one to three windows in the coming year, as offsets from today so
     * the digest does not depend on the day it runs */
    size_t nwin = 1 + zipf(&g->rng, 3);
    int64_t start = 7 + (int64_t)below(&g->rng, 120), offsets[6];
    for (size_t i = 0; i < nwin; i++) {
        int64_t len = dmin + 7 + (int64_t)below(&g->rng, 75);
        offsets[2 * i] = start;
        offsets[2 * i + 1] = start + len - 1;
        start += len + 14 + (int64_t)below(&g->rng, 60);
    }
    digest_value(g, "xchange_registration", &b);
    core_sha256_update(&g->digest, offsets, nwin * 2 * sizeof(offsets[0]));
    core_value windows = core_value_arr();
    for (size_t i = 0; i < nwin; i++) {
        core_value w = core_value_obj();
        core_value_set(a, &w, "from", str(a, day_string(a, today + offsets[2 * i])));
        core_value_set(a, &w, "to", str(a, day_string(a, today + offsets[2 * i + 1])));
        core_value_push(a, &windows, w);
    }
    core_value_set(a, &b, "availability", windows);
    core_value_set(a, &b, "profile_id", str(a, o->id));

    /* most are accepted; some wait for the moderator, a few were turned down */
    double d = rnd01(&g->rng);
    j->xstate = showcase || d < 0.86 ? 1 : d < 0.96 ? 0 : 2;
    j->xdecision = j->xstate == 1 ? "accept" : j->xstate == 2 ? "reject" : NULL;
    j->registration = true;
    j->admin_id = admin;
    j->body = b;
    return j;
}

/* ClusterXchange registrations for published organisations and members in eligible
 * countries, drawn after every other draw so the profiles stay the same. */
static int phase_xchange(gen *g)
{
    size_t want = registration_count(g->o->scale);
    size_t n = g->norgs + g->nmembers, nelig = 0;
    size_t *elig = malloc((n ? n : 1) * sizeof(size_t));
    if (elig == NULL)
        core_oom();
    for (size_t i = 0; i < n; i++) {
        const org *o = i < g->norgs ? &g->orgs[i] : &g->members[i - g->norgs];
        if (o->published && o->id[0] && core_country_eligible(g->t.countries[o->country].cc, 2) == 1)
            elig[nelig++] = i;
    }
    int64_t today = (int64_t)(time(NULL) / 86400);
    begin_phase(g, "registrations", want);
    int rc = 0;
    /* One pass over a shuffled order gives each organisation at most one registration
     * (host, visitor or both: an organisation visits once); further passes add host
     * periods. */
    for (size_t i = 0; i < want && rc == 0 && nelig > 0; i++) {
        size_t pass = i / nelig, k = i % nelig;
        if (k == 0) {
            for (size_t x = nelig; x > 1; x--) {
                size_t y = below(&g->rng, x), tmp = elig[x - 1];
                elig[x - 1] = elig[y];
                elig[y] = tmp;
            }
            for (size_t x = 0; pass == 0 && x < nelig; x++)
                if (elig[x] == 0) { /* demo-user's cluster first, to show matches with */
                    elig[x] = elig[0];
                    elig[0] = 0;
                }
        }
        size_t ix = elig[k];
        const org *o = ix < g->norgs ? &g->orgs[ix] : &g->members[ix - g->norgs];
        const char *admin = ix < g->norgs ? o->admin : g->member_users[(ix - g->norgs) / 3];
        rc = submit(g, registration_job(g, o, admin, pass > 0, pass == 0 && ix == 0, today));
    }
    free(elig);
    int drc = drain(g);
    return rc != 0 ? rc : drc;
}

/* ---- entry points ---- */

void core_demo_options_init(core_demo_options *o)
{
    memset(o, 0, sizeof(*o));
    o->scale = 1;
    o->seed = 1;
    o->in_flight = DEFAULT_FLIGHT;
}

bool core_demo_store_has_profiles(core_store *s)
{
    core_iter *it = core_store_iter_prefix(s, CORE_CF_RECORDS, CORE_SLICE_LIT("profile/"));
    core_slice k, v;
    bool any = core_iter_next(it, &k, &v);
    core_iter_free(it);
    return any;
}

int core_demo_generate(core_store *s, const core_demo_options *o, core_demo_report *out)
{
    memset(out, 0, sizeof(*out));
    snprintf(out->moderator, sizeof(out->moderator), "demo-moderator");
    snprintf(out->user, sizeof(out->user), "demo-user");
    if (!(o->scale >= 0.001 && o->scale <= 1000) ||
        (o->password != NULL && (strlen(o->password) < CORE_PASSWORD_MIN ||
                                 strlen(o->password) >= sizeof(out->password)))) {
        snprintf(out->error, sizeof(out->error),
                 "the scale runs from 0.001 to 1000 and a password has 10 to 63 characters");
        return CORE_EINVALID;
    }
    gen *g = calloc(1, sizeof(*g));
    if (g == NULL)
        core_oom();
    g->s = s;
    g->o = o;
    g->r = out;
    g->rng = o->seed ^ 0x6563637064656d6full; /* "eccpdemo" */
    g->max_in_flight = o->in_flight ? o->in_flight : DEFAULT_FLIGHT;
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    core_sha256_init(&g->digest);
    clock_gettime(CLOCK_MONOTONIC, &g->start);
    g->last_progress = g->start;
    char seedtag[64];
    snprintf(seedtag, sizeof(seedtag), "%llu/%.6f", (unsigned long long)o->seed, o->scale);
    core_sha256_update(&g->digest, seedtag, strlen(seedtag));

    if (o->password != NULL)
        snprintf(out->password, sizeof(out->password), "%s", o->password);
    else
        core_random_token(out->password, 12); /* 16 characters */

    int rc = tables_load(&g->t);
    if (rc != 0)
        snprintf(out->error, sizeof(out->error), "the embedded demo vocabulary is malformed");
    if (rc == 0) {
        begin_phase(g, "accounts", 2);
        /* One hash for every demo account: argon2id costs ~50 ms each. */
        rc = core_password_hash(out->password, g->hash);
    }
    if (rc == 0)
        rc = demo_accounts(g);
    if (rc == 0)
        rc = phase_orgs(g);
    if (rc == 0)
        rc = phase_members(g);
    if (rc == 0)
        rc = phase_xchange(g);
    if (rc == 0 && (rc = core_demo_events(s, o->seed)) != 0) /* demo/events.c */
        snprintf(out->error, sizeof(out->error), "demo events: %s", core_strerror(rc));
    if (rc == 0) /* exchanges in every state (demo/exchange.c) */
        rc = core_demo_exchanges(s, g->moderator_id, 2, &out->exchanges);
    if (rc == 0) /* issue 16 */
        rc = core_demo_partner_generate(s, o->seed, o->scale, time(NULL), &out->partner_searches,
                                        out->error, sizeof(out->error));
    if (rc == 0) /* issue 20: news and logos (demo/content.c) */
        rc = core_demo_content_generate(s, o->seed, o->scale, &out->news, &out->logos);
    if (rc == 0)
        begin_phase(g, "done", 0);
    core_sha256_final(&g->digest, out->digest);
    out->seconds = elapsed(&g->start);

    tables_dispose(&g->t);
    set_dispose(&g->names);
    set_dispose(&g->domains);
    for (size_t i = 0; i < 64; i++) {
        free(g->recent_names[i]);
        free(g->recent_sites[i]);
    }
    free(g->orgs);
    free(g->member_users);
    free(g->members);
    pthread_mutex_destroy(&g->mu);
    pthread_cond_destroy(&g->cv);
    free(g);
    return rc;
}
