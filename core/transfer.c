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
#include "core/attachment.h"
#include "core/check.h"
#include "core/error.h"
#include "core/id.h"
#include "core/notify.h"
#include "core/profile.h"
#include "core/record.h"
#include "core/sha256.h"
#include "core/xchange.h"
#include "core/event.h"
#include "core/exchange.h"
#include "core/image.h"
#include "core/news.h"
#include "core/partner.h"

#define NOTIF_PREFIX "notif/" /* the prefix of core_notify_key's keys */

enum { NOTIFICATION_TEXT_MAX = 20000 };

static const char *const kind_names[CORE_TRANSFER_KIND_COUNT] = {
    [CORE_TRANSFER_USER] = "user",
    [CORE_TRANSFER_PROFILE] = "profile",
    [CORE_TRANSFER_XCHANGE] = CORE_XCHANGE_KIND,
    [CORE_TRANSFER_NOTIFICATION] = "notification",
    [CORE_TRANSFER_RECORD] = "record",
    [CORE_TRANSFER_KEY] = "key",
    [CORE_TRANSFER_BYTES] = "bytes",
};

/* The newer record kinds, exported as they are (CORE_TRANSFER_RECORD), with the members
 * that must name a record already in the store (one written earlier in the file: records
 * come in store-key order, so an event before its participants, requests and schedule)
 * and those that name a profile, which need not resolve (deleting a profile leaves such
 * references on a live platform too: listed as warnings). `parent`: the record kind the
 * id's part before '.' names (a participant's id is "<event>.<profile>"), or the kind the
 * whole id names (a schedule has its event's id). */
static const struct newer_kind {
    const char *kind;
    const char *must[3];    /* "member=kind" */
    const char *profile[3]; /* members naming a profile */
    const char *parent;     /* see above */
    bool dotted;            /* the id is "<parent>.<id>" */
} newer_kinds[] = {
    {CORE_EVENT_KIND, {NULL}, {"profile_id"}, NULL, false},
    {CORE_EVENT_PARTICIPANT_KIND,
     {"event_id=" CORE_EVENT_KIND},
     {"profile_id"},
     CORE_EVENT_KIND,
     true},
    {CORE_EVENT_SCHEDULE_KIND, {NULL}, {NULL}, CORE_EVENT_KIND, false},
    {CORE_EVENT_REQUEST_KIND, {"event_id=" CORE_EVENT_KIND}, {NULL}, NULL, false},
    {CORE_NEWS_KIND, {NULL}, {"profile_id"}, NULL, false},
    {CORE_PARTNER_KIND, {NULL}, {"profile_id"}, NULL, false},
    {CORE_EXCHANGE_KIND,
     {"visitor=" CORE_XCHANGE_KIND, "host=" CORE_XCHANGE_KIND},
     {"visitor_profile_id", "host_profile_id"},
     NULL,
     false},
};
enum { NEWER_KINDS = sizeof(newer_kinds) / sizeof(newer_kinds[0]) };

/* The keys family, prefix by prefix. EXPORT rows travel as `key` lines: `form` is the
 * shape of the rest of the key, one letter a '/'-separated part (I an id of 26
 * characters, W a word of printable characters without '/'), `value` what the entry holds
 * (e nothing, t text, o an object, stored as MessagePack). DERIVED rows are rebuilt by
 * import from the records (core_*_keys_add), RUNNING rows are a running platform's state,
 * NOTIF is the notification kind. A prefix missing here fails the export. */
