/*
 * partner.c: the demo platform's partner searches (issue 16), generated after the
 * organisations (core_demo_generate calls core_demo_partner_generate).
 *
 * About 300 searches at scale 1 (at least one), posted by the admins of published
 * organising profiles, with follows, interests and comments by other demo accounts, a
 * quarter of them closed by their author, and a few with a small PDF attached. Every
 * write goes through the same core_txn_fn functions as the API (core_partner_*_txn,
 * core_attachment_create_txn), one write per search (its creation, follows, interests,
 * comments and closing in one transaction), marked no_mail since the demo accounts'
 * addresses are fictional. Deterministic for a seed: which profiles post, the texts, kinds,
 * ecosystems, countries and the actors; ids and times differ by design.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/attachment.h"
#include "demo/demo.h"
#include "demo/random.h"
#include "demo/gen.h"
#include "core/error.h"
#include "core/id.h"
#include "core/partner.h"
#include "core/record.h"
#include "core/time.h"
#include "core/vocab.h"

enum { MAX_POSTERS = 4096, MAX_USERS = 4096, PER_SCALE = 300 };

typedef struct poster {
    char profile[CORE_ID_LEN + 1], admin[CORE_ID_LEN + 1];
} poster;

typedef struct plan {
    uint64_t rng;
    const poster *by;
    char (*users)[CORE_ID_LEN + 1];
    size_t nusers;
    int64_t today; /* Unix seconds at 00:00 UTC */
    bool with_pdf;
    char error[256]; /* the refusal of a failed write, for the report */
} plan;

static const char *const kinds[] = {"consortium", "expression_of_interest", "cooperation", "other"};
static const char *const calls[] = {"Horizon Europe",        "the Single Market Programme",
                                    "Interreg Europe",       "Digital Europe",
                                    "the Innovation Fund",   "LIFE",
                                    "COSME follow-up calls", "the European Innovation Council"};
static const char *const asks[] = {
    "We are building a consortium and look for cluster partners with strong SME networks.",
    "We seek clusters with testbeds and pilot sites to validate solutions with end users.",
    "Our members want to internationalise: we look for partner clusters to host a joint "
    "mission and matchmaking days.",
    "We look for research-driven clusters to co-develop a training curriculum on skills "
    "for the green and digital transition.",
    "We offer our experience in cluster management and seek partners for a joint "
    "European Strategic Cluster Partnership.",
    "We invite clusters to a joint expression of interest on resilient supply chains."};
static const char *const comments[] = {
    "Is there room for a partner from a less developed region?",
    "We would be glad to join; could you share the call's work packages?",
    "Our cluster ran a similar project last year; happy to share lessons learned.",
    "Do you plan an info session before the deadline?",
    "Interesting! We follow this and will come back with a proposal."};

/* A small, valid PDF with one line of text. */
static size_t demo_pdf(char *out, size_t cap, const char *title)
{
    return (size_t)snprintf(out, cap,
                            "%%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
                            "2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
                            "3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]"
                            "/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"
                            "4 0 obj<</Length 60>>stream\nBT /F1 14 Tf 72 770 Td (%.40s) Tj "
                            "ET\nendstream endobj\n5 0 obj<</Type/Font/Subtype/Type1"
                            "/BaseFont/Helvetica>>endobj\ntrailer<</Root 1 0 R>>\n%%%%EOF\n",
                            title);
}

static const char *user(plan *p)
{
    return p->users[demo_splitmix64(&p->rng) % p->nusers];
}

/* One search's life in one write: creation (with a PDF for some), follows, interests,
 * comments, and for a quarter, closing. */
