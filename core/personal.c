/* personal.c: see personal.h. */
#include "core/personal.h"

#include <string.h>
#include <time.h>

#include "core/account.h"
#include "core/error.h"
#include "core/event.h"
#include "core/exchange.h"
#include "core/id.h"
#include "core/news.h"
#include "core/notify.h"
#include "core/partner.h"
#include "core/profile.h"
#include "core/record.h"
#include "core/time.h"
#include "core/xchange.h"

/* The suffixes of the keys under prefix (the part after it), as strings in a. */
static core_value suffixes(core_store *s, const char *prefix, core_arena *a)
{
    core_value out = core_value_arr();
    size_t plen = strlen(prefix);
    core_iter *it = core_store_iter_prefix(s, CORE_CF_KEYS, (core_slice){prefix, plen});
    core_slice k, v;
    while (core_iter_next(it, &k, &v))
        core_value_push(a, &out, core_value_str(a, k.ptr + plen, k.len - plen));
    core_iter_free(it);
    return out;
}

static bool in(const core_value *list, const char *s)
{
    for (size_t i = 0; s != NULL && i < list->u.arr.len; i++)
        if (strcmp(list->u.arr.items[i].u.s.ptr, s) == 0)
            return true;
    return false;
}

/* The user's items under "<kind>/<search>/<id>" keys (interests, comments), as stored with
 * their times in RFC 3339 and the search they belong to. */
static core_value items_by(core_store *s, const char *prefix, const char *user_id, core_arena *a)
{
    core_value out = core_value_arr();
    size_t plen = strlen(prefix);
    core_iter *it = core_store_iter_prefix(s, CORE_CF_KEYS, (core_slice){prefix, plen});
    core_slice k, v;
    while (core_iter_next(it, &k, &v)) {
        core_value x;
        const char *why;
        const char *uid;
        if (core_value_from_msgpack(a, v.ptr, v.len, &x, &why) != 0 ||
            (uid = core_value_get_str(&x, "user_id")) == NULL || strcmp(uid, user_id) != 0)
            continue;
        const char *slash = memchr(k.ptr + plen, '/', k.len - plen);
        if (slash != NULL)
            core_value_set(a, &x, "partner_search_id",
                           core_value_str(a, k.ptr + plen, (size_t)(slash - (k.ptr + plen))));
        core_value_push(a, &out, core_value_times(a, &x));
    }
    core_iter_free(it);
    return out;
}