enum key_use { K_EXPORT, K_DERIVED, K_RUNNING, K_NOTIF };
static const struct key_kind {
    const char *prefix;
    enum key_use use;
    const char *form;
    char value;
} key_kinds[] = {
    /* attachments: metadata, which records use them, unreferenced ones since when */
    {"attfree/", K_EXPORT, "WI", 'e'},
    {"attmeta/", K_EXPORT, "I", 'o'},
    {"attref/", K_EXPORT, "IWW", 'e'},
    /* users */
    {"email/", K_DERIVED, NULL, 0},
    {"username/", K_DERIVED, NULL, 0},
    {"uerased/", K_EXPORT, "W", 't'}, /* names of erased accounts, reserved (since when) */
    {"session/", K_RUNNING, NULL, 0},
    {"usess/", K_RUNNING, NULL, 0},
    {"reset/", K_RUNNING, NULL, 0},
    {"ureset/", K_RUNNING, NULL, 0},
    {"fanjob/", K_RUNNING, NULL, 0}, /* notification fan-outs under way */
    {"notif/", K_NOTIF, NULL, 0},
    /* events: fixed slots (and their count per slot), one request per pair, indexes */
    {"evfix/", K_EXPORT, "IIW", 't'},
    {"evfixn/", K_EXPORT, "IW", 't'},
    {"evpair/", K_EXPORT, "III", 't'},
    {"evprofile/", K_EXPORT, "II", 'e'},
    {"evreq/", K_EXPORT, "II", 'e'},
    {"evtime/", K_EXPORT, "WI", 'e'},
    /* news, logos and photos */
    {"nwprofile/", K_EXPORT, "II", 'e'},
    {"pimage/", K_EXPORT, "IW", 'o'},
    /* profiles */
    {"padmin/", K_DERIVED, NULL, 0},
    {"pcluster/", K_DERIVED, NULL, 0},
    {"pdomain/", K_DERIVED, NULL, 0},
    {"pmember/", K_DERIVED, NULL, 0},
    {"pname/", K_DERIVED, NULL, 0},
    {"pqueue/", K_DERIVED, NULL, 0},
    /* partner searches: comments, follows, interests and their indexes */
    {"pscomment/", K_EXPORT, "II", 'o'},
    {"pscommented/", K_EXPORT, "III", 'e'},
    {"psdeadline/", K_EXPORT, "WI", 'e'},
    {"psfollow/", K_EXPORT, "II", 't'},
    {"psfollowing/", K_EXPORT, "II", 'e'},
    {"psinterest/", K_EXPORT, "II", 'o'},
    {"psinterested/", K_EXPORT, "III", 'e'},
    {"psprofile/", K_EXPORT, "II", 'e'},
    /* newsletters: unsubscribed (user, kind), each pair's token, each token's pair */
    {"unsub/", K_EXPORT, "W", 'o'},
    {"unsubbed/", K_EXPORT, "IW", 'e'},
    {"unsubtok/", K_EXPORT, "IW", 't'},
    /* ClusterXchange: conversations, messages, exchanges per registration, visits */
    {"xconv/", K_EXPORT, "II", 'o'},
    {"xexch/", K_EXPORT, "I", 't'},
    {"xmsg/", K_EXPORT, "WI", 'o'},
    {"xprofile/", K_DERIVED, NULL, 0},
    {"xvisitor/", K_DERIVED, NULL, 0},
    {"xvisits/", K_EXPORT, "I", 't'},
};
enum { KEY_KINDS = sizeof(key_kinds) / sizeof(key_kinds[0]), KEY_MAX = 512, TEXT_MAX = 65536 };

static const struct key_kind *key_kind_of(const char *key, size_t len)
{
    for (size_t i = 0; i < KEY_KINDS; i++) {
        size_t n = strlen(key_kinds[i].prefix);
        if (len >= n && memcmp(key, key_kinds[i].prefix, n) == 0)
            return &key_kinds[i];
    }
    return NULL;
}

static const struct newer_kind *newer_kind_of(const char *kind, size_t len)
{
    for (size_t i = 0; i < NEWER_KINDS; i++)
        if (strlen(newer_kinds[i].kind) == len && memcmp(newer_kinds[i].kind, kind, len) == 0)
            return &newer_kinds[i];
    return NULL;
}

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
    if (newer_kind_of(s, strlen(s)) != NULL)
        return CORE_TRANSFER_RECORD;
    for (int k = 0; k < CORE_TRANSFER_KIND_COUNT; k++)
        if (k != CORE_TRANSFER_RECORD && strcmp(s, kind_names[k]) == 0)
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

