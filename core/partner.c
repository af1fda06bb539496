/* partner.c: see partner.h. */
#include "core/partner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/attachment.h"
#include "core/authz.h"
#include "core/error.h"
#include "core/fault.h"
#include "core/id.h"
#include "core/op.h"
#include "core/fanout.h"
#include "core/notify.h"
#include "core/record.h"
#include "core/time.h"
#include "core/vocab.h"

enum { MAX_LIST = 64 };

/* ---- the state machine ---- */

static const struct {
    const char *from, *to;
} transitions[CORE_PARTNER__ACTIONS] = {
    [CORE_PARTNER_EDIT] = {"open", "open"},       [CORE_PARTNER_CLOSE] = {"open", "closed"},
    [CORE_PARTNER_DEADLINE] = {"open", "closed"}, [CORE_PARTNER_FOLLOW] = {"open", "open"},
    [CORE_PARTNER_UNFOLLOW] = {NULL, NULL},       [CORE_PARTNER_INTEREST] = {"open", "open"},
    [CORE_PARTNER_COMMENT] = {"open", "open"},
};

const char *core_partner_transition(const char *state, core_partner_action action)
{
    if (state == NULL || action < 0 || action >= CORE_PARTNER__ACTIONS)
        return NULL;
    if (transitions[action].from == NULL) /* possible in any state, changing none */
        return state;
    return strcmp(transitions[action].from, state) == 0 ? transitions[action].to : NULL;
}

/* Who may act, per action (the authorisation table's rows). */
static const core_action action_authz[CORE_PARTNER__ACTIONS] = {
    [CORE_PARTNER_EDIT] = CORE_ACT_PSEARCH_EDIT,
    [CORE_PARTNER_CLOSE] = CORE_ACT_PSEARCH_CLOSE,
    [CORE_PARTNER_DEADLINE] = CORE_ACT_PSEARCH_CLOSE, /* unused: the server acts */
    [CORE_PARTNER_FOLLOW] = CORE_ACT_PSEARCH_FOLLOW,
    [CORE_PARTNER_UNFOLLOW] = CORE_ACT_PSEARCH_FOLLOW,
    [CORE_PARTNER_INTEREST] = CORE_ACT_PSEARCH_INTEREST,
    [CORE_PARTNER_COMMENT] = CORE_ACT_PSEARCH_COMMENT,
};

/* ---- helpers ---- */

void core_partner_op_init(core_partner_op *op, core_arena *out, const core_actor *actor)
{
    core_op_init(op, out, actor);
    op->rec = core_value_null();
    op->item = core_value_null();
}

static void put_key(core_txn *t, const char *key, core_slice val)
{
    core_txn_put(t, CORE_CF_KEYS, (core_slice){key, strlen(key)}, val);
}

static void put_value(core_txn *t, const char *key, const core_value *v)
{
    char *buf;
    size_t len;
    if (core_value_to_msgpack(v, &buf, &len) != 0)
        core_oom();
    put_key(t, key, (core_slice){buf, len});
    free(buf);
}

static const char *const organising_types[] = {"cluster_organisation", "cluster_partnership",
                                               "national_association", "meta_cluster_network"};

static bool organising_type(const char *type)
{
    for (size_t i = 0; i < sizeof(organising_types) / sizeof(organising_types[0]); i++)
        if (type != NULL && strcmp(type, organising_types[i]) == 0)
            return true;
    return false;
}

/* "cluster_organisation" -> "cluster organisation". */
static const char *type_words(core_arena *a, const char *type)
{
    char *s = core_arena_strndup(a, type ? type : "profile", strlen(type ? type : "profile"));
    for (char *p = s; *p; p++)
        if (*p == '_')
            *p = ' ';
    return s;
}

static const char *profile_name(const core_value *prof)
{
    const char *n = core_value_get_str(core_value_get(prof, "published"), "name");
    if (n == NULL)
        n = core_value_get_str(core_value_get(prof, "draft"), "name");
    return n != NULL ? n : "this profile";
}

int64_t core_partner_now(void)
{
    return (int64_t)time(NULL) + core_fault_clock_skew();
}

/* The first second after the deadline's day, or 0 when it is unreadable. */
static int64_t deadline_end(const core_value *rec)
{
    int64_t t;
    const char *d = core_value_get_str(rec, "deadline");
    return d != NULL && core_time_parse(d, true, &t) ? t + 86400 : 0;
}

const char *core_partner_effective_state(const core_value *rec, int64_t now)
{
    const char *st = core_value_get_str(rec, "state");
    if (st == NULL || strcmp(st, "open") != 0)
        return "closed";
    int64_t end = deadline_end(rec);
    return end != 0 && now >= end ? "closed" : "open";
}

/* ---- validation ---- */

/* A list of ecosystems or countries, canonical and without duplicates; null on failure. */
static core_value check_list(core_fields *f, core_arena *a, const core_value *body,
                             const char *field, bool countries, size_t min_items)
{
    const core_value *v = core_value_get(body, field);
    if (core_op_is_null(v)) {
        if (min_items > 0)
            core_fields_add(f, field, "is required");
        return min_items > 0 ? core_value_null() : core_value_arr();
    }
    if (v->type != CORE_ARR) {
        core_fields_add(f, field, "must be a list");
        return core_value_null();
    }
    if (v->u.arr.len < min_items) {
        core_fields_add(f, field, "must name at least one");
        return core_value_null();
    }
    if (v->u.arr.len > MAX_LIST) {
        core_fields_add(f, field, "is too long");
        return core_value_null();
    }
    core_value out = core_value_arr();
    for (size_t i = 0; i < v->u.arr.len; i++) {
        const core_value *it = &v->u.arr.items[i];
        if (it->type != CORE_STR) {
            core_fields_add(f, field, "must be a list of strings");
            return core_value_null();
        }
        const char *canon;
        if (countries) {
            int idx = core_country_find(it->u.s.ptr, it->u.s.len);
            if (idx < 0) {
                core_fields_add(f, field,
                                core_arena_printf(f->arena,
                                                  "\"%s\" is not an ISO 3166-1 alpha-2 code",
                                                  it->u.s.ptr));
                return core_value_null();
            }
            canon = core_country_at((size_t)idx)->code;
        } else {
            int idx = core_vocab_find(CORE_VOCAB_ECOSYSTEM, it->u.s.ptr, it->u.s.len);
            if (idx < 0) {
                core_fields_add(f, field,
                                core_arena_printf(f->arena, "\"%s\" is not one of the %s",
                                                  it->u.s.ptr,
                                                  core_vocab_kind_name(CORE_VOCAB_ECOSYSTEM)));
                return core_value_null();
            }
            canon = core_vocab_id(CORE_VOCAB_ECOSYSTEM, (size_t)idx);
        }
        for (size_t j = 0; j < out.u.arr.len; j++)
            if (strcmp(out.u.arr.items[j].u.s.ptr, canon) == 0) {
                core_fields_add(f, field, core_arena_printf(f->arena, "lists \"%s\" twice", canon));
                return core_value_null();
            }
        core_value_push(a, &out, core_value_str_ref(canon, strlen(canon)));
    }
    return out;
}

