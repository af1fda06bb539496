/*
 * setup.c: the data of the fan-out benchmark (bench/partner/fanout.py), written straight
 * into a store through the core functions the API uses.
 *
 * Usage: bench_partner_setup DIR FOLLOWERS
 * Makes DIR/store with a poster (who expresses interest), the admin of a published
 * cluster organisation, a moderator, FOLLOWERS users, and two open partner searches of
 * that cluster: A with no follower and B followed by every follower. Prints
 * "token=<poster's bearer token> a=<id> b=<id>" on standard output. With
 * BENCH_TIME_INTEREST=N it then times an interest on A and on B, N times each, as store
 * writes without HTTP (and the write function alone), on standard error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/account.h"
#include "core/error.h"
#include "core/partner.h"
#include "core/profile.h"
#include "core/store.h"
#include "core/time.h"
#include "core/vocab.h"

#include "net/json.h"

static core_store *store;
static double fn_ms; /* the last timed write function's own time */

static int timed_interest_txn(core_txn *t, void *arg)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = core_partner_interest_txn(t, arg);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    fn_ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
    return rc;
}
static char hash[CORE_PASSWORD_HASH_MAX];

static void die(const char *what, int rc)
{
    fprintf(stderr, "bench_partner_setup: %s: %s\n", what, core_strerror(rc));
    exit(1);
}

static core_value json(core_arena *a, const char *text)
{
    core_value v;
    const char *why;
    if (net_json_parse(a, text, strlen(text), &v, &why) != 0) {
        fprintf(stderr, "bench_partner_setup: bad JSON (%s): %s\n", why, text);
        exit(1);
    }
    return v;
}

typedef struct users_batch {
    size_t from, n;
    const char *prefix, *role;
    char (*ids)[32];
} users_batch;

static int users_txn(core_txn *t, void *arg)
{
    users_batch *b = arg;
    core_arena *a = core_txn_arena(t);
    for (size_t i = 0; i < b->n; i++) {
        char body[512];
        snprintf(body, sizeof(body),
                 "{\"username\":\"%s%zu\",\"email\":\"%s%zu@bench.example\",\"organisation_name\":"
                 "\"Bench\",\"country\":\"DE\",\"title\":\"Manager\",\"newsletters\":[]}",
                 b->prefix, b->from + i, b->prefix, b->from + i);
        core_value v = json(a, body);
        core_user_create c = {.body = &v, .password_hash = hash, .role = b->role, .out = a};
        int rc = core_user_create_txn(t, &c);
        if (rc != 0)
            return rc;
        snprintf(b->ids[b->from + i], 32, "%s", core_value_get_str(&c.user, "id"));
    }
    return 0;
}

static void users(const char *prefix, const char *role, size_t n, char (*ids)[32])
{
    for (size_t from = 0; from < n; from += 500) {
        users_batch b = {from, n - from < 500 ? n - from : 500, prefix, role, ids};
        int rc = core_store_write_sync(store, users_txn, &b, NULL);
        if (rc != 0)
            die("users", rc);
    }
}

typedef struct follow_batch {
    const char *search;
    char (*ids)[32];
    size_t from, n;
} follow_batch;