static const char b64_digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Standard base64 with padding, NUL-terminated, in a. */
static char *b64_encode(core_arena *a, const unsigned char *p, size_t n, size_t *outlen)
{
    char *out = core_arena_alloc(a, (n + 2) / 3 * 4 + 1), *o = out;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
                     (i + 2 < n ? p[i + 2] : 0);
        *o++ = b64_digits[v >> 18 & 63];
        *o++ = b64_digits[v >> 12 & 63];
        *o++ = i + 1 < n ? b64_digits[v >> 6 & 63] : '=';
        *o++ = i + 2 < n ? b64_digits[v & 63] : '=';
    }
    *o = '\0';
    *outlen = (size_t)(o - out);
    return out;
}

/* Decodes standard base64 (padding required, nothing else allowed) into a; -1 if malformed. */
static int b64_decode(core_arena *a, const char *s, size_t n, core_slice *out)
{
    if (n % 4 != 0)
        return -1;
    unsigned char *o = core_arena_alloc(a, n / 4 * 3 + 1);
    size_t len = 0;
    for (size_t i = 0; i < n; i += 4) {
        uint32_t v = 0;
        int pad = 0;
        for (int j = 0; j < 4; j++) {
            char c = s[i + j];
            const char *d = c != '\0' ? strchr(b64_digits, c) : NULL;
            if (c == '=' && i + 4 == n && j >= 2 && (j == 3 || s[i + 3] == '=')) {
                pad++;
                v <<= 6;
                continue;
            }
            if (d == NULL || pad > 0)
                return -1;
            v = v << 6 | (uint32_t)(d - b64_digits);
        }
        o[len++] = (unsigned char)(v >> 16);
        if (pad < 2)
            o[len++] = (unsigned char)(v >> 8);
        if (pad < 1)
            o[len++] = (unsigned char)v;
    }
    *out = (core_slice){(const char *)o, len};
    return 0;
}

/* Walks a whole family in key order, calling one_line for each entry with a fresh arena;
 * one_line sets *line->type to CORE_NULL to skip an entry. */
typedef int (*entry_fn)(core_arena *a, core_slice key, core_slice val, core_transfer_kind *k,
                        core_value *line);

static int export_family(core_store *s, core_cf cf, entry_fn one_line, core_transfer_emit_fn emit,
                         void *ctx, char **bad)
{
    core_iter *it = core_store_iter_prefix(s, cf, (core_slice){"", 0});
    core_arena a;
    core_arena_init(&a);
    core_slice key, val;
    int rc = 0;
    while (rc == 0 && core_iter_next(it, &key, &val)) {
        core_value line = core_value_null();
        core_transfer_kind k = CORE_TRANSFER_KEY;
        rc = one_line(&a, key, val, &k, &line);
        if (rc != 0) {
            if (bad != NULL)
                *bad = strndup(key.ptr, key.len);
            break;
        }
        if (line.type != CORE_NULL)
            rc = emit(ctx, k, &line);
        core_arena_dispose(&a);
        core_arena_init(&a);
    }
    core_arena_dispose(&a);
    core_iter_free(it);
    return rc;
}

/* v without its member `drop`, the rest in stored order (a shallow copy, in a). */
static core_value without(core_arena *a, const core_value *v, const char *drop)
{
    core_value c = core_value_obj();
    for (size_t i = 0; i < v->u.obj.len; i++) {
        const core_member *m = &v->u.obj.items[i];
        if (m->key.len != strlen(drop) || memcmp(m->key.ptr, drop, m->key.len) != 0)
            core_value_set(a, &c, m->key.ptr, m->value);
    }
    return c;
}

/* A record of a newer kind; users, profiles and registrations went out before. Its members
 * keep their stored order, as do a key's objects: the modules' API answers show records in
 * that order, so an imported server answers byte for byte as the original (and the order
 * is the store's, so exports stay deterministic). */
