/* profiles.c: the demo generator's organisations and cluster members, each built as one
 * job (see gen.h). */
#include "demo/gen.h"

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
        out = core_arena_printf(a, "%s%s%s", out,
                                i == 0           ? ""
                                : i + 1 == shown ? " and "
                                                 : ", ",
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
job *org_job(gen *g, size_t ix, const org_plan *plan)
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

job *member_job(gen *g, size_t m, target tg, const size_t *pub, const double *cum, size_t npub)
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
