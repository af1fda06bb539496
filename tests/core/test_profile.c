/*
 * Store-level tests of the profile operations (core/profile.c) against a real RocksDB in a
 * temporary directory: the state machine, duplicates, the one-cluster rule, admins,
 * deletion cleaning every key, and moderation e-mail through the outbox.
 */
#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "fixture.h"
#include "core/account.h"
#include "core/error.h"
#include "core/outbox.h"
#include "core/profile.h"
#include "core/record.h"

static char dir[256];
static core_store *st;
static core_arena A;
static char owner[32], other[32], moderator[32];

static core_value json_obj(const char *const *kv)
{
    /* kv: key, value pairs of strings; values starting with '#' are integers */
    core_value v = core_value_obj();
    for (; kv[0] != NULL; kv += 2) {
        if (kv[1][0] == '#')
            core_value_set(&A, &v, kv[0], core_value_int(atoll(kv[1] + 1)));
        else
            core_value_set(&A, &v, kv[0], core_value_cstr(&A, kv[1]));
    }
    return v;
}

static void make_user(const char *name, const char *role, char out[32])
{
    core_value body = json_obj((const char *const[]){
        "username", name, "email", core_arena_printf(&A, "%s@example.eu", name),
        "organisation_name", "O", "country", "DE", "title", "T", NULL});
    core_user_create u = {
        .body = &body, .password_hash = "$argon2id$test", .role = role, .out = &A};
    CHECK_EQ(core_store_write_sync(st, core_user_create_txn, &u, NULL), 0);
    snprintf(out, 32, "%s", core_value_get_str(&u.user, "id"));
}

static core_profile_op op_as(const char *user, bool mod, const char *id, const core_value *body)
{
    core_profile_op op;
    core_actor actor = {user, mod};
    core_profile_op_init(&op, &A, &actor);
    op.id = id;
    op.body = body;
    return op;
}

static core_value cluster_body(const char *name, const char *site, int members)
{
    core_value b = json_obj((const char *const[]){"type", "cluster_organisation", "name", name,
                                                  "country", "DE", "city", "Köln", "description",
                                                  "A cluster.", "website", site, NULL});
    core_value_set(&A, &b, "members_count", core_value_int(members));
    core_value_set(&A, &b, "management_fte", core_value_double(1.5));
    core_value mc = core_value_obj();
    core_value_set(&A, &mc, "smes", core_value_int(members - 2));
    core_value_set(&A, &mc, "research", core_value_int(2));
    core_value_set(&A, &b, "member_composition", mc);
    core_value eco = core_value_arr();
    core_value_push(&A, &eco, core_value_cstr(&A, "digital"));
    core_value_set(&A, &b, "ecosystems", eco);
    core_value svc = core_value_arr();
    core_value_push(&A, &svc, core_value_cstr(&A, "training"));
    core_value_push(&A, &svc, core_value_cstr(&A, "matchmaking"));
    core_value_set(&A, &b, "services", svc);
    core_value contact =
        json_obj((const char *const[]){"name", "C", "email", "c@example.eu", NULL});
    core_value_set(&A, &b, "contact", contact);
    return b;
}

static const char *create(const char *user, core_value body, core_value *dups)
{
    core_profile_op op = op_as(user, false, NULL, &body);
    int rc = core_store_write_sync(st, core_profile_create_txn, &op, NULL);
    if (rc != 0)
        fprintf(stderr, "create: %s\n", op.message ? op.message : core_strerror(rc));
    CHECK_EQ(rc, 0);
    if (dups)
        *dups = op.extra;
    return op.id;
}

static int run(core_txn_fn fn, const char *user, bool mod, const char *id, core_value *body,
               core_profile_op *out)
{
    core_profile_op op = op_as(user, mod, id, body);
    int rc = core_store_write_sync(st, fn, &op, NULL);
    if (out)
        *out = op;
    return rc;
}

