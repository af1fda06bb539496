/*
 * value.c: construction, lookup, equality and the MessagePack codec of core_value.
 * Encoding goes through msgpack-c's packer; decoding reads the bytes directly into the
 * arena (see "decoding" below for why), so hostile input costs memory in proportion to
 * its size, never to the lengths it announces.
 */
#include "core/value.h"

#include <math.h>
#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

core_value core_value_null(void)
{
    return (core_value){.type = CORE_NULL};
}

core_value core_value_bool(bool b)
{
    return (core_value){.type = CORE_BOOL, .u.b = b};
}

core_value core_value_int(int64_t i)
{
    return (core_value){.type = CORE_INT, .u.i = i};
}

core_value core_value_double(double d)
{
    return (core_value){.type = CORE_DOUBLE, .u.d = d};
}

core_value core_value_str(core_arena *a, const char *s, size_t len)
{
    return (core_value){.type = CORE_STR, .u.s = {core_arena_strndup(a, s, len), len}};
}

core_value core_value_cstr(core_arena *a, const char *s)
{
    return core_value_str(a, s, strlen(s));
}

core_value core_value_str_ref(const char *s, size_t len)
{
    return (core_value){.type = CORE_STR, .u.s = {s, len}};
}

core_value core_value_arr(void)
{
    return (core_value){.type = CORE_ARR};
}

core_value core_value_obj(void)
{
    return (core_value){.type = CORE_OBJ};
}

/* Grows an arena array of elements of size sz to hold one more; old storage is left in the
 * arena (it is freed with it). */
static void *grow(core_arena *a, void *items, size_t len, size_t *cap, size_t sz)
{
    if (len < *cap)
        return items;
    size_t ncap = *cap ? *cap * 2 : 4;
    void *n = core_arena_alloc(a, ncap * sz);
    if (len)
        memcpy(n, items, len * sz);
    *cap = ncap;
    return n;
}

void core_value_push(core_arena *a, core_value *arr, core_value item)
{
    arr->u.arr.items =
        grow(a, arr->u.arr.items, arr->u.arr.len, &arr->u.arr.cap, sizeof(core_value));
    arr->u.arr.items[arr->u.arr.len++] = item;
}

void core_value_set(core_arena *a, core_value *obj, const char *key, core_value v)
{
    obj->u.obj.items =
        grow(a, obj->u.obj.items, obj->u.obj.len, &obj->u.obj.cap, sizeof(core_member));
    obj->u.obj.items[obj->u.obj.len++] = (core_member){{key, strlen(key)}, v};
}

void core_value_set_copy(core_arena *a, core_value *obj, const char *key, size_t keylen,
                         core_value v)
{
    obj->u.obj.items =
        grow(a, obj->u.obj.items, obj->u.obj.len, &obj->u.obj.cap, sizeof(core_member));
    obj->u.obj.items[obj->u.obj.len++] =
        (core_member){{core_arena_strndup(a, key, keylen), keylen}, v};
}

const core_value *core_value_get(const core_value *obj, const char *key)
{
    if (obj == NULL || obj->type != CORE_OBJ)
        return NULL;
    size_t klen = strlen(key);
    for (size_t i = 0; i < obj->u.obj.len; i++) {
        const core_member *m = &obj->u.obj.items[i];
        if (m->key.len == klen && memcmp(m->key.ptr, key, klen) == 0)
            return &m->value;
    }
    return NULL;
}

const char *core_value_get_str(const core_value *obj, const char *key)
{
    const core_value *v = core_value_get(obj, key);
    return v != NULL && v->type == CORE_STR ? v->u.s.ptr : NULL;
}

core_value core_value_copy(core_arena *a, const core_value *v)
{
    core_value c = *v;
    switch (v->type) {
    case CORE_STR:
        c.u.s.ptr = core_arena_strndup(a, v->u.s.ptr, v->u.s.len);
        break;
    case CORE_ARR:
        c.u.arr.items = core_arena_alloc(a, (v->u.arr.len ? v->u.arr.len : 1) * sizeof(core_value));
        c.u.arr.cap = v->u.arr.len;
        for (size_t i = 0; i < v->u.arr.len; i++)
            c.u.arr.items[i] = core_value_copy(a, &v->u.arr.items[i]);
        break;
    case CORE_OBJ:
        c.u.obj.items =
            core_arena_alloc(a, (v->u.obj.len ? v->u.obj.len : 1) * sizeof(core_member));
        c.u.obj.cap = v->u.obj.len;
        for (size_t i = 0; i < v->u.obj.len; i++) {
            const core_member *m = &v->u.obj.items[i];
            c.u.obj.items[i].key =
                (core_slice){core_arena_strndup(a, m->key.ptr, m->key.len), m->key.len};
            c.u.obj.items[i].value = core_value_copy(a, &m->value);
        }
        break;
    default:
        break;
    }
    return c;
}

