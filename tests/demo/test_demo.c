/*
 * test_demo.c: the demo-data generator (demo/demo.c) at a small scale, into temporary
 * stores: every write passes validation, the counts and states in the store match the
 * report and the plan, every published member is approved by a published cluster, the
 * demo accounts work, and the same seed gives the same data (names and fields, not ids).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/account.h"
#include "demo/demo.h"
#include "core/exchange.h"
#include "core/error.h"
#include "core/profile.h"
#include "core/record.h"
#include "core/sha256.h"
#include "core/vocab.h"
#include "core/xchange.h"
#include "check.h"
#include "fixture.h"

enum { SCALE_PERMILLE = 20 }; /* scale 0.02: ~30 clusters, ~300 members */

static const char *const password = "demo-password-for-tests";

typedef struct stored {
    uint64_t profiles[CORE_PROFILE_TYPE_COUNT][CORE_DEMO_STATE_COUNT];
    uint64_t users, published_members, non_ascii_names;
    uint64_t registrations[3]; /* pending, accepted, rejected */
    uint64_t hosts, visitors;
    unsigned char names_digest[32]; /* of the sorted "type|state|name|city" lines */
} stored;

static int state_ix(const char *s)
{
    return !strcmp(s, "draft")          ? CORE_DEMO_DRAFT
           : !strcmp(s, "needs_review") ? CORE_DEMO_NEEDS_REVIEW
           : !strcmp(s, "published")    ? CORE_DEMO_PUBLISHED
           : !strcmp(s, "declined")     ? CORE_DEMO_DECLINED
                                        : -1;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads back every profile and user of the store and checks the invariants. */
static void read_back(core_store *s, stored *out)
{
    memset(out, 0, sizeof(*out));
    core_arena a;
    core_arena_init(&a);
    char **lines = NULL;
    size_t n = 0, cap = 0;
    core_iter *it = core_store_iter_prefix(s, CORE_CF_RECORDS, CORE_SLICE_LIT("profile/"));
    core_slice k, v;
    while (core_iter_next(it, &k, &v)) {
        core_value rec;
        CHECK_EQ(core_record_decode(&a, v, &rec), 0);
        const char *type = core_value_get_str(&rec, "type");
        const char *state = core_value_get_str(&rec, "state");
        int t = core_profile_type_parse(type), st = state_ix(state);
        CHECK(t >= 0);
        CHECK(st >= 0);
        out->profiles[t][st]++;
        const core_value *pub = core_value_get(&rec, "published");
        const core_value *work = st == CORE_DEMO_PUBLISHED ? pub : core_value_get(&rec, "draft");
        CHECK(work != NULL && work->type == CORE_OBJ);
        const char *name = core_value_get_str(work, "name");
        CHECK(name != NULL);
        for (const char *p = name; *p; p++)
            if ((unsigned char)*p >= 0x80) {
                out->non_ascii_names++;
                break;
            }
        if (st == CORE_DEMO_PUBLISHED) {
            /* published: the public view exists; a member is public (approved by a
             * published cluster), and so is every cluster it names as approved */
            CHECK(core_profile_is_public(s, &rec, &a));
            if (t == CORE_PROFILE_CLUSTER_MEMBER) {
                out->published_members++;
                const core_value *aff = core_value_get(pub, "affiliations");
                CHECK(aff != NULL && aff->u.arr.len >= 1);
                for (size_t i = 0; i < aff->u.arr.len; i++) {
                    const char *cid = aff->u.arr.items[i].u.s.ptr;
                    char key[128];
                    snprintf(key, sizeof(key), "pmember/%s/%s", cid,
                             core_value_get_str(&rec, "id"));
                    core_slice status;
                    CHECK_EQ(core_store_get(s, CORE_CF_KEYS, (core_slice){key, strlen(key)}, &a,
                                            &status),
                             0);
                    CHECK_STR_EQ(status.ptr, "approved");
                    core_value cluster;
                    CHECK_EQ(core_profile_get(s, cid, &a, &cluster), 0);
                    CHECK_STR_EQ(core_value_get_str(&cluster, "state"), "published");
                    CHECK_STR_EQ(core_value_get_str(&cluster, "type"), "cluster_organisation");
                }
            }
            if (t == CORE_PROFILE_CLUSTER_ORGANISATION) {
                /* a cluster that fails the criteria was published only with the waiver */
                const core_value *waived = core_value_get(&rec, "criteria_waived");
                bool pass = core_profile_criteria_pass((core_profile_type)t, pub);
                CHECK(waived != NULL && waived->type == CORE_BOOL);
                CHECK_EQ(waived->u.b, !pass);
                if (!pass) {
                    const core_value *rec_ok = core_value_get(pub, "officially_recognised");
                    CHECK(rec_ok != NULL && rec_ok->u.b);
                }
            }
        }
        char *line = core_arena_printf(
            &a, "%s|%s|%s|%s", type, state, name,
            core_value_get_str(work, "city") ? core_value_get_str(work, "city") : "");
        if (n == cap) {
            cap = cap ? 2 * cap : 256;
            lines = realloc(lines, cap * sizeof(*lines));
            CHECK(lines != NULL);
        }
        lines[n++] = strdup(line);
    }
    core_iter_free(it);
    qsort(lines, n, sizeof(*lines), cmp_str);
    core_sha256 h;
    core_sha256_init(&h);
    for (size_t i = 0; i < n; i++) {
        core_sha256_update(&h, lines[i], strlen(lines[i]) + 1);
        free(lines[i]);
    }
    free(lines);
    core_sha256_final(&h, out->names_digest);

    /* registrations: of published profiles in eligible countries, valid as the API
     * would have them (they went through it), in the states the report gives */
    it = core_store_iter_prefix(s, CORE_CF_RECORDS, CORE_SLICE_LIT(CORE_XCHANGE_KIND "/"));
    while (core_iter_next(it, &k, &v)) {
        core_value rec, prof;
        CHECK_EQ(core_record_decode(&a, v, &rec), 0);
        const char *state = core_value_get_str(&rec, "state");
        CHECK(state != NULL);
        int st = !strcmp(state, "pending") ? 0 : !strcmp(state, "accepted") ? 1 : 2;
        if (st == 2)
            CHECK_STR_EQ(state, "rejected");
        out->registrations[st]++;
        CHECK_EQ(core_profile_get(s, core_value_get_str(&rec, "profile_id"), &a, &prof), 0);
        CHECK(core_profile_is_public(s, &prof, &a));
        const char *cc = core_value_get_str(core_value_get(&prof, "published"), "country");
        CHECK(cc != NULL && core_country_eligible(cc, 2) == 1);
        const core_value *roles = core_value_get(&rec, "roles");
        CHECK(roles != NULL && roles->type == CORE_ARR && roles->u.arr.len >= 1);
        for (size_t i = 0; i < roles->u.arr.len; i++) {
            bool host = !strcmp(roles->u.arr.items[i].u.s.ptr, "host");
            out->hosts += host;
            out->visitors += !host;
        }
    }
    core_iter_free(it);

    it = core_store_iter_prefix(s, CORE_CF_RECORDS, CORE_SLICE_LIT("user/"));
    while (core_iter_next(it, &k, &v))
        out->users++;
    core_iter_free(it);
    core_arena_dispose(&a);
}

typedef struct run {
    char dir[64];
    core_store *s;
    core_demo_report r;
    stored st;
} run;

static void generate(run *x, uint64_t seed)
{
    test_tmpdir(x->dir, sizeof(x->dir), "test-demo");
    char *err = NULL;
    CHECK_EQ(core_store_open(x->dir, &x->s, &err), 0);
    CHECK(!core_demo_store_has_profiles(x->s));
    core_demo_options o;
    core_demo_options_init(&o);
    o.scale = SCALE_PERMILLE / 1000.0;
    o.seed = seed;
    o.password = password;
    int rc = core_demo_generate(x->s, &o, &x->r);
    if (rc != 0)
        fprintf(stderr, "demo: %s\n", x->r.error);
    CHECK_EQ(rc, 0);
    CHECK_EQ(x->r.failed, 0);
    CHECK_STR_EQ(x->r.error, "");
    read_back(x->s, &x->st);
}

static void dispose(run *x)
{
    core_store_close(x->s);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", x->dir);
    CHECK_EQ(system(cmd), 0);
}

static uint64_t of_type(const uint64_t (*p)[CORE_DEMO_STATE_COUNT], int t)
{
    uint64_t n = 0;
    for (int s = 0; s < CORE_DEMO_STATE_COUNT; s++)
        n += p[t][s];
    return n;
}

static run first, second;

static void test_counts_and_states(void)
{
    generate(&first, 42);
    const core_demo_report *r = &first.r;
    /* the store holds exactly what the report says */
    CHECK_EQ(memcmp(first.st.profiles, r->profiles, sizeof(r->profiles)), 0);
    CHECK_EQ(first.st.users, r->users);
    CHECK_EQ(r->records, r->users + r->profiles_total + r->registrations[0] + r->registrations[1] +
                             r->registrations[2]);
    /* scale 0.02 of the real platform: 30 published clusters, a few of each other type */
    int C = CORE_PROFILE_CLUSTER_ORGANISATION, M = CORE_PROFILE_CLUSTER_MEMBER;
    CHECK_EQ(r->profiles[C][CORE_DEMO_PUBLISHED], 30);
    CHECK_GE(r->profiles[C][CORE_DEMO_NEEDS_REVIEW], 1);
    CHECK_GE(r->profiles[C][CORE_DEMO_DECLINED], 1);
    CHECK_GE(r->profiles[C][CORE_DEMO_DRAFT], 1);
    for (int t = CORE_PROFILE_CLUSTER_PARTNERSHIP; t < CORE_PROFILE_TYPE_COUNT; t++)
        CHECK_GE(r->profiles[t][CORE_DEMO_PUBLISHED], 1);
    CHECK_EQ(of_type(r->profiles, M), 300);
    CHECK_GT(r->profiles[M][CORE_DEMO_PUBLISHED], 250);
    CHECK_EQ(first.st.published_members, r->profiles[M][CORE_DEMO_PUBLISHED]);
    CHECK_GE(r->affiliations_approved, r->profiles[M][CORE_DEMO_PUBLISHED]);
    CHECK_GE(r->criteria_waived, 1);
    /* one account per cluster (a user administers at most one), members share theirs */
    CHECK_GE(r->users, of_type(r->profiles, C) + 100);
    CHECK_LT(r->users, r->profiles_total);
    /* 10,000 registrations at scale 1: 200 here, in every state, hosts and visitors */
    CHECK_EQ(r->registrations[0] + r->registrations[1] + r->registrations[2], 200);
    CHECK_EQ(memcmp(first.st.registrations, r->registrations, sizeof(r->registrations)), 0);
    CHECK_GT(r->registrations[1], 150);
    CHECK_GE(r->registrations[0], 1);
    CHECK_GE(r->registrations[2], 1);
    CHECK_GT(first.st.hosts, 50);
    CHECK_GT(first.st.visitors, 50);
    /* exchanges: two in each state and two cancelled, each pair with messages */
    CHECK_EQ(r->exchanges, 20);
    {
        core_arena xa;
        core_arena_init(&xa);
        int per_state[CORE_EXCHANGE__STATES] = {0};
        core_iter *xi = core_store_iter_prefix(first.s, CORE_CF_RECORDS,
                                               CORE_SLICE_LIT(CORE_EXCHANGE_KIND "/"));
        core_slice xk, xv;
        while (core_iter_next(xi, &xk, &xv)) {
            core_value rec;
            CHECK_EQ(core_record_decode(&xa, xv, &rec), 0);
            int st = core_exchange_state_find(core_value_get_str(&rec, "state"));
            CHECK(st >= 0);
            per_state[st]++;
        }
        core_iter_free(xi);
        for (int st = 0; st < CORE_EXCHANGE__STATES; st++)
            CHECK_EQ(per_state[st], 2);
        xi = core_store_iter_prefix(first.s, CORE_CF_KEYS, CORE_SLICE_LIT("xmsg/"));
        size_t msgs = 0;
        while (core_iter_next(xi, &xk, &xv))
            msgs++;
        core_iter_free(xi);
        CHECK_GE(msgs, 40);
        core_arena_dispose(&xa);
    }
    /* decisions notify the admins, but no e-mail goes to the fictional addresses */
    core_iter *it = core_store_iter_prefix(first.s, CORE_CF_OUTBOX, (core_slice){"", 0});
    core_slice k, v;
    CHECK(!core_iter_next(it, &k, &v));
    core_iter_free(it);
    it = core_store_iter_prefix(first.s, CORE_CF_KEYS, CORE_SLICE_LIT("notif/"));
    CHECK(core_iter_next(it, &k, &v));
    core_iter_free(it);
    /* the events of demo/events.c: six, two of them matchmaking with participants */
    int events = 0, participants = 0;
    it = core_store_iter_prefix(first.s, CORE_CF_RECORDS, CORE_SLICE_LIT("event/"));
    while (core_iter_next(it, &k, &v))
        events++;
    core_iter_free(it);
    it = core_store_iter_prefix(first.s, CORE_CF_RECORDS, CORE_SLICE_LIT("event_participant/"));
    while (core_iter_next(it, &k, &v))
        participants++;
    core_iter_free(it);
    CHECK_EQ(events, 6);
    CHECK_EQ(participants, 36); /* 16 and 2 waiting for a decision, in each */
    /* local words in their own scripts and with diacritics */
    CHECK_GT(first.st.non_ascii_names, 20);

    /* the moderation queue holds the profiles in needs_review */
    core_arena a;
    core_arena_init(&a);
    uint64_t review = 0;
    for (int t = 0; t < CORE_PROFILE_TYPE_COUNT; t++)
        review += r->profiles[t][CORE_DEMO_NEEDS_REVIEW];
    core_value q;
    CHECK_EQ(core_profile_queue(first.s, 1, 100, &a, &q), 0);
    CHECK_EQ(core_value_get(&q, "total")->u.i, (int64_t)review);
    core_arena_dispose(&a);
}

static void test_demo_accounts(void)
{
    core_arena a;
    core_arena_init(&a);
    core_value mod, user;
    CHECK_EQ(core_user_find_by_login(first.s, "demo-moderator", &a, &mod), 0);
    CHECK_STR_EQ(core_value_get_str(&mod, "role"), "moderator");
    CHECK(core_password_verify(core_value_get_str(&mod, "password_hash"), password));
    CHECK_EQ(core_user_find_by_login(first.s, "demo-user", &a, &user), 0);
    CHECK_STR_EQ(core_value_get_str(&user, "role"), "user");
    CHECK(core_password_verify(core_value_get_str(&user, "password_hash"), password));
    /* demo-user administers a published cluster and a draft to try editing with */
    core_value mine = core_profile_list_for_admin(first.s, core_value_get_str(&user, "id"), &a);
    CHECK_EQ(mine.u.arr.len, 2);
    bool cluster = false, draft = false;
    for (size_t i = 0; i < mine.u.arr.len; i++) {
        const core_value *e = &mine.u.arr.items[i];
        cluster |= !strcmp(core_value_get_str(e, "type"), "cluster_organisation") &&
                   !strcmp(core_value_get_str(e, "state"), "published");
        draft |= !strcmp(core_value_get_str(e, "state"), "draft");
    }
    CHECK(cluster);
    CHECK(draft);
    core_arena_dispose(&a);
}

static void test_refuses_a_filled_store(void)
{
    CHECK(core_demo_store_has_profiles(first.s));
    core_demo_options o;
    core_demo_options_init(&o);
    o.scale = 0.001;
    o.password = password;
    core_demo_report r;
    CHECK_EQ(core_demo_generate(first.s, &o, &r), CORE_ECONFLICT);
    CHECK(strstr(r.error, "demo-moderator") != NULL);
    o.scale = 0;
    CHECK_EQ(core_demo_generate(first.s, &o, &r), CORE_EINVALID);
}

static void test_same_seed_same_data(void)
{
    generate(&second, 42);
    CHECK_EQ(memcmp(first.r.digest, second.r.digest, 32), 0);
    CHECK_EQ(memcmp(first.st.names_digest, second.st.names_digest, 32), 0);
    CHECK_EQ(memcmp(first.r.profiles, second.r.profiles, sizeof(first.r.profiles)), 0);
    CHECK_EQ(first.r.users, second.r.users);
    dispose(&second);
    /* another seed, other data */
    generate(&second, 43);
    CHECK_NE(memcmp(first.r.digest, second.r.digest, 32), 0);
    CHECK_NE(memcmp(first.st.names_digest, second.st.names_digest, 32), 0);
    dispose(&second);
    dispose(&first);
}

int main(void)
{
    printf("test_demo\n");
    RUN(test_counts_and_states);
    RUN(test_demo_accounts);
    RUN(test_refuses_a_filled_store);
    RUN(test_same_seed_same_data);
    return 0;
}