static void lifecycle(void)
{
    core_value dups;
    const char *id =
        create(owner, cluster_body("Digital Cluster Köln", "https://dck.example.de", 40), &dups);
    CHECK_EQ(dups.u.arr.len, 0);
    /* the one-cluster rule */
    core_value second = cluster_body("Another", "https://another.example", 40);
    core_profile_op op = op_as(owner, false, NULL, &second);
    CHECK_EQ(core_store_write_sync(st, core_profile_create_txn, &op, NULL), CORE_ECONFLICT);

    /* others may not edit or submit; moderators may not submit */
    core_value patch = json_obj((const char *const[]){"description", "Better.", NULL});
    CHECK_EQ(run(core_profile_patch_txn, other, false, id, &patch, NULL), CORE_EFORBIDDEN);
    CHECK_EQ(run(core_profile_submit_txn, moderator, true, id, NULL, NULL), CORE_EFORBIDDEN);
    CHECK_EQ(
        run(core_profile_moderate_txn, moderator, true, id, &(core_value){.type = CORE_OBJ}, NULL),
        CORE_EINVALID); /* no decision given */
    CHECK_EQ(run(core_profile_submit_txn, owner, false, id, NULL, NULL), 0);
    core_value queue;
    CHECK_EQ(core_profile_queue(st, 1, 20, &A, &queue), 0);
    CHECK_EQ(core_value_get(&queue, "total")->u.i, 1);
    core_value publish = json_obj((const char *const[]){"decision", "publish", "note", "ok", NULL});
    core_profile_op out;
    CHECK_EQ(run(core_profile_moderate_txn, moderator, true, id, &publish, &out), 0);
    CHECK_STR_EQ(core_value_get_str(&out.rec, "state"), "published");
    CHECK_EQ(core_profile_queue(st, 1, 20, &A, &queue), 0);
    CHECK_EQ(core_value_get(&queue, "total")->u.i, 0);

    /* an edit makes a new draft; the published version is untouched */
    core_value rename = json_obj((const char *const[]){"name", "Digital Cluster Cologne", NULL});
    CHECK_EQ(run(core_profile_patch_txn, owner, false, id, &rename, &out), 0);
    core_value rec;
    CHECK_EQ(core_profile_get(st, id, &A, &rec), 0);
    CHECK_STR_EQ(core_value_get_str(core_value_get(&rec, "published"), "name"),
                 "Digital Cluster Köln");
    CHECK_STR_EQ(core_value_get_str(core_value_get(&rec, "draft"), "name"),
                 "Digital Cluster Cologne");
    CHECK(core_profile_is_public(st, &rec, &A));
    core_value pub = core_profile_public_view(&A, &rec);
    CHECK(core_value_get(core_value_get(&pub, "contact"), "email") == NULL);
    CHECK(core_value_get(&pub, "admins") == NULL);

    /* duplicates: near name, same domain */
    core_value b = cluster_body("Digital Cluster Colgne", "https://www.dck.example.de/x", 40);
    const char *dup = create(other, b, &dups);
    CHECK_GE(dups.u.arr.len, 1);
    CHECK_STR_EQ(core_value_get_str(&dups.u.arr.items[0], "id"), id);

    /* the last admin stays; deletion removes the keys, so it is no longer a duplicate */
    core_profile_op rm = op_as(other, false, dup, NULL);
    rm.other_id = other;
    CHECK_EQ(core_store_write_sync(st, core_profile_admin_remove_txn, &rm, NULL), CORE_ECONFLICT);
    CHECK_EQ(run(core_profile_delete_txn, owner, false, dup, NULL, NULL), CORE_EFORBIDDEN);
    CHECK_EQ(run(core_profile_delete_txn, moderator, true, dup, NULL, NULL), 0);
    CHECK_EQ(core_profile_get(st, dup, &A, &rec), CORE_ENOTFOUND);
    (void)create(other, cluster_body("Quite Different Name", "https://other.example", 40), &dups);
    CHECK_EQ(dups.u.arr.len, 0);
}

static void failing_criteria_need_waiver(void)
{
    char tiny_owner[32];
    make_user("tiny_owner", "user", tiny_owner);
    const char *id = create(tiny_owner, cluster_body("Tiny", "https://tiny.example", 5), NULL);
    CHECK_EQ(run(core_profile_submit_txn, tiny_owner, false, id, NULL, NULL), 0);
    core_value publish = json_obj((const char *const[]){"decision", "publish", NULL});
    core_profile_op out;
    CHECK_EQ(run(core_profile_moderate_txn, moderator, true, id, &publish, &out), CORE_EINVALID);
    CHECK(core_value_get(&out.fields.obj, "waive_criteria") != NULL);
    core_value_set(&A, &publish, "waive_criteria", core_value_bool(true));
    CHECK_EQ(run(core_profile_moderate_txn, moderator, true, id, &publish, &out), CORE_EINVALID);
    CHECK(core_value_get(&out.fields.obj, "officially_recognised") != NULL);
    core_value decline =
        json_obj((const char *const[]){"decision", "decline", "note", "Too small for now", NULL});
    CHECK_EQ(run(core_profile_moderate_txn, moderator, true, id, &decline, &out), 0);
    CHECK_STR_EQ(core_value_get_str(&out.rec, "state"), "declined");

    /* the admin was told by e-mail, through the outbox */
    char spool[300];
    snprintf(spool, sizeof(spool), "%s/outbox", dir);
    CHECK_GE(core_outbox_flush(st, spool, "test <t@example.eu>"), 1);
    CHECK_EQ(core_outbox_flush(st, spool, "test <t@example.eu>"), 0); /* delivered once */
    DIR *d = opendir(spool);
    int found = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char p[600];
        snprintf(p, sizeof(p), "%s/%s", spool, e->d_name);
        FILE *f = fopen(p, "r");
        char text[8192];
        size_t n = fread(text, 1, sizeof(text) - 1, f);
        text[n] = '\0';
        fclose(f);
        found += strstr(text, "Too small for now") != NULL &&
                 strstr(text, "To: tiny_owner@example.eu\r\n") != NULL;
    }
    closedir(d);
    CHECK_EQ(found, 1);
}

int main(void)
{
    test_tmpdir(dir, sizeof(dir), "test-profile");
    char sdir[300];
    snprintf(sdir, sizeof(sdir), "%s/store", dir);
    char *err = NULL;
    CHECK_EQ(core_store_open(sdir, &st, &err), 0);
    core_arena_init(&A);
    make_user("owner", "user", owner);
    make_user("other", "user", other);
    make_user("moderator", "moderator", moderator);
    RUN(lifecycle);
    RUN(failing_criteria_need_waiver);
    core_arena_dispose(&A);
    core_store_close(st);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    CHECK_EQ(system(cmd), 0);
    return 0;
}
