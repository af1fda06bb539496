/*
 * prose.c: see prose.h.
 *
 * A description is built from sections (opening, mission, members, services, projects,
 * closing for organisations; opening, activity, customers, cooperation for members), each a
 * list of sentence patterns. Patterns name what they need ({S} the services, {C} partner
 * countries, {M} a member count...) and are skipped when the profile lacks it. The sections
 * are taken in order, a shuffled subset of each, until the length drawn for this profile
 * (60-150 words with the local paragraph) is reached; sentences that would pass 150 words
 * are left out, and if the sections run dry below 60 words the extra section is drawn
 * from again (with fresh terms) until 60 are there.
 *
 * Pattern slots:
 *   {N} name  {T} city  {R} region  {P} country  {E} ecosystem  {F} second ecosystem (or the
 *   first)  {k} the next of the profile's keywords (then a term)  {t} a term of the first
 *   ecosystem  {u} a term of the second (or first)  {S} services  {C} partner countries
 *   {M} member count  {m} SMEs  {r} research organisations  {Y} year founded  {K} kind, with its
 * article
 */
#include "demo/prose.h"
#include "demo/random.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

enum { MIN_WORDS = 60, MAX_WORDS = 150 };

static size_t below(uint64_t *s, size_t n)
{
    return n ? (size_t)(demo_splitmix64(s) % n) : 0;
}

typedef struct section {
    const char *const *v; /* NULL-terminated patterns */
    int min, max;         /* sentences taken when the length allows */
    bool paragraph;       /* starts a new paragraph */
} section;

/* ---- organisations ---- */

static const char *const cluster_open[] = {
    "{N} is the {E} cluster of {R}, based in {T}, {P}.",
    "Founded in {Y}, {N} is the cluster organisation for {E} in {T} and the wider region of {R}.",
    "{N} brings together {M} organisations of {R} ({P}) working in {E}.",
    "From its office in {T}, {N} connects the {E} community of {R} and {P}.", NULL};
static const char *const cluster_mission[] = {
    "Our mission is to strengthen the competitiveness of {E} companies in the region through "
    "cooperation, innovation and skills.",
    "We help our members turn research on {k} into products, services and new jobs.",
    "The cluster is a neutral meeting point where SMEs, large companies, universities and public "
    "authorities shape a shared strategy for {k} and {k}.",
    "Our strategy for the coming years focuses on {k}, {t} and the twin green and digital "
    "transition of the {E} value chain.",
    "We represent the interests of the sector towards regional and national policy makers and "
    "raise the visibility of {R} as a location for {t}.",
    NULL};
static const char *const cluster_members[] = {
    "Our {M} members include {m} SMEs and {r} research and technology organisations, together "
    "with large companies, investors and public bodies.",
    "Members range from start-ups to international groups active in {t}, {u} and {k}.",
    "Many member companies supply {t} and {u} to customers in {F} and beyond.", NULL};
static const char *const cluster_services[] = {
    "We offer {S} to our members.",
    "Members benefit from {S}, and from a joint presence at international trade fairs.",
    "Our team provides {S}, and helps members find funding for projects on {k}.", NULL};
static const char *const cluster_projects[] = {
    "Current projects address {k} and {t}, with pilots run by member companies.",
    "In a cross-border project with partners from {C} we develop {k} solutions for SMEs.",
    "Working groups on {t}, {u} and {k} meet every quarter to share results and plan new "
    "projects.",
    "A regional programme on {t} supports companies testing new {k} approaches in real "
    "production settings.",
    "We take part in European projects on {u} and {k}, and cooperate closely with clusters in "
    "{C}.",
    "Our annual conference in {T} gathers companies, researchers and investors from the {E} "
    "sector.",
    NULL};
static const char *const cluster_close[] = {
    "We welcome new members and partners interested in {k}.",
    "Contact us to join the cluster or to find partners for {t} in {R}.",
    "Companies looking for partners in {E} in {P} are welcome to get in touch.", NULL};

static const char *const network_open[] = {
    "{N} is a network of cluster organisations working in {E}, with its secretariat in {T}, "
    "{P}.",
    "Founded in {Y}, {N} connects cluster organisations and their members across {P} and "
    "Europe in {E} and {F}.",
    NULL};