static const char *const kinds[] = {"consortium", "expression_of_interest", "cooperation", "other",
                                    NULL};

const char *const *core_partner_kinds(void)
{
    return kinds;
}

/* Checks the editable fields present in body (all of them when `create`) and sets them on
 * rec. Attachments are checked against the store. */
static int apply_fields(core_txn *t, core_partner_op *op, core_value *rec, bool create)
{
    core_arena *a = core_txn_arena(t);
    core_fields *f = &op->fields;
    const core_value *b = op->body;
    const char *s;
    if (create || core_value_get(b, "title") != NULL) {
        if ((s = core_check_string(f, b, "title", true, 3, CORE_PARTNER_TITLE_MAX)) != NULL)
            core_op_obj_put(a, rec, "title", core_value_cstr(a, s));
    }
    if (create || core_value_get(b, "description") != NULL) {
        if ((s = core_check_string(f, b, "description", true, 1, CORE_PARTNER_DESCRIPTION_MAX)) !=
            NULL)
            core_op_obj_put(a, rec, "description", core_value_cstr(a, s));
    }
    if (create || core_value_get(b, "kind") != NULL) {
        if ((s = core_check_string(f, b, "kind", true, 1, 40)) != NULL) {
            bool ok = false;
            for (size_t i = 0; kinds[i] != NULL && !ok; i++)
                ok = strcmp(kinds[i], s) == 0;
            if (!ok)
                core_fields_add(f, "kind",
                                "must be consortium, expression_of_interest, cooperation or other");
            else
                core_op_obj_put(a, rec, "kind", core_value_cstr(a, s));
        }
    }
    if (create || core_value_get(b, "ecosystems") != NULL) {
        core_value l = check_list(f, a, b, "ecosystems", false, 1);
        if (l.type == CORE_ARR)
            core_op_obj_put(a, rec, "ecosystems", l);
    }
    if (create || core_value_get(b, "countries_sought") != NULL) {
        core_value l = check_list(f, a, b, "countries_sought", true, 0);
        if (l.type == CORE_ARR)
            core_op_obj_put(a, rec, "countries_sought", l);
    }
    if (create || core_value_get(b, "deadline") != NULL) {
        int64_t d;
        int64_t today = core_partner_now() / 86400 * 86400;
        if ((s = core_check_string(f, b, "deadline", true, 1, 40)) != NULL) {
            if (strlen(s) != 10 || !core_time_parse(s, true, &d))
                core_fields_add(f, "deadline", "must be a date written YYYY-MM-DD");
            else if (d < today)
                core_fields_add(f, "deadline", "must not be in the past");
            else if (d > today + (int64_t)CORE_PARTNER_DEADLINE_MAX_DAYS * 86400)
                core_fields_add(f, "deadline", "must be within three years");
            else
                core_op_obj_put(a, rec, "deadline", core_value_cstr(a, s));
        }
    }
    if (create || core_value_get(b, "attachments") != NULL) {
        core_value list;
        bool ok;
        int rc = core_attachment_list_check_txn(t, core_value_get(b, "attachments"),
                                                CORE_PARTNER_ATTACHMENTS_MAX, f, a, &list, &ok);
        if (rc != 0)
            return rc;
        if (ok)
            core_op_obj_put(a, rec, "attachments", list);
    }
    return 0;
}

/* Keeps the attref keys in line with the attachments before and after a write. */
static void update_attachment_refs(core_txn *t, const char *id, const core_value *before,
                                   const core_value *after)
{
    for (size_t i = 0; before != NULL && before->type == CORE_ARR && i < before->u.arr.len; i++)
        core_attachment_unref(t, core_value_get_str(&before->u.arr.items[i], "id"),
                              CORE_PARTNER_KIND, id);
    for (size_t i = 0; after != NULL && after->type == CORE_ARR && i < after->u.arr.len; i++)
        core_attachment_ref(t, core_value_get_str(&after->u.arr.items[i], "id"), CORE_PARTNER_KIND,
                            id);
}

static char *deadline_key(core_arena *a, const char *deadline, const char *id)
{
    return core_arena_printf(a, "psdeadline/%s/%s", deadline, id);
}

/* ---- notifications ---- */

static bool str_in(const core_value *arr, const char *s)
{
    for (size_t i = 0; arr != NULL && arr->type == CORE_ARR && i < arr->u.arr.len; i++)
        if (arr->u.arr.items[i].type == CORE_STR && strcmp(arr->u.arr.items[i].u.s.ptr, s) == 0)
            return true;
    return false;
}

/* Notifies the author profile's admins (admin_text) and every follower who is not one of
 * them (follower_text), each once, never the actor (NULL: the server acted). The admins
 * (few) are notified in this write; the followers too when they are few (up to
 * core_fanout_inline_max), else through a fan-out job committed with this write, which the
 * outbox's deliverer expands in chunks right after (core/fanout.h): the write's time does
 * not grow with the followers. Returns how many notifications this write stored. */
