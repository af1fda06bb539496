/* profile.c: see profile.h. */
#include "core/profile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/authz.h"
#include "core/error.h"
#include "core/id.h"
#include "core/op.h"
#include "core/notify.h"
#include "core/profile_rules.h"
#include "core/image.h"
#include "core/news.h"
#include "core/record.h"
#include "core/text.h"
#include "core/time.h"

enum { MAX_DUPLICATES = 10, NOTE_MAX = 2000 };

void core_profile_op_init(core_profile_op *op, core_arena *out, const core_actor *actor)
{
    core_op_init(op, out, actor);
    op->extra = core_value_null();
    op->rec = core_value_null();
}

static bool str_in(const core_value *arr, const char *s)
{
    if (arr == NULL || arr->type != CORE_ARR)
        return false;
    for (size_t i = 0; i < arr->u.arr.len; i++)
        if (arr->u.arr.items[i].type == CORE_STR && strcmp(arr->u.arr.items[i].u.s.ptr, s) == 0)
            return true;
    return false;
}

/* A copy of obj without the member named `drop` (NULL keeps all). */
static core_value obj_without(core_arena *a, const core_value *obj, const char *drop)
{
    core_value out = core_value_obj();
    if (obj == NULL || obj->type != CORE_OBJ)
        return out;
    for (size_t i = 0; i < obj->u.obj.len; i++) {
        const core_member *m = &obj->u.obj.items[i];
        if (drop != NULL && m->key.len == strlen(drop) && memcmp(m->key.ptr, drop, m->key.len) == 0)
            continue;
        core_value_set_copy(a, &out, m->key.ptr, m->key.len, m->value);
    }
    return out;
}

static const core_value *working(const core_value *rec)
{
    const core_value *d = core_value_get(rec, "draft");
    return !core_op_is_null(d) ? d : core_value_get(rec, "published");
}

unsigned core_profile_roles(const core_actor *actor, const core_value *rec)
{
    unsigned roles = core_actor_roles(actor);
    if (actor->user_id != NULL && rec != NULL &&
        str_in(core_value_get(rec, "admins"), actor->user_id))
        roles |= CORE_ROLE_ADMIN;
    return roles;
}

static const char *authz_message(int rc)
{
    return rc == CORE_EUNAUTH     ? "sign in first"
           : rc == CORE_ENOTFOUND ? "no such profile"
                                  : "you may not do this to this profile";
}

static int authorize(core_profile_op *op, core_action action, const core_value *rec)
{
    int rc = core_authorize(action, core_profile_roles(&op->actor, rec));
    return rc == 0 ? 0 : core_op_fail(op, rc, authz_message(rc));
}

/* ---- the key layout (profile.h): every key a write makes or removes is named here ---- */

static char *admin_key(core_arena *a, const char *user, const char *id)
{
    return core_arena_printf(a, "padmin/%s/%s", user, id);
}

static char *cluster_key(core_arena *a, const char *user)
{
    return core_arena_printf(a, "pcluster/%s", user);
}

static char *queue_key(core_arena *a, int64_t submitted_at, const char *id)
{
    return core_arena_printf(a, "pqueue/%020lld/%s", (long long)submitted_at, id);
}

static char *member_key(core_arena *a, const char *cluster, const char *member)
{
    return core_arena_printf(a, "pmember/%s/%s", cluster, member);
}

static char *name_key(core_arena *a, const char *folded_name, const char *id)
{
    return core_arena_printf(a, "pname/%s/%s", folded_name, id);
}

static char *domain_key(core_arena *a, const char *domain, const char *id)
{
    return core_arena_printf(a, "pdomain/%s/%s", domain, id);
}

/* Makes user an admin of profile id (of type `type`) in the keys: padmin, and pcluster for
 * a cluster organisation, of which a user administers at most one (CORE_ECONFLICT, writing
 * nothing, when the user has one already). */
static int admin_keys_add(core_txn *t, const char *user, const char *id, const char *type)
{
    core_arena *a = core_txn_arena(t);
    if (strcmp(type, "cluster_organisation") == 0) {
        char *ckey = cluster_key(a, user);
        if (core_txn_exists(t, CORE_CF_KEYS, (core_slice){ckey, strlen(ckey)}))
            return CORE_ECONFLICT;
        core_op_put_key(t, ckey, id);
    }
    core_op_put_key(t, admin_key(a, user, id), type);
    return 0;
}

/* Undoes admin_keys_add. */
static void admin_keys_del(core_txn *t, const char *user, const char *id, const char *type)
{
    core_arena *a = core_txn_arena(t);
    core_op_del_key(t, admin_key(a, user, id));
    if (strcmp(type, "cluster_organisation") == 0)
        core_op_del_key(t, cluster_key(a, user));
}

static int load(core_txn *t, core_profile_op *op, const char *id, core_value *rec)
{
    int rc = core_record_get_txn(t, "profile", id, core_txn_arena(t), rec);
    if (rc == CORE_ENOTFOUND)
        return core_op_fail(op, rc, "no such profile");
    return rc;
}

/* Loads the profile and checks the actor may perform action on it: the prologue of every
 * operation on an existing profile. */
static int load_authorized(core_txn *t, core_profile_op *op, const char *id, core_action action,
                           core_value *rec)
{
    int rc = load(t, op, id, rec);
    return rc != 0 ? rc : authorize(op, action, rec);
}

/* The steps of an operation on an existing profile, after on_existing loaded it (rec: the
 * record, a copy the step may change) and checked the actor may act. */
typedef int profile_step(core_txn *t, core_profile_op *op, core_arena *a, core_value rec);

/* The prologue of every operation on an existing profile: loads op->id, checks the actor may
 * perform action on it (core/authz.c's table), then runs step. */
static int on_existing(core_txn *t, void *arg, core_action action, profile_step *step)
{
    core_profile_op *op = arg;
    core_value rec;
    int rc = load_authorized(t, op, op->id, action, &rec);
    return rc != 0 ? rc : step(t, op, core_txn_arena(t), rec);
}

static int save(core_txn *t, core_profile_op *op, core_value *rec, const char *how)
{
    const char *id = core_value_get_str(rec, "id");
    core_op_obj_put(core_txn_arena(t), rec, "updated_at", core_value_int(core_txn_now(t)));
    int rc = core_record_put(t, "profile", id, rec, how);
    if (rc == 0)
        op->rec = core_value_copy(op->out, rec);
    return rc;
}