bool core_value_equal(const core_value *a, const core_value *b)
{
    if ((a->type == CORE_INT || a->type == CORE_DOUBLE) &&
        (b->type == CORE_INT || b->type == CORE_DOUBLE)) {
        if (a->type == CORE_INT && b->type == CORE_INT)
            return a->u.i == b->u.i;
        double x = a->type == CORE_INT ? (double)a->u.i : a->u.d;
        double y = b->type == CORE_INT ? (double)b->u.i : b->u.d;
        return x == y;
    }
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case CORE_NULL:
        return true;
    case CORE_BOOL:
        return a->u.b == b->u.b;
    case CORE_STR:
        return a->u.s.len == b->u.s.len && memcmp(a->u.s.ptr, b->u.s.ptr, a->u.s.len) == 0;
    case CORE_ARR:
        if (a->u.arr.len != b->u.arr.len)
            return false;
        for (size_t i = 0; i < a->u.arr.len; i++)
            if (!core_value_equal(&a->u.arr.items[i], &b->u.arr.items[i]))
                return false;
        return true;
    case CORE_OBJ:
        if (a->u.obj.len != b->u.obj.len)
            return false;
        for (size_t i = 0; i < a->u.obj.len; i++) {
            const core_member *m = &a->u.obj.items[i];
            char key[256];
            if (m->key.len >= sizeof(key))
                return false;
            memcpy(key, m->key.ptr, m->key.len);
            key[m->key.len] = '\0';
            const core_value *o = core_value_get(b, key);
            if (o == NULL || !core_value_equal(&m->value, o))
                return false;
        }
        return true;
    default:
        return false;
    }
}