static size_t notify_concerned(core_txn *t, const char *id, const core_value *rec,
                               const core_value *prof, const char *actor, const char *kind,
                               const char *subject, const char *admin_text,
                               const char *follower_text)
{
    size_t n = 0;
    core_arena *a = core_txn_arena(t);
    const core_value *admins = core_value_get(prof, "admins");
    for (size_t i = 0; admins != NULL && admins->type == CORE_ARR && i < admins->u.arr.len; i++) {
        const char *u = admins->u.arr.items[i].u.s.ptr;
        if (actor != NULL && strcmp(u, actor) == 0)
            continue;
        core_notify(t, u, kind, subject, admin_text, id);
        n++;
    }
    char *prefix = core_arena_printf(a, "psfollow/%s/", id);
    int64_t followers = core_record_int(rec, "followers_count", 0);
    if (followers > 0 && (size_t)followers > core_fanout_inline_max()) {
        core_value exclude = core_value_arr();
        for (size_t i = 0; admins != NULL && admins->type == CORE_ARR && i < admins->u.arr.len; i++)
            core_value_push(a, &exclude, admins->u.arr.items[i]);
        if (actor != NULL)
            core_value_push(a, &exclude, core_value_cstr(a, actor));
        core_fanout_add(t, prefix, &exclude, kind, subject, follower_text, id, NULL);
        return n;
    }
    /* The followers first, then the notifications: a write batch's iterator must not see
     * the batch change under it. */
    size_t plen = strlen(prefix), nf = 0, cap = 64;
    char(*users)[CORE_ID_LEN + 1] = core_arena_alloc(a, cap * sizeof(*users));
    core_iter *it = core_txn_iter_prefix(t, CORE_CF_KEYS, (core_slice){prefix, plen});
    core_slice k, v;
    while (core_iter_next(it, &k, &v)) {
        if (k.len - plen != CORE_ID_LEN)
            continue;
        if (nf == cap) {
            char(*more)[CORE_ID_LEN + 1] = core_arena_alloc(a, 2 * cap * sizeof(*users));
            memcpy(more, users, nf * sizeof(*users));
            users = more;
            cap *= 2;
        }
        memcpy(users[nf], k.ptr + plen, CORE_ID_LEN);
        users[nf++][CORE_ID_LEN] = '\0';
    }
    core_iter_free(it);
    for (size_t i = 0; i < nf; i++) {
        if ((actor != NULL && strcmp(users[i], actor) == 0) || str_in(admins, users[i]))
            continue;
        core_notify(t, users[i], kind, subject, follower_text, id);
        n++;
    }
    return n;
}

/* ---- loading and authorising ---- */

/* Loads the search and its profile (prof is null when the profile is gone). */
static int load(core_txn *t, core_partner_op *op, core_value *rec, core_value *prof)
{
    core_arena *a = core_txn_arena(t);
    int rc = op->id != NULL && core_id_valid(op->id)
                 ? core_record_get_txn(t, CORE_PARTNER_KIND, op->id, a, rec)
                 : CORE_ENOTFOUND;
    if (rc == CORE_ENOTFOUND)
        return core_op_fail(op, rc, "no such partner search");
    if (rc != 0)
        return rc;
    rc = core_record_get_txn(t, "profile", core_value_get_str(rec, "profile_id"), a, prof);
    if (rc == CORE_ENOTFOUND)
        *prof = core_value_null();
    else if (rc != 0)
        return rc;
    return 0;
}

/* Authorises action for the actor and checks the state machine allows it now. */
static int check_action(core_partner_op *op, core_partner_action action, const core_value *rec,
                        const core_value *prof, int64_t now)
{
    unsigned roles = core_profile_roles(&op->actor, prof->type == CORE_NULL ? NULL : prof);
    int rc = core_authorize(action_authz[action], roles);
    if (rc == CORE_EUNAUTH)
        return core_op_fail(op, rc, "sign in first");
    if (rc != 0) {
        const char *name = prof->type == CORE_NULL ? "the author profile" : profile_name(prof);
        return core_op_fail(
            op, rc,
            core_arena_printf(op->out,
                              action == CORE_PARTNER_CLOSE
                                  ? "only the admins of \"%s\" or a moderator may close "
                                    "this partner search"
                                  : "only the admins of \"%s\" may do this; ask one of "
                                    "them to add you as a colleague",
                              name));
    }
    const char *state = core_partner_effective_state(rec, now);
    if (core_partner_transition(state, action) == NULL)
        return core_op_fail(op, CORE_ECONFLICT,
                            strcmp(state, "closed") == 0
                                ? "this partner search is closed; it can no longer change or take "
                                  "follows, interests or comments"
                                : "this partner search is open");
    return 0;
}

/* Closes rec in place (the caller stores it): state, reason, time, deadline key. */
static void mark_closed(core_txn *t, const char *id, core_value *rec, const char *reason,
                        int64_t at)
{
    core_arena *a = core_txn_arena(t);
    core_op_obj_put(a, rec, "state", core_value_str_ref("closed", 6));
    core_op_obj_put(a, rec, "closed_reason", core_value_cstr(a, reason));
    core_op_obj_put(a, rec, "closed_at", core_value_int(at));
    const char *d = core_value_get_str(rec, "deadline");
    if (d != NULL)
        core_op_del_key(t, deadline_key(a, d, id));
}

/* The time a write acts at: the transaction's clock, moved like core_partner_now. */
static int64_t txn_now(core_txn *t)
{
    return core_txn_now(t) + core_fault_clock_skew();
}

/* A search that was open past its deadline is closed first, in the same write. */
static int close_if_expired(core_txn *t, const char *id, core_value *rec, const core_value *prof,
                            int64_t now, size_t *notified)
{
    const char *st = core_value_get_str(rec, "state");
    if (st == NULL || strcmp(st, "open") != 0 ||
        strcmp(core_partner_effective_state(rec, now), "closed") != 0)
        return 0;
    core_arena *a = core_txn_arena(t);
    mark_closed(t, id, rec, "deadline", deadline_end(rec));
    const char *title = core_value_get_str(rec, "title");
    const char *text =
        core_arena_printf(a, "The partner search \"%s\" closed: its deadline (%s) has passed.",
                          title ? title : "", core_value_get_str(rec, "deadline"));
    size_t n = notify_concerned(t, id, rec, prof, NULL, "partner_search.closed",
                                "A partner search has closed", text, text);
    if (notified != NULL)
        *notified += n;
    return core_record_put(t, CORE_PARTNER_KIND, id, rec, "update");
}

/* ---- create ---- */

static const char *const create_fields[] = {"profile_id", "title",       "description",
                                            "kind",       "ecosystems",  "countries_sought",
                                            "deadline",   "attachments", NULL};

