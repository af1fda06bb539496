/* Unit tests of core_value: construction, lookup, equality, MessagePack and UTF-8. */
#include "check.h"
#include "core/error.h"
#include "core/value.h"

#include <stdlib.h>

static void msgpack_round_trip(void)
{
    core_arena a;
    core_arena_init(&a);
    core_value v = core_value_obj();
    core_value_set(&a, &v, "name", core_value_cstr(&a, "Żywność Klaster Ελλάδα"));
    core_value_set(&a, &v, "count", core_value_int(-42));
    core_value_set(&a, &v, "big", core_value_int(INT64_MAX));
    core_value_set(&a, &v, "ratio", core_value_double(0.5));
    core_value_set(&a, &v, "ok", core_value_bool(true));
    core_value_set(&a, &v, "none", core_value_null());
    core_value arr = core_value_arr();
    core_value_push(&a, &arr, core_value_cstr(&a, "digital"));
    core_value_push(&a, &arr, core_value_int(7));
    core_value_set(&a, &v, "list", arr);

    char *buf;
    size_t len;
    CHECK_EQ(core_value_to_msgpack(&v, &buf, &len), 0);
    core_value back;
    const char *why = NULL;
    CHECK_EQ(core_value_from_msgpack(&a, buf, len, &back, &why), 0);
    CHECK(core_value_equal(&v, &back));
    CHECK_STR_EQ(core_value_get_str(&back, "name"), "Żywność Klaster Ελλάδα");
    CHECK_EQ(core_value_get(&back, "big")->u.i, INT64_MAX);

    /* truncated input and trailing bytes are rejected with a reason */
    CHECK_EQ(core_value_from_msgpack(&a, buf, len - 1, &back, &why), CORE_EBADREQ);
    CHECK(why != NULL);
    char *longer = malloc(len + 1);
    memcpy(longer, buf, len);
    longer[len] = 0x01;
    CHECK_EQ(core_value_from_msgpack(&a, longer, len + 1, &back, &why), CORE_EBADREQ);
    free(longer);
    free(buf);
    core_arena_dispose(&a);
}

static void msgpack_rejects_invalid_utf8_and_deep_nesting(void)
{
    core_arena a;
    core_arena_init(&a);
    const char bad[] = {(char)0xa2, (char)0xc3, (char)0x28}; /* fixstr len 2, invalid UTF-8 */
    core_value out;
    const char *why;
    CHECK_EQ(core_value_from_msgpack(&a, bad, sizeof(bad), &out, &why), CORE_EBADREQ);

    char deep[200];
    for (int i = 0; i < 199; i++)
        deep[i] = (char)0x91; /* fixarray of 1 */
    deep[199] = (char)0xc0;
    CHECK_EQ(core_value_from_msgpack(&a, deep, sizeof(deep), &out, &why), CORE_EBADREQ);
    core_arena_dispose(&a);
}

static void utf8_validation(void)
{
    CHECK(core_utf8_valid("plain", 5));
    CHECK(core_utf8_valid("Новосадска", strlen("Новосадска")));
    CHECK(core_utf8_valid("\xf0\x9f\x98\x80", 4));  /* U+1F600 */
    CHECK(!core_utf8_valid("\xc0\xaf", 2));         /* overlong '/' */
    CHECK(!core_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
    CHECK(!core_utf8_valid("\xf4\x90\x80\x80", 4)); /* past U+10FFFF */
    CHECK(!core_utf8_valid("\xe2\x82", 2));         /* truncated */
}

static void equality_across_number_types(void)
{
    core_value i = core_value_int(2), d = core_value_double(2.0), e = core_value_double(2.5);
    CHECK(core_value_equal(&i, &d));
    CHECK(!core_value_equal(&i, &e));
}

static void arena_large_and_many_allocations(void)
{
    core_arena a;
    core_arena_init(&a);
    for (int i = 0; i < 10000; i++) {
        char *p = core_arena_alloc(&a, (size_t)(i % 97) + 1);
        CHECK_EQ((uintptr_t)p % 16, 0);
        p[0] = 'x';
    }
    char *big = core_arena_alloc(&a, 1 << 20);
    big[(1 << 20) - 1] = 'y';
    CHECK_STR_EQ(core_arena_printf(&a, "%s-%d", "id", 42), "id-42");
    core_arena_dispose(&a);
}

int main(void)
{
    RUN(msgpack_round_trip);
    RUN(msgpack_rejects_invalid_utf8_and_deep_nesting);
    RUN(utf8_validation);
    RUN(equality_across_number_types);
    RUN(arena_large_and_many_allocations);
    return 0;
}
