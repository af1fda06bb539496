/*
 * fuzz_json: the JSON body reader (net_json_parse). Properties: it either refuses with a
 * reason or gives a value; a value written back (net_json_write) reads again, and writing
 * that gives the same text (the writer and reader agree on every value the reader makes).
 */
#include <string.h>

#include "fuzz.h"
#include "net/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    core_arena a;
    core_arena_init(&a);
    core_value v;
    const char *why = NULL;
    int rc = net_json_parse(&a, (const char *)data, size, &v, &why);
    if (rc != 0) {
        FUZZ_CHECK(why != NULL && *why != '\0');
    } else {
        net_buf b1, b2;
        net_buf_init(&b1);
        net_buf_init(&b2);
        net_json_write(&b1, &v);
        core_value w;
        const char *why2 = NULL;
        FUZZ_CHECK(net_json_parse(&a, b1.ptr, b1.len, &w, &why2) == 0);
        net_json_write(&b2, &w);
        FUZZ_CHECK(b1.len == b2.len && memcmp(b1.ptr, b2.ptr, b1.len) == 0);
        net_buf_dispose(&b1);
        net_buf_dispose(&b2);
    }
    core_arena_dispose(&a);
    return 0;
}