static int search_txn(core_txn *t, void *arg)
{
    plan *p = arg;
    core_arena *a = core_txn_arena(t);
    core_actor admin = {p->by->admin, false};
    uint64_t r = demo_splitmix64(&p->rng);
    const char *kind = kinds[r % 4];
    size_t ne = core_vocab_count(CORE_VOCAB_ECOSYSTEM);
    size_t e1 = (r >> 8) % ne, e2 = (r >> 16) % ne;
    core_value body = core_value_obj();
    core_value_set(a, &body, "profile_id", core_value_cstr(a, p->by->profile));
    const char *eco_name = core_vocab_name(CORE_VOCAB_ECOSYSTEM, e1);
    core_value_set(
        a, &body, "title",
        core_value_cstr(a, core_arena_printf(a, "%s partners for %s (%s)",
                                             strcmp(kind, "consortium") == 0    ? "Consortium"
                                             : strcmp(kind, "cooperation") == 0 ? "Cooperation"
                                                                                : "Call for",
                                             calls[(r >> 24) % 8], eco_name)));
    core_value_set(
        a, &body, "description",
        core_value_cstr(a, core_arena_printf(a, "%s Focus: %s.", asks[(r >> 32) % 6], eco_name)));
    core_value_set(a, &body, "kind", core_value_cstr(a, kind));
    core_value eco = core_value_arr();
    core_value_push(a, &eco, core_value_cstr(a, core_vocab_id(CORE_VOCAB_ECOSYSTEM, e1)));
    if (e2 != e1)
        core_value_push(a, &eco, core_value_cstr(a, core_vocab_id(CORE_VOCAB_ECOSYSTEM, e2)));
    core_value_set(a, &body, "ecosystems", eco);
    core_value sought = core_value_arr();
    size_t ncs = (r >> 40) % 4, nc = core_country_count();
    for (size_t i = 0, tries = 0; i < ncs && tries < 64; tries++) {
        const core_country *c = core_country_at(demo_splitmix64(&p->rng) % nc);
        bool dup = false;
        for (size_t j = 0; j < sought.u.arr.len; j++)
            dup = dup || strcmp(sought.u.arr.items[j].u.s.ptr, c->code) == 0;
        if (c->eligible && !dup) { /* countries of the single market programme */
            core_value_push(a, &sought, core_value_cstr(a, c->code));
            i++;
        }
    }
    core_value_set(a, &body, "countries_sought", sought);
    char deadline[CORE_TIME_RFC3339_LEN + 1];
    core_time_format(p->today + (int64_t)(7 + (r >> 44) % 200) * 86400, deadline);
    deadline[10] = '\0';
    core_value_set(a, &body, "deadline", core_value_cstr(a, deadline));
    core_value att = core_value_arr();
    if (p->with_pdf) {
        char pdf[1024];
        core_attachment_new n = {0};
        n.user_id = p->by->admin;
        n.filename = "call-summary.pdf";
        n.bytes = (core_slice){pdf, demo_pdf(pdf, sizeof(pdf), "Partner search summary")};
        n.type = core_attachment_sniff(pdf, n.bytes.len, &n.ext);
        n.out = a;
        int rc = core_attachment_create_txn(t, &n);
        if (rc != 0)
            return rc;
        core_value_push(a, &att, *core_value_get(&n.meta, "id"));
    }
    core_value_set(a, &body, "attachments", att);

    core_partner_op op;
    core_partner_op_init(&op, a, &admin);
    op.body = &body;
    int rc = core_partner_create_txn(t, &op);
    if (rc != 0) {
        snprintf(p->error, sizeof(p->error), "%s", op.message ? op.message : "");
        return rc;
    }
    const char *id = op.id;
    size_t nfollow = demo_splitmix64(&p->rng) % 12, ninterest = demo_splitmix64(&p->rng) % 4,
           ncomment = demo_splitmix64(&p->rng) % 4;
    for (size_t i = 0; i < nfollow + ninterest + ncomment; i++) {
        core_actor who = {user(p), false};
        core_partner_op o;
        core_partner_op_init(&o, a, &who);
        o.id = id;
        core_value b = core_value_obj();
        int (*fn)(core_txn *, void *) = core_partner_follow_txn;
        if (i >= nfollow && i < nfollow + ninterest) {
            core_value_set(a, &b, "organisation",
                           core_value_cstr(a, core_arena_printf(a, "Demo organisation %zu", i)));
            core_value_set(a, &b, "message",
                           core_value_cstr(a, "We would like to join: our members cover the "
                                              "value chain you describe. Let us talk."));
            fn = core_partner_interest_txn;
        } else if (i >= nfollow + ninterest) {
            core_value_set(a, &b, "text",
                           core_value_cstr(a, comments[demo_splitmix64(&p->rng) % 5]));
            fn = core_partner_comment_txn;
        }
        o.body = &b;
        if ((rc = fn(t, &o)) != 0) {
            snprintf(p->error, sizeof(p->error), "%s", o.message ? o.message : "");
            return rc;
        }
    }
    if (demo_splitmix64(&p->rng) % 4 == 0) {
        core_partner_op o;
        core_partner_op_init(&o, a, &admin);
        o.id = id;
        if ((rc = core_partner_close_txn(t, &o)) != 0) {
            snprintf(p->error, sizeof(p->error), "%s", o.message ? o.message : "");
            return rc;
        }
    }
    return 0;
}