static const char *const network_mission[] = {
    "The network helps its clusters share good practice, build joint projects and speak with "
    "one voice on {k} and {t}.",
    "Its members coordinate strategies for {k} and {u} and open their services to companies "
    "from partner regions.",
    "Our aim is to make cluster support in {E} more visible and more useful for SMEs.", NULL};
static const char *const agency_open[] = {
    "{N} ({T}, {P}) works with cluster organisations in {R} and across Europe on {k} and {t}.",
    "Founded in {Y}, {N} supports cluster organisations and companies in {R} working in {E}.",
    NULL};
static const char *const agency_mission[] = {
    "We design and run programmes that help clusters grow their services for SMEs, with a "
    "focus on {k} and {u}.",
    "Our experts advise regional authorities on smart specialisation and on {t}.",
    "We train cluster managers and staff in project management, internationalisation and "
    "{k}.",
    NULL};
static const char *const org_extra[] = {
    "Recent activities include workshops on {t}, study visits and matchmaking events for "
    "companies from {R}.",
    "We publish studies on {k} and {u} and share data on the regional {E} economy.",
    "Partnerships with universities in {T} give members access to talent and laboratories for "
    "{t}.",
    "Together with partners we organise training on {k} for employees of member companies.",
    "We also support start-ups in {E} with mentoring, test beds and contacts to investors.",
    NULL};

/* ---- members ---- */

static const char *const member_open[] = {
    "{N} is {K} in {T}, {P}, specialised in {k} and {t}.",
    "Based in {T} ({R}), {N} is {K} working in {E}, with a focus on {k}.",
    "{N} is {K} from {T} serving customers in {E} with expertise in {k} and {u}.", NULL};
static const char *const company_activity[] = {
    "Founded in {Y}, the company develops {k} for customers in {F}.",
    "Our team of engineers and specialists works on {t}, {u} and {k}.",
    "We design, produce and maintain solutions for {t}, from the first prototype to series "
    "production.",
    "Our products include {k} and {t}, sold under our own brand and as a supplier to larger "
    "manufacturers.",
    NULL};
static const char *const research_activity[] = {
    "Our research groups study {k} and {t}, from basic research to pilot lines.",
    "We offer laboratory services, testing and training for companies working in {E}.",
    "Founded in {Y}, the institute runs joint projects with industry on {k} and {u}.", NULL};
static const char *const public_activity[] = {
    "{N} supports companies and municipalities in {R} with funding advice and projects on {k}.",
    "We run regional programmes on {t} and help SMEs take part in European projects.",
    "Our staff connect businesses, schools and research in {T} around {u}.", NULL};
static const char *const member_customers[] = {
    "We supply products and services to industrial customers across {P} and Europe.",
    "Customers in {F} rely on our know-how in {t} and {k}.",
    "Most of our work is done for clients in {R}, and a growing share abroad.", NULL};
static const char *const member_cooperation[] = {
    "As a member of a regional cluster we take part in joint projects on {k} and look for "
    "partners in {C}.",
    "We are looking for partners for research and development on {t} and {u}.",
    "Through our cluster we work with universities and other companies on {k}.", NULL};
static const char *const member_extra[] = {
    "Quality, reliability and long-term partnerships with our customers are at the heart of "
    "what we do.",
    "We invest in training of our staff, in {t} and in new production equipment.",
    "Sustainability matters to us: we work to reduce energy use and waste in {E}.",
    "We are open to cooperation with companies and research partners working on {k}.", NULL};

typedef struct writer {
    core_arena *a;
    uint64_t *rng;
    const core_demo_prose *p;
    size_t next_keyword;
    const char *recent[4]; /* terms used lately, not repeated at once */
    char *out;
    size_t len, cap, words;
    size_t max_words; /* MAX_WORDS less the local paragraph's */
} writer;

