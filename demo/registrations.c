/* registrations.c: the demo generator's ClusterXchange registrations, the last of its
 * phases over the generated profiles (see gen.h). */
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
                       str(a, core_arena_printf(a,
                                                "Visits to members working on %s and %s; "
                                                "introductions to the regional ecosystem.",
                                                t1, t2)));
    if (visitor)
        core_value_set(a, &b, "demand",
                       str(a, core_arena_printf(a,
                                                "Partners in %s for joint projects; how "
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
int phase_xchange(gen *g)
{
    size_t want = registration_count(g->o->scale);
    size_t n = g->norgs + g->nmembers, nelig = 0;
    size_t *elig = malloc((n ? n : 1) * sizeof(size_t));
    if (elig == NULL)
        core_oom();
    for (size_t i = 0; i < n; i++) {
        const org *o = i < g->norgs ? &g->orgs[i] : &g->members[i - g->norgs];
        if (o->published && o->id[0] &&
            core_country_eligible(g->t.countries[o->country].cc, 2) == 1)
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
