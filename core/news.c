/* news.c: see news.h. */
#include "core/news.h"

#include <stdlib.h>
#include <string.h>

#include "core/attachment.h"
#include "core/authz.h"
#include "core/error.h"
#include "core/id.h"
#include "core/op.h"
#include "core/record.h"
#include "core/time.h"

static const char *const fields_allowed[] = {"title", "body", "attachments", NULL};

void core_news_op_init(core_news_op *op, core_arena *out, const core_actor *actor)
{
    core_op_init(op, out, actor);
    op->rec = core_value_null();
}

static char *profile_key(core_arena *a, const char *pid, const char *nid)
{
    return core_arena_printf(a, "nwprofile/%s/%s", pid, nid);
}

/* Loads the profile of the path and checks the actor may write its news. */
static int load_profile(core_txn *t, core_news_op *op, core_value *prof)
{
    core_arena *a = core_txn_arena(t);
    int rc = op->profile_id != NULL && core_id_valid(op->profile_id)
                 ? core_record_get_txn(t, "profile", op->profile_id, a, prof)
                 : CORE_ENOTFOUND;
    if (rc == CORE_ENOTFOUND)
        return core_op_fail(op, rc, "no such profile");
    if (rc != 0)
        return rc;
    rc = core_authorize(CORE_ACT_NEWS_WRITE, core_profile_roles(&op->actor, prof));
    if (rc == CORE_EUNAUTH)
        return core_op_fail(op, rc, "sign in first");
    if (rc != 0)
        return core_op_fail(op, rc, "only the profile's admins may post, edit or delete its news");
    return 0;
}

/* Loads news op->id and checks it belongs to the profile of the path. */
static int load_news(core_txn *t, core_news_op *op, core_value *rec)
{
    core_arena *a = core_txn_arena(t);
    int rc = op->id != NULL && core_id_valid(op->id)
                 ? core_record_get_txn(t, CORE_NEWS_KIND, op->id, a, rec)
                 : CORE_ENOTFOUND;
    if (rc == 0) {
        const char *pid = core_value_get_str(rec, "profile_id");
        if (pid == NULL || strcmp(pid, op->profile_id) != 0)
            rc = CORE_ENOTFOUND;
    }
    if (rc == CORE_ENOTFOUND)
        return core_op_fail(op, rc, "no such news item on this profile");
    return rc;
}

/* Checks the fields present in the body (all of them when `create`) and sets them on rec. */
static int apply_fields(core_txn *t, core_news_op *op, core_value *rec, bool create)
{
    core_arena *a = core_txn_arena(t);
    core_fields *f = &op->fields;
    const core_value *b = op->body;
    const char *s;
    if (b == NULL || b->type != CORE_OBJ) {
        core_fields_add(f, "body", "must be a JSON object");
        return 0;
    }
    core_check_known(f, b, fields_allowed);
    if (create || core_value_get(b, "title") != NULL)
        if ((s = core_check_string(f, b, "title", true, 1, CORE_NEWS_TITLE_MAX)) != NULL)
            core_op_obj_put(a, rec, "title", core_value_cstr(a, s));
    if (create || core_value_get(b, "body") != NULL)
        if ((s = core_check_string(f, b, "body", true, 1, CORE_NEWS_BODY_MAX)) != NULL)
            core_op_obj_put(a, rec, "body", core_value_cstr(a, s));
    if (create || core_value_get(b, "attachments") != NULL) {
        core_value list;
        bool ok;
        int rc = core_attachment_list_check_txn(t, core_value_get(b, "attachments"),
                                                CORE_NEWS_ATTACHMENTS_MAX, f, a, &list, &ok);
        if (rc != 0)
            return rc;
        if (ok)
            core_op_obj_put(a, rec, "attachments", list);
    }
    return 0;
}

static void refs(core_txn *t, const char *id, const core_value *list, bool on)
{
    for (size_t i = 0; list != NULL && list->type == CORE_ARR && i < list->u.arr.len; i++) {
        const char *aid = core_value_get_str(&list->u.arr.items[i], "id");
        if (aid == NULL)
            continue;
        if (on)
            core_attachment_ref(t, aid, CORE_NEWS_KIND, id);
        else
            core_attachment_unref(t, aid, CORE_NEWS_KIND, id);
    }
}

