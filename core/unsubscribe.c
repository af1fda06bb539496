/* unsubscribe.c: see unsubscribe.h. */
#include "core/unsubscribe.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/id.h"
#include "core/record.h"

static core_slice K(const char *s)
{
    return (core_slice){s, strlen(s)};
}

static bool newsletter_kind(const char *kind, const char **name)
{
    if (strncmp(kind, "newsletter.", 11) != 0)
        return false;
    *name = kind + 11;
    return true;
}

static bool list_has(const core_value *l, const char *s)
{
    for (size_t i = 0; l != NULL && l->type == CORE_ARR && i < l->u.arr.len; i++)
        if (l->u.arr.items[i].type == CORE_STR && strcmp(l->u.arr.items[i].u.s.ptr, s) == 0)
            return true;
    return false;
}

bool core_unsubscribed_txn(core_txn *t, const char *user_id, const char *kind)
{
    core_arena *a = core_txn_arena(t);
    const char *nl;
    if (newsletter_kind(kind, &nl)) { /* a newsletter goes only to those who chose it */
        core_value user;
        if (core_record_get_txn(t, "user", user_id, a, &user) != 0)
            return true;
        return !list_has(core_value_get(&user, "newsletters"), nl);
    }
    return core_txn_exists(t, CORE_CF_KEYS,
                           K(core_arena_printf(a, "unsubbed/%s/%s", user_id, kind)));
}

const char *core_unsubscribe_token_txn(core_txn *t, const char *user_id, const char *kind)
{
    core_arena *a = core_txn_arena(t);
    core_slice k = K(core_arena_printf(a, "unsubtok/%s/%s", user_id, kind)), v;
    if (core_txn_get(t, CORE_CF_KEYS, k, a, &v) == 0)
        return core_arena_strndup(a, v.ptr, v.len);
    char *token = core_arena_alloc(a, 48);
    core_random_token(token, 32);
    core_txn_put(t, CORE_CF_KEYS, k, K(token));
    core_value m = core_value_obj();
    core_value_set(a, &m, "user", core_value_cstr(a, user_id));
    core_value_set(a, &m, "kind", core_value_cstr(a, kind));
    char *buf;
    size_t len;
    if (core_value_to_msgpack(&m, &buf, &len) != 0)
        core_oom();
    core_txn_put(t, CORE_CF_KEYS, K(core_arena_printf(a, "unsub/%s", token)),
                 (core_slice){buf, len});
    free(buf);
    return token;
}

int core_unsubscribe_txn(core_txn *t, void *arg)
{
    core_unsubscribe_op *op = arg;
    core_arena *a = core_txn_arena(t);
    size_t n = op->token ? strlen(op->token) : 0;
    if (n != 43 || strspn(op->token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                     "0123456789-_") != n)
        return CORE_ENOTFOUND;
    core_slice v;
    int rc = core_txn_get(t, CORE_CF_KEYS, K(core_arena_printf(a, "unsub/%s", op->token)), a, &v);
    if (rc != 0)
        return rc;
    core_value m;
    const char *why;
    if (core_value_from_msgpack(a, v.ptr, v.len, &m, &why) != 0)
        return CORE_EINTERNAL;
    const char *user = core_value_get_str(&m, "user"), *kind = core_value_get_str(&m, "kind");
    if (user == NULL || kind == NULL)
        return CORE_EINTERNAL;
    op->kind = core_arena_strndup(op->out, kind, strlen(kind));
    const char *nl;
    if (newsletter_kind(kind, &nl)) {
        core_value rec;
        if ((rc = core_record_get_txn(t, "user", user, a, &rec)) != 0)
            return rc == CORE_ENOTFOUND ? 0 : rc;
        const core_value *l = core_value_get(&rec, "newsletters");
        if (!list_has(l, nl))
            return 0; /* already off: nothing to write */
        core_value keep = core_value_arr();
        for (size_t i = 0; i < l->u.arr.len; i++)
            if (strcmp(l->u.arr.items[i].u.s.ptr, nl) != 0)
                core_value_push(a, &keep, l->u.arr.items[i]);
        *(core_value *)core_value_get(&rec, "newsletters") = keep;
        return core_record_put(t, "user", user, &rec, "update");
    }
    core_txn_put(t, CORE_CF_KEYS, K(core_arena_printf(a, "unsubbed/%s/%s", user, kind)), K(""));
    return 0;
}

int core_newsletters_set_txn(core_txn *t, void *arg)
{
    core_newsletters_op *op = arg;
    core_arena *a = core_txn_arena(t);
    const core_value *b = op->body;
    if (b == NULL || b->type != CORE_ARR) {
        core_fields_add(&op->fields, "newsletters",
                        "send a list of \"monthly\" and \"quarterly\" (an empty list for none)");
        return CORE_EINVALID;
    }
    core_value l = core_value_arr();
    for (size_t i = 0; i < b->u.arr.len; i++) {
        const core_value *x = &b->u.arr.items[i];
        if (x->type != CORE_STR ||
            (strcmp(x->u.s.ptr, "monthly") != 0 && strcmp(x->u.s.ptr, "quarterly") != 0)) {
            core_fields_add(&op->fields, "newsletters",
                            "must be a list of \"monthly\" and \"quarterly\"");
            return CORE_EINVALID;
        }
        if (list_has(&l, x->u.s.ptr)) {
            core_fields_add(&op->fields, "newsletters", "lists a newsletter twice");
            return CORE_EINVALID;
        }
        core_value_push(a, &l, core_value_cstr(a, x->u.s.ptr));
    }
    core_value rec;
    int rc = core_record_get_txn(t, "user", op->user_id, a, &rec);
    if (rc != 0)
        return rc;
    core_value *cur = (core_value *)core_value_get(&rec, "newsletters");
    if (cur != NULL)
        *cur = l;
    else
        core_value_set(a, &rec, "newsletters", l);
    return core_record_put(t, "user", op->user_id, &rec, "update");
}

void core_unsubscribe_forget_user_txn(core_txn *t, const char *user_id)
{
    core_arena *a = core_txn_arena(t);
    const char *prefixes[] = {"unsubtok/", "unsubbed/"};
    for (size_t p = 0; p < 2; p++) {
        char *prefix = core_arena_printf(a, "%s%s/", prefixes[p], user_id);
        core_value keys = core_value_arr(), toks = core_value_arr();
        core_iter *it = core_txn_iter_prefix(t, CORE_CF_KEYS, K(prefix));
        core_slice k, v;
        while (core_iter_next(it, &k, &v)) {
            core_value_push(a, &keys, core_value_str(a, k.ptr, k.len));
            if (p == 0)
                core_value_push(a, &toks, core_value_str(a, v.ptr, v.len));
        }
        core_iter_free(it);
        for (size_t i = 0; i < keys.u.arr.len; i++)
            core_txn_delete(t, CORE_CF_KEYS, K(keys.u.arr.items[i].u.s.ptr));
        for (size_t i = 0; i < toks.u.arr.len; i++)
            core_txn_delete(t, CORE_CF_KEYS,
                            K(core_arena_printf(a, "unsub/%s", toks.u.arr.items[i].u.s.ptr)));
    }
}
