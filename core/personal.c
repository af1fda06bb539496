/* personal.c: see personal.h. */
#include "core/personal.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/account.h"
#include "core/error.h"
#include "core/event.h"
#include "core/exchange.h"
#include "core/fault.h"
#include "core/id.h"
#include "core/news.h"
#include "core/notify.h"
#include "core/partner.h"
#include "core/profile.h"
#include "core/record.h"
#include "core/sha256.h"
#include "core/text.h"
#include "core/unsubscribe.h"
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

/* ---- erasure ---- */

/* Queues the compaction of what erase_txn deleted from, once write seq is durable. */
static void compact_erased(core_store *s, const char *user_id, uint64_t seq)
{
    char key[256];
    int n = snprintf(key, sizeof(key), "user/%s", user_id);
    if (n > 0 && (size_t)n < sizeof(key)) /* the record: its key alone (bounds inclusive) */
        core_store_compact_later(s, CORE_CF_RECORDS, (core_slice){key, (size_t)n},
                                 (core_slice){key, (size_t)n}, seq);
    /* the keys family in full: the erasure deleted or rewrote keys across it (sessions,
     * e-mail and username, notifications that named the person, follows, tokens) */
    core_store_compact_later(s, CORE_CF_KEYS, (core_slice){"", 0}, (core_slice){"", 0}, seq);
    /* e-mails still queued to the address (the outbox is small: delivered ones leave it) */
    core_store_compact_later(s, CORE_CF_OUTBOX, (core_slice){"", 0}, (core_slice){"", 0}, seq);
    /* stored Idempotency-Key responses (small: entries expire after a day) */
    core_store_compact_later(s, CORE_CF_IDEM, (core_slice){"", 0}, (core_slice){"", 0}, seq);
}

static core_slice K(const char *s)
{
    return (core_slice){s, strlen(s)};
}

/* The keys (keys family) under prefix, copied into a (iterate first, delete after). */
static core_value keys_under(core_txn *t, const char *prefix, core_arena *a, core_value *vals)
{
    core_value out = core_value_arr();
    if (vals != NULL)
        *vals = core_value_arr();
    core_iter *it = core_txn_iter_prefix(t, CORE_CF_KEYS, K(prefix));
    core_slice k, v;
    while (core_iter_next(it, &k, &v)) {
        core_value_push(a, &out, core_value_str(a, k.ptr, k.len));
        if (vals != NULL)
            core_value_push(a, vals, core_value_str(a, v.ptr, v.len));
    }
    core_iter_free(it);
    return out;
}

static void delete_all(core_txn *t, const core_value *keys)
{
    for (size_t i = 0; i < keys->u.arr.len; i++)
        core_txn_delete(t, CORE_CF_KEYS, K(keys->u.arr.items[i].u.s.ptr));
}

static char *reserved_key(core_arena *a, const char *username)
{
    char *folded = core_fold_case(a, username, strlen(username));
    char hex[65];
    core_sha256_hex(folded, strlen(folded), hex);
    return core_arena_printf(a, "uerased/%s", hex);
}

/* Others' notifications that name the person ("X commented on ...") name "a former user"
 * instead. A scan of every notification: erasures are rare. */
static void scrub_notifications(core_txn *t, const char *username)
{
    core_arena *a = core_txn_arena(t);
    core_value keys, vals;
    keys = keys_under(t, "notif/", a, &vals);
    size_t ulen = strlen(username);
    for (size_t i = 0; i < keys.u.arr.len; i++) {
        const core_value *raw = &vals.u.arr.items[i];
        if (memmem(raw->u.s.ptr, raw->u.s.len, username, ulen) == NULL)
            continue;
        core_value n;
        const char *why, *text;
        if (core_value_from_msgpack(a, raw->u.s.ptr, raw->u.s.len, &n, &why) != 0 ||
            (text = core_value_get_str(&n, "text")) == NULL)
            continue;
        char *out = core_arena_strndup(a, "", 0);
        const char *p = text, *hit;
        while ((hit = strstr(p, username)) != NULL) {
            out = core_arena_printf(a, "%s%.*sa former user", out, (int)(hit - p), p);
            p = hit + ulen;
        }
        out = core_arena_printf(a, "%s%s", out, p);
        *(core_value *)core_value_get(&n, "text") = core_value_cstr(a, out);
        char *buf;
        size_t len;
        if (core_value_to_msgpack(&n, &buf, &len) != 0)
            core_oom();
        core_txn_put(t, CORE_CF_KEYS, K(keys.u.arr.items[i].u.s.ptr), (core_slice){buf, len});
        free(buf);
    }
}