static int newer_record_line(core_arena *a, core_slice key, core_slice val, core_transfer_kind *k,
                             core_value *line)
{
    const char *slash = memchr(key.ptr, '/', key.len);
    if (slash == NULL)
        return CORE_EINTERNAL;
    size_t klen = (size_t)(slash - key.ptr);
    static const char *const older[] = {"user", "profile", CORE_XCHANGE_KIND};
    for (size_t i = 0; i < 3; i++)
        if (strlen(older[i]) == klen && memcmp(older[i], key.ptr, klen) == 0)
            return 0;
    const struct newer_kind *nk = newer_kind_of(key.ptr, klen);
    core_value rec;
    if (nk == NULL || core_record_decode(a, val, &rec) != 0)
        return CORE_EINTERNAL;
    *k = CORE_TRANSFER_RECORD;
    *line = core_value_obj();
    core_value_set(a, line, "kind", core_value_str_ref(nk->kind, strlen(nk->kind)));
    core_value_set(a, line, "version", core_value_int(core_value_get(&rec, "v")->u.i));
    core_value_set(a, line, "id", core_value_str(a, slash + 1, key.len - klen - 1));
    core_value_set(a, line, "record", without(a, &rec, "v"));
    return 0;
}

static int key_line(core_arena *a, core_slice key, core_slice val, core_transfer_kind *k,
                    core_value *line)
{
    const struct key_kind *kk = key_kind_of(key.ptr, key.len);
    if (kk == NULL)
        return CORE_EINTERNAL; /* a prefix transfer.c does not know: add its row */
    if (kk->use != K_EXPORT)
        return 0;
    core_value v;
    const char *why;
    if (kk->value == 'o') {
        if (core_value_from_msgpack(a, val.ptr, val.len, &v, &why) != 0 || v.type != CORE_OBJ)
            return CORE_EINTERNAL;
    } else {
        v = core_value_str(a, val.ptr, val.len);
    }
    *k = CORE_TRANSFER_KEY;
    *line = core_value_obj();
    core_value_set(a, line, "kind", core_value_str_ref("key", 3));
    core_value_set(a, line, "version", core_value_int(CORE_TRANSFER_KEY_VERSION));
    core_value_set(a, line, "key", core_value_str(a, key.ptr, key.len));
    core_value_set(a, line, "value", v);
    return 0;
}

static int bytes_line(core_arena *a, core_slice key, core_slice val, core_transfer_kind *k,
                      core_value *line)
{
    char hex[65];
    core_sha256_hex(val.ptr, val.len, hex);
    size_t n;
    char *b64 = b64_encode(a, (const unsigned char *)val.ptr, val.len, &n);
    *k = CORE_TRANSFER_BYTES;
    *line = core_value_obj();
    core_value_set(a, line, "kind", core_value_str_ref("bytes", 5));
    core_value_set(a, line, "version", core_value_int(CORE_TRANSFER_KEY_VERSION));
    core_value_set(a, line, "key", core_value_str(a, key.ptr, key.len));
    core_value_set(a, line, "sha256", core_value_str(a, hex, 64));
    core_value_set(a, line, "base64", core_value_str_ref(b64, n));
    return 0;
}