int core_news_create_txn(core_txn *t, void *arg)
{
    core_news_op *op = arg;
    core_arena *a = core_txn_arena(t);
    core_value prof;
    int rc = load_profile(t, op, &prof);
    if (rc != 0)
        return rc;
    core_value rec = core_value_obj();
    char id[CORE_ID_LEN + 1];
    core_id_new(id);
    int64_t now = core_txn_now(t);
    core_value_set(a, &rec, "id", core_value_cstr(a, id));
    core_value_set(a, &rec, "profile_id", core_value_cstr(a, op->profile_id));
    if ((rc = apply_fields(t, op, &rec, true)) != 0)
        return rc;
    if (core_fields_any(&op->fields))
        return core_op_fail(op, CORE_EINVALID, "the news item has errors; see fields");
    core_value_set(a, &rec, "created_by", core_value_cstr(a, op->actor.user_id));
    core_value_set(a, &rec, "published_at", core_value_int(now));
    core_value_set(a, &rec, "updated_at", core_value_int(now));
    char *k = profile_key(a, op->profile_id, id);
    core_txn_put(t, CORE_CF_KEYS, (core_slice){k, strlen(k)}, (core_slice){"", 0});
    refs(t, id, core_value_get(&rec, "attachments"), true);
    if ((rc = core_record_put(t, CORE_NEWS_KIND, id, &rec, "create")) != 0)
        return rc;
    op->id = core_arena_strndup(op->out, id, CORE_ID_LEN);
    op->rec = core_value_copy(op->out, &rec);
    return 0;
}

int core_news_patch_txn(core_txn *t, void *arg)
{
    core_news_op *op = arg;
    core_arena *a = core_txn_arena(t);
    core_value prof, rec;
    int rc = load_profile(t, op, &prof);
    if (rc == 0)
        rc = load_news(t, op, &rec);
    if (rc != 0)
        return rc;
    core_value before = core_value_copy(a, core_value_get(&rec, "attachments"));
    if ((rc = apply_fields(t, op, &rec, false)) != 0)
        return rc;
    if (core_fields_any(&op->fields))
        return core_op_fail(op, CORE_EINVALID, "the edit has errors; see fields");
    if (core_value_get(op->body, "attachments") != NULL) {
        refs(t, op->id, &before, false);
        refs(t, op->id, core_value_get(&rec, "attachments"), true);
    }
    core_op_obj_put(a, &rec, "updated_at", core_value_int(core_txn_now(t)));
    if ((rc = core_record_put(t, CORE_NEWS_KIND, op->id, &rec, "update")) != 0)
        return rc;
    op->rec = core_value_copy(op->out, &rec);
    return 0;
}

/* Removes one news record with its keys and references. */
static void remove_news(core_txn *t, const char *pid, const char *nid, const core_value *rec)
{
    core_arena *a = core_txn_arena(t);
    refs(t, nid, core_value_get(rec, "attachments"), false);
    char *k = profile_key(a, pid, nid);
    core_txn_delete(t, CORE_CF_KEYS, (core_slice){k, strlen(k)});
    core_record_delete(t, CORE_NEWS_KIND, nid);
}

int core_news_delete_txn(core_txn *t, void *arg)
{
    core_news_op *op = arg;
    core_value prof, rec;
    int rc = load_profile(t, op, &prof);
    if (rc == 0)
        rc = load_news(t, op, &rec);
    if (rc != 0)
        return rc;
    remove_news(t, op->profile_id, op->id, &rec);
    return 0;
}