/* ---- secondary keys derived from the working version ---- */

typedef struct derived {
    const char *name_key, *domain; /* NULL when absent */
} derived;

static derived derive(core_arena *a, const core_value *fields)
{
    derived d = {NULL, NULL};
    const char *name = core_value_get_str(fields, "name");
    const char *site = core_value_get_str(fields, "website");
    if (name != NULL) {
        d.name_key = core_profile_name_key(a, name);
        if (d.name_key != NULL && d.name_key[0] == '\0')
            d.name_key = NULL;
    }
    if (site != NULL)
        d.domain = core_url_domain(a, site);
    return d;
}

/* Replaces the name/domain keys of profile id: old from rec's "keys", new from fields. */
static void update_search_keys(core_txn *t, core_value *rec, const char *id,
                               const core_value *fields)
{
    core_arena *a = core_txn_arena(t);
    const core_value *old = core_value_get(rec, "keys");
    const char *oname = core_value_get_str(old, "name"), *odom = core_value_get_str(old, "domain");
    if (oname != NULL)
        core_op_del_key(t, name_key(a, oname, id));
    if (odom != NULL)
        core_op_del_key(t, domain_key(a, odom, id));
    core_value keys = core_value_obj();
    if (fields != NULL) {
        derived d = derive(a, fields);
        if (d.name_key != NULL) {
            core_op_put_key(t, name_key(a, d.name_key, id), "");
            core_value_set(a, &keys, "name", core_value_cstr(a, d.name_key));
        }
        if (d.domain != NULL) {
            core_op_put_key(t, domain_key(a, d.domain, id), "");
            core_value_set(a, &keys, "domain", core_value_cstr(a, d.domain));
        }
    }
    core_op_obj_put(a, rec, "keys", keys);
}

/* Affiliation keys: every cluster named by the draft or the published version has a
 * pmember key; removed ones go, new ones get their cluster's decision from `status` (the
 * record's affiliation_status, when a whole record is written at once) or else start
 * pending. */
static void update_affiliation_keys(core_txn *t, const core_value *before, const core_value *after,
                                    const char *member_id, const core_value *status)
{
    core_arena *a = core_txn_arena(t);
    if (before != NULL && before->type == CORE_ARR)
        for (size_t i = 0; i < before->u.arr.len; i++) {
            const char *c = before->u.arr.items[i].u.s.ptr;
            if (!str_in(after, c))
                core_op_del_key(t, member_key(a, c, member_id));
        }
    if (after != NULL && after->type == CORE_ARR)
        for (size_t i = 0; i < after->u.arr.len; i++) {
            const char *c = after->u.arr.items[i].u.s.ptr;
            char *k = member_key(a, c, member_id);
            const char *decided = core_value_get_str(status, c);
            if (!core_txn_exists(t, CORE_CF_KEYS, (core_slice){k, strlen(k)}))
                core_op_put_key(t, k, decided != NULL ? decided : "pending");
        }
}

/* Drops the decisions of clusters the member no longer names, so the record keeps exactly
 * what the pmember keys say (naming a cluster again asks it again). */
static void prune_affiliation_status(core_arena *a, core_value *rec, const core_value *named)
{
    const core_value *st = core_value_get(rec, "affiliation_status");
    if (st == NULL || st->type != CORE_OBJ)
        return;
    core_value kept = core_value_obj();
    for (size_t i = 0; i < st->u.obj.len; i++) {
        const core_member *m = &st->u.obj.items[i];
        if (str_in(named, m->key.ptr))
            core_value_set_copy(a, &kept, m->key.ptr, m->key.len, m->value);
    }
    if (kept.u.obj.len != st->u.obj.len)
        core_op_obj_put(a, rec, "affiliation_status", kept);
}

/* The union of the clusters named in the draft and the published version. */
static core_value all_affiliations(core_arena *a, const core_value *rec)
{
    core_value out = core_value_arr();
    const char *which[] = {"draft", "published"};
    for (int w = 0; w < 2; w++) {
        const core_value *aff = core_value_get(core_value_get(rec, which[w]), "affiliations");
        if (aff == NULL || aff->type != CORE_ARR)
            continue;
        for (size_t i = 0; i < aff->u.arr.len; i++)
            if (aff->u.arr.items[i].type == CORE_STR && !str_in(&out, aff->u.arr.items[i].u.s.ptr))
                core_value_push(a, &out, aff->u.arr.items[i]);
    }
    return out;
}

int core_profile_keys_add(core_txn *t, core_value *rec, const char **taken_by)
{
    core_arena *a = core_txn_arena(t);
    const char *id = core_value_get_str(rec, "id"), *type = core_value_get_str(rec, "type");
    const core_value *admins = core_value_get(rec, "admins");
    for (size_t i = 0; admins != NULL && i < admins->u.arr.len; i++)
        if (admin_keys_add(t, admins->u.arr.items[i].u.s.ptr, id, type) == CORE_ECONFLICT) {
            if (taken_by != NULL)
                *taken_by = admins->u.arr.items[i].u.s.ptr;
            return CORE_ECONFLICT;
        }
    core_op_obj_put(a, rec, "keys", core_value_null()); /* a new profile has no keys to replace */
    update_search_keys(t, rec, id, working(rec));
    core_value aff = all_affiliations(a, rec);
    update_affiliation_keys(t, NULL, &aff, id, core_value_get(rec, "affiliation_status"));
    const core_value *sub = core_value_get(rec, "submitted_at");
    if (strcmp(core_value_get_str(rec, "state"), "needs_review") == 0 && sub != NULL &&
        sub->type == CORE_INT)
        core_op_put_key(t, queue_key(a, sub->u.i, id), "");
    return 0;
}

/* ---- duplicates ---- */

