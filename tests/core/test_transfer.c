/*
 * Store-level tests of export and import (core/transfer.c) against real RocksDB stores in a
 * temporary directory. A small platform is built in a source store through the API's own
 * operations and exported; its lines, as they are or altered, are imported into fresh
 * stores. Covers: the line's shape, kinds and versions; each kind's record checks (state
 * machine invariants, canonical registration preferences, decisions); the store's checks
 * (existing ids, taken usernames and e-mails, admins that are no users, a second cluster
 * organisation, a second visitor registration); a refused write leaving no key behind;
 * secondary keys rebuilt (logins, admin lists, moderation queue, affiliation decisions);
 * profile references that do not resolve; and the export's order.
 */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "fixture.h"
#include "fixture_cjson.h"
#include "core/account.h"
#include "core/error.h"
#include "core/notify.h"
#include "core/profile.h"
#include "core/record.h"
#include "core/transfer.h"
#include "core/xchange.h"

static char dir[256];
static int nstores;
static core_store *src, *st; /* the platform exported, and the store imported into */
static core_arena A;
static char owner[32], moderator[32], member_admin[32];
static const char *cluster, *member, *draft_id, *review_id, *registration;
static core_value exported; /* the source's lines, in export order */

/* ---- helpers ---- */

static core_value J(const char *text)
{
    return test_json(&A, text);
}

/* Sets (or replaces) a member of an object. */
static void put(core_value *obj, const char *key, core_value v)
{
    core_value *old = (core_value *)core_value_get(obj, key);
    if (old != NULL)
        *old = v;
    else
        core_value_set_copy(&A, obj, key, strlen(key), v);
}

static core_store *new_store(void)
{
    core_store *s;
    char *path = core_arena_printf(&A, "%s/store%d", dir, nstores++), *err = NULL;
    if (core_store_open(path, &s, &err) != 0)
        CHECK__FAIL("open: %s", err);
    return s;
}

static void make_user(const char *name, const char *role, char out[32])
{
    core_value body = J(core_arena_printf(
        &A,
        "{\"username\":\"%s\",\"email\":\"%s@example.eu\",\"organisation_name\":\"O\","
        "\"country\":\"DE\",\"title\":\"T\"}",
        name, name));
    core_user_create u = {
        .body = &body, .password_hash = "$argon2id$test", .role = role, .out = &A};
    CHECK_EQ(core_store_write_sync(src, core_user_create_txn, &u, NULL), 0);
    snprintf(out, 32, "%s", core_value_get_str(&u.user, "id"));
}

static int profile_op(core_txn_fn fn, const char *user, bool mod, const char *id, const char *other,
                      const char *json, const char **new_id)
{
    core_actor actor = {user, mod};
    core_profile_op op;
    core_profile_op_init(&op, &A, &actor);
    core_value body = json ? J(json) : core_value_null();
    op.id = id;
    op.other_id = other;
    op.body = json ? &body : NULL;
    int rc = core_store_write_sync(src, fn, &op, NULL);
    if (rc != 0)
        fprintf(stderr, "profile op: %s\n", op.message ? op.message : core_strerror(rc));
    if (new_id != NULL)
        *new_id = op.id;
    return rc;
}