/* The reason a user may not post for prof, in words that say what to do; NULL if allowed. */
static const char *create_refusal(core_txn *t, core_partner_op *op, const core_value *prof)
{
    core_arena *a = op->out;
    const char *type = core_value_get_str(prof, "type");
    const char *name = profile_name(prof);
    unsigned roles = core_profile_roles(&op->actor, prof);
    if (core_authorize(CORE_ACT_PSEARCH_CREATE, roles) != 0)
        return core_arena_printf(a,
                                 "only the admins of \"%s\" may post partner searches for it: ask "
                                 "the admin of %s to add you as a colleague",
                                 name, name);
    if (!organising_type(type))
        return core_arena_printf(
            a,
            "\"%s\" is a %s profile; partner searches are posted by a cluster organisation, "
            "cluster partnership, national association or meta-cluster network: post from "
            "such a profile you administer",
            name, type_words(a, type));
    if (!core_profile_is_public(core_txn_store(t), prof, core_txn_arena(t)))
        return core_arena_printf(a,
                                 "publish your %s profile \"%s\" first: submit it for review, "
                                 "and once a moderator publishes it you can post partner searches",
                                 type_words(a, type), name);
    return NULL;
}

/* When profile_id is missing: a refusal that names the caller's profiles, or NULL when one
 * of them could post (then the field is simply required). */
static const char *no_profile_refusal(core_txn *t, core_partner_op *op)
{
    core_arena *a = core_txn_arena(t);
    char *prefix = core_arena_printf(a, "padmin/%s/", op->actor.user_id);
    size_t plen = strlen(prefix);
    core_iter *it = core_txn_iter_prefix(t, CORE_CF_KEYS, (core_slice){prefix, plen});
    core_slice k, v;
    const char *refusal = NULL;
    bool any = false, could = false;
    while (!could && core_iter_next(it, &k, &v)) {
        any = true;
        char *pid = core_arena_strndup(a, k.ptr + plen, k.len - plen);
        core_value prof;
        if (core_record_get_txn(t, "profile", pid, a, &prof) != 0)
            continue;
        const char *why = create_refusal(t, op, &prof);
        if (why == NULL)
            could = true;
        else if (refusal == NULL || organising_type(core_value_get_str(&prof, "type")))
            refusal = why;
    }
    core_iter_free(it);
    if (could)
        return NULL;
    if (!any)
        return "partner searches are posted by the admins of a published cluster organisation, "
               "cluster partnership, national association or meta-cluster network profile: "
               "create your organisation's profile and have it published, or ask its admin to "
               "add you as a colleague";
    return refusal;
}

int core_partner_create_txn(core_txn *t, void *arg)
{
    core_partner_op *op = arg;
    core_arena *a = core_txn_arena(t);
    if (op->actor.user_id == NULL)
        return core_op_fail(op, CORE_EUNAUTH, "sign in first");
    if (op->body == NULL || op->body->type != CORE_OBJ) {
        core_fields_add(&op->fields, "body", "must be a JSON object");
        return core_op_fail(op, CORE_EINVALID, "the partner search has errors; see fields");
    }
    core_check_known(&op->fields, op->body, create_fields);
    const char *pid = core_check_string(&op->fields, op->body, "profile_id", false, 1, 64);
    core_value prof;
    if (pid == NULL) {
        const char *why = no_profile_refusal(t, op);
        if (why != NULL)
            return core_op_fail(op, CORE_EFORBIDDEN, why);
        core_fields_add(&op->fields, "profile_id", "is required: the profile posting the search");
    } else {
        int rc =
            core_id_valid(pid) ? core_record_get_txn(t, "profile", pid, a, &prof) : CORE_ENOTFOUND;
        if (rc == CORE_ENOTFOUND)
            core_fields_add(&op->fields, "profile_id", "no such profile");
        else if (rc != 0)
            return rc;
        else {
            const char *why = create_refusal(t, op, &prof);
            if (why != NULL)
                return core_op_fail(op, CORE_EFORBIDDEN, why);
        }
    }
    core_value rec = core_value_obj();
    int rc = apply_fields(t, op, &rec, true);
    if (rc != 0)
        return rc;
    if (core_fields_any(&op->fields))
        return core_op_fail(op, CORE_EINVALID, "the partner search has errors; see fields");

    char id[CORE_ID_LEN + 1];
    core_id_new(id);
    int64_t now = core_txn_now(t);
    core_value out = core_value_obj();
    core_value_set(a, &out, "id", core_value_cstr(a, id));
    core_value_set(a, &out, "profile_id", core_value_cstr(a, pid));
    for (size_t i = 0; i < rec.u.obj.len; i++)
        core_value_set(a, &out, rec.u.obj.items[i].key.ptr, rec.u.obj.items[i].value);
    core_value_set(a, &out, "state", core_value_str_ref("open", 4));
    core_value_set(a, &out, "closed_reason", core_value_null());
    core_value_set(a, &out, "closed_at", core_value_null());
    core_value_set(a, &out, "followers_count", core_value_int(0));
    core_value_set(a, &out, "interests_count", core_value_int(0));
    core_value_set(a, &out, "comments_count", core_value_int(0));
    core_value_set(a, &out, "created_by", core_value_cstr(a, op->actor.user_id));
    core_value_set(a, &out, "created_at", core_value_int(now));
    core_value_set(a, &out, "updated_at", core_value_int(now));
    put_key(t, core_arena_printf(a, "psprofile/%s/%s", pid, id), (core_slice){"", 0});
    put_key(t, deadline_key(a, core_value_get_str(&out, "deadline"), id), (core_slice){"", 0});
    update_attachment_refs(t, id, NULL, core_value_get(&out, "attachments"));
    if ((rc = core_record_put(t, CORE_PARTNER_KIND, id, &out, "create")) != 0)
        return rc;
    op->id = core_arena_strndup(op->out, id, CORE_ID_LEN);
    op->rec = core_value_copy(op->out, &out);
    return 0;
}

/* ---- edit and close ---- */

static const char *const patch_fields[] = {
    "title",    "description", "kind", "ecosystems", "countries_sought",
    "deadline", "attachments", NULL};

/* Common start of every action on an existing search: load, authorise, check the state
 * machine (a search past its deadline counts as closed; a refused write commits nothing,
 * so writing it closed is left to the timer). */