static bool holds(core_slice hay, const char *needle)
{
    return needle != NULL && *needle != '\0' &&
           memmem(hay.ptr, hay.len, needle, strlen(needle)) != NULL;
}

/* Idempotency entries about the person: every key scoped to them ("METHOD PATTERN
 * USERID\nKEY") and every key or stored response naming their id, e-mail or username (a
 * sign-up's answer, sent before they were signed in). A scan of the idem family: it holds
 * one day of keyed writes at most, and erasures are rare. */
static void forget_idempotent(core_txn *t, const char *uid, const char *email, const char *username)
{
    core_arena *a = core_txn_arena(t);
    core_value keys = core_value_arr();
    core_iter *it = core_txn_iter_prefix(t, CORE_CF_IDEM, (core_slice){"", 0});
    core_slice k, v;
    while (core_iter_next(it, &k, &v)) {
        if (holds(k, uid) || holds(v, uid) || holds(k, email) || holds(v, email) ||
            holds(k, username) || holds(v, username))
            core_value_push(a, &keys, core_value_str(a, k.ptr, k.len));
    }
    core_iter_free(it);
    for (size_t i = 0; i < keys.u.arr.len; i++)
        core_txn_delete(t, CORE_CF_IDEM,
                        (core_slice){keys.u.arr.items[i].u.s.ptr, keys.u.arr.items[i].u.s.len});
}

static _Atomic int64_t username_grace = CORE_USERNAME_GRACE;

void core_personal_set_username_grace(int64_t seconds)
{
    username_grace = seconds < 0 ? 0 : seconds;
}

int64_t core_personal_username_grace(void)
{
    return username_grace;
}

bool core_personal_username_reserved(core_txn *t, const char *username)
{
    core_arena *a = core_txn_arena(t);
    core_slice v;
    if (username == NULL || core_txn_get(t, CORE_CF_KEYS, K(reserved_key(a, username)), a, &v) != 0)
        return false;
    long long at = atoll(core_arena_strndup(a, v.ptr, v.len));
    return (int64_t)time(NULL) + core_fault_clock_skew() < at + username_grace;
}

