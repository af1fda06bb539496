/* xchange_msg.c: see xchange_msg.h. */
#include "core/xchange_msg.h"

#include <stdlib.h>
#include <string.h>

#include "core/authz.h"
#include "core/error.h"
#include "core/id.h"
#include "core/op.h"
#include "core/notify.h"
#include "core/record.h"
#include "core/time.h"
#include "core/xchange.h"

void core_xchange_msg_op_init(core_xchange_msg_op *op, core_arena *out, const core_actor *actor)
{
    core_op_init(op, out, actor);
    op->view = core_value_null();
}

/* A registration and its profile (prof a null value when gone). t may be NULL (then s). */
static int load_reg(core_txn *t, core_store *s, const char *id, core_arena *a, core_value *reg,
                    core_value *prof)
{
    *prof = core_value_null();
    if (id == NULL || !core_id_valid(id))
        return CORE_ENOTFOUND;
    int rc = t ? core_record_get_txn(t, CORE_XCHANGE_KIND, id, a, reg)
               : core_record_get(s, CORE_XCHANGE_KIND, id, a, reg);
    if (rc != 0)
        return rc;
    const char *pid = core_value_get_str(reg, "profile_id");
    rc = pid == NULL ? CORE_ENOTFOUND
         : t         ? core_record_get_txn(t, "profile", pid, a, prof)
                     : core_record_get(s, "profile", pid, a, prof);
    if (rc != 0)
        *prof = core_value_null();
    return rc == CORE_ENOTFOUND ? 0 : rc;
}

static unsigned roles_of(const core_actor *actor, const core_value *prof)
{
    return core_xchange_roles(actor, prof->type == CORE_OBJ ? prof : NULL);
}

static char *pair_prefix(core_arena *a, const char *x, const char *y)
{
    return strcmp(x, y) < 0 ? core_arena_printf(a, "xmsg/%s:%s/", x, y)
                            : core_arena_printf(a, "xmsg/%s:%s/", y, x);
}

static void put_value(core_txn *t, const char *key, const core_value *v)
{
    char *buf = NULL;
    size_t len = 0;
    if (core_value_to_msgpack(v, &buf, &len) != 0)
        core_oom();
    core_txn_put(t, CORE_CF_KEYS, (core_slice){key, strlen(key)}, (core_slice){buf, len});
    free(buf);
}

static bool get_value(core_txn *t, core_store *s, const char *key, core_arena *a, core_value *v)
{
    core_slice raw;
    int rc = t ? core_txn_get(t, CORE_CF_KEYS, (core_slice){key, strlen(key)}, a, &raw)
               : core_store_get(s, CORE_CF_KEYS, (core_slice){key, strlen(key)}, a, &raw);
    const char *why;
    return rc == 0 && core_value_from_msgpack(a, raw.ptr, raw.len, v, &why) == 0;
}

static core_value message_view(core_arena *a, const core_value *m)
{
    core_value v = core_value_obj();
    static const char *const keep[] = {"id", "from", "to", "text"};
    for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
        const core_value *x = core_value_get(m, keep[i]);
        core_value_set(a, &v, keep[i], x ? core_value_copy(a, x) : core_value_null());
    }
    const core_value *at = core_value_get(m, "created_at");
    core_value_set(a, &v, "created_at",
                   at && at->type == CORE_INT ? core_value_time(a, at->u.i) : core_value_null());
    return v;
}

/* Updates one side's conversation summary: the last message, and unread + add. */
static void touch_conv(core_txn *t, const char *reg, const char *other, const core_value *msg,
                       int add, core_arena *a)
{
    char *k = core_arena_printf(a, "xconv/%s/%s", reg, other);
    core_value cur;
    int64_t unread = 0;
    if (get_value(t, NULL, k, a, &cur)) {
        const core_value *u = core_value_get(&cur, "unread");
        unread = u && u->type == CORE_INT ? u->u.i : 0;
    }
    core_value c = core_value_obj();
    core_value_set(a, &c, "last", *msg);
    core_value_set(a, &c, "unread", core_value_int(unread + add));
    put_value(t, k, &c);
}

static const char *name_of(const core_value *prof, const core_value *reg)
{
    const char *n = core_value_get_str(core_value_get(prof, "published"), "name");
    return n ? n : core_value_get_str(reg, "profile_id");
}