static int follow_txn(core_txn *t, void *arg)
{
    follow_batch *b = arg;
    for (size_t i = 0; i < b->n; i++) {
        core_actor who = {b->ids[b->from + i], false};
        core_partner_op op;
        core_partner_op_init(&op, core_txn_arena(t), &who);
        op.id = b->search;
        int rc = core_partner_follow_txn(t, &op);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: bench_partner_setup DIR FOLLOWERS\n");
        return 2;
    }
    size_t nf = (size_t)strtoull(argv[2], NULL, 10);
    char path[4096];
    snprintf(path, sizeof(path), "%s/store", argv[1]);
    char *err = NULL;
    if (core_vocab_init() != 0 || core_store_open(path, &store, &err) != 0) {
        fprintf(stderr, "bench_partner_setup: %s\n", err ? err : "cannot open the store");
        return 1;
    }
    int rc = core_password_hash("bench password", hash);
    if (rc != 0)
        die("hash", rc);
    char(*one)[32] = calloc(3, 32), (*fol)[32] = calloc(nf ? nf : 1, 32);
    users("poster", "user", 1, one);
    users("admin", "user", 1, one + 1);
    users("moderator", "moderator", 1, one + 2);
    users("follower", "user", nf, fol);

    core_arena a;
    core_arena_init(&a);
    core_actor admin = {one[1], false}, mod = {one[2], true};
    core_profile_op pop;
    core_profile_op_init(&pop, &a, &admin);
    core_value body = json(
        &a,
        "{\"type\":\"cluster_organisation\",\"name\":\"Bench Cluster\",\"country\":\"FR\","
        "\"city\":\"Lyon\",\"description\":\"A cluster.\",\"website\":\"https://bench.example\","
        "\"languages\":[\"en\"],\"management_fte\":2,\"members_count\":40,"
        "\"member_composition\":{\"smes\":30,\"research\":10},\"ecosystems\":[\"digital\"],"
        "\"services\":[\"training\",\"matchmaking\"],\"contact\":{\"name\":\"N\","
        "\"email\":\"contact@bench.example\"}}");
    pop.body = &body;
    if ((rc = core_store_write_sync(store, core_profile_create_txn, &pop, NULL)) != 0)
        die(pop.message ? pop.message : "profile", rc);
    const char *pid = pop.id;
    core_profile_op_init(&pop, &a, &admin);
    pop.id = pid;
    if ((rc = core_store_write_sync(store, core_profile_submit_txn, &pop, NULL)) != 0)
        die("submit", rc);
    core_profile_op_init(&pop, &a, &mod);
    pop.id = pid;
    core_value decision = json(&a, "{\"decision\":\"publish\"}");
    pop.body = &decision;
    if ((rc = core_store_write_sync(store, core_profile_moderate_txn, &pop, NULL)) != 0)
        die(pop.message ? pop.message : "publish", rc);

    const char *ids[2];
    for (int k = 0; k < 2; k++) {
        char deadline[CORE_TIME_RFC3339_LEN + 1], text[1024];
        core_time_format(time(NULL) + 200 * 86400, deadline);
        deadline[10] = '\0';
        snprintf(text, sizeof(text),
                 "{\"profile_id\":\"%s\",\"title\":\"Bench search %c\",\"description\":\"For "
                 "the fan-out benchmark.\",\"kind\":\"consortium\",\"ecosystems\":[\"digital\"],"
                 "\"deadline\":\"%s\"}",
                 pid, 'A' + k, deadline);
        core_value b = json(&a, text);
        core_partner_op op;
        core_partner_op_init(&op, &a, &admin);
        op.body = &b;
        if ((rc = core_store_write_sync(store, core_partner_create_txn, &op, NULL)) != 0)
            die(op.message ? op.message : "search", rc);
        ids[k] = op.id;
    }
    for (size_t from = 0; from < nf; from += 500) {
        follow_batch b = {ids[1], fol, from, nf - from < 500 ? nf - from : 500};
        if ((rc = core_store_write_sync(store, follow_txn, &b, NULL)) != 0)
            die("follow", rc);
    }
    core_session_create sc = {.user_id = one[0]};
    if ((rc = core_store_write_sync(store, core_session_create_txn, &sc, NULL)) != 0)
        die("session", rc);
    printf("token=%s a=%s b=%s\n", sc.token, ids[0], ids[1]);
    if (getenv("BENCH_TIME_INTEREST") != NULL) { /* the write alone, without HTTP */
        int repeat = atoi(getenv("BENCH_TIME_INTEREST"));
        for (int k = 0; k < 2 * (repeat > 1 ? repeat : 1); k++) {
            core_actor poster = {one[0], false};
            core_partner_op op;
            core_partner_op_init(&op, &a, &poster);
            op.id = ids[k % 2];
            core_value b = json(&a, "{\"organisation\":\"O\",\"message\":\"m\"}");
            op.body = &b;
            struct timespec t0, t1;
            clock_gettime(CLOCK_MONOTONIC, &t0);
            rc = core_store_write_sync(store, timed_interest_txn, &op, NULL);
            clock_gettime(CLOCK_MONOTONIC, &t1);
            fprintf(stderr,
                    "interest on %c: rc %d, %.1f ms (the write function %.1f ms), %zu "
                    "notified\n",
                    'A' + k % 2, rc,
                    (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6, fn_ms,
                    op.notified);
        }
    }
    core_arena_dispose(&a);
    core_store_close(store);
    free(one);
    free(fol);
    return 0;
}
