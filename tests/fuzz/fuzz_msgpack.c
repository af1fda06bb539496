/*
 * fuzz_msgpack: the MessagePack readers, both the record reader (core_value_from_msgpack,
 * what the store and `eccpd import`'s records go through) and the body reader
 * (core_value_from_msgpack_body, stricter). Properties: whatever the body reader accepts
 * the record reader accepts as the same value; an accepted value encodes
 * (core_value_to_msgpack), decodes back, and encodes to the same bytes again (bytes, not
 * core_value_equal: the record reader keeps a repeated key, which equal cannot compare).
 */
#include <string.h>

#include "fuzz.h"
#include "core/value.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    core_arena a;
    core_arena_init(&a);
    core_value rec, body;
    const char *why = NULL, *bwhy = NULL;
    int rrc = core_value_from_msgpack(&a, (const char *)data, size, &rec, &why);
    int brc = core_value_from_msgpack_body(&a, (const char *)data, size, &body, &bwhy);
    if (rrc != 0)
        FUZZ_CHECK(why != NULL);
    if (brc != 0)
        FUZZ_CHECK(bwhy != NULL);
    if (brc == 0) {
        FUZZ_CHECK(rrc == 0);
        FUZZ_CHECK(core_value_equal(&rec, &body));
    }
    if (rrc == 0) {
        char *out = NULL;
        size_t outlen = 0;
        FUZZ_CHECK(core_value_to_msgpack(&rec, &out, &outlen) == 0);
        core_value back;
        const char *why2 = NULL;
        FUZZ_CHECK(core_value_from_msgpack(&a, out, outlen, &back, &why2) == 0);
        char *again = NULL;
        size_t againlen = 0;
        FUZZ_CHECK(core_value_to_msgpack(&back, &again, &againlen) == 0);
        FUZZ_CHECK(againlen == outlen && memcmp(again, out, outlen) == 0);
        free(again);
        free(out);
    }
    core_arena_dispose(&a);
    return 0;
}
