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
#include "demo/gen.h"

/* ---- counts ---- */

size_t scaled(double base, double scale, bool at_least_one)
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