static bool organising(const char *type)
{
    return type != NULL &&
           (strcmp(type, "cluster_organisation") == 0 || strcmp(type, "cluster_partnership") == 0 ||
            strcmp(type, "national_association") == 0 || strcmp(type, "meta_cluster_network") == 0);
}

int core_demo_partner_generate(core_store *s, uint64_t seed, double scale, int64_t now,
                               uint64_t *made, char *error, size_t error_len)
{
    *made = 0;
    poster *posters = calloc(MAX_POSTERS, sizeof(*posters));
    char(*users)[CORE_ID_LEN + 1] = calloc(MAX_USERS, sizeof(*users));
    if (posters == NULL || users == NULL)
        core_oom();
    size_t np = 0, nu = 0;
    core_arena a;
    core_arena_init(&a);
    /* the published organising profiles, in key order (deterministic for the data) */
    core_iter *it = core_store_iter_prefix(s, CORE_CF_RECORDS, CORE_SLICE_LIT("profile/"));
    core_slice k, v;
    while (np < MAX_POSTERS && core_iter_next(it, &k, &v)) {
        core_value rec;
        if (core_record_decode(&a, v, &rec) != 0)
            continue;
        const core_value *admins = core_value_get(&rec, "admins");
        const char *state = core_value_get_str(&rec, "state");
        if (organising(core_value_get_str(&rec, "type")) && state != NULL &&
            strcmp(state, "published") == 0 && admins != NULL && admins->type == CORE_ARR &&
            admins->u.arr.len > 0) {
            snprintf(posters[np].profile, sizeof(posters[np].profile), "%s",
                     core_value_get_str(&rec, "id"));
            snprintf(posters[np].admin, sizeof(posters[np].admin), "%s",
                     admins->u.arr.items[0].u.s.ptr);
            np++;
        }
        if (np % 256 == 0)
            core_arena_dispose(&a);
    }
    core_iter_free(it);
    it = core_store_iter_prefix(s, CORE_CF_RECORDS, CORE_SLICE_LIT("user/"));
    while (nu < MAX_USERS && core_iter_next(it, &k, &v))
        if (k.len == 5 + CORE_ID_LEN)
            snprintf(users[nu++], CORE_ID_LEN + 1, "%.*s", CORE_ID_LEN, k.ptr + 5);
    core_iter_free(it);
    core_arena_dispose(&a);

    int rc = 0;
    uint64_t want = (uint64_t)(PER_SCALE * scale + 0.5);
    if (want < 1)
        want = 1;
    if (np == 0 || nu == 0)
        want = 0;
    plan p = {.rng = seed ^ 0x7061727465727321ull,
              .users = users,
              .nusers = nu,
              .today = now / 86400 * 86400};
    for (uint64_t i = 0; i < want && rc == 0; i++) {
        p.by = &posters[demo_splitmix64(&p.rng) % np];
        p.with_pdf = i % 25 == 0;
        p.error[0] = '\0';
        rc = demo_write_quiet(s, search_txn, &p);
        if (rc == 0)
            (*made)++;
        else
            snprintf(error, error_len, "partner search %llu: %s", (unsigned long long)i,
                     p.error[0] ? p.error : core_strerror(rc));
    }
    free(posters);
    free(users);
    return rc;
}
