/*
 * transfer.c: see transfer.h.
 *
 * Export walks each kind's key range once, in key order, with one arena per line, so its
 * memory is bounded by the largest record. Import does the pure checks in
 * core_transfer_check (on the caller's thread, off the store's committer) and only the
 * lookups and writes in core_transfer_import_txn. Secondary keys are never composed here:
 * the domain modules' *_keys_add functions (and core_notify_key) make them, as for the
 * API's writes.
 */
#include "core/transfer.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/account.h"
#include "core/check.h"
#include "core/error.h"
#include "core/id.h"
#include "core/notify.h"
#include "core/profile.h"
#include "core/record.h"
#include "core/xchange.h"

#define NOTIF_PREFIX "notif/" /* the prefix of core_notify_key's keys */

enum { NOTIFICATION_TEXT_MAX = 20000 };

static const char *const kind_names[CORE_TRANSFER_KIND_COUNT] = {
    [CORE_TRANSFER_USER] = "user",
    [CORE_TRANSFER_PROFILE] = "profile",
    [CORE_TRANSFER_XCHANGE] = CORE_XCHANGE_KIND,
    [CORE_TRANSFER_NOTIFICATION] = "notification",
};

/* Where each kind lives in the store. */
static const struct {
    core_cf cf;
    const char *prefix;
} places[CORE_TRANSFER_KIND_COUNT] = {
    [CORE_TRANSFER_USER] = {CORE_CF_RECORDS, "user/"},
    [CORE_TRANSFER_PROFILE] = {CORE_CF_RECORDS, "profile/"},
    [CORE_TRANSFER_XCHANGE] = {CORE_CF_RECORDS, CORE_XCHANGE_KIND "/"},
    [CORE_TRANSFER_NOTIFICATION] = {CORE_CF_KEYS, NOTIF_PREFIX},
};

const char *core_transfer_kind_name(core_transfer_kind k)
{
    return k >= 0 && k < CORE_TRANSFER_KIND_COUNT ? kind_names[k] : NULL;
}

static int kind_parse(const char *s)
{
    for (int k = 0; k < CORE_TRANSFER_KIND_COUNT; k++)
        if (strcmp(s, kind_names[k]) == 0)
            return k;
    return -1;
}

/* ---- export ---- */

static int member_cmp(const void *x, const void *y)
{
    const core_member *a = x, *b = y;
    size_t n = a->key.len < b->key.len ? a->key.len : b->key.len;
    int c = memcmp(a->key.ptr, b->key.ptr, n);
    return c != 0 ? c : (a->key.len > b->key.len) - (a->key.len < b->key.len);
}

/* A copy of v (sharing its strings) whose objects have their members sorted by name and,
 * at the top level, without the member `drop` (NULL drops none). In arena a. */
static core_value sorted(core_arena *a, const core_value *v, const char *drop)
{
    core_value c = *v;
    if (v->type == CORE_ARR) {
        c.u.arr.items = core_arena_alloc(a, (v->u.arr.len ? v->u.arr.len : 1) * sizeof(core_value));
        c.u.arr.cap = v->u.arr.len;
        for (size_t i = 0; i < v->u.arr.len; i++)
            c.u.arr.items[i] = sorted(a, &v->u.arr.items[i], NULL);
    } else if (v->type == CORE_OBJ) {
        c.u.obj.items =
            core_arena_alloc(a, (v->u.obj.len ? v->u.obj.len : 1) * sizeof(core_member));
        c.u.obj.len = 0;
        for (size_t i = 0; i < v->u.obj.len; i++) {
            const core_member *m = &v->u.obj.items[i];
            if (drop != NULL && m->key.len == strlen(drop) &&
                memcmp(m->key.ptr, drop, m->key.len) == 0)
                continue;
            c.u.obj.items[c.u.obj.len++] = (core_member){m->key, sorted(a, &m->value, NULL)};
        }
        c.u.obj.cap = c.u.obj.len;
        qsort(c.u.obj.items, c.u.obj.len, sizeof(core_member), member_cmp);
    }
    return c;
}

static core_value make_line(core_arena *a, core_transfer_kind k, int64_t version, const char *user,
                            size_t user_len, core_value record)
{
    core_value line = core_value_obj();
    core_value_set(a, &line, "kind", core_value_str_ref(kind_names[k], strlen(kind_names[k])));
    core_value_set(a, &line, "version", core_value_int(version));
    if (user != NULL)
        core_value_set(a, &line, "user", core_value_str(a, user, user_len));
    core_value_set(a, &line, "record", record);
    return line;
}

