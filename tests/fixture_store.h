/*
 * fixture_store.h: a real store in a temporary directory, and the users and profiles the
 * domain tests start from, written through the same operations as the server's. Header-only;
 * the test links eccpd_core and cJSON (fixture_cjson.h).
 */
#ifndef ECCPD_TESTS_FIXTURE_STORE_H
#define ECCPD_TESTS_FIXTURE_STORE_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "fixture.h"
#include "fixture_cjson.h"

#include "core/account.h"
#include "core/error.h"
#include "core/profile.h"
#include "core/store.h"

/* Makes a temporary directory (test_tmpdir) into dir and opens a store in dir/store; a
 * failure fails the test. test_store_remove closes and removes it. */
static inline core_store *test_store_open(char *dir, size_t len, const char *name)
{
    test_tmpdir(dir, len, name);
    char sdir[4200];
    snprintf(sdir, sizeof(sdir), "%s/store", dir);
    char *err = NULL;
    core_store *st = NULL;
    CHECK_EQ(core_store_open(sdir, &st, &err), 0);
    return st;
}

static inline void test_store_remove(core_store *st, const char *dir)
{
    core_store_close(st);
    char cmd[4200];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    CHECK_EQ(system(cmd), 0);
}

/* Registers user name (name@example.eu) with role ("user", "moderator"); its id into out. */
static inline void test_user(core_store *st, core_arena *a, const char *name, const char *role,
                             char out[32])
{
    core_value body = test_json(
        a, core_arena_printf(a,
                             "{\"username\":\"%s\",\"email\":\"%s@example.eu\","
                             "\"organisation_name\":\"O\",\"country\":\"DE\",\"title\":\"T\"}",
                             name, name));
    core_user_create u = {.body = &body, .password_hash = "$argon2id$test", .role = role, .out = a};
    CHECK_EQ(core_store_write_sync(st, core_user_create_txn, &u, NULL), 0);
    snprintf(out, 32, "%s", core_value_get_str(&u.user, "id"));
}

/* A cluster organisation profile named name in country by user, with every field its type
 * requires (a website unique in the test program); when publish, submitted and published by
 * moderator (a moderator's user id). Its id, in a. */
static inline const char *test_profile(core_store *st, core_arena *a, const char *user,
                                       const char *moderator, const char *name, const char *country,
                                       bool publish)
{
    static int n_profiles;
    core_value body = test_json(
        a, core_arena_printf(
               a,
               "{\"type\":\"cluster_organisation\",\"name\":\"%s\",\"country\":\"%s\",\"city\":"
               "\"X\",\"description\":\"A cluster.\",\"website\":\"https://c%d.example\","
               "\"members_count\":40,\"management_fte\":1.5,\"member_composition\":{\"smes\":38,"
               "\"research\":2},\"ecosystems\":[\"digital\"],\"services\":[\"training\","
               "\"matchmaking\"],\"contact\":{\"name\":\"C\",\"email\":\"c@example.eu\"}}",
               name, country, ++n_profiles));
    core_actor actor = {user, false};
    core_profile_op op;
    core_profile_op_init(&op, a, &actor);
    op.body = &body;
    int rc = core_store_write_sync(st, core_profile_create_txn, &op, NULL);
    if (rc != 0)
        fprintf(stderr, "profile: %s\n", op.message ? op.message : core_strerror(rc));
    CHECK_EQ(rc, 0);
    const char *id = op.id;
    if (!publish)
        return id;
    core_profile_op_init(&op, a, &actor);
    op.id = id;
    CHECK_EQ(core_store_write_sync(st, core_profile_submit_txn, &op, NULL), 0);
    core_actor mod = {moderator, true};
    core_value decision = test_json(a, "{\"decision\":\"publish\"}");
    core_profile_op_init(&op, a, &mod);
    op.id = id;
    op.body = &decision;
    rc = core_store_write_sync(st, core_profile_moderate_txn, &op, NULL);
    if (rc != 0)
        fprintf(stderr, "publish: %s\n", op.message ? op.message : core_strerror(rc));
    CHECK_EQ(rc, 0);
    return id;
}

#endif