int core_xchange_message_txn(core_txn *t, void *arg)
{
    core_xchange_msg_op *op = arg;
    core_arena *a = core_txn_arena(t);
    if (op->actor.user_id == NULL)
        return core_op_fail(op, CORE_EUNAUTH, "sign in first");
    core_value reg, prof;
    int rc = load_reg(t, NULL, op->id, a, &reg, &prof);
    if (rc == CORE_ENOTFOUND)
        return core_op_fail(op, rc, "no such registration");
    if (rc != 0)
        return rc;
    unsigned roles = roles_of(&op->actor, &prof);
    if ((rc = core_authorize(CORE_ACT_XCHANGE_READ, roles)) != 0)
        return core_op_fail(op, rc, "no such registration");
    if ((rc = core_authorize(CORE_ACT_XCHANGE_MESSAGE_WRITE, roles)) != 0)
        return core_op_fail(op, rc, "messages are written by the registration's admins");
    static const char *const known[] = {"to", "text", NULL};
    if (op->body == NULL || op->body->type != CORE_OBJ)
        core_fields_add(&op->fields, "body", "must be a JSON object");
    core_check_known(&op->fields, op->body, known);
    const char *to = core_check_string(&op->fields, op->body, "to", true, 1, 64);
    const char *text =
        core_check_string(&op->fields, op->body, "text", true, 1, CORE_XCHANGE_MESSAGE_MAX);
    core_value treg, tprof;
    if (to != NULL) {
        rc = strcmp(to, op->id) == 0 ? CORE_ENOTFOUND : load_reg(t, NULL, to, a, &treg, &tprof);
        if (rc == CORE_ENOTFOUND)
            core_fields_add(&op->fields, "to", "must be another registration's id");
        else if (rc != 0)
            return rc;
    }
    if (core_fields_any(&op->fields))
        return core_op_fail(op, CORE_EINVALID, "the message has errors; see fields");
    const char *st = core_value_get_str(&treg, "state"), *mine = core_value_get_str(&reg, "state");
    if (st == NULL || strcmp(st, "accepted") != 0 || mine == NULL || strcmp(mine, "accepted") != 0)
        return core_op_fail(op, CORE_ECONFLICT,
                            "messages are exchanged between accepted registrations only");

    char id[CORE_ID_LEN + 1];
    core_id_new(id);
    int64_t now = core_txn_now(t);
    core_value m = core_value_obj();
    core_value_set(a, &m, "id", core_value_cstr(a, id));
    core_value_set(a, &m, "from", core_value_cstr(a, op->id));
    core_value_set(a, &m, "to", core_value_cstr(a, to));
    core_value_set(a, &m, "text", core_value_cstr(a, text));
    core_value_set(a, &m, "by", core_value_cstr(a, op->actor.user_id));
    core_value_set(a, &m, "created_at", core_value_int(now));
    put_value(t, core_arena_printf(a, "%s%s", pair_prefix(a, op->id, to), id), &m);
    touch_conv(t, op->id, to, &m, 0, a);
    touch_conv(t, to, op->id, &m, 1, a);
    const core_value *admins = core_value_get(&tprof, "admins");
    const char *note = core_arena_printf(a, "%s wrote to %s about ClusterXchange:\n\n%s",
                                         name_of(&prof, &reg), name_of(&tprof, &treg), text);
    for (size_t i = 0; admins && admins->type == CORE_ARR && i < admins->u.arr.len; i++)
        core_notify(t, admins->u.arr.items[i].u.s.ptr, "xchange.message",
                    "ClusterXchange: a new message", note, op->id);
    op->view = message_view(op->out, &m);
    return 0;
}