int core_personal_erase_txn(core_txn *t, void *arg)
{
    core_personal_erase *op = arg;
    core_arena *a = core_txn_arena(t);
    const char *uid = op->user_id;
    core_value user;
    int rc = core_record_get_txn(t, "user", uid, a, &user);
    if (rc != 0)
        return rc;
    /* profiles: refused while the caller alone administers one */
    core_value pkeys = keys_under(t, core_arena_printf(a, "padmin/%s/", uid), a, NULL);
    size_t plen = strlen("padmin/") + strlen(uid) + 1;
    char *alone = NULL;
    for (size_t i = 0; i < pkeys.u.arr.len; i++) {
        core_value prof;
        const char *pid = pkeys.u.arr.items[i].u.s.ptr + plen;
        if (core_record_get_txn(t, "profile", pid, a, &prof) != 0)
            continue;
        const core_value *admins = core_value_get(&prof, "admins");
        if (admins != NULL && admins->type == CORE_ARR && admins->u.arr.len == 1) {
            const core_value *ver = core_value_get(&prof, "draft");
            if (ver == NULL || ver->type != CORE_OBJ)
                ver = core_value_get(&prof, "published");
            const char *name = core_value_get_str(ver, "name");
            alone = core_arena_printf(a, "%s%s\"%s\" (%s)", alone ? alone : "", alone ? ", " : "",
                                      name ? name : "unnamed", pid);
        }
    }
    if (alone != NULL) {
        op->message = core_arena_printf(op->out,
                                        "you are the only admin of %s: add another admin or "
                                        "delete the profile first",
                                        alone);
        return CORE_ECONFLICT;
    }
    core_actor self = {uid, false};
    for (size_t i = 0; i < pkeys.u.arr.len; i++) {
        core_profile_op pop;
        core_profile_op_init(&pop, a, &self);
        pop.id = pkeys.u.arr.items[i].u.s.ptr + plen;
        pop.other_id = uid;
        if ((rc = core_profile_admin_remove_txn(t, &pop)) != 0 && rc != CORE_ENOTFOUND)
            return rc;
    }
    /* sessions and reset links, each with its twin key */
    core_value ks = keys_under(t, core_arena_printf(a, "usess/%s/", uid), a, NULL);
    size_t slen = strlen("usess/") + strlen(uid) + 1;
    for (size_t i = 0; i < ks.u.arr.len; i++)
        core_txn_delete(t, CORE_CF_KEYS, K(ks.u.arr.items[i].u.s.ptr + slen));
    delete_all(t, &ks);
    ks = keys_under(t, core_arena_printf(a, "ureset/%s/", uid), a, NULL);
    slen = strlen("ureset/") + strlen(uid) + 1;
    for (size_t i = 0; i < ks.u.arr.len; i++)
        core_txn_delete(t, CORE_CF_KEYS,
                        K(core_arena_printf(a, "reset/%s", ks.u.arr.items[i].u.s.ptr + slen)));
    delete_all(t, &ks);
    /* notifications and follows */
    ks = keys_under(t, core_arena_printf(a, "notif/%s/", uid), a, NULL);
    delete_all(t, &ks);
    ks = keys_under(t, core_arena_printf(a, "psfollowing/%s/", uid), a, NULL);
    slen = strlen("psfollowing/") + strlen(uid) + 1;
    for (size_t i = 0; i < ks.u.arr.len; i++)
        core_txn_delete(
            t, CORE_CF_KEYS,
            K(core_arena_printf(a, "psfollow/%s/%s", ks.u.arr.items[i].u.s.ptr + slen, uid)));
    delete_all(t, &ks);
    core_unsubscribe_forget_user_txn(t, uid);
    /* e-mail not yet delivered to the address */
    const char *email = core_value_get_str(&user, "email");
    const char *username = core_value_get_str(&user, "username");
    if (email != NULL) {
        core_value okeys = core_value_arr();
        core_iter *it = core_txn_iter_prefix(t, CORE_CF_OUTBOX, (core_slice){"", 0});
        core_slice k, v;
        while (core_iter_next(it, &k, &v)) {
            core_value m;
            const char *why, *to;
            if (core_value_from_msgpack(a, v.ptr, v.len, &m, &why) == 0 &&
                (to = core_value_get_str(&m, "to")) != NULL && strcmp(to, email) == 0)
                core_value_push(a, &okeys, core_value_str(a, k.ptr, k.len));
        }
        core_iter_free(it);
        for (size_t i = 0; i < okeys.u.arr.len; i++)
            core_txn_delete(
                t, CORE_CF_OUTBOX,
                (core_slice){okeys.u.arr.items[i].u.s.ptr, okeys.u.arr.items[i].u.s.len});
        char *ek = core_arena_printf(a, "email/%s", core_fold_case(a, email, strlen(email)));
        core_txn_delete(t, CORE_CF_KEYS, K(ek));
        op->email = core_arena_strndup(op->out, email, strlen(email));
    }
    if (username != NULL) {
        char *uk =
            core_arena_printf(a, "username/%s", core_fold_case(a, username, strlen(username)));
        core_txn_delete(t, CORE_CF_KEYS, K(uk));
        char *at = core_arena_printf(a, "%lld",
                                     (long long)((int64_t)time(NULL) + core_fault_clock_skew()));
        core_txn_put(t, CORE_CF_KEYS, K(reserved_key(a, username)), K(at));
    }
    if (username != NULL)
        scrub_notifications(t, username);
    forget_idempotent(t, uid, email, username);
    core_txn_delete(t, CORE_CF_RECORDS, core_record_key(a, "user", uid));
    uint64_t seq = core_txn_log(t, "user", (core_slice){uid, strlen(uid)}, "delete");
    compact_erased(core_txn_store(t), uid, seq);
    return 0;
}