int core_transfer_export(core_store *s, core_transfer_emit_fn emit, void *ctx, char **bad)
{
    int rc = 0;
    for (int k = 0; k <= CORE_TRANSFER_NOTIFICATION && rc == 0; k++)
        rc = export_kind(s, (core_transfer_kind)k, emit, ctx, bad);
    if (rc == 0)
        rc = export_family(s, CORE_CF_RECORDS, newer_record_line, emit, ctx, bad);
    if (rc == 0)
        rc = export_family(s, CORE_CF_KEYS, key_line, emit, ctx, bad);
    if (rc == 0)
        rc = export_family(s, CORE_CF_ATTACHMENTS, bytes_line, emit, ctx, bad);
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
    static const char *const known_record[] = {"kind", "version", "id", "record", NULL};
    static const char *const known_key[] = {"kind", "version", "key", "value", NULL};
    static const char *const known_bytes[] = {"kind", "version", "key", "sha256", "base64", NULL};
    const char *const *allowed = l->kind == CORE_TRANSFER_NOTIFICATION ? known_notification
                                 : l->kind == CORE_TRANSFER_RECORD     ? known_record
                                 : l->kind == CORE_TRANSFER_KEY        ? known_key
                                 : l->kind == CORE_TRANSFER_BYTES      ? known_bytes
                                                                       : known;
    const core_value *line = l->line;
    for (size_t i = 0; i < line->u.obj.len; i++) {
        const core_member *m = &line->u.obj.items[i];
        bool ok = false;
        for (const char *const *k = allowed; *k && !ok; k++)
            ok = strlen(*k) == m->key.len && memcmp(*k, m->key.ptr, m->key.len) == 0;
        if (!ok)
            return refuse(l, CORE_EINVALID, "unknown member \"%.64s\" in the line", m->key.ptr);
    }
    if (l->kind == CORE_TRANSFER_KEY || l->kind == CORE_TRANSFER_BYTES) {
        const core_value *v = core_value_get(line, "version");
        if (v == NULL || v->type != CORE_INT)
            return refuse(l, CORE_EINVALID, "\"version\" must be a whole number");
        if (v->u.i != CORE_TRANSFER_KEY_VERSION)
            return refuse(l, CORE_EINVALID,
                          "version %lld of %s lines is not supported: this eccpd reads version %d",
                          (long long)v->u.i, kind_names[l->kind], CORE_TRANSFER_KEY_VERSION);
        return 0;
    }
    const core_value *rec = core_value_get(line, "record");
    if (rec == NULL || rec->type != CORE_OBJ)
        return refuse(l, CORE_EINVALID, "\"record\" must be an object");
    const char *id = core_value_get_str(rec, "id");
    if (l->kind == CORE_TRANSFER_RECORD) {
        /* the store id, named on the line; the record's own "id", when it has one, agrees */
        const char *kind = core_value_get_str(line, "kind");
        id = core_value_get_str(line, "id");
        const struct newer_kind *nk = newer_kind_of(kind, strlen(kind));
        l->rkind = nk->kind;
        const char *dot = id != NULL ? strchr(id, '.') : NULL;
        bool ok = id != NULL &&
                  (nk->dotted ? dot != NULL && (size_t)(dot - id) == CORE_ID_LEN &&
                                    core_id_valid(dot + 1) &&
                                    core_id_valid(core_arena_strndup(l->out, id, CORE_ID_LEN))
                              : core_id_valid(id));
        if (!ok)
            return refuse(l, CORE_EINVALID,
                          nk->dotted ? "\"id\" must be \"<event id>.<profile id>\""
                                     : "\"id\" must be a record id (26 characters)");
        const char *own = core_value_get_str(rec, "id");
        if (core_value_get(rec, "id") != NULL && (own == NULL || strcmp(own, id) != 0))
            return refuse(l, CORE_EINVALID, "the record's \"id\" differs from the line's");
        l->rkind = nk->kind;
        l->id = core_arena_printf(l->out, "%s/%s", nk->kind, id);
    } else if (id != NULL && core_id_valid(id)) {
        l->id = id;
    }
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
                      (long long)v->u.i,
                      l->kind == CORE_TRANSFER_RECORD ? l->rkind : kind_names[l->kind],
                      (long long)newest);
    return 0;
}

/* A record of a newer kind: the members naming other records are ids. Its modules keep
 * no validator of a stored record (their checks run on request bodies), so the rest is
 * taken as exported. */
static void check_newer(core_fields *f, core_arena *a, const core_value *rec,
                        const struct newer_kind *nk)
{
    for (int i = 0; i < 3 && nk->must[i] != NULL; i++) {
        const char *eq = strchr(nk->must[i], '=');
        char *member = core_arena_strndup(a, nk->must[i], (size_t)(eq - nk->must[i]));
        const char *ref = core_value_get_str(rec, member);
        if (ref == NULL || !core_id_valid(ref))
            core_fields_add(f, member, "must be a record id (26 characters)");
    }
    for (int i = 0; i < 3 && nk->profile[i] != NULL; i++) {
        const core_value *ref = core_value_get(rec, nk->profile[i]);
        if (ref != NULL && ref->type != CORE_NULL &&
            (ref->type != CORE_STR || !core_id_valid(ref->u.s.ptr)))
            core_fields_add(f, nk->profile[i], "must be a profile id (26 characters) or null");
    }
}

/* A key's rest against its row's form: I an id, W a word of printable characters. */
static bool key_form_ok(const char *rest, const char *form)
{
    for (const char *f = form; *f; f++) {
        const char *end = strchr(rest, '/');
        size_t n = end != NULL ? (size_t)(end - rest) : strlen(rest);
        if ((end != NULL) != (f[1] != '\0') || n == 0)
            return false;
        if (*f == 'I' && n != CORE_ID_LEN)
            return false;
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)rest[i] <= ' ' || (unsigned char)rest[i] >= 0x7f ||
                (*f == 'I' &&
                 !((rest[i] >= '0' && rest[i] <= '9') || (rest[i] >= 'A' && rest[i] <= 'Z'))))
                return false;
        rest += n + (end != NULL);
    }
    return true;
}