bool core_utf8_valid(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str, *end = s + len;
    while (s < end) {
        unsigned c = *s;
        if (c < 0x80) {
            s++;
            continue;
        }
        size_t n;
        unsigned cp, min;
        if ((c & 0xE0) == 0xC0) {
            n = 1, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if ((size_t)(end - s) <= n)
            return false;
        for (size_t i = 1; i <= n; i++) {
            if ((s[i] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        s += n + 1;
    }
    return true;
}

/* ---- MessagePack ---- */

static void pack(msgpack_packer *pk, const core_value *v)
{
    switch (v->type) {
    case CORE_NULL:
        msgpack_pack_nil(pk);
        break;
    case CORE_BOOL:
        if (v->u.b)
            msgpack_pack_true(pk);
        else
            msgpack_pack_false(pk);
        break;
    case CORE_INT:
        msgpack_pack_int64(pk, v->u.i);
        break;
    case CORE_DOUBLE:
        msgpack_pack_double(pk, v->u.d);
        break;
    case CORE_STR:
        msgpack_pack_str(pk, v->u.s.len);
        msgpack_pack_str_body(pk, v->u.s.ptr, v->u.s.len);
        break;
    case CORE_ARR:
        msgpack_pack_array(pk, v->u.arr.len);
        for (size_t i = 0; i < v->u.arr.len; i++)
            pack(pk, &v->u.arr.items[i]);
        break;
    case CORE_OBJ:
        msgpack_pack_map(pk, v->u.obj.len);
        for (size_t i = 0; i < v->u.obj.len; i++) {
            const core_member *m = &v->u.obj.items[i];
            msgpack_pack_str(pk, m->key.len);
            msgpack_pack_str_body(pk, m->key.ptr, m->key.len);
            pack(pk, &m->value);
        }
        break;
    }
}

int core_value_to_msgpack(const core_value *v, char **out, size_t *outlen)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    pack(&pk, v);
    if (sb.data == NULL) { /* nothing written cannot happen: every value packs a byte */
        msgpack_sbuffer_destroy(&sb);
        return CORE_EINTERNAL;
    }
    *out = sb.data;
    *outlen = sb.size;
    return 0;
}

/* ---- decoding ----
 *
 * A reader over the bytes, not msgpack-c's unpacker: msgpack-c reserves memory for an
 * array or map as soon as its header announces a length, so five bytes announcing four
 * billion items made it ask for 32 GiB. Here every announced length is checked against
 * the bytes that remain (an item takes at least one byte, a map entry two) before
 * anything is built, and items are appended as they are read, so memory stays
 * proportional to the input actually present. */

typedef struct reader {
    const unsigned char *p, *end;
    bool strict; /* a request body: no duplicate keys, no NUL in strings */
    const char *why;
} reader;

static bool need(reader *r, size_t n)
{
    if ((size_t)(r->end - r->p) < n) {
        r->why = "truncated MessagePack";
        return false;
    }
    return true;
}

static uint64_t be(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* Reads an n-byte big-endian length after the type byte; false when truncated. */
static bool read_len(reader *r, int n, uint64_t *len)
{
    if (!need(r, (size_t)n))
        return false;
    *len = be(r->p, n);
    r->p += n;
    return true;
}

bool core__body_str_ok(const char *s, size_t len, const char **why)
{
    if (!core_utf8_valid(s, len)) {
        *why = "strings must be valid UTF-8";
        return false;
    }
    if (memchr(s, '\0', len) != NULL) {
        *why = "strings must not contain NUL characters";
        return false;
    }
    return true;
}

static int cmp_member_keys(const void *x, const void *y)
{
    const core_slice *a = *(const core_slice *const *)x, *b = *(const core_slice *const *)y;
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->ptr, b->ptr, n);
    return c != 0 ? c : (a->len > b->len) - (a->len < b->len);
}

bool core__obj_has_duplicate(core_arena *a, const core_value *obj)
{
    size_t n = obj->u.obj.len;
    if (n < 2)
        return false;
    if (n <= 8) { /* the usual small object: compare pairs */
        for (size_t i = 1; i < n; i++)
            for (size_t j = 0; j < i; j++)
                if (cmp_member_keys(&(const core_slice *){&obj->u.obj.items[i].key},
                                    &(const core_slice *){&obj->u.obj.items[j].key}) == 0)
                    return true;
        return false;
    }
    /* Sorted, so a hostile object of many keys costs n log n, not n squared. */
    const core_slice **keys = core_arena_alloc(a, n * sizeof(*keys));
    for (size_t i = 0; i < n; i++)
        keys[i] = &obj->u.obj.items[i].key;
    qsort(keys, n, sizeof(*keys), cmp_member_keys);
    for (size_t i = 1; i < n; i++)
        if (cmp_member_keys(&keys[i - 1], &keys[i]) == 0)
            return true;
    return false;
}

static int read_value(core_arena *a, reader *r, core_value *out, int depth);

static int read_str(core_arena *a, reader *r, uint64_t len, core_value *out)
{
    if (!need(r, len))
        return CORE_EBADREQ;
    const char *s = (const char *)r->p;
    if (r->strict ? !core__body_str_ok(s, len, &r->why) : !core_utf8_valid(s, len)) {
        if (!r->strict)
            r->why = "strings must be valid UTF-8";
        return CORE_EBADREQ;
    }
    *out = core_value_str(a, s, len);
    r->p += len;
    return 0;
}

static int read_array(core_arena *a, reader *r, uint64_t n, core_value *out, int depth)
{
    if ((uint64_t)(r->end - r->p) < n) {
        r->why = "an array announces more items than the bytes that follow";
        return CORE_EBADREQ;
    }
    *out = core_value_arr();
    for (uint64_t i = 0; i < n; i++) {
        core_value item;
        int rc = read_value(a, r, &item, depth + 1);
        if (rc != 0)
            return rc;
        core_value_push(a, out, item);
    }
    return 0;
}

static int read_map(core_arena *a, reader *r, uint64_t n, core_value *out, int depth)
{
    if ((uint64_t)(r->end - r->p) / 2 < n) {
        r->why = "a map announces more entries than the bytes that follow";
        return CORE_EBADREQ;
    }
    *out = core_value_obj();
    for (uint64_t i = 0; i < n; i++) {
        core_value key, item;
        int rc = read_value(a, r, &key, depth + 1);
        if (rc != 0)
            return rc;
        if (key.type != CORE_STR) {
            r->why = "map keys must be UTF-8 strings";
            return CORE_EBADREQ;
        }
        if ((rc = read_value(a, r, &item, depth + 1)) != 0)
            return rc;
        core_value_set(a, out, key.u.s.ptr, item); /* the key already lives in the arena */
        out->u.obj.items[out->u.obj.len - 1].key.len = key.u.s.len;
    }
    if (r->strict && core__obj_has_duplicate(a, out)) {
        r->why = "duplicate key in object";
        return CORE_EBADREQ;
    }
    return 0;
}

static int read_value(core_arena *a, reader *r, core_value *out, int depth)
{
    if (depth > CORE_VALUE_MAX_DEPTH) {
        r->why = "nesting is too deep";
        return CORE_EBADREQ;
    }
    if (!need(r, 1))
        return CORE_EBADREQ;
    unsigned c = *r->p++;
    uint64_t len;
    if (c <= 0x7f) {
        *out = core_value_int((int64_t)c);
        return 0;
    }
    if (c >= 0xe0) {
        *out = core_value_int((int64_t)(int8_t)c);
        return 0;
    }
    if (c >= 0xa0 && c <= 0xbf)
        return read_str(a, r, c & 0x1f, out);
    if (c >= 0x90 && c <= 0x9f)
        return read_array(a, r, c & 0x0f, out, depth);
    if (c >= 0x80 && c <= 0x8f)
        return read_map(a, r, c & 0x0f, out, depth);
    switch (c) {
    case 0xc0:
        *out = core_value_null();
        return 0;
    case 0xc2:
    case 0xc3:
        *out = core_value_bool(c == 0xc3);
        return 0;
    case 0xca:
    case 0xcb: {
        int n = c == 0xca ? 4 : 8;
        if (!need(r, (size_t)n))
            return CORE_EBADREQ;
        uint64_t bits = be(r->p, n);
        r->p += n;
        double d;
        if (n == 4) {
            uint32_t b32 = (uint32_t)bits;
            float f;
            memcpy(&f, &b32, 4);
            d = f;
        } else {
            memcpy(&d, &bits, 8);
        }
        if (!isfinite(d)) {
            r->why = "numbers must be finite";
            return CORE_EBADREQ;
        }
        *out = core_value_double(d);
        return 0;
    }
    case 0xcc:
    case 0xcd:
    case 0xce:
    case 0xcf: {
        int n = 1 << (c - 0xcc);
        if (!read_len(r, n, &len))
            return CORE_EBADREQ;
        if (len > INT64_MAX) {
            r->why = "integer out of range";
            return CORE_EBADREQ;
        }
        *out = core_value_int((int64_t)len);
        return 0;
    }
    case 0xd0:
    case 0xd1:
    case 0xd2:
    case 0xd3: {
        int n = 1 << (c - 0xd0);
        if (!read_len(r, n, &len))
            return CORE_EBADREQ;
        int64_t v = n == 8
                        ? (int64_t)len
                        : (int64_t)(len ^ (1ull << (n * 8 - 1))) - (int64_t)(1ull << (n * 8 - 1));
        *out = core_value_int(v);
        return 0;
    }
    case 0xd9:
    case 0xda:
    case 0xdb:
        if (!read_len(r, 1 << (c - 0xd9), &len))
            return CORE_EBADREQ;
        return read_str(a, r, len, out);
    case 0xdc:
    case 0xdd:
        if (!read_len(r, c == 0xdc ? 2 : 4, &len))
            return CORE_EBADREQ;
        return read_array(a, r, len, out, depth);
    case 0xde:
    case 0xdf:
        if (!read_len(r, c == 0xde ? 2 : 4, &len))
            return CORE_EBADREQ;
        return read_map(a, r, len, out, depth);
    case 0xc1:
        r->why = "malformed MessagePack";
        return CORE_EBADREQ;
    default: /* bin 0xc4-0xc6, ext 0xc7-0xc9, fixext 0xd4-0xd8 */
        r->why = "binary and extension types are not accepted";
        return CORE_EBADREQ;
    }
}

static int decode(core_arena *a, const char *buf, size_t len, bool strict, core_value *out,
                  const char **why)
{
    reader r = {(const unsigned char *)buf, (const unsigned char *)buf + len, strict, NULL};
    int rc = read_value(a, &r, out, 0);
    if (rc == 0 && r.p != r.end) {
        r.why = "trailing bytes after the MessagePack value";
        rc = CORE_EBADREQ;
    }
    if (rc != 0)
        *why = r.why != NULL ? r.why : "malformed MessagePack";
    return rc;
}

int core_value_from_msgpack(core_arena *a, const char *buf, size_t len, core_value *out,
                            const char **why)
{
    return decode(a, buf, len, false, out, why);
}

int core_value_from_msgpack_body(core_arena *a, const char *buf, size_t len, core_value *out,
                                 const char **why)
{
    return decode(a, buf, len, true, out, why);
}