int core_news_remove_of_profile_txn(core_txn *t, const char *pid)
{
    core_arena *a = core_txn_arena(t);
    char *prefix = profile_key(a, pid, "");
    size_t plen = strlen(prefix);
    core_value ids = core_value_arr();
    core_iter *it = core_txn_iter_prefix(t, CORE_CF_KEYS, (core_slice){prefix, plen});
    core_slice k, v;
    while (core_iter_next(it, &k, &v))
        if (k.len == plen + CORE_ID_LEN)
            core_value_push(a, &ids, core_value_str(a, k.ptr + plen, CORE_ID_LEN));
    core_iter_free(it);
    for (size_t i = 0; i < ids.u.arr.len; i++) {
        const char *nid = ids.u.arr.items[i].u.s.ptr;
        core_value rec;
        int rc = core_record_get_txn(t, CORE_NEWS_KIND, nid, a, &rec);
        if (rc == CORE_ENOTFOUND)
            rec = core_value_null();
        else if (rc != 0)
            return rc;
        remove_news(t, pid, nid, &rec);
    }
    return 0;
}

/* ---- reads ---- */

int core_news_get(core_store *s, const char *id, core_arena *a, core_value *rec)
{
    if (id == NULL || !core_id_valid(id))
        return CORE_ENOTFOUND;
    return core_record_get(s, CORE_NEWS_KIND, id, a, rec);
}

static void copy_member(core_arena *a, core_value *to, const core_value *from, const char *key)
{
    const core_value *v = core_value_get(from, key);
    core_value_set(a, to, key, v != NULL ? *v : core_value_null());
}

static core_value time_of(core_arena *a, const core_value *rec, const char *key)
{
    const core_value *v = core_value_get(rec, key);
    return v != NULL && v->type == CORE_INT ? core_value_time(a, v->u.i) : core_value_null();
}

core_value core_news_view(core_arena *a, const core_value *rec)
{
    core_value v = core_value_obj();
    copy_member(a, &v, rec, "id");
    copy_member(a, &v, rec, "profile_id");
    copy_member(a, &v, rec, "title");
    copy_member(a, &v, rec, "body");
    const core_value *att = core_value_get(rec, "attachments");
    core_value_set(a, &v, "attachments", att != NULL ? *att : core_value_arr());
    core_value_set(a, &v, "published_at", time_of(a, rec, "published_at"));
    core_value_set(a, &v, "updated_at", time_of(a, rec, "updated_at"));
    return v;
}

core_value core_news_ids_of(core_store *s, const char *profile_id, core_arena *a)
{
    core_value ids = core_value_arr();
    char *prefix = core_arena_printf(a, "nwprofile/%s/", profile_id);
    size_t plen = strlen(prefix);
    core_iter *it = core_store_iter_prefix(s, CORE_CF_KEYS, (core_slice){prefix, plen});
    core_slice k, v;
    while (core_iter_next(it, &k, &v))
        if (k.len == plen + CORE_ID_LEN)
            core_value_push(a, &ids, core_value_str(a, k.ptr + plen, CORE_ID_LEN));
    core_iter_free(it);
    return ids;
}

int core_news_list(core_store *s, const core_actor *actor, const char *profile_id, size_t page,
                   size_t per_page, core_arena *a, core_value *out, const char **message)
{
    core_value prof;
    int rc = core_profile_get(s, profile_id, a, &prof);
    if (rc != 0) {
        *message = "no such profile";
        return rc;
    }
    unsigned roles = core_profile_roles(actor, &prof);
    rc = core_authorize(core_profile_is_public(s, &prof, a) ? CORE_ACT_NEWS_READ
                                                            : CORE_ACT_CONTENT_READ_HIDDEN,
                        roles);
    if (rc != 0) {
        *message = "no such profile";
        return rc;
    }
    core_value ids = core_news_ids_of(s, profile_id, a);
    core_value items = core_value_arr();
    size_t total = 0, skip = (page - 1) * per_page;
    /* ids sort by creation time: walk them backwards for newest first */
    for (size_t i = ids.u.arr.len; i-- > 0;) {
        core_value rec;
        if (core_news_get(s, ids.u.arr.items[i].u.s.ptr, a, &rec) != 0)
            continue;
        total++;
        if (total > skip && items.u.arr.len < per_page)
            core_value_push(a, &items, core_news_view(a, &rec));
    }
    *out = core_value_obj();
    core_value_set(a, out, "total", core_value_int((int64_t)total));
    core_value_set(a, out, "items", items);
    return 0;
}
