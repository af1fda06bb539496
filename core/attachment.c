/* attachment.c: see attachment.h. */
#include "core/attachment.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/fault.h"
#include "core/id.h"
#include "core/text.h"

static char *meta_key(core_arena *a, const char *id)
{
    return core_arena_printf(a, "attmeta/%s", id);
}

/* The key of piece i of an attachment's bytes (attachments family). */
static char *piece_key(core_arena *a, const char *id, size_t i)
{
    return core_arena_printf(a, "%s/%04zu", id, i);
}

static char *ref_key(core_arena *a, const char *id, const char *kind, const char *ref_id)
{
    return core_arena_printf(a, "attref/%s/%s/%s", id, kind, ref_id);
}

/* The public part of stored metadata. */
static int public_meta(core_arena *a, core_slice bytes, core_value *meta)
{
    core_value m;
    const char *why;
    if (core_value_from_msgpack(a, bytes.ptr, bytes.len, &m, &why) != 0)
        return CORE_EINTERNAL;
    *meta = core_value_obj();
    static const char *const keep[] = {"id", "filename", "content_type", "size"};
    for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
        const core_value *v = core_value_get(&m, keep[i]);
        core_value_set(a, meta, keep[i], v != NULL ? *v : core_value_null());
    }
    return 0;
}

int core_attachment_meta_txn(core_txn *t, const char *id, core_arena *a, core_value *meta)
{
    if (id == NULL || !core_id_valid(id))
        return CORE_ENOTFOUND;
    char *k = meta_key(a, id);
    core_slice v;
    int rc = core_txn_get(t, CORE_CF_KEYS, (core_slice){k, strlen(k)}, a, &v);
    return rc != 0 ? rc : public_meta(a, v, meta);
}

int core_attachment_meta(core_store *s, const char *id, core_arena *a, core_value *meta)
{
    if (id == NULL || !core_id_valid(id))
        return CORE_ENOTFOUND;
    char *k = meta_key(a, id);
    core_slice v;
    int rc = core_store_get(s, CORE_CF_KEYS, (core_slice){k, strlen(k)}, a, &v);
    return rc != 0 ? rc : public_meta(a, v, meta);
}

static char *free_key(core_arena *a, int64_t since, const char *id)
{
    return core_arena_printf(a, "attfree/%020lld/%s", (long long)since, id);
}

static void put_key(core_txn *t, const char *k, core_slice v)
{
    core_txn_put(t, CORE_CF_KEYS, (core_slice){k, strlen(k)}, v);
}

static void del_key(core_txn *t, const char *k)
{
    core_txn_delete(t, CORE_CF_KEYS, (core_slice){k, strlen(k)});
}

/* Whether any record references the attachment, as the write sees it. */
static bool referenced(core_txn *t, const char *id)
{
    char *prefix = core_arena_printf(core_txn_arena(t), "attref/%s/", id);
    core_iter *it = core_txn_iter_prefix(t, CORE_CF_KEYS, (core_slice){prefix, strlen(prefix)});
    core_slice k, v;
    bool any = core_iter_next(it, &k, &v);
    core_iter_free(it);
    return any;
}

void core_attachment_ref(core_txn *t, const char *id, const char *kind, const char *ref_id)
{
    put_key(t, ref_key(core_txn_arena(t), id, kind, ref_id), (core_slice){"", 0});
}

void core_attachment_unref(core_txn *t, const char *id, const char *kind, const char *ref_id)
{
    core_arena *a = core_txn_arena(t);
    del_key(t, ref_key(a, id, kind, ref_id));
    if (!referenced(t, id)) /* kept for a day, then swept */
        put_key(t, free_key(a, core_txn_now(t), id), (core_slice){"", 0});
}

/* ---- content types ---- */

static uint16_t le16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static bool contains(const char *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(hay + i, needle, n) == 0)
            return true;
    return false;
}

