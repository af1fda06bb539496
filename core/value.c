/*
 * value.c: construction, lookup, equality and the MessagePack codec of core_value.
 * Decoding goes through msgpack-c's zone-allocated object tree and is then copied into
 * the arena, so the zone is freed before returning and hostile input costs at most
 * twice its size.
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
        c.u.obj.items = core_arena_alloc(a, (v->u.obj.len ? v->u.obj.len : 1) * sizeof(core_member));
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

static int unpack(core_arena *a, const msgpack_object *o, core_value *out, int depth,
                  const char **why)
{
    if (depth > CORE_VALUE_MAX_DEPTH) {
        *why = "nesting is too deep";
        return CORE_EBADREQ;
    }
    switch (o->type) {
    case MSGPACK_OBJECT_NIL:
        *out = core_value_null();
        return 0;
    case MSGPACK_OBJECT_BOOLEAN:
        *out = core_value_bool(o->via.boolean);
        return 0;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        if (o->via.u64 > INT64_MAX) {
            *why = "integer out of range";
            return CORE_EBADREQ;
        }
        *out = core_value_int((int64_t)o->via.u64);
        return 0;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        *out = core_value_int(o->via.i64);
        return 0;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        if (!isfinite(o->via.f64)) {
            *why = "numbers must be finite";
            return CORE_EBADREQ;
        }
        *out = core_value_double(o->via.f64);
        return 0;
    case MSGPACK_OBJECT_STR:
        if (!core_utf8_valid(o->via.str.ptr, o->via.str.size)) {
            *why = "strings must be valid UTF-8";
            return CORE_EBADREQ;
        }
        *out = core_value_str(a, o->via.str.ptr, o->via.str.size);
        return 0;
    case MSGPACK_OBJECT_ARRAY: {
        core_value arr = core_value_arr();
        for (uint32_t i = 0; i < o->via.array.size; i++) {
            core_value item;
            int rc = unpack(a, &o->via.array.ptr[i], &item, depth + 1, why);
            if (rc != 0)
                return rc;
            core_value_push(a, &arr, item);
        }
        *out = arr;
        return 0;
    }
    case MSGPACK_OBJECT_MAP: {
        core_value obj = core_value_obj();
        for (uint32_t i = 0; i < o->via.map.size; i++) {
            const msgpack_object_kv *kv = &o->via.map.ptr[i];
            if (kv->key.type != MSGPACK_OBJECT_STR ||
                !core_utf8_valid(kv->key.via.str.ptr, kv->key.via.str.size)) {
                *why = "map keys must be UTF-8 strings";
                return CORE_EBADREQ;
            }
            core_value item;
            int rc = unpack(a, &kv->val, &item, depth + 1, why);
            if (rc != 0)
                return rc;
            core_value_set_copy(a, &obj, kv->key.via.str.ptr, kv->key.via.str.size, item);
        }
        *out = obj;
        return 0;
    }
    default:
        *why = "binary and extension types are not accepted";
        return CORE_EBADREQ;
    }
}

int core_value_from_msgpack(core_arena *a, const char *buf, size_t len, core_value *out,
                            const char **why)
{
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    size_t off = 0;
    int rc;
    msgpack_unpack_return ur = msgpack_unpack_next(&up, buf, len, &off);
    if (ur != MSGPACK_UNPACK_SUCCESS) {
        *why = ur == MSGPACK_UNPACK_CONTINUE ? "truncated MessagePack" : "malformed MessagePack";
        rc = CORE_EBADREQ;
        goto Exit;
    }
    if (off != len) {
        *why = "trailing bytes after the MessagePack value";
        rc = CORE_EBADREQ;
        goto Exit;
    }
    rc = unpack(a, &up.data, out, 0, why);
Exit:
    msgpack_unpacked_destroy(&up);
    return rc;
}
