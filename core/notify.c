/* notify.c: see notify.h. */
#include "core/notify.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/id.h"
#include "core/outbox.h"
#include "core/record.h"
#include "core/time.h"

static void put_value(core_txn *t, core_slice key, const core_value *v)
{
    char *buf;
    size_t len;
    if (core_value_to_msgpack(v, &buf, &len) != 0)
        core_oom();
    core_txn_put(t, CORE_CF_KEYS, key, (core_slice){buf, len});
    free(buf);
}

char *core_notify_key(core_arena *a, const char *user_id, const char *id)
{
    return core_arena_printf(a, "notif/%s/%s", user_id, id);
}

void core_notify(core_txn *t, const char *user_id, const char *kind, const char *subject,
                 const char *text, const char *ref)
{
    char id[CORE_ID_LEN + 1];
    core_id_new(id);
    core_notify_as(t, id, user_id, kind, subject, text, ref, true);
}

void core_notify_as(core_txn *t, const char *id, const char *user_id, const char *kind,
                    const char *subject, const char *text, const char *ref, bool mail)
{
    core_arena *a = core_txn_arena(t);
    core_value user;
    if (core_record_get_txn(t, "user", user_id, a, &user) != 0)
        return;
    core_value n = core_value_obj();
    core_value_set(a, &n, "id", core_value_cstr(a, id));
    core_value_set(a, &n, "kind", core_value_cstr(a, kind));
    core_value_set(a, &n, "text", core_value_cstr(a, text));
    core_value_set(a, &n, "ref", ref ? core_value_cstr(a, ref) : core_value_null());
    core_value_set(a, &n, "created_at", core_value_int(core_txn_now(t)));
    core_value_set(a, &n, "read", core_value_bool(false));
    char *key = core_notify_key(a, user_id, id);
    put_value(t, (core_slice){key, strlen(key)}, &n);
    const char *email = core_value_get_str(&user, "email");
    const char *name = core_value_get_str(&user, "username");
    if (email != NULL && mail)
        core_outbox_add_for(t, user_id, kind, email, subject,
                            core_arena_printf(a,
                                              "Hello %s,\n\n%s\n\n-- \nThe cluster collaboration "
                                              "platform\n",
                                              name ? name : "", text));
}

int core_notifications_list(core_store *s, const char *user_id, bool unread_only, size_t page,
                            size_t per_page, core_arena *a, core_value *out)
{
    char *prefix = core_arena_printf(a, "notif/%s/", user_id);
    core_iter *it = core_store_iter_prefix(s, CORE_CF_KEYS, (core_slice){prefix, strlen(prefix)});
    core_value all = core_value_arr();
    int64_t unread = 0;
    core_slice k, v;
    while (core_iter_next(it, &k, &v)) {
        core_value n;
        const char *why;
        if (core_value_from_msgpack(a, v.ptr, v.len, &n, &why) != 0)
            continue;
        const core_value *r = core_value_get(&n, "read");
        bool is_read = r != NULL && r->type == CORE_BOOL && r->u.b;
        unread += !is_read;
        if (!unread_only || !is_read)
            core_value_push(a, &all, core_value_times(a, &n));
    }
    core_iter_free(it);
    /* keys sort oldest first (ids are time-ordered); the list shows newest first */
    core_value items = core_value_arr();
    size_t total = all.u.arr.len, skip = (page - 1) * per_page;
    for (size_t i = skip; i < total && i < skip + per_page; i++)
        core_value_push(a, &items, all.u.arr.items[total - 1 - i]);
    *out = core_value_obj();
    core_value_set(a, out, "total", core_value_int((int64_t)total));
    core_value_set(a, out, "unread", core_value_int(unread));
    core_value_set(a, out, "items", items);
    return 0;
}

int core_notification_read_txn(core_txn *t, void *arg)
{
    core_notification_read *r = arg;
    core_arena *a = core_txn_arena(t);
    char *key = core_notify_key(a, r->user_id, r->id);
    core_slice ks = {key, strlen(key)}, v;
    int rc = core_txn_get(t, CORE_CF_KEYS, ks, a, &v);
    if (rc != 0)
        return rc;
    core_value n;
    const char *why;
    if (core_value_from_msgpack(a, v.ptr, v.len, &n, &why) != 0)
        return CORE_EINTERNAL;
    core_value *read = (core_value *)core_value_get(&n, "read");
    if (read != NULL)
        *read = core_value_bool(true);
    put_value(t, ks, &n);
    return 0;
}