int core_personal_export(core_store *s, const char *user_id, core_arena *a, core_value *out)
{
    core_value user;
    int rc = core_record_get(s, "user", user_id, a, &user);
    if (rc != 0)
        return rc;
    core_actor me = {user_id, false};
    *out = core_value_obj();
    core_value_set(a, out, "account", core_user_view(a, &user));

    /* profiles administered, with their news */
    core_value pids = suffixes(s, core_arena_printf(a, "padmin/%s/", user_id), a);
    core_value profiles = core_value_arr(), news = core_value_arr();
    for (size_t i = 0; i < pids.u.arr.len; i++) {
        core_value prof;
        const char *pid = pids.u.arr.items[i].u.s.ptr;
        if (core_profile_get(s, pid, a, &prof) != 0)
            continue;
        core_value_push(a, &profiles, core_profile_admin_view(a, &prof));
        core_value nids = core_news_ids_of(s, pid, a);
        for (size_t j = 0; j < nids.u.arr.len; j++) {
            core_value n;
            if (core_news_get(s, nids.u.arr.items[j].u.s.ptr, a, &n) == 0)
                core_value_push(a, &news, core_news_view(a, &n));
        }
    }
    core_value_set(a, out, "profiles", profiles);
    core_value_set(a, out, "news", news);

    /* ClusterXchange: registrations, their exchanges and conversations */
    core_value regs = core_value_arr(), exchanges = core_value_arr(), messages = core_value_arr();
    for (size_t i = 0; i < pids.u.arr.len; i++) {
        core_value rids =
            suffixes(s, core_arena_printf(a, "xprofile/%s/", pids.u.arr.items[i].u.s.ptr), a);
        for (size_t j = 0; j < rids.u.arr.len; j++) {
            const char *rid = rids.u.arr.items[j].u.s.ptr;
            core_value reg, list;
            if (core_xchange_get(s, rid, a, &reg) != 0)
                continue;
            core_value_push(a, &regs, core_xchange_view(a, &reg));
            if (core_exchange_list(s, &me, rid, a, &list) == 0)
                for (size_t k = 0; k < list.u.arr.len; k++)
                    core_value_push(a, &exchanges, list.u.arr.items[k]);
            core_value others = suffixes(s, core_arena_printf(a, "xconv/%s/", rid), a);
            for (size_t k = 0; k < others.u.arr.len; k++) {
                const char *o = others.u.arr.items[k].u.s.ptr;
                char *prefix = strcmp(rid, o) < 0 ? core_arena_printf(a, "xmsg/%s:%s/", rid, o)
                                                  : core_arena_printf(a, "xmsg/%s:%s/", o, rid);
                core_iter *it =
                    core_store_iter_prefix(s, CORE_CF_KEYS, (core_slice){prefix, strlen(prefix)});
                core_slice kk, vv;
                while (core_iter_next(it, &kk, &vv)) {
                    core_value m;
                    const char *why;
                    if (core_value_from_msgpack(a, vv.ptr, vv.len, &m, &why) == 0 &&
                        strcmp(core_value_get_str(&m, "from") ? core_value_get_str(&m, "from") : "",
                               rid) == 0) /* each message once: from this side's list */
                        core_value_push(a, &messages, core_value_times(a, &m));
                    else if (core_value_get_str(&m, "to") != NULL &&
                             strcmp(core_value_get_str(&m, "to"), rid) == 0)
                        core_value_push(a, &messages, core_value_times(a, &m));
                }
                core_iter_free(it);
            }
        }
    }
    core_value_set(a, out, "registrations", regs);
    core_value_set(a, out, "exchanges", exchanges);
    core_value_set(a, out, "messages", messages);

    /* notifications, all of them */
    core_value notes;
    if (core_notifications_list(s, user_id, false, 1, (size_t)1 << 30, a, &notes) == 0)
        core_value_set(a, out, "notifications", notes);
    else
        core_value_set(a, out, "notifications", core_value_null());

    /* partner search: follows, interests, comments */
    core_value_set(a, out, "follows",
                   suffixes(s, core_arena_printf(a, "psfollowing/%s/", user_id), a));
    core_value_set(a, out, "interests", items_by(s, "psinterest/", user_id, a));
    core_value_set(a, out, "comments", items_by(s, "pscomment/", user_id, a));

    /* events: organised by or taken part in by a profile the user administers */
    core_value events = core_value_arr(), seen = core_value_arr();
    for (size_t i = 0; i < pids.u.arr.len; i++) {
        core_value eids =
            suffixes(s, core_arena_printf(a, "evprofile/%s/", pids.u.arr.items[i].u.s.ptr), a);
        for (size_t j = 0; j < eids.u.arr.len; j++)
            if (!in(&seen, eids.u.arr.items[j].u.s.ptr))
                core_value_push(a, &seen, eids.u.arr.items[j]);
    }
    core_value parts = core_value_arr();
    core_iter *it =
        core_store_iter_prefix(s, CORE_CF_RECORDS, CORE_SLICE_LIT(CORE_EVENT_PARTICIPANT_KIND "/"));
    core_slice k, v;
    while (core_iter_next(it, &k, &v)) {
        core_value p;
        if (core_record_decode(a, v, &p) != 0 || !in(&pids, core_value_get_str(&p, "profile_id")))
            continue;
        core_value_push(a, &parts, core_event_participant_view(a, &p));
        const char *eid = core_value_get_str(&p, "event_id");
        if (eid != NULL && !in(&seen, eid))
            core_value_push(a, &seen, core_value_cstr(a, eid));
    }
    core_iter_free(it);
    for (size_t i = 0; i < seen.u.arr.len; i++) {
        core_value ev, prof;
        if (core_event_get(s, seen.u.arr.items[i].u.s.ptr, a, &ev) != 0)
            continue;
        const char *pid = core_value_get_str(&ev, "profile_id");
        bool have = pid != NULL && core_profile_get(s, pid, a, &prof) == 0;
        core_value_push(a, &events, core_event_view(s, a, &ev, have ? &prof : NULL));
    }
    core_value_set(a, out, "events", events);
    core_value_set(a, out, "participations", parts);
    core_value_set(a, out, "exported_at", core_value_time(a, (int64_t)time(NULL)));
    return 0;
}