static int begin(core_txn *t, core_partner_op *op, core_partner_action action, core_value *rec,
                 core_value *prof, int64_t *now)
{
    int rc = load(t, op, rec, prof);
    if (rc != 0)
        return rc;
    *now = txn_now(t);
    return check_action(op, action, rec, prof, *now);
}

int core_partner_patch_txn(core_txn *t, void *arg)
{
    core_partner_op *op = arg;
    core_arena *a = core_txn_arena(t);
    core_value rec, prof;
    int64_t now;
    int rc = begin(t, op, CORE_PARTNER_EDIT, &rec, &prof, &now);
    if (rc != 0)
        return rc;
    if (op->body == NULL || op->body->type != CORE_OBJ) {
        core_fields_add(&op->fields, "body", "must be a JSON object");
        return core_op_fail(op, CORE_EINVALID, "the edit has errors; see fields");
    }
    core_check_known(&op->fields, op->body, patch_fields);
    core_value before_att = core_value_copy(a, core_value_get(&rec, "attachments"));
    const char *old_deadline = core_value_get_str(&rec, "deadline");
    old_deadline = old_deadline ? core_arena_strndup(a, old_deadline, strlen(old_deadline)) : NULL;
    if ((rc = apply_fields(t, op, &rec, false)) != 0)
        return rc;
    if (core_fields_any(&op->fields))
        return core_op_fail(op, CORE_EINVALID, "the edit has errors; see fields");
    const char *new_deadline = core_value_get_str(&rec, "deadline");
    if (old_deadline != NULL && strcmp(old_deadline, new_deadline) != 0) {
        core_op_del_key(t, deadline_key(a, old_deadline, op->id));
        put_key(t, deadline_key(a, new_deadline, op->id), (core_slice){"", 0});
    }
    if (core_value_get(op->body, "attachments") != NULL)
        update_attachment_refs(t, op->id, &before_att, core_value_get(&rec, "attachments"));
    core_op_obj_put(a, &rec, "updated_at", core_value_int(core_txn_now(t)));
    const char *title = core_value_get_str(&rec, "title");
    const char *text = core_arena_printf(a, "The partner search \"%s\" was updated.", title);
    op->notified =
        notify_concerned(t, op->id, &rec, &prof, op->actor.user_id, "partner_search.updated",
                         "A partner search you follow was updated", text, text);
    if ((rc = core_record_put(t, CORE_PARTNER_KIND, op->id, &rec, "update")) != 0)
        return rc;
    op->rec = core_value_copy(op->out, &rec);
    return 0;
}

int core_partner_close_txn(core_txn *t, void *arg)
{
    core_partner_op *op = arg;
    core_arena *a = core_txn_arena(t);
    core_value rec, prof;
    int64_t now;
    int rc = begin(t, op, CORE_PARTNER_CLOSE, &rec, &prof, &now);
    if (rc != 0)
        return rc;
    if (op->body != NULL && op->body->type == CORE_OBJ) {
        static const char *const known[] = {NULL};
        core_check_known(&op->fields, op->body, known);
        if (core_fields_any(&op->fields))
            return core_op_fail(op, CORE_EINVALID, "closing takes no fields");
    }
    mark_closed(t, op->id, &rec,
                op->actor.moderator && !str_in(core_value_get(&prof, "admins"), op->actor.user_id)
                    ? "moderator"
                    : "author",
                core_txn_now(t));
    core_op_obj_put(a, &rec, "updated_at", core_value_int(core_txn_now(t)));
    const char *title = core_value_get_str(&rec, "title");
    const char *text = core_arena_printf(
        a, "The partner search \"%s\" was closed; it no longer takes interests or comments.",
        title);
    op->notified =
        notify_concerned(t, op->id, &rec, &prof, op->actor.user_id, "partner_search.closed",
                         "A partner search has closed", text, text);
    if ((rc = core_record_put(t, CORE_PARTNER_KIND, op->id, &rec, "update")) != 0)
        return rc;
    op->rec = core_value_copy(op->out, &rec);
    return 0;
}

int core_partner_expire_txn(core_txn *t, void *arg)
{
    core_partner_op *op = arg;
    core_arena *a = core_txn_arena(t);
    int64_t now = txn_now(t);
    /* Deadlines before today's date have passed (a deadline day is inclusive). */
    char today[CORE_TIME_RFC3339_LEN + 1];
    core_time_format(now, today);
    today[10] = '\0';
    static const char prefix[] = "psdeadline/";
    core_iter *it = core_txn_iter_prefix(t, CORE_CF_KEYS, CORE_SLICE_LIT(prefix));
    core_slice k, v;
    char *ids[CORE_PARTNER_EXPIRE_BATCH];
    size_t n = 0;
    while (n < CORE_PARTNER_EXPIRE_BATCH && core_iter_next(it, &k, &v)) {
        size_t plen = sizeof(prefix) - 1;
        if (k.len != plen + 10 + 1 + CORE_ID_LEN || memcmp(k.ptr + plen, today, 10) >= 0)
            break;
        ids[n++] = core_arena_strndup(a, k.ptr + plen + 11, CORE_ID_LEN);
    }
    core_iter_free(it);
    for (size_t i = 0; i < n; i++) {
        core_value rec, prof;
        int rc = core_record_get_txn(t, CORE_PARTNER_KIND, ids[i], a, &rec);
        if (rc == CORE_ENOTFOUND) {
            continue;
        } else if (rc != 0) {
            return rc;
        }
        rc = core_record_get_txn(t, "profile", core_value_get_str(&rec, "profile_id"), a, &prof);
        if (rc == CORE_ENOTFOUND)
            prof = core_value_null();
        else if (rc != 0)
            return rc;
        const char *d = core_value_get_str(&rec, "deadline");
        core_op_del_key(t, deadline_key(a, d ? d : "", ids[i]));
        if ((rc = close_if_expired(t, ids[i], &rec, &prof, now, &op->notified)) != 0)
            return rc;
        op->closed++;
    }
    return 0;
}

/* ---- follow, interest, comment ---- */

static int set_count(core_txn *t, core_partner_op *op, core_value *rec, const char *field,
                     int64_t delta)
{
    core_arena *a = core_txn_arena(t);
    int64_t n = core_record_int(rec, field, 0) + delta;
    core_op_obj_put(a, rec, field, core_value_int(n < 0 ? 0 : n));
    int rc = core_record_put(t, CORE_PARTNER_KIND, op->id, rec, "update");
    if (rc == 0)
        op->rec = core_value_copy(op->out, rec);
    return rc;
}