static const char *day(int days)
{
    time_t t = time(NULL) + (time_t)days * 86400;
    struct tm tm;
    gmtime_r(&t, &tm);
    return core_arena_printf(&A, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/* The source platform: a published cluster with a visitor registration, accepted; a
 * published member it approved; a draft and a profile waiting for review; notifications
 * from all of that. */
static void build_source(void)
{
    src = new_store();
    make_user("owner", "user", owner);
    make_user("moderator", "moderator", moderator);
    make_user("member-admin", "user", member_admin);
    const char *cluster_body =
        "{\"type\":\"cluster_organisation\",\"name\":\"Mobilité Cluster\",\"country\":\"DE\","
        "\"city\":\"Köln\",\"description\":\"A cluster.\",\"website\":\"https://mobil.example\","
        "\"members_count\":40,\"management_fte\":1.5,\"lat\":50.94,\"lon\":6.96,"
        "\"member_composition\":{\"smes\":38,\"research\":2},\"ecosystems\":[\"digital\"],"
        "\"services\":[\"training\",\"matchmaking\"],"
        "\"contact\":{\"name\":\"C\",\"email\":\"c@example.eu\"}}";
    CHECK_EQ(profile_op(core_profile_create_txn, owner, false, NULL, NULL, cluster_body, &cluster),
             0);
    CHECK_EQ(profile_op(core_profile_submit_txn, owner, false, cluster, NULL, NULL, NULL), 0);
    CHECK_EQ(profile_op(core_profile_moderate_txn, moderator, true, cluster, NULL,
                        "{\"decision\":\"publish\"}", NULL),
             0);
    const char *member_body = core_arena_printf(
        &A,
        "{\"type\":\"cluster_member\",\"name\":\"Member GmbH\",\"country\":\"DE\",\"city\":"
        "\"Bonn\",\"description\":\"A member.\",\"affiliations\":[\"%s\"]}",
        cluster);
    CHECK_EQ(
        profile_op(core_profile_create_txn, member_admin, false, NULL, NULL, member_body, &member),
        0);
    CHECK_EQ(profile_op(core_profile_submit_txn, member_admin, false, member, NULL, NULL, NULL), 0);
    CHECK_EQ(profile_op(core_profile_moderate_txn, moderator, true, member, NULL,
                        "{\"decision\":\"publish\"}", NULL),
             0);
    CHECK_EQ(profile_op(core_profile_affiliation_txn, owner, false, cluster, member,
                        "{\"decision\":\"approve\"}", NULL),
             0);
    CHECK_EQ(profile_op(core_profile_create_txn, member_admin, false, NULL, NULL,
                        "{\"type\":\"training_provider\",\"name\":\"Draft Academy\","
                        "\"country\":\"FR\"}",
                        &draft_id),
             0);
    CHECK_EQ(profile_op(core_profile_create_txn, member_admin, false, NULL, NULL,
                        "{\"type\":\"training_provider\",\"name\":\"Review Academy\","
                        "\"country\":\"FR\",\"city\":\"Lyon\",\"description\":\"Courses.\","
                        "\"website\":\"https://review.example\",\"contact\":{\"name\":\"R\","
                        "\"email\":\"r@example.eu\"}}",
                        &review_id),
             0);
    CHECK_EQ(profile_op(core_profile_submit_txn, member_admin, false, review_id, NULL, NULL, NULL),
             0);

    core_actor actor = {owner, false}, mod = {moderator, true};
    core_xchange_op op;
    core_xchange_op_init(&op, &A, &actor);
    core_value body = J(core_arena_printf(
        &A,
        "{\"profile_id\":\"%s\",\"roles\":[\"visitor\"],\"ecosystems\":[\"digital\"],"
        "\"target_countries\":[\"FR\"],\"objectives\":[\"market_exploration\"],"
        "\"languages\":[\"en\"],\"availability\":[{\"from\":\"%s\",\"to\":\"%s\"}],"
        "\"duration_days\":{\"min\":5,\"max\":20}}",
        cluster, day(30), day(90)));
    op.body = &body;
    CHECK_EQ(core_store_write_sync(src, core_xchange_create_txn, &op, NULL), 0);
    registration = op.id;
    core_xchange_op_init(&op, &A, &mod);
    core_value decision = J("{\"decision\":\"accept\"}");
    op.id = registration;
    op.body = &decision;
    CHECK_EQ(core_store_write_sync(src, core_xchange_decide_txn, &op, NULL), 0);
}

static int collect(void *ctx, core_transfer_kind kind, const core_value *line)
{
    core_value_push(&A, ctx, core_value_copy(&A, line));
    return 0;
}

/* The first exported line of a kind whose record's `field` is `value` (a copy to alter). */
static core_value line_of(const char *kind, const char *field, const char *value)
{
    for (size_t i = 0; i < exported.u.arr.len; i++) {
        const core_value *l = &exported.u.arr.items[i];
        const char *v = core_value_get_str(core_value_get(l, "record"), field);
        if (strcmp(core_value_get_str(l, "kind"), kind) == 0 && v != NULL && strcmp(v, value) == 0)
            return core_value_copy(&A, l);
    }
    CHECK__FAIL("no %s with %s %s", kind, field, value);
}

static core_value *rec_of(core_value *line)
{
    return (core_value *)core_value_get(line, "record");
}

/* Imports one line into st: its check, then its write. Returns the code; *reason why. */
static int import(const core_value *line, const char **reason, core_value *missing)
{
    core_transfer_line l;
    core_transfer_line_init(&l, &A, line);
    int rc = core_transfer_check(&l);
    if (rc == 0)
        rc = core_store_write_sync(st, core_transfer_import_txn, &l, NULL);
    if (reason != NULL)
        *reason = l.reason ? l.reason : "";
    if (missing != NULL)
        *missing = l.missing;
    return rc;
}

static void imports(const core_value *line)
{
    const char *why;
    int rc = import(line, &why, NULL);
    if (rc != 0)
        fprintf(stderr, "import refused: %s\n", why);
    CHECK_EQ(rc, 0);
}

/* Expects a refusal with code and a reason containing `part`. */
static void refuses(const core_value *line, int code, const char *part)
{
    const char *why;
    int rc = import(line, &why, NULL);
    if (rc != code || strstr(why, part) == NULL)
        fprintf(stderr, "expected %d \"%s\", got %d \"%s\"\n", code, part, rc, why);
    CHECK_EQ(rc, code);
    CHECK(strstr(why, part) != NULL);
}

/* Imports every exported line of a kind but the one whose record has id `except`. */
static void import_kind(const char *kind, const char *except)
{
    for (size_t i = 0; i < exported.u.arr.len; i++) {
        const core_value *l = &exported.u.arr.items[i];
        const char *id = core_value_get_str(core_value_get(l, "record"), "id");
        if (strcmp(core_value_get_str(l, "kind"), kind) == 0 &&
            (except == NULL || strcmp(id, except) != 0))
            imports(l);
    }
}

static bool key_is(core_store *s, const char *key, const char *want)
{
    core_slice v;
    int rc = core_store_get(s, CORE_CF_KEYS, (core_slice){key, strlen(key)}, &A, &v);
    if (want == NULL)
        return rc == CORE_ENOTFOUND;
    return rc == 0 && v.len == strlen(want) && memcmp(v.ptr, want, v.len) == 0;
}

/* ---- cases ---- */

static void export_order(void)
{
    exported = core_value_arr();
    CHECK_EQ(core_transfer_export(src, collect, &exported, NULL), 0);
    /* 3 users, 4 profiles, 1 registration, notifications: kinds in order, keys ascending */
    int last_kind = -1;
    const char *last_key = "";
    size_t per_kind[CORE_TRANSFER_KIND_COUNT] = {0};
    for (size_t i = 0; i < exported.u.arr.len; i++) {
        const core_value *l = &exported.u.arr.items[i];
        const char *kind = core_value_get_str(l, "kind");
        int k = 0;
        while (k < CORE_TRANSFER_KIND_COUNT &&
               strcmp(core_transfer_kind_name((core_transfer_kind)k), kind) != 0)
            k++;
        if (k == CORE_TRANSFER_KIND_COUNT)
            k = CORE_TRANSFER_RECORD; /* a newer record kind names itself */
        CHECK_GE(k, last_kind);
        const core_value *rec = core_value_get(l, "record");
        const char *key = k == CORE_TRANSFER_KEY || k == CORE_TRANSFER_BYTES
                              ? core_value_get_str(l, "key")
                          : k == CORE_TRANSFER_RECORD
                              ? core_arena_printf(&A, "%s/%s", kind, core_value_get_str(l, "id"))
                              : core_arena_printf(&A, "%s/%s", core_value_get_str(l, "user") ?: "",
                                                  core_value_get_str(rec, "id"));
        if (k == last_kind)
            CHECK_LT(strcmp(last_key, key), 0);
        last_kind = k;
        last_key = key;
        per_kind[k]++;
        CHECK_EQ(core_value_get(l, "version")->u.i, 1);
        if (k > CORE_TRANSFER_NOTIFICATION)
            continue; /* their own orders: test_api_transfer's round trip */
        CHECK(core_value_get(rec, "v") == NULL); /* the version is the line's */
        for (size_t m = 1; m < rec->u.obj.len; m++)
            CHECK_LT(strcmp(rec->u.obj.items[m - 1].key.ptr, rec->u.obj.items[m].key.ptr), 0);
    }
    CHECK_EQ(per_kind[CORE_TRANSFER_USER], 3);
    CHECK_EQ(per_kind[CORE_TRANSFER_PROFILE], 4);
    CHECK_EQ(per_kind[CORE_TRANSFER_XCHANGE], 1);
    CHECK_GT(per_kind[CORE_TRANSFER_NOTIFICATION], 0);
    /* exporting again gives the same lines */
    core_value again = core_value_arr();
    CHECK_EQ(core_transfer_export(src, collect, &again, NULL), 0);
    CHECK(core_value_equal(&exported, &again));
}

static void line_shape(void)
{
    st = new_store();
    refuses(&(core_value){.type = CORE_ARR}, CORE_EINVALID, "must be an object");
    core_value l = J("{\"version\":1,\"record\":{}}");
    refuses(&l, CORE_EINVALID, "no \"kind\"");
    l = J("{\"kind\":\"meeting\",\"version\":1,\"record\":{}}");
    refuses(&l, CORE_EINVALID, "unknown kind \"meeting\"");
    l = line_of("user", "username", "owner");
    put(&l, "extra", core_value_int(1));
    refuses(&l, CORE_EINVALID, "unknown member \"extra\"");
    l = line_of("user", "username", "owner");
    put(&l, "version", core_value_int(2));
    refuses(&l, CORE_EINVALID, "version 2 of user records is not supported");
    put(&l, "version", core_value_str_ref("1", 1));
    refuses(&l, CORE_EINVALID, "\"version\" must be a whole number");
    put(&l, "version", core_value_int(1));
    put(&l, "record", core_value_arr());
    refuses(&l, CORE_EINVALID, "\"record\" must be an object");
    l = line_of("user", "username", "owner");
    put(rec_of(&l), "v", core_value_int(1)); /* the version lives on the line */
    refuses(&l, CORE_EINVALID, "v: is not a known field");
}

static void users(void)
{
    core_value l = line_of("user", "username", "owner");
    put(rec_of(&l), "password_hash", core_value_str_ref("plain", 5));
    put(rec_of(&l), "role", core_value_str_ref("admin", 5));
    put(rec_of(&l), "id", core_value_str_ref("short", 5));
    refuses(&l, CORE_EINVALID, "id: ");
    refuses(&l, CORE_EINVALID, "role: must be user or moderator");
    refuses(&l, CORE_EINVALID, "password_hash: must be an argon2id hash");
    import_kind("user", NULL);
    core_value found;
    CHECK_EQ(core_user_find_by_login(st, "OWNER", &A, &found), 0); /* keys rebuilt */
    CHECK_EQ(core_user_find_by_login(st, "owner@example.eu", &A, &found), 0);
    CHECK_STR_EQ(core_value_get_str(&found, "password_hash"), "$argon2id$test");
    l = line_of("user", "username", "owner");
    refuses(&l, CORE_ECONFLICT, "a user with this id is in the store already");
    put(rec_of(&l), "id", core_value_str_ref("01M8000000000000000000000A", 26));
    put(rec_of(&l), "email", core_value_str_ref("new@example.eu", 14));
    refuses(&l, CORE_ECONFLICT, "the username \"owner\" belongs to another user");
    put(rec_of(&l), "username", core_value_str_ref("fresh", 5));
    put(rec_of(&l), "email", core_value_str_ref("Moderator@Example.eu", 20));
    refuses(&l, CORE_ECONFLICT, "the email \"Moderator@Example.eu\" belongs to another user");
    /* nothing of the refused lines stayed: "fresh" is free */
    CHECK_EQ(core_user_find_by_login(st, "fresh", &A, &found), CORE_ENOTFOUND);
}

static void profiles(void)
{
    /* state machine invariants */
    core_value l = line_of("profile", "id", cluster);
    core_value *r = rec_of(&l);
    put(r, "draft", *core_value_get(r, "published"));
    refuses(&l, CORE_EINVALID, "state: published needs a published version and no draft");
    l = line_of("profile", "id", review_id);
    put(rec_of(&l), "submitted_at", core_value_null());
    refuses(&l, CORE_EINVALID, "submitted_at: must be a time");
    l = line_of("profile", "id", draft_id);
    put(rec_of(&l), "draft", core_value_null());
    refuses(&l, CORE_EINVALID, "state: draft needs a draft");
    l = line_of("profile", "id", draft_id);
    put(rec_of(&l), "state", core_value_str_ref("archived", 8));
    refuses(&l, CORE_EINVALID, "state: must be draft, needs_review, published or declined");
    /* fields by the type's rules, reported under the version */
    l = line_of("profile", "id", cluster);
    r = (core_value *)core_value_get(rec_of(&l), "published");
    put(r, "affiliations", core_value_arr());
    put(r, "country", core_value_str_ref("de", 2));
    refuses(&l, CORE_EINVALID, "published.country:");
    refuses(&l, CORE_EINVALID, "published.affiliations: does not apply");
    /* admins must be users */
    l = line_of("profile", "id", cluster);
    core_value admins = core_value_arr();
    core_value_push(&A, &admins, core_value_str_ref("01M8000000000000000000000Z", 26));
    put(rec_of(&l), "admins", admins);
    refuses(&l, CORE_EINVALID, "admin 01M8000000000000000000000Z is not a user");

    /* the member first: its cluster is not there yet, and is named as missing */
    core_value missing;
    const char *why;
    l = line_of("profile", "id", member);
    CHECK_EQ(import(&l, &why, &missing), 0);
    CHECK_EQ(missing.u.arr.len, 1);
    CHECK_STR_EQ(missing.u.arr.items[0].u.s.ptr, cluster);
    import_kind("profile", member);
    CHECK(key_is(st, core_arena_printf(&A, "pmember/%s/%s", cluster, member), "approved"));
    CHECK(key_is(st, core_arena_printf(&A, "pcluster/%s", owner), cluster));
    core_value page;
    CHECK_EQ(core_profile_members(st, cluster, 1, 20, &A, &page), 0);
    CHECK_EQ(core_value_get(&page, "total")->u.i, 1);
    CHECK_EQ(core_profile_queue(st, 1, 20, &A, &page), 0);
    CHECK_EQ(core_value_get(&page, "total")->u.i, 1);
    CHECK_STR_EQ(core_value_get_str(&core_value_get(&page, "items")->u.arr.items[0], "id"),
                 review_id);
    core_value mine = core_profile_list_for_admin(st, member_admin, &A);
    CHECK_EQ(mine.u.arr.len, 3);
    /* the stored record is the exported one, "keys" derived again */
    core_value a, b;
    CHECK_EQ(core_profile_get(src, cluster, &A, &a), 0);
    CHECK_EQ(core_profile_get(st, cluster, &A, &b), 0);
    CHECK(core_value_equal(&a, &b));

    /* a second cluster organisation: the first admin's keys roll back with the line */
    l = line_of("profile", "id", cluster);
    put(rec_of(&l), "id", core_value_str_ref("01M8000000000000000000000C", 26));
    admins = core_value_arr();
    core_value_push(&A, &admins, core_value_cstr(&A, moderator));
    core_value_push(&A, &admins, core_value_cstr(&A, owner));
    put(rec_of(&l), "admins", admins);
    refuses(&l, CORE_ECONFLICT, "administers another cluster organisation already");
    CHECK(key_is(st, core_arena_printf(&A, "pcluster/%s", moderator), NULL));
    CHECK_EQ(core_profile_list_for_admin(st, moderator, &A).u.arr.len, 0);
}

static void registrations(void)
{
    core_value l = line_of(CORE_XCHANGE_KIND, "id", registration);
    /* windows that have passed since are fine */
    core_value w = J("[{\"from\":\"2020-01-01\",\"to\":\"2020-03-01\"}]");
    core_value past = core_value_copy(&A, &l);
    put(rec_of(&past), "availability", w);
    /* codes as creation stores them, and the decision the state implies */
    core_value bad = core_value_copy(&A, &l);
    put(rec_of(&bad), "target_countries", J("[\"fr\"]"));
    refuses(&bad, CORE_EINVALID, "target_countries: is not in the form eccpd stores");
    bad = core_value_copy(&A, &l);
    put(rec_of(&bad), "state", core_value_str_ref("rejected", 8));
    refuses(&bad, CORE_EINVALID, "decision: must be {\"decision\":\"reject\"");
    bad = core_value_copy(&A, &l);
    put(rec_of(&bad), "created_by", core_value_str_ref("01M8000000000000000000000Z", 26));
    refuses(&bad, CORE_EINVALID, "created_by 01M8000000000000000000000Z is not a user");
    imports(&past);
    CHECK(key_is(st, core_arena_printf(&A, "xvisitor/%s", cluster), registration));
    CHECK_EQ(core_xchange_list_for_user(st, owner, &A).u.arr.len, 1);
    /* one visitor registration per profile */
    put(rec_of(&l), "id", core_value_str_ref("01M8000000000000000000000R", 26));
    refuses(&l, CORE_ECONFLICT, "has a visitor registration already");
    /* a profile the store lacks is only noted */
    put(rec_of(&l), "profile_id", core_value_str_ref("01M8000000000000000000000P", 26));
    core_value missing;
    const char *why;
    CHECK_EQ(import(&l, &why, &missing), 0);
    CHECK_EQ(missing.u.arr.len, 1);
}

static void notifications(void)
{
    core_value l = core_value_null();
    for (size_t i = 0; i < exported.u.arr.len; i++)
        if (strcmp(core_value_get_str(&exported.u.arr.items[i], "kind"), "notification") == 0)
            l = core_value_copy(&A, &exported.u.arr.items[i]);
    core_value bad = core_value_copy(&A, &l);
    put(&bad, "user", core_value_str_ref("01M8000000000000000000000Z", 26));
    refuses(&bad, CORE_EINVALID, "user 01M8000000000000000000000Z is not in the store");
    put(rec_of(&bad), "read", core_value_str_ref("no", 2));
    refuses(&bad, CORE_EINVALID, "read: must be true or false");
    import_kind("notification", NULL);
    refuses(&l, CORE_ECONFLICT, "a notification with this id is in the store already");
    core_value list;
    CHECK_EQ(core_notifications_list(st, core_value_get_str(&l, "user"), false, 1, 100, &A, &list),
             0);
    CHECK_GT(core_value_get(&list, "total")->u.i, 0);
}

static int put_keys_txn(core_txn *t, void *arg)
{
    const char *const *kv = arg;
    for (; kv[0] != NULL; kv += 2) {
        core_slice v = {kv[1], strlen(kv[1])};
        char *buf = NULL;
        size_t len;
        if (strncmp(kv[0], "unsub/", 6) == 0) { /* an object, stored as MessagePack */
            core_value o = J(kv[1]);
            CHECK_EQ(core_value_to_msgpack(&o, &buf, &len), 0);
            v = (core_slice){buf, len};
        }
        core_txn_put(t, CORE_CF_KEYS, (core_slice){kv[0], strlen(kv[0])}, v);
        free(buf);
    }
    return 0;
}

/* Newsletter choices and erased accounts' reserved names travel as key lines, as stored
 * (text, nothing, an object), and come back the same; running state (sessions) and keys
 * import derives (usernames) do not travel; an unknown prefix stops the export. */
static void newsletter_and_erasure_keys(void)
{
    char k1[128], k2[128], k3[128], k4[128], k5[128];
    const char *tok = "dG9rZW4tZm9yLXRoZS1tb250aGx5LW5ld3NsZXR0ZXIx";
    snprintf(k1, sizeof(k1), "unsubbed/%s/monthly", owner);
    snprintf(k2, sizeof(k2), "unsubtok/%s/monthly", owner);
    snprintf(k3, sizeof(k3), "unsub/%s", tok);
    snprintf(k4, sizeof(k4), "uerased/%064d", 7);
    snprintf(k5, sizeof(k5), "session/%064d", 8);
    char obj[200];
    snprintf(obj, sizeof(obj), "{\"user\":\"%s\",\"kind\":\"monthly\"}", owner);
    const char *kv[] = {k1, "", k2, tok, k3, obj, k4, "1780000000", k5, "x", NULL};
    CHECK_EQ(core_store_write_sync(src, put_keys_txn, (void *)kv, NULL), 0);
    core_value lines = core_value_arr();
    CHECK_EQ(core_transfer_export(src, collect, &lines, NULL), 0);
    int found = 0;
    for (size_t i = 0; i < lines.u.arr.len; i++) {
        const core_value *l = &lines.u.arr.items[i];
        if (strcmp(core_value_get_str(l, "kind"), "key") != 0)
            continue;
        const char *key = core_value_get_str(l, "key");
        CHECK(strncmp(key, "session/", 8) != 0 && strncmp(key, "username/", 9) != 0);
        for (int k = 0; k < 4; k++)
            if (strcmp(key, kv[2 * k]) == 0) {
                found++;
                imports(l);
            }
    }
    CHECK_EQ(found, 4);
    CHECK(key_is(st, k1, ""));
    CHECK(key_is(st, k2, tok));
    CHECK(key_is(st, k4, "1780000000"));
    core_slice v;
    CHECK_EQ(core_store_get(st, CORE_CF_KEYS, (core_slice){k3, strlen(k3)}, &A, &v), 0);
    core_value o;
    const char *why;
    CHECK_EQ(core_value_from_msgpack(&A, v.ptr, v.len, &o, &why), 0);
    CHECK_STR_EQ(core_value_get_str(&o, "user"), owner);
    /* a prefix no row names: the export stops at it, naming the key */
    const char *unknown[] = {"zzfuture/1", "", NULL};
    CHECK_EQ(core_store_write_sync(src, put_keys_txn, (void *)unknown, NULL), 0);
    char *bad = NULL;
    lines = core_value_arr();
    CHECK_EQ(core_transfer_export(src, collect, &lines, &bad), CORE_EINTERNAL);
    CHECK_STR_EQ(bad, "zzfuture/1");
    free(bad);
}

/* Regression: a member that dropped a cluster and named it again kept the cluster's old
 * decision in its record while the key said pending; the record now forgets it, so an
 * export carries what the keys say. (A cluster the published version still names keeps
 * its key and decision: only clusters named by neither version are dropped.) */
static void affiliation_status_forgets_removed_clusters(void)
{
    const char *id, *body = core_arena_printf(&A, "{\"affiliations\":[\"%s\"]}", cluster);
    const char *create = core_arena_printf(
        &A,
        "{\"type\":\"cluster_member\",\"name\":\"Second Member\",\"country\":\"DE\","
        "\"affiliations\":[\"%s\"]}",
        cluster);
    CHECK_EQ(profile_op(core_profile_create_txn, member_admin, false, NULL, NULL, create, &id), 0);
    CHECK_EQ(profile_op(core_profile_affiliation_txn, owner, false, cluster, id,
                        "{\"decision\":\"approve\"}", NULL),
             0);
    char *key = core_arena_printf(&A, "pmember/%s/%s", cluster, id);
    CHECK(key_is(src, key, "approved"));
    CHECK_EQ(profile_op(core_profile_patch_txn, member_admin, false, id, NULL,
                        "{\"affiliations\":[]}", NULL),
             0);
    CHECK(key_is(src, key, NULL));
    CHECK_EQ(profile_op(core_profile_patch_txn, member_admin, false, id, NULL, body, NULL), 0);
    CHECK(key_is(src, key, "pending"));
    core_value rec;
    CHECK_EQ(core_profile_get(src, id, &A, &rec), 0);
    CHECK(core_value_get_str(core_value_get(&rec, "affiliation_status"), cluster) == NULL);
}

int main(void)
{
    core_arena_init(&A);
    test_tmpdir(dir, sizeof(dir), "transfer");
    build_source();
    RUN(export_order);
    RUN(line_shape);
    RUN(users);
    RUN(profiles);
    RUN(registrations);
    RUN(notifications);
    RUN(affiliation_status_forgets_removed_clusters);
    RUN(newsletter_and_erasure_keys);
    core_store_close(st);
    core_store_close(src);
    core_arena_dispose(&A);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    CHECK_EQ(system(cmd), 0);
    return 0;
}