static void add_duplicate(core_txn *t, core_profile_op *op, const char *id, const char *reason)
{
    core_value *dups = &op->extra;
    for (size_t i = 0; i < dups->u.arr.len; i++)
        if (strcmp(core_value_get_str(&dups->u.arr.items[i], "id"), id) == 0)
            return;
    if (dups->u.arr.len >= MAX_DUPLICATES)
        return;
    core_value rec;
    core_arena *a = core_txn_arena(t);
    if (core_record_get_txn(t, "profile", id, a, &rec) != 0)
        return;
    const char *name = core_value_get_str(working(&rec), "name");
    core_value d = core_value_obj();
    core_value_set(op->out, &d, "id", core_value_cstr(op->out, id));
    core_value_set(op->out, &d, "name", core_value_cstr(op->out, name ? name : ""));
    core_value_set(op->out, &d, "reason", core_value_cstr(op->out, reason));
    core_value_push(op->out, dups, d);
}

/* Scans keys under prefix; calls back with the rest of each key. */
static void scan_keys(core_txn *t, const char *prefix,
                      void (*cb)(core_txn *, core_profile_op *, const char *, size_t, void *),
                      core_profile_op *op, void *arg)
{
    core_iter *it = core_store_iter_prefix(core_txn_store(t), CORE_CF_KEYS,
                                           (core_slice){prefix, strlen(prefix)});
    core_slice k, v;
    size_t plen = strlen(prefix);
    int seen = 0;
    while (core_iter_next(it, &k, &v) && seen++ < 2000)
        cb(t, op, k.ptr + plen, k.len - plen, arg);
    core_iter_free(it);
}

static void on_domain_key(core_txn *t, core_profile_op *op, const char *rest, size_t len, void *arg)
{
    add_duplicate(
        t, op, core_arena_strndup(core_txn_arena(t), rest, len),
        core_arena_printf(core_txn_arena(t), "same website domain (%s)", (const char *)arg));
}

static void on_name_key(core_txn *t, core_profile_op *op, const char *rest, size_t len, void *arg)
{
    const char *mine = arg;
    const char *slash = memrchr(rest, '/', len);
    if (slash == NULL)
        return;
    core_arena *a = core_txn_arena(t);
    char *theirs = core_arena_strndup(a, rest, (size_t)(slash - rest));
    char *id = core_arena_strndup(a, slash + 1, len - (size_t)(slash - rest) - 1);
    size_t n = core_utf8_count(mine, strlen(mine));
    size_t allowed = n < 8 ? 1 : n < 20 ? 2 : 3;
    size_t d = core_edit_distance(mine, theirs, allowed);
    if (d == 0)
        add_duplicate(t, op, id, "same name");
    else if (d <= allowed)
        add_duplicate(t, op, id, "similar name");
}

static void find_duplicates(core_txn *t, core_profile_op *op, const core_value *fields)
{
    core_arena *a = core_txn_arena(t);
    op->extra = core_value_arr();
    derived d = derive(a, fields);
    if (d.name_key != NULL) {
        /* Candidates share the first three characters (code points) of the folded name:
         * enough for typos and punctuation variants without scanning every profile. */
        size_t cut = 0;
        for (int cps = 0; d.name_key[cut] && cps < 3; cps++) {
            uint32_t cp;
            cut += core_utf8_next(d.name_key + cut, strlen(d.name_key + cut), &cp);
        }
        char *prefix = core_arena_printf(a, "pname/%.*s", (int)cut, d.name_key);
        scan_keys(t, prefix, on_name_key, op, (void *)d.name_key);
    }
    if (d.domain != NULL)
        scan_keys(t, domain_key(a, d.domain, ""), on_domain_key, op, (void *)d.domain);
}

/* ---- create ---- */

int core_profile_create_txn(core_txn *t, void *arg)
{
    core_profile_op *op = arg;
    core_arena *a = core_txn_arena(t);
    int rc = authorize(op, CORE_ACT_PROFILE_CREATE, NULL);
    if (rc != 0)
        return rc;
    if (op->body == NULL || op->body->type != CORE_OBJ) {
        core_fields_add(&op->fields, "body", "must be a JSON object");
        return core_op_fail(op, CORE_EINVALID, "the profile has errors; see fields");
    }
    const char *type_s = core_value_get_str(op->body, "type");
    int type = type_s ? core_profile_type_parse(type_s) : -1;
    if (type < 0) {
        core_fields_add(&op->fields, "type",
                        "must be one of: cluster_organisation, cluster_member, "
                        "cluster_partnership, national_association, meta_cluster_network, "
                        "policy_institution, resource_efficiency_provider, training_provider");
        return core_op_fail(op, CORE_EINVALID, "the profile has errors; see fields");
    }
    core_value fields = obj_without(a, op->body, "type");
    core_profile_validate(&op->fields, (core_profile_type)type, &fields, false);
    if (core_fields_any(&op->fields))
        return core_op_fail(op, CORE_EINVALID, "the profile has errors; see fields");

    /* before the profile's own keys exist, or it would find itself */
    find_duplicates(t, op, &fields);

    char id[CORE_ID_LEN + 1];
    core_id_new(id);
    int64_t now = core_txn_now(t);
    core_value rec = core_value_obj();
    core_value_set(a, &rec, "id", core_value_cstr(a, id));
    core_value_set(a, &rec, "type", core_value_cstr(a, core_profile_type_name(type)));
    core_value_set(a, &rec, "state", core_value_str_ref("draft", 5));
    core_value admins = core_value_arr();
    core_value_push(a, &admins, core_value_cstr(a, op->actor.user_id));
    core_value_set(a, &rec, "admins", admins);
    core_value_set(a, &rec, "draft", fields);
    core_value_set(a, &rec, "published", core_value_null());
    core_value_set(a, &rec, "created_at", core_value_int(now));
    core_value_set(a, &rec, "history", core_value_arr());
    if (core_profile_keys_add(t, &rec, NULL) == CORE_ECONFLICT)
        return core_op_fail(
            op, CORE_ECONFLICT,
            "you already administer a cluster organisation profile; a user administers "
            "at most one");
    op->id = core_arena_strndup(op->out, id, CORE_ID_LEN);
    return save(t, op, &rec, "create");
}

/* ---- edit ---- */