static int check_key(core_transfer_line *l)
{
    const char *key = core_value_get_str(l->line, "key");
    if (key == NULL || strlen(key) > KEY_MAX)
        return refuse(l, CORE_EINVALID, "\"key\" must be a string of at most %d bytes", KEY_MAX);
    l->id = key;
    l->rkind = key;
    const struct key_kind *kk = key_kind_of(key, strlen(key));
    if (kk == NULL || kk->use != K_EXPORT)
        return refuse(l, CORE_EINVALID,
                      kk == NULL ? "\"key\" has no prefix an export writes"
                                 : "\"key\" names a key import derives or a running server's "
                                   "state, never exported");
    if (!key_form_ok(key + strlen(kk->prefix), kk->form))
        return refuse(l, CORE_EINVALID, "\"key\" is not of the form of %s keys", kk->prefix);
    const core_value *v = core_value_get(l->line, "value");
    if (v == NULL)
        return refuse(l, CORE_EINVALID, "the line has no \"value\"");
    if (kk->value == 'o') {
        if (v->type != CORE_OBJ)
            return refuse(l, CORE_EINVALID, "\"value\" of a %s key must be an object", kk->prefix);
        char *buf;
        size_t len;
        if (core_value_to_msgpack(v, &buf, &len) != 0)
            return CORE_EINTERNAL;
        l->bytes.ptr = core_arena_strndup(l->out, buf, len);
        l->bytes.len = len;
        free(buf);
        return 0;
    }
    if (v->type != CORE_STR || (kk->value == 'e' && v->u.s.len != 0) || v->u.s.len > TEXT_MAX)
        return refuse(l, CORE_EINVALID,
                      kk->value == 'e' ? "\"value\" of a %s key must be \"\""
                                       : "\"value\" of a %s key must be a string",
                      kk->prefix);
    l->bytes = v->u.s;
    return 0;
}

/* The keys of the attachments family: an attachment's piece "<id>/<4 digits>", an
 * attachment stored whole "<id>" (before pieces), an image "pimage/<profile>/<slot>". */
static bool bytes_key_ok(const char *key, size_t *max)
{
    size_t n = strlen(key);
    if (strncmp(key, "pimage/", 7) == 0) {
        *max = CORE_IMAGE_MAX;
        return key_form_ok(key + 7, "IW");
    }
    *max = n == CORE_ID_LEN ? (size_t)CORE_ATTACHMENT_MAX : (size_t)CORE_ATTACHMENT_CHUNK;
    if (n == CORE_ID_LEN)
        return key_form_ok(key, "I");
    if (n != CORE_ID_LEN + 5 || key[CORE_ID_LEN] != '/' || !key_form_ok(key, "IW"))
        return false;
    for (size_t i = CORE_ID_LEN + 1; i < n; i++)
        if (key[i] < '0' || key[i] > '9')
            return false;
    return true;
}