int core_xchange_conversation_txn(core_txn *t, void *arg)
{
    core_xchange_msg_op *op = arg;
    core_arena *a = core_txn_arena(t);
    core_value reg, prof, oreg, oprof;
    int rc = load_reg(t, NULL, op->id, a, &reg, &prof);
    if (rc == 0)
        rc = load_reg(t, NULL, op->with, a, &oreg, &oprof);
    if (rc == CORE_ENOTFOUND)
        return core_op_fail(op, rc, "no such conversation");
    if (rc != 0)
        return rc;
    unsigned mine = roles_of(&op->actor, &prof), theirs = roles_of(&op->actor, &oprof);
    if ((rc = core_authorize(CORE_ACT_XCHANGE_MESSAGE_READ, mine | theirs)) != 0)
        return core_op_fail(op, rc, rc == CORE_EUNAUTH ? "sign in first" : "no such conversation");
    char *prefix = pair_prefix(a, op->id, op->with);
    core_iter *it = core_store_iter_prefix(core_txn_store(t), CORE_CF_KEYS,
                                           (core_slice){prefix, strlen(prefix)});
    core_value list = core_value_arr();
    core_slice k, v;
    while (core_iter_next(it, &k, &v)) {
        core_value m;
        const char *why;
        if (core_value_from_msgpack(a, v.ptr, v.len, &m, &why) == 0)
            core_value_push(op->out, &list, message_view(op->out, &m));
    }
    core_iter_free(it);
    /* read by an admin of op->id: what the other side wrote is read now */
    char *ck = core_arena_printf(a, "xconv/%s/%s", op->id, op->with);
    core_value conv;
    if ((mine & CORE_ROLE_ADMIN) && get_value(t, NULL, ck, a, &conv)) {
        const core_value *u = core_value_get(&conv, "unread");
        if (u && u->type == CORE_INT && u->u.i > 0) {
            core_value c = core_value_obj();
            core_value_set(a, &c, "last", *core_value_get(&conv, "last"));
            core_value_set(a, &c, "unread", core_value_int(0));
            put_value(t, ck, &c);
        }
    }
    op->view = core_value_obj();
    core_value_set(op->out, &op->view, "messages", list);
    return 0;
}

int core_xchange_conversations(core_store *s, const core_actor *actor, const char *id,
                               core_arena *a, core_value *out)
{
    core_value reg, prof;
    int rc = load_reg(NULL, s, id, a, &reg, &prof);
    if (rc != 0)
        return rc;
    if ((rc = core_authorize(CORE_ACT_XCHANGE_MESSAGE_READ, roles_of(actor, &prof))) != 0)
        return rc;
    char *prefix = core_arena_printf(a, "xconv/%s/", id);
    size_t plen = strlen(prefix);
    core_iter *it = core_store_iter_prefix(s, CORE_CF_KEYS, (core_slice){prefix, plen});
    core_slice k, v;
    size_t n = 0, cap = 16;
    core_value *items = core_arena_alloc(a, cap * sizeof(*items));
    int64_t *when = core_arena_alloc(a, cap * sizeof(*when));
    while (core_iter_next(it, &k, &v)) {
        core_value c, oreg, oprof;
        const char *why;
        if (core_value_from_msgpack(a, v.ptr, v.len, &c, &why) != 0)
            continue;
        char *with = core_arena_strndup(a, k.ptr + plen, k.len - plen);
        core_value e = core_value_obj(), p = core_value_obj();
        core_value_set(a, &e, "with", core_value_cstr(a, with));
        if (load_reg(NULL, s, with, a, &oreg, &oprof) == 0) {
            const core_value *pub = core_value_get(&oprof, "published");
            const char *name = core_value_get_str(pub, "name");
            const char *country = core_value_get_str(pub, "country");
            core_value_set(a, &p, "id",
                           core_value_cstr(a, core_value_get_str(&oreg, "profile_id")));
            core_value_set(a, &p, "name", name ? core_value_cstr(a, name) : core_value_null());
            core_value_set(a, &p, "country",
                           country ? core_value_cstr(a, country) : core_value_null());
        }
        core_value_set(a, &e, "profile", p);
        const core_value *last = core_value_get(&c, "last");
        core_value_set(a, &e, "last_message", message_view(a, last));
        const core_value *u = core_value_get(&c, "unread");
        core_value_set(a, &e, "unread", core_value_int(u && u->type == CORE_INT ? u->u.i : 0));
        const core_value *at = core_value_get(last, "created_at");
        if (n == cap) {
            core_value *ni = core_arena_alloc(a, 2 * cap * sizeof(*ni));
            int64_t *nw = core_arena_alloc(a, 2 * cap * sizeof(*nw));
            memcpy(ni, items, n * sizeof(*ni));
            memcpy(nw, when, n * sizeof(*nw));
            items = ni;
            when = nw;
            cap *= 2;
        }
        /* newest first: insert in order */
        int64_t w = at && at->type == CORE_INT ? at->u.i : 0;
        size_t i = n++;
        while (i > 0 && when[i - 1] < w) {
            items[i] = items[i - 1];
            when[i] = when[i - 1];
            i--;
        }
        items[i] = e;
        when[i] = w;
    }
    core_iter_free(it);
    *out = core_value_arr();
    for (size_t i = 0; i < n; i++)
        core_value_push(a, out, items[i]);
    return 0;
}