const char *core_attachment_sniff(const char *bytes, size_t len, const char **ext)
{
    const unsigned char *b = (const unsigned char *)bytes;
    const char *type = NULL, *e = NULL;
    if (len >= 5 && memcmp(b, "%PDF-", 5) == 0) {
        type = "application/pdf", e = "pdf";
    } else if (len >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0) {
        type = "image/png", e = "png";
    } else if (len >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) {
        type = "image/jpeg", e = "jpg";
    } else if (len >= 30 && memcmp(b, "PK\x03\x04", 4) == 0) {
        /* a zip's local file header: name length at 26, extra length at 28, name at 30 */
        size_t nlen = le16(b + 26), xlen = le16(b + 28);
        if (30 + nlen + xlen <= len) {
            const char *name = bytes + 30, *data = bytes + 30 + nlen + xlen;
            size_t left = len - 30 - nlen - xlen;
            static const char odt[] = "application/vnd.oasis.opendocument.text";
            if (nlen == 8 && memcmp(name, "mimetype", 8) == 0 && le16(b + 8) == 0 /* stored */
                && left >= sizeof(odt) - 1 && memcmp(data, odt, sizeof(odt) - 1) == 0 &&
                (left == sizeof(odt) - 1 || data[sizeof(odt) - 1] != '-')) {
                type = odt, e = "odt";
            } else if (nlen == 19 && memcmp(name, "[Content_Types].xml", 19) == 0 &&
                       contains(bytes, len, "word/document.xml")) {
                type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
                e = "docx";
            }
        }
    }
    if (ext != NULL)
        *ext = e;
    return type;
}

/* ---- filenames ---- */

/* Keeps a filename's letters, digits and a few marks (any script), at most
 * CORE_ATTACHMENT_FILENAME_MAX characters; no path, no controls, quotes or separators. */
static char *clean_filename(core_arena *a, const char *name, const char *ext)
{
    if (name == NULL)
        name = "";
    const char *slash = strrchr(name, '/'), *bslash = strrchr(name, '\\');
    if (slash != NULL)
        name = slash + 1;
    if (bslash != NULL && bslash + 1 > name)
        name = bslash + 1;
    size_t len = strlen(name);
    char *out = core_arena_alloc(a, len + 16);
    size_t o = 0, chars = 0;
    for (size_t i = 0; i < len && chars < CORE_ATTACHMENT_FILENAME_MAX;) {
        uint32_t cp;
        size_t n = core_utf8_next(name + i, len - i, &cp);
        if (n == 0) { /* invalid UTF-8: skip the byte */
            i++;
            continue;
        }
        bool ok = cp >= 0x80 ? cp != 0x2028 && cp != 0x2029 && !(cp >= 0x80 && cp < 0xA0)
                             : (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') ||
                                   (cp >= 'A' && cp <= 'Z') || strchr(" ._-()+,", (int)cp);
        if (ok && !(o == 0 && (cp == '.' || cp == ' '))) {
            memcpy(out + o, name + i, n);
            o += n;
            chars++;
        }
        i += n;
    }
    out[o] = '\0';
    if (o == 0)
        return core_arena_printf(a, "attachment.%s", ext ? ext : "bin");
    return out;
}

char *core_attachment_disposition(core_arena *a, const char *filename)
{
    size_t len = filename ? strlen(filename) : 0;
    char *ascii = core_arena_alloc(a, len + 1);
    char *pct = core_arena_alloc(a, len * 3 + 1);
    size_t o = 0, p = 0;
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)filename[i];
        bool plain = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                     c == '.' || c == '-' || c == '_';
        ascii[o++] = plain || c == ' ' ? (char)c : '_';
        if (plain) {
            pct[p++] = (char)c;
        } else {
            pct[p++] = '%';
            pct[p++] = hex[c >> 4];
            pct[p++] = hex[c & 15];
        }
    }
    ascii[o] = '\0';
    pct[p] = '\0';
    return core_arena_printf(a, "attachment; filename=\"%s\"; filename*=UTF-8''%s",
                             o ? ascii : "attachment", p ? pct : "attachment");
}

/* ---- create, read, sweep ---- */