static int follow(core_txn *t, void *arg, bool on)
{
    core_partner_op *op = arg;
    core_arena *a = core_txn_arena(t);
    core_value rec, prof;
    int64_t now;
    int rc = begin(t, op, on ? CORE_PARTNER_FOLLOW : CORE_PARTNER_UNFOLLOW, &rec, &prof, &now);
    if (rc != 0)
        return rc;
    char *fk = core_arena_printf(a, "psfollow/%s/%s", op->id, op->actor.user_id);
    char *gk = core_arena_printf(a, "psfollowing/%s/%s", op->actor.user_id, op->id);
    bool was = core_txn_exists(t, CORE_CF_KEYS, (core_slice){fk, strlen(fk)});
    if (was == on) { /* nothing to change: idempotent */
        op->rec = core_value_copy(op->out, &rec);
        return 0;
    }
    if (on) {
        char stamp[CORE_ID_LEN + 1]; /* fan-out jobs committed before this leave it out */
        core_fanout_stamp(stamp);
        put_key(t, fk, (core_slice){stamp, CORE_ID_LEN});
        put_key(t, gk, (core_slice){"", 0});
    } else {
        core_op_del_key(t, fk);
        core_op_del_key(t, gk);
    }
    return set_count(t, op, &rec, "followers_count", on ? 1 : -1);
}

int core_partner_follow_txn(core_txn *t, void *arg)
{
    return follow(t, arg, true);
}

int core_partner_unfollow_txn(core_txn *t, void *arg)
{
    return follow(t, arg, false);
}

static const char *username_of(core_txn *t, const char *user_id)
{
    core_value u;
    if (core_record_get_txn(t, "user", user_id, core_txn_arena(t), &u) != 0)
        return "a user";
    const char *n = core_value_get_str(&u, "username");
    return n != NULL ? n : "a user";
}

int core_partner_interest_txn(core_txn *t, void *arg)
{
    core_partner_op *op = arg;
    core_arena *a = core_txn_arena(t);
    core_value rec, prof;
    int64_t now;
    int rc = begin(t, op, CORE_PARTNER_INTEREST, &rec, &prof, &now);
    if (rc != 0)
        return rc;
    static const char *const known[] = {"organisation", "message", NULL};
    if (op->body == NULL || op->body->type != CORE_OBJ) {
        core_fields_add(&op->fields, "body", "must be {\"organisation\", \"message\"}");
        return core_op_fail(op, CORE_EINVALID, "the interest has errors; see fields");
    }
    core_check_known(&op->fields, op->body, known);
    const char *org =
        core_check_string(&op->fields, op->body, "organisation", true, 1, CORE_PARTNER_ORG_MAX);
    const char *msg =
        core_check_string(&op->fields, op->body, "message", true, 1, CORE_PARTNER_TEXT_MAX);
    if (core_fields_any(&op->fields))
        return core_op_fail(op, CORE_EINVALID, "the interest has errors; see fields");
    char iid[CORE_ID_LEN + 1];
    core_id_new(iid);
    core_value it = core_value_obj();
    core_value_set(a, &it, "id", core_value_cstr(a, iid));
    core_value_set(a, &it, "search_id", core_value_cstr(a, op->id));
    core_value_set(a, &it, "user_id", core_value_cstr(a, op->actor.user_id));
    core_value_set(a, &it, "organisation", core_value_cstr(a, org));
    core_value_set(a, &it, "message", core_value_cstr(a, msg));
    core_value_set(a, &it, "created_at", core_value_int(core_txn_now(t)));
    put_value(t, core_arena_printf(a, "psinterest/%s/%s", op->id, iid), &it);
    put_key(t, core_arena_printf(a, "psinterested/%s/%s/%s", op->actor.user_id, op->id, iid),
            (core_slice){"", 0});
    const char *title = core_value_get_str(&rec, "title");
    const char *who = username_of(t, op->actor.user_id);
    const char *admin_text = core_arena_printf(
        a, "%s (%s) expressed interest in your partner search \"%s\":\n\n%s", who, org, title, msg);
    const char *follower_text = core_arena_printf(
        a, "There is a new expression of interest in the partner search \"%s\".", title);
    op->notified =
        notify_concerned(t, op->id, &rec, &prof, op->actor.user_id, "partner_search.interest",
                         "New interest in a partner search", admin_text, follower_text);
    core_value view = core_value_obj();
    core_value_set(a, &view, "id", core_value_cstr(a, iid));
    core_value user = core_value_obj();
    core_value_set(a, &user, "id", core_value_cstr(a, op->actor.user_id));
    core_value_set(a, &user, "username", core_value_cstr(a, who));
    core_value_set(a, &view, "user", user);
    core_value_set(a, &view, "organisation", core_value_cstr(a, org));
    core_value_set(a, &view, "message", core_value_cstr(a, msg));
    core_value_set(a, &view, "created_at", core_value_time(a, core_txn_now(t)));
    op->item = core_value_copy(op->out, &view);
    return set_count(t, op, &rec, "interests_count", 1);
}