/* The line of a record stored under kind/id; CORE_EINTERNAL when it cannot be read. */
static int record_line(core_arena *a, core_transfer_kind k, core_slice val, core_value *line)
{
    core_value rec;
    if (core_record_decode(a, val, &rec) != 0)
        return CORE_EINTERNAL;
    int64_t version = core_value_get(&rec, "v")->u.i;
    *line = make_line(a, k, version, NULL, 0, sorted(a, &rec, "v"));
    return 0;
}

/* The line of a notification stored under notif/<user>/<id>. */
static int notification_line(core_arena *a, core_slice key, core_slice val, core_value *line)
{
    const char *user = key.ptr + strlen(NOTIF_PREFIX);
    const char *slash = memchr(user, '/', key.len - strlen(NOTIF_PREFIX));
    core_value rec;
    const char *why;
    if (slash == NULL || core_value_from_msgpack(a, val.ptr, val.len, &rec, &why) != 0 ||
        rec.type != CORE_OBJ)
        return CORE_EINTERNAL;
    *line = make_line(a, CORE_TRANSFER_NOTIFICATION, CORE_TRANSFER_NOTIFICATION_VERSION, user,
                      (size_t)(slash - user), sorted(a, &rec, NULL));
    return 0;
}

static int export_kind(core_store *s, core_transfer_kind k, core_transfer_emit_fn emit, void *ctx,
                       char **bad)
{
    const char *prefix = places[k].prefix;
    core_iter *it = core_store_iter_prefix(s, places[k].cf, (core_slice){prefix, strlen(prefix)});
    core_arena a;
    core_arena_init(&a);
    core_slice key, val;
    int rc = 0;
    while (rc == 0 && core_iter_next(it, &key, &val)) {
        core_value line;
        rc = k == CORE_TRANSFER_NOTIFICATION ? notification_line(&a, key, val, &line)
                                             : record_line(&a, k, val, &line);
        if (rc != 0) {
            if (bad != NULL)
                *bad = strndup(key.ptr, key.len);
            break;
        }
        rc = emit(ctx, k, &line);
        core_arena_dispose(&a); /* one line's memory at a time */
        core_arena_init(&a);
    }
    core_arena_dispose(&a);
    core_iter_free(it);
    return rc;
}

int core_transfer_export(core_store *s, core_transfer_emit_fn emit, void *ctx, char **bad)
{
    int rc = 0;
    for (int k = 0; k < CORE_TRANSFER_KIND_COUNT && rc == 0; k++)
        rc = export_kind(s, (core_transfer_kind)k, emit, ctx, bad);
    return rc;
}

/* ---- import: checks without the store ---- */

void core_transfer_line_init(core_transfer_line *l, core_arena *out, const core_value *line)
{
    memset(l, 0, sizeof(*l));
    l->line = line;
    l->out = out;
    l->kind = -1;
    l->record = core_value_null();
    l->missing = core_value_arr();
}