int core_attachment_create_txn(core_txn *t, void *arg)
{
    core_attachment_new *n = arg;
    core_arena *a = core_txn_arena(t);
    if (n->bytes.len > CORE_ATTACHMENT_MAX)
        return CORE_ETOOLARGE;
    if (n->type == NULL)
        return CORE_EINVALID;
    if (core_fault("attachment.write"))
        return CORE_EIO;
    char id[CORE_ID_LEN + 1];
    core_id_new(id);
    int64_t now = core_txn_now(t);
    core_value m = core_value_obj();
    core_value_set(a, &m, "id", core_value_cstr(a, id));
    core_value_set(a, &m, "filename", core_value_cstr(a, clean_filename(a, n->filename, n->ext)));
    core_value_set(a, &m, "content_type", core_value_cstr(a, n->type));
    core_value_set(a, &m, "size", core_value_int((int64_t)n->bytes.len));
    core_value_set(a, &m, "created_by",
                   n->user_id ? core_value_cstr(a, n->user_id) : core_value_null());
    core_value_set(a, &m, "created_at", core_value_int(now));
    char *buf;
    size_t len;
    if (core_value_to_msgpack(&m, &buf, &len) != 0)
        core_oom();
    put_key(t, meta_key(a, id), (core_slice){buf, len});
    for (size_t off = 0, i = 0; off < n->bytes.len; off += CORE_ATTACHMENT_CHUNK, i++) {
        char *k = piece_key(a, id, i);
        size_t len =
            n->bytes.len - off < CORE_ATTACHMENT_CHUNK ? n->bytes.len - off : CORE_ATTACHMENT_CHUNK;
        core_txn_put(t, CORE_CF_ATTACHMENTS, (core_slice){k, strlen(k)},
                     (core_slice){n->bytes.ptr + off, len});
    }
    put_key(t, free_key(a, now, id), (core_slice){"", 0});
    int rc = public_meta(n->out, (core_slice){buf, len}, &n->meta);
    free(buf);
    return rc;
}

long core_attachment_pread(core_store *s, const char *id, size_t offset, char *buf, size_t want)
{
    core_arena a;
    core_arena_init(&a);
    size_t i = offset / CORE_ATTACHMENT_CHUNK, at = offset % CORE_ATTACHMENT_CHUNK;
    char *k = piece_key(&a, id, i);
    core_slice v;
    int rc = core_store_get(s, CORE_CF_ATTACHMENTS, (core_slice){k, strlen(k)}, &a, &v);
    if (rc == CORE_ENOTFOUND) { /* stored whole, before pieces (or past the end) */
        rc = core_store_get(s, CORE_CF_ATTACHMENTS, (core_slice){id, CORE_ID_LEN}, &a, &v);
        at = offset;
        if (rc == CORE_ENOTFOUND && i > 0) /* past the last piece */
            rc = 0, v = (core_slice){NULL, 0};
    }
    long got = rc;
    if (rc == 0) {
        size_t n = at < v.len ? v.len - at : 0;
        n = n < want ? n : want;
        if (n > 0)
            memcpy(buf, v.ptr + at, n);
        got = (long)n;
    }
    core_arena_dispose(&a);
    return got;
}

int core_attachment_read(core_store *s, const char *id, core_arena *a, core_value *meta,
                         core_slice *bytes)
{
    int rc = core_attachment_meta(s, id, a, meta);
    if (rc != 0)
        return rc;
    const core_value *sz = core_value_get(meta, "size");
    size_t size = sz != NULL && sz->type == CORE_INT && sz->u.i > 0 ? (size_t)sz->u.i : 0;
    char *buf = core_arena_alloc(a, size + 1);
    size_t off = 0;
    while (off < size) {
        long got = core_attachment_pread(s, id, off, buf + off, size - off);
        if (got < 0)
            return (int)got;
        if (got == 0)
            return CORE_EINTERNAL; /* shorter than its metadata says */
        off += (size_t)got;
    }
    *bytes = (core_slice){buf, size};
    return 0;
}