int core_partner_comment_txn(core_txn *t, void *arg)
{
    core_partner_op *op = arg;
    core_arena *a = core_txn_arena(t);
    core_value rec, prof;
    int64_t now;
    int rc = begin(t, op, CORE_PARTNER_COMMENT, &rec, &prof, &now);
    if (rc != 0)
        return rc;
    static const char *const known[] = {"text", NULL};
    if (op->body == NULL || op->body->type != CORE_OBJ) {
        core_fields_add(&op->fields, "body", "must be {\"text\"}");
        return core_op_fail(op, CORE_EINVALID, "the comment has errors; see fields");
    }
    core_check_known(&op->fields, op->body, known);
    const char *text =
        core_check_string(&op->fields, op->body, "text", true, 1, CORE_PARTNER_TEXT_MAX);
    if (core_fields_any(&op->fields))
        return core_op_fail(op, CORE_EINVALID, "the comment has errors; see fields");
    char cid[CORE_ID_LEN + 1];
    core_id_new(cid);
    core_value c = core_value_obj();
    core_value_set(a, &c, "id", core_value_cstr(a, cid));
    core_value_set(a, &c, "search_id", core_value_cstr(a, op->id));
    core_value_set(a, &c, "user_id", core_value_cstr(a, op->actor.user_id));
    core_value_set(a, &c, "text", core_value_cstr(a, text));
    core_value_set(a, &c, "created_at", core_value_int(core_txn_now(t)));
    put_value(t, core_arena_printf(a, "pscomment/%s/%s", op->id, cid), &c);
    put_key(t, core_arena_printf(a, "pscommented/%s/%s/%s", op->actor.user_id, op->id, cid),
            (core_slice){"", 0});
    const char *title = core_value_get_str(&rec, "title");
    const char *who = username_of(t, op->actor.user_id);
    const char *ntext =
        core_arena_printf(a, "%s commented on the partner search \"%s\":\n\n%s", who, title, text);
    op->notified =
        notify_concerned(t, op->id, &rec, &prof, op->actor.user_id, "partner_search.comment",
                         "New comment on a partner search", ntext, ntext);
    core_value view = core_value_obj();
    core_value_set(a, &view, "id", core_value_cstr(a, cid));
    core_value author = core_value_obj();
    core_value_set(a, &author, "id", core_value_cstr(a, op->actor.user_id));
    core_value_set(a, &author, "username", core_value_cstr(a, who));
    core_value_set(a, &view, "author", author);
    core_value_set(a, &view, "text", core_value_cstr(a, text));
    core_value_set(a, &view, "created_at", core_value_time(a, core_txn_now(t)));
    op->item = core_value_copy(op->out, &view);
    return set_count(t, op, &rec, "comments_count", 1);
}

/* ---- reads ---- */

int core_partner_get(core_store *s, const char *id, core_arena *a, core_value *rec)
{
    if (id == NULL || !core_id_valid(id))
        return CORE_ENOTFOUND;
    return core_record_get(s, CORE_PARTNER_KIND, id, a, rec);
}

bool core_partner_is_following(core_store *s, const char *id, const char *user_id, core_arena *a)
{
    char *k = core_arena_printf(a, "psfollow/%s/%s", id, user_id);
    core_slice v;
    return core_store_get(s, CORE_CF_KEYS, (core_slice){k, strlen(k)}, a, &v) == 0;
}

static void copy_member(core_arena *a, core_value *to, const core_value *from, const char *key)
{
    const core_value *v = core_value_get(from, key);
    core_value_set(a, to, key, v != NULL ? *v : core_value_null());
}

static core_value time_or_null(core_arena *a, const core_value *rec, const char *key)
{
    const core_value *v = core_value_get(rec, key);
    return v != NULL && v->type == CORE_INT ? core_value_time(a, v->u.i) : core_value_null();
}

core_value core_partner_view(core_store *s, core_arena *a, const core_value *rec, int64_t now)
{
    core_value v = core_value_obj();
    copy_member(a, &v, rec, "id");
    const char *pid = core_value_get_str(rec, "profile_id");
    core_value p = core_value_obj(), prof;
    core_value_set(a, &p, "id", pid ? core_value_cstr(a, pid) : core_value_null());
    if (pid != NULL && core_profile_get(s, pid, a, &prof) == 0) {
        const core_value *pub = core_value_get(&prof, "published");
        if (core_op_is_null(pub))
            pub = core_value_get(&prof, "draft");
        copy_member(a, &p, pub, "name");
        copy_member(a, &p, pub, "country");
    } else {
        core_value_set(a, &p, "name", core_value_null());
        core_value_set(a, &p, "country", core_value_null());
    }
    core_value_set(a, &v, "profile", p);
    static const char *const plain[] = {"title",      "description",      "kind",
                                        "ecosystems", "countries_sought", "deadline",
                                        "attachments"};
    for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
        copy_member(a, &v, rec, plain[i]);
    const char *state = core_partner_effective_state(rec, now);
    core_value_set(a, &v, "state", core_value_cstr(a, state));
    const char *stored = core_value_get_str(rec, "state");
    if (strcmp(state, "closed") == 0 && stored != NULL && strcmp(stored, "open") == 0) {
        core_value_set(a, &v, "closed_reason", core_value_str_ref("deadline", 8));
        core_value_set(a, &v, "closed_at", core_value_time(a, deadline_end(rec)));
    } else {
        copy_member(a, &v, rec, "closed_reason");
        core_value_set(a, &v, "closed_at", time_or_null(a, rec, "closed_at"));
    }
    copy_member(a, &v, rec, "followers_count");
    copy_member(a, &v, rec, "interests_count");
    copy_member(a, &v, rec, "comments_count");
    core_value_set(a, &v, "created_at", time_or_null(a, rec, "created_at"));
    core_value_set(a, &v, "updated_at", time_or_null(a, rec, "updated_at"));
    return v;
}

/* Collects the ids after prefix (fixed-length ids) into an array of strings, in key order. */
static core_value ids_under(core_store *s, const char *prefix, core_arena *a)
{
    core_value ids = core_value_arr();
    size_t plen = strlen(prefix);
    core_iter *it = core_store_iter_prefix(s, CORE_CF_KEYS, (core_slice){prefix, plen});
    core_slice k, v;
    while (core_iter_next(it, &k, &v))
        if (k.len == plen + CORE_ID_LEN)
            core_value_push(a, &ids, core_value_str(a, k.ptr + plen, CORE_ID_LEN));
    core_iter_free(it);
    return ids;
}

int core_partner_list(core_store *s, const char *state, const char *profile_id, size_t page,
                      size_t per_page, int64_t now, core_arena *a, core_value *out)
{
    core_value ids;
    if (profile_id != NULL) {
        ids = ids_under(s, core_arena_printf(a, "psprofile/%s/", profile_id), a);
    } else {
        ids = core_value_arr();
        static const char prefix[] = CORE_PARTNER_KIND "/";
        core_iter *it = core_store_iter_prefix(s, CORE_CF_RECORDS, CORE_SLICE_LIT(prefix));
        core_slice k, v;
        while (core_iter_next(it, &k, &v))
            if (k.len == sizeof(prefix) - 1 + CORE_ID_LEN)
                core_value_push(a, &ids,
                                core_value_str(a, k.ptr + sizeof(prefix) - 1, CORE_ID_LEN));
        core_iter_free(it);
    }
    core_value items = core_value_arr();
    size_t total = 0, skip = (page - 1) * per_page;
    /* ids sort by creation time: walk them backwards for newest first */
    for (size_t i = ids.u.arr.len; i-- > 0;) {
        core_value rec;
        if (core_partner_get(s, ids.u.arr.items[i].u.s.ptr, a, &rec) != 0)
            continue;
        if (state != NULL && strcmp(core_partner_effective_state(&rec, now), state) != 0)
            continue;
        total++;
        if (total > skip && items.u.arr.len < per_page)
            core_value_push(a, &items, core_partner_view(s, a, &rec, now));
    }
    *out = core_value_obj();
    core_value_set(a, out, "total", core_value_int((int64_t)total));
    core_value_set(a, out, "items", items);
    return 0;
}