static int patch(core_txn *t, core_profile_op *op, core_arena *a, core_value rec)
{
    if (op->body == NULL || op->body->type != CORE_OBJ) {
        core_fields_add(&op->fields, "body", "must be a JSON object of the fields to change");
        return core_op_fail(op, CORE_EINVALID, "the change has errors; see fields");
    }
    if (core_value_get(op->body, "type") != NULL) {
        core_fields_add(&op->fields, "type", "cannot be changed; create a new profile instead");
        return core_op_fail(op, CORE_EINVALID, "the change has errors; see fields");
    }
    int type = core_profile_type_parse(core_value_get_str(&rec, "type"));
    core_profile_validate(&op->fields, (core_profile_type)type, op->body, true);
    if (core_fields_any(&op->fields))
        return core_op_fail(op, CORE_EINVALID, "the change has errors; see fields");

    const char *id = core_value_get_str(&rec, "id");
    core_value before_aff = all_affiliations(a, &rec);
    core_value draft = obj_without(a, working(&rec), NULL);
    for (size_t i = 0; i < op->body->u.obj.len; i++) {
        const core_member *m = &op->body->u.obj.items[i];
        char *key = core_arena_strndup(a, m->key.ptr, m->key.len);
        if (m->value.type == CORE_NULL)
            draft = obj_without(a, &draft, key);
        else
            core_op_obj_put(a, &draft, key, m->value);
    }
    /* A change that changes nothing (PATCH {}, or the values already there) writes no
     * revision, withdraws no submission and starts no draft. */
    if (core_value_equal(&draft, working(&rec))) {
        op->rec = core_value_copy(op->out, &rec);
        return 0;
    }
    const char *state = core_value_get_str(&rec, "state");
    if (strcmp(state, "needs_review") == 0) /* an edit withdraws the submission */
        core_op_del_key(t, queue_key(a, core_value_get(&rec, "submitted_at")->u.i, id));
    core_op_obj_put(a, &rec, "draft", draft);
    core_op_obj_put(a, &rec, "state", core_value_str_ref("draft", 5));
    update_search_keys(t, &rec, id, &draft);
    core_value after_aff = all_affiliations(a, &rec);
    update_affiliation_keys(t, &before_aff, &after_aff, id, NULL);
    prune_affiliation_status(a, &rec, &after_aff);
    return save(t, op, &rec, "update");
}

int core_profile_patch_txn(core_txn *t, void *op)
{
    return on_existing(t, op, CORE_ACT_PROFILE_EDIT, patch);
}

static int submit(core_txn *t, core_profile_op *op, core_arena *a, core_value rec)
{
    const char *state = core_value_get_str(&rec, "state");
    const core_value *draft = core_value_get(&rec, "draft");
    if (strcmp(state, "needs_review") == 0)
        return core_op_fail(op, CORE_ECONFLICT, "the profile is already waiting for review");
    if (core_op_is_null(draft))
        return core_op_fail(op, CORE_ECONFLICT,
                            "there is no draft to submit: edit the profile first");
    int type = core_profile_type_parse(core_value_get_str(&rec, "type"));
    core_profile_missing(&op->fields, (core_profile_type)type, draft);
    if (core_fields_any(&op->fields))
        return core_op_fail(op, CORE_EINVALID, "fill in the mandatory fields before submitting");
    int64_t now = core_txn_now(t);
    core_op_obj_put(a, &rec, "state", core_value_str_ref("needs_review", 12));
    core_op_obj_put(a, &rec, "submitted_at", core_value_int(now));
    core_op_put_key(t, queue_key(a, now, op->id), "");
    return save(t, op, &rec, "update");
}

int core_profile_submit_txn(core_txn *t, void *op)
{
    return on_existing(t, op, CORE_ACT_PROFILE_SUBMIT, submit);
}

/* ---- moderation ---- */

static int moderate(core_txn *t, core_profile_op *op, core_arena *a, core_value rec)
{
    static const char *const known[] = {"decision", "note", "waive_criteria", NULL};
    core_check_known(&op->fields, op->body, known);
    const char *decision = core_check_string(&op->fields, op->body, "decision", true, 1, 20);
    if (decision != NULL && strcmp(decision, "publish") != 0 && strcmp(decision, "decline") != 0 &&
        strcmp(decision, "request_changes") != 0)
        core_fields_add(&op->fields, "decision", "must be publish, decline or request_changes");
    bool need_note = decision != NULL && strcmp(decision, "publish") != 0;
    const char *note = core_check_string(&op->fields, op->body, "note", need_note, 1, NOTE_MAX);
    const core_value *waive = core_value_get(op->body, "waive_criteria");
    if (!core_op_is_null(waive) && waive->type != CORE_BOOL)
        core_fields_add(&op->fields, "waive_criteria", "must be true or false");
    if (core_fields_any(&op->fields))
        return core_op_fail(op, CORE_EINVALID, "the decision has errors; see fields");
    if (strcmp(core_value_get_str(&rec, "state"), "needs_review") != 0)
        return core_op_fail(op, CORE_ECONFLICT, "the profile is not waiting for review");

    const char *id = core_value_get_str(&rec, "id");
    const core_value *draft = core_value_get(&rec, "draft");
    int type = core_profile_type_parse(core_value_get_str(&rec, "type"));
    bool waived = false;
    if (strcmp(decision, "publish") == 0 && !core_profile_criteria_pass(type, draft)) {
        const core_value *recog = core_value_get(draft, "officially_recognised");
        bool recognised = recog != NULL && recog->type == CORE_BOOL && recog->u.b;
        bool waiving = !core_op_is_null(waive) && waive->u.b;
        if (!waiving || !recognised) {
            if (!waiving)
                core_fields_add(&op->fields, "waive_criteria",
                                "the cluster does not meet the validation criteria; publishing "
                                "it needs waive_criteria: true");
            if (!recognised)
                core_fields_add(&op->fields, "officially_recognised",
                                "a cluster that fails the criteria can only be published when "
                                "it is officially recognised");
            return core_op_fail(op, CORE_EINVALID,
                                "the cluster fails the validation criteria (see GET /check)");
        }
        waived = true;
    }
    int64_t now = core_txn_now(t);
    core_op_del_key(t, queue_key(a, core_value_get(&rec, "submitted_at")->u.i, id));
    core_value entry = core_value_obj();
    core_value_set(a, &entry, "decision", core_value_cstr(a, decision));
    core_value_set(a, &entry, "note", note ? core_value_cstr(a, note) : core_value_null());
    core_value_set(a, &entry, "by", core_value_cstr(a, op->actor.user_id));
    core_value_set(a, &entry, "at", core_value_int(now));
    core_value_set(a, &entry, "criteria_waived", core_value_bool(waived));
    core_value *hist = (core_value *)core_value_get(&rec, "history");
    if (hist != NULL && hist->type == CORE_ARR)
        core_value_push(a, hist, entry);

    const char *name = core_value_get_str(draft, "name");
    const char *subject, *text, *kind;
    if (strcmp(decision, "publish") == 0) {
        core_op_obj_put(a, &rec, "published", *draft);
        core_op_obj_put(a, &rec, "draft", core_value_null());
        core_op_obj_put(a, &rec, "state", core_value_str_ref("published", 9));
        core_op_obj_put(a, &rec, "published_at", core_value_int(now));
        core_op_obj_put(a, &rec, "criteria_waived", core_value_bool(waived));
        kind = "profile.published";
        subject = "Your profile is published";
        text = core_arena_printf(a, "The profile \"%s\" is now published.%s%s", name,
                                 note ? "\n\nNote from the moderator: " : "", note ? note : "");
    } else if (strcmp(decision, "decline") == 0) {
        core_op_obj_put(a, &rec, "state", core_value_str_ref("declined", 8));
        kind = "profile.declined";
        subject = "Your profile was declined";
        text = core_arena_printf(a,
                                 "The profile \"%s\" was declined.\n\nNote from the "
                                 "moderator: %s",
                                 name, note);
    } else {
        core_op_obj_put(a, &rec, "state", core_value_str_ref("draft", 5));
        kind = "profile.changes_requested";
        subject = "Changes requested on your profile";
        text = core_arena_printf(a,
                                 "The moderators ask for changes to the profile \"%s\" "
                                 "before publishing it.\n\nNote from the moderator: %s",
                                 name, note);
    }
    const core_value *admins = core_value_get(&rec, "admins");
    for (size_t i = 0; admins && i < admins->u.arr.len; i++)
        core_notify(t, admins->u.arr.items[i].u.s.ptr, kind, subject, text, id);
    return save(t, op, &rec, "update");
}