static bool needs_ok(const char *pat, const core_demo_prose *p)
{
    if (strstr(pat, "{S}") && (p->services == NULL || p->services[0] == '\0'))
        return false;
    if (strstr(pat, "{C}") && (p->partners == NULL || p->partners[0] == '\0'))
        return false;
    if (strstr(pat, "{M}") && p->members <= 0)
        return false;
    if ((strstr(pat, "{m}") || strstr(pat, "{r}")) && (p->smes <= 0 || p->research <= 0))
        return false;
    if (strstr(pat, "{Y}") && p->founded <= 0)
        return false;
    return true;
}

static bool recent(const writer *w, const char *t)
{
    for (size_t i = 0; i < 4; i++)
        if (w->recent[i] && strcmp(w->recent[i], t) == 0)
            return true;
    return false;
}

static const char *term_of(writer *w, const char *const *v, size_t n)
{
    if (n == 0)
        return w->p->eco;
    const char *t = v[below(w->rng, n)];
    for (int tries = 0; tries < 4 && recent(w, t); tries++)
        t = v[below(w->rng, n)];
    memmove(&w->recent[1], &w->recent[0], 3 * sizeof(w->recent[0]));
    w->recent[0] = t;
    return t;
}

static const char *keyword(writer *w)
{
    const core_demo_prose *p = w->p;
    if (w->next_keyword < p->nkeywords) {
        const char *k = p->keywords[w->next_keyword++];
        memmove(&w->recent[1], &w->recent[0], 3 * sizeof(w->recent[0]));
        w->recent[0] = k;
        return k;
    }
    return term_of(w, p->terms, p->nterms);
}

/* The pattern filled in, into the arena. */
static const char *fill(writer *w, const char *pat)
{
    const core_demo_prose *p = w->p;
    const char *out = "";
    const char *lit = pat;
    for (const char *c = pat; *c; c++) {
        if (c[0] != '{' || c[1] == '\0' || c[2] != '}')
            continue;
        const char *rep = NULL;
        char num[24];
        switch (c[1]) {
        case 'N':
            rep = p->name;
            break;
        case 'T':
            rep = p->city;
            break;
        case 'R':
            rep = p->region;
            break;
        case 'P':
            rep = p->country;
            break;
        case 'E':
            rep = p->eco;
            break;
        case 'F':
            rep = p->eco2 ? p->eco2 : p->eco;
            break;
        case 'K':
            rep = p->kind_text ? p->kind_text : "a company";
            break;
        case 'k':
            rep = keyword(w);
            break;
        case 't':
            rep = term_of(w, p->terms, p->nterms);
            break;
        case 'u':
            rep = p->nterms2 ? term_of(w, p->terms2, p->nterms2) : term_of(w, p->terms, p->nterms);
            break;
        case 'S':
            rep = p->services;
            break;
        case 'C':
            rep = p->partners;
            break;
        case 'M':
            snprintf(num, sizeof(num), "%" PRId64, p->members);
            rep = num;
            break;
        case 'm':
            snprintf(num, sizeof(num), "%" PRId64, p->smes);
            rep = num;
            break;
        case 'r':
            snprintf(num, sizeof(num), "%" PRId64, p->research);
            rep = num;
            break;
        case 'Y':
            snprintf(num, sizeof(num), "%" PRId64, p->founded);
            rep = num;
            break;
        default:
            continue;
        }
        out = core_arena_printf(w->a, "%s%.*s%s", out, (int)(c - lit), lit, rep);
        c += 2;
        lit = c + 1;
    }
    return core_arena_printf(w->a, "%s%s", out, lit);
}

size_t core_demo_prose_words(const char *s)
{
    size_t n = 0;
    bool in = false;
    for (; *s; s++) {
        bool space = *s == ' ' || *s == '\n' || *s == '\t';
        if (!space && !in)
            n++;
        in = !space;
    }
    return n;
}

static void append(writer *w, const char *s, bool paragraph)
{
    size_t sl = strlen(s);
    if (w->len + sl + 3 > w->cap) {
        size_t cap = 2 * (w->len + sl + 3);
        char *o = core_arena_alloc(w->a, cap);
        if (w->len > 0)
            memcpy(o, w->out, w->len);
        w->out = o;
        w->cap = cap;
    }
    if (w->len > 0) {
        if (paragraph) {
            w->out[w->len++] = '\n';
            w->out[w->len++] = '\n';
        } else {
            w->out[w->len++] = ' ';
        }
    }
    memcpy(w->out + w->len, s, sl);
    w->len += sl;
    w->out[w->len] = '\0';
    w->words += core_demo_prose_words(s);
}