/* Loads the search and the roles the actor holds for it. */
static int load_read(core_store *s, const core_actor *actor, const char *id, core_arena *a,
                     core_value *rec, unsigned *roles, const char **message)
{
    int rc = core_partner_get(s, id, a, rec);
    if (rc != 0) {
        *message = rc == CORE_ENOTFOUND ? "no such partner search" : "could not read it";
        return rc;
    }
    core_value prof;
    const char *pid = core_value_get_str(rec, "profile_id");
    bool have = pid != NULL && core_profile_get(s, pid, a, &prof) == 0;
    *roles = core_profile_roles(actor, have ? &prof : NULL);
    if (have)
        *message = profile_name(&prof);
    return 0;
}

/* Pages through the values under prefix; newest first when `reverse`. */
static core_value page_values(core_store *s, const char *prefix, bool reverse, size_t page,
                              size_t per_page, core_arena *a, size_t *total)
{
    core_value all = core_value_arr();
    core_iter *it = core_store_iter_prefix(s, CORE_CF_KEYS, (core_slice){prefix, strlen(prefix)});
    core_slice k, v;
    while (core_iter_next(it, &k, &v)) {
        core_value x;
        const char *why;
        if (core_value_from_msgpack(a, v.ptr, v.len, &x, &why) == 0)
            core_value_push(a, &all, x);
    }
    core_iter_free(it);
    *total = all.u.arr.len;
    core_value items = core_value_arr();
    size_t skip = (page - 1) * per_page;
    for (size_t i = skip; i < *total && i < skip + per_page; i++)
        core_value_push(a, &items, all.u.arr.items[reverse ? *total - 1 - i : i]);
    return items;
}

static core_value user_ref(core_store *s, core_arena *a, const char *user_id)
{
    core_value u = core_value_obj(), rec;
    core_value_set(a, &u, "id", user_id ? core_value_cstr(a, user_id) : core_value_null());
    if (user_id != NULL && core_record_get(s, "user", user_id, a, &rec) == 0)
        copy_member(a, &u, &rec, "username");
    else /* an erased account's contributions stay, without its name */
        core_value_set(a, &u, "username",
                       user_id ? core_value_str_ref("a former user", 13) : core_value_null());
    return u;
}

int core_partner_interests(core_store *s, const core_actor *actor, const char *id, size_t page,
                           size_t per_page, core_arena *a, core_value *out, const char **message)
{
    core_value rec;
    unsigned roles;
    const char *name = NULL;
    int rc = load_read(s, actor, id, a, &rec, &roles, &name);
    if (rc != 0) {
        *message = name;
        return rc;
    }
    rc = core_authorize(CORE_ACT_PSEARCH_INTERESTS, roles);
    if (rc != 0) {
        *message = rc == CORE_EUNAUTH
                       ? "sign in first"
                       : core_arena_printf(a,
                                           "expressions of interest are for the admins of \"%s\" "
                                           "only",
                                           name ? name : "the author profile");
        return rc;
    }
    size_t total;
    core_value raw =
        page_values(s, core_arena_printf(a, "psinterest/%s/", id), true, page, per_page, a, &total);
    core_value items = core_value_arr();
    for (size_t i = 0; i < raw.u.arr.len; i++) {
        const core_value *x = &raw.u.arr.items[i];
        core_value o = core_value_obj();
        copy_member(a, &o, x, "id");
        core_value_set(a, &o, "user", user_ref(s, a, core_value_get_str(x, "user_id")));
        copy_member(a, &o, x, "organisation");
        copy_member(a, &o, x, "message");
        core_value_set(a, &o, "created_at", time_or_null(a, x, "created_at"));
        core_value_push(a, &items, o);
    }
    *out = core_value_obj();
    core_value_set(a, out, "total", core_value_int((int64_t)total));
    core_value_set(a, out, "items", items);
    return 0;
}

int core_partner_comments(core_store *s, const core_actor *actor, const char *id, size_t page,
                          size_t per_page, core_arena *a, core_value *out, const char **message)
{
    core_value rec;
    unsigned roles;
    const char *name = NULL;
    int rc = load_read(s, actor, id, a, &rec, &roles, &name);
    if (rc != 0) {
        *message = name;
        return rc;
    }
    bool open = strcmp(core_partner_effective_state(&rec, core_partner_now()), "open") == 0;
    rc = core_authorize(open ? CORE_ACT_PSEARCH_COMMENTS : CORE_ACT_PSEARCH_COMMENTS_CLOSED, roles);
    if (rc != 0) {
        *message = rc == CORE_EUNAUTH ? "sign in to read the comments of a closed partner search"
                                      : "you may not read these comments";
        return rc;
    }
    size_t total;
    core_value raw =
        page_values(s, core_arena_printf(a, "pscomment/%s/", id), false, page, per_page, a, &total);
    core_value items = core_value_arr();
    for (size_t i = 0; i < raw.u.arr.len; i++) {
        const core_value *x = &raw.u.arr.items[i];
        core_value o = core_value_obj();
        copy_member(a, &o, x, "id");
        core_value_set(a, &o, "author", user_ref(s, a, core_value_get_str(x, "user_id")));
        copy_member(a, &o, x, "text");
        core_value_set(a, &o, "created_at", time_or_null(a, x, "created_at"));
        core_value_push(a, &items, o);
    }
    *out = core_value_obj();
    core_value_set(a, out, "total", core_value_int((int64_t)total));
    core_value_set(a, out, "items", items);
    return 0;
}
