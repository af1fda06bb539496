/*
 * value.h: the one in-memory value type for request bodies, records and responses.
 *
 * JSON and MessagePack both decode into core_value and encode from it, so handlers and
 * domain rules never see the wire format. Values live in a core_arena: nothing is freed
 * one by one, and strings are slices into arena memory (always NUL-terminated, since
 * every producer in this project copies them there). Objects keep their members in
 * insertion order; lookups are linear, which suits the small objects of this API.
 */
#ifndef ECCPD_CORE_VALUE_H
#define ECCPD_CORE_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"

typedef enum core_value_type {
    CORE_NULL,
    CORE_BOOL,
    CORE_INT,
    CORE_DOUBLE,
    CORE_STR,
    CORE_ARR,
    CORE_OBJ,
} core_value_type;

typedef struct core_value core_value;
typedef struct core_member core_member;

struct core_value {
    core_value_type type;
    union {
        bool b;
        int64_t i;
        double d;
        core_slice s; /* NUL-terminated at s.ptr[s.len] */
        struct {
            core_value *items;
            size_t len, cap;
        } arr;
        struct {
            core_member *items;
            size_t len, cap;
        } obj;
    } u;
};

struct core_member {
    core_slice key;
    core_value value;
};

/* Constructors: results are plain structs; strings are copied into the arena. */
core_value core_value_null(void);
core_value core_value_bool(bool b);
core_value core_value_int(int64_t i);
core_value core_value_double(double d);
core_value core_value_str(core_arena *a, const char *s, size_t len);
core_value core_value_cstr(core_arena *a, const char *s);
/* A string that points at memory the caller keeps alive at least as long as the value. */
core_value core_value_str_ref(const char *s, size_t len);
core_value core_value_arr(void);
core_value core_value_obj(void);

/* Appends to an array; the item is copied. Memory comes from the arena. */
void core_value_push(core_arena *a, core_value *arr, core_value item);
/* Appends a member to an object (no duplicate check); the key is referenced, not copied. */
void core_value_set(core_arena *a, core_value *obj, const char *key, core_value v);
/* Like core_value_set for a key whose memory is not stable: copies the key into the arena. */
void core_value_set_copy(core_arena *a, core_value *obj, const char *key, size_t keylen,
                         core_value v);

/* The member's value or NULL when obj is not an object or has no such key. Borrowed. */
const core_value *core_value_get(const core_value *obj, const char *key);
/* The string of a member, or NULL when absent or not a string. */
const char *core_value_get_str(const core_value *obj, const char *key);

/* A deep copy of v whose every byte lives in arena a. */
core_value core_value_copy(core_arena *a, const core_value *v);

/* Deep equality (numbers compare by value across int/double). */
bool core_value_equal(const core_value *a, const core_value *b);

/* Encodes as MessagePack into a malloc'd buffer the caller frees; 0 or a negative code. */
int core_value_to_msgpack(const core_value *v, char **out, size_t *outlen);
/* Decodes one MessagePack value occupying all of buf (trailing bytes are an error); the
 * result lives in the arena. Depth is limited to keep hostile input bounded.
 * Returns 0, or CORE_EBADREQ with a message in *why (static string). */
int core_value_from_msgpack(core_arena *a, const char *buf, size_t len, core_value *out,
                            const char **why);
/* As core_value_from_msgpack, under the rules of a request body, the same as JSON bodies
 * follow (net/json.c): an object may not repeat a key, a string may not hold NUL. */
int core_value_from_msgpack_body(core_arena *a, const char *buf, size_t len, core_value *out,
                                 const char **why);

/* The body rules shared by both wire formats (internal to core and net's JSON reader):
 * a string is valid UTF-8 without NUL (false with *why set otherwise); an object repeats
 * no key (checked in n log n, scratch memory from a). */
bool core__body_str_ok(const char *s, size_t len, const char **why);
bool core__obj_has_duplicate(core_arena *a, const core_value *obj);

/* True when s[0..len) is well-formed UTF-8 (no overlongs, surrogates or code points past
 * U+10FFFF). */
bool core_utf8_valid(const char *s, size_t len);

enum { CORE_VALUE_MAX_DEPTH = 64 };

#endif
