/*
 * gen.h: the demo generator's insides, shared by its files and by no one else: demo.c runs
 * the phases (its comment tells how the generator works), tables.c parses the embedded
 * data, random.c draws numbers, text.c makes up text, places and names, jobs.c queues the
 * writes, profiles.c and registrations.c build them. Everything of one run hangs off gen.
 */
#ifndef ECCPD_DEMO_GEN_H
#define ECCPD_DEMO_GEN_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "core/account.h"
#include "core/arena.h"
#include "core/id.h"
#include "core/profile.h"
#include "core/sha256.h"
#include "core/value.h"
#include "demo/demo.h"
#include "demo/random.h"

enum {
    NECO = 14,      /* the EU industrial ecosystems */
    MAX_LANGS = 32, /* languages with local words */
    DEFAULT_FLIGHT = 256,
    ID_SIZE = CORE_ID_LEN + 1,
};

/* ---- tables.c: the tables parsed from the embedded data ---- */

typedef struct strlist {
    const char **v;
    size_t n, cap;
} strlist;

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

int eco_of(const char *id);
void tables_dispose(tables *t);
int tables_load(tables *t);

/* ---- random.c: random numbers and sets of strings ---- */

typedef struct strset {
    char **slot;
    size_t cap, n;
} strset;

double rnd01(uint64_t *s);
size_t below(uint64_t *s, size_t n);
bool chance(uint64_t *s, double p);
size_t zipf(uint64_t *s, size_t n);
const char *pick(uint64_t *s, const strlist *l);
bool set_has(const strset *set, const char *s);
void set_add(strset *set, const char *s);
void set_dispose(strset *set);

/* ---- jobs.c: the plan, the run and its jobs ---- */

/* What a job does after creating its profile. */
typedef enum target {
    T_DRAFT,   /* created, never submitted */
    T_CHANGES, /* submitted, then the moderator asked for changes: a draft again */
    T_REVIEW,  /* submitted, waiting in the moderation queue */
    T_PUBLISH, /* submitted and published */
    T_WAIVED,  /* fails the criteria, published with waive_criteria (recognised) */
    T_DECLINE, /* submitted and declined */
} target;

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

double elapsed(const struct timespec *since);
job *job_new(gen *g);
void job_free(job *j);
void digest_value(gen *g, const char *tag, const core_value *v);
int submit(gen *g, job *j);
int drain(gen *g);
void begin_phase(gen *g, const char *phase, uint64_t total);
/* Runs fn as one write that records notifications but queues no e-mail (the demo's
 * addresses are fictional), and waits for it: its commit's code. The later kinds (events.c,
 * exchange.c, partner.c) write one at a time this way. */
int demo_write_quiet(core_store *s, core_txn_fn fn, void *arg);

/* ---- text.c: random text, places, people and names ---- */

/* Replaces {C} {E} {X} {K} {R} {T} {P} in pattern. */
typedef struct words {
    const char *C, *E, *X, *K, *R, *T, *P;
} words;

/* Everything about where and what an organisation is. */
typedef struct place {
    size_t country_ix;
    const country *c;
    const city *town;
    int eco, eco2; /* eco2 = -1 when none */
    words w;
} place;

typedef struct person {
    const char *given, *family;
} person;

char *fill(core_arena *a, const char *pattern, const words *w);
char *acronym_of(core_arena *a, const char *name);
core_value str(core_arena *a, const char *s);
core_value str_list(core_arena *a, const char *const *v, size_t n);
size_t pick_country(gen *g);
int pick_eco(gen *g);
const char *term(gen *g, int eco);
const lang_words *lang_of(gen *g, const country *c);
void choose_place(gen *g, core_arena *a, place *p, size_t country_ix, int eco);
void add_location(gen *g, core_arena *a, core_value *b, const place *p, bool address);
void add_languages(gen *g, core_arena *a, core_value *b, const place *p);
void add_keywords(gen *g, core_arena *a, core_value *b, const place *p, size_t want);
void add_ecosystems(core_arena *a, core_value *b, const place *p);
const char *website(gen *g, core_arena *a, const char *name, const char *cc);
person pick_person(gen *g, const country *c);
void add_contact(gen *g, core_arena *a, core_value *b, const place *p, const char *site);
core_value user_body(gen *g, core_arena *a, const place *p, const char *org_name, const char *site);
const char *unique_name(gen *g, core_arena *a, const char *name, const place *p);
const char *near_duplicate(gen *g, core_arena *a, const char *orig);

/* ---- profiles.c: organisations and members ---- */

typedef struct org_plan {
    core_profile_type type;
    target target;
    bool pass;      /* cluster: meets the criteria */
    bool duplicate; /* a near-duplicate of an earlier organisation */
} org_plan;

job *org_job(gen *g, size_t ix, const org_plan *plan);
job *member_job(gen *g, size_t m, target tg, const size_t *pub, const double *cum, size_t npub);

/* ---- demo.c: the counts and phases ---- */

size_t scaled(double base, double scale, bool at_least_one);

/* ---- registrations.c: ClusterXchange registrations ---- */

int phase_xchange(gen *g);

#endif