/* Takes up to max (at least min when they fit) sentences of sec, in a shuffled order,
 * while the text is shorter than target. */
static void take(writer *w, const section *sec, size_t target)
{
    const char *v[16];
    size_t n = 0;
    for (size_t i = 0; sec->v[i] && n < 16; i++)
        if (needs_ok(sec->v[i], w->p))
            v[n++] = sec->v[i];
    for (size_t i = n; i > 1; i--) {
        size_t k = below(w->rng, i);
        const char *t = v[i - 1];
        v[i - 1] = v[k];
        v[k] = t;
    }
    bool paragraph = sec->paragraph;
    int taken = 0;
    for (size_t i = 0; i < n && taken < sec->max; i++) {
        if (taken >= sec->min && w->words >= target)
            break;
        const char *s = fill(w, v[i]);
        if (w->words + core_demo_prose_words(s) > target + 12 ||
            w->words + core_demo_prose_words(s) > w->max_words)
            continue;
        append(w, s, paragraph);
        paragraph = false;
        taken++;
    }
}

const char *core_demo_prose_write(core_arena *a, uint64_t *rng, const core_demo_prose *p)
{
    writer w = {.a = a, .rng = rng, .p = p};
    size_t local_words = p->local ? core_demo_prose_words(p->local) : 0;
    size_t total = MIN_WORDS + below(rng, MAX_WORDS - MIN_WORDS + 1);
    size_t target = total > local_words + 25 ? total - local_words : 25;
    size_t floor = MIN_WORDS > local_words + 25 ? MIN_WORDS - local_words : 25;
    w.max_words = MAX_WORDS > local_words + 40 ? MAX_WORDS - local_words : 40;

    section secs[8];
    size_t ns = 0;
    const char *const *extra;
    switch (p->kind) {
    case CORE_DEMO_PROSE_CLUSTER:
        secs[ns++] = (section){cluster_open, 1, 1, false};
        secs[ns++] = (section){cluster_mission, 1, 2, false};
        secs[ns++] = (section){cluster_members, 1, 2, true};
        secs[ns++] = (section){cluster_services, 1, 1, false};
        secs[ns++] = (section){cluster_projects, 1, 3, true};
        secs[ns++] = (section){cluster_close, 0, 1, false};
        extra = org_extra;
        break;
    case CORE_DEMO_PROSE_NETWORK:
        secs[ns++] = (section){network_open, 1, 1, false};
        secs[ns++] = (section){network_mission, 1, 2, false};
        secs[ns++] = (section){cluster_members, 0, 1, true};
        secs[ns++] = (section){cluster_services, 0, 1, false};
        secs[ns++] = (section){cluster_projects, 1, 2, true};
        extra = org_extra;
        break;
    case CORE_DEMO_PROSE_AGENCY:
        secs[ns++] = (section){agency_open, 1, 1, false};
        secs[ns++] = (section){agency_mission, 1, 2, false};
        secs[ns++] = (section){cluster_projects, 1, 2, true};
        extra = org_extra;
        break;
    default:
        secs[ns++] = (section){member_open, 1, 1, false};
        secs[ns++] = (section){p->kind == CORE_DEMO_PROSE_RESEARCH ? research_activity
                               : p->kind == CORE_DEMO_PROSE_PUBLIC ? public_activity
                                                                   : company_activity,
                               1, 2, false};
        secs[ns++] = (section){member_customers, 0, 1, true};
        secs[ns++] = (section){member_cooperation, 1, 1, false};
        extra = member_extra;
        break;
    }
    for (size_t i = 0; i < ns; i++)
        take(&w, &secs[i], target);
    section more = {extra, 1, 2, false};
    for (int round = 0; round < 6 && w.words < floor; round++)
        take(&w, &more, floor);
    if (p->local != NULL)
        append(&w, p->local, true);
    return w.out ? w.out : "";
}