int core_profile_moderate_txn(core_txn *t, void *op)
{
    return on_existing(t, op, CORE_ACT_PROFILE_MODERATE, moderate);
}

/* ---- admins ---- */

static int admin_add(core_txn *t, core_profile_op *op, core_arena *a, core_value rec)
{
    static const char *const known[] = {"email", NULL};
    core_check_known(&op->fields, op->body, known);
    const char *email = core_check_string(&op->fields, op->body, "email", true, 3, 254);
    if (core_fields_any(&op->fields))
        return core_op_fail(op, CORE_EINVALID, "send the colleague's registered e-mail address");
    char *folded = core_fold_case(a, email, strlen(email));
    char *ekey = core_arena_printf(a, "email/%s", folded);
    core_slice uid;
    int rc = core_txn_get(t, CORE_CF_KEYS, (core_slice){ekey, strlen(ekey)}, a, &uid);
    if (rc == CORE_ENOTFOUND)
        return core_op_fail(op, rc,
                            "no registered user has this e-mail address; they must register first");
    if (rc != 0)
        return rc;
    core_value *admins = (core_value *)core_value_get(&rec, "admins");
    const char *type = core_value_get_str(&rec, "type");
    if (str_in(admins, uid.ptr)) { /* already an admin: nothing to do */
        op->rec = core_value_copy(op->out, &rec);
        return 0;
    }
    if (admin_keys_add(t, uid.ptr, op->id, type) == CORE_ECONFLICT)
        return core_op_fail(op, CORE_ECONFLICT,
                            "this user already administers a cluster organisation profile");
    core_value_push(a, admins, core_value_str(a, uid.ptr, uid.len));
    const char *name = core_value_get_str(working(&rec), "name");
    core_notify(t, uid.ptr, "profile.admin_added", "You are now an admin of a profile",
                core_arena_printf(a, "You were added as an admin of the profile \"%s\".", name),
                op->id);
    return save(t, op, &rec, "update");
}

int core_profile_admin_add_txn(core_txn *t, void *op)
{
    return on_existing(t, op, CORE_ACT_PROFILE_ADMINS, admin_add);
}

static int admin_remove(core_txn *t, core_profile_op *op, core_arena *a, core_value rec)
{
    core_value *admins = (core_value *)core_value_get(&rec, "admins");
    if (!str_in(admins, op->other_id))
        return core_op_fail(op, CORE_ENOTFOUND, "this user is not an admin of the profile");
    if (admins->u.arr.len == 1)
        return core_op_fail(op, CORE_ECONFLICT,
                            "a profile keeps at least one admin: add another admin first");
    core_value kept = core_value_arr();
    for (size_t i = 0; i < admins->u.arr.len; i++)
        if (strcmp(admins->u.arr.items[i].u.s.ptr, op->other_id) != 0)
            core_value_push(a, &kept, admins->u.arr.items[i]);
    *admins = kept;
    admin_keys_del(t, op->other_id, op->id, core_value_get_str(&rec, "type"));
    return save(t, op, &rec, "update");
}

int core_profile_admin_remove_txn(core_txn *t, void *op)
{
    return on_existing(t, op, CORE_ACT_PROFILE_ADMINS, admin_remove);
}

/* ---- affiliations ---- */