static int check_bytes(core_transfer_line *l)
{
    const char *key = core_value_get_str(l->line, "key");
    size_t max = 0;
    if (key == NULL || !bytes_key_ok(key, &max))
        return refuse(l, CORE_EINVALID,
                      "\"key\" must be an attachment's piece (<id>/<4 digits>), an attachment "
                      "(<id>) or an image (pimage/<profile id>/<slot>)");
    l->id = key;
    l->rkind = key;
    const char *hex = core_value_get_str(l->line, "sha256");
    const core_value *b = core_value_get(l->line, "base64");
    if (hex == NULL || strlen(hex) != 64)
        return refuse(l, CORE_EINVALID, "\"sha256\" must be 64 hexadecimal digits");
    if (b == NULL || b->type != CORE_STR || b64_decode(l->out, b->u.s.ptr, b->u.s.len, &l->bytes))
        return refuse(l, CORE_EINVALID, "\"base64\" must be the bytes in standard base64");
    if (l->bytes.len > max)
        return refuse(l, CORE_EINVALID, "%zu bytes, more than such a key holds (%zu)", l->bytes.len,
                      max);
    char got[65];
    core_sha256_hex(l->bytes.ptr, l->bytes.len, got);
    if (strcmp(got, hex) != 0)
        return refuse(l, CORE_EINVALID, "the bytes' SHA-256 is %s, not the line's \"sha256\"", got);
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
                      "unknown kind \"%.64s\" (the kinds are user, profile, xchange_registration, "
                      "notification, event, event_participant, event_schedule, meeting_request, "
                      "news, partner_search, xchange_exchange, key and bytes)",
                      kind);
    int rc = check_envelope(l);
    if (rc != 0)
        return rc;
    if (l->kind == CORE_TRANSFER_KEY)
        return check_key(l);
    if (l->kind == CORE_TRANSFER_BYTES)
        return check_bytes(l);
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
    case CORE_TRANSFER_RECORD:
        check_newer(&f, l->out, rec, newer_kind_of(l->rkind, strlen(l->rkind)));
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

static int import_newer(core_txn *t, core_transfer_line *l, core_value *rec)
{
    const struct newer_kind *nk = newer_kind_of(l->rkind, strlen(l->rkind));
    const char *id = l->id + strlen(nk->kind) + 1;
    core_arena *a = core_txn_arena(t);
    if (record_exists(t, nk->kind, id))
        return refuse(l, CORE_ECONFLICT, "a record with this id is in the store already");
    if (nk->parent != NULL) {
        const char *parent = nk->dotted ? core_arena_strndup(a, id, CORE_ID_LEN) : id;
        if (!record_exists(t, nk->parent, parent))
            return refuse(l, CORE_EINVALID, "%s %s is not in the store (nor earlier in the file)",
                          nk->parent, parent);
    }
    for (int i = 0; i < 3 && nk->must[i] != NULL; i++) {
        const char *eq = strchr(nk->must[i], '=');
        char *member = core_arena_strndup(a, nk->must[i], (size_t)(eq - nk->must[i]));
        const char *ref = core_value_get_str(rec, member);
        if (!record_exists(t, eq + 1, ref))
            return refuse(l, CORE_EINVALID,
                          "%s %s names no %s in the store (nor earlier in the file)", member, ref,
                          eq + 1);
    }
    for (int i = 0; i < 3 && nk->profile[i] != NULL; i++) {
        const char *pid = core_value_get_str(rec, nk->profile[i]);
        if (pid != NULL)
            note_profile(t, l, pid);
    }
    return core_record_put(t, nk->kind, id, rec, "create");
}

/* A key or bytes line: the key must be free; bytes belong to an attachment or image whose
 * metadata (a key line earlier in the file) is in the store. */
static int import_entry(core_txn *t, core_transfer_line *l, core_cf cf)
{
    core_slice k = {l->id, strlen(l->id)};
    if (core_txn_exists(t, cf, k))
        return refuse(l, CORE_ECONFLICT, "this key is in the store already");
    if (cf == CORE_CF_ATTACHMENTS) {
        core_arena *a = core_txn_arena(t);
        char *meta = strncmp(l->id, "pimage/", 7) == 0
                         ? core_arena_strndup(a, l->id, strlen(l->id))
                         : core_arena_printf(a, "attmeta/%.*s", CORE_ID_LEN, l->id);
        if (!core_txn_exists(t, CORE_CF_KEYS, (core_slice){meta, strlen(meta)}))
            return refuse(l, CORE_EINVALID,
                          "bytes of an attachment or image whose metadata (key %s) is not in "
                          "the store (nor earlier in the file)",
                          meta);
    }
    core_txn_put(t, cf, k, l->bytes);
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
    case CORE_TRANSFER_RECORD:
        return import_newer(t, l, &rec);
    case CORE_TRANSFER_KEY:
        return import_entry(t, l, CORE_CF_KEYS);
    case CORE_TRANSFER_BYTES:
        return import_entry(t, l, CORE_CF_ATTACHMENTS);
    default:
        return CORE_EINTERNAL; /* core_transfer_check was not called */
    }
}