int core_attachment_sweep_txn(core_txn *t, void *arg)
{
    size_t *removed = arg;
    core_arena *a = core_txn_arena(t);
    int64_t cutoff = core_txn_now(t) + core_fault_clock_skew() - CORE_ATTACHMENT_TTL;
    char *until = core_arena_printf(a, "attfree/%020lld/", (long long)cutoff);
    static const char prefix[] = "attfree/";
    core_iter *it = core_txn_iter_prefix(t, CORE_CF_KEYS, CORE_SLICE_LIT(prefix));
    core_slice k, v;
    char *keys[CORE_ATTACHMENT_SWEEP_BATCH];
    size_t n = 0;
    size_t plen = sizeof(prefix) - 1, klen = plen + 20 + 1 + CORE_ID_LEN;
    while (n < CORE_ATTACHMENT_SWEEP_BATCH && core_iter_next(it, &k, &v)) {
        if (k.len != klen)
            continue;
        if (memcmp(k.ptr, until, plen + 20) >= 0)
            break;
        keys[n++] = core_arena_strndup(a, k.ptr, k.len);
    }
    core_iter_free(it);
    for (size_t i = 0; i < n; i++) {
        const char *id = keys[i] + plen + 21;
        del_key(t, keys[i]);
        if (referenced(t, id))
            continue;
        char *mk = meta_key(a, id);
        core_slice mv;
        core_value m;
        const char *why;
        int64_t size = CORE_ATTACHMENT_MAX; /* unreadable metadata: every possible piece */
        if (core_txn_get(t, CORE_CF_KEYS, (core_slice){mk, strlen(mk)}, a, &mv) == 0 &&
            core_value_from_msgpack(a, mv.ptr, mv.len, &m, &why) == 0) {
            const core_value *sz = core_value_get(&m, "size");
            if (sz != NULL && sz->type == CORE_INT)
                size = sz->u.i;
        }
        del_key(t, mk);
        for (int64_t off = 0, p = 0; off < size; off += CORE_ATTACHMENT_CHUNK, p++) {
            char *k = piece_key(a, id, (size_t)p);
            core_txn_delete(t, CORE_CF_ATTACHMENTS, (core_slice){k, strlen(k)});
        }
        core_txn_delete(t, CORE_CF_ATTACHMENTS, (core_slice){id, CORE_ID_LEN}); /* older form */
        if (removed != NULL)
            (*removed)++;
    }
    return 0;
}

int core_attachment_list_check_txn(core_txn *t, const core_value *v, size_t max, core_fields *f,
                                   core_arena *a, core_value *list, bool *ok)
{
    *list = core_value_arr();
    *ok = true;
    if (v == NULL || v->type == CORE_NULL)
        return 0; /* none */
    if (v->type != CORE_ARR) {
        core_fields_add(f, "attachments", "must be a list of attachment ids");
        *ok = false;
        return 0;
    }
    if (v->u.arr.len > max) {
        core_fields_add(f, "attachments",
                        core_arena_printf(f->arena, "must have at most %zu attachments", max));
        *ok = false;
        return 0;
    }
    for (size_t i = 0; i < v->u.arr.len; i++) {
        const core_value *it = &v->u.arr.items[i];
        core_value meta;
        int rc = it->type == CORE_STR ? core_attachment_meta_txn(t, it->u.s.ptr, a, &meta)
                                      : CORE_ENOTFOUND;
        if (rc == CORE_ENOTFOUND) {
            core_fields_add(f, "attachments",
                            it->type == CORE_STR
                                ? core_arena_printf(f->arena,
                                                    "no attachment \"%s\": upload it with POST "
                                                    "/v1/attachments first",
                                                    it->u.s.ptr)
                                : "must be a list of attachment ids");
            *ok = false;
            return 0;
        }
        if (rc != 0)
            return rc;
        for (size_t j = 0; j < list->u.arr.len; j++)
            if (strcmp(core_value_get_str(&list->u.arr.items[j], "id"), it->u.s.ptr) == 0) {
                core_fields_add(f, "attachments", "lists an attachment twice");
                *ok = false;
                return 0;
            }
        core_value_push(a, list, meta);
    }
    return 0;
}