static int affiliation(core_txn *t, core_profile_op *op, core_arena *a, core_value cluster)
{
    core_value member;
    int rc;
    static const char *const known[] = {"decision", NULL};
    core_check_known(&op->fields, op->body, known);
    const char *decision = core_check_string(&op->fields, op->body, "decision", true, 1, 20);
    if (decision != NULL && strcmp(decision, "approve") != 0 && strcmp(decision, "reject") != 0)
        core_fields_add(&op->fields, "decision", "must be approve or reject");
    if (core_fields_any(&op->fields))
        return core_op_fail(op, CORE_EINVALID, "the decision has errors; see fields");
    char *k = member_key(a, op->id, op->other_id);
    if (!core_txn_exists(t, CORE_CF_KEYS, (core_slice){k, strlen(k)}))
        return core_op_fail(op, CORE_ENOTFOUND,
                            "this profile does not ask to be a member of the cluster");
    if ((rc = load(t, op, op->other_id, &member)) != 0)
        return rc;
    const char *status = strcmp(decision, "approve") == 0 ? "approved" : "rejected";
    op->extra = core_value_cstr(op->out, status);
    core_op_put_key(t, k, status);
    core_value *st = (core_value *)core_value_get(&member, "affiliation_status");
    if (st == NULL || st->type != CORE_OBJ) {
        core_op_obj_put(a, &member, "affiliation_status", core_value_obj());
        st = (core_value *)core_value_get(&member, "affiliation_status");
    }
    core_op_obj_put(a, st, op->id, core_value_cstr(a, status));
    const char *cname = core_value_get_str(working(&cluster), "name");
    const char *mname = core_value_get_str(working(&member), "name");
    const core_value *admins = core_value_get(&member, "admins");
    for (size_t i = 0; admins && i < admins->u.arr.len; i++)
        core_notify(t, admins->u.arr.items[i].u.s.ptr, "profile.affiliation", "Cluster membership",
                    core_arena_printf(a, "The cluster \"%s\" has %s \"%s\" as a member.", cname,
                                      status, mname),
                    op->other_id);
    /* the member's record changes (its visibility may), so it is saved and logged */
    rc = save(t, op, &member, "update");
    if (rc == 0)
        op->rec = core_value_copy(op->out, &cluster);
    return rc;
}

int core_profile_affiliation_txn(core_txn *t, void *op)
{
    return on_existing(t, op, CORE_ACT_PROFILE_AFFILIATION, affiliation);
}

/* ---- delete ---- */

static int delete (core_txn *t, core_profile_op *op, core_arena *a, core_value rec)
{
    int rc;
    const char *id = op->id;
    update_search_keys(t, &rec, id, NULL);
    core_value aff = all_affiliations(a, &rec);
    update_affiliation_keys(t, &aff, NULL, id, NULL);
    const core_value *admins = core_value_get(&rec, "admins");
    const char *type = core_value_get_str(&rec, "type");
    for (size_t i = 0; admins && i < admins->u.arr.len; i++)
        admin_keys_del(t, admins->u.arr.items[i].u.s.ptr, id, type);
    const core_value *sub = core_value_get(&rec, "submitted_at");
    if (strcmp(core_value_get_str(&rec, "state"), "needs_review") == 0 && sub != NULL)
        core_op_del_key(t, queue_key(a, sub->u.i, id));
    /* members of a deleted cluster lose that affiliation */
    char *prefix = member_key(a, id, ""); /* every member of the cluster */
    core_iter *it = core_store_iter_prefix(core_txn_store(t), CORE_CF_KEYS,
                                           (core_slice){prefix, strlen(prefix)});
    core_slice k, v;
    while (core_iter_next(it, &k, &v))
        core_txn_delete(t, CORE_CF_KEYS, (core_slice){core_arena_strndup(a, k.ptr, k.len), k.len});
    core_iter_free(it);
    if ((rc = core_news_remove_of_profile_txn(t, id)) != 0) /* its content goes with it */
        return rc;
    core_image_remove_of_profile_txn(t, id);
    core_record_delete(t, "profile", id);
    return 0;
}

int core_profile_delete_txn(core_txn *t, void *op)
{
    return on_existing(t, op, CORE_ACT_PROFILE_DELETE, delete);
}

/* ---- reads ---- */

int core_profile_get(core_store *s, const char *id, core_arena *a, core_value *rec)
{
    if (!core_id_valid(id))
        return CORE_ENOTFOUND;
    return core_record_get(s, "profile", id, a, rec);
}

static bool published(const core_value *rec)
{
    return !core_op_is_null(core_value_get(rec, "published"));
}

bool core_profile_is_public(core_store *s, const core_value *rec, core_arena *a)
{
    if (!published(rec))
        return false;
    if (strcmp(core_value_get_str(rec, "type"), "cluster_member") != 0)
        return true;
    const char *id = core_value_get_str(rec, "id");
    const core_value *aff = core_value_get(core_value_get(rec, "published"), "affiliations");
    for (size_t i = 0; aff && aff->type == CORE_ARR && i < aff->u.arr.len; i++) {
        const char *c = aff->u.arr.items[i].u.s.ptr;
        char *k = member_key(a, c, id);
        core_slice st;
        core_value cluster;
        if (core_store_get(s, CORE_CF_KEYS, (core_slice){k, strlen(k)}, a, &st) == 0 &&
            strcmp(st.ptr, "approved") == 0 && core_profile_get(s, c, a, &cluster) == 0 &&
            published(&cluster))
            return true;
    }
    return false;
}

static core_value fields_view(core_arena *a, const core_value *fields, bool private_ok)
{
    core_value v = core_value_obj();
    for (size_t i = 0; fields && i < fields->u.obj.len; i++) {
        const core_member *m = &fields->u.obj.items[i];
        if (!private_ok && m->key.len == 7 && memcmp(m->key.ptr, "contact", 7) == 0) {
            core_value_set(a, &v, "contact", obj_without(a, &m->value, "email"));
            continue;
        }
        core_value_set_copy(a, &v, m->key.ptr, m->key.len, m->value);
    }
    return v;
}

static void copy_member(core_arena *a, core_value *to, const core_value *from, const char *key)
{
    const core_value *v = core_value_get(from, key);
    if (v != NULL)
        core_value_set(a, to, key, *v);
}

core_value core_profile_public_view(core_arena *a, const core_value *rec)
{
    core_value v = core_value_obj();
    copy_member(a, &v, rec, "id");
    copy_member(a, &v, rec, "type");
    core_value f = fields_view(a, core_value_get(rec, "published"), false);
    for (size_t i = 0; i < f.u.obj.len; i++)
        core_value_set(a, &v, f.u.obj.items[i].key.ptr, f.u.obj.items[i].value);
    copy_member(a, &v, rec, "published_at");
    return core_value_times(a, &v);
}

core_value core_profile_admin_view(core_arena *a, const core_value *rec)
{
    core_value v = core_value_obj();
    copy_member(a, &v, rec, "id");
    copy_member(a, &v, rec, "type");
    copy_member(a, &v, rec, "state");
    core_value f = fields_view(a, working(rec), true);
    for (size_t i = 0; i < f.u.obj.len; i++)
        core_value_set(a, &v, f.u.obj.items[i].key.ptr, f.u.obj.items[i].value);
    copy_member(a, &v, rec, "admins");
    core_value_set(a, &v, "has_published_version", core_value_bool(published(rec)));
    copy_member(a, &v, rec, "affiliation_status");
    copy_member(a, &v, rec, "created_at");
    copy_member(a, &v, rec, "updated_at");
    copy_member(a, &v, rec, "submitted_at");
    copy_member(a, &v, rec, "published_at");
    copy_member(a, &v, rec, "history");
    return core_value_times(a, &v);
}