static int refuse(core_transfer_line *l, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int refuse(core_transfer_line *l, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char buf[512];
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    l->reason = core_arena_strndup(l->out, buf, strlen(buf));
    return code;
}

/* Every failing field as "field: reason; field: reason", in l->out. */
static int refuse_fields(core_transfer_line *l, const core_fields *f)
{
    size_t n = 0;
    for (size_t i = 0; i < f->obj.u.obj.len; i++)
        n += f->obj.u.obj.items[i].key.len + f->obj.u.obj.items[i].value.u.s.len + 4;
    char *s = core_arena_alloc(l->out, n + 1), *p = s;
    for (size_t i = 0; i < f->obj.u.obj.len; i++) {
        const core_member *m = &f->obj.u.obj.items[i];
        p += sprintf(p, "%s%s: %s", i ? "; " : "", m->key.ptr, m->value.u.s.ptr);
    }
    *p = '\0';
    l->reason = s;
    return CORE_EINVALID;
}

static const char *const notification_fields[] = {"id",         "kind", "text", "ref",
                                                  "created_at", "read", NULL};

/* A notification as core_notify stores it, for a well-formed user. */
static void check_notification(core_fields *f, const core_value *line, const core_value *rec)
{
    const char *user = core_value_get_str(line, "user");
    if (user == NULL || !core_id_valid(user))
        core_fields_add(f, "user", "must be the id of the user the notification is for");
    core_check_known(f, rec, notification_fields);
    const char *id = core_value_get_str(rec, "id");
    if (id == NULL || !core_id_valid(id))
        core_fields_add(f, "id", "must be a record id (26 characters)");
    core_check_string(f, rec, "kind", true, 1, 100);
    core_check_string(f, rec, "text", true, 1, NOTIFICATION_TEXT_MAX);
    core_check_string(f, rec, "ref", false, 1, 100);
    const core_value *at = core_value_get(rec, "created_at");
    if (at == NULL || at->type != CORE_INT || at->u.i < 0)
        core_fields_add(f, "created_at", "must be a time in Unix seconds");
    const core_value *read = core_value_get(rec, "read");
    if (read == NULL || read->type != CORE_BOOL)
        core_fields_add(f, "read", "must be true or false");
}

/* The line's own members, which depend on its kind. */
static int check_envelope(core_transfer_line *l)
{
    static const char *const known[] = {"kind", "version", "record", NULL};
    static const char *const known_notification[] = {"kind", "version", "user", "record", NULL};
    const core_value *line = l->line;
    for (size_t i = 0; i < line->u.obj.len; i++) {
        const core_member *m = &line->u.obj.items[i];
        bool ok = false;
        for (const char *const *k = l->kind == CORE_TRANSFER_NOTIFICATION ? known_notification
                                                                          : known;
             *k && !ok; k++)
            ok = strlen(*k) == m->key.len && memcmp(*k, m->key.ptr, m->key.len) == 0;
        if (!ok)
            return refuse(l, CORE_EINVALID, "unknown member \"%.64s\" in the line", m->key.ptr);
    }
    const core_value *rec = core_value_get(line, "record");
    if (rec == NULL || rec->type != CORE_OBJ)
        return refuse(l, CORE_EINVALID, "\"record\" must be an object");
    const char *id = core_value_get_str(rec, "id");
    if (id != NULL && core_id_valid(id))
        l->id = id;
    /* Only the current versions exist so far; when a record's schema changes, upgrading the
     * older versions belongs here, before the checks of the current one. */
    int64_t newest = l->kind == CORE_TRANSFER_NOTIFICATION ? CORE_TRANSFER_NOTIFICATION_VERSION
                                                           : CORE_RECORD_VERSION;
    const core_value *v = core_value_get(line, "version");
    if (v == NULL || v->type != CORE_INT)
        return refuse(l, CORE_EINVALID, "\"version\" must be a whole number");
    if (v->u.i < 1 || v->u.i > newest)
        return refuse(l, CORE_EINVALID,
                      "version %lld of %s records is not supported: this eccpd reads version %lld",
                      (long long)v->u.i, kind_names[l->kind], (long long)newest);
    return 0;
}

int core_transfer_check(core_transfer_line *l)
{
    const core_value *line = l->line;
    if (line == NULL || line->type != CORE_OBJ)
        return refuse(l, CORE_EINVALID,
                      "a line must be an object {\"kind\", \"version\", \"record\"}");
    const char *kind = core_value_get_str(line, "kind");
    if (kind == NULL)
        return refuse(l, CORE_EINVALID, "the line has no \"kind\"");
    l->kind = kind_parse(kind);
    if (l->kind < 0)
        return refuse(l, CORE_EINVALID,
                      "unknown kind \"%.64s\" (the kinds are user, profile, xchange_registration "
                      "and notification)",
                      kind);
    int rc = check_envelope(l);
    if (rc != 0)
        return rc;
    const core_value *rec = core_value_get(line, "record");
    core_fields f;
    core_fields_init(&f, l->out);
    switch ((core_transfer_kind)l->kind) {
    case CORE_TRANSFER_USER:
        core_user_validate_record(&f, rec);
        break;
    case CORE_TRANSFER_PROFILE:
        core_profile_validate_record(&f, rec);
        break;
    case CORE_TRANSFER_XCHANGE:
        core_xchange_validate_record(&f, l->out, rec);
        break;
    case CORE_TRANSFER_NOTIFICATION:
        check_notification(&f, line, rec);
        l->user = core_value_get_str(line, "user");
        break;
    default:
        return CORE_EINTERNAL;
    }
    if (core_fields_any(&f))
        return refuse_fields(l, &f);
    l->record = *rec;
    return 0;
}

/* ---- import: the write ---- */

static bool record_exists(core_txn *t, const char *kind, const char *id)
{
    return core_txn_exists(t, CORE_CF_RECORDS, core_record_key(core_txn_arena(t), kind, id));
}

static bool user_exists(core_txn *t, const char *id)
{
    return id != NULL && record_exists(t, "user", id);
}

/* Notes a profile the record names that is not in the store (yet), in l->missing. */
static void note_profile(core_txn *t, core_transfer_line *l, const char *id)
{
    if (record_exists(t, "profile", id))
        return;
    for (size_t i = 0; i < l->missing.u.arr.len; i++)
        if (strcmp(l->missing.u.arr.items[i].u.s.ptr, id) == 0)
            return;
    core_value_push(l->out, &l->missing, core_value_cstr(l->out, id));
}

static int import_user(core_txn *t, core_transfer_line *l, core_value *rec)
{
    if (record_exists(t, "user", l->id))
        return refuse(l, CORE_ECONFLICT, "a user with this id is in the store already");
    const char *taken = NULL;
    if (core_user_keys_add(t, rec, &taken) == CORE_ECONFLICT)
        return refuse(l, CORE_ECONFLICT,
                      "the %s \"%.254s\" belongs to another user already (compared "
                      "case-insensitively)",
                      taken, core_value_get_str(rec, taken));
    return core_record_put(t, "user", l->id, rec, "create");
}

static int import_profile(core_txn *t, core_transfer_line *l, core_value *rec)
{
    if (record_exists(t, "profile", l->id))
        return refuse(l, CORE_ECONFLICT, "a profile with this id is in the store already");
    const core_value *admins = core_value_get(rec, "admins");
    for (size_t i = 0; i < admins->u.arr.len; i++)
        if (!user_exists(t, admins->u.arr.items[i].u.s.ptr))
            return refuse(l, CORE_EINVALID,
                          "admin %s is not a user in the store (nor earlier in the file)",
                          admins->u.arr.items[i].u.s.ptr);
    const char *taken_by = NULL;
    if (core_profile_keys_add(t, rec, &taken_by) == CORE_ECONFLICT)
        return refuse(l, CORE_ECONFLICT,
                      "admin %s administers another cluster organisation already (a user "
                      "administers at most one)",
                      taken_by);
    static const char *const versions[] = {"draft", "published"};
    for (int w = 0; w < 2; w++) {
        const core_value *aff = core_value_get(core_value_get(rec, versions[w]), "affiliations");
        for (size_t i = 0; aff != NULL && aff->type == CORE_ARR && i < aff->u.arr.len; i++)
            note_profile(t, l, aff->u.arr.items[i].u.s.ptr);
    }
    return core_record_put(t, "profile", l->id, rec, "create");
}

static int import_registration(core_txn *t, core_transfer_line *l, core_value *rec)
{
    if (record_exists(t, CORE_XCHANGE_KIND, l->id))
        return refuse(l, CORE_ECONFLICT, "a registration with this id is in the store already");
    const char *author = core_value_get_str(rec, "created_by");
    if (!user_exists(t, author))
        return refuse(l, CORE_EINVALID, "created_by %s is not a user in the store", author);
    const core_value *d = core_value_get(rec, "decision");
    const char *by = d != NULL && d->type == CORE_OBJ ? core_value_get_str(d, "by") : NULL;
    if (by != NULL && !user_exists(t, by))
        return refuse(l, CORE_EINVALID, "decision.by %s is not a user in the store", by);
    const char *pid = core_value_get_str(rec, "profile_id");
    int rc = core_xchange_keys_add(t, rec);
    if (rc == CORE_ECONFLICT)
        return refuse(l, rc,
                      "profile %s has a visitor registration already that was not rejected (an "
                      "organisation visits once)",
                      pid);
    if (rc != 0)
        return rc;
    note_profile(t, l, pid);
    return core_record_put(t, CORE_XCHANGE_KIND, l->id, rec, "create");
}

static int import_notification(core_txn *t, core_transfer_line *l, core_value *rec)
{
    core_arena *a = core_txn_arena(t);
    if (!user_exists(t, l->user))
        return refuse(l, CORE_EINVALID, "user %s is not in the store", l->user);
    char *key = core_notify_key(a, l->user, l->id);
    core_slice k = {key, strlen(key)};
    if (core_txn_exists(t, CORE_CF_KEYS, k))
        return refuse(l, CORE_ECONFLICT, "a notification with this id is in the store already");
    char *buf;
    size_t len;
    if (core_value_to_msgpack(rec, &buf, &len) != 0)
        return CORE_EINTERNAL;
    core_txn_put(t, CORE_CF_KEYS, k, (core_slice){buf, len});
    free(buf);
    return 0;
}

int core_transfer_import_txn(core_txn *t, void *arg)
{
    core_transfer_line *l = arg;
    /* a copy in the write's arena: storing adds "v" and, for profiles, derives "keys" */
    core_value rec = core_value_copy(core_txn_arena(t), &l->record);
    l->missing = core_value_arr();
    switch ((core_transfer_kind)l->kind) {
    case CORE_TRANSFER_USER:
        return import_user(t, l, &rec);
    case CORE_TRANSFER_PROFILE:
        return import_profile(t, l, &rec);
    case CORE_TRANSFER_XCHANGE:
        return import_registration(t, l, &rec);
    case CORE_TRANSFER_NOTIFICATION:
        return import_notification(t, l, &rec);
    default:
        return CORE_EINTERNAL; /* core_transfer_check was not called */
    }
}