int core_profile_read(core_store *s, const core_actor *actor, const core_value *rec,
                      const char *version, core_arena *a, core_value *out)
{
    if (version != NULL && strcmp(version, "draft") != 0 && strcmp(version, "published") != 0)
        return CORE_EBADREQ;
    unsigned roles = core_profile_roles(actor, rec);
    bool insider = core_authorize(CORE_ACT_PROFILE_READ_DRAFT, roles) == 0;
    if (version != NULL && strcmp(version, "draft") == 0) {
        if (!insider)
            return CORE_ENOTFOUND;
        *out = core_profile_admin_view(a, rec);
        return 0;
    }
    if (published(rec)) {
        if (core_authorize(CORE_ACT_PROFILE_READ_PUBLISHED, roles) != 0 ||
            !(insider || core_profile_is_public(s, rec, a)))
            return CORE_ENOTFOUND;
        *out = core_profile_public_view(a, rec);
        return 0;
    }
    if (insider && version == NULL) { /* nothing published yet: the working version */
        *out = core_profile_admin_view(a, rec);
        return 0;
    }
    return CORE_ENOTFOUND;
}

int core_profile_members_read(core_store *s, const core_actor *actor, const core_value *rec,
                              size_t page, size_t per_page, core_arena *a, core_value *out)
{
    unsigned roles = core_profile_roles(actor, rec);
    int rc = core_authorize(CORE_ACT_PROFILE_MEMBERS, roles);
    if (rc != 0)
        return rc;
    if (core_authorize(CORE_ACT_PROFILE_READ_DRAFT, roles) != 0 &&
        !core_profile_is_public(s, rec, a))
        return CORE_ENOTFOUND;
    return core_profile_members(s, core_value_get_str(rec, "id"), page, per_page, a, out);
}

core_value core_profile_check_record(core_arena *a, const core_value *rec)
{
    int type = core_profile_type_parse(core_value_get_str(rec, "type"));
    return core_profile_check(a, (core_profile_type)type, working(rec));
}

/* ---- stored records (import) ---- */

static const char *const record_fields[] = {"id",
                                            "type",
                                            "state",
                                            "admins",
                                            "draft",
                                            "published",
                                            "created_at",
                                            "updated_at",
                                            "submitted_at",
                                            "published_at",
                                            "history",
                                            "keys",
                                            "criteria_waived",
                                            "affiliation_status",
                                            NULL};

/* One version (draft or published): null, or fields a new profile of this type could have,
 * with reasons under "draft.…" or "published.…". Returns false when it is null. */
static bool check_version(core_fields *f, int type, const core_value *rec, const char *which)
{
    const core_value *v = core_value_get(rec, which);
    if (core_op_is_null(v))
        return false;
    core_fields sub;
    core_fields_init(&sub, f->arena);
    core_profile_validate(&sub, (core_profile_type)type, v, false);
    for (size_t i = 0; i < sub.obj.u.obj.len; i++) {
        const core_member *m = &sub.obj.u.obj.items[i];
        core_fields_add(f, core_arena_printf(f->arena, "%s.%s", which, m->key.ptr),
                        m->value.u.s.ptr);
    }
    return true;
}

/* A member holding a time in Unix seconds; required or, when absent, fine. */
static void check_time(core_fields *f, const core_value *rec, const char *field, bool required)
{
    const core_value *v = core_value_get(rec, field);
    if (v == NULL && !required)
        return;
    if (v == NULL || v->type != CORE_INT || v->u.i < 0)
        core_fields_add(f, field, "must be a time in Unix seconds");
}

static void check_admins(core_fields *f, const core_value *rec)
{
    const core_value *admins = core_value_get(rec, "admins");
    if (admins == NULL || admins->type != CORE_ARR || admins->u.arr.len == 0) {
        core_fields_add(f, "admins", "must be a list of one or more user ids");
        return;
    }
    for (size_t i = 0; i < admins->u.arr.len; i++) {
        const core_value *u = &admins->u.arr.items[i];
        if (u->type != CORE_STR || !core_id_valid(u->u.s.ptr)) {
            core_fields_add(f, "admins", "must be a list of one or more user ids");
            return;
        }
        for (size_t j = 0; j < i; j++)
            if (core_value_equal(&admins->u.arr.items[j], u)) {
                core_fields_add(f, "admins",
                                core_arena_printf(f->arena, "lists %s twice", u->u.s.ptr));
                return;
            }
    }
}

static void check_affiliation_status(core_fields *f, const core_value *rec)
{
    const core_value *st = core_value_get(rec, "affiliation_status");
    if (st == NULL)
        return;
    bool ok = st->type == CORE_OBJ;
    for (size_t i = 0; ok && i < st->u.obj.len; i++) {
        const core_member *m = &st->u.obj.items[i];
        ok = core_id_valid(m->key.ptr) && m->value.type == CORE_STR &&
             (strcmp(m->value.u.s.ptr, "approved") == 0 ||
              strcmp(m->value.u.s.ptr, "rejected") == 0);
    }
    if (!ok)
        core_fields_add(f, "affiliation_status",
                        "must map cluster profile ids to \"approved\" or \"rejected\"");
}

void core_profile_validate_record(core_fields *f, const core_value *rec)
{
    if (rec == NULL || rec->type != CORE_OBJ) {
        core_fields_add(f, "record", "must be an object");
        return;
    }
    core_check_known(f, rec, record_fields);
    const char *id = core_value_get_str(rec, "id");
    if (id == NULL || !core_id_valid(id))
        core_fields_add(f, "id", "must be a record id (26 characters)");
    int type = core_profile_type_parse(core_value_get_str(rec, "type"));
    if (type < 0) {
        core_fields_add(f, "type", "is not a profile type");
        return; /* the versions' fields depend on it */
    }
    check_admins(f, rec);
    bool has_draft = check_version(f, type, rec, "draft");
    bool has_published = check_version(f, type, rec, "published");
    /* The state machine's invariants (profile.h): a published profile has no pending draft;
     * every other state is the state of a draft. */
    const char *state = core_value_get_str(rec, "state");
    bool published_state = state != NULL && strcmp(state, "published") == 0;
    if (state == NULL || (!published_state && strcmp(state, "draft") != 0 &&
                          strcmp(state, "needs_review") != 0 && strcmp(state, "declined") != 0))
        core_fields_add(f, "state", "must be draft, needs_review, published or declined");
    else if (published_state && (has_draft || !has_published))
        core_fields_add(f, "state", "published needs a published version and no draft");
    else if (!published_state && !has_draft)
        core_fields_add(f, "state", core_arena_printf(f->arena, "%s needs a draft", state));
    check_time(f, rec, "created_at", true);
    check_time(f, rec, "updated_at", true);
    check_time(f, rec, "submitted_at", state != NULL && strcmp(state, "needs_review") == 0);
    check_time(f, rec, "published_at", has_published);
    const core_value *hist = core_value_get(rec, "history");
    if (hist == NULL || hist->type != CORE_ARR)
        core_fields_add(f, "history", "must be a list of moderation decisions");
    for (size_t i = 0; hist != NULL && hist->type == CORE_ARR && i < hist->u.arr.len; i++)
        if (hist->u.arr.items[i].type != CORE_OBJ) {
            core_fields_add(f, "history", "must be a list of moderation decisions");
            break;
        }
    const core_value *waived = core_value_get(rec, "criteria_waived");
    if (waived != NULL && waived->type != CORE_BOOL)
        core_fields_add(f, "criteria_waived", "must be true or false");
    const core_value *keys = core_value_get(rec, "keys");
    if (keys != NULL && keys->type != CORE_OBJ && keys->type != CORE_NULL)
        core_fields_add(f, "keys", "must be an object (it is derived again on import)");
    check_affiliation_status(f, rec);
}

int core_profile_queue(core_store *s, size_t page, size_t per_page, core_arena *a, core_value *out)
{
    core_iter *it = core_store_iter_prefix(s, CORE_CF_KEYS, CORE_SLICE_LIT("pqueue/"));
    core_value items = core_value_arr();
    size_t total = 0, skip = (page - 1) * per_page;
    int64_t now = (int64_t)time(NULL);
    core_slice k, v;
    int rc = 0;
    while (core_iter_next(it, &k, &v)) {
        size_t i = total++;
        if (i < skip || i >= skip + per_page)
            continue;
        const char *slash = memrchr(k.ptr, '/', k.len);
        char *id = core_arena_strndup(a, slash + 1, k.len - (size_t)(slash + 1 - k.ptr));
        core_value rec;
        if ((rc = core_profile_get(s, id, a, &rec)) != 0)
            break;
        const core_value *sub = core_value_get(&rec, "submitted_at");
        core_value e = core_value_obj();
        core_value_set(a, &e, "id", core_value_cstr(a, id));
        copy_member(a, &e, &rec, "type");
        const char *name = core_value_get_str(working(&rec), "name");
        core_value_set(a, &e, "name", core_value_cstr(a, name ? name : ""));
        core_value_set(a, &e, "country",
                       core_value_get(working(&rec), "country")
                           ? *core_value_get(working(&rec), "country")
                           : core_value_null());
        core_value_set(a, &e, "submitted_at", core_value_time(a, sub->u.i));
        core_value_set(a, &e, "age_seconds", core_value_int(now - sub->u.i));
        core_value_set(a, &e, "republication", core_value_bool(published(&rec)));
        core_value_set(a, &e, "check", core_profile_check_record(a, &rec));
        core_value_set(a, &e, "images", core_image_links(s, id, a)); /* beside the draft */
        core_value_push(a, &items, e);
    }
    core_iter_free(it);
    if (rc != 0)
        return rc;
    *out = core_value_obj();
    core_value_set(a, out, "total", core_value_int((int64_t)total));
    core_value_set(a, out, "items", items);
    return 0;
}

int core_profile_members(core_store *s, const char *cluster_id, size_t page, size_t per_page,
                         core_arena *a, core_value *out)
{
    char *prefix = member_key(a, cluster_id, "");
    core_iter *it = core_store_iter_prefix(s, CORE_CF_KEYS, (core_slice){prefix, strlen(prefix)});
    core_value items = core_value_arr();
    size_t total = 0, skip = (page - 1) * per_page;
    core_slice k, v;
    while (core_iter_next(it, &k, &v)) {
        if (v.len != 8 || memcmp(v.ptr, "approved", 8) != 0)
            continue;
        char *id = core_arena_strndup(a, k.ptr + strlen(prefix), k.len - strlen(prefix));
        core_value rec;
        if (core_profile_get(s, id, a, &rec) != 0 || !published(&rec))
            continue;
        size_t i = total++;
        if (i >= skip && i < skip + per_page)
            core_value_push(a, &items, core_profile_public_view(a, &rec));
    }
    core_iter_free(it);
    *out = core_value_obj();
    core_value_set(a, out, "total", core_value_int((int64_t)total));
    core_value_set(a, out, "items", items);
    return 0;
}

core_value core_profile_list_for_admin(core_store *s, const char *user_id, core_arena *a)
{
    char *prefix = admin_key(a, user_id, "");
    core_iter *it = core_store_iter_prefix(s, CORE_CF_KEYS, (core_slice){prefix, strlen(prefix)});
    core_value out = core_value_arr();
    core_slice k, v;
    while (core_iter_next(it, &k, &v)) {
        char *id = core_arena_strndup(a, k.ptr + strlen(prefix), k.len - strlen(prefix));
        core_value rec;
        if (core_profile_get(s, id, a, &rec) != 0)
            continue;
        core_value e = core_value_obj();
        core_value_set(a, &e, "id", core_value_cstr(a, id));
        copy_member(a, &e, &rec, "type");
        copy_member(a, &e, &rec, "state");
        const char *name = core_value_get_str(working(&rec), "name");
        core_value_set(a, &e, "name", core_value_cstr(a, name ? name : ""));
        core_value_set(a, &e, "has_published_version", core_value_bool(published(&rec)));
        core_value_push(a, &out, e);
    }
    core_iter_free(it);
    return out;
}
